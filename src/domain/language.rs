//! The two languages herald speaks to its users and publishes in.

use std::fmt;
use std::str::FromStr;

/// A chat's or an article's language. Everything a user reads exists in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Ru,
    En,
}

impl Language {
    /// Accepts `ru`/`en` and the names people type (`russian`, `русский`, `english`, ...), and
    /// platform language codes such as `ru-RU` or `en_GB`.
    pub fn parse(input: &str) -> Option<Language> {
        let lower = input.trim().to_lowercase();
        let code = lower.split(['-', '_']).next().unwrap_or("");
        match code {
            "ru" | "rus" | "russian" | "русский" | "рус" => Some(Language::Ru),
            "en" | "eng" | "english" | "английский" | "англ" => Some(Language::En),
            _ => None,
        }
    }

    /// The locale code used by the translation catalogs and stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Language::Ru => "ru",
            Language::En => "en",
        }
    }

    /// The other language of the pair.
    pub fn other(self) -> Language {
        match self {
            Language::Ru => Language::En,
            Language::En => Language::Ru,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::parse(s).ok_or_else(|| format!("unknown language `{s}` (expected ru or en)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_codes_and_names_are_understood() {
        assert_eq!(Language::parse("ru-RU"), Some(Language::Ru));
        assert_eq!(Language::parse("en_GB"), Some(Language::En));
        assert_eq!(Language::parse("Русский"), Some(Language::Ru));
        assert_eq!(Language::parse("de"), None);
        assert_eq!(Language::parse(""), None);
    }
}
