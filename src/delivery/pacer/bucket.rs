//! A homeserver's message limit as it counts it: Synapse's `rc_message` is a leaky bucket
//! (`burst` messages at once, then one each time it drains by one), kept here as the
//! theoretical arrival time of the generic cell rate algorithm.
//!
//! The homeserver counts a send when the request reaches it, some time between its start and
//! its answer. The bucket is charged with each answered send as if it arrived at its answer
//! (the latest it can have, so the least drained by now) and with every send in flight as if
//! it arrived this instant: whatever the real arrival times, the homeserver's bucket is never
//! fuller than this one.

/// The bucket of one platform.
#[derive(Debug, Default)]
pub(super) struct Bucket {
    /// When the bucket, charged with every answered send, will be empty (ms).
    empty_at: i64,
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

    /// A send was answered at `at` (plus the margin, by the caller).
    pub(super) fn answered(&mut self, at: i64, interval: i64) {
        self.empty_at = self.empty_at.max(at) + interval;
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
}
