//! /link <id> <id> — an article and its translation: each chat then gets the version in its
//! language, with a pointer to the other.

use rust_i18n::t;

use super::article::article_id;
use super::{CommandError, Ctx, Reply};
use crate::store::PairOutcome;

#[derive(Debug)]
pub struct Link {
    a: i64,
    b: i64,
}

impl Link {
    pub fn parse(args: &str) -> Result<Link, CommandError> {
        let ids: Vec<i64> = args.split_whitespace().filter_map(article_id).collect();
        match ids[..] {
            [a, b] if a != b && args.split_whitespace().count() == 2 => Ok(Link { a, b }),
            _ => Err(CommandError::Usage("link")),
        }
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        match ctx.store().link_pair(self.a, self.b).await? {
            PairOutcome::Linked => Ok(Reply::text(t!(
                "link.done",
                locale = ctx.lang(),
                a = self.a,
                b = self.b
            ))),
            PairOutcome::NotFound(id) => Err(CommandError::NoArticle(id)),
            PairOutcome::SameLanguage => Err(CommandError::PairSameLanguage(self.b)),
            PairOutcome::AlreadyPaired(other) => Err(CommandError::PairTaken(self.a, other)),
        }
    }
}
