//! What a user typed after /search, turned into an FTS5 expression that cannot fail.
//!
//! Understood: words (matched in any form and, for names, any spelling — see `text`),
//! `"exact phrases"` (matched as written: the same words in the same forms, in order),
//! `prefix*`, `-excluded` words (every form and spelling excluded), and `OR`/`ИЛИ` between
//! alternatives. Everything else is punctuation. Only words we produced ourselves (letters and
//! digits) ever reach FTS5, each inside double quotes, so no input can produce an FTS5 syntax
//! error.

use super::alert;
use super::text::{analyse, analyse_once, fold, legacy_forms, stem, words};

/// The most words a query may hold; more would only slow the search down.
const MAX_TERMS: usize = 16;
/// The longest query accepted, in characters.
const MAX_CHARS: usize = 300;

/// Which analysis an index partition was built with; a query is written for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexVersion {
    /// Words as written and their snowball stems (partitions not yet rebuilt).
    Stems,
    /// Words as written, their lemmas and their spelling keys.
    Lemmas,
}

/// One thing to look for: a word, or words that belong together ("Kabardino-Balkaria",
/// a quoted phrase).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    /// Folded words.
    words: Vec<String>,
    /// Only as written, in this order (a quoted phrase).
    exact: bool,
    /// The last word may go on (`word*`); as written only.
    prefix: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Each clause must match; a clause matches when any of its terms does.
    required: Vec<Vec<Term>>,
    excluded: Vec<Term>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SearchQueryError {
    #[error("the query has no words to search for")]
    NoWords,
    #[error("the query only excludes words")]
    OnlyExclusions,
    #[error("the query is longer than {MAX_CHARS} characters")]
    TooLong,
}

impl SearchQuery {
    pub fn parse(input: &str) -> Result<SearchQuery, SearchQueryError> {
        if input.chars().count() > MAX_CHARS {
            return Err(SearchQueryError::TooLong);
        }
        let mut required: Vec<Vec<Term>> = Vec::new();
        let mut excluded = Vec::new();
        let mut join_next = false;
        let mut count = 0;
        for token in tokens(input) {
            if token.is_or() {
                join_next = !required.is_empty();
                continue;
            }
            let Some(term) = token.term() else { continue };
            count += 1;
            if count > MAX_TERMS {
                break;
            }
            if token.negated {
                excluded.push(term);
            } else if let (true, Some(clause)) = (join_next, required.last_mut()) {
                clause.push(term);
            } else {
                required.push(vec![term]);
            }
            join_next = false;
        }
        match (required.is_empty(), excluded.is_empty()) {
            (true, true) => Err(SearchQueryError::NoWords),
            (true, false) => Err(SearchQueryError::OnlyExclusions),
            _ => Ok(SearchQuery { required, excluded }),
        }
    }

    /// The FTS5 MATCH expression for a partition built with `version`.
    pub fn to_fts(&self, version: IndexVersion) -> String {
        let clauses: Vec<String> = self
            .required
            .iter()
            .map(|alternatives| {
                let alts: Vec<String> = alternatives.iter().map(|t| term_fts(t, version)).collect();
                format!("({})", alts.join(" OR "))
            })
            .collect();
        let mut expr = format!("({})", clauses.join(" AND "));
        for term in &self.excluded {
            expr.push_str(&format!(" NOT {}", term_fts(term, version)));
        }
        expr
    }
}

impl SearchQuery {
    /// Tokens one of which every article this query matches holds, in some column of either
    /// index version, keyed as [`alert::article_triggers`] keys an article's: the triggers of
    /// its cheapest required clause. Keyword alerts are looked up by them.
    pub fn triggers(&self) -> Vec<String> {
        self.required
            .iter()
            .map(|clause| {
                let mut triggers: Vec<String> = clause.iter().flat_map(term_triggers).collect();
                triggers.sort();
                triggers.dedup();
                triggers
            })
            .min_by_key(|triggers| alert::cost(triggers))
            .unwrap_or_default()
    }
}

/// What a term needs of an article: its first word as written for a phrase or a prefix
/// phrase; the start of the word for a one-word prefix; otherwise the first word as written,
/// by its stem (first index), by a lemma or by a spelling key (see `term_fts`).
fn term_triggers(term: &Term) -> Vec<String> {
    let Some(first) = term.words.first() else {
        return Vec::new();
    };
    if term.prefix && term.words.len() == 1 {
        return vec![alert::prefix_key(first)];
    }
    if term.exact || term.prefix {
        return vec![alert::key(first)];
    }
    let analysis = analyse_once(first);
    [first.clone(), stem(first)]
        .iter()
        .chain(&analysis.lemmas)
        .chain(&analysis.keys)
        .map(|t| alert::key(t))
        .collect()
}

/// Columns of words as written, in both versions.
const WRITTEN: &str = "{title text}";

fn term_fts(term: &Term, version: IndexVersion) -> String {
    let phrase = term.words.join(" ");
    if term.exact || term.prefix {
        let star = if term.prefix { " *" } else { "" };
        return format!("({WRITTEN} : \"{phrase}\"{star})");
    }
    let mut alternatives = Vec::new();
    match (version, term.words.as_slice()) {
        (IndexVersion::Stems, [word]) => {
            const ALL: &str = "{title text title_stems text_stems}";
            for form in legacy_forms(word) {
                alternatives.push(format!("{ALL} : \"{form}\""));
            }
        }
        (IndexVersion::Stems, words) => {
            let stems: Vec<String> = words.iter().map(|w| stem(w)).collect();
            alternatives.push(format!("{WRITTEN} : \"{phrase}\""));
            alternatives.push(format!(
                "{{title_stems text_stems}} : \"{}\"",
                stems.join(" ")
            ));
        }
        (IndexVersion::Lemmas, [word]) => alternatives = word_fts(word),
        (IndexVersion::Lemmas, words) => {
            // Together as written, or each in any of its forms.
            alternatives.push(format!("{WRITTEN} : \"{phrase}\""));
            let each: Vec<String> = words
                .iter()
                .map(|w| format!("({})", word_fts(w).join(" OR ")))
                .collect();
            alternatives.push(format!("({})", each.join(" AND ")));
        }
    }
    format!("({})", alternatives.join(" OR "))
}

/// One word in a `Lemmas` partition: as written, by any of its lemmas, or by its spelling key.
/// A lemma is looked for among the written words too, since the index stores a lemma spelled
/// as its word only once (see `text::index`); a word that is its own lemma is one phrase.
fn word_fts(word: &str) -> Vec<String> {
    const ANY: &str = "{title text title_lemmas text_lemmas}";
    let analysis = analyse(word);
    let mut out = Vec::new();
    if !analysis.lemmas.iter().any(|l| l == word) {
        out.push(format!("{WRITTEN} : \"{word}\""));
    }
    for lemma in &analysis.lemmas {
        out.push(format!("{ANY} : \"{lemma}\""));
    }
    for key in &analysis.keys {
        out.push(format!("{{title_keys text_keys}} : \"{key}\""));
    }
    out
}

struct Token {
    raw: String,
    quoted: bool,
    negated: bool,
}

impl Token {
    fn is_or(&self) -> bool {
        !self.quoted
            && !self.negated
            && matches!(self.raw.as_str(), "OR" | "ИЛИ" | "или" | "or" | "|")
    }

    fn term(&self) -> Option<Term> {
        let words: Vec<String> = words(&self.raw).map(fold).collect();
        if words.is_empty() {
            return None;
        }
        // A one-letter prefix would match half the archive; treat it as a plain word.
        let prefix = !self.quoted
            && self.raw.trim_end().ends_with('*')
            && words.last().is_some_and(|w| w.chars().count() >= 2);
        Some(Term {
            words,
            exact: self.quoted,
            prefix,
        })
    }
}

/// Splits the input at whitespace, keeping `"quoted phrases"` (closed or not) together.
fn tokens(input: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let mut raw = String::new();
        let quoted = chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                raw.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                raw.push(c);
                chars.next();
            }
        }
        out.push(Token {
            raw,
            quoted,
            negated,
        });
    }
    out
}

mod tsquery;

#[cfg(test)]
mod tests;
