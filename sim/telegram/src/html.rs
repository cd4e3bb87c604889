//! Telegram's HTML parse mode, as the Bot API checks it: only its tags, only `&lt; &gt; &amp;
//! &quot;` and numeric entities, every tag closed. Returns the text a chat shows.

/// Tags Telegram accepts (with `span class="tg-spoiler"` and `a href`).
const ALLOWED: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
];

/// The visible text of `html`, or Telegram's "can't parse entities" description.
pub fn parse(html: &str) -> Result<String, String> {
    let fail = |why: String| Err(format!("Bad Request: can't parse entities: {why}"));
    let mut out = String::new();
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&', '>']) {
        out.push_str(&rest[..i]);
        let at = html.len() - rest.len() + i;
        rest = &rest[i..];
        if rest.starts_with('>') {
            return fail(format!("unexpected end tag at byte offset {at}"));
        }
        if rest.starts_with('&') {
            let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
                return fail(format!("unsupported start tag \"&\" at byte offset {at}"));
            };
            let entity = &rest[1..end];
            let c = match entity {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                e if e.starts_with('#') => {
                    let n = if let Some(hex) = e.strip_prefix("#x") {
                        u32::from_str_radix(hex, 16)
                    } else {
                        e[1..].parse()
                    };
                    match n.ok().and_then(char::from_u32) {
                        Some(c) => c,
                        None => return fail(format!("invalid numeric entity at byte offset {at}")),
                    }
                }
                _ => {
                    return fail(format!(
                        "unsupported entity \"&{entity};\" at byte offset {at}"
                    ));
                }
            };
            out.push(c);
            rest = &rest[end + 1..];
            continue;
        }
        let Some(end) = rest.find('>') else {
            return fail(format!("unclosed start tag at byte offset {at}"));
        };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim().to_lowercase();
            match open.pop() {
                Some(top) if top == name => {}
                _ => {
                    return fail(format!(
                        "unmatched end tag at byte offset {at}, expected \"</{}>\"",
                        open.last().map_or("", |s| s)
                    ));
                }
            }
        } else {
            let name = tag.split_whitespace().next().unwrap_or("").to_lowercase();
            if !ALLOWED.contains(&name.as_str()) {
                return fail(format!(
                    "unsupported start tag \"{name}\" at byte offset {at}"
                ));
            }
            if name == "a" && !tag.contains("href=") {
                return fail(format!("empty href in a tag at byte offset {at}"));
            }
            open.push(name);
        }
    }
    if rest.contains('>') {
        return fail("unexpected end tag".into());
    }
    out.push_str(rest);
    if let Some(tag) = open.last() {
        return fail(format!(
            "can't find end tag corresponding to start tag \"{tag}\""
        ));
    }
    Ok(out)
}

/// Length as Telegram counts it: UTF-16 code units.
pub fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_html_is_parsed_to_what_the_chat_shows() {
        assert_eq!(
            parse("<b>Bold</b> &amp; <a href=\"https://x.org/?a=1&amp;b=2\">link</a> &#128240;")
                .unwrap(),
            "Bold & link 📰"
        );
    }

    #[test]
    fn what_telegram_refuses_is_refused_with_its_description() {
        for bad in [
            "<b>open",
            "<p>para</p>",
            "a < b",
            "x &nbsp; y",
            "<b><i>x</b></i>",
            "</b>",
            "<a>no href</a>",
        ] {
            let error = parse(bad).unwrap_err();
            assert!(
                error.starts_with("Bad Request: can't parse entities"),
                "{bad}: {error}"
            );
        }
    }
}
