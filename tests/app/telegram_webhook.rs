//! Webhook mode: Telegram pushes updates to herald's listener with the secret token.

use herald::config::TelegramMode;
use tgsim::{Kind, Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::tg::spawn_tg_with;

const SECRET: &str = "s3cret-token_for-tests";

/// POSTs an update to the webhook; returns the status line.
async fn post(port: u16, secret: Option<&str>) -> String {
    let body = r#"{"update_id":1,"message":{"message_id":1,"date":0,"chat":{"id":5,"type":"private","first_name":"x"},"from":{"id":5,"is_bot":false,"first_name":"x"},"text":"/help"}}"#;
    let header = secret
        .map(|s| format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n"))
        .unwrap_or_default();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!(
        "POST /telegram/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{header}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer.lines().next().unwrap_or("").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_updates_need_the_secret_and_are_answered() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let tg = spawn_tg_with(Limits::default(), |s| {
        if let Some(telegram) = s.telegram.as_mut() {
            telegram.mode = TelegramMode::Webhook {
                url: url::Url::parse(&format!("http://127.0.0.1:{port}/telegram/hook")).unwrap(),
                secret: SECRET.to_string().into(),
            };
        }
    })
    .await;
    let registered = tg.sim.sim().webhook.clone();
    assert_eq!(
        registered,
        Some((
            format!("http://127.0.0.1:{port}/telegram/hook"),
            Some(SECRET.to_string())
        ))
    );
    // Wait for the listener, then knock without and with a wrong token.
    let mut status = String::new();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            status = post(port, None).await;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(status.contains("403"), "{status}");
    assert!(
        post(port, Some("s3cret-token_for-testz"))
            .await
            .contains("403")
    );
    assert!(post(port, Some("short")).await.contains("403"));
    // Telegram itself (the simulator) sends the right token: the command is answered.
    tg.sim.add_chat(42, Kind::Private, "Reader");
    tg.ask(42, 42, "/start", "Welcome").await;
    tg.stop().await;
}
