//! Corrections: the previous text kept as a version, the index renewed, and an edit of every
//! copy already sent planned, all in one transaction.

use std::collections::BTreeSet;

use sqlx::{Any, Transaction};

use super::Result;
use super::Store;
use super::articles::{article_in, set_topics};
use super::stamp::Stamp;
use super::{LANE_ROUTINE, alerts, index, planning};
use crate::domain::ArticlePatch;
use crate::domain::{ArticleRecord, ArticleStatus};

impl Store {
    /// Applies a correction: the previous text is kept in `article_versions`, the version goes
    /// up, and the index is rewritten. `None` when there is no such article.
    /// Every copy already sent gets an edit planned in the same transaction.
    pub async fn update_article(
        &self,
        id: i64,
        patch: &ArticlePatch,
        topic_ids: Option<&[i64]>,
        editor_id: i64,
        now_ms: i64,
    ) -> Result<Option<ArticleRecord>> {
        let (_turn, mut tx) = self.write().await?;
        let mut fresh = BTreeSet::new();
        let updated = update_in(
            &mut tx, self, &mut fresh, id, patch, topic_ids, editor_id, now_ms,
        )
        .await?;
        tx.commit().await?;
        self.partitions.add(fresh);
        Ok(updated)
    }
}

/// Corrects an article inside a transaction: the old text becomes a version, the index is
/// renewed, and an edit of every copy sent is planned. `None` when there is no such article.
#[allow(clippy::too_many_arguments)]
pub(super) async fn update_in(
    tx: &mut Transaction<'_, Any>,
    store: &Store,
    fresh: &mut BTreeSet<i64>,
    id: i64,
    patch: &ArticlePatch,
    topic_ids: Option<&[i64]>,
    editor_id: i64,
    now_ms: i64,
) -> sqlx::Result<Option<ArticleRecord>> {
    let Some(old) = article_in(&mut **tx, id).await? else {
        return Ok(None);
    };
    let now = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    sqlx::query(
            "INSERT INTO article_versions (article_id, version, title, lead, body, replaced_by, replaced_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(old.version)
        .bind(&old.title)
        .bind(&old.lead)
        .bind(&old.body.text)
        .bind(editor_id)
        .bind(Stamp(now))
        .execute(&mut **tx)
        .await?;
    let title = patch.title.clone().unwrap_or(old.title);
    let lead = patch.lead.clone().unwrap_or(old.lead);
    let body = patch.body.clone().unwrap_or(old.body);
    sqlx::query(
            "UPDATE articles SET title = $2, lead = $3, body = $4, updated_at = $5, version = version + 1,
                 body_marks = $6
             WHERE id = $1",
        )
        .bind(id)
        .bind(&title)
        .bind(&lead)
        .bind(&body.text)
        .bind(Stamp(now))
        .bind(body.marks_json())
        .execute(&mut **tx)
        .await?;
    if let Some(topic_ids) = topic_ids {
        set_topics(tx, id, topic_ids).await?;
    }
    index::remove(tx, &store.partitions, id).await?;
    if old.retracted_at.is_none() && old.status == ArticleStatus::Published {
        let caption = old.photo_caption.as_deref().unwrap_or("");
        let entry = index::Entry::of(&title, &[&lead, &body.text, caption]);
        index::insert(tx, &store.partitions, fresh, id, &entry).await?;
        planning::plan_edits(tx, id, now_ms).await?;
        // A correction that makes the article match an alert brings it to that chat now.
        let started = alerts::matching(tx, &store.partitions, fresh, id, &entry).await?;
        let chats = alerts::per_chat(&started);
        planning::plan_alert_sends(tx, id, LANE_ROUTINE, now_ms, &chats).await?;
    }
    let updated = article_in(&mut **tx, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    Ok(Some(updated))
}
