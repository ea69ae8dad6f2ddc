//! RIS, the tagged format of reference managers and databases: a reader (the 2011
//! specification and the dialects of the databases that export it) and a writer.
//!
//! A record is a run of tag lines (`TY  - JOUR`, two capitals or a capital and a
//! digit, two spaces, a hyphen) from `TY` to `ER`. The reader also takes what exports
//! really hold:
//!
//! * lines without a tag continue the value before them (titles and abstracts wrapped
//!   over lines by IEEE Xplore, keywords one per line by AGRIS and Rayyan);
//! * a byte-order mark, CRLF line ends, blank lines between tags, and lines before the
//!   first record (JSTOR's `Provider:` header, Ovid's `1.` numbering);
//! * a record without `ER` (ended by the next `TY` or the end of the input), repeated
//!   `TY` lines before any field, `ER` with text after it;
//! * every author tag (`AU`, `A1`), dates as `2020///`, `2017/10/1`, `2019//` or free
//!   text, pages as `SP`/`EP` or `SP - 12-34`, DOIs with a resolver or `doi:` prefix, and
//!   reference types written out (`Journal Article`).
//!
//! Entries get generated keys (`familyYEARword`). Nothing is dropped without a
//! diagnostic saying so: a tag the model has no place for (`ris-dropped`, with its line),
//! a value kept in place of another (`ris-dropped`), a type or date read by a guess
//! (`ris-guessed`), and a record that cannot be read (`ris-no-type`, an error: the record
//! is skipped, the rest are read).
//!
//! ```
//! let parsed = bibkit::formats::ris::read(
//!     "TY  - JOUR\nAU  - Shannon, Claude E.\nTI  - A Mathematical Theory\n  of Communication\nPY  - 1948/07//\nJO  - Bell System Technical Journal\nSP  - 379\nEP  - 423\nER  - \n",
//! );
//! let e = &parsed.bibliography.entries[0];
//! assert_eq!(e.kind, "article");
//! assert_eq!(e.key, "shannon1948mathematical");
//! assert_eq!(e.title().as_deref(), Some("A Mathematical Theory of Communication"));
//! assert_eq!(e.get("date").unwrap().to_string(), "1948-07");
//! assert_eq!(e.get("pages").unwrap().to_string(), "379–423");
//! assert!(parsed.diagnostics.is_empty());
//! // And back.
//! let ris = bibkit::formats::ris::to_string(&parsed.bibliography);
//! assert!(ris.starts_with("TY  - JOUR\nTI  - A Mathematical Theory of Communication\nAU  - Shannon, Claude E.\n"));
//! ```

use super::shorten;
use std::sync::Arc;

use nom::bytes::complete::{tag, take_while_m_n};
use nom::character::complete::satisfy;
use nom::combinator::{opt, recognize};
use nom::{IResult, Parser};
use unicode_normalization::UnicodeNormalization;

use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::Parsed;
use crate::keys::KeyGenerator;
use crate::model::{
    Bibliography, Date, DatePart, Entry, Name, NameList, Origin, Person, Span, Value,
};

/// RIS reference types and the entry types they become. (`INPR`, `MGZN` and `NEWS` also
/// get a `pubstate` or an `entrysubtype`.)
const TYPES: &[(&str, &str)] = &[
    ("ABST", "article"),
    ("ADVS", "misc"),
    ("AGGR", "misc"),
    ("ANCIENT", "misc"),
    ("ART", "artwork"),
    ("BILL", "legislation"),
    ("BLOG", "online"),
    ("BOOK", "book"),
    ("CASE", "jurisdiction"),
    ("CHAP", "incollection"),
    ("CHART", "image"),
    ("CLSWK", "misc"),
    ("COMP", "software"),
    ("CONF", "inproceedings"),
    ("CPAPER", "inproceedings"),
    ("CTLG", "misc"),
    ("DATA", "dataset"),
    ("DBASE", "dataset"),
    ("DICT", "reference"),
    ("EBOOK", "book"),
    ("ECHAP", "incollection"),
    ("EDBOOK", "collection"),
    ("EJOUR", "article"),
    ("ELEC", "online"),
    ("ENCYC", "reference"),
    ("EQUA", "misc"),
    ("FIGURE", "image"),
    ("GEN", "misc"),
    ("GOVDOC", "report"),
    ("GRNT", "misc"),
    ("HEAR", "misc"),
    ("ICOMM", "online"),
    ("INPR", "article"),
    ("INTV", "misc"),
    ("JFULL", "periodical"),
    ("JOUR", "article"),
    ("LEGAL", "legal"),
    ("MANSCPT", "unpublished"),
    ("MAP", "misc"),
    ("MGZN", "article"),
    ("MPCT", "video"),
    ("MULTI", "misc"),
    ("MUSIC", "music"),
    ("NEWS", "article"),
    ("PAMP", "booklet"),
    ("PAT", "patent"),
    ("PCOMM", "letter"),
    ("POD", "audio"),
    ("PRESS", "misc"),
    ("RPRT", "report"),
    ("SER", "periodical"),
    ("SLIDE", "misc"),
    ("SOUND", "audio"),
    ("STAND", "standard"),
    ("STAT", "legislation"),
    ("THES", "thesis"),
    ("UNBILL", "legislation"),
    ("UNPB", "unpublished"),
    ("UNPD", "unpublished"),
    ("VIDEO", "video"),
    ("WEB", "online"),
];

/// Reference types as EndNote and some databases write them out, and their codes.
const TYPE_NAMES: &[(&str, &str)] = &[
    ("journal article", "JOUR"),
    ("article", "JOUR"),
    ("book", "BOOK"),
    ("book section", "CHAP"),
    ("book chapter", "CHAP"),
    ("edited book", "EDBOOK"),
    ("conference paper", "CPAPER"),
    ("conference proceedings", "CONF"),
    ("thesis", "THES"),
    ("report", "RPRT"),
    ("web page", "ELEC"),
    ("magazine article", "MGZN"),
    ("newspaper article", "NEWS"),
    ("patent", "PAT"),
    ("dataset", "DATA"),
    ("computer program", "COMP"),
    ("unpublished work", "UNPB"),
    ("generic", "GEN"),
];

/// Entry types whose `T2` is the book or proceedings they are part of.
const PARTS: &[&str] = &["CHAP", "ECHAP", "CONF", "CPAPER", "DICT", "ENCYC"];

/// What a tag means: the field it fills, and how its values combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A field; the first value is kept, later different ones are reported.
    Field(&'static str),
    /// A field whose values are paragraphs (continuation lines kept as line breaks).
    Paragraphs(&'static str),
    /// A name list.
    Names(&'static str),
    Keywords,
    Date,
    AccessDate,
    StartPage,
    EndPage,
    Doi,
    Url,
    SerialNumber,
    /// The journal, or the book or series the record is part of, by the type.
    Container,
    /// A journal's name, full or abbreviated.
    Journal,
    ShortJournal,
    BookTitle,
    Type,
    End,
}

/// The tags bibkit reads, and what each means (the 2011 specification's, and the ones
/// exporters use that it lacks: `JO`, `JF`, `ED`, `PU`, `VO`, …).
fn role(tag: &str) -> Option<Role> {
    use Role::*;
    Some(match tag {
        "TY" => Type,
        "ER" => End,
        "TI" | "T1" | "CT" => Field("title"),
        "ST" => Field("shorttitle"),
        "BT" => BookTitle,
        "T2" => Container,
        "T3" => Field("series"),
        "JF" | "JO" => Journal,
        "JA" | "J1" | "J2" | "JI" | "J9" => ShortJournal,
        "AU" | "A1" => Names("author"),
        "A2" | "ED" => Names("editor"),
        "A3" => Names("editora"),
        "A4" => Names("translator"),
        "PY" | "Y1" | "DA" => Date,
        "Y2" => AccessDate,
        "SP" => StartPage,
        "EP" => EndPage,
        "VL" | "VO" => Field("volume"),
        "IS" | "CP" => Field("number"),
        "NV" => Field("volumes"),
        "ET" => Field("edition"),
        "PB" | "PU" => Field("publisher"),
        "CY" | "PP" | "PI" => Field("location"),
        "DO" => Doi,
        "UR" => Url,
        "SN" => SerialNumber,
        "AB" | "N2" => Paragraphs("abstract"),
        "N1" => Paragraphs("note"),
        "RN" => Paragraphs("annotation"),
        "KW" => Keywords,
        "LA" => Field("language"),
        "M3" => Field("type"),
        "LB" => Field("label"),
        "PMID" => Field("pmid"),
        _ => return None,
    })
}

/// What the tags bibkit drops are, for the loss report.
fn tag_name(tag: &str) -> &'static str {
    match tag {
        "ID" => "reference id",
        "AN" => "accession number",
        "AD" => "author address",
        "AV" => "availability",
        "CA" => "caption",
        "CN" => "call number",
        "DB" => "database",
        "DP" => "database provider",
        "L1" => "file attachment",
        "L2" => "related URL",
        "L3" => "related record",
        "L4" => "figure",
        "M1" | "M2" => "miscellaneous field",
        "OP" => "original publication",
        "RP" => "reprint edition",
        "SE" => "section",
        "TA" => "translated author",
        "C1" | "C2" | "C3" | "C4" | "C5" | "C6" | "C7" | "C8" => "custom field",
        "U1" | "U2" | "U3" | "U4" | "U5" => "user field",
        "Y3" => "date",
        _ => "tag",
    }
}

/// One line of the input: its number (1-based), where it starts, its text without the
/// line end, and its tag and value when it is a tag line.
struct Line<'a> {
    number: u32,
    start: usize,
    text: &'a str,
    tagged: Option<(&'a str, &'a str)>,
}

/// A tag line: two characters (a capital, then a capital or digit; exporters also
/// write longer tags such as `PMID`), one or two spaces, a hyphen, and the value after
/// one optional space.
fn tag_line(input: &str) -> IResult<&str, &str> {
    let code = recognize((
        satisfy(|c| c.is_ascii_uppercase()),
        take_while_m_n(1, 3, |c: char| c.is_ascii_uppercase() || c.is_ascii_digit()),
    ));
    let (rest, (code, _, _, _)) = (
        code,
        take_while_m_n(1, 2, |c| c == ' '),
        tag("-"),
        opt(tag(" ")),
    )
        .parse(input)?;
    Ok((rest, code))
}

/// The tag and value of a tag line, if `text` is one.
pub(crate) fn split_tag(text: &str) -> Option<(&str, &str)> {
    // A bare `ER` ends a record too (as some writers end them, with no `  - `).
    if text.trim_end() == "ER" {
        return Some(("ER", ""));
    }
    let (value, code) = tag_line(text).ok()?;
    Some((code, value.trim()))
}

/// Whether `text` looks like RIS: one of its first 40 non-blank lines is a `TY` line, and
/// it is not Web of Science tagged text (which starts with `FN`, `VR` or `PT J`).
///
/// ```
/// assert!(bibkit::formats::ris::sniff("Provider: JSTOR\n\nTY  - JOUR\nER  - \n"));
/// assert!(!bibkit::formats::ris::sniff("@article{k, title = {TY  - JOUR}}"));
/// assert!(!bibkit::formats::ris::sniff("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTY  - JOUR\n"));
/// ```
pub fn sniff(text: &str) -> bool {
    if super::wos::sniff(text) {
        return false;
    }
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}'))
        .filter(|l| !l.trim().is_empty())
        .take(40)
        .any(|l| split_tag(l).is_some_and(|(t, _)| t == "TY"))
}

/// A record's tags, in order, each with its values (continuation lines joined in) and
/// the line it starts on.
struct Raw<'a> {
    ty: Option<(&'a str, usize)>,
    first: usize,
    last: usize,
    tags: Vec<(&'a str, String, usize)>,
    /// Whether a blank line came after the last tag line (an untagged line after it
    /// continues nothing).
    broken: bool,
}

/// Reads RIS (see the module docs). Keys are generated.
#[derive(Debug, Clone, Default)]
pub struct RisReader {
    file: Option<Arc<str>>,
}

impl RisReader {
    /// A reader.
    pub fn new() -> Self {
        RisReader::default()
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

    /// Reads `text`, taking keys from `keys` (so that they differ from keys other
    /// inputs got).
    pub fn read_with_keys(&self, text: &str, keys: &mut KeyGenerator) -> Parsed {
        let mut out = Parsed::default();
        let lines = split_lines(text);
        let mut outside: Option<(usize, usize)> = None;
        let mut raw: Option<Raw<'_>> = None;
        for (i, line) in lines.iter().enumerate() {
            match line.tagged {
                Some(("TY", value)) => match raw.as_mut() {
                    // A `TY` inside a record that has not ended: one record whose type
                    // the later line gives (as JabRef and CoLRev read it). A record
                    // that lacks its `ER` merges with the next, so say so.
                    Some(r) if r.ty.is_some() => {
                        let old = r.ty.map_or("", |t| t.0);
                        let message = if r.tags.is_empty() {
                            format!("a second `TY` line: type `{value}` is kept, `{old}` dropped")
                        } else {
                            format!(
                                "a `TY` line inside a record that has not ended (no `ER` since line {}): read as the same record, type `{value}` kept, `{old}` dropped; if a record lacks its `ER`, add it",
                                lines[r.first].number
                            )
                        };
                        out.diagnostics.push(self.diag(
                            Severity::Warning,
                            "ris-dropped",
                            message,
                            line,
                        ));
                        r.ty = Some((value, i));
                        r.last = i;
                        r.broken = false;
                    }
                    _ => {
                        if let Some(r) = raw.take() {
                            self.finish(r, false, &lines, keys, &mut out);
                        }
                        raw = Some(Raw {
                            ty: Some((value, i)),
                            first: i,
                            last: i,
                            tags: Vec::new(),
                            broken: false,
                        });
                    }
                },
                Some(("ER", value)) => match raw.take() {
                    Some(mut r) => {
                        r.last = i;
                        if !value.is_empty() {
                            out.diagnostics.push(self.diag(
                                Severity::Warning,
                                "ris-dropped",
                                format!("text after `ER` dropped: `{}`", shorten(value, 60)),
                                line,
                            ));
                        }
                        self.finish(r, true, &lines, keys, &mut out);
                    }
                    None => out.diagnostics.push(self.diag(
                        Severity::Warning,
                        "ris-stray-end",
                        "`ER` line outside a record",
                        line,
                    )),
                },
                Some((code, value)) => {
                    let r = raw.get_or_insert(Raw {
                        ty: None,
                        first: i,
                        last: i,
                        tags: Vec::new(),
                        broken: false,
                    });
                    r.tags.push((code, value.to_string(), i));
                    r.last = i;
                    r.broken = false;
                }
                None if line.text.trim().is_empty() => {
                    if let Some(r) = raw.as_mut() {
                        r.broken = true;
                    }
                }
                None if raw.as_ref().is_some_and(|r| r.broken) => {
                    out.diagnostics.push(self.diag(
                        Severity::Warning,
                        "ris-dropped",
                        format!(
                            "untagged line after a blank line continues no value; dropped: `{}`",
                            shorten(line.text.trim(), 60)
                        ),
                        line,
                    ));
                }
                None => match raw
                    .as_mut()
                    .and_then(|r| r.tags.last_mut().map(|t| (t, &mut r.last)))
                {
                    Some(((code, value, _), last)) => {
                        let more = line.text.trim();
                        let sep = match role(code) {
                            Some(Role::Paragraphs(_)) => "\n",
                            Some(Role::Keywords) => "\n",
                            _ => " ",
                        };
                        if !value.is_empty() {
                            value.push_str(sep);
                        }
                        value.push_str(more);
                        *last = i;
                    }
                    None => {
                        let o = outside.get_or_insert((i, 0));
                        o.1 += 1;
                    }
                },
            }
        }
        if let Some(r) = raw.take() {
            if r.ty.is_some() {
                out.diagnostics.push(self.diag(
                    Severity::Warning,
                    "ris-missing-end",
                    "record has no `ER` line; it ends at the end of the input",
                    &lines[r.first],
                ));
            }
            self.finish(r, false, &lines, keys, &mut out);
        }
        if let Some((first, n)) = outside {
            let line = &lines[first];
            out.diagnostics.push(self.diag(
                Severity::Info,
                "ris-outside-record",
                format!(
                    "{n} line{} outside records skipped, the first `{}`",
                    if n == 1 { "" } else { "s" },
                    shorten(line.text.trim(), 60)
                ),
                line,
            ));
        }
        out.diagnostics.sort_by_key(|d| d.span.start);
        out
    }

    fn diag(
        &self,
        severity: Severity,
        rule: &'static str,
        message: impl Into<String>,
        line: &Line<'_>,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(severity, rule, message).at_line_col(
            Span::new(line.start, line.start + line.text.len()),
            line.number,
            1,
        );
        d.file = self.file.clone();
        d
    }

    /// Lowers one record into an entry (or reports it when it has no type).
    fn finish(
        &self,
        r: Raw<'_>,
        ended: bool,
        lines: &[Line<'_>],
        keys: &mut KeyGenerator,
        out: &mut Parsed,
    ) {
        let Some((ty, ty_line)) = r.ty else {
            let tags: Vec<&str> = r.tags.iter().map(|t| t.0).take(5).collect();
            let tags = tags.join(", ");
            // Ended by `ER`, it is a record without its type; else tag lines between
            // records (Ovid puts some after a record's `ER`).
            let d = if ended {
                self.diag(
                    Severity::Error,
                    "ris-no-type",
                    format!(
                        "record without a `TY` line ({tags}…) skipped; every record starts with `TY  - ` and its type"
                    ),
                    &lines[r.first],
                )
            } else {
                self.diag(
                    Severity::Warning,
                    "ris-dropped",
                    format!("tag lines outside a record ({tags}…) dropped"),
                    &lines[r.first],
                )
            };
            out.diagnostics.push(d);
            return;
        };
        let mut diags = Vec::new();
        let code = ty.trim().to_ascii_uppercase();
        let code: String = if TYPES.iter().any(|(c, _)| *c == code) {
            code
        } else if let Some((_, c)) = TYPE_NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(ty.trim()))
        {
            diags.push(self.diag(
                Severity::Info,
                "ris-guessed",
                format!("type `{ty}` is not a RIS code; read as `{c}`"),
                &lines[ty_line],
            ));
            (*c).to_string()
        } else {
            diags.push(self.diag(
                Severity::Info,
                "ris-guessed",
                format!("unknown type `{ty}`; read as `GEN` (misc)"),
                &lines[ty_line],
            ));
            "GEN".to_string()
        };
        let kind = TYPES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or("misc", |(_, k)| *k);
        let mut e = Entry::new(String::new(), kind);
        match code.as_str() {
            "INPR" => e.set("pubstate", Value::text("inpress")),
            "MGZN" => e.set("entrysubtype", Value::text("magazine")),
            "NEWS" => e.set("entrysubtype", Value::text("newspaper")),
            _ => {}
        }
        let part = PARTS.contains(&code.as_str());
        let mut lowering = Lowering {
            reader: self,
            lines,
            entry: e,
            diags,
            names: Vec::new(),
            keywords: Vec::new(),
            date: None,
            pages: (None, None),
        };
        for (tag, value, at) in &r.tags {
            lowering.tag(tag, value, *at, part, &code);
        }
        let (mut e, diags) = lowering.done();
        e.origin = Some(Origin {
            file: self.file.clone(),
            span: Span::new(
                lines[r.first].start,
                lines[r.last].start + lines[r.last].text.len(),
            ),
            line: lines[r.first].number,
            column: 1,
        });
        e.key = keys.generate(&e);
        let key = e.key.clone();
        out.diagnostics
            .extend(diags.into_iter().map(|d| d.with_key(key.clone())));
        out.bibliography.entries.push(e);
    }
}

/// The lines of `text` (without a byte-order mark and line ends), each with its tag
/// and value when it is a tag line.
fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, raw) in text.split('\n').enumerate() {
        let t = raw.strip_suffix('\r').unwrap_or(raw);
        // A byte-order mark, also after leading blanks (` \u{feff}`).
        let lead = t.len() - t.trim_start_matches([' ', '\u{feff}']).len();
        let (start_here, t) = if t[..lead].contains('\u{feff}') {
            (start + lead, &t[lead..])
        } else {
            (start, t)
        };
        lines.push(Line {
            number: i as u32 + 1,
            start: start_here,
            text: t,
            tagged: split_tag(t),
        });
        start += raw.len() + 1;
    }
    lines
}

/// A page tag's value and its line.
type Page = (String, usize);

/// One record being lowered into an entry.
struct Lowering<'r, 'a> {
    reader: &'r RisReader,
    lines: &'r [Line<'a>],
    entry: Entry,
    diags: Vec<Diagnostic>,
    /// Name lists by field, in the order they first come.
    names: Vec<(&'static str, NameList)>,
    keywords: Vec<String>,
    /// The date, and the tag it came from.
    date: Option<(DatePart, &'a str)>,
    /// `SP` and `EP`, with their lines.
    pages: (Option<Page>, Option<Page>),
}

impl<'a> Lowering<'_, 'a> {
    fn report(&mut self, severity: Severity, rule: &'static str, at: usize, message: String) {
        let d = self.reader.diag(severity, rule, message, &self.lines[at]);
        self.diags.push(d);
    }

    fn tag(&mut self, tag: &'a str, value: &str, at: usize, part: bool, code: &str) {
        // (NFC only where it can change something.)
        let normalised: std::borrow::Cow<'_, str> =
            if value.is_ascii() || unicode_normalization::is_nfc(value) {
                std::borrow::Cow::Borrowed(value)
            } else {
                std::borrow::Cow::Owned(value.nfc().collect())
            };
        let value = normalised.trim();
        // An empty value (`N2  -`) says nothing.
        if value.is_empty() {
            return;
        }
        let Some(role) = role(tag) else {
            let what = tag_name(tag);
            self.report(
                Severity::Warning,
                "ris-dropped",
                at,
                format!(
                    "`{tag}` ({what}) has no place in the model; dropped: `{}`",
                    shorten(value, 60)
                ),
            );
            return;
        };
        let kind = self.entry.kind.clone();
        match role {
            Role::Field(f) => self.field(tag, f, Value::text(value), at),
            Role::Paragraphs(f) => self.field(tag, f, Value::text(value), at),
            Role::Names(f) => {
                let name = parse_name(value);
                if name.to_string().trim().is_empty() {
                    self.report(
                        Severity::Warning,
                        "ris-dropped",
                        at,
                        format!("`{tag}`: `{value}` names nobody; dropped"),
                    );
                    return;
                }
                match self.names.iter_mut().find(|(g, _)| *g == f) {
                    Some((_, list)) => list.names.push(name),
                    None => self.names.push((
                        f,
                        NameList {
                            names: vec![name],
                            truncated: false,
                        },
                    )),
                }
            }
            Role::Keywords => self.keywords.extend(
                value
                    .split('\n')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_string),
            ),
            Role::Date => self.date(tag, value, at),
            Role::AccessDate => match parse_date(value) {
                Some((d, guessed)) => {
                    if guessed {
                        self.guessed(
                            at,
                            format!("date `{value}` read as {}", Date::Single(d.clone())),
                        );
                    }
                    self.field(tag, "urldate", Value::date(Date::Single(d)), at);
                }
                None => self.unread_date(tag, value, at),
            },
            Role::StartPage => self.page(0, tag, value, at),
            Role::EndPage => self.page(1, tag, value, at),
            Role::Doi => self.field(tag, "doi", Value::Verbatim(doi(value).to_string()), at),
            Role::Url => {
                let mut urls = value
                    .split(|c: char| c.is_whitespace() || c == ';')
                    .filter(|u| !u.is_empty());
                if let Some(u) = urls.next() {
                    self.field(tag, "url", Value::Verbatim(u.to_string()), at);
                }
                let rest: Vec<&str> = urls.collect();
                if !rest.is_empty() {
                    self.report(
                        Severity::Warning,
                        "ris-dropped",
                        at,
                        format!("`{tag}`: one URL is kept; dropped: {}", rest.join(" ")),
                    );
                }
            }
            Role::SerialNumber => {
                for n in value
                    .split(['\n', ';', ','])
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                {
                    let book = matches!(
                        kind.as_str(),
                        "book" | "collection" | "reference" | "incollection"
                    );
                    let field = match serial_kind(n) {
                        Some(f) => f,
                        None => {
                            let f = if book { "isbn" } else { "issn" };
                            self.guessed(
                                at,
                                format!(
                                    "`SN` `{n}` is neither an ISBN nor an ISSN; kept as the {f}"
                                ),
                            );
                            f
                        }
                    };
                    self.field(tag, field, Value::text(n), at);
                }
            }
            Role::Container => {
                let f = if matches!(kind.as_str(), "article" | "periodical") {
                    "journaltitle"
                } else if part {
                    "booktitle"
                } else {
                    "series"
                };
                self.field(tag, f, Value::text(value), at);
            }
            Role::Journal => {
                let has = self.has("journaltitle");
                self.field(
                    tag,
                    if has { "shortjournal" } else { "journaltitle" },
                    Value::text(value),
                    at,
                );
            }
            Role::ShortJournal => self.field(tag, "shortjournal", Value::text(value), at),
            Role::BookTitle => {
                let whole = matches!(kind.as_str(), "book" | "collection") || code == "BOOK";
                let f = if whole { "title" } else { "booktitle" };
                self.field(tag, f, Value::text(value), at);
            }
            Role::Type | Role::End => {}
        }
    }

    fn has(&self, name: &str) -> bool {
        self.entry.fields.iter().any(|f| f.name == name)
    }

    fn guessed(&mut self, at: usize, message: String) {
        self.report(Severity::Info, "ris-guessed", at, message);
    }

    /// Sets `name` unless the record has it already: then a different value is reported.
    fn field(&mut self, tag: &str, name: &str, value: Value, at: usize) {
        match self.entry.fields.iter().find(|f| f.name == name) {
            None => self.entry.set(name, value),
            Some(old) if old.value.to_plain_string() == value.to_plain_string() => {}
            Some(old) => {
                let old = old.value.to_plain_string();
                self.report(
                    Severity::Warning,
                    "ris-dropped",
                    at,
                    format!(
                        "`{tag}`: the record's {name} is `{}`; dropped: `{}`",
                        shorten(&old, 40),
                        shorten(&value.to_plain_string(), 60)
                    ),
                );
            }
        }
    }

    fn date(&mut self, tag: &'a str, value: &str, at: usize) {
        let Some((d, guessed)) = parse_date(value) else {
            return self.unread_date(tag, value, at);
        };
        if guessed {
            self.guessed(
                at,
                format!("date `{value}` read as {}", Date::Single(d.clone())),
            );
        }
        match &self.date {
            None => self.date = Some((d, tag)),
            // A later tag that says more of the same date (`PY  - 2013`, `DA  -
            // 2013/07/28`) refines it.
            Some((old, _)) if refines(old, &d) => self.date = Some((d, tag)),
            Some((old, _)) if refines(&d, old) || *old == d => {}
            Some((old, first)) => {
                let (old, first) = (Date::Single(old.clone()), *first);
                self.report(
                    Severity::Warning,
                    "ris-dropped",
                    at,
                    format!(
                        "`{tag}`: the record's date is {old} (from `{first}`); dropped: `{value}`"
                    ),
                );
            }
        }
    }

    fn unread_date(&mut self, tag: &str, value: &str, at: usize) {
        self.report(
            Severity::Warning,
            "ris-dropped",
            at,
            format!(
                "`{tag}`: `{}` is not a date bibkit can read; dropped",
                shorten(value, 60)
            ),
        );
    }

    fn page(&mut self, end: usize, tag: &str, value: &str, at: usize) {
        let slot = if end == 0 {
            &mut self.pages.0
        } else {
            &mut self.pages.1
        };
        match slot {
            None => *slot = Some((value.to_string(), at)),
            Some((old, _)) if old == value => {}
            Some((old, _)) => {
                let old = old.clone();
                self.report(
                    Severity::Warning,
                    "ris-dropped",
                    at,
                    format!("`{tag}`: the record's page is `{old}`; dropped: `{value}`"),
                );
            }
        }
    }

    /// The entry, with its names, keywords, date and pages, and what was said about it.
    fn done(mut self) -> (Entry, Vec<Diagnostic>) {
        let names = std::mem::take(&mut self.names);
        for (f, list) in names {
            self.entry.set(f, Value::Names(list));
        }
        if !self.keywords.is_empty() {
            let k = super::join_keywords(std::mem::take(&mut self.keywords));
            self.entry.set("keywords", Value::text(k));
        }
        if let Some((d, _)) = self.date.take() {
            self.entry.set("date", Value::date(Date::Single(d)));
        }
        let pages = match std::mem::take(&mut self.pages) {
            (Some((s, _)), Some((e, _))) if !s.contains(['-', '–']) => Some(format!("{s}–{e}")),
            (Some((s, _)), Some((e, at))) => {
                self.report(
                    Severity::Warning,
                    "ris-dropped",
                    at,
                    format!("`EP`: the start page `{s}` is already a range; dropped: `{e}`"),
                );
                Some(dash_range(&s))
            }
            (Some((s, _)), None) => Some(dash_range(&s)),
            (None, Some((e, _))) => Some(e),
            (None, None) => None,
        };
        if let Some(p) = pages {
            self.entry.set("pages", Value::text(p));
        }
        if self.entry.kind == "article"
            && self.entry.fields.iter().all(|f| f.name != "journaltitle")
        {
            if let Some(i) = self.entry.fields.iter().position(|f| f.name == "series") {
                self.entry.fields[i].name = "journaltitle".into();
            }
        }
        (self.entry, self.diags)
    }
}

/// `12-34` and `12--34` as `12–34`, the range the model keeps (anything else as it is).
fn dash_range(p: &str) -> String {
    let simple =
        |x: &str| !x.is_empty() && !x.contains(|c: char| c.is_whitespace() || c == '-' || c == '–');
    for sep in ["--", "-"] {
        if let Some((a, b)) = p.split_once(sep) {
            let (a, b) = (a.trim(), b.trim());
            if simple(a) && simple(b) {
                return format!("{a}–{b}");
            }
        }
    }
    p.to_string()
}

/// Whether `b` says all `a` says and more (a month or day `a` lacks).
fn refines(a: &DatePart, b: &DatePart) -> bool {
    a.year == b.year
        && (a.month.is_none() || a.month == b.month)
        && (a.day.is_none() || a.day == b.day)
        && (a.month.is_none() && b.month.is_some() || a.day.is_none() && b.day.is_some())
}

/// A DOI without its resolver or `doi:` prefix.
pub(crate) fn doi(value: &str) -> &str {
    let v = value.trim();
    for p in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
        "DOI:",
        "doi: ",
        "DOI ",
    ] {
        if let Some(rest) = v.strip_prefix(p) {
            return rest.trim();
        }
    }
    v
}

/// `isbn` or `issn`, when `n` (hyphens, spaces and a note in parentheses aside) has the
/// digits of one.
fn serial_kind(n: &str) -> Option<&'static str> {
    let core = n.split('(').next().unwrap_or(n);
    let digits: Vec<char> = core
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
        .collect();
    let clean = core
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x' | '-' | ' '));
    match (clean, digits.len()) {
        (true, 8) => Some("issn"),
        (true, 10 | 13) => Some("isbn"),
        _ => None,
    }
}

/// A RIS date: `YYYY/MM/DD/other` (any part empty), else a date in free text (then
/// `true`: it was guessed).
fn parse_date(s: &str) -> Option<(DatePart, bool)> {
    let s = s.trim();
    let parts: Vec<&str> = s.split('/').map(str::trim).collect();
    let num = |x: &str| -> Option<Option<u32>> {
        if x.is_empty() {
            Some(None)
        } else if x.len() <= 4 && x.bytes().all(|b| b.is_ascii_digit()) {
            x.parse().ok().map(Some)
        } else {
            None
        }
    };
    if parts.len() <= 4 && parts[0].len() == 4 {
        if let (Some(Some(y)), Some(m), Some(d)) = (
            num(parts[0]),
            parts.get(1).map_or(Some(None), |x| num(x)),
            parts.get(2).map_or(Some(None), |x| num(x)),
        ) {
            let other = parts.get(3).copied().unwrap_or("");
            // (`00` for a month or day not known.)
            let m = m.and_then(|m| u8::try_from(m).ok()).filter(|&m| m > 0);
            let d = d.and_then(|d| u8::try_from(d).ok()).filter(|&d| d > 0);
            if let Some(p) = crate::date::checked(i64::from(y), m, d.filter(|_| m.is_some())) {
                if other.is_empty() {
                    return Some((p, false));
                }
                // `2004///Spring`: the free part says the season or month.
                if m.is_none() {
                    if let Some(Date::Single(q)) = crate::date::parse_free(&format!("{other} {y}"))
                    {
                        return Some((q, true));
                    }
                }
                return Some((p, true));
            }
        }
    }
    // Free text, when it has a year of four digits (`99` is not a year to guess).
    let four = s
        .as_bytes()
        .windows(4)
        .any(|w| w.iter().all(u8::is_ascii_digit));
    match crate::date::parse(s).filter(|_| four) {
        Some(Date::Single(p)) => {
            // ISO dates are as sure as RIS's own form.
            let iso = s.len() >= 4 && s.bytes().all(|b| b.is_ascii_digit() || b == b'-');
            Some((p, !iso))
        }
        _ => None,
    }
}

/// A RIS name: `Family, Given, Suffix` (a lowercase start of the family part is its
/// particle: `van der Berg, Jan`), or given names first when there is no comma.
pub(crate) fn parse_name(value: &str) -> Name {
    let v = value
        .trim_end_matches(|c: char| c == ',' || c.is_whitespace())
        .trim_start();
    let mut parts = v.splitn(3, ',').map(str::trim);
    let family_part = parts.next().unwrap_or("");
    let Some(given) = parts.next() else {
        return Name::Person(crate::name::parse_given_first(v));
    };
    let suffix = parts.next().unwrap_or("");
    let words: Vec<&str> = family_part.split_whitespace().collect();
    let lead = words
        .iter()
        .take(words.len().saturating_sub(1))
        .take_while(|w| crate::name::starts_lowercase(w))
        .count();
    Name::Person(Person::new(
        given,
        words[..lead].join(" "),
        words[lead..].join(" "),
        suffix,
    ))
}

/// Reads RIS text (see [`RisReader`]).
pub fn read(text: &str) -> Parsed {
    RisReader::new().read(text)
}

/// The RIS type an entry is written as, and whether that says less than its type
/// (`manual` as `GEN`).
fn ris_type(e: &Entry) -> (&'static str, bool) {
    let plain = |f: &str| {
        e.fields
            .iter()
            .find(|x| x.name == f)
            .map(|x| x.value.to_plain_string().to_ascii_lowercase())
    };
    let ty = match e.kind.as_str() {
        "article" => match plain("entrysubtype").as_deref() {
            Some("magazine") => "MGZN",
            Some("newspaper") => "NEWS",
            _ if plain("pubstate").as_deref() == Some("inpress") => "INPR",
            _ => "JOUR",
        },
        "book" | "mvbook" => "BOOK",
        "inbook" | "incollection" | "bookinbook" | "suppbook" | "suppcollection" => "CHAP",
        "collection" | "mvcollection" => "EDBOOK",
        "proceedings" | "mvproceedings" => "CONF",
        "inproceedings" | "conference" => "CPAPER",
        "thesis" | "phdthesis" | "mastersthesis" => "THES",
        "report" | "techreport" => "RPRT",
        "unpublished" => "UNPB",
        "online" | "electronic" | "www" => "ELEC",
        "patent" => "PAT",
        "software" => "COMP",
        "dataset" => "DATA",
        "booklet" => "PAMP",
        "periodical" | "suppperiodical" => "JFULL",
        "reference" | "mvreference" | "inreference" => "ENCYC",
        "standard" => "STAND",
        "legislation" => "STAT",
        "jurisdiction" => "CASE",
        "legal" => "LEGAL",
        "letter" => "PCOMM",
        "video" | "movie" => "VIDEO",
        "audio" => "SOUND",
        "music" => "MUSIC",
        "artwork" => "ART",
        "image" => "FIGURE",
        "misc" => "GEN",
        _ => return ("GEN", true),
    };
    (ty, false)
}

/// Fields the writer writes through the type or with another field (not dropped).
const SAID_BY_TYPE: &[&str] = &["entrysubtype", "pubstate", "editoratype"];

/// Writes one entry as a RIS record (ending in its `ER  - ` line). Returns the
/// fields RIS has no tag for (they are not written), and whether the type said less
/// than the entry's (`manual` written as `GEN`), for the loss report.
///
/// ```
/// use bibkit::model::{Entry, Value};
/// let mut e = Entry::new("k", "inproceedings");
/// e.set("title", Value::text("Graph Hashing"));
/// e.set("booktitle", Value::text("Proc. VLDB"));
/// e.set("eprint", Value::Verbatim("2101.00001".into()));
/// let mut out = String::new();
/// let (dropped, _) = bibkit::formats::ris::write_entry(&mut out, &e);
/// assert_eq!(out, "TY  - CPAPER\nTI  - Graph Hashing\nT2  - Proc. VLDB\nER  - \n");
/// assert_eq!(dropped, ["eprint"]);
/// ```
pub fn write_entry(out: &mut String, e: &Entry) -> (Vec<String>, bool) {
    let (ty, less) = ris_type(e);
    let part = PARTS.contains(&ty);
    line(out, "TY", ty);
    let mut dropped = Vec::new();
    let get = |f: &str| e.fields.iter().find(|x| x.name == f).map(|x| &x.value);
    let order = [
        "title",
        "shorttitle",
        "author",
        "editor",
        "editora",
        "translator",
        "journaltitle",
        "booktitle",
        "shortjournal",
        "series",
        "date",
        "urldate",
        "volume",
        "number",
        "pages",
        "volumes",
        "edition",
        "publisher",
        "institution",
        "location",
        "isbn",
        "issn",
        "doi",
        "url",
        "language",
        "type",
        "label",
        "keywords",
        "abstract",
        "note",
        "annotation",
    ];
    for name in order {
        let Some(v) = get(name) else { continue };
        let text = || v.to_plain_string();
        match name {
            "title" => line(out, "TI", &text()),
            "shorttitle" => line(out, "ST", &text()),
            "author" | "editor" | "editora" | "translator" => {
                let tag = match name {
                    "author" => "AU",
                    "editor" => "A2",
                    "editora" => "A3",
                    _ => "A4",
                };
                match v {
                    Value::Names(list) => {
                        for n in &list.names {
                            line(out, tag, &name_text(n));
                        }
                    }
                    other => line(out, tag, &other.to_plain_string()),
                }
            }
            // `T2` is read by the type: the journal of an article, the book of a part.
            "journaltitle" => {
                let journal = matches!(ty, "JOUR" | "MGZN" | "NEWS" | "INPR" | "JFULL");
                line(out, if journal { "T2" } else { "JO" }, &text());
            }
            "booktitle" => {
                if part {
                    line(out, "T2", &text());
                } else if matches!(ty, "BOOK" | "EDBOOK") {
                    dropped.push(name.to_string());
                } else {
                    line(out, "BT", &text());
                }
            }
            "shortjournal" => line(out, "J2", &text()),
            "series" => line(out, "T3", &text()),
            "date" => match v {
                Value::Date(d) => {
                    let start = d.start().cloned();
                    match start {
                        Some(p) => {
                            line(out, "PY", &format!("{:04}", p.year));
                            if p.month.is_some() {
                                line(out, "DA", &ris_date(&p));
                            }
                            if !matches!(**d, Date::Single(_)) {
                                dropped.push("date (its end)".to_string());
                            }
                        }
                        None => dropped.push(name.to_string()),
                    }
                }
                other => line(out, "PY", &other.to_plain_string()),
            },
            "urldate" => match v {
                Value::Date(d) => match d.start() {
                    Some(p) => line(out, "Y2", &ris_date(p)),
                    None => dropped.push(name.to_string()),
                },
                other => line(out, "Y2", &other.to_plain_string()),
            },
            "volume" => line(out, "VL", &text()),
            "number" => line(out, "IS", &text()),
            "pages" => {
                let p = text();
                match p
                    .split_once(['–', '—'])
                    .or_else(|| p.split_once("--"))
                    .or_else(|| p.split_once('-'))
                {
                    // (Split only where reading joins them again.)
                    Some((a, b))
                        if !a.trim().is_empty()
                            && !a.contains(['-', '–'])
                            && !b.trim().is_empty()
                            && !b.trim().starts_with(['-', '–']) =>
                    {
                        line(out, "SP", a.trim());
                        line(out, "EP", b.trim());
                    }
                    _ => line(out, "SP", &p),
                }
            }
            "volumes" => line(out, "NV", &text()),
            "edition" => line(out, "ET", &text()),
            "publisher" => line(out, "PB", &text()),
            "institution" => {
                if get("publisher").is_some() {
                    dropped.push(name.to_string());
                } else {
                    line(out, "PB", &text());
                }
            }
            "location" => line(out, "CY", &text()),
            "isbn" | "issn" => line(out, "SN", &text()),
            "doi" => line(out, "DO", &text()),
            "url" => line(out, "UR", &text()),
            "language" => line(out, "LA", &text()),
            "type" => line(out, "M3", &text()),
            "label" => line(out, "LB", &text()),
            "keywords" => {
                for k in super::split_keywords(&text()) {
                    line(out, "KW", &k);
                }
            }
            "abstract" => paragraphs(out, "AB", &text()),
            "note" => paragraphs(out, "N1", &text()),
            "annotation" => paragraphs(out, "RN", &text()),
            _ => {}
        }
    }
    for f in &e.fields {
        if !order.contains(&f.name.as_ref()) && !SAID_BY_TYPE.contains(&f.name.as_ref()) {
            dropped.push(f.name.to_string());
        }
    }
    out.push_str("ER  - \n");
    (dropped, less)
}

/// The loss report of writing `e` as RIS: one warning (`ris-not-written`) naming the
/// fields [`write_entry`] had no tag for, a note when its type became a wider one or an
/// organisation will read back as a person, and the ORCIDs and affiliations RIS cannot
/// hold ([`super::person_details_lost`]).
pub fn losses(e: &Entry, dropped: &[String], less: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let at = |d: Diagnostic| d.at_entry(e);
    if less {
        out.push(at(Diagnostic::new(
            Severity::Info,
            "ris-not-written",
            format!("RIS has no type `{}`; written as `GEN`", e.kind),
        )));
    }
    // RIS has no mark for an organisation: `AU  - Example Group` reads back as a person
    // (given `Example`, family `Group`), as every RIS reader takes it.
    let orgs: Vec<String> = e
        .fields
        .iter()
        .filter_map(|f| match &f.value {
            crate::model::Value::Names(list) => Some(list),
            _ => None,
        })
        .flat_map(|list| &list.names)
        .filter_map(|n| match n {
            Name::Literal(s) if s.contains(|c: char| c.is_whitespace() || c == ',') => {
                Some(format!("`{s}`"))
            }
            _ => None,
        })
        .collect();
    if !orgs.is_empty() {
        out.push(at(Diagnostic::new(
            Severity::Info,
            "ris-not-written",
            format!(
                "RIS cannot mark {} as an organisation; written as is, it reads back as a person's name",
                orgs.join(", ")
            ),
        )));
    }
    if !dropped.is_empty() {
        out.push(at(Diagnostic::new(
            Severity::Warning,
            "ris-not-written",
            format!(
                "RIS has no tag for {}; not written",
                dropped
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )));
    }
    // Nor has it a tag for a person's ORCID or affiliation.
    out.extend(super::person_details_lost(e, "RIS"));
    out
}

/// `YYYY/MM/DD/` with the parts known.
fn ris_date(p: &DatePart) -> String {
    match (p.month, p.day) {
        (Some(m), Some(d)) => format!("{:04}/{m:02}/{d:02}/", p.year),
        (Some(m), None) => format!("{:04}/{m:02}//", p.year),
        _ => format!("{:04}///", p.year),
    }
}

/// A name as `Family, Given, Suffix`.
fn name_text(n: &Name) -> String {
    match n {
        Name::Literal(s) => s.clone(),
        Name::Person(p) => {
            let mut s = p.family_with_particle();
            if !p.given.is_empty() || !p.suffix.is_empty() {
                s.push_str(", ");
                s.push_str(&p.given);
            }
            if !p.suffix.is_empty() {
                s.push_str(", ");
                s.push_str(&p.suffix);
            }
            s
        }
    }
}

/// One tag line; line breaks in the value become spaces.
fn line(out: &mut String, tag: &str, value: &str) {
    out.push_str(tag);
    out.push_str("  - ");
    let mut first = true;
    for w in value.split_whitespace() {
        if !first {
            out.push(' ');
        }
        out.push_str(w);
        first = false;
    }
    out.push('\n');
}

/// A tag whose value keeps its line breaks: the lines after the first are continuation
/// lines, indented so that none reads as a tag.
fn paragraphs(out: &mut String, tag: &str, value: &str) {
    let mut lines = value.lines().map(str::trim).filter(|l| !l.is_empty());
    line(out, tag, lines.next().unwrap_or(""));
    for l in lines {
        out.push(' ');
        for w in l.split_whitespace() {
            out.push(' ');
            out.push_str(w);
        }
        out.push('\n');
    }
}

/// Writes a whole bibliography as RIS (records apart by a blank line).
///
/// ```
/// let bib = bibkit::formats::bibtex::read("@book{k, author = {van der Berg, Jan}, title = {Dikes}, year = 2001, isbn = {0-201-13447-0}}").bibliography;
/// assert_eq!(
///     bibkit::formats::ris::to_string(&bib),
///     "TY  - BOOK\nTI  - Dikes\nAU  - van der Berg, Jan\nPY  - 2001\nSN  - 0-201-13447-0\nER  - \n"
/// );
/// ```
pub fn to_string(bib: &Bibliography) -> String {
    let mut out = String::new();
    for (i, e) in bib.entries.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        write_entry(&mut out, e);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bare_er_line_ends_the_record() {
        let parsed =
            super::read("TY  - COMP\nTI  - cffconvert\nER\nTY  - JOUR\nTI  - Next\nER  - \n");
        let titles: Vec<String> = parsed
            .bibliography
            .entries
            .iter()
            .map(|e| e.get("title").unwrap().to_plain_string())
            .collect();
        assert_eq!(titles, ["cffconvert", "Next"]);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    }
}
