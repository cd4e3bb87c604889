//! /approve <id> — a moderator publishes a draft, now or at the embargo time set by /schedule.

use rust_i18n::t;

use super::article::article_id;
use super::{CommandError, Ctx, Reply};
use crate::domain::ArticleStatus;

#[derive(Debug)]
pub struct Approve {
    id: i64,
}

impl Approve {
    pub fn parse(args: &str) -> Result<Approve, CommandError> {
        Ok(Approve {
            id: article_id(args).ok_or(CommandError::Usage("approve"))?,
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let article = ctx
            .store()
            .article(self.id)
            .await?
            .ok_or(CommandError::NoArticle(self.id))?;
        if article.retracted_at.is_some() {
            return Err(CommandError::Retracted(self.id));
        }
        let now = ctx.app.clock().now();
        match (article.status, article.publish_at) {
            (ArticleStatus::Published, _) => {
                Ok(Reply::text(t!("approve.already", locale = l, id = self.id)))
            }
            (_, Some(at)) if at > now.timestamp_millis() => {
                ctx.store().schedule_article(self.id, at, true).await?;
                let when = chrono::DateTime::from_timestamp_millis(at).unwrap_or(now);
                let when = crate::app::format::time(ctx, when);
                Ok(Reply::text(t!(
                    "approve.scheduled",
                    locale = l,
                    id = self.id,
                    at = when
                )))
            }
            _ => {
                let planned = ctx.app.publish_waiting(self.id).await?.unwrap_or(0);
                tracing::info!(article = self.id, planned, by = %ctx.user.user, "draft approved and published");
                Ok(Reply::text(t!(
                    "approve.published",
                    locale = l,
                    id = self.id
                )))
            }
        }
    }
}
