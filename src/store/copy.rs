//! `herald copy-db`: a newsroom's SQLite database copied into PostgreSQL, table by table in
//! batches. Each batch is written in one PostgreSQL transaction together with how far its table
//! has come (`copy_progress`), so an interrupted copy resumes after the last batch it wrote.
//!
//! Rows travel as JSON built by SQLite (`json_object` of every column, blobs as `\x…` hex) and
//! are unpacked by PostgreSQL (`json_populate_recordset` into the table's own row type), so one
//! statement per batch does it and every column keeps its value. Before anything is written the
//! two schemas are compared column by column: a column the target lacks would be lost, so the
//! copy refuses instead. SQLite's full-text tables are not copied: the PostgreSQL index is built
//! from the articles.

use sqlx::{AssertSqlSafe, PgPool, Row};

use super::{PgStore, Result, Store};

/// How a table's rows are walked: by rowid, or by its primary key (tables without rowid).
#[derive(Debug, Clone, Copy)]
enum Key {
    Rowid,
    Columns(&'static [&'static str]),
}

/// Every table of a newsroom, in an order its references allow (what a row refers to is copied
/// before it). `articles.pair_id` refers both ways and is set once all articles are there.
const TABLES: &[(&str, Key)] = &[
    ("meta", Key::Rowid),
    ("chats", Key::Rowid),
    ("users", Key::Rowid),
    ("user_roles", Key::Rowid),
    ("topics", Key::Rowid),
    ("subscriptions", Key::Rowid),
    ("media", Key::Rowid),
    ("articles", Key::Rowid),
    ("article_versions", Key::Rowid),
    ("article_topics", Key::Rowid),
    ("audit_log", Key::Rowid),
    ("notices", Key::Rowid),
    ("sources", Key::Rowid),
    ("external_ids", Key::Rowid),
    ("plans", Key::Rowid),
    ("deliveries", Key::Rowid),
    ("platform_updates", Key::Columns(&["platform", "update_id"])),
    ("update_claims", Key::Columns(&["platform", "update_id"])),
    ("platform_waits", Key::Columns(&["platform"])),
    ("learned_limits", Key::Columns(&["platform"])),
    ("posted_messages", Key::Rowid),
    ("alerts", Key::Rowid),
    ("alert_terms", Key::Columns(&["term", "alert_id"])),
    ("alert_matches", Key::Columns(&["alert_id", "article_id"])),
];

/// Tables whose `id` is generated: their sequences continue after the copied ids.
const GENERATED_IDS: &[&str] = &[
    "chats",
    "users",
    "topics",
    "subscriptions",
    "media",
    "articles",
    "audit_log",
    "notices",
    "sources",
    "deliveries",
    "alerts",
];

/// Why a copy cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// A database call failed.
    #[error(transparent)]
    Database(#[from] super::StoreError),
    /// The source has a table this herald does not know how to copy.
    #[error("the source database has a table herald cannot copy: {0}")]
    UnknownTable(String),
    /// A column of the source has no place in the target (their herald versions differ).
    #[error("column {table}.{column} of the source is missing in the target")]
    MissingColumn {
        /// The table.
        table: String,
        /// The column the target lacks.
        column: String,
    },
    /// The target holds a newsroom that was not copied there by copy-db.
    #[error("the target database already holds {0} rows that copy-db did not write")]
    TargetNotEmpty(String),
}

impl From<sqlx::Error> for CopyError {
    fn from(error: sqlx::Error) -> CopyError {
        CopyError::Database(error.into())
    }
}

/// What one step of a copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyStep {
    /// Rows of a table were copied.
    Copied {
        /// The table.
        table: &'static str,
        /// Rows copied by this step.
        rows: u64,
    },
    /// Every table is copied (and the ids' sequences moved on).
    Done,
}

/// Rows of one table in the source and in the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    /// The table.
    pub table: &'static str,
    /// Rows in the source.
    pub source: i64,
    /// Rows in the target.
    pub target: i64,
}

/// A copy under way from an SQLite store into a PostgreSQL database.
pub struct DbCopy {
    from: Store,
    to: PgPool,
}

impl DbCopy {
    /// Checks that the copy can be made into `to` (opened, so its schema is current): every
    /// source table known, every source column present in the target, and the target empty or
    /// holding only an earlier, interrupted copy.
    pub async fn start(from: Store, to: &PgStore) -> Result<DbCopy, CopyError> {
        let copy = DbCopy {
            from,
            to: to.pool.clone(),
        };
        copy.check_tables().await?;
        copy.check_target_is_ours().await?;
        Ok(copy)
    }

    async fn check_tables(&self) -> Result<(), CopyError> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table'
               AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%'
               AND name NOT GLOB 'article_search_[0-9]*' AND name NOT GLOB 'article_words_[0-9]*'",
        )
        .fetch_all(&self.from.pool)
        .await?;
        for table in tables {
            if !TABLES.iter().any(|(known, _)| *known == table) {
                return Err(CopyError::UnknownTable(table));
            }
        }
        for (table, _) in TABLES {
            let target: Vec<String> = sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(table)
            .fetch_all(&self.to)
            .await?;
            for column in source_columns(&self.from, table).await? {
                if !target.contains(&column.0) {
                    return Err(CopyError::MissingColumn {
                        table: (*table).to_owned(),
                        column: column.0,
                    });
                }
            }
        }
        Ok(())
    }

    async fn check_target_is_ours(&self) -> Result<(), CopyError> {
        let started: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM copy_progress")
            .fetch_one(&self.to)
            .await?;
        if started > 0 {
            return Ok(());
        }
        for (table, _) in TABLES {
            let rows: i64 =
                sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&self.to)
                    .await?;
            if rows > 0 {
                return Err(CopyError::TargetNotEmpty((*table).to_owned()));
            }
        }
        Ok(())
    }

    /// Rows in every table, in the source and in the target.
    pub async fn counts(&self) -> Result<Vec<TableCount>, CopyError> {
        let mut counts = Vec::new();
        for (table, _) in TABLES {
            let count = format!("SELECT COUNT(*) FROM {table}");
            let source: i64 = sqlx::query_scalar(AssertSqlSafe(count.clone()))
                .fetch_one(&self.from.pool)
                .await?;
            let target: i64 = sqlx::query_scalar(AssertSqlSafe(count))
                .fetch_one(&self.to)
                .await?;
            counts.push(TableCount {
                table,
                source,
                target,
            });
        }
        Ok(counts)
    }

    /// Copies the next batch of at most `batch` rows of the first table not yet done.
    pub async fn step(&self, batch: u32) -> Result<CopyStep, CopyError> {
        let progress: Vec<(String, Option<String>, bool)> =
            sqlx::query_as("SELECT table_name, last_key, done FROM copy_progress")
                .fetch_all(&self.to)
                .await?;
        let find = |table: &str| progress.iter().find(|(t, _, _)| t == table);
        for (table, key) in TABLES {
            if find(table).is_some_and(|(_, _, done)| *done) {
                continue;
            }
            let after = find(table).and_then(|(_, last, _)| last.clone());
            let rows = self.copy_batch(table, *key, after, batch).await?;
            return Ok(CopyStep::Copied { table, rows });
        }
        if find("articles.pair_id").is_none_or(|(_, _, done)| !*done) {
            self.link_pairs().await?;
        }
        self.continue_ids().await?;
        Ok(CopyStep::Done)
    }

    async fn copy_batch(
        &self,
        table: &'static str,
        key: Key,
        after: Option<String>,
        batch: u32,
    ) -> Result<u64, CopyError> {
        let columns = source_columns(&self.from, table).await?;
        let fields: Vec<String> = columns
            .iter()
            .map(|(name, kind)| {
                let value = match (table, name.as_str()) {
                    // Set once every article is there (see `link_pairs`).
                    ("articles", "pair_id") => "NULL".to_owned(),
                    _ if kind.eq_ignore_ascii_case("BLOB") => format!("'\\x' || hex(\"{name}\")"),
                    _ => format!("\"{name}\""),
                };
                format!("'{name}', {value}")
            })
            .collect();
        let keys: Vec<String> = match key {
            Key::Rowid => vec!["_rowid".to_owned()],
            Key::Columns(names) => names.iter().map(|n| format!("\"{n}\"")).collect(),
        };
        let descending: Vec<String> = keys.iter().map(|k| format!("{k} DESC")).collect();
        let placeholders: Vec<String> = (0..keys.len())
            .map(|i| format!("json_extract($1, '$[{i}]')"))
            .collect();
        let (keys, placeholders) = (keys.join(", "), placeholders.join(", "));
        // Two statements rather than `$1 IS NULL OR …`, which would keep SQLite from seeking.
        let resume = if after.is_some() {
            format!("WHERE ({keys}) > ({placeholders})")
        } else {
            String::new()
        };
        let rowid = match key {
            Key::Rowid => "rowid AS _rowid, ",
            // Tables without rowid have none to select.
            Key::Columns(_) => "",
        };
        let select = format!(
            "WITH batch AS (SELECT {rowid}* FROM {table} {resume} ORDER BY {keys} LIMIT $2)
             SELECT COUNT(*), json_group_array(json_object({fields})),
                    (SELECT json_array({keys}) FROM batch ORDER BY {descending} LIMIT 1)
             FROM batch",
            fields = fields.join(", "),
            descending = descending.join(", "),
        );
        // A row with an image is megabytes of hex: a few at a time.
        let batch = if columns
            .iter()
            .any(|(_, kind)| kind.eq_ignore_ascii_case("BLOB"))
        {
            batch.min(4)
        } else {
            batch
        };
        let row = sqlx::query(AssertSqlSafe(select))
            .bind(after)
            .bind(i64::from(batch))
            .fetch_one(&self.from.pool)
            .await?;
        let (rows, json, last): (i64, String, Option<String>) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let mut tx = self.to.begin().await?;
        if rows > 0 {
            // The target's triggers would change what they copy (an article's topics move its
            // revision on): off for this statement, within this transaction only.
            sqlx::query(AssertSqlSafe(format!(
                "ALTER TABLE {table} DISABLE TRIGGER USER"
            )))
            .execute(&mut *tx)
            .await?;
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO {table} SELECT * FROM json_populate_recordset(NULL::{table}, $1::json)"
            )))
            .bind(&json)
            .execute(&mut *tx)
            .await?;
            sqlx::query(AssertSqlSafe(format!(
                "ALTER TABLE {table} ENABLE TRIGGER USER"
            )))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO copy_progress (table_name, last_key, done) VALUES ($1, $2, $3)
             ON CONFLICT (table_name) DO UPDATE
                 SET last_key = COALESCE(EXCLUDED.last_key, copy_progress.last_key), done = EXCLUDED.done",
        )
        .bind(table)
        .bind(last)
        .bind(rows < i64::from(batch))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(u64::try_from(rows).unwrap_or(0))
    }

    /// Sets every article's translation partner, now that both ends of each pair exist.
    async fn link_pairs(&self) -> Result<(), CopyError> {
        let pairs: String = sqlx::query_scalar(
            "SELECT json_group_array(json_object('id', id, 'pair_id', pair_id))
             FROM articles WHERE pair_id IS NOT NULL",
        )
        .fetch_one(&self.from.pool)
        .await?;
        let mut tx = self.to.begin().await?;
        sqlx::query("ALTER TABLE articles DISABLE TRIGGER USER")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE articles SET pair_id = p.pair_id
             FROM json_to_recordset($1::json) AS p(id BIGINT, pair_id BIGINT) WHERE articles.id = p.id",
        )
        .bind(pairs)
        .execute(&mut *tx)
        .await?;
        sqlx::query("ALTER TABLE articles ENABLE TRIGGER USER")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO copy_progress (table_name, done) VALUES ('articles.pair_id', true)
             ON CONFLICT (table_name) DO UPDATE SET done = true",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves each generated id's sequence past the copied ids, so rows herald adds on
    /// PostgreSQL get new ones.
    async fn continue_ids(&self) -> Result<(), CopyError> {
        for table in GENERATED_IDS {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                               COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )))
            .execute(&self.to)
            .await?;
        }
        Ok(())
    }
}

/// A source table's columns and their declared types.
async fn source_columns(from: &Store, table: &str) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
        .bind(table)
        .fetch_all(&from.pool)
        .await
}
