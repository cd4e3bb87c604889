//! The app's fetch check, done by the feeds' guarded fetcher: the same guards, size cap and
//! timeout the Matrix adapter meets when it fetches the photo to upload it, and the poller
//! when it fetches a feed.

use async_trait::async_trait;

use super::fetch::{FetchError, Fetched, Fetcher};
use crate::app::{FetchCheck, PhotoRefusal, PhotoVerdict};

#[async_trait]
impl FetchCheck for Fetcher {
    async fn check(&self, url: &str) -> PhotoVerdict {
        match self.fetch(url, None, None).await {
            Ok(Fetched::Body { content_type, .. }) => {
                let kind = content_type.unwrap_or_default();
                if kind.trim().to_ascii_lowercase().starts_with("image/") {
                    PhotoVerdict::Usable
                } else {
                    PhotoVerdict::Refused(PhotoRefusal::NotAnImage(kind))
                }
            }
            Ok(Fetched::NotModified) => PhotoVerdict::Unchecked("HTTP 304".into()),
            Err(FetchError::Internal(host)) => PhotoVerdict::Refused(PhotoRefusal::Internal(host)),
            Err(FetchError::TooLarge(max)) => PhotoVerdict::Refused(PhotoRefusal::TooLarge(max)),
            Err(other) => PhotoVerdict::Unchecked(other.to_string()),
        }
    }

    async fn internal_host(&self, url: &str) -> Option<String> {
        self.internal_host(url).await
    }
}
