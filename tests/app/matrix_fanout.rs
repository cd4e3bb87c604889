//! A fan-out to 20 rooms with Synapse's default message limit on for herald (0.2/s, burst
//! 10): paced as that bucket, nothing is refused, across a restart too; told a faster limit
//! than the homeserver keeps, the engine learns the homeserver's pace from its first
//! M_LIMIT_EXCEEDED, sends nothing before retry_after_ms, and loses nothing.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use herald::app::{ChatInfo, Invocation, Sender};
use herald::config::Window;
use herald::delivery::RatePolicy;
use herald::delivery::{Destination, Outbound, Part, Post, SendError};
use herald::domain::{ChatKind, Platform};

use crate::mx::{Herald, Person, Setup, What, exempt};

const ROOMS: usize = 20;

/// One call to the platform as the engine made it.
#[derive(Debug, Clone)]
struct Call {
    started: Instant,
    ended: Instant,
    /// The wait the homeserver asked for, if it refused.
    wait: Option<Duration>,
}

/// Watches every call the engine makes through the Matrix outbound.
struct Watch {
    inner: Arc<dyn Outbound>,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Watch {
    fn record<T>(&self, started: Instant, result: &Result<T, SendError>) {
        let wait = match result {
            Err(SendError::RetryAfter { after, .. }) => Some(*after),
            _ => None,
        };
        self.calls.lock().unwrap().push(Call {
            started,
            ended: Instant::now(),
            wait,
        });
    }
}

#[async_trait]
impl Outbound for Watch {
    async fn send_part(
        &self,
        to: &Destination,
        post: &Post,
        part: usize,
    ) -> Result<Part, SendError> {
        let started = Instant::now();
        let result = self.inner.send_part(to, post, part).await;
        self.record(started, &result);
        result
    }

    async fn edit(&self, to: &Destination, ids: &[String], post: &Post) -> Result<(), SendError> {
        let started = Instant::now();
        let result = self.inner.edit(to, ids, post).await;
        self.record(started, &result);
        result
    }

    async fn delete(
        &self,
        to: &Destination,
        ids: &[String],
        reason: &str,
    ) -> Result<(), SendError> {
        let started = Instant::now();
        let result = self.inner.delete(to, ids, reason).await;
        self.record(started, &result);
        result
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fan_out_to_20_rooms_paced_as_synapses_bucket_is_never_refused_and_answers_a_reader() {
    let (refused, _) = fan_out(RatePolicy::matrix(), true, None).await;
    assert_eq!(
        refused, 0,
        "paced as Synapse's own bucket, nothing is refused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fan_out_stopped_and_restarted_midway_continues_the_bucket_without_a_refusal() {
    let (refused, _) = fan_out(RatePolicy::matrix(), false, Some(8)).await;
    assert_eq!(refused, 0, "the new process counts the old one's sends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn told_a_faster_limit_than_the_homeserver_keeps_herald_learns_its_pace_from_one_refusal() {
    // One a second with a burst of ten: five times what Synapse allows.
    let faster = RatePolicy {
        total: Window {
            count: 10,
            window: Duration::from_secs(10),
        },
        ..RatePolicy::matrix()
    };
    let (refused, deliveries) = fan_out(faster, false, None).await;
    assert!(
        (1..=2).contains(&refused),
        "{refused} refusals: the first teaches herald the homeserver's pace"
    );
    assert!(
        deliveries.contains("more slowly than configured: one every")
            && deliveries.contains("(configured: 1.0 s)"),
        "/deliveries names the learned pace: {deliveries}"
    );
}

/// Sets up 20 subscribed rooms (exempt from the limit), restarts herald with `limits` and the
/// limit on, publishes one article and checks every room gets exactly one copy and no call
/// went out before a wait the homeserver asked for; with `reader_asks`, a reader's `!latest`
/// 5 s into the fan-out is answered; with `restart_after`, herald is stopped (as by SIGTERM)
/// and started again once that many rooms have their copy. Returns how many calls were refused
/// and what `!deliveries` answered the owner at the end.
async fn fan_out(
    limits: RatePolicy,
    reader_asks: bool,
    restart_after: Option<usize>,
) -> (usize, String) {
    let owner = Person::new("owner").await;
    let setup = Setup {
        inviters: vec![owner.id().to_string()],
        owners: vec![format!("matrix:{}", owner.id())],
        limits: None,
        wrap: None,
    };
    let herald = Herald::start(setup).await;
    let h = herald.id().to_string();
    let mut rooms = Vec::new();
    for n in 0..ROOMS {
        rooms.push(
            owner
                .create_room(&format!("Reader room {n}"), false, &[&h])
                .await,
        );
    }
    for room in &rooms {
        owner.message_from(&h, room, "Welcome").await;
        let chat = herald
            .app
            .store()
            .chat_id(Platform::Matrix, room.as_str())
            .await
            .unwrap()
            .expect("herald stored the room it joined");
        herald.app.store().subscribe(chat, None).await.unwrap();
    }
    let welcomed = tokio::time::Instant::now();
    let (account, dir) = herald.stop().await;
    exempt(&h, false).await;
    // The greetings went out while herald was exempt, but a restarted herald counts every
    // send of the last bucket's length (50 s) as Synapse would: let them drain first.
    tokio::time::sleep_until(welcomed + Duration::from_secs(51)).await;

    let calls = Arc::new(Mutex::new(Vec::new()));
    let watched = Arc::clone(&calls);
    let wrap = move |inner: Arc<dyn Outbound>| -> Arc<dyn Outbound> {
        Arc::new(Watch {
            inner,
            calls: Arc::clone(&watched),
        })
    };
    let wrap: herald::application::WrapOutbound = Arc::new(wrap);
    let setup = || Setup {
        inviters: vec![owner.id().to_string()],
        owners: vec![format!("matrix:{}", owner.id())],
        limits: Some(limits),
        wrap: Some(Arc::clone(&wrap)),
    };
    let mut herald = Some(Herald::run(account, dir, setup()).await);
    let command = |text: &str| Invocation {
        platform: Platform::Matrix,
        chat: ChatInfo {
            native_id: rooms[0].to_string(),
            kind: ChatKind::Room,
            title: "Reader room 0".into(),
        },
        sender: Sender {
            native_id: owner.id().to_string(),
            display_name: "Owner".into(),
            language: None,
        },
        text: text.into(),
        marks: Vec::new(),
        reply_to: None,
        message_id: None,
        edited: false,
        photo: None,
    };
    let post = command(
        "!post\ntitle: Storm warning for the coast\n\nWind up to 30 m/s is expected tonight.",
    );
    // Published through the app directly, so the editor's own answer takes no message.
    let published = Instant::now();
    let app = herald.as_ref().expect("running").app.clone();
    let answer = app.handle(&post).await.expect("an answer");
    assert!(format!("{answer:?}").contains("Published"), "{answer:?}");
    if reader_asks {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let asked = Instant::now();
        owner.ask(&h, &rooms[1], "!latest", "Storm warning").await;
        eprintln!(
            "a !latest sent {:.1} s into the fan-out was answered after {:.1} s",
            (asked - published).as_secs_f64(),
            asked.elapsed().as_secs_f64()
        );
    }

    // Paced as the bucket: 9 at once (a token stays for replies), then one every 5 s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(400);
    let copies = |owner: &Person| -> Vec<usize> {
        let seen = owner.seen();
        rooms
            .iter()
            .map(|room| {
                seen.iter()
                    .filter(|s| {
                        s.room == *room
                            && s.sender.as_str() == h
                            && matches!(&s.what, What::Message { msgtype, body, replaces: None, .. }
                                if msgtype == "m.text" && body.contains("Storm warning"))
                    })
                    .count()
            })
            .collect()
    };
    let mut restart_after = restart_after;
    while copies(&owner).contains(&0) && tokio::time::Instant::now() < deadline {
        let arrived = copies(&owner).iter().filter(|n| **n > 0).count();
        if restart_after.is_some_and(|n| arrived >= n) {
            restart_after = None;
            let (account, dir) = herald.take().expect("running").stop().await;
            herald = Some(Herald::run(account, dir, setup()).await);
            eprintln!("restarted with {arrived} rooms served");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(copies(&owner), vec![1; ROOMS], "one copy in every room");

    let calls = calls.lock().unwrap().clone();
    let refused: Vec<&Call> = calls.iter().filter(|c| c.wait.is_some()).collect();
    for refusal in &refused {
        let allowed = refusal.ended + refusal.wait.unwrap();
        for call in calls.iter().filter(|c| c.started > refusal.ended) {
            // The engine's clock counts whole milliseconds.
            assert!(
                call.started + Duration::from_millis(2) >= allowed,
                "a send {:?} before retry_after ran out",
                allowed - call.started
            );
        }
    }
    let first = calls.iter().map(|c| c.started).min().unwrap();
    let last = calls.iter().map(|c| c.ended).max().unwrap();
    let arrivals: Vec<String> = calls
        .iter()
        .filter(|c| c.wait.is_none())
        .map(|c| format!("{:.1}", (c.ended - first).as_secs_f64()))
        .collect();
    let refusals: Vec<String> = refused
        .iter()
        .map(|c| {
            format!(
                "at {:.1} s (round trip {:.2} s, wait {:.1} s)",
                (c.ended - first).as_secs_f64(),
                (c.ended - c.started).as_secs_f64(),
                c.wait.unwrap_or_default().as_secs_f64()
            )
        })
        .collect();
    eprintln!(
        "fan-out to {ROOMS} rooms: {} sends, {} refused with M_LIMIT_EXCEEDED {refusals:?}, {:.1} s; answered at {} s",
        calls.len() - refused.len(),
        refused.len(),
        (last - first).as_secs_f64(),
        arrivals.join(", ")
    );
    // Through the app directly: the answer is read, not sent.
    let app = herald.as_ref().expect("running").app.clone();
    let deliveries = app.handle(&command("!deliveries")).await;
    (refused.len(), format!("{deliveries:?}"))
}
