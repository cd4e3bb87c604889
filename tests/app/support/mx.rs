//! herald on Matrix against a real Synapse on 127.0.0.1 (started by `scripts/synapse.sh`, or
//! given by `HERALD_SYNAPSE_URL`): herald runs its adapter and engine as `herald run` does,
//! and tests act as people through matrix-sdk clients of their own.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald::app::App;
use herald::application::{Application, Options, WrapOutbound};
use herald::config::{MatrixLogin, MatrixSettings, Settings};
use herald::delivery::RatePolicy;
use hmac::{Hmac, Mac};
use matrix_sdk::Client;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::deserialized_responses::EncryptionInfo;
use matrix_sdk::room::Room;
use matrix_sdk::ruma::api::client::room::create_room;
use matrix_sdk::ruma::events::InitialStateEvent;
use matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent;
use matrix_sdk::ruma::events::room::member::OriginalSyncRoomMemberEvent;
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, Relation, RoomMessageEventContent,
};
use matrix_sdk::ruma::events::room::redaction::OriginalSyncRoomRedactionEvent;
use matrix_sdk::ruma::{EventId, OwnedEventId, OwnedRoomId, OwnedUserId, RoomId};
use serde_json::json;
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

const SHARED_SECRET: &str = "herald-test-shared-secret";
/// How long a test waits for something to show up before failing.
pub const PATIENCE: Duration = Duration::from_secs(40);

static SYNAPSE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
static ADMIN: tokio::sync::OnceCell<Account> = tokio::sync::OnceCell::const_new();

/// The homeserver's URL; starts the project's Synapse when none is given, to stop when this
/// test binary exits (a Synapse already running is left as it was).
pub async fn synapse() -> &'static str {
    SYNAPSE
        .get_or_init(|| async {
            if let Ok(url) = std::env::var("HERALD_SYNAPSE_URL") {
                return url;
            }
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/synapse.sh");
            let me = std::process::id().to_string();
            let status = tokio::task::spawn_blocking(move || {
                std::process::Command::new("bash")
                    .args([script, "start", "--until", &me])
                    .status()
            })
            .await
            .unwrap()
            .expect("runs scripts/synapse.sh");
            assert!(status.success(), "scripts/synapse.sh start failed");
            "http://127.0.0.1:8448".to_string()
        })
        .await
}

/// A registered account.
#[derive(Clone, Debug)]
pub struct Account {
    pub user_id: String,
    pub password: String,
    pub token: String,
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{:012x}", fastrand::u64(..) >> 16)
}

/// Registers an account with the shared secret (no CLI): Synapse's nonce + HMAC-SHA1.
pub async fn register(prefix: &str, admin: bool) -> Account {
    let url = format!("{}/_synapse/admin/v1/register", synapse().await);
    let http = reqwest::Client::new();
    let nonce: serde_json::Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    let nonce = nonce["nonce"].as_str().unwrap().to_string();
    let username = unique(prefix);
    let password = unique("pw");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SHARED_SECRET.as_bytes()).unwrap();
    for (i, part) in [
        nonce.as_str(),
        &username,
        &password,
        if admin { "admin" } else { "notadmin" },
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            mac.update(b"\0");
        }
        mac.update(part.as_bytes());
    }
    let mac: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let answer: serde_json::Value = http
        .post(&url)
        .json(&json!({"nonce": nonce, "username": username, "password": password, "admin": admin, "mac": mac}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Account {
        user_id: answer["user_id"].as_str().expect("registered").to_string(),
        password,
        token: answer["access_token"].as_str().unwrap().to_string(),
    }
}

async fn admin() -> &'static Account {
    ADMIN.get_or_init(|| register("admin", true)).await
}

/// Lifts (or, with `false`, restores) Synapse's message rate limit for a user.
pub async fn exempt(user_id: &str, exempt: bool) {
    let url = format!(
        "{}/_synapse/admin/v1/users/{user_id}/override_ratelimit",
        synapse().await
    );
    let http = reqwest::Client::new();
    let request = if exempt {
        http.post(url)
            .json(&json!({"messages_per_second": 0, "burst_count": 0}))
    } else {
        http.delete(url)
    };
    let status = request
        .bearer_auth(&admin().await.token)
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "override_ratelimit: {status}");
}

/// An event a person's client saw, decrypted where it was encrypted.
#[derive(Clone, Debug)]
pub struct Seen {
    pub room: OwnedRoomId,
    pub event_id: OwnedEventId,
    pub sender: OwnedUserId,
    pub what: What,
}

/// What an m.image says about its image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageMeta {
    pub width: Option<u64>,
    pub height: Option<u64>,
    pub size: Option<u64>,
    pub thumbnail: bool,
}

#[derive(Clone, Debug)]
pub enum What {
    Message {
        msgtype: String,
        body: String,
        formatted: Option<String>,
        /// An mxc:// URL for an unencrypted image, "encrypted" for an encrypted one.
        media: Option<String>,
        /// An image's `info`, as its sender described it.
        image: Option<ImageMeta>,
        /// For an edit: the event it replaces and its new body.
        replaces: Option<(OwnedEventId, String)>,
        encrypted: bool,
    },
    Redaction {
        redacts: OwnedEventId,
        reason: Option<String>,
    },
    Member {
        user: String,
        membership: String,
        reason: Option<String>,
    },
}

/// A person with a Matrix client of their own, syncing in the background.
pub struct Person {
    pub client: Client,
    pub account: Account,
    seen: Arc<Mutex<Vec<Seen>>>,
    shutdown: CancellationToken,
}

impl Drop for Person {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl Person {
    /// A new account, exempt from the message rate limit, signed in and syncing.
    pub async fn new(prefix: &str) -> Person {
        let account = register(prefix, false).await;
        exempt(&account.user_id, true).await;
        let client = Client::builder()
            .homeserver_url(synapse().await)
            .build()
            .await
            .unwrap();
        client
            .matrix_auth()
            .login_username(&account.user_id, &account.password)
            .send()
            .await
            .unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        client.add_event_handler(
            move |ev: OriginalSyncRoomMessageEvent, room: Room, info: Option<EncryptionInfo>| {
                let log = Arc::clone(&log);
                async move {
                    let content = &ev.content;
                    let (formatted, media) = match &content.msgtype {
                        MessageType::Text(t) => {
                            (t.formatted.as_ref().map(|f| f.body.clone()), None)
                        }
                        MessageType::Notice(n) => {
                            (n.formatted.as_ref().map(|f| f.body.clone()), None)
                        }
                        MessageType::Image(i) => (
                            i.formatted.as_ref().map(|f| f.body.clone()),
                            Some(match &i.source {
                                matrix_sdk::ruma::events::room::MediaSource::Plain(uri) => {
                                    uri.to_string()
                                }
                                matrix_sdk::ruma::events::room::MediaSource::Encrypted(_) => {
                                    "encrypted".into()
                                }
                            }),
                        ),
                        _ => (None, None),
                    };
                    let image = match &content.msgtype {
                        MessageType::Image(i) => Some(i.info.as_deref().map_or(
                            ImageMeta {
                                width: None,
                                height: None,
                                size: None,
                                thumbnail: false,
                            },
                            |info| ImageMeta {
                                width: info.width.map(u64::from),
                                height: info.height.map(u64::from),
                                size: info.size.map(u64::from),
                                thumbnail: info.thumbnail_source.is_some(),
                            },
                        )),
                        _ => None,
                    };
                    let replaces = match &content.relates_to {
                        Some(Relation::Replacement(r)) => {
                            Some((r.event_id.clone(), r.new_content.msgtype.body().to_string()))
                        }
                        _ => None,
                    };
                    log.lock().unwrap().push(Seen {
                        room: room.room_id().to_owned(),
                        event_id: ev.event_id.clone(),
                        sender: ev.sender.clone(),
                        what: What::Message {
                            msgtype: content.msgtype.msgtype().to_string(),
                            body: content.body().to_string(),
                            formatted,
                            media,
                            image,
                            replaces,
                            encrypted: info.is_some(),
                        },
                    });
                }
            },
        );
        let log = Arc::clone(&seen);
        client.add_event_handler(move |ev: OriginalSyncRoomRedactionEvent, room: Room| {
            let log = Arc::clone(&log);
            async move {
                if let Some(redacts) = ev.content.redacts.clone().or(ev.redacts.clone()) {
                    log.lock().unwrap().push(Seen {
                        room: room.room_id().to_owned(),
                        event_id: ev.event_id.clone(),
                        sender: ev.sender.clone(),
                        what: What::Redaction {
                            redacts,
                            reason: ev.content.reason.clone(),
                        },
                    });
                }
            }
        });
        let log = Arc::clone(&seen);
        client.add_event_handler(move |ev: OriginalSyncRoomMemberEvent, room: Room| {
            let log = Arc::clone(&log);
            async move {
                log.lock().unwrap().push(Seen {
                    room: room.room_id().to_owned(),
                    event_id: ev.event_id.clone(),
                    sender: ev.sender.clone(),
                    what: What::Member {
                        user: ev.state_key.to_string(),
                        membership: ev.content.membership.to_string(),
                        reason: ev.content.reason.clone(),
                    },
                });
            }
        });
        // Upload the device's keys before anyone encrypts for it.
        client.sync_once(SyncSettings::default()).await.unwrap();
        let shutdown = CancellationToken::new();
        let syncing = client.clone();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let settings = SyncSettings::default().timeout(Duration::from_secs(2));
            tokio::select! {
                _ = syncing.sync(settings) => {}
                () = stop.cancelled() => {}
            }
        });
        Person {
            client,
            account,
            seen,
            shutdown,
        }
    }

    pub fn id(&self) -> &str {
        &self.account.user_id
    }

    /// Creates a private room, optionally encrypted, and invites `invite`.
    pub async fn create_room(&self, name: &str, encrypted: bool, invite: &[&str]) -> OwnedRoomId {
        let mut request = create_room::v3::Request::new();
        request.name = Some(name.to_string());
        request.invite = invite.iter().map(|u| u.parse().unwrap()).collect();
        if encrypted {
            request.initial_state = vec![
                InitialStateEvent::with_empty_state_key(
                    RoomEncryptionEventContent::with_recommended_defaults(),
                )
                .to_raw_any(),
            ];
        }
        self.client
            .create_room(request)
            .await
            .unwrap()
            .room_id()
            .to_owned()
    }

    /// Opens a direct chat with `user`, as clients do (marked direct, encrypted).
    pub async fn create_dm(&self, user: &str) -> OwnedRoomId {
        let user: OwnedUserId = user.parse().unwrap();
        self.client
            .create_dm(&user)
            .await
            .unwrap()
            .room_id()
            .to_owned()
    }

    pub fn room(&self, id: &RoomId) -> Room {
        self.client.get_room(id).expect("a room this person is in")
    }

    /// Writes `text` in a room; returns the event id.
    pub async fn say(&self, room: &RoomId, text: &str) -> OwnedEventId {
        self.send(room, RoomMessageEventContent::text_plain(text))
            .await
    }

    /// Sends `content` to `room`; returns the event id.
    async fn send(&self, room: &RoomId, content: RoomMessageEventContent) -> OwnedEventId {
        self.room(room)
            .send(content)
            .await
            .unwrap()
            .response
            .event_id
    }

    /// Writes a formatted message (`body` plain, `html` as `formatted_body`), as a client's
    /// rich-text editor sends it.
    pub async fn say_html(&self, room: &RoomId, body: &str, html: &str) -> OwnedEventId {
        self.send(room, RoomMessageEventContent::text_html(body, html))
            .await
    }

    /// Sends a PNG image as a client's attach button does (uploaded, then an m.image,
    /// encrypted in an encrypted room); returns the event id.
    pub async fn send_image(&self, room: &RoomId, png: Vec<u8>) -> OwnedEventId {
        use matrix_sdk::attachment::AttachmentConfig;
        self.room(room)
            .send_attachment("photo.png", &mime::IMAGE_PNG, png, AttachmentConfig::new())
            .await
            .unwrap()
            .event_id
    }

    /// Answers event `to` of `room` with `text` (a Matrix reply, `m.in_reply_to`).
    pub async fn reply(&self, room: &RoomId, to: &EventId, text: &str) -> OwnedEventId {
        use matrix_sdk::ruma::events::relation::{InReplyTo, Reply};
        use matrix_sdk::ruma::events::room::message::Relation;
        let mut content = RoomMessageEventContent::text_plain(text);
        content.relates_to = Some(Relation::Reply(Reply::new(InReplyTo::new(to.to_owned()))));
        self.send(room, content).await
    }

    /// Edits this person's message `original` to read `text` (`m.replace`, with the "* "
    /// fallback body clients send).
    pub async fn edit(&self, room: &RoomId, original: &EventId, text: &str) -> OwnedEventId {
        use matrix_sdk::ruma::events::relation::Replacement;
        use matrix_sdk::ruma::events::room::message::{
            Relation, RoomMessageEventContentWithoutRelation,
        };
        let mut content = RoomMessageEventContent::text_plain(format!("* {text}"));
        content.relates_to = Some(Relation::Replacement(Replacement::new(
            original.to_owned(),
            RoomMessageEventContentWithoutRelation::text_plain(text),
        )));
        self.send(room, content).await
    }

    /// Accepts an invite to `room`.
    pub async fn room_join(&self, room: &RoomId) {
        for _ in 0..100 {
            if let Some(r) = self.client.get_room(room) {
                r.join().await.unwrap();
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} was never invited to {room}", self.id());
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits for the first event satisfying `test`.
    pub async fn wait(&self, what: &str, test: impl Fn(&Seen) -> bool) -> Seen {
        self.wait_after(0, what, test).await
    }

    /// Waits for the first event after the first `skip` satisfying `test`.
    async fn wait_after(&self, skip: usize, what: &str, test: impl Fn(&Seen) -> bool) -> Seen {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(found) = self.seen().into_iter().skip(skip).find(|s| test(s)) {
                return found;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("{} never saw {what}; it saw {:#?}", self.id(), self.seen());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A message from `sender` in `room` whose body contains `needle`.
    pub async fn message_from(&self, sender: &str, room: &RoomId, needle: &str) -> Seen {
        self.wait(&format!("«{needle}» from {sender} in {room}"), |s| {
            s.room == room
                && s.sender.as_str() == sender
                && matches!(&s.what, What::Message { body, replaces: None, .. } if body.contains(needle))
        })
        .await
    }

    /// Writes `text` and waits for herald's answer containing `needle` (after the question).
    pub async fn ask(&self, herald: &str, room: &RoomId, text: &str, needle: &str) -> Seen {
        let before = self.seen().len();
        self.say(room, text).await;
        self.wait_after(
            before,
            &format!("an answer to «{text}» with «{needle}»"),
            |s| {
                s.room == room
                    && s.sender.as_str() == herald
                    && matches!(&s.what, What::Message { body, .. } if body.contains(needle))
            },
        )
        .await
    }
}

pub fn body(seen: &Seen) -> &str {
    match &seen.what {
        What::Message { body, .. } => body,
        _ => "",
    }
}

/// herald with Matrix on, as `herald run` starts it, on its own account and data directory.
pub struct Herald {
    pub app: App,
    pub account: Account,
    pub device_id: String,
    pub dir: Arc<TempDir>,
    herald: Application,
}

/// How a test sets herald up.
pub struct Setup {
    /// Who may invite herald.
    pub inviters: Vec<String>,
    pub owners: Vec<String>,
    /// herald's own pacing; `None`: none at all.
    pub limits: Option<RatePolicy>,
    /// Wraps the adapter's outbound (to watch what the engine sends).
    pub wrap: Option<WrapOutbound>,
}

impl Herald {
    /// A new account for herald, exempt from Synapse's message limit (see [`exempt`]).
    pub async fn start(setup: Setup) -> Herald {
        let account = register("herald", false).await;
        exempt(&account.user_id, true).await;
        let dir = Arc::new(tempfile::tempdir().unwrap());
        Herald::run(account, dir, setup).await
    }

    /// Starts on an existing account and data directory (a restart).
    pub async fn run(account: Account, dir: Arc<TempDir>, setup: Setup) -> Herald {
        Herald::run_on(account, dir, setup, None).await
    }

    /// Like `run`, on the PostgreSQL database at `database` when given (one of several
    /// processes on it: signed in with the password, a device of its own).
    pub async fn run_on(
        account: Account,
        dir: Arc<TempDir>,
        setup: Setup,
        database: Option<&str>,
    ) -> Herald {
        if let Ok(filter) = std::env::var("RUST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
        let owners: Vec<&str> = setup.owners.iter().map(String::as_str).collect();
        let mut settings = Settings::for_tests(dir.path(), &owners).unwrap();
        settings.matrix = Some(MatrixSettings {
            homeserver_url: url::Url::parse(synapse().await).unwrap(),
            user_id: account.user_id.clone(),
            login: MatrixLogin::Password(account.password.clone().into()),
            store_passphrase: Some("test passphrase".to_string().into()),
            allowed_inviters: setup.inviters.clone(),
            device_name: "herald test".into(),
        });
        settings.ingest.allow_private = vec![herald::domain::Network::parse("127.0.0.1").unwrap()];
        settings.database_url =
            database.map(|url| herald::domain::DatabaseUrl::Postgres(url.into()));
        let limits = setup.limits.unwrap_or(RatePolicy {
            margin: Duration::ZERO,
            ..RatePolicy::unlimited()
        });
        settings.matrix_limits = limits;
        let options = Options {
            wrap: setup.wrap,
            ..Options::default()
        };
        let herald = Application::build_with(settings, options, CancellationToken::new())
            .await
            .expect("herald starts with Matrix");
        Herald {
            app: herald.app().clone(),
            account,
            device_id: herald.matrix_device().expect("Matrix is on").to_string(),
            dir,
            herald,
        }
    }

    pub fn id(&self) -> &str {
        &self.account.user_id
    }

    /// Whether this process leads (syncs and delivers) among those on its database.
    pub fn leading(&self) -> bool {
        self.herald.leading()
    }

    /// Ends the process as kill -9 would: every task stops where it is, nothing is given up.
    pub fn kill(self) {
        drop(self.herald);
    }

    /// Stops the adapter and the engine; returns what a restart needs.
    pub async fn stop(self) -> (Account, Arc<TempDir>) {
        self.herald.stop().await.expect("herald stops");
        (self.account, self.dir)
    }
}

/// How many devices the homeserver lists for a user.
pub async fn device_count(user_id: &str) -> u64 {
    let url = format!(
        "{}/_synapse/admin/v2/users/{user_id}/devices",
        synapse().await
    );
    let answer: serde_json::Value = reqwest::Client::new()
        .get(url)
        .bearer_auth(&admin().await.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["total"].as_u64().expect("a device list")
}
