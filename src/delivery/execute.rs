//! Performing one leased delivery and recording what the platform said.

use std::time::Duration;

use tokio::time::Instant;

use super::pacer::Counted;
use super::{Destination, Gone, Outbound, Post, SendError};
use super::{Engine, Outcome, backoff, slot};
use crate::domain::{ArticleRecord, Platform};
use crate::message::Reply;
use crate::render::{layout, post};
use crate::store::{Action, Job, Sent};

/// A removal's reason when the editor gave none.
const RETRACTED: &str = "retracted by the newsroom";

/// What a successful platform call did.
enum Done {
    Sent(Vec<String>, Option<i64>),
    /// Some parts of a send arrived (every id so far); the rest follows in later steps.
    Partly(Vec<String>),
    Edited(i64),
    Changed,
    /// Nothing to do after all; the reason is recorded.
    Moot(&'static str),
}

/// Sends the next part of a post: the parts already sent are in `job.sent_ids`.
async fn send_part(
    outbound: &dyn Outbound,
    job: &Job,
    to: &Destination,
    post: &Post,
    version: Option<i64>,
) -> Result<Done, SendError> {
    let part = outbound.send_part(to, post, job.sent_ids.len()).await?;
    let mut ids = job.sent_ids.clone();
    ids.extend(part.ids);
    Ok(if part.last {
        Done::Sent(ids, version)
    } else {
        Done::Partly(ids)
    })
}

impl Engine {
    /// Performs a leased delivery. A database failure while recording leaves the delivery
    /// queued again (its lease released), never marked as something it is not. An
    /// acknowledged send is recorded with the next pick's lease (see `batch`); `counted`: the
    /// send as the pacer counted it when it was picked.
    pub(super) async fn execute(&self, job: Job, counted: Counted) -> Outcome {
        match self.perform(&job, counted).await {
            Ok(outcome) => outcome,
            Err(error) => {
                tracing::error!(
                    delivery = job.id,
                    error = format!("{error:#}"),
                    "could not record a delivery"
                );
                if let Err(error) = self.store.release_lease(job.id).await {
                    tracing::error!(delivery = job.id, %error, "could not release a lease; it is released at the next start");
                }
                Outcome::Rescheduled {
                    delivery: job.id,
                    chat: job.chat_id,
                }
            }
        }
    }

    async fn perform(&self, job: &Job, counted: Counted) -> anyhow::Result<Outcome> {
        let result = self.attempt(job).await;
        // Whatever happened, the send no longer waits for an answer: the pacer counts it from now.
        let refused = matches!(
            result,
            Ok(Some(Err(SendError::RetryAfter { global: true, .. })))
        );
        // A timeout or a lost connection says nothing of the platform's round trip.
        let measured = matches!(result, Ok(Some(Ok(_) | Err(SendError::RetryAfter { .. }))));
        let now = self.clock.now_ms();
        let hold = {
            let mut pacer = self.pacer.lock().await;
            pacer.done(slot(job), now, refused);
            pacer.answered(counted, now, measured)
        };
        if let Some(until) = hold {
            // Before the send is recorded, so the chat is not offered again sooner.
            self.store.hold_chat(job.chat_id, until).await?;
        }
        match result? {
            Some(result) => self.settle(job, result, counted.started).await,
            None => {
                self.store.release_lease(job.id).await?;
                Ok(Outcome::Rescheduled {
                    delivery: job.id,
                    chat: job.chat_id,
                })
            }
        }
    }

    /// Makes the platform call of a delivery and says what the platform answered; `None` when
    /// the platform is not configured (any more).
    async fn attempt(&self, job: &Job) -> anyhow::Result<Option<Result<Done, SendError>>> {
        let Some(outbound) = self.platforms.get(&job.platform) else {
            return Ok(None);
        };
        let to = Destination {
            chat_id: job.chat_id,
            platform: job.platform,
            native_id: job.native_id.clone(),
            kind: job.kind,
            language: job.language,
            time_zone: job.time_zone,
            // The creation time keeps keys apart should the database be started afresh while
            // the platform session (and its memory of ids) is kept.
            delivery_key: format!("{}.{}", job.id, job.created_at),
            paid: job.paid,
        };
        let article = match job.article_id {
            Some(id) => self.article(id, job.article_revision).await?,
            None => None,
        };
        let started = Instant::now();
        let call = self.call(outbound.as_ref(), job, &to, article.as_deref());
        let result = match tokio::time::timeout(self.config.send_timeout, call).await {
            Ok(result) => result?,
            Err(_) => Err(SendError::Transient(format!(
                "no answer within {:?}",
                self.config.send_timeout
            ))),
        };
        self.metrics
            .observe_latency(job.platform, started.elapsed());
        Ok(Some(result))
    }

    /// The one platform call a delivery needs.
    async fn call(
        &self,
        outbound: &dyn Outbound,
        job: &Job,
        to: &Destination,
        article: Option<&ArticleRecord>,
    ) -> anyhow::Result<Result<Done, SendError>> {
        let copy = job.target_message_ids.as_deref();
        Ok(match (job.action, article, copy) {
            (Action::Send, Some(a), _) if a.retracted_at.is_none() => {
                let post = self.article_post(a, to, job.alert.as_deref());
                send_part(outbound, job, to, &post, Some(a.version)).await
            }
            (Action::Send, _, _) => Ok(Done::Moot("article retracted or removed before delivery")),
            (Action::Edit, Some(a), Some(ids)) if a.retracted_at.is_none() => outbound
                .edit(to, ids, &self.article_post(a, to, job.alert.as_deref()))
                .await
                .map(|()| Done::Edited(a.version)),
            (Action::Edit, _, _) => Ok(Done::Moot("no copy to edit")),
            (Action::Delete, article, Some(ids)) => {
                let reason = article
                    .and_then(|a| a.retraction_reason.as_deref())
                    .filter(|r| !r.trim().is_empty())
                    .unwrap_or(RETRACTED);
                outbound
                    .delete(to, ids, reason)
                    .await
                    .map(|()| Done::Changed)
            }
            (Action::Notice, Some(a), Some(ids)) => outbound
                .edit(
                    to,
                    ids,
                    &post::retraction_notice(&a.title, to.language).into(),
                )
                .await
                .map(|()| Done::Changed),
            (Action::Delete | Action::Notice, _, _) => Ok(Done::Moot("no copy to remove")),
            (Action::Reply, _, _) => {
                match job
                    .payload
                    .as_deref()
                    .and_then(|p| serde_json::from_str::<Reply>(p).ok())
                {
                    Some(reply) => send_part(outbound, job, to, &reply.into(), None).await,
                    None => Err(SendError::Permanent("unreadable reply".into())),
                }
            }
            (Action::Digest, _, _) => {
                let mut articles = Vec::new();
                for (id, alert) in &job.digest_articles {
                    articles.extend(
                        self.store
                            .article(*id)
                            .await?
                            .filter(|a| a.retracted_at.is_none())
                            .map(|a| (a, alert.clone())),
                    );
                }
                if articles.is_empty() {
                    Ok(Done::Moot("every article of the digest was retracted"))
                } else {
                    let digest = post::digest(&articles, to.reader()).into();
                    send_part(outbound, job, to, &digest, None).await
                }
            }
        })
    }

    /// An article as a post: the neutral reply plus its layout in the reader's language and
    /// zone, naming the alert that brought it, if one did.
    fn article_post(&self, article: &ArticleRecord, to: &Destination, alert: Option<&str>) -> Post {
        let layout = layout::article(
            article,
            to.language,
            to.time_zone.tz(),
            &self.config.glossary,
        );
        match alert {
            Some(query) => Post {
                reply: post::alerted_article(article, to.reader(), query),
                article: Some(layout.for_alert(query, to.language)),
            },
            None => Post {
                reply: post::article(article, to.reader()),
                article: Some(layout),
            },
        }
    }

    /// The platform showed it drains its limit more slowly than configured: said in the log,
    /// on /metrics and in /deliveries (through the store) while this process keeps to it.
    async fn slower(&self, platform: Platform, interval: Duration, now: i64) -> anyhow::Result<()> {
        let configured = self.pacer.lock().await.policy(platform).drain_interval();
        tracing::warn!(
            %platform,
            learned_s = interval.as_secs_f64(),
            configured_s = configured.as_secs_f64(),
            "the platform lets messages through more slowly than configured; pacing at its rate until restart"
        );
        self.metrics.learned_interval(platform, interval);
        let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
        self.store
            .save_learned_interval(platform, interval_ms, now)
            .await?;
        Ok(())
    }

    /// Records what the platform answered to a send the pacer counted from `started`.
    async fn settle(
        &self,
        job: &Job,
        result: Result<Done, SendError>,
        started: i64,
    ) -> anyhow::Result<Outcome> {
        let (delivery, chat) = (job.id, job.chat_id);
        let now = self.clock.now_ms();
        let outcome = match result {
            Ok(Done::Sent(ids, version)) => {
                self.acknowledged.push(Sent {
                    id: delivery,
                    at: now,
                    message_ids: Some(ids),
                    version,
                });
                Outcome::Delivered { delivery, chat }
            }
            Ok(Done::Partly(ids)) => {
                self.store.mark_progress(delivery, &ids, now).await?;
                return Ok(Outcome::Partly { delivery, chat });
            }
            Ok(Done::Edited(version)) => {
                self.store.mark_delivered(delivery, None, None, now).await?;
                if let Some(target) = job.target_id {
                    self.store.set_copy_version(target, version).await?;
                }
                Outcome::Delivered { delivery, chat }
            }
            Ok(Done::Changed) => {
                self.acknowledged.push(Sent {
                    id: delivery,
                    at: now,
                    message_ids: None,
                    version: None,
                });
                Outcome::Delivered { delivery, chat }
            }
            Ok(Done::Moot(why)) => {
                self.store.mark_cancelled(delivery, why).await?;
                return Ok(Outcome::Cancelled { delivery });
            }
            Err(SendError::RetryAfter { after, global }) => {
                let until = now + after.as_millis() as i64;
                if global {
                    let learned =
                        self.pacer
                            .lock()
                            .await
                            .refused(job.platform, after, started, now);
                    // Kept for a process started before it ends: sending during a
                    // retry_after makes Telegram's penalty longer.
                    self.store.save_platform_wait(job.platform, until).await?;
                    if let Some(interval) = learned {
                        self.slower(job.platform, interval, now).await?;
                    }
                }
                tracing::warn!(
                    delivery,
                    chat,
                    ?after,
                    global,
                    "platform asked to wait; the pacer should have prevented this"
                );
                self.store.hold_chat(chat, until).await?;
                self.store
                    .reschedule_delivery(delivery, until, false, "rate limited")
                    .await?;
                self.metrics.rate_limited(job.platform);
                Outcome::Rescheduled { delivery, chat }
            }
            Err(SendError::ChatMoved(new_id)) => {
                tracing::info!(chat, new_id, "chat moved; resending under its new id");
                self.store.chat_moved(chat, &new_id).await?;
                self.store
                    .reschedule_delivery(delivery, now, false, "chat moved")
                    .await?;
                Outcome::Rescheduled { delivery, chat }
            }
            Err(SendError::ChatGone(reason)) => {
                tracing::warn!(chat, reason, "chat unreachable; deactivated");
                let gone = Gone {
                    chat_id: chat,
                    platform: job.platform,
                    native_id: &job.native_id,
                    kind: job.kind,
                    reason: &reason,
                };
                self.events.chat_gone(&gone).await?;
                self.metrics.failed(job.platform);
                Outcome::ChatGone { delivery, chat }
            }
            Err(SendError::NotDeletable(why)) if job.action == Action::Delete => {
                self.store.convert_to_notice(delivery, now, &why).await?;
                Outcome::Rescheduled { delivery, chat }
            }
            Err(SendError::Transient(error)) if job.attempts + 1 < self.config.max_attempts => {
                let until = now
                    + backoff::delay(
                        job.attempts,
                        self.config.backoff_base,
                        self.config.backoff_max,
                    )
                    .as_millis() as i64;
                // The whole chat waits, so a later message cannot overtake this one.
                self.store.hold_chat(chat, until).await?;
                self.store
                    .reschedule_delivery(delivery, until, true, &error)
                    .await?;
                self.metrics.retried(job.platform);
                Outcome::Rescheduled { delivery, chat }
            }
            Err(error) => {
                tracing::warn!(delivery, chat, %error, "delivery failed for good; see /deliveries failed");
                self.store
                    .mark_dead(
                        delivery,
                        matches!(error, SendError::Transient(_)),
                        &error.to_string(),
                    )
                    .await?;
                self.metrics.failed(job.platform);
                Outcome::Dead { delivery, chat }
            }
        };
        if matches!(outcome, Outcome::Delivered { .. }) {
            self.metrics.sent(job.platform);
            self.metrics.lane_sent(
                job.lane,
                Duration::from_millis((now - job.created_at).max(0) as u64),
            );
        }
        Ok(outcome)
    }
}
