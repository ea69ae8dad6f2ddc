//! CSL-JSON.
//!
//! [`to_value`] and [`to_string`] write an array of CSL items that validates against the
//! official CSL-JSON schema.
//!
//! # Mapping
//!
//! Entry types (BibLaTeX names; BibTeX aliases in parentheses):
//!
//! | bibkit kind | CSL type |
//! |---|---|
//! | `article` | `article-journal` |
//! | `book`, `mvbook`, `collection`, `mvcollection`, `proceedings`, `mvproceedings`, `reference`, `mvreference`, `booklet`¹ | `book` |
//! | `inbook`, `incollection`, `bookinbook`, `suppbook`, `suppcollection` | `chapter` |
//! | `inproceedings` (`conference`) | `paper-conference` |
//! | `inreference` | `entry-encyclopedia` |
//! | `manual`, `report` (`techreport`) | `report` |
//! | `thesis` (`phdthesis`, `mastersthesis`) | `thesis` |
//! | `online` (`electronic`, `www`) | `webpage` |
//! | `unpublished` | `manuscript` |
//! | `patent` | `patent` |
//! | `periodical` | `periodical` |
//! | `dataset` | `dataset` |
//! | `software` | `software` |
//! | `misc` | `article` |
//!
//! ¹ `booklet` maps to `pamphlet`. `misc` maps to CSL's `article` ("a preprint, working
//! paper, or other prepublished material"): listings and arXiv exports use `@misc` for
//! preprints. Any other type becomes `document`.
//!
//! Fields: `author`, `editor`, `translator` → the same names; `title`, `abstract`, `note`,
//! `volume`, `edition`, `language`, `version`, `publisher` as is; `journaltitle`/`journal`,
//! `booktitle` → `container-title`; `series` → `collection-title`; `number` → `issue` in
//! articles, else `number`; `pages` → `page` (single hyphen); `location`/`address` →
//! `publisher-place`; `organization`, `institution`, `school` → `publisher` when there is
//! none; `date` → `issued`, `urldate` → `accessed`, `eventdate` → `event-date`,
//! `origdate` → `original-date`; `doi` → `DOI`, `url` → `URL`, `isbn` → `ISBN`, `issn` →
//! `ISSN`; `keywords` → `keyword`. Every other field goes into `custom` under its own name,
//! so nothing is lost.
//!
//! Names become `family`/`given`/`non-dropping-particle`/`suffix`, or `literal`; a
//! truncated list ends with `{"literal": "others"}` as pandoc writes it. Dates become
//! `date-parts` (one date or two for a range), with `circa` for approximate dates, `season`
//! for seasons, and `raw` (the EDTF text) for what `date-parts` cannot say (open ends).
//! Case-protected text in titles becomes `<span class="nocase">…</span>`; LaTeX formatting
//! becomes CSL's markup (`\emph{x}` → `<i>x</i>`, `\textbf` → `<b>`, `\textsc` → small
//! capitals, `\textsuperscript` → `<sup>`), other LaTeX reads as its text.
//!
//! ```
//! use bibkit::formats::{csl_json, listing};
//! let parsed = listing::read("LGNov 5, 2008\nVisualizing Data using t-SNELaurens van der Maaten, Geoffrey Hinton\nAbstract.\n");
//! let json = csl_json::to_value(&parsed.bibliography);
//! assert_eq!(json[0]["type"], "article");
//! assert_eq!(json[0]["author"][0]["non-dropping-particle"], "van der");
//! assert_eq!(json[0]["issued"]["date-parts"][0][0], 2008);
//! ```

use serde_json::Value as Json;

use crate::model::{
    Bibliography, Chunk, Date, DatePart, Entry, Name, NameList, RangeEnd, Season, Text, Value,
};

/// The CSL type for a bibkit entry kind.
///
/// ```
/// assert_eq!(bibkit::formats::csl_json::csl_type("inproceedings"), "paper-conference");
/// assert_eq!(bibkit::formats::csl_json::csl_type("frobnicate"), "document");
/// ```
pub fn csl_type(kind: &str) -> &'static str {
    match kind {
        "article" => "article-journal",
        "book" | "mvbook" | "collection" | "mvcollection" | "proceedings" | "mvproceedings"
        | "reference" | "mvreference" => "book",
        "booklet" => "pamphlet",
        "inbook" | "incollection" | "bookinbook" | "suppbook" | "suppcollection" => "chapter",
        "inproceedings" | "conference" => "paper-conference",
        "inreference" => "entry-encyclopedia",
        "manual" | "report" | "techreport" => "report",
        "thesis" | "phdthesis" | "mastersthesis" => "thesis",
        "online" | "electronic" | "www" => "webpage",
        "unpublished" => "manuscript",
        "patent" => "patent",
        "periodical" => "periodical",
        "dataset" => "dataset",
        "software" => "software",
        "misc" => "article",
        _ => "document",
    }
}

/// Title-like fields: their case-protected parts are marked `nocase`.
fn is_title_field(name: &str) -> bool {
    matches!(
        name,
        "title"
            | "shorttitle"
            | "journaltitle"
            | "journal"
            | "booktitle"
            | "series"
            | "maintitle"
            | "eventtitle"
    )
}

/// The CSL variable for a bibkit field, if there is one.
fn variable(field: &str, kind: &str) -> Option<&'static str> {
    Some(match field {
        "author" => "author",
        "editor" => "editor",
        "translator" => "translator",
        "title" => "title",
        "shorttitle" => "title-short",
        "abstract" => "abstract",
        "note" => "note",
        "annotation" | "annote" => "annote",
        "volume" => "volume",
        "edition" => "edition",
        "language" => "language",
        "version" => "version",
        "publisher" => "publisher",
        "journaltitle" | "journal" | "booktitle" => "container-title",
        "shortjournal" => "container-title-short",
        "series" => "collection-title",
        "number" if matches!(kind, "article" | "periodical") => "issue",
        "issue" => "issue",
        "number" => "number",
        "pages" => "page",
        "pagetotal" => "number-of-pages",
        "volumes" => "number-of-volumes",
        "location" | "address" => "publisher-place",
        "date" => "issued",
        "urldate" => "accessed",
        "eventdate" => "event-date",
        "origdate" => "original-date",
        "eventtitle" => "event-title",
        "venue" => "event-place",
        "doi" => "DOI",
        "url" => "URL",
        "isbn" => "ISBN",
        "issn" => "ISSN",
        "keywords" => "keyword",
        "type" if kind.ends_with("thesis") || kind == "report" => "genre",
        "chapter" => "chapter-number",
        _ => return None,
    })
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

/// Appends a text value as a JSON string: case-protected parts of titles as
/// `<span class="nocase">`, raw LaTeX as its plain reading.
fn text_string(out: &mut String, t: &Text, title: bool) {
    out.push('"');
    for c in t.chunks() {
        match c {
            Chunk::Protected(s) if title => {
                out.push_str("<span class=\\\"nocase\\\">");
                string_body(out, s);
                out.push_str("</span>");
            }
            Chunk::Plain(s) | Chunk::Protected(s) => string_body(out, s),
            Chunk::Raw(r) => string_body(out, &crate::latex::render_raw_csl(r)),
            c => string_body(out, &c.to_plain_string()),
        }
    }
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

fn date_parts(d: &DatePart) -> Option<String> {
    if d.unspecified != 0 {
        return None;
    }
    let mut s = format!("[{}", d.year);
    if let Some(m) = d.month {
        s.push_str(&format!(", {m}"));
        if let Some(day) = d.day {
            s.push_str(&format!(", {day}"));
        }
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
    let parts = match (first, second) {
        (Some(a), None) => date_parts(a),
        (Some(a), Some(b)) => {
            date_parts(a).and_then(|pa| date_parts(b).map(|pb| format!("{pa}, {pb}")))
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
            if let Some(s) = pts.iter().find_map(|p| p.season) {
                out.push_str(&format!(", \"season\": {}", s.code() - 20));
            }
            if pts.iter().any(|p| p.uncertain || p.time.is_some()) {
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

/// Reads a CSL date object: `date-parts` (one date, or two for a range) with `circa` and
/// `season`; `raw` through bibkit's date parser ([`crate::date::parse`]); `literal` kept as
/// written. An EDTF string in place of the object (as some exporters write) is read too.
/// Returns `None` for an empty or unreadable date.
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
    if let Some(parts) = obj.get("date-parts").and_then(Json::as_array) {
        let mut ends = Vec::new();
        for p in parts.iter().take(2) {
            let p = p.as_array()?;
            let y = p.first().and_then(num)?;
            let m = p.get(1).and_then(num).and_then(|m| u8::try_from(m).ok());
            let d = p.get(2).and_then(num).and_then(|d| u8::try_from(d).ok());
            let mut part = crate::date::checked(y, m, d.filter(|_| m.is_some()))?;
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
            1 => Some(Date::Single(ends.remove(0))),
            _ => {
                let b = ends.pop()?;
                let a = ends.pop()?;
                Some(Date::Range(RangeEnd::Known(a), RangeEnd::Known(b)))
            }
        };
        if let Some(d) = date {
            return Some(Value::date(d));
        }
    }
    if let Some(raw) = obj.get("raw").and_then(Json::as_str) {
        return Some(match crate::date::parse(raw) {
            Some(d) => Value::date(d),
            None => Value::text(raw),
        });
    }
    obj.get("literal").and_then(Json::as_str).map(Value::text)
}

/// Appends one CSL item for an entry, indented by `indent`.
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
    key(out, "id");
    string(out, &e.key);
    key(out, "type");
    string(out, csl_type(&e.kind));
    key(out, "citation-key");
    string(out, &e.key);
    let mut custom: Vec<(&str, String)> = Vec::new();
    let mut publisher_fallback: Option<(&str, String)> = None;
    let mut used: Vec<&str> = Vec::new();
    for f in &e.fields {
        if matches!(f.name.as_ref(), "organization" | "institution" | "school") {
            if publisher_fallback.is_none() {
                publisher_fallback = Some((&f.name, f.value.to_plain_string()));
            } else {
                custom.push((&f.name, f.value.to_plain_string()));
            }
            continue;
        }
        let Some(var) = variable(&f.name, &e.kind) else {
            custom.push((&f.name, f.value.to_plain_string()));
            continue;
        };
        if used.contains(&var) {
            // Two fields map to one variable (`journal` and `journaltitle`): keep both.
            custom.push((&f.name, f.value.to_plain_string()));
            continue;
        }
        used.push(var);
        key(out, var);
        match (&f.value, var) {
            (Value::Names(n), _) => names(out, n, &inner),
            (Value::Date(d), _) => date(out, d),
            (v, "author" | "editor" | "translator") => {
                out.push_str("[{\"literal\": ");
                string(out, &v.to_plain_string());
                out.push_str("}]");
            }
            (v, "issued" | "accessed" | "event-date" | "original-date") => {
                out.push_str("{\"literal\": ");
                string(out, &v.to_plain_string());
                out.push('}');
            }
            (Value::Text(t), "page") => string(out, &t.to_plain_string().replace(['–', '—'], "-")),
            (Value::Text(t), _) => text_string(out, t, is_title_field(&f.name)),
            (v, _) => string(out, &v.to_plain_string()),
        }
    }
    if let Some((name, p)) = publisher_fallback {
        if used.contains(&"publisher") {
            custom.push((name, p));
        } else {
            key(out, "publisher");
            string(out, &p);
        }
    }
    if !custom.is_empty() {
        key(out, "custom");
        out.push('{');
        for (i, (k, v)) in custom.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            string(out, k);
            out.push_str(": ");
            string(out, v);
        }
        out.push('}');
    }
    out.push('\n');
    out.push_str(indent);
    out.push('}');
}

/// The bibliography as CSL-JSON text: an array with one item per entry, ending in a
/// newline.
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
pub fn to_value(bib: &Bibliography) -> Json {
    serde_json::from_str(&to_string(bib)).unwrap_or(Json::Array(Vec::new()))
}
