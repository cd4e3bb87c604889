//! Platform adapters, and the only part of herald that may name a chat framework's types.
//!
//! Inbound, an adapter turns a platform message into an [`Invocation`](crate::app::Invocation)
//! and renders the app's [`Reply`]. Outbound, it implements [`Outbound`] for the delivery
//! engine and sorts every failure into a [`SendError`] class, so the engine can decide what to
//! do without knowing which platform answered.

pub mod console;
pub mod memory;

use std::time::Duration;

use async_trait::async_trait;

use crate::app::Reply;
use crate::domain::{ChatKind, Language, Platform, TimeZoneName};
use crate::render::layout::Layout;

/// A chat as the delivery engine addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// herald's own chat id.
    pub chat_id: i64,
    pub platform: Platform,
    /// The platform's id for the chat.
    pub native_id: String,
    pub kind: ChatKind,
    pub language: Language,
    pub time_zone: TimeZoneName,
}

/// Why a send, edit or delete did not happen. The engine's whole retry policy branches on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The platform asked to wait (Telegram 429, Matrix M_LIMIT_EXCEEDED). Not a failure: the
    /// delivery is rescheduled without counting an attempt. `global` means the whole account
    /// must wait, not just this chat.
    #[error("rate limited: retry after {after:?}")]
    RetryAfter { after: Duration, global: bool },
    /// The chat has a new id (a Telegram group upgraded to a supergroup); resend there.
    #[error("chat moved to {0}")]
    ChatMoved(String),
    /// herald can no longer post there (blocked, kicked, chat deleted).
    #[error("chat gone: {0}")]
    ChatGone(String),
    /// Worth retrying later: 5xx, timeouts, dropped connections.
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying will not help (the message was refused as it is).
    #[error("permanent: {0}")]
    Permanent(String),
    /// Deleting is no longer allowed (too old, or not supported): replace the copy instead.
    #[error("cannot delete: {0}")]
    NotDeletable(String),
}

/// What a platform is asked to show: the platform-neutral reply every platform can render and,
/// for an article, its full layout (photo, legal label, footnotes, splitting hints), which
/// rich platforms render with `render::telegram` or `render::matrix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub reply: Reply,
    pub article: Option<Layout>,
}

impl From<Reply> for Post {
    fn from(reply: Reply) -> Post {
        Post {
            reply,
            article: None,
        }
    }
}

/// What the delivery engine needs from a platform. Implementations make exactly one request
/// per call (or one per part of a split message) and never retry or sleep on their own:
/// pacing and retries belong to the engine.
#[async_trait]
pub trait Outbound: Send + Sync {
    /// Sends a new message; returns the platform's ids of every message it took.
    async fn send(&self, to: &Destination, post: &Post) -> Result<Vec<String>, SendError>;
    /// Replaces the content of a sent copy.
    async fn edit(
        &self,
        to: &Destination,
        message_ids: &[String],
        post: &Post,
    ) -> Result<(), SendError>;
    /// Removes a sent copy.
    async fn delete(&self, to: &Destination, message_ids: &[String]) -> Result<(), SendError>;
}
