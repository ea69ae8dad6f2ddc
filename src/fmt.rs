//! The `.bib` formatter behind `bibkit fmt`: the lossless syntax tree printed in one
//! canonical style.
//!
//! Only layout changes. Comments (`%` lines, `@comment` blocks, text between entries),
//! `@string` definitions and their uses (never expanded), `@preamble`, unknown entry types
//! and fields, and the inner text of every value (braces, escapes, math, line breaks) are
//! kept exactly; a block that does not parse is printed as it stands, with its diagnostic.
//!
//! The style:
//!
//! * `@type{key,` with the type in lower case, braces as delimiters;
//! * one field per line, indented (two spaces), field names in lower case, `=` aligned in an
//!   entry, a comma after every field, `}` on its own line;
//! * values: braced and quoted text in braces (a quoted value whose braces do not balance
//!   keeps its quotes), numbers and macros bare, concatenations as ` # `;
//! * `%` comments inside an entry on their own lines, before the field that follows them;
//! * one blank line between entries; comments keep their place and stay attached to the
//!   entry they precede; no trailing white space;
//! * line breaks as the file's last one, LF or CRLF (line breaks inside values and
//!   `@comment` bodies are kept as they are).
//!
//! ```
//! use bibkit::fmt::{format, FmtOptions};
//! let src = "@Article{knuth84,TITLE=\"Literate {P}rogramming\",year=1984,Journal=cj # { 27(2)}}";
//! let out = format(src, &FmtOptions::default());
//! assert_eq!(out.text, "@article{knuth84,
//!   title   = {Literate {P}rogramming},
//!   year    = 1984,
//!   journal = cj # { 27(2)},
//! }
//! ");
//! assert_eq!(format(&out.text, &FmtOptions::default()).text, out.text);
//! ```

use crate::diagnostic::Diagnostic;
use crate::model::Span;
use crate::syntax::{self, Block, BlockKind, FieldNode, Item, PieceKind, Token, Tree, balanced};

/// How to sort entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortEntries {
    /// Keep the order of the file (the default).
    #[default]
    None,
    /// By key, without case.
    Key,
    /// By year (from `year` or `date`), then key.
    Year,
    /// By entry type, then key.
    Type,
}

/// Formatting options (the `[fmt]` table of `bibkit.toml`).
///
/// ```
/// use bibkit::fmt::{FmtOptions, SortEntries};
/// let o = FmtOptions::from_toml("[fmt]\nindent = 4\nsort-entries = \"key\"\nsort-fields = true\n").unwrap();
/// assert_eq!(o.indent, 4);
/// assert_eq!(o.sort_entries, SortEntries::Key);
/// assert!(o.sort_fields);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FmtOptions {
    /// Spaces before each field (default 2).
    pub indent: usize,
    /// Align the `=` of an entry's fields (default true).
    pub align: bool,
    /// Sort entries (default: no). Entries that others `crossref` stay after them, as
    /// BibTeX needs; `@string`s and `@preamble`s come first — unless that would change
    /// what a macro means to an entry (a macro used before its `@string`, or defined
    /// twice): then entries stay in place and a `fmt-unsorted` warning says why.
    pub sort_entries: SortEntries,
    /// Sort each entry's fields in [`FIELD_ORDER`] (others after, as they were).
    pub sort_fields: bool,
}

impl Default for FmtOptions {
    fn default() -> Self {
        FmtOptions {
            indent: 2,
            align: true,
            sort_entries: SortEntries::None,
            sort_fields: false,
        }
    }
}

/// What a configuration could not say.
#[derive(Debug, thiserror::Error)]
pub enum FmtConfigError {
    /// Not TOML, or a key of the wrong type.
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    /// A `sort-entries` other than `none`, `key`, `year`, `type`.
    #[error("`sort-entries = \"{0}\"`: write none, key, year or type")]
    Sort(String),
    /// An indent above 16.
    #[error("`indent = {0}` is more than 16")]
    Indent(usize),
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FmtTable {
    indent: Option<usize>,
    align: Option<bool>,
    sort_entries: Option<String>,
    sort_fields: Option<bool>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct ConfigFile {
    fmt: Option<FmtTable>,
    #[serde(flatten)]
    _rest: std::collections::BTreeMap<String, toml::Value>,
}

impl FmtOptions {
    /// Reads the `[fmt]` table of a `bibkit.toml` (other tables are ignored).
    ///
    /// # Errors
    /// [`FmtConfigError`] for TOML errors, unknown keys and values out of range.
    pub fn from_toml(text: &str) -> Result<FmtOptions, FmtConfigError> {
        let file: ConfigFile = toml::from_str(text)?;
        let t = file.fmt.unwrap_or_default();
        let mut o = FmtOptions::default();
        if let Some(i) = t.indent {
            if i > 16 {
                return Err(FmtConfigError::Indent(i));
            }
            o.indent = i;
        }
        if let Some(a) = t.align {
            o.align = a;
        }
        if let Some(s) = t.sort_fields {
            o.sort_fields = s;
        }
        if let Some(s) = t.sort_entries {
            o.sort_entries = match s.as_str() {
                "none" => SortEntries::None,
                "key" => SortEntries::Key,
                "year" => SortEntries::Year,
                "type" => SortEntries::Type,
                _ => return Err(FmtConfigError::Sort(s)),
            };
        }
        Ok(o)
    }
}

/// The order `sort_fields` puts fields in: who, what, where, when, numbers, identifiers,
/// notes. Fields not listed follow, in their own order.
pub const FIELD_ORDER: &[&str] = &[
    "author",
    "editor",
    "translator",
    "bookauthor",
    "title",
    "subtitle",
    "titleaddon",
    "shorttitle",
    "booktitle",
    "booksubtitle",
    "maintitle",
    "journal",
    "journaltitle",
    "series",
    "edition",
    "volume",
    "number",
    "issue",
    "chapter",
    "pages",
    "eid",
    "publisher",
    "organization",
    "institution",
    "school",
    "address",
    "location",
    "date",
    "year",
    "month",
    "day",
    "type",
    "howpublished",
    "isbn",
    "issn",
    "doi",
    "eprint",
    "eprinttype",
    "archiveprefix",
    "eprintclass",
    "primaryclass",
    "url",
    "urldate",
    "crossref",
    "xref",
    "xdata",
    "keywords",
    "abstract",
    "note",
    "annote",
    "annotation",
];

/// A formatted file, the syntax errors of its input, and a warning when entries could not
/// be sorted without changing their meaning.
#[derive(Debug, Clone)]
pub struct Formatted {
    /// The formatted text.
    pub text: String,
    /// Syntax errors (their blocks are printed as they were), and the `fmt-unsorted`
    /// warning.
    pub diagnostics: Vec<Diagnostic>,
}

impl Formatted {
    /// Whether the input had syntax errors (`fmt --write` refuses such files).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == crate::diagnostic::Severity::Error)
    }
}

/// A stretch of a formatted unit that is a copy of the source: a value, a key, a comment.
/// A caller that writes the output in the file's own encoding copies those bytes from the
/// file instead of encoding the text again, so bytes the formatter did not touch stay as
/// they were even where decoding and encoding do not round-trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// Where the copy starts in the unit's text.
    pub at: usize,
    /// The source bytes it copies (its length is the copy's length).
    pub from: Span,
}

/// Where [`format_with`] sends the formatted text, a unit at a time.
pub trait FmtSink {
    /// The formatted text that replaces `old`, a stretch of the source. Units come in
    /// order, their `old` stretches tile the source, and the texts put together are the
    /// formatted file. `copied` are the stretches of `new` that copy the source.
    ///
    /// # Errors
    /// Whatever writing the text gives; formatting stops at the first error.
    fn unit(&mut self, old: Span, new: &str, copied: &[Copied]) -> std::io::Result<()>;
}

/// Collects the whole formatted text.
struct Collect(String);

impl FmtSink for Collect {
    fn unit(&mut self, _: Span, new: &str, _: &[Copied]) -> std::io::Result<()> {
        self.0.push_str(new);
        Ok(())
    }
}

/// Formats `.bib` text (see the module docs for the style). Broken blocks are printed
/// as they were, with their diagnostics.
///
/// ```
/// use bibkit::fmt::{format, FmtOptions};
/// let out = format("@MISC{k, Note = \"x\"\n@misc{ok, title={T}}", &FmtOptions::default());
/// assert!(out.has_errors());
/// assert_eq!(out.diagnostics[0].line, 2);
/// assert_eq!(out.text, "@MISC{k, Note = \"x\"\n@misc{ok,\n  title = {T},\n}\n");
/// ```
pub fn format(text: &str, opts: &FmtOptions) -> Formatted {
    let mut sink = Collect(String::with_capacity(text.len() + text.len() / 8));
    let diagnostics = match format_with(text, opts, &mut sink) {
        Ok(d) => d,
        Err(_) => unreachable!("collecting into a string does not fail"),
    };
    Formatted {
        text: sink.0,
        diagnostics,
    }
}

/// The bytes of source formatted at a time when entries are not sorted.
const SEGMENT: usize = 64 << 10;

/// Formats `text` into `sink`, a unit (an entry, a comment, …) at a time, and returns the
/// diagnostics. Without sorting, the source is parsed a segment at a time and nothing but
/// the unit being printed is held, so formatting a file of any size costs little memory;
/// sorting entries needs the whole file, and gives one unit.
///
/// ```
/// use bibkit::fmt::{format_with, Copied, FmtOptions, FmtSink};
/// use bibkit::model::Span;
/// struct Units(Vec<(Span, String)>);
/// impl FmtSink for Units {
///     fn unit(&mut self, old: Span, new: &str, _: &[Copied]) -> std::io::Result<()> {
///         self.0.push((old, new.to_string()));
///         Ok(())
///     }
/// }
/// let src = "@MISC{a,title={A}}\n\n\n@misc{b}";
/// let mut units = Units(Vec::new());
/// format_with(src, &FmtOptions::default(), &mut units)?;
/// assert_eq!(units.0[0], (Span::new(0, 18), "@misc{a,\n  title = {A},\n}".to_string()));
/// assert_eq!(units.0[1], (Span::new(18, 29), "\n\n@misc{b,\n}".to_string()));
/// assert_eq!(units.0[2], (Span::new(29, 29), "\n".to_string()));
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// The first error of `sink`.
pub fn format_with(
    text: &str,
    opts: &FmtOptions,
    sink: &mut dyn FmtSink,
) -> std::io::Result<Vec<Diagnostic>> {
    // Line breaks as the file's last one; values and comment bodies keep their own.
    let nl = line_break(text);
    if opts.sort_entries != SortEntries::None || text.len() >= u32::MAX as usize {
        return format_sorted(text, opts, nl, sink);
    }
    let (bounds, lone_cr) = syntax::stream_bounds(text, SEGMENT);
    let mut printer = Printer::new(opts, nl);
    let mut out = Out::default();
    let mut diagnostics = Vec::new();
    let mut cursor = crate::diagnostic::Cursor::new(text);
    let mut old_start = 0;
    for w in bounds.windows(2) {
        let (tree, notes) = syntax::parse_range(text, w[0], w[1], lone_cr);
        let base = diagnostics.len();
        diagnostics.extend(tree.diagnostics().iter().cloned());
        for &(i, at) in &notes {
            let (line, _) = cursor.seek(at);
            let d: &mut Diagnostic = &mut diagnostics[base + i];
            d.message.push_str(&std::format!(
                "; the value starts on line {line}: is a closing `}}` missing?"
            ));
        }
        for (idx, item) in tree.items().iter().enumerate() {
            out.clear();
            // Room for a large item at once: a buffer grown by doubling would hold up to
            // three times its text while it copies.
            let len = item.span().end - item.span().start;
            if len > 1 << 20 {
                out.buf
                    .try_reserve(len + len / 64 + 4096)
                    .map_err(|_| crate::io::out_of_memory(len))?;
            }
            if let Some((_, old_end)) = printer.item(&tree, idx, item, &mut out) {
                sink.unit(Span::new(old_start, old_end), &out.buf, &out.copies)?;
                old_start = old_end;
            }
        }
    }
    let end = if printer.any { nl } else { "" };
    sink.unit(Span::new(old_start, text.len()), end, &[])?;
    crate::diagnostic::locate(text, &mut diagnostics);
    Ok(diagnostics)
}

/// Sorting: the whole tree, its units sorted, given to `sink` as one unit.
fn format_sorted(
    text: &str,
    opts: &FmtOptions,
    nl: &'static str,
    sink: &mut dyn FmtSink,
) -> std::io::Result<Vec<Diagnostic>> {
    let tree = syntax::parse(text);
    let mut printer = Printer::new(opts, nl);
    let mut out = Out::default();
    out.buf.reserve(text.len() + text.len() / 8);
    let mut units = Vec::new();
    for (idx, item) in tree.items().iter().enumerate() {
        if let Some((u, _)) = printer.item(&tree, idx, item, &mut out) {
            units.push(u);
        }
    }
    if printer.any {
        out.buf.push_str(nl);
    }
    let mut diagnostics = tree.diagnostics().to_vec();
    if opts.sort_entries == SortEntries::None {
        sink.unit(Span::new(0, text.len()), &out.buf, &out.copies)?;
        crate::diagnostic::locate(text, &mut diagnostics);
        return Ok(diagnostics);
    }
    match unsortable(&tree) {
        None => {
            sort(&tree, &mut units, opts.sort_entries);
            let mut sorted = Out::default();
            sorted.buf.reserve(out.buf.len());
            for (i, u) in units.iter().enumerate() {
                if i > 0 {
                    sorted.buf.push_str(nl);
                    if !u.tight {
                        sorted.buf.push_str(nl);
                    }
                }
                let shift = sorted.buf.len();
                sorted.buf.push_str(&out.buf[u.text.clone()]);
                sorted
                    .copies
                    .extend(out.copies[u.copies.clone()].iter().map(|c| Copied {
                        at: c.at - u.text.start + shift,
                        from: c.from,
                    }));
            }
            if !sorted.buf.is_empty() {
                sorted.buf.push_str(nl);
            }
            sink.unit(Span::new(0, text.len()), &sorted.buf, &sorted.copies)?;
        }
        Some(d) => {
            diagnostics.push(d);
            sink.unit(Span::new(0, text.len()), &out.buf, &out.copies)?;
        }
    }
    crate::diagnostic::locate(text, &mut diagnostics);
    Ok(diagnostics)
}

/// The file's last line break (LF, CRLF or a lone CR); LF when it has none. The last one
/// decides because the formatter's output always ends with one of its own, which makes
/// the choice stable.
fn line_break(text: &str) -> &'static str {
    match memchr::memrchr2(b'\n', b'\r', text.as_bytes()) {
        Some(i) if text.as_bytes()[i] == b'\r' => "\r",
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Printed text with the stretches that copy the source.
#[derive(Debug, Default)]
struct Out {
    buf: String,
    copies: Vec<Copied>,
}

impl Out {
    fn clear(&mut self) {
        self.buf.clear();
        self.copies.clear();
    }

    fn push(&mut self, s: &str) {
        self.buf.push_str(s);
    }

    fn push_char(&mut self, c: char) {
        self.buf.push(c);
    }

    /// Appends the source text at `span`, as a copy.
    fn copy(&mut self, tree: &Tree<'_>, span: Span) {
        if span.end > span.start {
            self.copies.push(Copied {
                at: self.buf.len(),
                from: span,
            });
            self.buf.push_str(tree.text(span));
        }
    }

    /// Cuts the text at `len`, shortening copies that reached past it.
    fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
        self.copies.retain_mut(|c| {
            let n = c.from.end - c.from.start;
            if c.at >= len {
                return false;
            }
            if c.at + n > len {
                c.from.end = c.from.start + (len - c.at);
            }
            true
        });
    }
}

/// One printed top-level piece.
struct Unit {
    /// Where its text is in the printout (without the separator before it).
    text: std::ops::Range<usize>,
    /// Its copies in the printout's list.
    copies: std::ops::Range<usize>,
    /// The entry or block it is (for sorting), if any.
    block: Option<usize>,
    /// Printed right after the previous unit, without a blank line.
    tight: bool,
    /// An `@comment` without its closing delimiter: its body runs to the next line that
    /// starts a block, so it must stay right before the unit that followed it.
    sticky: bool,
}

/// Text without the blank lines before and the white space after it (lines end at LF,
/// CRLF or a lone CR); each line a copy of the source.
fn without_blank_lines(tree: &Tree<'_>, span: Span, nl: &str, out: &mut Out) {
    let t = tree.text(span);
    let mut lines: Vec<Span> = Vec::new();
    let mut start = 0;
    let b = t.as_bytes();
    let mut i = 0;
    while i <= b.len() {
        if i == b.len() || b[i] == b'\n' || b[i] == b'\r' {
            let line = &t[start..i];
            let kept = line.trim_end();
            lines.push(Span::new(
                span.start + start,
                span.start + start + kept.len(),
            ));
            if i + 1 < b.len() && b[i] == b'\r' && b[i + 1] == b'\n' {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    // `str::lines` drops a final empty line after a line break.
    if t.ends_with('\n') || t.ends_with('\r') {
        lines.pop();
    }
    let blank = |s: &Span| s.start == s.end;
    let first = lines.iter().position(|l| !blank(l)).unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|l| !blank(l))
        .map_or(first, |i| i + 1);
    for (k, l) in lines[first..last.max(first)].iter().enumerate() {
        if k > 0 {
            out.push(nl);
        }
        out.copy(tree, *l);
    }
}

/// Whether the source between two items has a blank line.
fn blank_between(src: &str) -> bool {
    let b = src.as_bytes();
    memchr::memchr2_iter(b'\n', b'\r', b)
        .filter(|&i| b[i] == b'\n' || b.get(i + 1) != Some(&b'\n'))
        .count()
        >= 2
}

/// Prints top-level items in file order, one blank line between units except where a
/// comment is attached to what follows it; carries what it needs from one item to the
/// next, so it can be fed a segment of items at a time.
struct Printer<'o> {
    opts: &'o FmtOptions,
    nl: &'static str,
    /// The end of the source the last printed unit stands for: decides blank lines.
    gap_start: usize,
    prev_block: bool,
    /// Whether a unit was printed.
    any: bool,
    /// Items before this offset were printed as written with the block before them.
    skip_until: usize,
}

impl<'o> Printer<'o> {
    fn new(opts: &'o FmtOptions, nl: &'static str) -> Self {
        Printer {
            opts,
            nl,
            gap_start: 0,
            prev_block: false,
            any: false,
            skip_until: 0,
        }
    }

    /// Separates a unit from the one before.
    fn begin(&self, out: &mut Out, tight: bool) {
        if self.any {
            out.push(self.nl);
            if !tight {
                out.push(self.nl);
            }
        }
    }

    /// Prints one item (its separator first) into `out`; returns its unit and the end of
    /// the source it stands for, or `None` for blank text between items. `idx` is the
    /// item's index in `tree`.
    fn item(
        &mut self,
        tree: &Tree<'_>,
        idx: usize,
        item: &Item,
        out: &mut Out,
    ) -> Option<(Unit, usize)> {
        let src = tree.source();
        let mut span = item.span();
        if span.start < self.skip_until {
            return None;
        }
        if let Item::Text(s) = item {
            let t = tree.text(*s);
            if t.trim().is_empty() {
                return None;
            }
            // Text between entries is a comment to BibTeX: kept, without trailing white
            // space on its lines (and without the blank lines around it).
            let first = t
                .split_inclusive(['\n', '\r'])
                .take_while(|l| l.trim().is_empty())
                .map(str::len)
                .sum::<usize>();
            let gap = &src[self.gap_start..s.start + first];
            let tight = self.any && !self.prev_block && !blank_between(gap);
            self.begin(out, tight);
            let start = out.buf.len();
            let copies = out.copies.len();
            without_blank_lines(tree, *s, self.nl, out);
            self.any = true;
            self.gap_start = s.start + t.trim_end().len();
            self.prev_block = false;
            let unit = Unit {
                text: start..out.buf.len(),
                copies: copies..out.copies.len(),
                block: None,
                tight,
                sticky: false,
            };
            return Some((unit, self.gap_start));
        }
        let gap = &src[self.gap_start..span.start];
        // After a comment on the line before, an item stays attached to it.
        let tight = self.any && !self.prev_block && !blank_between(gap);
        self.begin(out, tight);
        let start = out.buf.len();
        let copies = out.copies.len();
        let block = match item {
            Item::LineComment(s) => {
                out.copy(tree, *s);
                None
            }
            Item::Junk { span, .. } => {
                without_blank_lines(tree, *span, self.nl, out);
                None
            }
            // Read with `\{` as a literal brace: printed as written up to the next line
            // that starts a block, since what follows it decides how BibTeX reads it.
            Item::Block(b) if b.latex_braces() => {
                let end = (b.raw_end as usize).max(span.end);
                out.copy(tree, Span::new(span.start, end));
                self.skip_until = end;
                span = Span::new(span.start, end);
                Some(idx)
            }
            Item::Block(b) => {
                block_text(tree, b, self.opts, self.nl, out);
                Some(idx)
            }
            Item::Text(_) => unreachable!("handled above"),
        };
        // No trailing white space (an unclosed `@comment` body may end in some).
        let end = start + out.buf[start..].trim_end().len();
        out.truncate(end);
        let sticky = matches!(item, Item::Block(b)
            if b.block_kind() == BlockKind::Comment && b.close().is_empty());
        self.any = true;
        self.gap_start = span.end;
        self.prev_block = block.is_some();
        let unit = Unit {
            text: start..end,
            copies: copies..out.copies.len(),
            block,
            tight,
            sticky,
        };
        Some((unit, span.end))
    }
}

/// A value: its pieces in the canonical style, appended to `out`.
fn value(tree: &Tree<'_>, f: &FieldNode, out: &mut Out) {
    for (i, p) in tree.pieces(f).iter().enumerate() {
        if i > 0 {
            out.push(" # ");
        }
        match p.kind() {
            PieceKind::Quoted => {
                let content = tree.text(p.content());
                if balanced(content) {
                    out.push_char('{');
                    out.copy(tree, p.content());
                    out.push_char('}');
                } else {
                    out.copy(tree, p.span());
                }
            }
            _ => out.copy(tree, p.span()),
        }
    }
}

/// Sorts an entry's fields into [`FIELD_ORDER`] (fields not listed after them, in their
/// own order), as entries read from other formats are written.
///
/// ```
/// let mut e = bibkit::model::Entry::new("book", "k");
/// e.set("year", bibkit::model::Value::text("2001"));
/// e.set("title", bibkit::model::Value::text("T"));
/// bibkit::fmt::sort_entry_fields(&mut e);
/// assert_eq!(e.fields[0].name.as_ref(), "title");
/// ```
pub fn sort_entry_fields(e: &mut crate::model::Entry) {
    e.fields.sort_by_key(|f| field_rank(&f.name));
}

/// A field's position in [`FIELD_ORDER`].
fn field_rank(name: &str) -> usize {
    FIELD_ORDER
        .iter()
        .position(|f| f.eq_ignore_ascii_case(name))
        .unwrap_or(FIELD_ORDER.len())
}

/// Prints one block in the canonical style, or as written when its tokens hold anything
/// the style does not know how to place.
fn block_text(tree: &Tree<'_>, b: &Block, opts: &FmtOptions, nl: &str, out: &mut Out) {
    let kind = tree.text(b.kind());
    let head = |out: &mut Out| {
        out.push_char('@');
        if kind.bytes().any(|c| c.is_ascii_uppercase()) {
            out.push(&kind.to_ascii_lowercase());
        } else {
            out.copy(tree, b.kind());
        }
    };
    match b.block_kind() {
        BlockKind::Comment => {
            // The body exactly as written.
            head(out);
            out.copy(tree, Span::new(b.open().start, b.span().end));
            return;
        }
        BlockKind::Preamble => {
            match tree.fields(b) {
                [f] => {
                    head(out);
                    out.push_char('{');
                    value(tree, f, out);
                    out.push_char('}');
                }
                _ => out.copy(tree, b.span()),
            }
            return;
        }
        BlockKind::String | BlockKind::Entry => {}
    }
    // Comments inside the block, each with the field it precedes (or the end), grouped by
    // that field in one pass.
    let tokens = tree.tokens(b);
    let fields = tree.fields(b);
    let mut comments: Vec<Vec<Span>> = Vec::new();
    let mut next_field = 0;
    for (tok, span) in &tokens {
        match tok {
            Token::FieldName => next_field += 1,
            Token::Comment => {
                if comments.len() <= next_field {
                    comments.resize_with(next_field + 1, Vec::new);
                }
                let text = tree.text(*span);
                comments[next_field]
                    .push(Span::new(span.start, span.start + text.trim_end().len()));
            }
            Token::Whitespace if !tree.text(*span).trim().is_empty() => {
                out.copy(tree, b.span());
                return;
            }
            _ => {}
        }
    }
    let has_comments = !comments.is_empty();
    let comments_at = |i: usize| comments.get(i).map_or(&[][..], Vec::as_slice);
    let entry = b.block_kind() == BlockKind::Entry;
    let name = |out: &mut Out, i: usize| {
        let n = fields[i].name();
        let written = tree.text(n);
        if entry && written.bytes().any(|c| c.is_ascii_uppercase()) {
            out.push(&written.to_ascii_lowercase());
        } else {
            out.copy(tree, n);
        }
    };
    head(out);
    out.push_char('{');
    if !entry && fields.len() == 1 && !has_comments {
        name(out, 0);
        out.push(" = ");
        value(tree, &fields[0], out);
        out.push_char('}');
        return;
    }
    let mut order: Vec<usize> = (0..fields.len()).collect();
    if opts.sort_fields && entry && !has_comments {
        order.sort_by_key(|&i| field_rank(tree.text(fields[i].name())));
    }
    // Lower-casing ASCII keeps the width.
    let width_of = |i: usize| tree.text(fields[i].name()).chars().count();
    let width = if opts.align {
        (0..fields.len()).map(width_of).max().unwrap_or(0)
    } else {
        0
    };
    let line = |out: &mut Out| {
        out.push(nl);
        for _ in 0..opts.indent {
            out.push_char(' ');
        }
    };
    if entry {
        out.copy(tree, b.key());
        out.push_char(',');
    }
    for &i in &order {
        for c in comments_at(i) {
            line(out);
            out.copy(tree, *c);
        }
        line(out);
        name(out, i);
        for _ in 0..width.saturating_sub(width_of(i)) {
            out.push_char(' ');
        }
        out.push(" = ");
        value(tree, &fields[i], out);
        out.push_char(',');
    }
    for c in comments_at(fields.len()) {
        line(out);
        out.copy(tree, *c);
    }
    out.push(nl);
    out.push_char('}');
}

/// Why moving `@string`s before all entries would change what an entry's macros mean — a
/// macro used before its definition (BibTeX leaves it undefined there, or uses the
/// predefined month) or defined twice — as a warning; `None` when sorting is safe.
fn unsortable(tree: &Tree<'_>) -> Option<Diagnostic> {
    use std::collections::HashMap;
    // Where each macro is (first) defined, and the first use before a definition.
    let mut defined: HashMap<String, usize> = HashMap::new();
    let mut used_early: HashMap<String, (usize, String)> = HashMap::new();
    let warn = |at: usize, message: String| {
        Some(
            Diagnostic::new(
                crate::diagnostic::Severity::Warning,
                "fmt-unsorted",
                message,
            )
            .at_line_col(crate::model::Span::new(at, at), 0, 0),
        )
    };
    for b in tree.blocks() {
        if b.latex_braces() {
            return warn(
                b.span().start,
                "entries not sorted: an entry reads differently for BibTeX and for LaTeX (`escaped-brace`), so it is kept where it is".to_string(),
            );
        }
        match b.block_kind() {
            BlockKind::String => {
                for f in tree.fields(b) {
                    let name = tree.text(f.name()).to_ascii_lowercase();
                    let at = f.name().start;
                    if defined.contains_key(&name) {
                        return warn(
                            at,
                            format!(
                                "entries not sorted: `@string` `{name}` is defined twice, so moving the definitions first would change what entries between them mean"
                            ),
                        );
                    }
                    if let Some((_, key)) = used_early.get(&name) {
                        return warn(
                            at,
                            format!(
                                "entries not sorted: `@string` `{name}` is defined after entry `{key}` uses it, so moving the definitions first would change that entry"
                            ),
                        );
                    }
                    defined.insert(name, at);
                }
            }
            BlockKind::Entry => {
                for f in tree.fields(b) {
                    for p in tree.pieces(f) {
                        if p.kind() == PieceKind::Macro {
                            let name = tree.text(p.span()).to_ascii_lowercase();
                            if !defined.contains_key(&name) {
                                used_early.entry(name).or_insert_with(|| {
                                    (p.span().start, tree.text(b.key()).to_string())
                                });
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The sort key of an entry.
fn sort_key(tree: &Tree<'_>, b: &Block, by: SortEntries) -> (String, String) {
    let key = tree.text(b.key()).to_lowercase();
    let field = |name: &str| {
        tree.fields(b)
            .iter()
            .find(|f| tree.text(f.name()).eq_ignore_ascii_case(name))
            .map(|f| {
                tree.pieces(f)
                    .iter()
                    .map(|p| tree.text(p.content()))
                    .collect::<String>()
            })
    };
    match by {
        SortEntries::Year => {
            let y = field("year")
                .or_else(|| field("date"))
                .map(|y| {
                    y.chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '-')
                        .collect()
                })
                .unwrap_or_default();
            (y, key)
        }
        SortEntries::Type => (tree.text(b.kind()).to_lowercase(), key),
        _ => (key, String::new()),
    }
}

/// Sorts entries (each with the comments and text right before it); `@string`s and
/// `@preamble`s move before them, what follows the last entry stays last, and entries
/// that others `crossref` go after all others.
fn sort(tree: &Tree<'_>, units: &mut Vec<Unit>, by: SortEntries) {
    let is_entry = |u: &Unit| {
        u.block.is_some_and(
            |i| matches!(&tree.items()[i], Item::Block(b) if b.block_kind() == BlockKind::Entry),
        )
    };
    let Some(mut first) = units.iter().position(is_entry) else {
        return;
    };
    // Comments attached to the first entry go with it, and an unclosed `@comment` with
    // what follows it.
    while first > 0
        && ((units[first].tight && units[first - 1].block.is_none()) || units[first - 1].sticky)
    {
        first -= 1;
    }
    let last = units.iter().rposition(is_entry).unwrap_or(first);
    let tail: Vec<Unit> = units.drain(last + 1..).collect();
    let body: Vec<Unit> = units.drain(first..).collect();
    // Groups: the comments before an entry, and the entry.
    let mut groups: Vec<Vec<Unit>> = Vec::new();
    let mut pending: Vec<Unit> = Vec::new();
    let mut hoisted: Vec<Unit> = Vec::new();
    for u in body {
        if is_entry(&u) {
            pending.push(u);
            groups.push(std::mem::take(&mut pending));
        } else if u.block.is_some() && !u.sticky {
            // Comments attached to a hoisted block, and an unclosed `@comment` right before
            // it, move with it.
            let mut at = pending.len();
            let mut attached = u.tight;
            while at > 0 {
                let p = &pending[at - 1];
                if !(p.sticky || (attached && p.block.is_none())) {
                    break;
                }
                attached = p.tight;
                at -= 1;
            }
            let start = hoisted.len();
            hoisted.extend(pending.drain(at..));
            hoisted.push(u);
            hoisted[start].tight = false;
        } else {
            pending.push(u);
        }
    }
    let entry_of = |g: &Vec<Unit>| -> Option<&Block> {
        match &tree.items()[g.last()?.block?] {
            Item::Block(b) => Some(b),
            _ => None,
        }
    };
    let targets: std::collections::HashSet<String> = groups
        .iter()
        .filter_map(entry_of)
        .flat_map(|b| {
            tree.fields(b)
                .iter()
                .filter(|f| tree.text(f.name()).eq_ignore_ascii_case("crossref"))
                .flat_map(|f| {
                    tree.pieces(f)
                        .iter()
                        .map(|p| tree.text(p.content()).trim().to_lowercase())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    groups.sort_by_cached_key(|g| {
        let b = entry_of(g);
        let target = b.is_some_and(|b| targets.contains(&tree.text(b.key()).to_lowercase()));
        (target, b.map(|b| sort_key(tree, b, by)).unwrap_or_default())
    });
    units.extend(hoisted);
    for g in groups {
        for (i, mut u) in g.into_iter().enumerate() {
            if i == 0 {
                u.tight = false;
            }
            units.push(u);
        }
    }
    // Comments after the last entry, before the tail, stay with the tail.
    units.extend(pending);
    units.extend(tail);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> String {
        format(s, &FmtOptions::default()).text
    }

    #[test]
    fn keeps_comments_strings_and_preambles() {
        let src = "% top comment\n% second line\n\n@String{jan = \"January\"}\n@preamble{ \"\\newcommand{\\x}{y}\" }\n\n\n%attached\n@misc{ a ,\n  % inside\n  Note=jan # \" 1\", % after\n}\nstray text\n@comment{ keep  {this} }\n";
        let out = f(src);
        assert_eq!(
            out,
            "% top comment\n% second line\n\n@string{jan = {January}}\n\n@preamble{{\\newcommand{\\x}{y}}}\n\n%attached\n@misc{a,\n  % inside\n  note = jan # { 1},\n  % after\n}\n\nstray text\n@comment{ keep  {this} }\n"
        );
        assert_eq!(f(&out), out);
    }

    #[test]
    fn an_unclosed_comment_keeps_what_follows_it() {
        // The `@comment` body runs to the next line that starts a block: sorting must not
        // put the `%` lines (or anything else) after it.
        let src = "@misc{b, year = 2002}\n@comment{open, x={\n}\ntext\n@misc{a, year = 2001}\n% note\n@string{s = {S}}\n@comment{open again\n@string{t = {T}}\n% about c\n@misc{c, year = 2000}\n";
        for by in [SortEntries::Key, SortEntries::Year, SortEntries::Type] {
            let opts = FmtOptions {
                sort_entries: by,
                ..Default::default()
            };
            let out = format(src, &opts).text;
            assert!(
                out.contains("@comment{open, x={\n}\ntext\n\n@misc{a,"),
                "{out}"
            );
            assert!(
                out.contains("@comment{open again\n\n@string{t = {T}}"),
                "{out}"
            );
            assert!(out.contains("% note\n@string{s = {S}}"), "{out}");
            assert!(out.contains("% about c\n@misc{c,"), "{out}");
            assert_eq!(format(&out, &opts).text, out);
        }
    }

    #[test]
    fn entries_are_not_sorted_when_that_changes_a_macro() {
        let opts = FmtOptions {
            sort_entries: SortEntries::Key,
            ..Default::default()
        };
        for (src, line) in [
            (
                "@misc{b, journal = jams}\n@string{jams = {J. Amer. Math. Soc.}}\n@misc{a, journal = jams}\n",
                2,
            ),
            (
                "@string{j = {X}}\n@misc{b, journal = j}\n@string{j = {Y}}\n@misc{a, journal = j}\n",
                3,
            ),
            (
                "@misc{b, month = jan}\n@string{jan = {Januar}}\n@misc{a, month = jan}\n",
                2,
            ),
        ] {
            let out = format(src, &opts);
            assert!(!out.has_errors());
            assert_eq!(out.diagnostics.len(), 1, "{src}");
            assert_eq!(out.diagnostics[0].rule, "fmt-unsorted");
            assert_eq!(out.diagnostics[0].line, line, "{:?}", out.diagnostics[0]);
            assert!(out.text.find("@misc{b").unwrap() < out.text.find("@misc{a").unwrap());
        }
        // Defined before every use: sorted.
        let out = format(
            "@string{j = {X}}\n@misc{b, journal = j}\n@misc{a, journal = j # undefined}\n",
            &opts,
        );
        assert!(out.diagnostics.is_empty());
        assert!(out.text.find("@misc{a").unwrap() < out.text.find("@misc{b").unwrap());
    }

    #[test]
    fn broken_blocks_stay_verbatim() {
        let src = "@misc{a, title = {A}}\n@misc{b, title = {B}\n@misc{c, title={C}}\n";
        let out = format(src, &FmtOptions::default());
        assert!(out.has_errors());
        assert!(out.text.contains("@misc{b, title = {B}"));
        assert!(out.text.contains("@misc{c,\n  title = {C},\n}"));
    }

    #[test]
    fn sorting() {
        let src = "@string{x = {X}}\n@misc{b, year = 2001}\n% about a\n@misc{a, crossref = {p}}\n@book{p, year = 1999}\n@misc{c, year = 1999}\n";
        let opts = FmtOptions {
            sort_entries: SortEntries::Key,
            ..Default::default()
        };
        let out = format(src, &opts).text;
        let keys: Vec<&str> = out.lines().filter(|l| l.starts_with('@')).collect();
        assert_eq!(
            keys,
            [
                "@string{x = {X}}",
                "@misc{a,",
                "@misc{b,",
                "@misc{c,",
                "@book{p,"
            ]
        );
        assert!(out.contains("% about a\n@misc{a,"));
        let opts = FmtOptions {
            sort_fields: true,
            ..Default::default()
        };
        assert_eq!(
            format(
                "@misc{k, year = 1, title = {T}, author = {A}, zzz = {z}}",
                &opts
            )
            .text,
            "@misc{k,\n  author = {A},\n  title  = {T},\n  year   = 1,\n  zzz    = {z},\n}\n"
        );
    }
}
