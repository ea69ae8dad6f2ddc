//! Converts a `.bib` file to CSL-JSON and BibLaTeX with the library, and back from
//! CSL-JSON, printing what each step reports.
//!
//! `cargo run --example convert -- examples/refs.bib`
use bibkit::formats::bibtex::{self, Dialect, WriteOptions};
use bibkit::formats::csl_json;
use bibkit::model::Bibliography;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/refs.bib".into());
    let text = std::fs::read_to_string(&path)?;

    // The reader never stops at the first problem: it returns every record it could read
    // and a diagnostic for everything else.
    let parsed = bibtex::Reader::new().file(path.as_str()).read(&text);
    for d in &parsed.diagnostics {
        eprintln!("{}", d.render(Some(&text)));
    }
    let bib = parsed.bibliography;
    println!("read {} entries from {path}", bib.len());

    // CSL-JSON for citeproc/pandoc, and BibLaTeX with LaTeX accents.
    let csl = bib.to_csl_json();
    let biblatex = bib.to_bib_with(&WriteOptions::new().dialect(Dialect::Biblatex).ascii(true));
    println!(
        "{} bytes of CSL-JSON, {} bytes of BibLaTeX",
        csl.len(),
        biblatex.len()
    );

    // Back from CSL-JSON: fields without a CSL variable return from `custom`.
    let back = Bibliography::from_csl_json(&csl)?;
    let again = csl_json::to_string(&back);
    assert_eq!(csl, again, "CSL-JSON read and written again is the same");
    if let Some(first) = back.entries.first() {
        println!("first entry back from CSL-JSON:\n{}", {
            let mut out = String::new();
            bibtex::write_entry(&mut out, first, &WriteOptions::new());
            out
        });
    }
    Ok(())
}
