-- A number that changes with every change to an article — its text, status, pair, label or
-- topics — so the delivery engine can keep the article it is broadcasting in memory and read
-- it again only when it changed (the pick reads the revision with each delivery).
ALTER TABLE articles ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER articles_revision AFTER UPDATE ON articles
    WHEN NEW.revision = OLD.revision
BEGIN
    UPDATE articles SET revision = OLD.revision + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER article_topics_added AFTER INSERT ON article_topics
BEGIN
    UPDATE articles SET revision = revision + 1 WHERE id = NEW.article_id;
END;

CREATE TRIGGER article_topics_removed AFTER DELETE ON article_topics
BEGIN
    UPDATE articles SET revision = revision + 1 WHERE id = OLD.article_id;
END;
