//! /topics — the newsroom's topics, marking the ones this chat follows.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::message::Button;

#[derive(Debug)]
pub struct Topics;

impl Topics {
    pub fn parse(_args: &str) -> Result<Topics, CommandError> {
        Ok(Topics)
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        list(ctx).await
    }
}

/// After a toggle pressed under the list: what changed (`note`), then the list as it now
/// stands, to take the pressed message's place — a second press then toggles back instead of
/// answering "already subscribed" under a stale keyboard.
pub async fn refreshed(ctx: &Ctx<'_>, note: Reply) -> Result<Reply, CommandError> {
    let list = list(ctx).await?;
    let mut reply = note;
    reply.blocks.extend(list.blocks);
    reply.in_place = true;
    Ok(reply)
}

/// The newsroom's topics with a toggle for each this chat may switch.
async fn list(ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
    let l = ctx.lang();
    let topics = ctx.store().topics().await?;
    if topics.is_empty() {
        return Ok(Reply::text(t!("topics.empty", locale = l)));
    }
    let subscribed = ctx.store().subscriptions(ctx.chat.id).await?;
    let everything = subscribed.iter().any(Option::is_none);
    let mut reply = Reply::default().heading(t!("topics.heading", locale = l));
    let mut toggles = Vec::new();
    for topic in &topics {
        let on = everything || subscribed.iter().flatten().any(|s| s.id == topic.id);
        let mark = if on { "✓" } else { "·" };
        let name = topic.name(ctx.chat.language);
        reply = reply.item(format!("{mark} #{} — {name}", topic.slug));
        // Under "all news" a single topic cannot be turned off, so its button is absent.
        if on && everything {
            continue;
        }
        let command = if on { "unsubscribe" } else { "subscribe" };
        toggles.push(Button::new(
            format!("{mark} {name}"),
            format!("/{command} {}", topic.slug),
        ));
    }
    reply = reply.hint(t!("topics.hint", locale = l));
    // Two toggles a row keeps long topic names readable on a phone.
    for row in toggles.chunks(2) {
        reply = reply.buttons(row.to_vec());
    }
    Ok(reply)
}
