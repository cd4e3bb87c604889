//! An article as herald published it: what every renderer, the delivery engine and the
//! commands read. It lives here, below the store that loads it, so that showing an article never
//! depends on how it is stored.

use chrono::{DateTime, Utc};

use super::{Label, Language, PhotoRef, Rich, TopicSlug};

/// A stored article, in its current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleRecord {
    pub id: i64,
    pub title: String,
    pub lead: String,
    /// With its formatting; articles stored before formatting existed are plain.
    pub body: Rich,
    pub language: Language,
    pub url: Option<String>,
    pub original_url: Option<String>,
    pub photo: Option<PhotoRef>,
    pub photo_caption: Option<String>,
    pub photo_credit: Option<String>,
    pub published_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub retracted_at: Option<DateTime<Utc>>,
    pub retraction_reason: Option<String>,
    pub version: i64,
    pub topics: Vec<TopicSlug>,
    pub label: Option<Label>,
    pub status: ArticleStatus,
    /// Embargo time of a scheduled (or draft) article, ms since the epoch.
    pub publish_at: Option<i64>,
    /// Its translation, if it has one.
    pub pair_id: Option<i64>,
}

/// Where an article is in the editorial workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleStatus {
    /// Waiting for a moderator's /approve.
    Draft,
    /// Approved, waiting for its embargo time.
    Scheduled,
    Published,
}
