//! `bibkit extract`, `rekey` and `rename` on a fixture project (`tests/fixtures/workflows`):
//! a book in LaTeX with chapters and three bibliographies (`@string`s and a `@preamble`
//! in one, a `crossref` and an `xdata` target in another), a pandoc paper, a Typst and an
//! Org file. Every run is on a copy in a temporary directory.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::bibkit;

/// A fresh copy of the fixture project.
fn project() -> tempfile::TempDir {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workflows");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&src, dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Every file of a directory, by relative path.
fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                out.insert(rel, std::fs::read_to_string(&p).unwrap_or_default());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

fn run(dir: &Path, args: &[&str]) -> String {
    let (out, err, code) = bibkit(dir, args);
    format!(
        "$ bibkit {}\n--- exit {code}\n--- stdout\n{out}--- stderr\n{err}",
        args.join(" ")
    )
}

#[test]
fn extract_takes_the_citations_of_the_whole_graph_and_their_closure() {
    let dir = project();
    let mut report = run(dir.path(), &["extract", "main.tex"]);
    // A chapter stands for its book; pandoc, Typst and Org documents.
    report.push_str(&run(
        dir.path(),
        &["extract", "chapters/methods.tex", "--order", "citation"],
    ));
    report.push_str(&run(dir.path(), &["extract", "paper.md"]));
    report.push_str(&run(dir.path(), &["extract", "notes.typ", "notes.org"]));
    insta::assert_snapshot!("extract", report);
}

#[test]
fn extract_copies_blocks_byte_for_byte_and_stays_formatted() {
    let dir = project();
    let (_, err, code) = bibkit(dir.path(), &["extract", "main.tex", "-o", "cited.bib"]);
    assert_eq!(code, 1, "an undefined citation: {err}");
    let cited = std::fs::read_to_string(dir.path().join("cited.bib")).unwrap();
    let sources: String = ["strings.bib", "refs.bib", "more.bib"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.path().join(f)).unwrap())
        .collect();
    let doc = bibkit::edit::Document::parse(cited.as_str());
    assert_eq!(doc.errors(), 0);
    for b in doc.blocks() {
        let text = &cited[b.span().start..b.span().end];
        assert!(sources.contains(text), "not copied as written: {text}");
    }
    // The sources pass `fmt --check`, and so does what was extracted from them.
    assert_eq!(
        bibkit(
            dir.path(),
            &["fmt", "--check", "strings.bib", "refs.bib", "more.bib"]
        )
        .2,
        0
    );
    let (out, _, code) = bibkit(dir.path(), &["fmt", "--check", "cited.bib"]);
    assert_eq!(code, 0, "{out}");
    // What biber needs is all there: checking the documents against it finds what
    // checking them against the sources finds, but for the entries left out.
    let (out, _, _) = bibkit(
        dir.path(),
        &["check", "main.tex", "cited.bib", "--format", "json"],
    );
    let rules: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(&out)
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !rules
            .iter()
            .any(|r| r == "undefined-macro" || r == "missing-crossref"),
        "{rules:?}"
    );
    assert_eq!(
        rules.iter().filter(|r| *r == "undefined-citation").count(),
        1
    );
    // CSL-JSON through the model.
    let (json, _, _) = bibkit(dir.path(), &["extract", "paper.md", "--to", "csl-json"]);
    let items: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "knuth84",
            "lamport94",
            "wang2019",
            "ghs",
            "hashing-series",
            "icgh2019"
        ]
    );
}

#[test]
fn rekey_and_rename_show_every_files_change() {
    let dir = project();
    let mut report = run(dir.path(), &["rekey"]);
    report.push_str(&run(dir.path(), &["rekey", "--rewrite", "--diff"]));
    report.push_str(&run(
        dir.path(),
        &[
            "rekey",
            "--pattern",
            "[authors2][shortyear]",
            "--only",
            "ghs",
            "wang2019",
            "--diff",
        ],
    ));
    // A key that another file's `crossref` names.
    report.push_str(&run(
        dir.path(),
        &[
            "rename",
            "icgh2019",
            "ICGH-2019",
            "--rewrite",
            "--keep-alias",
            "--diff",
        ],
    ));
    report.push_str(&run(dir.path(), &["rename", "knuth84", "lamport94"]));
    report.push_str(&run(dir.path(), &["rename", "knuth84", "bad key"]));
    report.push_str(&run(dir.path(), &["rekey", "--pattern", "[auth"]));
    insta::assert_snapshot!("rekey", report);
    // Nothing was written.
    assert_eq!(
        files(dir.path()),
        files(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workflows"))
    );
}

/// `bibkit check --format json` findings as (rule, file, line, key, message), with the
/// keys of the map written as the new ones.
fn findings(
    dir: &Path,
    map: &BTreeMap<String, String>,
) -> Vec<(String, String, u64, String, String)> {
    let (out, _, _) = bibkit(dir, &["check", "--format", "json"]);
    let mut list: Vec<(String, String, u64, String, String)> =
        serde_json::from_str::<Vec<serde_json::Value>>(&out)
            .unwrap()
            .iter()
            .map(|d| {
                let key = d["key"].as_str().unwrap_or("").to_string();
                let mut message = d["message"].as_str().unwrap().to_string();
                for (old, new) in map {
                    message = message.replace(&format!("`{old}`"), &format!("`{new}`"));
                }
                (
                    d["rule"].as_str().unwrap().to_string(),
                    d["file"].as_str().unwrap_or("").to_string(),
                    d["line"].as_u64().unwrap(),
                    map.get(&key).cloned().unwrap_or(key),
                    message,
                )
            })
            .collect();
    list.sort();
    list
}

#[test]
fn after_rekey_rewrite_check_finds_the_same_modulo_the_keys() {
    let dir = project();
    let (_, err, code) = bibkit(dir.path(), &["rekey", "--map", "map.json"]);
    assert_eq!(code, 0, "{err}");
    let map: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("map.json")).unwrap())
            .unwrap();
    assert!(map.len() >= 8, "{map:?}");
    assert!(!map.contains_key("pinned-key"));
    let before = findings(dir.path(), &map);
    std::fs::remove_file(dir.path().join("map.json")).unwrap();
    let (_, err, code) = bibkit(dir.path(), &["rekey", "--rewrite", "--write"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("changed 9 keys and 19 citations in 8 files"),
        "{err}"
    );
    let after = findings(dir.path(), &BTreeMap::new());
    assert_eq!(before, after);
    // A second run changes nothing: every key matches the pattern now.
    let (out, err, _) = bibkit(dir.path(), &["rekey", "--rewrite"]);
    assert_eq!(out, "", "{err}");
    // The `.aux` file LaTeX writes is never edited, and the map applies back.
    std::fs::write(
        dir.path().join("main.aux"),
        "\\citation{knuth1984literate}\n",
    )
    .unwrap();
    let back: serde_json::Map<String, serde_json::Value> = map
        .iter()
        .map(|(o, n)| (n.clone(), serde_json::Value::String(o.clone())))
        .collect();
    std::fs::write(
        dir.path().join("back.json"),
        serde_json::to_string(&back).unwrap(),
    )
    .unwrap();
    let (_, err, code) = bibkit(
        dir.path(),
        &["rekey", "--from-map", "back.json", "--rewrite", "--write"],
    );
    assert_eq!(code, 0, "{err}");
    std::fs::remove_file(dir.path().join("back.json")).unwrap();
    let mut now = files(dir.path());
    assert_eq!(
        now.remove("main.aux").as_deref(),
        Some("\\citation{knuth1984literate}\n")
    );
    let fixture =
        files(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workflows"));
    assert_eq!(
        now, fixture,
        "the map and its inverse give the project back, byte for byte"
    );
}

#[test]
fn nothing_is_written_when_a_file_cannot_be_read_whole() {
    let dir = project();
    let before = files(dir.path());
    std::fs::write(dir.path().join("more.bib"), "@misc{broken, title = {T}\n").unwrap();
    let (_, err, code) = bibkit(dir.path(), &["rekey", "--rewrite", "--write"]);
    assert_eq!(code, 2);
    assert!(err.contains("more.bib: has syntax errors"), "{err}");
    let mut now = files(dir.path());
    now.insert("more.bib".into(), before["more.bib"].clone());
    assert_eq!(now, before);
}

#[test]
fn extract_filters_for_biber_from_the_bcf() {
    let dir = project();
    let bcf = r#"<?xml version="1.0" encoding="UTF-8"?>
<bcf:controlfile version="3.10" bltxversion="3.19" xmlns:bcf="https://sourceforge.net/projects/biblatex">
  <bcf:bibdata section="0">
    <bcf:datasource type="file" datatype="bibtex" glob="false">strings.bib</bcf:datasource>
    <bcf:datasource type="file" datatype="bibtex" glob="false">refs.bib</bcf:datasource>
    <bcf:datasource type="file" datatype="bibtex" glob="false">more.bib</bcf:datasource>
  </bcf:bibdata>
  <bcf:section number="0">
    <bcf:citekey order="1" intorder="1">wang2019b</bcf:citekey>
    <bcf:citekey order="2" intorder="1">graph-hashing-survey</bcf:citekey>
  </bcf:section>
</bcf:controlfile>
"#;
    std::fs::write(dir.path().join("main.bcf"), bcf).unwrap();
    let (_, err, code) = bibkit(dir.path(), &["extract", "main.bcf", "-o", "cited.bib"]);
    assert_eq!(code, 0, "{err}");
    let cited = std::fs::read_to_string(dir.path().join("cited.bib")).unwrap();
    let keys: Vec<&str> = cited
        .lines()
        .filter_map(|l| l.strip_prefix('@'))
        .filter_map(|l| l.split_once('{'))
        .map(|(_, rest)| rest.trim_end_matches(','))
        .collect();
    // The cited entries (one by its `ids` alias), their crossref and xdata targets, the
    // macros those use, the preamble.
    assert_eq!(
        keys,
        [
            "{\\providecommand{\\noopsort}[1]{}}}",
            "aw = {Addison-} # {Wesley}}",
            "wang2019b",
            "ghs",
            "hashing-series",
            "icgh2019"
        ]
    );
    assert!(err.contains("extracted 4 entries (2 for crossref"), "{err}");
}
