//! /source add|list|remove|pause|resume|export|import — moderators manage feed sources.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply, resolve_topics, topic_slug};
use crate::domain::{FeedUrl, Language, TopicSlug};
use crate::store::{NewSource, SourceRecord, Store};

#[derive(Debug)]
pub enum Source {
    /// `/source add <url> [topics…] [ru|en]`
    Add {
        url: FeedUrl,
        topics: Vec<TopicSlug>,
        language: Option<Language>,
    },
    List,
    Remove(String),
    Pause(String),
    Resume(String),
    /// `/source export`: every source as OPML.
    Export,
    /// `/source import` with an OPML document on the following lines.
    Import(String),
}

impl Source {
    pub fn parse(args: &str) -> Result<Source, CommandError> {
        let usage = || CommandError::Usage("source");
        let (first_line, rest_lines) = args.split_once('\n').unwrap_or((args, ""));
        let mut words = first_line.split_whitespace();
        let action = words.next().unwrap_or("").to_lowercase();
        let rest: Vec<&str> = words.collect();
        Ok(match (action.as_str(), rest.as_slice()) {
            ("list", []) => Source::List,
            ("export", []) => Source::Export,
            ("import", []) if !rest_lines.trim().is_empty() => {
                Source::Import(rest_lines.to_string())
            }
            ("remove" | "delete", [reference]) => Source::Remove(reference.to_string()),
            ("pause", [reference]) => Source::Pause(reference.to_string()),
            ("resume", [reference]) => Source::Resume(reference.to_string()),
            ("add", [url, more @ ..]) => {
                let url = FeedUrl::parse(url)
                    .ok_or_else(|| CommandError::BadFeedUrl(url.chars().take(80).collect()))?;
                let mut topics = Vec::new();
                let mut language = None;
                for word in more {
                    match Language::parse(word) {
                        Some(l) if word.len() <= 3 => language = Some(l),
                        _ => topics.push(topic_slug(word)?),
                    }
                }
                Source::Add {
                    url,
                    topics,
                    language,
                }
            }
            _ => return Err(usage()),
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let store = ctx.store();
        match self {
            Source::Add {
                url,
                topics,
                language,
            } => {
                resolve_topics(ctx, &topics).await?;
                if let Some(host) = ctx.app.internal_host(url.as_str()).await {
                    tracing::info!(%url, host, "a source on an internal network refused");
                    return Err(CommandError::InternalSource(host));
                }
                let topics: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
                let interval = ctx.settings().ingest.default_interval_s;
                let added = store
                    .add_source(NewSource {
                        url: url.as_str(),
                        title: "",
                        topics: &topics,
                        language,
                        interval_s: interval,
                    })
                    .await?;
                Ok(Reply::text(match added {
                    Some(source) => t!("source.added", locale = l, id = source.id, url = url),
                    None => t!("source.exists", locale = l, url = url),
                }))
            }
            Source::List => {
                let sources = store.sources().await?;
                if sources.is_empty() {
                    return Ok(Reply::text(t!("source.none", locale = l)));
                }
                let mut reply = Reply::default().heading(t!("source.heading", locale = l));
                for s in sources {
                    reply = reply.item(line(&s, l));
                }
                Ok(reply.hint(t!("source.hint", locale = l)))
            }
            Source::Remove(reference) => {
                let source = known(store, &reference).await?;
                store.remove_source(source.id).await?;
                Ok(Reply::text(t!(
                    "source.removed",
                    locale = l,
                    url = source.url
                )))
            }
            Source::Pause(reference) => {
                let source = known(store, &reference).await?;
                store.set_source_paused(source.id, true).await?;
                Ok(Reply::text(t!(
                    "source.paused",
                    locale = l,
                    url = source.url
                )))
            }
            Source::Resume(reference) => {
                let source = known(store, &reference).await?;
                store.set_source_paused(source.id, false).await?;
                Ok(Reply::text(t!(
                    "source.resumed",
                    locale = l,
                    url = source.url
                )))
            }
            Source::Export => Ok(Reply::text(export_opml(store).await?)),
            Source::Import(document) => {
                let interval = ctx.settings().ingest.default_interval_s;
                let (added, known) = import_opml(store, &document, interval).await?;
                Ok(Reply::text(t!(
                    "source.imported",
                    locale = l,
                    added = added,
                    known = known
                )))
            }
        }
    }
}

fn line(s: &SourceRecord, l: &str) -> String {
    let state = if s.paused {
        t!("source.state_paused", locale = l).into_owned()
    } else {
        s.status.clone()
    };
    let topics = if s.topics.is_empty() {
        String::new()
    } else {
        format!(
            " · {}",
            s.topics
                .iter()
                .map(|t| format!("#{t}"))
                .collect::<Vec<_>>()
                .join(" ")
        )
    };
    let title = if s.title.is_empty() { "—" } else { &s.title };
    format!(
        "#{} {} · {title}{topics} · {state} · {} min",
        s.id,
        s.url,
        s.interval_s / 60
    )
}

async fn known(store: &Store, reference: &str) -> Result<SourceRecord, CommandError> {
    store
        .source(reference)
        .await?
        .ok_or_else(|| CommandError::UnknownSource(reference.chars().take(80).collect()))
}

/// Every source as an OPML document.
pub async fn export_opml(store: &Store) -> Result<String, CommandError> {
    let mut opml = opml::OPML::default();
    for source in store.sources().await? {
        let title = if source.title.is_empty() {
            source.url.clone()
        } else {
            source.title.clone()
        };
        opml.add_feed(&title, &source.url);
    }
    opml.to_string()
        .map_err(|e| CommandError::Internal(anyhow::anyhow!("writing OPML: {e}")))
}

/// Adds the feeds of an OPML document (outlines nested in folders too); returns how many
/// were added and how many were known already. Entries that are not http(s) are skipped.
pub async fn import_opml(
    store: &Store,
    document: &str,
    interval_s: i64,
) -> Result<(usize, usize), CommandError> {
    let opml = opml::OPML::from_str(document)
        .map_err(|e| CommandError::BadOpml(e.to_string().chars().take(120).collect()))?;
    let mut pending: Vec<&opml::Outline> = opml.body.outlines.iter().collect();
    let (mut added, mut known) = (0, 0);
    while let Some(outline) = pending.pop() {
        pending.extend(outline.outlines.iter());
        let Some(url) = outline.xml_url.as_deref().and_then(FeedUrl::parse) else {
            continue;
        };
        let source = NewSource {
            url: url.as_str(),
            title: &outline.text,
            topics: &[],
            language: None,
            interval_s,
        };
        match store.add_source(source).await? {
            Some(_) => added += 1,
            None => known += 1,
        }
    }
    Ok((added, known))
}
