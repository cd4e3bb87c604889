//! /subscribe <topic…|all> — follow topics, or everything.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply, resolve_topics, topic_slug};
use crate::domain::TopicSlug;

/// What a chat asks to follow or stop following.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    All,
    Topics(Vec<TopicSlug>),
}

impl Selection {
    pub fn parse(args: &str, command: &'static str) -> Result<Selection, CommandError> {
        let words: Vec<&str> = args
            .split([' ', ',', '\n', '\t'])
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return Err(CommandError::Usage(command));
        }
        if words
            .iter()
            .any(|w| matches!(w.to_lowercase().as_str(), "all" | "все" | "всё"))
        {
            return Ok(Selection::All);
        }
        let mut slugs = Vec::new();
        for word in words {
            let slug = topic_slug(word)?;
            if !slugs.contains(&slug) {
                slugs.push(slug);
            }
        }
        Ok(Selection::Topics(slugs))
    }
}

#[derive(Debug)]
pub struct Subscribe {
    selection: Selection,
}

impl Subscribe {
    pub fn parse(args: &str) -> Result<Subscribe, CommandError> {
        Ok(Subscribe {
            selection: Selection::parse(args, "subscribe")?,
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        match self.selection {
            Selection::All => {
                let added = ctx.store().subscribe(ctx.chat.id, None).await?;
                let key = if added {
                    "subscribe.all"
                } else {
                    "subscribe.all_already"
                };
                Ok(Reply::text(t!(key, locale = l)))
            }
            Selection::Topics(slugs) => {
                // Check every name first, so a typo changes nothing.
                let topics = resolve_topics(ctx, &slugs).await?;
                let mut reply = Reply::default();
                for topic in topics {
                    let added = ctx.store().subscribe(ctx.chat.id, Some(topic.id)).await?;
                    let key = if added {
                        "subscribe.topic"
                    } else {
                        "subscribe.topic_already"
                    };
                    reply = reply.item(t!(
                        key,
                        locale = l,
                        topic = topic.name(ctx.chat.language),
                        slug = topic.slug
                    ));
                }
                if ctx.pressed {
                    return super::topics::refreshed(ctx, reply).await;
                }
                Ok(reply)
            }
        }
    }
}
