-- The legal label an article was published with: the exact text, resolved from the config at
-- publication, so later config edits never change what accompanied a published material.
ALTER TABLE articles ADD COLUMN label TEXT;
-- 'top' or 'bottom' of every message part.
ALTER TABLE articles ADD COLUMN label_position TEXT NOT NULL DEFAULT 'top';
