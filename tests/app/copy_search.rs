//! A newsroom copied into PostgreSQL answers `/latest` and `/search` as the SQLite original
//! did: the same articles, value for value, for every kind of query — inflected forms in both
//! languages, names in another script, phrases, prefixes, exclusions, alternatives.

use herald::app::copy_db::{Copied, copy_db};
use herald::domain::{ArticleRecord, DatabaseUrl, Language, SearchQuery, TopicSlug};
use herald::store::{PgStore, SearchOrder};
use tokio_util::sync::CancellationToken;

use crate::helpers::{TestApp, spawn_app_with, utc};
use crate::support::pg;

const QUERIES: &[&str] = &[
    "выборы",
    "выборах",
    "Гусейнову",
    "гусейновым",
    "Huseynov",
    "Guseinov",
    "elections",
    "ELECTED",
    "\"арест Гусейнова\"",
    "\"арест Гусейнову\"",
    "Гусей*",
    "Гусейнов -письмо",
    "Nazran OR floods",
    "выборы ИЛИ голодовка",
    "cafe",
    "Кабардино-Балкария",
    "\"court in Baku\"",
    "нетакогослова",
];

async fn newsroom() -> TestApp {
    // The source is an SQLite newsroom whichever backend the suite runs on.
    let t = spawn_app_with(|s| s.database_url = None).await;
    t.with_topics().await;
    let articles: &[(&str, &str, Language, &[&str])] = &[
        (
            "Выборы в Дагестане перенесены",
            "Голосование пройдёт осенью.",
            Language::Ru,
            &["dagestan"],
        ),
        (
            "Итоги выборов в Чечне",
            "Наблюдатели говорят о нарушениях.",
            Language::Ru,
            &[],
        ),
        (
            "Блогер Гусейнов объявил голодовку",
            "Гусейнов протестует против нового дела.",
            Language::Ru,
            &[],
        ),
        (
            "Суд продлил арест Гусейнова",
            "Защита обжалует решение.",
            Language::Ru,
            &["dagestan"],
        ),
        (
            "Правозащитники написали Гусейнову письмо",
            "Письмо передали в колонию.",
            Language::Ru,
            &[],
        ),
        (
            "Village elections postponed",
            "The commission cited floods.",
            Language::En,
            &[],
        ),
        (
            "A new council was elected in Nazran",
            "Turnout was low.",
            Language::En,
            &[],
        ),
        (
            "Court in Baku extends Mehman Huseynov's arrest",
            "The blogger's café talk was cited.",
            Language::En,
            &[],
        ),
        (
            "В Кабардино-Балкарии открыли школу",
            "Школа рассчитана на 500 учеников.",
            Language::Ru,
            &["dagestan"],
        ),
    ];
    for (n, (title, body, language, topics)) in articles.iter().enumerate() {
        t.add_article(
            title,
            body,
            *language,
            topics,
            utc(2024, 4, 1 + n as u32, 9, 0),
        )
        .await;
    }
    t.say("1", "/grant telegram:50 editor").await;
    t.say(
        "50",
        "/post\ntitle: Гусейнов вышел на свободу\nlang: ru\ntopics: dagestan",
    )
    .await;
    t.say("50", "/retract #2 Не подтвердилось").await;
    t
}

fn ids(articles: &[ArticleRecord]) -> Vec<i64> {
    let mut ids: Vec<i64> = articles.iter().map(|a| a.id).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_copied_newsroom_answers_latest_and_search_as_the_original_did() {
    let Some(target) = pg::database("copy_search::answers_as_the_original").await else {
        return;
    };
    let mut t = newsroom().await;
    let store = t.app.store().clone();
    let topic = store
        .topic(&TopicSlug::parse("dagestan").unwrap())
        .await
        .unwrap()
        .expect("topic")
        .id;
    let mut latest = Vec::new();
    for (topic, offset) in [(None, 0), (None, 3), (Some(topic), 0)] {
        latest.push(store.latest_articles(topic, 5, offset).await.unwrap());
    }
    let ranked = SearchOrder::Relevance {
        window: 100,
        span: 1_000_000,
    };
    let mut found = Vec::new();
    for query in QUERIES {
        let query = SearchQuery::parse(query).unwrap();
        found.push((
            store
                .search(&query, SearchOrder::Newest, 20, 0)
                .await
                .unwrap(),
            store.search(&query, ranked, 20, 0).await.unwrap(),
        ));
    }
    let path = t.app.settings().database_path();
    t.stop().await;

    let to: DatabaseUrl = target.url.parse().expect("url");
    let copied = copy_db(
        &DatabaseUrl::Sqlite(path),
        &to,
        false,
        &CancellationToken::new(),
    )
    .await
    .expect("copied");
    assert!(matches!(copied, Copied::Verified(_)), "{copied:?}");
    let copy = PgStore::open(&target.url).await.expect("copy");

    let pages = [(None, 0), (None, 3), (Some(topic), 0)];
    for ((topic, offset), original) in pages.into_iter().zip(&latest) {
        let answer = copy.latest_articles(topic, 5, offset).await.unwrap();
        assert!(!answer.is_empty());
        assert_eq!(&answer, original, "/latest {topic:?} from {offset}");
    }
    for (query, (newest, relevant)) in QUERIES.iter().zip(&found) {
        let parsed = SearchQuery::parse(query).unwrap();
        let answer = copy
            .search(&parsed, SearchOrder::Newest, 20, 0)
            .await
            .unwrap();
        assert_eq!(&answer, newest, "/search {query} sort:new");
        let answer = copy.search(&parsed, ranked, 20, 0).await.unwrap();
        assert_eq!(ids(&answer), ids(relevant), "/search {query}");
    }
    // The queries find what they should, so the comparison above means something.
    let count = |q: &str| found[QUERIES.iter().position(|x| *x == q).unwrap()].0.len();
    assert_eq!(
        count("Гусейнову"),
        5,
        "three forms, a retraction-free fourth, a copy in English"
    );
    assert_eq!(count("\"арест Гусейнову\""), 0);
    assert_eq!(count("cafe"), 1);
    // A headline holding the form asked for ranks first.
    let query = SearchQuery::parse("Гусейнов").unwrap();
    let first = copy.search(&query, ranked, 1, 0).await.unwrap();
    assert!(first[0].title.contains("Гусейнов "), "{first:?}");
    copy.close().await;
    target.remove().await;
}
