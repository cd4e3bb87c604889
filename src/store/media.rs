//! Images editors sent with their /post, kept for every platform's copies (see
//! `domain::photo`).

use super::{Result, Store};

/// An image to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMedia {
    /// Its type, as sniffed from the bytes (`image/jpeg`, …).
    pub mime: String,
    /// The image file.
    pub bytes: Vec<u8>,
    /// Telegram's id for it, when it came from Telegram.
    pub telegram_file_id: Option<String>,
}

/// A kept image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// Its type (`image/jpeg`, …).
    pub mime: String,
    /// The image file.
    pub bytes: Vec<u8>,
    /// Telegram's id for it, once Telegram has it.
    pub telegram_file_id: Option<String>,
}

impl Store {
    /// Keeps an image; returns its id.
    pub async fn insert_media(&self, media: &NewMedia, now_ms: i64) -> Result<i64> {
        let _turn = self.turn().await;
        let id = sqlx::query_scalar(
            "INSERT INTO media (mime, bytes, telegram_file_id, created_at) VALUES ($1, $2, $3, $4)
             RETURNING id",
        )
        .bind(&media.mime)
        .bind(&media.bytes)
        .bind(&media.telegram_file_id)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// The image `id`, if kept.
    pub async fn media(&self, id: i64) -> Result<Option<Media>> {
        let row: Option<(String, Vec<u8>, Option<String>)> =
            sqlx::query_as("SELECT mime, bytes, telegram_file_id FROM media WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(mime, bytes, telegram_file_id)| Media {
            mime,
            bytes,
            telegram_file_id,
        }))
    }

    /// Remembers Telegram's id for image `id` (a copy uploaded it), so later copies — after a
    /// restart too — send the id instead of the bytes. The first id stays.
    pub async fn set_media_telegram_file_id(&self, id: i64, file_id: &str) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "UPDATE media SET telegram_file_id = $2 WHERE id = $1 AND telegram_file_id IS NULL",
        )
        .bind(id)
        .bind(file_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
