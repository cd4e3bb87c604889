//! /topic add|rename|remove — moderators manage the newsroom's topics.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply, topic_slug};
use crate::domain::{TopicName, TopicSlug};
use crate::message::tr_args;
use crate::store::TopicError;

#[derive(Debug)]
pub enum TopicCommand {
    /// `/topic add <slug> <Russian name> | <English name>`
    Add {
        slug: TopicSlug,
        ru: TopicName,
        en: TopicName,
    },
    /// `/topic rename <slug> <Russian name> | <English name>`
    Rename {
        slug: TopicSlug,
        ru: TopicName,
        en: TopicName,
    },
    /// `/topic remove <slug>`
    Remove { slug: TopicSlug },
}

/// `Русское | English`; one name without `|` serves both languages.
fn names(input: &str) -> Result<(TopicName, TopicName), CommandError> {
    let (ru, en) = input.split_once('|').unwrap_or((input, input));
    match (TopicName::parse(ru), TopicName::parse(en)) {
        (Some(ru), Some(en)) => Ok((ru, en)),
        _ => Err(CommandError::Usage("topic")),
    }
}

impl TopicCommand {
    pub fn parse(args: &str) -> Result<TopicCommand, CommandError> {
        let args = args.trim();
        let (action, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        let rest = rest.trim();
        let (slug, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let action = action.to_lowercase();
        if slug.is_empty() || !matches!(action.as_str(), "add" | "rename" | "remove" | "delete") {
            return Err(CommandError::Usage("topic"));
        }
        let slug = topic_slug(slug)?;
        match action.as_str() {
            "add" => {
                let (ru, en) = names(rest)?;
                Ok(TopicCommand::Add { slug, ru, en })
            }
            "rename" => {
                let (ru, en) = names(rest)?;
                Ok(TopicCommand::Rename { slug, ru, en })
            }
            "remove" | "delete" if rest.trim().is_empty() => Ok(TopicCommand::Remove { slug }),
            _ => Err(CommandError::Usage("topic")),
        }
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let result = match self {
            TopicCommand::Add { slug, ru, en } => {
                ctx.store().create_topic(&slug, &ru, &en).await.map(|_| {
                    t!(
                        "topic.added",
                        locale = l,
                        slug = slug,
                        ru = ru.as_str(),
                        en = en.as_str()
                    )
                })
            }
            TopicCommand::Rename { slug, ru, en } => {
                ctx.store().rename_topic(&slug, &ru, &en).await.map(|_| {
                    t!(
                        "topic.renamed",
                        locale = l,
                        slug = slug,
                        ru = ru.as_str(),
                        en = en.as_str()
                    )
                })
            }
            TopicCommand::Remove { slug } => ctx
                .store()
                .remove_topic(&slug)
                .await
                .map(|count| {
                    let args = [("slug", slug.to_string()), ("count", count.to_string())];
                    tr_args("topic.removed", l, &args).into()
                }),
        };
        match result {
            Ok(text) => Ok(Reply::text(text)),
            Err(TopicError::Exists(slug)) => Err(CommandError::TopicExists(slug.to_string())),
            Err(TopicError::NotFound(slug)) => Err(CommandError::UnknownTopic(slug.to_string())),
            Err(TopicError::Database(e)) => Err(e.into()),
        }
    }
}
