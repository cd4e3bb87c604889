//! herald's HTTP listener: health and Prometheus metrics; the CMS endpoint ([`cms`]) and the
//! Telegram webhook are merged in by `main` when configured.

pub mod cms;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::delivery::Metrics;
use crate::store::Store;

#[derive(Clone)]
struct Shared {
    store: Store,
    metrics: Arc<Metrics>,
    clock: Clock,
}

/// Whether a secret someone sent equals ours, compared in constant time so the answer's
/// timing tells nothing about the secret (webhook tokens, the CMS's bearer token).
pub fn secret_matches(given: &[u8], expected: &secrecy::SecretString) -> bool {
    use secrecy::ExposeSecret;
    use subtle::ConstantTimeEq;
    let expected = expected.expose_secret().as_bytes();
    given.len() == expected.len() && bool::from(given.ct_eq(expected))
}

/// The routes, for serving and for tests.
pub fn router(store: Store, metrics: Arc<Metrics>, clock: Clock) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .with_state(Shared {
            store,
            metrics,
            clock,
        })
}

/// Serves until `shutdown`.
pub async fn serve(
    addr: SocketAddr,
    router: Router,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    tracing::info!(%addr, "HTTP listener up: /healthz, /metrics");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
        .context("HTTP server")
}

/// Healthy when the database answers.
async fn healthz(State(shared): State<Shared>) -> (StatusCode, &'static str) {
    match shared.store.queue_stats(shared.clock.now_ms()).await {
        Ok(_) => (StatusCode::OK, "ok\n"),
        Err(error) => {
            tracing::error!(%error, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

async fn metrics_text(
    State(shared): State<Shared>,
) -> Result<([(axum::http::HeaderName, &'static str); 1], String), StatusCode> {
    let now = shared.clock.now_ms();
    let stats = shared.store.queue_stats(now).await;
    let lanes = shared.store.lane_depths().await;
    let (Ok(stats), Ok(lanes)) = (stats, lanes) else {
        tracing::error!("metrics: database unavailable");
        return Err(StatusCode::SERVICE_UNAVAILABLE);
    };
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        shared.metrics.render(&stats, &lanes),
    ))
}
