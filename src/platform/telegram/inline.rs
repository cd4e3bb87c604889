//! Inline mode: `@herald_bot words` typed in any chat asks for a page of articles
//! (`app::inline`); the answer lists them with their time and lead, and the one the user picks
//! is shared as a chat receives it. A query herald cannot search (only exclusions, too long)
//! is answered with no results and the reason as the button above them.

use teloxide::prelude::*;
use teloxide::types::{
    InlineQuery, InlineQueryResult, InlineQueryResultArticle, InlineQueryResultsButton,
    InlineQueryResultsButtonKind, InputMessageContent, InputMessageContentText, ParseMode,
};

use super::Telegram;
use crate::app::{App, INLINE_FRESH_SECONDS, InlinePage};
use crate::domain::{Language, Platform};

/// The start parameter of the button that carries a refusal: it opens the bot's greeting.
const HELP: &str = "help";

/// Answers one inline query; failures are logged (the user sees an empty list).
pub(super) async fn answer(telegram: Telegram, app: App, query: InlineQuery) {
    let language = query
        .from
        .language_code
        .as_deref()
        .and_then(Language::parse)
        .unwrap_or(app.settings().newsroom.default_language);
    let request = match app.inline_page(&query.query, &query.offset, language).await {
        Ok(page) => telegram
            .bot
            .answer_inline_query(query.id.clone(), results(&page))
            .next_offset(page.next_offset.clone())
            .cache_time(INLINE_FRESH_SECONDS)
            .is_personal(false),
        Err(refused) => {
            tracing::info!(error = %refused, "an inline query herald cannot search");
            let button = InlineQueryResultsButton {
                text: refused.user_message(language),
                kind: InlineQueryResultsButtonKind::StartParameter(HELP.into()),
            };
            telegram
                .bot
                .answer_inline_query(query.id.clone(), Vec::new())
                .button(button)
                .cache_time(INLINE_FRESH_SECONDS)
        }
    };
    let sent = app
        .answer_interactively(Platform::Telegram, request.send())
        .await;
    if let Err(error) = sent {
        tracing::warn!(%error, "could not answer an inline query");
    }
}

fn results(page: &InlinePage) -> Vec<InlineQueryResult> {
    page.results
        .iter()
        .map(|r| {
            let message = InputMessageContentText::new(r.html.clone()).parse_mode(ParseMode::Html);
            InlineQueryResult::Article(
                InlineQueryResultArticle::new(
                    r.id.clone(),
                    r.title.clone(),
                    InputMessageContent::Text(message),
                )
                .description(r.description.clone()),
            )
        })
        .collect()
}
