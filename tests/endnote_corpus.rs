//! The EndNote readers (tagged and XML) and the EndNote XML writer over the files of
//! `../shared/corpus/formats/endnote-tagged` and `endnote-xml`: every file reads with the
//! manifest's record count (an `invalid` file with an error), its format is told from its
//! content, the entries agree field by field with the upstream tools' companions (the
//! differences named below), and the writer's output reads back to the same entries,
//! also by way of BibLaTeX. Hostile inputs (truncated, deeply nested, huge, many records)
//! are read without a panic and in linear time.

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use bibkit::diagnostic::Severity;
use bibkit::formats::{bibtex, endnote, endnote_xml, ris};
use bibkit::model::{Entry, Name};

/// The manifest's rows of `format`: (file, status, records).
fn manifest(corpus: &Path, format: &str) -> Vec<(String, String, usize)> {
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

fn load(corpus: &Path, file: &str) -> String {
    let bytes = std::fs::read(corpus.join("formats").join(file)).unwrap();
    bibkit::source::decode_utf8(&bytes).text.to_string()
}

fn read(format: &str, text: &str) -> bibkit::formats::Parsed {
    if format == "endnote-xml" {
        endnote_xml::read(text)
    } else {
        endnote::read(text)
    }
}

fn say(s: String) {
    let _ = writeln!(std::io::stderr(), "{s}");
}

#[test]
fn every_file_reads_with_its_record_count() {
    let Some(corpus) = common::corpus("every_file_reads_with_its_record_count") else {
        return;
    };
    let mut failures = Vec::new();
    for format in ["endnote-tagged", "endnote-xml"] {
        let rows = manifest(&corpus, format);
        assert!(
            rows.len() >= 8,
            "{} {format} files in the manifest",
            rows.len()
        );
        let mut records = 0;
        let mut report = BTreeMap::<&'static str, usize>::new();
        for (file, status, want) in &rows {
            let text = load(&corpus, file);
            let sniffed = if format == "endnote-xml" {
                endnote_xml::sniff(&text)
            } else {
                endnote::sniff(&text)
            };
            if sniffed != (status != "invalid") {
                failures.push(format!("{file} ({status}): sniffed {sniffed}"));
            }
            let parsed = read(format, &text);
            let got = parsed.bibliography.len();
            records += got;
            for d in &parsed.diagnostics {
                *report.entry(d.rule).or_default() += 1;
                if d.line == 0 {
                    failures.push(format!("{file}: diagnostic without a line {d:?}"));
                }
            }
            if got != *want {
                failures.push(format!("{file}: {got} records, the manifest says {want}"));
            }
            if (status == "invalid") != parsed.has_errors() {
                failures.push(format!(
                    "{file} ({status}): errors {}: {:?}",
                    parsed.has_errors(),
                    parsed.diagnostics
                ));
            }
            for e in &parsed.bibliography.entries {
                if e.key.is_empty() || e.origin.as_ref().is_none_or(|o| o.line == 0) {
                    failures.push(format!("{file}: entry without a key or line {e:?}"));
                }
            }
        }
        say(format!(
            "{format}: {} files, {records} records; diagnostics by rule: {report:?}",
            rows.len()
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every corpus file of every format is sniffed as EndNote (tagged or XML) only when it
/// is one, and RIS's sniffer does not take EndNote files.
#[test]
fn sniffers_tell_the_formats_apart() {
    let Some(corpus) = common::corpus("sniffers_tell_the_formats_apart") else {
        return;
    };
    let text = std::fs::read_to_string(corpus.join("formats/MANIFEST.tsv")).unwrap();
    let mut failures = Vec::new();
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.split('\t').collect();
        let (file, format, status) = (f[0], f[1], f[2]);
        let text = load(&corpus, file);
        let tagged = endnote::sniff(&text);
        let xml = endnote_xml::sniff(&text);
        let ok = status != "invalid";
        if tagged != (format == "endnote-tagged" && ok) {
            failures.push(format!("{file}: endnote::sniff {tagged}"));
        }
        if xml != (format == "endnote-xml" && ok) {
            failures.push(format!("{file}: endnote_xml::sniff {xml}"));
        }
        if (tagged || xml) && ris::sniff(&text) {
            failures.push(format!("{file}: RIS's sniffer takes it too"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A value for comparing: on one line, dashes as hyphens, braces gone, lowercase.
fn norm(s: &str) -> String {
    s.replace(['–', '—'], "-")
        .replace("--", "-")
        .replace(['{', '}'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn plain(e: &Entry, f: &str) -> Option<String> {
    e.get(f).map(|v| norm(&v.to_plain_string()))
}

fn families(e: &Entry, f: &str) -> Option<Vec<String>> {
    e.names(f).map(|l| {
        l.names
            .iter()
            .map(|n| match n {
                Name::Person(p) => norm(&format!("{}, {}", p.family_with_particle(), p.given)),
                Name::Literal(s) => norm(s),
            })
            .collect()
    })
}

fn keyword_set(e: &Entry) -> Option<Vec<String>> {
    e.get("keywords").map(|v| {
        let mut k: Vec<String> = bibkit::formats::split_keywords(&v.to_plain_string())
            .iter()
            .map(|k| norm(k))
            .collect();
        k.sort();
        k
    })
}

/// The deliberate differences from the companions, each with its reason: (file stem,
/// entry title start, field).
const DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    // CoLRev "prepares" records from the AIS library's own metadata: the venue names
    // (`MIS Quarterly`, `European Conference on Information Systems`) are not in the file,
    // whose `%B` says `Management Information Systems Quarterly`, `Research Papers`…
    (
        "colrev__ais_enl",
        "",
        "journaltitle",
        "CoLRev replaces the venue by its own name",
    ),
    (
        "colrev__ais_enl",
        "",
        "booktitle",
        "CoLRev replaces the venue by its own name",
    ),
    // …gives the tables of contents, which name no author, the author `UNKNOWN`…
    (
        "colrev__ais_enl",
        "misq volume 45",
        "author",
        "CoLRev's placeholder author",
    ),
    (
        "colrev__ais_enl",
        "subject index",
        "author",
        "CoLRev's placeholder author",
    ),
    // …turns a title in capitals into sentence case…
    (
        "colrev__ais_enl",
        "it innovations",
        "title",
        "CoLRev re-cases a title in capitals",
    ),
    // …and reads `PACIS 2017 Proceedings` of a `%0 Journal Article` as a conference.
    (
        "colrev__ais_enl",
        "a thematic analysis",
        "kind",
        "the file says Journal Article; CoLRev makes it inproceedings",
    ),
    (
        "colrev__ais_enl",
        "a thematic analysis",
        "booktitle",
        "see kind",
    ),
    (
        "colrev__ais_enl",
        "a thematic analysis",
        "journaltitle",
        "see kind",
    ),
    // JabRef keeps `<isbn>`'s two ISSNs as one value; bibkit keeps the first as the ISSN
    // and reports the second (`endnote-xml-dropped`).
    (
        "jabref__EndnoteXmlImporterTestArticle",
        "",
        "issn",
        "two ISSNs in one value",
    ),
    (
        "jabref__EndnoteXmlImporterTest_WithoutUrlStyle",
        "",
        "issn",
        "two ISSNs in one value",
    ),
    // JabRef reads a `Book`'s secondary title as its booktitle; it is EndNote's series
    // title of a book (as RIS's `T2` of a `BOOK`).
    (
        "jabref__EndnoteXmlImporterTestLabelAndMultiTitle",
        "a survey of soil",
        "booktitle",
        "a book's secondary title is its series",
    ),
];

fn documented(stem: &str, e: &Entry, field: &str) -> bool {
    let title = plain(e, "title").unwrap_or_default();
    DIFFERENCES
        .iter()
        .any(|(s, t, f, _)| *s == stem && title.starts_with(t) && *f == field)
}

/// Compares `got` with `want` (read from the companion's BibTeX) on the fields both
/// tools read; returns (agreeing, compared) and pushes undocumented differences.
fn compare(
    stem: &str,
    got: &Entry,
    want: &Entry,
    year: Option<String>,
    failures: &mut Vec<String>,
) -> (usize, usize) {
    let (mut agree, mut total) = (0, 0);
    let mut check = |field: &str, g: Option<String>, w: Option<String>| {
        if w.is_none() {
            return;
        }
        total += 1;
        if g == w {
            agree += 1;
        } else if !documented(stem, got, field) {
            failures.push(format!("{stem}: {field}: bibkit {g:?}, companion {w:?}"));
        }
    };
    check("kind", Some(got.kind.clone()), Some(want.kind.clone()));
    for f in ["author", "editor"] {
        check(
            f,
            families(got, f).map(|v| v.join("; ")),
            families(want, f).map(|v| v.join("; ")),
        );
    }
    for f in [
        "title",
        "journaltitle",
        "booktitle",
        "volume",
        "number",
        "pages",
        "doi",
        "url",
        "publisher",
        "language",
        "note",
        "abstract",
    ] {
        check(f, plain(got, f), plain(want, f));
    }
    // The year (the companions keep `date` as the free text, `Mar 3`).
    check("year", got.year().map(|y| y.to_string()), year);
    // `isbn` as JabRef writes both ISBNs and ISSNs.
    check(
        "issn",
        plain(got, "isbn").or_else(|| plain(got, "issn")),
        plain(want, "isbn").or_else(|| plain(want, "issn")),
    );
    check(
        "keywords",
        keyword_set(got).map(|k| k.join("|")),
        keyword_set(want).map(|k| {
            // JabRef keeps a keyword of several as it was.
            let mut all: Vec<String> = k
                .iter()
                .flat_map(|k| k.split(';').map(|x| x.trim().to_string()))
                .collect();
            all.sort();
            all.join("|")
        }),
    );
    (agree, total)
}

#[test]
fn entries_agree_with_the_companions() {
    let Some(corpus) = common::corpus("entries_agree_with_the_companions") else {
        return;
    };
    let mut failures = Vec::new();
    let (mut agree, mut total) = (0, 0);
    for format in ["endnote-tagged", "endnote-xml"] {
        for (file, _, _) in manifest(&corpus, format) {
            let stem = Path::new(&file)
                .file_stem()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let name = Path::new(&stem).file_name().unwrap().to_str().unwrap();
            let companion = corpus
                .join("formats")
                .join(format)
                .join(format!("{name}.expected.bib"));
            let Ok(bytes) = std::fs::read(&companion) else {
                continue;
            };
            let companion = bibkit::source::decode_utf8(&bytes).text.to_string();
            let expected = bibtex::read(&companion).bibliography;
            // Each entry's `year` as written (its `date` is free text, `Mar 3`).
            let years: Vec<Option<String>> = companion
                .split("\n@")
                .filter(|b| b.contains('{') && !b.trim_start().starts_with("Comment"))
                .map(|b| {
                    b.lines()
                        .find(|l| {
                            let l = l.trim_start();
                            l.starts_with("year ") || l.starts_with("year=")
                        })
                        .and_then(|l| l.split(['{', '}']).nth(1))
                        .map(str::to_string)
                })
                .collect();
            let parsed = read(format, &load(&corpus, &file));
            let mut matched = 0;
            for (i, want) in expected.entries.iter().enumerate() {
                // By title (CoLRev sorts its records and re-cases titles), else in order.
                let t = plain(want, "title").unwrap_or_default();
                let got = parsed
                    .bibliography
                    .entries
                    .iter()
                    .find(|e| plain(e, "title").is_some_and(|g| g == t))
                    .or_else(|| {
                        parsed.bibliography.entries.iter().find(|e| {
                            plain(e, "url") == plain(want, "url") && want.get("url").is_some()
                        })
                    });
                let Some(got) = got else {
                    failures.push(format!("{name}: no entry for `{t}`"));
                    continue;
                };
                matched += 1;
                let year = years.get(i).cloned().flatten();
                let (a, n) = compare(name, got, want, year, &mut failures);
                agree += a;
                total += n;
            }
            say(format!(
                "{name}: {matched} of {} companion entries matched",
                expected.entries.len()
            ));
        }
    }
    say(format!(
        "fields agreeing with the .expected.bib companions: {agree} of {total} ({:.1}%), {} documented differences",
        100.0 * agree as f64 / total.max(1) as f64,
        DIFFERENCES.len()
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(total >= 100, "only {total} fields compared");
}

/// pandoc's expected native AST of `endnotexml-reader.xml`: each record's title words,
/// container, volume, number, pages, ISBN, year and authors appear in it.
#[test]
fn pandoc_reads_the_same_records() {
    let Some(corpus) = common::corpus("pandoc_reads_the_same_records") else {
        return;
    };
    let native = load(
        &corpus,
        "endnote-xml/pandoc__endnotexml-reader.expected.native",
    );
    let native = native.split_whitespace().collect::<Vec<_>>().join(" ");
    let parsed = endnote_xml::read(&load(&corpus, "endnote-xml/pandoc__endnotexml-reader.xml"));
    assert_eq!(parsed.bibliography.len(), 2);
    // The `Str` words of the AST, in order.
    let words: Vec<&str> = native
        .split("Str \"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    let words = words.join(" ");
    let mut checked = 0;
    for e in &parsed.bibliography.entries {
        let title = e.title().unwrap();
        assert!(words.contains(&title), "title `{title}`");
        let inline = |f: &str, v: String| format!("( \"{f}\" , MetaInlines [ Str \"{v}\" ] )");
        for (f, csl) in [("volume", "volume"), ("number", "number"), ("issn", "isbn")] {
            let v = e.get(f).unwrap().to_plain_string();
            assert!(native.contains(&inline(csl, v.clone())), "{f} {v}");
        }
        let pages = e.get("pages").unwrap().to_plain_string().replace('–', "-");
        assert!(native.contains(&inline("pages", pages)));
        assert!(native.contains(&format!(
            "( \"issued\" , MetaString \"{}\" )",
            e.year().unwrap()
        )));
        let j = e.get("journaltitle").unwrap().to_plain_string();
        assert!(native.contains(&inline("container-title", j)));
        let a = &e.authors().unwrap().names[0];
        let Name::Person(p) = a else { panic!() };
        assert!(native.contains(&format!("MetaString \"{}\"", p.family)));
        assert!(native.contains(&format!("( \"given\" , MetaString \"{}\" )", p.given)));
        checked += 10;
    }
    say(format!(
        "pandoc: {checked} of {checked} values found in its AST"
    ));
}

/// The same EndNote export on one line (`ex1.endx`) and with spaces made line breaks,
/// some inside values (`endnote.xml`): the same entries.
#[test]
fn reflowed_export_reads_the_same() {
    let Some(corpus) = common::corpus("reflowed_export_reads_the_same") else {
        return;
    };
    let a = endnote_xml::read(&load(&corpus, "endnote-xml/rbibutils__ex1.endx"));
    let b = endnote_xml::read(&load(&corpus, "endnote-xml/rbibutils__endnote.xml"));
    assert_eq!(a.bibliography.len(), 2);
    for (x, y) in a.bibliography.entries.iter().zip(&b.bibliography.entries) {
        assert_eq!(x.fields, y.fields);
    }
    // `&#xD;` is EndNote's line break: the notes' three lines are paragraphs.
    let note = a.bibliography.entries[0]
        .get("note")
        .unwrap()
        .to_plain_string();
    assert_eq!(note, "V02fg\n\nTimes Cited:5\n\nCited References Count:2");
}

/// JabRef's EndNote XML export of a `.bib` file, and bibkit's of the same file: both read
/// back to the same fields (JabRef's `Book` has the number 2, EndNote's Artwork; the
/// name is read first).
#[test]
fn jabref_export_and_bibkit_export_agree() {
    let Some(corpus) = common::corpus("jabref_export_and_bibkit_export_agree") else {
        return;
    };
    let stem = "endnote-xml/jabref-export__EndnoteXmlExportTestSingleBookEntry";
    let source = bibtex::read(&load(&corpus, &format!("{stem}.source.bib"))).bibliography;
    let theirs = endnote_xml::read(&load(&corpus, &format!("{stem}.xml")));
    let (ours, losses) = endnote_xml::write(&source.entries);
    let ours = endnote_xml::read(&ours);
    // JabRef writes `file` as a PDF link; bibkit reports it as not written.
    assert!(
        losses.iter().any(|d| d.message.contains("`file`")),
        "{losses:?}"
    );
    let (t, o) = (
        &theirs.bibliography.entries[0],
        &ours.bibliography.entries[0],
    );
    assert_eq!(t.kind, "book");
    for f in ["editor", "title", "keywords", "date", "publisher", "isbn"] {
        assert_eq!(
            t.get(f).map(|v| v.to_plain_string()),
            o.get(f).map(|v| v.to_plain_string()),
            "{f}"
        );
    }
}

/// Fields compared in round trips: all but where they came from.
/// An entry's key, type and fields (name and value, printed), for comparing.
type Compared = (String, String, Vec<(String, String)>);

fn fields(es: &[Entry]) -> Vec<Compared> {
    es.iter()
        .map(|e| {
            (e.key.clone(), e.kind.clone(), {
                // (In any order: the writer has its own.)
                let mut f: Vec<(String, String)> = e
                    .fields
                    .iter()
                    .map(|f| (f.name.to_string(), format!("{:?}", f.value)))
                    .collect();
                f.sort();
                f
            })
        })
        .collect()
}

#[test]
fn the_writer_reads_back_to_itself_also_through_biblatex() {
    let Some(corpus) = common::corpus("the_writer_reads_back_to_itself_also_through_biblatex")
    else {
        return;
    };
    let mut failures = Vec::new();
    let mut n = 0;
    for format in ["endnote-tagged", "endnote-xml"] {
        for (file, _, _) in manifest(&corpus, format) {
            let parsed = read(format, &load(&corpus, &file));
            let (once, _) = endnote_xml::write(&parsed.bibliography.entries);
            let again = endnote_xml::read(&once);
            n += again.bibliography.len();
            if fields(&again.bibliography.entries) != fields(&parsed.bibliography.entries) {
                failures.push(format!(
                    "{file}: read → EndNote XML → read differs\n{:#?}\n---\n{:#?}",
                    fields(&parsed.bibliography.entries),
                    fields(&again.bibliography.entries)
                ));
                continue;
            }
            if let Some(d) = again
                .diagnostics
                .iter()
                .find(|d| d.severity != Severity::Info)
            {
                failures.push(format!(
                    "{file}: reading the writer's output: {d:?}\n{once}"
                ));
            }
            let twice = endnote_xml::to_string(&again.bibliography);
            if once != twice {
                failures.push(format!("{file}: EndNote XML → EndNote XML differs"));
            }
            let opts = bibtex::WriteOptions::new().dialect(bibtex::Dialect::Biblatex);
            let bib = bibtex::write(&again.bibliography, &opts);
            let back = bibtex::read(&bib);
            let thrice = endnote_xml::to_string(&back.bibliography);
            // A line break in a note or an abstract is a space to LaTeX: the `.bib` file
            // keeps the words, not the breaks.
            // And BibLaTeX has no place for an author's affiliation (EndNote's author
            // address).
            let comparable = |x: &str| without(&x.replace("&#xD;", " "), "auth-address");
            if comparable(&thrice) != comparable(&once) {
                failures.push(format!(
                    "{file}: EndNote XML → BibLaTeX → EndNote XML differs\n{once}\n---\n{thrice}\n{bib}"
                ));
            }
        }
    }
    say(format!("round trips: {n} entries"));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `xml` without its `<name>` elements.
fn without(xml: &str, name: &str) -> String {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        out.push_str(&rest[..i]);
        match rest[i..].find(&close) {
            Some(j) => rest = &rest[i + j + close.len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn the_loss_report_names_what_has_no_element() {
    let bib = bibtex::read(
        "@manual{k, title = {T}, eprint = {2101.00001}, date = {2001/2003}, author = {A, B and others}}",
    )
    .bibliography;
    let (xml, report) = endnote_xml::write(&bib.entries);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml><records>\n"));
    assert_eq!(report.len(), 2, "{report:?}");
    assert!(
        report
            .iter()
            .all(|d| d.rule == "endnote-xml-not-written" && d.key.as_deref() == Some("k"))
    );
    assert!(report[0].message.contains("`manual`"));
    for f in ["`eprint`", "`date (its end)`", "`author (`and others`)`"] {
        assert!(report[1].message.contains(f), "{}", report[1].message);
    }
}

/// Broken XML: the record with the error is skipped (an error with its line), the others
/// are read.
#[test]
fn a_broken_record_is_skipped_and_the_rest_read() {
    let xml = "<xml><records>\n<record><ref-type name=\"Book\">6</ref-type><titles><title>One</title></titles></record>\n<record><titles><title>Two</title></titels></record>\n<record><ref-type name=\"Book\">6</ref-type><titles><title>Three &amp; more</title></titles></record>\n</records></xml>\n";
    let p = endnote_xml::read(xml);
    let titles: Vec<String> = p
        .bibliography
        .entries
        .iter()
        .map(|e| e.title().unwrap())
        .collect();
    assert_eq!(titles, ["One", "Three & more"], "{:?}", p.diagnostics);
    let errors: Vec<_> = p
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", p.diagnostics);
    assert_eq!(errors[0].rule, "endnote-xml-syntax");
    assert_eq!(errors[0].line, 3);
    // Truncated: the last record is skipped.
    let p = endnote_xml::read(&xml[..xml.find("Three").unwrap()]);
    assert_eq!(p.bibliography.len(), 1);
    assert!(p.has_errors());
    // Not EndNote.
    let p = endnote_xml::read("<modsCollection><mods/></modsCollection>");
    assert_eq!(p.diagnostics[0].rule, "endnote-xml-not-endnote");
}

#[test]
fn unknown_elements_and_styles() {
    let xml = "<xml><records><record><ref-type>17</ref-type><titles><title>\n  <style face=\"normal\">A </style>\n  <style face=\"italic\">B</style><style face=\"normal\">c</style>\n</title></titles><custom3><style>kept?</style></custom3><pdf-urls/><urls><pdf-urls><url>file.pdf</url></pdf-urls></urls><abstract>One&#xD;Two</abstract></record></records></xml>";
    let p = endnote_xml::read(xml);
    let e = &p.bibliography.entries[0];
    assert_eq!(e.kind, "article");
    assert_eq!(e.title().unwrap(), "A Bc");
    assert_eq!(e.get("abstract").unwrap().to_plain_string(), "One\n\nTwo");
    let dropped: Vec<&str> = p
        .diagnostics
        .iter()
        .filter(|d| d.rule == "endnote-xml-dropped")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(dropped.len(), 2, "{dropped:?}");
    assert!(dropped[0].contains("custom3") && dropped[0].contains("kept?"));
    // A number alone is EndNote's own form, not a guess.
    assert!(
        p.diagnostics
            .iter()
            .all(|d| d.rule != "endnote-xml-guessed")
    );
}

/// Time of `f` on the input `make(n)`, the fastest of three runs.
fn time(make: &dyn Fn(usize) -> String, n: usize, f: &dyn Fn(&str) -> usize) -> f64 {
    let input = make(n);
    (0..3)
        .map(|_| {
            let t = std::time::Instant::now();
            std::hint::black_box(f(&input));
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Hostile inputs: each at n and 4n, read in time growing (about) linearly, without a
/// panic.
#[test]
fn hostile_inputs_read_in_linear_time() {
    type Make = fn(usize) -> String;
    let xml = |s: &str| endnote_xml::read(s).bibliography.len();
    let tagged = |s: &str| endnote::read(s).bibliography.len();
    let attacks: Vec<(&str, Make, bool)> = vec![
        (
            "deeply nested XML",
            |n| {
                format!(
                    "<xml><records><record><titles><title>{}x{}</title></titles>{}</record></records></xml>",
                    "<style>".repeat(n / 8),
                    "</style>".repeat(n / 8),
                    "<a>".repeat(n / 8)
                )
            },
            true,
        ),
        (
            "one huge XML record",
            |n| {
                let mut s = String::from("<xml><records><record><ref-type>17</ref-type><keywords>");
                while s.len() < n {
                    s.push_str("<keyword><style>k</style></keyword><custom1>c</custom1>");
                }
                s.push_str("</keywords></record></records></xml>");
                s
            },
            true,
        ),
        (
            "many XML records, every other broken",
            |n| {
                let mut s = String::from("<xml><records>");
                let mut i = 0;
                while s.len() < n {
                    if i % 2 == 0 {
                        s.push_str("<record><ref-type name=\"Nope\">99</ref-type><titles><title>T</title></titles><dates><year>spring</year></dates></record>");
                    } else {
                        s.push_str("<record><titles><title>T</titles></record>");
                    }
                    i += 1;
                }
                s.push_str("</records></xml>");
                s
            },
            true,
        ),
        (
            "many tagged records",
            |n| {
                let mut s = String::new();
                while s.len() < n {
                    s.push_str(
                        "%0 Nope\n%A a, b and c, d; e,\n%D spring\n%8 x\n%K a\nb\n%L x\n\n%0\n\n",
                    );
                }
                s
            },
            false,
        ),
        (
            "one huge tagged record",
            |n| {
                let mut s = String::from("%0 Journal Article\n");
                while s.len() < n {
                    s.push_str("%K keyword\ncontinued\n%A Family, Given\n%T Title\n");
                }
                s
            },
            false,
        ),
    ];
    let n = 400_000;
    for (name, make, is_xml) in attacks {
        let f: &dyn Fn(&str) -> usize = if is_xml { &xml } else { &tagged };
        let small = time(&make, n, f);
        let big = time(&make, 4 * n, f);
        let exponent = (big / small.max(1e-6)).ln() / 4f64.ln();
        say(format!(
            "{name}: {:.1} ms at {n} bytes, {:.1} ms at {}, exponent {exponent:.2}",
            small * 1e3,
            big * 1e3,
            4 * n
        ));
        assert!(
            exponent < 1.6 || big < 0.05,
            "{name}: exponent {exponent:.2}"
        );
    }
}
