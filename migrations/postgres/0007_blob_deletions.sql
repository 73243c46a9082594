-- Stored files whose rows are gone but whose deletion from the blob store
-- is not confirmed yet (the store was unreachable, or the process stopped
-- in between). A post's or an old avatar's keys are queued in the
-- transaction that drops their rows; a sweep deletes the files and the
-- queue entries, so no file outlives its row for good.
CREATE TABLE blob_deletions (
    key TEXT PRIMARY KEY
);
