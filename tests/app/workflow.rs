//! The editorial workflow: drafts, approval, embargo times, for each role (tokio's paused
//! clock, held; see `delivery::hold_clock`).

use std::time::Duration;

use chrono::{TimeZone, Utc};
use herald::clock::Clock;

use crate::delivery::{hold_clock, pass};
use crate::helpers::{TestApp, spawn_app_at};

/// A newsroom that requires approval, at 10:00 Moscow time; telegram:50 is an editor and
/// telegram:60 a moderator; chat 10 follows everything.
async fn newsroom() -> TestApp {
    let clock = Clock::starting_at(Utc.with_ymd_and_hms(2024, 4, 1, 7, 0, 0).unwrap());
    let t = spawn_app_at(clock, |s| s.newsroom.require_approval = true).await;
    t.say("1", "/grant telegram:50 editor").await;
    t.say("1", "/grant telegram:60 moderator").await;
    t.say("10", "/subscribe all").await;
    t
}

async fn pending(t: &TestApp) -> String {
    t.say("1", "/deliveries").await
}

#[tokio::test]
async fn an_editors_post_is_a_draft_that_only_the_newsroom_sees_until_approved() {
    let t = newsroom().await;
    let saved = t.say("50", "/post\ntitle: Dam inspection results").await;
    assert!(
        saved.starts_with("Saved as draft #1; it is published once a moderator approves it."),
        "{saved}"
    );
    assert_eq!(t.say("42", "/article 1").await, "There is no article #1.");
    assert_eq!(t.say("42", "/latest").await, "No articles yet.");
    assert!(
        t.say("42", "/search dam")
            .await
            .starts_with("Nothing found")
    );
    assert!(
        t.say("50", "/article 1")
            .await
            .starts_with("Dam inspection results")
    );
    assert!(
        t.say("50", "/drafts")
            .await
            .contains("#1 · draft · Dam inspection results")
    );
    assert!(
        pending(&t).await.contains("pending 0"),
        "nothing is delivered yet"
    );

    assert_eq!(
        t.say("50", "/approve 1").await,
        "Not allowed: this needs the moderator role."
    );
    assert_eq!(
        t.say("60", "/approve 1").await,
        "Article #1 approved and published."
    );
    assert!(
        t.say("42", "/latest")
            .await
            .contains("Dam inspection results")
    );
    assert!(t.say("42", "/search dam").await.contains("#1"));
    assert!(
        pending(&t).await.contains("pending 1"),
        "approval planned the delivery"
    );
    assert_eq!(
        t.say("60", "/approve 1").await,
        "Article #1 is already published."
    );
    assert_eq!(
        t.say("50", "/drafts").await,
        "No drafts and nothing under embargo."
    );
    let audit = t.audit().await;
    assert!(
        audit.contains(&"telegram:60 approve ok".to_string())
            && audit.contains(&"telegram:50 approve refused".to_string())
    );
}

#[tokio::test]
async fn moderators_publish_directly_and_readers_cannot_use_the_workflow() {
    let t = newsroom().await;
    assert!(
        t.say("60", "/post\ntitle: Moderator's note")
            .await
            .starts_with("Published as #1.")
    );
    for command in ["/drafts", "/schedule 1 2024-04-02 09:00", "/preview 1"] {
        assert_eq!(
            t.say("42", command).await,
            "Not allowed: this needs the editor role.",
            "{command}"
        );
    }
    assert_eq!(
        t.say("42", "/approve 1").await,
        "Not allowed: this needs the moderator role."
    );
}

#[tokio::test]
async fn an_embargoed_article_is_published_when_its_time_comes() {
    let t = newsroom().await;
    hold_clock();
    t.say("50", "/post\ntitle: Court verdict expected").await;
    assert_eq!(
        t.say("50", "/schedule 1 2024-04-01 12:30").await,
        "Article #1 is set for 01.04.2024 12:30 MSK; it still needs a moderator's /approve."
    );
    assert_eq!(
        t.say("60", "/approve 1").await,
        "Article #1 approved; it will be published at 01.04.2024 12:30 MSK."
    );
    assert!(
        t.say("50", "/drafts")
            .await
            .contains("#1 · scheduled · 01.04.2024 12:30 MSK · Court verdict expected")
    );
    assert_eq!(t.app.publish_due().await.unwrap(), 0);
    assert_eq!(t.say("42", "/latest").await, "No articles yet.");
    pass(Duration::from_secs(2 * 3600 + 29 * 60)).await;
    assert_eq!(t.app.publish_due().await.unwrap(), 0, "a minute early");
    pass(Duration::from_secs(60)).await;
    assert_eq!(t.app.publish_due().await.unwrap(), 1);
    let latest = t.say("42", "/latest").await;
    assert!(
        latest.contains("#1 · 01.04.2024 12:30 MSK · Court verdict expected"),
        "{latest}"
    );
    assert!(pending(&t).await.contains("pending 1"));
}

#[tokio::test]
async fn schedule_refuses_past_times_and_bad_dates() {
    let t = newsroom().await;
    t.say("50", "/post\ntitle: Draft").await;
    assert!(
        t.say("50", "/schedule 1 2024-03-31 09:00")
            .await
            .contains("is not a date")
    );
    assert!(
        t.say("50", "/schedule 1 tomorrow")
            .await
            .contains("«tomorrow» is not a date")
    );
    assert!(
        t.say("50", "/schedule 1")
            .await
            .starts_with("Usage: /schedule")
    );
    assert_eq!(
        t.say("50", "/schedule 9 2024-04-02 09:00").await,
        "There is no article #9."
    );
}

#[tokio::test]
async fn a_draft_can_be_corrected_and_retracted_before_it_is_ever_published() {
    let t = newsroom().await;
    t.say("50", "/post\ntitle: First draft").await;
    assert_eq!(
        t.say("50", "/edit 1\ntitle: Second draft").await,
        "Article #1 corrected (version 2)."
    );
    assert!(
        t.say("42", "/search draft")
            .await
            .starts_with("Nothing found"),
        "a corrected draft stays out of search"
    );
    assert_eq!(
        t.say("50", "/retract 1 not needed").await,
        "Article #1 retracted."
    );
    assert_eq!(
        t.say("50", "/drafts").await,
        "No drafts and nothing under embargo."
    );
    assert_eq!(t.say("60", "/approve 1").await, "Article #1 is retracted.");
    assert!(
        pending(&t)
            .await
            .contains("pending 0, held 0, sending 0, sent 0")
    );
}
