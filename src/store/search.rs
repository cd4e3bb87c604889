//! Full-text search over the partitioned index (see `index`), newest partitions first.

use sqlx::AssertSqlSafe;

use super::Store;
use super::articles::{ArticleRecord, article_columns, article_from_row};
use super::index::table;
use crate::domain::SearchQuery;

/// bm25 column weights: title as written, text as written, title stems, text stems. An exact
/// form outranks an inflected one, and the headline outranks the body.
const BM25_WEIGHTS: &str = "4.0, 1.0, 2.0, 0.5";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchOrder {
    /// bm25 over the `window` newest matches: a very common word ranks a bounded set
    /// instead of scoring the whole archive.
    Relevance {
        window: u32,
    },
    Newest,
}

impl Store {
    /// One page of live articles matching the query.
    pub async fn search(
        &self,
        query: &SearchQuery,
        order: SearchOrder,
        limit: u32,
        offset: u32,
    ) -> sqlx::Result<Vec<ArticleRecord>> {
        let fts = query.to_fts();
        let ids: Vec<i64> = match order {
            SearchOrder::Relevance { window } => {
                let mut hits: Vec<(i64, f64)> = Vec::new();
                for n in self.partitions.newest_first() {
                    let remaining = i64::from(window) - hits.len() as i64;
                    if remaining <= 0 {
                        break;
                    }
                    let sql = format!(
                        "SELECT rowid, bm25({t}, {BM25_WEIGHTS}) FROM {t} WHERE {t} MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
                        t = table(n)
                    );
                    let rows: Vec<(i64, f64)> = sqlx::query_as(AssertSqlSafe(sql))
                        .bind(&fts)
                        .bind(remaining)
                        .fetch_all(&self.pool)
                        .await?;
                    hits.extend(rows);
                }
                // bm25 is lower for better matches; ties go to the newer article.
                hits.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
                hits.into_iter()
                    .skip(offset as usize)
                    .take(limit as usize)
                    .map(|(id, _)| id)
                    .collect()
            }
            SearchOrder::Newest => {
                let wanted = i64::from(offset) + i64::from(limit);
                let mut ids: Vec<i64> = Vec::new();
                for n in self.partitions.newest_first() {
                    let remaining = wanted - ids.len() as i64;
                    if remaining <= 0 {
                        break;
                    }
                    let sql = format!(
                        "SELECT rowid FROM {t} WHERE {t} MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
                        t = table(n)
                    );
                    let rows: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
                        .bind(&fts)
                        .bind(remaining)
                        .fetch_all(&self.pool)
                        .await?;
                    ids.extend(rows);
                }
                ids.into_iter().skip(offset as usize).collect()
            }
        };
        self.articles_in_order(&ids).await
    }

    /// The articles with these ids, in the order given.
    async fn articles_in_order(&self, ids: &[i64]) -> sqlx::Result<Vec<ArticleRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let rows = sqlx::query(concat!(
            "SELECT ",
            article_columns!(),
            " FROM articles a WHERE a.id IN (SELECT value FROM json_each(?1))"
        ))
        .bind(json)
        .fetch_all(&self.pool)
        .await?;
        let mut articles = rows
            .iter()
            .map(article_from_row)
            .collect::<sqlx::Result<Vec<_>>>()?;
        articles.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
        Ok(articles)
    }
}
