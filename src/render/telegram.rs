//! Telegram HTML: escaping, Telegram's length limits and splitting.
//!
//! Telegram counts a message's length after parsing entities, in UTF-16 code units: tags do not
//! count, `&amp;` counts as one, an emoji outside the BMP counts as two. Text may hold 4096 of
//! them and a photo caption 1024. A message too long for one part is split between paragraphs,
//! else between sentences, else between words — never inside a tag, an entity, a link or a
//! character — and a required legal label is repeated in every part.

use crate::domain::{Footnote, Label, LabelPosition, PhotoRef};
use crate::render::layout::{Inline, Layout, Paragraph, linkable, notes_for};

pub const TEXT_LIMIT: usize = 4096;
pub const CAPTION_LIMIT: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("the label needs {needs} of the {limit} characters a message may hold")]
    LabelDoesNotFit { needs: usize, limit: usize },
    #[error("a link of {needs} characters cannot fit in a message of {limit}")]
    LinkTooLong { needs: usize, limit: usize },
}

/// Escapes text for Telegram's HTML parse mode (only `&`, `<`, `>` and, in attributes, `"`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Length as Telegram counts it: UTF-16 code units of the visible text.
pub fn visible_len(text: &str) -> usize {
    text.encode_utf16().count()
}

fn inline_text(inline: &Inline) -> &str {
    match inline {
        Inline::Text(t) | Inline::Bold(t) | Inline::Italic(t) => t,
        Inline::Link { text, .. } => text,
    }
}

fn inline_html(inline: &Inline) -> String {
    match inline {
        Inline::Text(t) => escape(t),
        Inline::Bold(t) => format!("<b>{}</b>", escape(t)),
        Inline::Italic(t) => format!("<i>{}</i>", escape(t)),
        Inline::Link { text, href } if linkable(href, &["tg"]) => {
            format!("<a href=\"{}\">{}</a>", escape(href), escape(text))
        }
        Inline::Link { text, href } => escape(&format!("{text}: {href}")),
    }
}

fn paragraph_len(paragraph: &Paragraph) -> usize {
    paragraph.iter().map(|i| visible_len(inline_text(i))).sum()
}

fn paragraph_html(paragraph: &Paragraph) -> String {
    paragraph.iter().map(inline_html).collect()
}

/// Cuts a styled text run into pieces of at most `limit`, preferring sentence ends, then
/// spaces, then any character boundary.
fn cut_run(text: &str, limit: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    loop {
        // The longest prefix within the limit, on a char boundary; only that much is read, so
        // cutting a long text costs its length, not its length times its pieces.
        let mut end = 0;
        let mut units = 0;
        let mut over = false;
        for (i, c) in rest.char_indices() {
            if units + c.len_utf16() > limit {
                over = true;
                break;
            }
            units += c.len_utf16();
            end = i + c.len_utf8();
        }
        if !over {
            break;
        }
        let window = &rest[..end];
        let cut = window
            .rmatch_indices(['.', '!', '?', '…'])
            .map(|(i, m)| i + m.len())
            .find(|i| window[*i..].starts_with(' ') || *i == window.len())
            .filter(|i| *i > 0)
            .or_else(|| window.rfind(' ').filter(|i| *i > 0))
            .unwrap_or(end.max(rest.chars().next().map_or(1, char::len_utf8)));
        pieces.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        pieces.push(rest.to_string());
    }
    pieces
}

/// Splits a paragraph longer than `limit` into paragraphs that fit.
pub(crate) fn split_paragraph(
    paragraph: &Paragraph,
    limit: usize,
) -> Result<Vec<Paragraph>, SplitError> {
    let mut out: Vec<Paragraph> = Vec::new();
    let mut current: Paragraph = Vec::new();
    let mut used = 0;
    for inline in paragraph {
        let len = visible_len(inline_text(inline));
        if used + len <= limit {
            current.push(inline.clone());
            used += len;
            continue;
        }
        if let Inline::Link { .. } = inline {
            if len > limit {
                return Err(SplitError::LinkTooLong { needs: len, limit });
            }
            out.push(std::mem::replace(&mut current, vec![inline.clone()]));
            used = len;
            continue;
        }
        let restyle = |t: String| match inline {
            Inline::Bold(_) => Inline::Bold(t),
            Inline::Italic(_) => Inline::Italic(t),
            _ => Inline::Text(t),
        };
        for piece in cut_run(inline_text(inline), limit) {
            let piece_len = visible_len(&piece);
            if used + piece_len > limit && used > 0 {
                out.push(std::mem::take(&mut current));
                used = 0;
            }
            current.push(restyle(piece));
            used += piece_len;
        }
    }
    out.push(current);
    out.retain(|p| !p.is_empty());
    Ok(out)
}

/// Renders paragraphs as Telegram HTML parts of at most `limit` visible characters each, with
/// `label` (if any) as the first (or last) paragraph of every part and, at the end of each part,
/// the notes of the `footnotes` that part mentions (room for all of them is kept in every part).
pub fn parts(
    paragraphs: &[Paragraph],
    label: Option<&Label>,
    footnotes: &[Footnote],
    limit: usize,
) -> Result<Vec<String>, SplitError> {
    const SEPARATOR: usize = 2; // "\n\n"
    let notes: usize = footnotes
        .iter()
        .map(|f| visible_len(&format!("{} {}", f.marker, f.note)) + SEPARATOR)
        .sum();
    let reserved = label.map_or(0, |l| visible_len(&l.text) + SEPARATOR) + notes;
    if reserved + 2 > limit {
        return Err(SplitError::LabelDoesNotFit {
            needs: reserved,
            limit,
        });
    }
    let room = limit - reserved;
    let mut pieces: Vec<Paragraph> = Vec::new();
    for paragraph in paragraphs.iter().filter(|p| paragraph_len(p) > 0) {
        if paragraph_len(paragraph) <= room {
            pieces.push(paragraph.clone());
        } else {
            pieces.extend(split_paragraph(paragraph, room)?);
        }
    }
    let mut out: Vec<Vec<Paragraph>> = Vec::new();
    let mut current: Vec<Paragraph> = Vec::new();
    let mut used = 0;
    for piece in pieces {
        let len = paragraph_len(&piece);
        if !current.is_empty() && used + SEPARATOR + len > room {
            out.push(std::mem::take(&mut current));
            used = 0;
        }
        used += if current.is_empty() {
            len
        } else {
            len + SEPARATOR
        };
        current.push(piece);
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    Ok(out
        .into_iter()
        .map(|part| {
            let mut html: Vec<String> = part.iter().map(paragraph_html).collect();
            html.extend(notes_for(&part, footnotes).iter().map(paragraph_html));
            match label {
                Some(l) if l.position == LabelPosition::Bottom => html.push(escape(&l.text)),
                Some(l) => html.insert(0, escape(&l.text)),
                None => {}
            }
            html.join("\n\n")
        })
        .collect())
}

/// An article as Telegram messages: a photo with its caption (≤ 1024), then texts (≤ 4096).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelegramPost {
    /// The photo and its caption's HTML.
    pub photo: Option<(PhotoRef, String)>,
    pub texts: Vec<String>,
}

/// Renders a laid-out article. With a photo, the caption holds the headline, time and lead if
/// they fit in one caption, else the headline alone, and everything else follows as text.
pub fn article(layout: &Layout) -> Result<TelegramPost, SplitError> {
    let label = layout.label.as_ref();
    let Some(photo) = &layout.photo else {
        let all: Vec<Paragraph> = layout.head.iter().chain(&layout.rest).cloned().collect();
        return Ok(TelegramPost {
            photo: None,
            texts: parts(&all, label, &layout.footnotes, TEXT_LIMIT)?,
        });
    };
    let notes = &layout.footnotes;
    let head = parts(&layout.head, label, notes, CAPTION_LIMIT)?;
    let (caption, rest): (String, Vec<Paragraph>) = if head.len() == 1 {
        (
            head.into_iter().next().unwrap_or_default(),
            layout.rest.clone(),
        )
    } else {
        let headline = parts(&layout.head[..1], label, notes, CAPTION_LIMIT)?;
        (
            headline[0].clone(),
            layout.head[1..]
                .iter()
                .chain(&layout.rest)
                .cloned()
                .collect(),
        )
    };
    let texts = if rest.is_empty() {
        Vec::new()
    } else {
        parts(&rest, label, notes, TEXT_LIMIT)?
    };
    Ok(TelegramPost {
        photo: Some((photo.clone(), caption)),
        texts,
    })
}

/// The visible length of rendered Telegram HTML, as Telegram counts it after parsing.
pub fn parsed_len(html: &str) -> usize {
    let mut visible = String::new();
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        visible.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            rest = rest.find('>').map_or("", |e| &rest[e + 1..]);
        } else {
            let end = rest.find(';').map_or(rest.len(), |e| e + 1);
            visible.push(match &rest[..end] {
                "&lt;" => '<',
                "&gt;" => '>',
                "&quot;" => '"',
                _ => '&',
            });
            rest = &rest[end..];
        }
    }
    visible.push_str(rest);
    visible_len(&visible)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn top(text: &str) -> Label {
        Label {
            text: text.into(),
            position: LabelPosition::Top,
        }
    }

    fn text(t: &str) -> Paragraph {
        vec![Inline::Text(t.into())]
    }

    #[test]
    fn markup_in_titles_is_escaped_and_counted_as_shown() {
        let html = parts(
            &[vec![Inline::Bold("<b>Bold</b> & \"q\"".into())]],
            None,
            &[],
            TEXT_LIMIT,
        )
        .unwrap();
        assert_eq!(html, ["<b>&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;q&quot;</b>"]);
        assert_eq!(parsed_len(&html[0]), visible_len("<b>Bold</b> & \"q\""));
    }

    #[test]
    fn astral_characters_count_twice_and_are_never_cut() {
        let long = "🗞".repeat(3_000);
        let html = parts(&[text(&long)], None, &[], TEXT_LIMIT).unwrap();
        assert_eq!(html.len(), 2);
        assert!(html.iter().all(|p| parsed_len(p) <= TEXT_LIMIT));
        assert_eq!(html.concat().chars().count(), 3_000);
    }

    #[test]
    fn long_articles_split_between_paragraphs_then_sentences() {
        let paragraph = "A sentence of some length. ".repeat(60);
        let html = parts(
            &[text(&paragraph), text(&paragraph), text(&paragraph)],
            None,
            &[],
            2_000,
        )
        .unwrap();
        assert!(html.len() >= 3);
        for part in &html {
            assert!(parsed_len(part) <= 2_000);
            assert!(
                part.trim_end().ends_with('.'),
                "cut at a sentence end: …{}",
                &part[part.len() - 20..]
            );
        }
    }

    #[test]
    fn the_label_is_in_every_part_or_publishing_is_refused() {
        let label = "THIS MATERIAL WAS PRODUCED BY A FOREIGN AGENT";
        let html = parts(
            &[text(&"word ".repeat(900))],
            Some(&top(label)),
            &[],
            CAPTION_LIMIT,
        )
        .unwrap();
        assert!(html.len() > 1 && html.iter().all(|p| p.starts_with(label)));
        let bottom = Label {
            text: label.into(),
            position: LabelPosition::Bottom,
        };
        assert!(
            parts(&[text("x")], Some(&bottom), &[], CAPTION_LIMIT).unwrap()[0].ends_with(label)
        );
        assert!(matches!(
            parts(
                &[text("x")],
                Some(&top(&"L".repeat(1_100))),
                &[],
                CAPTION_LIMIT
            ),
            Err(SplitError::LabelDoesNotFit { .. })
        ));
    }

    #[test]
    fn only_web_mail_and_telegram_links_are_links_the_rest_is_text() {
        let link = |href: &str| {
            vec![Inline::Link {
                text: "Read more".into(),
                href: href.into(),
            }]
        };
        let html = parts(&[link("javascript:alert(1)")], None, &[], 4096).unwrap();
        assert_eq!(html, vec!["Read more: javascript:alert(1)".to_string()]);
        let html = parts(&[link("JavaScript:alert(\"x\")")], None, &[], 4096).unwrap();
        assert!(!html[0].contains("<a"), "{html:?}");
        for href in [
            "https://example.org/",
            "tg://resolve?domain=herald",
            "mailto:desk@example.org",
        ] {
            let html = parts(&[link(href)], None, &[], 4096).unwrap();
            assert!(html[0].starts_with("<a href="), "{href}: {html:?}");
        }
    }

    #[test]
    fn links_are_kept_whole() {
        let link = Inline::Link {
            text: "the original".into(),
            href: "https://example.org/?a=1&b=2".into(),
        };
        let paragraph = vec![Inline::Text("x ".repeat(50)), link];
        let html = parts(&[paragraph], None, &[], 110).unwrap();
        assert!(
            html.iter().any(
                |p| p.contains("<a href=\"https://example.org/?a=1&amp;b=2\">the original</a>")
            ),
            "{html:?}"
        );
    }

    fn balanced(html: &str) -> bool {
        let mut open: Vec<&str> = Vec::new();
        let mut rest = html;
        while let Some(i) = rest.find('<') {
            let end = match rest[i..].find('>') {
                Some(e) => i + e,
                None => return false,
            };
            let tag = &rest[i + 1..end];
            match tag.strip_prefix('/') {
                Some(close) => {
                    if open.pop() != Some(close) {
                        return false;
                    }
                }
                None => open.push(tag.split(' ').next().unwrap_or("")),
            }
            rest = &rest[end + 1..];
        }
        open.is_empty()
    }

    fn inline() -> impl Strategy<Value = Inline> {
        let words = "[a-zA-Zа-яА-Я0-9 .!?&<>\"🗞👨‍👩‍👧é]{0,300}";
        prop_oneof![
            words.prop_map(Inline::Text),
            words.prop_map(Inline::Bold),
            words.prop_map(Inline::Italic),
            ("[a-z <>&]{1,40}", "[a-z]{1,20}").prop_map(|(text, path)| Inline::Link {
                text,
                href: format!("https://example.org/{path}")
            }),
        ]
    }

    proptest! {
        /// Every part fits, is well-formed, carries the label, and nothing visible is lost.
        #[test]
        fn every_part_fits_is_well_formed_and_labelled(
            paragraphs in prop::collection::vec(prop::collection::vec(inline(), 1..6), 1..12),
            label in prop::option::of("[A-ZА-Я ]{1,80}"),
            limit in prop::sample::select(vec![TEXT_LIMIT, CAPTION_LIMIT, 200usize]),
        ) {
            let label = label.map(|l| top(&l));
            let html = parts(&paragraphs, label.as_ref(), &[], limit).unwrap();
            for part in &html {
                prop_assert!(parsed_len(part) <= limit, "{} > {limit}", parsed_len(part));
                prop_assert!(balanced(part), "{part}");
                if let Some(label) = &label {
                    prop_assert!(part.starts_with(&escape(&label.text)));
                }
            }
            let kept: usize = paragraphs.iter().flatten().map(|i| inline_text(i).chars().filter(|c| !c.is_whitespace()).count()).sum();
            let shown: usize = html.iter().map(|p| {
                let body = match &label { Some(l) => p.strip_prefix(&escape(&l.text)).unwrap_or(p), None => p };
                let mut plain = String::new();
                let mut rest = body;
                while let Some(i) = rest.find('<') { plain.push_str(&rest[..i]); rest = rest[i..].find('>').map_or("", |e| &rest[i + e + 1..]); }
                plain.push_str(rest);
                plain.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&").chars().filter(|c| !c.is_whitespace()).count()
            }).sum();
            prop_assert_eq!(shown, kept);
        }
    }
}
