//! The duplicate finder on labelled pairs of two entity-resolution benchmarks (DBLP–ACM,
//! DBLP–Scholar; `../shared/corpus/dedupe`): precision, recall and F1 of
//! `bibkit::dedupe::compare` under the lenient profile, on the training pairs it was tuned
//! on and on the validation pairs it was not. The floors are a little under what it
//! scores, so that a change that makes it worse fails.

mod common;

use bibkit::dedupe::{Profile, Record, compare, find};
use bibkit::edit::Document;
use std::collections::HashMap;

fn score(dir: &std::path::Path, name: &str, profile: &Profile) -> (f64, f64, f64, usize) {
    let text = std::fs::read_to_string(dir.join(format!("{name}.bib"))).unwrap();
    let doc = Document::parse(text.as_str());
    let records: HashMap<String, Record> = doc
        .model()
        .into_iter()
        .map(|(_, e)| (e.key.clone(), Record::from_entry(&e)))
        .collect();
    let pairs = std::fs::read_to_string(dir.join(format!("{name}.pairs.tsv"))).unwrap();
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut n = 0;
    for line in pairs.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (a, b, m) = (&records[f[0]], &records[f[1]], f[2] == "1");
        let d = compare(a, b, profile).duplicate;
        n += 1;
        match (d, m) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            _ => {}
        }
    }
    let p = tp as f64 / (tp + fp).max(1) as f64;
    let r = tp as f64 / (tp + fn_).max(1) as f64;
    (p, r, 2.0 * p * r / (p + r).max(1e-9), n)
}

#[test]
fn the_lenient_profile_on_the_benchmarks() {
    let Some(corpus) = common::corpus("the_lenient_profile_on_the_benchmarks") else {
        return;
    };
    let dir = corpus.join("dedupe");
    let floors = [
        ("dblp-acm-train", 0.98),
        ("dblp-acm-valid", 0.98),
        ("dblp-scholar-train", 0.94),
        ("dblp-scholar-valid", 0.90),
    ];
    let mut report = String::new();
    for (name, floor) in floors {
        let (p, r, f1, n) = score(&dir, name, &Profile::lenient());
        report.push_str(&format!(
            "{name}: {n} pairs, precision {p:.4}, recall {r:.4}, F1 {f1:.4}\n"
        ));
        assert!(f1 >= floor, "{name}: F1 {f1:.4} < {floor}\n{report}");
    }
    use std::io::Write;
    let _ = std::io::stderr().write_all(report.as_bytes());
}

#[test]
fn the_strict_profile_is_precise() {
    let Some(corpus) = common::corpus("the_strict_profile_is_precise") else {
        return;
    };
    let dir = corpus.join("dedupe");
    for name in ["dblp-acm-valid", "dblp-scholar-valid"] {
        let (p, _, _, _) = score(&dir, name, &Profile::strict());
        assert!(p >= 0.97, "{name}: strict precision {p:.4}");
    }
}

/// `find` over each whole file (blocking, then the same decisions): how many labelled
/// duplicates end in one group, and how many labelled non-duplicates do.
#[test]
fn finding_groups_keeps_the_labelled_duplicates_together() {
    let Some(corpus) = common::corpus("finding_groups_keeps_the_labelled_duplicates_together")
    else {
        return;
    };
    let dir = corpus.join("dedupe");
    let mut report = String::new();
    for (name, floor) in [("dblp-acm-valid", 0.97), ("dblp-scholar-valid", 0.88)] {
        let text = std::fs::read_to_string(dir.join(format!("{name}.bib"))).unwrap();
        let doc = Document::parse(text.as_str());
        let model = doc.model();
        let keys: Vec<String> = model.iter().map(|(_, e)| e.key.clone()).collect();
        let records: Vec<Record> = model.iter().map(|(_, e)| Record::from_entry(e)).collect();
        let groups = find(&records, &Profile::lenient(), |_, _| false);
        let mut group_of: HashMap<&str, usize> = HashMap::new();
        for (g, group) in groups.iter().enumerate() {
            for &m in &group.members {
                group_of.insert(keys[m].as_str(), g);
            }
        }
        let pairs = std::fs::read_to_string(dir.join(format!("{name}.pairs.tsv"))).unwrap();
        let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
        for line in pairs.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            let together =
                matches!((group_of.get(f[0]), group_of.get(f[1])), (Some(a), Some(b)) if a == b);
            match (together, f[2] == "1") {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                _ => {}
            }
        }
        let p = tp as f64 / (tp + fp).max(1) as f64;
        let r = tp as f64 / (tp + fn_).max(1) as f64;
        let f1 = 2.0 * p * r / (p + r).max(1e-9);
        report.push_str(&format!(
            "{name} (find): {} groups, precision {p:.4}, recall {r:.4}, F1 {f1:.4}\n",
            groups.len()
        ));
        assert!(f1 >= floor, "{report}");
    }
    use std::io::Write;
    let _ = std::io::stderr().write_all(report.as_bytes());
}
