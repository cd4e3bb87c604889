//! How articles and times look in replies, in the chat's language and time zone.

use chrono::{DateTime, Utc};
use rust_i18n::t;

use super::Ctx;
use crate::domain::ArticleRecord;
use crate::message::{Button, Reply};

/// `12.01.2019 21:10 MSK` in the chat's time zone.
pub fn time(ctx: &Ctx<'_>, at: DateTime<Utc>) -> String {
    at.with_timezone(&ctx.chat.time_zone.tz())
        .format("%d.%m.%Y %H:%M %Z")
        .to_string()
}

/// One line of a list: id, time, title, topics.
pub fn line(ctx: &Ctx<'_>, article: &ArticleRecord) -> String {
    let mut out = format!(
        "#{} · {} · {}",
        article.id,
        time(ctx, article.published_at),
        article.title
    );
    if !article.topics.is_empty() {
        let tags: Vec<String> = article.topics.iter().map(|t| format!("#{t}")).collect();
        out.push_str(&format!(" · {}", tags.join(" ")));
    }
    out
}

/// The commands for the pages around a list, when there are such pages.
#[derive(Debug, Default)]
pub struct Pages {
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// A list of articles with a heading, or `empty` when there are none; a button per article
/// opens it, and buttons (and a hint, for platforms without buttons) lead to the next and
/// previous pages.
pub fn list(
    ctx: &Ctx<'_>,
    heading: String,
    articles: &[ArticleRecord],
    empty: String,
    pages: Pages,
) -> Reply {
    let l = ctx.lang();
    if articles.is_empty() {
        return Reply::text(empty);
    }
    let mut reply = Reply::default().heading(heading);
    for article in articles {
        reply = reply.item(line(ctx, article));
    }
    reply = reply.hint(t!("list.open", locale = l));
    if let Some(next) = &pages.next {
        reply = reply.hint(t!("list.next", locale = l, command = next));
    }
    let open = articles
        .iter()
        .map(|a| Button::new(format!("#{}", a.id), format!("/article {}", a.id)))
        .collect();
    let mut turn = Vec::new();
    if let Some(previous) = pages.previous {
        turn.push(Button::new(
            t!("list.previous_button", locale = l),
            previous,
        ));
    }
    if let Some(next) = pages.next {
        turn.push(Button::new(t!("list.next_button", locale = l), next));
    }
    reply.buttons(open).buttons(turn)
}
