//! Reply to act: an editor answers an article's copy (or herald's "Published as #N") with
//! /edit, /retract, /preview or /article instead of looking up its number; and edits their
//! /post message to correct the article.

use std::time::Duration;

use serde_json::json;
use tgsim::Limits;
use tgsim::state::Message;

use crate::tg::{OWNER, Tg, spawn_tg_with};

/// The owner's chat, subscribed to everything, so copies of their own articles arrive there;
/// an edit of a /post corrects its article for `window`.
async fn desk_with_window(window: Duration) -> Tg {
    let tg = spawn_tg_with(Limits::default(), |s| s.newsroom.correction_window = window).await;
    tg.newsroom().await;
    tg.ask(OWNER, OWNER, "/subscribe all", "all news").await;
    tg
}

fn latest(tg: &Tg, needle: &str) -> Message {
    tg.sim
        .messages(OWNER)
        .into_iter()
        .rev()
        .find(|m| !m.deleted && m.text.contains(needle))
        .unwrap_or_else(|| panic!("no message with «{needle}»"))
}

async fn retracted(tg: &Tg, id: i64) -> bool {
    let article = tg.t.app.store().article(id).await.unwrap().unwrap();
    article.retracted_at.is_some()
}

/// `/retract` answering a copy, `/edit` answering "Published as #N".
async fn reply_and_wait(tg: &Tg, to: &Message, text: &str, needle: &str) -> Message {
    let before = tg.sim.messages(OWNER).len();
    tg.sim.user_replies(OWNER, OWNER, to.message_id, text);
    let found = tg
        .wait(OWNER, |m| {
            m.message_id > before as i64 && !m.deleted && m.text.contains(needle)
        })
        .await;
    found.unwrap_or_else(|| panic!("no answer with «{needle}» to «{text}»"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replying_to_a_copy_or_to_the_published_answer_targets_that_article() {
    let tg = desk_with_window(Duration::from_secs(3600)).await;
    for (title, body, answer) in [
        (
            "Dam repairs begin in Chirkey",
            "Crews arrived on Monday.",
            "#1",
        ),
        ("Market reopens after the flood", "Traders are back.", "#2"),
    ] {
        let post = format!("/post\ntitle: {title}\nlang: en\n\n{body}");
        tg.ask(OWNER, OWNER, &post, &format!("Published as {answer}"))
            .await;
    }
    tg.expect(OWNER, "Crews arrived").await;

    // Answering herald's "Published as #2" with /edit corrects article 2.
    let published = latest(&tg, "Published as #2");
    reply_and_wait(
        &tg,
        &published,
        "/edit title: Market reopens a week after the flood",
        "#2",
    )
    .await;
    let store = tg.t.app.store();
    let second = store.article(2).await.unwrap().unwrap();
    assert_eq!(second.title, "Market reopens a week after the flood");

    // Answering the copy of article 1 with /article shows it; with /retract withdraws it.
    let copy = latest(&tg, "Dam repairs begin in Chirkey");
    reply_and_wait(&tg, &copy, "/article", "Crews arrived on Monday.").await;
    reply_and_wait(&tg, &copy, "/retract wrong dam", "Article #1 retracted").await;
    assert!(retracted(&tg, 1).await);
    assert!(!retracted(&tg, 2).await);

    // An explicit id wins over the replied message; a reply to anything else needs one.
    let help = tg.ask(OWNER, OWNER, "/help", "/post").await;
    reply_and_wait(&tg, &help, "/retract", "/retract <id>").await;
    assert!(!retracted(&tg, 2).await);
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_the_post_message_corrects_the_article_within_the_window() {
    let tg = desk_with_window(Duration::from_secs(3600)).await;
    let post = "/post\ntitle: Dam repairs begin in Chirkey\nlang: en\n\nCrews arrived on Monday.";
    let message = tg.sim.user_says_formatted(OWNER, OWNER, post, json!([]));
    tg.expect(OWNER, "Published as #1").await;
    tg.expect(OWNER, "Crews arrived on Monday.").await;
    tg.sim.user_edits(
        OWNER,
        OWNER,
        message,
        "/post\ntitle: Dam repairs begin in Chirkey\nlang: en\n\nCrews arrived on Tuesday.",
    );
    tg.expect(OWNER, "Article #1 corrected (version 2)").await;
    // The copy already sent is edited in place.
    let copy = tg
        .wait(OWNER, |m| {
            m.text.contains("Crews arrived on Tuesday.") && m.edits > 0
        })
        .await;
    assert!(copy.is_some(), "the copy was edited");
    let article = tg.t.app.store().article(1).await.unwrap().unwrap();
    assert_eq!(article.body.text, "Crews arrived on Tuesday.");
    tg.stop().await;

    // After the window, the editor is pointed to /edit and nothing changes.
    let tg = desk_with_window(Duration::ZERO).await;
    let message = tg.sim.user_says_formatted(OWNER, OWNER, post, json!([]));
    tg.expect(OWNER, "Published as #1").await;
    tg.sim
        .user_edits(OWNER, OWNER, message, &post.replace("Monday", "Friday"));
    tg.expect(OWNER, "Use /edit 1").await;
    let article = tg.t.app.store().article(1).await.unwrap().unwrap();
    assert_eq!(article.body.text, "Crews arrived on Monday.");
    tg.stop().await;
}
