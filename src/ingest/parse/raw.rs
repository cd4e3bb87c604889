//! What a feed says, before herald's meaning is put on it: texts with their kind, links
//! resolved, dates as written. The XML and JSON readers produce it; `parse` turns it into items.

/// How an element's text is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// Plain text (Atom `type="text"`): `<` is a character.
    Text,
    /// HTML (or XHTML children): markup to be turned into text.
    Html,
    /// RSS, which does not say: HTML when it looks like it (a closing tag or an entity).
    #[default]
    Auto,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// Entities resolved; markup as written when the kind is HTML.
    pub raw: String,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLink {
    /// Resolved against the base in scope.
    pub href: String,
    /// As the feed wrote it: the item's key when it has no id, so keys stay what they were
    /// before links were resolved (a changed key would publish the item again).
    pub written: String,
    pub rel: Option<String>,
    pub hreflang: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMedia {
    pub url: String,
    /// MIME type or Media RSS `medium`.
    pub kind: Option<String>,
    pub thumbnail: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawItem {
    pub id: Option<String>,
    pub title: Option<Text>,
    pub dc_title: Option<Text>,
    pub links: Vec<RawLink>,
    /// A `guid` that is a permalink (the default in RSS 2.0) and a web address.
    pub permalink: Option<String>,
    /// CDF's `<item href>`.
    pub cdf_link: Option<String>,
    pub summary: Option<Text>,
    pub content: Option<Text>,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub categories: Vec<String>,
    pub language: Option<String>,
    pub media: Vec<RawMedia>,
    pub media_caption: Option<Text>,
    /// Media RSS's title: the item's title when it has no other, and else the photo's caption.
    pub media_title: Option<Text>,
    pub media_credit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawFeed {
    pub title: Option<Text>,
    pub dc_title: Option<Text>,
    pub language: Option<String>,
    pub items: Vec<RawItem>,
    /// Every `<item>`/`<entry>` met, kept or not: a feed with some and no items kept failed.
    pub item_elements: usize,
    /// The root element when it is not a feed's (an HTML page, say).
    pub not_a_feed: Option<String>,
    /// Where the document stopped being well-formed; what came before is kept.
    pub error: Option<String>,
}
