//! Prometheus metrics of the delivery engine, served on /metrics.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::domain::Platform;
use crate::store::{Job, LaneDepths, QueueStats};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PlatformLabel {
    platform: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LaneLabel {
    lane: &'static str,
}

/// Lane names as /metrics shows them, by lane number.
const LANES: [&str; 4] = ["reply", "correction", "breaking", "routine"];

fn lane(number: i64) -> LaneLabel {
    LaneLabel {
        lane: LANES.get(number as usize).copied().unwrap_or("routine"),
    }
}

fn label(platform: Platform) -> PlatformLabel {
    PlatformLabel {
        platform: platform.as_str().to_string(),
    }
}

type Latency = Family<PlatformLabel, Histogram, fn() -> Histogram>;
type LaneWait = Family<LaneLabel, Histogram, fn() -> Histogram>;
type Seconds = Gauge<f64, std::sync::atomic::AtomicU64>;

/// Prometheus counters and gauges of the delivery engine, served at `/metrics`; shared by the
/// engine and the HTTP server, so it lives behind an `Arc` and locks only its registry.
pub struct Metrics {
    registry: Mutex<Registry>,
    sent: Family<PlatformLabel, Counter>,
    failed: Family<PlatformLabel, Counter>,
    retried: Family<PlatformLabel, Counter>,
    rate_limited: Family<PlatformLabel, Counter>,
    picked: Family<PlatformLabel, Counter>,
    /// Sends started as paid broadcasts (each costs Stars).
    paid: Family<PlatformLabel, Counter>,
    /// 1 once the day's paid-broadcast cap stopped paid sends (until the next day's first).
    paid_capped: Family<PlatformLabel, Gauge>,
    /// Paid broadcasts today (UTC) and the day's cap (0: none), as the engine counts them.
    paid_today: Family<PlatformLabel, Gauge>,
    paid_cap: Family<PlatformLabel, Gauge>,
    latency: Latency,
    /// A bucket platform's drain interval learned from its refusals (0: as configured).
    learned_interval: Family<PlatformLabel, Seconds>,
    lane_sent: Family<LaneLabel, Counter>,
    lane_wait: LaneWait,
    lane_queued: Family<LaneLabel, Gauge>,
    queue_pending: Gauge,
    queue_held: Gauge,
    queue_dead: Gauge,
    oldest_pending_seconds: Seconds,
    /// 1 while this process polls the platforms and delivers (see `application::leader`).
    leader: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every metric under the `herald` prefix.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("herald");
        let metrics = Metrics {
            registry: Mutex::new(Registry::default()),
            sent: Family::default(),
            failed: Family::default(),
            retried: Family::default(),
            rate_limited: Family::default(),
            picked: Family::default(),
            paid: Family::default(),
            paid_capped: Family::default(),
            paid_today: Family::default(),
            paid_cap: Family::default(),
            latency: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.005, 2.0, 12))
            }),
            learned_interval: Family::default(),
            lane_sent: Family::default(),
            lane_wait: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.05, 2.0, 14))
            }),
            lane_queued: Family::default(),
            queue_pending: Gauge::default(),
            queue_held: Gauge::default(),
            queue_dead: Gauge::default(),
            oldest_pending_seconds: Gauge::default(),
            leader: Gauge::default(),
        };
        registry.register(
            "leader",
            "1 while this process polls the platforms and delivers (the leader lease's holder)",
            metrics.leader.clone(),
        );
        registry.register(
            "lane_sent",
            "Deliveries acknowledged, by lane",
            metrics.lane_sent.clone(),
        );
        registry.register(
            "lane_wait_seconds",
            "Time from planning to acknowledgement, by lane",
            metrics.lane_wait.clone(),
        );
        registry.register(
            "lane_queued",
            "Deliveries waiting, by lane",
            metrics.lane_queued.clone(),
        );
        registry.register(
            "deliveries_sent",
            "Deliveries the platform acknowledged",
            metrics.sent.clone(),
        );
        registry.register(
            "deliveries_failed",
            "Deliveries given up on (dead letters, gone chats)",
            metrics.failed.clone(),
        );
        registry.register(
            "deliveries_retried",
            "Transient failures scheduled for another attempt",
            metrics.retried.clone(),
        );
        registry.register(
            "rate_limited",
            "429 / M_LIMIT_EXCEEDED answers (each is a pacing defect)",
            metrics.rate_limited.clone(),
        );
        registry.register(
            "paid_broadcasts",
            "Sends started as paid broadcasts (Telegram Stars)",
            metrics.paid.clone(),
        );
        registry.register(
            "paid_broadcast_cap_reached",
            "1 while the day's paid-broadcast cap holds sends at the free rate",
            metrics.paid_capped.clone(),
        );
        registry.register(
            "paid_broadcasts_today",
            "Paid broadcasts sent today (UTC), in flight included",
            metrics.paid_today.clone(),
        );
        registry.register(
            "paid_broadcasts_cap",
            "The day's paid-broadcast cap (0: none)",
            metrics.paid_cap.clone(),
        );
        registry.register(
            "deliveries_started",
            "Deliveries taken from the queue",
            metrics.picked.clone(),
        );
        registry.register(
            "send_latency_seconds",
            "Time the platform took to answer",
            metrics.latency.clone(),
        );
        registry.register(
            "rate_learned_interval_seconds",
            "A homeserver's drain interval learned from M_LIMIT_EXCEEDED, slower than configured (0: none)",
            metrics.learned_interval.clone(),
        );
        registry.register(
            "queue_pending",
            "Deliveries waiting to be sent",
            metrics.queue_pending.clone(),
        );
        registry.register(
            "queue_held",
            "Deliveries held for digests or quiet hours",
            metrics.queue_held.clone(),
        );
        registry.register(
            "queue_dead",
            "Dead letters awaiting a moderator",
            metrics.queue_dead.clone(),
        );
        registry.register(
            "queue_oldest_pending_seconds",
            "Age of the oldest pending delivery",
            metrics.oldest_pending_seconds.clone(),
        );
        // Every platform's series exists from the start, at zero, so dashboards and alerts see
        // "no 429s" rather than "no data".
        for platform in [Platform::Console, Platform::Telegram, Platform::Matrix] {
            let l = label(platform);
            for family in [
                &metrics.sent,
                &metrics.failed,
                &metrics.retried,
                &metrics.rate_limited,
                &metrics.picked,
            ] {
                let _ = family.get_or_create(&l);
            }
            let _ = metrics.latency.get_or_create(&l);
            let _ = metrics.learned_interval.get_or_create(&l);
        }
        for number in 0..LANES.len() as i64 {
            let _ = metrics.lane_sent.get_or_create(&lane(number));
            let _ = metrics.lane_wait.get_or_create(&lane(number));
        }
        *metrics.registry.lock().unwrap_or_else(|e| e.into_inner()) = registry;
        metrics
    }

    pub(super) fn picked(&self, job: &Job) {
        self.picked.get_or_create(&label(job.platform)).inc();
    }

    pub(super) fn paid(&self, platform: Platform) {
        self.paid.get_or_create(&label(platform)).inc();
        self.paid_capped.get_or_create(&label(platform)).set(0);
    }

    pub(super) fn paid_day(&self, platform: Platform, sent: u64, cap: u64) {
        let l = label(platform);
        self.paid_today.get_or_create(&l).set(sent as i64);
        self.paid_cap.get_or_create(&l).set(cap as i64);
    }

    pub(super) fn paid_cap_reached(&self, platform: Platform) {
        self.paid_capped.get_or_create(&label(platform)).set(1);
    }

    pub(super) fn sent(&self, platform: Platform) {
        self.sent.get_or_create(&label(platform)).inc();
    }

    pub(super) fn failed(&self, platform: Platform) {
        self.failed.get_or_create(&label(platform)).inc();
    }

    pub(super) fn retried(&self, platform: Platform) {
        self.retried.get_or_create(&label(platform)).inc();
    }

    pub(super) fn rate_limited(&self, platform: Platform) {
        self.rate_limited.get_or_create(&label(platform)).inc();
    }

    pub(super) fn learned_interval(&self, platform: Platform, interval: Duration) {
        self.learned_interval
            .get_or_create(&label(platform))
            .set(interval.as_secs_f64());
    }

    pub(super) fn observe_latency(&self, platform: Platform, took: Duration) {
        self.latency
            .get_or_create(&label(platform))
            .observe(took.as_secs_f64());
    }

    pub(super) fn lane_sent(&self, number: i64, waited: Duration) {
        self.lane_sent.get_or_create(&lane(number)).inc();
        self.lane_wait
            .get_or_create(&lane(number))
            .observe(waited.as_secs_f64());
    }

    /// Records whether this process polls the platforms and delivers now.
    pub fn set_leading(&self, leading: bool) {
        self.leader.set(i64::from(leading));
    }

    /// Whether this process polls the platforms and delivers now.
    pub fn leading(&self) -> bool {
        self.leader.get() == 1
    }

    /// How many 429s a platform answered so far.
    pub fn rate_limited_count(&self, platform: Platform) -> u64 {
        self.rate_limited.get_or_create(&label(platform)).get()
    }

    /// The Prometheus text exposition, with queue gauges from `stats`.
    pub fn render(&self, stats: &QueueStats, lanes: &LaneDepths) -> String {
        for (number, depth) in lanes.iter().enumerate() {
            self.lane_queued
                .get_or_create(&lane(number as i64))
                .set(*depth);
        }
        self.queue_pending.set(stats.pending);
        self.queue_held.set(stats.held);
        self.queue_dead.set(stats.dead);
        self.oldest_pending_seconds
            .set(stats.oldest_pending_ms.unwrap_or(0) as f64 / 1000.0);
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(error) = prometheus_client::encoding::text::encode(&mut out, &registry) {
            tracing::error!(%error, "could not encode metrics");
        }
        out
    }
}
