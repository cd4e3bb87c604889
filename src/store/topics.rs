//! The newsroom's topics.

use sqlx::Row;

use super::Store;
use super::{Result, StoreError};
use crate::domain::{Language, TopicName, TopicSlug};

/// A topic of the newsroom's taxonomy, which chats subscribe to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRecord {
    /// Its id.
    pub id: i64,
    /// How users type it (`dagestan`).
    pub slug: TopicSlug,
    /// Its name in Russian.
    pub name_ru: String,
    /// Its name in English.
    pub name_en: String,
}

impl TopicRecord {
    /// Its name in `language`.
    pub fn name(&self, language: Language) -> &str {
        match language {
            Language::Ru => &self.name_ru,
            Language::En => &self.name_en,
        }
    }
}

/// Why a topic could not be created or renamed; /topic tells the moderator which.
#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    /// A topic with this slug exists.
    #[error("topic {0} already exists")]
    Exists(TopicSlug),
    /// No topic with this slug.
    #[error("no topic {0}")]
    NotFound(TopicSlug),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] StoreError),
}

impl From<sqlx::Error> for TopicError {
    fn from(error: sqlx::Error) -> Self {
        TopicError::Database(error.into())
    }
}

pub(super) fn topic_from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<TopicRecord> {
    let slug: String = row.try_get("slug")?;
    Ok(TopicRecord {
        id: row.try_get("id")?,
        slug: TopicSlug::parse(&slug)
            .ok_or_else(|| sqlx::Error::Decode(format!("bad slug {slug}").into()))?,
        name_ru: row.try_get("name_ru")?,
        name_en: row.try_get("name_en")?,
    })
}

impl Store {
    /// Creates a topic.
    pub async fn create_topic(
        &self,
        slug: &TopicSlug,
        ru: &TopicName,
        en: &TopicName,
    ) -> Result<TopicRecord, TopicError> {
        let _turn = self.turn().await;
        let row = sqlx::query(
            "INSERT INTO topics (slug, name_ru, name_en) VALUES ($1, $2, $3)
             ON CONFLICT (slug) DO NOTHING RETURNING id, slug, name_ru, name_en",
        )
        .bind(slug.as_str())
        .bind(ru.as_str())
        .bind(en.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(topic_from_row(&row)?),
            None => Err(TopicError::Exists(slug.clone())),
        }
    }

    /// Renames a topic in both languages.
    pub async fn rename_topic(
        &self,
        slug: &TopicSlug,
        ru: &TopicName,
        en: &TopicName,
    ) -> Result<(), TopicError> {
        let _turn = self.turn().await;
        let done = sqlx::query("UPDATE topics SET name_ru = $2, name_en = $3 WHERE slug = $1")
            .bind(slug.as_str())
            .bind(ru.as_str())
            .bind(en.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(TopicError::NotFound(slug.clone()));
        }
        Ok(())
    }

    /// Removes the topic and returns how many chats were subscribed to it, so the moderator is
    /// told exactly what the removal took away. Articles keep existing; only the tag goes.
    pub async fn remove_topic(&self, slug: &TopicSlug) -> Result<u64, TopicError> {
        let (_turn, mut tx) = self.write().await?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM topics WHERE slug = $1")
            .bind(slug.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let id = id.ok_or_else(|| TopicError::NotFound(slug.clone()))?;
        let subscribed: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM subscriptions WHERE topic_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("DELETE FROM topics WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(subscribed as u64)
    }

    /// Every topic, by slug.
    pub async fn topics(&self) -> Result<Vec<TopicRecord>> {
        let rows = sqlx::query("SELECT id, slug, name_ru, name_en FROM topics ORDER BY slug")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(topic_from_row)
            .collect::<sqlx::Result<_>>()
            .map_err(super::StoreError::from)
    }

    /// A topic by slug.
    pub async fn topic(&self, slug: &TopicSlug) -> Result<Option<TopicRecord>> {
        let row = sqlx::query("SELECT id, slug, name_ru, name_en FROM topics WHERE slug = $1")
            .bind(slug.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref()
            .map(topic_from_row)
            .transpose()
            .map_err(super::StoreError::from)
    }
}
