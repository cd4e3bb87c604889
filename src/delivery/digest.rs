//! The digest step: holds deliveries during quiet hours and folds held ones into one message
//! when a chat's digest falls due.

use chrono::{TimeZone, Utc};

use super::Engine;
use crate::domain::schedule::digest_due;

impl Engine {
    /// One pass over chats with a schedule; returns how many digests were composed.
    pub async fn try_compose_digests(&self) -> anyhow::Result<usize> {
        let now_ms = self.clock.now_ms();
        let now = self.clock.now();
        let mut composed = 0;
        for chat in self.store.scheduled_chats().await? {
            let tz = chat.time_zone.tz();
            let local = now.with_timezone(&tz).naive_local();
            if let Some(quiet) = chat.quiet.filter(|q| q.contains(local.time())) {
                let end = tz
                    .from_local_datetime(&quiet.end_after(local))
                    .earliest()
                    .map_or(now_ms, |t| t.timestamp_millis());
                self.store.hold_chat(chat.chat_id, end).await?;
                self.store.hold_pending_sends(chat.chat_id).await?;
            }
            let Some(oldest) = chat.oldest_held else {
                continue;
            };
            let oldest = Utc
                .timestamp_millis_opt(oldest)
                .single()
                .unwrap_or(now)
                .with_timezone(&tz);
            if digest_due(chat.mode, chat.quiet, oldest).timestamp_millis() <= now_ms
                && self
                    .store
                    .compose_digest(chat.chat_id, now_ms)
                    .await?
                    .is_some()
            {
                composed += 1;
            }
        }
        if composed > 0 {
            self.wake.notify_one();
        }
        Ok(composed)
    }
}

impl Engine {
    /// Runs the digest step every `DIGEST_TICK` until `shutdown`.
    pub async fn run_digests(
        self: std::sync::Arc<Self>,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> anyhow::Result<()> {
        loop {
            if let Err(error) = self.try_compose_digests().await {
                tracing::error!(error = format!("{error:#}"), "digest step failed");
            }
            tokio::select! {
                () = tokio::time::sleep(DIGEST_TICK) => {}
                () = shutdown.cancelled() => return Ok(()),
            }
        }
    }
}

/// How often held deliveries are checked; digests go out at most this late.
pub const DIGEST_TICK: std::time::Duration = std::time::Duration::from_secs(20);
