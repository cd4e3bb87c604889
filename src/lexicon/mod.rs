//! What herald knows about words: Russian lemmas from a morphological dictionary, English
//! irregular forms, and script-neutral spelling keys for names. The lowest layer: `domain`'s
//! search rules are built on it, and it names nothing else in the crate.
//!
//! The Russian dictionary is loaded once per process (about 0.5 s and 19 MB in a release
//! build). `Application::build` loads it first so a missing or unreadable dictionary stops the
//! start with a clear message instead of indexing without lemmas.

pub mod english;
pub mod russian;
pub mod spelling;

use std::path::PathBuf;
use std::sync::OnceLock;

pub use russian::{Reading, Russian};

#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("cannot write the Russian dictionary to {0}: {1}")]
    Write(PathBuf, std::io::Error),
    #[error("the Russian dictionary in {0} cannot be read")]
    Unreadable(PathBuf),
    #[error("the Russian dictionary could not be loaded earlier in this process")]
    Unavailable,
}

static RUSSIAN: OnceLock<Option<Russian>> = OnceLock::new();

/// Loads the Russian dictionary if it is not loaded yet.
pub fn load() -> Result<(), LexiconError> {
    let mut failure = None;
    let loaded = RUSSIAN.get_or_init(|| Russian::load().map_err(|e| failure = Some(e)).ok());
    match (failure, loaded) {
        (Some(error), _) => Err(error),
        (None, Some(_)) => Ok(()),
        (None, None) => Err(LexiconError::Unavailable),
    }
}

/// The Russian analyzer, loaded on first use. `None` only when the dictionary could not be
/// written out or read — which `load` reports at start; here it is logged once and words get
/// the stemmer's treatment instead.
pub fn russian() -> Option<&'static Russian> {
    RUSSIAN
        .get_or_init(|| match Russian::load() {
            Ok(russian) => Some(russian),
            Err(error) => {
                tracing::error!(%error, "search runs without Russian lemmas");
                None
            }
        })
        .as_ref()
}
