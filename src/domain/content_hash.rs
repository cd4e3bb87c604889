//! The content hash that tells a changed story from a repeated one: feeds and the CMS both key
//! their dedup on it, so they must compute it the same way, here.

/// FNV-1a: a small stable hash (the standard library's changes between releases).
pub fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The hash of an article's visible text (title, lead, body) as stored beside an external
/// item: a feed or CMS update whose hash is unchanged is not a correction.
pub fn content_hash(title: &str, lead: &str, body: &str) -> String {
    format!("{:016x}", fnv(&format!("{title}\n{lead}\n{body}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_stable_across_releases() {
        assert_eq!(fnv(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            content_hash("a", "b", "c"),
            format!("{:016x}", fnv("a\nb\nc"))
        );
        assert_ne!(content_hash("a", "b", "c"), content_hash("a", "bc", ""));
    }
}
