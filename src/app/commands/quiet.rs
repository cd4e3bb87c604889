//! /quiet HH:MM-HH:MM|off — hours in which this chat receives nothing; what arrives meanwhile
//! comes as one digest when they end.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::domain::QuietHours;

#[derive(Debug)]
pub enum Quiet {
    Show,
    Off,
    Set(QuietHours),
}

impl Quiet {
    pub fn parse(args: &str) -> Result<Quiet, CommandError> {
        match args.trim().to_lowercase().as_str() {
            "" => Ok(Quiet::Show),
            "off" | "выкл" | "нет" => Ok(Quiet::Off),
            other => QuietHours::parse(other)
                .map(Quiet::Set)
                .ok_or(CommandError::Usage("quiet")),
        }
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let quiet = match self {
            Quiet::Show => ctx.store().chat_schedule(ctx.chat.id).await?.1,
            Quiet::Off => {
                ctx.store().set_quiet_hours(ctx.chat.id, None).await?;
                None
            }
            Quiet::Set(hours) => {
                ctx.store()
                    .set_quiet_hours(ctx.chat.id, Some(hours))
                    .await?;
                Some(hours)
            }
        };
        Ok(Reply::text(match quiet {
            None => t!("quiet.off", locale = l),
            Some(q) => t!(
                "quiet.on",
                locale = l,
                start = q.start.format("%H:%M"),
                end = q.end.format("%H:%M"),
                zone = ctx.chat.time_zone.name()
            ),
        }))
    }
}
