//! Where messages come from and go to.

use std::fmt;

/// A chat platform herald serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// The terminal chat a newcomer gets when no account is configured.
    Console,
    Telegram,
    Matrix,
}

impl Platform {
    /// Every platform herald knows.
    pub const ALL: [Platform; 3] = [Platform::Console, Platform::Telegram, Platform::Matrix];

    pub fn parse(input: &str) -> Option<Platform> {
        match input.trim().to_lowercase().as_str() {
            "console" => Some(Platform::Console),
            "telegram" | "tg" => Some(Platform::Telegram),
            "matrix" | "mx" => Some(Platform::Matrix),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Console => "console",
            Platform::Telegram => "telegram",
            Platform::Matrix => "matrix",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of conversation a chat is; it decides rate limits and who may change settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatKind {
    Private,
    Group,
    Channel,
    /// A Matrix room.
    Room,
}

impl ChatKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatKind::Private => "private",
            ChatKind::Group => "group",
            ChatKind::Channel => "channel",
            ChatKind::Room => "room",
        }
    }

    pub fn from_stored(value: &str) -> ChatKind {
        match value {
            "group" => ChatKind::Group,
            "channel" => ChatKind::Channel,
            "room" => ChatKind::Room,
            _ => ChatKind::Private,
        }
    }
}
