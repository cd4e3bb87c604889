//! The command layer: one enum, one file per command. Every platform feeds its messages here,
//! so a command behaves the same in the terminal, on Telegram and in Matrix.
//!
//! Each command file has a struct with `parse(args)`, which turns the text after the command
//! name into typed arguments or a `CommandError::Usage`, and `apply(ctx)`, which does the work.

mod approve;
mod archive;
mod article;
mod channel;
mod deliveries;
mod digest;
mod drafts;
mod edit;
mod grant;
mod help;
mod lang;
mod latest;
mod link;
mod post;
mod preview;
mod quiet;
mod retract;
mod revoke;
mod roles;
mod schedule;
mod search;
pub mod source;
mod start;
mod subscribe;
mod subscriptions;
mod timezone;
mod topic;
mod topics;
mod unsubscribe;

use super::{CommandError, Ctx, Reply};
use crate::domain::{Role, TopicSlug};
use crate::store::TopicRecord;

/// Every command herald understands, with its arguments parsed.
#[derive(Debug)]
pub enum Command {
    Start(start::Start),
    Help(help::Help),
    Latest(latest::Latest),
    Search(search::Search),
    Article(article::ShowArticle),
    Archive(archive::Archive),
    Topics(topics::Topics),
    Subscribe(subscribe::Subscribe),
    Unsubscribe(unsubscribe::Unsubscribe),
    Subscriptions(subscriptions::Subscriptions),
    Lang(lang::Lang),
    Timezone(timezone::Timezone),
    Digest(digest::Digest),
    Quiet(quiet::Quiet),
    Post(post::Post),
    Preview(preview::Preview),
    Schedule(schedule::Schedule),
    Drafts(drafts::Drafts),
    Link(link::Link),
    Approve(approve::Approve),
    Edit(edit::Edit),
    Retract(retract::Retract),
    Grant(grant::Grant),
    Revoke(revoke::Revoke),
    Roles(roles::Roles),
    Topic(topic::TopicCommand),
    Channel(channel::Channel),
    Source(source::Source),
    Deliveries(deliveries::Deliveries),
}

/// Command names and the role each needs, in the order /help lists them.
pub const COMMANDS: &[(&str, Role)] = &[
    ("start", Role::Reader),
    ("help", Role::Reader),
    ("latest", Role::Reader),
    ("search", Role::Reader),
    ("article", Role::Reader),
    ("archive", Role::Reader),
    ("topics", Role::Reader),
    ("subscribe", Role::Reader),
    ("unsubscribe", Role::Reader),
    ("subscriptions", Role::Reader),
    ("lang", Role::Reader),
    ("timezone", Role::Reader),
    ("digest", Role::Reader),
    ("quiet", Role::Reader),
    ("post", Role::Editor),
    ("preview", Role::Editor),
    ("schedule", Role::Editor),
    ("drafts", Role::Editor),
    ("link", Role::Editor),
    ("edit", Role::Editor),
    ("retract", Role::Editor),
    ("approve", Role::Moderator),
    ("grant", Role::Moderator),
    ("revoke", Role::Moderator),
    ("roles", Role::Moderator),
    ("topic", Role::Moderator),
    ("channel", Role::Moderator),
    ("source", Role::Moderator),
    ("deliveries", Role::Moderator),
];

/// Commands that change the settings of the chat they are sent in; in a group only its admins
/// (or herald's moderators) may use them.
pub const CHAT_SETTINGS: &[&str] = &[
    "subscribe",
    "unsubscribe",
    "lang",
    "timezone",
    "digest",
    "quiet",
];

/// Splits `/name@bot args` (or `!name args`, Matrix style) into a lower-case name and the rest.
/// `None` when the text is not a command at all.
pub fn split(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    let rest = text.strip_prefix('/').or_else(|| text.strip_prefix('!'))?;
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let (word, args) = rest.split_at(end);
    let name = word.split('@').next().unwrap_or("").to_lowercase();
    if name.is_empty() {
        return None;
    }
    Some((name, args.trim_start_matches([' ', '\t']).trim_end()))
}

/// The role a command needs; unknown commands need none (they fail to parse instead).
pub fn required_role(name: &str) -> Role {
    COMMANDS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(Role::Reader, |(_, role)| *role)
}

impl Command {
    pub fn parse(name: &str, args: &str) -> Result<Command, CommandError> {
        Ok(match name {
            "start" => Command::Start(start::Start::parse(args)?),
            "help" => Command::Help(help::Help::parse(args)?),
            "latest" => Command::Latest(latest::Latest::parse(args)?),
            "search" => Command::Search(search::Search::parse(args)?),
            "article" => Command::Article(article::ShowArticle::parse(args)?),
            "archive" => Command::Archive(archive::Archive::parse(args)?),
            "topics" => Command::Topics(topics::Topics::parse(args)?),
            "subscribe" => Command::Subscribe(subscribe::Subscribe::parse(args)?),
            "unsubscribe" => Command::Unsubscribe(unsubscribe::Unsubscribe::parse(args)?),
            "subscriptions" => Command::Subscriptions(subscriptions::Subscriptions::parse(args)?),
            "lang" => Command::Lang(lang::Lang::parse(args)?),
            "timezone" => Command::Timezone(timezone::Timezone::parse(args)?),
            "digest" => Command::Digest(digest::Digest::parse(args)?),
            "quiet" => Command::Quiet(quiet::Quiet::parse(args)?),
            "post" => Command::Post(post::Post::parse(args)?),
            "preview" => Command::Preview(preview::Preview::parse(args)?),
            "schedule" => Command::Schedule(schedule::Schedule::parse(args)?),
            "drafts" => Command::Drafts(drafts::Drafts::parse(args)?),
            "link" => Command::Link(link::Link::parse(args)?),
            "approve" => Command::Approve(approve::Approve::parse(args)?),
            "edit" => Command::Edit(edit::Edit::parse(args)?),
            "retract" => Command::Retract(retract::Retract::parse(args)?),
            "grant" => Command::Grant(grant::Grant::parse(args)?),
            "revoke" => Command::Revoke(revoke::Revoke::parse(args)?),
            "roles" => Command::Roles(roles::Roles::parse(args)?),
            "topic" => Command::Topic(topic::TopicCommand::parse(args)?),
            "channel" => Command::Channel(channel::Channel::parse(args)?),
            "source" => Command::Source(source::Source::parse(args)?),
            "deliveries" => Command::Deliveries(deliveries::Deliveries::parse(args)?),
            other => return Err(CommandError::Unknown(other.chars().take(32).collect())),
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        match self {
            Command::Start(c) => c.apply(ctx).await,
            Command::Help(c) => c.apply(ctx).await,
            Command::Latest(c) => c.apply(ctx).await,
            Command::Search(c) => c.apply(ctx).await,
            Command::Article(c) => c.apply(ctx).await,
            Command::Archive(c) => c.apply(ctx).await,
            Command::Topics(c) => c.apply(ctx).await,
            Command::Subscribe(c) => c.apply(ctx).await,
            Command::Unsubscribe(c) => c.apply(ctx).await,
            Command::Subscriptions(c) => c.apply(ctx).await,
            Command::Lang(c) => c.apply(ctx).await,
            Command::Timezone(c) => c.apply(ctx).await,
            Command::Digest(c) => c.apply(ctx).await,
            Command::Quiet(c) => c.apply(ctx).await,
            Command::Post(c) => c.apply(ctx).await,
            Command::Preview(c) => c.apply(ctx).await,
            Command::Schedule(c) => c.apply(ctx).await,
            Command::Drafts(c) => c.apply(ctx).await,
            Command::Link(c) => c.apply(ctx).await,
            Command::Approve(c) => c.apply(ctx).await,
            Command::Edit(c) => c.apply(ctx).await,
            Command::Retract(c) => c.apply(ctx).await,
            Command::Grant(c) => c.apply(ctx).await,
            Command::Revoke(c) => c.apply(ctx).await,
            Command::Roles(c) => c.apply(ctx).await,
            Command::Topic(c) => c.apply(ctx).await,
            Command::Channel(c) => c.apply(ctx).await,
            Command::Source(c) => c.apply(ctx).await,
            Command::Deliveries(c) => c.apply(ctx).await,
        }
    }
}

/// The highest page number accepted; deeper pages are better reached by a narrower query.
const MAX_PAGE: u32 = 1_000;

/// Takes a `page:N` token (also `p:N`, `стр:N`) out of the arguments. Pages count from 1.
fn take_page(args: &str, command: &'static str) -> Result<(String, u32), CommandError> {
    let mut page = 1;
    let mut rest = Vec::new();
    for token in args.split_whitespace() {
        let lower = token.to_lowercase();
        let value = ["page:", "p:", "стр:"]
            .iter()
            .find_map(|p| lower.strip_prefix(p));
        match value {
            Some(n) => match n.parse::<u32>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => page = n,
                _ => return Err(CommandError::Usage(command)),
            },
            None => rest.push(token),
        }
    }
    Ok((rest.join(" "), page))
}

/// Looks up topics by slug; the first unknown one is an error naming it.
async fn resolve_topics(
    ctx: &Ctx<'_>,
    slugs: &[TopicSlug],
) -> Result<Vec<TopicRecord>, CommandError> {
    let mut topics = Vec::with_capacity(slugs.len());
    for slug in slugs {
        let topic = ctx
            .store()
            .topic(slug)
            .await?
            .ok_or_else(|| CommandError::UnknownTopic(slug.to_string()))?;
        topics.push(topic);
    }
    Ok(topics)
}

/// Parses a topic slug typed by a user, or says which input is not one.
fn topic_slug(input: &str) -> Result<TopicSlug, CommandError> {
    TopicSlug::parse(input)
        .ok_or_else(|| CommandError::UnknownTopic(input.chars().take(40).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_drop_the_bot_suffix_and_case() {
        assert_eq!(
            split("/Latest@herald_bot dagestan 3"),
            Some(("latest".into(), "dagestan 3"))
        );
        assert_eq!(split("!search выборы"), Some(("search".into(), "выборы")));
        assert_eq!(split("hello"), None);
        assert_eq!(split("/"), None);
    }

    #[test]
    fn page_tokens_are_taken_out_of_the_arguments() {
        assert_eq!(
            take_page("выборы page:3", "search").unwrap(),
            ("выборы".into(), 3)
        );
        assert!(take_page("x page:0", "search").is_err());
        assert!(take_page("x page:abc", "search").is_err());
    }
}
