-- `CHECK (x IN ('a', 'b', …))` costs SQLite an ephemeral lookup table each time a row is checked:
-- measured with the sqlite3 shell on a database of 1,000,000 subscribed chats, planning one
-- article took 4.0–4.9 s with the two IN-list checks of `deliveries` and 2.5–2.6 s with the same
-- checks written as chains of `=` (which SQLite evaluates in place, stopping at the first match)
-- or with none at all. The rules are unchanged; only their spelling is.
--
-- SQLite cannot change a constraint in place, so the table is rebuilt (the procedure of
-- https://www.sqlite.org/lang_altertable.html#otheralter): the new table refers to itself, so
-- renaming it keeps that reference right, and the trigger on `chats` that names `deliveries` is
-- dropped and made again around the rename.
DROP TRIGGER chats_wait_holds_rows;

CREATE TABLE deliveries_rebuilt (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    article_id      INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    -- send: a new copy; edit: update a sent copy; delete: remove it; notice: replace a copy that
    -- can no longer be deleted with a retraction notice; digest: one message for held items;
    -- reply: an answer to a command, paced like everything else.
    action          TEXT    NOT NULL CHECK (action = 'send' OR action = 'edit' OR action = 'delete'
                                            OR action = 'notice' OR action = 'digest' OR action = 'reply'),
    -- For edit, delete and notice: the send (or digest) row whose copy this changes.
    target_id       INTEGER REFERENCES deliveries_rebuilt(id),
    -- Lower goes first: 0 replies to commands (with a bounded share of the budget),
    -- 1 corrections and retractions, 2 breaking news, 3 routine news and digests.
    lane            INTEGER NOT NULL DEFAULT 3,
    -- held: waiting for a digest or the end of quiet hours; pending: ready once not_before
    -- passes; sending: leased by the engine; sent: acknowledged by the platform; dead: failed
    -- for good (listed by /deliveries failed, retryable); cancelled: no longer wanted
    -- (retracted before delivery, folded into a digest).
    state           TEXT    NOT NULL CHECK (state = 'pending' OR state = 'sending' OR state = 'sent'
                                            OR state = 'held' OR state = 'dead' OR state = 'cancelled'),
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER,
    last_error      TEXT,
    -- The platform's message ids once acknowledged (JSON array), so every copy can be reached.
    message_ids     TEXT,
    sent_version    INTEGER,
    -- For digest rows: the articles it lists (JSON array of ids).
    digest_articles TEXT,
    -- For reply rows: the reply itself (JSON), rendered by the platform when sent.
    payload         TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    paid            INTEGER NOT NULL DEFAULT 0,
    platform        TEXT    NOT NULL DEFAULT '',
    chat_next       INTEGER
);

INSERT INTO deliveries_rebuilt (id, chat_id, article_id, action, target_id, lane, state, attempts,
        not_before, lease_until, last_error, message_ids, sent_version, digest_articles, payload,
        created_at, sent_at, paid, platform, chat_next)
    SELECT id, chat_id, article_id, action, target_id, lane, state, attempts,
        not_before, lease_until, last_error, message_ids, sent_version, digest_articles, payload,
        created_at, sent_at, paid, platform, chat_next
    FROM deliveries ORDER BY id;

DROP TABLE deliveries;
ALTER TABLE deliveries_rebuilt RENAME TO deliveries;

CREATE UNIQUE INDEX deliveries_one_copy ON deliveries (article_id, chat_id) WHERE action = 'send';
CREATE INDEX deliveries_chat ON deliveries (chat_id, state);
CREATE INDEX deliveries_target ON deliveries (target_id) WHERE target_id IS NOT NULL;
CREATE INDEX deliveries_paid ON deliveries (sent_at) WHERE paid = 1;
CREATE INDEX deliveries_changes ON deliveries (article_id) WHERE action <> 'send';
CREATE INDEX deliveries_pick ON deliveries (platform, lane, not_before, id) WHERE state = 'pending';

CREATE TRIGGER deliveries_lease_holds_chat AFTER UPDATE OF state ON deliveries
    WHEN NEW.state = 'sending' AND NEW.chat_next IS NOT NULL
BEGIN
    UPDATE chats SET send_after = MAX(send_after, NEW.chat_next) WHERE id = NEW.chat_id;
END;
CREATE TRIGGER chats_wait_holds_rows AFTER UPDATE OF send_after ON chats
    WHEN NEW.send_after > OLD.send_after
BEGIN
    UPDATE deliveries SET not_before = MAX(not_before, NEW.send_after)
        WHERE chat_id = NEW.id AND state = 'pending';
END;
