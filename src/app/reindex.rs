//! Rebuilding the search index with the current analysis: at start when the database holds
//! partitions indexed by an older one (a worker beside everything else), or in the
//! foreground by `herald reindex`. Searches keep answering from the old tables of partitions
//! not yet rebuilt; an interrupted rebuild resumes where it stopped.

use std::time::{Duration, Instant};

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use super::App;
use crate::config::Settings;
use crate::instance::InstanceLock;
use crate::store::{ReindexStep, Store};

/// Articles analysed per step (one short write each).
const BATCH: u32 = 200;

/// How far a rebuild is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// How progress is shown.
pub enum Report {
    /// A bar redrawn on standard error (a terminal).
    Bar,
    /// A log line at most every `every` and when a partition is complete.
    Log { every: Duration },
}

/// Rebuilds every partition indexed with an older analysis. Returns whether it finished
/// (`false` when `shutdown` stopped it first; it resumes at the next call).
pub async fn reindex(
    store: &Store,
    shutdown: &CancellationToken,
    report: Report,
) -> anyhow::Result<bool> {
    let total = store.reindex_remaining().await?;
    let mut progress = Progress { done: 0, total };
    let mut last_line = Instant::now();
    if total > 0 {
        tracing::info!(articles = total, "rebuilding the search index");
    }
    loop {
        if shutdown.is_cancelled() {
            tracing::info!(
                done = progress.done,
                total,
                "search index rebuild interrupted; it resumes at the next start"
            );
            return Ok(false);
        }
        match store.reindex_step(BATCH).await? {
            ReindexStep::Indexed(count) => progress.done = (progress.done + count).min(total),
            ReindexStep::Finished { partition } => {
                tracing::info!(
                    partition,
                    done = progress.done,
                    total,
                    "search index partition rebuilt"
                );
            }
            ReindexStep::Done => {
                if let Report::Bar = report {
                    eprintln!();
                }
                if total > 0 {
                    tracing::info!(articles = progress.done, "search index rebuilt");
                }
                return Ok(true);
            }
        }
        match report {
            Report::Bar => super::progress::draw(progress.done, progress.total, "articles"),
            Report::Log { every } if last_line.elapsed() >= every => {
                last_line = Instant::now();
                tracing::info!(done = progress.done, total, "rebuilding the search index");
            }
            Report::Log { .. } => {}
        }
        // Other writers (publishing, deliveries) take their turns between steps.
        tokio::task::yield_now().await;
    }
}

/// Loads the Russian dictionary before herald indexes anything: without it words would be
/// analysed differently from what the index was built with, so herald does not start.
pub async fn load_dictionary() -> anyhow::Result<()> {
    tokio::task::spawn_blocking(crate::lexicon::load)
        .await
        .context("loading the Russian dictionary")?
        .context("loading the Russian dictionary")
}

/// `herald reindex`: the rebuild in the foreground, a bar on a terminal and log lines
/// otherwise. Refused while herald runs on the same database (it rebuilds by itself).
pub async fn foreground(settings: Settings, shutdown: &CancellationToken) -> anyhow::Result<bool> {
    let _lock = InstanceLock::acquire(&settings.database_path())
        .context("a running herald rebuilds its index by itself")?;
    load_dictionary().await?;
    let app = App::build(settings).await?;
    let report = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        Report::Bar
    } else {
        Report::Log {
            every: Duration::from_secs(10),
        }
    };
    let finished = reindex(app.store(), shutdown, report).await;
    app.store().close().await;
    finished
}
