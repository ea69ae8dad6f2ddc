//! The `.bib` reader on arbitrary bytes: printing the tree gives back the input, lowering
//! and writing never panic, and BibTeX output re-reads without syntax errors.
#![no_main]

use bibkit::convert::{Converter, Target};
use bibkit::formats::bibtex;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = bibkit::source::decode_utf8(data);
    let text = &decoded.text;
    let tree = bibkit::syntax::parse(text);
    assert_eq!(tree.to_string(), *text, "print(parse(x)) != x");
    let mut pos = 0;
    for item in tree.items() {
        assert_eq!(item.span().start, pos);
        pos = item.span().end;
    }
    assert_eq!(pos, text.len());

    let parsed = bibtex::Reader::new().lower(&tree);
    let out = bibtex::write(&parsed.bibliography, &bibtex::WriteOptions::new());
    let again = bibkit::syntax::parse(&out);
    assert!(again.diagnostics().is_empty(), "written BibTeX does not re-read: {:?}\n{out}", again.diagnostics());
    let _ = bibkit::formats::csl_json::to_string(&parsed.bibliography);

    let mut conv = Converter::new(Vec::new(), Target::CslJson);
    let _ = conv.bibtex(&decoded, None, None);
    let json = conv.finish().unwrap();
    serde_json_check(&json);
});

fn serde_json_check(bytes: &[u8]) {
    // The output must be well-formed JSON (a cheap structural check without a JSON crate).
    let s = std::str::from_utf8(bytes).expect("CSL-JSON is UTF-8");
    assert!(s.starts_with('['), "CSL-JSON output does not start with [");
}
