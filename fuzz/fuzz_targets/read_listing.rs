//! The listing reader on arbitrary bytes: no panic, every diagnostic has a position.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = bibkit::formats::listing::read(&decoded.text);
    for d in &parsed.diagnostics {
        assert!(d.line >= 1);
    }
    let _ = bibkit::formats::csl_json::to_string(&parsed.bibliography);
    let _ = bibkit::formats::bibtex::write(
        &parsed.bibliography,
        &bibkit::formats::bibtex::WriteOptions::new(),
    );
});
