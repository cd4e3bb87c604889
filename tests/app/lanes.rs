//! Priority lanes: replies, corrections and breaking news overtake a running broadcast, within
//! the same rate limits (tokio's paused clock, held; see `delivery::hold_clock`).

use std::time::Duration;

use herald::app::{ChatInfo, Invocation, Sender};
use herald::clock::Clock;
use herald::delivery::{Outcome, RatePolicy};
use herald::domain::{ChatKind, Language, Platform};
use herald::platform::memory::{Call, CallKind};

use crate::delivery::{Harness, harness_at, hold_clock, pass};

/// A harness whose `chats` private chats (ids 100000…) follow all news.
async fn broadcast_audience(chats: usize) -> Harness {
    let h = harness_at(Clock::system(), RatePolicy::telegram(), Duration::ZERO).await;
    for n in 0..chats {
        h.t.say(&(100_000 + n).to_string(), "/subscribe all").await;
    }
    hold_clock();
    h
}

impl Harness {
    /// One engine step, waiting (in held time) when it must. Returns the outcome.
    async fn step(&self) -> Outcome {
        let outcome = self.engine.try_deliver_next().await.unwrap();
        match outcome {
            Outcome::Throttled { wait } => pass(wait).await,
            Outcome::Idle => pass(Duration::from_millis(20)).await,
            _ => {}
        }
        outcome
    }

    /// Steps until `n` more deliveries were acknowledged.
    async fn deliver(&self, n: usize) {
        let mut done = 0;
        while done < n {
            if matches!(self.step().await, Outcome::Delivered { .. }) {
                done += 1;
            }
        }
    }

    /// `user` writes `text` in their private chat, answered through the engine.
    async fn command(&self, user: &str, text: &str) {
        let invocation = Invocation {
            platform: Platform::Telegram,
            chat: ChatInfo {
                native_id: user.into(),
                kind: ChatKind::Private,
                title: String::new(),
            },
            sender: Sender {
                native_id: user.into(),
                display_name: String::new(),
                language: Some(Language::En),
            },
            text: text.into(),
            marks: Vec::new(),
            reply_to: None,
            message_id: None,
            edited: false,
            photo: None,
        };
        self.t
            .app
            .submit(&invocation)
            .await
            .unwrap()
            .expect("a reply");
    }
}

/// No second holds more than 30 sends, edits and deletions together.
fn assert_within_limit(calls: &[Call]) {
    for (i, call) in calls.iter().enumerate() {
        let in_window = calls[i..]
            .iter()
            .take_while(|c| c.at_ms < call.at_ms + 1_000)
            .count();
        assert!(
            in_window <= 30,
            "{in_window} calls within one second from {}",
            call.at_ms
        );
    }
}

#[tokio::test]
async fn a_reply_goes_out_within_one_window_while_ten_thousand_chats_are_being_served() {
    let h = broadcast_audience(10_000).await;
    h.post("Broadcast to everyone", "").await;
    h.deliver(300).await;
    let asked = h.engine.clock().now_ms();
    h.command("100500", "/latest").await;
    let reply = loop {
        h.step().await;
        let calls = h.platform.calls();
        if let Some(reply) = calls
            .iter()
            .find(|c| c.chat == "100500" && c.text.starts_with("Latest news"))
        {
            break reply.clone();
        }
        assert!(
            h.engine.clock().now_ms() - asked < 5_000,
            "no reply after 5 s"
        );
    };
    // One window of the total limit at most, plus the pacer's 20 ms cushion against jitter.
    assert!(
        reply.at_ms - asked <= 1_020,
        "the reply took {} ms",
        reply.at_ms - asked
    );
    assert_within_limit(&h.platform.calls());
}

#[tokio::test]
async fn a_correction_and_a_breaking_story_overtake_the_routine_backlog() {
    let h = broadcast_audience(1_000).await;
    h.post("Routine story", "").await;
    h.deliver(200).await;
    let cut = h.platform.calls().len();
    h.t.say("1", "/edit 1\ntitle: Routine story, corrected")
        .await;
    h.t.say("1", "/post\ntitle: Breaking story\nbreaking: yes")
        .await;
    h.drain().await;
    let calls = h.platform.calls();
    assert_within_limit(&calls);
    let after = &calls[cut..];
    let first_routine = after
        .iter()
        .position(|c| c.kind == CallKind::Send && c.text.starts_with("Routine story"))
        .expect("the routine broadcast resumes");
    let edits = after.iter().filter(|c| c.kind == CallKind::Edit).count();
    let breaking = after
        .iter()
        .filter(|c| c.text.starts_with("Breaking story"))
        .count();
    assert_eq!(edits, 200, "every copy already delivered is corrected");
    assert_eq!(breaking, 1_000, "the breaking story reaches every chat");
    let last_priority = after
        .iter()
        .rposition(|c| c.kind == CallKind::Edit || c.text.starts_with("Breaking story"))
        .unwrap();
    assert!(
        last_priority < first_routine,
        "corrections and breaking news all went before the routine backlog"
    );
    assert_eq!(h.platform.delivered(), 2_000);
}

#[tokio::test]
async fn a_flood_of_commands_takes_only_its_share_and_every_command_is_answered() {
    let h = broadcast_audience(600).await;
    h.post("Broadcast during a flood", "").await;
    h.deliver(60).await;
    let start = h.engine.clock().now_ms();
    for n in 0..100 {
        h.command(&(100_000 + n).to_string(), "/subscriptions")
            .await;
    }
    h.drain().await;
    let calls = h.platform.calls();
    assert_within_limit(&calls);
    let replies: Vec<&Call> = calls
        .iter()
        .filter(|c| c.text.starts_with("This chat receives"))
        .collect();
    assert_eq!(replies.len(), 100, "none dropped");
    let first_second = calls
        .iter()
        .filter(|c| c.at_ms >= start && c.at_ms < start + 1_000);
    let (answers, broadcast): (Vec<&Call>, Vec<&Call>) =
        first_second.partition(|c| c.text.starts_with("This chat receives"));
    assert!(
        answers.len() <= 10,
        "{} replies in the first second",
        answers.len()
    );
    assert!(
        broadcast.len() >= 15,
        "the broadcast kept going: {} in the first second",
        broadcast.len()
    );
    assert_eq!(h.platform.delivered(), 700);
}
