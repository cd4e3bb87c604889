//! Articles known by an id elsewhere — a feed item's guid, link or hash; a CMS article id —
//! so a second sighting corrects the stored article instead of publishing it again.

use std::collections::BTreeSet;

use sqlx::{Any, Transaction};

use super::Result;
use super::Store;
use super::alerts;
use super::articles::{NewArticle, entry_of, insert_in};
use super::corrections::update_in;
use super::deliveries::{LANE_BREAKING, LANE_ROUTINE};
use super::planning::{self, Planned};
use crate::domain::ArticlePatch;

/// Where an article came from and its fingerprint there.
#[derive(Debug, Clone, Copy)]
pub struct External<'a> {
    /// `source:<id>` for a feed, `cms` for the CMS.
    pub origin: &'a str,
    /// The item's id in its origin (a guid, a link, the CMS's id).
    pub key: &'a str,
    /// A hash of the text: when it differs, the item changed.
    pub hash: &'a str,
}

/// What taking in an external item did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    /// Stored; `planned` deliveries (0 for a backlog item kept only in the archive).
    New {
        /// The new article's id.
        id: i64,
        /// Deliveries planned for it so far (more chunks follow unless `done`).
        planned: Planned,
    },
    /// Seen before, with the same text.
    Unchanged(i64),
    /// Seen before with another text: the article was corrected and its copies edited.
    Corrected(i64),
}

impl Store {
    /// Stores `article` unless `external` is known; a known one whose hash changed becomes a
    /// correction. All in one transaction, so a crash never stores an item twice. `deliver`
    /// false keeps a new item in the archive without sending it (a new source's backlog).
    pub async fn ingest(
        &self,
        external: External<'_>,
        article: &NewArticle,
        deliver: bool,
        editor_id: i64,
        now_ms: i64,
    ) -> Result<Ingested> {
        let mut done = self
            .ingest_many(&[(external, article, deliver)], editor_id, now_ms)
            .await?;
        done.pop().ok_or(sqlx::Error::RowNotFound.into())
    }

    /// [`Store::ingest`] for the items of one feed, in one transaction (one write per poll
    /// instead of one per item).
    pub async fn ingest_many(
        &self,
        items: &[(External<'_>, &NewArticle, bool)],
        editor_id: i64,
        now_ms: i64,
    ) -> Result<Vec<Ingested>> {
        let (_turn, mut tx) = self.write().await?;
        let mut fresh = BTreeSet::new();
        let mut done = Vec::with_capacity(items.len());
        for (external, article, deliver) in items {
            done.push(
                self.ingest_in(
                    &mut tx, &mut fresh, *external, article, *deliver, editor_id, now_ms,
                )
                .await?,
            );
        }
        tx.commit().await?;
        self.partitions.add(fresh);
        Ok(done)
    }

    #[allow(clippy::too_many_arguments)]
    async fn ingest_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        fresh: &mut BTreeSet<i64>,
        external: External<'_>,
        article: &NewArticle,
        deliver: bool,
        editor_id: i64,
        now_ms: i64,
    ) -> sqlx::Result<Ingested> {
        let known: Option<(i64, String)> = sqlx::query_as(
            "SELECT e.article_id, e.hash FROM external_ids e JOIN articles a ON a.id = e.article_id
             WHERE e.origin = $1 AND e.key = $2",
        )
        .bind(external.origin)
        .bind(external.key)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(match known {
            Some((id, hash)) if hash == external.hash => Ingested::Unchanged(id),
            Some((id, _)) => {
                let patch = ArticlePatch {
                    title: Some(article.title.clone()),
                    lead: Some(article.lead.clone()),
                    body: Some(article.body.clone()),
                    topics: None,
                };
                update_in(tx, self, fresh, id, &patch, None, editor_id, now_ms).await?;
                sqlx::query("UPDATE external_ids SET hash = $3 WHERE origin = $1 AND key = $2")
                    .bind(external.origin)
                    .bind(external.key)
                    .bind(external.hash)
                    .execute(&mut **tx)
                    .await?;
                Ingested::Corrected(id)
            }
            None => {
                let entry = entry_of(article);
                let id = insert_in(tx, &self.partitions, fresh, article, &entry).await?;
                let lane = if article.breaking {
                    LANE_BREAKING
                } else {
                    LANE_ROUTINE
                };
                let planned = if deliver {
                    let alerts = alerts::brought(tx, &self.partitions, fresh, id, &entry).await?;
                    planning::plan_sends(tx, id, lane, now_ms, &alerts).await?
                } else {
                    Planned {
                        rows: 0,
                        done: true,
                    }
                };
                sqlx::query(
                    "INSERT INTO external_ids (origin, key, article_id, hash) VALUES ($1, $2, $3, $4)",
                )
                .bind(external.origin)
                .bind(external.key)
                .bind(id)
                .bind(external.hash)
                .execute(&mut **tx)
                .await?;
                Ingested::New { id, planned }
            }
        })
    }

    /// The article stored for an external id.
    pub async fn external_article(&self, origin: &str, key: &str) -> Result<Option<i64>> {
        sqlx::query_scalar("SELECT article_id FROM external_ids WHERE origin = $1 AND key = $2")
            .bind(origin)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(super::StoreError::from)
    }

    /// A published article with this URL (its own or its original's), newest first.
    pub async fn article_by_url(&self, url: &str) -> Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM articles WHERE url = $1 AND retracted_at IS NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(url)
        .fetch_optional(&self.pool)
        .await.map_err(super::StoreError::from)
    }
}
