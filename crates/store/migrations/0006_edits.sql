-- Tandem profile database, version 6: corrections (XEP-0308) and retractions (XEP-0424).
--
-- An edit is not a message of its own: it changes the stored message it names, in place
-- (same row, same place in history, same read state), when its author is the original's
-- (tandem_core::rules::may_edit). `edit` says what was last done to the message and
-- `edited_at` (seconds, nanoseconds) when: a copy of an older correction that arrives
-- after a newer one changes nothing. A retraction empties `body` for good. Existing rows
-- were never edited: NULL.

ALTER TABLE message ADD COLUMN edit TEXT
    CHECK (edit IS NULL OR edit IN ('corrected', 'retracted'));
ALTER TABLE message ADD COLUMN edited_at INTEGER
    CHECK ((edited_at IS NULL) = (edit IS NULL));
ALTER TABLE message ADD COLUMN edited_at_ns INTEGER
    CHECK ((edited_at_ns IS NULL) = (edit IS NULL)
           AND (edited_at_ns IS NULL OR (edited_at_ns >= 0 AND edited_at_ns < 2000000000)));

-- An edit names its message by the message's id attribute, origin-id or stanza-id; the
-- first and last are indexed already (message_receipt, message_stanza_id). The origin-id
-- index is per direction, so it gets a second one without.
CREATE INDEX message_edit_origin
    ON message (conversation_id, origin_id)
    WHERE origin_id IS NOT NULL;
