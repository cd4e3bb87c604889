//! Topics: the newsroom's regions and subjects that chats subscribe to.

use std::fmt;

/// A topic's stable identifier: 2–32 of `a-z 0-9 -`, starting with a letter (`dagestan`,
/// `krasnodar-territory`). Typed forms like `#Dagestan` or `Dagestan` are folded to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicSlug(String);

impl TopicSlug {
    pub fn parse(input: &str) -> Option<TopicSlug> {
        let slug = input
            .trim()
            .trim_start_matches('#')
            .to_ascii_lowercase()
            .replace('_', "-");
        let ok = (2..=32).contains(&slug.len())
            && slug.starts_with(|c: char| c.is_ascii_lowercase())
            && !slug.ends_with('-')
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        ok.then_some(TopicSlug(slug))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TopicSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A topic's display name in one language: 1–64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicName(String);

impl TopicName {
    pub fn parse(input: &str) -> Option<TopicName> {
        let name = input.trim();
        let ok =
            !name.is_empty() && name.chars().count() <= 64 && !name.chars().any(char::is_control);
        ok.then(|| TopicName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_fold_hashtags_and_case() {
        assert_eq!(TopicSlug::parse("#Dagestan").unwrap().as_str(), "dagestan");
        assert_eq!(
            TopicSlug::parse("human_rights").unwrap().as_str(),
            "human-rights"
        );
    }

    #[test]
    fn slugs_refuse_what_cannot_be_a_hashtag() {
        for bad in ["", "a", "1abc", "даг", "a b", "x-", &"a".repeat(33)] {
            assert!(TopicSlug::parse(bad).is_none(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn names_are_bounded_and_printable() {
        assert!(TopicName::parse("Краснодарский край").is_some());
        assert!(TopicName::parse("  ").is_none());
        assert!(TopicName::parse("a\u{0}b").is_none());
    }
}
