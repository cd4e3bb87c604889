//! What the engine keeps between steps so a message costs a share of a statement, not
//! statements of its own: acknowledged sends waiting to be recorded together, and the
//! articles being broadcast.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::Engine;
use crate::domain::ArticleRecord;
use crate::store::Sent;

/// How many articles the engine keeps: a broadcast or two and their translations.
const ARTICLES: usize = 16;

/// Sends the platform acknowledged that the outbox does not show yet. They are recorded with
/// the next lease (one transaction per pick), or by [`Engine::record_acknowledged`] when no
/// pick follows soon. Until then their rows stay `sending`: the chat gets nothing else, and
/// should the process die they are sent again at the next start, as any send in flight is.
#[derive(Default)]
pub(super) struct Acknowledged(Mutex<Vec<Sent>>);

impl Acknowledged {
    pub(super) fn push(&self, sent: Sent) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(sent);
    }

    /// Everything waiting, leaving none.
    pub(super) fn take(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Puts back what could not be recorded, to be tried with the next statement.
    pub(super) fn restore(&self, mut sent: Vec<Sent>) {
        let mut waiting = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        sent.append(&mut waiting);
        *waiting = sent;
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }
}

/// The articles the engine sent last, each with the revision it was read at: a broadcast to
/// a million chats reads its article once, and again only after a change to it.
#[derive(Default)]
pub(super) struct Articles(Mutex<HashMap<i64, (i64, Arc<ArticleRecord>)>>);

impl Articles {
    fn get(&self, id: i64, revision: i64) -> Option<Arc<ArticleRecord>> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(&id)
            .filter(|(r, _)| *r == revision)
            .map(|(_, a)| Arc::clone(a))
    }

    fn keep(&self, id: i64, revision: i64, article: &Arc<ArticleRecord>) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= ARTICLES && !kept.contains_key(&id) {
            // The oldest article is the one least likely to be sent again.
            if let Some(oldest) = kept.keys().min().copied() {
                kept.remove(&oldest);
            }
        }
        kept.insert(id, (revision, Arc::clone(article)));
    }
}

impl Engine {
    /// Article `id` as it is now; `revision` is what the pick read with the delivery.
    pub(super) async fn article(
        &self,
        id: i64,
        revision: Option<i64>,
    ) -> anyhow::Result<Option<Arc<ArticleRecord>>> {
        let Some(revision) = revision else {
            return Ok(self.store.article(id).await?.map(Arc::new));
        };
        if let Some(article) = self.articles.get(id, revision) {
            return Ok(Some(article));
        }
        // Read after the pick, so it is at least as new as `revision`.
        let article = self.store.article(id).await?.map(Arc::new);
        if let Some(article) = &article {
            self.articles.keep(id, revision, article);
        }
        Ok(article)
    }

    /// Records the acknowledged sends no lease took with it.
    pub(super) async fn record_acknowledged(&self) -> anyhow::Result<()> {
        let sent = self.acknowledged.take();
        if sent.is_empty() {
            return Ok(());
        }
        let now = self.clock.now_ms();
        if let Err(error) = self.store.settle_and_lease(&sent, &[], now, 0).await {
            self.acknowledged.restore(sent);
            return Err(error.into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(id: i64) -> Sent {
        Sent {
            id,
            at: 0,
            message_ids: None,
            version: None,
        }
    }

    #[test]
    fn what_could_not_be_recorded_is_recorded_first_next_time() {
        let waiting = Acknowledged::default();
        waiting.push(sent(1));
        let taken = waiting.take();
        assert!(waiting.is_empty());
        waiting.push(sent(2));
        waiting.restore(taken);
        assert_eq!(waiting.take(), vec![sent(1), sent(2)]);
    }

    fn article(id: i64, title: &str) -> Arc<ArticleRecord> {
        Arc::new(ArticleRecord {
            id,
            title: title.into(),
            lead: String::new(),
            body: crate::domain::Rich::default(),
            language: crate::domain::Language::Ru,
            url: None,
            original_url: None,
            photo: None,
            photo_caption: None,
            photo_credit: None,
            published_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: None,
            retracted_at: None,
            retraction_reason: None,
            version: 1,
            topics: Vec::new(),
            label: None,
            status: crate::domain::ArticleStatus::Published,
            publish_at: None,
            pair_id: None,
        })
    }

    #[test]
    fn an_article_is_kept_only_for_the_revision_it_was_read_at() {
        let kept = Articles::default();
        kept.keep(7, 3, &article(7, "Flood in the valley"));
        assert_eq!(
            kept.get(7, 3).map(|a| a.title.clone()),
            Some("Flood in the valley".into())
        );
        assert!(kept.get(7, 4).is_none(), "a changed article is read again");
        kept.keep(7, 4, &article(7, "Flood in the valley (corrected)"));
        assert_eq!(
            kept.get(7, 4).map(|a| a.title.clone()),
            Some("Flood in the valley (corrected)".into())
        );
        for id in 100..100 + ARTICLES as i64 {
            kept.keep(id, 0, &article(id, "other"));
        }
        assert!(kept.get(7, 4).is_none(), "the oldest article makes room");
        assert!(kept.get(100 + ARTICLES as i64 - 1, 0).is_some());
    }
}
