//! Golden tests of the article layout rendered for Telegram (HTML, UTF-16 limits) and Matrix
//! (HTML + plain body), and legal labels at /post.

use chrono::{TimeZone, Utc};
use herald::domain::{ArticleRecord, ArticleStatus};
use herald::domain::{Footnote, Label, LabelPosition, Language, PhotoRef, TopicSlug};
use herald::render::{layout, matrix, telegram};

const LABEL: &str = "НАСТОЯЩИЙ МАТЕРИАЛ ПРОИЗВЕДЁН ИНОСТРАННЫМ АГЕНТОМ";

fn record() -> ArticleRecord {
    ArticleRecord {
        id: 7,
        title: "Rights defenders <urge> release of blogger Guseinov".into(),
        lead: "The new charges against the blogger should be dropped, the foundation said.".into(),
        body: "Guseinov went on a hunger strike in the colony.\n\nHis statements about pressure have not been investigated."
            .into(),
        language: Language::En,
        url: Some("https://news.example.org/en/7".into()),
        original_url: Some("https://news.example.org/ru/6".into()),
        photo: Some(PhotoRef::Web("https://news.example.org/photo.jpg".into())),
        photo_caption: Some("A poster in support of the blogger".into()),
        photo_credit: Some("https://rights.example.org/letter".into()),
        published_at: Utc.with_ymd_and_hms(2019, 1, 12, 18, 10, 0).unwrap(),
        updated_at: None,
        retracted_at: None,
        retraction_reason: None,
        version: 1,
        topics: vec![TopicSlug::parse("azerbaijan").unwrap(), TopicSlug::parse("human-rights").unwrap()],
        label: Some(Label { text: LABEL.into(), position: LabelPosition::Top }),
        status: ArticleStatus::Published,
        publish_at: None,
        pair_id: None,
    }
}

#[test]
fn a_full_article_with_photo_renders_for_telegram_as_caption_and_text() {
    let layout = layout::article(&record(), Language::En, chrono_tz::Europe::Moscow, &[]);
    let post = telegram::article(&layout).unwrap();
    let (photo, caption) = post.photo.unwrap();
    assert_eq!(photo.url(), Some("https://news.example.org/photo.jpg"));
    assert_eq!(
        caption,
        format!(
            "{LABEL}\n\n<b>Rights defenders &lt;urge&gt; release of blogger Guseinov</b>\n\n\
             <i>12 January 2019, 21:10 MSK</i>\n\n\
             The new charges against the blogger should be dropped, the foundation said."
        )
    );
    assert_eq!(
        post.texts,
        [format!(
            "{LABEL}\n\nGuseinov went on a hunger strike in the colony.\n\n\
             His statements about pressure have not been investigated.\n\n\
             <i>A poster in support of the blogger</i> <a href=\"https://rights.example.org/letter\">Photo</a>\n\n\
             <a href=\"https://news.example.org/ru/6\">Originally published in Russian</a>\n\n\
             #azerbaijan #human_rights\n\n\
             <a href=\"https://news.example.org/en/7\">Read more</a>"
        )]
    );
}

#[test]
fn links_a_feed_or_the_cms_gives_in_other_schemes_are_shown_as_text_on_both_platforms() {
    let article = ArticleRecord {
        url: Some("javascript:alert(document.cookie)".into()),
        original_url: Some("data:text/html,<script>alert(1)</script>".into()),
        photo: None,
        ..record()
    };
    let layout = layout::article(&article, Language::En, chrono_tz::Europe::Moscow, &[]);
    let post = telegram::article(&layout).unwrap();
    let html = post.texts.join("\n");
    assert!(
        !html.contains("<a href=\"javascript") && !html.contains("<a href=\"data"),
        "{html}"
    );
    assert!(
        html.contains("Read more: javascript:alert(document.cookie)"),
        "{html}"
    );
    assert!(html.contains("data:text/html,&lt;script&gt;"), "{html}");
    for m in matrix::article(&layout) {
        assert!(
            !m.formatted_body.contains("href=\"javascript"),
            "{}",
            m.formatted_body
        );
        assert!(
            !m.formatted_body.contains("href=\"data"),
            "{}",
            m.formatted_body
        );
        assert!(
            m.body.contains("javascript:alert(document.cookie)"),
            "{}",
            m.body
        );
    }
}

#[test]
fn the_same_article_renders_for_matrix_with_a_plain_body_and_russian_dates() {
    let layout = layout::article(&record(), Language::Ru, chrono_tz::Europe::Moscow, &[]);
    let messages = matrix::article(&layout);
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert!(m.body.starts_with(&format!("{LABEL}\n\nRights defenders <urge> release of blogger Guseinov\n\n12 января 2019, 21:10 MSK")), "{}", m.body);
    assert!(
        m.body
            .contains("Оригинал на русском: https://news.example.org/ru/6"),
        "{}",
        m.body
    );
    assert!(
        m.formatted_body.starts_with(&format!(
            "<p>{LABEL}</p><p><strong>Rights defenders &lt;urge&gt; release"
        )),
        "{}",
        m.formatted_body
    );
    assert!(
        m.formatted_body
            .contains("<a href=\"https://news.example.org/en/7\">Читать полностью</a>")
    );
}

#[test]
fn a_very_long_article_splits_within_limits_with_the_label_in_every_part() {
    let mut article = record();
    article.photo = None;
    article.body = (0..60)
        .map(|n| format!("Paragraph {n}: {}", "Sentence with a 🗞 emoji. ".repeat(20)))
        .collect::<Vec<_>>()
        .join("\n\n")
        .into();
    let layout = layout::article(&article, Language::En, chrono_tz::Europe::Moscow, &[]);
    let post = telegram::article(&layout).unwrap();
    assert!(post.texts.len() > 3, "{} parts", post.texts.len());
    for part in &post.texts {
        assert!(telegram::parsed_len(part) <= telegram::TEXT_LIMIT);
        assert!(part.starts_with(LABEL));
    }
    article.body = article.body.text.repeat(4).into();
    let messages = matrix::article(&layout::article(
        &article,
        Language::En,
        chrono_tz::Europe::Moscow,
        &[],
    ));
    assert!(messages.len() > 1);
    for m in &messages {
        assert!(m.body.len() + m.formatted_body.len() <= matrix::EVENT_BUDGET + 1_000);
        assert!(
            m.body.starts_with(LABEL) && m.formatted_body.starts_with(&format!("<p>{LABEL}</p>"))
        );
    }
}

#[test]
fn a_correction_shows_its_updated_mark_in_the_readers_zone() {
    let mut article = record();
    article.updated_at = Some(Utc.with_ymd_and_hms(2019, 1, 12, 19, 5, 0).unwrap());
    let layout = layout::article(&article, Language::En, chrono_tz::Asia::Baku, &[]);
    let post = telegram::article(&layout).unwrap();
    assert!(
        post.photo
            .unwrap()
            .1
            .contains("<i>12 January 2019, 22:10 +04 · Updated 23:05</i>")
    );
}

#[test]
fn footnotes_mark_the_first_mention_and_follow_every_part_that_names_them() {
    let glossary = [Footnote::new(
        &["Свидетели Иеговы".into(), "Jehovah's Witnesses".into()],
        "*",
        "The organisation is banned in Russia.",
    )];
    let mut article = record();
    article.photo = None;
    article.title = "Believer arrested".into();
    article.lead = "A Jehovah's Witness from Krasnodar was arrested.".into();
    article.body = format!(
        "{}\n\nThe Jehovah's Witnesses say the case is political.",
        (0..40)
            .map(|_| "Filler sentence about the court. ".repeat(10))
            .collect::<Vec<_>>()
            .join("\n\n")
    )
    .into();
    let layout = layout::article(&article, Language::En, chrono_tz::Europe::Moscow, &glossary);
    let post = telegram::article(&layout).unwrap();
    assert!(post.texts.len() >= 3, "{} parts", post.texts.len());
    let note = "<i>* The organisation is banned in Russia.</i>";
    assert!(
        post.texts[0].contains("A Jehovah's Witness* from Krasnodar"),
        "marker at the first mention only"
    );
    assert_eq!(
        post.texts
            .iter()
            .map(|p| p.matches("Witness*").count())
            .sum::<usize>(),
        1
    );
    for part in &post.texts {
        assert!(part.starts_with(LABEL) && telegram::parsed_len(part) <= telegram::TEXT_LIMIT);
        let mentions = part.contains("Jehovah");
        assert_eq!(
            part.contains(note),
            mentions,
            "the note follows exactly the parts that mention the name"
        );
    }
    assert!(post.texts.last().unwrap().contains(note));
    let matrix = matrix::article(&layout);
    assert!(
        matrix[0]
            .body
            .contains("* The organisation is banned in Russia.")
    );
}

mod at_post {
    use crate::helpers::spawn_app_with;
    use herald::domain::{Label, LabelPosition};

    fn label(text: &str) -> Label {
        Label {
            text: text.into(),
            position: LabelPosition::Top,
        }
    }

    #[tokio::test]
    async fn the_default_label_goes_on_every_article_and_unknown_or_oversized_ones_are_refused() {
        let t = spawn_app_with(|s| {
            s.newsroom
                .labels
                .insert("agent".into(), label(super::LABEL));
            s.newsroom
                .labels
                .insert("huge".into(), label(&"L".repeat(1_100)));
            s.newsroom.default_label = Some("agent".into());
        })
        .await;
        assert!(
            t.say("1", "/post\ntitle: Labelled")
                .await
                .starts_with("Published as #1.")
        );
        assert!(t.say("42", "/article 1").await.starts_with(super::LABEL));
        assert_eq!(
            t.say("1", "/post\ntitle: X\nlabel: nonexistent").await,
            "There is no label «nonexistent» in the configuration."
        );
        let refused = t
            .say(
                "1",
                "/post\ntitle: X\nlabel: huge\nphoto: https://example.org/p.jpg",
            )
            .await;
        assert!(
            refused.starts_with("The article was not saved: its label does not fit in a message"),
            "{refused}"
        );
        assert!(
            t.say("1", "/post\ntitle: Long label, no photo\nlabel: huge")
                .await
                .starts_with("Published as #2.")
        );
    }

    #[tokio::test]
    async fn preview_shows_editors_each_platforms_parts_and_refuses_readers() {
        let t = spawn_app_with(|s| {
            s.newsroom
                .labels
                .insert("agent".into(), label(super::LABEL));
            s.newsroom.default_label = Some("agent".into());
        })
        .await;
        t.say(
            "1",
            "/post\ntitle: Floods <close> roads\nphoto: https://example.org/p.jpg\n\nBody text.",
        )
        .await;
        let preview = t.say("1", "/preview 1").await;
        assert!(
            preview.starts_with("Telegram (HTML):\n• photo https://example.org/p.jpg, caption:"),
            "{preview}"
        );
        assert!(
            preview.contains(&format!(
                "{}\n\n<b>Floods &lt;close&gt; roads</b>",
                super::LABEL
            )),
            "{preview}"
        );
        assert!(preview.contains("• message 1 ("), "{preview}");
        assert!(preview.contains("Matrix (plain body):"), "{preview}");
        assert_eq!(
            t.say("42", "/preview 1").await,
            "Not allowed: this needs the editor role."
        );
        assert_eq!(t.say("1", "/preview 99").await, "There is no article #99.");
    }

    #[tokio::test]
    async fn the_engine_hands_platforms_the_layout_with_label_and_footnotes() {
        use herald::clock::Clock;
        use herald::delivery::RatePolicy;
        use herald::domain::Footnote;
        use herald::render::telegram;
        use std::time::Duration;

        let t = crate::helpers::spawn_app_at(Clock::system(), |s| {
            s.newsroom
                .labels
                .insert("agent".into(), label(super::LABEL));
            s.newsroom.default_label = Some("agent".into());
            s.newsroom.glossary = vec![Footnote::new(
                &["Jehovah's Witnesses".into()],
                "*",
                "Banned in Russia.",
            )];
        })
        .await;
        let h = crate::delivery::harness_for(t, RatePolicy::telegram(), Duration::ZERO).await;
        crate::delivery::hold_clock();
        h.t.say("10", "/subscribe all").await;
        h.t.say(
            "1",
            "/post\ntitle: Arrest in Krasnodar\nlead: A Jehovah's Witness was detained.",
        )
        .await;
        h.drain().await;
        let message = &h.platform.messages("10")[0];
        assert!(
            message.text.starts_with(super::LABEL),
            "the plain push carries the label too"
        );
        let layout = message
            .layout
            .as_ref()
            .expect("an article comes with its layout");
        let post = telegram::article(layout).unwrap();
        assert!(post.texts[0].starts_with(super::LABEL));
        assert!(post.texts[0].contains("Jehovah's Witness* was detained"));
        assert!(post.texts[0].contains("<i>* Banned in Russia.</i>"));
    }
}
