//! Feed ingestion benchmark (issue 8), release build:
//!
//! `cargo bench --bench ingest` — parse + store + index throughput of feed items, the time and
//! peak memory of polling 1,000 sources served by a local HTTP server, and the peak memory of
//! polling one feed of 100,000 items (`cargo bench --bench ingest -- huge` for that alone; it
//! runs first, as the peak is the process's).
//! (`HERALD_BENCH_ITEMS=N`, `HERALD_BENCH_SOURCES=N`, `HERALD_BENCH_HUGE=N` for other sizes.)

use std::time::Instant;

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use herald::application::{Application, Options};
use herald::config::Settings;
use herald::domain::Network;
use herald::ingest::Ingestor;
use herald::store::{NewSource, SourceRecord};
use tokio_util::sync::CancellationToken;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A feed of `items` items, ids starting at `first`, with bilingual, article-sized text.
fn feed(first: usize, items: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Bench</title>",
    );
    for n in first..first + items {
        xml.push_str(&format!(
            "<item><guid>item-{n}</guid><title>Заседание суда по делу {n} отложено; hearing {n} postponed</title>\
             <link>https://news.example.org/{n}</link><pubDate>Sat, 28 Nov 2026 09:10:00 +0300</pubDate>\
             <description>&lt;p&gt;Адвокат попросил время для ознакомления с материалами дела номер {n}.&lt;/p&gt;\
             &lt;p&gt;The defence asked for more time to study the case files; the court agreed and set a new date \
             for the hearing in Makhachkala, where observers from human rights groups are expected.&lt;/p&gt;</description></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    xml
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// herald as `herald run` builds it, its workers off: the benchmark drives the feed worker.
async fn herald(
    dir: &std::path::Path,
    adjust: impl FnOnce(&mut Settings),
) -> anyhow::Result<Application> {
    let mut settings = Settings::for_tests(dir, &["telegram:1"])?;
    settings.ingest.allow_private = vec![Network::parse("127.0.0.1").expect("ip")];
    settings.ingest.backlog = usize::MAX;
    settings.ingest.concurrency = 16;
    adjust(&mut settings);
    let options = Options {
        workers: false,
        ..Options::default()
    };
    Application::build_with(settings, options, CancellationToken::new()).await
}

/// Adds a feed source at `url` and returns it.
async fn add_source(app: &herald::app::App, url: &str) -> anyhow::Result<SourceRecord> {
    app.store()
        .add_source(NewSource {
            url,
            title: "",
            topics: &[],
            language: None,
            interval_s: 900,
        })
        .await?;
    Ok(app.store().source(url).await?.expect("source"))
}

async fn throughput() -> anyhow::Result<()> {
    let items = env("HERALD_BENCH_ITEMS", 20_000);
    let dir = tempfile::tempdir()?;
    let herald = herald(dir.path(), |_| {}).await?;
    let app = herald.app().clone();
    let per_feed = 100;
    let feeds: Vec<String> = (0..items / per_feed)
        .map(|f| feed(f * per_feed, per_feed))
        .collect();
    let source = add_source(&app, "https://news.example.org/bench.xml").await?;
    let ingestor = Ingestor::new(&app).await?;
    let started = Instant::now();
    let mut stored = 0;
    for feed in &feeds {
        let (_, report) = ingestor
            .ingest_body(&source, feed.as_bytes(), None, None)
            .await?
            .map_err(|e| anyhow::anyhow!(e))?;
        stored += report.new;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "parse + store + index: {stored} items in {secs:.2} s = {:.0} items/s",
        stored as f64 / secs
    );
    Ok(())
}

async fn many_sources() -> anyhow::Result<()> {
    let sources = env("HERALD_BENCH_SOURCES", 1_000);
    let router = Router::new().route(
        "/feed/{n}",
        get(|Path(n): Path<usize>| async move {
            ([("content-type", "application/rss+xml")], feed(n * 20, 20))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let dir = tempfile::tempdir()?;
    let herald = herald(dir.path(), |_| {}).await?;
    let app = herald.app().clone();
    for n in 0..sources {
        let url = format!("http://127.0.0.1:{}/feed/{n}?host={n}", addr.port());
        add_source(&app, &url).await?;
    }
    let ingestor = Ingestor::new(&app).await?;
    let before = peak_rss_kib();
    let started = Instant::now();
    let mut polled = 0;
    // One host serves them all, and herald polls one source per host per step.
    while polled < sources {
        let n = ingestor.poll_due().await?;
        if n == 0 {
            break;
        }
        polled += n;
    }
    let secs = started.elapsed().as_secs_f64();
    let articles = app.store().count_articles().await?;
    println!(
        "polling {polled} sources (20 items each, one host): {secs:.1} s, {articles} articles; peak RSS {} MiB (before: {} MiB)",
        peak_rss_kib() / 1024,
        before / 1024
    );
    Ok(())
}

/// One source whose feed has 100,000 short items (herald keeps the first 500): the peak memory
/// of polling it, above the peak of herald idle.
async fn huge_feed() -> anyhow::Result<()> {
    let items = env("HERALD_BENCH_HUGE", 100_000);
    let mut xml =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Huge</title>");
    for n in 0..items {
        xml.push_str(&format!(
            "<item><guid>h-{n}</guid><title>Item {n}</title><link>https://news.example.org/h/{n}</link></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    let size = xml.len();
    // Served from one shared buffer: the server allocates nothing per request.
    let body = axum::body::Bytes::from(xml);
    let router = Router::new().route(
        "/huge.xml",
        get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/rss+xml")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let dir = tempfile::tempdir()?;
    let herald = herald(dir.path(), |s| s.ingest.max_bytes = 2 * size).await?;
    let app = herald.app().clone();
    let source = add_source(&app, &format!("http://{addr}/huge.xml")).await?;
    let ingestor = Ingestor::new(&app).await?;
    // The server's copy of the feed is the benchmark's, not herald's: it is counted in idle.
    let idle = peak_rss_kib();
    let report = ingestor.poll(&source).await?;
    println!(
        "one feed of {items} items ({:.1} MB): {} stored, {:?}; peak RSS {} MiB, {} MiB above idle ({} MiB)",
        size as f64 / 1e6,
        report.new + report.archived,
        report.error,
        peak_rss_kib() / 1024,
        (peak_rss_kib() - idle) / 1024,
        idle / 1024
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    runtime.block_on(async {
        huge_feed().await?;
        if only.as_deref() == Some("huge") {
            return Ok(());
        }
        throughput().await?;
        many_sources().await
    })
}
