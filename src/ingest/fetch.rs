//! Fetching a feed politely and safely: conditional GET (ETag, Last-Modified), gzip, a size
//! cap, a deadline for the whole fetch (a server that trickles bytes cannot hold a poller),
//! redirects followed by hand and bounded, and every address checked by the [`Guard`].

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{
    CONTENT_LENGTH, CONTENT_LOCATION, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, LOCATION,
};
use url::Url;

use super::guard::Guard;

/// The limits of one fetch.
#[derive(Debug, Clone)]
pub struct FetchLimits {
    pub timeout: Duration,
    pub max_bytes: usize,
    pub max_redirects: usize,
    pub user_agent: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("refused: {0} is an internal address")]
    Internal(String),
    #[error("not an http(s) URL: {0}")]
    Scheme(String),
    #[error("larger than {0} bytes")]
    TooLarge(usize),
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("HTTP {0}")]
    Status(u16),
    #[error("network: {0}")]
    Network(String),
}

/// What a fetch brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 304: nothing new, nothing to parse.
    NotModified,
    Body {
        bytes: Vec<u8>,
        content_type: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
        /// Where relative links in the body lead from: the response's Content-Location
        /// (relative to the address answered), else that address.
        base: String,
    },
}

/// A resolver that drops internal addresses, so a host name cannot lead to one.
struct Guarded(Guard);

#[derive(Debug, thiserror::Error)]
#[error("{0} resolves only to internal addresses")]
struct ResolvedInternal(String);

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| guard.permits(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(ResolvedInternal(host)) as Box<_>);
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// An HTTP client for feeds; cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    guard: Guard,
    limits: FetchLimits,
}

impl Fetcher {
    pub fn new(guard: Guard, limits: FetchLimits) -> anyhow::Result<Fetcher> {
        let client = reqwest::Client::builder()
            // A proxy would resolve host names itself, past the guard; feeds are fetched
            // directly whatever HTTP_PROXY and the like say.
            .no_proxy()
            .dns_resolver(Arc::new(Guarded(guard.clone())))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
            .user_agent(limits.user_agent.clone())
            .gzip(true)
            .build()?;
        Ok(Fetcher {
            client,
            guard,
            limits,
        })
    }

    /// The client for feeds (and for the photos of articles, which come from the same places),
    /// with the `[ingest]` limits and allow-list.
    pub fn for_settings(settings: &crate::config::IngestSettings) -> anyhow::Result<Fetcher> {
        Fetcher::new(
            Guard::new(settings.allow_private.clone()),
            FetchLimits {
                timeout: settings.timeout,
                max_bytes: settings.max_bytes,
                max_redirects: settings.max_redirects,
                user_agent: settings.user_agent.clone(),
            },
        )
    }

    /// The host of `url` when this fetcher will refuse it as internal: an internal address,
    /// or a name every address of which is internal. `None` when it may be fetched, or the
    /// name does not resolve now (within the fetch timeout).
    pub async fn internal_host(&self, url: &str) -> Option<String> {
        let url = Url::parse(url).ok()?;
        if let Err(FetchError::Internal(host)) = self.check(&url) {
            return Some(host);
        }
        let Some(url::Host::Domain(name)) = url.host() else {
            return None;
        };
        let port = url.port_or_known_default().unwrap_or(80);
        // A resolver that hangs must not hold the moderator's command past a fetch's time.
        let lookup = tokio::net::lookup_host((name, port));
        let found: Vec<SocketAddr> = tokio::time::timeout(self.limits.timeout, lookup)
            .await
            .ok()?
            .ok()?
            .collect();
        let internal = !found.is_empty() && found.iter().all(|a| !self.guard.permits(a.ip()));
        internal.then(|| name.to_string())
    }

    /// Fetches `url` with the validators of the last fetch.
    pub async fn fetch(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        let deadline = self.limits.timeout;
        tokio::time::timeout(deadline, self.follow(url, etag, last_modified))
            .await
            .unwrap_or(Err(FetchError::Timeout(deadline)))
    }

    async fn follow(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        let mut url = Url::parse(url).map_err(|_| FetchError::Scheme(url.to_string()))?;
        for _ in 0..=self.limits.max_redirects {
            self.check(&url)?;
            let mut request = self.client.get(url.clone());
            if let Some(etag) = etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(since) = last_modified {
                request = request.header(IF_MODIFIED_SINCE, since);
            }
            let response = request.send().await.map_err(network)?;
            let status = response.status();
            if status.is_redirection() && status.as_u16() != 304 {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or(FetchError::Status(status.as_u16()))?;
                url = url
                    .join(location)
                    .map_err(|_| FetchError::Scheme(location.to_string()))?;
                continue;
            }
            if status.as_u16() == 304 {
                return Ok(Fetched::NotModified);
            }
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            return self.body(response).await;
        }
        Err(FetchError::TooManyRedirects(self.limits.max_redirects))
    }

    /// Refuses other schemes and internal addresses given literally (a host name is checked
    /// by the resolver).
    fn check(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Scheme(url.to_string()));
        }
        let literal: Option<IpAddr> = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(ip.into()),
            Some(url::Host::Ipv6(ip)) => Some(ip.into()),
            Some(url::Host::Domain(_)) => None,
            None => return Err(FetchError::Scheme(url.to_string())),
        };
        match literal {
            Some(ip) if !self.guard.permits(ip) => Err(FetchError::Internal(ip.to_string())),
            _ => Ok(()),
        }
    }

    async fn body(&self, mut response: reqwest::Response) -> Result<Fetched, FetchError> {
        let max = self.limits.max_bytes;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(String::from)
        };
        let declared: Option<usize> = header(CONTENT_LENGTH).and_then(|l| l.parse().ok());
        if declared.is_some_and(|n| n > max) {
            return Err(FetchError::TooLarge(max));
        }
        let (content_type, etag, last_modified) =
            (header(CONTENT_TYPE), header(ETAG), header(LAST_MODIFIED));
        let answered = response.url().clone();
        let base = header(CONTENT_LOCATION)
            .and_then(|location| answered.join(&location).ok())
            .unwrap_or(answered)
            .to_string();
        // Sized once from the declared length: growing by doubling would hold two copies.
        let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(max));
        while let Some(chunk) = response.chunk().await.map_err(network)? {
            if bytes.len() + chunk.len() > max {
                return Err(FetchError::TooLarge(max));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            bytes,
            content_type,
            etag,
            last_modified,
            base,
        })
    }
}

/// A network error, or the resolver's refusal of an internal address.
fn network(error: reqwest::Error) -> FetchError {
    let mut source: Option<&dyn std::error::Error> = Some(&error);
    while let Some(e) = source {
        if let Some(internal) = e.downcast_ref::<ResolvedInternal>() {
            return FetchError::Internal(internal.0.clone());
        }
        source = e.source();
    }
    if error.is_timeout() {
        return FetchError::Network("timed out".into());
    }
    FetchError::Network(error.without_url().to_string())
}
