//! The shared listing samples (`../shared/corpus/listing`) read through the public API must
//! match their expected records exactly; their CSL-JSON must be schema-valid and their
//! BibTeX must be readable by the `biblatex` crate with the same content.

mod common;

use bibkit::formats::{bibtex, csl_json, listing};
use bibkit::model::{Name, Person};
use biblatex::ChunksExt;
use serde_json::Value as Json;

fn check_file(corpus: &std::path::Path, stem: &str) {
    let text = std::fs::read_to_string(corpus.join(format!("listing/{stem}.txt"))).unwrap();
    let expected: Vec<Json> = serde_json::from_str(
        &std::fs::read_to_string(corpus.join(format!("listing/{stem}.expected.json"))).unwrap(),
    )
    .unwrap();
    let parsed = listing::ListingReader::new().file(stem).read(&text);
    assert!(!parsed.has_errors(), "{stem}: {:?}", parsed.diagnostics);
    let entries = &parsed.bibliography.entries;
    assert_eq!(entries.len(), expected.len(), "{stem}: record count");

    for (e, x) in entries.iter().zip(&expected) {
        let what = format!("{stem}: {}", x["title"]);
        assert_eq!(
            e.get("title").unwrap().to_plain_string(),
            x["title"].as_str().unwrap(),
            "{what}"
        );
        let authors = e.names("author").unwrap();
        let want: Vec<Name> = x["authors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                Name::Person(Person::new(
                    a["given"].as_str().unwrap(),
                    a["particle"].as_str().unwrap(),
                    a["family"].as_str().unwrap(),
                    a["suffix"].as_str().unwrap(),
                ))
            })
            .collect();
        assert_eq!(authors.names, want, "{what}");
        assert_eq!(
            authors.truncated,
            x["truncated"].as_bool().unwrap(),
            "{what}"
        );
        let issued: Vec<i64> = x["issued"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert_eq!(
            e.date_in("date").unwrap().start().unwrap().parts(),
            issued,
            "{what}"
        );
        assert_eq!(
            e.get("keywords").unwrap().to_plain_string(),
            x["subject"].as_str().unwrap(),
            "{what}"
        );
        assert_eq!(
            e.get("organization").map(|v| v.to_plain_string()),
            x["org"].as_str().map(str::to_string),
            "{what}"
        );
        assert_eq!(
            e.get("code").is_some(),
            x["code"].as_bool().unwrap(),
            "{what}"
        );
        assert_eq!(
            e.get("abstract").unwrap().to_plain_string(),
            x["abstract"].as_str().unwrap(),
            "{what}"
        );
        if let Some(line) = x.get("line").and_then(Json::as_u64) {
            assert_eq!(u64::from(e.origin.as_ref().unwrap().line), line, "{what}");
        }
    }

    // CSL-JSON: schema-valid, and carrying the same facts.
    let csl = csl_json::to_value(&parsed.bibliography);
    common::assert_valid_csl(&common::csl_validator(corpus), &csl, stem);
    for (item, x) in csl.as_array().unwrap().iter().zip(&expected) {
        assert_eq!(item["type"], "article");
        assert_eq!(item["title"], x["title"]);
        assert_eq!(item["issued"]["date-parts"][0], x["issued"]);
        assert_eq!(item["keyword"], x["subject"]);
        let authors = item["author"].as_array().unwrap();
        let truncated = x["truncated"].as_bool().unwrap();
        assert_eq!(authors.last().unwrap()["literal"] == "others", truncated);
        if let Some(org) = x["org"].as_str() {
            assert_eq!(item["publisher"], org);
        }
    }

    // BibTeX: the biblatex crate reads every entry back with the same content.
    let bib = bibtex::write(
        &parsed.bibliography,
        &bibtex::WriteOptions::new().protect_acronyms(true),
    );
    let oracle = biblatex::Bibliography::parse(&bib)
        .unwrap_or_else(|e| panic!("{stem}: biblatex rejects our output: {e:?}\n{bib}"));
    assert_eq!(oracle.len(), expected.len());
    for (e, x) in entries.iter().zip(&expected) {
        let o = oracle
            .get(&e.key)
            .unwrap_or_else(|| panic!("{stem}: key {} missing", e.key));
        let title = o.title().unwrap().format_verbatim();
        assert_eq!(
            title,
            x["title"].as_str().unwrap(),
            "{stem}: title via biblatex"
        );
        let people = o.author().unwrap();
        let named: Vec<&biblatex::Person> = people.iter().filter(|p| p.name != "others").collect();
        assert_eq!(
            named.len(),
            x["authors"].as_array().unwrap().len(),
            "{stem}: {title}"
        );
        for (p, a) in named.iter().zip(x["authors"].as_array().unwrap()) {
            assert_eq!(p.name, a["family"].as_str().unwrap(), "{stem}: {title}");
            assert_eq!(
                p.given_name,
                a["given"].as_str().unwrap(),
                "{stem}: {title}"
            );
            assert_eq!(p.prefix, a["particle"].as_str().unwrap(), "{stem}: {title}");
            assert_eq!(p.suffix, a["suffix"].as_str().unwrap(), "{stem}: {title}");
        }
        assert_eq!(
            people.iter().any(|p| p.name == "others"),
            x["truncated"].as_bool().unwrap()
        );
        let abs = o.abstract_().unwrap().format_verbatim();
        assert_eq!(
            abs,
            x["abstract"].as_str().unwrap(),
            "{stem}: abstract via biblatex"
        );
    }
}

#[test]
fn seed_listing_matches_expected() {
    if let Some(c) = common::corpus("seed_listing_matches_expected") {
        check_file(&c, "seed-listing");
    }
}

#[test]
fn tricky_listing_matches_expected() {
    if let Some(c) = common::corpus("tricky_listing_matches_expected") {
        check_file(&c, "tricky-listing");
    }
}

/// The example shipped in `examples/` converts cleanly and validates.
#[test]
fn shipped_example_is_clean_and_valid() {
    let text = include_str!("../examples/listing.txt");
    let parsed = listing::read(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(parsed.bibliography.len(), 7);
    if let Some(c) = common::corpus("shipped_example_is_clean_and_valid (schema part)") {
        common::assert_valid_csl(
            &common::csl_validator(&c),
            &csl_json::to_value(&parsed.bibliography),
            "example",
        );
    }
}
