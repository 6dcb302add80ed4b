-- Tandem profile database, version 5: group chat (XEP-0045 rooms).
--
-- A room of ours is a row of `room`, keyed by account and the room's bare JID; replacing it
-- (ON CONFLICT DO UPDATE, never INSERT OR REPLACE) keeps everything else about the room.
-- Each room has its own archive (XEP-0313 at the room's JID), so its archive position is
-- kept apart in `room_sync`: upserting a room never moves it, and a room page may commit
-- its position before the room itself is stored.
--
-- A room's messages live in the conversation whose peer is the room's bare JID, with the
-- same deduplication indexes (a room stamps its own stanza-ids, unique within its
-- conversation). A room message names its occupant: `occupant_nick` is set exactly for
-- room messages (one-to-one messages keep NULL), `occupant_id` is its XEP-0421 id where
-- the room offers them, and `mention` whether it mentions us. Existing rows are one-to-one
-- messages: NULL, NULL, 0.

CREATE TABLE room (
    account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    jid        TEXT    NOT NULL,             -- the room's bare JID, normalised
    name       TEXT,                         -- the bookmark's name, else the room's own
    nick       TEXT    NOT NULL,             -- our nick in it
    autojoin   INTEGER NOT NULL CHECK (autojoin IN (0, 1)),
    notify     TEXT    NOT NULL CHECK (notify IN ('all', 'mentions', 'none')),
    gone       TEXT,                         -- why the room is gone, once it is
    PRIMARY KEY (account_id, jid)
);

CREATE TABLE room_sync (
    account_id       INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    room             TEXT    NOT NULL,       -- the room's bare JID, normalised
    archive_position TEXT,                   -- last id of the room's archive a page reached
    PRIMARY KEY (account_id, room)
);

ALTER TABLE message ADD COLUMN occupant_nick TEXT;
ALTER TABLE message ADD COLUMN occupant_id TEXT
    CHECK (occupant_id IS NULL OR occupant_nick IS NOT NULL);
ALTER TABLE message ADD COLUMN mention INTEGER NOT NULL DEFAULT 0
    CHECK (mention IN (0, 1) AND (mention = 0 OR occupant_nick IS NOT NULL));

-- The conversation list counts each conversation's unread mentions; like message_unread,
-- this partial index holds exactly those rows. It also carries direction and read (a single
-- value each in it) so that it covers the count: SQLite's planner does not credit every
-- term of a three-term partial-index WHERE clause towards covering the query.
CREATE INDEX message_mention
    ON message (conversation_id, direction, read)
    WHERE direction = 'in' AND read = 0 AND mention = 1;
