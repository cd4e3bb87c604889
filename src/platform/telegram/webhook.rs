//! Webhook mode: Telegram POSTs each update to herald's HTTP listener, with the secret token
//! set at setWebhook in a header. A wrong or missing token gets 403 and a log line.

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use secrecy::{ExposeSecret, SecretString};
use teloxide::prelude::*;
use teloxide::types::Update;

use super::inbound::{Inbound, allowed_updates};
use crate::app::Arrival;

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

#[derive(Clone)]
struct Hook {
    inbound: Inbound,
    secret: SecretString,
}

/// The route serving updates at `path` (e.g. `/telegram/webhook`).
pub fn router(inbound: Inbound, path: &str, secret: SecretString) -> Router {
    Router::new()
        .route(path, post(receive))
        .with_state(Hook { inbound, secret })
}

/// Tells Telegram where to send updates, with the secret it must send back.
pub async fn register(
    telegram: &super::Telegram,
    url: &url::Url,
    secret: &SecretString,
) -> anyhow::Result<()> {
    telegram
        .bot
        .set_webhook(url.clone())
        .secret_token(secret.expose_secret().to_string())
        .allowed_updates(allowed_updates())
        .await
        .context("setWebhook")?;
    tracing::info!(%url, "Telegram webhook set");
    Ok(())
}

async fn receive(State(hook): State<Hook>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !crate::http::secret_matches(given, &hook.secret) {
        tracing::warn!(
            with_token = headers.contains_key(SECRET_HEADER),
            "webhook call refused: wrong or missing secret token"
        );
        return StatusCode::FORBIDDEN;
    }
    match serde_json::from_slice::<Update>(&body) {
        Ok(update) => {
            hook.inbound.handle(update, Arrival::Pushed).await;
            StatusCode::OK
        }
        Err(error) => {
            // Answering 200 drops it; an error status would make Telegram resend it forever.
            tracing::warn!(%error, "webhook body is not an update; ignored");
            StatusCode::OK
        }
    }
}
