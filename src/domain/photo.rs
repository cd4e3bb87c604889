//! Where an article's photo is. Most are at a web address (a feed's enclosure, a CMS field, an
//! editor's `photo:` line) that each platform fetches or is handed. A photo an editor sent as
//! an image (a Telegram photo with a `/post` caption, a Matrix image answered with `!post`) is
//! kept by herald itself, with the id Telegram gave it once it has one, so Telegram copies
//! reuse that id instead of uploading the image again.

/// An article's photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoRef {
    /// At this address.
    Web(String),
    /// In herald's media store.
    Stored(StoredPhoto),
}

/// An image in herald's media store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhoto {
    /// Its id in the store.
    pub id: i64,
    /// Telegram's id for the same image, once Telegram has it (the editor sent it there, or a
    /// first copy uploaded it): every Telegram copy sends this instead of the bytes.
    pub telegram_file_id: Option<String>,
}

impl PhotoRef {
    /// A name for the image that stays the same for every article and copy showing it, for
    /// caches of fetched or uploaded images.
    pub fn key(&self) -> String {
        match self {
            PhotoRef::Web(url) => url.clone(),
            PhotoRef::Stored(stored) => format!("herald-media:{}", stored.id),
        }
    }

    /// The address, for a web photo.
    pub fn url(&self) -> Option<&str> {
        match self {
            PhotoRef::Web(url) => Some(url),
            PhotoRef::Stored(_) => None,
        }
    }

    /// A photo in the media store, not yet known to Telegram.
    pub fn stored(id: i64) -> PhotoRef {
        PhotoRef::Stored(StoredPhoto {
            id,
            telegram_file_id: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_photo_is_named_by_its_id_and_never_like_an_address() {
        let stored = PhotoRef::stored(7);
        assert_eq!(stored.key(), "herald-media:7");
        assert_eq!(stored.url(), None);
        let web = PhotoRef::Web("https://example.org/p.jpg".into());
        assert_eq!(web.key(), "https://example.org/p.jpg");
        assert_ne!(web.key(), stored.key());
    }
}
