//! /start — the greeting a new chat sees.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};

#[derive(Debug)]
pub struct Start;

impl Start {
    /// Platforms append a payload to /start (deep links); it is accepted and ignored here.
    pub fn parse(_args: &str) -> Result<Start, CommandError> {
        Ok(Start)
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        Ok(Reply::default()
            .heading(t!(
                "start.welcome",
                locale = l,
                newsroom = ctx.settings().newsroom.name
            ))
            .paragraph(t!("start.body", locale = l)))
    }
}
