//! The format-neutral data model.
//!
//! Every reader lowers its input into a [`Bibliography`]; every writer prints one. Text is
//! Unicode in NFC; values whose meaning bibkit knows are typed ([`NameList`], [`Date`]) and
//! everything else keeps its text, so nothing read is lost.
//!
//! ```
//! use bibkit::model::{Bibliography, Entry, Value};
//!
//! let mut entry = Entry::new("knuth1984", "book");
//! entry.set("title", Value::text("Literate Programming"));
//! let mut bib = Bibliography::default();
//! bib.entries.push(entry);
//! assert_eq!(bib.entries[0].get("title").unwrap().to_plain_string(), "Literate Programming");
//! ```

mod date;
mod name;
mod text;

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use date::{Date, DatePart, RangeEnd, Season};

pub use name::{Name, NameList, Person};
pub use text::{Chunk, Text};

/// A byte range in a source text: `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// Creates a span from `start` to `end`.
    ///
    /// ```
    /// let s = bibkit::model::Span::new(3, 7);
    /// assert_eq!(s.len(), 4);
    /// ```
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// Number of bytes covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where a record came from: the file (if any), its byte span, and the 1-based line and
/// column (in characters) of its first byte.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Origin {
    /// The file name as given to the reader; `None` for in-memory input.
    pub file: Option<Arc<str>>,
    /// Byte span in the source text.
    pub span: Span,
    /// 1-based line of the first byte.
    pub line: u32,
    /// 1-based column (in characters) of the first byte.
    pub column: u32,
}

/// A whole bibliography: an ordered list of entries.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Bibliography {
    /// The entries, in input order.
    pub entries: Vec<Entry>,
    /// `@preamble` contents (LaTeX source, kept verbatim), in input order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preambles: Vec<String>,
    /// Comments read with the entries (`@comment` blocks, `%` comments, text between
    /// entries), so that a `.bib` writer can keep them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<Comment>,
}

/// How a comment was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentKind {
    /// An `@comment{…}` block.
    Block,
    /// A `%` comment.
    Line,
    /// Text between entries.
    Text,
}

/// A comment kept with a bibliography.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// The index of the entry the comment stood before (`entries.len()` for the end).
    pub before: usize,
    /// How it was written.
    pub kind: CommentKind,
    /// The comment's text: an `@comment` block's body, a `%` comment without its `%`, or
    /// text found between entries.
    pub text: String,
}

impl Bibliography {
    /// Creates an empty bibliography.
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks an entry up by key (exact match).
    ///
    /// ```
    /// use bibkit::model::{Bibliography, Entry};
    /// let mut bib = Bibliography::new();
    /// bib.entries.push(Entry::new("a1", "misc"));
    /// assert!(bib.get("a1").is_some());
    /// assert!(bib.get("A1").is_none());
    /// ```
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Looks an entry up by key (exact match), to change it.
    ///
    /// ```
    /// use bibkit::model::{Bibliography, Entry, Value};
    /// let mut bib = Bibliography::new();
    /// bib.entries.push(Entry::new("a1", "misc"));
    /// bib.get_mut("a1").unwrap().set("note", Value::text("seen"));
    /// assert_eq!(bib.get("a1").unwrap().get("note").unwrap().to_string(), "seen");
    /// ```
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.key == key)
    }

    /// The entries' keys, in order.
    ///
    /// ```
    /// use bibkit::model::{Bibliography, Entry};
    /// let mut bib = Bibliography::new();
    /// bib.entries.push(Entry::new("a1", "misc"));
    /// bib.entries.push(Entry::new("b2", "book"));
    /// assert_eq!(bib.keys().collect::<Vec<_>>(), ["a1", "b2"]);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.key.as_str())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One bibliographic record.
///
/// `kind` is the lowercase entry type in BibLaTeX's vocabulary (`article`, `book`, `misc`,
/// `online`, …); unknown types are kept as read. Field names are lowercase BibLaTeX names
/// (`title`, `author`, `date`, `journaltitle`, …); fields are kept in insertion order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The citation key.
    pub key: String,
    /// The entry type, lowercase.
    pub kind: String,
    /// The fields, in order.
    pub fields: Vec<Field>,
    /// Where the entry was read from, if it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl Entry {
    /// Creates an entry with no fields.
    pub fn new(key: impl Into<String>, kind: impl Into<String>) -> Self {
        Entry {
            key: key.into(),
            kind: kind.into().to_ascii_lowercase(),
            fields: Vec::new(),
            origin: None,
        }
    }

    /// The value of field `name` (any case), if present. A BibTeX name finds its BibLaTeX
    /// field (`journal` the `journaltitle`, `address` the `location`, `school` the
    /// `institution`, …), and `year`, `month` and `day` find the `date` the reader made of
    /// them, unless the entry has a field of that very name.
    ///
    /// ```
    /// let e = &bibkit::formats::bibtex::read("@article{k, Journal = {J. ACM}, year = 1984}").bibliography.entries[0];
    /// assert_eq!(e.get("journal").unwrap().to_plain_string(), "J. ACM");
    /// assert_eq!(e.get("journaltitle").unwrap().to_plain_string(), "J. ACM");
    /// assert_eq!(e.get("year").unwrap().to_string(), "1984");
    /// ```
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.field(name).map(|f| &f.value)
    }

    /// The field `name` with its span, if present (names resolved as in [`Entry::get`]).
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.position(name).map(|i| &self.fields[i])
    }

    /// The index of the field `name` resolves to (see [`Entry::get`]).
    fn position(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.fields.iter().position(|f| f.name == name) {
            return Some(i);
        }
        let lower: Cow<'_, str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        if lower != name {
            if let Some(i) = self.fields.iter().position(|f| f.name == lower) {
                return Some(i);
            }
        }
        let alias = match lower.as_ref() {
            "year" | "month" | "day" => "date",
            n => crate::formats::bibtex::canonical_field(n),
        };
        (alias != lower.as_ref())
            .then(|| self.fields.iter().position(|f| f.name == alias))
            .flatten()
    }

    /// The title, as plain text.
    ///
    /// ```
    /// let e = &bibkit::formats::bibtex::read(r"@book{k, title = {The {\TeX}book}}").bibliography.entries[0];
    /// assert_eq!(e.title().as_deref(), Some("The TeXbook"));
    /// ```
    pub fn title(&self) -> Option<String> {
        self.get("title").map(Value::to_plain_string)
    }

    /// The authors, when the entry has a name list of them.
    pub fn authors(&self) -> Option<&NameList> {
        self.names("author")
    }

    /// The editors, when the entry has a name list of them.
    pub fn editors(&self) -> Option<&NameList> {
        self.names("editor")
    }

    /// The entry's date (`date`, or the `year`/`month`/`day` it was read from).
    pub fn date(&self) -> Option<&Date> {
        self.date_in("date")
    }

    /// The year: of the date, else a `year` field that is a number.
    ///
    /// ```
    /// let bib = bibkit::formats::bibtex::read("@misc{a, year = 1984}\n@misc{b, date = {2001-05/2002}}").bibliography;
    /// assert_eq!(bib.entries[0].year(), Some(1984));
    /// assert_eq!(bib.entries[1].year(), Some(2001));
    /// ```
    pub fn year(&self) -> Option<i64> {
        match self.date().and_then(Date::start) {
            Some(p) => Some(p.year),
            None => self.get("year")?.to_plain_string().trim().parse().ok(),
        }
    }

    /// The DOI, as written (without a `https://doi.org/` prefix).
    pub fn doi(&self) -> Option<String> {
        let d = self.get("doi")?.to_plain_string();
        let d = d.trim();
        Some(
            [
                "https://doi.org/",
                "http://doi.org/",
                "https://dx.doi.org/",
                "http://dx.doi.org/",
                "doi:",
            ]
            .iter()
            .find_map(|p| d.strip_prefix(p))
            .unwrap_or(d)
            .to_string(),
        )
    }

    /// Sets field `name`, replacing an existing value in place or appending a new field.
    ///
    /// ```
    /// use bibkit::model::{Entry, Value};
    /// let mut e = Entry::new("k", "misc");
    /// e.set("note", Value::text("one"));
    /// e.set("note", Value::text("two"));
    /// assert_eq!(e.fields.len(), 1);
    /// assert_eq!(e.get("note").unwrap().to_plain_string(), "two");
    /// ```
    ///
    /// A BibTeX name sets the BibLaTeX field the model keeps (`journal` sets
    /// `journaltitle`, so CSL-JSON gets it as `container-title`), unless the entry has a
    /// field of that very name:
    ///
    /// ```
    /// use bibkit::model::{Entry, Value};
    /// let mut e = Entry::new("k", "article");
    /// e.set("journal", Value::text("Nature"));
    /// assert_eq!(e.fields[0].name, "journaltitle");
    /// assert!(bibkit::formats::csl_json::to_string(&bibkit::model::Bibliography { entries: vec![e], ..Default::default() }).contains("\"container-title\": \"Nature\""));
    /// ```
    pub fn set(&mut self, name: &str, value: Value) {
        // (Most names are lower case already: no copy for them.)
        let lower: Cow<'_, str> = if name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || !b.is_ascii_alphabetic() && b.is_ascii())
        {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(name.to_lowercase())
        };
        let lower: &str = &lower;
        let exact = self.fields.iter().position(|f| f.name == lower);
        let at = exact.or_else(|| {
            let alias = crate::formats::bibtex::canonical_field(lower);
            (alias != lower)
                .then(|| self.fields.iter().position(|f| f.name == alias))
                .flatten()
        });
        match at {
            Some(i) => {
                let f = &mut self.fields[i];
                f.value = value;
                f.inherited = false;
            }
            None => self.fields.push(Field {
                name: field_name(crate::formats::bibtex::canonical_field(lower)),
                value,
                span: None,
                inherited: false,
            }),
        }
    }

    /// Removes field `name` (resolved as in [`Entry::get`]), returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let i = self.position(name)?;
        Some(self.fields.remove(i).value)
    }

    /// The name list in field `name` (`author`, `editor`, …), if it holds one.
    pub fn names(&self, name: &str) -> Option<&NameList> {
        match self.get(name)? {
            Value::Names(n) => Some(n),
            _ => None,
        }
    }

    /// The date in field `name` (`date`, `urldate`, …), if it holds a parsed one.
    pub fn date_in(&self, name: &str) -> Option<&Date> {
        match self.get(name)? {
            Value::Date(d) => Some(d.as_ref()),
            _ => None,
        }
    }
}

/// A field name as the model stores it: a static string for the field names of BibTeX,
/// BibLaTeX and CSL that bibkit knows, an owned one otherwise. `name` must be lowercase.
///
/// ```
/// use std::borrow::Cow;
/// assert!(matches!(bibkit::model::field_name("title"), Cow::Borrowed("title")));
/// assert!(matches!(bibkit::model::field_name("x-custom"), Cow::Owned(_)));
/// ```
pub fn field_name(name: &str) -> Cow<'static, str> {
    match known_field(name) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(name.to_string()),
    }
}

/// The field names of BibTeX, BibLaTeX and bibkit's readers that the model stores without an
/// allocation.
pub(crate) const KNOWN_FIELDS: &[&str] = &[
    "abstract",
    "accession",
    "addendum",
    "address",
    "affiliation",
    "afterword",
    "annotation",
    "annotator",
    "annote",
    "archiveprefix",
    "author",
    "available-date",
    "bookauthor",
    "booksubtitle",
    "booktitle",
    "booktitleaddon",
    "chair",
    "chapter",
    "code",
    "collection-editor",
    "commentator",
    "commit",
    "compiler",
    "composer",
    "container-author",
    "contributor",
    "crossref",
    "curator",
    "database",
    "date",
    "day",
    "director",
    "doi",
    "edition",
    "editor",
    "editora",
    "editorb",
    "editorc",
    "editorial-director",
    "editortype",
    "eid",
    "entryset",
    "entrysubtype",
    "eprint",
    "eprintclass",
    "eprinttype",
    "eventdate",
    "eventtitle",
    "executive-producer",
    "file",
    "foreword",
    "funding",
    "genre",
    "groups",
    "guest",
    "holder",
    "host",
    "howpublished",
    "ids",
    "illustrator",
    "institution",
    "interviewer",
    "introduction",
    "isan",
    "isbn",
    "ismn",
    "isrn",
    "issn",
    "issue",
    "issuesubtitle",
    "issuetitle",
    "iswc",
    "journal",
    "journalsubtitle",
    "journaltitle",
    "key",
    "keywords",
    "label",
    "langid",
    "language",
    "library",
    "license",
    "location",
    "mainsubtitle",
    "maintitle",
    "medium",
    "month",
    "mrnumber",
    "namea",
    "nameb",
    "namec",
    "narrator",
    "note",
    "number",
    "options",
    "organization",
    "organizer",
    "origdate",
    "original-author",
    "origlanguage",
    "origlocation",
    "origpublisher",
    "pages",
    "pagetotal",
    "part",
    "pdf",
    "performer",
    "pmcid",
    "pmid",
    "primaryclass",
    "producer",
    "publisher",
    "pubstate",
    "recipient",
    "related",
    "relatedtype",
    "repository",
    "reviewed-author",
    "school",
    "script-writer",
    "series",
    "series-creator",
    "shortauthor",
    "shorteditor",
    "shorthand",
    "shortjournal",
    "shorttitle",
    "sortkey",
    "sortname",
    "submitted",
    "subtitle",
    "swhid",
    "timestamp",
    "title",
    "titleaddon",
    "translator",
    "type",
    "url",
    "urldate",
    "urlraw",
    "venue",
    "verba",
    "verbb",
    "verbc",
    "version",
    "volume",
    "volumes",
    "xdata",
    "xref",
    "year",
];

/// The static spelling of a known field name.
pub(crate) fn known_field(name: &str) -> Option<&'static str> {
    use std::sync::OnceLock;
    static KNOWN: OnceLock<crate::fxhash::FxHashSet<&'static str>> = OnceLock::new();
    KNOWN
        .get_or_init(|| KNOWN_FIELDS.iter().copied().collect())
        .get(name)
        .copied()
}

/// A named field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Lowercase field name (borrowed for the names bibkit knows, so most fields need no
    /// allocation for it).
    pub name: Cow<'static, str>,
    /// The value.
    pub value: Value,
    /// Where the field was read from (in the entry's source), if it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Inherited from the entry's `crossref` or `xdata` parent when the reader resolved
    /// them. The `.bib` writers leave such fields out — the `crossref`/`xdata` field
    /// carries them, and writing both would make BibTeX inherit again — while CSL-JSON,
    /// which has no cross-references, writes them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inherited: bool,
}

/// A field value: typed where bibkit knows the meaning, text otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Value {
    /// Rich text (decoded from LaTeX; may keep case-protected parts, math and raw LaTeX).
    Text(Text),
    /// A list of persons or organisations.
    Names(NameList),
    /// A parsed date (boxed: dates are large and most values are not dates).
    Date(Box<Date>),
    /// Text that is never decoded or escaped (URLs, DOIs, file paths, eprint ids).
    Verbatim(String),
}

impl Value {
    /// A plain text value.
    ///
    /// ```
    /// let v = bibkit::model::Value::text("Hello");
    /// assert_eq!(v.to_plain_string(), "Hello");
    /// ```
    pub fn text(s: impl Into<String>) -> Self {
        Value::Text(Text::plain(s))
    }

    /// A date value.
    ///
    /// ```
    /// use bibkit::model::{Date, DatePart, Value};
    /// let v = Value::date(Date::Single(DatePart::ymd(2024, 10, 25)));
    /// assert_eq!(v.to_plain_string(), "2024-10-25");
    /// ```
    pub fn date(d: Date) -> Self {
        Value::Date(Box::new(d))
    }

    /// The value rendered as plain Unicode text (names joined with ` and `, dates in ISO
    /// 8601/EDTF form).
    pub fn to_plain_string(&self) -> String {
        match self {
            Value::Text(t) => t.to_plain_string(),
            Value::Names(n) => n.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Verbatim(s) => s.clone(),
        }
    }
}

impl<'b> IntoIterator for &'b Bibliography {
    type Item = &'b Entry;
    type IntoIter = std::slice::Iter<'b, Entry>;

    /// The entries, in order.
    ///
    /// ```
    /// let bib = bibkit::formats::bibtex::read("@misc{a}\n@misc{b}").bibliography;
    /// let keys: Vec<&str> = (&bib).into_iter().map(|e| e.key.as_str()).collect();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl std::fmt::Display for Value {
    /// The value as plain text (a date in EDTF, names as BibTeX writes them).
    ///
    /// ```
    /// let bib = bibkit::formats::bibtex::read(r"@misc{a, title = {Caf\'e}, date = {2020-05}}").bibliography;
    /// assert_eq!(bib.entries[0].get("title").unwrap().to_string(), "Café");
    /// assert_eq!(bib.entries[0].get("date").unwrap().to_string(), "2020-05");
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_plain_string())
    }
}
