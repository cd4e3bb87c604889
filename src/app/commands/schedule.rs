//! /schedule <id> <YYYY-MM-DD HH:MM> — publish a draft at an embargo time, in the chat's zone.

use chrono::{NaiveDateTime, TimeZone};
use rust_i18n::t;

use super::article::article_id;
use super::{CommandError, Ctx, Reply};
use crate::domain::Role;
use crate::domain::ArticleStatus;

#[derive(Debug)]
pub struct Schedule {
    id: i64,
    at: NaiveDateTime,
}

impl Schedule {
    pub fn parse(args: &str) -> Result<Schedule, CommandError> {
        let args = args.trim();
        let (id, when) = args
            .split_once(char::is_whitespace)
            .ok_or(CommandError::Usage("schedule"))?;
        let id = article_id(id).ok_or(CommandError::Usage("schedule"))?;
        let when = when.trim();
        let at = NaiveDateTime::parse_from_str(when, "%Y-%m-%d %H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(when, "%d.%m.%Y %H:%M"))
            .map_err(|_| CommandError::BadDate(when.chars().take(40).collect()))?;
        Ok(Schedule { id, at })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let article = ctx
            .store()
            .article(self.id)
            .await?
            .ok_or(CommandError::NoArticle(self.id))?;
        if article.status == ArticleStatus::Published {
            return Ok(Reply::text(t!("approve.already", locale = l, id = self.id)));
        }
        let tz = ctx.chat.time_zone.tz();
        let at = tz
            .from_local_datetime(&self.at)
            .earliest()
            .ok_or_else(|| CommandError::BadDate(self.at.to_string()))?;
        if at.timestamp_millis() <= ctx.app.clock().now_ms() {
            return Err(CommandError::BadDate(
                self.at.format("%Y-%m-%d %H:%M").to_string(),
            ));
        }
        // Without approval required, or from a moderator, the time is the go-ahead itself.
        let approved = article.status == ArticleStatus::Scheduled
            || !ctx.settings().newsroom.require_approval
            || ctx.role >= Role::Moderator;
        if !ctx
            .store()
            .schedule_article(self.id, at.timestamp_millis(), approved)
            .await?
        {
            return Err(CommandError::Retracted(self.id));
        }
        let when = crate::app::format::time(ctx, at.with_timezone(&chrono::Utc));
        let key = if approved {
            "schedule.done"
        } else {
            "schedule.needs_approval"
        };
        Ok(Reply::text(t!(key, locale = l, id = self.id, at = when)))
    }
}
