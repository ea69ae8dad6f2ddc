//! Hayagriva, the YAML bibliography format of Typst: a reader and a writer.
//!
//! A hayagriva file is one YAML mapping from entry keys to entries; an entry is a mapping
//! of fields (`type`, `title`, `author`, `date`, `parent`, `publisher`, `serial-number`,
//! …). What BibLaTeX keeps in container fields hayagriva keeps in *parents*: an article's
//! parent is its periodical, a chapter's parent its book, a paper's parent the
//! proceedings; parents may have parents of their own.
//!
//! Reading, the entry's type and its parents' types give the BibLaTeX type (an `article`
//! in a `periodical` is an `@article` with the periodical's title as `journaltitle`, in
//! `proceedings` an `@inproceedings` with `booktitle`, a `chapter` in a `book` an
//! `@incollection`, or an `@inbook` when the book has an author of its own, …), and the
//! parents' fields fill the entry's where it has none (a periodical's `volume` and
//! `issue`, a book's `editor`, `publisher` and ISBN); a grandparent's title is the
//! `series`. Keys are kept as the entries' keys. Nothing is dropped silently: a field
//! with no place in the model, and a parent's field the entry has a different value of,
//! are reported (`hayagriva-dropped`, with the line); a type read by a fallback and a date
//! that is not ISO 8601 are `hayagriva-guessed`; an entry that is not a mapping, a YAML
//! syntax error (`hayagriva-syntax`, an error: the entries after the broken one are read
//! from the next top-level key on) and an entry cut off by it are errors.
//!
//! ```
//! let parsed = bibkit::formats::hayagriva::read("kinetics:
//!     type: Article
//!     title: Kinetics of a nonequilibrium polariton condensate
//!     author: [\"Doan, T. D.\", \"Haug, Hartmut\"]
//!     serial-number:
//!         doi: \"10.1103/PhysRevB.102.165126\"
//!     page-range: 165126-165139
//!     date: 2020-10-14
//!     parent:
//!         type: Periodical
//!         title: Physical Review B
//!         volume: 102
//!         issue: 16
//! ");
//! let e = &parsed.bibliography.entries[0];
//! assert_eq!((e.key.as_str(), e.kind.as_str()), ("kinetics", "article"));
//! assert_eq!(e.get("journaltitle").unwrap().to_string(), "Physical Review B");
//! assert_eq!(e.get("number").unwrap().to_string(), "16");
//! assert_eq!(e.get("pages").unwrap().to_string(), "165126–165139");
//! assert_eq!(e.get("date").unwrap().to_string(), "2020-10-14");
//! assert!(parsed.diagnostics.is_empty());
//! // And back: the journal is the parent again.
//! let (yaml, losses) = bibkit::formats::hayagriva::write(&parsed.bibliography.entries);
//! assert!(losses.is_empty());
//! assert!(yaml.contains("parent:\n    type: periodical\n    title: Physical Review B\n"));
//! ```

use super::shorten;
use std::borrow::Cow;
use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;
use yaml_rust2::Yaml;

use super::yaml_tree::{self, Base, Kind, Node};
use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::Parsed;
use crate::keys::KeyGenerator;
use crate::model::{
    Bibliography, Chunk, Date, Entry, Field, Name, NameList, Origin, Person, RangeEnd, Span, Text,
    Value,
};

/// Hayagriva's entry types and the BibLaTeX type each reads as when its parents do not
/// decide (see [`kind_of`]), with the `entrysubtype` that keeps what the type says.
const TYPES: &[(&str, &str, Option<&str>)] = &[
    ("article", "article", None),
    ("chapter", "incollection", None),
    ("entry", "inreference", None),
    ("anthos", "incollection", None),
    ("report", "report", None),
    ("thesis", "thesis", None),
    ("web", "online", None),
    ("scene", "video", Some("scene")),
    ("artwork", "artwork", None),
    ("patent", "patent", None),
    ("case", "jurisdiction", None),
    ("newspaper", "periodical", Some("newspaper")),
    ("legislation", "legislation", None),
    ("manuscript", "unpublished", None),
    ("original", "misc", Some("original")),
    ("post", "online", Some("post")),
    ("misc", "misc", None),
    ("performance", "performance", None),
    ("periodical", "periodical", None),
    ("proceedings", "proceedings", None),
    ("book", "book", None),
    ("blog", "online", Some("blog")),
    ("reference", "reference", None),
    ("conference", "misc", Some("event")),
    ("anthology", "collection", None),
    ("repository", "software", None),
    ("thread", "online", Some("thread")),
    ("video", "video", None),
    ("audio", "audio", None),
    ("exhibition", "misc", Some("exhibition")),
];

/// Types older hayagriva files and other tools write, and the type each is read as.
const OLD_TYPES: &[(&str, &str)] = &[
    ("tweet", "post"),
    ("dataset", "misc"),
    ("software", "repository"),
    ("journal", "periodical"),
    ("inproceedings", "article"),
];

/// The type a parent has when it has no `type` (hayagriva's default parents).
fn default_parent(ty: &str) -> &'static str {
    match ty {
        "article" => "periodical",
        "chapter" => "book",
        "entry" => "reference",
        "anthos" | "legislation" => "anthology",
        "web" => "web",
        "scene" => "video",
        "artwork" => "exhibition",
        "post" => "post",
        "video" => "video",
        "audio" => "audio",
        _ => "misc",
    }
}

/// Roles of `affiliated` persons and the fields they go to.
const ROLES: &[(&str, &str)] = &[
    ("translator", "translator"),
    ("afterword", "afterword"),
    ("foreword", "foreword"),
    ("introduction", "introduction"),
    ("annotator", "annotator"),
    ("commentator", "commentator"),
    ("holder", "holder"),
    ("compiler", "compiler"),
    ("founder", "founder"),
    ("collaborator", "contributor"),
    ("organizer", "organizer"),
    ("cast-member", "performer"),
    ("composer", "composer"),
    ("producer", "producer"),
    ("executive-producer", "executive-producer"),
    ("writer", "script-writer"),
    ("cinematography", "cinematography"),
    ("director", "director"),
    ("illustrator", "illustrator"),
    ("narrator", "narrator"),
];

/// Entry types whose `number` is a report's or patent's own number (hayagriva's `serial`),
/// not an issue.
const NUMBERED: &[&str] = &["report", "techreport", "patent", "standard", "thesis"];

/// Reads hayagriva YAML (see the module docs). Keys are the file's own.
#[derive(Debug, Clone, Default)]
pub struct HayagrivaReader {
    file: Option<Arc<str>>,
}

/// Reads hayagriva text (see [`HayagrivaReader`]).
pub fn read(text: &str) -> Parsed {
    HayagrivaReader::new().read(text)
}

/// Whether `text` looks like hayagriva: YAML whose first top-level key is followed by an
/// indented mapping with a `type:` or `title:` among its first keys (not CFF, which has
/// `cff-version:`, nor a CSL-YAML `references:` list).
///
/// ```
/// use bibkit::formats::hayagriva::sniff;
/// assert!(sniff("# refs\nharry:\n    type: Book\n    title: Harry Potter\n"));
/// assert!(!sniff("references:\n- id: a\n  type: book\n"));
/// assert!(!sniff("cff-version: 1.2.0\ntitle: x\n"));
/// assert!(!sniff("@book{k, title = {x}}"));
/// ```
pub fn sniff(text: &str) -> bool {
    let mut lines = text
        .trim_start_matches('\u{feff}')
        .lines()
        .filter(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#') && t != "---"
        })
        .take(40);
    let Some(first) = lines.next() else {
        return false;
    };
    // `key:` at the start of a line, nothing after it.
    let key_only = |l: &str| {
        !l.starts_with(char::is_whitespace)
            && l.trim_end().ends_with(':')
            && !l.starts_with(['-', '[', '{', '@', '%'])
    };
    if !key_only(first) || first.starts_with("references:") || first.starts_with("cff-version") {
        return false;
    }
    for l in lines {
        if !l.starts_with(char::is_whitespace) {
            return false;
        }
        let t = l.trim_start().trim_start_matches("- ");
        if t.starts_with("type:") || t.starts_with("title:") {
            return !text.lines().any(|l| l.starts_with("cff-version:"));
        }
    }
    false
}

impl HayagrivaReader {
    /// A reader.
    pub fn new() -> Self {
        HayagrivaReader::default()
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

    /// Reads `text`; entries without a key of their own take one from `keys`.
    pub fn read_with_keys(&self, text: &str, keys: &mut KeyGenerator) -> Parsed {
        let mut out = Parsed::default();
        let mut budget = text.len().saturating_mul(4).saturating_add(1 << 20);
        let mut pairs: Vec<(Node, Node)> = Vec::new();
        // Text parsed again after errors, at most a few times the input.
        let (mut parsed, work) = (0usize, text.len().saturating_mul(4).saturating_add(1 << 16));
        let mut base = Base {
            ascii: text.is_ascii(),
            ..Base::default()
        };
        if text.starts_with('\u{feff}') {
            base.byte = 3;
        }
        loop {
            let loaded = yaml_tree::load(&text[base.byte..], base, &mut budget);
            // Where the entry a syntax error cut short starts: the next one is after it.
            let mut cut = None;
            match loaded.root {
                Some(Node {
                    kind: Kind::Map(m), ..
                }) => {
                    cut = m
                        .last()
                        .filter(|(k, v)| k.incomplete || v.incomplete)
                        .map(|(k, _)| (k.at, k.line));
                    pairs.extend(m)
                }
                Some(n) if n.is_null() => {}
                Some(n) => out.diagnostics.push(self.diag(
                    Severity::Error,
                    "hayagriva-syntax",
                    format!(
                        "a hayagriva file is a mapping from keys to entries; found {}",
                        n.what()
                    ),
                    &n,
                )),
                None => {}
            }
            let Some(e) = loaded.error else { break };
            let mut d = Diagnostic::new(
                Severity::Error,
                "hayagriva-syntax",
                format!("YAML syntax error: {}; the entry is skipped", e.message),
            )
            .at_line_col(Span::new(e.at, e.at), e.line, e.col);
            d.file = self.file.clone();
            out.diagnostics.push(d);
            // (What the parser read before the error; an unclosed bracket reads on.)
            parsed += e.at.saturating_sub(base.byte) + 1;
            if parsed > work {
                let mut d = Diagnostic::new(
                    Severity::Error,
                    "hayagriva-syntax",
                    "so many syntax errors that reading again after each would cost more than a few readings of the whole input; the entries after this one are not read",
                )
                .at_line_col(Span::new(e.at, e.at), e.line, e.col);
                d.file = self.file.clone();
                out.diagnostics.push(d);
                break;
            }
            match yaml_tree::next_top_level_line(text, cut.unwrap_or((e.at, e.line))) {
                Some((at, lines)) if at > base.byte => {
                    base = Base {
                        byte: at,
                        lines,
                        ascii: base.ascii,
                    };
                }
                _ => break,
            }
        }
        // Keys first, so that generated ones differ from them.
        for (k, _) in &pairs {
            if let Some(k) = k.text() {
                keys.reserve(k);
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (k, v) in &pairs {
            if let Some(e) = self.entry(k, v, keys, &mut out.diagnostics) {
                if !seen.insert(e.key.clone()) {
                    out.diagnostics.push(
                        self.diag(
                            Severity::Error,
                            "duplicate-key",
                            format!("an earlier entry has the key `{}`; both are read", e.key),
                            k,
                        )
                        .with_key(e.key.clone()),
                    );
                }
                out.bibliography.entries.push(e);
            }
        }
        crate::diagnostic::locate(text, &mut out.diagnostics);
        out.diagnostics.sort_by_key(|d| (d.line, d.column));
        out
    }

    fn diag(
        &self,
        severity: Severity,
        rule: &'static str,
        message: impl Into<String>,
        at: &Node,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(severity, rule, message).at_line_col(
            Span::new(at.at, at.end.max(at.at)),
            at.line,
            at.col,
        );
        d.file = self.file.clone();
        d
    }

    /// Reads one top-level pair into an entry, or reports why it cannot be read.
    fn entry(
        &self,
        k: &Node,
        v: &Node,
        keys: &mut KeyGenerator,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Entry> {
        let key = k.text().map(|s| s.trim().to_string()).unwrap_or_default();
        if v.incomplete || k.incomplete {
            // The syntax error is reported; say which entry it cost.
            diags.push(self.diag(
                Severity::Error,
                "hayagriva-entry",
                format!("entry `{key}` is cut short by a syntax error; skipped"),
                k,
            ));
            return None;
        }
        if let Some(b) = v.broken().or_else(|| k.broken()) {
            let why = match &b.kind {
                Kind::Broken(w) => w,
                _ => "broken",
            };
            diags.push(self.diag(
                Severity::Error,
                "hayagriva-entry",
                format!("entry `{key}` holds {why}; skipped"),
                b,
            ));
            return None;
        }
        let Some(map) = v.map() else {
            diags.push(self.diag(
                Severity::Error,
                "hayagriva-entry",
                format!(
                    "entry `{key}` should be a mapping of fields, found {}; skipped",
                    v.what()
                ),
                if v.is_null() { k } else { v },
            ));
            return None;
        };
        let mut l = Lowering {
            reader: self,
            diags: Vec::new(),
        };
        let mut e = l.lower(map, v);
        e.origin = Some(Origin {
            file: self.file.clone(),
            span: Span::new(k.at, v.end.max(k.at)),
            line: k.line,
            column: k.col,
        });
        let clean: String = key
            .chars()
            .map(|c| {
                if c.is_whitespace()
                    || matches!(
                        c,
                        ',' | '{' | '}' | '"' | '#' | '%' | '\'' | '(' | ')' | '=' | '\\'
                    )
                {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        if key.is_empty() {
            e.key = keys.generate(&e);
            l.diags.push(self.diag(
                Severity::Warning,
                "missing-key",
                format!("entry has no key; its key is `{}`", e.key),
                k,
            ));
        } else {
            if clean != key {
                l.diags.push(self.diag(
                    Severity::Warning,
                    "hayagriva-guessed",
                    format!("`{key}` cannot be a BibTeX key; read as `{clean}`"),
                    k,
                ));
            }
            e.key = clean;
        }
        diags.extend(l.diags.into_iter().map(|d| d.with_key(e.key.clone())));
        Some(e)
    }
}

/// NFC, allocating only where it changes something.
fn nfc(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || unicode_normalization::is_nfc(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

/// A field read from one hayagriva mapping, with the node it came from.
struct Got<'n> {
    name: Cow<'static, str>,
    value: Value,
    at: &'n Node,
}

/// One mapping (an entry or a parent) read into fields, before it is placed.
struct Item<'n> {
    ty: Option<(String, &'n Node)>,
    fields: Vec<Got<'n>>,
    parents: Vec<&'n Node>,
}

struct Lowering<'r> {
    reader: &'r HayagrivaReader,
    diags: Vec<Diagnostic>,
}

/// Where a parent's title and author go.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Journal,
    Book,
    Event,
    Series,
}

impl<'r> Lowering<'r> {
    fn report(&mut self, severity: Severity, rule: &'static str, at: &Node, message: String) {
        let d = self.reader.diag(severity, rule, message, at);
        self.diags.push(d);
    }

    fn dropped(&mut self, at: &Node, message: String) {
        self.report(Severity::Warning, "hayagriva-dropped", at, message);
    }

    /// A scalar's text, NFC; a mapping or list where a scalar belongs is reported.
    fn scalar(&mut self, field: &str, n: &Node) -> Option<String> {
        match n.text() {
            Some(s) => {
                let s = nfc(s.trim());
                (!s.is_empty()).then(|| s.into_owned())
            }
            None if n.is_null() => None,
            None => {
                self.dropped(
                    n,
                    format!("`{field}` should be text, found {}; dropped", n.what()),
                );
                None
            }
        }
    }

    /// A formattable string (`text`, or `{value, short, verbatim}`): the text, and its short
    /// form.
    fn formattable(&mut self, field: &str, n: &Node) -> Option<(Text, Option<String>)> {
        let Some(map) = n.map() else {
            return self.scalar(field, n).map(|s| (rich(&s), None));
        };
        let mut value = None;
        let mut short = None;
        let mut verbatim = false;
        for (k, v) in map {
            match k.text().unwrap_or("") {
                "value" => value = self.scalar(field, v),
                "short" => short = self.scalar(field, v),
                "verbatim" => verbatim = v.text().is_some_and(|t| t.eq_ignore_ascii_case("true")),
                "sentence-case" | "title-case" => self.report(
                    Severity::Info,
                    "hayagriva-dropped",
                    k,
                    format!(
                        "`{field}.{}` (a form for one citation style) dropped",
                        k.text().unwrap_or("")
                    ),
                ),
                other => self.dropped(
                    k,
                    format!("`{field}.{other}` is not a hayagriva sub-field; dropped"),
                ),
            }
        }
        let value = value?;
        let text = if verbatim {
            let mut t = Text::new();
            t.push(Chunk::Protected(value));
            t
        } else {
            rich(&value)
        };
        Some((text, short))
    }

    fn names(&mut self, field: &str, n: &Node) -> Option<NameList> {
        let mut list = NameList::default();
        let one = |l: &mut Self, n: &Node, list: &mut NameList| match person(n) {
            Ok(Some(name)) => list.names.push(name),
            Ok(None) => {}
            Err(why) => l.dropped(n, format!("`{field}`: {why}; dropped")),
        };
        match &n.kind {
            Kind::Seq(v) => {
                for x in v {
                    one(self, x, &mut list);
                }
            }
            _ => one(self, n, &mut list),
        }
        if let Some(Name::Literal(s)) = list.names.last() {
            if matches!(s.as_str(), "others" | "et al." | "et al") {
                list.names.pop();
                list.truncated = true;
            }
        }
        (!list.is_empty()).then_some(list)
    }

    fn date(&mut self, field: &str, n: &Node) -> Option<Value> {
        let s = self.scalar(field, n)?;
        match parse_date(&s) {
            Some((d, false)) => Some(Value::date(d)),
            Some((d, true)) => {
                self.report(
                    Severity::Info,
                    "hayagriva-guessed",
                    n,
                    format!("`{field}` `{s}` is not an ISO 8601 date; read as {d}"),
                );
                Some(Value::date(d))
            }
            None => {
                self.dropped(
                    n,
                    format!(
                        "`{field}`: `{}` is not a date bibkit can read; dropped",
                        shorten(&s, 60)
                    ),
                );
                None
            }
        }
    }

    /// Reads the fields of one mapping.
    fn item<'n>(&mut self, map: &'n [(Node, Node)]) -> Item<'n> {
        let mut it = Item {
            ty: None,
            fields: Vec::new(),
            parents: Vec::new(),
        };
        let mut seen: std::collections::HashSet<&str> = Default::default();
        for (k, v) in map {
            let Some(key) = k.text() else {
                self.dropped(
                    k,
                    format!("a key that is {} has no place; dropped", k.what()),
                );
                continue;
            };
            if !seen.insert(key) {
                self.dropped(
                    k,
                    format!("`{key}` occurs more than once; the first is kept, this one dropped"),
                );
                continue;
            }
            if v.is_null() {
                continue;
            }
            let mut push = |name: &'static str, value: Value| {
                it.fields.push(Got {
                    name: Cow::Borrowed(name),
                    value,
                    at: v,
                })
            };
            match key {
                "type" => {
                    if let Some(t) = self.scalar(key, v) {
                        it.ty = Some((t, v));
                    }
                }
                "parent" | "parents" => match &v.kind {
                    Kind::Seq(ps) => it.parents.extend(ps.iter()),
                    _ => it.parents.push(v),
                },
                "title" => {
                    if let Some((t, short)) = self.formattable(key, v) {
                        push("title", Value::Text(t));
                        if let Some(s) = short {
                            push("shorttitle", Value::text(s));
                        }
                    }
                }
                "author" | "editor" => {
                    if let Some(l) = self.names(key, v) {
                        push(
                            if key == "author" { "author" } else { "editor" },
                            Value::Names(l),
                        );
                    }
                }
                "date" => {
                    if let Some(d) = self.date(key, v) {
                        push("date", d);
                    }
                }
                "affiliated" => self.affiliated(v, &mut it.fields),
                "publisher" => match v.map() {
                    Some(m) => {
                        for (pk, pv) in m {
                            match pk.text().unwrap_or("") {
                                "name" => {
                                    if let Some((t, _)) = self.formattable("publisher", pv) {
                                        it.fields.push(Got {
                                            name: "publisher".into(),
                                            value: Value::Text(t),
                                            at: pv,
                                        });
                                    }
                                }
                                "location" => {
                                    if let Some((t, _)) = self.formattable("publisher.location", pv)
                                    {
                                        it.fields.push(Got {
                                            name: "location".into(),
                                            value: Value::Text(t),
                                            at: pv,
                                        });
                                    }
                                }
                                other => self.dropped(
                                    pk,
                                    format!(
                                        "`publisher.{other}` has no place in the model; dropped"
                                    ),
                                ),
                            }
                        }
                    }
                    None => {
                        if let Some((t, _)) = self.formattable(key, v) {
                            push("publisher", Value::Text(t));
                        }
                    }
                },
                "url" => {
                    let (url, date) = match v.map() {
                        Some(_) => (v.get("value"), v.get("date")),
                        None => (Some(v), None),
                    };
                    if let Some(m) = v.map() {
                        for (uk, _) in m {
                            let t = uk.text().unwrap_or("");
                            if !matches!(t, "value" | "date") {
                                self.dropped(
                                    uk,
                                    format!("`url.{t}` is not a hayagriva sub-field; dropped"),
                                );
                            }
                        }
                    }
                    if let Some(u) = url.and_then(|u| self.scalar("url", u)) {
                        push("url", Value::Verbatim(u));
                    }
                    if let Some(d) = date.and_then(|d| self.date("url.date", d)) {
                        it.fields.push(Got {
                            name: "urldate".into(),
                            value: d,
                            at: date.unwrap_or(v),
                        });
                    }
                }
                "serial-number" => match v.map() {
                    Some(m) => {
                        // Serial numbers of other schemes become fields of their names;
                        // a few are kept, so that a mapping of many costs no quadratic time.
                        let mut others = 0;
                        for (sk, sv) in m {
                            let Some(name) = sk.text() else { continue };
                            let Some(s) = self.scalar(name, sv) else {
                                continue;
                            };
                            let lower = name.to_ascii_lowercase();
                            let (f, value): (Cow<'static, str>, Value) = match lower.as_str() {
                                "doi" => ("doi".into(), Value::Verbatim(bare_doi(&s).to_string())),
                                "isbn" | "issn" | "pmid" | "pmcid" => {
                                    (crate::model::field_name(&lower), Value::text(s))
                                }
                                "arxiv" => {
                                    it.fields.push(Got {
                                        name: "eprinttype".into(),
                                        value: Value::text("arxiv"),
                                        at: sv,
                                    });
                                    ("eprint".into(), Value::Verbatim(s))
                                }
                                "serial" => ("serial".into(), Value::text(s)),
                                _ if others < 16
                                    && lower.chars().all(|c| {
                                        c.is_ascii_alphanumeric() || c == '-' || c == '_'
                                    }) =>
                                {
                                    others += 1;
                                    (crate::model::field_name(&lower), Value::text(s))
                                }
                                _ => {
                                    self.dropped(
                                        sk,
                                        format!(
                                            "serial number `{name}` has no field name; dropped"
                                        ),
                                    );
                                    continue;
                                }
                            };
                            it.fields.push(Got {
                                name: f,
                                value,
                                at: sv,
                            });
                        }
                    }
                    None => {
                        if let Some(s) = self.scalar(key, v) {
                            push("serial", Value::text(s));
                        }
                    }
                },
                "page-range" => {
                    if let Some(s) = self.scalar(key, v) {
                        push("pages", Value::text(dash_range(&s)));
                    }
                }
                "location" => {
                    if let Some((t, _)) = self.formattable(key, v) {
                        push("place", Value::Text(t));
                    }
                }
                "doi" => {
                    if let Some(s) = self.scalar(key, v) {
                        push("doi", Value::Verbatim(bare_doi(&s).to_string()));
                    }
                }
                _ => {
                    let field = match key {
                        "abstract" => "abstract",
                        "genre" => "type",
                        "call-number" => "call-number",
                        "organization" => "organization",
                        "issue" => "number",
                        "volume" => "volume",
                        "volume-total" => "volumes",
                        "chapter" => "chapter",
                        "edition" => "edition",
                        "page-total" => "pagetotal",
                        "time-range" => "time-range",
                        "runtime" => "runtime",
                        "language" => "language",
                        "archive" => "archive",
                        "archive-location" => "archive_location",
                        "note" => "note",
                        "isbn" => "isbn",
                        "issn" => "issn",
                        "shorthand" => "shorthand",
                        _ => {
                            self.dropped(k, format!("`{key}` is not a hayagriva field; dropped"));
                            continue;
                        }
                    };
                    let value = if matches!(
                        key,
                        "abstract"
                            | "note"
                            | "organization"
                            | "genre"
                            | "archive"
                            | "archive-location"
                    ) {
                        self.formattable(key, v).map(|(t, _)| Value::Text(t))
                    } else {
                        self.scalar(key, v).map(Value::text)
                    };
                    if let Some(value) = value {
                        push(field, value);
                    }
                }
            }
        }
        it
    }

    fn affiliated<'n>(&mut self, v: &'n Node, out: &mut Vec<Got<'n>>) {
        let groups: Vec<&Node> = match &v.kind {
            Kind::Seq(g) => g.iter().collect(),
            _ => vec![v],
        };
        for g in groups {
            let (Some(role), Some(names)) = (g.get("role"), g.get("names")) else {
                self.dropped(
                    g,
                    "`affiliated` wants a `role` and `names`; dropped".to_string(),
                );
                continue;
            };
            let r = role.text().unwrap_or("").trim().to_string();
            // `CastMember` and `cast-member` alike.
            let kebab: String = r
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let dash = (i > 0 && c.is_ascii_uppercase()).then_some('-');
                    dash.into_iter().chain(c.to_lowercase())
                })
                .collect::<String>()
                .replace(['_', ' '], "-");
            let Some((_, field)) = ROLES.iter().find(|(r, _)| *r == kebab) else {
                self.dropped(
                    role,
                    format!(
                        "`affiliated` role `{r}` is not one hayagriva knows; its names are dropped"
                    ),
                );
                continue;
            };
            if let Some(list) = self.names(&format!("affiliated.{kebab}"), names) {
                match out.iter_mut().find(|g| g.name == *field) {
                    Some(Got {
                        value: Value::Names(old),
                        ..
                    }) => old.names.extend(list.names),
                    _ => out.push(Got {
                        name: Cow::Borrowed(field),
                        value: Value::Names(list),
                        at: names,
                    }),
                }
            }
        }
    }

    /// An entry's hayagriva type, lowercase and known (reported when it is not).
    fn ty(&mut self, ty: Option<&(String, &Node)>, default: &'static str) -> String {
        let Some((t, at)) = ty else {
            return default.to_string();
        };
        let lower = t.to_ascii_lowercase();
        if TYPES.iter().any(|(h, _, _)| *h == lower) {
            return lower;
        }
        let (read, why) = match OLD_TYPES.iter().find(|(o, _)| *o == lower) {
            Some((_, n)) => (*n, "not a type of current hayagriva"),
            None => ("misc", "not a hayagriva type"),
        };
        self.report(
            Severity::Info,
            "hayagriva-guessed",
            at,
            format!("type `{t}` is {why}; read as `{read}`"),
        );
        read.to_string()
    }

    /// Lowers an entry's mapping.
    fn lower(&mut self, map: &[(Node, Node)], whole: &Node) -> Entry {
        let item = self.item(map);
        let ty = self.ty(item.ty.as_ref(), "misc");
        // Ancestors, nearest first, with their types.
        let mut parents: Vec<(Item<'_>, String, usize)> = Vec::new();
        let mut queue: Vec<(&Node, &str, usize)> = item
            .parents
            .iter()
            .map(|p| (*p, default_parent(&ty), 1))
            .collect();
        let mut qi = 0;
        while qi < queue.len() {
            let (p, def, depth) = queue[qi];
            qi += 1;
            let Some(pm) = p.map() else {
                self.dropped(
                    p,
                    format!("a parent should be a mapping, found {}; dropped", p.what()),
                );
                continue;
            };
            let pit = self.item(pm);
            let pty = self.ty(pit.ty.as_ref(), def);
            let pdef = default_parent(&pty);
            for gp in &pit.parents {
                queue.push((gp, pdef, depth + 1));
            }
            parents.push((pit, pty, depth));
            // Parents without end are cut off at a depth no record needs.
            if queue.len() > 64 {
                self.dropped(
                    whole,
                    "more than 64 parents; the rest are dropped".to_string(),
                );
                queue.truncate(qi.max(64));
            }
        }
        let direct: Vec<&str> = parents
            .iter()
            .filter(|p| p.2 == 1)
            .map(|p| p.1.as_str())
            .collect();
        let book_author = parents
            .iter()
            .any(|p| p.2 == 1 && p.1 == "book" && p.0.fields.iter().any(|f| f.name == "author"));
        let (kind, sub) = kind_of(&ty, &direct, book_author);
        let mut e = Entry::new(String::new(), kind);
        if let Some(s) = sub {
            e.set("entrysubtype", Value::text(s));
        }
        for f in item.fields {
            self.place(&mut e, f, None);
        }
        for (p, pty, depth) in parents {
            let role = if depth > 1 {
                Role::Series
            } else {
                role_of(&e.kind, &pty)
            };
            for f in p.fields {
                self.place(&mut e, f, Some(role));
            }
        }
        self.finish(&mut e);
        e
    }

    /// Puts a field on the entry (`role`: from a parent, which goes where its role says).
    fn place(&mut self, e: &mut Entry, f: Got<'_>, role: Option<Role>) {
        let name: Cow<'static, str> = match (role, f.name.as_ref()) {
            (None, _) => f.name,
            (Some(Role::Journal), "title") => "journaltitle".into(),
            (Some(Role::Journal), "shorttitle") => "shortjournal".into(),
            (Some(Role::Book), "title") => "booktitle".into(),
            (Some(Role::Book), "author") => "bookauthor".into(),
            (Some(Role::Event), "title") => "eventtitle".into(),
            (Some(Role::Event), "place") => "venue".into(),
            (Some(Role::Event), "date") => "eventdate".into(),
            (Some(_), "title") => "series".into(),
            (Some(_), "author" | "shorttitle") => {
                self.dropped(
                    f.at,
                    format!(
                        "a parent's `{}` has no place in the entry; dropped: `{}`",
                        f.name,
                        shorten(&f.value.to_plain_string(), 60)
                    ),
                );
                return;
            }
            (Some(_), _) => f.name,
        };
        match e.fields.iter().find(|x| x.name == name) {
            None => e.fields.push(Field {
                name,
                value: f.value,
                span: Some(Span::new(f.at.at, f.at.end.max(f.at.at))),
                inherited: false,
            }),
            Some(old) if old.value.to_plain_string() == f.value.to_plain_string() => {}
            Some(old) => {
                let old = shorten(&old.value.to_plain_string(), 40);
                let whose = if role.is_some() {
                    "a parent's"
                } else {
                    "a second"
                };
                self.dropped(
                    f.at,
                    format!(
                        "the entry's {name} is `{old}`; {whose} `{name}` dropped: `{}`",
                        shorten(&f.value.to_plain_string(), 60)
                    ),
                );
            }
        }
    }

    /// Settles fields whose name depends on the whole entry: `place` (hayagriva's
    /// `location`), `serial`, a thesis's or report's publisher.
    fn finish(&mut self, e: &mut Entry) {
        let has = |e: &Entry, n: &str| e.fields.iter().any(|f| f.name == n);
        if let Some(i) = e.fields.iter().position(|f| f.name == "place") {
            // `location` is where the item is or took place; the place of publication
            // (`publisher.location`) wins BibLaTeX's `location`.
            let to = if has(e, "location") {
                "venue"
            } else {
                "location"
            };
            if has(e, to) {
                let f = e.fields.remove(i);
                let span = f.span.unwrap_or_default();
                let mut d = Diagnostic::new(
                    Severity::Warning,
                    "hayagriva-dropped",
                    format!(
                        "`location` `{}`: the entry has a location and a venue; dropped",
                        f.value
                    ),
                )
                .at_line_col(span, 0, 0);
                d.file = self.reader.file.clone();
                self.diags.push(d);
            } else {
                e.fields[i].name = Cow::Borrowed(to);
            }
        }
        if let Some(i) = e.fields.iter().position(|f| f.name == "serial") {
            let to = if NUMBERED.contains(&e.kind.as_str()) && !has(e, "number") {
                "number"
            } else if !has(e, "eid") {
                "eid"
            } else {
                "serial"
            };
            e.fields[i].name = Cow::Borrowed(to);
        }
        if matches!(e.kind.as_str(), "thesis" | "report") && !has(e, "institution") {
            if let Some(i) = e.fields.iter().position(|f| f.name == "publisher") {
                e.fields[i].name = Cow::Borrowed("institution");
            }
        }
    }
}

/// The BibLaTeX type for a hayagriva type and the types of its direct parents.
fn kind_of(ty: &str, parents: &[&str], book_author: bool) -> (&'static str, Option<&'static str>) {
    let has = |t: &str| parents.contains(&t);
    match ty {
        "article" => {
            if has("proceedings") || has("conference") {
                ("inproceedings", None)
            } else if has("newspaper") {
                ("article", Some("newspaper"))
            } else if has("blog") {
                ("online", Some("post-weblog"))
            } else if has("anthology") || has("book") {
                ("incollection", None)
            } else if has("reference") {
                ("inreference", None)
            } else {
                ("article", None)
            }
        }
        "chapter" | "anthos" => {
            if has("proceedings") {
                ("inproceedings", None)
            } else if has("reference") {
                ("inreference", None)
            } else if book_author {
                ("inbook", None)
            } else {
                ("incollection", None)
            }
        }
        _ => TYPES
            .iter()
            .find(|(h, _, _)| *h == ty)
            .map_or(("misc", None), |(_, k, s)| (*k, *s)),
    }
}

/// Where a direct parent's title goes, by the entry's type and the parent's.
fn role_of(kind: &str, parent: &str) -> Role {
    match parent {
        "conference" | "exhibition" => Role::Event,
        _ => match kind {
            "article" | "online" | "periodical" => Role::Journal,
            "inproceedings" | "incollection" | "inbook" | "inreference" => {
                if matches!(parent, "proceedings" | "book" | "anthology" | "reference") {
                    Role::Book
                } else {
                    Role::Series
                }
            }
            "video" | "audio" if matches!(parent, "video" | "audio") => Role::Journal,
            _ => Role::Series,
        },
    }
}

/// A person: `Family, Given`, `Family, Suffix, Given`, a name without a comma (an
/// organisation, kept whole), or a mapping of `name`, `given-name`, `prefix`, `suffix`.
fn person(n: &Node) -> Result<Option<Name>, String> {
    if let Some(m) = n.map() {
        let mut p = Person::default();
        for (k, v) in m {
            let t = v
                .text()
                .map(|s| nfc(s.trim()).into_owned())
                .unwrap_or_default();
            match k.text().unwrap_or("") {
                "name" => p.family = t,
                "given-name" => p.given = t,
                "prefix" => p.particle = t,
                "suffix" => p.suffix = t,
                "alias" => {}
                other => return Err(format!("`{other}` is not a part of a name")),
            }
        }
        if p.family.is_empty() {
            return Err("a name without `name`".into());
        }
        if p.given.is_empty() && p.particle.is_empty() && p.suffix.is_empty() {
            return Ok(Some(Name::Literal(p.family)));
        }
        return Ok(Some(Name::Person(p)));
    }
    let Some(s) = n.text() else {
        return if n.is_null() {
            Ok(None)
        } else {
            Err(format!(
                "a name should be text or a mapping, found {}",
                n.what()
            ))
        };
    };
    let s = nfc(s.trim());
    if s.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = s.splitn(3, ',').map(str::trim).collect();
    let (family, suffix, given) = match parts.as_slice() {
        [one] => return Ok(Some(Name::Literal(one.to_string()))),
        [f, g] => (*f, "", *g),
        [f, s, g] => (*f, *s, *g),
        _ => unreachable!("splitn(3) gives 1 to 3 parts"),
    };
    let words: Vec<&str> = family.split_whitespace().collect();
    let lead = words
        .iter()
        .take(words.len().saturating_sub(1))
        .take_while(|w| crate::name::starts_lowercase(w))
        .count();
    Ok(Some(Name::Person(Person::new(
        given,
        words[..lead].join(" "),
        words[lead..].join(" "),
        suffix,
    ))))
}

/// A formattable string's text: `{…}` protects case.
fn rich(s: &str) -> Text {
    let mut t = Text::new();
    let mut depth = 0usize;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    t.push(Chunk::Plain(std::mem::take(&mut cur)));
                } else {
                    cur.push(c);
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    t.push(Chunk::Protected(std::mem::take(&mut cur)));
                } else {
                    cur.push(c);
                }
            }
            _ => cur.push(c),
        }
    }
    if depth > 0 {
        // An unclosed brace is text.
        t.push(Chunk::Plain(format!("{{{cur}")));
    } else {
        t.push(Chunk::Plain(cur));
    }
    t
}

/// A hayagriva date: ISO 8601 (`2020`, `2020-06`, `2020-06-26`, signed years), also EDTF
/// (ranges `2020/2021`, `~` for circa before or after); else free text, then `true` (a
/// guess).
fn parse_date(s: &str) -> Option<(Date, bool)> {
    let (core, approx) = match s.strip_prefix('~') {
        Some(rest) => (rest.trim(), true),
        None => (s, false),
    };
    let mut d = crate::date::parse_edtf(core)
        .map(|d| (d, false))
        .or_else(|| {
            let four = core
                .as_bytes()
                .windows(4)
                .any(|w| w.iter().all(u8::is_ascii_digit));
            crate::date::parse(core).filter(|_| four).map(|d| (d, true))
        })?;
    if approx {
        match &mut d.0 {
            Date::Single(p) | Date::Range(RangeEnd::Known(p), _) => p.approximate = true,
            _ => {}
        }
    }
    Some(d)
}

/// `12-34` and `12--34` as `12–34`.
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

fn bare_doi(v: &str) -> &str {
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

// ---------------------------------------------------------------------------------------
// Writing.

/// The hayagriva type of an entry, the type of the parent its container fields go to, and
/// whether the type says less than the entry's (`@booklet` as `misc`).
fn hayagriva_type(e: &Entry) -> (&'static str, Option<&'static str>, bool) {
    let sub = e
        .get("entrysubtype")
        .map(|v| v.to_plain_string().to_ascii_lowercase());
    let sub = sub.as_deref();
    let (t, p) = match e.kind.as_str() {
        "article" => match sub {
            Some("newspaper") => ("article", Some("newspaper")),
            _ => ("article", Some("periodical")),
        },
        "inproceedings" | "conference" => ("article", Some("proceedings")),
        "incollection" | "inbook" | "suppbook" | "suppcollection" | "bookinbook" => {
            ("chapter", Some("book"))
        }
        "inreference" => ("entry", Some("reference")),
        "online" | "electronic" | "www" => match sub {
            Some("post") => ("post", None),
            Some("post-weblog") => ("article", Some("blog")),
            Some("thread") => ("thread", None),
            Some("blog") => ("blog", None),
            _ => ("web", Some("web")),
        },
        "book" | "mvbook" => ("book", None),
        "collection" | "mvcollection" => ("anthology", None),
        "proceedings" | "mvproceedings" => ("proceedings", None),
        "reference" | "mvreference" => ("reference", None),
        "periodical" | "suppperiodical" => match sub {
            Some("newspaper") => ("newspaper", None),
            _ => ("periodical", None),
        },
        "report" | "techreport" => ("report", None),
        "thesis" | "phdthesis" | "mastersthesis" => ("thesis", None),
        "unpublished" => ("manuscript", None),
        "patent" => ("patent", None),
        "software" => ("repository", None),
        "video" | "movie" => match sub {
            Some("scene") => ("scene", Some("video")),
            _ => ("video", None),
        },
        "audio" | "music" => ("audio", None),
        "artwork" | "image" => ("artwork", None),
        "jurisdiction" => ("case", None),
        "legislation" => ("legislation", None),
        "performance" => ("performance", None),
        "misc" => match sub {
            Some("event") => ("conference", None),
            Some("original") => ("original", None),
            Some("exhibition") => ("exhibition", None),
            _ => ("misc", None),
        },
        _ => return ("misc", None, true),
    };
    (t, p, false)
}

/// Whether `entrysubtype` is said by the type written (so it is not a loss).
fn subtype_said(t: &str, p: Option<&str>, sub: &str) -> bool {
    matches!(
        (t, p, sub),
        ("article", Some("newspaper"), "newspaper")
            | ("post", _, "post")
            | ("article", Some("blog"), "post-weblog")
            | ("thread", _, "thread")
            | ("blog", _, "blog")
            | ("newspaper", _, "newspaper")
            | ("scene", _, "scene")
            | ("conference", _, "event")
            | ("original", _, "original")
            | ("exhibition", _, "exhibition")
    )
}

fn s(v: &str) -> Yaml {
    Yaml::String(v.to_string())
}

/// A text as a formattable string: case-protected parts in braces; wholly protected text
/// as `{value, verbatim: true}`.
fn formattable(v: &Value, short: Option<String>) -> Yaml {
    let (text, verbatim) = match v {
        Value::Text(t) => {
            let chunks = t.chunks();
            if chunks.len() == 1 && matches!(chunks[0], Chunk::Protected(_)) {
                (chunks[0].to_plain_string(), true)
            } else {
                let mut out = String::new();
                for c in chunks {
                    match c {
                        Chunk::Protected(p) => {
                            out.push('{');
                            out.push_str(p);
                            out.push('}');
                        }
                        Chunk::Math(m) => {
                            out.push('$');
                            out.push_str(m);
                            out.push('$');
                        }
                        other => out.push_str(&other.to_plain_string()),
                    }
                }
                (out, false)
            }
        }
        other => (other.to_plain_string(), false),
    };
    if !verbatim && short.is_none() {
        return Yaml::String(text);
    }
    let mut h = yaml_rust2::yaml::Hash::new();
    h.insert(s("value"), Yaml::String(text));
    if let Some(sh) = short {
        h.insert(s("short"), Yaml::String(sh));
    }
    if verbatim {
        h.insert(s("verbatim"), Yaml::Boolean(true));
    }
    Yaml::Hash(h)
}

/// A name as hayagriva writes it: `Family, Given` (with `, Suffix` before the given name),
/// or a mapping where that form would read back otherwise.
fn name_yaml(n: &Name) -> Yaml {
    match n {
        Name::Literal(l) if !l.contains(',') => s(l),
        Name::Literal(l) => {
            let mut h = yaml_rust2::yaml::Hash::new();
            h.insert(s("name"), s(l));
            Yaml::Hash(h)
        }
        Name::Person(p) => {
            let commas = [&p.given, &p.family, &p.particle, &p.suffix]
                .iter()
                .any(|x| x.contains(','));
            let words: Vec<&str> = p.family.split_whitespace().collect();
            // Would the family name's first words read as a particle, or the particle not?
            let split_differs = words
                .iter()
                .take(words.len().saturating_sub(1))
                .take_while(|w| crate::name::starts_lowercase(w))
                .count()
                > 0
                || p.particle
                    .split_whitespace()
                    .any(|w| !crate::name::starts_lowercase(w));
            if commas || split_differs || p.given.is_empty() && p.suffix.is_empty() {
                let mut h = yaml_rust2::yaml::Hash::new();
                h.insert(s("name"), s(&p.family));
                if !p.given.is_empty() {
                    h.insert(s("given-name"), s(&p.given));
                }
                if !p.particle.is_empty() {
                    h.insert(s("prefix"), s(&p.particle));
                }
                if !p.suffix.is_empty() {
                    h.insert(s("suffix"), s(&p.suffix));
                }
                if p.given.is_empty() && p.particle.is_empty() && p.suffix.is_empty() {
                    // `{name: X}` alone reads back as an organisation.
                    return s(&p.family);
                }
                return Yaml::Hash(h);
            }
            let mut out = p.family_with_particle();
            if !p.suffix.is_empty() {
                out.push_str(", ");
                out.push_str(&p.suffix);
            }
            out.push_str(", ");
            out.push_str(&p.given);
            s(&out)
        }
    }
}

fn names_yaml(list: &NameList) -> Yaml {
    let mut v: Vec<Yaml> = list.names.iter().map(name_yaml).collect();
    if list.truncated {
        v.push(s("others"));
    }
    if v.len() == 1 {
        return v.pop().unwrap_or(Yaml::Null);
    }
    Yaml::Array(v)
}

/// A date as hayagriva text (a range as `start/end`).
fn date_text(v: &Value) -> String {
    v.to_plain_string()
}

/// Builds a mapping in order.
#[derive(Default)]
struct Map(yaml_rust2::yaml::Hash);

impl Map {
    fn put(&mut self, k: &str, v: Yaml) {
        self.0.insert(s(k), v);
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Writes one entry as a hayagriva mapping (without its key). Returns the mapping and the
/// fields hayagriva has no place for (not written), and whether the type said less than
/// the entry's.
///
/// ```
/// use bibkit::model::{Entry, Value};
/// let mut e = Entry::new("k", "inproceedings");
/// e.set("title", Value::text("Graph Hashing"));
/// e.set("booktitle", Value::text("Proc. VLDB"));
/// e.set("keywords", Value::text("graphs"));
/// let (_, dropped, less) = bibkit::formats::hayagriva::write_entry(&e);
/// assert_eq!(dropped, ["keywords"]);
/// assert!(!less);
/// ```
pub fn write_entry(e: &Entry) -> (Yaml, Vec<String>, bool) {
    let (ty, parent_ty, less) = hayagriva_type(e);
    let mut m = Map::default();
    let mut p = Map::default();
    let mut event = Map::default();
    let mut series = Map::default();
    let mut serial = Map::default();
    let mut dropped = Vec::new();
    let get = |f: &str| e.fields.iter().find(|x| x.name == f).map(|x| &x.value);
    let text = |v: &Value| Yaml::String(v.to_plain_string());
    let in_parent = parent_ty.is_some();
    let journal_like = matches!(parent_ty, Some("periodical" | "newspaper" | "blog" | "web"));
    m.put("type", s(ty));
    let mut affiliated: Vec<Yaml> = Vec::new();
    let mut publisher: Option<Yaml> = None;
    let place_loc = get("publisher").is_some()
        || (get("institution").is_some() && matches!(ty, "thesis" | "report"));
    for f in &e.fields {
        if f.inherited {
            continue;
        }
        let v = &f.value;
        let name = f.name.as_ref();
        match name {
            "title" => m.put(
                "title",
                formattable(v, get("shorttitle").map(Value::to_plain_string)),
            ),
            "shorttitle" if get("title").is_some() => {}
            "author" | "editor" => m.put(name, names_of(v)),
            "date" => m.put("date", s(&date_text(v))),
            "journaltitle" if journal_like => p.put(
                "title",
                formattable(v, get("shortjournal").map(Value::to_plain_string)),
            ),
            "shortjournal" if journal_like && get("journaltitle").is_some() => {}
            "booktitle" if in_parent && !journal_like => p.put("title", formattable(v, None)),
            "bookauthor" if in_parent && !journal_like => p.put("author", names_of(v)),
            "eventtitle" => event.put("title", formattable(v, None)),
            "venue" => event.put("location", formattable(v, None)),
            "eventdate" => event.put("date", s(&date_text(v))),
            "series" => series.put("title", formattable(v, None)),
            "volume" if journal_like => p.put("volume", text(v)),
            "number" if journal_like => p.put("issue", text(v)),
            "number" if NUMBERED.contains(&e.kind.as_str()) => serial.put("serial", text(v)),
            "number" => m.put("issue", text(v)),
            "eid" => serial.put("serial", text(v)),
            "volume" => m.put("volume", text(v)),
            "volumes" => m.put("volume-total", text(v)),
            "pages" => m.put(
                "page-range",
                s(&v.to_plain_string()
                    .replace(['–', '—'], "-")
                    .replace("--", "-")),
            ),
            "pagetotal" => m.put("page-total", text(v)),
            "edition" => m.put("edition", text(v)),
            "chapter" => m.put("chapter", text(v)),
            "publisher" => publisher = Some(formattable(v, None)),
            "institution" if matches!(ty, "thesis" | "report") && get("publisher").is_none() => {
                publisher = Some(formattable(v, None))
            }
            "organization" => m.put("organization", formattable(v, None)),
            "institution" if get("organization").is_none() => {
                m.put("organization", formattable(v, None))
            }
            "location" => {
                if !place_loc {
                    m.put("location", formattable(v, None));
                }
            }
            "url" => {}
            "urldate" if get("url").is_some() => {}
            "doi" | "isbn" | "issn" | "pmid" | "pmcid" => serial.put(name, text(v)),
            "eprint"
                if get("eprinttype")
                    .is_some_and(|t| t.to_plain_string().eq_ignore_ascii_case("arxiv")) =>
            {
                serial.put("arxiv", text(v))
            }
            "eprinttype"
                if get("eprint").is_some() && v.to_plain_string().eq_ignore_ascii_case("arxiv") => {
            }
            "language" => m.put("language", text(v)),
            "note" => m.put("note", formattable(v, None)),
            "abstract" => m.put("abstract", formattable(v, None)),
            "type" => m.put("genre", formattable(v, None)),
            "archive" => m.put("archive", formattable(v, None)),
            "archive_location" => m.put("archive-location", formattable(v, None)),
            "call-number" => m.put("call-number", text(v)),
            "time-range" => m.put("time-range", text(v)),
            "runtime" => m.put("runtime", text(v)),
            "shorthand" => m.put("shorthand", text(v)),
            "entrysubtype"
                if subtype_said(ty, parent_ty, &v.to_plain_string().to_ascii_lowercase()) => {}
            _ => {
                if let (Some((role, _)), Value::Names(_)) =
                    (ROLES.iter().find(|(_, f)| *f == name), v)
                {
                    let mut g = yaml_rust2::yaml::Hash::new();
                    g.insert(s("role"), s(role));
                    g.insert(s("names"), names_of(v));
                    affiliated.push(Yaml::Hash(g));
                } else {
                    dropped.push(name.to_string());
                }
            }
        }
        if let Value::Names(l) = v {
            if l.names
                .iter()
                .any(|n| matches!(n, Name::Person(p) if p.has_details()))
            {
                dropped.push(format!("{name} (ORCIDs, affiliations)"));
            }
        }
    }
    if let Some(pb) = publisher {
        match get("location").filter(|_| place_loc) {
            Some(loc) => {
                let mut h = yaml_rust2::yaml::Hash::new();
                h.insert(s("name"), pb);
                h.insert(s("location"), formattable(loc, None));
                m.put("publisher", Yaml::Hash(h));
            }
            None => m.put("publisher", pb),
        }
    }
    if let Some(u) = get("url") {
        match get("urldate") {
            Some(d) => {
                let mut h = yaml_rust2::yaml::Hash::new();
                h.insert(s("value"), text(u));
                h.insert(s("date"), s(&date_text(d)));
                m.put("url", Yaml::Hash(h));
            }
            None => m.put("url", text(u)),
        }
    }
    if !serial.is_empty() {
        m.put("serial-number", Yaml::Hash(serial.0));
    }
    if !affiliated.is_empty() {
        m.put("affiliated", Yaml::Array(affiliated));
    }
    // Parents: the container (with the series as its parent), the event.
    let mut parents = Vec::new();
    if !series.is_empty() {
        if in_parent && !p.is_empty() {
            p.put("parent", Yaml::Hash(series.0));
        } else if in_parent {
            // A series and no container: the series is the only parent; the container's
            // place is then the series (read back as a `series`, as a grandparent is).
            let mut outer = Map::default();
            outer.put("parent", Yaml::Hash(series.0));
            p = outer;
        } else {
            parents.push(Yaml::Hash(series.0));
        }
    }
    if !p.is_empty() {
        let mut with_type = Map::default();
        with_type.put("type", s(parent_ty.unwrap_or("misc")));
        for (k, v) in p.0 {
            with_type.0.insert(k, v);
        }
        parents.insert(0, Yaml::Hash(with_type.0));
    } else if ty == "article" && parent_ty == Some("proceedings") && event.is_empty() {
        // An article with a `proceedings` parent is what says `@inproceedings`.
        let mut only = Map::default();
        only.put("type", s("proceedings"));
        parents.insert(0, Yaml::Hash(only.0));
    }
    if !event.is_empty() {
        let mut with_type = Map::default();
        with_type.put("type", s("conference"));
        for (k, v) in event.0 {
            with_type.0.insert(k, v);
        }
        parents.push(Yaml::Hash(with_type.0));
    }
    match parents.len() {
        0 => {}
        1 => m.put("parent", parents.pop().unwrap_or(Yaml::Null)),
        _ => m.put("parent", Yaml::Array(parents)),
    }
    (Yaml::Hash(m.0), dropped, less)
}

fn names_of(v: &Value) -> Yaml {
    match v {
        Value::Names(l) => names_yaml(l),
        other => s(&other.to_plain_string()),
    }
}

/// The loss report of writing `e` as hayagriva: one warning (`hayagriva-not-written`)
/// naming the fields [`write_entry`] had no place for, and a note when its type became a
/// wider one.
pub fn losses(e: &Entry, dropped: &[String], less: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let at = |d: Diagnostic| d.at_entry(e);
    if less {
        out.push(at(Diagnostic::new(
            Severity::Info,
            "hayagriva-not-written",
            format!("hayagriva has no type `{}`; written as `misc`", e.kind),
        )));
    }
    if !dropped.is_empty() {
        out.push(at(Diagnostic::new(
            Severity::Warning,
            "hayagriva-not-written",
            format!(
                "hayagriva has no field for {}; not written",
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

/// Writes entries as a hayagriva document (entries apart by a blank line), and the loss
/// report.
pub fn write(entries: &[Entry]) -> (String, Vec<Diagnostic>) {
    let mut out = String::new();
    let mut diags = Vec::new();
    for e in entries {
        let (y, dropped, less) = write_entry(e);
        diags.extend(losses(e, &dropped, less));
        let mut h = yaml_rust2::yaml::Hash::new();
        h.insert(s(&e.key), y);
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&yaml_tree::emit(&Yaml::Hash(h)));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    (out, diags)
}

/// Writes a whole bibliography as hayagriva.
///
/// ```
/// let bib = bibkit::formats::bibtex::read("@book{knuth, author = {Knuth, Donald E.}, title = {The {\\TeX}book}, year = 1984, publisher = {Addison-Wesley}, address = {Reading}}").bibliography;
/// let yaml = bibkit::formats::hayagriva::to_string(&bib);
/// assert!(yaml.starts_with("knuth:\n  type: book\n"));
/// assert!(yaml.contains("publisher:\n    name: Addison-Wesley\n    location: Reading\n"));
/// ```
pub fn to_string(bib: &Bibliography) -> String {
    write(&bib.entries).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let t = |s: &str| {
            let n = Node {
                kind: Kind::Scalar(s.into(), false),
                at: 0,
                end: 0,
                line: 1,
                col: 1,
                incomplete: false,
            };
            person(&n).unwrap().unwrap()
        };
        assert_eq!(
            t("Luther King, Jr., Martin"),
            Name::Person(Person::new("Martin", "", "Luther King", "Jr."))
        );
        assert_eq!(
            t("von der Leyen, Ursula"),
            Name::Person(Person::new("Ursula", "von der", "Leyen", ""))
        );
        assert_eq!(t("UNICEF"), Name::Literal("UNICEF".into()));
    }

    #[test]
    fn rich_text() {
        let t = rich("{World} Wide {Web");
        assert_eq!(t.chunks()[0], Chunk::Protected("World".into()));
        assert_eq!(t.to_plain_string(), "World Wide {Web");
    }

    #[test]
    fn kinds() {
        assert_eq!(
            kind_of("article", &["proceedings"], false).0,
            "inproceedings"
        );
        assert_eq!(kind_of("chapter", &["book"], true).0, "inbook");
        assert_eq!(kind_of("chapter", &["book"], false).0, "incollection");
        assert_eq!(kind_of("article", &[], false).0, "article");
    }
}
