//! The `bibkit` binary, end to end.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

fn bibkit() -> Command {
    Command::cargo_bin("bibkit").unwrap()
}

/// The `id`s of CSL-JSON output, in order.
fn csl_ids(out: &[u8]) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_slice(out).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn converts_the_shipped_example_to_bibtex() {
    bibkit()
        .args(["convert", "examples/listing.txt"])
        .assert()
        .success()
        .stderr(
            "examples/listing.txt: note[format-detected]: read as a publication listing (`--from listing`), told from its content\n",
        )
        .stdout(predicate::str::contains("@misc{vaswani2017attention,"))
        .stdout(predicate::str::contains(
            "  author       = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki and others},",
        ))
        .stdout(predicate::str::contains(
            "{van den Oord, Aäron and Dieleman, Sander and Zen, Heiga and others}",
        ))
        .stdout(
            predicate::str::contains("  title    = {Mistral {7B}},")
                .or(predicate::str::contains("= {Mistral {7B}},")),
        );
}

#[test]
fn reads_stdin_when_no_input_or_dash() {
    let input = std::fs::read_to_string("examples/listing.txt").unwrap();
    for args in [vec!["convert"], vec!["convert", "-"]] {
        bibkit()
            .args(&args)
            .write_stdin(input.clone())
            .assert()
            .success()
            .stdout(predicate::str::contains("@misc{kingma2014adam,"));
    }
}

#[test]
fn malformed_records_are_reported_and_the_rest_written() {
    let out = bibkit()
        .args([
            "convert",
            "tests/fixtures/listing/malformed.txt",
            "--to",
            "csl-json",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "tests/fixtures/listing/malformed.txt:4:1: error[listing-header]:",
        ))
        .stderr(predicate::str::contains(
            "malformed.txt:10:1: error[listing-date]:",
        ))
        .stderr(predicate::str::contains(
            "malformed.txt:14:1: error[listing-title]:",
        ))
        // A source snippet with a caret follows each diagnostic.
        .stderr(predicate::str::contains(
            "4 | XXJun 2017 not a header\n  | ^",
        ))
        .get_output()
        .stdout
        .clone();
    assert_eq!(csl_ids(&out), ["vaswani2017attention", "kingma2014adam"]);
}

#[test]
fn invalid_utf8_is_reported_with_its_position() {
    let mut bytes = std::fs::read("examples/listing.txt").unwrap();
    // Break the second record's abstract (line 6).
    let pos = bytes
        .windows(13)
        .position(|w| w == b"An optimiser ")
        .unwrap();
    bytes[pos + 3] = 0xFF;
    bibkit()
        .args(["convert", "--from", "listing"])
        .write_stdin(bytes)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "<stdin>:6:4: error[invalid-encoding]:",
        ))
        .stderr(predicate::str::contains("--encoding"))
        .stdout(predicate::str::contains("@misc{kingma2014adam").not())
        .stdout(predicate::str::contains("@misc{vaswani2017attention,"));
}

#[test]
fn writes_to_a_file_with_o() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("refs.bib");
    bibkit()
        .args(["convert", "examples/listing.txt", "--to", "biblatex", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("  date         = {2017-06-12},"), "{text}");
}

#[test]
fn ascii_output_has_no_non_ascii() {
    bibkit()
        .args(["convert", "examples/listing.txt", "--ascii"])
        .assert()
        .success()
        .stdout(predicate::str::contains(r#"{van den Oord, A{\"a}ron and"#))
        .stdout(predicate::function(|s: &str| s.is_ascii()));
}

#[test]
fn usage_errors_exit_2() {
    bibkit().args(["convert", "--to", "yaml"]).assert().code(2);
    bibkit().args(["frobnicate"]).assert().code(2);
    bibkit()
        .args(["convert", "does/not/exist.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read does/not/exist.txt"));
}

#[test]
fn unknown_content_needs_from() {
    bibkit()
        .arg("convert")
        .write_stdin("just some words\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--from"));
}

#[test]
fn csl_json_output_is_schema_valid() {
    let Some(corpus) = common::corpus("csl_json_output_is_schema_valid") else {
        return;
    };
    let v = common::csl_validator(&corpus);
    for file in [
        "examples/listing.txt".to_string(),
        corpus
            .join("listing/seed-listing.txt")
            .display()
            .to_string(),
        corpus
            .join("listing/tricky-listing.txt")
            .display()
            .to_string(),
    ] {
        let out = bibkit()
            .args(["convert", &file, "--to", "csl-json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        common::assert_valid_csl(&v, &json, &file);
    }
}

#[test]
fn keys_are_unique_across_inputs() {
    // Two files with the same listing (one file named twice is read once).
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.txt");
    std::fs::copy("examples/listing.txt", &copy).unwrap();
    let out = bibkit()
        .args(["convert", "examples/listing.txt", copy.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("@misc{kingma2014adam,"));
    assert!(text.contains("@misc{kingma2014adama,"));
    assert_eq!(text.matches("@misc{").count(), 14);
}

#[test]
fn bib_invalid_utf8_is_reported_and_other_entries_survive() {
    let input = b"@misc{a, title = {Fine}}\n@misc{b, title = {Bro\xffken}}\n@misc{c, title = {Also fine}}\n".to_vec();
    let out = bibkit()
        .args(["convert", "--from", "bibtex", "--to", "csl-json"])
        .write_stdin(input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "<stdin>:2:22: error[invalid-encoding]: invalid UTF-8",
        ))
        .stderr(predicate::str::contains("--encoding latin1"))
        .get_output()
        .stdout
        .clone();
    assert_eq!(csl_ids(&out), ["a", "c"]);
}

#[test]
fn encoding_option_transcodes_latin1() {
    bibkit()
        .args([
            "convert",
            "tests/fixtures/bib/latin1.bib",
            "--encoding",
            "latin1",
            "--to",
            "csl-json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"family\": \"Voß\""));
    bibkit()
        .args([
            "convert",
            "tests/fixtures/bib/latin1.bib",
            "--to",
            "csl-json",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "latin1.bib:2:15: error[invalid-encoding]",
        ));
    bibkit()
        .args([
            "convert",
            "tests/fixtures/bib/latin1.bib",
            "--encoding",
            "klingon",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown encoding"));
}

#[test]
fn bib_to_bibtex_keeps_comments_preambles_and_crossrefs() {
    let input = "% header\n@preamble{\"\\newcommand{\\x}{y}\"}\n@proceedings{p, title = {Proc}, year = 2001}\n@inproceedings{a, title = {Paper}, crossref = {p}}\n";
    let out = bibkit()
        .args(["convert", "--from", "bibtex"])
        .write_stdin(input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("@preamble{{\\newcommand{\\x}{y}}}\n"),
        "{text}"
    );
    assert!(text.contains("% header\n"), "{text}");
    assert!(text.contains("  crossref = {p},\n"), "{text}");
    assert!(
        !text.contains("booktitle"),
        "crossref stays unresolved in .bib output: {text}"
    );
}

#[test]
fn bib_to_csl_reports_what_csl_cannot_hold() {
    bibkit()
        .args(["convert", "--from", "bibtex", "--to", "csl-json"])
        .write_stdin("% a comment\n@misc{k, title = {T}}\n")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "note[not-written]: 1 comment(s) and 0 @preamble(s)",
        ));
}

#[test]
fn csl_json_converts_to_biblatex_and_back() {
    let csl = bibkit()
        .args(["convert", "examples/refs.bib", "--to", "csl-json"])
        .output()
        .unwrap();
    assert_eq!(csl.status.code(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("refs.json");
    std::fs::write(&json, &csl.stdout).unwrap();
    // Detected from the extension.
    let bl = bibkit()
        .args(["convert", json.to_str().unwrap(), "--to", "biblatex"])
        .output()
        .unwrap();
    assert_eq!(bl.status.code(), Some(0));
    let bl = String::from_utf8(bl.stdout).unwrap();
    assert!(
        bl.contains("@phdthesis{shannon1940algebra,") || bl.contains("@thesis{shannon1940algebra,")
    );
    assert!(bl.contains("  eprintclass = {cs.CL},"), "{bl}");
    let back = bibkit()
        .args(["convert", "--from", "biblatex", "--to", "csl-json"])
        .write_stdin(bl)
        .output()
        .unwrap();
    assert_eq!(back.stdout, csl.stdout);
}

#[test]
fn broken_csl_items_are_reported_and_the_rest_written() {
    let input = "[\n  {\"id\": \"a\", \"type\": \"book\", \"title\": \"A\"},\n  {\"id\": \"b\", \"type\": \"book\", \"title\": B},\n  {\"id\": \"c\", \"type\": \"book\", \"title\": \"C\"}\n]\n";
    bibkit()
        .args(["convert", "--from", "csl-json"])
        .write_stdin(input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("<stdin>:3:40: error[csl-syntax]"))
        .stdout(predicate::str::contains("@book{a,"))
        .stdout(predicate::str::contains("@book{c,"))
        .stdout(predicate::str::contains("@book{b,").not());
}

#[test]
fn rekey_generates_unique_keys_and_updates_crossrefs() {
    let out = bibkit()
        .args(["convert", "examples/refs.bib", "--rekey"])
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    // The key is made before the crossref is followed: no year.
    assert!(out.contains("@incollection{erdosproblems,"), "{out}");
    assert!(out.contains("@misc{unicode2024unicode,"), "{out}");
    assert!(out.contains("crossref = {fiedler1975recent}"), "{out}");
    assert!(out.contains("@proceedings{fiedler1975recent,"), "{out}");
    assert!(out.contains("@book{knuth1984texbook,"), "{out}");
}

#[test]
fn output_format_follows_the_output_name_and_takes_other_tools_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("refs.json");
    bibkit()
        .args(["convert", "examples/refs.bib", "-o", out.to_str().unwrap()])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert!(json.as_array().is_some_and(|a| !a.is_empty()));
    // `--to` wins over the name.
    let bib = dir.path().join("other.json");
    bibkit()
        .args([
            "convert",
            "examples/refs.bib",
            "--to",
            "bibtex",
            "-o",
            bib.to_str().unwrap(),
        ])
        .assert()
        .success();
    let text = std::fs::read_to_string(&bib).unwrap();
    assert!(!text.starts_with('[') && text.contains("\n@"), "{text}");
    for alias in ["csljson", "json", "csl-json"] {
        let out = bibkit()
            .args(["convert", "examples/refs.bib", "--to", alias])
            .output()
            .unwrap();
        assert!(out.status.success(), "{alias}");
        assert_eq!(out.stdout.first(), Some(&b'['), "{alias}");
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command as Std, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let big: String = (0..200_000)
        .map(|i| format!("@misc{{k{i}, title = {{Entry number {i}}}}}\n"))
        .collect();
    let path = dir.path().join("big.bib");
    std::fs::write(&path, big).unwrap();
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("bibkit"))
        .args(["convert", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        matches!(out.status.code(), Some(0) | None),
        "{:?}",
        out.status
    );
}
