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
    let tree = syntax::parse(text);
    // Line breaks as the file's last one; values and comment bodies keep their own.
    let nl = if crlf(text) { "\r\n" } else { "\n" };
    // The units are printed in file order, with the blank lines between them; sorting then
    // reassembles them. Without sorting the printout is the output: one buffer.
    let mut buf = String::with_capacity(text.len() + text.len() / 8);
    let mut units = units(&tree, opts, nl, &mut buf);
    let mut diagnostics = tree.diagnostics().to_vec();
    let mut out = buf;
    if opts.sort_entries != SortEntries::None {
        match unsortable(&tree) {
            None => {
                sort(&tree, &mut units, opts.sort_entries);
                let mut sorted = String::with_capacity(out.len());
                for (i, u) in units.iter().enumerate() {
                    if i > 0 {
                        sorted.push_str(nl);
                        if !u.tight {
                            sorted.push_str(nl);
                        }
                    }
                    sorted.push_str(&out[u.text.clone()]);
                }
                if !sorted.is_empty() {
                    sorted.push_str(nl);
                }
                out = sorted;
            }
            Some(d) => diagnostics.push(d),
        }
    }
    crate::diagnostic::locate(text, &mut diagnostics);
    Formatted {
        text: out,
        diagnostics,
    }
}

/// Whether the file's last line break is CRLF (the formatter then writes its line breaks
/// as CRLF). The last one decides because the formatter's output always ends with one of
/// its own, which makes the choice stable.
fn crlf(text: &str) -> bool {
    text.rfind('\n').is_some_and(|i| text[..i].ends_with('\r'))
}

/// One printed top-level piece.
struct Unit {
    /// Where its text is in the printout.
    text: std::ops::Range<usize>,
    /// The entry or block it is (for sorting), if any.
    block: Option<usize>,
    /// Printed right after the previous unit, without a blank line.
    tight: bool,
    /// An `@comment` without its closing delimiter: its body runs to the next line that
    /// starts a block, so it must stay right before the unit that followed it.
    sticky: bool,
}

/// Text without the blank lines before and the white space after it.
fn without_blank_lines(t: &str, nl: &str) -> String {
    let lines: Vec<&str> = t.lines().map(str::trim_end).collect();
    let first = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(first, |i| i + 1);
    lines[first..last.max(first)].join(nl)
}

/// Whether the source between two items has a blank line.
fn blank_between(src: &str) -> bool {
    src.matches('\n').count() >= 2
}

/// Prints the top-level items into `buf` in file order, one blank line between units
/// except where a comment is attached to what follows it, and a final line break.
fn units(tree: &Tree<'_>, opts: &FmtOptions, nl: &str, buf: &mut String) -> Vec<Unit> {
    let src = tree.source();
    let mut out: Vec<Unit> = Vec::new();
    // The text since the last printed unit: decides blank lines.
    let mut gap_start = 0usize;
    let mut prev_block = false;
    // Separates a unit from the one before; returns where its text starts.
    let begin = |buf: &mut String, out: &[Unit], tight: bool| {
        if !out.is_empty() {
            buf.push_str(nl);
            if !tight {
                buf.push_str(nl);
            }
        }
        buf.len()
    };
    for (idx, item) in tree.items().iter().enumerate() {
        let span = item.span();
        if let Item::Text(s) = item {
            let t = tree.text(*s);
            if t.trim().is_empty() {
                continue;
            }
            // Text between entries is a comment to BibTeX: kept, without trailing white
            // space on its lines (and without the blank lines around it).
            let first = t
                .split_inclusive('\n')
                .take_while(|l| l.trim().is_empty())
                .map(str::len)
                .sum::<usize>();
            let gap = &src[gap_start..s.start + first];
            let tight = !out.is_empty() && !prev_block && !blank_between(gap);
            let start = begin(buf, &out, tight);
            buf.push_str(&without_blank_lines(t, nl));
            out.push(Unit {
                text: start..buf.len(),
                block: None,
                tight,
                sticky: false,
            });
            gap_start = s.start + t.trim_end().len();
            prev_block = false;
            continue;
        }
        let gap = &src[gap_start..span.start];
        // After a comment on the line before, an item stays attached to it.
        let tight = !out.is_empty() && !prev_block && !blank_between(gap);
        let start = begin(buf, &out, tight);
        let block = match item {
            Item::LineComment(s) => {
                buf.push_str(tree.text(*s));
                None
            }
            Item::Junk { span, .. } => {
                buf.push_str(&without_blank_lines(tree.text(*span), nl));
                None
            }
            Item::Block(b) => {
                block_text(tree, b, opts, nl, buf);
                Some(idx)
            }
            Item::Text(_) => unreachable!("handled above"),
        };
        // No trailing white space (an unclosed `@comment` body may end in some).
        let end = start + buf[start..].trim_end().len();
        buf.truncate(end);
        let sticky = matches!(item, Item::Block(b)
            if b.block_kind() == BlockKind::Comment && b.close().is_empty());
        out.push(Unit {
            text: start..end,
            block,
            tight,
            sticky,
        });
        gap_start = span.end;
        prev_block = block.is_some();
    }
    if !out.is_empty() {
        buf.push_str(nl);
    }
    out
}

/// A value: its pieces in the canonical style, appended to `out`.
fn value(tree: &Tree<'_>, f: &FieldNode, out: &mut String) {
    for (i, p) in tree.pieces(f).iter().enumerate() {
        if i > 0 {
            out.push_str(" # ");
        }
        match p.kind() {
            PieceKind::Quoted => {
                let content = tree.text(p.content());
                if balanced(content) {
                    out.push('{');
                    out.push_str(content);
                    out.push('}');
                } else {
                    out.push_str(tree.text(p.span()));
                }
            }
            _ => out.push_str(tree.text(p.span())),
        }
    }
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
fn block_text(tree: &Tree<'_>, b: &Block, opts: &FmtOptions, nl: &str, out: &mut String) {
    let kind = tree.text(b.kind());
    let head = |out: &mut String| {
        out.push('@');
        out.extend(kind.chars().map(|c| c.to_ascii_lowercase()));
    };
    match b.block_kind() {
        BlockKind::Comment => {
            // The body exactly as written.
            head(out);
            out.push_str(&tree.source()[b.open().start..b.span().end]);
            return;
        }
        BlockKind::Preamble => {
            match tree.fields(b) {
                [f] => {
                    head(out);
                    out.push('{');
                    value(tree, f, out);
                    out.push('}');
                }
                _ => out.push_str(tree.text(b.span())),
            }
            return;
        }
        BlockKind::String | BlockKind::Entry => {}
    }
    // Comments inside the block, each with the field it precedes (or the end).
    let tokens = tree.tokens(b);
    let fields = tree.fields(b);
    let mut comments: Vec<(usize, &str)> = Vec::new();
    let mut next_field = 0;
    for (tok, span) in &tokens {
        match tok {
            Token::FieldName => next_field += 1,
            Token::Comment => comments.push((next_field, tree.text(*span).trim_end())),
            Token::Whitespace if !tree.text(*span).trim().is_empty() => {
                out.push_str(tree.text(b.span()));
                return;
            }
            _ => {}
        }
    }
    let entry = b.block_kind() == BlockKind::Entry;
    let name = |out: &mut String, i: usize| {
        let n = tree.text(fields[i].name());
        if entry {
            out.extend(n.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            out.push_str(n);
        }
    };
    head(out);
    out.push('{');
    if !entry && fields.len() == 1 && comments.is_empty() {
        name(out, 0);
        out.push_str(" = ");
        value(tree, &fields[0], out);
        out.push('}');
        return;
    }
    let mut order: Vec<usize> = (0..fields.len()).collect();
    if opts.sort_fields && entry && comments.is_empty() {
        order.sort_by_key(|&i| field_rank(tree.text(fields[i].name())));
    }
    // Lower-casing ASCII keeps the width.
    let width_of = |i: usize| tree.text(fields[i].name()).chars().count();
    let width = if opts.align {
        (0..fields.len()).map(width_of).max().unwrap_or(0)
    } else {
        0
    };
    let line = |out: &mut String| {
        out.push_str(nl);
        out.extend(std::iter::repeat_n(' ', opts.indent));
    };
    if entry {
        out.push_str(tree.text(b.key()));
        out.push(',');
    }
    for &i in &order {
        for (_, c) in comments.iter().filter(|(at, _)| *at == i) {
            line(out);
            out.push_str(c);
        }
        line(out);
        name(out, i);
        out.extend(std::iter::repeat_n(' ', width.saturating_sub(width_of(i))));
        out.push_str(" = ");
        value(tree, &fields[i], out);
        out.push(',');
    }
    for (_, c) in comments.iter().filter(|(at, _)| *at == fields.len()) {
        line(out);
        out.push_str(c);
    }
    out.push_str(nl);
    out.push('}');
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
