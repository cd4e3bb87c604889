//! herald on Matrix as two processes on one PostgreSQL database (issue 21), against Synapse:
//! one account, a device per process. Only the process that leads syncs and answers; when it
//! dies the other takes the sync over, and every command is answered once. Skipped with a line
//! when no PostgreSQL server is given.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::mx::{Herald, PATIENCE, Person, Setup, What, exempt, register};
use crate::support::pg;

/// Waits until `check` holds; false if it never does.
async fn until(check: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline && !check() {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    check()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_answer_each_command_once_and_the_second_takes_the_sync_over() {
    let Some(db) = pg::database("matrix processes").await else {
        return;
    };
    let owner = Person::new("owner").await;
    let setup = || Setup {
        inviters: vec![owner.id().to_string()],
        owners: vec![format!("matrix:{}", owner.id())],
        limits: None,
        wrap: None,
    };
    let account = register("herald", false).await;
    exempt(&account.user_id, true).await;
    let dirs = [
        Arc::new(tempfile::tempdir().unwrap()),
        Arc::new(tempfile::tempdir().unwrap()),
    ];
    let first = Herald::run_on(account.clone(), dirs[0].clone(), setup(), Some(&db.url)).await;
    assert!(until(|| first.leading()).await, "the first process leads");
    let second = Herald::run_on(account, dirs[1].clone(), setup(), Some(&db.url)).await;
    assert_ne!(first.device_id, second.device_id, "a device each");
    let h = first.id().to_string();
    let room = owner.create_room("News desk", false, &[&h]).await;
    owner.message_from(&h, &room, "Welcome").await;
    owner.ask(&h, &room, "!help", "Commands").await;
    assert!(!second.leading(), "the second stands by");
    first.kill();
    assert!(until(|| second.leading()).await, "the second takes over");
    owner.ask(&h, &room, "!help", "Commands").await;
    // Anything answered twice (the greeting, the first !help replayed by the second's sync)
    // shows by now.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let answers: Vec<String> = owner
        .seen()
        .iter()
        .filter(|s| s.sender.as_str() == h && s.room == room)
        .filter_map(|s| match &s.what {
            What::Message { body, .. } => Some(body.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        answers.len(),
        3,
        "the greeting and two answers: {answers:#?}"
    );
    second.stop().await;
    db.remove().await;
}
