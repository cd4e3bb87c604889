//! /drafts — drafts waiting for approval and articles waiting for their embargo.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::app::format;
use crate::domain::ArticleStatus;

#[derive(Debug)]
pub struct Drafts;

impl Drafts {
    pub fn parse(_args: &str) -> Result<Drafts, CommandError> {
        Ok(Drafts)
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let waiting = ctx.store().waiting_articles().await?;
        if waiting.is_empty() {
            return Ok(Reply::text(t!("drafts.empty", locale = l)));
        }
        let mut reply = Reply::default().heading(t!("drafts.heading", locale = l));
        for article in waiting {
            let when = article
                .publish_at
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|at| format!(" · {}", format::time(ctx, at)))
                .unwrap_or_default();
            let state = match article.status {
                ArticleStatus::Scheduled => t!("drafts.scheduled", locale = l),
                _ => t!("drafts.draft", locale = l),
            };
            reply = reply.item(format!(
                "#{} · {state}{when} · {}",
                article.id, article.title
            ));
        }
        Ok(reply.hint(t!("drafts.hint", locale = l)))
    }
}
