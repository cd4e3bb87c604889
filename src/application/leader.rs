//! Several herald processes on one PostgreSQL database: what may happen once at a time runs in
//! the process that holds the `leader` lease, and another takes it over within seconds when
//! that process dies.
//!
//! Once at a time: Telegram's long polling and the Matrix sync (the platforms allow one per
//! account), the delivery engine (so one pacer spends each account's rate budget, and a
//! retry_after it hears holds every send), and the digest and embargo workers (so each
//! happens once). Every process serves HTTP — the CMS and webhooks — and polls feeds (each
//! source claimed for one poll, see `ingest`), and stores what it receives, telling the
//! holder (`store::signals`), whose engine delivers it.
//!
//! The lease lives in the database and expires by the database's clock, so the processes'
//! own clocks need not agree. The holder renews it every second for three; a process that
//! cannot renew stops its duties (no new send starts) half a second before the lease could
//! pass to another, by its own monotonic clock, which runs no faster than the time the lease
//! was renewed for. The sends a dead holder had in flight are queued again by the next one:
//! those, and only those, may reach a chat twice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::log_end;
use crate::app::App;
use crate::delivery::Metrics;
use crate::platform::Receiver;
use crate::store::{Signal, Store};

/// A duty of the lease's holder, started anew at each takeover (a platform's update loop has
/// the same shape).
pub type Duty = Receiver;

const LEASE: &str = "leader";
/// How long a renewal holds the lease.
const TERM: Duration = Duration::from_secs(3);
/// How often the holder renews, and another process asks for the lease.
const RENEW: Duration = Duration::from_secs(1);
/// How long before the lease could pass on the holder stops its duties.
const MARGIN: Duration = Duration::from_millis(500);

/// Runs `duties` whenever this process holds the lease (`metrics` say when), until
/// `shutdown`; then gives the lease up, once they stopped, so another process takes over at
/// once.
pub async fn lead(
    store: Store,
    duties: Vec<Duty>,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let holder = store.process_name();
    let mut standing_by = false;
    while !shutdown.is_cancelled() {
        let asked = Instant::now();
        match store.hold_process_lease(LEASE, ms(TERM)).await {
            Ok(true) => {
                tracing::info!(%holder, "this process now receives updates and delivers");
                standing_by = false;
                metrics.set_leading(true);
                hold(&store, asked, &duties, &shutdown).await;
                metrics.set_leading(false);
                continue;
            }
            Ok(false) if !standing_by => {
                standing_by = true;
                let other = store.process_lease_holder(LEASE).await.ok().flatten();
                tracing::info!(
                    %holder,
                    other,
                    "another herald process receives updates and delivers; this one takes over if it stops"
                );
            }
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%error, "could not ask for the leader lease; asking again")
            }
        }
        paused(&shutdown).await;
    }
    if let Err(error) = store.release_process_lease(LEASE).await {
        tracing::warn!(%error, "could not give the leader lease up; another process takes it when it expires");
    }
    Ok(())
}

/// One term: the duties run while renewals succeed, and stop (all of them, waited for) when
/// the lease is lost, runs out or herald shuts down.
async fn hold(store: &Store, renewed: Instant, duties: &[Duty], shutdown: &CancellationToken) {
    let holder = store.process_name();
    let term = shutdown.child_token();
    let mut running = JoinSet::new();
    for duty in duties {
        running.spawn(duty(term.clone()));
    }
    let mut valid_until = renewed + TERM - MARGIN;
    loop {
        // After failed renewals, the next try is at the latest when the term runs out.
        let next = (Instant::now() + RENEW).min(valid_until);
        tokio::select! {
            () = tokio::time::sleep_until(next.into()) => {}
            Some(done) = running.join_next() => {
                log_end(done);
                continue;
            }
            () = shutdown.cancelled() => break,
        }
        let asked = Instant::now();
        let left = valid_until.saturating_duration_since(asked);
        match tokio::time::timeout(left, store.hold_process_lease(LEASE, ms(TERM))).await {
            Ok(Ok(true)) => valid_until = asked + TERM - MARGIN,
            Ok(Ok(false)) => {
                tracing::error!(%holder, "another process took the leader lease over; stopping this one's deliveries");
                break;
            }
            Ok(Err(error)) if Instant::now() < valid_until => {
                tracing::warn!(%error, "could not renew the leader lease; trying again");
            }
            Ok(Err(_)) | Err(_) => {
                tracing::error!(%holder, "the leader lease could not be renewed in time; stopping this one's deliveries");
                break;
            }
        }
    }
    term.cancel();
    while let Some(done) = running.join_next().await {
        log_end(done);
    }
}

/// Passes on what the other processes tell (see `store::signals`) to this process's engine and
/// publishing worker, until `shutdown`. A lost connection is made again; meanwhile both find
/// their work at their next look.
pub async fn relay_signals(app: App, shutdown: CancellationToken) -> anyhow::Result<()> {
    let (wake, planner) = (app.wake(), app.planner());
    let mut signals = loop {
        match app.store().signals().await {
            Ok(Some(signals)) => break signals,
            Ok(None) => return Ok(()),
            Err(error) => tracing::warn!(%error, "cannot hear the other processes; trying again"),
        }
        if paused(&shutdown).await {
            return Ok(());
        }
    };
    loop {
        let next = tokio::select! {
            next = signals.next() => next,
            () = shutdown.cancelled() => return Ok(()),
        };
        match next {
            Ok(Signal::Planned) => wake.notify_one(),
            Ok(Signal::Planning) => planner.notify_one(),
            Err(error) => {
                tracing::warn!(%error, "lost what the other processes tell; listening again");
                if paused(&shutdown).await {
                    return Ok(());
                }
            }
        }
    }
}

/// Waits a moment before trying again; true when herald shuts down meanwhile.
async fn paused(shutdown: &CancellationToken) -> bool {
    tokio::select! {
        () = tokio::time::sleep(RENEW) => false,
        () = shutdown.cancelled() => true,
    }
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
