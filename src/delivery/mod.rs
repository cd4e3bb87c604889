//! The delivery engine: takes planned deliveries from the outbox, paces them under each
//! platform's limits, and settles each one only once the platform answered.
//!
//! [`Engine::try_deliver_next`] is one step (pick one delivery, perform it, record the result);
//! [`Engine::run`] is the loop around it, with several sends in flight so throughput is set by
//! the rate policy rather than by round-trip time. One chat never has two sends in flight, so
//! its messages arrive in order, and a chat that must wait is simply not offered by the
//! database, so it never holds the others back.
//!
//! Deliveries are served by lane (replies, corrections, breaking, routine), oldest first within
//! a lane. Replies may take at most `interactive_share` percent of a platform's window while
//! other work is ready, so a flood of commands cannot starve the broadcast, and the broadcast
//! never fills the window for longer than one window, so a reply waits at most about a second.

#![warn(missing_docs)]

mod backoff;
mod batch;
pub mod digest;
mod execute;
mod interactive;
pub mod metrics;
pub mod pacer;
mod paid;
pub mod ports;
mod quiet;
mod run;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, Notify};

pub use crate::clock::Clock;
pub use crate::config::{EngineConfig, RatePolicy, Window};
use crate::domain::{ChatKind, Platform};
use crate::store::{Job, LANE_INTERACTIVE, Lease, Store};
use batch::{Acknowledged, Articles};
pub use metrics::Metrics;
pub use pacer::{Counted, Pacer, Slot};
pub use ports::{
    ChatSummary, Destination, Directory, EngineEvents, Gone, LookupError, Membership, Outbound,
    Part, Post, SendError, only_part, take_part,
};
use quiet::Quiet;

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The platform acknowledged it.
    Delivered {
        /// The delivery.
        delivery: i64,
        /// herald's id of its chat.
        chat: i64,
    },
    /// Some parts of a post in several messages arrived; the next goes when the chat may
    /// take another message.
    Partly {
        /// The delivery.
        delivery: i64,
        /// herald's id of its chat.
        chat: i64,
    },
    /// It will be tried again (rate limited, moved chat, transient failure).
    Rescheduled {
        /// The delivery.
        delivery: i64,
        /// herald's id of its chat.
        chat: i64,
    },
    /// Given up on; listed for moderators.
    Dead {
        /// The delivery.
        delivery: i64,
        /// herald's id of its chat.
        chat: i64,
    },
    /// No longer wanted (retracted article, copy that never existed).
    Cancelled {
        /// The delivery.
        delivery: i64,
    },
    /// The chat is unreachable and was deactivated.
    ChatGone {
        /// The delivery.
        delivery: i64,
        /// herald's id of its chat.
        chat: i64,
    },
    /// Nothing may be sent now; the platform limit frees up in `wait`.
    Throttled {
        /// How long until the limit frees up.
        wait: Duration,
    },
    /// Nothing is ready.
    Idle,
}

/// How the pacer counts a job's send.
fn slot(job: &Job) -> Slot {
    Slot {
        platform: job.platform,
        kind: job.kind,
        interactive: job.lane == LANE_INTERACTIVE,
        paid: job.paid,
    }
}

/// Adds `more` to `jobs`, keeping the engine's order (lane, then due time) without repeats.
fn merge(jobs: &mut Vec<Job>, more: Vec<Job>) {
    jobs.extend(more);
    jobs.sort_by_key(|j| (j.lane, j.due, j.id));
    jobs.dedup_by_key(|j| j.id);
}

/// The engine. Cheap to share: every field is behind an `Arc` or a lock.
pub struct Engine {
    store: Store,
    platforms: HashMap<Platform, Arc<dyn Outbound>>,
    /// Serialises picking, so two concurrent steps never take the same slot or chat.
    pacer: Mutex<Pacer>,
    clock: Clock,
    config: EngineConfig,
    metrics: Arc<Metrics>,
    /// Woken when new work is planned, so the loop need not poll.
    wake: Arc<Notify>,
    /// Told when a send finds a chat gone or the paid-broadcast cap is reached; what follows
    /// (deactivating the chat, telling people) is a use case's decision, not the engine's.
    events: Arc<dyn EngineEvents>,
    /// Paid broadcasts sent today, per platform (locked after `pacer`, inside a pick).
    ledgers: Mutex<paid::Ledgers>,
    /// Sends acknowledged but not yet recorded: recorded with the next pick's lease (the loop
    /// picks within a tick of a finished send) or, with nothing to lease, when it goes idle.
    acknowledged: Acknowledged,
    /// The articles being broadcast.
    articles: Articles,
}

enum Pick {
    /// Leased, in the order to send, each as the pacer counted it.
    Jobs(Vec<(Job, Counted)>),
    Throttled(Duration),
    Idle,
}

impl Engine {
    /// Builds the engine over the store and each platform's outbound port with its rate policy;
    /// `wake` is the notifier the use cases ring when they plan work, `lost` hears of chats a send
    /// found gone.
    pub fn new(
        store: Store,
        platforms: Vec<(Platform, Arc<dyn Outbound>, RatePolicy)>,
        clock: Clock,
        config: EngineConfig,
        metrics: Arc<Metrics>,
        wake: Arc<Notify>,
        events: Arc<dyn EngineEvents>,
    ) -> Engine {
        let policies = platforms
            .iter()
            .map(|(p, _, policy)| (*p, *policy))
            .collect();
        let platforms = platforms
            .into_iter()
            .map(|(p, outbound, _)| (p, outbound))
            .collect();
        Engine {
            store,
            platforms,
            pacer: Mutex::new(Pacer::new(policies)),
            clock,
            config,
            metrics,
            wake,
            events,
            ledgers: Mutex::default(),
            acknowledged: Acknowledged::default(),
            articles: Articles::default(),
        }
    }

    /// The clock the engine paces by (the process's one clock).
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The engine's metrics, for `/metrics` and `/deliveries`.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// One step: pick the next delivery that may go now, perform it, record the outcome.
    pub async fn try_deliver_next(&self) -> anyhow::Result<Outcome> {
        let outcome = match self.pick(1, &mut Quiet::default()).await? {
            Pick::Jobs(jobs) => match jobs.into_iter().next() {
                Some((job, counted)) => self.execute(job, counted).await,
                None => Outcome::Idle,
            },
            Pick::Throttled(wait) => Outcome::Throttled { wait },
            Pick::Idle => Outcome::Idle,
        };
        self.record_acknowledged().await?;
        Ok(outcome)
    }

    /// Takes up to `room` deliveries that may go now, leased in one transaction; platforms
    /// `quiet` knows to have nothing ready are not asked.
    async fn pick(&self, room: usize, quiet: &mut Quiet) -> anyhow::Result<Pick> {
        let mut pacer = self.pacer.lock().await;
        let mut ledgers = self.ledgers.lock().await;
        let now = self.clock.now_ms();
        // Platforms that may take a free send now, and those that may take a paid broadcast;
        // `wait` is the soonest another frees up.
        let mut open = Vec::new();
        let mut paying = Vec::new();
        let mut wait = Duration::MAX;
        for platform in self.platforms.keys().copied() {
            if quiet.is_quiet(platform, now) {
                if let Some(due) = quiet.due(platform) {
                    wait = wait.min(pacer::until(due, now));
                }
                continue;
            }
            let w = pacer.wait(platform, now);
            if w.is_zero() {
                open.push(platform);
                // Should only replies fit, a pick that takes none waits for broadcasts' room.
                let b = pacer.broadcast_wait(platform, now);
                if !b.is_zero() {
                    wait = wait.min(b);
                }
            } else {
                wait = wait.min(w);
            }
            let policy = pacer.policy(platform);
            if let (Some(paid), Some(w)) = (policy.paid, pacer.paid_wait(platform, now)) {
                let free = policy.total.count as f64 / policy.total.window.as_secs_f64();
                if self
                    .may_pay(&mut ledgers, platform, &paid, free, now)
                    .await?
                {
                    if w.is_zero() {
                        paying.push(platform);
                    } else {
                        wait = wait.min(w);
                    }
                }
            }
        }
        let mut reachable = open.clone();
        reachable.extend(paying.iter().filter(|p| !open.contains(p)));
        if reachable.is_empty() {
            return Ok(if wait == Duration::MAX {
                Pick::Idle
            } else {
                Pick::Throttled(wait)
            });
        }
        // Replies beyond their share of the window wait while other work is ready. Where the
        // broadcast is paid it has a window of its own, and replies may take the free one.
        let capped: Vec<Platform> = reachable
            .iter()
            .copied()
            .filter(|p| !paying.contains(p) && !pacer.interactive_allowed(*p, now))
            .collect();
        // No more candidates than may go now (reading rows is most of a pick's cost): each
        // platform is asked for what its window takes.
        let reachable: Vec<(Platform, usize)> = reachable
            .into_iter()
            .map(|p| (p, room.min(pacer.headroom(p, now).max(1))))
            .collect();
        let room = reachable
            .iter()
            .fold(0usize, |sum, (_, r)| sum.saturating_add(*r))
            .min(room);
        let mut jobs = self
            .candidates(now, &reachable, LANE_INTERACTIVE, false)
            .await?;
        // A platform with nothing at all ready is quiet until its first row is due.
        let poll = self.config.idle_poll.as_millis() as i64;
        for (platform, _) in &reachable {
            if !jobs.iter().any(|j| j.platform == *platform) {
                let due = self.store.next_due(*platform).await?;
                quiet.mark(*platform, now, due, poll);
                if let Some(due) = due.filter(|due| *due > now) {
                    wait = wait.min(pacer::until(due, now));
                }
            }
        }
        if jobs
            .iter()
            .any(|j| j.lane == LANE_INTERACTIVE && capped.contains(&j.platform))
        {
            let others = self
                .candidates(now, &reachable, LANE_INTERACTIVE + 1, false)
                .await?;
            if !others.is_empty() {
                jobs.retain(|j| !(j.lane == LANE_INTERACTIVE && capped.contains(&j.platform)));
                merge(&mut jobs, others);
            }
        }
        // Groups and channels beyond their share wait while private chats are ready.
        let crowded: Vec<Platform> = reachable
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| !pacer.groups_allowed(*p, now))
            .collect();
        let is_crowded = |j: &Job| {
            j.lane != LANE_INTERACTIVE
                && j.kind != ChatKind::Private
                && crowded.contains(&j.platform)
        };
        if jobs.iter().any(is_crowded) {
            let private = self
                .candidates(now, &reachable, LANE_INTERACTIVE + 1, true)
                .await?;
            if !private.is_empty() {
                jobs.retain(|j| !is_crowded(j));
                merge(&mut jobs, private);
            }
        }
        // With the free window full, replies cannot go, but broadcasts behind them may be paid.
        if !paying.is_empty()
            && jobs
                .iter()
                .all(|j| !open.contains(&j.platform) && j.lane == LANE_INTERACTIVE)
        {
            let paying: Vec<(Platform, usize)> = reachable
                .iter()
                .copied()
                .filter(|(p, _)| paying.contains(p))
                .collect();
            let broadcasts = self
                .candidates(now, &paying, LANE_INTERACTIVE + 1, false)
                .await?;
            merge(&mut jobs, broadcasts);
        }
        // As many as the pacer lets go now, each counted as it is taken.
        // Each with when its chat may be sent to next.
        let mut taken: Vec<(Job, i64)> = Vec::new();
        let mut leases = Vec::new();
        for mut job in jobs {
            if taken.len() >= room {
                break;
            }
            if taken.iter().any(|(t, _)| t.chat_id == job.chat_id) {
                continue;
            }
            let policy = pacer.policy(job.platform);
            // A pick may take many broadcasts: each paid one must still fit the day's cap.
            let paid_taken = taken
                .iter()
                .filter(|(t, _)| t.paid && t.platform == job.platform)
                .count() as u64;
            let paid = paying.contains(&job.platform)
                && pacer.paid_wait(job.platform, now) == Some(Duration::ZERO)
                && policy.paid.is_some_and(|p| {
                    paid::worth_paying(&job, &p)
                        && paid::left_today(&ledgers, job.platform, &p) > paid_taken
                });
            let free_wait = if job.lane == LANE_INTERACTIVE {
                pacer.wait(job.platform, now)
            } else {
                pacer.broadcast_wait(job.platform, now)
            };
            if !paid && !free_wait.is_zero() {
                continue;
            }
            // The first was chosen under the shares above; the rest must still fit them.
            if !taken.is_empty() && !paid {
                let interactive = job.lane == LANE_INTERACTIVE;
                if (interactive && !pacer.interactive_allowed(job.platform, now))
                    || (!interactive
                        && job.kind != ChatKind::Private
                        && !pacer.groups_allowed(job.platform, now))
                {
                    continue;
                }
            }
            if policy.per_group.is_some()
                && job.kind != ChatKind::Private
                && !pacer.knows_group(job.chat_id, now)
            {
                let times = self
                    .store
                    .recent_send_times(job.chat_id, policy.per_group.map_or(0, |g| g.count as u32))
                    .await?;
                pacer.restore_group(job.chat_id, times);
            }
            job.paid = paid;
            let chat_next = pacer.record(slot(&job), job.chat_id, now);
            leases.push(Lease {
                id: job.id,
                chat_id: job.chat_id,
                chat_next,
                paid,
            });
            taken.push((job, chat_next));
        }
        let acknowledged = self.acknowledged.take();
        let mut started = now;
        if !leases.is_empty() || !acknowledged.is_empty() {
            let lease = self.config.lease.as_millis() as i64;
            let (ids, late) = match self
                .store
                .settle_and_lease(&acknowledged, &leases, now, lease)
                .await
            {
                Ok(done) => done,
                Err(error) => {
                    for (job, _) in &taken {
                        pacer.done(slot(job), now, false);
                    }
                    self.acknowledged.restore(acknowledged);
                    return Err(error.into());
                }
            };
            for (job, _) in taken.iter().filter(|(j, _)| !ids.contains(&j.id)) {
                pacer.done(slot(job), now, false);
            }
            taken.retain(|(j, _)| ids.contains(&j.id));
            // Sends leave when the lease is written; group windows must count them then.
            if late > 0 {
                let chats: Vec<i64> = leases.iter().map(|l| l.chat_id).collect();
                pacer.postpone(now, now + late, &chats);
                started = now + late;
            }
        }
        for (job, _) in &taken {
            let policy = pacer.policy(job.platform);
            if let (true, Some(policy)) = (job.paid, policy.paid) {
                let today = paid::count_paid(&mut ledgers, job.platform);
                self.metrics.paid(job.platform);
                self.metrics
                    .paid_day(job.platform, today, policy.max_per_day);
            }
            self.metrics.picked(job);
        }
        Ok(if !taken.is_empty() {
            let counted = |(job, next): (Job, i64)| {
                let counted = Counted {
                    platform: job.platform,
                    chat: job.chat_id,
                    kind: job.kind,
                    started,
                    next,
                };
                (job, counted)
            };
            Pick::Jobs(taken.into_iter().map(counted).collect())
        } else if wait != Duration::MAX {
            Pick::Throttled(wait)
        } else {
            Pick::Idle
        })
    }

    /// Every platform's ready deliveries (see [`Store::ready_deliveries`]), at most about
    /// as many as its room, in the engine's order.
    async fn candidates(
        &self,
        now: i64,
        platforms: &[(Platform, usize)],
        min_lane: i64,
        private_only: bool,
    ) -> anyhow::Result<Vec<Job>> {
        let mut jobs = Vec::new();
        for (platform, room) in platforms {
            let more = self
                .store
                .ready_deliveries(now, *platform, min_lane, private_only, *room)
                .await?;
            merge(&mut jobs, more);
        }
        Ok(jobs)
    }
}
