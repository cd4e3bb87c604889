use super::*;
use crate::store::RecentSends;

/// The figures below are worked out for a 20 ms margin (wider than the default), so that it
/// shows in every wait.
const MARGIN: Duration = Duration::from_millis(20);

fn telegram() -> Pacer {
    Pacer::new(HashMap::from([(
        Platform::Telegram,
        RatePolicy {
            margin: MARGIN,
            ..RatePolicy::telegram()
        },
    )]))
}

fn slot(platform: Platform, kind: ChatKind, interactive: bool, paid: bool) -> Slot {
    Slot {
        platform,
        kind,
        interactive,
        paid,
    }
}

/// A free broadcast to a private Telegram chat.
const PRIVATE: Slot = Slot {
    platform: Platform::Telegram,
    kind: ChatKind::Private,
    interactive: false,
    paid: false,
};

/// A send answered at once; returns when its chat may be sent to next.
fn send(pacer: &mut Pacer, slot: Slot, chat: i64, at: i64) -> i64 {
    let next = pacer.record(slot, chat, at);
    pacer.done(slot, at, false);
    next
}

#[test]
fn paid_sends_fill_their_own_window_and_leave_the_free_one_to_replies() {
    let mut pacer = Pacer::new(HashMap::from([(
        Platform::Telegram,
        RatePolicy {
            margin: MARGIN,
            ..RatePolicy::telegram_paid()
        },
    )]));
    let paid = Slot {
        paid: true,
        ..PRIVATE
    };
    assert_eq!(pacer.wait(Platform::Telegram, 0), Duration::ZERO);
    // 1,000 a second in total, of which the free window's 30 are left to free sends.
    for i in 0..970 {
        assert_eq!(pacer.paid_wait(Platform::Telegram, 0), Some(Duration::ZERO));
        send(&mut pacer, paid, i, 0);
    }
    // The paid window is full until the first send leaves it (plus the margin)...
    assert_eq!(
        pacer.paid_wait(Platform::Telegram, 500),
        Some(Duration::from_millis(520))
    );
    // ...while the free window is untouched, so replies may still go: all 30 of them, and
    // the platform's count of 1,000 a second is still not exceeded.
    for i in 0..30 {
        assert_eq!(pacer.wait(Platform::Telegram, 500), Duration::ZERO);
        let reply = Slot {
            interactive: true,
            ..PRIVATE
        };
        pacer.record(reply, 2_000 + i, 500);
    }
    assert!(pacer.wait(Platform::Telegram, 500) > Duration::ZERO);
    assert_eq!(telegram().paid_wait(Platform::Telegram, 0), None);
}

#[test]
fn a_send_counts_until_a_window_after_its_answer() {
    let mut pacer = telegram();
    for i in 0..30 {
        pacer.record(PRIVATE, i, 0);
    }
    assert_eq!(pacer.headroom(Platform::Telegram, 0), 0);
    // Unanswered, the sends hold the window however long they take.
    assert!(pacer.wait(Platform::Telegram, 5_000) > Duration::ZERO);
    // Answered 300 ms after they started (the platform may have counted them as late as
    // that): the window frees up a window and the margin after the answers.
    for _ in 0..30 {
        pacer.done(PRIVATE, 300, false);
    }
    assert_eq!(
        pacer.wait(Platform::Telegram, 1_000),
        Duration::from_millis(320)
    );
    assert_eq!(pacer.wait(Platform::Telegram, 1_320), Duration::ZERO);
    // Broadcasts start half a window's count per half window (see the next test).
    assert_eq!(pacer.headroom(Platform::Telegram, 1_320), 15);
}

#[test]
fn broadcasts_spread_over_the_window_and_leave_replies_room() {
    let mut pacer = telegram();
    for i in 0..15 {
        assert_eq!(pacer.broadcast_wait(Platform::Telegram, 0), Duration::ZERO);
        pacer.record(PRIVATE, i, 0);
        pacer.done(PRIVATE, 10, false);
    }
    // Half the count went at once: the rest of the window waits for the second half...
    assert_eq!(
        pacer.broadcast_wait(Platform::Telegram, 10),
        Duration::from_millis(490)
    );
    // ...while a reader's reply goes now.
    assert_eq!(pacer.wait(Platform::Telegram, 10), Duration::ZERO);
    let reply = Slot {
        interactive: true,
        ..PRIVATE
    };
    pacer.record(reply, 100, 10);
    pacer.done(reply, 20, false);
    for i in 0..14 {
        assert_eq!(
            pacer.broadcast_wait(Platform::Telegram, 500),
            Duration::ZERO
        );
        pacer.record(PRIVATE, 200 + i, 500);
    }
    // The free window is full (15 + 1 + 14): the next broadcast waits for it, not the half.
    assert_eq!(
        pacer.broadcast_wait(Platform::Telegram, 500),
        Duration::from_millis(530)
    );
}

#[test]
fn a_full_window_frees_up_with_its_oldest_answer_while_others_are_in_flight() {
    let mut pacer = telegram();
    for i in 0..30 {
        pacer.record(PRIVATE, i, 0);
    }
    pacer.done(PRIVATE, 100, false);
    // 29 in flight and one answered at 100: room a window and the margin after that answer.
    assert_eq!(
        pacer.wait(Platform::Telegram, 200),
        Duration::from_millis(920)
    );
}

#[test]
fn groups_are_forgotten_a_window_after_their_last_send() {
    let mut pacer = telegram();
    assert!(
        !pacer.knows_group(-100, 0),
        "right after a start, a group may have sent"
    );
    let group = slot(Platform::Telegram, ChatKind::Group, false, false);
    send(&mut pacer, group, -100, 0);
    assert!(pacer.knows_group(-100, 10));
    // A thousand sends later, past every group window, the group's log is dropped...
    for i in 0..PRUNE_EVERY as i64 {
        send(&mut pacer, PRIVATE, i, 120_000 + i);
    }
    assert!(!pacer.groups.contains_key(&-100));
    // ...and an unknown group is known to be empty, the pacer having run a whole window.
    assert!(pacer.knows_group(-100, 130_000));
}

#[test]
fn groups_take_at_most_their_share_of_the_window() {
    let mut pacer = telegram();
    let group = slot(Platform::Telegram, ChatKind::Group, false, false);
    // 5 % of 30 a second: one.
    assert!(pacer.groups_allowed(Platform::Telegram, 0));
    send(&mut pacer, group, -100, 0);
    assert!(!pacer.groups_allowed(Platform::Telegram, 10));
    // Private sends do not count against it, and the share frees up with the window.
    send(&mut pacer, PRIVATE, 5, 11);
    assert!(pacer.groups_allowed(Platform::Telegram, 1_030));
}

#[test]
fn the_total_window_admits_thirty_then_waits_for_the_oldest_to_expire() {
    let mut pacer = telegram();
    for i in 0..30 {
        assert_eq!(pacer.wait(Platform::Telegram, i * 10), Duration::ZERO);
        send(&mut pacer, PRIVATE, i, i * 10);
    }
    assert_eq!(
        pacer.wait(Platform::Telegram, 300),
        Duration::from_millis(720)
    );
    assert_eq!(pacer.wait(Platform::Telegram, 1_020), Duration::ZERO);
}

#[test]
fn a_private_chat_waits_a_second_and_a_group_also_twenty_per_minute() {
    let mut pacer = telegram();
    assert_eq!(
        send(&mut pacer, PRIVATE, 1, 0),
        1_020,
        "a second and the margin"
    );
    let group = slot(Platform::Telegram, ChatKind::Group, false, false);
    let mut next = 0;
    for n in 0..20 {
        next = send(&mut pacer, group, 2, n * 1_000);
    }
    assert_eq!(next, 60_020);
}

#[test]
fn replies_take_at_most_their_share_of_the_window() {
    let mut pacer = telegram();
    let reply = slot(Platform::Telegram, ChatKind::Private, true, false);
    for i in 0..9 {
        assert!(pacer.interactive_allowed(Platform::Telegram, i));
        send(&mut pacer, reply, i, i);
    }
    assert!(
        !pacer.interactive_allowed(Platform::Telegram, 10),
        "33% of 30 is 9"
    );
    assert!(
        pacer.interactive_allowed(Platform::Telegram, 1_100),
        "a new window"
    );
}

#[test]
fn a_platform_wide_retry_after_blocks_every_send() {
    let mut pacer = telegram();
    pacer.refused(Platform::Telegram, Duration::from_secs(5), 0, 0);
    assert_eq!(
        pacer.wait(Platform::Telegram, 1_000),
        Duration::from_secs(4)
    );
}

#[test]
fn after_a_platform_wide_wait_one_probe_goes_and_the_rest_wait_for_its_answer() {
    let mut pacer = Pacer::new(HashMap::from([(Platform::Matrix, RatePolicy::unlimited())]));
    let room = slot(Platform::Matrix, ChatKind::Room, false, false);
    pacer.refused(Platform::Matrix, Duration::from_secs(5), 0, 0);
    assert_eq!(pacer.wait(Platform::Matrix, 5_000), Duration::ZERO);
    pacer.record(room, 1, 5_000);
    assert!(
        pacer.wait(Platform::Matrix, 5_001) > Duration::ZERO,
        "the probe is out"
    );
    // Within a window of the wait, sends go one at a time.
    pacer.done(room, 5_100, false);
    assert_eq!(pacer.wait(Platform::Matrix, 5_100), Duration::ZERO);
    pacer.record(room, 2, 5_100);
    assert!(
        pacer.wait(Platform::Matrix, 5_101) > Duration::ZERO,
        "one at a time"
    );
    // A window later, as many as the policy allows.
    pacer.done(room, 6_100, false);
    send(&mut pacer, room, 3, 6_100);
    send(&mut pacer, room, 4, 6_100);
    assert_eq!(
        pacer.wait(Platform::Matrix, 6_101),
        Duration::ZERO,
        "no probe now"
    );
}

proptest::proptest! {
    /// Whatever the mix of chats, kinds, replies and timing, and however late within its round
    /// trip the platform counts each send, a sender that only sends when the pacer allows never
    /// puts more than the limit in any window of the bot; chats and groups keep their own.
    #[test]
    fn sends_the_pacer_allows_never_exceed_any_window(
        offers in proptest::collection::vec(
            (0i64..40, 0u8..3, proptest::bool::ANY, 0i64..40, 0i64..400, 0u8..=100),
            1..400,
        )
    ) {
        let mut pacer = telegram();
        // When each chat may be sent to next: as the pacer says, and not before its last send
        // was answered (the engine keeps one send per chat out).
        let mut chat_ready: HashMap<i64, i64> = HashMap::new();
        // (when the platform counted it, chat, to a group)
        let mut counted: Vec<(i64, i64, bool)> = Vec::new();
        let mut answers: Vec<(i64, Slot, Counted)> = Vec::new();
        let mut now = 0;
        for (chat, kind, reply, gap, latency, arrival) in offers {
            now += gap;
            answers.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
            while answers.last().is_some_and(|(at, _, _)| *at <= now) {
                if let Some((at, slot, sent)) = answers.pop() {
                    pacer.done(slot, at, false);
                    if let Some(hold) = pacer.answered(sent, at, true) {
                        let ready = chat_ready.entry(sent.chat).or_default();
                        *ready = (*ready).max(hold);
                    }
                }
            }
            let kind = [ChatKind::Private, ChatKind::Group, ChatKind::Channel][kind as usize];
            let chat = if kind == ChatKind::Private { chat } else { -1 - chat };
            let this = slot(Platform::Telegram, kind, reply, false);
            let answered = answers.iter().all(|(_, _, sent)| sent.chat != chat);
            if pacer.wait(Platform::Telegram, now).is_zero() && answered && chat_ready.get(&chat).is_none_or(|t| *t <= now) {
                let next = pacer.record(this, chat, now);
                chat_ready.insert(chat, next);
                counted.push((now + latency * i64::from(arrival) / 100, chat, kind != ChatKind::Private));
                let sent = Counted { platform: Platform::Telegram, chat, kind, started: now, next };
                answers.push((now + latency, this, sent));
            }
        }
        counted.sort_unstable();
        for (i, (t, _, _)) in counted.iter().enumerate() {
            let in_second = counted[i..].iter().take_while(|(u, _, _)| *u < t + 1_000).count();
            proptest::prop_assert!(in_second <= 30, "{in_second} in a second from {t}");
        }
        // Chats and groups count by arrival too.
        for (chat, group) in counted.iter().map(|(_, c, g)| (*c, *g)).collect::<std::collections::BTreeSet<_>>() {
            let times: Vec<i64> = counted.iter().filter(|(_, c, _)| *c == chat).map(|(t, _, _)| *t).collect();
            proptest::prop_assert!(times.windows(2).all(|w| w[1] - w[0] >= 1_000), "chat {chat}: {times:?}");
            if group {
                for (i, t) in times.iter().enumerate() {
                    let in_minute = times[i..].iter().take_while(|u| **u < t + 60_000).count();
                    proptest::prop_assert!(in_minute <= 20, "group {chat}: {in_minute} in a minute");
                }
            }
        }
    }
}

/// Synapse's `rc_message` check (synapse/api/ratelimiting.py): the count decays at `rate` per
/// second and an action is allowed while the decayed count plus one stays within `burst`.
struct SynapseLimiter {
    count: f64,
    start: i64,
}

impl SynapseLimiter {
    fn allows(&mut self, at: i64, burst: f64, rate: f64) -> bool {
        let mut performed = self.count - (at - self.start) as f64 / 1_000.0 * rate;
        if performed < 0.0 {
            performed = 0.0;
            self.start = at;
            self.count = 0.0;
        }
        if performed + 1.0 > burst + 1e-9 {
            return false;
        }
        self.count = performed + 1.0;
        self.start = at;
        // Synapse keeps the count against a moving start: what decayed is gone.
        true
    }

    /// The retry_after_ms Synapse answers a refusal at `at` with: until the count has decayed
    /// to leave room for one.
    fn retry_after(&self, at: i64, burst: f64, rate: f64) -> i64 {
        let allowed = self.start as f64 + (self.count - burst + 1.0) * 1_000.0 / rate;
        (allowed - at as f64).max(0.0) as i64
    }
}

#[test]
fn a_homeserver_draining_more_slowly_than_configured_is_learned_from_one_refusal() {
    // Configured: one a second with a burst of ten; the homeserver: Synapse's 0.2/s.
    let policy = RatePolicy {
        margin: Duration::ZERO,
        total: crate::config::Window {
            count: 10,
            window: Duration::from_secs(10),
        },
        ..RatePolicy::matrix()
    };
    let mut pacer = Pacer::new(HashMap::from([(Platform::Matrix, policy)]));
    let room = slot(Platform::Matrix, ChatKind::Room, false, false);
    let mut synapse = SynapseLimiter {
        count: 0.0,
        start: 0,
    };
    let (mut sent, mut refused, mut learned) = (0, 0, Vec::new());
    // Ten minutes of a fan-out, every send answered 100 ms after it starts.
    for now in (0..600_000).step_by(10) {
        if pacer.broadcast_wait(Platform::Matrix, now) > Duration::ZERO {
            continue;
        }
        pacer.record(room, sent, now);
        let answer = now + 100;
        if synapse.allows(now + 50, 10.0, 0.2) {
            sent += 1;
            pacer.done(room, answer, false);
        } else {
            refused += 1;
            pacer.done(room, answer, true);
            let after = synapse.retry_after(now + 50, 10.0, 0.2);
            let after = Duration::from_millis(after as u64);
            learned.extend(pacer.refused(Platform::Matrix, after, now, answer));
        }
    }
    assert_eq!(
        refused, 1,
        "one refusal teaches the pacer the homeserver's pace"
    );
    assert_eq!(learned.len(), 1);
    assert!(learned[0] > Duration::from_millis(4_800), "{learned:?}");
    // What the homeserver allows in ten minutes is 10 + 600 / 5 = 130; nearly all of it went.
    assert!(sent >= 120, "{sent} sent");
    // A refusal the configured drain explains (ten answered at once fill Synapse's bucket)
    // teaches nothing.
    let policy = RatePolicy {
        margin: Duration::ZERO,
        ..RatePolicy::matrix()
    };
    let mut pacer = Pacer::new(HashMap::from([(Platform::Matrix, policy)]));
    for chat in 0..10 {
        send(&mut pacer, room, chat, 0);
    }
    assert_eq!(
        pacer.refused(Platform::Matrix, Duration::from_millis(4_900), 100, 100),
        None
    );
    // Telegram's windows learn nothing from a 429.
    assert_eq!(
        telegram().refused(Platform::Telegram, Duration::from_secs(30), 0, 0),
        None
    );
}

#[test]
fn matrix_sends_a_burst_then_one_per_drain_and_keeps_a_token_for_replies() {
    let policy = RatePolicy {
        margin: Duration::ZERO,
        ..RatePolicy::matrix()
    };
    let mut pacer = Pacer::new(HashMap::from([(Platform::Matrix, policy)]));
    let room = slot(Platform::Matrix, ChatKind::Room, false, false);
    let reply = slot(Platform::Matrix, ChatKind::Room, true, false);
    for chat in 0..9 {
        assert_eq!(pacer.broadcast_wait(Platform::Matrix, 0), Duration::ZERO);
        send(&mut pacer, room, chat, 0);
    }
    // The tenth token is the replies'.
    assert!(pacer.broadcast_wait(Platform::Matrix, 0) > Duration::ZERO);
    assert_eq!(pacer.wait(Platform::Matrix, 0), Duration::ZERO);
    send(&mut pacer, reply, 100, 0);
    // Full: the next broadcast when two tokens have drained (one stays the replies'), then
    // one every 5 s.
    assert_eq!(
        pacer.broadcast_wait(Platform::Matrix, 0),
        Duration::from_millis(10_000)
    );
    assert_eq!(pacer.headroom(Platform::Matrix, 10_000), 1);
    send(&mut pacer, room, 9, 10_000);
    assert_eq!(
        pacer.broadcast_wait(Platform::Matrix, 10_000),
        Duration::from_millis(5_000)
    );
}

proptest::proptest! {
    /// However late within its round trip the homeserver counts each send, and whatever the
    /// mix of replies and broadcasts, nothing the pacer allows is refused by Synapse's own
    /// check at its default `rc_message` (0.2/s, burst 10).
    #[test]
    fn matrix_sends_the_pacer_allows_never_meet_synapses_limit(
        offers in proptest::collection::vec(
            (proptest::bool::ANY, 0i64..4_000, 0i64..3_000, 0u8..=100),
            1..120,
        )
    ) {
        let mut pacer = Pacer::new(HashMap::from([(Platform::Matrix, RatePolicy::matrix())]));
        let mut answers: Vec<(i64, Slot)> = Vec::new();
        let mut arrivals: Vec<i64> = Vec::new();
        let mut now = 0;
        for (chat, (reply, gap, latency, arrival)) in offers.into_iter().enumerate() {
            now += gap;
            answers.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
            while answers.last().is_some_and(|(at, _)| *at <= now) {
                if let Some((at, slot)) = answers.pop() {
                    pacer.done(slot, at, false);
                }
            }
            let this = slot(Platform::Matrix, ChatKind::Room, reply, false);
            let wait = if reply {
                pacer.wait(Platform::Matrix, now)
            } else {
                pacer.broadcast_wait(Platform::Matrix, now)
            };
            if wait.is_zero() {
                pacer.record(this, chat as i64, now);
                arrivals.push(now + latency * i64::from(arrival) / 100);
                answers.push((now + latency, this));
            }
        }
        arrivals.sort_unstable();
        let mut synapse = SynapseLimiter { count: 0.0, start: 0 };
        for at in arrivals {
            proptest::prop_assert!(synapse.allows(at, 10.0, 0.2), "refused at {at}");
        }
    }
}

#[test]
fn a_restarted_pacer_counts_the_last_process_sends_and_honours_its_retry_after() {
    let mut pacer = telegram();
    let sends = RecentSends {
        answered: vec![100; 20],
        blocked_until: None,
    };
    // Started at 500: twenty answered at 100 and ten that may have landed as late as now.
    pacer.restore(Platform::Telegram, &sends, 10, 500);
    assert_eq!(
        pacer.wait(Platform::Telegram, 500),
        Duration::from_millis(620)
    );
    let mut pacer = telegram();
    let blocked = RecentSends {
        blocked_until: Some(30_000),
        ..RecentSends::default()
    };
    pacer.restore(Platform::Telegram, &blocked, 0, 500);
    assert_eq!(
        pacer.wait(Platform::Telegram, 500),
        Duration::from_millis(29_500)
    );
    // A wait that ended before the restart holds nothing.
    let mut pacer = telegram();
    pacer.restore(Platform::Telegram, &blocked, 0, 31_000);
    assert_eq!(pacer.wait(Platform::Telegram, 31_000), Duration::ZERO);
}

#[test]
fn after_a_process_that_died_with_sends_out_the_first_send_goes_alone() {
    let mut pacer = telegram();
    pacer.restore(Platform::Telegram, &RecentSends::default(), 3, 10_000);
    let slot = Slot {
        platform: Platform::Telegram,
        kind: ChatKind::Private,
        interactive: false,
        paid: false,
    };
    assert_eq!(pacer.wait(Platform::Telegram, 10_000), Duration::ZERO);
    pacer.record(slot, 1, 10_000);
    assert!(
        pacer.wait(Platform::Telegram, 10_000) > Duration::ZERO,
        "nothing else starts before the first send is answered"
    );
    pacer.done(slot, 10_040, false);
    assert_eq!(pacer.wait(Platform::Telegram, 10_040), Duration::ZERO);
}

#[test]
fn a_restarted_matrix_pacer_refills_the_bucket_from_the_last_process_sends() {
    let policy = RatePolicy {
        margin: Duration::ZERO,
        ..RatePolicy::matrix()
    };
    let mut pacer = Pacer::new(HashMap::from([(Platform::Matrix, policy)]));
    // Eight answered at 0 and two out when the last process stopped: the bucket is full.
    let sends = RecentSends {
        answered: vec![0; 8],
        blocked_until: None,
    };
    pacer.restore(Platform::Matrix, &sends, 2, 1_000);
    // Full until one token drains (a reply: 5 s after 0, and a second has passed), two for a
    // broadcast (one stays the replies').
    assert_eq!(
        pacer.wait(Platform::Matrix, 1_000),
        Duration::from_millis(4_000)
    );
    assert_eq!(
        pacer.broadcast_wait(Platform::Matrix, 1_000),
        Duration::from_millis(9_000)
    );
}
