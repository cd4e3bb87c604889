//! Articles read back from PostgreSQL, decoded as the SQLite store decodes them.

use super::PgStore;
use crate::domain::ArticleRecord;
use crate::store::Result;
use crate::store::article_row::{article_from_row, articles_in_order_of};

/// The columns of an article read (see `store::articles::article_columns`).
macro_rules! pg_article_columns {
    () => {
        "a.id, a.title, a.lead, a.body, a.language, a.url, a.original_url, a.photo_url, a.photo_media_id,
    (SELECT m.telegram_file_id FROM media m WHERE m.id = a.photo_media_id) AS photo_telegram_file_id,
    a.photo_caption, a.photo_credit, a.published_at, a.updated_at, a.retracted_at,
    a.retraction_reason, a.version, a.label, a.label_position, a.status, a.publish_at, a.pair_id, a.body_marks,
    (SELECT string_agg(t.slug, ' ') FROM article_topics x JOIN topics t ON t.id = x.topic_id
      WHERE x.article_id = a.id) AS topic_slugs"
    };
}

impl PgStore {
    /// The newest live articles, optionally of one topic, newest first (stored time in byte
    /// order, as SQLite compares it, then id).
    pub async fn latest_articles(
        &self,
        topic_id: Option<i64>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ArticleRecord>> {
        let sql = match topic_id {
            None => concat!(
                "SELECT ",
                pg_article_columns!(),
                " FROM articles a WHERE a.retracted_at IS NULL AND a.status = 'published'
                 ORDER BY a.published_at COLLATE \"C\" DESC, a.id DESC LIMIT $2 OFFSET $3"
            ),
            Some(_) => concat!(
                "SELECT ",
                pg_article_columns!(),
                " FROM article_topics x JOIN articles a ON a.id = x.article_id
                 WHERE x.topic_id = $1 AND a.retracted_at IS NULL AND a.status = 'published'
                 ORDER BY a.published_at COLLATE \"C\" DESC, a.id DESC LIMIT $2 OFFSET $3"
            ),
        };
        let rows = sqlx::query(sql)
            .bind(topic_id)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(article_from_row)
            .collect::<sqlx::Result<_>>()?)
    }

    /// The articles with these ids, in the order given.
    pub(super) async fn articles_in_order(&self, ids: &[i64]) -> Result<Vec<ArticleRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(concat!(
            "SELECT ",
            pg_article_columns!(),
            " FROM articles a WHERE a.id = ANY($1)"
        ))
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(articles_in_order_of(&rows, ids)?)
    }
}
