//! Several `.bib` sources read as one bibliography, as BibTeX and biber read the files of
//! `\bibliography{a,b}`: macros carry forward, links resolve across files, duplicates name
//! both places, and every position belongs to its own file.

use std::sync::Arc;

use bibkit::formats::bibtex::{Lowering, Reader};

fn named<'a>(files: &[(&str, &'a str)]) -> Vec<(Option<Arc<str>>, &'a str)> {
    files
        .iter()
        .map(|(n, t)| (Some(Arc::from(*n)), *t))
        .collect()
}

#[test]
fn macros_of_an_earlier_file_are_known_later_not_earlier() {
    let parsed = Reader::new().read_sources(named(&[
        ("a.bib", "@article{early, journal = later}\n"),
        (
            "strings.bib",
            "@string{jacm = {J. ACM}}\n@string{later = {Later}}\n",
        ),
        ("b.bib", "@article{x, journal = jacm # { (online)}}\n"),
    ]));
    let b = &parsed.bibliography;
    assert_eq!(
        b.get("x")
            .unwrap()
            .get("journaltitle")
            .unwrap()
            .to_plain_string(),
        "J. ACM (online)"
    );
    // BibTeX reads the files in order: a macro must be defined before it is used.
    assert_eq!(
        b.get("early")
            .unwrap()
            .get("journaltitle")
            .unwrap()
            .to_plain_string(),
        "later"
    );
    let d: Vec<_> = parsed
        .diagnostics
        .iter()
        .map(|d| (d.rule, d.file.as_deref(), d.line, d.column))
        .collect();
    assert_eq!(d, [("undefined-macro", Some("a.bib"), 1, 27)]);
}

#[test]
fn a_later_definition_wins_from_there_on() {
    let parsed = Reader::new().read_sources(named(&[
        ("1.bib", "@string{v = {One}}\n@misc{a, note = v}\n"),
        (
            "2.bib",
            "@misc{b, note = v}\n@string{v = {Two}}\n@misc{c, note = v}\n",
        ),
    ]));
    let note = |k: &str| {
        parsed
            .bibliography
            .get(k)
            .unwrap()
            .get("note")
            .unwrap()
            .to_plain_string()
    };
    assert_eq!(
        (note("a"), note("b"), note("c")),
        ("One".into(), "One".into(), "Two".into())
    );
}

#[test]
fn crossref_and_xdata_resolve_across_files_both_ways() {
    let parsed = Reader::new().read_sources(named(&[
        ("parents.bib", "@proceedings{p, title = {Proc}, year = 2001, publisher = {ACM}}\n"),
        (
            "refs.bib",
            "@inproceedings{a, title = {A}, crossref = {p}}\n@inproceedings{b, title = {B}, xdata = {x}}\n",
        ),
        ("xdata.bib", "@xdata{x, publisher = {IEEE}}\n"),
    ]));
    let b = &parsed.bibliography;
    let a = b.get("a").unwrap();
    assert_eq!(a.get("booktitle").unwrap().to_plain_string(), "Proc");
    assert_eq!(a.date_in("date").unwrap().to_string(), "2001");
    assert_eq!(
        b.get("b")
            .unwrap()
            .get("publisher")
            .unwrap()
            .to_plain_string(),
        "IEEE"
    );
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
}

#[test]
fn duplicate_keys_across_files_name_both_places() {
    let parsed = Reader::new().read_sources(named(&[
        ("a.bib", "\n\n@book{Knuth84, title = {T}}\n"),
        ("b.bib", "@misc{z}\n@book{knuth84, title = {T}}\n"),
    ]));
    let d = &parsed.diagnostics[0];
    assert_eq!(
        (d.rule, d.file.as_deref(), d.line, d.column),
        ("duplicate-key", Some("b.bib"), 2, 7)
    );
    assert!(
        d.message.contains("already used as `Knuth84`"),
        "{}",
        d.message
    );
    assert!(d.message.contains("at a.bib:3"), "{}", d.message);
}

#[test]
fn positions_origins_and_syntax_errors_belong_to_their_file() {
    let parsed = Reader::new().read_sources(named(&[
        ("a.bib", "@misc{a1}\n@misc{a2}\n"),
        (
            "b.bib",
            "\n@misc{b1, title = {x}\n@misc{b2, author = {and}}\n",
        ),
    ]));
    let b = &parsed.bibliography;
    let origin = |k: &str| {
        let o = b.get(k).unwrap().origin.as_ref().unwrap();
        (o.file.as_deref().unwrap().to_string(), o.line)
    };
    assert_eq!(origin("a2"), ("a.bib".into(), 2));
    assert_eq!(origin("b2"), ("b.bib".into(), 3));
    let d: Vec<_> = parsed
        .diagnostics
        .iter()
        .map(|d| (d.rule, d.file.as_deref().unwrap(), d.line))
        .collect();
    assert!(d.contains(&("syntax", "b.bib", 3)), "{d:?}");
    assert!(d.iter().all(|x| x.1 == "b.bib"), "{d:?}");
}

#[test]
fn cycles_across_files_are_found_once() {
    let parsed = Reader::new().read_sources(named(&[
        ("a.bib", "@book{a, crossref = {b}}\n"),
        ("b.bib", "@book{b, crossref = {a}}\n"),
    ]));
    let cycles: Vec<_> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("cycle"))
        .collect();
    assert_eq!(cycles.len(), 1, "{:?}", parsed.diagnostics);
    assert_eq!(cycles[0].file.as_deref(), Some("a.bib"));
}

#[test]
fn entries_are_numbered_across_sources() {
    let l = Lowering::from_sources(
        named(&[
            ("a.bib", "@misc{a}\n"),
            ("empty.bib", "% nothing\n"),
            ("c.bib", "@misc{c}@misc{d}"),
        ]),
        Reader::new(),
    );
    assert_eq!(l.source_count(), 3);
    assert_eq!(l.len(), 3);
    assert_eq!(
        (l.entries_of(0), l.entries_of(1), l.entries_of(2)),
        (0..1, 1..1, 1..3)
    );
    assert_eq!((l.source_of(0), l.source_of(1), l.source_of(2)), (0, 2, 2));
    assert_eq!((l.key(2), l.position(2)), ("d", (1, 9)));
    assert_eq!(l.file(2).as_deref(), Some("c.bib"));
}

#[test]
fn checkpoints_restart_in_every_source() {
    // Positions are found from every eighth entry of a source: sources whose entry counts
    // are not multiples of eight must not shift them.
    let a: String = (0..11).map(|i| format!("@misc{{a{i}}}\n")).collect();
    let b: String = (0..21).map(|i| format!("\n@misc{{b{i}}}")).collect();
    let l = Lowering::from_sources(named(&[("a.bib", &a), ("b.bib", &b)]), Reader::new());
    for n in 0..11 {
        assert_eq!(l.position(n), (n as u32 + 1, 1));
    }
    for n in 11..32 {
        assert_eq!(l.position(n), (n as u32 - 11 + 2, 1), "entry {n}");
    }
}

#[test]
fn one_source_reads_as_before() {
    let text = "@string{j = {J}}\n@article{a, journal = j}\n@article{a, journal = j}";
    let one = Reader::new().file("x.bib").read(text);
    let many = Reader::new().read_sources(named(&[("x.bib", text)]));
    assert_eq!(one.bibliography.entries, many.bibliography.entries);
    assert_eq!(one.diagnostics, many.diagnostics);
}

mod cli {
    use assert_cmd::Command;

    fn bibkit() -> Command {
        Command::cargo_bin("bibkit").unwrap()
    }

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn convert_reads_consecutive_bib_files_as_one_bibliography() {
        let dir = project(&[
            ("abbrev.bib", "@string{jacm = {Journal of the ACM}}\n"),
            ("refs.bib", "@article{a, journal = jacm, crossref = {p}}\n"),
            (
                "parents.bib",
                "@proceedings{p, title = {Proc}, year = 2001}\n",
            ),
        ]);
        let out = bibkit()
            .current_dir(dir.path())
            .args([
                "convert",
                "abbrev.bib",
                "refs.bib",
                "parents.bib",
                "--to",
                "csl-json",
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json[0]["container-title"], "Journal of the ACM");
        assert_eq!(json[0]["issued"]["date-parts"][0][0], 2001);
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn a_file_named_twice_is_read_once() {
        let dir = project(&[("refs.bib", "@misc{a, title = {A}}\n")]);
        let out = bibkit()
            .current_dir(dir.path())
            .args(["convert", "refs.bib", "./refs.bib", "--to", "csl-json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 1);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("./refs.bib is refs.bib, named before; it is read once"),
            "{err}"
        );
    }

    #[test]
    fn check_resolves_macros_and_crossrefs_across_files() {
        let dir = project(&[
            ("strings.bib", "@string{acm = {ACM}}\n"),
            (
                "refs.bib",
                "@inproceedings{a, author = {A. Author}, title = {Paper}, crossref = {p}}\n\
                 @book{b, author = {B. Author}, title = {Book}, publisher = acm, year = 2001}\n",
            ),
            (
                "procs.bib",
                "@proceedings{p, title = {Proceedings}, year = 2001, publisher = acm}\n\
                 @misc{b, title = {Again}}\n",
            ),
        ]);
        let out = bibkit()
            .current_dir(dir.path())
            .args(["check", "strings.bib", "refs.bib", "procs.bib"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);

        let firsts: Vec<&str> = stdout
            .lines()
            .filter(|l| l.starts_with("procs.bib") || l.starts_with("refs.bib"))
            .collect();

        assert_eq!(
            firsts,
            [
                "procs.bib:2:7: error[duplicate-key]: duplicate key `b`: already used by a different kind of work (@book) at refs.bib:2; BibTeX and biber keep only the first, bibkit keeps both"
            ],
            "{stdout}"
        );
        assert_eq!(out.status.code(), Some(1));
        // `convert` reports the same problem in the same words, at the same place.
        let conv = bibkit()
            .current_dir(dir.path())
            .args(["convert", "strings.bib", "refs.bib", "procs.bib"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&conv.stderr);
        assert!(stderr.starts_with(firsts[0]), "{stderr}");
        assert_eq!(conv.status.code(), Some(1));
    }
}

mod encodings {
    use assert_cmd::Command;

    fn run(dir: &std::path::Path, args: &[&str]) -> (String, String, i32) {
        let out = Command::cargo_bin("bibkit")
            .unwrap()
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    }

    #[test]
    fn jabref_encoding_line_is_honoured_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("jab.bib"),
            b"% Encoding: windows-1252\r\n\r\n@Misc{m, title = {Caf\xe9 cr\xe8me}, author = {M\xfcller, Hans}, year = {2001}}\r\n",
        )
        .unwrap();
        let (out, err, code) = run(dir.path(), &["convert", "jab.bib", "--to", "csl-json"]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("Café crème") && out.contains("Müller"),
            "{out}"
        );
        assert!(
            err.starts_with(
                "bibkit: note: jab.bib: read as windows-1252, as its `% Encoding:` line says\n"
            ),
            "{err}"
        );
        assert!(
            !err.contains("error[") && !err.contains("warning["),
            "{err}"
        );
        let (out, err, code) = run(dir.path(), &["check", "jab.bib"]);
        assert_eq!((out.as_str(), code), ("", 0), "{err}");
    }

    #[test]
    fn check_takes_an_encoding() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("l.bib"), b"@misc{m, title = {Caf\xe9}}\n").unwrap();
        let (out, _, code) = run(dir.path(), &["check", "l.bib"]);
        assert_eq!(code, 1);
        assert!(out.contains("error[invalid-encoding]"), "{out}");
        let (out, err, code) = run(dir.path(), &["check", "l.bib", "--encoding", "latin1"]);
        assert_eq!((out.as_str(), code), ("", 0), "{err}");
    }

    #[test]
    fn one_error_per_record_and_one_for_a_binary_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("m.bib"),
            b"@misc{a, title = {Caf\xe9 cr\xe8me br\xfbl\xe9e}}\n\n@misc{b, title = {Fine}}\n@misc{c, note = {\xff\xfe}}\n",
        )
        .unwrap();
        let (out, _, code) = run(dir.path(), &["check", "m.bib", "--format", "json"]);
        assert_eq!(code, 1);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let enc: Vec<&serde_json::Value> = v
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "invalid-encoding")
            .collect();
        assert_eq!(enc.len(), 2, "{out}");
        assert!(
            enc[0]["message"]
                .as_str()
                .unwrap()
                .contains("4 places in this record"),
            "{out}"
        );
        let (_, err, code) = run(dir.path(), &["convert", "m.bib"]);
        assert_eq!(code, 1);
        assert_eq!(err.matches("error[invalid-encoding]").count(), 2, "{err}");
        // A binary file: one error, and nothing of it in the output.
        let mut binary = b"\x7fELF\x02\x01\x01\0\0\0\0\0".to_vec();
        for i in 0..20_000u32 {
            binary.extend_from_slice(&i.to_le_bytes());
            binary.extend_from_slice(b"\xff\xc3@misc{x");
        }
        std::fs::write(dir.path().join("bin.bib"), &binary).unwrap();
        let (out, err, code) = run(dir.path(), &["convert", "bin.bib"]);
        assert_eq!((out.as_str(), code), ("", 1));
        assert_eq!(
            err.lines().filter(|l| l.contains("error[")).count(),
            1,
            "{err}"
        );
        assert!(err.contains("binary file"), "{err}");
        let (out, _, code) = run(dir.path(), &["check", "bin.bib"]);
        assert_eq!(code, 1);
        assert_eq!(
            out.lines().filter(|l| l.contains("error[")).count(),
            1,
            "{out}"
        );
    }
}

#[test]
fn fmt_keeps_a_jabref_file_in_its_declared_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jab.bib");
    std::fs::write(
        &path,
        b"% Encoding: windows-1252\n\n@Misc{m,\ntitle={Caf\xe9}}\n",
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("bibkit")
        .unwrap()
        .args(["fmt", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout,
        b"% Encoding: windows-1252\n\n@misc{m,\n  title = {Caf\xe9},\n}\n"
    );
}
