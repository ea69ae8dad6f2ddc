//! The lossless `.bib` syntax tree.
//!
//! [`parse`] reads BibTeX/BibLaTeX source into a [`Tree`] in which every byte of the input
//! belongs to exactly one node. The top-level [`Item`]s tile the input: entries, `@string`
//! definitions, `@preamble`s, `@comment`s, `%` line comments, text between entries, and
//! *junk* (an entry that failed to parse, kept verbatim with its diagnostic). Inside a block,
//! [`Tree::tokens`] yields every token — names, `=`, value pieces, `#`, commas, white space
//! and `%` comments — so printing the tree gives back the input byte for byte.
//!
//! ```
//! use bibkit::syntax::{parse, Item};
//! let src = "% refs\n@article{knuth84,\n  title = {Literate} # \" Programming\",\n  year = 1984\n}\n";
//! let tree = parse(src);
//! assert_eq!(tree.to_string(), src);
//! let entry = tree.items().iter().find_map(|i| match i { Item::Block(b) => Some(b), _ => None }).unwrap();
//! assert_eq!(tree.text(entry.kind()), "article");
//! assert_eq!(tree.text(entry.key()), "knuth84");
//! let fields = tree.fields(entry);
//! assert_eq!(tree.text(fields[0].name()), "title");
//! assert_eq!(tree.pieces(&fields[0]).len(), 2);
//! ```
//!
//! # Grammar
//!
//! ```text
//! file     = { text | comment | "%" line | block }
//! block    = "@" type ws ( "{" body "}" | "(" body ")" )
//! body     = key [ "," fields ]              (entries)
//!          | fields                          (@string)
//!          | value                           (@preamble)
//!          | balanced text                   (@comment)
//! fields   = field { "," field } [ "," ]
//! field    = name ws "=" ws value
//! value    = piece { ws "#" ws piece }
//! piece    = "{" balanced "}" | '"' balanced-without-unbraced-quote '"' | digits | macro
//! ws       = { white space | "%" comment-to-end-of-line }
//! ```
//!
//! * Types, field names and macro names are case-insensitive; they may hold any printable
//!   character except white space and `"#%'(),={}@\`.
//! * A key runs to the first `,`, white space or closing delimiter; it may be empty
//!   (`@article{,` as Citavi writes it).
//! * Braces balance as LaTeX reads them: `\{` and `\}` are escaped characters and do not
//!   count. (BibTeX counts them, so a value such as `{Thi\{'ebaux}` is an error to BibTeX;
//!   real files written that way are read here.)
//!
//! # Where it differs from BibTeX and biber
//!
//! * `%` starts a comment outside values, as biber reads it (BibTeX has no comments and
//!   would read `%@article{…}` as an entry). Inside values `%` is text.
//! * `@comment{…}` is a comment block when its braces balance before a line that starts a
//!   new entry; otherwise (as BibTeX does) the comment ends at that line.
//! * A line that starts with `@type{` or `@type(` (the `@` in the first column) always
//!   begins a new block: a value or entry left open before it is an error, so a missing
//!   brace cannot swallow the entries that follow. BibTeX and biber would read on to the
//!   end of the file. (bibkit's writers indent such lines inside values by one space.)
//! * An `@` in text between entries that is not followed by `type{` is text, not an error.
//! * Errors never stop the parser: the broken block becomes junk and parsing resumes at the
//!   next line that starts an entry.

mod parser;

use std::fmt;

use crate::diagnostic::Diagnostic;
use crate::model::Span;

pub use parser::parse;
pub(crate) use parser::{
    block_head, entry_line_after, entry_line_before, has_lone_cr, parse_range, stream_bounds,
};

/// Whether `s` can be the content of a braced value: its braces balance as BibTeX counts
/// them, where a backslash does not escape a brace (`{\}}` is a value `\` and a stray
/// `}`, and `{C:\dir\}` a whole value).
///
/// ```
/// use bibkit::syntax::balanced;
/// assert!(balanced(r"a {b} \{ c \}"));
/// assert!(!balanced(r"a \{ b"));
/// assert!(!balanced("a } b {"));
/// assert!(balanced(r"C:\dir\"));
/// ```
pub fn balanced(s: &str) -> bool {
    let mut depth = 0usize;
    for &c in s.as_bytes() {
        match c {
            b'{' => depth += 1,
            b'}' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            _ => {}
        }
    }
    depth == 0
}

/// A compact byte span (the tree stores many of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct S {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl S {
    pub(crate) fn new(start: usize, end: usize) -> S {
        S {
            start: start as u32,
            end: end as u32,
        }
    }
    pub(crate) fn span(self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }
}

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockKind {
    /// A bibliographic entry (`@article{key, …}`), including unknown types.
    Entry,
    /// `@string{name = value}`.
    String,
    /// `@preamble{value}`.
    Preamble,
    /// `@comment{…}` (or `@comment` followed by text).
    Comment,
}

/// A top-level node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Text between blocks: white space and anything BibTeX ignores.
    Text(Span),
    /// A `%` comment, to the end of its line (without the line break).
    LineComment(Span),
    /// An `@…` block.
    Block(Block),
    /// A block that failed to parse, kept verbatim; `diagnostic` indexes
    /// [`Tree::diagnostics`].
    Junk {
        /// The junk's bytes.
        span: Span,
        /// The syntax error that made it junk.
        diagnostic: usize,
    },
}

impl Item {
    /// The bytes the item covers.
    pub fn span(&self) -> Span {
        match self {
            Item::Text(s) | Item::LineComment(s) | Item::Junk { span: s, .. } => *s,
            Item::Block(b) => b.span(),
        }
    }
}

/// An `@type{…}` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub(crate) kind: BlockKind,
    pub(crate) span: S,
    pub(crate) ty: S,
    pub(crate) open: S,
    pub(crate) key: S,
    pub(crate) fields: (u32, u32),
    pub(crate) close: S,
    pub(crate) paren: bool,
    /// The segment whose vectors hold the fields.
    pub(crate) seg: u32,
    /// Read with `\{` and `\}` as literal braces, since it does not parse as BibTeX
    /// counts them (an `escaped-brace` warning says so).
    pub(crate) latex_braces: bool,
    /// With `latex_braces`: the start of the next line that starts a block (or the end of
    /// the segment), as far as the text after the block can change how it parses.
    pub(crate) raw_end: u32,
}

impl Block {
    /// Whether the block was read with `\{` and `\}` as literal braces (LaTeX's reading),
    /// because it does not parse when they count as braces, as BibTeX and biber count
    /// them.
    ///
    /// ```
    /// let tree = bibkit::syntax::parse("@misc{a, author = {Thi\\{'ebaux}}\n");
    /// assert!(tree.blocks().next().unwrap().latex_braces());
    /// let tree = bibkit::syntax::parse("@misc{a, file = {C:\\dir\\}}\n");
    /// assert!(!tree.blocks().next().unwrap().latex_braces());
    /// ```
    pub fn latex_braces(&self) -> bool {
        self.latex_braces
    }
    /// What kind of block it is.
    pub fn block_kind(&self) -> BlockKind {
        self.kind
    }
    /// All of its bytes, from `@` to the closing delimiter.
    pub fn span(&self) -> Span {
        self.span.span()
    }
    /// The type name as written (`Article`).
    pub fn kind(&self) -> Span {
        self.ty.span()
    }
    /// The opening delimiter (`{` or `(`).
    pub fn open(&self) -> Span {
        self.open.span()
    }
    /// The key (entries only; empty otherwise or when the entry has none).
    pub fn key(&self) -> Span {
        self.key.span()
    }
    /// The closing delimiter.
    pub fn close(&self) -> Span {
        self.close.span()
    }
    /// Whether the block is delimited with parentheses.
    pub fn parenthesized(&self) -> bool {
        self.paren
    }
}

/// A `name = value` field (for `@preamble`, a value with an empty name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldNode {
    /// The end of the value (the field starts with its name).
    pub(crate) end: u32,
    pub(crate) name: S,
    pub(crate) pieces: (u32, u32),
    /// The segment whose vector holds the pieces.
    pub(crate) seg: u32,
}

impl FieldNode {
    /// From the name's first byte to the value's last.
    pub fn span(&self) -> Span {
        Span::new(self.name.start as usize, self.end as usize)
    }
    /// The field name as written.
    pub fn name(&self) -> Span {
        self.name.span()
    }
}

/// What a value piece is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PieceKind {
    /// `{…}`.
    Braced,
    /// `"…"`.
    Quoted,
    /// A bare number.
    Number,
    /// A macro name (`jan`, `acmcs`).
    Macro,
}

/// One piece of a value; pieces are joined with `#`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub(crate) kind: PieceKind,
    pub(crate) span: S,
}

impl Piece {
    /// What kind of piece it is.
    pub fn kind(&self) -> PieceKind {
        self.kind
    }
    /// Its bytes, delimiters included.
    pub fn span(&self) -> Span {
        self.span.span()
    }
    /// Its content: without the braces or quotes.
    pub fn content(&self) -> Span {
        match self.kind {
            PieceKind::Braced | PieceKind::Quoted => {
                Span::new(self.span.start as usize + 1, self.span.end as usize - 1)
            }
            PieceKind::Number | PieceKind::Macro => self.span.span(),
        }
    }
}

/// A token inside a block, as yielded by [`Tree::tokens`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Token {
    /// `@`.
    At,
    /// The type name.
    Type,
    /// `{` or `(`.
    Open,
    /// The entry key.
    Key,
    /// A field name.
    FieldName,
    /// `=`.
    Equals,
    /// A value piece.
    Piece(PieceKind),
    /// `#`.
    Concat,
    /// `,`.
    Comma,
    /// White space.
    Whitespace,
    /// A `%` comment to the end of its line.
    Comment,
    /// The body of an `@comment` block.
    CommentBody,
    /// `}` or `)`.
    Close,
}

/// The syntax tree of one `.bib` source.
#[derive(Debug, Clone)]
pub struct Tree<'a> {
    pub(crate) src: &'a str,
    pub(crate) items: Vec<Item>,
    /// Fields and pieces, per segment of the input parsed on its own.
    pub(crate) segments: Vec<Segment>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// The fields and value pieces of one segment of the input.
#[derive(Debug, Clone, Default)]
pub(crate) struct Segment {
    pub(crate) fields: Vec<FieldNode>,
    pub(crate) pieces: Vec<Piece>,
}

impl<'a> Tree<'a> {
    /// The source text.
    pub fn source(&self) -> &'a str {
        self.src
    }

    /// The top-level items, in order; their spans tile the source.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Syntax errors (one per junk item), with line and column.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The fields of a block.
    pub fn fields(&self, block: &Block) -> &[FieldNode] {
        &self.segments[block.seg as usize].fields[block.fields.0 as usize..block.fields.1 as usize]
    }

    /// The pieces of a field's value.
    pub fn pieces(&self, field: &FieldNode) -> &[Piece] {
        &self.segments[field.seg as usize].pieces[field.pieces.0 as usize..field.pieces.1 as usize]
    }

    /// The text of a span of the source.
    pub fn text(&self, span: Span) -> &'a str {
        &self.src[span.start..span.end]
    }

    /// The blocks, in order.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.items.iter().filter_map(|i| match i {
            Item::Block(b) => Some(b),
            _ => None,
        })
    }

    /// Every token of a block, in order, covering each of its bytes exactly once.
    pub fn tokens(&self, block: &Block) -> Vec<(Token, Span)> {
        let mut out = Vec::new();
        let s = block.span.start as usize;
        out.push((Token::At, Span::new(s, s + 1)));
        self.gap(s + 1, block.ty.start as usize, &mut out);
        out.push((Token::Type, block.ty.span()));
        self.gap(block.ty.end as usize, block.open.start as usize, &mut out);
        out.push((Token::Open, block.open.span()));
        let mut pos = block.open.end as usize;
        if block.kind == BlockKind::Comment {
            if block.close.start as usize > pos {
                out.push((
                    Token::CommentBody,
                    Span::new(pos, block.close.start as usize),
                ));
            }
            if block.close.end > block.close.start {
                out.push((Token::Close, block.close.span()));
            }
            return out;
        }
        if block.kind == BlockKind::Entry {
            self.gap(pos, block.key.start as usize, &mut out);
            if block.key.end > block.key.start {
                out.push((Token::Key, block.key.span()));
            }
            pos = block.key.end as usize;
        }
        for f in self.fields(block) {
            self.gap(pos, f.name.start as usize, &mut out);
            pos = f.name.end as usize;
            if f.name.end > f.name.start {
                out.push((Token::FieldName, f.name.span()));
            }
            // The gap before the first piece holds the `=`; gaps between pieces hold `#`.
            for p in self.pieces(f) {
                self.gap(pos, p.span.start as usize, &mut out);
                out.push((Token::Piece(p.kind), p.span.span()));
                pos = p.span.end as usize;
            }
        }
        self.gap(pos, block.close.start as usize, &mut out);
        out.push((Token::Close, block.close.span()));
        out
    }

    /// Splits the bytes between two tokens into white space, `%` comments, commas and `#`.
    fn gap(&self, start: usize, end: usize, out: &mut Vec<(Token, Span)>) {
        let b = self.src.as_bytes();
        let mut i = start;
        while i < end {
            let j;
            let tok = match b[i] {
                b'%' => {
                    j = memchr::memchr2(b'\n', b'\r', &b[i..end]).map_or(end, |k| i + k);
                    Token::Comment
                }
                b',' => {
                    j = i + 1;
                    Token::Comma
                }
                b'#' => {
                    j = i + 1;
                    Token::Concat
                }
                b'=' => {
                    j = i + 1;
                    Token::Equals
                }
                _ => {
                    let mut k = i;
                    while k < end && !matches!(b[k], b'%' | b',' | b'#' | b'=') {
                        k += 1;
                    }
                    j = k;
                    Token::Whitespace
                }
            };
            out.push((tok, Span::new(i, j)));
            i = j;
        }
    }
}

impl fmt::Display for Tree<'_> {
    /// Prints the tree: every item, and every token of every block. For an unchanged tree
    /// this is the source, byte for byte.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            match item {
                Item::Block(b) => {
                    for (_, s) in self.tokens(b) {
                        f.write_str(self.text(s))?;
                    }
                }
                other => f.write_str(self.text(other.span()))?,
            }
        }
        Ok(())
    }
}
