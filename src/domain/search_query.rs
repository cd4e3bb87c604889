//! What a user typed after /search, turned into an FTS5 expression that cannot fail.
//!
//! Understood: words (matched in any inflected form), `"exact phrases"`, `prefix*`, `-excluded`
//! words, and `OR`/`ИЛИ` between alternatives. Everything else is punctuation. Only words we
//! produced ourselves (letters and digits) ever reach FTS5, each inside double quotes, so no
//! input can produce an FTS5 syntax error.

use super::text::{fold, forms, stem, words};

/// The most words a query may hold; more would only slow the search down.
const MAX_TERMS: usize = 16;
/// The longest query accepted, in characters.
const MAX_CHARS: usize = 300;

/// Column sets of `article_search`.
const WRITTEN: &str = "{title text}";
const STEMS: &str = "{title_stems text_stems}";
const ALL: &str = "{title text title_stems text_stems}";

/// One thing to look for: it matches when any of its phrases does.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    /// (columns, space-separated words) pairs.
    phrases: Vec<(&'static str, String)>,
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

    /// The FTS5 MATCH expression for the `article_search` table.
    pub fn to_fts(&self) -> String {
        let clauses: Vec<String> = self
            .required
            .iter()
            .map(|alternatives| {
                let alts: Vec<String> = alternatives.iter().map(term_fts).collect();
                format!("({})", alts.join(" OR "))
            })
            .collect();
        let mut expr = format!("({})", clauses.join(" AND "));
        for term in &self.excluded {
            expr.push_str(&format!(" NOT {}", term_fts(term)));
        }
        expr
    }
}

fn term_fts(term: &Term) -> String {
    let star = if term.prefix { " *" } else { "" };
    let alternatives: Vec<String> = term
        .phrases
        .iter()
        .map(|(columns, phrase)| format!("{columns} : \"{phrase}\"{star}"))
        .collect();
    format!("({})", alternatives.join(" OR "))
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
        let written: Vec<String> = words(&self.raw).map(fold).collect();
        if written.is_empty() {
            return None;
        }
        // A one-letter prefix would match half the archive; treat it as a plain word.
        let prefix = !self.quoted
            && self.raw.trim_end().ends_with('*')
            && written.last().is_some_and(|w| w.chars().count() >= 2);
        let phrases = match written.as_slice() {
            _ if self.quoted || prefix => vec![(WRITTEN, written.join(" "))],
            [word] => forms(word).into_iter().map(|form| (ALL, form)).collect(),
            words => vec![
                (WRITTEN, words.join(" ")),
                (
                    STEMS,
                    words.iter().map(|w| stem(w)).collect::<Vec<_>>().join(" "),
                ),
            ],
        };
        Some(Term { phrases, prefix })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_match_written_or_stemmed_forms() {
        let q = SearchQuery::parse("Выборах").unwrap();
        let all = "{title text title_stems text_stems}";
        assert_eq!(
            q.to_fts(),
            format!(r#"((({all} : "выборах" OR {all} : "выбор")))"#)
        );
    }

    #[test]
    fn phrases_prefixes_exclusions_and_or_are_understood() {
        let q = SearchQuery::parse(r#""human rights" Гусей* -Baku Dagestan OR Chechnya"#).unwrap();
        let fts = q.to_fts();
        assert!(fts.contains(r#"{title text} : "human rights")"#), "{fts}");
        assert!(fts.contains(r#""гусей" *"#), "{fts}");
        assert!(
            fts.contains(r#" NOT ({title text title_stems text_stems} : "baku""#),
            "{fts}"
        );
        assert!(
            fts.contains(r#": "dagestan") OR ({title text title_stems text_stems} : "chechnya""#),
            "{fts}"
        );
    }

    #[test]
    fn queries_without_words_are_refused_with_a_reason() {
        assert_eq!(SearchQuery::parse(""), Err(SearchQueryError::NoWords));
        assert_eq!(
            SearchQuery::parse("*** \"\" ()"),
            Err(SearchQueryError::NoWords)
        );
        assert_eq!(
            SearchQuery::parse("-spam"),
            Err(SearchQueryError::OnlyExclusions)
        );
        assert_eq!(
            SearchQuery::parse(&"a ".repeat(200)),
            Err(SearchQueryError::TooLong)
        );
    }

    #[test]
    fn fts_keywords_typed_by_users_are_only_words() {
        let fts = SearchQuery::parse("NEAR(a b) AND NOT title:x")
            .unwrap()
            .to_fts();
        assert!(fts.contains(r#""near a""#), "{fts}");
        assert!(fts.contains(r#""title x""#), "{fts}");
    }
}
