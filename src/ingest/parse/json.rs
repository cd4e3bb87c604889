//! JSON Feed (1.0 and 1.1) into the same raw shape as XML feeds.

use serde::Deserialize;
use url::Url;

use super::raw::{Kind, RawFeed, RawItem, RawLink, RawMedia, Text};

#[derive(Deserialize)]
struct Feed {
    title: Option<String>,
    language: Option<String>,
    #[serde(default)]
    items: Vec<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Item {
    id: Option<serde_json::Value>,
    url: Option<String>,
    external_url: Option<String>,
    title: Option<String>,
    content_html: Option<String>,
    content_text: Option<String>,
    summary: Option<String>,
    image: Option<String>,
    date_published: Option<String>,
    date_modified: Option<String>,
    tags: Vec<String>,
    language: Option<String>,
}

fn text(raw: Option<String>, kind: Kind) -> Option<Text> {
    raw.map(|raw| Text { raw, kind })
}

/// Reads a JSON Feed; an item of the wrong shape is skipped, not fatal.
pub fn read(json: &str, base: Option<&Url>, max_items: usize) -> Result<RawFeed, String> {
    let feed: Feed = serde_json::from_str(json).map_err(|e| format!("JSON: {e}"))?;
    let join = |href: String| match base.and_then(|b| b.join(&href).ok()) {
        Some(url) => url.to_string(),
        None => href,
    };
    let item_elements = feed.items.len();
    let items = feed
        .items
        .into_iter()
        .take(max_items)
        .filter_map(|value| serde_json::from_value::<Item>(value).ok())
        .map(|item| RawItem {
            id: item.id.map(|id| match id {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }),
            title: text(item.title, Kind::Text),
            links: item
                .url
                .or(item.external_url)
                .map(|href| RawLink {
                    written: href.clone(),
                    href: join(href),
                    rel: None,
                    hreflang: None,
                })
                .into_iter()
                .collect(),
            summary: text(item.summary, Kind::Text),
            content: text(item.content_html, Kind::Html).or(text(item.content_text, Kind::Text)),
            published: item.date_published,
            updated: item.date_modified,
            categories: item.tags,
            language: item.language,
            media: item
                .image
                .map(|url| RawMedia {
                    url: join(url),
                    kind: Some("image".into()),
                    thumbnail: false,
                })
                .into_iter()
                .collect(),
            ..RawItem::default()
        })
        .collect();
    Ok(RawFeed {
        title: text(feed.title, Kind::Text),
        language: feed.language,
        items,
        item_elements,
        ..RawFeed::default()
    })
}
