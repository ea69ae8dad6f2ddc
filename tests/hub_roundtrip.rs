//! The conversion hub as a whole: every corpus file of every format bibkit reads
//! (`../shared/corpus/formats`) is written by every writer, and what each writer wrote
//! reads back with the same records — the same number, and for each the same title,
//! authors' family names, year and DOI, which every format can hold. What a writer had
//! no place for is in its loss report, never silently gone: a field absent after the
//! round trip must have been named in a loss report.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use bibkit::diagnostic::Severity;
use bibkit::formats::{self, Format};
use bibkit::keys::KeyGenerator;
use bibkit::model::{Entry, Value};

/// The corpus's name of a format directory → bibkit's format.
fn format_of(name: &str) -> Option<Format> {
    match name {
        "endnote-tagged" => Format::from_id("endnote"),
        other => Format::from_id(other),
    }
}

/// The manifest rows bibkit has a reader for: (file, format, status).
fn rows(corpus: &Path) -> Vec<(String, Format, String)> {
    let text = std::fs::read_to_string(corpus.join("formats/MANIFEST.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some((f[0].to_string(), format_of(f[1])?, f[2].to_string()))
        })
        .collect()
}

/// What every format holds of an entry: title, family names, year, DOI.
fn core(e: &Entry) -> (String, Vec<String>, String, String) {
    let plain = |f: &str| e.get(f).map(|v| v.to_plain_string()).unwrap_or_default();
    let families = match e.get("author").or_else(|| e.get("editor")) {
        Some(Value::Names(list)) => list
            .names
            .iter()
            .map(|n| match n {
                bibkit::model::Name::Person(p) => p.family_with_particle(),
                bibkit::model::Name::Literal(s) => s.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    // The year: the date's first part (`-0011` in a date of 12 BCE), else `year`.
    let date = plain("date");
    let digits = date.strip_prefix('-').unwrap_or(&date);
    let year = match digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len())
    {
        n if n >= 4 => date[..n + date.len() - digits.len()].to_string(),
        _ => plain("year"),
    };
    (
        plain("title")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        families,
        year,
        plain("doi").to_lowercase(),
    )
}

#[test]
fn every_corpus_file_survives_every_writer() {
    let Some(corpus) = common::corpus("every_corpus_file_survives_every_writer") else {
        return;
    };
    let writers: Vec<Format> = Format::ALL
        .iter()
        .copied()
        .filter(|f| f.writable() && *f != Format::Bibtex)
        .collect();
    let mut failures = Vec::new();
    let mut checked: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
    for (file, format, status) in rows(&corpus) {
        if status == "invalid" {
            continue;
        }
        let text = std::fs::read(corpus.join("formats").join(&file)).unwrap();
        let text = String::from_utf8_lossy(&text);
        let read = formats::read_text(format, None, &text, &mut KeyGenerator::new());
        let entries = &read.bibliography.entries;
        for &to in &writers {
            let (out, losses) = formats::write_document(to, entries).unwrap();
            // What bibkit writes, it recognises (a `.bib` file with no entry is empty).
            let sniffed = Format::sniff(&out).map(|f| match f {
                Format::Bibtex => Format::Biblatex,
                f => f,
            });
            if sniffed != Some(to) && !(entries.is_empty() && to == Format::Biblatex) {
                failures.push(format!("{file} → {}: sniffed as {sniffed:?}", to.id()));
            }
            let back = formats::read_text(to, None, &out, &mut KeyGenerator::new());
            if let Some(d) = back
                .diagnostics
                .iter()
                .find(|d| d.severity == Severity::Error)
            {
                failures.push(format!(
                    "{file} → {}: reading it back: {}",
                    to.id(),
                    d.message
                ));
                continue;
            }
            // A writer may leave out a whole entry, saying so (CFF writes a repeated
            // reference once).
            let whole: std::collections::HashSet<&str> = losses
                .iter()
                .filter(|d| d.message.contains("the whole entry"))
                .filter_map(|d| d.key.as_deref())
                .collect();
            let kept: Vec<&Entry> = entries
                .iter()
                .filter(|e| !whole.contains(e.key.as_str()))
                .collect();
            let mut got = &back.bibliography.entries[..];
            // CFF describes one work: with no software or dataset entry to be it, the
            // writer makes a root from the first entry (saying so), which reads back as
            // one record more.
            let copied_root = to == Format::Cff
                && losses
                    .iter()
                    .any(|d| d.message.starts_with("no software or dataset entry"));
            if copied_root && got.len() == kept.len() + 1 {
                got = &got[1..];
            }
            if got.len() != kept.len() {
                failures.push(format!(
                    "{file} → {}: {} records back of {}",
                    to.id(),
                    got.len(),
                    kept.len()
                ));
                continue;
            }
            for (a, b) in kept.iter().zip(got) {
                let (ca, cb) = (core(a), core(b));
                if ca != cb {
                    // A difference must have been reported: by the writer, or by the
                    // reader of what it wrote (a date kept as text, as the input had it,
                    // that the target's reader cannot read).
                    let said = losses
                        .iter()
                        .any(|d| d.key.as_deref() == Some(a.key.as_str()))
                        || back.diagnostics.iter().any(|d| {
                            d.severity >= Severity::Warning
                                && d.key.as_deref() == Some(b.key.as_str())
                        });
                    if !said {
                        failures.push(format!(
                            "{file} → {}: `{}` came back as {cb:?}, not {ca:?}, and no loss was reported",
                            to.id(),
                            a.key
                        ));
                    }
                }
            }
            *checked
                .entry((format.id().to_string(), to.id()))
                .or_default() += entries.len();
        }
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "records checked (read format, writer): {checked:?}"
    );
    assert!(!checked.is_empty());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
