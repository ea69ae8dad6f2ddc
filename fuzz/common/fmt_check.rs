//! What the fuzzers check of `bibkit fmt` (shared by `fuzz_targets/read_bib.rs` and
//! `tests/fuzz_regressions.rs`): formatting is idempotent, keeps the syntax errors, and
//! is lossless — the formatted text reads as the same records and comments (in the file's
//! order; with sorting, as the same multiset).

use bibkit::fmt::{FmtOptions, SortEntries, format};
use bibkit::formats::bibtex::{self, Dialect, WriteOptions};

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

/// Panics (naming `name`) when formatting `text` is not idempotent or not lossless.
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
