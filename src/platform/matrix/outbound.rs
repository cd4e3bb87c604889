//! Sending, editing and removing in Matrix rooms for the delivery engine.
//!
//! An article is m.text with a plain `body` and Matrix HTML (see `render::matrix`); with a
//! photo, its first part is an m.image (uploaded to the media repository, encrypted in
//! encrypted rooms) captioned with that text. Replies to commands are m.notice, as bots'
//! answers are in Matrix. A correction edits every event of the copy with m.replace; a
//! retraction redacts them. The SDK encrypts for encrypted rooms on its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use matrix_sdk::room::{IncludeRelations, RelationsOptions, Room};
use matrix_sdk::ruma::events::relation::RelationType;
use matrix_sdk::ruma::events::room::message::{
    FormattedBody, MessageType, ReplacementMetadata, RoomMessageEventContent,
};
use matrix_sdk::ruma::{EventId, OwnedEventId, OwnedTransactionId, RoomId, UInt};
use matrix_sdk::{Client, RoomState};
use tokio::sync::OnceCell;

use super::errors::{already_gone, classify, classify_http};
use super::photo::Photo;
use crate::delivery::{Destination, Outbound, Part, Post, SendError, take_part};
use crate::domain::PhotoRef;
use crate::ingest::fetch::{Fetched, Fetcher};
use crate::render::matrix::{self as render, MatrixMessage};
use crate::store::Store;

/// Photos kept in memory, so a fan-out to many rooms fetches each photo once.
const PHOTO_CACHE: usize = 16;

/// The engine's view of herald's Matrix account.
pub struct MatrixOutbound {
    client: Client,
    fetcher: Fetcher,
    /// Where the images editors sent are kept.
    store: Store,
    /// Each photo being fetched or fetched, by [`PhotoRef::key`] (see [`MatrixOutbound::photo`]).
    photos: Mutex<HashMap<String, Arc<OnceCell<Arc<Photo>>>>>,
}

/// One event of a post.
enum Piece {
    Photo {
        photo: PhotoRef,
        caption: MatrixMessage,
    },
    Text(MatrixMessage),
}

/// Articles notify (m.text); answers to commands are a bot's notices (m.notice).
#[derive(Clone, Copy, PartialEq)]
enum Style {
    Article,
    Notice,
}

fn pieces(post: &Post) -> Result<(Vec<Piece>, Style), SendError> {
    let Some(layout) = &post.article else {
        let messages = render::reply(&post.reply, crate::app::commands::NAMES);
        if messages.is_empty() {
            return Err(SendError::Permanent("empty reply".into()));
        }
        return Ok((
            messages.into_iter().map(Piece::Text).collect(),
            Style::Notice,
        ));
    };
    let mut messages = render::article(layout).into_iter();
    let mut pieces = Vec::new();
    if let Some(photo) = &layout.photo
        && let Some(first) = messages.next()
    {
        pieces.push(Piece::Photo {
            photo: photo.clone(),
            caption: first,
        });
    }
    pieces.extend(messages.map(Piece::Text));
    Ok((pieces, Style::Article))
}

fn content(message: &MatrixMessage, style: Style) -> RoomMessageEventContent {
    match style {
        Style::Article => {
            RoomMessageEventContent::text_html(&message.body, &message.formatted_body)
        }
        Style::Notice => {
            RoomMessageEventContent::notice_html(&message.body, &message.formatted_body)
        }
    }
}

/// The transaction id of one request of a delivery (`what`: p0, p1… for parts, e0… for edits,
/// r.<event id> for redactions). Synapse answers a repeated transaction id with the event it already
/// made, so a retry after a lost answer shows nothing twice.
fn txn(to: &Destination, what: &str) -> OwnedTransactionId {
    format!("herald.{}.{what}", to.delivery_key).into()
}

fn event_id(id: &str) -> Result<OwnedEventId, SendError> {
    EventId::parse(id).map_err(|_| SendError::Permanent(format!("not a Matrix event id: {id}")))
}

impl MatrixOutbound {
    /// Sends through `client`; photos are fetched through the feeds' guarded `fetcher`, or
    /// read from `store` when an editor sent the image.
    pub fn new(client: Client, fetcher: Fetcher, store: Store) -> MatrixOutbound {
        MatrixOutbound {
            client,
            fetcher,
            store,
            photos: Mutex::new(HashMap::new()),
        }
    }

    /// The room to post in: joined, and not replaced by a newer version.
    fn room(&self, to: &Destination) -> Result<Room, SendError> {
        let id = RoomId::parse(&to.native_id)
            .map_err(|_| SendError::Permanent(format!("not a Matrix room id: {}", to.native_id)))?;
        let room = self
            .client
            .get_room(&id)
            .filter(|room| room.state() == RoomState::Joined)
            .ok_or_else(|| SendError::ChatGone(format!("herald is not in room {id}")))?;
        if let Some(successor) = room.successor_room() {
            return Err(SendError::ChatMoved(successor.room_id.to_string()));
        }
        Ok(room)
    }

    /// The photo, fetched (with the feeds' guards: size cap, no internal addresses) or read
    /// from the media store once, however many rooms ask at once, and uploaded once for every
    /// unencrypted room (see [`Photo`]). `None` when it cannot be had: the article then goes
    /// without it (and the next room tries again).
    async fn photo(&self, photo: &PhotoRef) -> Option<Arc<Photo>> {
        let key = photo.key();
        let cell = {
            let mut cache = self.photos.lock().unwrap_or_else(|e| e.into_inner());
            if cache.len() >= PHOTO_CACHE && !cache.contains_key(&key) {
                cache.clear();
            }
            Arc::clone(cache.entry(key).or_default())
        };
        let fetched = match photo {
            PhotoRef::Web(url) => cell.get_or_try_init(|| self.fetch_photo(url)).await,
            PhotoRef::Stored(stored) => cell.get_or_try_init(|| self.kept_photo(stored.id)).await,
        };
        fetched.ok().map(Arc::clone)
    }

    /// An image an editor sent, from the media store (checked when it was posted).
    async fn kept_photo(&self, id: i64) -> Result<Arc<Photo>, ()> {
        let media = match self.store.media(id).await {
            Ok(Some(media)) => media,
            Ok(None) => {
                tracing::warn!(
                    media = id,
                    "a kept image is gone; sending the article without"
                );
                return Err(());
            }
            Err(error) => {
                tracing::warn!(media = id, %error, "cannot read a kept image; sending it without");
                return Err(());
            }
        };
        let mime = media.mime.parse::<mime::Mime>().unwrap_or(mime::IMAGE_JPEG);
        let prepared = tokio::task::spawn_blocking(move || Photo::prepare(media.bytes, mime));
        prepared.await.map(Arc::new).map_err(drop)
    }

    async fn fetch_photo(&self, url: &str) -> Result<Arc<Photo>, ()> {
        let (bytes, content_type) = match self.fetcher.fetch(url, None, None).await {
            Ok(Fetched::Body {
                bytes,
                content_type,
                ..
            }) => (bytes, content_type),
            Ok(Fetched::NotModified) => return Err(()),
            Err(error) => {
                tracing::warn!(url, %error, "cannot fetch an article's photo; sending it without");
                return Err(());
            }
        };
        let Some(mime) = content_type
            .and_then(|t| t.parse::<mime::Mime>().ok())
            .filter(|m| m.type_() == mime::IMAGE)
        else {
            tracing::warn!(
                url,
                "an article's photo is not an image; sending it without"
            );
            return Err(());
        };
        let prepared = tokio::task::spawn_blocking(move || Photo::prepare(bytes, mime));
        prepared.await.map(Arc::new).map_err(drop)
    }

    async fn send_piece(
        &self,
        room: &Room,
        piece: Piece,
        style: Style,
        txn: OwnedTransactionId,
    ) -> Result<OwnedEventId, SendError> {
        let (photo, caption) = match piece {
            Piece::Photo { photo, caption } => match self.photo(&photo).await {
                Some(photo) => (photo, caption),
                None => return send_text(room, &caption, style, txn).await,
            },
            Piece::Text(message) => return send_text(room, &message, style, txn).await,
        };
        let encrypted = room
            .latest_encryption_state()
            .await
            .map_err(|e| classify(&e))?
            .is_encrypted();
        if !encrypted {
            let image = photo.plain_content(&self.client, &caption).await?;
            let content = RoomMessageEventContent::new(MessageType::Image(image));
            let sent = room
                .send(content)
                .with_transaction_id(txn)
                .await
                .map_err(|e| classify(&e))?;
            return Ok(sent.response.event_id);
        }
        let config = photo.encrypted_config(&caption, txn);
        let sent = room
            .send_attachment(
                photo.filename(),
                &photo.image.mime,
                photo.image.bytes.clone(),
                config,
            )
            .await
            .map_err(|e| classify(&e))?;
        Ok(sent.event_id)
    }

    /// The replacement of a photo event: the same image with the new caption.
    async fn recaption(
        &self,
        room: &Room,
        id: &EventId,
        caption: &MatrixMessage,
    ) -> Result<RoomMessageEventContent, SendError> {
        let event = room.event(id, None).await.map_err(|e| classify(&e))?;
        let original = event
            .raw()
            .get_field::<RoomMessageEventContent>("content")
            .ok()
            .flatten();
        match original.map(|c| c.msgtype) {
            Some(MessageType::Image(mut image)) => {
                image.body = caption.body.clone();
                image.formatted = Some(FormattedBody::html(&caption.formatted_body));
                Ok(RoomMessageEventContent::new(MessageType::Image(image)))
            }
            // The copy went out without its photo: its text is edited instead.
            _ => Ok(content(caption, Style::Article)),
        }
    }
}

/// The m.replace events of `id` (its corrections), as the homeserver relates them.
async fn replacements(room: &Room, id: &EventId) -> Result<Vec<OwnedEventId>, SendError> {
    let mut found = Vec::new();
    let mut from = None;
    loop {
        let options = RelationsOptions {
            from,
            include_relations: IncludeRelations::RelationsOfType(RelationType::Replacement),
            limit: Some(UInt::from(50u32)),
            ..RelationsOptions::default()
        };
        let page = room
            .relations(id.to_owned(), options)
            .await
            .map_err(|e| classify(&e))?;
        found.extend(page.chunk.iter().filter_map(|event| event.event_id()));
        match page.next_batch_token {
            Some(token) if !page.chunk.is_empty() => from = Some(token),
            _ => return Ok(found),
        }
    }
}

async fn send_text(
    room: &Room,
    message: &MatrixMessage,
    style: Style,
    txn: OwnedTransactionId,
) -> Result<OwnedEventId, SendError> {
    let sent = room
        .send(content(message, style))
        .with_transaction_id(txn)
        .await
        .map_err(|e| classify(&e))?;
    Ok(sent.response.event_id)
}

#[async_trait]
impl Outbound for MatrixOutbound {
    async fn send_part(
        &self,
        to: &Destination,
        post: &Post,
        part: usize,
    ) -> Result<Part, SendError> {
        let room = self.room(to)?;
        let (pieces, style) = pieces(post)?;
        let (piece, last) = take_part(pieces, part)?;
        let id = self
            .send_piece(&room, piece, style, txn(to, &format!("p{part}")))
            .await?;
        Ok(Part {
            ids: vec![id.to_string()],
            last,
        })
    }

    async fn edit(&self, to: &Destination, ids: &[String], post: &Post) -> Result<(), SendError> {
        let room = self.room(to)?;
        let (pieces, style) = pieces(post)?;
        if pieces.len() > ids.len() {
            tracing::warn!(
                room = %to.native_id,
                parts = pieces.len(),
                copies = ids.len(),
                "the corrected article needs more events than the copy has; the end is cut"
            );
        }
        for (index, (id, piece)) in ids.iter().zip(pieces).enumerate() {
            let id = event_id(id)?;
            let new = match &piece {
                Piece::Photo { caption, .. } => self.recaption(&room, &id, caption).await?,
                Piece::Text(message) => content(message, style),
            };
            let replacement = new.make_replacement(ReplacementMetadata::new(id, None));
            room.send(replacement)
                .with_transaction_id(txn(to, &format!("e{index}")))
                .await
                .map_err(|e| classify(&e))?;
        }
        Ok(())
    }

    /// Redacts every event of the copy, each correction (m.replace) first — redacting an
    /// event leaves its replacements, which hold the corrected text, readable — with the
    /// newsroom's reason. One already gone counts as removed.
    async fn delete(
        &self,
        to: &Destination,
        ids: &[String],
        reason: &str,
    ) -> Result<(), SendError> {
        let room = self.room(to)?;
        for id in ids {
            let id = event_id(id)?;
            let mut events = replacements(&room, &id).await?;
            events.push(id);
            for event in &events {
                // Named by the event, not its place: a redacted correction leaves the
                // relations, so a retry's list is shorter and places would name others.
                let txn = Some(txn(to, &format!("r.{event}")));
                match room.redact(event, Some(reason), txn).await {
                    Err(e) if !already_gone(&e) => return Err(classify_http(&e)),
                    _ => {}
                }
            }
        }
        Ok(())
    }
}
