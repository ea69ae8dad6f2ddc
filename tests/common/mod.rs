//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The shared corpus (`../shared/corpus` next to the repository, or where `BIBKIT_CORPUS`
/// says), or `None` with a printed
/// notice when it is absent. With `BIBKIT_REQUIRE_CORPUS=1` (set by `.ci/run`) a missing
/// corpus is a failure instead.
pub fn corpus(test: &str) -> Option<PathBuf> {
    // (`BIBKIT_CORPUS` names it when the checkout is elsewhere, a git worktree say.)
    let dir = std::env::var_os("BIBKIT_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    );
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("BIBKIT_REQUIRE_CORPUS").is_some_and(|v| v == "1") {
        panic!("{test}: ../shared/corpus is required (BIBKIT_REQUIRE_CORPUS=1) but absent");
    }
    // Written to the stderr handle directly: the test harness captures `eprintln!`, and this
    // notice must be seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: ../shared/corpus not found (it ships beside the repository, not in it)"
    );
    None
}

/// The rows of `formats/MANIFEST.tsv` for one format (its second column, `ris`,
/// `medline`, …): (file, status, records).
pub fn formats_manifest(corpus: &Path, format: &str) -> Vec<(String, String, usize)> {
    let text = std::fs::read_to_string(corpus.join("formats/MANIFEST.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.get(1) == Some(&format))
                .then(|| (f[0].to_string(), f[2].to_string(), f[3].parse().unwrap()))
        })
        .collect()
}

/// A validator for the official CSL-JSON schema in the corpus.
pub fn csl_validator(corpus: &std::path::Path) -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(corpus.join("csl/schema/csl-data.json")).expect("schema"),
    )
    .expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

/// Panics with every schema violation of `instance`.
pub fn assert_valid_csl(
    validator: &jsonschema::Validator,
    instance: &serde_json::Value,
    what: &str,
) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: CSL-JSON is not schema-valid:\n{}",
        errors.join("\n")
    );
}

/// One row of `bib/MANIFEST.tsv`.
pub struct Row {
    pub file: String,
    pub status: String,
    pub encoding: String,
    pub entries: usize,
}

impl Row {
    /// The `--encoding` the file needs, if it is not UTF-8.
    pub fn encoding(&self) -> Option<&str> {
        (self.encoding != "utf-8" && self.encoding != "ascii").then_some(self.encoding.as_str())
    }
}

/// The rows of `bib/MANIFEST.tsv`.
pub fn manifest(corpus: &std::path::Path) -> Vec<Row> {
    let text = std::fs::read_to_string(corpus.join("bib/MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (f, s, e, n) = (col("file"), col("status"), col("encoding"), col("entries"));
    lines
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Row {
                file: c[f].to_string(),
                status: c[s].to_string(),
                encoding: c[e].to_string(),
                entries: c[n].parse().unwrap(),
            }
        })
        .collect()
}

/// Runs the `bibkit` binary in `dir` with `args` (colour off): stdout, stderr and the exit
/// code (-1 when killed by a signal).
pub fn bibkit(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = assert_cmd::Command::cargo_bin("bibkit")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}
