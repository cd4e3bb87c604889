//! The simulator over real HTTP on 127.0.0.1: each Telegram behaviour herald depends on.

use serde_json::{Value, json};
use tgsim::{Kind, Limits, Simulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "123:TEST";

/// One HTTP/1.1 request; returns the status and the JSON body (Null when there is none).
async fn request(sim: &Simulator, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(sim.addr).await.unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8_lossy(&raw).to_string();
    // A broken connection answers nothing: status 0.
    let status = raw.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
    // Chunked bodies: take the JSON between the first '{' or '[' and the last '}' or ']'.
    let start = body.find(['{', '[']);
    let end = body.rfind(['}', ']']);
    let value = match (start, end) {
        (Some(s), Some(e)) if e >= s => serde_json::from_str(&body[s..=e]).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, value)
}

async fn bot(sim: &Simulator, method: &str, params: Value) -> (u16, Value) {
    request(sim, "POST", &format!("/bot{TOKEN}/{method}"), Some(params)).await
}

async fn started(limits: Limits) -> Simulator {
    let sim = Simulator::start(0, TOKEN, limits).await.unwrap();
    sim.add_chat(10, Kind::Private, "Alice");
    sim.add_chat(-20, Kind::Group, "Newsroom group");
    sim.add_chat(-100_030, Kind::Channel, "Channel");
    sim
}

#[tokio::test]
async fn answers_have_telegrams_shapes_and_unknown_methods_are_404() {
    let sim = started(Limits::lifted()).await;
    let (status, me) = bot(&sim, "getMe", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(me["ok"], true);
    assert_eq!(me["result"]["is_bot"], true);
    let (status, body) = bot(&sim, "sendDice", json!({})).await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"ok": false, "error_code": 404, "description": "Not Found"})
        )
    );
    let (status, _) = request(&sim, "POST", "/botWRONG/getMe", Some(json!({}))).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn messages_are_stored_as_chats_show_them_with_telegrams_result_shape() {
    let sim = started(Limits::lifted()).await;
    let (status, sent) = bot(
        &sim,
        "sendMessage",
        json!({"chat_id": 10, "text": "<b>Hi</b> &amp; bye", "parse_mode": "HTML"}),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["result"]["message_id"], 1);
    assert_eq!(sent["result"]["chat"]["type"], "private");
    assert_eq!(sent["result"]["text"], "Hi & bye");
    let (_, channel) = bot(
        &sim,
        "sendMessage",
        json!({"chat_id": -100_030, "text": "post"}),
    )
    .await;
    assert_eq!(channel["result"]["sender_chat"]["type"], "channel");
    let (_, photo) = bot(
        &sim,
        "sendPhoto",
        json!({"chat_id": 10, "photo": "https://x.org/p.jpg", "caption": "cap"}),
    )
    .await;
    assert_eq!(photo["result"]["caption"], "cap");
    let (_, history) = request(&sim, "GET", "/control/chats/10/messages", None).await;
    assert_eq!(history[0]["text"], "Hi & bye");
    assert_eq!(history[1]["photo"], "https://x.org/p.jpg");
}

#[tokio::test]
async fn invalid_markup_and_lengths_are_refused_like_telegram() {
    let sim = started(Limits::lifted()).await;
    let cases = [
        (
            json!({"chat_id": 10, "text": "<p>x</p>", "parse_mode": "HTML"}),
            "Bad Request: can't parse entities",
        ),
        (
            json!({"chat_id": 10, "text": "<b>open", "parse_mode": "HTML"}),
            "Bad Request: can't parse entities",
        ),
        (
            json!({"chat_id": 10, "text": "🗞".repeat(2_049)}),
            "Bad Request: message is too long",
        ),
        (
            json!({"chat_id": 10, "text": "  "}),
            "Bad Request: message text is empty",
        ),
        (
            json!({"chat_id": 99, "text": "x"}),
            "Bad Request: chat not found",
        ),
    ];
    for (params, expected) in cases {
        let (status, body) = bot(&sim, "sendMessage", params).await;
        assert_eq!(status, 400);
        assert!(
            body["description"].as_str().unwrap().starts_with(expected),
            "{body}"
        );
    }
    assert_eq!(
        bot(
            &sim,
            "sendMessage",
            json!({"chat_id": 10, "text": "🗞".repeat(2_048)})
        )
        .await
        .0,
        200,
        "4096 units fit"
    );
    let (_, caption) = bot(
        &sim,
        "sendPhoto",
        json!({"chat_id": 10, "photo": "https://x.org/p.jpg", "caption": "x".repeat(1_025)}),
    )
    .await;
    let (_, unknown) = bot(&sim, "sendPhoto", json!({"chat_id": 10, "photo": "p"})).await;
    assert_eq!(
        unknown["description"],
        "Bad Request: wrong file identifier/HTTP URL specified"
    );
    assert_eq!(
        caption["description"],
        "Bad Request: message caption is too long"
    );
}

#[tokio::test]
async fn blocked_kicked_and_upgraded_chats_answer_as_telegram_does() {
    let sim = started(Limits::lifted()).await;
    request(&sim, "POST", "/control/chats/10/block", None).await;
    let (status, body) = bot(&sim, "sendMessage", json!({"chat_id": 10, "text": "x"})).await;
    assert_eq!(
        (status, body["description"].as_str().unwrap()),
        (403, "Forbidden: bot was blocked by the user")
    );
    request(
        &sim,
        "POST",
        "/control/chats/-20/upgrade",
        Some(json!({"new_id": -100_020})),
    )
    .await;
    let (status, body) = bot(&sim, "sendMessage", json!({"chat_id": -20, "text": "x"})).await;
    assert_eq!(status, 400);
    assert_eq!(body["parameters"]["migrate_to_chat_id"], -100_020);
    assert_eq!(
        bot(
            &sim,
            "sendMessage",
            json!({"chat_id": -100_020, "text": "x"})
        )
        .await
        .0,
        200
    );
    request(&sim, "POST", "/control/chats/-100020/block", None).await;
    let (_, kicked) = bot(
        &sim,
        "sendMessage",
        json!({"chat_id": -100_020, "text": "x"}),
    )
    .await;
    assert_eq!(
        kicked["description"],
        "Forbidden: bot was kicked from the supergroup chat"
    );
}

#[tokio::test]
async fn edits_and_deletions_follow_telegrams_rules() {
    let sim = started(Limits::lifted()).await;
    bot(&sim, "sendMessage", json!({"chat_id": 10, "text": "first"})).await;
    let (_, same) = bot(
        &sim,
        "editMessageText",
        json!({"chat_id": 10, "message_id": 1, "text": "first"}),
    )
    .await;
    assert!(
        same["description"]
            .as_str()
            .unwrap()
            .starts_with("Bad Request: message is not modified")
    );
    let (_, missing) = bot(
        &sim,
        "editMessageText",
        json!({"chat_id": 10, "message_id": 9, "text": "x"}),
    )
    .await;
    assert_eq!(
        missing["description"],
        "Bad Request: message to edit not found"
    );
    let (status, edited) = bot(
        &sim,
        "editMessageText",
        json!({"chat_id": 10, "message_id": 1, "text": "second"}),
    )
    .await;
    assert_eq!(
        (status, edited["result"]["text"].clone()),
        (200, json!("second"))
    );
    bot(&sim, "sendMessage", json!({"chat_id": 10, "text": "old"})).await;
    assert_eq!(
        bot(
            &sim,
            "deleteMessage",
            json!({"chat_id": 10, "message_id": 1})
        )
        .await
        .1["result"],
        true
    );
    request(
        &sim,
        "POST",
        "/control/advance",
        Some(json!({"seconds": 49 * 3600})),
    )
    .await;
    let (_, late) = bot(
        &sim,
        "deleteMessage",
        json!({"chat_id": 10, "message_id": 2}),
    )
    .await;
    assert_eq!(late["description"], "Bad Request: message can't be deleted");
    let (_, history) = request(&sim, "GET", "/control/chats/10/messages", None).await;
    assert_eq!(
        (history[0]["deleted"].clone(), history[0]["edits"].clone()),
        (json!(true), json!(1))
    );
    assert_eq!(
        history[0]["history"],
        json!(["first"]),
        "the text before the edit is kept"
    );
}

#[tokio::test]
async fn flood_limits_answer_429_with_retry_after_and_are_counted() {
    let sim = started(Limits::default()).await;
    assert_eq!(
        bot(&sim, "sendMessage", json!({"chat_id": 10, "text": "one"}))
            .await
            .0,
        200
    );
    let (status, body) = bot(&sim, "sendMessage", json!({"chat_id": 10, "text": "two"})).await;
    assert_eq!(status, 429);
    assert_eq!(body["description"], "Too Many Requests: retry after 1");
    assert_eq!(body["parameters"]["retry_after"], 1);
    let (_, stats) = request(&sim, "GET", "/control/stats", None).await;
    assert_eq!(stats["rate_limited"], 1);
}

#[tokio::test]
async fn updates_come_through_getupdates_with_offsets_and_long_polling() {
    let sim = started(Limits::lifted()).await;
    request(
        &sim,
        "POST",
        "/control/chats/10/user_message",
        Some(json!({"text": "/start"})),
    )
    .await;
    let (_, updates) = bot(&sim, "getUpdates", json!({})).await;
    let first = updates["result"][0].clone();
    assert_eq!(first["message"]["text"], "/start");
    let next = first["update_id"].as_i64().unwrap() + 1;
    let (_, confirmed) = bot(&sim, "getUpdates", json!({"offset": next})).await;
    assert_eq!(confirmed["result"], json!([]));
    let poll = {
        let addr = sim.addr;
        tokio::spawn(async move {
            let sim_addr = addr;
            let mut stream = tokio::net::TcpStream::connect(sim_addr).await.unwrap();
            let body = json!({"offset": next, "timeout": 10}).to_string();
            let head = format!(
                "POST /bot{TOKEN}/getUpdates HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            let mut raw = String::new();
            stream.read_to_string(&mut raw).await.unwrap();
            raw
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    request(
        &sim,
        "POST",
        "/control/chats/-20/user_message",
        Some(json!({"from": 42, "text": "/latest@herald_bot"})),
    )
    .await;
    let raw = poll.await.unwrap();
    assert!(raw.contains("/latest@herald_bot"), "{raw}");
    bot(
        &sim,
        "setWebhook",
        json!({"url": "https://example.org/hook", "secret_token": "s3cret"}),
    )
    .await;
    assert_eq!(bot(&sim, "getUpdates", json!({})).await.0, 409);
}

#[tokio::test]
async fn members_admins_and_the_bots_own_standing_are_reported() {
    let sim = started(Limits::lifted()).await;
    request(
        &sim,
        "POST",
        "/control/chats/-20/admins",
        Some(json!({"user": 42})),
    )
    .await;
    let (_, admin) = bot(
        &sim,
        "getChatMember",
        json!({"chat_id": -20, "user_id": 42}),
    )
    .await;
    assert_eq!(admin["result"]["status"], "administrator");
    let (_, member) = bot(
        &sim,
        "getChatMember",
        json!({"chat_id": -20, "user_id": 43}),
    )
    .await;
    assert_eq!(member["result"]["status"], "member");
    let (_, admins) = bot(&sim, "getChatAdministrators", json!({"chat_id": -20})).await;
    assert_eq!(admins["result"].as_array().unwrap().len(), 1);
    let (_, me) = bot(
        &sim,
        "getChatMember",
        json!({"chat_id": -100_030, "user_id": tgsim::state::BOT_ID}),
    )
    .await;
    assert_eq!(
        (
            me["result"]["status"].clone(),
            me["result"]["can_post_messages"].clone()
        ),
        (json!("administrator"), json!(true))
    );
    assert_eq!(
        bot(&sim, "leaveChat", json!({"chat_id": -20})).await.1["result"],
        true
    );
    let (status, _) = bot(&sim, "sendMessage", json!({"chat_id": -20, "text": "x"})).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_bot_hears_when_it_is_added_promoted_or_removed() {
    let sim = started(Limits::lifted()).await;
    request(
        &sim,
        "POST",
        "/control/chats/-20/bot_status",
        Some(json!({"status": "administrator", "by": 42})),
    )
    .await;
    request(
        &sim,
        "POST",
        "/control/chats/-20/bot_status",
        Some(json!({"status": "kicked", "by": 42})),
    )
    .await;
    let (_, updates) = bot(&sim, "getUpdates", json!({})).await;
    let changes: Vec<(Value, Value)> = updates["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["my_chat_member"]["old_chat_member"]["status"].clone(),
                u["my_chat_member"]["new_chat_member"]["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (json!("member"), json!("administrator")),
            (json!("administrator"), json!("kicked"))
        ]
    );
    let (status, body) = bot(&sim, "sendMessage", json!({"chat_id": -20, "text": "x"})).await;
    assert_eq!(
        (status, body["description"].clone()),
        (403, json!("Forbidden: bot was kicked from the group chat"))
    );
}

#[tokio::test]
async fn commands_are_kept_per_scope_and_language_and_topics_are_addressed() {
    let sim = started(Limits::lifted()).await;
    let ru = json!([{"command": "latest", "description": "свежие новости"}]);
    bot(
        &sim,
        "setMyCommands",
        json!({"commands": ru, "scope": {"type": "all_private_chats"}, "language_code": "ru"}),
    )
    .await;
    let (_, got) = bot(
        &sim,
        "getMyCommands",
        json!({"scope": {"type": "all_private_chats"}, "language_code": "ru"}),
    )
    .await;
    assert_eq!(got["result"], ru);
    let (_, none) = bot(&sim, "getMyCommands", json!({})).await;
    assert_eq!(none["result"], json!([]));
    let (_, topic) = bot(
        &sim,
        "sendMessage",
        json!({"chat_id": -20, "text": "x", "message_thread_id": 7}),
    )
    .await;
    assert_eq!(
        (
            topic["result"]["message_thread_id"].clone(),
            topic["result"]["is_topic_message"].clone()
        ),
        (json!(7), json!(true))
    );
    assert_eq!(
        bot(
            &sim,
            "answerCallbackQuery",
            json!({"callback_query_id": "1"})
        )
        .await
        .1["result"],
        true
    );
}

#[tokio::test]
async fn injected_faults_answer_500_and_slow_down_answers() {
    let sim = started(Limits::lifted()).await;
    request(
        &sim,
        "POST",
        "/control/faults",
        Some(json!({"error_share": 1.0})),
    )
    .await;
    let (status, body) = bot(&sim, "sendMessage", json!({"chat_id": 10, "text": "x"})).await;
    assert_eq!((status, body["error_code"].clone()), (500, json!(500)));
    let (_, history) = request(&sim, "GET", "/control/chats/10/messages", None).await;
    assert_eq!(history, json!([]), "a 500 delivered nothing");
    request(
        &sim,
        "POST",
        "/control/faults",
        Some(json!({"delay_ms": 150})),
    )
    .await;
    let started_at = std::time::Instant::now();
    assert_eq!(
        bot(&sim, "sendMessage", json!({"chat_id": 10, "text": "x"}))
            .await
            .0,
        200
    );
    assert!(started_at.elapsed() >= std::time::Duration::from_millis(150));
}

#[tokio::test]
async fn a_dropped_answer_breaks_the_connection_after_the_message_was_sent() {
    let sim = started(Limits::lifted()).await;
    request(
        &sim,
        "POST",
        "/control/faults",
        Some(json!({"drop_share": 1.0})),
    )
    .await;
    let (_, answer) = bot(
        &sim,
        "sendMessage",
        json!({"chat_id": 10, "text": "lost answer"}),
    )
    .await;
    assert_eq!(answer, Value::Null, "no JSON arrives");
    request(&sim, "POST", "/control/faults", Some(json!({}))).await;
    let (_, history) = request(&sim, "GET", "/control/chats/10/messages", None).await;
    assert_eq!(
        history[0]["text"], "lost answer",
        "the message was delivered all the same"
    );
    let (_, stats) = request(&sim, "GET", "/control/stats", None).await;
    assert_eq!(stats["dropped"], 1);
}

#[tokio::test]
async fn with_a_webhook_updates_are_posted_with_the_secret_token() {
    let sim = started(Limits::lifted()).await;
    let hook = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/telegram", hook.local_addr().unwrap());
    bot(
        &sim,
        "setWebhook",
        json!({"url": url, "secret_token": "s3cret-token"}),
    )
    .await;
    let (_, info) = bot(&sim, "getWebhookInfo", json!({})).await;
    assert_eq!(info["result"]["url"], url);
    request(
        &sim,
        "POST",
        "/control/chats/10/user_message",
        Some(json!({"text": "/latest"})),
    )
    .await;
    let (mut conn, _) = tokio::time::timeout(std::time::Duration::from_secs(5), hook.accept())
        .await
        .unwrap()
        .unwrap();
    let mut raw = vec![0; 4096];
    let mut received = String::new();
    while !received.contains("/latest") {
        let n = conn.read(&mut raw).await.unwrap();
        assert!(n > 0, "{received}");
        received.push_str(&String::from_utf8_lossy(&raw[..n]));
    }
    conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        .await
        .unwrap();
    assert!(
        received.starts_with("POST /telegram HTTP/1.1"),
        "{received}"
    );
    assert!(
        received.contains("X-Telegram-Bot-Api-Secret-Token: s3cret-token"),
        "{received}"
    );
    assert!(received.contains("\"update_id\""), "{received}");
}

#[tokio::test]
async fn inline_answers_are_checked_as_telegram_checks_them() {
    let sim = started(Limits::default()).await;
    let article = |id: &str, text: &str| {
        json!({"type": "article", "id": id, "title": "Headline",
               "input_message_content": {"message_text": text, "parse_mode": "HTML"}})
    };
    let answer = |id: &str, results: Value| json!({"inline_query_id": id, "results": results});
    let refused = |body: &Value| body["description"].as_str().unwrap_or("").to_string();

    let first = sim.user_inline_query(42, "Гусейнов", "");
    let updates = bot(&sim, "getUpdates", json!({})).await.1;
    assert_eq!(updates["result"][0]["inline_query"]["query"], "Гусейнов");
    assert_eq!(updates["result"][0]["inline_query"]["id"], first.as_str());
    let (status, body) = bot(
        &sim,
        "answerInlineQuery",
        answer(&first, json!([article("1", "<b>a</b>"), article("1", "b")])),
    )
    .await;
    assert_eq!(
        (status, refused(&body).as_str()),
        (400, "Bad Request: RESULT_ID_DUPLICATE")
    );
    let (status, body) = bot(
        &sim,
        "answerInlineQuery",
        answer(&first, json!([article("1", "<b>unclosed")])),
    )
    .await;
    assert_eq!(status, 400);
    assert!(refused(&body).contains("can't parse entities"), "{body}");
    let too_many: Vec<Value> = (0..51).map(|i| article(&i.to_string(), "x")).collect();
    let (status, _) = bot(&sim, "answerInlineQuery", answer(&first, json!(too_many))).await;
    assert_eq!(status, 400);
    let mut ok = answer(&first, json!([article("1", "<b>Bold</b> text")]));
    ok["next_offset"] = json!("1");
    assert_eq!(bot(&sim, "answerInlineQuery", ok.clone()).await.0, 200);
    let kept = sim.inline_query(&first).and_then(|q| q.answer).unwrap();
    assert_eq!(kept.shown["1"], "Bold text");
    assert_eq!(kept.next_offset, "1");
    assert_eq!(
        bot(&sim, "answerInlineQuery", ok).await.0,
        400,
        "a query is answered once"
    );

    let late = sim.user_inline_query(42, "Baku", "");
    request(
        &sim,
        "POST",
        "/control/advance",
        Some(json!({"seconds": 11})),
    )
    .await;
    let (status, body) = bot(&sim, "answerInlineQuery", answer(&late, json!([]))).await;
    assert_eq!(status, 400);
    assert!(refused(&body).contains("query is too old"), "{body}");
}
