//! `bibkit dedupe` on a fixture with a pair for every rule (`tests/fixtures/dedupe`):
//! identifiers (DOI with and without resolver, arXiv versions, ISBN-10 and -13, two
//! different DOIs), initials, a journal version years later and a preprint and its
//! article (versions of one work: reported, not merged), an erratum, a generic
//! title, a subtitle, words only the longer title has, a name only one title has,
//! words run together, and pairs kept apart by a comment and by `bibkit.toml`.

mod common;

use std::path::PathBuf;

use common::bibkit;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dedupe")
}

/// The fixture in a temporary directory, with a `paper.tex` whose body is `cites`.
fn project(cites: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for f in ["refs.bib", "bibkit.toml"] {
        std::fs::copy(fixture().join(f), d.join(f)).unwrap();
    }
    std::fs::write(
        d.join("paper.tex"),
        format!("\\documentclass{{article}}\\begin{{document}}{cites}\\bibliography{{refs}}\\end{{document}}\n"),
    )
    .unwrap();
    dir
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
        ("preprint", "published"),
        ("paper", "erratum"),
        ("editorial-a", "editorial-b"),
        ("subtitle-a", "subtitle-b"),
        ("rules-short", "rules-long"),
        ("named", "unnamed"),
        ("spaced", "unspaced"),
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
            ["initials-a", "journal-version"],
            ["subtitle-a", "subtitle-b"],
            ["preprint", "published"],
            ["spaced", "unspaced"],
        ]
    );
    let relations: Vec<&str> = groups
        .iter()
        .map(|g| g["relation"].as_str().unwrap())
        .collect();
    assert_eq!(
        relations,
        [
            "duplicates",
            "duplicates",
            "duplicates",
            "duplicates",
            "versions",
            "duplicates",
            "versions",
            "duplicates"
        ]
    );
    assert_eq!(groups[0]["pairs"][0]["reasons"][0], "same DOI");
    assert!(groups[5]["score"].as_f64().unwrap() < 1.0);
}

#[test]
fn merge_keeps_one_entry_per_group_and_rewrites_citations() {
    let dir = project("\\cite{doi-b,subtitle-b} and \\cite{paper}");
    let d = dir.path();
    let (diff, _, code) = bibkit(d, &["dedupe", "--merge", "--rewrite", "--diff"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("merge_diff", diff);
    let before = std::fs::read_to_string(d.join("refs.bib")).unwrap();
    let (_, err, code) = bibkit(d, &["dedupe", "--merge", "--rewrite", "--write"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("changed 6 entries merged into 6 and 2 citations in 2 files"),
        "{err}"
    );
    // Versions of one work are named, and left as they are.
    assert!(
        err.contains("2 pairs of versions of one work (a preprint and its article, a paper and its journal version) not merged"),
        "{err}"
    );
    let after = std::fs::read_to_string(d.join("refs.bib")).unwrap();
    assert_eq!(
        std::fs::read_to_string(d.join("paper.tex")).unwrap(),
        "\\documentclass{article}\\begin{document}\\cite{doi-a,subtitle-a} and \\cite{paper}\\bibliography{refs}\\end{document}\n"
    );
    // Entries outside the groups are byte for byte as they were.
    for key in [
        "two-dois-a",
        "journal-version",
        "erratum",
        "editorial-b",
        "kept-b",
        "toml-b",
        "preprint",
        "published",
        "rules-short",
        "rules-long",
        "named",
        "unnamed",
    ] {
        let block = |t: &str| {
            let at = t.find(&format!("{{{key},")).unwrap();
            let end = at + t[at..].find("\n}\n").unwrap();
            t[at..end].to_string()
        };
        assert_eq!(block(&before), block(&after), "{key}");
    }
    // Nothing left to merge, and the file still reads whole.
    let (_, err, code) = bibkit(d, &["dedupe"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(bibkit::edit::Document::parse(after.as_str()).errors(), 0);
    // `--unsafe` drops the merged-away entries' differing values too.
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::copy(fixture().join("refs.bib"), dir2.path().join("refs.bib")).unwrap();
    let (_, err, code) = bibkit(
        dir2.path(),
        &[
            "dedupe",
            "refs.bib",
            "--merge",
            "--unsafe",
            "--keep",
            "most-fields",
            "--write",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let unsafe_text = std::fs::read_to_string(dir2.path().join("refs.bib")).unwrap();
    assert!(!unsafe_text.contains("was merged into"));
    assert!(
        unsafe_text.contains("ids        = {arxiv-v1}")
            || unsafe_text.contains("ids        = {arxiv-v3}"),
        "{unsafe_text}"
    );
}

/// Merged without `--rewrite`, the merged-away keys live on as `ids` aliases, which
/// biblatex resolves: `check` does not call their citations undefined, and counts the
/// entry as cited.
#[test]
fn citations_of_merged_away_keys_resolve_through_ids() {
    let dir = project("\\cite{doi-b,subtitle-b,nowhere}");
    let d = dir.path();
    let (_, err, code) = bibkit(d, &["dedupe", "--merge", "--write"]);
    assert_eq!(code, 0, "{err}");
    let (out, err, _) = bibkit(d, &["check", "paper.tex", "--format", "json"]);
    let findings: Vec<serde_json::Value> =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    let undefined: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "undefined-citation")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(undefined.len(), 1, "{undefined:?}");
    assert!(undefined[0].contains("`nowhere`"), "{undefined:?}");
    // The kept entries are cited through their aliases.
    let unused: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "unused-entry")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        !unused
            .iter()
            .any(|m| m.contains("`doi-a`") || m.contains("`subtitle-a`")),
        "{unused:?}"
    );
}
