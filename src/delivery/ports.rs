//! The ports the delivery engine and the commands call, and the error classes every adapter
//! sorts its platform's failures into, so the engine decides what to do without knowing which
//! platform answered. Adapters under `platform/` implement them; nothing here names a chat
//! framework.

use std::time::Duration;

use async_trait::async_trait;

use crate::domain::{ChatKind, Language, Platform, TimeZoneName};
use crate::message::Reply;
use crate::render::layout::Layout;
use crate::render::post::Reader;

/// A chat as the delivery engine addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// herald's own chat id.
    pub chat_id: i64,
    /// Which adapter performs the call.
    pub platform: Platform,
    /// The platform's id for the chat.
    pub native_id: String,
    /// Private chat, group, channel or room: renderers and limits differ.
    pub kind: ChatKind,
    /// The chat's language, for every text herald adds.
    pub language: Language,
    /// The chat's time zone, for the times shown.
    pub time_zone: TimeZoneName,
    /// Names the delivery this call performs, the same on every retry and after restarts.
    /// Platforms that deduplicate requests by a client-chosen id (Matrix transaction ids)
    /// derive theirs from it, so a send that timed out after the platform took it is not
    /// shown twice when retried.
    pub delivery_key: String,
    /// Send this as a paid broadcast (Telegram's `allow_paid_broadcast`): the engine decided
    /// to pay for it, and paced it in the paid window. Only article sends ever are.
    pub paid: bool,
}

impl Destination {
    /// Who reads what goes there: the chat's language and time zone.
    pub fn reader(&self) -> Reader {
        Reader {
            language: self.language,
            time_zone: self.time_zone,
        }
    }
}

/// Why a send, edit or delete did not happen. The engine's whole retry policy branches on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The platform asked to wait (Telegram 429, Matrix M_LIMIT_EXCEEDED). Not a failure: the
    /// delivery is rescheduled without counting an attempt. `global` means the whole account
    /// must wait, not just this chat.
    #[error("rate limited: retry after {after:?}")]
    RetryAfter {
        /// How long, exactly as the platform said.
        after: Duration,
        /// The whole account waits, not only this chat.
        global: bool,
    },
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
    /// What every platform can show.
    pub reply: Reply,
    /// The article's layout, for platforms that render articles richly.
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

/// One part of a post that takes several messages (a photo, then the rest of the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The platform's ids of the messages this call took.
    pub ids: Vec<String>,
    /// No part follows.
    pub last: bool,
}

/// What the delivery engine needs from a platform. Implementations make exactly one request
/// per call (or one per part of an edit or removal) and never retry on their own: pacing and
/// retries belong to the engine.
#[async_trait]
pub trait Outbound: Send + Sync {
    /// Sends part `part` (from 0) of a post and returns the platform's ids of the messages it
    /// took. The engine calls this once per part, each call paced like a message of its own,
    /// and stores the ids after each, so a post split in several messages never bursts into one
    /// chat and a crash never resends a part that arrived. A platform that shows every post as
    /// one message answers part 0 with `last: true` (see [`only_part`]).
    async fn send_part(
        &self,
        to: &Destination,
        post: &Post,
        part: usize,
    ) -> Result<Part, SendError>;
    /// Replaces the content of a sent copy.
    async fn edit(
        &self,
        to: &Destination,
        message_ids: &[String],
        post: &Post,
    ) -> Result<(), SendError>;
    /// Removes a sent copy; `reason` is the newsroom's, for platforms that keep one with a
    /// removal (Matrix redactions).
    async fn delete(
        &self,
        to: &Destination,
        message_ids: &[String],
        reason: &str,
    ) -> Result<(), SendError>;
    /// Sends every part of a post in turn and returns every id: for callers outside the engine
    /// (tests, tools), which need not pace the parts.
    async fn send(&self, to: &Destination, post: &Post) -> Result<Vec<String>, SendError> {
        let mut ids = Vec::new();
        loop {
            let part = self.send_part(to, post, ids.len()).await?;
            ids.extend(part.ids);
            if part.last {
                return Ok(ids);
            }
        }
    }
}

/// For platforms that show every post as one message: part 0 is all there is.
pub fn only_part(part: usize) -> Result<(), SendError> {
    if part > 0 {
        return Err(SendError::Permanent(format!("no part {part}")));
    }
    Ok(())
}

/// Part `part` of a post's pieces, and whether it is the last.
pub fn take_part<T>(mut pieces: Vec<T>, part: usize) -> Result<(T, bool), SendError> {
    let count = pieces.len();
    if part >= count {
        return Err(SendError::Permanent(format!("no part {part} of {count}")));
    }
    Ok((pieces.swap_remove(part), part + 1 == count))
}

/// A chat herald can no longer post to, as the engine (or an adapter's kick event) names it.
pub struct Gone<'a> {
    /// herald's own chat id.
    pub chat_id: i64,
    /// Which platform the chat is on.
    pub platform: Platform,
    /// The platform's id for the chat, as moderators will read it.
    pub native_id: &'a str,
    /// Only groups, channels and rooms are worth telling moderators about.
    pub kind: ChatKind,
    /// What the platform said, shown in /deliveries and in the notice.
    pub reason: &'a str,
}

/// What the engine reports to the use cases: deactivating a lost chat and telling the
/// newsroom's people are the newsroom's business, not the engine's (the app implements this).
#[async_trait]
pub trait EngineEvents: Send + Sync {
    /// Handles a chat the platform says herald can no longer post to.
    async fn chat_gone(&self, gone: &Gone<'_>) -> anyhow::Result<()>;
    /// The day's paid-broadcast cap was reached on `platform`: sends go at the free rate until
    /// the next day. Called once a day at most.
    async fn paid_cap_reached(&self, platform: Platform, cap: u64) -> anyhow::Result<()>;
}

/// A chat as a platform's directory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatSummary {
    /// The platform's id for the chat.
    pub native_id: String,
    /// Private chat, group, channel or room.
    pub kind: ChatKind,
    /// The chat's title, as its members see it.
    pub title: String,
}

/// Who may do what in a chat, as the platform says right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    /// The asking user administers the chat (or owns it).
    pub user_is_admin: bool,
    /// herald is in the chat and may post there.
    pub bot_can_post: bool,
}

/// Why a directory lookup found no answer; the commands tell the user which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// No such chat, or herald cannot see it.
    #[error("chat not found: {0}")]
    NotFound(String),
    /// The platform did not answer; worth asking again later.
    #[error("platform unavailable: {0}")]
    Unavailable(String),
}

/// What the command layer asks a platform about chats and their admins: moderators link
/// channels by name, and in groups only the group's admins may change its subscriptions.
/// Platforms without such a notion (the console) register none, and nothing is checked.
#[async_trait]
pub trait Directory: Send + Sync {
    /// Finds a chat by a reference a user typed (`@name`, a numeric id, a room alias).
    async fn find_chat(&self, reference: &str) -> Result<ChatSummary, LookupError>;
    /// Whether `user` administers `chat` and whether herald may post there.
    async fn membership(&self, chat: &str, user: &str) -> Result<Membership, LookupError>;
}
