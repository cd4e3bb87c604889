//! What users do that reaches the bot as updates: messages (with formatting, as replies, in
//! forum topics), photos and image files with a caption, and edits of their messages.

use serde_json::{Value, json};

use super::{ApiError, Kind, Sim, bad};
use crate::files::FileKind;

/// A user's message.
#[derive(Debug, Clone, Default)]
pub struct UserMessage<'a> {
    /// The text, or the caption of a photo or file.
    pub text: &'a str,
    /// Its formatting as Telegram's JSON (offsets in UTF-16 code units).
    pub entities: Option<Value>,
    /// The id of the chat's message it replies to.
    pub reply_to: Option<i64>,
    /// The forum topic.
    pub thread: Option<i64>,
    /// A photo, sent as Telegram's clients send one.
    pub photo: Option<Vec<u8>>,
    /// A file sent as a document: its bytes and MIME type.
    pub document: Option<(Vec<u8>, String)>,
}

pub(super) fn user(from: i64) -> Value {
    json!({"id": from, "is_bot": false, "first_name": format!("user {from}"), "language_code": "en"})
}

impl Sim {
    /// A user writes to the bot: an update for getUpdates.
    pub fn user_message(&mut self, chat_id: i64, from: i64, text: &str) -> Result<(), ApiError> {
        self.user_message_in(chat_id, None, from, text)
    }

    /// A user's message, in a forum topic when `thread` is given.
    pub fn user_message_in(
        &mut self,
        chat_id: i64,
        thread: Option<i64>,
        from: i64,
        text: &str,
    ) -> Result<(), ApiError> {
        let message = UserMessage {
            text,
            thread,
            ..UserMessage::default()
        };
        self.user_sends(chat_id, from, message).map(|_| ())
    }

    /// A user's message of any kind; returns its id.
    pub fn user_sends(
        &mut self,
        chat_id: i64,
        from: i64,
        sent: UserMessage<'_>,
    ) -> Result<i64, ApiError> {
        if !self.chats.contains_key(&chat_id) {
            return Err(bad("chat not found"));
        }
        let date = self.now_ms() / 1000;
        let id = 1_000_000 + self.next_update;
        let mut message = json!({"message_id": id, "date": date, "from": user(from)});
        // A photo or file carries its text as a caption.
        let (text_key, entities_key) = if sent.photo.is_some() || sent.document.is_some() {
            ("caption", "caption_entities")
        } else {
            ("text", "entities")
        };
        if !sent.text.is_empty() || text_key == "text" {
            message[text_key] = json!(sent.text);
        }
        if let Some(entities) = sent.entities {
            message[entities_key] = entities;
        }
        if let Some(bytes) = sent.photo {
            message["photo"] = self.photo_sizes(bytes);
        }
        if let Some((bytes, mime)) = sent.document {
            let size = bytes.len();
            let file_id = self.files.add(FileKind::Document, bytes);
            let unique = self.files.get(&file_id).map(|f| f.unique_id.clone());
            message["document"] = json!({
                "file_id": file_id, "file_unique_id": unique, "file_size": size,
                "file_name": "image", "mime_type": mime,
            });
        }
        let chat = &self.chats[&chat_id];
        message["chat"] = Sim::chat_json(chat);
        if let Some(replied) = sent.reply_to {
            let original = chat
                .messages
                .iter()
                .find(|m| m.message_id == replied)
                .ok_or_else(|| bad("message to be replied not found"))?;
            message["reply_to_message"] = Sim::message_json(chat, original);
        }
        if let Some(thread) = sent.thread {
            message["message_thread_id"] = json!(thread);
            message["is_topic_message"] = json!(true);
        }
        let key = if chat.kind == Kind::Channel {
            // Channel posts come from the channel itself.
            message.as_object_mut().map(|m| m.remove("from"));
            message["sender_chat"] = Sim::chat_json(chat);
            "channel_post"
        } else {
            "message"
        };
        self.queue(key, message);
        Ok(id)
    }

    /// A photo as Telegram's clients deliver one: a small preview and the photo itself, each
    /// a file of its own (the preview is the same bytes here; a bot takes the largest).
    fn photo_sizes(&mut self, bytes: Vec<u8>) -> Value {
        let size = bytes.len();
        let small = self.files.add(FileKind::Photo, bytes.clone());
        let large = self.files.add(FileKind::Photo, bytes);
        let sizes: Vec<Value> = [(small, 90, 68), (large, 1280, 960)]
            .into_iter()
            .map(|(id, width, height)| {
                let unique = self.files.get(&id).map(|f| f.unique_id.clone());
                json!({"file_id": id, "file_unique_id": unique, "file_size": size,
                       "width": width, "height": height})
            })
            .collect();
        json!(sizes)
    }

    /// A user edits their message `message_id` of `chat_id` to read `text` (an
    /// `edited_message` update).
    pub fn user_edit(
        &mut self,
        chat_id: i64,
        from: i64,
        message_id: i64,
        text: &str,
    ) -> Result<(), ApiError> {
        let chat = self
            .chats
            .get(&chat_id)
            .ok_or_else(|| bad("chat not found"))?;
        let date = self.now_ms() / 1000;
        let message = json!({
            "message_id": message_id, "date": date, "edit_date": date, "chat": Sim::chat_json(chat),
            "from": user(from), "text": text,
        });
        self.queue("edited_message", message);
        Ok(())
    }

    pub(super) fn queue(&mut self, key: &str, message: Value) {
        self.updates
            .push_back(json!({"update_id": self.next_update, key: message}));
        self.next_update += 1;
    }
}
