//! Which message an editor published an article with, so an edit of it corrects the article.

use super::{Result, Store};

impl Store {
    /// Records that message `message_id` of chat `chat_id` published article `article_id`.
    pub async fn record_posted_message(
        &self,
        chat_id: i64,
        message_id: &str,
        article_id: i64,
        now_ms: i64,
    ) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "INSERT INTO posted_messages (chat_id, message_id, article_id, posted_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (chat_id, message_id)
             DO UPDATE SET article_id = excluded.article_id, posted_at = excluded.posted_at",
        )
        .bind(chat_id)
        .bind(message_id)
        .bind(article_id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The article message `message_id` of chat `chat_id` published, and when (ms).
    pub async fn posted_article(
        &self,
        chat_id: i64,
        message_id: &str,
    ) -> Result<Option<(i64, i64)>> {
        let row = sqlx::query_as(
            "SELECT article_id, posted_at FROM posted_messages WHERE chat_id = $1 AND message_id = $2",
        )
        .bind(chat_id)
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }
}
