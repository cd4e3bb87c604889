//! Commands on Telegram, end to end through the simulator: private chats, groups, channels,
//! forum topics, every role, refusals and inline buttons.

use tgsim::Kind;

use crate::tg::{OWNER, spawn_tg};

const READER: i64 = 42;
const EDITOR: i64 = 50;
const MODERATOR: i64 = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_link_subscribes_and_the_menu_is_registered_in_both_languages() {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    tg.sim.add_chat(READER, Kind::Private, "Reader");
    tg.ask(
        READER,
        READER,
        "/start topic_dagestan",
        "subscribed to Dagestan",
    )
    .await;
    tg.ask(READER, READER, "/subscriptions", "Dagestan").await;
    // A payload that is not a topic still gets the greeting, and subscribes to nothing.
    tg.ask(READER, READER, "/start from_website", "Welcome")
        .await;
    let commands = tg.sim.sim().commands.clone();
    for scope in ["all_private_chats", "all_chat_administrators"] {
        for language in ["en", "ru"] {
            let menu = &commands[&(scope.to_string(), language.to_string())];
            assert!(
                menu.to_string().contains("\"subscribe\""),
                "{scope}/{language}: {menu}"
            );
        }
    }
    let ru = &commands[&("all_private_chats".to_string(), "ru".to_string())];
    assert!(ru.to_string().contains("Последние новости"), "{ru}");
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_buttons_toggle_subscriptions_and_list_buttons_turn_pages() {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    tg.sim.add_chat(READER, Kind::Private, "Reader");
    let topics = tg.ask(READER, READER, "/topics", "Topics").await;
    let button = topics
        .buttons
        .iter()
        .flatten()
        .find(|(label, _)| label.contains("Dagestan"))
        .expect("a Dagestan button")
        .clone();
    assert_eq!(button.1, "/subscribe dagestan");
    let before = tg.sim.messages(READER).len();
    // A press turns the list itself into its new state: the same message, a toggle that now
    // unsubscribes, a line saying what changed.
    let press = |data: &str| {
        tg.sim
            .act(|sim| sim.press_button(READER, topics.message_id, READER, data))
            .unwrap()
    };
    let toggled = |on: bool| {
        move |m: &tgsim::state::Message| {
            m.message_id == topics.message_id
                && m.buttons.iter().flatten().any(|(label, data)| {
                    label.contains("Dagestan")
                        && data
                            == if on {
                                "/unsubscribe dagestan"
                            } else {
                                "/subscribe dagestan"
                            }
                        && label.starts_with(if on { '✓' } else { '·' })
                })
        }
    };
    press(&button.1);
    let on = tg
        .wait(READER, toggled(true))
        .await
        .expect("the list is updated");
    assert!(on.text.starts_with("• Subscribed: Dagestan"), "{}", on.text);
    assert!(on.text.contains("✓ #dagestan"), "{}", on.text);
    press("/unsubscribe dagestan");
    let off = tg.wait(READER, toggled(false)).await.expect("toggled back");
    assert!(off.text.contains("· #dagestan"), "{}", off.text);
    assert_eq!(
        tg.sim.messages(READER).len(),
        before,
        "no new message for a press"
    );
    let subscriptions = tg.ask(READER, READER, "/subscriptions", "").await;
    assert!(
        !subscriptions.text.contains("Dagestan"),
        "{}",
        subscriptions.text
    );

    for n in 1..=7 {
        tg.ask(
            OWNER,
            OWNER,
            &format!("/post\ntitle: Story number {n}\n\nText."),
            "Published",
        )
        .await;
    }
    let first = tg.ask(READER, READER, "/latest", "Latest news").await;
    assert!(first.text.contains("Story number 7") && !first.text.contains("Story number 2"));
    let next = first
        .buttons
        .iter()
        .flatten()
        .find(|(_, data)| data == "/latest page:2")
        .expect("a next-page button")
        .clone();
    assert!(
        first
            .buttons
            .iter()
            .flatten()
            .any(|(l, d)| l == "#7" && d == "/article 7"),
        "{:?}",
        first.buttons
    );
    tg.sim
        .act(|sim| sim.press_button(READER, first.message_id, READER, &next.1))
        .unwrap();
    let second = tg.expect(READER, "Story number 2").await;
    assert!(
        second
            .buttons
            .iter()
            .flatten()
            .any(|(_, d)| d == "/latest page:1"),
        "{:?}",
        second.buttons
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_group_only_its_admins_change_subscriptions_and_other_bots_commands_are_ignored() {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    let group = -100_500;
    tg.sim.add_chat(group, Kind::Supergroup, "Newsroom readers");
    tg.sim
        .sim()
        .chats
        .get_mut(&group)
        .unwrap()
        .admins
        .insert(77);
    tg.ask(group, READER, "/subscribe all", "Only this chat's admins")
        .await;
    tg.ask(
        group,
        77,
        "/subscribe@herald_bot dagestan",
        "Subscribed: Dagestan",
    )
    .await;
    // Reading is for everyone.
    tg.ask(group, READER, "/subscriptions", "Dagestan").await;
    let before = tg.sim.messages(group).len();
    tg.say(group, 77, "/latest@other_bot");
    tg.say(group, READER, "just talking here");
    tg.ask(group, READER, "/help", "Commands").await;
    assert_eq!(
        tg.sim.messages(group).len(),
        before + 1,
        "only /help was answered"
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_enforced_on_telegram_and_an_editors_post_reaches_subscribers() {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    for user in [READER, EDITOR, MODERATOR] {
        tg.sim.add_chat(user, Kind::Private, "someone");
    }
    tg.ask(READER, READER, "/subscribe all", "all news").await;
    tg.ask(
        READER,
        READER,
        "/post\ntitle: Not mine",
        "needs the editor role",
    )
    .await;
    tg.ask(EDITOR, EDITOR, "/channel list", "needs the moderator role")
        .await;
    tg.ask(
        EDITOR,
        EDITOR,
        "/grant telegram:42 editor",
        "needs the moderator role",
    )
    .await;
    tg.ask(
        EDITOR,
        EDITOR,
        "/post\ntitle: Roads reopen in <b>Dagestan</b> & more\ntopics: dagestan\n\nCrews worked overnight.",
        "Published",
    )
    .await;
    let copy = tg.expect(READER, "Roads reopen").await;
    assert!(
        copy.text.contains("Roads reopen in <b>Dagestan</b> & more"),
        "markup in a title arrives literally: {}",
        copy.text
    );
    tg.ask(MODERATOR, MODERATOR, "/roles", "telegram:50").await;
    tg.ask(MODERATOR, MODERATOR, "/deliveries", "").await;
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_link_channels_only_where_they_and_herald_may_post() {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    tg.sim.add_chat(MODERATOR, Kind::Private, "Moderator");
    tg.sim.add_chat(EDITOR, Kind::Private, "Editor");
    let channel = -100_777;
    let quiet = -100_778;
    tg.sim.add_chat(channel, Kind::Channel, "Newsdesk");
    tg.sim.add_chat(quiet, Kind::Supergroup, "Discussion");
    {
        let mut sim = tg.sim.sim();
        let chat = sim.chats.get_mut(&channel).unwrap();
        chat.username = Some("newsdesk".into());
        chat.admins.insert(MODERATOR);
        let group = sim.chats.get_mut(&quiet).unwrap();
        group.admins.insert(MODERATOR);
        group.reachable = false;
    }
    tg.ask(
        MODERATOR,
        MODERATOR,
        "/channel add @nosuchchannel",
        "was not found",
    )
    .await;
    tg.ask(
        EDITOR,
        EDITOR,
        "/channel add @newsdesk",
        "needs the moderator role",
    )
    .await;
    tg.sim.sim().chats.get_mut(&channel).unwrap().admins.clear();
    tg.ask(
        MODERATOR,
        MODERATOR,
        "/channel add @newsdesk",
        "not an admin of «Newsdesk»",
    )
    .await;
    tg.sim
        .sim()
        .chats
        .get_mut(&channel)
        .unwrap()
        .admins
        .insert(MODERATOR);
    tg.ask(
        MODERATOR,
        MODERATOR,
        &format!("/channel add {quiet}"),
        "cannot post in «Discussion»",
    )
    .await;
    tg.ask(
        MODERATOR,
        MODERATOR,
        "/channel add @newsdesk dagestan",
        "Linked",
    )
    .await;
    tg.ask(
        MODERATOR,
        MODERATOR,
        "/channel list",
        "Newsdesk (-100777) · active · #dagestan",
    )
    .await;
    tg.ask(MODERATOR, MODERATOR, "/channel pause @newsdesk", "Paused")
        .await;
    tg.ask(
        OWNER,
        OWNER,
        "/post\ntitle: Held while paused\ntopics: dagestan\n\nText.",
        "Published",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert!(
        tg.sim.messages(channel).is_empty(),
        "a paused channel receives nothing"
    );
    tg.ask(MODERATOR, MODERATOR, "/channel resume @newsdesk", "Resumed")
        .await;
    tg.expect(channel, "Held while paused").await;
    tg.ask(
        MODERATOR,
        MODERATOR,
        "/channel topics @newsdesk all",
        "updated",
    )
    .await;
    tg.ask(MODERATOR, MODERATOR, "/channel remove -100777", "Unlinked")
        .await;
    tg.ask(MODERATOR, MODERATOR, "/channel list", "no subscriptions")
        .await;
    tg.ask(MODERATOR, MODERATOR, "/channel fly", "/channel add")
        .await;
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_work_in_channels_and_forum_topics_and_replies_stay_in_the_topic() {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    let forum = -100_900;
    tg.sim.add_chat(forum, Kind::Supergroup, "Forum");
    tg.sim
        .sim()
        .chats
        .get_mut(&forum)
        .unwrap()
        .admins
        .insert(77);
    tg.sim.user_says(forum, Some(17), 77, "/subscribe chechnya");
    let reply = tg.expect(forum, "Subscribed: Chechnya").await;
    assert_eq!(
        reply.thread,
        Some(17),
        "the answer goes to the topic it was asked in"
    );
    // The channel writes as itself, and only its admins can: it may change its settings.
    let channel = -100_901;
    tg.sim.add_chat(channel, Kind::Channel, "Channel");
    tg.say(channel, channel, "/subscribe azerbaijan");
    tg.expect(channel, "Subscribed: Azerbaijan").await;
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_is_answered_over_telegram() {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    let commands = [
        ("/start", "Welcome"),
        ("/help", "For moderators"),
        (
            "/post\ntitle: Sweep story about Dagestan\ntopics: dagestan\n\nBody.",
            "Published",
        ),
        (
            "/post\ntitle: Second sweep story\nlang: ru\n\nТекст.",
            "Published",
        ),
        ("/latest", "Sweep story"),
        ("/search dagestan", "Sweep story"),
        ("/article 1", "Body."),
        ("/archive today", "Sweep story"),
        ("/topics", "Dagestan"),
        ("/subscribe chechnya", "Subscribed: Chechnya"),
        ("/unsubscribe chechnya", "Unsubscribed: Chechnya"),
        ("/subscriptions", "no subscriptions"),
        ("/timezone Asia/Baku", "Asia/Baku"),
        ("/digest hourly", "hour"),
        ("/digest instant", "as it"),
        ("/quiet 23:00-07:00", "23:00"),
        ("/quiet off", "No quiet hours"),
        ("/preview 1", "Telegram (HTML)"),
        ("/schedule 1 2030-01-01 10:00", "already published"),
        ("/drafts", "No drafts"),
        ("/link 1 2", "translations of each other"),
        ("/edit 1\ntitle: Sweep story, corrected", "#1"),
        ("/approve 1", "already published"),
        ("/grant telegram:70 editor", "editor"),
        ("/revoke telegram:70", "telegram:70"),
        ("/roles", "telegram:50"),
        (
            "/topic add krasnodar Краснодарский край | Krasnodar Territory",
            "krasnodar",
        ),
        ("/channel list", "No channels"),
        ("/deliveries", ""),
        ("/retract 2 duplicate", "#2"),
        ("/lang ru", "русск"),
        ("/latest", "Последние новости"),
        ("/nonsense", "Команда /nonsense мне неизвестна"),
    ];
    for (command, needle) in commands {
        let answer = tg.ask(OWNER, OWNER, command, needle).await;
        assert!(
            !answer.text.contains("Something went wrong")
                && !answer.text.contains("что-то пошло не так"),
            "{command}: {}",
            answer.text
        );
    }
    tg.stop().await;
}
