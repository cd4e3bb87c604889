//! Logging. Logs go to stderr so the terminal chat's stdout stays clean for scripts.

use std::io::IsTerminal;

use serde::Deserialize;
use tracing_subscriber::EnvFilter;

/// How log lines are written (`log.format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
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

/// The Matrix SDK's own lines that bury herald's: an INFO on every sync, a WARN on every sync
/// about a room-key backup herald does not keep, and an ERROR for each 404 it expects (absent
/// account data at sign-in). herald logs the failures it acts on itself.
const QUIET_MATRIX_SDK: &str = "matrix_sdk=warn,matrix_sdk_base=warn,\
    matrix_sdk_crypto::backups=error,matrix_sdk::http_client=off";

/// The configured filter with the SDK quietened, unless the filter names the SDK itself (an
/// operator chasing a Matrix problem gets exactly what they asked for).
fn directives(filter: &str) -> String {
    if filter.contains("matrix_sdk") {
        filter.to_string()
    } else {
        format!("{filter},{QUIET_MATRIX_SDK}")
    }
}

/// Installs the global subscriber; `RUST_LOG` wins over the configured filter.
pub fn init(filter: &str, format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(directives(filter)));
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

#[cfg(test)]
mod tests {
    use super::directives;

    #[test]
    fn the_sdk_is_quietened_unless_the_filter_names_it() {
        assert!(directives("info").contains("matrix_sdk::http_client=off"));
        assert_eq!(directives("info,matrix_sdk=debug"), "info,matrix_sdk=debug");
    }
}
