-- Shutterbug schema, SQLite dialect. Times are fixed-width RFC 3339 text
-- (see src/db/timestamp.rs) so that text order is time order.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT    NOT NULL UNIQUE,   -- stored lower case
    email           TEXT    NOT NULL UNIQUE,   -- stored lower case
    password_hash   TEXT    NOT NULL,
    display_name    TEXT    NOT NULL DEFAULT '',
    bio             TEXT    NOT NULL DEFAULT '',
    avatar_key      TEXT,
    posts_count     INTEGER NOT NULL DEFAULT 0,
    followers_count INTEGER NOT NULL DEFAULT 0,
    following_count INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL
);

-- One row per signed-in device; revoking it ends its refresh chain.
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Every refresh token ever issued, by SHA-256; a spent one presented again
-- betrays a stolen token and revokes its session.
CREATE TABLE refresh_tokens (
    token_hash TEXT    PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,
    spent_at   TEXT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE follows (
    follower_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followers ON follows (followee_id, created_at DESC, follower_id DESC);
CREATE INDEX follows_following ON follows (follower_id, created_at DESC, followee_id DESC);

CREATE TABLE posts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    caption       TEXT    NOT NULL DEFAULT '',
    like_count    INTEGER NOT NULL DEFAULT 0,
    comment_count INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL
);
-- Profile grids and the home feed (newest posts of a set of authors).
CREATE INDEX posts_author_time ON posts (author_id, created_at DESC, id DESC);
-- Explore.
CREATE INDEX posts_time ON posts (created_at DESC, id DESC);

CREATE TABLE media (
    post_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    image_key TEXT    NOT NULL,   -- path under UPLOAD_DIR
    thumb_key TEXT    NOT NULL,
    width     INTEGER NOT NULL,
    height    INTEGER NOT NULL,
    blurhash  TEXT    NOT NULL,
    alt       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (post_id, position)
);

CREATE TABLE likes (
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX comments_post ON comments (post_id, created_at, id);

CREATE TABLE hashtags (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tag        TEXT    NOT NULL UNIQUE,   -- lower case, without '#'
    post_count INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE post_hashtags (
    hashtag_id INTEGER NOT NULL REFERENCES hashtags (id) ON DELETE CASCADE,
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,   -- the post's, so a tag page is one index range
    PRIMARY KEY (hashtag_id, post_id)
);
CREATE INDEX post_hashtags_time ON post_hashtags (hashtag_id, created_at DESC, post_id DESC);
CREATE INDEX post_hashtags_post ON post_hashtags (post_id);

-- AUTOINCREMENT: ids never go back, so a client's "since" id stays meaningful.
CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    actor_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('like', 'comment', 'follow', 'mention')),
    post_id      INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    comment_id   INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    created_at   TEXT    NOT NULL,
    read         BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, id);
CREATE INDEX notifications_unread ON notifications (recipient_id) WHERE NOT read;
CREATE INDEX notifications_post ON notifications (post_id);
CREATE INDEX notifications_comment ON notifications (comment_id);
-- A like or a follow notifies once, however often it is undone and redone.
CREATE UNIQUE INDEX notifications_once
    ON notifications (recipient_id, actor_id, kind, COALESCE(post_id, 0))
    WHERE kind IN ('like', 'follow');
