//! Diagnostics: what readers and checks report, with positions that point.
//!
//! A [`Diagnostic`] carries a severity, a stable rule id, a message, and the file, line and
//! column it is about. [`Diagnostic::render`] prints it the way compilers do:
//!
//! ```text
//! refs.txt:7:1: error[listing-header]: expected a subject and date such as `CLOct 25, 2024`
//!   |
//! 7 | XYZ 2024
//!   | ^
//! ```

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::model::Span;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Information only.
    Info,
    /// Something is likely wrong, but the data was read.
    Warning,
    /// Something could not be read; the affected record was skipped or kept verbatim.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding about an input.
///
/// ```
/// use bibkit::diagnostic::{Diagnostic, Severity};
/// use bibkit::model::Span;
/// let src = "line one\nXYZ 2024\n";
/// let d = Diagnostic::new(Severity::Error, "listing-header", "bad header")
///     .at(src, Span::new(9, 12))
///     .in_file("refs.txt");
/// assert_eq!((d.line, d.column), (2, 1));
/// assert_eq!(d.to_string(), "refs.txt:2:1: error[listing-header]: bad header");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// A stable rule id, such as `listing-header`.
    pub rule: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The file, if the input came from one.
    pub file: Option<Arc<str>>,
    /// The byte span in the input.
    pub span: Span,
    /// 1-based line (0 when the diagnostic is about the whole input).
    pub line: u32,
    /// 1-based column in characters (0 when unknown).
    pub column: u32,
    /// The entry key involved, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with no position yet.
    pub fn new(severity: Severity, rule: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            rule,
            message: message.into(),
            file: None,
            span: Span::default(),
            line: 0,
            column: 0,
            key: None,
        }
    }

    /// Sets the span and computes line and column from `source`.
    pub fn at(mut self, source: &str, span: Span) -> Self {
        let (line, column) = line_col(source, span.start);
        self.span = span;
        self.line = line;
        self.column = column;
        self
    }

    /// Sets the position directly.
    pub fn at_line_col(mut self, span: Span, line: u32, column: u32) -> Self {
        self.span = span;
        self.line = line;
        self.column = column;
        self
    }

    /// Sets the file name.
    pub fn in_file(mut self, file: impl Into<Arc<str>>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Sets the entry key involved.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The diagnostic line followed by the source line and a caret under the column, when
    /// `source` is the text the diagnostic is about.
    pub fn render(&self, source: Option<&str>) -> String {
        let mut out = self.to_string();
        if let (Some(src), true) = (source, self.line > 0) {
            // The line around the span (found from the byte offset, so rendering many
            // diagnostics of a large file stays linear); without a span, by line number.
            let line_text = if self.span != Span::default() && self.span.start <= src.len() {
                let at = floor_char_boundary(src, self.span.start);
                let start = memchr::memrchr(b'\n', &src.as_bytes()[..at]).map_or(0, |i| i + 1);
                let end =
                    memchr::memchr(b'\n', &src.as_bytes()[at..]).map_or(src.len(), |i| at + i);
                Some(&src[start..end])
            } else {
                src.split('\n').nth(self.line as usize - 1)
            };
            if let Some(text) = line_text {
                let text = text.strip_suffix('\r').unwrap_or(text);
                let shown: String = text.chars().take(120).collect();
                let num = self.line.to_string();
                let pad = " ".repeat(num.len());
                let caret_col = (self.column.max(1) as usize - 1).min(shown.chars().count());
                let lead: String = shown
                    .chars()
                    .take(caret_col)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                out.push_str(&format!("\n{pad} |\n{num} | {shown}\n{pad} | {lead}^"));
            }
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: severity[rule]: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.as_deref().unwrap_or("<stdin>");
        if self.line > 0 {
            write!(f, "{file}:{}:{}: ", self.line, self.column.max(1))?;
        } else {
            write!(f, "{file}: ")?;
        }
        write!(f, "{}[{}]: {}", self.severity, self.rule, self.message)?;
        if let Some(k) = &self.key {
            if !self.message.contains(k.as_str()) {
                write!(f, " (entry `{k}`)")?;
            }
        }
        Ok(())
    }
}

/// Fills in the line and column of the diagnostics that have none (line 0) from their
/// spans in `source`, and sorts all of them by position. One pass over the source, no
/// index kept, however many diagnostics there are.
///
/// ```
/// use bibkit::diagnostic::{locate, Diagnostic, Severity};
/// use bibkit::model::Span;
/// let src = "a\nbc\ndéf";
/// let mut ds = vec![
///     Diagnostic::new(Severity::Warning, "x", "second").at_line_col(Span::new(8, 8), 0, 0),
///     Diagnostic::new(Severity::Warning, "x", "first").at_line_col(Span::new(3, 3), 0, 0),
/// ];
/// locate(src, &mut ds);
/// assert_eq!((ds[0].line, ds[0].column), (2, 2));
/// assert_eq!((ds[1].line, ds[1].column), (3, 3));
/// ```
pub fn locate(source: &str, diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| d.span.start);
    let bytes = source.as_bytes();
    let (mut pos, mut line, mut line_start) = (0usize, 1u32, 0usize);
    for d in diags.iter_mut().filter(|d| d.line == 0) {
        let at = floor_char_boundary(source, d.span.start.min(source.len()));
        if at >= pos {
            for nl in memchr::memchr_iter(b'\n', &bytes[pos..at]) {
                line += 1;
                line_start = pos + nl + 1;
            }
            pos = at;
        }
        d.line = line;
        d.column = source[line_start..at.max(line_start)].chars().count() as u32 + 1;
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `source`.
///
/// ```
/// assert_eq!(bibkit::diagnostic::line_col("ab\ncé d", 6), (2, 3));
/// ```
pub fn line_col(source: &str, offset: usize) -> (u32, u32) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line_start = memchr::memrchr(b'\n', before.as_bytes()).map_or(0, |i| i + 1);
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (line as u32, column as u32)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Incremental line/column lookup for many offsets in one text, in linear total time when
/// offsets grow.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `source`.
    pub fn new(source: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// The 1-based line and column (in characters) of byte `offset`.
    ///
    /// ```
    /// use bibkit::diagnostic::LineIndex;
    /// let src = "ab\ncé d";
    /// assert_eq!(LineIndex::new(src).line_col(src, 6), (2, 3));
    /// ```
    pub fn line_col(&self, source: &str, offset: usize) -> (u32, u32) {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let col = source[self.starts[line]..offset].chars().count() + 1;
        (line as u32 + 1, col as u32)
    }
}
