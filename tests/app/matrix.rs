//! herald in Matrix rooms against a real Synapse, with people on clients of their own.

use std::time::Duration;

use herald::app::commands::COMMANDS;

use crate::feed_server::FeedServer;
use crate::mx::{Herald, Person, Setup, What, body};

/// A 1×1 PNG, served as an article's photo.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

fn setup_for(owner: &Person) -> Setup {
    Setup {
        inviters: vec![owner.id().to_string()],
        owners: vec![format!("matrix:{}", owner.id())],
        limits: None,
        wrap: None,
    }
}

/// The owner's room with herald in it, greeted.
async fn desk(owner: &Person, herald: &Herald, encrypted: bool) -> matrix_sdk::ruma::OwnedRoomId {
    let room = owner
        .create_room("News desk", encrypted, &[herald.id()])
        .await;
    owner.message_from(herald.id(), &room, "Welcome").await;
    room
}

/// The owner's desk and a reader's room subscribed to all news, with herald in both.
pub(crate) struct Newsroom {
    pub owner: Person,
    pub reader: Person,
    pub herald: Herald,
    pub room: matrix_sdk::ruma::OwnedRoomId,
    pub home: matrix_sdk::ruma::OwnedRoomId,
}

pub(crate) async fn newsroom() -> Newsroom {
    let owner = Person::new("owner").await;
    let reader = Person::new("reader").await;
    let herald = Herald::start(Setup {
        inviters: vec![owner.id().into(), reader.id().into()],
        ..setup_for(&owner)
    })
    .await;
    let h = herald.id();
    let room = desk(&owner, &herald, false).await;
    let home = reader.create_room("Reader's news", false, &[h]).await;
    reader.message_from(h, &home, "Welcome").await;
    reader
        .ask(h, &home, "!subscribe all", "Subscribed to all news")
        .await;
    Newsroom {
        owner,
        reader,
        herald,
        room,
        home,
    }
}

/// The published article's id from «Published as #N.».
fn published_id(answer: &str) -> i64 {
    let at = answer.find("Published as #").expect("a published article") + 14;
    answer[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_joins_rooms_its_staff_invite_it_to_and_declines_strangers_politely() {
    let owner = Person::new("owner").await;
    let stranger = Person::new("stranger").await;
    let herald = Herald::start(setup_for(&owner)).await;

    let room = owner.create_room("Desk", false, &[herald.id()]).await;
    let greeting = owner.message_from(herald.id(), &room, "Welcome").await;
    assert!(
        matches!(&greeting.what, What::Message { msgtype, .. } if msgtype == "m.notice"),
        "{greeting:?}"
    );

    let elsewhere = stranger
        .create_room("Stranger's room", false, &[herald.id()])
        .await;
    let declined = stranger
        .wait("herald declining the invite", |s| {
            s.room == elsewhere
                && matches!(&s.what, What::Member { user, membership, .. } if user == herald.id() && membership == "leave")
        })
        .await;
    let What::Member { reason, .. } = declined.what else {
        unreachable!()
    };
    let reason = reason.expect("a reason for declining");
    assert!(
        reason.contains("invited by this newsroom's staff"),
        "{reason}"
    );
    assert!(reason.contains("по приглашению"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_is_answered_in_a_room_with_the_matrix_prefix() {
    let owner = Person::new("owner").await;
    let herald = Herald::start(setup_for(&owner)).await;
    let room = desk(&owner, &herald, false).await;
    let h = herald.id();

    let help = owner.ask(h, &room, "!help", "Commands").await;
    // Matrix clients keep `/` for themselves: herald names its commands with `!`.
    assert!(
        body(&help).contains("!latest") && !body(&help).contains("/latest"),
        "{help:?}"
    );
    // What an editor types is shown as code, not between raw backticks.
    let What::Message { formatted, .. } = &help.what else {
        panic!("{help:?}")
    };
    let formatted = formatted.as_deref().unwrap_or_default();
    assert!(
        formatted.contains("<code>title:</code>") && !formatted.contains('`'),
        "{formatted}"
    );

    owner
        .ask(
            h,
            &room,
            "!topic add dagestan Дагестан | Dagestan",
            "Dagestan",
        )
        .await;
    let posted = owner
        .ask(
            h,
            &room,
            "!post\ntitle: Mountain road reopened after landslide\nlead: Traffic resumed on Tuesday.\ntopics: dagestan\n\nCrews cleared the road within two days.",
            "Published as #",
        )
        .await;
    let id = published_id(body(&posted));
    let other = Person::new("colleague").await;
    // (command, what the answer says) for every command herald has.
    let script: Vec<(String, &str)> = vec![
        ("!start".into(), "Welcome"),
        ("!latest".into(), "Mountain road reopened"),
        ("!search landslide".into(), "Mountain road reopened"),
        (format!("!article {id}"), "Crews cleared the road"),
        ("!archive today".into(), "Mountain road reopened"),
        ("!topics".into(), "Dagestan"),
        ("!subscribe dagestan".into(), "Subscribed: Dagestan"),
        ("!subscriptions".into(), "This chat receives"),
        ("!unsubscribe dagestan".into(), "Dagestan"),
        ("!alert landslide".into(), "Alert 1 of 20 saved"),
        ("!alerts".into(), "«landslide»"),
        ("!lang en".into(), "English"),
        ("!timezone Europe/Moscow".into(), "Europe/Moscow"),
        ("!digest daily 09:00".into(), "09:00"),
        ("!quiet off".into(), ""),
        (format!("!preview {id}"), "Matrix"),
        (
            "!post\ntitle: Draft about the harvest\n\nFields are ready.".into(),
            "Published as #",
        ),
        (format!("!schedule {} 2099-01-01 10:00", id + 1), ""),
        ("!drafts".into(), ""),
        (format!("!link {id} {}", id + 1), ""),
        (format!("!approve {}", id + 1), ""),
        (
            format!("!edit {id}\ntitle: Mountain road reopened after a landslide"),
            "corrected",
        ),
        (format!("!retract {}", id + 1), "retracted"),
        (format!("!grant matrix:{} editor", other.id()), "editor"),
        ("!roles".into(), other.id()),
        (format!("!revoke matrix:{}", other.id()), ""),
        ("!channel list".into(), "News desk"),
        ("!source list".into(), ""),
        ("!deliveries".into(), "Deliveries"),
        ("!help".into(), "Commands"),
    ];
    let mut asked: Vec<&str> = script
        .iter()
        .map(|(text, _)| text[1..].split_whitespace().next().unwrap())
        .collect();
    asked.extend(["topic", "post"]);
    for (name, _) in COMMANDS {
        assert!(asked.contains(name), "the script misses !{name}");
    }
    for (text, needle) in &script {
        let answer = owner.ask(h, &room, text, needle).await;
        assert!(
            !body(&answer).contains("I don't know"),
            "«{text}» was not understood: {answer:?}"
        );
    }
    let unknown = owner.ask(h, &room, "!frobnicate", "I don't know").await;
    assert!(body(&unknown).contains("!help"), "{unknown:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_rooms_moderators_change_its_subscriptions() {
    let creator = Person::new("creator").await;
    let member = Person::new("member").await;
    let herald = Herald::start(Setup {
        inviters: vec!["localhost".into()],
        owners: vec![],
        limits: None,
        wrap: None,
    })
    .await;
    let h = herald.id();
    let room = creator
        .create_room("Readers' club", false, &[h, member.id()])
        .await;
    creator.message_from(h, &room, "Welcome").await;
    member.room_join(&room).await;

    member
        .ask(h, &room, "!subscribe all", "Only this chat's admins")
        .await;
    creator
        .ask(h, &room, "!subscribe all", "Subscribed to all news")
        .await;
    // Reading is for everyone.
    member.ask(h, &room, "!subscriptions", "all news").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_arrives_formatted_with_its_photo_and_its_correction_and_retraction_follow() {
    let photos = FeedServer::start().await;
    photos.put("img/road.png", PNG.to_vec(), "image/png");
    let Newsroom {
        owner,
        reader,
        herald,
        room,
        home,
    } = newsroom().await;
    let h = herald.id();

    let posted = owner
        .ask(
            h,
            &room,
            &format!(
                "!post\ntitle: Bridge <opens> & traffic flows\nlead: The new bridge links two districts.\nphoto: {}\n\nThe bridge took three years to build.",
                photos.url("img/road.png")
            ),
            "Published as #",
        )
        .await;
    let id = published_id(body(&posted));

    let photo = reader
        .message_from(h, &home, "Bridge <opens> & traffic flows")
        .await;
    let What::Message {
        msgtype,
        formatted,
        media,
        ..
    } = &photo.what
    else {
        unreachable!()
    };
    assert_eq!(msgtype, "m.image");
    assert!(media.as_deref().unwrap().starts_with("mxc://"), "{media:?}");
    let formatted = formatted.as_deref().expect("a formatted caption");
    assert!(
        formatted.contains("Bridge &lt;opens&gt; &amp; traffic flows"),
        "{formatted}"
    );
    assert!(
        formatted.contains("<strong>") || formatted.contains("<b>"),
        "{formatted}"
    );
    assert!(body(&photo).contains("three years"), "{photo:?}");

    owner
        .ask(
            h,
            &room,
            &format!("!edit {id}\ntitle: Bridge opens, traffic flows"),
            "corrected",
        )
        .await;
    let edit = reader
        .wait("the correction as an edit", |s| {
            matches!(&s.what, What::Message { replaces: Some((original, new)), .. }
                if *original == photo.event_id && new.contains("Bridge opens, traffic flows"))
        })
        .await;
    assert_eq!(edit.sender.as_str(), h);

    owner
        .ask(
            h,
            &room,
            &format!("!retract {id} the photo shows another bridge"),
            "retracted",
        )
        .await;
    // The original and its correction are both redacted — the m.replace holds the corrected
    // text — each with the editor's reason.
    for (what, event) in [
        ("original", &photo.event_id),
        ("correction", &edit.event_id),
    ] {
        reader
            .wait(&format!("the {what} redacted"), |s| {
                matches!(&s.what, What::Redaction { redacts, reason }
                    if redacts == event
                        && reason.as_deref() == Some("the photo shows another bridge"))
            })
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_room_receives_articles_its_reader_can_decrypt() {
    let owner = Person::new("owner").await;
    let herald = Herald::start(setup_for(&owner)).await;
    let h = herald.id();
    let room = desk(&owner, &herald, true).await;
    let greeting = owner.message_from(h, &room, "Welcome").await;
    assert!(
        matches!(
            greeting.what,
            What::Message {
                encrypted: true,
                ..
            }
        ),
        "{greeting:?}"
    );

    owner
        .ask(h, &room, "!subscribe all", "Subscribed to all news")
        .await;
    owner
        .ask(
            h,
            &room,
            "!post\ntitle: Harvest festival draws thousands\n\nThe festival lasted three days.",
            "Published as #",
        )
        .await;
    let article = owner
        .message_from(h, &room, "Harvest festival draws thousands")
        .await;
    assert!(
        matches!(
            article.what,
            What::Message {
                encrypted: true,
                ..
            }
        ),
        "{article:?}"
    );
    assert!(body(&article).contains("three days"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kick_deactivates_the_room_and_the_owner_hears_of_it_in_their_direct_chat() {
    let owner = Person::new("owner").await;
    let herald = Herald::start(setup_for(&owner)).await;
    let h = herald.id();
    let desk_room = desk(&owner, &herald, false).await;
    let lobby = owner.create_room("Lobby", false, &[h]).await;
    owner.message_from(h, &lobby, "Welcome").await;
    owner.ask(h, &lobby, "!subscribe all", "Subscribed").await;

    // The owner's direct chat with herald: where herald tells them about trouble.
    let direct = owner.create_dm(h).await;
    owner.message_from(h, &direct, "Welcome").await;
    owner.ask(h, &direct, "!help", "Commands").await;
    // The owner reads Russian there: the notice, the kicker's own words aside, is Russian too.
    owner.ask(h, &direct, "!lang ru", "по-русски").await;

    owner
        .room(&lobby)
        .kick_user(h.try_into().unwrap(), Some("no bots here"))
        .await
        .unwrap();
    owner
        .message_from(
            h,
            &direct,
            &format!(
                "herald больше не может писать в «Lobby» (matrix:{lobby}) \
                 (удалён пользователем {}: no bots here)",
                owner.id()
            ),
        )
        .await;
    let mut listed = String::new();
    for _ in 0..40 {
        listed = body(&owner.ask(h, &desk_room, "!channel list", "Lobby").await).to_string();
        if listed.contains("unreachable") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        listed.starts_with("Rooms")
            && listed.contains(&format!(
                "unreachable (removed by {}: no bots here)",
                owner.id()
            )),
        "{listed}"
    );

    // A third member in the direct room: notices stop going there (they would be overheard).
    let notice_rooms = || async {
        let owners = &herald.app.settings().owners;
        herald.app.store().moderator_chats(owners).await.unwrap()
    };
    assert_eq!(notice_rooms().await.len(), 1);
    let guest = Person::new("guest").await;
    owner
        .room(&direct)
        .invite_user_by_id(guest.id().try_into().unwrap())
        .await
        .unwrap();
    guest.room_join(&direct).await;
    let real = std::time::Instant::now();
    while !notice_rooms().await.is_empty() {
        assert!(
            real.elapsed() < Duration::from_secs(30),
            "the shared room is still a notice room"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_the_same_device_and_its_rooms() {
    let owner = Person::new("owner").await;
    let herald = Herald::start(setup_for(&owner)).await;
    let h = herald.id().to_string();
    let room = desk(&owner, &herald, true).await;
    let lobby = owner.create_room("Lobby", false, &[&h]).await;
    owner.message_from(&h, &lobby, "Welcome").await;
    let device = herald.device_id.clone();
    let devices = crate::mx::device_count(&h).await;

    let (account, dir) = herald.stop().await;
    // Written while herald is away: not answered late after the restart.
    owner.say(&room, "!topics").await;
    // Removed while herald is away: noticed at the restart, not at the next article.
    owner
        .room(&lobby)
        .kick_user(h.as_str().try_into().unwrap(), Some("closed for the night"))
        .await
        .unwrap();
    let herald = Herald::run(account, dir, setup_for(&owner)).await;
    assert_eq!(herald.device_id, device);
    assert_eq!(crate::mx::device_count(&h).await, devices, "no new login");
    owner.ask(&h, &room, "!help", "Commands").await;
    let listed = owner.ask(&h, &room, "!channel list", "Lobby").await;
    assert!(
        body(&listed).contains("unreachable") && body(&listed).contains("closed for the night"),
        "{}",
        body(&listed)
    );
    let answers = owner
        .seen()
        .iter()
        .filter(|s| {
            s.sender.as_str() == h && s.room == room && matches!(s.what, What::Message { .. })
        })
        .count();
    // The greeting, the answers to !help and !channel list; nothing for the !topics sent
    // while away.
    assert_eq!(answers, 3, "{:#?}", owner.seen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgraded_room_keeps_its_subscriptions_in_the_new_room() {
    use matrix_sdk::ruma::RoomVersionId;
    use matrix_sdk::ruma::api::client::room::upgrade_room;

    let owner = Person::new("owner").await;
    let herald = Herald::start(setup_for(&owner)).await;
    let h = herald.id();
    let room = desk(&owner, &herald, false).await;
    owner
        .ask(h, &room, "!subscribe all", "Subscribed to all news")
        .await;

    let upgraded = owner
        .client
        .send(upgrade_room::v3::Request::new(
            room.clone(),
            RoomVersionId::V12,
        ))
        .await
        .unwrap()
        .replacement_room;
    // As clients do when upgrading a private room: the members are invited to the new one.
    for _ in 0..100 {
        if owner.client.get_room(&upgraded).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    owner
        .room(&upgraded)
        .invite_user_by_id(h.try_into().unwrap())
        .await
        .unwrap();
    // herald joins by the tombstone or by the invite, whichever comes first (only a join by
    // invite greets).
    owner
        .wait("herald in the new room", |s| {
            s.room == upgraded
                && matches!(&s.what, What::Member { user, membership, .. } if user == h && membership == "join")
        })
        .await;

    owner
        .ask(
            h,
            &upgraded,
            "!post\ntitle: Ferry timetable changes from Monday\n\nTwo more crossings a day.",
            "Published as #",
        )
        .await;
    let copy = owner
        .message_from(h, &upgraded, "Ferry timetable changes")
        .await;
    assert!(body(&copy).contains("Two more crossings"));
    owner.ask(h, &upgraded, "!subscriptions", "all news").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_retried_after_a_lost_answer_is_shown_once() {
    use herald::delivery::{Destination, Outbound, Post};
    use herald::domain::{ChatKind, Language, Platform, TimeZoneName};
    use std::sync::{Arc, Mutex};

    let owner = Person::new("owner").await;
    let captured: Arc<Mutex<Option<Arc<dyn Outbound>>>> = Arc::default();
    let keep = Arc::clone(&captured);
    let wrap = move |outbound: Arc<dyn Outbound>| {
        *keep.lock().unwrap() = Some(Arc::clone(&outbound));
        outbound
    };
    let herald = Herald::start(Setup {
        wrap: Some(Arc::new(wrap)),
        ..setup_for(&owner)
    })
    .await;
    let h = herald.id();
    let room = desk(&owner, &herald, false).await;
    let outbound = captured.lock().unwrap().clone().unwrap();
    let to = |key: &str| Destination {
        chat_id: 1,
        platform: Platform::Matrix,
        native_id: room.to_string(),
        kind: ChatKind::Room,
        language: Language::En,
        time_zone: TimeZoneName::utc(),
        delivery_key: key.to_string(),
        paid: false,
    };
    let post: Post = herald::message::Reply::text("Road report at noon").into();

    // The same delivery twice (as after an answer lost on the way back): one event.
    let first = outbound.send(&to("77.1000"), &post).await.unwrap();
    let again = outbound.send(&to("77.1000"), &post).await.unwrap();
    assert_eq!(first, again);
    // Another delivery of the same text is a message of its own.
    let other = outbound.send(&to("78.1000"), &post).await.unwrap();
    assert_ne!(first, other);

    owner.ask(h, &room, "!help", "Commands").await;
    let copies = owner
        .seen()
        .iter()
        .filter(|s| s.room == room && body(s) == "Road report at noon")
        .count();
    assert_eq!(copies, 2, "{:#?}", owner.seen());
}
