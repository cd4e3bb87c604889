//! The `[telegram]` section. Telegram is on when a token is given; the token and the webhook
//! secret come from the environment or from files outside the repository, and never appear
//! in logs (`SecretString` prints as `[REDACTED]`).

use std::path::Path;

use anyhow::{Context, bail};
use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawTelegram {
    /// Normally from `HERALD__TELEGRAM__TOKEN`.
    token: Option<SecretString>,
    token_file: String,
    api_url: String,
    mode: String,
    webhook_url: String,
    webhook_secret: Option<SecretString>,
    webhook_secret_file: String,
    register_commands: bool,
}

impl Default for RawTelegram {
    fn default() -> Self {
        RawTelegram {
            token: None,
            token_file: String::new(),
            api_url: "https://api.telegram.org".into(),
            mode: "polling".into(),
            webhook_url: String::new(),
            webhook_secret: None,
            webhook_secret_file: String::new(),
            register_commands: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TelegramSettings {
    pub token: SecretString,
    /// The Bot API base URL: Telegram's, a local Bot API server, or the simulator.
    pub api_url: url::Url,
    pub mode: TelegramMode,
    /// Publish the command menu (setMyCommands) at start.
    pub register_commands: bool,
}

#[derive(Debug, Clone)]
pub enum TelegramMode {
    Polling,
    /// Telegram POSTs to `url`; herald serves its path on `http.listen`.
    Webhook {
        url: url::Url,
        secret: SecretString,
    },
}

/// A secret given inline (environment) or in a file; the file wins when both are set.
pub(super) fn secret(
    inline: Option<SecretString>,
    file: &str,
    key: &str,
) -> anyhow::Result<Option<SecretString>> {
    if file.trim().is_empty() {
        return Ok(inline);
    }
    let text = std::fs::read_to_string(Path::new(file.trim()))
        .with_context(|| format!("{key}: cannot read {file}"))?;
    let text = text.trim();
    if text.is_empty() {
        bail!("{key}: {file} is empty");
    }
    Ok(Some(SecretString::from(text.to_string())))
}

impl RawTelegram {
    pub(super) fn settings(self) -> anyhow::Result<Option<TelegramSettings>> {
        let Some(token) = secret(self.token, &self.token_file, "telegram.token_file")? else {
            return Ok(None);
        };
        let api_url = url::Url::parse(&self.api_url)
            .with_context(|| format!("telegram.api_url: `{}` is not a URL", self.api_url))?;
        let mode = match self.mode.as_str() {
            "polling" => TelegramMode::Polling,
            "webhook" => {
                let url = url::Url::parse(&self.webhook_url).with_context(|| {
                    format!("telegram.webhook_url: `{}` is not a URL", self.webhook_url)
                })?;
                let secret = secret(
                    self.webhook_secret,
                    &self.webhook_secret_file,
                    "telegram.webhook_secret_file",
                )?
                .context("telegram: webhook mode needs webhook_secret_file or HERALD__TELEGRAM__WEBHOOK_SECRET")?;
                TelegramMode::Webhook { url, secret }
            }
            other => bail!("telegram.mode: `{other}` is not polling or webhook"),
        };
        Ok(Some(TelegramSettings {
            token,
            api_url,
            mode,
            register_commands: self.register_commands,
        }))
    }
}
