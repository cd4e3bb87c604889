//! Words and stems: the one place that decides how text is folded for search, so the index and
//! the queries can never disagree.

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

static RUSSIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Russian));
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Lower case, and `ё` written as `е` (Russian texts use both for the same word).
pub fn fold(word: &str) -> String {
    word.to_lowercase().replace('ё', "е")
}

/// The words of a text: maximal runs of letters and digits. Punctuation, markup and emoji
/// separate words and are never part of one.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Longest word stemmed, in characters.
const MAX_STEMMED: usize = 48;

/// The snowball stem of a folded word: the Russian stemmer for Cyrillic words, the English
/// one for the rest. Chosen per word, because Russian articles quote English names and back.
pub fn stem(folded: &str) -> String {
    // No word of either language is longer; a longer run (a hash, a hostile "word") is kept as
    // it is, because the snowball stemmers take time quadratic in a word's length.
    if folded.chars().all(|c| c.is_ascii_digit()) || folded.chars().nth(MAX_STEMMED).is_some() {
        return folded.to_string();
    }
    let stemmer = if folded.chars().any(is_cyrillic) {
        &*RUSSIAN
    } else {
        &*ENGLISH
    };
    stemmer.stem(folded).into_owned()
}

/// The forms a word is searched by: itself and its stem. A query word matches a text word
/// when any form of one is a form of the other, which also covers the stemmer's misses:
/// snowball cuts "Гусейнов" to "гусейн" but "Гусейнова" to "гусейнов", and "Дагестан" to
/// "дагеста" but "Дагестане" to "дагестан" — each pair still shares a form.
pub fn forms(folded: &str) -> Vec<String> {
    let stemmed = stem(folded);
    if stemmed == folded {
        vec![stemmed]
    } else {
        vec![folded.to_string(), stemmed]
    }
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
}

/// A text prepared for the full-text index: its folded words, and their stems, space-separated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexedText {
    pub written: String,
    pub stems: String,
}

/// Prepares `text` for indexing.
pub fn index(text: &str) -> IndexedText {
    let mut out = IndexedText::default();
    for word in words(text) {
        let folded = fold(word);
        if !out.written.is_empty() {
            out.written.push(' ');
            out.stems.push(' ');
        }
        out.stems.push_str(&stem(&folded));
        out.written.push_str(&folded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two words find each other when they share a form.
    fn same_stem(a: &str, b: &str) {
        let (a_forms, b_forms) = (forms(&fold(a)), forms(&fold(b)));
        assert!(
            a_forms.iter().any(|s| b_forms.contains(s)),
            "{a} {a_forms:?} / {b} {b_forms:?}"
        );
    }

    #[test]
    fn russian_inflections_share_a_stem() {
        same_stem("выборы", "выборах");
        same_stem("выборы", "выборов");
        same_stem("Гусейнов", "Гусейнова");
        same_stem("Гусейнов", "Гусейнову");
        same_stem("Гусейнова", "Гусейнову");
        same_stem("Дагестан", "Дагестане");
        same_stem("Ёлкин", "Елкина");
    }

    #[test]
    fn english_inflections_share_a_stem() {
        same_stem("elections", "elected");
        same_stem("arrested", "arrests");
        same_stem("prisoners", "prisoner");
    }

    #[test]
    fn a_run_longer_than_any_word_is_kept_as_written() {
        // The stemmer would take the "s" off (and take quadratic time to do it).
        let run = format!("{}s", "huseynov".repeat(10_000));
        assert_eq!(stem(&run), run);
        assert_eq!(stem("huseynovs"), "huseynov");
    }

    #[test]
    fn markup_and_emoji_are_not_words() {
        let indexed = index("<b>Ёлка</b> 🎄 & «Кавказский узел»");
        assert_eq!(indexed.written, "b елка b кавказский узел");
    }
}
