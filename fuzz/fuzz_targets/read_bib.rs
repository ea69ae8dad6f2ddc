//! The `.bib` reader on arbitrary bytes: printing the tree gives back the input, the items
//! tile it, lowering and writing never panic, BibTeX output re-reads without syntax errors
//! and with the same number of entries, writing is idempotent (BibTeX and BibLaTeX output
//! converted again gives the same bytes), CSL-JSON output is valid JSON, and `bibkit fmt`
//! is idempotent and lossless (`../common/fmt_check.rs`).
#![no_main]

#[path = "../common/fmt_check.rs"]
mod fmt_check;

use bibkit::convert::{Converter, Target};
use bibkit::formats::{bibtex, csl_json};
use bibkit::syntax::BlockKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = bibkit::source::decode_utf8(data);
    let text = &decoded.text;
    let tree = bibkit::syntax::parse(text);
    assert_eq!(tree.to_string(), *text, "print(parse(x)) != x");
    let mut pos = 0;
    for item in tree.items() {
        assert_eq!(item.span().start, pos, "items do not tile the input");
        pos = item.span().end;
    }
    assert_eq!(pos, text.len());

    let parsed = bibtex::Reader::new().lower(&tree);
    let out = bibtex::write(&parsed.bibliography, &bibtex::WriteOptions::new());
    let again = bibkit::syntax::parse(&out);
    assert!(
        again.diagnostics().is_empty(),
        "written BibTeX does not re-read: {:?}\n{out}",
        again.diagnostics()
    );
    let entries = again
        .blocks()
        .filter(|b| b.block_kind() == BlockKind::Entry)
        .count();
    assert_eq!(
        entries,
        parsed.bibliography.len(),
        "entry count changed\n{out}"
    );
    for dialect in [bibtex::Dialect::Bibtex, bibtex::Dialect::Biblatex] {
        let opts = bibtex::WriteOptions::new().dialect(dialect);
        let once = bibtex::write(&parsed.bibliography, &opts);
        let reread = bibtex::Reader::new().read(&once);
        let twice = bibtex::write(&reread.bibliography, &opts);
        assert_eq!(once, twice, "{dialect:?} output changes when converted again");
    }
    let json = csl_json::to_string(&parsed.bibliography);
    let back = csl_json::to_string(&csl_json::read(&json).bibliography);
    assert_eq!(json, back, "CSL-JSON output changes when read and written again");
    assert!(
        serde_json::from_str::<serde_json::Value>(&json).is_ok(),
        "CSL-JSON is not JSON"
    );

    let mut conv = Converter::new(Vec::new(), Target::CslJson);
    let _ = conv.bibtex(&decoded, None, None);
    let streamed = conv.finish().unwrap();
    assert!(
        serde_json::from_slice::<serde_json::Value>(&streamed).is_ok(),
        "streamed CSL-JSON is not JSON"
    );

    fmt_check::check_fmt(text, "input");
});
