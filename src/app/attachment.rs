//! An image a command came with — a Telegram photo (or image file) whose caption is the
//! command, a Matrix image the command answers — fetched from its platform only when a command
//! uses it (only /post does), and checked the way the platforms that will show it check.

use std::sync::Arc;

use async_trait::async_trait;

/// What the platform adapter hands over: a way to fetch the image.
#[async_trait]
pub trait AttachedImage: Send + Sync {
    /// Telegram's id for the image, when it came from Telegram: Telegram copies reuse it.
    fn telegram_file_id(&self) -> Option<String>;

    /// Downloads the image, refusing one above `max` bytes (before downloading where the
    /// platform says its size).
    async fn fetch(&self, max: usize) -> Result<Vec<u8>, AttachmentError>;
}

/// Why the image sent with a /post cannot be the article's photo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    /// Above `newsroom.max_photo_mib` (this many bytes).
    #[error("larger than {0} bytes")]
    TooLarge(usize),
    /// Not an image herald can show everywhere; what it seems to be.
    #[error("not a JPEG, PNG or WebP image: {0}")]
    NotAnImage(String),
    /// Telegram refuses photos whose sides add up past 10,000 pixels or whose sides differ
    /// more than twentyfold.
    #[error("{width}×{height} pixels")]
    BadShape { width: u32, height: u32 },
    /// The platform would not hand it over just now.
    #[error("could not download it: {0}")]
    Unavailable(String),
}

/// An image that came with a command.
#[derive(Clone)]
pub struct Attachment(Arc<dyn AttachedImage>);

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("telegram_file_id", &self.0.telegram_file_id())
            .finish()
    }
}

/// A fetched image that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub bytes: Vec<u8>,
    /// Sniffed from the bytes, never taken from the sender.
    pub mime: &'static str,
}

impl Attachment {
    pub fn new(image: impl AttachedImage + 'static) -> Attachment {
        Attachment(Arc::new(image))
    }

    pub fn telegram_file_id(&self) -> Option<String> {
        self.0.telegram_file_id()
    }

    /// Downloads the image and checks its size, type and shape.
    pub async fn fetch(&self, max: usize) -> Result<Image, AttachmentError> {
        let bytes = self.0.fetch(max).await?;
        if bytes.len() > max {
            return Err(AttachmentError::TooLarge(max));
        }
        tokio::task::spawn_blocking(move || checked(bytes))
            .await
            .map_err(|e| AttachmentError::Unavailable(e.to_string()))?
    }
}

/// The image if every platform will show it as a photo: JPEG, PNG or WebP (by its bytes), of
/// a shape Telegram accepts.
fn checked(bytes: Vec<u8>) -> Result<Image, AttachmentError> {
    use image::ImageFormat;
    let format = image::guess_format(&bytes)
        .map_err(|_| AttachmentError::NotAnImage("unknown data".into()))?;
    let mime = match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        ImageFormat::WebP => "image/webp",
        other => return Err(AttachmentError::NotAnImage(format!("{other:?}"))),
    };
    let (width, height) = image::ImageReader::with_format(std::io::Cursor::new(&bytes), format)
        .into_dimensions()
        .map_err(|e| AttachmentError::NotAnImage(e.to_string()))?;
    let (short, long) = (width.min(height), width.max(height));
    if short == 0 || width + height > 10_000 || long > short.saturating_mul(20) {
        return Err(AttachmentError::BadShape { width, height });
    }
    Ok(Image { bytes, mime })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> image::ImageResult<Vec<u8>> {
        let mut out = Vec::new();
        image::RgbImage::new(width, height)
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)?;
        Ok(out)
    }

    #[test]
    fn images_are_known_by_their_bytes_and_shapes_telegram_refuses_are_refused()
    -> Result<(), Box<dyn std::error::Error>> {
        assert_eq!(checked(png(40, 30)?)?.mime, "image/png");
        assert!(matches!(
            checked(b"%PDF-1.7 not a photo".to_vec()),
            Err(AttachmentError::NotAnImage(_))
        ));
        assert_eq!(
            checked(png(2100, 100)?),
            Err(AttachmentError::BadShape {
                width: 2100,
                height: 100
            })
        );
        Ok(())
    }
}
