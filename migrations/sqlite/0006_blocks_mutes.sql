-- Blocking ends every contact between two accounts, both ways: neither sees
-- the other's profile, posts, comments or likes, nor can reach the other.
-- Muting is one-sided and silent: the muter stops seeing the muted
-- account's posts in the feed (and, with `notifications`, hears nothing
-- from it); the muted account notices nothing.
CREATE TABLE blocks (
    blocker_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
-- GET /api/me/blocks
CREATE INDEX blocks_listed ON blocks (blocker_id, created_at DESC, blocked_id DESC);

CREATE TABLE mutes (
    muter_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    muted_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notifications BOOLEAN NOT NULL,
    created_at    TEXT    NOT NULL,
    PRIMARY KEY (muter_id, muted_id),
    CHECK (muter_id <> muted_id)
);
-- GET /api/me/mutes
CREATE INDEX mutes_listed ON mutes (muter_id, created_at DESC, muted_id DESC);
