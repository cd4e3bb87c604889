//! The image an editor's `!post` answers: the replied-to m.image, handed to the app as the
//! article's photo and downloaded (decrypted, in an encrypted room) only if the command uses it.

use async_trait::async_trait;
use matrix_sdk::Client;
use matrix_sdk::media::{MediaFormat, MediaRequestParameters};
use matrix_sdk::room::Room;
use matrix_sdk::ruma::EventId;
use matrix_sdk::ruma::events::room::MediaSource;
use matrix_sdk::ruma::events::room::message::MessageType;
use matrix_sdk::ruma::events::{
    AnySyncMessageLikeEvent, AnySyncTimelineEvent, SyncMessageLikeEvent,
};

use crate::app::{AttachedImage, Attachment, AttachmentError};

/// The image event `replied` of `room` holds, if it is one. One request: made only for a
/// `!post` written as a reply.
pub async fn replied_image(client: &Client, room: &Room, replied: &EventId) -> Option<Attachment> {
    let event = match room.event(replied, None).await {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(%replied, %error, "cannot read the event a !post answers");
            return None;
        }
    };
    let Ok(AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
        SyncMessageLikeEvent::Original(message),
    ))) = event.raw().deserialize()
    else {
        return None;
    };
    let MessageType::Image(image) = message.content.msgtype else {
        return None;
    };
    let size = image
        .info
        .as_ref()
        .and_then(|info| info.size)
        .map(u64::from);
    Some(Attachment::new(MatrixImage {
        client: client.clone(),
        source: image.source,
        size,
    }))
}

struct MatrixImage {
    client: Client,
    source: MediaSource,
    /// As the sender's client said, in bytes.
    size: Option<u64>,
}

#[async_trait]
impl AttachedImage for MatrixImage {
    fn telegram_file_id(&self) -> Option<String> {
        None
    }

    async fn fetch(&self, max: usize) -> Result<Vec<u8>, AttachmentError> {
        if self
            .size
            .is_some_and(|size| usize::try_from(size).map_or(true, |s| s > max))
        {
            return Err(AttachmentError::TooLarge(max));
        }
        let request = MediaRequestParameters {
            source: self.source.clone(),
            format: MediaFormat::File,
        };
        self.client
            .media()
            .get_media_content(&request, false)
            .await
            .map_err(|e| AttachmentError::Unavailable(e.to_string()))
    }
}
