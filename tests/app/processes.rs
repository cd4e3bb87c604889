//! Several herald processes on one PostgreSQL database (each test is skipped with a line when
//! no server is given): one polls Telegram and delivers, the others stand by, and one of them
//! takes over when the first dies — every reader gets every article once.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use herald::app::Arrival;
use herald::application::{Application, Options};
use herald::clock::Clock;
use herald::config::{Settings, TelegramMode, TelegramSettings};
use herald::domain::{DatabaseUrl, Language, Platform};
use herald::ingest::Ingestor;
use herald::store::{Job, Lease, NewArticle, NewSource, Signal, Store};
use tempfile::TempDir;
use tgsim::{Kind, Limits, Simulator};
use tokio_util::sync::CancellationToken;

use crate::feed_server::{FeedServer, fixture};
use crate::support::pg;
use crate::tg::{OWNER, TOKEN};

const READERS: [i64; 3] = [41, 42, 43];
/// How long a test waits for something to show up before failing.
const PATIENCE: Duration = Duration::from_secs(30);

/// Settings of one process on the shared database, with a data directory of its own.
fn settings(database: &str, dir: &Path) -> Settings {
    let mut settings = Settings::for_tests(dir, &["telegram:1"]).expect("settings");
    settings.database_url = Some(DatabaseUrl::Postgres(database.to_string()));
    settings
}

/// One `herald run` on the shared database polling the simulator.
async fn process(sim: &Simulator, database: &str, dir: &Path) -> Application {
    let mut settings = settings(database, dir);
    settings.telegram = Some(TelegramSettings {
        token: TOKEN.to_string().into(),
        api_url: url::Url::parse(&sim.api_url()).expect("url"),
        mode: TelegramMode::Polling,
        register_commands: false,
    });
    Application::build_with(settings, Options::default(), CancellationToken::new())
        .await
        .expect("herald builds")
}

/// The simulator with the owner's chat, and two processes on `database`, the first leading.
async fn two_processes(
    database: &str,
    dirs: &[TempDir; 2],
) -> (Simulator, Application, Application) {
    let sim = Simulator::start(0, TOKEN, Limits::default())
        .await
        .expect("simulator");
    sim.add_chat(OWNER, Kind::Private, "Owner");
    let first = process(&sim, database, dirs[0].path()).await;
    assert!(until(|| first.leading()).await, "the first process leads");
    let second = process(&sim, database, dirs[1].path()).await;
    (sim, first, second)
}

/// Waits until `check` holds; false if it never does.
async fn until(check: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    check()
}

fn count(sim: &Simulator, chat: i64, needle: &str) -> usize {
    sim.messages(chat)
        .iter()
        .filter(|m| !m.deleted && m.text.contains(needle))
        .count()
}

/// The owner publishes `title` through Telegram; true when every reader shows it.
async fn publish(sim: &Simulator, title: &str) -> bool {
    sim.user_says(
        OWNER,
        None,
        OWNER,
        &format!(
            "/post\ntitle: {title}\nlead: Rescuers reached the villages by noon.\n\nMore later."
        ),
    );
    until(|| READERS.iter().all(|reader| count(sim, *reader, title) > 0)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_of_two_polls_and_delivers_and_the_other_takes_over_when_it_dies() {
    let Some(db) = pg::database("two processes").await else {
        return;
    };
    let dirs = [TempDir::new().unwrap(), TempDir::new().unwrap()];
    let (sim, first, second) = two_processes(&db.url, &dirs).await;
    for reader in READERS {
        sim.add_chat(reader, Kind::Private, "Reader");
        sim.user_says(reader, None, reader, "/subscribe all");
        assert!(
            until(|| count(&sim, reader, "all news") > 0).await,
            "{reader} is answered"
        );
    }
    assert!(publish(&sim, "Mudflow cuts the pass road").await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!second.leading(), "only one process leads");
    assert_eq!(
        sim.sim().stats.poll_conflicts,
        0,
        "only one process polls Telegram"
    );
    for reader in READERS {
        assert_eq!(count(&sim, reader, "all news"), 1, "{reader}: one answer");
        assert_eq!(count(&sim, reader, "Mudflow"), 1, "{reader}: one copy");
    }

    // The leader dies without a word: its tasks end, its lease is never given up.
    let died = Instant::now();
    drop(first);
    assert!(
        until(|| second.leading()).await,
        "the second process takes over"
    );
    eprintln!("taken over {:?} after the leader died", died.elapsed());
    assert!(publish(&sim, "Ferry to the island resumes").await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    for reader in READERS {
        assert_eq!(
            count(&sim, reader, "Mudflow"),
            1,
            "{reader}: still one copy"
        );
        assert_eq!(count(&sim, reader, "Ferry"), 1, "{reader}: one copy");
    }
    let published = count(&sim, OWNER, "Published");
    assert_eq!(published, 2, "each /post answered once");
    second.stop().await.expect("herald stops");
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_stops_hands_over_at_once() {
    let Some(db) = pg::database("hand-over").await else {
        return;
    };
    let dirs = [TempDir::new().unwrap(), TempDir::new().unwrap()];
    let (sim, first, second) = two_processes(&db.url, &dirs).await;
    first.stop().await.expect("herald stops");
    assert!(
        until(|| second.leading()).await,
        "the second process takes over"
    );
    sim.add_chat(READERS[0], Kind::Private, "Reader");
    sim.user_says(READERS[0], None, READERS[0], "/subscribe all");
    assert!(until(|| count(&sim, READERS[0], "all news") > 0).await);
    second.stop().await.expect("herald stops");
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_pushed_to_two_processes_at_once_is_handled_by_one() {
    let Some(db) = pg::database("pushed twice").await else {
        return;
    };
    let dirs = [TempDir::new().unwrap(), TempDir::new().unwrap()];
    let mut heralds = Vec::new();
    for dir in &dirs {
        let settings = settings(&db.url, dir.path());
        let options = Options {
            workers: false,
            ..Options::default()
        };
        let herald = Application::build_with(settings, options, CancellationToken::new())
            .await
            .expect("herald builds");
        heralds.push(herald);
    }
    let handled = AtomicUsize::new(0);
    let handle = || async {
        handled.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let update = 777;
    let (one, two) = tokio::join!(
        heralds[0]
            .app()
            .once(Platform::Telegram, update, Arrival::Pushed, handle()),
        heralds[1]
            .app()
            .once(Platform::Telegram, update, Arrival::Pushed, handle()),
    );
    assert_eq!(handled.load(Ordering::SeqCst), 1, "one process handles it");
    assert!(one.unwrap() ^ two.unwrap(), "one of them says it ran");
    let again = heralds[1]
        .app()
        .once(Platform::Telegram, update, Arrival::Pushed, handle())
        .await
        .unwrap();
    assert!(!again, "pushed again later, it is recognised");
    assert_eq!(handled.load(Ordering::SeqCst), 1);
    for herald in heralds {
        herald.stop().await.expect("herald stops");
    }
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_process_queued_is_told_to_the_others() {
    let Some(db) = pg::database("signals").await else {
        return;
    };
    let url = DatabaseUrl::Postgres(db.url.clone());
    let mut stores = Vec::new();
    for _ in 0..2 {
        let store = Store::connect(&url, 1_000, Clock::system())
            .await
            .expect("store");
        stores.push(store);
    }
    let mut heard = stores[0]
        .signals()
        .await
        .unwrap()
        .expect("PostgreSQL listens");
    stores[1].signal(Signal::Planning).await.unwrap();
    stores[1].signal(Signal::Planned).await.unwrap();
    let first = tokio::time::timeout(PATIENCE, heard.next()).await;
    assert_eq!(first.expect("told").unwrap(), Signal::Planning);
    let second = tokio::time::timeout(PATIENCE, heard.next()).await;
    assert_eq!(second.expect("told").unwrap(), Signal::Planned);
    drop(heard);
    for store in stores {
        store.close().await;
    }
    db.remove().await;
}

/// On both backends (the app suite runs on each): the process that delivers next honours the
/// longest wait the platform ordered.
#[tokio::test]
async fn a_retry_after_is_kept_for_the_process_that_delivers_next() {
    let t = crate::helpers::spawn_app().await;
    let store = t.app.store();
    store
        .save_platform_wait(Platform::Telegram, 50_000)
        .await
        .unwrap();
    store
        .save_platform_wait(Platform::Telegram, 20_000)
        .await
        .unwrap();
    let sends = store.recent_sends(Platform::Telegram, 0).await.unwrap();
    assert_eq!(sends.blocked_until, Some(50_000), "the longer wait holds");
}

/// A process on the shared database with no platform and no workers, its clock at `clock`.
async fn quiet_process(database: &str, dir: &Path, clock: Clock) -> Application {
    let mut settings = settings(database, dir);
    settings.ingest.allow_private = vec![herald::domain::Network::parse("127.0.0.1").unwrap()];
    settings.ingest.timeout = Duration::from_secs(3);
    let options = Options {
        clock,
        workers: false,
        ..Options::default()
    };
    Application::build_with(settings, options, CancellationToken::new())
        .await
        .expect("herald builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_whose_poller_died_is_polled_by_another_process_when_its_claim_runs_out() {
    let Some(db) = pg::database("feed claim").await else {
        return;
    };
    let server = FeedServer::start().await;
    server.put("rss2", fixture("rss2.xml"), "application/rss+xml");
    server.served.lock().unwrap().holding = true;
    let dirs = [TempDir::new().unwrap(), TempDir::new().unwrap()];
    let first = quiet_process(&db.url, dirs[0].path(), Clock::system()).await;
    let url = server.url("hold/rss2");
    let source = NewSource {
        url: &url,
        title: "Desk",
        topics: &[],
        language: None,
        interval_s: 900,
    };
    first.app().store().add_source(source).await.unwrap();
    let ingestor = Ingestor::new(first.app()).await.unwrap();
    let polling = tokio::spawn(async move { ingestor.poll_due().await });
    assert!(until(|| server.hits("hold/rss2") == 1).await, "polled");
    // The process dies mid-poll: its claim stays.
    polling.abort();
    first.stop().await.expect("stops");
    server.served.lock().unwrap().holding = false;
    let claimed = quiet_process(&db.url, dirs[1].path(), Clock::system()).await;
    let other = Ingestor::new(claimed.app()).await.unwrap();
    assert_eq!(other.poll_due().await.unwrap(), 0, "the claim holds");
    let until_ms = claimed.app().store().sources().await.unwrap()[0].next_fetch_at;
    claimed.stop().await.expect("stops");
    // Another process once the claim ran out (its clock set past it).
    let after = chrono::DateTime::from_timestamp_millis(until_ms + 1_000).unwrap();
    let later = quiet_process(&db.url, dirs[1].path(), Clock::starting_at(after)).await;
    let other = Ingestor::new(later.app()).await.unwrap();
    assert_eq!(other.poll_due().await.unwrap(), 1, "taken over");
    assert_eq!(server.hits("hold/rss2"), 2);
    let source = &later.app().store().sources().await.unwrap()[0];
    assert!(source.status.starts_with("ok:"), "{}", source.status);
    later.stop().await.expect("stops");
    db.remove().await;
}

/// The deliveries of Telegram ready for a pick a second from now.
async fn ready(store: &Store, clock: Clock) -> Vec<Job> {
    let now = clock.now_ms() + 1_000;
    let jobs = store.ready_deliveries(now, Platform::Telegram, 0, false, 10);
    jobs.await.unwrap()
}

/// Takes the delivery `id` to chat `chat_id` for sending, as the engine's pick does.
async fn take(store: &Store, clock: Clock, id: i64, chat_id: i64) -> Vec<i64> {
    let now = clock.now_ms();
    let lease = Lease {
        id,
        chat_id,
        chat_next: now,
        paid: false,
    };
    store
        .settle_and_lease(&[], &[lease], now, 60_000)
        .await
        .unwrap()
        .0
}

/// On both backends: a process that stalled past its leader lease can no longer put back, or
/// give up on, a delivery the next process queued again and took — it would go a third time.
#[tokio::test]
async fn a_stalled_process_cannot_undo_what_the_next_did_with_a_delivery() {
    let t = crate::helpers::spawn_app().await;
    t.say("10", "/subscribe all").await;
    let clock = t.app.clock();
    let article = NewArticle::text(
        "Pass reopened",
        "Text.",
        Language::En,
        Vec::new(),
        clock.now(),
    );
    t.app.publish(&article).await.unwrap();
    let stalled = t.app.store();
    let next = Store::connect(&t.app.settings().database(), 1_000, Clock::system())
        .await
        .expect("a second store");
    let jobs = ready(stalled, clock).await;
    let job = jobs.first().expect("one copy queued");
    assert_eq!(
        take(stalled, clock, job.id, job.chat_id).await,
        vec![job.id]
    );
    // The next process takes over: the row is queued again, and it takes it.
    next.release_leases().await.unwrap();
    assert_eq!(take(&next, clock, job.id, job.chat_id).await, vec![job.id]);
    // The stalled one wakes up and puts its send back, or gives up on it: nothing happens.
    stalled.release_lease(job.id).await.unwrap();
    stalled
        .reschedule_delivery(job.id, 0, true, "timed out")
        .await
        .unwrap();
    stalled.mark_dead(job.id, true, "failed").await.unwrap();
    assert!(ready(&next, clock).await.is_empty(), "still the next's");
    assert!(stalled.dead_letters(10).await.unwrap().is_empty());
    // The next process's own word counts.
    next.reschedule_delivery(job.id, 0, true, "timed out")
        .await
        .unwrap();
    let queued: Vec<i64> = ready(&next, clock).await.iter().map(|j| j.id).collect();
    assert_eq!(queued, vec![job.id], "queued again");
    next.close().await;
}
