//! Finds the Russian morphology dictionary's files so `src/lexicon/russian.rs` can embed them:
//! the dictionary crate only knows their path on the machine that built it, and a binary or
//! an image moved elsewhere must still find its dictionary.

fn main() {
    println!(
        "cargo:rustc-env=HERALD_DICT_RU={}",
        rsmorphy_dict_ru::DICT_PATH
    );
    println!("cargo:rerun-if-changed=build.rs");
}
