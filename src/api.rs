//! One-call reading and writing on [`Bibliography`].
//!
//! ```
//! use bibkit::model::Bibliography;
//!
//! let bib = Bibliography::from_bibtex(r#"@article{doe2020,
//!   author = {Doe, Jane and others}, title = {On {RNA}}, journal = {Nature}, year = 2020}"#)?;
//! let csl = bib.to_csl_json();
//! let back = Bibliography::from_csl_json(&csl)?;
//! assert_eq!(back.entries[0].get("journaltitle").unwrap().to_plain_string(), "Nature");
//! assert!(back.to_biblatex().contains("date         = {2020},"));
//! # Ok::<(), bibkit::ReadError>(())
//! ```

use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::bibtex::{self, Dialect, WriteOptions};
use crate::formats::{Parsed, csl_json, listing};
use crate::model::Bibliography;

/// Some records could not be read. Nothing is lost: the records that were read and every
/// diagnostic are kept in [`parsed`](ReadError::parsed).
///
/// ```
/// use bibkit::model::Bibliography;
/// let err = Bibliography::from_bibtex("@book{a, title = {A}}\n@book{b, title = {B}\n@book{c, title = {C}}")
///     .unwrap_err();
/// assert_eq!(err.parsed.bibliography.len(), 2);
/// assert!(err.to_string().starts_with("1 record could not be read: line 3:1:"));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", summary(.parsed))]
pub struct ReadError {
    /// What was read, with all diagnostics.
    pub parsed: Parsed,
}

impl ReadError {
    /// The error diagnostics (records that could not be read).
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }
}

fn summary(parsed: &Parsed) -> String {
    let errors: Vec<&Diagnostic> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let Some(first) = errors.first() else {
        return "no errors".to_string();
    };
    let place = match &first.file {
        Some(f) => format!("{f}:{}:{}", first.line, first.column),
        None => format!("line {}:{}", first.line, first.column),
    };
    format!(
        "{} record{} could not be read: {place}: {}",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" },
        first.message
    )
}

fn strict(parsed: Parsed) -> Result<Bibliography, ReadError> {
    if parsed.has_errors() {
        Err(ReadError { parsed })
    } else {
        Ok(parsed.bibliography)
    }
}

impl Bibliography {
    /// Reads a BibTeX or BibLaTeX file (crossrefs and xdata resolved). Warnings are not
    /// errors; use [`bibtex::read`] to see them.
    ///
    /// # Errors
    /// [`ReadError`] when a record could not be read (it holds all the others).
    pub fn from_bibtex(text: &str) -> Result<Bibliography, ReadError> {
        strict(bibtex::read(text))
    }

    /// Reads CSL-JSON (an array of items). Warnings are not errors; use
    /// [`csl_json::read`] to see them.
    ///
    /// # Errors
    /// [`ReadError`] when an item could not be read (it holds all the others).
    pub fn from_csl_json(text: &str) -> Result<Bibliography, ReadError> {
        strict(csl_json::read(text))
    }

    /// Reads a publication listing (entries get generated keys).
    ///
    /// ```
    /// let bib = bibkit::model::Bibliography::from_listing(
    ///     "CLOct 25, 2024\nA Short TitleAda Lovelace\nAn abstract.\n").unwrap();
    /// assert_eq!(bib.entries[0].key, "lovelace2024short");
    /// ```
    ///
    /// # Errors
    /// [`ReadError`] when a record could not be read (it holds all the others).
    pub fn from_listing(text: &str) -> Result<Bibliography, ReadError> {
        strict(listing::read(text))
    }

    /// The bibliography as BibTeX (`year`/`month`, `journal`, BibTeX's entry types).
    pub fn to_bibtex(&self) -> String {
        bibtex::write(self, &WriteOptions::new())
    }

    /// The bibliography as BibLaTeX (EDTF `date`, `journaltitle`).
    pub fn to_biblatex(&self) -> String {
        bibtex::write(self, &WriteOptions::new().dialect(Dialect::Biblatex))
    }

    /// The bibliography as `.bib` text with the given options.
    ///
    /// ```
    /// use bibkit::formats::bibtex::{Dialect, WriteOptions};
    /// let bib = bibkit::model::Bibliography::from_bibtex("@misc{k, title = {Gödel}}").unwrap();
    /// assert!(bib.to_bib_with(&WriteOptions::new().ascii(true)).contains(r#"{G{\"o}del}"#));
    /// ```
    pub fn to_bib_with(&self, opts: &WriteOptions) -> String {
        bibtex::write(self, opts)
    }

    /// The bibliography as CSL-JSON (valid against the official schema).
    pub fn to_csl_json(&self) -> String {
        csl_json::to_string(self)
    }
}
