//! Restarts under Telegram's limits (issue 16): the real `herald` binary fans one article out
//! to every reader through the Telegram simulator with Telegram's flood limits on, and is
//! stopped at random moments — SIGKILL or SIGTERM — and started again 0.1–2 s later. Each new
//! process continues the budget of the one before (its acknowledged sends, those it left in
//! flight, a retry_after in force), so the simulator answers no 429 and sees no request during
//! a wait; nothing is lost, a SIGTERM repeats nothing and a SIGKILL at most its sends in flight.
//!
//! The figures (time to the last arrival, with and without the time no herald ran, against the
//! same fan-out undisturbed) are printed, not asserted. CI runs 300 readers and 3 stops of each
//! kind; the benchmark is 2,000 readers and 10 stops:
//! `HERALD_RESTART_CHATS=2000 HERALD_RESTART_STOPS=10 cargo test --release --test restarts -- --nocapture --test-threads 1`.

mod process;

use std::time::{Duration, Instant};

use process::{
    ONE_AT_A_TIME, copies, messages, publish, settings, signal, spawn_herald, subscribe_all,
};
use tgsim::{Limits, Simulator};

const TOKEN: &str = "78:RESTART";
/// Sends one crash may leave in flight: the engine's default concurrency.
const IN_FLIGHT: usize = 32;
/// Telegram's free broadcast rate, per second.
const RATE: f64 = 30.0;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One fan-out of one article to every reader.
struct FanOut {
    copies: Vec<usize>,
    stops: usize,
    /// From the first start to the last reader's first copy.
    wall: Duration,
    /// Of that, the time no herald was running (between an exit and the next start).
    down: Duration,
    rate_limited: u64,
    during_retry_after: u64,
}

/// Fans an article out to `chats` readers, stopping herald with SIG`how` `stops` times at
/// random moments (none when `how` is `None`).
async fn fan_out(chats: i64, stops: usize, how: Option<&str>) -> FanOut {
    let sim = Simulator::start(0, TOKEN, Limits::default())
        .await
        .expect("simulator");
    let dir = tempfile::tempdir().expect("dir");
    subscribe_all(&settings(dir.path()), &sim, chats).await;
    let title = "Restart test article".to_string();
    publish(&settings(dir.path()), title.clone()).await;
    // Stops spread over the undisturbed fan-out's length.
    let expected = chats as f64 / RATE;
    let slice = (expected / (stops.max(1) as f64)).max(0.5);
    let started = Instant::now();
    let mut down = Duration::ZERO;
    let mut herald = spawn_herald(dir.path(), &sim, &[]);
    let mut stopped = 0;
    if let Some(how) = how {
        while stopped < stops {
            let running = Duration::from_secs_f64(0.3 + fastrand::f64() * slice);
            tokio::time::sleep(running).await;
            signal(&mut herald, how);
            stopped += 1;
            // Every other restart as fast as an operator's script would (0.1 s): the old
            // process's sends are then still in Telegram's window.
            let pause = if stopped % 2 == 1 {
                Duration::from_millis(100)
            } else {
                Duration::from_millis(100 + fastrand::u64(0..1_900))
            };
            tokio::time::sleep(pause).await;
            down += pause;
            herald = spawn_herald(dir.path(), &sim, &[]);
        }
    }
    let limit = Duration::from_secs_f64(expected * 4.0 + 60.0);
    let reached = wait_for_every_reader(&sim, chats, started, limit).await;
    signal(&mut herald, "TERM");
    let stats = sim.sim().stats.clone();
    FanOut {
        copies: copies(&sim, chats, &[title]),
        stops: stopped,
        wall: reached,
        down,
        rate_limited: stats.rate_limited,
        during_retry_after: stats.during_retry_after,
    }
}

/// Waits until every reader holds a message and nothing more arrived for a second; returns
/// when the last reader got its first one (from `started`). A penalty Telegram ordered would
/// take longer than `limit`.
async fn wait_for_every_reader(
    sim: &Simulator,
    chats: i64,
    started: Instant,
    limit: Duration,
) -> Duration {
    let deadline = Instant::now() + limit;
    let (mut last, mut quiet_since, mut reached) = (0, Instant::now(), None);
    while Instant::now() < deadline {
        let total = messages(sim, chats);
        let everyone = {
            let sim = sim.sim();
            (0..chats).all(|n| !sim.chats[&(process::FIRST_CHAT + n)].messages.is_empty())
        };
        if everyone && reached.is_none() {
            reached = Some(started.elapsed());
        }
        if total != last {
            (last, quiet_since) = (total, Instant::now());
        } else if everyone && quiet_since.elapsed() > Duration::from_secs(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    reached.unwrap_or_else(|| {
        let stats = sim.sim().stats.clone();
        panic!("not every reader got the article within {limit:?}: {stats:?}")
    })
}

/// Runs the undisturbed fan-out and the one stopped with SIG`how`, prints both, and checks
/// what readers and Telegram saw; returns the stopped run's duplicates.
async fn compare(how: &str) -> (FanOut, usize) {
    let chats = setting("HERALD_RESTART_CHATS", 300) as i64;
    let stops = setting("HERALD_RESTART_STOPS", 3);
    let calm = fan_out(chats, 0, None).await;
    let run = fan_out(chats, stops, Some(how)).await;
    let lost = run.copies.iter().filter(|c| **c == 0).count();
    let duplicates: usize = run.copies.iter().map(|c| c.saturating_sub(1)).sum();
    let up = run.wall.saturating_sub(run.down);
    println!(
        "SIG{how}: {chats} readers, {} stops: last arrival {:.1} s ({:.1} s running, {:.1} s down) \
         against {:.1} s undisturbed: {:.2}× ({:.2}× running); 429s {} (undisturbed {}), \
         during retry_after {}, lost {lost}, duplicates {duplicates}",
        run.stops,
        run.wall.as_secs_f64(),
        up.as_secs_f64(),
        run.down.as_secs_f64(),
        calm.wall.as_secs_f64(),
        run.wall.as_secs_f64() / calm.wall.as_secs_f64(),
        up.as_secs_f64() / calm.wall.as_secs_f64(),
        run.rate_limited,
        calm.rate_limited,
        run.during_retry_after,
    );
    assert_eq!(
        calm.rate_limited, 0,
        "undisturbed, Telegram refuses nothing"
    );
    assert_eq!(lost, 0, "no reader may miss the article");
    assert_eq!(
        run.rate_limited, 0,
        "a new process keeps to the old one's budget"
    );
    assert_eq!(run.during_retry_after, 0);
    (run, duplicates)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_fan_out_herald_keeps_to_telegrams_limits_across_restarts() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (run, duplicates) = compare("KILL").await;
    assert!(
        duplicates <= run.stops * IN_FLIGHT,
        "{duplicates} duplicates after {} kills",
        run.stops
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_mid_fan_out_herald_keeps_to_telegrams_limits_and_repeats_nothing() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_, duplicates) = compare("TERM").await;
    assert_eq!(duplicates, 0, "a graceful stop repeats nothing");
}
