//! Matrix messages: `formatted_body` in the HTML subset Matrix clients accept, with the plain
//! `body` every event must carry, split so each event stays far below Matrix's 64 KiB.

use crate::domain::LabelPosition;
use crate::message::{Block, Reply};
use crate::render::code_spans;
use crate::render::layout::{Inline, Layout, Paragraph, linkable, notes_for};
use crate::render::telegram::split_paragraph;

/// Bytes of `body` plus `formatted_body` one event may carry; JSON escaping and the event's
/// other fields fit in the rest of the 65,536.
pub const EVENT_BUDGET: usize = 30_000;

/// One `m.room.message` of msgtype m.text with `org.matrix.custom.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixMessage {
    pub body: String,
    pub formatted_body: String,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(paragraph: &Paragraph) -> String {
    let inner: String = paragraph
        .iter()
        .map(|inline| match inline {
            Inline::Text(t) => escape(t),
            Inline::Bold(t) => format!("<strong>{}</strong>", escape(t)),
            Inline::Italic(t) => format!("<em>{}</em>", escape(t)),
            Inline::Link { text, href } if allowed_link(href) => {
                format!("<a href=\"{}\">{}</a>", escape(href), escape(text))
            }
            Inline::Link { text, .. } => escape(text),
        })
        .collect();
    format!("<p>{inner}</p>")
}

/// Matrix clients drop links of other schemes anyway; such a link is shown as its text (the
/// plain body still names the address).
fn allowed_link(href: &str) -> bool {
    linkable(href, &[])
}

fn plain(paragraph: &Paragraph) -> String {
    paragraph
        .iter()
        .map(|inline| match inline {
            Inline::Text(t) | Inline::Bold(t) | Inline::Italic(t) => t.clone(),
            Inline::Link { text, href } => format!("{text}: {href}"),
        })
        .collect()
}

/// Renders a laid-out article as one or more Matrix messages, the label in each. (Photos are
/// sent as a separate m.image by the adapter, after uploading them.)
pub fn article(layout: &Layout) -> Vec<MatrixMessage> {
    let label = layout
        .label
        .as_ref()
        .map(|l| vec![Inline::Text(l.text.clone())]);
    let label_size = label
        .as_ref()
        .map_or(0, |l| html(l).len() + plain(l).len() + 2);
    let budget = EVENT_BUDGET - label_size.min(EVENT_BUDGET / 2);
    // A char takes at most 4 bytes, 6 once escaped, in each of the two bodies.
    let per_paragraph = budget / 12;
    let mut pieces = Vec::new();
    for paragraph in layout.head.iter().chain(&layout.rest) {
        if html(paragraph).len() + plain(paragraph).len() <= budget {
            pieces.push(paragraph.clone());
        } else {
            pieces.extend(
                split_paragraph(paragraph, per_paragraph)
                    .unwrap_or_else(|_| vec![paragraph.clone()]),
            );
        }
    }
    let mut parts: Vec<Vec<Paragraph>> = Vec::new();
    let mut current = Vec::new();
    let mut used = 0;
    for piece in pieces {
        let size = html(&piece).len() + plain(&piece).len() + 2;
        if used + size > budget && used > 0 {
            parts.push(std::mem::take(&mut current));
            used = 0;
        }
        used += size;
        current.push(piece);
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|mut part| {
            part.extend(notes_for(&part, &layout.footnotes));
            if let (Some(label), Some(l)) = (&label, &layout.label) {
                match l.position {
                    LabelPosition::Top => part.insert(0, label.clone()),
                    LabelPosition::Bottom => part.push(label.clone()),
                }
            }
            MatrixMessage {
                body: part.iter().map(plain).collect::<Vec<_>>().join("\n\n"),
                formatted_body: part.iter().map(html).collect(),
            }
        })
        .collect()
}

/// A command's reply as Matrix messages (headings bold, hints italic), split between blocks
/// within [`EVENT_BUDGET`]. Commands named in the text get Matrix's `!` prefix, since Matrix
/// clients keep `/` for their own commands; `commands` are the names herald knows (the
/// command table is the use cases' business, above this layer).
pub fn reply(reply: &Reply, commands: &[&str]) -> Vec<MatrixMessage> {
    let mut messages = Vec::new();
    let mut current = MatrixMessage {
        body: String::new(),
        formatted_body: String::new(),
    };
    for block in &reply.blocks {
        let (text, html) = match block {
            Block::Heading(t) => (t.clone(), format!("<strong>{}</strong>", escape(t))),
            Block::Paragraph(t) => (t.clone(), code_spans(&escape(t)).replace('\n', "<br>")),
            Block::Item(t) => (format!("• {t}"), format!("• {}", code_spans(&escape(t)))),
            Block::Hint(t) => (
                format!("→ {t}"),
                format!("<em>→ {}</em>", code_spans(&escape(t))),
            ),
            Block::Buttons(_) => continue,
        };
        let (text, html) = (
            bang_commands(&text, commands),
            bang_commands(&html, commands),
        );
        for (text, html) in fit(text, html) {
            let size = current.body.len() + current.formatted_body.len();
            if size > 0 && size + text.len() + html.len() + 5 > EVENT_BUDGET {
                messages.push(std::mem::replace(
                    &mut current,
                    MatrixMessage {
                        body: String::new(),
                        formatted_body: String::new(),
                    },
                ));
            }
            if !current.body.is_empty() {
                current.body.push('\n');
                current.formatted_body.push_str("<br>");
            }
            current.body.push_str(&text);
            current.formatted_body.push_str(&html);
        }
    }
    if !current.body.trim().is_empty() {
        messages.push(current);
    }
    messages
}

/// A block too long for one event is cut between characters, plain.
fn fit(text: String, html: String) -> Vec<(String, String)> {
    if text.len() + html.len() < EVENT_BUDGET {
        return vec![(text, html)];
    }
    let mut out = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        // Escaping makes a char at most 6 bytes; both bodies together stay within budget.
        if chunk.len() * 7 + 28 >= EVENT_BUDGET {
            out.push((chunk.clone(), escape(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        out.push((chunk.clone(), escape(&chunk)));
    }
    out
}

/// `/latest` → `!latest` wherever a known command starts a word.
fn bang_commands(text: &str, commands: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('/') {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let starts_word = before
            .chars()
            .next_back()
            .or_else(|| out.chars().next_back())
            .is_none_or(|c| c.is_whitespace() || c == '(' || c == '>' || c == '«');
        let name: String = after[1..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase())
            .collect();
        let known = commands.contains(&name.as_str());
        let ends_word = after[1 + name.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric() && c != '/');
        out.push(if starts_word && known && ends_word {
            '!'
        } else {
            '/'
        });
        rest = &after[1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Label, LabelPosition};
    use proptest::prelude::*;

    /// Command names as the command table gives them to the adapter.
    const KNOWN: &[&str] = &["article", "latest", "help"];

    fn paragraph() -> impl Strategy<Value = Paragraph> {
        prop::collection::vec(
            prop_oneof![
                "[a-zA-Zа-я0-9 .&<>\"🗞]{0,1500}".prop_map(Inline::Text),
                "[a-z ]{1,50}".prop_map(Inline::Bold),
                ("[a-z<>&]{1,30}", "[a-z]{1,30}").prop_map(|(text, path)| Inline::Link {
                    text,
                    href: format!("https://example.org/{path}")
                }),
            ],
            1..8,
        )
    }

    #[test]
    fn replies_name_commands_with_the_matrix_prefix() {
        let r = Reply::default()
            .heading("Latest <news>")
            .item("#1 · A & B")
            .hint("/article <id> or /latest page:2; see https://example.org/latest and a/help");
        let messages = reply(&r, KNOWN);
        assert_eq!(messages.len(), 1);
        assert_eq!(
            messages[0].body,
            "Latest <news>\n• #1 · A & B\n→ !article <id> or !latest page:2; see https://example.org/latest and a/help"
        );
        assert_eq!(
            messages[0].formatted_body,
            "<strong>Latest &lt;news&gt;</strong><br>• #1 · A &amp; B<br><em>→ !article &lt;id&gt; or !latest page:2; see https://example.org/latest and a/help</em>"
        );
    }

    #[test]
    fn a_long_reply_is_split_within_the_budget() {
        let r = Reply::default()
            .heading("Many")
            .paragraph("ё<".repeat(40_000));
        let messages = reply(&r, KNOWN);
        assert!(messages.len() >= 3, "{}", messages.len());
        for m in &messages {
            assert!(m.body.len() + m.formatted_body.len() <= EVENT_BUDGET);
        }
    }

    #[test]
    fn links_of_other_schemes_are_shown_as_text() {
        let p = vec![Inline::Link {
            text: "x".into(),
            href: "javascript:alert(1)".into(),
        }];
        assert_eq!(html(&p), "<p>x</p>");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        /// Every event fits Matrix's 64 KiB with room for JSON, and carries the label.
        #[test]
        fn every_event_fits_and_carries_the_label(
            head in prop::collection::vec(paragraph(), 1..4),
            rest in prop::collection::vec(paragraph(), 0..40),
            bottom in any::<bool>(),
        ) {
            let position = if bottom { LabelPosition::Bottom } else { LabelPosition::Top };
            let label = Label { text: "ИНОСТРАННЫЙ АГЕНТ".into(), position };
            let layout = Layout { head, rest, photo: None, label: Some(label), footnotes: Vec::new() };
            for message in article(&layout) {
                // JSON may escape every byte of the HTML at most 6-fold only for control
                // characters, which the text has none of; quotes and backslashes double.
                prop_assert!(2 * (message.body.len() + message.formatted_body.len()) < 65_536);
                prop_assert!(message.body.contains("ИНОСТРАННЫЙ АГЕНТ"));
                prop_assert!(message.formatted_body.contains("<p>ИНОСТРАННЫЙ АГЕНТ</p>"));
            }
        }
    }
}
