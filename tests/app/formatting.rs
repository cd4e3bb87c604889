//! An editor's formatting — bold, italic, links — kept from the message they write to every
//! copy herald sends, and a feed's or the CMS's HTML read the same way.

use herald::domain::{ArticleRecord, Language, Rich, Style};
use herald::render::{layout, telegram};
use serde_json::{Value, json};
use tgsim::Kind;

use crate::tg::{OWNER, spawn_tg};

const READER: i64 = 70;

/// A message as a Telegram client sends it: the text and its entities (UTF-16 offsets),
/// written here in the terminal's light markup for readability.
pub(crate) fn telegram_message(markup: &str) -> (String, Value) {
    let rich = Rich::from_markup(markup);
    let utf16 = |bytes: usize| rich.text[..bytes].encode_utf16().count();
    let entities: Vec<Value> = rich
        .marks()
        .iter()
        .map(|m| {
            let (offset, length) = (utf16(m.start), utf16(m.end) - utf16(m.start));
            match &m.style {
                Style::Bold => json!({"type": "bold", "offset": offset, "length": length}),
                Style::Italic => json!({"type": "italic", "offset": offset, "length": length}),
                Style::Link(url) => {
                    json!({"type": "text_link", "offset": offset, "length": length, "url": url})
                }
            }
        })
        .collect();
    (rich.text.clone(), Value::Array(entities))
}

/// Everything the bot sent to `chat`, as it sent it.
pub(crate) fn sent(tg: &crate::tg::Tg, chat: i64) -> String {
    tg.sim
        .messages(chat)
        .iter()
        .map(|m| m.sent.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editors_bold_italic_and_links_reach_every_telegram_copy_whole() {
    let tg = spawn_tg().await;
    tg.newsroom().await;
    tg.sim.add_chat(READER, Kind::Private, "Reader");
    tg.ask(READER, READER, "/subscribe all", "all news").await;

    let (text, entities) = telegram_message(
        "/post\ntitle: Court rules on the Derbent landfill\nlang: en\n\n\
         The *district court* ruled _on Monday_ that the landfill must close. \
         Read [the ruling](https://example.org/ruling) and [this](javascript:alert(1)).",
    );
    tg.sim.user_says_formatted(OWNER, OWNER, &text, entities);
    tg.expect(OWNER, "Published").await;
    tg.expect(READER, "landfill must close").await;
    let copy = sent(&tg, READER);
    assert!(copy.contains("<b>district court</b>"), "{copy}");
    assert!(copy.contains("<i>on Monday</i>"), "{copy}");
    assert!(
        copy.contains("<a href=\"https://example.org/ruling\">the ruling</a>"),
        "{copy}"
    );
    assert!(
        copy.contains("this (javascript:alert(1))") && !copy.contains("href=\"javascript"),
        "another scheme is shown as text: {copy}"
    );
    // Search sees the words, not the markup.
    tg.ask(
        READER,
        READER,
        "/search district ruling",
        "Derbent landfill",
    )
    .await;

    // A long article: every link arrives whole, in whichever part it falls.
    let paragraphs: Vec<String> = (1..=120)
        .map(|n| format!("Hearing {n}: the *court* heard a witness, see [record {n}](https://example.org/r/{n})."))
        .collect();
    let (text, entities) = telegram_message(&format!(
        "/post\ntitle: The landfill hearings in full\nlang: en\n\n{}",
        paragraphs.join("\n\n")
    ));
    tg.sim.user_says_formatted(OWNER, OWNER, &text, entities);
    tg.expect(READER, "Hearing 120").await;
    let copies: Vec<String> = tg
        .sim
        .messages(READER)
        .iter()
        .filter(|m| m.text.contains("Hearing "))
        .map(|m| m.sent.clone())
        .collect();
    assert!(copies.len() >= 2, "a long article is split: {copies:#?}");
    let all = copies.join("\n");
    for n in 1..=120 {
        let link = format!("<a href=\"https://example.org/r/{n}\">record {n}</a>");
        assert_eq!(all.matches(&link).count(), 1, "{link} whole, once");
    }
    assert_eq!(all.matches("<b>court</b>").count(), 120);
    tg.stop().await;
}

/// The article as a Telegram chat would get it.
fn telegram_html(article: &ArticleRecord) -> String {
    let layout = layout::article(article, Language::En, chrono_tz::Europe::Moscow, &[]);
    let post = telegram::article(&layout).unwrap_or_else(|e| panic!("{e}"));
    post.texts.join("\n")
}

#[tokio::test]
async fn a_cms_body_html_keeps_its_formatting_and_loses_scripts_and_handlers() {
    let t = crate::helpers::spawn_app().await;
    let html = "<p>The <strong>court</strong> ruled <em>today</em>, see \
        <a href=\"https://example.org/ruling\" onclick=\"steal()\">the ruling</a>.</p>\
        <script>alert('x')</script><p onmouseover=\"x()\">Second <b>paragraph</b>.</p>\
        <style>p { color: red }</style><img src=\"x\" onerror=\"alert(1)\">";
    let article = crate::cms::publish_html(&t, "Landfill ruling", html).await;
    assert_eq!(
        article.body.text,
        "The court ruled today, see the ruling.\n\nSecond paragraph."
    );
    let rendered = telegram_html(&article);
    assert!(rendered.contains("<b>court</b>"), "{rendered}");
    assert!(rendered.contains("<i>today</i>"), "{rendered}");
    assert!(rendered.contains("<b>paragraph</b>"), "{rendered}");
    assert!(
        rendered.contains("<a href=\"https://example.org/ruling\">the ruling</a>"),
        "{rendered}"
    );
    for gone in [
        "script",
        "alert",
        "onclick",
        "onmouseover",
        "onerror",
        "color",
    ] {
        assert!(!rendered.contains(gone), "{gone} in {rendered}");
    }
}
