-- Feed sources moderators add with /source; polled by the ingest worker.
CREATE TABLE sources (
    id             INTEGER PRIMARY KEY,
    url            TEXT    NOT NULL UNIQUE,
    title          TEXT    NOT NULL DEFAULT '',
    -- Topic slugs every item of the source gets, space-separated.
    topics         TEXT    NOT NULL DEFAULT '',
    -- 'ru', 'en', or NULL: taken from the feed or detected per item.
    language       TEXT,
    -- A legal label name from the config, or NULL for the newsroom's default.
    label          TEXT,
    -- Polling interval now in use (seconds); adapts to how often the source publishes.
    interval_s     INTEGER NOT NULL,
    paused         INTEGER NOT NULL DEFAULT 0,
    etag           TEXT,
    last_modified  TEXT,
    -- ms since the epoch.
    next_fetch_at  INTEGER NOT NULL DEFAULT 0,
    last_fetch_at  INTEGER,
    last_new_at    INTEGER,
    failures       INTEGER NOT NULL DEFAULT 0,
    -- What the last poll did, for /source list: 'new', 'ok', 'not modified', or the error.
    status         TEXT    NOT NULL DEFAULT 'new',
    -- The first successful poll only records the backlog (see ingest.backlog).
    primed         INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT    NOT NULL
);
CREATE INDEX sources_due ON sources (paused, next_fetch_at);

-- Articles by their id elsewhere: a feed item's guid/link/hash, or a CMS article id. The hash
-- of the content decides whether a known item changed enough to become a correction.
CREATE TABLE external_ids (
    origin      TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    hash        TEXT    NOT NULL,
    PRIMARY KEY (origin, key)
);
CREATE INDEX external_ids_article ON external_ids (article_id);
