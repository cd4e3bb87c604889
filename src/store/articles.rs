//! Articles, their versions, topics and full-text index entries — always written together in
//! one transaction, so the index can never disagree with the archive.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

use super::Result;
use super::Store;
use super::alerts;
use super::article_row::article_from_row;
use super::deliveries::{LANE_BREAKING, LANE_ROUTINE};
use super::index::{self, Partitions};
use super::planning::{self, Planned};
use super::stamp::Stamp;
use crate::domain::{ArticleRecord, ArticleStatus, Label, Language, PhotoRef, Rich};

/// An article about to be stored, with its topics already resolved to ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArticle {
    /// The headline.
    pub title: String,
    /// The lead paragraph, shown in every push.
    pub lead: String,
    /// The full text with its formatting, shown by /article; its text is searched.
    pub body: Rich,
    /// The language it is written in.
    pub language: Language,
    /// Where the newsroom published it.
    pub url: Option<String>,
    /// The original-language version it was translated from.
    pub original_url: Option<String>,
    /// Its photo: an address, or an image in the media store.
    pub photo: Option<PhotoRef>,
    /// The photo's caption.
    pub photo_caption: Option<String>,
    /// The photo's credit.
    pub photo_credit: Option<String>,
    /// Its topics, already resolved.
    pub topic_ids: Vec<i64>,
    /// The editor who wrote it (none for feeds).
    pub author_id: Option<i64>,
    /// When it counts as published.
    pub published_at: DateTime<Utc>,
    /// Breaking news overtakes routine deliveries already queued.
    pub breaking: bool,
    /// The legal label every message of this article must carry.
    pub label: Option<Label>,
    /// Its translation, already stored (`pair: <id>` at /post).
    pub pair_id: Option<i64>,
}

impl NewArticle {
    /// A text article with no lead, links, photo, label or pair, published at the given time: what tests,
    /// benchmarks and simple sources start from before setting the fields they need.
    pub fn text(
        title: &str,
        body: &str,
        language: Language,
        topic_ids: Vec<i64>,
        published_at: DateTime<Utc>,
    ) -> NewArticle {
        NewArticle {
            title: title.into(),
            lead: String::new(),
            body: body.into(),
            language,
            url: None,
            original_url: None,
            photo: None,
            photo_caption: None,
            photo_credit: None,
            topic_ids,
            author_id: None,
            published_at,
            breaking: false,
            label: None,
            pair_id: None,
        }
    }
}

/// What /link found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairOutcome {
    /// The two articles are now each other's translation.
    Linked,
    /// No article with this id.
    NotFound(i64),
    /// Both are in the same language, so neither translates the other.
    SameLanguage,
    /// One of them already has another translation (this one).
    AlreadyPaired(i64),
}

/// The columns every article read selects, topics folded into one space-separated string.
/// A macro, so queries can be assembled with `concat!` and stay static strings.
macro_rules! article_columns {
    () => {
        "a.id, a.title, a.lead, a.body, a.language, a.url, a.original_url, a.photo_url, a.photo_media_id,
    (SELECT m.telegram_file_id FROM media m WHERE m.id = a.photo_media_id) AS photo_telegram_file_id,
    a.photo_caption, a.photo_credit, a.published_at, a.updated_at, a.retracted_at, a.retraction_reason, a.version, a.label, a.label_position, a.status, a.publish_at, a.pair_id, a.body_marks,
    (SELECT group_concat(t.slug, ' ') FROM article_topics x JOIN topics t ON t.id = x.topic_id
      WHERE x.article_id = a.id) AS topic_slugs"
    };
}
pub(super) use article_columns;

/// One article by id, through a pool or inside a transaction.
pub(super) async fn article_in<'e, E>(executor: E, id: i64) -> sqlx::Result<Option<ArticleRecord>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row = sqlx::query(concat!(
        "SELECT ",
        article_columns!(),
        " FROM articles a WHERE a.id = $1"
    ))
    .bind(id)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(article_from_row).transpose()
}

/// What /retract found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retraction {
    /// Retracted now; removals of every copy are planned.
    Retracted,
    /// It was retracted before; nothing changed.
    AlreadyRetracted,
    /// No article with this id.
    NotFound,
}

pub(super) async fn set_topics(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    topic_ids: &[i64],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM article_topics WHERE article_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    add_topics(tx, id, topic_ids).await
}

async fn add_topics(tx: &mut Transaction<'_, Any>, id: i64, topic_ids: &[i64]) -> sqlx::Result<()> {
    for topic_id in topic_ids {
        sqlx::query("INSERT INTO article_topics (article_id, topic_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(topic_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Inserts the article, its topics and its index entry; returns its id.
pub(super) async fn insert_in(
    tx: &mut Transaction<'_, Any>,
    partitions: &Partitions,
    fresh: &mut BTreeSet<i64>,
    article: &NewArticle,
    entry: &index::Entry,
) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO articles (title, lead, body, language, url, original_url, photo_url, photo_caption,
             photo_credit, author_id, published_at, breaking, label, label_position, body_marks,
             photo_media_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         RETURNING id",
    )
    .bind(&article.title)
    .bind(&article.lead)
    .bind(&article.body.text)
    .bind(article.language.code())
    .bind(&article.url)
    .bind(&article.original_url)
    .bind(article.photo.as_ref().and_then(PhotoRef::url))
    .bind(&article.photo_caption)
    .bind(&article.photo_credit)
    .bind(article.author_id)
    .bind(Stamp(article.published_at))
    .bind(i64::from(article.breaking))
    .bind(article.label.as_ref().map(|l| l.text.clone()))
    .bind(article.label.as_ref().map_or("top", |l| l.position.as_str()))
    .bind(article.body.marks_json())
    .bind(match &article.photo {
        Some(PhotoRef::Stored(stored)) => Some(stored.id),
        _ => None,
    })
    .fetch_one(&mut **tx)
    .await?;
    add_topics(tx, id, &article.topic_ids).await?;
    if let Some(pair) = article.pair_id {
        sqlx::query("UPDATE articles SET pair_id = CASE id WHEN $1 THEN $2 ELSE $1 END WHERE id IN ($1, $2)")
            .bind(id)
            .bind(pair)
            .execute(&mut **tx)
            .await?;
    }
    index::insert(tx, partitions, fresh, id, entry).await?;
    Ok(id)
}

/// What a new article is found by.
pub(super) fn entry_of(article: &NewArticle) -> index::Entry {
    let caption = article.photo_caption.as_deref().unwrap_or("");
    index::Entry::of(
        &article.title,
        &[&article.lead, &article.body.text, caption],
    )
}

impl Store {
    /// Publishes one article: stores it with its topics and index entry and, in the same
    /// transaction, plans its delivery to the first chunk of subscribed chats (the rest with
    /// [`Store::plan_chunk`]). Returns its id and what was planned.
    pub async fn insert_article(
        &self,
        article: &NewArticle,
        now_ms: i64,
    ) -> Result<(i64, Planned)> {
        let entry = entry_of(article);
        let (_turn, mut tx) = self.write().await?;
        let mut fresh = BTreeSet::new();
        let id = insert_in(&mut tx, &self.partitions, &mut fresh, article, &entry).await?;
        let lane = if article.breaking {
            LANE_BREAKING
        } else {
            LANE_ROUTINE
        };
        let alerts = alerts::brought(&mut tx, &self.partitions, &fresh, id, &entry).await?;
        let planned = planning::plan_sends(&mut tx, id, lane, now_ms, &alerts).await?;
        tx.commit().await?;
        self.partitions.add(fresh);
        Ok((id, planned))
    }

    /// Pairs two articles as translations of each other. Both must exist, differ in language
    /// and have no other partner.
    pub async fn link_pair(&self, a: i64, b: i64) -> Result<PairOutcome> {
        let (_turn, mut tx) = self.write().await?;
        let rows: Vec<(i64, String, Option<i64>)> =
            sqlx::query_as("SELECT id, language, pair_id FROM articles WHERE id IN ($1, $2)")
                .bind(a)
                .bind(b)
                .fetch_all(&mut *tx)
                .await?;
        let find = |id: i64| rows.iter().find(|r| r.0 == id);
        let (Some(ra), Some(rb)) = (find(a), find(b)) else {
            return Ok(PairOutcome::NotFound(if find(a).is_none() { a } else { b }));
        };
        if ra.1 == rb.1 {
            return Ok(PairOutcome::SameLanguage);
        }
        if let Some(other) = [ra, rb]
            .iter()
            .find_map(|r| r.2.filter(|p| *p != a && *p != b))
        {
            return Ok(PairOutcome::AlreadyPaired(other));
        }
        sqlx::query("UPDATE articles SET pair_id = CASE id WHEN $1 THEN $2 ELSE $1 END WHERE id IN ($1, $2)")
            .bind(a)
            .bind(b)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(PairOutcome::Linked)
    }

    /// Stores a draft: not listed, searched or delivered until it is published.
    pub async fn insert_draft(&self, article: &NewArticle) -> Result<i64> {
        let entry = entry_of(article);
        let (_turn, mut tx) = self.write().await?;
        let mut fresh = BTreeSet::new();
        let id = insert_in(&mut tx, &self.partitions, &mut fresh, article, &entry).await?;
        // The index entry goes again: a draft is found only once it is published.
        index::remove_fresh(&mut tx, &fresh, &self.partitions, id).await?;
        sqlx::query("UPDATE articles SET status = 'draft' WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.partitions.add(fresh);
        Ok(id)
    }

    /// Publishes a draft or scheduled article now: it gets its publication time, enters the
    /// index and is planned for delivery, in one transaction. `None` if it is not waiting.
    pub async fn publish_waiting(&self, id: i64, now: DateTime<Utc>) -> Result<Option<Planned>> {
        let (_turn, mut tx) = self.write().await?;
        let Some(article) = article_in(&mut *tx, id).await? else {
            return Ok(None);
        };
        if article.status == ArticleStatus::Published || article.retracted_at.is_some() {
            return Ok(None);
        }
        let breaking: i64 = sqlx::query_scalar("SELECT breaking FROM articles WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("UPDATE articles SET status = 'published', published_at = $2, publish_at = NULL WHERE id = $1")
            .bind(id)
            .bind(Stamp(now))
            .execute(&mut *tx)
            .await?;
        let mut fresh = BTreeSet::new();
        let caption = article.photo_caption.as_deref().unwrap_or("");
        let entry = index::Entry::of(
            &article.title,
            &[&article.lead, &article.body.text, caption],
        );
        index::insert(&mut tx, &self.partitions, &mut fresh, id, &entry).await?;
        let lane = if breaking != 0 {
            LANE_BREAKING
        } else {
            LANE_ROUTINE
        };
        let alerts = alerts::brought(&mut tx, &self.partitions, &fresh, id, &entry).await?;
        let planned =
            planning::plan_sends(&mut tx, id, lane, now.timestamp_millis(), &alerts).await?;
        tx.commit().await?;
        self.partitions.add(fresh);
        Ok(Some(planned))
    }

    /// Sets a waiting article's embargo time; `approved` makes it scheduled (else it stays a
    /// draft that publishes at that time once approved). False if it is not waiting.
    pub async fn schedule_article(&self, id: i64, at_ms: i64, approved: bool) -> Result<bool> {
        let _turn = self.turn().await;
        let done = sqlx::query(
            "UPDATE articles SET publish_at = $2, status = CASE WHEN $3 = 1 THEN 'scheduled' ELSE status END
             WHERE id = $1 AND status <> 'published' AND retracted_at IS NULL",
        )
        .bind(id)
        .bind(at_ms)
        .bind(i64::from(approved))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Scheduled articles whose embargo has passed.
    pub async fn due_articles(&self, now_ms: i64) -> Result<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT id FROM articles WHERE status = 'scheduled' AND publish_at <= $1 AND retracted_at IS NULL ORDER BY publish_at",
        )
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await.map_err(super::StoreError::from)
    }

    /// Drafts and scheduled articles, oldest first.
    pub async fn waiting_articles(&self) -> Result<Vec<ArticleRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            article_columns!(),
            " FROM articles a WHERE a.status <> 'published' AND a.retracted_at IS NULL ORDER BY a.id LIMIT 50"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(article_from_row)
            .collect::<sqlx::Result<_>>()
            .map_err(super::StoreError::from)
    }

    /// Stores many articles in one transaction without delivering them (archive imports, the
    /// demo newsroom, benchmarks): subscribers get news, not a backlog.
    /// A batch is analysed a hundred articles ahead on a blocking thread while the previous
    /// hundred are written, so the dictionary and SQLite work at the same time.
    pub async fn insert_articles(&self, articles: &[NewArticle]) -> Result<Vec<i64>> {
        const AHEAD: usize = 100;
        let analyse = |chunk: &[NewArticle]| index::analyse(chunk.to_vec(), entry_of);
        let chunks: Vec<&[NewArticle]> = articles.chunks(AHEAD).collect();
        let mut next = chunks.first().map(|c| analyse(c));
        let (_turn, mut tx) = self.write().await?;
        let mut ids = Vec::with_capacity(articles.len());
        let mut fresh = BTreeSet::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let Some(analysing) = next.take() else { break };
            let entries = analysing.await?;
            next = chunks.get(i + 1).map(|c| analyse(c));
            for (article, entry) in chunk.iter().zip(&entries) {
                ids.push(insert_in(&mut tx, &self.partitions, &mut fresh, article, entry).await?);
            }
        }
        tx.commit().await?;
        self.partitions.add(fresh);
        Ok(ids)
    }

    /// An article by id, in its current version.
    pub async fn article(&self, id: i64) -> Result<Option<ArticleRecord>> {
        article_in(&self.pool, id)
            .await
            .map_err(super::StoreError::from)
    }

    /// How many articles the archive holds (an empty one is offered the demo).
    pub async fn count_articles(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM articles")
            .fetch_one(&self.pool)
            .await
            .map_err(super::StoreError::from)
    }

    /// Marks the article retracted and takes it out of search; the text stays in the archive
    /// so the retraction can be audited. Copies not yet sent are cancelled and every sent copy
    /// gets a removal planned, in the same transaction.
    pub async fn retract_article(&self, id: i64, reason: &str, now_ms: i64) -> Result<Retraction> {
        let (_turn, mut tx) = self.write().await?;
        let state: Option<Option<String>> =
            sqlx::query_scalar("SELECT retracted_at FROM articles WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match state {
            None => return Ok(Retraction::NotFound),
            Some(Some(_)) => return Ok(Retraction::AlreadyRetracted),
            Some(None) => {}
        }
        sqlx::query("UPDATE articles SET retracted_at = $2, retraction_reason = $3 WHERE id = $1")
            .bind(id)
            .bind(Stamp(self.clock.now()))
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        index::remove(&mut tx, &self.partitions, id).await?;
        planning::plan_retraction(&mut tx, id, now_ms).await?;
        tx.commit().await?;
        Ok(Retraction::Retracted)
    }

    /// The newest live articles, optionally of one topic.
    pub async fn latest_articles(
        &self,
        topic_id: Option<i64>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ArticleRecord>> {
        if let Some(pg) = &self.pg {
            return pg.latest_articles(topic_id, limit, offset).await;
        }
        let sql = match topic_id {
            None => concat!(
                "SELECT ",
                article_columns!(),
                " FROM articles a WHERE a.retracted_at IS NULL AND a.status = 'published'
                 ORDER BY a.published_at DESC, a.id DESC LIMIT $2 OFFSET $3"
            ),
            Some(_) => concat!(
                "SELECT ",
                article_columns!(),
                " FROM article_topics x JOIN articles a ON a.id = x.article_id
                 WHERE x.topic_id = $1 AND a.retracted_at IS NULL AND a.status = 'published'
                 ORDER BY a.published_at DESC, a.id DESC LIMIT $2 OFFSET $3"
            ),
        };
        let rows = sqlx::query(sql)
            .bind(topic_id)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(article_from_row)
            .collect::<sqlx::Result<_>>()
            .map_err(super::StoreError::from)
    }

    /// Live articles published in `[from, to)`, oldest first, as an archive page reads.
    pub async fn articles_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ArticleRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            article_columns!(),
            " FROM articles a WHERE a.published_at >= $1 AND a.published_at < $2
             AND a.retracted_at IS NULL AND a.status = 'published' ORDER BY a.published_at, a.id LIMIT $3 OFFSET $4"
        ))
        .bind(Stamp(from))
        .bind(Stamp(to))
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(article_from_row)
            .collect::<sqlx::Result<_>>()
            .map_err(super::StoreError::from)
    }
}
