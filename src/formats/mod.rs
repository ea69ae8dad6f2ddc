//! Readers and writers, one module per format.
//!
//! | format | read | write |
//! |--------|------|-------|
//! | [`listing`] (scraped publication listings) | yes | — |
//! | [`bibtex`] (BibTeX and BibLaTeX dialects) | yes | yes |
//! | [`csl_json`] (CSL-JSON) | yes | yes |
//! | [`ris`] (RIS, and the dialects databases export) | yes | yes |
//! | [`hayagriva`] (Typst's hayagriva YAML) | yes | yes |
//! | [`csl_yaml`] (CSL-JSON as YAML, pandoc's `references:`) | yes | yes |

pub mod bibtex;
pub mod csl_json;
pub mod csl_yaml;
pub mod hayagriva;
pub mod listing;
pub mod ris;
pub(crate) mod yaml_tree;

use std::path::Path;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Bibliography;

/// What a reader returns: the records it could read, and what it has to say about the
/// input. Readers never stop at the first problem.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The records that were read.
    pub bibliography: Bibliography,
    /// Errors (records skipped), warnings and notes, in input order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// Whether any diagnostic is an error (some record could not be read).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Reads a file in one call: read under the default limits, decoded (a byte-order mark,
/// JabRef's `% Encoding:` line, else UTF-8), its format told from its extension or its
/// content (BibTeX when neither says), read, and records that hold bytes that could not
/// be decoded reported and skipped. Every diagnostic names the file.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("refs.bib");
/// std::fs::write(&path, b"@misc{a, title = {Caf\xc3\xa9}}\n@misc{b, title = {\xff}}\n")?;
/// let parsed = bibkit::formats::read_path(&path)?;
/// assert_eq!(parsed.bibliography.len(), 1);
/// assert_eq!(parsed.diagnostics[0].rule, "invalid-encoding");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_path(path: &Path) -> Result<Parsed, crate::project::LoadError> {
    let source = crate::project::load(path, &crate::io::Limits::default(), None)?;
    Ok(read_source(&source, None))
}

/// Reads bytes in one call, as [`read_path`] reads a file's (`format` when known, else
/// told from the content).
///
/// ```
/// let parsed = bibkit::formats::read_bytes(b"[{\"id\": \"k\", \"type\": \"book\"}]", None);
/// assert_eq!(parsed.bibliography.entries[0].kind, "book");
/// ```
pub fn read_bytes(bytes: &[u8], format: Option<Format>) -> Parsed {
    match crate::project::Source::decode(Path::new("-"), bytes.to_vec(), None) {
        Some(mut source) => {
            source.name = "<input>".into();
            read_source(&source, format)
        }
        None => Parsed::default(),
    }
}

/// Reads a loaded [`crate::project::Source`] (see [`read_path`]).
pub fn read_source(source: &crate::project::Source, format: Option<Format>) -> Parsed {
    let decoded = &source.decoded;
    let name = Some(source.name.clone());
    if decoded.unreadable() {
        return Parsed {
            diagnostics: crate::source::invalid_diagnostics(decoded, name, source.encoding),
            ..Parsed::default()
        };
    }
    let text = &decoded.text;
    let mut parsed = match format.or_else(|| source.format()).unwrap_or(Format::Bibtex) {
        Format::Bibtex | Format::Biblatex => {
            bibtex::Reader::new().file(source.name.clone()).read(text)
        }
        Format::CslJson => csl_json::CslReader::new()
            .file(source.name.clone())
            .read(text),
        Format::Listing => listing::ListingReader::new()
            .file(source.name.clone())
            .read(text),
        Format::Ris => ris::RisReader::new().file(source.name.clone()).read(text),
    };
    crate::source::reject_invalid(&mut parsed, decoded, name, source.encoding);
    parsed
}

/// Joins keywords into one `keywords` value: apart by commas, or by semicolons when one
/// has a comma (MeSH's `Disease Models, Animal`); a lone keyword with a comma ends with a
/// semicolon to say so. [`split_keywords`] reads it back.
///
/// ```
/// use bibkit::formats::{join_keywords, split_keywords};
/// let k = join_keywords(vec!["Disease Models, Animal".into(), "Mice".into()]);
/// assert_eq!(k, "Disease Models, Animal; Mice");
/// assert_eq!(split_keywords(&k), ["Disease Models, Animal", "Mice"]);
/// assert_eq!(split_keywords(&join_keywords(vec!["a, b".into()])), ["a, b"]);
/// assert_eq!(split_keywords("x, y"), ["x", "y"]);
/// ```
pub fn join_keywords(keywords: Vec<String>) -> String {
    let sep = if keywords.iter().any(|k| k.contains(',')) {
        "; "
    } else {
        ", "
    };
    let one = keywords.len() == 1;
    let mut k = keywords.join(sep);
    if one && sep == "; " {
        k.push(';');
    }
    k
}

/// Splits a `keywords` value into its keywords: at semicolons when it has one, else at
/// commas (the form [`join_keywords`] writes, and the forms `.bib` files use).
pub fn split_keywords(value: &str) -> Vec<String> {
    let sep = if value.contains(';') { ';' } else { ',' };
    value
        .split(sep)
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

/// The formats bibkit knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// BibTeX: `year`/`month`, `journal`.
    Bibtex,
    /// BibLaTeX: `date`, `journaltitle`.
    Biblatex,
    /// CSL-JSON.
    CslJson,
    /// A scraped publication listing (input only).
    Listing,
    /// RIS.
    Ris,
}

impl Format {
    /// The format a file name's extension implies, if any.
    ///
    /// ```
    /// use bibkit::formats::Format;
    /// assert_eq!(Format::from_path("refs.json".as_ref()), Some(Format::CslJson));
    /// assert_eq!(Format::from_path("papers.listing".as_ref()), Some(Format::Listing));
    /// assert_eq!(Format::from_path("notes.txt".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "bib" | "bibtex" => Some(Format::Bibtex),
            "json" | "csl" | "csljson" => Some(Format::CslJson),
            "listing" => Some(Format::Listing),
            "ris" => Some(Format::Ris),
            _ => None,
        }
    }

    /// Guesses the format from the text itself.
    ///
    /// ```
    /// use bibkit::formats::Format;
    /// assert_eq!(Format::sniff("CLOct 25, 2024\nA TitleAda Lovelace\nAbstract."), Some(Format::Listing));
    /// assert_eq!(Format::sniff(" [{\"id\": \"x\", \"type\": \"book\"}]"), Some(Format::CslJson));
    /// assert_eq!(Format::sniff("% refs\n@article{k, title={T}}"), Some(Format::Bibtex));
    /// assert_eq!(Format::sniff("1.\nTY  - JOUR\nTI  - A title\nER  - \n"), Some(Format::Ris));
    /// assert_eq!(Format::sniff("hello"), None);
    /// ```
    pub fn sniff(text: &str) -> Option<Format> {
        let text = text.trim_start_matches('\u{feff}');
        let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
        if first.starts_with('[') || first.starts_with('{') {
            return Some(Format::CslJson);
        }
        if listing::is_header(first) {
            return Some(Format::Listing);
        }
        if ris::sniff(text) {
            return Some(Format::Ris);
        }
        let has_entry = text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with('@')
                && l[1..]
                    .trim_start()
                    .starts_with(|c: char| c.is_ascii_alphabetic())
        });
        has_entry.then_some(Format::Bibtex)
    }
}
