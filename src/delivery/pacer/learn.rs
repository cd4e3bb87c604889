//! What the pacer learns from outside its own counting: the last process's sends after a
//! restart, a platform's refusals, and the round trips of its sends.

use std::time::Duration;

use super::{Pacer, Probe, ms};
use crate::domain::{ChatKind, Platform};
use crate::store::RecentSends;

/// Round trips kept per platform to size the per-chat cushion from.
const ROUND_TRIPS: usize = 64;

impl Pacer {
    /// How far back a restarted pacer must know a platform's sends (ms before `now`): a
    /// window and its margin, past which no send counts any more.
    pub fn memory(&self, platform: Platform, now: i64) -> i64 {
        let policy = self.policy(platform);
        now - ms(policy.total.window.max(Duration::from_secs(1)) + policy.margin)
    }

    /// Continues the budget of the process before this one: its acknowledged sends count from
    /// their answers; the `in_flight` it had out, which the platform may have counted at any
    /// moment up to now, count as answered now; a retry_after still in force holds every send,
    /// and after sends left out the first one probes alone.
    pub fn restore(&mut self, platform: Platform, sends: &RecentSends, in_flight: usize, now: i64) {
        let policy = self.policy(platform);
        let margin = ms(policy.margin);
        let state = self.platforms.entry(platform).or_default();
        let interval = state.interval(&policy);
        let crashed = std::iter::repeat_n(now, in_flight);
        for at in sends.answered.iter().copied().chain(crashed) {
            state.recent.answered.push_back(at);
            if policy.paid.is_some() {
                state.all.answered.push_back(at);
            }
            if policy.bucket {
                state.bucket.answered(at + margin, interval);
            }
        }
        if let Some(until) = sends.blocked_until.filter(|until| *until > now) {
            state.blocked_until = state.blocked_until.max(until);
            state.probe = Probe::Armed;
        }
        // A process that died with sends out may have been told to wait by an answer it never
        // recorded: the first send goes alone, so such a wait costs one refused send, not one
        // for every send the engine starts at once (each of which lengthens Telegram's wait).
        if in_flight > 0 {
            state.probe = Probe::Armed;
        }
    }

    /// The platform refused a send started at `started` with an answer at `now` saying to
    /// wait `after` for everyone: every send waits it out from `now`, then one probes.
    ///
    /// A bucket platform's bucket was full: the pacer's is filled too, and when its own
    /// answers show that only a slower drain than it keeps fills the homeserver's that far,
    /// the pacer keeps to that drain until the process ends. The homeserver decided early in
    /// the round trip (Synapse then holds a refusal half a second before answering), so the
    /// replay takes the start as the moment of the refusal, and the drain it finds is kept 2 %
    /// slower for the part of the round trip before the check. Returns the interval learned.
    pub fn refused(
        &mut self,
        platform: Platform,
        after: Duration,
        started: i64,
        now: i64,
    ) -> Option<Duration> {
        let policy = self.policy(platform);
        let state = self.platforms.entry(platform).or_default();
        let until = now + ms(after);
        state.blocked_until = state.blocked_until.max(until);
        state.probe = Probe::Armed;
        if !policy.bucket {
            return None;
        }
        let count = policy.total.count;
        let learned = state
            .bucket
            .slower_interval(started, ms(after), count, state.interval(&policy))
            .map(|interval| interval + interval / 50);
        if let Some(interval) = learned {
            state.learned = Some(interval);
        }
        state.bucket.fill(until, count, state.interval(&policy));
        learned.map(|ms| Duration::from_millis(ms as u64))
    }

    /// A send counted as [`Counted`] was answered (or given up on) at `now`. The platform
    /// counted it somewhere in that round trip; when the round trip was longer than the cushion
    /// its chat's next send was allowed for ([`Pacer::record`]), that next send could reach the
    /// platform within the chat's interval of it: this returns when the chat may be sent to
    /// again, counted from `now`, for the engine to hold it until then. A group's window counts
    /// the send from `now` in any case. `measured`: the round trip is a real answer's and sizes
    /// the cushion (a timeout's is not).
    pub fn answered(&mut self, sent: Counted, now: i64, measured: bool) -> Option<i64> {
        let policy = self.policy(sent.platform);
        let state = self.platforms.entry(sent.platform).or_default();
        if measured {
            state.round_trips.push_back(now - sent.started);
            if state.round_trips.len() > ROUND_TRIPS {
                state.round_trips.pop_front();
            }
        }
        if sent.kind != ChatKind::Private && policy.per_group.is_some() {
            self.postpone(sent.started, now, &[sent.chat]);
        }
        let again = now + ms(policy.per_chat_interval + policy.margin);
        (!policy.per_chat_interval.is_zero() && again > sent.next).then_some(again)
    }
}

/// A send as the pacer counted it when it was picked (see [`Pacer::answered`]).
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    /// Where it went.
    pub platform: Platform,
    /// The chat it went to.
    pub chat: i64,
    /// The kind of that chat (groups and channels have a window of their own).
    pub kind: ChatKind,
    /// When the pacer counted it as starting (ms).
    pub started: i64,
    /// When the pacer allowed its chat's next send (ms).
    pub next: i64,
}
