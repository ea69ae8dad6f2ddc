//! Scraped publication listings.
//!
//! A listing gives three lines per paper:
//!
//! ```text
//! CLOct 25, 2024                        subject code + date + optional "Code"
//! GPT-4o System CardAaron Hurst, Adam Lerer, Adam P. Goucher et al. · openai
//! A short abstract, one line; LaTeX escapes such as 50\% are decoded.
//! ```
//!
//! * Line 1: a two-letter arXiv subject code (see [`subjects`]) glued to a date
//!   `Mon D, YYYY`, optionally followed by `Code` (the paper links to its code). A full
//!   category (`cs.CLOct 25, 2024`) is accepted too.
//! * Line 2: the title glued to the authors (`, `-separated, given name first), optionally
//!   ending in ` et al.` (the list is truncated) and ` · org` (an organisation tag). The
//!   boundary is found by [`split`].
//! * Line 3: the abstract, one line; LaTeX escapes (`50\%`) are decoded, math (`$O(n)$`) is
//!   kept, dashes are left as written.
//!
//! Blank lines may separate records; CRLF and LF, a byte-order mark and NFD text are all
//! accepted (text is normalised to NFC). A record that cannot be read is reported with its
//! line and skipped; reading goes on with the next line that looks like a record's first
//! line.
//!
//! Each record becomes a `misc` entry with `author`, `title`, `date`, `keywords` (the arXiv
//! category), `organization` (the org tag), `code = {true}` when flagged, and `abstract`.
//!
//! ```
//! use bibkit::formats::listing;
//! let text = "LGNov 5, 2008\nVisualizing Data using t-SNELaurens van der Maaten, Geoffrey Hinton\nA short abstract.\n";
//! let parsed = listing::read(text);
//! assert!(parsed.diagnostics.is_empty());
//! let e = &parsed.bibliography.entries[0];
//! assert_eq!(e.key, "maaten2008visualizing");
//! assert_eq!(e.get("title").unwrap().to_plain_string(), "Visualizing Data using t-SNE");
//! assert_eq!(e.names("author").unwrap().names[0].to_string(), "Laurens van der Maaten");
//! assert_eq!(e.get("keywords").unwrap().to_plain_string(), "cs.LG");
//! ```

pub mod split;
pub mod subjects;

use crate::formats::shorten;
use std::collections::HashMap;
use std::sync::Arc;

use nom::bytes::complete::{tag, take_while_m_n, take_while1};
use nom::character::complete::{char, digit1, space0};
use nom::combinator::{all_consuming, opt};
use nom::sequence::terminated;
use nom::{IResult, Parser};
use unicode_normalization::UnicodeNormalization;

use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::Parsed;
use crate::keys::KeyGenerator;
use crate::latex::{self, DecodeOptions};
use crate::model::{Date, Entry, Name, NameList, Origin, Span, Text, Value};

/// A parsed first line of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header<'a> {
    /// The archive, when the line gives a full category (`cs.`).
    archive: Option<&'a str>,
    code: &'a str,
    month: &'a str,
    day: &'a str,
    year: &'a str,
    has_code: bool,
}

fn header(input: &str) -> IResult<&str, Header<'_>> {
    let archive = opt(terminated(
        take_while1(|c: char| c.is_ascii_lowercase() || c == '-'),
        char('.'),
    ));
    let code = take_while_m_n(2, 2, |c: char| c.is_ascii_uppercase());
    let month = terminated(
        take_while_m_n(3, 9, |c: char| c.is_ascii_alphabetic()),
        (opt(char('.')), space0),
    );
    let day = terminated(digit1, (space0, char(','), space0));
    let code_flag = opt((space0, tag("Code"))).map(|c| c.is_some());
    let (rest, (archive, code, month, day, year, has_code, _)) =
        all_consuming((archive, code, month, day, digit1, code_flag, space0)).parse(input)?;
    Ok((
        rest,
        Header {
            archive,
            code,
            month,
            day,
            year,
            has_code,
        },
    ))
}

/// Whether `line` looks like the first line of a record (`CLOct 25, 2024[Code]`).
///
/// ```
/// use bibkit::formats::listing::is_header;
/// assert!(is_header("CLOct 25, 2024"));
/// assert!(is_header("DCMar 14, 2016Code"));
/// assert!(!is_header("GPT-4o System Card"));
/// ```
pub fn is_header(line: &str) -> bool {
    header(line.trim()).is_ok()
}

/// Reads a listing with default options (see [`ListingReader`]).
pub fn read(text: &str) -> Parsed {
    ListingReader::new().read(text)
}

/// A configurable listing reader.
///
/// ```
/// use bibkit::formats::listing::ListingReader;
/// let parsed = ListingReader::new()
///     .file("papers.txt")
///     .subject("CO", "math.CO")
///     .read("COJan 2, 2020\nA Counting ProblemPaul Erdős\nAbstract.\n");
/// let e = &parsed.bibliography.entries[0];
/// assert_eq!(e.get("keywords").unwrap().to_plain_string(), "math.CO");
/// assert_eq!(e.origin.as_ref().unwrap().file.as_deref(), Some("papers.txt"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ListingReader {
    file: Option<Arc<str>>,
    subjects: HashMap<String, String>,
    /// A boundary whose penalty exceeds this gets a warning. Default 5.
    uncertain_split: Option<f64>,
}

struct Line<'a> {
    /// 1-based line number.
    number: u32,
    /// Byte offset of the line in the input.
    start: usize,
    text: &'a str,
}

impl ListingReader {
    /// A reader with the built-in subject table and no file name.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the file being read, for origins and diagnostics.
    pub fn file(mut self, name: impl Into<Arc<str>>) -> Self {
        self.file = Some(name.into());
        self
    }

    /// Maps a two-letter subject code to `category`, overriding [`subjects::category`].
    pub fn subject(mut self, code: &str, category: &str) -> Self {
        self.subjects.insert(code.to_string(), category.to_string());
        self
    }

    /// Warns about title/author boundaries whose penalty (see [`split`]) exceeds
    /// `threshold` (default 5).
    pub fn uncertain_split_threshold(mut self, threshold: f64) -> Self {
        self.uncertain_split = Some(threshold);
        self
    }

    /// Reads `text`, generating keys unique within it.
    pub fn read(&self, text: &str) -> Parsed {
        self.read_with_keys(text, &mut KeyGenerator::new())
    }

    /// Reads `text`, drawing keys from `keys` (so that keys stay unique across several
    /// inputs).
    pub fn read_with_keys(&self, text: &str, keys: &mut KeyGenerator) -> Parsed {
        let mut out = Parsed::default();
        let body_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let mut lines = Vec::new();
        let mut offset = body_start;
        for (i, raw) in text[body_start..].split('\n').enumerate() {
            let t = raw.strip_suffix('\r').unwrap_or(raw);
            lines.push(Line {
                number: i as u32 + 1,
                start: offset,
                text: t,
            });
            offset += raw.len() + 1;
        }
        let next_nonblank =
            |from: usize| (from..lines.len()).find(|&j| !lines[j].text.trim().is_empty());
        let mut i = 0;
        while let Some(h) = next_nonblank(i) {
            let hl = &lines[h];
            let Ok((_, head)) = header(hl.text.trim()) else {
                out.diagnostics.push(self.diag(
                    Severity::Error,
                    "listing-header",
                    format!(
                        "expected a record's first line, a subject code and date such as `CLOct 25, 2024`; found `{}`",
                        shorten(hl.text.trim(), 60)
                    ),
                    hl));
                // Skip to the next line that starts a record.
                i = (h + 1..lines.len())
                    .find(|&j| is_header(lines[j].text))
                    .unwrap_or(lines.len());
                continue;
            };
            let t = next_nonblank(h + 1).filter(|&j| !is_header(lines[j].text));
            let Some(t) = t else {
                out.diagnostics.push(self.diag(
                    Severity::Error,
                    "listing-incomplete",
                    "record has no title and author line",
                    hl,
                ));
                i = h + 1;
                continue;
            };
            let a = next_nonblank(t + 1).filter(|&j| !is_header(lines[j].text));
            i = a.map_or(t + 1, |a| a + 1);
            let end_line = &lines[a.unwrap_or(t)];
            let span = Span::new(hl.start, end_line.start + end_line.text.len());
            match self.record(
                &head,
                hl,
                &lines[t],
                a.map(|a| &lines[a]),
                span,
                &mut out.diagnostics,
                keys,
            ) {
                Some(entry) => out.bibliography.entries.push(entry),
                None => continue,
            }
        }
        out
    }

    fn diag(
        &self,
        severity: Severity,
        rule: &'static str,
        message: impl Into<String>,
        line: &Line<'_>,
    ) -> Diagnostic {
        let lead = line.text.len() - line.text.trim_start().len();
        // The line is known: its column is counted within it, never from the file start.
        let column = line.text[..lead].chars().count() as u32 + 1;
        let mut d = Diagnostic::new(severity, rule, message).at_line_col(
            Span::new(line.start + lead, line.start + line.text.len()),
            line.number,
            column,
        );
        d.file = self.file.clone();
        d
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        head: &Header<'_>,
        hl: &Line<'_>,
        tl: &Line<'_>,
        al: Option<&Line<'_>>,
        span: Span,
        diags: &mut Vec<Diagnostic>,
        keys: &mut KeyGenerator,
    ) -> Option<Entry> {
        // Line 1: date and subject.
        let year: i64 = head.year.parse().ok().filter(|_| head.year.len() == 4)?;
        let date = crate::date::month_from_name(head.month).and_then(|m| {
            let day: u8 = head.day.parse().ok()?;
            crate::date::checked(year, Some(m), Some(day))
        });
        let Some(date) = date else {
            diags.push(self.diag(
                Severity::Error,
                "listing-date",
                format!(
                    "`{} {}, {}` is not a valid date",
                    head.month, head.day, head.year
                ),
                hl,
            ));
            return None;
        };
        let subject = match (head.archive, self.subjects.get(head.code)) {
            (Some(archive), _) => format!("{archive}.{}", head.code),
            (None, Some(c)) => c.clone(),
            (None, None) => match subjects::category(head.code) {
                Some(c) => c,
                None => {
                    diags.push(self.diag(
                        Severity::Warning,
                        "listing-subject",
                        format!(
                            "unknown arXiv subject code `{}`; kept as written",
                            head.code
                        ),
                        hl,
                    ));
                    head.code.to_string()
                }
            },
        };

        // Line 2: title, authors, truncation, org.
        let line: String = tl.text.trim().nfc().collect();
        let (rest, org) = match line.rfind(" ·") {
            Some(i) if !line[i + " ·".len()..].trim().is_empty() => {
                (&line[..i], Some(line[i + " ·".len()..].trim()))
            }
            _ => (line.as_str(), None),
        };
        let (rest, truncated) = strip_et_al(rest.trim_end());
        let Some(found) = split::split(rest) else {
            diags.push(self.diag(
                Severity::Error,
                "listing-title",
                "cannot find where the title ends and the authors begin (no author name starts with a capital letter)",
                tl));
            return None;
        };
        let title = rest[..found.at].trim();
        let authors = &rest[found.at..];
        let threshold = self.uncertain_split.unwrap_or(5.0);
        if found.penalty > threshold {
            diags.push(self.diag(
                Severity::Warning,
                "listing-split",
                format!(
                    "uncertain title/author boundary: title `{}`, authors `{}`",
                    shorten(title, 50),
                    shorten(authors, 50)
                ),
                tl,
            ));
        }
        let mut names: Vec<Name> = Vec::new();
        for n in split::split_names(authors) {
            let person = crate::name::parse_given_first(n);
            // A lone suffix ("…, Jr.") belongs to the name before it.
            if person.given.is_empty() && crate::name::is_suffix(&person.family) {
                if let Some(Name::Person(prev)) = names.last_mut() {
                    if prev.suffix.is_empty() {
                        prev.suffix = person.family;
                        continue;
                    }
                }
            }
            names.push(Name::Person(person));
        }

        // Line 3: the abstract.
        let opts = DecodeOptions {
            ligatures: false,
            collapse_whitespace: true,
        };
        let abstract_ = al.map(|l| {
            let s: String = l.text.trim().nfc().collect();
            latex::decode(&s, &opts)
        });
        if al.is_none() {
            diags.push(self.diag(
                Severity::Warning,
                "listing-incomplete",
                "record has no abstract line",
                tl,
            ));
        }

        let mut e = Entry::new("", "misc");
        e.set("author", Value::Names(NameList { names, truncated }));
        e.set("title", Value::Text(latex::decode(title, &opts)));
        e.set("date", Value::date(Date::Single(date)));
        e.set("keywords", Value::text(subject));
        if let Some(org) = org {
            e.set("organization", Value::text(org));
        }
        if head.has_code {
            e.set("code", Value::text("true"));
        }
        if let Some(a) = abstract_.filter(|a: &Text| !a.is_empty()) {
            e.set("abstract", Value::Text(a));
        }
        e.key = keys.generate(&e);
        e.origin = Some(Origin {
            file: self.file.clone(),
            span,
            line: hl.number,
            column: 1,
        });
        Some(e)
    }
}

/// Strips a trailing "et al." (or "and others") and says whether there was one.
fn strip_et_al(s: &str) -> (&str, bool) {
    for suffix in [
        " et al.",
        " et al",
        " et. al.",
        ", et al.",
        " and others",
        ", and others",
    ] {
        if let Some(rest) = s.strip_suffix(suffix) {
            return (rest.trim_end().trim_end_matches(',').trim_end(), true);
        }
    }
    (s, false)
}

/// Builds the name list for a given-first author list, for callers that have the
/// author side already (`Yann LeCun, Yoshua Bengio et al.`).
///
/// ```
/// let list = bibkit::formats::listing::parse_authors("Yann LeCun, Yoshua Bengio et al.");
/// assert!(list.truncated);
/// assert_eq!(list.names.len(), 2);
/// ```
pub fn parse_authors(s: &str) -> NameList {
    let (rest, truncated) = strip_et_al(s.trim());
    let names = split::split_names(rest)
        .into_iter()
        .map(|n| Name::Person(crate::name::parse_given_first(n)))
        .collect::<Vec<_>>();
    NameList { names, truncated }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Person;

    #[test]
    fn header_lines() {
        let (_, h) = header("DCMar 14, 2016Code").unwrap();
        assert_eq!(
            (h.code, h.month, h.day, h.year, h.has_code),
            ("DC", "Mar", "14", "2016", true)
        );
        let (_, h) = header("cs.CLOct 25, 2024 Code").unwrap();
        assert_eq!((h.archive, h.code, h.has_code), (Some("cs"), "CL", true));
        assert!(header("CLOct 25 2024").is_err());
        assert!(header("Oct 25, 2024").is_err());
    }

    #[test]
    fn malformed_record_is_reported_and_others_survive() {
        let text = "CLOct 25, 2024\nA TitleAda Lovelace\nAbstract one.\nXXbroken line\nsome title\nsome abstract\nLGJan 2, 2020\nAnother TitleAlan Turing\nAbstract two.\n";
        let p = ListingReader::new().file("l.txt").read(text);
        assert_eq!(p.bibliography.entries.len(), 2);
        assert_eq!(p.diagnostics.len(), 1);
        let d = &p.diagnostics[0];
        assert_eq!((d.rule, d.line, d.column), ("listing-header", 4, 1));
        assert_eq!(d.severity, Severity::Error);
    }

    #[test]
    fn invalid_date_and_unknown_subject() {
        let text = "CLFeb 30, 2024\nA TitleAda Lovelace\nAbstract.\nZZJan 2, 2020\nB TitleAlan Turing\nAbstract.\n";
        let p = read(text);
        assert_eq!(p.bibliography.entries.len(), 1);
        let rules: Vec<_> = p.diagnostics.iter().map(|d| (d.rule, d.severity)).collect();
        assert_eq!(
            rules,
            [
                ("listing-date", Severity::Error),
                ("listing-subject", Severity::Warning)
            ]
        );
        assert_eq!(
            p.bibliography.entries[0]
                .get("keywords")
                .unwrap()
                .to_plain_string(),
            "ZZ"
        );
    }

    #[test]
    fn crlf_bom_blank_lines_and_nfd() {
        let text = "\u{feff}CLOct 25, 2024\r\n\r\nA TitleNeven S. Fuc\u{30C}kar et al. · org\r\nAbs 50\\% off.\r\n\r\n";
        let p = read(text);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        let e = &p.bibliography.entries[0];
        let authors = e.names("author").unwrap();
        assert!(authors.truncated);
        assert_eq!(
            authors.names[0],
            Name::Person(Person::new("Neven S.", "", "Fučkar", ""))
        );
        assert_eq!(e.get("organization").unwrap().to_plain_string(), "org");
        assert_eq!(e.get("abstract").unwrap().to_plain_string(), "Abs 50% off.");
    }

    #[test]
    fn truncated_header_only_record() {
        let p = read("CLOct 25, 2024\n");
        assert_eq!(p.bibliography.entries.len(), 0);
        assert_eq!(p.diagnostics[0].rule, "listing-incomplete");
        assert_eq!(p.diagnostics[0].line, 1);
    }
}
