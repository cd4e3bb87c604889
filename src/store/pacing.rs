//! What the pacer restores after a restart (see the `pacing_restart` migration), and the
//! limits it learned while running (`learned_limits`).

use super::{Result, Store};
use crate::domain::Platform;

/// A platform's sends as a restarted pacer must count them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RecentSends {
    /// When each send acknowledged since the given time was answered (ms, oldest first).
    pub answered: Vec<i64>,
    /// A platform-wide wait the platform ordered that is still in force (ms).
    pub blocked_until: Option<i64>,
}

impl Store {
    /// The sends of `platform` answered since `since`, and its retry_after.
    pub async fn recent_sends(&self, platform: Platform, since: i64) -> Result<RecentSends> {
        let answered: Vec<i64> = sqlx::query_scalar(
            "SELECT sent_at FROM deliveries
             WHERE platform = $1 AND state = 'sent' AND sent_at >= $2 ORDER BY sent_at",
        )
        .bind(platform.as_str())
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let blocked_until: Option<i64> =
            sqlx::query_scalar("SELECT until_ms FROM platform_waits WHERE platform = $1")
                .bind(platform.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(RecentSends {
            answered,
            blocked_until,
        })
    }

    /// Keeps a platform-wide wait the platform ordered, for a process started before it ends.
    pub async fn save_platform_wait(&self, platform: Platform, until_ms: i64) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "INSERT INTO platform_waits (platform, until_ms) VALUES ($1, $2)
             ON CONFLICT (platform) DO UPDATE SET until_ms = MAX(platform_waits.until_ms, excluded.until_ms)",
        )
        .bind(platform.as_str())
        .bind(until_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keeps the drain interval `platform` showed it keeps, slower than configured.
    pub async fn save_learned_interval(
        &self,
        platform: Platform,
        interval_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "INSERT INTO learned_limits (platform, interval_ms, learned_at) VALUES ($1, $2, $3)
             ON CONFLICT (platform) DO UPDATE
             SET interval_ms = excluded.interval_ms, learned_at = excluded.learned_at",
        )
        .bind(platform.as_str())
        .bind(interval_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The drain intervals learned by the running process (ms), by platform.
    pub async fn learned_intervals(&self) -> Result<Vec<(Platform, i64)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT platform, interval_ms FROM learned_limits ORDER BY platform")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(platform, ms)| Some((Platform::parse(&platform)?, ms)))
            .collect())
    }

    /// Forgets what an earlier process learned: a new one starts from the configuration.
    pub async fn forget_learned_intervals(&self) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query("DELETE FROM learned_limits")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
