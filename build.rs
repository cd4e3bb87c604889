//! Finds the Russian morphology dictionary's files so `src/lexicon/russian.rs` can embed them
//! (the dictionary crate only knows their path on the machine that built it, and a binary or an
//! image moved elsewhere must still find its dictionary), and records each file's SHA-256, so a
//! running herald checks the copies it wrote out without reading the embedded bytes again (they
//! would stay resident, ~7 MB, for the life of the process).

use std::fmt::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

fn main() {
    let dict = rsmorphy_dict_ru::DICT_PATH;
    println!("cargo:rustc-env=HERALD_DICT_RU={dict}");
    let mut digests = String::from("&[\n");
    let mut names: Vec<String> = std::fs::read_dir(dict)
        .expect("the dictionary directory")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".gz"))
        .collect();
    names.sort();
    for name in names {
        let bytes = std::fs::read(Path::new(dict).join(&name)).expect("a dictionary file");
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .fold(String::new(), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            });
        let _ = writeln!(digests, "    ({name:?}, {digest:?}),");
    }
    digests.push(']');
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("dict_ru_digests.rs"), digests)
        .expect("writing the digests");
    println!("cargo:rerun-if-changed=build.rs");
}
