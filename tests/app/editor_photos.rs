//! Photos as editors send them on Telegram: a photo (or an image file) whose caption is a
//! `/post` publishes with that image — Telegram copies reuse the editor's `file_id`, or the
//! id the first copy's upload got — and an image herald cannot publish everywhere is refused
//! with an answer that says why, before anything goes out.

use std::io::Cursor;

use tgsim::{Kind, UserMessage};

use crate::formatting::{sent, telegram_message};
use crate::tg::{OWNER, Tg, spawn_tg, spawn_tg_with};

const READERS: [i64; 2] = [71, 72];

/// A PNG of `width` × `height` pixels whose noise does not compress away.
fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let n = x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ x.wrapping_mul(y);
        image::Rgb([(n % 251) as u8, (n / 7 % 241) as u8, (n / 3 % 239) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

async fn with_readers(tg: &Tg) {
    tg.newsroom().await;
    for reader in READERS {
        tg.sim.add_chat(reader, Kind::Private, "Reader");
        tg.ask(reader, reader, "/subscribe all", "all news").await;
    }
}

/// The photo of each reader's copy, once every reader has one.
async fn copies_photos(tg: &Tg, needle: &str) -> Vec<String> {
    let mut photos = Vec::new();
    for reader in READERS {
        let copy = tg.expect(reader, needle).await;
        photos.push(copy.photo.expect("the copy is a photo"));
    }
    photos
}

/// The bytes of the file Telegram knows as `file_id`, and how many files the bot uploaded.
fn file_and_uploads(tg: &Tg, file_id: &str) -> (Option<Vec<u8>>, u64) {
    let sim = tg.sim.sim();
    let file = sim.files.get(file_id).map(|f| f.bytes.clone());
    (file, sim.files.uploads)
}

fn articles(tg: &Tg) -> usize {
    READERS.iter().map(|r| tg.sim.messages(*r).len()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_with_a_post_caption_publishes_with_the_editors_own_photo() {
    let tg = spawn_tg().await;
    with_readers(&tg).await;
    let image = png(160, 120);
    let (caption, entities) = telegram_message(
        "/post\ntitle: Water over the Derbent embankment\nlang: en\n\
         caption: The embankment at noon\ncredit: A reader\n\n\
         The sea *rose* overnight and closed the promenade.",
    );
    tg.sim.user_sends(
        OWNER,
        OWNER,
        UserMessage {
            text: &caption,
            entities: Some(entities),
            photo: Some(image.clone()),
            ..UserMessage::default()
        },
    );
    tg.expect(OWNER, "Published").await;

    let photos = copies_photos(&tg, "Derbent embankment").await;
    assert_eq!(photos[0], photos[1]);
    let (file, uploads) = file_and_uploads(&tg, &photos[0]);
    assert_eq!(file, Some(image), "the editor's photo itself");
    assert_eq!(uploads, 0, "sent by the editor's file_id, never uploaded");
    tg.expect(READERS[0], "closed the promenade").await;
    let copy = sent(&tg, READERS[0]);
    assert!(copy.contains("<b>rose</b>"), "{copy}");
    assert!(copy.contains("The embankment at noon"), "{copy}");

    let shown = tg.ask(OWNER, OWNER, "/article 1", "Water over").await;
    assert!(
        shown.text.contains("the image sent with /post"),
        "{}",
        shown.text
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_file_is_uploaded_once_for_every_copy() {
    let tg = spawn_tg().await;
    with_readers(&tg).await;
    let image = png(300, 200);
    tg.sim.user_sends(
        OWNER,
        OWNER,
        UserMessage {
            text: "/post\ntitle: Ferry to Baku resumes\nlang: en\n\nThe first boat left at six.",
            document: Some((image.clone(), "image/png".into())),
            ..UserMessage::default()
        },
    );
    tg.expect(OWNER, "Published").await;

    let photos = copies_photos(&tg, "Ferry to Baku").await;
    assert_eq!(
        photos[0], photos[1],
        "the second copy sends the first's file_id"
    );
    let (file, uploads) = file_and_uploads(&tg, &photos[0]);
    assert_eq!(uploads, 1);
    assert_eq!(file, Some(image));
    let kept = tg.t.app.store().article(1).await.unwrap().unwrap();
    let Some(herald::domain::PhotoRef::Stored(stored)) = kept.photo else {
        panic!("a kept image: {:?}", kept.photo)
    };
    assert_eq!(
        stored.telegram_file_id.as_deref(),
        Some(photos[0].as_str()),
        "remembered for later copies, after a restart too"
    );
    tg.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_herald_cannot_publish_is_refused_with_the_reason_and_nothing_goes_out() {
    let tg = spawn_tg_with(tgsim::Limits::default(), |s| {
        s.newsroom.max_photo_bytes = 64 * 1024;
    })
    .await;
    with_readers(&tg).await;
    let before = articles(&tg);
    let post = |title: &str| format!("/post\ntitle: {title}\nlang: en\n\nText.");
    let cases: [(&str, UserMessage, &str); 4] = [
        (
            "not an image",
            UserMessage {
                document: Some((b"%PDF-1.7 a court ruling".to_vec(), "image/png".into())),
                ..UserMessage::default()
            },
            "not a JPEG, PNG or WebP",
        ),
        (
            "too large",
            UserMessage {
                photo: Some(png(400, 400)),
                ..UserMessage::default()
            },
            "larger than 0.1 MiB",
        ),
        (
            "a banner",
            UserMessage {
                photo: Some(png(2100, 4)),
                ..UserMessage::default()
            },
            "2100×4",
        ),
        (
            "two photos",
            UserMessage {
                photo: Some(png(40, 30)),
                ..UserMessage::default()
            },
            "one photo only",
        ),
    ];
    for (title, mut message, answer) in cases {
        let text = match title {
            "two photos" => format!("/post\ntitle: {title}\nphoto: https://example.org/p.jpg"),
            _ => post(title),
        };
        message.text = &text;
        let answered = tg.sim.messages(OWNER).len();
        tg.sim.user_sends(OWNER, OWNER, message);
        let reply = tg
            .wait(OWNER, |m| m.message_id > answered as i64)
            .await
            .expect("an answer");
        assert!(reply.text.contains(answer), "{title}: {}", reply.text);
        assert!(!reply.text.contains("Published"), "{title}: {}", reply.text);
    }
    assert!(png(400, 400).len() > 64 * 1024);
    assert_eq!(articles(&tg), before, "nothing was published");
    assert!(tg.t.app.store().article(1).await.unwrap().is_none());
    tg.stop().await;
}
