//! Chat lookups and admin checks with getChat and getChatMember.

use async_trait::async_trait;
use teloxide::prelude::*;
use teloxide::types::{ChatMemberKind, Recipient};

use super::Telegram;
use super::errors::lookup;
use super::ids::Address;
use crate::delivery::{ChatSummary, Directory, LookupError, Membership};
use crate::domain::ChatKind;

/// A chat's kind as herald sorts it: channels apart, every group kind a group.
pub fn chat_kind(chat: &teloxide::types::Chat) -> ChatKind {
    if chat.is_private() {
        ChatKind::Private
    } else if chat.is_channel() {
        ChatKind::Channel
    } else {
        ChatKind::Group
    }
}

/// A chat's name to show: its title, or the person's name.
pub fn chat_title(chat: &teloxide::types::Chat) -> String {
    chat.title()
        .or(chat.first_name())
        .or(chat.username())
        .unwrap_or("")
        .to_string()
}

#[async_trait]
impl Directory for Telegram {
    /// `@channelname` or a numeric id; herald must be able to see the chat.
    async fn find_chat(&self, reference: &str) -> Result<ChatSummary, LookupError> {
        let reference = reference.trim();
        let recipient = match reference.parse::<i64>() {
            Ok(id) => Recipient::Id(ChatId(id)),
            Err(_) if reference.starts_with('@') && reference.len() > 1 => {
                Recipient::ChannelUsername(reference.to_string())
            }
            Err(_) => return Err(LookupError::NotFound(reference.chars().take(64).collect())),
        };
        let chat = self
            .bot
            .get_chat(recipient)
            .await
            .map_err(|e| lookup(&e, reference))?;
        Ok(ChatSummary {
            native_id: chat.id.0.to_string(),
            kind: if chat.is_private() {
                ChatKind::Private
            } else if chat.is_channel() {
                ChatKind::Channel
            } else {
                ChatKind::Group
            },
            title: chat.title().unwrap_or(reference).to_string(),
        })
    }

    async fn membership(&self, chat: &str, user: &str) -> Result<Membership, LookupError> {
        let address =
            Address::parse(chat).ok_or_else(|| LookupError::NotFound(chat.to_string()))?;
        let chat_id = ChatId(address.chat);
        let Ok(user_id) = user.parse::<i64>() else {
            return Err(LookupError::NotFound(user.to_string()));
        };
        // A channel's own posts come from the channel: only its admins can write them.
        let user_is_admin = if user_id == address.chat {
            true
        } else {
            let member = self
                .bot
                .get_chat_member(chat_id, UserId(user_id as u64))
                .await
                .map_err(|e| lookup(&e, chat))?;
            member.is_privileged()
        };
        let me = self
            .bot
            .get_chat_member(chat_id, UserId(self.id))
            .await
            .map_err(|e| lookup(&e, chat))?;
        let bot_can_post = match &me.kind {
            ChatMemberKind::Owner(_) | ChatMemberKind::Member(_) => true,
            ChatMemberKind::Administrator(rights) if rights.can_post_messages => true,
            // Group admins have no posting right to check; channel admins need it.
            ChatMemberKind::Administrator(_) => {
                let chat = self
                    .bot
                    .get_chat(chat_id)
                    .await
                    .map_err(|e| lookup(&e, chat))?;
                !chat.is_channel()
            }
            ChatMemberKind::Restricted(rights) => rights.can_send_messages,
            ChatMemberKind::Left | ChatMemberKind::Banned(_) => false,
        };
        Ok(Membership {
            user_is_admin,
            bot_can_post,
        })
    }
}
