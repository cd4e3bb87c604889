//! Moderators manage roles and topics; the hierarchy holds and every step is audited.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_owner_grants_roles_and_roles_lists_them() {
    let t = spawn_app().await;
    assert_eq!(
        t.say("1", "/grant telegram:60 moderator").await,
        "telegram:60 is now moderator."
    );
    assert_eq!(
        t.say("1", "/grant @ed:example.org editor").await,
        "matrix:@ed:example.org is now editor."
    );
    let roles = t.say("60", "/roles").await;
    assert_eq!(
        roles,
        "Roles\n• telegram:1 — owner\n• telegram:60 (user 60) — moderator\n• matrix:@ed:example.org — editor"
    );
}

#[tokio::test]
async fn a_moderator_grants_editors_but_cannot_demote_another_moderator() {
    let t = spawn_app().await;
    t.say("1", "/grant telegram:60 moderator").await;
    t.say("1", "/grant telegram:61 moderator").await;
    assert_eq!(
        t.say("60", "/grant telegram:70 editor").await,
        "telegram:70 is now editor."
    );
    assert_eq!(
        t.say("60", "/revoke telegram:70").await,
        "telegram:70 is no longer editor."
    );
    assert_eq!(
        t.say("60", "/revoke telegram:61").await,
        "Not allowed: this needs the owner role."
    );
    assert_eq!(
        t.say("60", "/revoke telegram:1").await,
        "telegram:1 is an owner; owners are set in the configuration."
    );
    assert_eq!(
        t.say("60", "/revoke telegram:99").await,
        "telegram:99 has no role to take away."
    );
    assert_eq!(
        t.say("1", "/revoke telegram:61").await,
        "telegram:61 is no longer moderator."
    );
}

#[tokio::test]
async fn editors_and_readers_cannot_manage_roles_or_topics() {
    let t = spawn_app().await;
    t.say("1", "/grant telegram:50 editor").await;
    for who in ["50", "42"] {
        for command in [
            "/grant telegram:51 editor",
            "/revoke telegram:50",
            "/roles",
            "/topic add x1 X",
        ] {
            assert_eq!(
                t.say(who, command).await,
                "Not allowed: this needs the moderator role.",
                "{who} {command}"
            );
        }
    }
    assert_eq!(
        t.say("50", "/roles").await,
        "Not allowed: this needs the moderator role."
    );
}

#[tokio::test]
async fn grant_explains_bad_users_and_roles() {
    let t = spawn_app().await;
    assert!(
        t.say("1", "/grant bob editor")
            .await
            .starts_with("«bob» is not a user.")
    );
    assert_eq!(
        t.say("1", "/grant icq:5 editor").await,
        "Unknown platform «icq»: use console, telegram or matrix."
    );
    assert_eq!(
        t.say("1", "/grant telegram:5 owner").await,
        "«owner» is not a role that can be given: editor or moderator."
    );
    assert!(
        t.say("1", "/grant telegram:5")
            .await
            .starts_with("Usage: /grant")
    );
    assert_eq!(
        t.say("1", "/grant telegram:1 editor").await,
        "telegram:1 is an owner; owners are set in the configuration."
    );
}

#[tokio::test]
async fn topics_are_added_renamed_and_removed_with_their_subscribers_counted() {
    let t = spawn_app().await;
    assert_eq!(
        t.say(
            "1",
            "/topic add krasnodar Краснодарский край | Krasnodar Territory"
        )
        .await,
        "Topic #krasnodar added: Краснодарский край / Krasnodar Territory."
    );
    assert_eq!(
        t.say("1", "/topic add krasnodar Kuban").await,
        "Topic «krasnodar» already exists."
    );
    assert_eq!(
        t.say("1", "/topic rename krasnodar Кубань | Kuban").await,
        "Topic #krasnodar renamed: Кубань / Kuban."
    );
    assert!(t.say("42", "/topics").await.contains("#krasnodar — Kuban"));
    t.say("42", "/subscribe krasnodar").await;
    t.say("43", "/subscribe krasnodar").await;
    assert_eq!(
        t.say("1", "/topic remove krasnodar").await,
        "Topic #krasnodar removed; 2 chats were subscribed to it."
    );
    assert_eq!(
        t.say("42", "/subscriptions").await,
        "This chat has no subscriptions. See /topics."
    );
    assert_eq!(
        t.say("1", "/topic remove krasnodar").await,
        "There is no topic «krasnodar». See /topics."
    );
    assert!(
        t.say("1", "/topic launch x")
            .await
            .starts_with("Usage: /topic")
    );
    assert_eq!(
        t.say("1", "/topic add Краснодар X").await,
        "There is no topic «Краснодар». See /topics."
    );
}

#[tokio::test]
async fn every_privileged_command_is_audited_with_its_outcome() {
    let t = spawn_app().await;
    t.say("1", "/topic add dagestan Дагестан | Dagestan").await;
    t.say("42", "/topic remove dagestan").await;
    t.say("1", "/topic add dagestan again").await;
    t.say("42", "/latest").await;
    let audit = t.audit().await;
    assert_eq!(
        audit,
        [
            "telegram:1 topic failed",
            "telegram:42 topic refused",
            "telegram:1 topic ok"
        ]
    );
}

/// Matrix has no private chats: a moderator's one-to-one room with herald (as the adapter
/// reports it) is where they hear of trouble, until someone else joins it.
#[tokio::test]
async fn a_moderators_direct_room_receives_their_notices_until_it_grows() {
    use herald::delivery::SendError;
    use herald::domain::{ChatKind, Platform};

    let h = crate::delivery::telegram().await;
    h.t.say("1", "/grant telegram:60 moderator").await;
    h.t.say_in("-600", ChatKind::Group, "60", "/help").await;
    let app = &h.t.app;
    app.direct_room(Platform::Telegram, "60", "-600")
        .await
        .unwrap();
    let gone = |group: &str| {
        h.platform
            .fail_always(group, SendError::ChatGone("kicked".into()))
    };
    h.t.say_in("-300", ChatKind::Group, "1", "/subscribe all")
        .await;
    gone("-300");
    h.post("First", "").await;
    h.drain().await;
    let told = h.texts("-600");
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].starts_with("herald can no longer post to «chat -300» (telegram:-300) (kicked)"),
        "{told:?}"
    );

    // Someone else joined: the room is no longer direct, and notices stop going there.
    app.room_shared(Platform::Telegram, "-600").await.unwrap();
    h.t.say_in("-301", ChatKind::Group, "1", "/subscribe all")
        .await;
    gone("-301");
    h.post("Second", "").await;
    h.drain().await;
    assert_eq!(h.texts("-600").len(), 1, "{:?}", h.texts("-600"));
    assert_eq!(h.texts("1").len(), 2, "the owner is told of both groups");
}
