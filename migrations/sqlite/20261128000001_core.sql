-- Newsroom core schema. All timestamps are UTC, stored as RFC 3339 text.

CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    platform     TEXT    NOT NULL,              -- console | telegram | matrix
    native_id    TEXT    NOT NULL,              -- the platform's own user id
    display_name TEXT    NOT NULL DEFAULT '',
    first_seen   TEXT    NOT NULL,
    UNIQUE (platform, native_id)
);

-- Stored roles. Owners are not stored: they come from the config, so a config edit always wins.
CREATE TABLE user_roles (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('editor', 'moderator')),
    granted_by INTEGER REFERENCES users(id),
    granted_at TEXT    NOT NULL
);

CREATE TABLE chats (
    id         INTEGER PRIMARY KEY,
    platform   TEXT    NOT NULL,
    native_id  TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('private', 'group', 'channel', 'room')),
    title      TEXT    NOT NULL DEFAULT '',
    language   TEXT    NOT NULL CHECK (language IN ('ru', 'en')),
    time_zone  TEXT    NOT NULL,
    paused     INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL,
    UNIQUE (platform, native_id)
);

CREATE TABLE topics (
    id      INTEGER PRIMARY KEY,
    slug    TEXT NOT NULL UNIQUE,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL
);

-- topic_id NULL means "everything".
CREATE TABLE subscriptions (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    topic_id   INTEGER REFERENCES topics(id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL
);
CREATE UNIQUE INDEX subscriptions_unique ON subscriptions (chat_id, COALESCE(topic_id, 0));
CREATE INDEX subscriptions_topic ON subscriptions (topic_id);

CREATE TABLE articles (
    id                INTEGER PRIMARY KEY,
    title             TEXT    NOT NULL,
    lead              TEXT    NOT NULL DEFAULT '',
    body              TEXT    NOT NULL DEFAULT '',
    language          TEXT    NOT NULL CHECK (language IN ('ru', 'en')),
    url               TEXT,
    original_url      TEXT,
    photo_url         TEXT,
    photo_caption     TEXT,
    photo_credit      TEXT,
    author_id         INTEGER REFERENCES users(id),
    published_at      TEXT    NOT NULL,
    updated_at        TEXT,
    retracted_at      TEXT,
    retraction_reason TEXT,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX articles_published ON articles (published_at);

-- Every earlier text of a corrected article, so a correction never loses what was sent.
CREATE TABLE article_versions (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    title      TEXT    NOT NULL,
    lead       TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    replaced_by INTEGER REFERENCES users(id),
    replaced_at TEXT   NOT NULL,
    PRIMARY KEY (article_id, version)
);

CREATE TABLE article_topics (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, topic_id)
);
CREATE INDEX article_topics_topic ON article_topics (topic_id, article_id);

-- The full-text index lives in partitions of 50,000 articles each (article_search_0000,
-- article_search_0001, ...), created by herald as articles arrive; see src/store/index.rs.
-- Bounded partitions keep bm25's per-term statistics cheap however large the archive grows.

CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT    NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    chat_id  INTEGER REFERENCES chats(id),
    command  TEXT    NOT NULL,
    target   TEXT    NOT NULL DEFAULT '',
    outcome  TEXT    NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    detail   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Facts about this database that must never change once written (e.g. the index partition size).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
