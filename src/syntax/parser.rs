//! The `.bib` parser: one pass, no recursion, errors recorded and recovered from.

use nom::bytes::complete::{take_while, take_while1};
use nom::{IResult, Parser as _};

use super::{Block, BlockKind, FieldNode, Item, Piece, PieceKind, S, Segment, Tree};
use crate::diagnostic::{Diagnostic, LineIndex, Severity};
use crate::model::Span;

/// Bytes that may appear in type, field and macro names (any non-ASCII byte included, so
/// names in any script work and slices stay on character boundaries).
fn is_name_byte(b: u8) -> bool {
    b >= 0x80
        || (b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'#' | b'%' | b'\'' | b'(' | b')' | b',' | b'=' | b'{' | b'}' | b'@' | b'\\'
            ))
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

fn name(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while1(is_name_byte).parse(i)
}

fn spaces(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while(is_space).parse(i)
}

/// A syntax error: where, what was expected, and the entry key if known.
struct SyntaxError {
    at: usize,
    message: String,
    /// The start of a multi-line value just before the error, if any: a closing brace may
    /// be missing there.
    value_start: Option<usize>,
}

type PResult<T> = Result<T, SyntaxError>;

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    /// Top-level items are read from `start` up to `end` (the start of the next segment).
    start: usize,
    end: usize,
    /// This segment's number.
    seg: u32,
    items: Vec<Item>,
    fields: Vec<FieldNode>,
    pieces: Vec<Piece>,
    diagnostics: Vec<Diagnostic>,
    /// (diagnostic, offset): diagnostics to which "the value starts on line N" is added.
    notes: Vec<(usize, usize)>,
    /// Whether the source has a CR that is not followed by LF (a line break of its own).
    lone_cr: bool,
    /// Whether `\{` and `\}` are literal braces (LaTeX's reading), not braces (BibTeX's):
    /// set while an entry that does not parse BibTeX's way is read again.
    latex_braces: bool,
}

/// The head of a block: `@`, white space, type, white space, delimiter.
struct Head {
    ty: S,
    open: usize,
    paren: bool,
}

/// Parses BibTeX/BibLaTeX source into a lossless [`Tree`]. Never fails: syntax errors become
/// junk items with diagnostics (see the [module docs](super) for recovery).
///
/// ```
/// let tree = bibkit::syntax::parse("@article{a, title = {Open}\n@book{b, title = {Fine}}\n");
/// assert_eq!(tree.diagnostics().len(), 1);
/// let d = &tree.diagnostics()[0];
/// assert_eq!((d.line, d.column), (2, 1)); // where `,` or `}` was expected
/// assert_eq!(tree.blocks().count(), 1); // the book survives
/// ```
pub fn parse(src: &str) -> Tree<'_> {
    parse_in_segments(src, 1 << 20)
}

/// [`parse`], cutting inputs of at least twice `min` bytes into segments of about `min`.
fn parse_in_segments(src: &str, min: usize) -> Tree<'_> {
    if src.len() >= u32::MAX as usize {
        let d = Diagnostic::new(
            Severity::Error,
            "syntax",
            "input is larger than 4 GiB, which the .bib reader does not handle",
        );
        return Tree {
            src,
            items: vec![Item::Junk {
                span: Span::new(0, src.len()),
                diagnostic: 0,
            }],
            segments: Vec::new(),
            diagnostics: vec![d],
        };
    }
    let lone_cr = has_lone_cr(src);
    let bounds = segments(src, min, lone_cr);
    let parse_one = |(i, w): (usize, &[usize])| {
        let mut p = Parser::new(src, w[0], w[1], i as u32);
        p.lone_cr = lone_cr;
        p.finish()
    };
    #[cfg(feature = "parallel")]
    let parts: Vec<Part> = {
        use rayon::prelude::*;
        bounds.par_windows(2).enumerate().map(parse_one).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let parts: Vec<Part> = bounds.windows(2).enumerate().map(parse_one).collect();

    let mut items = Vec::with_capacity(parts.iter().map(|p| p.items.len()).sum());
    let mut diagnostics = Vec::new();
    let mut notes = Vec::new();
    let mut segments = Vec::with_capacity(parts.len());
    for part in parts {
        let base = diagnostics.len();
        items.extend(part.items.into_iter().map(|item| match item {
            Item::Junk { span, diagnostic } => Item::Junk {
                span,
                diagnostic: diagnostic + base,
            },
            other => other,
        }));
        notes.extend(part.notes.into_iter().map(|(i, at)| (i + base, at)));
        diagnostics.extend(part.diagnostics);
        segments.push(part.segment);
    }
    if !diagnostics.is_empty() {
        // Diagnostics are made in source order, which `locate` keeps.
        crate::diagnostic::locate(src, &mut diagnostics);
        let index = LineIndex::new(src);
        for (i, at) in notes {
            let (line, _) = index.line_col(src, at);
            diagnostics[i].message.push_str(&format!(
                "; the value starts on line {line}: is a closing `}}` missing?"
            ));
        }
    }
    Tree {
        src,
        items,
        segments,
        diagnostics,
    }
}

/// Whether `src` has a CR that is not followed by LF: a line break of its own (files from
/// classic Mac OS), which the parser then looks for wherever it looks for LF.
pub(crate) fn has_lone_cr(src: &str) -> bool {
    let b = src.as_bytes();
    memchr::memchr_iter(b'\r', b).any(|i| b.get(i + 1) != Some(&b'\n'))
}

/// The segments a streaming reader parses one after another: cut at lines that start an
/// entry about every `min` bytes (any number of them), and whether the source has lone
/// CRs. See [`parse_range`].
pub(crate) fn stream_bounds(src: &str, min: usize) -> (Vec<usize>, bool) {
    let lone_cr = has_lone_cr(src);
    let len = src.len();
    let mut bounds = vec![0];
    if len >= 2 * min {
        let mut probe = Parser::light(src);
        probe.lone_cr = lone_cr;
        let mut target = min;
        while target < len {
            match probe.next_entry_line(target) {
                Some(at) if at < len => {
                    bounds.push(at);
                    target = at + min;
                }
                _ => break,
            }
        }
    }
    bounds.push(len);
    (bounds, lone_cr)
}

/// The start of the last line at or before `at` that starts a block (`@` in its first
/// column), or 0: a bound [`parse_range`] can start a segment at, as [`stream_bounds`]
/// cuts them. With [`entry_line_after`], the blocks around an offset are read without
/// parsing the file before them.
pub(crate) fn entry_line_before(src: &str, at: usize, lone_cr: bool) -> usize {
    let mut p = Parser::light(src);
    p.lone_cr = lone_cr;
    let mut end = at.min(src.len());
    while let Some(nl) = memchr::memrchr2(b'\n', b'\r', &p.b[..end]) {
        if p.entry_line_at(nl).is_some() {
            return nl + 1;
        }
        end = nl;
    }
    0
}

/// The start of the first line after the line that holds `at` that starts a block, or the
/// end of `src`; see [`entry_line_before`].
pub(crate) fn entry_line_after(src: &str, at: usize, lone_cr: bool) -> usize {
    let mut p = Parser::light(src);
    p.lone_cr = lone_cr;
    p.next_entry_line(at.min(src.len())).unwrap_or(src.len())
}

/// Parses `src[start..end]` on its own, as one segment: items tile that range, and
/// diagnostics have spans but no line and column yet. Also returns, for syntax errors inside
/// a multi-line value, (diagnostic, offset of the value) for the note that names the line
/// where the value starts. `start` and `end` must be bounds from [`stream_bounds`] (or
/// the span of a block), so that the parse equals what parsing everything would give.
pub(crate) fn parse_range(
    src: &str,
    start: usize,
    end: usize,
    lone_cr: bool,
) -> (Tree<'_>, Vec<(usize, usize)>) {
    let mut p = Parser::new(src, start, end, 0);
    p.lone_cr = lone_cr;
    let part = p.finish();
    (
        Tree {
            src,
            items: part.items,
            segments: vec![part.segment],
            diagnostics: part.diagnostics,
        },
        part.notes,
    )
}

/// The type and key of the block whose `@` is at `start` (a block the parser read: its
/// head is well formed).
pub(crate) fn block_head(src: &str, start: usize) -> Option<(Span, Span)> {
    let p = Parser::light(src);
    let head = p.head(start)?;
    let pos = p.trivia(head.open + 1);
    let close_byte = if head.paren { b')' } else { b'}' };
    let key_end = pos
        + p.b[pos..]
            .iter()
            .position(|&c| c == b',' || c == close_byte || is_space(c) || c == b'{' || c == b'}')
            .unwrap_or(p.b.len() - pos);
    Some((head.ty.span(), Span::new(pos, key_end)))
}

/// What one segment's parser produced.
struct Part {
    items: Vec<Item>,
    segment: Segment,
    diagnostics: Vec<Diagnostic>,
    notes: Vec<(usize, usize)>,
}

/// Where the input is cut into segments that are parsed on their own: at lines that start
/// with `@type{`, where every scan of the parser stops anyway, so the result is the same as
/// one parse of the whole input. Small inputs are one segment.
fn segments(src: &str, min: usize, lone_cr: bool) -> Vec<usize> {
    let len = src.len();
    let mut bounds = vec![0];
    if cfg!(feature = "parallel") && len >= 2 * min {
        let n = (len / min).min(64);
        let mut probe = Parser::new(src, 0, len, 0);
        probe.lone_cr = lone_cr;
        for k in 1..n {
            let target = k * len / n;
            if target <= *bounds.last().unwrap_or(&0) {
                continue;
            }
            match probe.next_entry_line(target) {
                Some(at) if at > *bounds.last().unwrap_or(&0) && at < len => bounds.push(at),
                _ => {}
            }
        }
    }
    bounds.push(len);
    bounds
}

impl<'a> Parser<'a> {
    /// A parser for the top-level items in `start..end` of `src` (seeing all of `src`).
    fn new(src: &'a str, start: usize, end: usize, seg: u32) -> Self {
        // Room for what the segment will need, counted up front: growing by doubling would
        // leave up to half of each vector unused and copy it on the way.
        let (mut ats, mut equals, mut hashes) = (0usize, 0usize, 0usize);
        let bytes = &src.as_bytes()[start..end];
        for i in memchr::memchr3_iter(b'@', b'=', b'#', bytes) {
            match bytes[i] {
                b'@' => ats += 1,
                b'=' => equals += 1,
                _ => hashes += 1,
            }
        }
        Parser {
            src,
            b: src.as_bytes(),
            end,
            seg,
            // Each block usually has text (white space) before it; `%` comments add some.
            items: Vec::with_capacity(2 * ats + ats / 4 + 16),
            fields: Vec::with_capacity(equals + ats),
            pieces: Vec::with_capacity(equals + hashes + ats),
            diagnostics: Vec::new(),
            notes: Vec::new(),
            lone_cr: false,
            latex_braces: false,
            start,
        }
    }

    /// The next `{`, `}` or line break at or after `i`. Lone CRs break lines only in files
    /// that have them, so LF and CRLF files take the fast path.
    fn next_brace_or_break(&self, i: usize) -> Option<usize> {
        let rest = &self.b[i..];
        let k = if self.lone_cr {
            rest.iter()
                .position(|&c| matches!(c, b'{' | b'}' | b'\n' | b'\r'))
        } else {
            memchr::memchr3(b'{', b'}', b'\n', rest)
        };
        k.map(|k| i + k)
    }

    /// A parser that only looks (for block heads and entry lines), with no room reserved.
    fn light(src: &'a str) -> Self {
        Parser {
            src,
            b: src.as_bytes(),
            start: 0,
            end: src.len(),
            seg: 0,
            items: Vec::new(),
            fields: Vec::new(),
            pieces: Vec::new(),
            diagnostics: Vec::new(),
            notes: Vec::new(),
            lone_cr: false,
            latex_braces: false,
        }
    }

    fn finish(mut self) -> Part {
        self.run();
        Part {
            items: self.items,
            segment: Segment {
                fields: self.fields,
                pieces: self.pieces,
            },
            diagnostics: self.diagnostics,
            notes: self.notes,
        }
    }

    fn run(&mut self) {
        let len = self.end;
        let mut pos = self.start;
        let mut text_start = self.start;
        while let Some(k) = memchr::memchr2(b'@', b'%', &self.b[pos..len]) {
            let i = pos + k;
            if self.b[i] == b'%' {
                self.text(text_start, i);
                // A comment ends at any line break: LF, CRLF or a lone CR.
                let end = memchr::memchr2(b'\n', b'\r', &self.b[i..len]).map_or(len, |n| i + n);
                self.items.push(Item::LineComment(Span::new(i, end)));
                pos = end;
                text_start = end;
                continue;
            }
            let Some(head) = self.head(i) else {
                pos = i + 1; // an `@` in free text
                continue;
            };
            self.text(text_start, i);
            let mut result = self.block(i, &head);
            if result.is_err() {
                // BibTeX and biber count `\{` and `\}` as braces; an entry that parses
                // only when they are literal braces, as LaTeX reads them, is read so, with
                // a warning (nothing is lost, but BibTeX would fail on it).
                self.latex_braces = true;
                let again = self.block(i, &head);
                self.latex_braces = false;
                if let Ok(end) = again {
                    let raw_end = self.next_entry_line(end).unwrap_or(self.end).min(self.end);
                    if let Some(Item::Block(b)) = self.items.last_mut() {
                        b.raw_end = raw_end as u32;
                    }
                    let mut d = Diagnostic::new(
                        Severity::Warning,
                        "escaped-brace",
                        "BibTeX and biber count `\\{` and `\\}` as braces, so this entry does not parse for them; it is read with them as literal braces (write `\\textbraceleft`/`\\textbraceright`, or mean `{\\'e}` where `\\{'e` is written)".to_string(),
                    )
                    .at_line_col(Span::new(i, i), 0, 0);
                    if let Some(k) = block_head(self.src, i)
                        .map(|(_, k)| &self.src[k.start..k.end])
                        .filter(|k| !k.is_empty())
                    {
                        d = d.with_key(k);
                    }
                    self.diagnostics.push(d);
                    result = Ok(end);
                }
            }
            let end = match result {
                Ok(end) => end,
                Err((err, key)) => {
                    let resync = self.next_entry_line(i + 1).unwrap_or(len).min(len);
                    let mut d = Diagnostic::new(Severity::Error, "syntax", err.message)
                        .at_line_col(Span::new(err.at, err.at), 0, 0);
                    if let Some(v) = err.value_start {
                        self.notes.push((self.diagnostics.len(), v));
                    }
                    if let Some(k) = key {
                        d = d.with_key(k);
                    }
                    self.diagnostics.push(d);
                    self.items.push(Item::Junk {
                        span: Span::new(i, resync),
                        diagnostic: self.diagnostics.len() - 1,
                    });
                    resync
                }
            };
            pos = end;
            text_start = end;
        }
        self.text(text_start, len);
    }

    fn text(&mut self, start: usize, end: usize) {
        if end > start {
            self.items.push(Item::Text(Span::new(start, end)));
        }
    }

    /// Recognises `@ type {` at `i`.
    fn head(&self, i: usize) -> Option<Head> {
        let rest = &self.b[i + 1..];
        let (after_ws, _) = spaces(rest).ok()?;
        let (after_name, ty) = name(after_ws).ok()?;
        let (after_ws2, _) = spaces(after_name).ok()?;
        let open = self.b.len() - after_ws2.len();
        let paren = match after_ws2.first()? {
            b'{' => false,
            b'(' => true,
            _ => return None,
        };
        let ty_start = self.b.len() - after_ws.len();
        Some(Head {
            ty: S::new(ty_start, ty_start + ty.len()),
            open,
            paren,
        })
    }

    /// The first position after `from` where a line starts with `@type{` or `@type(`
    /// (lines end at LF, CRLF or a lone CR).
    fn next_entry_line(&self, from: usize) -> Option<usize> {
        let mut pos = from;
        while let Some(k) = memchr::memchr2(b'\n', b'\r', &self.b[pos..]) {
            let nl = pos + k;
            if let Some(at) = self.entry_line_at(nl) {
                return Some(at);
            }
            pos = nl + 1;
        }
        None
    }

    /// If the line after the line break at `nl` (LF or CR) starts a block (`@` in its first
    /// column), the position of its `@`.
    fn entry_line_at(&self, nl: usize) -> Option<usize> {
        let k = nl + 1;
        (k < self.b.len() && self.b[k] == b'@' && self.head(k).is_some()).then_some(k)
    }

    /// Skips white space and `%` comments.
    fn trivia(&self, mut pos: usize) -> usize {
        loop {
            while pos < self.b.len() && is_space(self.b[pos]) {
                pos += 1;
            }
            if pos < self.b.len() && self.b[pos] == b'%' {
                pos =
                    memchr::memchr2(b'\n', b'\r', &self.b[pos..]).map_or(self.b.len(), |n| pos + n);
            } else {
                return pos;
            }
        }
    }

    fn describe(&self, pos: usize) -> String {
        match self.src[pos..].chars().next() {
            None => "the end of the file".to_string(),
            Some('\n') | Some('\r') => "the end of the line".to_string(),
            Some(c) if pos + c.len_utf8() <= self.b.len() => format!("`{c}`"),
            Some(_) => "the end of the file".to_string(),
        }
    }

    /// Parses one block starting at `@` = `start`. On error, returns the error and the
    /// entry key if it was read.
    fn block(&mut self, start: usize, head: &Head) -> Result<usize, (SyntaxError, Option<String>)> {
        let ty = &self.src[head.ty.start as usize..head.ty.end as usize];
        let kind = if ty.eq_ignore_ascii_case("string") {
            BlockKind::String
        } else if ty.eq_ignore_ascii_case("preamble") {
            BlockKind::Preamble
        } else if ty.eq_ignore_ascii_case("comment") {
            BlockKind::Comment
        } else {
            BlockKind::Entry
        };
        let close_byte = if head.paren { b')' } else { b'}' };
        let open = S::new(head.open, head.open + 1);
        let field_start = self.fields.len() as u32;
        let piece_start = self.pieces.len();
        let mut block = Block {
            kind,
            span: S::new(start, start),
            ty: head.ty,
            open,
            key: S::new(head.open + 1, head.open + 1),
            fields: (field_start, field_start),
            close: S::default(),
            paren: head.paren,
            seg: self.seg,
            latex_braces: self.latex_braces,
            raw_end: 0,
        };
        let result = match kind {
            BlockKind::Comment => Ok(self.comment_body(head)),
            BlockKind::Preamble => self.preamble(head.open + 1, close_byte),
            BlockKind::String => self.field_list(head.open + 1, close_byte, None),
            BlockKind::Entry => self.entry_body(head.open + 1, close_byte, &mut block),
        };
        match result {
            Ok(close) => {
                block.close = close;
                block.span = S::new(start, close.end as usize);
                block.fields.1 = self.fields.len() as u32;
                let end = close.end as usize;
                self.items.push(Item::Block(block));
                Ok(end)
            }
            Err(e) => {
                self.fields.truncate(field_start as usize);
                self.pieces.truncate(piece_start);
                let key = (block.kind == BlockKind::Entry && block.key.end > block.key.start).then(
                    || self.src[block.key.start as usize..block.key.end as usize].to_string(),
                );
                Err((e, key))
            }
        }
    }

    /// The body of `@comment`: a balanced group, or (when it does not balance before a line
    /// that starts a block) everything up to that line. Returns the close span (empty when
    /// there is no closing delimiter).
    fn comment_body(&self, head: &Head) -> S {
        let (open_b, close_b) = if head.paren {
            (b'(', b')')
        } else {
            (b'{', b'}')
        };
        let mut depth = 0usize;
        let mut i = head.open;
        while i < self.b.len() {
            let c = self.b[i];
            if c == open_b {
                depth += 1;
            } else if c == close_b {
                depth -= 1;
                if depth == 0 {
                    return S::new(i, i + 1);
                }
            } else if (c == b'\n' || c == b'\r') && self.entry_line_at(i).is_some() {
                return S::new(i + 1, i + 1);
            }
            i += 1;
        }
        S::new(self.b.len(), self.b.len())
    }

    fn expect_close(&self, pos: usize, close_byte: u8, what: &str) -> PResult<S> {
        if self.b.get(pos) == Some(&close_byte) {
            Ok(S::new(pos, pos + 1))
        } else {
            Err(SyntaxError {
                at: pos,
                value_start: None,
                message: format!(
                    "expected `{}` {what}, found {}",
                    close_byte as char,
                    self.describe(pos)
                ),
            })
        }
    }

    fn preamble(&mut self, pos: usize, close_byte: u8) -> PResult<S> {
        let pos = self.trivia(pos);
        let (end, pieces) = self.value(pos, "@preamble")?;
        self.fields.push(FieldNode {
            end: end as u32,
            name: S::new(pos, pos),
            pieces,
            seg: self.seg,
        });
        let pos = self.trivia(end);
        self.expect_close(pos, close_byte, "to end the @preamble")
    }

    fn entry_body(&mut self, pos: usize, close_byte: u8, block: &mut Block) -> PResult<S> {
        let pos = self.trivia(pos);
        let key_end = pos
            + self.b[pos..]
                .iter()
                .position(|&c| {
                    c == b',' || c == close_byte || is_space(c) || c == b'{' || c == b'}'
                })
                .unwrap_or(self.b.len() - pos);
        block.key = S::new(pos, key_end);
        let key = self.src[pos..key_end].to_string();
        let pos = self.trivia(key_end);
        match self.b.get(pos) {
            Some(&c) if c == close_byte => Ok(S::new(pos, pos + 1)),
            Some(b',') => self.field_list(pos + 1, close_byte, Some(&key)),
            _ => Err(SyntaxError {
                at: pos,
                value_start: None,
                message: format!(
                    "expected `,` after the key `{key}`, found {}",
                    self.describe(pos)
                ),
            }),
        }
    }

    /// `name = value, …` up to the closing delimiter.
    fn field_list(&mut self, mut pos: usize, close_byte: u8, key: Option<&str>) -> PResult<S> {
        let what = |key: Option<&str>| match key {
            Some(k) => format!("in entry `{k}`"),
            None => "in @string".to_string(),
        };
        loop {
            pos = self.trivia(pos);
            match self.b.get(pos) {
                Some(&c) if c == close_byte => return Ok(S::new(pos, pos + 1)),
                Some(b',') => {
                    pos += 1;
                    continue;
                }
                _ => {}
            }
            let name_start = pos;
            let Ok((rest, n)) = name(&self.b[pos..]) else {
                return Err(SyntaxError {
                    at: pos,
                    value_start: None,
                    message: format!(
                        "expected a field name or `{}` {}, found {}",
                        close_byte as char,
                        what(key),
                        self.describe(pos)
                    ),
                });
            };
            let name_end = self.b.len() - rest.len();
            let field = &self.src[name_start..name_start + n.len()];
            pos = self.trivia(name_end);
            if self.b.get(pos) != Some(&b'=') {
                return Err(SyntaxError {
                    at: pos,
                    value_start: None,
                    message: format!(
                        "expected `=` after field name `{field}` {}, found {}",
                        what(key),
                        self.describe(pos)
                    ),
                });
            }
            pos = self.trivia(pos + 1);
            let (end, pieces) = self.value(pos, field)?;
            self.fields.push(FieldNode {
                end: end as u32,
                name: S::new(name_start, name_end),
                pieces,
                seg: self.seg,
            });
            let value_start = pos;
            pos = self.trivia(end);
            match self.b.get(pos) {
                Some(b',') => pos += 1,
                Some(&c) if c == close_byte => return Ok(S::new(pos, pos + 1)),
                _ => {
                    let multiline = memchr::memchr(b'\n', &self.b[value_start..end]).is_some();
                    return Err(SyntaxError {
                        at: pos,
                        value_start: multiline.then_some(value_start),
                        message: format!(
                            "expected `,` or `{}` after the value of `{field}` {}, found {}",
                            close_byte as char,
                            what(key),
                            self.describe(pos)
                        ),
                    });
                }
            }
        }
    }

    /// `piece { # piece }`; returns the end of the last piece and the piece range.
    fn value(&mut self, mut pos: usize, field: &str) -> PResult<(usize, (u32, u32))> {
        let first = self.pieces.len() as u32;
        loop {
            let (kind, end) = self.piece(pos, field)?;
            self.pieces.push(Piece {
                kind,
                span: S::new(pos, end),
            });
            let after = self.trivia(end);
            if self.b.get(after) == Some(&b'#') {
                pos = self.trivia(after + 1);
            } else {
                return Ok((end, (first, self.pieces.len() as u32)));
            }
        }
    }

    fn piece(&self, pos: usize, field: &str) -> PResult<(PieceKind, usize)> {
        match self.b.get(pos) {
            Some(b'{') => self.braced(pos, field).map(|e| (PieceKind::Braced, e)),
            Some(b'"') => self.quoted(pos, field).map(|e| (PieceKind::Quoted, e)),
            Some(_) => match name(&self.b[pos..]) {
                Ok((rest, n)) => {
                    let kind = if n.iter().all(u8::is_ascii_digit) {
                        PieceKind::Number
                    } else {
                        PieceKind::Macro
                    };
                    Ok((kind, self.b.len() - rest.len()))
                }
                Err(_) => Err(SyntaxError {
                    at: pos,
                    value_start: None,
                    message: format!(
                        "expected a value for `{field}` (`{{…}}`, `\"…\"`, a number or a macro name), found {}",
                        self.describe(pos)
                    ),
                }),
            },
            None => Err(SyntaxError {
                at: pos,
                value_start: None,
                message: format!("expected a value for `{field}`, found the end of the file"),
            }),
        }
    }

    fn unterminated(
        &self,
        open: usize,
        field: &str,
        close: char,
        at_line: Option<usize>,
    ) -> SyntaxError {
        let why = match at_line {
            Some(_) => "before a line that starts a new entry",
            None => "before the end of the file",
        };
        SyntaxError {
            at: open,
            value_start: None,
            message: format!("the value of `{field}` is not closed: missing `{close}` {why}"),
        }
    }

    /// Whether the brace at `i` is a literal one in LaTeX's reading (`\{`: an odd number of
    /// backslashes before it), when that reading is on.
    fn literal_brace(&self, i: usize) -> bool {
        self.latex_braces
            && self.b[..i]
                .iter()
                .rev()
                .take_while(|&&c| c == b'\\')
                .count()
                % 2
                == 1
    }

    /// A braced piece from `{` at `open`; returns the position after its `}`.
    fn braced(&self, open: usize, field: &str) -> PResult<usize> {
        let mut depth = 0usize;
        let mut i = open;
        while let Some(j) = self.next_brace_or_break(i) {
            match self.b[j] {
                b'{' | b'}' if self.literal_brace(j) => {}
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(j + 1);
                    }
                }
                _ => {
                    if let Some(at) = self.entry_line_at(j) {
                        return Err(self.unterminated(open, field, '}', Some(at)));
                    }
                }
            }
            i = j + 1;
        }
        Err(self.unterminated(open, field, '}', None))
    }

    /// A quoted piece from `"` at `open`: braces must balance inside, and only a `"` outside
    /// braces ends it.
    fn quoted(&self, open: usize, field: &str) -> PResult<usize> {
        let mut depth = 0usize;
        let mut i = open + 1;
        while i < self.b.len() {
            match self.b[i] {
                b'{' | b'}' if self.literal_brace(i) => {}
                b'{' => depth += 1,
                b'}' => {
                    if depth == 0 {
                        return Err(SyntaxError {
                            at: i,
                            value_start: None,
                            message: format!("unbalanced `}}` in the quoted value of `{field}`"),
                        });
                    }
                    depth -= 1;
                }
                b'"' if depth == 0 => return Ok(i + 1),
                b'\n' | b'\r' => {
                    if let Some(at) = self.entry_line_at(i) {
                        return Err(self.unterminated(open, field, '"', Some(at)));
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Err(self.unterminated(open, field, '"', None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Token;

    fn roundtrip(src: &str) -> Tree<'_> {
        let t = parse(src);
        assert_eq!(t.to_string(), src);
        // Items tile the input.
        let mut pos = 0;
        for item in t.items() {
            assert_eq!(item.span().start, pos, "{item:?}");
            pos = item.span().end;
        }
        assert_eq!(pos, src.len());
        t
    }

    #[test]
    fn entries_strings_preamble_comments() {
        let src = "@String{acm = \"ACM\"}\n@preamble{ \"\\newcommand{\\x}{y}\" }\n% note\n@Comment{jabref-meta: x;}\n@Article(k1,\n author = \"A. B\" # { and } # acm,\n year = 1999,\n month = jan\n)\ntrailing text";
        let t = roundtrip(src);
        let kinds: Vec<BlockKind> = t.blocks().map(Block::block_kind).collect();
        assert_eq!(
            kinds,
            [
                BlockKind::String,
                BlockKind::Preamble,
                BlockKind::Comment,
                BlockKind::Entry
            ]
        );
        let e = t.blocks().last().unwrap();
        assert!(e.parenthesized());
        assert_eq!(t.text(e.key()), "k1");
        let f = t.fields(e);
        assert_eq!(f.len(), 3);
        let kinds: Vec<PieceKind> = t.pieces(&f[0]).iter().map(|p| p.kind()).collect();
        assert_eq!(
            kinds,
            [PieceKind::Quoted, PieceKind::Braced, PieceKind::Macro]
        );
        assert_eq!(t.pieces(&f[1])[0].kind(), PieceKind::Number);
        assert!(t.diagnostics().is_empty());
    }

    #[test]
    fn tokens_cover_comments_inside_entries() {
        let src = "@article{k, % after key\n  title % odd = place\n  = {T}, % end\n}";
        let t = roundtrip(src);
        let e = t.blocks().next().unwrap();
        let toks: Vec<Token> = t
            .tokens(e)
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| *k != Token::Whitespace)
            .collect();
        assert_eq!(
            toks,
            [
                Token::At,
                Token::Type,
                Token::Open,
                Token::Key,
                Token::Comma,
                Token::Comment,
                Token::FieldName,
                Token::Comment,
                Token::Equals,
                Token::Piece(PieceKind::Braced),
                Token::Comma,
                Token::Comment,
                Token::Close
            ]
        );
    }

    #[test]
    fn missing_brace_does_not_swallow_following_entries() {
        let src = "@article{a,\n  title = {Open {x},\n  year = 2000,\n}\n@book{b,\n  title = {B}}\n@book{c, title = {C}}\n";
        let t = roundtrip(src);
        let keys: Vec<&str> = t.blocks().map(|b| t.text(b.key())).collect();
        assert_eq!(keys, ["b", "c"]);
        assert_eq!(t.diagnostics().len(), 1);
        let d = &t.diagnostics()[0];
        // The braces of `title` balance only at line 4; the error is where `,` was expected.
        assert_eq!((d.line, d.column), (5, 1));
        assert!(
            d.message.contains("after the value of `title`"),
            "{}",
            d.message
        );
        assert!(
            d.message.contains("the value starts on line 2"),
            "{}",
            d.message
        );
        assert_eq!(d.key.as_deref(), Some("a"));
    }

    #[test]
    fn emoji_instead_of_equals() {
        let src = "@inproceedings{k,\n  author    \u{1F4AF} {M}, title = {T}}\n@misc{ok}";
        let t = roundtrip(src);
        let d = &t.diagnostics()[0];
        assert_eq!((d.line, d.column), (2, 13));
        assert!(
            d.message.contains("expected `=` after field name `author`"),
            "{}",
            d.message
        );
        assert_eq!(t.blocks().count(), 1);
    }

    #[test]
    fn unbalanced_comment_ends_at_next_entry_line() {
        let src = "@Comment{x,\n  does={\n}\n\nignored{ok}\n@book{b, title={T}}\n";
        let t = roundtrip(src);
        assert_eq!(
            t.blocks()
                .filter(|b| b.block_kind() == BlockKind::Entry)
                .count(),
            1
        );
        assert!(t.diagnostics().is_empty());
    }

    #[test]
    fn deep_nesting_and_at_signs_in_text() {
        let n = 100_000;
        let src = format!(
            "mail me@example.org\n@misc{{k, note = {}x{}}}",
            "{".repeat(n),
            "}".repeat(n)
        );
        let t = roundtrip(&src);
        assert!(t.diagnostics().is_empty());
        let unclosed = format!("@misc{{k, note = {}x}}", "{".repeat(n));
        let t = roundtrip(&unclosed);
        assert_eq!(t.diagnostics().len(), 1);
    }

    #[test]
    fn empty_and_truncated_inputs() {
        for src in [
            "",
            "@",
            "@article",
            "@article{",
            "@article{k",
            "@article{k,",
            "@article{k, a",
            "@article{k, a =",
            "@article{k, a = {",
            "@article{k, a = \"x",
            "@article{k, a = x #",
            "@article{k, a = x # }",
        ] {
            let t = roundtrip(src);
            if src.contains('{') {
                assert_eq!(t.diagnostics().len(), 1, "{src:?}");
            }
        }
    }

    /// Segments parse exactly as one parse of the whole input would: same items, same
    /// fields, same diagnostics.
    #[test]
    fn segmented_parse_equals_whole_parse() {
        let mut src = String::new();
        for i in 0..400 {
            src.push_str(&format!(
                "% c{i}\n@article{{k{i}, title = {{T {i}}}, year = {i}}}\n"
            ));
            if i % 37 == 0 {
                src.push_str("@misc{broken, title = {open\n"); // a missing brace
            }
            if i % 53 == 0 {
                src.push_str("@comment{unbalanced {\n");
            }
        }
        let whole = parse_in_segments(&src, usize::MAX / 4);
        for min in [64, 500, 4096] {
            let parts = parse_in_segments(&src, min);
            assert!(parts.segments.len() > 1 || !cfg!(feature = "parallel"));
            assert_eq!(parts.to_string(), src);
            // Items and their tokens, without the segment-local indices.
            let shape = |t: &Tree<'_>| -> Vec<(Span, Vec<(crate::syntax::Token, Span)>)> {
                t.items()
                    .iter()
                    .map(|i| match i {
                        Item::Block(b) => (i.span(), t.tokens(b)),
                        _ => (i.span(), Vec::new()),
                    })
                    .collect()
            };
            assert!(
                shape(&parts) == shape(&whole),
                "items differ with segments of {min}"
            );
            assert!(
                parts.diagnostics == whole.diagnostics,
                "diagnostics differ with segments of {min}"
            );
            let flds = |t: &Tree<'_>| -> Vec<(Span, Vec<Span>)> {
                t.blocks()
                    .flat_map(|b| t.fields(b))
                    .map(|f| (f.span(), t.pieces(f).iter().map(|p| p.span()).collect()))
                    .collect()
            };
            assert_eq!(flds(&parts), flds(&whole));
        }
    }

    #[test]
    fn empty_keys_and_odd_keys() {
        let t =
            roundtrip("@article{,\n title = {T}}\n@misc{HoSp-87 ,\n note={n}}\n@misc{a:b/c(d)}\n");
        let keys: Vec<&str> = t.blocks().map(|b| t.text(b.key())).collect();
        assert_eq!(keys, ["", "HoSp-87", "a:b/c(d)"]);
    }
}
