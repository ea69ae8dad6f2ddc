//! `bibkit dedupe` on a fixture with a pair for every rule (`tests/fixtures/dedupe`):
//! identifiers (DOI with and without resolver, arXiv versions, ISBN-10 and -13, two
//! different DOIs), initials, a journal version years later, an erratum, a generic
//! title, a subtitle, and pairs kept apart by a comment and by `bibkit.toml`.

mod common;

use std::path::PathBuf;

use common::bibkit;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dedupe")
}

fn run(args: &[&str]) -> String {
    let (out, err, code) = bibkit(&fixture(), args);
    format!(
        "$ bibkit {}\n--- exit {code}\n--- stdout\n{out}--- stderr\n{err}",
        args.join(" ")
    )
}

#[test]
fn every_rule_and_memory() {
    let mut report = run(&["dedupe", "refs.bib"]);
    for (a, b) in [
        ("two-dois-a", "two-dois-b"),
        ("initials-a", "journal-version"),
        ("paper", "erratum"),
        ("editorial-a", "editorial-b"),
        ("subtitle-a", "subtitle-b"),
        ("kept-a", "kept-b"),
        ("toml-a", "toml-b"),
    ] {
        report.push_str(&run(&["dedupe", "refs.bib", "--explain", a, b]));
    }
    report.push_str(&run(&["dedupe", "refs.bib", "--profile", "strict"]));
    report.push_str(&run(&[
        "dedupe",
        "refs.bib",
        "--explain",
        "nobody",
        "paper",
    ]));
    insta::assert_snapshot!("dedupe", report);
}

#[test]
fn json_groups_keep_file_order() {
    let (out, _, code) = bibkit(&fixture(), &["dedupe", "refs.bib", "--format", "json"]);
    assert_eq!(code, 1);
    let groups: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let keys: Vec<Vec<&str>> = groups
        .iter()
        .map(|g| {
            g["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        keys,
        [
            ["doi-a", "doi-b"],
            ["arxiv-v1", "arxiv-v3"],
            ["isbn-10", "isbn-13"],
            ["initials-a", "initials-b"],
            ["subtitle-a", "subtitle-b"]
        ]
    );
    assert_eq!(groups[0]["pairs"][0]["reasons"][0], "same DOI");
    assert!(groups[4]["score"].as_f64().unwrap() < 1.0);
}
