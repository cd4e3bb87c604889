use super::*;

fn fts(query: &str, version: IndexVersion) -> String {
    match SearchQuery::parse(query) {
        Ok(query) => query.to_fts(version),
        Err(error) => panic!("{query}: {error}"),
    }
}

#[test]
fn a_word_matches_as_written_by_lemma_or_by_spelling_key() {
    let fts = fts("Гусейнову", IndexVersion::Lemmas);
    assert!(fts.contains(r#"{title text} : "гусейнову""#), "{fts}");
    assert!(
        fts.contains(r#"{title text title_lemmas text_lemmas} : "гусейнов""#),
        "{fts}"
    );
    assert!(
        fts.contains(r#"{title_keys text_keys} : "husainov""#),
        "{fts}"
    );
}

#[test]
fn a_word_that_is_its_own_lemma_is_one_phrase() {
    assert_eq!(
        fts("полиция", IndexVersion::Lemmas),
        r#"((({title text title_lemmas text_lemmas} : "полиция")))"#
    );
}

#[test]
fn partitions_not_yet_rebuilt_are_asked_by_stem() {
    let all = "{title text title_stems text_stems}";
    assert_eq!(
        fts("Выборах", IndexVersion::Stems),
        format!(r#"((({all} : "выборах" OR {all} : "выбор")))"#)
    );
}

#[test]
fn phrases_prefixes_exclusions_and_or_are_understood() {
    let fts = fts(
        r#""human rights" Гусей* -Baku Dagestan OR Chechnya"#,
        IndexVersion::Lemmas,
    );
    assert!(fts.contains(r#"({title text} : "human rights")"#), "{fts}");
    assert!(fts.contains(r#"({title text} : "гусей" *)"#), "{fts}");
    assert!(
        fts.contains(r#" NOT ({title text title_lemmas text_lemmas} : "baku""#),
        "{fts}"
    );
    assert!(
        fts.contains(r#"{title_keys text_keys} : "baku")"#),
        "an exclusion excludes every spelling: {fts}"
    );
    assert!(
        fts.contains(r#") OR ({title text title_lemmas text_lemmas} : "chechnya""#),
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
    let fts = fts("NEAR(a b) AND NOT title:x", IndexVersion::Lemmas);
    assert!(fts.contains(r#"{title text} : "near a""#), "{fts}");
    assert!(fts.contains(r#"{title text} : "title x""#), "{fts}");
}
