//! When a chat wants its news: instantly, or as hourly or daily digests, and never during its
//! quiet hours. All times here are the chat's local times.

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMode {
    Instant,
    Hourly,
    /// Once a day at the given local time.
    Daily(NaiveTime),
}

impl DeliveryMode {
    /// `instant`, `hourly`, `daily` or `daily 08:30` (and their Russian names).
    pub fn parse(input: &str) -> Option<DeliveryMode> {
        let mut words = input.split_whitespace();
        let mode = words.next()?.to_lowercase();
        let at = words.next();
        if words.next().is_some() {
            return None;
        }
        match (mode.as_str(), at) {
            ("instant" | "сразу", None) => Some(DeliveryMode::Instant),
            ("hourly" | "ежечасно", None) => Some(DeliveryMode::Hourly),
            ("daily" | "ежедневно", None) => {
                Some(DeliveryMode::Daily(NaiveTime::from_hms_opt(9, 0, 0)?))
            }
            ("daily" | "ежедневно", Some(at)) => {
                Some(DeliveryMode::Daily(parse_time(at)?))
            }
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMode::Instant => "instant",
            DeliveryMode::Hourly => "hourly",
            DeliveryMode::Daily(_) => "daily",
        }
    }

    pub fn from_stored(mode: &str, digest_at: &str) -> DeliveryMode {
        match mode {
            "hourly" => DeliveryMode::Hourly,
            "daily" => DeliveryMode::Daily(parse_time(digest_at).unwrap_or(NaiveTime::MIN)),
            _ => DeliveryMode::Instant,
        }
    }
}

/// `HH:MM`, 24-hour.
pub fn parse_time(input: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(input.trim(), "%H:%M").ok()
}

/// A daily span of local time when nothing is delivered; it may wrap midnight (22:00–07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// `22:00-07:00`.
    pub fn parse(input: &str) -> Option<QuietHours> {
        let (start, end) = input.split_once(['-', '–'])?;
        let (start, end) = (parse_time(start)?, parse_time(end)?);
        (start != end).then_some(QuietHours { start, end })
    }

    pub fn contains(self, t: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// The first end of quiet hours after `at`.
    pub fn end_after(self, at: NaiveDateTime) -> NaiveDateTime {
        let today = at.date().and_time(self.end);
        if today > at {
            today
        } else {
            today + Duration::days(1)
        }
    }
}

/// Resolves a local time to an instant; in a DST gap, the first valid instant after it.
fn instant(tz: Tz, local: NaiveDateTime) -> DateTime<Tz> {
    let mut probe = local;
    for _ in 0..4 {
        if let Some(at) = tz.from_local_datetime(&probe).earliest() {
            return at;
        }
        probe += Duration::minutes(30);
    }
    tz.from_utc_datetime(&local)
}

/// When items held since `oldest` are due as one digest.
pub fn digest_due(
    mode: DeliveryMode,
    quiet: Option<QuietHours>,
    oldest: DateTime<Tz>,
) -> DateTime<Tz> {
    let tz = oldest.timezone();
    let local = oldest.naive_local();
    let mut due = match mode {
        DeliveryMode::Instant => local,
        DeliveryMode::Hourly => {
            local
                .date()
                .and_hms_opt(local.hour(), 0, 0)
                .unwrap_or(local)
                + Duration::hours(1)
        }
        DeliveryMode::Daily(at) => {
            let today = local.date().and_time(at);
            if today >= local {
                today
            } else {
                today + Duration::days(1)
            }
        }
    };
    if let Some(quiet) = quiet.filter(|q| q.contains(due.time())) {
        due = quiet.end_after(due);
    }
    instant(tz, due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moscow(d: u32, h: u32, m: u32) -> DateTime<Tz> {
        chrono_tz::Europe::Moscow
            .with_ymd_and_hms(2024, 4, d, h, m, 0)
            .unwrap()
    }

    #[test]
    fn quiet_hours_may_wrap_midnight() {
        let q = QuietHours::parse("22:00-07:00").unwrap();
        assert!(
            q.contains(parse_time("23:30").unwrap()) && q.contains(parse_time("06:59").unwrap())
        );
        assert!(
            !q.contains(parse_time("07:00").unwrap()) && !q.contains(parse_time("12:00").unwrap())
        );
        assert!(QuietHours::parse("07:00-07:00").is_none() && QuietHours::parse("late").is_none());
    }

    #[test]
    fn digests_fall_due_on_the_hour_the_day_or_the_end_of_quiet_hours() {
        let q = QuietHours::parse("22:00-07:00");
        assert_eq!(
            digest_due(DeliveryMode::Hourly, None, moscow(1, 10, 20)),
            moscow(1, 11, 0)
        );
        assert_eq!(
            digest_due(
                DeliveryMode::Daily(parse_time("09:00").unwrap()),
                None,
                moscow(1, 10, 20)
            ),
            moscow(2, 9, 0)
        );
        assert_eq!(
            digest_due(DeliveryMode::Instant, q, moscow(1, 23, 10)),
            moscow(2, 7, 0)
        );
        assert_eq!(
            digest_due(DeliveryMode::Hourly, q, moscow(1, 21, 30)),
            moscow(2, 7, 0)
        );
    }

    #[test]
    fn modes_parse_with_an_optional_time() {
        assert_eq!(
            DeliveryMode::parse("daily 08:30"),
            Some(DeliveryMode::Daily(parse_time("08:30").unwrap()))
        );
        assert_eq!(DeliveryMode::parse("HOURLY"), Some(DeliveryMode::Hourly));
        assert_eq!(DeliveryMode::parse("weekly"), None);
        assert_eq!(DeliveryMode::parse("daily 25:00"), None);
    }
}
