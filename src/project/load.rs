//! Loading one input: path → guarded read → decoded text, with notes about how it was
//! decoded. Every command asks for its inputs here, so that they are all read under the
//! same limits and decoded by the same rules.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::convert::BibInput;
use crate::formats::Format;
use crate::io::{Limits, ReadError};
use crate::source::{self, Decoded};

/// One input file, read under the limits and decoded.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path it was read from (`-` for standard input).
    pub path: PathBuf,
    /// Its name in diagnostics: the path as given, or `<stdin>`.
    pub name: Arc<str>,
    /// Its text.
    pub decoded: Decoded,
    /// The label of the encoding it was read in, when not UTF-8.
    pub encoding: Option<&'static str>,
    /// How the encoding was chosen, when the file chose it (`read as windows-1252, as its
    /// `% Encoding:` line says`): worth telling the user as a note.
    pub notes: Vec<String>,
}

impl Source {
    /// Decodes bytes already read from `path`: in `encoding` when given, else in the one the
    /// file declares (a UTF-16 byte-order mark, JabRef's `% Encoding:` line), else UTF-8.
    /// `None` when `encoding` is not a label of an encoding text is written in.
    ///
    /// ```
    /// use bibkit::project::Source;
    /// let s = Source::decode("old.bib".as_ref(), b"% Encoding: windows-1252\n@misc{a, title={Caf\xe9}}".to_vec(), None).unwrap();
    /// assert_eq!(s.encoding, Some("windows-1252"));
    /// assert!(s.decoded.text.contains("Café"));
    /// assert_eq!(s.notes, ["read as windows-1252, as its `% Encoding:` line says"]);
    /// ```
    pub fn decode(path: &Path, bytes: Vec<u8>, encoding: Option<&str>) -> Option<Source> {
        Source::decode_with(path, bytes, encoding, false)
    }

    /// Like [`Source::decode`]; with `lossy`, a UTF-8 file's bytes that are not UTF-8 are
    /// read as windows-1252 ([`source::decode_utf8_lossy`]) instead of making their records
    /// unreadable.
    ///
    /// ```
    /// use bibkit::project::Source;
    /// let s = Source::decode_with("a.bib".as_ref(), b"@misc{a, title = {Caf\xe9}}".to_vec(), None, true).unwrap();
    /// assert_eq!(s.decoded.text, "@misc{a, title = {Café}}");
    /// assert_eq!(s.decoded.salvaged.len(), 1);
    /// ```
    pub fn decode_with(
        path: &Path,
        bytes: Vec<u8>,
        encoding: Option<&str>,
        lossy: bool,
    ) -> Option<Source> {
        let mut notes = Vec::new();
        let (decoded, enc) = if let Some(label) = encoding {
            let decoded = source::decode_owned(bytes, Some(label))?;
            let enc = source::encoding_for_label(label).map(|e| e.name());
            (decoded, enc.filter(|n| *n != "UTF-8"))
        } else if let Some(enc) = source::declared_encoding(&bytes) {
            let what = if bytes.starts_with(b"<?xml") || bytes.starts_with(b"\xEF\xBB\xBF<?xml") {
                "XML declaration"
            } else {
                "`% Encoding:` line"
            };
            notes.push(format!("read as {}, as its {what} says", enc.name()));
            (
                source::decode_owned(bytes, Some(enc.name()))?,
                Some(enc.name()),
            )
        } else {
            let decoded = if lossy && std::str::from_utf8(&bytes).is_err() {
                source::decode_utf8_lossy(&bytes)
            } else {
                source::decode_utf8_owned(bytes)
            };
            if let Some(enc) = decoded.encoding {
                notes.push(format!("read as {enc}, as its byte-order mark says"));
            }
            let enc = decoded.encoding;
            (decoded, enc)
        };
        Some(Source {
            path: path.to_path_buf(),
            name: display_name(path),
            decoded,
            encoding: enc,
            notes,
        })
    }

    /// Its format, from its extension and its content (see [`Format::detect`]).
    ///
    /// ```
    /// use bibkit::{formats::Format, project::Source};
    /// let s = Source::decode("-".as_ref(), b"[{\"id\": \"a\", \"type\": \"book\"}]".to_vec(), None).unwrap();
    /// assert_eq!(s.format(), Some(Format::CslJson));
    /// ```
    pub fn format(&self) -> Option<Format> {
        self.detect().map(|d| d.format)
    }

    /// Its format and what told it (see [`Format::detect`]).
    pub fn detect(&self) -> Option<crate::formats::Detected> {
        Format::detect(&self.path, &self.decoded.text)
    }

    /// It, as one file of a bibliography for [`crate::convert::Converter::bibtex_files`]
    /// and [`crate::formats::bibtex::Reader::read_sources`].
    pub fn bib_input(&self) -> BibInput<'_> {
        BibInput {
            decoded: &self.decoded,
            file: Some(self.name.clone()),
            encoding: self.encoding,
        }
    }
}

/// Why an input could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// It could not be read (missing, too large, not a regular file, …).
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The encoding asked for is not one text is written in.
    #[error("unknown encoding `{0}`")]
    Encoding(String),
}

/// Reads `path` under `limits` (`-` is standard input) and decodes it (see
/// [`Source::decode`]).
///
/// ```
/// use bibkit::{io::Limits, project::load};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("refs.bib");
/// std::fs::write(&path, "\u{feff}@misc{a, title = {T}}")?;
/// let s = load(&path, &Limits::default(), None)?;
/// assert_eq!(s.decoded.text, "@misc{a, title = {T}}");
/// assert!(s.notes.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load(path: &Path, limits: &Limits, encoding: Option<&str>) -> Result<Source, LoadError> {
    load_with(path, limits, encoding, false)
}

/// [`load`], with `lossy` as in [`Source::decode_with`].
pub fn load_with(
    path: &Path,
    limits: &Limits,
    encoding: Option<&str>,
    lossy: bool,
) -> Result<Source, LoadError> {
    let bytes = crate::io::read_input(path, limits)?;
    Source::decode_with(path, bytes, encoding, lossy)
        .ok_or_else(|| LoadError::Encoding(encoding.unwrap_or_default().to_string()))
}

/// The name of `path` in diagnostics: the path as given, `<stdin>` for `-`.
///
/// ```
/// use bibkit::project::display_name;
/// assert_eq!(&*display_name("-".as_ref()), "<stdin>");
/// assert_eq!(&*display_name("refs/a.bib".as_ref()), "refs/a.bib");
/// ```
pub fn display_name(path: &Path) -> Arc<str> {
    if path.as_os_str() == "-" {
        Arc::from("<stdin>")
    } else {
        Arc::from(path.display().to_string())
    }
}
