//! The CSL-JSON reader on arbitrary bytes: reading and writing never panic, the output is
//! valid JSON, and reading and writing it again gives the same bytes; BibLaTeX output of
//! the items re-reads with the same number of entries (`check_csl` in
//! `../common/checks.rs`).
#![no_main]

#[path = "../common/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_csl(data, "input"));
