//! Feed sources and their polling state.

use sqlx::Row;

use super::Result;
use super::Store;
use super::stamp::Stamp;
use crate::domain::Language;

/// A feed herald polls, with what it learned at the last poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    /// Its id, as /source commands name it.
    pub id: i64,
    /// The feed's URL.
    pub url: String,
    /// The feed's title (from the feed, once polled).
    pub title: String,
    /// Topic slugs every item gets.
    pub topics: Vec<String>,
    /// The language of its items, when the feed does not say.
    pub language: Option<Language>,
    /// The legal label its items carry.
    pub label: Option<String>,
    /// Seconds between polls (adapted to how often it publishes).
    pub interval_s: i64,
    /// A moderator paused it.
    pub paused: bool,
    /// The last ETag, for a conditional GET.
    pub etag: Option<String>,
    /// The last Last-Modified, for a conditional GET.
    pub last_modified: Option<String>,
    /// When it is polled next, ms since the epoch.
    pub next_fetch_at: i64,
    /// When it last had a new item.
    pub last_new_at: Option<i64>,
    /// Polls failed in a row (backoff and moderators' notice).
    pub failures: i64,
    /// The last poll's outcome, as /source list shows it.
    pub status: String,
    /// Polled once: its backlog was archived without pushing it.
    pub primed: bool,
}

fn source_from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<SourceRecord> {
    let topics: String = row.try_get("topics")?;
    let language: Option<String> = row.try_get("language")?;
    Ok(SourceRecord {
        id: row.try_get("id")?,
        url: row.try_get("url")?,
        title: row.try_get("title")?,
        topics: topics.split_whitespace().map(String::from).collect(),
        language: language.as_deref().and_then(Language::parse),
        label: row.try_get("label")?,
        interval_s: row.try_get("interval_s")?,
        paused: row.try_get::<i64, _>("paused")? != 0,
        etag: row.try_get("etag")?,
        last_modified: row.try_get("last_modified")?,
        next_fetch_at: row.try_get("next_fetch_at")?,
        last_new_at: row.try_get("last_new_at")?,
        failures: row.try_get("failures")?,
        status: row.try_get("status")?,
        primed: row.try_get::<i64, _>("primed")? != 0,
    })
}

/// The columns `source_from_row` reads (a macro, so queries stay static strings).
macro_rules! columns {
    () => {
        "id, url, title, topics, language, label, interval_s, paused, etag, last_modified,
         next_fetch_at, last_new_at, failures, status, primed"
    };
}

/// A source as a moderator adds it.
pub struct NewSource<'a> {
    /// The feed's URL, already checked.
    pub url: &'a str,
    /// A title until the feed gives its own.
    pub title: &'a str,
    /// Topic slugs every item gets.
    pub topics: &'a [String],
    /// The language of its items, when the feed does not say.
    pub language: Option<Language>,
    /// Seconds between polls to start with.
    pub interval_s: i64,
}

/// What one poll found, to record.
pub struct Polled<'a> {
    /// The outcome, as /source list shows it.
    pub status: &'a str,
    /// The ETag answered, for the next conditional GET.
    pub etag: Option<&'a str>,
    /// The Last-Modified answered, for the next conditional GET.
    pub last_modified: Option<&'a str>,
    /// The feed's title, if it has one.
    pub title: Option<&'a str>,
    /// Seconds until the poll after next.
    pub interval_s: i64,
    /// When the next poll is due, ms since the epoch.
    pub next_fetch_at: i64,
    /// Whether anything new was found.
    pub found_new: bool,
    /// When this poll happened, ms since the epoch.
    pub now_ms: i64,
}

impl Store {
    /// Adds a source; `None` if its URL is already one.
    pub async fn add_source(&self, source: NewSource<'_>) -> Result<Option<SourceRecord>> {
        let _turn = self.turn().await;
        let row = sqlx::query(concat!(
            "INSERT INTO sources (url, title, topics, language, interval_s, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (url) DO NOTHING RETURNING ",
            columns!(),
            ""
        ))
        .bind(source.url)
        .bind(source.title)
        .bind(source.topics.join(" "))
        .bind(source.language.map(|l| l.code()))
        .bind(source.interval_s)
        .bind(Stamp(self.clock.now()))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(source_from_row)
            .transpose()
            .map_err(super::StoreError::from)
    }

    /// Every source, as /source list shows them.
    pub async fn sources(&self) -> Result<Vec<SourceRecord>> {
        let rows = sqlx::query(concat!("SELECT ", columns!(), " FROM sources ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(source_from_row)
            .collect::<sqlx::Result<_>>()
            .map_err(super::StoreError::from)
    }

    /// A source by its id or its URL.
    pub async fn source(&self, reference: &str) -> Result<Option<SourceRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM sources WHERE url = $1 OR CAST(id AS TEXT) = $1"
        ))
        .bind(reference.trim_start_matches('#'))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(source_from_row)
            .transpose()
            .map_err(super::StoreError::from)
    }

    /// Sources due for a poll, oldest due first.
    pub async fn due_sources(&self, now_ms: i64, limit: u32) -> Result<Vec<SourceRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM sources WHERE paused = 0 AND next_fetch_at <= $1
             ORDER BY next_fetch_at LIMIT $2"
        ))
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(source_from_row)
            .collect::<sqlx::Result<_>>()
            .map_err(super::StoreError::from)
    }

    /// Claims a due source for one poll: its next poll moves to `until_ms`, so no other
    /// process polls it meanwhile, and should this one die mid-poll the source falls due again
    /// then. False when it is no longer due (another process claimed it since it was read).
    pub async fn claim_source(&self, id: i64, now_ms: i64, until_ms: i64) -> Result<bool> {
        let _turn = self.turn().await;
        let done = sqlx::query(
            "UPDATE sources SET next_fetch_at = $3 WHERE id = $1 AND paused = 0 AND next_fetch_at <= $2",
        )
        .bind(id)
        .bind(now_ms)
        .bind(until_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// When the next source is due (ms), if any is active.
    pub async fn next_source_due(&self) -> Result<Option<i64>> {
        sqlx::query_scalar("SELECT MIN(next_fetch_at) FROM sources WHERE paused = 0")
            .fetch_one(&self.pool)
            .await
            .map_err(super::StoreError::from)
    }

    /// Removes a source; its articles stay in the archive.
    pub async fn remove_source(&self, id: i64) -> Result<bool> {
        let _turn = self.turn().await;
        let done = sqlx::query("DELETE FROM sources WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Pauses or resumes polling a source.
    pub async fn set_source_paused(&self, id: i64, paused: bool) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query("UPDATE sources SET paused = $2, next_fetch_at = 0 WHERE id = $1")
            .bind(id)
            .bind(i64::from(paused))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a successful poll (fetched, or not modified).
    pub async fn source_polled(&self, id: i64, polled: Polled<'_>) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "UPDATE sources SET status = $2, etag = COALESCE($3, etag),
                 last_modified = COALESCE($4, last_modified), title = COALESCE($5, title),
                 interval_s = $6, next_fetch_at = $7, last_fetch_at = $8, failures = 0, primed = 1,
                 last_new_at = CASE WHEN $9 = 1 THEN $8 ELSE last_new_at END
             WHERE id = $1",
        )
        .bind(id)
        .bind(polled.status)
        .bind(polled.etag)
        .bind(polled.last_modified)
        .bind(polled.title)
        .bind(polled.interval_s)
        .bind(polled.next_fetch_at)
        .bind(polled.now_ms)
        .bind(i64::from(polled.found_new))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed poll; returns the failures in a row now.
    pub async fn source_failed(
        &self,
        id: i64,
        error: &str,
        next_fetch_at: i64,
        now_ms: i64,
    ) -> Result<i64> {
        let _turn = self.turn().await;
        sqlx::query_scalar(
            "UPDATE sources SET status = $2, failures = failures + 1, next_fetch_at = $3, last_fetch_at = $4
             WHERE id = $1 RETURNING failures",
        )
        .bind(id)
        .bind(error)
        .bind(next_fetch_at)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await.map_err(super::StoreError::from)
    }
}
