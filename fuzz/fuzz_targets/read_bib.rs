//! The `.bib` reader on arbitrary bytes: printing the tree gives back the input, the items
//! tile it, lowering and writing never panic, BibTeX output re-reads without syntax errors
//! and with the same number of entries, writing is idempotent, CSL-JSON output is valid
//! JSON, and `bibkit fmt` is idempotent and lossless (`check_bib` in `../common/checks.rs`).
#![no_main]

#[path = "../common/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_bib(data, "input"));
