//! A fetched body → feed items: the declared encoding decoded (windows-1251 and KOI8-R are
//! common in Russian news), RSS 0.9x/1.0/2.0, Atom and JSON Feed parsed by feed-rs, HTML
//! content turned into clean text, and a photo with its caption and credit picked out.

use chrono::{DateTime, Utc};
use encoding_rs::Encoding;
use feed_rs::model::{Entry, Link, Text};

use crate::domain::Language;

/// Items a feed may hold; a feed with more is cut to its newest.
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
    pub body: String,
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
    #[error("unknown encoding {0}")]
    Encoding(String),
    #[error("not a feed: {0}")]
    NotAFeed(String),
}

/// The charset named by the Content-Type header or the XML declaration.
fn declared_charset<'a>(bytes: &'a [u8], content_type: Option<&'a str>) -> Option<String> {
    let from_header = content_type.and_then(|ct| {
        ct.split(';')
            .filter_map(|p| p.trim().strip_prefix("charset="))
            .next()
            .map(|c| c.trim_matches('"').to_string())
    });
    from_header.or_else(|| {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
        let prolog = head.strip_prefix('\u{feff}').unwrap_or(&head);
        let decl = prolog.strip_prefix("<?xml")?;
        let decl = &decl[..decl.find("?>")?];
        let at = decl.find("encoding")?;
        let rest = decl[at + "encoding".len()..]
            .trim_start()
            .strip_prefix('=')?;
        let rest = rest.trim_start();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = &rest[1..];
        Some(value[..value.find(quote)?].to_string())
    })
}

/// The body as UTF-8, with an XML declaration saying so.
fn to_utf8(bytes: &[u8], content_type: Option<&str>) -> Result<Vec<u8>, ParseError> {
    let Some(label) = declared_charset(bytes, content_type) else {
        return Ok(bytes.to_vec());
    };
    let encoding = Encoding::for_label(label.as_bytes())
        .ok_or_else(|| ParseError::Encoding(label.chars().take(40).collect()))?;
    if encoding == encoding_rs::UTF_8 {
        return Ok(bytes.to_vec());
    }
    let (text, _, _) = encoding.decode(bytes);
    // The declaration must not claim the old encoding once the text is UTF-8.
    let text = text.replacen(&label, "utf-8", 1);
    Ok(text.into_bytes())
}

/// HTML (or plain text) → paragraphs of clean text, separated by blank lines.
pub fn clean_text(html: &str) -> String {
    let text = html2text::config::plain_no_decorate()
        .raw_mode(true)
        .string_from_read(html.as_bytes(), 100_000)
        .unwrap_or_else(|_| html.to_string());
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    paragraphs.join("\n\n")
}

fn cut(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        text
    } else {
        text.chars().take(max).collect()
    }
}

fn text_of(text: &Option<Text>) -> String {
    text.as_ref()
        .map(|t| clean_text(&t.content))
        .unwrap_or_default()
}

/// A stable key for items without a guid: the link, else a hash of the title.
fn generated_key(links: &[Link], title: &Option<Text>, _base: Option<&str>) -> String {
    match links.first() {
        Some(link) => format!("link:{}", link.href),
        None => format!(
            "title:{:016x}",
            crate::domain::fnv(title.as_ref().map_or("", |t| t.content.as_str()))
        ),
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

fn photo_of(entry: &Entry, content_html: &str) -> Option<Photo> {
    for media in &entry.media {
        let image = media.content.iter().find(|c| {
            let typed = c
                .content_type
                .as_ref()
                .is_some_and(|t| t.to_string().starts_with("image/"));
            let named = c.url.as_ref().is_some_and(|u| {
                let path = u.path().to_lowercase();
                [".jpg", ".jpeg", ".png", ".webp", ".gif"]
                    .iter()
                    .any(|e| path.ends_with(e))
            });
            typed || named
        });
        let url = image
            .and_then(|c| c.url.as_ref().map(|u| u.to_string()))
            .or_else(|| media.thumbnails.first().map(|t| t.image.uri.clone()));
        if let Some(url) = url {
            let caption = media
                .description
                .as_ref()
                .or(media.title.as_ref())
                .map(|t| clean_text(&t.content))
                .filter(|c| !c.is_empty());
            let credit = media.credits.first().map(|c| c.entity.clone());
            return Some(Photo {
                url,
                caption,
                credit,
            });
        }
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

fn item(entry: Entry) -> Option<FeedItem> {
    let title = cut(text_of(&entry.title).replace("\n\n", " "), MAX_TITLE);
    let content_html = entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .unwrap_or_default();
    let summary = text_of(&entry.summary);
    let content = clean_text(&content_html);
    let (lead, body) = match (summary.is_empty(), content.is_empty()) {
        (false, false) => {
            let body = content
                .strip_prefix(&summary)
                .map(|b| b.trim().to_string())
                .unwrap_or(content);
            (summary, body)
        }
        (true, true) => (String::new(), String::new()),
        (false, true) | (true, false) => {
            let text = if summary.is_empty() { content } else { summary };
            match text.split_once("\n\n") {
                Some((lead, body)) => (lead.to_string(), body.to_string()),
                None => (text, String::new()),
            }
        }
    };
    if title.is_empty() && lead.is_empty() {
        return None;
    }
    let title = if title.is_empty() {
        cut(lead.clone(), 120)
    } else {
        title
    };
    let url = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate") && l.href_lang.is_none())
        .or(entry.links.first())
        .map(|l| l.href.clone());
    let original_url = entry
        .links
        .iter()
        .find(|l| l.href_lang.is_some() && l.rel.as_deref() == Some("alternate"))
        .map(|l| l.href.clone());
    let photo = photo_of(&entry, &content_html);
    Some(FeedItem {
        key: entry.id.clone(),
        lead: cut(lead, MAX_BODY),
        body: cut(body, MAX_BODY),
        url,
        original_url,
        photo,
        categories: entry
            .categories
            .iter()
            .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
            .collect(),
        published: entry.published.or(entry.updated),
        language: entry.language.as_deref().and_then(Language::parse),
        title,
    })
}

/// Parses a fetched body. Items keep the feed's order; at most the first 500.
pub fn parse(bytes: &[u8], content_type: Option<&str>) -> Result<ParsedFeed, ParseError> {
    let utf8 = to_utf8(bytes, content_type)?;
    let parser = feed_rs::parser::Builder::new()
        .id_generator(generated_key)
        .build();
    let feed = parser
        .parse(utf8.as_slice())
        .map_err(|e| ParseError::NotAFeed(e.to_string().chars().take(200).collect()))?;
    let language = feed.language.as_deref().and_then(Language::parse);
    let title = feed
        .title
        .as_ref()
        .map(|t| clean_text(&t.content))
        .filter(|t| !t.is_empty());
    let items = feed
        .entries
        .into_iter()
        .take(MAX_ITEMS)
        .filter_map(item)
        .collect();
    Ok(ParsedFeed {
        title,
        language,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets_come_from_the_header_or_the_declaration() {
        let xml = br#"<?xml version="1.0" encoding="windows-1251"?><rss/>"#;
        assert_eq!(declared_charset(xml, None).as_deref(), Some("windows-1251"));
        assert_eq!(
            declared_charset(xml, Some("application/rss+xml; charset=koi8-r")).as_deref(),
            Some("koi8-r")
        );
        assert_eq!(declared_charset(b"<rss/>", None), None);
    }

    #[test]
    fn html_becomes_clean_paragraphs() {
        let text = clean_text(
            "<p>Rescuers <b>reached</b> the&nbsp;village.</p><p>Roads   are\nclosed.</p><script>x</script>",
        );
        assert_eq!(text, "Rescuers reached the village.\n\nRoads are closed.");
    }

    #[test]
    fn cyrillic_text_is_russian() {
        assert_eq!(detect_language("Выборы в Дагестане"), Language::Ru);
        assert_eq!(detect_language("Elections in Dagestan"), Language::En);
    }
}
