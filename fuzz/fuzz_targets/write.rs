//! The one atomic writer on arbitrary bytes: `fmt --write` through a snapshot, `convert -o`
//! into a new file and into its own input, a write that fails halfway (`check_write` in
//! `../common/checks.rs`).
#![no_main]

#[path = "../common/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_write(data, "input"));
