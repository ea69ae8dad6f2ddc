//! The listing reader on arbitrary bytes: no panic, every diagnostic has a position, and
//! the output is valid JSON and BibTeX (`check_listing` in `../common/checks.rs`).
#![no_main]

#[path = "../common/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_listing(data, "input"));
