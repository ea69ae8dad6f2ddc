//! The Web of Science reader over `../shared/corpus/formats/wos`: every file reads with the
//! manifest's record count (an `invalid` file with an error) and is told from its content
//! whatever its extension (the `.ris` export is WoS, not RIS; no RIS or MEDLINE file of the
//! corpus sniffs as WoS); entries agree field by field with any `.expected.bib` companion
//! (the shared corpus has none: JabRef's expectations for its `.isi` files live in its test
//! code), and read back the same from the BibLaTeX the bibtex writer makes of them.
//! Hostile inputs read in linear time.

mod common;

use common::{corpus, formats_manifest as manifest};

use std::collections::BTreeMap;
use std::path::Path;

use bibkit::formats::{bibtex, medline, ris, wos};
use bibkit::model::{Bibliography, Entry, Name, Value};

fn text_of(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

#[test]
fn every_file_reads_with_its_record_count() {
    let Some(corpus) = corpus("every_file_reads_with_its_record_count") else {
        return;
    };
    let rows = manifest(&corpus, "wos");
    assert!(rows.len() >= 16, "{} WoS files in the manifest", rows.len());
    let mut failures = Vec::new();
    let mut records = 0;
    let mut report = BTreeMap::<&'static str, usize>::new();
    for (file, status, want) in &rows {
        let text = text_of(&corpus.join("formats").join(file));
        let told = (wos::sniff(&text), ris::sniff(&text), medline::sniff(&text));
        if told != (true, false, false) {
            failures.push(format!("{file}: sniffed (wos, ris, medline) {told:?}"));
        }
        let parsed = wos::WosReader::new().file(file.as_str()).read(&text);
        let got = parsed.bibliography.len();
        records += got;
        for d in &parsed.diagnostics {
            *report.entry(d.rule).or_default() += 1;
            if d.line == 0 || d.file.is_none() {
                failures.push(format!("{file}: diagnostic without a position {d:?}"));
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
                    .filter(|d| d.severity == bibkit::diagnostic::Severity::Error)
                    .collect::<Vec<_>>()
            ));
        }
        for e in &parsed.bibliography.entries {
            if e.key.is_empty() || e.title().is_none() {
                failures.push(format!("{file}: entry without a key or title {e:?}"));
            }
        }
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "{} files, {records} records; diagnostics by rule: {report:?}",
        rows.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The other formats' files are not WoS.
#[test]
fn no_ris_or_medline_file_sniffs_as_wos() {
    let Some(corpus) = corpus("no_ris_or_medline_file_sniffs_as_wos") else {
        return;
    };
    let mut failures = Vec::new();
    for format in ["ris", "medline", "endnote-tagged"] {
        for (file, status, _) in manifest(&corpus, format) {
            let text = text_of(&corpus.join("formats").join(&file));
            if wos::sniff(&text) {
                failures.push(format!("{file} ({status}) sniffs as WoS"));
            }
            if format == "ris" && status != "invalid" && medline::sniff(&text) {
                failures.push(format!("{file} ({status}) sniffs as MEDLINE"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A field of an expected entry (JabRef's `IsiImporter` names) and the field of ours.
const COMPARED: &[(&str, &str)] = &[
    ("title", "title"),
    ("author", "author"),
    ("editor", "editor"),
    ("journal", "journaltitle"),
    ("booktitle", "booktitle"),
    ("volume", "volume"),
    ("number", "number"),
    ("issue", "number"),
    ("pages", "pages"),
    ("year", "year"),
    ("doi", "doi"),
    ("abstract", "abstract"),
    ("issn", "issn"),
    ("isbn", "isbn"),
    ("publisher", "publisher"),
    ("language", "language"),
    ("pmid", "pmid"),
];

fn plain(e: &Entry, field: &str) -> Option<String> {
    if field == "year" {
        return e.year().map(|y| y.to_string());
    }
    Some(match e.get(field)? {
        Value::Names(list) => list
            .names
            .iter()
            .map(|n| match n {
                Name::Person(p) => p.family_with_particle().to_lowercase(),
                Name::Literal(s) => s.to_lowercase(),
            })
            .collect::<Vec<_>>()
            .join(" and "),
        v => v.to_plain_string(),
    })
}

#[test]
fn entries_agree_with_any_expected_companion() {
    let Some(corpus) = corpus("entries_agree_with_any_expected_companion") else {
        return;
    };
    let mut per_field = BTreeMap::<&str, (usize, usize)>::new();
    let mut misses = Vec::new();
    let mut files = 0;
    for (file, _, _) in manifest(&corpus, "wos") {
        let stem = file.rsplit_once('.').map_or(file.as_str(), |s| s.0);
        let expected = corpus.join("formats").join(format!("{stem}.expected.bib"));
        if !expected.is_file() {
            continue;
        }
        files += 1;
        let want = bibtex::read(&text_of(&expected)).bibliography;
        let got = wos::read(&text_of(&corpus.join("formats").join(&file))).bibliography;
        for (w, g) in want.entries.iter().zip(&got.entries) {
            for f in &w.fields {
                let Some((name, ours)) = COMPARED.iter().find(|(n, _)| *n == f.name) else {
                    continue;
                };
                let squash = |s: String| {
                    s.replace("--", "–")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_lowercase()
                };
                let e = squash(plain(w, name).unwrap_or_default());
                let o = squash(plain(g, ours).unwrap_or_default());
                let slot = per_field.entry(name).or_default();
                slot.1 += 1;
                if e == o {
                    slot.0 += 1;
                } else {
                    misses.push(format!("{file}: {name}: expected `{e}`, read `{o}`"));
                }
            }
        }
    }
    let (agree, total) = per_field
        .values()
        .fold((0, 0), |(a, t), (x, y)| (a + x, t + y));
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "WoS agreement with {files} expected companions: {agree}/{total} {per_field:?}; differing: {misses:#?}"
    );
    assert!(
        agree as f64 >= 0.8 * total as f64,
        "agreement {agree}/{total}: {misses:#?}"
    );
}

/// Entries without what BibTeX cannot carry: persons' ORCIDs and affiliations
/// (PERSON_DETAILS: BibTeX has no place for them) and origins.
fn comparable(bib: &Bibliography) -> Vec<Entry> {
    bib.entries
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.origin = None;
            for f in &mut e.fields {
                f.span = None;
                if let Value::Names(list) = &mut f.value {
                    for n in &mut list.names {
                        if let Name::Person(p) = n {
                            p.orcid.clear();
                            p.affiliation.clear();
                        }
                    }
                }
            }
            e
        })
        .collect()
}

#[test]
fn entries_read_back_the_same_through_biblatex() {
    let Some(corpus) = corpus("entries_read_back_the_same_through_biblatex") else {
        return;
    };
    let opts = bibtex::WriteOptions::new().dialect(bibtex::Dialect::Biblatex);
    let mut failures = Vec::new();
    for (file, _, _) in manifest(&corpus, "wos") {
        let bib = wos::read(&text_of(&corpus.join("formats").join(&file))).bibliography;
        let back = bibtex::read(&bibtex::write(&bib, &opts));
        if back.has_errors() {
            failures.push(format!("{file}: {:?}", back.diagnostics));
            continue;
        }
        let (a, b) = (comparable(&bib), comparable(&back.bibliography));
        if a.len() != b.len() {
            failures.push(format!("{file}: {} entries, {} back", a.len(), b.len()));
            continue;
        }
        let words = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
        for (x, y) in a.iter().zip(&b) {
            if (&x.key, &x.kind, x.fields.len()) != (&y.key, &y.kind, y.fields.len()) {
                failures.push(format!("{file}: {x:?}\ncame back as\n{y:?}"));
                continue;
            }
            for f in &x.fields {
                let theirs = y.get(&f.name);
                let same = theirs.is_some_and(|t| {
                    words(t.to_plain_string()) == words(f.value.to_plain_string())
                        && std::mem::discriminant(t) == std::mem::discriminant(&f.value)
                        && (!matches!(f.value, Value::Names(_)) || *t == f.value)
                });
                if !same {
                    failures.push(format!(
                        "{file}: {}: `{}` {:?} came back as {theirs:?}",
                        x.key, f.name, f.value
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn hostile_inputs_read_in_linear_time() {
    let growth = |make: &dyn Fn(usize) -> String, n: usize| {
        let time = |s: &str| {
            (0..5)
                .map(|_| {
                    let t = std::time::Instant::now();
                    std::hint::black_box(wos::read(s));
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::MAX, f64::min)
        };
        let (a, b) = (make(n), make(4 * n));
        time(&b) / time(&a).max(1e-6)
    };
    // Many authors, each named in an address and an ORCID list (matching by name must
    // not be quadratic beyond the record's own size).
    let authors = |n: usize| {
        let k = (n / 2000).max(1);
        let mut s = String::from("FN x\nVR 1.0\n");
        let mut i = 0;
        while s.len() < n {
            s.push_str("PT J\nAF ");
            for j in 0..k {
                s.push_str(&format!("Family{j}, Given\n   "));
            }
            s.push_str(&format!("\nC1 [Family0, Given; Family1, Given] Place {i}\nOI Family0, Given/0000-0002-1825-0097\nTI T\nER\n"));
            i += 1;
        }
        s.push_str("EF\n");
        s
    };
    // Many records whose tags are dropped, guessed and broken.
    let many = |n: usize| {
        let mut s = String::new();
        let mut i = 0;
        while s.len() < n {
            s.push_str(&format!(
                "PT K\nAUGilles, H\nPD 9 {}\nPY 20{:02}\nCR a\n   b\nZZ x\nER\nAU stray\nER\n",
                i % 28 + 1,
                i % 100
            ));
            i += 1;
        }
        s
    };
    // One wrapped title of many lines, and one huge line.
    let long = |n: usize| {
        let mut s = String::from("PT J\nTI start\n");
        while s.len() < n {
            s.push_str("   more words of the title\n");
        }
        s
    };
    let line = |n: usize| format!("PT J\nAB {}", "x".repeat(n));
    // One record: every author in one address list, many addresses for one author, many
    // ORCIDs and many repeated tags.
    let one = |n: usize| {
        let k = n / 60;
        let mut s = String::from("PT J\nAF ");
        for j in 0..k {
            s.push_str(&format!("Family{j}, Given\n   "));
        }
        s.push_str("\nC1 [");
        for j in 0..k {
            s.push_str(&format!("Family{j}, G; "));
        }
        s.push_str("] Place\n");
        for j in 0..k / 4 {
            s.push_str(&format!(
                "   [Family0, Given] Place {j}\nEI 1234-{j}\nXY {j}\nCR r{j}\n"
            ));
        }
        s.push_str("OI ");
        for j in 0..k / 4 {
            s.push_str(&format!("Family{j}, Given/0000-0002-1825-0097; "));
        }
        s.push_str("\nER\n");
        s
    };
    for (what, make) in [
        ("one", &one as &dyn Fn(usize) -> String),
        ("authors", &authors),
        ("many", &many),
        ("long", &long),
        ("line", &line),
    ] {
        let r = growth(make, 400_000);
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{what}: 4× the input, {r:.1}× the time");
        assert!(r < 12.0, "{what}: 4× the input took {r:.1}× the time");
    }
    let text = many(3_000);
    for end in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
        let _ = wos::read(&text[..end]);
    }
}

/// What the reader makes of the corpus, for a look (`cargo test --test wos_corpus -- --ignored --nocapture`).
#[test]
#[ignore]
fn show() {
    let Some(corpus) = corpus("show") else { return };
    let opts = bibtex::WriteOptions::new().dialect(bibtex::Dialect::Biblatex);
    for (file, _, _) in manifest(&corpus, "wos") {
        let p = wos::read(&text_of(&corpus.join("formats").join(&file)));
        println!("=== {file}\n{}", bibtex::write(&p.bibliography, &opts));
        for d in p.diagnostics.iter().take(6) {
            println!("  {} {} {}", d.line, d.rule, d.message);
        }
    }
}
