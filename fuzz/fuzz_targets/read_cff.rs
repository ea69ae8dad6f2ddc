//! The CITATION.cff reader on arbitrary bytes: no panic, every diagnostic has a line,
//! the writer's output reads back cleanly and is a fixed point (`check_cff` in
//! `../common/checks.rs`).
#![no_main]

#[path = "../common/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_cff(data, "input"));
