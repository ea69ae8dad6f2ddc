//! The rules about one entry: required fields, field values, names, text, house style.

use unicode_normalization::is_nfc;

use super::config::Model;
use super::{Findings, Source, is_own};
use crate::formats::bibtex::{self, FieldKind};
use crate::model::{Chunk, Entry, Field, Name, Span, Value};

/// Checks one entry (all but `missing-field`, which depends on the data model: see
/// [`missing_fields`]).
pub(super) fn check_entry(src: &Source<'_>, e: &Entry, out: &mut Findings<'_>) {
    for f in e.fields.iter().filter(|f| is_own(e, f)) {
        let Some((raw, span)) = src.value_source(f) else {
            continue;
        };
        let pos = (0, 0);
        let mut push = |rule: &'static str, message: String| {
            out.push(rule, message, src.file.clone(), span, pos, Some(&e.key));
        };
        if let Some((rule, message)) = value_problem(f, raw) {
            push(rule, message);
        }
        if bibtex::is_address(&f.name) {
            let written = raw_value(raw).trim();
            let fixed = crate::latex::unescape_verbatim(written);
            if fixed != written {
                push(
                    "escaped-url",
                    format!(
                        "`{}` has LaTeX escapes, which a verbatim field keeps as written; write `{fixed}`",
                        f.name
                    ),
                );
            }
        }
        let kind = bibtex::field_kind(&f.name);
        if matches!(kind, FieldKind::Text | FieldKind::Names) {
            if let Some((_, inner, _)) =
                super::fix::delimited(raw).filter(|(o, _, _)| !o.is_empty())
            {
                if super::fix::has_stray_whitespace(inner) {
                    push(
                        "stray-whitespace",
                        format!(
                            "`{}` has white space at its ends or a run of spaces",
                            f.name
                        ),
                    );
                }
            }
        }
        if !is_nfc(raw) {
            push(
                "non-nfc",
                format!(
                    "`{}` is not in Unicode NFC (it has decomposed characters)",
                    f.name
                ),
            );
        }
        if bibtex::field_kind(&f.name) == FieldKind::Text && is_typeset(&f.name) {
            if let Some(c) = unescaped(raw) {
                push(
                    "unescaped-special",
                    format!("`{}` has a bare `{c}`; write `\\{c}`", f.name),
                );
            }
        }
        if bibtex::field_kind(&f.name) == FieldKind::Names && has_literal_et_al(raw) {
            push(
                "literal-et-al",
                format!(
                    "`{}` ends in a literal `et al.`; write `and others`",
                    f.name
                ),
            );
        }
    }
    if !e.fields.iter().any(|f| f.name == "month") {
        month_text(src, e, out);
    }
    if out.on("field-case") {
        field_case(src, e, out);
    }
    style(src, e, out);
}

/// `field-case`: field names as written in the entry's source (`YEAR` is folded into the
/// date by then).
fn field_case(src: &Source<'_>, e: &Entry, out: &mut Findings<'_>) {
    let span = super::entry_span(e);
    let Some(text) = src.text.get(span.start..span.end) else {
        return;
    };
    let doc = crate::edit::Document::parse(text);
    if doc.blocks().is_empty() {
        return;
    }
    let base = doc.text().as_ptr() as usize;
    for k in 0.. {
        let Some((name, _)) = doc.field(0, k) else {
            break;
        };
        if !name.bytes().any(|b| b.is_ascii_uppercase()) {
            continue;
        }
        let at = span.start + (name.as_ptr() as usize - base);
        let lower = name.to_ascii_lowercase();
        out.push(
            "field-case",
            format!("field `{name}` is not in lower case; write `{lower}`"),
            src.file.clone(),
            Span::new(at, at + name.len()),
            (0, 0),
            Some(&e.key),
        );
    }
}

/// `month-text` for a month the reader folded into the date: found in the entry's source.
fn month_text(src: &Source<'_>, e: &Entry, out: &mut Findings<'_>) {
    let span = super::entry_span(e);
    let Some(text) = src.text.get(span.start..span.end) else {
        return;
    };
    // Only an entry with `month = {` or `month = "` is read again.
    let b = text.as_bytes();
    let braced = (0..b.len().saturating_sub(5)).any(|i| {
        b[i..i + 5].eq_ignore_ascii_case(b"month") && {
            let rest = text[i + 5..].trim_start();
            rest.strip_prefix('=')
                .is_some_and(|r| r.trim_start().starts_with(['{', '"']))
        }
    });
    if !braced {
        return;
    }
    let doc = crate::edit::Document::parse(text);
    if doc.blocks().is_empty() {
        return;
    }
    let i = 0;
    for (k, name) in doc.field_names(i).iter().enumerate() {
        if !name.eq_ignore_ascii_case("month") {
            continue;
        }
        let (Some((_, raw)), Some(vspan)) = (doc.field(i, k), doc.value_span(i, k)) else {
            continue;
        };
        let written = raw.trim();
        let Some((open, inner, _)) = super::fix::delimited(written) else {
            continue;
        };
        if open.is_empty() {
            continue;
        }
        if let Some(m) = crate::date::month_from_name(inner.trim()) {
            out.push(
                "month-text",
                format!(
                    "`{written}` is text; write the month macro `{}`, which styles abbreviate and translate and biber reads as a month",
                    MONTH_MACROS[usize::from(m) - 1]
                ),
                src.file.clone(),
                Span::new(span.start + vspan.start, span.start + vspan.end),
                (0, 0),
                Some(&e.key),
            );
        }
        // BibTeX reads the first `month` only.
        return;
    }
}

/// Whether a text field is printed (sorting and indexing keys, keywords and options are
/// not, so `&` and `%` do no harm there; nor are links and the bookkeeping fields of
/// databases and reference managers: ADS's `adsurl`/`adsnote`, INSPIRE's `SLACcitation`,
/// BibDesk's `bdsk-url-1`, Mendeley's and JabRef's tags and groups).
fn is_typeset(name: &str) -> bool {
    !(name.starts_with("sort")
        || name.starts_with("indexsort")
        || name.ends_with("url")
        || name.starts_with("bdsk-")
        || name.starts_with("mendeley-")
        || matches!(
            name,
            "slaccitation" | "adsnote" | "bibcode" | "file" | "groups" | "pdf" | "urldate"
        )
        || matches!(
            name,
            "presort"
                | "year"
                | "month"
                | "keywords"
                | "options"
                | "langid"
                | "langidopts"
                | "key"
                | "label"
                | "entrysubtype"
                | "execute"
                | "timestamp"
                | "owner"
        ))
}

/// How far past the current year a year may be (works announced as forthcoming).
const FUTURE_YEARS: i64 = 5;

/// The current year (UTC), from the clock.
fn current_year() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    // Days to a civil year, as in Howard Hinnant's `civil_from_days`.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    yoe + era * 400 + i64::from(mp >= 10)
}

/// `invalid-year` for a year far in the future.
fn future_year(year: i64) -> Option<(&'static str, String)> {
    let now = current_year();
    (year > now + FUTURE_YEARS).then(|| {
        (
            "invalid-year",
            format!("`{year}` is more than {FUTURE_YEARS} years after {now}: is it a typo?"),
        )
    })
}

/// The month macros BibTeX styles define, January first.
const MONTH_MACROS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// What is wrong with a field's value, if anything: a rule id and a message.
fn value_problem(f: &Field, raw: &str) -> Option<(&'static str, String)> {
    let text = || f.value.to_plain_string();
    match f.name.as_ref() {
        "year" => {
            let t = text();
            let t = t.trim();
            let ok = t.is_empty() || t.parse::<i64>().is_ok_and(|y| (-9999..=9999).contains(&y));
            if !ok {
                return Some(("invalid-year", format!("`{t}` is not a year")));
            }
            t.parse::<i64>().ok().and_then(future_year)
        }
        "month" => {
            let t = text();
            let t = t.trim();
            let month = |m: &str| {
                let m = m.trim();
                crate::date::month_from_name(m).is_some()
                    || crate::date::season_from_name(m).is_some()
                    || m.parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
            };
            // A month, a season, or a range of them (`Sep--Oct`).
            let ok = t.is_empty() || month(t) || {
                let parts: Vec<&str> = t.split(['-', '–', '/']).filter(|p| !p.is_empty()).collect();
                parts.len() == 2 && parts.iter().all(|p| month(p))
            };
            if !ok {
                return Some(("invalid-month", format!("`{t}` is not a month")));
            }
            let written = raw.trim();
            let text_month = written.starts_with(['{', '"'])
                && super::fix::delimited(written).is_some()
                && crate::date::month_from_name(t).is_some();
            text_month.then(|| {
                let m = crate::date::month_from_name(t).unwrap_or(1);
                (
                    "month-text",
                    format!(
                        "`{written}` is text; write the month macro `{}`, which styles abbreviate and translate and biber reads as a month",
                        MONTH_MACROS[usize::from(m) - 1]
                    ),
                )
            })
        }
        "date" | "urldate" | "eventdate" | "origdate" => match &f.value {
            Value::Verbatim(s)
                if !s.trim().is_empty() && !crate::date::is_edtf_level2(s.trim()) =>
            {
                Some((
                    "invalid-date",
                    format!("`{}` is not an ISO 8601/EDTF date", s.trim()),
                ))
            }
            Value::Text(t) if !t.is_empty() => Some((
                "invalid-date",
                format!("`{}` is not an ISO 8601/EDTF date", t.to_plain_string()),
            )),
            // Published, visited or held more than a few years from now: a typo.
            Value::Date(d) if f.name != "urldate" => d
                .start()
                .and_then(|p| future_year(p.year))
                .map(|(_, m)| ("invalid-date", m)),
            _ => None,
        },
        "pages" => {
            let t = text();
            if let Some(why) = pages_problem(&t) {
                return Some(("invalid-pages", why));
            }
            let ranges: Vec<(String, String)> = t
                .split([',', ';'])
                .filter_map(|item| Some((item.trim().to_string(), super::fix::hyphen_range(item)?)))
                .collect();
            ranges.first().map(|(item, fixed)| {
                (
                    "page-range",
                    format!(
                        "`{item}` is a range written with a hyphen; write `{}` (BibTeX's range dash)",
                        fixed.trim()
                    ),
                )
            })
        }
        "doi" => {
            let d = crate::latex::unescape_verbatim(raw_value(raw).trim());
            let d = bibtex::normalize_doi(&d);
            if d.is_empty() {
                return None;
            }
            if is_doi(d) {
                let written = crate::latex::unescape_verbatim(raw_value(raw).trim());
                let written = written.trim();
                return (written != d).then(|| {
                    (
                        "invalid-doi",
                        format!("`{written}` is an address, not a DOI; write `{d}`"),
                    )
                });
            }
            // A resolver address around a DOI: say which part to keep.
            let inner = d.find("/10.").map(|i| &d[i + 1..]).filter(|x| is_doi(x));
            Some((
                "invalid-doi",
                match inner {
                    Some(x) => format!("`{d}` is an address, not a DOI; write `{x}`"),
                    None => format!("`{d}` is not a DOI (10.<registrant>/<suffix>)"),
                },
            ))
        }
        "isbn" => isbn_problem(&text()).map(|why| ("invalid-isbn", why)),
        "issn" => issn_problem(&text()).map(|why| ("invalid-issn", why)),
        "url" => {
            let u = crate::latex::unescape_verbatim(raw_value(raw).trim()).into_owned();
            url_problem(&u).map(|why| ("invalid-url", why))
        }
        _ => None,
    }
}

/// A value's source without its outer braces or quotes.
fn raw_value(raw: &str) -> &str {
    let r = raw.trim();
    let wrapped =
        (r.starts_with('{') && r.ends_with('}')) || (r.starts_with('"') && r.ends_with('"'));
    if wrapped && r.len() >= 2 {
        return &r[1..r.len() - 1];
    }
    r
}

fn is_doi(d: &str) -> bool {
    let Some(rest) = d.strip_prefix("10.") else {
        return false;
    };
    let Some((registrant, suffix)) = rest.split_once('/') else {
        return false;
    };
    let reg_ok = !registrant.is_empty()
        && registrant
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    reg_ok && !suffix.is_empty() && !suffix.contains(char::is_whitespace)
}

/// Why `pages` is not a page list, if it is not.
fn pages_problem(p: &str) -> Option<String> {
    let p = p.trim();
    if p.is_empty() {
        return None;
    }
    let lower = p.to_lowercase();
    if lower.starts_with("pp")
        || lower.starts_with("p.")
        || lower.starts_with("s.") && lower.contains(' ')
    {
        return Some(format!("`{p}` has a page label; write only the numbers"));
    }
    let token = |t: &str| {
        let t = t.trim();
        !t.is_empty()
            && (t.bytes().any(|b| b.is_ascii_digit())
                || t.chars().all(|c| "ivxlcdmIVXLCDM".contains(c)))
            && t.chars()
                .all(|c| c.is_alphanumeric() || ".:/+-".contains(c))
    };
    for item in p.split([',', ';']) {
        let item = item.trim();
        // `C3-32--C3-35`: with a long dash (or `--`) in the item, single hyphens are part
        // of the page numbers.
        let long = item.contains(['–', '—']) || item.contains("--");
        let parts: Vec<&str> = if long {
            item.split(['–', '—'])
                .flat_map(|s| s.split("--"))
                .map(|s| s.trim_matches('-').trim())
                .filter(|s| !s.is_empty())
                .collect()
        } else {
            item.split('-')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        };
        let dashes = item.contains(['-', '–', '—']);
        let ends_with_dash = item.ends_with(['-', '–', '—']) || item.starts_with(['-', '–', '—']);
        if ends_with_dash && parts.len() <= 1 {
            return Some(format!("`{item}` is a range without one of its ends"));
        }
        if parts.is_empty() || parts.len() > 2 || !parts.iter().all(|t| token(t)) {
            return Some(format!("`{item}` is not a page or a page range"));
        }
        if let ([a, b], true) = (parts.as_slice(), dashes) {
            if let (Ok(x), Ok(y)) = (a.parse::<u64>(), b.parse::<u64>()) {
                // `1234--56` is a shortened range; same-length ends must not run backwards.
                if a.len() == b.len() && x > y {
                    return Some(format!("`{item}` runs backwards"));
                }
            }
        }
    }
    None
}

/// The digits of an ISBN or ISSN, with the check character `X`.
fn id_digits(part: &str) -> Vec<char> {
    part.chars()
        .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
        .collect()
}

/// The ISBNs in a value: digit runs separated by commas, semicolons or words.
fn isbn_problem(v: &str) -> Option<String> {
    for part in v.split([',', ';', '/']) {
        let chars = id_digits(part);
        if chars.is_empty() {
            continue;
        }
        let shown = part.trim();
        let ok = match chars.len() {
            10 => {
                let sum: u32 = chars
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let d = if matches!(c, 'X' | 'x') && i == 9 {
                            10
                        } else {
                            c.to_digit(10).unwrap_or(99)
                        };
                        (10 - i as u32) * d
                    })
                    .sum();
                sum % 11 == 0 && !chars[..9].iter().any(|c| matches!(c, 'X' | 'x'))
            }
            13 => {
                let digits: Option<Vec<u32>> = chars.iter().map(|c| c.to_digit(10)).collect();
                digits.is_some_and(|d| {
                    let sum: u32 = d
                        .iter()
                        .enumerate()
                        .map(|(i, x)| if i % 2 == 0 { *x } else { 3 * x })
                        .sum();
                    sum % 10 == 0
                })
            }
            n => {
                return Some(format!(
                    "`{shown}` is not an ISBN: {n} digits (an ISBN has 10 or 13)"
                ));
            }
        };
        if !ok {
            return Some(format!(
                "`{shown}` is not an ISBN: its check digit is wrong"
            ));
        }
        if let Some((written, right)) = super::fix::isbn_form(part) {
            if written != right {
                return Some(format!(
                    "`{written}` is hyphenated in the wrong places; write `{right}`"
                ));
            }
        }
    }
    None
}

fn issn_problem(v: &str) -> Option<String> {
    for part in v.split([',', ';', '/']).flat_map(|p| p.split(" and ")) {
        let chars = id_digits(part);
        if chars.is_empty() {
            continue;
        }
        let shown = part.trim();
        if chars.len() != 8 {
            return Some(format!(
                "`{shown}` is not an ISSN: {} digits (an ISSN has 8)",
                chars.len()
            ));
        }
        let digits: Option<Vec<u32>> = chars[..7].iter().map(|c| c.to_digit(10)).collect();
        let Some(digits) = digits else {
            return Some(format!("`{shown}` is not an ISSN"));
        };
        let sum: u32 = digits
            .iter()
            .enumerate()
            .map(|(i, d)| (8 - i as u32) * d)
            .sum();
        let check = (11 - sum % 11) % 11;
        let last = match chars[7] {
            'X' | 'x' => 10,
            c => c.to_digit(10).unwrap_or(99),
        };
        if check != last {
            return Some(format!(
                "`{shown}` is not an ISSN: its check digit is wrong"
            ));
        }
        if let Some(form) = super::fix::issn_form(shown) {
            if form != shown {
                return Some(format!(
                    "`{shown}` is not written as an ISSN; write `{form}`"
                ));
            }
        }
    }
    None
}

fn url_problem(u: &str) -> Option<String> {
    if u.is_empty() {
        return None;
    }
    if u.contains(char::is_whitespace) {
        return Some(format!("`{u}` has white space; write it as `%20`"));
    }
    match url::Url::parse(u) {
        Ok(parsed)
            if parsed.cannot_be_a_base()
                && !matches!(parsed.scheme(), "mailto" | "urn" | "doi" | "data") =>
        {
            Some(format!("`{u}` is not an absolute URL"))
        }
        Ok(_) => None,
        Err(_) => Some(format!(
            "`{u}` is not an absolute URL (a scheme such as `https://` is missing)"
        )),
    }
}

/// The first unescaped `&` or `%` in a value's source.
fn unescaped(raw: &str) -> Option<char> {
    let b = raw.as_bytes();
    let mut i = 0;
    let mut in_math = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'$' => in_math = !in_math,
            b'&' if !in_math => return Some('&'),
            b'%' => return Some('%'),
            _ => {}
        }
        i += 1;
    }
    None
}

fn has_literal_et_al(raw: &str) -> bool {
    let v = raw_value(raw).trim_end().to_lowercase();
    let v = v.trim_end_matches('}').trim_end();
    ["et al.", "et al", "et~al.", "et~al"]
        .iter()
        .any(|s| v.ends_with(s) && v.len() > s.len())
}

/// Whether an entry inherits from another (`crossref`, `xdata`).
pub(super) fn is_child(e: &Entry) -> bool {
    e.get("crossref").is_some() || e.get("xdata").is_some()
}

/// The entries an entry inherits from.
pub(super) fn parents(e: &Entry) -> Vec<String> {
    ["crossref", "xdata"]
        .iter()
        .filter_map(|f| e.get(f))
        .flat_map(|v| {
            v.to_plain_string()
                .split(',')
                .map(|k| k.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|k| !k.is_empty())
        .collect()
}

/// First author's family name (folded) and year: the bucket for duplicate detection.
pub(super) fn work_key(e: &Entry) -> Option<(String, i64)> {
    let names = e.names("author").or_else(|| e.names("editor"))?;
    let family = match names.names.first()? {
        Name::Person(p) => crate::keys::ascii_fold(&p.family),
        Name::Literal(s) => crate::keys::ascii_fold(s),
    };
    let year = e.date_in("date").and_then(|d| d.start()).map(|d| d.year)?;
    (!family.is_empty()).then_some((family, year))
}

/// A title reduced to lowercase letters and digits with single spaces.
pub(super) fn title_key(e: &Entry) -> String {
    let t = e
        .get("title")
        .map(Value::to_plain_string)
        .unwrap_or_default();
    t.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Required fields by entry type; `a/b` means either.
fn required(kind: &str, model: Model) -> &'static [&'static str] {
    match model {
        Model::Bibtex => match kind {
            "article" => &["author", "title", "journaltitle", "date"],
            "book" => &["author/editor", "title", "publisher", "date"],
            "booklet" | "manual" => &["title"],
            "inbook" => &[
                "author/editor",
                "title",
                "chapter/pages",
                "publisher",
                "date",
            ],
            "incollection" => &["author", "title", "booktitle", "publisher", "date"],
            "inproceedings" | "conference" => &["author", "title", "booktitle", "date"],
            "mastersthesis" | "phdthesis" => &["author", "title", "institution", "date"],
            "proceedings" => &["title", "date"],
            "techreport" => &["author", "title", "institution", "date"],
            "unpublished" => &["author", "title", "note"],
            _ => &[],
        },
        // biber's data model (`blx-dm.def`): its mandatory fields, and `date` or `year`
        // for every type it lists.
        Model::Biblatex => match kind {
            "article" => &["author", "journaltitle", "title", "date"],
            "book" | "mvbook" | "mvcollection" | "mvreference" => &["author", "title", "date"],
            "inbook" | "bookinbook" | "suppbook" => &["author", "title", "booktitle", "date"],
            "booklet" => &["author/editor", "title", "date"],
            "collection" | "reference" | "periodical" | "proceedings" => {
                &["editor", "title", "date"]
            }
            "mvproceedings" => &["editor", "title"],
            "incollection" | "suppcollection" | "inreference" => {
                &["author", "editor", "title", "booktitle", "date"]
            }
            "manual" | "misc" => &["title", "date"],
            "online" | "electronic" | "www" => &["title", "url", "date"],
            "patent" => &["author", "title", "number", "date"],
            "suppperiodical" => &["date"],
            "inproceedings" | "conference" => &["author", "title", "booktitle", "date"],
            "report" | "thesis" => &["author", "title", "type", "institution", "date"],
            // The BibTeX aliases imply the type.
            "techreport" | "phdthesis" | "mastersthesis" => {
                &["author", "title", "institution", "date"]
            }
            "unpublished" => &["author", "title", "date"],
            "set" => &["entryset"],
            _ => &[],
        },
    }
}

/// How a field is written in the data model (for messages).
fn spelled(field: &str, model: Model) -> &str {
    match (field, model) {
        ("journaltitle", Model::Bibtex) => "journal",
        ("institution", Model::Bibtex) => "school/institution",
        ("date", Model::Bibtex) => "year",
        ("date", Model::Biblatex) => "date/year",
        (f, _) => f,
    }
}

/// `missing-field`: the fields the entry's type requires in `model`.
pub(super) fn missing_fields(src: &Source<'_>, e: &Entry, model: Model, out: &mut Findings<'_>) {
    let has = |f: &str| match e.get(f) {
        Some(v) => !v.to_plain_string().trim().is_empty(),
        // A year that did not become a date still says when.
        None => f == "date" && e.get("year").is_some(),
    };
    let missing: Vec<String> = required(&e.kind, model)
        .iter()
        .filter(|alts| !alts.split('/').any(has))
        .map(|alts| {
            alts.split('/')
                .map(|f| format!("`{}`", spelled(f, model)))
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .collect();
    if missing.is_empty() {
        return;
    }
    let span = super::entry_span(e);
    let pos = (0, 0);
    let model_name = match model {
        Model::Bibtex => "BibTeX",
        Model::Biblatex => "BibLaTeX",
    };
    out.push(
        "missing-field",
        format!(
            "@{} `{}` lacks {} ({model_name} requires it)",
            e.kind,
            e.key,
            missing.join(", ")
        ),
        src.file.clone(),
        span,
        pos,
        Some(&e.key),
    );
}

/// The order `field-order` expects: who, what, where, when, numbers, identifiers, notes.
const ORDER: &[&str] = &[
    "author",
    "editor",
    "translator",
    "title",
    "subtitle",
    "titleaddon",
    "shorttitle",
    "booktitle",
    "maintitle",
    "journaltitle",
    "series",
    "edition",
    "volume",
    "number",
    "issue",
    "chapter",
    "pages",
    "publisher",
    "organization",
    "institution",
    "location",
    "date",
    "year",
    "month",
    "day",
    "type",
    "isbn",
    "issn",
    "doi",
    "eprint",
    "eprinttype",
    "eprintclass",
    "url",
    "urldate",
    "keywords",
    "abstract",
    "note",
];

fn style(src: &Source<'_>, e: &Entry, out: &mut Findings<'_>) {
    let pos = (0, 0);
    let span = super::entry_span(e);
    if out.on("key-pattern") && !e.key.is_empty() && !out.config.key_matches(&e.key) {
        out.push(
            "key-pattern",
            format!(
                "key `{}` does not match `{}`",
                e.key,
                out.config.key_pattern_text()
            ),
            src.file.clone(),
            span,
            pos,
            Some(&e.key),
        );
    }
    if out.on("field-order") {
        let ranks: Vec<(usize, &str)> = e
            .fields
            .iter()
            .filter(|f| is_own(e, f))
            .map(|f| f.name.as_ref())
            .filter_map(|f| ORDER.iter().position(|o| *o == f).map(|r| (r, f)))
            .collect();
        if let Some(w) = ranks.windows(2).find(|w| w[0].0 > w[1].0) {
            out.push(
                "field-order",
                format!("`{}` comes before `{}`", w[0].1, w[1].1),
                src.file.clone(),
                span,
                pos,
                Some(&e.key),
            );
        }
    }
    for f in e.fields.iter().filter(|f| is_own(e, f)) {
        if !matches!(
            f.name.as_ref(),
            "title" | "subtitle" | "booktitle" | "shorttitle"
        ) {
            continue;
        }
        let Value::Text(t) = &f.value else { continue };
        let Some((_, vspan)) = src.value_source(f) else {
            continue;
        };
        let fpos = (0, 0);
        let plain: String = t
            .chunks()
            .iter()
            .filter_map(|c| match c {
                Chunk::Plain(s) => Some(s.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" ");
        let letters: Vec<char> = plain.chars().filter(|c| c.is_alphabetic()).collect();
        let cased = letters
            .iter()
            .filter(|c| c.is_uppercase() || c.is_lowercase())
            .count();
        if out.on("title-case") && cased >= 8 && plain.split_whitespace().count() >= 3 {
            let upper = letters.iter().all(|c| !c.is_lowercase());
            let lower = letters.iter().all(|c| !c.is_uppercase());
            if upper || lower {
                out.push(
                    "title-case",
                    format!(
                        "`{}` is all in {} case",
                        f.name,
                        if upper { "upper" } else { "lower" }
                    ),
                    src.file.clone(),
                    vspan,
                    fpos,
                    Some(&e.key),
                );
            }
        }
        if out.on("unprotected-acronym") {
            let words: Vec<&str> = t
                .chunks()
                .iter()
                .filter_map(|c| match c {
                    Chunk::Plain(s) => Some(s.as_str()),
                    _ => None,
                })
                .flat_map(str::split_whitespace)
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-'))
                .filter(|w| bibtex::needs_protection(w))
                .collect();
            if let Some(w) = words.first() {
                out.push(
                    "unprotected-acronym",
                    format!(
                        "`{w}` in `{}` is not braced; a style may lowercase it",
                        f.name
                    ),
                    src.file.clone(),
                    vspan,
                    fpos,
                    Some(&e.key),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implausible_years() {
        let now = current_year();
        assert!((2024..2300).contains(&now), "{now}");
        let year = |y: &str| {
            let f = Field {
                name: "year".into(),
                value: Value::Verbatim(y.into()),
                span: None,
                inherited: false,
            };
            value_problem(&f, y).map(|(id, _)| id)
        };
        assert_eq!(year("20201"), Some("invalid-year"));
        assert_eq!(year(&(now + 6).to_string()), Some("invalid-year"));
        assert_eq!(year(&(now + 1).to_string()), None);
        assert_eq!(year("1687"), None);
        let date = |y: i64| {
            let f = Field {
                name: "date".into(),
                value: Value::date(crate::model::Date::Single(crate::model::DatePart::year(y))),
                span: None,
                inherited: false,
            };
            value_problem(&f, "").map(|(id, _)| id)
        };
        assert_eq!(date(now + 40), Some("invalid-date"));
        assert_eq!(date(now), None);
    }

    #[test]
    fn pages() {
        for ok in [
            "12",
            "12--15",
            "12-15",
            "e1234",
            "S12--S15",
            "xii--xv",
            "1234--56",
            "3, 7--9",
            "1:23--1:45",
            "123+",
            "C3-32--C3-35",
        ] {
            assert_eq!(pages_problem(ok), None, "{ok}");
        }
        for bad in ["pp. 12--15", "12--", "15--12", "12--15--17", "a--b c"] {
            assert!(pages_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn identifiers() {
        assert!(isbn_problem("0-201-13447-0").is_none());
        assert!(isbn_problem("978-0-201-13447-6 (hardcover)").is_none());
        assert!(isbn_problem("0-8044-2957-X").is_none());
        assert!(isbn_problem("0-201-13447-1").is_some());
        assert!(isbn_problem("12345").is_some());
        assert!(issn_problem("0004-5411").is_none());
        assert!(issn_problem("2049-3630").is_none());
        assert!(issn_problem("0004-5412").is_some());
        assert!(is_doi("10.1093/comjnl/27.2.97"));
        assert!(is_doi("10.1000.10/123"));
        assert!(!is_doi("1234/abc"));
        assert!(url_problem("https://example.org/a%20b").is_none());
        assert!(url_problem("mailto:a@b.org").is_none());
        assert!(url_problem("www.example.org").is_some());
        assert!(url_problem("https://example.org/a b").is_some());
    }

    #[test]
    fn specials() {
        assert_eq!(unescaped(r"{R\&D at 50\%}"), None);
        assert_eq!(unescaped("{R&D}"), Some('&'));
        assert_eq!(unescaped("{$a & b$}"), None);
        assert!(has_literal_et_al("{Doe, Jane et al.}"));
        assert!(!has_literal_et_al("{Doe, Jane and others}"));
    }
}
