-- 0002 is the durable queue (sqlite.Queue): one row per message of every queue, and the FIFO deduplication window.
--
-- The messages are clustered by (queue, visible_at, seq): a receive reads the head of its queue's range, and
-- sending, receiving (which moves the row to its new visible_at) and deleting each write one b-tree, not a table
-- and its indexes. Times are Unix milliseconds; a message is visible when visible_at <= now. seq orders the sends
-- and identifies a message. receipt is the nonce of the latest receive (0: none), so the receipt handle of an
-- earlier receive no longer matches.
CREATE TABLE queue_messages (
    queue         TEXT    NOT NULL,
    visible_at    INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    receipt       INTEGER NOT NULL DEFAULT 0,
    receive_count INTEGER NOT NULL DEFAULT 0,
    expires_at    INTEGER NOT NULL,
    sent_at       INTEGER NOT NULL,
    group_id      TEXT    NOT NULL DEFAULT '',
    message_id    TEXT    NOT NULL,
    attributes    TEXT,
    body          BLOB    NOT NULL,
    PRIMARY KEY (queue, visible_at, seq)
) WITHOUT ROWID;

-- FIFO receive: the head (lowest seq) of every group. Standard queues store no group, so they pay nothing for it.
CREATE INDEX queue_messages_group ON queue_messages (queue, group_id, seq) WHERE group_id <> '';

CREATE TABLE queue_dedup (
    queue      TEXT    NOT NULL,
    dedup_id   TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (queue, dedup_id)
) WITHOUT ROWID;
