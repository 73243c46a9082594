-- Sessions revoked lately, read at start-up and whenever an instance's
-- Redis subscription comes back: a range over the few revoked sessions,
-- not a scan of every session.
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
