//! A command's reply as Telegram HTML messages: headings bold, hints italic, everything else
//! escaped, split between blocks (or lines) so each message stays within 4096 units.

use crate::message::{Block, Reply};
use crate::render::code_spans;
use crate::render::telegram::{TEXT_LIMIT, escape, visible_len};

/// The reply as one or more HTML texts; an empty reply gives none.
pub fn reply(reply: &Reply) -> Vec<String> {
    let mut pieces: Vec<(String, usize)> = Vec::new();
    for block in &reply.blocks {
        let (text, html) = match block {
            Block::Heading(t) => (t.clone(), format!("<b>{}</b>", escape(t))),
            Block::Paragraph(t) => (format!("\n{t}"), format!("\n{}", code_spans(&escape(t)))),
            Block::Item(t) => (format!("• {t}"), format!("• {}", code_spans(&escape(t)))),
            Block::Hint(t) => (
                format!("→ {t}"),
                format!("<i>→ {}</i>", code_spans(&escape(t))),
            ),
            Block::Buttons(_) => continue,
        };
        // A block longer than a message (a long paragraph of an article) is cut in pieces.
        for (line_text, line_html) in fit(&text, &html) {
            pieces.push((line_html, visible_len(&line_text) + 1));
        }
    }
    let mut messages = Vec::new();
    let (mut current, mut used) = (String::new(), 0);
    for (html, len) in pieces {
        if used > 0 && used + len > TEXT_LIMIT {
            messages.push(std::mem::take(&mut current));
            used = 0;
        }
        if used > 0 {
            current.push('\n');
        }
        current.push_str(if used == 0 {
            html.trim_start_matches('\n')
        } else {
            &html
        });
        used += len;
    }
    if !current.trim().is_empty() {
        messages.push(current);
    }
    messages
        .into_iter()
        .map(|m| m.trim_start_matches('\n').to_string())
        .collect()
}

/// Splits one block into pieces of at most a message each, between characters; the pieces
/// are escaped again, plain (a block that long is article text, not a heading or a hint).
fn fit(text: &str, html: &str) -> Vec<(String, String)> {
    if visible_len(text) < TEXT_LIMIT {
        return vec![(text.to_string(), html.to_string())];
    }
    let mut out = Vec::new();
    let (mut chunk, mut units) = (String::new(), 0);
    for c in text.chars() {
        if units + c.len_utf16() >= TEXT_LIMIT - 8 {
            out.push((chunk.clone(), escape(&chunk)));
            chunk.clear();
            units = 0;
        }
        chunk.push(c);
        units += c.len_utf16();
    }
    if !chunk.is_empty() {
        out.push((chunk.clone(), escape(&chunk)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::telegram::parsed_len;

    #[test]
    fn blocks_are_escaped_and_marked() {
        let r = Reply::default()
            .heading("Latest <news>")
            .item("#1 · A & B")
            .hint("/article <id>");
        assert_eq!(
            reply(&r),
            vec!["<b>Latest &lt;news&gt;</b>\n• #1 · A &amp; B\n<i>→ /article &lt;id&gt;</i>"]
        );
    }

    #[test]
    fn a_long_reply_is_split_within_the_limit() {
        let mut r = Reply::default().heading("Many");
        for n in 0..400 {
            r = r.item(format!(
                "#{n} · a headline of some length, with ё and emoji 📰"
            ));
        }
        r = r.paragraph("x".repeat(9_000));
        let parts = reply(&r);
        assert!(parts.len() >= 4, "{}", parts.len());
        for part in &parts {
            assert!(parsed_len(part) <= TEXT_LIMIT, "{}", parsed_len(part));
        }
    }
}
