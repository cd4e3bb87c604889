//! Feed ingestion against a local server: every format, encodings, conditional GET,
//! redirects, backoff, dedup, corrections, no backlog flood, topic rules, hostile feeds and
//! the SSRF guard.

use std::time::{Duration, Instant};

use herald::domain::{ArticleRecord, Style};
use herald::ingest::{Ingestor, PollReport};

use crate::feed_server::{FeedServer, fixture};
use crate::helpers::{TestApp, spawn_app_with};

async fn newsroom(backlog: usize) -> (TestApp, FeedServer, Ingestor) {
    let server = FeedServer::start().await;
    let t = spawn_app_with(|s| {
        s.ingest.allow_private = vec![herald::domain::Network::parse("127.0.0.1").unwrap()];
        s.ingest.backlog = backlog;
        s.ingest.timeout = Duration::from_secs(3);
        s.ingest.max_bytes = 2 * 1024 * 1024;
        s.ingest.alert_after_failures = 2;
        s.ingest.topic_rules = [(
            "dagestan".to_string(),
            vec!["Дагестан".to_string(), "Dagestan".to_string()],
        )]
        .into();
    })
    .await;
    t.with_topics().await;
    t.say("10", "/subscribe all").await;
    let ingestor = Ingestor::new(&t.app).await.unwrap();
    (t, server, ingestor)
}

/// Adds `path` of the server as a source and polls it once.
async fn add_and_poll(
    t: &TestApp,
    server: &FeedServer,
    ingestor: &Ingestor,
    path: &str,
) -> PollReport {
    let reply = t
        .say("1", &format!("/source add {}", server.url(path)))
        .await;
    assert!(reply.contains("added"), "{reply}");
    poll(t, ingestor, &server.url(path)).await
}

async fn poll(t: &TestApp, ingestor: &Ingestor, url: &str) -> PollReport {
    let source = t.app.store().source(url).await.unwrap().expect("source");
    ingestor.poll(&source).await.unwrap()
}

/// The stored article with this URL.
async fn article_at(t: &TestApp, url: &str) -> ArticleRecord {
    let store = t.app.store();
    let id = store.article_by_url(url).await.unwrap().expect("stored");
    store.article(id).await.unwrap().expect("exists")
}

async fn pending(t: &TestApp) -> i64 {
    t.app.store().queue_stats(0).await.unwrap().pending
}

#[tokio::test]
async fn each_format_is_read_with_photo_topics_and_clean_text() {
    let (t, server, ingestor) = newsroom(10).await;
    server.put("rss2", fixture("rss2.xml"), "application/rss+xml");
    server.put("atom", fixture("atom.xml"), "application/atom+xml");
    server.put("rss1", fixture("rss1.xml"), "application/rdf+xml");
    server.put("json", fixture("feed.json"), "application/feed+json");
    for path in ["rss2", "atom", "rss1", "json"] {
        let report = add_and_poll(&t, &server, &ingestor, path).await;
        assert!(report.error.is_none(), "{path}: {report:?}");
        assert!(report.new >= 1, "{path}: {report:?}");
    }
    let mudflow = t.say("10", "/search Gunib").await;
    assert!(
        mudflow.contains("Mudflow blocks the mountain road to Gunib"),
        "{mudflow}"
    );
    assert!(mudflow.contains("#dagestan"), "keyword rule: {mudflow}");
    let article = article_at(&t, "https://news.example.org/en/1001").await;
    assert_eq!(
        article.lead,
        "Rescuers reached two villages in Dagestan by noon."
    );
    assert_eq!(
        article.body.text,
        "The road will stay closed for a week, the district head said."
    );
    assert_eq!(
        article.photo.as_ref().and_then(|p| p.url()),
        Some("https://news.example.org/img/mudflow.jpg")
    );
    assert_eq!(
        article.photo_caption.as_deref(),
        Some("The road near Gunib after the mudflow")
    );
    assert_eq!(
        article.photo_credit.as_deref(),
        Some("Photo: reader's submission")
    );
    let court = article_at(&t, "https://news.example.org/en/1002").await;
    assert_eq!(
        court.photo.as_ref().and_then(|p| p.url()),
        Some("https://news.example.org/img/court.png")
    );
    assert!(
        t.say("10", "/search Makhachkala")
            .await
            .contains("Activists report a detention")
    );
    assert!(
        t.say("10", "/search hail")
            .await
            .contains("Farmers in Chechnya")
    );
    let flood = t.say("10", "/search паводок").await;
    assert!(
        flood.contains("Паводок в Дагестане") && flood.contains("#dagestan"),
        "{flood}"
    );
    assert!(
        pending(&t).await >= 5,
        "new sources within the backlog limit are delivered"
    );
}

#[tokio::test]
async fn windows_1251_and_koi8_r_feeds_are_decoded_by_their_declared_encoding() {
    let (t, server, ingestor) = newsroom(10).await;
    for (path, label, encoding) in [
        ("cp1251", "windows-1251", encoding_rs::WINDOWS_1251),
        ("koi8", "KOI8-R", encoding_rs::KOI8_R),
    ] {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"{label}\"?><rss version=\"2.0\"><channel><title>Лента</title>\
             <item><guid>{path}-1</guid><title>Выборы в Дагестане перенесли ({path})</title>\
             <description>Избирком сослался на паводок.</description></item></channel></rss>"
        );
        let (bytes, _, _) = encoding.encode(&xml);
        server.put(path, bytes.into_owned(), "text/xml");
        let report = add_and_poll(&t, &server, &ingestor, path).await;
        assert_eq!(report.new, 1, "{path}: {report:?}");
        let found = t.say("10", &format!("/search {path}")).await;
        assert!(
            found.contains(&format!("Выборы в Дагестане перенесли ({path})")),
            "{found}"
        );
    }
}

#[tokio::test]
async fn an_unchanged_feed_is_answered_304_and_not_parsed_again() {
    let (t, server, ingestor) = newsroom(10).await;
    server.put("rss2", fixture("rss2.xml"), "application/rss+xml");
    add_and_poll(&t, &server, &ingestor, "rss2").await;
    let again = poll(&t, &ingestor, &server.url("rss2")).await;
    assert!(again.not_modified, "{again:?}");
    assert_eq!(server.not_modified(), 1);
    assert_eq!(server.hits("rss2"), 2);
}

#[tokio::test]
async fn a_new_source_does_not_flood_subscribers_with_its_backlog() {
    let (t, server, ingestor) = newsroom(0).await;
    server.put("rss2", fixture("rss2.xml"), "application/rss+xml");
    let first = add_and_poll(&t, &server, &ingestor, "rss2").await;
    assert_eq!((first.new, first.archived), (0, 2), "{first:?}");
    assert_eq!(pending(&t).await, 0, "the backlog is archived, not sent");
    assert!(
        t.say("10", "/latest").await.contains("Mudflow"),
        "but it is in the archive"
    );
    // A later item is news: it is published and delivered.
    let xml = String::from_utf8(fixture("rss2.xml")).unwrap().replacen(
        "<item>",
        "<item><guid>en-1003</guid><title>Bridge reopens in Derbent</title><description>Traffic resumed.</description></item><item>",
        1,
    );
    server.put("rss2", xml.into_bytes(), "application/rss+xml");
    let second = poll(&t, &ingestor, &server.url("rss2")).await;
    assert_eq!(second.new, 1, "{second:?}");
    assert_eq!(pending(&t).await, 1);
}

#[tokio::test]
async fn a_changed_item_becomes_a_correction_and_a_known_one_is_not_stored_twice() {
    let (t, server, ingestor) = newsroom(10).await;
    server.put("rss2", fixture("rss2.xml"), "application/rss+xml");
    add_and_poll(&t, &server, &ingestor, "rss2").await;
    let count = t.app.store().count_articles().await.unwrap();
    // The same items in another order, the one without a guid now first: no duplicates.
    let xml = String::from_utf8(fixture("rss2.xml")).unwrap().replace(
        "Rescuers reached two villages",
        "Rescuers reached three villages",
    );
    server.put("rss2", xml.into_bytes(), "application/rss+xml");
    let report = poll(&t, &ingestor, &server.url("rss2")).await;
    assert_eq!((report.new, report.corrected), (0, 1), "{report:?}");
    assert_eq!(t.app.store().count_articles().await.unwrap(), count);
    let article = article_at(&t, "https://news.example.org/en/1001").await;
    assert_eq!(article.version, 2);
    assert!(article.lead.contains("three villages"));
}

#[tokio::test]
async fn redirects_are_followed_a_few_times_and_never_into_internal_addresses() {
    let (t, server, ingestor) = newsroom(10).await;
    server.put("rss2", fixture("rss2.xml"), "application/rss+xml");
    let ok = add_and_poll(&t, &server, &ingestor, "redirect/3/rss2").await;
    assert!(ok.error.is_none() && ok.new == 2, "{ok:?}");
    let far = add_and_poll(&t, &server, &ingestor, "redirect/9/rss2").await;
    assert_eq!(far.error.as_deref(), Some("more than 5 redirects"));
    // 127.0.0.2 is loopback too, and not on the allow list: refused when added (nothing
    // stored, the moderator told why) and via a redirect when polled.
    let port = server.addr.port();
    let direct = t
        .say("1", &format!("/source add http://127.0.0.2:{port}/rss2"))
        .await;
    assert!(
        direct.contains("does not fetch feeds from 127.0.0.2")
            && direct.contains("ingest.allow_private"),
        "{direct}"
    );
    assert!(!t.say("1", "/source list").await.contains("127.0.0.2"));
    let via = add_and_poll(
        &t,
        &server,
        &ingestor,
        &format!("redirect/1/to/127.0.0.2:{port}/rss2"),
    )
    .await;
    assert_eq!(
        via.error.as_deref(),
        Some("refused: 127.0.0.2 is an internal address")
    );
    let metadata = add_and_poll(
        &t,
        &server,
        &ingestor,
        "redirect/1/to/169.254.169.254/latest",
    )
    .await;
    assert_eq!(
        metadata.error.as_deref(),
        Some("refused: 169.254.169.254 is an internal address")
    );
    assert!(
        t.say("1", "/source add file:///etc/passwd")
            .await
            .contains("not a feed address")
    );
}

#[tokio::test]
async fn a_failing_source_backs_off_and_moderators_are_told() {
    let (t, server, ingestor) = newsroom(10).await;
    let url = server.url("error");
    let first = add_and_poll(&t, &server, &ingestor, "error").await;
    assert_eq!(first.error.as_deref(), Some("HTTP 500"));
    let after_one = t.app.store().source(&url).await.unwrap().unwrap();
    poll(&t, &ingestor, &url).await;
    let after_two = t.app.store().source(&url).await.unwrap().unwrap();
    assert_eq!(after_two.failures, 2);
    assert!(after_two.next_fetch_at > after_one.next_fetch_at);
    let list = t.say("1", "/source list").await;
    assert!(list.contains("HTTP 500"), "{list}");
    // The owner's private chat got the alert (queued for delivery).
    let replies = t.app.store().queue_stats(0).await.unwrap().pending;
    assert!(replies >= 1, "an alert is queued");
}

#[tokio::test]
async fn hostile_feeds_are_refused_within_bounded_time_with_a_clear_status() {
    let (t, server, ingestor) = newsroom(10).await;
    server.put("laughs", fixture("laughs.xml"), "application/rss+xml");
    server.put("xxe", fixture("xxe.xml"), "application/rss+xml");
    server.put("invalid", fixture("invalid.xml"), "application/rss+xml");
    server.put(
        "garbage",
        fixture("garbage.bin"),
        "application/octet-stream",
    );
    for path in ["laughs", "xxe", "invalid", "garbage", "huge", "trickle"] {
        let started = Instant::now();
        let report = add_and_poll(&t, &server, &ingestor, path).await;
        let took = started.elapsed();
        assert!(took < Duration::from_secs(6), "{path} took {took:?}");
        if let Some(error) = &report.error {
            let status = t
                .app
                .store()
                .source(&server.url(path))
                .await
                .unwrap()
                .unwrap()
                .status;
            assert_eq!(&status, error, "{path}");
        }
        // Whatever the parser made of it, nothing leaked and nothing exploded.
        let all = t.say("10", "/latest 20").await;
        assert!(!all.contains("root:"), "{path}: {all}");
        assert!(!all.contains("lollollollol"), "{path}: {all}");
    }
    // Entities are never expanded: no billion laughs, no file read; the text stays literal.
    let latest = t.say("10", "/latest 20").await;
    assert!(
        latest.contains("· &lol9;") && latest.contains("· Leak &xxe;"),
        "{latest}"
    );
    let huge = poll(&t, &ingestor, &server.url("huge")).await;
    assert_eq!(huge.error.as_deref(), Some("larger than 2097152 bytes"));
    let trickle = poll(&t, &ingestor, &server.url("trickle")).await;
    assert_eq!(
        trickle.error.as_deref(),
        Some("no complete answer within 3s")
    );
    for path in ["invalid", "garbage"] {
        let report = poll(&t, &ingestor, &server.url(path)).await;
        assert!(
            report
                .error
                .as_deref()
                .is_some_and(|e| e.starts_with("not a feed")),
            "{path}: {report:?}"
        );
    }
}

#[tokio::test]
async fn sources_are_listed_paused_exported_and_imported_as_opml() {
    let (t, server, _ingestor) = newsroom(10).await;
    assert!(
        t.say("1", &format!("/source add {} dagestan ru", server.url("a")))
            .await
            .contains("#1")
    );
    assert!(
        t.say("1", &format!("/source add {}", server.url("a")))
            .await
            .contains("already")
    );
    assert!(
        t.say("1", "/source add https://example.org/rss nosuchtopic")
            .await
            .contains("no topic")
    );
    assert!(t.say("10", "/source list").await.contains("moderator"));
    assert!(t.say("1", "/source pause 1").await.contains("Paused"));
    assert!(t.say("1", "/source list").await.contains("paused"));
    assert!(t.say("1", "/source resume 1").await.contains("Resumed"));
    let opml = t.say("1", "/source export").await;
    assert!(
        opml.contains(&server.url("a")) && opml.contains("<opml"),
        "{opml}"
    );
    let document = "<?xml version=\"1.0\"?><opml version=\"2.0\"><head><title>x</title></head><body>\
        <outline text=\"Folder\"><outline text=\"One\" type=\"rss\" xmlUrl=\"https://example.org/one.xml\"/>\
        <outline text=\"Bad\" type=\"rss\" xmlUrl=\"ftp://example.org/x\"/></outline>\
        <outline text=\"Known\" type=\"rss\" xmlUrl=\"URL\"/></body></opml>"
        .replace("URL", &server.url("a"));
    let imported = t.say("1", &format!("/source import\n{document}")).await;
    assert!(
        imported.contains("Sources added: 1; already known: 1."),
        "{imported}"
    );
    assert!(
        t.say("1", "/source import\nnot xml")
            .await
            .contains("not an OPML")
    );
    // Ids as the list shows them (PostgreSQL's sequences skip the ids of refused inserts).
    let list = t.say("1", "/source list").await;
    let line = list
        .lines()
        .find(|l| l.contains("example.org/one.xml"))
        .unwrap_or_else(|| panic!("{list}"));
    let id: String = line
        .split('#')
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(
        t.say("1", &format!("/source remove {id}"))
            .await
            .contains("removed")
    );
    assert!(t.say("1", "/source remove 99").await.contains("no source"));
}

#[tokio::test]
async fn the_worker_step_polls_due_sources_one_per_host_and_then_waits_for_their_interval() {
    let (t, server, ingestor) = newsroom(10).await;
    server.put("rss2", fixture("rss2.xml"), "application/rss+xml");
    server.put("atom", fixture("atom.xml"), "application/atom+xml");
    t.say("1", &format!("/source add {}", server.url("rss2")))
        .await;
    t.say("1", &format!("/source add {}", server.url("atom")))
        .await;
    // Both sources are on one host: one poll per step, so the site never gets two at once.
    assert_eq!(ingestor.poll_due().await.unwrap(), 1);
    assert_eq!(ingestor.poll_due().await.unwrap(), 1);
    assert_eq!(
        ingestor.poll_due().await.unwrap(),
        0,
        "both wait for their interval now"
    );
    assert_eq!(server.hits("rss2") + server.hits("atom"), 2);
    let source = t.app.store().source("1").await.unwrap().unwrap();
    assert!(source.status.starts_with("ok: 2 new"), "{}", source.status);
    assert_eq!(
        source.interval_s, 600,
        "a source with news is polled sooner (900 s → 600 s)"
    );
}

/// Two workers polling at once (as every process on a shared database does) share the due
/// sources out: each source is fetched once, by one of them.
#[tokio::test]
async fn two_workers_polling_at_once_fetch_each_source_once() {
    let (t, server, first) = newsroom(10).await;
    let second = Ingestor::new(&t.app).await.unwrap();
    server.put("rss2", fixture("rss2.xml"), "application/rss+xml");
    server.put("atom", fixture("atom.xml"), "application/atom+xml");
    for path in ["slow/rss2", "slow/atom"] {
        t.say("1", &format!("/source add {}", server.url(path)))
            .await;
    }
    let (a, b) = tokio::join!(first.poll_due(), second.poll_due());
    assert_eq!((a.unwrap(), b.unwrap()), (1, 1), "each polled one source");
    assert_eq!(server.hits("slow/rss2"), 1);
    assert_eq!(server.hits("slow/atom"), 1);
    let (a, b) = tokio::join!(first.poll_due(), second.poll_due());
    assert_eq!(
        (a.unwrap(), b.unwrap()),
        (0, 0),
        "both wait for their interval"
    );
    for source in t.app.store().sources().await.unwrap() {
        assert!(source.status.starts_with("ok:"), "{}", source.status);
    }
}

#[tokio::test]
async fn an_item_linking_its_other_language_version_is_paired_with_it() {
    let (t, server, ingestor) = newsroom(10).await;
    let russian = String::from_utf8(fixture("feed.json")).unwrap().replace(
        "https://news.example.org/ru/9",
        "https://news.example.org/ru/501",
    );
    server.put("json", russian.into_bytes(), "application/feed+json");
    server.put("atom", fixture("atom.xml"), "application/atom+xml");
    add_and_poll(&t, &server, &ingestor, "json").await;
    add_and_poll(&t, &server, &ingestor, "atom").await;
    let ru = article_at(&t, "https://news.example.org/ru/501").await;
    let en = article_at(&t, "https://news.example.org/en/501").await;
    assert_eq!(en.pair_id, Some(ru.id));
    assert_eq!(ru.pair_id, Some(en.id));
}

/// A feed item's HTML keeps its links and emphasis in the stored body; the rest is text.
#[tokio::test]
async fn an_items_links_and_emphasis_are_kept_in_its_body() {
    let (t, server, ingestor) = newsroom(10).await;
    let rss = r#"<?xml version="1.0"?><rss version="2.0"
        xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Desk</title>
        <item><title>Landfill hearing</title><link>https://news.example.org/en/77</link>
        <description>The court met.</description>
        <content:encoded><![CDATA[<p>The court met.</p><p>The <b>judge</b> cited
        <a href="https://news.example.org/en/12">an earlier story</a> and
        <a href="javascript:alert(1)">this</a>.</p><script>alert(2)</script>]]></content:encoded>
        </item></channel></rss>"#;
    server.put("rss", rss.as_bytes().to_vec(), "application/rss+xml");
    add_and_poll(&t, &server, &ingestor, "rss").await;
    let article = article_at(&t, "https://news.example.org/en/77").await;
    assert_eq!(article.lead, "The court met.");
    assert_eq!(
        article.body.text,
        "The judge cited an earlier story and this."
    );
    let styled: Vec<(String, Option<Style>)> = article
        .body
        .spans()
        .iter()
        .map(|s| (s.text.to_string(), s.style.cloned()))
        .collect();
    assert!(
        styled.contains(&(
            "an earlier story".into(),
            Some(Style::Link("https://news.example.org/en/12".into()))
        )),
        "{styled:?}"
    );
    assert!(
        styled.contains(&("judge".into(), Some(Style::Bold))),
        "{styled:?}"
    );
}

/// Feeds as old newsrooms publish them, over HTTP as herald polls them: Atom 0.3, RSS without a
/// version, a charset written the Windows way in the header, UTF-16 with only a byte order
/// mark, relative links; and a feed whose items hold nothing to show is a failure the
/// moderator sees in `/source list`, not "ok: 0 new".
#[tokio::test]
async fn old_and_odd_feeds_are_stored_and_unreadable_items_are_a_visible_failure() {
    let (t, server, ingestor) = newsroom(10).await;
    let atom03 = r#"<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#">
        <title>Old agency</title><entry><title>Ferry to Baku resumes</title>
        <link rel="alternate" type="text/html" href="/ferry"/><id>tag:old,1</id>
        <issued>2026-12-01T08:00:00Z</issued></entry></feed>"#;
    server.put("atom03", atom03.into(), "application/atom+xml");
    let bare = "<rss><channel><title>Bare</title><item><title>Snow closes the pass</title>\
        <link>pass.html</link></item></channel></rss>";
    server.put("bare/feed", bare.into(), "text/xml");
    let cyrillic = "<rss version=\"2.0\"><channel><title>Кавказ</title><item>\
        <title>Сель в Дагестане</title><guid>https://example.org/sel</guid></item></channel></rss>";
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(cyrillic);
    server.put(
        "cp1251",
        cp1251.into_owned(),
        "text/xml; Charset = 'Windows_1251'",
    );
    let utf16 = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item>\
        <title>Нальчик: дороги открыты</title><guid>n-1</guid></item></channel></rss>";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(utf16.encode_utf16().flat_map(u16::to_le_bytes));
    server.put("utf16", bytes, "application/octet-stream");
    for path in ["atom03", "bare/feed", "cp1251", "utf16"] {
        let report = add_and_poll(&t, &server, &ingestor, path).await;
        assert_eq!((report.new, report.error), (1, None), "{path}");
    }
    let addr = server.addr;
    assert_eq!(
        article_at(&t, &format!("http://{addr}/ferry")).await.title,
        "Ferry to Baku resumes"
    );
    assert_eq!(
        article_at(&t, &format!("http://{addr}/bare/pass.html"))
            .await
            .title,
        "Snow closes the pass"
    );
    assert_eq!(
        article_at(&t, "https://example.org/sel").await.title,
        "Сель в Дагестане"
    );
    assert!(
        t.say("10", "/search Нальчик")
            .await
            .contains("дороги открыты")
    );

    let empty = "<rss version=\"2.0\"><channel><title>Hollow</title>\
        <item><category>news</category></item><item><pubDate>today</pubDate></item></channel></rss>";
    server.put("hollow", empty.into(), "application/rss+xml");
    let report = add_and_poll(&t, &server, &ingestor, "hollow").await;
    assert_eq!(
        report.error.as_deref(),
        Some("2 items found, none with a title, text or link")
    );
    let list = t.say("1", "/source list").await;
    assert!(
        list.contains("2 items found, none with a title, text or link"),
        "{list}"
    );
}
