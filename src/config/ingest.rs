//! The `[ingest]` section (feed polling) and `[cms]` (the CMS endpoint's token).

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, bail};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::domain::Network;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawIngest {
    enabled: bool,
    user_agent: String,
    timeout_ms: u64,
    max_bytes: usize,
    max_redirects: usize,
    default_interval_s: i64,
    min_interval_s: i64,
    max_interval_s: i64,
    backlog: usize,
    #[serde(deserialize_with = "trimmed")]
    allow_private: Vec<String>,
    alert_after_failures: i64,
    concurrency: usize,
    topic_rules: BTreeMap<String, Vec<String>>,
}

/// A list of strings with the spaces around each taken off: from the environment a list is
/// split at commas (`127.0.0.0/8, 10.20.0.0/16`), spaces kept.
fn trimmed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items = Vec::<String>::deserialize(d)?;
    Ok(items.into_iter().map(|s| s.trim().to_string()).collect())
}

impl Default for RawIngest {
    fn default() -> Self {
        RawIngest {
            enabled: true,
            user_agent: concat!("herald/", env!("CARGO_PKG_VERSION"), " (news bot)").into(),
            timeout_ms: 20_000,
            max_bytes: 5 * 1024 * 1024,
            max_redirects: 5,
            default_interval_s: 900,
            min_interval_s: 120,
            max_interval_s: 6 * 3600,
            backlog: 0,
            allow_private: Vec::new(),
            alert_after_failures: 5,
            concurrency: 8,
            topic_rules: BTreeMap::new(),
        }
    }
}

/// Feed polling settings.
#[derive(Debug, Clone)]
pub struct IngestSettings {
    pub enabled: bool,
    pub user_agent: String,
    /// For the whole fetch of one feed, redirects and body included.
    pub timeout: Duration,
    pub max_bytes: usize,
    pub max_redirects: usize,
    pub default_interval_s: i64,
    pub min_interval_s: i64,
    pub max_interval_s: i64,
    /// How many of a new source's items are published; the rest of its backlog is only archived.
    pub backlog: usize,
    /// Internal networks feeds may still be fetched from.
    pub allow_private: Vec<Network>,
    /// Failures in a row after which moderators are told.
    pub alert_after_failures: i64,
    /// Sources fetched at once.
    pub concurrency: usize,
    /// Topic slug → words that put an item in it (matched in any inflected form).
    pub topic_rules: BTreeMap<String, Vec<String>>,
}

impl RawIngest {
    pub(super) fn settings(self) -> anyhow::Result<IngestSettings> {
        if self.min_interval_s < 10
            || self.default_interval_s < self.min_interval_s
            || self.max_interval_s < self.default_interval_s
        {
            bail!(
                "ingest: intervals must satisfy 10 <= min_interval_s <= default_interval_s <= max_interval_s"
            );
        }
        if self.timeout_ms == 0 || self.max_bytes == 0 || self.concurrency == 0 {
            bail!("ingest: timeout_ms, max_bytes and concurrency must be above 0");
        }
        let allow_private = self
            .allow_private
            .iter()
            .map(|n| {
                Network::parse(n)
                    .with_context(|| format!("ingest.allow_private: `{n}` is not an IP or CIDR"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(IngestSettings {
            enabled: self.enabled,
            user_agent: self.user_agent,
            timeout: Duration::from_millis(self.timeout_ms),
            max_bytes: self.max_bytes,
            max_redirects: self.max_redirects,
            default_interval_s: self.default_interval_s,
            min_interval_s: self.min_interval_s,
            max_interval_s: self.max_interval_s,
            backlog: self.backlog,
            allow_private,
            alert_after_failures: self.alert_after_failures.max(1),
            concurrency: self.concurrency,
            topic_rules: self
                .topic_rules
                .into_iter()
                .map(|(k, v)| (k.to_lowercase(), v))
                .collect(),
        })
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawCms {
    #[serde(
        serialize_with = "crate::config::redacted",
        skip_serializing_if = "Option::is_none"
    )]
    token: Option<SecretString>,
    token_file: String,
}

impl RawCms {
    /// The CMS endpoint's bearer token; `None`: the endpoint is off.
    pub(super) fn token(self) -> anyhow::Result<Option<SecretString>> {
        super::telegram::secret(self.token, &self.token_file, "cms.token_file")
    }
}
