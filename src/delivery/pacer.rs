//! The pacer that keeps herald under each platform's rate policy.
//!
//! Telegram counts messages in sliding windows (about 30 per second per bot, 1 per second per
//! chat, 20 per minute per group or channel), so the pacer keeps a log of recent send times and
//! never starts a send that would put a window over its count. It does not learn limits from
//! 429s; a 429 that still comes is honoured exactly and counted as a defect.
//!
//! With paid broadcasts on, article sends the engine chooses to pay for go in a second, wider
//! window that counts every message (free and paid), while the free window keeps counting the
//! free ones alone: replies, edits and notices never pay, and keep their own 30 a second.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::config::RatePolicy;
use crate::domain::{ChatKind, Platform};

#[derive(Debug, Default)]
struct PlatformState {
    /// Free send times within the total window, oldest first.
    recent: VecDeque<i64>,
    /// Every send time (free and paid) within the paid window, when paid broadcasts are on.
    all: VecDeque<i64>,
    /// The same for replies to commands only.
    interactive: VecDeque<i64>,
    /// The same for sends to groups and channels.
    shared: VecDeque<i64>,
    /// A platform-wide retry_after.
    blocked_until: i64,
    probe: Probe,
}

/// After a platform-wide wait, one send probes whether the platform takes sends again and the
/// rest wait for its answer: a limit the pacer did not know about (a homeserver configured
/// stricter than `limits.matrix`) then costs one refusal per wait, not one per send in flight.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Probe {
    #[default]
    Off,
    /// The next send is the probe.
    Armed,
    /// The probe is out; nothing else goes until it is answered.
    Out,
}

/// How often the engine looks again while a probe is out.
const PROBE_POLL: Duration = Duration::from_millis(50);

/// In-memory rate state. The per-chat part is mirrored into `chats.send_after` by the engine,
/// so the database only offers chats that may be sent to.
#[derive(Debug, Default)]
pub struct Pacer {
    policies: HashMap<Platform, RatePolicy>,
    platforms: HashMap<Platform, PlatformState>,
    /// Recent send times per group chat, oldest first (bounded by the group window count);
    /// groups that sent nothing within their window are dropped, so this holds the groups of
    /// the last minute, not every group ever sent to.
    groups: HashMap<i64, VecDeque<i64>>,
    /// When the pacer was first asked about a group: before one group window has passed since,
    /// a group it does not know may have sent before the start.
    since: Option<i64>,
    /// Sends recorded since the groups were last pruned.
    unpruned: u32,
}

/// Sends between prunings of the group windows.
const PRUNE_EVERY: u32 = 1_024;

/// Drops the times that left a window of `full` ms from `log` (oldest first) and returns when
/// the window has room for another send of at most `count` (`now` if it has room already).
fn room_at(log: &mut VecDeque<i64>, count: usize, full: i64, now: i64) -> i64 {
    while log.front().is_some_and(|t| *t + full <= now) {
        log.pop_front();
    }
    if log.len() >= count {
        log[log.len() - count] + full
    } else {
        now
    }
}

/// The wait from `now` until `at`.
fn until(at: i64, now: i64) -> Duration {
    Duration::from_millis((at - now).max(0) as u64)
}

impl PlatformState {
    /// Until when a platform-wide wait (a retry_after, or a probe not yet answered) holds
    /// every send.
    fn held_until(&self, now: i64) -> i64 {
        if self.probe == Probe::Out {
            self.blocked_until.max(now + ms(PROBE_POLL))
        } else {
            self.blocked_until
        }
    }
}

fn ms(d: Duration) -> i64 {
    d.as_millis().min(i64::MAX as u128) as i64
}

impl Pacer {
    /// A pacer for the given platforms' policies, with no sends recorded yet.
    pub fn new(policies: HashMap<Platform, RatePolicy>) -> Pacer {
        Pacer {
            policies,
            ..Pacer::default()
        }
    }

    /// The policy of `platform` (no limits for a platform it was not given).
    pub fn policy(&self, platform: Platform) -> RatePolicy {
        self.policies
            .get(&platform)
            .copied()
            .unwrap_or_else(RatePolicy::unlimited)
    }

    /// How long until the platform may take another send (zero: now). Every send keeps the
    /// margin as a cushion against arrival jitter: requests in flight together reach the
    /// platform a little apart from when they were paced, and a burst of replies under load
    /// showed that without it they overfill a window.
    pub fn wait(&mut self, platform: Platform, now: i64) -> Duration {
        let policy = self.policy(platform);
        let state = self.platforms.entry(platform).or_default();
        let full = ms(policy.total.window + policy.margin);
        let room = room_at(&mut state.recent, policy.total.count, full, now);
        room_at(&mut state.interactive, usize::MAX, full, now);
        room_at(&mut state.shared, usize::MAX, full, now);
        until(state.held_until(now).max(room), now)
    }

    /// How long until a paid broadcast may go (zero: now); `None` when this platform does not
    /// pay for broadcasts. A platform-wide wait holds paid sends too.
    pub fn paid_wait(&mut self, platform: Platform, now: i64) -> Option<Duration> {
        let policy = self.policy(platform);
        let paid = policy.paid?;
        let state = self.platforms.entry(platform).or_default();
        let full = ms(paid.total.window + policy.margin);
        let room = room_at(&mut state.all, paid.total.count, full, now);
        Some(until(state.held_until(now).max(room), now))
    }

    /// How many sends the platform's window takes now (free and paid together), after
    /// [`Pacer::wait`] and [`Pacer::paid_wait`] dropped what left it: how many candidates a
    /// pick needs to read.
    pub fn headroom(&self, platform: Platform) -> usize {
        let policy = self.policy(platform);
        let Some(state) = self.platforms.get(&platform) else {
            return policy.total.count;
        };
        let free = policy.total.count.saturating_sub(state.recent.len());
        let paid = policy
            .paid
            .map_or(0, |p| p.total.count.saturating_sub(state.all.len()));
        free.saturating_add(paid)
    }

    /// Whether replies may take another slot of the current window while other work waits.
    pub fn interactive_allowed(&mut self, platform: Platform, now: i64) -> bool {
        let policy = self.policy(platform);
        self.wait(platform, now);
        let cap = (policy
            .total
            .count
            .saturating_mul(usize::from(policy.interactive_share))
            / 100)
            .max(1);
        self.platforms
            .get(&platform)
            .is_none_or(|s| s.interactive.len() < cap)
    }

    /// Whether groups and channels may take another slot of the current window while
    /// private chats wait.
    pub fn groups_allowed(&mut self, platform: Platform, now: i64) -> bool {
        let policy = self.policy(platform);
        self.wait(platform, now);
        let cap = (policy
            .total
            .count
            .saturating_mul(usize::from(policy.group_share))
            / 100)
            .max(1);
        self.platforms
            .get(&platform)
            .is_none_or(|s| s.shared.len() < cap)
    }

    /// Whether a group's window is known: recorded here, or empty because the pacer has run
    /// for a whole group window (else it is restored from the database after a restart).
    pub fn knows_group(&mut self, chat_id: i64, now: i64) -> bool {
        let since = *self.since.get_or_insert(now);
        let window = self.longest_group_window();
        self.groups.contains_key(&chat_id) || now - since > window
    }

    /// The longest group window of any platform, margin included (ms).
    fn longest_group_window(&self) -> i64 {
        self.policies
            .values()
            .filter_map(|p| p.per_group.map(|g| ms(g.window + p.margin)))
            .max()
            .unwrap_or(0)
    }

    /// Forgets groups whose last send left every group window.
    fn prune_groups(&mut self, now: i64) {
        let window = self.longest_group_window();
        self.groups
            .retain(|_, log| log.back().is_some_and(|last| now - last <= window));
    }

    /// Restores a group's window from its latest send times.
    pub fn restore_group(&mut self, chat_id: i64, mut times: Vec<i64>) {
        times.sort_unstable();
        self.groups.insert(chat_id, times.into());
    }

    /// Records a send starting now (`paid`: as a paid broadcast) and returns when the chat may
    /// be sent to next.
    pub fn record(
        &mut self,
        platform: Platform,
        chat_id: i64,
        kind: ChatKind,
        interactive: bool,
        paid: bool,
        now: i64,
    ) -> i64 {
        let policy = self.policy(platform);
        let state = self.platforms.entry(platform).or_default();
        if state.probe == Probe::Armed {
            state.probe = Probe::Out;
        }
        if policy.paid.is_some() {
            state.all.push_back(now);
        }
        // Paid sends count only in the paid window; the free one is for everything else.
        if !paid {
            state.recent.push_back(now);
            if interactive {
                state.interactive.push_back(now);
            } else if kind != ChatKind::Private {
                state.shared.push_back(now);
            }
        }
        // The margin covers arrival jitter here too: two sends to one chat paced a second apart
        // reach the platform closer together when the first was slower on its way.
        let per_chat = if policy.per_chat_interval.is_zero() {
            0
        } else {
            ms(policy.per_chat_interval + policy.margin)
        };
        let mut next = now + per_chat;
        self.unpruned += 1;
        if self.unpruned >= PRUNE_EVERY {
            self.unpruned = 0;
            self.prune_groups(now);
        }
        if let (Some(group), true) = (policy.per_group, kind != ChatKind::Private) {
            let log = self.groups.entry(chat_id).or_default();
            log.push_back(now);
            while log.len() > group.count {
                log.pop_front();
            }
            if log.len() >= group.count {
                next = next.max(log[0] + ms(group.window + policy.margin));
            }
        }
        next
    }

    /// The sends recorded at `at` (to `chats`, among others) really left at `to`: the lease
    /// waited for the database. Windows count them from then, so a slow lease cannot bunch
    /// them with the next ones.
    pub fn postpone(&mut self, at: i64, to: i64, chats: &[i64]) {
        let move_back = |log: &mut VecDeque<i64>| {
            for t in log.iter_mut().rev() {
                match (*t).cmp(&at) {
                    std::cmp::Ordering::Equal => *t = to,
                    std::cmp::Ordering::Less => break,
                    std::cmp::Ordering::Greater => {}
                }
            }
        };
        for state in self.platforms.values_mut() {
            move_back(&mut state.recent);
            move_back(&mut state.all);
            move_back(&mut state.interactive);
            move_back(&mut state.shared);
        }
        for chat in chats {
            if let Some(log) = self.groups.get_mut(chat) {
                move_back(log);
            }
        }
    }

    /// The platform said to wait for everyone.
    pub fn block_platform(&mut self, platform: Platform, until: i64) {
        let state = self.platforms.entry(platform).or_default();
        state.blocked_until = state.blocked_until.max(until);
        state.probe = Probe::Armed;
    }

    /// A send was answered without a platform-wide wait. If it was the probe, sending resumes,
    /// one at a time until a whole window has passed since the wait: a platform that just
    /// refused may well refuse a burst again.
    pub fn answered(&mut self, platform: Platform, now: i64) {
        let window = ms(self.policy(platform).total.window);
        if let Some(state) = self.platforms.get_mut(&platform)
            && state.probe == Probe::Out
        {
            state.probe = if now < state.blocked_until + window {
                Probe::Armed
            } else {
                Probe::Off
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn telegram() -> Pacer {
        Pacer::new(HashMap::from([(
            Platform::Telegram,
            RatePolicy::telegram(),
        )]))
    }

    #[test]
    fn paid_sends_fill_their_own_window_and_leave_the_free_one_to_replies() {
        let mut pacer = Pacer::new(HashMap::from([(
            Platform::Telegram,
            RatePolicy::telegram_paid(),
        )]));
        assert_eq!(pacer.wait(Platform::Telegram, 0), Duration::ZERO);
        for i in 0..1_000 {
            assert_eq!(pacer.paid_wait(Platform::Telegram, 0), Some(Duration::ZERO));
            pacer.record(Platform::Telegram, i, ChatKind::Private, false, true, 0);
        }
        // The paid window is full until the first send leaves it (plus the margin)...
        assert_eq!(
            pacer.paid_wait(Platform::Telegram, 500),
            Some(Duration::from_millis(520))
        );
        // ...while the free window is untouched, so a reply may still go.
        assert_eq!(pacer.wait(Platform::Telegram, 500), Duration::ZERO);
        assert_eq!(telegram().paid_wait(Platform::Telegram, 0), None);
    }

    #[test]
    fn sends_whose_lease_waited_count_from_when_they_left() {
        let mut pacer = telegram();
        for i in 0..30 {
            pacer.record(Platform::Telegram, i, ChatKind::Private, false, false, 0);
        }
        assert_eq!(pacer.headroom(Platform::Telegram), 0);
        // The lease waited 300 ms for the write lock: the window frees up 300 ms later.
        pacer.postpone(0, 300, &[]);
        assert_eq!(
            pacer.wait(Platform::Telegram, 1_000),
            Duration::from_millis(320)
        );
        assert_eq!(pacer.wait(Platform::Telegram, 1_320), Duration::ZERO);
        assert_eq!(pacer.headroom(Platform::Telegram), 30);
    }

    #[test]
    fn groups_are_forgotten_a_window_after_their_last_send() {
        let mut pacer = telegram();
        assert!(
            !pacer.knows_group(-100, 0),
            "right after a start, a group may have sent"
        );
        pacer.record(Platform::Telegram, -100, ChatKind::Group, false, false, 0);
        assert!(pacer.knows_group(-100, 10));
        // A thousand sends later, past every group window, the group's log is dropped...
        for i in 0..PRUNE_EVERY as i64 {
            pacer.record(
                Platform::Telegram,
                i,
                ChatKind::Private,
                false,
                false,
                120_000 + i,
            );
        }
        assert!(!pacer.groups.contains_key(&-100));
        // ...and an unknown group is known to be empty, the pacer having run a whole window.
        assert!(pacer.knows_group(-100, 130_000));
    }

    #[test]
    fn groups_take_at_most_their_share_of_the_window() {
        let mut pacer = telegram();
        // 5 % of 30 a second: one.
        assert!(pacer.groups_allowed(Platform::Telegram, 0));
        pacer.record(Platform::Telegram, -100, ChatKind::Group, false, false, 0);
        assert!(!pacer.groups_allowed(Platform::Telegram, 10));
        // Private sends do not count against it, and the share frees up with the window.
        pacer.record(Platform::Telegram, 5, ChatKind::Private, false, false, 11);
        assert!(pacer.groups_allowed(Platform::Telegram, 1_030));
    }

    #[test]
    fn the_total_window_admits_thirty_then_waits_for_the_oldest_to_expire() {
        let mut pacer = telegram();
        for i in 0..30 {
            assert_eq!(pacer.wait(Platform::Telegram, i * 10), Duration::ZERO);
            pacer.record(
                Platform::Telegram,
                i,
                ChatKind::Private,
                false,
                false,
                i * 10,
            );
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
            pacer.record(Platform::Telegram, 1, ChatKind::Private, false, false, 0),
            1_020,
            "a second and the margin"
        );
        let mut next = 0;
        for n in 0..20 {
            next = pacer.record(
                Platform::Telegram,
                2,
                ChatKind::Group,
                false,
                false,
                n * 1_000,
            );
        }
        assert_eq!(next, 60_020);
    }

    #[test]
    fn replies_take_at_most_their_share_of_the_window() {
        let mut pacer = telegram();
        for i in 0..9 {
            assert!(pacer.interactive_allowed(Platform::Telegram, i));
            pacer.record(Platform::Telegram, i, ChatKind::Private, true, false, i);
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
        pacer.block_platform(Platform::Telegram, 5_000);
        assert_eq!(
            pacer.wait(Platform::Telegram, 1_000),
            Duration::from_secs(4)
        );
    }

    #[test]
    fn after_a_platform_wide_wait_one_probe_goes_and_the_rest_wait_for_its_answer() {
        let mut pacer = Pacer::new(HashMap::from([(Platform::Matrix, RatePolicy::unlimited())]));
        pacer.block_platform(Platform::Matrix, 5_000);
        assert_eq!(pacer.wait(Platform::Matrix, 5_000), Duration::ZERO);
        pacer.record(Platform::Matrix, 1, ChatKind::Room, false, false, 5_000);
        assert!(
            pacer.wait(Platform::Matrix, 5_001) > Duration::ZERO,
            "the probe is out"
        );
        // Within a window of the wait, sends go one at a time.
        pacer.answered(Platform::Matrix, 5_100);
        assert_eq!(pacer.wait(Platform::Matrix, 5_100), Duration::ZERO);
        pacer.record(Platform::Matrix, 2, ChatKind::Room, false, false, 5_100);
        assert!(
            pacer.wait(Platform::Matrix, 5_101) > Duration::ZERO,
            "one at a time"
        );
        // A window later, as many as the policy allows.
        pacer.answered(Platform::Matrix, 6_100);
        pacer.record(Platform::Matrix, 3, ChatKind::Room, false, false, 6_100);
        pacer.record(Platform::Matrix, 4, ChatKind::Room, false, false, 6_100);
        assert_eq!(
            pacer.wait(Platform::Matrix, 6_101),
            Duration::ZERO,
            "no probe now"
        );
    }

    proptest::proptest! {
        /// Whatever the mix of chats, kinds, replies and timing, a sender that only sends when
        /// the pacer allows never puts more than the limit in any window, per account or chat.
        #[test]
        fn sends_the_pacer_allows_never_exceed_any_window(
            offers in proptest::collection::vec((0i64..40, 0u8..3, proptest::bool::ANY, 0i64..120), 1..400)
        ) {
            let mut pacer = telegram();
            let mut chat_ready: HashMap<i64, i64> = HashMap::new();
            let mut sent: Vec<(i64, i64, bool)> = Vec::new();
            let mut now = 0;
            for (chat, kind, reply, gap) in offers {
                now += gap;
                let kind = [ChatKind::Private, ChatKind::Group, ChatKind::Channel][kind as usize];
                let chat = if kind == ChatKind::Private { chat } else { -1 - chat };
                if pacer.wait(Platform::Telegram, now).is_zero() && chat_ready.get(&chat).is_none_or(|t| *t <= now) {
                    chat_ready.insert(chat, pacer.record(Platform::Telegram, chat, kind, reply, false, now));
                    sent.push((now, chat, kind != ChatKind::Private));
                }
            }
            for (i, (t, _, _)) in sent.iter().enumerate() {
                let in_second = sent[i..].iter().take_while(|(u, _, _)| *u < t + 1_000).count();
                proptest::prop_assert!(in_second <= 30, "{in_second} in a second from {t}");
            }
            for (chat, group) in sent.iter().map(|(_, c, g)| (*c, *g)).collect::<std::collections::BTreeSet<_>>() {
                let times: Vec<i64> = sent.iter().filter(|(_, c, _)| *c == chat).map(|(t, _, _)| *t).collect();
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
}
