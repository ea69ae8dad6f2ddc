//! The BibLaTeXML reader on arbitrary bytes: no panic, every diagnostic has a line,
//! and its BibLaTeX output parses and re-reads with the same entry count
//! (`check_biblatexml` in `../common/checks.rs`).
#![no_main]

#[path = "../common/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_biblatexml(data, "input"));
