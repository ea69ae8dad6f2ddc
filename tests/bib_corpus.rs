//! Every corpus `.bib` file through the public path: `bibkit convert FILE --to csl-json`
//! (and `--to bibtex`). Well-formed files convert with exit 0, as many records as
//! `MANIFEST.tsv` lists, and schema-valid CSL-JSON; `*.malformed.bib` files exit 1 with
//! `file:line:col` diagnostics and every other record written.

mod common;

use assert_cmd::Command;

use common::manifest;

fn convert(path: &std::path::Path, encoding: &str, to: &str) -> std::process::Output {
    let mut cmd = Command::cargo_bin("bibkit").unwrap();
    cmd.arg("convert").arg(path).args(["--to", to]);
    if encoding != "utf-8" && encoding != "ascii" {
        cmd.args(["--encoding", encoding]);
    }
    cmd.output().unwrap()
}

#[test]
fn every_corpus_file_converts() {
    let Some(corpus) = common::corpus("every_corpus_file_converts") else {
        return;
    };
    let validator = common::csl_validator(&corpus);
    let rows = manifest(&corpus);
    assert!(rows.len() >= 50);
    for row in &rows {
        let path = corpus.join("bib").join(&row.file);
        let out = convert(&path, &row.encoding, "csl-json");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{}: output is not JSON: {e}", row.file));
        common::assert_valid_csl(&validator, &json, &row.file);
        let items = json.as_array().unwrap().len();
        match row.status.as_str() {
            "malformed" => {
                assert_eq!(out.status.code(), Some(1), "{}: {stderr}", row.file);
                let prefix = format!("{}:", path.display());
                assert!(
                    stderr
                        .lines()
                        .any(|l| l.starts_with(&prefix) && l.contains(": error[")),
                    "{}: no file:line:col error in {stderr}",
                    row.file
                );
                assert!(
                    items >= row.entries - 1 && items <= row.entries,
                    "{}: {items} items",
                    row.file
                );
            }
            status => {
                // A repeated key is an error as in `check` (BibTeX keeps only the first
                // entry), though both are written: a file otherwise fine may have one.
                let only_repeats = stderr
                    .lines()
                    .filter(|l| l.contains(": error["))
                    .all(|l| l.contains(": error[duplicate-key]"));
                if status == "ok" {
                    let code = if only_repeats && stderr.contains(": error[") {
                        1
                    } else {
                        0
                    };
                    assert_eq!(out.status.code(), Some(code), "{}: {stderr}", row.file);
                } else {
                    // Nonstandard files may carry errors (conflicting duplicate keys) but
                    // every record is still written.
                    assert!(
                        matches!(out.status.code(), Some(0 | 1)),
                        "{}: {stderr}",
                        row.file
                    );
                }
                assert_eq!(items, row.entries, "{}: record count", row.file);
            }
        }
        // The BibTeX output has the same records and re-reads without syntax errors.
        let bib = convert(&path, &row.encoding, "bibtex");
        let text = String::from_utf8(bib.stdout).unwrap();
        let again = bibkit::formats::bibtex::read(&text);
        assert!(
            again.diagnostics.iter().all(|d| d.rule != "syntax"),
            "{}: BibTeX output does not re-read: {:?}",
            row.file,
            again.diagnostics.iter().find(|d| d.rule == "syntax")
        );
        assert_eq!(
            again.bibliography.len(),
            items,
            "{}: BibTeX record count",
            row.file
        );
    }
}

#[test]
fn malformed_fixture_reports_position_and_keeps_the_rest() {
    let Some(corpus) = common::corpus("malformed_fixture_reports_position_and_keeps_the_rest")
    else {
        return;
    };
    let path = corpus.join("bib/typst-biblatex__incorrect_syntax.malformed.bib");
    let out = convert(&path, "utf-8", "csl-json");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:12:13: error[syntax]: expected `=` after field name `author`",
            path.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("conigliocorbalan"),
        "the key is named: {stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["id"], "rashid2016");
}
