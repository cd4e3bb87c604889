//! Plain text, for the terminal chat and for platforms' fallback bodies.

use crate::app::{Block, Reply};

/// Renders a reply as plain text: headings on their own, list items bulleted, hints arrowed.
pub fn render(reply: &Reply) -> String {
    let mut out = String::new();
    for (index, block) in reply.blocks.iter().enumerate() {
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
