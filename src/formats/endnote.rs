//! EndNote's tagged format (the `.enw` files databases offer for EndNote, and the older
//! refer/BibIX format it grew from): a reader.
//!
//! A record is a block of tag lines (`%0 Journal Article`, `%A Shannon, Claude E.`, a
//! percent sign, one character, a space and the value); blocks are apart by blank lines.
//! The reader also takes what exports really hold:
//!
//! * lines without a tag continue the value before them (keywords one per line after
//!   one `%K`, wrapped abstracts);
//! * a `%0` anywhere in its record (AIS puts `%T` first), several `%0` records in one
//!   block, records without a `%0` (their type is guessed from their tags);
//! * several people on one `%A` or `%E` line (`a, b and c, d`, `a, b; c, d`), corporate
//!   names ending in a comma (EndNote's convention: `World Health Organization,`);
//! * `%D` a year and `%8` the date in free text (`September  1, 2021`, `2017-4-15`),
//!   `%R` a DOI (EndNote) or a report number or thesis type (refer), `%@` an ISBN or an
//!   ISSN, told apart by their digits.
//!
//! Entries get generated keys (`familyYEARword`). Nothing is dropped without a
//! diagnostic: a tag the model has no place for or a value kept in place of another
//! (`endnote-dropped`, with its line), a type or date read by a guess (`endnote-guessed`),
//! and a record with nothing in it (`endnote-empty-record`, an error: the record is
//! skipped, the rest are read).
//!
//! The tag meanings are EndNote's (its "EndNote" import filter): `%A` author, `%E`
//! editor, `%Y` tertiary author, `%?` translator, `%T` title, `%B` secondary title (the
//! journal of an article, the book of a section, the conference of a paper, a book's
//! series), `%J` journal, `%S` series, `%O` alternate journal, `%!` short title, `%D` year,
//! `%8` date, `%7` edition, `%9` type of work, `%V` volume, `%N` issue, `%P` pages, `%6`
//! volumes, `%I` publisher, `%C` place, `%@` ISBN/ISSN, `%R` DOI, `%U` URL, `%X`
//! abstract, `%Z` notes, `%<` research notes, `%K` keywords, `%G` language, `%F` label,
//! `%M` accession number, `%~` database, `%[` access date.
//!
//! ```
//! let parsed = bibkit::formats::endnote::read(
//!     "%0 Journal Article\n%A Shannon, Claude E.\n%T A Mathematical Theory of Communication\n%J Bell System Technical Journal\n%D 1948\n%8 July 1948\n%V 27\n%P 379-423\n%R 10.1002/j.1538-7305.1948.tb01338.x\n",
//! );
//! let e = &parsed.bibliography.entries[0];
//! assert_eq!(e.kind, "article");
//! assert_eq!(e.key, "shannon1948mathematical");
//! assert_eq!(e.get("date").unwrap().to_string(), "1948-07");
//! assert_eq!(e.get("pages").unwrap().to_string(), "379–423");
//! assert_eq!(e.get("doi").unwrap().to_string(), "10.1002/j.1538-7305.1948.tb01338.x");
//! ```

use super::shorten;
use std::borrow::Cow;
use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;

use crate::diagnostic::{Diagnostic, LineIndex, Severity};
use crate::formats::Parsed;
use crate::keys::KeyGenerator;
use crate::model::{Date, DatePart, Entry, Name, NameList, Origin, Person, Span, Value};

/// A row of [`TYPES`].
pub(crate) type TypeRow = (&'static str, u32, &'static str, Option<&'static str>);

/// EndNote's reference types: the name, the number EndNote XML gives it, the entry type
/// it becomes, and the `entrysubtype` it also sets.
pub(crate) const TYPES: &[TypeRow] = &[
    ("Journal Article", 17, "article", None),
    ("Magazine Article", 19, "article", Some("magazine")),
    ("Newspaper Article", 23, "article", Some("newspaper")),
    ("Electronic Article", 43, "article", None),
    ("Book", 6, "book", None),
    ("Electronic Book", 44, "book", None),
    ("Edited Book", 28, "collection", None),
    ("Book Section", 5, "incollection", None),
    ("Electronic Book Section", 60, "incollection", None),
    ("Conference Proceedings", 10, "inproceedings", None),
    ("Conference Paper", 47, "inproceedings", None),
    ("Thesis", 32, "thesis", None),
    ("Report", 27, "report", None),
    ("Government Document", 46, "report", None),
    ("Web Page", 12, "online", None),
    ("Blog", 56, "online", None),
    ("Computer Program", 9, "software", None),
    ("Dataset", 59, "dataset", None),
    ("Generic", 13, "misc", None),
    ("Patent", 25, "patent", None),
    ("Unpublished Work", 34, "unpublished", None),
    ("Manuscript", 36, "unpublished", None),
    ("Pamphlet", 24, "booklet", None),
    ("Personal Communication", 26, "letter", None),
    ("Case", 7, "jurisdiction", None),
    ("Statute", 31, "legislation", None),
    ("Bill", 4, "legislation", None),
    ("Legal Rule or Regulation", 50, "legislation", None),
    ("Standard", 58, "standard", None),
    ("Serial", 57, "periodical", None),
    ("Dictionary", 52, "reference", None),
    ("Encyclopedia", 53, "reference", None),
    ("Artwork", 2, "artwork", None),
    ("Film or Broadcast", 21, "video", None),
    ("Music", 61, "music", None),
    ("Figure", 37, "image", None),
    ("Map", 20, "misc", None),
    ("Hearing", 14, "misc", None),
    ("Classical Work", 49, "misc", None),
    ("Audiovisual Material", 3, "misc", None),
];

/// Other names exporters write for a type, and the EndNote name they mean.
const TYPE_ALIASES: &[(&str, &str)] = &[
    ("software", "Computer Program"),
    ("article", "Journal Article"),
    ("journal", "Journal Article"),
    ("book chapter", "Book Section"),
    ("chapter", "Book Section"),
    ("conference", "Conference Paper"),
    ("thesis/dissertation", "Thesis"),
    ("dissertation", "Thesis"),
    ("web site", "Web Page"),
    ("electronic source", "Web Page"),
    ("data set", "Dataset"),
];

/// Entry types whose secondary title is the book or proceedings they are part of.
pub(crate) fn is_part(kind: &str) -> bool {
    matches!(kind, "incollection" | "inproceedings" | "reference")
}

/// The type named `name` or numbered `number`: its row in [`TYPES`], and whether it was
/// found only by a guess (an alias, a number without a name, case aside).
pub(crate) fn find_type(
    name: Option<&str>,
    number: Option<&str>,
) -> Option<(&'static TypeRow, bool)> {
    if let Some(n) = name {
        let n: String = n.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(t) = TYPES.iter().find(|t| t.0 == n) {
            return Some((t, false));
        }
        if let Some(t) = TYPES.iter().find(|t| t.0.eq_ignore_ascii_case(&n)) {
            return Some((t, false));
        }
        if let Some((_, m)) = TYPE_ALIASES.iter().find(|a| a.0.eq_ignore_ascii_case(&n)) {
            return TYPES.iter().find(|t| t.0 == *m).map(|t| (t, true));
        }
    }
    let num: u32 = number?.trim().parse().ok()?;
    TYPES
        .iter()
        .find(|t| t.1 == num)
        .map(|t| (t, name.is_some()))
}

/// What a tag or an element means to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A field; the first value is kept, later different ones are reported.
    Field(&'static str),
    /// A field whose values are paragraphs (several values are joined as paragraphs).
    Paragraphs(&'static str),
    /// A name list; `true` when one value may name several people (tagged lines).
    Names(&'static str, bool),
    Keywords,
    /// The authors' address: the affiliation of a sole author.
    Affiliation,
    Year,
    /// The date in free text (`%8`, `<pub-dates><date>`).
    Date,
    AccessDate,
    Pages,
    Doi,
    /// `%R`: a DOI in EndNote's files, a report number or thesis type in refer's.
    DoiOrNumber,
    Url,
    /// ISBN or ISSN.
    Serial,
    /// The secondary title: journal, book, conference or series, by the type.
    Container,
    /// A journal's full name.
    Journal,
    ShortJournal,
    /// Has no place in the model; what it is, for the message.
    Dropped(&'static str),
}

/// `%A` and the like as messages name them, for the printable ASCII tags.
const TAG_NAMES: [&str; 94] = [
    "`%!`", "`%\"`", "`%#`", "`%$`", "`%%`", "`%&`", "`%'`", "`%(`", "`%)`", "`%*`", "`%+`",
    "`%,`", "`%-`", "`%.`", "`%/`", "`%0`", "`%1`", "`%2`", "`%3`", "`%4`", "`%5`", "`%6`", "`%7`",
    "`%8`", "`%9`", "`%:`", "`%;`", "`%<`", "`%=`", "`%>`", "`%?`", "`%@`", "`%A`", "`%B`", "`%C`",
    "`%D`", "`%E`", "`%F`", "`%G`", "`%H`", "`%I`", "`%J`", "`%K`", "`%L`", "`%M`", "`%N`", "`%O`",
    "`%P`", "`%Q`", "`%R`", "`%S`", "`%T`", "`%U`", "`%V`", "`%W`", "`%X`", "`%Y`", "`%Z`", "`%[`",
    "`%\\`", "`%]`", "`%^`", "`%_`", "`%``", "`%a`", "`%b`", "`%c`", "`%d`", "`%e`", "`%f`",
    "`%g`", "`%h`", "`%i`", "`%j`", "`%k`", "`%l`", "`%m`", "`%n`", "`%o`", "`%p`", "`%q`", "`%r`",
    "`%s`", "`%t`", "`%u`", "`%v`", "`%w`", "`%x`", "`%y`", "`%z`", "`%{`", "`%|`", "`%}`", "`%~`",
];

/// How messages name a tag (without an allocation for the usual ones).
fn tag_name(tag: char) -> Cow<'static, str> {
    match (tag as usize)
        .checked_sub(0x21)
        .and_then(|i| TAG_NAMES.get(i))
    {
        Some(n) => Cow::Borrowed(n),
        None => Cow::Owned(format!("`%{tag}`")),
    }
}

/// The role of a tagged-format tag (the character after `%`).
fn tag_role(tag: char) -> Role {
    use Role::*;
    match tag {
        'A' => Names("author", true),
        'E' => Names("editor", true),
        'Y' => Names("editora", true),
        '?' => Names("translator", true),
        'T' => Field("title"),
        'B' => Container,
        'J' => Journal,
        'S' => Field("series"),
        'O' => ShortJournal,
        '!' => Field("shorttitle"),
        'D' => Year,
        '8' => Date,
        '[' => AccessDate,
        '7' => Field("edition"),
        '9' => Field("type"),
        'V' => Field("volume"),
        'N' => Field("number"),
        'P' => Pages,
        '6' => Field("volumes"),
        'I' => Field("publisher"),
        'C' => Field("location"),
        '@' => Serial,
        'R' => DoiOrNumber,
        'U' => Url,
        'X' => Paragraphs("abstract"),
        'Z' => Paragraphs("note"),
        '<' => Paragraphs("annotation"),
        'K' => Keywords,
        'G' => Field("language"),
        'F' => Field("label"),
        'M' => Field("accession"),
        '~' => Field("database"),
        '+' => Affiliation,
        'H' => Dropped("translated author"),
        'Q' => Dropped("translated title"),
        'L' => Dropped("call number"),
        'W' => Dropped("database provider or archive location"),
        '*' => Dropped("reviewed item or rights"),
        '>' => Dropped("file attachment"),
        '^' => Dropped("caption"),
        '(' => Dropped("original publication"),
        ')' => Dropped("reprint edition"),
        '1' | '2' | '3' | '4' | '5' => Dropped("custom field"),
        '$' => Dropped("NIHMSID"),
        ']' => Dropped("article number"),
        '&' => Dropped("start page"),
        '=' | '#' => Dropped("custom field"),
        _ => Dropped("tag"),
    }
}

/// One value of a record, with the byte offset it starts at and how it was named in the
/// input (`%B`, `<secondary-title>`), for messages.
pub(crate) struct RawValue<'a> {
    pub role: Role,
    /// (Borrowed from the input where it is one line of it.)
    pub value: Cow<'a, str>,
    pub at: usize,
    pub name: Cow<'static, str>,
}

/// A record before lowering: its type (name or number, and where), its values, and its
/// byte span.
#[derive(Default)]
pub(crate) struct RawRecord<'a> {
    pub type_name: Option<(String, usize)>,
    pub type_number: Option<String>,
    pub values: Vec<RawValue<'a>>,
    pub start: usize,
    pub end: usize,
}

/// The rule ids of one format.
#[derive(Clone, Copy)]
pub(crate) struct Rules {
    /// EndNote XML's ids (`endnote-xml-…`), else the tagged format's.
    pub xml: bool,
    /// How the type is spoken of (`%0`, `<ref-type>`).
    pub type_tag: &'static str,
}

pub(crate) const TAGGED: Rules = Rules {
    xml: false,
    type_tag: "`%0`",
};

/// Text as the model keeps it: NFC (normalised only where it can change something).
pub(crate) fn nfc(value: &str) -> Cow<'_, str> {
    // Control characters (XML cannot hold them) as spaces; EndNote's `\r` is kept. (A
    // look at the bytes first: C1 controls are not ASCII.)
    // (One look at the bytes tells most values apart: printable ASCII needs nothing.)
    let (mut ascii, mut ascii_control) = (true, false);
    for &b in value.as_bytes() {
        ascii &= b < 0x80;
        ascii_control |= b < 0x20 && b != b'\r' || b == 0x7f;
    }
    if ascii && !ascii_control {
        return Cow::Borrowed(value);
    }
    if ascii_control || !ascii && value.chars().any(|c| c.is_control() && c != '\r') {
        let clean: String = value
            .chars()
            .map(|c| if c.is_control() && c != '\r' { ' ' } else { c })
            .collect();
        return Cow::Owned(nfc(&clean).into_owned());
    }
    if value.is_ascii() || unicode_normalization::is_nfc(value) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(value.nfc().collect())
    }
}

/// Lowers records into entries, with diagnostics located through one line index.
pub(crate) struct Lowerer<'a> {
    pub file: Option<Arc<str>>,
    pub text: &'a str,
    pub index: LineIndex,
    pub rules: Rules,
}

impl Lowerer<'_> {
    pub(crate) fn diag(
        &self,
        severity: Severity,
        rule: &'static str,
        message: impl Into<String>,
        at: usize,
        end: usize,
    ) -> Diagnostic {
        let (line, col) = self.index.line_col(self.text, at);
        let mut d = Diagnostic::new(severity, rule, message).at_line_col(
            Span::new(at, end.max(at)),
            line,
            col,
        );
        d.file = self.file.clone();
        d
    }

    /// Lowers `r` into an entry and pushes it (or reports it when it holds nothing).
    pub(crate) fn finish(&self, r: RawRecord<'_>, keys: &mut KeyGenerator, out: &mut Parsed) {
        push(self.lower(r), keys, out);
    }

    /// Lowers `r` into an entry without its key (or the error that it holds nothing).
    pub(crate) fn lower(&self, r: RawRecord<'_>) -> Lowered {
        let has_type = r.type_name.as_ref().is_some_and(|t| !t.0.trim().is_empty())
            || r.type_number.as_ref().is_some_and(|t| !t.trim().is_empty());
        if !has_type && r.values.iter().all(|v| v.value.trim().is_empty()) {
            let message = format!(
                "a record with no type and no fields; skipped (a record starts with {} and its type)",
                self.rules.type_tag
            );
            return Lowered::Empty(if self.rules.xml {
                self.diag(
                    Severity::Error,
                    "endnote-xml-empty-record",
                    message,
                    r.start,
                    r.end,
                )
            } else {
                self.diag(
                    Severity::Error,
                    "endnote-empty-record",
                    message,
                    r.start,
                    r.end,
                )
            });
        }
        let mut b = Builder {
            lowerer: self,
            kind: "misc",
            entry: Entry::new(String::new(), "misc"),
            diags: Vec::new(),
            names: Vec::new(),
            keywords: Vec::new(),
            affiliation: None,
            year: None,
            date: None,
        };
        b.entry.fields.reserve(r.values.len() + 2);
        let at = r.type_name.as_ref().map_or(r.start, |t| t.1);
        let name = r
            .type_name
            .as_ref()
            .map(|t| t.0.trim())
            .filter(|t| !t.is_empty());
        let number = r
            .type_number
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        match find_type(name, number) {
            Some((t, guessed)) => {
                b.entry.kind = t.2.into();
                b.kind = t.2;
                if let Some(sub) = t.3 {
                    b.entry.set("entrysubtype", Value::text(sub));
                }
                if guessed {
                    let said = match (name, number) {
                        (Some(n), Some(m)) => format!("`{n}` ({m})"),
                        (Some(n), None) => format!("`{n}`"),
                        (None, m) => format!("number {}", m.unwrap_or("")),
                    };
                    b.guessed(at, format!("type {said} read as `{}`", t.0));
                }
            }
            None if has_type => {
                let said = name.or(number).unwrap_or("");
                b.guessed(
                    at,
                    format!(
                        "unknown type `{}`; read as `Generic` (misc)",
                        shorten(said, 40)
                    ),
                );
            }
            None => {
                // No type: a journal makes an article, a secondary title with a volume
                // or issue one too (AIS's tables of contents), without them a paper in
                // proceedings.
                let has = |f: fn(&Role) -> bool| r.values.iter().any(|v| f(&v.role));
                let kind = if has(|r| matches!(r, Role::Journal)) {
                    "Journal Article"
                } else if has(|r| matches!(r, Role::Container)) {
                    if has(|r| matches!(r, Role::Field("volume") | Role::Field("number"))) {
                        "Journal Article"
                    } else {
                        "Conference Paper"
                    }
                } else {
                    "Generic"
                };
                let t = TYPES.iter().find(|t| t.0 == kind).expect("a type");
                b.entry.kind = t.2.into();
                b.kind = t.2;
                b.guessed(
                    r.start,
                    format!(
                        "record without a type ({}); read as `{kind}` from its fields",
                        self.rules.type_tag
                    ),
                );
            }
        }
        for v in &r.values {
            b.value(v);
        }
        let (mut e, diags) = b.done();
        let (line, column) = self.index.line_col(self.text, r.start);
        e.origin = Some(Origin {
            file: self.file.clone(),
            span: Span::new(r.start, r.end),
            line,
            column,
        });
        let base = KeyGenerator::base_key(&e);
        Lowered::Entry(e, base, diags)
    }
}

/// A record lowered, before it gets its key.
pub(crate) enum Lowered {
    /// A record that holds nothing: the error saying so.
    Empty(Diagnostic),
    /// The entry, the key it is to be made from, and what lowering it reported.
    Entry(Entry, String, Vec<Diagnostic>),
}

/// Gives a lowered record its key (keys are handed out in input order) and adds it to `out`.
pub(crate) fn push(lowered: Lowered, keys: &mut KeyGenerator, out: &mut Parsed) {
    match lowered {
        Lowered::Empty(d) => out.diagnostics.push(d),
        Lowered::Entry(mut e, base, diags) => {
            e.key = keys.generate_from(&base);
            let key = e.key.clone();
            out.diagnostics
                .extend(diags.into_iter().map(|d| d.with_key(key.clone())));
            out.bibliography.entries.push(e);
        }
    }
}

/// One record being lowered.
struct Builder<'l, 'a> {
    lowerer: &'l Lowerer<'a>,
    /// The entry's type (as `entry.kind`, without a borrow of the entry).
    kind: &'static str,
    entry: Entry,
    diags: Vec<Diagnostic>,
    names: Vec<(&'static str, NameList)>,
    keywords: Vec<String>,
    /// The author address and where.
    affiliation: Option<(String, usize)>,
    /// The year (`%D`, `<year>`) and where.
    year: Option<(String, usize)>,
    /// The date in free text and where.
    date: Option<(String, usize)>,
}

impl Builder<'_, '_> {
    fn report(&mut self, severity: Severity, rule: &'static str, at: usize, message: String) {
        let d = self.lowerer.diag(severity, rule, message, at, at);
        self.diags.push(d);
    }

    fn guessed(&mut self, at: usize, message: String) {
        if self.lowerer.rules.xml {
            self.report(Severity::Info, "endnote-xml-guessed", at, message);
        } else {
            self.report(Severity::Info, "endnote-guessed", at, message);
        }
    }

    fn dropped(&mut self, at: usize, message: String) {
        if self.lowerer.rules.xml {
            self.report(Severity::Warning, "endnote-xml-dropped", at, message);
        } else {
            self.report(Severity::Warning, "endnote-dropped", at, message);
        }
    }

    fn has(&self, name: &str) -> bool {
        self.entry.fields.iter().any(|f| f.name == name)
    }

    /// Sets `name` unless the record has it already: then a different value is reported.
    fn field(&mut self, what: &str, name: &str, value: Value, at: usize) {
        match self.entry.fields.iter().find(|f| f.name == name) {
            None => self.entry.set(name, value),
            Some(old) if old.value.to_plain_string() == value.to_plain_string() => {}
            Some(old) => {
                let old = old.value.to_plain_string();
                self.dropped(
                    at,
                    format!(
                        "{what}: the record's {name} is `{}`; dropped: `{}`",
                        shorten(&old, 40),
                        shorten(&value.to_plain_string(), 60)
                    ),
                );
            }
        }
    }

    fn value(&mut self, v: &RawValue<'_>) {
        let normalised = nfc(&v.value);
        let value = normalised.trim();
        if value.is_empty() {
            return;
        }
        let what: &str = &v.name;
        let at = v.at;
        let kind = self.kind;
        match v.role {
            Role::Field(f) => {
                let one = one_line(value);
                self.field(what, f, Value::text(one), at)
            }
            Role::Paragraphs(f) => {
                let text = paragraphs(value);
                if text.is_empty() {
                    return;
                }
                match self.entry.fields.iter_mut().find(|x| x.name == f) {
                    Some(old) => {
                        let mut s = old.value.to_plain_string();
                        if !s.split("\n\n").any(|p| p == text) {
                            s.push_str("\n\n");
                            s.push_str(&text);
                            old.value = Value::text(s);
                        }
                    }
                    None => self.entry.set(f, Value::text(text)),
                }
            }
            Role::Names(f, several) => {
                let parts = if several {
                    split_people(value)
                } else {
                    vec![value.to_string()]
                };
                if parts.len() > 1 {
                    self.guessed(
                        at,
                        format!(
                            "{what} names {} people on one line; read as {} names",
                            parts.len(),
                            parts.len()
                        ),
                    );
                }
                for p in parts {
                    let Some(name) = parse_name(&p) else {
                        self.dropped(
                            at,
                            format!("{what}: `{}` names nobody; dropped", shorten(&p, 40)),
                        );
                        continue;
                    };
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
            }
            Role::Keywords => {
                for k in value.split(['\r', ';']) {
                    let k = one_line(k);
                    if !k.is_empty() {
                        self.keywords.push(k);
                    }
                }
            }
            Role::Affiliation => {
                let a = value
                    .split('\r')
                    .map(one_line)
                    .filter(|a| !a.is_empty())
                    .collect::<Vec<_>>()
                    .join("; ");
                match &mut self.affiliation {
                    None => self.affiliation = Some((a, at)),
                    Some((old, _)) if *old == a => {}
                    Some((old, _)) => {
                        old.push_str("; ");
                        old.push_str(&a);
                    }
                }
            }
            Role::Year => {
                if self.year.is_none() {
                    self.year = Some((one_line(value), at));
                } else if self.year.as_ref().is_some_and(|y| y.0 != one_line(value)) {
                    let old = self.year.as_ref().map(|y| y.0.clone()).unwrap_or_default();
                    self.dropped(
                        at,
                        format!(
                            "{what}: the record's year is `{old}`; dropped: `{}`",
                            shorten(value, 40)
                        ),
                    );
                }
            }
            Role::Date => {
                if self.date.is_none() {
                    self.date = Some((one_line(value), at));
                } else if self.date.as_ref().is_some_and(|y| y.0 != one_line(value)) {
                    self.dropped(
                        at,
                        format!("{what}: a second date dropped: `{}`", shorten(value, 40)),
                    );
                }
            }
            Role::AccessDate => {
                let s = one_line(value);
                match parse_iso(&s)
                    .map(Date::Single)
                    .or_else(|| crate::date::parse(&s))
                {
                    Some(d @ Date::Single(_)) => {
                        if !is_iso(&s) {
                            self.guessed(at, format!("{what}: date `{s}` read as {d}"));
                        }
                        self.field(what, "urldate", Value::date(d), at)
                    }
                    _ => self.dropped(
                        at,
                        format!(
                            "{what}: `{}` is not a date bibkit can read; dropped",
                            shorten(&s, 40)
                        ),
                    ),
                }
            }
            Role::Pages => self.field(what, "pages", Value::text(dash_range(&one_line(value))), at),
            Role::Doi => {
                let d = doi(&one_line(value)).to_string();
                if !d.is_empty() {
                    self.field(what, "doi", Value::Verbatim(d), at)
                }
            }
            Role::DoiOrNumber => {
                let s = one_line(value);
                let d = doi(&s);
                if d.starts_with("10.") {
                    self.field(what, "doi", Value::Verbatim(d.to_string()), at)
                } else if kind == "thesis" {
                    self.field(what, "type", Value::text(s), at)
                } else {
                    self.field(what, "number", Value::text(s), at)
                }
            }
            Role::Url => {
                // One URL a line (`<Go to ISI>://…` has spaces).
                let mut urls = value.split('\r').map(one_line).filter(|u| !u.is_empty());
                if let Some(u) = urls.next() {
                    if self.has("url") {
                        self.field(what, "url", Value::Verbatim(u.to_string()), at);
                    } else {
                        self.entry.set("url", Value::Verbatim(u.to_string()));
                    }
                }
                let rest: Vec<String> = urls.collect();
                if !rest.is_empty() {
                    self.dropped(
                        at,
                        format!(
                            "{what}: one URL is kept; dropped: {}",
                            shorten(&rest.join(" "), 80)
                        ),
                    );
                }
            }
            Role::Serial => {
                let book = matches!(
                    kind,
                    "book" | "collection" | "reference" | "incollection" | "inproceedings"
                );
                for n in value
                    .split(['\n', '\r', ';'])
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                {
                    let n = one_line(n);
                    let field = match serial_kind(&n) {
                        Some(f) => f,
                        None => {
                            let f = if book { "isbn" } else { "issn" };
                            self.guessed(
                                at,
                                format!(
                                    "{what}: `{}` is neither an ISBN nor an ISSN; kept as the {f}",
                                    shorten(&n, 40)
                                ),
                            );
                            f
                        }
                    };
                    self.field(what, field, Value::text(n), at);
                }
            }
            Role::Container => {
                let f = if kind == "article" || kind == "periodical" {
                    "journaltitle"
                } else if is_part(kind) {
                    "booktitle"
                } else {
                    "series"
                };
                self.field(what, f, Value::text(one_line(value)), at)
            }
            Role::Journal => {
                let f = if kind == "article"
                    || kind == "periodical"
                    || !self.has("journaltitle") && !is_part(kind) && kind != "book"
                {
                    "journaltitle"
                } else if is_part(kind) {
                    "booktitle"
                } else {
                    "series"
                };
                self.field(what, f, Value::text(one_line(value)), at)
            }
            Role::ShortJournal => {
                self.field(what, "shortjournal", Value::text(one_line(value)), at)
            }
            Role::Dropped(about) => self.dropped(
                at,
                format!(
                    "{what} ({about}) has no place in the model; dropped: `{}`",
                    shorten(&one_line(value), 60)
                ),
            ),
        }
    }

    /// The entry, with its names, keywords and date, and what was said about it.
    fn done(mut self) -> (Entry, Vec<Diagnostic>) {
        if let Some((a, at)) = self.affiliation.take() {
            // An address is a sole author's affiliation; of several, whose is not said.
            match self.names.iter_mut().find(|(f, _)| *f == "author") {
                Some((_, list))
                    if list.names.len() == 1 && matches!(list.names[0], Name::Person(_)) =>
                {
                    if let Name::Person(p) = &mut list.names[0] {
                        p.affiliation = a;
                    }
                }
                Some((_, list)) => {
                    let n = list.names.len();
                    self.dropped(at, format!("the author address is not said to be one of the {n} authors'; dropped: `{}`", shorten(&a, 60)));
                }
                None => self.dropped(
                    at,
                    format!(
                        "an author address without an author; dropped: `{}`",
                        shorten(&a, 60)
                    ),
                ),
            }
        }
        let names = std::mem::take(&mut self.names);
        for (f, list) in names {
            self.entry.set(f, Value::Names(list));
        }
        if !self.keywords.is_empty() {
            let k = super::join_keywords(std::mem::take(&mut self.keywords));
            self.entry.set("keywords", Value::text(k));
        }
        let year = self.year.take();
        let date = self.date.take();
        if let Some(d) = self.date_of(year, date) {
            self.entry.set("date", Value::date(Date::Single(d)));
        }
        (self.entry, self.diags)
    }

    /// The date from the year and the free-text date: the date when it says the year (or
    /// there is none) or says it with the year added, else the year.
    fn date_of(
        &mut self,
        year: Option<(String, usize)>,
        date: Option<(String, usize)>,
    ) -> Option<DatePart> {
        let year_part = match &year {
            Some((y, at)) => match parse_year(y) {
                Some(p) => Some(p),
                None => match crate::date::parse(y).filter(|_| has_four_digits(y)) {
                    Some(Date::Single(p)) => {
                        if !is_iso(y) {
                            self.guessed(
                                *at,
                                format!("year `{y}` read as {}", Date::Single(p.clone())),
                            );
                        }
                        Some(p)
                    }
                    _ => {
                        self.dropped(
                            *at,
                            format!(
                                "`{}` is not a year bibkit can read; dropped",
                                shorten(y, 40)
                            ),
                        );
                        None
                    }
                },
            },
            None => None,
        };
        let Some((text, at)) = date else {
            return year_part;
        };
        let alone = parse_iso(&text)
            .map(Date::Single)
            .or_else(|| crate::date::parse(&text).filter(|_| has_four_digits(&text)));
        let with_year = || {
            let y = year_part.as_ref()?.year;
            crate::date::parse_free(&format!("{text} {y}"))
        };
        let found = match alone {
            Some(Date::Single(p)) => Some((p, is_iso(&text))),
            Some(_) => None,
            None => match with_year() {
                Some(Date::Single(p)) => Some((p, false)),
                _ => None,
            },
        };
        match (found, year_part) {
            (Some((p, _)), Some(y)) if p.year != y.year => {
                self.dropped(
                    at,
                    format!(
                        "the date `{text}` is not in the record's year {}; dropped",
                        y.year
                    ),
                );
                Some(y)
            }
            (Some((p, sure)), y) => {
                // A date that says no more than the year adds nothing to guess about.
                let more = y
                    .as_ref()
                    .is_none_or(|y| p.month.is_some() && y.month.is_none() || p != *y);
                if !sure && more {
                    self.guessed(
                        at,
                        format!("date `{text}` read as {}", Date::Single(p.clone())),
                    );
                }
                Some(p)
            }
            (None, y) => {
                self.dropped(
                    at,
                    format!(
                        "`{}` is not a date bibkit can read; dropped",
                        shorten(&text, 40)
                    ),
                );
                y
            }
        }
    }
}

/// A year of one to four digits (`1948`, `  2017 `).
fn parse_year(s: &str) -> Option<DatePart> {
    let s = s.trim();
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    crate::date::checked(s.parse().ok()?, None, None)
}

/// `2017-04-15`, `2017-4-15`, `2017-04`: a year of four digits, a month and a day of one
/// or two.
fn parse_iso(s: &str) -> Option<DatePart> {
    let mut parts = s.trim().split('-');
    let y = parts.next()?;
    if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let small = |x: Option<&str>| -> Option<Option<u8>> {
        match x {
            None => Some(None),
            Some(x) if (1..=2).contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit()) => {
                x.parse().ok().map(Some)
            }
            Some(_) => None,
        }
    };
    let m = small(parts.next())?;
    let d = small(parts.next())?;
    if parts.next().is_some() {
        return None;
    }
    crate::date::checked(y.parse().ok()?, m, d)
}

fn has_four_digits(s: &str) -> bool {
    s.as_bytes()
        .windows(4)
        .any(|w| w.iter().all(u8::is_ascii_digit))
}

/// An ISO date (`2017-04-15`, `2017-4-15`, `2017-04`): as sure as a year.
fn is_iso(s: &str) -> bool {
    let s = s.trim();
    s.len() >= 4
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && s[..4].bytes().all(|b| b.is_ascii_digit())
}

/// Text on one line: runs of white space (line breaks too) as one space, trimmed.
pub(crate) fn one_line(s: &str) -> String {
    // Most values are on one line already.
    let b = s.as_bytes();
    let mut plain = b.first() != Some(&b' ') && b.last() != Some(&b' ');
    let mut space = false;
    for &c in b {
        plain &= (b' '..0x80).contains(&c) && !(space && c == b' ');
        space = c == b' ';
    }
    if plain {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Paragraphs: the value's lines (apart by EndNote's line break, `\r`), each on one
/// line, apart by a blank line.
fn paragraphs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for p in s.split('\r') {
        let p = one_line(p);
        if p.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&p);
    }
    out
}

/// The people one line names: apart by semicolons, or by ` and ` when every part is a
/// `Family, Given` name.
fn split_people(value: &str) -> Vec<String> {
    let parts: Vec<String> = value
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    let mut out = Vec::new();
    for p in parts {
        let ands: Vec<&str> = p.split(" and ").map(str::trim).collect();
        if ands.len() > 1 && ands.iter().all(|a| a.contains(',') && !a.ends_with(',')) {
            out.extend(ands.into_iter().map(str::to_string));
        } else {
            out.push(p);
        }
    }
    out
}

/// An EndNote name: `Family, Given, Suffix` (a lowercase start of the family part is its
/// particle), given names first when there is no comma, an organisation when it ends in
/// a comma (`World Health Organization,`). `None` when it names nobody.
pub(crate) fn parse_name(value: &str) -> Option<Name> {
    let v = one_line(value);
    if v.trim_matches(|c: char| c == ',' || c == '.' || c.is_whitespace())
        .is_empty()
    {
        return None;
    }
    if let Some(org) = v.strip_suffix(',') {
        return Some(Name::Literal(org.trim_end_matches(',').trim().to_string()));
    }
    let mut parts = v.splitn(3, ',').map(str::trim);
    let family_part = parts.next().unwrap_or("");
    let Some(given) = parts.next() else {
        return Some(Name::Person(crate::name::parse_given_first(&v)));
    };
    let suffix = parts.next().unwrap_or("");
    let words: Vec<&str> = family_part.split_whitespace().collect();
    let lead = words
        .iter()
        .take(words.len().saturating_sub(1))
        .take_while(|w| crate::name::starts_lowercase(w))
        .count();
    Some(Name::Person(Person::new(
        given,
        words[..lead].join(" "),
        words[lead..].join(" "),
        suffix,
    )))
}

/// A name as EndNote writes it: `Family, Given, Suffix`, an organisation with a comma
/// after it.
pub(crate) fn name_text(n: &Name) -> String {
    match n {
        Name::Literal(s) => format!("{s},"),
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

/// `12-34` and `12--34` as `12–34`, the range the model keeps (anything else as it is).
pub(crate) fn dash_range(p: &str) -> String {
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
pub(crate) fn serial_kind(n: &str) -> Option<&'static str> {
    let core = n.split('(').next().unwrap_or(n);
    let digits = core
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
        .count();
    let clean = core
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x' | '-' | ' '));
    match (clean, digits) {
        (true, 8) => Some("issn"),
        (true, 10 | 13) => Some("isbn"),
        _ => None,
    }
}

/// The tag and value of a tagged line (`%A Shannon, C.`): `%`, a character that is not
/// white space or `%`, then the end of the line or a space and the value.
fn split_tag(line: &str) -> Option<(char, &str)> {
    let rest = line.strip_prefix('%')?;
    let mut chars = rest.chars();
    let tag = chars.next()?;
    if tag.is_whitespace() || tag == '%' {
        return None;
    }
    let after = chars.as_str();
    if after.is_empty() {
        return Some((tag, ""));
    }
    let value = after.strip_prefix([' ', '\t'])?;
    Some((tag, value))
}

/// Whether `text` looks like EndNote's tagged format: its first non-blank line is a tag
/// line with a value (`%0 Journal Article`, `%A …`, `%T …`; a lone `%0` is not enough).
///
/// ```
/// use bibkit::formats::endnote::sniff;
/// assert!(sniff("\n%0 Journal Article\n%T A title\n"));
/// assert!(sniff("%T A title\n%A Doe, J.\n"));
/// assert!(!sniff("%0"));
/// assert!(!sniff("% Encoding: UTF-8\n@article{k, title = {T}}"));
/// assert!(!sniff("TY  - JOUR\nER  - \n"));
/// ```
pub fn sniff(text: &str) -> bool {
    let Some(first) = text
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim_end())
        .find(|l| !l.trim().is_empty())
    else {
        return false;
    };
    match split_tag(first) {
        Some((tag, value)) => {
            !value.trim().is_empty()
                && (tag.is_ascii_alphanumeric() || "@!?#$&()*+<>[]^~=".contains(tag))
        }
        None => false,
    }
}

/// Reads EndNote's tagged format (see the module docs). Keys are generated.
#[derive(Debug, Clone, Default)]
pub struct EndnoteReader {
    file: Option<Arc<str>>,
}

impl EndnoteReader {
    /// A reader.
    pub fn new() -> Self {
        EndnoteReader::default()
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
        self.read_in_parts(text, keys, 1 << 20)
    }

    /// [`read_with_keys`](Self::read_with_keys), reading parts of about `min` bytes apart.
    fn read_in_parts(&self, text: &str, keys: &mut KeyGenerator, min: usize) -> Parsed {
        let lowerer = Lowerer {
            file: self.file.clone(),
            text,
            index: LineIndex::new(text),
            rules: TAGGED,
        };
        // Records end at blank lines, so the text is cut at blank lines into parts read
        // apart (on all cores); keys are then handed out in input order.
        let bounds = blank_line_bounds(text, min);
        let scan = |w: &[usize]| scan(&lowerer, text, w[0], w[1]);
        #[cfg(feature = "parallel")]
        let parts: Vec<Part> = {
            use rayon::prelude::*;
            bounds.par_windows(2).map(scan).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let parts: Vec<Part> = bounds.windows(2).map(scan).collect();
        let mut out = Parsed::default();
        let n = parts.iter().map(|p| p.lowered.len()).sum();
        out.bibliography.entries.reserve(n);
        out.diagnostics.reserve(n * 2);
        let mut outside: Option<(usize, usize, usize)> = None;
        for part in parts {
            for l in part.lowered {
                push(l, keys, &mut out);
            }
            if let Some((at, end, n)) = part.outside {
                outside.get_or_insert((at, end, 0)).2 += n;
            }
        }
        if let Some((at, end, n)) = outside {
            out.diagnostics.push(lowerer.diag(
                Severity::Warning,
                "endnote-dropped",
                format!(
                    "{n} line{} outside records without a tag dropped, the first `{}`",
                    if n == 1 { "" } else { "s" },
                    shorten(text[at..end].trim(), 60)
                ),
                at,
                end,
            ));
        }
        out.diagnostics.sort_by_key(|d| d.span.start);
        out
    }
}

/// What one part of a tagged text read: its records lowered, and the lines outside records
/// (where the first is, and how many).
struct Part {
    lowered: Vec<Lowered>,
    outside: Option<(usize, usize, usize)>,
}

/// Reads the records of `text[from..to]` (which starts a line after a blank line, or the
/// text).
fn scan(lowerer: &Lowerer<'_>, text: &str, from: usize, to: usize) -> Part {
    // (About a record for each 500 bytes.)
    let mut lowered = Vec::with_capacity((to - from) / 500);
    let mut record: Option<RawRecord<'_>> = None;
    // Whether the last tag line may be continued (no blank line since).
    let mut open = false;
    let mut outside: Option<(usize, usize, usize)> = None;
    let mut start = from;
    for raw in text[from..to].split_inclusive('\n') {
        let at = start;
        start += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let lead = line.len() - line.trim_start_matches('\u{feff}').len();
        let (at, line) = (at + lead, &line[lead..]);
        let end = at + line.len();
        if line.trim().is_empty() {
            // A blank line ends the record.
            if let Some(r) = record.take() {
                lowered.push(lowerer.lower(r));
            }
            open = false;
            continue;
        }
        match split_tag(line) {
            Some((tag, value)) => {
                if tag == '0' {
                    if record.as_ref().is_some_and(|r| r.type_name.is_some()) {
                        let r = record.take().expect("a record");
                        lowered.push(lowerer.lower(r));
                    }
                    let r = record.get_or_insert_with(|| RawRecord {
                        start: at,
                        ..RawRecord::default()
                    });
                    r.type_name = Some((value.trim().to_string(), at));
                    r.end = end;
                } else {
                    let r = record.get_or_insert_with(|| RawRecord {
                        start: at,
                        ..RawRecord::default()
                    });
                    r.values.push(RawValue {
                        role: tag_role(tag),
                        value: Cow::Borrowed(value),
                        at,
                        name: tag_name(tag),
                    });
                    r.end = end;
                }
                open = true;
            }
            None => match record.as_mut().and_then(|r| {
                let end = &mut r.end;
                r.values.last_mut().filter(|_| open).map(|v| (v, end))
            }) {
                // A line without a tag continues the value before it.
                Some((v, rend)) => {
                    // (`\r` is a line break the value keeps, as EndNote XML's.)
                    let sep = match v.role {
                        Role::Paragraphs(_) | Role::Keywords => "\r",
                        _ => " ",
                    };
                    let more = v.value.to_mut();
                    more.push_str(sep);
                    more.push_str(line.trim());
                    *rend = end;
                }
                None => {
                    let o = outside.get_or_insert((at, end, 0));
                    o.2 += 1;
                }
            },
        }
    }
    if let Some(r) = record.take() {
        lowered.push(lowerer.lower(r));
    }
    Part { lowered, outside }
}

/// Where the parts of `text` start and end: after blank lines about `min` bytes apart
/// (only `[0, len]` for a text shorter than twice `min`).
fn blank_line_bounds(text: &str, min: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut bounds = vec![0];
    if text.len() >= 2 * min {
        let mut at = min;
        while at < text.len() {
            // The line after the next blank line that starts after `at`.
            let Some(nl) = memchr::memchr(b'\n', &bytes[at..]) else {
                break;
            };
            let mut line = at + nl + 1;
            let found = loop {
                let Some(end) = memchr::memchr(b'\n', &bytes[line..]).map(|i| line + i) else {
                    break None;
                };
                if text[line..end].trim().is_empty() {
                    break Some(end + 1);
                }
                line = end + 1;
            };
            let Some(b) = found else { break };
            if b + min / 2 >= text.len() {
                break;
            }
            bounds.push(b);
            at = b + min;
        }
    }
    bounds.push(text.len());
    bounds
}

/// Reads EndNote tagged text (see [`EndnoteReader`]).
pub fn read(text: &str) -> Parsed {
    EndnoteReader::new().read(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_types_names_and_continuations() {
        let p = read(
            "%T First\n%0 Journal Article\n%A a1l, a1f and a2l, a2f\n%E Org Name,\n%K kw1\nkw2\n%K kw3; kw4\n%B Journal One\n%D 2017\n%8 2017-4-15\n\n%0 Book\n%T Second\n%@ 0-201-13447-0\n%0 Thesis\n%T Third\n%R PhD thesis\n",
        );
        let es = &p.bibliography.entries;
        assert_eq!(es.len(), 3, "{:?}", p.diagnostics);
        assert_eq!(es[0].kind, "article");
        assert_eq!(
            es[0].get("journaltitle").unwrap().to_string(),
            "Journal One"
        );
        assert_eq!(es[0].authors().unwrap().names.len(), 2);
        assert_eq!(
            es[0].editors().unwrap().names[0],
            Name::Literal("Org Name".into())
        );
        assert_eq!(
            es[0].get("keywords").unwrap().to_string(),
            "kw1, kw2, kw3, kw4"
        );
        assert_eq!(es[0].get("date").unwrap().to_string(), "2017-04-15");
        assert_eq!(es[1].get("isbn").unwrap().to_string(), "0-201-13447-0");
        assert_eq!(es[2].get("type").unwrap().to_string(), "PhD thesis");
        assert_eq!(p.diagnostics[0].line, 3);
    }

    #[test]
    fn parts_read_as_the_whole_does() {
        let mut text = String::new();
        for i in 0..300 {
            text.push_str(&format!(
                "%0 Journal Article\n%A Family{}, Given\n%T Title {i}\n  continued\n%D 20{:02}\n%8 spring\n\n",
                i % 7,
                i % 30
            ));
            if i % 50 == 0 {
                text.push_str("stray line\n\n%0\n\n \r\n%K a\nb\n\n");
            }
        }
        let whole =
            EndnoteReader::new().read_in_parts(&text, &mut KeyGenerator::new(), usize::MAX / 4);
        for min in [1, 7, 64, 1000] {
            let parts = EndnoteReader::new().read_in_parts(&text, &mut KeyGenerator::new(), min);
            assert_eq!(
                format!("{:?}", parts.bibliography),
                format!("{:?}", whole.bibliography)
            );
            assert_eq!(
                format!("{:?}", parts.diagnostics),
                format!("{:?}", whole.diagnostics)
            );
        }
        assert!(blank_line_bounds(&text, 64).len() > 100);
    }

    #[test]
    fn empty_records_are_errors_and_the_rest_is_read() {
        let p = read("%0\n\n%0 Book\n%T Kept\n");
        assert_eq!(p.bibliography.len(), 1);
        assert!(p.has_errors());
        assert_eq!(p.diagnostics[0].line, 1);
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        for s in [
            "%",
            "%%",
            "%\u{e9}",
            "%0 \r\n\r\n",
            "x\ny\n",
            "%A ,",
            "%A ;;; and ,",
            "%8 99",
            "%D 99999",
            "%P -",
            "%U",
            "\u{feff}%T x",
            "%K\n\n\n",
            "%0 Book\n%0 Book\n%0",
        ] {
            let p = read(s);
            for d in &p.diagnostics {
                assert!(d.line >= 1, "{s:?}: {d:?}");
            }
        }
    }
}
