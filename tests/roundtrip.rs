//! Round trips over the corpus, through the same streaming converter the command line uses:
//!
//! * bib → BibTeX and bib → BibLaTeX are idempotent: converting the output again gives the
//!   same bytes;
//! * bib → BibLaTeX → CSL-JSON equals bib → CSL-JSON;
//! * bib → BibTeX → bib → CSL-JSON equals bib → CSL-JSON, but for what BibTeX cannot
//!   hold, each difference named by [`bibtex_loss`];
//! * CSL-JSON → CSL-JSON is the identity: on bibkit's own output byte for byte, on
//!   third-party CSL-JSON up to the normalisations the module docs list;
//! * CSL-JSON → BibLaTeX → CSL-JSON keeps every variable bibkit's output has (the core ones
//!   — id, type, title, names, dates, container, DOI, pages, volume, issue, publisher, URL —
//!   and all others), except that `.bib` text collapses runs of whitespace.
//!
//! Every CSL-JSON output is checked against the official schema.

mod common;

use std::path::Path;

use bibkit::convert::{Converter, Target};
use bibkit::formats::bibtex::{Dialect, WriteOptions};
use bibkit::formats::csl_json;
use bibkit::source;
use serde_json::Value as Json;

#[derive(Clone, Copy, Debug)]
enum From {
    Bib,
    Csl,
}

fn convert(bytes: &[u8], encoding: Option<&str>, from: From, target: Target) -> String {
    let decoded = source::decode(bytes, encoding).expect("known encoding");
    let mut conv = Converter::new(Vec::new(), target);
    match from {
        From::Bib => conv.bibtex(&decoded, None, encoding),
        From::Csl => conv.csl_json(&decoded, None, encoding),
    }
    .expect("writing to memory");
    String::from_utf8(conv.finish().expect("writing to memory")).expect("UTF-8 output")
}

fn bib(dialect: Dialect) -> Target {
    Target::Bib(WriteOptions::new().dialect(dialect))
}

/// The first line where two texts differ, for messages.
fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  - {x}\n  + {y}", i + 1);
        }
    }
    format!(
        "lengths differ ({} vs {} lines)",
        a.lines().count(),
        b.lines().count()
    )
}

/// The well-formed corpus `.bib` files (`ok` and `nonstandard`), with their bytes.
fn bib_files(corpus: &Path) -> Vec<(String, Vec<u8>, Option<String>)> {
    common::manifest(corpus)
        .into_iter()
        .filter(|r| r.status != "malformed")
        .map(|r| {
            let bytes = std::fs::read(corpus.join("bib").join(&r.file)).unwrap();
            let enc = r.encoding().map(str::to_string);
            (r.file, bytes, enc)
        })
        .collect()
}

#[test]
fn bib_output_is_idempotent() {
    let Some(corpus) = common::corpus("bib_output_is_idempotent") else {
        return;
    };
    let mut failures = Vec::new();
    let files = bib_files(&corpus);
    assert!(files.len() >= 50);
    for (name, bytes, enc) in &files {
        for dialect in [Dialect::Bibtex, Dialect::Biblatex] {
            let once = convert(bytes, enc.as_deref(), From::Bib, bib(dialect));
            let twice = convert(once.as_bytes(), None, From::Bib, bib(dialect));
            if once != twice {
                failures.push(format!(
                    "{name} ({dialect:?}): {}",
                    first_difference(&once, &twice)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "not idempotent:\n{}",
        failures.join("\n")
    );
}

#[test]
fn biblatex_then_csl_equals_csl() {
    let Some(corpus) = common::corpus("biblatex_then_csl_equals_csl") else {
        return;
    };
    let validator = common::csl_validator(&corpus);
    let mut failures = Vec::new();
    for (name, bytes, enc) in &bib_files(&corpus) {
        let direct = convert(bytes, enc.as_deref(), From::Bib, Target::CslJson);
        let json: Json = serde_json::from_str(&direct).unwrap();
        common::assert_valid_csl(&validator, &json, name);
        let via = convert(bytes, enc.as_deref(), From::Bib, bib(Dialect::Biblatex));
        let indirect = convert(via.as_bytes(), None, From::Bib, Target::CslJson);
        if direct != indirect {
            failures.push(format!("{name}: {}", first_difference(&direct, &indirect)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Compares two CSL-JSON arrays item by item and variable by variable; returns the
/// differences, skipping variables `skip` names.
fn compare(a: &Json, b: &Json, skip: &[&str]) -> Vec<String> {
    let (a, b) = (a.as_array().unwrap(), b.as_array().unwrap());
    let mut out = Vec::new();
    if a.len() != b.len() {
        out.push(format!("{} items became {}", a.len(), b.len()));
    }
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.as_object().unwrap(), y.as_object().unwrap());
        let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
        for k in keys {
            if skip.contains(&k.as_str()) {
                continue;
            }
            if x.get(k) != y.get(k) {
                out.push(format!(
                    "{}: `{k}`: {} → {}",
                    x["id"],
                    x.get(k).map_or("absent".into(), Json::to_string),
                    y.get(k).map_or("absent".into(), Json::to_string)
                ));
            }
        }
    }
    out
}

/// `.bib` values collapse whitespace; these variables may hold paragraphs.
const PARAGRAPHS: &[&str] = &["abstract", "note", "annote"];

#[test]
fn csl_output_round_trips() {
    let Some(corpus) = common::corpus("csl_output_round_trips") else {
        return;
    };
    let validator = common::csl_validator(&corpus);
    let mut failures = Vec::new();
    for (name, bytes, enc) in &bib_files(&corpus) {
        let csl = convert(bytes, enc.as_deref(), From::Bib, Target::CslJson);
        // CSL-JSON → CSL-JSON: the same bytes.
        let again = convert(csl.as_bytes(), None, From::Csl, Target::CslJson);
        if csl != again {
            failures.push(format!(
                "{name} (csl → csl): {}",
                first_difference(&csl, &again)
            ));
        }
        // CSL-JSON → BibLaTeX → CSL-JSON: every variable kept.
        let bl = convert(csl.as_bytes(), None, From::Csl, bib(Dialect::Biblatex));
        let back = convert(bl.as_bytes(), None, From::Bib, Target::CslJson);
        let (a, b): (Json, Json) = (
            serde_json::from_str(&csl).unwrap(),
            serde_json::from_str(&back).unwrap(),
        );
        common::assert_valid_csl(&validator, &b, name);
        for d in compare(&a, &b, PARAGRAPHS) {
            failures.push(format!("{name} (csl → biblatex → csl): {d}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Third-party CSL-JSON as bibkit writes it: numbers in string variables and `date-parts`
/// as bibkit writes them, `citation-key` always present, page ranges with `-`, BibLaTeX
/// type keys in `genre` in English, `custom` keys in lowercase, properties the schema
/// does not know moved into `custom`, and empty strings dropped.
fn normalise(items: &Json) -> Json {
    let schema_vars = |k: &str| {
        k == "id"
            || k == "type"
            || k == "citation-key"
            || k == "custom"
            || csl_json::is_csl_variable(k)
    };
    let mut out = Vec::new();
    for item in items.as_array().unwrap() {
        let mut m = serde_json::Map::new();
        let mut custom = serde_json::Map::new();
        for (k, v) in item.as_object().unwrap() {
            if v.as_str().is_some_and(|s| s.trim().is_empty()) {
                continue;
            }
            let v = match (k.as_str(), v) {
                ("custom", Json::Object(c)) => {
                    for (ck, cv) in c {
                        custom.insert(ck.to_lowercase(), cv.clone());
                    }
                    continue;
                }
                (_, Json::Number(n)) => Json::String(n.to_string()),
                ("page", Json::String(s)) => Json::String(s.replace('–', "-")),
                ("genre", Json::String(s)) => Json::String(csl_json::type_text(s).to_string()),
                (_, Json::Object(d)) if d.contains_key("date-parts") => {
                    let mut d = d.clone();
                    let parts: Vec<Json> = d["date-parts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| {
                            Json::Array(
                                p.as_array()
                                    .unwrap()
                                    .iter()
                                    .map(|x| match x {
                                        Json::String(s) => s.parse::<i64>().unwrap().into(),
                                        x => x.clone(),
                                    })
                                    .collect(),
                            )
                        })
                        .collect();
                    d.insert("date-parts".into(), Json::Array(parts));
                    Json::Object(d)
                }
                (_, v) => v.clone(),
            };
            if schema_vars(k) {
                m.insert(k.clone(), v);
            } else {
                custom.insert(k.to_lowercase(), v);
            }
        }
        if !m.contains_key("citation-key") {
            m.insert("citation-key".into(), m["id"].clone());
        }
        if !custom.is_empty() {
            m.insert("custom".into(), Json::Object(custom));
        }
        out.push(Json::Object(m));
    }
    Json::Array(out)
}

/// Differences that are not normalisations: date ranges that end before they start are no
/// dates (bibkit keeps them as text, with a warning).
const KNOWN: &[&str] = &[
    "\"001121001222-11\": `issued`",
    "\"201121201222-2011\": `issued`",
];

#[test]
fn third_party_csl_round_trips() {
    let Some(corpus) = common::corpus("third_party_csl_round_trips") else {
        return;
    };
    let validator = common::csl_validator(&corpus);
    let mut failures = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(corpus.join("csl/data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 8);
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let input: Json = serde_json::from_slice(&bytes).unwrap();
        let csl = convert(&bytes, None, From::Csl, Target::CslJson);
        let out: Json = serde_json::from_str(&csl).unwrap();
        common::assert_valid_csl(&validator, &out, &name);
        for d in compare(&normalise(&input), &out, &[]) {
            if !KNOWN.iter().any(|k| d.starts_with(k)) {
                failures.push(format!("{name} (csl → csl): {d}"));
            }
        }
        // Through BibLaTeX: every variable kept.
        let bl = convert(csl.as_bytes(), None, From::Csl, bib(Dialect::Biblatex));
        let back = convert(bl.as_bytes(), None, From::Bib, Target::CslJson);
        let back: Json = serde_json::from_str(&back).unwrap();
        common::assert_valid_csl(&validator, &back, &name);
        for d in compare(&out, &back, PARAGRAPHS) {
            failures.push(format!("{name} (csl → biblatex → csl): {d}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What BibTeX cannot hold, so that bib → BibTeX → bib → CSL-JSON loses it on purpose (the
/// README's normalisation section lists them): the reason a difference in variable `var`
/// of one item (`before` → `after`) is one of them, or `None`.
fn bibtex_loss(var: &str, before: &Json, after: &Json) -> Option<&'static str> {
    let custom = |j: &Json, k: &str| j.get("custom").and_then(|c| c.get(k)).cloned();
    match var {
        // `address` and `location` are one BibTeX field: BibTeX output keeps `address`
        // (and the reader warns, `duplicate-field`).
        "publisher-place" if custom(before, "address").is_some() => {
            Some("address and location are one BibTeX field")
        }
        "custom" => {
            let strip = |j: &Json| {
                let mut c = j.get("custom").cloned().unwrap_or(Json::Null);
                if let Some(m) = c.as_object_mut() {
                    for k in ["address", "archiveprefix", "eprinttype"] {
                        m.remove(k);
                    }
                    if m.is_empty() {
                        c = Json::Null;
                    }
                }
                c
            };
            (strip(before) == strip(after)).then_some(
                "archivePrefix/eprinttype and address/location are one BibTeX field each",
            )
        }
        // A family name of several words alone reads back as an organisation's name:
        // BibTeX has no way to say which it is.
        "author" | "editor" => {
            let lit = |j: &Json| -> Json {
                let mut j = j.clone();
                for n in j.as_array_mut().into_iter().flatten() {
                    if let Some(m) = n.as_object_mut() {
                        if m.len() == 1 {
                            if let Some(f) = m.remove("family") {
                                m.insert("literal".into(), f);
                            }
                        }
                    }
                }
                j
            };
            (lit(&before[var]) == lit(&after[var]))
                .then_some("a family name alone reads back as a literal name")
        }
        _ => None,
    }
}

#[test]
fn bibtex_then_csl_equals_csl_but_for_documented_losses() {
    let Some(corpus) = common::corpus("bibtex_then_csl_equals_csl_but_for_documented_losses")
    else {
        return;
    };
    let mut failures = Vec::new();
    let mut losses: std::collections::BTreeMap<&str, usize> = Default::default();
    for (name, bytes, enc) in &bib_files(&corpus) {
        let direct: Json =
            serde_json::from_str(&convert(bytes, enc.as_deref(), From::Bib, Target::CslJson))
                .unwrap();
        let via = convert(bytes, enc.as_deref(), From::Bib, bib(Dialect::Bibtex));
        let again: Json =
            serde_json::from_str(&convert(via.as_bytes(), None, From::Bib, Target::CslJson))
                .unwrap();
        let (a, b) = (direct.as_array().unwrap(), again.as_array().unwrap());
        assert_eq!(a.len(), b.len(), "{name}: record count");
        for (x, y) in a.iter().zip(b) {
            let keys: std::collections::BTreeSet<&String> = x
                .as_object()
                .unwrap()
                .keys()
                .chain(y.as_object().unwrap().keys())
                .collect();
            for k in keys {
                if x.get(k) == y.get(k) {
                    continue;
                }
                match bibtex_loss(k, x, y) {
                    Some(why) => *losses.entry(why).or_default() += 1,
                    None => failures.push(format!(
                        "{name}: {}: `{k}`: {} → {}",
                        x["id"],
                        x.get(k).map_or("absent".into(), Json::to_string),
                        y.get(k).map_or("absent".into(), Json::to_string)
                    )),
                }
            }
        }
    }
    eprintln!("bib → BibTeX → bib → CSL-JSON: documented losses {losses:?}");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
