//! herald's native id for a Telegram destination: the chat id, and for a forum topic the
//! chat id and the topic's thread id (`-1001234/17`). Each forum topic is a chat of its own in
//! herald, with its own subscriptions, which is how a newsroom uses topics.

/// A Telegram chat, or one topic of a forum supergroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    /// The chat's id.
    pub chat: i64,
    /// The forum topic, when the chat is a forum's topic.
    pub thread: Option<i32>,
}

impl Address {
    /// Reads a stored native id (`chat` or `chat/thread`).
    pub fn parse(native_id: &str) -> Option<Address> {
        let (chat, thread) = match native_id.split_once('/') {
            Some((chat, thread)) => (chat, Some(thread.parse().ok()?)),
            None => (native_id, None),
        };
        Some(Address {
            chat: chat.parse().ok()?,
            thread,
        })
    }

    /// The native id herald stores for this address.
    pub fn native_id(self) -> String {
        match self.thread {
            Some(thread) => format!("{}/{thread}", self.chat),
            None => self.chat.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chats_and_forum_topics_round_trip() {
        for id in ["42", "-1001234567890", "-1001234567890/17"] {
            assert_eq!(
                Address::parse(id).map(|a| a.native_id()).as_deref(),
                Some(id)
            );
        }
        assert_eq!(Address::parse("-100/abc"), None);
        assert_eq!(Address::parse("@channel"), None);
    }
}
