//! Delivery through the Telegram adapter against the Bot API simulator with Telegram's limits
//! on (issues 6 and 10). Real time, release build:
//!
//! `cargo bench --bench telegram [fanout|groups|latency|faults|burst|paid|paidcap]…` (all when
//! none named; `HERALD_BENCH_CHATS=N` overrides the private-chat count of `fanout`, `groups`,
//! `paid` and `paidcap`; `HERALD_BENCH_MARGIN_MS=N` the pacer's margin, `limits.telegram.margin_ms`).
//!
//! For each case it prints the achieved msg/s (first to last arrival, as the simulator saw
//! them), the 429s the simulator answered, the requests that came during a retry_after, and
//! the lost and duplicated deliveries, counted per chat from what each chat shows.

use std::time::{Duration, Instant};

use herald::app::{App, ChatInfo, Invocation, Sender};
use herald::application::{Application, Options};
use herald::config::{RatePolicy, Settings, TelegramMode, TelegramSettings};
use herald::domain::{ChatKind, Language, Platform, TopicName, TopicSlug};
use herald::store::NewArticle;
use tgsim::state::Faults;
use tgsim::{Kind, Limits, Simulator};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "1:BENCH";

struct Bench {
    sim: Simulator,
    /// herald's use cases (of the running herald, once started).
    app: App,
    herald: Option<Application>,
    /// With Telegram on; herald is first built without it, to set the newsroom up.
    settings: Settings,
    _dir: tempfile::TempDir,
}

impl Bench {
    async fn new() -> anyhow::Result<Bench> {
        Bench::with(|_| {}).await
    }

    /// Like `new`, with herald's settings adjusted first.
    async fn with(adjust: impl FnOnce(&mut Settings)) -> anyhow::Result<Bench> {
        let sim = Simulator::start(0, TOKEN, Limits::default()).await?;
        let dir = tempfile::tempdir()?;
        let mut settings = Settings::for_tests(dir.path(), &["telegram:1"])?;
        settings.telegram = Some(TelegramSettings {
            token: TOKEN.to_string().into(),
            api_url: url::Url::parse(&sim.api_url())?,
            mode: TelegramMode::Polling,
            register_commands: false,
        });
        if let Some(ms) = std::env::var("HERALD_BENCH_MARGIN_MS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            settings.telegram_limits.margin = Duration::from_millis(ms);
        }
        adjust(&mut settings);
        // Set up without the adapter, then start as `herald run` would (see `start`).
        let setup = Settings {
            telegram: None,
            ..settings.clone()
        };
        let options = Options {
            workers: false,
            ..Options::default()
        };
        let herald = Application::build_with(setup, options, CancellationToken::new()).await?;
        let app = herald.app().clone();
        for slug in ["private", "groups"] {
            let name = TopicName::parse(slug).expect("a name");
            let slug = TopicSlug::parse(slug).expect("a slug");
            app.store().create_topic(&slug, &name, &name).await?;
        }
        Ok(Bench {
            sim,
            app,
            herald: Some(herald),
            settings,
            _dir: dir,
        })
    }

    /// Chats known to both sides, following `topic` (through the command layer).
    async fn chats(&self, ids: &[i64], kind: Kind, topic: &str) -> anyhow::Result<()> {
        for id in ids {
            self.sim.add_chat(*id, kind, "chat");
            let invocation = Invocation {
                platform: Platform::Telegram,
                chat: ChatInfo {
                    native_id: id.to_string(),
                    kind: if kind == Kind::Private {
                        ChatKind::Private
                    } else {
                        ChatKind::Group
                    },
                    title: "chat".into(),
                },
                sender: Sender {
                    native_id: "1".into(),
                    display_name: "owner".into(),
                    language: Some(Language::En),
                },
                text: format!("/subscribe {topic}"),
                marks: Vec::new(),
                reply_to: None,
                message_id: None,
                edited: false,
                photo: None,
            };
            self.app.handle(&invocation).await;
        }
        Ok(())
    }

    /// Starts herald as `herald run` does (the adapter polling, the engine running) on the
    /// database set up so far.
    async fn start(&mut self) -> anyhow::Result<()> {
        if let Some(setup) = self.herald.take() {
            setup.stop().await?;
        }
        let herald = Application::build(self.settings.clone(), CancellationToken::new()).await?;
        self.app = herald.app().clone();
        self.herald = Some(herald);
        Ok(())
    }

    async fn publish(&self, title: &str, topic: &str) -> anyhow::Result<()> {
        let topic = self
            .app
            .store()
            .topic(&TopicSlug::parse(topic).expect("slug"))
            .await?
            .expect("topic");
        let body = "A short routine item for the benchmark.";
        let now = self.app.clock().now();
        let article = NewArticle::text(title, body, Language::En, vec![topic.id], now);
        self.app.publish(&article).await?;
        Ok(())
    }

    /// Copies of messages containing `needle` per chat.
    fn copies(&self, ids: &[i64], needle: &str) -> Vec<usize> {
        let sim = self.sim.sim();
        ids.iter()
            .map(|id| {
                sim.chats[id]
                    .messages
                    .iter()
                    .filter(|m| m.text.contains(needle))
                    .count()
            })
            .collect()
    }

    /// Waits until every chat shows `needle` (or `limit` passes); returns the msg/s from the
    /// first to the last arrival, sampled every 100 ms.
    async fn run_until_all(&self, ids: &[i64], needle: &str, limit: Duration) -> f64 {
        let started = Instant::now();
        let (mut first, mut last) = (None, None);
        let mut seen = 0;
        while started.elapsed() < limit {
            let now = self.copies(ids, needle).iter().filter(|c| **c > 0).count();
            if now > 0 && first.is_none() {
                first = Some((Instant::now(), now));
            }
            if now > seen {
                last = Some((Instant::now(), now));
                seen = now;
            }
            if seen == ids.len() {
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

    fn report(&self, case: &str, rate: f64, ids: &[i64], needle: &str) {
        let copies = self.copies(ids, needle);
        let lost = copies.iter().filter(|c| **c == 0).count();
        let duplicated = copies.iter().filter(|c| **c > 1).count();
        let stats = self.sim.sim().stats.clone();
        println!(
            "{case:<44} {rate:>7.2} msg/s ({:.2} × 30)  429s {:>3}  during retry_after {:>3}  lost {lost}  duplicated {duplicated}  (500s {}, dropped answers {})",
            rate / 30.0,
            stats.rate_limited,
            stats.during_retry_after,
            stats.errors.saturating_sub(stats.rate_limited),
            stats.dropped,
        );
    }

    async fn stop(self) {
        if let Some(herald) = self.herald
            && let Err(error) = herald.stop().await
        {
            eprintln!("herald did not stop cleanly: {error:#}");
        }
    }
}

fn private_count(default: usize) -> usize {
    std::env::var("HERALD_BENCH_CHATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Issue 6: one article to many private chats.
async fn fanout() -> anyhow::Result<()> {
    let n = private_count(10_000);
    let mut b = Bench::new().await?;
    let ids: Vec<i64> = (0..n as i64).map(|i| 100_000 + i).collect();
    b.chats(&ids, Kind::Private, "private").await?;
    b.start().await?;
    b.publish("Fan-out story", "private").await?;
    let rate = b
        .run_until_all(&ids, "Fan-out story", Duration::from_secs(900))
        .await;
    b.report(
        &format!("fanout: {n} private chats"),
        rate,
        &ids,
        "Fan-out story",
    );
    b.stop().await;
    Ok(())
}

/// Issue 6: private chats while 200 groups have more queued than their 20 a minute allow.
async fn groups() -> anyhow::Result<()> {
    let n = private_count(10_000);
    let mut b = Bench::new().await?;
    let groups: Vec<i64> = (0..200).map(|i| -1_000_000_000_000 - i).collect();
    b.chats(&groups, Kind::Supergroup, "groups").await?;
    let ids: Vec<i64> = (0..n as i64).map(|i| 100_000 + i).collect();
    b.chats(&ids, Kind::Private, "private").await?;
    for k in 0..25 {
        b.publish(&format!("Group item {k}"), "groups").await?;
    }
    b.publish("Private story", "private").await?;
    b.start().await?;
    let rate = b
        .run_until_all(&ids, "Private story", Duration::from_secs(900))
        .await;
    let group_copies: usize = b.copies(&groups, "Group item").iter().sum();
    b.report(
        &format!("groups: {n} private + 200 busy groups"),
        rate,
        &ids,
        "Private story",
    );
    println!("    meanwhile the groups got {group_copies} of their 5,000 queued items");
    b.stop().await;
    Ok(())
}

/// Issue 10: 2,000 chats with 50 ms on every API call.
async fn latency() -> anyhow::Result<()> {
    let mut b = Bench::new().await?;
    b.sim.sim().faults = Faults {
        delay_ms: 50,
        ..Faults::default()
    };
    let ids: Vec<i64> = (0..2_000).map(|i| 100_000 + i).collect();
    b.chats(&ids, Kind::Private, "private").await?;
    b.start().await?;
    b.publish("Latency story", "private").await?;
    let rate = b
        .run_until_all(&ids, "Latency story", Duration::from_secs(300))
        .await;
    b.report(
        "latency: 2,000 chats, 50 ms per call",
        rate,
        &ids,
        "Latency story",
    );
    b.stop().await;
    Ok(())
}

/// Issue 10: 1 % of calls answered 500 and 1 % dropped after being carried out.
async fn faults() -> anyhow::Result<()> {
    let mut b = Bench::new().await?;
    let ids: Vec<i64> = (0..2_000).map(|i| 100_000 + i).collect();
    b.chats(&ids, Kind::Private, "private").await?;
    b.start().await?;
    b.sim.sim().faults = Faults {
        error_share: 0.01,
        drop_share: 0.01,
        delay_ms: 0,
    };
    b.publish("Faulty story", "private").await?;
    let rate = b
        .run_until_all(&ids, "Faulty story", Duration::from_secs(300))
        .await;
    b.report(
        "faults: 2,000 chats, 1% 500s, 1% dropped",
        rate,
        &ids,
        "Faulty story",
    );
    b.stop().await;
    Ok(())
}

/// Issue 10: 300 users send /subscribe at the same moment.
async fn burst() -> anyhow::Result<()> {
    let mut b = Bench::new().await?;
    let ids: Vec<i64> = (0..300).map(|i| 100_000 + i).collect();
    for id in &ids {
        b.sim.add_chat(*id, Kind::Private, "user");
    }
    b.start().await?;
    let started = Instant::now();
    {
        let mut sim = b.sim.sim();
        for id in &ids {
            sim.user_message(*id, *id, "/subscribe private")
                .expect("chat exists");
        }
    }
    b.sim.act(|_| Ok(())).expect("wake");
    let rate = b
        .run_until_all(&ids, "Subscribed", Duration::from_secs(120))
        .await;
    println!(
        "    all answered within {:.1} s of the burst",
        started.elapsed().as_secs_f64()
    );
    b.report(
        "burst: 300 users /subscribe at once",
        rate,
        &ids,
        "Subscribed",
    );
    b.stop().await;
    Ok(())
}

/// Issue 22: paid broadcasts (1,000/s for sends that carry `allow_paid_broadcast`) to
/// private chats, while 100 readers send a command that must be answered within a second,
/// and never as a paid message.
async fn paid() -> anyhow::Result<()> {
    let n = private_count(10_000);
    let mut b = Bench::with(|s| {
        s.telegram_limits = RatePolicy::telegram_paid();
        // At 1,000/s, 8 sends in flight cannot cover the round trips (README: paid broadcasts).
        s.delivery.concurrency = 32;
    })
    .await?;
    let ids: Vec<i64> = (0..n as i64).map(|i| 100_000 + i).collect();
    b.chats(&ids, Kind::Private, "private").await?;
    // Readers who follow nothing ask: their answers measure the reply lane, not the one-a-
    // second rule of a chat that has just received the article.
    let asking: Vec<i64> = (0..100).map(|i| 900_000 + i).collect();
    for id in &asking {
        b.sim.add_chat(*id, Kind::Private, "reader");
    }
    b.start().await?;
    b.publish("Paid story", "private").await?;
    let sim = &b.sim;
    let questions = async {
        let mut latencies = Vec::new();
        // The commands come while the broadcast runs: one every 20 ms from 0.2 s on.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut pending: Vec<(i64, Instant, usize)> = Vec::new();
        for id in &asking {
            let before = sim.messages(*id).len();
            sim.user_says(*id, None, *id, "/subscriptions");
            pending.push((*id, Instant::now(), before));
            tokio::time::sleep(Duration::from_millis(20)).await;
            answered(sim, &mut pending, &mut latencies);
        }
        let started = Instant::now();
        while !pending.is_empty() && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(5)).await;
            answered(sim, &mut pending, &mut latencies);
        }
        let paid_replies = asking
            .iter()
            .flat_map(|id| sim.messages(*id))
            .filter(|m| m.paid && m.text.contains(ANSWER))
            .count();
        (latencies, pending.len(), paid_replies)
    };
    let (rate, (mut latencies, unanswered, paid_replies)) = tokio::join!(
        b.run_until_all(&ids, "Paid story", Duration::from_secs(600)),
        questions
    );
    latencies.sort_unstable();
    let stats = b.sim.sim().stats.clone();
    b.report(
        &format!("paid: {n} chats at up to 1,000/s"),
        rate,
        &ids,
        "Paid story",
    );
    println!(
        "    {:.0} msg/s = {:.3} × 1,000; paid messages {}; replies to 100 commands: {} answered, p50 {} ms, p99 {} ms, max {} ms, {} unanswered, {} sent as paid",
        rate,
        rate / 1_000.0,
        stats.paid,
        latencies.len(),
        pct(&latencies, 0.5),
        pct(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0),
        unanswered,
        paid_replies,
    );
    b.stop().await;
    Ok(())
}

/// What `/subscriptions` answers a reader who follows nothing.
const ANSWER: &str = "This chat has no subscriptions";

/// Marks the commands whose answer arrived, with how long it took (ms).
fn answered(sim: &Simulator, pending: &mut Vec<(i64, Instant, usize)>, latencies: &mut Vec<u128>) {
    pending.retain(|(id, asked, before)| {
        let reply = sim
            .messages(*id)
            .iter()
            .skip(*before)
            .any(|m| m.text.contains(ANSWER));
        if reply {
            latencies.push(asked.elapsed().as_millis());
        }
        !reply
    });
}

fn pct(sorted: &[u128], p: f64) -> u128 {
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * p).round() as usize)
        .copied()
        .unwrap_or(0)
}

/// Issue 22: the day's cap reached mid-broadcast: the rest goes at the free rate with no 429
/// and one notice to the owner.
async fn paidcap() -> anyhow::Result<()> {
    let n = private_count(5_000);
    let cap = (n / 2) as u64;
    let mut b = Bench::with(|s| {
        let mut policy = RatePolicy::telegram_paid();
        if let Some(paid) = policy.paid.as_mut() {
            paid.max_per_day = cap;
        }
        s.telegram_limits = policy;
    })
    .await?;
    b.sim.add_chat(1, Kind::Private, "Owner");
    let owner = Invocation {
        platform: Platform::Telegram,
        chat: ChatInfo {
            native_id: "1".into(),
            kind: ChatKind::Private,
            title: "owner".into(),
        },
        sender: Sender {
            native_id: "1".into(),
            display_name: "owner".into(),
            language: Some(Language::En),
        },
        text: "/start".into(),
        marks: Vec::new(),
        reply_to: None,
        message_id: None,
        edited: false,
        photo: None,
    };
    b.app.handle(&owner).await;
    let ids: Vec<i64> = (0..n as i64).map(|i| 100_000 + i).collect();
    b.chats(&ids, Kind::Private, "private").await?;
    b.start().await?;
    let started = Instant::now();
    b.publish("Capped story", "private").await?;
    let rate = b
        .run_until_all(&ids, "Capped story", Duration::from_secs(900))
        .await;
    let stats = b.sim.sim().stats.clone();
    let notices = b
        .sim
        .messages(1)
        .iter()
        .filter(|m| m.text.contains("reached the cap"))
        .count();
    b.report(
        &format!("paid cap: {n} chats, cap {cap}"),
        rate,
        &ids,
        "Capped story",
    );
    println!(
        "    paid messages {} (cap {cap}); owner notices {notices}; all delivered in {:.1} s",
        stats.paid,
        started.elapsed().as_secs_f64()
    );
    b.stop().await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    runtime.block_on(async {
        if run("latency") {
            latency().await?;
        }
        if run("faults") {
            faults().await?;
        }
        if run("burst") {
            burst().await?;
        }
        if run("fanout") {
            fanout().await?;
        }
        if run("groups") {
            groups().await?;
        }
        if run("paid") {
            paid().await?;
        }
        if run("paidcap") {
            paidcap().await?;
        }
        anyhow::Ok(())
    })
}
