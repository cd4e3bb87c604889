//! Feed ingestion: sources polled on their own schedule, items parsed, deduplicated, mapped to
//! topics, and stored and planned for delivery in one transaction each.
//!
//! - [`guard`]: the SSRF guard (no internal addresses, also via redirects or DNS).
//! - [`fetch`]: one polite, bounded HTTP fetch with conditional GET.
//! - [`parse`]: bytes → feed items (encodings, formats, clean text, photo).
//! - [`topics`]: categories and keyword rules → topics.
//!
//! [`Ingestor::poll_due`] is the worker's one step; [`Ingestor::run`] loops it until shutdown.
//! Every process on a shared database runs it: a source is claimed for each poll, so the
//! sources are shared out and none is polled twice at once.

pub mod fetch;
pub mod guard;
pub mod parse;
mod photo_check;
pub mod topics;

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::app::App;

use crate::config::IngestSettings;
use crate::domain::content_hash;
use crate::domain::{PhotoRef, Platform, UserRef};
use crate::store::{External, Ingested, NewArticle, Polled, SourceRecord};
use fetch::{Fetched, Fetcher};
use parse::{FeedItem, detect_language};
use topics::TopicMatcher;

/// What one poll of one source did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PollReport {
    pub new: usize,
    pub corrected: usize,
    pub archived: usize,
    pub not_modified: bool,
    /// The error, when the poll failed.
    pub error: Option<String>,
}

/// A poll that fetched something (or learnt nothing changed), with the validators to keep.
#[derive(Default)]
struct Success {
    title: Option<String>,
    report: PollReport,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// The feed worker.
#[derive(Clone)]
pub struct Ingestor {
    app: App,
    fetcher: Fetcher,
    settings: IngestSettings,
    /// The user corrections by feeds are recorded under (`console:feeds`).
    editor_id: i64,
}

impl Ingestor {
    pub async fn new(app: &App) -> anyhow::Result<Ingestor> {
        let settings = app.settings().ingest.clone();
        let fetcher = Fetcher::for_settings(&settings).context("building the feed HTTP client")?;
        let feeds = UserRef {
            platform: Platform::Console,
            native_id: "feeds".into(),
        };
        let editor_id = app.store().upsert_user(&feeds, "feeds").await?.id;
        Ok(Ingestor {
            app: app.clone(),
            fetcher,
            settings,
            editor_id,
        })
    }

    /// One step: polls the sources that are due, several at once but one per host (so no
    /// site gets parallel requests from this process). Each is claimed first
    /// ([`Store::claim_source`](crate::store::Store::claim_source)): every process polls
    /// feeds, and a source goes to whichever claims it. Returns how many were polled.
    pub async fn poll_due(&self) -> anyhow::Result<usize> {
        let store = self.app.store();
        let now = self.app.clock().now_ms();
        let due = store.due_sources(now, 200).await?;
        let until = now + self.claim_ms();
        let mut hosts = BTreeSet::new();
        let mut batch: Vec<SourceRecord> = Vec::new();
        for source in due {
            if batch.len() >= self.settings.concurrency {
                break;
            }
            let host = host(&source.url);
            if !hosts.contains(&host) && store.claim_source(source.id, now, until).await? {
                hosts.insert(host);
                batch.push(source);
            }
        }
        let count = batch.len();
        let mut polls = tokio::task::JoinSet::new();
        for source in batch {
            let this = self.clone();
            polls.spawn(async move { this.poll(&source).await });
        }
        while let Some(done) = polls.join_next().await {
            match done {
                Ok(Err(error)) => {
                    tracing::error!(error = format!("{error:#}"), "could not record a poll")
                }
                Err(error) => tracing::error!(%error, "a poll panicked"),
                Ok(Ok(_)) => {}
            }
        }
        Ok(count)
    }

    /// Polls one source and records the result; a fetch or parse failure is recorded on the
    /// source (with backoff), only a database failure is an error.
    pub async fn poll(&self, source: &SourceRecord) -> anyhow::Result<PollReport> {
        let fetched = self
            .fetcher
            .fetch(
                &source.url,
                source.etag.as_deref(),
                source.last_modified.as_deref(),
            )
            .await;
        let result = match fetched {
            Ok(Fetched::NotModified) => Ok(Success {
                report: PollReport {
                    not_modified: true,
                    ..PollReport::default()
                },
                ..Success::default()
            }),
            Ok(Fetched::Body {
                bytes,
                content_type,
                etag,
                last_modified,
                base,
            }) => match self
                .ingest_body(source, &bytes, content_type.as_deref(), Some(&base))
                .await?
            {
                Ok((title, report)) => Ok(Success {
                    title,
                    report,
                    etag,
                    last_modified,
                }),
                Err(error) => Err(error),
            },
            Err(error) => Err(error.to_string()),
        };
        let now = self.app.clock().now_ms();
        match result {
            Ok(Success {
                title,
                report,
                etag,
                last_modified,
            }) => {
                let found_new = report.new + report.corrected > 0;
                let interval = self.next_interval(source, found_new);
                let status = if report.not_modified {
                    "not modified".to_string()
                } else {
                    format!("ok: {} new, {} corrected", report.new, report.corrected)
                };
                self.app
                    .store()
                    .source_polled(
                        source.id,
                        Polled {
                            status: &status,
                            etag: etag.as_deref(),
                            last_modified: last_modified.as_deref(),
                            title: title.as_deref(),
                            interval_s: interval,
                            next_fetch_at: now + interval * 1000,
                            found_new,
                            now_ms: now,
                        },
                    )
                    .await?;
                Ok(report)
            }
            Err(error) => {
                let delay = self.backoff(source);
                let failures = self
                    .app
                    .store()
                    .source_failed(source.id, &error, now + delay * 1000, now)
                    .await?;
                tracing::warn!(source = %source.url, failures, error, "feed poll failed");
                if failures == self.settings.alert_after_failures {
                    self.tell_moderators(source, &error, failures).await?;
                }
                Ok(PollReport {
                    error: Some(error),
                    ..PollReport::default()
                })
            }
        }
    }

    /// Parses a fetched body and stores its items; the outer error is the database's, the
    /// inner one says why the body is not a feed. Returns the feed's title and what was done.
    pub async fn ingest_body(
        &self,
        source: &SourceRecord,
        bytes: &[u8],
        content_type: Option<&str>,
        base: Option<&str>,
    ) -> anyhow::Result<Result<(Option<String>, PollReport), String>> {
        match parse::parse(bytes, content_type, base) {
            Ok(feed) => {
                let title = feed.title.clone();
                Ok(Ok((title, self.store_items(source, feed).await?)))
            }
            Err(error) => Ok(Err(error.to_string())),
        }
    }

    async fn store_items(
        &self,
        source: &SourceRecord,
        feed: parse::ParsedFeed,
    ) -> anyhow::Result<PollReport> {
        let store = self.app.store();
        let matcher = TopicMatcher::new(&store.topics().await?, &self.settings.topic_rules);
        let base: BTreeSet<i64> = source
            .topics
            .iter()
            .filter_map(|slug| matcher.slug(slug))
            .collect();
        let mut items = feed.items;
        // Newest first, so a new source's backlog limit keeps the newest.
        items.sort_by_key(|item| std::cmp::Reverse(item.published));
        let origin = format!("source:{}", source.id);
        // The source's legal label profile, else the newsroom's default label.
        let newsroom = &self.app.settings().newsroom;
        let label = source
            .label
            .as_ref()
            .or(newsroom.default_label.as_ref())
            .and_then(|name| newsroom.labels.get(name))
            .cloned();
        let mut prepared = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let deliver = source.primed || index < self.settings.backlog;
            let text = format!("{} {} {}", item.title, item.lead, item.body.text);
            let mut topics = matcher.topics(&item.categories, &text);
            topics.extend(&base);
            let language = item
                .language
                .or(source.language)
                .or(feed.language)
                .unwrap_or_else(|| detect_language(&text));
            let topics = topics.into_iter().collect();
            let now = self.app.clock().now();
            let article = new_article(item, language, topics, label.clone(), now);
            let hash = content_hash(&item.title, &item.lead, &item.body.text);
            prepared.push((article, hash, deliver));
        }
        let batch: Vec<(External<'_>, &NewArticle, bool)> = items
            .iter()
            .zip(&prepared)
            .map(|(item, (article, hash, deliver))| {
                let external = External {
                    origin: &origin,
                    key: &item.key,
                    hash,
                };
                (external, article, *deliver)
            })
            .collect();
        let outcomes = self.app.ingest(&batch, self.editor_id).await?;
        let mut report = PollReport::default();
        for ((item, (_, _, deliver)), outcome) in items.iter().zip(&prepared).zip(outcomes) {
            match outcome {
                Ingested::New { id, .. } => {
                    if *deliver {
                        report.new += 1;
                    } else {
                        report.archived += 1;
                    }
                    self.pair(id, item).await?;
                }
                Ingested::Corrected(_) => report.corrected += 1,
                Ingested::Unchanged(_) => {}
            }
        }
        Ok(report)
    }

    /// Pairs a new article with its other-language version, when the feed links it and
    /// herald has it.
    async fn pair(&self, id: i64, item: &FeedItem) -> anyhow::Result<()> {
        let store = self.app.store();
        let other = match &item.original_url {
            Some(url) => store.article_by_url(url).await?,
            None => None,
        };
        if let Some(other) = other {
            store.link_pair(id, other).await?;
        }
        Ok(())
    }

    /// How long a claim holds a source: longer than any poll takes (the fetch is bounded by
    /// the timeout, a photo check by as much again, and the writes get the rest), so only a
    /// process that died mid-poll lets it fall due again — and then another polls it.
    fn claim_ms(&self) -> i64 {
        (self.settings.timeout * 3 + Duration::from_secs(60)).as_millis() as i64
    }

    /// Sources that publish often are polled more often, quiet ones less, within bounds.
    fn next_interval(&self, source: &SourceRecord, found_new: bool) -> i64 {
        let s = &self.settings;
        let next = if found_new {
            source.interval_s * 2 / 3
        } else {
            source.interval_s * 5 / 4
        };
        next.clamp(s.min_interval_s, s.max_interval_s)
    }

    /// Seconds until the next try after a failure: doubling with each failure, with jitter.
    fn backoff(&self, source: &SourceRecord) -> i64 {
        let doubled = source
            .interval_s
            .saturating_mul(1 << source.failures.clamp(0, 10));
        let base = doubled.clamp(self.settings.min_interval_s, self.settings.max_interval_s);
        base + fastrand::i64(0..=base / 10)
    }

    async fn tell_moderators(
        &self,
        source: &SourceRecord,
        error: &str,
        failures: i64,
    ) -> anyhow::Result<()> {
        let args = [
            ("url", source.url.clone()),
            ("count", failures.to_string()),
            ("error", error.to_string()),
        ];
        self.app.notify_moderators("source.failing", &args).await
    }

    /// Polls until `shutdown`, waking when the next source is due (at least every 5 s, so
    /// sources added meanwhile are seen).
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        loop {
            if let Err(error) = self.poll_due().await {
                tracing::error!(error = format!("{error:#}"), "feed polling failed");
            }
            let now = self.app.clock().now_ms();
            let next = self.app.store().next_source_due().await.ok().flatten();
            let wait = next.map_or(5_000, |t| (t - now).clamp(200, 5_000));
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
                () = shutdown.cancelled() => return Ok(()),
            }
        }
    }
}

fn host(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_default()
}

fn new_article(
    item: &FeedItem,
    language: crate::domain::Language,
    topic_ids: Vec<i64>,
    label: Option<crate::domain::Label>,
    published_at: chrono::DateTime<chrono::Utc>,
) -> NewArticle {
    NewArticle {
        title: item.title.clone(),
        lead: item.lead.clone(),
        body: item.body.clone(),
        language,
        url: item.url.clone(),
        original_url: item.original_url.clone(),
        photo: item.photo.as_ref().map(|p| PhotoRef::Web(p.url.clone())),
        photo_caption: item.photo.as_ref().and_then(|p| p.caption.clone()),
        photo_credit: item.photo.as_ref().and_then(|p| p.credit.clone()),
        topic_ids,
        author_id: None,
        published_at,
        breaking: false,
        label,
        pair_id: None,
    }
}
