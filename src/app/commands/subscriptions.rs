//! /subscriptions — what this chat follows.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};

#[derive(Debug)]
pub struct Subscriptions;

impl Subscriptions {
    pub fn parse(_args: &str) -> Result<Subscriptions, CommandError> {
        Ok(Subscriptions)
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let subscriptions = ctx.store().subscriptions(ctx.chat.id).await?;
        if subscriptions.is_empty() {
            return Ok(Reply::text(t!("subscriptions.empty", locale = l)));
        }
        let mut reply = Reply::default().heading(t!("subscriptions.heading", locale = l));
        for subscription in subscriptions {
            reply = reply.item(match subscription {
                None => t!("subscriptions.all", locale = l).into_owned(),
                Some(topic) => format!("#{} — {}", topic.slug, topic.name(ctx.chat.language)),
            });
        }
        Ok(reply)
    }
}
