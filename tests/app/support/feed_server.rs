//! A local HTTP server serving fixture feeds, and misbehaving on purpose: conditional GET,
//! redirects, errors, a server that trickles bytes, a body of 100 MB, slow and held answers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

#[derive(Default)]
pub struct Served {
    /// path → (body, content type)
    pub feeds: HashMap<String, (Vec<u8>, String)>,
    /// requests per path
    pub hits: HashMap<String, usize>,
    pub not_modified: usize,
    /// While set, a request for `hold/<path>` is not answered (a poll its process dies in).
    pub holding: bool,
}

#[derive(Clone)]
pub struct FeedServer {
    pub addr: SocketAddr,
    pub served: Arc<Mutex<Served>>,
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/feeds/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture exists")
}

impl FeedServer {
    pub async fn start() -> FeedServer {
        let served = Arc::new(Mutex::new(Served::default()));
        let app = Router::new()
            .route("/{*path}", get(serve))
            .with_state(Arc::clone(&served));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FeedServer { addr, served }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    pub fn put(&self, path: &str, body: Vec<u8>, content_type: &str) {
        self.served
            .lock()
            .unwrap()
            .feeds
            .insert(path.into(), (body, content_type.into()));
    }

    pub fn hits(&self, path: &str) -> usize {
        self.served
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub fn not_modified(&self) -> usize {
        self.served.lock().unwrap().not_modified
    }
}

/// A stable validator: a hash of the body.
fn etag(body: &[u8]) -> String {
    format!(
        "\"{:x}\"",
        herald::domain::fnv(&String::from_utf8_lossy(body))
    )
}

async fn serve(
    State(served): State<Arc<Mutex<Served>>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    *served.lock().unwrap().hits.entry(path.clone()).or_default() += 1;
    if let Some(rest) = path.strip_prefix("redirect/") {
        // redirect/N/target: N hops, then the target path (or a full URL after "to/").
        let (n, target) = rest.split_once('/').unwrap_or((rest, ""));
        let n: usize = n.parse().unwrap_or(0);
        let location = if n > 1 {
            format!("/redirect/{}/{target}", n - 1)
        } else if let Some(url) = target.strip_prefix("to/") {
            format!("http://{url}")
        } else {
            format!("/{target}")
        };
        return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
    }
    // slow/<path>: <path> after 300 ms; hold/<path>: <path> once `holding` is cleared.
    let path = if let Some(rest) = path.strip_prefix("slow/") {
        tokio::time::sleep(Duration::from_millis(300)).await;
        rest.to_string()
    } else if let Some(rest) = path.strip_prefix("hold/") {
        while served.lock().unwrap().holding {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        rest.to_string()
    } else {
        path
    };
    match path.as_str() {
        "error" => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "trickle" => {
            let stream = futures_util::stream::unfold(0u32, |n| async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                (n < 1_000).then(|| (Ok::<Bytes, std::io::Error>(Bytes::from_static(b" ")), n + 1))
            });
            return (
                [(header::CONTENT_TYPE, "application/rss+xml")],
                Body::from_stream(stream),
            )
                .into_response();
        }
        "huge" => {
            // 100 MB of a never-ending item, produced lazily, without a Content-Length.
            let chunk = Bytes::from(vec![b'a'; 1 << 20]);
            let stream = futures_util::stream::iter(
                (0..100).map(move |_| Ok::<Bytes, std::io::Error>(chunk.clone())),
            );
            return (
                [(header::CONTENT_TYPE, "application/rss+xml")],
                Body::from_stream(stream),
            )
                .into_response();
        }
        _ => {}
    }
    let Some((body, content_type)) = served.lock().unwrap().feeds.get(&path).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let tag = etag(&body);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.to_str().ok() == Some(tag.as_str()))
    {
        served.lock().unwrap().not_modified += 1;
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [(header::CONTENT_TYPE, content_type), (header::ETAG, tag)],
        body,
    )
        .into_response()
}
