//! /latest [topic] [n] — the newest articles, of everything or of one topic.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply, topic_slug};
use crate::app::format;
use crate::domain::TopicSlug;

const DEFAULT_COUNT: u32 = 5;
const MAX_COUNT: u32 = 20;

#[derive(Debug)]
pub struct Latest {
    topic: Option<TopicSlug>,
    count: u32,
}

impl Latest {
    pub fn parse(args: &str) -> Result<Latest, CommandError> {
        let mut latest = Latest {
            topic: None,
            count: DEFAULT_COUNT,
        };
        for token in args.split_whitespace() {
            match token.parse::<u32>() {
                Ok(n) if (1..=MAX_COUNT).contains(&n) => latest.count = n,
                Ok(_) => return Err(CommandError::Usage("latest")),
                Err(_) if latest.topic.is_none() => latest.topic = Some(topic_slug(token)?),
                Err(_) => return Err(CommandError::Usage("latest")),
            }
        }
        Ok(latest)
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let (topic_id, heading) = match &self.topic {
            Some(slug) => {
                let topic = ctx
                    .store()
                    .topic(slug)
                    .await?
                    .ok_or_else(|| CommandError::UnknownTopic(slug.to_string()))?;
                (
                    Some(topic.id),
                    t!(
                        "latest.heading_topic",
                        locale = l,
                        topic = topic.name(ctx.chat.language)
                    ),
                )
            }
            None => (None, t!("latest.heading", locale = l)),
        };
        let articles = ctx.store().latest_articles(topic_id, self.count, 0).await?;
        Ok(format::list(
            ctx,
            heading.into(),
            &articles,
            t!("latest.empty", locale = l).into(),
            None,
        ))
    }
}
