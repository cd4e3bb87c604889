//! `herald copy-db`: moves a newsroom from its SQLite file to PostgreSQL, in the foreground,
//! with a progress bar; interrupted, it resumes where it stopped. Refused while herald runs on
//! the source (its rows would change under the copy).

use std::time::{Duration, Instant};

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::domain::DatabaseUrl;
use crate::instance::InstanceLock;
use crate::store::{CopyStep, DbCopy, PgStore, Store, TableCount};

/// Rows per batch (one PostgreSQL transaction each).
const BATCH: u32 = 2_000;
/// Documents to build past which the search index is built once at the end instead of
/// along the way.
const BULK: i64 = 10_000;

/// How a copy ended.
#[derive(Debug)]
pub enum Copied {
    /// Every table copied; the counts of both sides, all equal.
    Verified(Vec<TableCount>),
    /// Stopped by `shutdown` before the end; run it again to go on.
    Interrupted,
}

/// Copies the SQLite newsroom `from` into the PostgreSQL database `to`, drawing a bar on
/// standard error when `bar`, and checks that every table holds as many rows on both sides.
pub async fn copy_db(
    from: &DatabaseUrl,
    to: &DatabaseUrl,
    bar: bool,
    shutdown: &CancellationToken,
) -> anyhow::Result<Copied> {
    let (DatabaseUrl::Sqlite(path), DatabaseUrl::Postgres(url)) = (from, to) else {
        anyhow::bail!(
            "copy-db copies an SQLite newsroom (sqlite://…) into PostgreSQL (postgres://…)"
        );
    };
    anyhow::ensure!(path.exists(), "{} does not exist", path.display());
    let _lock = InstanceLock::acquire(path).context("stop herald before copying its database")?;
    let store = Store::open(path, Clock::system()).await?;
    let target = PgStore::open(url)
        .await
        .with_context(|| format!("opening {to}"))?;
    let copy = DbCopy::start(store.clone(), &target)
        .await
        .with_context(|| format!("preparing {to}"))?;
    let counts = copy.counts().await?;
    let total: i64 = counts.iter().map(|c| c.source).sum();
    let mut done: i64 = counts.iter().map(|c| c.target).sum();
    tracing::info!(%from, %to, rows = total, already = done, "copying the newsroom");
    let mut last_line = Instant::now();
    let finished = loop {
        if shutdown.is_cancelled() {
            break false;
        }
        match copy.step(BATCH).await? {
            CopyStep::Copied { table, rows } => {
                done += i64::try_from(rows).unwrap_or(0);
                if bar {
                    super::progress::draw(to_u64(done), to_u64(total), "rows");
                } else if last_line.elapsed() >= Duration::from_secs(10) {
                    last_line = Instant::now();
                    tracing::info!(table, done, total, "copying the newsroom");
                }
            }
            CopyStep::Done => break true,
        }
    };
    if bar {
        eprintln!();
    }
    let outcome = if finished {
        let counts = copy.counts().await?;
        if let Some(off) = counts.iter().find(|c| c.source != c.target) {
            anyhow::bail!(
                "copied, but {} has {} rows in the source and {} in the target",
                off.table,
                off.source,
                off.target
            );
        }
        if index(&target, bar, shutdown).await? {
            Copied::Verified(counts)
        } else {
            Copied::Interrupted
        }
    } else {
        Copied::Interrupted
    };
    target.close().await;
    store.close().await;
    Ok(outcome)
}

/// Builds the search document of every copied article that has none yet (see
/// `domain::tsearch`) and checks that each live article has one. False when interrupted.
async fn index(target: &PgStore, bar: bool, shutdown: &CancellationToken) -> anyhow::Result<bool> {
    let (live, indexed) = target.index_counts().await?;
    tracing::info!(
        articles = live,
        already = indexed,
        "building search documents"
    );
    if live - indexed > BULK {
        target.suspend_search_index().await?;
    }
    let (mut done, mut after, mut last_line) = (indexed, 0, Instant::now());
    while let Some((last, articles)) = target.index_step(after, BATCH).await? {
        done += i64::try_from(articles).unwrap_or(0);
        after = last;
        if bar {
            super::progress::draw(to_u64(done.min(live)), to_u64(live), "articles indexed");
        } else if last_line.elapsed() >= Duration::from_secs(10) {
            last_line = Instant::now();
            tracing::info!(after, live, "building search documents");
        }
        if shutdown.is_cancelled() {
            return Ok(false);
        }
    }
    if bar {
        eprintln!();
    }
    tracing::info!("building the search index");
    target.restore_search_index().await?;
    let (live, indexed) = target.index_counts().await?;
    target.analyze().await?;
    anyhow::ensure!(
        live == indexed,
        "copied, but {indexed} of {live} live articles have a search document"
    );
    Ok(true)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
