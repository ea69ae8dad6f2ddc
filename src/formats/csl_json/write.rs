//! The CSL-JSON writer (see the module docs for the mapping).

use std::borrow::Cow;

use serde_json::Value as Json;

use super::{
    DATE_VARIABLES, NAME_VARIABLES, VARIABLES, When, class, default_genre, is_source,
    is_title_variable, is_variable, item_type, kind_survives, looks_like_url, subtitle_of,
    type_text,
};
use crate::latex::{self, EncodeOptions};
use crate::model::{
    Bibliography, Chunk, Date, DatePart, Entry, Field, Name, NameList, RangeEnd, Text, Value,
};

/// Text with a literal `<` written `&lt;`, so that it is never read as markup.
fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('<') {
        std::borrow::Cow::Owned(s.replace('<', "&lt;"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// CSL markup with every `<` that does not open or close one of its tags written `&lt;`.
fn stray_lt(s: &str) -> std::borrow::Cow<'_, str> {
    const TAGS: &[&str] = &[
        "<i>",
        "</i>",
        "<b>",
        "</b>",
        "<sup>",
        "</sup>",
        "<sub>",
        "</sub>",
        "<span style=\"font-variant:small-caps;\">",
        "<span class=\"nocase\">",
        "</span>",
    ];
    if !s.contains('<') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match TAGS.iter().find(|t| rest.starts_with(**t)) {
            Some(t) => {
                out.push_str(t);
                rest = &rest[t.len()..];
            }
            None => {
                out.push_str("&lt;");
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// A raw LaTeX chunk as CSL markup: formatting commands become tags, and every `<` of the
/// chunk's text becomes `&lt;`, so that text such as `</i>` inside italics (from mis-nested
/// markup) is never taken for a tag when the output is read again.
fn raw_csl(r: &str, nocase: bool) -> String {
    // A character the chunk does not hold stands for its `<` while it is rendered.
    let mark = r
        .contains('<')
        .then(|| ('\u{FDD0}'..='\u{FDEF}').find(|c| !r.contains(*c)))
        .flatten();
    let Some(mark) = mark else {
        return stray_lt(&latex::render_raw_csl_with(r, nocase)).into_owned();
    };
    let marked = r.replace('<', mark.encode_utf8(&mut [0; 4]));
    stray_lt(&latex::render_raw_csl_with(&marked, nocase)).replace(mark, "&lt;")
}

/// Appends `s` as a JSON string literal.
fn string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    string_body(out, s);
    out.push('"');
}

/// Appends `s` escaped for the inside of a JSON string literal.
fn string_body(out: &mut String, s: &str) {
    let needs = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    if !s.bytes().any(needs) {
        out.push_str(s);
        return;
    }
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// A text value as CSL rich text: case-protected parts as `<span class="nocase">` when
/// `nocase`, raw LaTeX formatting as CSL markup, other LaTeX as its text.
pub(crate) fn rich_text(t: &Text, nocase: bool) -> String {
    let mut out = String::new();
    rich_text_into(t, nocase, &mut |s: &str| out.push_str(s));
    out
}

/// [`rich_text`], a piece at a time.
fn rich_text_into(t: &Text, nocase: bool, push: &mut dyn FnMut(&str)) {
    // Runs of protected text are merged (a command that prints nothing does not split them).
    // A literal `<` is written `&lt;`, so that it is never read as markup.
    let mut protected = String::new();
    let flush = |push: &mut dyn FnMut(&str), protected: &mut String| {
        if !protected.is_empty() {
            push("<span class=\"nocase\">");
            push(protected);
            push("</span>");
            protected.clear();
        }
    };
    // A font switch at the top level (`\bf Bold title`) reaches to the end of the text;
    // its tags open before the next text.
    let mut style = latex::Style::default();
    let mut shown = latex::Style::default();
    for c in t.chunks() {
        if let Chunk::Raw(r) = c {
            if let Some(next) = style.after(r) {
                style = next;
                continue;
            }
        }
        if shown != style {
            flush(push, &mut protected);
            push(&shown.close());
            push(&style.open());
            shown = style;
        }
        match c {
            Chunk::Protected(s) if nocase => protected.push_str(&esc(s)),
            Chunk::Plain(s) | Chunk::Protected(s) => {
                if !s.is_empty() {
                    flush(push, &mut protected);
                    push(&esc(s));
                }
            }
            Chunk::Raw(r) => {
                let r = raw_csl(r, nocase);
                if !r.is_empty() {
                    flush(push, &mut protected);
                    push(&r);
                }
            }
            Chunk::Math(m) => {
                flush(push, &mut protected);
                match latex::math_text(m, true) {
                    Some(t) => push(&t),
                    None => {
                        push("$");
                        push(&esc(&m.split_whitespace().collect::<Vec<_>>().join(" ")));
                        push("$");
                    }
                }
            }
        }
    }
    flush(push, &mut protected);
    push(&shown.close());
}

/// A JSON string literal of `t`'s rich text, trimmed, written into `out` as it is made (a
/// large text is not copied on the way).
fn rich_string(out: &mut String, t: &Text) {
    out.push('"');
    // White space is held back until more text follows it: the value is trimmed.
    let mut started = false;
    let mut pending = String::new();
    rich_text_into(t, false, &mut |piece: &str| {
        let piece = if started { piece } else { piece.trim_start() };
        if piece.is_empty() {
            return;
        }
        let body = piece.trim_end();
        if body.is_empty() {
            pending.push_str(piece);
            return;
        }
        started = true;
        string_body(out, &pending);
        pending.clear();
        string_body(out, body);
        pending.push_str(&piece[body.len()..]);
    });
    out.push('"');
}

fn names(out: &mut String, list: &NameList, indent: &str) {
    out.push('[');
    let mut first = true;
    let mut item = |out: &mut String, body: &dyn Fn(&mut String)| {
        out.push_str(if first { "\n" } else { ",\n" });
        first = false;
        out.push_str(indent);
        out.push_str("  {");
        body(out);
        out.push('}');
    };
    for n in &list.names {
        match n {
            Name::Literal(s) => item(out, &|o: &mut String| {
                o.push_str("\"literal\": ");
                string(o, s);
            }),
            Name::Person(p) => item(out, &|o: &mut String| {
                let mut sep = "";
                for (k, v) in [
                    ("family", &p.family),
                    ("given", &p.given),
                    ("non-dropping-particle", &p.particle),
                    ("suffix", &p.suffix),
                ] {
                    if !v.is_empty() {
                        o.push_str(sep);
                        string(o, k);
                        o.push_str(": ");
                        string(o, v);
                        sep = ", ";
                    }
                }
                if sep.is_empty() {
                    // A person with no name at all: still an object the schema accepts.
                    o.push_str("\"literal\": \"\"");
                }
            }),
        }
    }
    if list.truncated {
        item(out, &|o: &mut String| o.push_str("\"literal\": \"others\""));
    }
    if !first {
        out.push('\n');
        out.push_str(indent);
    }
    out.push(']');
}

/// A year as CSL counts it: there is no year zero, so astronomical year 0 is CSL `-1`.
fn csl_year(year: i64) -> i64 {
    if year <= 0 { year - 1 } else { year }
}

/// `[year, month, day]` for a date part, or `None` when it has unspecified digits. In a
/// range, a season is written as month 13–16.
fn date_parts(d: &DatePart, in_range: bool) -> Option<String> {
    if d.unspecified != 0 {
        return None;
    }
    let mut s = format!("[{}", csl_year(d.year));
    if let Some(m) = d.month {
        s.push_str(&format!(", {m}"));
        if let Some(day) = d.day {
            s.push_str(&format!(", {day}"));
        }
    } else if let (Some(season), true) = (d.season, in_range) {
        s.push_str(&format!(", {}", season.code() - 8));
    }
    s.push(']');
    Some(s)
}

/// Appends a CSL date object for a bibkit date: `date-parts` (one date, or two for a
/// range), with `circa`, `season`, and `raw` (EDTF) where `date-parts` cannot say it all.
fn date(out: &mut String, d: &Date) {
    let (first, second) = match d {
        Date::Single(p) => (Some(p), None),
        Date::Range(RangeEnd::Known(a), RangeEnd::Known(b)) => (Some(a), Some(b)),
        Date::Range(..) => (None, None),
    };
    // `[[start], [0]]`: a range with an open or unknown end (as Zotero writes it).
    let open_end = match d {
        Date::Range(RangeEnd::Known(a), RangeEnd::Open | RangeEnd::Unknown) => Some(a),
        _ => None,
    };
    if let Some(a) = open_end.filter(|a| a.unspecified == 0 && a.season.is_none()) {
        if let Some(pa) = date_parts(a, true) {
            out.push_str("{\"date-parts\": [");
            out.push_str(&pa);
            out.push_str(", [0]]");
            if a.approximate {
                out.push_str(", \"circa\": true");
            }
            if matches!(d, Date::Range(_, RangeEnd::Open)) || a.uncertain || a.time.is_some() {
                out.push_str(", \"raw\": ");
                string(out, &d.to_string());
            }
            out.push('}');
            return;
        }
    }
    let parts = match (first, second) {
        (Some(a), None) => date_parts(a, false),
        (Some(a), Some(b)) => {
            date_parts(a, true).and_then(|pa| date_parts(b, true).map(|pb| format!("{pa}, {pb}")))
        }
        _ => None,
    };
    out.push('{');
    match parts {
        Some(p) => {
            out.push_str("\"date-parts\": [");
            out.push_str(&p);
            out.push(']');
            let pts: Vec<&DatePart> = first.into_iter().chain(second).collect();
            if pts.iter().any(|p| p.approximate) {
                out.push_str(", \"circa\": true");
            }
            if let (Some(s), None) = (first.and_then(|p| p.season), second) {
                out.push_str(&format!(", \"season\": {}", s.code() - 20));
            }
            // `circa` on a range cannot say which end is approximate.
            let partly_circa = second.is_some()
                && pts.iter().any(|p| !p.approximate)
                && pts.iter().any(|p| p.approximate);
            if partly_circa || pts.iter().any(|p| p.uncertain || p.time.is_some()) {
                out.push_str(", \"raw\": ");
                string(out, &d.to_string());
            }
        }
        None => {
            out.push_str("\"raw\": ");
            string(out, &d.to_string());
        }
    }
    out.push('}');
}

/// Where an entry's field goes.
#[derive(Debug, Clone, PartialEq)]
enum Slot {
    /// Into a CSL variable.
    Var(Cow<'static, str>),
    /// Into `custom`.
    Custom,
    /// Nowhere: another variable says it (`eprinttype` of a PubMed `eprint`).
    Said,
}

/// Whether a field satisfies a source's condition.
fn applies(when: When, f: &Field, entry: &Entry) -> bool {
    match when {
        When::Always => true,
        When::Class(c) => class(&entry.kind) == c,
        When::Eprint(t) => entry
            .get("eprinttype")
            .is_some_and(|v| v.to_plain_string().trim().eq_ignore_ascii_case(t)),
        // Decided on the text as CSL-JSON gets it, as reading does.
        When::Url => looks_like_url(&csl_text(&f.value)),
        When::NotUrl => !looks_like_url(&csl_text(&f.value)),
        When::IrregularYear => true,
    }
}

/// A value's text as a CSL string variable gets it.
fn csl_text(v: &Value) -> String {
    match v {
        Value::Text(t) => rich_text(t, false).trim().to_string(),
        v => v.to_plain_string(),
    }
}

/// A value's text as LaTeX source.
fn raw_text(v: &Value) -> String {
    match v {
        Value::Text(t) => latex::encode(t, &EncodeOptions::default()),
        v => v.to_plain_string(),
    }
}

/// Decides where each field of `e` goes.
fn plan(e: &Entry, sub_used: bool) -> Vec<Slot> {
    // Empty fields say nothing; `crossref` and `xdata` were resolved on reading (their
    // fields are inherited).
    let mut slots: Vec<Option<Slot>> = e
        .fields
        .iter()
        .map(|f| {
            (is_empty(&f.value) || matches!(f.name.as_ref(), "crossref" | "xdata"))
                .then_some(Slot::Said)
        })
        .collect();
    let index = |name: &str| {
        e.fields
            .iter()
            .position(|f| f.name == name && !is_empty(&f.value))
    };
    for (var, sources) in VARIABLES {
        for s in *sources {
            let Some(i) = index(s.field) else { continue };
            if slots[i].is_some() || !applies(s.when, &e.fields[i], e) {
                continue;
            }
            if s.field == "eprint" && s.when == When::Eprint("arxiv") {
                // The arXiv identifier is also kept whole in `custom`.
                continue;
            }
            slots[i] = Some(Slot::Var(Cow::Borrowed(var)));
            if let (When::Eprint(_), Some(t)) = (s.when, index("eprinttype")) {
                slots[t] = Some(Slot::Said);
            }
            break;
        }
    }
    if sub_used {
        if let Some(i) = index("entrysubtype") {
            slots[i] = Some(Slot::Said);
        }
    }
    if let Some(i) = index("id") {
        slots[i] = Some(Slot::Said);
    }
    let taken = |slots: &[Option<Slot>], var: &str| {
        slots
            .iter()
            .any(|s| matches!(s, Some(Slot::Var(v)) if v == var))
    };
    // Fields named by a variable first, then `csl-` ones (a variable that had no field of
    // its own when read), so that `note` and `csl-note` keep their places.
    for prefixed in [false, true] {
        for i in 0..e.fields.len() {
            let name = e.fields[i].name.as_ref();
            if slots[i].is_some() || name.starts_with("csl-") != prefixed {
                continue;
            }
            let var = name.strip_prefix("csl-").unwrap_or(name);
            let own = is_variable(var) && (var != name || !is_source(name));
            slots[i] = Some(if own && !taken(&slots, var) {
                Slot::Var(Cow::Owned(var.to_string()))
            } else {
                Slot::Custom
            });
        }
    }
    slots
        .into_iter()
        .map(|s| s.unwrap_or(Slot::Custom))
        .collect()
}

/// A title field's rich text joined with its subtitle (`Title: Subtitle`), if it has one.
fn with_subtitle(e: &Entry, f: &Field, t: &Text) -> Option<String> {
    let sub = subtitle_of(&f.name).and_then(|s| e.get(s))?;
    let Value::Text(sub) = sub else { return None };
    let sub = rich_text(sub, true);
    let sub = sub.trim();
    if sub.is_empty() {
        return None;
    }
    let title = rich_text(t, true);
    let title = title.trim_end();
    let sep = if title.ends_with(['.', ':', '?', '!', ';']) {
        " "
    } else {
        ": "
    };
    Some(format!("{title}{sep}{sub}"))
}

/// Appends one variable's value.
fn value(out: &mut String, e: &Entry, f: &Field, var: &str, indent: &str) {
    if NAME_VARIABLES.contains(&var) {
        match &f.value {
            Value::Names(n) => names(out, n, indent),
            v => {
                // A name list the reader did not know as one: read it as BibTeX names.
                let (list, _) = crate::name::parse_bibtex_names(&raw_text(v));
                names(out, &list, indent);
            }
        }
        return;
    }
    if DATE_VARIABLES.contains(&var) {
        match &f.value {
            Value::Date(d) => date(out, d),
            v => {
                let s = match v {
                    // Not a date: the text as written in LaTeX, read.
                    Value::Verbatim(raw) => {
                        latex::decode(raw, &Default::default()).to_plain_string()
                    }
                    v => v.to_plain_string(),
                };
                match crate::date::parse(&s) {
                    Some(d) => date(out, &d),
                    None => {
                        out.push_str("{\"literal\": ");
                        string(out, s.trim());
                        out.push('}');
                    }
                }
            }
        }
        return;
    }
    let s = match (&f.value, var) {
        (Value::Text(t), "page") => t.to_plain_string().replace(['–', '—'], "-"),
        (v, "genre") => type_text(&v.to_plain_string()).to_string(),
        (Value::Text(t), _) if is_title_variable(var) => {
            with_subtitle(e, f, t).unwrap_or_else(|| rich_text(t, true))
        }
        (Value::Text(t), _) if !matches!(var, "URL" | "DOI") => {
            rich_string(out, t);
            return;
        }
        (Value::Text(t), _) => rich_text(t, false),
        // URLs and other verbatim values as a `.bib` file can hold them.
        (Value::Verbatim(v), _) => crate::formats::bibtex::balanced_verbatim(v).into_owned(),
        (v, _) => v.to_plain_string(),
    };
    let s = match var {
        "URL" | "DOI" => crate::formats::bibtex::balanced_verbatim(s.trim()).into_owned(),
        _ => s,
    };
    string(out, s.trim());
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Text(t) => t.is_blank(),
        Value::Verbatim(s) => s.trim().is_empty(),
        Value::Names(n) => n.names.is_empty() && !n.truncated,
        Value::Date(_) => false,
    }
}

/// The order variables are written in: names, titles, dates, numbers, publication,
/// identifiers, notes; then other variables in alphabetical order.
const ORDER: &[&str] = &[
    "author",
    "editor",
    "translator",
    "container-author",
    "collection-editor",
    "composer",
    "director",
    "illustrator",
    "interviewer",
    "recipient",
    "reviewed-author",
    "original-author",
    "chair",
    "compiler",
    "contributor",
    "curator",
    "editorial-director",
    "executive-producer",
    "guest",
    "host",
    "narrator",
    "organizer",
    "performer",
    "producer",
    "script-writer",
    "series-creator",
    "title",
    "title-short",
    "container-title",
    "container-title-short",
    "collection-title",
    "collection-number",
    "volume-title",
    "part-title",
    "reviewed-title",
    "original-title",
    "event-title",
    "issued",
    "event-date",
    "original-date",
    "submitted",
    "available-date",
    "accessed",
    "volume",
    "number-of-volumes",
    "issue",
    "number",
    "chapter-number",
    "part",
    "supplement",
    "edition",
    "section",
    "page",
    "page-first",
    "number-of-pages",
    "genre",
    "medium",
    "status",
    "version",
    "publisher",
    "publisher-place",
    "original-publisher",
    "original-publisher-place",
    "event-place",
    "language",
    "DOI",
    "ISBN",
    "ISSN",
    "PMID",
    "PMCID",
    "URL",
    "keyword",
    "abstract",
    "note",
    "annote",
];

fn rank(var: &str) -> (usize, &str) {
    (
        ORDER.iter().position(|v| *v == var).unwrap_or(ORDER.len()),
        var,
    )
}

/// A field's value for `custom`: rich text, BibTeX names, EDTF dates, verbatim text.
fn custom_value(v: &Value) -> String {
    match v {
        Value::Text(t) => rich_text(t, true).trim().to_string(),
        Value::Names(n) => crate::formats::bibtex::names_string(n),
        v => v.to_plain_string(),
    }
}

/// Appends one CSL item for an entry, indented by `indent`.
///
/// ```
/// use bibkit::model::{Entry, Value};
/// let mut e = Entry::new("k", "online");
/// e.set("url", Value::Verbatim("https://example.org".into()));
/// let mut out = String::new();
/// bibkit::formats::csl_json::write_item(&mut out, &e, "");
/// assert_eq!(out, "{\n  \"id\": \"k\",\n  \"type\": \"webpage\",\n  \"citation-key\": \"k\",\n  \"URL\": \"https://example.org\"\n}");
/// ```
pub fn write_item(out: &mut String, e: &Entry, indent: &str) {
    let inner = format!("{indent}  ");
    out.push_str(indent);
    out.push('{');
    let mut first = true;
    let mut key = |out: &mut String, k: &str| {
        out.push_str(if first { "\n" } else { ",\n" });
        first = false;
        out.push_str(&inner);
        string(out, k);
        out.push_str(": ");
    };
    let (ty, sub_used) = item_type(e);
    key(out, "id");
    match e.get("id") {
        Some(v) => string(out, &v.to_plain_string()),
        None => string(out, &e.key),
    }
    key(out, "type");
    string(out, ty);
    key(out, "citation-key");
    string(out, &e.key);

    let slots = plan(e, sub_used);
    let mut custom: Vec<(&str, String)> = Vec::new();
    if !kind_survives(&e.kind, ty) {
        custom.push(("entrytype", e.kind.clone()));
    }
    // Variables are written in one documented order, whatever the order of the fields.
    enum Out<'e> {
        Field(&'e Field),
        Derived(String),
    }
    let mut vars: Vec<(&str, Out<'_>)> = Vec::new();
    for (f, slot) in e.fields.iter().zip(&slots) {
        match slot {
            Slot::Var(var) => vars.push((var, Out::Field(f))),
            Slot::Custom => custom.push((&f.name, custom_value(&f.value))),
            Slot::Said => {}
        }
    }
    let has = |vars: &[(&str, Out<'_>)], v: &str| vars.iter().any(|(x, _)| *x == v);
    if let (false, Some(g)) = (has(&vars, "genre"), default_genre(&e.kind)) {
        vars.push(("genre", Out::Derived(g.to_string())));
    }
    let arxiv = e
        .get("eprinttype")
        .is_some_and(|t| t.to_plain_string().trim().eq_ignore_ascii_case("arxiv"));
    if let (false, true, Some(id)) = (has(&vars, "number"), arxiv, e.get("eprint")) {
        let id = format!("arXiv:{}", id.to_plain_string().trim());
        vars.push(("number", Out::Derived(id)));
    }
    vars.sort_by_key(|(v, _)| rank(v));
    for (var, o) in &vars {
        key(out, var);
        match o {
            Out::Field(f) => value(out, e, f, var, &inner),
            Out::Derived(s) => string(out, s),
        }
    }
    if !custom.is_empty() {
        key(out, "custom");
        out.push('{');
        // A field that occurs more than once is one key with an array of values.
        let mut done: Vec<&str> = Vec::new();
        for (k, v) in &custom {
            if done.contains(k) {
                continue;
            }
            if !done.is_empty() {
                out.push_str(", ");
            }
            done.push(k);
            string(out, k);
            out.push_str(": ");
            let all: Vec<&String> = custom
                .iter()
                .filter(|(x, _)| x == k)
                .map(|(_, v)| v)
                .collect();
            if all.len() == 1 {
                string(out, v);
            } else {
                out.push('[');
                for (i, v) in all.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    string(out, v);
                }
                out.push(']');
            }
        }
        out.push('}');
    }
    out.push('\n');
    out.push_str(indent);
    out.push('}');
}

/// The bibliography as CSL-JSON text: an array with one item per entry, ending in a
/// newline.
///
/// ```
/// use bibkit::formats::{bibtex, csl_json};
/// let bib = bibtex::read("@article{k, journal = {Nature}, number = 7, pages = {1--9}}").bibliography;
/// let json = csl_json::to_string(&bib);
/// assert!(json.contains("\"container-title\": \"Nature\""));
/// assert!(json.contains("\"issue\": \"7\""));
/// assert!(json.contains("\"page\": \"1-9\""));
/// ```
pub fn to_string(bib: &Bibliography) -> String {
    let mut out = String::with_capacity(bib.entries.len() * 512 + 4);
    write_items(&mut out, &bib.entries, true);
    out.push_str(if bib.entries.is_empty() {
        "[]\n"
    } else {
        "\n]\n"
    });
    out
}

/// Appends entries as items of the CSL-JSON array (the caller writes `[` … `]`): with
/// `first`, the opening `[` is written; otherwise a comma leads.
///
/// ```
/// use bibkit::model::Entry;
/// let mut out = String::new();
/// bibkit::formats::csl_json::write_items(&mut out, &[Entry::new("a", "book")], true);
/// out.push_str("\n]\n");
/// let json: serde_json::Value = serde_json::from_str(&out).unwrap();
/// assert_eq!(json[0]["type"], "book");
/// ```
pub fn write_items(out: &mut String, entries: &[Entry], first: bool) {
    for (i, e) in entries.iter().enumerate() {
        if i == 0 && first {
            out.push_str("[\n");
        } else {
            out.push_str(",\n");
        }
        write_item(out, e, "  ");
    }
}

/// The bibliography as a CSL-JSON value.
///
/// ```
/// use bibkit::model::{Bibliography, Entry};
/// let mut bib = Bibliography::new();
/// bib.entries.push(Entry::new("a", "inproceedings"));
/// assert_eq!(bibkit::formats::csl_json::to_value(&bib)[0]["type"], "paper-conference");
/// ```
pub fn to_value(bib: &Bibliography) -> Json {
    serde_json::from_str(&to_string(bib)).unwrap_or(Json::Array(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Season;

    fn date_json(d: &Date) -> Json {
        let mut s = String::new();
        date(&mut s, d);
        serde_json::from_str(&s).unwrap()
    }

    #[test]
    fn years_have_no_zero() {
        assert_eq!(
            date_json(&Date::Single(DatePart::year(0)))["date-parts"][0][0],
            -1
        );
        assert_eq!(
            date_json(&Date::Single(DatePart::year(-11)))["date-parts"][0][0],
            -12
        );
    }

    #[test]
    fn seasons() {
        let mut p = DatePart::year(2017);
        p.season = Some(Season::Summer);
        let single = date_json(&Date::Single(p.clone()));
        assert_eq!(single["season"], 2);
        assert_eq!(single["date-parts"], serde_json::json!([[2017]]));
        let mut q = DatePart::year(2017);
        q.season = Some(Season::Autumn);
        let range = date_json(&Date::Range(RangeEnd::Known(p), RangeEnd::Known(q)));
        assert_eq!(
            range["date-parts"],
            serde_json::json!([[2017, 14], [2017, 15]])
        );
    }

    #[test]
    fn ranges_with_one_approximate_end_keep_edtf() {
        let mut a = DatePart::year(2011);
        a.approximate = true;
        let d = Date::Range(RangeEnd::Known(a), RangeEnd::Known(DatePart::year(2012)));
        let j = date_json(&d);
        assert_eq!(j["circa"], true);
        assert_eq!(j["raw"], "2011~/2012");
    }

    #[test]
    fn fields_go_to_their_variables() {
        let bib = crate::formats::bibtex::read(
            "@incollection{k, title = {T}, subtitle = {S}, booktitle = {B}, number = 3,
             series = {Ser}, school = {U}, eprint = {2101.00001}, eprinttype = {arXiv},
             director = {Doe, Jane}}",
        )
        .bibliography;
        let j = to_value(&bib);
        let item = &j[0];
        assert_eq!(item["title"], "T: S");
        assert_eq!(item["custom"]["subtitle"], "S");
        assert_eq!(item["collection-number"], "3");
        assert_eq!(item["publisher"], "U");
        assert_eq!(item["number"], "arXiv:2101.00001");
        assert_eq!(item["custom"]["eprint"], "2101.00001");
        assert_eq!(item["director"][0]["family"], "Doe");
    }
}
