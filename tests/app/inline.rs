//! Telegram's inline mode through the simulator: `@herald_bot words` in any chat lists
//! articles page by page, the latest when nothing is typed, and the message shared is the
//! article as a chat receives it, legal label included.

use std::time::{Duration, Instant};

use herald::domain::{Label, LabelPosition};
use tgsim::{InlineAnswer, Limits};

use crate::tg::{Tg, spawn_tg_with};

const LABEL: &str =
    "This story was published by a media outlet the Ministry of Justice lists as a foreign agent.";

async fn answered(tg: &Tg, id: &str) -> InlineAnswer {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if let Some(answer) = tg.sim.inline_query(id).and_then(|q| q.answer) {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("inline query {id} was not answered");
}

async fn labelled_newsroom() -> Tg {
    spawn_tg_with(Limits::default(), |s| {
        let label = Label {
            text: LABEL.into(),
            position: LabelPosition::Top,
        };
        s.newsroom.labels.insert("agent".into(), label);
        s.newsroom.default_label = Some("agent".into());
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_query_lists_what_search_finds_page_by_page_and_shares_it_labelled() {
    let tg = labelled_newsroom().await;
    for i in 1..=25 {
        let posted =
            tg.t.say(
                "1",
                &format!(
                    "/post\ntitle: Hearing {i} for Mekhman Huseynov\nlead: The journalist appeared in court.\n\nThe hearing was adjourned."
                ),
            )
            .await;
        assert!(posted.starts_with("Published"), "{posted}");
    }
    tg.t.say("1", "/post\ntitle: Rain in Baku\n\nIt rained.")
        .await;

    let first = answered(&tg, &tg.sim.user_inline_query(42, "Гусейнов", "")).await;
    assert_eq!(first.results.len(), 20);
    assert_eq!(first.next_offset, "1");
    assert!(first.cache_time.is_some_and(|s| s > 0 && s <= 60));
    for result in &first.results {
        assert!(
            result["title"].as_str().unwrap().contains("Huseynov"),
            "{result}"
        );
        assert!(
            result["description"]
                .as_str()
                .unwrap()
                .contains("The journalist appeared in court."),
            "{result}"
        );
    }
    for shown in first.shown.values() {
        assert!(shown.starts_with(LABEL), "{shown}");
        assert!(shown.contains("Mekhman Huseynov"), "{shown}");
    }
    let second = answered(&tg, &tg.sim.user_inline_query(42, "Гусейнов", "1")).await;
    assert_eq!(second.results.len(), 5);
    assert_eq!(second.next_offset, "", "the last page");
    assert!(second.shown.keys().all(|id| !first.shown.contains_key(id)));

    let latest = answered(&tg, &tg.sim.user_inline_query(42, "", "")).await;
    assert_eq!(latest.results[0]["title"], "Rain in Baku");
    assert_eq!(latest.results.len(), 20);

    let refused = answered(&tg, &tg.sim.user_inline_query(42, "-Baku", "")).await;
    assert!(refused.results.is_empty());
    let button = refused.button.expect("the reason above the results");
    assert!(
        button["text"].as_str().unwrap().contains("only excludes"),
        "{button}"
    );
    tg.stop().await;
}
