//! The same archive on PostgreSQL (issue 21): copied by `herald copy-db` (time and peak
//! memory, search documents included), then the same queries and orders timed on the copy,
//! beside SQLite's, and the copy's answers checked against the original's (newest first:
//! the same articles, value for value; `/latest`: the same pages).
//! Runs when `HERALD_POSTGRES_URL` names a server (`scripts/postgres.sh url`).

use std::path::Path;
use std::time::{Duration, Instant};

use herald::app::copy_db::{Copied, copy_db};
use herald::domain::{DatabaseUrl, SearchQuery};
use herald::store::{PgStore, SearchOrder, Store};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tokio_util::sync::CancellationToken;

use super::percentile;

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

pub async fn measure(
    path: &Path,
    queries: &[String],
    orders: &[(&'static str, SearchOrder)],
) -> anyhow::Result<()> {
    // HERALD_BENCH_PG_REUSE=<url> searches a copy an earlier run kept (HERALD_BENCH_KEEP).
    if let Ok(url) = std::env::var("HERALD_BENCH_PG_REUSE") {
        return compare(path, &url, queries, orders).await;
    }
    let Ok(server) = std::env::var("HERALD_POSTGRES_URL") else {
        println!("PostgreSQL: skipped, HERALD_POSTGRES_URL is not set (scripts/postgres.sh url)");
        return Ok(());
    };
    let name = format!("herald_bench_search_{}", std::process::id());
    let mut admin = PgConnection::connect(&server).await?;
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    let base = server
        .rsplit_once('/')
        .map_or(server.as_str(), |(base, _)| base);
    let url = format!("{base}/{name}");
    let result = measure_on(path, &url, queries, orders).await;
    if std::env::var("HERALD_BENCH_KEEP").is_err() {
        sqlx::query(AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
            .execute(&mut admin)
            .await?;
    } else {
        println!("PostgreSQL database kept: {url}");
    }
    result
}

async fn measure_on(
    path: &Path,
    url: &str,
    queries: &[String],
    orders: &[(&'static str, SearchOrder)],
) -> anyhow::Result<()> {
    println!();
    println!("copying the archive into PostgreSQL (herald copy-db)...");
    // Writing 5 to clear_refs resets the peak: what follows is the copy's alone.
    std::fs::write("/proc/self/clear_refs", "5")?;
    let started = Instant::now();
    let copied = copy_db(
        &DatabaseUrl::Sqlite(path.to_path_buf()),
        &url.parse()?,
        false,
        &CancellationToken::new(),
    )
    .await?;
    let Copied::Verified(counts) = copied else {
        anyhow::bail!("the copy did not finish: {copied:?}");
    };
    let rows: i64 = counts.iter().map(|c| c.target).sum();
    println!(
        "copy-db: {rows} rows and their search documents in {:.1} s, counts verified; peak resident memory {:.1} MiB",
        started.elapsed().as_secs_f64(),
        peak_mib()
    );

    compare(path, url, queries, orders).await
}

async fn compare(
    path: &Path,
    url: &str,
    queries: &[String],
    orders: &[(&'static str, SearchOrder)],
) -> anyhow::Result<()> {
    let original = Store::open(path, herald::clock::Clock::system()).await?;
    let copy = PgStore::open(url).await?;
    let mut differ = 0;
    for query in queries {
        let parsed = SearchQuery::parse(query)?;
        for page in 0..3 {
            let a = original
                .search(&parsed, SearchOrder::Newest, 5, page * 5)
                .await?;
            let b = copy
                .search(&parsed, SearchOrder::Newest, 5, page * 5)
                .await?;
            if a != b {
                differ += 1;
                println!("  differs: {query} sort:new page {}", page + 1);
            }
        }
    }
    for offset in [0, 5, 500, 50_000] {
        if original.latest_articles(None, 5, offset).await?
            != copy.latest_articles(None, 5, offset).await?
        {
            differ += 1;
            println!("  differs: /latest from {offset}");
        }
    }
    println!(
        "the copy's answers: {differ} of {} newest-first search pages and 4 /latest pages differ from the original's",
        queries.len() * 3
    );

    let mut slowest: Vec<(Duration, &str, &str)> = Vec::new();
    for (name, order) in orders {
        let (mut sqlite, mut pg) = (Vec::new(), Vec::new());
        for round in 0..20 {
            for (i, query) in queries.iter().enumerate() {
                let parsed = SearchQuery::parse(query)?;
                let offset = ((round + i) % 3) as u32 * 5;
                for (store_times, on_pg) in [(&mut sqlite, false), (&mut pg, true)] {
                    let started = Instant::now();
                    let found = if on_pg {
                        copy.search(&parsed, *order, 6, offset).await?
                    } else {
                        original.search(&parsed, *order, 6, offset).await?
                    };
                    store_times.push(started.elapsed());
                    if on_pg {
                        slowest.push((started.elapsed(), name, query));
                    }
                    std::hint::black_box(found);
                }
            }
        }
        let ms = |times: &mut Vec<Duration>, p| {
            times.sort();
            percentile(times, p).as_secs_f64() * 1e3
        };
        println!(
            "search {name}: PostgreSQL p50 {:.2} ms, p99 {:.2} ms; SQLite p50 {:.2} ms, p99 {:.2} ms ({} queries each)",
            ms(&mut pg, 0.5),
            ms(&mut pg, 0.99),
            ms(&mut sqlite, 0.5),
            ms(&mut sqlite, 0.99),
            pg.len()
        );
    }
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    slowest.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
    println!("slowest queries on PostgreSQL:");
    for (took, order, query) in slowest.iter().take(8) {
        println!("  {:.2} ms  {order}  {query}", took.as_secs_f64() * 1e3);
    }
    original.close().await;
    copy.close().await;
    Ok(())
}
