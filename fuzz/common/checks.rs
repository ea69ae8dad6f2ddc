//! The checks the fuzz targets (`fuzz/fuzz_targets/`) run on each input, shared with
//! `tests/fuzz_regressions.rs`, which runs them on every input a fuzzer ever failed on.
//! Each panics, naming the input, when a property does not hold.

use bibkit::convert::{Converter, Target};
use bibkit::fmt::{FmtOptions, SortEntries, format};
use bibkit::formats::bibtex::{self, Dialect, WriteOptions};
use bibkit::formats::{csl_json, listing};

/// The `.bib` reader: printing the tree gives back the input, the items tile it, lowering
/// and writing never panic, BibTeX output re-reads without syntax errors and with the same
/// number of entries, writing is idempotent (BibTeX and BibLaTeX output converted again
/// gives the same bytes), CSL-JSON output is valid JSON and a fixed point, and `bibkit fmt`
/// is idempotent and lossless ([`check_fmt`]).
pub fn check_bib(data: &[u8], name: &str) {
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
    check_fmt(text, name);
}

/// The listing reader: no panic, every diagnostic has a line, CSL-JSON output is JSON and
/// BibTeX output re-reads without syntax errors.
pub fn check_listing(data: &[u8], name: &str) {
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

/// The CSL-JSON reader: output is valid JSON, reads again without errors to the same bytes,
/// and its BibLaTeX output re-reads with the same number of entries.
pub fn check_csl(data: &[u8], name: &str) {
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

/// Each entry as BibLaTeX (fields in name order when `sorted`), the comments and preambles.
fn records(text: &str, sorted: bool) -> (Vec<String>, Vec<String>, usize) {
    let parsed = bibtex::Reader::new().resolve_crossrefs(false).read(text);
    let opts = WriteOptions::new().dialect(Dialect::Biblatex);
    let mut entries: Vec<String> = parsed
        .bibliography
        .entries
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.origin = None;
            if sorted {
                e.fields.sort_by(|x, y| x.name.cmp(&y.name));
            }
            let mut s = String::new();
            bibtex::write_entry(&mut s, &e, &opts);
            s
        })
        .collect();
    // Comment lines (indentation, trailing white space and blank lines are layout; how the reader groups
    // lines into comments follows the blank lines, so lines are compared), and preambles.
    let mut comments: Vec<String> = parsed
        .bibliography
        .comments
        .iter()
        .flat_map(|c| {
            c.text
                .lines()
                .map(str::trim)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|l| !l.is_empty())
        .collect();
    comments.extend(
        parsed
            .bibliography
            .preambles
            .iter()
            .map(|p| format!("{p:?}")),
    );
    if sorted {
        entries.sort();
        comments.sort();
    }
    let errors = bibkit::syntax::parse(text).diagnostics().len();
    (entries, comments, errors)
}

/// `bibkit fmt`: formatting is idempotent, keeps the syntax errors, and is lossless — the
/// formatted text reads as the same records and comments (in the file's order; with
/// sorting, as the same multiset). Panics, naming `name`, when it is not.
pub fn check_fmt(text: &str, name: &str) {
    let sorted = FmtOptions {
        sort_entries: SortEntries::Year,
        sort_fields: true,
        indent: 3,
        align: false,
    };
    for (opts, is_sorted) in [(FmtOptions::default(), false), (sorted, true)] {
        let once = format(text, &opts);
        let twice = format(&once.text, &opts);
        assert_eq!(
            once.text, twice.text,
            "{name}: fmt is not idempotent ({opts:?})\n--- once\n{}",
            once.text
        );
        let (a, b) = (records(text, is_sorted), records(&once.text, is_sorted));
        if a != b {
            let first = |x: &[String], y: &[String]| {
                let i = x
                    .iter()
                    .zip(y)
                    .position(|(p, q)| p != q)
                    .unwrap_or(x.len().min(y.len()));
                format!(
                    "{} vs {} items; first difference:\n{:?}\n  vs\n{:?}",
                    x.len(),
                    y.len(),
                    x.get(i),
                    y.get(i)
                )
            };
            panic!(
                "{name}: fmt changed the records ({opts:?})\nentries: {}\ncomments: {}\nerrors: {} vs {}",
                first(&a.0, &b.0),
                first(&a.1, &b.1),
                a.2,
                b.2
            );
        }
    }
}
