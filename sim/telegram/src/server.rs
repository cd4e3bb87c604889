//! HTTP: the Bot API at `/bot<token>/<method>` (JSON, urlencoded, multipart or query
//! parameters), files at `/file/bot<token>/<path>`, and a control API at `/control/...` for tests and people to act as users and read what chats show.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::state::{ApiError, Kind, Outgoing, Sim};

#[derive(Clone)]
pub struct Shared {
    pub sim: Arc<Mutex<Sim>>,
    /// Woken when an update arrives, for long-polling getUpdates.
    pub updates: Arc<Notify>,
    pub token: String,
}

impl Shared {
    fn sim(&self) -> std::sync::MutexGuard<'_, Sim> {
        self.sim.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn router(shared: Shared) -> Router {
    Router::new()
        .route("/{bot}/{method}", post(bot_method).get(bot_method))
        .route("/file/{bot}/{*path}", get(download))
        .route("/control/chats", post(create_chat))
        .route("/control/chats/{id}/messages", get(chat_messages))
        .route("/control/chats/{id}/user_message", post(user_message))
        .route("/control/chats/{id}/block", post(block))
        .route("/control/chats/{id}/upgrade", post(upgrade))
        .route("/control/advance", post(advance))
        .route("/control/faults", post(faults))
        .route("/control/chats/{id}/bot_status", post(bot_status))
        .route("/control/chats/{id}/admins", post(add_admin))
        .route("/control/chats/{id}/press", post(press))
        .route("/control/stats", get(stats))
        .with_state(shared)
}

fn ok(result: Value) -> Response {
    (
        StatusCode::OK,
        axum::Json(json!({"ok": true, "result": result})),
    )
        .into_response()
}

fn error(e: ApiError) -> Response {
    let mut body = json!({"ok": false, "error_code": e.code, "description": e.description});
    if let Some(parameters) = e.parameters {
        body["parameters"] = parameters;
    }
    (
        StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(body),
    )
        .into_response()
}

/// Fields of a multipart/form-data body, and the files uploaded in it by field name.
async fn multipart(
    content_type: &str,
    body: Bytes,
) -> (HashMap<String, Value>, HashMap<String, Vec<u8>>) {
    let mut out = HashMap::new();
    let mut files = HashMap::new();
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return (out, files);
    };
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        let Some(name) = field.name().map(String::from) else {
            continue;
        };
        if field.file_name().is_some() {
            if let Ok(bytes) = field.bytes().await {
                files.insert(name, bytes.to_vec());
            }
            continue;
        }
        let Ok(text) = field.text().await else {
            continue;
        };
        out.insert(
            name,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        );
    }
    (out, files)
}

/// Parameters from the query string and a JSON or urlencoded body, as Telegram accepts them.
fn params(headers: &HeaderMap, query: Option<String>, body: &Bytes) -> HashMap<String, Value> {
    let mut out: HashMap<String, Value> = HashMap::new();
    let mut form = |raw: &[u8]| {
        for (k, v) in serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw).unwrap_or_default()
        {
            out.insert(k, serde_json::from_str(&v).unwrap_or(Value::String(v)));
        }
    };
    if let Some(q) = query {
        form(q.as_bytes());
    }
    let json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if json {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            out.extend(map);
        }
    } else if !body.is_empty() {
        form(body);
    }
    out
}

fn int(p: &HashMap<String, Value>, key: &str) -> Result<i64, ApiError> {
    match p.get(key) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError {
        code: 400,
        description: format!("Bad Request: {key} is empty"),
        parameters: None,
    })
}

/// `chat_id` as a number or as `@username`.
fn chat_ref(sim: &Sim, p: &HashMap<String, Value>) -> Result<i64, ApiError> {
    let found = match p.get("chat_id") {
        Some(Value::String(s)) => sim.resolve(s),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    found.ok_or_else(|| ApiError {
        code: 400,
        description: "Bad Request: chat not found".into(),
        parameters: None,
    })
}

/// An inline keyboard's buttons as (label, callback data), from `reply_markup`.
fn buttons(p: &HashMap<String, Value>) -> Vec<Vec<(String, String)>> {
    let markup = match p.get("reply_markup") {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    markup["inline_keyboard"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|row| {
                    row.as_array()
                        .map(|b| {
                            b.iter()
                                .map(|b| {
                                    let label = b["text"].as_str().unwrap_or("").to_string();
                                    let data = b["callback_data"].as_str().unwrap_or("");
                                    (label, data.to_string())
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An edit's new keyboard: `None` keeps the message's own.
fn markup(p: &HashMap<String, Value>) -> Option<Vec<Vec<(String, String)>>> {
    p.contains_key("reply_markup").then(|| buttons(p))
}

fn text<'a>(p: &'a HashMap<String, Value>, key: &str) -> &'a str {
    p.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A file a bot downloads, at the path getFile gave it.
async fn download(
    State(shared): State<Shared>,
    Path((bot, path)): Path<(String, String)>,
) -> Response {
    if bot.strip_prefix("bot") != Some(shared.token.as_str()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match shared.sim().files.at_path(&path) {
        Some(file) => (StatusCode::OK, file.bytes.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn bot_method(
    State(shared): State<Shared>,
    Path((bot, method)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if bot.strip_prefix("bot") != Some(shared.token.as_str()) {
        return error(ApiError {
            code: 401,
            description: "Unauthorized".into(),
            parameters: None,
        });
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut p = params(&headers, query, &body);
    let mut uploads = HashMap::new();
    if content_type.starts_with("multipart/form-data") {
        let (fields, files) = multipart(&content_type, body).await;
        p.extend(fields);
        uploads = files;
    }
    let faults = shared.sim().faults;
    if faults.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.delay_ms)).await;
    }
    if faults.error_share > 0.0 && fastrand::f64() < faults.error_share {
        shared.sim().stats.errors += 1;
        return error(ApiError {
            code: 500,
            description: "Internal Server Error".into(),
            parameters: None,
        });
    }
    if method.eq_ignore_ascii_case("getUpdates") {
        return get_updates(&shared, &p).await;
    }
    let mut sim = shared.sim();
    sim.stats.requests += 1;
    let html = text(&p, "parse_mode").eq_ignore_ascii_case("html");
    let thread = int(&p, "message_thread_id").ok();
    let paid = p
        .get("allow_paid_broadcast")
        .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"));
    let result = match method.to_ascii_lowercase().as_str() {
        "getme" => Ok(sim.get_me()),
        "getchat" => chat_ref(&sim, &p).and_then(|c| sim.get_chat(c)),
        "sendmessage" => int(&p, "chat_id").and_then(|c| {
            let message = Outgoing {
                text: text(&p, "text"),
                html_mode: html,
                photo: None,
                thread,
                buttons: buttons(&p),
                paid,
            };
            sim.send(c, message)
        }),
        "sendphoto" => int(&p, "chat_id").and_then(|c| {
            let message = Outgoing {
                text: text(&p, "caption"),
                html_mode: html,
                photo: None,
                thread,
                buttons: buttons(&p),
                paid,
            };
            // An upload is the `photo` part itself, or a part `photo` names (`attach://<part>`).
            let named = text(&p, "photo");
            let upload = named
                .strip_prefix("attach://")
                .and_then(|part| uploads.remove(part))
                .or_else(|| uploads.remove("photo"));
            sim.send_photo(c, named, upload, message)
        }),
        "getfile" => sim.files.get_file(text(&p, "file_id")),
        "getchatmember" => chat_ref(&sim, &p).and_then(|c| sim.chat_member(c, int(&p, "user_id")?)),
        "getchatadministrators" => int(&p, "chat_id").and_then(|c| sim.administrators(c)),
        "leavechat" => int(&p, "chat_id").and_then(|c| sim.leave(c)),
        "answercallbackquery" => Ok(json!(true)),
        "answerinlinequery" => sim.answer_inline(&p),
        "setmycommands" => {
            let key = (scope(&p), text(&p, "language_code").to_string());
            sim.commands
                .insert(key, p.get("commands").cloned().unwrap_or(json!([])));
            Ok(json!(true))
        }
        "getmycommands" => {
            let key = (scope(&p), text(&p, "language_code").to_string());
            Ok(sim.commands.get(&key).cloned().unwrap_or(json!([])))
        }
        "editmessagetext" => int(&p, "chat_id").and_then(|c| {
            sim.edit(
                c,
                int(&p, "message_id")?,
                text(&p, "text"),
                html,
                markup(&p),
            )
        }),
        "editmessagecaption" => int(&p, "chat_id").and_then(|c| {
            sim.edit(
                c,
                int(&p, "message_id")?,
                text(&p, "caption"),
                html,
                markup(&p),
            )
        }),
        "deletemessage" => int(&p, "chat_id").and_then(|c| sim.delete(c, int(&p, "message_id")?)),
        "deletemessages" => int(&p, "chat_id").and_then(|c| {
            let ids: Vec<i64> = p
                .get("message_ids")
                .and_then(Value::as_array)
                .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default();
            sim.delete_many(c, &ids)
        }),
        "setwebhook" => {
            sim.webhook = Some((
                text(&p, "url").to_string(),
                p.get("secret_token")
                    .and_then(Value::as_str)
                    .map(String::from),
            ));
            Ok(json!(true))
        }
        "deletewebhook" => {
            sim.webhook = None;
            Ok(json!(true))
        }
        "getwebhookinfo" => {
            let url = sim.webhook.as_ref().map_or("", |w| w.0.as_str());
            Ok(json!({"url": url, "has_custom_certificate": false, "pending_update_count": 0}))
        }
        _ => Err(ApiError {
            code: 404,
            description: "Not Found".into(),
            parameters: None,
        }),
    };
    let dropped = faults.drop_share > 0.0 && fastrand::f64() < faults.drop_share;
    match result {
        Ok(_) if dropped => {
            sim.stats.dropped += 1;
            broken_answer()
        }
        Ok(value) => ok(value),
        Err(e) => {
            sim.stats.errors += 1;
            error(e)
        }
    }
}

/// Answers a control call that queued an update: long polls wake, a webhook gets it.
fn update_queued(shared: &Shared, result: Result<(), ApiError>) -> Response {
    match result {
        Ok(()) => {
            shared.updates.notify_waiters();
            deliver_webhook(shared);
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => error(e),
    }
}

/// With a webhook set, pending updates are POSTed to it, each with the secret token in the
/// X-Telegram-Bot-Api-Secret-Token header; an update the bot does not accept (no 2xx) stays
/// queued and is tried again with the next one.
pub(crate) fn deliver_webhook(shared: &Shared) {
    let Some((url, secret)) = shared.sim().webhook.clone() else {
        return;
    };
    let shared = shared.clone();
    tokio::spawn(async move {
        loop {
            let Some(update) = shared.sim().pop_update() else {
                return;
            };
            if !post_update(&url, secret.as_deref(), &update).await {
                shared.sim().unpop_update(update);
                return;
            }
        }
    });
}

/// One webhook POST over plain HTTP; true when the bot answered 2xx.
async fn post_update(url: &str, secret: Option<&str>, update: &Value) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return false;
    };
    let Ok(mut stream) = tokio::net::TcpStream::connect((host, port)).await else {
        return false;
    };
    let body = update.to_string();
    let secret = secret
        .map(|s| format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{secret}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        url.path(),
        body.len()
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).get(9..10) == Some("2")
}

/// An answer whose body fails after the headers: the client sees the connection break.
fn broken_answer() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "dropped by the simulator",
        ))
    });
    (StatusCode::OK, axum::body::Body::from_stream(failing)).into_response()
}

/// getUpdates with Telegram's long polling: waits up to `timeout` seconds for an update.
async fn get_updates(shared: &Shared, p: &HashMap<String, Value>) -> Response {
    let offset = int(p, "offset").ok();
    let limit = int(p, "limit").unwrap_or(100) as usize;
    let timeout = int(p, "timeout").unwrap_or(0).clamp(0, 50) as u64;
    if shared.sim().webhook.is_some() {
        return error(ApiError {
            code: 409,
            description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first".into(),
            parameters: None,
        });
    }
    // As Telegram does, a second bot instance's getUpdates ends the one waiting (409).
    let turn = {
        let mut sim = shared.sim();
        if sim.polling > 0 {
            sim.stats.poll_conflicts += 1;
        }
        sim.polling += 1;
        sim.poll_turn += 1;
        sim.poll_turn
    };
    let _polling = Polling(Arc::clone(&shared.sim));
    shared.updates.notify_waiters();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        let waited = shared.updates.notified();
        {
            let sim = shared.sim();
            if sim.poll_turn != turn {
                return error(ApiError {
                    code: 409,
                    description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running".into(),
                    parameters: None,
                });
            }
            if sim.has_updates() || tokio::time::Instant::now() >= deadline {
                break;
            }
        }
        let _ = tokio::time::timeout_at(deadline, waited).await;
    }
    let result = shared.sim().get_updates(offset, limit);
    ok(result)
}

/// A getUpdates call waiting, counted until it is answered or its client goes away.
struct Polling(Arc<Mutex<Sim>>);

impl Drop for Polling {
    fn drop(&mut self) {
        let mut sim = self.0.lock().unwrap_or_else(|e| e.into_inner());
        sim.polling = sim.polling.saturating_sub(1);
    }
}

async fn create_chat(
    State(shared): State<Shared>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let (Some(id), Some(kind)) = (
        body["id"].as_i64(),
        body["type"].as_str().and_then(Kind::parse),
    ) else {
        return (
            StatusCode::BAD_REQUEST,
            "needs id and type (private, group, supergroup, channel)",
        )
            .into_response();
    };
    let mut sim = shared.sim();
    sim.add_chat(id, kind, body["title"].as_str().unwrap_or("chat"));
    if let (Some(name), Some(chat)) = (body["username"].as_str(), sim.chats.get_mut(&id)) {
        chat.username = Some(name.trim_start_matches('@').to_string());
    }
    StatusCode::CREATED.into_response()
}

async fn chat_messages(State(shared): State<Shared>, Path(id): Path<i64>) -> Response {
    let sim = shared.sim();
    let Some(chat) = sim.chats.get(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let messages: Vec<Value> = chat
        .messages
        .iter()
        .map(|m| {
            json!({"message_id": m.message_id, "text": m.text, "photo": m.photo, "thread": m.thread,
                   "buttons": m.buttons, "edits": m.edits, "history": m.history, "deleted": m.deleted})
        })
        .collect();
    axum::Json(json!(messages)).into_response()
}

async fn user_message(
    State(shared): State<Shared>,
    Path(id): Path<i64>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let from = body["from"].as_i64().unwrap_or(id);
    let result = shared.sim().user_message_in(
        id,
        body["thread"].as_i64(),
        from,
        body["text"].as_str().unwrap_or(""),
    );
    update_queued(&shared, result)
}

/// The user blocks the bot (private chat) or removes it (group, channel).
async fn block(State(shared): State<Shared>, Path(id): Path<i64>) -> Response {
    match shared.sim().chats.get_mut(&id) {
        Some(chat) => {
            chat.reachable = false;
            StatusCode::NO_CONTENT.into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A group becomes a supergroup with a new id; the old id answers with migrate_to_chat_id.
async fn upgrade(
    State(shared): State<Shared>,
    Path(id): Path<i64>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let Some(new_id) = body["new_id"].as_i64() else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut sim = shared.sim();
    let Some(chat) = sim.chats.get_mut(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    chat.migrated_to = Some(new_id);
    let title = chat.title.clone();
    sim.add_chat(new_id, Kind::Supergroup, &title);
    StatusCode::NO_CONTENT.into_response()
}

/// Moves simulated time forward (for deleteMessage's 48 hours).
async fn advance(State(shared): State<Shared>, axum::Json(body): axum::Json<Value>) -> Response {
    shared.sim().offset_ms += body["seconds"].as_i64().unwrap_or(0) * 1000;
    StatusCode::NO_CONTENT.into_response()
}

/// setMyCommands' scope type ("default" when none).
fn scope(p: &HashMap<String, Value>) -> String {
    p.get("scope")
        .and_then(|s| s["type"].as_str())
        .unwrap_or("default")
        .to_string()
}

async fn faults(
    State(shared): State<Shared>,
    axum::Json(body): axum::Json<crate::state::Faults>,
) -> Response {
    shared.sim().faults = body;
    StatusCode::NO_CONTENT.into_response()
}

/// The bot is added, promoted or removed: `{"status": "member"|"administrator"|"kicked", "by": id}`.
async fn bot_status(
    State(shared): State<Shared>,
    Path(id): Path<i64>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let status = body["status"].as_str().unwrap_or("member").to_string();
    let result = shared
        .sim()
        .bot_status(id, &status, body["by"].as_i64().unwrap_or(1));
    update_queued(&shared, result)
}

/// A user presses an inline button: `{"message_id": n, "data": "...", "from": id}`.
async fn press(
    State(shared): State<Shared>,
    Path(id): Path<i64>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let message = body["message_id"].as_i64().unwrap_or(0);
    let from = body["from"].as_i64().unwrap_or(id);
    let result = shared
        .sim()
        .press_button(id, message, from, body["data"].as_str().unwrap_or(""));
    update_queued(&shared, result)
}

/// Makes a user an administrator of a chat: `{"user": id}`.
async fn add_admin(
    State(shared): State<Shared>,
    Path(id): Path<i64>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let Some(user) = body["user"].as_i64() else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    match shared.sim().chats.get_mut(&id) {
        Some(chat) => {
            chat.admins.insert(user);
            StatusCode::NO_CONTENT.into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn stats(State(shared): State<Shared>) -> Response {
    axum::Json(json!(shared.sim().stats)).into_response()
}
