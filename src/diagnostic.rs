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
            Severity::Info => "note",
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
    /// A mechanical correction, when the finding has one (see [`Fix`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Box<Fix>>,
}

/// Whether a [`Fix`] keeps the meaning of the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Only the spelling changes (`12-15` → `12--15`, `January` → `jan`): what every
    /// reader of the file gets stays the same or becomes what was meant.
    /// `bibkit check --fix` applies it.
    Safe,
    /// The fix decides something (which of two conflicting values to keep, what a letter
    /// after a year means): `bibkit check --fix --unsafe-fixes` applies it.
    Unsafe,
}

impl fmt::Display for Applicability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        })
    }
}

/// One replacement in a file: the bytes of `span` become `text`.
///
/// `line`/`column` and `end_line`/`end_column` are 1-based, columns in characters (as in
/// [`Diagnostic`]); 0 until the checker places them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextEdit {
    /// The bytes replaced (empty for an insertion).
    pub span: Span,
    /// What they become.
    pub text: String,
    /// Where `span` starts.
    pub line: u32,
    /// The column `span` starts at.
    pub column: u32,
    /// Where `span` ends.
    pub end_line: u32,
    /// The column `span` ends at (exclusive).
    pub end_column: u32,
}

impl TextEdit {
    /// Replaces `span` with `text` (positions placed later).
    pub fn new(span: Span, text: impl Into<String>) -> TextEdit {
        TextEdit {
            span,
            text: text.into(),
            line: 0,
            column: 0,
            end_line: 0,
            end_column: 0,
        }
    }
}

/// The correction of a finding: what it does, in a few words, whether it is safe, and the
/// edits to the file the finding is in (sorted, not overlapping).
///
/// ```
/// use bibkit::diagnostic::{Applicability, Fix, TextEdit};
/// use bibkit::model::Span;
/// let src = "@article{a, pages = {12-15}}";
/// let fix = Fix::new(Applicability::Safe, "write `12--15`", vec![TextEdit::new(Span::new(20, 27), "{12--15}")]);
/// assert_eq!(fix.apply_to(src), "@article{a, pages = {12--15}}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// Whether `check --fix` applies it without `--unsafe-fixes`.
    pub applicability: Applicability,
    /// What it does (`write `12--15``).
    pub message: String,
    /// The replacements.
    pub edits: Vec<TextEdit>,
}

impl Fix {
    /// A fix of `edits`, which are sorted here.
    pub fn new(
        applicability: Applicability,
        message: impl Into<String>,
        mut edits: Vec<TextEdit>,
    ) -> Fix {
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        Fix {
            applicability,
            message: message.into(),
            edits,
        }
    }

    /// `source` with this fix's edits made (edits outside it are left out).
    pub fn apply_to(&self, source: &str) -> String {
        let mut out = String::with_capacity(source.len() + 16);
        let mut pos = 0;
        for e in &self.edits {
            let (s, t) = (e.span.start.min(source.len()), e.span.end.min(source.len()));
            if s < pos {
                continue;
            }
            out.push_str(&source[pos..s]);
            out.push_str(&e.text);
            pos = t;
        }
        out.push_str(&source[pos..]);
        out
    }
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
            fix: None,
        }
    }

    /// Attaches a fix.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(Box::new(fix));
        self
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

    /// Places the diagnostic at an entry: its key, and where it was read (file, line,
    /// span), as a writer's loss report names the entry it could not write whole.
    ///
    /// ```
    /// use bibkit::diagnostic::{Diagnostic, Severity};
    /// let bib = bibkit::formats::bibtex::read("\n@book{k, title = {T}}");
    /// let d = Diagnostic::new(Severity::Warning, "not-written", "…").at_entry(&bib.bibliography.entries[0]);
    /// assert_eq!((d.key.as_deref(), d.line), (Some("k"), 2));
    /// ```
    pub fn at_entry(self, e: &crate::model::Entry) -> Self {
        let mut d = self.with_key(e.key.clone());
        if let Some(o) = &e.origin {
            d = d.at_line_col(o.span, o.line, o.column);
            d.file = o.file.clone();
        }
        d
    }

    /// The diagnostic line followed by the source line and a caret under the column, when
    /// `source` is the text the diagnostic is about.
    ///
    /// The snippet is a window of the line around the column (at most about 120
    /// characters, `…` where it is cut), so that rendering many diagnostics of one long line
    /// stays linear. Control characters in the message and the snippet are escaped (see
    /// [`escape_control`]): nothing a file contains can start a line of its own in a CI log
    /// or reach a terminal as an escape sequence.
    ///
    /// ```
    /// use bibkit::diagnostic::{Diagnostic, Severity};
    /// use bibkit::model::Span;
    /// let src = "@misc{k, note = {a\u{1b}[2J}}\n";
    /// let d = Diagnostic::new(Severity::Warning, "x", "bad").at(src, Span::new(17, 18));
    /// assert_eq!(d.render(Some(src)), "<stdin>:1:18: warning[x]: bad\n  |\n1 | @misc{k, note = {a\\u{1b}[2J}}\n  |                  ^");
    /// ```
    pub fn render(&self, source: Option<&str>) -> String {
        let mut out = self.to_string();
        if let (Some(src), true) = (source, self.line > 0) {
            let at = if self.span != Span::default() && self.span.start <= src.len() {
                Some(floor_char_boundary(src, self.span.start))
            } else {
                // Without a span, the start of the line by number.
                line_start_of(src, self.line)
            };
            if let Some(at) = at {
                let (shown, caret) = snippet(src, at);
                let num = self.line.to_string();
                let pad = " ".repeat(num.len());
                out.push_str(&format!("\n{pad} |\n{num} | {shown}\n{pad} | {caret}^"));
            }
        }
        out
    }
}

/// The window of the line around byte `at` (escaped) and the white space that puts a caret
/// under `at`.
fn snippet(src: &str, at: usize) -> (String, String) {
    const BEFORE: usize = 60;
    const AFTER: usize = 60;
    let b = src.as_bytes();
    // Back to the line start, at most BEFORE characters.
    let mut start = at;
    let mut count = 0;
    while start > 0 && count < BEFORE {
        let prev = floor_char_boundary(src, start - 1);
        if matches!(b[prev], b'\n' | b'\r') {
            break;
        }
        start = prev;
        count += 1;
    }
    let cut_left = start > 0 && !matches!(b[start - 1], b'\n' | b'\r');
    let mut end = at;
    let mut count = 0;
    while end < b.len() && count < AFTER && !matches!(b[end], b'\n' | b'\r') {
        end = ceil_char_boundary(src, end + 1);
        count += 1;
    }
    let cut_right = end < b.len() && !matches!(b[end], b'\n' | b'\r');
    let mut shown = String::new();
    let mut caret = String::new();
    if cut_left {
        shown.push('…');
        caret.push(' ');
    }
    for c in src[start..at].chars() {
        let before = shown.chars().count();
        push_escaped(&mut shown, c, true);
        let width = shown.chars().count() - before;
        if c == '\t' {
            caret.push('\t');
        } else {
            caret.extend(std::iter::repeat_n(' ', width));
        }
    }
    for c in src[at..end].chars() {
        push_escaped(&mut shown, c, true);
    }
    if cut_right {
        shown.push('…');
    }
    (shown, caret)
}

/// The byte offset where 1-based line `line` starts (lines end at LF, CRLF or CR).
fn line_start_of(src: &str, line: u32) -> Option<usize> {
    if line == 1 {
        return Some(0);
    }
    line_starts(src.as_bytes()).nth(line as usize - 2)
}

/// Whether a character is escaped in messages and snippets: C0 and C1 controls, DEL, and
/// the characters that end or reorder lines (U+2028, U+2029, the bidirectional overrides
/// and isolates).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

fn push_escaped(out: &mut String, c: char, keep_tab: bool) {
    match c {
        '\t' if keep_tab => out.push('\t'),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if needs_escape(c) => {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// `s` with control characters written as escapes (`\n`, `\r`, `\t`, `\u{1b}`, …; also
/// C1 controls, U+2028/U+2029 and the bidirectional controls), so that text from a file
/// printed in a message can neither start a new line (a CI workflow command such as
/// `::error::`) nor reach a terminal as an escape sequence. Borrowed when nothing needs
/// escaping.
///
/// ```
/// use bibkit::diagnostic::escape_control;
/// assert_eq!(escape_control("a\n::error::x\u{1b}[31m"), "a\\n::error::x\\u{1b}[31m");
/// assert!(matches!(escape_control("plain"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn escape_control(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c, false);
    }
    std::borrow::Cow::Owned(out)
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: severity[rule]: message`, with control characters escaped (see
    /// [`escape_control`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = escape_control(self.file.as_deref().unwrap_or("<stdin>"));
        if self.line > 0 {
            write!(f, "{file}:{}:{}: ", self.line, self.column.max(1))?;
        } else {
            write!(f, "{file}: ")?;
        }
        let message = escape_control(&self.message);
        write!(f, "{}[{}]: {message}", self.severity, self.rule)?;
        if let Some(k) = &self.key {
            if !self.message.contains(k.as_str()) {
                write!(f, " (entry `{}`)", escape_control(k))?;
            }
        }
        Ok(())
    }
}

/// Fills in the line and column of the diagnostics that have none (line 0) from their
/// spans in `source`, and sorts all of them by position. One pass over the source, no
/// index kept, however many diagnostics there are (also many on one line).
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
    let mut cursor = Cursor::new(source);
    for d in diags.iter_mut().filter(|d| d.line == 0) {
        let (line, column) = cursor.seek(d.span.start);
        d.line = line;
        d.column = column;
    }
}

/// A position that moves forward through a text, keeping its line and column: seeking to
/// increasing offsets costs linear time in all.
///
/// ```
/// use bibkit::diagnostic::Cursor;
/// let mut c = Cursor::new("ab\r\ncé d\rx");
/// assert_eq!(c.seek(1), (1, 2));
/// assert_eq!(c.seek(7), (2, 3));
/// assert_eq!(c.seek(10), (3, 1));
/// ```
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    src: &'a str,
    /// The byte offset reached.
    pos: usize,
    line: u32,
    /// Characters from the line start to `pos`.
    column: u32,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `src`.
    pub fn new(src: &'a str) -> Self {
        Cursor {
            src,
            pos: 0,
            line: 1,
            column: 0,
        }
    }

    /// A cursor at byte `pos` of `src`, which is at 1-based `line` and `column` (as a
    /// cursor's [`seek`](Cursor::seek) gave them).
    pub(crate) fn resume(src: &'a str, pos: usize, line: u32, column: u32) -> Self {
        Cursor {
            src,
            pos,
            line,
            column: column.saturating_sub(1),
        }
    }

    /// The 1-based line and column (in characters) of byte `offset`. Offsets before the
    /// last one sought are found from the start again.
    pub fn seek(&mut self, offset: usize) -> (u32, u32) {
        let at = floor_char_boundary(self.src, offset.min(self.src.len()));
        if at < self.pos {
            *self = Cursor::new(self.src);
        }
        let b = self.src.as_bytes();
        let mut from = self.pos;
        for start in line_starts_in(b, self.pos, at) {
            self.line += 1;
            from = start;
            self.column = 0;
        }
        self.column += char_count(&b[from..at]) as u32;
        self.pos = at;
        (self.line, self.column + 1)
    }
}

/// The number of characters in UTF-8 bytes (that may start or end inside a character).
fn char_count(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c as i8) >= -0x40).count()
}

/// The offsets where lines start after the first: after each LF, CRLF, and lone CR.
fn line_starts(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    line_starts_in(b, 0, b.len())
}

/// Line starts in `(from, to]`: breaks found in `from..to` (a CR at `to - 1` followed by
/// LF at `to` counts at the LF).
fn line_starts_in(b: &[u8], from: usize, to: usize) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr2_iter(b'\n', b'\r', &b[from..to]).filter_map(move |i| {
        let i = from + i;
        (b[i] == b'\n' || b.get(i + 1) != Some(&b'\n')).then_some(i + 1)
    })
}

/// The 1-based line and column (in characters) of byte `offset` in `source`. Lines end at
/// LF, CRLF or a lone CR.
///
/// ```
/// assert_eq!(bibkit::diagnostic::line_col("ab\ncé d", 6), (2, 3));
/// assert_eq!(bibkit::diagnostic::line_col("a\rb\r\nc", 5), (3, 1));
/// ```
pub fn line_col(source: &str, offset: usize) -> (u32, u32) {
    Cursor::new(source).seek(offset)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Line and column lookup for many offsets in one text, in any order: a binary search for
/// the line, and characters counted from a checkpoint every 4 KiB, so even one very long
/// line costs little per lookup.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Characters before each 4 KiB block (empty when the text is ASCII).
    blocks: Vec<usize>,
}

const BLOCK: usize = 4096;

impl LineIndex {
    /// Indexes the line starts of `source` (lines end at LF, CRLF or a lone CR).
    pub fn new(source: &str) -> Self {
        let b = source.as_bytes();
        let mut starts = vec![0];
        starts.extend(line_starts(b));
        let blocks = if source.is_ascii() {
            Vec::new()
        } else {
            let mut total = 0;
            b.chunks(BLOCK)
                .map(|c| {
                    let before = total;
                    total += char_count(c);
                    before
                })
                .collect()
        };
        LineIndex { starts, blocks }
    }

    /// Characters in `source[..offset]`.
    fn chars_before(&self, source: &str, offset: usize) -> usize {
        if self.blocks.is_empty() {
            return offset;
        }
        let k = offset / BLOCK;
        self.blocks[k] + char_count(&source.as_bytes()[k * BLOCK..offset])
    }

    /// The 1-based line and column (in characters) of byte `offset`.
    ///
    /// ```
    /// use bibkit::diagnostic::LineIndex;
    /// let src = "ab\ncé d";
    /// assert_eq!(LineIndex::new(src).line_col(src, 6), (2, 3));
    /// ```
    pub fn line_col(&self, source: &str, offset: usize) -> (u32, u32) {
        let offset = floor_char_boundary(source, offset);
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        // Short stretches are counted directly; long lines through the checkpoints.
        let col = if offset - start <= 2 * BLOCK {
            char_count(&source.as_bytes()[start..offset]) + 1
        } else {
            self.chars_before(source, offset) - self.chars_before(source, start) + 1
        };
        (line as u32 + 1, col as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_cursor_agree_with_counting() {
        let src = "é\r\nab\rc\n\ndéf\tx\u{1F600}y\n".repeat(700);
        let index = LineIndex::new(&src);
        let mut cursor = Cursor::new(&src);
        let (mut line, mut col) = (1u32, 1u32);
        let b = src.as_bytes();
        for (i, c) in src.char_indices() {
            assert_eq!(index.line_col(&src, i), (line, col), "at {i}");
            assert_eq!(cursor.seek(i), (line, col), "at {i}");
            let lf_after_cr = c == '\r' && b.get(i + 1) == Some(&b'\n');
            if (c == '\n' || c == '\r') && !lf_after_cr {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
    }

    #[test]
    fn snippets_are_windows_of_long_lines() {
        let src = format!("{}X{}", "a".repeat(10_000), "b".repeat(10_000));
        let d = Diagnostic::new(Severity::Error, "x", "m").at(&src, Span::new(10_000, 10_001));
        let r = d.render(Some(&src));
        let lines: Vec<&str> = r.lines().collect();
        assert!(lines[2].starts_with("1 | …"));
        assert!(lines[2].ends_with('…'));
        let caret = lines[3].chars().position(|c| c == '^').unwrap();
        assert_eq!(lines[2].chars().position(|c| c == 'X'), Some(caret));
        assert!(lines[2].chars().count() < 130);
    }

    #[test]
    fn control_characters_are_escaped_everywhere() {
        let src = "@misc{k\u{1b}]0;x\u{7}, note = {a\r::error::b}}";
        let d = Diagnostic::new(Severity::Error, "x", "value `a\r::error::b`")
            .at(src, Span::new(34, 35))
            .with_key("k\u{1b}]0;x\u{7}")
            .in_file("dir\n::warning::/f.bib");
        let r = d.render(Some(src));
        assert!(!r.contains(['\r', '\u{1b}', '\u{7}']), "{r:?}");
        assert_eq!(r.lines().count(), 4, "{r}");
        assert!(r.starts_with("dir\\n::warning::/f.bib:2:10:"), "{r}");
    }
}
