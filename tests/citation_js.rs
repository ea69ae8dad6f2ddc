//! Agreement with citation-js's BibTeX/BibLaTeX → CSL-JSON mapping: its test inputs
//! (`bib/citation-js__mapping-{bibtex,biblatex}-input.bib`) converted by bibkit, compared
//! with its expected output (`csl/data/citation-js__mapping-*-csl.json`) field by field
//! (each `custom` key counts as a field). At least 85 % must agree, and every difference
//! must be one of bibkit's deliberate ones:
//!
//! * **case protection** — bibkit keeps braced words as `<span class="nocase">` (citation-js
//!   drops the braces, so styles may change the case of `{Hopper}` or `{CEUR}`);
//! * **genre in English** — BibLaTeX's type keys become the text they print
//!   (`mathesis` → `Master's thesis`), since CSL prints `genre` as it stands;
//! * **types** — `@booklet` is CSL `pamphlet` (citation-js: `book`), `@misc` is `article`
//!   (citation-js: `document`);
//! * **series numbers** — `number` of an `@inproceedings` is its number in the series,
//!   `collection-number` (citation-js: `issue`);
//! * **organisations** — a braced name is a `literal` (citation-js: a `family` name);
//! * **et al.** — `Born, L. et al.` is one person and the truncation flag (citation-js: a
//!   given name `L. et al.`);
//! * **`bookpagination`** — bibkit keeps `pages` as `page` and `bookpagination` in `custom`
//!   (citation-js: `section`).

mod common;

use std::collections::BTreeMap;

use bibkit::formats::{bibtex, csl_json};
use serde_json::Value as Json;

/// Why a field differs, if the difference is a deliberate one.
fn deliberate(id: &str, var: &str, expected: &Json, item: &Json) -> Option<&'static str> {
    let got = item.get(var);
    let strip_nocase = |s: &str| {
        s.replace("<span class=\"nocase\">", "")
            .replace("</span>", "")
    };
    match (var, expected, got) {
        (_, Json::String(e), Some(Json::String(g))) if strip_nocase(g) == *e => {
            Some("case protection")
        }
        ("genre", Json::String(e), Some(Json::String(g))) if csl_json::type_text(e) == g => {
            Some("genre in English")
        }
        ("type", Json::String(e), Some(Json::String(g)))
            if (e == "book" && g == "pamphlet") || (e == "document" && g == "article") =>
        {
            Some("types")
        }
        ("issue", e, None) if item.get("collection-number") == Some(e) => Some("series numbers"),
        ("author", Json::Array(e), Some(Json::Array(g)))
            if e.len() == g.len()
                && e.iter().zip(g).all(|(e, g)| {
                    e == g || (e.get("given").is_none() && e.get("family") == g.get("literal"))
                }) =>
        {
            Some("organisations")
        }
        ("author", Json::Array(e), Some(Json::Array(g)))
            if e.len() == 1
                && g.last() == Some(&serde_json::json!({"literal": "others"}))
                && e[0]["given"]
                    .as_str()
                    .is_some_and(|s| s.ends_with("et al.")) =>
        {
            Some("et al.")
        }
        ("section", e, None) if item.get("page") == Some(e) && id == "batori_river_2020" => {
            Some("bookpagination")
        }
        _ => None,
    }
}

#[test]
fn agrees_with_citation_js() {
    let Some(corpus) = common::corpus("agrees_with_citation_js") else {
        return;
    };
    let validator = common::csl_validator(&corpus);
    let (mut total, mut agree) = (0usize, 0usize);
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unexplained = Vec::new();
    for flavour in ["bibtex", "biblatex"] {
        let input = std::fs::read_to_string(
            corpus.join(format!("bib/citation-js__mapping-{flavour}-input.bib")),
        )
        .unwrap();
        let expected: Json = serde_json::from_str(
            &std::fs::read_to_string(
                corpus.join(format!("csl/data/citation-js__mapping-{flavour}-csl.json")),
            )
            .unwrap(),
        )
        .unwrap();
        let ours = csl_json::to_value(&bibtex::read(&input).bibliography);
        common::assert_valid_csl(&validator, &ours, flavour);
        let by_id: BTreeMap<&str, &Json> = ours
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].as_str().unwrap(), i))
            .collect();
        for exp in expected.as_array().unwrap() {
            let id = exp["id"].as_str().unwrap();
            let item = by_id
                .get(id)
                .unwrap_or_else(|| panic!("{flavour}: no item `{id}`"));
            for (var, e) in exp.as_object().unwrap() {
                if var == "custom" {
                    for (k, v) in e.as_object().unwrap() {
                        total += 1;
                        let got = item["custom"].get(k.to_lowercase());
                        if got == Some(v) {
                            agree += 1;
                        } else {
                            unexplained.push(format!("{flavour} {id} custom.{k}: {v} vs {got:?}"));
                        }
                    }
                    continue;
                }
                total += 1;
                if item.get(var) == Some(e) {
                    agree += 1;
                } else if let Some(class) = deliberate(id, var, e, item) {
                    *classes.entry(class).or_default() += 1;
                } else {
                    unexplained.push(format!(
                        "{flavour} {id} {var}: expected {e}, bibkit {}",
                        item.get(var).map_or("nothing".into(), Json::to_string)
                    ));
                }
            }
        }
    }
    let rate = agree as f64 / total as f64;
    let summary = format!(
        "agreement {agree}/{total} = {:.1} %; deliberate differences: {classes:?}",
        rate * 100.0
    );
    std::io::Write::write_all(&mut std::io::stderr(), format!("{summary}\n").as_bytes()).ok();
    assert!(rate >= 0.85, "{summary}");
    assert!(
        unexplained.is_empty(),
        "{summary}\ndifferences that are not deliberate:\n{}",
        unexplained.join("\n")
    );
}
