//! Use cases: everything herald does for a message, independent of the platform it came from.

mod attachment;
pub mod commands;
pub mod copy_db;
pub mod demo;
mod edits;
mod error;
pub(crate) mod format;
mod inline;
pub mod invocation;
mod photos;
mod progress;
mod publish;
pub mod reindex;
mod updates;
pub use updates::Arrival;
mod wal;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tokio::sync::Notify;

use anyhow::Context;
use rust_i18n::t;

use crate::clock::Clock;
use crate::config::Settings;
use crate::delivery::{Directory, EngineEvents, Gone};
use crate::domain::{ChatKind, Platform, Role};
use crate::message::Reply;
use crate::store::{AuditEntry, AuditOutcome, ChatRecord, NewChat, Signal, Store, UserRecord};
pub use attachment::{AttachedImage, Attachment, AttachmentError, Image};
use commands::Args;
pub use commands::Command;
pub use error::CommandError;
pub use inline::{FRESH_SECONDS as INLINE_FRESH_SECONDS, InlinePage, InlineResult};
pub use invocation::{ChatInfo, Invocation, Sender};
pub use photos::{FetchCheck, PhotoRefusal, PhotoVerdict};
pub use wal::checkpoint_log;

/// The application: settings and storage, shared by every platform adapter and by tests.
#[derive(Clone)]
pub struct App {
    settings: Arc<Settings>,
    store: Store,
    /// The one clock of the process; tests pause and advance it through tokio.
    clock: Clock,
    /// Wakes the delivery engine when a command planned new deliveries.
    wake: Arc<Notify>,
    /// Wakes the publishing worker when an article's planning continues past its first chunk.
    planner: Arc<Notify>,
    /// Each platform's chat directory (admin checks, chat lookup); platforms without one
    /// (the console) have no chat admins to check.
    directories: Arc<RwLock<HashMap<Platform, Arc<dyn Directory>>>>,
    /// How editors' photos are checked when posted; none: not checked.
    fetch_check: Arc<RwLock<Option<Arc<dyn FetchCheck>>>>,
    /// Platform updates being handled now (see `updates`).
    in_flight: Arc<updates::InFlight>,
    /// Inline mode's kept pages and the engine that paces its answers.
    inline: Arc<inline::Inline>,
}

/// Everything a command needs to know about who asked, and where.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub chat: ChatRecord,
    pub user: UserRecord,
    pub role: Role,
    /// The command came from a button under one of herald's messages.
    pub pressed: bool,
    /// The platform's id of the command's message, where it has one.
    pub message: Option<String>,
}

impl Ctx<'_> {
    pub fn store(&self) -> &Store {
        &self.app.store
    }

    pub fn settings(&self) -> &Settings {
        &self.app.settings
    }

    pub fn lang(&self) -> &'static str {
        self.chat.language.code()
    }
}

impl App {
    /// Opens the database in the configured data directory (creating both if needed) and
    /// applies migrations. Tests call this with a fresh directory each.
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        App::build_with_clock(settings, Clock::system()).await
    }

    /// Like [`App::build`], on a given clock.
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<App> {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating data directory {}", settings.data_dir.display()))?;
        let store =
            Store::connect(&settings.database(), settings.search.index_partition, clock).await?;
        Ok(App {
            settings: Arc::new(settings),
            store,
            clock,
            wake: Arc::new(Notify::new()),
            planner: Arc::new(Notify::new()),
            directories: Arc::default(),
            in_flight: Arc::default(),
            fetch_check: Arc::default(),
            inline: Arc::default(),
        })
    }

    /// Registers a platform's chat directory; every clone of the app sees it.
    pub fn register_directory(&self, platform: Platform, directory: Arc<dyn Directory>) {
        self.directories
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(platform, directory);
    }

    /// Registers how editors' photos and new sources' addresses are checked; every clone of
    /// the app sees it.
    pub fn register_fetch_check(&self, check: Arc<dyn FetchCheck>) {
        *self.fetch_check.write().unwrap_or_else(|e| e.into_inner()) = Some(check);
    }

    /// Fetches a photo as its delivery will; `Usable` when no check is registered.
    pub async fn check_photo(&self, url: &str) -> PhotoVerdict {
        let check = self
            .fetch_check
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match check {
            Some(check) => check.check(url).await,
            None => PhotoVerdict::Usable,
        }
    }

    /// The host of `url` when the feeds' fetcher will refuse it as internal (see
    /// [`FetchCheck::internal_host`]); `None` when no check is registered.
    pub async fn internal_host(&self, url: &str) -> Option<String> {
        let check = self
            .fetch_check
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        check?.internal_host(url).await
    }

    /// The chat directory of a platform, if it has one.
    pub fn directory(&self, platform: Platform) -> Option<Arc<dyn Directory>> {
        self.directories
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&platform)
            .cloned()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The notifier the delivery engine waits on.
    pub fn wake(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// The notifier the publishing worker waits on (planning left to finish).
    pub fn planner(&self) -> Arc<Notify> {
        Arc::clone(&self.planner)
    }

    /// Tells the delivery engine that new deliveries were planned — this process's, and the
    /// one delivering when several share the database. Private to the use cases: everything
    /// outside them writes through a use case that calls this.
    fn planned(&self) {
        self.wake.notify_one();
        self.tell_others(Signal::Planned);
    }

    /// Sends `signal` to the other processes on a shared database, without waiting: should it
    /// fail, the delivering process finds the work at its next look at the queue.
    fn tell_others(&self, signal: Signal) {
        if !self.store.shared() {
            return;
        }
        let store = self.store.clone();
        tokio::spawn(async move {
            if let Err(error) = store.signal(signal).await {
                tracing::warn!(%error, ?signal, "could not tell the other processes");
            }
        });
    }

    /// Answers one message. `None` means herald stays silent (plain talk in a group).
    pub async fn handle(&self, invocation: &Invocation) -> Option<Reply> {
        self.handle_in(invocation, false).await
    }

    /// [`App::handle`]; `pressed`: the command came from a button.
    async fn handle_in(&self, invocation: &Invocation, pressed: bool) -> Option<Reply> {
        let parsed = commands::split(&invocation.text);
        if parsed.is_none() && invocation.chat.kind != ChatKind::Private {
            return None;
        }
        // An edited message matters only if it is a /post: it corrects what it published.
        if invocation.edited && parsed.as_ref().is_none_or(|(name, _)| name != "post") {
            return None;
        }
        let (chat, user, role) = match self.identify(invocation).await {
            Ok(found) => found,
            Err(error) => {
                tracing::error!(error = format!("{error:#}"), "could not load chat or user");
                let lang = invocation
                    .sender
                    .language
                    .unwrap_or(self.settings.newsroom.default_language);
                return Some(Reply::text(t!("error.internal", locale = lang.code())));
            }
        };
        let ctx = Ctx {
            app: self,
            chat,
            user,
            role,
            pressed,
            message: invocation.message_id.clone(),
        };
        let Some((name, args)) = parsed else {
            return Some(Reply::text(t!("error.not_a_command", locale = ctx.lang())));
        };
        // `args` is a slice of the text: its place there takes the formatting along.
        let start = args.as_ptr() as usize - invocation.text.as_ptr() as usize;
        let mut args = Args::new(invocation.rich().slice(start..start + args.len()))
            .with_photo(invocation.photo.clone());
        if let Some(message) = &invocation.reply_to
            && commands::may_target_a_reply(&name, &args)
            && let Some(id) = self.replied_article(&ctx, message).await
        {
            args = args.with_article(id);
        }
        if invocation.edited {
            return self.edited_post(&ctx, &args).await;
        }
        Some(self.run(&ctx, &name, &args).await)
    }

    /// Answers one message through the delivery engine: the reply is queued in the reply lane,
    /// so it shares the platform's rate budget with broadcasts and goes out ahead of them.
    /// Adapters of rate-limited platforms answer this way; the console prints replies itself.
    /// Returns the reply's delivery id, or `None` when herald stays silent.
    pub async fn submit(&self, invocation: &Invocation) -> anyhow::Result<Option<i64>> {
        self.submit_in(invocation, None).await
    }

    /// [`App::submit`] for a button pressed under herald's message `message` (a platform id):
    /// a reply that is the keyboard's new state takes that message's place.
    pub async fn submit_pressed(
        &self,
        invocation: &Invocation,
        message: &str,
    ) -> anyhow::Result<Option<i64>> {
        self.submit_in(invocation, Some(message)).await
    }

    async fn submit_in(
        &self,
        invocation: &Invocation,
        pressed: Option<&str>,
    ) -> anyhow::Result<Option<i64>> {
        let Some(mut reply) = self.handle_in(invocation, pressed.is_some()).await else {
            return Ok(None);
        };
        if reply.in_place {
            reply.replaces = pressed.map(str::to_string);
        }
        let chat = self
            .store
            .chat_id(invocation.platform, &invocation.chat.native_id)
            .await?
            .context("the chat of a handled message is stored")?;
        let payload = serde_json::to_string(&reply).context("encoding a reply")?;
        let id = self
            .store
            .enqueue_reply(chat, &payload, self.clock.now_ms())
            .await?;
        self.planned();
        Ok(Some(id))
    }

    /// The platform says herald is in a chat (added, promoted, unblocked): it is stored and
    /// active again, so deliveries resume.
    pub async fn chat_joined(&self, platform: Platform, chat: &ChatInfo) -> anyhow::Result<()> {
        let newsroom = &self.settings.newsroom;
        self.store
            .upsert_chat(NewChat {
                platform,
                native_id: &chat.native_id,
                kind: chat.kind,
                title: &chat.title,
                language: newsroom.default_language,
                time_zone: newsroom.default_time_zone,
            })
            .await?;
        Ok(())
    }

    /// A user wrote a command in their one-to-one room with herald: notices for moderators go
    /// there (Matrix has no private chats of its own).
    pub async fn direct_room(
        &self,
        platform: Platform,
        user: &str,
        native_id: &str,
    ) -> anyhow::Result<()> {
        if let Some(chat) = self.store.chat_id(platform, native_id).await? {
            self.store.set_notice_chat(platform, user, chat).await?;
        }
        Ok(())
    }

    /// Someone else joined a room: if it was a moderator's direct room, notices stop going there.
    pub async fn room_shared(&self, platform: Platform, native_id: &str) -> anyhow::Result<()> {
        if let Some(chat) = self.store.chat_id(platform, native_id).await? {
            self.store.forget_notice_chat(chat).await?;
        }
        Ok(())
    }

    /// The platform ids of the chats herald believes it can post to, so an adapter can check
    /// them against what the platform says after a restart.
    pub async fn active_chats(&self, platform: Platform) -> anyhow::Result<Vec<String>> {
        Ok(self.store.active_chats(platform).await?)
    }

    /// The platform says herald was removed from a chat (kicked, blocked): handled as a send
    /// that found the chat gone (see [`App::lose_chat`]).
    pub async fn chat_left(
        &self,
        platform: Platform,
        native_id: &str,
        reason: &str,
    ) -> anyhow::Result<()> {
        if let Some(chat) = self.store.find_chat(platform, native_id).await? {
            tracing::warn!(chat = native_id, reason, "herald was removed from a chat");
            let gone = Gone {
                chat_id: chat.id,
                platform,
                native_id,
                kind: chat.kind,
                reason,
            };
            self.lose_chat(&gone).await?;
        }
        Ok(())
    }

    /// The platform replaced a chat with a new one (a Matrix room upgrade): subscriptions and
    /// queued deliveries follow it.
    pub async fn chat_moved(
        &self,
        platform: Platform,
        old_native_id: &str,
        new_native_id: &str,
    ) -> anyhow::Result<()> {
        if let Some(chat) = self.store.chat_id(platform, old_native_id).await? {
            tracing::info!(
                from = old_native_id,
                to = new_native_id,
                "chat replaced; following it"
            );
            self.store.chat_moved(chat, new_native_id).await?;
            self.planned();
        }
        Ok(())
    }

    /// One step of the embargo worker: publishes every scheduled article whose time has come
    /// (indexed and planned for delivery in one transaction each). Returns how many.
    pub async fn publish_due(&self) -> anyhow::Result<usize> {
        let mut published = 0;
        for id in self.store.due_articles(self.clock.now_ms()).await? {
            if let Some(planned) = self.publish_waiting(id).await? {
                tracing::info!(article = id, planned, "scheduled article published");
                published += 1;
            }
        }
        Ok(published)
    }

    async fn identify(
        &self,
        invocation: &Invocation,
    ) -> anyhow::Result<(ChatRecord, UserRecord, Role)> {
        let newsroom = &self.settings.newsroom;
        let chat = self
            .store
            .upsert_chat(NewChat {
                platform: invocation.platform,
                native_id: &invocation.chat.native_id,
                kind: invocation.chat.kind,
                title: &invocation.chat.title,
                language: invocation
                    .sender
                    .language
                    .unwrap_or(newsroom.default_language),
                time_zone: newsroom.default_time_zone,
            })
            .await?;
        let user_ref = crate::domain::UserRef {
            platform: invocation.platform,
            native_id: invocation.sender.native_id.clone(),
        };
        let user = self
            .store
            .upsert_user(&user_ref, &invocation.sender.display_name)
            .await?;
        let role = if self.settings.is_owner(&user_ref) {
            Role::Owner
        } else {
            self.store.role_of(user.id).await?
        };
        Ok((chat, user, role))
    }

    /// The article a replied-to message of this chat is about: a copy of it, or herald's
    /// answer naming it ("Published as #N").
    async fn replied_article(&self, ctx: &Ctx<'_>, message: &str) -> Option<i64> {
        let sent = match self.store.sent_message(ctx.chat.id, message).await {
            Ok(sent) => sent?,
            Err(error) => {
                tracing::error!(
                    error = format!("{error:#}"),
                    "could not look up a replied message"
                );
                return None;
            }
        };
        sent.article_id.or_else(|| {
            let reply: Reply = serde_json::from_str(sent.payload.as_deref()?).ok()?;
            reply.article
        })
    }

    /// Checks the role, runs the command, writes the audit log for privileged ones, and turns
    /// every error into a message in the chat's language.
    async fn run(&self, ctx: &Ctx<'_>, name: &str, args: &Args) -> Reply {
        let target: String = args
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(120)
            .collect();
        self.execute(ctx, name, &target, || Command::parse(name, args))
            .await
    }

    /// [`App::run`] for a command already parsed (or refused) by `parse`, which is called
    /// only once the sender may run it here; `target` is what the audit log names.
    async fn execute(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        target: &str,
        parse: impl FnOnce() -> Result<Command, CommandError>,
    ) -> Reply {
        let needed = commands::required_role(name);
        let privileged = needed > Role::Reader;
        if ctx.role < needed {
            let error = CommandError::Refused { needed };
            tracing::info!(command = name, user = %ctx.user.user, "refused: {error}");
            self.audit(ctx, name, target, AuditOutcome::Refused, &error.to_string())
                .await;
            return Reply::text(error.user_message(ctx.chat.language));
        }
        let result = match self.chat_admin_gate(ctx, name).await {
            Err(error) => Err(error),
            Ok(()) => match parse() {
                Ok(command) => command.apply(ctx).await,
                Err(error) => Err(error),
            },
        };
        match result {
            Ok(reply) => {
                if privileged {
                    self.audit(ctx, name, target, AuditOutcome::Ok, "").await;
                }
                reply
            }
            Err(error) => {
                match &error {
                    CommandError::Internal(cause) => {
                        tracing::error!(
                            command = name,
                            error = format!("{cause:#}"),
                            "command failed"
                        )
                    }
                    other => {
                        tracing::info!(command = name, user = %ctx.user.user, "rejected: {other}")
                    }
                }
                if privileged {
                    self.audit(ctx, name, target, AuditOutcome::Failed, &error.to_string())
                        .await;
                }
                Reply::text(error.user_message(ctx.chat.language))
            }
        }
    }

    /// In a group or channel, a command that changes the chat's own settings needs one of the
    /// chat's admins (or a herald moderator): a member must not unsubscribe everyone else.
    async fn chat_admin_gate(&self, ctx: &Ctx<'_>, name: &str) -> Result<(), CommandError> {
        if ctx.chat.kind == ChatKind::Private
            || ctx.role >= Role::Moderator
            || !commands::is_chat_setting(name)
        {
            return Ok(());
        }
        let Some(directory) = self.directory(ctx.chat.platform) else {
            return Ok(());
        };
        let membership = directory
            .membership(&ctx.chat.native_id, &ctx.user.user.native_id)
            .await
            .map_err(CommandError::Lookup)?;
        if membership.user_is_admin {
            Ok(())
        } else {
            Err(CommandError::NotChatAdmin)
        }
    }

    async fn audit(
        &self,
        ctx: &Ctx<'_>,
        command: &str,
        target: &str,
        outcome: AuditOutcome,
        detail: &str,
    ) {
        let entry = AuditEntry {
            actor_id: ctx.user.id,
            chat_id: ctx.chat.id,
            command,
            target,
            outcome,
            detail,
        };
        if let Err(error) = self.store.audit(entry).await {
            // The command itself already happened; losing the audit line must at least be loud.
            tracing::error!(command, %error, "could not write the audit log");
        }
    }
}

#[async_trait::async_trait]
impl EngineEvents for App {
    /// A send found a chat gone: handled as [`App::lose_chat`] handles a kick event.
    async fn chat_gone(&self, gone: &Gone<'_>) -> anyhow::Result<()> {
        self.lose_chat(gone).await
    }

    /// The day's paid broadcasts are used up: the owners hear it, once.
    async fn paid_cap_reached(&self, platform: Platform, cap: u64) -> anyhow::Result<()> {
        let args = [("platform", platform.to_string()), ("cap", cap.to_string())];
        self.notify_owners("notice.paid_cap", &args).await
    }
}
