//! Turning platform-neutral replies into what each platform shows.

pub mod layout;
pub mod matrix;
pub mod plain;
pub mod post;
pub mod telegram;
pub mod telegram_reply;

/// Marks `` `field:` `` spans of already escaped reply text as `<code>` (both platforms' HTML
/// has it): the catalogs quote what an editor types that way, and raw backticks read as noise.
/// An unpaired backtick is left as it is.
pub fn code_spans(escaped: &str) -> String {
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len() < 3 {
        return escaped.to_string();
    }
    let paired = parts.len() - 1 - (parts.len() - 1) % 2;
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        match i {
            0 => {}
            i if i > paired => out.push('`'),
            i if i % 2 == 1 => out.push_str("<code>"),
            _ => out.push_str("</code>"),
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::code_spans;

    #[test]
    fn backtick_pairs_become_code_and_a_lone_one_stays() {
        assert_eq!(
            code_spans("lines `title:`, `lead:` then"),
            "lines <code>title:</code>, <code>lead:</code> then"
        );
        assert_eq!(code_spans("a `b` c `d"), "a <code>b</code> c `d");
        assert_eq!(code_spans("rock`n roll"), "rock`n roll");
    }
}
