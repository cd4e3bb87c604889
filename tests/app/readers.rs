//! What everyone can do: read, search, browse the archive, subscribe, choose language and zone.

use herald::domain::{ChatKind, Language};

use crate::helpers::{spawn_app, utc};

#[tokio::test]
async fn start_greets_the_reader_and_points_to_the_main_commands() {
    let t = spawn_app().await;
    let reply = t.say("42", "/start").await;
    assert!(reply.contains("Welcome"), "{reply}");
    assert!(
        reply.contains("/latest") && reply.contains("/subscribe"),
        "{reply}"
    );
}

#[tokio::test]
async fn help_lists_only_the_commands_the_person_may_use() {
    let t = spawn_app().await;
    let reader = t.say("42", "/help").await;
    assert!(
        reader.contains("/search") && !reader.contains("/post") && !reader.contains("/grant"),
        "{reader}"
    );
    t.say("1", "/grant telegram:43 editor").await;
    let editor = t.say("43", "/help").await;
    assert!(
        editor.contains("/post") && !editor.contains("/grant"),
        "{editor}"
    );
    let owner = t.say("1", "/help").await;
    assert!(
        owner.contains("/post") && owner.contains("/grant") && owner.contains("/topic"),
        "{owner}"
    );
}

#[tokio::test]
async fn latest_on_an_empty_newsroom_says_there_is_nothing_yet() {
    let t = spawn_app().await;
    assert_eq!(t.say("42", "/latest").await, "No articles yet.");
}

#[tokio::test]
async fn latest_shows_the_newest_first_within_the_count_and_topic() {
    let t = spawn_app().await;
    t.with_topics().await;
    t.add_article(
        "Old Dagestan story",
        "",
        Language::En,
        &["dagestan"],
        utc(2024, 4, 1, 10, 0),
    )
    .await;
    t.add_article(
        "Chechnya story",
        "",
        Language::En,
        &["chechnya"],
        utc(2024, 4, 2, 10, 0),
    )
    .await;
    t.add_article(
        "New Dagestan story",
        "",
        Language::En,
        &["dagestan"],
        utc(2024, 4, 3, 10, 0),
    )
    .await;

    let all = t.say("42", "/latest 2").await;
    assert!(
        all.find("New Dagestan").unwrap() < all.find("Chechnya story").unwrap(),
        "{all}"
    );
    assert!(!all.contains("Old Dagestan"), "{all}");

    let dagestan = t.say("42", "/latest dagestan").await;
    assert!(dagestan.contains("Latest news: Dagestan"), "{dagestan}");
    assert!(
        dagestan.contains("Old Dagestan") && !dagestan.contains("Chechnya story"),
        "{dagestan}"
    );
}

#[tokio::test]
async fn latest_explains_a_bad_count_or_an_unknown_topic() {
    let t = spawn_app().await;
    assert!(
        t.say("42", "/latest 500")
            .await
            .starts_with("Usage: /latest")
    );
    assert_eq!(
        t.say("42", "/latest atlantis").await,
        "There is no topic «atlantis». See /topics."
    );
    assert!(
        t.say("42", "/latest ???")
            .await
            .contains("There is no topic «???»")
    );
}

#[tokio::test]
async fn article_shows_the_full_text_with_photo_and_original_link() {
    let t = spawn_app().await;
    t.say(
        "1",
        "/post\ntitle: Blogger's hunger strike\nlead: Rights defenders are worried.\nlang: en\n\
        photo: https://example.org/poster.jpg\ncaption: A poster in support\ncredit: Photo by HRH\n\
        original: https://example.org/ru/1\n\nFirst paragraph.\n\nSecond paragraph.",
    )
    .await;
    let reply = t.say("42", "/article 1").await;
    for part in [
        "Blogger's hunger strike",
        "Rights defenders are worried.",
        "First paragraph.",
        "Second paragraph.",
        "Photo: https://example.org/poster.jpg A poster in support — Photo by HRH",
        "Originally published in Russian: https://example.org/ru/1",
    ] {
        assert!(reply.contains(part), "missing {part:?} in {reply}");
    }
}

#[tokio::test]
async fn article_with_an_unknown_or_malformed_id_says_what_is_wrong() {
    let t = spawn_app().await;
    assert_eq!(t.say("42", "/article 77").await, "There is no article #77.");
    assert!(
        t.say("42", "/article seventy")
            .await
            .starts_with("Usage: /article")
    );
}

#[tokio::test]
async fn archive_lists_a_day_in_the_chats_time_zone() {
    let t = spawn_app().await;
    // 22:30 UTC on the 18th is 01:30 on the 19th in Moscow.
    t.add_article(
        "Late night story",
        "",
        Language::En,
        &[],
        utc(2024, 4, 18, 22, 30),
    )
    .await;
    let moscow = t.say("42", "/archive 2024-04-19").await;
    assert!(
        moscow.contains("Late night story") && moscow.contains("19.04.2024 01:30 MSK"),
        "{moscow}"
    );
    assert_eq!(
        t.say("42", "/archive 2024-04-18").await,
        "Nothing was published on 2024-04-18."
    );

    t.say("42", "/timezone UTC").await;
    let utc_day = t.say("42", "/archive 18.04.2024").await;
    assert!(
        utc_day.contains("Late night story") && utc_day.contains("18.04.2024 22:30 UTC"),
        "{utc_day}"
    );
}

#[tokio::test]
async fn archive_pages_through_a_busy_day_and_names_the_next_page() {
    let t = spawn_app().await;
    for n in 0..7 {
        t.add_article(
            &format!("Story {n}"),
            "",
            Language::En,
            &[],
            utc(2024, 4, 19, 6 + n, 0),
        )
        .await;
    }
    let first = t.say("42", "/archive 2024-04-19").await;
    assert!(
        first.contains("Story 0") && first.contains("Story 4") && !first.contains("Story 5"),
        "{first}"
    );
    assert!(
        first.contains("More: /archive 2024-04-19 page:2"),
        "{first}"
    );
    let second = t.say("42", "/archive 2024-04-19 page:2").await;
    assert!(
        second.contains("Story 5") && second.contains("Story 6") && !second.contains("More:"),
        "{second}"
    );
}

#[tokio::test]
async fn archive_with_a_bad_date_shows_the_expected_format() {
    let t = spawn_app().await;
    assert_eq!(
        t.say("42", "/archive 2024-13-45").await,
        "«2024-13-45» is not a date. Write YYYY-MM-DD, e.g. 2024-04-19."
    );
    assert!(t.say("42", "/archive").await.starts_with("Usage: /archive"));
}

#[tokio::test]
async fn subscriptions_follow_topics_and_everything_and_come_back_off() {
    let t = spawn_app().await;
    t.with_topics().await;
    assert_eq!(
        t.say("42", "/subscriptions").await,
        "This chat has no subscriptions. See /topics."
    );
    assert_eq!(
        t.say("42", "/subscribe dagestan #Chechnya").await,
        "• Subscribed: Dagestan (#dagestan)\n• Subscribed: Chechnya (#chechnya)"
    );
    assert!(
        t.say("42", "/subscribe dagestan")
            .await
            .contains("Already subscribed: Dagestan")
    );
    let topics = t.say("42", "/topics").await;
    assert!(
        topics.contains("✓ #dagestan") && topics.contains("· #azerbaijan"),
        "{topics}"
    );

    assert_eq!(
        t.say("42", "/unsubscribe chechnya").await,
        "• Unsubscribed: Chechnya (#chechnya)"
    );
    assert_eq!(
        t.say("42", "/subscriptions").await,
        "This chat receives:\n• #dagestan — Dagestan"
    );

    assert_eq!(
        t.say("42", "/subscribe all").await,
        "Subscribed to all news."
    );
    let still = t.say("42", "/unsubscribe dagestan").await;
    assert!(still.contains("still receives all news"), "{still}");
    assert_eq!(
        t.say("42", "/unsubscribe all").await,
        "Unsubscribed from everything (1 subscription removed)."
    );
    assert_eq!(
        t.say("42", "/subscriptions").await,
        "This chat has no subscriptions. See /topics."
    );
}

#[tokio::test]
async fn a_typo_in_one_topic_subscribes_to_none_of_them() {
    let t = spawn_app().await;
    t.with_topics().await;
    assert_eq!(
        t.say("42", "/subscribe dagestan dagestn").await,
        "There is no topic «dagestn». See /topics."
    );
    assert_eq!(
        t.say("42", "/subscriptions").await,
        "This chat has no subscriptions. See /topics."
    );
    assert!(
        t.say("42", "/subscribe")
            .await
            .starts_with("Usage: /subscribe")
    );
}

#[tokio::test]
async fn lang_switches_every_reply_to_russian_and_back() {
    let t = spawn_app().await;
    assert_eq!(
        t.say("42", "/lang ru").await,
        "Готово: теперь я говорю здесь по-русски."
    );
    assert_eq!(t.say("42", "/latest").await, "Материалов пока нет.");
    assert_eq!(
        t.say("42", "/frobnicate").await,
        "Команда /frobnicate мне неизвестна. Список команд — /help."
    );
    assert_eq!(
        t.say("42", "/lang klingon").await,
        "Языка «klingon» нет: ru или en."
    );
    assert_eq!(
        t.say("42", "/lang english").await,
        "Done: I will speak English here."
    );
}

#[tokio::test]
async fn timezone_changes_how_times_are_shown_and_refuses_unknown_zones() {
    let t = spawn_app().await;
    t.add_article("Baku story", "", Language::En, &[], utc(2024, 4, 19, 12, 0))
        .await;
    assert!(
        t.say("42", "/latest")
            .await
            .contains("19.04.2024 15:00 MSK")
    );
    assert_eq!(
        t.say("42", "/timezone asia/baku").await,
        "Done: times will be shown in Asia/Baku."
    );
    assert!(
        t.say("42", "/latest")
            .await
            .contains("19.04.2024 16:00 +04")
    );
    assert!(
        t.say("42", "/timezone")
            .await
            .starts_with("Times here are shown in Asia/Baku.")
    );
    assert!(
        t.say("42", "/timezone Mars/Base")
            .await
            .contains("is not a time zone")
    );
}

#[tokio::test]
async fn unknown_commands_and_chatter_get_a_pointer_to_help_in_private() {
    let t = spawn_app().await;
    assert_eq!(
        t.say("42", "/weather").await,
        "I don't know /weather. Send /help for the list of commands."
    );
    assert_eq!(
        t.say("42", "hello there").await,
        "I answer commands. Send /help to see them."
    );
}

#[tokio::test]
async fn groups_answer_commands_addressed_to_the_bot_and_ignore_chatter() {
    let t = spawn_app().await;
    assert_eq!(
        t.say_in("-100", ChatKind::Group, "42", "good morning all")
            .await,
        None
    );
    let reply = t
        .say_in("-100", ChatKind::Group, "42", "/latest@herald_bot")
        .await
        .unwrap();
    assert_eq!(reply, "No articles yet.");
}
