//! Search from any chat (Telegram's inline mode): a user types `@herald_bot words` and picks an
//! article to share. Each page holds up to [`PAGE`] articles found as /search finds them (the
//! latest when nothing is typed); the message shared is the article as a chat receives it, its
//! legal label and notes included. Pages are kept for [`FRESH_SECONDS`] per query, so a user typing
//! and paging does not search again for every keystroke Telegram repeats; answers go through
//! the engine's reply share (see `delivery::interactive`).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock, Weak};

use super::{App, CommandError};
use crate::delivery::Engine;
use crate::domain::{ArticleRecord, Language, Platform, SearchQuery};
use crate::render::{layout, telegram};
use crate::store::SearchOrder;

/// Results per page (Telegram takes up to 50; 20 keep an answer quick and small).
pub const PAGE: u32 = 20;
/// How long a page is reused for the same query, in seconds; Telegram is told the same.
pub const FRESH_SECONDS: u32 = 10;
const FRESH: i64 = FRESH_SECONDS as i64 * 1000;
/// Pages kept at most; the oldest go first.
const KEPT: usize = 512;
/// The deepest page offered: further, a narrower query is the better way.
const MAX_PAGE: u32 = 50;
/// Characters of the lead shown under the headline.
const DESCRIPTION: usize = 160;

/// One article offered: its id, what the list shows, and the message it shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineResult {
    /// Unique within the answer: the article's id.
    pub id: String,
    /// The headline.
    pub title: String,
    /// Publication time and the beginning of the lead.
    pub description: String,
    /// The article as Telegram HTML, as its first message to a chat reads.
    pub html: String,
}

/// A page of results and the offset of the next, empty when it is the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlinePage {
    pub results: Vec<InlineResult>,
    pub next_offset: String,
}

/// A page as kept: the reader's language, the query, the page number.
type PageKey = (Language, String, u32);

/// The pages kept, and the engine whose reply share answers go through.
#[derive(Default)]
pub(super) struct Inline {
    pages: Mutex<HashMap<PageKey, (i64, Arc<InlinePage>)>>,
    engine: RwLock<Weak<Engine>>,
}

impl App {
    /// Registers the delivery engine inline answers are paced by (kept weakly: the engine
    /// holds the app).
    pub fn register_engine(&self, engine: &Arc<Engine>) {
        *self
            .inline
            .engine
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Arc::downgrade(engine);
    }

    /// Runs an inline answer's call in the platform's reply share (at once when no engine
    /// runs).
    pub async fn answer_interactively<T>(
        &self,
        platform: Platform,
        call: impl Future<Output = T>,
    ) -> T {
        let engine = self
            .inline
            .engine
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .upgrade();
        match engine {
            Some(engine) => engine.interactive(platform, call).await,
            None => call.await,
        }
    }

    /// The page at `offset` ("" the first) of what `text` finds, for a reader of `language`.
    /// A query that is not one (only exclusions, too long) is an error to show.
    pub async fn inline_page(
        &self,
        text: &str,
        offset: &str,
        language: Language,
    ) -> Result<Arc<InlinePage>, CommandError> {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let page: u32 = offset.parse().unwrap_or(0).min(MAX_PAGE);
        let key = (language, text.clone(), page);
        let now = self.clock.now_ms();
        if let Some((at, kept)) = self.kept(&key)
            && now - at < FRESH
        {
            return Ok(kept);
        }
        let (articles, more) = self.find(&text, page).await?;
        let results = articles.iter().map(|a| self.result(a, language)).collect();
        let next_offset = if more && page < MAX_PAGE {
            (page + 1).to_string()
        } else {
            String::new()
        };
        let found = Arc::new(InlinePage {
            results,
            next_offset,
        });
        self.keep(key, now, Arc::clone(&found));
        Ok(found)
    }

    /// The articles of page `page`, and whether another follows.
    async fn find(
        &self,
        text: &str,
        page: u32,
    ) -> Result<(Vec<ArticleRecord>, bool), CommandError> {
        let offset = page * PAGE;
        // One more than a page tells whether a next page exists.
        let mut found = if text.is_empty() {
            self.store.latest_articles(None, PAGE + 1, offset).await?
        } else {
            let query = SearchQuery::parse(text)?;
            let search = &self.settings.search;
            let order = SearchOrder::Relevance {
                window: search.rank_window,
                span: search.rank_span,
            };
            self.store.search(&query, order, PAGE + 1, offset).await?
        };
        let more = found.len() > PAGE as usize;
        found.truncate(PAGE as usize);
        Ok((found, more))
    }

    fn result(&self, article: &ArticleRecord, language: Language) -> InlineResult {
        let newsroom = &self.settings.newsroom;
        let zone = newsroom.default_time_zone;
        let mut layout = layout::article(article, language, zone.tz(), &newsroom.glossary);
        // One message is shared: the photo goes (a text result cannot carry it), and so do
        // the parts after the first of a long article.
        layout.photo = None;
        let html = telegram::article(&layout)
            .ok()
            .and_then(|post| post.texts.into_iter().next())
            .unwrap_or_else(|| telegram::escape(&article.title));
        let time = article
            .published_at
            .with_timezone(&zone.tz())
            .format("%d.%m.%Y %H:%M");
        let lead: String = article.lead.chars().take(DESCRIPTION).collect();
        let ellipsis = if article.lead.chars().count() > DESCRIPTION {
            "…"
        } else {
            ""
        };
        InlineResult {
            id: article.id.to_string(),
            title: article.title.clone(),
            description: format!("{time} · {lead}{ellipsis}"),
            html,
        }
    }

    fn kept(&self, key: &PageKey) -> Option<(i64, Arc<InlinePage>)> {
        let pages = self.inline.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.get(key).map(|(at, page)| (*at, Arc::clone(page)))
    }

    fn keep(&self, key: PageKey, now: i64, page: Arc<InlinePage>) {
        let mut pages = self.inline.pages.lock().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= KEPT {
            pages.retain(|_, (at, _)| now - *at < FRESH);
            if pages.len() >= KEPT {
                pages.clear();
            }
        }
        pages.insert(key, (now, page));
    }
}
