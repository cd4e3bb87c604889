//! The engine's clock: wall time that follows tokio's clock, so tests can pause and advance it.

use chrono::{DateTime, TimeZone, Utc};
use tokio::time::Instant;

/// Milliseconds since the Unix epoch, advancing with `tokio::time::Instant`.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base_ms: i64,
    base: Instant,
}

impl Clock {
    /// Starts at the current wall time.
    pub fn system() -> Clock {
        Clock::starting_at(Utc::now())
    }

    /// Starts at a chosen time (tests pin the date for quiet hours and digests).
    pub fn starting_at(at: DateTime<Utc>) -> Clock {
        Clock {
            base_ms: at.timestamp_millis(),
            base: Instant::now(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.base_ms + self.base.elapsed().as_millis() as i64
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.now_ms())
            .single()
            .unwrap_or_default()
    }
}
