//! What a pushed article, a digest and a retraction notice say, platform-neutral. Adapters
//! render the reply into their markup.

use chrono::{DateTime, Utc};

use crate::domain::ArticleRecord;
use crate::domain::{LabelPosition, Language, TimeZoneName};
use crate::message::{Block, Reply, tr_args};

/// Who reads a post: the language and time zone of the chat it goes to.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub language: Language,
    pub time_zone: TimeZoneName,
}

fn local(at: DateTime<Utc>, to: Reader, format: &str) -> String {
    at.with_timezone(&to.time_zone.tz())
        .format(format)
        .to_string()
}

/// An article as pushed to a chat: headline, time, lead, where to read on. A corrected article
/// carries a visible "Updated HH:MM" mark.
pub fn article(article: &ArticleRecord, to: Reader) -> Reply {
    with_label(article, article_body(article, to))
}

fn article_body(article: &ArticleRecord, to: Reader) -> Reply {
    let l = to.language.code();
    let mut meta = local(article.published_at, to, "%d.%m.%Y %H:%M %Z");
    if let Some(updated) = article.updated_at {
        meta.push_str(" · ");
        meta.push_str(&tr_args(
            "push.updated",
            l,
            &[("at", local(updated, to, "%H:%M"))],
        ));
    }
    if !article.topics.is_empty() {
        let tags: Vec<String> = article.topics.iter().map(|t| format!("#{t}")).collect();
        meta.push_str(&format!(" · {}", tags.join(" ")));
    }
    let mut reply = Reply::default()
        .heading(article.title.clone())
        .paragraph(meta);
    if let Some(pair) = article.pair_id {
        let other = crate::message::tr(&format!("render.also_{}", article.language.other()), l);
        reply = reply.hint(format!("{other}: /article {pair}"));
    }
    if !article.lead.is_empty() {
        reply = reply.paragraph(article.lead.clone());
    }
    match &article.url {
        Some(url) => reply.hint(tr_args("push.read_more", l, &[("url", url.clone())])),
        None => reply.hint(tr_args("push.open", l, &[("id", article.id.to_string())])),
    }
}

/// What a copy brought by an alert says of it: "🔔 Your alert: «Гусейнов»".
pub fn alert_line(query: &str, language: Language) -> String {
    tr_args(
        "push.alert",
        language.code(),
        &[("query", query.to_string())],
    )
}

/// An article pushed to a chat because of its alert `query`: the post, and the alert named.
pub fn alerted_article(article: &ArticleRecord, to: Reader, query: &str) -> Reply {
    self::article(article, to).hint(alert_line(query, to.language))
}

/// Puts the article's legal label first (or last): every message of the article carries it.
fn with_label(article: &ArticleRecord, mut reply: Reply) -> Reply {
    let Some(label) = &article.label else {
        return reply;
    };
    let block = Block::Paragraph(label.text.clone());
    match label.position {
        LabelPosition::Top => reply.blocks.insert(0, block),
        LabelPosition::Bottom => reply.blocks.push(block),
    }
    reply
}

/// Replaces a copy that can no longer be deleted.
pub fn retraction_notice(title: &str, language: Language) -> Reply {
    Reply::text(tr_args(
        "push.retracted",
        language.code(),
        &[("title", title.to_string())],
    ))
}

/// Several held articles in one message, each with the alert that brought it, if one did.
pub fn digest(articles: &[(ArticleRecord, Option<String>)], to: Reader) -> Reply {
    let l = to.language.code();
    let mut reply = Reply::default().heading(tr_args(
        "push.digest",
        l,
        &[("count", articles.len().to_string())],
    ));
    for (article, alert) in articles {
        let mut item = format!(
            "#{} · {} · {}",
            article.id,
            local(article.published_at, to, "%H:%M"),
            article.title
        );
        if let Some(query) = alert {
            item.push_str(&format!(" · {}", alert_line(query, to.language)));
        }
        reply = reply.item(item);
    }
    reply.hint(tr_args("push.open", l, &[("id", "<id>".into())]))
}
