//! The simulated Telegram: chats, their messages and the bot's standing in each, the update
//! queue, the flood limits, and statistics. Every Bot API method is a function here returning
//! Telegram's result or Telegram's error.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Value, json};

mod inline;
mod users;
pub use inline::{ANSWER_WINDOW_MS, InlineAnswer, InlineQueries, InlineQuery};
pub use users::UserMessage;

use crate::files::Files;
use crate::html;
use crate::limits::{Limiter, Limits};

/// A Bot API error: code, description and optional parameters, as Telegram sends them.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub description: String,
    pub parameters: Option<Value>,
}

pub(crate) fn bad(description: &str) -> ApiError {
    ApiError {
        code: 400,
        description: format!("Bad Request: {description}"),
        parameters: None,
    }
}

fn forbidden(description: &str) -> ApiError {
    ApiError {
        code: 403,
        description: format!("Forbidden: {description}"),
        parameters: None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Private,
    Group,
    Supergroup,
    Channel,
}

impl Kind {
    pub fn parse(value: &str) -> Option<Kind> {
        Some(match value {
            "private" => Kind::Private,
            "group" => Kind::Group,
            "supergroup" => Kind::Supergroup,
            "channel" => Kind::Channel,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Private => "private",
            Kind::Group => "group",
            Kind::Supergroup => "supergroup",
            Kind::Channel => "channel",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Message {
    pub message_id: i64,
    pub date: i64,
    /// What the chat shows (after HTML parsing).
    pub text: String,
    /// The text as the bot sent it (HTML when `parse_mode` was HTML): the formatting it asked
    /// for.
    pub sent: String,
    pub photo: Option<String>,
    /// The forum topic it was posted in.
    pub thread: Option<i64>,
    /// The inline keyboard: rows of (label, callback data).
    pub buttons: Vec<Vec<(String, String)>>,
    /// Earlier texts, oldest first (the full history of edits).
    pub history: Vec<String>,
    pub edits: u32,
    /// Sent as a paid broadcast (`allow_paid_broadcast`).
    pub paid: bool,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct Chat {
    pub id: i64,
    pub kind: Kind,
    pub title: String,
    /// The bot can post here (member of a group, admin of a channel, not blocked).
    pub reachable: bool,
    /// A group upgraded to a supergroup with this id.
    pub migrated_to: Option<i64>,
    pub messages: Vec<Message>,
    /// Users who administer the chat (the bot's own status is `bot_admin`).
    pub admins: std::collections::BTreeSet<i64>,
    pub bot_admin: bool,
    /// A public chat's @name, without the @.
    pub username: Option<String>,
}

/// Faults to inject, for testing how a bot copes.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize, serde::Serialize)]
pub struct Faults {
    /// Share of requests answered 500 (0.0–1.0), before doing anything.
    #[serde(default)]
    pub error_share: f64,
    /// Every request waits this long before it is answered.
    #[serde(default)]
    pub delay_ms: u64,
    /// Share of requests whose answer is lost after the method was carried out: the
    /// connection breaks mid-answer, as when a network drops (a sent message is then sent).
    #[serde(default)]
    pub drop_share: f64,
}

/// A message a bot sends (sendMessage, or sendPhoto with a caption).
pub struct Outgoing<'a> {
    /// The text, or the photo's caption.
    pub text: &'a str,
    /// `parse_mode` is HTML.
    pub html_mode: bool,
    pub photo: Option<String>,
    /// The forum topic.
    pub thread: Option<i64>,
    /// The inline keyboard: rows of (label, callback data).
    pub buttons: Vec<Vec<(String, String)>>,
    /// `allow_paid_broadcast` was set.
    pub paid: bool,
}

/// Counters for tests and people.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    pub requests: u64,
    pub sent: u64,
    /// Messages sent as paid broadcasts.
    pub paid: u64,
    pub edited: u64,
    pub deleted: u64,
    pub rate_limited: u64,
    /// Requests that came while the bot had been told to wait (each one a 429 too).
    pub during_retry_after: u64,
    pub errors: u64,
    /// Answers broken on purpose (fault injection).
    pub dropped: u64,
    /// getUpdates calls made while another was still waiting: two bot instances polling,
    /// which Telegram answers with a 409 Conflict.
    pub poll_conflicts: u64,
}

pub struct Sim {
    pub chats: BTreeMap<i64, Chat>,
    updates: VecDeque<Value>,
    next_update: i64,
    pub limiter: Limiter,
    pub stats: Stats,
    /// Simulated time added to the wall clock (the control API advances it).
    pub offset_ms: i64,
    pub webhook: Option<(String, Option<String>)>,
    /// getUpdates calls waiting for an update now.
    pub polling: usize,
    /// The latest getUpdates call's number: the only one that may still wait.
    pub poll_turn: u64,
    pub faults: Faults,
    /// setMyCommands, by scope type and language code.
    pub commands: BTreeMap<(String, String), Value>,
    /// Users' photos and documents, and bots' uploads.
    pub files: Files,
    /// Inline queries users typed, and the bot's answers.
    pub inline: InlineQueries,
}

pub const BOT_ID: i64 = 7_000_000_001;

fn bot() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "herald", "username": "herald_bot"})
}

/// The bot as a chat member of the given status, with the fields Telegram sends for it.
fn bot_member(status: &str) -> Value {
    match status {
        "administrator" => with_rights(json!({"status": "administrator", "user": bot()})),
        "kicked" => json!({"status": "kicked", "user": bot(), "until_date": 0}),
        other => json!({"status": other, "user": bot()}),
    }
}

/// An administrator's rights, every field Telegram sends for one.
fn with_rights(mut member: Value) -> Value {
    for (right, value) in [
        ("can_be_edited", false),
        ("is_anonymous", false),
        ("can_manage_chat", true),
        ("can_delete_messages", true),
        ("can_manage_video_chats", true),
        ("can_restrict_members", true),
        ("can_promote_members", false),
        ("can_change_info", true),
        ("can_invite_users", true),
        ("can_post_stories", false),
        ("can_edit_stories", false),
        ("can_delete_stories", false),
        ("can_post_messages", true),
        ("can_edit_messages", true),
        ("can_pin_messages", true),
        ("can_manage_topics", false),
    ] {
        member[right] = json!(value);
    }
    member
}

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// What a chat shows for a text: parsed as Telegram HTML, or as it is.
fn shown(text: &str, html_mode: bool) -> Result<String, ApiError> {
    if !html_mode {
        return Ok(text.to_string());
    }
    html::parse(text).map_err(|description| ApiError {
        code: 400,
        description,
        parameters: None,
    })
}

impl Sim {
    pub fn new(limits: Limits) -> Sim {
        Sim {
            chats: BTreeMap::new(),
            updates: VecDeque::new(),
            next_update: 1,
            limiter: Limiter::new(limits),
            stats: Stats::default(),
            offset_ms: 0,
            webhook: None,
            polling: 0,
            poll_turn: 0,
            faults: Faults::default(),
            commands: BTreeMap::new(),
            files: Files::default(),
            inline: InlineQueries::default(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        wall_ms() + self.offset_ms
    }

    fn chat_json(chat: &Chat) -> Value {
        let mut v = match chat.kind {
            Kind::Private => json!({"id": chat.id, "type": "private", "first_name": chat.title}),
            kind => json!({"id": chat.id, "type": kind.as_str(), "title": chat.title}),
        };
        if let Some(name) = &chat.username {
            v["username"] = json!(name);
        }
        v
    }

    /// The id of a chat given as a number or as `@username`.
    pub fn resolve(&self, reference: &str) -> Option<i64> {
        match reference.strip_prefix('@') {
            Some(name) => self
                .chats
                .values()
                .find(|c| c.username.as_deref() == Some(name))
                .map(|c| c.id),
            None => reference.parse().ok(),
        }
    }

    fn message_json(chat: &Chat, m: &Message) -> Value {
        let mut v =
            json!({"message_id": m.message_id, "date": m.date, "chat": Sim::chat_json(chat)});
        if chat.kind == Kind::Channel {
            v["sender_chat"] = Sim::chat_json(chat);
        } else {
            v["from"] = bot();
        }
        if let Some(thread) = m.thread {
            v["message_thread_id"] = json!(thread);
            v["is_topic_message"] = json!(true);
        }
        if !m.buttons.is_empty() {
            let rows: Vec<Vec<Value>> = m
                .buttons
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|(text, data)| json!({"text": text, "callback_data": data}))
                        .collect()
                })
                .collect();
            v["reply_markup"] = json!({"inline_keyboard": rows});
        }
        match &m.photo {
            Some(photo) => {
                v["photo"] = json!([{"file_id": photo, "file_unique_id": format!("u{}", m.message_id), "width": 800, "height": 600}]);
                v["caption"] = json!(m.text);
            }
            None => v["text"] = json!(m.text),
        }
        v
    }

    pub fn add_chat(&mut self, id: i64, kind: Kind, title: &str) {
        self.chats.insert(
            id,
            Chat {
                id,
                kind,
                title: title.into(),
                reachable: true,
                migrated_to: None,
                messages: Vec::new(),
                admins: Default::default(),
                // A channel admits a bot only as an administrator that may post.
                bot_admin: kind == Kind::Channel,
                username: None,
            },
        );
    }

    /// `by` upgrades group `old` to a supergroup with id `new`, as Telegram does it: the old
    /// id answers sends with migrate_to_chat_id from now on, and the bot gets the two service
    /// messages (`migrate_to_chat_id` in the old group, `migrate_from_chat_id` in the new).
    pub fn upgrade_group(&mut self, old: i64, new: i64, by: i64) -> Result<(), ApiError> {
        let chat = self
            .chats
            .get_mut(&old)
            .ok_or_else(|| bad("chat not found"))?;
        chat.migrated_to = Some(new);
        let (title, admins) = (chat.title.clone(), chat.admins.clone());
        let old_json = Sim::chat_json(&self.chats[&old]);
        self.add_chat(new, Kind::Supergroup, &title);
        if let Some(chat) = self.chats.get_mut(&new) {
            chat.admins = admins;
        }
        let new_json = Sim::chat_json(&self.chats[&new]);
        let date = self.now_ms() / 1000;
        let from = json!({"id": by, "is_bot": false, "first_name": format!("user {by}")});
        for (chat, field, other) in [
            (old_json, "migrate_to_chat_id", new),
            (new_json, "migrate_from_chat_id", old),
        ] {
            let message = json!({
                "message_id": 1_000_000 + self.next_update, "date": date, "chat": chat,
                "from": from, field: other,
            });
            self.updates
                .push_back(json!({"update_id": self.next_update, "message": message}));
            self.next_update += 1;
        }
        Ok(())
    }

    /// A user presses an inline button under one of the bot's messages: a callback_query update.
    pub fn press_button(
        &mut self,
        chat_id: i64,
        message_id: i64,
        from: i64,
        data: &str,
    ) -> Result<(), ApiError> {
        let chat = self
            .chats
            .get(&chat_id)
            .ok_or_else(|| bad("chat not found"))?;
        let message = chat
            .messages
            .iter()
            .find(|m| m.message_id == message_id)
            .ok_or_else(|| bad("message not found"))?;
        let query = json!({
            "id": format!("{}", self.next_update), "chat_instance": format!("{chat_id}"), "data": data,
            "from": {"id": from, "is_bot": false, "first_name": format!("user {from}"), "language_code": "en"},
            "message": Sim::message_json(chat, message),
        });
        self.updates
            .push_back(json!({"update_id": self.next_update, "callback_query": query}));
        self.next_update += 1;
        Ok(())
    }

    /// getUpdates: confirms everything before `offset`, returns up to `limit` updates.
    pub fn get_updates(&mut self, offset: Option<i64>, limit: usize) -> Value {
        if let Some(offset) = offset {
            while self
                .updates
                .front()
                .is_some_and(|u| u["update_id"].as_i64() < Some(offset))
            {
                self.updates.pop_front();
            }
        }
        Value::Array(
            self.updates
                .iter()
                .take(limit.clamp(1, 100))
                .cloned()
                .collect(),
        )
    }

    /// The bot's membership changed: a my_chat_member update, as Telegram sends it.
    pub fn bot_status(&mut self, chat_id: i64, status: &str, by: i64) -> Result<(), ApiError> {
        let chat = self
            .chats
            .get_mut(&chat_id)
            .ok_or_else(|| bad("chat not found"))?;
        let old = if !chat.reachable {
            "kicked"
        } else if chat.bot_admin {
            "administrator"
        } else {
            "member"
        };
        chat.reachable = status != "kicked" && status != "left";
        chat.bot_admin = status == "administrator";
        let chat_json = Sim::chat_json(chat);
        let date = self.now_ms() / 1000;
        self.updates
            .push_back(json!({"update_id": self.next_update, "my_chat_member": {
                "chat": chat_json, "date": date,
                "from": {"id": by, "is_bot": false, "first_name": format!("user {by}")},
                "old_chat_member": bot_member(old),
                "new_chat_member": bot_member(status),
            }}));
        self.next_update += 1;
        Ok(())
    }

    /// getChatMember: the bot's or a user's standing in a chat.
    pub fn chat_member(&self, chat_id: i64, user_id: i64) -> Result<Value, ApiError> {
        let chat = self
            .chats
            .get(&chat_id)
            .ok_or_else(|| bad("chat not found"))?;
        if user_id == BOT_ID {
            let status = if !chat.reachable {
                "kicked"
            } else if chat.bot_admin {
                "administrator"
            } else {
                "member"
            };
            let member = json!({"status": status, "user": bot()});
            return Ok(match status {
                "administrator" => with_rights(member),
                "kicked" => json!({"status": "kicked", "user": bot(), "until_date": 0}),
                _ => member,
            });
        }
        let user = json!({"id": user_id, "is_bot": false, "first_name": format!("user {user_id}")});
        Ok(if chat.admins.contains(&user_id) {
            with_rights(json!({"status": "administrator", "user": user}))
        } else {
            json!({"status": "member", "user": user})
        })
    }

    pub fn administrators(&self, chat_id: i64) -> Result<Value, ApiError> {
        let chat = self
            .chats
            .get(&chat_id)
            .ok_or_else(|| bad("chat not found"))?;
        Ok(Value::Array(
            chat.admins
                .iter()
                .filter_map(|id| self.chat_member(chat_id, *id).ok())
                .collect(),
        ))
    }

    pub fn leave(&mut self, chat_id: i64) -> Result<Value, ApiError> {
        let chat = self
            .chats
            .get_mut(&chat_id)
            .ok_or_else(|| bad("chat not found"))?;
        chat.reachable = false;
        Ok(json!(true))
    }

    /// Takes the oldest pending update (for webhook delivery).
    pub fn pop_update(&mut self) -> Option<Value> {
        self.updates.pop_front()
    }

    /// Puts an update back at the front after a failed webhook delivery.
    pub fn unpop_update(&mut self, update: Value) {
        self.updates.push_front(update);
    }

    pub fn has_updates(&self) -> bool {
        !self.updates.is_empty()
    }

    /// The chat a bot may post to, or the error Telegram gives.
    fn reachable(&self, chat_id: i64) -> Result<&Chat, ApiError> {
        let chat = self
            .chats
            .get(&chat_id)
            .ok_or_else(|| bad("chat not found"))?;
        if let Some(to) = chat.migrated_to {
            let mut e = bad("group chat was upgraded to a supergroup chat");
            e.parameters = Some(json!({"migrate_to_chat_id": to}));
            return Err(e);
        }
        if !chat.reachable {
            return Err(forbidden(match chat.kind {
                Kind::Private => "bot was blocked by the user",
                Kind::Group => "bot was kicked from the group chat",
                Kind::Supergroup => "bot was kicked from the supergroup chat",
                Kind::Channel => "bot is not a member of the channel chat",
            }));
        }
        Ok(chat)
    }

    fn pace(&mut self, chat: &Chat, paid: bool) -> Result<(), ApiError> {
        let group = chat.kind != Kind::Private;
        let now = self.now_ms();
        let strikes = self.limiter.strikes;
        let admitted = self.limiter.admit(chat.id, group, paid, now);
        self.stats.during_retry_after += self.limiter.strikes - strikes;
        admitted.map_err(|wait| {
            self.stats.rate_limited += 1;
            ApiError {
                code: 429,
                description: format!("Too Many Requests: retry after {wait}"),
                parameters: Some(json!({"retry_after": wait})),
            }
        })
    }

    /// sendMessage / sendPhoto.
    pub fn send(&mut self, chat_id: i64, message: Outgoing<'_>) -> Result<Value, ApiError> {
        let Outgoing {
            text,
            html_mode,
            photo,
            thread,
            buttons,
            paid,
        } = message;
        let chat = self.reachable(chat_id)?.clone();
        let shown = shown(text, html_mode)?;
        match &photo {
            None if shown.trim().is_empty() => return Err(bad("message text is empty")),
            None if html::units(&shown) > 4096 => return Err(bad("message is too long")),
            Some(_) if html::units(&shown) > 1024 => {
                return Err(bad("message caption is too long"));
            }
            _ => {}
        }
        self.pace(&chat, paid)?;
        if paid {
            self.stats.paid += 1;
        }
        let date = self.now_ms() / 1000;
        let entry = self.chats.get_mut(&chat_id).expect("checked above");
        let message = Message {
            message_id: entry.messages.len() as i64 + 1,
            date,
            text: shown,
            sent: text.to_string(),
            photo,
            thread,
            buttons,
            history: Vec::new(),
            edits: 0,
            paid,
            deleted: false,
        };
        entry.messages.push(message);
        self.stats.sent += 1;
        let entry = &self.chats[&chat_id];
        Ok(Sim::message_json(
            entry,
            entry.messages.last().expect("just pushed"),
        ))
    }

    /// editMessageText / editMessageCaption; `buttons`: a new inline keyboard, if given.
    pub fn edit(
        &mut self,
        chat_id: i64,
        message_id: i64,
        text: &str,
        html_mode: bool,
        buttons: Option<Vec<Vec<(String, String)>>>,
    ) -> Result<Value, ApiError> {
        let chat = self.reachable(chat_id)?.clone();
        let shown = shown(text, html_mode)?;
        let message = chat
            .messages
            .iter()
            .find(|m| m.message_id == message_id && !m.deleted)
            .ok_or_else(|| bad("message to edit not found"))?;
        if message.text == shown && buttons.as_ref().is_none_or(|b| *b == message.buttons) {
            return Err(bad(
                "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
            ));
        }
        let limit = if message.photo.is_some() { 1024 } else { 4096 };
        if html::units(&shown) > limit {
            return Err(bad(if limit == 1024 {
                "message caption is too long"
            } else {
                "message is too long"
            }));
        }
        self.pace(&chat, false)?;
        let entry = self.chats.get_mut(&chat_id).expect("checked above");
        let message = entry
            .messages
            .iter_mut()
            .find(|m| m.message_id == message_id)
            .expect("checked above");
        if let Some(buttons) = buttons {
            message.buttons = buttons;
        }
        message.sent = text.to_string();
        let previous = std::mem::replace(&mut message.text, shown);
        message.history.push(previous);
        message.edits += 1;
        self.stats.edited += 1;
        let entry = &self.chats[&chat_id];
        Ok(Sim::message_json(
            entry,
            entry
                .messages
                .iter()
                .find(|m| m.message_id == message_id)
                .expect("exists"),
        ))
    }

    /// deleteMessage: refused for messages older than 48 hours of simulated time.
    pub fn delete(&mut self, chat_id: i64, message_id: i64) -> Result<Value, ApiError> {
        let chat = self.reachable(chat_id)?.clone();
        let message = chat
            .messages
            .iter()
            .find(|m| m.message_id == message_id && !m.deleted)
            .ok_or_else(|| bad("message to delete not found"))?;
        if self.now_ms() / 1000 - message.date > 48 * 3600 {
            return Err(bad("message can't be deleted"));
        }
        self.pace(&chat, false)?;
        let entry = self.chats.get_mut(&chat_id).expect("checked above");
        if let Some(m) = entry
            .messages
            .iter_mut()
            .find(|m| m.message_id == message_id)
        {
            m.deleted = true;
        }
        self.stats.deleted += 1;
        Ok(json!(true))
    }

    /// deleteMessages: one request removes several messages of a chat; ids not found are
    /// skipped, as Telegram does.
    pub fn delete_many(&mut self, chat_id: i64, ids: &[i64]) -> Result<Value, ApiError> {
        let chat = self.reachable(chat_id)?.clone();
        let now = self.now_ms() / 1000;
        let found: Vec<&Message> = chat
            .messages
            .iter()
            .filter(|m| ids.contains(&m.message_id) && !m.deleted)
            .collect();
        if found.iter().any(|m| now - m.date > 48 * 3600) {
            return Err(bad("message can't be deleted"));
        }
        if found.is_empty() {
            return Err(bad("message to delete not found"));
        }
        self.pace(&chat, false)?;
        let entry = self.chats.get_mut(&chat_id).expect("checked above");
        for m in entry.messages.iter_mut() {
            if ids.contains(&m.message_id) && !m.deleted {
                m.deleted = true;
                self.stats.deleted += 1;
            }
        }
        Ok(json!(true))
    }

    pub fn get_me(&self) -> Value {
        json!({"id": BOT_ID, "is_bot": true, "first_name": "herald", "username": "herald_bot",
               "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false, "can_connect_to_business": false, "has_main_web_app": false})
    }

    /// getChat answers a ChatFullInfo: the chat plus the fields Telegram always includes.
    pub fn get_chat(&self, chat_id: i64) -> Result<Value, ApiError> {
        let mut chat = self
            .chats
            .get(&chat_id)
            .map(Sim::chat_json)
            .ok_or_else(|| bad("chat not found"))?;
        chat["accent_color_id"] = json!(0);
        chat["max_reaction_count"] = json!(11);
        chat["accepted_gift_types"] = json!({"unlimited_gifts": false, "limited_gifts": false,
            "unique_gifts": false, "premium_subscription": false});
        Ok(chat)
    }
}
