//! Crash safety of delivery: the real `herald` binary delivers through the Telegram simulator
//! and is killed at random moments, then restarted, round after round.
//!
//! - SIGKILL: no article is lost for any chat; a copy may repeat only when the kill caught
//!   its send in flight (sent, not yet recorded), so duplicates stay within one per send in
//!   flight per crash (`delivery.concurrency`, 32).
//! - SIGTERM: herald finishes the sends in flight and records them; no duplicates at all.
//!
//! `HERALD_CRASH_ROUNDS` sets the rounds of each (3 by default, for CI):
//! `HERALD_CRASH_ROUNDS=200 cargo test --release --test crash -- --nocapture`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use herald::app::App;
use herald::application::{Application, Options};
use herald::config::Settings;
use herald::domain::{ChatKind, Language, Platform, TimeZoneName};
use herald::store::{NewArticle, NewChat};
use tgsim::{Kind, Limits, Simulator};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "77:CRASH";
const CHATS: i64 = 300;
const FIRST_CHAT: i64 = 10_000;
/// Sends one crash may leave in flight: the engine's default concurrency.
const IN_FLIGHT: usize = 32;

fn rounds() -> usize {
    std::env::var("HERALD_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

/// Builds herald in-process, its workers off (the binary under test is stopped), to run `act`
/// on its use cases, then stops it.
async fn with_app<F, Fut>(dir: &Path, act: F)
where
    F: FnOnce(App) -> Fut,
    Fut: std::future::Future<Output = App>,
{
    let settings = Settings::for_tests(dir, &["telegram:1"]).expect("settings");
    let options = Options {
        workers: false,
        ..Options::default()
    };
    let herald = Application::build_with(settings, options, CancellationToken::new())
        .await
        .expect("herald builds (and the one under test is stopped)");
    act(herald.app().clone()).await;
    herald.stop().await.expect("herald stops");
}

async fn subscribe_all(dir: &Path, sim: &Simulator) {
    with_app(dir, |app| async move {
        for n in 0..CHATS {
            let id = (FIRST_CHAT + n).to_string();
            let chat = app
                .store()
                .upsert_chat(NewChat {
                    platform: Platform::Telegram,
                    native_id: &id,
                    kind: ChatKind::Private,
                    title: "reader",
                    language: Language::En,
                    time_zone: TimeZoneName::utc(),
                })
                .await
                .expect("chat");
            app.store()
                .subscribe(chat.id, None)
                .await
                .expect("subscribe");
        }
        app
    })
    .await;
    for n in 0..CHATS {
        sim.add_chat(FIRST_CHAT + n, Kind::Private, "reader");
    }
}

async fn publish(dir: &Path, title: String) {
    with_app(dir, |app| async move {
        let now = app.clock().now();
        let article = NewArticle::text(&title, "Text.", Language::En, Vec::new(), now);
        app.publish(&article).await.expect("article");
        app
    })
    .await;
}

fn spawn_herald(dir: &Path, sim: &Simulator) -> Child {
    Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("run")
        .env("HERALD__STORAGE__DATA_DIR", dir)
        .env("HERALD__ACCESS__OWNERS", "telegram:1")
        .env("HERALD__CONSOLE__DEMO", "never")
        .env("HERALD__TELEGRAM__TOKEN", TOKEN)
        .env("HERALD__TELEGRAM__API_URL", sim.api_url())
        .env("HERALD__TELEGRAM__REGISTER_COMMANDS", "false")
        // Paid broadcasts (1000/s) make each round busy with hundreds of sends.
        .env("HERALD__LIMITS__TELEGRAM__PAID_BROADCAST", "true")
        .env("HERALD__LOG__FILTER", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("herald starts")
}

fn signal(child: &mut Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "herald did not stop on SIG{name}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Copies of each article's title per chat.
fn copies(sim: &Simulator, titles: &[String]) -> Vec<usize> {
    let sim = sim.sim();
    let mut out = Vec::new();
    for n in 0..CHATS {
        let chat = &sim.chats[&(FIRST_CHAT + n)];
        for title in titles {
            out.push(
                chat.messages
                    .iter()
                    .filter(|m| &m.text == title || m.text.starts_with(&format!("{title}\n")))
                    .count(),
            );
        }
    }
    out
}

/// Runs `rounds` of publish → start → stop at a random moment with `how`, then a last run
/// that delivers the rest; returns (copies per chat and article, stops).
async fn run(how: &str) -> (Vec<usize>, usize) {
    let sim = Simulator::start(0, TOKEN, Limits::lifted())
        .await
        .expect("simulator");
    let dir = tempfile::tempdir().expect("dir");
    subscribe_all(dir.path(), &sim).await;
    let mut titles = Vec::new();
    for round in 0..rounds() {
        let title = format!("Crash test article {round}");
        publish(dir.path(), title.clone()).await;
        titles.push(title);
        let mut herald = spawn_herald(dir.path(), &sim);
        tokio::time::sleep(Duration::from_millis(150 + fastrand::u64(0..700))).await;
        signal(&mut herald, how);
    }
    // A last, undisturbed run delivers whatever is left: wait until every chat holds at
    // least as many messages as articles and nothing has arrived for a second.
    let mut herald = spawn_herald(dir.path(), &sim);
    let expected = CHATS as usize * titles.len();
    let deadline = Instant::now() + Duration::from_secs(900);
    let (mut last, mut quiet_since) = (0, Instant::now());
    while Instant::now() < deadline {
        let total: usize = {
            let sim = sim.sim();
            (0..CHATS)
                .map(|n| sim.chats[&(FIRST_CHAT + n)].messages.len())
                .sum()
        };
        if total != last {
            (last, quiet_since) = (total, Instant::now());
        } else if total >= expected && quiet_since.elapsed() > Duration::from_secs(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    signal(&mut herald, "TERM");
    (copies(&sim, &titles), titles.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_herald_loses_nothing_and_repeats_only_sends_in_flight() {
    let (copies, crashes) = run("KILL").await;
    let lost = copies.iter().filter(|c| **c == 0).count();
    let duplicates: usize = copies.iter().map(|c| c.saturating_sub(1)).sum();
    println!(
        "SIGKILL: {crashes} crashes, {} deliveries, {lost} lost, {duplicates} duplicates",
        copies.len()
    );
    assert_eq!(lost, 0, "no delivery may be lost");
    assert!(
        duplicates <= crashes * IN_FLIGHT,
        "{duplicates} duplicates after {crashes} crashes"
    );
    assert!(copies.iter().all(|c| *c <= 1 + crashes));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_gracefully_at_random_herald_neither_loses_nor_repeats() {
    let (copies, stops) = run("TERM").await;
    let lost = copies.iter().filter(|c| **c == 0).count();
    let duplicates: usize = copies.iter().map(|c| c.saturating_sub(1)).sum();
    println!(
        "SIGTERM: {stops} stops, {} deliveries, {lost} lost, {duplicates} duplicates",
        copies.len()
    );
    assert_eq!(lost, 0);
    assert_eq!(duplicates, 0, "a graceful stop repeats nothing");
}
