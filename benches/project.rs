//! A project costs what its files cost: `check` on a bibliography split into several files
//! (and a document in many chapters) against the same text as one file.
//!
//! * `one-file` — the [`Checker`] on `biber-etc__tugboat.bib` (2.7 MB, from `../shared`;
//!   skipped with a notice when absent);
//! * `eight-files` — the same entries split at entry boundaries into eight files, read as
//!   one bibliography (macros and crossrefs across files);
//! * `chapters` — with a 64-chapter document citing every key, through `\include`s
//!   ([`bibkit::project::follow`] over files in memory), against one document with the
//!   same citations.
//!
//! ```sh
//! cargo bench --bench project
//! ```

use std::path::PathBuf;
use std::time::Duration;

use bibkit::check::{Checker, Config, cited};
use bibkit::project::{Memory, follow};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn input() -> Option<String> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/bib/biber-etc__tugboat.bib");
    match std::fs::read_to_string(&p) {
        Ok(t) => Some(t),
        Err(_) => {
            eprintln!("SKIPPED: {} not found; no benchmark input", p.display());
            None
        }
    }
}

/// `text` cut into `n` pieces at lines that start an entry.
fn split(text: &str, n: usize) -> Vec<String> {
    let starts: Vec<usize> = text.match_indices("\n@").map(|(i, _)| i + 1).collect();
    let mut cuts = vec![0];
    for k in 1..n {
        let want = text.len() * k / n;
        let at = starts.partition_point(|&s| s < want);
        if let Some(&s) = starts.get(at) {
            if s > *cuts.last().unwrap() {
                cuts.push(s);
            }
        }
    }
    cuts.push(text.len());
    cuts.windows(2)
        .map(|w| text[w[0]..w[1]].to_string())
        .collect()
}

fn keys(text: &str) -> Vec<String> {
    let parsed = bibkit::formats::bibtex::read(text);
    parsed
        .bibliography
        .entries
        .iter()
        .map(|e| e.key.clone())
        .collect()
}

fn bench(c: &mut Criterion) {
    let Some(text) = input() else { return };
    let parts = split(&text, 8);
    let keys = keys(&text);
    let mut g = c.benchmark_group("project");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("one-file", |b| {
        b.iter(|| {
            let mut checker = Checker::new(Config::default());
            checker.add_bib("all.bib", &text);
            checker.run()
        })
    });
    g.bench_function("eight-files", |b| {
        b.iter(|| {
            let mut checker = Checker::new(Config::default());
            for (i, p) in parts.iter().enumerate() {
                checker.add_bib(format!("part{i}.bib"), p);
            }
            checker.run()
        })
    });
    // Every key cited: in one document, or in 64 chapters of a main document.
    let chapters: Vec<String> = keys
        .chunks(keys.len().div_ceil(64))
        .map(|ks| ks.iter().map(|k| format!("\\cite{{{k}}}\n")).collect())
        .collect();
    let one_doc: String = chapters.concat();
    let mut files = Memory::default();
    let mut main = String::from("\\documentclass{book}\n\\begin{document}\n");
    for (i, ch) in chapters.iter().enumerate() {
        main.push_str(&format!("\\include{{chapters/ch{i}}}\n"));
        files.insert(format!("chapters/ch{i}.tex"), ch);
    }
    main.push_str("\\end{document}\n");
    files.insert("main.tex", &main);
    g.bench_function("one-document", |b| {
        b.iter(|| {
            let mut checker = Checker::new(Config::default());
            checker.add_bib("all.bib", &text);
            checker.add_cited(cited::scan(
                &one_doc,
                cited::Kind::Tex,
                Some("one.tex".into()),
            ));
            checker.run()
        })
    });
    g.bench_function("chapters", |b| {
        b.iter(|| {
            let mut checker = Checker::new(Config::default());
            for (i, p) in parts.iter().enumerate() {
                checker.add_bib(format!("part{i}.bib"), p);
            }
            let graph = follow("main.tex".as_ref(), &files);
            for doc in graph.documents {
                checker.add_cited(doc.scan);
            }
            checker.run()
        })
    });
    // What following the inclusions costs by itself (reading 65 files from memory and
    // scanning them), against scanning the same citations as one text.
    g.bench_function("follow", |b| b.iter(|| follow("main.tex".as_ref(), &files)));
    g.bench_function("scan-one-text", |b| {
        b.iter(|| cited::scan(&one_doc, cited::Kind::Tex, Some("one.tex".into())))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
