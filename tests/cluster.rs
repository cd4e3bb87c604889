//! Several `herald run` on one PostgreSQL database, as an operator runs them (issue 21): three
//! real processes, one fan-out under Telegram's limits, and the process delivering it killed
//! with SIGKILL mid-way. Another takes over; the simulator answers no 429 and sees no request
//! during a wait, every reader gets the article, and only the dead process's sends in flight
//! may reach a reader twice. Skipped with a line when no server is given
//! (`HERALD_POSTGRES_URL`, as `scripts/postgres.sh start` prints).
//!
//! The takeover and resume times are printed, not asserted (the goal is 5 s):
//! `HERALD_CLUSTER_CHATS=3000 cargo test --release --test cluster -- --nocapture`.

#[path = "app/support/pg.rs"]
mod pg;
#[allow(dead_code)] // The helpers are shared with the single-process tests.
mod process;

use std::process::Child;
use std::time::{Duration, Instant};

use herald::clock::Clock;
use herald::domain::DatabaseUrl;
use herald::store::Store;
use process::{copies, publish, settings, signal, spawn_herald, subscribe_all};
use tgsim::{Limits, Simulator};

const TOKEN: &str = "79:CLUSTER";
/// Sends one process may have in flight: the engine's default concurrency.
const IN_FLIGHT: usize = 32;

/// The running heralds, killed should the test fail half-way (whatever it starts, it stops).
struct Heralds(Vec<Child>);

impl Drop for Heralds {
    fn drop(&mut self) {
        for herald in &mut self.0 {
            let _ = herald.kill();
            let _ = herald.wait();
        }
    }
}

/// The process id in the leader lease's holder (`host/pid/nonce`).
async fn leader(store: &Store) -> Option<u32> {
    let holder = store.process_lease_holder("leader").await.ok()??;
    holder.split('/').nth(1)?.parse().ok()
}

/// Readers holding the article.
fn reached(sim: &Simulator, chats: i64, title: &str) -> usize {
    copies(sim, chats, &[title.to_string()])
        .iter()
        .filter(|c| **c > 0)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_delivering_process_hands_the_fan_out_to_another() {
    let Some(db) = pg::database("cluster").await else {
        return;
    };
    let chats: i64 = std::env::var("HERALD_CLUSTER_CHATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(450);
    let sim = Simulator::start(0, TOKEN, Limits::default())
        .await
        .expect("simulator");
    let setup = tempfile::tempdir().expect("dir");
    let mut newsroom = settings(setup.path());
    newsroom.database_url = Some(DatabaseUrl::Postgres(db.url.clone()));
    subscribe_all(&newsroom, &sim, chats).await;
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
    let env = [("HERALD__STORAGE__URL", db.url.as_str())];
    let mut heralds = Heralds(
        dirs.iter()
            .map(|dir| spawn_herald(dir.path(), &sim, &env))
            .collect(),
    );
    let store = Store::connect(
        &DatabaseUrl::Postgres(db.url.clone()),
        1_000,
        Clock::system(),
    )
    .await
    .expect("store");
    let patience = Instant::now() + Duration::from_secs(60);
    while leader(&store).await.is_none() {
        assert!(Instant::now() < patience, "no process took the lease");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let title = "Cluster test article";
    publish(&newsroom, title.to_string()).await;
    let patience = Instant::now() + Duration::from_secs(120);
    while reached(&sim, chats, title) < chats as usize / 3 {
        assert!(Instant::now() < patience, "the fan-out did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let dead = leader(&store).await.expect("a leader");
    let index = heralds
        .0
        .iter()
        .position(|h| h.id() == dead)
        .expect("the leader is one of ours");
    let before = reached(&sim, chats, title);
    let killed = Instant::now();
    let mut dead_one = heralds.0.remove(index);
    signal(&mut dead_one, "KILL");
    let patience = killed + Duration::from_secs(60);
    while leader(&store).await.is_none_or(|pid| pid == dead) {
        assert!(Instant::now() < patience, "nobody took over");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let taken_over = killed.elapsed();
    while reached(&sim, chats, title) <= before {
        assert!(Instant::now() < patience, "the fan-out did not resume");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let resumed = killed.elapsed();
    let patience = Instant::now() + Duration::from_secs_f64(chats as f64 / 10.0 + 60.0);
    while reached(&sim, chats, title) < chats as usize && Instant::now() < patience {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let copies = copies(&sim, chats, &[title.to_string()]);
    let lost = copies.iter().filter(|c| **c == 0).count();
    let duplicates: usize = copies.iter().map(|c| c.saturating_sub(1)).sum();
    let stats = sim.sim().stats.clone();
    println!(
        "SIGKILL of the delivering process of 3, {chats} readers: taken over after {:.2} s, \
         sends resumed after {:.2} s; 429s {}, during retry_after {}, lost {lost}, duplicates \
         {duplicates}",
        taken_over.as_secs_f64(),
        resumed.as_secs_f64(),
        stats.rate_limited,
        stats.during_retry_after,
    );
    for herald in &mut heralds.0 {
        signal(herald, "TERM");
    }
    store.close().await;
    assert_eq!(lost, 0, "every reader gets the article");
    assert_eq!(
        stats.rate_limited, 0,
        "the next process keeps to the budget"
    );
    assert_eq!(stats.during_retry_after, 0);
    assert!(duplicates <= IN_FLIGHT, "{duplicates} duplicates");
    db.remove().await;
}
