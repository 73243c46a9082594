-- Reports and moderation: roles, suspensions, reports of posts, comments
-- and accounts, and the log of every moderator action.

-- `role` decides who may use /api/admin; `suspended_at` hides the account
-- from everyone (the `may_see!` rule probes it by primary key).
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user'
    CHECK (role IN ('user', 'moderator', 'admin'));
ALTER TABLE users ADD COLUMN suspended_at TEXT;
-- The few moderators and admins, who hear of every new report.
CREATE INDEX users_staff ON users (id) WHERE role <> 'user';

-- `target_id` is a post, comment or user id as `target_kind` says; it is no
-- foreign key, so a report outlives the content its author deleted.
-- `account_id` is whose the target is (the author, or the account itself).
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    reporter_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_kind TEXT    NOT NULL CHECK (target_kind IN ('post', 'comment', 'user')),
    target_id   INTEGER NOT NULL,
    account_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT    NOT NULL
        CHECK (reason IN ('spam', 'harassment', 'nudity', 'violence', 'other')),
    note        TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    resolved_at TEXT
);
-- One open report per reporter and target.
CREATE UNIQUE INDEX reports_open_once ON reports (reporter_id, target_kind, target_id)
    WHERE resolved_at IS NULL;
-- GET /api/admin/reports: the open ones, oldest first.
CREATE INDEX reports_open ON reports (id) WHERE resolved_at IS NULL;
-- Resolving closes every open report on the same target.
CREATE INDEX reports_open_target ON reports (target_kind, target_id) WHERE resolved_at IS NULL;

-- One row per moderator action, written in the transaction of its effect.
CREATE TABLE moderation_actions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    moderator_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action       TEXT    NOT NULL CHECK (action IN (
        'dismiss', 'remove_content', 'suspend_account', 'unsuspend_account',
        'grant_moderator', 'revoke_moderator')),
    target_kind  TEXT    NOT NULL CHECK (target_kind IN ('post', 'comment', 'user')),
    target_id    INTEGER NOT NULL,
    account_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    report_id    INTEGER REFERENCES reports (id) ON DELETE SET NULL,
    reason       TEXT    NOT NULL,
    created_at   TEXT    NOT NULL
);
-- GET /api/admin/actions walks the primary key, newest first.

-- Moderators hear of new reports as notifications of kind 'report'. SQLite
-- cannot alter a CHECK, so the table is rebuilt as 0004 left it, with the
-- new kind (and the follow-request kinds of private accounts) allowed.
CREATE TABLE notifications_kinds (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    actor_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('like', 'comment', 'follow', 'mention',
                                                  'follow_request', 'follow_accepted', 'report')),
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
-- As 0008 left it: a like, a follow, a follow request or its approval
-- notifies once, however often it is undone and redone.
CREATE UNIQUE INDEX notifications_once
    ON notifications (recipient_id, actor_id, kind, COALESCE(post_id, 0))
    WHERE kind IN ('like', 'follow', 'follow_request', 'follow_accepted');
