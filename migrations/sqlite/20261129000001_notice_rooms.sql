-- A user's one-to-one room with herald on Matrix, where notices for moderators reach them.
-- (A Telegram private chat has the user's own id, so it needs no column.)
ALTER TABLE users ADD COLUMN notice_chat_id INTEGER REFERENCES chats(id) ON DELETE SET NULL;
