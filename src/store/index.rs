//! The full-text index, partitioned by article id.
//!
//! Each partition is a contentless FTS5 table over 50,000 consecutive articles. Partitioning
//! bounds the work bm25 does per query: it counts every match of every phrase in the table it
//! ranks, so on one table of a million articles a very common word would cost a scan of the
//! whole archive. Searches walk partitions newest first and stop as soon as they have enough.
//!
//! A partition is built with one analysis (`IndexVersion`): `article_words_NNNN` holds words
//! as written, their lemmas and their spelling keys; `article_search_NNNN`, the first index,
//! words and snowball stems. New partitions are built with lemmas. An older partition is
//! rebuilt beside itself (see `reindex`) and answers with its old table until the new one is
//! complete; meanwhile every write reaches both.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};

use super::Result;
use crate::domain::IndexVersion;
use crate::domain::{alert, text, tsearch};

/// Articles per partition in a new database.
pub const PARTITION: i64 = 50_000;

/// The tables one partition has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tables {
    /// The first index's table (words and stems) exists.
    pub stems: bool,
    /// The lemma table exists.
    pub lemmas: bool,
    /// The lemma table holds every article of the partition: searches use it.
    pub complete: bool,
}

impl Tables {
    /// The table searches read, and its version.
    pub fn searched(&self) -> IndexVersion {
        if self.complete || !self.stems {
            IndexVersion::Lemmas
        } else {
            IndexVersion::Stems
        }
    }
}

/// The partitions that exist, shared by every clone of the store, and their size (fixed for a
/// database when it is created and kept in `meta`).
#[derive(Debug, Clone)]
pub struct Partitions {
    size: i64,
    existing: Arc<RwLock<BTreeMap<i64, Tables>>>,
    /// The index is PostgreSQL's `article_docs` (see `store::pg`), not partitions.
    documents: bool,
}

/// The table name of partition `n` in `version`. Built only from an integer, so it is safe to
/// splice.
pub fn table(n: i64, version: IndexVersion) -> String {
    match version {
        IndexVersion::Stems => format!("article_search_{n:04}"),
        IndexVersion::Lemmas => format!("article_words_{n:04}"),
    }
}

impl Partitions {
    /// Loads the partition list; `size` applies only if the database has none recorded yet.
    pub async fn load(pool: &AnyPool, size: i64) -> Result<Partitions> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ('index_partition_size', $1) ON CONFLICT DO NOTHING")
            .bind(size.to_string())
            .execute(pool)
            .await?;
        let stored: String =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'index_partition_size'")
                .fetch_one(pool)
                .await?;
        let size = stored.parse().unwrap_or(PARTITION).max(1);
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table'
               AND (name GLOB 'article_search_[0-9][0-9][0-9][0-9]'
                 OR name GLOB 'article_words_[0-9][0-9][0-9][0-9]')",
        )
        .fetch_all(pool)
        .await?;
        let mut existing: BTreeMap<i64, Tables> = BTreeMap::new();
        for name in &names {
            if let Some(n) = name.strip_prefix("article_search_") {
                if let Ok(n) = n.parse() {
                    existing.entry(n).or_default().stems = true;
                }
            } else if let Some(Ok(n)) = name.strip_prefix("article_words_").map(str::parse) {
                existing.entry(n).or_default().lemmas = true;
            }
        }
        Ok(Partitions {
            size,
            existing: Arc::new(RwLock::new(existing)),
            documents: false,
        })
    }

    /// The index of a PostgreSQL store: one document per article, no partitions.
    pub fn documents() -> Partitions {
        Partitions {
            size: PARTITION,
            existing: Arc::default(),
            documents: true,
        }
    }

    /// Articles per partition.
    pub fn size(&self) -> i64 {
        self.size
    }

    pub(super) fn of(&self, id: i64) -> i64 {
        id / self.size
    }

    /// Existing partitions, newest first, with the version each is searched in.
    pub fn newest_first(&self) -> Vec<(i64, IndexVersion)> {
        self.read()
            .iter()
            .rev()
            .map(|(n, t)| (*n, t.searched()))
            .collect()
    }

    /// Partitions still holding a table of the first index, newest first.
    pub fn with_stems(&self) -> Vec<i64> {
        self.read()
            .iter()
            .rev()
            .filter(|(_, t)| t.stems)
            .map(|(n, _)| *n)
            .collect()
    }

    /// The tables of partition `n` (all false when it does not exist).
    pub fn tables(&self, n: i64) -> Tables {
        self.read().get(&n).copied().unwrap_or_default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<i64, Tables>> {
        self.existing.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes what is recorded of partition `n`.
    pub fn update(&self, n: i64, change: impl FnOnce(&mut Tables)) {
        let mut existing = self.existing.write().unwrap_or_else(|e| e.into_inner());
        change(existing.entry(n).or_default());
    }

    /// Records partitions created by a committed transaction.
    pub fn add(&self, created: BTreeSet<i64>) {
        for n in created {
            self.update(n, |t| t.lemmas = true);
        }
    }
}

/// Creates partition `n`'s lemma table if it does not exist.
pub(super) async fn create_lemma_table(tx: &mut Transaction<'_, Any>, n: i64) -> sqlx::Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "CREATE VIRTUAL TABLE IF NOT EXISTS {} USING fts5 (title, text, title_lemmas, text_lemmas,
             title_keys, text_keys, content = '', contentless_delete = 1,
             tokenize = 'unicode61 remove_diacritics 2')",
        table(n, IndexVersion::Lemmas)
    )))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An article's text analysed for the index. Built before the write transaction is taken
/// (or beside it, for a batch): the dictionary is the costly part, and no other writer need
/// wait for it.
#[derive(Debug, Clone)]
pub struct Entry {
    title: String,
    body: String,
    analysed_title: text::IndexedText,
    analysed_body: text::IndexedText,
}

impl Entry {
    /// The entry of an article's title and its other texts (lead, body, photo caption).
    pub fn of(title: &str, texts: &[&str]) -> Entry {
        let body = texts.join("\n");
        Entry {
            analysed_title: text::index(title),
            analysed_body: text::index(&body),
            title: title.to_string(),
            body,
        }
    }
}

impl Entry {
    /// The alert triggers this entry holds (see `domain::alert`) in a partition of `version`.
    pub fn triggers(&self, version: IndexVersion) -> Vec<String> {
        let (title, body) = (&self.analysed_title, &self.analysed_body);
        let stems = match version {
            IndexVersion::Stems => [&self.title, &self.body].map(|t| text::legacy_index(t).1),
            IndexVersion::Lemmas => Default::default(),
        };
        let other = [
            &title.lemmas,
            &body.lemmas,
            &title.keys,
            &body.keys,
            &stems[0],
            &stems[1],
        ];
        alert::article_triggers(&[&title.written, &body.written], &other.map(String::as_str))
    }
}

/// The version searches read article `id`'s partition with, counting partitions created by
/// the current transaction (`fresh`, not yet `add`ed).
pub fn version_of(partitions: &Partitions, fresh: &BTreeSet<i64>, id: i64) -> IndexVersion {
    if partitions.documents {
        return IndexVersion::Lemmas;
    }
    let n = partitions.of(id);
    if fresh.contains(&n) {
        return IndexVersion::Lemmas;
    }
    partitions.tables(n).searched()
}

/// The entries of many articles, analysed on a blocking thread (a batch keeps the dictionary
/// busy long enough to stall the async threads it would run on). The work starts at the
/// call; awaiting the result collects it.
pub(super) fn analyse<T: Send + 'static>(
    articles: Vec<T>,
    entry: fn(&T) -> Entry,
) -> impl Future<Output = sqlx::Result<Vec<Entry>>> {
    let task = tokio::task::spawn_blocking(move || articles.iter().map(entry).collect());
    async move {
        task.await.map_err(|e| {
            sqlx::Error::Io(std::io::Error::other(format!("text analysis failed: {e}")))
        })
    }
}

/// Indexes an article in its partition, creating the partition if needed. Partitions created
/// by this transaction are collected in `fresh`; the caller `add`s them once it committed, so
/// no reader ever looks for a table that is not there yet.
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    partitions: &Partitions,
    fresh: &mut BTreeSet<i64>,
    id: i64,
    entry: &Entry,
) -> sqlx::Result<()> {
    if partitions.documents {
        return insert_document(tx, id, entry).await;
    }
    let n = partitions.of(id);
    let tables = partitions.tables(n);
    if !tables.lemmas && !tables.stems && !fresh.contains(&n) {
        create_lemma_table(tx, n).await?;
        fresh.insert(n);
    }
    if tables.stems {
        insert_stems(tx, n, id, &entry.title, &entry.body).await?;
    }
    if tables.lemmas || !tables.stems {
        insert_lemmas(tx, n, id, entry).await?;
    }
    Ok(())
}

/// Indexes an analysed article in partition `n`'s lemma table.
pub(super) async fn insert_lemmas(
    tx: &mut Transaction<'_, Any>,
    n: i64,
    id: i64,
    entry: &Entry,
) -> sqlx::Result<()> {
    insert_lemmas_into(tx, &table(n, IndexVersion::Lemmas), id, entry).await
}

async fn insert_lemmas_into(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    id: i64,
    entry: &Entry,
) -> sqlx::Result<()> {
    let (title, body) = (&entry.analysed_title, &entry.analysed_body);
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {table} (rowid, title, text, title_lemmas, text_lemmas, title_keys, text_keys)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )))
    .bind(id)
    .bind(&title.written)
    .bind(&body.written)
    .bind(&title.lemmas)
    .bind(&body.lemmas)
    .bind(&title.keys)
    .bind(&body.keys)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_stems(
    tx: &mut Transaction<'_, Any>,
    n: i64,
    id: i64,
    title: &str,
    body: &str,
) -> sqlx::Result<()> {
    insert_stems_into(tx, &table(n, IndexVersion::Stems), id, title, body).await
}

async fn insert_stems_into(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    id: i64,
    title: &str,
    body: &str,
) -> sqlx::Result<()> {
    let (title, title_stems) = text::legacy_index(title);
    let (body, body_stems) = text::legacy_index(body);
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {table} (rowid, title, text, title_stems, text_stems) VALUES ($1, $2, $3, $4, $5)"
    )))
    .bind(id)
    .bind(title)
    .bind(body)
    .bind(title_stems)
    .bind(body_stems)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A full-text table of this connection holding `entry` alone, as a partition of `version`
/// holds an article: the same columns, the same tokenizer. A query matches the entry there
/// exactly when it matches the article in its partition, and a thousand queries are checked
/// against one row instead of against fifty thousand articles' doclists. Returns its name.
pub(super) async fn probe(
    tx: &mut Transaction<'_, Any>,
    version: IndexVersion,
    entry: &Entry,
) -> sqlx::Result<&'static str> {
    let (name, columns) = match version {
        IndexVersion::Lemmas => (
            "alert_probe_words",
            "title, text, title_lemmas, text_lemmas, title_keys, text_keys",
        ),
        IndexVersion::Stems => ("alert_probe_stems", "title, text, title_stems, text_stems"),
    };
    // A temporary table: this connection's own, never written to the database file. Emptied
    // whole ('delete-all' truncates a contentless index; deleting rows would leave tombstones
    // for every later query to step over).
    sqlx::query(AssertSqlSafe(format!(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.{name} USING fts5 ({columns}, content = '',
             tokenize = 'unicode61 remove_diacritics 2')"
    )))
    .execute(&mut **tx)
    .await?;
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO temp.{name} ({name}) VALUES ('delete-all')"
    )))
    .execute(&mut **tx)
    .await?;
    let table = format!("temp.{name}");
    match version {
        IndexVersion::Lemmas => insert_lemmas_into(tx, &table, 1, entry).await?,
        IndexVersion::Stems => {
            insert_stems_into(tx, &table, 1, &entry.title, &entry.body).await?;
        }
    }
    Ok(name)
}

/// Removes an entry indexed earlier in the same transaction (a draft must not be found).
pub async fn remove_fresh(
    tx: &mut Transaction<'_, Any>,
    fresh: &BTreeSet<i64>,
    partitions: &Partitions,
    id: i64,
) -> sqlx::Result<()> {
    if partitions.documents {
        return remove_document(tx, id).await;
    }
    let n = partitions.of(id);
    let mut tables = partitions.tables(n);
    tables.lemmas |= fresh.contains(&n);
    delete(tx, n, tables, id).await
}

/// Removes an article from the index (retraction, or before re-indexing a correction).
pub async fn remove(
    tx: &mut Transaction<'_, Any>,
    partitions: &Partitions,
    id: i64,
) -> sqlx::Result<()> {
    if partitions.documents {
        return remove_document(tx, id).await;
    }
    let n = partitions.of(id);
    delete(tx, n, partitions.tables(n), id).await
}

/// Stores an article's PostgreSQL search document (see `domain::tsearch`).
async fn insert_document(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    entry: &Entry,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO article_docs (article_id, doc) VALUES ($1, CAST($2 AS tsvector))
         ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc",
    )
    .bind(id)
    .bind(tsearch::document(&entry.title, &[&entry.body]))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes an article's PostgreSQL search document away.
async fn remove_document(tx: &mut Transaction<'_, Any>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM article_docs WHERE article_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn delete(
    tx: &mut Transaction<'_, Any>,
    n: i64,
    tables: Tables,
    id: i64,
) -> sqlx::Result<()> {
    for (exists, version) in [
        (tables.stems, IndexVersion::Stems),
        (tables.lemmas, IndexVersion::Lemmas),
    ] {
        if exists {
            sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {} WHERE rowid = $1",
                table(n, version)
            )))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
