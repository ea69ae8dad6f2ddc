//! CSL-YAML: CSL-JSON items written as YAML, as pandoc reads and writes them — a
//! `references:` list in a YAML document (often the `---` front matter of a Markdown
//! file), or a top-level list of items. A reader and a writer.
//!
//! Items are read as [`csl_json`](super::csl_json) reads them (the same mapping, the same
//! diagnostics), after the YAML forms pandoc and Better BibTeX write are brought to
//! CSL-JSON's: a date as text (`issued: 2020-03-04`), as a mapping of `year`, `month`,
//! `day`, `season` and `circa`, or as a list of two such mappings (a range); a single name
//! as a mapping instead of a list, `given` names as a list. Keys are the items' ids.
//!
//! A YAML syntax error is an error (`csl-yaml-syntax`, with its line): the items after
//! the broken one are read from the next item of the list on. An item that is not a
//! mapping (or is cut short, nested too deep, or made of aliases that copy more than the
//! input holds) is an error (`csl-yaml-item`) and is skipped.
//!
//! ```
//! let parsed = bibkit::formats::csl_yaml::read("---
//! references:
//! - id: doe2020
//!   type: article-journal
//!   author:
//!   - family: Doe
//!     given: Jane
//!   issued: 2020-05
//!   container-title: Nature
//! ...
//! ");
//! let e = &parsed.bibliography.entries[0];
//! assert_eq!((e.key.as_str(), e.kind.as_str()), ("doe2020", "article"));
//! assert_eq!(e.get("date").unwrap().to_string(), "2020-05");
//! assert_eq!(e.get("journaltitle").unwrap().to_string(), "Nature");
//! // And back.
//! let yaml = bibkit::formats::csl_yaml::to_string(&parsed.bibliography);
//! assert!(yaml.starts_with("---\nreferences:\n  - id: doe2020\n    type: article-journal\n"));
//! assert!(yaml.ends_with("\n...\n"));
//! ```

use std::sync::Arc;

use serde_json::{Map, Value as Json};

use super::yaml_tree::{self, Base, Kind, Node};
use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::Parsed;
use crate::keys::KeyGenerator;
use crate::model::{Bibliography, Entry, Origin, Span};

/// Reads CSL-YAML (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct CslYamlReader {
    file: Option<Arc<str>>,
}

/// Reads CSL-YAML text (see [`CslYamlReader`]).
pub fn read(text: &str) -> Parsed {
    CslYamlReader::new().read(text)
}

/// Whether `text` looks like CSL-YAML: a YAML document (or Markdown front matter) with a
/// top-level `references:` list whose items have `id:` or `type:`, or a top-level list
/// whose first item has both `id:` and `type:`. CFF (`cff-version:`, whose `references`
/// have no `id`) is not.
///
/// ```
/// use bibkit::formats::csl_yaml::sniff;
/// assert!(sniff("---\ntitle: Notes\nreferences:\n- id: a\n  type: book\n---\n\n# Text\n"));
/// assert!(sniff("- id: a\n  title: T\n  type: book\n"));
/// assert!(!sniff("cff-version: 1.2.0\nreferences:\n  - type: book\n    title: T\n"));
/// assert!(!sniff("harry:\n  type: Book\n  title: Harry Potter\n"));
/// ```
pub fn sniff(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines().map(|l| l.trim_end()).filter(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    });
    let mut first = true;
    let mut in_refs = false;
    let mut top_list = false;
    let (mut id, mut ty) = (false, false);
    for l in lines.by_ref().take(400) {
        if first && l == "---" {
            first = false;
            continue;
        }
        let top = !l.starts_with(char::is_whitespace);
        if l.starts_with("cff-version") {
            return false;
        }
        if first && (l.starts_with("- ") || l == "-") {
            top_list = true;
        }
        first = false;
        if top_list {
            if top && !l.starts_with('-') {
                return false;
            }
            if l.starts_with('-') && (id || ty) {
                // The first item ended.
                break;
            }
        } else if top {
            if in_refs && !l.starts_with('-') {
                in_refs = false;
                if id || ty {
                    break;
                }
            }
            if l == "---" || l == "..." {
                break;
            }
            if l == "references:" {
                in_refs = true;
            }
            if !in_refs {
                continue;
            }
        }
        if top_list || in_refs {
            let t = l.trim_start().trim_start_matches("- ").trim_start();
            id |= t.starts_with("id:");
            ty |= t.starts_with("type:");
            if !top_list && (id || ty) && l.trim_start().starts_with("- ") {
                return !text.lines().any(|l| l.starts_with("cff-version"));
            }
        }
    }
    if top_list {
        return id && ty;
    }
    id || ty
}

impl CslYamlReader {
    /// A reader.
    pub fn new() -> Self {
        CslYamlReader::default()
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

    fn error(
        &self,
        severity: Severity,
        rule: &'static str,
        message: String,
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

    /// Reads `text`; items without an id take keys from `keys`.
    pub fn read_with_keys(&self, text: &str, keys: &mut KeyGenerator) -> Parsed {
        let mut out = Parsed::default();
        let mut budget = text.len().saturating_mul(4).saturating_add(1 << 20);
        let mut base = Base {
            ascii: text.is_ascii(),
            ..Base::default()
        };
        if text.starts_with('\u{feff}') {
            base.byte = 3;
        }
        let mut items: Vec<Node> = Vec::new();
        // Text parsed again after errors, at most a few times the input (one unclosed
        // bracket per item must not cost quadratic time).
        let (mut parsed, work) = (0usize, text.len().saturating_mul(4).saturating_add(1 << 16));
        // The indentation of the list's `-`, once known (for resuming after an error).
        let mut indent: Option<usize> = None;
        loop {
            let loaded = yaml_tree::load(&text[base.byte..], base, &mut budget);
            let resumed = indent.is_some();
            let list = match loaded.root {
                Some(n) if resumed || matches!(n.kind, Kind::Seq(_)) => Some(n),
                Some(n) => match n.get("references") {
                    // (Moved out of the document, not copied.)
                    Some(r) if matches!(r.kind, Kind::Seq(_)) => take(n, "references"),
                    Some(r) => {
                        out.diagnostics.push(self.error(
                            Severity::Error,
                            "csl-yaml-syntax",
                            format!("`references` should be a list of items, found {}", r.what()),
                            r,
                        ));
                        None
                    }
                    None if n.map().is_some() && !n.incomplete => {
                        out.diagnostics.push(self.error(Severity::Error, "csl-yaml-syntax",
                            "a CSL-YAML document has a `references:` list of items, or is a list of items; this one has neither".into(),
                            &n,
                        ));
                        None
                    }
                    None if n.incomplete => None,
                    None => {
                        out.diagnostics.push(self.error(Severity::Error, "csl-yaml-syntax",
                            format!("a CSL-YAML document is a list of items, or has a `references:` list; found {}", n.what()),
                            &n,
                        ));
                        None
                    }
                },
                None => None,
            };
            // Where the item a syntax error cut short starts: the next one is after it.
            let mut cut = None;
            if let Some(l) = list {
                if let Kind::Seq(v) = &l.kind {
                    cut = v.last().filter(|x| x.incomplete).map(|x| (x.at, x.line));
                }
                if indent.is_none() {
                    let line_start = text[..l.at].rfind('\n').map_or(0, |i| i + 1);
                    // (The list's position is its first item's, after the `- `.)
                    let before = &text[line_start..l.at];
                    indent = Some(before.find('-').unwrap_or(before.len()));
                }
                if let Kind::Seq(v) = l.kind {
                    items.extend(v);
                }
            }
            let Some(e) = loaded.error else { break };
            let mut d = Diagnostic::new(
                Severity::Error,
                "csl-yaml-syntax",
                format!("YAML syntax error: {}; the item is skipped", e.message),
            )
            .at_line_col(Span::new(e.at, e.at), e.line, e.col);
            d.file = self.file.clone();
            out.diagnostics.push(d);
            let Some(ind) = indent else { break };
            // (What the parser read before the error; an unclosed bracket reads on.)
            parsed += e.at.saturating_sub(base.byte) + 1;
            if parsed > work {
                let mut d = Diagnostic::new(
                    Severity::Error,
                    "csl-yaml-syntax",
                    "so many syntax errors that reading again after each would cost more than a few readings of the whole input; the items after this one are not read",
                )
                .at_line_col(Span::new(e.at, e.at), e.line, e.col);
                d.file = self.file.clone();
                out.diagnostics.push(d);
                break;
            }
            let next = yaml_tree::next_line_where(text, cut.unwrap_or((e.at, e.line)), |l| {
                l.len() > ind
                    && l.as_bytes()[..ind].iter().all(|&b| b == b' ')
                    && (l[ind..].starts_with("- ") || &l[ind..] == "-")
            });
            match next {
                Some((at, lines)) if at > base.byte => {
                    base = Base {
                        byte: at,
                        lines,
                        ascii: base.ascii,
                    }
                }
                _ => break,
            }
        }
        // Ids first, so that generated keys differ from them.
        for it in &items {
            for k in ["id", "citation-key"] {
                if let Some(id) = it.get(k).and_then(Node::text) {
                    keys.reserve(id.trim());
                }
            }
        }
        let mut entries_diags = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for it in &items {
            let Some(map) = it.map() else {
                out.diagnostics.push(self.error(
                    Severity::Error,
                    "csl-yaml-item",
                    format!(
                        "expected a CSL item (a mapping), found {}; skipped",
                        it.what()
                    ),
                    it,
                ));
                continue;
            };
            if let Some(b) = it.broken() {
                let why = match &b.kind {
                    Kind::Broken(w) => w,
                    _ => "a part a syntax error cut short",
                };
                out.diagnostics.push(self.error(
                    Severity::Error,
                    "csl-yaml-item",
                    format!("the item holds {why}; skipped"),
                    b,
                ));
                continue;
            }
            let json = match yaml_tree::to_json(it) {
                Ok(Json::Object(o)) => o,
                Ok(_) => continue,
                Err(n) => {
                    out.diagnostics.push(self.error(
                        Severity::Error,
                        "csl-yaml-item",
                        format!("the item has a key that is {}; skipped", n.what()),
                        n,
                    ));
                    continue;
                }
            };
            let mut diags = Vec::new();
            // Repeated keys: the last wins, as in CSL-JSON.
            let mut keys_at = Vec::with_capacity(map.len());
            let mut count: std::collections::HashMap<&str, usize> = Default::default();
            for (k, _) in map {
                *count.entry(k.text().unwrap_or("")).or_default() += 1;
            }
            for (k, _) in map {
                let name = k.text().unwrap_or("").to_string();
                let left = count.get_mut(name.as_str()).map_or(0, |c| {
                    *c -= 1;
                    *c
                });
                if left > 0 {
                    let mut d = Diagnostic::new(
                        Severity::Warning,
                        "csl-duplicate",
                        format!("`{name}` occurs more than once; the last value is used and the earlier one ignored"),
                    )
                    .at_line_col(Span::new(k.at, k.end), k.line, k.col);
                    d.file = self.file.clone();
                    diags.push(d);
                }
                keys_at.push((name, k.at, k.end.saturating_sub(k.at)));
            }
            let json = pandoc_forms(json);
            let (mut e, ds) = super::csl_json::read_value(&json, it.at, &keys_at, keys);
            diags.extend(ds.into_iter().map(|mut d| {
                d.file = self.file.clone();
                d
            }));
            e.origin = Some(Origin {
                file: self.file.clone(),
                span: Span::new(it.at, it.end.max(it.at)),
                line: it.line,
                column: it.col,
            });
            for d in &mut diags {
                if d.key.is_none() {
                    d.key = Some(e.key.clone());
                }
            }
            if !seen.insert(e.key.clone()) {
                let mut d = Diagnostic::new(
                    Severity::Error,
                    "duplicate-key",
                    format!("an earlier item has the id `{}`; both are read", e.key),
                )
                .at_line_col(Span::new(it.at, it.at), it.line, it.col)
                .with_key(e.key.clone());
                d.file = self.file.clone();
                diags.push(d);
            }
            entries_diags.extend(diags);
            out.bibliography.entries.push(e);
        }
        crate::diagnostic::locate(text, &mut entries_diags);
        out.diagnostics.extend(entries_diags);
        out.diagnostics.sort_by_key(|d| (d.line, d.column));
        out
    }
}

/// The value of the first `key` of mapping `n`, moved out of it.
fn take(n: Node, key: &str) -> Option<Node> {
    match n.kind {
        Kind::Map(m) => m
            .into_iter()
            .find(|(k, _)| k.text() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// The YAML forms of names and dates that pandoc and Better BibTeX write, as CSL-JSON's.
fn pandoc_forms(mut item: Map<String, Json>) -> Map<String, Json> {
    use super::csl_json::{DATE_VARIABLES, NAME_VARIABLES};
    for (k, v) in item.iter_mut() {
        if k == "id" || k == "citation-key" {
            if let Json::Number(n) = v {
                *v = Json::String(n.to_string());
            }
        } else if NAME_VARIABLES.contains(&k.as_str()) {
            if v.is_object() {
                *v = Json::Array(vec![v.take()]);
            }
            if let Json::Array(names) = v {
                for n in names.iter_mut().filter_map(Json::as_object_mut) {
                    for part in n.values_mut() {
                        if let Json::Array(a) = part {
                            if a.iter().all(|x| x.is_string() || x.is_number()) {
                                let words: Vec<String> = a
                                    .iter()
                                    .map(|x| {
                                        x.as_str().map_or_else(|| x.to_string(), str::to_string)
                                    })
                                    .collect();
                                *part = Json::String(words.join(" "));
                            }
                        }
                    }
                }
            }
        } else if DATE_VARIABLES.contains(&k.as_str()) {
            if let Some(d) = yaml_date(v) {
                *v = d;
            }
        }
    }
    item
}

/// A date as a `{year, month, day, season, circa}` mapping or a list of them, as a CSL-JSON
/// date (`None`: leave the value as it is).
fn yaml_date(v: &Json) -> Option<Json> {
    // A list of one: the date itself (`- literal: …`, `- year: …`).
    if let Json::Array(a) = v {
        if let [one @ Json::Object(_)] = a.as_slice() {
            return Some(yaml_date(one).unwrap_or_else(|| one.clone()));
        }
    }
    let ends: Vec<&Map<String, Json>> = match v {
        Json::Object(o) if o.contains_key("year") && !o.contains_key("date-parts") => vec![o],
        Json::Array(a)
            if !a.is_empty()
                && a.len() <= 2
                && a.iter()
                    .all(|x| x.as_object().is_some_and(|o| o.contains_key("year"))) =>
        {
            a.iter().filter_map(Json::as_object).collect()
        }
        _ => return None,
    };
    let range = ends.len() == 2;
    let mut parts = Vec::new();
    let mut out = Map::new();
    for end in &ends {
        let mut p = vec![end.get("year").cloned().unwrap_or(Json::Null)];
        let season = end.get("season").filter(|s| !s.is_null());
        match (end.get("month").filter(|m| !m.is_null()), season) {
            (Some(m), _) => {
                p.push(m.clone());
                if let Some(d) = end.get("day").filter(|d| !d.is_null()) {
                    p.push(d.clone());
                }
            }
            // In a range a season is a month 13–16 (one `season` cannot say two).
            (None, Some(s)) if range => {
                match s.as_i64().or_else(|| s.as_str()?.trim().parse().ok()) {
                    Some(n @ 1..=4) => p.push(Json::from(12 + n)),
                    _ => {
                        out.insert("season".into(), s.clone());
                    }
                }
            }
            (None, Some(s)) => {
                out.insert("season".into(), s.clone());
            }
            (None, None) => {}
        }
        for k in ["circa", "literal", "raw"] {
            if let Some(x) = end.get(k) {
                out.insert(k.into(), x.clone());
            }
        }
        parts.push(Json::Array(p));
    }
    out.insert("date-parts".into(), Json::Array(parts));
    Some(Json::Object(out))
}

/// Writes entries as a CSL-YAML document (`---`, a `references:` list, `...`), and the
/// loss report: fields without a CSL variable go into `custom`, so only the ORCIDs and
/// affiliations of persons, which CSL has no place for, are lost
/// ([`super::person_details_lost`]).
pub fn write(entries: &[Entry]) -> (String, Vec<Diagnostic>) {
    let bib = Bibliography {
        entries: entries.to_vec(),
        ..Default::default()
    };
    let json = super::csl_json::to_value(&bib);
    let mut h = yaml_rust2::yaml::Hash::new();
    h.insert(
        yaml_rust2::Yaml::String("references".into()),
        yaml_tree::from_json(&json),
    );
    let body = yaml_tree::emit(&yaml_rust2::Yaml::Hash(h));
    // CSL has no place for a person's ORCID or affiliation.
    let losses = entries
        .iter()
        .filter_map(|e| super::person_details_lost(e, "CSL-YAML"))
        .collect();
    (format!("---\n{body}\n...\n"), losses)
}

/// Writes a whole bibliography as CSL-YAML (see [`write()`]).
pub fn to_string(bib: &Bibliography) -> String {
    write(&bib.entries).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d =
            yaml_date(&serde_json::json!([{"year": -1, "season": 1}, {"year": -1, "season": 4}]))
                .unwrap();
        assert_eq!(d, serde_json::json!({"date-parts": [[-1, 13], [-1, 16]]}));
        let d = yaml_date(&serde_json::json!({"year": 2005})).unwrap();
        assert_eq!(d, serde_json::json!({"date-parts": [[2005]]}));
    }

    #[test]
    fn errors_resume_at_the_next_item() {
        let p = read(
            "references:\n- id: a\n  type: book\n- id: b\n  title: [oops\n- id: c\n  type: book\n",
        );
        let keys: Vec<&str> = p.bibliography.keys().collect();
        assert_eq!(keys, ["a", "c"]);
        assert!(p.has_errors());
    }
}
