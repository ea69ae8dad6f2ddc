//! Conformance with external test vectors, through the public path, with a ratchet.
//!
//! * `names.tsv`: a `.bib` entry `author = {INPUT}` converted with `bibkit convert --to
//!   csl-json` must give the expected given / particle / family / suffix (compared after
//!   LaTeX decoding, biber's `~` ties read as spaces). An input with rows from several
//!   sources passes when one of them matches.
//! * `dates.tsv`: a `.bib` entry `date = {INPUT}` converted with `--to biblatex` must write
//!   `date = {EXPECTED}`; an `INVALID` input must be kept exactly as written, with a
//!   warning that names the entry.
//! * `edtf-levels.tsv`: level 0 and 1 expressions are read as dates, level 2 ones are kept
//!   (or read), invalid ones are neither.
//! * `dates-biber-parts.tsv`: biber's decomposition of each date into year, month, day, end
//!   date, era, circa, uncertain, season and unspecified parts.
//!
//! Each suite prints its pass rate and fails if a vector listed in its pass list
//! (`tests/conformance/<suite>.pass`) stops passing. Run with `BIBKIT_UPDATE_PASS=1` to
//! add newly passing vectors to the lists (the lists may only grow).

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use bibkit::latex::{DecodeOptions, decode};
use unicode_normalization::UnicodeNormalization;

fn rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// A vector as one line of a pass list: tabs as `\t`, the empty input as `\empty`.
fn escape(v: &str) -> String {
    if v.is_empty() {
        "\\empty".to_string()
    } else {
        v.replace('\t', "\\t")
    }
}

fn unescape(line: &str) -> String {
    if line == "\\empty" {
        String::new()
    } else {
        line.replace("\\t", "\t")
    }
}

fn pass_file(suite: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/conformance/{suite}.pass"))
}

/// Vectors where bibkit reads a date its source's upstream calls invalid, on purpose:
/// (suite, vector, why). They must not pass (so the list stays true) and leave the pass
/// lists.
const DELIBERATE: &[(&str, &str, &str)] = &[
    (
        "dates",
        "1.5.1998",
        "day.month.year, as dotted dates are written where they are used",
    ),
    ("dates", "1.5.1988", "day.month.year"),
    ("dates-biber-parts", "1.5.1998", "day.month.year"),
    ("dates-biber-parts", "1.5.1988", "day.month.year"),
    (
        "dates",
        "2005-07-25T10:10:10Z/2006-01-01T10:10:10Z",
        "biblatex's datetime ranges have times in intervals, which strict EDTF does not (`parse_edtf` still says no)",
    ),
    (
        "dates",
        "2005-07-25/2006-01-01T10:10:10Z",
        "a biblatex datetime range",
    ),
    (
        "edtf-levels",
        "2005-07-25T10:10:10Z/2006-01-01T10:10:10Z",
        "a biblatex datetime range",
    ),
    (
        "edtf-levels",
        "2005-07-25/2006-01-01T10:10:10Z",
        "a biblatex datetime range",
    ),
];

/// Prints the rate, checks the ratchet, and grows the list when asked.
fn ratchet(suite: &str, total: usize, passing: &BTreeSet<String>, minimum: f64) {
    let path = pass_file(suite);
    let deliberate: Vec<&str> = DELIBERATE
        .iter()
        .filter(|(s, _, _)| *s == suite)
        .map(|&(_, v, _)| v)
        .collect();
    let listed: BTreeSet<String> = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(unescape)
        .filter(|v| !deliberate.contains(&v.as_str()))
        .collect();
    for (s, v, why) in DELIBERATE.iter().filter(|(s, _, _)| *s == suite) {
        assert!(
            !passing.contains(*v),
            "{s}: {v:?} is listed as a deliberate difference ({why}) but now passes"
        );
    }
    let rate = passing.len() as f64 / total as f64 * 100.0;
    let _ = writeln!(
        std::io::stderr(),
        "conformance {suite}: {}/{total} pass ({rate:.1}%)",
        passing.len()
    );
    let regressed: Vec<&String> = listed.difference(passing).collect();
    assert!(
        regressed.is_empty(),
        "{suite}: vectors in the pass list no longer pass: {regressed:#?}"
    );
    let new: Vec<&String> = passing.difference(&listed).collect();
    if !new.is_empty() {
        if std::env::var_os("BIBKIT_UPDATE_PASS").is_some() {
            let all: Vec<String> = passing.union(&listed).map(|s| escape(s)).collect();
            std::fs::write(&path, all.join("\n") + "\n").unwrap();
        } else {
            let _ = writeln!(
                std::io::stderr(),
                "  {} vector(s) pass but are not in {} yet (BIBKIT_UPDATE_PASS=1 adds them): {new:?}",
                new.len(),
                path.display()
            );
        }
    }
    assert!(rate >= minimum, "{suite}: {rate:.1}% is below {minimum}%");
}

fn convert(input: &str, to: &str) -> (String, String) {
    let out = Command::cargo_bin("bibkit")
        .unwrap()
        .args(["convert", "--from", "bibtex", "--to", to])
        .write_stdin(input.to_string())
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn norm(s: &str) -> String {
    let s: String = s.replace(['~', '\u{a0}'], " ").nfc().collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn unlatex(s: &str) -> String {
    norm(&decode(s, &DecodeOptions::default()).to_plain_string())
}

#[test]
fn names() {
    let Some(corpus) = common::corpus("conformance names") else {
        return;
    };
    let rows = rows(&corpus.join("names.tsv"));
    let mut inputs: Vec<String> = Vec::new();
    for r in &rows {
        if !inputs.contains(&r[0]) {
            inputs.push(r[0].clone());
        }
    }
    let bib: String = inputs
        .iter()
        .enumerate()
        .map(|(i, s)| format!("@misc{{n{i}, author = {{{s}}}}}\n"))
        .collect();
    let (out, _) = convert(&bib, "csl-json");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let by_id: HashMap<&str, &serde_json::Value> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap(), i))
        .collect();
    let mut passing = BTreeSet::new();
    for r in &rows {
        let i = inputs.iter().position(|s| *s == r[0]).unwrap();
        let want = [
            unlatex(&r[1]),
            unlatex(&r[2]),
            unlatex(&r[3]),
            unlatex(&r[4]),
        ];
        let show = std::env::var_os("BIBKIT_SHOW_FAILURES").is_some();
        let Some(item) = by_id.get(format!("n{i}").as_str()) else {
            if show {
                let _ = writeln!(std::io::stderr(), "  names FAIL {:?}: no record", r[0]);
            }
            continue;
        };
        // An empty name is an empty author list: every part empty.
        let none = serde_json::json!({});
        let first = item["author"].get(0).unwrap_or(&none);
        let s = |k: &str| norm(first[k].as_str().unwrap_or(""));
        let got = if first.get("literal").is_some() {
            [String::new(), String::new(), s("literal"), String::new()]
        } else {
            let particle = if first.get("non-dropping-particle").is_some() {
                s("non-dropping-particle")
            } else {
                s("dropping-particle")
            };
            [s("given"), particle, s("family"), s("suffix")]
        };
        if got == want {
            passing.insert(r[0].clone());
        } else if std::env::var_os("BIBKIT_SHOW_FAILURES").is_some() {
            let _ = writeln!(
                std::io::stderr(),
                "  names FAIL {:?}: want {want:?} got {got:?} ({})",
                r[0],
                r[5]
            );
        }
    }
    ratchet("names", inputs.len(), &passing, 97.0);
}

#[test]
fn names_invalid_warn_and_split_best_effort() {
    let Some(corpus) = common::corpus("conformance names-invalid") else {
        return;
    };
    for r in rows(&corpus.join("names-invalid.tsv")) {
        let parsed = bibkit::name::parse_bibtex_name(&r[0]);
        assert!(parsed.1.is_some(), "no warning for {:?} ({})", r[0], r[1]);
    }
}

#[test]
fn dates() {
    let Some(corpus) = common::corpus("conformance dates") else {
        return;
    };
    let rows = rows(&corpus.join("dates.tsv"));
    let bib: String = rows
        .iter()
        .enumerate()
        .map(|(i, r)| format!("@misc{{d{i}, date = {{{}}}}}\n", r[0]))
        .collect();
    let (out, err) = convert(&bib, "biblatex");
    let mut written: HashMap<String, String> = HashMap::new();
    for block in out.split("\n@").map(|b| b.trim_start_matches('@')) {
        let Some(key) = block
            .strip_prefix("misc{")
            .and_then(|b| b.split(',').next())
        else {
            continue;
        };
        if let Some(line) = block.lines().find(|l| l.trim_start().starts_with("date ")) {
            let v = line.split_once('=').unwrap().1.trim();
            let v = v.strip_suffix(',').unwrap_or(v);
            let v = v
                .strip_prefix('{')
                .and_then(|v| v.strip_suffix('}'))
                .unwrap_or(v);
            written.insert(key.to_string(), v.to_string());
        }
    }
    let mut passing = BTreeSet::new();
    for (i, r) in rows.iter().enumerate() {
        let key = format!("d{i}");
        let got = written.get(&key).map(String::as_str);
        let ok = if r[1] == "INVALID" {
            got == Some(r[0].trim()) && err.contains(&format!("(entry `{key}`)"))
        } else {
            got == Some(r[1].as_str())
        };
        if ok {
            passing.insert(r[0].clone());
        } else if std::env::var_os("BIBKIT_SHOW_FAILURES").is_some() {
            let _ = writeln!(
                std::io::stderr(),
                "  dates FAIL {:?}: want {:?} got {got:?} ({})",
                r[0],
                r[1],
                r[2]
            );
        }
    }
    let distinct: BTreeSet<&String> = rows.iter().map(|r| &r[0]).collect();
    ratchet("dates", distinct.len(), &passing, 95.0);
}

#[test]
fn edtf_levels() {
    use bibkit::date::{Parsed, classify};
    let Some(corpus) = common::corpus("conformance edtf-levels") else {
        return;
    };
    let rows = rows(&corpus.join("edtf-levels.tsv"));
    let mut passing = BTreeSet::new();
    for r in &rows {
        let got = classify(&r[0]);
        let ok = match r[1].as_str() {
            "0" | "1" => matches!(got, Parsed::Date(_)),
            "2" => !matches!(got, Parsed::Invalid),
            _ => matches!(got, Parsed::Invalid),
        };
        if ok {
            passing.insert(r[0].clone());
        }
    }
    ratchet("edtf-levels", rows.len(), &passing, 95.0);
}

/// biber's parts for one of bibkit's dates: `year=… month=… endyear=… dateera=…`, …
fn biber_parts(d: &bibkit::model::Date) -> BTreeSet<String> {
    use bibkit::model::{Date, DatePart, RangeEnd};
    let mut out = BTreeSet::new();
    let side = |out: &mut BTreeSet<String>, p: &DatePart, pre: &str| {
        let era = if p.year < 0 { "bce" } else { "ce" };
        if p.year.unsigned_abs() > 9999 {
            // biber gives long years signed, without an era.
            out.insert(format!("{pre}year={}", p.year));
            return;
        }
        let y = p.year.unsigned_abs();
        out.insert(format!("{pre}year={y}"));
        if let Some(m) = p.month {
            out.insert(format!("{pre}month={m}"));
        }
        if let Some(day) = p.day {
            out.insert(format!("{pre}day={day}"));
        }
        out.insert(format!("{pre}dateera={era}"));
        if p.approximate && !p.uncertain {
            out.insert(format!("{pre}datecirca=true"));
        }
        if p.uncertain && !p.approximate {
            out.insert(format!("{pre}dateuncertain=true"));
        }
        if let Some(s) = p.season {
            out.insert(format!(
                "{pre}yeardivision={}",
                format!("{s:?}").to_lowercase()
            ));
        }
    };
    match d {
        // biber reads unspecified digits as the range of dates they allow.
        Date::Single(p) if p.unspecified != 0 => {
            side(&mut out, &p.earliest(), "");
            side(&mut out, &p.latest(), "end");
        }
        Date::Single(p) => side(&mut out, p, ""),
        Date::Range(a, b) => {
            match a {
                RangeEnd::Known(p) => side(&mut out, p, ""),
                RangeEnd::Unknown => {
                    out.insert("year=".into());
                    out.insert("dateunknown=true".into());
                }
                RangeEnd::Open => {
                    out.insert("year=".into());
                }
            }
            match b {
                RangeEnd::Known(p) => side(&mut out, p, "end"),
                RangeEnd::Unknown => {
                    out.insert("endyear=".into());
                    out.insert("enddateunknown=true".into());
                }
                RangeEnd::Open => {
                    out.insert("endyear=".into());
                }
            }
        }
    }
    out
}

#[test]
fn biber_date_parts() {
    let Some(corpus) = common::corpus("conformance dates-biber-parts") else {
        return;
    };
    let rows = rows(&corpus.join("dates-biber-parts.tsv"));
    let mut passing = BTreeSet::new();
    for r in &rows {
        let got = bibkit::date::parse(&r[0]);
        let ok = match (r[1].as_str(), got) {
            ("INVALID", None) => true,
            ("INVALID", Some(_)) | (_, None) => false,
            (want, Some(d)) => {
                // Compare the parts bibkit models (biber's julian-calendar, time and
                // unspecified-range parts are biber's own renderings).
                // bibkit reads other scripts' digits as ASCII digits.
                let want: String = want
                    .chars()
                    .map(|c| match c as u32 {
                        z @ 0x0966..=0x096F => char::from(b'0' + (z - 0x0966) as u8),
                        _ => c,
                    })
                    .collect();
                let skip = [
                    "hour",
                    "minute",
                    "second",
                    "timezone",
                    "datejulian",
                    "dateunspecified",
                ];
                let want: BTreeSet<String> = want
                    .split(' ')
                    .filter(|p| p.contains('=') && !skip.iter().any(|k| p.starts_with(k)))
                    .map(|p| {
                        // `month=01` is month 1.
                        let (k, v) = p.split_once('=').unwrap_or((p, ""));
                        let t = v.trim_start_matches('0');
                        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                            format!("{k}={t}")
                        } else {
                            p.to_string()
                        }
                    })
                    .collect();
                let have = biber_parts(&d);
                want.is_subset(&have) || want == have
            }
        };
        if ok {
            passing.insert(r[0].clone());
        }
    }
    let distinct: BTreeSet<&String> = rows.iter().map(|r| &r[0]).collect();
    ratchet("dates-biber-parts", distinct.len(), &passing, 80.0);
}
