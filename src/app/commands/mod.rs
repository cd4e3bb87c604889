//! The command layer: one enum, one file per command. Every platform feeds its messages here,
//! so a command behaves the same in the terminal, on Telegram and in Matrix.
//!
//! Each command file has a struct with `parse(args)`, which turns the text after the command
//! name into typed arguments or a `CommandError::Usage`, and `apply(ctx)`, which does the work.

use super::{Attachment, CommandError, Ctx};
use crate::domain::{Rich, Role, TopicSlug};
use crate::message::Reply;
use crate::store::TopicRecord;

/// Declares every command once: its enum variant and the file that holds it, the name users
/// type, the role it needs and whether it changes the chat's own settings. The enum, the
/// command tables, `parse` and `apply` all come from this one list, so adding a command is one
/// line here and one file beside this one.
macro_rules! commands {
    (@chat_setting) => { false };
    (@chat_setting chat_setting) => { true };
    ($( $variant:ident($module:ident::$ty:ident) = $name:literal, $role:ident $(, $flag:ident)?; )*) => {
        $( mod $module; )*

        /// Every command herald understands, with its arguments parsed. One lives per message
        /// for the moment it runs, so its size does not matter and its variants are not boxed.
        #[derive(Debug)]
        #[allow(clippy::large_enum_variant)]
        pub enum Command {
            $( $variant($module::$ty), )*
        }

        /// Command names and the role each needs, in the order /help lists them.
        pub const COMMANDS: &[(&str, Role)] = &[ $( ($name, Role::$role), )* ];

        /// Every command name, for renderers that mark commands in text.
        pub const NAMES: &[&str] = &[ $( $name, )* ];

        /// Whether a command changes the settings of the chat it is sent in; in a group only
        /// its admins (or herald's moderators) may use those.
        pub fn is_chat_setting(name: &str) -> bool {
            match name {
                $( $name => commands!(@chat_setting $($flag)?), )*
                _ => false,
            }
        }

        impl Command {
            /// Parses the arguments of the command `name`; unknown names are an error.
            pub fn parse(name: &str, args: &Args) -> Result<Command, CommandError> {
                Ok(match name {
                    $( $name => Command::$variant($module::$ty::parse(args)?), )*
                    other => return Err(CommandError::Unknown(other.chars().take(32).collect())),
                })
            }

            /// Does what the command asks.
            pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
                match self {
                    $( Command::$variant(c) => c.apply(ctx).await, )*
                }
            }
        }
    };
}

commands! {
    Start(start::Start) = "start", Reader;
    Help(help::Help) = "help", Reader;
    Latest(latest::Latest) = "latest", Reader;
    Search(search::Search) = "search", Reader;
    Article(article::ShowArticle) = "article", Reader;
    Archive(archive::Archive) = "archive", Reader;
    Topics(topics::Topics) = "topics", Reader;
    Subscribe(subscribe::Subscribe) = "subscribe", Reader, chat_setting;
    Unsubscribe(unsubscribe::Unsubscribe) = "unsubscribe", Reader, chat_setting;
    Subscriptions(subscriptions::Subscriptions) = "subscriptions", Reader;
    Alert(alert::Alert) = "alert", Reader, chat_setting;
    Alerts(alerts::Alerts) = "alerts", Reader;
    Lang(lang::Lang) = "lang", Reader, chat_setting;
    Timezone(timezone::Timezone) = "timezone", Reader, chat_setting;
    Digest(digest::Digest) = "digest", Reader, chat_setting;
    Quiet(quiet::Quiet) = "quiet", Reader, chat_setting;
    Post(post::Post) = "post", Editor;
    Preview(preview::Preview) = "preview", Editor;
    Schedule(schedule::Schedule) = "schedule", Editor;
    Drafts(drafts::Drafts) = "drafts", Editor;
    Link(link::Link) = "link", Editor;
    Edit(edit::Edit) = "edit", Editor;
    Retract(retract::Retract) = "retract", Editor;
    Approve(approve::Approve) = "approve", Moderator;
    Grant(grant::Grant) = "grant", Moderator;
    Revoke(revoke::Revoke) = "revoke", Moderator;
    Roles(roles::Roles) = "roles", Moderator;
    Topic(topic::TopicCommand) = "topic", Moderator;
    Channel(channel::Channel) = "channel", Moderator;
    Source(source::Source) = "source", Moderator;
    Deliveries(deliveries::Deliveries) = "deliveries", Moderator;
}

pub use source::{export_opml, import_opml};

/// What follows a command's name: its text (what `parse(args: &str)` reads, through `Deref`)
/// and the formatting the platform sent with it, which /post and /edit keep.
#[derive(Debug, Clone, Default)]
pub struct Args {
    rich: Rich,
    /// The image the command came with, which /post publishes.
    photo: Option<Attachment>,
}

impl Args {
    pub fn new(rich: Rich) -> Args {
        Args { rich, photo: None }
    }

    pub fn with_photo(self, photo: Option<Attachment>) -> Args {
        Args { photo, ..self }
    }

    pub fn rich(&self) -> &Rich {
        &self.rich
    }

    pub fn photo(&self) -> Option<&Attachment> {
        self.photo.as_ref()
    }

    /// The arguments with the article `id` named first, as if typed (`/retract 12 reason`).
    pub fn with_article(&self, id: i64) -> Args {
        Args::new(Rich::join(
            &[Rich::plain(id.to_string()), self.rich.clone()],
            " ",
        ))
        .with_photo(self.photo.clone())
    }
}

/// The correction of article `id` an edited `/post` asks for.
pub fn correction(id: i64, draft: crate::domain::ArticleDraft) -> Command {
    Command::Edit(edit::Edit::of_post(id, draft))
}

/// Whether a command written as a reply, without an article id of its own, acts on the
/// article the replied-to message is about (/edit, /retract, /preview, /article).
pub fn may_target_a_reply(name: &str, args: &str) -> bool {
    matches!(name, "edit" | "retract" | "preview" | "article")
        && args
            .split_whitespace()
            .next()
            .and_then(article::article_id)
            .is_none()
}

impl std::ops::Deref for Args {
    type Target = str;

    fn deref(&self) -> &str {
        &self.rich.text
    }
}

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

/// Whether a message starting with this line goes on over the following lines: an article
/// (`/post`, `/edit`) or an OPML document (`/source import`). Where a message is one line (the
/// terminal), those lines are read up to one holding a single `.`.
pub fn takes_lines(first_line: &str) -> bool {
    let Some((name, args)) = split(first_line) else {
        return false;
    };
    match name.as_str() {
        "post" | "edit" => true,
        "source" => args.split_whitespace().next() == Some("import"),
        _ => false,
    }
}

/// The role a command needs; unknown commands need none (they fail to parse instead).
pub fn required_role(name: &str) -> Role {
    COMMANDS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(Role::Reader, |(_, role)| *role)
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
