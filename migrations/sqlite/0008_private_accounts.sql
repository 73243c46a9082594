-- Private accounts: their content reaches only the owner and approved
-- followers (see src/store/visibility.rs); following one asks first.
ALTER TABLE users ADD COLUMN is_private BOOLEAN NOT NULL DEFAULT FALSE;

-- A pending request to follow a private account; approving it turns it
-- into a row of `follows`, rejecting or cancelling it deletes it.
CREATE TABLE follow_requests (
    requester_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (requester_id, target_id),
    CHECK (requester_id <> target_id)
);
-- GET /api/me/follow_requests, and approving them all on going public.
CREATE INDEX follow_requests_listed
    ON follow_requests (target_id, created_at DESC, requester_id DESC);

-- Two new notification kinds, follow_request and follow_accepted, which
-- like follows notify once, ever. SQLite cannot change a CHECK in place,
-- so the table is rebuilt as in 0004.
CREATE TABLE notifications_kinds (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    actor_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('like', 'comment', 'follow', 'mention',
                                                  'follow_request', 'follow_accepted')),
    post_id      INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    comment_id   INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    created_at   TEXT    NOT NULL,
    read         BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT notifications_stream UNIQUE (recipient_id, seq)
);
INSERT INTO notifications_kinds
    (id, recipient_id, seq, actor_id, kind, post_id, comment_id, created_at, read)
SELECT id, recipient_id, seq, actor_id, kind, post_id, comment_id, created_at, read
FROM notifications;
DELETE FROM sqlite_sequence WHERE name = 'notifications_kinds';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'notifications_kinds', seq FROM sqlite_sequence WHERE name = 'notifications';
DROP TABLE notifications;
ALTER TABLE notifications_kinds RENAME TO notifications;
CREATE INDEX notifications_recipient ON notifications (recipient_id, id);
CREATE INDEX notifications_unread ON notifications (recipient_id) WHERE NOT read;
CREATE INDEX notifications_post ON notifications (post_id);
CREATE INDEX notifications_comment ON notifications (comment_id);
-- A like, a follow, a follow request or its approval notifies once,
-- however often it is undone and redone.
CREATE UNIQUE INDEX notifications_once
    ON notifications (recipient_id, actor_id, kind, COALESCE(post_id, 0))
    WHERE kind IN ('like', 'follow', 'follow_request', 'follow_accepted');
