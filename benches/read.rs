//! Read throughput in MB/s on real files.
//!
//! Every contender runs with the system allocator (what a library user gets by default)
//! and is timed without dropping its result: each read is one timed iteration and its
//! output is freed outside the measurement (`BatchSize::PerIteration`), so freeing memory,
//! which depends on the allocator rather than the reader, is not counted for anyone.
//!
//! * `syntax` — the lossless syntax tree alone ([`bibkit::syntax::parse`]);
//! * `full` — the full read into the model ([`bibkit::formats::bibtex::Reader::read`]);
//! * `fmt` — `bibkit fmt`'s formatter ([`bibkit::fmt::format`], default style);
//! * `biblatex-crate` — typst's `biblatex` crate's `Bibliography::parse` on the same bytes,
//!   for comparison (on inputs it accepts).
//!
//! Inputs (from `../shared`, skipped with a notice when absent):
//! `biber-etc__tugboat.bib` (2.7 MB), copies of `texlive__biblatex-examples.bib` (which
//! the `biblatex` crate accepts) concatenated to ~5 MB, and — when it exists — the 100 MB
//! file `make-big-bib.sh` builds, at `$BIBKIT_BIG_BIB` (default `target/big.bib`):
//! `../shared/bench/make-big-bib.sh 100 target/big.bib`.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn shared() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/bib");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: ../shared/corpus not found; no benchmark inputs");
        None
    }
}

fn inputs() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(dir) = shared() else { return out };
    if let Ok(t) = std::fs::read_to_string(dir.join("biber-etc__tugboat.bib")) {
        out.push(("tugboat-2.7MB".to_string(), t));
    }
    if let Ok(t) = std::fs::read_to_string(dir.join("texlive__biblatex-examples.bib")) {
        // Copies with renamed keys (and references), so the biblatex crate accepts it all.
        let mut big = String::new();
        let mut copy = 0;
        while big.len() < 5_000_000 {
            big.push_str(&renamed(&t, copy));
            copy += 1;
        }
        out.push(("biblatex-examples-5MB".to_string(), big));
    }
    if let Some(t) = common::read_big_bib(|p| std::fs::read_to_string(p)) {
        out.push(("big-100MB".to_string(), t));
    }
    out
}

/// `text` with every entry key, and every key named in `crossref`, `xref`, `xdata`,
/// `related` and `entryset`, suffixed with `-c<copy>`.
fn renamed(text: &str, copy: usize) -> String {
    use bibkit::syntax::{BlockKind, Item};
    let tree = bibkit::syntax::parse(text);
    let suffix = format!("-c{copy}");
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for item in tree.items() {
        let Item::Block(b) = item else { continue };
        if b.block_kind() != BlockKind::Entry {
            continue;
        }
        let key = b.key();
        edits.push((key.start, key.end, format!("{}{suffix}", tree.text(key))));
        for f in tree.fields(b) {
            let name = tree.text(f.name()).to_ascii_lowercase();
            if !matches!(
                name.as_str(),
                "crossref" | "xref" | "xdata" | "related" | "entryset"
            ) {
                continue;
            }
            for p in tree.pieces(f) {
                let c = p.content();
                let keys: Vec<String> = tree
                    .text(c)
                    .split(',')
                    .map(|k| format!("{}{suffix}", k.trim()))
                    .collect();
                edits.push((c.start, c.end, keys.join(",")));
            }
        }
    }
    let mut out = String::with_capacity(text.len() + edits.len() * 4);
    let mut pos = 0;
    for (start, end, with) in edits {
        out.push_str(&text[pos..start]);
        out.push_str(&with);
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

fn bench(c: &mut Criterion) {
    for (name, text) in inputs() {
        let mut g = c.benchmark_group(&name);
        g.throughput(Throughput::Bytes(text.len() as u64));
        let big = text.len() > 20_000_000;
        g.sample_size(if big { 10 } else { 20 });
        g.measurement_time(Duration::from_secs(if big { 20 } else { 8 }));
        g.bench_with_input(BenchmarkId::new("syntax", text.len()), &text, |b, t| {
            b.iter_batched(
                || (),
                |()| bibkit::syntax::parse(t),
                BatchSize::PerIteration,
            )
        });
        g.bench_with_input(BenchmarkId::new("full", text.len()), &text, |b, t| {
            b.iter_batched(
                || (),
                |()| bibkit::formats::bibtex::read(t),
                BatchSize::PerIteration,
            )
        });
        g.bench_with_input(BenchmarkId::new("fmt", text.len()), &text, |b, t| {
            let opts = bibkit::fmt::FmtOptions::default();
            b.iter_batched(
                || (),
                |()| bibkit::fmt::format(t, &opts),
                BatchSize::PerIteration,
            )
        });
        if biblatex::Bibliography::parse(&text).is_ok() {
            g.bench_with_input(
                BenchmarkId::new("biblatex-crate", text.len()),
                &text,
                |b, t| {
                    b.iter_batched(
                        || (),
                        |()| biblatex::Bibliography::parse(t),
                        BatchSize::PerIteration,
                    )
                },
            );
        } else {
            eprintln!("note: the biblatex crate rejects {name}; no comparison on it");
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
