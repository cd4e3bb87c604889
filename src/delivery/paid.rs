//! Deciding which sends herald pays for (Telegram's paid broadcasts): article sends in the lanes
//! that broadcast, while the day's cap allows and, if so configured, only breaking news or only
//! a backlog the free rate would take too long to clear. The day's count survives restarts: it
//! is read back from the sends the database recorded as paid.

use std::collections::HashMap;
use std::time::Duration;

use chrono::DateTime;

use super::Engine;
use crate::config::PaidBroadcast;
use crate::domain::Platform;
use crate::store::{Action, Job, LANE_BREAKING, LANE_ROUTINE};

const DAY_MS: i64 = 86_400_000;

/// How often the backlog is counted again (a count, not a pick, per second).
const BACKLOG_RECHECK_MS: i64 = 1_000;

/// One platform's paid sends today.
#[derive(Debug, Default)]
pub(super) struct Ledger {
    /// The UTC day (days since the epoch) `sent` counts; `None` before the first look.
    day: Option<i64>,
    /// Paid sends of that day, in flight included.
    sent: u64,
    /// The owners were told the cap was reached that day.
    told: bool,
    /// When the backlog was last counted, and whether it was worth paying for then.
    backlog_at: i64,
    backlog_worth_it: bool,
}

/// Every platform's ledger.
pub(super) type Ledgers = HashMap<Platform, Ledger>;

impl Engine {
    /// Whether `platform` may pay for a send now: paid broadcasts are on, the day's cap is not
    /// reached, and the backlog is worth it. Tells the owners (once a day) when the cap stops it.
    pub(super) async fn may_pay(
        &self,
        ledgers: &mut Ledgers,
        platform: Platform,
        paid: &PaidBroadcast,
        free_per_second: f64,
        now: i64,
    ) -> anyhow::Result<bool> {
        let ledger = ledgers.entry(platform).or_default();
        let day = now.div_euclid(DAY_MS);
        if ledger.day != Some(day) {
            let sent = self.store.paid_sent_since(platform, day * DAY_MS).await?;
            *ledger = Ledger {
                day: Some(day),
                sent,
                ..Ledger::default()
            };
            self.metrics.paid_day(platform, sent, paid.max_per_day);
        }
        if paid.max_per_day > 0 && ledger.sent >= paid.max_per_day {
            if !ledger.told {
                ledger.told = true;
                self.metrics.paid_cap_reached(platform);
                let date = DateTime::from_timestamp_millis(now).unwrap_or_default();
                let date = date.format("%Y-%m-%d").to_string();
                tracing::warn!(
                    %platform,
                    cap = paid.max_per_day,
                    "the day's paid broadcasts are used up; sending at the free rate"
                );
                if self.store.note_paid_cap(platform, &date).await? {
                    self.events
                        .paid_cap_reached(platform, paid.max_per_day)
                        .await?;
                }
            }
            return Ok(false);
        }
        if paid.min_backlog.is_zero() {
            return Ok(true);
        }
        if ledger.backlog_at == 0 || now - ledger.backlog_at >= BACKLOG_RECHECK_MS {
            let waiting = self.store.pending_broadcasts(platform).await?;
            let at_free_rate = Duration::from_secs_f64(waiting as f64 / free_per_second.max(1.0));
            ledger.backlog_worth_it = at_free_rate > paid.min_backlog;
            ledger.backlog_at = now;
        }
        Ok(ledger.backlog_worth_it)
    }
}

/// Whether a send is one herald pays for: an article to a chat in the lanes that broadcast
/// (replies, corrections, removals, notices and digests never are).
pub(super) fn worth_paying(job: &Job, paid: &PaidBroadcast) -> bool {
    job.action == Action::Send
        && (job.lane == LANE_BREAKING || (job.lane == LANE_ROUTINE && !paid.only_breaking))
}

/// Paid sends the day's cap still allows on `platform` (no limit without a cap).
pub(super) fn left_today(ledgers: &Ledgers, platform: Platform, paid: &PaidBroadcast) -> u64 {
    if paid.max_per_day == 0 {
        return u64::MAX;
    }
    let sent = ledgers.get(&platform).map_or(0, |l| l.sent);
    paid.max_per_day.saturating_sub(sent)
}

/// Counts a paid send in the day's ledger; returns the day's count.
pub(super) fn count_paid(ledgers: &mut Ledgers, platform: Platform) -> u64 {
    let ledger = ledgers.entry(platform).or_default();
    ledger.sent += 1;
    ledger.sent
}
