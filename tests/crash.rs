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

mod process;

use std::time::{Duration, Instant};

use process::{
    ONE_AT_A_TIME, copies, messages, publish, settings, signal, spawn_herald, subscribe_all,
};
use tgsim::{Limits, Simulator};

const TOKEN: &str = "77:CRASH";
const CHATS: i64 = 300;
/// Sends one crash may leave in flight: the engine's default concurrency.
const IN_FLIGHT: usize = 32;
/// Paid broadcasts (1000/s) make each round busy with hundreds of sends.
const PAID: (&str, &str) = ("HERALD__LIMITS__TELEGRAM__PAID_BROADCAST", "true");

fn rounds() -> usize {
    std::env::var("HERALD_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

/// Runs `rounds` of publish → start → stop at a random moment with `how`, then a last run
/// that delivers the rest; returns (copies per chat and article, stops).
async fn run(how: &str) -> (Vec<usize>, usize) {
    let sim = Simulator::start(0, TOKEN, Limits::lifted())
        .await
        .expect("simulator");
    let dir = tempfile::tempdir().expect("dir");
    subscribe_all(&settings(dir.path()), &sim, CHATS).await;
    let mut titles = Vec::new();
    for round in 0..rounds() {
        let title = format!("Crash test article {round}");
        publish(&settings(dir.path()), title.clone()).await;
        titles.push(title);
        let mut herald = spawn_herald(dir.path(), &sim, &[PAID]);
        tokio::time::sleep(Duration::from_millis(150 + fastrand::u64(0..700))).await;
        signal(&mut herald, how);
    }
    // A last, undisturbed run delivers whatever is left: wait until every chat holds at
    // least as many messages as articles and nothing has arrived for a second.
    let mut herald = spawn_herald(dir.path(), &sim, &[PAID]);
    let expected = CHATS as usize * titles.len();
    let deadline = Instant::now() + Duration::from_secs(900);
    let (mut last, mut quiet_since) = (0, Instant::now());
    while Instant::now() < deadline {
        let total = messages(&sim, CHATS);
        if total != last {
            (last, quiet_since) = (total, Instant::now());
        } else if total >= expected && quiet_since.elapsed() > Duration::from_secs(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    signal(&mut herald, "TERM");
    (copies(&sim, CHATS, &titles), titles.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_herald_loses_nothing_and_repeats_only_sends_in_flight() {
    let _turn = ONE_AT_A_TIME.lock().await;
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
    let _turn = ONE_AT_A_TIME.lock().await;
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
