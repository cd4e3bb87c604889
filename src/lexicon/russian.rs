//! Russian lemmas from pymorphy2's analyzer (`rsmorphy`) and its OpenCorpora dictionary,
//! embedded in the binary.
//!
//! The analyzer can only read its dictionary from a directory, so the embedded files are
//! written once to a directory of the system's temporary area named by their content, and
//! read from there. Files found there are used only when their SHA-256 is the embedded ones'
//! (computed when herald was built), so a stale or planted file is replaced, never trusted —
//! and the embedded bytes are read only to write them, not at every start.

use std::fs;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rsmorphy::prelude::*;

use super::LexiconError;

macro_rules! dictionary_files {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_bytes!(concat!(env!("HERALD_DICT_RU"), "/", $name)).as_slice())),*]
    };
}

/// Each file's SHA-256 in hex, by name (from `build.rs`).
static DIGESTS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/dict_ru_digests.rs"));

static FILES: [(&str, &[u8]); 12] = dictionary_files!(
    "grammemes.json.gz",
    "gramtab-opencorpora-ext.json.gz",
    "gramtab-opencorpora-int.json.gz",
    "meta.json.gz",
    "p_t_given_w.intdawg.gz",
    "paradigms.array.gz",
    "prediction-prefixes.dawg.gz",
    "prediction-suffixes-0.dawg.gz",
    "prediction-suffixes-1.dawg.gz",
    "prediction-suffixes-2.dawg.gz",
    "suffixes.json.gz",
    "words.dawg.gz",
);

/// One reading of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The dictionary form, lower case, `ё` as `е`.
    pub lemma: String,
    /// A person's, place's or organisation's name (or a word the dictionary had to guess).
    pub name: bool,
    /// The dictionary knows the word (not guessed from its ending).
    pub known: bool,
}

pub struct Russian {
    analyzer: MorphAnalyzer,
}

impl Russian {
    /// Writes the embedded dictionary out (if needed) and loads it.
    pub fn load() -> Result<Russian, LexiconError> {
        let dir = extract()?;
        catch_unwind(|| MorphAnalyzer::from_file(&dir))
            .map(|analyzer| Russian { analyzer })
            .map_err(|_| LexiconError::Unreadable(dir))
    }

    /// The readings of a lower-case Cyrillic word, most likely first, one per lemma. A
    /// surname's form that also reads as a plural of another noun ("магомедов" — "of the
    /// Magomeds", "рамазанов" — "of the Ramadans") keeps only the surname, so a surname does
    /// not find the name it derives from; and a reading ten times less likely than the best is
    /// dropped ("баку" is also a rare dative of "бак"), so a city does not find a common noun.
    pub fn readings(&self, word: &str) -> Vec<Reading> {
        let Ok(parses) = catch_unwind(AssertUnwindSafe(|| self.analyzer.parse(word))) else {
            return Vec::new();
        };
        let mut out: Vec<Candidate> = Vec::new();
        let mut surname = false;
        for parsed in parses.iter() {
            let tag = &parsed.lex.get_tag(&self.analyzer).string;
            let lemma = parsed
                .lex
                .get_normal_form(&self.analyzer)
                .to_lowercase()
                .replace('ё', "е");
            let known = parsed.lex.is_known();
            let name = !known
                || ["Name", "Surn", "Patr", "Geox", "Orgn", "Trad"]
                    .iter()
                    .any(|g| has_grammeme(tag, g));
            surname |= has_grammeme(tag, "Surn");
            let plural = has_grammeme(tag, "plur");
            let plural_name = plural && has_grammeme(tag, "Name");
            let score = parsed.score.value();
            match out.iter_mut().find(|c| c.reading.lemma == lemma) {
                Some(c) => {
                    c.reading.name |= name;
                    c.only_plural &= plural;
                    c.only_plural_name &= plural_name;
                    c.score += score;
                }
                None => out.push(Candidate {
                    reading: Reading { lemma, name, known },
                    only_plural: plural,
                    only_plural_name: plural_name,
                    score,
                }),
            }
        }
        // A surname the dictionary does not know may read only as a plural of the given name
        // it derives from ("исмаилов" — "of the Ismails"): in news it is the surname.
        let surname_like = ["ов", "ев", "ин", "ын"].iter().any(|e| word.ends_with(e));
        if !surname && surname_like && !out.is_empty() && out.iter().all(|c| c.only_plural_name) {
            return vec![Reading {
                lemma: word.replace('ё', "е"),
                name: true,
                known: false,
            }];
        }
        let best = out.iter().map(|c| c.score).fold(0.0, f64::max);
        out.into_iter()
            .filter(|c| !(surname && c.only_plural) && c.score >= best / 10.0)
            .map(|c| c.reading)
            .collect()
    }
}

/// A reading while the parses are gathered.
struct Candidate {
    reading: Reading,
    /// Every parse with this lemma is a plural form.
    only_plural: bool,
    /// Every parse with this lemma is a plural of a given name.
    only_plural_name: bool,
    /// The parses' summed likelihood.
    score: f64,
}

fn has_grammeme(tag: &str, grammeme: &str) -> bool {
    tag.split([',', ' ']).any(|g| g == grammeme)
}

/// The directory holding the embedded files, written there if they are not already.
fn extract() -> Result<PathBuf, LexiconError> {
    let size: usize = FILES.iter().map(|(_, bytes)| bytes.len()).sum();
    let dir = std::env::temp_dir().join(format!("herald-dict-ru-{size}"));
    fs::create_dir_all(&dir).map_err(|e| LexiconError::Write(dir.clone(), e))?;
    for (name, bytes) in FILES {
        let path = dir.join(name);
        let wanted = DIGESTS.iter().find(|(n, _)| *n == name).map(|(_, d)| *d);
        if wanted.is_some()
            && fs::read(&path).is_ok_and(|found| Some(hex_sha256(&found).as_str()) == wanted)
        {
            continue;
        }
        write_atomically(&path, bytes).map_err(|e| LexiconError::Write(path.clone(), e))?;
    }
    Ok(dir)
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes to a file of this process's own and renames it into place, so processes starting
/// together never read each other's half-written files.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let partial = path.with_extension(format!("partial-{}", std::process::id()));
    let mut file = fs::File::create(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&partial, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lemmas(russian: &Russian, word: &str) -> Vec<String> {
        russian
            .readings(word)
            .into_iter()
            .map(|r| r.lemma)
            .collect()
    }

    #[test]
    fn every_embedded_file_has_the_digest_its_copies_are_checked_against() {
        for (name, bytes) in FILES {
            let digest = DIGESTS.iter().find(|(n, _)| *n == name).map(|(_, d)| *d);
            assert_eq!(digest, Some(hex_sha256(bytes).as_str()), "{name}");
        }
    }

    #[test]
    fn the_dictionary_knows_what_a_stemmer_cannot() {
        let russian = match Russian::load() {
            Ok(russian) => russian,
            Err(error) => panic!("{error}"),
        };
        assert_eq!(lemmas(&russian, "дети"), ["ребенок"]);
        assert_eq!(lemmas(&russian, "задержу"), ["задержать"]);
        assert!(lemmas(&russian, "махачкале").contains(&"махачкала".to_string()));
        assert_eq!(lemmas(&russian, "магомедов"), ["магомедов"]);
        assert_eq!(lemmas(&russian, "магомед"), ["магомед"]);
        let bak = russian.readings("бак");
        assert!(bak.iter().all(|r| !r.name), "{bak:?}");
        assert!(russian.readings("баку").iter().all(|r| r.name));
    }
}
