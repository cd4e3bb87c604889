//! Updates from Telegram, by long polling or webhook, turned into the app's invocations.
//!
//! Commands are answered through [`App::submit`], so replies take the engine's reply lane and
//! share its rate budget. Updates are handled one at a time, in Telegram's order, which keeps
//! each chat's commands in the order they were written.

use std::time::Duration;

use anyhow::Context;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, ChatMemberUpdated, Update, UpdateKind, User};
use tokio_util::sync::CancellationToken;

use super::Telegram;
use super::directory::{chat_kind, chat_title};
use super::ids::Address;
use super::{attachment, entities, inline};
use crate::app::{App, Arrival, ChatInfo, Invocation, Sender};
use crate::domain::{ChatLoss, Language, Platform};

/// How long one getUpdates waits for news (below the HTTP client's 17 s timeout).
const POLL_SECONDS: u32 = 10;

/// The update kinds herald acts on; Telegram sends nothing else.
pub fn allowed_updates() -> Vec<AllowedUpdate> {
    vec![
        AllowedUpdate::Message,
        AllowedUpdate::EditedMessage,
        AllowedUpdate::ChannelPost,
        AllowedUpdate::EditedChannelPost,
        AllowedUpdate::CallbackQuery,
        AllowedUpdate::MyChatMember,
        AllowedUpdate::InlineQuery,
    ]
}

/// Turns updates into app calls.
#[derive(Clone)]
pub struct Inbound {
    telegram: Telegram,
    app: App,
}

impl Inbound {
    /// The update handler, answering through `app`.
    pub fn new(telegram: Telegram, app: App) -> Inbound {
        Inbound { telegram, app }
    }

    /// Handles one update, polled or pushed to the webhook; failures are logged, never fatal:
    /// one bad update must not stop the others.
    pub async fn handle(&self, update: Update, arrival: Arrival) {
        let id = i64::from(update.id.0);
        let handled = self
            .app
            .once(Platform::Telegram, id, arrival, self.handle_new(update))
            .await;
        if let Err(error) = handled {
            tracing::error!(
                update = id,
                error = format!("{error:#}"),
                "could not record a Telegram update"
            );
        }
    }

    async fn handle_new(&self, update: Update) {
        let result = match update.kind {
            UpdateKind::Message(m) | UpdateKind::ChannelPost(m) => self.message(&m, false).await,
            // An edited /post corrects its article (see `app::edits`).
            UpdateKind::EditedMessage(m) | UpdateKind::EditedChannelPost(m) => {
                self.message(&m, true).await
            }
            UpdateKind::CallbackQuery(q) => self.button(q).await,
            UpdateKind::MyChatMember(change) => self.membership(change).await,
            // Answered beside the updates that follow: a search must not hold up the next
            // command, and Telegram waits ten seconds at most for it.
            UpdateKind::InlineQuery(query) => {
                tokio::spawn(inline::answer(
                    self.telegram.clone(),
                    self.app.clone(),
                    query,
                ));
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(error) = result {
            tracing::error!(
                update = update.id.0,
                error = format!("{error:#}"),
                "could not handle a Telegram update"
            );
        }
    }

    async fn message(&self, m: &Message, edited: bool) -> anyhow::Result<()> {
        // A group upgraded to a supergroup: the old id is dead from now on, so its
        // subscriptions and queued deliveries move before the next send would meet a 400.
        // Both service messages (old group and new) say it; the second finds nothing to move.
        let moved = match (m.migrate_to_chat_id(), m.migrate_from_chat_id()) {
            (Some(to), _) => Some((m.chat.id, *to)),
            (_, Some(from)) => Some((*from, m.chat.id)),
            _ => None,
        };
        if let Some((from, to)) = moved {
            return self
                .app
                .chat_moved(Platform::Telegram, &from.0.to_string(), &to.0.to_string())
                .await
                .context("following an upgraded group");
        }
        // A photo or image file sent with `/post …` as its caption publishes with it.
        let Some(text) = m.text().or(m.caption()) else {
            return Ok(());
        };
        if !self.addressed_to_me(text) {
            return Ok(());
        }
        let thread = m.thread_id.filter(|_| m.is_topic_message).map(|t| t.0.0);
        let sender = match (&m.from, &m.sender_chat) {
            // An anonymous admin or the channel itself writes as the chat.
            (_, Some(chat)) => Sender {
                native_id: chat.id.0.to_string(),
                display_name: chat_title(chat),
                language: None,
            },
            (Some(user), None) => sender(user),
            (None, None) => return Ok(()),
        };
        let invocation = Invocation {
            platform: Platform::Telegram,
            chat: ChatInfo {
                native_id: Address {
                    chat: m.chat.id.0,
                    thread,
                }
                .native_id(),
                kind: chat_kind(&m.chat),
                title: chat_title(&m.chat),
            },
            sender,
            text: text.to_string(),
            marks: entities::marks(
                text,
                m.entities().or(m.caption_entities()).unwrap_or_default(),
            ),
            reply_to: m.reply_to_message().map(|r| r.id.0.to_string()),
            message_id: Some(m.id.0.to_string()),
            edited,
            photo: attachment::of(&self.telegram.bot, m),
        };
        self.app
            .submit(&invocation)
            .await
            .context("answering a message")?;
        Ok(())
    }

    /// A pressed inline button runs its command as if the presser had typed it.
    async fn button(&self, query: CallbackQuery) -> anyhow::Result<()> {
        // Answer first so the client stops its spinner; the reply follows as a message.
        if let Err(error) = self
            .telegram
            .bot
            .answer_callback_query(query.id.clone())
            .await
        {
            tracing::warn!(%error, "could not answer a button press");
        }
        let (Some(data), Some(message)) = (query.data, query.message) else {
            return Ok(());
        };
        let thread = message
            .regular_message()
            .filter(|m| m.is_topic_message)
            .and_then(|m| m.thread_id)
            .map(|t| t.0.0);
        let chat = message.chat();
        let invocation = Invocation {
            platform: Platform::Telegram,
            chat: ChatInfo {
                native_id: Address {
                    chat: chat.id.0,
                    thread,
                }
                .native_id(),
                kind: chat_kind(chat),
                title: chat_title(chat),
            },
            sender: sender(&query.from),
            text: data,
            marks: Vec::new(),
            reply_to: None,
            message_id: None,
            edited: false,
            photo: None,
        };
        self.app
            .submit_pressed(&invocation, &message.id().0.to_string())
            .await
            .context("answering a button")?;
        Ok(())
    }

    /// herald added to, promoted in, or removed from a chat (or blocked by a user).
    async fn membership(&self, change: ChatMemberUpdated) -> anyhow::Result<()> {
        let chat = ChatInfo {
            native_id: change.chat.id.0.to_string(),
            kind: chat_kind(&change.chat),
            title: chat_title(&change.chat),
        };
        let member = &change.new_chat_member;
        if member.is_present() {
            tracing::info!(chat = %chat.native_id, status = ?member.status(), "herald is in a chat");
            self.app.chat_joined(Platform::Telegram, &chat).await
        } else {
            let by = match &change.from.username {
                Some(name) => format!("@{name}"),
                None => format!("{} ({})", change.from.full_name(), change.from.id),
            };
            let loss = ChatLoss::Removed {
                by,
                banned: member.is_banned(),
                note: None,
            };
            let reason = loss.to_string();
            self.app
                .chat_left(Platform::Telegram, &chat.native_id, &reason)
                .await
        }
    }

    /// A command with `@name` is for the bot of that name only (groups hold several bots).
    fn addressed_to_me(&self, text: &str) -> bool {
        let first = text.split_whitespace().next().unwrap_or("");
        match first.split_once('@') {
            Some((_, name)) if first.starts_with('/') => {
                name.eq_ignore_ascii_case(self.telegram.username())
            }
            _ => true,
        }
    }

    /// Long polling until `shutdown`. A webhook left over from an earlier run is removed
    /// first, since Telegram refuses getUpdates while one is set.
    pub async fn poll(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let bot = &self.telegram.bot;
        bot.delete_webhook()
            .await
            .context("removing the webhook before long polling")?;
        let mut offset: i32 = 0;
        let mut failures: u32 = 0;
        loop {
            let request = bot
                .get_updates()
                .offset(offset)
                .timeout(POLL_SECONDS)
                .allowed_updates(allowed_updates());
            let answer = tokio::select! {
                answer = request.send() => answer,
                () = shutdown.cancelled() => return Ok(()),
            };
            match answer {
                Ok(updates) => {
                    failures = 0;
                    for update in updates {
                        offset = offset.max(update.id.0 as i32 + 1);
                        self.handle(update, Arrival::Polled).await;
                    }
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    let wait = Duration::from_secs(u64::from(failures.min(5)) * 2);
                    tracing::warn!(%error, ?wait, "getUpdates failed; polling again");
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = shutdown.cancelled() => return Ok(()),
                    }
                }
            }
        }
    }
}

fn sender(user: &User) -> Sender {
    Sender {
        native_id: user.id.0.to_string(),
        display_name: user.full_name(),
        language: user.language_code.as_deref().and_then(Language::parse),
    }
}
