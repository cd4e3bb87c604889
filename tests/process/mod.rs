//! The real `herald` binary as a process, for the tests that stop it the way an operating
//! system or an operator does: readers set up through herald's own use cases while no herald
//! runs, `herald run` spawned against the Telegram simulator, signals, and what every reader's
//! chat shows.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use herald::app::App;
use herald::application::{Application, Options};
use herald::config::Settings;
use herald::domain::{ChatKind, Language, Platform, TimeZoneName};
use herald::store::{NewArticle, NewChat};
use tgsim::{Kind, Simulator};
use tokio_util::sync::CancellationToken;

/// The readers' chat ids: `FIRST_CHAT..FIRST_CHAT + count`.
pub const FIRST_CHAT: i64 = 10_000;

/// The settings of a newsroom in `dir` (its SQLite database there).
pub fn settings(dir: &Path) -> Settings {
    Settings::for_tests(dir, &["telegram:1"]).expect("settings")
}

/// Builds herald in-process, its workers off (on SQLite the binary under test is stopped), to
/// run `act` on its use cases, then stops it.
pub async fn with_app<F, Fut>(settings: &Settings, act: F)
where
    F: FnOnce(App) -> Fut,
    Fut: std::future::Future<Output = App>,
{
    let settings = settings.clone();
    let options = Options {
        workers: false,
        ..Options::default()
    };
    let herald = Application::build_with(settings, options, CancellationToken::new())
        .await
        .expect("herald builds (and the one under test is stopped)");
    act(herald.app().clone()).await;
    herald.stop().await.expect("herald stops");
}

/// `count` private readers subscribed to everything, known to herald and to the simulator.
pub async fn subscribe_all(settings: &Settings, sim: &Simulator, count: i64) {
    with_app(settings, |app| async move {
        for n in 0..count {
            let id = (FIRST_CHAT + n).to_string();
            let chat = app
                .store()
                .upsert_chat(NewChat {
                    platform: Platform::Telegram,
                    native_id: &id,
                    kind: ChatKind::Private,
                    title: "reader",
                    language: Language::En,
                    time_zone: TimeZoneName::utc(),
                })
                .await
                .expect("chat");
            app.store()
                .subscribe(chat.id, None)
                .await
                .expect("subscribe");
        }
        app
    })
    .await;
    for n in 0..count {
        sim.add_chat(FIRST_CHAT + n, Kind::Private, "reader");
    }
}

/// Publishes an article titled `title` (its deliveries planned, none sent).
pub async fn publish(settings: &Settings, title: String) {
    with_app(settings, |app| async move {
        let now = app.clock().now();
        let article = NewArticle::text(&title, "Text.", Language::En, Vec::new(), now);
        app.publish(&article).await.expect("article");
        app
    })
    .await;
}

/// Held by each test of a binary while it runs: a process one test forks holds copies of the
/// test process's files until it executes herald, and among them may be the data directory's
/// lock the other test's herald is about to take.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Starts `herald run` on `dir` against the simulator, with `env` set besides.
pub fn spawn_herald(dir: &Path, sim: &Simulator, env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("run")
        .env("HERALD__STORAGE__DATA_DIR", dir)
        .env("HERALD__ACCESS__OWNERS", "telegram:1")
        .env("HERALD__CONSOLE__DEMO", "never")
        .env("HERALD__TELEGRAM__TOKEN", &sim.token)
        .env("HERALD__TELEGRAM__API_URL", sim.api_url())
        .env("HERALD__TELEGRAM__REGISTER_COMMANDS", "false")
        .env("HERALD__LOG__FILTER", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("herald starts")
}

/// Sends SIG`name` and waits until herald has exited.
pub fn signal(child: &mut Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "herald did not stop on SIG{name}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Messages the `count` readers' chats hold, in total.
pub fn messages(sim: &Simulator, count: i64) -> usize {
    let sim = sim.sim();
    (0..count)
        .map(|n| sim.chats[&(FIRST_CHAT + n)].messages.len())
        .sum()
}

/// Copies of each article's title per reader.
pub fn copies(sim: &Simulator, count: i64, titles: &[String]) -> Vec<usize> {
    let sim = sim.sim();
    let mut out = Vec::new();
    for n in 0..count {
        let chat = &sim.chats[&(FIRST_CHAT + n)];
        for title in titles {
            out.push(
                chat.messages
                    .iter()
                    .filter(|m| &m.text == title || m.text.starts_with(&format!("{title}\n")))
                    .count(),
            );
        }
    }
    out
}
