//! A fetched body → feed items. The bytes are decoded as browsers and feedparser would
//! ([`charset`]), read in one streaming pass ([`xml`], or [`json`] for JSON Feed) into what the
//! feed says ([`raw`]), and turned here into items: HTML made clean text, relative links
//! resolved, a permalink guid taken as the link, a photo with its caption and credit picked out.

mod charset;
mod codepages;
mod date;
mod entities;
mod html;
mod json;
mod raw;
mod xml;

use chrono::{DateTime, Utc};

use crate::domain::{Language, Rich};
use raw::{Kind, RawItem, Text};

/// Items a feed may hold; a feed with more is cut to its first (newest, as feeds are ordered).
const MAX_ITEMS: usize = 500;
/// Longest text kept per field, in characters.
const MAX_TITLE: usize = 300;
const MAX_BODY: usize = 60_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub url: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// The item's guid, else its link, else a hash of its title.
    pub key: String,
    pub title: String,
    pub lead: String,
    /// With the links and emphasis of the item's HTML.
    pub body: Rich,
    pub url: Option<String>,
    /// A link to the item's version in the other language (`hreflang` alternate).
    pub original_url: Option<String>,
    pub photo: Option<Photo>,
    pub categories: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub language: Option<Language>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub language: Option<Language>,
    pub items: Vec<FeedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not a feed: {0}")]
    NotAFeed(String),
    /// Items were there and none could be read: a failure, not "0 new".
    #[error("{0} items found, none with a title, text or link")]
    NoItems(usize),
}

fn cut(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        text
    } else {
        text.chars().take(max).collect()
    }
}

/// Whether RSS text that does not say its type is HTML: it has a closing or self-closing tag
/// or an entity left after the XML's own were resolved (`a<b` is text, `<b>x</b>` is not).
fn looks_like_html(text: &str) -> bool {
    let closing = text.match_indices("</").any(|(at, _)| {
        let name: String = text[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        !name.is_empty() && text[at + 2 + name.len()..].starts_with('>')
    });
    let entity = text.match_indices('&').any(|(at, _)| {
        let rest = &text[at + 1..];
        let rest = rest.strip_prefix('#').unwrap_or(rest);
        let name = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        name > 0 && rest[name..].starts_with(';')
    });
    closing || entity || text.contains("/>")
}

/// A title or other one-line text: markup turned into text when it is HTML.
fn line(text: &Text) -> String {
    let html = match text.kind {
        Kind::Html => true,
        Kind::Text => false,
        Kind::Auto => looks_like_html(&text.raw),
    };
    if html {
        html::strip(&text.raw)
    } else {
        html::collapse(&text.raw)
    }
}

/// A summary or content: RSS bodies are HTML unless they say otherwise.
fn paragraphs(text: &Text) -> Rich {
    match text.kind {
        Kind::Html | Kind::Auto => Rich::from_html(&text.raw),
        Kind::Text => Rich::plain(html::tidy_paragraphs(&text.raw)),
    }
}

/// At most `max` characters of a formatted text.
fn cut_rich(text: Rich, max: usize) -> Rich {
    match text.text.char_indices().nth(max) {
        Some((at, _)) => text.slice(0..at),
        None => text,
    }
}

/// A language from text when the feed does not say: Cyrillic letters make it Russian.
pub fn detect_language(text: &str) -> Language {
    let (mut cyrillic, mut latin) = (0, 0);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        if matches!(c, '\u{0400}'..='\u{04FF}') {
            cyrillic += 1;
        } else if c.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    if cyrillic * 2 >= latin && cyrillic > 0 {
        Language::Ru
    } else {
        Language::En
    }
}

fn is_image(url: &str, kind: Option<&str>) -> bool {
    if let Some(kind) = kind {
        return kind.starts_with("image");
    }
    let path = url.split(['?', '#']).next().unwrap_or(url).to_lowercase();
    [".jpg", ".jpeg", ".png", ".webp", ".gif"]
        .iter()
        .any(|e| path.ends_with(e))
}

fn photo_of(item: &RawItem, content_html: &str) -> Option<Photo> {
    let media = item
        .media
        .iter()
        .filter(|m| is_image(&m.url, m.kind.as_deref()))
        .min_by_key(|m| m.thumbnail);
    if let Some(media) = media {
        return Some(Photo {
            url: media.url.clone(),
            caption: item
                .media_caption
                .as_ref()
                .or(item.media_title.as_ref())
                .map(line)
                .filter(|c| !c.is_empty()),
            credit: item.media_credit.clone().filter(|c| !c.is_empty()),
        });
    }
    // The first image of the content, if it has an absolute http(s) URL.
    let at = content_html.find("<img")?;
    let tag = &content_html[at..at + content_html[at..].find('>')?];
    let src = tag.split("src=").nth(1)?;
    let quote = src.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let url = &src[1..1 + src[1..].find(quote)?];
    url.starts_with("http").then(|| Photo {
        url: url.to_string(),
        caption: None,
        credit: None,
    })
}

/// The item's link: its alternate (not another language's), a plain link, a permalink guid,
/// CDF's `href`.
fn link_of(item: &RawItem) -> Option<String> {
    item.links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate") && l.hreflang.is_none())
        .or(item.links.first())
        .map(|l| l.href.clone())
        .or_else(|| item.permalink.clone())
        .or_else(|| item.cdf_link.clone())
}

/// A link without its scheme and trailing slash: `example.org/news/1`.
fn shown_link(url: &str) -> String {
    let bare = url.split_once("://").map_or(url, |(_, rest)| rest);
    bare.trim_end_matches('/').to_string()
}

fn item(raw: RawItem) -> Option<FeedItem> {
    let title = raw
        .title
        .as_ref()
        .or(raw.dc_title.as_ref())
        .or(raw.media_title.as_ref());
    let title_text = cut(title.map(line).unwrap_or_default(), MAX_TITLE);
    let content_html = raw
        .content
        .as_ref()
        .filter(|c| c.kind != Kind::Text)
        .map(|c| c.raw.as_str())
        .unwrap_or_default();
    let summary = raw.summary.as_ref().map(paragraphs).unwrap_or_default();
    let content = raw.content.as_ref().map(paragraphs).unwrap_or_default();
    // The lead is plain (a push shows it as one paragraph); the body keeps its formatting.
    let (lead, body) = match (summary.text.is_empty(), content.text.is_empty()) {
        (false, false) => {
            let body = match content.text.strip_prefix(&summary.text) {
                Some(_) => content.slice(summary.text.len()..content.text.len()).trim(),
                None => content,
            };
            (summary.text, body)
        }
        (true, true) => (String::new(), Rich::default()),
        (false, true) | (true, false) => {
            let text = if summary.text.is_empty() {
                content
            } else {
                summary
            };
            match text.text.find("\n\n") {
                Some(at) => (
                    text.text[..at].to_string(),
                    text.slice(at + 2..text.text.len()),
                ),
                None => (text.text, Rich::default()),
            }
        }
    };
    let url = link_of(&raw);
    if title_text.is_empty() && lead.is_empty() && url.is_none() {
        return None;
    }
    let key = match raw.id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => id.to_string(),
        None => match raw
            .links
            .first()
            .map(|l| l.written.as_str())
            .or(url.as_deref())
        {
            Some(link) => format!("link:{link}"),
            None => format!(
                "title:{:016x}",
                crate::domain::fnv(title.map_or("", |t| t.raw.as_str()))
            ),
        },
    };
    // No title: the lead's beginning, else the link as a reader would write it.
    let title_text = match (title_text.is_empty(), lead.is_empty(), &url) {
        (false, _, _) => title_text,
        (true, false, _) => cut(lead.clone(), 120),
        (true, true, Some(url)) => cut(shown_link(url), MAX_TITLE),
        (true, true, None) => return None,
    };
    let original_url = raw
        .links
        .iter()
        .find(|l| l.hreflang.is_some() && l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .map(|l| l.href.clone());
    let photo = photo_of(&raw, content_html);
    let published = raw.published.as_deref().and_then(date::parse);
    Some(FeedItem {
        key,
        lead: cut(lead, MAX_BODY),
        body: cut_rich(body, MAX_BODY),
        url,
        original_url,
        photo,
        categories: raw
            .categories
            .into_iter()
            .filter(|c| !c.is_empty())
            .collect(),
        published: published.or_else(|| raw.updated.as_deref().and_then(date::parse)),
        language: raw.language.as_deref().and_then(Language::parse),
        title: title_text,
    })
}

/// Parses a fetched body. `base` is where relative links lead from: the response's
/// Content-Location, else the feed's address. Items keep the feed's order; at most 500.
pub fn parse(
    bytes: &[u8],
    content_type: Option<&str>,
    base: Option<&str>,
) -> Result<ParsedFeed, ParseError> {
    let decoded = charset::decode(bytes, content_type);
    let text = decoded
        .text
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let base = base.and_then(|b| url::Url::parse(b).ok());
    let raw = if text.starts_with('{') {
        json::read(text, base.as_ref(), MAX_ITEMS).map_err(ParseError::NotAFeed)?
    } else {
        xml::read(text, base, MAX_ITEMS)
    };
    if let Some(root) = raw.not_a_feed {
        return Err(ParseError::NotAFeed(match raw.error {
            Some(error) => error,
            None => format!("the document is <{root}>, not RSS, Atom or JSON Feed"),
        }));
    }
    let language = raw.language.as_deref().and_then(Language::parse);
    let title = raw
        .title
        .as_ref()
        .or(raw.dc_title.as_ref())
        .map(line)
        .filter(|t| !t.is_empty());
    let items: Vec<FeedItem> = raw.items.into_iter().filter_map(item).collect();
    // Ill-formed with nothing whole to show (an item cut, or not even a title): not a feed.
    // A channel whose closing tag is missing still has its title.
    if let (true, Some(error)) = (items.is_empty(), &raw.error)
        && (raw.item_elements > 0 || title.is_none())
    {
        return Err(ParseError::NotAFeed(error.clone()));
    }
    if items.is_empty() && raw.item_elements > 0 {
        return Err(ParseError::NoItems(raw.item_elements));
    }
    Ok(ParsedFeed {
        title,
        language,
        items,
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn cyrillic_text_is_russian() {
        assert_eq!(detect_language("Выборы в Дагестане"), Language::Ru);
        assert_eq!(detect_language("Elections in Dagestan"), Language::En);
    }
}
