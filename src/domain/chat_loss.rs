//! Why herald can no longer post to a chat, kept as text in the chat's row and put in each
//! reader's language only when shown: the moderators told may speak different languages, and
//! a removal's facts (who, their note) are not words to translate.

use std::fmt;

/// How herald lost a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatLoss {
    /// A member removed herald (`banned`: for good); `note` is their own reason, if any.
    Removed {
        by: String,
        banned: bool,
        note: Option<String>,
    },
    /// The platform refused a send; its own words.
    Refused(String),
}

impl ChatLoss {
    /// Reads what [`fmt::Display`] stored; anything else is the platform's words.
    pub fn parse(stored: &str) -> ChatLoss {
        let removal = [("removed by ", false), ("banned by ", true)]
            .into_iter()
            .find_map(|(prefix, banned)| Some((stored.strip_prefix(prefix)?, banned)));
        let Some((rest, banned)) = removal else {
            return ChatLoss::Refused(stored.to_string());
        };
        // A Matrix user id has colons itself (`@ed:example.org`); the note follows ": ".
        let (by, note) = match rest.split_once(": ") {
            Some((by, note)) => (by, Some(note.to_string())),
            None => (rest, None),
        };
        ChatLoss::Removed {
            by: by.to_string(),
            banned,
            note,
        }
    }
}

impl fmt::Display for ChatLoss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChatLoss::Removed { by, banned, note } => {
                let verb = if *banned { "banned" } else { "removed" };
                write!(f, "{verb} by {by}")?;
                match note {
                    Some(note) => write!(f, ": {note}"),
                    None => Ok(()),
                }
            }
            ChatLoss::Refused(words) => f.write_str(words),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ChatLoss;

    #[test]
    fn a_removal_reads_back_as_stored() {
        for loss in [
            ChatLoss::Removed {
                by: "@ed:example.org".into(),
                banned: true,
                note: Some("spam: again".into()),
            },
            ChatLoss::Removed {
                by: "user 42".into(),
                banned: false,
                note: None,
            },
            ChatLoss::Refused("Forbidden: bot was kicked from the group chat".into()),
        ] {
            assert_eq!(ChatLoss::parse(&loss.to_string()), loss);
        }
    }
}
