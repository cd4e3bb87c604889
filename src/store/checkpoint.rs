//! Moving the write-ahead log into the database file, off the publishing path.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so one
//! publication in a few dozen paid for copying the log of all the others (measured with
//! 100,000 alerts: the slowest publications took 9–10 ms instead of 4). herald's worker
//! checkpoints every second from its own connection instead, beside the writers (a passive
//! checkpoint never waits for them nor they for it); the automatic one stays as a fallback, at a
//! threshold only a process without that worker (a command-line task) or a burst reaches.

use super::{Result, Store};

/// Set on every SQLite connection: log pages after which a commit checkpoints by itself
/// (SQLite's default is 1,000): about 40 MiB of log.
pub(super) const AUTOCHECKPOINT: &str = "PRAGMA wal_autocheckpoint = 10000;";

/// What one checkpoint did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// Pages in the write-ahead log.
    pub logged: i64,
    /// Pages of it now in the database file.
    pub moved: i64,
}

impl Store {
    /// Copies what it can of the write-ahead log into the database file without waiting for
    /// readers or writers (pages a reader's snapshot still needs are left for a later one).
    /// PostgreSQL has its own checkpointer: there this moves nothing.
    pub async fn checkpoint(&self) -> Result<Checkpoint> {
        if self.backend() == super::Backend::Postgres {
            return Ok(Checkpoint {
                logged: 0,
                moved: 0,
            });
        }
        let (_busy, logged, moved): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&self.pool)
                .await?;
        Ok(Checkpoint { logged, moved })
    }
}

#[cfg(test)]
mod tests {
    use crate::clock::Clock;
    use crate::domain::Language;
    use crate::store::{NewArticle, Store};

    #[tokio::test]
    async fn a_checkpoint_moves_the_log_of_publications_into_the_database() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("herald.db"), Clock::system()).await?;
        for i in 0..20 {
            let article = NewArticle::text(
                &format!("Заседание комиссии {i}"),
                "Обсуждали бюджет и дороги.",
                Language::Ru,
                vec![],
                chrono::Utc::now(),
            );
            store.insert_article(&article, 0).await?;
        }
        let done = store.checkpoint().await?;
        assert!(done.logged > 20, "{done:?}");
        assert_eq!(done.moved, done.logged);
        store.close().await;
        Ok(())
    }
}
