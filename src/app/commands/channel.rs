//! /channel add|remove|list|pause|resume|topics — moderators link channels and groups.
//!
//! Linking asks the platform (through its [`Directory`](crate::delivery::Directory)) whether
//! the moderator administers the chat and whether herald may post there, and says which is
//! missing; a moderator cannot point herald's news at somebody else's channel.

use rust_i18n::t;

use super::subscribe::Selection;
use super::{CommandError, Ctx, Reply, resolve_topics};
use crate::domain::{ChatLoss, Platform};
use crate::message::{chat_loss, tr};
use crate::store::{ChatRecord, NewChat};

#[derive(Debug)]
pub enum Channel {
    /// `/channel add <@name|id> [topics…|all]` (everything when no topics are named).
    Add { chat: String, topics: Selection },
    /// `/channel remove <@name|id>`
    Remove { chat: String },
    /// `/channel list`
    List,
    /// `/channel pause <@name|id>`: deliveries wait until resumed.
    Pause { chat: String },
    /// `/channel resume <@name|id>`
    Resume { chat: String },
    /// `/channel topics <@name|id> <topics…|all>`: replaces what the chat follows.
    Topics { chat: String, topics: Selection },
}

/// How many chats /channel list shows.
const LIST_LIMIT: u32 = 50;

impl Channel {
    pub fn parse(args: &str) -> Result<Channel, CommandError> {
        let mut words = args.split_whitespace();
        let action = words.next().unwrap_or("").to_lowercase();
        let chat = words.next().map(str::to_string);
        let rest: Vec<&str> = words.collect();
        let usage = || CommandError::Usage("channel");
        Ok(match (action.as_str(), chat) {
            ("list", None) => Channel::List,
            ("add", Some(chat)) => Channel::Add {
                chat,
                topics: if rest.is_empty() {
                    Selection::All
                } else {
                    Selection::parse(&rest.join(" "), "channel")?
                },
            },
            ("topics", Some(chat)) if !rest.is_empty() => Channel::Topics {
                chat,
                topics: Selection::parse(&rest.join(" "), "channel")?,
            },
            ("remove" | "delete", Some(chat)) if rest.is_empty() => Channel::Remove { chat },
            ("pause", Some(chat)) if rest.is_empty() => Channel::Pause { chat },
            ("resume", Some(chat)) if rest.is_empty() => Channel::Resume { chat },
            _ => return Err(usage()),
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        match self {
            Channel::List => list(ctx).await,
            Channel::Add { chat, topics } => {
                let linked = link(ctx, &chat).await?;
                set_topics(ctx, &linked, topics).await?;
                tracing::info!(chat = %linked.native_id, by = %ctx.user.user, "chat linked");
                Ok(
                    Reply::text(t!("channel.added", locale = l, chat = linked.title)).hint(t!(
                        "channel.added_hint",
                        locale = l,
                        id = linked.native_id
                    )),
                )
            }
            Channel::Topics { chat, topics } => {
                let known = known(ctx, &chat).await?;
                set_topics(ctx, &known, topics).await?;
                Ok(Reply::text(t!(
                    "channel.topics_set",
                    locale = l,
                    chat = known.title
                )))
            }
            Channel::Remove { chat } => {
                let known = known(ctx, &chat).await?;
                let cancelled = ctx.store().unlink_chat(known.id).await?;
                Ok(Reply::text(t!(
                    "channel.removed",
                    locale = l,
                    chat = known.title,
                    cancelled = cancelled
                )))
            }
            Channel::Pause { chat } => {
                let known = known(ctx, &chat).await?;
                ctx.store().set_chat_paused(known.id, true).await?;
                Ok(Reply::text(t!(
                    "channel.paused",
                    locale = l,
                    chat = known.title
                )))
            }
            Channel::Resume { chat } => {
                let known = known(ctx, &chat).await?;
                ctx.store().set_chat_paused(known.id, false).await?;
                ctx.app.planned();
                Ok(Reply::text(t!(
                    "channel.resumed",
                    locale = l,
                    chat = known.title
                )))
            }
        }
    }
}

/// Looks the chat up on the platform, checks both rights, and stores it.
async fn link(ctx: &Ctx<'_>, reference: &str) -> Result<ChatRecord, CommandError> {
    let directory = ctx
        .app
        .directory(ctx.chat.platform)
        .ok_or(CommandError::NoDirectory)?;
    let found = directory
        .find_chat(reference)
        .await
        .map_err(CommandError::Lookup)?;
    let membership = directory
        .membership(&found.native_id, &ctx.user.user.native_id)
        .await
        .map_err(CommandError::Lookup)?;
    if !membership.user_is_admin {
        return Err(CommandError::NotAdminOf(found.title));
    }
    if !membership.bot_can_post {
        return Err(CommandError::BotCannotPost(found.title));
    }
    let newsroom = &ctx.settings().newsroom;
    Ok(ctx
        .store()
        .upsert_chat(NewChat {
            platform: ctx.chat.platform,
            native_id: &found.native_id,
            kind: found.kind,
            title: &found.title,
            language: ctx.chat.language,
            time_zone: newsroom.default_time_zone,
        })
        .await?)
}

/// A chat herald already knows: by its platform id, or by name through the directory.
async fn known(ctx: &Ctx<'_>, reference: &str) -> Result<ChatRecord, CommandError> {
    let platform = ctx.chat.platform;
    if let Some(chat) = ctx.store().find_chat(platform, reference).await? {
        return Ok(chat);
    }
    if let Some(directory) = ctx.app.directory(platform)
        && let Ok(found) = directory.find_chat(reference).await
        && let Some(chat) = ctx.store().find_chat(platform, &found.native_id).await?
    {
        return Ok(chat);
    }
    Err(CommandError::UnknownChat(
        reference.chars().take(64).collect(),
    ))
}

/// Replaces the chat's subscriptions; topic names are checked before anything changes.
async fn set_topics(
    ctx: &Ctx<'_>,
    chat: &ChatRecord,
    selection: Selection,
) -> Result<(), CommandError> {
    let topics = match &selection {
        Selection::All => Vec::new(),
        Selection::Topics(slugs) => resolve_topics(ctx, slugs).await?,
    };
    ctx.store().unsubscribe_all(chat.id).await?;
    if topics.is_empty() {
        ctx.store().subscribe(chat.id, None).await?;
    }
    for topic in topics {
        ctx.store().subscribe(chat.id, Some(topic.id)).await?;
    }
    Ok(())
}

async fn list(ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
    let l = ctx.lang();
    let chats = ctx
        .store()
        .shared_chats(ctx.chat.platform, LIST_LIMIT)
        .await?;
    // Matrix has rooms, not channels and groups.
    let rooms = ctx.chat.platform == Platform::Matrix;
    if chats.is_empty() {
        let key = if rooms { "channel.none_rooms" } else { "channel.none" };
        return Ok(Reply::text(tr(key, l)));
    }
    let key = if rooms { "channel.heading_rooms" } else { "channel.heading" };
    let mut reply = Reply::default().heading(tr(key, l));
    for (chat, gone) in chats {
        let follows = ctx.store().subscriptions(chat.id).await?;
        let topics: Vec<String> = follows
            .iter()
            .map(|s| match s {
                None => t!("channel.all_news", locale = l).into(),
                Some(topic) => format!("#{}", topic.slug),
            })
            .collect();
        let topics = if topics.is_empty() {
            t!("channel.no_topics", locale = l).into()
        } else {
            topics.join(" ")
        };
        let state = match (gone, chat.paused) {
            (Some(reason), _) => {
                let reason = chat_loss(&ChatLoss::parse(&reason), l);
                t!("channel.state_gone", locale = l, reason = reason)
            }
            (None, true) => t!("channel.state_paused", locale = l),
            (None, false) => t!("channel.state_active", locale = l),
        };
        reply = reply.item(format!(
            "{} ({}) · {state} · {topics}",
            chat.title, chat.native_id
        ));
    }
    Ok(reply.hint(t!("channel.list_hint", locale = l)))
}
