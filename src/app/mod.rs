//! Use cases: everything herald does for a message, independent of the platform it came from.

pub mod commands;
pub mod demo;
mod error;
pub(crate) mod format;
pub mod invocation;
pub mod reply;

use std::sync::Arc;

use tokio::sync::Notify;

use anyhow::Context;
use rust_i18n::t;

use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::{ChatKind, Role};
use crate::store::{AuditEntry, AuditOutcome, ChatRecord, NewChat, Store, UserRecord};
pub use commands::Command;
pub use error::CommandError;
pub use invocation::{ChatInfo, Invocation, Sender};
pub use reply::{Block, Reply};

/// The application: settings and storage, shared by every platform adapter and by tests.
#[derive(Clone)]
pub struct App {
    settings: Arc<Settings>,
    store: Store,
    /// The one clock of the process; tests pause and advance it through tokio.
    clock: Clock,
    /// Wakes the delivery engine when a command planned new deliveries.
    wake: Arc<Notify>,
}

/// Looks up a catalog text whose key is computed at run time (`role.editor`, `usage.post`).
pub(crate) fn tr(key: &str, lang: &str) -> String {
    t!(key, locale = lang).into_owned()
}

/// Like [`tr`], filling `%{name}` placeholders.
pub(crate) fn tr_args(key: &str, lang: &str, args: &[(&str, String)]) -> String {
    let mut text = tr(key, lang);
    for (name, value) in args {
        text = text.replace(&format!("%{{{name}}}"), value);
    }
    text
}

/// Everything a command needs to know about who asked, and where.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub chat: ChatRecord,
    pub user: UserRecord,
    pub role: Role,
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
            Store::open_with_partition(&settings.database_path(), settings.search.index_partition)
                .await?;
        Ok(App {
            settings: Arc::new(settings),
            store,
            clock,
            wake: Arc::new(Notify::new()),
        })
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

    /// Tells the delivery engine that new deliveries were planned.
    pub fn planned(&self) {
        self.wake.notify_one();
    }

    /// Answers one message. `None` means herald stays silent (plain talk in a group).
    pub async fn handle(&self, invocation: &Invocation) -> Option<Reply> {
        let parsed = commands::split(&invocation.text);
        if parsed.is_none() && invocation.chat.kind != ChatKind::Private {
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
        };
        let Some((name, args)) = parsed else {
            return Some(Reply::text(t!("error.not_a_command", locale = ctx.lang())));
        };
        Some(self.run(&ctx, &name, args).await)
    }

    /// Answers one message through the delivery engine: the reply is queued in the reply lane,
    /// so it shares the platform's rate budget with broadcasts and goes out ahead of them.
    /// Adapters of rate-limited platforms answer this way; the console prints replies itself.
    /// Returns the reply's delivery id, or `None` when herald stays silent.
    pub async fn submit(&self, invocation: &Invocation) -> anyhow::Result<Option<i64>> {
        let Some(reply) = self.handle(invocation).await else {
            return Ok(None);
        };
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

    /// One step of the embargo worker: publishes every scheduled article whose time has come
    /// (indexed and planned for delivery in one transaction each). Returns how many.
    pub async fn publish_due(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let mut published = 0;
        for id in self.store.due_articles(now.timestamp_millis()).await? {
            if let Some(planned) = self.store.publish_waiting(id, now).await? {
                tracing::info!(article = id, planned, "scheduled article published");
                published += 1;
            }
        }
        if published > 0 {
            self.planned();
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

    /// Checks the role, runs the command, writes the audit log for privileged ones, and turns
    /// every error into a message in the chat's language.
    async fn run(&self, ctx: &Ctx<'_>, name: &str, args: &str) -> Reply {
        let needed = commands::required_role(name);
        let privileged = needed > Role::Reader;
        let target: String = args
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(120)
            .collect();
        if ctx.role < needed {
            let error = CommandError::Refused { needed };
            tracing::info!(command = name, user = %ctx.user.user, "refused: {error}");
            self.audit(
                ctx,
                name,
                &target,
                AuditOutcome::Refused,
                &error.to_string(),
            )
            .await;
            return Reply::text(error.user_message(ctx.chat.language));
        }
        let result = match Command::parse(name, args) {
            Ok(command) => command.apply(ctx).await,
            Err(error) => Err(error),
        };
        match result {
            Ok(reply) => {
                if privileged {
                    self.audit(ctx, name, &target, AuditOutcome::Ok, "").await;
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
                    self.audit(ctx, name, &target, AuditOutcome::Failed, &error.to_string())
                        .await;
                }
                Reply::text(error.user_message(ctx.chat.language))
            }
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
