//! /article <id> — one article in full.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::app::format;
use crate::domain::{PhotoRef, Role};
use crate::domain::ArticleStatus;

#[derive(Debug)]
pub struct ShowArticle {
    id: i64,
}

/// Parses `123` or `#123`.
pub(super) fn article_id(input: &str) -> Option<i64> {
    input
        .trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
}

impl ShowArticle {
    pub fn parse(args: &str) -> Result<ShowArticle, CommandError> {
        let id = article_id(args).ok_or(CommandError::Usage("article"))?;
        Ok(ShowArticle { id })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let article = ctx
            .store()
            .article(self.id)
            .await?
            // Drafts and embargoed articles exist only for the newsroom.
            .filter(|a| a.status == ArticleStatus::Published || ctx.role >= Role::Editor)
            .ok_or(CommandError::NoArticle(self.id))?;
        if let Some(at) = article.retracted_at {
            let reason = article.retraction_reason.unwrap_or_default();
            return Ok(Reply::text(t!(
                "article.retracted",
                locale = l,
                id = article.id,
                at = format::time(ctx, at),
                reason = reason
            )));
        }
        let mut meta = format::time(ctx, article.published_at);
        if let Some(updated) = article.updated_at {
            meta.push_str(&format!(
                " · {}",
                t!(
                    "article.updated",
                    locale = l,
                    at = format::time(ctx, updated)
                )
            ));
        }
        if !article.topics.is_empty() {
            let tags: Vec<String> = article.topics.iter().map(|t| format!("#{t}")).collect();
            meta.push_str(&format!(" · {}", tags.join(" ")));
        }
        let mut reply = Reply::default().about(article.id);
        if let Some(label) = &article.label {
            reply = reply.paragraph(label.text.clone());
        }
        let mut reply = reply.heading(article.title).paragraph(meta);
        if !article.lead.is_empty() {
            reply = reply.paragraph(article.lead);
        }
        if let Some(photo) = &article.photo {
            let caption = [article.photo_caption, article.photo_credit]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" — ");
            reply = reply.paragraph(t!(
                "article.photo",
                locale = l,
                url = photo_name(photo, l),
                caption = caption
            ));
        }
        // A reply is plain text: a link in the body shows its address.
        for paragraph in article.body.paragraphs() {
            reply = reply.paragraph(paragraph.with_addresses());
        }
        if let Some(url) = article.url {
            reply = reply.hint(t!("article.read_more", locale = l, url = url));
        }
        if let Some(url) = article.original_url {
            let original =
                crate::message::tr(&format!("article.original_{}", article.language.other()), l);
            reply = reply.hint(format!("{original}: {url}"));
        }
        Ok(reply)
    }
}

/// Where a photo is, as /article and /preview name it: its address, or that the editor sent
/// the image itself.
pub(super) fn photo_name(photo: &PhotoRef, l: &str) -> String {
    match photo {
        PhotoRef::Web(url) => url.clone(),
        PhotoRef::Stored(_) => t!("article.photo_sent", locale = l).into(),
    }
}
