//! Keyword alerts: saved per chat, and matched against every new or corrected article in the
//! transaction that plans its deliveries.
//!
//! Matching never tests every alert. The article's tokens are looked up in `alert_terms` (the
//! alerts' triggers, see `domain::alert`), which yields the few alerts that could match; each
//! of those is then checked by the full-text index itself, with the expression /search would
//! run, against a one-row table holding the article as its partition holds it (`index::probe`).
//! So an alert finds exactly what /search finds.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Any, AssertSqlSafe, Transaction};

use super::index::{self, Entry, Partitions};
use super::{Backend, Result, Sql, Store};
use crate::domain::SearchQuery;

/// A chat's alert as /alerts lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    /// The alert's id.
    pub id: i64,
    /// The query as the chat typed it.
    pub query: String,
    /// Articles it has brought so far.
    pub matched: i64,
}

/// What saving an alert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertAdded {
    /// Saved; the chat now has this many.
    Added(usize),
    /// The chat already has this very query.
    Already,
    /// The chat has as many as it may.
    Full,
}

/// An alert that matched an article, and the chat it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(super) struct Match {
    pub alert_id: i64,
    pub chat_id: i64,
    pub query: String,
}

impl Store {
    /// Saves an alert for the chat unless it has `limit` already.
    pub async fn add_alert(
        &self,
        chat_id: i64,
        text: &str,
        query: &SearchQuery,
        limit: usize,
    ) -> Result<AlertAdded> {
        let (_turn, mut tx) = self.write().await?;
        let queries: Vec<String> =
            sqlx::query_scalar("SELECT query FROM alerts WHERE chat_id = $1")
                .bind(chat_id)
                .fetch_all(&mut *tx)
                .await?;
        if queries.iter().any(|q| q == text) {
            return Ok(AlertAdded::Already);
        }
        if queries.len() >= limit {
            return Ok(AlertAdded::Full);
        }
        insert(&mut tx, chat_id, text, query, self.clock.now_ms()).await?;
        tx.commit().await?;
        Ok(AlertAdded::Added(queries.len() + 1))
    }

    /// Saves many alerts in one transaction, with no limit (seeding, benchmarks). An alert a
    /// chat already has is skipped.
    pub async fn add_alerts(&self, alerts: &[(i64, String, SearchQuery)]) -> Result<()> {
        let (_turn, mut tx) = self.write().await?;
        let now = self.clock.now_ms();
        for (chat_id, text, query) in alerts {
            insert(&mut tx, *chat_id, text, query, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The chat's alerts, oldest first, with how many articles each brought.
    pub async fn alerts(&self, chat_id: i64) -> Result<Vec<AlertRecord>> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT a.id, a.query, (SELECT COUNT(*) FROM alert_matches m WHERE m.alert_id = a.id)
             FROM alerts a WHERE a.chat_id = $1 ORDER BY a.id",
        )
        .bind(chat_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, query, matched)| AlertRecord { id, query, matched })
            .collect())
    }

    /// Removes one of the chat's alerts; false if the chat has no such alert.
    pub async fn remove_alert(&self, chat_id: i64, alert_id: i64) -> Result<bool> {
        let _turn = self.turn().await;
        let done = sqlx::query("DELETE FROM alerts WHERE id = $1 AND chat_id = $2")
            .bind(alert_id)
            .bind(chat_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// An alert's terms: `$2` a JSON array of them.
const TERMS: Sql = Sql {
    sqlite: "INSERT OR IGNORE INTO alert_terms (term, alert_id) SELECT value, $1 FROM json_each($2)",
    postgres: "INSERT INTO alert_terms (term, alert_id)
        SELECT value, $1 FROM jsonb_array_elements_text($2::jsonb) AS j(value) ON CONFLICT DO NOTHING",
};

/// From an article's tokens (`$1`, a JSON array) to the alerts that have not matched article
/// `$2` yet (CROSS JOIN keeps SQLite to that order: one seek per token, never a pass over the
/// alerts).
const CANDIDATES: Sql = Sql {
    sqlite: "SELECT a.id AS alert_id, a.chat_id, a.query
         FROM (SELECT DISTINCT t.alert_id AS id FROM json_each($1) j
               CROSS JOIN alert_terms t ON t.term = j.value) c
         CROSS JOIN alerts a ON a.id = c.id
         WHERE NOT EXISTS (SELECT 1 FROM alert_matches m WHERE m.alert_id = a.id AND m.article_id = $2)",
    postgres: "SELECT a.id AS alert_id, a.chat_id, a.query
         FROM (SELECT DISTINCT t.alert_id AS id FROM jsonb_array_elements_text($1::jsonb) AS j(value)
               JOIN alert_terms t ON t.term = j.value) c
         JOIN alerts a ON a.id = c.id
         WHERE NOT EXISTS (SELECT 1 FROM alert_matches m WHERE m.alert_id = a.id AND m.article_id = $2)",
};

/// Alerts (`$1`, a JSON array of ids) recorded as matched by article `$2`.
const MATCHED: Sql = Sql {
    sqlite: "INSERT OR IGNORE INTO alert_matches (alert_id, article_id) SELECT value, $2 FROM json_each($1)",
    postgres: "INSERT INTO alert_matches (alert_id, article_id)
        SELECT value::bigint, $2 FROM jsonb_array_elements_text($1::jsonb) AS j(value) ON CONFLICT DO NOTHING",
};

async fn insert(
    tx: &mut Transaction<'_, Any>,
    chat_id: i64,
    text: &str,
    query: &SearchQuery,
    now_ms: i64,
) -> sqlx::Result<()> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO alerts (chat_id, query, created_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(chat_id)
    .bind(text)
    .bind(now_ms)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = id else { return Ok(()) };
    let triggers = serde_json::to_string(&query.triggers()).unwrap_or_else(|_| "[]".into());
    sqlx::query(TERMS.for_connection(tx))
        .bind(id)
        .bind(triggers)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The alerts article `id` matches as indexed in this transaction (`fresh`: partitions it
/// created) and had not matched before, recorded as matched. For a new article that is every
/// alert it matches; for a correction, those it starts matching.
pub(super) async fn matching(
    tx: &mut Transaction<'_, Any>,
    partitions: &Partitions,
    fresh: &BTreeSet<i64>,
    id: i64,
    entry: &Entry,
) -> sqlx::Result<Vec<Match>> {
    let version = index::version_of(partitions, fresh, id);
    let tokens = serde_json::to_string(&entry.triggers(version)).unwrap_or_else(|_| "[]".into());
    let candidates: Vec<Match> = sqlx::query_as(CANDIDATES.for_connection(tx))
        .bind(tokens)
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // Each candidate's query as /search would ask it of this partition, each distinct query
    // checked once (readers follow the same names). A query that no longer parses (the
    // language changed under a stored alert) matches nothing.
    let queries: BTreeSet<&str> = candidates.iter().map(|c| c.query.as_str()).collect();
    let postgres = Backend::of(tx) == Backend::Postgres;
    let checks: Vec<(&str, String)> = queries
        .into_iter()
        .filter_map(|text| {
            let query = SearchQuery::parse(text).ok()?;
            Some((
                text,
                if postgres {
                    query.to_tsquery()
                } else {
                    query.to_fts(version)
                },
            ))
        })
        .collect();
    let checks = serde_json::to_string(&checks).unwrap_or_else(|_| "[]".into());
    let matched: Vec<String> = if postgres {
        // The article's document, stored by this transaction, against each query.
        sqlx::query_scalar(
            "SELECT c.value->>0 FROM jsonb_array_elements($1::jsonb) AS c(value)
             WHERE (SELECT doc FROM article_docs WHERE article_id = $2) @@ CAST(c.value->>1 AS tsquery)",
        )
        .bind(checks)
        .bind(id)
        .fetch_all(&mut **tx)
        .await?
    } else {
        let probe = index::probe(tx, version, entry).await?;
        sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT json_extract(c.value, '$[0]') FROM json_each($1) c
             WHERE EXISTS (SELECT 1 FROM temp.{probe} WHERE {probe} MATCH json_extract(c.value, '$[1]'))"
        )))
        .bind(checks)
        .fetch_all(&mut **tx)
        .await?
    };
    let matched: BTreeSet<String> = matched.into_iter().collect();
    let found: Vec<Match> = candidates
        .into_iter()
        .filter(|c| matched.contains(&c.query))
        .collect();
    let ids: Vec<i64> = found.iter().map(|m| m.alert_id).collect();
    sqlx::query(MATCHED.for_connection(tx))
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(found)
}

/// The alerts that brought article `id`'s translation partner to chats, so the story reaches
/// them in their language as it reached them in the other.
async fn partner_matches(tx: &mut Transaction<'_, Any>, id: i64) -> sqlx::Result<Vec<Match>> {
    sqlx::query_as(
        "SELECT a.id AS alert_id, a.chat_id, a.query FROM alert_matches m JOIN alerts a ON a.id = m.alert_id
         WHERE m.article_id = (SELECT pair_id FROM articles WHERE id = $1)",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await
}

/// The chats a newly published article goes to for their alerts, each with the queries that
/// brought it: the alerts it matches, and those that brought its translation partner.
pub(super) async fn brought(
    tx: &mut Transaction<'_, Any>,
    partitions: &Partitions,
    fresh: &BTreeSet<i64>,
    id: i64,
    entry: &Entry,
) -> sqlx::Result<Vec<(i64, String)>> {
    let mut found = matching(tx, partitions, fresh, id, entry).await?;
    found.extend(partner_matches(tx, id).await?);
    Ok(per_chat(&found))
}

/// One line per chat: the chat and the queries that matched there, joined (a chat gets one
/// copy however many of its alerts match).
pub(super) fn per_chat(matches: &[Match]) -> Vec<(i64, String)> {
    let mut chats: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for m in matches {
        let queries = chats.entry(m.chat_id).or_default();
        if !queries.contains(&m.query.as_str()) {
            queries.push(&m.query);
        }
    }
    chats
        .into_iter()
        .map(|(chat, queries)| (chat, queries.join(" · ")))
        .collect()
}
