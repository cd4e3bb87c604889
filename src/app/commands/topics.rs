//! /topics — the newsroom's topics, marking the ones this chat follows.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};

#[derive(Debug)]
pub struct Topics;

impl Topics {
    pub fn parse(_args: &str) -> Result<Topics, CommandError> {
        Ok(Topics)
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let topics = ctx.store().topics().await?;
        if topics.is_empty() {
            return Ok(Reply::text(t!("topics.empty", locale = l)));
        }
        let subscribed = ctx.store().subscriptions(ctx.chat.id).await?;
        let everything = subscribed.iter().any(Option::is_none);
        let mut reply = Reply::default().heading(t!("topics.heading", locale = l));
        for topic in &topics {
            let on = everything || subscribed.iter().flatten().any(|s| s.id == topic.id);
            let mark = if on { "✓" } else { "·" };
            reply = reply.item(format!(
                "{mark} #{} — {}",
                topic.slug,
                topic.name(ctx.chat.language)
            ));
        }
        Ok(reply.hint(t!("topics.hint", locale = l)))
    }
}
