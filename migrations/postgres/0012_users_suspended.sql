-- The suspension clause of `may_see!` (NOT EXISTS a suspended author) is,
-- for a list, planned by PostgreSQL as one anti-join against every
-- suspended account, which without an index meant a scan of all of `users`
-- per query (40-50 ms on 100,000 accounts, in explore, tag pages and
-- search). Suspended accounts are few: this partial index holds only them.
CREATE INDEX users_suspended ON users (id) WHERE suspended_at IS NOT NULL;
