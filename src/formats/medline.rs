//! MEDLINE, PubMed's tagged text format (`.nbib`, "MEDLINE" downloads, and the ERIC and
//! PubMed Central exports in the same syntax): a reader.
//!
//! A line is a tag, padded with spaces to four characters, a hyphen and a space, and the
//! value (`PMID- 123`, `TI  - A title`); lines indented by spaces continue the value
//! before them (joined with a space); records are apart by blank lines. The reader also
//! takes what exports really hold: a byte-order mark, CRLF line ends, blank lines before
//! the first record, tags without their space (`PMID-22664220`) or longer ones (ERIC's
//! `ISSN - `), and a record that starts with `PMC - ` instead of `PMID- `.
//!
//! What each tag becomes:
//!
//! * `FAU` (`Family, Given`) and `AU` (`Family GI`) are one author (`FAU` preferred);
//!   `AD` affiliations and `AUID- ORCID: …` go to the author they follow; `CN` is an
//!   organisation among the authors; `FED`/`ED` are editors, paired the same way.
//! * `TI` the title (several joined), `BTI` the book's title, `CTI` the series, `JT`/`TA`
//!   the journal and its abbreviation, `VI`, `IP`, `PG` (`454-81` is pages 454–481),
//!   `LID`/`AID` the DOI (`[doi]`), or the article number, `DP` the date (`2019 Mar-Apr`,
//!   `2019 Spring`, `2018 Dec-2019 Jan` as EDTF dates and ranges), `PT` the entry type,
//!   `AB` the abstract (paragraphs), `MH`/`OT` keywords, `PMID`, `PMC`, `IS` the ISSN (the
//!   linking one, else the print one), `ISBN`, `LA`, `GR` funding, `PL` the location,
//!   `PB` the publisher, `GN` a note.
//!
//! Nothing is dropped without a diagnostic: the tags the model has no place for (`OWN`,
//! `STAT`, `PHST`, `SO`, …) and values kept in place of others are listed, with their
//! lines, in one `medline-dropped` warning per record; a type or date read by a guess is
//! `medline-guessed`; input with text but no record at all is `medline-no-record` (an
//! error). Entries get generated keys (`familyYEARword`).
//!
//! ```
//! let parsed = bibkit::formats::medline::read(
//!     "PMID- 20481061\nDP  - 2009 Mar-Apr\nTI  - From danger and motherhood to health and\n      beauty.\nPG  - 454-81\nFAU - Long, Vicky\nAU  - Long V\nAD  - University of Manchester.\nPT  - Journal Article\nJT  - 20 century British history\n",
//! );
//! let e = &parsed.bibliography.entries[0];
//! assert_eq!(e.kind, "article");
//! assert_eq!(e.key, "long2009danger");
//! assert_eq!(e.title().as_deref(), Some("From danger and motherhood to health and beauty."));
//! assert_eq!(e.get("date").unwrap().to_string(), "2009-03/2009-04");
//! assert_eq!(e.get("pages").unwrap().to_string(), "454–481");
//! let bibkit::model::Name::Person(p) = &e.authors().unwrap().names[0] else { panic!() };
//! assert_eq!((p.family.as_str(), p.given.as_str()), ("Long", "Vicky"));
//! assert_eq!(p.affiliation, "University of Manchester.");
//! assert!(parsed.diagnostics.is_empty());
//! ```

use super::shorten;
use std::borrow::Cow;
use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;

use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::Parsed;
use crate::fxhash::FxHashSet;
use crate::keys::KeyGenerator;
use crate::model::{Date, DatePart, Entry, Name, NameList, Origin, Person, RangeEnd, Span, Value};

/// One line of the input: its number (1-based), where it starts and its text (without the
/// line end).
#[derive(Clone, Copy)]
pub(crate) struct Line<'a> {
    pub(crate) number: u32,
    pub(crate) start: usize,
    pub(crate) text: &'a str,
}

/// The lines of `text`, without a byte-order mark and line ends.
pub(crate) fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::with_capacity(text.len() / 48 + 1);
    let mut start = 0;
    for (i, raw) in text.split('\n').enumerate() {
        let t = raw.strip_suffix('\r').unwrap_or(raw);
        let (s, t) = match t.strip_prefix('\u{feff}') {
            Some(rest) => (start + 3, rest),
            None => (start, t),
        };
        lines.push(Line {
            number: i as u32 + 1,
            start: s,
            text: t,
        });
        start += raw.len() + 1;
    }
    lines
}

/// The tag and value of a MEDLINE tag line: a capital, one to three capitals or digits,
/// spaces up to the hyphen (in the fourth or fifth column, or right after the tag when a
/// space or the line end follows the hyphen), and the value after one optional space.
pub(crate) fn split_tag(text: &str) -> Option<(&str, &str)> {
    let b = text.as_bytes();
    if !b.first()?.is_ascii_uppercase() {
        return None;
    }
    let mut i = 1;
    while i < b.len() && i < 4 && (b[i].is_ascii_uppercase() || b[i].is_ascii_digit()) {
        i += 1;
    }
    if i < 2 {
        return None;
    }
    let tag = &text[..i];
    while i < b.len() && b[i] == b' ' && i < 5 {
        i += 1;
    }
    if b.get(i) != Some(&b'-') {
        return None;
    }
    let after = b.get(i + 1).copied();
    if i != 4 && !matches!(after, None | Some(b' ')) {
        return None;
    }
    let value = &text[i + 1..];
    Some((tag, value.strip_prefix(' ').unwrap_or(value)))
}

/// Whether `text` looks like MEDLINE: its first non-blank line is a MEDLINE tag line (not
/// RIS's `TY  - `, and no RIS `TY` line follows).
///
/// ```
/// use bibkit::formats::medline::sniff;
/// assert!(sniff("\nPMID- 28754806\nOWN - NLM\n"));
/// assert!(sniff("OWN - ERIC\nTI  - Paper title\n"));
/// assert!(!sniff("TY  - JOUR\nTI  - A title\nER  - \n"));
/// assert!(!sniff("FN Clarivate Analytics Web of Science\nVR 1.0\n"));
/// assert!(!sniff("SO-something stands here"));
/// ```
pub fn sniff(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}');
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else {
        return false;
    };
    match split_tag(first.trim_start_matches('\u{feff}')) {
        Some((tag, _)) => tag != "TY" && !super::ris::sniff(text),
        None => false,
    }
}

/// Reads MEDLINE (see the module docs). Keys are generated.
#[derive(Debug, Clone, Default)]
pub struct MedlineReader {
    file: Option<Arc<str>>,
}

/// A record's tag lines, each with its value (continuation lines joined in) and the index
/// of its line.
struct Raw<'a> {
    first: usize,
    last: usize,
    tags: Vec<(&'a str, Cow<'a, str>, usize)>,
}

impl MedlineReader {
    /// A reader.
    pub fn new() -> Self {
        MedlineReader::default()
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
        let mut out = Parsed::default();
        let lines = split_lines(text);
        let mut raw: Option<Raw<'_>> = None;
        // Lines outside records: the first, and how many.
        let mut outside: Option<(usize, usize)> = None;
        let mut any_text = false;
        for (i, line) in lines.iter().enumerate() {
            let t = line.text;
            if t.trim().is_empty() {
                if let Some(r) = raw.take() {
                    self.finish(r, &lines, keys, &mut out);
                }
                continue;
            }
            any_text = true;
            if let Some((tag, value)) = split_tag(t) {
                // A second `PMID` without a blank line before it starts the next record.
                if tag == "PMID"
                    && raw
                        .as_ref()
                        .is_some_and(|r| r.tags.iter().any(|x| x.0 == "PMID"))
                {
                    if let Some(r) = raw.take() {
                        self.finish(r, &lines, keys, &mut out);
                    }
                }
                let r = raw.get_or_insert(Raw {
                    first: i,
                    last: i,
                    tags: Vec::new(),
                });
                r.tags.push((tag, Cow::Borrowed(value.trim_end()), i));
                r.last = i;
                continue;
            }
            let more = t.trim();
            match raw.as_mut().and_then(|r| {
                let last = r.last;
                r.tags.last_mut().map(|x| (x, last))
            }) {
                // An indented line continues the value before it.
                Some(((_, value, _), _)) if t.starts_with([' ', '\t']) => {
                    let v = value.to_mut();
                    if !v.is_empty() {
                        v.push(' ');
                    }
                    v.push_str(more);
                    if let Some(r) = raw.as_mut() {
                        r.last = i;
                    }
                }
                _ => {
                    let o = outside.get_or_insert((i, 0));
                    o.1 += 1;
                }
            }
        }
        if let Some(r) = raw.take() {
            self.finish(r, &lines, keys, &mut out);
        }
        if let Some((first, n)) = outside {
            let line = &lines[first];
            out.diagnostics.push(self.diag(
                Severity::Warning,
                "medline-dropped",
                format!(
                    "{n} line{} that {} no tag line and continue{} none dropped, the first `{}`",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" },
                    if n == 1 { "s" } else { "" },
                    shorten(line.text.trim(), 60)
                ),
                line,
            ));
        }
        if any_text && out.bibliography.is_empty() {
            let line = lines
                .iter()
                .find(|l| !l.text.trim().is_empty())
                .copied()
                .unwrap_or(lines[0]);
            out.diagnostics.push(self.diag(
                Severity::Error,
                "medline-no-record",
                "no MEDLINE record: no line is a tag line such as `PMID- 123` or `TI  - A title`",
                &line,
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

    fn finish(&self, r: Raw<'_>, lines: &[Line<'_>], keys: &mut KeyGenerator, out: &mut Parsed) {
        let mut l = Lowering::new(self, lines);
        l.kind_from(&r.tags);
        for (tag, value, at) in &r.tags {
            let value = nfc(value);
            let value = value.trim();
            if !value.is_empty() {
                l.tag(tag, value, *at);
            }
        }
        let (mut e, mut diags) = l.done();
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
        for d in &mut diags {
            d.key = Some(e.key.clone());
        }
        out.diagnostics.extend(diags);
        out.bibliography.entries.push(e);
    }
}

/// `value` in NFC (copied only when that changes something).
pub(crate) fn nfc(value: &str) -> Cow<'_, str> {
    if value.is_ascii() || unicode_normalization::is_nfc(value) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(value.nfc().collect())
    }
}

/// PubMed publication types (lowercase) and the entry types they make, strongest first:
/// a record is the first of these any of its `PT` lines names.
const TYPES: &[(&str, &str)] = &[
    ("book chapter", "incollection"),
    ("chapter", "incollection"),
    ("book", "book"),
    ("books", "book"),
    ("academic dissertation", "thesis"),
    ("dissertation", "thesis"),
    ("thesis", "thesis"),
    ("dissertations/theses", "thesis"),
    ("patent", "patent"),
    ("dataset", "dataset"),
    ("congress", "inproceedings"),
    ("conference proceedings", "inproceedings"),
    ("conference paper", "inproceedings"),
    ("collected papers", "inproceedings"),
    ("legislation", "legislation"),
    ("video-audio media", "video"),
    ("webcast", "video"),
    ("technical report", "report"),
];

/// Publication types of journal items (lowercase): an article, when no type above says
/// otherwise. (ERIC's `Journal Articles` among them.)
const ARTICLE_TYPES: &[&str] = &[
    "journal article",
    "journal articles",
    "review",
    "systematic review",
    "meta-analysis",
    "editorial",
    "letter",
    "comment",
    "news",
    "newspaper article",
    "case reports",
    "clinical trial",
    "randomized controlled trial",
    "controlled clinical trial",
    "observational study",
    "multicenter study",
    "comparative study",
    "evaluation study",
    "validation study",
    "historical article",
    "biography",
    "obituary",
    "interview",
    "lecture",
    "address",
    "introductory journal article",
    "published erratum",
    "retraction of publication",
    "retracted publication",
    "practice guideline",
    "guideline",
    "consensus development conference",
    "consensus development conference, nih",
    "clinical conference",
    "preprint",
    "english abstract",
    "twin study",
    "portrait",
    "autobiography",
    "bibliography",
    "directory",
    "festschrift",
    "classical article",
    "duplicate publication",
    "expression of concern",
    "clinical study",
    "clinical trial protocol",
    "equivalence trial",
    "pragmatic clinical trial",
    "scientific integrity review",
    "research support, n.i.h., extramural",
    "research support, n.i.h., intramural",
    "research support, non-u.s. gov't",
    "research support, u.s. gov't, non-p.h.s.",
    "research support, u.s. gov't, p.h.s.",
    "research support, american recovery and reinvestment act",
    "research support, u.s. gov't",
    "overall",
];

/// Publication types of reports (ERIC's `Reports - Research`, `Reports - Descriptive`,
/// …), when the record is not also a journal article.
fn is_report(pt: &str) -> bool {
    pt.starts_with("reports") || pt == "report" || pt == "government publication"
}

/// One author or editor being read, and the list it is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Author,
    Editor,
}

/// One record being lowered into an entry.
struct Lowering<'r, 'a> {
    reader: &'r MedlineReader,
    lines: &'r [Line<'a>],
    entry: Entry,
    diags: Vec<Diagnostic>,
    authors: Vec<Name>,
    editors: Vec<Name>,
    /// The last name read (its list and index), and whether it came from a full-name tag
    /// (`FAU`, `FED`) still waiting for its short form.
    last: Option<(List, usize, bool)>,
    titles: Vec<String>,
    abstracts: Vec<String>,
    keywords: Vec<String>,
    funding: Vec<String>,
    languages: Vec<String>,
    /// ISSNs with their kind (`print`, `electronic`, `linking`, or empty) and line.
    issns: Vec<(String, String, usize)>,
    /// Tags dropped, each once with its first line, and values not kept.
    dropped: Vec<(String, usize)>,
    first_dropped: Option<usize>,
    /// What `dropped` has already (tags, ids, ISSNs), so that each is said once.
    said: FxHashSet<String>,
}

impl<'r, 'a> Lowering<'r, 'a> {
    fn new(reader: &'r MedlineReader, lines: &'r [Line<'a>]) -> Self {
        Lowering {
            reader,
            lines,
            entry: Entry::new(String::new(), "article"),
            diags: Vec::new(),
            authors: Vec::new(),
            editors: Vec::new(),
            last: None,
            titles: Vec::new(),
            abstracts: Vec::new(),
            keywords: Vec::new(),
            funding: Vec::new(),
            languages: Vec::new(),
            issns: Vec::new(),
            dropped: Vec::new(),
            first_dropped: None,
            said: FxHashSet::default(),
        }
    }

    fn report(&mut self, severity: Severity, rule: &'static str, at: usize, message: String) {
        let d = self.reader.diag(severity, rule, message, &self.lines[at]);
        self.diags.push(d);
    }

    /// Notes a tag (and what of it) as dropped, for the record's one report.
    fn drop_tag(&mut self, what: String, at: usize) {
        if self.first_dropped.is_none() {
            self.first_dropped = Some(at);
        }
        self.dropped.push((what, at));
    }

    /// The entry type, from the record's `PT` lines (and whether it has a journal).
    fn kind_from(&mut self, tags: &[(&str, Cow<'_, str>, usize)]) {
        let mut pts: Vec<(String, usize)> = Vec::new();
        let mut journal = false;
        for (tag, value, at) in tags {
            match *tag {
                "PT" if !value.trim().is_empty() => pts.push((value.trim().to_lowercase(), *at)),
                "JT" | "TA" if !value.trim().is_empty() => journal = true,
                _ => {}
            }
        }
        let strong = TYPES
            .iter()
            .find(|(t, _)| pts.iter().any(|(p, _)| p == t))
            .map(|(_, k)| *k);
        let article = pts.iter().any(|(p, _)| ARTICLE_TYPES.contains(&p.as_str()));
        let report = pts.iter().any(|(p, _)| is_report(p));
        let kind = match strong {
            Some(k) => k,
            None if article => "article",
            None if report => "report",
            None => {
                let unknown: Vec<&str> = pts.iter().map(|(p, _)| p.as_str()).collect();
                let (kind, why) = if journal {
                    ("article", "the record has a journal")
                } else {
                    ("misc", "the record has no journal")
                };
                let at = pts
                    .first()
                    .map(|p| p.1)
                    .or_else(|| tags.first().map(|t| t.2));
                if let Some(at) = at {
                    let message = if unknown.is_empty() {
                        format!("no publication type (`PT`); read as `{kind}`: {why}")
                    } else {
                        format!(
                            "publication type `{}` is not one bibkit knows; read as `{kind}`: {why}",
                            unknown.join("`, `")
                        )
                    };
                    self.report(Severity::Info, "medline-guessed", at, message);
                }
                kind
            }
        };
        self.entry.kind = kind.to_string();
    }

    /// Sets `name` unless the record has it already: then a different value is dropped.
    fn field(&mut self, tag: &str, name: &str, value: Value, at: usize) {
        match self.entry.fields.iter().find(|f| f.name == name) {
            None => self.entry.set(name, value),
            Some(old) if old.value.to_plain_string() == value.to_plain_string() => {}
            Some(_) => {
                let v = shorten(&value.to_plain_string(), 40);
                self.drop_tag(format!("`{tag}` `{v}` (a second {name})"), at);
            }
        }
    }

    fn tag(&mut self, tag: &'a str, value: &str, at: usize) {
        match tag {
            "PMID" => self.field(tag, "pmid", Value::text(value), at),
            "PMC" => self.field(tag, "pmcid", Value::text(value), at),
            "TI" => self.titles.push(value.to_string()),
            "BTI" => {
                let f = if self.entry.kind == "incollection" {
                    "booktitle"
                } else {
                    "title"
                };
                if f == "title" && !self.titles.is_empty() {
                    self.field(tag, "booktitle", Value::text(value), at);
                } else if f == "title" {
                    self.titles.push(value.to_string());
                } else {
                    self.field(tag, f, Value::text(value), at);
                }
            }
            "CTI" => self.field(tag, "series", Value::text(value), at),
            "JT" => self.field(tag, "journaltitle", Value::text(value), at),
            "TA" => self.field(tag, "shortjournal", Value::text(value), at),
            "VI" => self.field(tag, "volume", Value::text(value), at),
            "IP" => self.field(tag, "number", Value::text(value), at),
            "PG" => self.field(tag, "pages", Value::text(expand_pages(value)), at),
            "AB" => self.abstracts.push(value.to_string()),
            "MH" | "OT" => {
                let k: String = value.chars().filter(|&c| c != '*').collect();
                let k = k.trim();
                if !k.is_empty() {
                    self.keywords.push(k.to_string());
                }
            }
            "LA" => {
                if !self.languages.iter().any(|l| l == value) {
                    self.languages.push(value.to_string());
                }
            }
            "GR" => self.funding.push(value.to_string()),
            "PL" => self.field(tag, "location", Value::text(value), at),
            "PB" => self.field(tag, "publisher", Value::text(value), at),
            "GN" => self.field(tag, "note", Value::text(value), at),
            "ISBN" => self.field(tag, "isbn", Value::text(value), at),
            "IS" | "ISSN" => {
                let (number, kind) = match value.split_once('(') {
                    Some((n, k)) => (n.trim(), k.trim_end_matches(')').trim().to_lowercase()),
                    None => (value, String::new()),
                };
                let number = number.strip_prefix("ISSN-").unwrap_or(number).trim();
                if !number.is_empty() {
                    self.issns.push((number.to_string(), kind, at));
                }
            }
            "DP" => self.date(tag, value, at),
            "AID" | "LID" => self.location_id(tag, value, at),
            "FAU" | "FED" => {
                let list = if tag == "FAU" {
                    List::Author
                } else {
                    List::Editor
                };
                self.push_name(list, full_name(value), true);
            }
            "AU" | "ED" => {
                let list = if tag == "AU" {
                    List::Author
                } else {
                    List::Editor
                };
                // The short form of the full name just read.
                if let Some((l, i, true)) = self.last {
                    if l == list {
                        self.last = Some((l, i, false));
                        return;
                    }
                }
                self.push_name(list, short_name(value), false);
            }
            "CN" => self.push_name(List::Author, Name::Literal(value.to_string()), false),
            "AD" => match self.last_person() {
                Some(p) => {
                    if !p.affiliation.is_empty() {
                        p.affiliation.push_str("; ");
                    }
                    p.affiliation.push_str(value);
                }
                None => self.drop_tag(
                    format!("`AD` `{}` (no author before it)", shorten(value, 30)),
                    at,
                ),
            },
            "AUID" => {
                let id = orcid(value);
                match (id, self.last_person()) {
                    (Some(id), Some(p)) if p.orcid.is_empty() => p.orcid = id,
                    _ => self.drop_tag(format!("`AUID` `{}`", shorten(value, 40)), at),
                }
            }
            // The type was read before the tags.
            "PT" => {}
            _ => {
                if self.said.insert(tag.to_string()) {
                    self.drop_tag(tag.to_string(), at);
                }
            }
        }
    }

    fn push_name(&mut self, list: List, name: Name, full: bool) {
        let names = match list {
            List::Author => &mut self.authors,
            List::Editor => &mut self.editors,
        };
        if name.to_string().trim().is_empty() {
            return;
        }
        names.push(name);
        self.last = Some((list, names.len() - 1, full));
    }

    /// The person last read, when it is one (not an organisation).
    fn last_person(&mut self) -> Option<&mut Person> {
        let (list, i, _) = self.last?;
        let names = match list {
            List::Author => &mut self.authors,
            List::Editor => &mut self.editors,
        };
        match names.get_mut(i)? {
            Name::Person(p) => Some(p),
            Name::Literal(_) => None,
        }
    }

    /// `AID`/`LID`: `10.x/y [doi]`, `S0… [pii]`, an article number, a URL.
    fn location_id(&mut self, tag: &str, value: &str, at: usize) {
        let (id, kind) = match value.rsplit_once('[') {
            Some((id, k)) if k.ends_with(']') => (id.trim(), k.trim_end_matches(']').trim()),
            _ => (value, ""),
        };
        let bare = super::ris::doi(id);
        let doi_like = bare.starts_with("10.") && bare.contains('/');
        match kind {
            "doi" => self.field(tag, "doi", Value::Verbatim(bare.to_string()), at),
            "" if doi_like => self.field(tag, "doi", Value::Verbatim(bare.to_string()), at),
            "" if id.starts_with("http://") || id.starts_with("https://") => {
                self.field(tag, "url", Value::Verbatim(id.to_string()), at)
            }
            // `LID - 103640`: the article's number, where it has no pages.
            "" if tag == "LID" && !id.contains(char::is_whitespace) => {
                self.field(tag, "eid", Value::text(id), at)
            }
            "pmc" => self.field(tag, "pmcid", Value::text(id), at),
            _ => {
                // The same id as `AID` and `LID` give is one drop.
                if self.said.insert(value.to_string()) {
                    self.drop_tag(format!("`{tag}` `{}`", shorten(value, 40)), at);
                }
            }
        }
    }

    fn date(&mut self, tag: &str, value: &str, at: usize) {
        let (date, guessed) = match parse_date(value) {
            Some(d) => d,
            None => {
                self.drop_tag(format!("`{tag}` `{}` (not a date)", shorten(value, 30)), at);
                return;
            }
        };
        if guessed {
            self.report(
                Severity::Info,
                "medline-guessed",
                at,
                format!("date `{value}` read as {date}"),
            );
        }
        self.field(tag, "date", Value::date(date), at);
    }

    fn done(mut self) -> (Entry, Vec<Diagnostic>) {
        if !self.titles.is_empty() {
            let mut t = String::new();
            for part in std::mem::take(&mut self.titles) {
                if !t.is_empty() {
                    // Parts after the first are subtitles, unless the one before ends a
                    // sentence.
                    t.push_str(if t.ends_with(['.', ':', '?', '!', ';']) {
                        " "
                    } else {
                        ": "
                    });
                }
                t.push_str(&part);
            }
            // Set first, so that the title leads the fields.
            self.entry.fields.insert(
                0,
                crate::model::Field {
                    name: "title".into(),
                    value: Value::text(t),
                    span: None,
                    inherited: false,
                },
            );
        }
        for (list, field) in [(List::Author, "author"), (List::Editor, "editor")] {
            let names = match list {
                List::Author => std::mem::take(&mut self.authors),
                List::Editor => std::mem::take(&mut self.editors),
            };
            if !names.is_empty() {
                self.entry.set(
                    field,
                    Value::Names(NameList {
                        names,
                        truncated: false,
                    }),
                );
            }
        }
        if !self.abstracts.is_empty() {
            let a = std::mem::take(&mut self.abstracts).join("\n\n");
            self.entry.set("abstract", Value::text(a));
        }
        if !self.keywords.is_empty() {
            let k = super::join_keywords(std::mem::take(&mut self.keywords));
            self.entry.set("keywords", Value::text(k));
        }
        if !self.languages.is_empty() {
            let l = std::mem::take(&mut self.languages).join(" and ");
            self.entry.set("language", Value::text(l));
        }
        if !self.funding.is_empty() {
            let f = std::mem::take(&mut self.funding).join("; ");
            self.entry.set("funding", Value::text(f));
        }
        let issns = std::mem::take(&mut self.issns);
        let rank = |k: &str| match k {
            "linking" => 0,
            "print" => 1,
            "electronic" => 2,
            _ => 3,
        };
        if let Some(best) = issns.iter().min_by_key(|(_, k, _)| rank(k)) {
            let best = best.0.clone();
            for (n, k, at) in &issns {
                if *n != best && self.said.insert(n.clone()) {
                    let k = if k.is_empty() {
                        "another".to_string()
                    } else {
                        format!("the {k}")
                    };
                    self.drop_tag(format!("`IS` `{n}` ({k} ISSN; the issn is `{best}`)"), *at);
                }
            }
            self.entry.set("issn", Value::text(best));
        }
        if let Some(at) = self.first_dropped {
            let list: Vec<String> = self
                .dropped
                .iter()
                .map(|(w, at)| format!("{w} (line {})", self.lines[*at].number))
                .collect();
            let message = format!("dropped, having no place in the model: {}", list.join(", "));
            self.report(Severity::Warning, "medline-dropped", at, message);
        }
        (self.entry, self.diags)
    }
}

/// `454-81` as `454–481`, `1-9` as `1–9`, `e123` as it is.
pub(crate) fn expand_pages(p: &str) -> String {
    let p = p.trim();
    let Some((a, b)) = p.split_once('-') else {
        return p.to_string();
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() || b.is_empty() || b.contains('-') {
        return p.to_string();
    }
    // The end's digits replace the last digits of the start (`454-81`).
    let digits_a = a.len() - a.trim_start_matches(|c: char| !c.is_ascii_digit()).len();
    let prefix_a = &a[..digits_a];
    let num_a = &a[digits_a..];
    let b_prefix_len = b.len() - b.trim_start_matches(|c: char| !c.is_ascii_digit()).len();
    let num_b = &b[b_prefix_len..];
    if !num_a.is_empty()
        && num_a.bytes().all(|c| c.is_ascii_digit())
        && !num_b.is_empty()
        && num_b.bytes().all(|c| c.is_ascii_digit())
        && num_b.len() < num_a.len()
        && (b_prefix_len == 0 || &b[..b_prefix_len] == prefix_a)
    {
        let full = format!("{}{}", &num_a[..num_a.len() - num_b.len()], num_b);
        if full.parse::<u64>().ok() >= num_a.parse::<u64>().ok() {
            return format!("{a}–{prefix_a}{full}");
        }
    }
    format!("{a}–{b}")
}

/// `Family, Given, Suffix` (as RIS writes names).
fn full_name(value: &str) -> Name {
    super::ris::parse_name(value)
}

/// `Family GI` (initials last), or `Family, Given` when it has a comma.
pub(crate) fn short_name(value: &str) -> Name {
    if value.contains(',') {
        return super::ris::parse_name(value);
    }
    let words: Vec<&str> = value.split_whitespace().collect();
    match words.as_slice() {
        [] => Name::Literal(String::new()),
        [one] => Name::Person(Person::new("", "", *one, "")),
        [family @ .., given] => {
            Name::Person(Person::new(initials(given), "", family.join(" "), ""))
        }
    }
}

/// `VM` as `V. M.`; other given names as they are.
pub(crate) fn initials(given: &str) -> String {
    if given.len() <= 4 && given.bytes().all(|b| b.is_ascii_uppercase()) {
        let mut s = String::new();
        for c in given.chars() {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push(c);
            s.push('.');
        }
        s
    } else {
        given.to_string()
    }
}

/// The bare ORCID iD in `value` (`ORCID: 0000-0002-1825-0097`,
/// `https://orcid.org/0000-…`), if it has one.
pub(crate) fn orcid(value: &str) -> Option<String> {
    let b = value.as_bytes();
    // Four groups of four, the last digit may be `X`.
    (0..b.len().saturating_sub(18)).find_map(|i| {
        let w = &b[i..i + 19];
        let ok = w.iter().enumerate().all(|(j, c)| match j {
            4 | 9 | 14 => *c == b'-',
            18 => c.is_ascii_digit() || *c == b'X' || *c == b'x',
            _ => c.is_ascii_digit(),
        });
        let before = i == 0 || !b[i - 1].is_ascii_digit();
        (ok && before).then(|| value[i..i + 19].to_ascii_uppercase())
    })
}

/// A MEDLINE `DP` date: `2019`, `2019 Mar`, `2019 Mar 5`, `2019 Mar-Apr`, `2019 Spring`,
/// `2019 Mar 5-12`, `2018 Dec-2019 Jan`, `2018-2019`; else a date read from free text
/// (then `true`: it was guessed).
pub(crate) fn parse_date(s: &str) -> Option<(Date, bool)> {
    let s = s.trim();
    if let Some(d) = medline_date(s) {
        return Some((d, false));
    }
    // Numbers for the month (`2013 06 10`), or free text.
    let four = s
        .as_bytes()
        .windows(4)
        .any(|w| w.iter().all(u8::is_ascii_digit));
    if !four {
        return None;
    }
    if let Some(d) = numeric_date(s) {
        return Some((d, true));
    }
    if let Some(d) = crate::date::parse(s) {
        return Some((d, true));
    }
    // The year alone, when the rest says nothing bibkit reads (`2019 Mar-Apr 2nd Quarter`).
    let b = s.as_bytes();
    let year = (0..=b.len() - 4).find(|&i| {
        b[i..i + 4].iter().all(u8::is_ascii_digit)
            && (i == 0 || !b[i - 1].is_ascii_digit())
            && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
    })?;
    let y: i64 = s[year..year + 4].parse().ok()?;
    Some((Date::Single(DatePart::year(y)), true))
}

/// One part of a MEDLINE date: a year, a month or season, a day.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Year(i64),
    Month(u8),
    Season(crate::model::Season),
    Day(u8),
}

fn tok(w: &str) -> Option<Tok> {
    if w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()) {
        return w.parse().ok().map(Tok::Year);
    }
    if (1..=2).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit()) {
        return w
            .parse()
            .ok()
            .filter(|d| (1..=31).contains(d))
            .map(Tok::Day);
    }
    if w.bytes().all(|b| b.is_ascii_alphabetic()) && w.len() >= 3 {
        if let Some(m) = crate::date::month_from_name(w) {
            return Some(Tok::Month(m));
        }
        if let Some(s) = crate::date::season_from_name(w) {
            return Some(Tok::Season(s));
        }
    }
    None
}

/// A date part from tokens `[year] [month|season] [day]`, filling what is missing from
/// `base` (the range's start).
fn part(toks: &[Tok], base: Option<&DatePart>) -> Option<DatePart> {
    let mut it = toks.iter().peekable();
    let year = match it.peek() {
        Some(Tok::Year(y)) => {
            it.next();
            *y
        }
        _ => base?.year,
    };
    let mut month = None;
    let mut season = None;
    match it.peek() {
        Some(Tok::Month(m)) => {
            month = Some(*m);
            it.next();
        }
        Some(Tok::Season(s)) => {
            season = Some(*s);
            it.next();
        }
        _ => {}
    }
    let mut day = None;
    if let Some(Tok::Day(d)) = it.peek() {
        day = Some(*d);
        it.next();
        // `2019 Mar 5-12`: the end's month is the start's.
        if month.is_none() && season.is_none() {
            month = Some(base?.month?);
        }
    }
    if it.next().is_some() {
        return None;
    }
    if season.is_some() {
        return Some(DatePart {
            season,
            ..DatePart::year(year)
        });
    }
    crate::date::checked(year, month, day)
}

fn medline_date(s: &str) -> Option<Date> {
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let toks = |x: &str| -> Option<Vec<Tok>> { x.split_whitespace().map(tok).collect() };
    let ta = toks(a)?;
    if !matches!(ta.first(), Some(Tok::Year(_))) {
        return None;
    }
    let start = part(&ta, None)?;
    let Some(b) = b else {
        return Some(Date::Single(start));
    };
    let tb = toks(b)?;
    if tb.is_empty() {
        return None;
    }
    let mut end = part(&tb, Some(&start))?;
    // `2018 Dec-Jan`: the end is in the next year.
    if !matches!(tb.first(), Some(Tok::Year(_))) && order(&end) < order(&start) {
        end.year += 1;
    }
    if order(&end) < order(&start) {
        return None;
    }
    Some(Date::Range(RangeEnd::Known(start), RangeEnd::Known(end)))
}

fn order(p: &DatePart) -> (i64, u8, u8) {
    let m = p
        .month
        .or_else(|| p.season.map(|s| (s.code() - 21) * 3 + 1))
        .unwrap_or(0);
    (p.year, m, p.day.unwrap_or(0))
}

/// `2013 06 10`, `2010   06`: year, month and day as numbers.
fn numeric_date(s: &str) -> Option<Date> {
    let nums: Vec<&str> = s.split_whitespace().collect();
    if nums.is_empty()
        || nums.len() > 3
        || !nums.iter().all(|n| n.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if nums[0].len() != 4 {
        return None;
    }
    let y: i64 = nums[0].parse().ok()?;
    let m = nums.get(1).map(|m| m.parse::<u8>()).transpose().ok()?;
    let d = nums.get(2).map(|d| d.parse::<u8>()).transpose().ok()?;
    crate::date::checked(y, m, d).map(Date::Single)
}

/// Reads MEDLINE text (see [`MedlineReader`]).
pub fn read(text: &str) -> Parsed {
    MedlineReader::new().read(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> String {
        parse_date(s)
            .map(|(d, g)| format!("{d}{}", if g { " guessed" } else { "" }))
            .unwrap_or_default()
    }

    #[test]
    fn dates() {
        assert_eq!(date("2019"), "2019");
        assert_eq!(date("2019 Mar"), "2019-03");
        assert_eq!(date("2019 Mar 5"), "2019-03-05");
        assert_eq!(date("2019 Mar-Apr"), "2019-03/2019-04");
        assert_eq!(date("2019 Spring"), "2019-21");
        assert_eq!(date("2019 Mar 5-12"), "2019-03-05/2019-03-12");
        assert_eq!(date("2019 Mar 28-Apr 3"), "2019-03-28/2019-04-03");
        assert_eq!(date("2018 Dec-2019 Jan"), "2018-12/2019-01");
        assert_eq!(date("2018 Dec-Jan"), "2018-12/2019-01");
        assert_eq!(date("2018-2019"), "2018/2019");
        assert_eq!(date("2019 Fall-Winter"), "2019-23/2019-24");
        assert_eq!(date("2013 06 10"), "2013-06-10 guessed");
        assert_eq!(date("2010   06"), "2010-06 guessed");
        assert_eq!(date("2019 Mar-Apr 2nd Quarter"), "2019 guessed");
        assert_eq!(date("soon"), "");
        assert_eq!(date("2019 Feb 30"), "2019 guessed");
    }

    #[test]
    fn pages() {
        assert_eq!(expand_pages("454-81"), "454–481");
        assert_eq!(expand_pages("123-9"), "123–129");
        assert_eq!(expand_pages("1-9"), "1–9");
        assert_eq!(expand_pages("335-339"), "335–339");
        assert_eq!(expand_pages("e123-e130"), "e123–e130");
        assert_eq!(expand_pages("e123-30"), "e123–e130");
        assert_eq!(expand_pages("103640"), "103640");
        assert_eq!(expand_pages("98-9"), "98–99");
        assert_eq!(expand_pages("99-1"), "99–1");
    }

    #[test]
    fn tags() {
        assert_eq!(split_tag("PMID- 123"), Some(("PMID", "123")));
        assert_eq!(split_tag("PMID-123"), Some(("PMID", "123")));
        assert_eq!(split_tag("TI  - A"), Some(("TI", "A")));
        assert_eq!(split_tag("ISSN - ISSN-1"), Some(("ISSN", "ISSN-1")));
        assert_eq!(split_tag("GN - note"), Some(("GN", "note")));
        assert_eq!(split_tag("TI-"), Some(("TI", "")));
        assert_eq!(split_tag("SO-something"), None);
        assert_eq!(split_tag("This line"), None);
        assert_eq!(split_tag("      continued"), None);
    }

    #[test]
    fn orcids() {
        assert_eq!(
            orcid("ORCID: 0000-0002-1825-009X").as_deref(),
            Some("0000-0002-1825-009X")
        );
        assert_eq!(
            orcid("https://orcid.org/0000-0002-1825-0097").as_deref(),
            Some("0000-0002-1825-0097")
        );
        assert_eq!(orcid("ORCID: 12"), None);
    }

    #[test]
    fn names_pair_and_carry_details() {
        let p = read(
            "PMID- 1\nFAU - Brinjikji, Waleed\nAU  - Brinjikji W\nAD  - Mayo Clinic.\nAD  - Toronto.\nAUID- ORCID: 0000-0002-1825-0097\nAU  - Pereira VM\nCN  - Health ABC Study\nAD  - Somewhere\nFED - Some, Editor\nTI  - T\nPT  - Book\n",
        );
        let e = &p.bibliography.entries[0];
        assert_eq!(e.kind, "book");
        let a = e.authors().unwrap();
        assert_eq!(a.names.len(), 3);
        let Name::Person(p0) = &a.names[0] else {
            panic!()
        };
        assert_eq!(p0.affiliation, "Mayo Clinic.; Toronto.");
        assert_eq!(p0.orcid, "0000-0002-1825-0097");
        let Name::Person(p1) = &a.names[1] else {
            panic!()
        };
        assert_eq!(
            (p1.family.as_str(), p1.given.as_str()),
            ("Pereira", "V. M.")
        );
        assert_eq!(a.names[2], Name::Literal("Health ABC Study".into()));
        assert_eq!(e.editors().unwrap().names.len(), 1);
        let d: Vec<_> = p.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert!(d.iter().any(|m| m.contains("`AD` `Somewhere`")), "{d:?}");
    }

    #[test]
    fn records_and_errors() {
        let p = read(
            "\nPMID- 1\nTI  - One\n\nnot a record\n\nPMID- 2\nTI  - Two\nPMID- 3\nTI  - Three\n",
        );
        assert_eq!(p.bibliography.len(), 3);
        assert!(!p.has_errors());
        assert!(
            p.diagnostics
                .iter()
                .any(|d| d.rule == "medline-dropped" && d.line == 5)
        );
        let p = read("PMC some PMC\n  PMID\n\n\nSO-something stands here");
        assert_eq!(p.bibliography.len(), 0);
        assert!(p.has_errors());
        assert_eq!(p.diagnostics[0].line, 1);
        assert!(read("").diagnostics.is_empty());
    }

    #[test]
    fn identifiers_and_issns() {
        let p = read(
            "PMID- 1\nPT  - Journal Article\nIS  - 1878-0849 (Electronic)\nIS  - 1769-7212 (Print)\nIS  - 1769-7212 (Linking)\nLID - S1769 [pii]\nLID - 10.1016/j.x [doi]\nLID - 103640\nAID - S1769 [pii]\nAID - 10.1016/j.x [doi]\nPMC - PMC7026692\nGR  - A/B\nGR  - C\nMH  - *Genome\nMH  - Evolution, Molecular\nOT  - stroke\n",
        );
        let e = &p.bibliography.entries[0];
        let get = |f: &str| e.get(f).map(|v| v.to_plain_string()).unwrap_or_default();
        assert_eq!(get("issn"), "1769-7212");
        assert_eq!(get("doi"), "10.1016/j.x");
        assert_eq!(get("eid"), "103640");
        assert_eq!(get("pmcid"), "PMC7026692");
        assert_eq!(get("funding"), "A/B; C");
        assert_eq!(get("keywords"), "Genome; Evolution, Molecular; stroke");
        let msgs: Vec<_> = p.diagnostics.iter().map(|d| d.message.clone()).collect();
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(
            msgs[0].contains("1878-0849") && msgs[0].contains("S1769"),
            "{msgs:?}"
        );
        assert_eq!(msgs[0].matches("S1769").count(), 1, "{msgs:?}");
    }
}
