//! Full-text search over the partitioned index (see `index`), newest partitions first.

use sqlx::AssertSqlSafe;

use super::Result;
use super::Store;
use super::article_row::articles_in_order_of;
use super::articles::article_columns;
use super::index::table;
use crate::domain::ArticleRecord;
use crate::domain::{IndexVersion, SearchQuery};

/// bm25 column weights: title and text as written, then their stems or lemmas (and spelling
/// keys). An exact form outranks an inflected one or another spelling, and the headline
/// outranks the body.
fn bm25_weights(version: IndexVersion) -> &'static str {
    match version {
        IndexVersion::Stems => "4.0, 1.0, 2.0, 0.5",
        IndexVersion::Lemmas => "4.0, 1.0, 2.0, 0.5, 2.0, 0.5",
    }
}

/// How search results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchOrder {
    /// bm25 over the `window` newest matches among the newest `span` articles, so neither a
    /// very common word nor a rare phrase makes ranking walk the whole archive. When the span
    /// holds fewer than `window` matches, older matches follow the ranked ones, newest first.
    Relevance {
        /// How many of the newest matches are ranked.
        window: u32,
        /// Among how many of the newest articles.
        span: u32,
    },
    /// Newest first, no ranking.
    Newest,
}

/// A query's MATCH expression for each index version (partitions not yet rebuilt are asked
/// with the old one).
struct Fts {
    stems: String,
    lemmas: String,
}

impl Fts {
    fn of(query: &SearchQuery) -> Fts {
        Fts {
            stems: query.to_fts(IndexVersion::Stems),
            lemmas: query.to_fts(IndexVersion::Lemmas),
        }
    }

    fn get(&self, version: IndexVersion) -> &str {
        match version {
            IndexVersion::Stems => &self.stems,
            IndexVersion::Lemmas => &self.lemmas,
        }
    }
}

impl Store {
    /// One page of live articles matching the query.
    pub async fn search(
        &self,
        query: &SearchQuery,
        order: SearchOrder,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ArticleRecord>> {
        if let Some(pg) = &self.pg {
            return pg.search(query, order, limit, offset).await;
        }
        let fts = Fts::of(query);
        let wanted = offset as usize + limit as usize;
        let partitions = self.partitions.newest_first();
        let mut ids: Vec<i64> = Vec::new();
        match order {
            SearchOrder::Relevance { window, span } => {
                let ranked = (i64::from(span) / self.partitions.size()).max(1) as usize;
                let (recent, older) = partitions.split_at(ranked.min(partitions.len()));
                // Each partition ranks its share of the window itself and hands back only
                // the best `wanted` (the page cannot reach past them) and the share's size.
                let mut hits: Vec<(i64, f64)> = Vec::new();
                let mut in_window = 0;
                for &(n, version) in recent {
                    let remaining = window as usize - in_window.min(window as usize);
                    if remaining == 0 {
                        break;
                    }
                    let sql = format!(
                        "SELECT rowid, rank, matches FROM (
                           SELECT rowid, rank, count(*) OVER () AS matches FROM (
                             SELECT rowid, bm25({t}, {w}) AS rank FROM {t} WHERE {t} MATCH $1
                             ORDER BY rowid DESC LIMIT $2))
                         ORDER BY rank, rowid DESC LIMIT $3",
                        t = table(n, version),
                        w = bm25_weights(version),
                    );
                    let rows: Vec<(i64, f64, i64)> = sqlx::query_as(AssertSqlSafe(sql))
                        .bind(fts.get(version))
                        .bind(remaining as i64)
                        .bind(wanted as i64)
                        .fetch_all(&self.pool)
                        .await?;
                    in_window += rows.first().map_or(0, |r| r.2 as usize);
                    hits.extend(rows.into_iter().map(|(id, rank, _)| (id, rank)));
                }
                // bm25 is lower for better matches; ties go to the newer article.
                hits.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
                hits.truncate(wanted);
                ids.extend(hits.iter().map(|(id, _)| *id));
                if in_window < window as usize {
                    self.newest_matches(&fts, older, wanted, &mut ids).await?;
                }
            }
            SearchOrder::Newest => {
                self.newest_matches(&fts, &partitions, wanted, &mut ids)
                    .await?
            }
        }
        let page: Vec<i64> = ids
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        self.articles_in_order(&page)
            .await
            .map_err(super::StoreError::from)
    }

    /// Appends matches from `partitions` (newest first) to `ids` until it holds `wanted`.
    async fn newest_matches(
        &self,
        fts: &Fts,
        partitions: &[(i64, IndexVersion)],
        wanted: usize,
        ids: &mut Vec<i64>,
    ) -> sqlx::Result<()> {
        for &(n, version) in partitions {
            if ids.len() >= wanted {
                break;
            }
            let sql = format!(
                "SELECT rowid FROM {t} WHERE {t} MATCH $1 ORDER BY rowid DESC LIMIT $2",
                t = table(n, version)
            );
            let rows: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(fts.get(version))
                .bind((wanted - ids.len()) as i64)
                .fetch_all(&self.pool)
                .await?;
            ids.extend(rows);
        }
        Ok(())
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
            " FROM articles a WHERE a.id IN (SELECT value FROM json_each($1))"
        ))
        .bind(json)
        .fetch_all(&self.pool)
        .await?;
        articles_in_order_of(&rows, ids)
    }
}
