//! Per-chat delivery schedules and the digests built from held deliveries.

use sqlx::Row;

use super::Result;
use super::Store;
use super::deliveries::DigestItem;
use crate::domain::{DeliveryMode, QuietHours, TimeZoneName, schedule::parse_time};

/// A chat whose deliveries may be held (digest mode or quiet hours).
#[derive(Debug, Clone)]
pub struct ScheduledChat {
    /// herald's id of the chat.
    pub chat_id: i64,
    /// Its time zone, which digest and quiet times are in.
    pub time_zone: TimeZoneName,
    /// At once, or in digests.
    pub mode: DeliveryMode,
    /// When it wants no pushes.
    pub quiet: Option<QuietHours>,
    /// Creation time of its oldest held delivery, if any (ms since the epoch).
    pub oldest_held: Option<i64>,
}

/// The chats the digest worker looks at every tick (through the `chats_scheduled` index).
pub(super) const SCHEDULED_CHATS: &str = "SELECT c.id, c.time_zone, c.delivery_mode, c.digest_at, c.quiet_start, c.quiet_end,
        (SELECT MIN(created_at) FROM deliveries d WHERE d.chat_id = c.id AND d.state = 'held') AS oldest
     FROM chats c WHERE (c.delivery_mode <> 'instant' OR c.quiet_start IS NOT NULL) AND c.active = 1";

impl Store {
    /// Sets how a chat receives articles (at once or in digests).
    pub async fn set_delivery_mode(&self, chat_id: i64, mode: DeliveryMode) -> Result<()> {
        let at = match mode {
            DeliveryMode::Daily(at) => at.format("%H:%M").to_string(),
            _ => "09:00".to_string(),
        };
        let (_turn, mut tx) = self.write().await?;
        sqlx::query("UPDATE chats SET delivery_mode = $2, digest_at = $3 WHERE id = $1")
            .bind(chat_id)
            .bind(mode.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        if mode == DeliveryMode::Instant {
            // Held items should not wait for a digest that will no longer come.
            sqlx::query(
                "UPDATE deliveries SET state = 'pending', not_before = MAX(not_before, (SELECT send_after FROM chats WHERE chats.id = deliveries.chat_id))
                 WHERE chat_id = $1 AND state = 'held'",
            )
            .bind(chat_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await.map_err(super::StoreError::from)
    }

    /// Sets (or clears) a chat's quiet hours.
    pub async fn set_quiet_hours(&self, chat_id: i64, quiet: Option<QuietHours>) -> Result<()> {
        let _turn = self.turn().await;
        let fmt = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
        sqlx::query("UPDATE chats SET quiet_start = $2, quiet_end = $3 WHERE id = $1")
            .bind(chat_id)
            .bind(quiet.map(|q| fmt(q.start)))
            .bind(quiet.map(|q| fmt(q.end)))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How a chat receives articles and its quiet hours.
    pub async fn chat_schedule(&self, chat_id: i64) -> Result<(DeliveryMode, Option<QuietHours>)> {
        let row = sqlx::query(
            "SELECT delivery_mode, digest_at, quiet_start, quiet_end FROM chats WHERE id = $1",
        )
        .bind(chat_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((
            DeliveryMode::from_stored(
                &row.try_get::<String, _>("delivery_mode")?,
                &row.try_get::<String, _>("digest_at")?,
            ),
            quiet_from(row.try_get("quiet_start")?, row.try_get("quiet_end")?),
        ))
    }

    /// Active chats that take digests or have quiet hours.
    pub async fn scheduled_chats(&self) -> Result<Vec<ScheduledChat>> {
        let rows = sqlx::query(SCHEDULED_CHATS).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let zone: String = row.try_get("time_zone")?;
                Ok(ScheduledChat {
                    chat_id: row.try_get("id")?,
                    time_zone: TimeZoneName::parse(&zone).unwrap_or_else(TimeZoneName::utc),
                    mode: DeliveryMode::from_stored(
                        &row.try_get::<String, _>("delivery_mode")?,
                        &row.try_get::<String, _>("digest_at")?,
                    ),
                    quiet: quiet_from(row.try_get("quiet_start")?, row.try_get("quiet_end")?),
                    oldest_held: row.try_get("oldest")?,
                })
            })
            .collect()
    }

    /// Holds the chat's pending new copies for the digest at the end of its quiet hours.
    pub async fn hold_pending_sends(&self, chat_id: i64) -> Result<u64> {
        let _turn = self.turn().await;
        let done = sqlx::query("UPDATE deliveries SET state = 'held' WHERE chat_id = $1 AND state = 'pending' AND action = 'send'")
            .bind(chat_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Folds the chat's held deliveries into one digest delivery; returns its id, or `None`
    /// when nothing was held. The folded rows say which digest carried them.
    pub async fn compose_digest(&self, chat_id: i64, now_ms: i64) -> Result<Option<i64>> {
        let (_turn, mut tx) = self.write().await?;
        let held: Vec<(i64, Option<String>)> = sqlx::query_as(
            "SELECT article_id, alert FROM deliveries WHERE chat_id = $1 AND state = 'held' AND action = 'send' ORDER BY id",
        )
        .bind(chat_id)
        .fetch_all(&mut *tx)
        .await?;
        if held.is_empty() {
            return Ok(None);
        }
        let articles: Vec<DigestItem> = held
            .into_iter()
            .map(|(article, alert)| match alert {
                Some(alert) => DigestItem::Alerted(article, alert),
                None => DigestItem::Plain(article),
            })
            .collect();
        let digest: i64 = sqlx::query_scalar(
            "INSERT INTO deliveries (chat_id, platform, action, lane, state, not_before, digest_articles, created_at)
             SELECT id, platform, 'digest', 3, 'pending', CASE paused WHEN 1 THEN 9223372036854775807 ELSE send_after END, $2, $3
             FROM chats WHERE id = $1 RETURNING id",
        )
        .bind(chat_id)
        .bind(serde_json::to_string(&articles).unwrap_or_else(|_| "[]".into()))
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE deliveries SET state = 'cancelled', last_error = 'in digest #' || $2 WHERE chat_id = $1 AND state = 'held' AND action = 'send'")
            .bind(chat_id)
            .bind(digest)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(digest))
    }
}

fn quiet_from(start: Option<String>, end: Option<String>) -> Option<QuietHours> {
    let (start, end) = (parse_time(&start?)?, parse_time(&end?)?);
    Some(QuietHours { start, end })
}
