//! A homeserver's message limit as it counts it: Synapse's `rc_message` is a leaky bucket
//! (`burst` messages at once, then one each time it drains by one), kept here as the
//! theoretical arrival time of the generic cell rate algorithm.
//!
//! The homeserver counts a send when the request reaches it, some time between its start and
//! its answer. The bucket is charged with each answered send as if it arrived at its answer
//! (the latest it can have, so the least drained by now) and with every send in flight as if
//! it arrived this instant: whatever the real arrival times, the homeserver's bucket is never
//! fuller than this one.
//!
//! A refusal the bucket did not foresee shows the homeserver drains more slowly than
//! configured; the recent answers let the pacer work out how much more slowly
//! ([`Bucket::slower_interval`]).

use std::collections::VecDeque;

/// Answers kept to learn a homeserver's pace from: enough for several bursts of any bucket
/// herald is likely to meet; an older busy stretch only makes the learned pace slower.
const KEPT: usize = 256;

/// The slowest drain herald learns (ms): one message an hour.
const SLOWEST: i64 = 3_600_000;

/// The bucket of one platform.
#[derive(Debug, Default)]
pub(super) struct Bucket {
    /// When the bucket, charged with every answered send, will be empty (ms).
    empty_at: i64,
    /// The latest answers (ms, oldest first), at most [`KEPT`].
    answers: VecDeque<i64>,
}

/// What a question to the bucket is about: its size (`count` tokens, one drained every
/// `interval` ms), the sends out, and the tokens to leave for others.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ask {
    pub count: usize,
    pub interval: i64,
    pub in_flight: usize,
    pub keep: usize,
}

impl Bucket {
    /// When a send may start; `None`: only an answer can make room.
    pub(super) fn room_at(&self, ask: Ask, now: i64) -> Option<i64> {
        let usable = ask.count.saturating_sub(ask.keep);
        if ask.in_flight + 1 > usable {
            return None;
        }
        let spare = (usable - ask.in_flight - 1) as i64 * ask.interval;
        Some(now.max(self.empty_at - spare))
    }

    /// How many sends may start now, on the same terms as [`Bucket::room_at`].
    pub(super) fn free(&self, ask: Ask, now: i64) -> usize {
        let interval = ask.interval.max(1);
        let level = ((self.empty_at - now).max(0) + interval - 1) / interval;
        let level = usize::try_from(level).unwrap_or(usize::MAX);
        ask.count
            .saturating_sub(ask.keep)
            .saturating_sub(level)
            .saturating_sub(ask.in_flight)
    }

    /// The platform said its bucket has room for one send at `room_at`: it holds `count`
    /// tokens until then.
    pub(super) fn fill(&mut self, room_at: i64, count: usize, interval: i64) {
        let full = room_at + count.saturating_sub(1) as i64 * interval;
        self.empty_at = self.empty_at.max(full);
    }

    /// A send was answered at `at` (plus the margin, by the caller).
    pub(super) fn answered(&mut self, at: i64, interval: i64) {
        self.empty_at = self.empty_at.max(at) + interval;
        self.answers.push_back(at);
        if self.answers.len() > KEPT {
            self.answers.pop_front();
        }
    }

    /// The drain interval (ms) that explains a refusal at `at` with a wait of `after`, when
    /// slower than `current`: the homeserver's bucket of `count` was full then, and has room
    /// for one `after` later. Replaying the answers through buckets of ever slower drain, the
    /// one as full as that is the homeserver's. `None` when the pacer's own bucket already
    /// explains the refusal (sends arrived closer together than they were answered), or when
    /// no drain does (the homeserver's burst is smaller, or someone else sends as herald).
    pub(super) fn slower_interval(
        &self,
        at: i64,
        after: i64,
        count: usize,
        current: i64,
    ) -> Option<i64> {
        let full = count.saturating_sub(1) as i64;
        // How much later than the refusal's this drain would empty the bucket: zero when it
        // agrees with the homeserver, growing with the interval while the answers are more
        // than the burst.
        let excess = |interval: i64| {
            let empty_at = self
                .answers
                .iter()
                .fold(i64::MIN / 2, |empty, t| empty.max(*t) + interval);
            empty_at - at - full * interval - after
        };
        if excess(current) >= 0 || excess(SLOWEST) < 0 {
            return None;
        }
        let (mut low, mut high) = (current, SLOWEST);
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if excess(mid) >= 0 {
                high = mid;
            } else {
                low = mid;
            }
        }
        Some(high)
    }
}

#[cfg(test)]
mod tests {
    use super::{Ask, Bucket};

    const FIVE_S: i64 = 5_000;

    /// Synapse's default bucket with `in_flight` sends out and `keep` tokens kept.
    fn ask(in_flight: usize, keep: usize) -> Ask {
        Ask {
            count: 10,
            interval: FIVE_S,
            in_flight,
            keep,
        }
    }

    #[test]
    fn a_burst_then_one_per_interval_as_synapse_allows() {
        let mut bucket = Bucket::default();
        // Ten answered at once at t = 0: full.
        for _ in 0..10 {
            assert_eq!(bucket.room_at(ask(0, 0), 0), Some(0));
            bucket.answered(0, FIVE_S);
        }
        assert_eq!(bucket.room_at(ask(0, 0), 0), Some(FIVE_S));
        assert_eq!(bucket.free(ask(0, 0), 4_999), 0);
        assert_eq!(bucket.free(ask(0, 0), FIVE_S), 1);
        // Twenty seconds later four have drained.
        assert_eq!(bucket.free(ask(0, 0), 20_000), 4);
    }

    #[test]
    fn sends_in_flight_count_in_full_and_a_kept_token_stays_for_replies() {
        let bucket = Bucket::default();
        assert_eq!(bucket.free(ask(9, 1), 0), 0);
        assert_eq!(bucket.room_at(ask(9, 1), 0), None);
        assert_eq!(bucket.room_at(ask(9, 0), 0), Some(0));
        assert_eq!(bucket.room_at(ask(10, 0), 0), None);
    }

    #[test]
    fn a_refusal_the_bucket_did_not_foresee_gives_the_homeservers_slower_drain() {
        // Configured one a second; nine answered at 0 and one at 1 s, then a refusal at 2 s
        // with "wait 3 s": a bucket of ten draining every 5 s is as full as that (Synapse at
        // its defaults answers exactly so).
        let mut bucket = Bucket::default();
        for _ in 0..9 {
            bucket.answered(0, 1_000);
        }
        bucket.answered(1_000, 1_000);
        assert_eq!(bucket.slower_interval(2_000, 3_000, 10, 1_000), Some(5_000));
        // A wait the configured drain explains teaches nothing; nor does a refusal no drain
        // explains (two sends cannot fill a bucket of ten).
        assert_eq!(bucket.slower_interval(2_000, 3_000, 10, 6_000), None);
        let mut few = Bucket::default();
        few.answered(0, 1_000);
        few.answered(500, 1_000);
        assert_eq!(few.slower_interval(600, 900, 10, 1_000), None);
    }
}
