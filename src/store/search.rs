//! Full-text search over `article_search` (see the migration for what is indexed).

use super::Store;
use super::articles::{ArticleRecord, article_columns, article_from_row};
use crate::domain::SearchQuery;

/// bm25 column weights: title as written, text as written, title stems, text stems. An exact
/// form outranks an inflected one, and the headline outranks the body.
macro_rules! bm25 {
    () => {
        "bm25(article_search, 4.0, 1.0, 2.0, 0.5)"
    };
}

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
        let rows = match order {
            SearchOrder::Relevance { window } => {
                sqlx::query(concat!(
                    "WITH hits AS (SELECT rowid AS id, ",
                    bm25!(),
                    " AS score FROM article_search
                         WHERE article_search MATCH ?1 ORDER BY rowid DESC LIMIT ?2)
                     SELECT ",
                    article_columns!(),
                    " FROM hits JOIN articles a ON a.id = hits.id
                     ORDER BY hits.score, a.id DESC LIMIT ?3 OFFSET ?4"
                ))
                .bind(query.to_fts())
                .bind(window)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?
            }
            SearchOrder::Newest => {
                sqlx::query(concat!(
                "WITH hits AS (SELECT rowid AS id FROM article_search WHERE article_search MATCH ?1
                         ORDER BY rowid DESC LIMIT ?2 OFFSET ?3)
                     SELECT ",
                article_columns!(),
                " FROM hits JOIN articles a ON a.id = hits.id ORDER BY a.id DESC"
            ))
                .bind(query.to_fts())
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(article_from_row).collect()
    }
}
