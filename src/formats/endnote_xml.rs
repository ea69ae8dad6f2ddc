//! EndNote XML, the export of EndNote (and of Bookends, JabRef and others that write
//! for it): a reader and a writer.
//!
//! A document is `<xml><records><record>…</record>…</records></xml>`. A record holds its
//! `<ref-type name="Journal Article">17</ref-type>` (the name and EndNote's number; the
//! name is read first, the number when there is no name or an unknown one),
//! `<contributors>` (`<authors>`, `<secondary-authors>` the editors,
//! `<tertiary-authors>`, `<subsidiary-authors>` the translators, each of `<author>`s),
//! `<titles>` (`<title>`, `<secondary-title>` the journal, book, conference or series by
//! the type, `<tertiary-title>` the series, `<alt-title>`, `<short-title>`),
//! `<periodical>` (`<full-title>`, `<abbr-1>`), `<pages>`, `<volume>`, `<number>`,
//! `<num-vols>`, `<edition>`, `<keywords>`, `<dates>` (`<year>`, `<pub-dates><date>` in
//! free text), `<publisher>`, `<pub-location>`, `<isbn>` (ISBNs and ISSNs, told apart by
//! their digits), `<electronic-resource-num>` (the DOI), `<urls><related-urls><url>`,
//! `<abstract>`, `<notes>`, `<research-notes>`, `<accession-num>`, `<label>`,
//! `<work-type>`, `<language>`, `<remote-database-name>` and `<access-date>`.
//!
//! Every value may be wrapped in `<style face="…" font="…" size="…">` runs: their text is
//! joined and the styles are not kept (an italic species name reads as plain text).
//! White space is read as EndNote means it: line breaks and indentation of a
//! pretty-printed file are spaces, and a carriage return written as `&#xD;` is EndNote's
//! own line break (between paragraphs of an abstract, between ISBNs). The library's
//! bookkeeping (`<database>`, `<source-app>`, `<rec-number>`, `<foreign-keys>`) is not
//! bibliographic data and is passed over without a word.
//!
//! Entries get generated keys. Nothing else is dropped without a diagnostic: an element
//! the model has no place for or a value kept in place of another
//! (`endnote-xml-dropped`, with its line), a type or date read by a guess
//! (`endnote-xml-guessed`), a record with nothing in it (`endnote-xml-empty-record`), and
//! XML that is not well-formed (`endnote-xml-syntax`, an error: the record it is in is
//! skipped, and reading goes on at the next `<record>`). A document whose root is not
//! `<xml>` (or `<records>`) is `endnote-xml-not-endnote`.
//!
//! ```
//! let parsed = bibkit::formats::endnote_xml::read(
//!     r#"<?xml version="1.0" encoding="UTF-8"?><xml><records><record><ref-type name="Journal Article">17</ref-type><contributors><authors><author><style face="normal" font="default" size="100%">Shannon, Claude E.</style></author></authors></contributors><titles><title><style face="normal" font="default" size="100%">A Mathematical Theory of </style><style face="italic" font="default" size="100%">Communication</style></title><secondary-title>Bell System Technical Journal</secondary-title></titles><pages>379-423</pages><dates><year>1948</year></dates></record></records></xml>"#,
//! );
//! let e = &parsed.bibliography.entries[0];
//! assert_eq!(e.kind, "article");
//! assert_eq!(e.title().as_deref(), Some("A Mathematical Theory of Communication"));
//! assert_eq!(e.get("journaltitle").unwrap().to_string(), "Bell System Technical Journal");
//! assert!(parsed.diagnostics.is_empty());
//! // And back.
//! let xml = bibkit::formats::endnote_xml::to_string(&parsed.bibliography);
//! assert!(xml.contains(r#"<ref-type name="Journal Article">17</ref-type>"#));
//! assert_eq!(bibkit::formats::endnote_xml::read(&xml).bibliography.entries[0].fields, e.fields);
//! ```

use std::borrow::Cow;
use std::sync::Arc;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::endnote::{
    Lowerer, RawRecord, RawValue, Role, Rules, TYPES, is_part, name_text, one_line,
};
use crate::diagnostic::{Diagnostic, LineIndex, Severity};
use crate::formats::{Parsed, shorten};
use crate::keys::KeyGenerator;
use crate::model::{Bibliography, Date, DatePart, Entry, Name, Value};

const RULES: Rules = Rules {
    xml: true,
    type_tag: "`<ref-type>`",
};

/// Where an element is: what its content means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum El {
    /// Outside any record (`xml`, `records`, anything else).
    Outside,
    Record,
    /// A group inside a record (`contributors`, `titles`, `dates`, …).
    Group(Grp),
    /// A value: its text is read (styles and other elements inside are transparent).
    Value(Role),
    /// `<ref-type>`.
    RefType,
    /// Content not read (bookkeeping, or reported once where it starts).
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grp {
    Contributors,
    People(&'static str),
    Titles,
    Periodical,
    AltPeriodical,
    Dates,
    PubDates,
    Urls,
    Links(bool),
    Keywords,
}

/// What an element named `name` inside `parent` is. `Err` when it has no place in the
/// model (then what it is, for the message).
fn classify(parent: El, name: &str) -> Result<El, &'static str> {
    use El::*;
    use Grp as G;
    let v = |r| Ok(Value(r));
    match parent {
        Outside => Ok(if name == "record" { Record } else { Outside }),
        Record => match name {
            "ref-type" => Ok(RefType),
            "database" | "source-app" | "rec-number" | "foreign-keys" => Ok(Skip),
            "contributors" => Ok(Group(G::Contributors)),
            "titles" => Ok(Group(G::Titles)),
            "periodical" => Ok(Group(G::Periodical)),
            "alt-periodical" => Ok(Group(G::AltPeriodical)),
            "dates" => Ok(Group(G::Dates)),
            "urls" => Ok(Group(G::Urls)),
            "keywords" => Ok(Group(G::Keywords)),
            "pages" => v(Role::Pages),
            "volume" => v(Role::Field("volume")),
            "number" | "issue" => v(Role::Field("number")),
            "num-vols" => v(Role::Field("volumes")),
            "edition" => v(Role::Field("edition")),
            "isbn" => v(Role::Serial),
            "electronic-resource-num" => v(Role::Doi),
            "abstract" => v(Role::Paragraphs("abstract")),
            "notes" => v(Role::Paragraphs("note")),
            "research-notes" => v(Role::Paragraphs("annotation")),
            "publisher" => v(Role::Field("publisher")),
            "pub-location" => v(Role::Field("location")),
            "accession-num" => v(Role::Field("accession")),
            "label" => v(Role::Field("label")),
            "work-type" => v(Role::Field("type")),
            "language" => v(Role::Field("language")),
            "remote-database-name" => v(Role::Field("database")),
            "access-date" => v(Role::AccessDate),
            "auth-address" => v(Role::Affiliation),
            "auth-affiliation" => Err("author affiliation"),
            "call-num" => Err("call number"),
            "custom1" | "custom2" | "custom3" | "custom4" | "custom5" | "custom6" | "custom7" => {
                Err("custom field")
            }
            "remote-database-provider" => Err("database provider"),
            "modified-date" => Err("modification date"),
            "section" => Err("section"),
            "caption" => Err("caption"),
            "reprint-edition" => Err("reprint edition"),
            "orig-pub" => Err("original publication"),
            "misc1" | "misc2" | "misc3" => Err("miscellaneous field"),
            _ => Err("element"),
        },
        Group(g) => match (g, name) {
            (G::Contributors, "authors") => Ok(Group(G::People("author"))),
            (G::Contributors, "secondary-authors") => Ok(Group(G::People("editor"))),
            (G::Contributors, "tertiary-authors") => Ok(Group(G::People("editora"))),
            (G::Contributors, "subsidiary-authors") => Ok(Group(G::People("translator"))),
            (G::Contributors, "translated-authors") => Err("translated authors"),
            (G::People(f), "author") => v(Role::Names(f, false)),
            (G::Titles, "title") => v(Role::Field("title")),
            (G::Titles, "secondary-title") => v(Role::Container),
            (G::Titles, "tertiary-title") => v(Role::Field("series")),
            (G::Titles, "alt-title") => v(Role::ShortJournal),
            (G::Titles, "short-title") => v(Role::Field("shorttitle")),
            (G::Titles, "translated-title") => Err("translated title"),
            (G::Periodical, "full-title") => v(Role::Journal),
            (G::Periodical | G::AltPeriodical, "abbr-1" | "abbr-2" | "abbr-3")
            | (G::AltPeriodical, "full-title") => v(Role::ShortJournal),
            (G::Dates, "year") => v(Role::Year),
            (G::Dates, "pub-dates") => Ok(Group(G::PubDates)),
            (G::Dates, "copyright-dates") => Err("copyright date"),
            (G::PubDates, "date") => v(Role::Date),
            (G::Urls, "related-urls" | "web-urls") => Ok(Group(G::Links(true))),
            (G::Urls, "pdf-urls" | "text-urls" | "image-urls") => Ok(Group(G::Links(false))),
            (G::Links(true), "url") => v(Role::Url),
            (G::Links(false), "url") => Err("file link"),
            (G::Keywords, "keyword") => v(Role::Keywords),
            _ => Err("element"),
        },
        // Elements inside a value are part of it (`<style>` runs).
        Value(r) => Ok(Value(r)),
        RefType => Ok(RefType),
        Skip => Ok(Skip),
    }
}

/// Whether `text` is an EndNote XML document: its root element is `<xml>` and the first
/// element in it is `<records>` (MODS's `<modsCollection>` and BibLaTeXML's
/// `<bltx:entries>` are not).
///
/// ```
/// use bibkit::formats::endnote_xml::sniff;
/// assert!(sniff("<?xml version=\"1.0\"?>\n<!-- x -->\n<xml>\n  <records><record/></records></xml>"));
/// assert!(!sniff("<?xml version=\"1.0\"?><modsCollection><mods/></modsCollection>"));
/// assert!(!sniff("<bltx:entries xmlns:bltx=\"http://biblatex-biber.sourceforge.net/biblatexml\"/>"));
/// assert!(!sniff("%0 Journal Article\n"));
/// ```
pub fn sniff(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}');
    if !text.trim_start().starts_with('<') {
        return false;
    }
    let mut reader = Reader::from_str(text);
    let mut root = false;
    for _ in 0..64 {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let name = e.local_name();
                if !root {
                    if name.as_ref() != b"xml" {
                        return false;
                    }
                    root = true;
                } else {
                    return name.as_ref() == b"records";
                }
            }
            Ok(Event::Eof) | Err(_) => return false,
            Ok(Event::End(_)) => return false,
            Ok(_) => {}
        }
    }
    false
}

/// Reads EndNote XML (see the module docs). Keys are generated.
#[derive(Debug, Clone, Default)]
pub struct EndnoteXmlReader {
    file: Option<Arc<str>>,
}

/// The value being read: its role, text, where it started, and its element's name.
struct Current {
    role: Role,
    text: String,
    at: usize,
    name: &'static str,
    /// The depth of the value's element in the stack.
    depth: usize,
}

impl EndnoteXmlReader {
    /// A reader.
    pub fn new() -> Self {
        EndnoteXmlReader::default()
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

    /// Reads `text`, taking keys from `keys` (so that they differ from keys other inputs
    /// got).
    pub fn read_with_keys(&self, text: &str, keys: &mut KeyGenerator) -> Parsed {
        let lowerer = Lowerer {
            file: self.file.clone(),
            text,
            index: LineIndex::new(text),
            rules: RULES,
        };
        let mut out = Parsed::default();
        let mut base = 0;
        let mut first = true;
        // Read from the start; after a syntax error, again from the next `<record`.
        while let Some(error_at) = self.read_part(&lowerer, base, first, keys, &mut out) {
            first = false;
            let from = error_at.max(base + 1).min(text.len());
            match find_record(text, from) {
                Some(next) => base = next,
                None => break,
            }
        }
        out.diagnostics.sort_by_key(|d| d.span.start);
        out
    }

    /// Reads `lowerer.text[base..]` (the whole document when `first`, else from a
    /// `<record` on, as if inside `<records>`). Returns where a syntax error stopped it.
    fn read_part(
        &self,
        lowerer: &Lowerer<'_>,
        base: usize,
        first: bool,
        keys: &mut KeyGenerator,
        out: &mut Parsed,
    ) -> Option<usize> {
        let text = &lowerer.text[base..];
        let mut reader = Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        let mut stack: Vec<El> = Vec::new();
        let mut record: Option<RawRecord<'static>> = None;
        let mut current: Option<Current> = None;
        let mut type_text: Option<String> = None;
        let mut seen_root = !first;
        loop {
            let pos = base + reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(e) => e,
                Err(e) => {
                    let at = base + reader.error_position() as usize;
                    // Read again from a `<record`: the end tags of `<records>` and
                    // `<xml>` after the last record close nothing.
                    if !first && record.is_none() && stack.is_empty() {
                        return Some(at);
                    }
                    let what = match &record {
                        Some(r) => format!(
                            "; the record from line {} is skipped",
                            lowerer.index.line_col(lowerer.text, r.start).0
                        ),
                        None => String::new(),
                    };
                    out.diagnostics.push(lowerer.diag(
                        Severity::Error,
                        "endnote-xml-syntax",
                        format!("not well-formed XML: {e}{what}"),
                        at,
                        at,
                    ));
                    return Some(at);
                }
            };
            let empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(e) | Event::Empty(e) => {
                    let local = e.local_name();
                    let name = std::str::from_utf8(local.as_ref()).unwrap_or("");
                    let parent = stack.last().copied().unwrap_or(El::Outside);
                    if !seen_root {
                        seen_root = true;
                        if name != "xml" && name != "records" {
                            out.diagnostics.push(lowerer.diag(
                                Severity::Error,
                                "endnote-xml-not-endnote",
                                format!("the root element is `<{}>`, not EndNote's `<xml>`; nothing read", shorten(name, 40)),
                                pos,
                                pos,
                            ));
                            return None;
                        }
                    }
                    let el = match classify(parent, name) {
                        Ok(el) => el,
                        Err(what) => {
                            if record.is_some() {
                                // Reported where it starts, if it holds anything.
                                let end = element_end(text, pos - base).map(|x| x + base);
                                let content = end.map(|end| inner_text(&lowerer.text[pos..end]));
                                if empty || content.as_deref().is_some_and(str::is_empty) {
                                } else {
                                    out.diagnostics.push(lowerer.diag(
                                        Severity::Warning,
                                        "endnote-xml-dropped",
                                        format!(
                                            "`<{name}>` ({what}) has no place in the model; dropped{}",
                                            content.map(|c| format!(": `{}`", shorten(&c, 60))).unwrap_or_default()
                                        ),
                                        pos,
                                        pos,
                                    ));
                                }
                            }
                            El::Skip
                        }
                    };
                    match el {
                        El::Record if parent == El::Outside => {
                            record = Some(RawRecord {
                                start: pos,
                                ..RawRecord::default()
                            });
                        }
                        El::RefType if parent == El::Record => {
                            if let (Some(r), Ok(Some(a))) =
                                (record.as_mut(), e.try_get_attribute("name"))
                            {
                                let v = a
                                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .map(|v| v.into_owned())
                                    .unwrap_or_else(|_| {
                                        String::from_utf8_lossy(&a.value).into_owned()
                                    });
                                r.type_name = Some((v, pos));
                            }
                            type_text = Some(String::new());
                        }
                        El::Value(role) if !matches!(parent, El::Value(_)) => {
                            current = Some(Current {
                                role,
                                text: String::new(),
                                at: pos,
                                name: static_name(name),
                                depth: stack.len(),
                            });
                        }
                        _ => {}
                    }
                    if empty {
                        let end = base + reader.buffer_position() as usize;
                        self.close(
                            el,
                            parent,
                            &mut stack,
                            &mut record,
                            &mut current,
                            &mut type_text,
                            lowerer,
                            keys,
                            out,
                            end,
                        );
                    } else {
                        stack.push(el);
                    }
                }
                Event::End(_) => {
                    let Some(el) = stack.pop() else { continue };
                    let parent = stack.last().copied().unwrap_or(El::Outside);
                    let end = base + reader.buffer_position() as usize;
                    self.close(
                        el,
                        parent,
                        &mut stack,
                        &mut record,
                        &mut current,
                        &mut type_text,
                        lowerer,
                        keys,
                        out,
                        end,
                    );
                }
                Event::Text(t) => {
                    let s = t.xml10_content().unwrap_or_default();
                    if let Some(c) = current.as_mut() {
                        // Text right in a value's element is read unless it is only the
                        // indentation around its `<style>` runs.
                        if stack.len() > c.depth + 1 || !s.trim().is_empty() {
                            c.text.push_str(&s);
                        }
                    } else if let Some(t) = type_text.as_mut() {
                        t.push_str(&s);
                    }
                }
                Event::CData(t) => {
                    let s = String::from_utf8_lossy(&t).into_owned();
                    if let Some(c) = current.as_mut() {
                        c.text.push_str(&s);
                    } else if let Some(t) = type_text.as_mut() {
                        t.push_str(&s);
                    }
                }
                Event::GeneralRef(r) => {
                    let resolved: Cow<'_, str> = match r.resolve_char_ref() {
                        // EndNote's line break.
                        Ok(Some('\r' | '\n')) => "\r".into(),
                        Ok(Some(c)) => c.to_string().into(),
                        Ok(None) => {
                            let name = r.decode().unwrap_or_default();
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(s) => s.into(),
                                None => {
                                    if current.is_some() {
                                        out.diagnostics.push(lowerer.diag(
                                            Severity::Warning,
                                            "endnote-xml-dropped",
                                            format!("`&{}`: an entity XML does not define; kept as written", shorten(&name, 30)),
                                            pos,
                                            pos,
                                        ));
                                    }
                                    format!("&{name};").into()
                                }
                            }
                        }
                        Err(_) => {
                            out.diagnostics.push(lowerer.diag(
                                Severity::Error,
                                "endnote-xml-syntax",
                                "a character reference to no character".to_string(),
                                pos,
                                pos,
                            ));
                            // The record is skipped: go on after it.
                            return Some(pos + 1);
                        }
                    };
                    if let Some(c) = current.as_mut() {
                        c.text.push_str(&resolved);
                    } else if let Some(t) = type_text.as_mut() {
                        t.push_str(&resolved);
                    }
                }
                Event::Eof => {
                    if let Some(r) = record.take() {
                        out.diagnostics.push(lowerer.diag(
                            Severity::Error,
                            "endnote-xml-syntax",
                            "the input ends inside a `<record>`; the record is skipped",
                            r.start,
                            r.start,
                        ));
                    } else if !seen_root {
                        out.diagnostics.push(lowerer.diag(
                            Severity::Error,
                            "endnote-xml-not-endnote",
                            "no XML element in the input; nothing read",
                            base,
                            base,
                        ));
                    }
                    return None;
                }
                _ => {}
            }
        }
    }

    /// Closes an element: finishes a value, the type or a record.
    #[allow(clippy::too_many_arguments)]
    fn close(
        &self,
        el: El,
        parent: El,
        stack: &mut [El],
        record: &mut Option<RawRecord<'static>>,
        current: &mut Option<Current>,
        type_text: &mut Option<String>,
        lowerer: &Lowerer<'_>,
        keys: &mut KeyGenerator,
        out: &mut Parsed,
        end: usize,
    ) {
        match el {
            El::Value(_) if current.as_ref().is_some_and(|c| c.depth == stack.len()) => {
                let c = current.take().expect("a value");
                if let Some(r) = record.as_mut() {
                    r.values.push(RawValue {
                        role: c.role,
                        value: Cow::Owned(c.text),
                        at: c.at,
                        name: Cow::Owned(format!("`<{}>`", c.name)),
                    });
                }
            }
            El::RefType if parent == El::Record => {
                if let (Some(r), Some(t)) = (record.as_mut(), type_text.take()) {
                    r.type_number = Some(t);
                }
            }
            El::Record if parent == El::Outside => {
                if let Some(mut r) = record.take() {
                    r.end = end.min(lowerer.text.len());
                    lowerer.finish(r, keys, out);
                }
            }
            _ => {}
        }
    }
}

/// The element names the reader speaks of, as static text.
fn static_name(name: &str) -> &'static str {
    const NAMES: &[&str] = &[
        "author",
        "title",
        "secondary-title",
        "tertiary-title",
        "alt-title",
        "short-title",
        "full-title",
        "abbr-1",
        "abbr-2",
        "abbr-3",
        "year",
        "date",
        "url",
        "keyword",
        "pages",
        "volume",
        "number",
        "issue",
        "num-vols",
        "edition",
        "isbn",
        "electronic-resource-num",
        "abstract",
        "notes",
        "research-notes",
        "publisher",
        "pub-location",
        "accession-num",
        "label",
        "work-type",
        "language",
        "remote-database-name",
        "access-date",
    ];
    NAMES
        .iter()
        .find(|n| **n == name)
        .copied()
        .unwrap_or("value")
}

/// The end of the element starting at `pos` (after its end tag), found by a reader of
/// its own; `None` when it is not well-formed (the main reader reports that).
fn element_end(text: &str, pos: usize) -> Option<usize> {
    let mut reader = Reader::from_str(&text[pos..]);
    let mut depth = 0usize;
    loop {
        match reader.read_event().ok()? {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(pos + reader.buffer_position() as usize);
                }
            }
            Event::Empty(_) if depth == 0 => return Some(pos + reader.buffer_position() as usize),
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The text inside an element's markup, on one line (for messages; entities as written).
fn inner_text(xml: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in xml.chars() {
        match c {
            '<' => {
                inside = true;
                out.push(' ');
            }
            '>' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
        if out.len() > 400 {
            break;
        }
    }
    one_line(&out)
}

/// The next `<record>` or `<record …>` at or after `from`.
fn find_record(text: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = text.get(at..)?.find("<record") {
        let p = at + i;
        let next = text.as_bytes().get(p + 7).copied();
        if matches!(next, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/')) {
            return Some(p);
        }
        at = p + 7;
    }
    None
}

/// Reads EndNote XML text (see [`EndnoteXmlReader`]).
pub fn read(text: &str) -> Parsed {
    EndnoteXmlReader::new().read(text)
}

/// The EndNote type an entry is written as (name and number), and whether it says less
/// than the entry's type (`manual` as `Generic`).
fn endnote_type(e: &Entry) -> (&'static str, u32, bool) {
    let plain = |f: &str| e.get(f).map(|v| v.to_plain_string().to_ascii_lowercase());
    let name = match e.kind.as_str() {
        "article" => match plain("entrysubtype").as_deref() {
            Some("magazine") => "Magazine Article",
            Some("newspaper") => "Newspaper Article",
            _ => "Journal Article",
        },
        "book" | "mvbook" => "Book",
        "inbook" | "incollection" | "bookinbook" | "suppbook" | "suppcollection" => "Book Section",
        "collection" | "mvcollection" => "Edited Book",
        "inproceedings" | "conference" => "Conference Paper",
        "thesis" | "phdthesis" | "mastersthesis" => "Thesis",
        "report" | "techreport" => "Report",
        "unpublished" => "Unpublished Work",
        "online" | "electronic" | "www" => "Web Page",
        "patent" => "Patent",
        "software" => "Computer Program",
        "dataset" => "Dataset",
        "booklet" => "Pamphlet",
        "periodical" => "Serial",
        "reference" | "mvreference" | "inreference" => "Encyclopedia",
        "standard" => "Standard",
        "legislation" => "Statute",
        "jurisdiction" => "Case",
        "letter" => "Personal Communication",
        "video" | "movie" => "Film or Broadcast",
        "music" => "Music",
        "artwork" => "Artwork",
        "image" => "Figure",
        "misc" => "Generic",
        _ => {
            return ("Generic", 13, true);
        }
    };
    let number = TYPES.iter().find(|t| t.0 == name).map_or(13, |t| t.1);
    // (Proceedings read back as papers in them.)
    let less = matches!(e.kind.as_str(), "proceedings" | "mvproceedings");
    (name, number, less)
}

/// Fields the writer writes through the type.
const SAID_BY_TYPE: &[&str] = &["entrysubtype"];

/// The fields the writer knows, in the order it writes them.
const ORDER: &[&str] = &[
    "author",
    "editor",
    "editora",
    "translator",
    "title",
    "journaltitle",
    "booktitle",
    "series",
    "shorttitle",
    "shortjournal",
    "pages",
    "volume",
    "number",
    "volumes",
    "edition",
    "keywords",
    "date",
    "location",
    "publisher",
    "institution",
    "isbn",
    "issn",
    "accession",
    "label",
    "type",
    "abstract",
    "note",
    "annotation",
    "url",
    "doi",
    "database",
    "language",
    "urldate",
];

/// Writes `value` escaped for XML, without the characters XML 1.0 cannot hold. Returns
/// whether any were left out.
fn escaped(out: &mut String, value: &str) -> bool {
    let mut lost = false;
    for c in value.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\r' | '\n' => out.push_str("&#xD;"),
            '\t' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => lost = true,
            c => out.push(c),
        }
    }
    lost
}

/// One styled value, `<name><style …>value</style></name>`.
fn styled(out: &mut String, name: &str, value: &str, lost: &mut bool) {
    out.push('<');
    out.push_str(name);
    out.push_str("><style face=\"normal\" font=\"default\" size=\"100%\">");
    *lost |= escaped(out, value);
    out.push_str("</style></");
    out.push_str(name);
    out.push('>');
}

/// A date as EDTF (`2015-03-03`, `2020-21` for spring 2020).
fn iso(p: &DatePart) -> String {
    Date::Single(p.clone()).to_string()
}

/// Writes one entry as a `<record>` (on one line, with a line end). Returns the fields
/// EndNote XML has no element for (they are not written), and whether the type said less
/// than the entry's, for the loss report.
///
/// ```
/// use bibkit::model::{Entry, Value};
/// let mut e = Entry::new("k", "inproceedings");
/// e.set("title", Value::text("Graph Hashing"));
/// e.set("booktitle", Value::text("Proc. VLDB"));
/// e.set("eprint", Value::Verbatim("2101.00001".into()));
/// let mut out = String::new();
/// let (dropped, _) = bibkit::formats::endnote_xml::write_entry(&mut out, &e);
/// assert!(out.starts_with(r#"<record><ref-type name="Conference Paper">47</ref-type><titles><title><style face="normal" font="default" size="100%">Graph Hashing</style></title><secondary-title>"#));
/// assert_eq!(dropped, ["eprint"]);
/// ```
pub fn write_entry(out: &mut String, e: &Entry) -> (Vec<String>, bool) {
    let (ty, number, less) = endnote_type(e);
    let kind = e.kind.as_str();
    let article = matches!(kind, "article" | "periodical");
    let part = is_part(match kind {
        "inbook" | "bookinbook" | "suppbook" | "suppcollection" => "incollection",
        "conference" => "inproceedings",
        "inreference" | "mvreference" => "reference",
        k => k,
    });
    let book = matches!(ty, "Book" | "Edited Book");
    let mut dropped: Vec<String> = Vec::new();
    let mut lost = Vec::new();
    let get = |f: &str| e.fields.iter().find(|x| x.name == f).map(|x| &x.value);
    let text = |f: &str| get(f).map(|v| one_line(&v.to_plain_string()));
    out.push_str("<record><ref-type name=\"");
    out.push_str(ty);
    out.push_str("\">");
    out.push_str(&number.to_string());
    out.push_str("</ref-type>");
    // Contributors.
    let people = [
        ("author", "authors"),
        ("editor", "secondary-authors"),
        ("editora", "tertiary-authors"),
        ("translator", "subsidiary-authors"),
    ];
    if people.iter().any(|(f, _)| get(f).is_some()) {
        out.push_str("<contributors>");
        for (f, group) in people {
            let Some(v) = get(f) else { continue };
            let mut l = false;
            out.push('<');
            out.push_str(group);
            out.push('>');
            match v {
                Value::Names(list) => {
                    for n in &list.names {
                        let sole = f == "author" && list.names.len() == 1;
                        match n {
                            Name::Person(p) if !p.orcid.is_empty() => {
                                lost.push(format!("{f} (ORCID)"));
                            }
                            Name::Person(p) if !p.affiliation.is_empty() && !sole => {
                                lost.push(format!("{f} (affiliation)"));
                            }
                            _ => {}
                        }
                        let t = name_text(n);
                        styled(out, "author", &one_line(&t), &mut l);
                    }
                    if list.truncated {
                        lost.push(format!("{f} (`and others`)"));
                    }
                }
                other => styled(out, "author", &one_line(&other.to_plain_string()), &mut l),
            }
            out.push_str("</");
            out.push_str(group);
            out.push('>');
            if l {
                lost.push(format!("{f} (control characters)"));
            }
        }
        out.push_str("</contributors>");
    }
    // A sole author's affiliation, as EndNote's author address.
    if let Some(Value::Names(list)) = get("author") {
        if let [Name::Person(p)] = list.names.as_slice() {
            if !p.affiliation.is_empty() {
                simple(
                    out,
                    &mut lost,
                    "auth-address",
                    "author",
                    Some(one_line(&p.affiliation)),
                );
            }
        }
    }
    // Titles.
    let mut titles: Vec<(&str, String, &str)> = Vec::new();
    if let Some(t) = text("title") {
        titles.push(("title", t, "title"));
    }
    if let Some(j) = text("journaltitle") {
        if article {
            titles.push(("secondary-title", j, "journaltitle"));
        } else if part || book {
            dropped.push("journaltitle".into());
        }
    }
    if let Some(b) = text("booktitle") {
        if part {
            titles.push(("secondary-title", b, "booktitle"));
        } else {
            dropped.push("booktitle".into());
        }
    }
    if let Some(s) = text("series") {
        titles.push(("tertiary-title", s, "series"));
    }
    if let Some(s) = text("shorttitle") {
        titles.push(("short-title", s, "shorttitle"));
    }
    if !titles.is_empty() {
        out.push_str("<titles>");
        for (el, v, f) in &titles {
            let mut l = false;
            styled(out, el, v, &mut l);
            if l {
                lost.push(format!("{f} (control characters)"));
            }
        }
        out.push_str("</titles>");
    }
    let journal = text("journaltitle").filter(|_| !part && !book);
    let short = text("shortjournal");
    if journal.is_some() || short.is_some() {
        let mut l = false;
        out.push_str("<periodical>");
        if let Some(j) = &journal {
            styled(out, "full-title", j, &mut l);
        }
        if let Some(s) = &short {
            styled(out, "abbr-1", s, &mut l);
        }
        out.push_str("</periodical>");
        if l {
            lost.push("journaltitle (control characters)".into());
        }
    }
    fn simple(out: &mut String, lost: &mut Vec<String>, el: &str, f: &str, v: Option<String>) {
        if let Some(v) = v {
            let mut l = false;
            styled(out, el, &v, &mut l);
            if l {
                lost.push(format!("{f} (control characters)"));
            }
        }
    }
    simple(out, &mut lost, "pages", "pages", text("pages"));
    simple(out, &mut lost, "volume", "volume", text("volume"));
    simple(out, &mut lost, "number", "number", text("number"));
    simple(out, &mut lost, "num-vols", "volumes", text("volumes"));
    simple(out, &mut lost, "edition", "edition", text("edition"));
    if let Some(k) = get("keywords") {
        let list = super::split_keywords(&k.to_plain_string());
        if !list.is_empty() {
            out.push_str("<keywords>");
            let mut l = false;
            for k in list {
                styled(out, "keyword", &one_line(&k), &mut l);
            }
            out.push_str("</keywords>");
            if l {
                lost.push("keywords (control characters)".into());
            }
        }
    }
    if let Some(v) = get("date") {
        match v {
            Value::Date(d) => match d.start() {
                Some(p) => {
                    let mut l = false;
                    out.push_str("<dates>");
                    styled(out, "year", &format!("{:04}", p.year), &mut l);
                    // (A month, day, season or qualifier as EDTF, which reads back as
                    // sure as ISO.)
                    if *p != DatePart::year(p.year) {
                        out.push_str("<pub-dates>");
                        styled(out, "date", &iso(p), &mut l);
                        out.push_str("</pub-dates>");
                    }
                    out.push_str("</dates>");
                    if !matches!(**d, Date::Single(_)) {
                        lost.push("date (its end)".into());
                    }
                }
                None => dropped.push("date".into()),
            },
            other => {
                let mut l = false;
                out.push_str("<dates>");
                styled(out, "year", &one_line(&other.to_plain_string()), &mut l);
                out.push_str("</dates>");
            }
        }
    }
    simple(out, &mut lost, "pub-location", "location", text("location"));
    match (text("publisher"), text("institution")) {
        (Some(p), i) => {
            simple(out, &mut lost, "publisher", "publisher", Some(p));
            if i.is_some() {
                dropped.push("institution".into());
            }
        }
        (None, Some(i)) => simple(out, &mut lost, "publisher", "institution", Some(i)),
        (None, None) => {}
    }
    let serials: Vec<String> = ["isbn", "issn"].iter().filter_map(|f| text(f)).collect();
    if !serials.is_empty() {
        simple(out, &mut lost, "isbn", "isbn", Some(serials.join("\r")));
    }
    simple(
        out,
        &mut lost,
        "accession-num",
        "accession",
        text("accession"),
    );
    simple(out, &mut lost, "label", "label", text("label"));
    simple(out, &mut lost, "work-type", "type", text("type"));
    let para = |f: &str| {
        get(f).map(|v| {
            let s = v.to_plain_string();
            s.split("\n\n")
                .map(one_line)
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("\r")
        })
    };
    simple(out, &mut lost, "abstract", "abstract", para("abstract"));
    simple(out, &mut lost, "notes", "note", para("note"));
    simple(
        out,
        &mut lost,
        "research-notes",
        "annotation",
        para("annotation"),
    );
    if let Some(u) = text("url") {
        let mut l = false;
        out.push_str("<urls><related-urls>");
        styled(out, "url", &u, &mut l);
        out.push_str("</related-urls></urls>");
        if l {
            lost.push("url (control characters)".into());
        }
    }
    simple(
        out,
        &mut lost,
        "electronic-resource-num",
        "doi",
        text("doi"),
    );
    simple(
        out,
        &mut lost,
        "remote-database-name",
        "database",
        text("database"),
    );
    simple(out, &mut lost, "language", "language", text("language"));
    if let Some(v) = get("urldate") {
        match v {
            Value::Date(d) => match d.start() {
                Some(p) => simple(out, &mut lost, "access-date", "urldate", Some(iso(p))),
                None => dropped.push("urldate".into()),
            },
            other => simple(
                out,
                &mut lost,
                "access-date",
                "urldate",
                Some(one_line(&other.to_plain_string())),
            ),
        }
    }
    out.push_str("</record>\n");
    for f in &e.fields {
        if !ORDER.contains(&f.name.as_ref()) && !SAID_BY_TYPE.contains(&f.name.as_ref()) {
            dropped.push(f.name.to_string());
        }
    }
    dropped.extend(lost);
    (dropped, less)
}

/// The loss report of writing `e` as EndNote XML: one warning (`endnote-xml-not-written`)
/// naming the fields [`write_entry`] had no element for, and a note when its type became
/// a wider one.
pub fn losses(e: &Entry, dropped: &[String], less: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let at = |d: Diagnostic| d.at_entry(e);
    if less {
        let (ty, _, _) = endnote_type(e);
        out.push(at(Diagnostic::new(
            Severity::Info,
            "endnote-xml-not-written",
            format!("EndNote has no type `{}`; written as `{ty}`", e.kind),
        )));
    }
    if !dropped.is_empty() {
        out.push(at(Diagnostic::new(
            Severity::Warning,
            "endnote-xml-not-written",
            format!(
                "EndNote XML has no element for {}; not written",
                dropped
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )));
    }
    out
}

/// Writes `entries` as an EndNote XML document, with the loss report (one warning per
/// entry that lost fields).
pub fn write(entries: &[Entry]) -> (String, Vec<Diagnostic>) {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml><records>\n");
    let mut report = Vec::new();
    for e in entries {
        let (dropped, less) = write_entry(&mut out, e);
        report.extend(losses(e, &dropped, less));
    }
    out.push_str("</records></xml>\n");
    (out, report)
}

/// Writes a whole bibliography as an EndNote XML document.
///
/// ```
/// let bib = bibkit::formats::bibtex::read("@book{k, author = {van der Berg, Jan}, title = {Dikes & Dunes}, year = 2001, isbn = {0-201-13447-0}}").bibliography;
/// let xml = bibkit::formats::endnote_xml::to_string(&bib);
/// assert!(xml.contains(r#"<ref-type name="Book">6</ref-type><contributors><authors><author><style face="normal" font="default" size="100%">van der Berg, Jan</style></author></authors></contributors>"#));
/// assert!(xml.contains("Dikes &amp; Dunes"));
/// ```
pub fn to_string(bib: &Bibliography) -> String {
    write(&bib.entries).0
}
