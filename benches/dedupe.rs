//! What finding duplicates costs (`bibkit::dedupe`), in entries per second:
//!
//! * `records` — reading what the finder compares from each model entry
//!   ([`Record::from_entry`]);
//! * `find` — blocking and judging the candidates ([`find`]), on all cores.
//!
//! Inputs (skipped with a notice when absent): the DBLP–Scholar validation file of
//! `../shared/corpus/dedupe` (11,484 entries, many near-duplicates), and the first
//! 100,000 entries of the 100 MB file `make-big-bib.sh` builds, at `$BIBKIT_BIG_BIB`
//! (default `target/big.bib`; 25 copies of the corpus, so every entry has 24 twins).

mod common;

use std::path::PathBuf;
use std::time::Duration;

use bibkit::dedupe::{Profile, Record, find};
use bibkit::edit::Document;
use bibkit::model::Entry;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn entries(text: &str, limit: usize) -> Vec<Entry> {
    let doc = Document::parse(text);
    doc.model()
        .into_iter()
        .map(|(_, e)| e)
        .take(limit)
        .collect()
}

fn inputs() -> Vec<(String, Vec<Entry>)> {
    let mut out = Vec::new();
    let scholar = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/dedupe/dblp-scholar-valid.bib");
    match std::fs::read_to_string(&scholar) {
        Ok(t) => out.push(("dblp-scholar-valid".to_string(), entries(&t, usize::MAX))),
        Err(_) => eprintln!("SKIPPED: ../shared/corpus not found; no DBLP-Scholar input"),
    }
    if let Some(t) = common::read_big_bib(|p| std::fs::read_to_string(p)) {
        out.push(("big-100k".to_string(), entries(&t, 100_000)));
    }
    out
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("dedupe");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, list) in inputs() {
        g.throughput(Throughput::Elements(list.len() as u64));
        g.bench_function(format!("records/{name}"), |b| {
            b.iter(|| list.iter().map(Record::from_entry).collect::<Vec<_>>())
        });
        let records: Vec<Record> = list.iter().map(Record::from_entry).collect();
        let groups = find(&records, &Profile::lenient(), |_, _| false);
        eprintln!("{name}: {} entries, {} groups", records.len(), groups.len());
        g.bench_function(format!("find/{name}"), |b| {
            b.iter(|| find(&records, &Profile::lenient(), |_, _| false).len())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
