use super::*;

fn runs(rich: &Rich) -> Vec<(String, Option<Style>)> {
    rich.spans()
        .into_iter()
        .map(|s| (s.text.to_string(), s.style.cloned()))
        .collect()
}

fn text(t: &str) -> (String, Option<Style>) {
    (t.to_string(), None)
}

fn styled(t: &str, style: Style) -> (String, Option<Style>) {
    (t.to_string(), Some(style))
}

#[test]
fn light_markup_reads_bold_italic_and_links_and_leaves_the_rest_as_typed() {
    let rich = Rich::from_markup("The *court* ruled _today_, see [the ruling](https://ex.org/r).");
    assert_eq!(rich.text, "The court ruled today, see the ruling.");
    assert_eq!(
        runs(&rich),
        [
            text("The "),
            styled("court", Style::Bold),
            text(" ruled "),
            styled("today", Style::Italic),
            text(", see "),
            styled("the ruling", Style::Link("https://ex.org/r".into())),
            text("."),
        ]
    );
    for typed in [
        "2 * 3 = 6 * 1",
        "snake_case_name",
        "a [lone bracket",
        "* not bold*",
    ] {
        let rich = Rich::from_markup(typed);
        assert_eq!((rich.text.as_str(), rich.is_plain()), (typed, true));
    }
}

#[test]
fn a_link_stays_one_run_with_what_is_styled_inside_it() {
    let rich = Rich::from_markup("*bold [in a link](https://ex.org) and after*");
    assert_eq!(
        runs(&rich),
        [
            styled("bold ", Style::Bold),
            styled("in a link", Style::Link("https://ex.org".into())),
            styled(" and after", Style::Bold),
        ]
    );
}

#[test]
fn html_keeps_paragraphs_emphasis_and_links_and_nothing_else() {
    let rich = Rich::from_html(
        "<p>Rescuers <b>reached</b> the\n   <em>village</em>.</p><br/><blockquote>Quoted <B class=x>loud</b></blockquote>\
         <script>alert(1)</script><p onclick=\"x()\">Read <a href=\"https://ex.org/a\">the \
         report</a> and <a href=\"javascript:alert(1)\">this</a>.</p><style>p{}</style>",
    );
    assert_eq!(
        rich.text,
        "Rescuers reached the village.\n\n> Quoted loud\n\nRead the report and this."
    );
    let found = runs(&rich);
    assert!(found.contains(&styled("reached", Style::Bold)), "{found:?}");
    assert!(
        found.contains(&styled("village", Style::Italic)),
        "{found:?}"
    );
    assert!(
        found.contains(&styled(
            "the report",
            Style::Link("https://ex.org/a".into())
        )),
        "{found:?}"
    );
}

#[test]
fn slicing_and_paragraphs_carry_the_marks_along() {
    let rich = Rich::from_markup("head\n\n*first* para\n\n\n  second _one_  ");
    let paragraphs = rich.paragraphs();
    let texts: Vec<&str> = paragraphs.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["head", "first para", "second one"]);
    assert_eq!(runs(&paragraphs[1])[0], styled("first", Style::Bold));
    assert_eq!(runs(&paragraphs[2])[1], styled("one", Style::Italic));
}

#[test]
fn stored_marks_read_back_and_bad_ones_are_dropped() {
    let rich = Rich::from_markup("a *b* [c](https://ex.org)");
    let json = rich.marks_json();
    assert_eq!(Rich::from_stored(rich.text.clone(), json.as_deref()), rich);
    assert!(Rich::from_stored("abc", None).is_plain());
    assert!(Rich::from_stored("abc", Some("not json")).is_plain());
    let outside = r#"[{"start":1,"end":40,"style":"bold"}]"#;
    assert!(Rich::from_stored("abc", Some(outside)).is_plain());
    let mid_char = r#"[{"start":1,"end":2,"style":"bold"}]"#;
    assert!(Rich::from_stored("жж", Some(mid_char)).is_plain());
}

#[test]
fn a_plain_reader_sees_each_links_address() {
    let rich = Rich::from_markup(
        "See [the ruling](https://ex.org/r) and [https://ex.org](https://ex.org).",
    );
    assert_eq!(
        rich.with_addresses(),
        "See the ruling (https://ex.org/r) and https://ex.org."
    );
}
