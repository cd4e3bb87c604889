-- Search on PostgreSQL: each live article's document, herald's own analysis (words as
-- written, lemmas, spelling keys) in tsvector form (see domain::tsearch), GIN-indexed.
-- herald writes it, never a trigger: the analysis lives in herald.
CREATE TABLE article_docs (
    article_id BIGINT   PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    doc        TSVECTOR NOT NULL
);
CREATE INDEX article_docs_doc ON article_docs USING gin (doc);

-- /latest orders by the stored time in byte order, as SQLite does, whatever the server's
-- locale: the index is built in the same collation.
DROP INDEX articles_published;
CREATE INDEX articles_published ON articles ((published_at COLLATE "C"), id);
