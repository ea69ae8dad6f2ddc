//! Parsing dates.
//!
//! [`parse`] reads the date forms bibliographies use: ISO 8601 (`2024-10-25`, `2024-10`,
//! `2024`), slashed (`2024/10/25`), and written-out forms (`Oct 25, 2024`,
//! `25 October 2024`, `October 2024`). Month names are matched case-insensitively, in full
//! or abbreviated, with or without a trailing dot.
//!
//! ```
//! use bibkit::date::parse;
//! use bibkit::model::{Date, DatePart};
//! assert_eq!(parse("Oct 25, 2024"), Some(Date::Single(DatePart::ymd(2024, 10, 25))));
//! assert_eq!(parse("25 October 2024"), Some(Date::Single(DatePart::ymd(2024, 10, 25))));
//! assert_eq!(parse("2024-10"), Some(Date::Single(DatePart::ym(2024, 10))));
//! assert_eq!(parse("Feb 30, 2024"), None);
//! ```

use crate::model::{Date, DatePart};

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The month number (1–12) for an English month name or abbreviation (`Oct`, `oct.`,
/// `Sept`, `October`), matched case-insensitively.
///
/// ```
/// assert_eq!(bibkit::date::month_from_name("Sept."), Some(9));
/// assert_eq!(bibkit::date::month_from_name("mar"), Some(3));
/// assert_eq!(bibkit::date::month_from_name("ma"), None);
/// ```
pub fn month_from_name(name: &str) -> Option<u8> {
    let n = name.trim().trim_end_matches('.').to_lowercase();
    if n.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&n))
        .map(|i| i as u8 + 1)
}

/// Whether `year` is a leap year in the proleptic Gregorian calendar.
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` (1–12) of `year`; 0 for an invalid month.
///
/// ```
/// assert_eq!(bibkit::date::days_in_month(2024, 2), 29);
/// assert_eq!(bibkit::date::days_in_month(1900, 2), 28);
/// ```
pub fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Builds a validated date part.
pub fn checked(year: i64, month: Option<u8>, day: Option<u8>) -> Option<DatePart> {
    match (month, day) {
        (None, None) => Some(DatePart::year(year)),
        (Some(m), None) if (1..=12).contains(&m) => Some(DatePart::ym(year, m)),
        (Some(m), Some(d)) if d >= 1 && d <= days_in_month(year, m) => {
            Some(DatePart::ymd(year, m, d))
        }
        _ => None,
    }
}

fn number(s: &str, min_len: usize, max_len: usize) -> Option<i64> {
    if s.len() < min_len || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses one date; `None` when the text is not a date bibkit understands.
pub fn parse(s: &str) -> Option<Date> {
    parse_part(s.trim()).map(Date::Single)
}

fn parse_part(s: &str) -> Option<DatePart> {
    // ISO and slashed numeric forms: YYYY, YYYY-MM, YYYY-MM-DD, YYYY/MM/DD.
    for sep in ['-', '/'] {
        let parts: Vec<&str> = s.split(sep).collect();
        if parts.len() <= 3 && parts.iter().all(|p| !p.is_empty()) {
            if let Some(y) = number(parts[0], 4, 4) {
                let m = parts.get(1).map(|p| number(p, 1, 2));
                let d = parts.get(2).map(|p| number(p, 1, 2));
                match (m, d) {
                    (None, None) => return checked(y, None, None),
                    (Some(Some(m)), None) => return checked(y, Some(m as u8), None),
                    (Some(Some(m)), Some(Some(d))) => {
                        return checked(y, Some(m as u8), Some(d as u8));
                    }
                    _ => {}
                }
            }
        }
    }
    // Written-out forms.
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    match words.as_slice() {
        // Oct 25, 2024 / October 25 2024
        [m, d, y] if month_from_name(m).is_some() => checked(
            number(y, 1, 4)?,
            month_from_name(m),
            Some(number(d.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h']), 1, 2)? as u8),
        ),
        // 25 October 2024
        [d, m, y] if month_from_name(m).is_some() => checked(
            number(y, 1, 4)?,
            month_from_name(m),
            Some(number(d.trim_end_matches('.'), 1, 2)? as u8),
        ),
        // October 2024
        [m, y] if month_from_name(m).is_some() => {
            checked(number(y, 1, 4)?, month_from_name(m), None)
        }
        // 2024 October
        [y, m] if month_from_name(m).is_some() => {
            checked(number(y, 1, 4)?, month_from_name(m), None)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_header_dates() {
        // corpus/listing/*.txt header lines.
        assert_eq!(
            parse("Oct 25, 2024"),
            Some(DatePart::ymd(2024, 10, 25).into())
        );
        assert_eq!(parse("Jan 1, 1990"), Some(DatePart::ymd(1990, 1, 1).into()));
        assert_eq!(
            parse("Dec 5, 2012"),
            Some(DatePart::ymd(2012, 12, 5).into())
        );
    }

    #[test]
    fn numeric_forms() {
        assert_eq!(
            parse("2024/10/25"),
            Some(DatePart::ymd(2024, 10, 25).into())
        );
        assert_eq!(parse("2024"), Some(DatePart::year(2024).into()));
        assert_eq!(parse("2024-13"), None);
        assert_eq!(parse("2023-02-29"), None);
        assert_eq!(parse("2024-02-29"), Some(DatePart::ymd(2024, 2, 29).into()));
    }

    #[test]
    fn rejects_non_dates() {
        for s in ["", "n.d.", "c1988", "forthcoming", "Octopus 5, 2020", "May"] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
