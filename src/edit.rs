//! Editing a `.bib` file without reformatting it.
//!
//! A [`Document`] is the text of a `.bib` file with an index of its blocks, fields and
//! value pieces, read from the lossless syntax tree. Edits are collected in a [`Batch`]
//! against the document as it is, then applied in one pass: only the edited spans change,
//! every other byte stays as it was, and the batch gives the [`Change`]s it made (the
//! byte range replaced and the new text), for a diff or an editor's edits.
//!
//! ```
//! use bibkit::edit::{Document, Value};
//! let mut doc = Document::parse("% my papers\n@article{knuth84,\n    title   = {Literate Programming},\n    year    = 1984\n}\n");
//! let k = doc.find("Knuth84")[0]; // keys are compared ignoring case, as BibTeX does
//! let mut batch = doc.batch();
//! batch.set_field(k, "journal", Value::text("The Computer Journal & Co"))?;
//! batch.set_field(k, "year", Value::raw("{1984}"))?;
//! let changes = batch.apply()?;
//! assert_eq!(changes.len(), 2);
//! assert_eq!(doc.text(), "% my papers\n@article{knuth84,\n    title   = {Literate Programming},\n    year    = {1984},\n    journal = {The Computer Journal \\& Co}\n}\n");
//! # Ok::<(), bibkit::edit::EditError>(())
//! ```
//!
//! A new field follows its entry's own style: the indent of its fields, `=` aligned when
//! they are, braces or quotes as its last field has them, a trailing comma when the entry
//! has one, and the file's line ending.

use std::ops::Range;

use crate::model::Span;
use crate::syntax::{self, Token};
pub use crate::syntax::{BlockKind, PieceKind};

/// The text of a `.bib` file, with an index of what is in it; see the module docs.
#[derive(Debug, Clone)]
pub struct Document {
    text: String,
    /// The blocks and the number of syntax errors, read when first asked for: a document
    /// only written back (or only spliced) is never parsed.
    index: std::sync::OnceLock<Index>,
    /// Entry keys in lower case → their blocks, built by the first [`Document::find`].
    keys: std::sync::OnceLock<std::collections::HashMap<String, Vec<usize>>>,
    /// The line ending new lines get: CRLF when the text has one.
    nl: std::sync::OnceLock<&'static str>,
    /// The encoding [`Document::save`] writes (UTF-8 unless read from bytes in another).
    encoding: &'static encoding_rs::Encoding,
    /// Whether the file began with a byte-order mark (written again).
    bom: bool,
}

#[derive(Debug, Clone)]
struct Index {
    blocks: Vec<BlockInfo>,
    errors: usize,
}

/// One block of a [`Document`]: an entry, `@string`, `@preamble` or `@comment`.
#[derive(Debug, Clone)]
pub struct BlockInfo {
    kind: BlockKind,
    span: Span,
    ty: Span,
    key: Span,
    close: Span,
    fields: Vec<FieldInfo>,
}

impl BlockInfo {
    /// What kind of block it is.
    ///
    /// ```
    /// use bibkit::edit::{BlockKind, Document};
    /// let doc = Document::parse("@string{a = {A}}\n@misc{k, note = a}\n");
    /// let kinds: Vec<BlockKind> = doc.blocks().iter().map(|b| b.kind()).collect();
    /// assert_eq!(kinds, [BlockKind::String, BlockKind::Entry]);
    /// assert_eq!(doc.blocks()[1].span().start, 17);
    /// assert_eq!(&doc.text()[doc.blocks()[1].key_span().unwrap().start..][..1], "k");
    /// ```
    pub fn kind(&self) -> BlockKind {
        self.kind
    }

    /// Its bytes in the document's text, from `@` to the closing delimiter.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The bytes of its key (entries only; `None` for other blocks and an empty key).
    pub fn key_span(&self) -> Option<Span> {
        (self.kind == BlockKind::Entry && self.key.start < self.key.end).then_some(self.key)
    }

    /// How many fields it has.
    pub fn field_count(&self) -> usize {
        self.fields.len()
    }
}

/// One field of a block.
#[derive(Debug, Clone)]
pub struct FieldInfo {
    name: Span,
    /// From the first piece to the last.
    value: Span,
    /// The `,` after the value, when there is one before the next field or the close.
    comma: Option<Span>,
    /// Whether the first piece is quoted (`"…"`).
    quoted: bool,
}

/// A value to set: Unicode text (escaped for BibTeX by the library) or raw BibTeX
/// (`{…}`, `"…"`, a number, a macro, or pieces joined by `#`), which is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Unicode text.
    Text(String),
    /// BibTeX as it is to be written.
    Raw(String),
}

impl Value {
    /// Unicode text, escaped for BibTeX when written (`&` as `\&`, …).
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }
    /// Raw BibTeX (`{Knuth, Donald E.}`, `jan`, `acm # { Press}`).
    pub fn raw(s: impl Into<String>) -> Value {
        Value::Raw(s.into())
    }
}

/// One span of the old text replaced with new text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Bytes of the text before the batch.
    pub range: Range<usize>,
    /// What they became.
    pub text: String,
}

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// There is no block with this index.
    #[error("there is no block {0}")]
    NoBlock(usize),
    /// The block is not an entry (or `@string`, for field edits).
    #[error("block {0} has no fields to edit")]
    NotFields(usize),
    /// The field is not in the entry.
    #[error("the entry has no field `{0}`")]
    NoField(String),
    /// A name that BibTeX cannot read as a field name, key or type.
    #[error("`{0}` is not a name BibTeX reads")]
    BadName(String),
    /// Raw BibTeX that does not parse as a value.
    #[error("`{0}` is not a BibTeX value")]
    BadValue(String),
    /// Two edits of one batch touch the same bytes.
    #[error("two edits of the batch change the same text")]
    Overlap,
    /// A [`Batch::replace`] range that is not in the text or cuts a character.
    #[error("bytes {0:?} are not a range of the text")]
    BadRange(Range<usize>),
    /// The batch's raw changes would give the text more syntax errors.
    #[error("the changes would break the file's syntax; nothing was changed")]
    Broken,
    /// The bytes could not be read, or the text written, in the file's encoding.
    #[error("{0}")]
    Encoding(String),
    /// Writing the file failed (it is left as it was).
    #[error("{0}")]
    Write(String),
}

impl Document {
    /// Reads `text`. Never fails: a broken block is kept as it is (see
    /// [`Document::errors`]) and can still be removed or left alone.
    pub fn parse(text: impl Into<String>) -> Document {
        Document {
            text: text.into(),
            index: std::sync::OnceLock::new(),
            keys: std::sync::OnceLock::new(),
            nl: std::sync::OnceLock::new(),
            encoding: encoding_rs::UTF_8,
            bom: false,
        }
    }

    /// Reads a file's bytes: in `encoding` (a WHATWG label) when given, else as a UTF-16
    /// byte-order mark or JabRef's `% Encoding:` line says, else UTF-8. [`Document::save`]
    /// writes the file back in the same encoding, with the byte-order mark it had. Bytes
    /// that are not valid in the encoding are refused (a file that could not be read whole
    /// is never rewritten).
    ///
    /// ```
    /// use bibkit::edit::{Document, Value};
    /// let mut doc = Document::from_bytes(b"% Encoding: windows-1252\n@misc{a, title = {Caf\xe9}}\n", None)?;
    /// let mut batch = doc.batch();
    /// batch.set_field(0, "note", Value::text("Crème"))?;
    /// batch.apply()?;
    /// assert_eq!(doc.to_bytes()?, b"% Encoding: windows-1252\n@misc{a, title = {Caf\xe9}, note = {Cr\xe8me}}\n");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn from_bytes(bytes: &[u8], encoding: Option<&str>) -> Result<Document, EditError> {
        let bom = bytes.starts_with(b"\xEF\xBB\xBF") || crate::source::utf16_bom(bytes).is_some();
        let enc = match encoding {
            Some(label) => crate::source::encoding_for_label(label)
                .ok_or_else(|| EditError::Encoding(format!("unknown encoding `{label}`")))?,
            None => crate::source::utf16_bom(bytes)
                .or_else(|| crate::source::declared_encoding(bytes))
                .unwrap_or(encoding_rs::UTF_8),
        };
        let decoded = crate::source::decode(bytes, Some(enc.name()))
            .ok_or_else(|| EditError::Encoding(enc.name().to_string()))?;
        if let Some(at) = decoded.invalid.first() {
            return Err(EditError::Encoding(format!(
                "bytes that are not valid {} (at offset {} of the text); the file is not edited",
                enc.name(),
                at.start
            )));
        }
        if decoded.unreadable() {
            return Err(EditError::Encoding("not text".into()));
        }
        let mut doc = Document::parse(decoded.text);
        doc.encoding = enc;
        doc.bom = bom;
        Ok(doc)
    }

    /// The text in the document's encoding, with its byte-order mark; an error when a
    /// character cannot be written in it.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EditError> {
        let enc = self.encoding;
        let mut out = Vec::with_capacity(self.text.len() + 4);
        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            let le = enc == encoding_rs::UTF_16LE;
            if self.bom {
                out.extend_from_slice(if le { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
            }
            for u in self.text.encode_utf16() {
                out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            return Ok(out);
        }
        if enc == encoding_rs::UTF_8 {
            if self.bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            out.extend_from_slice(self.text.as_bytes());
            return Ok(out);
        }
        let mut encoder = enc.new_encoder();
        let mut buf = vec![
            0u8;
            encoder
                .max_buffer_length_from_utf8_without_replacement(self.text.len())
                .unwrap_or(self.text.len() * 4 + 16)
        ];
        let (result, _, written) =
            encoder.encode_from_utf8_without_replacement(&self.text, &mut buf, true);
        match result {
            encoding_rs::EncoderResult::InputEmpty => {
                out.extend_from_slice(&buf[..written]);
                Ok(out)
            }
            encoding_rs::EncoderResult::Unmappable(c) => Err(EditError::Encoding(format!(
                "`{c}` cannot be written in {}",
                enc.name()
            ))),
            encoding_rs::EncoderResult::OutputFull => {
                Err(EditError::Encoding("the text did not fit".into()))
            }
        }
    }

    /// The text, with every edit applied so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text, with every edit applied so far, by value (no copy).
    ///
    /// ```
    /// use bibkit::edit::Document;
    /// let doc = Document::parse("@misc{a, title = {T}}\n");
    /// assert_eq!(doc.into_text(), "@misc{a, title = {T}}\n");
    /// ```
    pub fn into_text(self) -> String {
        self.text
    }

    /// How many syntax errors the text has (their blocks are not in [`Document::blocks`]).
    pub fn errors(&self) -> usize {
        self.idx().errors
    }

    /// The blocks, in order.
    pub fn blocks(&self) -> &[BlockInfo] {
        &self.idx().blocks
    }

    fn idx(&self) -> &Index {
        self.index.get_or_init(|| {
            let (blocks, errors) = index(&self.text);
            Index { blocks, errors }
        })
    }

    /// The index of the `@string` block that defines macro `name` (ignoring case, as
    /// BibTeX does), the first when there are several.
    ///
    /// ```
    /// let doc = bibkit::edit::Document::parse("@string{ACM = {ACM Press}}\n@misc{a}");
    /// assert_eq!(doc.find_string("acm"), Some(0));
    /// ```
    pub fn find_string(&self, name: &str) -> Option<usize> {
        self.blocks().iter().position(|b| {
            b.kind == BlockKind::String
                && b.fields
                    .iter()
                    .any(|f| self.at(f.name).eq_ignore_ascii_case(name))
        })
    }

    /// The indices of the entries whose key is `key`, ignoring case as BibTeX does (all of
    /// them when a key is given twice).
    ///
    /// The first call indexes the keys, so that finding many entries costs one pass.
    ///
    /// ```
    /// let doc = bibkit::edit::Document::parse("@misc{Knuth84}\n@string{k = {x}}\n@book{knuth84}");
    /// assert_eq!(doc.find("KNUTH84"), [0, 2]);
    /// assert!(doc.find("k").is_empty()); // a macro is not an entry
    /// ```
    pub fn find(&self, key: &str) -> Vec<usize> {
        let keys = self.keys.get_or_init(|| {
            let mut map: std::collections::HashMap<String, Vec<usize>> =
                std::collections::HashMap::new();
            for (i, b) in self.blocks().iter().enumerate() {
                if b.kind == BlockKind::Entry {
                    map.entry(self.at(b.key).to_ascii_lowercase())
                        .or_default()
                        .push(i);
                }
            }
            map
        });
        let found = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            keys.get(&key.to_ascii_lowercase())
        } else {
            keys.get(key)
        };
        found.cloned().unwrap_or_default()
    }

    /// The key of block `i` as written (empty for blocks without one).
    pub fn key(&self, i: usize) -> Option<&str> {
        self.blocks().get(i).map(|b| self.at(b.key))
    }

    /// The type of block `i` as written (`Article`, `string`).
    pub fn entry_type(&self, i: usize) -> Option<&str> {
        self.blocks().get(i).map(|b| self.at(b.ty))
    }

    /// The raw values of the fields of block `i` named `name` (ignoring case), in order.
    ///
    /// ```
    /// let doc = bibkit::edit::Document::parse("@misc{a, Title = {One}, title = \"Two\"}");
    /// assert_eq!(doc.fields(0, "TITLE"), ["{One}", "\"Two\""]);
    /// ```
    pub fn fields(&self, i: usize, name: &str) -> Vec<&str> {
        self.blocks().get(i).map_or_else(Vec::new, |b| {
            b.fields
                .iter()
                .filter(|f| self.at(f.name).eq_ignore_ascii_case(name))
                .map(|f| self.at(f.value))
                .collect()
        })
    }

    /// The names of the fields of block `i`, as written, in order.
    pub fn field_names(&self, i: usize) -> Vec<&str> {
        self.blocks().get(i).map_or_else(Vec::new, |b| {
            b.fields.iter().map(|f| self.at(f.name)).collect()
        })
    }

    /// The entries of the document as the model reads them (macros expanded, names
    /// split, dates read), each with its block index.
    ///
    /// ```
    /// let doc = bibkit::edit::Document::parse("@string{acm = {ACM}}\n@book{k, publisher = acm}");
    /// let model = doc.model();
    /// assert_eq!(model[0].0, 1);
    /// assert_eq!(model[0].1.get("publisher").unwrap().to_plain_string(), "ACM");
    /// ```
    pub fn model(&self) -> Vec<(usize, crate::model::Entry)> {
        let parsed = crate::formats::bibtex::Reader::new()
            .resolve_crossrefs(false)
            .read(&self.text);
        parsed
            .bibliography
            .entries
            .into_iter()
            .filter_map(|e| {
                let start = e.origin.as_ref()?.span.start;
                let i = self.blocks().partition_point(|b| b.span.start < start);
                (self.blocks().get(i)?.span.start == start).then_some((i, e))
            })
            .collect()
    }

    /// Entry `i` as the model reads it (see [`Document::model`]); this reads the whole
    /// document, so for many entries take [`Document::model`] once.
    pub fn to_model(&self, i: usize) -> Option<crate::model::Entry> {
        self.model()
            .into_iter()
            .find(|(j, _)| *j == i)
            .map(|(_, e)| e)
    }

    /// The block and field (counting from 0 in the block) whose text — from its name to
    /// the end of its value — holds byte `offset`.
    ///
    /// ```
    /// let doc = bibkit::edit::Document::parse("@misc{a, title = {T}, year = 2000}\n@misc{b, note = {N}}");
    /// assert_eq!(doc.field_at(24), Some((0, 1))); // in `year = 2000`
    /// assert_eq!(doc.field_at(48), Some((1, 0)));
    /// assert_eq!(doc.field_at(3), None);
    /// ```
    pub fn field_at(&self, offset: usize) -> Option<(usize, usize)> {
        let i = self
            .blocks()
            .partition_point(|b| b.span.start <= offset)
            .checked_sub(1)?;
        let b = &self.blocks()[i];
        let k = b
            .fields
            .iter()
            .position(|f| f.name.start <= offset && offset < f.value.end.max(f.name.end))?;
        Some((i, k))
    }

    /// The name of field `k` of block `i`, as written, and its raw value.
    ///
    /// ```
    /// let doc = bibkit::edit::Document::parse("@misc{a, Title = {T} # x}");
    /// assert_eq!(doc.field(0, 0), Some(("Title", "{T} # x")));
    /// ```
    pub fn field(&self, i: usize, k: usize) -> Option<(&str, &str)> {
        let f = self.blocks().get(i)?.fields.get(k)?;
        Some((self.at(f.name), self.at(f.value)))
    }

    /// The bytes of the value of field `k` of block `i` (from its first piece to its
    /// last).
    ///
    /// ```
    /// let doc = bibkit::edit::Document::parse("@misc{a, year = 2000}");
    /// let s = doc.value_span(0, 0).unwrap();
    /// assert_eq!(&doc.text()[s.start..s.end], "2000");
    /// ```
    pub fn value_span(&self, i: usize, k: usize) -> Option<Span> {
        Some(self.blocks().get(i)?.fields.get(k)?.value)
    }

    /// The bytes of field `k` of block `i`, from its name to the end of its value, and to
    /// the end of the `,` after it when it has one.
    ///
    /// ```
    /// let doc = bibkit::edit::Document::parse("@misc{a, year = 2000, note = {N}}");
    /// let s = doc.field_extent(0, 0).unwrap();
    /// assert_eq!(&doc.text()[s.start..s.end], "year = 2000,");
    /// ```
    pub fn field_extent(&self, i: usize, k: usize) -> Option<Span> {
        let f = self.blocks().get(i)?.fields.get(k)?;
        Some(Span::new(
            f.name.start,
            f.comma.map_or(f.value.end, |c| c.end),
        ))
    }

    /// The pieces of the value of field `k` of block `i`, in order (an empty list when
    /// there is no such field).
    ///
    /// ```
    /// use bibkit::edit::{Document, PieceKind};
    /// let doc = Document::parse("@string{acm = {ACM}}\n@book{b, publisher = acm # { Press}}");
    /// let pieces = doc.pieces(1, 0);
    /// assert_eq!(pieces.len(), 2);
    /// assert_eq!((pieces[0].kind, pieces[0].text), (PieceKind::Macro, "acm"));
    /// assert_eq!((pieces[1].kind, pieces[1].text), (PieceKind::Braced, "{ Press}"));
    /// ```
    pub fn pieces(&self, i: usize, k: usize) -> Vec<Piece<'_>> {
        let Some(v) = self.value_span(i, k) else {
            return Vec::new();
        };
        // A value is read the same on its own: parse it alone, at its offset.
        const HEAD: &str = "@misc{x, f = ";
        let probe = format!("{HEAD}{}}}", self.at(v));
        let tree = syntax::parse(&probe);
        let Some(b) = tree.blocks().next() else {
            return Vec::new();
        };
        let fields = tree.fields(b);
        let Some(f) = fields.first() else {
            return Vec::new();
        };
        tree.pieces(f)
            .iter()
            .map(|p| {
                let s = p.span();
                let span = Span::new(s.start - HEAD.len() + v.start, s.end - HEAD.len() + v.start);
                Piece {
                    kind: p.kind(),
                    text: self.at(span),
                    span,
                }
            })
            .collect()
    }

    /// The document with its text replaced by `text`, in the same encoding and with the
    /// same byte-order mark: for a caller that changed the text itself (and checked it)
    /// and saves it as the file was.
    ///
    /// ```
    /// use bibkit::edit::Document;
    /// let doc = Document::from_bytes(b"\xEF\xBB\xBF@misc{a}", None)?;
    /// assert_eq!(doc.with_text("@misc{b}").to_bytes()?, b"\xEF\xBB\xBF@misc{b}");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn with_text(&self, text: impl Into<String>) -> Document {
        Document {
            encoding: self.encoding,
            bom: self.bom,
            ..Document::parse(text)
        }
    }

    /// The name of the encoding [`Document::save`] writes (`UTF-8`, `windows-1252`, …).
    pub fn encoding(&self) -> &'static str {
        self.encoding.name()
    }

    /// A batch of edits against the document as it is now; see [`Batch::apply`].
    pub fn batch(&mut self) -> Batch<'_> {
        Batch {
            doc: self,
            edits: Vec::new(),
            raw: false,
            style: Style {
                ascii: false,
                protect_case: true,
            },
        }
    }

    /// Writes the document to `path` through the library's atomic writer, in its
    /// encoding and with its byte-order mark ([`Document::to_bytes`]); nothing is written
    /// when a character cannot be encoded.
    pub fn save(&self, path: &std::path::Path) -> Result<(), EditError> {
        let written = if self.encoding == encoding_rs::UTF_8 {
            // UTF-8 is written as it is held: no copy.
            let bom: &[u8] = if self.bom { b"\xEF\xBB\xBF" } else { b"" };
            crate::io::write_file(path, |w| {
                w.write_all(bom)?;
                w.write_all(self.text.as_bytes())
            })
        } else {
            let bytes = self.to_bytes()?;
            crate::io::write_file(path, |w| w.write_all(&bytes))
        };
        written.map_err(|e| EditError::Write(e.to_string()))
    }

    fn at(&self, s: Span) -> &str {
        &self.text[s.start..s.end]
    }

    fn line_ending(&self) -> &'static str {
        self.nl.get_or_init(|| {
            if memchr::memmem::find(self.text.as_bytes(), b"\r\n").is_some() {
                "\r\n"
            } else {
                "\n"
            }
        })
    }
}

impl std::fmt::Display for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Edits collected against one state of a [`Document`], applied together.
#[derive(Debug)]
pub struct Batch<'d> {
    doc: &'d mut Document,
    /// (range in the old text, new text), in the order they were made
    edits: Vec<(Range<usize>, String)>,
    /// Whether a change was given as raw bytes ([`Batch::replace`]): the result is then
    /// checked to parse no worse.
    raw: bool,
    /// How [`Value::Text`] is written.
    style: Style,
}

/// How a batch writes [`Value::Text`]; see [`Batch::ascii`] and [`Batch::protect_case`].
#[derive(Debug, Clone, Copy)]
struct Style {
    ascii: bool,
    protect_case: bool,
}

/// One piece of a field's value (pieces are joined with `#`), as
/// [`Document::pieces`] gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    /// Braced, quoted, a number or a macro name.
    pub kind: PieceKind,
    /// Its text as written, delimiters included.
    pub text: &'a str,
    /// Its bytes in the document's text.
    pub span: Span,
}

impl Batch<'_> {
    /// Sets field `name` of block `i` to `value`: the first field of that name (ignoring
    /// case) gets the new value in place; an entry without one gets a new field after its
    /// last, in its style.
    pub fn set_field(&mut self, i: usize, name: &str, value: Value) -> Result<(), EditError> {
        check_name(name)?;
        let b = self.fields_block(i)?;
        let existing = b
            .fields
            .iter()
            .find(|f| self.doc.at(f.name).eq_ignore_ascii_case(name));
        if let Some(f) = existing {
            let written = self.written(&value, f.quoted, name)?;
            self.edits.push((f.value.start..f.value.end, written));
            return Ok(());
        }
        let nl = self.doc.line_ending();
        let text = &self.doc.text;
        match b.fields.last() {
            Some(last) => {
                let written = self.written(&value, last.quoted, name)?;
                let line_start = text[..last.name.start]
                    .rfind(['\n', '\r'])
                    .map_or(0, |p| p + 1);
                let before = &text[line_start..last.name.start];
                let indent: String = if before.trim().is_empty() {
                    before.to_string()
                } else {
                    " ".to_string()
                };
                let own_line = before.trim().is_empty();
                // `=` where the other fields have it, when they line up.
                let eq_col = |f: &FieldInfo| {
                    text[f.name.end..f.value.start]
                        .find('=')
                        .map(|p| f.name.end + p - line_of(text, f.name.start))
                };
                let cols: Vec<Option<usize>> = b.fields.iter().map(eq_col).collect();
                let aligned = cols.len() > 1 && cols.windows(2).all(|w| w[0] == w[1]);
                let name_at = indent.len();
                let gap_before_eq = match (aligned, cols.last().copied().flatten()) {
                    (true, Some(c)) if c > name_at + name.len() => c - name_at - name.len(),
                    _ => {
                        let g = &text[last.name.end..last.value.start];
                        g.find('=').unwrap_or(1).max(usize::from(aligned))
                    }
                };
                let gap_after_eq = {
                    let g = &text[last.name.end..last.value.start];
                    g.find('=').map_or(1, |p| g.len() - p - 1)
                };
                let field = format!(
                    "{name}{}={}{written}",
                    " ".repeat(gap_before_eq),
                    " ".repeat(gap_after_eq)
                );
                let sep = if own_line { nl } else { "" };
                match last.comma {
                    Some(c) => {
                        // After the trailing comma: the new field gets one too.
                        self.edits
                            .push((c.end..c.end, format!("{sep}{indent}{field},")));
                    }
                    None => {
                        self.edits.push((
                            last.value.end..last.value.end,
                            format!(",{sep}{indent}{field}"),
                        ));
                    }
                }
            }
            None => {
                let written = self.written(&value, false, name)?;
                if b.kind == BlockKind::String {
                    self.edits
                        .push((b.close.start..b.close.start, format!("{name} = {written}")));
                    return Ok(());
                }
                // After the comma after the key when there is one, else after the key.
                let after = &text[b.key.end..b.close.start];
                let field = format!("{nl}  {name} = {written}{nl}");
                let bare = matches!(after.trim(), "" | ",");
                match after.trim_start().starts_with(',') {
                    // A comment between the key and the close stays: the field goes last.
                    _ if !bare => {
                        let comma = if after.contains(',') { "" } else { "," };
                        self.edits
                            .push((b.close.start..b.close.start, format!("{comma}{field}")));
                    }
                    true => {
                        let comma = b.key.end + after.find(',').unwrap_or(0) + 1;
                        // What stood between the comma and the close (white space) goes.
                        self.edits.push((comma..b.close.start, field));
                    }
                    false => {
                        self.edits
                            .push((b.key.end..b.close.start, format!(",{field}")));
                    }
                }
            }
        }
        Ok(())
    }

    /// Removes the first field named `name` (ignoring case) from block `i`, with its line
    /// when it has one of its own, and the comma that goes with it.
    pub fn remove_field(&mut self, i: usize, name: &str) -> Result<(), EditError> {
        let b = self.fields_block(i)?;
        let text = &self.doc.text;
        let Some(k) = b
            .fields
            .iter()
            .position(|f| text[f.name.start..f.name.end].eq_ignore_ascii_case(name))
        else {
            return Err(EditError::NoField(name.to_string()));
        };
        self.remove_field_at(i, k)
    }

    /// Removes field `k` (counting from 0, as [`Document::field_at`] gives it) of block
    /// `i`, as [`Batch::remove_field`] does: the one to remove when a name is repeated.
    ///
    /// ```
    /// use bibkit::edit::Document;
    /// let mut doc = Document::parse("@misc{a,\n  title = {One},\n  title = {One},\n}\n");
    /// let mut batch = doc.batch();
    /// batch.remove_field_at(0, 1)?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "@misc{a,\n  title = {One},\n}\n");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn remove_field_at(&mut self, i: usize, k: usize) -> Result<(), EditError> {
        let b = self.fields_block(i)?;
        let text = &self.doc.text;
        let f = b
            .fields
            .get(k)
            .ok_or_else(|| EditError::NoField(format!("#{k}")))?;
        let line_start = text[..f.name.start]
            .rfind(['\n', '\r'])
            .map_or(0, |p| p + 1);
        let own_line = text[line_start..f.name.start].trim().is_empty();
        let range = match (f.comma, k.checked_sub(1).map(|p| &b.fields[p])) {
            // `, name = value` after the one before, when this is the last without comma.
            (None, Some(prev)) => prev.comma.map_or(prev.value.end, |c| c.start)..f.value.end,
            (None, None) => f.name.start..f.value.end,
            (Some(c), _) => {
                let rest = &text[c.end..];
                let n = rest.find(['\n', '\r']).unwrap_or(rest.len());
                if own_line && line_start > 0 && rest[..n].trim().is_empty() {
                    // Its line, from the line break before it to its comma: what follows
                    // (the next field's line, or the close) stays, and a field added after
                    // this one in the same batch goes where it was.
                    let before = if text[..line_start].ends_with("\r\n") {
                        2
                    } else {
                        1
                    };
                    line_start - before..c.end
                } else {
                    text[..f.name.start].trim_end().len()..c.end
                }
            }
        };
        self.push(range, String::new())
    }

    /// Sets the value of field `k` of block `i` (as [`Document::field_at`] counts), in
    /// place: the one to change when a name is repeated.
    pub fn set_value_at(&mut self, i: usize, k: usize, value: Value) -> Result<(), EditError> {
        let b = self.fields_block(i)?;
        let f = b
            .fields
            .get(k)
            .ok_or_else(|| EditError::NoField(format!("#{k}")))?;
        let (quoted, r) = (f.quoted, f.value.start..f.value.end);
        let name = self.doc.at(f.name).to_string();
        let written = self.written(&value, quoted, &name)?;
        self.push(r, written)
    }

    /// Renames field `k` of block `i` (as [`Document::field_at`] counts).
    pub fn rename_field_at(&mut self, i: usize, k: usize, new: &str) -> Result<(), EditError> {
        check_name(new)?;
        let b = self.fields_block(i)?;
        let f = b
            .fields
            .get(k)
            .ok_or_else(|| EditError::NoField(format!("#{k}")))?;
        let r = f.name.start..f.name.end;
        self.push(r, new.to_string())
    }

    /// Makes a change given as bytes of the document's current text and their new text:
    /// a [`Change`] from [`Batch::changes`] or a finding's fix. [`Batch::apply`] refuses
    /// the batch when the text then has more syntax errors than before.
    ///
    /// ```
    /// use bibkit::edit::{Change, Document};
    /// let mut doc = Document::parse("@misc{a, pages = {1-2}}");
    /// let mut batch = doc.batch();
    /// batch.replace(Change { range: 17..22, text: "{1--2}".into() })?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "@misc{a, pages = {1--2}}");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn replace(&mut self, change: Change) -> Result<(), EditError> {
        let len = self.doc.text.len();
        let r = change.range;
        if r.start > r.end
            || r.end > len
            || !self.doc.text.is_char_boundary(r.start)
            || !self.doc.text.is_char_boundary(r.end)
        {
            return Err(EditError::BadRange(r));
        }
        self.raw = true;
        self.push(r, change.text)
    }

    /// The changes the batch would make, in order, without making them (an error when
    /// two overlap).
    ///
    /// ```
    /// use bibkit::edit::{Document, Value};
    /// let mut doc = Document::parse("@misc{a, year = 1999}");
    /// let mut batch = doc.batch();
    /// batch.set_field(0, "year", Value::raw("2000"))?;
    /// let preview = batch.changes()?;
    /// assert_eq!((preview[0].range.clone(), preview[0].text.as_str()), (16..20, "2000"));
    /// drop(batch);
    /// assert_eq!(doc.text(), "@misc{a, year = 1999}");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn changes(&self) -> Result<Vec<Change>, EditError> {
        Ok(sorted(self.edits.clone())?
            .into_iter()
            .map(|(range, text)| Change { range, text })
            .collect())
    }

    /// Renames the first field named `old` (ignoring case) of block `i`.
    pub fn rename_field(&mut self, i: usize, old: &str, new: &str) -> Result<(), EditError> {
        check_name(new)?;
        let b = self.fields_block(i)?;
        let f = b
            .fields
            .iter()
            .find(|f| self.doc.at(f.name).eq_ignore_ascii_case(old))
            .ok_or_else(|| EditError::NoField(old.to_string()))?;
        let r = f.name.start..f.name.end;
        self.push(r, new.to_string())
    }

    /// Changes the key of entry `i`.
    pub fn set_key(&mut self, i: usize, key: &str) -> Result<(), EditError> {
        if key.is_empty()
            || key.contains([',', '{', '}', '(', ')', '"', '=', '#', '%', '@'])
            || key.contains(char::is_whitespace)
        {
            return Err(EditError::BadName(key.to_string()));
        }
        let b = self.block(i)?;
        if b.kind != BlockKind::Entry {
            return Err(EditError::NotFields(i));
        }
        let r = b.key.start..b.key.end;
        self.push(r, key.to_string())
    }

    /// Changes the type of entry `i` (`article` → `inproceedings`).
    pub fn set_entry_type(&mut self, i: usize, ty: &str) -> Result<(), EditError> {
        check_name(ty)?;
        let b = self.block(i)?;
        if b.kind != BlockKind::Entry {
            return Err(EditError::NotFields(i));
        }
        let r = b.ty.start..b.ty.end;
        self.push(r, ty.to_string())
    }

    /// Makes entry `i` say what `entry` (a model entry, typically from
    /// [`Document::to_model`], changed) says: its key and type, and each field whose value
    /// differs from the model of the entry as it is, written as the BibTeX writer writes
    /// it, in place of the field the file has for it (under the name the file uses:
    /// `journal` for `journaltitle`); fields `entry` no longer has are removed. Fields
    /// that did not change are left exactly as they are.
    ///
    /// ```
    /// use bibkit::edit::Document;
    /// use bibkit::model::Value;
    /// let mut doc = Document::parse("@article{k,\n  journal = \"Old\",\n  year = 1999 % kept\n}\n");
    /// let mut e = doc.to_model(0).unwrap();
    /// e.set("journaltitle", Value::text("New & Improved"));
    /// let mut batch = doc.batch();
    /// batch.apply_model(0, &e)?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "@article{k,\n  journal = {New \\& Improved},\n  year = 1999 % kept\n}\n");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn apply_model(&mut self, i: usize, entry: &crate::model::Entry) -> Result<(), EditError> {
        use crate::formats::bibtex::{self, Dialect, WriteOptions, canonical_field};
        let b = self.block(i)?;
        if b.kind != BlockKind::Entry {
            return Err(EditError::NotFields(i));
        }
        let old = self.doc.to_model(i).ok_or(EditError::NotFields(i))?;
        let text = &self.doc.text;
        // The dialect the entry is written in: BibTeX's when it uses its names.
        let file_names: Vec<String> = b
            .fields
            .iter()
            .map(|f| text[f.name.start..f.name.end].to_ascii_lowercase())
            .collect();
        let bibtex_names = file_names.iter().any(|n| {
            matches!(
                n.as_str(),
                "journal" | "address" | "school" | "year" | "annote"
            )
        });
        let dialect = if bibtex_names {
            Dialect::Bibtex
        } else {
            Dialect::Biblatex
        };
        let mut rendered = String::new();
        let mut plain = entry.clone();
        plain.fields.retain(|f| !f.inherited);
        bibtex::write_entry(&mut rendered, &plain, &WriteOptions::new().dialect(dialect));
        let new_doc = Document::parse(rendered);
        let own = |e: &crate::model::Entry, name: &str| -> Option<crate::model::Value> {
            e.fields
                .iter()
                .find(|f| !f.inherited && f.name == name)
                .map(|f| f.value.clone())
        };
        // The file's field for a model field name.
        let file_field = |name: &str| -> Option<String> {
            file_names
                .iter()
                .find(|n| n.as_str() == name || canonical_field(n) == name)
                .cloned()
        };
        let mut names: Vec<String> = Vec::new();
        for f in entry.fields.iter().filter(|f| !f.inherited) {
            if !names.contains(&f.name.to_string()) {
                names.push(f.name.to_string());
            }
        }
        // The fields as the writer writes them, under the dialect's names (a date as
        // `year`/`month`).
        let written: Vec<(String, &str)> = new_doc.blocks().first().map_or_else(Vec::new, |nb| {
            nb.fields
                .iter()
                .map(|f| (new_doc.at(f.name).to_ascii_lowercase(), new_doc.at(f.value)))
                .collect()
        });
        for name in &names {
            if own(&old, name) == own(entry, name) {
                continue;
            }
            for (wname, raw) in written.iter().filter(|(w, _)| {
                w == name
                    || canonical_field(w) == name.as_str()
                    || (name == "date" && matches!(w.as_str(), "year" | "month" | "day" | "date"))
            }) {
                let target = file_field(wname).unwrap_or_else(|| wname.clone());
                self.set_field(i, &target, Value::raw(*raw))?;
            }
        }
        for f in old.fields.iter().filter(|f| !f.inherited) {
            if own(entry, &f.name).is_none() {
                if let Some(n) = file_field(&f.name) {
                    self.remove_field(i, &n)?;
                }
            }
        }
        if entry.key != old.key {
            self.set_key(i, &entry.key)?;
        }
        if !entry.kind.eq_ignore_ascii_case(&old.kind) {
            self.set_entry_type(i, &entry.kind)?;
        }
        Ok(())
    }

    /// Defines `@string` macro `name` as `value`: its definition gets the new value in
    /// place, or a new `@string` goes after the last one (before the first entry when
    /// there is none).
    ///
    /// ```
    /// use bibkit::edit::{Document, Value};
    /// let mut doc = Document::parse("@string{acm = {ACM}}\n\n@misc{a, publisher = acm}\n");
    /// let mut batch = doc.batch();
    /// batch.set_string("acm", Value::text("ACM Press"))?;
    /// batch.set_string("ieee", Value::text("IEEE"))?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "@string{acm = {ACM Press}}\n\n@string{ieee = {IEEE}}\n\n@misc{a, publisher = acm}\n");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn set_string(&mut self, name: &str, value: Value) -> Result<(), EditError> {
        check_name(name)?;
        if let Some(i) = self.doc.find_string(name) {
            return self.set_field(i, name, value);
        }
        let written = self.written(&value, false, name)?;
        let nl = self.doc.line_ending();
        let block = format!("@string{{{name} = {written}}}");
        let last_string = self
            .doc
            .blocks()
            .iter()
            .rposition(|b| b.kind == BlockKind::String);
        match last_string {
            Some(i) => {
                let at = self.doc.blocks()[i].span.end;
                self.push(at..at, format!("{nl}{nl}{block}"))
            }
            None => {
                let at = self
                    .doc
                    .blocks()
                    .iter()
                    .find(|b| b.kind == BlockKind::Entry)
                    .map_or(self.doc.text.len(), |b| b.span.start);
                self.push(at..at, format!("{block}{nl}{nl}"))
            }
        }
    }

    /// Removes the definition of `@string` macro `name` (the whole block when it defines
    /// nothing else). Entries that use the macro keep using it: `check` reports them.
    pub fn remove_string(&mut self, name: &str) -> Result<(), EditError> {
        let i = self
            .doc
            .find_string(name)
            .ok_or_else(|| EditError::NoField(name.to_string()))?;
        if self.doc.blocks()[i].fields.len() == 1 {
            self.remove_block(i)
        } else {
            self.remove_field(i, name)
        }
    }

    /// Removes block `i` with the line break after it, and one blank line beside it, so
    /// that the blocks around it stay as far apart as they were from it.
    ///
    /// ```
    /// use bibkit::edit::Document;
    /// let mut doc = Document::parse("@misc{a}\n\n@misc{b}\n\n@misc{c}\n");
    /// let mut batch = doc.batch();
    /// batch.remove_block(1)?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "@misc{a}\n\n@misc{c}\n");
    /// let mut batch = doc.batch();
    /// batch.remove_block(1)?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "@misc{a}\n");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn remove_block(&mut self, i: usize) -> Result<(), EditError> {
        let b = self.block(i)?;
        let text = &self.doc.text;
        let line_break = |at: usize| -> usize {
            if text[at..].starts_with("\r\n") {
                2
            } else if text[at..].starts_with(['\n', '\r']) {
                1
            } else {
                0
            }
        };
        let mut start = b.span.start;
        let mut end = b.span.end;
        end += line_break(end);
        let blank_after = line_break(end);
        if blank_after > 0 {
            // The blank line after it goes with it.
            end += blank_after;
        } else if end == text.len() {
            // The last block: the blank line before it goes.
            let before = &text[..start];
            if before.ends_with("\r\n\r\n") {
                start -= 2;
            } else if before.ends_with("\n\n") {
                start -= 1;
            }
        }
        let r = start..end;
        self.push(r, String::new())
    }

    /// Inserts `entry` (BibTeX text of whole blocks, checked) after block `i`, on a line of
    /// its own after a blank one.
    pub fn insert_after(&mut self, i: usize, entry: &str) -> Result<(), EditError> {
        let b = self.block(i)?;
        let at = b.span.end;
        let entry = checked_blocks(entry)?;
        let nl = self.doc.line_ending();
        self.push(at..at, format!("{nl}{nl}{entry}"))
    }

    /// Inserts `entry` (BibTeX text of whole blocks, checked) before block `i`, followed by
    /// a blank line: `insert_before(0, …)` puts it at the start of the file.
    ///
    /// ```
    /// use bibkit::edit::Document;
    /// let mut doc = Document::parse("% refs\n@misc{b}\n");
    /// let mut batch = doc.batch();
    /// batch.insert_before(0, "@misc{a, note = {first}}")?;
    /// batch.push_entry("@misc{z}")?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "% refs\n@misc{a, note = {first}}\n\n@misc{b}\n\n@misc{z}\n");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn insert_before(&mut self, i: usize, entry: &str) -> Result<(), EditError> {
        let b = self.block(i)?;
        let at = b.span.start;
        let entry = checked_blocks(entry)?;
        let nl = self.doc.line_ending();
        self.push(at..at, format!("{entry}{nl}{nl}"))
    }

    /// Inserts `entry` (BibTeX text of whole blocks, checked) at the end of the file, after
    /// a blank line, ending with a line break.
    pub fn push_entry(&mut self, entry: &str) -> Result<(), EditError> {
        let entry = checked_blocks(entry)?;
        let nl = self.doc.line_ending();
        let text = &self.doc.text;
        let trimmed = text.trim_end_matches([' ', '\t', '\n', '\r']).len();
        let at = text.len();
        let sep = if trimmed == 0 {
            String::new()
        } else if text[trimmed..].is_empty() {
            format!("{nl}{nl}")
        } else if text[trimmed..].matches('\n').count() >= 2 {
            String::new()
        } else {
            nl.to_string()
        };
        self.push(at..at, format!("{sep}{entry}{nl}"))
    }

    /// Whether [`Value::Text`] is written in ASCII, with LaTeX commands for the characters
    /// LaTeX has one for (`é` as `{\'e}`), as `bibkit fmt --ascii` and `convert --ascii`
    /// write; off by default (the text is written as it is, escaped).
    ///
    /// ```
    /// use bibkit::edit::{Document, Value};
    /// let mut doc = Document::parse("@misc{a}");
    /// let mut batch = doc.batch();
    /// batch.ascii(true).set_field(0, "author", Value::text("Erdős, Pál"))?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "@misc{a,\n  author = {Erd{\\H{o}}s, P{\\'a}l}\n}");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn ascii(&mut self, yes: bool) -> &mut Self {
        self.style.ascii = yes;
        self
    }

    /// Whether [`Value::Text`] set in a title field (`title`, `booktitle`, …) has its
    /// acronyms and mixed-case words braced (`{SysML}`), word by word, so that a style
    /// that lowercases titles keeps them as written; on by default.
    ///
    /// ```
    /// use bibkit::edit::{Document, Value};
    /// let mut doc = Document::parse("@misc{a, title = {Old}}");
    /// let mut batch = doc.batch();
    /// batch.set_field(0, "title", Value::text("SysML for NASA missions"))?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "@misc{a, title = {{SysML} for {NASA} missions}}");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn protect_case(&mut self, yes: bool) -> &mut Self {
        self.style.protect_case = yes;
        self
    }

    /// Sets piece `p` of the value of field `k` of block `i` (see [`Document::pieces`]):
    /// Unicode text is written in the piece's own delimiters (braces for a macro or a
    /// number); raw BibTeX may be several pieces (`acm # { Press}`).
    ///
    /// ```
    /// use bibkit::edit::{Document, Value};
    /// let mut doc = Document::parse("@book{b, publisher = acm # { Press}}");
    /// let mut batch = doc.batch();
    /// batch.set_piece(0, 0, 1, Value::text(" Books & Co"))?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "@book{b, publisher = acm # { Books \\& Co}}");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn set_piece(
        &mut self,
        i: usize,
        k: usize,
        p: usize,
        value: Value,
    ) -> Result<(), EditError> {
        let (name, pieces) = self.pieces_of(i, k)?;
        let piece = pieces.get(p).copied().ok_or_else(|| no_piece(&name, p))?;
        let written = self.written(&value, piece.0 == PieceKind::Quoted, &name)?;
        self.push(piece.1.start..piece.1.end, written)
    }

    /// Inserts a piece before piece `p` of the value of field `k` of block `i` (at the
    /// end when `p` is the number of pieces), joined with ` # `.
    ///
    /// ```
    /// use bibkit::edit::{Document, Value};
    /// let mut doc = Document::parse("@book{b, publisher = { Press}}");
    /// let mut batch = doc.batch();
    /// batch.insert_piece(0, 0, 0, Value::raw("acm"))?;
    /// batch.insert_piece(0, 0, 1, Value::text(", Inc."))?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "@book{b, publisher = acm # { Press} # {, Inc.}}");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn insert_piece(
        &mut self,
        i: usize,
        k: usize,
        p: usize,
        value: Value,
    ) -> Result<(), EditError> {
        let (name, pieces) = self.pieces_of(i, k)?;
        if p > pieces.len() {
            return Err(no_piece(&name, p));
        }
        let written = self.written(&value, false, &name)?;
        match pieces.get(p) {
            Some(&(_, span)) => self.push(span.start..span.start, format!("{written} # ")),
            None => {
                let end = pieces.last().map_or(0, |(_, s)| s.end);
                self.push(end..end, format!(" # {written}"))
            }
        }
    }

    /// Removes piece `p` of the value of field `k` of block `i`, with the `#` that joins
    /// it; a value's only piece cannot be removed (remove the field).
    ///
    /// ```
    /// use bibkit::edit::Document;
    /// let mut doc = Document::parse("@book{b, publisher = acm # { Press}}");
    /// let mut batch = doc.batch();
    /// batch.remove_piece(0, 0, 1)?;
    /// batch.apply()?;
    /// assert_eq!(doc.text(), "@book{b, publisher = acm}");
    /// # Ok::<(), bibkit::edit::EditError>(())
    /// ```
    pub fn remove_piece(&mut self, i: usize, k: usize, p: usize) -> Result<(), EditError> {
        let (name, pieces) = self.pieces_of(i, k)?;
        if pieces.len() < 2 || p >= pieces.len() {
            return Err(no_piece(&name, p));
        }
        let r = if p + 1 < pieces.len() {
            pieces[p].1.start..pieces[p + 1].1.start
        } else {
            pieces[p - 1].1.end..pieces[p].1.end
        };
        self.push(r, String::new())
    }

    /// The name of field `k` of block `i` and the kinds and spans of its value's pieces.
    fn pieces_of(&self, i: usize, k: usize) -> Result<(String, Vec<(PieceKind, Span)>), EditError> {
        self.fields_block(i)?;
        let (name, _) = self
            .doc
            .field(i, k)
            .ok_or_else(|| EditError::NoField(format!("#{k}")))?;
        let pieces = self.doc.pieces(i, k);
        Ok((
            name.to_string(),
            pieces.iter().map(|p| (p.kind, p.span)).collect(),
        ))
    }

    /// The value as this batch writes it in field `field` (see [`written_value`]).
    fn written(&self, value: &Value, quoted: bool, field: &str) -> Result<String, EditError> {
        written_value(value, quoted, field, self.style)
    }

    /// Applies the edits: the text is spliced once, the document indexed again, and the
    /// changes (in the old text's offsets, in order) returned. Edits that overlap are
    /// refused, and nothing is changed.
    pub fn apply(self) -> Result<Vec<Change>, EditError> {
        let changes: Vec<Change> = sorted(self.edits)?
            .into_iter()
            .map(|(range, text)| Change { range, text })
            .collect();
        let text = splice(&self.doc.text, &changes);
        let fresh = std::sync::OnceLock::new();
        if self.raw {
            // Raw bytes are checked: the text must parse no worse than before.
            let (blocks, errors) = index(&text);
            if errors > self.doc.errors() {
                return Err(EditError::Broken);
            }
            let _ = fresh.set(Index { blocks, errors });
        }
        self.doc.text = text;
        self.doc.index = fresh;
        self.doc.keys = std::sync::OnceLock::new();
        self.doc.nl = std::sync::OnceLock::new();
        Ok(changes)
    }

    fn push(&mut self, r: Range<usize>, text: String) -> Result<(), EditError> {
        self.edits.push((r, text));
        Ok(())
    }

    fn block(&self, i: usize) -> Result<&BlockInfo, EditError> {
        self.doc.blocks().get(i).ok_or(EditError::NoBlock(i))
    }

    fn fields_block(&self, i: usize) -> Result<&BlockInfo, EditError> {
        let b = self.block(i)?;
        match b.kind {
            BlockKind::Entry | BlockKind::String => Ok(b),
            _ => Err(EditError::NotFields(i)),
        }
    }
}

/// `old` with `changes` (sorted, apart, in `old`'s offsets) made, in a buffer of the
/// exact size: one that grew past its capacity would copy the whole text.
pub(crate) fn splice(old: &str, changes: &[Change]) -> String {
    let grown: usize = changes.iter().map(|c| c.text.len()).sum();
    let cut: usize = changes.iter().map(|c| c.range.len()).sum();
    let mut text = String::with_capacity((old.len() + grown).saturating_sub(cut));
    let mut pos = 0;
    for c in changes {
        text.push_str(&old[pos..c.range.start]);
        text.push_str(&c.text);
        pos = c.range.end;
    }
    text.push_str(&old[pos..]);
    text
}

/// Offsets of a text before [`Change`]s (sorted, apart) in the text after them, asked for
/// in increasing order: each change is passed once.
pub(crate) struct Shift<'c> {
    changes: &'c [Change],
    next: usize,
    delta: isize,
}

impl<'c> Shift<'c> {
    pub(crate) fn new(changes: &'c [Change]) -> Self {
        Shift {
            changes,
            next: 0,
            delta: 0,
        }
    }

    /// Where `offset` (not inside a change; no smaller than the last one asked for) is
    /// now: a change that starts at or after it comes after it.
    pub(crate) fn at(&mut self, offset: usize) -> usize {
        while let Some(c) = self
            .changes
            .get(self.next)
            .filter(|c| c.range.start < offset)
        {
            self.delta += c.text.len() as isize - c.range.len() as isize;
            self.next += 1;
        }
        (offset as isize + self.delta) as usize
    }
}

/// Edits sorted by position (insertions at one point in the order they were made), or
/// an error when two overlap.
fn sorted(edits: Vec<(Range<usize>, String)>) -> Result<Vec<(Range<usize>, String)>, EditError> {
    let mut keyed: Vec<(usize, (Range<usize>, String))> = edits.into_iter().enumerate().collect();
    keyed.sort_by_key(|(n, (r, _))| (r.start, r.end, *n));
    for w in keyed.windows(2) {
        let (a, b) = (&w[0].1.0, &w[1].1.0);
        if a.end > b.start || (a == b && !a.is_empty()) {
            return Err(EditError::Overlap);
        }
    }
    Ok(keyed.into_iter().map(|(_, e)| e).collect())
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].rfind(['\n', '\r']).map_or(0, |p| p + 1)
}

fn check_name(name: &str) -> Result<(), EditError> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b",{}()\"=#%@'".contains(&b))
        && !name.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(())
    } else {
        Err(EditError::BadName(name.to_string()))
    }
}

fn no_piece(field: &str, p: usize) -> EditError {
    EditError::NoField(format!("{field} piece #{p}"))
}

/// BibTeX text of whole blocks, without white space around it, when it parses cleanly.
fn checked_blocks(entry: &str) -> Result<&str, EditError> {
    let tree = syntax::parse(entry);
    if !tree.diagnostics().is_empty() || tree.blocks().next().is_none() {
        return Err(EditError::BadValue(entry.to_string()));
    }
    Ok(entry.trim())
}

/// The value as written in field `field`: text escaped (in ASCII when asked), its words
/// protected in a title field when asked, and braced (or quoted, to match the entry); raw
/// BibTeX checked to parse as one value.
fn written_value(
    value: &Value,
    quoted: bool,
    field: &str,
    style: Style,
) -> Result<String, EditError> {
    match value {
        Value::Text(t) => {
            let opts = crate::latex::EncodeOptions { ascii: style.ascii };
            let mut escaped = crate::latex::escape_str(t, &opts).replace(['\n', '\r'], " ");
            let title = crate::formats::bibtex::TITLE_FIELDS
                .iter()
                .any(|f| f.eq_ignore_ascii_case(field));
            if style.protect_case && title {
                if let Some(p) = crate::check::fix::protect_words(&escaped) {
                    escaped = p;
                }
            }
            if quoted && !escaped.contains('"') {
                Ok(format!("\"{escaped}\""))
            } else {
                Ok(format!("{{{escaped}}}"))
            }
        }
        Value::Raw(r) => {
            let probe = format!("@misc{{x, f = {r}}}");
            let tree = syntax::parse(&probe);
            let mut blocks = tree.blocks();
            let one = match (blocks.next(), blocks.next()) {
                (Some(b), None) => tree.fields(b).len() == 1 && !b.latex_braces(),
                _ => false,
            };
            if one && tree.diagnostics().is_empty() && !r.trim().is_empty() {
                Ok(r.trim().to_string())
            } else {
                Err(EditError::BadValue(r.clone()))
            }
        }
    }
}

/// The blocks of `text` with their fields, and how many syntax errors it has.
fn index(text: &str) -> (Vec<BlockInfo>, usize) {
    let tree = syntax::parse(text);
    let mut blocks = Vec::new();
    for b in tree.blocks() {
        let tokens = tree.tokens(b);
        let mut fields = Vec::new();
        let nodes = tree.fields(b);
        let mut next = 0;
        let mut pending: Option<FieldInfo> = None;
        for (tok, span) in &tokens {
            match tok {
                Token::FieldName => {
                    if let Some(f) = pending.take() {
                        fields.push(f);
                    }
                    let node = &nodes[next];
                    next += 1;
                    let pieces = tree.pieces(node);
                    let (first, last) = match (pieces.first(), pieces.last()) {
                        (Some(a), Some(z)) => (a.span(), z.span()),
                        _ => (node.span(), node.span()),
                    };
                    pending = Some(FieldInfo {
                        name: *span,
                        value: Span::new(first.start, last.end),
                        comma: None,
                        quoted: pieces
                            .first()
                            .is_some_and(|p| p.kind() == PieceKind::Quoted),
                    });
                }
                Token::Comma => {
                    if let Some(f) = pending.as_mut() {
                        if f.comma.is_none() && span.start >= f.value.end {
                            f.comma = Some(*span);
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(f) = pending.take() {
            fields.push(f);
        }
        blocks.push(BlockInfo {
            kind: b.block_kind(),
            span: b.span(),
            ty: b.kind(),
            key: b.key(),
            close: b.close(),
            fields,
        });
    }
    let errors = tree.diagnostics().len();
    (blocks, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(src: &str, f: impl FnOnce(&mut Batch<'_>) -> Result<(), EditError>) -> String {
        let mut doc = Document::parse(src);
        let mut b = doc.batch();
        f(&mut b).unwrap();
        b.apply().unwrap();
        doc.text().to_string()
    }

    #[test]
    fn a_new_field_follows_the_entry_style() {
        // Aligned, trailing comma, two-space indent.
        let src = "@article{a,\n  title  = {T},\n  author = {A},\n}\n";
        assert_eq!(
            edit(src, |b| b.set_field(0, "year", Value::raw("2001"))),
            "@article{a,\n  title  = {T},\n  author = {A},\n  year   = 2001,\n}\n"
        );
        // Tabs, quotes, no trailing comma, CRLF.
        let src = "@misc{b,\r\n\tnote = \"x\"\r\n}\r\n";
        assert_eq!(
            edit(src, |b| b.set_field(0, "title", Value::text("A & B"))),
            "@misc{b,\r\n\tnote = \"x\",\r\n\ttitle = \"A \\& B\"\r\n}\r\n"
        );
        // One line.
        let src = "@misc{c, note = {x}}";
        assert_eq!(
            edit(src, |b| b.set_field(0, "year", Value::raw("2001"))),
            "@misc{c, note = {x}, year = 2001}"
        );
        // No fields yet.
        assert_eq!(
            edit("@misc{d}\n", |b| b.set_field(0, "title", Value::text("T"))),
            "@misc{d,\n  title = {T}\n}\n"
        );
        assert_eq!(
            edit("@misc{d,}\n", |b| b.set_field(0, "title", Value::text("T"))),
            "@misc{d,\n  title = {T}\n}\n"
        );
    }

    #[test]
    fn an_existing_field_changes_in_place() {
        let src = "@misc{a,\n  Title = {Old},  % keep me\n  year = 2001\n}\n";
        assert_eq!(
            edit(src, |b| b.set_field(0, "title", Value::text("New {x}"))),
            "@misc{a,\n  Title = {New \\{x\\}},  % keep me\n  year = 2001\n}\n"
        );
    }

    #[test]
    fn removing_renaming_and_rekeying() {
        let src = "@misc{a,\n  title = {T},\n  note  = {N},\n  year  = 2001,\n}\n";
        assert_eq!(
            edit(src, |b| b.remove_field(0, "NOTE")),
            "@misc{a,\n  title = {T},\n  year  = 2001,\n}\n"
        );
        let src = "@misc{a, title = {T}, year = 2001}";
        assert_eq!(
            edit(src, |b| b.remove_field(0, "year")),
            "@misc{a, title = {T}}"
        );
        assert_eq!(
            edit(src, |b| b.remove_field(0, "title")),
            "@misc{a, year = 2001}"
        );
        assert_eq!(
            edit(src, |b| {
                b.rename_field(0, "title", "booktitle")?;
                b.set_key(0, "b2")?;
                b.set_entry_type(0, "inproceedings")
            }),
            "@inproceedings{b2, booktitle = {T}, year = 2001}"
        );
    }

    #[test]
    fn blocks_are_removed_and_inserted() {
        let src = "@misc{a, title = {A}}\n@misc{b, title = {B}}\n";
        assert_eq!(edit(src, |b| b.remove_block(0)), "@misc{b, title = {B}}\n");
        assert_eq!(
            edit(src, |b| b.insert_after(0, "@misc{new, title = {N}}")),
            "@misc{a, title = {A}}\n\n@misc{new, title = {N}}\n@misc{b, title = {B}}\n"
        );
    }

    #[test]
    fn bad_edits_are_refused_and_change_nothing() {
        let mut doc = Document::parse("@misc{a, title = {A}}");
        let mut b = doc.batch();
        assert_eq!(
            b.set_field(0, "ti tle", Value::text("x")),
            Err(EditError::BadName("ti tle".into()))
        );
        assert!(matches!(
            b.set_field(0, "note", Value::raw("{unclosed")),
            Err(EditError::BadValue(_))
        ));
        assert!(matches!(
            b.set_field(0, "note", Value::raw("{a}} @misc{b")),
            Err(EditError::BadValue(_))
        ));
        assert_eq!(b.set_key(0, "a b"), Err(EditError::BadName("a b".into())));
        assert_eq!(
            b.set_field(7, "note", Value::text("x")),
            Err(EditError::NoBlock(7))
        );
        b.set_field(0, "title", Value::text("X")).unwrap();
        b.set_field(0, "title", Value::text("Y")).unwrap();
        assert_eq!(b.apply(), Err(EditError::Overlap));
        assert_eq!(doc.text(), "@misc{a, title = {A}}");
    }

    #[test]
    fn model_edits_come_back_as_field_edits() {
        use crate::model::{Date, DatePart, Value as M};
        let src = "@article{k,\n  author  = {Knuth, D. E.},\n  journal = \"Old\",\n  year    = 1999,\n  note    = {gone},\n}\n";
        let mut doc = Document::parse(src);
        let mut e = doc.to_model(0).unwrap();
        let mut may = DatePart::year(2001);
        may.month = Some(5);
        e.set("date", M::date(Date::Single(may)));
        e.fields.retain(|f| f.name != "note");
        e.key = "knuth2001".into();
        let mut b = doc.batch();
        b.apply_model(0, &e).unwrap();
        b.apply().unwrap();
        assert_eq!(
            doc.text(),
            "@article{knuth2001,\n  author  = {Knuth, D. E.},\n  journal = \"Old\",\n  year    = {2001},\n  month   = may,\n}\n"
        );
        // Nothing changed: no edit.
        let e = doc.to_model(0).unwrap();
        let before = doc.text().to_string();
        let mut b = doc.batch();
        b.apply_model(0, &e).unwrap();
        assert!(b.apply().unwrap().is_empty());
        assert_eq!(doc.text(), before);
    }

    #[test]
    fn encodings_and_byte_order_marks_are_kept() {
        let edit_bytes = |bytes: &[u8], enc: Option<&str>| -> Vec<u8> {
            let mut doc = Document::from_bytes(bytes, enc).unwrap();
            let mut b = doc.batch();
            b.set_field(0, "note", Value::text("é")).unwrap();
            b.apply().unwrap();
            doc.to_bytes().unwrap()
        };
        // A UTF-8 byte-order mark.
        assert_eq!(
            edit_bytes(b"\xEF\xBB\xBF@misc{a, title = {T}}", None),
            "\u{feff}@misc{a, title = {T}, note = {é}}".as_bytes()
        );
        // UTF-16 with its mark, both orders.
        for le in [true, false] {
            let enc = |s: &str| -> Vec<u8> {
                let mut v: Vec<u8> = if le {
                    vec![0xFF, 0xFE]
                } else {
                    vec![0xFE, 0xFF]
                };
                for u in s.encode_utf16() {
                    v.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
                }
                v
            };
            assert_eq!(
                edit_bytes(&enc("@misc{a, title = {T}}"), None),
                enc("@misc{a, title = {T}, note = {é}}")
            );
        }
        // A named encoding; what it cannot write is refused, and so are invalid bytes.
        assert_eq!(
            edit_bytes(b"@misc{a, title = {\xe9}}", Some("latin1")),
            b"@misc{a, title = {\xe9}, note = {\xe9}}"
        );
        let mut doc = Document::from_bytes(b"@misc{a}", Some("latin1")).unwrap();
        let mut b = doc.batch();
        b.set_field(0, "title", Value::text("日本")).unwrap();
        b.apply().unwrap();
        assert!(matches!(doc.to_bytes(), Err(EditError::Encoding(_))));
        assert!(matches!(
            Document::from_bytes(b"@misc{a, title = {\xff}}", None),
            Err(EditError::Encoding(_))
        ));
    }

    #[test]
    fn string_macros_are_set_and_removed() {
        assert_eq!(
            edit("@misc{a, publisher = acm}\n", |b| b
                .set_string("acm", Value::text("ACM"))),
            "@string{acm = {ACM}}\n\n@misc{a, publisher = acm}\n"
        );
        assert_eq!(
            edit("@string{ACM = {A}, ieee = {I}}\n@misc{a}\n", |b| {
                b.set_string("acm", Value::raw("\"ACM Press\""))?;
                b.remove_string("ieee")
            }),
            "@string{ACM = \"ACM Press\"}\n@misc{a}\n"
        );
        assert_eq!(
            edit("@string{acm = {A}}\n@misc{a}\n", |b| b.remove_string("ACM")),
            "@misc{a}\n"
        );
        let mut doc = Document::parse("@misc{a}");
        assert_eq!(
            doc.batch().remove_string("x"),
            Err(EditError::NoField("x".into()))
        );
    }

    #[test]
    fn changes_name_what_was_replaced() {
        let mut doc = Document::parse("@misc{a, title = {A}}\n");
        let mut b = doc.batch();
        b.set_field(0, "title", Value::text("B")).unwrap();
        let changes = b.apply().unwrap();
        assert_eq!(
            changes,
            [Change {
                range: 17..20,
                text: "{B}".into()
            }]
        );
    }
}
