//! The engine's claim on the outbox: which deliveries may go now, and taking them.
//!
//! Every statement here runs for every message sent, so each is an index seek whatever the
//! queue's length (`deliveries_pick` is `(platform, lane, not_before, id) WHERE state =
//! 'pending'`); `tests` checks their query plans. A chat that must wait has its queued rows'
//! `not_before` raised to its wait, so such rows are never visited before they are due.

use std::sync::LazyLock;

use super::deliveries::job_from_row;
use super::{Backend, Job, Result, Sql, Store};
use crate::domain::Platform;

/// The lanes, in the order they are served.
const LANES: [i64; 4] = [0, 1, 2, 3];

/// How many candidates a pick reads per lane: a few more than it may take (the chat of one
/// may have a copy in flight), from the smallest size that covers `room`. Every row read costs
/// page reads (WAL mode starts each connection's read cold after another one wrote), so a
/// pick at 30 messages a second reads two, not thirty.
const SIZES: [usize; 3] = [2, 8, 34];

/// One lane's due rows of one platform (`$2`), oldest due first: to an active, unpaused chat
/// whose own wait has passed and which has nothing in flight. `CROSS JOIN` keeps SQLite from
/// driving the query from `chats` (whose platform index would make it sort the whole queue).
fn lane(lane: i64, private_only: bool, size: usize) -> String {
    let private = if private_only {
        "AND c.kind = 'private'"
    } else {
        ""
    };
    format!(
        "SELECT * FROM (SELECT d.id FROM deliveries d CROSS JOIN chats c ON c.id = d.chat_id
           WHERE d.state = 'pending' AND d.platform = $2 AND d.lane = {lane} AND d.not_before <= $1
             AND c.active = 1 AND c.paused = 0 AND c.send_after <= $1 {private}
             AND NOT EXISTS (SELECT 1 FROM deliveries s WHERE s.chat_id = d.chat_id AND s.state = 'sending')
           ORDER BY d.not_before, d.id LIMIT {size}) AS due"
    )
}

/// The pick from lane `min_lane` on: each lane's candidates, then their whole rows (and, for
/// a change to a copy, the copy's ids, unless that copy is itself in flight; for an article,
/// its revision, so the engine knows whether the copy it holds is current). Lanes and the
/// private-only filter are written into the text, not bound: SQLite re-prepares a statement
/// whenever a parameter it folded as a constant changes, and this one runs for every send.
fn pick_sql(min_lane: i64, private_only: bool, size: usize) -> String {
    let arms: Vec<String> = LANES
        .iter()
        .filter(|l| **l >= min_lane)
        .map(|l| lane(*l, private_only, size))
        .collect();
    format!(
        "WITH k(id) AS ({})
         SELECT d.id, d.action, d.article_id, d.target_id, d.attempts, d.lane, d.chat_id, d.digest_articles,
                d.payload, d.created_at, d.message_ids, d.not_before,
                c.platform, c.native_id, c.kind, c.language, c.time_zone, t.message_ids AS target_message_ids,
                a.revision AS article_revision, COALESCE(d.alert, t.alert) AS alert
         FROM k CROSS JOIN deliveries d ON d.id = k.id CROSS JOIN chats c ON c.id = d.chat_id
         LEFT JOIN deliveries t ON t.id = d.target_id LEFT JOIN articles a ON a.id = d.article_id
         WHERE t.id IS NULL OR t.state <> 'sending'",
        arms.join(" UNION ALL ")
    )
}

/// Every variant of the pick: `[min_lane][private_only][size]`.
pub(super) static PICK: LazyLock<Vec<[Vec<String>; 2]>> = LazyLock::new(|| {
    let sizes = |l: i64, private: bool| SIZES.iter().map(|n| pick_sql(l, private, *n)).collect();
    LANES
        .iter()
        .map(|l| [sizes(*l, false), sizes(*l, true)])
        .collect()
});

/// The same on PostgreSQL, which plans joins itself and has no `CROSS JOIN … ON`.
static PICK_PG: LazyLock<Vec<[Vec<String>; 2]>> = LazyLock::new(|| {
    PICK.iter()
        .map(|variants| {
            variants.clone().map(|sizes| {
                sizes
                    .iter()
                    .map(|s| s.replace("CROSS JOIN", "JOIN"))
                    .collect()
            })
        })
        .collect()
});

/// When the first queued row of one platform (`$1`) is due, over every lane (an index seek
/// per lane), for the engine to sleep until; NULL with nothing queued.
pub(super) static FIRST_DUE: LazyLock<String> = LazyLock::new(|| {
    let lanes: Vec<String> = LANES
        .iter()
        .map(|lane| {
            format!(
                "SELECT (SELECT not_before FROM deliveries
                   WHERE state = 'pending' AND platform = $1 AND lane = {lane}
                     AND not_before < 9223372036854775807
                   ORDER BY not_before LIMIT 1) AS due"
            )
        })
        .collect();
    format!(
        "SELECT MIN(due) FROM ({}) AS lanes",
        lanes.join(" UNION ALL ")
    )
});

/// Taking deliveries for sending, all in one statement: `$1` is a JSON array of `[id, paid,
/// chat_next]`, `$3` this process ([`Store::process_name`]), which alone may then put the row
/// back or give up on it. The trigger `deliveries_lease_holds_chat` holds each chat until its
/// `chat_next` ([`HOLD_CHAT`]). Returns the ids taken (a row cancelled meanwhile is not).
pub(super) const LEASE: Sql = Sql {
    sqlite: "UPDATE deliveries AS d SET state = 'sending', lease_until = $2, lease_holder = $3,
       paid = json_extract(l.value, '$[1]'), chat_next = json_extract(l.value, '$[2]')
     FROM json_each($1) AS l
     WHERE d.id = json_extract(l.value, '$[0]') AND d.state = 'pending'
     RETURNING id",
    postgres: "UPDATE deliveries AS d SET state = 'sending', lease_until = $2, lease_holder = $3,
       paid = (l.value->>1)::bigint, chat_next = (l.value->>2)::bigint
     FROM jsonb_array_elements($1::jsonb) AS l(value)
     WHERE d.id = (l.value->>0)::bigint AND d.state = 'pending'
     RETURNING d.id",
};

/// Marking deliveries sent, all in one statement: `$1` is a JSON array of `[id, sent_at,
/// message_ids or null, version or null]`.
pub(super) const SENT: Sql = Sql {
    sqlite: "UPDATE deliveries AS d SET state = 'sent',
       sent_at = json_extract(l.value, '$[1]'), lease_until = NULL, lease_holder = NULL, last_error = NULL,
       message_ids = COALESCE(json_extract(l.value, '$[2]'), d.message_ids),
       sent_version = COALESCE(json_extract(l.value, '$[3]'), d.sent_version)
     FROM json_each($1) AS l
     WHERE d.id = json_extract(l.value, '$[0]')",
    postgres: "UPDATE deliveries AS d SET state = 'sent',
       sent_at = (l.value->>1)::bigint, lease_until = NULL, lease_holder = NULL, last_error = NULL,
       message_ids = COALESCE(l.value->>2, d.message_ids),
       sent_version = COALESCE((l.value->>3)::bigint, d.sent_version)
     FROM jsonb_array_elements($1::jsonb) AS l(value)
     WHERE d.id = (l.value->>0)::bigint",
};

/// A chat's wait (its rate limit, a retry_after, a backoff). The trigger
/// `chats_wait_holds_rows` raises the chat's queued rows' due time with it ([`HOLD_ROWS`]).
pub(super) const HOLD_CHAT: &str =
    "UPDATE chats SET send_after = MAX(send_after, $2) WHERE id = $1";

/// Many chats' waits in one statement: `$1` is a JSON array of `[chat_id, send_after]`.
pub(super) const HOLD_CHATS: Sql = Sql {
    sqlite: "UPDATE chats AS c SET send_after = MAX(c.send_after, json_extract(l.value, '$[1]'))
     FROM json_each($1) AS l WHERE c.id = json_extract(l.value, '$[0]')",
    postgres: "UPDATE chats AS c SET send_after = MAX(c.send_after, (l.value->>1)::bigint)
     FROM jsonb_array_elements($1::jsonb) AS l(value) WHERE c.id = (l.value->>0)::bigint",
};

/// What the trigger runs (here for the query-plan test).
#[cfg(test)]
const HOLD_ROWS: &str = "UPDATE deliveries SET not_before = MAX(not_before, $2)
     WHERE chat_id = $1 AND state = 'pending'";

/// A lease later than this (ms) after its send was decided moves the chats' holds.
const LATE_MS: i64 = 2;

/// A send the platform acknowledged, waiting to be recorded with others in one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The delivery.
    pub id: i64,
    /// When the platform answered (ms since the epoch).
    pub at: i64,
    /// The ids of the messages it made, if it made any (an edit or a removal did not).
    pub message_ids: Option<Vec<String>>,
    /// The article version the copy shows, for a send of an article.
    pub version: Option<i64>,
}

/// A delivery the engine takes: the chat waits until `chat_next` (its rate limit).
#[derive(Debug, Clone, Copy)]
pub struct Lease {
    /// The delivery.
    pub id: i64,
    /// Its chat.
    pub chat_id: i64,
    /// When the chat may be sent to next.
    pub chat_next: i64,
    /// Taken as a paid broadcast.
    pub paid: bool,
}

impl Store {
    /// Deliveries of `platform` that may go now, best lane first (from `min_lane`), oldest due
    /// first within a lane, enough per lane for `room` sends; private chats only with
    /// `private_only`.
    pub async fn ready_deliveries(
        &self,
        now_ms: i64,
        platform: Platform,
        min_lane: i64,
        private_only: bool,
        room: usize,
    ) -> Result<Vec<Job>> {
        let lane = min_lane.clamp(0, 3) as usize;
        let size = SIZES
            .iter()
            .position(|n| *n > room)
            .unwrap_or(SIZES.len() - 1);
        let picks = match self.backend() {
            Backend::Sqlite => &PICK,
            Backend::Postgres => &PICK_PG,
        };
        let sql = picks
            .get(lane)
            .and_then(|variants| variants[usize::from(private_only)].get(size))
            .map_or("", String::as_str);
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now_ms)
            .bind(platform.as_str())
            .fetch_all(&self.pool)
            .await?;
        let mut jobs = rows
            .iter()
            .map(job_from_row)
            .collect::<sqlx::Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.lane, j.due, j.id));
        Ok(jobs)
    }

    /// Records sends the platform acknowledged (`sent`) and takes new deliveries for sending
    /// (`leases`), in one write transaction of one statement each: a message costs the
    /// outbox a share of one commit, not two of its own. Leases hold each one's chat until its
    /// `chat_next`. They were chosen at `decided_at`; when the write lock kept them waiting (a
    /// chunk of planning), the holds move by the wait, which is returned so the pacer can move
    /// its records too. Returns the ids taken (a row cancelled meanwhile is not) and the wait
    /// (ms).
    pub async fn settle_and_lease(
        &self,
        sent: &[Sent],
        leases: &[Lease],
        decided_at: i64,
        lease_for_ms: i64,
    ) -> Result<(Vec<i64>, i64)> {
        if sent.is_empty() && leases.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let (_turn, mut tx) = self.write().await?;
        if !sent.is_empty() {
            let rows: Vec<_> = sent
                .iter()
                .map(|s| serde_json::json!([s.id, s.at, s.message_ids, s.version]))
                .collect();
            sqlx::query(SENT.on(self.backend()))
                .bind(serde_json::Value::Array(rows).to_string())
                .execute(&mut *tx)
                .await?;
        }
        let mut taken: Vec<i64> = Vec::new();
        if !leases.is_empty() {
            let rows: Vec<_> = leases
                .iter()
                .map(|l| serde_json::json!([l.id, i64::from(l.paid), l.chat_next]))
                .collect();
            taken = sqlx::query_scalar(LEASE.on(self.backend()))
                .bind(serde_json::Value::Array(rows).to_string())
                .bind(decided_at + lease_for_ms)
                .bind(self.process_name())
                .fetch_all(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        // The sends leave after the commit (which may have run a WAL checkpoint), so lateness
        // is measured here; the holds may follow the commit, as the chats have a send in
        // flight and are offered to no pick until it is recorded.
        let late = (self.clock.now_ms() - decided_at).max(0);
        if !taken.is_empty() && late > LATE_MS {
            let rows: Vec<_> = leases
                .iter()
                .filter(|l| taken.contains(&l.id))
                .map(|l| serde_json::json!([l.chat_id, l.chat_next + late]))
                .collect();
            sqlx::query(HOLD_CHATS.on(self.backend()))
                .bind(serde_json::Value::Array(rows).to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok((taken, late))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    /// The query plan's lines for `sql` with `params` placeholders.
    async fn plan(store: &Store, sql: &str, params: usize) -> sqlx::Result<Vec<String>> {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(explain));
        for n in 0..params {
            query = query.bind(n as i64);
        }
        let rows = query.fetch_all(&store.pool).await?;
        Ok(rows.into_iter().map(|(_, _, _, detail)| detail).collect())
    }

    /// A scan of the outbox or the chats, by any name the statements give them (a scan of
    /// the partial index of chats taking digests reads only those).
    fn scans(plan: &[String]) -> Vec<&String> {
        plan.iter()
            .filter(|line| !line.ends_with("USING INDEX chats_scheduled"))
            .filter(|line| {
                let Some(table) = line.strip_prefix("SCAN ") else {
                    return false;
                };
                let table = table.split_whitespace().next().unwrap_or("");
                ["deliveries", "chats", "d", "s", "t", "c"].contains(&table)
            })
            .collect()
    }

    #[tokio::test]
    async fn every_statement_the_engine_runs_seeks_an_index_and_never_scans_the_outbox()
    -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("plan.db"), Clock::system()).await?;
        let statements: [(&str, &str, usize); 11] = [
            ("digest tick", super::super::digests::SCHEDULED_CHATS, 0),
            ("pick", PICK[0][0][0].as_str(), 2),
            ("pick without replies", PICK[1][0][1].as_str(), 2),
            ("pick of private chats", PICK[1][1][2].as_str(), 2),
            ("pick of broadcasts", PICK[2][0][0].as_str(), 2),
            ("lease", LEASE.sqlite, 3),
            ("hold chat", HOLD_CHAT, 2),
            ("hold chats", HOLD_CHATS.sqlite, 1),
            ("hold rows", HOLD_ROWS, 2),
            ("mark sent", SENT.sqlite, 1),
            ("next due", FIRST_DUE.as_str(), 1),
        ];
        for (name, sql, params) in statements {
            let plan = plan(&store, sql, params).await?;
            assert!(scans(&plan).is_empty(), "{name} scans: {plan:#?}");
            assert!(
                plan.iter()
                    .any(|l| l.starts_with("SEARCH") || l.contains("USING INDEX")),
                "{name} seeks nothing: {plan:#?}"
            );
        }
        let pick = plan(&store, PICK[0][0][0].as_str(), 2).await?;
        assert!(
            pick.iter()
                .filter(|l| l.contains("USING INDEX deliveries_pick"))
                .count()
                >= 4,
            "each lane seeks the pick index: {pick:#?}"
        );
        Ok(())
    }
}
