//! herald: a newsroom's articles, delivered to Telegram chats and channels, Matrix rooms and the
//! terminal, searchable, and corrected everywhere when the newsroom corrects them.
//!
//! # Layout
//!
//! - [`config`]: typed settings from `config/herald.toml` and `HERALD__SECTION__KEY` variables.
//! - [`domain`]: pure types that parse user input once — topics, languages, article drafts,
//!   search queries, roles. No I/O.
//! - [`app`]: the use cases. [`app::App::build`] opens the store; [`app::App::handle`] answers
//!   an [`app::Invocation`] from any platform with a platform-neutral [`app::Reply`]. One command
//!   enum, one file per command under `app/commands/`.
//! - [`store`]: every SQL statement (SQLite through sqlx), one file per aggregate, with the
//!   full-text index kept in the same transactions as the articles.
//! - [`render`]: replies and articles as each platform shows them.
//! - [`platform`]: the adapters, and the only place chat frameworks are named, with the
//!   `Outbound` trait the engine sends through, and the `Directory` trait the commands ask about
//!   chats and admins: Telegram (teloxide), Matrix (matrix-sdk), the terminal chat, and an
//!   in-process platform for tests and benchmarks.
//! - [`delivery`]: the engine that takes planned deliveries from the outbox and sends them
//!   within each platform's rate limits, retrying, dead-lettering and composing digests.
//! - [`ingest`]: feed polling — fetching (SSRF-guarded), parsing, dedup, topic mapping.
//! - [`http`]: health, Prometheus metrics, the CMS endpoint.
//! - [`instance`]: the lock that keeps a second herald off the same database.
//! - [`clock`]: the one clock, following tokio's so tests can pause time.
//! - [`cli`]: the command line that `main` parses.

rust_i18n::i18n!("locales", fallback = "en");

pub mod app;
pub mod application;
pub mod cli;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod http;
pub mod ingest;
pub mod instance;
pub mod message;
pub mod platform;
pub mod render;
pub mod store;
pub mod telemetry;
