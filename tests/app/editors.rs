//! Editors post, correct and retract; everyone else is refused, and the audit log sees it all.

use crate::helpers::spawn_app;

const POST: &str = "/post\ntitle: Floods close mountain roads in Dagestan\nlead: Twelve villages are cut off.\n\
    topics: dagestan\nlang: en\n\nRescuers are clearing the mudflows.\n\nThe elections there are postponed.";

async fn editor_app() -> crate::helpers::TestApp {
    let t = spawn_app().await;
    t.with_topics().await;
    assert_eq!(
        t.say("1", "/grant telegram:50 editor").await,
        "telegram:50 is now editor."
    );
    t
}

#[tokio::test]
async fn a_reader_cannot_post_and_the_refusal_is_audited() {
    let t = editor_app().await;
    assert_eq!(
        t.say("42", POST).await,
        "Not allowed: this needs the editor role."
    );
    assert_eq!(
        t.say("42", "/retract 1").await,
        "Not allowed: this needs the editor role."
    );
    assert_eq!(t.say("42", "/latest").await, "No articles yet.");
    let audit = t.audit().await;
    assert_eq!(audit[0], "telegram:42 retract refused");
    assert_eq!(audit[1], "telegram:42 post refused");
}

#[tokio::test]
async fn an_editor_posts_and_readers_find_the_article_everywhere() {
    let t = editor_app().await;
    let reply = t.say("50", POST).await;
    assert_eq!(reply, "Published as #1.\n→ Check it: /article 1");
    assert!(t.say("42", "/latest dagestan").await.contains("#1 · "));
    assert!(
        t.say("42", "/search flooded roads")
            .await
            .contains("Floods close mountain roads")
    );
    assert!(
        t.say("42", "/article 1")
            .await
            .contains("Rescuers are clearing the mudflows.")
    );
    assert_eq!(t.audit().await[0], "telegram:50 post ok");
}

#[tokio::test]
async fn a_post_in_a_russian_chat_defaults_to_russian_and_errors_are_russian_too() {
    let t = editor_app().await;
    t.say("50", "/lang ru").await;
    assert_eq!(
        t.say("50", "/post\nзаголовок: Выборы перенесены\nтемы: dagestan")
            .await,
        "Опубликовано под №1.\n→ Проверить: /article 1"
    );
    assert_eq!(
        t.say("50", "/post\nлид: без заголовка").await,
        "Материал не сохранён: нет заголовка (строка `title:`)."
    );
    t.say("42", "/lang ru").await;
    assert!(
        t.say("42", "/search выборах")
            .await
            .contains("Выборы перенесены")
    );
}

#[tokio::test]
async fn post_mistakes_are_named_with_their_line_and_nothing_is_stored() {
    let t = editor_app().await;
    let cases = [
        (
            "/post\ntitle: X\nauthor: me",
            "The article was not saved: line 2: unknown field «author».",
        ),
        (
            "/post\nlead: no title",
            "The article was not saved: the title is missing (a `title:` line).",
        ),
        (
            "/post\ntitle: X\nlang: fr",
            "The article was not saved: line 2: «fr» is not a language (ru or en).",
        ),
        (
            "/post\ntitle: X\nphoto: javascript:alert(1)",
            "The article was not saved: line 2: «javascript:alert(1)» is not an http(s) link.",
        ),
        (
            "/post\ntitle: X\nsome body without a blank line",
            "The article was not saved: line 2 («some body without a blank line») is not `field: value`. Leave a blank line before the body.",
        ),
        (
            "/post\ntitle: X\ntopics: atlantis",
            "There is no topic «atlantis». See /topics.",
        ),
        (
            "/post\ntitle: X\ncaption: lonely",
            "The article was not saved: a caption or credit needs a `photo:` line.",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(t.say("50", input).await, expected, "for {input:?}");
    }
    assert!(t.say("50", "/post").await.starts_with("Usage: /post"));
    assert_eq!(t.say("42", "/latest").await, "No articles yet.");
    assert!(
        t.audit()
            .await
            .iter()
            .take(cases.len())
            .all(|line| line.ends_with("post failed"))
    );
}

#[tokio::test]
async fn markup_in_titles_is_kept_literally() {
    let t = editor_app().await;
    t.say(
        "50",
        "/post\ntitle: <b>Bold</b> & \"quoted\" <script>x</script>\n\nBody &amp; more",
    )
    .await;
    let reply = t.say("42", "/article 1").await;
    assert!(
        reply.starts_with("<b>Bold</b> & \"quoted\" <script>x</script>"),
        "{reply}"
    );
    assert!(reply.contains("Body &amp; more"), "{reply}");
}

#[tokio::test]
async fn an_edit_corrects_the_text_and_search_follows_it() {
    let t = editor_app().await;
    t.say("50", POST).await;
    let reply = t.say("50", "/edit 1\ntitle: Floods close mountain passes in Dagestan\n\nRescuers reopened one pass.").await;
    assert_eq!(reply, "Article #1 corrected (version 2).");
    let article = t.say("42", "/article 1").await;
    assert!(
        article.contains("mountain passes") && article.contains("Rescuers reopened one pass."),
        "{article}"
    );
    assert!(article.contains("updated "), "{article}");
    assert!(
        t.say("42", "/search mudflows")
            .await
            .starts_with("Nothing found")
    );
    assert!(t.say("42", "/search reopened").await.contains("#1"));
    assert_eq!(
        t.say("50", "/edit 1 lead: One village is still cut off.")
            .await,
        "Article #1 corrected (version 3)."
    );
}

#[tokio::test]
async fn edit_and_retract_explain_what_is_wrong() {
    let t = editor_app().await;
    assert_eq!(
        t.say("50", "/edit 9\ntitle: x").await,
        "There is no article #9."
    );
    assert!(
        t.say("50", "/edit\ntitle: x")
            .await
            .starts_with("Usage: /edit")
    );
    t.say("50", POST).await;
    assert_eq!(
        t.say("50", "/edit 1").await,
        "The article was not saved: nothing to change."
    );
    assert_eq!(
        t.say("50", "/edit 1\nlang: ru").await,
        "The article was not saved: line 1: «lang» cannot be changed with /edit."
    );
    assert_eq!(t.say("50", "/retract 9").await, "There is no article #9.");
    assert!(t.say("50", "/retract").await.starts_with("Usage: /retract"));
}

#[tokio::test]
async fn a_retracted_article_leaves_lists_and_search_but_says_why_when_opened() {
    let t = editor_app().await;
    t.say("50", POST).await;
    assert_eq!(
        t.say("50", "/retract #1 Sources could not be verified")
            .await,
        "Article #1 retracted."
    );
    assert_eq!(t.say("42", "/latest").await, "No articles yet.");
    assert!(
        t.say("42", "/search floods")
            .await
            .starts_with("Nothing found")
    );
    let opened = t.say("42", "/article 1").await;
    assert!(
        opened.starts_with("Article #1 was retracted on ")
            && opened.ends_with("Sources could not be verified"),
        "{opened}"
    );
    assert_eq!(t.say("50", "/retract 1").await, "Article #1 is retracted.");
    assert_eq!(
        t.say("50", "/edit 1\ntitle: back").await,
        "Article #1 is retracted."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_herald_would_not_fetch_is_refused_when_posted_not_dropped_in_silence() {
    let server = crate::feed_server::FeedServer::start().await;
    server.put("ok.png", b"\x89PNG\r\n\x1a\nrest".to_vec(), "image/png");
    server.put("page.html", b"<html>gallery</html>".to_vec(), "text/html");
    server.put("huge.png", vec![0u8; 4096], "image/png");
    let post = |path: &str| {
        format!(
            "/post\ntitle: Dam opened\nphoto: {}\n\nText.",
            server.url(path)
        )
    };

    // The feed server is on 127.0.0.1: not fetched unless the newsroom allows it.
    let closed = spawn_app().await;
    let answer = closed.say("1", &post("ok.png")).await;
    assert!(
        answer.starts_with("The photo is on a network herald does not fetch from (127.0.0.1;"),
        "{answer}"
    );
    assert_eq!(closed.say("1", "/latest").await, "No articles yet.");

    let open = crate::helpers::spawn_app_with(|s| {
        s.ingest.allow_private = vec![herald::domain::Network::parse("127.0.0.1").unwrap()];
        s.ingest.max_bytes = 1024;
    })
    .await;
    let answer = open.say("1", &post("page.html")).await;
    assert!(
        answer.contains("does not lead to an image (the server sends text/html)"),
        "{answer}"
    );
    let answer = open.say("1", &post("huge.png")).await;
    assert!(
        answer.starts_with("The photo is larger than 1 KiB"),
        "{answer}"
    );
    let answer = open.say("1", &post("missing.png")).await;
    assert!(
        answer.starts_with("Published as #1.")
            && answer.contains("the photo could not be fetched just now (HTTP 404)"),
        "{answer}"
    );
    assert!(
        open.say("1", &post("ok.png"))
            .await
            .starts_with("Published as #2.")
    );
    assert_eq!(
        open.say("1", "/lang ru").await,
        "Готово: теперь я говорю здесь по-русски."
    );
    let answer = open.say("1", &post("page.html")).await;
    assert!(
        answer.starts_with("Ссылка в photo: ведёт не на изображение"),
        "{answer}"
    );
}
