//! How articles and times look in replies, in the chat's language and time zone.

use chrono::{DateTime, Utc};
use rust_i18n::t;

use super::Ctx;
use super::reply::Reply;
use crate::store::ArticleRecord;

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

/// A list of articles with a heading, or `empty` when there are none, and the command for the
/// next page when there may be one (`more` is true when a further row was found).
pub fn list(
    ctx: &Ctx<'_>,
    heading: String,
    articles: &[ArticleRecord],
    empty: String,
    next: Option<String>,
) -> Reply {
    if articles.is_empty() {
        return Reply::text(empty);
    }
    let mut reply = Reply::default().heading(heading);
    for article in articles {
        reply = reply.item(line(ctx, article));
    }
    reply = reply.hint(t!("list.open", locale = ctx.lang()));
    if let Some(next) = next {
        reply = reply.hint(t!("list.next", locale = ctx.lang(), command = next));
    }
    reply
}
