//! Throughput of the readers and writers of the conversion hub's formats, in MB/s: each
//! reader on a large file made by repeating the corpus files of its format
//! (`../shared/corpus/formats/<format>/`, skipped with a notice when absent), and each
//! writer on what that read gave.
//!
//! ```sh
//! cargo bench --bench formats
//! ```

use std::path::PathBuf;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// The corpus files of `format` (not the companions), repeated to about `size` bytes.
fn repeated(format: &str, size: usize) -> Option<String> {
    // (`BIBKIT_CORPUS` names the corpus when it is not beside the repository.)
    let corpus = std::env::var_os("BIBKIT_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    );
    let dir = corpus.join("formats").join(format);
    let Ok(list) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED {format}: {} not found", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> = list
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            p.is_file() && !n.contains(".expected.") && !n.contains(".source.")
        })
        .collect();
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    let mut out = String::new();
    while out.len() < size && !texts.is_empty() {
        for t in &texts {
            out.push_str(t.trim_start_matches('\u{feff}'));
            out.push_str("\n\n");
        }
    }
    Some(out)
}

fn bench(c: &mut Criterion) {
    if let Some(text) = repeated("ris", 20_000_000) {
        let mut g = c.benchmark_group(format!("ris-{}MB", text.len() / 1_000_000));
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(10));
        g.bench_function("read", |b| {
            b.iter_batched(
                || (),
                |()| bibkit::formats::ris::read(&text),
                BatchSize::PerIteration,
            )
        });
        let parsed = bibkit::formats::ris::read(&text);
        eprintln!(
            "ris: {} records, {} diagnostics",
            parsed.bibliography.len(),
            parsed.diagnostics.len()
        );
        g.bench_function("write", |b| {
            b.iter(|| bibkit::formats::ris::to_string(&parsed.bibliography))
        });
        g.finish();
    }
}

/// The items of the CSL-YAML corpus files (what follows their `references:` line, to their
/// end marker), repeated to about `size` bytes under one `references:` list: a reader reads
/// the first YAML document of a file, so the files themselves cannot simply be appended.
fn csl_yaml_items(size: usize) -> Option<String> {
    let text = repeated("csl-yaml", 1)?;
    let mut items = String::new();
    let mut inside = false;
    for l in text.lines() {
        if l == "references:" {
            inside = true;
        } else if l == "---" || l == "..." {
            inside = false;
        } else if inside {
            items.push_str(l);
            items.push('\n');
        }
    }
    let mut out = String::from("references:\n");
    while out.len() < size && !items.is_empty() {
        out.push_str(&items);
    }
    Some(out)
}

fn yaml_benches(c: &mut Criterion) {
    type Reader = fn(&str) -> bibkit::formats::Parsed;
    type Writer = fn(&[bibkit::model::Entry]) -> (String, Vec<bibkit::diagnostic::Diagnostic>);
    let inputs: [(&str, Option<String>, Reader, Writer); 2] = [
        (
            "hayagriva",
            repeated("hayagriva", 20_000_000),
            bibkit::formats::hayagriva::read,
            bibkit::formats::hayagriva::write,
        ),
        (
            "csl-yaml",
            csl_yaml_items(20_000_000),
            bibkit::formats::csl_yaml::read,
            bibkit::formats::csl_yaml::write,
        ),
    ];
    for (name, text, read, write) in inputs {
        let Some(text) = text else { continue };
        let mut g = c.benchmark_group(format!("{name}-{}MB", text.len() / 1_000_000));
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(10));
        // yaml-rust2's own parse of the same text (events only), the bound for a reader
        // built on it.
        g.bench_function("yaml-rust2-events", |b| {
            b.iter(|| {
                let mut p = yaml_rust2::parser::Parser::new_from_str(&text);
                let mut n = 0usize;
                while let Ok((e, _)) = p.next_token() {
                    if e == yaml_rust2::Event::StreamEnd {
                        break;
                    }
                    n += 1;
                }
                n
            })
        });
        g.bench_function("read", |b| {
            b.iter_batched(|| (), |()| read(&text), BatchSize::PerIteration)
        });
        let parsed = read(&text);
        eprintln!(
            "{name}: {} records, {} diagnostics",
            parsed.bibliography.len(),
            parsed.diagnostics.len()
        );
        g.bench_function("write", |b| b.iter(|| write(&parsed.bibliography.entries)));
        g.finish();
    }
}

criterion_group!(benches, bench, yaml_benches);
criterion_main!(benches);
