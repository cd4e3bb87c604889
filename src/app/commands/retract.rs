//! /retract <id> [reason] — an editor withdraws an article.

use rust_i18n::t;

use super::article::article_id;
use super::{CommandError, Ctx, Reply};
use crate::store::Retraction;

#[derive(Debug)]
pub struct Retract {
    id: i64,
    reason: String,
}

impl Retract {
    pub fn parse(args: &str) -> Result<Retract, CommandError> {
        let args = args.trim();
        let (id, reason) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        let id = article_id(id).ok_or(CommandError::Usage("retract"))?;
        Ok(Retract {
            id,
            reason: reason.trim().chars().take(500).collect(),
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        match ctx.app.retract(self.id, &self.reason).await? {
            Retraction::NotFound => Err(CommandError::NoArticle(self.id)),
            Retraction::AlreadyRetracted => Err(CommandError::Retracted(self.id)),
            Retraction::Retracted => {
                tracing::info!(article = self.id, editor = %ctx.user.user, "article retracted");
                Ok(Reply::text(t!("retract.done", locale = l, id = self.id)))
            }
        }
    }
}
