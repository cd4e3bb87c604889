-- Images editors sent with their /post (a Telegram photo, a Matrix image answered with
-- !post), kept by herald so every platform's copies can show them without asking the
-- platform it came from again. `telegram_file_id` is Telegram's id for the same image once
-- Telegram has it (the editor sent it there, or the first copy uploaded it): Telegram copies
-- send that id instead of the bytes.
CREATE TABLE media (
    id               INTEGER PRIMARY KEY,
    mime             TEXT    NOT NULL,
    bytes            BLOB    NOT NULL,
    telegram_file_id TEXT,
    created_at       INTEGER NOT NULL
);

-- An article's photo is at `photo_url` or in `media`, never both.
ALTER TABLE articles ADD COLUMN photo_media_id INTEGER REFERENCES media(id);
