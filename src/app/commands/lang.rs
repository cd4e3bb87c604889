//! /lang ru|en — the language herald speaks in this chat.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::domain::Language;

#[derive(Debug)]
pub struct Lang {
    language: Option<Language>,
}

impl Lang {
    pub fn parse(args: &str) -> Result<Lang, CommandError> {
        let args = args.trim();
        if args.is_empty() {
            return Ok(Lang { language: None });
        }
        let language = Language::parse(args)
            .ok_or_else(|| CommandError::BadLanguage(args.chars().take(20).collect()))?;
        Ok(Lang {
            language: Some(language),
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        match self.language {
            None => Ok(Reply::text(t!("lang.current", locale = ctx.lang()))
                .hint(t!("usage.lang", locale = ctx.lang()))),
            Some(language) => {
                ctx.store().set_chat_language(ctx.chat.id, language).await?;
                Ok(Reply::text(t!("lang.set", locale = language.code())))
            }
        }
    }
}
