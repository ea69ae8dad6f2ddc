//! BibLaTeXML, biber's XML form of biblatex data: a reader.
//!
//! The input is `<bltx:entries>` in the namespace
//! `http://biblatex-biber.sourceforge.net/biblatexml` (any prefix) holding
//! `<bltx:entry id="key" entrytype="article">` elements; each becomes an entry with its
//! `id` as its key and its `entrytype` as its type (XDATA containers too). Inside:
//!
//! * fields as elements (`<bltx:title>`, `<bltx:journaltitle>`, any field name biblatex
//!   knows or a user's), their text with markup flattened;
//! * names: `<bltx:names type="author">` of `<bltx:name>` with `<bltx:namepart
//!   type="given|family|prefix|suffix">` (a part of nested parts is joined by spaces;
//!   `initial` attributes are derived data); `morenames="1"` is "and others";
//! * dates: `<bltx:date>` (or `type="orig|event|url|…"` → `origdate`, `eventdate`,
//!   `urldate`, …) as EDTF text or as `<bltx:start>`/`<bltx:end>` ranges;
//! * lists: `<bltx:list><bltx:item>` joined with ` and ` (biblatex's list fields);
//!   `<bltx:pages>` as ranges `1–10, 30–34`;
//! * `<bltx:related>` → `related`, `relatedtype`, `relatedstring`; `<bltx:ids>` → `ids`;
//!   `<bltx:xdata>` → `xdata`, and a granular `xdata="key-field-n"` attribute on a
//!   field, name or item as biblatex's `xdata=key-field-n` value;
//! * `<bltx:annotation field="…" item="…" part="…">` → biblatex's `field+an`
//!   annotations (`author+an = {1:given=…; 3=…}`), and `:name` for a named one.
//!
//! The 2009–2011 dialect (`<bib:entries>`, `<bib:author><bib:person><bib:first>` /
//! `<bib:last>`, `<bib:year>`, `datetype`, `mode` variants) is read as well as it maps,
//! with one `biblatexml-obsolete-dialect` warning naming it; the variants of a field in
//! other scripts or translations (`mode="romanised"`) are dropped, each reported.
//!
//! What has no place in the model is `biblatexml-dropped` with its line; an entry with
//! no `id` gets a generated key (`biblatexml-no-id`, a warning), one with no
//! `entrytype` is an error (`biblatexml-no-type`, skipped), and a document that is not
//! well-formed or is truncated is a `biblatexml-syntax` error at its line (entries
//! complete before the break are kept). Custom entities are never expanded.
//!
//! ```
//! let parsed = bibkit::formats::biblatexml::read(r#"<bltx:entries xmlns:bltx="http://biblatex-biber.sourceforge.net/biblatexml">
//!   <bltx:entry id="knuth" entrytype="book">
//!     <bltx:names type="author" morenames="1"><bltx:name>
//!       <bltx:namepart type="given">Donald</bltx:namepart>
//!       <bltx:namepart type="family">Knuth</bltx:namepart></bltx:name></bltx:names>
//!     <bltx:title>The TeXbook</bltx:title>
//!     <bltx:date><bltx:start>1984</bltx:start><bltx:end>1986</bltx:end></bltx:date>
//!   </bltx:entry>
//! </bltx:entries>"#);
//! let e = &parsed.bibliography.entries[0];
//! assert_eq!(e.key, "knuth");
//! assert_eq!(e.get("author").unwrap().to_string(), "Donald Knuth and others");
//! assert_eq!(e.get("date").unwrap().to_string(), "1984/1986");
//! assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
//! ```

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::Parsed;
use crate::formats::mods::{Cx, Doc, local, locate, root_element};
use crate::formats::shorten;
use crate::keys::KeyGenerator;
use crate::model::{Date, Entry, Name, NameList, Origin, Person, RangeEnd, Span, Value};

/// The BibLaTeXML namespace.
pub const NAMESPACE: &str = "http://biblatex-biber.sourceforge.net/biblatexml";

/// biblatex's list fields (`and`-separated literal lists).
const LISTS: &[&str] = &[
    "location",
    "address",
    "publisher",
    "institution",
    "school",
    "organization",
    "language",
    "origlocation",
    "origpublisher",
    "lista",
    "listb",
    "listc",
    "listd",
    "liste",
    "listf",
];

/// Reads BibLaTeXML (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct BiblatexmlReader {
    file: Option<Arc<str>>,
}

impl BiblatexmlReader {
    /// A reader.
    pub fn new() -> Self {
        BiblatexmlReader::default()
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

    /// Reads `text`; entries keep their ids as keys (reserved in `keys`), and an entry
    /// without one (or with one an earlier entry has) gets a key from `keys`.
    pub fn read_with_keys(&self, text: &str, keys: &mut KeyGenerator) -> Parsed {
        let mut out = Parsed::default();
        let (doc, error) = Doc::parse(text);
        let cx = Cx {
            doc: &doc,
            file: self.file.clone(),
            prefix: "biblatexml",
        };
        for (pos, what) in &doc.unexpanded {
            out.diagnostics.push(cx.diag(
                Severity::Warning,
                "biblatexml-dropped",
                what.clone(),
                *pos,
            ));
        }
        if let Some(root) = doc.nodes.first() {
            if root.name() != "entries" {
                out.diagnostics.push(cx.diag(
                    Severity::Error,
                    "biblatexml-syntax",
                    format!(
                        "the root element is `<{}>`, not `<bltx:entries>`: not BibLaTeXML",
                        root.qname
                    ),
                    root.pos,
                ));
                return out;
            }
            let old = root.prefix() == Some("bib")
                || doc.nodes.iter().any(|n| !n.text && n.name() == "person");
            if old {
                out.diagnostics.push(cx.diag(
                    Severity::Warning,
                    "biblatexml-obsolete-dialect",
                    "the obsolete 2009–2011 BibLaTeXML dialect (`<bib:entries>`, `<bib:person>` with `<bib:first>`/`<bib:last>`, `<bib:year>`), which biber dropped in 2016: read as well as it maps to biblatex fields",
                    root.pos,
                ));
            }
            // Entries: the root's `entry` children.
            let entries: Vec<u32> = doc.children(0).collect();
            for i in entries {
                let n = doc.node(i);
                if n.name() != "entry" {
                    if !doc.text_of(i).is_empty() || n.name() != "comment" {
                        out.diagnostics.push(cx.diag(
                            Severity::Warning,
                            "biblatexml-dropped",
                            format!(
                                "`<{}>` outside an entry has no place in the model; dropped",
                                n.qname
                            ),
                            n.pos,
                        ));
                    }
                    continue;
                }
                if n.end == usize::MAX {
                    out.diagnostics.push(cx.diag(
                        Severity::Error,
                        "biblatexml-syntax",
                        "the entry is incomplete (the document breaks off inside it); skipped",
                        n.pos,
                    ));
                    continue;
                }
                self.entry(&cx, i, keys, &mut out);
            }
        }
        if let Some(e) = error {
            out.diagnostics
                .push(cx.diag(Severity::Error, "biblatexml-syntax", e.message, e.pos));
        }
        locate(text, &mut out);
        out
    }

    fn entry(&self, cx: &Cx<'_, '_>, i: u32, keys: &mut KeyGenerator, out: &mut Parsed) {
        let doc = cx.doc;
        let n = doc.node(i);
        let Some(kind) = n.attr("entrytype").map(str::trim).filter(|k| !k.is_empty()) else {
            out.diagnostics.push(cx.diag(
                Severity::Error,
                "biblatexml-no-type",
                format!(
                    "entry `{}` has no `entrytype`; skipped",
                    n.attr("id").unwrap_or("")
                ),
                n.pos,
            ));
            return;
        };
        let mut l = Lower {
            cx,
            entry: Entry::new(String::new(), kind),
            diags: Vec::new(),
            annotations: Vec::new(),
        };
        for c in doc.children(i) {
            l.element(c);
        }
        let Lower {
            mut entry,
            mut diags,
            annotations,
            ..
        } = l;
        // Annotations, grouped by field and name, in biblatex's `field+an[:name]` form.
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for (field, item) in annotations {
            match groups.iter_mut().find(|(f, _)| *f == field) {
                Some((_, items)) => items.push(item),
                None => groups.push((field, vec![item])),
            }
        }
        for (f, items) in groups {
            entry.set(&f, Value::text(items.join("; ")));
        }
        entry.origin = Some(Origin {
            file: self.file.clone(),
            span: Span::new(n.pos, n.end),
            // (Lines and columns are found in one pass at the end: `locate`.)
            line: 0,
            column: 0,
        });
        let id = n.attr("id").map(str::trim).unwrap_or("");
        entry.key = if id.is_empty() {
            diags.push(cx.diag(
                Severity::Warning,
                "biblatexml-no-id",
                "entry without an `id`: it gets a generated key",
                n.pos,
            ));
            keys.generate(&entry)
        } else if keys.is_taken(id) {
            let k = keys.generate_from(id);
            diags.push(cx.diag(
                Severity::Warning,
                "biblatexml-no-id",
                format!("an earlier entry has the id `{id}`: this one is `{k}`"),
                n.pos,
            ));
            k
        } else {
            keys.reserve(id);
            id.to_string()
        };
        let key = entry.key.clone();
        out.diagnostics
            .extend(diags.into_iter().map(|d| d.with_key(key.clone())));
        out.bibliography.entries.push(entry);
    }
}

/// Reads BibLaTeXML text (see [`BiblatexmlReader`]).
pub fn read(text: &str) -> Parsed {
    BiblatexmlReader::new().read(text)
}

/// Whether `text` is BibLaTeXML: its root element is `entries` in the BibLaTeXML
/// namespace (any prefix), or the old dialect's `bib:entries`.
///
/// ```
/// use bibkit::formats::biblatexml::sniff;
/// assert!(sniff("<?xml version=\"1.0\"?>\n<bltx:entries xmlns:bltx=\"http://biblatex-biber.sourceforge.net/biblatexml\"/>"));
/// assert!(sniff("<bib:entries xmlns:bib=\"http://example.org/other\">"));
/// assert!(!sniff("<entries><entry/></entries>"));
/// assert!(!sniff("<mods xmlns=\"http://www.loc.gov/mods/v3\"/>"));
/// ```
pub fn sniff(text: &str) -> bool {
    root_element(text).is_some_and(|(q, ns)| {
        local(&q) == "entries"
            && (ns
                .as_deref()
                .is_some_and(|n| n.trim_end_matches('/') == NAMESPACE)
                || q.starts_with("bib:"))
    })
}

/// One entry being lowered.
struct Lower<'c, 'd, 'a> {
    cx: &'c Cx<'d, 'a>,
    entry: Entry,
    diags: Vec<Diagnostic>,
    /// (`field+an[:name]`, `item[:part]=value`), in order.
    annotations: Vec<(String, String)>,
}

impl Lower<'_, '_, '_> {
    fn report(&mut self, severity: Severity, rule: &'static str, at: u32, message: String) {
        let d = self
            .cx
            .diag(severity, rule, message, self.cx.doc.node(at).pos);
        self.diags.push(d);
    }

    fn dropped(&mut self, at: u32, message: String) {
        self.report(Severity::Warning, "biblatexml-dropped", at, message);
    }

    /// Sets `name` unless the entry has it: then the later value is reported.
    fn field(&mut self, name: &str, value: Value, at: u32) {
        match self.entry.fields.iter().find(|f| f.name == name) {
            None => self.entry.set(name, value),
            Some(old) if old.value.to_plain_string() == value.to_plain_string() => {}
            Some(old) => {
                let old = old.value.to_plain_string();
                self.dropped(
                    at,
                    format!(
                        "the entry's {name} is `{}`; dropped: `{}`",
                        shorten(&old, 40),
                        shorten(&value.to_plain_string(), 60)
                    ),
                );
            }
        }
    }

    /// One child of an entry.
    fn element(&mut self, c: u32) {
        let doc = self.cx.doc;
        let n = doc.node(c);
        let name = n.name().to_string();
        // A variant in another script or a translation (the old dialect's `mode`).
        if let Some(mode) = n.attr("mode") {
            let what = doc.text_of(c);
            self.dropped(
                c,
                format!(
                    "the `{mode}` variant of `{name}` has no place in the model; dropped: `{}`",
                    shorten(&what, 60)
                ),
            );
            return;
        }
        if let Some(x) = n.attr("xdata") {
            if !matches!(name.as_str(), "names" | "annotation") {
                let f = field_name(&name);
                self.field(&f, Value::text(format!("xdata={x}")), c);
                return;
            }
        }
        match name.as_str() {
            "names" => {
                let role = n.attr("type").unwrap_or("author").to_string();
                self.names(c, &role);
            }
            // The old dialect: `<bib:author>`, `<bib:editor>` … of `<bib:person>`s.
            _ if doc.kid(c, "person").is_some() => {
                let role = n.attr("type").unwrap_or(&name).to_string();
                self.names(c, &role);
            }
            "date" => self.date(c),
            "year" => match crate::date::parse(&doc.text_of(c)) {
                Some(d) => self.field("date", Value::date(d), c),
                None => self.unread(c),
            },
            "pages" => self.pages(c),
            "related" => self.related(c),
            "ids" | "xdata" | "keywords"
                if doc.kid(c, "list").is_some() || doc.kid(c, "key").is_some() =>
            {
                let items = self.items(c);
                let sep = if name == "keywords" { ", " } else { "," };
                self.field(&name, Value::text(items.join(sep)), c);
            }
            "annotation" => self.annotation(c),
            "hyphenation" => self.field("langid", Value::text(doc.text_of(c)), c),
            "journal" => self.field("journaltitle", Value::text(doc.text_of(c)), c),
            "reviews" => self.dropped(c, "`<reviews>` has no place in the model; dropped".into()),
            _ => self.plain(c, &name),
        }
    }

    fn unread(&mut self, c: u32) {
        let t = self.cx.doc.text_of(c);
        let name = self.cx.doc.node(c).name().to_string();
        self.dropped(
            c,
            format!(
                "`<{name}>`: `{}` is not a date bibkit can read; dropped",
                shorten(&t, 60)
            ),
        );
    }

    /// A field of text (or a list of items).
    fn plain(&mut self, c: u32, name: &str) {
        let doc = self.cx.doc;
        let f = field_name(name);
        let list = LISTS.contains(&f.as_str()) || doc.kid(c, "list").is_some();
        let value = if doc.kid(c, "list").is_some() || doc.kid(c, "item").is_some() {
            self.items(c).join(if list { " and " } else { ", " })
        } else {
            doc.text_of(c)
        };
        if value.is_empty() {
            return;
        }
        let value = if f == "doi" {
            Value::Verbatim(crate::formats::mods::bare_doi(&value).to_string())
        } else if is_verbatim(&f) {
            Value::Verbatim(value)
        } else {
            Value::text(value)
        };
        self.field(&f, value, c);
    }

    /// The items of a list (`<list><item>` or `<item>`s, or `<key>`s), granular XDATA
    /// references as `xdata=…`.
    fn items(&mut self, c: u32) -> Vec<String> {
        let doc = self.cx.doc;
        let list = doc.kid(c, "list").unwrap_or(c);
        let mut out = Vec::new();
        for i in doc.children(list) {
            let n = doc.node(i);
            if !matches!(n.name(), "item" | "key") {
                continue;
            }
            if let Some(x) = n.attr("xdata") {
                out.push(format!("xdata={x}"));
                continue;
            }
            let t = doc.text_of(i);
            if !t.is_empty() {
                out.push(t);
            }
        }
        out
    }

    fn names(&mut self, c: u32, role: &str) {
        let doc = self.cx.doc;
        let n = doc.node(c);
        let mut list = NameList {
            names: Vec::new(),
            truncated: matches!(n.attr("morenames"), Some("1" | "true")),
        };
        for a in [
            "useprefix",
            "sortingnamekeytemplatename",
            "uniquename",
            "uniquelist",
        ] {
            if let Some(v) = n.attr(a) {
                let msg = format!(
                    "the option `{a}={v}` of the {role} list has no place in the model; dropped"
                );
                self.report(Severity::Info, "biblatexml-dropped", c, msg);
            }
        }
        for p in doc.children(c) {
            let pn = doc.node(p);
            match pn.name() {
                "name" | "person" => {
                    if let Some(x) = pn.attr("xdata") {
                        // biblatex's granular XDATA reference, as a `.bib` file writes it.
                        list.names.push(Name::Person(Person::new(
                            "",
                            "",
                            format!("xdata={x}"),
                            "",
                        )));
                        continue;
                    }
                    if let Some(name) = self.person(p) {
                        list.names.push(name);
                    }
                }
                "morenames" | "others" => list.truncated = true,
                _ => {
                    let msg = format!(
                        "`<{}>` in a name list has no place in the model; dropped",
                        pn.name()
                    );
                    self.dropped(p, msg);
                }
            }
        }
        if list.names.is_empty() && !list.truncated {
            return;
        }
        let f = field_name(role);
        if self.entry.fields.iter().any(|x| x.name == f) {
            let msg = format!("the entry has its {f} already; a second list dropped: `{list}`");
            self.dropped(c, msg);
            return;
        }
        self.entry.set(&f, Value::Names(list));
    }

    /// A `<name>` (namepart children) or an old `<person>` (first/middle/prefix/last/suffix).
    fn person(&mut self, p: u32) -> Option<Name> {
        let doc = self.cx.doc;
        let (mut given, mut particle, mut family, mut suffix) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut literal = None;
        for a in ["gender", "id", "useprefix"] {
            if let Some(v) = doc.node(p).attr(a) {
                let msg =
                    format!("the name attribute `{a}={v}` has no place in the model; dropped");
                self.report(Severity::Info, "biblatexml-dropped", p, msg);
            }
        }
        for c in doc.children(p) {
            let cn = doc.node(c);
            // A part of parts (`<namepart type="given"><namepart>Павел</namepart>…`).
            let inner: Vec<String> = doc
                .kids(c, "namepart")
                .map(|x| doc.text_of(x))
                .filter(|t| !t.is_empty())
                .collect();
            let t = if inner.is_empty() {
                doc.text_of(c)
            } else {
                inner.join(" ")
            };
            if t.is_empty() {
                continue;
            }
            let part = match cn.name() {
                "namepart" => cn.attr("type").unwrap_or("").to_string(),
                other => other.to_string(),
            };
            match part.as_str() {
                "given" | "first" | "middle" => given.push(t),
                "family" | "last" => family.push(t),
                "prefix" => particle.push(t),
                "suffix" => suffix.push(t),
                "firstinitial" | "middleinitial" | "lastinitial" | "prefixinitial" => {}
                "" if cn.name() == "namepart" => literal = Some(t),
                _ => {
                    let msg = format!(
                        "the name part `{part}` has no place in the model; dropped: `{}`",
                        shorten(&t, 40)
                    );
                    self.dropped(c, msg);
                }
            }
        }
        if family.is_empty() && given.is_empty() {
            let t = literal.unwrap_or_else(|| doc.text_of(p));
            return (!t.is_empty()).then_some(Name::Literal(t));
        }
        Some(Name::Person(Person::new(
            given.join(" "),
            particle.join(" "),
            family.join(" "),
            suffix.join(" "),
        )))
    }

    fn date(&mut self, c: u32) {
        let doc = self.cx.doc;
        let n = doc.node(c);
        let ty = n
            .attr("type")
            .or_else(|| n.attr("datetype"))
            .unwrap_or("")
            .trim()
            .to_string();
        let field = match ty.as_str() {
            "" | "converted" => "date".to_string(),
            t => format!("{t}date"),
        };
        let start = doc.kid(c, "start");
        let end = doc.kid(c, "end");
        let value = doc.kid(c, "value");
        let date = if start.is_some() || end.is_some() {
            let one = |x: Option<u32>| -> Option<RangeEnd> {
                let t = x.map(|x| doc.text_of(x)).unwrap_or_default();
                if t.is_empty() {
                    return Some(RangeEnd::Unknown);
                }
                if t == ".." {
                    return Some(RangeEnd::Open);
                }
                match crate::date::parse(&t)? {
                    Date::Single(d) => Some(RangeEnd::Known(d)),
                    Date::Range(..) => None,
                }
            };
            match (one(start), one(end)) {
                (Some(a), Some(b)) => Some(Date::Range(a, b)),
                _ => None,
            }
        } else if let Some(v) = value {
            for x in doc.kids(c, "localvalue").collect::<Vec<_>>() {
                let msg = format!(
                    "a date in another calendar has no place in the model; dropped: `{}`",
                    doc.text_of(x)
                );
                self.dropped(x, msg);
            }
            crate::date::parse(&doc.text_of(v))
        } else {
            crate::date::parse(&doc.text_of(c))
        };
        match date {
            Some(d) => self.field(&field, Value::date(d), c),
            None => self.unread(c),
        }
    }

    fn pages(&mut self, c: u32) {
        let doc = self.cx.doc;
        let range = |x: u32| -> String {
            let s = doc.kid_text(x, "start");
            let e = doc.kid_text(x, "end");
            match (s, e) {
                (Some(s), Some(e)) => format!("{s}–{e}"),
                (Some(s), None) => s,
                (None, Some(e)) => e,
                (None, None) => crate::formats::mods::dash(&doc.text_of(x)),
            }
        };
        let value = if let Some(l) = doc.kid(c, "list") {
            doc.kids(l, "item")
                .map(range)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            range(c)
        };
        if !value.is_empty() {
            self.field("pages", Value::text(value), c);
        }
    }

    fn related(&mut self, c: u32) {
        let doc = self.cx.doc;
        let list = doc.kid(c, "list").unwrap_or(c);
        let items: Vec<u32> = doc.kids(list, "item").collect();
        for (k, i) in items.iter().enumerate() {
            if k > 0 {
                self.dropped(
                    *i,
                    "a second related item has no place in the model; dropped".into(),
                );
                continue;
            }
            let n = doc.node(*i);
            let ids = n
                .attr("ids")
                .map(str::to_string)
                .unwrap_or_else(|| doc.text_of(*i));
            if !ids.is_empty() {
                self.field("related", Value::text(ids), *i);
            }
            if let Some(t) = n.attr("type") {
                self.field("relatedtype", Value::text(t), *i);
            }
            if let Some(s) = n.attr("string") {
                self.field("relatedstring", Value::text(s), *i);
            }
            if let Some(o) = n.attr("options") {
                self.field("relatedoptions", Value::text(o), *i);
            }
        }
    }

    fn annotation(&mut self, c: u32) {
        let doc = self.cx.doc;
        let n = doc.node(c);
        let text = doc.text_of(c);
        let Some(field) = n.attr("field") else {
            // The old dialect's annotation: biblatex's `annotation` field.
            if !text.is_empty() {
                self.field("annotation", Value::text(text), c);
            }
            return;
        };
        let mut key = format!("{}+an", field_name(field));
        if let Some(name) = n.attr("name").filter(|n| *n != "default") {
            key.push(':');
            key.push_str(name);
        }
        let value = if matches!(n.attr("literal"), Some("1" | "true")) {
            format!("\"{text}\"")
        } else {
            text
        };
        let item = match (n.attr("item"), n.attr("part")) {
            (Some(i), Some(p)) => format!("{i}:{p}={value}"),
            (Some(i), None) => format!("{i}={value}"),
            (None, _) => format!("={value}"),
        };
        self.annotations.push((key, item));
    }
}

/// A field name as the model spells it (lowercase; the old dialect's names mapped).
fn field_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    crate::formats::bibtex::canonical_field(&lower).to_string()
}

/// Fields whose values are never decoded (URLs, DOIs, eprints, files).
fn is_verbatim(f: &str) -> bool {
    matches!(
        f,
        "url" | "doi" | "eprint" | "file" | "verba" | "verbb" | "verbc" | "pdf"
    )
}
