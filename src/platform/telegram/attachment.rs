//! A photo or image file an editor sent, handed to the app as the image of their `/post`
//! caption: fetched with getFile and downloaded only if the command uses it.

use async_trait::async_trait;
use futures_util::StreamExt;
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::FileId;

use crate::app::{AttachedImage, Attachment, AttachmentError};

/// The image a message carries: the largest size of a photo, or a file sent as a document
/// whose type is an image.
pub fn of(bot: &Bot, m: &Message) -> Option<Attachment> {
    if let Some(largest) = m.photo().and_then(|sizes| sizes.last()) {
        return Some(Attachment::new(TelegramImage {
            bot: bot.clone(),
            file: largest.file.id.clone(),
            size: largest.file.size,
            // Telegram takes a photo's id for sendPhoto; a document's it refuses there.
            reusable: true,
        }));
    }
    let document = m.document()?;
    let image = document
        .mime_type
        .as_ref()
        .is_some_and(|t| t.type_() == mime::IMAGE);
    image.then(|| {
        Attachment::new(TelegramImage {
            bot: bot.clone(),
            file: document.file.id.clone(),
            size: document.file.size,
            reusable: false,
        })
    })
}

struct TelegramImage {
    bot: Bot,
    file: FileId,
    /// As the message said, in bytes.
    size: u32,
    /// Copies may send `file` as their photo.
    reusable: bool,
}

#[async_trait]
impl AttachedImage for TelegramImage {
    fn telegram_file_id(&self) -> Option<String> {
        self.reusable.then(|| self.file.0.clone())
    }

    async fn fetch(&self, max: usize) -> Result<Vec<u8>, AttachmentError> {
        let too_large = |size: u32| usize::try_from(size).is_ok_and(|s| s > max);
        if too_large(self.size) {
            return Err(AttachmentError::TooLarge(max));
        }
        let file = self
            .bot
            .get_file(self.file.clone())
            .await
            .map_err(|e| AttachmentError::Unavailable(format!("getFile: {e}")))?;
        if too_large(file.size) {
            return Err(AttachmentError::TooLarge(max));
        }
        let mut stream = self.bot.download_file_stream(&file.path);
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| AttachmentError::Unavailable(format!("download: {e}")))?;
            if bytes.len() + chunk.len() > max {
                return Err(AttachmentError::TooLarge(max));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}
