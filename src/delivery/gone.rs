//! A chat herald can no longer post to, whether a send found out (the engine) or the platform
//! said so (an adapter's kick or block event): one path, so both are handled alike.

use crate::app::{Reply, tr_args};
use crate::domain::{ChatKind, Platform, UserRef};
use crate::store::Store;

/// The chat that is gone, as the store and the notice name it.
pub struct Gone<'a> {
    pub chat_id: i64,
    pub platform: Platform,
    pub native_id: &'a str,
    pub kind: ChatKind,
    pub reason: &'a str,
}

/// Deactivates the chat (its queue kept as dead letters, a notice in /deliveries) and, when a
/// group, channel or room was lost, queues a message to every owner's and moderator's private
/// chat. A reader blocking herald is not news for moderators — a large audience would bury
/// them in such messages — so it only shows in /deliveries. Returns whether notices were
/// queued (the engine should wake for them); a chat already inactive tells no one again.
pub async fn chat_gone(
    store: &Store,
    owners: &[UserRef],
    gone: &Gone<'_>,
    now: i64,
) -> anyhow::Result<bool> {
    let was_active = store.chat_gone(gone.chat_id, gone.reason).await?;
    if !was_active || gone.kind == ChatKind::Private {
        return Ok(false);
    }
    let what = format!("{}:{}", gone.platform, gone.native_id);
    for (chat, language) in store.moderator_chats(owners).await? {
        let text = tr_args(
            "notice.chat_gone",
            language.code(),
            &[("chat", what.clone()), ("reason", gone.reason.to_string())],
        );
        let payload = serde_json::to_string(&Reply::text(text))?;
        store.enqueue_reply(chat, &payload, now).await?;
    }
    Ok(true)
}
