//! Typed settings: `config/herald.toml` (every key is explained there), then
//! `HERALD__SECTION__KEY` environment variables on top. Parsed once at start; a wrong value
//! stops herald with a message naming the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

mod ingest;
mod limits;
mod matrix;
mod raw_limits;
mod telegram;

pub use ingest::IngestSettings;
pub use limits::{EngineConfig, PaidBroadcast, RatePolicy, Window};
pub use matrix::{MatrixLogin, MatrixSettings};
use raw_limits::{RawDelivery, RawLimits};
pub use telegram::{TelegramMode, TelegramSettings};

use crate::domain::{DatabaseUrl, Label, LabelPosition, Language, TimeZoneName, UserRef};
use crate::telemetry::LogFormat;

/// The validated settings herald runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the database (and, later, platform sessions) live.
    pub data_dir: PathBuf,
    /// The database file name inside `data_dir`.
    pub database_file: String,
    /// `storage.url`, when given: the database instead of `database_file`.
    pub database_url: Option<DatabaseUrl>,
    pub newsroom: Newsroom,
    /// People with every right; not stored, so editing the config always wins.
    pub owners: Vec<UserRef>,
    pub console: Console,
    pub search: Search,
    /// The tracing filter (`info`, `herald=debug,sqlx=warn`, ...); `RUST_LOG` overrides it.
    pub log_filter: String,
    pub log_format: LogFormat,
    pub delivery: EngineConfig,
    pub telegram_limits: RatePolicy,
    pub matrix_limits: RatePolicy,
    /// Where /healthz and /metrics are served; `None`: no HTTP listener.
    pub http_listen: Option<SocketAddr>,
    /// `None` when no token is configured: herald then runs without Telegram.
    pub telegram: Option<TelegramSettings>,
    /// `None` when no homeserver is configured: herald then runs without Matrix.
    pub matrix: Option<MatrixSettings>,
    pub ingest: IngestSettings,
    /// The CMS endpoint's bearer token; `None`: no CMS endpoint.
    pub cms_token: Option<secrecy::SecretString>,
}

#[derive(Debug, Clone)]
pub struct Newsroom {
    pub name: String,
    /// The language of a chat herald meets for the first time, unless its platform says.
    pub default_language: Language,
    /// The time zone new chats show times in.
    pub default_time_zone: TimeZoneName,
    /// The legal labels editors can name at /post (`label: <name>`), by name.
    pub labels: std::collections::BTreeMap<String, Label>,
    /// The label every article carries unless /post names another.
    pub default_label: Option<String>,
    /// Names that get a marker at their first mention and a note in every part mentioning them.
    pub glossary: Vec<crate::domain::Footnote>,
    /// Editors' /post makes a draft that a moderator publishes with /approve.
    pub require_approval: bool,
    /// How long after a /post an edit of that message corrects the article.
    pub correction_window: std::time::Duration,
    /// The largest image an editor may send with a /post, in bytes. Telegram takes photos up
    /// to 10 MB (and lets bots download files up to 20 MB); a homeserver's upload limit may be
    /// lower.
    pub max_photo_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DemoOffer {
    /// Ask on an empty database when the console is a terminal.
    Ask,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct Console {
    pub demo: DemoOffer,
    /// The console user's id; list `console:<id>` in owners to make them the owner.
    pub user: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Search {
    /// How many of the newest matches relevance ranking looks at.
    pub rank_window: u32,
    /// How many of the newest articles relevance ranking looks through for them.
    pub rank_span: u32,
    /// Results per page.
    pub page_size: u32,
    /// Articles per full-text index partition; applies only when the database is created.
    pub index_partition: i64,
    /// The most keyword alerts one chat may keep.
    pub alerts_per_chat: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
struct Raw {
    storage: RawStorage,
    newsroom: RawNewsroom,
    access: RawAccess,
    console: RawConsole,
    search: RawSearch,
    log: RawLog,
    delivery: RawDelivery,
    limits: RawLimits,
    http: RawHttp,
    telegram: telegram::RawTelegram,
    matrix: matrix::RawMatrix,
    ingest: ingest::RawIngest,
    cms: ingest::RawCms,
    labels: std::collections::BTreeMap<String, RawLabel>,
    footnotes: std::collections::BTreeMap<String, RawFootnote>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawFootnote {
    names: Vec<String>,
    #[serde(default = "asterisk")]
    marker: String,
    note: String,
}

fn asterisk() -> String {
    "*".into()
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawHttp {
    listen: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
struct RawStorage {
    data_dir: PathBuf,
    database_file: String,
    /// `postgres://…` (normally from `HERALD__STORAGE__URL`, as it holds a password) or
    /// `sqlite://…`; empty: the SQLite file `database_file` in `data_dir`.
    url: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
struct RawNewsroom {
    name: String,
    default_language: String,
    default_time_zone: String,
    default_label: String,
    require_approval: bool,
    /// Hours.
    correction_window_hours: u32,
    /// MiB, fractions allowed.
    max_photo_mib: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    text: String,
    #[serde(default = "top")]
    position: LabelPosition,
}

fn top() -> LabelPosition {
    LabelPosition::Top
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawAccess {
    owners: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
struct RawConsole {
    demo: DemoOffer,
    user: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
struct RawSearch {
    rank_window: u32,
    rank_span: u32,
    page_size: u32,
    index_partition: i64,
    alerts_per_chat: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
struct RawLog {
    filter: String,
    format: LogFormat,
}

impl Default for Raw {
    fn default() -> Self {
        Raw {
            storage: RawStorage::default(),
            newsroom: RawNewsroom::default(),
            access: RawAccess {
                owners: vec!["console:local".into()],
            },
            console: RawConsole::default(),
            search: RawSearch::default(),
            log: RawLog::default(),
            delivery: RawDelivery::default(),
            limits: RawLimits::default(),
            http: RawHttp::default(),
            telegram: Default::default(),
            matrix: Default::default(),
            ingest: Default::default(),
            cms: Default::default(),
            labels: Default::default(),
            footnotes: Default::default(),
        }
    }
}

impl Default for RawStorage {
    fn default() -> Self {
        RawStorage {
            data_dir: PathBuf::from("./data"),
            database_file: "herald.db".into(),
            url: String::new(),
        }
    }
}

impl Default for RawNewsroom {
    fn default() -> Self {
        RawNewsroom {
            name: "herald".into(),
            default_language: "en".into(),
            default_time_zone: "Europe/Moscow".into(),
            default_label: String::new(),
            require_approval: false,
            correction_window_hours: 48,
            max_photo_mib: 10.0,
        }
    }
}

impl Default for RawConsole {
    fn default() -> Self {
        RawConsole {
            demo: DemoOffer::Ask,
            user: "local".into(),
        }
    }
}

impl Default for RawSearch {
    fn default() -> Self {
        RawSearch {
            rank_window: 2_000,
            rank_span: 250_000,
            page_size: 5,
            index_partition: 50_000,
            alerts_per_chat: 20,
        }
    }
}

impl Default for RawLog {
    fn default() -> Self {
        RawLog {
            filter: "info".into(),
            format: LogFormat::default(),
        }
    }
}

/// A secret as `check-config` shows it: there, never its value.
fn redacted<S: serde::Serializer>(
    _secret: &Option<secrecy::SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str("[REDACTED]")
}

/// The file read when `--config` is not given; herald runs on defaults without it.
pub const DEFAULT_PATH: &str = "config/herald.toml";

impl Settings {
    /// Reads the file (required when named explicitly) and the environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Settings> {
        Settings::from_raw(Settings::raw(path)?)
    }

    /// What `herald check-config` prints: every key herald runs with (defaults filled in) as
    /// TOML, secrets shown as `[REDACTED]` — after the very checks `run` makes, so a
    /// configuration it prints is one `run` accepts.
    pub fn effective_toml(path: Option<&Path>) -> anyhow::Result<String> {
        let raw = Settings::raw(path)?;
        let text = toml::to_string(&raw).context("writing the configuration as TOML")?;
        Settings::from_raw(raw)?;
        Ok(text)
    }

    fn raw(path: Option<&Path>) -> anyhow::Result<Raw> {
        let file = match path {
            Some(p) => config::File::from(p).required(true),
            None => config::File::with_name(DEFAULT_PATH).required(false),
        };
        let env = config::Environment::with_prefix("HERALD")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true)
            .list_separator(",")
            .with_list_parse_key("access.owners")
            .with_list_parse_key("matrix.allowed_inviters")
            .with_list_parse_key("ingest.allow_private");
        config::Config::builder()
            .add_source(file.format(config::FileFormat::Toml))
            .add_source(env)
            .build()
            .context("reading configuration")?
            .try_deserialize()
            .context("configuration has an unknown key or a value of the wrong type")
    }

    /// Settings for tests: defaults, a given data directory, and the given owners.
    pub fn for_tests(data_dir: &Path, owners: &[&str]) -> anyhow::Result<Settings> {
        let mut raw = Raw::default();
        raw.storage.data_dir = data_dir.to_path_buf();
        raw.access.owners = owners.iter().map(|s| s.to_string()).collect();
        raw.console.demo = DemoOffer::Never;
        Settings::from_raw(raw)
    }

    fn from_raw(raw: Raw) -> anyhow::Result<Settings> {
        let default_language =
            Language::parse(&raw.newsroom.default_language).with_context(|| {
                format!(
                    "newsroom.default_language: `{}` is not ru or en",
                    raw.newsroom.default_language
                )
            })?;
        let default_time_zone =
            TimeZoneName::parse(&raw.newsroom.default_time_zone).with_context(|| {
                format!(
                    "newsroom.default_time_zone: `{}` is not an IANA time zone",
                    raw.newsroom.default_time_zone
                )
            })?;
        let owners = raw
            .access
            .owners
            .iter()
            .filter(|o| !o.trim().is_empty())
            .map(|o| UserRef::parse(o).with_context(|| format!("access.owners: `{o}`")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if raw.storage.database_file.is_empty() || raw.storage.database_file.contains(['/', '\\']) {
            bail!(
                "storage.database_file: `{}` must be a plain file name",
                raw.storage.database_file
            );
        }
        let database_url = match raw.storage.url.trim() {
            "" => None,
            url => Some(
                url.parse::<DatabaseUrl>()
                    .map_err(|e| anyhow::anyhow!("storage.url: {e}"))?,
            ),
        };
        if raw.search.rank_span == 0 {
            bail!("search.rank_span: must be at least 1");
        }
        if !(1..=100_000).contains(&raw.search.rank_window) {
            bail!("search.rank_window: must be between 1 and 100000");
        }
        if !(100..=10_000_000).contains(&raw.search.index_partition) {
            bail!("search.index_partition: must be between 100 and 10000000");
        }
        if !(1..=1_000).contains(&raw.search.alerts_per_chat) {
            bail!("search.alerts_per_chat: must be between 1 and 1000");
        }
        if !(1..=50).contains(&raw.search.page_size) {
            bail!("search.page_size: must be between 1 and 50");
        }
        let delivery = raw.delivery.engine_config()?;
        let telegram_limits = raw.limits.telegram.policy()?;
        let matrix_limits = raw.limits.matrix.policy()?;
        let mut labels = std::collections::BTreeMap::new();
        for (name, label) in raw.labels {
            if label.text.trim().is_empty() || label.text.chars().count() > 900 {
                bail!("labels.{name}.text: must hold 1 to 900 characters");
            }
            labels.insert(
                name.to_lowercase(),
                Label {
                    text: label.text.trim().to_string(),
                    position: label.position,
                },
            );
        }
        let mut glossary = Vec::new();
        for (key, f) in raw.footnotes {
            if f.names.iter().all(|n| n.trim().is_empty())
                || f.note.trim().is_empty()
                || f.marker.is_empty()
            {
                bail!("footnotes.{key}: needs names, a marker and a note");
            }
            glossary.push(crate::domain::Footnote::new(
                &f.names,
                &f.marker,
                f.note.trim(),
            ));
        }
        let default_label =
            Some(raw.newsroom.default_label.trim().to_lowercase()).filter(|l| !l.is_empty());
        if let Some(name) = default_label.as_ref().filter(|l| !labels.contains_key(*l)) {
            bail!("newsroom.default_label: no label `{name}` under [labels]");
        }
        if !(raw.newsroom.max_photo_mib > 0.0 && raw.newsroom.max_photo_mib <= 20.0) {
            bail!(
                "newsroom.max_photo_mib must be above 0 and at most 20 (Telegram's download limit)"
            );
        }
        let http_listen = match raw.http.listen.trim() {
            "" => None,
            addr => Some(
                addr.parse()
                    .with_context(|| format!("http.listen: `{addr}` is not host:port"))?,
            ),
        };
        let telegram = raw.telegram.settings()?;
        if matches!(
            telegram,
            Some(TelegramSettings {
                mode: TelegramMode::Webhook { .. },
                ..
            })
        ) && http_listen.is_none()
        {
            bail!("telegram.mode = \"webhook\" needs http.listen");
        }
        let matrix = raw.matrix.settings()?;
        let ingest = raw.ingest.settings()?;
        let cms_token = raw.cms.token()?;
        Ok(Settings {
            ingest,
            cms_token,
            telegram,
            matrix,
            delivery,
            telegram_limits,
            matrix_limits,
            http_listen,
            data_dir: raw.storage.data_dir,
            database_file: raw.storage.database_file,
            database_url,
            newsroom: Newsroom {
                name: raw.newsroom.name,
                default_language,
                default_time_zone,
                labels,
                default_label,
                glossary,
                require_approval: raw.newsroom.require_approval,
                correction_window: std::time::Duration::from_secs(
                    u64::from(raw.newsroom.correction_window_hours) * 3600,
                ),
                max_photo_bytes: (raw.newsroom.max_photo_mib * 1_048_576.0) as usize,
            },
            owners,
            console: Console {
                demo: raw.console.demo,
                user: raw.console.user,
            },
            search: Search {
                rank_window: raw.search.rank_window,
                rank_span: raw.search.rank_span,
                page_size: raw.search.page_size,
                index_partition: raw.search.index_partition,
                alerts_per_chat: raw.search.alerts_per_chat,
            },
            log_filter: raw.log.filter,
            log_format: raw.log.format,
        })
    }

    /// How the delivery engine runs: `[delivery]`, with the newsroom's footnotes for article
    /// layouts.
    pub fn engine_config(&self) -> EngineConfig {
        EngineConfig {
            glossary: self.newsroom.glossary.clone(),
            ..self.delivery.clone()
        }
    }

    pub fn database_path(&self) -> PathBuf {
        match &self.database_url {
            Some(DatabaseUrl::Sqlite(path)) => path.clone(),
            _ => self.data_dir.join(&self.database_file),
        }
    }

    /// The database herald runs on: `storage.url`, or the SQLite file in `data_dir`.
    pub fn database(&self) -> DatabaseUrl {
        self.database_url
            .clone()
            .unwrap_or_else(|| DatabaseUrl::Sqlite(self.database_path()))
    }

    pub fn is_owner(&self, user: &UserRef) -> bool {
        self.owners.contains(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_make_the_console_user_owner() {
        let settings = Settings::from_raw(Raw::default()).unwrap();
        assert!(settings.is_owner(&UserRef::parse("console:local").unwrap()));
        assert_eq!(settings.newsroom.default_time_zone.name(), "Europe/Moscow");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let mut raw = Raw::default();
        raw.newsroom.default_time_zone = "Moon/Base".into();
        let err = Settings::from_raw(raw).unwrap_err().to_string();
        assert!(err.contains("newsroom.default_time_zone"), "{err}");
    }
}
