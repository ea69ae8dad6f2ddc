//! The RIS reader and writer over the RIS files of `../shared/corpus/formats/ris`: every
//! file reads with the manifest's record count (an `invalid` file with an error), its
//! format is told from its content whatever its extension, and the writer's output reads
//! back to itself, also by way of BibLaTeX.

mod common;

use bibkit::diagnostic::Severity;
use bibkit::formats::{self, Format, bibtex, ris};

#[test]
fn every_file_reads_with_its_record_count() {
    let Some(corpus) = common::corpus("every_file_reads_with_its_record_count") else {
        return;
    };
    let rows = common::formats_manifest(&corpus, "ris");
    assert!(rows.len() >= 50, "{} RIS files in the manifest", rows.len());
    let mut failures = Vec::new();
    let mut records = 0;
    let mut report = std::collections::BTreeMap::<&'static str, usize>::new();
    for (file, status, want) in &rows {
        let path = corpus.join("formats").join(file);
        let source = bibkit::project::load(&path, &bibkit::io::Limits::default(), None).unwrap();
        // Told from the content: `.txt` files are RIS too.
        if source.format() != Some(Format::Ris) && status != "invalid" {
            failures.push(format!("{file}: format {:?}", source.format()));
        }
        let parsed = formats::read_source(&source, Some(Format::Ris));
        let got = parsed.bibliography.len();
        records += got;
        for d in &parsed.diagnostics {
            *report.entry(d.rule).or_default() += 1;
        }
        if got != *want {
            failures.push(format!("{file}: {got} records, the manifest says {want}"));
        }
        let errors = parsed
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error);
        if (status == "invalid") != errors {
            failures.push(format!("{file} ({status}): errors {errors}"));
        }
        // Every entry has a key (a record may hold nothing but its type).
        for e in &parsed.bibliography.entries {
            if e.key.is_empty() {
                failures.push(format!("{file}: empty entry {e:?}"));
            }
        }
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "{} files, {records} records; diagnostics by rule: {report:?}",
        rows.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_writer_reads_back_to_itself_also_through_biblatex() {
    let Some(corpus) = common::corpus("the_writer_reads_back_to_itself_also_through_biblatex")
    else {
        return;
    };
    let mut failures = Vec::new();
    for (file, _, _) in common::formats_manifest(&corpus, "ris") {
        let path = corpus.join("formats").join(&file);
        let parsed = formats::read_path(&path).unwrap();
        let once = ris::to_string(&parsed.bibliography);
        let again = ris::read(&once);
        let twice = ris::to_string(&again.bibliography);
        if once != twice {
            failures.push(format!("{file}: RIS → RIS differs\n{once}\n---\n{twice}"));
            continue;
        }
        if again
            .diagnostics
            .iter()
            .any(|d| d.severity != Severity::Info)
        {
            failures.push(format!(
                "{file}: reading the writer's output: {:?}",
                again.diagnostics
            ));
        }
        // By way of BibLaTeX: every field RIS carries has a place in a `.bib` file.
        let opts = bibtex::WriteOptions::new().dialect(bibtex::Dialect::Biblatex);
        let bib = bibtex::write(&again.bibliography, &opts);
        let back = bibtex::read(&bib);
        let thrice = ris::to_string(&back.bibliography);
        // A line break in a note or an abstract is a space to LaTeX: the `.bib` file
        // keeps the words, not the breaks.
        if unwrapped(&thrice) != unwrapped(&once) {
            failures.push(format!(
                "{file}: RIS → BibLaTeX → RIS differs\n{once}\n---\n{thrice}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// RIS text with its continuation lines joined to the line before.
fn unwrapped(ris: &str) -> String {
    let mut out = String::new();
    for line in ris.lines() {
        match line.strip_prefix("  ") {
            Some(more) => {
                out.push(' ');
                out.push_str(more);
            }
            None => {
                out.push('\n');
                out.push_str(line);
            }
        }
    }
    out
}
