//! An editor's formatting as Telegram sends it — message entities, counted in UTF-16 code
//! units — turned into the app's marks over the UTF-8 text.

use teloxide::types::{MessageEntity, MessageEntityKind};

use crate::domain::{Mark, Style};

/// The marks of `text` that herald keeps: bold, italic and links with an address. An entity
/// whose offsets do not fall between characters (Telegram never sends one, but the offsets are
/// input) is left out rather than trusted.
pub fn marks(text: &str, entities: &[MessageEntity]) -> Vec<Mark> {
    // The byte offset of every UTF-16 offset that lands between two characters.
    let mut bytes = std::collections::HashMap::new();
    let mut utf16 = 0;
    for (at, c) in text.char_indices() {
        bytes.insert(utf16, at);
        utf16 += c.len_utf16();
    }
    bytes.insert(utf16, text.len());
    entities
        .iter()
        .filter_map(|entity| {
            let style = match &entity.kind {
                MessageEntityKind::Bold => Style::Bold,
                MessageEntityKind::Italic => Style::Italic,
                MessageEntityKind::TextLink { url } => Style::Link(url.to_string()),
                _ => return None,
            };
            let start = *bytes.get(&entity.offset)?;
            let end = *bytes.get(&(entity.offset + entity.length))?;
            Some(Mark { start, end, style })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_utf16_and_bad_ones_are_dropped() {
        // "🎉" is two UTF-16 units and four bytes; "ж" one unit and two bytes.
        let text = "🎉 жирный link";
        let url = reqwest::Url::parse("https://ex.org/").unwrap_or_else(|e| panic!("{e}"));
        let entities = [
            MessageEntity::bold(3, 6),
            MessageEntity::new(MessageEntityKind::TextLink { url }, 10, 4),
            MessageEntity::italic(1, 2),
            MessageEntity::code(0, 2),
        ];
        let found = marks(text, &entities);
        assert_eq!(
            found,
            [
                Mark {
                    start: 5,
                    end: 17,
                    style: Style::Bold
                },
                Mark {
                    start: 18,
                    end: 22,
                    style: Style::Link("https://ex.org/".into())
                },
            ]
        );
        assert_eq!(&text[5..17], "жирный");
    }
}
