//! MODS, the Library of Congress's Metadata Object Description Schema (3.x): a reader.
//!
//! The input is a `<modsCollection>` of `<mods>` records or a single `<mods>` root, in
//! the MODS namespace with a prefix (`mods:`) or as the default namespace; elements are
//! told by their local names. Each `<mods>` becomes an entry:
//!
//! * `titleInfo` → `title` (with its `nonSort` in front), `subtitle`; an abbreviated
//!   title → `shorttitle`;
//! * `name` → `author`, `editor` or `translator` by its `role/roleTerm` (text or MARC
//!   relator code; none is an author), persons from typed `namePart`s (`family`,
//!   `given`, `termsOfAddress`) or one untyped `Family, Given`, with `nameIdentifier
//!   type="orcid"` and `affiliation`; corporate names as organisations, a conference
//!   name as the `eventtitle`;
//! * `originInfo` → `date` (`dateIssued`, an encoded one — w3cdtf, iso8601, marc —
//!   before free text; `point="start|end"` make a range), `publisher`, `location`
//!   (`placeTerm type="text"`), `edition`; `dateCaptured` → `urldate`;
//! * the type from `genre` (MARC, JabRef's and common terms), else guessed from the
//!   host item, `issuance` and `typeOfResource` (`mods-guessed`);
//! * `relatedItem type="host"` → `journaltitle` or `booktitle` (by the type), its
//!   `part` (`detail type="volume|issue|number"`, `extent unit="page"` start/end →
//!   `pages`, total → `pagetotal`), editors, publisher and identifiers; `relatedItem
//!   type="series"` → `series`;
//! * `identifier` → `doi` (bare), `isbn`, `issn`, `url` (uri), `pmid`, `pmcid`,
//!   `accession`, `eprint` (hdl, arXiv); `identifier type="citekey"` (JabRef's) or the
//!   record's `ID` attribute is its key; `location/url` → `url`;
//! * `abstract`, `note` (paragraphs), `subject/topic|geographic|temporal` → `keywords`,
//!   `language`, `accessCondition` → `license`, `physicalDescription/extent` of pages
//!   → `pagetotal`.
//!
//! Everything else — and every value that had to give way to another — is reported as
//! `mods-dropped` with its line. A document that is not well-formed XML, or is
//! truncated, is a `mods-syntax` error at its line: the records complete before that
//! point are kept. Custom entities (`<!ENTITY …>`) are never expanded (quick-xml does
//! not; `mods-dropped` says so), so an entity bomb costs nothing. The element tree is
//! built and read without recursion: a deeply nested input costs time and memory in
//! proportion to its size, and only the host and series levels of `relatedItem` are
//! read (deeper ones are reported).
//!
//! ```
//! let parsed = bibkit::formats::mods::read(r#"<mods xmlns="http://www.loc.gov/mods/v3">
//!   <titleInfo><nonSort>The </nonSort><title>Art of Computer Programming</title></titleInfo>
//!   <name type="personal"><namePart type="given">Donald E.</namePart>
//!     <namePart type="family">Knuth</namePart></name>
//!   <genre authority="marcgt">book</genre>
//!   <originInfo><dateIssued encoding="w3cdtf">1968</dateIssued>
//!     <publisher>Addison-Wesley</publisher></originInfo>
//! </mods>"#);
//! let e = &parsed.bibliography.entries[0];
//! assert_eq!(e.kind, "book");
//! assert_eq!(e.title().as_deref(), Some("The Art of Computer Programming"));
//! assert_eq!(e.get("author").unwrap().to_string(), "Donald E. Knuth");
//! assert_eq!(e.get("date").unwrap().to_string(), "1968");
//! assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
//! ```

use super::shorten;
use std::borrow::Cow;
use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;

use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::Parsed;
use crate::keys::KeyGenerator;
use crate::model::{Date, DatePart, Entry, Name, NameList, Origin, Person, RangeEnd, Span, Value};
// ---------------------------------------------------------------------------------------
// The element tree both XML readers (this one and `biblatexml`) lower from.
// ---------------------------------------------------------------------------------------

/// A parsed XML document: its elements in document order, built without recursion
/// (a stack of open elements), so that depth costs neither stack nor time.
pub(crate) struct Doc<'a> {
    pub(crate) text: &'a str,
    pub(crate) nodes: Vec<Node<'a>>,
    /// Byte offsets of line starts, for line numbers.
    lines: Vec<usize>,
    /// Entity references that were not expanded (custom entities, bad character
    /// references), and the DOCTYPE's entity declarations: (offset, message).
    pub(crate) unexpanded: Vec<(usize, String)>,
}

/// No node (the end of a list of children).
const NONE: u32 = u32::MAX;

/// One element, or a run of text (`text`: then `qname` holds the text). Children are a
/// linked list (`first`, `next`), so that building the tree allocates nothing per node.
pub(crate) struct Node<'a> {
    /// The qualified name as written (`mods:title`), or a text node's text.
    pub(crate) qname: Cow<'a, str>,
    /// Whether this is text, not an element.
    pub(crate) text: bool,
    /// White space follows this element in its parent (kept as a flag, not as a text
    /// node: layout between elements is most of an XML file's text).
    space_after: bool,
    first: u32,
    last: u32,
    next: u32,
    /// Offset of the `<` that opens it.
    pub(crate) pos: usize,
    /// Offset one past its end tag (`usize::MAX` while it is open: a truncated input).
    pub(crate) end: usize,
    /// Attributes: qualified name, value (entities decoded).
    pub(crate) attrs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// Why a document could not be read whole: where, and what.
pub(crate) struct XmlError {
    pub(crate) pos: usize,
    pub(crate) message: String,
}

impl<'a> Node<'a> {
    /// The local name (`title` for `mods:title`).
    pub(crate) fn name(&self) -> &str {
        local(&self.qname)
    }

    /// The prefix, if any (`mods` for `mods:title`).
    pub(crate) fn prefix(&self) -> Option<&str> {
        self.qname.split_once(':').map(|(p, _)| p)
    }

    /// The value of the attribute with local name `name` (not a namespace declaration).
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| {
                let k: &str = k;
                !k.starts_with("xmlns") && local(k) == name
            })
            .map(|(_, v)| v.as_ref())
    }
}

/// The local part of a qualified name.
pub(crate) fn local(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, l)| l)
}

impl<'a> Doc<'a> {
    /// Parses `text`, or says where it stops being XML (the tree so far is lost: the
    /// caller keeps the records that were complete before that point by asking
    /// [`Doc::parse_partial`]).
    pub(crate) fn parse(text: &'a str) -> (Doc<'a>, Option<XmlError>) {
        use quick_xml::events::Event;
        let mut doc = Doc {
            text,
            nodes: Vec::with_capacity(text.len() / 48),
            lines: std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
                .collect(),
            unexpanded: Vec::new(),
        };
        let mut reader = quick_xml::Reader::from_str(text);
        reader.config_mut().trim_text(false);
        reader.config_mut().check_end_names = true;
        let mut open: Vec<u32> = Vec::new();
        let mut roots = 0usize;
        loop {
            let before = reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(e) => e,
                Err(e) => {
                    let pos = (reader.error_position() as usize).min(text.len());
                    return (
                        doc,
                        Some(XmlError {
                            pos,
                            message: format!("not well-formed XML: {e}"),
                        }),
                    );
                }
            };
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(event, Event::Empty(_));
                    let parent = open.last().copied().unwrap_or(u32::MAX);
                    if parent == u32::MAX {
                        roots += 1;
                        if roots > 1 {
                            return (
                                doc,
                                Some(XmlError {
                                    pos: before,
                                    message: "a second root element; an XML document has one"
                                        .into(),
                                }),
                            );
                        }
                    }
                    let qname = rebase(text, lossy(e.name().as_ref()));
                    let mut attrs = Vec::new();
                    // (No duplicate check: it is quadratic in the attributes; the first wins.)
                    for a in e.attributes().with_checks(false) {
                        let a = match a {
                            Ok(a) => a,
                            Err(err) => {
                                return (
                                    doc,
                                    Some(XmlError {
                                        pos: before,
                                        message: format!("not well-formed XML: {err}"),
                                    }),
                                );
                            }
                        };
                        let key = rebase(text, lossy(a.key.as_ref()));
                        let value = match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                            Ok(v) => rebase(text, v),
                            Err(_) => {
                                // An entity the document declares itself: not expanded.
                                doc.unexpanded.push((
                                    before,
                                    format!("attribute `{key}` refers to an entity the document declares itself, or to a character XML does not allow: custom entities are never expanded, so its value is kept as written"),
                                ));
                                Cow::Owned(lossy(&a.value).into_owned())
                            }
                        };
                        attrs.push((key, value));
                    }
                    let id = doc.nodes.len() as u32;
                    doc.nodes.push(Node {
                        qname,
                        text: false,
                        space_after: false,
                        first: NONE,
                        last: NONE,
                        next: NONE,
                        pos: before,
                        end: if empty {
                            reader.buffer_position() as usize
                        } else {
                            usize::MAX
                        },
                        attrs,
                    });
                    if let Some(&p) = open.last() {
                        doc.append(p, id);
                    }
                    if !empty {
                        open.push(id);
                    }
                }
                Event::End(_) => {
                    if let Some(n) = open.pop() {
                        doc.nodes[n as usize].end = reader.buffer_position() as usize;
                    }
                }
                Event::Text(t) => {
                    if let Some(&p) = open.last() {
                        if let Ok(s) = t.xml10_content() {
                            doc.push_text(p, before, rebase(text, s));
                        }
                    }
                }
                Event::CData(t) => {
                    if let Some(&p) = open.last() {
                        if let Ok(s) = t.xml10_content() {
                            doc.push_text(p, before, rebase(text, s));
                        }
                    }
                }
                Event::GeneralRef(r) => {
                    let resolved: Option<Cow<'a, str>> = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(Cow::Owned(c.to_string())),
                        Ok(None) => {
                            let name = lossy(&r);
                            quick_xml::escape::resolve_predefined_entity(&name).map(Cow::Borrowed)
                        }
                        Err(_) => None,
                    };
                    match resolved {
                        Some(s) => {
                            if let Some(&p) = open.last() {
                                doc.push_text(p, before, s);
                            }
                        }
                        None => {
                            let name = shorten(&lossy(&r), 40);
                            let what = if r.is_char_ref() {
                                format!("`&{name};` is not a character XML allows; dropped")
                            } else {
                                format!(
                                    "the reference to entity `&{name};`: custom entities are never expanded; dropped"
                                )
                            };
                            doc.unexpanded.push((before, what));
                        }
                    }
                }
                Event::DocType(d) => {
                    let d = lossy(&d);
                    if d.contains("<!ENTITY") {
                        doc.unexpanded.push((
                            before,
                            "the DOCTYPE declares entities: custom entities are never expanded, and references to them are dropped".into(),
                        ));
                    }
                }
                Event::Eof => break,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            }
        }
        if let Some(&last) = open.first() {
            let n = &doc.nodes[last as usize];
            let message = format!(
                "the document ends inside `<{}>` (opened on line {}): truncated",
                n.qname,
                doc.line(n.pos)
            );
            let pos = text.len();
            return (doc, Some(XmlError { pos, message }));
        }
        if doc.nodes.is_empty() {
            return (
                doc,
                Some(XmlError {
                    pos: 0,
                    message: "no XML element".into(),
                }),
            );
        }
        (doc, None)
    }

    /// The element `i`.
    pub(crate) fn node(&self, i: u32) -> &Node<'a> {
        &self.nodes[i as usize]
    }

    /// The 1-based line of byte offset `pos`.
    pub(crate) fn line(&self, pos: usize) -> u32 {
        self.lines.partition_point(|&s| s <= pos) as u32
    }

    /// The children of `i` with local name `name`.
    pub(crate) fn kids<'s>(&'s self, i: u32, name: &'s str) -> impl Iterator<Item = u32> + 's {
        self.children(i)
            .filter(move |&c| self.node(c).name() == name)
    }

    /// The first child of `i` with local name `name`.
    pub(crate) fn kid(&self, i: u32, name: &str) -> Option<u32> {
        self.kids(i, name).next()
    }

    /// All text inside `i`, in document order (markup dropped), whitespace collapsed
    /// (a blank line kept as a paragraph break), NFC. No recursion: an explicit stack.
    pub(crate) fn text_of(&self, i: u32) -> String {
        let first = self.nodes[i as usize].first;
        if first == NONE {
            return String::new();
        }
        let f = &self.nodes[first as usize];
        if f.text && f.next == NONE {
            return clean(&f.qname);
        }
        let mut raw = String::new();
        // The elements entered and not yet left.
        let mut stack: Vec<u32> = Vec::new();
        let mut at = first;
        loop {
            if at == NONE {
                match stack.pop() {
                    Some(left) => {
                        raw.push(BOUNDARY);
                        let n = &self.nodes[left as usize];
                        if n.space_after {
                            raw.push(' ');
                        }
                        at = n.next;
                        continue;
                    }
                    None => break,
                }
            }
            let n = &self.nodes[at as usize];
            if n.text {
                raw.push_str(&n.qname);
                at = n.next;
            } else {
                raw.push(BOUNDARY);
                stack.push(at);
                at = n.first;
            }
        }
        clean(&raw)
    }

    /// The text of the first child `name` of `i`, when it has some.
    pub(crate) fn kid_text(&self, i: u32, name: &str) -> Option<String> {
        self.kid(i, name)
            .map(|c| self.text_of(c))
            .filter(|t| !t.is_empty())
    }
}

impl<'a> Doc<'a> {
    /// Makes `child` the last child of `parent`.
    fn append(&mut self, parent: u32, child: u32) {
        let last = self.nodes[parent as usize].last;
        if last == NONE {
            self.nodes[parent as usize].first = child;
        } else {
            self.nodes[last as usize].next = child;
        }
        self.nodes[parent as usize].last = child;
    }

    /// Appends text to `parent` (to its last text node when it ends with one).
    fn push_text(&mut self, parent: u32, pos: usize, s: Cow<'a, str>) {
        let last = self.nodes[parent as usize].last;
        if last != NONE && self.nodes[last as usize].text {
            self.nodes[last as usize].qname.to_mut().push_str(&s);
            return;
        }
        if s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
            // Layout: a space after the element before it, nothing at the start.
            if last != NONE {
                self.nodes[last as usize].space_after = true;
            }
            return;
        }
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            qname: s,
            text: true,
            space_after: false,
            first: NONE,
            last: NONE,
            next: NONE,
            pos,
            end: pos,
            attrs: Vec::new(),
        });
        self.append(parent, id);
    }

    /// The child elements of `i`, in order.
    pub(crate) fn children(&self, i: u32) -> Children<'_, 'a> {
        Children {
            doc: self,
            at: self.nodes[i as usize].first,
        }
    }
}

/// The child elements of a node (see [`Doc::children`]).
pub(crate) struct Children<'d, 'a> {
    doc: &'d Doc<'a>,
    at: u32,
}

impl Iterator for Children<'_, '_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        while self.at != NONE {
            let i = self.at;
            let n = &self.doc.nodes[i as usize];
            self.at = n.next;
            if !n.text {
                return Some(i);
            }
        }
        None
    }
}

fn lossy(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// `s` as a borrow of `text` when it is one (quick-xml hands out slices of the input with
/// the lifetime of the event), else owned.
fn rebase<'a>(text: &'a str, s: Cow<'_, str>) -> Cow<'a, str> {
    if let Cow::Borrowed(b) = &s {
        let start = (b.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        if start <= text.len() {
            if let Some(t) = text.get(start..start + b.len()) {
                return Cow::Borrowed(t);
            }
        }
    }
    Cow::Owned(s.into_owned())
}

/// Marks an element boundary in gathered text (a character XML 1.0 does not allow).
const BOUNDARY: char = '\u{1}';

/// Text with XML's layout whitespace collapsed: runs of white space become one space, or
/// a paragraph break (`\n\n`) where they hold a blank line; trimmed; NFC.
pub(crate) fn clean(raw: &str) -> String {
    // Already clean: no white space but single spaces inside, ASCII (or NFC).
    let b = raw.as_bytes();
    let tidy = !b.is_empty()
        && b[0] != b' '
        && b[b.len() - 1] != b' '
        && !b.iter().any(|&c| c < b' ' || c == 0x7f)
        && memchr::memmem::find(b, b"  ").is_none();
    if tidy
        && (raw.is_ascii()
            || unicode_normalization::is_nfc(raw)
                && !raw.contains(|c: char| c.is_whitespace() && c != ' '))
    {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut gap: Option<bool> = None; // Some(paragraph?) while in white space
    let mut newlines = 0;
    for c in raw.chars() {
        if c == BOUNDARY {
            // White space on both sides of a tag is not a blank line.
            newlines = 0;
            continue;
        }
        if c.is_whitespace() {
            if c == '\n' {
                newlines += 1;
            }
            gap = Some(gap.unwrap_or(false) || newlines >= 2);
            continue;
        }
        if let Some(par) = gap.take() {
            if !out.is_empty() {
                out.push_str(if par { "\n\n" } else { " " });
            }
        }
        newlines = 0;
        out.push(c);
    }
    if out.is_ascii() || unicode_normalization::is_nfc(&out) {
        out
    } else {
        out.nfc().collect()
    }
}

/// Sets the lines and columns of the diagnostics and the entries' origins, in one pass
/// each over the text (diagnostics are made with line 0; finding each line and column
/// apart would cost the length of its line, quadratic on a one-line document).
pub(crate) fn locate(text: &str, out: &mut Parsed) {
    crate::diagnostic::locate(text, &mut out.diagnostics);
    let mut cursor = crate::diagnostic::Cursor::new(text);
    for o in out
        .bibliography
        .entries
        .iter_mut()
        .filter_map(|e| e.origin.as_mut())
    {
        let (line, column) = cursor.seek(o.span.start);
        o.line = line;
        o.column = column;
    }
}

/// The encoding an XML declaration names, when it is not UTF-8 (`ISO-8859-1`), so that
/// the caller can decode the bytes before reading them.
///
/// ```
/// use bibkit::formats::mods::declared_encoding;
/// assert_eq!(declared_encoding(b"<?xml version='1.0' encoding='ISO-8859-1'?><mods/>"), Some("ISO-8859-1".into()));
/// assert_eq!(declared_encoding(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><mods/>"), None);
/// assert_eq!(declared_encoding(b"<mods/>"), None);
/// ```
pub fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = &bytes[..bytes.len().min(512)];
    let end = memchr::memmem::find(head, b"?>")? + 2;
    let mut reader = quick_xml::Reader::from_reader(&head[..end]);
    let mut buf = Vec::new();
    match reader.read_event_into(&mut buf) {
        Ok(quick_xml::events::Event::Decl(d)) => {
            let enc = d.encoding()?.ok()?;
            let enc = String::from_utf8_lossy(&enc).into_owned();
            (!enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8")).then_some(enc)
        }
        _ => None,
    }
}

/// The root element of an XML text, cheaply (declarations, comments and processing
/// instructions skipped): its qualified name and the namespace its prefix is bound to on
/// it. `None` when the text does not start like XML.
pub(crate) fn root_element(text: &str) -> Option<(String, Option<String>)> {
    use quick_xml::events::Event;
    let text = text.trim_start_matches('\u{feff}');
    if !text.trim_start().starts_with('<') {
        return None;
    }
    let mut reader = quick_xml::Reader::from_str(text);
    for _ in 0..64 {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) => {
                let qname = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let prefix = qname.split_once(':').map(|(p, _)| p.to_string());
                let want = match &prefix {
                    Some(p) => format!("xmlns:{p}"),
                    None => "xmlns".to_string(),
                };
                let ns = e.attributes().flatten().find_map(|a| {
                    (a.key.as_ref() == want.as_bytes())
                        .then(|| String::from_utf8_lossy(&a.value).into_owned())
                });
                return Some((qname, ns));
            }
            Event::Text(t) if !t.iter().all(u8::is_ascii_whitespace) => return None,
            Event::Eof => return None,
            _ => {}
        }
    }
    None
}

/// MODS genres (lowercase; MARC genre terms, JabRef's BibTeX type names, common
/// words) and the entry types they become, with a thesis's `type`.
const GENRES: &[(&str, &str)] = &[
    ("article", "article"),
    ("journal article", "article"),
    ("academic article", "article"),
    ("journal contribution", "article"),
    ("newspaper article", "article"),
    ("magazine article", "article"),
    ("review", "review"),
    ("book", "book"),
    ("monograph", "book"),
    ("ebook", "book"),
    ("edited book", "collection"),
    ("collection", "collection"),
    ("festschrift", "collection"),
    ("anthology", "collection"),
    ("book chapter", "incollection"),
    ("chapter", "incollection"),
    ("book section", "incollection"),
    ("book part", "incollection"),
    ("incollection", "incollection"),
    ("inbook", "inbook"),
    ("conference publication", "proceedings"),
    ("proceedings", "proceedings"),
    ("conference proceedings", "proceedings"),
    ("conference paper", "inproceedings"),
    ("conference contribution", "inproceedings"),
    ("conference object", "inproceedings"),
    ("inproceedings", "inproceedings"),
    ("conference", "inproceedings"),
    ("thesis", "thesis"),
    ("dissertation", "thesis"),
    ("doctoral thesis", "thesis"),
    ("phdthesis", "thesis"),
    ("phd thesis", "thesis"),
    ("master's thesis", "thesis"),
    ("masters thesis", "thesis"),
    ("mastersthesis", "thesis"),
    ("bachelor thesis", "thesis"),
    ("technical report", "report"),
    ("techreport", "report"),
    ("report", "report"),
    ("working paper", "report"),
    ("government publication", "report"),
    ("patent", "patent"),
    ("web site", "online"),
    ("website", "online"),
    ("web page", "online"),
    ("webpage", "online"),
    ("online", "online"),
    ("blog post", "online"),
    ("periodical", "periodical"),
    ("journal", "periodical"),
    ("academic journal", "periodical"),
    ("newspaper", "periodical"),
    ("series", "periodical"),
    ("encyclopedia", "reference"),
    ("dictionary", "reference"),
    ("encyclopedia article", "inreference"),
    ("dictionary entry", "inreference"),
    ("software", "software"),
    ("computer program", "software"),
    ("dataset", "dataset"),
    ("data set", "dataset"),
    ("database", "dataset"),
    ("manual", "manual"),
    ("booklet", "booklet"),
    ("unpublished", "unpublished"),
    ("preprint", "online"),
    ("letter", "letter"),
    ("standard", "standard"),
    ("legislation", "legislation"),
    ("map", "misc"),
    ("misc", "misc"),
    ("other", "misc"),
];

/// Genres that are kinds of content rather than types of publication (RDA's `text`):
/// they say nothing of the entry type, and are not reported.
const CONTENT_GENRES: &[&str] = &["text", "still image", "cartographic image", "sounds"];

/// A MARC relator code or term and the name list it fills.
fn role_field(term: &str) -> Option<&'static str> {
    Some(
        match term.trim().trim_end_matches('.').to_lowercase().as_str() {
            "aut" | "author" | "cre" | "creator" | "" => "author",
            "edt" | "editor" | "edc" | "editor of compilation" | "pbd" => "editor",
            "trl" | "translator" => "translator",
            "aui" | "author of introduction, etc." | "author of introduction" => "introduction",
            "aft" | "author of afterword, colophon, etc." | "author of afterword" => "afterword",
            "ant" => "commentator",
            "cmm" | "commentator" => "commentator",
            "ann" | "annotator" => "annotator",
            _ => return None,
        },
    )
}

/// Reads MODS (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct ModsReader {
    file: Option<Arc<str>>,
}

impl ModsReader {
    /// A reader.
    pub fn new() -> Self {
        ModsReader::default()
    }

    /// Names the file, for origins and diagnostics.
    pub fn file(mut self, name: impl Into<Arc<str>>) -> Self {
        self.file = Some(name.into());
        self
    }

    /// Reads `text`.
    pub fn read(&self, text: &str) -> Parsed {
        self.read_with_keys(text, &mut KeyGenerator::new())
    }

    /// Reads `text`, taking keys from `keys` (a record's own key — JabRef's `citekey`
    /// identifier, or its `ID` attribute — is kept when no earlier entry has it).
    pub fn read_with_keys(&self, text: &str, keys: &mut KeyGenerator) -> Parsed {
        let mut out = Parsed::default();
        let (doc, error) = Doc::parse(text);
        let cx = Cx {
            doc: &doc,
            file: self.file.clone(),
            prefix: "mods",
        };
        for (pos, what) in &doc.unexpanded {
            out.diagnostics
                .push(cx.diag(Severity::Warning, "mods-dropped", what.clone(), *pos));
        }
        if let Some(root) = doc.nodes.first() {
            let name = root.name();
            if name != "mods" && name != "modsCollection" {
                out.diagnostics.push(cx.diag(
                    Severity::Error,
                    "mods-syntax",
                    format!(
                        "the root element is `<{}>`, not `<mods>` or `<modsCollection>`: not MODS",
                        root.qname
                    ),
                    root.pos,
                ));
                return out;
            }
        }
        // The records: the root, or the collection's `mods` children. (A `mods`
        // anywhere else is reported by the record that holds it.)
        let records: Vec<u32> = match doc.nodes.first() {
            Some(root) if root.name() == "mods" => vec![0],
            Some(_) => doc.children(0).collect(),
            None => Vec::new(),
        };
        for i in records {
            let n = doc.node(i);
            if n.name() != "mods" {
                out.diagnostics.push(cx.diag(
                    Severity::Warning,
                    "mods-dropped",
                    format!("`<{}>` in the collection is not a record; dropped", n.qname),
                    n.pos,
                ));
                continue;
            }
            if n.end == usize::MAX {
                // Unclosed: the syntax error below says where the input broke.
                out.diagnostics.push(cx.diag(
                    Severity::Error,
                    "mods-syntax",
                    "the record is incomplete (the document breaks off inside it); skipped",
                    n.pos,
                ));
                continue;
            }
            self.record(&cx, i, keys, &mut out);
        }
        if let Some(e) = error {
            out.diagnostics
                .push(cx.diag(Severity::Error, "mods-syntax", e.message, e.pos));
        }
        locate(text, &mut out);
        out
    }

    fn record(&self, cx: &Cx<'_, '_>, m: u32, keys: &mut KeyGenerator, out: &mut Parsed) {
        let doc = cx.doc;
        let mut r = Rec {
            cx,
            entry: Entry::new(String::new(), "misc"),
            diags: Vec::new(),
            names: Vec::new(),
            keywords: Vec::new(),
            notes: Vec::new(),
            abstracts: Vec::new(),
            date: None,
            genres: Vec::new(),
            resource: None,
            issuance: None,
            host: None,
            own_key: None,
            places: Vec::new(),
            publishers: Vec::new(),
            languages: Vec::new(),
            uri: None,
        };
        if let Some(id) = doc.node(m).attr("ID") {
            if !id.trim().is_empty() {
                r.own_key = Some(id.trim().to_string());
            }
        }
        for c in doc.children(m) {
            r.element(c, Level::Main);
        }
        let (mut e, diags) = r.done();
        let n = doc.node(m);
        e.origin = Some(Origin {
            file: self.file.clone(),
            span: Span::new(n.pos, n.end),
            // (Lines and columns are found in one pass at the end: `locate`.)
            line: 0,
            column: 0,
        });
        let own = std::mem::take(&mut e.key);
        e.key = if !own.is_empty() && !keys.is_taken(&own) {
            keys.reserve(&own);
            own
        } else {
            keys.generate(&e)
        };
        let key = e.key.clone();
        out.diagnostics
            .extend(diags.into_iter().map(|d| d.with_key(key.clone())));
        out.bibliography.entries.push(e);
    }
}

/// Reads MODS text (see [`ModsReader`]).
pub fn read(text: &str) -> Parsed {
    ModsReader::new().read(text)
}

/// Whether `text` is MODS: its root element is `mods` or `modsCollection` (any prefix).
///
/// ```
/// use bibkit::formats::mods::sniff;
/// assert!(sniff("<?xml version=\"1.0\"?>\n<mods:modsCollection xmlns:mods=\"http://www.loc.gov/mods/v3\"/>"));
/// assert!(sniff("<mods xmlns=\"http://www.loc.gov/mods/v3\"><titleInfo/></mods>"));
/// assert!(!sniff("<xml><records><record/></records></xml>"));
/// assert!(!sniff("TY  - JOUR\nER  - \n"));
/// ```
pub fn sniff(text: &str) -> bool {
    root_element(text).is_some_and(|(q, _)| matches!(local(&q), "mods" | "modsCollection"))
}

/// What the diagnostics of one document need.
pub(crate) struct Cx<'d, 'a> {
    pub(crate) doc: &'d Doc<'a>,
    pub(crate) file: Option<Arc<str>>,
    #[allow(dead_code)]
    pub(crate) prefix: &'static str,
}

impl Cx<'_, '_> {
    pub(crate) fn diag(
        &self,
        severity: Severity,
        rule: &'static str,
        message: impl Into<String>,
        pos: usize,
    ) -> Diagnostic {
        // The span: the tag (or reference) at `pos`, looked for in a bounded window so
        // that many diagnostics in one long run of text cost linear time.
        let pos = pos.min(self.doc.text.len());
        let b = self.doc.text.as_bytes();
        let window = &b[pos..b.len().min(pos + 512)];
        let end = memchr::memchr2(b'>', b';', window).map_or(pos, |i| pos + i + 1);
        let mut d = Diagnostic::new(severity, rule, message).at_line_col(
            Span::new(pos, end.max(pos)),
            0,
            0,
        );
        d.file = self.file.clone();
        d
    }
}

/// Where in a record an element is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Main,
    Host,
    Series,
}

/// What a host `relatedItem` says, kept until the entry type is known.
#[derive(Default)]
struct Host {
    title: Option<(String, u32)>,
    short: Option<String>,
    genres: Vec<(String, u32)>,
    issuance: Option<String>,
    /// The element, for the line of a guess.
    at: u32,
}

/// One record being lowered.
struct Rec<'c, 'd, 'a> {
    cx: &'c Cx<'d, 'a>,
    entry: Entry,
    diags: Vec<Diagnostic>,
    names: Vec<(&'static str, NameList)>,
    keywords: Vec<String>,
    notes: Vec<String>,
    abstracts: Vec<String>,
    /// The date, whether it was read from an encoded element, and its element.
    date: Option<(Date, bool, u32)>,
    genres: Vec<(String, u32)>,
    resource: Option<(String, u32)>,
    issuance: Option<String>,
    host: Option<Host>,
    own_key: Option<String>,
    places: Vec<String>,
    publishers: Vec<String>,
    languages: Vec<String>,
    /// An `identifier type="uri"`: the `url` unless `location/url` gives one.
    uri: Option<(String, u32)>,
}

impl Rec<'_, '_, '_> {
    fn node_pos(&self, i: u32) -> usize {
        self.cx.doc.node(i).pos
    }

    fn report(&mut self, severity: Severity, rule: &'static str, at: u32, message: String) {
        let d = self.cx.diag(severity, rule, message, self.node_pos(at));
        self.diags.push(d);
    }

    /// Reports element `i` as having no place in the model.
    fn drop_element(&mut self, i: u32, why: &str) {
        let doc = self.cx.doc;
        let n = doc.node(i);
        let text = doc.text_of(i);
        let shown = if text.is_empty() {
            String::new()
        } else {
            format!(": `{}`", shorten(&text, 60))
        };
        let msg = format!("`<{}>` {why}; dropped{shown}", n.name());
        self.report(Severity::Warning, "mods-dropped", i, msg);
    }

    fn guessed(&mut self, at: u32, message: String) {
        self.report(Severity::Info, "mods-guessed", at, message);
    }

    /// Sets `name` unless the entry has it: then a different value is reported.
    fn field(&mut self, name: &str, value: Value, at: u32) {
        match self.entry.fields.iter().find(|f| f.name == name) {
            None => self.entry.set(name, value),
            Some(old) if old.value.to_plain_string() == value.to_plain_string() => {}
            Some(old) => {
                let old = old.value.to_plain_string();
                let what = self.cx.doc.node(at).name().to_string();
                self.report(
                    Severity::Warning,
                    "mods-dropped",
                    at,
                    format!(
                        "`<{what}>`: the record's {name} is `{}`; dropped: `{}`",
                        shorten(&old, 40),
                        shorten(&value.to_plain_string(), 60)
                    ),
                );
            }
        }
    }

    fn has(&self, name: &str) -> bool {
        self.entry.fields.iter().any(|f| f.name == name)
    }

    /// One child element of the record (`Main`), of its host item or of its series.
    fn element(&mut self, c: u32, level: Level) {
        let doc = self.cx.doc;
        let name = doc.node(c).name().to_string();
        match name.as_str() {
            "titleInfo" => self.title_info(c, level),
            "name" => self.name(c, level),
            "originInfo" => self.origin_info(c, level),
            "genre" => {
                let g = doc.text_of(c);
                if g.is_empty() {
                    return;
                }
                match level {
                    Level::Main => self.genres.push((g, c)),
                    Level::Host => {
                        if let Some(h) = self.host.as_mut() {
                            h.genres.push((g, c))
                        }
                    }
                    Level::Series => {}
                }
            }
            "typeOfResource" if level == Level::Main => {
                let t = doc.text_of(c);
                if !t.is_empty() {
                    self.resource = Some((t, c));
                }
            }
            "typeOfResource" => {}
            "relatedItem" => {
                let ty = doc.node(c).attr("type").unwrap_or("").to_string();
                match (level, ty.as_str()) {
                    (Level::Main, "host") => self.host_item(c),
                    (Level::Main | Level::Host, "series") => self.series_item(c),
                    _ => {
                        let why = if ty.is_empty() {
                            "(a related item of no type) has no place in the model".to_string()
                        } else {
                            format!("of type `{ty}` has no place in the model")
                        };
                        let title = doc
                            .kid(c, "titleInfo")
                            .and_then(|t| doc.kid_text(t, "title"))
                            .unwrap_or_default();
                        let msg = format!(
                            "`<relatedItem>` {why}; dropped{}",
                            if title.is_empty() {
                                String::new()
                            } else {
                                format!(": `{}`", shorten(&title, 60))
                            }
                        );
                        self.report(Severity::Warning, "mods-dropped", c, msg);
                    }
                }
            }
            "identifier" => self.identifier(c, level),
            "location" if level != Level::Series => self.location(c),
            "abstract" if level == Level::Main => {
                let t = doc.text_of(c);
                if !t.is_empty() {
                    self.abstracts.push(t);
                }
            }
            "subject" if level == Level::Main => self.subject(c),
            "note" if level == Level::Main => {
                let t = doc.text_of(c);
                if !t.is_empty() {
                    self.notes.push(t);
                }
            }
            "language" if level == Level::Main => self.language(c),
            "physicalDescription" if level == Level::Main => self.physical(c),
            "accessCondition" if level == Level::Main => {
                let t = doc.text_of(c);
                if t.is_empty() {
                    return;
                }
                if doc.node(c).attr("type") == Some("restriction on access") {
                    self.drop_element(c, "(a restriction on access) has no place in the model");
                } else {
                    self.field("license", Value::text(t), c);
                }
            }
            "part" => match level {
                Level::Series => self.series_part(c),
                _ => self.part(c),
            },
            "recordInfo" => self.drop_element(
                c,
                "(about the record, not the work) has no place in the model",
            ),
            _ => {
                let why = match level {
                    Level::Main => "has no place in the model",
                    Level::Host => "in the host item has no place in the model",
                    Level::Series => "in the series has no place in the model",
                };
                self.drop_element(c, why);
            }
        }
    }

    /// A title: `nonSort` + `title`, `subTitle`, `partNumber`/`partName`.
    fn title_of(&self, t: u32) -> Option<(String, Option<String>)> {
        let doc = self.cx.doc;
        let title = doc.kid_text(t, "title")?;
        let title = match doc.kid(t, "nonSort") {
            Some(ns) => {
                // (The raw text: `The ` ends with the space that parts it from the title.)
                let raw = doc.text_of(ns);
                if raw.is_empty() {
                    title
                } else if raw.ends_with(['\'', '’', '-']) {
                    format!("{raw}{title}")
                } else {
                    format!("{raw} {title}")
                }
            }
            None => title,
        };
        Some((title, doc.kid_text(t, "subTitle")))
    }

    fn title_info(&mut self, t: u32, level: Level) {
        let doc = self.cx.doc;
        let ty = doc.node(t).attr("type").unwrap_or("").to_string();
        let Some((title, sub)) = self.title_of(t) else {
            if !doc.text_of(t).is_empty() {
                self.drop_element(t, "has no `<title>`");
            }
            return;
        };
        for c in doc.children(t) {
            match doc.node(c).name() {
                "title" | "subTitle" | "nonSort" => {}
                _ => self.drop_element(c, "of a title has no place in the model"),
            }
        }
        match (level, ty.as_str()) {
            (Level::Main, "") => {
                self.field("title", Value::text(title), t);
                if let Some(s) = sub {
                    self.field("subtitle", Value::text(s), t);
                }
            }
            (Level::Main, "abbreviated") => self.field("shorttitle", Value::text(title), t),
            (Level::Host, "") => {
                let full = match sub {
                    Some(s) => format!("{title}: {s}"),
                    None => title,
                };
                if let Some(h) = self.host.as_mut() {
                    if h.title.is_none() {
                        h.title = Some((full, t));
                        return;
                    }
                }
                self.drop_element(
                    t,
                    "(a second title of the host item) has no place in the model",
                );
            }
            (Level::Host, "abbreviated") => {
                if let Some(h) = self.host.as_mut() {
                    h.short.get_or_insert(title);
                }
            }
            (Level::Series, "") => self.field("series", Value::text(title), t),
            _ => self.drop_element(t, &format!("of type `{ty}` has no place in the model")),
        }
    }

    fn name(&mut self, n: u32, level: Level) {
        let doc = self.cx.doc;
        let node = doc.node(n);
        let ty = node.attr("type").unwrap_or("").to_string();
        let mut given: Vec<String> = Vec::new();
        let mut family: Vec<String> = Vec::new();
        let mut untyped: Vec<String> = Vec::new();
        let mut suffix: Vec<String> = Vec::new();
        let mut roles: Vec<String> = Vec::new();
        let mut orcid = String::new();
        let mut affiliations: Vec<String> = Vec::new();
        let mut display = None;
        for c in doc.children(n) {
            let cn = doc.node(c);
            let text = doc.text_of(c);
            match cn.name() {
                "namePart" => {
                    if text.is_empty() {
                        continue;
                    }
                    match cn.attr("type").unwrap_or("") {
                        "family" => family.push(text),
                        "given" => given.push(text),
                        "termsOfAddress" => suffix.push(text),
                        "" => untyped.push(text),
                        "date" => {
                            self.drop_element(c, "(a person's dates) has no place in the model")
                        }
                        other => self.drop_element(
                            c,
                            &format!("of type `{other}` has no place in the model"),
                        ),
                    }
                }
                "role" => {
                    for rt in doc.kids(c, "roleTerm") {
                        let t = doc.text_of(rt);
                        if !t.is_empty() {
                            roles.push(t);
                        }
                    }
                }
                "nameIdentifier" => {
                    let kind = cn.attr("type").unwrap_or("").to_ascii_lowercase();
                    match orcid_of(&text) {
                        Some(o) if kind == "orcid" || kind.is_empty() => orcid = o,
                        _ if !text.is_empty() => {
                            self.drop_element(c, "(an identifier of a name other than an ORCID) has no place in the model")
                        }
                        _ => {}
                    }
                }
                "affiliation" if !text.is_empty() => affiliations.push(text),
                "displayForm" if !text.is_empty() => display = Some((text, c)),
                "affiliation" | "displayForm" => {}
                _ if text.is_empty() => {}
                _ => self.drop_element(c, "of a name has no place in the model"),
            }
        }
        let corporate = matches!(ty.as_str(), "corporate" | "conference" | "family");
        let name = if corporate {
            let parts: Vec<String> = family.into_iter().chain(given).chain(untyped).collect();
            if parts.is_empty() {
                display.take().map(|(d, _)| Name::Literal(d))
            } else {
                Some(Name::Literal(parts.join(". ")))
            }
        } else if !family.is_empty() || !given.is_empty() {
            // Untyped parts beside typed ones: more given names.
            given.extend(untyped);
            Some(person(
                &given.join(" "),
                &family.join(" "),
                &suffix.join(" "),
            ))
        } else if let Some(first) = untyped.first() {
            let whole = untyped.join(" ");
            let v = whole.trim_end_matches([',', ' ']);
            if first.contains(',') || ty == "personal" {
                Some(parse_inverted(v, &suffix.join(" ")))
            } else {
                Some(Name::Literal(v.to_string()))
            }
        } else {
            display
                .take()
                .map(|(d, _)| parse_inverted(d.trim_end_matches([',', ' ']), ""))
        };
        let Some(mut name) = name else {
            if !affiliations.is_empty() {
                let msg = format!(
                    "`<name>` without a name part: its affiliation has no place in the model; dropped: `{}`",
                    shorten(&affiliations.join("; "), 60)
                );
                self.report(Severity::Warning, "mods-dropped", n, msg);
            }
            return;
        };
        match &mut name {
            Name::Person(p) => {
                p.orcid = orcid;
                p.affiliation = affiliations.join("; ");
            }
            Name::Literal(_) => {
                if !orcid.is_empty() || !affiliations.is_empty() {
                    self.report(
                        Severity::Warning,
                        "mods-dropped",
                        n,
                        "the ORCID or affiliation of an organisation has no place in the model; dropped".into(),
                    );
                }
            }
        }
        if ty == "conference" && roles.is_empty() && level == Level::Main {
            return self.field("eventtitle", Value::text(name.to_string()), n);
        }
        let mut fields: Vec<&'static str> = Vec::new();
        for r in &roles {
            match role_field(r) {
                Some(f) => {
                    if !fields.contains(&f) {
                        fields.push(f)
                    }
                }
                None => {
                    let msg =
                        format!("the role `{r}` of `{name}` has no place in the model; dropped");
                    self.report(Severity::Warning, "mods-dropped", n, msg);
                }
            }
        }
        if roles.is_empty() {
            fields.push(if level == Level::Host {
                "editor"
            } else {
                "author"
            });
        }
        for f in fields {
            let f = match (level, f) {
                (Level::Main, f) => f,
                (_, "editor") => "editor",
                (_, "author") => "bookauthor",
                (_, _) => {
                    let msg =
                        format!("`{name}` of the host item has no place in the model; dropped");
                    self.report(Severity::Warning, "mods-dropped", n, msg);
                    continue;
                }
            };
            match self.names.iter_mut().find(|(g, _)| *g == f) {
                Some((_, list)) => list.names.push(name.clone()),
                None => self.names.push((
                    f,
                    NameList {
                        names: vec![name.clone()],
                        truncated: false,
                    },
                )),
            }
        }
    }

    fn origin_info(&mut self, o: u32, level: Level) {
        let doc = self.cx.doc;
        // Dates: an encoded `dateIssued` before a free-text one; `point` makes ranges.
        let mut start: Option<(DatePart, bool, u32)> = None;
        let mut end: Option<(DatePart, bool, u32)> = None;
        let mut single: Vec<(Date, bool, u32)> = Vec::new();
        let mut key_dates: Vec<(Date, bool, u32)> = Vec::new();
        for c in doc.children(o) {
            let cn = doc.node(c);
            let text = doc.text_of(c);
            let name = cn.name().to_string();
            match name.as_str() {
                "dateIssued" | "dateCreated" | "copyrightDate" | "dateOther" | "dateCaptured"
                | "dateValid" | "dateModified" => {
                    if text.is_empty() {
                        continue;
                    }
                    let encoded = cn.attr("encoding").is_some();
                    let Some((d, guessed)) = parse_mods_date(&text, cn.attr("encoding")) else {
                        self.drop_element(c, "is not a date bibkit can read");
                        continue;
                    };
                    let d = qualify(d, cn.attr("qualifier"));
                    if guessed {
                        self.guessed(
                            c,
                            format!("date `{text}` read as {}", Date::Single(d.clone())),
                        );
                    }
                    if name == "dateCaptured" {
                        self.field("urldate", Value::date(Date::Single(d)), c);
                        continue;
                    }
                    if name != "dateIssued" {
                        if cn.attr("keyDate") == Some("yes") || name == "copyrightDate" {
                            key_dates.push((Date::Single(d), encoded, c));
                        } else {
                            self.drop_element(c, "has no place in the model");
                        }
                        continue;
                    }
                    match cn.attr("point") {
                        Some("start") => {
                            start.get_or_insert((d, encoded, c));
                        }
                        Some("end") => {
                            end.get_or_insert((d, encoded, c));
                        }
                        _ => single.push((Date::Single(d), encoded, c)),
                    }
                }
                "publisher" if !text.is_empty() => self.publishers.push(text),
                "agent" => {
                    let role = doc
                        .kid(c, "role")
                        .and_then(|r| doc.kid_text(r, "roleTerm"))
                        .unwrap_or_default()
                        .to_lowercase();
                    let who: Vec<String> = doc
                        .kids(c, "namePart")
                        .map(|p| doc.text_of(p))
                        .filter(|t| !t.is_empty())
                        .collect();
                    if !who.is_empty() && (role.is_empty() || role == "publisher" || role == "pbl")
                    {
                        self.publishers.push(who.join(". "));
                    } else if !text.is_empty() {
                        self.drop_element(c, "has no place in the model");
                    }
                }
                "place" => {
                    for p in doc.kids(c, "placeTerm").collect::<Vec<_>>() {
                        let t = doc.text_of(p);
                        if t.is_empty() {
                            continue;
                        }
                        if doc.node(p).attr("type") == Some("code") {
                            self.drop_element(p, "(a place code) has no place in the model");
                        } else {
                            self.places.push(t);
                        }
                    }
                }
                "edition" if !text.is_empty() => self.field("edition", Value::text(text), c),
                "issuance" if !text.is_empty() => match level {
                    Level::Main => self.issuance = Some(text.to_lowercase()),
                    Level::Host => {
                        if let Some(h) = self.host.as_mut() {
                            h.issuance = Some(text.to_lowercase());
                        }
                    }
                    Level::Series => {}
                },
                _ if text.is_empty() => {}
                _ => self.drop_element(c, "has no place in the model"),
            }
        }
        let date = match (start, end) {
            (Some((a, ea, c)), Some((b, eb, _))) => Some((
                Date::Range(RangeEnd::Known(a), RangeEnd::Known(b)),
                ea || eb,
                c,
            )),
            (Some((a, ea, c)), None) => {
                Some((Date::Range(RangeEnd::Known(a), RangeEnd::Unknown), ea, c))
            }
            (None, Some((b, eb, c))) => {
                Some((Date::Range(RangeEnd::Unknown, RangeEnd::Known(b)), eb, c))
            }
            (None, None) => None,
        };
        let mut candidates: Vec<(Date, bool, u32)> = date.into_iter().chain(single).collect();
        if candidates.is_empty() {
            candidates = key_dates;
            if let Some((d, _, c)) = candidates.first() {
                let (d, c) = (d.clone(), *c);
                let what = doc.node(c).name().to_string();
                self.guessed(c, format!("no `dateIssued`: the date is `<{what}>` {d}"));
            }
        } else {
            for (_, _, c) in key_dates {
                self.drop_element(c, "has no place in the model beside `<dateIssued>`");
            }
        }
        // Encoded dates first; the rest must agree with the first.
        candidates.sort_by_key(|(_, encoded, _)| !encoded);
        for (d, encoded, c) in candidates {
            match &self.date {
                None => self.date = Some((d, encoded, c)),
                Some((old, _, _)) if same_date(old, &d) => {}
                Some((old, _, _)) => {
                    let old = old.clone();
                    self.report(
                        Severity::Warning,
                        "mods-dropped",
                        c,
                        format!("the record's date is {old}; dropped: {d}"),
                    );
                }
            }
        }
    }

    fn host_item(&mut self, h: u32) {
        if self.host.is_some() {
            self.drop_element(h, "(a second host item) has no place in the model");
            return;
        }
        self.host = Some(Host {
            at: h,
            ..Host::default()
        });
        let doc = self.cx.doc;
        for c in doc.children(h) {
            self.element(c, Level::Host);
        }
    }

    fn series_item(&mut self, s: u32) {
        let doc = self.cx.doc;
        for c in doc.children(s) {
            match doc.node(c).name() {
                "titleInfo" | "part" => self.element(c, Level::Series),
                "identifier" => self.element(c, Level::Series),
                _ if doc.text_of(c).is_empty() => {}
                _ => self.drop_element(c, "in the series has no place in the model"),
            }
        }
    }

    /// A `part`: volume, issue, pages, date.
    fn part(&mut self, p: u32) {
        let doc = self.cx.doc;
        for c in doc.children(p) {
            let cn = doc.node(c);
            match cn.name() {
                "detail" => {
                    let value = doc
                        .kid_text(c, "number")
                        .or_else(|| doc.kid_text(c, "title"))
                        .or_else(|| doc.kid_text(c, "caption"));
                    let Some(v) = value else { continue };
                    match cn.attr("type").unwrap_or("").to_ascii_lowercase().as_str() {
                        "volume" => self.field("volume", Value::text(v), c),
                        "issue" | "number" | "no" => self.field("number", Value::text(v), c),
                        "chapter" => self.field("chapter", Value::text(v), c),
                        "part" => self.field("part", Value::text(v), c),
                        "article" | "articlenumber" | "article-number" => {
                            self.field("eid", Value::text(v), c)
                        }
                        _ => self.drop_element(c, "has no place in the model"),
                    }
                }
                "extent" => self.extent(c, false),
                "date" => {
                    let text = doc.text_of(c);
                    if text.is_empty() {
                        continue;
                    }
                    match parse_mods_date(&text, cn.attr("encoding")) {
                        Some((d, guessed)) => {
                            if guessed {
                                self.guessed(
                                    c,
                                    format!("date `{text}` read as {}", Date::Single(d.clone())),
                                );
                            }
                            let d = Date::Single(d);
                            match &self.date {
                                None => self.date = Some((d, cn.attr("encoding").is_some(), c)),
                                Some((old, _, _)) if same_date(old, &d) => {}
                                Some(_) => self.drop_element(c, "differs from the record's date"),
                            }
                        }
                        None => self.drop_element(c, "is not a date bibkit can read"),
                    }
                }
                _ if doc.text_of(c).is_empty() => {}
                _ => self.drop_element(c, "of a part has no place in the model"),
            }
        }
    }

    /// A series' `part`: its number in the series.
    fn series_part(&mut self, p: u32) {
        let doc = self.cx.doc;
        for c in doc.children(p) {
            match doc
                .kid_text(c, "number")
                .filter(|_| doc.node(c).name() == "detail")
            {
                Some(v) if !self.has("number") => self.field("number", Value::text(v), c),
                _ if doc.text_of(c).is_empty() => {}
                _ => self.drop_element(c, "in the series has no place in the model"),
            }
        }
    }

    /// An `extent`: pages as start/end (or a list), or a total; `whole` when it
    /// describes the whole item (`physicalDescription`).
    fn extent(&mut self, x: u32, whole: bool) {
        let doc = self.cx.doc;
        let node = doc.node(x);
        let unit = node.attr("unit").unwrap_or("page").to_ascii_lowercase();
        if !matches!(unit.as_str(), "page" | "pages" | "pp" | "p") {
            if !doc.text_of(x).is_empty() {
                self.drop_element(x, &format!("in `{unit}` has no place in the model"));
            }
            return;
        }
        let start = doc.kid_text(x, "start");
        let end = doc.kid_text(x, "end");
        let total = doc.kid_text(x, "total");
        let list = doc.kid_text(x, "list");
        let pages = match (start, end, list) {
            (Some(s), Some(e), _) if s != e => Some(format!("{s}–{e}")),
            (Some(s), _, _) => Some(s),
            (None, Some(e), _) => Some(e),
            (None, None, Some(l)) => Some(l),
            (None, None, None) => None,
        };
        if let Some(p) = pages {
            self.field("pages", Value::text(p), x);
        }
        if let Some(t) = total {
            self.field("pagetotal", Value::text(t), x);
        }
        let has_parts = ["start", "end", "total", "list"]
            .iter()
            .any(|k| doc.kid(x, k).is_some());
        if !has_parts {
            let t = doc.text_of(x);
            if t.is_empty() {
                return;
            }
            // Free text: `xvii, 389 p. : ill. ; 24 cm.` → the page count when it is plain.
            match pages_in(&t) {
                Some(n) if whole => {
                    self.field("pagetotal", Value::text(n), x);
                    self.guessed(x, format!("the page count read from `{}`", shorten(&t, 60)));
                }
                _ if whole => self.drop_element(x, "has no place in the model"),
                _ => self.field("pages", Value::text(crate::formats::mods::dash(&t)), x),
            }
        }
    }

    fn identifier(&mut self, i: u32, level: Level) {
        let doc = self.cx.doc;
        let node = doc.node(i);
        let text = doc.text_of(i);
        if text.is_empty() {
            return;
        }
        if node.attr("invalid") == Some("yes") {
            return self.drop_element(i, "(marked invalid) has no place in the model");
        }
        let ty = node.attr("type").unwrap_or("").to_ascii_lowercase();
        let value = text.clone();
        match (level, ty.as_str()) {
            (_, "doi") => self.field("doi", Value::Verbatim(bare_doi(&value).to_string()), i),
            (Level::Main | Level::Host, "isbn") => self.field("isbn", Value::text(value), i),
            (_, "issn" | "issn-l" | "eissn") => self.field("issn", Value::text(value), i),
            (Level::Series, "isbn") => {
                self.drop_element(i, "(the ISBN of the series) has no place in the model")
            }
            (Level::Main, "uri" | "url") if self.uri.is_none() => self.uri = Some((value, i)),
            (Level::Main, "pmid" | "pubmed") => self.field("pmid", Value::text(value), i),
            (Level::Main, "pmcid" | "pmc") => self.field("pmcid", Value::text(value), i),
            (Level::Main, "accession" | "accession number" | "wos" | "isi") => {
                self.field("accession", Value::text(value), i)
            }
            (Level::Main, "hdl" | "handle") => {
                self.field("eprint", Value::Verbatim(value), i);
                self.field("eprinttype", Value::text("hdl"), i);
            }
            (Level::Main, "arxiv") => {
                self.field("eprint", Value::Verbatim(value), i);
                self.field("eprinttype", Value::text("arxiv"), i);
            }
            (Level::Main, "citekey") => {
                // JabRef's key: the entry's own.
                self.own_key = Some(value);
            }
            _ => self.drop_element(
                i,
                &format!(
                    "{} has no place in the model",
                    if ty.is_empty() {
                        "(of no type)".to_string()
                    } else {
                        format!("of type `{ty}`")
                    }
                ),
            ),
        }
    }

    fn location(&mut self, l: u32) {
        let doc = self.cx.doc;
        for c in doc.children(l) {
            let text = doc.text_of(c);
            if text.is_empty() {
                continue;
            }
            let cn = doc.node(c);
            match cn.name() {
                "url" if !self.has("url") && cn.attr("access") != Some("preview") => {
                    self.field("url", Value::Verbatim(text), c);
                    if let Some(d) = cn.attr("dateLastAccessed") {
                        if let Some((d, _)) = parse_mods_date(d, None) {
                            self.field("urldate", Value::date(Date::Single(d)), c);
                        }
                    }
                }
                "url" => self.drop_element(c, "(a second URL) has no place in the model"),
                _ => self.drop_element(c, "has no place in the model"),
            }
        }
    }

    fn subject(&mut self, s: u32) {
        let doc = self.cx.doc;
        for c in doc.children(s) {
            let text = doc.text_of(c);
            if text.is_empty() {
                continue;
            }
            match doc.node(c).name() {
                "topic" | "geographic" | "temporal" | "genre" | "occupation" | "name" | "title"
                | "titleInfo" => self.keywords.push(text),
                _ => self.drop_element(c, "of a subject has no place in the model"),
            }
        }
    }

    fn language(&mut self, l: u32) {
        let doc = self.cx.doc;
        let terms: Vec<u32> = doc.kids(l, "languageTerm").collect();
        if terms.is_empty() {
            // (`<language>English</language>`, as some exporters write it.)
            let t = doc.text_of(l);
            if !t.is_empty() {
                self.languages.push(t);
            }
            return;
        }
        // A text term before a code for the same language.
        let text = terms
            .iter()
            .find(|&&t| doc.node(t).attr("type") == Some("text"))
            .or_else(|| terms.first())
            .map(|&t| doc.text_of(t))
            .unwrap_or_default();
        if !text.is_empty() {
            self.languages.push(text);
        }
    }

    fn physical(&mut self, p: u32) {
        let doc = self.cx.doc;
        for c in doc.children(p) {
            match doc.node(c).name() {
                "extent" => self.extent(c, true),
                _ if doc.text_of(c).is_empty() => {}
                _ => self.drop_element(c, "has no place in the model"),
            }
        }
    }

    /// The entry type: from a genre, else guessed from the host item and the record.
    fn kind(&mut self) -> (&'static str, Option<&'static str>) {
        let genres = std::mem::take(&mut self.genres);
        let mut found = None;
        for (g, at) in &genres {
            let lower = g.to_lowercase();
            if let Some((_, k)) = GENRES.iter().find(|(n, _)| *n == lower) {
                if found.is_none() {
                    let sub = match lower.as_str() {
                        "doctoral thesis" | "phdthesis" | "phd thesis" | "dissertation" => {
                            Some("phdthesis")
                        }
                        "master's thesis" | "masters thesis" | "mastersthesis" => Some("mathesis"),
                        _ => None,
                    };
                    found = Some((*k, sub));
                    continue;
                }
            }
            if !CONTENT_GENRES.contains(&lower.as_str()) && found.is_some() {
                let msg = format!(
                    "the genre `{g}` beside the one read has no place in the model; dropped"
                );
                self.report(Severity::Info, "mods-dropped", *at, msg);
            } else if !CONTENT_GENRES.contains(&lower.as_str()) {
                let msg = format!("the genre `{g}` names no entry type bibkit knows; dropped");
                self.report(Severity::Info, "mods-dropped", *at, msg);
            }
        }
        if let Some(k) = found {
            return k;
        }
        // Guesses, in order: the host item, issuance, the type of resource.
        let host = self.host.as_ref().map(|h| {
            let g: Vec<String> = h.genres.iter().map(|(g, _)| g.to_lowercase()).collect();
            (g, h.issuance.clone(), h.at)
        });
        let resource = self
            .resource
            .as_ref()
            .map(|(r, at)| (r.to_lowercase(), *at));
        let (kind, why, at): (&'static str, String, Option<u32>) = if let Some((g, iss, at)) = host
        {
            let has = |x: &[&str]| g.iter().any(|v| x.contains(&v.as_str()));
            if has(&[
                "periodical",
                "journal",
                "academic journal",
                "newspaper",
                "magazine",
            ]) || matches!(iss.as_deref(), Some("continuing" | "serial"))
            {
                ("article", "its host item is a periodical".into(), Some(at))
            } else if has(&["conference publication", "proceedings"]) {
                (
                    "inproceedings",
                    "its host item is a proceedings".into(),
                    Some(at),
                )
            } else if has(&["book", "collection"]) || iss.as_deref() == Some("monographic") {
                ("incollection", "its host item is a book".into(), Some(at))
            } else if self.has("volume") || self.has("number") {
                (
                    "article",
                    "its host item has a volume or issue".into(),
                    Some(at),
                )
            } else {
                ("incollection", "it has a host item".into(), Some(at))
            }
        } else if matches!(
            self.issuance.as_deref(),
            Some("monographic" | "single unit" | "multipart monograph")
        ) {
            ("book", "its issuance is monographic".into(), None)
        } else if matches!(self.issuance.as_deref(), Some("continuing" | "serial")) {
            ("periodical", "its issuance is continuing".into(), None)
        } else if let Some((r, at)) = resource.filter(|(r, _)| r != "text") {
            let k = match r.as_str() {
                "software, multimedia" => "software",
                "sound recording" | "sound recording-musical" | "sound recording-nonmusical" => {
                    "audio"
                }
                "moving image" => "video",
                "still image" => "image",
                _ => "misc",
            };
            (k, format!("its type of resource is `{r}`"), Some(at))
        } else {
            return ("misc", None);
        };
        let at = at.or_else(|| self.resource.as_ref().map(|r| r.1));
        if let Some(at) = at {
            self.guessed(
                at,
                format!("no genre names the type: read as {kind}, as {why}"),
            );
        } else {
            let d = self.cx.diag(
                Severity::Info,
                "mods-guessed",
                format!("no genre names the type: read as {kind}, as {why}"),
                0,
            );
            self.diags.push(d);
        }
        (kind, None)
    }

    /// The entry, with what was gathered, and what was said about it.
    fn done(mut self) -> (Entry, Vec<Diagnostic>) {
        let (kind, sub) = self.kind();
        self.entry.kind = kind.to_string();
        if let Some(s) = sub {
            self.field_front("type", Value::text(s));
        }
        // The type used the resource when nothing else said it; else say it is dropped.
        if let Some((r, at)) = self.resource.take() {
            let lower = r.to_lowercase();
            let used = matches!(
                (kind, lower.as_str()),
                ("software", "software, multimedia")
                    | ("audio", _)
                    | ("video", "moving image")
                    | ("image", "still image")
            );
            if !used && lower != "text" {
                let msg = format!("the type of resource `{r}` has no place in the model; dropped");
                self.report(Severity::Info, "mods-dropped", at, msg);
            }
        }
        if let Some((u, at)) = self.uri.take() {
            match self.entry.get("url").map(Value::to_plain_string) {
                None => self.entry.set("url", Value::Verbatim(u)),
                Some(url) if url == u => {}
                Some(_) => self.drop_element(
                    at,
                    "(a URI beside the record's URL) has no place in the model",
                ),
            }
        }
        if let Some(h) = self.host.take() {
            let periodical = matches!(kind, "article" | "periodical" | "review");
            let whole = matches!(
                kind,
                "book" | "collection" | "proceedings" | "reference" | "mvbook"
            );
            if let Some((t, at)) = h.title {
                let f = if periodical {
                    "journaltitle"
                } else if whole {
                    "maintitle"
                } else {
                    "booktitle"
                };
                self.field(f, Value::text(t), at);
            }
            if let Some(s) = h.short {
                if periodical {
                    self.field("shortjournal", Value::text(s), h.at);
                } else {
                    let msg = format!(
                        "the host item's abbreviated title has no place in the model; dropped: `{}`",
                        shorten(&s, 60)
                    );
                    self.report(Severity::Warning, "mods-dropped", h.at, msg);
                }
            }
            for (g, at) in h.genres {
                let _ = (g, at); // used for the type only
            }
        }
        let names = std::mem::take(&mut self.names);
        for (f, list) in names {
            self.entry.set(f, Value::Names(list));
        }
        if let Some((d, _, _)) = self.date.take() {
            self.entry.set("date", Value::date(d));
        }
        let places = std::mem::take(&mut self.places);
        if !places.is_empty() {
            self.entry
                .set("location", Value::text(places.join(" and ")));
        }
        let publishers = std::mem::take(&mut self.publishers);
        if !publishers.is_empty() {
            let mut seen: Vec<String> = Vec::new();
            for p in publishers {
                if !seen.contains(&p) {
                    seen.push(p);
                }
            }
            self.entry.set("publisher", Value::text(seen.join(" and ")));
        }
        let languages = std::mem::take(&mut self.languages);
        if !languages.is_empty() {
            self.entry
                .set("language", Value::text(languages.join(" and ")));
        }
        if !self.abstracts.is_empty() {
            let a = std::mem::take(&mut self.abstracts).join("\n\n");
            self.entry.set("abstract", Value::text(a));
        }
        if !self.notes.is_empty() {
            let n = std::mem::take(&mut self.notes).join("\n\n");
            self.entry.set("note", Value::text(n));
        }
        if !self.keywords.is_empty() {
            let mut seen: Vec<String> = Vec::new();
            for k in std::mem::take(&mut self.keywords) {
                if !seen.contains(&k) {
                    seen.push(k);
                }
            }
            let k = crate::formats::join_keywords(seen);
            self.entry.set("keywords", Value::text(k));
        }
        if let Some(k) = self.own_key.take() {
            self.entry.key = k;
        }
        (self.entry, self.diags)
    }

    fn field_front(&mut self, name: &str, value: Value) {
        self.entry.set(name, value);
    }
}

/// A person from its parts.
fn person(given: &str, family: &str, suffix: &str) -> Name {
    let family = family.trim();
    // A particle at the start of the family part (`van der Berg`).
    let words: Vec<&str> = family.split_whitespace().collect();
    let lead = words
        .iter()
        .take(words.len().saturating_sub(1))
        .take_while(|w| crate::name::starts_lowercase(w))
        .count();
    Name::Person(Person::new(
        given.trim(),
        words[..lead].join(" "),
        words[lead..].join(" "),
        suffix.trim(),
    ))
}

/// `Family, Given` (or a given-first name when there is no comma).
fn parse_inverted(v: &str, suffix: &str) -> Name {
    match v.split_once(',') {
        Some((family, given)) => {
            let (given, more) = match given.split_once(',') {
                Some((g, s)) => (g, s.trim()),
                None => (given, ""),
            };
            let suffix = if suffix.is_empty() { more } else { suffix };
            person(given, family, suffix)
        }
        None => {
            let mut p = crate::name::parse_given_first(v);
            if p.suffix.is_empty() {
                p.suffix = suffix.to_string();
            }
            Name::Person(p)
        }
    }
}

/// An ORCID iD in its bare form, from a bare iD or its URL.
pub(crate) fn orcid_of(s: &str) -> Option<String> {
    let s = s.trim();
    let bare = s
        .trim_start_matches("https://orcid.org/")
        .trim_start_matches("http://orcid.org/")
        .trim_start_matches("orcid.org/")
        .trim_start_matches("ORCID:")
        .trim();
    let ok = bare.len() == 19
        && bare.char_indices().all(|(i, c)| {
            if i % 5 == 4 {
                c == '-'
            } else {
                c.is_ascii_digit() || (i == 18 && c == 'X')
            }
        });
    ok.then(|| bare.to_string())
}

/// A DOI without its resolver or `doi:` prefix.
pub(crate) fn bare_doi(v: &str) -> &str {
    let v = v.trim();
    for p in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
        "DOI:",
    ] {
        if let Some(rest) = v.strip_prefix(p) {
            return rest.trim();
        }
    }
    v
}

/// `12-34` as `12–34` (anything else as it is).
pub(crate) fn dash(p: &str) -> String {
    let simple =
        |x: &str| !x.is_empty() && !x.contains(|c: char| c.is_whitespace() || c == '-' || c == '–');
    for sep in ["--", "-", "–"] {
        if let Some((a, b)) = p.split_once(sep) {
            let (a, b) = (a.trim(), b.trim());
            if simple(a) && simple(b) {
                return format!("{a}–{b}");
            }
        }
    }
    p.to_string()
}

/// The page count in a free-text extent (`389 p.`, `xvii, 389 p. : ill.`, `240 pages`).
fn pages_in(t: &str) -> Option<String> {
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == ':')
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).find_map(|w| {
        let unit = w[1].trim_end_matches('.').to_lowercase();
        (w[0].bytes().all(|b| b.is_ascii_digit())
            && matches!(unit.as_str(), "p" | "pp" | "pages" | "page"))
        .then(|| w[0].to_string())
    })
}

/// A MODS date: w3cdtf/iso8601 (also the compact `20250607`), MARC (`19uu`), else free
/// text (`c2011`, `[1999?]`: then `true`, it was guessed).
fn parse_mods_date(text: &str, encoding: Option<&str>) -> Option<(DatePart, bool)> {
    let t = text.trim();
    let encoded = encoding.is_some_and(|e| !e.eq_ignore_ascii_case("temper"));
    let t2: String;
    let t = if encoding.is_some_and(|e| e.eq_ignore_ascii_case("marc")) && t.contains('u') {
        t2 = t.replace('u', "X");
        &t2
    } else {
        t
    };
    // Compact ISO 8601: `20250607`, `20250607041254.0`.
    let digits: &str = t.split(['T', '.']).next().unwrap_or(t);
    if digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let y = digits[..4].parse().ok()?;
        let m = digits[4..6].parse().ok()?;
        let d = digits[6..8].parse().ok()?;
        return crate::date::checked(y, Some(m), Some(d)).map(|p| (p, false));
    }
    let iso = t.len() >= 4
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'X');
    if let Some(Date::Single(p)) = crate::date::parse_edtf(t) {
        return Some((p, false));
    }
    if let Some(Date::Single(p)) = crate::date::parse(t) {
        return Some((p, !(encoded || iso)));
    }
    // `c2011`, `©2011`, `[2011]`, `2011.`, `p1998`.
    let core = t
        .trim_start_matches(['c', 'p', '©', '℗', '[', ' '])
        .trim_end_matches([']', '.', '?', ' ']);
    if core.len() == 4 && core.bytes().all(|b| b.is_ascii_digit()) {
        return Some((DatePart::year(core.parse().ok()?), true));
    }
    match crate::date::parse(core) {
        Some(Date::Single(p))
            if core
                .as_bytes()
                .windows(4)
                .any(|w| w.iter().all(u8::is_ascii_digit)) =>
        {
            Some((p, true))
        }
        _ => None,
    }
}

/// A date with MODS's `qualifier` (`approximate`, `inferred`, `questionable`).
fn qualify(mut d: DatePart, q: Option<&str>) -> DatePart {
    match q {
        Some("approximate") => d.approximate = true,
        Some("questionable" | "inferred") => d.uncertain = true,
        _ => {}
    }
    d
}

/// Whether two dates say the same, or one says more of the same (`2011`, `2011-05`).
fn same_date(a: &Date, b: &Date) -> bool {
    match (a, b) {
        (Date::Single(x), Date::Single(y)) => {
            x.year == y.year
                && (x.month.is_none() || y.month.is_none() || x.month == y.month)
                && (x.day.is_none() || y.day.is_none() || x.day == y.day)
        }
        _ => a == b,
    }
}
