//! The Web of Science reader on arbitrary bytes: no panic, every diagnostic has a line, and the
//! entries' BibLaTeX re-reads to the same keys and types (`check_wos` in
//! `../common/checks.rs`).
#![no_main]

#[path = "../common/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_wos(data, "input"));
