//! Digests and quiet hours: held deliveries go out as one message when due, in the chat's time
//! zone (tokio's paused clock, held; see `delivery::hold_clock`).

use std::time::Duration;

use chrono::{TimeZone, Utc};
use herald::clock::Clock;
use herald::delivery::RatePolicy;

use crate::delivery::{harness_at, hold_clock, pass};

#[tokio::test]
async fn hourly_digests_bundle_what_arrived_within_the_hour() {
    // 10:20 Moscow time.
    let h = harness_at(
        Clock::starting_at(Utc.with_ymd_and_hms(2024, 4, 1, 7, 20, 0).unwrap()),
        RatePolicy::telegram(),
        Duration::ZERO,
    )
    .await;
    hold_clock();
    h.t.say("10", "/subscribe all").await;
    assert_eq!(
        h.t.say("10", "/digest hourly").await,
        "This chat receives one digest an hour."
    );
    h.t.say("11", "/subscribe all").await;
    for title in ["Morning floods", "Noon court ruling", "Protest in Nazran"] {
        h.post(title, "").await;
    }
    assert_eq!(h.engine.try_compose_digests().await.unwrap(), 0);
    h.drain().await;
    assert!(h.texts("10").is_empty(), "nothing before the hour");
    assert_eq!(h.texts("11").len(), 3, "instant chats are not affected");
    pass(Duration::from_secs(40 * 60)).await;
    assert_eq!(h.engine.try_compose_digests().await.unwrap(), 1);
    h.drain().await;
    let digest = h.texts("10");
    assert_eq!(digest.len(), 1);
    assert!(
        digest[0].starts_with("News digest: 3 articles"),
        "{digest:?}"
    );
    assert!(
        digest[0].contains("Morning floods") && digest[0].contains("Protest in Nazran"),
        "{digest:?}"
    );
}

#[tokio::test]
async fn quiet_hours_hold_news_until_they_end_then_send_one_digest() {
    // 23:00 Moscow time.
    let h = harness_at(
        Clock::starting_at(Utc.with_ymd_and_hms(2024, 4, 1, 20, 0, 0).unwrap()),
        RatePolicy::telegram(),
        Duration::ZERO,
    )
    .await;
    hold_clock();
    h.t.say("10", "/subscribe all").await;
    let set = h.t.say("10", "/quiet 22:00-07:00").await;
    assert!(
        set.starts_with("Quiet hours 22:00–07:00 (Europe/Moscow)"),
        "{set}"
    );
    h.post("Night news one", "").await;
    h.post("Night news two", "").await;
    h.engine.try_compose_digests().await.unwrap();
    h.drain().await;
    assert!(h.texts("10").is_empty(), "nothing during quiet hours");
    pass(Duration::from_secs(8 * 3600)).await;
    h.engine.try_compose_digests().await.unwrap();
    h.drain().await;
    let texts = h.texts("10");
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].starts_with("News digest: 2 articles"), "{texts:?}");
}
