//! A plain teloxide 0.17 bot against the simulator: every answer parses, and Telegram's errors
//! arrive as the error cases a sender sorts.

use teloxide::prelude::*;
use teloxide::types::{ChatMemberStatus, ParseMode, UpdateKind};
use teloxide::{ApiError, RequestError};
use tgsim::{Kind, Limits, Simulator};

const TOKEN: &str = "123:TEST";

async fn sim_and_bot(limits: Limits) -> (Simulator, Bot) {
    let sim = Simulator::start(0, TOKEN, limits).await.unwrap();
    sim.add_chat(10, Kind::Private, "Alice");
    sim.add_chat(-20, Kind::Group, "Newsroom group");
    sim.add_chat(-100_030, Kind::Channel, "Channel");
    let bot = Bot::new(TOKEN).set_api_url(url::Url::parse(&sim.api_url()).unwrap());
    (sim, bot)
}

#[tokio::test]
async fn teloxide_parses_messages_edits_members_and_updates() {
    let (sim, bot) = sim_and_bot(Limits::lifted()).await;
    let me = bot.get_me().await.unwrap();
    assert_eq!(me.username(), "herald_bot");
    let sent = bot
        .send_message(ChatId(10), "<b>Hi</b> &amp; bye")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap();
    assert_eq!(sent.text(), Some("Hi & bye"));
    let edited = bot
        .edit_message_text(ChatId(10), sent.id, "Corrected")
        .await
        .unwrap();
    assert_eq!(edited.text(), Some("Corrected"));
    bot.delete_message(ChatId(10), sent.id).await.unwrap();
    let post = bot
        .send_message(ChatId(-100_030), "Channel post")
        .await
        .unwrap();
    assert!(post.chat.is_channel());
    let me_in_channel = bot.get_chat_member(ChatId(-100_030), me.id).await.unwrap();
    assert_eq!(me_in_channel.status(), ChatMemberStatus::Administrator);
    let shared = sim.shared.clone();
    shared
        .sim
        .lock()
        .unwrap()
        .user_message(10, 10, "/start topic_dagestan")
        .unwrap();
    shared
        .sim
        .lock()
        .unwrap()
        .bot_status(-20, "kicked", 42)
        .unwrap();
    let updates = bot.get_updates().await.unwrap();
    assert_eq!(updates.len(), 2);
    assert!(
        matches!(&updates[0].kind, UpdateKind::Message(m) if m.text() == Some("/start topic_dagestan"))
    );
    assert!(matches!(&updates[1].kind, UpdateKind::MyChatMember(_)));
}

#[tokio::test]
async fn teloxide_sees_telegrams_errors_as_their_cases() {
    let (sim, bot) = sim_and_bot(Limits::default()).await;
    bot.send_message(ChatId(10), "one").await.unwrap();
    match bot.send_message(ChatId(10), "two").await {
        Err(RequestError::RetryAfter(wait)) => assert_eq!(wait.seconds(), 1),
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    let shared = sim.shared.clone();
    shared
        .sim
        .lock()
        .unwrap()
        .chats
        .get_mut(&10)
        .unwrap()
        .reachable = false;
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    match bot.send_message(ChatId(10), "three").await {
        Err(RequestError::Api(ApiError::BotBlocked)) => {}
        other => panic!("expected BotBlocked, got {other:?}"),
    }
    shared
        .sim
        .lock()
        .unwrap()
        .chats
        .get_mut(&-20)
        .unwrap()
        .migrated_to = Some(-100_020);
    match bot.send_message(ChatId(-20), "x").await {
        Err(RequestError::MigrateToChatId(to)) => assert_eq!(to, ChatId(-100_020)),
        other => panic!("expected MigrateToChatId, got {other:?}"),
    }
    match bot.send_message(ChatId(99), "x").await {
        Err(RequestError::Api(ApiError::ChatNotFound)) => {}
        other => panic!("expected ChatNotFound, got {other:?}"),
    }
    match bot
        .send_message(ChatId(-100_030), "<p>bad</p>")
        .parse_mode(ParseMode::Html)
        .await
    {
        Err(RequestError::Api(ApiError::CantParseEntities(_))) => {}
        other => panic!("expected CantParseEntities, got {other:?}"),
    }
}
