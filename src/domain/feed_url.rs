//! A feed address as a moderator gives it: http or https, a host, no credentials.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedUrl(String);

impl FeedUrl {
    pub fn parse(input: &str) -> Option<FeedUrl> {
        let input = input.trim();
        if input.len() > 2_000 {
            return None;
        }
        let url = url::Url::parse(input).ok()?;
        let ok = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|h| !h.is_empty())
            && url.username().is_empty()
            && url.password().is_none();
        ok.then(|| FeedUrl(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FeedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_are_feeds() {
        assert_eq!(
            FeedUrl::parse(" https://example.org/rss ").map(|u| u.to_string()),
            Some("https://example.org/rss".into())
        );
        for bad in [
            "ftp://example.org/rss",
            "file:///etc/passwd",
            "https://user:pw@example.org/",
            "not a url",
            "javascript:alert(1)",
        ] {
            assert_eq!(FeedUrl::parse(bad), None, "{bad}");
        }
    }
}
