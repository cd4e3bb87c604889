//! Plain text, for the terminal chat and for platforms' fallback bodies.

use crate::message::{Block, Reply};

/// Renders a reply as plain text: headings on their own, list items bulleted, hints arrowed.
pub fn render(reply: &Reply) -> String {
    let mut out = String::new();
    let shown = reply
        .blocks
        .iter()
        .filter(|b| !matches!(b, Block::Buttons(_)));
    for (index, block) in shown.enumerate() {
        if index > 0 {
            out.push('\n');
            // Paragraphs stand apart; list items and hints stay together.
            if matches!(block, Block::Paragraph(_)) {
                out.push('\n');
            }
        }
        match block {
            Block::Heading(text) => out.push_str(text),
            Block::Paragraph(text) => out.push_str(text),
            Block::Item(text) => {
                out.push_str("• ");
                out.push_str(text);
            }
            Block::Hint(text) => {
                out.push_str("→ ");
                out.push_str(text);
            }
            Block::Buttons(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_render_in_order_with_their_markers() {
        let reply = Reply::default()
            .heading("Latest")
            .item("#1 · one")
            .hint("/article <id>");
        assert_eq!(render(&reply), "Latest\n• #1 · one\n→ /article <id>");
    }
}
