-- Tandem profile database, version 3: "seen" ticks.
--
-- An outgoing message is seen once the contact's client sent a XEP-0333 displayed marker
-- for it or a later message of ours.

ALTER TABLE message
    ADD COLUMN seen INTEGER NOT NULL DEFAULT 0 CHECK (seen IN (0, 1));
