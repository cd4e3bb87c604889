//! HTML in feeds made text: a one-line title by stripping markup (linear in the input, `<` that
//! opens no tag kept as a character, scripts, styles and comments dropped). Bodies are read
//! as formatted paragraphs by `domain::Rich::from_html`.

use super::entities::ENTITIES;

/// A named character reference: XML's five and HTML 4's (feeds use `&nbsp;` undeclared).
pub fn entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => ENTITIES
            .binary_search_by(|(n, _)| n.cmp(&name))
            .ok()
            .map(|i| ENTITIES[i].1),
    }
}

/// `&name;`, `&#NNN;`, `&#xHH;` at the start of `text` → the character and the length read.
fn reference(text: &str) -> Option<(char, usize)> {
    let end = text.bytes().take(40).position(|b| b == b';')?;
    let name = &text[1..end];
    let c = match name.strip_prefix('#') {
        Some(number) => {
            let n = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(n)?
        }
        None => entity(name)?,
    };
    Some((c, end + 1))
}

/// Markup removed, references read, whitespace collapsed: a title as a reader sees it.
pub fn strip(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    // The last `>`: a `<` after it opens nothing.
    let last_close = html.rfind('>');
    let last_comment_end = html.rfind("-->");
    let mut rest = html;
    let mut at = 0;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let absolute = at + i;
        let step = if tail.starts_with('&') {
            match reference(tail) {
                Some((c, len)) => {
                    out.push(c);
                    len
                }
                None => {
                    out.push('&');
                    1
                }
            }
        } else {
            let opens =
                tail[1..].starts_with(|c: char| c.is_ascii_alphabetic() || "/!?".contains(c));
            let comment = tail.starts_with("<!--");
            match (opens, last_close) {
                // A comment to its `-->`; skipping past it keeps the whole scan linear.
                (true, _) if comment && last_comment_end.is_some_and(|end| end > absolute) => {
                    tail.find("-->").map_or(tail.len(), |end| end + 3)
                }
                // Otherwise a tag (or a comment SGML-style) to its `>`.
                (true, Some(close)) if close > absolute => skip_markup(tail),
                // A comment never closed hides the rest.
                (true, _) if comment => tail.len(),
                _ => {
                    out.push('<');
                    1
                }
            }
        };
        rest = &tail[step..];
        at = absolute + step;
    }
    out.push_str(rest);
    collapse(&out)
}

/// Runs of whitespace (line breaks included) made one space, none at the ends.
pub fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Paragraphs (separated by blank lines) each collapsed, empty ones dropped.
pub fn tidy_paragraphs(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(collapse)
        .filter(|p| !p.is_empty())
        .collect();
    paragraphs.join("\n\n")
}

/// The length of the tag at the start of `tail`, with the contents of a script or style.
fn skip_markup(tail: &str) -> usize {
    let tag_end = tail.find('>').map_or(tail.len(), |i| i + 1);
    let name: String = tail[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if name == "script" || name == "style" {
        // Up to its closing tag, found without copying the rest; a script never closed hides
        // the rest, as in a browser (and a second one need not look again).
        let body = &tail[tag_end..];
        let close = body.match_indices("</").find(|(at, _)| {
            body.as_bytes()[at + 2..]
                .get(..name.len())
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
        });
        return match close {
            Some((at, _)) => {
                let after = tag_end + at;
                after
                    + tail[after..]
                        .find('>')
                        .map_or(tail.len() - after, |i| i + 1)
            }
            None => tail.len(),
        };
    }
    tag_end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_lose_markup_and_keep_text() {
        assert_eq!(
            strip("<b>Floods</b> in <a href=\"/x\">Derbent</a>"),
            "Floods in Derbent"
        );
        assert_eq!(
            strip("1 < 2 &amp; 3 &alpha; &#1044; &#x414; &bogus;"),
            "1 < 2 & 3 α Д Д &bogus;"
        );
        assert_eq!(strip("sa<!-- -- x >fe<script>alert(1);</script>"), "safe");
        assert_eq!(strip("<style>p{}</style>never <br/>trust"), "never trust");
        assert_eq!(strip("<!DOCTYPE ~"), "<!DOCTYPE ~");
        assert_eq!(strip("safe<!-- never closed"), "safe");
        assert_eq!(strip("a<!-- x > y -->b"), "ab");
        assert_eq!(strip("a<SCRIPT>x</Script >b"), "ab");
        assert_eq!(strip("a<script>never closed</p>"), "a");
        assert_eq!(strip("Привет &#1044;&#x41"), "Привет Д&#x41");
    }

    #[test]
    fn html_becomes_clean_paragraphs() {
        let text = crate::domain::Rich::from_html(
            "<p>Rescuers <b>reached</b> the&nbsp;village.</p><p>Roads   are\nclosed.</p><script>x</script>",
        );
        assert_eq!(
            text.text,
            "Rescuers reached the village.\n\nRoads are closed."
        );
    }
}
