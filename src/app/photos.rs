//! Whether an editor's photo can be used, asked when they post it: a photo herald refuses to
//! fetch would otherwise vanish from the article with only a log line to say so; and whether a
//! new feed's address is one herald will fetch from, asked at /source add. The check is the
//! feeds' fetcher (a layer above), registered at build time.

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

/// Asks the feeds' fetcher, before herald says yes, what it will do with an address.
#[async_trait]
pub trait FetchCheck: Send + Sync {
    /// Fetches a photo the way its delivery will.
    async fn check(&self, url: &str) -> PhotoVerdict;

    /// The host of `url` when the fetcher will refuse it as internal (an internal address,
    /// or a name that resolves only to such); `None` when it may fetch it, or the name does
    /// not resolve just now (the first poll then says so).
    async fn internal_host(&self, url: &str) -> Option<String>;
}
