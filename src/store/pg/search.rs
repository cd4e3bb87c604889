//! Full-text search on PostgreSQL: the query's `tsquery` against the GIN-indexed documents,
//! ranked over the same bounded window of the newest matches as on SQLite.

use super::PgStore;
use crate::domain::{ArticleRecord, SearchQuery};
use crate::store::{Result, SearchOrder};

/// `ts_rank` weights {D, C, B, A}: lemmas and keys elsewhere, lemmas and keys in the title,
/// words as written elsewhere, words as written in the title — the proportions of the SQLite
/// index's bm25 column weights (0.5, 2, 1, 4).
const WEIGHTS: &str = "{0.125, 0.5, 0.25, 1.0}";

impl PgStore {
    /// One page of live articles matching the query.
    pub async fn search(
        &self,
        query: &SearchQuery,
        order: SearchOrder,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ArticleRecord>> {
        let tsquery = query.to_tsquery();
        let wanted = i64::from(offset) + i64::from(limit);
        let mut ids: Vec<i64> = Vec::new();
        match order {
            SearchOrder::Relevance { window, span } => {
                let newest: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM articles")
                    .fetch_one(&self.pool)
                    .await?;
                let boundary = newest - i64::from(span);
                // ts_rank normalised by the document's length (1: divided by 1 + its log),
                // as bm25 favours the shorter of two documents with the same matches.
                let sql = format!(
                    "SELECT article_id, ts_rank('{WEIGHTS}'::float4[], doc, $1::tsquery, 1)::float8
                              AS rank, count(*) OVER () AS matches
                     FROM (SELECT article_id, doc FROM article_docs
                           WHERE article_id > $2 AND doc @@ $1::tsquery
                           ORDER BY article_id DESC LIMIT $3) recent
                     ORDER BY rank DESC, article_id DESC LIMIT $4"
                );
                let rows: Vec<(i64, f64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(&tsquery)
                    .bind(boundary)
                    .bind(i64::from(window))
                    .bind(wanted)
                    .fetch_all(&self.pool)
                    .await?;
                let in_window = rows.first().map_or(0, |r| r.2);
                ids.extend(rows.iter().map(|r| r.0));
                if in_window < i64::from(window) {
                    self.newest_matches(&tsquery, Some(boundary), wanted, &mut ids)
                        .await?;
                }
            }
            SearchOrder::Newest => {
                self.newest_matches(&tsquery, None, wanted, &mut ids)
                    .await?
            }
        }
        let page: Vec<i64> = ids
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        self.articles_in_order(&page).await
    }

    /// Appends matches at or below `below` (all, when `None`), newest first, to `ids` until it
    /// holds `wanted`.
    async fn newest_matches(
        &self,
        tsquery: &str,
        below: Option<i64>,
        wanted: i64,
        ids: &mut Vec<i64>,
    ) -> Result<()> {
        let missing = wanted - ids.len() as i64;
        if missing <= 0 {
            return Ok(());
        }
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT article_id FROM article_docs
             WHERE article_id <= $2 AND doc @@ $1::tsquery
             ORDER BY article_id DESC LIMIT $3",
        )
        .bind(tsquery)
        .bind(below.unwrap_or(i64::MAX))
        .bind(missing)
        .fetch_all(&self.pool)
        .await?;
        ids.extend(rows);
        Ok(())
    }
}
