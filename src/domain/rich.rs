//! Text with inline formatting — bold, italic, links — as editors, feeds and the CMS write it.
//!
//! The visible text stays plain (it is what search indexes and what a plain-text reader sees);
//! the formatting is a list of styled byte ranges over it. Every source becomes this one shape:
//! Telegram's message entities map onto it directly, HTML (Matrix `formatted_body`, feed items,
//! the CMS's `body_html`) is read by `from_html`, and the terminal's light markup by
//! `from_markup`. An article stored before formatting existed simply has no marks.

use std::ops::Range;

use serde::{Deserialize, Serialize};

mod html;
mod markup;

/// How a range of text is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    Bold,
    Italic,
    /// A link to this address. Renderers show an address of another scheme than http(s) as
    /// text, so a `javascript:` link is harmless wherever it came from.
    Link(String),
}

/// A styled range of a text, in bytes, on character boundaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub start: usize,
    pub end: usize,
    pub style: Style,
}

/// Plain text and its formatting.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rich {
    pub text: String,
    marks: Vec<Mark>,
}

/// A piece of a paragraph in one style, for renderers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span<'a> {
    pub text: &'a str,
    pub style: Option<&'a Style>,
}

impl From<&str> for Rich {
    fn from(text: &str) -> Rich {
        Rich::plain(text)
    }
}

impl From<String> for Rich {
    fn from(text: String) -> Rich {
        Rich::plain(text)
    }
}

impl Rich {
    pub fn plain(text: impl Into<String>) -> Rich {
        Rich {
            text: text.into(),
            marks: Vec::new(),
        }
    }

    /// `text` with `marks`; a mark that is empty, out of range or not on character boundaries
    /// is dropped (a platform's offsets are input like any other).
    pub fn new(text: impl Into<String>, marks: Vec<Mark>) -> Rich {
        let text = text.into();
        let marks = marks
            .into_iter()
            .filter(|m| {
                m.start < m.end
                    && m.end <= text.len()
                    && text.is_char_boundary(m.start)
                    && text.is_char_boundary(m.end)
            })
            .collect();
        Rich { text, marks }
    }

    /// Reads the marks stored beside a plain text (JSON, as `marks_json` writes them); text
    /// without stored marks, or with unreadable ones, is plain.
    pub fn from_stored(text: impl Into<String>, marks: Option<&str>) -> Rich {
        let marks = marks
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        Rich::new(text, marks)
    }

    /// The marks as stored beside the text; `None` when there are none.
    pub fn marks_json(&self) -> Option<String> {
        if self.marks.is_empty() {
            return None;
        }
        serde_json::to_string(&self.marks).ok()
    }

    pub fn marks(&self) -> &[Mark] {
        &self.marks
    }

    pub fn is_plain(&self) -> bool {
        self.marks.is_empty()
    }

    /// The part of the text in `range` (bytes, on character boundaries), with the marks that
    /// fall in it cut to it.
    pub fn slice(&self, range: Range<usize>) -> Rich {
        let marks = self
            .marks
            .iter()
            .filter_map(|m| {
                let (start, end) = (m.start.max(range.start), m.end.min(range.end));
                (start < end).then(|| Mark {
                    start: start - range.start,
                    end: end - range.start,
                    style: m.style.clone(),
                })
            })
            .collect();
        Rich::new(&self.text[range], marks)
    }

    /// The text without whitespace at either end.
    pub fn trim(&self) -> Rich {
        let start = self.text.len() - self.text.trim_start().len();
        let end = self.text.trim_end().len().max(start);
        self.slice(start..end)
    }

    /// Rebuilds the text character by character: `keep` says what each character becomes
    /// (`None` drops it); marks follow their characters.
    pub fn map_chars(&self, mut keep: impl FnMut(&str, usize, char) -> Option<char>) -> Rich {
        let mut text = String::with_capacity(self.text.len());
        // Where each old byte offset lands in the new text.
        let mut moved = vec![0; self.text.len() + 1];
        for (at, c) in self.text.char_indices() {
            for slot in &mut moved[at..at + c.len_utf8()] {
                *slot = text.len();
            }
            if let Some(c) = keep(&self.text, at, c) {
                text.push(c);
            }
        }
        moved[self.text.len()] = text.len();
        let marks = self
            .marks
            .iter()
            .map(|m| Mark {
                start: moved[m.start],
                end: moved[m.end],
                style: m.style.clone(),
            })
            .collect();
        Rich::new(text, marks)
    }

    /// The texts one after another with `separator` between them, marks moved along.
    pub fn join(parts: &[Rich], separator: &str) -> Rich {
        let mut text = String::new();
        let mut marks = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                text.push_str(separator);
            }
            let offset = text.len();
            text.push_str(&part.text);
            marks.extend(part.marks.iter().map(|m| Mark {
                start: m.start + offset,
                end: m.end + offset,
                style: m.style.clone(),
            }));
        }
        Rich::new(text, marks)
    }

    /// Paragraphs (separated by blank lines), trimmed, empty ones left out.
    pub fn paragraphs(&self) -> Vec<Rich> {
        let mut out = Vec::new();
        let mut start = 0;
        let ends = self
            .text
            .match_indices("\n\n")
            .map(|(at, _)| (at, at + 2))
            .chain([(self.text.len(), self.text.len())]);
        for (end, next) in ends {
            if end >= start {
                let paragraph = self.slice(start..end).trim();
                if !paragraph.text.is_empty() {
                    out.push(paragraph);
                }
            }
            start = next;
        }
        out
    }

    /// The text for a reader without formatting: each link followed by its address (unless
    /// the link's text is the address).
    pub fn with_addresses(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        for span in self.spans() {
            out.push_str(span.text);
            if let Some(Style::Link(href)) = span.style
                && span.text.trim() != href
            {
                out.push_str(&format!(" ({href})"));
            }
        }
        out
    }

    /// The text cut into runs of one style. A link is one run, whatever else is styled
    /// inside it (it must stay whole); elsewhere bold wins over italic.
    pub fn spans(&self) -> Vec<Span<'_>> {
        let mut cuts: Vec<usize> = vec![0, self.text.len()];
        for m in &self.marks {
            cuts.extend([m.start, m.end]);
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut runs: Vec<(usize, usize, Option<&Style>)> = Vec::new();
        let mut link_end = 0;
        for pair in cuts.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            if start < link_end {
                continue;
            }
            let covering = |wanted: fn(&Style) -> bool| {
                self.marks
                    .iter()
                    .find(|m| m.start <= start && end <= m.end && wanted(&m.style))
            };
            if let Some(link) = covering(|s| matches!(s, Style::Link(_))) {
                link_end = link.end;
                runs.push((start, link.end, Some(&link.style)));
                continue;
            }
            let style = covering(|s| *s == Style::Bold)
                .or_else(|| covering(|s| *s == Style::Italic))
                .map(|m| &m.style);
            match runs.last_mut() {
                Some(last) if last.2 == style && !matches!(style, Some(Style::Link(_))) => {
                    last.1 = end
                }
                _ => runs.push((start, end, style)),
            }
        }
        runs.into_iter()
            .filter(|(start, end, _)| start < end)
            .map(|(start, end, style)| Span {
                text: &self.text[start..end],
                style,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
