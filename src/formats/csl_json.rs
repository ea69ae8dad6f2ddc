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
//! Case-protected text in titles becomes `<span class="nocase">…</span>`.
//!
//! ```
//! use bibkit::formats::{csl_json, listing};
//! let parsed = listing::read("LGNov 5, 2008\nVisualizing Data using t-SNELaurens van der Maaten, Geoffrey Hinton\nAbstract.\n");
//! let json = csl_json::to_value(&parsed.bibliography);
//! assert_eq!(json[0]["type"], "article");
//! assert_eq!(json[0]["author"][0]["non-dropping-particle"], "van der");
//! assert_eq!(json[0]["issued"]["date-parts"][0][0], 2008);
//! ```

use serde_json::{Map, Value as Json, json};

use crate::model::{
    Bibliography, Chunk, Date, DatePart, Entry, Name, NameList, RangeEnd, Text, Value,
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

/// CSL-JSON for one text value.
fn text(t: &Text, title: bool) -> String {
    let mut out = String::new();
    for c in t.chunks() {
        match c {
            Chunk::Protected(s) if title => {
                out.push_str("<span class=\"nocase\">");
                out.push_str(s);
                out.push_str("</span>");
            }
            c => out.push_str(&c.to_plain_string()),
        }
    }
    out
}

fn names(list: &NameList) -> Json {
    let mut out: Vec<Json> = list
        .names
        .iter()
        .map(|n| match n {
            Name::Literal(s) => json!({ "literal": s }),
            Name::Person(p) => {
                let mut m = Map::new();
                for (k, v) in [
                    ("family", &p.family),
                    ("given", &p.given),
                    ("non-dropping-particle", &p.particle),
                    ("suffix", &p.suffix),
                ] {
                    if !v.is_empty() {
                        m.insert(k.into(), Json::String(v.clone()));
                    }
                }
                Json::Object(m)
            }
        })
        .collect();
    if list.truncated {
        out.push(json!({ "literal": "others" }));
    }
    Json::Array(out)
}

fn date_parts(d: &DatePart) -> Option<Json> {
    if d.unspecified != 0 {
        return None;
    }
    let mut parts = vec![json!(d.year)];
    if let Some(m) = d.month {
        parts.push(json!(m));
        if let Some(day) = d.day {
            parts.push(json!(day));
        }
    }
    Some(Json::Array(parts))
}

/// A CSL date object for a bibkit date.
pub fn date(d: &Date) -> Json {
    let mut m = Map::new();
    let (first, second) = match d {
        Date::Single(p) => (Some(p), None),
        Date::Range(RangeEnd::Known(a), RangeEnd::Known(b)) => (Some(a), Some(b)),
        Date::Range(..) => (None, None),
    };
    let parts: Option<Vec<Json>> = match (first, second) {
        (Some(a), None) => date_parts(a).map(|p| vec![p]),
        (Some(a), Some(b)) => date_parts(a).and_then(|pa| date_parts(b).map(|pb| vec![pa, pb])),
        _ => None,
    };
    match parts {
        Some(p) => {
            m.insert("date-parts".into(), Json::Array(p));
            let pts: Vec<&DatePart> = first.into_iter().chain(second).collect();
            if pts.iter().any(|p| p.approximate) {
                m.insert("circa".into(), json!(true));
            }
            if let Some(s) = pts.iter().find_map(|p| p.season) {
                m.insert("season".into(), json!(s.code() - 20));
            }
            if pts.iter().any(|p| p.uncertain || p.time.is_some()) {
                m.insert("raw".into(), json!(d.to_string()));
            }
        }
        None => {
            m.insert("raw".into(), json!(d.to_string()));
        }
    }
    Json::Object(m)
}

/// One CSL item for an entry.
pub fn item(e: &Entry) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("id".into(), json!(e.key));
    m.insert("type".into(), json!(csl_type(&e.kind)));
    m.insert("citation-key".into(), json!(e.key));
    let mut custom = Map::new();
    let mut publisher_fallback: Option<(&str, String)> = None;
    for f in &e.fields {
        if matches!(f.name.as_str(), "organization" | "institution" | "school") {
            if publisher_fallback.is_none() {
                publisher_fallback = Some((&f.name, f.value.to_plain_string()));
            } else {
                custom.insert(f.name.clone(), json!(f.value.to_plain_string()));
            }
            continue;
        }
        let Some(var) = variable(&f.name, &e.kind) else {
            custom.insert(f.name.clone(), json!(f.value.to_plain_string()));
            continue;
        };
        if m.contains_key(var) {
            // Two fields map to one variable (`journal` and `journaltitle`): keep both.
            custom.insert(f.name.clone(), json!(f.value.to_plain_string()));
            continue;
        }
        let v = match (&f.value, var) {
            (Value::Names(n), _) => names(n),
            (Value::Date(d), _) => date(d),
            (v, "author" | "editor" | "translator") => json!([{ "literal": v.to_plain_string() }]),
            (v, "issued" | "accessed" | "event-date" | "original-date") => {
                json!({ "literal": v.to_plain_string() })
            }
            (Value::Text(t), "page") => json!(t.to_plain_string().replace(['–', '—'], "-")),
            (Value::Text(t), _) => json!(text(t, is_title_field(&f.name))),
            (v, _) => json!(v.to_plain_string()),
        };
        m.insert(var.into(), v);
    }
    if let Some((name, p)) = publisher_fallback {
        if m.contains_key("publisher") {
            custom.insert(name.into(), json!(p));
        } else {
            m.insert("publisher".into(), json!(p));
        }
    }
    if !custom.is_empty() {
        m.insert("custom".into(), Json::Object(custom));
    }
    m
}

/// The bibliography as a CSL-JSON array.
pub fn to_value(bib: &Bibliography) -> Json {
    Json::Array(bib.entries.iter().map(|e| Json::Object(item(e))).collect())
}

/// The bibliography as pretty-printed CSL-JSON, ending in a newline.
pub fn to_string(bib: &Bibliography) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(bib)).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}
