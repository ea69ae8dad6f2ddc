//! The citation scanners on arbitrary bytes, as every kind of document: spans hold their
//! keys, no citation is read twice, resources are named (`check_scan` in
//! `../common/checks.rs`).
#![no_main]

#[path = "../common/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_scan(data, "input"));
