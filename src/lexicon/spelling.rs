//! Script-neutral spelling keys for names.
//!
//! A name reaches a reader in many spellings: Гусейнов, Guseinov, Huseynov, Hüseynov, Gusejnov.
//! The key transliterates Cyrillic by one scheme and then folds together the letters real
//! spellings disagree on, so all of those give one key ("husainov"). It is deliberately
//! coarse — a/e, g/h/kh/x/q, ch/ts/c/dzh/j/zh each become one letter — which is right for names
//! and wrong for ordinary words, so it is only applied to names and to words the dictionary
//! does not know.

use unicode_normalization::UnicodeNormalization;

/// The spelling key of a folded (lower-case) word, or `None` when it has no letters to key.
pub fn key(word: &str) -> Option<String> {
    let mut latin: Vec<char> = Vec::with_capacity(word.len() + 4);
    for c in word.nfc() {
        match romanize(c) {
            Some(s) => latin.extend(s.chars()),
            None if c.is_alphabetic() => latin.push(c),
            None => {}
        }
    }
    if latin.is_empty() || latin.iter().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut folded = String::with_capacity(latin.len());
    let mut i = 0;
    while i < latin.len() {
        let previous = folded.chars().last();
        let (letter, used) = fold(&latin[i..], previous);
        // Doubled letters ("Mammadov", the "ii" of "Aliiev") count once.
        if previous != Some(letter) {
            folded.push(letter);
        }
        i += used;
    }
    // A glide between a consonant and a vowel is written or not: Natalya/Natala,
    // Soloviev/Solovev, Ingushetiya/Ingushetia, Chechnya.
    let chars: Vec<char> = folded.chars().collect();
    let mut out = String::with_capacity(folded.len());
    for (i, &c) in chars.iter().enumerate() {
        let glide = c == 'i'
            && i > 0
            && !is_vowel(chars[i - 1])
            && chars.get(i + 1).is_some_and(|n| "aou".contains(*n));
        if !glide {
            out.push(c);
        }
    }
    // Feminine surnames and names keyed as the masculine: Huseynova → Huseynov.
    for ending in ["ova", "ava", "ina"] {
        if out.len() > ending.len() + 1 && out.ends_with(ending) {
            out.pop();
            break;
        }
    }
    Some(out)
}

fn is_vowel(c: char) -> bool {
    "aeiouy".contains(c)
}

/// The letter the start of `rest` folds to, and how many characters it used; `previous` is
/// the last letter folded so far.
fn fold(rest: &[char], previous: Option<char>) -> (char, usize) {
    let starts = |s: &str| s.chars().zip(rest).filter(|(a, b)| a == *b).count() == s.len();
    let after_vowel = previous.is_some_and(is_vowel);
    // "ye"/"je" at the start or after a vowel is the Cyrillic "е" (Yevloyev/Евлоев), "yo" a
    // "ё" (Solovyov), and Russian texts write "е" for both.
    if (previous.is_none() || after_vowel) && (starts("ye") || starts("je")) || starts("yo") {
        return ('a', 2);
    }
    const DIGRAPHS: [(&str, char); 13] = [
        ("shch", 'w'),
        ("sch", 'w'),
        ("dzh", 'c'),
        ("tch", 'c'),
        ("kh", 'h'),
        ("gh", 'h'),
        ("zh", 'c'),
        ("ch", 'c'),
        ("sh", 'w'),
        ("ts", 'c'),
        ("tz", 'c'),
        ("dj", 'c'),
        ("ph", 'f'),
    ];
    for (digraph, letter) in DIGRAPHS {
        if starts(digraph) {
            return (letter, digraph.len());
        }
    }
    let letter = match rest[0] {
        'e' => 'a',
        'g' | 'h' | 'x' | 'q' => 'h',
        'w' => 'v',
        'y' => 'i',
        // "j" opening a syllable is a consonant (Jamal, Hajiyev); after a consonant or before
        // one it is a glide, as in the Slavic and ISO 9 spellings (Xasavjurt, Gusejnov).
        'j' if !previous.is_some_and(|p| p == 'i' || !is_vowel(p))
            && rest.get(1).is_some_and(|c| is_vowel(*c)) =>
        {
            'c'
        }
        'j' => 'i',
        c => c,
    };
    (letter, 1)
}

/// Cyrillic (one scheme, close to the passport one) and the Latin letters with diacritics
/// that romanizations of the region use, as plain Latin.
fn romanize(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        // Azerbaijani, Turkish, Chechen and Ingush Latin, ISO 9 and other romanizations.
        'ə' | 'ä' | 'æ' => "a",
        'ı' | 'í' | 'ì' | 'î' | 'ï' | 'ĭ' => "i",
        'ü' | 'ú' | 'ù' | 'ū' => "u",
        'ö' | 'ó' | 'ò' | 'ô' | 'ō' => "o",
        'é' | 'è' | 'ê' | 'ë' | 'ē' => "e",
        'á' | 'à' | 'ā' | 'ã' | 'å' => "a",
        'â' => "ya",
        'û' => "yu",
        'ç' | 'č' | 'ć' => "ch",
        'ş' | 'š' | 'ś' => "sh",
        'ŝ' => "shch",
        'ž' | 'ź' | 'ż' => "zh",
        'ğ' => "gh",
        'ñ' | 'ń' => "n",
        'ł' => "l",
        'ý' | 'ȳ' => "y",
        'ʹ' | 'ʺ' | '\'' | '’' | 'ʼ' | 'ʻ' | '`' => "",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(spellings: &[&str]) {
        let keys: Vec<Option<String>> = spellings.iter().map(|s| key(s)).collect();
        assert!(
            keys.windows(2).all(|w| w[0] == w[1]),
            "{spellings:?} → {keys:?}"
        );
    }

    #[test]
    fn the_spellings_of_a_name_share_a_key() {
        same(&[
            "гусейнов",
            "guseinov",
            "huseynov",
            "hüseynov",
            "gusejnov",
            "guseynov",
        ]);
        same(&["дагестан", "daghestan", "dagestan"]);
        same(&["нальчик", "nal'chik", "nalchik", "nalʹčik"]);
        same(&["сумгаит", "sumqayit", "sumqayıt", "sumgait"]);
        same(&["мехман", "mekhman", "məhman", "mehman"]);
        same(&["алиев", "aliyev", "aliev"]);
        same(&["гаджиев", "hajiyev", "hacıyev", "gadzhiev"]);
        same(&["евгений", "yevgeny", "evgeniy", "evgenij"]);
        same(&["мамедов", "mammadov", "məmmədov", "mamedov"]);
        same(&["huseynova", "huseynov"]);
        same(&["джамал", "dzhamal", "jamal", "cəmal", "dz\u{30c}amal"]);
        same(&["ингушетия", "ingushetia", "ingušetija", "ingushetiya"]);
        same(&["соловьев", "solovyov", "soloviev", "solov'ev", "solovyev"]);
        same(&["евлоев", "yevloyev", "evloev"]);
        same(&["хасавюрт", "khasavyurt", "xasavjurt"]);
    }

    #[test]
    fn different_names_keep_different_keys() {
        assert_ne!(key("магомедов"), key("магомед"));
        assert_ne!(key("алиев"), key("али"));
        assert_ne!(key("кадыров"), key("кадыр"));
        assert_eq!(key("2024"), None);
    }
}
