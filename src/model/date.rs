//! Dates: ISO 8601 / EDTF level 1 in a typed form.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A season, as EDTF codes 21–24 name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Season {
    /// EDTF 21.
    Spring,
    /// EDTF 22.
    Summer,
    /// EDTF 23.
    Autumn,
    /// EDTF 24.
    Winter,
}

impl Season {
    /// The EDTF code (21–24).
    pub fn code(self) -> u8 {
        match self {
            Season::Spring => 21,
            Season::Summer => 22,
            Season::Autumn => 23,
            Season::Winter => 24,
        }
    }

    /// The season for an EDTF code (21–24) or a CSL season number (1–4).
    pub fn from_code(code: u8) -> Option<Season> {
        match code {
            21 | 1 => Some(Season::Spring),
            22 | 2 => Some(Season::Summer),
            23 | 3 => Some(Season::Autumn),
            24 | 4 => Some(Season::Winter),
            _ => None,
        }
    }
}

/// A single calendar date of year, month or day precision (or a season of a year).
///
/// Years are astronomical as in ISO 8601 (`0` is 1 BC, `-1` is 2 BC). `unspecified` marks
/// EDTF `X` digits: bit *i* (0–3) for the *i*-th year digit counted from the right, bits
/// 4–5 for the month digits (tens, units), bits 6–7 for the day digits.
///
/// ```
/// use bibkit::model::DatePart;
/// let d = DatePart::ymd(2024, 10, 25);
/// assert_eq!(d.to_string(), "2024-10-25");
/// assert_eq!(DatePart::year(1988).to_string(), "1988");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct DatePart {
    /// The year (astronomical numbering).
    pub year: i64,
    /// The month, 1–12.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u8>,
    /// The day of the month, 1–31.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u8>,
    /// A season in place of a month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub season: Option<Season>,
    /// EDTF `~`: the date is approximate (circa).
    #[serde(default, skip_serializing_if = "is_false")]
    pub approximate: bool,
    /// EDTF `?`: the date is uncertain.
    #[serde(default, skip_serializing_if = "is_false")]
    pub uncertain: bool,
    /// EDTF `X` digits (see the type's docs).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unspecified: u8,
    /// A time of day with its zone, as written after `T` (`10:10:10Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

impl DatePart {
    /// A year.
    pub fn year(year: i64) -> Self {
        DatePart {
            year,
            ..Default::default()
        }
    }

    /// A year and month.
    pub fn ym(year: i64, month: u8) -> Self {
        DatePart {
            year,
            month: Some(month),
            ..Default::default()
        }
    }

    /// A full date.
    pub fn ymd(year: i64, month: u8, day: u8) -> Self {
        DatePart {
            year,
            month: Some(month),
            day: Some(day),
            ..Default::default()
        }
    }

    /// The earliest date this one can be: unspecified digits (`X`) at their least value
    /// (`19XX` → 1900, `1999-XX` → 1999-01).
    ///
    /// ```
    /// use bibkit::date::parse;
    /// let d = parse("1999-01-XX").unwrap();
    /// let p = d.start().unwrap();
    /// assert_eq!(p.earliest().to_string(), "1999-01-01");
    /// assert_eq!(p.latest().to_string(), "1999-01-31");
    /// ```
    pub fn earliest(&self) -> DatePart {
        self.fill(false)
    }

    /// The latest date this one can be: unspecified digits at their greatest value, kept
    /// within the calendar (`19XX` → 1999, `1999-02-XX` → 1999-02-28).
    pub fn latest(&self) -> DatePart {
        self.fill(true)
    }

    fn fill(&self, high: bool) -> DatePart {
        let fill = |value: i64, width: u32, shift: u8| -> i64 {
            let mut v = value;
            for i in 0..width {
                if self.unspecified & (1 << (i as u8 + shift)) != 0 {
                    let place = 10i64.pow(i);
                    let digit = (v / place) % 10;
                    v += (if high { 9 } else { 0 } - digit) * place;
                }
            }
            v
        };
        let sign = if self.year < 0 { -1 } else { 1 };
        let year = sign * fill(self.year.abs(), 4, 0);
        let month = self
            .month
            .map(|m| fill(i64::from(m), 2, 4).clamp(1, 12) as u8);
        let day = self.day.map(|d| {
            let max = month.map_or(31, |m| crate::date::days_in_month(year, m));
            fill(i64::from(d), 2, 6).clamp(1, i64::from(max)) as u8
        });
        DatePart {
            year,
            month,
            day,
            unspecified: 0,
            ..self.clone()
        }
    }

    /// `[year, month, day]` as far as known (CSL `date-parts` order).
    pub fn parts(&self) -> Vec<i64> {
        let mut v = vec![self.year];
        if let Some(m) = self.month {
            v.push(i64::from(m));
            if let Some(d) = self.day {
                v.push(i64::from(d));
            }
        }
        v
    }
}

impl fmt::Display for DatePart {
    /// EDTF form: `2024-10-25`, `2024-10`, `2024-21` (a season), `-0044`, `Y170000002`,
    /// `201X`, `2004~`, `2004?`, `2004%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = |digits: String, shift: u8| -> String {
            let n = digits.len();
            digits
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    let bit = (n - 1 - i) as u8 + shift;
                    if bit < 8 && self.unspecified & (1 << bit) != 0 {
                        'X'
                    } else {
                        c
                    }
                })
                .collect()
        };
        let y = self.year.unsigned_abs();
        if y > 9999 && self.month.is_none() && self.season.is_none() {
            // EDTF long-year form.
            write!(f, "Y{}{}", if self.year < 0 { "-" } else { "" }, y)?;
        } else if y > 9999 {
            // ISO 8601 expanded form.
            write!(f, "{}{}", if self.year < 0 { "-" } else { "+" }, y)?;
        } else {
            if self.year < 0 {
                f.write_str("-")?;
            }
            f.write_str(&masked(format!("{y:04}"), 0))?;
        }
        if let Some(s) = self.season {
            write!(f, "-{}", s.code())?;
        } else if let Some(m) = self.month {
            write!(f, "-{}", masked(format!("{m:02}"), 4))?;
            if let Some(d) = self.day {
                write!(f, "-{}", masked(format!("{d:02}"), 6))?;
            }
        }
        if let Some(t) = &self.time {
            write!(f, "T{t}")?;
        }
        match (self.approximate, self.uncertain) {
            (true, true) => f.write_str("%"),
            (true, false) => f.write_str("~"),
            (false, true) => f.write_str("?"),
            (false, false) => Ok(()),
        }
    }
}

/// One end of a date range.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RangeEnd {
    /// A known date.
    Known(DatePart),
    /// An open end (EDTF `..`): the range goes on.
    Open,
    /// An unknown end (EDTF empty end).
    Unknown,
}

impl fmt::Display for RangeEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RangeEnd::Known(d) => d.fmt(f),
            RangeEnd::Open => f.write_str(".."),
            RangeEnd::Unknown => Ok(()),
        }
    }
}

/// A date: one [`DatePart`] or a range between two ends.
///
/// ```
/// use bibkit::model::{Date, DatePart, RangeEnd};
/// let d = Date::Range(RangeEnd::Known(DatePart::year(2020)), RangeEnd::Open);
/// assert_eq!(d.to_string(), "2020/..");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Date {
    /// A single date.
    Single(DatePart),
    /// A range `start/end`.
    Range(RangeEnd, RangeEnd),
}

impl Date {
    /// The first known date: the date itself, or a range's known start.
    pub fn start(&self) -> Option<&DatePart> {
        match self {
            Date::Single(d) | Date::Range(RangeEnd::Known(d), _) => Some(d),
            Date::Range(..) => None,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Date::Single(d) => d.fmt(f),
            Date::Range(a, b) => write!(f, "{a}/{b}"),
        }
    }
}

impl From<DatePart> for Date {
    fn from(d: DatePart) -> Self {
        Date::Single(d)
    }
}
