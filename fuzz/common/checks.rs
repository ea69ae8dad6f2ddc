//! The checks the fuzz targets (`fuzz/fuzz_targets/`) run on each input, shared with
//! `tests/fuzz_regressions.rs`, which runs them on every input a fuzzer ever failed on.
//! Each panics, naming the input, when a property does not hold.

use bibkit::convert::{Converter, Target};
use bibkit::fmt::{FmtOptions, SortEntries, format};
use bibkit::formats::bibtex::{self, Dialect, WriteOptions};
use bibkit::formats::{csl_json, listing};

/// The `.bib` reader: printing the tree gives back the input, the items tile it, lowering
/// and writing never panic, BibTeX output re-reads without syntax errors and with the same
/// number of entries, writing is idempotent (BibTeX and BibLaTeX output converted again
/// gives the same bytes), CSL-JSON output is valid JSON and a fixed point, and `bibkit fmt`
/// is idempotent and lossless ([`check_fmt`]).
pub fn check_bib(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    let text = &decoded.text;
    let tree = bibkit::syntax::parse(text);
    assert_eq!(tree.to_string(), *text, "{name}: print(parse(x)) != x");
    let mut pos = 0;
    for item in tree.items() {
        assert_eq!(
            item.span().start,
            pos,
            "{name}: items do not tile the input"
        );
        pos = item.span().end;
    }
    assert_eq!(pos, text.len());
    let parsed = bibtex::Reader::new().lower(&tree);
    let out = bibtex::write(&parsed.bibliography, &bibtex::WriteOptions::new());
    let again = bibkit::syntax::parse(&out);
    assert!(
        again.diagnostics().is_empty(),
        "{name}: written BibTeX does not re-read: {:?}\n{out}",
        again.diagnostics()
    );
    assert_eq!(
        again
            .blocks()
            .filter(|b| b.block_kind() == bibkit::syntax::BlockKind::Entry)
            .count(),
        parsed.bibliography.len(),
        "{name}: entry count changed\n{out}"
    );
    for dialect in [bibtex::Dialect::Bibtex, bibtex::Dialect::Biblatex] {
        let opts = bibtex::WriteOptions::new().dialect(dialect);
        let once = bibtex::write(&parsed.bibliography, &opts);
        let twice = bibtex::write(&bibtex::Reader::new().read(&once).bibliography, &opts);
        assert_eq!(once, twice, "{name}: {dialect:?} output is not idempotent");
    }
    let json = csl_json::to_string(&parsed.bibliography);
    serde_json::from_str::<serde_json::Value>(&json)
        .unwrap_or_else(|e| panic!("{name}: CSL-JSON: {e}\n{json}"));
    let back = csl_json::to_string(&csl_json::read(&json).bibliography);
    assert_eq!(
        json, back,
        "{name}: CSL-JSON read and written again differs"
    );
    let mut conv = Converter::new(Vec::new(), Target::CslJson);
    let _ = conv.bibtex(&decoded, None, None);
    let streamed = conv.finish().unwrap();
    serde_json::from_slice::<serde_json::Value>(&streamed)
        .unwrap_or_else(|e| panic!("{name}: streamed CSL-JSON: {e}"));
    check_fmt(text, name);
    check_units(text, name);
}

/// The listing reader: no panic, every diagnostic has a line, CSL-JSON output is JSON and
/// BibTeX output re-reads without syntax errors.
pub fn check_listing(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = listing::read(&decoded.text);
    for d in &parsed.diagnostics {
        assert!(d.line >= 1, "{name}: diagnostic without a line");
    }
    let json = csl_json::to_string(&parsed.bibliography);
    serde_json::from_str::<serde_json::Value>(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = bibtex::write(&parsed.bibliography, &bibtex::WriteOptions::new());
    assert!(
        bibkit::syntax::parse(&out).diagnostics().is_empty(),
        "{name}: {out}"
    );
}

/// The RIS reader: every diagnostic has a line, the writer's output reads again without
/// warnings to the same text, and its BibLaTeX output parses cleanly with the same number
/// of entries.
pub fn check_ris(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = bibkit::formats::ris::read(&decoded.text);
    for d in &parsed.diagnostics {
        assert!(d.line >= 1, "{name}: diagnostic without a line: {d:?}");
    }
    let out = bibkit::formats::ris::to_string(&parsed.bibliography);
    let again = bibkit::formats::ris::read(&out);
    assert_eq!(
        again.bibliography.len(),
        parsed.bibliography.len(),
        "{name}: entry count changed\n{out}"
    );
    assert!(
        again
            .diagnostics
            .iter()
            .all(|d| d.severity == bibkit::diagnostic::Severity::Info),
        "{name}: {:?}\n{out}",
        again.diagnostics
    );
    assert_eq!(
        out,
        bibkit::formats::ris::to_string(&again.bibliography),
        "{name}"
    );
    let bib = bibtex::write(&parsed.bibliography, &bibtex::WriteOptions::new());
    assert!(
        bibkit::syntax::parse(&bib).diagnostics().is_empty(),
        "{name}: {bib}"
    );
}

/// A reader without a writer (MEDLINE, Web of Science): no panic, every diagnostic has a
/// line, every entry a key, and its BibLaTeX re-reads without errors to as many entries
/// with the same keys and types.
fn check_reader(data: &[u8], name: &str, read: fn(&str) -> bibkit::formats::Parsed) {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = read(&decoded.text);
    for d in &parsed.diagnostics {
        assert!(d.line >= 1, "{name}: diagnostic without a line: {d:?}");
    }
    for e in &parsed.bibliography.entries {
        assert!(!e.key.is_empty(), "{name}: entry without a key: {e:?}");
    }
    let opts = WriteOptions::new().dialect(Dialect::Biblatex);
    let bib = bibtex::write(&parsed.bibliography, &opts);
    let back = bibtex::read(&bib);
    assert!(!back.has_errors(), "{name}: {:?}\n{bib}", back.diagnostics);
    let kinds = |b: &bibkit::model::Bibliography| -> Vec<(String, String)> {
        b.entries
            .iter()
            .map(|e| (e.key.clone(), e.kind.clone()))
            .collect()
    };
    assert_eq!(
        kinds(&back.bibliography),
        kinds(&parsed.bibliography),
        "{name}\n{bib}"
    );
}

/// The MEDLINE reader (see [`check_reader`]).
pub fn check_medline(data: &[u8], name: &str) {
    check_reader(data, name, bibkit::formats::medline::read);
}

/// The Web of Science reader (see [`check_reader`]).
pub fn check_wos(data: &[u8], name: &str) {
    check_reader(data, name, bibkit::formats::wos::read);
}

/// The EndNote tagged reader: every diagnostic has a line, and the EndNote XML writer's
/// output of what it read is checked as [`check_endnote_xml`] checks it.
pub fn check_endnote(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = bibkit::formats::endnote::read(&decoded.text);
    for d in &parsed.diagnostics {
        assert!(d.line >= 1, "{name}: diagnostic without a line: {d:?}");
    }
    check_endnote_xml_output(&parsed.bibliography, name);
}

/// The EndNote XML reader: every diagnostic has a line, the writer's output reads again
/// without warnings to the same fields and the same text, and its BibTeX output parses
/// cleanly.
pub fn check_endnote_xml(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = bibkit::formats::endnote_xml::read(&decoded.text);
    for d in &parsed.diagnostics {
        assert!(d.line >= 1, "{name}: diagnostic without a line: {d:?}");
    }
    check_endnote_xml_output(&parsed.bibliography, name);
}

fn check_endnote_xml_output(bib: &bibkit::model::Bibliography, name: &str) {
    use bibkit::formats::endnote_xml;
    let out = endnote_xml::to_string(bib);
    assert!(
        endnote_xml::sniff(&out),
        "{name}: output not sniffed\n{out}"
    );
    let again = endnote_xml::read(&out);
    assert_eq!(
        again.bibliography.len(),
        bib.len(),
        "{name}: entry count changed\n{out}"
    );
    assert!(
        again
            .diagnostics
            .iter()
            .all(|d| d.severity == bibkit::diagnostic::Severity::Info),
        "{name}: {:?}\n{out}",
        again.diagnostics
    );
    for (a, b) in bib.entries.iter().zip(&again.bibliography.entries) {
        let mut x: Vec<_> = a.fields.iter().map(|f| (&f.name, &f.value)).collect();
        let mut y: Vec<_> = b.fields.iter().map(|f| (&f.name, &f.value)).collect();
        x.sort_by(|p, q| p.0.cmp(q.0));
        y.sort_by(|p, q| p.0.cmp(q.0));
        assert_eq!((&a.kind, x), (&b.kind, y), "{name}\n{out}");
    }
    assert_eq!(out, endnote_xml::to_string(&again.bibliography), "{name}");
    let bib = bibtex::write(bib, &bibtex::WriteOptions::new());
    assert!(
        bibkit::syntax::parse(&bib).diagnostics().is_empty(),
        "{name}: {bib}"
    );
}

/// The CITATION.cff reader: no panic, every diagnostic has a line, the writer's output
/// reads back without errors or warnings to at most as many entries (identical
/// references are written once), and is a fixed point (written again, the same bytes);
/// the entries' BibTeX parses.
pub fn check_cff(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = bibkit::formats::cff::read(&decoded.text);
    for d in &parsed.diagnostics {
        assert!(d.line >= 1, "{name}: diagnostic without a line: {d:?}");
    }
    let (out, _) = bibkit::formats::cff::write(&parsed.bibliography.entries);
    if parsed.bibliography.is_empty() {
        assert!(out.is_empty(), "{name}: output without entries\n{out}");
        return;
    }
    let again = bibkit::formats::cff::read(&out);
    assert!(
        again
            .diagnostics
            .iter()
            .all(|d| d.severity == bibkit::diagnostic::Severity::Info),
        "{name}: {:?}\n{out}",
        again.diagnostics
    );
    assert!(
        again.bibliography.len() <= parsed.bibliography.len() + 1,
        "{name}: entry count grew\n{out}"
    );
    assert_eq!(
        out,
        bibkit::formats::cff::write(&again.bibliography.entries).0,
        "{name}: not a fixed point"
    );
    let bib = bibtex::write(&parsed.bibliography, &bibtex::WriteOptions::new());
    assert!(
        bibkit::syntax::parse(&bib).diagnostics().is_empty(),
        "{name}: {bib}"
    );
}

/// The CSL-JSON reader: output is valid JSON, reads again without errors to the same bytes,
/// and its BibLaTeX output re-reads with the same number of entries.
pub fn check_csl(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = csl_json::read(&decoded.text);
    let json = csl_json::to_string(&parsed.bibliography);
    serde_json::from_str::<serde_json::Value>(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
    let again = csl_json::read(&json);
    assert!(!again.has_errors(), "{name}: {:?}", again.diagnostics);
    assert_eq!(json, csl_json::to_string(&again.bibliography), "{name}");
    let opts = bibtex::WriteOptions::new().dialect(bibtex::Dialect::Biblatex);
    let bib = bibtex::write(&parsed.bibliography, &opts);
    assert_eq!(
        bibtex::Reader::new().read(&bib).bibliography.len(),
        parsed.bibliography.len(),
        "{name}: entry count changed\n{bib}"
    );
}

/// Each entry as BibLaTeX (fields in name order when `sorted`), the comments and preambles.
fn records(text: &str, sorted: bool) -> (Vec<String>, Vec<String>, usize) {
    let parsed = bibtex::Reader::new().resolve_crossrefs(false).read(text);
    let opts = WriteOptions::new().dialect(Dialect::Biblatex);
    let mut entries: Vec<String> = parsed
        .bibliography
        .entries
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.origin = None;
            if sorted {
                e.fields.sort_by(|x, y| x.name.cmp(&y.name));
            }
            let mut s = String::new();
            bibtex::write_entry(&mut s, &e, &opts);
            s
        })
        .collect();
    // Comment lines (indentation, trailing white space, line ends and blank lines are layout; how the reader groups
    // lines into comments follows the blank lines, so lines are compared), and preambles.
    let mut comments: Vec<String> = parsed
        .bibliography
        .comments
        .iter()
        .flat_map(|c| {
            // A lone CR is a line break to the reader, as LF and CRLF are.
            c.text
                .split(['\n', '\r'])
                .map(str::trim)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|l| !l.is_empty())
        .collect();
    comments.extend(
        parsed
            .bibliography
            .preambles
            .iter()
            .map(|p| format!("{p:?}")),
    );
    if sorted {
        entries.sort();
        comments.sort();
    }
    let errors = bibkit::syntax::parse(text).diagnostics().len();
    (entries, comments, errors)
}

/// `bibkit fmt`: formatting is idempotent, keeps the syntax errors, and is lossless — the
/// formatted text reads as the same records and comments (in the file's order; with
/// sorting, as the same multiset). Panics, naming `name`, when it is not.
pub fn check_fmt(text: &str, name: &str) {
    let sorted = FmtOptions {
        sort_entries: SortEntries::Year,
        sort_fields: true,
        indent: 3,
        align: false,
    };
    for (opts, is_sorted) in [(FmtOptions::default(), false), (sorted, true)] {
        let once = format(text, &opts);
        let twice = format(&once.text, &opts);
        assert_eq!(
            once.text, twice.text,
            "{name}: fmt is not idempotent ({opts:?})\n--- once\n{}",
            once.text
        );
        let (a, b) = (records(text, is_sorted), records(&once.text, is_sorted));
        if a != b {
            let first = |x: &[String], y: &[String]| {
                let i = x
                    .iter()
                    .zip(y)
                    .position(|(p, q)| p != q)
                    .unwrap_or(x.len().min(y.len()));
                format!(
                    "{} vs {} items; first difference:\n{:?}\n  vs\n{:?}",
                    x.len(),
                    y.len(),
                    x.get(i),
                    y.get(i)
                )
            };
            panic!(
                "{name}: fmt changed the records ({opts:?})\nentries: {}\ncomments: {}\nerrors: {} vs {}",
                first(&a.0, &b.0),
                first(&a.1, &b.1),
                a.2,
                b.2
            );
        }
    }
}

/// The formatter's units: their old stretches tile the source, their texts put together
/// are `format`'s text, and every copied stretch is the source it names.
pub fn check_units(text: &str, name: &str) {
    use bibkit::fmt::{Copied, FmtSink, format_with};
    use bibkit::model::Span;
    struct Units<'t> {
        src: &'t str,
        pos: usize,
        out: String,
        name: &'t str,
    }
    impl FmtSink for Units<'_> {
        fn unit(&mut self, old: Span, new: &str, copied: &[Copied]) -> std::io::Result<()> {
            assert_eq!(
                old.start, self.pos,
                "{}: units do not tile the source",
                self.name
            );
            assert!(
                old.end >= old.start && old.end <= self.src.len(),
                "{}",
                self.name
            );
            self.pos = old.end;
            for c in copied {
                let len = c.from.end - c.from.start;
                assert_eq!(
                    &new[c.at..c.at + len],
                    &self.src[c.from.start..c.from.end],
                    "{}: a copy is not what it copies",
                    self.name
                );
            }
            self.out.push_str(new);
            Ok(())
        }
    }
    for opts in [
        FmtOptions::default(),
        FmtOptions {
            sort_entries: SortEntries::Key,
            ..FmtOptions::default()
        },
    ] {
        let mut units = Units {
            src: text,
            pos: 0,
            out: String::new(),
            name,
        };
        format_with(text, &opts, &mut units).unwrap();
        assert_eq!(units.pos, text.len(), "{name}: units end before the source");
        assert_eq!(
            units.out,
            format(text, &opts).text,
            "{name}: units differ from format"
        );
    }
}

/// The one writer, on a real file: `fmt --write` through a snapshot (the file becomes the
/// formatted text, or stays as it was when it has errors), `convert -o` into a new file and
/// into its own input, and a write that fails halfway (the old file stays, no temporary
/// file is left). `data`'s last byte chooses where the failing write stops.
pub fn check_write(data: &[u8], name: &str) {
    use bibkit::io::{Limits, Snapshot, write_file};
    let dir = tempfile::tempdir().expect("temporary directory");
    let only = |dir: &std::path::Path, expect: &[&str]| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, expect, "{name}: files left in the directory");
    };
    let input = dir.path().join("in.bib");
    std::fs::write(&input, data).unwrap();
    // fmt --write.
    let snap = Snapshot::read(&input, &Limits::default()).unwrap();
    let decoded = bibkit::source::decode_utf8(snap.bytes());
    let formatted = format(&decoded.text, &FmtOptions::default());
    let clean = decoded.invalid.is_empty()
        && decoded.utf16_without_bom.is_none()
        && decoded.encoding.is_none()
        && !formatted.has_errors();
    let result = snap.replace(|w| {
        if !clean {
            return Err(std::io::Error::other("refused"));
        }
        w.write_all(formatted.text.as_bytes())
    });
    assert_eq!(result.is_ok(), clean, "{name}: {result:?}");
    let now = std::fs::read(&input).unwrap();
    if clean {
        assert_eq!(
            now,
            formatted.text.as_bytes(),
            "{name}: not the formatted text"
        );
    } else {
        assert_eq!(now, data, "{name}: a refused write changed the file");
    }
    only(dir.path(), &["in.bib"]);
    // convert -o, into a new file and into the input itself.
    let convert = |d: &bibkit::source::Decoded| {
        let mut conv = Converter::new(Vec::new(), Target::CslJson);
        let _ = conv.bibtex(d, None, None);
        conv.finish().unwrap()
    };
    let expected = convert(&bibkit::source::decode_utf8(&now));
    let out = dir.path().join("out.json");
    write_file(&out, |w| w.write_all(&expected)).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), expected, "{name}");
    write_file(&input, |w| w.write_all(&expected)).unwrap();
    assert_eq!(std::fs::read(&input).unwrap(), expected, "{name}");
    // A write that fails after some bytes (a full disk): the old file stays.
    let stop = usize::from(*data.last().unwrap_or(&0)) * 7;
    let err = write_file(&out, |w| {
        let n = stop.min(expected.len());
        w.write_all(&expected[..n])?;
        Err(std::io::Error::other("disk full"))
    });
    assert!(err.is_err(), "{name}");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        expected,
        "{name}: a failed write changed the file"
    );
    only(dir.path(), &["in.bib", "out.json"]);
}

/// The citation scanners: every citation's span holds its key, with a position; a key
/// never counts more often than its bytes allow (no list is read twice); and resources
/// are named.
pub fn check_scan(data: &[u8], name: &str) {
    use bibkit::check::cited::{Kind, scan};
    let text = String::from_utf8_lossy(data);
    for kind in [Kind::Tex, Kind::Aux, Kind::Bcf, Kind::Markdown] {
        let s = scan(&text, kind, Some("in".into()));
        let mut starts: Vec<usize> = Vec::new();
        for c in &s.citations {
            assert_eq!(
                &text[c.span.start..c.span.end],
                c.key,
                "{name}: {kind:?} {c:?}"
            );
            assert!(c.line >= 1 && c.column >= 1, "{name}: {kind:?} {c:?}");
            starts.push(c.span.start);
        }
        starts.sort_unstable();
        starts.dedup();
        assert_eq!(
            starts.len(),
            s.citations.len(),
            "{name}: {kind:?}: a citation is read twice"
        );
        assert!(
            s.resources.iter().all(|r| !r.trim().is_empty()),
            "{name}: {kind:?}"
        );
    }
}

/// An XML reader's output: every diagnostic has a line, every entry a key, entries are
/// only read from a document with no error or before its break, and the BibLaTeX output
/// parses and re-reads with the same number of entries.
fn check_xml(parsed: &bibkit::formats::Parsed, name: &str) {
    for d in &parsed.diagnostics {
        assert!(d.line >= 1, "{name}: diagnostic without a line: {d:?}");
    }
    for e in &parsed.bibliography.entries {
        assert!(!e.key.is_empty(), "{name}: entry without a key: {e:?}");
    }
    let opts = WriteOptions::new().dialect(Dialect::Biblatex);
    let bib = bibtex::write(&parsed.bibliography, &opts);
    assert!(
        bibkit::syntax::parse(&bib).diagnostics().is_empty(),
        "{name}: {bib}"
    );
    let again = bibtex::read(&bib);
    assert_eq!(
        again.bibliography.len(),
        parsed.bibliography.len(),
        "{name}: entry count changed\n{bib}"
    );
}

/// The MODS reader on arbitrary bytes: no panic, and [`check_xml`]'s properties.
pub fn check_mods(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    check_xml(&bibkit::formats::mods::read(&decoded.text), name);
}

/// The BibLaTeXML reader on arbitrary bytes: no panic, and [`check_xml`]'s properties.
pub fn check_biblatexml(data: &[u8], name: &str) {
    let decoded = bibkit::source::decode_utf8(data);
    check_xml(&bibkit::formats::biblatexml::read(&decoded.text), name);
}

/// What the YAML readers' output must do: every diagnostic has a line; the writer's output
/// reads back to as many entries, with nothing but notes (and the `duplicate-key` errors the
/// input had), and writing that again gives the same bytes; its BibTeX parses.
fn check_yaml_round_trip(
    data: &[u8],
    name: &str,
    read: fn(&str) -> bibkit::formats::Parsed,
    write: fn(&[bibkit::model::Entry]) -> (String, Vec<bibkit::diagnostic::Diagnostic>),
) {
    let decoded = bibkit::source::decode_utf8(data);
    let parsed = read(&decoded.text);
    for d in &parsed.diagnostics {
        assert!(d.line >= 1, "{name}: diagnostic without a line: {d:?}");
    }
    let dups = parsed.diagnostics.iter().any(|d| d.rule == "duplicate-key");
    let (out, _) = write(&parsed.bibliography.entries);
    let again = read(&out);
    assert_eq!(
        again.bibliography.len(),
        parsed.bibliography.len(),
        "{name}: entry count changed\n{out}"
    );
    assert!(
        again
            .diagnostics
            .iter()
            .all(|d| d.severity == bibkit::diagnostic::Severity::Info
                || (dups && d.rule == "duplicate-key")),
        "{name}: {:?}\n{out}",
        again.diagnostics
    );
    assert_eq!(out, write(&again.bibliography.entries).0, "{name}");
    let bib = bibtex::write(&parsed.bibliography, &bibtex::WriteOptions::new());
    assert!(
        bibkit::syntax::parse(&bib).diagnostics().is_empty(),
        "{name}: {bib}"
    );
}

/// The hayagriva reader and writer (see [`check_yaml_round_trip`]).
pub fn check_hayagriva(data: &[u8], name: &str) {
    check_yaml_round_trip(
        data,
        name,
        bibkit::formats::hayagriva::read,
        bibkit::formats::hayagriva::write,
    );
}

/// The CSL-YAML reader and writer (see [`check_yaml_round_trip`]).
pub fn check_csl_yaml(data: &[u8], name: &str) {
    check_yaml_round_trip(
        data,
        name,
        bibkit::formats::csl_yaml::read,
        bibkit::formats::csl_yaml::write,
    );
}
