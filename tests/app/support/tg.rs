//! herald on Telegram against the Bot API simulator, in real time: the adapter polls the
//! simulator, the engine delivers through it, and tests act as users through the simulator.

use std::time::Duration;

use herald::application::Options;
use herald::config::{Settings, TelegramMode, TelegramSettings};
use tgsim::state::Message;
use tgsim::{Kind, Limits, Simulator};

use crate::helpers::TestApp;

pub const TOKEN: &str = "4242:TESTTOKEN";
/// The owner, from the test settings (`telegram:1`); their private chat has the same id.
pub const OWNER: i64 = 1;
/// How long a test waits for something to show up before failing.
const PATIENCE: Duration = Duration::from_secs(20);

pub struct Tg {
    pub sim: Simulator,
    /// herald as `herald run` builds it, polling (or taking webhooks from) the simulator.
    pub t: TestApp,
}

/// A simulator with Telegram's limits, herald polling it, and the owner's private chat.
pub async fn spawn_tg() -> Tg {
    spawn_tg_with(Limits::default(), |_| {}).await
}

pub async fn spawn_tg_with(limits: Limits, adjust: impl FnOnce(&mut Settings)) -> Tg {
    let sim = Simulator::start(0, TOKEN, limits).await.expect("simulator");
    sim.add_chat(OWNER, Kind::Private, "Owner");
    let api_url = url::Url::parse(&sim.api_url()).expect("url");
    let t = crate::helpers::spawn_herald(Options::default(), |s| {
        s.telegram = Some(TelegramSettings {
            token: TOKEN.to_string().into(),
            api_url,
            mode: TelegramMode::Polling,
            register_commands: true,
        });
        adjust(s);
        // The webhook is served where Telegram is told to post it.
        if let Some(TelegramMode::Webhook { url, .. }) = s.telegram.as_ref().map(|t| &t.mode) {
            let addr = format!("127.0.0.1:{}", url.port().expect("a port"));
            s.http_listen = Some(addr.parse().expect("an address"));
        }
    })
    .await;
    Tg { sim, t }
}

impl Tg {
    /// `from` writes `text` in `chat`.
    pub fn say(&self, chat: i64, from: i64, text: &str) {
        self.sim.user_says(chat, None, from, text);
    }

    /// Waits until `chat` shows a message (not deleted) whose text contains `needle`.
    pub async fn expect(&self, chat: i64, needle: &str) -> Message {
        self.wait(chat, |m| !m.deleted && m.text.contains(needle))
            .await
            .unwrap_or_else(|| {
                let shown: Vec<String> = self
                    .sim
                    .messages(chat)
                    .into_iter()
                    .map(|m| m.text)
                    .collect();
                panic!("chat {chat} never showed «{needle}»; it shows {shown:#?}")
            })
    }

    /// `from` writes `text` in `chat` and the answer containing `needle` arrives.
    pub async fn ask(&self, chat: i64, from: i64, text: &str, needle: &str) -> Message {
        let before = self.sim.messages(chat).len();
        self.say(chat, from, text);
        let found = self
            .wait_after(chat, before, |m| m.text.contains(needle))
            .await;
        found.unwrap_or_else(|| {
            let shown: Vec<String> = self.sim.messages(chat)[before..]
                .iter()
                .map(|m| m.text.clone())
                .collect();
            panic!("«{text}» in {chat}: no answer with «{needle}»; got {shown:#?}")
        })
    }

    /// Waits for the first message satisfying `test`.
    pub async fn wait(&self, chat: i64, test: impl Fn(&Message) -> bool) -> Option<Message> {
        self.wait_after(chat, 0, test).await
    }

    async fn wait_after(
        &self,
        chat: i64,
        skip: usize,
        test: impl Fn(&Message) -> bool,
    ) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let messages = self.sim.messages(chat);
            if let Some(found) = messages.iter().skip(skip).find(|m| test(m)) {
                return Some(found.clone());
            }
            if tokio::time::Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until `check` holds, polling; false if it never does.
    pub async fn until(&self, check: impl Fn(&Tg) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while tokio::time::Instant::now() < deadline {
            if check(self) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        check(self)
    }

    /// The owner adds the usual topics and grants roles, through Telegram.
    pub async fn newsroom(&self) {
        self.t.with_topics().await;
        self.ask(OWNER, OWNER, "/grant telegram:50 editor", "editor")
            .await;
        self.ask(OWNER, OWNER, "/grant telegram:60 moderator", "moderator")
            .await;
    }

    /// Stops the adapter and the engine.
    pub async fn stop(mut self) {
        self.t.stop().await;
    }
}
