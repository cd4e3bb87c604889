//! Search documents: built by herald from each live article (see `domain::tsearch`) and kept
//! in `article_docs`.

use super::PgStore;
use crate::domain::tsearch;
use crate::store::Result;

impl PgStore {
    /// Builds the documents of up to `batch` live articles after id `after` that have none;
    /// returns the last id indexed and how many were, or `None` when no article is left.
    /// Restartable from 0.
    pub async fn index_step(&self, after: i64, batch: u32) -> Result<Option<(i64, usize)>> {
        let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT a.id, a.title, a.lead, a.body, coalesce(a.photo_caption, '') FROM articles a
             WHERE a.id > $1 AND a.status = 'published' AND a.retracted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM article_docs d WHERE d.article_id = a.id)
             ORDER BY a.id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(batch))
        .fetch_all(&self.pool)
        .await?;
        let Some(last) = rows.last().map(|r| r.0) else {
            return Ok(None);
        };
        // The dictionary work would stall the async threads it ran on.
        let (ids, docs): (Vec<i64>, Vec<String>) = tokio::task::spawn_blocking(move || {
            rows.iter()
                .map(|(id, title, lead, body, caption)| {
                    (*id, tsearch::document(title, &[lead, body, caption]))
                })
                .unzip()
        })
        .await
        .map_err(|e| sqlx::Error::Io(std::io::Error::other(format!("text analysis: {e}"))))?;
        sqlx::query(
            "INSERT INTO article_docs (article_id, doc)
             SELECT id, doc::tsvector FROM unnest($1::bigint[], $2::text[]) AS t(id, doc)
             ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc",
        )
        .bind(&ids)
        .bind(&docs)
        .execute(&self.pool)
        .await?;
        Ok(Some((last, ids.len())))
    }

    /// Live articles and search documents: equal once every article is indexed.
    pub async fn index_counts(&self) -> Result<(i64, i64)> {
        Ok(sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM articles
                      WHERE status = 'published' AND retracted_at IS NULL),
                    (SELECT COUNT(*) FROM article_docs)",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}

impl PgStore {
    /// Drops the documents' GIN index for a bulk build: maintaining it row by row held
    /// PostgreSQL at a full core and 1,000 documents/s, and one build at the end is far
    /// cheaper. [`PgStore::restore_search_index`] puts it back; searches without it are slow,
    /// so only `herald copy-db` (herald stopped) calls this.
    pub async fn suspend_search_index(&self) -> Result<()> {
        sqlx::query("DROP INDEX IF EXISTS article_docs_doc")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Builds the documents' GIN index if it is missing (as the migration defines it).
    pub async fn restore_search_index(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
            .execute(&mut *tx)
            .await?;
        sqlx::query("CREATE INDEX IF NOT EXISTS article_docs_doc ON article_docs USING gin (doc)")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
