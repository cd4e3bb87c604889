//! `herald copy-db`: a newsroom moved from SQLite into PostgreSQL keeps every row, value for
//! value, and an interrupted copy resumes without losing or doubling any.

use herald::app::copy_db::{Copied, copy_db};
use herald::clock::Clock;
use herald::domain::DatabaseUrl;
use herald::store::{CopyStep, DbCopy, PgStore, Store};
use sqlx::{Connection, PgConnection, Row, SqliteConnection};
use tokio_util::sync::CancellationToken;

use crate::helpers::{TestApp, spawn_app_with};
use crate::support::pg;

/// A small newsroom with a bit of everything: topics, readers and their subscriptions, an
/// editor, a translated pair, a correction, a retraction, an alert, an outbox and the audit.
async fn newsroom() -> TestApp {
    // The source is an SQLite newsroom whichever backend the suite runs on.
    let h = spawn_app_with(|s| s.database_url = None).await;
    h.with_topics().await;
    h.say("10", "/subscribe dagestan").await;
    h.say("11", "/lang ru").await;
    h.say("11", "/subscribe all").await;
    h.say("11", "/alert Гусейнов").await;
    h.say("1", "/grant telegram:50 editor").await;
    h.say(
        "50",
        "/post\ntitle: Суд продлил арест Мехмана Гусейнова\nlang: ru\ntopics: dagestan",
    )
    .await;
    h.say(
        "50",
        "/post\ntitle: Court extends Mehman Huseynov's arrest\nlang: en\npair: 1",
    )
    .await;
    h.say("50", "/edit 1 lead: Заседание прошло в Баку.").await;
    h.say("50", "/post\ntitle: Рейс задержан\nlang: ru").await;
    h.say("50", "/retract #3 Не подтвердилось").await;
    h
}

/// `(id, title, lead, pair, revision, version, retracted)` of every article.
async fn articles_sqlite(path: &std::path::Path) -> Vec<String> {
    let mut db = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("source");
    let rows = sqlx::query(ARTICLES)
        .fetch_all(&mut db)
        .await
        .expect("articles");
    rows.iter().map(|r| r.get::<String, _>(0)).collect()
}

async fn articles_pg(url: &str) -> Vec<String> {
    let mut db = PgConnection::connect(url).await.expect("target");
    let rows = sqlx::query(ARTICLES)
        .fetch_all(&mut db)
        .await
        .expect("articles");
    db.close().await.ok();
    rows.iter().map(|r| r.get::<String, _>(0)).collect()
}

const ARTICLES: &str = "SELECT id || '|' || title || '|' || lead || '|' || COALESCE(pair_id, 0) || '|'
       || revision || '|' || version || '|' || COALESCE(retracted_at, '-') FROM articles ORDER BY id";

#[tokio::test]
async fn a_newsroom_copied_into_postgresql_keeps_every_row() {
    let Some(target) = pg::database("copy_db::keeps_every_row").await else {
        return;
    };
    let mut h = newsroom().await;
    let path = h.app.settings().database_path();
    h.stop().await;
    let before = articles_sqlite(&path).await;

    let from = DatabaseUrl::Sqlite(path.clone());
    let to: DatabaseUrl = target.url.parse().expect("url");
    let copied = copy_db(&from, &to, false, &CancellationToken::new())
        .await
        .expect("copied");
    let Copied::Verified(counts) = copied else {
        panic!("not finished: {copied:?}");
    };
    for table in [
        "chats",
        "users",
        "user_roles",
        "topics",
        "subscriptions",
        "articles",
        "article_versions",
        "article_topics",
        "audit_log",
        "deliveries",
        "alerts",
        "alert_terms",
    ] {
        let count = counts.iter().find(|c| c.table == table).expect("counted");
        assert!(count.source > 0, "{table} has rows to copy: {counts:?}");
        assert_eq!(count.source, count.target, "{table}");
    }
    // Value for value: pairs, revisions (no trigger moved them on), corrections, retractions.
    assert_eq!(articles_pg(&target.url).await, before);
    assert_eq!(before.len(), 3);

    // Run again: nothing more to copy, still verified.
    let again = copy_db(&from, &to, false, &CancellationToken::new())
        .await
        .expect("copied again");
    assert!(matches!(again, Copied::Verified(_)), "{again:?}");
    assert_eq!(articles_pg(&target.url).await, before);
    target.remove().await;
}

#[tokio::test]
async fn an_interrupted_copy_resumes_without_losing_or_doubling_rows() {
    let Some(target) = pg::database("copy_db::resumes").await else {
        return;
    };
    let mut h = newsroom().await;
    let path = h.app.settings().database_path();
    h.stop().await;

    // A few one-row batches, then the copy is dropped as if the process died.
    let store = Store::open(&path, Clock::system()).await.expect("source");
    let to = PgStore::open(&target.url).await.expect("target");
    let copy = DbCopy::start(store.clone(), &to).await.expect("start");
    for _ in 0..5 {
        let step = copy.step(1).await.expect("step");
        assert!(matches!(step, CopyStep::Copied { .. }), "{step:?}");
    }
    let partial = copy.counts().await.expect("counts");
    let (copied, all): (i64, i64) = partial
        .iter()
        .fold((0, 0), |(t, s), c| (t + c.target, s + c.source));
    assert!(copied > 0 && copied < all, "{partial:?}");
    to.close().await;
    store.close().await;

    let from = DatabaseUrl::Sqlite(path.clone());
    let to: DatabaseUrl = target.url.parse().expect("url");
    let copied = copy_db(&from, &to, false, &CancellationToken::new())
        .await
        .expect("resumed");
    let Copied::Verified(counts) = copied else {
        panic!("not finished: {copied:?}");
    };
    assert!(counts.iter().all(|c| c.source == c.target), "{counts:?}");
    assert_eq!(articles_pg(&target.url).await, articles_sqlite(&path).await);
    target.remove().await;
}

#[tokio::test]
async fn a_target_holding_another_newsroom_is_refused() {
    let Some(target) = pg::database("copy_db::refused").await else {
        return;
    };
    let mut h = newsroom().await;
    let path = h.app.settings().database_path();
    h.stop().await;
    let mut db = PgConnection::connect(&target.url).await.expect("target");
    let from = DatabaseUrl::Sqlite(path.clone());
    let to: DatabaseUrl = target.url.parse().expect("url");
    // The schema is made by a first (interrupted) run; then rows appear that copy-db did not
    // write, and its record of progress is gone.
    let shutdown = CancellationToken::new();
    shutdown.cancel();
    copy_db(&from, &to, false, &shutdown)
        .await
        .expect("prepared");
    sqlx::query("INSERT INTO topics (slug, name_ru, name_en) VALUES ('other', 'Другое', 'Other')")
        .execute(&mut db)
        .await
        .expect("foreign row");
    db.close().await.ok();
    let error = copy_db(&from, &to, false, &CancellationToken::new())
        .await
        .expect_err("refused");
    assert!(
        format!("{error:#}").contains("already holds topics rows"),
        "{error:#}"
    );
    target.remove().await;
}
