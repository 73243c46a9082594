-- Suggested accounts: when friends of friends run short, the most followed
-- accounts fill the list, read from the top of this index.
CREATE INDEX users_popular ON users (followers_count DESC, id);

-- Post images wider than 540 px get a medium version for 1x screens (NULL
-- for the others, and for images stored before it existed).
ALTER TABLE media ADD COLUMN medium_key TEXT;
