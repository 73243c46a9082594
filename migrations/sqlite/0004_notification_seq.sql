-- Each recipient's notifications form a stream numbered 1, 2, 3, ... in
-- commit order: `seq`, which a live client names as `since` on reconnect.
-- It is drawn from the recipient's row in notification_streams inside the
-- writing transaction (see the PostgreSQL migration for why that matters
-- there; here writers are serialised anyway).
--
-- SQLite cannot add a NOT NULL column without a default, so the table is
-- rebuilt with the numbering filled in.
CREATE TABLE notifications_numbered (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    actor_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('like', 'comment', 'follow', 'mention')),
    post_id      INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    comment_id   INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    created_at   TEXT    NOT NULL,
    read         BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT notifications_stream UNIQUE (recipient_id, seq)
);
INSERT INTO notifications_numbered
    (id, recipient_id, seq, actor_id, kind, post_id, comment_id, created_at, read)
SELECT id, recipient_id, ROW_NUMBER() OVER (PARTITION BY recipient_id ORDER BY id),
       actor_id, kind, post_id, comment_id, created_at, read
FROM notifications;
-- AUTOINCREMENT never hands out an id again, not even a deleted newest one:
-- carry its high-water mark over (the rename below carries it on).
DELETE FROM sqlite_sequence WHERE name = 'notifications_numbered';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'notifications_numbered', seq FROM sqlite_sequence WHERE name = 'notifications';
DROP TABLE notifications;
ALTER TABLE notifications_numbered RENAME TO notifications;
CREATE INDEX notifications_recipient ON notifications (recipient_id, id);
CREATE INDEX notifications_unread ON notifications (recipient_id) WHERE NOT read;
CREATE INDEX notifications_post ON notifications (post_id);
CREATE INDEX notifications_comment ON notifications (comment_id);
-- A like or a follow notifies once, however often it is undone and redone.
CREATE UNIQUE INDEX notifications_once
    ON notifications (recipient_id, actor_id, kind, COALESCE(post_id, 0))
    WHERE kind IN ('like', 'follow');

-- The last seq handed out per recipient (a seq is never reused, even when
-- its notification was deleted or turned out to repeat one).
CREATE TABLE notification_streams (
    user_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_seq INTEGER NOT NULL
);
INSERT INTO notification_streams (user_id, last_seq)
SELECT recipient_id, MAX(seq) FROM notifications GROUP BY recipient_id;
