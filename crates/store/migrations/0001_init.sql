-- Tandem profile database, version 1.
--
-- Times are stored as two integers, whole seconds since the Unix epoch (UTC) and the
-- nanoseconds within that second (up to 1_999_999_999 for a leap second), so they sort
-- correctly for every representable date and round-trip without loss.
--
-- Deduplication is a database constraint: see the two partial unique indexes on message.

CREATE TABLE account (
    id  INTEGER PRIMARY KEY,
    jid TEXT    NOT NULL UNIQUE              -- bare JID, normalised
);

CREATE TABLE conversation (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    peer       TEXT    NOT NULL,             -- the contact's bare JID, normalised
    read_up_to INTEGER,                      -- id of the last message read, if any
    UNIQUE (account_id, peer)
);

CREATE TABLE message (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    direction       TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    sender          TEXT    NOT NULL,        -- full JID where known
    body            TEXT    NOT NULL,
    server_time     INTEGER NOT NULL,        -- Unix seconds, UTC
    server_time_ns  INTEGER NOT NULL DEFAULT 0
                    CHECK (server_time_ns >= 0 AND server_time_ns < 2000000000),
    via             TEXT    NOT NULL,        -- tandem_core::model::Via::as_str
    origin_id       TEXT,                    -- XEP-0359 origin-id
    stanza_id       TEXT,                    -- XEP-0359 stanza-id by our server
    stanza_attr_id  TEXT,                    -- the stanza's id attribute (receipts)
    delivered       INTEGER NOT NULL DEFAULT 0 CHECK (delivered IN (0, 1)),
    read            INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1))
);

-- A stanza-id identifies a message within its account's conversation.
CREATE UNIQUE INDEX message_stanza_id
    ON message (conversation_id, stanza_id)
    WHERE stanza_id IS NOT NULL;

-- An origin-id identifies a message within a conversation and one direction only.
CREATE UNIQUE INDEX message_origin_id
    ON message (conversation_id, direction, origin_id)
    WHERE origin_id IS NOT NULL;

-- History: oldest first by server time, ties broken by arrival.
CREATE INDEX message_history
    ON message (conversation_id, server_time, server_time_ns, id);

-- Delivery receipts look our outgoing messages up by their stanza id attribute.
CREATE INDEX message_receipt
    ON message (conversation_id, stanza_attr_id)
    WHERE stanza_attr_id IS NOT NULL;

CREATE TABLE sync_state (
    account_id       INTEGER PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    archive_position TEXT                    -- last archive id a committed page reached
);

CREATE TABLE device (
    account_id   INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    resource     TEXT    NOT NULL,
    jid          TEXT    NOT NULL,           -- full JID
    show         TEXT    NOT NULL,           -- tandem_core::model::Show::as_str
    device_type  TEXT    NOT NULL,           -- tandem_core::model::DeviceType::as_str
    online       INTEGER NOT NULL CHECK (online IN (0, 1)),
    this_device  INTEGER NOT NULL CHECK (this_device IN (0, 1)),
    last_seen    INTEGER NOT NULL,           -- Unix seconds, UTC
    last_seen_ns INTEGER NOT NULL DEFAULT 0
                 CHECK (last_seen_ns >= 0 AND last_seen_ns < 2000000000),
    PRIMARY KEY (account_id, resource)
);
