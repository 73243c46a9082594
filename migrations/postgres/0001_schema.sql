-- Shutterbug schema, PostgreSQL dialect.

CREATE TABLE users (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,   -- stored lower case
    email           TEXT    NOT NULL UNIQUE,   -- stored lower case
    password_hash   TEXT    NOT NULL,
    display_name    TEXT    NOT NULL DEFAULT '',
    bio             TEXT    NOT NULL DEFAULT '',
    avatar_key      TEXT,
    posts_count     BIGINT NOT NULL DEFAULT 0,
    followers_count BIGINT NOT NULL DEFAULT 0,
    following_count BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL
);

-- One row per signed-in device; revoking it ends its refresh chain.
CREATE TABLE sessions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Every refresh token ever issued, by SHA-256; a spent one presented again
-- betrays a stolen token and revokes its session.
CREATE TABLE refresh_tokens (
    token_hash TEXT    PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    spent_at   TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE follows (
    follower_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followers ON follows (followee_id, created_at DESC, follower_id DESC);
CREATE INDEX follows_following ON follows (follower_id, created_at DESC, followee_id DESC);

CREATE TABLE posts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    caption       TEXT    NOT NULL DEFAULT '',
    like_count    BIGINT NOT NULL DEFAULT 0,
    comment_count BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL
);
-- Profile grids and the home feed (newest posts of a set of authors).
CREATE INDEX posts_author_time ON posts (author_id, created_at DESC, id DESC);
-- Explore.
CREATE INDEX posts_time ON posts (created_at DESC, id DESC);

CREATE TABLE media (
    post_id   BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    image_key TEXT    NOT NULL,   -- path under UPLOAD_DIR
    thumb_key TEXT    NOT NULL,
    width     BIGINT NOT NULL,
    height    BIGINT NOT NULL,
    blurhash  TEXT    NOT NULL,
    alt       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (post_id, position)
);

CREATE TABLE likes (
    post_id    BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

CREATE TABLE comments (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id    BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX comments_post ON comments (post_id, created_at, id);

CREATE TABLE hashtags (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tag        TEXT    NOT NULL UNIQUE,   -- lower case, without '#'
    post_count BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE post_hashtags (
    hashtag_id BIGINT NOT NULL REFERENCES hashtags (id) ON DELETE CASCADE,
    post_id    BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,   -- the post's, so a tag page is one index range
    PRIMARY KEY (hashtag_id, post_id)
);
CREATE INDEX post_hashtags_time ON post_hashtags (hashtag_id, created_at DESC, post_id DESC);
CREATE INDEX post_hashtags_post ON post_hashtags (post_id);

CREATE TABLE notifications (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    actor_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('like', 'comment', 'follow', 'mention')),
    post_id      BIGINT REFERENCES posts (id) ON DELETE CASCADE,
    comment_id   BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
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
