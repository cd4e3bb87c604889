//! The terminal's light markup: `*bold*`, `_italic_`, `[text](https://…)`. What does not
//! close (`2 * 3`, `snake_case`, a lone `[`) is text as typed.

use super::{Mark, Rich, Style};

impl Rich {
    /// Reads the light markup of `input`.
    pub fn from_markup(input: &str) -> Rich {
        let mut text = String::with_capacity(input.len());
        let mut marks = Vec::new();
        read(input, &mut text, &mut marks);
        Rich::new(text, marks)
    }
}

fn read(input: &str, text: &mut String, marks: &mut Vec<Mark>) {
    let mut rest = input;
    while let Some(c) = rest.chars().next() {
        let before = text.chars().next_back();
        let found = match c {
            '*' => emphasis(rest, '*', before).map(|(inner, used)| (inner, used, Style::Bold)),
            '_' => emphasis(rest, '_', before).map(|(inner, used)| (inner, used, Style::Italic)),
            '[' => link(rest).map(|(label, href, used)| (label, used, Style::Link(href))),
            _ => None,
        };
        match found {
            Some((inner, used, style)) => {
                let start = text.len();
                read(inner, text, marks);
                marks.push(Mark {
                    start,
                    end: text.len(),
                    style,
                });
                rest = &rest[used..];
            }
            None => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
}

/// `*inner*` (or `_inner_`) at the start of `rest`: the inner text and the bytes used. The
/// inner text neither starts nor ends with a space and stays in its paragraph; `_` also needs
/// word boundaries outside, so `snake_case_name` stays as typed.
fn emphasis(rest: &str, delimiter: char, before: Option<char>) -> Option<(&str, usize)> {
    let word_bound = delimiter == '_';
    if word_bound && before.is_some_and(char::is_alphanumeric) {
        return None;
    }
    let body = &rest[1..];
    if body.starts_with(char::is_whitespace) || body.starts_with(delimiter) {
        return None;
    }
    let paragraph = body.find("\n\n").unwrap_or(body.len());
    let mut search = 0;
    while let Some(at) = body[search..paragraph].find(delimiter) {
        let at = search + at;
        let inner = &body[..at];
        let after = body[at + 1..].chars().next();
        let glued_to_a_word = word_bound && after.is_some_and(char::is_alphanumeric);
        let closes = !(inner.is_empty() || inner.ends_with(char::is_whitespace) || glued_to_a_word);
        if closes {
            return Some((inner, at + 2));
        }
        search = at + 1;
    }
    None
}

/// `[label](address)` at the start of `rest`: label, address and the bytes used.
fn link(rest: &str) -> Option<(&str, String, usize)> {
    let close = rest.find(']')?;
    let label = &rest[1..close];
    if label.is_empty() || label.contains('\n') || label.contains('[') {
        return None;
    }
    let after = rest[close + 1..].strip_prefix('(')?;
    let end = after.find(')')?;
    let href = after[..end].trim();
    if href.is_empty() || href.contains(char::is_whitespace) {
        return None;
    }
    Some((label, href.to_string(), close + 2 + end + 1))
}
