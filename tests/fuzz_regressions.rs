//! Every input the fuzzers ever failed on (`tests/regressions/<target>/`), run through the
//! same checks as the fuzz targets in `fuzz/fuzz_targets/`, so each stays fixed.

use bibkit::convert::{Converter, Target};
use bibkit::formats::{bibtex, csl_json, listing};

#[path = "../fuzz/common/fmt_check.rs"]
mod fmt_check;

/// What `fuzz/fuzz_targets/read_bib.rs` checks.
fn check_bib(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    let text = &decoded.text;
    let tree = bibkit::syntax::parse(text);
    assert_eq!(tree.to_string(), *text, "{name}: print(parse(x)) != x");
    let mut pos = 0;
    for item in tree.items() {
        assert_eq!(
            item.span().start,
            pos,
            "{name}: items do not tile the input"
        );
        pos = item.span().end;
    }
    assert_eq!(pos, text.len());
    let parsed = bibtex::Reader::new().lower(&tree);
    let out = bibtex::write(&parsed.bibliography, &bibtex::WriteOptions::new());
    let again = bibkit::syntax::parse(&out);
    assert!(
        again.diagnostics().is_empty(),
        "{name}: written BibTeX does not re-read: {:?}\n{out}",
        again.diagnostics()
    );
    assert_eq!(
        again
            .blocks()
            .filter(|b| b.block_kind() == bibkit::syntax::BlockKind::Entry)
            .count(),
        parsed.bibliography.len(),
        "{name}: entry count changed\n{out}"
    );
    for dialect in [bibtex::Dialect::Bibtex, bibtex::Dialect::Biblatex] {
        let opts = bibtex::WriteOptions::new().dialect(dialect);
        let once = bibtex::write(&parsed.bibliography, &opts);
        let twice = bibtex::write(&bibtex::Reader::new().read(&once).bibliography, &opts);
        assert_eq!(once, twice, "{name}: {dialect:?} output is not idempotent");
    }
    let json = csl_json::to_string(&parsed.bibliography);
    serde_json::from_str::<serde_json::Value>(&json)
        .unwrap_or_else(|e| panic!("{name}: CSL-JSON: {e}\n{json}"));
    let back = csl_json::to_string(&csl_json::read(&json).bibliography);
    assert_eq!(
        json, back,
        "{name}: CSL-JSON read and written again differs"
    );
    let mut conv = Converter::new(Vec::new(), Target::CslJson);
    let _ = conv.bibtex(&decoded, None, None);
    let streamed = conv.finish().unwrap();
    serde_json::from_slice::<serde_json::Value>(&streamed)
        .unwrap_or_else(|e| panic!("{name}: streamed CSL-JSON: {e}"));
    fmt_check::check_fmt(text, name);
}

/// What `fuzz/fuzz_targets/read_listing.rs` checks.
fn check_listing(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = listing::read(&decoded.text);
    for d in &parsed.diagnostics {
        assert!(d.line >= 1, "{name}: diagnostic without a line");
    }
    let json = csl_json::to_string(&parsed.bibliography);
    serde_json::from_str::<serde_json::Value>(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = bibtex::write(&parsed.bibliography, &bibtex::WriteOptions::new());
    assert!(
        bibkit::syntax::parse(&out).diagnostics().is_empty(),
        "{name}: {out}"
    );
}

/// What `fuzz/fuzz_targets/read_csl.rs` checks.
fn check_csl(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = csl_json::read(&decoded.text);
    let json = csl_json::to_string(&parsed.bibliography);
    serde_json::from_str::<serde_json::Value>(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
    let again = csl_json::read(&json);
    assert!(!again.has_errors(), "{name}: {:?}", again.diagnostics);
    assert_eq!(json, csl_json::to_string(&again.bibliography), "{name}");
    let opts = bibtex::WriteOptions::new().dialect(bibtex::Dialect::Biblatex);
    let bib = bibtex::write(&parsed.bibliography, &opts);
    assert_eq!(
        bibtex::Reader::new().read(&bib).bibliography.len(),
        parsed.bibliography.len(),
        "{name}: entry count changed\n{bib}"
    );
}

fn run(target: &str, check: fn(&[u8], &str)) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries {
        let path = e.unwrap().path();
        check(&std::fs::read(&path).unwrap(), &path.display().to_string());
        n += 1;
    }
    n
}

#[test]
fn read_bib_regressions() {
    run("read_bib", check_bib);
}

#[test]
fn read_listing_regressions() {
    run("read_listing", check_listing);
}

#[test]
fn read_csl_regressions() {
    assert!(run("read_csl", check_csl) >= 3);
}
