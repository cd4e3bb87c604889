//! The upgrade measured (`HERALD_BENCH_REINDEX=1`): the filled archive is turned back into the
//! first index (words and stems, as an earlier herald wrote it), then rebuilt by herald's own
//! worker while searches go on. Prints the rebuild's time, the process's peak resident memory
//! during it, and search latency and errors meanwhile.

use std::path::Path;
use std::time::{Duration, Instant};

use herald::app::reindex::{Report, reindex};
use herald::domain::SearchQuery;
use herald::domain::text::legacy_index;
use herald::store::{SearchOrder, Store};
use sqlx::{AssertSqlSafe, Row};
use tokio_util::sync::CancellationToken;

pub async fn measure(path: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let articles = index_by_stems(path).await?;
    println!(
        "\nreindex: {articles} articles put back on the stem index in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let store = Store::open(path, herald::clock::Clock::system()).await?;
    // Peak memory from here on (Linux: 5 resets the high-water mark).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let shutdown = CancellationToken::new();
    let worker = {
        let store = store.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let report = Report::Log {
                every: Duration::from_secs(30),
            };
            reindex(&store, &shutdown, report).await
        })
    };
    let started = Instant::now();
    let query = SearchQuery::parse("Гусейнова")?;
    let (mut times, mut errors, mut empty) = (Vec::new(), 0, 0);
    while !worker.is_finished() {
        let asked = Instant::now();
        match store
            .search(
                &query,
                SearchOrder::Relevance {
                    window: 2_000,
                    span: 250_000,
                },
                5,
                0,
            )
            .await
        {
            Ok(found) if found.is_empty() => empty += 1,
            Ok(_) => {}
            Err(error) => {
                errors += 1;
                eprintln!("search failed during the rebuild: {error}");
            }
        }
        times.push(asked.elapsed());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let finished = worker.await??;
    let took = started.elapsed();
    times.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "reindex: {} in {:.0} s ({:.0} articles/s), peak RSS {} during it",
        if finished { "finished" } else { "stopped" },
        took.as_secs_f64(),
        articles as f64 / took.as_secs_f64(),
        peak_rss().unwrap_or_else(|| "unknown".into())
    );
    println!(
        "reindex: {} searches meanwhile, p50 {:.1} ms, p99 {:.1} ms, {errors} errors, {empty} empty",
        times.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3
    );
    store.close().await;
    Ok(())
}

/// Replaces every lemma partition by a stem one holding the same articles.
async fn index_by_stems(path: &Path) -> anyhow::Result<u64> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
           AND name GLOB 'article_words_[0-9][0-9][0-9][0-9]'",
    )
    .fetch_all(&pool)
    .await?;
    let size: i64 = sqlx::query_scalar(
        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'index_partition_size'",
    )
    .fetch_one(&pool)
    .await?;
    let mut articles = 0;
    for name in tables {
        let n: i64 = name.trim_start_matches("article_words_").parse()?;
        let old = format!("article_search_{n:04}");
        let mut tx = pool.begin().await?;
        sqlx::query(AssertSqlSafe(format!("DROP TABLE {name}")))
            .execute(&mut *tx)
            .await?;
        sqlx::query(AssertSqlSafe(format!(
            "CREATE VIRTUAL TABLE {old} USING fts5 (title, text, title_stems, text_stems,
                 content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2')"
        )))
        .execute(&mut *tx)
        .await?;
        let rows = sqlx::query(
            "SELECT id, title, lead, body, photo_caption FROM articles
             WHERE id >= ?1 AND id < ?2 AND status = 'published' AND retracted_at IS NULL",
        )
        .bind(n * size)
        .bind((n + 1) * size)
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            let caption: Option<String> = row.try_get("photo_caption")?;
            let body = [
                row.try_get::<String, _>("lead")?,
                row.try_get::<String, _>("body")?,
                caption.unwrap_or_default(),
            ]
            .join("\n");
            let (title, title_stems) = legacy_index(&row.try_get::<String, _>("title")?);
            let (text, text_stems) = legacy_index(&body);
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO {old} (rowid, title, text, title_stems, text_stems)
                 VALUES (?1, ?2, ?3, ?4, ?5)"
            )))
            .bind(row.try_get::<i64, _>("id")?)
            .bind(title)
            .bind(text)
            .bind(title_stems)
            .bind(text_stems)
            .execute(&mut *tx)
            .await?;
            articles += 1;
        }
        tx.commit().await?;
    }
    pool.close().await;
    Ok(articles)
}

fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.0} MiB", kib / 1024.0))
}
