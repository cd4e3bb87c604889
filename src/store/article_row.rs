//! An article read back from either backend: the columns `article_columns!` (SQLite) or
//! `pg::ARTICLE_COLUMNS` select, decoded into the domain's record in one place.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Decode, Row, Type};

use super::stamp::Stamp;

use crate::domain::{
    ArticleRecord, ArticleStatus, Label, LabelPosition, Language, PhotoRef, Rich, StoredPhoto,
    TopicSlug,
};

/// An article status as the `status` column spells it.
fn status_from_stored(value: &str) -> ArticleStatus {
    match value {
        "draft" => ArticleStatus::Draft,
        "scheduled" => ArticleStatus::Scheduled,
        _ => ArticleStatus::Published,
    }
}

/// The photo columns: an address, or an image in the media store.
fn photo_from_row<'r, R>(row: &'r R) -> sqlx::Result<Option<PhotoRef>>
where
    R: Row,
    &'r str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    if let Some(id) = row.try_get::<Option<i64>, _>("photo_media_id")? {
        return Ok(Some(PhotoRef::Stored(StoredPhoto {
            id,
            telegram_file_id: row.try_get("photo_telegram_file_id")?,
        })));
    }
    Ok(row
        .try_get::<Option<String>, _>("photo_url")?
        .map(PhotoRef::Web))
}

/// A time column (stored as text on both backends).
fn stamp<'r, R>(row: &'r R, column: &'r str) -> sqlx::Result<Option<DateTime<Utc>>>
where
    R: Row,
    &'r str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get::<Option<String>, _>(column)?
        .map(|text| {
            Stamp::parse(&text).ok_or_else(|| sqlx::Error::ColumnDecode {
                index: column.to_owned(),
                source: format!("not a stored time: {text}").into(),
            })
        })
        .transpose()
}

/// The article of one row, topics given as one space-separated string of slugs.
pub(super) fn article_from_row<'r, R>(row: &'r R) -> sqlx::Result<ArticleRecord>
where
    R: Row,
    &'r str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let language: String = row.try_get("language")?;
    let topics: Option<String> = row.try_get("topic_slugs")?;
    let mut topics: Vec<TopicSlug> = topics
        .unwrap_or_default()
        .split(' ')
        .filter_map(TopicSlug::parse)
        .collect();
    topics.sort();
    Ok(ArticleRecord {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        lead: row.try_get("lead")?,
        body: Rich::from_stored(
            row.try_get::<String, _>("body")?,
            row.try_get::<Option<String>, _>("body_marks")?.as_deref(),
        ),
        language: Language::parse(&language).unwrap_or(Language::En),
        url: row.try_get("url")?,
        original_url: row.try_get("original_url")?,
        photo: photo_from_row(row)?,
        photo_caption: row.try_get("photo_caption")?,
        photo_credit: row.try_get("photo_credit")?,
        published_at: stamp(row, "published_at")?.unwrap_or_default(),
        updated_at: stamp(row, "updated_at")?,
        retracted_at: stamp(row, "retracted_at")?,
        retraction_reason: row.try_get("retraction_reason")?,
        version: row.try_get("version")?,
        topics,
        status: status_from_stored(&row.try_get::<String, _>("status")?),
        publish_at: row.try_get("publish_at")?,
        pair_id: row.try_get("pair_id")?,
        label: row
            .try_get::<Option<String>, _>("label")?
            .map(|text| Label {
                text,
                position: LabelPosition::from_stored(
                    &row.try_get::<String, _>("label_position")
                        .unwrap_or_default(),
                ),
            }),
    })
}

/// The articles of `rows`, in the order of `ids` (a search's order; the database returns
/// them in its own).
pub(super) fn articles_in_order_of<'r, R>(
    rows: &'r [R],
    ids: &[i64],
) -> sqlx::Result<Vec<ArticleRecord>>
where
    R: Row,
    &'r str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let mut articles = rows
        .iter()
        .map(article_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    articles.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
    Ok(articles)
}
