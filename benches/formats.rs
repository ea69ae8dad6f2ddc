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
    // (`BIBKIT_CORPUS` names a corpus elsewhere.)
    let dir = std::env::var_os("BIBKIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
        .join("formats")
        .join(format);
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
    if let Some(text) = repeated("endnote-tagged", 20_000_000) {
        let mut g = c.benchmark_group(format!("endnote-{}MB", text.len() / 1_000_000));
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(10));
        g.bench_function("read", |b| {
            b.iter_batched(
                || (),
                |()| bibkit::formats::endnote::read(&text),
                BatchSize::PerIteration,
            )
        });
        let parsed = bibkit::formats::endnote::read(&text);
        eprintln!(
            "endnote: {} records, {} diagnostics",
            parsed.bibliography.len(),
            parsed.diagnostics.len()
        );
        g.finish();
    }
    // One document of the records of every corpus file (documents cannot be repeated
    // end to end).
    if let Some(files) = repeated("endnote-xml", 1) {
        let mut records = Vec::new();
        let mut rest = files.as_str();
        while let Some(i) = rest.find("<record>") {
            let Some(j) = rest[i..].find("</record>") else {
                break;
            };
            records.push(&rest[i..i + j + 9]);
            rest = &rest[i + j + 9..];
        }
        let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml><records>\n");
        while text.len() < 20_000_000 && !records.is_empty() {
            for r in &records {
                text.push_str(r);
                text.push('\n');
            }
        }
        text.push_str("</records></xml>\n");
        let mut g = c.benchmark_group(format!("endnote-xml-{}MB", text.len() / 1_000_000));
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(10));
        g.bench_function("read", |b| {
            b.iter_batched(
                || (),
                |()| bibkit::formats::endnote_xml::read(&text),
                BatchSize::PerIteration,
            )
        });
        let parsed = bibkit::formats::endnote_xml::read(&text);
        eprintln!(
            "endnote-xml: {} records, {} diagnostics",
            parsed.bibliography.len(),
            parsed.diagnostics.len()
        );
        g.bench_function("write", |b| {
            b.iter(|| bibkit::formats::endnote_xml::to_string(&parsed.bibliography))
        });
        g.finish();
    }
    // A CITATION.cff file is one document: the corpus files read one by one, the list
    // repeated to about 20 MB.
    if let Some(files) = documents("cff", ".cff", 20_000_000) {
        let bytes: usize = files.iter().map(String::len).sum();
        let mut g = c.benchmark_group(format!("cff-{}MB", bytes / 1_000_000));
        g.throughput(Throughput::Bytes(bytes as u64));
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(10));
        g.bench_function("read", |b| {
            b.iter(|| {
                files
                    .iter()
                    .map(|t| bibkit::formats::cff::read(t).bibliography.len())
                    .sum::<usize>()
            })
        });
        let parsed: Vec<_> = files
            .iter()
            .map(|t| bibkit::formats::cff::read(t).bibliography)
            .collect();
        eprintln!(
            "cff: {} files, {} entries",
            files.len(),
            parsed.iter().map(|b| b.len()).sum::<usize>()
        );
        g.bench_function("write", |b| {
            b.iter(|| {
                parsed
                    .iter()
                    .map(|b| bibkit::formats::cff::write(&b.entries).0.len())
                    .sum::<usize>()
            })
        });
        g.finish();
    }
}

/// The corpus files of `format` whose names end in `ext`, each a document of its own,
/// the list repeated to about `size` bytes.
fn documents(format: &str, ext: &str, size: usize) -> Option<Vec<String>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/formats")
        .join(format);
    let dir = if dir.is_dir() {
        dir
    } else {
        // A git worktree one folder further down.
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/corpus/formats")
            .join(format)
    };
    let Ok(list) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED {format}: {} not found", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> = list
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.to_string_lossy().ends_with(ext))
        .collect();
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    let mut out = Vec::new();
    let mut total = 0;
    while total < size && !texts.is_empty() {
        for t in &texts {
            total += t.len();
            out.push(t.clone());
        }
    }
    Some(out)
}

/// A reader without a writer, on its corpus repeated to about 20 MB.
fn bench_reader(c: &mut Criterion, format: &str, read: fn(&str) -> bibkit::formats::Parsed) {
    let Some(text) = repeated(format, 20_000_000) else {
        return;
    };
    let mut g = c.benchmark_group(format!("{format}-{}MB", text.len() / 1_000_000));
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("read", |b| {
        b.iter_batched(|| (), |()| read(&text), BatchSize::PerIteration)
    });
    let parsed = read(&text);
    eprintln!(
        "{format}: {} records, {} diagnostics",
        parsed.bibliography.len(),
        parsed.diagnostics.len()
    );
    g.finish();
}

fn readers(c: &mut Criterion) {
    bench_reader(c, "medline", bibkit::formats::medline::read);
    bench_reader(c, "wos", bibkit::formats::wos::read);
}

/// The records of the corpus files of an XML `format` (their text, as the reader's
/// origins delimit them) in one document of about `size` bytes: `open`, the records
/// repeated, `close`. (The files themselves are whole documents, which cannot be
/// concatenated.)
fn xml_collection(
    format: &str,
    size: usize,
    open: &str,
    close: &str,
    read: fn(&str) -> bibkit::formats::Parsed,
) -> Option<String> {
    // (`BIBKIT_CORPUS` names the corpus when the work tree is elsewhere.)
    let corpus = std::env::var_os("BIBKIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let dir = corpus.join("formats").join(format);
    let Ok(list) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED {format}: {} not found", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> = list
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "xml" || x == "bltxml"))
        .collect();
    files.sort();
    let mut records = Vec::new();
    for p in files {
        let bytes = std::fs::read(&p).ok()?;
        let text = match bibkit::formats::mods::declared_encoding(&bytes) {
            Some(enc) => bibkit::source::decode(&bytes, Some(&enc))?.text,
            None => String::from_utf8_lossy(&bytes).into_owned(),
        };
        for e in read(&text).bibliography.entries {
            if let Some(o) = e.origin {
                records.push(text[o.span.start..o.span.end].to_string());
            }
        }
    }
    let mut out = String::from(open);
    while out.len() < size && !records.is_empty() {
        for r in &records {
            out.push_str(r);
            out.push('\n');
        }
    }
    out.push_str(close);
    Some(out)
}

fn bench_xml(c: &mut Criterion) {
    let mods_doc = xml_collection(
        "mods",
        20_000_000,
        "<?xml version=\"1.0\"?>\n<mods:modsCollection xmlns:mods=\"http://www.loc.gov/mods/v3\" xmlns=\"http://www.loc.gov/mods/v3\">\n",
        "</mods:modsCollection>\n",
        bibkit::formats::mods::read,
    );
    if let Some(text) = mods_doc {
        let mut g = c.benchmark_group(format!("mods-{}MB", text.len() / 1_000_000));
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(10));
        g.bench_function("read", |b| {
            b.iter_batched(
                || (),
                |()| bibkit::formats::mods::read(&text),
                BatchSize::PerIteration,
            )
        });
        let parsed = bibkit::formats::mods::read(&text);
        eprintln!(
            "mods: {} records, {} diagnostics",
            parsed.bibliography.len(),
            parsed.diagnostics.len()
        );
        g.finish();
    }
    let bltx = xml_collection(
        "biblatexml",
        20_000_000,
        "<?xml version=\"1.0\"?>\n<bltx:entries xmlns:bltx=\"http://biblatex-biber.sourceforge.net/biblatexml\" xmlns:bib=\"http://biblatex-biber.sourceforge.net/biblatexml\">\n",
        "</bltx:entries>\n",
        bibkit::formats::biblatexml::read,
    );
    if let Some(text) = bltx {
        let mut g = c.benchmark_group(format!("biblatexml-{}MB", text.len() / 1_000_000));
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(10));
        g.bench_function("read", |b| {
            b.iter_batched(
                || (),
                |()| bibkit::formats::biblatexml::read(&text),
                BatchSize::PerIteration,
            )
        });
        let parsed = bibkit::formats::biblatexml::read(&text);
        eprintln!(
            "biblatexml: {} records, {} diagnostics",
            parsed.bibliography.len(),
            parsed.diagnostics.len()
        );
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

criterion_group!(benches, bench, readers, bench_xml, yaml_benches);
criterion_main!(benches);
