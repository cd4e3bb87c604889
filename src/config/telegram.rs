//! The `[telegram]` section. Telegram is on when a token is given; the token and the webhook
//! secret come from the environment or from files outside the repository, and never appear
//! in logs (`SecretString` prints as `[REDACTED]`).

use std::path::Path;

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawTelegram {
    /// Normally from `HERALD__TELEGRAM__TOKEN`.
    #[serde(
        serialize_with = "crate::config::redacted",
        skip_serializing_if = "Option::is_none"
    )]
    token: Option<SecretString>,
    token_file: String,
    api_url: String,
    mode: String,
    webhook_url: String,
    #[serde(
        serialize_with = "crate::config::redacted",
        skip_serializing_if = "Option::is_none"
    )]
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

/// Ports Telegram's own servers deliver webhooks to.
const WEBHOOK_PORTS: [u16; 4] = [443, 80, 88, 8443];

/// The webhook URL, refused here when Telegram would refuse it at setWebhook: its servers
/// POST only over HTTPS and only to [`WEBHOOK_PORTS`]. A local Bot API server (another
/// `api_url`) allows any scheme and port, so only the URL's form is checked then.
fn webhook_url(text: &str, api_url: &url::Url) -> anyhow::Result<url::Url> {
    if text.trim().is_empty() {
        bail!(
            "telegram.webhook_url: webhook mode needs the public HTTPS URL Telegram posts \
             updates to (e.g. https://news.example.org/telegram)"
        );
    }
    let url = url::Url::parse(text.trim())
        .with_context(|| format!("telegram.webhook_url: `{text}` is not an absolute URL"))?;
    if api_url.host_str() != Some("api.telegram.org") {
        return Ok(url);
    }
    if url.scheme() != "https" {
        bail!("telegram.webhook_url: `{text}`: Telegram delivers webhooks only over https");
    }
    match url.port_or_known_default() {
        Some(port) if WEBHOOK_PORTS.contains(&port) => Ok(url),
        _ => bail!(
            "telegram.webhook_url: `{text}`: Telegram delivers webhooks only to ports 443, 80, \
             88 and 8443"
        ),
    }
}

/// Telegram's rule for `secret_token`: 1–256 characters, A–Z, a–z, 0–9, `_` and `-`.
fn check_webhook_secret(secret: &str) -> anyhow::Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if secret.is_empty() || secret.len() > 256 || !secret.chars().all(allowed) {
        bail!(
            "telegram.webhook_secret: Telegram accepts 1 to 256 characters, only A-Z, a-z, \
             0-9, _ and - (the secret given has {} characters{})",
            secret.chars().count(),
            if secret.chars().all(allowed) {
                ""
            } else {
                ", some of them not allowed"
            }
        );
    }
    Ok(())
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
                let url = webhook_url(&self.webhook_url, &api_url)?;
                let secret = secret(
                    self.webhook_secret,
                    &self.webhook_secret_file,
                    "telegram.webhook_secret_file",
                )?
                .context("telegram: webhook mode needs webhook_secret_file or HERALD__TELEGRAM__WEBHOOK_SECRET")?;
                check_webhook_secret(secret.expose_secret())?;
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
