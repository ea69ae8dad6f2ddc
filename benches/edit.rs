//! What changing a file costs, in MB/s of the file, against one `bibkit fmt` run.
//!
//! * `fmt-save` — format the file and write it (what `bibkit fmt FILE` does);
//! * `edit-1000-save` — read it as an [`edit::Document`](bibkit::edit::Document), find
//!   1,000 entries by key (spread over the file), set a field in each (a new one in half
//!   of them, a changed value in the others), apply the batch and save;
//! * `check` — what `bibkit check FILE` does, for comparison;
//! * `check-fix-save` — what `bibkit check --fix FILE` does: check (remembering what it
//!   finds about each entry), fix until nothing more is fixed
//!   ([`bibkit::check::fix::converge`]), check the result again (reading only the entries
//!   the fixes changed, see [`bibkit::check::Memo`]), save.
//!
//! Every write goes to a file in a temporary directory through the library's atomic
//! writer. Inputs (skipped with a notice when absent): `biber-etc__tugboat.bib` (2.7 MB)
//! from `../shared`, and the 100 MB file `make-big-bib.sh` builds, at `$BIBKIT_BIG_BIB`
//! (default `target/big.bib`): `../shared/bench/make-big-bib.sh 100 target/big.bib`.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bibkit::check::{Checker, Config, Memo, fix};
use bibkit::edit::{Document, Value};
use bibkit::fmt::FmtOptions;
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/bib");
    match std::fs::read(dir.join("biber-etc__tugboat.bib")) {
        Ok(b) => out.push(("tugboat-2.7MB".to_string(), b)),
        Err(_) => eprintln!("SKIPPED: ../shared/corpus not found; no tugboat input"),
    }
    if let Some(b) = common::read_big_bib(|p| std::fs::read(p)) {
        out.push(("big-100MB".to_string(), b));
    }
    out
}

/// 1,000 keys spread evenly over the file's entries.
fn spread_keys(bytes: &[u8]) -> Vec<String> {
    let doc = Document::from_bytes(bytes, None).expect("the input reads");
    let keys: Vec<String> = (0..doc.blocks().len())
        .filter(|&i| {
            doc.entry_type(i)
                .is_some_and(|t| !t.eq_ignore_ascii_case("string"))
        })
        .filter_map(|i| doc.key(i).filter(|k| !k.is_empty()).map(str::to_string))
        .collect();
    let step = (keys.len() / 1000).max(1);
    keys.into_iter().step_by(step).take(1000).collect()
}

fn edit_and_save(bytes: &[u8], keys: &[String], out: &Path) -> usize {
    let mut doc = Document::from_bytes(bytes, None).expect("the input reads");
    let found: Vec<usize> = keys
        .iter()
        .filter_map(|k| doc.find(k).first().copied())
        .collect();
    let mut batch = doc.batch();
    for (n, &i) in found.iter().enumerate() {
        let field = if n % 2 == 0 { "note" } else { "year" };
        let value = if n % 2 == 0 {
            Value::text("Checked in 2026 & kept")
        } else {
            Value::raw("2026")
        };
        batch.set_field(i, field, value).expect("the edit is valid");
    }
    let changes = batch.apply().expect("the edits do not overlap");
    doc.save(out).expect("the file is written");
    changes.len()
}

fn fmt_and_save(bytes: &[u8], out: &Path) -> usize {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let formatted = bibkit::fmt::format(text, &FmtOptions::default());
    bibkit::io::write_file(out, |w| w.write_all(formatted.text.as_bytes()))
        .expect("the file is written");
    formatted.text.len()
}

fn check_only(bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let mut checker = Checker::new(Config::default());
    checker.add_bib("f.bib", text);
    checker.run().len()
}

fn check_fix_and_save(bytes: &[u8], out: &Path) -> usize {
    let config = Config::default();
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    // As `check --fix` does: the first check remembers what it found about each entry,
    // so that the check of the result (which the report gives) reads only the entries the
    // fixes changed.
    let mut checker = Checker::new(config.clone()).with_memo(Memo::default());
    checker.add_bib("f.bib", text);
    let findings = checker.run();
    let memo = checker.take_memo();
    let fixed = fix::converge(text, &findings, &config, false, &FmtOptions::default());
    drop(findings);
    let mut again = Checker::new(config).with_memo(memo);
    again.add_bib("f.bib", &fixed.text);
    let left = again.run().len();
    Document::parse(fixed.text)
        .save(out)
        .expect("the file is written");
    left
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("bibkit-edit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let out = dir.join("out.bib");
    for (name, bytes) in inputs() {
        let keys = spread_keys(&bytes);
        let mut g = c.benchmark_group(format!("edit/{name}"));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        let big = bytes.len() > 20_000_000;
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(if big { 40 } else { 5 }));
        g.bench_with_input(BenchmarkId::new("fmt-save", bytes.len()), &bytes, |b, t| {
            b.iter_batched(|| (), |()| fmt_and_save(t, &out), BatchSize::PerIteration)
        });
        g.bench_with_input(
            BenchmarkId::new("edit-1000-save", bytes.len()),
            &bytes,
            |b, t| {
                b.iter_batched(
                    || (),
                    |()| edit_and_save(t, &keys, &out),
                    BatchSize::PerIteration,
                )
            },
        );
        g.bench_with_input(BenchmarkId::new("check", bytes.len()), &bytes, |b, t| {
            b.iter_batched(|| (), |()| check_only(t), BatchSize::PerIteration)
        });
        g.bench_with_input(
            BenchmarkId::new("check-fix-save", bytes.len()),
            &bytes,
            |b, t| {
                b.iter_batched(
                    || (),
                    |()| check_fix_and_save(t, &out),
                    BatchSize::PerIteration,
                )
            },
        );
        g.finish();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
