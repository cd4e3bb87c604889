//! Delivery engine benchmark (issues 3 and 9): planning 100,000 deliveries for one article,
//! engine throughput to a no-op platform with limits lifted, the rate achieved under Telegram's
//! policy with a count of limit violations, and how fast command replies go out while that
//! broadcast runs. Real time, release build:
//!
//! `cargo bench --bench delivery` (`HERALD_BENCH_CHATS=N` for another plan size).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use herald::app::{App, ChatInfo, Invocation, Sender};
use herald::application::{Application, Options};
use herald::clock::Clock;
use herald::config::Settings;
use herald::delivery::{Engine, EngineConfig, Outbound, RatePolicy};
use herald::domain::{ChatKind, Language, Platform};
use herald::platform::memory::{CallKind, MemoryPlatform};
use herald::store::NewArticle;
use tokio_util::sync::CancellationToken;

/// herald as `herald run` builds it, on a fresh database, with `platform` as Telegram under
/// `policy`; the engine's loop is left to the benchmark (`run_until`).
async fn fresh_herald(
    clock: Clock,
    platform: Arc<MemoryPlatform>,
    policy: RatePolicy,
    concurrency: usize,
) -> anyhow::Result<(Application, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::for_tests(dir.path(), &["telegram:1"])?;
    settings.delivery = EngineConfig {
        concurrency,
        ..EngineConfig::default()
    };
    let options = Options {
        platforms: vec![(Platform::Telegram, platform as Arc<dyn Outbound>, policy)],
        workers: false,
        clock,
        ..Options::default()
    };
    let herald = Application::build_with(settings, options, CancellationToken::new()).await?;
    Ok((herald, dir))
}

/// `user` writes `text` in their chat of the given kind.
fn invocation(user: &str, kind: ChatKind, text: &str) -> Invocation {
    Invocation {
        platform: Platform::Telegram,
        chat: ChatInfo {
            native_id: user.into(),
            kind,
            title: String::new(),
        },
        sender: Sender {
            native_id: user.into(),
            display_name: String::new(),
            language: Some(Language::En),
        },
        text: text.into(),
        marks: Vec::new(),
        reply_to: None,
        message_id: None,
        edited: false,
        photo: None,
    }
}

/// `count` chats subscribed to everything (through the command layer, as users do).
async fn subscribers(app: &App, count: usize, kind: ChatKind, first: i64) {
    for n in 0..count {
        app.handle(&invocation(
            &(first + n as i64).to_string(),
            kind,
            "/subscribe all",
        ))
        .await;
    }
}

fn article(title: &str) -> NewArticle {
    NewArticle {
        lead: "A lead of ordinary length for a regional news item.".into(),
        url: Some("https://news.example.org/1".into()),
        ..NewArticle::text(title, "", Language::En, Vec::new(), Utc::now())
    }
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

fn percentile(sorted: &[i64], p: f64) -> i64 {
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * p).round() as usize)
        .copied()
        .unwrap_or(-1)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let chats: usize = std::env::var("HERALD_BENCH_CHATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);

    // 1. Planning: one article, `chats` subscribers (the first chunk with the article, the rest
    // as the publishing worker would).
    let clock = Clock::system();
    let platform = Arc::new(MemoryPlatform::new(clock));
    let (herald, _dir) =
        fresh_herald(clock, Arc::clone(&platform), RatePolicy::unlimited(), 16).await?;
    let app = herald.app().clone();
    println!("subscribing {chats} chats...");
    subscribers(&app, chats, ChatKind::Private, 1_000_000).await;
    let started = Instant::now();
    let (_, first) = app.publish(&article("Planning benchmark")).await?;
    let planned = first + app.finish_planning(&CancellationToken::new()).await?;
    println!(
        "plan: {planned} deliveries for one article in {:.3} s (goal <= 0.5 s)",
        started.elapsed().as_secs_f64()
    );

    // 2. Throughput to a no-op platform, limits lifted.
    let total = planned as usize;
    let watch = Arc::clone(&platform);
    let engine_fast = Arc::clone(herald.engine());
    let took = run_until(engine_fast, Duration::from_secs(600), move || {
        watch.delivered() >= total
    })
    .await;
    let sent = platform.delivered();
    println!(
        "throughput: {sent} deliveries in {:.1} s = {:.0} msg/s (goal >= 1000)",
        took.as_secs_f64(),
        sent as f64 / took.as_secs_f64()
    );
    herald.stop().await?;

    // 3. Telegram's policy: 2,000 private chats and 20 groups, 50 ms latency on every call,
    //    20 s of real time; meanwhile 40 subscribers send a command, one every 400 ms.
    let clock = Clock::system();
    let platform = Arc::new(MemoryPlatform::new(clock).with_latency(Duration::from_millis(50)));
    let (herald, _dir) =
        fresh_herald(clock, Arc::clone(&platform), RatePolicy::telegram(), 8).await?;
    let app = herald.app().clone();
    subscribers(&app, 2_000, ChatKind::Private, 1).await;
    subscribers(&app, 20, ChatKind::Group, -1_000_000).await;
    for n in 0..3 {
        app.publish(&article(&format!("Rate benchmark {n}")))
            .await?;
    }
    let broadcast = Arc::clone(herald.engine());
    let broadcast = tokio::spawn(run_until(broadcast, Duration::from_secs(20), || false));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut asked = Vec::new();
    for n in 0..40 {
        let user = (1 + n * 37).to_string();
        asked.push((user.clone(), app.clock().now_ms()));
        app.submit(&invocation(&user, ChatKind::Private, "/subscriptions"))
            .await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    broadcast.await?;

    let all = platform.calls();
    let mut latencies: Vec<i64> = asked
        .iter()
        .filter_map(|(user, at)| {
            let reply = all
                .iter()
                .find(|c| &c.chat == user && c.text.starts_with("This chat receives"))?;
            Some(reply.at_ms - at)
        })
        .collect();
    latencies.sort_unstable();
    let calls: Vec<(i64, &str)> = all
        .iter()
        .filter(|c| c.kind == CallKind::Send)
        .map(|c| (c.at_ms, c.chat.as_str()))
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
    let mut by_chat: HashMap<&str, Vec<i64>> = HashMap::new();
    for (t, chat) in &calls {
        by_chat.entry(chat).or_default().push(*t);
    }
    let mut per_chat_violations = 0;
    for (chat, times) in &by_chat {
        per_chat_violations += times.windows(2).filter(|w| w[1] - w[0] < 1_000).count();
        if chat.starts_with('-') {
            per_chat_violations += (0..times.len())
                .filter(|i| {
                    times[*i..]
                        .iter()
                        .take_while(|u| **u < times[*i] + 60_000)
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
    println!(
        "replies during that broadcast: {} of {} answered; latency p50 {} ms, p99 {} ms, max {} ms",
        latencies.len(),
        asked.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(-1)
    );
    Ok(())
}
