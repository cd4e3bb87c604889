//! Why a command did not do what was asked. Each case carries what the user needs to fix it;
//! `user_message` turns it into their language, `Display` is for logs.

use rust_i18n::t;

use crate::domain::user::UserRefError;
use crate::domain::{DraftError, Language, Role, SearchQueryError};

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("unknown command /{0}")]
    Unknown(String),
    #[error("wrong arguments for /{0}")]
    Usage(&'static str),
    #[error("needs the {needed} role")]
    Refused { needed: Role },
    #[error("{0}")]
    Draft(#[from] DraftError),
    #[error("{0}")]
    Query(#[from] SearchQueryError),
    #[error("{0}")]
    User(#[from] UserRefError),
    #[error("unknown topic {0}")]
    UnknownTopic(String),
    #[error("no article #{0}")]
    NoArticle(i64),
    #[error("article #{0} is retracted")]
    Retracted(i64),
    #[error("`{0}` is not a date")]
    BadDate(String),
    #[error("`{0}` is not a time zone")]
    BadTimeZone(String),
    #[error("`{0}` is not a language")]
    BadLanguage(String),
    #[error("`{0}` is not a role that can be granted")]
    BadRole(String),
    #[error("{0} is an owner")]
    TargetIsOwner(String),
    #[error("topic {0} exists")]
    TopicExists(String),
    #[error("articles #{0} and its pair share a language")]
    PairSameLanguage(i64),
    #[error("article #{0} already has a translation (#{1})")]
    PairTaken(i64, i64),
    #[error("no label {0}")]
    UnknownLabel(String),
    #[error("label does not fit: {0}")]
    LabelTooLong(String),
    #[error("photo refused: {0:?}")]
    PhotoRefused(crate::app::PhotoRefusal),
    #[error("the image sent with /post: {0}")]
    Attachment(#[from] crate::app::AttachmentError),
    #[error("{0} is on an internal network")]
    InternalSource(String),
    #[error("only the chat's admins may change its settings")]
    NotChatAdmin,
    #[error("{0}")]
    Lookup(crate::delivery::LookupError),
    #[error("the user does not administer {0}")]
    NotAdminOf(String),
    #[error("herald cannot post in {0}")]
    BotCannotPost(String),
    #[error("herald does not know the chat {0}")]
    UnknownChat(String),
    #[error("this platform has no chats to link")]
    NoDirectory,
    #[error("`{0}` is not a feed URL")]
    BadFeedUrl(String),
    #[error("no source {0}")]
    UnknownSource(String),
    #[error("not OPML: {0}")]
    BadOpml(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::store::StoreError> for CommandError {
    fn from(error: crate::store::StoreError) -> Self {
        CommandError::Internal(anyhow::Error::new(error).context("database"))
    }
}

impl CommandError {
    /// The text shown to the user, in their chat's language.
    pub fn user_message(&self, lang: Language) -> String {
        let l = lang.code();
        match self {
            CommandError::Unknown(name) => {
                t!("error.unknown_command", locale = l, name = name).into()
            }
            CommandError::Usage(name) => {
                let usage = crate::message::tr(&format!("usage.{name}"), l);
                t!("error.usage", locale = l, usage = usage).into()
            }
            CommandError::Refused { needed } => {
                let role = crate::message::tr(&format!("role.{needed}"), l);
                t!("error.refused", locale = l, role = role).into()
            }
            CommandError::Draft(error) => draft_message(error, l),
            CommandError::Query(SearchQueryError::NoWords) => {
                t!("error.query_no_words", locale = l).into()
            }
            CommandError::Query(SearchQueryError::OnlyExclusions) => {
                t!("error.query_only_exclusions", locale = l).into()
            }
            CommandError::Query(SearchQueryError::TooLong) => {
                t!("error.query_too_long", locale = l).into()
            }
            CommandError::User(UserRefError::Malformed(v)) => {
                t!("error.bad_user", locale = l, value = v).into()
            }
            CommandError::User(UserRefError::UnknownPlatform(v)) => {
                t!("error.bad_platform", locale = l, value = v).into()
            }
            CommandError::UnknownTopic(slug) => {
                t!("error.unknown_topic", locale = l, slug = slug).into()
            }
            CommandError::NoArticle(id) => t!("error.no_article", locale = l, id = id).into(),
            CommandError::Retracted(id) => t!("error.retracted", locale = l, id = id).into(),
            CommandError::BadDate(v) => t!("error.bad_date", locale = l, value = v).into(),
            CommandError::BadTimeZone(v) => t!("error.bad_time_zone", locale = l, value = v).into(),
            CommandError::BadLanguage(v) => t!("error.bad_language", locale = l, value = v).into(),
            CommandError::BadRole(v) => t!("error.bad_role", locale = l, value = v).into(),
            CommandError::TargetIsOwner(v) => {
                t!("error.target_is_owner", locale = l, user = v).into()
            }
            CommandError::TopicExists(v) => t!("error.topic_exists", locale = l, slug = v).into(),
            CommandError::PairSameLanguage(id) => {
                t!("error.pair_same_language", locale = l, id = id).into()
            }
            CommandError::PairTaken(id, other) => {
                t!("error.pair_taken", locale = l, id = id, other = other).into()
            }
            CommandError::UnknownLabel(v) => t!("error.unknown_label", locale = l, name = v).into(),
            CommandError::LabelTooLong(v) => {
                t!("error.label_too_long", locale = l, detail = v).into()
            }
            CommandError::PhotoRefused(refusal) => photo_message(refusal, l),
            CommandError::Attachment(error) => attachment_message(error, l),
            CommandError::InternalSource(host) => {
                t!("error.internal_source", locale = l, host = host).into()
            }
            CommandError::NotChatAdmin => t!("error.not_chat_admin", locale = l).into(),
            CommandError::Lookup(crate::delivery::LookupError::NotFound(v)) => {
                t!("error.chat_not_found", locale = l, chat = v).into()
            }
            CommandError::Lookup(crate::delivery::LookupError::Unavailable(_)) => {
                t!("error.platform_unavailable", locale = l).into()
            }
            CommandError::NotAdminOf(v) => t!("error.not_admin_of", locale = l, chat = v).into(),
            CommandError::BotCannotPost(v) => {
                t!("error.bot_cannot_post", locale = l, chat = v).into()
            }
            CommandError::UnknownChat(v) => t!("error.unknown_chat", locale = l, chat = v).into(),
            CommandError::NoDirectory => t!("error.no_directory", locale = l).into(),
            CommandError::BadFeedUrl(v) => t!("error.bad_feed_url", locale = l, url = v).into(),
            CommandError::UnknownSource(v) => {
                t!("error.unknown_source", locale = l, source = v).into()
            }
            CommandError::BadOpml(v) => t!("error.bad_opml", locale = l, detail = v).into(),
            CommandError::Internal(_) => t!("error.internal", locale = l).into(),
        }
    }
}

fn attachment_message(error: &crate::app::AttachmentError, l: &str) -> String {
    use crate::app::AttachmentError;
    match error {
        AttachmentError::TooLarge(max) => {
            let size = format!("{:.1} MiB", *max as f64 / 1_048_576.0);
            t!("attachment.too_large", locale = l, size = size)
        }
        AttachmentError::NotAnImage(kind) => t!("attachment.not_an_image", locale = l, kind = kind),
        AttachmentError::BadShape { width, height } => t!(
            "attachment.bad_shape",
            locale = l,
            width = width,
            height = height
        ),
        AttachmentError::Unavailable(_) => t!("attachment.unavailable", locale = l),
    }
    .into()
}

fn photo_message(refusal: &crate::app::PhotoRefusal, l: &str) -> String {
    use crate::app::PhotoRefusal;
    match refusal {
        PhotoRefusal::Internal(host) => t!("error.photo_internal", locale = l, host = host),
        PhotoRefusal::TooLarge(max) => {
            let size = if *max >= 1 << 20 {
                format!("{:.1} MiB", *max as f64 / 1_048_576.0)
            } else {
                format!("{} KiB", max.div_ceil(1024))
            };
            t!("error.photo_too_large", locale = l, size = size)
        }
        PhotoRefusal::NotAnImage(kind) => {
            let kind = if kind.is_empty() { "?" } else { kind.as_str() };
            t!("error.photo_not_an_image", locale = l, kind = kind)
        }
    }
    .into()
}

fn draft_message(error: &DraftError, l: &str) -> String {
    let detail = match error {
        DraftError::Empty => t!("draft.empty", locale = l),
        DraftError::NotAField { line, text } => {
            t!("draft.not_a_field", locale = l, line = line, text = text)
        }
        DraftError::UnknownField { line, field } => t!(
            "draft.unknown_field",
            locale = l,
            line = line,
            field = field
        ),
        DraftError::Repeated { line, field } => {
            t!("draft.repeated", locale = l, line = line, field = field)
        }
        DraftError::NotEditable { line, field } => {
            t!("draft.not_editable", locale = l, line = line, field = field)
        }
        DraftError::MissingTitle => t!("draft.missing_title", locale = l),
        DraftError::TooLong { field, max } => {
            t!("draft.too_long", locale = l, field = field, max = max)
        }
        DraftError::BadLanguage { line, value } => {
            t!("draft.bad_language", locale = l, line = line, value = value)
        }
        DraftError::BadTopic { line, value } => {
            t!("draft.bad_topic", locale = l, line = line, value = value)
        }
        DraftError::BadUrl { line, value } => {
            t!("draft.bad_url", locale = l, line = line, value = value)
        }
        DraftError::NotAnId { line, value } => {
            t!("draft.not_an_id", locale = l, line = line, value = value)
        }
        DraftError::NotYesNo { line, value } => {
            t!("draft.not_yes_no", locale = l, line = line, value = value)
        }
        DraftError::CaptionWithoutPhoto => t!("draft.caption_without_photo", locale = l),
        DraftError::TwoPhotos => t!("draft.two_photos", locale = l),
        DraftError::NothingToChange => t!("draft.nothing_to_change", locale = l),
    };
    t!("draft.wrapper", locale = l, detail = detail).into()
}
