//! Words, lemmas and spelling keys: the one place that decides how text is analysed for
//! search, so the index, the queries, topic rules and footnotes can never disagree.
//!
//! A word is found by three things: its folded spelling as written; its lemmas (Russian from
//! the OpenCorpora dictionary, guessed from the ending for words it does not know; English by
//! stem after irregular forms are mapped to their base); and, for names and unknown words, a
//! script-neutral spelling key ("Гусейнову" and "Huseynov" share one). See `crate::lexicon`.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::char::is_combining_mark;

use crate::lexicon::{self, english, spelling};

static RUSSIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Russian));
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Lower case, `ё` written as `е` (Russian texts use both for the same word), apostrophes
/// dropped ("Nal'chik" is "nalchik").
pub fn fold(word: &str) -> String {
    word.chars()
        .filter(|c| !is_apostrophe(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | 'ʻ' | 'ʹ')
}

/// The words of a text: maximal runs of letters and digits, an apostrophe between two letters
/// included ("Nal'chik", "O'Brien"), and combining marks (a "ž" written as "z" and a caron);
/// an English possessive "'s" is not part of the word.
/// Punctuation, markup and emoji separate words and are never part of one.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find(char::is_alphanumeric)?;
        let tail = &rest[start..];
        let mut end = tail.len();
        let mut chars = tail.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c.is_alphanumeric() || is_combining_mark(c) {
                continue;
            }
            let next = chars.peek().map(|&(_, n)| n);
            let after_next = tail[i..].chars().nth(2);
            let possessive =
                matches!(next, Some('s' | 'S')) && !after_next.is_some_and(char::is_alphanumeric);
            if is_apostrophe(c) && next.is_some_and(char::is_alphanumeric) && !possessive {
                continue;
            }
            end = i;
            break;
        }
        let word = &tail[..end];
        rest = &tail[end..];
        Some(word)
    })
}

/// Longest word stemmed, in characters.
const MAX_STEMMED: usize = 48;

/// The snowball stem of a folded word: the Russian stemmer for Cyrillic words, the English
/// one for the rest. The first index's analysis, still used by partitions not yet rebuilt.
pub fn stem(folded: &str) -> String {
    // No word of either language is longer; a longer run (a hash, a hostile "word") is kept as
    // it is, because the snowball stemmers take time quadratic in a word's length.
    if folded.chars().all(|c| c.is_ascii_digit()) || too_long(folded) {
        return folded.to_string();
    }
    let stemmer = if folded.chars().any(is_cyrillic) {
        &*RUSSIAN
    } else {
        &*ENGLISH
    };
    stemmer.stem(folded).into_owned()
}

fn too_long(folded: &str) -> bool {
    folded.chars().nth(MAX_STEMMED).is_some()
}

/// The first index's forms of a word: itself and its stem (see `stem`).
pub fn legacy_forms(folded: &str) -> Vec<String> {
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

/// What a folded word is found by, besides its spelling.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WordKeys {
    /// Its lemmas (most likely first); one for most words, several for ambiguous forms.
    pub lemmas: Vec<String>,
    /// Its spelling keys: for names and unknown words only (see `lexicon::spelling`).
    pub keys: Vec<String>,
    /// A Latin-script word: the text only keys it where it is capitalized (a name), since
    /// ordinary English words would meet by the key's coarse folding ("gold"/"hold").
    pub latin: bool,
}

/// Words analysed so far, shared by the process: a newsroom's vocabulary repeats, and the
/// dictionary is the costliest part of indexing.
static ANALYSED: LazyLock<Mutex<HashMap<String, Arc<WordKeys>>>> = LazyLock::new(Mutex::default);
const ANALYSED_MAX: usize = 200_000;

/// The lemmas and keys of a folded word.
pub fn analyse(folded: &str) -> Arc<WordKeys> {
    if let Some(found) = ANALYSED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(folded)
    {
        return found.clone();
    }
    let keys = Arc::new(analyse_uncached(folded));
    let mut cache = ANALYSED.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= ANALYSED_MAX {
        cache.clear();
    }
    cache.insert(folded.to_string(), keys.clone());
    keys
}

/// [`analyse`] without keeping the result: for words looked at once (an alert's, when it is
/// saved), which would only crowd the shared cache out of the newsroom's vocabulary.
pub fn analyse_once(folded: &str) -> Arc<WordKeys> {
    let cache = ANALYSED.lock().unwrap_or_else(|e| e.into_inner());
    match cache.get(folded) {
        Some(found) => found.clone(),
        None => {
            drop(cache);
            Arc::new(analyse_uncached(folded))
        }
    }
}

fn analyse_uncached(folded: &str) -> WordKeys {
    let mut out = WordKeys::default();
    if too_long(folded) || folded.chars().any(|c| c.is_numeric()) {
        out.lemmas.push(folded.to_string());
        return out;
    }
    if !folded.chars().any(is_cyrillic) {
        out.latin = true;
        out.lemmas = english::lemmas(folded);
        if !english::is_irregular_form(folded) {
            out.keys.extend(spelling::key(folded));
        }
        return out;
    }
    let readings = lexicon::russian().map(|r| r.readings(folded));
    match readings {
        Some(readings) if !readings.is_empty() => {
            // A guessed lemma can be wrong ("хадижат" read as a verb): an unknown word is
            // keyed as written too.
            if readings.iter().any(|r| !r.known)
                && let Some(key) = spelling::key(folded)
            {
                out.keys.push(key);
            }
            for reading in readings {
                if reading.name
                    && let Some(key) = spelling::key(&reading.lemma)
                    && !out.keys.contains(&key)
                {
                    out.keys.push(key);
                }
                out.lemmas.push(reading.lemma);
            }
        }
        _ => {
            out.lemmas.push(stem(folded));
            out.keys.extend(spelling::key(folded));
        }
    }
    out
}

/// Everything a word is matched by, in one set: its spelling, lemmas and keys, each marked so
/// the three never meet each other. Two words are the same word when their sets share an
/// element. Used where a query's word meets a text's (topic rules, footnotes); Latin words are
/// keyed whatever their case, as in a query.
pub fn forms(folded: &str) -> Vec<String> {
    let keys = analyse(folded);
    let mut out = vec![format!("={folded}")];
    out.extend(keys.lemmas.iter().map(|l| format!("~{l}")));
    out.extend(keys.keys.iter().map(|k| format!("#{k}")));
    out
}

/// A text prepared for the full-text index: its folded words as written, their lemmas and
/// their spelling keys, each space-separated. A lemma spelled as its word is left out of
/// `lemmas` (queries look for lemmas among the written words too): most words of a text are
/// in their dictionary form, and a token stored twice costs the index and bm25 twice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexedText {
    pub written: String,
    pub lemmas: String,
    pub keys: String,
}

/// Prepares `text` for indexing.
pub fn index(text: &str) -> IndexedText {
    let mut out = IndexedText::default();
    for word in indexed_words(text) {
        push(&mut out.written, &word.written);
        for lemma in word.lemmas() {
            push(&mut out.lemmas, lemma);
        }
        for key in word.keys() {
            push(&mut out.keys, key);
        }
    }
    out
}

/// One word of a text as the index holds it.
#[derive(Debug, Clone)]
pub struct IndexedWord {
    /// Folded, as written.
    pub written: String,
    analysis: Arc<WordKeys>,
    /// Keyed: not a lower-case Latin word (see [`WordKeys::latin`]).
    keyed: bool,
}

impl IndexedWord {
    /// Its lemmas, except one spelled as the word (see [`IndexedText`]).
    pub fn lemmas(&self) -> impl Iterator<Item = &String> {
        self.analysis.lemmas.iter().filter(|l| **l != self.written)
    }

    /// Its spelling keys, if the text keys it.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.analysis.keys.iter().filter(|_| self.keyed)
    }
}

/// The words of `text`, in order, as the index holds them; both backends' indexes are built
/// from this, so they find the same words.
pub fn indexed_words(text: &str) -> impl Iterator<Item = IndexedWord> + '_ {
    words(text).map(|word| {
        let written = fold(word);
        let analysis = analyse(&written);
        IndexedWord {
            keyed: !analysis.latin || word.starts_with(char::is_uppercase),
            written,
            analysis,
        }
    })
}

/// A text prepared for a partition of the first index: words as written and their stems.
pub fn legacy_index(text: &str) -> (String, String) {
    let (mut written, mut stems) = (String::new(), String::new());
    for word in words(text) {
        let folded = fold(word);
        push(&mut stems, &stem(&folded));
        push(&mut written, &folded);
    }
    (written, stems)
}

fn push(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

#[cfg(test)]
mod tests;
