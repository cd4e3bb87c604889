//! Matrix messages: `formatted_body` in the HTML subset Matrix clients accept, with the plain
//! `body` every event must carry, split so each event stays far below Matrix's 64 KiB.

use crate::domain::LabelPosition;
use crate::render::layout::{Inline, Layout, Paragraph, notes_for};
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
            Inline::Link { text, href } => {
                format!("<a href=\"{}\">{}</a>", escape(href), escape(text))
            }
        })
        .collect();
    format!("<p>{inner}</p>")
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
    let mut parts: Vec<Vec<Paragraph>> = vec![Vec::new()];
    let mut used = 0;
    for piece in pieces {
        let size = html(&piece).len() + plain(&piece).len() + 2;
        if used + size > budget && used > 0 {
            parts.push(Vec::new());
            used = 0;
        }
        used += size;
        parts.last_mut().expect("never empty").push(piece);
    }
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
