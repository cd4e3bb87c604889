//! /healthz and /metrics over a real socket on 127.0.0.1.

use std::sync::Arc;

use herald::delivery::Metrics;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::helpers::spawn_app;

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn health_and_metrics_are_served_with_queue_figures() {
    let t = spawn_app().await;
    t.say("10", "/subscribe all").await;
    t.say("1", "/post\ntitle: Queued story").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let shutdown = CancellationToken::new();
    let router = herald::http::router(
        t.app.store().clone(),
        Arc::new(Metrics::new()),
        t.app.clock(),
    );
    let server = tokio::spawn(herald::http::serve(addr, router, shutdown.clone()));
    let mut health = String::new();
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            health = get(addr, "/healthz").await;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        health.starts_with("HTTP/1.0 200") && health.ends_with("ok\n"),
        "{health}"
    );
    let metrics = get(addr, "/metrics").await;
    assert!(metrics.contains("herald_queue_pending 1"), "{metrics}");
    assert!(
        metrics.contains("herald_rate_limited_total{platform=\"telegram\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("herald_deliveries_sent_total{platform=\"telegram\"} 0"),
        "{metrics}"
    );
    shutdown.cancel();
    server.await.unwrap().unwrap();
}
