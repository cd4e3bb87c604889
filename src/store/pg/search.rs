//! Full-text search on PostgreSQL: the query's `tsquery` against the GIN-indexed documents,
//! ranked over the same bounded window of the newest matches as on SQLite.
//!
//! Matches are collected newest first through id ranges that grow from the newest article
//! down, as the SQLite store walks its partitions, so a search's work is bounded by the ids it
//! walks or the candidates the index offers within them, whichever the planner finds cheaper.
//! One query over the whole table would leave that choice to estimates that cannot see a
//! phrase: two common words adjacent nowhere made the planner walk the whole archive looking
//! for the six newest (see the search benchmark).

use super::PgStore;
use crate::domain::{ArticleRecord, SearchQuery};
use crate::store::{Result, SearchOrder};

/// `ts_rank` weights {D, C, B, A}: lemmas and keys elsewhere, lemmas and keys in the title,
/// words as written elsewhere, words as written in the title — the proportions of the SQLite
/// index's bm25 column weights (0.5, 2, 1, 4).
const WEIGHTS: &str = "{0.125, 0.5, 0.25, 1.0}";

/// Ids in the first (newest) range walked, and how much larger each next one is.
const FIRST_RANGE: i64 = 256;
const GROWTH: i64 = 4;
/// The largest range PostgreSQL may read article by article. A larger one is reached only
/// when matches are sparse, and is read through the GIN index alone (its range ANDed in
/// from the primary key): the planner's estimate for an exclusion or a phrase assumes words
/// independent, and "правозащитники -полиция", in 0.1 % of a 1,000,000-article archive but
/// estimated at 11 %, had it read 750,000 documents (5 s) instead of the index's 1,300.
const WALK_MAX: i64 = 4_096;

/// Matches in ids `($2, $3]`, newest first, at most `$4`. The inner query is fenced
/// (`OFFSET 0`) so the planner does not turn the limit into a walk past every id.
const IDS: &str = "SELECT article_id, 0::float8 FROM (
       SELECT article_id FROM article_docs
       WHERE article_id > $2 AND article_id <= $3 AND doc @@ $1::tsquery OFFSET 0) m
     ORDER BY article_id DESC LIMIT $4";

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
        let wanted = offset as usize + limit as usize;
        let newest: i64 =
            sqlx::query_scalar("SELECT coalesce(max(article_id), 0) FROM article_docs")
                .fetch_one(&self.pool)
                .await?;
        let mut ids: Vec<i64> = Vec::new();
        match order {
            SearchOrder::Relevance { window, span } => {
                let boundary = (newest - i64::from(span)).max(0);
                let window = window as usize;
                let mut hits = self
                    .newest_matches(&tsquery, boundary, newest, window, true)
                    .await?;
                let in_window = hits.len();
                // Higher ranks first; ties go to the newer article.
                hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
                ids.extend(hits.iter().take(wanted).map(|h| h.0));
                if in_window < window && ids.len() < wanted {
                    let older = self
                        .newest_matches(&tsquery, 0, boundary, wanted - ids.len(), false)
                        .await?;
                    ids.extend(older.iter().map(|h| h.0));
                }
            }
            SearchOrder::Newest => {
                let found = self
                    .newest_matches(&tsquery, 0, newest, wanted, false)
                    .await?;
                ids.extend(found.iter().map(|h| h.0));
            }
        }
        let page: Vec<i64> = ids
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        self.articles_in_order(&page).await
    }

    /// Up to `limit` matches with ids in `(floor, top]`, newest first, each with its rank
    /// when `ranked` (0 otherwise).
    async fn newest_matches(
        &self,
        tsquery: &str,
        floor: i64,
        top: i64,
        limit: usize,
        ranked: bool,
    ) -> Result<Vec<(i64, f64)>> {
        // The rank is computed for the rows kept only, after the limit.
        let ranked_sql = format!(
            "SELECT article_id, ts_rank('{WEIGHTS}'::float4[], doc, $1::tsquery, 1)::float8
             FROM (SELECT article_id, doc FROM (
                     SELECT article_id, doc FROM article_docs
                     WHERE article_id > $2 AND article_id <= $3 AND doc @@ $1::tsquery OFFSET 0) m
                   ORDER BY article_id DESC LIMIT $4) w
             ORDER BY article_id DESC"
        );
        let mut found: Vec<(i64, f64)> = Vec::new();
        let (mut high, mut range) = (top, FIRST_RANGE);
        while high > floor && found.len() < limit {
            let low = high.saturating_sub(range).max(floor);
            let sql = if ranked { ranked_sql.as_str() } else { IDS };
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(tsquery)
                .bind(low)
                .bind(high)
                .bind((limit - found.len()) as i64);
            let rows: Vec<(i64, f64)> = if high - low > WALK_MAX {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SET LOCAL enable_indexscan = off")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("SET LOCAL enable_seqscan = off")
                    .execute(&mut *tx)
                    .await?;
                let rows = query.fetch_all(&mut *tx).await?;
                tx.commit().await?;
                rows
            } else {
                query.fetch_all(&self.pool).await?
            };
            found.extend(rows);
            high = low;
            range = range.saturating_mul(GROWTH);
        }
        Ok(found)
    }
}
