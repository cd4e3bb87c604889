//! Sending, editing and removing on Telegram for the delivery engine.
//!
//! An article is a photo with its caption and then text parts, or text parts alone (see
//! `render::telegram::article`); a reply is HTML text with its buttons as an inline keyboard.
//! Each part is one `send_part` call, paced by the engine like any message.

use std::time::Duration;

use async_trait::async_trait;
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, MessageId,
    ParseMode, ThreadId,
};

use super::Telegram;
use super::errors::{already_deleted, classify, not_modified};
use super::ids::Address;
use crate::delivery::{Destination, Outbound, Part, Post, SendError, take_part};
use crate::message::Button;
use crate::render::{telegram as render, telegram_reply};

/// Telegram allows 64 bytes of callback data; a longer command gets no button.
const CALLBACK_DATA_LIMIT: usize = 64;

/// The engine's view of a Telegram bot.
pub struct TelegramOutbound {
    telegram: Telegram,
    /// The pause between edits of the messages of one copy: a correction of an article in
    /// several messages edits each, and one chat takes one message a second.
    part_gap: Duration,
}

impl Telegram {
    /// `part_gap` is the per-chat interval the engine keeps (see `limits.telegram`).
    pub fn outbound(&self, part_gap: Duration) -> TelegramOutbound {
        TelegramOutbound {
            telegram: self.clone(),
            part_gap,
        }
    }
}

/// One message of a post.
enum Piece {
    Photo { url: String, caption: String },
    Text(String),
}

/// A post as Telegram messages, in order.
fn pieces(post: &Post) -> Result<Vec<Piece>, SendError> {
    let Some(layout) = &post.article else {
        let texts = telegram_reply::reply(&post.reply);
        if texts.is_empty() {
            return Err(SendError::Permanent("empty reply".into()));
        }
        return Ok(texts.into_iter().map(Piece::Text).collect());
    };
    let rendered =
        render::article(layout).map_err(|e| SendError::Permanent(format!("cannot render: {e}")))?;
    let mut pieces = Vec::new();
    if let Some((url, caption)) = rendered.photo {
        pieces.push(Piece::Photo { url, caption });
    }
    pieces.extend(rendered.texts.into_iter().map(Piece::Text));
    Ok(pieces)
}

/// The reply's buttons as an inline keyboard; commands too long for callback data are left
/// out (the reply's hints still name them).
fn keyboard(rows: Vec<Vec<Button>>) -> Option<InlineKeyboardMarkup> {
    let rows: Vec<Vec<InlineKeyboardButton>> = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .filter(|b| b.command.len() <= CALLBACK_DATA_LIMIT)
                .map(|b| InlineKeyboardButton::callback(b.label, b.command))
                .collect::<Vec<_>>()
        })
        .filter(|row| !row.is_empty())
        .collect();
    (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows))
}

fn address(to: &Destination) -> Result<Address, SendError> {
    Address::parse(&to.native_id)
        .ok_or_else(|| SendError::Permanent(format!("not a Telegram chat id: {}", to.native_id)))
}

fn message_id(id: &str) -> Result<MessageId, SendError> {
    id.parse()
        .map(MessageId)
        .map_err(|_| SendError::Permanent(format!("not a Telegram message id: {id}")))
}

fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

impl TelegramOutbound {
    async fn send_piece(
        &self,
        to: Address,
        piece: Piece,
        markup: Option<InlineKeyboardMarkup>,
        paid: bool,
    ) -> Result<String, SendError> {
        let bot = &self.telegram.bot;
        let chat = ChatId(to.chat);
        let thread = to.thread.map(|t| ThreadId(MessageId(t)));
        let sent = match piece {
            Piece::Photo { url, caption } => {
                let url = url::Url::parse(&url)
                    .map_err(|e| SendError::Permanent(format!("photo URL: {e}")))?;
                let mut request = bot
                    .send_photo(chat, InputFile::url(url))
                    .caption(caption)
                    .parse_mode(ParseMode::Html)
                    .allow_paid_broadcast(paid);
                if let Some(thread) = thread {
                    request = request.message_thread_id(thread);
                }
                if let Some(markup) = markup {
                    request = request.reply_markup(markup);
                }
                request.await
            }
            Piece::Text(text) => {
                // Articles carry their own photo and replies their own links: no preview cards.
                let mut request = bot
                    .send_message(chat, text)
                    .parse_mode(ParseMode::Html)
                    .link_preview_options(no_preview())
                    .allow_paid_broadcast(paid);
                if let Some(thread) = thread {
                    request = request.message_thread_id(thread);
                }
                if let Some(markup) = markup {
                    request = request.reply_markup(markup);
                }
                request.await
            }
        };
        sent.map(|m| m.id.0.to_string()).map_err(|e| classify(&e))
    }
}

impl TelegramOutbound {
    /// Edits the message whose button was pressed into `text` with the reply's keyboard.
    /// `None` when Telegram will not edit it (gone, too old, not herald's): the reply is then
    /// sent as a new message. An edit that changes nothing is done.
    async fn replace(
        &self,
        to: Address,
        pressed: &str,
        text: &str,
        reply: &crate::message::Reply,
    ) -> Result<Option<String>, SendError> {
        let markup = keyboard(reply.keyboard())
            .unwrap_or_else(|| InlineKeyboardMarkup::new(Vec::<Vec<InlineKeyboardButton>>::new()));
        let result = self
            .telegram
            .bot
            .edit_message_text(ChatId(to.chat), message_id(pressed)?, text)
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview())
            .reply_markup(markup)
            .await;
        match result {
            Ok(_) => Ok(Some(pressed.to_string())),
            Err(e) if not_modified(&e) => Ok(Some(pressed.to_string())),
            Err(e) => match classify(&e) {
                SendError::Permanent(reason) => {
                    tracing::info!(%reason, "the pressed message cannot be edited; sending anew");
                    Ok(None)
                }
                other => Err(other),
            },
        }
    }
}

#[async_trait]
impl Outbound for TelegramOutbound {
    async fn send_part(
        &self,
        to: &Destination,
        post: &Post,
        part: usize,
    ) -> Result<Part, SendError> {
        let address = address(to)?;
        let pieces = pieces(post)?;
        if let (Some(pressed), [Piece::Text(text)]) = (&post.reply.replaces, pieces.as_slice())
            && let Some(id) = self.replace(address, pressed, text, &post.reply).await?
        {
            return Ok(Part {
                ids: vec![id],
                last: true,
            });
        }
        let (piece, last) = take_part(pieces, part)?;
        // Buttons go under the last message, where the reader finishes.
        let markup = if last {
            keyboard(post.reply.keyboard())
        } else {
            None
        };
        let id = self.send_piece(address, piece, markup, to.paid).await?;
        Ok(Part {
            ids: vec![id],
            last,
        })
    }

    async fn edit(&self, to: &Destination, ids: &[String], post: &Post) -> Result<(), SendError> {
        let address = address(to)?;
        let chat = ChatId(address.chat);
        let bot = &self.telegram.bot;
        let pieces = pieces(post)?;
        if pieces.len() > ids.len() {
            tracing::warn!(
                chat = %to.native_id,
                parts = pieces.len(),
                copies = ids.len(),
                "the corrected article needs more messages than the copy has; the end is cut"
            );
        }
        for (index, (id, piece)) in ids.iter().zip(pieces).enumerate() {
            if index > 0 {
                tokio::time::sleep(self.part_gap).await;
            }
            let id = message_id(id)?;
            let result = match piece {
                Piece::Photo { caption, .. } => bot
                    .edit_message_caption(chat, id)
                    .caption(caption)
                    .parse_mode(ParseMode::Html)
                    .await
                    .map(drop),
                Piece::Text(text) => bot
                    .edit_message_text(chat, id, text)
                    .parse_mode(ParseMode::Html)
                    .link_preview_options(no_preview())
                    .await
                    .map(drop),
            };
            match result {
                Err(e) if !not_modified(&e) => return Err(classify(&e)),
                _ => {}
            }
        }
        Ok(())
    }

    /// One deleteMessages call removes every message of the copy at once.
    async fn delete(
        &self,
        to: &Destination,
        ids: &[String],
        _reason: &str,
    ) -> Result<(), SendError> {
        let address = address(to)?;
        let ids = ids
            .iter()
            .map(|id| message_id(id))
            .collect::<Result<Vec<_>, _>>()?;
        let result = self
            .telegram
            .bot
            .delete_messages(ChatId(address.chat), ids)
            .await;
        match result {
            Err(e) if !already_deleted(&e) => Err(classify(&e)),
            _ => Ok(()),
        }
    }
}
