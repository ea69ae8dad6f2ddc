//! Properties of the RIS reader and writer on generated input: lines drawn from real
//! tags, odd values, continuation lines, blank lines and junk, in any order. Whatever the
//! input, the checks of the `read_ris` fuzz target hold (`fuzz/common/checks.rs`): no
//! panic, positions on every diagnostic, the writer's output reads back to itself.

#[path = "../fuzz/common/checks.rs"]
#[allow(dead_code)]
mod checks;

use proptest::prelude::*;

const TAGS: &[&str] = &[
    "TY", "ER", "TI", "T1", "T2", "T3", "BT", "JO", "JF", "JA", "AU", "A1", "A2", "A3", "A4", "ED",
    "PY", "Y1", "DA", "Y2", "SP", "EP", "VL", "IS", "SN", "DO", "UR", "AB", "N1", "N2", "KW", "PB",
    "CY", "LA", "M3", "ID", "AN", "DB", "C1", "PMID", "XX",
];

const VALUES: &[&str] = &[
    "",
    "JOUR",
    "BOOK",
    "CHAP",
    "Journal Article",
    "Smith, John",
    "van der Berg, Jan, Jr.",
    "Ada Lovelace",
    ",",
    "2020///",
    "2017/10/1",
    "1999/00/00/",
    "Spring 2004",
    "99",
    "12-34",
    "--",
    "10.1000/x",
    "doi:10.1/Y",
    "https://a.example/x; https://b.example/y",
    "a, b",
    "Disease Models, Animal",
    "0-201-13447-0",
    "1234-5678",
    "ER  - x",
    "  indented",
    "Café",
    "\u{301}e",
    "TY  - JOUR",
    "{braces} and \\macros",
    "% not a comment",
];

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (prop::sample::select(TAGS), prop::sample::select(VALUES), prop::sample::select(&[" ", "  "][..]))
            .prop_map(|(t, v, sp)| format!("{t}{sp}- {v}")),
        1 => prop::sample::select(VALUES).prop_map(str::to_string),
        1 => Just(String::new()),
        1 => "[ -~]{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn generated_records_read_and_write_back(lines in prop::collection::vec(line(), 0..40), crlf in any::<bool>()) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        checks::check_ris(text.as_bytes(), &text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        checks::check_ris(&bytes, "bytes");
    }
}
