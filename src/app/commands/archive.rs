//! /archive <YYYY-MM-DD> [page:N] — what was published on one day, in the chat's time zone.

use chrono::{Days, NaiveDate, TimeZone, Utc};
use rust_i18n::t;

use super::{CommandError, Ctx, Reply, take_page};
use crate::app::format;

#[derive(Debug)]
pub struct Archive {
    day: Day,
    page: u32,
}

#[derive(Debug, Clone, Copy)]
enum Day {
    Date(NaiveDate),
    Today,
    Yesterday,
}

impl Archive {
    pub fn parse(args: &str) -> Result<Archive, CommandError> {
        let (rest, page) = take_page(args, "archive")?;
        let day = match rest.trim().to_lowercase().as_str() {
            "" => return Err(CommandError::Usage("archive")),
            "today" | "сегодня" => Day::Today,
            "yesterday" | "вчера" => Day::Yesterday,
            other => NaiveDate::parse_from_str(other, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(other, "%d.%m.%Y"))
                .map(Day::Date)
                .map_err(|_| CommandError::BadDate(other.chars().take(40).collect()))?,
        };
        Ok(Archive { day, page })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let tz = ctx.chat.time_zone.tz();
        let today = ctx.app.clock().now().with_timezone(&tz).date_naive();
        let date = match self.day {
            Day::Date(d) => d,
            Day::Today => today,
            Day::Yesterday => today.pred_opt().unwrap_or(today),
        };
        let bad_date = || CommandError::BadDate(date.to_string());
        let next_day = date.checked_add_days(Days::new(1)).ok_or_else(bad_date)?;
        // A day that starts in a DST gap still starts: `earliest` picks the first valid instant.
        let start = tz
            .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .ok_or_else(bad_date)?;
        let end = tz
            .from_local_datetime(&next_day.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .ok_or_else(bad_date)?;
        let size = ctx.settings().search.page_size;
        let mut found = ctx
            .store()
            .articles_between(
                start.with_timezone(&Utc),
                end.with_timezone(&Utc),
                size + 1,
                (self.page - 1) * size,
            )
            .await?;
        let more = found.len() > size as usize;
        found.truncate(size as usize);
        let shown = date.format("%Y-%m-%d").to_string();
        let page = |n: u32| format!("/archive {shown} page:{n}");
        let pages = format::Pages {
            previous: (self.page > 1).then(|| page(self.page - 1)),
            next: more.then(|| page(self.page + 1)),
        };
        let heading = t!(
            "archive.heading",
            locale = l,
            date = shown,
            page = self.page
        );
        Ok(format::list(
            ctx,
            heading.into(),
            &found,
            t!("archive.empty", locale = l, date = shown).into(),
            pages,
        ))
    }
}
