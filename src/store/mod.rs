//! Every SQL statement herald runs lives under this module, one file per aggregate.
//!
//! SQLite in WAL mode (readers never wait for the writer), foreign keys on, and a busy timeout
//! so a second connection waits for a lock instead of failing. Migrations in `migrations/` are
//! compiled into the binary and applied at start.

mod articles;
mod audit;
mod chats;
mod search;
mod subscriptions;
mod topics;
mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use articles::{ArticleRecord, NewArticle, Retraction};
pub use audit::{AuditEntry, AuditOutcome, AuditRecord};
pub use chats::{ChatRecord, NewChat};
pub use search::SearchOrder;
pub use topics::{TopicError, TopicRecord};
pub use users::UserRecord;

/// A handle to the database; cheap to clone (it is a connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub async fn open(path: &Path) -> anyhow::Result<Store> {
        let options = SqliteConnectOptions::from_str("sqlite:")
            .context("building SQLite options")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 64 MiB of page cache per connection keeps the FTS index's hot pages in memory.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .with_context(|| format!("opening database {}", path.display()))?;
        let store = Store { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations compiled into this binary; safe to call on an up-to-date database.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        sqlx::migrate!("./migrations")
            .run(&self.pool)
            .await
            .context("applying database migrations")
    }

    /// Closes every connection, waiting for running statements to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
