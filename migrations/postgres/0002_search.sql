-- User search: trigram GIN indexes answer LIKE '%q%' and LIKE 'q%' on
-- usernames and display names; hashtag prefixes use a pattern-ops B-tree
-- (the default collation's order is not a byte order, so a plain index
-- cannot serve LIKE 'q%').
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_username_trgm ON users USING gin (username gin_trgm_ops);
CREATE INDEX users_display_name_trgm ON users USING gin (lower(display_name) gin_trgm_ops);
CREATE INDEX hashtags_tag_prefix ON hashtags (tag text_pattern_ops);
