//! Writes that wake: publishing, correcting and retracting an article each store the change,
//! plan its deliveries in the same transaction and wake the delivery engine, in one call. The
//! commands, the CMS endpoint and the feed worker all go through here, so none of them can
//! store a change and forget to tell the engine.

use tokio_util::sync::CancellationToken;

use crate::delivery::Gone;
use crate::domain::{ArticlePatch, ArticleRecord, ChatLoss, Platform, UserRef};
use crate::message::{Reply, chat_loss, tr_args};
use crate::store::{External, Ingested, NewArticle, Planned, Retraction, Signal, StoreError};

use super::App;

impl App {
    /// Publishes an article now: stored, indexed and planned for every subscribed chat.
    /// Returns its id and how many deliveries were planned.
    pub async fn publish(&self, article: &NewArticle) -> Result<(i64, u64), StoreError> {
        let (id, first) = self
            .store
            .insert_article(article, self.clock.now_ms())
            .await?;
        self.planned_first(first);
        Ok((id, first.rows))
    }

    /// Publishes a draft or scheduled article now. `None` when there is no such article
    /// waiting; else how many deliveries were planned so far.
    pub async fn publish_waiting(&self, id: i64) -> Result<Option<u64>, StoreError> {
        let first = self.store.publish_waiting(id, self.clock.now()).await?;
        Ok(first.map(|first| {
            self.planned_first(first);
            first.rows
        }))
    }

    /// The publishing transaction planned the first chunk of chats: the engine may start, and
    /// the publishing worker plans the rest (so the editor hears "Published" at once however
    /// many subscribers there are, and other commands are not held up).
    fn planned_first(&self, first: Planned) {
        self.planned();
        if !first.done {
            self.planner.notify_one();
            self.tell_others(Signal::Planning);
        }
    }

    /// Plans every article still being planned, chunk by chunk, until none is left or
    /// `shutdown` (a restart resumes from the stored cursor). The engine is woken after each
    /// chunk, so sending goes on meanwhile. Returns the deliveries planned.
    pub async fn finish_planning(&self, shutdown: &CancellationToken) -> Result<u64, StoreError> {
        let mut total = 0;
        while let Some((id, published_at)) = self.store.unfinished_plans().await?.first().copied() {
            let mut rows = 0;
            loop {
                if shutdown.is_cancelled() {
                    return Ok(total);
                }
                let step = self.store.plan_chunk(id).await?;
                rows += step.rows;
                self.planned();
                if step.done {
                    break;
                }
            }
            total += rows;
            let elapsed_ms = self.clock.now_ms() - published_at;
            tracing::info!(article = id, rows, elapsed_ms, "planning finished");
        }
        Ok(total)
    }

    /// Corrects an article: a new version, and an edit of every copy already sent.
    /// `None` when there is no such article.
    pub async fn correct(
        &self,
        id: i64,
        patch: &ArticlePatch,
        topic_ids: Option<&[i64]>,
        editor_id: i64,
    ) -> Result<Option<ArticleRecord>, StoreError> {
        let now = self.clock.now_ms();
        let updated = self
            .store
            .update_article(id, patch, topic_ids, editor_id, now)
            .await?;
        if updated.is_some() {
            self.planned();
        }
        Ok(updated)
    }

    /// Retracts an article: every copy already sent is removed (or replaced by a notice where
    /// the platform no longer allows removing it), and queued sends are cancelled.
    pub async fn retract(&self, id: i64, reason: &str) -> Result<Retraction, StoreError> {
        let now = self.clock.now_ms();
        let outcome = self.store.retract_article(id, reason, now).await?;
        if outcome == Retraction::Retracted {
            self.planned();
        }
        Ok(outcome)
    }

    /// Takes in articles from outside (a feed, the CMS), each keyed by its origin: new ones are
    /// published (planned for delivery where `deliver` says so), changed ones corrected
    /// everywhere, repeated ones left alone. One transaction for the whole batch.
    pub async fn ingest(
        &self,
        batch: &[(External<'_>, &NewArticle, bool)],
        editor_id: i64,
    ) -> Result<Vec<Ingested>, StoreError> {
        let now = self.clock.now_ms();
        let outcomes = self.store.ingest_many(batch, editor_id, now).await?;
        for outcome in &outcomes {
            if let Ingested::New { planned, .. } = outcome {
                self.planned_first(*planned);
            }
        }
        if outcomes
            .iter()
            .any(|o| matches!(o, Ingested::New { .. } | Ingested::Corrected(_)))
        {
            self.planned();
        }
        Ok(outcomes)
    }

    /// Queues a notice to every owner's and moderator's private chat (or Matrix direct room),
    /// each in its own language: catalog text `key` with `args` filled in.
    pub async fn notify_moderators(
        &self,
        key: &str,
        args: &[(&str, String)],
    ) -> anyhow::Result<()> {
        let chats = self.store.moderator_chats(&self.settings.owners).await?;
        self.notify(chats, &|lang| tr_args(key, lang, args)).await
    }

    /// Like [`App::notify_moderators`], to the owners alone (spending is theirs to decide).
    pub async fn notify_owners(&self, key: &str, args: &[(&str, String)]) -> anyhow::Result<()> {
        let chats = self.store.owner_chats(&self.settings.owners).await?;
        self.notify(chats, &|lang| tr_args(key, lang, args)).await
    }

    /// Owners no notice can reach yet: herald may only write to someone who wrote to it first
    /// (a private chat on Telegram, a direct room on Matrix). The terminal's user is always
    /// there.
    pub async fn unreachable_owners(&self) -> anyhow::Result<Vec<UserRef>> {
        let mut unreachable = Vec::new();
        for owner in &self.settings.owners {
            if owner.platform != Platform::Console
                && self
                    .store
                    .owner_chats(std::slice::from_ref(owner))
                    .await?
                    .is_empty()
            {
                unreachable.push(owner.clone());
            }
        }
        Ok(unreachable)
    }

    /// Queues `text` in each chat's language.
    async fn notify(
        &self,
        chats: Vec<(i64, crate::domain::Language)>,
        text: &(dyn Fn(&str) -> String + Sync),
    ) -> anyhow::Result<()> {
        let now = self.clock.now_ms();
        for (chat, language) in chats {
            let text = text(language.code());
            let payload = serde_json::to_string(&Reply::text(text))?;
            self.store.enqueue_reply(chat, &payload, now).await?;
        }
        self.planned();
        Ok(())
    }

    /// A chat herald can no longer post to: deactivated (its queue kept as dead letters, a
    /// notice in /deliveries) and, when a group, channel or room was lost, every owner and
    /// moderator told. A reader blocking herald is not news for moderators — a large audience
    /// would bury them in such messages — so it only shows in /deliveries; a chat already
    /// inactive tells no one again.
    pub async fn lose_chat(&self, gone: &Gone<'_>) -> anyhow::Result<()> {
        let was_active = self.store.chat_gone(gone.chat_id, gone.reason).await?;
        if !was_active || gone.kind == crate::domain::ChatKind::Private {
            return Ok(());
        }
        // Rooms and groups are named as people know them, the id kept to act on.
        let id = format!("{}:{}", gone.platform, gone.native_id);
        let what = match self.store.find_chat(gone.platform, gone.native_id).await? {
            Some(chat) if chat.title != gone.native_id => format!("«{}» ({id})", chat.title),
            _ => id,
        };
        let loss = ChatLoss::parse(gone.reason);
        let chats = self.store.moderator_chats(&self.settings.owners).await?;
        self.notify(chats, &|lang| {
            let args = [("chat", what.clone()), ("reason", chat_loss(&loss, lang))];
            tr_args("notice.chat_gone", lang, &args)
        })
        .await
    }
}
