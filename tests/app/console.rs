//! The terminal chat as a newcomer and a script use it: the real binary, stdin piped in.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `herald run` (plus `extra` args) in an empty directory with `input` on stdin.
fn herald(extra: &[&str], input: &str) -> (String, String, bool) {
    herald_with(extra, &[], input)
}

/// [`herald`] with extra environment variables.
fn herald_with(extra: &[&str], env: &[(&str, &str)], input: &str) -> (String, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("run")
        .args(extra)
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herald starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        dir.path().join("data/herald.db").exists(),
        "the default data directory is used"
    );
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.success(),
    )
}

#[test]
fn piped_commands_on_an_empty_data_directory_are_answered_in_order() {
    let input = "/latest\n/topic add dagestan Дагестан | Dagestan\n\
        /post\ntitle: Floods in Dagestan\ntopics: dagestan\n\nRoads are closed.\n\nMore soon.\n.\n\
        /search floods\n/lang ru\n/latest dagestan\n";
    let (stdout, stderr, ok) = herald(&[], input);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("No articles yet.\n"), "{stdout}");
    assert!(
        stdout.contains("Topic #dagestan added: Дагестан / Dagestan."),
        "{stdout}"
    );
    assert!(stdout.contains("Published as #1."), "{stdout}");
    assert!(
        stdout.contains("Search «floods», page 1\n• #1 · "),
        "{stdout}"
    );
    assert!(
        stdout.contains("Последние новости: Дагестан\n• #1 · "),
        "{stdout}"
    );
    assert!(
        !stdout.contains("[Y/n]"),
        "no question is asked of a script: {stdout}"
    );
}

#[test]
fn an_opml_document_on_the_lines_after_source_import_is_imported() {
    let input = "/source import\n<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><body>\n\
        <outline type=\"rss\" text=\"Nalchik\" xmlUrl=\"https://example.org/nalchik.xml\"/>\n\
        <outline type=\"rss\" text=\"Derbent\" xmlUrl=\"https://example.org/derbent.xml\"/>\n\
        </body></opml>\n.\n/source list\n";
    let (stdout, stderr, ok) = herald(&[], input);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Sources added: 2"), "{stdout}");
    assert!(
        stdout.contains("https://example.org/derbent.xml"),
        "{stdout}"
    );
}

#[test]
fn logs_in_a_pipe_have_no_colour_codes_and_json_logs_are_one_object_per_line() {
    // A /post whose second line is not a field: refused, and logged at info.
    let input = "/post\n/article abc\n";
    let (_, text, ok) = herald(&[], input);
    assert!(ok && text.contains("rejected"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no colour codes in a pipe: {text:?}"
    );

    let (_, json, ok) = herald_with(&[], &[("HERALD__LOG__FORMAT", "json")], input);
    assert!(ok, "{json}");
    let events: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        events.iter().any(|e| e["level"] == "INFO"
            && e["fields"]["command"] == "post"
            && e["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("rejected"))),
        "{json}"
    );
}

#[test]
fn the_console_receives_its_subscriptions_and_their_corrections() {
    let input = "/subscribe all\n/post\ntitle: Floods in Dagestan\n\nRoads are closed.\n.\n\
        /edit 9\ntitle: Floods close two roads in Dagestan\n.\n";
    let (stdout, stderr, ok) = herald(&["--demo"], input);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout.matches("📰 [message").count(),
        1,
        "one copy: {stdout}"
    );
    // The correction reaches the copy: as an edit if it was already pushed, or in the push
    // itself if the edit came first.
    let corrected = stdout.contains("✏️ [message 1 edited]\nFloods close two roads in Dagestan")
        || stdout.contains("📰 [message 1]\nFloods close two roads in Dagestan");
    assert!(corrected && stdout.contains("Updated "), "{stdout}");
}

#[test]
fn a_second_herald_on_the_same_data_directory_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_herald"))
            .arg("run")
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut first = start();
    // The first one holds the lock once its database exists.
    for _ in 0..100 {
        if dir.path().join("data/herald.lock").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let second = start().wait_with_output().unwrap();
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success());
    assert!(
        message.contains(&format!(
            "another herald (pid {}) is already running",
            first.id()
        )),
        "{message}"
    );
    drop(first.stdin.take());
    assert!(first.wait().unwrap().success());
}

#[test]
fn the_demo_flag_loads_a_bilingual_newsroom_to_try() {
    let (stdout, stderr, ok) = herald(&["--demo"], "/topics\n/search выборы\n/search elections\n");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("#dagestan — Dagestan"), "{stdout}");
    assert!(
        stdout.contains("Выборы в сельские советы Дагестана"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Village council elections in Dagestan"),
        "{stdout}"
    );
}

#[test]
fn owners_herald_cannot_write_to_yet_are_named_at_start() {
    let env = [("HERALD__ACCESS__OWNERS", "telegram:7,console:local")];
    let (_, stderr, ok) = herald_with(&[], &env, "/latest\n");
    assert!(ok, "{stderr}");
    let warned: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("will not hear herald's notices"))
        .collect();
    assert_eq!(warned.len(), 1, "{stderr}");
    assert!(
        warned[0].contains("WARN") && warned[0].contains("telegram:7"),
        "{stderr}"
    );
}

/// `herald check-config` in an empty directory with `env` set.
fn check_config(env: &[(&str, &str)]) -> (String, String, bool) {
    herald_args(&["check-config"], env)
}

/// `herald <args>` in an empty directory with `env` set and nothing on stdin.
fn herald_args(args: &[&str], env: &[(&str, &str)]) -> (String, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(args)
        .stdin(Stdio::null())
        .current_dir(dir.path())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.success(),
    )
}

#[test]
fn check_config_prints_the_effective_configuration_as_toml_without_secrets() {
    let env = [
        ("HERALD__TELEGRAM__TOKEN", "123456:very-secret-token"),
        ("HERALD__TELEGRAM__MODE", "webhook"),
        (
            "HERALD__TELEGRAM__WEBHOOK_URL",
            "https://news.example.org:8443/tg",
        ),
        ("HERALD__TELEGRAM__WEBHOOK_SECRET", "another_secret-42"),
        ("HERALD__HTTP__LISTEN", "127.0.0.1:8080"),
        ("HERALD__NEWSROOM__DEFAULT_LANGUAGE", "ru"),
        // A list key, as the README says any key can be set: comma-separated.
        ("HERALD__INGEST__ALLOW_PRIVATE", "127.0.0.0/8, 10.20.0.0/16"),
    ];
    let (stdout, stderr, ok) = check_config(&env);
    assert!(ok, "{stderr}");
    let config: toml::Table = toml::from_str(&stdout).expect("check-config prints TOML");
    let allowed: Vec<&str> = config["ingest"]["allow_private"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert_eq!(allowed, ["127.0.0.0/8", "10.20.0.0/16"]);
    assert_eq!(config["newsroom"]["default_language"].as_str(), Some("ru"));
    assert_eq!(config["telegram"]["mode"].as_str(), Some("webhook"));
    assert_eq!(config["telegram"]["token"].as_str(), Some("[REDACTED]"));
    assert_eq!(config["search"]["page_size"].as_integer(), Some(5));
    assert!(
        !stdout.contains("very-secret") && !stdout.contains("another_secret"),
        "{stdout}"
    );
}

#[test]
fn what_telegram_would_refuse_is_refused_by_check_config_and_run_alike() {
    let webhook = |url: &'static str, secret: &'static str| {
        vec![
            ("HERALD__TELEGRAM__TOKEN", "123456:token"),
            ("HERALD__TELEGRAM__MODE", "webhook"),
            ("HERALD__TELEGRAM__WEBHOOK_URL", url),
            ("HERALD__TELEGRAM__WEBHOOK_SECRET", secret),
            ("HERALD__HTTP__LISTEN", "127.0.0.1:0"),
        ]
    };
    let cases = [
        (
            webhook("https://news.example.org/tg", "two words"),
            "telegram.webhook_secret: Telegram accepts 1 to 256 characters",
        ),
        (
            webhook("", "s3cret"),
            "telegram.webhook_url: webhook mode needs the public HTTPS URL",
        ),
        (
            webhook("http://news.example.org/tg", "s3cret"),
            "only over https",
        ),
        (
            webhook("https://news.example.org:8080/tg", "s3cret"),
            "only to ports 443, 80, 88 and 8443",
        ),
    ];
    for (env, refusal) in cases {
        let (stdout, stderr, ok) = check_config(&env);
        assert!(!ok && stdout.is_empty(), "{env:?}: {stdout}");
        assert!(stderr.contains(refusal), "{env:?}: {stderr}");
        assert!(
            !stderr.contains("two words"),
            "the secret is not echoed: {stderr}"
        );
        let (_, stderr, ok) = herald_args(&["run"], &env);
        assert!(!ok && stderr.contains(refusal), "run: {env:?}: {stderr}");
    }
}

#[test]
fn an_alert_in_the_terminal_brings_what_it_matches_and_says_so() {
    let input = "/alert Гусейнов\n/post\ntitle: Hearing for Mekhman Huseynov\n\nAdjourned.\n.\n\
        /post\ntitle: Rain in Baku\n\nWet roads.\n.\n/alerts\n";
    let (stdout, stderr, ok) = herald(&[], input);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Alert 1 of 20 saved"), "{stdout}");
    assert_eq!(stdout.matches("📰 [message").count(), 1, "{stdout}");
    assert!(
        stdout.contains("Hearing for Mekhman Huseynov")
            && stdout.contains("Your alert: «Гусейнов»"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1. «Гусейнов» — 1 article so far"),
        "{stdout}"
    );
}
