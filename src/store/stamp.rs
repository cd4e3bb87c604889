//! Times as both backends store them: RFC 3339 text, so that text order is time order and a
//! row copied between backends means the same. The Any driver has no chrono types; this is
//! the one place that writes and reads that text.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use sqlx::any::{AnyTypeInfo, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Any, Database, Decode, Encode, Type};

/// A time bound to or read from a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp(pub DateTime<Utc>);

impl Stamp {
    /// The stored text: what sqlx's SQLite driver wrote before the Any driver, kept so old rows
    /// and new ones sort together.
    pub(super) fn text(time: DateTime<Utc>) -> String {
        time.to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }

    /// Reads stored text: RFC 3339, or SQLite's own `YYYY-MM-DD HH:MM:SS` (what
    /// `datetime()` and `CURRENT_TIMESTAMP` write), taken as UTC.
    pub(super) fn parse(text: &str) -> Option<DateTime<Utc>> {
        if let Ok(time) = DateTime::parse_from_rfc3339(text) {
            return Some(time.with_timezone(&Utc));
        }
        ["%F %T%.f", "%FT%T%.f", "%F %R"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .map(|naive| naive.and_utc())
    }
}

impl Type<Any> for Stamp {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl Encode<'_, Any> for Stamp {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <String as Encode<'_, Any>>::encode(Stamp::text(self.0), buf)
    }
}

impl<'r> Decode<'r, Any> for Stamp {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<'r, Any>>::decode(value)?;
        Stamp::parse(text)
            .map(Stamp)
            .ok_or_else(|| format!("not a stored time: {text}").into())
    }
}

#[cfg(test)]
mod tests {
    use super::Stamp;
    use chrono::{TimeZone, Utc};

    #[test]
    fn stored_text_reads_back_as_the_same_time() {
        let time = Utc.with_ymd_and_hms(2026, 12, 3, 9, 30, 5).unwrap();
        assert_eq!(Stamp::text(time), "2026-12-03T09:30:05+00:00");
        assert_eq!(Stamp::parse(&Stamp::text(time)), Some(time));
        let precise = time + chrono::Duration::microseconds(1_500);
        assert_eq!(Stamp::parse(&Stamp::text(precise)), Some(precise));
        assert_eq!(Stamp::parse("2026-12-03 09:30:05"), Some(time));
        assert_eq!(Stamp::parse("yesterday"), None);
    }
}
