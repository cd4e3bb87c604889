//! /digest instant|hourly|daily [HH:MM] — how this chat receives news.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::domain::DeliveryMode;

#[derive(Debug)]
pub struct Digest {
    mode: Option<DeliveryMode>,
}

impl Digest {
    pub fn parse(args: &str) -> Result<Digest, CommandError> {
        if args.trim().is_empty() {
            return Ok(Digest { mode: None });
        }
        Ok(Digest {
            mode: Some(DeliveryMode::parse(args).ok_or(CommandError::Usage("digest"))?),
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let mode = match self.mode {
            Some(mode) => {
                ctx.store().set_delivery_mode(ctx.chat.id, mode).await?;
                ctx.app.planned();
                mode
            }
            None => ctx.store().chat_schedule(ctx.chat.id).await?.0,
        };
        Ok(Reply::text(match mode {
            DeliveryMode::Instant => t!("digest.instant", locale = l),
            DeliveryMode::Hourly => t!("digest.hourly", locale = l),
            DeliveryMode::Daily(at) => t!("digest.daily", locale = l, at = at.format("%H:%M")),
        }))
    }
}
