//! The CSL-JSON reader (see the module docs for the mapping).
//!
//! Items are read one at a time — raw text, then a `serde_json` value, then an entry, the
//! value dropped — so that [`CslReader::read_each`] holds one item at a time. The positions
//! of properties, keys that occur twice and lone surrogates come from one pass over the
//! item's text ([`super::scan`]).

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value as Json};
use unicode_normalization::{UnicodeNormalization, is_nfc};

use super::scan::{self, Locator, Piece, Places, Seg, Splitter};
use super::{
    Class, DATE_VARIABLES, NAME_VARIABLES, When, bib_type, class, is_source, is_title_variable,
    is_variable, sources, subtitle_of, type_key,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::Parsed;
use crate::keys::KeyGenerator;
use crate::latex::{self, EncodeOptions};
use crate::model::{
    Bibliography, Chunk, Date, DatePart, Entry, Field, Name, NameList, Origin, Person, RangeEnd,
    Season, Span, Text, Value,
};

/// Reads CSL-JSON, with options. See the [module docs](super) for the mapping.
///
/// ```
/// use bibkit::formats::csl_json::CslReader;
/// let parsed = CslReader::new().file("refs.json").read(r#"[{"id": "a", "type": "book", "title": "T"},
///   {"id": "b", "type": "book", "title": oops}]"#);
/// assert_eq!(parsed.bibliography.entries.len(), 1);
/// let err = &parsed.diagnostics[0];
/// assert_eq!((err.file.as_deref(), err.line, err.column), (Some("refs.json"), 2, 40));
/// ```
#[derive(Debug, Clone, Default)]
pub struct CslReader {
    file: Option<Arc<str>>,
}

/// Reads CSL-JSON text: an array of items (or a single item). Never stops at the first
/// problem: an item that cannot be read is reported with its `line:col` and skipped.
///
/// ```
/// let parsed = bibkit::formats::csl_json::read(r#"[{"id": "doe2020", "type": "article-journal",
///   "author": [{"family": "Doe", "given": "Jane"}, {"literal": "others"}],
///   "issued": {"date-parts": [[2020, 5]]}, "container-title": "Nature", "issue": "7"}]"#);
/// let e = &parsed.bibliography.entries[0];
/// assert_eq!((e.key.as_str(), e.kind.as_str()), ("doe2020", "article"));
/// assert!(e.names("author").unwrap().truncated);
/// assert_eq!(e.get("date").unwrap().to_plain_string(), "2020-05");
/// assert_eq!(e.get("journaltitle").unwrap().to_plain_string(), "Nature");
/// assert_eq!(e.get("number").unwrap().to_plain_string(), "7");
/// ```
pub fn read(text: &str) -> Parsed {
    CslReader::new().read(text)
}

impl CslReader {
    /// A reader with default options.
    ///
    /// ```
    /// let parsed = bibkit::formats::csl_json::CslReader::new().read("[]");
    /// assert!(parsed.bibliography.entries.is_empty() && parsed.diagnostics.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The file name to put in diagnostics and entry origins.
    ///
    /// ```
    /// let parsed = bibkit::formats::csl_json::CslReader::new().file("a.json").read("[{\"id\": \"k\"}]");
    /// let origin = parsed.bibliography.entries[0].origin.as_ref().unwrap();
    /// assert_eq!(origin.file.as_deref(), Some("a.json"));
    /// ```
    pub fn file(mut self, name: impl Into<Arc<str>>) -> Self {
        self.file = Some(name.into());
        self
    }

    /// Reads CSL-JSON text into one [`Parsed`]: every entry, and every diagnostic in input
    /// order. Built on [`CslReader::read_each`].
    ///
    /// ```
    /// let parsed = bibkit::formats::csl_json::CslReader::new()
    ///     .read(r#"[{"id": "a", "type": "book", "title": "One", "title": "Two"}]"#);
    /// let e = &parsed.bibliography.entries[0];
    /// assert_eq!(e.get("title").unwrap().to_plain_string(), "Two");
    /// let d = &parsed.diagnostics[0];
    /// assert_eq!((d.rule, d.line, d.column), ("csl-duplicate", 1, 46));
    /// ```
    pub fn read(&self, text: &str) -> Parsed {
        let mut entries = Vec::new();
        let mut diagnostics = Vec::new();
        let done: Result<(), std::convert::Infallible> = self.read_each(text, |e, ds| {
            entries.extend(e);
            diagnostics.extend(ds);
            Ok(())
        });
        let Ok(()) = done;
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Parsed {
            bibliography: Bibliography {
                entries,
                ..Default::default()
            },
            diagnostics,
        }
    }

    /// Reads CSL-JSON text one item at a time, calling `each` in input order with every
    /// entry read and its diagnostics (located, and with the entry's key), or with `None`
    /// and the diagnostics of something that is no entry (a syntax error, text after the
    /// array). Only one item is held at a time. An error `each` returns stops reading and
    /// is returned.
    ///
    /// Items without an `id` get generated keys that no other item of the text has: the
    /// first such item makes the reader look ahead once at the `id`s and `citation-key`s of
    /// the items after it (reading nothing else of them).
    ///
    /// ```
    /// use bibkit::formats::csl_json::CslReader;
    /// let text = r#"[{"id": "a", "type": "book"}, {"type": "book", "title": oops},
    ///   {"type": "book", "title": "Keyless"}, {"id": "anonkeyless", "type": "book"}]"#;
    /// let mut keys = Vec::new();
    /// let mut errors = 0;
    /// CslReader::new().read_each(text, |entry, diagnostics| {
    ///     keys.extend(entry.map(|e| e.key));
    ///     errors += diagnostics.iter().filter(|d| d.severity == bibkit::diagnostic::Severity::Error).count();
    ///     Ok::<(), std::io::Error>(())
    /// }).unwrap();
    /// assert_eq!(keys, ["a", "anonkeylessa", "anonkeyless"]);
    /// assert_eq!(errors, 1);
    /// ```
    pub fn read_each<E>(
        &self,
        text: &str,
        mut each: impl FnMut(Option<Entry>, Vec<Diagnostic>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut loc = Locator::new(text);
        let mut keys = KeyGenerator::new();
        let mut looked_ahead = false;
        let mut pieces = Splitter::new(text);
        while let Some(piece) = pieces.next() {
            match piece {
                Piece::Problem(d) => {
                    let mut ds = vec![d];
                    self.locate(&mut loc, &mut ds);
                    each(None, ds)?;
                }
                Piece::Item(start, raw) => {
                    let mut look_ahead = |keys: &mut KeyGenerator| {
                        if !looked_ahead {
                            looked_ahead = true;
                            reserve_ahead(pieces.clone(), keys);
                        }
                    };
                    let (entry, mut ds) = read_item(start, raw, &mut keys, &mut look_ahead);
                    let entry = entry.map(|mut e| {
                        let (line, column) = loc.at(start);
                        e.origin = Some(Origin {
                            file: self.file.clone(),
                            span: Span::new(start, start + raw.len()),
                            line,
                            column,
                        });
                        for d in &mut ds {
                            if d.key.is_none() {
                                d.key = Some(e.key.clone());
                            }
                        }
                        e
                    });
                    self.locate(&mut loc, &mut ds);
                    each(entry, ds)?;
                }
            }
        }
        Ok(())
    }

    /// Gives diagnostics of one piece their lines, columns and file, in order.
    fn locate(&self, loc: &mut Locator<'_>, ds: &mut [Diagnostic]) {
        ds.sort_by_key(|d| d.span.start);
        for d in ds {
            if d.line == 0 {
                let (l, c) = loc.at(d.span.start);
                d.line = l;
                d.column = c;
            }
            if d.file.is_none() {
                d.file = self.file.clone();
            }
        }
    }
}

/// Reserves the keys of the items `pieces` has left (their `id` and `citation-key`).
fn reserve_ahead(pieces: Splitter<'_>, keys: &mut KeyGenerator) {
    for piece in pieces {
        if let Piece::Item(_, raw) = piece {
            for v in scan::ids(raw) {
                reserve(keys, &v);
            }
        }
    }
}

/// Reserves an item's id (as written, and as the key it reads as).
fn reserve(keys: &mut KeyGenerator, v: &Json) {
    if let Some(s) = id_string(v) {
        let k = bib_key(&s);
        if k != s {
            keys.reserve(&k);
        }
        keys.reserve(&s);
    }
}

/// Reads one item that starts at `start`: its entry (`None` when it is no object or not
/// JSON), and its diagnostics (not yet located). `look_ahead` is called before a key is
/// generated.
fn read_item(
    start: usize,
    raw: &str,
    keys: &mut KeyGenerator,
    look_ahead: &mut dyn FnMut(&mut KeyGenerator),
) -> (Option<Entry>, Vec<Diagnostic>) {
    let span = Span::new(start, start + raw.len());
    let found = scan::scan(raw);
    let mut diags = Vec::new();
    let patched;
    let text = if found.surrogates.is_empty() {
        raw
    } else {
        // `\ufffd` is as long as the escape it replaces: every offset stays.
        patched = scan::patch_surrogates(raw, &found.surrogates);
        &patched
    };
    let map = match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(map)) => map,
        Ok(other) => {
            diags.push(
                Diagnostic::new(
                    Severity::Error,
                    "csl-item",
                    format!(
                        "expected a CSL item (an object), found {}; skipped",
                        kind_of(&other)
                    ),
                )
                .at_line_col(span, 0, 0),
            );
            return (None, diags);
        }
        Err(e) => {
            let at = start + scan::error_offset(raw, &e);
            diags.push(
                Diagnostic::new(
                    Severity::Error,
                    "csl-syntax",
                    format!("{}; the item is skipped", scan::serde_message(&e)),
                )
                .at_line_col(Span::new(at, at), 0, 0),
            );
            return (None, diags);
        }
    };
    for &at in &found.surrogates {
        let at = start + at;
        diags.push(
            Diagnostic::new(
                Severity::Warning,
                "csl-surrogate",
                format!(
                    "`{}` is half of a UTF-16 surrogate pair, without its other half; read as U+FFFD (�)",
                    &raw[at - start..at - start + 6]
                ),
            )
            .at_line_col(Span::new(at, at + 6), 0, 0),
        );
    }
    for d in &found.dups {
        let at = start + d.at;
        let place = if d.path.is_empty() {
            String::new()
        } else {
            format!(" in `{}`", d.path)
        };
        diags.push(
            Diagnostic::new(
                Severity::Warning,
                "csl-duplicate",
                format!(
                    "`{}` occurs more than once{place}; the last value is used and the earlier one ignored",
                    d.key
                ),
            )
            .at_line_col(Span::new(at, at + d.len), 0, 0),
        );
    }
    for k in ["citation-key", "id"] {
        if let Some(v) = map.get(k) {
            reserve(keys, v);
        }
    }
    let places = Places::new(start, raw, found.props);
    let mut entry = item(&map, &places, &mut diags);
    drop(map);
    if entry.key.is_empty() {
        look_ahead(keys);
        entry.key = keys.generate(&entry);
        diags.push(
            Diagnostic::new(
                Severity::Warning,
                "missing-key",
                format!("item has no `id`; its key is `{}`", entry.key),
            )
            .at_line_col(span, 0, 0),
        );
    }
    (Some(entry), diags)
}

/// Reads one CSL item that another syntax gave as a JSON object (CSL-YAML): `start` is
/// the item's byte offset in the input, `keys_at` the offsets and lengths of its
/// properties' keys there (for the diagnostics' spans). The item's `id` and `citation-key`
/// are reserved in `keys`; an item without either gets a generated key. Diagnostics carry
/// spans but no line yet (`line` 0): the caller locates them in its input.
pub(crate) fn read_value(
    map: &Map<String, Json>,
    start: usize,
    keys_at: &[(String, usize, usize)],
    keys: &mut KeyGenerator,
) -> (Entry, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    for k in ["citation-key", "id"] {
        if let Some(v) = map.get(k) {
            reserve(keys, v);
        }
    }
    let props = keys_at
        .iter()
        .map(|(k, at, len)| scan::Prop {
            key: Cow::Owned(k.clone()),
            at: at.saturating_sub(start),
            len: *len,
            value: 0,
        })
        .collect();
    // No JSON text: a value's place is its key's.
    let places = Places::new(start, "", props);
    let mut entry = item(map, &places, &mut diags);
    if entry.key.is_empty() {
        entry.key = keys.generate(&entry);
        diags.push(
            Diagnostic::new(
                Severity::Warning,
                "missing-key",
                format!("item has no `id`; its key is `{}`", entry.key),
            )
            .at_line_col(Span::new(start, start + 1), 0, 0),
        );
    }
    (entry, diags)
}

fn kind_of(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// A citation key `.bib` files can hold: white space, `,` and braces (which end a key), and
/// a leading `%`, become `_`.
fn bib_key(s: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        matches!(
            c,
            ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c' | ',' | '{' | '}'
        )
    };
    // A leading `%` would start a comment.
    if s.contains(bad) || s.starts_with('%') {
        let mut k: String = s.chars().map(|c| if bad(c) { '_' } else { c }).collect();
        if k.starts_with('%') {
            k.replace_range(..1, "_");
        }
        Cow::Owned(k)
    } else {
        Cow::Borrowed(s)
    }
}

/// A field name `.bib` files can hold, for a `custom` key or a property the schema does not
/// know: ASCII letters in lowercase; white space, control characters and
/// `"#%'(),={}@\` become `_`. A changed name is reported.
fn is_name_char(c: char) -> bool {
    !c.is_ascii()
        || (c.is_ascii_graphic()
            && !matches!(
                c,
                '"' | '#' | '%' | '\'' | '(' | ')' | ',' | '=' | '{' | '}' | '@' | '\\'
            ))
}

fn field_name_for(k: &str, diags: &mut Vec<Diagnostic>, span: Span) -> String {
    let ok = is_name_char;
    let mut name: String = k
        .chars()
        .map(|c| if ok(c) { c.to_ascii_lowercase() } else { '_' })
        .collect();
    if name.is_empty() {
        name.push('_');
    }
    if name != k.to_ascii_lowercase() {
        diags.push(
            Diagnostic::new(
                Severity::Warning,
                "csl-variable",
                format!("`{k}` cannot be a BibTeX field name; kept as field `{name}`"),
            )
            .at_line_col(span, 0, 0),
        );
    }
    name
}

/// An id or key: a string or a number.
fn id_string(v: &Json) -> Option<String> {
    match v {
        Json::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn nfc(s: &str) -> Cow<'_, str> {
    if is_nfc(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

/// A string or number variable's text.
fn scalar(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(nfc(s).into_owned()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Where a variable goes, given the fields already set: its preferred source for the
/// entry type, else its first source that is free and would be taken again on writing;
/// a variable without sources goes to the field of its own name.
/// The second value says the field goes before the entry's field of the same name (a
/// variable whose field `custom` already restored, as a second field of that name).
fn target(
    var: &str,
    kind: &str,
    has: &dyn Fn(&str) -> bool,
    v: &Json,
) -> (Cow<'static, str>, bool) {
    let url = v.as_str().is_some_and(super::looks_like_url);
    let srcs: Vec<&super::Source> = sources(var)
        .iter()
        .filter(|s| s.reverse)
        .filter(|s| match s.when {
            When::Class(c) => class(kind) == c,
            When::IrregularYear => false,
            When::Url => url,
            When::NotUrl => !url,
            When::Always | When::Eprint(_) => true,
        })
        .collect();
    if sources(var).is_empty() {
        let own = match var {
            "journalAbbreviation" => "container-title-short",
            "shortTitle" => "title-short",
            v => v,
        };
        if own != var {
            return target(own, kind, has, v);
        }
        let lower = var.to_ascii_lowercase();
        if is_source(&lower) {
            return (Cow::Owned(format!("csl-{var}")), false);
        }
        let before = has(&lower);
        return (crate::model::field_name(&lower), before);
    }
    let present = srcs.iter().position(|s| has(s.field)).unwrap_or(srcs.len());
    let candidates = &srcs[..present];
    let preferred = match var {
        "publisher" => match kind {
            "thesis" | "phdthesis" | "mastersthesis" | "report" | "techreport" => "institution",
            "manual" | "misc" | "online" => "organization",
            "booklet" => "howpublished",
            _ => "publisher",
        },
        "container-title" => match (class(kind), kind) {
            (Class::Periodical, _) => "journaltitle",
            (_, "book" | "mvbook" | "collection" | "mvcollection" | "proceedings")
            | (_, "mvproceedings" | "reference" | "mvreference") => "maintitle",
            _ => "booktitle",
        },
        "PMID" | "PMCID" => "eprint",
        _ => "",
    };
    if let Some(s) = candidates.iter().find(|s| s.field == preferred) {
        return (Cow::Borrowed(s.field), false);
    }
    match (candidates.first(), srcs.get(present)) {
        (Some(s), _) => (Cow::Borrowed(s.field), false),
        (None, Some(s)) => (Cow::Borrowed(s.field), true),
        (None, None) => (Cow::Owned(format!("csl-{var}")), false),
    }
}

/// An entry being built: its field names in a set once there are many (so that an item with
/// thousands of properties costs linear time), and the fields that go before the first field
/// of their name, put there when it is done.
struct Building {
    e: Entry,
    names: Option<HashSet<Cow<'static, str>>>,
    before: Vec<Field>,
}

/// Fields an entry may have before its names go into a set.
const FEW_FIELDS: usize = 16;

impl Building {
    fn has(&self, name: &str) -> bool {
        match &self.names {
            Some(s) => s.contains(name),
            None => {
                self.e.fields.iter().any(|f| f.name == name)
                    || self.before.iter().any(|f| f.name == name)
            }
        }
    }

    fn get(&self, name: &str) -> Option<&Value> {
        match &self.names {
            Some(s) if !s.contains(name) => None,
            _ => self.e.get(name),
        }
    }

    fn note(&mut self, f: &Field) {
        let name = &f.name;
        if let Some(s) = &mut self.names {
            s.insert(name.clone());
        } else if self.e.fields.len() + self.before.len() >= FEW_FIELDS {
            let mut s: HashSet<Cow<'static, str>> = self
                .e
                .fields
                .iter()
                .chain(&self.before)
                .map(|f| f.name.clone())
                .collect();
            s.insert(name.clone());
            self.names = Some(s);
        }
    }

    fn push(&mut self, f: Field) {
        self.note(&f);
        self.e.fields.push(f);
    }

    /// Puts `f` before the first field of its name (as a second field of that name).
    fn push_before(&mut self, f: Field) {
        self.note(&f);
        self.before.push(f);
    }

    fn finish(self) -> Entry {
        let mut e = self.e;
        if self.before.is_empty() {
            return e;
        }
        // Each went before the first field of its name when it came, so a later one goes
        // before an earlier one.
        let mut pending: std::collections::HashMap<Cow<'static, str>, Vec<Field>> =
            Default::default();
        for f in self.before {
            pending.entry(f.name.clone()).or_default().push(f);
        }
        let mut fields = Vec::with_capacity(e.fields.len() + pending.len());
        for f in std::mem::take(&mut e.fields) {
            if let Some(list) = pending.remove(&f.name) {
                fields.extend(list.into_iter().rev());
            }
            fields.push(f);
        }
        for (_, list) in pending {
            fields.extend(list.into_iter().rev());
        }
        e.fields = fields;
        e
    }
}

/// Reads one item; `places` has the positions of its properties, for messages.
fn item(map: &Map<String, Json>, places: &Places<'_>, diags: &mut Vec<Diagnostic>) -> Entry {
    let at = |key: &str| places.key(key);
    let id = map.get("id").and_then(id_string);
    let written = map
        .get("citation-key")
        .and_then(id_string)
        .or_else(|| id.clone())
        .unwrap_or_default();
    let key = bib_key(&written).into_owned();
    if key != written {
        diags.push(
            Diagnostic::new(
                Severity::Warning,
                "csl-key",
                format!("`{written}` cannot be a BibTeX key; read as `{key}`"),
            )
            .at_line_col(at("id"), 0, 0),
        );
    }
    let csl_type = match map.get("type") {
        Some(Json::String(t)) if super::CSL_TYPES.contains(&t.as_str()) => t.clone(),
        Some(t) => {
            diags.push(
                Diagnostic::new(
                    Severity::Warning,
                    "csl-type",
                    format!(
                        "`{}` is not a CSL item type; read as `document`",
                        json_text(t)
                    ),
                )
                .at_line_col(at("type"), 0, 0),
            );
            "document".to_string()
        }
        None => {
            diags.push(
                Diagnostic::new(
                    Severity::Warning,
                    "csl-type",
                    "item has no `type`; read as `document`",
                )
                .at_line_col(Span::new(places.start, places.start + 1), 0, 0),
            );
            "document".to_string()
        }
    };
    let (kind, subtype) = bib_type(&csl_type);
    let mut b = Building {
        e: Entry::new(key.clone(), kind),
        names: None,
        before: Vec::new(),
    };
    if let (Some(id), true) = (&id, id.as_deref() != Some(key.as_str())) {
        b.push(field("id", Value::Verbatim(id.clone())));
    }

    // `custom` first: it restores fields exactly, and variables then find their place
    // around them.
    let mut custom_kind: Option<String> = None;
    match map.get("custom") {
        Some(Json::Object(custom)) => {
            // A key with an array of strings is a field that occurs more than once.
            let values = custom.iter().flat_map(|(k, v)| match v {
                Json::Array(a) if a.iter().all(Json::is_string) => {
                    a.iter().map(|x| (k, x)).collect::<Vec<_>>()
                }
                v => vec![(k, v)],
            });
            for (k, v) in values {
                let name = field_name_for(k, diags, at("custom"));
                let text = match v {
                    Json::String(s) => nfc(s).into_owned(),
                    other => other.to_string(),
                };
                if name == "entrytype" {
                    // Any type a `.bib` file can hold.
                    let t = text.trim().to_ascii_lowercase();
                    if !t.is_empty() && t.chars().all(is_name_char) {
                        custom_kind = Some(t);
                        continue;
                    }
                }
                b.push(field(&name, custom_value(&name, &text)));
            }
        }
        Some(other) => diags.push(
            Diagnostic::new(
                Severity::Warning,
                "csl-custom",
                format!(
                    "`custom` should be an object, found {}; kept as a field",
                    kind_of(other)
                ),
            )
            .at_line_col(at("custom"), 0, 0),
        ),
        None => {}
    }
    if let Some(k) = custom_kind {
        b.e.kind = k;
    }
    let kind_now = b.e.kind.clone();
    if let Some(sub) = subtype {
        if !b.has("entrysubtype") {
            b.push(field("entrysubtype", Value::text(sub)));
        }
    }

    let arxiv_eprint = match (b.get("eprint"), b.get("eprinttype")) {
        (Some(id), Some(t)) if t.to_plain_string().eq_ignore_ascii_case("arxiv") => {
            Some(format!("arXiv:{}", id.to_plain_string().trim()))
        }
        _ => None,
    };

    for (var, v) in map {
        match var.as_str() {
            "id" | "type" | "citation-key" => continue,
            "custom" => {
                if !v.is_object() {
                    b.push(field("custom", Value::text(json_text(v))));
                }
                continue;
            }
            _ => {}
        }
        if v.is_null() {
            continue;
        }
        if !is_variable(var) && !matches!(var.as_str(), "journalAbbreviation" | "shortTitle") {
            // Not in the schema (`file`, `license`): kept as a field, and written back into
            // `custom`.
            let name = field_name_for(var, diags, at(var));
            diags.push(
                Diagnostic::new(
                    Severity::Info,
                    "csl-variable",
                    format!("`{var}` is not a CSL variable; kept as field `{name}`"),
                )
                .at_line_col(at(var), 0, 0),
            );
            if !b.has(&name) {
                let text = scalar(v).unwrap_or_else(|| v.to_string());
                b.push(field(&name, custom_value(&name, &text)));
            }
            continue;
        }
        if var == "number" && arxiv_eprint.as_deref() == v.as_str() {
            // Written from the arXiv `eprint` in `custom`.
            continue;
        }
        let (name, before) = target(var, &kind_now, &|n: &str| b.has(n), v);
        let value = if NAME_VARIABLES.contains(&var.as_str()) {
            match read_names(v) {
                Some(list) => Value::Names(list),
                None => {
                    diags.push(bad(var, "a list of names", v, at(var)));
                    continue;
                }
            }
        } else if DATE_VARIABLES.contains(&var.as_str()) {
            let (value, issues) = date_value(v);
            if let Some(Value::Text(t)) = &value {
                let text = t.to_plain_string();
                for issue in &issues {
                    diags.push(
                        Diagnostic::new(
                            Severity::Warning,
                            "invalid-date",
                            format!("`{var}`: {}; the date is kept as text `{text}`", issue.what),
                        )
                        .at_line_col(places.value(var, &issue.path), 0, 0),
                    );
                }
            }
            match value {
                Some(d) => d,
                None => {
                    diags.push(bad(var, "a date", v, at(var)));
                    continue;
                }
            }
        } else {
            let Some(s) = scalar(v) else {
                diags.push(bad(var, "a string or number", v, at(var)));
                continue;
            };
            string_value(var, &name, &s, &b.e)
        };
        if name == "eprint" {
            let t = if var == "PMID" { "pubmed" } else { "pmc" };
            if !b.has("eprinttype") {
                b.push(field("eprinttype", Value::text(t)));
            }
        }
        let f = Field {
            name,
            value,
            span: None,
            inherited: false,
        };
        if before && b.has(&f.name) {
            b.push_before(f);
        } else {
            b.push(f);
        }
    }
    b.finish()
}

fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        v => v.to_string(),
    }
}

fn bad(var: &str, what: &str, v: &Json, span: Span) -> Diagnostic {
    Diagnostic::new(
        Severity::Warning,
        "csl-variable",
        format!("`{var}` should be {what}, found {}; skipped", kind_of(v)),
    )
    .at_line_col(span, 0, 0)
}

fn field(name: &str, value: Value) -> Field {
    Field {
        name: crate::model::field_name(name),
        value,
        span: None,
        inherited: false,
    }
}

/// The value of a string variable in field `name`.
fn string_value(var: &str, name: &str, s: &str, e: &Entry) -> Value {
    match name {
        "doi" => Value::Verbatim(crate::formats::bibtex::normalize_doi(s.trim()).to_string()),
        "url" | "eprint" | "pmid" | "pmcid" => Value::Verbatim(s.trim().to_string()),
        "pages" => Value::Text(Text::plain(en_dash_ranges(s))),
        // `genre` as written, or the BibLaTeX key that prints exactly it.
        "type" => Value::text(
            type_key(s)
                .filter(|k| super::type_text(k) == s)
                .unwrap_or(s),
        ),
        _ if is_title_variable(var) => {
            // A title that ends with the subtitle `custom` restored is split again.
            let mut s = s;
            if let Some(Value::Text(sub)) = subtitle_of(name).and_then(|f| e.get(f)) {
                let sub = super::write::rich_text(sub, true);
                if let Some(head) = s.strip_suffix(sub.as_str()) {
                    let head = head.strip_suffix(": ").or_else(|| head.strip_suffix(' '));
                    if let Some(h) = head.filter(|h| !h.trim().is_empty()) {
                        s = h;
                    }
                }
            }
            Value::Text(rich(s, true))
        }
        _ => Value::Text(rich(s, false)),
    }
}

/// `12-15` → `12–15`: hyphens between page numbers are ranges.
fn en_dash_ranges(s: &str) -> String {
    let b: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in b.iter().enumerate() {
        let between = i > 0
            && i + 1 < b.len()
            && b[i - 1].is_alphanumeric()
            && b[i + 1].is_alphanumeric()
            && (b[i - 1].is_ascii_digit() || b[i + 1].is_ascii_digit());
        out.push(if c == '-' && between { '–' } else { c });
    }
    out
}

/// A `custom` value for field `name`, read the way the `.bib` reader types that field.
fn custom_value(name: &str, text: &str) -> Value {
    match crate::formats::bibtex::field_kind(name) {
        crate::formats::bibtex::FieldKind::Names => {
            Value::Names(crate::name::parse_bibtex_names(text).0)
        }
        crate::formats::bibtex::FieldKind::Date => match crate::date::parse(text) {
            Some(d) => Value::date(d),
            None => Value::Verbatim(text.to_string()),
        },
        crate::formats::bibtex::FieldKind::Verbatim => Value::Verbatim(text.to_string()),
        crate::formats::bibtex::FieldKind::Text => Value::Text(rich(text, true)),
    }
}

/// Reads a name list: objects with `family`, `given`, `non-dropping-particle`,
/// `dropping-particle`, `suffix` or `literal`; a trailing `{"literal": "others"}` is the
/// truncation flag. Strings in the list are read as given-first names.
fn read_names(v: &Json) -> Option<NameList> {
    let items: Vec<&Json> = match v {
        Json::Array(a) => a.iter().collect(),
        Json::Object(_) => vec![v],
        Json::String(s) => {
            return Some(NameList {
                names: vec![Name::Literal(nfc(s).into_owned())],
                truncated: false,
            });
        }
        _ => return None,
    };
    let mut list = NameList::default();
    for (i, n) in items.iter().enumerate() {
        let name = match n {
            Json::Object(o) => {
                let part = |k: &str| o.get(k).and_then(scalar).unwrap_or_default();
                let literal = part("literal");
                let (family, given, suffix) = (part("family"), part("given"), part("suffix"));
                let particle = [part("dropping-particle"), part("non-dropping-particle")]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                if !literal.is_empty() && family.is_empty() && given.is_empty() {
                    if i + 1 == items.len() && i > 0 && literal.trim() == "others" {
                        list.truncated = true;
                        continue;
                    }
                    Name::Literal(literal)
                } else {
                    Name::Person(Person::new(given, particle, family, suffix))
                }
            }
            Json::String(s) => Name::Person(crate::name::parse_given_first(&nfc(s))),
            _ => continue,
        };
        list.names.push(name);
    }
    Some(list)
}

/// Parses CSL rich text: `<i>`, `<b>`, `<sup>`, `<sub>` and small-capitals spans become
/// LaTeX commands (raw chunks), `<span class="nocase">` a case-protected chunk (when
/// `nocase`; elsewhere it stays text); anything else is text.
///
pub(crate) fn rich(s: &str, nocase: bool) -> Text {
    // `&lt;` is a literal `<` (bibkit writes it so); other text is as written.
    if !s.contains('<') {
        return Text::plain(s.replace("&lt;", "<"));
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Tag {
        Format(&'static str, &'static str),
        NoCase,
    }
    let open_tag = |t: &str| -> Option<Tag> {
        let norm: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        Some(match norm.as_str() {
            "<i>" => Tag::Format("\\textit{", "</i>"),
            "<b>" => Tag::Format("\\textbf{", "</b>"),
            "<sup>" => Tag::Format("\\textsuperscript{", "</sup>"),
            "<sub>" => Tag::Format("\\textsubscript{", "</sub>"),
            "<spanstyle=\"font-variant:small-caps;\">"
            | "<spanstyle=\"font-variant:small-caps\">"
            | "<spanstyle='font-variant:small-caps;'>" => Tag::Format("\\textsc{", "</span>"),
            "<spanclass=\"nocase\">" | "<spanclass='nocase'>" if nocase => Tag::NoCase,
            _ => return None,
        })
    };
    let enc = EncodeOptions::default();
    let mut out = Text::new();
    let mut stack: Vec<Tag> = Vec::new();
    // LaTeX of the formatted run being built (while a format tag is open, or a `nocase`
    // span at the top level: one with markup inside becomes one raw brace group, as the
    // `.bib` reader reads `{In\textsubscript{x}Ga}`).
    let mut raw = String::new();
    // The text of a top-level `nocase` span, and whether markup was inside it.
    let mut nocase_text = String::new();
    let mut marked_up = false;
    let in_group = |stack: &[Tag]| stack.first() == Some(&Tag::NoCase);
    let mut rest = s;
    let push_text =
        |out: &mut Text, raw: &mut String, text: &mut String, stack: &[Tag], t: &str| {
            if t.is_empty() {
                return;
            }
            let t = &t.replace("&lt;", "<");
            if in_group(stack) {
                text.push_str(t);
            }
            if stack.iter().any(|t| matches!(t, Tag::Format(..))) || in_group(stack) {
                raw.push_str(&latex::escape_str(t, &enc));
            } else {
                out.push(Chunk::Plain(t.to_string()));
            }
        };
    // The top-level `nocase` span that just closed: its text protected, or its LaTeX as one
    // group when it held markup (a group that starts with a command would be a BibTeX
    // special character, which protects nothing: `{}` comes first then).
    let close_group = |out: &mut Text, raw: &mut String, text: &mut String, marked_up: bool| {
        if marked_up {
            let body = std::mem::take(raw);
            let lead = if body.starts_with('\\') { "{}" } else { "" };
            out.push(Chunk::Raw(format!("{{{lead}{body}}}")));
        } else {
            out.push(Chunk::Protected(std::mem::take(text)));
        }
        raw.clear();
        text.clear();
    };
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &mut raw, &mut nocase_text, &stack, &rest[..lt]);
        rest = &rest[lt..];
        let Some(gt) = rest.find('>') else { break };
        let tag = &rest[..=gt];
        let formatted = stack.iter().any(|t| matches!(t, Tag::Format(..)));
        if let (Some(t), true) = (open_tag(tag), stack.len() < 32) {
            match t {
                Tag::Format(cmd, _) => {
                    marked_up |= in_group(&stack);
                    raw.push_str(cmd)
                }
                Tag::NoCase if formatted || in_group(&stack) => raw.push('{'),
                Tag::NoCase => {
                    marked_up = false;
                }
            }
            stack.push(t);
            rest = &rest[gt + 1..];
            continue;
        }
        let closes = match stack.last() {
            Some(Tag::Format(_, close)) => *close == tag,
            Some(Tag::NoCase) => tag == "</span>",
            None => false,
        };
        if closes {
            let t = stack.pop();
            let still = stack.iter().any(|t| matches!(t, Tag::Format(..)));
            match t {
                Some(Tag::Format(..)) => {
                    raw.push('}');
                    if !still && !in_group(&stack) {
                        out.push(Chunk::Raw(std::mem::take(&mut raw)));
                    }
                }
                Some(Tag::NoCase) if still || in_group(&stack) => raw.push('}'),
                Some(Tag::NoCase) => close_group(&mut out, &mut raw, &mut nocase_text, marked_up),
                _ => {}
            }
            rest = &rest[gt + 1..];
            continue;
        }
        // Not markup: literal text.
        push_text(&mut out, &mut raw, &mut nocase_text, &stack, tag);
        rest = &rest[gt + 1..];
    }
    push_text(&mut out, &mut raw, &mut nocase_text, &stack, rest);
    // Unclosed tags: close them.
    if in_group(&stack) {
        for t in stack[1..].iter().rev() {
            if matches!(t, Tag::Format(..)) || marked_up {
                raw.push('}');
            }
        }
        close_group(&mut out, &mut raw, &mut nocase_text, marked_up);
    } else if !raw.is_empty() {
        for _ in stack.iter().rev() {
            raw.push('}');
        }
        out.push(Chunk::Raw(raw));
    }
    out
}

/// A year as CSL counts it (no year zero: `-1` is 1 BC) in astronomical numbering.
fn astronomical(year: i64) -> i64 {
    if year < 0 { year + 1 } else { year }
}

/// Reads a CSL date object: `date-parts` (one date, or two for a range) with `circa` and
/// `season` (or months 13–16, 17–20 or 21–24 as seasons); `raw` through bibkit's date parser
/// ([`crate::date::parse`]) — preferred when it says the same date with more (an uncertain
/// date, a time); `literal` kept as written. An EDTF string in place of the object (as some
/// exporters write) is read too. `date-parts` that hold something no date can (month 25,
/// day 99, a word) give the date as text (see the module docs). Returns `None` for an
/// empty or unreadable date.
///
/// ```
/// use bibkit::formats::csl_json::read_date;
/// use bibkit::model::Value;
/// use serde_json::json;
/// let d = |j| read_date(&j).unwrap().to_plain_string();
/// assert_eq!(d(json!({"date-parts": [[2024, 10, 25]]})), "2024-10-25");
/// assert_eq!(d(json!({"date-parts": [[2020, 9], [2020, 10]]})), "2020-09/2020-10");
/// assert_eq!(d(json!({"date-parts": [["1999"]], "circa": true})), "1999~");
/// assert_eq!(d(json!({"date-parts": [[2003]], "season": 1})), "2003-21");
/// assert_eq!(d(json!({"date-parts": [[2017, 14], [2017, 15]]})), "2017-22/2017-23");
/// assert_eq!(d(json!({"date-parts": [[-1]]})), "0000");
/// assert_eq!(d(json!({"raw": "Oct 25, 2024"})), "2024-10-25");
/// assert!(matches!(read_date(&json!({"literal": "n.d."})), Some(Value::Text(_))));
/// // No date: kept as text.
/// assert_eq!(d(json!({"date-parts": [[2020, 2, 30]]})), "2020-2-30");
/// assert!(matches!(read_date(&json!({"date-parts": [[2020, 13, 5]]})), Some(Value::Text(_))));
/// ```
pub fn read_date(v: &Json) -> Option<Value> {
    date_value(v).0
}

/// Why a date object is kept as text: what is wrong, and where (from the date object).
#[derive(Debug)]
pub(super) struct DateIssue {
    pub path: Vec<Seg>,
    pub what: String,
}

/// An integer date part: a JSON integer, or a string holding one.
fn date_int(x: &Json) -> Option<i64> {
    match x {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A date part as written, for messages and text.
fn shown(x: &Json) -> String {
    match x {
        Json::String(s) => s.trim().to_string(),
        Json::Number(n) => n.to_string(),
        x => x.to_string(),
    }
}

/// A month number as CSL processors read it: 1–12 a month; 13–16 and 17–20 (citeproc-js)
/// and 21–24 (EDTF) the seasons spring, summer, autumn, winter.
enum Month {
    Month(u8),
    Season(Season),
}

fn month(m: i64) -> Option<Month> {
    let m = u8::try_from(m).ok()?;
    Some(match m {
        1..=12 => Month::Month(m),
        13..=16 => Month::Season(Season::from_code(m - 12)?),
        17..=20 => Month::Season(Season::from_code(m - 16)?),
        21..=24 => Month::Season(Season::from_code(m)?),
        _ => return None,
    })
}

/// A CSL `season` value: 1–4, 21–24, or a season's name.
fn season_of(v: &Json) -> Option<Season> {
    match v {
        Json::String(s) => crate::date::season_from_name(s)
            .or_else(|| s.trim().parse::<u8>().ok().and_then(Season::from_code)),
        v => date_int(v)
            .and_then(|n| u8::try_from(n).ok())
            .and_then(Season::from_code),
    }
}

fn truthy(x: Option<&Json>) -> bool {
    match x {
        Some(Json::Bool(b)) => *b,
        Some(Json::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
        Some(Json::String(s)) => !s.is_empty() && s != "0" && s != "false",
        _ => false,
    }
}

/// Whether a property of a date object says nothing (absent, `null` or an empty string).
fn blank(x: Option<&Json>) -> bool {
    match x {
        None | Some(Json::Null) => true,
        Some(Json::String(s)) => s.trim().is_empty(),
        _ => false,
    }
}

/// Reads `date-parts` (with `circa` and `season`): the date, `Ok(None)` when it holds none,
/// or what makes it no date (and, for a range that ends before it starts, its text).
fn date_parts(
    dp: &Json,
    obj: &Map<String, Json>,
    issues: &mut Vec<DateIssue>,
) -> Result<Option<Date>, Option<String>> {
    let at = |path: &[Seg]| {
        let mut p = vec![Seg::Key("date-parts")];
        p.extend_from_slice(path);
        p
    };
    let mut issue = |path: Vec<Seg>, what: String| issues.push(DateIssue { path, what });
    let Some(ends) = dp.as_array() else {
        issue(
            at(&[]),
            format!(
                "`date-parts` should be an array of dates, found `{}`",
                shown(dp)
            ),
        );
        return Err(None);
    };
    if ends.is_empty() {
        return Ok(None);
    }
    if ends.len() > 2 {
        issue(
            at(&[Seg::Index(2)]),
            format!(
                "`date-parts` has {} dates; a date or a range has at most two",
                ends.len()
            ),
        );
    }
    let mut bad = ends.len() > 2;
    let circa = truthy(obj.get("circa"));
    let mut parts = Vec::new();
    let mut unknown_end = false;
    for (i, end) in ends.iter().take(2).enumerate() {
        let Some(p) = end.as_array() else {
            issue(
                at(&[Seg::Index(i)]),
                format!(
                    "a date should be an array of numbers, found `{}`",
                    shown(end)
                ),
            );
            bad = true;
            continue;
        };
        // Trailing empty parts say nothing.
        let n = p.len()
            - p.iter()
                .rev()
                .take_while(|x| matches!(x, Json::String(s) if s.trim().is_empty()))
                .count();
        let p = &p[..n];
        let part = |j: usize| at(&[Seg::Index(i), Seg::Index(j)]);
        if p.is_empty() {
            issue(at(&[Seg::Index(i)]), "an empty date".to_string());
            bad = true;
            continue;
        }
        if p.len() > 3 {
            issue(
                part(3),
                "a date has at most a year, a month and a day".to_string(),
            );
            bad = true;
        }
        let Some(y) = date_int(&p[0]) else {
            issue(part(0), format!("year `{}` is no number", shown(&p[0])));
            bad = true;
            continue;
        };
        if i == 1 && y == 0 && p.len() == 1 {
            // `[0]` ends a range whose end is not known (`2014-12-31/`).
            unknown_end = true;
            continue;
        }
        if y == 0 {
            issue(
                part(0),
                "CSL has no year 0 (1 BC is -1, 2 BC is -2)".to_string(),
            );
            bad = true;
            continue;
        }
        let year = astronomical(y);
        let m = match p.get(1) {
            None => None,
            Some(x) => match date_int(x).and_then(month) {
                Some(m) => Some(m),
                None => {
                    issue(
                        part(1),
                        format!("`{}` is no month (1–12) or season (13–16, 21–24)", shown(x)),
                    );
                    bad = true;
                    continue;
                }
            },
        };
        let day = match p.get(2) {
            None => None,
            Some(x) => {
                let d = date_int(x);
                match (&m, d) {
                    (Some(Month::Month(mm)), Some(d))
                        if d >= 1 && d <= i64::from(crate::date::days_in_month(year, *mm)) =>
                    {
                        Some(d as u8)
                    }
                    (Some(Month::Season(_)), _) => {
                        issue(
                            part(2),
                            format!("day `{}` in a season (month {})", shown(x), shown(&p[1])),
                        );
                        bad = true;
                        continue;
                    }
                    _ => {
                        issue(
                            part(2),
                            format!(
                                "`{}` is no day of {}-{}",
                                shown(x),
                                shown(&p[0]),
                                shown(&p[1])
                            ),
                        );
                        bad = true;
                        continue;
                    }
                }
            }
        };
        let mut part = match (m, day) {
            (None, _) => DatePart::year(year),
            (Some(Month::Season(s)), _) => {
                let mut d = DatePart::year(year);
                d.season = Some(s);
                d
            }
            (Some(Month::Month(m)), None) => DatePart::ym(year, m),
            (Some(Month::Month(m)), Some(d)) => DatePart::ymd(year, m, d),
        };
        part.approximate = circa;
        parts.push(part);
    }
    if !blank(obj.get("season")) {
        let v = &obj["season"];
        match season_of(v) {
            None => {
                issue(
                    vec![Seg::Key("season")],
                    format!("season `{}` is no season (1–4 or a name)", shown(v)),
                );
                bad = true;
            }
            Some(s) => match (parts.len(), unknown_end, parts.first_mut()) {
                (1, false, Some(p)) if p.month.is_none() && p.season.is_none_or(|x| x == s) => {
                    p.season = Some(s);
                }
                _ if bad => {}
                _ => {
                    issue(
                        vec![Seg::Key("season")],
                        format!(
                            "season `{}` on a date that has a month or is a range",
                            shown(v)
                        ),
                    );
                    bad = true;
                }
            },
        }
    }
    if bad {
        return Err(None);
    }
    Ok(match parts.len() {
        0 => None,
        1 if unknown_end => Some(Date::Range(
            RangeEnd::Known(parts.remove(0)),
            RangeEnd::Unknown,
        )),
        1 => Some(Date::Single(parts.remove(0))),
        _ => {
            let b = parts.pop().expect("two ends");
            let a = parts.pop().expect("two ends");
            let d = Date::Range(RangeEnd::Known(a), RangeEnd::Known(b));
            if crate::date::parse_edtf(&d.to_string()).is_none() {
                // A range that ends before it starts is no date EDTF can hold.
                issues.push(DateIssue {
                    path: at(&[Seg::Index(1)]),
                    what: "the range ends before it starts".to_string(),
                });
                return Err(Some(d.to_string()));
            }
            Some(d)
        }
    })
}

/// The text of a date object that is no date: its `date-parts` as written (parts joined by
/// `-`, the ends of a range by `/`), after its `season` and with `ca.` when it is `circa`;
/// the object's JSON when that text would read as a date.
fn date_text(obj: &Map<String, Json>) -> String {
    let mut t = match obj.get("date-parts") {
        Some(Json::Array(ends)) => ends
            .iter()
            .map(|e| match e {
                Json::Array(p) => p.iter().map(shown).collect::<Vec<_>>().join("-"),
                e => shown(e),
            })
            .collect::<Vec<_>>()
            .join("/"),
        Some(other) => shown(other),
        None => String::new(),
    };
    if !blank(obj.get("season")) {
        t = format!("{} {t}", shown(&obj["season"]));
    }
    if truthy(obj.get("circa")) {
        t = format!("ca. {t}");
    }
    if t.trim().is_empty() || crate::date::parse(&t).is_some() {
        t = Json::Object(obj.clone()).to_string();
    }
    t
}

/// A date variable's value, and why it is kept as text (when it is).
pub(super) fn date_value(v: &Json) -> (Option<Value>, Vec<DateIssue>) {
    if let Some(s) = v.as_str() {
        return (
            Some(match crate::date::parse(s) {
                Some(d) => Value::date(d),
                None => Value::text(s),
            }),
            Vec::new(),
        );
    }
    let Some(obj) = v.as_object() else {
        return (None, Vec::new());
    };
    let raw = obj
        .get("raw")
        .and_then(Json::as_str)
        .filter(|s| !s.trim().is_empty());
    let raw_date = raw.and_then(crate::date::parse);
    let mut issues = Vec::new();
    if let Some(dp) = obj.get("date-parts") {
        match date_parts(dp, obj, &mut issues) {
            Ok(Some(d)) => {
                // `raw` saying the same date with more detail (as bibkit writes it) wins.
                if let Some(r) = raw_date.filter(|r| same_parts(r, &d)) {
                    return (Some(Value::date(r)), issues);
                }
                return (Some(Value::date(d)), issues);
            }
            Ok(None) => {}
            Err(text) => {
                let text = text.unwrap_or_else(|| date_text(obj));
                return (Some(Value::text(text)), issues);
            }
        }
    }
    if let Some(raw) = raw {
        return (
            Some(match raw_date {
                Some(d) => Value::date(d),
                None => Value::text(raw),
            }),
            issues,
        );
    }
    let literal = obj
        .get("literal")
        .and_then(Json::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(Value::text);
    (literal, issues)
}

/// Whether two dates have the same years, months, days and seasons.
fn same_parts(a: &Date, b: &Date) -> bool {
    let key = |p: &DatePart| (p.year, p.month, p.day, p.season);
    let end = |x: &RangeEnd, y: &RangeEnd| match (x, y) {
        (RangeEnd::Known(x), RangeEnd::Known(y)) => key(x) == key(y),
        (RangeEnd::Known(_), _) | (_, RangeEnd::Known(_)) => false,
        _ => true,
    };
    match (a, b) {
        (Date::Single(x), Date::Single(y)) => key(x) == key(y),
        (Date::Range(x1, x2), Date::Range(y1, y2)) => end(x1, y1) && end(x2, y2),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(s: &str, nocase: bool) -> Vec<Chunk> {
        rich(s, nocase).chunks().to_vec()
    }

    #[test]
    fn rich_text() {
        assert_eq!(chunks("plain", true), vec![Chunk::Plain("plain".into())]);
        assert_eq!(
            chunks(
                "The <i>E. coli & co</i> <span class=\"nocase\">DNA</span>",
                true
            ),
            vec![
                Chunk::Plain("The ".into()),
                Chunk::Raw("\\textit{E. coli \\& co}".into()),
                Chunk::Plain(" ".into()),
                Chunk::Protected("DNA".into()),
            ]
        );
        assert_eq!(
            chunks("<span class=\"nocase\">DNA</span>", false),
            vec![Chunk::Plain("<span class=\"nocase\">DNA</span>".into())]
        );
        assert_eq!(chunks("a < b", true), vec![Chunk::Plain("a < b".into())]);
        assert_eq!(
            chunks("x<sup>2</sup> <b>bold <i>both", true),
            vec![
                Chunk::Plain("x".into()),
                Chunk::Raw("\\textsuperscript{2}".into()),
                Chunk::Plain(" ".into()),
                Chunk::Raw("\\textbf{bold \\textit{both}}".into()),
            ]
        );
    }

    #[test]
    fn names() {
        let list = read_names(&serde_json::json!([
            {"family": "Rosmalen", "given": "Ruud", "non-dropping-particle": "van"},
            {"literal": "WHO"},
            {"literal": "others"}
        ]))
        .unwrap();
        assert!(list.truncated);
        assert_eq!(list.names.len(), 2);
        assert_eq!(list.names[0].to_string(), "Ruud van Rosmalen");
    }

    #[test]
    fn broken_items_are_skipped_and_the_rest_read() {
        let text = "[\n  {\"id\": \"a\", \"type\": \"book\"},\n  {\"id\": \"b\", \"type\": book},\n  {\"id\": \"c\", \"type\": \"book\"}\n]\n";
        let p = read(text);
        let keys: Vec<&str> = p.bibliography.keys().collect();
        assert_eq!(keys, ["a", "c"]);
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!((p.diagnostics[0].line, p.diagnostics[0].column), (3, 23));

        let p = read(
            "[{\"id\": \"a\", \"type\": \"book\"},{\"id\": \"b\" \"type\": \"book\"},{\"id\": \"c\", \"type\": \"book\"}]",
        );
        let keys: Vec<&str> = p.bibliography.keys().collect();
        assert_eq!(keys, ["a", "c"]);

        let p = read("[{\"id\": \"a\", \"type\": \"book\"},\n  {\"id\": \"b\", \"ti");
        assert_eq!(p.bibliography.entries.len(), 1);
        assert!(p.has_errors());
    }

    #[test]
    fn truncated_and_odd_inputs() {
        for text in [
            "",
            "[",
            "{",
            "[1, 2]",
            "null",
            "[{]",
            "\u{feff}[]",
            "[{\"id\": 5}]",
        ] {
            let _ = read(text);
        }
        let p = read("[{\"id\": 5}]");
        assert_eq!(p.bibliography.entries[0].key, "5");
        assert_eq!(p.bibliography.entries[0].kind, "misc");
    }
}
