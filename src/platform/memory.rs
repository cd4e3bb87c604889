//! An in-process platform for tests and benchmarks: it keeps every chat's messages, records
//! each call with the engine's clock, and plays scripted faults. No network, no framework.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::clock::Clock;
use crate::delivery::{Destination, Outbound, Part, Post, SendError, only_part};
use crate::render::layout::Layout;
use crate::render::plain;

/// One call the platform received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// When the call was made, on the platform's clock.
    pub at_ms: i64,
    /// The chat it addressed.
    pub chat: String,
    /// What was asked.
    pub kind: CallKind,
    /// The text sent or edited in (empty for deletions).
    pub text: String,
    /// What the call answered: `Ok` or the error it played.
    pub result: Result<(), SendError>,
}

/// What a call to the platform asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// A new message.
    Send,
    /// A change to a sent message.
    Edit,
    /// A removal of a sent message.
    Delete,
}

/// A message as a chat shows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The id the platform gave it.
    pub id: String,
    /// Its text as the plain renderer shows it (after the latest edit).
    pub text: String,
    /// The article layout the engine handed over, for rich platforms to render.
    pub layout: Option<Layout>,
    /// How many times it was edited.
    pub edits: u32,
    /// Whether it was removed.
    pub deleted: bool,
}

#[derive(Default)]
struct State {
    next_id: u64,
    chats: HashMap<String, Vec<Message>>,
    calls: Vec<Call>,
    /// Faults played once each, in order, per chat.
    scripted: HashMap<String, VecDeque<SendError>>,
    /// Faults played on every call to the chat.
    always: HashMap<String, SendError>,
}

/// See the module docs. Cheap to share behind an `Arc`.
pub struct MemoryPlatform {
    clock: Clock,
    latency: Duration,
    /// Calls now waiting out `latency`: tests with a held clock advance it only once a call
    /// is really waiting, however slowly the database work before it ran.
    waiting: Arc<AtomicUsize>,
    state: Mutex<State>,
}

impl MemoryPlatform {
    /// A platform that answers at once, with no faults, on `clock`.
    pub fn new(clock: Clock) -> MemoryPlatform {
        MemoryPlatform {
            clock,
            latency: Duration::ZERO,
            waiting: Arc::default(),
            state: Mutex::new(State::default()),
        }
    }

    /// Every call takes this long (with tokio's clock) before answering.
    pub fn with_latency(mut self, latency: Duration) -> MemoryPlatform {
        self.latency = latency;
        self
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next calls to `chat` answer these errors, one each.
    pub fn fail_next(&self, chat: &str, errors: impl IntoIterator<Item = SendError>) {
        self.state()
            .scripted
            .entry(chat.to_string())
            .or_default()
            .extend(errors);
    }

    /// Every call to `chat` answers `error` (until `clear`).
    pub fn fail_always(&self, chat: &str, error: SendError) {
        self.state().always.insert(chat.to_string(), error);
    }

    /// Forgets what `chat` received (a test's fresh start).
    pub fn clear(&self, chat: &str) {
        self.state().always.remove(chat);
    }

    /// The chat's messages, deleted ones included (marked).
    pub fn messages(&self, chat: &str) -> Vec<Message> {
        self.state().chats.get(chat).cloned().unwrap_or_default()
    }

    /// How many calls are waiting out the latency right now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Every call made so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// Successful sends, all chats.
    pub fn delivered(&self) -> usize {
        self.state()
            .calls
            .iter()
            .filter(|c| c.kind == CallKind::Send && c.result.is_ok())
            .count()
    }

    fn answer(&self, chat: &str, kind: CallKind, text: String) -> Result<(), SendError> {
        let mut state = self.state();
        let fault = state
            .scripted
            .get_mut(chat)
            .and_then(VecDeque::pop_front)
            .or_else(|| state.always.get(chat).cloned());
        let result = fault.map_or(Ok(()), Err);
        state.calls.push(Call {
            at_ms: self.clock.now_ms(),
            chat: chat.to_string(),
            kind,
            text,
            result: result.clone(),
        });
        result
    }

    async fn wait(&self) {
        if !self.latency.is_zero() {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let _done = Waiting(Arc::clone(&self.waiting));
            tokio::time::sleep(self.latency).await;
        }
    }
}

/// Counts a call out of `waiting` when its wait ends or is abandoned (a timeout drops it).
struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl Outbound for MemoryPlatform {
    async fn send_part(
        &self,
        to: &Destination,
        post: &Post,
        part: usize,
    ) -> Result<Part, SendError> {
        only_part(part)?;
        self.wait().await;
        self.answer(&to.native_id, CallKind::Send, plain::render(&post.reply))?;
        let mut state = self.state();
        state.next_id += 1;
        let id = state.next_id.to_string();
        let message = Message {
            id: id.clone(),
            text: plain::render(&post.reply),
            layout: post.article.clone(),
            edits: 0,
            deleted: false,
        };
        state
            .chats
            .entry(to.native_id.clone())
            .or_default()
            .push(message);
        Ok(Part {
            ids: vec![id],
            last: true,
        })
    }

    async fn edit(
        &self,
        to: &Destination,
        message_ids: &[String],
        post: &Post,
    ) -> Result<(), SendError> {
        self.wait().await;
        self.answer(&to.native_id, CallKind::Edit, plain::render(&post.reply))?;
        let mut state = self.state();
        let messages = state.chats.entry(to.native_id.clone()).or_default();
        let message = messages
            .iter_mut()
            .find(|m| message_ids.contains(&m.id) && !m.deleted)
            .ok_or_else(|| SendError::Permanent("message to edit not found".into()))?;
        message.text = plain::render(&post.reply);
        message.layout = post.article.clone();
        message.edits += 1;
        Ok(())
    }

    async fn delete(
        &self,
        to: &Destination,
        message_ids: &[String],
        _reason: &str,
    ) -> Result<(), SendError> {
        self.wait().await;
        self.answer(&to.native_id, CallKind::Delete, String::new())?;
        let mut state = self.state();
        for message in state.chats.entry(to.native_id.clone()).or_default() {
            if message_ids.contains(&message.id) {
                message.deleted = true;
            }
        }
        Ok(())
    }
}
