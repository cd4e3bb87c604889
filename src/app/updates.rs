//! Each platform update handled once: Telegram re-delivers a webhook update whose answer was
//! slow (while the first delivery is still being answered) and, after a restart, updates
//! whose handling it never saw confirmed. Readers must not get two answers to one command.
//!
//! An update pushed to a webhook may reach any of several processes behind its address, so it
//! is claimed in the database first (`update_claims`). A claim of a process that died blocks
//! the update for [`CLAIM_MS`]; Telegram, never answered, pushes it again later. Polled
//! updates are not claimed there: one process polls at a time, and an update the process
//! that died was handling must be handled when the next one polls it again.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Mutex;

use crate::domain::Platform;

use super::App;

/// How long a pushed update is claimed for its handling.
const CLAIM_MS: i64 = 60_000;

/// How an update reached herald.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Asked for (long polling, the Matrix sync): one process at a time receives them.
    Polled,
    /// Pushed to a webhook, which any process may serve.
    Pushed,
}

/// Updates being handled right now, by this process.
#[derive(Default)]
pub(super) struct InFlight(Mutex<HashSet<(Platform, i64)>>);

impl InFlight {
    /// Claims an update; false when it is already being handled.
    fn claim(&self, key: (Platform, i64)) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(key)
    }

    fn release(&self, key: (Platform, i64)) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }
}

impl App {
    /// Runs `handle` for the platform's update `id` unless that update was handled before,
    /// here or before a restart, or is being handled now; says whether it ran. An update is
    /// recorded only once handled, so one cut short by a crash is handled when it comes again.
    pub async fn once(
        &self,
        platform: Platform,
        id: i64,
        arrival: Arrival,
        handle: impl Future<Output = ()>,
    ) -> anyhow::Result<bool> {
        let key = (platform, id);
        if !self.in_flight.claim(key) {
            tracing::info!(%platform, update = id, "update delivered again while being handled; ignored");
            return Ok(false);
        }
        let result = match arrival {
            Arrival::Polled => self.handle_once(platform, id, handle).await,
            Arrival::Pushed => self.handle_claimed(platform, id, handle).await,
        };
        self.in_flight.release(key);
        result
    }

    /// Handles a pushed update once across processes: claimed first (unsure is claimed).
    async fn handle_claimed(
        &self,
        platform: Platform,
        id: i64,
        handle: impl Future<Output = ()>,
    ) -> anyhow::Result<bool> {
        let now = self.clock.now_ms();
        let claimed = self
            .store
            .claim_update(platform, id, now, CLAIM_MS)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, update = id, "cannot claim an update; handling it");
                true
            });
        if !claimed {
            tracing::info!(%platform, update = id, "update being handled by another process; ignored");
            return Ok(false);
        }
        let handled = self.handle_once(platform, id, handle).await;
        if !matches!(handled, Ok(true)) {
            self.store.release_update(platform, id).await?;
        }
        handled
    }

    async fn handle_once(
        &self,
        platform: Platform,
        id: i64,
        handle: impl Future<Output = ()>,
    ) -> anyhow::Result<bool> {
        // Unsure is handled: a second answer is better than none.
        let seen = self
            .store
            .update_handled(platform, id)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, update = id, "cannot tell whether an update was handled");
                false
            });
        if seen {
            tracing::info!(%platform, update = id, "update handled before; ignored");
            return Ok(false);
        }
        handle.await;
        self.store
            .mark_update_handled(platform, id, self.clock.now_ms())
            .await?;
        Ok(true)
    }
}
