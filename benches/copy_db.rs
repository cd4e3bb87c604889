//! `herald copy-db` at scale (issue 21): an SQLite newsroom of 1,000,000 articles (with their
//! topics, as `/post` stores them) copied into PostgreSQL; prints the time, rows/s and the peak
//! resident memory of the copy, and the per-table counts it verified.
//!
//! `HERALD_POSTGRES_URL=$(scripts/postgres.sh url) cargo bench --bench copy_db`
//! (`HERALD_BENCH_ARTICLES=N` for another size; `HERALD_BENCH_REUSE=<dir>` copies the newsroom
//! an earlier run kept there with `HERALD_BENCH_KEEP=<dir>` instead of filling a new one). Each
//! run copies into a new database on that server and drops it afterwards.

use std::time::Instant;

use anyhow::Context;

use chrono::{TimeZone, Utc};
use herald::app::copy_db::{Copied, copy_db};
use herald::domain::{DatabaseUrl, Language, TopicName, TopicSlug};
use herald::store::{NewArticle, Store};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tokio_util::sync::CancellationToken;

const SYLLABLES: &[&str] = &[
    "ка", "ро", "ми", "на", "ле", "ст", "ов", "ин", "да", "го", "ре", "ты", "ву", "за", "пе", "су",
];

/// A word from `n`'s digits in syllables.
fn word(mut n: u64) -> String {
    let mut word = String::new();
    n = n % 50_000 + 16;
    while n > 0 {
        word.push_str(SYLLABLES[(n % 16) as usize]);
        n /= 16;
    }
    word
}

/// `count` words drawn from a generator seeded by `seed`.
fn words(seed: &mut u64, count: usize) -> String {
    (0..count)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            word(*seed % (*seed % 1_000 + 1))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory since the last reset, MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

async fn fill(path: &std::path::Path, total: usize) -> anyhow::Result<()> {
    let store = Store::open(path, herald::clock::Clock::system()).await?;
    let mut topics = Vec::new();
    for (slug, ru, en) in [
        ("politics", "Политика", "Politics"),
        ("courts", "Суды", "Courts"),
    ] {
        topics.push(
            store
                .create_topic(
                    &TopicSlug::parse(slug).context("slug")?,
                    &TopicName::parse(ru).context("name")?,
                    &TopicName::parse(en).context("name")?,
                )
                .await?
                .id,
        );
    }
    let started = Instant::now();
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    for start in (0..total).step_by(1_000) {
        let batch: Vec<NewArticle> = (start..(start + 1_000).min(total))
            .map(|n| {
                let at = Utc
                    .timestamp_opt(1_500_000_000 + n as i64 * 60, 0)
                    .single()
                    .unwrap_or_default();
                NewArticle {
                    lead: words(&mut seed, 20),
                    ..NewArticle::text(
                        &words(&mut seed, 8),
                        &words(&mut seed, 90),
                        if n % 2 == 0 {
                            Language::Ru
                        } else {
                            Language::En
                        },
                        vec![topics[n % 2]],
                        at,
                    )
                }
            })
            .collect();
        store.insert_articles(&batch).await?;
        if (start + 1_000) % 100_000 == 0 {
            println!(
                "  {} stored ({:.0}/s)",
                start + 1_000,
                (start + 1_000) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Ok(server) = std::env::var("HERALD_POSTGRES_URL") else {
        println!("HERALD_POSTGRES_URL is not set: start a server with scripts/postgres.sh start");
        return Ok(());
    };
    let total = env("HERALD_BENCH_ARTICLES", 1_000_000);
    let scratch = tempfile::tempdir()?;
    let dir = std::env::var("HERALD_BENCH_REUSE")
        .or_else(|_| std::env::var("HERALD_BENCH_KEEP"))
        .map_or_else(|_| scratch.path().to_path_buf(), std::path::PathBuf::from);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("newsroom.db");
    if std::env::var("HERALD_BENCH_REUSE").is_err() {
        println!("filling {total} articles...");
        fill(&path, total).await?;
    }

    let name = format!("herald_bench_copy_{}", std::process::id());
    let mut admin = PgConnection::connect(&server).await?;
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    let base = server
        .rsplit_once('/')
        .map_or(server.as_str(), |(base, _)| base);
    let to: DatabaseUrl = format!("{base}/{name}").parse()?;

    // The peak from here on is the copy's alone (writing 5 to clear_refs resets VmHWM).
    std::fs::write("/proc/self/clear_refs", "5")?;
    let started = Instant::now();
    let copied = copy_db(
        &DatabaseUrl::Sqlite(path),
        &to,
        false,
        &CancellationToken::new(),
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let Copied::Verified(counts) = copied else {
        anyhow::bail!("the copy did not finish: {copied:?}");
    };
    let rows: i64 = counts.iter().map(|c| c.target).sum();
    for count in counts.iter().filter(|c| c.target > 0) {
        println!("  {:<18} {:>10}", count.table, count.target);
    }
    println!(
        "copied {rows} rows in {seconds:.1} s ({:.0} rows/s), counts verified; peak resident memory {:.1} MiB",
        rows as f64 / seconds,
        peak_mib()
    );
    sqlx::query(AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
        .execute(&mut admin)
        .await?;
    Ok(())
}
