//! Keyword alerts: which tokens an article must hold for a saved query to match it.
//!
//! Every alert is keyed by the tokens of one of its required clauses (the cheapest), one of
//! which every article it matches holds in some index column (see
//! [`SearchQuery::triggers`](super::SearchQuery::triggers)). A new article's tokens are keyed the
//! same way, so looking them up finds every alert that could match it — a superset — and only
//! those are then checked exactly by the full-text index, with the very expression /search
//! runs. Nothing here decides a match; it only rules alerts out.

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Characters of a prefix a prefix trigger keeps (a query's prefix has at least two).
const PREFIX: usize = 2;

/// A token as the alert index keys it: without diacritics, as the full-text tokenizer
/// (`remove_diacritics 2`) reads it, so "Hüseynov" and "huseynov" key alike.
pub fn key(token: &str) -> String {
    token.nfd().filter(|c| !is_combining_mark(*c)).collect()
}

/// The trigger of a `prefix*` term: a mark and the prefix's first characters.
pub fn prefix_key(prefix: &str) -> String {
    let mut out = String::from("*");
    out.extend(key(prefix).chars().take(PREFIX));
    out
}

/// Every trigger an article's index entry holds: each token of `written` (words as written,
/// which also give the prefix triggers) and of `other` (lemmas, spelling keys, stems), keyed.
/// Each argument is space-separated tokens, as the index stores them.
pub fn article_triggers(written: &[&str], other: &[&str]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for token in written.iter().flat_map(|t| t.split_whitespace()) {
        out.insert(prefix_key(token));
        out.insert(key(token));
    }
    for token in other.iter().flat_map(|t| t.split_whitespace()) {
        out.insert(key(token));
    }
    out.into_iter().collect()
}

/// How costly a set of triggers is to look up and to match: each token is one lookup, and a
/// prefix trigger matches far more articles than a word does.
pub fn cost(triggers: &[String]) -> usize {
    triggers
        .iter()
        .map(|t| if t.starts_with('*') { 50 } else { 1 })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SearchQuery;
    use crate::domain::text::index;

    fn triggered(query: &str, text: &str) -> bool {
        let Ok(query) = SearchQuery::parse(query) else {
            return false;
        };
        let entry = index(text);
        let tokens = article_triggers(&[&entry.written], &[&entry.lemmas, &entry.keys]);
        query.triggers().iter().any(|t| tokens.contains(t))
    }

    #[test]
    fn an_article_a_query_would_find_holds_one_of_its_triggers() {
        for (query, text) in [
            ("Гусейнов", "Мехман Гусейнову предъявили обвинение"),
            ("Guseinov", "Суд над Гусейновым"),
            ("Hüseynov", "Mekhman Huseynov was released"),
            (
                "\"мусорный полигон\"",
                "Жители против: мусорный полигон у Назрани",
            ),
            ("голод*", "Голодовка продолжается"),
            ("задержать", "Полиция задержала троих"),
            ("children", "The child was found"),
            ("выборы -Махачкала", "Выборы в Дербенте"),
            ("Шахдаг OR Шахдага", "Туристы на Шахдаге"),
        ] {
            assert!(triggered(query, text), "{query} → {text}");
        }
    }

    #[test]
    fn an_unrelated_article_holds_none() {
        for (query, text) in [
            ("Гусейнов", "Погода в Баку"),
            ("\"мусорный полигон\"", "Полигон для стрельбы"),
            ("Шахдаг", "Курорт в горах"),
        ] {
            assert!(!triggered(query, text), "{query} → {text}");
        }
    }

    #[test]
    fn the_cheapest_clause_keys_an_alert() -> Result<(), crate::domain::SearchQueryError> {
        let query = SearchQuery::parse("полигон* Назрань")?;
        assert!(query.triggers().iter().all(|t| !t.starts_with('*')));
        Ok(())
    }
}
