//! The CSL-JSON reader (see the module docs for the mapping).

use std::borrow::Cow;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};
use unicode_normalization::{UnicodeNormalization, is_nfc};

use super::{
    Class, DATE_VARIABLES, NAME_VARIABLES, When, bib_type, class, is_source, is_title_variable,
    is_variable, sources, subtitle_of, type_key,
};
use crate::diagnostic::{Diagnostic, LineIndex, Severity};
use crate::formats::Parsed;
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
    pub fn new() -> Self {
        Self::default()
    }

    /// The file name to put in diagnostics and entry origins.
    pub fn file(mut self, name: impl Into<Arc<str>>) -> Self {
        self.file = Some(name.into());
        self
    }

    /// Reads CSL-JSON text.
    pub fn read(&self, text: &str) -> Parsed {
        let lines = LineIndex::new(text);
        let mut diags = Vec::new();
        let items: Vec<(usize, &str, Result<Json, serde_json::Error>)> =
            split_items(text, &mut diags)
                .into_iter()
                .map(|(start, raw)| (start, raw, serde_json::from_str::<Json>(raw)))
                .collect();
        // Items without an id get generated keys that no other item has.
        let mut keys = crate::keys::KeyGenerator::new();
        for (_, _, v) in &items {
            if let Ok(Json::Object(map)) = v {
                for k in ["citation-key", "id"] {
                    if let Some(s) = map.get(k).and_then(id_string) {
                        keys.reserve(&s);
                    }
                }
            }
        }
        let mut entries = Vec::with_capacity(items.len());
        for (start, raw, parsed) in items {
            let span = Span::new(start, start + raw.len());
            let (line, column) = lines.line_col(text, start);
            let map = match parsed {
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
                    continue;
                }
                Err(e) => {
                    diags.push(
                        Diagnostic::new(Severity::Error, "csl-syntax", e.to_string())
                            .at_line_col(span, 0, 0),
                    );
                    continue;
                }
            };
            let mut item_diags = Vec::new();
            let mut entry = item(&map, raw, start, &mut item_diags);
            if entry.key.is_empty() {
                entry.key = keys.generate(&entry);
                item_diags.push(
                    Diagnostic::new(
                        Severity::Warning,
                        "missing-key",
                        format!("item has no `id`; its key is `{}`", entry.key),
                    )
                    .at_line_col(span, 0, 0),
                );
            }
            entry.origin = Some(Origin {
                file: self.file.clone(),
                span,
                line,
                column,
            });
            for mut d in item_diags {
                if d.key.is_none() {
                    d = d.with_key(entry.key.clone());
                }
                diags.push(d);
            }
            entries.push(entry);
        }
        for d in &mut diags {
            if d.line == 0 {
                let (l, c) = lines.line_col(text, d.span.start);
                d.line = l;
                d.column = c;
            }
            if d.file.is_none() {
                d.file = self.file.clone();
            }
        }
        diags.sort_by_key(|d| (d.line, d.column));
        Parsed {
            bibliography: Bibliography {
                entries,
                ..Default::default()
            },
            diagnostics: diags,
        }
    }
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

/// The byte offset of line `line` (1-based), column `col` (1-based, in characters) of `s`.
fn offset_of(s: &str, line: usize, col: usize) -> usize {
    let mut off = 0;
    for (i, l) in s.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return off
                + l.char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(l.len(), |(b, _)| b);
        }
        off += l.len();
    }
    s.len()
}

fn skip_ws(text: &str, mut pos: usize) -> usize {
    let b = text.as_bytes();
    while pos < b.len() && matches!(b[pos], b' ' | b'\t' | b'\n' | b'\r') {
        pos += 1;
    }
    pos
}

/// Splits the top-level array into items (byte offset and text of each). A syntax error
/// is reported and reading goes on at the next item that starts on a line of its own at the
/// same indentation (or after the next `},{`).
fn split_items<'a>(text: &'a str, diags: &mut Vec<Diagnostic>) -> Vec<(usize, &'a str)> {
    let mut items = Vec::new();
    let mut pos = skip_ws(text, text.strip_prefix('\u{feff}').map_or(0, |_| 3));
    let b = text.as_bytes();
    let error = |at: usize, msg: String| {
        Diagnostic::new(Severity::Error, "csl-syntax", msg).at_line_col(Span::new(at, at), 0, 0)
    };
    match b.get(pos) {
        Some(b'[') => pos += 1,
        Some(b'{') => {
            // A single item.
            match one_value(text, pos) {
                Ok((raw, end)) => {
                    items.push((pos, raw));
                    let rest = skip_ws(text, end);
                    if rest < text.len() {
                        diags.push(error(rest, "text after the item is ignored".into()));
                    }
                }
                Err(d) => diags.push(d),
            }
            return items;
        }
        None => {
            diags.push(error(
                pos,
                "empty input: expected a JSON array of CSL items".into(),
            ));
            return items;
        }
        Some(_) => {
            diags.push(error(
                pos,
                "expected a JSON array of CSL items (`[`)".into(),
            ));
            return items;
        }
    }
    loop {
        pos = skip_ws(text, pos);
        match b.get(pos) {
            None => {
                diags.push(error(
                    pos,
                    "the array of items is not closed (`]` missing)".into(),
                ));
                break;
            }
            Some(b']') => {
                let rest = skip_ws(text, pos + 1);
                if rest < text.len() {
                    diags.push(error(rest, "text after the array is ignored".into()));
                }
                break;
            }
            Some(b',') if items.is_empty() => {
                diags.push(error(pos, "unexpected `,`".into()));
                pos += 1;
                continue;
            }
            _ => {}
        }
        match one_value(text, pos) {
            Ok((raw, end)) => {
                items.push((pos, raw));
                pos = skip_ws(text, end);
                match b.get(pos) {
                    Some(b',') => pos += 1,
                    Some(b']') | None => {}
                    Some(_) => {
                        diags.push(error(pos, "expected `,` or `]` after an item".into()));
                        match resync(text, pos, pos) {
                            Some(next) => pos = next,
                            None => break,
                        }
                    }
                }
            }
            Err(d) => {
                let at = d.span.start;
                diags.push(d);
                match resync(text, pos, at) {
                    Some(next) => pos = next,
                    None => break,
                }
            }
        }
    }
    items
}

/// Parses one JSON value at `pos`: its text and the offset after it.
fn one_value(text: &str, pos: usize) -> Result<(&str, usize), Diagnostic> {
    let rest = &text[pos..];
    let mut de = serde_json::Deserializer::from_str(rest);
    match <&RawValue>::deserialize(&mut de) {
        Ok(raw) => {
            let s = raw.get();
            let start = s.as_ptr() as usize - text.as_ptr() as usize;
            Ok((s, start + s.len()))
        }
        Err(e) => {
            let at = pos + offset_of(rest, e.line(), e.column()).min(rest.len());
            let msg = e.to_string();
            // serde_json appends " at line L column C" relative to the item: drop it, the
            // diagnostic carries the real position.
            let msg = msg
                .rfind(" at line ")
                .map_or(msg.as_str(), |i| &msg[..i])
                .to_string();
            Err(Diagnostic::new(
                Severity::Error,
                "csl-syntax",
                format!("{msg}; the item is skipped"),
            )
            .at_line_col(Span::new(at, at), 0, 0))
        }
    }
}

/// Where to go on after a broken item that started at `start`: the next line that opens an
/// object at the item's indentation, or the object after the next `},` + `{`.
fn resync(text: &str, start: usize, err: usize) -> Option<usize> {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..start];
    let own_line = indent.bytes().all(|b| b == b' ' || b == b'\t');
    let mut from = err.max(start + 1).min(text.len());
    while !text.is_char_boundary(from) {
        from += 1;
    }
    if own_line {
        let mut off = from;
        for line in text[from..].split_inclusive('\n') {
            let line_off = off;
            off += line.len();
            if line_off == from && from != 0 && text.as_bytes()[from - 1] != b'\n' {
                continue;
            }
            if let Some(rest) = line.strip_prefix(indent) {
                if rest.starts_with('{') {
                    return Some(line_off + indent.len());
                }
            }
        }
        return None;
    }
    let b = text.as_bytes();
    let mut i = from;
    while let Some(j) = text[i..].find('}') {
        let k = skip_ws(text, i + j + 1);
        if b.get(k) == Some(&b',') {
            let m = skip_ws(text, k + 1);
            if b.get(m) == Some(&b'{') {
                return Some(m);
            }
        }
        i += j + 1;
    }
    None
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
fn target(var: &str, kind: &str, e: &Entry, v: &Json) -> (Cow<'static, str>, bool) {
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
            return target(own, kind, e, v);
        }
        let lower = var.to_ascii_lowercase();
        if is_source(&lower) {
            return (Cow::Owned(format!("csl-{var}")), false);
        }
        let before = e.get(&lower).is_some();
        return (crate::model::field_name(&lower), before);
    }
    let present = srcs
        .iter()
        .position(|s| e.get(s.field).is_some())
        .unwrap_or(srcs.len());
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

/// Reads one item.
fn item(map: &Map<String, Json>, raw: &str, start: usize, diags: &mut Vec<Diagnostic>) -> Entry {
    // The position of a property in the item, for messages.
    let at = |key: &str| {
        let needle = format!("\"{key}\"");
        let off = raw.find(&needle).map_or(0, |i| i);
        Span::new(start + off, start + off + needle.len())
    };
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
                .at_line_col(Span::new(start, start + 1), 0, 0),
            );
            "document".to_string()
        }
    };
    let (kind, subtype) = bib_type(&csl_type);
    let mut e = Entry::new(key.clone(), kind);
    if let (Some(id), true) = (&id, id.as_deref() != Some(key.as_str())) {
        e.fields.push(field("id", Value::Verbatim(id.clone())));
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
                e.fields.push(field(&name, custom_value(&name, &text)));
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
        e.kind = k;
    }
    let kind_now = e.kind.clone();
    if let Some(sub) = subtype {
        if e.get("entrysubtype").is_none() {
            e.fields.push(field("entrysubtype", Value::text(sub)));
        }
    }

    let arxiv_eprint = match (e.get("eprint"), e.get("eprinttype")) {
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
                    e.fields.push(field("custom", Value::text(json_text(v))));
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
            if e.get(&name).is_none() {
                let text = scalar(v).unwrap_or_else(|| v.to_string());
                e.fields.push(field(&name, custom_value(&name, &text)));
            }
            continue;
        }
        if var == "number" && arxiv_eprint.as_deref() == v.as_str() {
            // Written from the arXiv `eprint` in `custom`.
            continue;
        }
        let (name, before) = target(var, &kind_now, &e, v);
        let value = if NAME_VARIABLES.contains(&var.as_str()) {
            match read_names(v) {
                Some(list) => Value::Names(list),
                None => {
                    diags.push(bad(var, "a list of names", v, at(var)));
                    continue;
                }
            }
        } else if DATE_VARIABLES.contains(&var.as_str()) {
            match read_date(v) {
                Some(Value::Text(t)) if v.get("date-parts").is_some() => {
                    diags.push(
                        Diagnostic::new(
                            Severity::Warning,
                            "date",
                            format!(
                                "`{var}` is no valid date (`{}`); kept as text",
                                t.to_plain_string()
                            ),
                        )
                        .at_line_col(at(var), 0, 0),
                    );
                    Value::Text(t)
                }
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
            string_value(var, &name, &s, &mut e)
        };
        if name == "eprint" {
            let t = if var == "PMID" { "pubmed" } else { "pmc" };
            if e.get("eprinttype").is_none() {
                e.fields.push(field("eprinttype", Value::text(t)));
            }
        }
        let at = if before {
            e.fields.iter().position(|f| f.name == name)
        } else {
            None
        };
        let f = Field {
            name,
            value,
            span: None,
            inherited: false,
        };
        match at {
            Some(i) => e.fields.insert(i, f),
            None => e.fields.push(f),
        }
    }
    e
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
fn string_value(var: &str, name: &str, s: &str, e: &mut Entry) -> Value {
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
    // LaTeX of the formatted run being built (while a format tag is open).
    let mut raw = String::new();
    let mut rest = s;
    let push_text = |out: &mut Text, raw: &mut String, stack: &[Tag], t: &str| {
        if t.is_empty() {
            return;
        }
        let t = &t.replace("&lt;", "<");
        if stack.iter().any(|t| matches!(t, Tag::Format(..))) {
            raw.push_str(&latex::escape_str(t, &enc));
        } else if stack.contains(&Tag::NoCase) {
            out.push(Chunk::Protected(t.to_string()));
        } else {
            out.push(Chunk::Plain(t.to_string()));
        }
    };
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &mut raw, &stack, &rest[..lt]);
        rest = &rest[lt..];
        let Some(gt) = rest.find('>') else { break };
        let tag = &rest[..=gt];
        let formatted = stack.iter().any(|t| matches!(t, Tag::Format(..)));
        if let (Some(t), true) = (open_tag(tag), stack.len() < 32) {
            match t {
                Tag::Format(cmd, _) => raw.push_str(cmd),
                Tag::NoCase if formatted => raw.push('{'),
                Tag::NoCase => {}
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
                    if !still {
                        out.push(Chunk::Raw(std::mem::take(&mut raw)));
                    }
                }
                Some(Tag::NoCase) if still => raw.push('}'),
                _ => {}
            }
            rest = &rest[gt + 1..];
            continue;
        }
        // Not markup: literal text.
        push_text(&mut out, &mut raw, &stack, tag);
        rest = &rest[gt + 1..];
    }
    push_text(&mut out, &mut raw, &stack, rest);
    if !raw.is_empty() {
        // Unclosed tags: close them.
        for t in stack.iter().rev() {
            if matches!(t, Tag::Format(..)) || stack.iter().any(|t| matches!(t, Tag::Format(..))) {
                raw.push('}');
            }
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
/// `season` (or months 13–16, or 21–24, as seasons); `raw` through bibkit's date parser
/// ([`crate::date::parse`]) — preferred when it says the same date with more (an uncertain
/// date, a time); `literal` kept as written. An EDTF string in place of the object (as some
/// exporters write) is read too. Returns `None` for an empty or unreadable date.
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
/// ```
pub fn read_date(v: &Json) -> Option<Value> {
    if let Some(s) = v.as_str() {
        return Some(match crate::date::parse(s) {
            Some(d) => Value::date(d),
            None => Value::text(s),
        });
    }
    let obj = v.as_object()?;
    let num = |x: &Json| -> Option<i64> {
        match x {
            Json::Number(n) => n.as_i64(),
            Json::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let truthy = |x: Option<&Json>| match x {
        Some(Json::Bool(b)) => *b,
        Some(Json::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
        Some(Json::String(s)) => !s.is_empty() && s != "0" && s != "false",
        _ => false,
    };
    let raw = obj
        .get("raw")
        .and_then(Json::as_str)
        .filter(|s| !s.trim().is_empty());
    let raw_date = raw.and_then(crate::date::parse);
    if let Some(parts) = obj.get("date-parts").and_then(Json::as_array) {
        let mut ends = Vec::new();
        let mut unknown_end = false;
        for (i, p) in parts.iter().take(2).enumerate() {
            let Some(p) = p.as_array() else { break };
            let Some(y) = p.first().and_then(num) else {
                break;
            };
            if i == 1 && y == 0 && p.len() == 1 {
                // `[0]` ends a range whose end is not known (`2014-12-31/`).
                unknown_end = true;
                break;
            }
            let m = p.get(1).and_then(num).and_then(|m| u8::try_from(m).ok());
            let d = p.get(2).and_then(num).and_then(|d| u8::try_from(d).ok());
            let y = astronomical(y);
            let season = match m {
                Some(13..=16) => m.and_then(|m| Season::from_code(m + 8)),
                Some(21..=24) => m.and_then(Season::from_code),
                _ => None,
            };
            let mut part = match season {
                Some(s) => {
                    let mut p = DatePart::year(y);
                    p.season = Some(s);
                    p
                }
                None => match crate::date::checked(y, m, d.filter(|_| m.is_some())) {
                    Some(p) => p,
                    None => break,
                },
            };
            part.approximate = truthy(obj.get("circa"));
            ends.push(part);
        }
        if let (1, Some(season)) = (ends.len(), obj.get("season")) {
            let code = match season {
                Json::String(s) => crate::date::season_from_name(s).map(|s| s.code()),
                other => num(other).and_then(|n| u8::try_from(n).ok()),
            };
            if let (Some(s), true) = (code.and_then(Season::from_code), ends[0].month.is_none()) {
                ends[0].season = Some(s);
            }
        }
        let date = match ends.len() {
            0 => None,
            1 if unknown_end => Some(Date::Range(
                RangeEnd::Known(ends.remove(0)),
                RangeEnd::Unknown,
            )),
            1 => Some(Date::Single(ends.remove(0))),
            _ => {
                let b = ends.pop()?;
                let a = ends.pop()?;
                let d = Date::Range(RangeEnd::Known(a), RangeEnd::Known(b));
                if crate::date::parse_edtf(&d.to_string()).is_none() {
                    // A range that ends before it starts is no date EDTF can hold.
                    return Some(Value::text(d.to_string()));
                }
                Some(d)
            }
        };
        if let Some(d) = date {
            // `raw` saying the same date with more detail (as bibkit writes it) wins.
            if let Some(r) = raw_date.filter(|r| same_parts(r, &d)) {
                return Some(Value::date(r));
            }
            return Some(Value::date(d));
        }
    }
    if let Some(raw) = raw {
        return Some(match raw_date {
            Some(d) => Value::date(d),
            None => Value::text(raw),
        });
    }
    obj.get("literal")
        .and_then(Json::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(Value::text)
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
