//! How fast herald may send and how its delivery engine behaves, as plain values: the settings
//! build them, the delivery engine obeys them. They live here, below the engine, so reading
//! the configuration never depends on the engine's code.

use std::time::Duration;

use crate::domain::Footnote;

/// At most `count` sends in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub count: usize,
    pub window: Duration,
}

/// The limits of one platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatePolicy {
    /// For the whole account.
    pub total: Window,
    /// Minimum gap between two sends to one chat.
    pub per_chat_interval: Duration,
    /// Extra limit for groups, channels and rooms.
    pub per_group: Option<Window>,
    /// Added to every window, so sends that arrive a little late or early at the platform are
    /// still within its count.
    pub margin: Duration,
    /// The most of the total window replies to commands may take while other work waits, in
    /// percent: a flood of commands must not starve deliveries.
    pub interactive_share: u8,
    /// The most of the total window broadcasts to groups and channels may take while private
    /// chats wait, in percent. A group takes only 20 a minute, so 200 busy groups could
    /// otherwise hold the whole account; 5 % (one a second, 60 a minute) still serves three
    /// groups at their full rate, and a channel's post goes at once.
    pub group_share: u8,
    /// Paid broadcasts (Telegram): article sends may go faster than `total`, each at a price,
    /// while every other call (replies, edits, removals, notices) stays within `total`.
    pub paid: Option<PaidBroadcast>,
    /// `total` is a token bucket, not a sliding window: `count` sends at once, then one every
    /// `window / count` as the bucket refills (Synapse's `rc_message`). Ten per fifty seconds
    /// as a window would allow only a third of what Synapse does at its defaults.
    pub bucket: bool,
}

/// When and how fast herald pays for broadcasts (Telegram's `allow_paid_broadcast`). Each
/// message above the free rate costs the newsroom Telegram Stars, so it is bounded: by day,
/// and optionally to breaking news or to backlogs the free rate would take too long to clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaidBroadcast {
    /// Every message, free and paid, in the paid window (1,000 a second on Telegram).
    pub total: Window,
    /// Pay only for breaking news; routine items go at the free rate.
    pub only_breaking: bool,
    /// Pay only while the broadcasts waiting would take longer than this at the free rate
    /// (zero: always).
    pub min_backlog: Duration,
    /// Paid messages a day (UTC) at most; past it herald falls back to the free rate and tells
    /// the owners. Zero: no cap.
    pub max_per_day: u64,
}

impl RatePolicy {
    /// Telegram's documented broadcast limits.
    pub fn telegram() -> RatePolicy {
        RatePolicy {
            total: Window {
                count: 30,
                window: Duration::from_secs(1),
            },
            per_chat_interval: Duration::from_secs(1),
            per_group: Some(Window {
                count: 20,
                window: Duration::from_secs(60),
            }),
            margin: Duration::from_millis(5),
            interactive_share: 33,
            group_share: 5,
            paid: None,
            bucket: false,
        }
    }

    /// Telegram with paid broadcasts: article sends up to 1000 messages per second in total,
    /// everything else within the free 30, no daily cap.
    pub fn telegram_paid() -> RatePolicy {
        RatePolicy {
            paid: Some(PaidBroadcast {
                total: Window {
                    count: 1_000,
                    window: Duration::from_secs(1),
                },
                only_breaking: false,
                min_backlog: Duration::ZERO,
                max_per_day: 0,
            }),
            ..RatePolicy::telegram()
        }
    }

    /// Synapse's default `rc_message` (0.2/s with a burst of 10) for an account that is not
    /// exempted, as the bucket it is; the engine also learns from M_LIMIT_EXCEEDED.
    pub fn matrix() -> RatePolicy {
        RatePolicy {
            total: Window {
                count: 10,
                window: Duration::from_secs(50),
            },
            per_chat_interval: Duration::ZERO,
            per_group: None,
            margin: Duration::from_millis(50),
            interactive_share: 50,
            group_share: 100,
            paid: None,
            bucket: true,
        }
    }

    /// The time in which a bucket drains by one token (`window / count`; at least 1 ms).
    pub fn drain_interval(&self) -> Duration {
        let count = u32::try_from(self.total.count.max(1)).unwrap_or(u32::MAX);
        (self.total.window / count).max(Duration::from_millis(1))
    }

    /// No limits at all (the console, benchmarks of the engine itself).
    pub fn unlimited() -> RatePolicy {
        RatePolicy {
            total: Window {
                count: usize::MAX,
                window: Duration::from_secs(1),
            },
            per_chat_interval: Duration::ZERO,
            per_group: None,
            margin: Duration::ZERO,
            interactive_share: 100,
            group_share: 100,
            paid: None,
            bucket: false,
        }
    }
}

/// How the engine behaves; see `config/herald.toml` for the defaults' reasons.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Sends in flight at once.
    pub concurrency: usize,
    /// Failed attempts (transient errors) before a delivery becomes a dead letter.
    pub max_attempts: i64,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How long a platform call may take before it counts as a transient failure.
    pub send_timeout: Duration,
    /// How long a send may take before its lease lapses (longer than `send_timeout`).
    pub lease: Duration,
    /// How long a graceful shutdown waits for sends in flight.
    pub grace: Duration,
    /// The longest the loop sleeps before looking at the queue again.
    pub idle_poll: Duration,
    /// While a platform's window is full, the least the loop sleeps: the slots that free up
    /// meanwhile are filled by one pick, so a read and a commit serve several messages.
    /// Replies and new work still wake it at once. Short, as every send that starts this
    /// much late is a window's room lost: at 100 ms a fan-out kept 0.94–0.96 of 30/s.
    pub tick: Duration,
    /// The newsroom's footnotes, for article layouts.
    pub glossary: Vec<Footnote>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            concurrency: 32,
            max_attempts: 8,
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(600),
            send_timeout: Duration::from_secs(30),
            lease: Duration::from_secs(60),
            grace: Duration::from_secs(10),
            idle_poll: Duration::from_secs(1),
            tick: Duration::from_millis(10),
            glossary: Vec::new(),
        }
    }
}
