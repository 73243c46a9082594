-- Reports and moderation: roles, suspensions, reports of posts, comments
-- and accounts, and the log of every moderator action.

-- `role` decides who may use /api/admin; `suspended_at` hides the account
-- from everyone (the `may_see!` rule probes it by primary key).
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user'
    CHECK (role IN ('user', 'moderator', 'admin'));
ALTER TABLE users ADD COLUMN suspended_at TIMESTAMPTZ;
-- The few moderators and admins, who hear of every new report.
CREATE INDEX users_staff ON users (id) WHERE role <> 'user';

-- `target_id` is a post, comment or user id as `target_kind` says; it is no
-- foreign key, so a report outlives the content its author deleted.
-- `account_id` is whose the target is (the author, or the account itself).
CREATE TABLE reports (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reporter_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_kind TEXT   NOT NULL CHECK (target_kind IN ('post', 'comment', 'user')),
    target_id   BIGINT NOT NULL,
    account_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT   NOT NULL
        CHECK (reason IN ('spam', 'harassment', 'nudity', 'violence', 'other')),
    note        TEXT   NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ
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
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    moderator_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action       TEXT   NOT NULL CHECK (action IN (
        'dismiss', 'remove_content', 'suspend_account', 'unsuspend_account',
        'grant_moderator', 'revoke_moderator')),
    target_kind  TEXT   NOT NULL CHECK (target_kind IN ('post', 'comment', 'user')),
    target_id    BIGINT NOT NULL,
    account_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    report_id    BIGINT REFERENCES reports (id) ON DELETE SET NULL,
    reason       TEXT   NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
-- GET /api/admin/actions walks the primary key, newest first.

-- Moderators hear of new reports as notifications of kind 'report'; the
-- follow-request kinds of private accounts (0008) stay allowed.
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('like', 'comment', 'follow', 'mention',
                    'follow_request', 'follow_accepted', 'report'));
