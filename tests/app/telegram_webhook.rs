//! Webhook mode: Telegram pushes updates to herald's listener with the secret token.

use herald::config::TelegramMode;
use tgsim::{Kind, Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::tg::spawn_tg_with;

const SECRET: &str = "s3cret-token_for-tests";

/// POSTs an update to the webhook; returns the status line.
async fn post(port: u16, secret: Option<&str>) -> String {
    post_update(port, secret, 1, 5, "/help").await
}

/// POSTs update `id`: `text` from user `chat` in their private chat.
async fn post_update(port: u16, secret: Option<&str>, id: i64, chat: i64, text: &str) -> String {
    let body = format!(
        r#"{{"update_id":{id},"message":{{"message_id":{id},"date":0,"chat":{{"id":{chat},"type":"private","first_name":"x"}},"from":{{"id":{chat},"is_bot":false,"first_name":"x"}},"text":"{text}"}}}}"#
    );
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
async fn webhook_updates_need_the_secret_and_are_answered_once_though_delivered_again() {
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

    // Telegram re-delivers an update whose answer was slow: answered once, also after a
    // restart. A later command's answer marks the end (one chat's answers keep their order).
    let mut tg = tg;
    let counted = |tg: &crate::tg::Tg, needle: &str| {
        tg.sim
            .messages(42)
            .iter()
            .filter(|m| m.text.contains(needle))
            .count()
    };
    let again = |id, text| post_update(port, Some(SECRET), id, 42, text);
    let (first, second) = tokio::join!(again(9001, "/help"), again(9001, "/help"));
    assert!(
        first.contains("200") && second.contains("200"),
        "{first} {second}"
    );
    assert!(again(9001, "/help").await.contains("200"));
    again(9002, "/start").await;
    assert!(tg.until(|tg| counted(tg, "Welcome") == 2).await);
    assert_eq!(counted(&tg, "Commands"), 1);
    tg.t.restart(herald::application::Options::default(), |_| {})
        .await;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(again(9001, "/help").await.contains("200"));
    again(9003, "/start").await;
    assert!(tg.until(|tg| counted(tg, "Welcome") == 3).await);
    assert_eq!(counted(&tg, "Commands"), 1, "after a restart too");
    tg.stop().await;
}
