//! A fetched body's bytes → text, resolving the encoding the way browsers and feedparser do:
//! a byte order mark first, then UTF-16/32 recognised from how `<?xml` is laid out, then the
//! HTTP charset (quoted, any case, spaces around `=`), then the XML declaration, then a guess
//! (`chardetng`) when no label is given, none is known, or the bytes do not fit the one given.
//! Names are taken as the WHATWG standard, Python and Windows spell them (`windows_1251`,
//! `mac-cyrillic`, `cp437`, `ebcdic-cp-us`). A stray invalid byte becomes U+FFFD, never an error.

use std::borrow::Cow;

use encoding_rs::Encoding;

use super::codepages;

/// How the text was decoded, for the moderator's `/source list` and for logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wide {
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

/// A byte order mark, or `<?` laid out in 2- or 4-byte units: the width and how many bytes
/// the mark takes.
fn wide(bytes: &[u8]) -> Option<(Wide, usize)> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => Some((Wide::Utf32Le, 4)),
        [0, 0, 0xFE, 0xFF, ..] => Some((Wide::Utf32Be, 4)),
        [0xFF, 0xFE, ..] => Some((Wide::Utf16Le, 2)),
        [0xFE, 0xFF, ..] => Some((Wide::Utf16Be, 2)),
        [b'<', 0, 0, 0, ..] => Some((Wide::Utf32Le, 0)),
        [0, 0, 0, b'<', ..] => Some((Wide::Utf32Be, 0)),
        [b'<', 0, b'?' | b'r' | b'f' | b'c', 0, ..] => Some((Wide::Utf16Le, 0)),
        [0, b'<', 0, b'?' | b'r' | b'f' | b'c', ..] => Some((Wide::Utf16Be, 0)),
        _ => None,
    }
}

fn decode_wide(bytes: &[u8], wide: Wide) -> (String, &'static str) {
    match wide {
        Wide::Utf16Le | Wide::Utf16Be => {
            let encoding = if wide == Wide::Utf16Le {
                encoding_rs::UTF_16LE
            } else {
                encoding_rs::UTF_16BE
            };
            let (text, _) = encoding.decode_without_bom_handling(bytes);
            (text.into_owned(), encoding.name())
        }
        Wide::Utf32Le | Wide::Utf32Be => {
            let text = bytes
                .chunks(4)
                .map(|unit| {
                    let mut word = [0u8; 4];
                    word[..unit.len()].copy_from_slice(unit);
                    let n = if wide == Wide::Utf32Le {
                        u32::from_le_bytes(word)
                    } else {
                        u32::from_be_bytes(word)
                    };
                    char::from_u32(n).unwrap_or('\u{FFFD}')
                })
                .collect();
            let name = if wide == Wide::Utf32Le {
                "UTF-32LE"
            } else {
                "UTF-32BE"
            };
            (text, name)
        }
    }
}

/// The `charset` parameter of a Content-Type header: any case, spaces around `=`, quotes.
pub fn header_charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| {
            value
                .trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .trim()
                .to_string()
        })
    })
}

/// The `encoding` of the XML declaration, read from its ASCII bytes.
fn declared(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(512)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let decl = head[start..].strip_prefix(b"<?xml")?;
    let decl = &decl[..decl.windows(2).position(|w| w == b"?>")?];
    let decl = std::str::from_utf8(decl).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].trim().to_string())
}

/// An encoding by any of its names.
enum Named {
    Whatwg(&'static Encoding),
    /// One of Python's single-byte code pages: its 256 characters.
    Table(&'static str, &'static str),
}

fn named(label: &str) -> Option<Named> {
    let label = label.trim();
    if let Some(encoding) = Encoding::for_label(label.as_bytes()) {
        return Some(Named::Whatwg(encoding));
    }
    // Python's way: lowercase, any run of punctuation one `_`.
    let mut python = String::new();
    for c in label.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_alphanumeric() || c == '.' {
            python.push(c);
        } else if !python.ends_with('_') {
            python.push('_');
        }
    }
    let python = python.trim_matches('_');
    let find = |list: &'static [(&str, &str)]| {
        list.iter()
            .find(|(name, _)| *name == python)
            .map(|(_, to)| *to)
    };
    if let Some(whatwg) = find(codepages::WHATWG) {
        return Encoding::for_label(whatwg.as_bytes()).map(Named::Whatwg);
    }
    if let Some(page) = find(codepages::NAMES) {
        let table = codepages::TABLES.iter().find(|(name, _)| *name == page)?;
        return Some(Named::Table(table.0, table.1));
    }
    None
}

fn decode_table(bytes: &[u8], table: &str) -> String {
    let chars: Vec<char> = table.chars().collect();
    bytes
        .iter()
        .map(|b| chars.get(usize::from(*b)).copied().unwrap_or('\u{FFFD}'))
        .collect()
}

/// Decodes a fetched body; never fails.
pub fn decode<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Decoded<'a> {
    if let Some((width, mark)) = wide(bytes) {
        let (text, name) = decode_wide(&bytes[mark..], width);
        return Decoded {
            text: Cow::Owned(text),
            encoding: name.to_string(),
        };
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest);
    }
    let labels = [content_type.and_then(header_charset), declared(bytes)];
    for label in labels.iter().flatten() {
        match named(label) {
            Some(Named::Whatwg(encoding)) if encoding == encoding_rs::UTF_8 => {
                if std::str::from_utf8(bytes).is_ok() {
                    return utf8(bytes);
                }
                // Labelled UTF-8 but not: a guess does better than replacement characters,
                // unless nearly all of it is UTF-8 (a stray byte).
                if mostly_utf8(bytes) {
                    return utf8(bytes);
                }
                return guess(bytes);
            }
            // UTF-16 named by a header of a body without a mark: decoded as UTF-8 already
            // failed to look like XML above, so the bytes are ASCII-compatible; ignore it.
            Some(Named::Whatwg(encoding))
                if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE => {}
            Some(Named::Whatwg(encoding)) => {
                let (text, _, malformed) = encoding.decode(bytes);
                if !malformed {
                    return Decoded {
                        text,
                        encoding: encoding.name().to_string(),
                    };
                }
            }
            Some(Named::Table(name, table)) => {
                return Decoded {
                    text: Cow::Owned(decode_table(bytes, table)),
                    encoding: name.to_string(),
                };
            }
            None => {}
        }
    }
    if std::str::from_utf8(bytes).is_ok() {
        return utf8(bytes);
    }
    guess(bytes)
}

fn utf8(bytes: &[u8]) -> Decoded<'_> {
    Decoded {
        text: String::from_utf8_lossy(bytes),
        encoding: "UTF-8".into(),
    }
}

/// At most one invalid sequence per 1,000 bytes: UTF-8 with a stray byte.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let invalid = String::from_utf8_lossy(bytes)
        .chars()
        .filter(|c| *c == '\u{FFFD}')
        .count();
    invalid * 1000 <= bytes.len().max(1000)
}

fn guess(bytes: &[u8]) -> Decoded<'_> {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let encoding = detector.guess(None, true);
    let (text, _, _) = encoding.decode(bytes);
    Decoded {
        text,
        encoding: encoding.name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_parameters_are_read_however_they_are_written() {
        for header in [
            "text/xml; charset=windows-1251",
            "text/xml; Charset = windows-1251",
            "text/xml;charset='windows-1251'",
            "text/xml; charset=\"windows-1251\"",
        ] {
            assert_eq!(
                header_charset(header).as_deref(),
                Some("windows-1251"),
                "{header}"
            );
        }
        assert_eq!(header_charset("text/xml;"), None);
    }

    #[test]
    fn python_and_windows_names_are_understood() {
        let cyrillic = b"<?xml version=\"1.0\" encoding=\"windows_1251\"?><t>\xc4\xe0\xe3\xe5\xf1\xf2\xe0\xed</t>";
        assert!(decode(cyrillic, None).text.contains("Дагестан"));
        let mac = b"<?xml version=\"1.0\" encoding=\"mac-cyrillic\"?><t>\x84</t>";
        assert!(decode(mac, None).text.contains('Д'));
        let dos = b"<?xml version=\"1.0\" encoding=\"437\"?><t>\x80</t>";
        assert!(decode(dos, None).text.contains('Ç'));
        let ebcdic = decode(b"\xc8\x85\x93\x93\x96", Some("text/xml; charset=cp500"));
        assert_eq!(ebcdic.text, "Hello");
    }

    #[test]
    fn utf16_with_a_mark_and_no_label_is_read() {
        let text = "<?xml version=\"1.0\"?><rss><title>Нальчик</title></rss>";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&bytes, None).text, text);
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&be, Some("text/xml")).text, text);
    }

    #[test]
    fn a_stray_invalid_byte_is_replaced_not_fatal() {
        let decoded = decode(
            b"<rss><title>Baku \xff news</title></rss>",
            Some("text/xml; charset=utf-8"),
        );
        assert!(decoded.text.contains("Baku \u{FFFD} news"));
    }

    #[test]
    fn unlabelled_legacy_bytes_are_guessed() {
        let koi8 = "Новости Дагестана и Чечни сегодня";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(koi8);
        let decoded = decode(&bytes, None);
        assert_eq!(decoded.text, koi8);
    }
}
