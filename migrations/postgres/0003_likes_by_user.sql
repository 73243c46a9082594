-- "Did I like this?" for a page of posts: with only the (post_id, user_id)
-- key, PostgreSQL answers the EXISTS with a hash semi-join over every like;
-- this index hands it the caller's likes directly.
CREATE INDEX likes_user ON likes (user_id, post_id);
