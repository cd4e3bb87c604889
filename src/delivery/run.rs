//! The engine's loop: picks, spawns the sends, and sleeps until the pacer, new work or a
//! finished send gives it something to do.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::quiet::Quiet;
use super::{Engine, Outcome, Pick, Slot, slot};
use crate::domain::Platform;

impl Engine {
    /// Runs until `shutdown`: at most `concurrency` sends in flight, sleeping while nothing is
    /// ready. On shutdown it stops picking, lets sends in flight finish within the grace
    /// period, and puts back any that did not.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) -> anyhow::Result<()> {
        let released = self.store.release_leases().await?;
        let total: usize = released.values().sum();
        if total > 0 {
            tracing::warn!(
                released = total,
                "deliveries in flight at the last stop are queued again"
            );
        }
        self.restore_pacing(&released).await?;
        let mut inflight: JoinSet<(i64, Outcome)> = JoinSet::new();
        let mut leased: HashMap<tokio::task::Id, (i64, Slot)> = HashMap::new();
        let mut quiet = Quiet::default();
        while !shutdown.is_cancelled() {
            while inflight.len() >= self.config.concurrency.max(1) {
                if let Some(done) = inflight.join_next_with_id().await {
                    self.forget(&mut leased, &mut quiet, done).await;
                }
                // Every send that finished meanwhile frees its room for the same pick.
                while let Some(done) = inflight.try_join_next_with_id() {
                    self.forget(&mut leased, &mut quiet, done).await;
                }
            }
            let room = self.config.concurrency.max(1) - inflight.len();
            let (wait, throttled) = match self.pick(room, &mut quiet).await {
                Ok(Pick::Jobs(jobs)) => {
                    let full = jobs.len() >= room;
                    for (job, counted) in jobs {
                        let engine = Arc::clone(&self);
                        let (id, slot) = (job.id, slot(&job));
                        let handle =
                            inflight.spawn(async move { (id, engine.execute(job, counted).await) });
                        leased.insert(handle.id(), (id, slot));
                    }
                    if full {
                        continue;
                    }
                    // The window (or the queue) gave less than the room: the slots that free
                    // up one by one from now on are taken together a tick later.
                    (self.config.tick, true)
                }
                Ok(Pick::Throttled(wait)) => (wait.max(self.config.tick), true),
                Ok(Pick::Idle) => (self.idle_wait().await, false),
                Err(error) => {
                    tracing::error!(
                        error = format!("{error:#}"),
                        "delivery engine could not read the queue"
                    );
                    (Duration::from_secs(1), false)
                }
            };
            self.record_or_log().await;
            let mut until = Instant::now() + wait;
            loop {
                tokio::select! {
                    () = tokio::time::sleep_until(until) => break,
                    () = self.wake.notified() => {
                        quiet.clear();
                        break;
                    }
                    Some(done) = inflight.join_next_with_id(), if !inflight.is_empty() => {
                        self.forget(&mut leased, &mut quiet, done).await;
                        // Idle, a finished send may have left work (the next part of a
                        // post). Throttled, its acknowledgement is recorded within a tick,
                        // together with those of the sends answered meanwhile.
                        if !throttled {
                            break;
                        }
                        until = until.min(Instant::now() + self.config.tick);
                    }
                    () = shutdown.cancelled() => break,
                }
            }
        }
        let deadline = tokio::time::sleep(self.config.grace);
        tokio::pin!(deadline);
        while !inflight.is_empty() && !self.config.grace.is_zero() {
            tokio::select! {
                Some(done) = inflight.join_next_with_id() => self.forget(&mut leased, &mut quiet, done).await,
                () = &mut deadline => break,
            }
        }
        inflight.abort_all();
        self.record_or_log().await;
        for (id, _) in leased.into_values() {
            tracing::warn!(
                delivery = id,
                "send still in flight at shutdown; queued again"
            );
            self.store.release_lease(id).await?;
        }
        Ok(())
    }

    /// Records acknowledged sends no lease took; a failure is logged and they are tried with
    /// the next statement (their rows stay `sending`, so nothing else goes to their chats).
    async fn record_or_log(&self) {
        if let Err(error) = self.record_acknowledged().await {
            tracing::error!(
                error = format!("{error:#}"),
                "could not record acknowledged sends; trying again"
            );
        }
    }

    /// How long to sleep with nothing ready: until the next delivery is due, at most `idle_poll`.
    async fn idle_wait(&self) -> Duration {
        let due = self.store.next_delivery_due().await.ok().flatten();
        let now = self.clock.now_ms();
        match due {
            Some(due) if due > now => {
                Duration::from_millis((due - now) as u64).min(self.config.idle_poll)
            }
            Some(_) => Duration::from_millis(20),
            None => self.config.idle_poll,
        }
    }

    /// Forgets a finished send task; its platform may have work again (the next part of a
    /// post, a retry). One that panicked leaves its lease (released at the next start) and
    /// gives its pacer slot back.
    async fn forget(
        &self,
        leased: &mut HashMap<tokio::task::Id, (i64, Slot)>,
        quiet: &mut Quiet,
        done: Result<(tokio::task::Id, (i64, Outcome)), tokio::task::JoinError>,
    ) {
        let (id, panicked) = match &done {
            Ok((id, _)) => (*id, false),
            Err(error) => {
                tracing::error!(%error, "a delivery task failed");
                (error.id(), true)
            }
        };
        if let Some((_, slot)) = leased.remove(&id) {
            quiet.forget(slot.platform);
            if panicked {
                let now = self.clock.now_ms();
                self.pacer.lock().await.done(slot, now, false);
            }
        }
    }

    /// Picks up where the last process left the platforms' budgets (see [`Pacer::restore`]);
    /// `released`: the sends each platform had out when it stopped. Limits the last process
    /// learned are not carried over: the configuration may have been corrected since.
    async fn restore_pacing(&self, released: &HashMap<Platform, usize>) -> anyhow::Result<()> {
        self.store.forget_learned_intervals().await?;
        let now = self.clock.now_ms();
        for platform in self.platforms.keys().copied() {
            let since = self.pacer.lock().await.memory(platform, now);
            let sends = self.store.recent_sends(platform, since).await?;
            let in_flight = released.get(&platform).copied().unwrap_or(0);
            if in_flight > 0 || sends.blocked_until.is_some_and(|until| until > now) {
                tracing::info!(
                    %platform,
                    in_flight,
                    answered = sends.answered.len(),
                    "continuing the last process's rate budget"
                );
            }
            self.pacer
                .lock()
                .await
                .restore(platform, &sends, in_flight, now);
        }
        Ok(())
    }
}
