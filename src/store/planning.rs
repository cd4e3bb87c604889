//! Planning deliveries: one row per chat that must receive, change or lose a copy, written in
//! the transaction of the article change that causes it, so no change is ever stored without
//! its deliveries.
//!
//! Sends are planned in chunks of chats ([`CHUNK`] chat ids each): the publishing transaction
//! plans the first chunk and leaves a cursor in `plans`; [`Store::plan_chunk`] plans the next
//! one, each in a transaction of its own. SQLite has one writer, and planning a million chats
//! in one transaction would keep every reply and every settle waiting for seconds.

use sqlx::{Any, Transaction};

use super::{LANE_CORRECTION, Result, Sql, Store};

/// Chat ids planned per transaction: some 40 ms of writing, so a send's lease or a command's
/// reply never waits long for SQLite's one write lock (they take turns, see `Store::turn`).
pub const CHUNK: i64 = 10_000;

/// What one planning step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    /// Deliveries planned by this step.
    pub rows: u64,
    /// Every chat is planned (or the article no longer needs it).
    pub done: bool,
}

/// Starts planning an article's sends: cancels unsent copies its translation replaces, plans a
/// copy for each chat an alert brings it to (`alerts`: chat and the queries that matched),
/// leaves a cursor over the chats known now and plans the first chunk of them.
pub(super) async fn plan_sends(
    tx: &mut Transaction<'_, Any>,
    article_id: i64,
    lane: i64,
    now_ms: i64,
    alerts: &[(i64, String)],
) -> sqlx::Result<Planned> {
    // A translation replaces the unsent copies of its partner in chats of its language…
    sqlx::query(
        "UPDATE deliveries SET state = 'cancelled', last_error = 'replaced by its translation #' || $1
         WHERE action = 'send' AND state IN ('pending', 'held')
           AND article_id = (SELECT pair_id FROM articles WHERE id = $1)
           AND EXISTS (SELECT 1 FROM chats c WHERE c.id = chat_id
                AND c.language = (SELECT language FROM articles WHERE id = $1))",
    )
    .bind(article_id)
    .execute(&mut **tx)
    .await?;
    // Before the subscriptions: a chat both subscribed and alerted gets the one copy, and it
    // says which alert brought it.
    let by_alerts = plan_alert_sends(tx, article_id, lane, now_ms, alerts).await?;
    sqlx::query(
        "INSERT INTO plans (article_id, lane, next_chat, last_chat, created_at)
         SELECT $1, $2, 0, COALESCE(MAX(id), 0), $3 FROM chats",
    )
    .bind(article_id)
    .bind(lane)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    let first = chunk(tx, article_id).await?;
    Ok(Planned {
        rows: first.rows + by_alerts,
        ..first
    })
}

/// Plans a copy of the article for each chat an alert brings it to (`alerts`: chat and the
/// queries that matched there), as a subscription would: held for digests, after the chat's
/// wait, never a second copy, never where its translation partner went. Returns the rows
/// planned.
/// The copies alerts bring: `$4` a JSON array of `[chat_id, queries]`.
const ALERT_SENDS: Sql = Sql {
    sqlite: "INSERT OR IGNORE INTO deliveries (chat_id, platform, article_id, action, lane, state, not_before, created_at, alert)
         SELECT c.id, c.platform, $1, 'send', $2, CASE c.delivery_mode WHEN 'instant' THEN 'pending' ELSE 'held' END,
                CASE c.paused WHEN 1 THEN 9223372036854775807 ELSE MAX($3, c.send_after) END, $3,
                json_extract(m.value, '$[1]')
         FROM json_each($4) m CROSS JOIN chats c ON c.id = json_extract(m.value, '$[0]')
         WHERE c.active = 1
           AND EXISTS (SELECT 1 FROM articles a WHERE a.id = $1 AND a.retracted_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.action = 'send' AND p.chat_id = c.id
                AND p.article_id = (SELECT pair_id FROM articles WHERE id = $1) AND p.state <> 'cancelled')",
    postgres: "INSERT INTO deliveries (chat_id, platform, article_id, action, lane, state, not_before, created_at, alert)
         SELECT c.id, c.platform, $1, 'send', $2, CASE c.delivery_mode WHEN 'instant' THEN 'pending' ELSE 'held' END,
                CASE c.paused WHEN 1 THEN 9223372036854775807 ELSE MAX($3, c.send_after) END, $3,
                m.value->>1
         FROM jsonb_array_elements($4::jsonb) AS m(value) JOIN chats c ON c.id = (m.value->>0)::bigint
         WHERE c.active = 1
           AND EXISTS (SELECT 1 FROM articles a WHERE a.id = $1 AND a.retracted_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.action = 'send' AND p.chat_id = c.id
                AND p.article_id = (SELECT pair_id FROM articles WHERE id = $1) AND p.state <> 'cancelled')
         ON CONFLICT DO NOTHING",
};

pub(super) async fn plan_alert_sends(
    tx: &mut Transaction<'_, Any>,
    article_id: i64,
    lane: i64,
    now_ms: i64,
    alerts: &[(i64, String)],
) -> sqlx::Result<u64> {
    if alerts.is_empty() {
        return Ok(0);
    }
    let done = sqlx::query(ALERT_SENDS.for_connection(tx))
        .bind(article_id)
        .bind(lane)
        .bind(now_ms)
        .bind(serde_json::to_string(alerts).unwrap_or_else(|_| "[]".into()))
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// Plans the next chunk of an article's sends and moves its cursor.
async fn chunk(tx: &mut Transaction<'_, Any>, article_id: i64) -> sqlx::Result<Planned> {
    let plan: Option<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT lane, next_chat, last_chat, created_at FROM plans WHERE article_id = $1",
    )
    .bind(article_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((lane, from, last, created_at)) = plan else {
        return Ok(Planned {
            rows: 0,
            done: true,
        });
    };
    let to = from.saturating_add(CHUNK);
    // One send per subscribed, active chat of the range (all news, or one of the article's
    // topics); chats taking digests get a `held` row. The translation of a story goes to no
    // chat that has a copy of its partner: one story, one message per chat. A retracted article
    // plans nothing more.
    let done = sqlx::query(
        "INSERT INTO deliveries (chat_id, platform, article_id, action, lane, state, not_before, created_at)
         SELECT c.id, c.platform, $1, 'send', $2, CASE c.delivery_mode WHEN 'instant' THEN 'pending' ELSE 'held' END,
                CASE c.paused WHEN 1 THEN 9223372036854775807 ELSE MAX($5, c.send_after) END, $5
         FROM chats c
         WHERE c.id >= $3 AND c.id < $4 AND c.active = 1
           AND EXISTS (SELECT 1 FROM articles a WHERE a.id = $1 AND a.retracted_at IS NULL)
           AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.chat_id = c.id AND (s.topic_id IS NULL
                OR s.topic_id IN (SELECT topic_id FROM article_topics WHERE article_id = $1)))
           AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.action = 'send' AND p.chat_id = c.id
                AND p.article_id = (SELECT pair_id FROM articles WHERE id = $1) AND p.state <> 'cancelled')
         ON CONFLICT DO NOTHING",
    )
    .bind(article_id)
    .bind(lane)
    .bind(from)
    .bind(to)
    .bind(created_at)
    .execute(&mut **tx)
    .await?;
    let finished = to > last;
    if finished {
        sqlx::query("DELETE FROM plans WHERE article_id = $1")
            .bind(article_id)
            .execute(&mut **tx)
            .await?;
    } else {
        sqlx::query("UPDATE plans SET next_chat = $2 WHERE article_id = $1")
            .bind(article_id)
            .bind(to)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Planned {
        rows: done.rows_affected(),
        done: finished,
    })
}

/// Plans an edit of every copy already sent or being sent; copies not yet sent will carry the
/// new text anyway. One pending edit per copy is enough: it renders the newest version.
pub(super) async fn plan_edits(
    tx: &mut Transaction<'_, Any>,
    article_id: i64,
    now_ms: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "INSERT INTO deliveries (chat_id, platform, article_id, action, target_id, lane, state, not_before, created_at)
         SELECT d.chat_id, d.platform, d.article_id, 'edit', d.id, $2, 'pending', (SELECT CASE c.paused WHEN 1 THEN 9223372036854775807 ELSE MAX($3, c.send_after) END
                FROM chats c WHERE c.id = d.chat_id), $3 FROM deliveries d
         WHERE d.article_id = $1 AND d.action = 'send'
           AND (d.state IN ('sent', 'sending') OR d.message_ids IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.target_id = d.id AND e.action = 'edit'
                           AND e.state IN ('pending', 'sending'))",
    )
    .bind(article_id)
    .bind(LANE_CORRECTION)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Stops planning, cancels copies not yet sent and plans the removal of every copy sent or
/// being sent.
pub(super) async fn plan_retraction(
    tx: &mut Transaction<'_, Any>,
    article_id: i64,
    now_ms: i64,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM plans WHERE article_id = $1")
        .bind(article_id)
        .execute(&mut **tx)
        .await?;
    // Copies partly sent (some parts arrived) are removed like sent ones.
    let done = sqlx::query(
        "INSERT INTO deliveries (chat_id, platform, article_id, action, target_id, lane, state, not_before, created_at)
         SELECT d.chat_id, d.platform, d.article_id, 'delete', d.id, $2, 'pending', (SELECT CASE c.paused WHEN 1 THEN 9223372036854775807 ELSE MAX($3, c.send_after) END
                FROM chats c WHERE c.id = d.chat_id), $3 FROM deliveries d
         WHERE d.article_id = $1 AND d.action = 'send'
           AND (d.state IN ('sent', 'sending') OR (d.state IN ('pending', 'held') AND d.message_ids IS NOT NULL))",
    )
    .bind(article_id)
    .bind(LANE_CORRECTION)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    // Two statements, so each finds its rows through its own index.
    sqlx::query(
        "UPDATE deliveries SET state = 'cancelled', last_error = 'retracted before delivery'
         WHERE article_id = $1 AND action = 'send' AND state IN ('pending', 'held')",
    )
    .bind(article_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE deliveries SET state = 'cancelled', last_error = 'retracted before delivery'
         WHERE article_id = $1 AND action <> 'send' AND action = 'edit' AND state IN ('pending', 'held')",
    )
    .bind(article_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

impl Store {
    /// Plans the next chunk of chats for an article still being planned.
    pub async fn plan_chunk(&self, article_id: i64) -> Result<Planned> {
        let (_turn, mut tx) = self.write().await?;
        let planned = chunk(&mut tx, article_id).await?;
        tx.commit().await?;
        Ok(planned)
    }

    /// Articles still being planned, oldest first, with their publication time (ms).
    pub async fn unfinished_plans(&self) -> Result<Vec<(i64, i64)>> {
        Ok(
            sqlx::query_as("SELECT article_id, created_at FROM plans ORDER BY article_id")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::domain::Language;
    use crate::store::{NewArticle, Retraction};

    /// A store with subscribed private chats under the given ids (ids far apart put them in
    /// different chunks).
    async fn store_with_chats(dir: &std::path::Path, ids: &[i64]) -> anyhow::Result<Store> {
        let store = Store::open(&dir.join("plan.db"), Clock::system()).await?;
        for id in ids {
            sqlx::query(
                "INSERT INTO chats (id, platform, native_id, kind, language, time_zone, created_at)
                 VALUES ($1, 'telegram', $1, 'private', 'en', 'UTC', '')",
            )
            .bind(id)
            .execute(&store.pool)
            .await?;
            store.subscribe(*id, None).await?;
        }
        Ok(store)
    }

    async fn sends(store: &Store, article: i64) -> anyhow::Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT chat_id FROM deliveries WHERE article_id = $1 AND action = 'send' AND state = 'pending' ORDER BY chat_id",
        )
        .bind(article)
        .fetch_all(&store.pool)
        .await?)
    }

    fn article() -> NewArticle {
        NewArticle::text(
            "Budget approved",
            "The council voted.",
            Language::En,
            vec![],
            chrono::Utc::now(),
        )
    }

    #[tokio::test]
    async fn an_article_for_more_chats_than_a_chunk_is_planned_chunk_by_chunk_across_a_restart()
    -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let chats = [5, CHUNK + 5, 2 * CHUNK + 5];
        let store = store_with_chats(dir.path(), &chats).await?;
        let (id, first) = store.insert_article(&article(), 1_000).await?;
        assert_eq!(
            first,
            Planned {
                rows: 1,
                done: false
            }
        );
        assert_eq!(
            sends(&store, id).await?,
            [5],
            "the first chunk goes with the article"
        );
        store.close().await;
        let store = Store::open(&dir.path().join("plan.db"), Clock::system()).await?;
        assert_eq!(store.unfinished_plans().await?, [(id, 1_000)]);
        assert_eq!(
            store.plan_chunk(id).await?,
            Planned {
                rows: 1,
                done: false
            }
        );
        assert_eq!(
            store.plan_chunk(id).await?,
            Planned {
                rows: 1,
                done: true
            }
        );
        assert_eq!(sends(&store, id).await?, chats, "every chat once");
        assert!(store.unfinished_plans().await?.is_empty());
        Ok(())
    }

    #[tokio::test]
    async fn a_retraction_while_planning_stops_the_planning() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = store_with_chats(dir.path(), &[5, CHUNK + 5]).await?;
        let (id, _) = store.insert_article(&article(), 1_000).await?;
        assert_eq!(
            store.retract_article(id, "wrong figures", 2_000).await?,
            Retraction::Retracted
        );
        assert!(store.unfinished_plans().await?.is_empty());
        assert_eq!(
            store.plan_chunk(id).await?,
            Planned {
                rows: 0,
                done: true
            }
        );
        assert!(
            sends(&store, id).await?.is_empty(),
            "no copy is left to send"
        );
        Ok(())
    }
}
