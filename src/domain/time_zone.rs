//! IANA time zone names, as chats choose them with /timezone.

use chrono_tz::Tz;

/// A valid IANA time zone. Times are stored in UTC and shown in the chat's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZoneName(Tz);

impl TimeZoneName {
    /// Parses `Europe/Moscow`, case-insensitively (`europe/moscow` works too).
    pub fn parse(input: &str) -> Option<TimeZoneName> {
        let input = input.trim();
        if input.is_empty() || input.len() > 64 {
            return None;
        }
        input
            .parse::<Tz>()
            .ok()
            .or_else(|| Tz::from_str_insensitive(input).ok())
            .map(TimeZoneName)
    }

    /// UTC, for data that somehow lost its zone.
    pub fn utc() -> TimeZoneName {
        TimeZoneName(chrono_tz::UTC)
    }

    pub fn tz(self) -> Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_parse_in_any_case() {
        assert_eq!(
            TimeZoneName::parse("europe/moscow").unwrap().name(),
            "Europe/Moscow"
        );
        assert_eq!(
            TimeZoneName::parse("Asia/Baku").unwrap().name(),
            "Asia/Baku"
        );
        assert!(TimeZoneName::parse("Mars/Olympus").is_none());
        assert!(TimeZoneName::parse("").is_none());
    }
}
