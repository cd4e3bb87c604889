//! Sending, editing and removing on Telegram for the delivery engine.
//!
//! An article is a photo with its caption and then text parts, or text parts alone (see
//! `render::telegram::article`); a reply is HTML text with its buttons as an inline keyboard.
//! Each part is one `send_part` call, paced by the engine like any message.
//!
//! A photo herald keeps (an editor sent the image) goes by Telegram's id for it: the editor's
//! own when it came from Telegram, else the id Telegram gave the first copy, which uploads the
//! bytes while the other copies of a fan-out wait for that id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use teloxide::prelude::*;
use teloxide::types::{
    FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, MessageId,
    ParseMode, ThreadId,
};
use tokio::sync::OwnedMutexGuard;

use super::Telegram;
use super::errors::{already_deleted, classify, not_modified};
use super::ids::Address;
use crate::delivery::{Destination, Outbound, Part, Post, SendError, take_part};
use crate::domain::PhotoRef;
use crate::message::Button;
use crate::render::{telegram as render, telegram_reply};
use crate::store::Store;

/// Telegram allows 64 bytes of callback data; a longer command gets no button.
const CALLBACK_DATA_LIMIT: usize = 64;

/// Kept images whose Telegram id this process remembers in memory.
const UPLOADS_KEPT: usize = 256;

/// The engine's view of a Telegram bot.
pub struct TelegramOutbound {
    telegram: Telegram,
    /// The pause between edits of the messages of one copy: a correction of an article in
    /// several messages edits each, and one chat takes one message a second.
    part_gap: Duration,
    /// Where kept images are, and where Telegram's ids for them are remembered.
    store: Store,
    /// Telegram's id for each kept image this process uploaded or is uploading, by media id.
    uploads: Mutex<HashMap<i64, Upload>>,
}

/// Telegram's id for a kept image, once the copy that uploads it has it.
type Upload = Arc<tokio::sync::Mutex<Option<FileId>>>;

impl Telegram {
    /// `part_gap` is the per-chat interval the engine keeps (see `limits.telegram`).
    pub fn outbound(&self, part_gap: Duration, store: Store) -> TelegramOutbound {
        TelegramOutbound {
            telegram: self.clone(),
            part_gap,
            store,
            uploads: Mutex::new(HashMap::new()),
        }
    }
}

/// One message of a post.
enum Piece {
    Photo { photo: PhotoRef, caption: String },
    Text(String),
}

/// A photo as a send gives it: an address, Telegram's id, or the bytes of a kept image
/// (then `uploading` holds its id's slot until the send tells the id).
struct PhotoInput {
    file: InputFile,
    uploading: Option<(i64, OwnedMutexGuard<Option<FileId>>)>,
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
    if let Some((photo, caption)) = rendered.photo {
        pieces.push(Piece::Photo { photo, caption });
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
    /// What to send as `photo`.
    async fn photo_input(&self, photo: &PhotoRef) -> Result<PhotoInput, SendError> {
        let stored = match photo {
            PhotoRef::Web(url) => {
                let url = url::Url::parse(url)
                    .map_err(|e| SendError::Permanent(format!("photo URL: {e}")))?;
                return Ok(PhotoInput {
                    file: InputFile::url(url),
                    uploading: None,
                });
            }
            PhotoRef::Stored(stored) => stored,
        };
        if let Some(id) = &stored.telegram_file_id {
            return Ok(PhotoInput {
                file: InputFile::file_id(FileId(id.clone())),
                uploading: None,
            });
        }
        let slot = {
            let mut uploads = self.uploads.lock().unwrap_or_else(|e| e.into_inner());
            // Ids learnt are in the store too: forgetting them costs a query, not an upload.
            if uploads.len() >= UPLOADS_KEPT && !uploads.contains_key(&stored.id) {
                uploads.clear();
            }
            Arc::clone(uploads.entry(stored.id).or_default())
        };
        let slot = slot.lock_owned().await;
        if let Some(id) = slot.as_ref() {
            return Ok(PhotoInput {
                file: InputFile::file_id(id.clone()),
                uploading: None,
            });
        }
        let media = self
            .store
            .media(stored.id)
            .await
            .map_err(|e| SendError::Transient(format!("reading a kept image: {e}")))?
            .ok_or_else(|| SendError::Permanent(format!("no kept image {}", stored.id)))?;
        // Learnt by an earlier upload (this process's, forgotten, or another run's).
        if let Some(id) = media.telegram_file_id {
            return Ok(PhotoInput {
                file: InputFile::file_id(FileId(id)),
                uploading: None,
            });
        }
        let extension = media
            .mime
            .strip_prefix("image/")
            .unwrap_or("jpg")
            .to_string();
        Ok(PhotoInput {
            file: InputFile::memory(media.bytes).file_name(format!("photo.{extension}")),
            uploading: Some((stored.id, slot)),
        })
    }

    /// Keeps Telegram's id for an image the message `sent` uploaded, for every later copy.
    async fn uploaded(
        &self,
        media: i64,
        mut slot: OwnedMutexGuard<Option<FileId>>,
        sent: &Message,
    ) {
        let Some(largest) = sent.photo().and_then(|sizes| sizes.last()) else {
            tracing::warn!(
                media,
                "Telegram's answer to an uploaded photo names no file"
            );
            return;
        };
        *slot = Some(largest.file.id.clone());
        if let Err(error) = self
            .store
            .set_media_telegram_file_id(media, &largest.file.id.0)
            .await
        {
            tracing::warn!(media, %error, "could not remember Telegram's id for an image");
        }
    }

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
            Piece::Photo { photo, caption } => {
                let input = self.photo_input(&photo).await?;
                let mut request = bot
                    .send_photo(chat, input.file)
                    .caption(caption)
                    .parse_mode(ParseMode::Html)
                    .allow_paid_broadcast(paid);
                if let Some(thread) = thread {
                    request = request.message_thread_id(thread);
                }
                if let Some(markup) = markup {
                    request = request.reply_markup(markup);
                }
                let sent = request.await;
                if let (Ok(sent), Some((media, slot))) = (&sent, input.uploading) {
                    self.uploaded(media, slot, sent).await;
                }
                sent
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
