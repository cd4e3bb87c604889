//! The pacer that keeps herald under each platform's rate policy.
//!
//! Telegram counts messages in sliding windows (about 30 per second per bot, 1 per second per
//! chat, 20 per minute per group or channel), so the pacer keeps a log of recent sends and never
//! starts a send that would put a window over its count. It does not learn limits from 429s; a
//! 429 that still comes is honoured exactly and counted as a defect.
//!
//! The platform counts a send when the request reaches it, some time between herald starting it
//! and reading the answer, and on a loaded machine that time varies by more than any fixed
//! margin. So a send occupies the bot's windows from its start until a whole window after its
//! answer: whenever the platform counted it, herald counts it at least as long, and the windows
//! cannot overfill however late requests arrive. A slow answer costs throughput, never a 429.
//! A chat's interval and a group's window are counted from the start plus the longest of the
//! latest round trips, and from the answer when one is slower still ([`Pacer::answered`]).
//!
//! Synapse counts differently: its `rc_message` is a leaky bucket (a burst, then one message
//! each time it drains by one), which the pacer keeps as such for a platform whose policy says
//! so (see `bucket`), holding one token back from broadcasts for replies.
//!
//! A restarted pacer continues the last process's budget ([`Pacer::restore`]): what that
//! process had acknowledged or still had out counts, and its retry_after holds. A homeserver
//! that refuses where only a slower refill explains it teaches the pacer that refill
//! ([`Pacer::refused`]).
//!
//! With paid broadcasts on, article sends the engine chooses to pay for go in a second, wider
//! window that counts every message (free and paid), while the free window keeps counting the
//! free ones alone: replies, edits and notices never pay, and keep their own 30 a second.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::config::RatePolicy;
use crate::domain::{ChatKind, Platform};

mod bucket;
mod learn;
use bucket::{Ask, Bucket};
pub use learn::Counted;

/// What one send is, as far as the windows are concerned: given when it starts and again when
/// it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Where it goes.
    pub platform: Platform,
    /// The kind of chat it goes to (groups and channels have a share of their own).
    pub kind: ChatKind,
    /// A reply to a command.
    pub interactive: bool,
    /// Sent as a paid broadcast.
    pub paid: bool,
}

/// The sends one sliding window counts: those in flight, and the answered ones by the time of
/// their answer (oldest first) until they leave the window.
#[derive(Debug, Default)]
struct Window {
    answered: VecDeque<i64>,
    in_flight: usize,
}

impl Window {
    fn occupied(&self) -> usize {
        self.answered.len() + self.in_flight
    }

    /// Drops the answers that left a window of `full` ms and returns when it has room for
    /// another send of at most `count` (`now` if it has room already).
    fn room_at(&mut self, count: usize, full: i64, now: i64) -> i64 {
        while self.answered.front().is_some_and(|t| *t + full <= now) {
            self.answered.pop_front();
        }
        if self.occupied() < count {
            now
        } else if self.in_flight >= count {
            // Only an answer frees a slot; the engine looks again when one comes.
            now + ms(PROBE_POLL)
        } else {
            self.answered[self.answered.len() - (count - self.in_flight)] + full
        }
    }

    fn start(&mut self) {
        self.in_flight += 1;
    }

    /// Counts a send from its start `at` alone (a pacing of starts, not of what the platform
    /// counts: see [`Pacer::broadcast_wait`]).
    fn note_start(&mut self, at: i64) {
        self.answered.push_back(at);
    }

    fn finish(&mut self, now: i64) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.answered.push_back(now);
    }
}

#[derive(Debug, Default)]
struct PlatformState {
    /// Free sends.
    recent: Window,
    /// Every send (free and paid) in the paid window, when paid broadcasts are on.
    all: Window,
    /// Free replies to commands only.
    interactive: Window,
    /// Free sends to groups and channels.
    shared: Window,
    /// Free sends that are not replies, by their start, in a [`SPREAD`]th of the window.
    broadcasts: Window,
    /// The platform's bucket, for a platform that counts that way (`RatePolicy::bucket`).
    bucket: Bucket,
    /// A platform-wide retry_after.
    blocked_until: i64,
    probe: Probe,
    /// The drain interval (ms) a bucket platform showed it keeps when slower than its policy.
    learned: Option<i64>,
    /// The latest round trips (ms), oldest first (see [`Pacer::answered`]).
    round_trips: VecDeque<i64>,
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

/// Into how many parts broadcasts spread each free window (see [`Pacer::broadcast_wait`]).
const SPREAD: usize = 2;

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

/// The wait from `now` until `at`.
pub(super) fn until(at: i64, now: i64) -> Duration {
    Duration::from_millis((at - now).max(0) as u64)
}

impl PlatformState {
    /// What a chat's interval and a group's window add to a send's start (ms): the longest of
    /// the latest round trips, and the margin. The platform counts a send somewhere in its
    /// round trip, so counted from the start plus this, a send to the same chat cannot reach it
    /// early unless its round trip is longer than any of the last few (then see
    /// [`Pacer::answered`]).
    fn cushion(&self, policy: &RatePolicy) -> i64 {
        self.round_trips.iter().copied().max().unwrap_or(0) + ms(policy.margin)
    }

    /// The ms in which a bucket policy drains one token: as configured, or as the platform
    /// showed it (see [`Pacer::refused`]).
    fn interval(&self, policy: &RatePolicy) -> i64 {
        self.learned.unwrap_or_else(|| ms(policy.drain_interval()))
    }

    /// When the bucket has room for another send (an answer awaited: looked at again soon).
    fn bucket_room(&self, policy: &RatePolicy, replies_first: bool, now: i64) -> i64 {
        self.bucket
            .room_at(ask(policy, self, replies_first), now)
            .unwrap_or(now + ms(PROBE_POLL))
    }

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

/// How many sends a paid broadcast may find in the paid window: its count less the free
/// window's (see [`Pacer::paid_wait`]).
fn paid_count(policy: &RatePolicy) -> usize {
    policy.paid.map_or(0, |paid| {
        paid.total.count.saturating_sub(policy.total.count).max(1)
    })
}

/// The count and length (ms) of a [`SPREAD`]th of the free window.
fn spread(policy: &RatePolicy) -> (usize, i64) {
    (
        policy.total.count.div_ceil(SPREAD),
        ms(policy.total.window) / SPREAD as i64,
    )
}

/// A question to a bucket platform's bucket; `replies_first` leaves replies a token: one, so
/// a reader's command during a fan-out goes at once, and a second one waits at most one drain
/// interval.
fn ask(policy: &RatePolicy, state: &PlatformState, replies_first: bool) -> Ask {
    Ask {
        count: policy.total.count,
        interval: state.interval(policy),
        in_flight: state.recent.in_flight,
        keep: usize::from(replies_first && policy.total.count > 1),
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
        let mut room = state.recent.room_at(policy.total.count, full, now);
        state.interactive.room_at(usize::MAX, full, now);
        state.shared.room_at(usize::MAX, full, now);
        state.broadcasts.room_at(usize::MAX, spread(&policy).1, now);
        if policy.bucket {
            room = state.bucket_room(&policy, false, now);
        }
        until(state.held_until(now).max(room), now)
    }

    /// How long until a free send that is not a reply may go (zero: now): besides the free
    /// window, such sends start at most a [`SPREAD`]th of its count per [`SPREAD`]th of its
    /// length. Taken a whole window at once (as a pick would, being far cheaper than taking
    /// them one by one), a reader's `/latest` during a fan-out would wait for the next window;
    /// spread, it waits at most about a [`SPREAD`]th of one, and the broadcast loses nothing
    /// (this count is only a pacing of starts: the free window alone keeps the platform's).
    pub fn broadcast_wait(&mut self, platform: Platform, now: i64) -> Duration {
        let policy = self.policy(platform);
        let total = self.wait(platform, now);
        let state = self.platforms.entry(platform).or_default();
        if policy.bucket {
            return total.max(until(state.bucket_room(&policy, true, now), now));
        }
        let (count, part) = spread(&policy);
        let room = state.broadcasts.room_at(count, part, now);
        total.max(until(room, now))
    }

    /// How long until a paid broadcast may go (zero: now); `None` when this platform does not
    /// pay for broadcasts. A platform-wide wait holds paid sends too.
    ///
    /// The platform admits a paid send while fewer than the paid count arrived within its
    /// window, free ones included, but a free send is admitted whatever that count: free sends
    /// decided after a paid one may reach it first and fill the count under it. So paid sends
    /// leave the free window's count unused: however they arrive, the free ones cannot crowd
    /// out a paid one already on its way.
    pub fn paid_wait(&mut self, platform: Platform, now: i64) -> Option<Duration> {
        let policy = self.policy(platform);
        let paid = policy.paid?;
        let state = self.platforms.entry(platform).or_default();
        let full = ms(paid.total.window + policy.margin);
        let room = state.all.room_at(paid_count(&policy), full, now);
        Some(until(state.held_until(now).max(room), now))
    }

    /// How many sends the platform's window takes now (free and paid together; free ones as
    /// spread), after [`Pacer::wait`] and [`Pacer::paid_wait`] dropped what left it: how many
    /// candidates a pick needs to read.
    pub fn headroom(&self, platform: Platform, now: i64) -> usize {
        let policy = self.policy(platform);
        let Some(state) = self.platforms.get(&platform) else {
            return policy.total.count;
        };
        if policy.bucket {
            return state.bucket.free(ask(&policy, state, true), now);
        }
        let free = policy
            .total
            .count
            .saturating_sub(state.recent.occupied())
            .min(
                spread(&policy)
                    .0
                    .saturating_sub(state.broadcasts.occupied()),
            );
        let paid = policy.paid.map_or(0, |_| {
            paid_count(&policy).saturating_sub(state.all.occupied())
        });
        free.saturating_add(paid)
    }

    /// Whether replies may take another slot of the current window while other work waits.
    /// A bucket keeps replies their token by holding broadcasts back instead.
    pub fn interactive_allowed(&mut self, platform: Platform, now: i64) -> bool {
        let policy = self.policy(platform);
        self.wait(platform, now);
        if policy.bucket {
            return true;
        }
        let cap = (policy
            .total
            .count
            .saturating_mul(usize::from(policy.interactive_share))
            / 100)
            .max(1);
        self.platforms
            .get(&platform)
            .is_none_or(|s| s.interactive.occupied() < cap)
    }

    /// Whether groups and channels may take another slot of the current window while
    /// private chats wait.
    pub fn groups_allowed(&mut self, platform: Platform, now: i64) -> bool {
        let policy = self.policy(platform);
        self.wait(platform, now);
        if policy.bucket {
            // Every Matrix room is a "group"; the bucket is the only share there is.
            return true;
        }
        let cap = (policy
            .total
            .count
            .saturating_mul(usize::from(policy.group_share))
            / 100)
            .max(1);
        self.platforms
            .get(&platform)
            .is_none_or(|s| s.shared.occupied() < cap)
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

    /// Records a send starting now and returns when its chat may be sent to next. The send
    /// holds its slots until [`Pacer::done`] is called for it.
    pub fn record(&mut self, slot: Slot, chat_id: i64, now: i64) -> i64 {
        let policy = self.policy(slot.platform);
        let state = self.platforms.entry(slot.platform).or_default();
        if state.probe == Probe::Armed {
            state.probe = Probe::Out;
        }
        state.each_window(&policy, slot, Window::start);
        if !slot.paid && !slot.interactive {
            // Counted from the start of its part, so a part's starts all leave the count at
            // the next part's start: the slots free together and the next pick takes them
            // together (counted from each start, they free one by one, and a fan-out whose
            // starts once drifted apart stays in many small picks, each a statement).
            let part = spread(&policy).1.max(1);
            state.broadcasts.note_start(now - now.rem_euclid(part));
        }
        // Two sends to one chat paced a second apart reach the platform closer together when
        // the first was slower on its way: the cushion covers the round trips herald sees.
        let cushion = state.cushion(&policy);
        let per_chat = if policy.per_chat_interval.is_zero() {
            0
        } else {
            ms(policy.per_chat_interval) + cushion
        };
        let mut next = now + per_chat;
        self.unpruned += 1;
        if self.unpruned >= PRUNE_EVERY {
            self.unpruned = 0;
            self.prune_groups(now);
        }
        if let (Some(group), true) = (policy.per_group, slot.kind != ChatKind::Private) {
            let log = self.groups.entry(chat_id).or_default();
            log.push_back(now);
            while log.len() > group.count {
                log.pop_front();
            }
            if log.len() >= group.count {
                next = next.max(log[0] + ms(group.window) + cushion);
            }
        }
        next
    }

    /// The sends to the groups among `chats` recorded at `at` really left at `to`: the lease
    /// waited for the database. Group windows count them from then, so a slow lease cannot
    /// bunch them with the next ones (the bot's windows count them until they are answered).
    pub fn postpone(&mut self, at: i64, to: i64, chats: &[i64]) {
        for chat in chats {
            if let Some(log) = self.groups.get_mut(chat) {
                for t in log.iter_mut().rev() {
                    match (*t).cmp(&at) {
                        std::cmp::Ordering::Equal => *t = to,
                        std::cmp::Ordering::Less => break,
                        std::cmp::Ordering::Greater => {}
                    }
                }
            }
        }
    }

    /// The send of `slot` was answered at `now`, or given up on (a timeout, a lost connection:
    /// the platform may have counted it, at the latest by now). Unless the platform refused it
    /// with a platform-wide wait, an outstanding probe is answered too: sending resumes, one at
    /// a time until a whole window has passed since the wait, as a platform that just refused
    /// may well refuse a burst again.
    pub fn done(&mut self, slot: Slot, now: i64, refused_globally: bool) {
        let policy = self.policy(slot.platform);
        let window = ms(policy.total.window);
        let state = self.platforms.entry(slot.platform).or_default();
        state.each_window(&policy, slot, |w| w.finish(now));
        // A homeserver does not count what it refused ([`Pacer::refused`] fills the bucket).
        if policy.bucket && !refused_globally {
            let interval = state.interval(&policy);
            state.bucket.answered(now + ms(policy.margin), interval);
        }
        if !refused_globally && state.probe == Probe::Out {
            state.probe = if now < state.blocked_until + window {
                Probe::Armed
            } else {
                Probe::Off
            };
        }
    }
}

impl PlatformState {
    /// The windows a send of `slot` counts in: paid sends only in the paid window, which counts
    /// everything; free ones in the free window and their share's.
    fn each_window(&mut self, policy: &RatePolicy, slot: Slot, mut f: impl FnMut(&mut Window)) {
        if policy.paid.is_some() {
            f(&mut self.all);
        }
        if !slot.paid {
            f(&mut self.recent);
            if slot.interactive {
                f(&mut self.interactive);
            } else if slot.kind != ChatKind::Private {
                f(&mut self.shared);
            }
        }
    }
}

#[cfg(test)]
mod tests;
