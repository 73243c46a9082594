-- "Has the author blocked the viewer?" is a primary-key probe of blocks
-- when both are known, but for a list PostgreSQL may turn the NOT EXISTS
-- of `may_see!` into one anti-join over every block against the viewer:
-- this index makes that a range read instead of a scan of the table.
CREATE INDEX blocks_by_blocked ON blocks (blocked_id, blocker_id);
