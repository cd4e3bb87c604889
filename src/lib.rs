//! herald: a newsroom's articles, delivered to Telegram chats and channels, Matrix rooms and the
//! terminal, searchable, and corrected everywhere when the newsroom corrects them.
//!
//! # Layout
//!
//! Layers, lowest first. Every `crate::` path points down this list, never up, and no two
//! modules name each other (`python3 ../shared/tools/layers.py src --order
//! lexicon,domain,clock,telemetry,instance,config,store,message,render,delivery,app,ingest,http,platform,application,cli`
//! checks it):
//!
//! 1. [`lexicon`]: what herald knows about words — Russian lemmas from an embedded
//!    morphological dictionary, English irregular forms, spelling keys for names across
//!    scripts. Names nothing else in the crate.
//! 2. [`domain`]: pure types that parse user input once — topics, languages, article drafts,
//!    the article as published, search queries, roles, the content hash. No I/O.
//! 3. [`clock`]: the one clock, following tokio's so tests can pause time; every "now" comes
//!    from it.
//! 4. [`telemetry`]: logging set-up.
//! 5. [`instance`]: the lock that keeps a second herald off the same database.
//! 6. [`config`]: typed settings from `config/herald.toml` and `HERALD__SECTION__KEY`
//!    variables, as plain values (rate policies and the engine's settings included).
//! 7. [`store`]: every SQL statement (SQLite or PostgreSQL through sqlx), one file per
//!    aggregate, with the full-text index kept in the same transactions as the articles; its
//!    own error type. `store::pg` holds what only PostgreSQL does (its search and `/latest`).
//! 8. [`message`]: the platform-neutral reply and the Russian/English catalogs — what every
//!    layer above says.
//! 9. [`render`]: replies and articles as each platform shows them.
//! 10. [`delivery`]: the engine that takes planned deliveries from the outbox and sends them
//!     within each platform's rate limits, retrying, dead-lettering and composing digests; the
//!     ports it calls (`Outbound`, `Directory`, `EngineEvents`) and their error classes.
//! 11. [`app`]: the use cases. Publishing, correcting and retracting store, plan and wake the
//!     engine in one call; [`app::App::handle`] answers an [`app::Invocation`] from any
//!     platform. One command table, one file per command under `app/commands/`.
//! 12. [`ingest`]: feed polling — fetching (SSRF-guarded), parsing, topic mapping.
//! 13. [`http`]: health, Prometheus metrics, the CMS endpoint.
//! 14. [`platform`]: the adapters, and the only place chat frameworks are named: Telegram
//!     (teloxide), Matrix (matrix-sdk), the terminal chat, and an in-process platform for tests
//!     and benchmarks.
//! 15. [`application`]: the wiring — [`application::Application::build`] brings up all of the
//!     above as `herald run` does; `main`, tests and benchmarks build herald through it.
//! 16. [`cli`]: the command line that `main` parses.

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
pub mod lexicon;
pub mod message;
pub mod platform;
pub mod render;
pub mod store;
pub mod telemetry;
