//! /edit <id> — an editor corrects an article. The earlier text is kept as a version.

use rust_i18n::t;

use super::article::article_id;
use super::{Args, CommandError, Ctx, Reply, resolve_topics};
use crate::domain::ArticlePatch;

#[derive(Debug)]
pub struct Edit {
    id: i64,
    patch: ArticlePatch,
}

impl Edit {
    /// The correction an edited `/post` makes: its title, lead, body and topics as they now
    /// read (language, photo and the other /post-only fields stay as published).
    pub fn of_post(id: i64, draft: crate::domain::ArticleDraft) -> Edit {
        Edit {
            id,
            patch: ArticlePatch {
                title: Some(draft.title),
                lead: Some(draft.lead),
                body: Some(draft.body),
                topics: Some(draft.topics),
            },
        }
    }

    /// `<id>` on the first line, then the fields to change in the /post format (also on the
    /// same line: `/edit 12 title: New`). A new body keeps its formatting.
    pub fn parse(args: &Args) -> Result<Edit, CommandError> {
        let first = args.split('\n').next().unwrap_or("");
        let word = first
            .split_whitespace()
            .next()
            .ok_or(CommandError::Usage("edit"))?;
        let id = article_id(word).ok_or(CommandError::Usage("edit"))?;
        let after = first.find(word).map_or(0, |at| at + word.len());
        let rest = args.rich().slice(after..args.len());
        Ok(Edit {
            id,
            patch: ArticlePatch::parse_rich(&rest)?,
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let existing = ctx
            .store()
            .article(self.id)
            .await?
            .ok_or(CommandError::NoArticle(self.id))?;
        if existing.retracted_at.is_some() {
            return Err(CommandError::Retracted(self.id));
        }
        let topic_ids = match &self.patch.topics {
            Some(slugs) => Some(
                resolve_topics(ctx, slugs)
                    .await?
                    .iter()
                    .map(|t| t.id)
                    .collect::<Vec<_>>(),
            ),
            None => None,
        };
        let updated = ctx
            .app
            .correct(self.id, &self.patch, topic_ids.as_deref(), ctx.user.id)
            .await?
            .ok_or(CommandError::NoArticle(self.id))?;
        tracing::info!(article = self.id, version = updated.version, editor = %ctx.user.user, "article corrected");
        Ok(Reply::text(t!(
            "edit.done",
            locale = ctx.lang(),
            id = self.id,
            version = updated.version
        ))
        .about(self.id))
    }
}
