//! herald's analysis as PostgreSQL text search: the document of an article (a `tsvector`),
//! built from the same words, lemmas and spelling keys the SQLite index holds (see `text`),
//! so both backends find the same articles for the same query (its `tsquery` is written by
//! `SearchQuery::to_tsquery`).
//!
//! The document is written in `tsvector`'s input syntax rather than through `to_tsvector`: a
//! text search configuration would split and normalise herald's words again. Its lexemes:
//! - a word as written, plain, weight A in the title and B in the other texts;
//! - a lemma as `=lemma` and a spelling key as `#key`, weight C in the title and D elsewhere.
//!
//! The marks keep the three apart as the SQLite index's columns do. Lemmas and keys sit at
//! their word's position; the texts after the title start after a gap, so a phrase never runs
//! from the headline into the lead, as it cannot cross FTS5 columns.

use std::collections::BTreeMap;
use std::fmt::Write;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

use super::text;

/// PostgreSQL's largest position; later words are counted at it.
const MAX_POSITION: usize = 16_383;
/// PostgreSQL refuses longer lexemes (2 KiB); no word is that long, only a hostile run.
const MAX_LEXEME_BYTES: usize = 2_000;

/// A word as written, as the document holds it.
pub fn written(word: &str) -> String {
    strip_diacritics(word)
}

/// A lemma, as the document holds it.
pub fn lemma(lemma: &str) -> String {
    format!("={}", strip_diacritics(lemma))
}

/// A spelling key, as the document holds it.
pub fn key(key: &str) -> String {
    format!("#{}", strip_diacritics(key))
}

/// A lexeme quoted for `tsvector` or `tsquery` input.
pub fn quoted(lexeme: &str) -> String {
    format!("'{}'", lexeme.replace('\\', "\\\\").replace('\'', "''"))
}

/// Latin letters lose their diacritics and lone combining marks are dropped, as FTS5's
/// `unicode61 remove_diacritics 2` tokenizer does for the SQLite index ("café" is "cafe");
/// letters of other scripts ("й") keep theirs.
fn strip_diacritics(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let mut parts = Vec::new();
        decompose_canonical(c, |d| parts.push(d));
        match parts.split_first() {
            Some((base, marks))
                if base.is_ascii() && marks.iter().all(|m| is_combining_mark(*m)) =>
            {
                out.push(*base)
            }
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        word.to_string()
    } else {
        out
    }
}

/// The `tsvector` of an article's title and its other texts (lead, body, photo caption),
/// in PostgreSQL's input syntax.
pub fn document(title: &str, texts: &[&str]) -> String {
    let mut lexemes: BTreeMap<String, Vec<(usize, char)>> = BTreeMap::new();
    let mut position = 0;
    for (n, text) in std::iter::once(title)
        .chain(texts.iter().copied())
        .enumerate()
    {
        let (as_written, other) = if n == 0 { ('A', 'C') } else { ('B', 'D') };
        for word in text::indexed_words(text) {
            position += 1;
            let at = position.min(MAX_POSITION);
            let mut add = |lexeme: String, weight: char| {
                if lexeme.len() <= MAX_LEXEME_BYTES {
                    lexemes.entry(lexeme).or_default().push((at, weight));
                }
            };
            add(written(&word.written), as_written);
            for l in word.lemmas() {
                add(lemma(l), other);
            }
            for k in word.keys() {
                add(key(k), other);
            }
        }
        position += 1;
    }
    let mut out = String::new();
    for (lexeme, mut positions) in lexemes {
        positions.dedup_by_key(|p| p.0);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&quoted(&lexeme));
        for (i, (at, weight)) in positions.iter().enumerate() {
            let _ = write!(out, "{}{at}{weight}", if i == 0 { ':' } else { ',' });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_holds_words_as_written_lemmas_and_keys_apart_with_their_weights() {
        let doc = document("Гусейнову вынесли приговор", &["Суд в Баку"]);
        assert!(doc.contains("'гусейнову':1A"), "{doc}");
        assert!(doc.contains("'=гусейнов':1C"), "{doc}");
        assert!(doc.contains("'#husainov':1C"), "{doc}");
        // The lead starts after a gap: a phrase cannot join "приговор" and "суд".
        assert!(doc.contains("'суд':5B"), "{doc}");
    }

    #[test]
    fn latin_letters_lose_their_diacritics_and_cyrillic_ones_keep_them() {
        assert_eq!(written("café"), "cafe");
        assert_eq!(written("z\u{30c}ivot"), "zivot");
        assert_eq!(written("йошкар"), "йошкар");
    }

    #[test]
    fn quotes_and_backslashes_cannot_end_a_lexeme() {
        assert_eq!(quoted(r"o'b\r"), r"'o''b\\r'");
    }
}
