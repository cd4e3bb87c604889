//! Conformance against a peer no one here wrote: feedparser's own test suite (taken from its
//! source distribution on PyPI by `scripts/feedparser.sh`, never committed). Every case whose
//! `Expect:` line states a feed's or an entry's title or link is served over HTTP on 127.0.0.1
//! with the headers its comment records, added as a source and polled by herald as built for
//! `herald run`, and the title and link herald *stored* are compared with the expectation.
//!
//! herald stores titles as plain text: an expected title with markup is compared by its text
//! (tags dropped, entities read, whitespace collapsed), and cases whose expected title has no
//! text at all (an image alone) are listed as excluded. `cargo test --test app feedparser --
//! --nocapture` prints the table by category and every miss.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use herald::ingest::Ingestor;

use crate::helpers::spawn_app_with;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    FeedTitle,
    FeedLink,
    EntryTitle,
    EntryLink,
}

#[derive(Debug, Clone)]
struct Case {
    /// Path under the suite, as served (`wellformed/atom/feed_title.xml`).
    path: String,
    headers: Vec<(String, String)>,
    expects: Vec<(Field, String)>,
    /// The codec a case needs Python to know (`SkipUnless:` — feedparser skips it otherwise).
    codec: Option<String>,
}

fn suite() -> PathBuf {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/feedparser.sh");
    let out = std::process::Command::new(script)
        .output()
        .expect("scripts/feedparser.sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// A Python string literal's value: `'…'`, `"…"`, with `u`/`b` prefixes and escapes.
fn python_string(literal: &str) -> Option<(String, usize)> {
    let body = literal.trim_start_matches(['u', 'b']);
    let prefix = literal.len() - body.len();
    let quote = body.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let mut out = String::new();
    let mut chars = body[1..].char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => {
                let (_, e) = chars.next()?;
                let hex = |n: usize, chars: &mut std::str::CharIndices<'_>| {
                    let digits: String = (0..n)
                        .filter_map(|_| chars.next().map(|(_, c)| c))
                        .collect();
                    u32::from_str_radix(&digits, 16)
                        .ok()
                        .and_then(char::from_u32)
                };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'x' => out.push(hex(2, &mut chars)?),
                    'u' => out.push(hex(4, &mut chars)?),
                    'U' => out.push(hex(8, &mut chars)?),
                    other => out.push(other),
                }
            }
            c if c == quote => return Some((out, prefix + 1 + at + c.len_utf8())),
            c => out.push(c),
        }
    }
    None
}

/// `entries[N]` or `feed` right before `at`.
fn subject(before: &str) -> Option<bool> {
    if before.ends_with("feed") {
        return Some(true);
    }
    let index = before.strip_suffix(']')?;
    let digits = index.trim_end_matches(|c: char| c.is_ascii_digit());
    (digits.len() < index.len() && digits.ends_with("entries[")).then_some(false)
}

/// A Python string expression: literals joined by `+`.
fn python_strings(mut text: &str) -> Option<String> {
    let mut value = String::new();
    loop {
        text = text.trim_start();
        let (part, used) = python_string(text)?;
        value.push_str(&part);
        text = text[used..].trim_start();
        match text.strip_prefix('+') {
            Some(rest) => text = rest,
            None => return Some(value),
        }
    }
}

/// The title and link expectations of an `Expect:` line.
fn expectations(line: &str) -> Vec<(Field, String)> {
    let mut found = Vec::new();
    for (at, _) in line.match_indices("['") {
        let rest = &line[at..];
        let field = match (subject(&line[..at]), rest) {
            (Some(true), r) if r.starts_with("['title']") => Field::FeedTitle,
            (Some(true), r) if r.starts_with("['link']") => Field::FeedLink,
            (Some(false), r) if r.starts_with("['title']") => Field::EntryTitle,
            (Some(false), r) if r.starts_with("['link']") => Field::EntryLink,
            _ => continue,
        };
        let after = &rest[rest.find(']').map_or(0, |i| i + 1)..];
        let Some(value) = after.trim_start().strip_prefix("==") else {
            continue;
        };
        if let Some(value) = python_strings(value) {
            found.push((field, value));
        }
    }
    found
}

fn case(root: &Path, file: &Path) -> Option<Case> {
    let bytes = std::fs::read(file).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let comment_end = text.find("-->")?;
    let comment = &text[..comment_end];
    let expect = comment
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("Expect:"))?;
    let expects = expectations(expect);
    let path = file.strip_prefix(root).ok()?.to_string_lossy().into_owned();
    // Encoding cases count whatever they expect: each must at least be read.
    if expects.is_empty() && !path.starts_with("encoding/") {
        return None;
    }
    let headers = comment
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Header:"))
        .filter_map(|h| h.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let codec = comment
        .lines()
        .find_map(|l| l.trim().strip_prefix("SkipUnless:"))
        .and_then(|l| l.split("lookup('").nth(1))
        .and_then(|l| l.split('\'').next())
        .map(String::from);
    Some(Case {
        path,
        headers,
        expects,
        codec,
    })
}

/// An expected title as herald stores titles: text, whitespace collapsed.
fn as_text(expected: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in expected.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn serve(State(root): State<Arc<PathBuf>>, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches("/tests/");
    let file = root.join(path);
    let Ok(bytes) = std::fs::read(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = bytes.clone().into_response();
    let headers = case(&root, &file).map(|c| c.headers).unwrap_or_default();
    let mut content_type = false;
    for (name, value) in headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) else {
            continue;
        };
        content_type |= name == axum::http::header::CONTENT_TYPE;
        response.headers_mut().insert(name, value);
    }
    if !content_type {
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
    }
    response
}

struct Outcome {
    category: String,
    met: usize,
    total: usize,
    misses: Vec<String>,
    excluded: Vec<String>,
    /// The poll's error, if herald could not read the document at all.
    failed: Option<String>,
    took: Duration,
}

/// The codecs of `SkipUnless:` lines this machine's Python does not know: feedparser's own
/// run skips those cases, so this one does too.
fn unknown_to_python(cases: &[Case]) -> Vec<String> {
    let codecs: Vec<&str> = cases.iter().filter_map(|c| c.codec.as_deref()).collect();
    let program = "import codecs, sys\nfor n in sys.argv[1:]:\n    try: codecs.lookup(n)\n    except LookupError: print(n)";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(program)
        .args(&codecs)
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect()
}

async fn run(case: Case, base: String, skipped: Arc<Vec<String>>) -> Outcome {
    let t = spawn_app_with(|s| {
        s.ingest.allow_private = vec![herald::domain::Network::parse("127.0.0.1").unwrap()];
        s.ingest.timeout = Duration::from_secs(5);
    })
    .await;
    let url = format!("{base}/tests/{}", case.path);
    let reply = t.say("1", &format!("/source add {url}")).await;
    assert!(reply.contains("added"), "{}: {reply}", case.path);
    let ingestor = Ingestor::new(&t.app).await.unwrap();
    let source = t.app.store().source(&url).await.unwrap().expect("source");
    let started = Instant::now();
    let report = tokio::time::timeout(Duration::from_secs(10), ingestor.poll(&source))
        .await
        .expect("no hang")
        .unwrap();
    let took = started.elapsed();
    let source = t.app.store().source(&url).await.unwrap().expect("source");
    let articles = t.app.store().latest_articles(None, 100, 0).await.unwrap();
    let category = case
        .path
        .rsplit_once('/')
        .map_or("", |(dir, _)| dir)
        .to_string();
    let mut outcome = Outcome {
        category,
        met: 0,
        total: 0,
        misses: Vec::new(),
        excluded: Vec::new(),
        failed: report
            .error
            .clone()
            .filter(|e| e.starts_with("not a feed"))
            .map(|e| format!("{}: {e}", case.path)),
        took,
    };
    if case.codec.as_ref().is_some_and(|c| skipped.contains(c)) {
        let codec = case.codec.unwrap_or_default();
        outcome.excluded.push(format!(
            "{}: Python has no codec {codec:?}, feedparser skips it",
            case.path
        ));
        return outcome;
    }
    let refused = report
        .error
        .as_deref()
        .is_some_and(|e| e.contains("none with a title, text or link"));
    for (field, expected) in case.expects {
        let expected = expected.replace("http://127.0.0.1:8097", &base);
        let literal = expected.split_whitespace().collect::<Vec<_>>().join(" ");
        let (wanted, got): (Vec<String>, Vec<String>) = match field {
            Field::FeedTitle => (
                vec![literal, as_text(&expected)],
                vec![source.title.clone()],
            ),
            Field::EntryTitle => (
                vec![literal, as_text(&expected)],
                articles.iter().map(|a| a.title.clone()).collect(),
            ),
            Field::FeedLink => {
                outcome.excluded.push(format!(
                    "{}: feed['link'] (herald keeps the feed's own address, not its site's)",
                    case.path
                ));
                continue;
            }
            Field::EntryLink => (
                vec![expected.clone()],
                articles.iter().filter_map(|a| a.url.clone()).collect(),
            ),
        };
        let is_title = matches!(field, Field::FeedTitle | Field::EntryTitle);
        if is_title && as_text(&expected).is_empty() {
            outcome.excluded.push(format!(
                "{}: the title has no text ({expected:?})",
                case.path
            ));
            continue;
        }
        if refused {
            outcome.excluded.push(format!(
                "{}: an item with neither title, text nor link, refused as nothing a reader could read",
                case.path
            ));
            continue;
        }
        outcome.total += 1;
        if wanted.iter().any(|w| !w.is_empty() && got.contains(w)) {
            outcome.met += 1;
        } else {
            outcome.misses.push(format!(
                "{} {field:?}: wanted {wanted:?}, got {got:?} ({:?})",
                case.path, report.error
            ));
        }
    }
    outcome
}

#[tokio::test]
async fn herald_stores_the_titles_and_links_feedparsers_own_suite_expects() {
    let root = Arc::new(suite());
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "xml") {
                files.push(path);
            }
        }
    }
    files.sort();
    let cases: Vec<Case> = files.iter().filter_map(|f| case(&root, f)).collect();
    let with_expectations = cases.iter().filter(|c| !c.expects.is_empty()).count();
    let app = Router::new().fallback(serve).with_state(Arc::clone(&root));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let skipped = Arc::new(unknown_to_python(&cases));
    use futures_util::StreamExt;
    let outcomes: Vec<Outcome> = futures_util::stream::iter(cases.clone())
        .map(|case| run(case, base.clone(), Arc::clone(&skipped)))
        .buffer_unordered(8)
        .collect()
        .await;

    let mut table: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut excluded = Vec::new();
    let (mut encodings, mut unread) = (0, Vec::new());
    let mut slowest = Duration::ZERO;
    for outcome in outcomes {
        let row = table.entry(outcome.category.clone()).or_default();
        row.0 += outcome.met;
        row.1 += outcome.total;
        misses.extend(outcome.misses);
        excluded.extend(outcome.excluded);
        if outcome.category == "encoding" {
            encodings += 1;
            unread.extend(outcome.failed);
        }
        slowest = slowest.max(outcome.took);
    }
    let (met, total) = table.values().fold((0, 0), |(m, t), (a, b)| (m + a, t + b));
    println!(
        "feedparser 6.0.11 suite: {with_expectations} cases with a title/link expectation, {} encoding cases",
        encodings
    );
    for (category, (m, t)) in &table {
        println!("  {category:<32} {m:>4} / {t:<4}");
    }
    println!(
        "  {:<32} {met:>4} / {total:<4} ({:.1} %)",
        "all",
        100.0 * met as f64 / total as f64
    );
    println!("  slowest poll: {slowest:?}");
    println!(
        "  encoding cases read as feeds: {} / {encodings}",
        encodings - unread.len()
    );
    for why in &unread {
        println!("  unread: {why}");
    }
    println!("  excluded: {}", excluded.len());
    for why in &excluded {
        println!("  excluded: {why}");
    }
    for miss in &misses {
        println!("  miss: {miss}");
    }
    assert!(met * 100 >= total * 95, "{met} of {total} met");
    assert!(unread.is_empty(), "{unread:?}");
}
