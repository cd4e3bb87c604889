//! Keyword alerts at scale (issue 20): 100,000 alerts over 50,000 chats, then articles
//! published as /post publishes them (`Store::insert_article`: stored, indexed, matched against
//! every alert and planned, in one transaction).
//!
//! `cargo bench --bench alerts` (`HERALD_BENCH_ALERTS`, `HERALD_BENCH_CHATS`,
//! `HERALD_BENCH_ARTICLES` for the archive around them, `HERALD_BENCH_PUBLISH` per case).
//! Prints the publication time of an article that 1 % of the alerts match and of one that
//! none matches (p50/p99), and the process's resident memory before the alerts were stored
//! and after all the matching. Goals: p99 ≤ 100 ms and ≤ 10 ms; ≤ 50 MB above idle. The two
//! publications right after the bulk import are printed apart: the first of them is slower
//! once (10–12 ms measured), a cost of the import, not of publishing.

use std::time::{Duration, Instant};

use herald::clock::Clock;
use herald::domain::{Language, SearchQuery};
use herald::store::{NewArticle, Store};

const SYLLABLES_RU: &[&str] = &[
    "ка", "ро", "ми", "на", "ле", "ст", "ов", "ин", "да", "го", "ре", "ты", "ву", "за", "пе",
];
const SYLLABLES_EN: &[&str] = &[
    "ka", "ro", "mi", "na", "le", "st", "ov", "in", "da", "go", "re", "ty", "vu", "za", "pe",
];
/// Ordinary words every article holds and no alert asks for.
const FILLER: &str = "В городе прошло заседание комиссии, где обсуждали бюджет, дороги и \
    школы. The council met on Monday to discuss the budget, the roads and the schools.";
/// Words the 1 % of alerts that match ask for, all in the article that matches them.
const HOT: usize = 20;

/// A name nobody else has: `n` spelled in syllables, Cyrillic for even `n`, Latin for odd,
/// ending like a surname.
fn name(n: usize) -> String {
    let (syllables, end) = if n.is_multiple_of(2) {
        (SYLLABLES_RU, "ов")
    } else {
        (SYLLABLES_EN, "ev")
    };
    let mut word = String::new();
    let mut rest = n / 2 + 15 * 15;
    while rest > 0 {
        word.push_str(syllables[rest % syllables.len()]);
        rest /= syllables.len();
    }
    let mut chars = word.chars();
    let first: String = chars
        .next()
        .into_iter()
        .flat_map(char::to_uppercase)
        .collect();
    format!("{first}{}{end}", chars.as_str())
}

/// The `i`-th alert: a word, an alternative, an exclusion or a phrase. Hot alerts ask for a
/// word of the hot article; the others for names no article holds.
fn alert(i: usize, hot: bool) -> String {
    let (word, next) = if hot {
        (name(i % HOT), name((i + 1) % HOT))
    } else {
        (name(1_000 + i % 40_000), name(1_000 + (i + 7) % 40_000))
    };
    let other = name(100_000 + i);
    match i % 4 {
        0 => word,
        1 => format!("{word} OR {other}"),
        2 => format!("{word} -{other}"),
        _ if hot && (i % HOT) + 1 < HOT => format!("\"{word} {next}\""),
        _ => format!("{word} {next}"),
    }
}

fn article(title: &str, names: &[String]) -> NewArticle {
    NewArticle::text(
        title,
        &format!("{FILLER} {} {FILLER}", names.join(" ")),
        Language::Ru,
        vec![],
        chrono::Utc::now(),
    )
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Resident memory of this process, MiB.
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn percentile(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let i = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1;
    times[i].as_secs_f64() * 1000.0
}

async fn connect(store_path: &std::path::Path) -> anyhow::Result<sqlx::SqliteConnection> {
    use sqlx::ConnectOptions;
    Ok(sqlx::sqlite::SqliteConnectOptions::new()
        .filename(store_path)
        .connect()
        .await?)
}

async fn seed_chats(store_path: &std::path::Path, chats: usize) -> anyhow::Result<()> {
    let mut db = connect(store_path).await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO chats (id, platform, native_id, kind, title, language, time_zone, created_at)
         SELECT i, 'telegram', CAST(i AS TEXT), 'private', 'reader', 'ru', 'Europe/Moscow', '' FROM n",
    )
    .bind(chats as i64)
    .execute(&mut db)
    .await?;
    Ok(())
}

async fn publish(store: &Store, articles: &[NewArticle]) -> anyhow::Result<(Vec<Duration>, u64)> {
    let mut times = Vec::new();
    let mut planned = 0;
    for article in articles {
        let started = Instant::now();
        let (_, plan) = store.insert_article(article, 0).await?;
        times.push(started.elapsed());
        planned += plan.rows;
    }
    Ok((times, planned))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let alerts = env("HERALD_BENCH_ALERTS", 100_000);
    let chats = env("HERALD_BENCH_CHATS", 50_000);
    let archive = env("HERALD_BENCH_ARTICLES", 50_000);
    let runs = env("HERALD_BENCH_PUBLISH", 100);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("alerts.db");
    let store = Store::open(&path, Clock::system()).await?;
    // herald's checkpoint worker runs beside the publications, as in `herald run`.
    let shutdown = tokio_util::sync::CancellationToken::new();
    let checkpoints = tokio::spawn(herald::app::checkpoint_log(store.clone(), shutdown.clone()));
    seed_chats(&path, chats).await?;
    println!("archive of {archive} articles, {chats} chats...");
    let names: Vec<String> = (0..50).map(|i| name(200_000 + i)).collect();
    for start in (0..archive).step_by(1_000) {
        let batch: Vec<NewArticle> = (start..(start + 1_000).min(archive))
            .map(|i| article(&format!("Новости дня {i}"), &names[i % 40..i % 40 + 10]))
            .collect();
        store.insert_articles(&batch).await?;
    }
    // Warm up the dictionary and the caches the way a running herald has them.
    publish(&store, &[article("Разогрев", &names[..10])]).await?;
    let idle = rss_mib();

    let started = Instant::now();
    let hot_alerts = alerts / 100;
    let mut batch = Vec::new();
    for i in 0..alerts {
        let hot = i < hot_alerts;
        let text = alert(i, hot);
        let query = SearchQuery::parse(&text)?;
        batch.push(((i % chats) as i64 + 1, text, query));
        if batch.len() == 10_000 {
            store.add_alerts(&batch).await?;
            batch.clear();
        }
    }
    store.add_alerts(&batch).await?;
    println!(
        "{alerts} alerts stored in {:.1} s ({hot_alerts} of them match the hot article)",
        started.elapsed().as_secs_f64()
    );
    // The bulk import's write-ahead log goes into the database first, as it would long before
    // the next article in a running herald; the first publications after it are timed apart.
    store.checkpoint().await?;
    let (first, _) = publish(
        &store,
        &[
            article("После импорта", &names[..10]),
            article("После импорта 2", &names[10..20]),
        ],
    )
    .await?;
    println!(
        "first publications after the import: {:.1} ms, {:.1} ms",
        first[0].as_secs_f64() * 1000.0,
        first[1].as_secs_f64() * 1000.0
    );

    let hot_words: Vec<String> = (0..HOT).map(name).collect();
    let hot: Vec<NewArticle> = (0..runs)
        .map(|i| article(&format!("Главное {i}"), &hot_words))
        .collect();
    let cold: Vec<NewArticle> = (0..runs)
        .map(|i| article(&format!("Обычное {i}"), &names[i % 40..i % 40 + 10]))
        .collect();
    let (mut none_times, none_planned) = publish(&store, &cold).await?;
    let (mut hot_times, hot_planned) = publish(&store, &hot).await?;
    let after = rss_mib();
    println!(
        "matching 1 %: {runs} articles, {} copies each: p50 {:.1} ms, p99 {:.1} ms",
        hot_planned / runs as u64,
        percentile(&mut hot_times, 0.5),
        percentile(&mut hot_times, 0.99)
    );
    println!(
        "matching none: {runs} articles, {none_planned} copies: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&mut none_times, 0.5),
        percentile(&mut none_times, 0.99)
    );
    println!(
        "resident memory: {idle:.1} MiB idle, {after:.1} MiB after storing and matching ({:+.1} MiB)",
        after - idle
    );
    shutdown.cancel();
    checkpoints.await??;
    store.close().await;
    Ok(())
}
