//! One pass over a feed's XML, streaming: RSS of any version (with or without `version`, a
//! default namespace or none), RDF (RSS 0.9/1.0), Atom 0.3 and 1.0, and CDF, told apart by
//! element names rather than by the root's claims. Items are collected as they end and the
//! pass stops at the cap, so a feed of 100,000 items costs what 500 do; text fields stop
//! growing at their cap, so one long field costs no more than its cap.
//!
//! Elements are matched by their local name and a namespace class (Dublin Core, RSS content,
//! Media RSS, XHTML, or the feed's own); a prefix used without a declaration is taken by its
//! usual meaning (`dc:`, `media:`). Relative links are resolved against `xml:base` in scope,
//! else the document's own address.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use url::Url;

use super::raw::{Kind, RawFeed, RawItem, RawLink, RawMedia, Text};

/// Longest text kept from one element, in bytes (the parsed fields are cut further).
const MAX_CAPTURE: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Core,
    Dc,
    Content,
    Media,
    Xhtml,
    Other,
}

fn class(uri: &[u8]) -> Ns {
    match uri {
        b"http://purl.org/dc/elements/1.1/" | b"http://purl.org/dc/terms/" => Ns::Dc,
        b"http://purl.org/rss/1.0/modules/content/" => Ns::Content,
        b"http://search.yahoo.com/mrss/" | b"http://search.yahoo.com/mrss" => Ns::Media,
        b"http://www.w3.org/1999/xhtml" => Ns::Xhtml,
        b"http://www.w3.org/2005/Atom"
        | b"http://purl.org/atom/ns#"
        | b"http://purl.org/rss/1.0/"
        | b"http://my.netscape.com/rdf/simple/0.9/"
        | b"http://backend.userland.com/rss2"
        | b"http://blogs.law.harvard.edu/tech/rss"
        | b"http://www.w3.org/1999/02/22-rdf-syntax-ns#" => Ns::Core,
        _ => Ns::Other,
    }
}

fn prefix_class(prefix: &[u8]) -> Ns {
    match prefix {
        b"dc" | b"dcterms" => Ns::Dc,
        b"content" => Ns::Content,
        b"media" => Ns::Media,
        b"xhtml" => Ns::Xhtml,
        b"atom" | b"rdf" | b"rss" => Ns::Core,
        _ => Ns::Other,
    }
}

/// Where a captured text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    FeedTitle,
    FeedDcTitle,
    FeedLanguage,
    Title,
    DcTitle,
    Link,
    Guid { permalink: bool },
    Id,
    Summary,
    Content,
    Published,
    Updated,
    Category,
    Language,
    MediaCaption,
    MediaTitle,
    MediaCredit,
}

struct Capture {
    target: Target,
    kind: Kind,
    base64: bool,
    text: String,
    /// Depth of child elements inside the captured one (XHTML content).
    inner: usize,
    base: Option<Url>,
}

impl Capture {
    fn push(&mut self, text: &str, escape: bool) {
        if self.text.len() >= MAX_CAPTURE {
            return;
        }
        let room = MAX_CAPTURE - self.text.len();
        let text = if escape && self.inner > 0 {
            quick_xml::escape::escape(text).into_owned()
        } else {
            text.to_string()
        };
        let mut end = text.len().min(room);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.text.push_str(&text[..end]);
    }
}

struct Frame {
    name: String,
    base: Option<Url>,
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        let key = a.key.as_ref();
        let local = key.rsplit(|b| *b == b':').next().unwrap_or(key);
        let matches = key.eq_ignore_ascii_case(name) || local.eq_ignore_ascii_case(name);
        matches.then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned())
        })
    })
}

fn join(base: Option<&Url>, href: &str) -> String {
    let href = href.trim();
    match base.and_then(|b| b.join(href).ok()) {
        Some(url) => url.to_string(),
        None => href.to_string(),
    }
}

/// The kind an element's `type` (and Atom 0.3's `mode`) attribute gives its text.
fn kind_of(e: &BytesStart<'_>, atom: bool) -> (Kind, bool) {
    let kind_attr = attr(e, b"type").map(|t| t.trim().to_ascii_lowercase());
    // Atom: a media type that is neither text nor XML is base64 (RFC 4287 §3.1.1.3).
    let binary = kind_attr.as_deref().is_some_and(|t| {
        t.contains('/') && !t.starts_with("text/") && !t.ends_with("xml") && !t.ends_with("+xml")
    });
    let base64 = binary || attr(e, b"mode").is_some_and(|m| m.eq_ignore_ascii_case("base64"));
    let kind = match kind_attr.as_deref() {
        Some("html" | "text/html" | "xhtml" | "application/xhtml+xml") => Kind::Html,
        Some("text" | "text/plain") => Kind::Text,
        _ if atom => Kind::Text,
        _ => Kind::Auto,
    };
    (kind, base64)
}

struct Pass {
    feed: RawFeed,
    stack: Vec<Frame>,
    item: Option<(usize, RawItem)>,
    capture: Option<(usize, Capture)>,
    atom: bool,
    root: bool,
}

impl Pass {
    fn parent(&self) -> &str {
        self.stack.last().map_or("", |f| f.name.as_str())
    }

    fn start(&mut self, ns: Ns, e: &BytesStart<'_>, empty: bool) {
        if let Some((_, capture)) = &mut self.capture {
            let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
            let attrs = String::from_utf8_lossy(e.attributes_raw()).into_owned();
            let close = if empty { "/>" } else { ">" };
            capture.inner += 1;
            capture.push(&format!("<{name}{attrs}{close}"), false);
            capture.kind = Kind::Html;
            if empty {
                capture.inner -= 1;
            }
            return;
        }
        let name = String::from_utf8_lossy(e.local_name().as_ref()).to_ascii_lowercase();
        let parent_base = self.stack.last().and_then(|f| f.base.clone());
        let base = match attr(e, b"xml:base") {
            Some(b) => Url::parse(&join(parent_base.as_ref(), &b))
                .ok()
                .or(parent_base),
            None => parent_base,
        };
        if !self.root {
            self.root = true;
            if !matches!(name.as_str(), "rss" | "rdf" | "feed" | "channel") {
                self.feed.not_a_feed = Some(name.clone());
            }
            self.atom = name == "feed";
            if let Some(lang) = attr(e, b"xml:lang") {
                self.feed.language.get_or_insert(lang);
            }
        }
        let depth = self.stack.len();
        self.element(ns, &name, e, depth, base.as_ref(), empty);
        if !empty {
            self.stack.push(Frame { name, base });
        }
    }

    fn element(
        &mut self,
        ns: Ns,
        name: &str,
        e: &BytesStart<'_>,
        depth: usize,
        base: Option<&Url>,
        empty: bool,
    ) {
        if ns == Ns::Core && matches!(name, "item" | "entry") && self.item.is_none() {
            let mut item = RawItem {
                language: attr(e, b"xml:lang"),
                ..RawItem::default()
            };
            if let Some(href) = attr(e, b"href") {
                item.cdf_link = Some(join(base, &href));
            }
            self.feed.item_elements += 1;
            self.item = Some((depth, item));
            return;
        }
        let feed_level = matches!(self.parent(), "channel" | "feed");
        let target = match self.item.as_mut() {
            Some((item_depth, item)) => {
                let direct = depth == *item_depth + 1;
                match (ns, name) {
                    (Ns::Media, "content") | (Ns::Media, "thumbnail") => {
                        if let Some(url) = attr(e, b"url") {
                            item.media.push(RawMedia {
                                url: join(base, &url),
                                kind: attr(e, b"type").or_else(|| attr(e, b"medium")),
                                thumbnail: name == "thumbnail",
                            });
                        }
                        None
                    }
                    (Ns::Media, "description") => Some(Target::MediaCaption),
                    (Ns::Media, "title") => Some(Target::MediaTitle),
                    (Ns::Media, "credit") => Some(Target::MediaCredit),
                    _ if !direct => None,
                    (Ns::Core, "enclosure") => {
                        if let Some(url) = attr(e, b"url") {
                            item.media.push(RawMedia {
                                url: join(base, &url),
                                kind: attr(e, b"type"),
                                thumbnail: false,
                            });
                        }
                        None
                    }
                    (Ns::Core, "link") => match attr(e, b"href") {
                        Some(href) => {
                            item.links.push(RawLink {
                                href: join(base, &href),
                                written: href.trim().to_string(),
                                rel: attr(e, b"rel"),
                                hreflang: attr(e, b"hreflang"),
                            });
                            None
                        }
                        None => Some(Target::Link),
                    },
                    (Ns::Core, "title") => Some(Target::Title),
                    (Ns::Dc, "title") => Some(Target::DcTitle),
                    (Ns::Core, "guid") => Some(Target::Guid {
                        permalink: attr(e, b"ispermalink")
                            .is_none_or(|p| !p.trim().eq_ignore_ascii_case("false")),
                    }),
                    (Ns::Core, "id") => Some(Target::Id),
                    (Ns::Core, "description" | "summary" | "abstract")
                    | (Ns::Dc, "description") => Some(Target::Summary),
                    (Ns::Core, "content") | (Ns::Content, "encoded") | (Ns::Xhtml, "body") => {
                        Some(Target::Content)
                    }
                    (Ns::Core, "pubdate" | "published" | "issued" | "created")
                    | (Ns::Dc, "date" | "created" | "issued") => Some(Target::Published),
                    (Ns::Core, "updated" | "modified") | (Ns::Dc, "modified") => {
                        Some(Target::Updated)
                    }
                    (Ns::Core, "category") => match attr(e, b"term") {
                        Some(term) => {
                            item.categories.push(attr(e, b"label").unwrap_or(term));
                            None
                        }
                        None => Some(Target::Category),
                    },
                    (Ns::Dc, "subject") => Some(Target::Category),
                    (Ns::Dc, "language") => Some(Target::Language),
                    _ => None,
                }
            }
            None => match (ns, name) {
                (Ns::Core, "title") if feed_level => Some(Target::FeedTitle),
                (Ns::Dc, "title") if feed_level => Some(Target::FeedDcTitle),
                (Ns::Core, "language") | (Ns::Dc, "language") if feed_level => {
                    Some(Target::FeedLanguage)
                }
                _ => None,
            },
        };
        if let Some(target) = target
            && !empty
        {
            let (kind, base64) = kind_of(e, self.atom);
            let capture = Capture {
                target,
                kind,
                base64,
                text: String::new(),
                inner: 0,
                base: base.cloned(),
            };
            self.capture = Some((depth, capture));
        }
    }

    fn text(&mut self, text: &str, escape: bool) {
        if let Some((_, capture)) = &mut self.capture {
            capture.push(text, escape);
        }
    }

    /// An element ends; true when the item cap is reached.
    fn end(&mut self, local: &[u8], max_items: usize) -> bool {
        if let Some((_, capture)) = &mut self.capture
            && capture.inner > 0
        {
            capture.inner -= 1;
            let name = String::from_utf8_lossy(local).into_owned();
            capture.push(&format!("</{name}>"), false);
            return false;
        }
        if self.stack.pop().is_none() {
            return false;
        }
        let depth = self.stack.len();
        if let Some((at, capture)) = self.capture.take() {
            if at == depth {
                self.finish(capture);
                return false;
            }
            self.capture = Some((at, capture));
        }
        if self.item.as_ref().is_some_and(|(at, _)| *at == depth)
            && let Some((_, item)) = self.item.take()
        {
            self.feed.items.push(item);
            return self.feed.items.len() >= max_items;
        }
        false
    }

    fn finish(&mut self, capture: Capture) {
        let mut raw = capture.text;
        if capture.base64 {
            use base64::Engine;
            let compact: String = raw.split_whitespace().collect();
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(compact) {
                raw = String::from_utf8_lossy(&bytes).into_owned();
            }
        }
        let text = Text {
            raw,
            kind: capture.kind,
        };
        let item = self.item.as_mut().map(|(_, item)| item);
        match (capture.target, item) {
            (Target::FeedTitle, _) => self.feed.title = Some(text),
            (Target::FeedDcTitle, _) => self.feed.dc_title = Some(text),
            (Target::FeedLanguage, _) => self.feed.language = Some(text.raw.trim().to_string()),
            (_, None) => {}
            (Target::Title, Some(item)) => item.title = Some(text),
            (Target::DcTitle, Some(item)) => item.dc_title = Some(text),
            (Target::Link, Some(item)) => {
                let href = text.raw.trim();
                if !href.is_empty() {
                    item.links.push(RawLink {
                        href: join(capture.base.as_ref(), href),
                        written: href.to_string(),
                        rel: None,
                        hreflang: None,
                    });
                }
            }
            (Target::Guid { permalink }, Some(item)) => {
                let guid = text.raw.trim().to_string();
                if permalink && (guid.starts_with("http://") || guid.starts_with("https://")) {
                    item.permalink = Some(join(capture.base.as_ref(), &guid));
                }
                item.id = Some(guid);
            }
            (Target::Id, Some(item)) => item.id = Some(text.raw.trim().to_string()),
            (Target::Summary, Some(item)) => {
                item.summary.get_or_insert(text);
            }
            (Target::Content, Some(item)) => {
                item.content.get_or_insert(text);
            }
            (Target::Published, Some(item)) => {
                item.published.get_or_insert(text.raw);
            }
            (Target::Updated, Some(item)) => {
                item.updated.get_or_insert(text.raw);
            }
            (Target::Category, Some(item)) => item.categories.push(text.raw.trim().to_string()),
            (Target::Language, Some(item)) => {
                item.language.get_or_insert(text.raw.trim().to_string());
            }
            (Target::MediaCaption, Some(item)) => {
                item.media_caption.get_or_insert(text);
            }
            (Target::MediaTitle, Some(item)) => {
                item.media_title.get_or_insert(text);
            }
            (Target::MediaCredit, Some(item)) => {
                item.media_credit.get_or_insert(text.raw.trim().to_string());
            }
        }
    }
}

/// A named entity: XML's five and HTML 4's (feeds use `&nbsp;` undeclared); unknown ones kept.
fn entity(name: &str) -> String {
    super::html::entity(name).map_or_else(|| format!("&{name};"), String::from)
}

/// Reads a feed's XML. `base` is the document's address (Content-Location, else the URL).
pub fn read(text: &str, base: Option<Url>, max_items: usize) -> RawFeed {
    let mut reader = NsReader::from_str(text);
    let config = reader.config_mut();
    config.allow_dangling_amp = true;
    config.allow_unmatched_ends = true;
    config.check_end_names = false;
    config.check_comments = false;
    let mut pass = Pass {
        feed: RawFeed::default(),
        stack: vec![Frame {
            name: String::new(),
            base,
        }],
        item: None,
        capture: None,
        atom: false,
        root: false,
    };
    // The document frame is not an element.
    let offset = 1;
    let mut capped = false;
    loop {
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(pair) => pair,
            Err(error) => {
                pass.feed.error = Some(error.to_string().chars().take(200).collect());
                break;
            }
        };
        let ns = |name: quick_xml::name::QName<'_>| match &resolved {
            ResolveResult::Bound(uri) => match class(uri.as_ref()) {
                Ns::Other if name.prefix().is_none() => Ns::Core,
                found => found,
            },
            ResolveResult::Unbound => Ns::Core,
            ResolveResult::Unknown(prefix) => prefix_class(prefix),
        };
        match event {
            Event::Start(e) => {
                let ns = ns(e.name());
                pass.start(ns, &e, false);
            }
            Event::Empty(e) => {
                let ns = ns(e.name());
                pass.start(ns, &e, true);
            }
            Event::End(e) => {
                if pass.stack.len() <= offset && pass.capture.is_none() {
                    continue;
                }
                if pass.end(e.local_name().as_ref(), max_items) {
                    capped = true;
                    break;
                }
            }
            Event::Text(t) => {
                let text = t.xml10_content().unwrap_or_default();
                pass.text(&text, true);
            }
            Event::CData(c) => {
                let text = String::from_utf8_lossy(&c.into_inner()).into_owned();
                pass.text(&text, true);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => entity(&r.decode().unwrap_or_default()),
                };
                pass.text(&resolved, true);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // A document cut off: what was complete is kept, the item it cut is not (its text would
    // be stored cut, then "corrected" by the next whole poll).
    if pass.stack.len() > offset && pass.feed.error.is_none() && !capped {
        let open = pass.stack.last().map_or("", |f| f.name.as_str());
        pass.feed.error = Some(format!("the document ends inside <{open}>"));
    }
    if !pass.root {
        pass.feed.not_a_feed = Some("no root element".into());
    }
    pass.feed
}
