//! Bilingual pairs: each chat gets one version of a story, in its language when both exist,
//! with a pointer to the other.

use crate::delivery::telegram;

#[tokio::test]
async fn each_chat_gets_the_version_in_its_language_with_a_pointer_to_the_other() {
    let h = telegram().await;
    h.t.say("10", "/subscribe all").await;
    h.t.say("11", "/lang ru").await;
    h.t.say("11", "/subscribe all").await;
    h.t.say("1", "/post\ntitle: Выборы перенесены\nlang: ru")
        .await;
    let posted =
        h.t.say("1", "/post\ntitle: Elections postponed\nlang: en\npair: 1")
            .await;
    assert!(posted.starts_with("Published as #2."), "{posted}");
    h.drain().await;
    assert_eq!(h.texts("10").len(), 1);
    assert!(
        h.texts("10")[0].starts_with("Elections postponed"),
        "{:?}",
        h.texts("10")
    );
    assert!(
        h.texts("10")[0].contains("Also in Russian: /article 1"),
        "{:?}",
        h.texts("10")
    );
    assert_eq!(h.texts("11").len(), 1);
    assert!(
        h.texts("11")[0].starts_with("Выборы перенесены"),
        "{:?}",
        h.texts("11")
    );
    assert!(
        h.texts("11")[0].contains("Также на английском: /article 2"),
        "{:?}",
        h.texts("11")
    );
}

#[tokio::test]
async fn a_translation_published_later_is_not_sent_again_to_chats_that_have_the_story() {
    let h = telegram().await;
    h.t.say("10", "/subscribe all").await;
    h.t.say("1", "/post\ntitle: Выборы перенесены\nlang: ru")
        .await;
    h.drain().await;
    h.t.say("1", "/post\ntitle: Elections postponed\nlang: en\npair: 1")
        .await;
    h.drain().await;
    assert_eq!(
        h.texts("10").len(),
        1,
        "one story, one message: {:?}",
        h.texts("10")
    );
}

#[tokio::test]
async fn link_pairs_existing_articles_and_explains_what_cannot_be_paired() {
    let h = telegram().await;
    h.t.say("1", "/post\ntitle: Один\nlang: ru").await;
    h.t.say("1", "/post\ntitle: Two\nlang: en").await;
    h.t.say("1", "/post\ntitle: Три\nlang: ru").await;
    assert_eq!(
        h.t.say("1", "/link 1 3").await,
        "Article #3 is in the same language; a translation must be in the other one."
    );
    assert_eq!(h.t.say("1", "/link 1 9").await, "There is no article #9.");
    assert!(h.t.say("1", "/link 1").await.starts_with("Usage: /link"));
    assert_eq!(
        h.t.say("1", "/link 1 2").await,
        "Articles #1 and #2 are now translations of each other."
    );
    assert_eq!(
        h.t.say("1", "/link 3 2").await,
        "Article #3 already has a translation (#1)."
    );
    assert_eq!(
        h.t.say("1", "/post\ntitle: Four\nlang: en\npair: 1").await,
        "Article #1 already has a translation (#2)."
    );
    assert_eq!(
        h.t.say("42", "/link 1 2").await,
        "Not allowed: this needs the editor role."
    );
}
