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

/// Directives that quieten a library whose routine lines bury herald's (the platform adapters
/// say which: see `platform::matrix::QUIET_LOG`).
#[derive(Debug, Clone, Copy)]
pub struct Quiet {
    /// The library's target prefix: a filter that names it is taken as written (an operator
    /// chasing a problem there gets exactly what they asked for).
    pub named_by: &'static str,
    /// Added to the filter otherwise.
    pub directives: &'static str,
}

/// The configured filter with each library quietened unless the filter names it.
fn directives(filter: &str, quiet: &[Quiet]) -> String {
    let mut directives = filter.to_string();
    for library in quiet.iter().filter(|q| !filter.contains(q.named_by)) {
        directives.push(',');
        directives.push_str(library.directives);
    }
    directives
}

/// Installs the global subscriber; `RUST_LOG` wins over the configured filter.
pub fn init(filter: &str, format: LogFormat, quiet: &[Quiet]) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(directives(filter, quiet)));
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
    use super::{Quiet, directives};

    #[test]
    fn the_sdk_is_quietened_unless_the_filter_names_it() {
        let sdk = [Quiet {
            named_by: "chatty",
            directives: "chatty=warn,chatty::http=off",
        }];
        assert_eq!(
            directives("info", &sdk),
            "info,chatty=warn,chatty::http=off"
        );
        assert_eq!(directives("info,chatty=debug", &sdk), "info,chatty=debug");
    }
}
