//! Paid broadcasts on Telegram, through the simulator (which allows 1,000 a second only to
//! requests that set `allow_paid_broadcast`): articles go paid, nothing else ever does, and the
//! day's cap falls back to the free rate with one word to the owners.

use std::time::Duration;

use herald::config::{PaidBroadcast, Settings, Window};
use tgsim::{Kind, Limits};

use crate::tg::{OWNER, Tg, spawn_tg_with};

const READERS: std::ops::Range<i64> = 100..112;

fn paid(max_per_day: u64) -> PaidBroadcast {
    PaidBroadcast {
        total: Window {
            count: 1_000,
            window: Duration::from_secs(1),
        },
        only_breaking: false,
        min_backlog: Duration::ZERO,
        max_per_day,
    }
}

/// Twelve readers following everything.
async fn readers(max_per_day: u64) -> Tg {
    readers_paying(paid(max_per_day)).await
}

async fn readers_paying(paid: PaidBroadcast) -> Tg {
    readers_serving(paid, None).await
}

/// Like `readers_paying`, with `/metrics` served on `listen`.
async fn readers_serving(paid: PaidBroadcast, listen: Option<std::net::SocketAddr>) -> Tg {
    let tg = spawn_tg_with(Limits::default(), |s: &mut Settings| {
        s.telegram_limits.paid = Some(paid);
        s.http_listen = listen;
    })
    .await;
    for reader in READERS {
        tg.sim.add_chat(reader, Kind::Private, "Reader");
        tg.ask(reader, reader, "/subscribe all", "all news").await;
    }
    tg
}

fn post(title: &str) -> String {
    format!("/post\ntitle: {title}\n\nThe ferry to Baku runs again from Monday.")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn articles_go_as_paid_broadcasts_and_replies_never_do() {
    let tg = readers(0).await;
    let published = tg
        .ask(OWNER, OWNER, &post("Ferry resumes"), "Published")
        .await;
    for reader in READERS {
        let copy = tg.expect(reader, "Ferry resumes").await;
        assert!(
            copy.paid,
            "the article to {reader} was sent as a paid broadcast"
        );
        let answer = tg.expect(reader, "all news").await;
        assert!(!answer.paid, "the reply to /subscribe in {reader} was free");
    }
    assert!(!published.paid, "the editor's answer was free");
    let stats = tg.sim.sim().stats.clone();
    assert_eq!(stats.paid, READERS.count() as u64);
    assert_eq!(stats.rate_limited, 0);
    assert!(
        tg.ask(OWNER, OWNER, "/deliveries", "Paid broadcasts")
            .await
            .text
            .contains("Paid broadcasts today (UTC): 12 of no cap")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_days_cap_articles_go_at_the_free_rate_and_the_owners_hear_it_once() {
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let tg = readers_serving(paid(5), Some(listen)).await;
    tg.ask(OWNER, OWNER, &post("Ferry resumes"), "Published")
        .await;
    for reader in READERS {
        tg.expect(reader, "Ferry resumes").await;
    }
    tg.ask(OWNER, OWNER, &post("Ferry timetable"), "Published")
        .await;
    for reader in READERS {
        tg.expect(reader, "Ferry timetable").await;
    }
    let stats = tg.sim.sim().stats.clone();
    assert_eq!(stats.paid, 5, "no more paid messages than the cap");
    assert_eq!(stats.rate_limited, 0);
    let notices = tg
        .sim
        .messages(OWNER)
        .into_iter()
        .filter(|m| m.text.contains("reached the cap of 5 messages"))
        .count();
    assert_eq!(notices, 1, "the owner is told once");
    assert!(
        tg.ask(OWNER, OWNER, "/deliveries", "Paid broadcasts")
            .await
            .text
            .contains("Paid broadcasts today (UTC): 5 of 5")
    );
    let metrics = reqwest::get(format!("http://{listen}/metrics"))
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("metrics text");
    for line in [
        "herald_paid_broadcasts_today{platform=\"telegram\"} 5",
        "herald_paid_broadcasts_cap{platform=\"telegram\"} 5",
        "herald_paid_broadcast_cap_reached{platform=\"telegram\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_breaking_news_is_paid_for_when_so_configured() {
    let tg = readers_paying(PaidBroadcast {
        only_breaking: true,
        ..paid(0)
    })
    .await;
    tg.ask(OWNER, OWNER, &post("Ferry timetable"), "Published")
        .await;
    tg.ask(
        OWNER,
        OWNER,
        "/post\ntitle: Ferry aground off Baku\nbreaking: yes\n\nAll passengers are safe.",
        "Published",
    )
    .await;
    for reader in READERS {
        assert!(!tg.expect(reader, "Ferry timetable").await.paid);
        assert!(tg.expect(reader, "Ferry aground").await.paid);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_the_free_rate_clears_soon_is_not_paid_for() {
    let tg = readers_paying(PaidBroadcast {
        min_backlog: Duration::from_secs(60),
        ..paid(0)
    })
    .await;
    tg.ask(OWNER, OWNER, &post("Ferry timetable"), "Published")
        .await;
    for reader in READERS {
        assert!(!tg.expect(reader, "Ferry timetable").await.paid);
    }
    assert_eq!(tg.sim.sim().stats.paid, 0);
}
