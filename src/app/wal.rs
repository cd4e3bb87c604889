//! The checkpoint worker: keeps the write-ahead log short from beside the writers, so no
//! publication pays for checkpointing the others (see `store::Checkpoint`).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// How often the log is moved into the database file. A second's writes are a few hundred
/// pages at the busiest; a passive checkpoint of them takes milliseconds.
const EVERY: Duration = Duration::from_secs(1);

/// Checkpoints every second until shutdown. A failed checkpoint is logged and tried again;
/// SQLite's own checkpoint at a commit remains as a fallback, so nothing waits on this one.
pub async fn checkpoint_log(store: Store, shutdown: CancellationToken) -> anyhow::Result<()> {
    loop {
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            () = shutdown.cancelled() => return Ok(()),
        }
        match store.checkpoint().await {
            Ok(done) if done.moved < done.logged => {
                tracing::debug!(
                    logged = done.logged,
                    moved = done.moved,
                    "log checkpointed in part (readers hold the rest)"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not checkpoint the write-ahead log"),
        }
    }
}
