//! Keyword alerts: a chat's saved searches bring it every new article they match, in any form
//! and spelling /search finds, one copy per chat, through digests, and when a correction makes
//! an article match.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use herald::clock::Clock;
use herald::delivery::RatePolicy;
use tgsim::Kind;

use crate::delivery::{Harness, harness_at, harness_for, hold_clock, pass, telegram};
use crate::helpers::spawn_app_with;
use crate::tg::{OWNER, spawn_tg};

/// Publishes an article as the owner; returns its id.
async fn publish(h: &Harness, title: &str, topics: &str, body: &str) -> i64 {
    let reply =
        h.t.say(
            "1",
            &format!("/post\ntitle: {title}\ntopics: {topics}\n\n{body}"),
        )
        .await;
    reply
        .split('#')
        .nth(1)
        .and_then(|rest| rest.split('.').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not published: {reply}"))
}

#[tokio::test]
async fn an_alert_finds_every_form_and_spelling_search_finds_and_says_which_alert_brought_it() {
    let h = telegram().await;
    let alerts = [
        ("10", "Guseinov"),
        ("11", "Гусейнов"),
        ("12", "Hüseynov"),
        ("13", "Гусейнову"),
        ("14", "\"Мехман Гусейнов\""),
        ("15", "Магомед"),
        ("16", "Гусейнов -суд"),
    ];
    for (chat, query) in alerts {
        let saved = h.t.say(chat, &format!("/alert {query}")).await;
        assert!(saved.starts_with("Alert 1 of 20 saved"), "{saved}");
    }
    publish(
        &h,
        "Суд продлил арест Мехмана Гусейнова",
        "",
        "Журналист Мехман Гусейнов останется под стражей. Адвокат Магомедов обжалует решение.",
    )
    .await;
    publish(&h, "Погода в Баку", "", "В Баку ожидается дождь.").await;
    h.drain().await;
    for (chat, query) in &alerts[..5] {
        let texts = h.texts(chat);
        assert_eq!(texts.len(), 1, "{query}: {texts:?}");
        assert!(texts[0].contains("Мехмана Гусейнова"), "{query}: {texts:?}");
        assert!(
            texts[0].contains(&format!("Your alert: «{query}»")),
            "{query}: {texts:?}"
        );
    }
    assert!(h.texts("15").is_empty(), "Магомед does not find Магомедов");
    assert!(h.texts("16").is_empty(), "-суд excludes the story");
    let listed = h.t.say("10", "/alerts").await;
    assert!(
        listed.contains("1. «Guseinov» — 1 article so far"),
        "{listed}"
    );
}

#[tokio::test]
async fn a_chat_gets_one_copy_when_a_topic_and_two_alerts_match() {
    let h = telegram().await;
    h.t.with_topics().await;
    h.t.say("10", "/subscribe dagestan").await;
    h.t.say("10", "/alert Шахдаг").await;
    h.t.say("10", "/alert туристы").await;
    h.t.say("11", "/subscribe dagestan").await;
    publish(
        &h,
        "Туристов эвакуировали с Шахдага",
        "dagestan",
        "Спасатели вывели группу туристов к подножию Шахдага.",
    )
    .await;
    h.drain().await;
    let texts = h.texts("10");
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(
        texts[0].contains("Your alert: «Шахдаг · туристы»"),
        "{texts:?}"
    );
    let plain = h.texts("11");
    assert_eq!(plain.len(), 1);
    assert!(!plain[0].contains("Your alert"), "{plain:?}");
}

#[tokio::test]
async fn a_correction_that_starts_matching_delivers_then_and_a_retraction_removes_the_copy() {
    let h = telegram().await;
    h.t.say("10", "/alert landfill Nazran").await;
    let id = publish(
        &h,
        "Residents protest in Nazran",
        "",
        "Hundreds gathered outside the town hall.",
    )
    .await;
    h.drain().await;
    assert!(h.texts("10").is_empty(), "no landfill yet");
    let edited =
        h.t.say(
            "1",
            &format!("/edit {id}\n\nHundreds gathered to protest against the new landfills."),
        )
        .await;
    assert!(edited.contains("corrected"), "{edited}");
    h.drain().await;
    let texts = h.texts("10");
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(
        texts[0].contains("Residents protest in Nazran")
            && texts[0].contains("Your alert: «landfill Nazran»"),
        "{texts:?}"
    );
    h.t.say(
        "1",
        &format!("/edit {id}\ntitle: Landfill protest in Nazran"),
    )
    .await;
    h.drain().await;
    let texts = h.texts("10");
    assert_eq!(texts.len(), 1, "a second correction edits the copy");
    assert!(
        texts[0].contains("Landfill protest in Nazran")
            && texts[0].contains("Your alert: «landfill Nazran»"),
        "{texts:?}"
    );
    h.t.say("1", &format!("/retract {id} wrong town")).await;
    h.drain().await;
    assert!(h.texts("10").is_empty(), "the alert's copy is removed too");
}

#[tokio::test]
async fn a_digest_lists_what_alerts_brought_and_names_them() {
    // 10:20 Moscow time.
    let h = harness_at(
        Clock::starting_at(Utc.with_ymd_and_hms(2024, 4, 1, 7, 20, 0).unwrap()),
        RatePolicy::telegram(),
        Duration::ZERO,
    )
    .await;
    hold_clock();
    h.t.say("10", "/digest hourly").await;
    h.t.say("10", "/alert Nazran").await;
    publish(
        &h,
        "Court hearing in Nazran",
        "",
        "The hearing was adjourned.",
    )
    .await;
    publish(&h, "Markets in Baku", "", "Prices rose.").await;
    h.engine.try_compose_digests().await.unwrap();
    h.drain().await;
    assert!(h.texts("10").is_empty(), "held for the digest");
    pass(Duration::from_secs(40 * 60)).await;
    assert_eq!(h.engine.try_compose_digests().await.unwrap(), 1);
    h.drain().await;
    let texts = h.texts("10");
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].starts_with("News digest: 1 article"), "{texts:?}");
    assert!(
        texts[0].contains("Court hearing in Nazran · 🔔 Your alert: «Nazran»"),
        "{texts:?}"
    );
}

#[tokio::test]
async fn alerts_are_listed_counted_limited_and_removed() {
    let t = spawn_app_with(|s| s.search.alerts_per_chat = 2).await;
    let h = harness_for(t, RatePolicy::telegram(), Duration::ZERO).await;
    hold_clock();
    assert!(h.t.say("10", "/alerts").await.contains("no alerts"));
    h.t.say("10", "/alert Nalchik").await;
    assert!(
        h.t.say("10", "/alert Nalchik")
            .await
            .contains("already has the alert «Nalchik»")
    );
    h.t.say("10", "/alert Derbent OR Дербент").await;
    assert!(
        h.t.say("10", "/alert Kaspiysk")
            .await
            .contains("has 2 alerts, the most it may have")
    );
    assert!(
        h.t.say("10", "/alert -полиция")
            .await
            .contains("only excludes")
    );
    assert!(
        h.t.say("10", "/alert remove 7")
            .await
            .contains("no alert 7")
    );
    publish(&h, "Snow in Nal'chik", "", "Roads are closed.").await;
    h.drain().await;
    let listed = h.t.say("10", "/alerts").await;
    assert!(
        listed.contains("1. «Nalchik» — 1 article so far"),
        "{listed}"
    );
    assert!(
        listed.contains("2. «Derbent OR Дербент» — 0 articles"),
        "{listed}"
    );
    assert!(
        h.t.say("10", "/alert remove 1")
            .await
            .contains("Alert «Nalchik» removed")
    );
    publish(&h, "Nalchik airport reopens", "", "Flights resume.").await;
    h.drain().await;
    assert_eq!(
        h.texts("10").len(),
        1,
        "a removed alert brings nothing more"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_group_only_its_admins_manage_alerts_and_the_group_receives_what_they_match() {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    let group = -100_700;
    tg.sim.add_chat(group, Kind::Supergroup, "Lawyers");
    tg.sim
        .sim()
        .chats
        .get_mut(&group)
        .unwrap()
        .admins
        .insert(77);
    tg.ask(group, 42, "/alert Гусейнов", "Only this chat's admins")
        .await;
    tg.ask(
        group,
        77,
        "/alert@herald_bot Гусейнов",
        "Alert 1 of 20 saved",
    )
    .await;
    tg.ask(group, 42, "/alerts", "«Гусейнов»").await;
    tg.ask(group, 42, "/alert remove 1", "Only this chat's admins")
        .await;
    tg.ask(
        OWNER,
        OWNER,
        "/post\ntitle: Hearing for Mekhman Huseynov\n\nThe journalist appeared in court.",
        "Published",
    )
    .await;
    tg.expect(group, "Your alert: «Гусейнов»").await;
    tg.stop().await;
}

#[tokio::test]
async fn a_paired_story_reaches_each_alerted_chat_once_in_its_language() {
    let h = telegram().await;
    h.t.say("10", "/alert Гусейнов").await;
    h.t.say("11", "/lang ru").await;
    h.t.say("11", "/alert Гусейнов").await;
    let ru = publish(
        &h,
        "Суд над Мехманом Гусейновым отложен\nlang: ru",
        "",
        "Заседание перенесли.",
    )
    .await;
    let posted =
        h.t.say(
            "1",
            &format!("/post\ntitle: Hearing for Mekhman Huseynov adjourned\nlang: en\npair: {ru}\n\nThe hearing was moved."),
        )
        .await;
    assert!(posted.starts_with("Published"), "{posted}");
    h.drain().await;
    let en = h.texts("10");
    assert_eq!(en.len(), 1, "{en:?}");
    assert!(en[0].contains("Hearing for Mekhman Huseynov"), "{en:?}");
    let ru = h.texts("11");
    assert_eq!(ru.len(), 1, "{ru:?}");
    assert!(ru[0].contains("Суд над Мехманом Гусейновым"), "{ru:?}");
    assert!(ru[0].contains("Ваше оповещение: «Гусейнов»"), "{ru:?}");
}

/// The article ids a chat's copies name (`Full text: /article N`).
fn delivered_ids(h: &Harness, chat: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = h
        .texts(chat)
        .iter()
        .filter_map(|t| {
            t.split("/article ")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn an_alert_brings_exactly_what_search_finds() {
    let h = telegram().await;
    let queries = [
        "Гусейнов",
        "Huseynov",
        "задержать",
        "дети",
        "Махачкала",
        "\"мусорный полигон\"",
        "полигон -Назрань",
        "голодовк*",
        "Дербент OR Каспийск",
        "children",
        "Nal'chik",
        "Баку",
    ];
    for (i, query) in queries.iter().enumerate() {
        h.t.say(&format!("{}", 100 + i), &format!("/alert {query}"))
            .await;
    }
    let articles = [
        ("Суд над Гусейновым", "Мехману Гусейнову продлили арест."),
        ("Hearing for Huseynov", "Mekhman Huseynov stays in custody."),
        (
            "Полиция задержала активистов",
            "Троих задержали в Махачкале.",
        ),
        ("Детей эвакуировали", "Ребёнок и двое детей спасены."),
        (
            "Мусорный полигон у Назрани",
            "Жители против: мусорный полигон растёт.",
        ),
        ("Новый полигон", "Полигон откроют в Дербенте."),
        ("Голодовка продолжается", "Заключённые голодают."),
        ("Шторм в Каспийске", "Порт закрыт."),
        (
            "Children's hospital opens",
            "The child ward has twenty beds.",
        ),
        ("Snow in Nalchik", "Roads around Nalchik are closed."),
        ("Бак с топливом", "В баке нашли воду."),
        ("Новости Баку", "В Баку прошёл дождь."),
    ];
    for (title, body) in articles {
        publish(&h, title, "", body).await;
    }
    h.drain().await;
    for (i, query) in queries.iter().enumerate() {
        let parsed = herald::domain::SearchQuery::parse(query).unwrap();
        let mut found: Vec<i64> =
            h.t.app
                .store()
                .search(&parsed, herald::store::SearchOrder::Newest, 100, 0)
                .await
                .unwrap()
                .iter()
                .map(|a| a.id)
                .collect();
        found.sort_unstable();
        assert!(!found.is_empty(), "{query} finds something");
        assert_eq!(
            delivered_ids(&h, &format!("{}", 100 + i)),
            found,
            "the alert «{query}» brings what /search finds"
        );
    }
}
