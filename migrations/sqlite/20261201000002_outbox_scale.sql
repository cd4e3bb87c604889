-- Articles whose sends are still being planned. A newsroom with a million subscribers would
-- hold SQLite's one write lock for seconds if every send were planned in the publishing
-- transaction, so that transaction plans the first chunk of chats and leaves this cursor; the
-- rest is planned chunk by chunk (each chunk and the cursor's move in one transaction), and a
-- restart resumes where it stopped.
CREATE TABLE plans (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    lane       INTEGER NOT NULL,
    -- Chats with a smaller id are planned.
    next_chat  INTEGER NOT NULL,
    -- The highest chat id when the article was published: chats that arrive later do not get it.
    last_chat  INTEGER NOT NULL,
    -- The publication time (ms), stamped on every planned row so wait times stay true.
    created_at INTEGER NOT NULL
);

-- Every planned send updated this index as well as `deliveries_one_copy`, which already finds an
-- article's sends; edits, removals and notices get a small index of their own.
DROP INDEX deliveries_article;
CREATE INDEX deliveries_changes ON deliveries (article_id) WHERE action <> 'send';

-- The engine's pick: the next due delivery of one platform in one lane. With the platform on
-- the row and the due time in the key, a pick is one seek whatever the queue's length: rows not
-- due yet, and rows of a platform that must wait, are never visited. `not_before` is raised for
-- a chat's other queued rows whenever the chat must wait (a send's pacing, a retry_after, a
-- pause), so a chat's wait is in its rows' key too.
ALTER TABLE deliveries ADD COLUMN platform TEXT NOT NULL DEFAULT '';
UPDATE deliveries SET platform = (SELECT platform FROM chats WHERE chats.id = deliveries.chat_id);
UPDATE deliveries SET not_before = 9223372036854775807
    WHERE state = 'pending' AND chat_id IN (SELECT id FROM chats WHERE paused = 1);
DROP INDEX deliveries_ready;
CREATE INDEX deliveries_pick ON deliveries (platform, lane, not_before, id) WHERE state = 'pending';

-- A send's lease holds its chat until `chat_next` (when the pacer lets the chat have another
-- message), and a chat's wait is copied into its queued rows' due time. Triggers do both inside
-- SQLite: a lease is one statement, and no write to a chat's wait can forget its rows.
ALTER TABLE deliveries ADD COLUMN chat_next INTEGER;
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

-- The digest worker looks at the chats taking digests or keeping quiet hours every tick; with a
-- million chats that must not be a scan of them all.
CREATE INDEX chats_scheduled ON chats (id) WHERE delivery_mode <> 'instant' OR quiet_start IS NOT NULL;
