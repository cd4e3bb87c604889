//! tgsim: a Telegram Bot API simulator for herald's tests and benchmarks.
//!
//! It answers `/bot<token>/<method>` like Telegram — result and error shapes, HTML parse mode
//! and length checks, blocked users, kicked bots, upgraded groups, flood limits with 429 and
//! retry_after — and has a control API to act as users and read what every chat shows.
//!
//! # Layout
//! - [`html`]: Telegram's HTML parse mode and length counting.
//! - [`limits`]: the flood limits and their escalating waits.
//! - [`state`]: chats, messages, updates; one function per Bot API method.
//! - [`files`]: users' photos and documents and bots' uploads, by `file_id`; getFile.
//! - [`server`]: HTTP routes for the Bot API and the control API.

pub mod files;
pub mod html;
pub mod limits;
pub mod server;
pub mod state;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::Notify;

pub use limits::Limits;
pub use state::{InlineAnswer, InlineQuery, Kind, UserMessage};

/// A running simulator.
pub struct Simulator {
    pub addr: SocketAddr,
    pub token: String,
    pub shared: server::Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Simulator {
    /// Starts a simulator on 127.0.0.1 (port 0: any free one).
    pub async fn start(port: u16, token: &str, limits: Limits) -> anyhow::Result<Simulator> {
        let shared = server::Shared {
            sim: Arc::new(Mutex::new(state::Sim::new(limits))),
            updates: Arc::new(Notify::new()),
            token: token.to_string(),
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let app = server::router(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Simulator {
            addr,
            token: token.to_string(),
            shared,
            task,
        })
    }

    /// The Bot API base URL a bot is configured with.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds a chat the bot is in.
    pub fn add_chat(&self, id: i64, kind: Kind, title: &str) {
        self.sim().add_chat(id, kind, title);
    }

    /// The simulator's state, for tests to arrange and inspect directly.
    pub fn sim(&self) -> std::sync::MutexGuard<'_, state::Sim> {
        self.shared.sim.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `act` on the state (which queues an update) and wakes long polls and webhooks.
    pub fn act<T>(
        &self,
        act: impl FnOnce(&mut state::Sim) -> Result<T, state::ApiError>,
    ) -> Result<T, state::ApiError> {
        let done = act(&mut self.sim())?;
        self.shared.updates.notify_waiters();
        server::deliver_webhook(&self.shared);
        Ok(done)
    }

    /// A user writes in a chat (in a forum topic when `thread` is given).
    pub fn user_says(&self, chat: i64, thread: Option<i64>, from: i64, text: &str) {
        self.act(|sim| sim.user_message_in(chat, thread, from, text))
            .unwrap_or_else(|e| panic!("user message to {chat}: {e:?}"));
    }

    /// `from` writes a formatted message: `entities` as Telegram's JSON (UTF-16 offsets).
    /// Returns its id.
    pub fn user_says_formatted(&self, chat: i64, from: i64, text: &str, entities: Value) -> i64 {
        self.user_sends(
            chat,
            from,
            UserMessage {
                text,
                entities: Some(entities),
                ..UserMessage::default()
            },
        )
    }

    /// `from` sends a message of any kind (a photo or file with a caption, a reply…); returns
    /// its id.
    pub fn user_sends(&self, chat: i64, from: i64, message: UserMessage<'_>) -> i64 {
        self.act(|sim| sim.user_sends(chat, from, message))
            .unwrap_or_else(|e| panic!("user message to {chat}: {e:?}"))
    }

    /// `from` edits their message `id` of `chat` to read `text`.
    pub fn user_edits(&self, chat: i64, from: i64, id: i64, text: &str) {
        self.act(|sim| sim.user_edit(chat, from, id, text))
            .unwrap_or_else(|e| panic!("user edit in {chat}: {e:?}"));
    }

    /// `from` answers message `to` of `chat` with `text` (Telegram's reply).
    pub fn user_replies(&self, chat: i64, from: i64, to: i64, text: &str) {
        let reply = UserMessage {
            text,
            reply_to: Some(to),
            ..UserMessage::default()
        };
        self.user_sends(chat, from, reply);
    }

    /// `from` types `@herald_bot query` in some chat, asking for page `offset` ("" the
    /// first); returns the inline query's id.
    pub fn user_inline_query(&self, from: i64, query: &str, offset: &str) -> String {
        self.act(|sim| Ok(sim.user_inline_query(from, query, offset)))
            .unwrap_or_default()
    }

    /// The inline query `id` as asked, and its answer once the bot gave one.
    pub fn inline_query(&self, id: &str) -> Option<InlineQuery> {
        self.sim().inline_query(id)
    }

    /// The messages a chat shows, oldest first.
    pub fn messages(&self, chat: i64) -> Vec<state::Message> {
        self.sim()
            .chats
            .get(&chat)
            .map(|c| c.messages.clone())
            .unwrap_or_default()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}
