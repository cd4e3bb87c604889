//! Several herald processes on one PostgreSQL database against the Bot API simulator with
//! Telegram's limits on (issue 21). Real time, release build, a PostgreSQL server given:
//!
//! `HERALD_POSTGRES_URL=… cargo bench --bench processes [fanout|paid|failover|wait|race]…` (all when
//! none named; `HERALD_BENCH_CHATS=N` overrides each case's chat count, `HERALD_BENCH_TICK_MS`
//! the engine's tick).
//!
//! - `fanout`: 3 processes, one article to 10,000 private chats at 30/s;
//! - `paid`: paid broadcasts (1,000/s) to 100,000 chats with 1 and with 3 processes;
//! - `failover`: 3 processes; mid-fan-out the one delivering dies (its tasks end at once, its
//!   lease is never given up, as after kill -9): how long until another takes over and the
//!   sends resume;
//! - `wait`: the same, while a retry_after of 8 s the dying process recorded is in force;
//! - `race`: the same, killed as the retry_after's answer arrives (it may never have read it).
//!
//! Each prints the msg/s (first to last arrival), the 429s, the requests during a
//! retry_after, getUpdates conflicts (two processes polling), and the lost and duplicated
//! deliveries, counted per chat from what each chat shows.

use std::time::{Duration, Instant};

use herald::app::{ChatInfo, Invocation, Sender};
use herald::application::{Application, Options};
use herald::config::{RatePolicy, Settings, TelegramMode, TelegramSettings};
use herald::domain::{ChatKind, DatabaseUrl, Language, Platform, TopicName, TopicSlug};
use herald::store::NewArticle;
use tempfile::TempDir;
use tgsim::{Kind, Limits, Simulator};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "1:BENCH";

/// A newsroom on a fresh PostgreSQL database and the processes running it.
struct Cluster {
    sim: Simulator,
    settings: Settings,
    processes: Vec<Application>,
    dirs: Vec<TempDir>,
    ids: Vec<i64>,
}

impl Cluster {
    /// `chats` private chats following one topic, set up by a process without Telegram.
    async fn new(
        server: &str,
        name: &str,
        chats: usize,
        adjust: impl Fn(&mut Settings),
    ) -> anyhow::Result<Cluster> {
        let database = fresh_database(server, name).await?;
        let sim = Simulator::start(0, TOKEN, Limits::default()).await?;
        let dir = tempfile::tempdir()?;
        let mut settings = Settings::for_tests(dir.path(), &["telegram:1"])?;
        settings.database_url = Some(DatabaseUrl::Postgres(database.clone()));
        adjust(&mut settings);
        if let Some(tick) = setting("HERALD_BENCH_TICK_MS") {
            settings.delivery.tick = Duration::from_millis(tick as u64);
        }
        let options = Options {
            workers: false,
            ..Options::default()
        };
        let setup =
            Application::build_with(settings.clone(), options, CancellationToken::new()).await?;
        let app = setup.app().clone();
        let slug = TopicSlug::parse("private").expect("a slug");
        let topic = TopicName::parse("private").expect("a name");
        app.store().create_topic(&slug, &topic, &topic).await?;
        let ids: Vec<i64> = (0..chats as i64).map(|i| 100_000 + i).collect();
        for id in &ids {
            sim.add_chat(*id, Kind::Private, "chat");
        }
        // The first reader subscribes as readers do; the rest are copies of that chat's rows.
        app.handle(&subscribe(ids[0])).await;
        setup.stop().await?;
        copy_reader(&database, chats).await?;
        settings.telegram = Some(TelegramSettings {
            token: TOKEN.to_string().into(),
            api_url: url::Url::parse(&sim.api_url())?,
            mode: TelegramMode::Polling,
            register_commands: false,
        });
        Ok(Cluster {
            sim,
            settings,
            processes: Vec::new(),
            dirs: vec![dir],
            ids,
        })
    }

    /// Starts `n` more processes, each as `herald run` with a data directory of its own.
    async fn start(&mut self, n: usize) -> anyhow::Result<()> {
        for _ in 0..n {
            let dir = tempfile::tempdir()?;
            let settings = Settings {
                data_dir: dir.path().to_path_buf(),
                ..self.settings.clone()
            };
            let herald = Application::build(settings, CancellationToken::new()).await?;
            self.processes.push(herald);
            self.dirs.push(dir);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.processes.iter().any(Application::leading) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    async fn publish(&self, title: &str) -> anyhow::Result<()> {
        let app = self.processes[0].app();
        let topic = app
            .store()
            .topic(&TopicSlug::parse("private").expect("slug"))
            .await?
            .expect("topic");
        let now = app.clock().now();
        let body = "A short routine item for the benchmark.";
        let article = NewArticle::text(title, body, Language::En, vec![topic.id], now);
        app.publish(&article).await?;
        Ok(())
    }

    /// Copies of messages containing `needle` per chat.
    fn copies(&self, needle: &str) -> Vec<usize> {
        let sim = self.sim.sim();
        self.ids
            .iter()
            .map(|id| {
                sim.chats[id]
                    .messages
                    .iter()
                    .filter(|m| m.text.contains(needle))
                    .count()
            })
            .collect()
    }

    fn delivered(&self, needle: &str) -> usize {
        self.copies(needle).iter().filter(|c| **c > 0).count()
    }

    /// Waits until every chat shows `needle` (or `limit` passes); the msg/s from the first to
    /// the last arrival, sampled every 100 ms.
    async fn run_until_all(&self, needle: &str, limit: Duration) -> f64 {
        let started = Instant::now();
        let (mut first, mut last, mut seen) = (None, None, 0);
        while started.elapsed() < limit {
            let now = self.delivered(needle);
            if now > 0 && first.is_none() {
                first = Some((Instant::now(), now));
            }
            if now > seen {
                last = Some((Instant::now(), now));
                seen = now;
            }
            if seen == self.ids.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        match (first, last) {
            (Some((t0, n0)), Some((t1, n1))) if t1 > t0 => {
                (n1 - n0) as f64 / t1.duration_since(t0).as_secs_f64()
            }
            _ => 0.0,
        }
    }

    fn report(&self, case: &str, rate: f64, limit: f64, needle: &str) {
        let copies = self.copies(needle);
        let lost = copies.iter().filter(|c| **c == 0).count();
        let duplicated = copies.iter().filter(|c| **c > 1).count();
        let stats = self.sim.sim().stats.clone();
        println!(
            "{case:<48} {rate:>8.2} msg/s ({:.3} × {limit})  429s {}  during retry_after {}  poll conflicts {}  lost {lost}  duplicated {duplicated}",
            rate / limit,
            stats.rate_limited,
            stats.during_retry_after,
            stats.poll_conflicts,
        );
    }

    async fn stop(self) {
        for herald in self.processes {
            if let Err(error) = herald.stop().await {
                eprintln!("herald did not stop cleanly: {error:#}");
            }
        }
    }
}

/// `/subscribe private` from the owner in private chat `id`.
fn subscribe(id: i64) -> Invocation {
    Invocation {
        platform: Platform::Telegram,
        chat: ChatInfo {
            native_id: id.to_string(),
            kind: ChatKind::Private,
            title: "chat".into(),
        },
        sender: Sender {
            native_id: "1".into(),
            display_name: "owner".into(),
            language: Some(Language::En),
        },
        text: "/subscribe private".into(),
        marks: Vec::new(),
        reply_to: None,
        message_id: None,
        edited: false,
        photo: None,
    }
}

/// A new empty database on the server, named for the case.
async fn fresh_database(server: &str, case: &str) -> anyhow::Result<String> {
    use sqlx::{AssertSqlSafe, Connection, PgConnection};
    let name = format!("herald_bench_{case}_{}", std::process::id());
    let mut admin = PgConnection::connect(server).await?;
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    let base = server.rsplit_once('/').map_or(server, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}

/// `count - 1` more readers like the first (chat `100000`): its chat and subscription rows
/// copied in two statements, as 100,000 `/subscribe` commands would take minutes.
async fn copy_reader(database: &str, count: usize) -> anyhow::Result<()> {
    use sqlx::{Connection, PgConnection};
    let mut db = PgConnection::connect(database).await?;
    sqlx::query(
        "INSERT INTO chats (platform, native_id, kind, title, language, time_zone, created_at)
         SELECT c.platform, (100000 + i)::text, c.kind, c.title, c.language, c.time_zone, c.created_at
         FROM chats c, generate_series(1, $1 - 1) AS i WHERE c.native_id = '100000'",
    )
    .bind(count as i64)
    .execute(&mut db)
    .await?;
    sqlx::query(
        "INSERT INTO subscriptions (chat_id, topic_id, created_at)
         SELECT c.id, s.topic_id, s.created_at FROM chats c, subscriptions s
         JOIN chats first ON first.id = s.chat_id AND first.native_id = '100000'
         WHERE c.platform = first.platform AND c.native_id <> '100000'",
    )
    .execute(&mut db)
    .await?;
    Ok(())
}

fn setting(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn chats(default: usize) -> usize {
    setting("HERALD_BENCH_CHATS").unwrap_or(default)
}

/// Three processes, one article to 10,000 chats.
async fn fanout(server: &str) -> anyhow::Result<()> {
    let n = chats(10_000);
    let mut c = Cluster::new(server, "fanout", n, |_| {}).await?;
    c.start(3).await?;
    c.publish("Fan-out story").await?;
    let rate = c
        .run_until_all("Fan-out story", Duration::from_secs(900))
        .await;
    c.report(
        &format!("fanout: 3 processes, {n} chats"),
        rate,
        30.0,
        "Fan-out story",
    );
    c.stop().await;
    Ok(())
}

/// Paid broadcasts with 1 and with 3 processes.
async fn paid(server: &str) -> anyhow::Result<()> {
    let n = chats(100_000);
    for processes in [1, 3] {
        let mut c = Cluster::new(server, "paid", n, |s| {
            s.telegram_limits = RatePolicy::telegram_paid();
            s.delivery.concurrency = 32;
        })
        .await?;
        c.start(processes).await?;
        let started = Instant::now();
        c.publish("Paid story").await?;
        let rate = c
            .run_until_all("Paid story", Duration::from_secs(900))
            .await;
        c.report(
            &format!("paid: {processes} process(es), {n} chats"),
            rate,
            1_000.0,
            "Paid story",
        );
        println!(
            "    all delivered {:.1} s after publishing",
            started.elapsed().as_secs_f64()
        );
        c.stop().await;
    }
    Ok(())
}

/// Whether the platform's wait is in the database, for the next leader to honour.
async fn wait_recorded(c: &Cluster) -> anyhow::Result<bool> {
    let app = c.processes[0].app();
    let now = app.clock().now_ms();
    let sends = app.store().recent_sends(Platform::Telegram, now).await?;
    Ok(sends.blocked_until.is_some_and(|until| until > now))
}

/// The delivering process dies mid-fan-out; with `flood`, while an 8 s retry_after is in force,
/// after the process recorded it (`Some(true)`) or as its answer arrives (`Some(false)`).
async fn failover(server: &str, flood: Option<bool>) -> anyhow::Result<()> {
    let n = chats(3_000);
    let case = match flood {
        None => "failover",
        Some(true) => "wait",
        Some(false) => "race",
    };
    // With a wait to order, one send at a time: the simulator counts a send that was already
    // on its way when it ordered the wait as a violation and lengthens the wait for it (up to
    // an hour), which measures the sends in flight, not the takeover.
    let mut c = Cluster::new(server, case, n, |s| {
        if flood.is_some() {
            s.delivery.concurrency = 1;
        }
    })
    .await?;
    c.start(3).await?;
    c.publish("Failover story").await?;
    while c.delivered("Failover story") < n / 4 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if let Some(recorded) = flood {
        let ordered = c.sim.sim().stats.rate_limited;
        c.sim.sim().limiter.flood = Some(8);
        while c.sim.sim().stats.rate_limited == ordered {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Killed once the leader kept the wait (the next one must honour it), or as the
        // answer arrives (it may never have read it).
        while recorded && !wait_recorded(&c).await? {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let before = c.delivered("Failover story");
    let leader = c
        .processes
        .iter()
        .position(Application::leading)
        .expect("a process leads");
    let died = Instant::now();
    // As after kill -9: every task ends where it is, the lease is not given up.
    drop(c.processes.remove(leader));
    while !c.processes.iter().any(Application::leading) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let taken_over = died.elapsed();
    let patience = died + Duration::from_secs(900);
    while c.delivered("Failover story") <= before && Instant::now() < patience {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let resumed = died.elapsed();
    let rate = c
        .run_until_all("Failover story", Duration::from_secs(900))
        .await;
    let label = match flood {
        None => format!("failover: leader killed mid-fan-out, {n} chats"),
        Some(true) => format!("wait: killed in a recorded retry_after, {n} chats"),
        Some(false) => format!("race: killed as a retry_after came, {n} chats"),
    };
    c.report(&label, rate, 30.0, "Failover story");
    println!(
        "    taken over {:.2} s after the kill, sends resumed after {:.2} s",
        taken_over.as_secs_f64(),
        resumed.as_secs_f64()
    );
    c.stop().await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let Ok(server) = std::env::var("HERALD_POSTGRES_URL") else {
        println!("processes: skipped, HERALD_POSTGRES_URL is not set (scripts/postgres.sh start)");
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    runtime.block_on(async {
        if run("fanout") {
            fanout(&server).await?;
        }
        if run("failover") {
            failover(&server, None).await?;
        }
        if run("wait") {
            failover(&server, Some(true)).await?;
        }
        if run("race") {
            failover(&server, Some(false)).await?;
        }
        if run("paid") {
            paid(&server).await?;
        }
        anyhow::Ok(())
    })
}
