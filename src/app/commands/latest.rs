//! /latest [topic] [n] [page:N] — the newest articles, of everything or of one topic.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply, take_page, topic_slug};
use crate::app::format;
use crate::domain::TopicSlug;

const DEFAULT_COUNT: u32 = 5;
const MAX_COUNT: u32 = 20;

#[derive(Debug)]
pub struct Latest {
    topic: Option<TopicSlug>,
    count: u32,
    page: u32,
}

impl Latest {
    pub fn parse(args: &str) -> Result<Latest, CommandError> {
        let (rest, page) = take_page(args, "latest")?;
        let mut latest = Latest {
            topic: None,
            count: DEFAULT_COUNT,
            page,
        };
        for token in rest.split_whitespace() {
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
        // One row more than a page tells whether a next page exists.
        let offset = (self.page - 1) * self.count;
        let mut articles = ctx
            .store()
            .latest_articles(topic_id, self.count + 1, offset)
            .await?;
        let more = articles.len() > self.count as usize;
        articles.truncate(self.count as usize);
        let topic = self
            .topic
            .as_ref()
            .map(|t| format!(" {t}"))
            .unwrap_or_default();
        let count = if self.count == DEFAULT_COUNT {
            String::new()
        } else {
            format!(" {}", self.count)
        };
        let page = |n: u32| format!("/latest{topic}{count} page:{n}");
        let pages = format::Pages {
            previous: (self.page > 1).then(|| page(self.page - 1)),
            next: more.then(|| page(self.page + 1)),
        };
        let empty = if self.page == 1 {
            t!("latest.empty", locale = l)
        } else {
            t!("search.no_more", locale = l)
        };
        Ok(format::list(
            ctx,
            heading.into(),
            &articles,
            empty.into(),
            pages,
        ))
    }
}
