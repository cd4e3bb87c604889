//! Feeds as old and odd newsrooms publish them, each read as feedparser reads it.

use super::*;

/// The feed, or the test fails saying why it was not read.
fn read(bytes: &[u8], content_type: Option<&str>, base: Option<&str>) -> ParsedFeed {
    match parse(bytes, content_type, base) {
        Ok(feed) => feed,
        Err(error) => panic!("not read: {error}"),
    }
}

fn one(xml: &str, base: Option<&str>) -> FeedItem {
    match <[FeedItem; 1]>::try_from(read(xml.as_bytes(), None, base).items) {
        Ok([item]) => item,
        Err(items) => panic!("{} items: {items:?}", items.len()),
    }
}

#[test]
fn atom_0_3_is_stored() {
    let xml = r#"<?xml version="1.0"?>
        <feed version="0.3" xmlns="http://purl.org/atom/ns#">
          <title mode="escaped" type="text/html">Caucasus &amp;lt;Knot&amp;gt;</title>
          <entry>
            <title>Floods in Derbent</title>
            <link rel="alternate" type="text/html" href="https://example.org/derbent"/>
            <id>tag:example.org,2026:1</id>
            <issued>2026-12-02T09:00:00Z</issued>
            <summary type="text/plain">Rivers rose overnight.</summary>
          </entry>
        </feed>"#;
    let feed = read(xml.as_bytes(), None, None);
    assert_eq!(feed.title.as_deref(), Some("Caucasus <Knot>"));
    let item = &feed.items[0];
    assert_eq!(item.title, "Floods in Derbent");
    assert_eq!(item.url.as_deref(), Some("https://example.org/derbent"));
    assert_eq!(item.key, "tag:example.org,2026:1");
    assert_eq!(item.lead, "Rivers rose overnight.");
    assert!(item.published.is_some());
}

#[test]
fn rss_without_a_version_or_with_a_default_namespace_is_stored() {
    for root in [
        "<rss>",
        r#"<rss version="2.0" xmlns="http://backend.userland.com/rss2">"#,
    ] {
        let xml = format!(
            "{root}<channel><title>Nalchik news</title><item><title>Road reopened</title>\
             <link>https://example.org/road</link></item></channel></rss>"
        );
        let item = one(&xml, None);
        assert_eq!(item.title, "Road reopened", "{root}");
        assert_eq!(item.url.as_deref(), Some("https://example.org/road"));
    }
}

#[test]
fn relative_links_are_resolved_against_xml_base_then_the_document() {
    let xml = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/news/">
        <entry xml:base="ru/"><title>Выборы</title><link href="vybory.html"/></entry></feed>"#;
    assert_eq!(
        one(xml, None).url.as_deref(),
        Some("https://example.org/news/ru/vybory.html")
    );
    let rss =
        "<rss><channel><item><title>Court</title><link>/court/1</link></item></channel></rss>";
    let item = one(rss, Some("https://example.org/feed.xml"));
    assert_eq!(item.url.as_deref(), Some("https://example.org/court/1"));
    // The key is the link as written, as it was before links were resolved.
    assert_eq!(item.key, "link:/court/1");
}

#[test]
fn a_permalink_guid_is_the_link_and_dc_title_the_title() {
    let xml = r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
        <item><dc:title>Detained in Makhachkala</dc:title>
        <guid>https://example.org/detained</guid></item>
        <item><title>Not a link</title><guid isPermaLink="false">https://example.org/x</guid></item>
        </channel></rss>"#;
    let feed = read(xml.as_bytes(), None, None);
    assert_eq!(feed.items[0].title, "Detained in Makhachkala");
    assert_eq!(
        feed.items[0].url.as_deref(),
        Some("https://example.org/detained")
    );
    assert_eq!(feed.items[1].url, None);
}

#[test]
fn entities_in_titles_are_kept_as_text() {
    let xml =
        "<rss><channel><item><title>a&lt;b and &#1044;&amp;&nbsp;c</title></item></channel></rss>";
    assert_eq!(one(xml, None).title, "a<b and Д& c");
    let html =
        "<rss><channel><item><title>&lt;b&gt;Bold&lt;/b&gt; move</title></item></channel></rss>";
    assert_eq!(one(html, None).title, "Bold move");
    let xhtml = r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="xhtml">
        <div xmlns="http://www.w3.org/1999/xhtml">History of the &lt;blink&gt; tag</div></title>
        </entry></feed>"#;
    assert_eq!(one(xhtml, None).title, "History of the <blink> tag");
}

#[test]
fn utf16_with_a_mark_and_no_header_is_read() {
    let xml =
        "<?xml version=\"1.0\"?><rss><channel><item><title>Гусейнов</title></item></channel></rss>";
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(xml.encode_utf16().flat_map(u16::to_be_bytes));
    let feed = read(&bytes, None, None);
    assert_eq!(feed.items[0].title, "Гусейнов");
}

#[test]
fn quoted_and_capitalised_charset_labels_are_read() {
    let xml = "<rss><channel><item><title>\u{0414}\u{0430}\u{0433}\u{0435}\u{0441}\u{0442}\u{0430}\u{043d}</title></item></channel></rss>";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(xml);
    for header in [
        "text/xml; Charset='windows-1251'",
        "text/xml; charset = \"cp1251\"",
    ] {
        let feed = read(&bytes, Some(header), None);
        assert_eq!(feed.items[0].title, "Дагестан", "{header}");
    }
}

#[test]
fn items_that_cannot_be_read_are_a_failure_not_zero_new() {
    let xml = "<rss><channel><item></item><item><category>x</category></item></channel></rss>";
    assert_eq!(
        parse(xml.as_bytes(), None, None),
        Err(ParseError::NoItems(2))
    );
    let bare =
        "<rss><channel><item><link>https://example.org/news/1/</link></item></channel></rss>";
    assert_eq!(one(bare, None).title, "example.org/news/1");
    let cut = "<rss><channel><item><title>Whole</title></item><item><title>Cu";
    assert_eq!(read(cut.as_bytes(), None, None).items.len(), 1);
    let cut_first = "<rss><channel><item><title>Cu";
    assert!(matches!(
        parse(cut_first.as_bytes(), None, None),
        Err(ParseError::NotAFeed(_))
    ));
    let html = "<html><body>Moved</body></html>";
    assert!(matches!(
        parse(html.as_bytes(), None, None),
        Err(ParseError::NotAFeed(_))
    ));
}

#[test]
fn a_feed_of_many_items_is_read_up_to_the_cap() {
    let mut xml = String::from("<rss><channel>");
    for n in 0..2_000 {
        xml.push_str(&format!("<item><title>Item {n}</title></item>"));
    }
    xml.push_str("</channel></rss>");
    let feed = read(xml.as_bytes(), None, None);
    assert_eq!(feed.items.len(), MAX_ITEMS);
    assert_eq!(feed.items[0].title, "Item 0");
}

#[test]
fn json_feed_is_read() {
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"Kavkaz",
        "items":[{"id":"1","url":"/a/1","title":"Snow in Shahdag","content_html":"<p>Deep.</p>"}]}"#;
    let feed = read(json.as_bytes(), None, Some("https://example.org/feed.json"));
    assert_eq!(feed.title.as_deref(), Some("Kavkaz"));
    assert_eq!(
        feed.items[0].url.as_deref(),
        Some("https://example.org/a/1")
    );
    assert_eq!(feed.items[0].lead, "Deep.");
}
