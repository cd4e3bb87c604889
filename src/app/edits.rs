//! An editor edits the message they published an article with (Telegram's edited message,
//! Matrix's `m.replace`): within the newsroom's correction window the article is corrected
//! as `/edit` would correct it; later, they are told to use `/edit`.

use rust_i18n::t;

use super::commands::{self, Args};
use super::{App, CommandError, Ctx};
use crate::domain::ArticleDraft;
use crate::message::Reply;

impl App {
    /// The answer to an edited `/post`; `None` when the message published nothing (it was
    /// refused, or it is not herald's to follow).
    pub(super) async fn edited_post(&self, ctx: &Ctx<'_>, args: &Args) -> Option<Reply> {
        let message = ctx.message.as_deref()?;
        let (id, posted_at) = match self.store.posted_article(ctx.chat.id, message).await {
            Ok(found) => found?,
            Err(error) => {
                tracing::error!(
                    error = format!("{error:#}"),
                    "could not look up a posted message"
                );
                return Some(Reply::text(t!("error.internal", locale = ctx.lang())));
            }
        };
        let window =
            i64::try_from(self.settings.newsroom.correction_window.as_millis()).unwrap_or(i64::MAX);
        if self.clock.now_ms().saturating_sub(posted_at) > window {
            tracing::info!(
                article = id,
                "an edit of its /post came after the correction window"
            );
            return Some(Reply::text(t!(
                "post.edited_too_late",
                locale = ctx.lang(),
                id = id
            )));
        }
        let target = format!("#{id} (edited /post)");
        let reply = self
            .execute(ctx, "edit", &target, || {
                // The photo stays; an edited caption's `caption:` lines still belong to it.
                ArticleDraft::parse_with_photo(args.rich(), args.photo().is_some())
                    .map(|draft| commands::correction(id, draft))
                    .map_err(CommandError::from)
            })
            .await;
        Some(reply)
    }
}
