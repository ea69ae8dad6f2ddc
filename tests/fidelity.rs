//! Fidelity on real exports: what reference managers and databases write, converted
//! without data that is wrong or lost. Each test is named after the problem it guards.

use assert_cmd::Command;

mod common;

/// `bibkit convert` on `input` (a `.bib` text) with `args`: stdout, stderr, exit code.
fn convert(input: &str, args: &[&str]) -> (String, String, i32) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.bib"), input).unwrap();
    let args: Vec<&str> = ["convert", "in.bib"]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
    common::bibkit(dir.path(), &args)
}

/// The field names written for each entry of a BibTeX text, in order.
fn field_names(bib: &str) -> Vec<Vec<String>> {
    let parsed = bibkit::formats::bibtex::read(bib);
    assert!(
        parsed.diagnostics.iter().all(|d| d.rule != "syntax"),
        "{bib}"
    );
    let mut out = Vec::new();
    for line in bib.lines() {
        if line.starts_with('@') {
            out.push(Vec::new());
        } else if let Some((name, _)) = line.trim().split_once(" = ").or_else(|| {
            let t = line.trim();
            t.find('=').map(|i| (&t[..i], &t[i..]))
        }) {
            if let Some(last) = out.last_mut() {
                last.push(name.trim().to_string());
            }
        }
    }
    out
}

#[test]
fn a_field_is_never_written_twice() {
    let input = "@article{arx, title={T}, eprint = {1807.00144}, archivePrefix = {arXiv}, eprinttype = {arxiv},\n\
                 address = {Paris}, location = {Lyon}, keywords = {a, b}, keywords = {B; c}, year = 2018}\n";
    for to in ["bibtex", "biblatex"] {
        let (out, err, code) = convert(input, &["--to", to]);
        assert_eq!(code, 0, "{err}");
        let names = &field_names(&out)[0];
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(names.len(), unique.len(), "{to}: {out}");
        // Keywords from both fields, as one list.
        assert!(out.contains("{a, b, B; c}"), "{out}");
        // The dialect's own name wins: BibTeX reads `address`, biber `location`.
        if to == "bibtex" {
            assert!(
                out.contains("address       = {Paris}") && !out.contains("Lyon"),
                "{out}"
            );
            assert!(out.contains("archiveprefix = {arXiv}"), "{out}");
        } else {
            // biber maps `address` only onto an entry without `location`: both are kept.
            assert!(
                out.contains("location      = {Lyon}") && out.contains("address       = {Paris}"),
                "{out}"
            );
        }
        // The values that disagree are reported once, saying which each side keeps;
        // `arXiv`/`arxiv` agree.
        let warned: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("warning[duplicate-field]"))
            .collect();
        assert_eq!(warned.len(), 2, "{err}"); // the two `keywords`, address/location
        assert!(
            warned
                .iter()
                .any(|l| l.contains("`address` = {Paris} and `location` = {Lyon}")),
            "{err}"
        );
    }
}

/// The CSL-JSON of a `.bib` text.
fn csl(input: &str) -> serde_json::Value {
    let (out, err, _) = convert(input, &["--to", "csl-json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"))
}

#[test]
fn dates_bibtex_can_read() {
    let input = "@article{season, title={W}, journal={J}, month = {Winter}, year = 2001}\n\
                 @article{months, title={R}, journal={J}, month = oct # \"--\" # nov, year = 2001}\n\
                 @article{years, title={Y}, journal={J}, year = {2001--2002}}\n\
                 @article{across, title={X}, journal={J}, date = {2001-12/2002-01}}\n";
    let (bib, err, code) = convert(input, &["--to", "bibtex"]);
    assert_eq!(code, 0, "{err}");
    for written in [
        "  year    = {2001},\n  month   = {Winter},\n",
        "  year    = {2001},\n  month   = oct # \"--\" # nov,\n",
        "  year    = {2001--2002},\n}",
        // No year/month form: `date` keeps it, with `year` for BibTeX's styles.
        "  year    = {2001},\n  date    = {2001-12/2002-01},\n",
    ] {
        assert!(bib.contains(written), "{written:?} in\n{bib}");
    }
    assert!(!bib.contains("date    = {2001-24}"), "{bib}");
    // Read again, the dates are the same and `year` does not move into `custom`.
    let (direct, again) = (csl(input), csl(&bib));
    assert_eq!(direct, again);
    for item in again.as_array().unwrap() {
        assert!(item.get("custom").is_none(), "{item}");
    }
    assert_eq!(again[0]["issued"]["season"], 4);
    assert_eq!(
        again[1]["issued"]["date-parts"],
        serde_json::json!([[2001, 10], [2001, 11]])
    );
}

#[test]
fn entry_types_and_type_fields_survive_bibtex_output() {
    let input = "@article{a, title={A}, journal={J}, type = {Journal Article}, year = 2001}\n\
                 @misc{m, title={M}, type = {Journal Article}, year = 2001}\n\
                 @techreport{r, title={R}, institution={I}, type = {Research Report}, year = 2001}\n\
                 @report{k, title={K}, institution={I}, type = {resreport}, year = 2001}\n\
                 @online{o, title={O}, url={https://example.org}, year = 2001}\n\
                 @software{s, title={S}, version={1.0}, year = 2001}\n\
                 @dataset{d, title={D}, year = 2001}\n\
                 @standard{t, title={T}, year = 2001}\n\
                 @periodical{p, title={P}, year = 2001}\n\
                 @collection{c, title={C}, editor={E. Editor}, year = 2001}\n\
                 @mvbook{v, title={V}, author={A. Author}, year = 2001}\n";
    let (bib, err, code) = convert(input, &["--to", "bibtex"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        bib.contains("@article{a,") && bib.contains("type    = {Journal Article}"),
        "{bib}"
    );
    assert!(
        bib.contains("@misc{m,") && bib.contains("type  = {Journal Article}"),
        "{bib}"
    );
    // Never re-cased; a BibLaTeX key is written in English for BibTeX's styles.
    assert!(
        bib.contains("{Research Report}") && !bib.contains("{Research report}\n"),
        "{bib}"
    );
    assert!(
        bib.contains("@techreport{k,") && bib.contains("type        = {Research report}"),
        "{bib}"
    );
    // Types BibTeX lacks: its nearest type, and `entrytype` to restore them.
    for (key, fallback, own) in [
        ("o", "misc", "online"),
        ("s", "misc", "software"),
        ("d", "misc", "dataset"),
        ("t", "misc", "standard"),
        ("p", "misc", "periodical"),
        ("c", "book", "collection"),
        ("v", "book", "mvbook"),
    ] {
        let start = bib
            .find(&format!("@{fallback}{{{key},"))
            .unwrap_or_else(|| panic!("{key}: {bib}"));
        let entry = &bib[start..start + bib[start..].find("\n}\n").unwrap()];
        assert!(entry.contains(&format!("entrytype = {{{own}}}")), "{entry}");
    }
    // bib → BibTeX → bib → CSL-JSON is the same as bib → CSL-JSON.
    assert_eq!(csl(input), csl(&bib));
    let again = bibkit::formats::bibtex::read(&bib).bibliography;
    let kinds: Vec<&str> = again.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "article",
            "misc",
            "techreport",
            "techreport",
            "online",
            "software",
            "dataset",
            "standard",
            "periodical",
            "collection",
            "mvbook"
        ]
    );
}

/// `bibkit check` on a `.bib` text: stdout, exit code.
fn check(input: &str) -> (String, i32) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("refs.bib"), input).unwrap();
    let (out, _, code) = common::bibkit(dir.path(), &["check", "refs.bib"]);
    (out, code)
}

#[test]
fn unescaped_special_is_quiet_on_fields_never_typeset() {
    // As INSPIRE, ADS, BibDesk, Mendeley and JabRef write them.
    let input = "@article{Gaia:2018ydn,\n\
                 author = {Brown, A. G. A.},\n\
                 title = {{Gaia Data Release 2}},\n\
                 journal = {Astron. Astrophys.},\n\
                 year = {2018},\n\
                 SLACcitation = \"%%CITATION = ARXIV:1804.09365;%%\",\n\
                 adsurl = {https://ui.adsabs.harvard.edu/abs/2018A&A...616A...1G},\n\
                 adsnote = {Provided by the SAO/NASA Astrophysics Data System},\n\
                 bdsk-url-1 = {https://example.org/a_b?x=1&y=2},\n\
                 mendeley-groups = {Stars & Co},\n\
                 groups = {Ecology_and_Power},\n\
                 file = {:Gaia_2018.pdf:PDF},\n\
                 note = {Stars & galaxies},\n\
                 }\n";
    let (out, _) = check(input);
    let specials: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("unescaped-special"))
        .collect();
    // Only `note`, which styles print.
    assert_eq!(specials.len(), 1, "{out}");
    assert!(specials[0].contains("`note` has a bare `&`"), "{out}");
}

#[test]
fn jabref_groups_are_verbatim() {
    let input = "@misc{g, title = {G}, groups = {Ecology_and_Power, R&D}, year = 2001}\n";
    for to in ["bibtex", "biblatex"] {
        let (out, err, code) = convert(input, &["--to", to]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("groups = {Ecology_and_Power, R&D}"), "{out}");
    }
    let item = &csl(input)[0];
    assert_eq!(item["custom"]["groups"], "Ecology_and_Power, R&D");
}

#[test]
fn unusual_von_parts_survive_a_write_and_a_leading_tie_is_a_separator() {
    use bibkit::formats::bibtex::{self, Dialect, WriteOptions};
    let input = "@misc{a, author = {P.~and~GaiaTools~Committee~Balm}, title = {N}}\n\
                 @misc{b, author = {A. R. R. {Freitas}and Guimar{\\~a}es and Ludwig van Beethoven}, title = {N}}\n\
                 @misc{c, author = {{~{Busonero D.}}}, title = {N}}\n\
                 @misc{d, author = {{{Busonero D.}}}, title = {N}}\n";
    let first = bibtex::read(input).bibliography;
    let names = |b: &bibkit::model::Bibliography| -> Vec<bibkit::model::NameList> {
        b.entries
            .iter()
            .map(|e| match e.get("author") {
                Some(bibkit::model::Value::Names(n)) => n.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let read = names(&first);
    match &read[0].names[0] {
        bibkit::model::Name::Person(p) => {
            assert_eq!(
                (p.given.as_str(), p.particle.as_str(), p.family.as_str()),
                ("P.", "and", "GaiaTools Committee Balm")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(read[0].names.len(), 1, "`~and~` does not separate names");
    // A leading tie is a separator, not part of the name.
    assert_eq!(read[2], read[3]);
    for dialect in [Dialect::Bibtex, Dialect::Biblatex] {
        let written = bibtex::write(&first, &WriteOptions::new().dialect(dialect));
        let again = names(&bibtex::read(&written).bibliography);
        assert_eq!(again, read, "{dialect:?}:\n{written}");
    }
}

#[test]
fn braces_are_counted_as_bibtex_counts_them() {
    // `{C:\dir\}` is a whole value for BibTeX (a backslash does not escape a brace): the
    // entry and the one after it are read.
    let input = "@misc{f, title = {F}, file = {C:\\dir\\}, year = 2001}\n\
                 @misc{after, title = {After}, year = 2001}\n";
    let parsed = bibkit::formats::bibtex::read(input);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let keys: Vec<&str> = parsed
        .bibliography
        .entries
        .iter()
        .map(|e| e.key.as_str())
        .collect();
    assert_eq!(keys, ["f", "after"]);
    assert_eq!(
        parsed.bibliography.entries[0]
            .get("file")
            .unwrap()
            .to_plain_string(),
        "C:\\dir\\"
    );
    // An entry that parses only with `\{` as a literal brace (a typo for `{\'e}`) is
    // still read, with a warning, and written so that BibTeX can read it.
    let typo = "@article{t93, author = {Sylvie Thi\\{'ebaux}, title = {T}, year = 1993}\n\
                @misc{b, title = {B}}\n";
    let (bib, err, code) = convert(typo, &["--to", "bibtex"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning[escaped-brace]") && err.contains("(entry `t93`)"),
        "{err}"
    );
    assert!(
        bib.contains("author = {Thi\\textbraceleft{}'ebaux, Sylvie}"),
        "{bib}"
    );
    assert!(bibkit::syntax::balanced(&bib));
    let again = bibkit::formats::bibtex::read(&bib);
    assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
    assert_eq!(again.bibliography.len(), 2);
    // `fmt` prints such an entry as written (moving its parts could change how it reads).
    let formatted = bibkit::fmt::format(typo, &bibkit::fmt::FmtOptions::default());
    assert!(
        formatted.text.starts_with(
            "@article{t93, author = {Sylvie Thi\\{'ebaux}, title = {T}, year = 1993}\n"
        ),
        "{}",
        formatted.text
    );
}

#[test]
fn duplicate_ids_in_csl_json_are_made_unique_and_reported() {
    // Two items with one id: reported on reading, and written with ids of their own.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("in.json"),
        r#"[{"id": "x", "type": "book", "title": "A"}, {"id": "x", "type": "book", "title": "B"}, {"id": "x-2", "type": "book", "title": "C"}]"#,
    )
    .unwrap();
    let run = |to: &str| {
        let out = Command::cargo_bin("bibkit")
            .unwrap()
            .current_dir(dir.path())
            .args(["convert", "in.json", "--to", to])
            .output()
            .unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
            out.status.code(),
        )
    };
    let (json, err, code) = run("csl-json");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("in.json:1:45: error[duplicate-key]"), "{err}");
    let items: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    // In output order: the second item takes `x-2`, so the third (`x-2`) gets one too.
    assert_eq!(ids, ["x", "x-2", "x-2-2"]);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3, "{ids:?}");
    assert_eq!(items[1]["citation-key"], "x");
    assert!(err.contains("warning[duplicate-id]"), "{err}");
    // To BibTeX both entries are written; the repeat is the same error.
    let (bib, err, _) = run("bibtex");
    assert_eq!(bib.matches("@book{x,").count(), 2, "{bib}");
    assert!(err.contains("error[duplicate-key]"), "{err}");
    // From a .bib file with an exact repeat, too.
    let (out, err, _) = convert(
        "@misc{x, title={A}}\n@misc{x, title={B}}\n",
        &["--to", "csl-json"],
    );
    assert!(out.contains("\"id\": \"x-2\""), "{out}");
    assert!(err.contains("in.bib:2:1: warning[duplicate-id]"), "{err}");
}

#[test]
fn a_stray_latin1_byte_loses_no_record_with_lossy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("in.bib"),
        b"@misc{a, title = {Caf\xe9 cr\xe8me}}\n@misc{b, title = {Fine \x9d}}\n@misc{c, title = {ok}}\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = Command::cargo_bin("bibkit")
            .unwrap()
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .args(["convert", "in.bib", "--to", "csl-json"])
            .args(extra)
            .output()
            .unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
            out.status.code(),
        )
    };
    // Without it: one error per record, and the records are skipped.
    let (json, err, code) = run(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(err.matches("error[invalid-encoding]").count(), 2, "{err}");
    assert!(err.contains("`--lossy`"), "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // With it: every record, a warning naming the byte, and no C1 control in the output.
    let (json, err, code) = run(&["--lossy"]);
    assert_eq!(code, Some(0), "{err}");
    let items: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 3);
    assert_eq!(items[0]["title"], "Café crème");
    assert_eq!(items[1]["title"], "Fine \u{fffd}");
    assert!(err.contains("in.bib:1:22: warning[lossy-byte]: byte 0xE9 is not UTF-8 (2 places in this line); read as `é`"), "{err}");
    assert!(
        err.contains(
            "in.bib:2:24: warning[lossy-byte]: byte 0x9D is not UTF-8, nor a windows-1252 character"
        ),
        "{err}"
    );
}

#[test]
fn dates_from_real_exports() {
    use bibkit::date::parse;
    let s = |d: &str| parse(d).map(|d| d.to_string());
    // biblatex datetime ranges: a time at each end.
    assert_eq!(
        s("2004-04-25T14:34:00/2004-04-26T14:37:06").as_deref(),
        Some("2004-04-25T14:34:00/2004-04-26T14:37:06")
    );
    // Day.month.year.
    assert_eq!(s("1.1.2000").as_deref(), Some("2000-01-01"));
    assert_eq!(s("25.12.2001").as_deref(), Some("2001-12-25"));
    assert_eq!(s("31.2.2001"), None);
    // Zero month and day: the year.
    assert_eq!(s("2000-00-00").as_deref(), Some("2000"));
    assert_eq!(s("2000-00").as_deref(), Some("2000"));
    // A negative year with every digit unspecified keeps its sign.
    assert_eq!(s("-XXXX-12-XX").as_deref(), Some("-XXXX-12-XX"));
    assert_eq!(s("-XX00").as_deref(), Some("-XX00"));
    // In a conversion: no invalid-date warning, and the CSL date parts.
    let input = "@misc{a, title={A}, date={2004-04-25T14:34:00/2004-04-26T14:37:06}}\n\
                 @misc{b, title={B}, date={1.1.2000}}\n@misc{c, title={C}, date={2000-00-00}}\n\
                 @misc{d, title={D}, date={-XXXX-12-XX}}\n";
    let (out, err, code) = convert(input, &["--to", "csl-json"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("invalid-date"), "{err}");
    let items: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        items[0]["issued"]["date-parts"],
        serde_json::json!([[2004, 4, 25], [2004, 4, 26]])
    );
    assert_eq!(
        items[1]["issued"]["date-parts"],
        serde_json::json!([[2000, 1, 1]])
    );
    assert_eq!(
        items[2]["issued"]["date-parts"],
        serde_json::json!([[2000]])
    );
    assert_eq!(items[3]["issued"]["raw"], "-XXXX-12-XX");
    let (bib, _, _) = convert(input, &["--to", "biblatex"]);
    assert!(bib.contains("date  = {-XXXX-12-XX}"), "{bib}");
}
