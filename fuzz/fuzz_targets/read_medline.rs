//! The MEDLINE reader on arbitrary bytes: no panic, every diagnostic has a line, and the
//! entries' BibLaTeX re-reads to the same keys and types (`check_medline` in
//! `../common/checks.rs`).
#![no_main]

#[path = "../common/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_medline(data, "input"));
