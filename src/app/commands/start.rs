//! /start — the greeting a new chat sees. A deep link (`t.me/<bot>?start=topic_dagestan`)
//! arrives as `/start topic_dagestan` and subscribes the private chat to that topic.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply, resolve_topics};
use crate::domain::{ChatKind, TopicSlug};

#[derive(Debug)]
pub struct Start {
    topic: Option<TopicSlug>,
}

impl Start {
    /// A payload that is not `topic_<slug>` is ignored: links from elsewhere may carry
    /// anything, and a greeting is still the right answer.
    pub fn parse(args: &str) -> Result<Start, CommandError> {
        let topic = args
            .trim()
            .strip_prefix("topic_")
            .and_then(TopicSlug::parse);
        Ok(Start { topic })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let mut reply = Reply::default()
            .heading(t!(
                "start.welcome",
                locale = l,
                newsroom = ctx.settings().newsroom.name
            ))
            .paragraph(t!("start.body", locale = l));
        // Group subscriptions belong to the group's admins (see `/subscribe`), not to a link.
        if let Some(slug) = self.topic.filter(|_| ctx.chat.kind == ChatKind::Private) {
            let topics = resolve_topics(ctx, std::slice::from_ref(&slug)).await?;
            for topic in topics {
                ctx.store().subscribe(ctx.chat.id, Some(topic.id)).await?;
                reply = reply.paragraph(t!(
                    "start.subscribed",
                    locale = l,
                    topic = topic.name(ctx.chat.language)
                ));
            }
        }
        Ok(reply)
    }
}
