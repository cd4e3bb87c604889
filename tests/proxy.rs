//! The feed fetcher with a proxy in the environment (issue 18). A proxy resolves host names
//! itself, so herald's guard, which checks every address a name resolves to, would never see
//! the destination: `HTTP_PROXY` set, a feed at an internal host was fetched through it. The
//! fetcher ignores proxy variables and connects itself, guard and all.
//!
//! Its own test binary: the variables are process-wide and would reach other tests' clients.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use herald::ingest::fetch::{FetchError, FetchLimits, Fetcher};
use herald::ingest::guard::Guard;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const FEED: &str = "<rss version=\"2.0\"><channel><title>Internal</title></channel></rss>";

#[tokio::test]
async fn an_internal_host_is_refused_with_a_proxy_in_the_environment() {
    // A "proxy" that answers anything it is asked with a feed, counting the connections.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\n\r\n{FEED}",
                FEED.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
    ] {
        // SAFETY: this test binary runs this one test; nothing else reads the environment now.
        unsafe { std::env::set_var(name, &proxy) };
    }
    let fetcher = Fetcher::new(
        Guard::new(Vec::new()),
        FetchLimits {
            timeout: Duration::from_secs(5),
            max_bytes: 1 << 20,
            max_redirects: 3,
            user_agent: "herald-test".into(),
        },
    )
    .unwrap();
    // `localhost` resolves to 127.0.0.1: internal, not allowed.
    let result = fetcher
        .fetch("http://localhost:9/internal/feed.xml", None, None)
        .await;
    assert!(
        matches!(result, Err(FetchError::Internal(_))),
        "an internal host must be refused as internal: {result:?}"
    );
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "the request went through the proxy"
    );
}
