-- The legal label an article was published with: the exact text, resolved from the config at
-- publication, so later config edits never change what accompanied a published material.
ALTER TABLE articles ADD COLUMN label TEXT;
-- 'top' or 'bottom' of every message part.
ALTER TABLE articles ADD COLUMN label_position TEXT NOT NULL DEFAULT 'top';

-- Editorial workflow: drafts wait for a moderator's /approve, scheduled articles for their
-- embargo time. Only published articles are listed, searched and delivered.
ALTER TABLE articles ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('draft', 'scheduled', 'published'));
-- Embargo time (ms since the epoch) of a scheduled article.
ALTER TABLE articles ADD COLUMN publish_at INTEGER;
CREATE INDEX articles_scheduled ON articles (status, publish_at) WHERE status <> 'published';

-- Bilingual pairs: an article and its translation point at each other.
ALTER TABLE articles ADD COLUMN pair_id INTEGER REFERENCES articles(id) ON DELETE SET NULL;
