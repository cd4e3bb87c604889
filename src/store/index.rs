//! The full-text index, partitioned by article id.
//!
//! Each partition is a contentless FTS5 table over 50,000 consecutive articles, holding the
//! text as written (folded to lower case, ё→е) and its snowball stems. Partitioning bounds the
//! work bm25 does per query: it counts every match of every phrase in the table it ranks, so
//! on one table of a million articles a very common word would cost a scan of the whole
//! archive. Searches walk partitions newest first and stop as soon as they have enough.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use sqlx::{AssertSqlSafe, Sqlite, SqlitePool, Transaction};

use super::Result;
use crate::domain::text;

/// Articles per partition in a new database.
pub const PARTITION: i64 = 50_000;

/// The partitions that exist, shared by every clone of the store, and their size (fixed for a
/// database when it is created and kept in `meta`).
#[derive(Debug, Clone)]
pub struct Partitions {
    size: i64,
    existing: Arc<RwLock<BTreeSet<i64>>>,
}

/// The table name of partition `n`. Built only from an integer, so it is safe to splice.
pub fn table(n: i64) -> String {
    format!("article_search_{n:04}")
}

impl Partitions {
    /// Loads the partition list; `size` applies only if the database has none recorded yet.
    pub async fn load(pool: &SqlitePool, size: i64) -> Result<Partitions> {
        sqlx::query("INSERT OR IGNORE INTO meta (key, value) VALUES ('index_partition_size', ?1)")
            .bind(size.to_string())
            .execute(pool)
            .await?;
        let stored: String =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'index_partition_size'")
                .fetch_one(pool)
                .await?;
        let size = stored.parse().unwrap_or(PARTITION).max(1);
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'article_search_[0-9][0-9][0-9][0-9]'",
        )
        .fetch_all(pool)
        .await?;
        let set = names
            .iter()
            .filter_map(|n| n.strip_prefix("article_search_")?.parse().ok())
            .collect();
        Ok(Partitions {
            size,
            existing: Arc::new(RwLock::new(set)),
        })
    }

    /// Articles per partition.
    pub fn size(&self) -> i64 {
        self.size
    }

    fn of(&self, id: i64) -> i64 {
        id / self.size
    }

    /// Existing partitions, newest first.
    pub fn newest_first(&self) -> Vec<i64> {
        self.existing
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .rev()
            .copied()
            .collect()
    }

    fn known(&self, n: i64) -> bool {
        self.existing
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&n)
    }

    /// Records partitions created by a committed transaction.
    pub fn add(&self, created: BTreeSet<i64>) {
        self.existing
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .extend(created);
    }
}

/// Indexes an article in its partition, creating the partition if needed. Partitions created
/// by this transaction are collected in `fresh`; the caller `add`s them once it committed, so
/// no reader ever looks for a table that is not there yet.
pub async fn insert(
    tx: &mut Transaction<'_, Sqlite>,
    partitions: &Partitions,
    fresh: &mut BTreeSet<i64>,
    id: i64,
    title: &str,
    texts: &[&str],
) -> sqlx::Result<()> {
    let n = partitions.of(id);
    if !partitions.known(n) && !fresh.contains(&n) {
        sqlx::query(AssertSqlSafe(format!(
            "CREATE VIRTUAL TABLE IF NOT EXISTS {} USING fts5 (title, text, title_stems, text_stems,
                 content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2')",
            table(n)
        )))
        .execute(&mut **tx)
        .await?;
        fresh.insert(n);
    }
    let title = text::index(title);
    let body = text::index(&texts.join("\n"));
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {} (rowid, title, text, title_stems, text_stems) VALUES (?1, ?2, ?3, ?4, ?5)",
        table(n)
    )))
    .bind(id)
    .bind(title.written)
    .bind(body.written)
    .bind(title.stems)
    .bind(body.stems)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes an entry indexed earlier in the same transaction (a draft must not be found).
pub async fn remove_fresh(
    tx: &mut Transaction<'_, Sqlite>,
    fresh: &BTreeSet<i64>,
    partitions: &Partitions,
    id: i64,
) -> sqlx::Result<()> {
    let n = partitions.of(id);
    if partitions.known(n) || fresh.contains(&n) {
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {} WHERE rowid = ?1",
            table(n)
        )))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Removes an article from the index (retraction, or before re-indexing a correction).
pub async fn remove(
    tx: &mut Transaction<'_, Sqlite>,
    partitions: &Partitions,
    id: i64,
) -> sqlx::Result<()> {
    let n = partitions.of(id);
    if partitions.known(n) {
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {} WHERE rowid = ?1",
            table(n)
        )))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
