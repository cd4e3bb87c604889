//! Footnotes a newsroom must attach to certain names — an organisation banned in a jurisdiction
//! is printed as "Jehovah's Witnesses*" with the note at the end — recognised in any inflected
//! form ("Свидетели Иеговы", "Свидетелей Иеговы") through the same stems search uses.

use super::text::{fold, forms};

/// One glossary entry from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footnote {
    /// What is appended to the first mention, e.g. `*`.
    pub marker: String,
    /// The note printed at the end of every message part that mentions the name.
    pub note: String,
    /// Each name as a sequence of words, each word as its searchable forms.
    names: Vec<Vec<Vec<String>>>,
}

/// A word of a text with its byte span.
fn spans(text: &str) -> Vec<(usize, usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i, forms(&fold(&text[s..i]))));
                start = None;
            }
            _ => {}
        }
    }
    out
}

impl Footnote {
    pub fn new(names: &[String], marker: &str, note: &str) -> Footnote {
        let names = names
            .iter()
            .map(|name| {
                spans(name)
                    .into_iter()
                    .map(|(_, _, forms)| forms)
                    .collect::<Vec<_>>()
            })
            .filter(|words| !words.is_empty())
            .collect();
        Footnote {
            marker: marker.to_string(),
            note: note.to_string(),
            names,
        }
    }

    /// The byte offset just after the first mention of any of the names in `text`.
    pub fn first_mention(&self, text: &str) -> Option<usize> {
        let words = spans(text);
        let mut best: Option<usize> = None;
        for name in &self.names {
            for start in 0..words.len() {
                let Some(window) = words.get(start..start + name.len()) else {
                    break;
                };
                let matches = window
                    .iter()
                    .zip(name)
                    .all(|(w, n)| w.2.iter().any(|f| n.contains(f)));
                if matches {
                    let end = window[window.len() - 1].1;
                    best = Some(best.map_or(end, |b: usize| b.min(end)));
                    break;
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn witnesses() -> Footnote {
        Footnote::new(
            &["Свидетели Иеговы".into(), "Jehovah's Witnesses".into()],
            "*",
            "banned in Russia",
        )
    }

    #[test]
    fn inflected_mentions_in_both_languages_are_found() {
        let f = witnesses();
        let text = "Обыски у Свидетелей Иеговы продолжаются";
        assert_eq!(
            &text[..f.first_mention(text).unwrap()],
            "Обыски у Свидетелей Иеговы"
        );
        let en = "a Jehovah's Witness from Krasnodar";
        assert_eq!(&en[..f.first_mention(en).unwrap()], "a Jehovah's Witness");
        assert_eq!(f.first_mention("Свидетели обвинения и Иегова"), None);
    }
}
