//! Rebuilding index partitions made with an older analysis (see `index`): one batch at a
//! time, newest partition first (recent news gains the new matching first), resumable from
//! the cursor kept in `meta`. A partition answers searches with its old table until its new
//! one holds every article; then, in one transaction, the old table goes.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use super::index;
use super::{Result, Store};
use crate::domain::IndexVersion;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReindexStep {
    /// Articles indexed anew in this step.
    Indexed(u64),
    /// A partition was completed and now answers searches with its new table.
    Finished {
        /// The partition's number (articles from `partition × size`).
        partition: i64,
    },
    /// Every partition is built with the current analysis.
    Done,
}

fn cursor_key(n: i64) -> String {
    format!("reindex_cursor_{n:04}")
}

impl Store {
    /// Articles still to be indexed anew (for a progress bar).
    pub async fn reindex_remaining(&self) -> Result<u64> {
        let mut total = 0u64;
        for n in self.partitions.with_stems() {
            let cursor = self.reindex_cursor(n).await?;
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM articles WHERE id > $1 AND id < $2
                   AND status = 'published' AND retracted_at IS NULL",
            )
            .bind(cursor)
            .bind((n + 1) * self.partitions.size())
            .fetch_one(&self.pool)
            .await?;
            total += count as u64;
        }
        Ok(total)
    }

    /// Indexes up to `batch` articles of the newest partition still searched by stems, or
    /// completes it when none are left. The analysis runs outside the write lock; an article
    /// corrected or retracted meanwhile is left to the write that changed it (every write
    /// reaches the new table too).
    pub async fn reindex_step(&self, batch: u32) -> Result<ReindexStep> {
        let Some(n) = self.partitions.with_stems().first().copied() else {
            return Ok(ReindexStep::Done);
        };
        if !self.partitions.tables(n).lemmas {
            let (_turn, mut tx) = self.write().await?;
            index::create_lemma_table(&mut tx, n).await?;
            tx.commit().await?;
            self.partitions.update(n, |t| t.lemmas = true);
        }
        let cursor = self.reindex_cursor(n).await?;
        let rows = sqlx::query(
            "SELECT id, version, title, lead, body, photo_caption FROM articles
             WHERE id > $1 AND id < $2 AND status = 'published' AND retracted_at IS NULL
             ORDER BY id LIMIT $3",
        )
        .bind(cursor)
        .bind((n + 1) * self.partitions.size())
        .bind(i64::from(batch))
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            self.finish_partition(n).await?;
            return Ok(ReindexStep::Finished { partition: n });
        }
        let mut versions: Vec<(i64, i64)> = Vec::new();
        // Title, then lead, body and photo caption.
        let mut texts: Vec<[String; 4]> = Vec::new();
        for row in &rows {
            let caption: Option<String> = row.try_get("photo_caption")?;
            versions.push((row.try_get("id")?, row.try_get("version")?));
            texts.push([
                row.try_get("title")?,
                row.try_get("lead")?,
                row.try_get("body")?,
                caption.unwrap_or_default(),
            ]);
        }
        let entries = index::analyse(texts, |[title, lead, body, caption]| {
            index::Entry::of(title, &[lead, body, caption])
        });
        let prepared: Vec<(i64, i64, index::Entry)> = versions
            .into_iter()
            .zip(entries.await?)
            .map(|((id, version), entry)| (id, version, entry))
            .collect();
        let last = prepared.last().map_or(cursor, |p| p.0);
        let ids: Vec<i64> = prepared.iter().map(|p| p.0).collect();
        let (_turn, mut tx) = self.write().await?;
        let current: HashMap<i64, i64> = sqlx::query_as(
            "SELECT id, version FROM articles WHERE id IN (SELECT value FROM json_each($1))
               AND status = 'published' AND retracted_at IS NULL",
        )
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        // Only the new table is rewritten: the old one answers searches until the end.
        let new_table = index::Tables {
            lemmas: true,
            ..index::Tables::default()
        };
        let mut indexed = 0;
        for (id, version, entry) in &prepared {
            if current.get(id) != Some(version) {
                continue;
            }
            index::delete(&mut tx, n, new_table, *id).await?;
            index::insert_lemmas(&mut tx, n, *id, entry).await?;
            indexed += 1;
        }
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(cursor_key(n))
            .bind(last.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ReindexStep::Indexed(indexed))
    }

    async fn reindex_cursor(&self, n: i64) -> Result<i64> {
        let stored: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(cursor_key(n))
            .fetch_optional(&self.pool)
            .await?;
        Ok(stored
            .and_then(|s| s.parse().ok())
            .unwrap_or(n * self.partitions.size() - 1))
    }

    /// Switches partition `n`'s searches to its new table and drops the old one.
    async fn finish_partition(&self, n: i64) -> Result<()> {
        let (_turn, mut tx) = self.write().await?;
        self.partitions.update(n, |t| t.complete = true);
        sqlx::query(AssertSqlSafe(format!(
            "DROP TABLE IF EXISTS {}",
            index::table(n, IndexVersion::Stems)
        )))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM meta WHERE key = $1")
            .bind(cursor_key(n))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.partitions.update(n, |t| t.stems = false);
        Ok(())
    }
}
