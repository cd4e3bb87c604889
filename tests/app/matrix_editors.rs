//! Editors in Matrix rooms against a real Synapse: formatting from a client's rich text,
//! reply to act, and an edited `!post` correcting its article.

use crate::matrix::newsroom;
use crate::mx::What;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editors_formatting_in_a_room_reaches_every_copy() {
    let n = newsroom().await;
    let h = n.herald.id();
    // What Element sends for a post typed with its formatting buttons.
    let plain = "!post\ntitle: Court rules on the landfill\nlang: en\n\n\
        The district court ruled on Monday; read the ruling.";
    let html = "!post<br>title: Court rules on the landfill<br>lang: en<br><br>\
        The <strong>district court</strong> ruled <em>on Monday</em>; read \
        <a href=\"https://example.org/ruling\">the ruling</a>.";
    n.owner.say_html(&n.room, plain, html).await;
    n.owner.message_from(h, &n.room, "Published as #").await;
    let copy = n.reader.message_from(h, &n.home, "ruled on Monday").await;
    let What::Message { formatted, .. } = &copy.what else {
        unreachable!()
    };
    let formatted = formatted.as_deref().expect("a formatted copy");
    for expected in [
        "<strong>district court</strong>",
        "<em>on Monday</em>",
        "<a href=\"https://example.org/ruling\">the ruling</a>",
    ] {
        assert!(formatted.contains(expected), "{expected} in {formatted}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_retracts_an_article_by_replying_to_its_copy() {
    let n = newsroom().await;
    let h = n.herald.id();
    n.owner
        .ask(h, &n.room, "!subscribe all", "Subscribed to all news")
        .await;
    n.owner
        .ask(
            h,
            &n.room,
            "!post\ntitle: Ferry service resumes\nlang: en\n\nThe first ferry left at noon.",
            "Published as #",
        )
        .await;
    let copy = n
        .owner
        .message_from(h, &n.room, "Ferry service resumes")
        .await;
    n.owner
        .reply(&n.room, &copy.event_id, "!retract wrong port")
        .await;
    n.owner
        .message_from(h, &n.room, "Article #1 retracted")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_post_message_corrects_the_article_in_every_room() {
    let n = newsroom().await;
    let h = n.herald.id();
    let post = "!post\ntitle: Ferry service resumes\nlang: en\n\nThe first ferry left at noon.";
    let command = n.owner.say(&n.room, post).await;
    n.owner.message_from(h, &n.room, "Published as #1").await;
    n.reader.message_from(h, &n.home, "left at noon").await;
    n.owner
        .edit(&n.room, &command, &post.replace("noon", "dawn"))
        .await;
    n.owner
        .message_from(h, &n.room, "Article #1 corrected (version 2)")
        .await;
    n.reader
        .wait("the reader's copy corrected", |s| {
            matches!(&s.what, What::Message { replaces: Some((_, body)), .. } if body.contains("left at dawn"))
        })
        .await;
}
