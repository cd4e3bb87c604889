-- The message an editor published an article with (their /post, on Telegram or in Matrix),
-- so an edit of that message corrects the article.
CREATE TABLE posted_messages (
    chat_id    INTEGER NOT NULL REFERENCES chats(id),
    message_id TEXT    NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    posted_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
