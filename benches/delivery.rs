//! Delivery engine benchmark (issue 3): planning 100,000 deliveries for one article, engine
//! throughput to a no-op platform with limits lifted, and the rate achieved under Telegram's
//! policy with a count of limit violations. Real time, release build:
//!
//! `cargo bench --bench delivery` (`HERALD_BENCH_CHATS=N` for another plan size).

use std::sync::Arc;
use std::time::{Duration, Instant};

use herald::app::{App, ChatInfo, Invocation, Sender};
use herald::config::Settings;
use herald::delivery::{Engine, EngineConfig, Metrics, RatePolicy};
use herald::domain::{ChatKind, Language, Platform};
use herald::platform::memory::{CallKind, MemoryPlatform};
use herald::store::NewArticle;
use tokio_util::sync::CancellationToken;

async fn fresh_app() -> anyhow::Result<(App, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let settings = Settings::for_tests(dir.path(), &["telegram:1"])?;
    Ok((App::build(settings).await?, dir))
}

/// `count` private chats subscribed to everything (through the command layer, as users do).
async fn subscribers(app: &App, count: usize, kind: ChatKind, first: i64) {
    for n in 0..count {
        let id = (first + n as i64).to_string();
        let invocation = Invocation {
            platform: Platform::Telegram,
            chat: ChatInfo {
                native_id: id.clone(),
                kind,
                title: String::new(),
            },
            sender: Sender {
                native_id: id,
                display_name: String::new(),
                language: Some(Language::En),
            },
            text: "/subscribe all".into(),
        };
        app.handle(&invocation).await;
    }
}

fn article(title: &str) -> NewArticle {
    NewArticle {
        title: title.into(),
        lead: "A lead of ordinary length for a regional news item.".into(),
        body: String::new(),
        language: Language::En,
        url: Some("https://news.example.org/1".into()),
        original_url: None,
        photo_url: None,
        photo_caption: None,
        photo_credit: None,
        topic_ids: Vec::new(),
        author_id: None,
        published_at: chrono::Utc::now(),
        breaking: false,
    }
}

fn engine(
    app: &App,
    platform: Arc<MemoryPlatform>,
    policy: RatePolicy,
    concurrency: usize,
) -> Arc<Engine> {
    let config = EngineConfig {
        concurrency,
        ..EngineConfig::default()
    };
    Arc::new(Engine::new(
        app.store().clone(),
        vec![(Platform::Telegram, platform, policy)],
        app.clock(),
        config,
        Arc::new(Metrics::new()),
        app.wake(),
    ))
}

/// Runs the engine until `done` says so (checked every 50 ms) or `limit` passes.
async fn run_until(engine: Arc<Engine>, limit: Duration, done: impl Fn() -> bool) -> Duration {
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(engine.run(shutdown.clone()));
    let started = Instant::now();
    while !done() && started.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = started.elapsed();
    shutdown.cancel();
    let _ = task.await;
    took
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let chats: usize = std::env::var("HERALD_BENCH_CHATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);

    // 1. Planning: one article, `chats` subscribers, one transaction.
    let (app, _dir) = fresh_app().await?;
    println!("subscribing {chats} chats...");
    subscribers(&app, chats, ChatKind::Private, 1_000_000).await;
    let started = Instant::now();
    let (_, planned) = app
        .store()
        .insert_article(&article("Planning benchmark"), app.clock().now_ms())
        .await?;
    let plan = started.elapsed();
    println!(
        "plan: {planned} deliveries for one article in {:.3} s (goal <= 0.5 s)",
        plan.as_secs_f64()
    );

    // 2. Throughput to a no-op platform, limits lifted.
    let platform = Arc::new(MemoryPlatform::new(app.clock()));
    let total = planned as usize;
    let watch = Arc::clone(&platform);
    let took = run_until(
        engine(&app, Arc::clone(&platform), RatePolicy::unlimited(), 16),
        Duration::from_secs(600),
        move || watch.delivered() >= total,
    )
    .await;
    let sent = platform.delivered();
    println!(
        "throughput: {sent} deliveries in {:.1} s = {:.0} msg/s (goal >= 1000)",
        took.as_secs_f64(),
        sent as f64 / took.as_secs_f64()
    );
    drop(app);

    // 3. Telegram's policy: 2,000 private chats and 20 groups, 20 s of real time.
    let (app, _dir) = fresh_app().await?;
    subscribers(&app, 2_000, ChatKind::Private, 1).await;
    subscribers(&app, 20, ChatKind::Group, -1_000_000).await;
    for n in 0..3 {
        app.store()
            .insert_article(
                &article(&format!("Rate benchmark {n}")),
                app.clock().now_ms(),
            )
            .await?;
    }
    let platform =
        Arc::new(MemoryPlatform::new(app.clock()).with_latency(Duration::from_millis(50)));
    let run_for = Duration::from_secs(20);
    run_until(
        engine(&app, Arc::clone(&platform), RatePolicy::telegram(), 8),
        run_for,
        || false,
    )
    .await;
    let calls: Vec<(i64, String)> = platform
        .calls()
        .into_iter()
        .filter(|c| c.kind == CallKind::Send)
        .map(|c| (c.at_ms, c.chat))
        .collect();
    let first = calls.first().map_or(0, |c| c.0);
    let last = calls.last().map_or(0, |c| c.0);
    // The rate over whole seconds of steady sending (the first 15 s after the first send).
    let steady = calls.iter().filter(|(t, _)| *t < first + 15_000).count();
    let rate = steady as f64 / 15.0;
    let mut total_violations = 0;
    for (i, (t, _)) in calls.iter().enumerate() {
        if calls[i..]
            .iter()
            .take_while(|(u, _)| *u < t + 1_000)
            .count()
            > 30
        {
            total_violations += 1;
        }
    }
    let mut per_chat_violations = 0;
    let mut by_chat: std::collections::HashMap<&str, Vec<i64>> = std::collections::HashMap::new();
    for (t, chat) in &calls {
        by_chat.entry(chat).or_default().push(*t);
    }
    for (chat, times) in &by_chat {
        per_chat_violations += times.windows(2).filter(|w| w[1] - w[0] < 1_000).count();
        if chat.starts_with('-') {
            per_chat_violations += times
                .iter()
                .enumerate()
                .filter(|(i, t)| {
                    times[*i..]
                        .iter()
                        .take_while(|u| **u < **t + 60_000)
                        .count()
                        > 20
                })
                .count();
        }
    }
    println!(
        "telegram policy, 50 ms latency: {} sends in {:.1} s; {steady} in the first 15 s = {rate:.2} msg/s = {:.3} x 30 \
         (goal >= 0.97); violations: {total_violations} of 30/s, {per_chat_violations} per chat",
        calls.len(),
        (last - first) as f64 / 1000.0,
        rate / 30.0
    );
    Ok(())
}
