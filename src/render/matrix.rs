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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Label, LabelPosition};
    use proptest::prelude::*;

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
