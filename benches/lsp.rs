//! How long after an edit `bibkit lsp` publishes the findings, driven over stdio as an
//! editor drives it (the release binary, built first by `cargo bench`):
//!
//! * `bib-5MB` — a 5 MB bibliography open; each edit changes one entry's title, and the
//!   time is from sending `didChange` to receiving that version's diagnostics;
//! * `thesis` — a thesis of 20 chapters citing 2,000 of the 10,000 entries of that
//!   bibliography; each edit adds a citation to a chapter, and the time is until the
//!   chapter's diagnostics arrive.
//!
//! Prints the median, 90th percentile and largest of `BIBKIT_LSP_EDITS` edits (default
//! 50), and the time to open the bibliography.
//!
//! ```sh
//! cargo bench --bench lsp
//! ```

#[path = "../tests/common/lsp_client.rs"]
mod lsp_client;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_client::{Client, uri};
use serde_json::{Value, json};

/// About `size` bytes of entries like those of real bibliographies.
fn bibliography(size: usize) -> (String, Vec<String>) {
    let mut s = String::with_capacity(size + 1000);
    let mut keys = Vec::new();
    let mut i = 0;
    while s.len() < size {
        let key = format!("author{i}year{}", 1950 + i % 70);
        let _ = write!(
            s,
            "@article{{{key},\n  author = {{Family{i}, Given and Other{}, A. B. and van der Name{}, C.}},\n  title = {{On the Title Number {i} of Many Words in a Row}},\n  journal = {{Journal of Things {}}},\n  year = {{{}}},\n  volume = {{{}}},\n  number = {{{}}},\n  pages = {{{}--{}}},\n  doi = {{10.1000/j.{i}}},\n  abstract = {{An abstract of some length, saying what entry {i} is about, in a sentence or two of text that a reader might skim.}},\n}}\n\n",
            i % 97,
            i % 89,
            i % 50,
            1950 + i % 70,
            i % 40 + 1,
            i % 12 + 1,
            i % 300 + 1,
            i % 300 + 12,
        );
        keys.push(key);
        i += 1;
    }
    (s, keys)
}

fn binary() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--bin", "bibkit"])
        .current_dir(&root)
        .status()
        .expect("cargo build runs");
    assert!(status.success());
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    target.join("release/bibkit")
}

fn start(bin: &Path, root: &Path) -> Client {
    let mut c = Client::start(bin, root);
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(root), "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    c
}

/// Waits for the diagnostics of `uri` at `version` (any, for `None`).
fn published(c: &mut Client, uri: &str, version: Option<i64>) {
    c.diagnostics_where(|m| {
        m["params"]["uri"] == uri && version.is_none_or(|v| m["params"]["version"] == json!(v))
    });
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "| {name} | {} | {:.1} ms | {:.1} ms | {:.1} ms |",
        times.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3
    );
}

fn main() {
    let edits: usize = std::env::var("BIBKIT_LSP_EDITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let bin = binary();
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let (bib, keys) = bibliography(5_000_000);
    let bib_path = root.join("refs.bib");
    std::fs::write(&bib_path, &bib).unwrap();
    std::fs::create_dir(root.join("chapters")).unwrap();
    let mut main = String::from("\\documentclass{book}\n\\begin{document}\n");
    for ch in 0..20 {
        let _ = writeln!(main, "\\include{{chapters/ch{ch}}}");
        let mut text = String::new();
        for k in keys.iter().skip(ch).step_by(keys.len() / 100).take(100) {
            let _ = writeln!(text, "As shown by \\cite{{{k}}}, things are so.\n");
        }
        std::fs::write(root.join(format!("chapters/ch{ch}.tex")), text).unwrap();
    }
    main.push_str("\\bibliography{refs}\n\\end{document}\n");
    std::fs::write(root.join("thesis.tex"), main).unwrap();

    println!("| edit | edits | median | p90 | max |");
    println!("|---|---|---|---|---|");
    let mut c = start(&bin, &root);
    let bib_uri = uri(&bib_path);
    let t = Instant::now();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": bib_uri, "languageId": "bibtex", "version": 0, "text": bib}}),
    );
    published(&mut c, &bib_uri, Some(0));
    let opened = t.elapsed();

    // Edits to titles spread over the file.
    let lines: Vec<(usize, usize)> = bib
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("  title = {On the Title"))
        .map(|(i, l)| (i, l.len()))
        .collect();
    let mut times = Vec::new();
    for e in 0..edits {
        let (line, len) = lines[(e * 7919) % lines.len()];
        let version = e as i64 + 1;
        let t = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": bib_uri, "version": version}, "contentChanges": [
                {"range": {"start": {"line": line, "character": len - 2}, "end": {"line": line, "character": len - 2}}, "text": "x"}
            ]}),
        );
        published(&mut c, &bib_uri, Some(version));
        times.push(t.elapsed());
    }
    report("bib-5MB: a title changed (5 MB, 10,000 entries)", times);

    // Citations added to a chapter.
    let chapter = root.join("chapters/ch3.tex");
    let ch_uri = uri(&chapter);
    let text = std::fs::read_to_string(&chapter).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": ch_uri, "languageId": "latex", "version": 0, "text": text}}),
    );
    published_or_none(&mut c);
    let mut times = Vec::new();
    for e in 0..edits {
        let version = e as i64 + 1;
        let key = if e % 2 == 0 {
            &keys[e * 13 % keys.len()]
        } else {
            "missing"
        };
        let t = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": ch_uri, "version": version}, "contentChanges": [
                {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": format!("\\cite{{{key}}} ")}
            ]}),
        );
        published(&mut c, &ch_uri, Some(version));
        times.push(t.elapsed());
    }
    report(
        "thesis: a citation added to a chapter (20 chapters, 2,000 citations)",
        times,
    );
    println!(
        "\nopening the 5 MB bibliography: {:.0} ms to its first diagnostics",
        opened.as_secs_f64() * 1e3
    );
    let _: Value = c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let _ = c.child.wait();
}

/// Lets the server settle after opening a file that may have no findings to publish.
fn published_or_none(c: &mut Client) {
    let _: Value = c.request("workspace/symbol", json!({"query": "nothing-matches-this"}));
}
