//! Search finds inflected forms in both languages, honours the query syntax, never errors on
//! any input, and ranks within a bounded window of the newest matches.

use herald::domain::{Language, SearchQuery};
use herald::store::SearchOrder;
use proptest::prelude::*;

use crate::helpers::{TestApp, spawn_app, spawn_app_with, utc};

async fn newsroom() -> TestApp {
    let t = spawn_app().await;
    t.add_article(
        "Выборы в Дагестане перенесены",
        "Голосование пройдёт осенью.",
        Language::Ru,
        &[],
        utc(2024, 4, 1, 9, 0),
    )
    .await;
    t.add_article(
        "Итоги выборов в Чечне",
        "Наблюдатели говорят о нарушениях.",
        Language::Ru,
        &[],
        utc(2024, 4, 2, 9, 0),
    )
    .await;
    t.add_article(
        "Блогер Гусейнов объявил голодовку",
        "Гусейнов протестует против нового дела.",
        Language::Ru,
        &[],
        utc(2024, 4, 3, 9, 0),
    )
    .await;
    t.add_article(
        "Суд продлил арест Гусейнова",
        "Защита обжалует решение.",
        Language::Ru,
        &[],
        utc(2024, 4, 4, 9, 0),
    )
    .await;
    t.add_article(
        "Правозащитники написали Гусейнову письмо",
        "Письмо передали в колонию.",
        Language::Ru,
        &[],
        utc(2024, 4, 5, 9, 0),
    )
    .await;
    t.add_article(
        "Village elections postponed",
        "The commission cited floods.",
        Language::En,
        &[],
        utc(2024, 4, 6, 9, 0),
    )
    .await;
    t.add_article(
        "A new council was elected in Nazran",
        "Turnout was low.",
        Language::En,
        &[],
        utc(2024, 4, 7, 9, 0),
    )
    .await;
    t
}

/// The ids of articles a query finds, as a sorted list.
async fn ids(t: &TestApp, query: &str) -> Vec<i64> {
    let query = SearchQuery::parse(query).unwrap();
    let mut ids: Vec<i64> = t
        .app
        .store()
        .search(
            &query,
            SearchOrder::Relevance {
                window: 100,
                span: 1_000_000,
            },
            50,
            0,
        )
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn russian_inflections_find_each_other_in_both_directions() {
    let t = newsroom().await;
    for query in ["выборы", "выборах", "выборов"] {
        assert_eq!(ids(&t, query).await, [1, 2], "{query}");
    }
    for query in ["Гусейнов", "Гусейнова", "Гусейнову", "гусейновым"]
    {
        assert_eq!(ids(&t, query).await, [3, 4, 5], "{query}");
    }
    assert_eq!(ids(&t, "Дагестан").await, [1]);
}

#[tokio::test]
async fn english_inflections_find_each_other_in_both_directions() {
    let t = newsroom().await;
    assert_eq!(ids(&t, "elections").await, [6, 7]);
    assert_eq!(ids(&t, "elected").await, [6, 7]);
    assert_eq!(ids(&t, "ELECTION").await, [6, 7]);
}

#[tokio::test]
async fn phrases_prefixes_exclusions_and_alternatives_narrow_or_widen_the_search() {
    let t = newsroom().await;
    assert_eq!(ids(&t, "\"арест Гусейнова\"").await, [4]);
    assert_eq!(ids(&t, "\"арест Гусейнову\"").await, Vec::<i64>::new());
    assert_eq!(ids(&t, "Гусей*").await, [3, 4, 5]);
    assert_eq!(ids(&t, "Гусейнов -письмо").await, [3, 4]);
    assert_eq!(ids(&t, "Nazran OR floods").await, [6, 7]);
    assert_eq!(ids(&t, "выборы ИЛИ голодовка").await, [1, 2, 3]);
}

#[tokio::test]
async fn relevance_puts_the_headline_match_first_and_sort_new_puts_the_newest_first() {
    let t = newsroom().await;
    let ranked = t.say("42", "/search Гусейнов").await;
    let newest = t.say("42", "/search Гусейнов sort:new").await;
    let first = |reply: &str| reply.lines().nth(1).unwrap_or("").to_string();
    // #3 has the exact form twice (headline and text); #5 is newest.
    assert!(first(&ranked).starts_with("• #3 "), "{ranked}");
    assert!(first(&newest).starts_with("• #5 "), "{newest}");
}

#[tokio::test]
async fn search_pages_and_points_to_the_next_page() {
    let t = spawn_app().await;
    for n in 0..7 {
        t.add_article(
            &format!("Flood report {n}"),
            "",
            Language::En,
            &[],
            utc(2024, 4, 1 + n, 9, 0),
        )
        .await;
    }
    let first = t.say("42", "/search flood sort:new").await;
    assert!(
        first.contains("Flood report 6") && first.contains("More: /search flood sort:new page:2"),
        "{first}"
    );
    let second = t.say("42", "/search flood sort:new page:2").await;
    assert!(
        second.contains("Flood report 1")
            && second.contains("Flood report 0")
            && !second.contains("More:"),
        "{second}"
    );
    assert_eq!(
        t.say("42", "/search flood page:3").await,
        "No more results."
    );
}

#[tokio::test]
async fn relevance_ranking_only_considers_the_newest_matches_in_its_window() {
    let t = spawn_app_with(|s| s.search.rank_window = 3).await;
    for n in 0..6 {
        t.add_article(
            &format!("Storm {n}"),
            "",
            Language::En,
            &[],
            utc(2024, 4, 1 + n, 9, 0),
        )
        .await;
    }
    let query = SearchQuery::parse("storm").unwrap();
    let found = t
        .app
        .store()
        .search(
            &query,
            SearchOrder::Relevance {
                window: 3,
                span: 1_000_000,
            },
            10,
            0,
        )
        .await
        .unwrap();
    let mut ids: Vec<i64> = found.iter().map(|a| a.id).collect();
    ids.sort();
    assert_eq!(ids, [4, 5, 6]);
}

#[tokio::test]
async fn search_spans_index_partitions_newest_first_and_corrections_stay_findable() {
    let t = spawn_app_with(|s| s.search.index_partition = 100).await;
    let mut batch = Vec::new();
    for n in 1..=250 {
        let word = if n % 50 == 0 {
            "Гусейнова"
        } else {
            "погода"
        };
        batch.push(format!("Сводка {n}: {word}"));
    }
    for (n, title) in batch.iter().enumerate() {
        t.add_article(
            title,
            "",
            Language::Ru,
            &[],
            utc(2024, 1, 1, 0, 0) + chrono::Duration::minutes(n as i64),
        )
        .await;
    }
    // Ids 50, 100, 150, 200 and 250 lie in partitions 0, 1, 1, 2 and 2.
    assert_eq!(ids(&t, "Гусейнов").await, [50, 100, 150, 200, 250]);
    let newest = t.say("42", "/search Гусейнов sort:new").await;
    assert!(
        newest.lines().nth(1).unwrap().starts_with("• #250 "),
        "{newest}"
    );
    let found = t
        .app
        .store()
        .search(
            &SearchQuery::parse("погода").unwrap(),
            SearchOrder::Relevance {
                window: 120,
                span: 1_000_000,
            },
            500,
            0,
        )
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        120,
        "the window bounds ranking across partitions"
    );
    assert!(
        found.iter().all(|a| a.id > 120),
        "only the newest matches are ranked"
    );

    // Ranking limited to the newest partition: its matches ranked, older ones after, newest first.
    let spanned = t
        .app
        .store()
        .search(
            &SearchQuery::parse("Гусейнов").unwrap(),
            SearchOrder::Relevance {
                window: 1_000,
                span: 100,
            },
            10,
            0,
        )
        .await
        .unwrap();
    let spanned: Vec<i64> = spanned.iter().map(|a| a.id).collect();
    assert_eq!(spanned.len(), 5, "{spanned:?}");
    assert_eq!(spanned[2..], [150, 100, 50], "{spanned:?}");

    t.say("1", "/edit 50\ntitle: Сводка 50: ясно").await;
    assert_eq!(ids(&t, "Гусейнов").await, [100, 150, 200, 250]);
    assert_eq!(ids(&t, "ясно").await, [50]);
}

#[tokio::test]
async fn queries_without_words_get_a_clear_message() {
    let t = newsroom().await;
    assert_eq!(
        t.say("42", "/search \"\" *** ()").await,
        "The query has no words to search for."
    );
    assert_eq!(
        t.say("42", "/search -Гусейнов").await,
        "The query only excludes words; add a word to search for."
    );
    assert!(t.say("42", "/search").await.starts_with("Usage: /search"));
    assert_eq!(
        t.say("42", "/search нетакогослова").await,
        "Nothing found for «нетакогослова»."
    );
}

fn hostile() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\"",
        "*",
        "NEAR",
        "NEAR(",
        "-",
        ":",
        "(",
        ")",
        "^",
        "+",
        "OR",
        "AND",
        "NOT",
        "ИЛИ",
        "{",
        "}",
        "title:",
        "'",
        "🗞",
        "👨‍👩‍👧",
        "\u{0}",
        "\\",
        "%",
        "_",
        "выборы",
        "Гусейнов",
        "elections",
        " ",
        "  ",
        "ё",
        "ﬁ",
        "İ",
        "١٢٣",
        "page:2",
        "sort:new",
        "@",
        "#",
        "\n",
        "\t",
    ]);
    prop::collection::vec(
        prop_oneof![pieces.prop_map(String::from), any::<String>()],
        0..12,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// No input may produce an SQL or FTS error: the query is refused with a reason or it runs.
    #[test]
    fn random_queries_never_produce_an_error(input in hostile()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let t = newsroom_once().await;
            if let Ok(query) = SearchQuery::parse(&input) {
                for order in [SearchOrder::Relevance { window: 50, span: 1_000_000 }, SearchOrder::Newest] {
                    let result = t.app.store().search(&query, order, 5, 0).await;
                    prop_assert!(result.is_ok(), "{input:?} -> {} -> {:?}", query.to_fts(herald::domain::IndexVersion::Lemmas), result.err());
                }
            }
            let reply = t.say("42", &format!("/search {input}")).await;
            prop_assert!(!reply.contains("Something went wrong"), "{input:?} -> {reply}");
            Ok(())
        })?;
    }
}

/// One small newsroom per proptest case would be slow; each case gets a fresh runtime, so the
/// app is rebuilt cheaply on a throwaway database instead.
async fn newsroom_once() -> TestApp {
    let t = spawn_app().await;
    t.add_article(
        "Выборы и Гусейнов",
        "Elections, NEAR and \"quotes\" (test)",
        Language::Ru,
        &[],
        utc(2024, 4, 1, 9, 0),
    )
    .await;
    t
}

#[tokio::test]
async fn a_name_is_found_in_every_spelling_and_form_and_near_names_stay_apart() {
    let t = newsroom().await;
    let english = t
        .add_article(
            "Mekhman Huseynov released from prison",
            "The blogger Huseynov left the colony.",
            Language::En,
            &[],
            utc(2024, 4, 8, 9, 0),
        )
        .await;
    let magomed = t
        .add_article(
            "Магомед вернулся домой",
            "",
            Language::Ru,
            &[],
            utc(2024, 4, 9, 9, 0),
        )
        .await;
    let baku = t
        .add_article(
            "Новости из Баку",
            "",
            Language::Ru,
            &[],
            utc(2024, 4, 10, 9, 0),
        )
        .await;
    // Гусейнов, Гусейнова, Гусейнову (3, 4, 5) and Huseynov, whichever spelling is asked.
    for query in ["Guseinov", "Huseynov", "Hüseynov", "Гусейнову"] {
        assert_eq!(ids(&t, query).await, [3, 4, 5, english], "{query}");
    }
    assert_eq!(ids(&t, "Guseinov -Гусейнов").await, Vec::<i64>::new());
    assert_eq!(ids(&t, "\"Гусейнову\"").await, [5], "a phrase stays exact");
    assert!(!ids(&t, "Магомедов").await.contains(&magomed));
    assert_eq!(ids(&t, "Магомед").await, [magomed]);
    assert!(ids(&t, "бак").await.is_empty());
    assert_eq!(ids(&t, "Baku").await, [baku]);
    assert!(ids(&t, "велосипед").await.is_empty());
}

/// Turns partition 0 back into the first index's table (words and stems), as a database
/// written by an earlier herald has it.
async fn index_by_stems_as_before(t: &TestApp) {
    let path = t.app.settings().database_path();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("DROP TABLE article_words_0000")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "CREATE VIRTUAL TABLE article_search_0000 USING fts5 (title, text, title_stems, text_stems,
             content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let rows: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, title, lead, body FROM articles")
            .fetch_all(&pool)
            .await
            .unwrap();
    for (id, title, lead, body) in rows {
        let (title, title_stems) = herald::domain::text::legacy_index(&title);
        let (text, text_stems) = herald::domain::text::legacy_index(&format!("{lead}\n{body}\n"));
        sqlx::query(
            "INSERT INTO article_search_0000 (rowid, title, text, title_stems, text_stems)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(id)
        .bind(title)
        .bind(text)
        .bind(title_stems)
        .bind(text_stems)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
}

#[tokio::test]
async fn an_archive_indexed_by_stems_is_rebuilt_resumably_while_search_keeps_answering() {
    use herald::application::Options;
    use herald::store::ReindexStep;

    // SQLite's partitions only: a PostgreSQL newsroom never had a stems index.
    let mut t = spawn_app_with(|s| {
        s.search.index_partition = 100;
        s.database_url = None;
    })
    .await;
    let russian = t
        .add_article(
            "Суд продлил арест Гусейнову",
            "",
            Language::Ru,
            &[],
            utc(2024, 4, 1, 9, 0),
        )
        .await;
    let english = t
        .add_article(
            "Huseynov released",
            "",
            Language::En,
            &[],
            utc(2024, 4, 2, 9, 0),
        )
        .await;
    t.add_article(
        "Погода в горах",
        "",
        Language::Ru,
        &[],
        utc(2024, 4, 3, 9, 0),
    )
    .await;
    index_by_stems_as_before(&t).await;
    let options = || Options {
        workers: false,
        ..Options::default()
    };
    t.restart(options(), |_| {}).await;
    // The old index answers as it always did: inflections, but no other script.
    assert_eq!(ids(&t, "Гусейнов").await, [russian]);
    assert_eq!(ids(&t, "Guseinov").await, Vec::<i64>::new());
    assert_eq!(t.app.store().reindex_remaining().await.unwrap(), 3);
    assert_eq!(
        t.app.store().reindex_step(1).await.unwrap(),
        ReindexStep::Indexed(1)
    );
    // Half rebuilt, the partition still answers from its old table.
    assert_eq!(ids(&t, "Гусейнов").await, [russian]);
    // Interrupted: the rebuild resumes after the article it had done.
    t.restart(options(), |_| {}).await;
    assert_eq!(t.app.store().reindex_remaining().await.unwrap(), 2);
    let mut steps = Vec::new();
    loop {
        let step = t.app.store().reindex_step(1).await.unwrap();
        steps.push(step);
        match step {
            ReindexStep::Done => break,
            ReindexStep::Indexed(_) => assert_eq!(ids(&t, "Гусейнов").await, [russian]),
            // From here the new table answers: every spelling.
            ReindexStep::Finished { .. } => {
                assert_eq!(ids(&t, "Гусейнов").await, [russian, english])
            }
        }
    }
    assert_eq!(
        steps,
        [
            ReindexStep::Indexed(1),
            ReindexStep::Indexed(1),
            ReindexStep::Finished { partition: 0 },
            ReindexStep::Done
        ]
    );
    assert_eq!(ids(&t, "Guseinov").await, [russian, english]);
    // A new article after the rebuild is indexed with lemmas only.
    t.restart(options(), |_| {}).await;
    assert_eq!(ids(&t, "Huseynov").await, [russian, english]);
}
