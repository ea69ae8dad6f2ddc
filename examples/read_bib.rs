//! Reads a `.bib` file and prints its entries as the model sees them, and its diagnostics.
//!
//! `cargo run --example read_bib -- refs.bib`
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/refs.bib".into());
    let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let parsed = bibkit::formats::bibtex::Reader::new()
        .file(path.as_str())
        .read(&text);
    for e in &parsed.bibliography.entries {
        println!("@{} {}", e.kind, e.key);
        for f in &e.fields {
            println!("  {:12} {:?}", f.name, f.value);
        }
    }
    for d in &parsed.diagnostics {
        eprintln!("{}", d.render(Some(&text)));
    }
}
