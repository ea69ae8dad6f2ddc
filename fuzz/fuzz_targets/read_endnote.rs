//! The EndNote tagged reader on arbitrary bytes: no panic, every diagnostic has a position,
//! and the EndNote XML writer's output of what it read reads back to itself
//! (`check_endnote` in `../common/checks.rs`).
#![no_main]

#[path = "../common/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::check_endnote(data, "input"));
