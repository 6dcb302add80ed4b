-- History is the server's order (ARCHITECTURE.md, "Order is the server's"): the server's
-- time, then `rank`, then the row id. A row gets the next rank when it is stored, and again
-- (with the archive's time) when its archive copy meets a copy that came another way, so a
-- live copy that arrived while catch-up was paging through older messages of its second
-- moves behind them. Existing rows keep the order they had: rank = id.
ALTER TABLE message ADD COLUMN rank INTEGER NOT NULL DEFAULT 0;
UPDATE message SET rank = id;

DROP INDEX message_history;
CREATE INDEX message_history
    ON message (conversation_id, server_time, rank, id);

-- The next rank is MAX(rank) + 1.
CREATE INDEX message_rank ON message (rank);
