//! The MODS and BibLaTeXML readers over `../shared/corpus/formats/{mods,biblatexml}`:
//! every file is told from its content and reads with the manifest's record count (the
//! obsolete BibLaTeXML dialect with a warning naming it), the JabRef companions agree
//! field by field but for the named differences below, what was read survives a trip
//! through a BibLaTeX `.bib` file, and hostile XML (entity bombs, deep nesting, huge
//! text, many records, truncation) is read in linear time without a panic.

mod common;

use common::{corpus, formats_manifest as manifest};

use std::collections::BTreeMap;
use std::path::Path;

use bibkit::diagnostic::Severity;
use bibkit::formats::{self, Parsed, biblatexml, bibtex, mods, ris};
use bibkit::model::{Entry, Name, Value};

/// A file's text, decoded as its XML declaration says (one JabRef file is ISO-8859-1).
fn load(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    match mods::declared_encoding(&bytes) {
        Some(enc) => bibkit::source::decode(&bytes, Some(&enc)).unwrap().text,
        None => String::from_utf8(bytes).expect("UTF-8"),
    }
}

fn read_as(format: &str, text: &str, file: &str) -> Parsed {
    match format {
        "mods" => mods::ModsReader::new().file(file).read(text),
        _ => biblatexml::BiblatexmlReader::new().file(file).read(text),
    }
}

fn say(s: String) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{s}");
}

#[test]
fn every_file_is_told_and_reads_with_its_record_count() {
    let Some(corpus) = corpus("every_file_is_told_and_reads_with_its_record_count") else {
        return;
    };
    let mut failures = Vec::new();
    for format in ["mods", "biblatexml"] {
        let rows = manifest(&corpus, format);
        assert!(rows.len() >= 5, "{} {format} files", rows.len());
        let mut records = 0;
        let mut report = BTreeMap::<&'static str, usize>::new();
        for (file, status, want) in &rows {
            let text = load(&corpus.join("formats").join(file));
            // Told from the content, and by one sniffer only.
            let told = (
                mods::sniff(&text),
                biblatexml::sniff(&text),
                ris::sniff(&text),
            );
            let expect = (format == "mods", format == "biblatexml", false);
            if told != expect {
                failures.push(format!(
                    "{file}: sniffed (mods, biblatexml, ris) = {told:?}"
                ));
            }
            let parsed = read_as(format, &text, file);
            let got = parsed.bibliography.len();
            records += got;
            for d in &parsed.diagnostics {
                *report.entry(d.rule).or_default() += 1;
                if d.line == 0 || d.file.as_deref() != Some(file.as_str()) {
                    failures.push(format!("{file}: diagnostic without a place: {d:?}"));
                }
            }
            if got != *want {
                failures.push(format!("{file}: {got} records, the manifest says {want}"));
            }
            if (status == "invalid") != parsed.has_errors() {
                failures.push(format!(
                    "{file} ({status}): errors {:?}",
                    parsed
                        .diagnostics
                        .iter()
                        .filter(|d| d.severity == Severity::Error)
                        .collect::<Vec<_>>()
                ));
            }
            // The obsolete BibLaTeXML dialect is named, and only there.
            let dialect = parsed
                .diagnostics
                .iter()
                .any(|d| d.rule == "biblatexml-obsolete-dialect");
            if format == "biblatexml" && dialect != (status == "nonstandard") {
                failures.push(format!("{file} ({status}): dialect warning {dialect}"));
            }
            for e in &parsed.bibliography.entries {
                if e.key.is_empty() || e.origin.as_ref().is_none_or(|o| o.line == 0) {
                    failures.push(format!("{file}: entry without key or origin {e:?}"));
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

/// The ids BibLaTeXML files give their entries are their keys.
#[test]
fn biblatexml_ids_are_keys() {
    let Some(corpus) = corpus("biblatexml_ids_are_keys") else {
        return;
    };
    let text = load(&corpus.join("formats/biblatexml/biber__xdata.bltxml"));
    let parsed = biblatexml::read(&text);
    let keys: Vec<&str> = parsed.bibliography.keys().collect();
    assert_eq!(keys[..4], ["bltxxd1", "bltxxd2", "bltxxd3", "bltxgxd1"]);
    assert_eq!(parsed.bibliography.entries[0].kind, "xdata");
    let text = load(&corpus.join("formats/biblatexml/biber__biblatexml.bltxml"));
    let e = &biblatexml::read(&text).bibliography.entries[0];
    assert_eq!(e.key, "bltx1");
    let Some(Value::Names(authors)) = e.get("author") else {
        panic!("{e:?}")
    };
    assert!(authors.truncated, "morenames=\"1\" is \"and others\"");
    assert_eq!(authors.names.len(), 3);
    let Name::Person(p) = &authors.names[0] else {
        panic!()
    };
    assert_eq!(
        (p.given.as_str(), p.particle.as_str(), p.family.as_str()),
        ("Павел Георгиевич", "von", "Булгаков")
    );
    assert_eq!(e.get("date").unwrap().to_string(), "198X");
    assert_eq!(e.get("origdate").unwrap().to_string(), "-0356");
    assert_eq!(
        e.get("eventdate").unwrap().to_string(),
        "1990-05-16/1990-05-17"
    );
    assert_eq!(e.get("pages").unwrap().to_string(), "1–10, 30–34");
    assert_eq!(e.get("related").unwrap().to_string(), "rel1,rel2");
    assert_eq!(
        e.get("author+an").unwrap().to_string(),
        "=names-ann; 1=name-ann1; 3=name-ann2; 1:given=\"namepart-ann1\"; 2:family=namepart-ann2"
    );
}

/// A companion's field as this reader names it, and whether it is compared at all.
fn our_field(jabref: &str) -> &str {
    match jabref {
        "issue" => "number",
        "uri" => "url",
        "address" => "location",
        "journal" => "journaltitle",
        f => f,
    }
}

/// A value in a form both sides can be compared in: white space collapsed, en dashes
/// for `--`/`-` in page ranges, keywords as a set.
fn norm(field: &str, v: &str) -> String {
    let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
    match field {
        "pages" => v.replace("--", "–").replace('-', "–"),
        "keywords" => {
            let mut k = formats::split_keywords(&v);
            k.sort();
            k.join(", ")
        }
        _ => v,
    }
}

/// The differences from JabRef's choices, by file and field, each for a reason.
const DIFFERENCES: &[(&str, &str, &str)] = &[
    // JabRef takes the last `titleInfo` (here the alternative title); the model keeps
    // the main title and reports the alternative one.
    (
        "jabref__MODSImporterTestAllFields",
        "title",
        "alternative title",
    ),
    // JabRef reads `extent/total` as the pages; MODS says it is the number of pages,
    // kept as `pagetotal`.
    (
        "jabref__MODSImporterTestAllFields",
        "pages",
        "total is pagetotal",
    ),
    (
        "jabref-export__ModsExportFormatTestMultipleEntries",
        "pages",
        "total is pagetotal",
    ),
    // JabRef keeps an entry-level `affiliation` from a `<name>` with no name part; the
    // model holds affiliations on persons only (reported dropped).
    (
        "jabref__MODSImporterTestAllFields",
        "affiliation",
        "no person",
    ),
    (
        "jabref-export__ModsExportFormatTestAllFields",
        "affiliation",
        "no person",
    ),
    // JabRef's own fields for MODS dates, geographic subjects and record info; bibkit
    // reads `dateCaptured` as the `urldate` and reports the rest.
    (
        "jabref__MODSImporterTestAllFields",
        "creationdate",
        "JabRef field",
    ),
    (
        "jabref__MODSImporterTestAllFields",
        "modificationdate",
        "JabRef field",
    ),
    (
        "jabref__MODSImporterTestAllFields",
        "created",
        "JabRef field",
    ),
    ("jabref__MODSImporterTestAllFields", "city", "JabRef field"),
    (
        "jabref__MODSImporterTestAllFields",
        "country",
        "JabRef field",
    ),
    (
        "jabref__MODSImporterTestAllFields",
        "source",
        "JabRef field",
    ),
    (
        "jabref-export__ModsExportFormatTestAllFields",
        "creationdate",
        "JabRef field",
    ),
    (
        "jabref-export__ModsExportFormatTestAllFields",
        "modificationdate",
        "JabRef field",
    ),
    (
        "jabref-export__ModsExportFormatTestAllFields",
        "created",
        "JabRef field",
    ),
    // JabRef joins every `location/url` (also the preview thumbnail) into one `url`;
    // the model has one URL, the first, and reports the others.
    ("jabref__MODSImporterTestAllFields", "url", "one URL"),
    // The exporter wrote the `.bib`'s `uri` as an identifier and its `url` as the
    // location: the model has one `url`, the location's.
    (
        "jabref-export__ModsExportFormatTestAllFields",
        "uri",
        "one URL",
    ),
    // JabRef's `journal` is the abbreviated title when there is one; bibkit keeps the
    // full title as `journaltitle` and the abbreviation as `shortjournal`.
    (
        "jabref__MODSImporterTestModsCollection",
        "journaltitle",
        "full title",
    ),
    // JabRef's `location` is `location/physicalLocation` (a shelf); bibkit's is the
    // place of publication (here the host journal's) and reports the shelf.
    (
        "jabref__MODSImporterTestModsCollection",
        "location",
        "place, not shelf",
    ),
    (
        "jabref-export__ModsExportFormatTestAllFields",
        "location",
        "place, not shelf",
    ),
    // JabRef joins notes with `, `; bibkit keeps them as paragraphs.
    (
        "jabref__MODSImporterTestMonographicBookFallback",
        "note",
        "paragraphs",
    ),
    (
        "jabref-export__ModsExportFormatTestAllFields",
        "note",
        "paragraphs",
    ),
    // JabRef's `address` holds the MARC country code too (`mau, Burlington, MA`);
    // codes are reported, the place kept.
    (
        "jabref__MODSImporterTestMonographicBookFallback",
        "location",
        "place code",
    ),
    // Two ISBNs: JabRef keeps the last, bibkit the first (the 13-digit one) and
    // reports the other.
    (
        "jabref__MODSImporterTestMonographicBookFallback",
        "isbn",
        "first ISBN",
    ),
    // JabRef reads every name as an author; bibkit follows `roleTerm` (editors).
    ("jabref__MODSImporterTestModsCollection", "author", "roles"),
];

/// The importer's expected `.bib` and the exporter's source `.bib` against what this
/// reader makes of the MODS file, field by field.
#[test]
fn mods_agrees_with_jabrefs_companions() {
    let Some(corpus) = corpus("mods_agrees_with_jabrefs_companions") else {
        return;
    };
    let dir = corpus.join("formats/mods");
    let mut failures = Vec::new();
    let (mut agree, mut total, mut documented) = (0, 0, 0);
    let mut used = std::collections::BTreeSet::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".expected.bib") || n.ends_with(".source.bib"))
        .collect();
    names.sort();
    for companion in &names {
        let stem = companion
            .trim_end_matches(".expected.bib")
            .trim_end_matches(".source.bib");
        let ours = mods::read(&load(&dir.join(format!("{stem}.xml"))));
        let theirs = bibtex::read(&std::fs::read_to_string(dir.join(companion)).unwrap());
        let ours = &ours.bibliography.entries;
        let theirs = &theirs.bibliography.entries;
        if theirs.is_empty() {
            // JabRef makes nothing of an empty `<mods/>`; bibkit an empty `misc` entry
            // (the manifest counts the record).
            assert!(ours.iter().all(|e| e.fields.is_empty()), "{stem}");
            continue;
        }
        assert_eq!(ours.len(), theirs.len(), "{stem}: entry count");
        for (o, t) in ours.iter().zip(theirs) {
            total += 1;
            if o.kind == t.kind {
                agree += 1;
            } else {
                failures.push(format!("{stem}: type {} (JabRef {})", o.kind, t.kind));
            }
            if !t.key.is_empty() {
                total += 1;
                if o.key == t.key {
                    agree += 1;
                } else {
                    failures.push(format!("{stem}: key {} (JabRef {})", o.key, t.key));
                }
            }
            for f in &t.fields {
                let name = our_field(&f.name);
                // `year` and `date` are one date in the model.
                if name == "year" && t.get("date").is_some() {
                    continue;
                }
                total += 1;
                let theirs_v = norm(name, &plain(&f.value));
                let ours_v = o.get(name).map(|v| norm(name, &plain(v)));
                let same = match (&ours_v, name) {
                    // JabRef keeps the year of a fuller date.
                    (Some(v), "year" | "date") => v.starts_with(&theirs_v),
                    (Some(v), _) => *v == theirs_v,
                    (None, _) => false,
                };
                if same {
                    agree += 1;
                } else if let Some(d) = DIFFERENCES
                    .iter()
                    .find(|(s, n, _)| *s == stem && (*n == name || *n == f.name))
                {
                    documented += 1;
                    used.insert((d.0, d.1));
                } else {
                    failures.push(format!(
                        "{stem}: {} = {ours_v:?}, JabRef {} = {theirs_v:?}",
                        name, f.name
                    ));
                }
            }
        }
    }
    say(format!(
        "MODS vs JabRef: {agree} of {total} values agree, {documented} differ as documented, {} undocumented",
        failures.len()
    ));
    for (s, n, _) in DIFFERENCES {
        if !used.contains(&(*s, *n)) {
            failures.push(format!("documented difference not seen: {s} {n}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A value as text; names as `Family, Given` lists, so that both sides compare alike.
fn plain(v: &Value) -> String {
    match v {
        Value::Names(list) => {
            let mut parts: Vec<String> = list
                .names
                .iter()
                .map(|n| match n {
                    Name::Person(p) => {
                        let fam = p.family_with_particle();
                        match (fam.is_empty(), p.given.is_empty()) {
                            (false, false) => format!("{fam}, {}", p.given),
                            (false, true) => fam,
                            _ => p.given.clone(),
                        }
                    }
                    Name::Literal(s) => s.clone(),
                })
                .collect();
            if list.truncated {
                parts.push("others".into());
            }
            parts.join(" and ")
        }
        v => v.to_plain_string(),
    }
}

/// An entry as comparable text: type, key, and each field's plain value.
fn summary(e: &Entry) -> (String, String, Vec<(String, String)>) {
    let fields = e
        .fields
        .iter()
        // (What the `.bib` reader inherits from XDATA entries is not the entry's own.)
        .filter(|f| !f.inherited)
        .map(|f| {
            let v = plain(&f.value);
            (
                f.name.to_string(),
                v.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect();
    (e.kind.clone(), e.key.clone(), fields)
}

#[test]
fn what_was_read_survives_biblatex() {
    let Some(corpus) = corpus("what_was_read_survives_biblatex") else {
        return;
    };
    let mut failures = Vec::new();
    let mut n = 0;
    for format in ["mods", "biblatexml"] {
        for (file, _, _) in manifest(&corpus, format) {
            let text = load(&corpus.join("formats").join(&file));
            let parsed = read_as(format, &text, &file);
            let opts = bibtex::WriteOptions::new().dialect(bibtex::Dialect::Biblatex);
            let bib = bibtex::write(&parsed.bibliography, &opts);
            let back = bibtex::read(&bib);
            if back.has_errors() {
                failures.push(format!("{file}: {:?}\n{bib}", back.diagnostics));
            }
            let a: Vec<_> = parsed.bibliography.entries.iter().map(summary).collect();
            let b: Vec<_> = back.bibliography.entries.iter().map(summary).collect();
            if a.len() != b.len() {
                failures.push(format!(
                    "{file}: {} entries, {} after BibLaTeX",
                    a.len(),
                    b.len()
                ));
            }
            for (x, y) in a.iter().zip(&b) {
                if (&x.0, &x.1) != (&y.0, &y.1) {
                    failures.push(format!("{file}: {} {} became {} {}", x.0, x.1, y.0, y.1));
                }
                for f in &x.2 {
                    let g = y.2.iter().find(|g| g.0 == f.0);
                    if g != Some(f) {
                        failures.push(format!("{file} {}: {f:?} became {g:?}", x.1));
                    }
                }
                for g in &y.2 {
                    if !x.2.iter().any(|f| f.0 == g.0) {
                        failures.push(format!("{file} {}: {g:?} appeared", x.1));
                    }
                }
            }
            n += a.len();
        }
    }
    say(format!("{n} entries through BibLaTeX"));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------
// Hand-written inputs, no corpus needed.
// ---------------------------------------------------------------------------------------

const MODS_NS: &str = "http://www.loc.gov/mods/v3";
const BLTX_NS: &str = "http://biblatex-biber.sourceforge.net/biblatexml";

fn mods_doc(records: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<mods:modsCollection xmlns:mods=\"{MODS_NS}\">\n{records}</mods:modsCollection>\n"
    )
}

#[test]
fn mods_reads_names_dates_hosts_and_identifiers() {
    let text = mods_doc(
        r#"<mods:mods ID="k1">
  <mods:titleInfo><mods:nonSort>The</mods:nonSort><mods:title>Title &amp; more</mods:title><mods:subTitle>Sub</mods:subTitle></mods:titleInfo>
  <mods:name type="personal">
    <mods:namePart type="given">Ada</mods:namePart><mods:namePart type="family">Lovelace</mods:namePart>
    <mods:nameIdentifier type="orcid">https://orcid.org/0000-0002-1825-0097</mods:nameIdentifier>
    <mods:affiliation>Analytical Society</mods:affiliation>
    <mods:role><mods:roleTerm type="code" authority="marcrelator">aut</mods:roleTerm></mods:role>
  </mods:name>
  <mods:name type="personal"><mods:namePart>van der Berg, Jan</mods:namePart>
    <mods:role><mods:roleTerm type="text">editor</mods:roleTerm></mods:role></mods:name>
  <mods:name type="corporate"><mods:namePart>World Health Organization</mods:namePart></mods:name>
  <mods:genre authority="marcgt">journal article</mods:genre>
  <mods:originInfo><mods:dateIssued encoding="w3cdtf" point="start">2001-03</mods:dateIssued>
    <mods:dateIssued encoding="w3cdtf" point="end">2002</mods:dateIssued></mods:originInfo>
  <mods:relatedItem type="host"><mods:titleInfo><mods:title>Journal of Tests</mods:title></mods:titleInfo>
    <mods:part><mods:detail type="volume"><mods:number>7</mods:number></mods:detail>
      <mods:detail type="issue"><mods:number>2</mods:number></mods:detail>
      <mods:extent unit="pages"><mods:start>10</mods:start><mods:end>20</mods:end></mods:extent></mods:part>
  </mods:relatedItem>
  <mods:identifier type="doi">https://doi.org/10.1000/xyz</mods:identifier>
  <mods:identifier type="pmid">123</mods:identifier>
  <mods:subject><mods:topic>a, b</mods:topic><mods:topic>c</mods:topic></mods:subject>
  <mods:abstract>First.</mods:abstract>
  <mods:frobnicate>x</mods:frobnicate>
</mods:mods>
"#,
    );
    assert!(mods::sniff(&text) && !biblatexml::sniff(&text));
    let p = mods::read(&text);
    let e = &p.bibliography.entries[0];
    assert_eq!(e.key, "k1");
    assert_eq!(e.kind, "article");
    assert_eq!(e.title().as_deref(), Some("The Title & more"));
    assert_eq!(e.get("subtitle").unwrap().to_string(), "Sub");
    let Some(Value::Names(a)) = e.get("author") else {
        panic!()
    };
    assert_eq!(a.names.len(), 2);
    let Name::Person(ada) = &a.names[0] else {
        panic!()
    };
    assert_eq!(ada.orcid, "0000-0002-1825-0097");
    assert_eq!(ada.affiliation, "Analytical Society");
    assert_eq!(
        a.names[1],
        Name::Literal("World Health Organization".into())
    );
    let Some(Value::Names(ed)) = e.get("editor") else {
        panic!()
    };
    let Name::Person(jan) = &ed.names[0] else {
        panic!()
    };
    assert_eq!(
        (jan.particle.as_str(), jan.family.as_str()),
        ("van der", "Berg")
    );
    assert_eq!(e.get("date").unwrap().to_string(), "2001-03/2002");
    assert_eq!(
        e.get("journaltitle").unwrap().to_string(),
        "Journal of Tests"
    );
    assert_eq!(e.get("volume").unwrap().to_string(), "7");
    assert_eq!(e.get("number").unwrap().to_string(), "2");
    assert_eq!(e.get("pages").unwrap().to_string(), "10–20");
    assert_eq!(e.get("doi").unwrap().to_string(), "10.1000/xyz");
    assert_eq!(e.get("pmid").unwrap().to_string(), "123");
    assert_eq!(e.get("keywords").unwrap().to_string(), "a, b; c");
    let dropped: Vec<_> = p
        .diagnostics
        .iter()
        .filter(|d| d.rule == "mods-dropped")
        .collect();
    assert_eq!(dropped.len(), 1, "{:?}", p.diagnostics);
    assert!(dropped[0].message.contains("frobnicate"));
    assert_eq!(dropped[0].line, 26);
    assert_eq!(dropped[0].key.as_deref(), Some("k1"));
}

#[test]
fn a_default_namespace_single_record_reads_too() {
    let text = format!(
        "<mods xmlns=\"{MODS_NS}\"><titleInfo><title>T</title></titleInfo><genre>book</genre></mods>"
    );
    assert!(mods::sniff(&text));
    let p = mods::read(&text);
    assert_eq!(p.bibliography.entries[0].kind, "book");
}

#[test]
fn sniffers_are_exclusive() {
    let endnote = "<?xml version=\"1.0\"?><xml><records><record><ref-type name=\"Journal Article\">17</ref-type></record></records></xml>";
    let bltx = format!("<bltx:entries xmlns:bltx=\"{BLTX_NS}\"/>");
    let mods_ = mods_doc("");
    for (text, want) in [
        (endnote, (false, false)),
        (bltx.as_str(), (false, true)),
        (mods_.as_str(), (true, false)),
        ("TY  - JOUR\nER  - \n", (false, false)),
        ("@article{k, title={<mods>}}", (false, false)),
        ("<entries><entry/></entries>", (false, false)),
    ] {
        assert_eq!((mods::sniff(text), biblatexml::sniff(text)), want, "{text}");
    }
}

#[test]
fn invalid_and_truncated_documents_are_errors_with_lines() {
    let doc = mods_doc(
        "<mods:mods><mods:titleInfo><mods:title>One</mods:title></mods:titleInfo></mods:mods>\n<mods:mods><mods:titleInfo><mods:title>Two</mods:title></mods:titleInfo></mods:mods>\n",
    );
    // Every prefix: no panic; an error with a line unless the document is whole; the
    // records complete before the break are kept.
    for cut in 0..doc.len() {
        if !doc.is_char_boundary(cut) || doc[..cut].trim_end() == doc.trim_end() {
            continue;
        }
        let p = mods::read(&doc[..cut]);
        assert!(p.has_errors(), "cut at {cut}");
        assert!(p.diagnostics.iter().all(|d| d.line >= 1));
        assert!(p.bibliography.len() <= 2);
    }
    let whole = mods::read(&doc);
    assert!(!whole.has_errors(), "{:?}", whole.diagnostics);
    assert_eq!(whole.bibliography.len(), 2);
    let cut = doc
        .find("<mods:mods><mods:titleInfo><mods:title>Two")
        .unwrap()
        + 20;
    let p = mods::read(&doc[..cut]);
    assert_eq!(p.bibliography.len(), 1);
    let err = p
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
        .unwrap();
    assert_eq!(err.rule, "mods-syntax");
    assert_eq!(err.line, 4);
    // Mismatched tags, a second root, not XML at all, another root element.
    for bad in [
        "<mods><titleInfo></mods>",
        "<mods/><mods/>",
        "TY  - JOUR",
        "<other/>",
        "",
    ] {
        let p = mods::read(bad);
        assert!(p.has_errors(), "{bad}: {:?}", p.diagnostics);
        let p = biblatexml::read(bad);
        assert!(p.has_errors(), "{bad}: {:?}", p.diagnostics);
    }
    let p = biblatexml::read(&format!(
        "<bltx:entries xmlns:bltx=\"{BLTX_NS}\">\n<bltx:entry id=\"a\"><bltx:title>T</bltx:title></bltx:entry>\n<bltx:entry id=\"b\" entrytype=\"book\"/>\n</bltx:entries>"
    ));
    assert_eq!(p.bibliography.len(), 1);
    let err = p
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
        .unwrap();
    assert_eq!((err.rule, err.line), ("biblatexml-no-type", 2));
}

#[test]
fn custom_entities_are_not_expanded() {
    // A billion laughs: quick-xml expands no entity the document declares, so each
    // reference is one reported, dropped reference and nothing grows.
    let mut dtd = String::from("<!DOCTYPE mods [\n<!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        dtd.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    dtd.push_str("]>\n");
    let text = format!(
        "<?xml version=\"1.0\"?>\n{dtd}<mods xmlns=\"{MODS_NS}\"><titleInfo><title>a&lol9;b</title></titleInfo></mods>"
    );
    let p = mods::read(&text);
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    let e = &p.bibliography.entries[0];
    assert_eq!(e.title().as_deref(), Some("ab"));
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.rule == "mods-dropped" && d.message.contains("&lol9;"))
    );
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.message.contains("DOCTYPE declares entities"))
    );
    // Predefined and character references are decoded.
    let p = mods::read(&format!(
        "<mods xmlns=\"{MODS_NS}\"><titleInfo><title>&lt;&#233;&#x263A;&gt;</title></titleInfo></mods>"
    ));
    assert_eq!(p.bibliography.entries[0].title().as_deref(), Some("<é☺>"));
}

/// Seconds to read `text` with `f`, the best of three.
fn time(text: &str, f: fn(&str) -> Parsed) -> f64 {
    (0..3)
        .map(|_| {
            let t = std::time::Instant::now();
            std::hint::black_box(f(text));
            t.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

/// Time at 4n over time at n, well below 16 (quadratic): linear is 4.
fn assert_linear(what: &str, make: impl Fn(usize) -> String, n: usize, f: fn(&str) -> Parsed) {
    let small = make(n);
    let large = make(4 * n);
    let (a, b) = (time(&small, f), time(&large, f));
    let ratio = b / a.max(1e-6);
    say(format!(
        "{what}: {:.1} ms at {} bytes, {:.1} ms at {} bytes (×{ratio:.1})",
        a * 1e3,
        small.len(),
        b * 1e3,
        large.len()
    ));
    assert!(
        ratio < 10.0,
        "{what}: time grows ×{ratio:.1} for 4× the input"
    );
}

#[test]
fn deep_nesting_costs_neither_stack_nor_quadratic_time() {
    // Deeply nested host items: only the first level is read, the rest reported once.
    let related = |n: usize| {
        let mut s = String::from("<mods><titleInfo><title>T</title></titleInfo>");
        s.push_str(&"<relatedItem type=\"host\">".repeat(n));
        s.push_str(&"</relatedItem>".repeat(n));
        s.push_str("</mods>");
        s
    };
    let p = mods::read(&related(100_000));
    assert_eq!(p.bibliography.len(), 1);
    assert!(p.diagnostics.len() < 5, "{}", p.diagnostics.len());
    assert_linear("mods nested relatedItem", related, 20_000, mods::read);
    // Nested markup inside a field: its text is gathered without recursion.
    let markup = |n: usize| {
        format!(
            "<bltx:entries xmlns:bltx=\"{BLTX_NS}\"><bltx:entry id=\"a\" entrytype=\"book\"><bltx:title>{}x{}</bltx:title></bltx:entry></bltx:entries>",
            "<bltx:b>".repeat(n),
            "</bltx:b>".repeat(n)
        )
    };
    let p = biblatexml::read(&markup(100_000));
    assert_eq!(p.bibliography.entries[0].title().as_deref(), Some("x"));
    assert_linear("biblatexml nested markup", markup, 20_000, biblatexml::read);
    let mods_markup = |n: usize| {
        format!(
            "<mods><titleInfo><title>{}x{}</title></titleInfo></mods>",
            "<i>".repeat(n),
            "</i>".repeat(n)
        )
    };
    assert_linear("mods nested markup", mods_markup, 20_000, mods::read);
}

#[test]
fn huge_text_and_many_records_are_linear() {
    let huge = |n: usize| {
        format!(
            "<mods><titleInfo><title>{}</title></titleInfo><abstract>{}</abstract></mods>",
            "word ".repeat(n),
            "a&amp;b ".repeat(n)
        )
    };
    let p = mods::read(&huge(200_000));
    assert_eq!(p.bibliography.len(), 1);
    assert_linear("mods huge text", huge, 100_000, mods::read);
    let many = |n: usize| {
        let mut s = String::from("<modsCollection>");
        for i in 0..n {
            s.push_str(&format!(
                "<mods><titleInfo><title>Title {i}</title></titleInfo><name><namePart>Doe, Jane</namePart></name><originInfo><dateIssued>2020</dateIssued></originInfo><genre>article</genre></mods>\n"
            ));
        }
        s.push_str("</modsCollection>");
        s
    };
    let p = mods::read(&many(10_000));
    assert_eq!(p.bibliography.len(), 10_000);
    assert_linear("mods many records", many, 5_000, mods::read);
    let many_bltx = |n: usize| {
        let mut s = format!("<bltx:entries xmlns:bltx=\"{BLTX_NS}\">");
        for i in 0..n {
            s.push_str(&format!(
                "<bltx:entry id=\"e{i}\" entrytype=\"article\"><bltx:title>Title {i}</bltx:title><bltx:names type=\"author\"><bltx:name><bltx:namepart type=\"family\">Doe</bltx:namepart></bltx:name></bltx:names><bltx:date>2020</bltx:date></bltx:entry>\n"
            ));
        }
        s.push_str("</bltx:entries>");
        s
    };
    let p = biblatexml::read(&many_bltx(10_000));
    assert_eq!(p.bibliography.len(), 10_000);
    assert_linear(
        "biblatexml many records",
        many_bltx,
        5_000,
        biblatexml::read,
    );
    // Many attributes and many identical dropped elements.
    let attrs = |n: usize| {
        let a: String = (0..n).map(|i| format!(" a{i}=\"v\"")).collect();
        format!("<mods{a}><titleInfo><title>T</title></titleInfo></mods>")
    };
    assert_linear("mods many attributes", attrs, 20_000, mods::read);
}
