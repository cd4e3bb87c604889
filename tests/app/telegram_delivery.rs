//! Delivery on Telegram through the simulator: every kind of chat gets every copy, and every
//! copy is corrected and removed; lost chats are deactivated, moved chats followed.

use tgsim::Kind;

use crate::tg::{OWNER, Tg, spawn_tg};

const PRIVATE: [i64; 3] = [41, 42, 43];
const GROUP: i64 = -100_200;
const CHANNEL: i64 = -100_300;
const FORUM: i64 = -100_400;
const TOPIC: i64 = 9;

/// Three readers, a group, a channel and a forum topic, all following everything.
async fn subscribed() -> Tg {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    for reader in PRIVATE {
        tg.sim.add_chat(reader, Kind::Private, "Reader");
        tg.ask(reader, reader, "/subscribe all", "all news").await;
    }
    tg.sim.add_chat(GROUP, Kind::Supergroup, "Readers' group");
    tg.sim.add_chat(CHANNEL, Kind::Channel, "Newsdesk");
    tg.sim.add_chat(FORUM, Kind::Supergroup, "Regional forum");
    for chat in [GROUP, CHANNEL, FORUM] {
        tg.sim
            .sim()
            .chats
            .get_mut(&chat)
            .unwrap()
            .admins
            .insert(OWNER);
    }
    tg.ask(GROUP, OWNER, "/subscribe all", "all news").await;
    tg.ask(OWNER, OWNER, &format!("/channel add {CHANNEL}"), "Linked")
        .await;
    tg.sim
        .user_says(FORUM, Some(TOPIC), OWNER, "/subscribe all");
    tg.expect(FORUM, "all news").await;
    tg
}

const ARTICLE: &str = "/post\ntitle: Mudflow cuts the <Kakheti> road & two villages\n\
    lead: Rescuers from Makhachkala reached the villages by noon.\n\
    photo: https://example.org/mudflow.jpg\ncaption: The road near the pass\n\n\
    The road will stay closed for a week.";

fn all_chats() -> Vec<i64> {
    PRIVATE.into_iter().chain([GROUP, CHANNEL, FORUM]).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_reaches_every_kind_of_chat_and_its_edit_and_retraction_reach_every_copy() {
    let tg = subscribed().await;
    tg.ask(OWNER, OWNER, ARTICLE, "Published").await;
    for chat in all_chats() {
        let caption = tg.expect(chat, "Mudflow cuts").await;
        assert_eq!(
            caption.photo.as_deref(),
            Some("https://example.org/mudflow.jpg")
        );
        assert!(
            caption
                .text
                .contains("Mudflow cuts the <Kakheti> road & two villages"),
            "markup arrives literally in {chat}: {}",
            caption.text
        );
        tg.expect(chat, "closed for a week").await;
    }
    let topic_copy = tg.expect(FORUM, "Mudflow cuts").await;
    assert_eq!(
        topic_copy.thread,
        Some(TOPIC),
        "the forum copy is in its topic"
    );

    tg.ask(
        OWNER,
        OWNER,
        "/edit 1\ntitle: Mudflow cuts the Kakheti road and three villages",
        "",
    )
    .await;
    for chat in all_chats() {
        tg.expect(chat, "three villages").await;
        let edited = tg
            .wait(chat, |m| m.text.contains("three villages") && m.edits == 1)
            .await;
        assert!(
            edited.is_some(),
            "the copy in {chat} was edited, not resent"
        );
    }

    tg.ask(OWNER, OWNER, "/retract 1 wrong road", "").await;
    for chat in all_chats() {
        let gone = tg
            .until(|tg| {
                let shown = tg.sim.messages(chat);
                shown
                    .iter()
                    .filter(|m| m.text.contains("village"))
                    .all(|m| m.deleted)
            })
            .await;
        assert!(
            gone,
            "every part in {chat} is removed: {:#?}",
            tg.sim.messages(chat)
        );
    }
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_reader_and_a_kicked_channel_are_deactivated_and_the_rest_still_receive() {
    let tg = subscribed().await;
    tg.sim.sim().chats.get_mut(&43).unwrap().reachable = false;
    tg.sim
        .act(|sim| sim.bot_status(CHANNEL, "kicked", OWNER))
        .unwrap();
    tg.ask(
        OWNER,
        OWNER,
        "/post\ntitle: After the storm\n\nCalm again.",
        "Published",
    )
    .await;
    for chat in [41, 42, GROUP, FORUM] {
        tg.expect(chat, "After the storm").await;
    }
    // The kicked channel is news for the newsroom; a reader who blocked herald is not.
    tg.expect(
        OWNER,
        "herald can no longer post to «Newsdesk» (telegram:-100300)",
    )
    .await;
    tg.ask(
        OWNER,
        OWNER,
        "/channel list",
        "Newsdesk (-100300) · unreachable",
    )
    .await;
    assert!(
        tg.sim
            .messages(CHANNEL)
            .iter()
            .all(|m| !m.text.contains("After the storm")),
        "nothing is sent to a channel herald was removed from"
    );
    // The reader unblocks herald and writes: the chat is active again.
    tg.sim.sim().chats.get_mut(&43).unwrap().reachable = true;
    tg.ask(43, 43, "/subscriptions", "all news").await;
    tg.ask(
        OWNER,
        OWNER,
        "/post\ntitle: Welcome back\n\nHello.",
        "Published",
    )
    .await;
    tg.expect(43, "Welcome back").await;
    tg.stop().await;
}

/// A group the owner administers, subscribed to all news by them.
async fn group_following_everything(tg: &Tg, id: i64, title: &str) {
    tg.sim.add_chat(id, Kind::Group, title);
    tg.sim
        .sim()
        .chats
        .get_mut(&id)
        .unwrap()
        .admins
        .insert(OWNER);
    tg.ask(id, OWNER, "/subscribe all", "all news").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_upgraded_to_a_supergroup_keeps_receiving_under_its_new_id() {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    let old = -5_000;
    let new = -1_005_000;
    group_following_everything(&tg, old, "Old group").await;
    {
        let mut sim = tg.sim.sim();
        sim.chats.get_mut(&old).unwrap().migrated_to = Some(new);
        sim.add_chat(new, Kind::Supergroup, "Old group");
    }
    tg.ask(
        OWNER,
        OWNER,
        "/post\ntitle: Moved along\n\nText.",
        "Published",
    )
    .await;
    tg.expect(new, "Moved along").await;
    tg.ask(
        OWNER,
        OWNER,
        "/post\ntitle: Second one\n\nText.",
        "Published",
    )
    .await;
    tg.expect(new, "Second one").await;
    assert!(
        tg.sim
            .messages(old)
            .iter()
            .all(|m| !m.text.contains("Moved"))
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upgrade_notice_moves_a_group_before_anything_is_sent_to_its_dead_id() {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    let (old, new) = (-6_000, -1_006_000);
    group_following_everything(&tg, old, "Valley news").await;

    tg.sim
        .act(|sim| sim.upgrade_group(old, new, OWNER))
        .unwrap();
    let store = tg.t.app.store().clone();
    let moved = async {
        for _ in 0..400 {
            if store
                .find_chat(herald::domain::Platform::Telegram, &new.to_string())
                .await
                .unwrap()
                .is_some()
            {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        false
    };
    assert!(moved.await, "the service message moved the chat");
    let errors = tg.sim.sim().stats.errors;
    tg.ask(
        OWNER,
        OWNER,
        "/post\ntitle: Bridge reopened\n\nText.",
        "Published",
    )
    .await;
    tg.expect(new, "Bridge reopened").await;
    assert_eq!(
        tg.sim.sim().stats.errors,
        errors,
        "nothing was tried at the old id"
    );
    let listed = tg.ask(OWNER, OWNER, "/channel list", "Valley news").await;
    assert!(listed.text.contains(&new.to_string()), "{}", listed.text);
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_fan_out_continues_the_last_process_budget_without_a_429() {
    use herald::domain::{ChatKind as Kind2, Language, Platform, TimeZoneName};
    let mut tg = spawn_tg().await;
    let readers: Vec<i64> = (1_000..1_150).collect();
    let store = tg.t.app.store().clone();
    for reader in &readers {
        tg.sim.add_chat(*reader, Kind::Private, "Reader");
        let chat = store
            .upsert_chat(herald::store::NewChat {
                platform: Platform::Telegram,
                native_id: &reader.to_string(),
                kind: Kind2::Private,
                title: "Reader",
                language: Language::En,
                time_zone: TimeZoneName::parse("Europe/Moscow").unwrap(),
            })
            .await
            .unwrap();
        store.subscribe(chat.id, None).await.unwrap();
    }
    tg.ask(
        OWNER,
        OWNER,
        "/post\ntitle: Pass closed by snow\n\nText.",
        "Published",
    )
    .await;
    let delivered = |tg: &Tg| {
        readers
            .iter()
            .filter(|r| {
                tg.sim
                    .messages(**r)
                    .iter()
                    .any(|m| m.text.contains("Pass closed"))
            })
            .count()
    };
    assert!(tg.until(|tg| delivered(tg) >= 45).await);
    // Stopped and started again at once: the old process's last second still counts.
    tg.t.restart(herald::application::Options::default(), |_| {})
        .await;
    for _ in 0..3 {
        if tg.until(|tg| delivered(tg) == readers.len()).await {
            break;
        }
    }
    assert_eq!(delivered(&tg), readers.len(), "every reader got it");
    let refused = {
        let stats = &tg.sim.sim().stats;
        (stats.rate_limited, stats.during_retry_after)
    };
    assert_eq!(refused, (0, 0), "no 429 across the restart");
    tg.stop().await;
}
