-- Tandem profile database, version 2: the conversation list.
--
-- The list counts each conversation's unread incoming messages; this partial index holds
-- exactly those rows, so the count reads only them. (The newest message of a conversation
-- comes from message_history, read backwards.)

CREATE INDEX message_unread
    ON message (conversation_id)
    WHERE direction = 'in' AND read = 0;
