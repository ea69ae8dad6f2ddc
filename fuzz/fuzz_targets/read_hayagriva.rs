//! The hayagriva reader on arbitrary bytes: no panic, every diagnostic has a position, the
//! writer's output reads back to itself and its BibTeX parses (`check_hayagriva` in
//! `../common/checks.rs`).
#![no_main]

#[path = "../common/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_hayagriva(data, "input"));
