//! `bibkit convert` between the hub's formats, end to end, on fixtures written for these
//! tests (`tests/fixtures/formats/`): the format is told from the content when the name
//! does not say it, every loss is a line naming the file and the line, and `--format
//! json` gives the same report to scripts.

mod common;

use std::path::PathBuf;

use common::bibkit;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats")
}

/// The rules of a `--format json` report, in order.
fn rules(err: &str) -> Vec<String> {
    let report: Vec<serde_json::Value> = serde_json::from_str(err).expect(err);
    report
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn pubmed_nbib_to_csl_json_keeps_identifiers_and_reports_the_rest() {
    let (out, err, code) = bibkit(&fixtures(), &["convert", "pubmed.nbib", "--to", "csl-json"]);
    assert_eq!(code, 0, "{err}");
    let items: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["PMID"], "31000001");
    assert_eq!(items[0]["PMCID"], "PMC7000001");
    assert_eq!(items[0]["DOI"], "10.1000/estuary.2020.001");
    // `PG 512-9` is pages 512 to 519; `DP 2019 Mar-Apr` a range of months.
    assert_eq!(items[0]["page"], "512-519");
    assert_eq!(
        items[1]["issued"]["date-parts"],
        serde_json::json!([[2019, 3], [2019, 4]])
    );
    // The continuation line is part of the title.
    assert!(
        items[0]["title"]
            .as_str()
            .unwrap()
            .ends_with("a year of moored sensors.")
    );
    // What CSL-JSON cannot hold (the ORCID, the affiliations) and what the model has no
    // place for (`OWN`, `STAT`, …) are said, with the file and line.
    assert!(err.contains("pubmed.nbib:1:1: warning[not-written]: CSL-JSON has no place for the ORCID 0000-0002-1825-0097 of Nkechi Okafor (author)"), "{err}");
    assert!(
        err.contains("pubmed.nbib:2:1: warning[medline-dropped]"),
        "{err}"
    );
    assert!(err.contains("OWN (line 2)"), "{err}");
    // Told from the extension: nothing to say about the format.
    assert!(!err.contains("format-detected"), "{err}");
}

#[test]
fn a_ris_file_that_is_web_of_science_is_read_as_such_and_says_so() {
    let (out, err, code) = bibkit(&fixtures(), &["convert", "savedrecs.ris"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.starts_with("savedrecs.ris: note[format-detected]: read as Web of Science tagged text (`--from wos`), told from its content: its extension says RIS\n"), "{err}");
    assert!(
        out.starts_with(
            "@article{okafor2021graph,\n  author    = {Okafor, Nkechi and Lind, Astrid},\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("  accession = {WOS:000000000000001},\n"),
        "{out}"
    );
    assert!(out.contains("  pages     = {33--47},\n"), "{out}");
    // `--from wos` says the same without the note.
    let (again, err2, code) = bibkit(&fixtures(), &["convert", "savedrecs.ris", "--from", "wos"]);
    assert_eq!(code, 0, "{err2}");
    assert_eq!(again, out);
    assert!(!err2.contains("format-detected"), "{err2}");
    // `--from ris` reads it as RIS, which it is not: no record, and errors that say so.
    let (_, err3, _) = bibkit(
        &fixtures(),
        &[
            "convert",
            "savedrecs.ris",
            "--from",
            "ris",
            "--format",
            "json",
        ],
    );
    assert!(!rules(&err3).is_empty());
}

#[test]
fn the_loss_report_of_every_input_is_one_json_array() {
    let (_, err, code) = bibkit(
        &fixtures(),
        &[
            "convert",
            "pubmed.nbib",
            "savedrecs.ris",
            "--to",
            "ris",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let rules = rules(&err);
    assert!(rules.contains(&"medline-dropped".to_string()), "{rules:?}");
    assert!(rules.contains(&"format-detected".to_string()), "{rules:?}");
    // RIS has no tag for an ORCID either.
    assert!(rules.contains(&"not-written".to_string()), "{rules:?}");
    let report: Vec<serde_json::Value> = serde_json::from_str(&err).unwrap();
    for d in &report {
        let file = d["file"].as_str().unwrap_or("");
        assert!(file == "pubmed.nbib" || file == "savedrecs.ris", "{d}");
    }
}

/// The console example of the README's "Converting" section, run on a copy of the
/// fixtures: each command succeeds, and each line shown under it is a line it prints.
#[test]
fn the_readme_conversion_examples_print_what_they_show() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("\n## Converting").expect("the section")..];
    let start = section.find("```console\n").expect("an example") + "```console\n".len();
    let block = &section[start..start + section[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(fixtures()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let mut commands = 0;
    let mut lines = block.lines().peekable();
    while let Some(line) = lines.next() {
        let command = line.strip_prefix("$ bibkit ").expect(line);
        let args: Vec<&str> = command.split_whitespace().collect();
        let (_, err, code) = bibkit(dir.path(), &args);
        assert_eq!(code, 0, "{command}: {err}");
        let printed: Vec<&str> = err.lines().collect();
        while let Some(shown) = lines.next_if(|l| !l.starts_with("$ ")) {
            assert!(
                printed.contains(&shown),
                "{command}: `{shown}` not in\n{err}"
            );
        }
        commands += 1;
    }
    assert!(commands >= 3);
    // What the commands wrote reads back.
    for f in ["refs.bib", "pubmed.json", "CITATION.cff", "refs.yml"] {
        let (_, err, code) = bibkit(dir.path(), &["convert", f, "--to", "csl-json"]);
        assert_eq!(code, 0, "{f}: {err}");
    }
}

#[test]
fn bib_to_hayagriva_and_csl_yaml_and_back() {
    for (to, ext) in [("hayagriva", "yml"), ("csl-yaml", "yaml")] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            fixtures().join("software.bib"),
            dir.path().join("software.bib"),
        )
        .unwrap();
        let out = format!("refs.{ext}");
        let (_, err, code) = bibkit(
            dir.path(),
            &["convert", "software.bib", "--to", to, "-o", &out],
        );
        assert_eq!(code, 0, "{to}: {err}");
        // Told from the content (a `.yml` says nothing), read back to the same keys.
        let (bib, err, code) = bibkit(dir.path(), &["convert", &out, "--to", "biblatex"]);
        assert_eq!(code, 0, "{to}: {err}");
        assert!(err.contains("told from its content"), "{to}: {err}");
        for key in [
            "@software{tidekit,",
            "@article{okafor2020tidal,",
            "@inproceedings{lind2019graph,",
        ] {
            assert!(bib.contains(key), "{to}: no {key} in\n{bib}");
        }
        assert!(
            bib.contains("journaltitle = {Journal of Example Oceanography}"),
            "{to}: {bib}"
        );
    }
}
