//! `bibkit check` end to end: one fixture LaTeX project per rule family
//! (`tests/fixtures/check/<family>/`), every output format as a snapshot, the exit codes,
//! and clean corpus files that must give no warnings.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn fixture(family: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(family)
}

/// Runs `bibkit check ARGS` in a fixture's directory, without colour; returns stdout and
/// the exit code.
fn check(family: &str, args: &[&str]) -> (String, i32) {
    let out = Command::cargo_bin("bibkit")
        .unwrap()
        .current_dir(fixture(family))
        .env("NO_COLOR", "1")
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

fn rules(output: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(output).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{}", f["rule"].as_str().unwrap(), f["line"]))
        .collect()
}

#[test]
fn citations_from_tex_aux_bcf_and_markdown() {
    // The `.tex` file alone: its `\bibliography{refs}` is found.
    let (human, code) = check("citations", &["main.tex"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("citations_human", human);
    let expected = ["citation-case", "undefined-citation", "unused-entry"];
    for cited in ["main.tex", "main.aux", "main.bcf", "notes.md"] {
        let (json, code) = check(
            "citations",
            &["refs.bib", "--cited", cited, "--format", "json"],
        );
        assert_eq!(code, 1, "{cited}");
        let found: Vec<String> = rules(&json)
            .into_iter()
            .map(|r| r.split(':').next().unwrap().to_string())
            .collect();
        assert_eq!(found, expected, "{cited}");
    }
}

#[test]
fn every_output_format() {
    for (format, name) in [
        ("json", "citations_json"),
        ("github", "citations_github"),
        ("sarif", "citations_sarif"),
    ] {
        let (out, code) = check("citations", &["main.tex", "--format", format]);
        assert_eq!(code, 1, "{format}");
        insta::assert_snapshot!(name, out);
    }
    let (sarif, _) = check("values", &["refs.bib", "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "bibkit");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), bibkit::check::RULES.len());
    for r in run["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() > 0);
        assert!(region["startColumn"].as_u64().unwrap() > 0);
    }
}

#[test]
fn rule_families() {
    for (family, args) in [
        ("keys", vec!["refs.bib"]),
        ("fields", vec!["bibtex.bib", "biblatex.bib"]),
        ("values", vec!["refs.bib"]),
        ("names", vec!["refs.bib"]),
        ("text", vec!["refs.bib"]),
        ("structure", vec!["refs.bib"]),
        ("style", vec!["refs.bib"]),
    ] {
        let (human, _) = check(family, &args);
        insta::assert_snapshot!(format!("{family}_human"), human);
    }
}

#[test]
fn exit_codes() {
    // Clean: 0, also with `--deny warnings`.
    assert_eq!(check("clean", &["main.tex"]).1, 0);
    assert_eq!(check("clean", &["main.tex", "--deny", "warnings"]).1, 0);
    // Warnings only: 0, but 1 with `--deny warnings`.
    assert_eq!(check("values", &["refs.bib"]).1, 0);
    assert_eq!(check("values", &["refs.bib", "--deny", "warnings"]).1, 1);
    // Errors: 1.
    assert_eq!(check("structure", &["refs.bib"]).1, 1);
    // Usage and I/O errors: 2.
    assert_eq!(check("clean", &["missing.bib"]).1, 2);
    // No inputs: the project in the current directory.
    assert_eq!(check("clean", &[]).1, 0);
    assert_eq!(
        check("clean", &["refs.bib", "--config", "missing.toml"]).1,
        2
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bibkit.toml");
    std::fs::write(&bad, "[check.rules]\nno-such-rule = \"off\"\n").unwrap();
    let out = Command::cargo_bin("bibkit")
        .unwrap()
        .current_dir(fixture("clean"))
        .args(["check", "refs.bib", "--config", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown rule `no-such-rule`"));
}

#[test]
fn configuration_turns_rules_on_and_off() {
    // The fixture's bibkit.toml turns the style rules on and `unused-entry` off.
    let (json, _) = check("style", &["refs.bib", "--format", "json"]);
    let found = rules(&json);
    for r in [
        "title-case",
        "unprotected-acronym",
        "field-order",
        "key-pattern",
    ] {
        assert!(found.iter().any(|f| f.starts_with(r)), "{r}: {found:?}");
    }
    // Elsewhere they are off.
    let (json, _) = check("names", &["refs.bib", "--format", "json"]);
    assert!(rules(&json).iter().all(|r| !r.starts_with("title-case")));
}

#[test]
fn list_rules_names_every_rule() {
    let (out, code) = check("clean", &["--list-rules"]);
    assert_eq!(code, 0);
    for r in bibkit::check::RULES {
        assert!(out.contains(r.id), "{}", r.id);
    }
    insta::assert_snapshot!("list_rules", out);
}

#[test]
fn clean_corpus_files_give_no_warnings() {
    let Some(corpus) = common::corpus("clean_corpus_files_give_no_warnings") else {
        return;
    };
    for (model, file) in [
        ("bibtex", "bibtex-tidy__orcid-russian-citations.bib"),
        ("bibtex", "bbt__zbb-chokes-664.bib"),
        ("biblatex", "biber__sets.bib"),
        ("biblatex", "bbt__zbb-chokes-664.bib"),
    ] {
        let path = corpus.join("bib").join(file);
        let out = Command::cargo_bin("bibkit")
            .unwrap()
            .args([
                "check", "--model", model, "--deny", "warnings", "--format", "json",
            ])
            .arg(&path)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // Notes (a range written with a hyphen) never fail a build.
        let loud: Vec<&serde_json::Value> = json
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] != "note")
            .collect();
        assert!(loud.is_empty(), "{model} {file}: {loud:?}");
        assert_eq!(out.status.code(), Some(0), "{model} {file}");
    }
}
