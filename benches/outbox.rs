//! The cost of delivery against the length of the queue (issue 24): herald runs as its own
//! process (`herald run`, release build) against the Bot API simulator at Telegram's limits, with
//! N private chats subscribed (seeded straight into the database); an editor posts one article.
//! Real time:
//!
//! `cargo bench --bench outbox [free|paid]…` (both when none named;
//! `HERALD_BENCH_SIZES=10000,100000,1000000` and `HERALD_BENCH_SECONDS=120` by default).
//!
//! For each size it prints: planning time (the editor's /post until herald's "Published"
//! reply arrives), how long a reader's /latest sent right after the /post took to be answered,
//! then over the next `HERALD_BENCH_SECONDS`: messages sent, herald's CPU time per message sent
//! (user + system, from /proc), its peak RSS, and the simulator's 429s.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tgsim::{Kind, Limits, Simulator};

const TOKEN: &str = "1:BENCH";
/// The editor (an owner), writing in their private chat.
const EDITOR: i64 = 1;
/// A reader who is not subscribed and asks for /latest while the article is planned.
const READER: i64 = 2;
/// Subscribers' chat ids start here.
const FIRST_SUBSCRIBER: i64 = 10_000_000;

/// What /proc says of a process: CPU seconds used so far and resident memory in MiB.
fn usage(pid: u32) -> anyhow::Result<(f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields
        .get(11..13)
        .map(|f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum())
        .unwrap_or(0.0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let rss_kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    Ok((ticks / 100.0, rss_kib / 1024.0))
}

/// herald's configuration for the run: Telegram at the simulator, the given owner, nothing else.
fn write_config(dir: &Path, api_url: &str, paid: bool) -> anyhow::Result<std::path::PathBuf> {
    let limits = if paid {
        "[limits.telegram]\npaid_broadcast = true\n"
    } else {
        ""
    };
    let text = format!(
        "[storage]\ndata_dir = \"{data}\"\n\n[access]\nowners = [\"telegram:{EDITOR}\"]\n\n\
         [console]\ndemo = \"never\"\n\n[log]\nfilter = \"warn,herald::app::publish=info\"\n\n[ingest]\nenabled = false\n\n\
         {limits}\n\
         [telegram]\ntoken = \"{TOKEN}\"\napi_url = \"{api_url}\"\nregister_commands = false\n",
        data = dir.join("data").display(),
    );
    let path = dir.join("herald.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

fn herald(config: &Path, command: &str) -> anyhow::Result<Child> {
    Ok(Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("--config")
        .arg(config)
        .arg(command)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?)
}

/// Passes herald's log through and reports when it says planning finished.
fn watch_log(child: &mut Child) -> std::sync::mpsc::Receiver<Instant> {
    let (tx, rx) = std::sync::mpsc::channel();
    if let Some(stderr) = child.stderr.take() {
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if line.contains("planning finished") {
                    let _ = tx.send(Instant::now());
                } else {
                    eprintln!("{line}");
                }
            }
        });
    }
    rx
}

/// `count` private chats subscribed to everything, written straight into the database.
async fn seed(database: &Path, count: i64) -> anyhow::Result<()> {
    use sqlx::ConnectOptions;
    let mut db = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(database)
        .connect()
        .await?;
    let now = chrono::Utc::now();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?1)
         INSERT INTO chats (platform, native_id, kind, title, language, time_zone, created_at)
         SELECT 'telegram', CAST(?2 + i AS TEXT), 'private', 'reader', 'en', 'Europe/Moscow', ?3 FROM n",
    )
    .bind(count)
    .bind(FIRST_SUBSCRIBER)
    .bind(now)
    .execute(&mut db)
    .await?;
    sqlx::query(
        "INSERT INTO subscriptions (chat_id, topic_id, created_at)
         SELECT id, NULL, created_at FROM chats WHERE title = 'reader'",
    )
    .execute(&mut db)
    .await?;
    Ok(())
}

/// Waits until `chat` shows more than `seen` messages; how long that took.
async fn answer(sim: &Simulator, chat: i64, seen: usize, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if sim.messages(chat).len() > seen {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

async fn case(paid: bool, size: i64, seconds: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sim = Simulator::start(0, TOKEN, Limits::default()).await?;
    {
        let mut state = sim.sim();
        for id in [EDITOR, READER] {
            state.add_chat(id, Kind::Private, "person");
        }
        for n in 0..size {
            state.add_chat(FIRST_SUBSCRIBER + n, Kind::Private, "reader");
        }
    }
    let config = write_config(dir.path(), &sim.api_url(), paid)?;
    let status = herald(&config, "migrate")?.wait()?;
    anyhow::ensure!(status.success(), "herald migrate failed");
    seed(&dir.path().join("data/herald.db"), size).await?;
    let mut child = herald(&config, "run")?;
    let planning_done = watch_log(&mut child);
    let pid = child.id();
    // Running once it polls for updates.
    while sim.sim().stats.requests == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let post = format!(
        "/post\ntitle: Regional council approves the {size}-reader budget\n\n\
         The council of the region approved next year's budget after a long session."
    );
    let posted = Instant::now();
    sim.user_says(EDITOR, None, EDITOR, &post);
    sim.user_says(READER, None, READER, "/latest");
    let (published, latest) = tokio::join!(
        answer(&sim, EDITOR, 0, Duration::from_secs(120)),
        answer(&sim, READER, 0, Duration::from_secs(120)),
    );
    let show =
        |d: Option<Duration>| d.map_or("no answer".into(), |d| format!("{:.2} s", d.as_secs_f64()));
    // One sample a second: (CPU seconds, messages sent); steady state is what follows the
    // end of planning.
    let sample = |sim: &Simulator| -> anyhow::Result<(f64, u64)> {
        Ok((usage(pid)?.0, sim.sim().stats.sent))
    };
    let first = sample(&sim)?;
    let limited0 = sim.sim().stats.rate_limited;
    let mut peak = 0.0f64;
    let mut planning: Option<(Instant, (f64, u64))> = None;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        peak = peak.max(usage(pid)?.1);
        if planning.is_none()
            && let Ok(at) = planning_done.try_recv()
        {
            planning = Some((at, sample(&sim)?));
        }
    }
    let last = sample(&sim)?;
    let limited = sim.sim().stats.rate_limited - limited0;
    let took = started.elapsed().as_secs_f64();
    let per_message =
        |from: (f64, u64)| (last.0 - from.0) * 1000.0 / ((last.1 - from.1).max(1) as f64);
    let sent = last.1 - first.1;
    // Up to the first chunk (the article's own transaction), nothing is logged.
    let (planned, steady) = match planning {
        Some((at, from)) => (
            format!("{:.2} s", (at - posted).as_secs_f64()),
            format!("{:.3} ms/message after planning", per_message(from)),
        ),
        None => ("within the post".into(), "(planning done before)".into()),
    };
    println!(
        "{mode} {size:>9} chats: planning {planned}, /post → Published {}, /latest {}; \
         next {took:.0} s: {sent} sent ({:.1} msg/s), CPU {:.3} ms/message ({steady}), \
         peak RSS {peak:.1} MiB, {limited} 429s",
        show(published),
        show(latest),
        sent as f64 / took,
        per_message(first),
        mode = if paid { "paid" } else { "free" },
    );
    // SIGTERM, as an operator stops it.
    Command::new("kill").arg(pid.to_string()).status()?;
    child.wait()?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let sizes: Vec<i64> = std::env::var("HERALD_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let seconds: u64 = std::env::var("HERALD_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a == "free" || a == "paid")
        .collect();
    let modes: Vec<bool> = if named.is_empty() {
        vec![false, true]
    } else {
        named.iter().map(|m| m == "paid").collect()
    };
    let runtime = tokio::runtime::Runtime::new()?;
    for paid in modes {
        for size in &sizes {
            runtime.block_on(case(paid, *size, seconds))?;
        }
    }
    Ok(())
}
