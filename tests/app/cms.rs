//! The CMS endpoint over a real socket: publish, correct, retract by the CMS's id, with auth.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::helpers::spawn_app;

const TOKEN: &str = "cms-secret-token";

async fn call(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

type Server = tokio::task::JoinHandle<anyhow::Result<()>>;

/// The CMS endpoint of `t`'s app on a free port.
async fn serve_cms(
    t: &crate::helpers::TestApp,
) -> (std::net::SocketAddr, CancellationToken, Server) {
    let router = herald::http::cms::router(t.app.clone(), TOKEN.to_string().into())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(herald::http::serve(addr, router, shutdown.clone()));
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    (addr, shutdown, server)
}

#[tokio::test]
async fn the_cms_publishes_corrects_and_retracts_by_its_own_id() {
    let t = spawn_app().await;
    t.with_topics().await;
    t.say("10", "/subscribe all").await;
    let (addr, shutdown, server) = serve_cms(&t).await;
    let article = r#"{"title": "Dam inspection finds cracks", "lead": "Engineers call for repairs.",
        "body": "The reservoir is half full.", "language": "en", "topics": ["dagestan"],
        "photo": {"url": "https://example.org/dam.jpg", "caption": "The dam", "credit": "Photo: CMS"}}"#;
    assert_eq!(
        call(addr, "PUT", "/cms/articles/a-17", None, article)
            .await
            .0,
        401
    );
    assert_eq!(
        call(
            addr,
            "PUT",
            "/cms/articles/a-17",
            Some("cms-secret-tokex"),
            article
        )
        .await
        .0,
        401
    );
    let (status, body) = call(addr, "PUT", "/cms/articles/a-17", Some(TOKEN), article).await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("\"published\""), "{body}");
    // Idempotent: the same again changes nothing and plans nothing.
    let pending = t.app.store().queue_stats(0).await.unwrap().pending;
    let (status, body) = call(addr, "PUT", "/cms/articles/a-17", Some(TOKEN), article).await;
    assert_eq!((status, body.contains("unchanged")), (200, true), "{body}");
    assert_eq!(t.app.store().queue_stats(0).await.unwrap().pending, pending);
    assert_eq!(t.app.store().count_articles().await.unwrap(), 1);
    // A changed text is a correction of the same article.
    let corrected = article.replace("finds cracks", "finds deep cracks");
    let (status, body) = call(addr, "PUT", "/cms/articles/a-17", Some(TOKEN), &corrected).await;
    assert_eq!((status, body.contains("corrected")), (200, true), "{body}");
    assert!(
        t.say("10", "/latest")
            .await
            .contains("Dam inspection finds deep cracks")
    );
    // POST with the id in the body works the same way.
    let other = r#"{"id": "b-1", "title": "Второй материал", "language": "ru"}"#;
    assert_eq!(
        call(addr, "POST", "/cms/articles", Some(TOKEN), other)
            .await
            .0,
        201
    );
    // Bad input gets a clear 400.
    for bad in [
        r#"{"title": "", "language": "en"}"#,
        r#"{"title": "x", "language": "de"}"#,
        r#"{"title": "x", "language": "en", "topics": ["nowhere"]}"#,
        r#"{"title": "x", "language": "en", "surprise": 1}"#,
        "not json",
    ] {
        let (status, body) = call(addr, "PUT", "/cms/articles/c-1", Some(TOKEN), bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, body) = call(
        addr,
        "DELETE",
        "/cms/articles/a-17",
        Some(TOKEN),
        r#"{"reason": "wrong dam"}"#,
    )
    .await;
    assert_eq!(
        (status, body.contains("\"retracted\"")),
        (200, true),
        "{body}"
    );
    assert!(!t.say("10", "/latest").await.contains("Dam inspection"));
    assert_eq!(
        call(addr, "DELETE", "/cms/articles/zzz", Some(TOKEN), "")
            .await
            .0,
        404
    );
    assert_eq!(
        call(addr, "DELETE", "/cms/articles/a-17", None, "").await.0,
        401
    );
    shutdown.cancel();
    server.await.unwrap().unwrap();
}

/// The probe that stalled herald: one request whose fields are each a single enormous "word"
/// (1.9 MB in all, as the issue measured) is refused at once with the field and its bound; one
/// with a single word at every field's bound is published; meanwhile a reader's command and
/// another CMS write go through. Times are printed
/// (`cargo test --test app long_word -- --nocapture`), not asserted.
#[tokio::test]
async fn a_long_word_in_every_field_is_answered_and_other_writes_go_on() {
    let t = spawn_app().await;
    t.with_topics().await;
    t.say("10", "/subscribe all").await;
    let (addr, shutdown, server) = serve_cms(&t).await;
    // n characters of one word: Latin (the snowball stemmer's worst case), or Cyrillic with
    // HERALD_LONG_CYRILLIC set.
    let word = |n: usize| -> String {
        let unit = match std::env::var("HERALD_LONG_CYRILLIC") {
            Ok(_) => "Гусейнов",
            Err(_) => "Huseynov",
        };
        unit.repeat(n / 8 + 1).chars().take(n).collect()
    };
    let article = |title: usize, lead: usize, body: usize, note: usize, url: usize| {
        serde_json::json!({
            "title": word(title),
            "lead": word(lead),
            "body": word(body),
            "language": "ru",
            "url": format!("https://example.org/{}", "a".repeat(url)),
            "photo": {"url": "https://example.org/p.jpg", "caption": word(note), "credit": word(300)},
        })
        .to_string()
    };
    let huge = article(300, 600_000, 1_300_000, 20_000, 20_000);
    assert!(huge.len() > 1_900_000, "{}", huge.len());
    let started = std::time::Instant::now();
    let (status, body) = call(addr, "PUT", "/cms/articles/huge", Some(TOKEN), &huge).await;
    println!(
        "a 1.9 MB single-word article answered {status} in {:?}",
        started.elapsed()
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("lead is longer than 2000 characters"),
        "{body}"
    );

    let full = article(300, 2_000, 100_000, 2_000, 2_000);
    let started = std::time::Instant::now();
    let long = tokio::spawn(async move {
        let answer = call(addr, "PUT", "/cms/articles/long", Some(TOKEN), &full).await;
        (answer, started.elapsed())
    });
    let other = r#"{"title": "Court hearing postponed", "language": "en", "lead": "Next week."}"#;
    let (status, body) = call(addr, "PUT", "/cms/articles/short", Some(TOKEN), other).await;
    assert_eq!(status, 201, "{body}");
    let reply = t.say("11", "/subscribe dagestan").await;
    assert!(!reply.contains("went wrong"), "{reply}");
    let ((status, body), took) = long.await.unwrap();
    println!("an article of single words at every bound answered {status} in {took:?}");
    assert_eq!(status, 201, "{body}");
    let probe: String = word(16);
    let latest = t.say("10", "/latest 5").await;
    assert!(latest.contains("Court hearing postponed"), "{latest}");
    assert!(latest.contains(&probe), "{latest}");
    // Readable in full, page by page, like any article.
    let id: i64 = serde_json::from_str::<serde_json::Value>(&body).unwrap()["article_id"]
        .as_i64()
        .unwrap();
    let shown = t.say("10", &format!("/article {id}")).await;
    assert!(shown.contains(&probe), "{}", &shown[..shown.len().min(300)]);
    shutdown.cancel();
    server.await.unwrap().unwrap();
}

/// Publishes an English article whose body is `html` through the CMS endpoint; returns it as
/// stored.
pub async fn publish_html(
    t: &crate::helpers::TestApp,
    title: &str,
    html: &str,
) -> herald::domain::ArticleRecord {
    let (addr, shutdown, server) = serve_cms(t).await;
    let request = serde_json::json!({
        "title": title, "body": "plain fallback", "body_html": html, "language": "en",
    });
    let (status, body) = call(
        addr,
        "PUT",
        "/cms/articles/html-1",
        Some(TOKEN),
        &request.to_string(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = answer["article_id"].as_i64().unwrap();
    shutdown.cancel();
    server.await.unwrap().unwrap();
    t.app.store().article(id).await.unwrap().unwrap()
}
