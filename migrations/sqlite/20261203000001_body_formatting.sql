-- The formatting of an article's body (bold, italic, links) as JSON marks over its plain text
-- (see domain::rich). NULL: plain paragraphs, as every article stored before.
ALTER TABLE articles ADD COLUMN body_marks TEXT;
