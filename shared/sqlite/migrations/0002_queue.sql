-- 0002 is the durable queue (sqlite.Queue): one row per message of every queue, and the FIFO deduplication window.
-- Times are Unix milliseconds. A message is visible when visible_at <= now; receipt is the nonce of its latest
-- receive (0: never received), so the receipt handle of an earlier receive no longer matches.
CREATE TABLE queue_messages (
    id            INTEGER PRIMARY KEY,
    queue         TEXT    NOT NULL,
    message_id    TEXT    NOT NULL,
    group_id      TEXT    NOT NULL DEFAULT '',
    body          BLOB    NOT NULL,
    attributes    TEXT,
    sent_at       INTEGER NOT NULL,
    visible_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt       INTEGER NOT NULL DEFAULT 0
);

-- Receive: the visible messages of a queue, oldest first.
CREATE INDEX queue_messages_visible ON queue_messages (queue, visible_at, id);

-- FIFO receive: the head (lowest id) of every group. Standard queues store no group, so they pay nothing for it.
CREATE INDEX queue_messages_group ON queue_messages (queue, group_id, id) WHERE group_id <> '';

-- Retention: the expired messages of every queue.
CREATE INDEX queue_messages_expires ON queue_messages (expires_at);

CREATE TABLE queue_dedup (
    queue      TEXT    NOT NULL,
    dedup_id   TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (queue, dedup_id)
) WITHOUT ROWID;
