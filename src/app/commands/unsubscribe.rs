//! /unsubscribe <topic…|all> — stop following topics, or everything.

use rust_i18n::t;

use super::subscribe::Selection;
use super::{CommandError, Ctx, Reply, resolve_topics};
use crate::message::tr_count;

#[derive(Debug)]
pub struct Unsubscribe {
    selection: Selection,
}

impl Unsubscribe {
    pub fn parse(args: &str) -> Result<Unsubscribe, CommandError> {
        Ok(Unsubscribe {
            selection: Selection::parse(args, "unsubscribe")?,
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        match self.selection {
            Selection::All => {
                let removed = ctx.store().unsubscribe_all(ctx.chat.id).await?;
                Ok(Reply::text(tr_count("unsubscribe.all", l, removed)))
            }
            Selection::Topics(slugs) => {
                let topics = resolve_topics(ctx, &slugs).await?;
                let mut reply = Reply::default();
                for topic in topics {
                    let removed = ctx.store().unsubscribe(ctx.chat.id, Some(topic.id)).await?;
                    let key = if removed {
                        "unsubscribe.topic"
                    } else {
                        "unsubscribe.topic_not"
                    };
                    reply = reply.item(t!(
                        key,
                        locale = l,
                        topic = topic.name(ctx.chat.language),
                        slug = topic.slug
                    ));
                }
                let everything = ctx
                    .store()
                    .subscriptions(ctx.chat.id)
                    .await?
                    .iter()
                    .any(Option::is_none);
                if everything {
                    reply = reply.hint(t!("unsubscribe.still_all", locale = l));
                }
                if ctx.pressed {
                    return super::topics::refreshed(ctx, reply).await;
                }
                Ok(reply)
            }
        }
    }
}
