//! Which chat follows which topics (or everything).

use sqlx::Row;

use super::Result;
use super::Store;
use super::stamp::Stamp;
use super::topics::{TopicRecord, topic_from_row};

impl Store {
    /// Subscribes the chat to a topic, or to everything with `None`; false if it already was.
    pub async fn subscribe(&self, chat_id: i64, topic_id: Option<i64>) -> Result<bool> {
        let _turn = self.turn().await;
        let done = sqlx::query(
            "INSERT INTO subscriptions (chat_id, topic_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(chat_id)
        .bind(topic_id)
        .bind(Stamp(self.clock.now()))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes one subscription (`None`: the "everything" one); false if there was none.
    pub async fn unsubscribe(&self, chat_id: i64, topic_id: Option<i64>) -> Result<bool> {
        let _turn = self.turn().await;
        let done = sqlx::query(
            "DELETE FROM subscriptions WHERE chat_id = $1 AND topic_id IS NOT DISTINCT FROM $2",
        )
        .bind(chat_id)
        .bind(topic_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes every subscription of the chat and says how many there were.
    pub async fn unsubscribe_all(&self, chat_id: i64) -> Result<u64> {
        let _turn = self.turn().await;
        let done = sqlx::query("DELETE FROM subscriptions WHERE chat_id = $1")
            .bind(chat_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// The chat's subscriptions: `None` stands for "everything".
    pub async fn subscriptions(&self, chat_id: i64) -> Result<Vec<Option<TopicRecord>>> {
        let rows = sqlx::query(
            "SELECT s.topic_id, t.id, t.slug, t.name_ru, t.name_en FROM subscriptions s
             LEFT JOIN topics t ON t.id = s.topic_id WHERE s.chat_id = $1
             ORDER BY s.topic_id IS NOT NULL, t.slug",
        )
        .bind(chat_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let topic_id: Option<i64> = row.try_get("topic_id")?;
                topic_id.map(|_| topic_from_row(row)).transpose()
            })
            .collect::<sqlx::Result<_>>()
            .map_err(super::StoreError::from)
    }
}
