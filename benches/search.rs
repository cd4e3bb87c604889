//! Search benchmark: fills an archive of bilingual articles, then reports insert throughput and
//! search latency (p50/p99) for relevance-ranked and newest-first queries.
//!
//! `cargo bench --bench search` (1,000,000 articles; `HERALD_BENCH_ARTICLES=N` for another
//! size, `HERALD_BENCH_DIR` for where the database goes). Goals (issue 2): ranked p99 ≤ 30 ms,
//! newest-first p99 ≤ 5 ms, ≥ 2,000 articles/s stored and indexed. Then inline mode's pages
//! (issue 20: p99 ≤ 100 ms; `search/inline.rs`), and with `HERALD_POSTGRES_URL` set, the
//! archive copied into PostgreSQL and searched there (issue 21; `search/postgres.rs`).
//! `HERALD_BENCH_REINDEX=1`
//! then measures the rebuild of an archive indexed by an earlier herald (`search/reindex.rs`).

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use herald::domain::{Language, SearchQuery};
use herald::store::{NewArticle, SearchOrder, Store};

#[path = "search/inline.rs"]
mod inline;
#[path = "search/postgres.rs"]
mod postgres;
#[path = "search/reindex.rs"]
mod reindex;

/// Words the queries look for, with their inflected forms; mixed into the generated text.
const RU: &[&str] = &[
    "выборы",
    "выборах",
    "выборов",
    "Гусейнов",
    "Гусейнова",
    "Гусейнову",
    "Дагестан",
    "Дагестане",
    "Чечня",
    "Чечне",
    "суд",
    "суда",
    "суде",
    "задержание",
    "задержали",
    "правозащитники",
    "правозащитников",
    "блогер",
    "блогера",
    "колония",
    "колонии",
    "голодовка",
    "голодовку",
    "арест",
    "ареста",
    "активист",
    "активиста",
    "полиция",
    "полиции",
];
const EN: &[&str] = &[
    "elections",
    "elected",
    "election",
    "court",
    "courts",
    "detained",
    "detention",
    "rights",
    "defenders",
    "blogger",
    "bloggers",
    "hunger",
    "strike",
    "arrested",
    "arrest",
    "activist",
    "activists",
    "police",
    "protest",
    "protesters",
];
const SYLLABLES_RU: &[&str] = &[
    "ка", "ро", "ми", "на", "ле", "ст", "ов", "ин", "да", "го", "ре", "ты", "ву", "за", "пе",
];
const SYLLABLES_EN: &[&str] = &[
    "ka", "ro", "mi", "na", "le", "st", "ov", "in", "da", "go", "re", "ty", "vu", "za", "pe",
];

/// A tiny deterministic generator, so every run indexes the same archive.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A Zipf-distributed vocabulary: a few words are everywhere, most are rare, as in news text.
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(rng: &mut Rng, syllables: &[&str], seeds: &[&str], size: usize) -> Vocabulary {
        let mut words: Vec<String> = seeds.iter().map(|s| s.to_string()).collect();
        while words.len() < size {
            let n = 2 + rng.below(3);
            words.push(
                (0..n)
                    .map(|_| syllables[rng.below(syllables.len())])
                    .collect(),
            );
        }
        // Shuffle the seeds into the middle of the distribution: common, not the most common.
        for i in 0..seeds.len() {
            let j = 20 + rng.below(200);
            words.swap(i, j);
        }
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        let total = *self.cumulative.last().unwrap();
        let x = (rng.next() as f64 / u64::MAX as f64) * total;
        let index = self
            .cumulative
            .partition_point(|c| *c < x)
            .min(self.words.len() - 1);
        &self.words[index]
    }

    fn sentence(&self, rng: &mut Rng, words: usize) -> String {
        (0..words)
            .map(|_| self.word(rng))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn article(rng: &mut Rng, ru: &Vocabulary, en: &Vocabulary, n: usize) -> NewArticle {
    let (vocabulary, language) = if n.is_multiple_of(2) {
        (ru, Language::Ru)
    } else {
        (en, Language::En)
    };
    let (title_words, lead_words, body_words) =
        (6 + rng.below(5), 15 + rng.below(10), 60 + rng.below(60));
    NewArticle {
        title: vocabulary.sentence(rng, title_words),
        lead: vocabulary.sentence(rng, lead_words),
        body: vocabulary.sentence(rng, body_words).into(),
        language,
        url: Some(format!("https://news.example.org/articles/{n}")),
        original_url: None,
        photo: None,
        photo_caption: None,
        photo_credit: None,
        topic_ids: Vec::new(),
        author_id: None,
        published_at: Utc.timestamp_opt(1_500_000_000 + n as i64 * 60, 0).unwrap(),
        breaking: false,
        label: None,
        pair_id: None,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let total: usize = std::env::var("HERALD_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = match std::env::var("HERALD_BENCH_DIR") {
        Ok(dir) => tempfile::tempdir_in(dir)?,
        Err(_) => tempfile::tempdir()?,
    };
    // HERALD_BENCH_REUSE=<dir> measures searches on an archive kept by an earlier run
    // (HERALD_BENCH_KEEP=1) instead of filling a new one.
    let reuse = std::env::var("HERALD_BENCH_REUSE")
        .ok()
        .map(std::path::PathBuf::from);
    let path = reuse
        .clone()
        .unwrap_or_else(|| dir.path().to_path_buf())
        .join("bench.db");
    let store = Store::open(&path, herald::clock::Clock::system()).await?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let ru = Vocabulary::new(&mut rng, SYLLABLES_RU, RU, 50_000);
    let en = Vocabulary::new(&mut rng, SYLLABLES_EN, EN, 50_000);

    println!("filling {total} articles (batches of 1,000, one transaction each)...");
    let mut insert_time = Duration::ZERO;
    let mut n = if reuse.is_some() { total } else { 0 };
    while n < total {
        let batch: Vec<NewArticle> = (n..(n + 1_000).min(total))
            .map(|i| article(&mut rng, &ru, &en, i))
            .collect();
        let started = Instant::now();
        store.insert_articles(&batch).await?;
        insert_time += started.elapsed();
        n += batch.len();
        if n % 100_000 == 0 {
            println!(
                "  {n} stored, {:.0} articles/s so far",
                n as f64 / insert_time.as_secs_f64()
            );
        }
    }
    let rate = total as f64 / insert_time.as_secs_f64();
    let size = std::fs::metadata(&path)?.len()
        + std::fs::metadata(path.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);

    let queries = [
        "выборы",
        "Гусейнова",
        "Дагестане суд",
        "правозащитники -полиция",
        "голодовк*",
        "\"hunger strike\"",
        "elections",
        "detained activists",
        "court OR police",
        "protesters",
        "blogger arrested",
        "суда колонии",
    ];
    // Common words of the generated vocabulary, which match a large share of the archive.
    let common: Vec<String> = (0..4)
        .flat_map(|i| [ru.words[i].clone(), en.words[i].clone()])
        .collect();
    let all: Vec<String> = queries
        .iter()
        .map(|q| q.to_string())
        .chain(common.iter().cloned())
        .collect();

    let mut report = Vec::new();
    let mut slowest: Vec<(Duration, &'static str, String)> = Vec::new();
    let orders = [
        (
            "ranked, window 1000, span 250k",
            SearchOrder::Relevance {
                window: 1_000,
                span: 250_000,
            },
        ),
        (
            "ranked, window 2000, span 250k",
            SearchOrder::Relevance {
                window: 2_000,
                span: 250_000,
            },
        ),
        (
            "ranked, window 2000, whole archive",
            SearchOrder::Relevance {
                window: 2_000,
                span: u32::MAX,
            },
        ),
        ("newest first", SearchOrder::Newest),
    ];
    for (name, order) in orders {
        let mut times = Vec::new();
        for round in 0..20 {
            for (i, query) in all.iter().enumerate() {
                let parsed = SearchQuery::parse(query)?;
                let page = ((round + i) % 3) as u32;
                let started = Instant::now();
                let found = store.search(&parsed, order, 6, page * 5).await?;
                let took = started.elapsed();
                times.push(took);
                slowest.push((took, name, query.clone()));
                std::hint::black_box(found);
            }
        }
        times.sort();
        report.push((
            name,
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times.len(),
        ));
    }

    println!();
    println!(
        "articles: {total}, database {:.1} GiB",
        size as f64 / (1u64 << 30) as f64
    );
    if reuse.is_none() {
        println!("insert + index: {rate:.0} articles/s (goal >= 2000)");
    }
    for (name, p50, p99, count) in report {
        println!(
            "search {name}: p50 {:.2} ms, p99 {:.2} ms over {count} queries",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    println!("common words queried: {}", common.join(", "));
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    slowest.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
    println!("slowest queries:");
    for (took, order, query) in slowest.iter().take(6) {
        println!("  {:.2} ms  {order}  {query}", took.as_secs_f64() * 1e3);
    }
    store.close().await;
    inline::measure(&path, &all).await?;
    postgres::measure(&path, &all, &orders).await?;
    if std::env::var("HERALD_BENCH_REINDEX").is_ok() {
        reindex::measure(&path).await?;
    }
    if std::env::var("HERALD_BENCH_KEEP").is_ok() {
        println!("database kept in {}", dir.keep().display());
    }
    Ok(())
}
