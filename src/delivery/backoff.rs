//! Exponential backoff with jitter, so retries of many deliveries do not arrive together.

use std::time::Duration;

/// The wait after failed attempt number `attempt` (from 0): between half and all of
/// `base · 2^attempt`, capped at `max`.
pub fn delay(attempt: i64, base: Duration, max: Duration) -> Duration {
    let exp = base
        .saturating_mul(1u32 << attempt.clamp(0, 20) as u32)
        .min(max);
    let low = exp / 2;
    low + Duration::from_millis(fastrand::u64(0..=(exp - low).as_millis() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_under_the_cap() {
        let base = Duration::from_secs(2);
        let max = Duration::from_secs(60);
        for attempt in 0..30 {
            let d = delay(attempt, base, max);
            assert!(d <= max, "{d:?}");
            assert!(
                d >= (base * 2u32.pow(attempt.min(5) as u32)).min(max) / 2,
                "{attempt}: {d:?}"
            );
        }
    }
}
