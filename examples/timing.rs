//! Times the stages of reading and converting one `.bib` file (a quick look; the
//! measurements that count are `cargo bench`).
//!
//! `cargo run --release --example timing -- big.bib`
use std::time::Instant;

// The allocator the `bibkit` binary and the benches use.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let path = std::env::args().nth(1).expect("a .bib file");
    let t = Instant::now();
    let bytes = std::fs::read(&path).expect("readable");
    let decoded = bibkit::source::decode_utf8(&bytes);
    let mb = bytes.len() as f64 / 1e6;
    println!("read+decode {:>8.3} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let tree = bibkit::syntax::parse(&decoded.text);
    let s = t.elapsed().as_secs_f64();
    println!(
        "syntax      {s:>8.3} s  {:>8.1} MB/s  ({} items)",
        mb / s,
        tree.items().len()
    );
    let t = Instant::now();
    let parsed = bibkit::formats::bibtex::Reader::new().lower(&tree);
    let s = t.elapsed().as_secs_f64();
    println!(
        "lower       {s:>8.3} s  {:>8.1} MB/s  ({} entries)",
        mb / s,
        parsed.bibliography.len()
    );
    let t = Instant::now();
    let out = bibkit::formats::csl_json::to_string(&parsed.bibliography);
    let s = t.elapsed().as_secs_f64();
    println!("csl-json    {s:>8.3} s  ({} MB out)", out.len() / 1_000_000);
}
