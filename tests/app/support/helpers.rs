//! `spawn_app()` and the conversations tests hold with it.

use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;

use herald::app::{App, ChatInfo, Invocation, Sender};
use herald::application::{Application, Options};
use herald::clock::Clock;
use herald::config::Settings;
use herald::delivery::Engine;
use herald::domain::{ChatKind, DatabaseUrl, Language, Platform, TopicName, TopicSlug};
use herald::render::plain;
use herald::store::NewArticle;
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

pub struct TestApp {
    pub app: App,
    /// herald as `herald run` builds it; `None` only while it restarts.
    herald: Option<Application>,
    /// Keeps the database directory alive for the test's duration.
    _dir: TempDir,
    /// The test's PostgreSQL database when the suite runs on PostgreSQL; dropped at the end.
    pg: Option<super::pg::PgDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(db) = self.pg.take() {
            // The test's runtime may be gone or single-threaded: a thread of its own.
            std::thread::spawn(move || {
                if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    runtime.block_on(db.remove());
                }
            })
            .join()
            .ok();
        }
    }
}

/// The database backend the app suite runs on: SQLite, or PostgreSQL when
/// `HERALD_TEST_BACKEND=postgres` (with `HERALD_POSTGRES_URL`, see `scripts/postgres.sh`).
async fn test_database(settings: &mut Settings) -> Option<super::pg::PgDatabase> {
    if std::env::var("HERALD_TEST_BACKEND").as_deref() != Ok("postgres") {
        return None;
    }
    let db = super::pg::database("app suite")
        .await
        .expect("HERALD_TEST_BACKEND=postgres needs HERALD_POSTGRES_URL");
    settings.database_url = Some(DatabaseUrl::Postgres(db.url.clone()));
    Some(db)
}

/// A fresh app on an empty database; `telegram:1` is the owner.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like `spawn_app`, with settings adjusted first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_at(Clock::system(), adjust).await
}

/// Like `spawn_app_with`, on a given clock (which follows tokio's, so tests can pause it).
/// The workers are off: tests drive the engine's step themselves.
pub async fn spawn_app_at(clock: Clock, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let options = Options {
        clock,
        workers: false,
        ..Options::default()
    };
    spawn_herald(options, adjust).await
}

/// herald with `options` on a fresh data directory, settings adjusted first.
pub async fn spawn_herald(options: Options, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::for_tests(dir.path(), &["telegram:1"]).expect("test settings");
    let pg = test_database(&mut settings).await;
    adjust(&mut settings);
    let herald = build(settings, options).await;
    TestApp {
        app: herald.app().clone(),
        herald: Some(herald),
        _dir: dir,
        pg,
    }
}

async fn build(settings: Settings, options: Options) -> Application {
    Application::build_with(settings, options, CancellationToken::new())
        .await
        .expect("herald builds")
}

impl TestApp {
    /// The delivery engine herald runs.
    pub fn engine(&self) -> Arc<Engine> {
        Arc::clone(self.herald().engine())
    }

    fn herald(&self) -> &Application {
        self.herald.as_ref().expect("herald is running")
    }

    /// Stops herald (every task, then the database) and starts it again on the same data
    /// directory and clock, with `options` (whose clock is replaced) and adjusted settings.
    pub async fn restart(&mut self, options: Options, adjust: impl FnOnce(&mut Settings)) {
        let mut settings = self.app.settings().clone();
        let clock = self.app.clock();
        self.stop().await;
        adjust(&mut settings);
        let herald = build(settings, Options { clock, ..options }).await;
        self.app = herald.app().clone();
        self.herald = Some(herald);
    }

    /// Stops herald: every task, then the database.
    pub async fn stop(&mut self) {
        if let Some(herald) = self.herald.take() {
            herald.stop().await.expect("herald stops");
        }
    }

    /// `user` (a Telegram user id) writes `text` in their private chat; returns the reply text.
    pub async fn say(&self, user: &str, text: &str) -> String {
        self.say_in(user, ChatKind::Private, user, text)
            .await
            .expect("private chats always get an answer")
    }

    /// `user` writes `text` in the chat `chat` of the given kind.
    pub async fn say_in(
        &self,
        chat: &str,
        kind: ChatKind,
        user: &str,
        text: &str,
    ) -> Option<String> {
        let invocation = Invocation {
            platform: Platform::Telegram,
            chat: ChatInfo {
                native_id: chat.into(),
                kind,
                title: format!("chat {chat}"),
            },
            sender: Sender {
                native_id: user.into(),
                display_name: format!("user {user}"),
                language: Some(Language::En),
            },
            text: text.into(),
            marks: Vec::new(),
            reply_to: None,
            message_id: None,
            edited: false,
            photo: None,
        };
        self.app
            .handle(&invocation)
            .await
            .map(|reply| plain::render(&reply))
    }

    /// The owner creates the demo-like topics used across tests.
    pub async fn with_topics(&self) {
        for (slug, ru, en) in [
            ("dagestan", "Дагестан", "Dagestan"),
            ("chechnya", "Чечня", "Chechnya"),
            ("azerbaijan", "Азербайджан", "Azerbaijan"),
        ] {
            self.app
                .store()
                .create_topic(
                    &TopicSlug::parse(slug).unwrap(),
                    &TopicName::parse(ru).unwrap(),
                    &TopicName::parse(en).unwrap(),
                )
                .await
                .unwrap();
        }
    }

    /// Stores an article directly, published at `at`, and returns its id.
    pub async fn add_article(
        &self,
        title: &str,
        body: &str,
        language: Language,
        topics: &[&str],
        at: DateTime<Utc>,
    ) -> i64 {
        let mut topic_ids = Vec::new();
        for slug in topics {
            let topic = self
                .app
                .store()
                .topic(&TopicSlug::parse(slug).unwrap())
                .await
                .unwrap()
                .expect("topic exists");
            topic_ids.push(topic.id);
        }
        let article = NewArticle {
            published_at: at,
            ..NewArticle::text(title, body, language, topic_ids, at)
        };
        self.app
            .store()
            .insert_article(&article, self.app.clock().now_ms())
            .await
            .unwrap()
            .0
    }

    /// The newest audit lines as `command outcome` pairs.
    pub async fn audit(&self) -> Vec<String> {
        self.app
            .store()
            .recent_audit(50)
            .await
            .unwrap()
            .into_iter()
            .map(|entry| format!("{} {} {}", entry.actor, entry.command, entry.outcome))
            .collect()
    }
}

/// A UTC instant.
pub fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}
