//! Dates as feeds write them: RFC 822 (with or without a weekday, two-digit years, zone names),
//! RFC 3339 and the W3C profile of ISO 8601 down to a bare year-month-day.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// A feed's date, or `None` when it cannot be read (the item is then dated by its arrival).
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() || text.len() > 80 {
        return None;
    }
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date.with_timezone(&Utc));
    }
    rfc822_loose(text).or_else(|| w3c(text))
}

/// RFC 822 with a zone chrono does not know (`UTC`, `Z`, `MSK`) or none, seconds optional.
fn rfc822_loose(text: &str) -> Option<DateTime<Utc>> {
    let text = text.split_once(',').map_or(text, |(_, rest)| rest).trim();
    let mut words: Vec<&str> = text.split_whitespace().collect();
    let zone = match words.last() {
        Some(last) if last.chars().all(|c| c.is_ascii_alphabetic()) => {
            let hours = match last.to_ascii_uppercase().as_str() {
                "UT" | "UTC" | "GMT" | "Z" => 0,
                "MSK" => 3,
                "EST" => -5,
                "EDT" => -4,
                "CST" => -6,
                "CDT" => -5,
                "MST" => -7,
                "MDT" => -6,
                "PST" => -8,
                "PDT" => -7,
                _ => return None,
            };
            words.pop();
            hours * 3600
        }
        _ => 0,
    };
    let joined = words.join(" ");
    let naive = [
        "%d %b %Y %H:%M:%S",
        "%d %b %Y %H:%M",
        "%d %b %y %H:%M:%S",
        "%d %B %Y %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(&joined, f).ok())?;
    Some(Utc.from_utc_datetime(&(naive - chrono::Duration::seconds(zone))))
}

/// W3C dates: `2026-12-02T10:30Z`, `2026-12-02T10:30:00+03:00` without seconds, `2026-12-02`.
fn w3c(text: &str) -> Option<DateTime<Utc>> {
    for format in [
        "%Y-%m-%dT%H:%M%#z",
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%#z",
    ] {
        let fixed = text.replace('Z', "+00:00");
        if let Ok(date) = DateTime::parse_from_str(&fixed, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d"))
        .ok()?;
    Some(Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_feeds_write_are_read() {
        let noon = "2026-12-02T12:00:00Z";
        for text in [
            "Wed, 02 Dec 2026 12:00:00 GMT",
            "02 Dec 2026 15:00:00 +0300",
            "Wed, 02 Dec 2026 15:00:00 MSK",
            "Wed, 02 Dec 2026 12:00 UTC",
            "2026-12-02T12:00:00Z",
            "2026-12-02T15:00+03:00",
            "2026-12-02T12:00:00.250Z",
        ] {
            let parsed = parse(text).map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            assert_eq!(parsed.as_deref(), Some(noon), "{text}");
        }
        assert_eq!(
            parse("2026-12-02").map(|d| d.to_rfc3339()),
            Some("2026-12-02T00:00:00+00:00".into())
        );
        assert_eq!(parse("yesterday"), None);
    }
}
