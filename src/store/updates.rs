//! Platform updates already handled, and those being handled (see the `platform_updates` and
//! `update_claims` migrations).

use super::{Result, Store};
use crate::domain::Platform;

/// How long a handled update is remembered; Telegram keeps an update for at most 24 hours.
const REMEMBERED_MS: i64 = 2 * 24 * 3600 * 1000;

impl Store {
    /// Claims the platform's update `id` for `for_ms` from `now_ms`, unless a claim of another
    /// handling (here or in another process) still holds; says whether it was claimed.
    pub async fn claim_update(
        &self,
        platform: Platform,
        id: i64,
        now_ms: i64,
        for_ms: i64,
    ) -> Result<bool> {
        let _turn = self.turn().await;
        let claimed: Option<i64> = sqlx::query_scalar(
            "INSERT INTO update_claims (platform, update_id, until_ms) VALUES ($1, $2, $3)
             ON CONFLICT (platform, update_id) DO UPDATE SET until_ms = excluded.until_ms
                WHERE update_claims.until_ms <= $4
             RETURNING update_id",
        )
        .bind(platform.as_str())
        .bind(id)
        .bind(now_ms + for_ms)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(claimed.is_some())
    }

    /// Gives up the claim on update `id` without recording it handled.
    pub async fn release_update(&self, platform: Platform, id: i64) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query("DELETE FROM update_claims WHERE platform = $1 AND update_id = $2")
            .bind(platform.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the platform's update `id` was handled already.
    pub async fn update_handled(&self, platform: Platform, id: i64) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM platform_updates WHERE platform = $1 AND update_id = $2",
        )
        .bind(platform.as_str())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Records update `id` as handled (ending its claim), forgetting those older than two
    /// days.
    pub async fn mark_update_handled(
        &self,
        platform: Platform,
        id: i64,
        now_ms: i64,
    ) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "INSERT INTO platform_updates (platform, update_id, handled_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(platform.as_str())
        .bind(id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        sqlx::query("DELETE FROM platform_updates WHERE handled_at < $1")
            .bind(now_ms - REMEMBERED_MS)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "DELETE FROM update_claims
             WHERE (platform = $1 AND update_id = $2) OR until_ms < $3",
        )
        .bind(platform.as_str())
        .bind(id)
        .bind(now_ms - REMEMBERED_MS)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
