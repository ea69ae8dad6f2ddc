//! The CSL-JSON reader on arbitrary bytes: reading and writing never panic, the output is
//! valid JSON, and reading and writing it again gives the same bytes; BibLaTeX output of
//! the items re-reads with the same number of entries.
#![no_main]

use bibkit::formats::{bibtex, csl_json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = csl_json::read(&decoded.text);
    let json = csl_json::to_string(&parsed.bibliography);
    assert!(
        serde_json::from_str::<serde_json::Value>(&json).is_ok(),
        "CSL-JSON output is not JSON\n{json}"
    );
    let again = csl_json::read(&json);
    assert!(!again.has_errors(), "own output does not read: {:?}", again.diagnostics);
    let json2 = csl_json::to_string(&again.bibliography);
    assert_eq!(json, json2, "CSL-JSON changes when read and written again");

    let opts = bibtex::WriteOptions::new().dialect(bibtex::Dialect::Biblatex);
    let bib = bibtex::write(&parsed.bibliography, &opts);
    let reread = bibtex::Reader::new().read(&bib);
    assert_eq!(
        reread.bibliography.len(),
        parsed.bibliography.len(),
        "entry count changed\n{bib}"
    );
});
