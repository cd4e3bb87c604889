//! /timezone <IANA name> — the time zone times are shown in for this chat.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::domain::TimeZoneName;

#[derive(Debug)]
pub struct Timezone {
    zone: Option<TimeZoneName>,
}

impl Timezone {
    pub fn parse(args: &str) -> Result<Timezone, CommandError> {
        let args = args.trim();
        if args.is_empty() {
            return Ok(Timezone { zone: None });
        }
        let zone = TimeZoneName::parse(args)
            .ok_or_else(|| CommandError::BadTimeZone(args.chars().take(40).collect()))?;
        Ok(Timezone { zone: Some(zone) })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        match self.zone {
            None => Ok(Reply::text(t!(
                "timezone.current",
                locale = l,
                zone = ctx.chat.time_zone.name()
            ))
            .hint(t!("usage.timezone", locale = l))),
            Some(zone) => {
                ctx.store().set_chat_time_zone(ctx.chat.id, zone).await?;
                Ok(Reply::text(t!(
                    "timezone.set",
                    locale = l,
                    zone = zone.name()
                )))
            }
        }
    }
}
