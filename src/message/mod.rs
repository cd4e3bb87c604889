//! What herald says, on any platform: the platform-neutral [`Reply`] every layer answers with,
//! and the Russian and English catalogs (`locales/`) its texts come from.
//!
//! It sits low in the layers so the renderers, the delivery engine's notices, the use cases and
//! the adapters all speak one vocabulary without naming each other.

mod reply;

use rust_i18n::t;

pub use reply::{Block, Button, Reply};

/// Looks up a catalog text whose key is computed at run time (`role.editor`, `usage.post`).
pub fn tr(key: &str, lang: &str) -> String {
    t!(key, locale = lang).into_owned()
}

/// Like [`tr`], filling `%{name}` placeholders.
pub fn tr_args(key: &str, lang: &str, args: &[(&str, String)]) -> String {
    let mut text = tr(key, lang);
    for (name, value) in args {
        text = text.replace(&format!("%{{{name}}}"), value);
    }
    text
}
