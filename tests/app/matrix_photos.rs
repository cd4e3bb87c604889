//! An article's photo in Matrix rooms against the real Synapse: uploaded once for every
//! unencrypted room, encrypted for each encrypted one, and described (size, width, height,
//! a thumbnail for a big image) so clients can lay it out before it loads.

use std::io::Cursor;

use crate::feed_server::FeedServer;
use matrix_sdk::ruma::OwnedRoomId;

use crate::mx::{Herald, ImageMeta, Person, Setup, What};

/// A PNG of `width` × `height` pixels.
fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// herald, with `owner` as its owner and the one who may invite it.
async fn herald_owned_by(owner: &Person) -> Herald {
    Herald::start(Setup {
        inviters: vec![owner.id().into()],
        owners: vec![format!("matrix:{}", owner.id())],
        limits: None,
        wrap: None,
    })
    .await
}

/// A room `owner` makes with herald `h` in it, subscribed to all news.
async fn subscribed_room(owner: &Person, h: &str, name: &str, encrypted: bool) -> OwnedRoomId {
    let room = owner.create_room(name, encrypted, &[h]).await;
    owner.message_from(h, &room, "Welcome").await;
    owner.ask(h, &room, "!subscribe all", "Subscribed").await;
    room
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_upload_serves_every_plain_room_and_each_photo_says_its_size() {
    let photos = FeedServer::start().await;
    let bytes = png(1200, 700);
    photos.put("img/dam.png", bytes.clone(), "image/png");
    let owner = Person::new("owner").await;
    let herald = herald_owned_by(&owner).await;
    let h = herald.id();
    let mut rooms = Vec::new();
    for (name, encrypted) in [
        ("North", false),
        ("South", false),
        ("East", false),
        ("Vault", true),
    ] {
        rooms.push((subscribed_room(&owner, h, name, encrypted).await, encrypted));
    }
    owner
        .ask(
            h,
            &rooms[0].0,
            &format!(
                "!post\ntitle: The dam opens its gates\nphoto: {}\n\nWater reaches the valley.",
                photos.url("img/dam.png")
            ),
            "Published as #",
        )
        .await;

    let described = ImageMeta {
        width: Some(1200),
        height: Some(700),
        size: Some(bytes.len() as u64),
        thumbnail: true,
    };
    let mut plain_uris = Vec::new();
    for (room, encrypted) in &rooms {
        let seen = owner
            .wait("the photo", |s| {
                s.room == *room
                    && matches!(&s.what, What::Message { msgtype, .. } if msgtype == "m.image")
            })
            .await;
        let What::Message { media, image, .. } = &seen.what else {
            unreachable!()
        };
        assert_eq!(image.as_ref(), Some(&described), "{seen:?}");
        let media = media.clone().expect("a media source");
        if *encrypted {
            assert_eq!(media, "encrypted");
        } else {
            plain_uris.push(media);
        }
    }
    assert!(plain_uris[0].starts_with("mxc://"), "{plain_uris:?}");
    assert!(
        plain_uris.iter().all(|uri| *uri == plain_uris[0]),
        "one upload for every unencrypted room: {plain_uris:?}"
    );
    // Fetched when posted (the editor's check) and once for all the rooms.
    assert_eq!(photos.hits("img/dam.png"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_answered_with_post_publishes_with_it_uploaded_once_for_the_rooms() {
    let owner = Person::new("owner").await;
    let herald = herald_owned_by(&owner).await;
    let h = herald.id();
    // An encrypted desk: herald decrypts the image it is given.
    let desk = owner.create_room("Desk", true, &[h]).await;
    owner.message_from(h, &desk, "Welcome").await;
    let mut rooms = Vec::new();
    for name in ["North", "South"] {
        rooms.push(subscribed_room(&owner, h, name, false).await);
    }
    let bytes = png(900, 600);
    let image = owner.send_image(&desk, bytes.clone()).await;
    let sent = owner
        .wait("the editor's image", |s| s.event_id == image)
        .await;
    let What::Message { media: editors, .. } = &sent.what else {
        unreachable!()
    };
    owner
        .reply(
            &desk,
            &image,
            "!post\ntitle: Snow closes the Rikvani pass\ncaption: The pass at dawn\n\n\
             Road crews expect to reopen it on Friday.",
        )
        .await;
    owner.message_from(h, &desk, "Published as #").await;

    let mut uris = Vec::new();
    for room in &rooms {
        let seen = owner
            .wait("the photo", |s| {
                s.room == *room
                    && matches!(&s.what, What::Message { msgtype, .. } if msgtype == "m.image")
            })
            .await;
        let What::Message {
            media, image, body, ..
        } = &seen.what
        else {
            unreachable!()
        };
        assert!(body.contains("Rikvani pass"), "{body}");
        assert_eq!(image.as_ref().and_then(|i| i.width), Some(900), "{seen:?}");
        uris.push(media.clone().expect("a media source"));
    }
    assert!(uris[0].starts_with("mxc://"), "{uris:?}");
    assert_eq!(uris[0], uris[1], "one upload for both rooms");
    assert_ne!(
        Some(&uris[0]),
        editors.as_ref(),
        "herald's own copy of the image, kept whatever happens to the editor's"
    );
    let text = owner
        .wait("the rest of the article", |s| {
            s.room == rooms[0] && crate::mx::body(s).contains("reopen it on Friday")
        })
        .await;
    assert!(crate::mx::body(&text).contains("The pass at dawn"));
    herald.stop().await;
}
