//! The app's photo check, done by the feeds' guarded fetcher: the same guards, size cap and
//! timeout the Matrix adapter meets when it fetches the photo to upload it.

use async_trait::async_trait;

use super::fetch::{FetchError, Fetched, Fetcher};
use crate::app::{PhotoCheck, PhotoRefusal, PhotoVerdict};

#[async_trait]
impl PhotoCheck for Fetcher {
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
}
