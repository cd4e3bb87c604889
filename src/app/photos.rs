//! Whether an editor's photo can be used, asked when they post it: a photo herald refuses to
//! fetch would otherwise vanish from the article with only a log line to say so. The check is
//! the feeds' fetcher (a layer above), registered at build time.

use async_trait::async_trait;

/// What fetching the photo as the platforms will showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoVerdict {
    Usable,
    /// herald will never use it: the editor must change the `photo:` line.
    Refused(PhotoRefusal),
    /// It could not be had just now (network, a server error, a missing page): published, and
    /// the editor told the article may go without it.
    Unchecked(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoRefusal {
    /// On a network herald does not fetch from (`ingest.allow_private`).
    Internal(String),
    /// Larger than this many bytes (`ingest.max_bytes`).
    TooLarge(usize),
    /// Not an image; the server's content type.
    NotAnImage(String),
}

/// Fetches a photo the way its delivery will.
#[async_trait]
pub trait PhotoCheck: Send + Sync {
    async fn check(&self, url: &str) -> PhotoVerdict;
}
