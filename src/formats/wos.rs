//! Web of Science tagged text (the "plain text" and "Other file formats" exports, `.txt`,
//! `.ciw`, `.isi`, also misnamed `.ris`): a reader.
//!
//! A file starts with a header (`FN Clarivate Analytics Web of Science`, `VR 1.0`) and
//! ends with `EF`; a record runs from `PT` to `ER`. A line is a two-character tag, a space
//! and the value; lines indented by three spaces continue it: one name (`AU`, `AF`,
//! `BE`), address (`C1`) or cited reference (`CR`) a line, or the wrapped text of a title,
//! an abstract or keyword list.
//!
//! What each tag becomes:
//!
//! * `PT` (J, B, S, P) and `DT` (Article, Proceedings Paper, Review, Book Chapter, …) the
//!   entry type; `AF` full names (else `AU` short ones), `C1` addresses (`[Family, Given;
//!   …] Institution, City, Country`) the affiliations of the persons they name, `OI`
//!   ORCID iDs by name (`Family, Given/0000-…`); `BE` editors; `CA`/`GP` organisations.
//! * `TI`, `SO` (the journal, or the book or proceedings), `JI`/`J9` the abbreviation, `SE`
//!   the series, `PY`/`PD` the date, `VL`, `IS`, `BP`/`EP` pages, `AR` the article number,
//!   `PG` the page count, `DI` the DOI, `UT` the accession number, `PM` the PMID, `SN`/`EI`
//!   the ISSN, `BN` the ISBN, `AB` the abstract, `DE`+`ID` keywords, `FU` (else `FX`)
//!   funding, `PU`/`PI` publisher and place, `CT`/`CY`/`CL` the conference, `LA`, `UR`.
//!
//! Nothing is dropped without a diagnostic: the tags the model has no place for (`CR`,
//! `TC`, `WC`, `RP`, …) and values not kept are listed with their lines in one
//! `wos-dropped` warning per record; a type read by a guess is `wos-guessed`; a record
//! without `PT` that ends with `ER` is `wos-no-type` (an error: it is skipped); an export
//! with its header but without its closing `EF` is `wos-truncated` (an error: records may
//! be missing). Entries get generated keys.
//!
//! ```
//! let parsed = bibkit::formats::wos::read(
//!     "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Marghetis, T\n   Nunez, R\nAF Marghetis, Tyler\n   Nunez, Rafael\nTI The Motion Behind the Symbols\nSO TOPICS IN COGNITIVE SCIENCE\nDT Article\nC1 [Marghetis, Tyler; Nunez, Rafael] Univ Calif San Diego, La Jolla, CA 92093 USA.\nOI Nunez, Rafael/0000-0002-1825-0097\nPD APR\nPY 2013\nVL 5\nBP 299\nEP 316\nDI 10.1111/tops.12013\nUT WOS:000317623000007\nER\n\nEF\n",
//! );
//! let e = &parsed.bibliography.entries[0];
//! assert_eq!(e.kind, "article");
//! assert_eq!(e.get("date").unwrap().to_string(), "2013-04");
//! assert_eq!(e.get("pages").unwrap().to_string(), "299–316");
//! assert_eq!(e.get("accession").unwrap().to_string(), "WOS:000317623000007");
//! let bibkit::model::Name::Person(p) = &e.authors().unwrap().names[1] else { panic!() };
//! assert_eq!((p.given.as_str(), p.orcid.as_str()), ("Rafael", "0000-0002-1825-0097"));
//! assert_eq!(p.affiliation, "Univ Calif San Diego, La Jolla, CA 92093 USA.");
//! assert!(parsed.diagnostics.is_empty());
//! ```

use std::borrow::Cow;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::Parsed;
use crate::formats::medline::{Line, expand_pages, initials, nfc, orcid, split_lines};
use crate::formats::shorten;
use crate::fxhash::{FxHashMap, FxHashSet};
use crate::keys::KeyGenerator;
use crate::model::{Date, DatePart, Entry, Name, NameList, Origin, Person, Span, Value};

/// The tag and value of a WoS tag line: two characters (a capital, then a capital or a
/// digit), then a space or the line end.
fn split_tag(text: &str) -> Option<(&str, &str)> {
    let b = text.as_bytes();
    if b.len() < 2
        || !b[0].is_ascii_uppercase()
        || !(b[1].is_ascii_uppercase() || b[1].is_ascii_digit())
    {
        return None;
    }
    match b.get(2) {
        None => Some((&text[..2], "")),
        Some(b' ') => Some((&text[..2], text[3..].trim_end())),
        _ => None,
    }
}

/// Whether `text` looks like Web of Science tagged text: its first non-blank line is the
/// `FN` or `VR` header, or a `PT` line (`PT J`), and it is not RIS (`TY  - `).
///
/// ```
/// use bibkit::formats::wos::sniff;
/// assert!(sniff("\u{feff}FN Thomson Reuters Web of Science\nVR 1.0\nPT J\n"));
/// assert!(sniff("PT J\nAU Wodarz, S\n"));
/// assert!(!sniff("TY  - JOUR\nER  - \n"));
/// assert!(!sniff("PMID- 1\n"));
/// ```
pub fn sniff(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}');
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else {
        return false;
    };
    let first = first.trim_end();
    match split_tag(first) {
        Some(("FN" | "VR", v)) => !v.starts_with('-'),
        Some(("PT", v)) => {
            !v.is_empty() && v.len() <= 3 && v.bytes().all(|b| b.is_ascii_uppercase())
        }
        _ => false,
    }
}

/// Reads Web of Science tagged text (see the module docs). Keys are generated.
#[derive(Debug, Clone, Default)]
pub struct WosReader {
    file: Option<Arc<str>>,
}

/// A record's tags, each with its lines' values and the index of its first line.
struct Raw<'a> {
    first: usize,
    last: usize,
    has_type: bool,
    tags: Vec<(&'a str, Vec<&'a str>, usize)>,
    /// Lines in the record that are neither tag lines nor continuations.
    stray: Vec<usize>,
}

impl WosReader {
    /// A reader.
    pub fn new() -> Self {
        WosReader::default()
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
        let mut header = false;
        let mut ended = false;
        let mut outside: Option<(usize, usize)> = None;
        for (i, line) in lines.iter().enumerate() {
            let t = line.text;
            if t.trim().is_empty() {
                continue;
            }
            if ended {
                // Exports joined one after another (`cat a.txt b.txt`): a header or a
                // record after `EF` starts reading again.
                if matches!(split_tag(t), Some(("FN" | "VR" | "PT", _))) {
                    ended = false;
                } else {
                    let o = outside.get_or_insert((i, 0));
                    o.1 += 1;
                    continue;
                }
            }
            match split_tag(t) {
                Some(("FN" | "VR", _)) if raw.is_none() => header = true,
                Some(("EF", _)) => {
                    if let Some(r) = raw.take() {
                        self.unended(r, &lines, keys, &mut out);
                    }
                    ended = true;
                }
                Some(("PT", _)) => {
                    if let Some(r) = raw.take() {
                        self.unended(r, &lines, keys, &mut out);
                    }
                    raw = Some(Raw {
                        first: i,
                        last: i,
                        has_type: true,
                        tags: vec![("PT", vec![t[2..].trim()], i)],
                        stray: Vec::new(),
                    });
                }
                Some(("ER", _)) => match raw.take() {
                    Some(mut r) => {
                        r.last = i;
                        self.finish(r, &lines, keys, &mut out);
                    }
                    None => out.diagnostics.push(self.diag(
                        Severity::Warning,
                        "wos-dropped",
                        "`ER` line outside a record dropped",
                        line,
                    )),
                },
                Some((tag, value)) => {
                    let r = raw.get_or_insert(Raw {
                        first: i,
                        last: i,
                        has_type: false,
                        tags: Vec::new(),
                        stray: Vec::new(),
                    });
                    r.tags.push((tag, vec![value], i));
                    r.last = i;
                }
                None => match raw.as_mut() {
                    Some(r) if t.starts_with([' ', '\t']) && !r.tags.is_empty() => {
                        if let Some(last) = r.tags.last_mut() {
                            last.1.push(t.trim());
                        }
                        r.last = i;
                    }
                    Some(r) => {
                        r.stray.push(i);
                        r.last = i;
                    }
                    None => {
                        let o = outside.get_or_insert((i, 0));
                        o.1 += 1;
                    }
                },
            }
        }
        if let Some(r) = raw.take() {
            self.unended(r, &lines, keys, &mut out);
        }
        if let Some((first, n)) = outside {
            let line = &lines[first];
            out.diagnostics.push(self.diag(
                Severity::Warning,
                "wos-dropped",
                format!(
                    "{n} line{} outside records dropped, the first `{}`",
                    if n == 1 { "" } else { "s" },
                    shorten(line.text.trim(), 60)
                ),
                line,
            ));
        }
        if header && !ended {
            let last = lines
                .iter()
                .rev()
                .find(|l| !l.text.trim().is_empty())
                .copied()
                .unwrap_or(lines[0]);
            out.diagnostics.push(self.diag(
                Severity::Error,
                "wos-truncated",
                "the export has its `FN` header but no closing `EF` line: it was cut short, and records may be missing",
                &last,
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

    /// A record the input ended (or the next `PT` began) before its `ER`.
    fn unended(&self, r: Raw<'_>, lines: &[Line<'_>], keys: &mut KeyGenerator, out: &mut Parsed) {
        if !r.has_type {
            let tags: Vec<&str> = r.tags.iter().map(|t| t.0).take(5).collect();
            out.diagnostics.push(self.diag(
                Severity::Warning,
                "wos-dropped",
                format!("tag lines outside a record ({}…) dropped", tags.join(", ")),
                &lines[r.first],
            ));
            return;
        }
        out.diagnostics.push(self.diag(
            Severity::Warning,
            "wos-missing-end",
            "record has no `ER` line; it ends where the next begins or the input ends",
            &lines[r.first],
        ));
        self.finish(r, lines, keys, out);
    }

    fn finish(&self, r: Raw<'_>, lines: &[Line<'_>], keys: &mut KeyGenerator, out: &mut Parsed) {
        if !r.has_type {
            let tags: Vec<&str> = r.tags.iter().map(|t| t.0).take(5).collect();
            out.diagnostics.push(self.diag(
                Severity::Error,
                "wos-no-type",
                format!(
                    "record without a `PT` line ({}…) skipped; every record starts with `PT` and its type",
                    tags.join(", ")
                ),
                &lines[r.first],
            ));
            return;
        }
        let mut l = Lowering {
            reader: self,
            lines,
            entry: Entry::new(String::new(), "article"),
            diags: Vec::new(),
            dropped: Vec::new(),
        };
        l.lower(&r);
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

/// A tag's value: the tag, its text (lines joined), its items (a list tag's lines) and
/// the index of its first line.
type TagValue<'a> = (&'a str, Cow<'a, str>, Vec<Cow<'a, str>>, usize);

/// Tags whose continuation lines are items of a list (one name or address a line).
fn is_list(tag: &str) -> bool {
    matches!(
        tag,
        "AU" | "AF" | "BE" | "BA" | "BF" | "CA" | "GP" | "C1" | "CR"
    )
}

struct Lowering<'r, 'a> {
    reader: &'r WosReader,
    lines: &'r [Line<'a>],
    entry: Entry,
    diags: Vec<Diagnostic>,
    dropped: Vec<(String, usize)>,
}

impl Lowering<'_, '_> {
    fn report(&mut self, severity: Severity, rule: &'static str, at: usize, message: String) {
        let d = self.reader.diag(severity, rule, message, &self.lines[at]);
        self.diags.push(d);
    }

    fn drop_tag(&mut self, what: String, at: usize) {
        self.dropped.push((what, at));
    }

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

    fn has(&self, name: &str) -> bool {
        self.entry.fields.iter().any(|f| f.name == name)
    }

    fn lower(&mut self, r: &Raw<'_>) {
        // Values: list items, or wrapped text joined with spaces.
        // (Borrowed from the input where NFC changes nothing; cited references, which
        // are dropped, only counted.)
        let mut values: Vec<TagValue<'_>> = Vec::with_capacity(r.tags.len());
        for (tag, parts, at) in &r.tags {
            let (joined, items) = if *tag == "CR" {
                (
                    Cow::Borrowed(if parts.len() > 1 { "…" } else { parts[0] }),
                    Vec::new(),
                )
            } else if is_list(tag) {
                let items: Vec<Cow<'_, str>> = parts
                    .iter()
                    .map(|p| nfc(p.trim()))
                    .filter(|p| !p.is_empty())
                    .collect();
                let joined = if items.is_empty() { "" } else { "…" };
                (Cow::Borrowed(joined), items)
            } else if parts.len() == 1 {
                (nfc(parts[0].trim()), Vec::new())
            } else {
                let joined = nfc(&parts.join(" ")).trim().to_string();
                (Cow::Owned(joined), Vec::new())
            };
            values.push((tag, joined, items, *at));
        }
        // The first non-empty value of each tag, found once.
        let mut firsts: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, v) in values.iter().enumerate() {
            if !v.1.is_empty() {
                firsts.entry(v.0).or_insert(i);
            }
        }
        let get = |t: &str| firsts.get(t).map(|&i| &values[i]);
        let has_sn = get("SN").is_some();
        let has_fu = get("FU").is_some();
        let has_pi = get("PI").is_some();
        let has_se = get("SE").is_some();
        let cited: usize = r
            .tags
            .iter()
            .filter(|v| v.0 == "CR")
            .map(|v| v.1.len())
            .sum();
        let mut said_cited = false;
        let mut said: FxHashSet<&str> = FxHashSet::default();
        // The type.
        let pt = get("PT")
            .map(|v| v.1.to_ascii_uppercase())
            .unwrap_or_default();
        let dt = get("DT")
            .map(|v| v.1.to_ascii_lowercase())
            .unwrap_or_default();
        let dts: Vec<&str> = dt
            .split(';')
            .map(str::trim)
            .filter(|d| !d.is_empty() && *d != "-")
            .collect();
        let conference = get("CT").is_some();
        let kind = match pt.as_str() {
            "P" => Some("patent"),
            _ if dts.contains(&"book chapter") => Some("incollection"),
            _ if dts == ["proceedings paper"] => Some("inproceedings"),
            "J" => Some("article"),
            "B" if dts.contains(&"book") || dts.is_empty() && get("SO").is_none() => Some("book"),
            "B" | "S" if conference || dts.contains(&"proceedings paper") => Some("inproceedings"),
            "B" | "S" => Some("incollection"),
            _ => None,
        };
        let kind = match kind {
            Some(k) => k,
            None => {
                let k = if get("SO").is_some() {
                    "article"
                } else {
                    "misc"
                };
                let at = get("PT").map_or(r.first, |v| v.3);
                self.report(
                    Severity::Info,
                    "wos-guessed",
                    at,
                    format!("publication type `PT {pt}` is not one of J, B, S, P; read as `{k}`"),
                );
                k
            }
        };
        self.entry.kind = kind.to_string();
        // Names.
        let full = values.iter().find(|v| v.0 == "AF" && !v.2.is_empty());
        let short = values.iter().find(|v| v.0 == "AU" && !v.2.is_empty());
        let mut authors: Vec<Name> = Vec::new();
        let names_of = |items: &[Cow<'_, str>], full: bool| -> Vec<Name> {
            items
                .iter()
                .flat_map(|i| i.split(';'))
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| {
                    if full {
                        wos_name(n, false)
                    } else {
                        wos_name(n, true)
                    }
                })
                .collect()
        };
        if let Some(f) = full {
            authors = names_of(&f.2, true);
            if let Some(s) = short {
                let n = names_of(&s.2, false).len();
                if n != authors.len() {
                    self.drop_tag(
                        format!("`AU` ({n} short names for {} full ones)", authors.len()),
                        s.3,
                    );
                }
            }
        } else if let Some(s) = short {
            authors = names_of(&s.2, false);
        }
        for v in values.iter().filter(|v| matches!(v.0, "CA" | "GP")) {
            for g in &v.2 {
                authors.push(Name::Literal(g.to_string()));
            }
        }
        let mut editors: Vec<Name> = values
            .iter()
            .filter(|v| v.0 == "BE")
            .flat_map(|v| names_of(&v.2, true))
            .collect();
        // Addresses and iDs.
        let (author_index, editor_index) = (NameIndex::new(&authors), NameIndex::new(&editors));
        let mut seen_addresses = FxHashSet::default();
        for v in values.iter().filter(|v| v.0 == "C1") {
            for item in &v.2 {
                self.address(item, &mut authors, &author_index, &mut seen_addresses, v.3);
            }
        }
        for v in values.iter().filter(|v| matches!(v.0, "OI" | "RI")) {
            let mut names = [
                (&mut authors[..], &author_index),
                (&mut editors[..], &editor_index),
            ];
            self.ids(v.0, &v.1, &mut names, v.3);
        }
        // Everything else.
        let mut keywords = Vec::new();
        let mut abstracts = Vec::new();
        let mut py: Option<(&str, usize)> = None;
        let mut pd: Option<(&str, usize)> = None;
        let mut pages: (Option<&str>, Option<&str>) = (None, None);
        let mut ps: Option<(&str, usize)> = None;
        let shortj = get("JI").is_some();
        for (tag, value, _, at) in &values {
            let (tag, value, at) = (*tag, value.as_ref(), *at);
            if value.is_empty() || value == "-" {
                continue;
            }
            match tag {
                "PT" | "DT" | "AU" | "AF" | "BE" | "CA" | "GP" | "C1" | "OI" | "RI" => {}
                "TI" => self.field(tag, "title", Value::text(value), at),
                "SO" => {
                    let f = match kind {
                        "article" | "misc" => "journaltitle",
                        "book" => "series",
                        _ => "booktitle",
                    };
                    if f == "series" && has_se {
                        self.drop_tag(format!("`SO` `{}`", shorten(value, 30)), at);
                    } else {
                        self.field(tag, f, Value::text(value), at);
                    }
                }
                "SE" => self.field(tag, "series", Value::text(value), at),
                "JI" => self.field(tag, "shortjournal", Value::text(value), at),
                "J9" if !shortj => self.field(tag, "shortjournal", Value::text(value), at),
                "PY" => py = py.or(Some((value, at))),
                "PD" => pd = pd.or(Some((value, at))),
                "VL" => self.field(tag, "volume", Value::text(value), at),
                "IS" => self.field(tag, "number", Value::text(value), at),
                "BP" => pages.0 = pages.0.or(Some(value)),
                "EP" => pages.1 = pages.1.or(Some(value)),
                "PS" => ps = ps.or(Some((value, at))),
                "AR" => self.field(tag, "eid", Value::text(value), at),
                "PG" => self.field(tag, "pagetotal", Value::text(value), at),
                "DI" => self.field(
                    tag,
                    "doi",
                    Value::Verbatim(super::ris::doi(value).to_string()),
                    at,
                ),
                "UT" => self.field(tag, "accession", Value::text(value), at),
                "PM" => self.field(tag, "pmid", Value::text(value), at),
                "SN" => self.field(tag, "issn", Value::text(value), at),
                "EI" => {
                    if has_sn {
                        self.drop_tag(format!("`EI` `{value}` (the electronic ISSN)"), at);
                    } else {
                        self.field(tag, "issn", Value::text(value), at);
                    }
                }
                "BN" => self.field(tag, "isbn", Value::text(value), at),
                "AB" => abstracts.push(value.to_string()),
                "DE" | "ID" => keywords.extend(
                    value
                        .split(';')
                        .map(str::trim)
                        .filter(|k| !k.is_empty())
                        .map(str::to_string),
                ),
                "FU" => self.field(tag, "funding", Value::text(value), at),
                "FX" => {
                    if has_fu {
                        self.drop_tag("`FX` (the funding text)".to_string(), at);
                    } else {
                        self.field(tag, "funding", Value::text(value), at);
                    }
                }
                "PU" => self.field(tag, "publisher", Value::text(value), at),
                "PI" => self.field(tag, "location", Value::text(value), at),
                "PA" => {
                    if has_pi {
                        self.drop_tag("`PA` (the publisher's address)".to_string(), at);
                    } else {
                        self.field(tag, "location", Value::text(value), at);
                    }
                }
                "CT" => self.field(tag, "eventtitle", Value::text(value), at),
                "CL" => self.field(tag, "venue", Value::text(value), at),
                "CY" => match event_date(value) {
                    Some(d) => self.field(tag, "eventdate", Value::date(d), at),
                    None => {
                        self.drop_tag(format!("`CY` `{}` (not a date)", shorten(value, 30)), at)
                    }
                },
                "LA" => self.field(tag, "language", Value::text(value), at),
                "UR" => self.field(tag, "url", Value::Verbatim(value.to_string()), at),
                "CR" => {
                    if !said_cited {
                        said_cited = true;
                        self.drop_tag(format!("`CR` ({cited} cited references)"), at);
                    }
                }
                _ => {
                    if said.insert(tag) {
                        self.drop_tag(tag.to_string(), at);
                    }
                }
            }
        }
        for &at in &r.stray {
            self.drop_tag(
                format!(
                    "`{}` (not a tag line)",
                    shorten(self.lines[at].text.trim(), 30)
                ),
                at,
            );
        }
        if !authors.is_empty() {
            self.entry.set(
                "author",
                Value::Names(NameList {
                    names: authors,
                    truncated: false,
                }),
            );
        }
        if !editors.is_empty() {
            self.entry.set(
                "editor",
                Value::Names(NameList {
                    names: editors,
                    truncated: false,
                }),
            );
        }
        // Pages: `BP`–`EP`, else `PS` (`467-72`).
        let p = match pages {
            (Some(b), Some(e)) if b != e => Some(format!("{b}–{e}")),
            (Some(b), _) => Some(b.to_string()),
            (None, Some(e)) => Some(e.to_string()),
            (None, None) => ps.map(|(p, _)| expand_pages(p)),
        };
        if let Some(p) = p {
            self.entry.set("pages", Value::text(p));
        }
        if let (Some((_, at)), true) = (ps, pages.0.is_some()) {
            self.drop_tag("`PS` (the page span; `BP`/`EP` give it)".to_string(), at);
        }
        self.date(py, pd);
        if !abstracts.is_empty() {
            self.entry
                .set("abstract", Value::text(abstracts.join("\n\n")));
        }
        if !keywords.is_empty() {
            self.entry
                .set("keywords", Value::text(super::join_keywords(keywords)));
        }
        if kind == "article" && !self.has("journaltitle") {
            if let Some(i) = self.entry.fields.iter().position(|f| f.name == "series") {
                self.entry.fields[i].name = "journaltitle".into();
            }
        }
    }

    /// `C1 [Family, Given; …] Institution, City, Country.`: the address is the
    /// affiliation of the persons named (of the only author when it names none).
    fn address(
        &mut self,
        item: &str,
        authors: &mut [Name],
        index: &NameIndex,
        seen: &mut FxHashSet<(usize, String)>,
        at: usize,
    ) {
        let (who, address) = match item.strip_prefix('[').and_then(|r| r.split_once(']')) {
            Some((who, address)) => (Some(who), address.trim()),
            None => (None, item.trim()),
        };
        if address.is_empty() {
            return;
        }
        // (Each address once a person, found without rescanning the affiliations.)
        let mut add = |authors: &mut [Name], i: usize| {
            if let Some(p) = person_at(authors, Some(i)) {
                if seen.insert((i, address.to_string())) {
                    if !p.affiliation.is_empty() {
                        p.affiliation.push_str("; ");
                    }
                    p.affiliation.push_str(address);
                }
            }
        };
        match who {
            None => {
                if let [Name::Person(_)] = authors {
                    add(authors, 0);
                } else {
                    self.drop_tag(
                        format!(
                            "`C1` `{}` (an address naming no author)",
                            shorten(address, 30)
                        ),
                        at,
                    );
                }
            }
            Some(who) => {
                let mut missed = Vec::new();
                for name in who.split(';').map(str::trim).filter(|n| !n.is_empty()) {
                    match index.find(name) {
                        Some(i) if matches!(authors[i], Name::Person(_)) => add(authors, i),
                        _ => missed.push(name),
                    }
                }
                if !missed.is_empty() {
                    self.drop_tag(
                        format!(
                            "`C1` `{}` for {} (not among the authors)",
                            shorten(address, 30),
                            missed.join("; ")
                        ),
                        at,
                    );
                }
            }
        }
    }

    /// `OI`/`RI`: `Family, Given/0000-…; …`.
    fn ids(
        &mut self,
        tag: &str,
        value: &str,
        names: &mut [(&mut [Name], &NameIndex); 2],
        at: usize,
    ) {
        let mut other = 0;
        for item in value.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            let Some((name, id)) = item.rsplit_once('/') else {
                other += 1;
                continue;
            };
            let Some(id) = orcid(id) else {
                // ResearcherIDs (`A-1234-2008`) have no place in the model.
                other += 1;
                continue;
            };
            let [(authors, ai), (editors, ei)] = names;
            let found = match ai.find(name) {
                Some(i) => person_at(authors, Some(i)),
                None => person_at(editors, ei.find(name)),
            };
            match found {
                Some(p) if p.orcid.is_empty() || p.orcid == id => p.orcid = id,
                _ => self.drop_tag(format!("`{tag}` `{}`", shorten(item, 40)), at),
            }
        }
        if other > 0 {
            let what = if tag == "RI" { "ResearcherIDs" } else { "iDs" };
            self.drop_tag(format!("`{tag}` ({other} {what})"), at);
        }
    }

    /// `PY` and `PD` (`APR`, `AUG 15`, `DEC 16 2020`, `2020-Dec`, `MAY-JUN`, `SPR`).
    fn date(&mut self, py: Option<(&str, usize)>, pd: Option<(&str, usize)>) {
        let year = py.and_then(|(y, _)| {
            let y = y.trim();
            (y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())).then_some(y)
        });
        if let (Some((v, at)), None) = (py, year) {
            self.drop_tag(format!("`PY` `{}` (not a year)", shorten(v, 20)), at);
        }
        let (date, guessed) = match (year, pd) {
            (_, Some((pd, at))) => match pub_date(year, pd) {
                Some(d) => d,
                None => {
                    self.drop_tag(format!("`PD` `{}` (not a date)", shorten(pd, 20)), at);
                    match year {
                        Some(y) => (Date::Single(DatePart::year(y.parse().unwrap_or(0))), false),
                        None => return,
                    }
                }
            },
            (Some(y), None) => (Date::Single(DatePart::year(y.parse().unwrap_or(0))), false),
            (None, None) => return,
        };
        if guessed {
            let at = pd.map_or(0, |p| p.1);
            let pd = pd.map_or("", |p| p.0);
            self.report(
                Severity::Info,
                "wos-guessed",
                at,
                format!("date `PD {pd}` read as {date}"),
            );
        }
        self.entry.set("date", Value::date(date));
    }

    fn done(mut self) -> (Entry, Vec<Diagnostic>) {
        if let Some(&(_, at)) = self.dropped.first() {
            let mut seen: FxHashSet<&str> = FxHashSet::default();
            let mut list = Vec::new();
            for (w, at) in &self.dropped {
                if seen.insert(w.as_str()) {
                    list.push(format!("{w} (line {})", self.lines[*at].number));
                }
            }
            let message = format!("dropped, having no place in the model: {}", list.join(", "));
            self.report(Severity::Warning, "wos-dropped", at, message);
        }
        (self.entry, self.diags)
    }
}

/// A record's persons by name, to find the one an address or an iD names in constant
/// time: by family and given names (letters and digits, lowercase), and by family name and
/// first initial (`Hu, S. Z.` for `Hu, Shengzhi`).
struct NameIndex {
    full: FxHashMap<(String, String), usize>,
    initial: FxHashMap<(String, char), usize>,
}

fn name_key(family: &str, given: &str) -> (String, String) {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    (norm(family), norm(given))
}

impl NameIndex {
    fn new(names: &[Name]) -> Self {
        let mut full = FxHashMap::default();
        let mut initial = FxHashMap::default();
        for (i, n) in names.iter().enumerate() {
            let Name::Person(p) = n else { continue };
            let (f, g) = name_key(&p.family_with_particle(), &p.given);
            if let Some(c) = g.chars().next() {
                initial.entry((f.clone(), c)).or_insert(i);
            }
            full.entry((f, g)).or_insert(i);
        }
        NameIndex { full, initial }
    }

    /// The index of the person `name` (`Family, Given` or `Family, GI`, any case) names.
    fn find(&self, name: &str) -> Option<usize> {
        let (family, given) = match name.split_once(',') {
            Some((f, g)) => (f.trim(), g.trim()),
            None => (name.trim(), ""),
        };
        let want = name_key(family, given);
        if let Some(&i) = self.full.get(&want) {
            return Some(i);
        }
        let c = want.1.chars().next()?;
        self.initial.get(&(want.0, c)).copied()
    }
}

/// The person at `i` of `names`, when it is one.
fn person_at(names: &mut [Name], i: Option<usize>) -> Option<&mut Person> {
    match names.get_mut(i?)? {
        Name::Person(p) => Some(p),
        Name::Literal(_) => None,
    }
}

/// A WoS name: `Family, Given` (`AF`) or `Family, GI` (`AU`, initials made `G. I.`), or
/// given names first without a comma.
fn wos_name(n: &str, short: bool) -> Name {
    match n.split_once(',') {
        Some((family, given)) if short => {
            let given = given.trim();
            let g = if given.contains('.') || given.contains(' ') {
                given.to_string()
            } else {
                initials(given)
            };
            let Name::Person(mut p) = super::ris::parse_name(&format!("{family}, x")) else {
                return Name::Literal(n.to_string());
            };
            p.given = g;
            Name::Person(p)
        }
        _ => super::ris::parse_name(n),
    }
}

/// The date of `PY` and `PD`: `PD` read with the year before it, as MEDLINE writes dates
/// (and whether it was guessed: numbers for the month, `9 1`).
fn pub_date(year: Option<&str>, pd: &str) -> Option<(Date, bool)> {
    let mut y = year.map(str::to_string);
    let mut rest: Vec<String> = Vec::new();
    for w in pd.split_whitespace() {
        // `2020-Dec`
        let parts: Vec<&str> = match w.split_once('-') {
            Some((a, b)) if a.len() == 4 && a.bytes().all(|c| c.is_ascii_digit()) => vec![a, b],
            _ => vec![w],
        };
        for p in parts {
            if p.len() == 4 && p.bytes().all(|c| c.is_ascii_digit()) {
                if y.is_none() {
                    y = Some(p.to_string());
                }
                continue;
            }
            let season = match p.to_ascii_uppercase().as_str() {
                "SPR" => "Spring",
                "SUM" => "Summer",
                "FAL" => "Autumn",
                "WIN" => "Winter",
                _ => "",
            };
            rest.push(if season.is_empty() {
                p.to_string()
            } else {
                season.to_string()
            });
        }
    }
    let y = y?;
    let text = format!("{y} {}", rest.join(" "));
    if let Some(d) = super::medline::parse_date(text.trim()) {
        // A bare year read from text with more in it is a guess.
        let year_only = matches!(&d.0, Date::Single(p) if p.month.is_none() && p.season.is_none());
        if !(d.1 && year_only) {
            return Some(d);
        }
    }
    // `04 2006`, `9 1`: a month number, and a day.
    let nums: Vec<u8> = rest.iter().map(|r| r.parse().ok()).collect::<Option<_>>()?;
    let y: i64 = y.parse().ok()?;
    let p = match nums.as_slice() {
        [] => crate::date::checked(y, None, None),
        [m] => crate::date::checked(y, Some(*m), None),
        [m, d] => crate::date::checked(y, Some(*m), Some(*d)),
        _ => None,
    }?;
    Some((Date::Single(p), !nums.is_empty()))
}

/// A conference's dates (`JUL 12-15, 2004`, `MAR 25-29, 2006`).
fn event_date(cy: &str) -> Option<Date> {
    let cleaned = cy.replace(',', " ");
    let year = cleaned
        .split_whitespace()
        .rev()
        .find(|w| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))?;
    let rest: Vec<&str> = cleaned.split_whitespace().filter(|w| *w != year).collect();
    let text = format!("{year} {}", rest.join(" "));
    let text = text.trim();
    // (`JUN 07-12`: days with a leading zero.)
    let text: String = text
        .split(' ')
        .map(|w| w.trim_start_matches('0'))
        .collect::<Vec<_>>()
        .join(" ")
        .replace("-0", "-");
    super::medline::parse_date(&text)
        .filter(|d| !d.1)
        .map(|d| d.0)
}

/// Reads Web of Science tagged text (see [`WosReader`]).
pub fn read(text: &str) -> Parsed {
    WosReader::new().read(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(py: Option<&str>, pd: &str) -> String {
        pub_date(py, pd)
            .map(|(d, g)| format!("{d}{}", if g { " guessed" } else { "" }))
            .unwrap_or_default()
    }

    #[test]
    fn dates() {
        assert_eq!(date(Some("2013"), "APR"), "2013-04");
        assert_eq!(date(Some("2013"), "AUG 15"), "2013-08-15");
        assert_eq!(date(Some("2020"), "DEC 16 2020"), "2020-12-16");
        assert_eq!(date(Some("2020"), "2020-Dec"), "2020-12");
        assert_eq!(date(Some("2006"), "2006 May-Jun"), "2006-05/2006-06");
        assert_eq!(date(Some("2006"), "MAY-JUN"), "2006-05/2006-06");
        assert_eq!(date(Some("2006"), "SPR"), "2006-21");
        assert_eq!(date(Some("2006"), "04 2006"), "2006-04 guessed");
        assert_eq!(date(Some("2014"), "9 1"), "2014-09-01 guessed");
        assert_eq!(date(Some("2006"), "2006"), "2006");
        assert_eq!(date(None, "JAN"), "");
        assert_eq!(
            event_date("JUL 12-15, 2004").unwrap().to_string(),
            "2004-07-12/2004-07-15"
        );
        assert_eq!(
            event_date("JUN 07-12, 1998").unwrap().to_string(),
            "1998-06-07/1998-06-12"
        );
        assert_eq!(
            event_date("MAY 30-JUN 02, 2006").unwrap().to_string(),
            "2006-05-30/2006-06-02"
        );
    }

    #[test]
    fn records_end_and_break() {
        let p = read(
            "FN x\nVR 1.0\nPT J\nTI One\nER\nAU Orphan, A\nER\nPT J\nTI Two\nPT J\nTI Three\nER\n",
        );
        assert_eq!(p.bibliography.len(), 3);
        let rules: Vec<_> = p.diagnostics.iter().map(|d| (d.rule, d.line)).collect();
        assert!(rules.contains(&("wos-no-type", 6)), "{rules:?}");
        assert!(rules.contains(&("wos-missing-end", 8)), "{rules:?}");
        assert!(rules.contains(&("wos-truncated", 12)), "{rules:?}");
        let p = read("PT J\nTI One\nER\n");
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        // Two exports joined.
        let p =
            read("FN x\nVR 1.0\nPT J\nTI One\nER\nEF\nFN x\nVR 1.0\nPT J\nTI Two\nER\nEF\nafter\n");
        assert_eq!(p.bibliography.len(), 2);
        let rules: Vec<_> = p.diagnostics.iter().map(|d| (d.rule, d.line)).collect();
        assert_eq!(rules, [("wos-dropped", 13)]);
    }

    #[test]
    fn names_addresses_and_ids() {
        let p = read(
            "PT J\nAU Hu, SZ\n   Li, S. F.\n   Ng, A\nAF Hu, Shengzhi\n   Li, Shufang\n   Ng, Andrew\nC1 [Hu, S. Z.; Li, S. F.] China Univ Geosci, Wuhan, Peoples R China.\n   [Ng, Andrew] Stanford Univ, Stanford, CA USA.\n   [Nobody, X] Elsewhere.\nOI LI, SHUFANG/0000-0002-1825-0097; Ng, Andrew/0000-0001-5109-3700\nRI Hu, Shengzhi/A-1234-2008\nER\n",
        );
        let e = &p.bibliography.entries[0];
        let names = &e.authors().unwrap().names;
        let person = |i: usize| match &names[i] {
            Name::Person(p) => p.clone(),
            _ => panic!(),
        };
        assert_eq!(
            person(0).affiliation,
            "China Univ Geosci, Wuhan, Peoples R China."
        );
        assert_eq!(person(1).orcid, "0000-0002-1825-0097");
        assert_eq!(person(2).affiliation, "Stanford Univ, Stanford, CA USA.");
        assert_eq!(person(2).orcid, "0000-0001-5109-3700");
        let m = &p.diagnostics[0].message;
        assert!(m.contains("Nobody") && m.contains("ResearcherIDs"), "{m}");
    }

    #[test]
    fn tags_and_sniffing() {
        assert_eq!(split_tag("PT J"), Some(("PT", "J")));
        assert_eq!(split_tag("ER"), Some(("ER", "")));
        assert_eq!(split_tag("AUGilles, H"), None);
        assert_eq!(split_tag("   continued"), None);
        assert!(!sniff("PT  - JOUR\n"));
        assert!(!sniff("TY  - JOUR\n"));
    }
}
