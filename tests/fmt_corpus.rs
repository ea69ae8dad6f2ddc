//! `bibkit fmt` on every corpus file: formatting is idempotent, and lossless — the
//! formatted file reads as the same records, comments and syntax errors as the original
//! (compared through the BibLaTeX writer, which prints every field, value and comment the
//! reader keeps) — also with entries and fields sorted.

mod common;

use bibkit::fmt::{FmtOptions, SortEntries, format};
use bibkit::formats::bibtex::{self, Dialect, WriteOptions};

fn records(text: &str) -> (String, usize) {
    let parsed = bibtex::Reader::new().resolve_crossrefs(false).read(text);
    let errors = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == bibkit::diagnostic::Severity::Error)
        .count();
    (
        bibtex::write(
            &parsed.bibliography,
            &WriteOptions::new().dialect(Dialect::Biblatex),
        ),
        errors,
    )
}

/// The entries (each with its fields in name order) and the comments of two texts, as
/// multisets.
fn same_records_in_any_order(a: &str, b: &str) -> Result<(), ()> {
    let parts = |t: &str| {
        let bib = bibtex::Reader::new()
            .resolve_crossrefs(false)
            .read(t)
            .bibliography;
        let mut entries: Vec<String> = bib
            .entries
            .iter()
            .map(|e| {
                let mut e = e.clone();
                e.fields.sort_by(|x, y| x.name.cmp(&y.name));
                let mut s = String::new();
                bibtex::write_entry(&mut s, &e, &WriteOptions::new().dialect(Dialect::Biblatex));
                s
            })
            .collect();
        entries.sort();
        // Trailing white space on comment lines is layout.
        let mut comments: Vec<String> = bib
            .comments
            .iter()
            .map(|c| {
                c.text
                    .lines()
                    .map(str::trim_end)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        comments.sort();
        (entries, comments, bib.preambles)
    };
    if parts(a) == parts(b) {
        Ok(())
    } else {
        Err(())
    }
}

#[test]
fn corpus_formats_idempotently_and_losslessly() {
    let Some(corpus) = common::corpus("corpus_formats_idempotently_and_losslessly") else {
        return;
    };
    let mut failures = Vec::new();
    let mut n = 0;
    for row in common::manifest(&corpus) {
        let bytes = std::fs::read(corpus.join("bib").join(&row.file)).unwrap();
        let text = bibkit::source::decode(&bytes, row.encoding())
            .expect("known encoding")
            .text;
        for (name, opts) in [
            ("default", FmtOptions::default()),
            (
                "sorted",
                FmtOptions {
                    sort_entries: SortEntries::Key,
                    sort_fields: true,
                    indent: 4,
                    align: false,
                },
            ),
        ] {
            n += 1;
            let once = format(&text, &opts);
            let twice = format(&once.text, &opts);
            if once.text != twice.text {
                let line = once
                    .text
                    .lines()
                    .zip(twice.text.lines())
                    .position(|(a, b)| a != b)
                    .map_or(0, |i| i + 1);
                failures.push(format!(
                    "{} ({name}): not idempotent at line {line}",
                    row.file
                ));
            }
            let (a, ea) = records(&text);
            let (b, eb) = records(&once.text);
            if ea != eb {
                failures.push(format!(
                    "{} ({name}): {ea} syntax errors became {eb}",
                    row.file
                ));
            }
            if name == "default" && a != b {
                let line = a
                    .lines()
                    .zip(b.lines())
                    .position(|(x, y)| x != y)
                    .map_or(0, |i| i + 1);
                failures.push(format!(
                    "{} ({name}): records differ at line {line} of the BibLaTeX output",
                    row.file
                ));
            }
            if name == "sorted" && same_records_in_any_order(&text, &once.text).is_err() {
                failures.push(format!("{} ({name}): records differ", row.file));
            }
        }
    }
    assert!(n >= 100);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
