//! What a platform adapter hands to the app: one message in one chat from one person.

use crate::domain::{ChatKind, Language, Mark, Platform, Rich};

#[derive(Debug, Clone)]
pub struct Invocation {
    pub platform: Platform,
    pub chat: ChatInfo,
    pub sender: Sender,
    /// The message text as the user wrote it, command prefix included.
    pub text: String,
    /// Its formatting (bold, italic, links) where the platform gives it; an article posted
    /// with it keeps it.
    pub marks: Vec<Mark>,
    /// The platform's id of the message this one replies to, in the same chat: replying to
    /// an article's copy (or to herald's answer about it) with /edit, /retract, /preview or
    /// /article targets that article.
    pub reply_to: Option<String>,
    /// The platform's id of this message, where it has one: an edit of a /post refers to it.
    pub message_id: Option<String>,
    /// This is an edited version of message `message_id`, not a new message.
    pub edited: bool,
    /// The image the message came with (its caption is the command) or answers: a /post
    /// publishes with it.
    pub photo: Option<super::Attachment>,
}

impl Invocation {
    /// The text with its formatting.
    pub fn rich(&self) -> Rich {
        Rich::new(self.text.clone(), self.marks.clone())
    }
}

#[derive(Debug, Clone)]
pub struct ChatInfo {
    /// The platform's id for the chat (Telegram chat id, Matrix room id, ...).
    pub native_id: String,
    pub kind: ChatKind,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct Sender {
    pub native_id: String,
    pub display_name: String,
    /// The language the platform reports for the user; used for a chat's first language.
    pub language: Option<Language>,
}
