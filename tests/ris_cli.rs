//! `bibkit convert` with RIS (`tests/fixtures/ris/export.txt`, an export with a vendor
//! header, `1.` numbering, a type written out, a free-text date, a missing `ER` and
//! tags the model has no place for): the format is told from the content, every loss
//! is reported with its line, and `--to ris` says what RIS cannot hold.

mod common;

use std::path::PathBuf;

use common::bibkit;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ris")
}

#[test]
fn ris_to_biblatex_reports_what_it_dropped_and_guessed() {
    let (out, err, code) = bibkit(&fixture(), &["convert", "export.txt", "--to", "biblatex"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(
        "ris_to_biblatex",
        format!("--- stdout\n{out}--- stderr\n{err}")
    );
    // Every line of the loss report names the file and a line.
    for l in err.lines().filter(|l| l.contains("[ris-")) {
        assert!(l.starts_with("export.txt:"), "{l}");
    }
}

#[test]
fn biblatex_to_ris_says_what_ris_cannot_hold() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("refs.bib"),
        "@misc{a, title = {Attention Everywhere}, author = {Okafor, N.}, eprint = {2101.00001}, eprinttype = {arxiv}, date = {2021-01-02/2021-02-03}}\n\
         @manual{b, title = {Typesetting Notes}, organization = {Example Press}}\n",
    )
    .unwrap();
    let (out, err, code) = bibkit(dir.path(), &["convert", "refs.bib", "-o", "refs.ris"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    let ris = std::fs::read_to_string(dir.path().join("refs.ris")).unwrap();
    insta::assert_snapshot!(
        "biblatex_to_ris",
        format!("--- refs.ris\n{ris}--- stderr\n{err}")
    );
    // And it reads back.
    let (_, err, code) = bibkit(dir.path(), &["convert", "refs.ris", "--to", "ris"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn the_loss_report_is_json_for_scripts() {
    let (out, err, code) = bibkit(
        &fixture(),
        &[
            "convert",
            "export.txt",
            "--to",
            "csl-json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let items: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 3);
    let report: Vec<serde_json::Value> = serde_json::from_str(&err).unwrap();
    let rules: Vec<&str> = report.iter().map(|d| d["rule"].as_str().unwrap()).collect();
    assert_eq!(
        rules,
        [
            "format-detected",
            "ris-outside-record",
            "ris-dropped",
            "ris-dropped",
            "ris-guessed",
            "ris-guessed",
            "ris-dropped",
            "ris-missing-end"
        ]
    );
    assert_eq!(report[2]["line"], 24);
    assert_eq!(report[2]["key"], "okafor2021learning");
    assert_eq!(report[2]["file"], "export.txt");
    // Nothing to say is an empty array.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.bib"), "@misc{a, title = {T}}\n").unwrap();
    let (_, err, code) = bibkit(dir.path(), &["convert", "a.bib", "--format", "json"]);
    assert_eq!((code, err.trim()), (0, "[]"));
}
