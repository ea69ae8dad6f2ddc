//! bibkit ⇄ the `biblatex` crate's types (feature `biblatex`): every well-formed corpus file
//! read by bibkit, converted to the crate's bibliography and back, gives the same CSL-JSON
//! (as values; the crate keeps fields in alphabetical order), for every entry whose fields
//! all have one value (the crate holds one value per field) and hold no raw LaTeX (the crate
//! has no place for formatting commands, so they arrive as their text).
#![cfg(feature = "biblatex")]

mod common;

use bibkit::formats::{bibtex, csl_json};
use bibkit::model::Bibliography;

#[test]
fn corpus_survives_the_crate_types() {
    let Some(corpus) = common::corpus("corpus_survives_the_crate_types") else {
        return;
    };
    let mut compared = 0;
    let mut failures = Vec::new();
    for row in common::manifest(&corpus) {
        if row.status == "malformed" || row.encoding().is_some() {
            continue;
        }
        let text = std::fs::read_to_string(corpus.join("bib").join(&row.file)).unwrap();
        let mut bib = bibtex::Reader::new()
            .resolve_crossrefs(false)
            .read(&text)
            .bibliography;
        // One entry per key and one value per field, as the crate holds them.
        let mut seen = std::collections::HashSet::new();
        bib.entries.retain(|e| {
            let mut names = std::collections::HashSet::new();
            let raw = |f: &bibkit::model::Field| match &f.value {
                bibkit::model::Value::Text(t) => t
                    .chunks()
                    .iter()
                    .any(|c| matches!(c, bibkit::model::Chunk::Raw(_))),
                _ => false,
            };
            seen.insert(e.key.clone())
                && e.fields
                    .iter()
                    .all(|f| names.insert(f.name.clone()) && !raw(f))
        });
        let theirs = biblatex::Bibliography::from(&bib);
        let back = Bibliography::from(&theirs);
        let a = csl_json::to_value(&bib);
        let b = csl_json::to_value(&back);
        compared += bib.entries.len();
        // The crate treats `ids` aliases as keys: an entry whose key is another's alias
        // replaces it. Entries are matched by key.
        let by_id: std::collections::HashMap<&str, &serde_json::Value> = b
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].as_str().unwrap(), i))
            .collect();
        for x in a.as_array().unwrap() {
            let Some(y) = by_id.get(x["id"].as_str().unwrap()) else {
                continue;
            };
            for (k, v) in x.as_object().unwrap() {
                if y.get(k) != Some(v) {
                    failures.push(format!(
                        "{} {}: `{k}` {v} vs {:?}",
                        row.file,
                        x["id"],
                        y.get(k)
                    ));
                }
            }
            if x.as_object().unwrap().len() != y.as_object().unwrap().len() {
                failures.push(format!("{} {}: {x}\n  vs {y}", row.file, x["id"]));
            }
        }
    }
    assert!(compared > 3000, "only {compared} entries compared");
    assert!(
        failures.is_empty(),
        "{} entries differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
