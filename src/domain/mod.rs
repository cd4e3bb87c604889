//! Pure types and rules, no I/O: what every layer above may use.
//!
//! Each type parses its input once and is trusted after that. Where a caller needs to tell the
//! user *why* input was refused, `parse` returns a `Result` with an error to branch on
//! (`ArticleDraft`, `ArticlePatch`, `SearchQuery`, `UserRef`); where the only answer is "that is
//! not one" (a topic slug, a language, a time zone, a feed URL, a network), it returns an
//! `Option`, and the command names the input in its own message. The article as published
//! (`ArticleRecord`) and the content hash of feed and CMS dedup live here too, so renderers,
//! the engine and the ingest paths share them without depending on each other.

pub mod alert;
pub mod article;
pub mod chat;
pub mod chat_loss;
pub mod content_hash;
pub mod database_url;
pub mod feed_url;
pub mod footnote;
pub mod label;
pub mod language;
pub mod network;
pub mod photo;
pub mod published;
pub mod rich;
pub mod role;
pub mod schedule;
pub mod search_query;
pub mod text;
pub mod time_zone;
pub mod topic;
pub mod tsearch;
pub mod user;

pub use article::{ArticleDraft, ArticlePatch, DraftError, PhotoSource};
pub use chat::{ChatKind, Platform};
pub use chat_loss::ChatLoss;
pub use content_hash::{content_hash, fnv};
pub use database_url::{DatabaseUrl, DatabaseUrlError};
pub use feed_url::FeedUrl;
pub use footnote::Footnote;
pub use label::{Label, LabelPosition};
pub use language::Language;
pub use network::Network;
pub use photo::{PhotoRef, StoredPhoto};
pub use published::{ArticleRecord, ArticleStatus};
pub use rich::{Mark, Rich, Style};
pub use role::Role;
pub use schedule::{DeliveryMode, QuietHours};
pub use search_query::{IndexVersion, SearchQuery, SearchQueryError};
pub use time_zone::TimeZoneName;
pub use topic::{TopicName, TopicSlug};
pub use user::UserRef;
