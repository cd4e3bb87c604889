//! /post — an editor publishes an article (format in `domain::article`).

use rust_i18n::t;

use super::{Args, CommandError, Ctx, Reply, resolve_topics};
use crate::app::{AttachmentError, Attachment, PhotoVerdict};
use crate::domain::{ArticleDraft, Label, PhotoRef, PhotoSource, Role};
use crate::render::layout::Inline;
use crate::render::telegram;
use crate::store::{NewArticle, NewMedia};

#[derive(Debug)]
pub struct Post {
    draft: ArticleDraft,
    /// The image the command came with: the article's photo.
    photo: Option<Attachment>,
}

impl Post {
    pub fn parse(args: &Args) -> Result<Post, CommandError> {
        if args.trim().is_empty() {
            return Err(CommandError::Usage("post"));
        }
        Ok(Post {
            draft: ArticleDraft::parse_with_photo(args.rich(), args.photo().is_some())?,
            photo: args.photo().cloned(),
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let draft = self.draft;
        let topics = resolve_topics(ctx, &draft.topics).await?;
        let (source, photo_caption, photo_credit) = match draft.photo {
            Some(p) => (Some(p.source), p.caption, p.credit),
            None => (None, None, None),
        };
        let label = resolve_label(ctx, draft.label.as_deref(), source.is_some())?;
        let language = draft.language.unwrap_or(ctx.chat.language);
        if let Some(pair) = draft.pair {
            let other = ctx
                .store()
                .article(pair)
                .await?
                .ok_or(CommandError::NoArticle(pair))?;
            if other.language == language {
                return Err(CommandError::PairSameLanguage(pair));
            }
            if let Some(taken) = other.pair_id {
                return Err(CommandError::PairTaken(pair, taken));
            }
        }
        // Fetched as its delivery will fetch it, so a refusal reaches the editor; last, after
        // the checks that need no network.
        let (photo, photo_note) = match source {
            Some(PhotoSource::Url(url)) => {
                let url = url.to_string();
                let note = match ctx.app.check_photo(&url).await {
                    PhotoVerdict::Usable => None,
                    PhotoVerdict::Refused(refusal) => {
                        return Err(CommandError::PhotoRefused(refusal));
                    }
                    PhotoVerdict::Unchecked(reason) => {
                        tracing::warn!(url, %reason, "an editor's photo cannot be fetched now");
                        Some(t!("post.photo_unchecked", locale = ctx.lang(), reason = reason))
                    }
                };
                (Some(PhotoRef::Web(url)), note)
            }
            Some(PhotoSource::Attached) => (Some(keep(ctx, self.photo.as_ref()).await?), None),
            None => (None, None),
        };
        let article = NewArticle {
            title: draft.title,
            lead: draft.lead,
            body: draft.body,
            language,
            url: draft.url.map(|u| u.to_string()),
            original_url: draft.original_url.map(|u| u.to_string()),
            photo,
            photo_caption,
            photo_credit,
            topic_ids: topics.iter().map(|t| t.id).collect(),
            author_id: Some(ctx.user.id),
            published_at: ctx.app.clock().now(),
            breaking: draft.breaking,
            label,
            pair_id: draft.pair,
        };
        let l = ctx.lang();
        if ctx.settings().newsroom.require_approval && ctx.role < Role::Moderator {
            let id = ctx.store().insert_draft(&article).await?;
            remember_message(ctx, id).await;
            tracing::info!(article = id, editor = %ctx.user.user, "draft saved");
            let reply = Reply::text(t!("post.draft", locale = l, id = id)).about(id);
            return Ok(with_note(reply, photo_note).hint(t!(
                "post.draft_hint",
                locale = l,
                id = id
            )));
        }
        let (id, planned) = ctx.app.publish(&article).await?;
        remember_message(ctx, id).await;
        tracing::info!(article = id, planned, editor = %ctx.user.user, "article published");
        let reply = Reply::text(t!("post.published", locale = l, id = id)).about(id);
        Ok(with_note(reply, photo_note).hint(t!("post.hint", locale = l, id = id)))
    }
}

/// Downloads the image the /post came with, checks it and keeps it for every platform's
/// copies. Nothing is published when it cannot be had: an article the editor sent with a
/// photo never goes out without it.
async fn keep(ctx: &Ctx<'_>, attachment: Option<&Attachment>) -> Result<PhotoRef, CommandError> {
    let attachment = attachment.ok_or_else(|| {
        CommandError::Internal(anyhow::anyhow!("a /post parsed with an image has none"))
    })?;
    let image = attachment
        .fetch(ctx.settings().newsroom.max_photo_bytes)
        .await
        .inspect_err(|error| match error {
            AttachmentError::Unavailable(reason) => {
                tracing::warn!(%reason, "cannot download the image sent with a /post")
            }
            refused => tracing::info!(%refused, "the image sent with a /post is refused"),
        })?;
    let media = NewMedia {
        mime: image.mime.to_string(),
        bytes: image.bytes,
        telegram_file_id: attachment.telegram_file_id(),
    };
    let id = ctx
        .store()
        .insert_media(&media, ctx.app.clock().now_ms())
        .await?;
    Ok(PhotoRef::stored(id))
}

/// Keeps which message published article `id`, so editing that message corrects it. The
/// article is out already: a failure here costs only that, and is logged.
async fn remember_message(ctx: &Ctx<'_>, id: i64) {
    let Some(message) = &ctx.message else { return };
    let now = ctx.app.clock().now_ms();
    if let Err(error) = ctx
        .store()
        .record_posted_message(ctx.chat.id, message, id, now)
        .await
    {
        tracing::warn!(article = id, %error, "could not remember the message that posted it");
    }
}

fn with_note(reply: Reply, note: Option<impl Into<String>>) -> Reply {
    match note {
        Some(note) => reply.paragraph(note),
        None => reply,
    }
}

/// The label the article must carry: the one named at /post, else the newsroom's default. It
/// must leave room for text in a message (a photo caption holds only 1024 characters), or
/// publishing is refused — a message without its label is never sent.
fn resolve_label(
    ctx: &Ctx<'_>,
    named: Option<&str>,
    photo: bool,
) -> Result<Option<Label>, CommandError> {
    let newsroom = &ctx.settings().newsroom;
    let Some(name) = named.or(newsroom.default_label.as_deref()) else {
        return Ok(None);
    };
    let label = newsroom
        .labels
        .get(name)
        .cloned()
        .ok_or_else(|| CommandError::UnknownLabel(name.to_string()))?;
    let limit = if photo {
        telegram::CAPTION_LIMIT
    } else {
        telegram::TEXT_LIMIT
    };
    let probe = [vec![Inline::Bold("x".repeat(40))]];
    telegram::parts(&probe, Some(&label), &[], limit)
        .map_err(|e| CommandError::LabelTooLong(e.to_string()))?;
    Ok(Some(label))
}
