//! What moderators and /metrics see of the outbox: counts, dead letters, notices.

use sqlx::Row;

use super::Result;
use super::Store;
use super::stamp::Stamp;

/// How many deliveries wait in each lane (index = lane).
pub type LaneDepths = [i64; 4];

/// Counts for /deliveries and /metrics.
#[derive(Debug, Clone, Default)]
pub struct QueueStats {
    /// Waiting for their chat's digest or the end of its quiet hours.
    pub held: i64,
    /// Queued to go.
    pub pending: i64,
    /// Leased by a send in flight.
    pub sending: i64,
    /// Acknowledged by the platform.
    pub sent: i64,
    /// Given up on.
    pub dead: i64,
    /// Age of the oldest pending delivery, in milliseconds.
    pub oldest_pending_ms: Option<i64>,
}

/// A failed delivery as moderators see it.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// The delivery's id.
    pub id: i64,
    /// The article it concerned, if any.
    pub article_id: Option<i64>,
    /// The chat, as `platform:id`.
    pub chat: String,
    /// What it was to do.
    pub action: String,
    /// How many times it was tried.
    pub attempts: i64,
    /// The platform's last answer.
    pub error: String,
}

impl Store {
    /// Counts of the outbox by state, for /deliveries and the metrics.
    pub async fn queue_stats(&self, now_ms: i64) -> Result<QueueStats> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n, MIN(CASE WHEN state = 'pending' THEN created_at END) AS oldest FROM deliveries GROUP BY state")
            .fetch_all(&self.pool)
            .await?;
        let mut stats = QueueStats::default();
        for row in rows {
            let n: i64 = row.try_get("n")?;
            match row.try_get::<String, _>("state")?.as_str() {
                "held" => stats.held = n,
                "pending" => {
                    stats.pending = n;
                    stats.oldest_pending_ms =
                        row.try_get::<Option<i64>, _>("oldest")?.map(|t| now_ms - t);
                }
                "sending" => stats.sending = n,
                "sent" => stats.sent = n,
                "dead" => stats.dead = n,
                _ => {}
            }
        }
        Ok(stats)
    }

    /// The newest dead letters, for /deliveries failed.
    pub async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>> {
        let rows = sqlx::query(
            "SELECT d.id, d.article_id, c.platform || ':' || c.native_id AS chat, d.action, d.attempts,
                    COALESCE(d.last_error, '') AS error
             FROM deliveries d JOIN chats c ON c.id = d.chat_id WHERE d.state = 'dead' ORDER BY d.id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DeadLetter {
                    id: row.try_get("id")?,
                    article_id: row.try_get("article_id")?,
                    chat: row.try_get("chat")?,
                    action: row.try_get("action")?,
                    attempts: row.try_get("attempts")?,
                    error: row.try_get("error")?,
                })
            })
            .collect()
    }

    /// Puts dead letters back in the queue (one, or all with `None`), reactivating their chats:
    /// a moderator retrying says the chat is worth another try. Returns how many.
    pub async fn retry_dead(&self, id: Option<i64>, now_ms: i64) -> Result<u64> {
        let (_turn, mut tx) = self.write().await?;
        sqlx::query(
            "UPDATE chats SET active = 1, gone_reason = NULL, send_after = 0
             WHERE id IN (SELECT chat_id FROM deliveries WHERE state = 'dead' AND ($1 IS NULL OR id = $1))",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "UPDATE deliveries SET state = 'pending', attempts = 0, not_before = MAX($2, (SELECT send_after FROM chats WHERE chats.id = deliveries.chat_id))
             WHERE state = 'dead' AND ($1 IS NULL OR id = $1)",
        )
        .bind(id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// The newest notices for moderators, as (time, kind, chat, detail).
    pub async fn recent_notices(
        &self,
        limit: u32,
    ) -> Result<Vec<(chrono::DateTime<chrono::Utc>, String, String, String)>> {
        let rows = sqlx::query(
            "SELECT n.at, n.kind, COALESCE(c.platform || ':' || c.native_id, '') AS chat, n.detail
             FROM notices n LEFT JOIN chats c ON c.id = n.chat_id ORDER BY n.id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<Stamp, _>("at")?.0,
                    r.try_get("kind")?,
                    r.try_get("chat")?,
                    r.try_get("detail")?,
                ))
            })
            .collect()
    }

    /// Pending deliveries per lane.
    pub async fn lane_depths(&self) -> Result<LaneDepths> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT lane, COUNT(*) FROM deliveries WHERE state = 'pending' GROUP BY lane",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut depths = [0; 4];
        for (lane, n) in rows {
            if let Some(slot) = depths.get_mut(lane as usize) {
                *slot = n;
            }
        }
        Ok(depths)
    }
}
