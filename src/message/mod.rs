//! What herald says, on any platform: the platform-neutral [`Reply`] every layer answers with,
//! and the Russian and English catalogs (`locales/`) its texts come from.
//!
//! It sits low in the layers so the renderers, the delivery engine's notices, the use cases and
//! the adapters all speak one vocabulary without naming each other.

mod reply;

use rust_i18n::t;

use crate::domain::ChatLoss;

pub use reply::{Block, Button, Reply};

/// Looks up a catalog text whose key is computed at run time (`role.editor`, `usage.post`).
pub fn tr(key: &str, lang: &str) -> String {
    t!(key, locale = lang).into_owned()
}

/// Like [`tr`], filling `%{name}` placeholders. A text that says how many of something there are
/// takes a `count` argument and is written once per plural category of each language
/// (`key.one`, `key.other` in English; `key.one`, `key.few`, `key.many` in Russian): "1 article",
/// "2 статьи", "5 статей" cannot come from one template.
pub fn tr_args(key: &str, lang: &str, args: &[(&str, String)]) -> String {
    let count = args
        .iter()
        .find(|(name, _)| *name == "count")
        .and_then(|(_, value)| value.parse::<u64>().ok());
    let mut text = match count {
        Some(n) => tr(&format!("{key}.{}", plural(lang, n)), lang),
        None => tr(key, lang),
    };
    for (name, value) in args {
        text = text.replace(&format!("%{{{name}}}"), value);
    }
    text
}

/// Why a chat was lost, in `lang` (the platform's own words stay as they are).
pub fn chat_loss(loss: &ChatLoss, lang: &str) -> String {
    match loss {
        ChatLoss::Removed { by, banned, note } => {
            let key = if *banned {
                "loss.banned"
            } else {
                "loss.removed"
            };
            let text = tr_args(key, lang, &[("by", by.clone())]);
            match note {
                Some(note) => format!("{text}: {note}"),
                None => text,
            }
        }
        ChatLoss::Refused(words) => words.clone(),
    }
}

/// [`tr_args`] for a text whose only argument is how many.
pub fn tr_count(key: &str, lang: &str, count: u64) -> String {
    tr_args(key, lang, &[("count", count.to_string())])
}

/// The CLDR plural category of a whole number in `lang` (Russian or English).
pub fn plural(lang: &str, n: u64) -> &'static str {
    match lang {
        "ru" => match (n % 10, n % 100) {
            (1, r) if r != 11 => "one",
            (2..=4, r) if !(12..=14).contains(&r) => "few",
            _ => "many",
        },
        _ if n == 1 => "one",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_and_english_counts_take_their_own_forms() {
        let ru: Vec<_> = [1, 2, 5, 11, 12, 21, 22, 25, 101, 111]
            .into_iter()
            .map(|n| plural("ru", n))
            .collect();
        assert_eq!(
            ru,
            [
                "one", "few", "many", "many", "many", "one", "few", "many", "one", "many"
            ]
        );
        assert_eq!(plural("en", 1), "one");
        assert_eq!(plural("en", 0), "other");
        assert_eq!(plural("en", 21), "other");
    }

    #[test]
    fn every_counted_text_has_every_form_in_both_languages() {
        let keys = [
            "unsubscribe.all",
            "topic.removed",
            "push.digest",
            "deliveries.retried",
            "source.failing",
        ];
        for key in keys {
            for lang in ["ru", "en"] {
                for n in 0..=112 {
                    let text = tr_args(key, lang, &[("count", n.to_string())]);
                    assert!(
                        text.contains(&n.to_string()) && !text.contains(key),
                        "{key} in {lang} for {n}: {text}"
                    );
                }
            }
        }
        assert_eq!(
            tr_count("unsubscribe.all", "en", 1),
            "Unsubscribed from everything (1 subscription removed)."
        );
        assert_eq!(
            tr_count("deliveries.retried", "ru", 3),
            "Снова в очереди 3 доставки."
        );
    }
}
