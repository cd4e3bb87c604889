-- Keyword alerts: a chat's saved searches. A new article (or a correction) that matches one is
-- delivered to the chat like a subscription, and the copy says which alert brought it.
CREATE TABLE alerts (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    -- As the chat typed it (in the search language); parsed again whenever it is matched, so
    -- alerts gain whatever search gains.
    query      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (chat_id, query)
);

-- The inverted index of the alerts: for each alert, the tokens one of which every article it
-- matches must hold (see `domain::alert`). A new article's tokens find its candidate alerts
-- here; only those are checked exactly, by the full-text index.
CREATE TABLE alert_terms (
    term     TEXT    NOT NULL,
    alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    PRIMARY KEY (term, alert_id)
) WITHOUT ROWID;
CREATE INDEX alert_terms_alert ON alert_terms (alert_id);

-- Which articles each alert matched (for /alerts, for corrections that start matching, and so
-- a translation reaches the chats its partner reached by an alert).
CREATE TABLE alert_matches (
    alert_id   INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (alert_id, article_id)
) WITHOUT ROWID;
CREATE INDEX alert_matches_article ON alert_matches (article_id);

-- The alert a copy was sent for, as typed (kept when the alert is later removed).
ALTER TABLE deliveries ADD COLUMN alert TEXT;
