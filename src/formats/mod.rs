//! Readers and writers, one module per format.
//!
//! | format | read | write |
//! |--------|------|-------|
//! | [`listing`] (scraped publication listings) | yes | — |
//! | [`bibtex`] (BibTeX and BibLaTeX dialects) | yes | yes |
//! | [`csl_json`] (CSL-JSON) | yes | yes |
//! | [`ris`] (RIS, and the dialects databases export) | yes | yes |
//! | [`medline`] (PubMed MEDLINE / `.nbib`) | yes | — |
//! | [`wos`] (Web of Science tagged text) | yes | — |
//! | [`endnote`] (EndNote tagged, refer/BibIX) | yes | — |
//! | [`endnote_xml`] (EndNote XML) | yes | yes |
//! | [`mods`] (MODS 3.x, Library of Congress) | yes | — |
//! | [`biblatexml`] (biber's BibLaTeXML, and its 2009–2011 dialect) | yes | — |
//! | [`hayagriva`] (Typst's hayagriva YAML) | yes | yes |
//! | [`csl_yaml`] (CSL-JSON as YAML, pandoc's `references:`) | yes | yes |
//! | [`cff`] (CITATION.cff, Citation File Format 1.2.0 and 1.3.0) | yes | yes |

pub mod biblatexml;
pub mod bibtex;
pub mod cff;
pub mod csl_json;
pub mod csl_yaml;
pub mod endnote;
pub mod endnote_xml;
pub mod hayagriva;
pub mod listing;
pub mod medline;
pub mod mods;
pub mod ris;
pub mod wos;
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
    let format = format.or_else(|| source.format()).unwrap_or(Format::Bibtex);
    let mut parsed = read_text(
        format,
        Some(source.name.clone()),
        &decoded.text,
        &mut crate::keys::KeyGenerator::new(),
    );
    crate::source::reject_invalid(&mut parsed, decoded, name, source.encoding);
    parsed
}

/// Reads `text` as `format`, naming `file` in origins and diagnostics. Readers of formats
/// without keys of their own (RIS, MEDLINE, listings, …) take keys from `keys`, so that
/// keys stay unique across several inputs; the others keep the keys the input gives.
///
/// ```
/// use bibkit::formats::{read_text, Format};
/// use bibkit::keys::KeyGenerator;
/// let mut keys = KeyGenerator::new();
/// let ris = "TY  - BOOK\nAU  - Knuth, Donald\nTI  - The TeXbook\nPY  - 1984\nER  - \n";
/// let parsed = read_text(Format::Ris, Some("a.ris".into()), ris, &mut keys);
/// assert_eq!(parsed.bibliography.entries[0].key, "knuth1984texbook");
/// let again = read_text(Format::Ris, None, ris, &mut keys);
/// assert_eq!(again.bibliography.entries[0].key, "knuth1984texbooka");
/// ```
pub fn read_text(
    format: Format,
    file: Option<std::sync::Arc<str>>,
    text: &str,
    keys: &mut crate::keys::KeyGenerator,
) -> Parsed {
    macro_rules! with_file {
        ($reader:expr) => {
            match file {
                Some(f) => $reader.file(f),
                None => $reader,
            }
        };
    }
    match format {
        Format::Bibtex | Format::Biblatex => with_file!(bibtex::Reader::new()).read(text),
        Format::CslJson => with_file!(csl_json::CslReader::new()).read(text),
        Format::Listing => with_file!(listing::ListingReader::new()).read_with_keys(text, keys),
        Format::Ris => with_file!(ris::RisReader::new()).read_with_keys(text, keys),
        Format::Medline => with_file!(medline::MedlineReader::new()).read_with_keys(text, keys),
        Format::Wos => with_file!(wos::WosReader::new()).read_with_keys(text, keys),
        Format::Endnote => with_file!(endnote::EndnoteReader::new()).read_with_keys(text, keys),
        Format::EndnoteXml => {
            with_file!(endnote_xml::EndnoteXmlReader::new()).read_with_keys(text, keys)
        }
        Format::Cff => with_file!(cff::CffReader::new()).read_with_keys(text, keys),
        Format::Mods => with_file!(mods::ModsReader::new()).read_with_keys(text, keys),
        Format::Biblatexml => {
            with_file!(biblatexml::BiblatexmlReader::new()).read_with_keys(text, keys)
        }
        Format::Hayagriva => {
            with_file!(hayagriva::HayagrivaReader::new()).read_with_keys(text, keys)
        }
        Format::CslYaml => with_file!(csl_yaml::CslYamlReader::new()).read_with_keys(text, keys),
    }
}

/// Writes `entries` as one document of `format`, with the loss report (what the format
/// has no place for, one diagnostic per entry at the entry's origin); `None` for the
/// formats bibkit only reads.
///
/// ```
/// use bibkit::formats::{write_document, Format};
/// let bib = bibkit::formats::bibtex::read("@book{k, title = {T}, year = 2001, langid = {english}}");
/// let (ris, losses) = write_document(Format::Ris, &bib.bibliography.entries).unwrap();
/// assert!(ris.starts_with("TY  - BOOK"));
/// assert_eq!(losses[0].rule, "ris-not-written");
/// assert!(write_document(Format::Listing, &[]).is_none());
/// ```
pub fn write_document(
    format: Format,
    entries: &[crate::model::Entry],
) -> Option<(String, Vec<Diagnostic>)> {
    Some(match format {
        Format::Bibtex | Format::Biblatex => {
            let dialect = if format == Format::Biblatex {
                bibtex::Dialect::Biblatex
            } else {
                bibtex::Dialect::Bibtex
            };
            let opts = bibtex::WriteOptions::new().dialect(dialect);
            let mut out = String::new();
            for (i, e) in entries.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                bibtex::write_entry(&mut out, e, &opts);
            }
            (out, Vec::new())
        }
        Format::CslJson => {
            let bib = Bibliography {
                entries: entries.to_vec(),
                ..Bibliography::default()
            };
            (csl_json::to_string(&bib), Vec::new())
        }
        Format::Ris => {
            let mut out = String::new();
            let mut losses = Vec::new();
            for (i, e) in entries.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                let (dropped, less) = ris::write_entry(&mut out, e);
                losses.extend(ris::losses(e, &dropped, less));
            }
            (out, losses)
        }
        Format::EndnoteXml => endnote_xml::write(entries),
        Format::Cff => cff::write(entries),
        Format::Hayagriva => hayagriva::write(entries),
        Format::CslYaml => csl_yaml::write(entries),
        Format::Listing
        | Format::Medline
        | Format::Wos
        | Format::Endnote
        | Format::Mods
        | Format::Biblatexml => return None,
    })
}

/// The loss report for the ORCIDs and affiliations of `e`'s persons, which `format` has
/// no place for (one warning naming them, `not-written`), or nothing.
///
/// ```
/// use bibkit::model::{Entry, Name, NameList, Person, Value};
/// let mut ada = Person::new("Ada", "", "Lovelace", "");
/// ada.orcid = "0000-0002-1825-0097".into();
/// let mut e = Entry::new("book", "k");
/// e.set("author", Value::Names(NameList { names: vec![Name::Person(ada)], truncated: false }));
/// let d = bibkit::formats::person_details_lost(&e, "BibTeX").unwrap();
/// assert_eq!(d.rule, "not-written");
/// assert!(d.message.contains("ORCID 0000-0002-1825-0097 of Ada Lovelace (author)"));
/// ```
pub fn person_details_lost(e: &crate::model::Entry, format: &str) -> Option<Diagnostic> {
    let mut lost = Vec::new();
    for f in &e.fields {
        let crate::model::Value::Names(list) = &f.value else {
            continue;
        };
        for name in &list.names {
            let crate::model::Name::Person(p) = name else {
                continue;
            };
            if !p.orcid.is_empty() {
                lost.push(format!("ORCID {} of {name} ({})", p.orcid, f.name));
            }
            if !p.affiliation.is_empty() {
                lost.push(format!(
                    "affiliation `{}` of {name} ({})",
                    p.affiliation, f.name
                ));
            }
        }
    }
    if lost.is_empty() {
        return None;
    }
    const SHOWN: usize = 3;
    let more = lost.len().saturating_sub(SHOWN);
    lost.truncate(SHOWN);
    let mut list = lost.join("; ");
    if more > 0 {
        list.push_str(&format!(" and {more} more"));
    }
    let d = Diagnostic::new(
        Severity::Warning,
        "not-written",
        format!("{format} has no place for the {list}; not written"),
    )
    .at_entry(e);
    Some(d)
}

/// `s` cut to `max` characters, with `…` when it was longer (for quoting input in
/// messages).
pub(crate) fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
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

/// A file's format as [`Format::detect`] tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// The format.
    pub format: Format,
    /// What told it.
    pub told: Told,
}

/// What told a file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Told {
    /// The file name's extension.
    Extension,
    /// The content (the name says nothing).
    Content,
    /// The content, over an extension that says this other format.
    ContentNotExtension(Format),
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
    /// MEDLINE / PubMed `.nbib` (input only).
    Medline,
    /// Web of Science tagged text (input only).
    Wos,
    /// EndNote's tagged format and refer (`%A`, `%T`; input only).
    Endnote,
    /// EndNote XML.
    EndnoteXml,
    /// CITATION.cff (Citation File Format).
    Cff,
    /// MODS XML (input only).
    Mods,
    /// BibLaTeXML (biber's XML form of BibLaTeX; input only).
    Biblatexml,
    /// Typst's hayagriva YAML.
    Hayagriva,
    /// CSL-YAML (pandoc's YAML form of CSL-JSON, a `references:` list).
    CslYaml,
}

impl Format {
    /// Whether records of this format carry keys of their own (BibTeX keys, CSL ids,
    /// hayagriva keys, BibLaTeXML ids), which readers keep; readers of the other formats
    /// generate keys.
    ///
    /// ```
    /// use bibkit::formats::Format;
    /// assert!(Format::CslJson.has_keys());
    /// assert!(!Format::Ris.has_keys());
    /// ```
    pub fn has_keys(self) -> bool {
        matches!(
            self,
            Format::Bibtex
                | Format::Biblatex
                | Format::CslJson
                | Format::Biblatexml
                | Format::Mods
                | Format::Hayagriva
                | Format::CslYaml
        )
    }

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
            "nbib" | "medline" => Some(Format::Medline),
            "ciw" => Some(Format::Wos),
            "enw" | "refer" => Some(Format::Endnote),
            "cff" => Some(Format::Cff),
            "mods" => Some(Format::Mods),
            "bltxml" => Some(Format::Biblatexml),
            _ => None,
        }
    }

    /// The format of a file named `path` holding `text`, and what told it. The content
    /// decides when it is recognisably one format and the extension says another or
    /// nothing (a `.txt` that is RIS, a `.ris` that is Web of Science tagged text, an
    /// `.xml` that is EndNote or MODS); `.bib` and `.json` files are what their
    /// extension says; else the extension decides.
    ///
    /// ```
    /// use bibkit::formats::{Format, Told};
    /// let ris = "TY  - JOUR\nTI  - A title\nER  - \n";
    /// let d = Format::detect("export.txt".as_ref(), ris).unwrap();
    /// assert_eq!((d.format, d.told), (Format::Ris, Told::Content));
    /// let d = Format::detect("refs.bib".as_ref(), "").unwrap();
    /// assert_eq!((d.format, d.told), (Format::Bibtex, Told::Extension));
    /// let d = Format::detect("refs.ris".as_ref(), "[{\"id\": \"k\"}]").unwrap();
    /// assert_eq!((d.format, d.told), (Format::CslJson, Told::ContentNotExtension(Format::Ris)));
    /// assert_eq!(Format::detect("notes.txt".as_ref(), "hello"), None);
    /// ```
    pub fn detect(path: &Path, text: &str) -> Option<Detected> {
        let by_name = Format::from_path(path);
        if let Some(f @ (Format::Bibtex | Format::CslJson)) = by_name {
            return Some(Detected {
                format: f,
                told: Told::Extension,
            });
        }
        match (by_name, Format::sniff(text)) {
            (Some(n), Some(c)) if n != c && c != Format::Bibtex => Some(Detected {
                format: c,
                told: Told::ContentNotExtension(n),
            }),
            (Some(n), _) => Some(Detected {
                format: n,
                told: Told::Extension,
            }),
            (None, Some(c)) => Some(Detected {
                format: c,
                told: Told::Content,
            }),
            (None, None) => None,
        }
    }

    /// Every format, in the order of `--from`'s list.
    pub const ALL: &'static [Format] = &[
        Format::Bibtex,
        Format::Biblatex,
        Format::CslJson,
        Format::Listing,
        Format::Ris,
        Format::Medline,
        Format::Wos,
        Format::Endnote,
        Format::EndnoteXml,
        Format::Cff,
        Format::Mods,
        Format::Biblatexml,
        Format::Hayagriva,
        Format::CslYaml,
    ];

    /// The format named `id` on the command line (see [`Format::id`]).
    ///
    /// ```
    /// use bibkit::formats::Format;
    /// assert_eq!(Format::from_id("ris"), Some(Format::Ris));
    /// assert_eq!(Format::from_id("word"), None);
    /// ```
    pub fn from_id(id: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.id() == id)
    }

    /// Whether bibkit writes this format (see [`write_document`]).
    ///
    /// ```
    /// use bibkit::formats::Format;
    /// assert!(Format::Ris.writable());
    /// assert!(!Format::Listing.writable());
    /// ```
    pub fn writable(self) -> bool {
        !matches!(
            self,
            Format::Listing
                | Format::Medline
                | Format::Wos
                | Format::Endnote
                | Format::Mods
                | Format::Biblatexml
        )
    }

    /// The format's name for people (`Web of Science tagged text`).
    ///
    /// ```
    /// assert_eq!(bibkit::formats::Format::CslJson.name(), "CSL-JSON");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Format::Bibtex => "BibTeX",
            Format::Biblatex => "BibLaTeX",
            Format::CslJson => "CSL-JSON",
            Format::Listing => "a publication listing",
            Format::Ris => "RIS",
            Format::Medline => "MEDLINE",
            Format::Wos => "Web of Science tagged text",
            Format::Endnote => "EndNote tagged text",
            Format::EndnoteXml => "EndNote XML",
            Format::Cff => "CITATION.cff",
            Format::Mods => "MODS",
            Format::Biblatexml => "BibLaTeXML",
            Format::Hayagriva => "hayagriva YAML",
            Format::CslYaml => "CSL-YAML",
        }
    }

    /// The format's name on the command line (`--from`/`--to`).
    ///
    /// ```
    /// assert_eq!(bibkit::formats::Format::CslJson.id(), "csl-json");
    /// ```
    pub fn id(self) -> &'static str {
        match self {
            Format::Bibtex => "bibtex",
            Format::Biblatex => "biblatex",
            Format::CslJson => "csl-json",
            Format::Listing => "listing",
            Format::Ris => "ris",
            Format::Medline => "medline",
            Format::Wos => "wos",
            Format::Endnote => "endnote",
            Format::EndnoteXml => "endnote-xml",
            Format::Cff => "cff",
            Format::Mods => "mods",
            Format::Biblatexml => "biblatexml",
            Format::Hayagriva => "hayagriva",
            Format::CslYaml => "csl-yaml",
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
        if cff::sniff(text) {
            return Some(Format::Cff);
        }
        if csl_yaml::sniff(text) {
            return Some(Format::CslYaml);
        }
        if hayagriva::sniff(text) {
            return Some(Format::Hayagriva);
        }
        if listing::is_header(first) {
            return Some(Format::Listing);
        }
        if wos::sniff(text) {
            return Some(Format::Wos);
        }
        if ris::sniff(text) {
            return Some(Format::Ris);
        }
        if medline::sniff(text) {
            return Some(Format::Medline);
        }
        if first.starts_with('%') && endnote::sniff(text) {
            return Some(Format::Endnote);
        }
        if first.starts_with('<') {
            if endnote_xml::sniff(text) {
                return Some(Format::EndnoteXml);
            }
            if mods::sniff(text) {
                return Some(Format::Mods);
            }
            if biblatexml::sniff(text) {
                return Some(Format::Biblatexml);
            }
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
