-- Delivery engine: the durable outbox and per-chat delivery settings.
-- Engine times (not_before, lease_until, send_after) are integer milliseconds since the Unix
-- epoch: compared on every pick, so they must compare exactly and cheaply.

ALTER TABLE chats ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE chats ADD COLUMN gone_reason TEXT;
-- Nothing is sent to the chat before this time (its rate limit or a retry_after).
ALTER TABLE chats ADD COLUMN send_after INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN delivery_mode TEXT NOT NULL DEFAULT 'instant'
    CHECK (delivery_mode IN ('instant', 'hourly', 'daily'));
-- Local time of the daily digest, 'HH:MM'.
ALTER TABLE chats ADD COLUMN digest_at TEXT NOT NULL DEFAULT '09:00';
-- Quiet hours in local time, 'HH:MM'; both NULL when off.
ALTER TABLE chats ADD COLUMN quiet_start TEXT;
ALTER TABLE chats ADD COLUMN quiet_end TEXT;

-- One row per message herald must send, change or remove in one chat.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    article_id  INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    -- send: a new copy; edit: update a sent copy; delete: remove it; notice: replace a copy that
    -- can no longer be deleted with a retraction notice; digest: one message for held items;
    -- reply: an answer to a command, paced like everything else.
    action      TEXT    NOT NULL CHECK (action IN ('send', 'edit', 'delete', 'notice', 'digest', 'reply')),
    -- For edit, delete and notice: the send (or digest) row whose copy this changes.
    target_id   INTEGER REFERENCES deliveries(id),
    -- Lower goes first: 0 replies to commands (with a bounded share of the budget),
    -- 1 corrections and retractions, 2 breaking news, 3 routine news and digests.
    lane        INTEGER NOT NULL DEFAULT 3,
    -- held: waiting for a digest or the end of quiet hours; pending: ready once not_before
    -- passes; sending: leased by the engine; sent: acknowledged by the platform; dead: failed
    -- for good (listed by /deliveries failed, retryable); cancelled: no longer wanted
    -- (retracted before delivery, folded into a digest).
    state       TEXT    NOT NULL CHECK (state IN ('held', 'pending', 'sending', 'sent', 'dead', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER,
    last_error  TEXT,
    -- The platform's message ids once acknowledged (JSON array), so every copy can be reached.
    message_ids TEXT,
    sent_version INTEGER,
    -- For digest rows: the articles it lists (JSON array of ids).
    digest_articles TEXT,
    -- For reply rows: the reply itself (JSON), rendered by the platform when sent.
    payload     TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
CREATE UNIQUE INDEX deliveries_one_copy ON deliveries (article_id, chat_id) WHERE action = 'send';
CREATE INDEX deliveries_ready ON deliveries (state, lane, id);
CREATE INDEX deliveries_chat ON deliveries (chat_id, state);
CREATE INDEX deliveries_target ON deliveries (target_id) WHERE target_id IS NOT NULL;
CREATE INDEX deliveries_article ON deliveries (article_id, action);

-- Things moderators must hear about (a chat that blocked herald, deliveries given up on).
CREATE TABLE notices (
    id      INTEGER PRIMARY KEY,
    at      TEXT    NOT NULL,
    chat_id INTEGER REFERENCES chats(id) ON DELETE SET NULL,
    kind    TEXT    NOT NULL,
    detail  TEXT    NOT NULL
);

ALTER TABLE articles ADD COLUMN breaking INTEGER NOT NULL DEFAULT 0;
