//! herald on Telegram, through teloxide's Bot API client.
//!
//! - [`outbound`]: the delivery engine's [`Outbound`](crate::delivery::Outbound): articles
//!   (photo with caption, then text parts), replies with inline keyboards, edits, removals.
//! - [`inbound`]: updates (messages, channel posts, button presses, the bot added to or
//!   removed from a chat) turned into invocations; long polling.
//! - [`webhook`]: the same updates pushed by Telegram to herald's HTTP listener.
//! - [`directory`]: chat lookups and admin checks for `/channel` and group settings.
//! - [`errors`]: every Bot API failure sorted into the engine's classes.
//!
//! No teloxide `Throttle` or retry: the engine paces every call, and hears every 429.

mod attachment;
pub mod directory;
mod entities;
pub mod errors;
pub mod ids;
pub mod inbound;
mod inline;
pub mod outbound;
pub mod webhook;

use std::sync::Arc;

use anyhow::Context;
use rust_i18n::t;
use secrecy::ExposeSecret;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope};

use crate::app::App;
use crate::app::commands::{COMMANDS, NAMES, is_chat_setting};
use crate::config::{TelegramMode, TelegramSettings};
use crate::delivery::Outbound;
use crate::delivery::RatePolicy;
use crate::domain::{Platform, Role};
use crate::platform::Receiver;

/// What a started Telegram adapter hands to the rest of herald.
pub struct Started {
    /// For the delivery engine.
    pub outbound: Arc<dyn Outbound>,
    /// In webhook mode, the route to add to the HTTP listener.
    pub webhook: Option<axum::Router>,
    /// In polling mode, the long polling (one process at a time may poll).
    pub receiver: Option<Receiver>,
}

/// Connects and registers the directory and the command menu; updates come through the
/// long polling it returns, or through the webhook route to serve.
pub async fn start(
    app: &App,
    settings: &TelegramSettings,
    limits: RatePolicy,
) -> anyhow::Result<Started> {
    let telegram = Telegram::connect(settings.token.expose_secret(), &settings.api_url).await?;
    app.register_directory(Platform::Telegram, Arc::new(telegram.clone()));
    if settings.register_commands {
        // The menu is a convenience: herald works without it.
        if let Err(error) = telegram.register_commands().await {
            tracing::warn!(
                error = format!("{error:#}"),
                "could not register the command menu"
            );
        }
    }
    let outbound = Arc::new(telegram.outbound(
        limits.per_chat_interval + limits.margin,
        app.store().clone(),
    ));
    let inbound = inbound::Inbound::new(telegram.clone(), app.clone());
    let (webhook, receiver) = match &settings.mode {
        TelegramMode::Polling => {
            let receiver: Receiver =
                Box::new(move |shutdown| Box::pin(inbound.clone().poll(shutdown)));
            (None, Some(receiver))
        }
        TelegramMode::Webhook { url, secret } => {
            webhook::register(&telegram, url, secret).await?;
            (
                Some(webhook::router(inbound, url.path(), secret.clone())),
                None,
            )
        }
    };
    Ok(Started {
        outbound,
        webhook,
        receiver,
    })
}

/// A connected bot: the client and the bot's own username (for `/cmd@username` in groups).
#[derive(Clone)]
pub struct Telegram {
    bot: Bot,
    username: String,
    id: u64,
}

impl Telegram {
    /// Connects with a token to an API URL (Telegram's, or a simulator's) and asks who the
    /// bot is, so a wrong token stops herald at start instead of at the first message.
    pub async fn connect(token: &str, api_url: &url::Url) -> anyhow::Result<Telegram> {
        let bot = Bot::new(token).set_api_url(api_url.clone());
        let me = bot
            .get_me()
            .await
            .context("asking Telegram who the bot is (getMe); check the token and the API URL")?;
        tracing::info!(username = %me.username(), "connected to Telegram");
        Ok(Telegram {
            username: me.username().to_string(),
            id: me.id.0,
            bot,
        })
    }

    /// The bot's username, which group commands may carry (`/latest@name`).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Registers the command menu in Russian and English: readers' commands in private
    /// chats, and the settings commands for group admins.
    pub async fn register_commands(&self) -> anyhow::Result<()> {
        let readers: Vec<&str> = COMMANDS
            .iter()
            .filter(|(_, role)| *role == Role::Reader)
            .map(|(name, _)| *name)
            .collect();
        let mut group_admins = vec![
            "help",
            "latest",
            "search",
            "topics",
            "subscriptions",
            "alerts",
        ];
        group_admins.extend(NAMES.iter().filter(|name| is_chat_setting(name)));
        let scopes = [
            (BotCommandScope::AllPrivateChats, &readers),
            (BotCommandScope::AllChatAdministrators, &group_admins),
        ];
        for language in ["en", "ru"] {
            for (scope, names) in &scopes {
                let menu: Vec<BotCommand> = names
                    .iter()
                    .map(|name| {
                        BotCommand::new(*name, t!(format!("menu.{name}"), locale = language))
                    })
                    .collect();
                self.bot
                    .set_my_commands(menu)
                    .scope(scope.clone())
                    .language_code(language)
                    .await
                    .with_context(|| format!("setMyCommands for {scope:?} in {language}"))?;
            }
        }
        Ok(())
    }
}
