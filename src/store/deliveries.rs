//! The outbox: delivery rows are planned in the same transaction as the article write that
//! causes them, leased by the engine, and settled only when the platform answered.

use std::collections::HashMap;

use sqlx::Row;

use super::Result;
use super::stamp::Stamp;
use super::{Sql, Store};
use crate::domain::{ChatKind, Language, Platform, TimeZoneName};

/// Lanes, in the order the engine serves them.
pub const LANE_INTERACTIVE: i64 = 0;
/// Edits and removals of copies already sent: a correction must overtake new sends.
pub const LANE_CORRECTION: i64 = 1;
/// Breaking news, ahead of routine items already queued.
pub const LANE_BREAKING: i64 = 2;
/// Everything else.
pub const LANE_ROUTINE: i64 = 3;

/// What a delivery asks the platform to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send an article.
    Send,
    /// Replace a sent copy with the corrected article.
    Edit,
    /// Remove a sent copy (a retraction).
    Delete,
    /// Replace a copy that can no longer be removed with a retraction notice.
    Notice,
    /// Send several held articles as one message.
    Digest,
    /// Send a reply to a command or a notice.
    Reply,
}

impl Action {
    fn from_stored(value: &str) -> Action {
        match value {
            "edit" => Action::Edit,
            "delete" => Action::Delete,
            "notice" => Action::Notice,
            "digest" => Action::Digest,
            "reply" => Action::Reply,
            _ => Action::Send,
        }
    }
}

/// A delivery the engine may work on now, with everything needed to perform it.
#[derive(Debug, Clone)]
pub struct Job {
    /// The delivery's id.
    pub id: i64,
    /// What to do.
    pub action: Action,
    /// The article it concerns, if any.
    pub article_id: Option<i64>,
    /// For edits and removals: the delivery that sent the copy.
    pub target_id: Option<i64>,
    /// Failed tries so far (rate limits do not count).
    pub attempts: i64,
    /// Its lane; lower lanes go first.
    pub lane: i64,
    /// herald's id of the chat.
    pub chat_id: i64,
    /// The chat's platform.
    pub platform: Platform,
    /// The platform's id of the chat.
    pub native_id: String,
    /// Private chat, group, channel or room.
    pub kind: ChatKind,
    /// The chat's language.
    pub language: Language,
    /// The chat's time zone.
    pub time_zone: TimeZoneName,
    /// For edit, delete and notice: the ids of the copy being changed, if it was sent.
    pub target_message_ids: Option<Vec<String>>,
    /// For a send in several parts: the ids of the parts already sent.
    pub sent_ids: Vec<String>,
    /// For digests: the articles listed, each with the alert that brought it, if one did.
    pub digest_articles: Vec<(i64, Option<String>)>,
    /// For an article's copy (and changes to it): the alert that brought it to the chat, as
    /// the chat typed it.
    pub alert: Option<String>,
    /// For replies: the reply, as JSON.
    pub payload: Option<String>,
    /// When it was planned (ms since the epoch), for wait-time metrics.
    pub created_at: i64,
    /// The engine leased it as a paid broadcast (never so when read from the database).
    pub paid: bool,
    /// When it became due (ms since the epoch): the order within a lane.
    pub due: i64,
    /// The revision of its article when it was picked (see the migration adding it).
    pub article_revision: Option<i64>,
}

pub(super) fn job_from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<Job> {
    let platform: String = row.try_get("platform")?;
    let kind: String = row.try_get("kind")?;
    let language: String = row.try_get("language")?;
    let zone: String = row.try_get("time_zone")?;
    let action: String = row.try_get("action")?;
    let target_ids: Option<String> = row.try_get("target_message_ids")?;
    let sent_ids: Option<String> = row.try_get("message_ids")?;
    let digest: Option<String> = row.try_get("digest_articles")?;
    Ok(Job {
        id: row.try_get("id")?,
        action: Action::from_stored(&action),
        article_id: row.try_get("article_id")?,
        target_id: row.try_get("target_id")?,
        attempts: row.try_get("attempts")?,
        lane: row.try_get("lane")?,
        chat_id: row.try_get("chat_id")?,
        platform: Platform::parse(&platform).unwrap_or(Platform::Console),
        native_id: row.try_get("native_id")?,
        kind: ChatKind::from_stored(&kind),
        language: Language::parse(&language).unwrap_or(Language::En),
        time_zone: TimeZoneName::parse(&zone).unwrap_or_else(TimeZoneName::utc),
        target_message_ids: target_ids.and_then(|ids| serde_json::from_str(&ids).ok()),
        sent_ids: sent_ids
            .and_then(|ids| serde_json::from_str(&ids).ok())
            .unwrap_or_default(),
        digest_articles: digest
            .and_then(|ids| serde_json::from_str::<Vec<DigestItem>>(&ids).ok())
            .unwrap_or_default()
            .into_iter()
            .map(DigestItem::into_pair)
            .collect(),
        alert: row.try_get("alert")?,
        payload: row.try_get("payload")?,
        created_at: row.try_get("created_at")?,
        paid: false,
        due: row.try_get("not_before")?,
        article_revision: row.try_get("article_revision")?,
    })
}

/// An article of a digest as stored: its id, or its id and the alert that brought it.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(untagged)]
pub(super) enum DigestItem {
    Plain(i64),
    Alerted(i64, String),
}

impl DigestItem {
    pub(super) fn into_pair(self) -> (i64, Option<String>) {
        match self {
            DigestItem::Plain(id) => (id, None),
            DigestItem::Alerted(id, alert) => (id, Some(alert)),
        }
    }
}

/// A message herald sent in a chat, as a reply to it finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The article, when it is a copy of one.
    pub article_id: Option<i64>,
    /// The reply (JSON), when it answered a command.
    pub payload: Option<String>,
}

/// The last copy sent to chat `$1` as the message `$2` (one of its `message_ids`).
const SENT_AS: Sql = Sql {
    sqlite: "SELECT article_id, payload FROM deliveries
             WHERE chat_id = $1 AND state = 'sent' AND message_ids IS NOT NULL
               AND EXISTS (SELECT 1 FROM json_each(message_ids) WHERE value = $2)
             ORDER BY id DESC LIMIT 1",
    postgres: "SELECT article_id, payload FROM deliveries
             WHERE chat_id = $1 AND state = 'sent' AND message_ids IS NOT NULL
               AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(message_ids::jsonb) AS v(value)
                           WHERE v.value = $2)
             ORDER BY id DESC LIMIT 1",
};

impl Store {
    /// The message herald sent as `message_id` in chat `chat_id`; `None` for any other.
    pub async fn sent_message(
        &self,
        chat_id: i64,
        message_id: &str,
    ) -> Result<Option<SentMessage>> {
        let row: Option<(Option<i64>, Option<String>)> = sqlx::query_as(SENT_AS.on(self.backend()))
            .bind(chat_id)
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(article_id, payload)| SentMessage {
            article_id,
            payload,
        }))
    }

    /// Queues a reply to a command, ahead of every broadcast (lane 0); returns its id.
    pub async fn enqueue_reply(&self, chat_id: i64, payload: &str, now_ms: i64) -> Result<i64> {
        let _turn = self.turn().await;
        sqlx::query_scalar(
            "INSERT INTO deliveries (chat_id, platform, action, lane, state, not_before, payload, created_at)
             SELECT id, platform, 'reply', 0, 'pending', CASE paused WHEN 1 THEN 9223372036854775807 ELSE send_after END, $2, $3
             FROM chats WHERE id = $1 RETURNING id",
        )
        .bind(chat_id)
        .bind(payload)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(super::StoreError::from)
    }

    /// Paid broadcasts of `platform` sent since `since` (ms since the epoch) or in flight: what
    /// counts against the day's cap, across restarts.
    pub async fn paid_sent_since(&self, platform: Platform, since: i64) -> Result<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries d JOIN chats c ON c.id = d.chat_id
             WHERE d.paid = 1 AND c.platform = $1
               AND ((d.state = 'sent' AND d.sent_at >= $2) OR d.state = 'sending')",
        )
        .bind(platform.as_str())
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(count.max(0) as u64)
    }

    /// Broadcasts of `platform` waiting to go (article sends and digests: the lanes paid
    /// broadcasts serve), counted in the pick index alone: the backlog that decides whether
    /// paying is worth it.
    pub async fn pending_broadcasts(&self, platform: Platform) -> Result<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries
             WHERE state = 'pending' AND platform = $1 AND lane >= 2",
        )
        .bind(platform.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(count.max(0) as u64)
    }

    /// Records that the day's paid-broadcast cap was reached (`day`: `YYYY-MM-DD`, UTC) as a
    /// notice for /deliveries; `false` when it was recorded already, so owners hear of it once
    /// a day however often herald restarts.
    pub async fn note_paid_cap(&self, platform: Platform, day: &str) -> Result<bool> {
        let detail = format!("{platform} {day}");
        let (_turn, mut tx) = self.write().await?;
        let known: Option<i64> =
            sqlx::query_scalar("SELECT id FROM notices WHERE kind = 'paid_cap' AND detail = $1")
                .bind(&detail)
                .fetch_optional(&mut *tx)
                .await?;
        if known.is_some() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO notices (at, chat_id, kind, detail) VALUES ($1, NULL, 'paid_cap', $2)",
        )
        .bind(Stamp(self.clock.now()))
        .bind(&detail)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records the platform's acknowledgement of one delivery (see [`Store::settle_and_lease`]
    /// for many). For a send, the message ids are kept so later corrections can reach the copy.
    pub async fn mark_delivered(
        &self,
        id: i64,
        message_ids: Option<&[String]>,
        version: Option<i64>,
        now_ms: i64,
    ) -> Result<()> {
        let sent = super::Sent {
            id,
            at: now_ms,
            message_ids: message_ids.map(<[String]>::to_vec),
            version,
        };
        self.settle_and_lease(&[sent], &[], now_ms, 0).await?;
        Ok(())
    }

    /// Records the parts of a send that arrived; the rest goes in later steps, paced.
    pub async fn mark_progress(&self, id: i64, message_ids: &[String], now_ms: i64) -> Result<()> {
        let _turn = self.turn().await;
        let ids = serde_json::to_string(message_ids).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "UPDATE deliveries SET state = 'pending', lease_until = NULL, lease_holder = NULL, not_before = MAX($3, (SELECT send_after FROM chats WHERE chats.id = deliveries.chat_id)), last_error = NULL,
                 message_ids = $2 WHERE id = $1 AND state = 'sending' AND lease_holder = $4",
        )
        .bind(id)
        .bind(ids)
        .bind(now_ms)
        .bind(self.process_name())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Notes which version a sent copy now shows, after an edit reached it.
    pub async fn set_copy_version(&self, id: i64, version: i64) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query("UPDATE deliveries SET sent_version = $2 WHERE id = $1")
            .bind(id)
            .bind(version)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Puts a delivery back in the queue. `attempt` counts it as a failed try.
    pub async fn reschedule_delivery(
        &self,
        id: i64,
        not_before: i64,
        attempt: bool,
        error: &str,
    ) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "UPDATE deliveries SET state = 'pending', lease_until = NULL, lease_holder = NULL, not_before = MAX($2, (SELECT send_after FROM chats WHERE chats.id = deliveries.chat_id)),
                 attempts = attempts + $3, last_error = $4 WHERE id = $1 AND state = 'sending' AND lease_holder = $5",
        )
        .bind(id)
        .bind(not_before)
        .bind(i64::from(attempt))
        .bind(error)
        .bind(self.process_name())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Holds every delivery to the chat until `until` (a retry_after, or a backoff that must
    /// not let a later message overtake an earlier one).
    pub async fn hold_chat(&self, chat_id: i64, until: i64) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(super::pick::HOLD_CHAT)
            .bind(chat_id)
            .bind(until)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Gives up on a delivery; it stays listed for moderators and can be retried.
    pub async fn mark_dead(&self, id: i64, attempt: bool, error: &str) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "UPDATE deliveries SET state = 'dead', lease_until = NULL, lease_holder = NULL, attempts = attempts + $2, last_error = $3
             WHERE id = $1 AND state = 'sending' AND lease_holder = $4",
        )
        .bind(id)
        .bind(i64::from(attempt))
        .bind(error)
        .bind(self.process_name())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The delivery is no longer wanted (its article was retracted, its copy never existed).
    pub async fn mark_cancelled(&self, id: i64, why: &str) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query("UPDATE deliveries SET state = 'cancelled', lease_until = NULL, lease_holder = NULL, last_error = $2
             WHERE id = $1 AND state = 'sending' AND lease_holder = $3")
            .bind(id)
            .bind(why)
            .bind(self.process_name())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Turns a delete that the platform refused into a replacement of the copy by a notice.
    pub async fn convert_to_notice(&self, id: i64, now_ms: i64, why: &str) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "UPDATE deliveries SET action = 'notice', state = 'pending', lease_until = NULL, lease_holder = NULL, not_before = MAX($2, (SELECT send_after FROM chats WHERE chats.id = deliveries.chat_id)),
                 last_error = $3 WHERE id = $1 AND state = 'sending' AND lease_holder = $4",
        )
        .bind(id)
        .bind(now_ms)
        .bind(why)
        .bind(self.process_name())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The chat is unreachable: it is deactivated with the reason, its queued deliveries are
    /// kept as dead letters (retryable if the chat comes back), and /deliveries lists it.
    /// Returns whether the chat was active until now.
    pub async fn chat_gone(&self, chat_id: i64, reason: &str) -> Result<bool> {
        let (_turn, mut tx) = self.write().await?;
        let was_active = sqlx::query(
            "UPDATE chats SET active = 0, gone_reason = $2 WHERE id = $1 AND active = 1",
        )
        .bind(chat_id)
        .bind(reason)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        sqlx::query(
            "UPDATE deliveries SET state = 'dead', lease_until = NULL, lease_holder = NULL, last_error = 'chat gone: ' || $2
             WHERE chat_id = $1 AND state IN ('pending', 'held', 'sending')",
        )
        .bind(chat_id)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        if was_active {
            sqlx::query(
                "INSERT INTO notices (at, chat_id, kind, detail) VALUES ($1, $2, 'chat_gone', $3)",
            )
            .bind(Stamp(self.clock.now()))
            .bind(chat_id)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(was_active)
    }

    /// The chat has a new platform id. If herald already knows a chat under the new id, the
    /// old one's subscriptions and queued deliveries move over to it.
    pub async fn chat_moved(&self, chat_id: i64, new_native_id: &str) -> Result<()> {
        let (_turn, mut tx) = self.write().await?;
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT n.id FROM chats n JOIN chats o ON o.platform = n.platform WHERE o.id = $1 AND n.native_id = $2",
        )
        .bind(chat_id)
        .bind(new_native_id)
        .fetch_optional(&mut *tx)
        .await?;
        match existing {
            None => {
                sqlx::query("UPDATE chats SET native_id = $2 WHERE id = $1")
                    .bind(chat_id)
                    .bind(new_native_id)
                    .execute(&mut *tx)
                    .await?;
            }
            Some(target) => {
                sqlx::query("INSERT INTO subscriptions (chat_id, topic_id, created_at) SELECT $2, topic_id, created_at FROM subscriptions WHERE chat_id = $1 ON CONFLICT DO NOTHING")
                    .bind(chat_id).bind(target).execute(&mut *tx).await?;
                sqlx::query("UPDATE deliveries SET chat_id = $2, not_before = MAX(not_before, (SELECT send_after FROM chats WHERE id = $2))
                     WHERE chat_id = $1 AND state IN ('pending', 'held', 'sending')
                       AND NOT (action = 'send' AND EXISTS (SELECT 1 FROM deliveries o WHERE o.action = 'send'
                            AND o.chat_id = $2 AND o.article_id = deliveries.article_id))")
                    .bind(chat_id).bind(target).execute(&mut *tx).await?;
                sqlx::query("UPDATE alerts SET chat_id = $2 WHERE chat_id = $1
                     AND NOT EXISTS (SELECT 1 FROM alerts o WHERE o.chat_id = $2 AND o.query = alerts.query)")
                    .bind(chat_id)
                    .bind(target)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE chats SET active = 0, gone_reason = 'moved to chat ' || $2 WHERE id = $1")
                    .bind(chat_id).bind(target).execute(&mut *tx).await?;
                sqlx::query("UPDATE deliveries SET state = 'cancelled', last_error = 'duplicate after chat move' WHERE chat_id = $1 AND state IN ('pending', 'held', 'sending')")
                    .bind(chat_id).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// After a crash or at a takeover, deliveries leased by the process that delivered before
    /// go back to the queue (one process delivers at a time, so every lease found when the
    /// engine starts is another's). Says how many each platform had out: sends the platform
    /// may have counted (see `Pacer::restore`). Should that process still be alive, stalled
    /// past its leader lease, it can no longer put those rows back or give up on them: those
    /// statements only touch a row in flight under its own name (`lease_holder`).
    pub async fn release_leases(&self) -> Result<HashMap<Platform, usize>> {
        let _turn = self.turn().await;
        let platforms: Vec<String> = sqlx::query_scalar(
            "UPDATE deliveries SET state = 'pending', lease_until = NULL, lease_holder = NULL, not_before = MAX(not_before, (SELECT send_after FROM chats WHERE chats.id = deliveries.chat_id))
             WHERE state = 'sending' RETURNING platform",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut released = HashMap::new();
        for platform in platforms.iter().filter_map(|p| Platform::parse(p)) {
            *released.entry(platform).or_default() += 1;
        }
        Ok(released)
    }

    /// Releases one lease (a send abandoned at shutdown).
    pub async fn release_lease(&self, id: i64) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query("UPDATE deliveries SET state = 'pending', lease_until = NULL, lease_holder = NULL, not_before = MAX(not_before, (SELECT send_after FROM chats WHERE chats.id = deliveries.chat_id))
             WHERE id = $1 AND state = 'sending' AND lease_holder = $2")
            .bind(id)
            .bind(self.process_name())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The earliest time something queued may become ready, for the engine to sleep until: the
    /// first due row of each platform (a chat's wait is in its rows' due time).
    pub async fn next_delivery_due(&self) -> Result<Option<i64>> {
        let mut due = Vec::new();
        for platform in Platform::ALL {
            due.extend(self.next_due(platform).await?);
        }
        Ok(due.into_iter().min())
    }

    /// When the first row queued for `platform` is due (`None`: nothing is queued), in one
    /// statement of an index seek per lane.
    pub async fn next_due(&self, platform: Platform) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar(sqlx::AssertSqlSafe(super::pick::FIRST_DUE.as_str()))
                .bind(platform.as_str())
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Send times of the chat's latest copies, newest first (to restore its rate window).
    pub async fn recent_send_times(&self, chat_id: i64, limit: u32) -> Result<Vec<i64>> {
        sqlx::query_scalar("SELECT sent_at FROM deliveries WHERE chat_id = $1 AND sent_at IS NOT NULL ORDER BY sent_at DESC LIMIT $2")
            .bind(chat_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await.map_err(super::StoreError::from)
    }
}
