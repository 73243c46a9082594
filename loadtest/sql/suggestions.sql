-- The suggestions statement (src/store/follows.rs, PostgreSQL) under
-- EXPLAIN ANALYZE, on a graph built here: 100,000 users following 100
-- accounts each, skewed towards low ids (popular), user 1 following 5,000,
-- and a brand-new user 100001. The README's figures come from:
--   createdb -h 127.0.0.1 -U postgres fe_suggest
--   for f in migrations/postgres/*.sql; do psql -h 127.0.0.1 -U postgres -d fe_suggest -f $f; done
--   psql -h 127.0.0.1 -U postgres -d fe_suggest -v user=1 -f loadtest/sql/suggestions.sql
-- (then -v user=50000 and -v user=100001; the seeding runs only once).
SELECT NOT EXISTS (SELECT 1 FROM users) AS empty \gset
\if :empty
INSERT INTO users (username, email, password_hash, display_name, created_at)
SELECT 'u' || i, 'u' || i || '@x.io', 'x', 'User ' || i, now() FROM generate_series(1, 100000) i;
-- 100 follows each, skewed towards low ids (popular), plus user 1 follows 5,000.
INSERT INTO follows (follower_id, followee_id, created_at)
SELECT DISTINCT f, t, now() - (random() * interval '300 days') FROM (
  SELECT f, 1 + floor(100000 * power(random(), 3))::int AS t
  FROM generate_series(2, 100000) f, generate_series(1, 100)
) s WHERE f <> t
ON CONFLICT DO NOTHING;
INSERT INTO follows (follower_id, followee_id, created_at)
SELECT 1, t, now() - (random() * interval '300 days') FROM generate_series(2, 5001) t ON CONFLICT DO NOTHING;
UPDATE users u SET followers_count = c.n FROM (SELECT followee_id, count(*) n FROM follows GROUP BY followee_id) c WHERE c.followee_id = u.id;
UPDATE users u SET following_count = c.n FROM (SELECT follower_id, count(*) n FROM follows GROUP BY follower_id) c WHERE c.follower_id = u.id;
INSERT INTO users (username, email, password_hash, display_name, created_at) VALUES ('newbie', 'newbie@x.io', 'x', 'New', now());
VACUUM ANALYZE;
\endif
PREPARE s(bigint, bigint, bigint, bigint, bigint) AS
    WITH mine AS (
        SELECT followee_id FROM follows WHERE follower_id = $1
        ORDER BY created_at DESC, followee_id DESC LIMIT $2
    ), candidates AS (
        SELECT theirs.followee_id AS id, COUNT(*) AS mutual
        FROM mine CROSS JOIN LATERAL (
            SELECT followee_id FROM follows WHERE follower_id = mine.followee_id
            ORDER BY created_at DESC, followee_id DESC LIMIT $3
        ) theirs
        GROUP BY theirs.followee_id
        UNION ALL
        SELECT id, 0 FROM (
            SELECT id FROM users ORDER BY followers_count DESC, id LIMIT $4
        ) popular
    )
    SELECT u.id, u.username, u.display_name, u.avatar_key
    FROM (SELECT id, MAX(mutual) AS mutual FROM candidates GROUP BY id) c
    JOIN users u ON u.id = c.id
    WHERE c.id <> $1 AND NOT EXISTS (
        SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = c.id
    )
    ORDER BY c.mutual DESC, u.followers_count DESC, u.id
    LIMIT $5;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE s(:user, 100, 50, 200, 10);
EXPLAIN (ANALYZE, BUFFERS) EXECUTE s(:user, 100, 50, 200, 10);
