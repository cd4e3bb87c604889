//! The platform-neutral layout of a pushed article, which every platform renders: headline,
//! time in the reader's zone, lead, body, photo credit, the original-language link, topics as
//! hashtags, where to read on — and the legal label, which renderers repeat in every part.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::domain::ArticleRecord;
use crate::domain::{Footnote, Label, Language, PhotoRef, Rich, Style};
use crate::message::tr;

/// A styled run of text inside a paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Bold(String),
    Italic(String),
    /// Kept whole: a link is never split across message parts.
    Link {
        text: String,
        href: String,
    },
}

/// Link schemes every platform opens safely. Anything else a feed, the CMS or an editor gives
/// (`javascript:`, `data:`, `file:`…) is shown as text, never as a link.
const SAFE_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Whether `href` may be a link: one of the safe schemes, or of `more` the platform allows too.
pub fn linkable(href: &str, more: &[&str]) -> bool {
    href.split_once(':').is_some_and(|(scheme, _)| {
        SAFE_SCHEMES
            .iter()
            .chain(more)
            .any(|safe| scheme.eq_ignore_ascii_case(safe))
    })
}

impl Inline {
    /// A link to `href`, or, for a scheme no platform should open, its text and address as
    /// plain text (so lengths are counted as shown).
    pub fn link(text: String, href: &str) -> Inline {
        if linkable(href, &["tg"]) {
            Inline::Link {
                text,
                href: href.to_string(),
            }
        } else {
            Inline::Text(format!("{text}: {href}"))
        }
    }
}

/// One paragraph; renderers separate paragraphs with a blank line.
pub type Paragraph = Vec<Inline>;

fn is_web(href: &str) -> bool {
    href.split_once(':').is_some_and(|(scheme, _)| {
        scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
    })
}

/// A paragraph of formatted text. An editor's, a feed's or the CMS's link is a link only to
/// a web address; any other (`javascript:`, `tg:`, `data:`…) is shown as text.
fn paragraph(rich: &Rich) -> Paragraph {
    rich.spans()
        .into_iter()
        .map(|span| {
            let text = span.text.to_string();
            match span.style {
                None => Inline::Text(text),
                Some(Style::Bold) => Inline::Bold(text),
                Some(Style::Italic) => Inline::Italic(text),
                Some(Style::Link(href)) if is_web(href) => Inline::Link {
                    text,
                    href: href.clone(),
                },
                Some(Style::Link(href)) => Inline::Text(format!("{text} ({href})")),
            }
        })
        .collect()
}

/// An article laid out for one reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Headline, time and lead: what a photo caption should hold.
    pub head: Vec<Paragraph>,
    /// Body, credit, links and hashtags.
    pub rest: Vec<Paragraph>,
    pub photo: Option<PhotoRef>,
    pub label: Option<Label>,
    /// Glossary entries the article mentions; their marker is already at the first mention,
    /// and renderers add the note to every part that mentions them.
    pub footnotes: Vec<Footnote>,
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_RU: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

/// `12 January 2019, 21:10 MSK` / `12 января 2019, 21:10 MSK`, in the reader's zone.
pub fn long_time(at: DateTime<Utc>, zone: Tz, language: Language) -> String {
    let local = at.with_timezone(&zone);
    let months = if language == Language::Ru {
        MONTHS_RU
    } else {
        MONTHS_EN
    };
    format!(
        "{} {} {}, {}",
        local.day(),
        months[local.month0() as usize],
        local.year(),
        local.format("%H:%M %Z")
    )
}

/// Marks the first mention of each glossary name in the paragraphs; returns the entries
/// mentioned at all. Links are left alone.
fn mark_first_mentions(paragraphs: &mut [&mut Paragraph], glossary: &[Footnote]) -> Vec<Footnote> {
    let mut mentioned = Vec::new();
    for footnote in glossary {
        'search: for paragraph in paragraphs.iter_mut() {
            for inline in paragraph.iter_mut() {
                let (Inline::Text(text) | Inline::Bold(text) | Inline::Italic(text)) = inline
                else {
                    continue;
                };
                if let Some(end) = footnote.first_mention(text) {
                    text.insert_str(end, &footnote.marker);
                    mentioned.push(footnote.clone());
                    break 'search;
                }
            }
        }
    }
    mentioned
}

/// Lays out `article` for a reader of `language` in `zone`, marking names from `glossary`.
pub fn article(
    article: &ArticleRecord,
    language: Language,
    zone: Tz,
    glossary: &[Footnote],
) -> Layout {
    let l = language.code();
    let mut time = long_time(article.published_at, zone, language);
    if let Some(updated) = article.updated_at {
        let at = updated.with_timezone(&zone).format("%H:%M").to_string();
        time.push_str(&format!(
            " · {}",
            tr("push.updated", l).replace("%{at}", &at)
        ));
    }
    let mut head = vec![
        vec![Inline::Bold(article.title.clone())],
        vec![Inline::Italic(time)],
    ];
    if !article.lead.is_empty() {
        head.push(vec![Inline::Text(article.lead.clone())]);
    }
    let mut rest: Vec<Paragraph> = article.body.paragraphs().iter().map(paragraph).collect();
    if article.photo.is_some() {
        let mut credit = Vec::new();
        if let Some(caption) = &article.photo_caption {
            credit.push(Inline::Italic(caption.clone()));
        }
        match &article.photo_credit {
            Some(c) if c.starts_with("http://") || c.starts_with("https://") => {
                credit.push(Inline::Text(" ".into()));
                credit.push(Inline::link(tr("render.photo", l), c));
            }
            Some(c) => credit.push(Inline::Text(format!(" {c}"))),
            None => {}
        }
        if !credit.is_empty() {
            rest.push(credit);
        }
    }
    if let Some(original) = &article.original_url {
        let text = tr(&format!("article.original_{}", article.language.other()), l);
        rest.push(vec![Inline::link(text, original)]);
    }
    if let Some(pair) = article.pair_id {
        let other = tr(&format!("render.also_{}", article.language.other()), l);
        rest.push(vec![Inline::Text(format!("{other}: /article {pair}"))]);
    }
    if !article.topics.is_empty() {
        let tags: Vec<String> = article
            .topics
            .iter()
            .map(|t| format!("#{}", t.as_str().replace('-', "_")))
            .collect();
        rest.push(vec![Inline::Text(tags.join(" "))]);
    }
    if let Some(url) = &article.url {
        rest.push(vec![Inline::link(tr("render.read_more", l), url)]);
    }
    let footnotes = {
        let mut all: Vec<&mut Paragraph> = head.iter_mut().chain(rest.iter_mut()).collect();
        mark_first_mentions(&mut all, glossary)
    };
    Layout {
        head,
        rest,
        photo: article.photo.clone(),
        label: article.label.clone(),
        footnotes,
    }
}

impl Layout {
    /// The layout of a copy an alert brought, saying so at its end.
    pub fn for_alert(mut self, query: &str, language: Language) -> Layout {
        self.rest.push(vec![Inline::Italic(super::post::alert_line(
            query, language,
        ))]);
        self
    }
}

/// The visible text of a paragraph.
pub fn plain_text(paragraph: &Paragraph) -> String {
    paragraph
        .iter()
        .map(|inline| match inline {
            Inline::Text(t) | Inline::Bold(t) | Inline::Italic(t) => t.as_str(),
            Inline::Link { text, .. } => text.as_str(),
        })
        .collect()
}

/// The glossary entries `paragraphs` mention, as note paragraphs for the end of a part.
pub fn notes_for(paragraphs: &[Paragraph], footnotes: &[Footnote]) -> Vec<Paragraph> {
    let text: String = paragraphs
        .iter()
        .map(plain_text)
        .collect::<Vec<_>>()
        .join("\n");
    footnotes
        .iter()
        .filter(|f| f.first_mention(&text).is_some())
        .map(|f| vec![Inline::Italic(format!("{} {}", f.marker, f.note))])
        .collect()
}
