//! A query as PostgreSQL's `tsquery`, over the documents of `tsearch`: the same terms as the
//! FTS5 expression of a `Lemmas` partition, so both backends answer alike. Lexemes are quoted
//! by us (no input reaches the parser unquoted), so no query can be a syntax error.

use super::{SearchQuery, Term};
use crate::domain::text::analyse;
use crate::domain::tsearch::{key, lemma, quoted, written};

impl SearchQuery {
    /// The `tsquery` (input syntax) of this query.
    pub fn to_tsquery(&self) -> String {
        let clauses: Vec<String> = self
            .required
            .iter()
            .map(|alternatives| any(alternatives.iter().map(term)))
            .collect();
        let mut expr = all(clauses);
        for excluded in &self.excluded {
            expr = format!("{expr} & !{}", term(excluded));
        }
        expr
    }
}

fn term(term: &Term) -> String {
    if term.exact || term.prefix || term.words.len() > 1 {
        let last = term.words.len().saturating_sub(1);
        let phrase: Vec<String> = term
            .words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let star = if term.prefix && i == last { ":*" } else { "" };
                format!("{}{star}", quoted(&written(w)))
            })
            .collect();
        let phrase = format!("({})", phrase.join(" <-> "));
        if term.exact || term.prefix {
            return phrase;
        }
        // Together as written, or each in any of its forms.
        return any([phrase, all(term.words.iter().map(|w| word(w)))]);
    }
    term.words.first().map_or_else(String::new, |w| word(w))
}

/// One word: as written, by any of its lemmas (among the written words too, where a lemma
/// spelled as its word is kept only once), or by its spelling key.
fn word(word: &str) -> String {
    let analysis = analyse(word);
    let mut out = Vec::new();
    if !analysis.lemmas.iter().any(|l| l == word) {
        out.push(quoted(&written(word)));
    }
    for l in &analysis.lemmas {
        out.push(quoted(&written(l)));
        out.push(quoted(&lemma(l)));
    }
    for k in &analysis.keys {
        out.push(quoted(&key(k)));
    }
    any(out)
}

fn any(parts: impl IntoIterator<Item = String>) -> String {
    join(parts, " | ")
}

fn all(parts: impl IntoIterator<Item = String>) -> String {
    join(parts, " & ")
}

fn join(parts: impl IntoIterator<Item = String>, operator: &str) -> String {
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    format!("({})", parts.join(operator))
}

#[cfg(test)]
mod tests {
    use crate::domain::SearchQuery;

    fn tsquery(query: &str) -> String {
        match SearchQuery::parse(query) {
            Ok(query) => query.to_tsquery(),
            Err(error) => panic!("{query}: {error}"),
        }
    }

    #[test]
    fn a_word_matches_as_written_by_lemma_or_by_spelling_key() {
        let q = tsquery("Гусейнову");
        assert!(q.contains("'гусейнову'"), "{q}");
        assert!(q.contains("'гусейнов' | '=гусейнов'"), "{q}");
        assert!(q.contains("'#husainov'"), "{q}");
    }

    #[test]
    fn phrases_prefixes_alternatives_and_exclusions_keep_their_meaning() {
        assert_eq!(tsquery("\"верховный суд\""), "((('верховный' <-> 'суд')))");
        assert_eq!(tsquery("дагест*"), "((('дагест':*)))");
        let q = tsquery("суд OR приговор -апелляция");
        assert!(q.starts_with("(((") && q.contains(") | ("), "{q}");
        assert!(q.contains(" & !("), "{q}");
    }

    #[test]
    fn quotes_in_a_query_cannot_break_out_of_a_lexeme() {
        let q = tsquery("o'brien \\ 'x");
        assert!(!q.contains("'o'b"), "{q}");
    }
}
