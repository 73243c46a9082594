-- Each recipient's notifications form a stream numbered 1, 2, 3, ... in
-- commit order: `seq`, which a live client names as `since` on reconnect.
-- An id is drawn at insert, so ids of concurrent writers can commit out of
-- order; a seq is drawn from the recipient's row in notification_streams
-- inside the writing transaction, and that row's lock, held to the commit,
-- makes the recipient's writers commit in the order of their seqs.
ALTER TABLE notifications ADD COLUMN seq BIGINT;
UPDATE notifications n SET seq = numbered.seq
FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY recipient_id ORDER BY id) AS seq
    FROM notifications
) numbered
WHERE n.id = numbered.id;
ALTER TABLE notifications ALTER COLUMN seq SET NOT NULL;
ALTER TABLE notifications ADD CONSTRAINT notifications_stream UNIQUE (recipient_id, seq);

-- The last seq handed out per recipient (a seq is never reused, even when
-- its notification was deleted or turned out to repeat one).
CREATE TABLE notification_streams (
    user_id  BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_seq BIGINT NOT NULL
);
INSERT INTO notification_streams (user_id, last_seq)
SELECT recipient_id, MAX(seq) FROM notifications GROUP BY recipient_id;
