-- Private accounts: their content reaches only the owner and approved
-- followers (see src/store/visibility.rs); following one asks first.
ALTER TABLE users ADD COLUMN is_private BOOLEAN NOT NULL DEFAULT FALSE;

-- A pending request to follow a private account; approving it turns it
-- into a row of `follows`, rejecting or cancelling it deletes it.
CREATE TABLE follow_requests (
    requester_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (requester_id, target_id),
    CHECK (requester_id <> target_id)
);
-- GET /api/me/follow_requests, and approving them all on going public.
CREATE INDEX follow_requests_listed
    ON follow_requests (target_id, created_at DESC, requester_id DESC);

-- Two new notification kinds, follow_request and follow_accepted, which
-- like follows notify once, ever.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('like', 'comment', 'follow', 'mention', 'follow_request', 'follow_accepted'));
DROP INDEX notifications_once;
-- A like, a follow, a follow request or its approval notifies once,
-- however often it is undone and redone.
CREATE UNIQUE INDEX notifications_once
    ON notifications (recipient_id, actor_id, kind, COALESCE(post_id, 0))
    WHERE kind IN ('like', 'follow', 'follow_request', 'follow_accepted');
