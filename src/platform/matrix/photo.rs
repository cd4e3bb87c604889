//! An article's photo as Matrix clients want it: measured (m.image `info` with size, width and
//! height, so clients lay the message out before the image arrives), with a thumbnail when it
//! is big (an encrypted room's clients cannot ask the server for one), and uploaded once for
//! every unencrypted room — the same mxc:// serves them all. An encrypted room gets its own
//! encrypted upload (each with its own key), made by the SDK.

use std::io::Cursor;

use image::ImageReader;
use matrix_sdk::Client;
use matrix_sdk::attachment::{AttachmentConfig, AttachmentInfo, BaseImageInfo, Thumbnail};
use matrix_sdk::ruma::events::room::message::{
    FormattedBody, ImageMessageEventContent, TextMessageEventContent,
};
use matrix_sdk::ruma::events::room::{ImageInfo, MediaSource, ThumbnailInfo};
use matrix_sdk::ruma::{OwnedMxcUri, OwnedTransactionId, UInt};
use tokio::sync::OnceCell;

use super::errors::classify;
use crate::delivery::SendError;
use crate::render::matrix::MatrixMessage;

/// A thumbnail fits in this many pixels a side (what clients show in a timeline)…
const THUMB_SIDE: u32 = 800;
/// …and is made for an image larger than that, or larger than this many bytes.
const THUMB_FROM_BYTES: usize = 256 * 1024;

/// An encoded image and its measures.
pub struct Image {
    pub bytes: Vec<u8>,
    pub mime: mime::Mime,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// A fetched photo, ready for any room.
pub struct Photo {
    pub image: Image,
    pub thumbnail: Option<Image>,
    /// The unencrypted upload (photo, thumbnail), made once for every unencrypted room.
    plain: OnceCell<(OwnedMxcUri, Option<OwnedMxcUri>)>,
}

impl Photo {
    /// Measures the image and makes its thumbnail: CPU work, for a blocking thread.
    pub fn prepare(bytes: Vec<u8>, mime: mime::Mime) -> Photo {
        let (width, height) = ImageReader::new(Cursor::new(&bytes))
            .with_guessed_format()
            .ok()
            .and_then(|reader| reader.into_dimensions().ok())
            .map_or((None, None), |(w, h)| (Some(w), Some(h)));
        let big = bytes.len() > THUMB_FROM_BYTES
            || width.is_some_and(|w| w > THUMB_SIDE)
            || height.is_some_and(|h| h > THUMB_SIDE);
        let thumbnail = if big { thumbnail(&bytes) } else { None };
        Photo {
            image: Image {
                bytes,
                mime,
                width,
                height,
            },
            thumbnail,
            plain: OnceCell::new(),
        }
    }

    /// The m.image for an unencrypted room, uploading the photo (and thumbnail) the first time.
    pub async fn plain_content(
        &self,
        client: &Client,
        caption: &MatrixMessage,
    ) -> Result<ImageMessageEventContent, SendError> {
        let (photo, thumb) = self
            .plain
            .get_or_try_init(|| async {
                let photo = upload(client, &self.image).await?;
                let thumb = match &self.thumbnail {
                    Some(thumbnail) => Some(upload(client, thumbnail).await?),
                    None => None,
                };
                Ok::<_, SendError>((photo, thumb))
            })
            .await?;
        let mut info = image_info(&self.image);
        if let (Some(thumb), Some(thumbnail)) = (thumb, &self.thumbnail) {
            info.thumbnail_source = Some(MediaSource::Plain(thumb.clone()));
            let mut about = ThumbnailInfo::new();
            about.mimetype = Some(thumbnail.mime.essence_str().to_string());
            about.size = UInt::new(thumbnail.bytes.len() as u64);
            about.width = thumbnail.width.map(UInt::from);
            about.height = thumbnail.height.map(UInt::from);
            info.thumbnail_info = Some(Box::new(about));
        }
        let mut content = ImageMessageEventContent::plain(caption.body.clone(), photo.clone())
            .info(Some(Box::new(info)));
        content.formatted = Some(FormattedBody::html(&caption.formatted_body));
        content.filename = Some(self.filename());
        Ok(content)
    }

    /// The SDK's attachment settings for an encrypted room (it encrypts and uploads each).
    pub fn encrypted_config(
        &self,
        caption: &MatrixMessage,
        txn: OwnedTransactionId,
    ) -> AttachmentConfig {
        let info = BaseImageInfo {
            width: self.image.width.map(UInt::from),
            height: self.image.height.map(UInt::from),
            size: UInt::new(self.image.bytes.len() as u64),
            ..BaseImageInfo::default()
        };
        let thumbnail = self.thumbnail.as_ref().and_then(|t| {
            Some(Thumbnail {
                data: t.bytes.clone(),
                content_type: t.mime.clone(),
                width: UInt::from(t.width?),
                height: UInt::from(t.height?),
                size: UInt::new(t.bytes.len() as u64)?,
            })
        });
        AttachmentConfig::new()
            .txn_id(txn)
            .info(AttachmentInfo::Image(info))
            .thumbnail(thumbnail)
            .caption(Some(TextMessageEventContent::html(
                caption.body.clone(),
                caption.formatted_body.clone(),
            )))
    }

    pub fn filename(&self) -> String {
        format!("photo.{}", self.image.mime.subtype())
    }
}

fn image_info(image: &Image) -> ImageInfo {
    let mut info = ImageInfo::new();
    info.mimetype = Some(image.mime.essence_str().to_string());
    info.size = UInt::new(image.bytes.len() as u64);
    info.width = image.width.map(UInt::from);
    info.height = image.height.map(UInt::from);
    info
}

async fn upload(client: &Client, image: &Image) -> Result<OwnedMxcUri, SendError> {
    let uploaded = client
        .media()
        .upload(&image.mime, image.bytes.clone(), None)
        .await
        .map_err(|e| classify(&e))?;
    Ok(uploaded.content_uri)
}

/// A JPEG of at most [`THUMB_SIDE`] a side; `None` when the image cannot be decoded (a format
/// herald does not read: the photo still goes, without a thumbnail).
fn thumbnail(bytes: &[u8]) -> Option<Image> {
    let decoded = image::load_from_memory(bytes).ok()?;
    let small = image::DynamicImage::ImageRgb8(decoded.thumbnail(THUMB_SIDE, THUMB_SIDE).to_rgb8());
    let mut out = Cursor::new(Vec::new());
    small.write_to(&mut out, image::ImageFormat::Jpeg).ok()?;
    Some(Image {
        bytes: out.into_inner(),
        mime: mime::IMAGE_JPEG,
        width: Some(small.width()),
        height: Some(small.height()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 40, 40]));
        let mut out = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(image)
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn a_big_photo_is_measured_and_gets_a_small_thumbnail() {
        let photo = Photo::prepare(png(1600, 900), mime::IMAGE_PNG);
        assert_eq!(
            (photo.image.width, photo.image.height),
            (Some(1600), Some(900))
        );
        let thumb = photo.thumbnail.expect("a thumbnail");
        assert_eq!((thumb.width, thumb.height), (Some(800), Some(450)));
        assert_eq!(thumb.mime, mime::IMAGE_JPEG);
    }

    #[test]
    fn a_small_photo_goes_as_it_is_and_an_unreadable_one_unmeasured() {
        let photo = Photo::prepare(png(64, 48), mime::IMAGE_PNG);
        assert_eq!(
            (photo.image.width, photo.image.height),
            (Some(64), Some(48))
        );
        assert!(photo.thumbnail.is_none());
        let odd = Photo::prepare(b"not an image".to_vec(), mime::IMAGE_PNG);
        assert_eq!((odd.image.width, odd.thumbnail.is_none()), (None, true));
    }
}
