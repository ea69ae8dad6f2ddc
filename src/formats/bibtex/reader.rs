//! Lowering the syntax tree to the model.

use crate::fxhash::FxHashMap;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::Parsed;
use crate::keys::KeyGenerator;
use crate::latex::{self, DecodeOptions};
use crate::model::{
    Bibliography, Chunk, Comment, CommentKind, Date, DatePart, Entry, Field, Origin, RangeEnd,
    Season, Span, Text, Value,
};
use crate::syntax::{self, Block, BlockKind, FieldNode, Item, PieceKind, Tree};

/// Options for reading `.bib` files. Defaults: no file name, crossref and xdata inheritance
/// resolved.
///
/// ```
/// use bibkit::formats::bibtex::Reader;
/// let src = "@proceedings{p, title = {Proc}, year = 2001}\n@inproceedings{a, title = {Paper}, crossref = {p}}";
/// let parsed = Reader::new().read(src);
/// let a = parsed.bibliography.get("a").unwrap();
/// assert_eq!(a.get("booktitle").unwrap().to_plain_string(), "Proc");
/// assert_eq!(a.date_in("date").unwrap().to_string(), "2001");
/// let raw = Reader::new().resolve_crossrefs(false).read(src);
/// assert!(raw.bibliography.get("a").unwrap().get("booktitle").is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Reader {
    file: Option<Arc<str>>,
    resolve_crossrefs: bool,
    record_names: bool,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            file: None,
            resolve_crossrefs: true,
            record_names: false,
        }
    }
}

/// Reads BibTeX/BibLaTeX with default options (see [`Reader`]).
pub fn read(text: &str) -> Parsed {
    Reader::new().read(text)
}

impl Reader {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the file being read, for origins and diagnostics.
    pub fn file(mut self, name: impl Into<Arc<str>>) -> Self {
        self.file = Some(name.into());
        self
    }

    /// Whether entries inherit fields from their `crossref` and `xdata` parents (default
    /// true). Turn it off to keep the structure when writing `.bib` again.
    pub fn resolve_crossrefs(mut self, yes: bool) -> Self {
        self.resolve_crossrefs = yes;
        self
    }

    /// Whether a [`Lowering`] records the distinct entry types and field names the source
    /// uses ([`Lowering::names`]; default false), so that a caller knows them before it
    /// lowers any entry.
    ///
    /// ```
    /// use bibkit::formats::bibtex::{Lowering, Reader};
    /// let l = Lowering::from_source("@Online{a, URLdate = {2020}}", Reader::new().record_names(true));
    /// let names = l.names(0).unwrap();
    /// assert!(names.types.contains("online") && names.fields.contains("urldate"));
    /// ```
    pub fn record_names(mut self, yes: bool) -> Self {
        self.record_names = yes;
        self
    }

    /// Parses and lowers `text` (a segment at a time: the whole syntax tree is never held;
    /// see [`Lowering::from_source`]).
    pub fn read(&self, text: &str) -> Parsed {
        Self::lower_all(Lowering::from_source(text, self.clone()))
    }

    /// Reads several sources as one bibliography, in order, as BibTeX reads the files of
    /// `\bibliography{strings,refs}`: macros carry from a source to those after it, and
    /// `crossref`/`xdata`/`xref` resolve across all of them (see
    /// [`Lowering::from_sources`]). Each entry's origin and each diagnostic names its own
    /// source.
    ///
    /// ```
    /// use bibkit::formats::bibtex::Reader;
    /// let parsed = Reader::new().read_sources([
    ///     (Some("strings.bib".into()), "@string{tcs = {Theoretical Computer Science}}"),
    ///     (Some("refs.bib".into()), "@article{a, journal = tcs}\n@article{A, journal = tcs}"),
    /// ]);
    /// let a = &parsed.bibliography.entries[0];
    /// assert_eq!(a.get("journaltitle").unwrap().to_plain_string(), "Theoretical Computer Science");
    /// let d = &parsed.diagnostics[0];
    /// assert_eq!((d.rule, d.file.as_deref(), d.line), ("duplicate-key", Some("refs.bib"), 2));
    /// ```
    pub fn read_sources<'a, I>(&self, sources: I) -> Parsed
    where
        I: IntoIterator<Item = (Option<Arc<str>>, &'a str)>,
    {
        Self::lower_all(Lowering::from_sources(sources, self.clone()))
    }

    /// Lowers a parsed tree: every entry, with its diagnostics, in input order.
    pub fn lower(&self, tree: &Tree<'_>) -> Parsed {
        Self::lower_all(Lowering::new(tree, self.clone()))
    }

    fn lower_all(lowering: Lowering<'_>) -> Parsed {
        let mut diagnostics = lowering.diagnostics.clone();
        #[cfg(feature = "parallel")]
        let lowered: Vec<(Entry, Vec<Diagnostic>)> = {
            use rayon::prelude::*;
            (0..lowering.len())
                .into_par_iter()
                .with_min_len(64)
                .map(|i| lowering.entry(i))
                .collect()
        };
        #[cfg(not(feature = "parallel"))]
        let lowered: Vec<(Entry, Vec<Diagnostic>)> =
            (0..lowering.len()).map(|i| lowering.entry(i)).collect();
        let mut entries = Vec::with_capacity(lowered.len());
        for (e, d) in lowered {
            entries.push(e);
            diagnostics.extend(d);
        }
        lowering.finish_diagnostics(&mut diagnostics);
        Parsed {
            bibliography: Bibliography {
                entries,
                preambles: lowering.preambles(),
                comments: lowering.comments(),
            },
            diagnostics,
        }
    }
}

/// The text of a `%` comment: without the `%`, one space after it, and trailing space.
fn line_comment_text(s: &str) -> String {
    let s = s.strip_prefix('%').unwrap_or(s);
    let s = s.strip_prefix(' ').unwrap_or(s);
    s.trim_end().to_string()
}

/// The message of a `duplicate-key` finding, the same from every command: `key` repeats
/// `first_key` (equal ignoring case) defined at `place` (`at refs.bib:3`, `on line 3`);
/// `kinds` are the two entry types, when known.
pub(crate) fn duplicate_key_message(
    key: &str,
    first_key: &str,
    place: &str,
    kinds: Option<(&str, &str)>,
) -> String {
    let same = if first_key == key {
        String::new()
    } else {
        format!(" as `{first_key}` (keys are compared ignoring case)")
    };
    let what = match kinds {
        Some((t1, t2)) if conflicting_duplicate(t1, t2) => {
            format!(" by a different kind of work (@{t1})")
        }
        _ => String::new(),
    };
    format!(
        "duplicate key `{key}`: already used{same}{what} {place}; BibTeX and biber keep only the first, bibkit keeps both"
    )
}

/// An entry BibTeX output wrote as the BibTeX type nearest its own (`@misc` for
/// `@online`) gets its own type back from its `entrytype` field.
fn restore_kind(e: &mut Entry) {
    let Some(i) = e.fields.iter().position(|f| f.name == "entrytype") else {
        return;
    };
    let own = e.fields[i]
        .value
        .to_plain_string()
        .trim()
        .to_ascii_lowercase();
    let typed = matches!(own.as_str(), "thesis" | "report") && e.get("type").is_some();
    if !typed && super::bibtex_fallback(&own).is_some_and(|k| k == e.kind) {
        e.kind = own;
        e.fields.remove(i);
    }
}

/// Whether two entries with one key are a conflict (different entry types: two different
/// works, so citations of the key are ambiguous) rather than one work entered twice.
pub(crate) fn conflicting_duplicate(type1: &str, type2: &str) -> bool {
    !type1.eq_ignore_ascii_case(type2)
}

/// How a field's value is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldType {
    Names,
    Date,
    Verbatim,
    Doi,
    Text,
}

/// What bibkit knows about a field name: its BibLaTeX spelling and how it is read.
#[derive(Debug, Clone, Copy)]
struct FieldSpec {
    canonical: &'static str,
    ty: FieldType,
}

/// One lookup for a lowercase field name (`None` for names bibkit does not know).
fn spec(name: &str) -> Option<FieldSpec> {
    use std::sync::OnceLock;
    static SPECS: OnceLock<FxHashMap<&'static str, FieldSpec>> = OnceLock::new();
    SPECS
        .get_or_init(|| {
            crate::model::KNOWN_FIELDS
                .iter()
                .map(|&n| {
                    let canonical = canonical_field(n);
                    let canonical = crate::model::known_field(canonical).unwrap_or(n);
                    (
                        n,
                        FieldSpec {
                            canonical,
                            ty: field_type(canonical),
                        },
                    )
                })
                .collect()
        })
        .get(name)
        .copied()
}

fn field_type(name: &str) -> FieldType {
    match name {
        "author" | "editor" | "editora" | "editorb" | "editorc" | "translator" | "annotator"
        | "commentator" | "introduction" | "foreword" | "afterword" | "bookauthor" | "holder"
        | "shortauthor" | "shorteditor" | "namea" | "nameb" | "namec" | "sortname" => {
            FieldType::Names
        }
        // CSL's name and date variables, as fields of their own name.
        n if crate::formats::csl_json::NAME_VARIABLES.contains(&n) => FieldType::Names,
        "date" | "urldate" | "eventdate" | "origdate" => FieldType::Date,
        n if crate::formats::csl_json::DATE_VARIABLES.contains(&n) => FieldType::Date,
        "doi" => FieldType::Doi,
        "url" | "eprint" | "file" | "groups" | "pdf" | "verba" | "verbb" | "verbc" | "urlraw"
        | "crossref" | "xref" | "xdata" | "entryset" | "related" | "ids" => FieldType::Verbatim,
        _ => FieldType::Text,
    }
}

/// Whether a verbatim field holds an address or an identifier (`url`, `eprint`, `doi`),
/// whose LaTeX escapes ([`latex::unescape_verbatim`]) are undone on reading.
///
/// ```
/// assert!(bibkit::formats::bibtex::is_address("url"));
/// assert!(!bibkit::formats::bibtex::is_address("file"));
/// ```
pub fn is_address(name: &str) -> bool {
    matches!(name, "url" | "urlraw" | "doi" | "eprint")
}

/// How the `.bib` reader reads a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A name list (`author`, `editor`, …).
    Names,
    /// A date (`date`, `urldate`, …).
    Date,
    /// Verbatim text, never decoded (`url`, `doi`, `eprint`, `file`, …).
    Verbatim,
    /// LaTeX text.
    Text,
}

/// How the `.bib` reader reads field `name` (lowercase; BibTeX and BibLaTeX spellings).
///
/// ```
/// use bibkit::formats::bibtex::{field_kind, FieldKind};
/// assert_eq!(field_kind("editor"), FieldKind::Names);
/// assert_eq!(field_kind("urldate"), FieldKind::Date);
/// assert_eq!(field_kind("doi"), FieldKind::Verbatim);
/// assert_eq!(field_kind("x-notes"), FieldKind::Text);
/// ```
pub fn field_kind(name: &str) -> FieldKind {
    let ty = spec(name).map_or_else(|| field_type(name), |s| s.ty);
    match ty {
        FieldType::Names => FieldKind::Names,
        FieldType::Date => FieldKind::Date,
        FieldType::Verbatim | FieldType::Doi => FieldKind::Verbatim,
        FieldType::Text => FieldKind::Text,
    }
}

/// BibTeX field names and their BibLaTeX equivalents (the model uses BibLaTeX's).
///
/// ```
/// assert_eq!(bibkit::formats::bibtex::canonical_field("journal"), "journaltitle");
/// assert_eq!(bibkit::formats::bibtex::canonical_field("title"), "title");
/// ```
pub fn canonical_field(name: &str) -> &str {
    match name {
        "journal" => "journaltitle",
        "address" => "location",
        "school" => "institution",
        "annote" => "annotation",
        "archiveprefix" => "eprinttype",
        "primaryclass" => "eprintclass",
        n => n,
    }
}

const MONTH_MACROS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Fields an entry never inherits from its crossref or xdata parent.
const NOT_INHERITED: &[&str] = &[
    "ids",
    "crossref",
    "xref",
    "xdata",
    "entryset",
    "entrysubtype",
    "execute",
    "label",
    "options",
    "presort",
    "related",
    "relatedoptions",
    "relatedstring",
    "relatedtype",
    "shorthand",
    "shorthandintro",
    "sortkey",
    "sortshorthand",
];

/// biblatex's inheritance of the parent's title fields, by parent and child type.
fn inherited_name(parent: &str, child: &str, field: &str) -> Option<&'static str> {
    let book_like = matches!(parent, "book" | "collection" | "proceedings" | "reference");
    let mv = matches!(
        parent,
        "mvbook" | "mvcollection" | "mvproceedings" | "mvreference"
    );
    let in_child = matches!(
        child,
        "inbook"
            | "bookinbook"
            | "suppbook"
            | "incollection"
            | "suppcollection"
            | "inreference"
            | "inproceedings"
            | "conference"
    );
    match field {
        "title" | "subtitle" | "titleaddon" | "shorttitle" | "sorttitle" | "indextitle"
        | "indexsorttitle" => {}
        _ => return None,
    }
    if book_like && in_child {
        return match field {
            "title" => Some("booktitle"),
            "subtitle" => Some("booksubtitle"),
            "titleaddon" => Some("booktitleaddon"),
            _ => Some(""),
        };
    }
    if mv {
        return match field {
            "title" => Some("maintitle"),
            "subtitle" => Some("mainsubtitle"),
            "titleaddon" => Some("maintitleaddon"),
            _ => Some(""),
        };
    }
    if parent == "periodical" && matches!(child, "article" | "suppperiodical") {
        return match field {
            "title" => Some("journaltitle"),
            "subtitle" => Some("journalsubtitle"),
            _ => Some(""),
        };
    }
    None
}

/// A `month` field's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MonthValue {
    /// A month, perhaps with a day (`10~January`), perhaps up to an end (`Sep--Oct`,
    /// `September 22--26`, `May 2 - May 7`): (month, day), end (month, day).
    Month(u8, Option<u8>, Option<(u8, Option<u8>)>),
    /// A season (`Summer`).
    Season(Season),
}

/// Reads a `month` value (already decoded from LaTeX).
fn parse_month(s: &str) -> Option<MonthValue> {
    #[derive(Clone, Copy)]
    enum T {
        M(u8),
        D(u8),
    }
    let s = s.trim();
    if let Some(season) = crate::date::season_from_name(s) {
        return Some(MonthValue::Season(season));
    }
    let mut toks = Vec::new();
    for w in
        s.split(|c: char| c.is_whitespace() || matches!(c, ',' | '-' | '–' | '—' | '/' | '\u{a0}'))
    {
        if w.is_empty() {
            continue;
        }
        if let Some(m) = crate::date::month_from_name(w) {
            toks.push(T::M(m));
        } else {
            let d = w.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '.');
            let n: u8 = d.parse().ok().filter(|n| (1..=31).contains(n))?;
            if d.len() < w.len() && !matches!(&w[d.len()..], "st" | "nd" | "rd" | "th" | ".") {
                return None;
            }
            toks.push(T::D(n));
        }
    }
    use T::*;
    let month_num = |n: u8| (1..=12).contains(&n).then_some(n);
    Some(match toks.as_slice() {
        [M(m)] => MonthValue::Month(*m, None, None),
        [D(n)] => MonthValue::Month(month_num(*n)?, None, None),
        [M(a), M(b)] => MonthValue::Month(*a, None, Some((*b, None))),
        [D(a), D(b)] => MonthValue::Month(month_num(*a)?, None, Some((month_num(*b)?, None))),
        [M(m), D(d)] | [D(d), M(m)] => MonthValue::Month(*m, Some(*d), None),
        [M(m), D(a), D(b)] | [D(a), D(b), M(m)] => {
            MonthValue::Month(*m, Some(*a), Some((*m, Some(*b))))
        }
        [M(m1), D(d1), M(m2), D(d2)] | [D(d1), M(m1), D(d2), M(m2)] => {
            MonthValue::Month(*m1, Some(*d1), Some((*m2, Some(*d2))))
        }
        _ => return None,
    })
}

/// Where `year`, `month` and `day` sit in an entry (field index, text, span).
#[derive(Debug, Default)]
struct YearMonthDay {
    year: Option<(usize, String, Span)>,
    month: Option<(usize, String, Span)>,
    month_value: Option<MonthValue>,
    day: Option<(usize, String, Span)>,
}

/// A `year` value: a number (up to four digits, optionally negative) or a range of two
/// (`1982--1983`, `2017-2020`, `1984/1986`).
fn parse_year(s: &str) -> Option<Date> {
    let one = |t: &str| -> Option<i64> {
        let t = t.trim();
        let digits = t.strip_prefix('-').unwrap_or(t);
        if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    if let Some(y) = one(s) {
        return Some(Date::Single(DatePart::year(y)));
    }
    let (a, b) = s
        .split_once("--")
        .or_else(|| s.split_once('–'))
        .or_else(|| s.split_once('/'))
        .or_else(|| {
            let t = s.trim();
            t.get(1..)
                .and_then(|r| r.find('-'))
                .map(|i| (&t[..i + 1], &t[i + 2..]))
        })?;
    let (a, b) = (one(a)?, one(b)?);
    (a <= b).then(|| {
        Date::Range(
            RangeEnd::Known(DatePart::year(a)),
            RangeEnd::Known(DatePart::year(b)),
        )
    })
}

/// A key that hashes and compares ignoring case, as BibTeX compares keys; borrowed from the
/// source, so indexing (ASCII) keys allocates nothing.
#[derive(Debug, Clone, Copy)]
struct Caseless<'a>(&'a str);

impl std::hash::Hash for Caseless<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        // Equal keys must hash alike: a non-ASCII key can lowercase to ASCII (`K`, the
        // Kelvin sign, is `k`), so hash the lowercased text, eight bytes at a time.
        fn words<H: std::hash::Hasher>(bytes: &[u8], h: &mut H) {
            for chunk in bytes.chunks(8) {
                let mut word = [0u8; 8];
                for (w, b) in word.iter_mut().zip(chunk) {
                    *w = b.to_ascii_lowercase();
                }
                h.write_u64(u64::from_le_bytes(word));
            }
        }
        if self.0.is_ascii() {
            words(self.0.as_bytes(), h);
        } else {
            let lower: String = self.0.chars().flat_map(char::to_lowercase).collect();
            words(lower.as_bytes(), h);
        }
    }
}

impl PartialEq for Caseless<'_> {
    fn eq(&self, other: &Self) -> bool {
        if self.0.is_ascii() && other.0.is_ascii() {
            return self.0.eq_ignore_ascii_case(other.0);
        }
        self.0
            .chars()
            .flat_map(char::to_lowercase)
            .eq(other.0.chars().flat_map(char::to_lowercase))
    }
}

impl Eq for Caseless<'_> {}

/// The most text one macro may expand to (1 MiB). A definition that grows past it — the
/// doubling `@string{s1 = s0 # s0}`, `@string{s2 = s1 # s1}`, … reaches a gigabyte in 30
/// lines — is reported at its definition, and each use keeps the macro's name as its text,
/// with an error. Nothing is expanded before it is used.
pub const MACRO_LIMIT: usize = 1 << 20;

/// Macros longer than this are counted against a file's expansion budget.
const LONG_MACRO: usize = 256;

/// The budget for text from long macros in one file: a fixed allowance plus four times
/// the file's size, so that a small file cannot expand to gigabytes by using one long
/// macro many times.
fn macro_budget(source_len: usize) -> usize {
    (64 << 20) + 4 * source_len
}

/// One piece of a `@string` definition, with its macros resolved where the definition
/// stands (a later redefinition does not change it, as in BibTeX).
#[derive(Debug, Clone, Copy)]
enum DefPiece {
    /// Literal text (a braced or quoted piece's content, or a number).
    Text(Span),
    /// An earlier definition.
    Def(u32),
    /// A predefined month macro (index into [`MONTH_NAMES`]).
    Month(u8),
    /// An undefined macro: its name is the text.
    Undefined(Span),
}

/// One `@string` definition.
#[derive(Debug)]
struct Def {
    /// The source it was defined in (its text pieces are spans of it).
    source: u32,
    pieces: Vec<DefPiece>,
    /// The length of its expansion, or `MACRO_LIMIT + 1` when it is longer.
    len: usize,
}

/// `@string` definitions, in the order they were made; expanded only when used.
#[derive(Debug, Default)]
struct Macros {
    defs: Vec<Def>,
    /// Lowercase name → (position, definition), in order; a position is the source's
    /// index in the high 32 bits and the byte offset in the low ones.
    by_name: HashMap<String, Vec<(u64, u32)>>,
    /// Whether any definition is longer than [`LONG_MACRO`].
    long: bool,
}

impl Macros {
    /// The definition of `name` (lowercase) in force before position `pos` (see
    /// [`Macros::by_name`]).
    fn get(&self, name: &str, pos: u64) -> Option<u32> {
        let defs = self.by_name.get(name)?;
        let i = defs.partition_point(|(p, _)| *p < pos);
        (i > 0).then(|| defs[i - 1].1)
    }

    fn len(&self, id: u32) -> usize {
        self.defs[id as usize].len
    }

    /// Appends the expansion of definition `id` (not too large) to `out`, without recursion.
    fn expand_into(&self, id: u32, sources: &[SourceText<'_>], out: &mut String) {
        let mut stack: Vec<(u32, usize)> = vec![(id, 0)];
        while let Some((d, i)) = stack.last_mut() {
            let def = &self.defs[*d as usize];
            let src = sources[def.source as usize].text;
            let Some(&p) = def.pieces.get(*i) else {
                stack.pop();
                continue;
            };
            *i += 1;
            match p {
                DefPiece::Text(s) | DefPiece::Undefined(s) => out.push_str(&src[s.start..s.end]),
                DefPiece::Month(m) => out.push_str(MONTH_NAMES[m as usize]),
                DefPiece::Def(x) => stack.push((x, 0)),
            }
        }
    }
}

/// A set of field names compared ignoring ASCII case, as BibTeX compares them: a list for
/// the usual handful, a hash set beyond.
#[derive(Debug)]
enum FieldSet<'a> {
    Few(Vec<&'a str>),
    Many(std::collections::HashSet<Cow<'a, str>>),
}

impl<'a> FieldSet<'a> {
    /// Up to this many names are kept in a list.
    const FEW: usize = 24;

    fn new(capacity: usize) -> Self {
        if capacity > Self::FEW {
            FieldSet::Many(std::collections::HashSet::with_capacity(capacity))
        } else {
            FieldSet::Few(Vec::with_capacity(capacity))
        }
    }

    fn lower(name: &str) -> Cow<'_, str> {
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        }
    }

    fn contains(&self, name: &str) -> bool {
        match self {
            FieldSet::Few(v) => v.iter().any(|s| s.eq_ignore_ascii_case(name)),
            FieldSet::Many(set) => set.contains(Self::lower(name).as_ref()),
        }
    }

    /// Adds `name`; false when it was there already.
    fn insert(&mut self, name: &'a str) -> bool {
        match self {
            FieldSet::Few(v) => {
                if v.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                    return false;
                }
                v.push(name);
                true
            }
            FieldSet::Many(set) => set.insert(Self::lower(name)),
        }
    }
}

/// The lowering of one `.bib` source, entry by entry: an index of the source (its macros,
/// entries, keys, links and comments) built in one pass, after which entries are lowered
/// independently — in any order or in parallel — each from its own bytes. Built from a
/// parsed [`Tree`] ([`Lowering::new`]) or straight from the source ([`Lowering::from_source`]),
/// which parses it a segment at a time and never holds the whole syntax tree: memory is the
/// source plus a few dozen bytes per entry.
///
/// ```
/// use bibkit::formats::bibtex::{Lowering, Reader};
/// let src = "@string{j = {J. ACM}}\n@article{a, journal = j, year = 2001}\n@misc{b}\n";
/// let l = Lowering::from_source(src, Reader::new());
/// assert_eq!((l.len(), l.key(1), l.kind(0)), (2, "b", "article"));
/// let (a, diags) = l.entry(0);
/// assert!(diags.is_empty());
/// assert_eq!(a.get("journaltitle").unwrap().to_plain_string(), "J. ACM");
/// ```
#[derive(Debug)]
pub struct Lowering<'a> {
    reader: Reader,
    /// The sources, in order (one for a single file).
    sources: Vec<SourceText<'a>>,
    /// The source being indexed.
    cur: usize,
    /// The bytes of all sources (for the macro budget).
    total_len: usize,
    macros: Macros,
    /// Each entry's block: its first byte and the byte after it.
    blocks: Vec<(u32, u32)>,
    /// Line and column of every eighth entry's `@`, counted from each source's first
    /// entry (the others are found from there).
    checkpoints: Vec<(u32, u32)>,
    /// Entries without a key, which get generated ones once every key is known.
    keyless: Vec<u32>,
    /// Entries by key compared ignoring case.
    by_key: KeyIndex,
    generated: HashMap<u32, String>,
    /// The `xdata`, `crossref` and `xref` targets of the entries that have any (entry
    /// number → links, in the order written).
    links: FxHashMap<u32, Vec<Link>>,
    /// Macro uses (by position) past the file's expansion budget, and the budget spent.
    over_budget: std::collections::HashSet<usize>,
    spent: usize,
    comments: Vec<Comment>,
    preambles: Vec<String>,
    /// After each `@string` block: how many entries come before it, and a keyed hash of
    /// its text and of every `@string` block before it (what the macros in force after it
    /// are made of).
    strings: Vec<(u32, u64)>,
    /// The names each source uses, when recorded.
    names: Option<Vec<Names>>,
    diagnostics: Vec<Diagnostic>,
}

/// One source of a [`Lowering`]: its text, its name, and where its entries start.
#[derive(Debug)]
struct SourceText<'a> {
    text: &'a str,
    file: Option<Arc<str>>,
    /// Whether it has lone CRs (as the parser needs to know).
    lone_cr: bool,
    /// Its first entry's number.
    first: u32,
    /// Its first checkpoint's index.
    first_checkpoint: u32,
}

/// The distinct entry types and field names of a source, lowercased (see
/// [`Reader::record_names`]).
#[derive(Debug, Default, Clone)]
pub struct Names {
    /// Entry types (`article`, `online`, …).
    pub types: std::collections::HashSet<Box<str>>,
    /// Field names as written, lowercased (`journal`, `urldate`, …).
    pub fields: std::collections::HashSet<Box<str>>,
}

impl Names {
    fn add(set: &mut std::collections::HashSet<Box<str>>, name: &str) {
        let lower = Names::lower(name);
        if !set.contains(lower.as_ref()) {
            set.insert(lower.into());
        }
    }

    fn lower(name: &str) -> Cow<'_, str> {
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        }
    }
}

/// Entries by key compared ignoring case: (a randomly keyed hash of the lowercased key,
/// entry), sorted once all are in; a lookup is a binary search checked against the key
/// itself (so a collision costs a comparison, never a wrong answer). Twelve bytes an entry.
#[derive(Debug, Default)]
struct KeyIndex {
    /// `[hash >> 32, hash & 0xffff_ffff, entry]`.
    sorted: Vec<[u32; 3]>,
}

impl KeyIndex {
    fn push(&mut self, hash: u64, n: u32) {
        self.sorted.push([(hash >> 32) as u32, hash as u32, n]);
    }

    /// The entries whose key has this hash, in file order.
    fn with_hash(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let (hi, lo) = ((hash >> 32) as u32, hash as u32);
        let start = self.sorted.partition_point(|k| (k[0], k[1]) < (hi, lo));
        self.sorted[start..]
            .iter()
            .take_while(move |k| k[0] == hi && k[1] == lo)
            .map(|k| k[2])
    }
}

/// The hash of a key compared ignoring case (lowercased; ASCII eight bytes at a time),
/// randomly keyed once per process: the same in every lowering of a run.
pub(crate) fn caseless_key_hash(key: &str) -> u64 {
    caseless_hash(key)
}

fn caseless_hash(key: &str) -> u64 {
    keyed_hash(Caseless(key))
}

/// A hash randomly keyed once per process (so that input cannot be made to collide).
pub(crate) fn keyed_hash(value: impl std::hash::Hash) -> u64 {
    use std::hash::BuildHasher;
    static STATE: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    STATE
        .get_or_init(std::collections::hash_map::RandomState::new)
        .hash_one(value)
}

/// How one entry names another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    Xdata,
    Crossref,
    Xref,
}

impl LinkKind {
    fn field(self) -> &'static str {
        match self {
            LinkKind::Xdata => "xdata",
            LinkKind::Crossref => "crossref",
            LinkKind::Xref => "xref",
        }
    }
}

/// One reference from an entry to another by key.
#[derive(Debug, Clone)]
struct Link {
    kind: LinkKind,
    key: String,
    /// The entry it names, if any.
    target: Option<u32>,
}

/// How long a `crossref`/`xdata` chain is followed.
const MAX_CHAIN: usize = 32;

/// The bytes of source a streaming [`Lowering`] parses at a time (a segment's syntax tree
/// of tiny entries is some ten times its size).
const SEGMENT: usize = 64 << 10;

/// What the indexing pass carries from one item to the next.
struct Feed<'a> {
    keyless: Vec<u32>,
    last_line_end: Option<usize>,
    cursor: crate::diagnostic::Cursor<'a>,
    /// The first thing that looks like an entry inside a comment.
    hidden: Option<usize>,
}

impl<'a> Lowering<'a> {
    fn empty(reader: Reader) -> Self {
        let names = reader.record_names.then(Vec::new);
        Lowering {
            reader,
            sources: Vec::new(),
            cur: 0,
            total_len: 0,
            macros: Macros::default(),
            blocks: Vec::new(),
            checkpoints: Vec::new(),
            keyless: Vec::new(),
            by_key: KeyIndex::default(),
            generated: HashMap::default(),
            links: FxHashMap::default(),
            over_budget: Default::default(),
            spent: 0,
            comments: Vec::new(),
            preambles: Vec::new(),
            strings: Vec::new(),
            names,
            diagnostics: Vec::new(),
        }
    }

    /// Starts the next source: its entries follow those of the sources before it.
    fn begin_source(&mut self, text: &'a str, file: Option<Arc<str>>, lone_cr: bool) {
        self.cur = self.sources.len();
        if let Some(names) = &mut self.names {
            names.push(Names::default());
        }
        self.sources.push(SourceText {
            text,
            file,
            lone_cr,
            first: self.blocks.len() as u32,
            first_checkpoint: self.checkpoints.len() as u32,
        });
    }

    /// Ends the source being indexed: its file-level findings get their lines and columns
    /// and its name.
    fn end_source(&mut self, diags_from: usize, st: Feed<'a>) {
        let source = &self.sources[self.cur];
        if self.blocks.len() == source.first as usize {
            if let Some(at) = st.hidden {
                self.diagnostics.push(
                    Diagnostic::new(
                        Severity::Warning,
                        "entries-in-comment",
                        "no entry was read, but this looks like one: it was read as part of a comment (a `%` line or an `@comment`)",
                    )
                    .at_line_col(Span::new(at, at), 0, 0),
                );
            }
        }
        let mine = &mut self.diagnostics[diags_from..];
        crate::diagnostic::locate(source.text, mine);
        for d in mine {
            if d.file.is_none() {
                d.file = source.file.clone();
            }
        }
        self.keyless.extend(st.keyless);
    }

    /// Prepares the lowering of a parsed tree: collects macros, keys, links, comments and
    /// the file-level diagnostics (syntax errors, duplicate and missing keys, cycles).
    pub fn new(tree: &Tree<'a>, reader: Reader) -> Self {
        let src = tree.source();
        let file = reader.file.clone();
        let mut l = Lowering::empty(reader);
        l.total_len = src.len();
        l.begin_source(src, file, syntax::has_lone_cr(src));
        let mut feed = Feed::new(src);
        l.feed(tree, &[], &mut feed);
        l.end_source(0, feed);
        l.finish_index();
        l
    }

    /// Prepares the lowering of `src` without its whole syntax tree: the source is parsed a
    /// segment (about 64 KiB) at a time, and each entry is parsed again from its own bytes
    /// when it is lowered. Gives what [`Lowering::new`] on [`syntax::parse`]'s tree gives.
    pub fn from_source(src: &'a str, reader: Reader) -> Self {
        if src.len() >= u32::MAX as usize {
            return Lowering::new(&syntax::parse(src), reader);
        }
        let file = reader.file.clone();
        Lowering::from_sources([(file, src)], reader)
    }

    /// Prepares the lowering of several sources read as one bibliography, in order, as
    /// BibTeX and biber read the files of `\bibliography{a,b}`: `@string` macros defined in
    /// one source are known in the sources after it; `crossref`, `xdata` and `xref` find
    /// their targets in any source; a key that an earlier source already has is a
    /// `duplicate-key` finding naming both places. Entries are numbered across all sources
    /// in order; each keeps its own source's name ([`Reader::file`] is not used).
    ///
    /// ```
    /// use bibkit::formats::bibtex::{Lowering, Reader};
    /// let abbrev = "@string{jacm = {Journal of the ACM}}";
    /// let refs = "@article{a, journal = jacm, crossref = {p}}";
    /// let parents = "@proceedings{p, title = {Proc}, year = 2001}";
    /// let l = Lowering::from_sources(
    ///     [(Some("abbrev.bib".into()), abbrev), (Some("refs.bib".into()), refs), (Some("more.bib".into()), parents)],
    ///     Reader::new(),
    /// );
    /// assert_eq!(l.len(), 2);
    /// let (a, diags) = l.entry(0);
    /// assert!(diags.is_empty());
    /// assert_eq!(a.get("journaltitle").unwrap().to_plain_string(), "Journal of the ACM");
    /// assert_eq!(a.date_in("date").unwrap().to_string(), "2001");
    /// assert_eq!(l.file(1).as_deref(), Some("more.bib"));
    /// ```
    pub fn from_sources<I>(sources: I, reader: Reader) -> Self
    where
        I: IntoIterator<Item = (Option<Arc<str>>, &'a str)>,
    {
        let sources: Vec<(Option<Arc<str>>, &'a str)> = sources.into_iter().collect();
        let mut l = Lowering::empty(reader);
        l.total_len = sources.iter().map(|(_, s)| s.len()).sum();
        // Every entry starts with `@`: room for that many, so the index never grows by
        // doubling (and never holds twice what it needs).
        let ats: usize = sources
            .iter()
            .map(|(_, s)| memchr::memchr_iter(b'@', s.as_bytes()).count())
            .sum();
        l.blocks.reserve_exact(ats);
        l.by_key.sorted.reserve_exact(ats);
        l.checkpoints.reserve_exact(ats / 8 + sources.len());
        for (file, src) in sources {
            let (bounds, lone_cr) = syntax::stream_bounds(src, SEGMENT);
            l.begin_source(src, file, lone_cr);
            let diags_from = l.diagnostics.len();
            let mut feed = Feed::new(src);
            for w in bounds.windows(2) {
                let (tree, notes) = syntax::parse_range(src, w[0], w[1], lone_cr);
                l.feed(&tree, &notes, &mut feed);
            }
            l.end_source(diags_from, feed);
        }
        l.finish_index();
        l
    }

    /// How many sources the lowering reads.
    pub fn source_count(&self) -> usize {
        self.sources.len()
    }

    /// The index of the source entry `n` is in.
    pub fn source_of(&self, n: usize) -> usize {
        self.sources
            .partition_point(|s| s.first as usize <= n)
            .saturating_sub(1)
    }

    /// The entries of source `s`.
    pub fn entries_of(&self, s: usize) -> std::ops::Range<usize> {
        let start = self.sources[s].first as usize;
        let end = self
            .sources
            .get(s + 1)
            .map_or(self.blocks.len(), |n| n.first as usize);
        start..end
    }

    /// The entry of source `s` whose bytes hold byte `at` of that source, if any.
    ///
    /// ```
    /// use bibkit::formats::bibtex::{Lowering, Reader};
    /// let l = Lowering::from_sources([(None, "@misc{a}\n"), (None, "x @misc{b} @misc{c}")], Reader::new());
    /// assert_eq!((l.entry_at(1, 4), l.entry_at(1, 1), l.entry_at(1, 12)), (Some(1), None, Some(2)));
    /// ```
    pub fn entry_at(&self, s: usize, at: usize) -> Option<usize> {
        let range = self.entries_of(s);
        let blocks = &self.blocks[range.clone()];
        let k = blocks.partition_point(|b| b.0 as usize <= at);
        (k > 0 && at < blocks[k - 1].1 as usize).then(|| range.start + k - 1)
    }

    /// The name of the source entry `n` is in.
    pub fn file(&self, n: usize) -> Option<Arc<str>> {
        self.sources[self.source_of(n)].file.clone()
    }

    /// The text of the source entry `n` is in.
    fn text(&self, n: usize) -> &'a str {
        self.sources[self.source_of(n)].text
    }

    /// A position for macro lookups: byte `at` of source `s`.
    fn at(s: usize, at: usize) -> u64 {
        ((s as u64) << 32) | at as u64
    }

    /// The indexing pass over the items of one tree (the whole source or one segment, in
    /// order). `notes` are the parser's (diagnostic, value start) pairs not yet turned into
    /// words.
    fn feed(&mut self, tree: &Tree<'a>, notes: &[(usize, usize)], st: &mut Feed<'a>) {
        let src = self.sources[self.cur].text;
        let first = self.sources[self.cur].first as usize;
        let base = self.diagnostics.len();
        for d in tree.diagnostics() {
            self.diagnostics.push(d.clone());
        }
        for &(i, at) in notes {
            let (line, _) = st.cursor.clone().seek(at);
            self.diagnostics[base + i].message.push_str(&format!(
                "; the value starts on line {line}: is a closing `}}` missing?"
            ));
        }
        for item in tree.items() {
            if !matches!(item, Item::Text(_) | Item::LineComment(_)) {
                st.last_line_end = None;
            }
            if self.blocks.len() == first && st.hidden.is_none() {
                st.hidden = hidden_entry(src, item);
            }
            let before = self.blocks.len();
            match item {
                Item::Text(s) => {
                    let t = tree.text(*s).trim();
                    if !t.is_empty() {
                        self.comments.push(Comment {
                            before,
                            kind: CommentKind::Text,
                            text: t.to_string(),
                        });
                    }
                }
                Item::LineComment(s) => {
                    let text = line_comment_text(tree.text(*s));
                    // `%` lines on consecutive lines are one comment.
                    let joins = st.last_line_end.is_some_and(|end: usize| {
                        let gap = &src[end..s.start];
                        gap.trim().is_empty() && gap.matches('\n').count() <= 1
                    });
                    st.last_line_end = Some(s.end);
                    match self.comments.last_mut() {
                        Some(c) if joins && c.kind == CommentKind::Line && c.before == before => {
                            c.text.push('\n');
                            c.text.push_str(&text);
                        }
                        _ => self.comments.push(Comment {
                            before,
                            kind: CommentKind::Line,
                            text,
                        }),
                    }
                }
                Item::Junk { .. } => {}
                Item::Block(b) => match b.block_kind() {
                    BlockKind::String => {
                        let before = self.strings.last().map_or(0, |s| s.1);
                        let chain = keyed_hash((before, tree.text(b.span())));
                        self.strings.push((self.blocks.len() as u32, chain));
                        self.define_strings(tree, b)
                    }
                    BlockKind::Comment => {
                        let body = Span::new(b.open().end, b.close().start);
                        self.comments.push(Comment {
                            before,
                            kind: CommentKind::Block,
                            text: tree.text(body).trim().to_string(),
                        });
                    }
                    BlockKind::Preamble => {
                        if self.macros.long {
                            self.spend_budget(tree, b);
                        }
                        for f in tree.fields(b) {
                            let p = self
                                .expand(tree, self.cur, f, &mut Vec::new(), None)
                                .into_owned();
                            self.preambles.push(p);
                        }
                    }
                    BlockKind::Entry => self.index_entry(tree, b, st),
                },
            }
        }
    }

    fn index_entry(&mut self, tree: &Tree<'a>, b: &Block, st: &mut Feed<'a>) {
        let n = self.blocks.len() as u32;
        let span = b.span();
        self.blocks.push((span.start as u32, span.end as u32));
        if let Some(names) = self.names.as_mut().and_then(|n| n.last_mut()) {
            Names::add(&mut names.types, tree.text(b.kind()));
            for f in tree.fields(b) {
                Names::add(&mut names.fields, tree.text(f.name()));
            }
        }
        let pos = st.cursor.seek(span.start);
        if (n - self.sources[self.cur].first) % 8 == 0 {
            self.checkpoints.push(pos);
        }
        if self.macros.long {
            self.spend_budget(tree, b);
        }
        self.collect_links(tree, n as usize, b);
        // `%` comments inside the entry (only entries with a `%` can hold one).
        if memchr::memchr(b'%', tree.text(span).as_bytes()).is_some() {
            for (tok, s) in tree.tokens(b) {
                if tok == syntax::Token::Comment {
                    self.comments.push(Comment {
                        before: n as usize,
                        kind: CommentKind::Line,
                        text: line_comment_text(tree.text(s)),
                    });
                }
            }
        }
        let key: &'a str = tree.text(b.key());
        if key.is_empty() {
            st.keyless.push(n);
            return;
        }
        self.by_key.push(caseless_hash(key), n);
    }

    /// Sorts the key index and reports every entry whose key an earlier one has.
    fn find_duplicates(&mut self) {
        self.by_key.sorted.sort_unstable();
        let mut dups: Vec<(u32, u32)> = Vec::new();
        let keys = &self.by_key.sorted;
        let mut i = 0;
        while i < keys.len() {
            let mut j = i + 1;
            while j < keys.len() && keys[j][..2] == keys[i][..2] {
                j += 1;
            }
            // Entries with one hash, in file order (nearly always just one).
            for b in i + 1..j {
                let later = keys[b][2];
                let first = keys[i..b].iter().map(|k| k[2]).find(|&f| {
                    Caseless(self.src_key(f as usize)) == Caseless(self.src_key(later as usize))
                });
                if let Some(f) = first {
                    dups.push((f, later));
                }
            }
            i = j;
        }
        for (first, later) in dups {
            let (first, later) = (first as usize, later as usize);
            let key = self.src_key(later);
            let first_key = self.src_key(first);
            let line = self.position(first).0;
            let place = match (
                self.source_of(first) == self.source_of(later),
                self.file(first),
            ) {
                (false, Some(f)) => format!("at {f}:{line}"),
                _ => format!("on line {line}"),
            };
            let (t1, t2) = (self.kind(first), self.kind(later));
            let message = duplicate_key_message(key, first_key, &place, Some((t1, t2)));
            let span = syntax::block_head(self.text(later), self.blocks[later].0 as usize)
                .map_or_else(|| self.span(later), |(_, k)| k);
            let d = Diagnostic::new(Severity::Error, "duplicate-key", message)
                .at_line_col(span, 0, 0)
                .with_key(key);
            self.push_at_entry(later, d);
        }
    }

    /// After the indexing pass: entries hidden in comments, links and cycles, keys for
    /// entries without one.
    fn finish_index(&mut self) {
        self.find_duplicates();
        self.resolve_links();
        let keyless = std::mem::take(&mut self.keyless);
        if !keyless.is_empty() {
            let mut keys = KeyGenerator::new();
            for k in &self.by_key.sorted {
                keys.reserve(self.src_key(k[2] as usize));
            }
            for n in keyless {
                let (entry, _) = self.entry(n as usize);
                let key = keys.generate(&entry);
                let d = Diagnostic::new(
                    Severity::Warning,
                    "missing-key",
                    format!("entry has no key; it gets the generated key `{key}`"),
                )
                .at_line_col(self.span(n as usize), 0, 0)
                .with_key(key.clone());
                self.push_at_entry(n as usize, d);
                self.generated.insert(n, key);
            }
        }
    }

    /// Adds a finding about entry `n` (its span in entry `n`'s source, at or after the
    /// entry's start), with its line, column and file.
    fn push_at_entry(&mut self, n: usize, mut d: Diagnostic) {
        self.locate_in_entry(n, std::slice::from_mut(&mut d));
        self.diagnostics.push(d);
    }

    /// Gives findings about entry `n` (spans in its source, none before the entry's start)
    /// their lines, columns and file.
    fn locate_in_entry(&self, n: usize, diags: &mut [Diagnostic]) {
        if diags.is_empty() {
            return;
        }
        let source = &self.sources[self.source_of(n)];
        let start = self.blocks[n].0 as usize;
        let (line, column) = self.position(n);
        diags.sort_by_key(|d| d.span.start);
        let mut cursor = crate::diagnostic::Cursor::resume(source.text, start, line, column);
        for d in diags.iter_mut() {
            if d.line == 0 {
                (d.line, d.column) = if d.span.start >= start {
                    cursor.seek(d.span.start)
                } else {
                    crate::diagnostic::Cursor::new(source.text).seek(d.span.start)
                };
            }
            if d.file.is_none() {
                d.file = source.file.clone();
            }
        }
    }

    /// The entry with key `key` (compared ignoring case; the first, when several have it).
    fn find(&self, key: &str) -> Option<usize> {
        self.by_key
            .with_hash(caseless_hash(key))
            .map(|n| n as usize)
            .find(|&n| Caseless(self.src_key(n)) == Caseless(key))
    }

    /// The key entry `n` will have (as written, or generated when it has none).
    pub fn key(&self, n: usize) -> &str {
        let key = self.src_key(n);
        if key.is_empty() {
            if let Some(k) = self.generated.get(&(n as u32)) {
                return k;
            }
        }
        key
    }

    /// The key of entry `n` as written (empty when it has none).
    fn src_key(&self, n: usize) -> &'a str {
        self.head(n).map_or("", |(_, k)| k)
    }

    fn head(&self, n: usize) -> Option<(&'a str, &'a str)> {
        let (start, _) = self.blocks[n];
        let src = self.text(n);
        let (ty, key) = syntax::block_head(src, start as usize)?;
        Some((&src[ty.start..ty.end], &src[key.start..key.end]))
    }

    /// The entry type of entry `n`, as written.
    pub fn kind(&self, n: usize) -> &'a str {
        self.head(n).map_or("", |(t, _)| t)
    }

    /// The bytes of entry `n`.
    pub fn span(&self, n: usize) -> Span {
        let (s, e) = self.blocks[n];
        Span::new(s as usize, e as usize)
    }

    /// The line and column of entry `n`.
    pub fn position(&self, n: usize) -> (u32, u32) {
        let source = &self.sources[self.source_of(n)];
        let local = n - source.first as usize;
        let (line, column) = self.checkpoints[source.first_checkpoint as usize + local / 8];
        let from = self.blocks[source.first as usize + local / 8 * 8].0 as usize;
        crate::diagnostic::Cursor::resume(source.text, from, line, column)
            .seek(self.blocks[n].0 as usize)
    }

    /// The entries' spans (start, end), taking them out of the lowering: what a caller that
    /// keeps a few bytes per entry after lowering keeps.
    pub(crate) fn take_spans(&mut self) -> Vec<(u32, u32)> {
        std::mem::take(&mut self.blocks)
    }

    /// The key index, taking it out of the lowering: `[hash >> 32, hash, entry]` for every
    /// entry with a key in the source, sorted, where `hash` is [`caseless_key_hash`] of the
    /// key.
    pub(crate) fn take_key_index(&mut self) -> Vec<[u32; 3]> {
        std::mem::take(&mut self.by_key.sorted)
    }

    /// The distinct entry types and field names of source `source` (0 for the only one),
    /// when the reader records them ([`Reader::record_names`]).
    pub fn names(&self, source: usize) -> Option<&Names> {
        self.names.as_ref()?.get(source)
    }

    /// What entry `n` is read with besides its own bytes, as a keyed hash: the text of
    /// every `@string` block before it (in any source). `None` when its reading depends on
    /// more — other entries (`crossref`, `xdata`, `xref`), a key generated from the others,
    /// or a file past its macro expansion budget — so that two entries with the same bytes
    /// and the same context are read alike.
    pub(crate) fn context_of(&self, n: usize) -> Option<u64> {
        if !self.over_budget.is_empty()
            || self.links.contains_key(&(n as u32))
            || self.generated.contains_key(&(n as u32))
        {
            return None;
        }
        let i = self.strings.partition_point(|s| s.0 as usize <= n);
        Some(i.checked_sub(1).map_or(0, |i| self.strings[i].1))
    }

    /// The bytes of entry `n`.
    pub(crate) fn entry_text(&self, n: usize) -> &'a str {
        let (s, e) = self.blocks[n];
        &self.text(n)[s as usize..e as usize]
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// File-level diagnostics (syntax errors, duplicate and missing keys, `@string`
    /// problems, cycles); line and column are filled in by
    /// [`Lowering::finish_diagnostics`].
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    fn define_strings(&mut self, tree: &Tree<'a>, b: &Block) {
        for f in tree.fields(b) {
            let name = tree.text(f.name()).to_lowercase();
            let mut pieces = Vec::with_capacity(tree.pieces(f).len());
            let mut len = 0usize;
            let mut inherited_too_large = false;
            for p in tree.pieces(f) {
                let piece = match p.kind() {
                    PieceKind::Macro => {
                        let written = tree.text(p.span());
                        let lower = written.to_lowercase();
                        if let Some(id) =
                            self.macros.get(&lower, Self::at(self.cur, p.span().start))
                        {
                            inherited_too_large |= self.macros.len(id) > MACRO_LIMIT;
                            DefPiece::Def(id)
                        } else if let Some(m) = MONTH_MACROS.iter().position(|&m| m == lower) {
                            DefPiece::Month(m as u8)
                        } else {
                            self.diagnostics
                                .push(undefined_macro(written, p.span(), None));
                            DefPiece::Undefined(p.span())
                        }
                    }
                    _ => DefPiece::Text(p.content()),
                };
                len = len.saturating_add(match piece {
                    DefPiece::Text(s) | DefPiece::Undefined(s) => s.end - s.start,
                    DefPiece::Month(m) => MONTH_NAMES[m as usize].len(),
                    DefPiece::Def(id) => self.macros.len(id),
                });
                pieces.push(piece);
            }
            if len > MACRO_LIMIT {
                len = MACRO_LIMIT + 1;
                if !inherited_too_large {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Severity::Error,
                            "macro-too-large",
                            format!(
                                "`@string` `{}` expands to more than {} MiB; its uses keep its name as their text",
                                tree.text(f.name()),
                                MACRO_LIMIT >> 20
                            ),
                        )
                        .at_line_col(f.name(), 0, 0),
                    );
                }
            }
            self.macros.long |= len > LONG_MACRO;
            let id = self.macros.defs.len() as u32;
            self.macros.defs.push(Def {
                source: self.cur as u32,
                pieces,
                len,
            });
            self.macros
                .by_name
                .entry(name)
                .or_default()
                .push((Self::at(self.cur, f.span().start), id));
        }
    }

    /// Counts the uses of long macros in a block against the file's budget (in file order,
    /// so the same uses are marked however entries are later lowered).
    fn spend_budget(&mut self, tree: &Tree<'a>, b: &Block) {
        let budget = macro_budget(self.total_len);
        for f in tree.fields(b) {
            for p in tree.pieces(f) {
                if p.kind() != PieceKind::Macro {
                    continue;
                }
                let lower = tree.text(p.span()).to_lowercase();
                let Some(id) = self.macros.get(&lower, Self::at(self.cur, p.span().start)) else {
                    continue;
                };
                let len = self.macros.len(id);
                if len <= LONG_MACRO || len > MACRO_LIMIT {
                    continue;
                }
                self.spent = self.spent.saturating_add(len);
                if self.spent > budget {
                    self.over_budget.insert(p.span().start);
                }
            }
        }
    }

    /// The field's value with macros expanded and pieces concatenated (LaTeX source).
    fn expand(
        &self,
        tree: &Tree<'a>,
        s: usize,
        f: &FieldNode,
        diags: &mut Vec<Diagnostic>,
        key: Option<&str>,
    ) -> Cow<'a, str> {
        let pieces = tree.pieces(f);
        if let [p] = pieces {
            if p.kind() != PieceKind::Macro {
                return Cow::Borrowed(tree.text(p.content()));
            }
        }
        let mut out = String::new();
        for p in pieces {
            match p.kind() {
                PieceKind::Macro => {
                    let name = tree.text(p.span());
                    let lower = name.to_lowercase();
                    if let Some(id) = self.macros.get(&lower, Self::at(s, p.span().start)) {
                        let too_large = self.macros.len(id) > MACRO_LIMIT;
                        if too_large || self.over_budget.contains(&p.span().start) {
                            let why = if too_large {
                                format!("`{name}` expands to more than {} MiB", MACRO_LIMIT >> 20)
                            } else {
                                format!(
                                    "the macros of this file expand to more than {} MiB in all by here",
                                    macro_budget(self.total_len) >> 20
                                )
                            };
                            let mut d = Diagnostic::new(
                                Severity::Error,
                                "macro-too-large",
                                format!("{why}; its name is kept as the text"),
                            )
                            .at_line_col(p.span(), 0, 0);
                            if let Some(k) = key {
                                d = d.with_key(k);
                            }
                            diags.push(d);
                            out.push_str(name);
                        } else {
                            self.macros.expand_into(id, &self.sources, &mut out);
                        }
                    } else if let Some(m) = MONTH_MACROS.iter().position(|&m| m == lower) {
                        out.push_str(MONTH_NAMES[m]);
                    } else {
                        diags.push(undefined_macro(name, p.span(), key));
                        out.push_str(name);
                    }
                }
                _ => out.push_str(tree.text(p.content())),
            }
        }
        Cow::Owned(out)
    }

    /// Records the `xdata`, `crossref` and `xref` targets of entry `n`.
    fn collect_links(&mut self, tree: &Tree<'a>, n: usize, b: &Block) {
        let mut links = Vec::new();
        for f in tree.fields(b) {
            let name = tree.text(f.name());
            let kind = if name.eq_ignore_ascii_case("xdata") {
                LinkKind::Xdata
            } else if name.eq_ignore_ascii_case("crossref") {
                LinkKind::Crossref
            } else if name.eq_ignore_ascii_case("xref") {
                LinkKind::Xref
            } else {
                continue;
            };
            // Only the first of a repeated field counts, as in the model.
            if links.iter().any(|l: &Link| l.kind == kind) {
                continue;
            }
            let value = self.expand(tree, self.cur, f, &mut Vec::new(), None);
            let keys: Vec<&str> = match kind {
                LinkKind::Xdata => value.split(',').map(str::trim).collect(),
                _ => vec![value.trim()],
            };
            for k in keys.into_iter().filter(|k| !k.is_empty()) {
                links.push(Link {
                    kind,
                    key: k.to_string(),
                    target: None,
                });
            }
        }
        if !links.is_empty() {
            self.links.insert(n as u32, links);
        }
    }

    /// Resolves link targets and reports cycles (one finding per cycle, at its first
    /// entry).
    fn resolve_links(&mut self) {
        let mut links = std::mem::take(&mut self.links);
        for ls in links.values_mut() {
            for l in ls {
                l.target = self.find(&l.key).map(|t| t as u32);
            }
        }
        self.links = links;
        for cycle in cycles(&self.links) {
            let first = cycle[0] as usize;
            let keys: Vec<String> = cycle
                .iter()
                .take(6)
                .map(|&n| format!("`{}`", self.key(n as usize)))
                .collect();
            let more = if cycle.len() > 6 { ", …" } else { "" };
            let message = if cycle.len() == 1 {
                format!(
                    "`{}` names itself in `crossref`, `xdata` or `xref`; the reference is not followed",
                    self.key(first)
                )
            } else {
                format!(
                    "{}{more} name each other in a cycle (`crossref`, `xdata`, `xref`); each entry inherits along it once",
                    keys.join(", ")
                )
            };
            let key = self.key(first).to_string();
            let span = self.span(first);
            let d = Diagnostic::new(Severity::Warning, "crossref-cycle", message)
                .at_line_col(span, 0, 0)
                .with_key(key);
            self.push_at_entry(first, d);
        }
    }

    /// What a `month` value gives: a month macro, a name or a number, a season, a month
    /// with a day (`10~January`), or a range of these (`Sep--Oct`, `September 22--26`,
    /// `May 2 - May 7`).
    fn month_of(&self, tree: &Tree<'a>, s: usize, f: &FieldNode, raw: &str) -> Option<MonthValue> {
        if let [p] = tree.pieces(f) {
            if p.kind() == PieceKind::Macro {
                let name = tree.text(p.span()).to_lowercase();
                if self
                    .macros
                    .get(&name, Self::at(s, p.span().start))
                    .is_none()
                {
                    if let Some(m) = MONTH_MACROS.iter().position(|&m| m == name) {
                        return Some(MonthValue::Month(m as u8 + 1, None, None));
                    }
                }
            }
        }
        parse_month(&latex::decode(raw, &DecodeOptions::default()).to_plain_string())
    }

    /// Lowers entry number `n`, returning it with its diagnostics (with their lines,
    /// columns and file).
    pub fn entry(&self, n: usize) -> (Entry, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let mut e = self.own_fields(n, &mut diags);
        if self.reader.resolve_crossrefs {
            self.inherit(n, &mut e, &mut diags);
        }
        self.locate_in_entry(n, &mut diags);
        (e, diags)
    }

    fn own_fields(&self, n: usize, diags: &mut Vec<Diagnostic>) -> Entry {
        let (start, end) = self.blocks[n];
        let s = self.source_of(n);
        let source = &self.sources[s];
        let (tree, _) =
            syntax::parse_range(source.text, start as usize, end as usize, source.lone_cr);
        let Some(b) = tree.blocks().next() else {
            unreachable!("entries are blocks the parser read");
        };
        let key = self.key(n);
        let (line, column) = self.position(n);
        let mut e = Entry {
            key: key.to_string(),
            kind: tree.text(b.kind()).to_ascii_lowercase(),
            fields: Vec::new(),
            origin: Some(Origin {
                file: source.file.clone(),
                span: b.span(),
                line,
                column,
            }),
        };
        let mut ymd = YearMonthDay::default();
        let fields = tree.fields(b);
        // The names seen so far, and (for entries with many fields) all names: looked up
        // by hash, so an entry with thousands of fields costs linear time.
        let mut seen = FieldSet::new(fields.len());
        let all = (fields.len() > FieldSet::FEW).then(|| {
            let mut all = FieldSet::new(fields.len());
            for g in fields {
                all.insert(tree.text(g.name()));
            }
            all
        });
        e.fields.reserve_exact(fields.len());
        // Fields kept under their BibTeX name because the entry has the BibLaTeX one too
        // (`address` and `location`): index and the BibLaTeX name.
        let mut aliased: Vec<(usize, &'static str)> = Vec::new();
        let mut keywords_at: Option<usize> = None;
        for f in fields {
            let written = tree.text(f.name());
            let lower: Cow<'_, str> = if written.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(written.to_ascii_lowercase())
            } else {
                Cow::Borrowed(written)
            };
            // A BibTeX name becomes its BibLaTeX one unless the entry has both.
            let spec = spec(&lower);
            let canonical = spec.map_or(lower.as_ref(), |s| s.canonical);
            let both = canonical != lower
                && match &all {
                    Some(all) => all.contains(canonical),
                    None => fields
                        .iter()
                        .any(|g| tree.text(g.name()).eq_ignore_ascii_case(canonical)),
                };
            let ty = spec.map_or(FieldType::Text, |s| s.ty);
            if let Some(sp) = spec.filter(|_| both) {
                aliased.push((e.fields.len(), sp.canonical));
            }
            let name: Cow<'static, str> = match spec {
                Some(_) if both => crate::model::field_name(&lower),
                Some(s) => Cow::Borrowed(s.canonical),
                None => Cow::Owned(lower.into_owned()),
            };
            if !seen.insert(written) {
                diags.push(
                    Diagnostic::new(
                        Severity::Warning,
                        "duplicate-field",
                        format!("field `{written}` appears more than once; BibTeX uses the first, and so does a conversion (`keywords` are joined)"),
                    )
                    .at_line_col(f.name(), 0, 0)
                    .with_key(key),
                );
            }
            let raw = self.expand(&tree, s, f, diags, Some(key));
            let span = Some(f.span());
            let slot = || Some((e.fields.len(), raw.trim_ascii().to_string(), f.span()));
            let value = match name.as_ref() {
                "year" if ymd.year.is_none() => {
                    ymd.year = slot();
                    Value::Verbatim(raw.trim_ascii().to_string())
                }
                "month" if ymd.month.is_none() => {
                    ymd.month_value = self.month_of(&tree, s, f, &raw);
                    ymd.month = slot();
                    Value::Verbatim(raw.trim_ascii().to_string())
                }
                "day" if ymd.day.is_none() => {
                    ymd.day = slot();
                    Value::Verbatim(raw.trim_ascii().to_string())
                }
                _ => self.value(&name, ty, &raw, f, key, diags),
            };
            // `keywords` given twice (JabRef and Mendeley do) are one list.
            if name == "keywords" {
                if let (Some(i), Value::Text(more)) = (keywords_at, &value) {
                    if let Value::Text(first) = &mut e.fields[i].value {
                        if !more.is_blank() {
                            first.push_str(", ");
                            for c in more.chunks() {
                                first.push(c.clone());
                            }
                        }
                        continue;
                    }
                }
                keywords_at = Some(e.fields.len());
            }
            e.fields.push(Field {
                name,
                value,
                span,
                inherited: false,
            });
        }
        self.lower_year_month(&mut e, ymd, diags);
        Self::report_aliases(&e, &aliased, key, diags);
        restore_kind(&mut e);
        e
    }

    /// Reports a BibTeX field and its BibLaTeX name (`address` and `location`) with different
    /// values: the toolchains read different ones, and a conversion writes one.
    fn report_aliases(
        e: &Entry,
        aliased: &[(usize, &'static str)],
        key: &str,
        diags: &mut Vec<Diagnostic>,
    ) {
        for &(i, canonical) in aliased {
            let Some(alias) = e.fields.get(i) else {
                continue;
            };
            let Some(other) = e.fields.iter().find(|f| f.name == canonical) else {
                continue;
            };
            let (a, b) = (alias.value.to_plain_string(), other.value.to_plain_string());
            let same = if canonical == "eprinttype" {
                a.trim().eq_ignore_ascii_case(b.trim())
            } else {
                a.trim() == b.trim()
            };
            if same {
                continue;
            }
            let mut d = Diagnostic::new(
            Severity::Warning,
            "duplicate-field",
            format!(
                "`{}` = {{{a}}} and `{canonical}` = {{{b}}} are one field: BibTeX reads `{}`, biber `{canonical}`; BibTeX output keeps `{}`, BibLaTeX and CSL-JSON keep `{canonical}`",
                alias.name, alias.name, alias.name
            ),
        )
        .with_key(key);
            if let Some(span) = alias.span {
                d = d.at_line_col(span, 0, 0);
            }
            diags.push(d);
        }
    }

    /// The typed value of a field other than `year`, `month` and `day`.
    #[allow(clippy::too_many_arguments)]
    fn value(
        &self,
        name: &str,
        ty: FieldType,
        raw: &str,
        f: &FieldNode,
        key: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Value {
        match ty {
            FieldType::Names => {
                let (list, warnings) = crate::name::parse_bibtex_names(raw);
                for w in warnings {
                    diags.push(
                        Diagnostic::new(Severity::Warning, "invalid-name", w)
                            .at_line_col(f.span(), 0, 0)
                            .with_key(key),
                    );
                }
                Value::Names(list)
            }
            FieldType::Date => match crate::date::classify(raw) {
                crate::date::Parsed::Date(d) => Value::date(d),
                crate::date::Parsed::Level2 => Value::Verbatim(raw.trim_ascii().to_string()),
                crate::date::Parsed::Invalid if raw.trim_ascii().is_empty() => {
                    diags.push(
                        Diagnostic::new(
                            Severity::Warning,
                            "invalid-date",
                            format!("`{name}` is empty"),
                        )
                        .at_line_col(f.span(), 0, 0)
                        .with_key(key),
                    );
                    Value::Verbatim(String::new())
                }
                crate::date::Parsed::Invalid => {
                    diags.push(
                        Diagnostic::new(
                            Severity::Warning,
                            "invalid-date",
                            format!(
                                "`{}` in `{name}` is not a date bibkit can read; kept as written",
                                raw.trim_ascii()
                            ),
                        )
                        .at_line_col(f.span(), 0, 0)
                        .with_key(key),
                    );
                    Value::Verbatim(raw.trim_ascii().to_string())
                }
            },
            // Addresses and identifiers lose the LaTeX escapes exporters add (`\_`, `\&`).
            FieldType::Verbatim if is_address(name) => {
                Value::Verbatim(latex::unescape_verbatim(raw.trim_ascii()).into_owned())
            }
            FieldType::Verbatim => Value::Verbatim(raw.trim_ascii().to_string()),
            FieldType::Doi => Value::Verbatim(
                normalize_doi(&latex::unescape_verbatim(raw.trim_ascii())).to_string(),
            ),
            FieldType::Text => {
                let t = latex::decode(raw.trim_ascii(), &DecodeOptions::default());
                if let Some((cmd, journal)) = latex::journal_macro(&t) {
                    diags.push(
                        Diagnostic::new(
                            Severity::Info,
                            "journal-macro",
                            format!("`{name}` is the AASTeX macro `\\{cmd}`; read as `{journal}`"),
                        )
                        .at_line_col(f.span(), 0, 0)
                        .with_key(key),
                    );
                    return Value::Text(Text::plain(journal));
                }
                let unknown = latex::unknown_commands(&t);
                if !unknown.is_empty() {
                    let list: Vec<String> = unknown.iter().map(|c| format!("`\\{c}`")).collect();
                    diags.push(
                        Diagnostic::new(
                            Severity::Warning,
                            "unknown-command",
                            format!(
                                "`{name}` has {} bibkit does not know ({}); kept as written",
                                if list.len() == 1 {
                                    "a LaTeX command"
                                } else {
                                    "LaTeX commands"
                                },
                                list.join(", ")
                            ),
                        )
                        .at_line_col(f.span(), 0, 0)
                        .with_key(key),
                    );
                }
                Value::Text(t)
            }
        }
    }

    /// Turns `year`, `month` and `day` into one `date` when there is no `date` field and
    /// they are regular. What does not parse stays as written, with a warning.
    fn lower_year_month(&self, e: &mut Entry, ymd: YearMonthDay, diags: &mut Vec<Diagnostic>) {
        let warn = |diags: &mut Vec<Diagnostic>, span: Span, msg: String, key: &str| {
            diags.push(
                Diagnostic::new(Severity::Warning, "invalid-date", msg)
                    .at_line_col(span, 0, 0)
                    .with_key(key),
            );
        };
        if let (Some((_, raw, span)), None) = (&ymd.month, &ymd.month_value) {
            if !raw.is_empty() {
                warn(
                    diags,
                    *span,
                    format!("month `{raw}` is not a month bibkit can read; kept as written"),
                    &e.key,
                );
            }
        }
        let Some((yi, yraw, yspan)) = &ymd.year else {
            return self.month_day_as_text(e);
        };
        // The year, read without LaTeX commands such as `\noopsort{…}`.
        let decoded = latex::decode(yraw, &DecodeOptions::default());
        let dropped = decoded.chunks().iter().any(|c| matches!(c, Chunk::Raw(_)));
        let plain: String = decoded
            .chunks()
            .iter()
            .filter(|c| !matches!(c, Chunk::Raw(_)))
            .map(Chunk::to_plain_string)
            .collect();
        let year = parse_year(&plain).or_else(|| {
            // `year = {June 1980}`: a whole date in the year field.
            let d = crate::date::parse(&plain)?;
            warn(
                diags,
                *yspan,
                format!("year `{yraw}` holds a whole date; read as {d}"),
                &e.key,
            );
            Some(d)
        });
        let Some(year) = year else {
            if !yraw.is_empty() {
                warn(
                    diags,
                    *yspan,
                    format!("year `{yraw}` is not a year; kept as written"),
                    &e.key,
                );
            }
            return self.month_day_as_text(e);
        };
        if let Some(Value::Date(date)) = e.get("date") {
            // `year` beside a `date` that starts in that year (as BibTeX output writes a
            // range or an EDTF date) says nothing more.
            let same = matches!(&year, Date::Single(y) if y.month.is_none()
                && date.start().is_some_and(|s| s.year == y.year));
            if same && !dropped && ymd.month.is_none() && ymd.day.is_none() {
                e.fields.remove(*yi);
            }
            return self.month_day_as_text(e);
        }
        if e.get("date").is_some() {
            return self.month_day_as_text(e);
        }
        if dropped {
            warn(
                diags,
                *yspan,
                format!("year `{yraw}` is read as {year}; the LaTeX around it is dropped"),
                &e.key,
            );
        }
        let day_field = ymd
            .day
            .as_ref()
            .and_then(|(_, d, _)| d.trim().parse::<u8>().ok());
        let mut used_month = false;
        let mut used_day = false;
        let date = match (&year, &ymd.month_value) {
            (Date::Single(y), Some(MonthValue::Season(season))) if y.month.is_none() => {
                used_month = true;
                let mut p = DatePart::year(y.year);
                p.season = Some(*season);
                Date::Single(p)
            }
            (Date::Single(y), Some(MonthValue::Month(m, d, end))) if y.month.is_none() => {
                let y = y.year;
                let d = d.or(day_field);
                let start = crate::date::checked(y, Some(*m), d);
                let end = end.map(|(m2, d2)| {
                    crate::date::checked(y, Some(m2), d2.or(d.filter(|_| d2.is_some())))
                });
                match (start, end) {
                    (Some(a), None) => {
                        used_month = true;
                        used_day = a.day.is_some() && day_field.is_some();
                        Date::Single(a)
                    }
                    (Some(a), Some(Some(b))) if a <= b || a.month < b.month || a.day < b.day => {
                        used_month = true;
                        Date::Range(RangeEnd::Known(a), RangeEnd::Known(b))
                    }
                    _ => {
                        if let Some((_, m, mspan)) = &ymd.month {
                            warn(
                                diags,
                                *mspan,
                                format!("month `{m}` does not fit the year {y}; kept as written"),
                                &e.key,
                            );
                        }
                        Date::Single(DatePart::year(y))
                    }
                }
            }
            (d, _) => d.clone(),
        };
        let mut remove = Vec::new();
        if used_month {
            if let Some((mi, _, _)) = &ymd.month {
                remove.push(*mi);
            }
        }
        if used_day {
            if let Some((di, _, _)) = &ymd.day {
                remove.push(*di);
            }
        }
        e.fields[*yi].name = "date".into();
        e.fields[*yi].value = Value::date(date);
        remove.sort_unstable();
        for i in remove.into_iter().rev() {
            e.fields.remove(i);
        }
        self.month_day_as_text(e);
    }

    /// Month and day fields that did not become part of a date are kept as text.
    fn month_day_as_text(&self, e: &mut Entry) {
        for f in e
            .fields
            .iter_mut()
            .filter(|f| matches!(f.name.as_ref(), "month" | "day" | "year"))
        {
            if let Value::Verbatim(s) = &f.value {
                f.value = Value::Text(latex::decode(s, &DecodeOptions::default()));
            }
        }
    }

    /// Adds the fields `e` inherits from its crossref and xdata parents, following each
    /// ancestor once (a parent named twice, a diamond or a cycle costs nothing more) and
    /// chains up to [`MAX_CHAIN`] entries deep.
    fn inherit(&self, n: usize, e: &mut Entry, diags: &mut Vec<Diagnostic>) {
        let mut visited = crate::fxhash::FxHashSet::default();
        visited.insert(n as u32);
        let mut deep = false;
        self.inherit_from(n, e, Some(diags), &mut visited, 0, &mut deep);
        if deep {
            diags.push(
                Diagnostic::new(
                    Severity::Warning,
                    "missing-crossref",
                    format!(
                        "the crossref/xdata chain of `{}` is more than {MAX_CHAIN} entries long; inheritance stops there",
                        e.key
                    ),
                )
                .at_line_col(self.span(n), 0, 0)
                .with_key(&e.key),
            );
        }
    }

    /// Merges into `e` (entry `n`) what its parents give; `diags` (for the entry itself,
    /// not its ancestors) gets the targets that do not exist.
    fn inherit_from(
        &self,
        n: usize,
        e: &mut Entry,
        mut diags: Option<&mut Vec<Diagnostic>>,
        visited: &mut crate::fxhash::FxHashSet<u32>,
        depth: usize,
        deep: &mut bool,
    ) {
        let Some(links) = self.links.get(&(n as u32)) else {
            return;
        };
        // xdata parents first, in the order written, then the crossref parent.
        let ordered = links
            .iter()
            .filter(|l| l.kind == LinkKind::Xdata)
            .chain(links.iter().filter(|l| l.kind == LinkKind::Crossref));
        for link in ordered {
            let Some(pn) = link.target else {
                if let Some(diags) = diags.as_deref_mut() {
                    let field = link.kind.field();
                    let span = e.field(field).and_then(|f| f.span).unwrap_or_default();
                    diags.push(
                        Diagnostic::new(
                            Severity::Warning,
                            "missing-crossref",
                            format!("{field} target `{}` is not defined", link.key),
                        )
                        .at_line_col(span, 0, 0)
                        .with_key(&e.key),
                    );
                }
                continue;
            };
            if !visited.insert(pn) {
                continue;
            }
            if depth + 1 > MAX_CHAIN {
                *deep = true;
                continue;
            }
            let pn = pn as usize;
            let mut scratch = Vec::new();
            let mut parent = self.own_fields(pn, &mut scratch);
            self.inherit_from(pn, &mut parent, None, visited, depth + 1, deep);
            merge_parent(e, parent, link.kind == LinkKind::Xdata);
        }
    }

    /// `@preamble` contents, macros expanded.
    pub fn preambles(&self) -> Vec<String> {
        self.preambles.clone()
    }

    /// Comments: `@comment` bodies, `%` comments (also inside entries), and non-blank text
    /// between entries, each placed before the entry it preceded.
    pub fn comments(&self) -> Vec<Comment> {
        self.comments.clone()
    }

    /// Fills in the line and column of every diagnostic and of entry origins, and sorts
    /// the diagnostics by position.
    pub fn finish_diagnostics(&self, diags: &mut [Diagnostic]) {
        if let [only] = self.sources.as_slice() {
            crate::diagnostic::locate(only.text, diags);
            for d in diags.iter_mut() {
                if d.file.is_none() {
                    d.file = only.file.clone();
                }
            }
            return;
        }
        // Several sources: a finding belongs to the source its file names.
        let index: HashMap<&str, usize> = self
            .sources
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(i, s)| Some((s.file.as_deref()?, i)))
            .collect();
        let source_of = |d: &Diagnostic| d.file.as_deref().and_then(|f| index.get(f).copied());
        diags.sort_by_key(|d| (source_of(d).unwrap_or(usize::MAX), d.span.start));
        let mut i = 0;
        while i < diags.len() {
            let s = source_of(&diags[i]);
            let j = i + diags[i..].iter().take_while(|d| source_of(d) == s).count();
            if let Some(s) = s {
                crate::diagnostic::locate(self.sources[s].text, &mut diags[i..j]);
            }
            i = j;
        }
    }
}

impl<'a> Feed<'a> {
    fn new(src: &'a str) -> Self {
        Feed {
            keyless: Vec::new(),
            last_line_end: None,
            cursor: crate::diagnostic::Cursor::new(src),
            hidden: None,
        }
    }
}

/// Adds the fields of a resolved parent that `e` does not have (under the names biblatex
/// gives them in a child of `e`'s type when it is a crossref parent).
fn merge_parent(e: &mut Entry, parent: Entry, is_xdata: bool) {
    // Names looked up by hash when there are many.
    let mut have: Option<std::collections::HashSet<Cow<'static, str>>> =
        (e.fields.len() + parent.fields.len() > 48)
            .then(|| e.fields.iter().map(|f| f.name.clone()).collect());
    for f in parent.fields {
        if NOT_INHERITED.contains(&f.name.as_ref()) {
            continue;
        }
        let target = if is_xdata {
            Some(f.name.as_ref())
        } else {
            match inherited_name(&parent.kind, &e.kind, &f.name) {
                Some("") => None,
                Some(t) => Some(t),
                None => Some(f.name.as_ref()),
            }
        };
        let Some(t) = target else { continue };
        let present = match &have {
            Some(set) => set.contains(t),
            None => e.get(t).is_some(),
        };
        if !present {
            let name = crate::model::field_name(t);
            if let Some(set) = &mut have {
                set.insert(name.clone());
            }
            e.fields.push(Field {
                name,
                value: f.value,
                span: None,
                inherited: true,
            });
        }
    }
}

/// The first `@type{` or `@type(` in an item that is a comment (a `%` line, an
/// `@comment` block, text between entries): an entry that was not read as one.
fn hidden_entry(src: &str, item: &Item) -> Option<usize> {
    let span = match item {
        Item::Text(s) | Item::LineComment(s) => *s,
        Item::Block(b) if b.block_kind() == BlockKind::Comment => b.span(),
        _ => return None,
    };
    let text = &src[span.start..span.end];
    let skip = usize::from(matches!(item, Item::Block(_)));
    for at in memchr::memchr_iter(b'@', text.as_bytes()).skip(skip) {
        let rest = text[at + 1..].trim_start();
        let name_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        if name_len == 0 || rest[..name_len].eq_ignore_ascii_case("comment") {
            continue;
        }
        if matches!(
            rest[name_len..].trim_start().as_bytes().first(),
            Some(b'{' | b'(')
        ) {
            return Some(span.start + at);
        }
    }
    None
}

fn undefined_macro(name: &str, span: Span, key: Option<&str>) -> Diagnostic {
    let mut d = Diagnostic::new(
        Severity::Warning,
        "undefined-macro",
        format!("undefined macro `{name}`; its name is kept as the text"),
    )
    .at_line_col(span, 0, 0);
    if let Some(k) = key {
        d = d.with_key(k);
    }
    d
}

/// The cycles among entries' links: strongly connected components with more than one
/// entry, or an entry that names itself; each sorted, in file order of its first entry.
/// Iterative (Tarjan's algorithm), so a long chain cannot overflow the stack.
fn cycles(links: &FxHashMap<u32, Vec<Link>>) -> Vec<Vec<u32>> {
    let mut nodes: Vec<u32> = links.keys().copied().collect();
    nodes.sort_unstable();
    let succ = |n: u32| -> Vec<u32> {
        links
            .get(&n)
            .map(|ls| ls.iter().filter_map(|l| l.target).collect())
            .unwrap_or_default()
    };
    let mut index: FxHashMap<u32, (usize, usize)> = FxHashMap::default(); // (index, lowlink)
    let mut on_stack: crate::fxhash::FxHashSet<u32> = Default::default();
    let mut stack: Vec<u32> = Vec::new();
    let mut next = 0usize;
    let mut out = Vec::new();
    for &root in &nodes {
        if index.contains_key(&root) {
            continue;
        }
        // (node, its successors, the next successor to visit)
        let mut work: Vec<(u32, Vec<u32>, usize)> = vec![(root, succ(root), 0)];
        index.insert(root, (next, next));
        next += 1;
        stack.push(root);
        on_stack.insert(root);
        while let Some((v, ws, i)) = work.last_mut() {
            let v = *v;
            if let Some(&w) = ws.get(*i) {
                *i += 1;
                if let Some(&(wi, _)) = index.get(&w) {
                    if on_stack.contains(&w) {
                        let low = index[&v].1.min(wi);
                        index.entry(v).and_modify(|e| e.1 = low);
                    }
                } else {
                    index.insert(w, (next, next));
                    next += 1;
                    stack.push(w);
                    on_stack.insert(w);
                    work.push((w, succ(w), 0));
                }
                continue;
            }
            work.pop();
            let (vi, vl) = index[&v];
            if let Some((u, _, _)) = work.last() {
                let u = *u;
                let low = index[&u].1.min(vl);
                index.entry(u).and_modify(|e| e.1 = low);
            }
            if vi == vl {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack.remove(&w);
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                let self_loop = comp.len() == 1 && succ(v).contains(&v);
                if comp.len() > 1 || self_loop {
                    comp.sort_unstable();
                    out.push(comp);
                }
            }
        }
    }
    out.sort_unstable_by_key(|c| c[0]);
    out
}

/// Strips `https://doi.org/`, `http://dx.doi.org/` and `doi:` prefixes from a DOI.
///
/// ```
/// use bibkit::formats::bibtex::normalize_doi;
/// assert_eq!(normalize_doi("https://doi.org/10.1000/xyz"), "10.1000/xyz");
/// assert_eq!(normalize_doi("DOI: 10.1000/xyz"), "10.1000/xyz");
/// assert_eq!(normalize_doi("10.1000/xyz"), "10.1000/xyz");
/// ```
pub fn normalize_doi(doi: &str) -> &str {
    let mut s = doi.trim();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi.org/",
        "doi:",
    ] {
        if s.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        {
            s = s[prefix.len()..].trim_start();
            break;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    fn hash(k: &str) -> u64 {
        BuildHasherDefault::<crate::fxhash::FxHasher>::default().hash_one(Caseless(k))
    }

    #[test]
    fn caseless_keys_hash_alike_when_equal() {
        for (a, b) in [
            ("Knuth84", "knuth84"),
            ("\u{212A}ey", "key"),
            ("Ärger", "ärger"),
        ] {
            assert_eq!(Caseless(a), Caseless(b));
            assert_eq!(hash(a), hash(b), "{a} / {b}");
        }
        assert_ne!(Caseless("a1"), Caseless("a2"));
    }

    #[test]
    fn duplicate_keys_by_kind() {
        // Every repeated key is an error, as in `check` (BibTeX and biber keep only the
        // first); a repeat by another kind of work says so.
        let p = read("@book{K, title={A}}\n@book{k, title={B}}\n@article{K, title={C}}");
        let found: Vec<(Severity, bool)> = p
            .diagnostics
            .iter()
            .filter(|d| d.rule == "duplicate-key")
            .map(|d| {
                (
                    d.severity,
                    d.message.contains("different kind of work (@book)"),
                )
            })
            .collect();
        assert_eq!(found, [(Severity::Error, false), (Severity::Error, true)]);
        assert_eq!(p.bibliography.len(), 3);
    }
}
