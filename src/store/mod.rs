//! Every SQL statement herald runs lives under this module, one file per aggregate.
//!
//! Two backends behind one `Store`: SQLite in WAL mode (readers never wait for the writer),
//! foreign keys on, and a busy timeout so a second connection waits for a lock instead of
//! failing; or PostgreSQL. Statements run through sqlx's Any driver and are written once for
//! both (numbered `$N` parameters, times as RFC 3339 text, flags as 0/1), except the few in
//! [`Sql`] pairs and the search index, whose PostgreSQL side is `pg`. Each backend's
//! migrations (`migrations/sqlite/`, `migrations/postgres/`) are compiled into the binary and
//! applied at start.

#![warn(missing_docs)]

mod alerts;
mod article_row;
mod articles;
mod audit;
mod chats;
mod checkpoint;
mod copy;
mod corrections;
mod deliveries;
mod digests;
mod external;
mod index;
mod leases;
mod media;
mod outbox_report;
mod pacing;
mod pg;
mod pick;
mod planning;
mod posted;
mod reindex;
mod search;
mod signals;
mod sources;
mod stamp;
mod subscriptions;
mod topics;
mod updates;
mod users;

use std::path::Path;
use std::str::FromStr;

use anyhow::Context;
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Executor, SqliteConnection};

use crate::clock::Clock;
use crate::domain::DatabaseUrl;

pub use alerts::{AlertAdded, AlertRecord};
pub use articles::{NewArticle, PairOutcome, Retraction};
pub use audit::{AuditEntry, AuditOutcome, AuditRecord};
pub use chats::{ChatRecord, NewChat};
pub use checkpoint::Checkpoint;
pub use copy::{CopyError, CopyStep, DbCopy, TableCount};
pub use deliveries::{
    Action, Job, LANE_BREAKING, LANE_CORRECTION, LANE_INTERACTIVE, LANE_ROUTINE, SentMessage,
};
pub use digests::ScheduledChat;
pub use external::{External, Ingested};
pub use media::{Media, NewMedia};
pub use outbox_report::{DeadLetter, LaneDepths, QueueStats};
pub use pacing::RecentSends;
pub use pg::PgStore;
pub use pick::{Lease, Sent};
pub use planning::{CHUNK, Planned};
pub use reindex::ReindexStep;
pub use search::SearchOrder;
pub use signals::{Signal, Signals};
pub use sources::{NewSource, Polled, SourceRecord};
pub use topics::{TopicError, TopicRecord};
pub use users::UserRecord;

/// A database call that failed. Callers above the store see this type, never sqlx's: they
/// log it or answer "something went wrong", and none of them branches on the driver's cases.
#[derive(Debug, thiserror::Error)]
#[error("database: {0}")]
pub struct StoreError(#[from] sqlx::Error);

/// What a store call returns.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Connections in the pool: SQLite has one writer, so more would only wait for each other.
const CONNECTIONS: u32 = 4;

/// The database behind a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a connection (or a transaction, dereferenced) talks to.
    fn of(connection: &sqlx::AnyConnection) -> Backend {
        match connection.backend_name() {
            "PostgreSQL" => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
}

/// A statement written for each backend: the few whose SQL differs, almost all for reading a
/// JSON array bound as one parameter (SQLite's `json_each`, PostgreSQL's
/// `jsonb_array_elements`). Every other statement is the same text on both.
struct Sql {
    sqlite: &'static str,
    postgres: &'static str,
}

impl Sql {
    /// The text for `backend`.
    fn on(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }

    /// The text for the backend `connection` talks to.
    fn for_connection(&self, connection: &sqlx::AnyConnection) -> &'static str {
        self.on(Backend::of(connection))
    }
}

/// What every SQLite connection is set to when it opens (the Any driver reads only a URL).
/// The page cache is per connection, in KiB (negative): with four connections, up to 8 MiB of
/// herald's memory. A pick or a settle touches a handful of index pages, and a search the FTS
/// index's hot pages; past that the OS page cache serves the file (measured at 1,000,000
/// articles: ranked search p99 22.5 ms with 2 MiB, and 1,000,000 pending deliveries 4 MiB less
/// resident than with 4 MiB). The busy timeout makes a second connection wait for the write
/// lock instead of failing.
const SQLITE_SESSION: &str = "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 10000; PRAGMA cache_size = -2048; PRAGMA temp_store = memory;";

/// The session of a SQLite connection, with the log's checkpoint threshold.
fn sqlite_session() -> String {
    format!("{SQLITE_SESSION} {}", checkpoint::AUTOCHECKPOINT)
}

/// The Any driver's URL of an SQLite file: the path with the characters its parser decodes
/// or splits on (`%`, `?`, `#`) percent-encoded.
fn sqlite_url(path: &Path) -> anyhow::Result<String> {
    let text = path
        .to_str()
        .with_context(|| format!("the database path {} is not UTF-8", path.display()))?;
    let mut url = String::from("sqlite://");
    for c in text.chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            c => url.push(c),
        }
    }
    Ok(url)
}

/// A pool of `CONNECTIONS` connections to `url`, each set up with `session`, all opened
/// now and kept: no reaper, no reconnects in the middle of work (which also keeps tests on
/// tokio's paused clock free of connect timeouts).
async fn pooled(url: String, session: Option<String>) -> sqlx::Result<AnyPool> {
    let pool = AnyPoolOptions::new()
        .max_connections(CONNECTIONS)
        .min_connections(CONNECTIONS)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            let session = session.clone();
            Box::pin(async move {
                if let Some(session) = session {
                    conn.execute(sqlx::AssertSqlSafe(session)).await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    let mut warm = Vec::new();
    for _ in 0..CONNECTIONS {
        warm.push(pool.acquire().await?);
    }
    drop(warm);
    Ok(pool)
}

/// A handle to the database; cheap to clone (it is a connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    /// One pool type for both backends: the SQL herald runs is written once, for both.
    pool: AnyPool,
    /// On PostgreSQL, its own search and `/latest` (the native driver's arrays and
    /// collations); `None` on SQLite.
    pg: Option<PgStore>,
    /// The full-text index partitions that exist (see `index`).
    partitions: index::Partitions,
    /// The process's one clock, for the times rows are stamped with (joined, granted,
    /// audited), so tests on a paused clock see the same times the engine does.
    clock: Clock,
    /// Turns at writing, for every write. SQLite's busy handler is not fair: a writer that
    /// commits and begins again at once (planning, chunk after chunk) kept the lock from one
    /// sleeping in its busy handler for seconds — a command's audit line waited 0.6 s behind
    /// planning 100,000 deliveries. This queue is first come, first served.
    turns: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// This process's name in leases (see [`Store::process_name`]).
    process: std::sync::Arc<str>,
}

impl Store {
    /// Opens the database at `url` (an SQLite file is created if needed) and applies pending
    /// migrations; `partition_size` as in [`Store::open_with_partition`].
    pub async fn connect(
        url: &DatabaseUrl,
        partition_size: i64,
        clock: Clock,
    ) -> anyhow::Result<Store> {
        match url {
            DatabaseUrl::Sqlite(path) => {
                Store::open_with_partition(path, partition_size, clock).await
            }
            DatabaseUrl::Postgres(text) => {
                let pg = PgStore::open(text)
                    .await
                    .with_context(|| format!("opening {url}"))?;
                sqlx::any::install_default_drivers();
                let pool = pooled(text.clone(), None)
                    .await
                    .with_context(|| format!("opening {url}"))?;
                Ok(Store {
                    pool,
                    pg: Some(pg),
                    partitions: index::Partitions::documents(),
                    clock,
                    turns: std::sync::Arc::default(),
                    process: leases::process_name().into(),
                })
            }
        }
    }

    /// Opens (creating if needed) the database file and applies pending migrations.
    pub async fn open(path: &Path, clock: Clock) -> anyhow::Result<Store> {
        Store::open_with_partition(path, index::PARTITION, clock).await
    }

    /// Like `open`, with another full-text partition size for a new database (tests use a
    /// small one to cross partitions). An existing database keeps the size it was created with.
    pub async fn open_with_partition(
        path: &Path,
        partition_size: i64,
        clock: Clock,
    ) -> anyhow::Result<Store> {
        let options = SqliteConnectOptions::from_str("sqlite:")
            .context("building SQLite options")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true);
        // One connection first creates the file, switches it to WAL (which the file keeps)
        // and applies the migrations; pooled connections opening at once on a new file would
        // race for that lock.
        let mut first = SqliteConnection::connect_with(&options)
            .await
            .with_context(|| format!("opening database {}", path.display()))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut first)
            .await
            .context("applying database migrations")?;
        first.close().await?;
        sqlx::any::install_default_drivers();
        let pool = pooled(sqlite_url(path)?, Some(sqlite_session()))
            .await
            .with_context(|| format!("opening database {}", path.display()))?;
        let partitions = index::Partitions::load(&pool, partition_size).await?;
        Ok(Store {
            pool,
            pg: None,
            partitions,
            clock,
            turns: std::sync::Arc::default(),
            process: leases::process_name().into(),
        })
    }

    /// Starts a write transaction in this store's turn (see `turns`). `BEGIN IMMEDIATE` takes
    /// the write lock up front (waiting up to the busy timeout), so a transaction that reads
    /// before it writes can never fail on a stale snapshot when another connection wrote in
    /// between.
    async fn write(
        &self,
    ) -> sqlx::Result<(
        tokio::sync::MutexGuard<'_, ()>,
        sqlx::Transaction<'static, sqlx::Any>,
    )> {
        let turn = self.turn().await;
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        Ok((turn, self.pool.begin_with(begin).await?))
    }

    /// Whether several herald processes may share this database (PostgreSQL's); SQLite's file
    /// is one process's, kept by the data directory's lock.
    pub fn shared(&self) -> bool {
        self.pg.is_some()
    }

    /// Which database is behind `pool`, for the few statements that differ.
    fn backend(&self) -> Backend {
        match self.pg {
            Some(_) => Backend::Postgres,
            None => Backend::Sqlite,
        }
    }

    /// Waits for this store's turn to write, behind every writer that asked first (see
    /// `turns`). Every write takes one; none holds it while calling another store method.
    async fn turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.turns.lock().await
    }

    /// Closes every connection, waiting for running statements to finish.
    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(pg) = &self.pg {
            pg.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Store;
    use crate::clock::Clock;

    #[tokio::test]
    async fn a_database_path_with_url_characters_opens_the_file_it_names() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let odd = dir.path().join("news 100%20 ?#1");
        std::fs::create_dir(&odd)?;
        let path = odd.join("herald.db");
        let store = Store::open(&path, Clock::system()).await?;
        assert_eq!(store.count_articles().await?, 0);
        store.close().await;
        assert!(path.exists());
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
        Ok(())
    }
}
