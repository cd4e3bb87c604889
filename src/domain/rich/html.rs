//! HTML read as formatted text: paragraphs, bold, italic and links kept, everything else
//! (scripts, styles, attributes, images, tables' borders, event handlers) reduced to its text.
//!
//! The document is parsed by `html2text` (html5ever, the parser of Servo): only its text and
//! three annotations are taken, so what comes out is safe by construction — there is no
//! markup left to sanitize, only marks we render ourselves.

use html2text::render::RichAnnotation;

use super::{Mark, Rich, Style};

/// The widest line html2text lays out; wider than any paragraph, so it never wraps one.
const WIDTH: usize = 1_000_000;

impl Rich {
    /// Reads `html` (a fragment or a document). Paragraphs are separated by a blank line, a
    /// line break (`<br>`) stays one, and runs of spaces are made one space.
    pub fn from_html(html: &str) -> Rich {
        let html = bold_as_strong(html);
        let lines = html2text::config::rich()
            .raw_mode(true)
            .no_link_wrapping()
            .lines_from_read(html.as_bytes(), WIDTH);
        let Ok(lines) = lines else {
            // Too deeply nested to lay out: shown as it came, escaped by every renderer.
            return Rich::plain(html.into_owned());
        };
        let mut text = String::new();
        let mut marks: Vec<Mark> = Vec::new();
        for line in &lines {
            for piece in line.tagged_strings() {
                let start = text.len();
                text.push_str(&piece.s);
                for tag in &piece.tag {
                    let style = match tag {
                        RichAnnotation::Strong => Style::Bold,
                        RichAnnotation::Emphasis => Style::Italic,
                        RichAnnotation::Link(href) => Style::Link(href.clone()),
                        _ => continue,
                    };
                    extend(&mut marks, start, text.len(), style);
                }
            }
            text.push('\n');
        }
        tidy(&Rich::new(text, marks))
    }
}

/// `<b>` written as `<strong>`: html2text annotates `<strong>` (and `<em>`, `<i>`) but reads
/// `<b>` as plain text, and feeds and editors' clients use `<b>` as often.
fn bold_as_strong(html: &str) -> std::borrow::Cow<'_, str> {
    let bytes = html.as_bytes();
    let is_b = |at: usize| {
        let name = if bytes.get(at + 1) == Some(&b'/') {
            at + 2
        } else {
            at + 1
        };
        bytes
            .get(name)
            .is_some_and(|c| c.eq_ignore_ascii_case(&b'b'))
            && bytes
                .get(name + 1)
                .is_some_and(|c| *c == b'>' || *c == b'/' || c.is_ascii_whitespace())
    };
    if !html.match_indices('<').any(|(at, _)| is_b(at)) {
        return std::borrow::Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut last = 0;
    for (at, _) in html.match_indices('<') {
        if is_b(at) {
            let name = if bytes[at + 1] == b'/' {
                at + 2
            } else {
                at + 1
            };
            out.push_str(&html[last..name]);
            out.push_str("strong");
            last = name + 1;
        }
    }
    out.push_str(&html[last..]);
    std::borrow::Cow::Owned(out)
}

/// Adds a mark, joining it to the previous one of the same style that ends where it starts
/// (html2text cuts a styled run wherever another style begins inside it).
fn extend(marks: &mut Vec<Mark>, start: usize, end: usize, style: Style) {
    if let Some(last) = marks
        .iter_mut()
        .rev()
        .find(|m| m.style == style && m.end == start)
    {
        last.end = end;
        return;
    }
    marks.push(Mark { start, end, style });
}

/// Blank lines between paragraphs; inside one, line breaks kept (html2text ends a line only
/// where the document breaks one) and runs of spaces made one space, none at a line's start.
fn tidy(rich: &Rich) -> Rich {
    let paragraphs: Vec<Rich> = rich
        .paragraphs()
        .iter()
        .map(|p| {
            p.map_chars(|text, at, c| {
                if c == '\n' || !c.is_whitespace() {
                    return Some(c);
                }
                let previous = text[..at].chars().next_back();
                (!previous.is_some_and(char::is_whitespace)).then_some(' ')
            })
            .trim()
        })
        .filter(|p| !p.text.is_empty())
        .collect();
    Rich::join(&paragraphs, "\n\n")
}
