//! What an operator reads when herald runs on Matrix: the real binary against the real Synapse,
//! its log captured as a log collector would.

use std::process::{Command, Stdio};

use crate::mx::{Person, register, synapse};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_matrix_bot_logs_its_own_lines_and_not_the_sdks_chatter() {
    let owner = Person::new("owner").await;
    let account = register("herald", false).await;
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("herald.log")).unwrap();
    let owners = format!("matrix:{}", owner.id());
    let mut herald = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("run")
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env("HERALD__MATRIX__HOMESERVER_URL", synapse().await)
        .env("HERALD__MATRIX__USER_ID", &account.user_id)
        .env("HERALD__MATRIX__PASSWORD", &account.password)
        .env("HERALD__ACCESS__OWNERS", &owners)
        .env("HERALD__MATRIX__ALLOWED_INVITERS", owner.id())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("herald starts");

    // Sign-in, a room joined, a greeting sent, several syncs: where the SDK used to speak up.
    let room = owner
        .create_room("Night desk", false, &[&account.user_id])
        .await;
    owner.message_from(&account.user_id, &room, "Welcome").await;
    owner
        .ask(&account.user_id, &room, "!latest", "No articles yet")
        .await;
    let status = Command::new("kill")
        .args(["-TERM", &herald.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(herald.wait().unwrap().success());

    let log = std::fs::read_to_string(dir.path().join("herald.log")).unwrap();
    assert!(log.contains("connected to Matrix"), "{log}");
    let noise: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("matrix_sdk") || line.contains("ERROR"))
        .collect();
    assert!(noise.is_empty(), "{noise:#?}");
    // The password never reaches the log.
    assert!(!log.contains(&account.password));
}
