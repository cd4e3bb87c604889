//! The delivery engine against an in-process platform with scripted faults, on tokio's paused
//! clock: nothing lost, nothing early, every copy corrected, one slow chat never in the way.

use std::sync::Arc;
use std::time::Duration;

use herald::application::Options;
use herald::clock::Clock;
use herald::delivery::SendError;
use herald::delivery::{Engine, EngineConfig, Outcome, RatePolicy};
use herald::domain::{ChatKind, Platform};
use herald::platform::memory::{CallKind, MemoryPlatform};
use tokio_util::sync::CancellationToken;

use crate::helpers::{TestApp, spawn_app_at};

pub struct Harness {
    pub t: TestApp,
    pub platform: Arc<MemoryPlatform>,
    pub engine: Arc<Engine>,
}

pub async fn harness_at(clock: Clock, policy: RatePolicy, latency: Duration) -> Harness {
    let t = spawn_app_at(clock, |_| {}).await;
    harness_for(t, policy, latency).await
}

pub async fn harness_for(t: TestApp, policy: RatePolicy, latency: Duration) -> Harness {
    harness_with_grace(t, policy, latency, Duration::from_secs(10)).await
}

/// Restarts `t`'s herald with an in-process Telegram (answering after `latency`) under
/// `policy`, its engine's workers off so the test drives its step.
pub async fn harness_with_grace(
    mut t: TestApp,
    policy: RatePolicy,
    latency: Duration,
    grace: Duration,
) -> Harness {
    let platform = Arc::new(MemoryPlatform::new(t.app.clock()).with_latency(latency));
    let options = Options {
        platforms: vec![(Platform::Telegram, platform.clone(), policy)],
        workers: false,
        ..Options::default()
    };
    t.restart(options, |s| {
        s.delivery = EngineConfig {
            max_attempts: 3,
            backoff_base: Duration::from_secs(2),
            grace,
            ..EngineConfig::default()
        }
    })
    .await;
    let engine = t.engine();
    Harness {
        t,
        platform,
        engine,
    }
}

/// A harness on the real Telegram policy, with time paused from here on.
pub async fn telegram() -> Harness {
    let h = harness_at(Clock::system(), RatePolicy::telegram(), Duration::ZERO).await;
    hold_clock();
    h
}

/// Pauses tokio's clock so that only the test moves it (`tokio::time::advance`).
///
/// A paused clock normally jumps ahead whenever the runtime has nothing to do — including
/// while sqlx waits for SQLite's worker thread, which would fire sqlx's own acquire timeout
/// and skew every measured interval. A task that always has work keeps the runtime from
/// idling, so virtual time advances exactly as the test says and not otherwise.
pub fn hold_clock() {
    tokio::time::pause();
    tokio::spawn(async {
        loop {
            tokio::task::yield_now().await;
        }
    });
}

/// Waits in real time (the database works on its own threads, whatever tokio's clock does)
/// until `done` holds; fails after 60 s rather than hang.
pub async fn until(what: &str, done: impl Fn() -> bool) {
    let real = std::time::Instant::now();
    while !done() {
        assert!(
            real.elapsed() < Duration::from_secs(60),
            "{what}: not in 60 s"
        );
        tokio::task::yield_now().await;
    }
}

/// Advances tokio's (held) clock.
pub async fn pass(d: Duration) {
    tokio::time::advance(d).await;
}

impl Harness {
    /// Waits until a call to the platform is waiting out its latency, so that advancing the
    /// held clock lets exactly that call answer.
    pub async fn until_waiting(&self) {
        until("a send to start", || self.platform.waiting() > 0).await;
    }

    /// Steps the engine until nothing is queued, sleeping (in paused time) whenever it must
    /// wait. Returns the outcomes.
    pub async fn drain(&self) -> Vec<Outcome> {
        let mut outcomes = Vec::new();
        for _ in 0..1_000_000 {
            match self.engine.try_deliver_next().await.expect("step") {
                Outcome::Throttled { wait } => pass(wait).await,
                Outcome::Idle => {
                    let due = self.t.app.store().next_delivery_due().await.unwrap();
                    let now = self.engine.clock().now_ms();
                    match due {
                        Some(due) if due > now => {
                            pass(Duration::from_millis((due - now) as u64)).await
                        }
                        Some(_) => tokio::task::yield_now().await,
                        None => return outcomes,
                    }
                }
                outcome => outcomes.push(outcome),
            }
        }
        panic!("the queue never drained");
    }

    /// Sends that reached `chat`, as the chat shows them now.
    pub fn texts(&self, chat: &str) -> Vec<String> {
        self.platform
            .messages(chat)
            .into_iter()
            .filter(|m| !m.deleted)
            .map(|m| m.text)
            .collect()
    }

    pub async fn post(&self, title: &str, topics: &str) -> String {
        self.t
            .say(
                "1",
                &format!("/post\ntitle: {title}\ntopics: {topics}\n\nBody of {title}."),
            )
            .await
    }
}

async fn with_topics(h: &Harness) {
    h.t.with_topics().await;
}

#[tokio::test]
async fn an_article_reaches_every_subscribed_chat_exactly_once_and_no_one_else() {
    let h = telegram().await;
    with_topics(&h).await;
    h.t.say("10", "/subscribe all").await;
    h.t.say("11", "/subscribe dagestan").await;
    h.t.say("12", "/subscribe chechnya").await;
    h.t.say("13", "/start").await;
    h.t.say_in("-100", ChatKind::Group, "1", "/subscribe dagestan chechnya")
        .await;
    assert!(
        h.post("Floods in Dagestan", "dagestan, chechnya")
            .await
            .starts_with("Published as #1.")
    );
    h.drain().await;
    for chat in ["10", "11", "12", "-100"] {
        assert_eq!(h.texts(chat).len(), 1, "chat {chat}");
        assert!(
            h.texts(chat)[0].starts_with("Floods in Dagestan"),
            "{:?}",
            h.texts(chat)
        );
    }
    assert!(h.texts("13").is_empty() && h.texts("1").is_empty());
    h.drain().await;
    assert_eq!(
        h.platform.delivered(),
        4,
        "a second pass sends nothing again"
    );
}

#[tokio::test]
async fn a_failed_send_stays_queued_until_the_platform_acknowledges_a_retry() {
    let h = telegram().await;
    h.t.say("10", "/subscribe all").await;
    h.platform
        .fail_next("10", [SendError::Transient("502 Bad Gateway".into())]);
    h.post("Storm warning", "").await;
    let first = h.engine.try_deliver_next().await.unwrap();
    assert!(matches!(first, Outcome::Rescheduled { .. }), "{first:?}");
    let summary = h.t.say("1", "/deliveries").await;
    assert!(
        summary.contains("pending 1") && summary.contains("sent 0"),
        "{summary}"
    );
    h.drain().await;
    assert_eq!(h.texts("10").len(), 1);
    assert!(h.t.say("1", "/deliveries").await.contains("sent 1"));
}

#[tokio::test]
async fn retry_after_is_honoured_exactly_without_counting_an_attempt() {
    let h = telegram().await;
    h.t.say("10", "/subscribe all").await;
    h.platform.fail_next(
        "10",
        (0..5).map(|_| SendError::RetryAfter {
            after: Duration::from_secs(30),
            global: false,
        }),
    );
    h.post("Curfew lifted", "").await;
    h.drain().await;
    let calls: Vec<i64> = h
        .platform
        .calls()
        .iter()
        .filter(|c| c.chat == "10")
        .map(|c| c.at_ms)
        .collect();
    assert_eq!(calls.len(), 6, "five 429s, then the send");
    for pair in calls.windows(2) {
        assert!(
            pair[1] - pair[0] >= 30_000,
            "a send came {} ms after a 30 s retry_after",
            pair[1] - pair[0]
        );
    }
    assert_eq!(
        h.texts("10").len(),
        1,
        "more 429s than max_attempts did not kill the delivery"
    );
    assert_eq!(h.engine.metrics().rate_limited_count(Platform::Telegram), 5);
}

#[tokio::test]
async fn one_chat_answering_429_does_not_hold_back_a_thousand_others() {
    let h = telegram().await;
    for chat in 0..1_001 {
        h.t.say(&format!("{}", 1_000 + chat), "/subscribe all")
            .await;
    }
    h.platform.fail_always(
        "1000",
        SendError::RetryAfter {
            after: Duration::from_secs(5),
            global: false,
        },
    );
    h.post("Election results", "").await;
    let started = h.engine.clock().now_ms();
    // Drive until the thousand healthy chats have their copy.
    let mut served = 0;
    while served < 1_000 {
        match h.engine.try_deliver_next().await.unwrap() {
            Outcome::Delivered { .. } => served += 1,
            Outcome::Throttled { wait } => pass(wait).await,
            Outcome::Idle => pass(Duration::from_millis(50)).await,
            _ => {}
        }
    }
    let elapsed = h.engine.clock().now_ms() - started;
    // 1000 messages at 30/s need 33.3 s; the 429 chat must not add to that.
    assert!(elapsed < 36_000, "took {elapsed} ms");
    let calls = h.platform.calls();
    let sends: Vec<i64> = calls
        .iter()
        .filter(|c| c.kind == CallKind::Send)
        .map(|c| c.at_ms)
        .collect();
    for (i, t) in sends.iter().enumerate() {
        let in_window = sends[i..].iter().take_while(|u| **u < t + 1_000).count();
        assert!(
            in_window <= 30,
            "{in_window} sends within one second from {t}"
        );
    }
    let stuck: Vec<i64> = calls
        .iter()
        .filter(|c| c.chat == "1000")
        .map(|c| c.at_ms)
        .collect();
    assert!(stuck.windows(2).all(|p| p[1] - p[0] >= 5_000), "{stuck:?}");
    h.platform.clear("1000");
    h.drain().await;
    assert_eq!(
        h.texts("1000").len(),
        1,
        "the slow chat gets its copy once it recovers"
    );
    assert_eq!(h.platform.delivered(), 1_001);
}

#[tokio::test]
async fn transient_failures_back_off_then_become_a_visible_retryable_dead_letter() {
    let h = telegram().await;
    h.t.say("10", "/subscribe all").await;
    h.t.say("11", "/subscribe all").await;
    h.platform
        .fail_always("10", SendError::Transient("connection reset".into()));
    h.post("Court postpones hearing", "").await;
    let outcomes = h.drain().await;
    assert!(
        outcomes.iter().any(|o| matches!(o, Outcome::Dead { .. })),
        "{outcomes:?}"
    );
    let tries: Vec<i64> = h
        .platform
        .calls()
        .iter()
        .filter(|c| c.chat == "10")
        .map(|c| c.at_ms)
        .collect();
    assert_eq!(tries.len(), 3, "max_attempts");
    assert!(
        tries[1] - tries[0] >= 1_000 && tries[2] - tries[1] >= 2_000,
        "backoff grows: {tries:?}"
    );
    assert_eq!(h.texts("11").len(), 1, "the other chat was not held back");
    let failed = h.t.say("1", "/deliveries failed").await;
    assert!(
        failed.contains("send #1 → telegram:10 · 3× · transient: connection reset"),
        "{failed}"
    );
    assert_eq!(
        h.t.say("42", "/deliveries failed").await,
        "Not allowed: this needs the moderator role."
    );
    h.platform.clear("10");
    assert_eq!(
        h.t.say("1", "/deliveries retry all").await,
        "1 delivery queued again."
    );
    h.drain().await;
    assert_eq!(h.texts("10").len(), 1);
    assert_eq!(
        h.t.say("1", "/deliveries failed").await,
        "No failed deliveries."
    );
}

#[tokio::test]
async fn a_permanent_refusal_is_a_dead_letter_at_once() {
    let h = telegram().await;
    h.t.say("10", "/subscribe all").await;
    h.platform
        .fail_next("10", [SendError::Permanent("can't parse entities".into())]);
    h.post("Bad markup", "").await;
    h.drain().await;
    assert_eq!(h.platform.calls().len(), 1);
    assert!(
        h.t.say("1", "/deliveries failed")
            .await
            .contains("permanent: can't parse entities")
    );
}

#[tokio::test]
async fn a_migrated_group_keeps_receiving_under_its_new_id() {
    let h = telegram().await;
    h.t.say_in("-200", ChatKind::Group, "1", "/subscribe all")
        .await;
    h.platform
        .fail_next("-200", [SendError::ChatMoved("-100200".into())]);
    h.post("Roads reopened", "").await;
    h.drain().await;
    assert_eq!(h.texts("-100200").len(), 1);
    h.post("Second story", "").await;
    h.drain().await;
    assert_eq!(
        h.texts("-100200").len(),
        2,
        "later articles go to the new id too"
    );
    assert!(h.texts("-200").is_empty());
}

#[tokio::test]
async fn a_gone_chat_is_deactivated_with_its_reason_and_moderators_are_told() {
    let h = telegram().await;
    h.t.say("10", "/subscribe all").await;
    h.t.say("11", "/subscribe all").await;
    h.t.say_in("-300", ChatKind::Group, "1", "/subscribe all")
        .await;
    h.platform.fail_always(
        "10",
        SendError::ChatGone("Forbidden: bot was blocked by the user".into()),
    );
    h.platform.fail_always(
        "-300",
        SendError::ChatGone("Forbidden: bot was kicked from the group chat".into()),
    );
    h.post("First", "").await;
    h.drain().await;
    let told = h.texts("1");
    assert_eq!(
        told.len(),
        1,
        "the owner is told once, of the group and not of a reader who blocked herald: {told:?}"
    );
    assert!(
        told[0].starts_with(
            "herald can no longer post to «chat -300» (telegram:-300) (Forbidden: bot was kicked from the group chat)"
        ),
        "{told:?}"
    );
    let summary = h.t.say("1", "/deliveries").await;
    assert!(
        summary.contains("chat_gone · telegram:10 · Forbidden: bot was blocked by the user"),
        "{summary}"
    );
    assert!(
        summary.contains("chat_gone · telegram:-300 · Forbidden: bot was kicked"),
        "{summary}"
    );
    h.post("Second", "").await;
    h.drain().await;
    assert_eq!(
        h.platform.calls().iter().filter(|c| c.chat == "10").count(),
        1,
        "nothing more is sent to a gone chat"
    );
    assert_eq!(h.texts("11").len(), 2);
    // The user unblocks herald and writes again: the chat is back, with its subscriptions.
    h.platform.clear("10");
    h.t.say("10", "/start").await;
    h.post("Third", "").await;
    h.drain().await;
    assert_eq!(h.texts("10").len(), 1);
    assert!(h.texts("10")[0].starts_with("Third"));
}

#[tokio::test]
async fn corrections_reach_every_sent_copy_and_retractions_remove_them() {
    let h = telegram().await;
    for chat in ["10", "11", "12"] {
        h.t.say(chat, "/subscribe all").await;
    }
    h.post("Dam breach near Makhachkala", "").await;
    h.drain().await;
    h.t.say("1", "/edit 1\ntitle: Dam breach near Kaspiysk")
        .await;
    let outcomes = h.drain().await;
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    for chat in ["10", "11", "12"] {
        let texts = h.texts(chat);
        assert_eq!(texts.len(), 1, "an edit, not a second message");
        assert!(
            texts[0].starts_with("Dam breach near Kaspiysk") && texts[0].contains("Updated "),
            "{texts:?}"
        );
    }
    h.platform.fail_next(
        "12",
        [SendError::NotDeletable("message can't be deleted".into())],
    );
    h.t.say("1", "/retract 1 Wrong location").await;
    h.drain().await;
    assert!(h.texts("10").is_empty() && h.texts("11").is_empty());
    assert_eq!(
        h.texts("12"),
        ["Retracted: «Dam breach near Kaspiysk» was withdrawn by the newsroom."]
    );
}

#[tokio::test]
async fn a_retraction_before_delivery_cancels_unsent_copies() {
    let h = telegram().await;
    h.t.say("10", "/subscribe all").await;
    h.post("Premature report", "").await;
    h.t.say("1", "/retract 1").await;
    h.drain().await;
    assert!(h.platform.calls().is_empty());
}

#[tokio::test]
async fn an_edit_before_delivery_sends_the_corrected_text_once() {
    let h = telegram().await;
    h.t.say("10", "/subscribe all").await;
    h.post("Draft headline", "").await;
    h.t.say("1", "/edit 1\ntitle: Final headline").await;
    h.drain().await;
    let calls = h.platform.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(h.texts("10")[0].starts_with("Final headline"));
}

/// Starts the engine loop, waits until a send is in flight, and asks it to stop.
async fn stop_mid_send(h: &Harness) -> tokio::task::JoinHandle<anyhow::Result<()>> {
    h.t.say("10", "/subscribe all").await;
    h.post("Slow platform", "").await;
    let shutdown = CancellationToken::new();
    let engine = tokio::spawn(Arc::clone(&h.engine).run(shutdown.clone()));
    let real = std::time::Instant::now();
    while !h.t.say("1", "/deliveries").await.contains("sending 1") {
        assert!(
            real.elapsed() < Duration::from_secs(20),
            "the engine never took the delivery"
        );
        tokio::task::yield_now().await;
    }
    shutdown.cancel();
    engine
}

#[tokio::test]
async fn a_graceful_stop_lets_a_send_in_flight_finish_within_the_grace_period() {
    let t = spawn_app_at(Clock::system(), |_| {}).await;
    hold_clock();
    let h = harness_with_grace(
        t,
        RatePolicy::telegram(),
        Duration::from_secs(2),
        Duration::from_secs(10),
    )
    .await;
    let engine = stop_mid_send(&h).await;
    // Once the send is really waiting, its 2 s pass; the 10 s grace period is far off.
    h.until_waiting().await;
    // (A millisecond more: tokio rounds a timer's deadline up to its next millisecond.)
    pass(Duration::from_millis(2_001)).await;
    until("the engine to stop once its send finished", || {
        engine.is_finished()
    })
    .await;
    engine.await.unwrap().unwrap();
    assert_eq!(h.platform.delivered(), 1);
    assert!(
        h.t.say("1", "/deliveries")
            .await
            .contains("pending 0, held 0, sending 0, sent 1")
    );
}

#[tokio::test]
async fn a_stop_puts_back_a_send_that_outlives_the_grace_period_and_a_restart_delivers_it_once() {
    let t = spawn_app_at(Clock::system(), |_| {}).await;
    hold_clock();
    let slow = harness_with_grace(
        t,
        RatePolicy::telegram(),
        Duration::from_secs(30),
        Duration::ZERO,
    )
    .await;
    stop_mid_send(&slow).await.await.unwrap().unwrap();
    assert_eq!(slow.platform.delivered(), 0);
    assert!(
        slow.t.say("1", "/deliveries").await.contains("pending 1"),
        "the lease was released"
    );

    let fast = harness_for(slow.t, RatePolicy::telegram(), Duration::ZERO).await;
    fast.drain().await;
    assert_eq!(fast.platform.delivered(), 1);
}

#[tokio::test]
async fn a_platform_that_never_answers_counts_as_a_transient_failure() {
    let t = spawn_app_at(Clock::system(), |_| {}).await;
    hold_clock();
    let h = harness_for(t, RatePolicy::telegram(), Duration::from_secs(3_600)).await;
    h.t.say("10", "/subscribe all").await;
    h.post("Hanging platform", "").await;
    let step = tokio::spawn({
        let engine = Arc::clone(&h.engine);
        async move { engine.try_deliver_next().await.unwrap() }
    });
    // Once the send is really waiting, the engine's send timeout (30 s) passes.
    h.until_waiting().await;
    pass(Duration::from_secs(31)).await;
    until("the send to time out", || step.is_finished()).await;
    assert!(matches!(step.await.unwrap(), Outcome::Rescheduled { .. }));
    assert!(
        h.t.say("1", "/deliveries")
            .await
            .contains("pending 1, held 0, sending 0, sent 0")
    );
}
