//! CSL-JSON: [`read`] items into the model, [`to_string`] and [`to_value`] write them.
//!
//! Output always validates against the official CSL-JSON schema (`csl-data.json`): every
//! field without a CSL variable goes into `custom` under its own name, so that reading the
//! output back ([`read`], then a BibLaTeX writer) restores it.
//!
//! ```
//! use bibkit::formats::{bibtex, csl_json};
//! let bib = bibtex::read("@phdthesis{k, author = {Knuth, Donald E.}, title = {An {ALGOL} Compiler},
//!   school = {Stanford}, year = 1963, month = jun, hometown = {Milwaukee}}").bibliography;
//! let json = csl_json::to_value(&bib);
//! assert_eq!(json[0]["type"], "thesis");
//! assert_eq!(json[0]["genre"], "PhD thesis");
//! assert_eq!(json[0]["publisher"], "Stanford");
//! assert_eq!(json[0]["title"], r#"An <span class="nocase">ALGOL</span> Compiler"#);
//! assert_eq!(json[0]["issued"]["date-parts"][0], serde_json::json!([1963, 6]));
//! assert_eq!(json[0]["custom"]["hometown"], "Milwaukee");
//!
//! // And back: the unknown field returns from `custom`.
//! let again = csl_json::read(&csl_json::to_string(&bib)).bibliography;
//! assert_eq!(again.entries[0].get("hometown").unwrap().to_plain_string(), "Milwaukee");
//! ```
//!
//! # Entry types
//!
//! | bibkit kind (BibLaTeX; BibTeX aliases) | CSL type | CSL → bibkit |
//! |---|---|---|
//! | `article` | `article-journal` | `article` |
//! | `article` with `entrysubtype` `magazine` / `newspaper` | `article-magazine` / `article-newspaper` | `article` + `entrysubtype` |
//! | `book`, `mvbook`, `bookinbook`, `collection`, `mvcollection`, `proceedings`, `mvproceedings`, `reference`, `mvreference` | `book` | `book` |
//! | `booklet` | `pamphlet` | `booklet` |
//! | `incollection`, `inbook`, `suppbook`, `suppcollection` | `chapter` | `incollection` |
//! | `inproceedings` (`conference`) | `paper-conference` | `inproceedings` |
//! | `inreference` | `entry` | `inreference` |
//! | `report` (`techreport`), `manual` | `report` | `report` |
//! | `thesis` (`phdthesis`, `mastersthesis`) | `thesis` | `thesis` |
//! | `online` (`electronic`, `www`) | `webpage` | `online` |
//! | `unpublished` | `manuscript` | `unpublished` |
//! | `periodical`, `suppperiodical` | `periodical`, `article-journal` | `periodical` |
//! | `patent`, `dataset`, `software`, `performance`, `legislation`, `standard`, `review` | the same | the same |
//! | `artwork`, `image` | `graphic` | `artwork` |
//! | `audio`, `music` | `song` | `audio` |
//! | `video`, `movie` | `motion_picture` | `video` |
//! | `letter` | `personal_communication` | `letter` |
//! | `jurisdiction` | `legal_case` | `jurisdiction` |
//! | `legal` | `treaty` | `legal` |
//! | `misc` | `article`¹ | `misc` |
//! | any type, with `entrysubtype` naming a CSL type | that type | see below |
//! | any other type | `document` | the type, from `custom.entrytype` |
//!
//! ¹ CSL's `article` is "a preprint, working paper, or other prepublished material", which
//! is what `@misc` holds in arXiv exports and publication listings.
//!
//! A CSL type with no BibLaTeX type of its own is written as the nearest one with the CSL
//! type in `entrysubtype`: `entry-encyclopedia` and `entry-dictionary` as `@inreference`,
//! `review-book` as `@review`, `post` and `post-weblog` as `@online`, `bill`, `regulation`
//! and `hearing` as `@legislation`, `figure` as `@image`, `musical_score` as `@music`,
//! `broadcast` as `@video`, `speech` as `@unpublished`, `classic` as `@book`, and
//! `interview`, `map`, `event`, `collection` and `document` as `@misc`. When the CSL type
//! does not say which BibLaTeX type an entry had (`@mvbook`, `@inbook`, `@manual`, an
//! unknown type), the type is kept in `custom.entrytype`.
//!
//! # Ids
//!
//! Every item's `id` is its key (or its own `id` field), and no two items share one: CSL
//! processors keep one item per id, silently. An item whose id an earlier item in the
//! output has is written with `id-2` (or `-3`, …, the first no item has), with a
//! `duplicate-id` warning; its `citation-key` stays the key, so nothing is lost and
//! reading the file back gives both entries. Ids are compared exactly, as CSL compares
//! them (`Knuth84` and `knuth84` are two ids, though one BibTeX key). Reading CSL-JSON, an
//! item whose id an earlier item has is a `duplicate-key` error, as in a `.bib` file;
//! both are read.
//!
//! # Fields
//!
//! Each CSL variable takes the first of its sources that the entry has; a source that is
//! not taken goes into `custom`.
//!
//! | CSL variable | bibkit fields, in order of preference |
//! |---|---|
//! | `title` | `title` + `subtitle` (joined by `: `; `subtitle` also kept in `custom`) |
//! | `title-short` | `shorttitle` |
//! | `container-title` | `journaltitle` (`journal`), `booktitle`, `maintitle` (each + its subtitle) |
//! | `container-title-short` | `shortjournal` |
//! | `collection-title` | `series` |
//! | `event-title`, `event-place` | `eventtitle`, `venue` |
//! | `original-title`, `original-publisher`, `original-publisher-place` | `origtitle`, `origpublisher`, `origlocation` |
//! | `author`, `editor`, `translator` | the same |
//! | `container-author` | `bookauthor` |
//! | `issued` | `date` (or `year`/`month`), then an irregular `year` as a literal |
//! | `accessed`, `event-date`, `original-date` | `urldate`, `eventdate`, `origdate` |
//! | `issue` | `number` in `article`, `periodical`; then `issue` |
//! | `collection-number` | `number` in book-like types and `inproceedings` |
//! | `number` | `number` in other types; `eid`; an arXiv `eprint` as `arXiv:ID` |
//! | `volume`, `edition`, `part`, `version`, `language`, `note`, `abstract` | the same |
//! | `page` | `pages` (dashes become `-`) |
//! | `number-of-pages`, `number-of-volumes`, `chapter-number` | `pagetotal`, `volumes`, `chapter` |
//! | `publisher` | `publisher`, `institution` (`school`), `organization`, `howpublished` |
//! | `publisher-place` | `location` (`address`) |
//! | `genre` | `type` (BibLaTeX keys in English: `phdthesis` → `PhD thesis`), else `PhD thesis` for `@phdthesis`, `Master's thesis` for `@mastersthesis`, `Technical report` for `@techreport` |
//! | `status` | `pubstate` |
//! | `annote`, `keyword` | `annotation` (`annote`), `keywords` |
//! | `DOI`, `URL`, `ISBN`, `ISSN` | `doi`, `url` (or a `howpublished` that is a URL), `isbn`, `issn` |
//! | `PMID`, `PMCID` | `pmid`, `pmcid`, or `eprint` with `eprinttype` `pubmed` / `pmc` |
//! | `id`, `citation-key` | the entry key (`id` from an `id` field when there is one) |
//! | any other CSL variable | the field of the same name (`director`, `medium`, …) |
//!
//! Reading CSL-JSON reverses the table: a variable goes to its first source that fits the
//! entry type (`publisher` to `institution` in theses and reports, to `organization` in
//! manuals and `@misc`, to `howpublished` in booklets; `container-title` to `journaltitle`
//! in articles, `maintitle` in whole books, `booktitle` otherwise; `issue` and
//! `collection-number` to `number`); `custom` restores its fields under their (lowercased)
//! names, and a title that ends with the `subtitle` in `custom` is split again.
//!
//! # Values
//!
//! * **Names** are `family`/`given`/`non-dropping-particle`/`suffix`, or `literal` for an
//!   organisation; a truncated list ends with `{"literal": "others"}` (as pandoc writes it),
//!   and reads back as the truncation flag. A `dropping-particle` is read as part of the
//!   particle.
//! * **Dates** are `date-parts` (one date, or two for a range), with `circa` for an
//!   approximate date and `season` for a season (in a range, seasons are months 13–16, as
//!   Zotero writes them); what `date-parts` cannot say (an open or unknown end, an uncertain
//!   date, a time, unspecified digits) is in `raw`, as EDTF. CSL has no year zero: EDTF year
//!   `0000` is CSL year `-1` (1 BC). Text that is no date is a `literal`.
//!
//!   On reading, a month in `date-parts` is a month (1–12) or a season: 13–16 are spring,
//!   summer, autumn and winter, and so are 17–20 (citeproc-js renders both as the
//!   `season-01`…`season-04` terms), and 21–24 are the same seasons as EDTF codes them.
//!   `season` is 1–4, 21–24 or a season's name. Anything else — month 0 or 25, day 99 or
//!   30 February, a day in a season, year 0 (CSL has none), a word, a fraction, more than
//!   three parts or two dates, a `season` that names none or sits on a date with a month or
//!   on a range — is no date: a warning names the value at its line and column, and the
//!   date is kept as text (the parts joined by `-`, the ends of a range by `/`, after the
//!   `season` and with `ca.` when `circa`), which is written back as a `literal`. Trailing
//!   empty parts (`["2020", ""]`) say nothing and are dropped.
//! * **Text** is CSL's rich text: case-protected parts of titles are
//!   `<span class="nocase">…</span>`; `\emph`/`\textit`, `\textbf`, `\textsc`,
//!   `\textsuperscript` and `\textsubscript` are `<i>`, `<b>`, small capitals, `<sup>` and
//!   `<sub>` (and read back as those commands); other LaTeX reads as its text.
//!   A literal `<` is written `&lt;` (and read back as `<`), so text is never taken for
//!   markup.
//! * **`custom`** holds strings: text in the same rich text, names in BibTeX's
//!   `Last, First and …` form, dates as EDTF, verbatim fields as written; a field that
//!   occurs more than once is an array of strings.
//!
//! # Writing
//!
//! An item starts with `id`, `type` and `citation-key`; its variables follow in one fixed
//! order (names, titles, dates, numbers, publisher, identifiers, notes, then any other in
//! alphabetical order), whatever the order of the fields, and `custom` comes last. Empty
//! fields are not written. `crossref` and `xdata` are not written either: CSL-JSON is
//! written from entries whose inherited fields have been filled in (the readers and the
//! converter resolve them), so the links say nothing more.
//!
//! # Reading
//!
//! Reading is lenient where the schema is: numbers where strings belong, strings in
//! `date-parts`, extra properties (kept as fields, written back into `custom`), a single
//! item instead of an array. A syntax error skips one item, with its `line:col`; the items
//! after it are still read. An id that cannot be a BibTeX key (white space, `,`, braces)
//! and a `custom` key that cannot be a field name are changed, with a warning; the
//! original id is kept for writing CSL-JSON again. A date range that ends before it starts
//! is kept as text, with a warning.
//!
//! Nothing is dropped silently, and every warning points at the offending key or value:
//! a key that occurs twice in one object (at any depth: two `title`s, two `family`s in a
//! name) keeps the last value, as JavaScript's `JSON.parse` (and so citeproc-js) does, with
//! a warning at the repeated key; a `\u` escape of half a surrogate pair without its other
//! half reads as U+FFFD, with a warning at the escape, and the item is read. Markup is read
//! as in the table above; tags that do not nest (`<i>a<b>b</i>c</b>`), stray closing tags
//! and unknown tags are text, and text that looks like a tag is written `&lt;`, so that
//! converting the output again gives the same bytes.
//!
//! Items are read one at a time ([`CslReader::read_each`]; the converter writes each entry
//! as it is read), in time linear in the input, however many properties an item has,
//! however many broken items share a line.

mod read;
mod scan;
mod write;

pub(crate) use read::read_value;
pub use read::{CslReader, read, read_date};
pub use write::{to_string, to_value, write_item, write_items};

use crate::model::Entry;

/// The BibLaTeX type each CSL type reads back as (the first row for a CSL type), and the CSL
/// type of each bibkit kind.
const TYPES: &[(&str, &str)] = &[
    ("article", "article-journal"),
    ("book", "book"),
    ("mvbook", "book"),
    ("bookinbook", "book"),
    ("collection", "book"),
    ("mvcollection", "book"),
    ("proceedings", "book"),
    ("mvproceedings", "book"),
    ("reference", "book"),
    ("mvreference", "book"),
    ("booklet", "pamphlet"),
    ("incollection", "chapter"),
    ("inbook", "chapter"),
    ("suppbook", "chapter"),
    ("suppcollection", "chapter"),
    ("inproceedings", "paper-conference"),
    ("conference", "paper-conference"),
    ("inreference", "entry"),
    ("report", "report"),
    ("techreport", "report"),
    ("manual", "report"),
    ("thesis", "thesis"),
    ("phdthesis", "thesis"),
    ("mastersthesis", "thesis"),
    ("online", "webpage"),
    ("electronic", "webpage"),
    ("www", "webpage"),
    ("unpublished", "manuscript"),
    ("patent", "patent"),
    ("periodical", "periodical"),
    ("suppperiodical", "article-journal"),
    ("dataset", "dataset"),
    ("software", "software"),
    ("artwork", "graphic"),
    ("image", "graphic"),
    ("audio", "song"),
    ("music", "song"),
    ("video", "motion_picture"),
    ("movie", "motion_picture"),
    ("performance", "performance"),
    ("letter", "personal_communication"),
    ("jurisdiction", "legal_case"),
    ("legislation", "legislation"),
    ("legal", "treaty"),
    ("standard", "standard"),
    ("review", "review"),
    ("misc", "article"),
];

/// CSL types without a BibLaTeX type of their own: the type they are written as (with the
/// CSL type in `entrysubtype`).
const SUBTYPED: &[(&str, &str)] = &[
    ("article-magazine", "article"),
    ("article-newspaper", "article"),
    ("entry-encyclopedia", "inreference"),
    ("entry-dictionary", "inreference"),
    ("review-book", "review"),
    ("post", "online"),
    ("post-weblog", "online"),
    ("bill", "legislation"),
    ("regulation", "legislation"),
    ("hearing", "legislation"),
    ("figure", "image"),
    ("musical_score", "music"),
    ("broadcast", "video"),
    ("speech", "unpublished"),
    ("classic", "book"),
    ("interview", "misc"),
    ("map", "misc"),
    ("event", "misc"),
    ("collection", "misc"),
    ("document", "misc"),
];

/// Every CSL item type (CSL 1.0.2).
pub(crate) const CSL_TYPES: &[&str] = &[
    "article",
    "article-journal",
    "article-magazine",
    "article-newspaper",
    "bill",
    "book",
    "broadcast",
    "chapter",
    "classic",
    "collection",
    "dataset",
    "document",
    "entry",
    "entry-dictionary",
    "entry-encyclopedia",
    "event",
    "figure",
    "graphic",
    "hearing",
    "interview",
    "legal_case",
    "legislation",
    "manuscript",
    "map",
    "motion_picture",
    "musical_score",
    "pamphlet",
    "paper-conference",
    "patent",
    "performance",
    "periodical",
    "personal_communication",
    "post",
    "post-weblog",
    "regulation",
    "report",
    "review",
    "review-book",
    "software",
    "song",
    "speech",
    "standard",
    "thesis",
    "treaty",
    "webpage",
];

/// CSL name variables.
pub(crate) const NAME_VARIABLES: &[&str] = &[
    "author",
    "chair",
    "collection-editor",
    "compiler",
    "composer",
    "container-author",
    "contributor",
    "curator",
    "director",
    "editor",
    "editorial-director",
    "executive-producer",
    "guest",
    "host",
    "illustrator",
    "interviewer",
    "narrator",
    "organizer",
    "original-author",
    "performer",
    "producer",
    "recipient",
    "reviewed-author",
    "script-writer",
    "series-creator",
    "translator",
];

/// CSL date variables.
pub(crate) const DATE_VARIABLES: &[&str] = &[
    "accessed",
    "available-date",
    "event-date",
    "issued",
    "original-date",
    "submitted",
];

/// CSL string and number variables (everything else the schema allows on an item, except
/// `id`, `type`, `citation-key` and `custom`).
pub(crate) const STRING_VARIABLES: &[&str] = &[
    "DOI",
    "ISBN",
    "ISSN",
    "PMCID",
    "PMID",
    "URL",
    "abstract",
    "annote",
    "archive",
    "archive-place",
    "archive_collection",
    "archive_location",
    "authority",
    "call-number",
    "categories",
    "chapter-number",
    "citation-label",
    "citation-number",
    "collection-number",
    "collection-title",
    "container-title",
    "container-title-short",
    "dimensions",
    "division",
    "edition",
    "event",
    "event-place",
    "event-title",
    "first-reference-note-number",
    "genre",
    "issue",
    "journalAbbreviation",
    "jurisdiction",
    "keyword",
    "language",
    "locator",
    "medium",
    "note",
    "number",
    "number-of-pages",
    "number-of-volumes",
    "original-publisher",
    "original-publisher-place",
    "original-title",
    "page",
    "page-first",
    "part",
    "part-title",
    "printing",
    "publisher",
    "publisher-place",
    "references",
    "reviewed-genre",
    "reviewed-title",
    "scale",
    "section",
    "shortTitle",
    "source",
    "status",
    "supplement",
    "title",
    "title-short",
    "version",
    "volume",
    "volume-title",
    "volume-title-short",
    "year-suffix",
];

/// Whether `name` is a CSL variable that an item may hold (not `id`, `type`,
/// `citation-key` or `custom`).
///
/// ```
/// use bibkit::formats::csl_json::is_csl_variable;
/// assert!(is_csl_variable("container-title"));
/// assert!(!is_csl_variable("booktitle"));
/// ```
pub fn is_csl_variable(name: &str) -> bool {
    is_variable(name)
}

pub(crate) fn is_variable(name: &str) -> bool {
    NAME_VARIABLES.contains(&name)
        || DATE_VARIABLES.contains(&name)
        || STRING_VARIABLES.contains(&name)
}

/// Variables whose text is a title: case-protected parts are marked `nocase`.
pub(crate) fn is_title_variable(var: &str) -> bool {
    matches!(
        var,
        "title"
            | "title-short"
            | "container-title"
            | "container-title-short"
            | "collection-title"
            | "event-title"
            | "original-title"
            | "reviewed-title"
            | "volume-title"
            | "part-title"
    )
}

/// The CSL type for a bibkit entry kind (without looking at `entrysubtype`; see
/// [`item_type`]).
///
/// ```
/// use bibkit::formats::csl_json::csl_type;
/// assert_eq!(csl_type("inproceedings"), "paper-conference");
/// assert_eq!(csl_type("phdthesis"), "thesis");
/// assert_eq!(csl_type("frobnicate"), "document");
/// ```
pub fn csl_type(kind: &str) -> &'static str {
    TYPES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("document", |&(_, t)| t)
}

/// The CSL type of an entry: its kind's, unless `entrysubtype` names a CSL type
/// (`magazine` and `newspaper` in an article name `article-magazine` and
/// `article-newspaper`). Also says whether `entrysubtype` was used for it.
///
/// ```
/// use bibkit::formats::csl_json::item_type;
/// use bibkit::model::{Entry, Value};
/// let mut e = Entry::new("k", "article");
/// assert_eq!(item_type(&e), ("article-journal", false));
/// e.set("entrysubtype", Value::text("newspaper"));
/// assert_eq!(item_type(&e), ("article-newspaper", true));
/// ```
pub fn item_type(entry: &Entry) -> (&'static str, bool) {
    if let Some(sub) = entry.get("entrysubtype") {
        let sub = sub.to_plain_string().trim().to_ascii_lowercase();
        let article = matches!(entry.kind.as_str(), "article" | "periodical");
        let named = match sub.as_str() {
            "magazine" if article => Some("article-magazine"),
            "newspaper" if article => Some("article-newspaper"),
            s => CSL_TYPES.iter().copied().find(|t| *t == s),
        };
        if let Some(t) = named {
            return (t, true);
        }
    }
    (csl_type(&entry.kind), false)
}

/// The BibLaTeX type a CSL type reads back as, and the `entrysubtype` that says the rest.
pub(crate) fn bib_type(csl: &str) -> (&'static str, Option<&'static str>) {
    if let Some(&(kind, _)) = TYPES.iter().find(|(_, t)| *t == csl) {
        return (kind, None);
    }
    match SUBTYPED.iter().find(|(t, _)| *t == csl) {
        Some(&("article-magazine", kind)) => (kind, Some("magazine")),
        Some(&("article-newspaper", kind)) => (kind, Some("newspaper")),
        Some(&(t, kind)) => (kind, Some(t)),
        None => ("misc", Some("document")),
    }
}

/// Whether reading `csl` back gives `kind` again, or a type BibLaTeX treats as the same
/// (`phdthesis` is `thesis` with a type, `conference` is `inproceedings`, …).
pub(crate) fn kind_survives(kind: &str, csl: &str) -> bool {
    let (back, _) = bib_type(csl);
    back == kind
        || matches!(
            (kind, back),
            ("conference", "inproceedings")
                | ("electronic" | "www", "online")
                | ("phdthesis" | "mastersthesis", "thesis")
                | ("techreport", "report")
        )
}

/// How a bibkit kind uses `number`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Journals: `number` is the issue.
    Periodical,
    /// Books, parts of books and proceedings: `number` is the number in the series.
    Book,
    /// Everything else: `number` is the item's own number (a report number).
    Other,
}

pub(crate) fn class(kind: &str) -> Class {
    match kind {
        "article" | "periodical" | "suppperiodical" => Class::Periodical,
        "book" | "mvbook" | "bookinbook" | "inbook" | "incollection" | "collection"
        | "mvcollection" | "proceedings" | "mvproceedings" | "inproceedings" | "conference"
        | "reference" | "mvreference" | "inreference" | "suppbook" | "suppcollection" => {
            Class::Book
        }
        _ => Class::Other,
    }
}

/// BibLaTeX's localisation keys for `type` and the English text they print.
pub(crate) const TYPE_KEYS: &[(&str, &str)] = &[
    ("phdthesis", "PhD thesis"),
    ("mathesis", "Master's thesis"),
    ("candthesis", "Candidate thesis"),
    ("techreport", "Technical report"),
    ("resreport", "Research report"),
    ("software", "Computer software"),
    ("datacd", "CD-ROM"),
    ("audiocd", "Audio CD"),
    ("patent", "Patent"),
    ("patentde", "German patent"),
    ("patenteu", "European patent"),
    ("patentfr", "French patent"),
    ("patentuk", "British patent"),
    ("patentus", "U.S. patent"),
    ("patreq", "Patent request"),
    ("patreqde", "German patent request"),
    ("patreqeu", "European patent request"),
    ("patreqfr", "French patent request"),
    ("patrequk", "British patent request"),
    ("patrequs", "U.S. patent request"),
];

/// The English text of a BibLaTeX `type` key (`phdthesis` → `PhD thesis`), as CSL's
/// `genre` gets it; other text as is.
///
/// ```
/// use bibkit::formats::csl_json::type_text;
/// assert_eq!(type_text("mathesis"), "Master's thesis");
/// assert_eq!(type_text("Diploma thesis"), "Diploma thesis");
/// ```
pub fn type_text(t: &str) -> &str {
    TYPE_KEYS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(t.trim()))
        .map_or(t, |(_, v)| v)
}

/// The BibLaTeX `type` key for an English text (`PhD thesis` → `phdthesis`), if it is one.
pub(crate) fn type_key(t: &str) -> Option<&'static str> {
    TYPE_KEYS
        .iter()
        .find(|(_, v)| v.eq_ignore_ascii_case(t.trim()))
        .map(|(k, _)| *k)
}

/// The BibLaTeX `type` key a text is or says (`phdthesis` or `PhD thesis` → `phdthesis`).
pub(crate) fn type_key_of(t: &str) -> Option<&'static str> {
    TYPE_KEYS
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case(t.trim()) || v.eq_ignore_ascii_case(t.trim()))
        .map(|(k, _)| *k)
}

/// The `genre` a kind implies when the entry has no `type`.
pub(crate) fn default_genre(kind: &str) -> Option<&'static str> {
    match kind {
        "phdthesis" => Some("PhD thesis"),
        "mastersthesis" => Some("Master's thesis"),
        "techreport" => Some("Technical report"),
        _ => None,
    }
}

/// Where a CSL variable's value may come from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source {
    /// The bibkit field.
    pub field: &'static str,
    /// When it applies.
    pub when: When,
    /// Whether reading CSL-JSON may put the variable here.
    pub reverse: bool,
}

/// Conditions on a [`Source`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    Always,
    Class(Class),
    /// `eprint` whose `eprinttype` is this (lowercase).
    Eprint(&'static str),
    /// `howpublished` that is a URL.
    Url,
    /// `howpublished` that is not a URL.
    NotUrl,
    /// `year` that did not become a date.
    IrregularYear,
}

const fn src(field: &'static str) -> Source {
    Source {
        field,
        when: When::Always,
        reverse: true,
    }
}

const fn src_if(field: &'static str, when: When) -> Source {
    Source {
        field,
        when,
        reverse: true,
    }
}

const fn src_only(field: &'static str, when: When) -> Source {
    Source {
        field,
        when,
        reverse: false,
    }
}

/// CSL variables and their sources, in order of preference. Variables not listed come from
/// the field of the same name.
pub(crate) const VARIABLES: &[(&str, &[Source])] = &[
    ("title", &[src("title")]),
    ("title-short", &[src("shorttitle")]),
    (
        "container-title",
        &[src("journaltitle"), src("booktitle"), src("maintitle")],
    ),
    ("container-title-short", &[src("shortjournal")]),
    ("collection-title", &[src("series")]),
    ("event-title", &[src("eventtitle")]),
    ("event-place", &[src("venue")]),
    ("original-title", &[src("origtitle")]),
    ("original-publisher", &[src("origpublisher")]),
    ("original-publisher-place", &[src("origlocation")]),
    ("author", &[src("author")]),
    ("editor", &[src("editor")]),
    ("translator", &[src("translator")]),
    ("container-author", &[src("bookauthor")]),
    (
        "issued",
        &[src("date"), src_only("year", When::IrregularYear)],
    ),
    ("accessed", &[src("urldate")]),
    ("event-date", &[src("eventdate")]),
    ("original-date", &[src("origdate")]),
    (
        "issue",
        &[
            src_if("number", When::Class(Class::Periodical)),
            src("issue"),
        ],
    ),
    (
        "collection-number",
        &[src_if("number", When::Class(Class::Book))],
    ),
    (
        "number",
        &[
            src_if("number", When::Class(Class::Other)),
            src("eid"),
            src_only("eprint", When::Eprint("arxiv")),
        ],
    ),
    ("page", &[src("pages")]),
    ("number-of-pages", &[src("pagetotal")]),
    ("number-of-volumes", &[src("volumes")]),
    ("chapter-number", &[src("chapter")]),
    (
        "publisher",
        &[
            src("publisher"),
            src("institution"),
            src("organization"),
            src_if("howpublished", When::NotUrl),
        ],
    ),
    ("publisher-place", &[src("location")]),
    ("genre", &[src("type")]),
    ("status", &[src("pubstate")]),
    ("annote", &[src("annotation")]),
    ("keyword", &[src("keywords")]),
    ("DOI", &[src("doi")]),
    ("URL", &[src("url"), src_if("howpublished", When::Url)]),
    ("ISBN", &[src("isbn")]),
    ("ISSN", &[src("issn")]),
    (
        "PMID",
        &[src("pmid"), src_if("eprint", When::Eprint("pubmed"))],
    ),
    (
        "PMCID",
        &[src("pmcid"), src_if("eprint", When::Eprint("pmc"))],
    ),
];

/// The sources of a CSL variable (empty for variables that come from the field of their
/// own name).
pub(crate) fn sources(var: &str) -> &'static [Source] {
    VARIABLES
        .iter()
        .find(|(v, _)| *v == var)
        .map_or(&[], |(_, s)| s)
}

/// Whether a field is a source of some CSL variable (and so is not passed through under
/// its own name).
pub(crate) fn is_source(field: &str) -> bool {
    VARIABLES
        .iter()
        .any(|(_, s)| s.iter().any(|s| s.field == field))
}

/// The field whose text is joined to a title field as its subtitle.
pub(crate) fn subtitle_of(field: &str) -> Option<&'static str> {
    match field {
        "title" => Some("subtitle"),
        "journaltitle" => Some("journalsubtitle"),
        "booktitle" => Some("booksubtitle"),
        "maintitle" => Some("mainsubtitle"),
        _ => None,
    }
}

/// Whether a text looks like a URL (for `howpublished`).
pub(crate) fn looks_like_url(s: &str) -> bool {
    let s = s.trim();
    let s = s
        .strip_prefix("\\url{")
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(s);
    !s.contains(char::is_whitespace)
        && ["http://", "https://", "ftp://", "www."].iter().any(|p| {
            s.len() > p.len() && s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_csl_type_reads_back_to_itself() {
        for &t in CSL_TYPES {
            let (kind, sub) = bib_type(t);
            let mut e = Entry::new("k", kind);
            if let Some(s) = sub {
                e.set("entrysubtype", crate::model::Value::text(s));
            }
            assert_eq!(item_type(&e).0, t, "{t} → @{kind} {sub:?}");
        }
    }

    #[test]
    fn every_bibkit_type_has_a_csl_type() {
        for &(kind, t) in TYPES {
            assert!(CSL_TYPES.contains(&t), "{kind} → {t}");
            assert_eq!(csl_type(kind), t);
        }
        for &(t, _) in SUBTYPED {
            assert!(CSL_TYPES.contains(&t), "{t}");
        }
    }

    #[test]
    fn variables_are_csl_variables() {
        for (v, _) in VARIABLES {
            assert!(is_variable(v), "{v}");
        }
    }

    #[test]
    fn type_keys_round_trip() {
        assert_eq!(type_text("phdthesis"), "PhD thesis");
        assert_eq!(type_key("PhD thesis"), Some("phdthesis"));
        assert_eq!(type_text("Diploma thesis"), "Diploma thesis");
    }

    #[test]
    fn urls() {
        assert!(looks_like_url("\\url{https://example.org/x}"));
        assert!(looks_like_url("www.example.org"));
        assert!(!looks_like_url("Online"));
        assert!(!looks_like_url("https://a b"));
        assert!(!looks_like_url("“A”"));
    }
}
