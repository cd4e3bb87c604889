//! Logging. Logs go to stderr so the terminal chat's stdout stays clean for scripts.

use std::io::IsTerminal;

use serde::Deserialize;
use tracing_subscriber::EnvFilter;

/// How log lines are written (`log.format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event, coloured only when stderr is a terminal (colour codes in a
    /// file or a pipe are noise to whoever reads it later).
    #[default]
    Text,
    /// One JSON object per line, for log collectors: `timestamp`, `level`, `target`, and the
    /// event's message and fields under `fields`.
    Json,
}

/// Installs the global subscriber; `RUST_LOG` wins over the configured filter.
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
