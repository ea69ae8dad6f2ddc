//! Finding the keys a document cites: LaTeX sources, `.aux` and `.bcf` files, Markdown
//! for pandoc and Quarto, Typst, and Org (org-cite and org-ref).
//!
//! ```
//! use bibkit::check::cited::{scan, Kind};
//! let tex = "As \\citet[p.~3]{knuth84} and \\parencites(see)()[12]{lamport94}{ctan}\n% \\cite{old}\n\\nocite{*}";
//! let s = scan(tex, Kind::Tex, None);
//! let keys: Vec<&str> = s.citations.iter().map(|c| c.key.as_str()).collect();
//! assert_eq!(keys, ["knuth84", "lamport94", "ctan"]);
//! assert!(s.cites_all);
//! assert_eq!((s.citations[0].line, s.citations[0].column), (1, 17));
//! ```

use std::cell::OnceCell;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::LineIndex;
use crate::model::Span;

/// One cited key and where it is cited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The key as written.
    pub key: String,
    /// The file it is cited in.
    pub file: Option<Arc<str>>,
    /// Byte span of the key.
    pub span: Span,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// What a document cites.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Every citation, in document order.
    pub citations: Vec<Citation>,
    /// Whether the document cites everything (`\nocite{*}`).
    pub cites_all: bool,
    /// Bibliographies the document names (`\bibliography{a,b}` as `a.bib`, `b.bib`;
    /// `\addbibresource{refs.bib}`; `bibliography:` in Markdown front matter), as written.
    pub resources: Vec<String>,
    /// Other files the document reads (`\input`, `\include`, `\subfile`, `\import`, an
    /// `.aux` file's `\@input`), in document order.
    pub includes: Vec<Include>,
    /// The names `\includeonly{…}` allows, when the document has one.
    pub include_only: Option<Vec<String>>,
    /// The main document this one belongs to, as written: a `% !TEX root = …` comment, or
    /// the option of `\documentclass[…]{subfiles}`.
    pub root: Option<String>,
    /// Whether the document has a `\documentclass` (outside comments and verbatim text):
    /// with no [`Scan::root`], it is a main document.
    pub has_document_class: bool,
}

/// How a document reads another file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeKind {
    /// `\input{file}` or `\input file`: `.tex` is tried first when the name has no
    /// extension.
    Input,
    /// `\include{file}`: `file.tex`, subject to `\includeonly`.
    Include,
    /// `\subfile{file}` (the `subfiles` package): the file's own inclusions are relative
    /// to its directory.
    Subfile,
    /// `\import{dir}{file}`, `\inputfrom`, `\includefrom` (the `import` package): `dir`
    /// from the main document's directory (or absolute); the file's inclusions are
    /// relative to `dir`.
    Import,
    /// `\subimport{dir}{file}`, `\subinputfrom`, `\subincludefrom`: `dir` relative to
    /// the including file's import directory.
    Subimport,
    /// `\@input{file.aux}` in an `.aux` file.
    AuxInput,
}

/// One file a document reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// The command.
    pub kind: IncludeKind,
    /// The directory argument of the `import` commands.
    pub dir: Option<String>,
    /// The file, as written.
    pub path: String,
    /// Whether it is an `\include` (`\include`, `\includefrom`, `\subincludefrom`), which
    /// `\includeonly` filters.
    pub is_include: bool,
    /// Byte span of the file name.
    pub span: Span,
    /// 1-based line and column of the file name.
    pub line: u32,
    /// See `line`.
    pub column: u32,
}

/// The kinds of documents [`scan`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// LaTeX source: natbib's and biblatex's `\cite` commands.
    Tex,
    /// A LaTeX `.aux` file (`\citation{…}`, biblatex's `\abx@aux@cite{…}{…}`).
    Aux,
    /// A biblatex control file (`<bcf:citekey>`).
    Bcf,
    /// Markdown for pandoc (`[@key]`, `@key`).
    Markdown,
    /// Typst (`@key`, `#cite(<key>)`, `#cite(label("key"))`, `#bibliography("refs.bib")`);
    /// `@name` where the document defines the label `<name>` is a reference, not a
    /// citation.
    Typst,
    /// Org: org-cite (`[cite:@a;@b]`, `[cite/t:@a]`, `#+bibliography: refs.bib`) and
    /// org-ref links (`cite:a,b`, `citep:&a;&b`, `bibliography:refs.bib`).
    Org,
}

impl Kind {
    /// The kind a file name's extension implies (`.tex`, `.ltx`, `.aux`, `.bcf`, `.md`,
    /// `.markdown`, `.qmd`, `.rmd`, `.typ`, `.org`).
    ///
    /// ```
    /// use bibkit::check::cited::Kind;
    /// assert_eq!(Kind::from_path("paper.tex".as_ref()), Some(Kind::Tex));
    /// assert_eq!(Kind::from_path("notes.md".as_ref()), Some(Kind::Markdown));
    /// assert_eq!(Kind::from_path("refs.bib".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "tex" | "ltx" | "sty" | "cls" => Kind::Tex,
            "aux" => Kind::Aux,
            "bcf" => Kind::Bcf,
            "md" | "markdown" | "qmd" | "rmd" | "pandoc" => Kind::Markdown,
            "typ" => Kind::Typst,
            "org" => Kind::Org,
            _ => return None,
        })
    }
}

/// Scans a document for the keys it cites.
///
/// Every scanner reads the text in linear time (up to a logarithmic factor for looking up
/// where a group closes), whatever the input: groups that never close, lists whose `}`
/// never comes, tags with no `>`. Only the output itself can be larger than that, where the
/// document makes one key count many times (nested `\citation{` lists in an `.aux`).
pub fn scan(text: &str, kind: Kind, file: Option<Arc<str>>) -> Scan {
    let mut found: Vec<(String, usize)> = Vec::new();
    let mut scan = Scan::default();
    match kind {
        Kind::Tex => tex(text, &mut found, &mut scan),
        Kind::Aux => aux(text, &mut found, &mut scan),
        Kind::Bcf => bcf(text, &mut found, &mut scan),
        Kind::Markdown => {
            let body = front_matter(text, &mut found, &mut scan);
            markdown_from(text, body, &mut found);
        }
        Kind::Typst => typst(text, &mut found, &mut scan),
        Kind::Org => org(text, &mut found, &mut scan),
    }
    // In document order, each citation once (an `.aux` file's `\citation` and biblatex
    // lists are read in separate passes, and a broken file can make them overlap).
    found.sort_by_key(|(_, at)| *at);
    found.dedup_by_key(|(_, at)| *at);
    let lines = LineIndex::new(text);
    for inc in &mut scan.includes {
        (inc.line, inc.column) = lines.line_col(text, inc.span.start);
    }
    scan.citations = found
        .into_iter()
        .map(|(key, at)| {
            let (line, column) = lines.line_col(text, at);
            Citation {
                span: Span::new(at, at + key.len()),
                key,
                file: file.clone(),
                line,
                column,
            }
        })
        .collect();
    scan
}

/// Whether a command name cites keys: natbib's and biblatex's citation commands (any name
/// with `cite` in it, such as `citet`, `parencite`, `Textcites`, `footfullcite`), except
/// the few that configure citations.
fn is_cite_command(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("cite")
        && !matches!(
            lower.as_str(),
            "citestyle" | "citesetup" | "citereset" | "citetrackerfalse" | "citetrackertrue"
        )
        && !lower.starts_with("citename")
        && !lower.starts_with("citelist")
        && !lower.starts_with("citefield")
        || matches!(lower.as_str(), "nocite" | "citeauthor" | "fullcite")
}

/// The first `byte` at or after a position of one text, remembering the last search.
///
/// If a search from `p0` found `c`, every query in `p0..=c` answers `c`; if it found
/// nothing, no query after `p0` finds anything. So queries at increasing positions read
/// each byte of the text at most once, and queries in any other order still get the
/// right answer.
struct NextByte {
    byte: u8,
    /// Where the last search started (`usize::MAX`: none yet).
    from: usize,
    found: Option<usize>,
}

impl NextByte {
    fn new(byte: u8) -> NextByte {
        NextByte {
            byte,
            from: usize::MAX,
            found: None,
        }
    }

    /// The first `self.byte` in `b` at or after `p`. `b` must be the same text on every
    /// call.
    fn find(&mut self, b: &[u8], p: usize) -> Option<usize> {
        if p >= self.from {
            match self.found {
                None => return None,
                Some(c) if p <= c => return Some(c),
                Some(_) => {}
            }
        }
        self.from = p;
        self.found = b
            .get(p..)
            .and_then(|rest| memchr::memchr(self.byte, rest))
            .map(|i| p + i);
        self.found
    }
}

/// Where every group that opens with `open` closes, as a nested scan from that bracket
/// finds it (a `\` hides the byte after it): worked out once for the whole text, on the
/// first question.
///
/// The scan from a bracket at `i` reads the same bytes as a scan from the start of the
/// text from `i + 1` on (`i` is not a `\`, so both go on to `i + 1`, even when the scan
/// from the start skips `i` as escaped). Its depth after byte `j` is
/// `1 + depth(j) - depth(i)`, with `depth` counted from the start of the text (an escaped
/// bracket at `i` does not count there), so the group closes at the first close bracket
/// after `i` where `depth` falls below `depth(i)`. One pass with a stack of the brackets
/// still waiting finds that for every bracket at once.
struct Brackets<'a> {
    b: &'a [u8],
    open: u8,
    close: u8,
    groups: OnceCell<Groups>,
}

/// The positions of every `open` byte, in order, and where each one's group ends (one past
/// its close; [`Groups::UNCLOSED`] if it never closes).
struct Groups {
    opens: Vec<usize>,
    ends: Vec<usize>,
}

impl Groups {
    const UNCLOSED: usize = usize::MAX;
}

impl<'a> Brackets<'a> {
    fn new(b: &'a [u8], open: u8, close: u8) -> Self {
        Brackets {
            b,
            open,
            close,
            groups: OnceCell::new(),
        }
    }

    /// The end of the group opening at `i` (which must be an `open` byte), one past its
    /// close, or `None` if it never closes.
    fn end(&self, i: usize) -> Option<usize> {
        let g = self.groups.get_or_init(|| self.pass());
        let Ok(k) = g.opens.binary_search(&i) else {
            debug_assert!(false, "no {:?} at {i}", self.open as char);
            return None;
        };
        Some(g.ends[k]).filter(|&e| e != Groups::UNCLOSED)
    }

    fn pass(&self) -> Groups {
        let (open, close) = (self.open, self.close);
        let mut opens = Vec::new();
        let mut ends = Vec::new();
        // Brackets whose group is still open: index into `ends`, and the depth below
        // which it closes.
        let mut waiting: Vec<(usize, isize)> = Vec::new();
        let mut depth: isize = 0;
        let mut escaped = false;
        for (j, &c) in self.b.iter().enumerate() {
            if escaped {
                escaped = false;
                if c == open {
                    waiting.push((ends.len(), depth));
                    opens.push(j);
                    ends.push(Groups::UNCLOSED);
                }
                continue;
            }
            if c == b'\\' {
                escaped = true;
            } else if c == open {
                depth += 1;
                waiting.push((ends.len(), depth));
                opens.push(j);
                ends.push(Groups::UNCLOSED);
            } else if c == close {
                depth -= 1;
                // The stack's depths rise towards the top: every waiting bracket was pushed
                // at the depth of its time, and has not seen the depth fall below it since.
                while let Some(&(k, d)) = waiting.last() {
                    if d <= depth {
                        break;
                    }
                    ends[k] = j + 1;
                    waiting.pop();
                }
            }
        }
        Groups { opens, ends }
    }
}

/// One part of a `{k1, k2}` list, between `start` and `end`.
enum Part {
    /// A key, at these offsets.
    Key(usize, usize),
    /// `*`.
    All,
    /// Empty, or not a key.
    Skip,
}

fn list_part(text: &str, start: usize, end: usize) -> Part {
    let part = &text[start..end];
    let lead = part.len() - part.trim_start().len();
    let key = part.trim();
    if key == "*" {
        Part::All
    } else if !key.is_empty()
        && !key.contains(['\\', '#', '{'])
        && !key.contains(char::is_whitespace)
    {
        Part::Key(start + lead, start + lead + key.len())
    } else {
        Part::Skip
    }
}

/// What the `{k1, k2}` lists of one text hold.
///
/// A list runs from its `{` to the first `}` after it, so lists that start inside another
/// list end with it and share its parts from some comma on; an `.aux` can nest thousands.
/// The parts that follow a comma are sorted out once, on the first list that has one,
/// and each list then costs its first part, two binary searches and the keys it yields.
struct KeyLists<'a> {
    text: &'a str,
    commas: OnceCell<Commas>,
}

/// The part after each comma of the text, up to the next `,` or `}`: the keys among them
/// (the comma's offset and the key's) and the commas before a `*`.
struct Commas {
    keys: Vec<(usize, usize, usize)>,
    stars: Vec<usize>,
}

impl<'a> KeyLists<'a> {
    fn new(text: &'a str) -> Self {
        KeyLists {
            text,
            commas: OnceCell::new(),
        }
    }

    fn commas(&self) -> &Commas {
        self.commas.get_or_init(|| {
            let b = self.text.as_bytes();
            let mut keys = Vec::new();
            let mut stars = Vec::new();
            for q in memchr::memchr_iter(b',', b) {
                // A part with no `,` or `}` after it is in no list.
                let Some(end) = memchr::memchr2(b',', b'}', &b[q + 1..]).map(|i| q + 1 + i) else {
                    break;
                };
                match list_part(self.text, q + 1, end) {
                    Part::Key(s, e) => keys.push((q, s, e)),
                    Part::All => stars.push(q),
                    Part::Skip => {}
                }
            }
            Commas { keys, stars }
        })
    }
}

/// Keys of a `{k1, k2}` list starting at `open` (the `{`): each key and its offset. Returns
/// the offset past the list's `}` (the text's length if it has none). `closes` finds `}`
/// in the same text; give each run of calls at increasing offsets its own.
fn key_list(
    lists: &KeyLists,
    closes: &mut NextByte,
    open: usize,
    out: &mut Vec<(String, usize)>,
    all: &mut bool,
) -> usize {
    let text = lists.text;
    let b = text.as_bytes();
    let Some(close) = closes.find(b, open + 1) else {
        return text.len();
    };
    // The first part, up to the first comma. It stops short at a `{`, `\` or `#` (then it
    // is not a key), so the first parts of lists opening at different `{` never overlap.
    let mut j = open + 1;
    while j < close && !matches!(b[j], b',' | b'{' | b'\\' | b'#') {
        j += 1;
    }
    if j == close || b[j] == b',' {
        match list_part(text, open + 1, j) {
            Part::Key(s, e) => out.push((text[s..e].to_string(), s)),
            Part::All => *all = true,
            Part::Skip => {}
        }
        if j == close {
            return close + 1;
        }
    }
    // The parts after each comma between `open` and `close`, in order.
    let commas = lists.commas();
    let first = commas.keys.partition_point(|&(q, _, _)| q <= open);
    for &(q, s, e) in &commas.keys[first..] {
        if q >= close {
            break;
        }
        out.push((text[s..e].to_string(), s));
    }
    let star = commas.stars.partition_point(|&q| q <= open);
    if commas.stars.get(star).is_some_and(|&q| q < close) {
        *all = true;
    }
    close + 1
}

/// Skips spaces and one newline (LaTeX reads optional arguments across a line break).
fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

fn tex(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
    // What TeX does not read as commands blanked (keeping offsets), so that citations in
    // comments, verbatim text and `\iffalse` do not count.
    let (code, root) = tex_code(text);
    if let Some(r) = root {
        scan.root = Some(r);
    }
    let b = code.as_bytes();
    let square = Brackets::new(b, b'[', b']');
    let round = Brackets::new(b, b'(', b')');
    let curly = Brackets::new(b, b'{', b'}');
    let lists = KeyLists::new(&code);
    let mut closes = NextByte::new(b'}');
    let mut i = 0;
    while let Some(p) = code[i..].find('\\') {
        let start = i + p + 1;
        let n = b[start..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let name = &code[start..start + n];
        // Past the command's name, or past the one character of a control symbol.
        i = start
            + if n > 0 {
                n
            } else {
                code[start..].chars().next().map_or(0, char::len_utf8)
            };
        if n == 0 {
            continue;
        }
        if let Some(kind) = include_command(name) {
            i = include(&code, &curly, &square, i, name, kind, scan);
            continue;
        }
        match name {
            "includeonly" => {
                let j = skip_space(b, i);
                if b.get(j) == Some(&b'{') {
                    if let Some(end) = curly.end(j) {
                        let names = code[j + 1..end - 1]
                            .split(',')
                            .map(|n| n.trim().trim_end_matches(".tex").to_string())
                            .filter(|n| !n.is_empty());
                        scan.include_only.get_or_insert_with(Vec::new).extend(names);
                        i = end;
                    }
                }
                continue;
            }
            "documentclass" => {
                scan.has_document_class = true;
                // `\documentclass[../main.tex]{subfiles}`: a part of that document.
                let k = skip_space(b, i);
                if b.get(k) == Some(&b'[') {
                    if let Some(e) = square.end(k) {
                        let j = skip_space(b, e);
                        if b.get(j) == Some(&b'{') {
                            if let Some(end) = curly.end(j) {
                                if code[j + 1..end - 1].trim() == "subfiles" {
                                    let main = code[k + 1..e - 1].trim();
                                    if !main.is_empty() && scan.root.is_none() {
                                        scan.root = Some(main.to_string());
                                    }
                                }
                                i = end;
                            }
                        }
                    }
                }
                continue;
            }
            "bibliography" | "addbibresource" | "addglobalbib" | "addsectionbib" => {
                let j = skip_optional(b, &square, skip_space(b, i));
                if b.get(j) == Some(&b'{') {
                    if let Some(end) = curly.end(j) {
                        for r in code[j + 1..end - 1].split(',') {
                            let r = r.trim();
                            if r.is_empty() {
                                continue;
                            }
                            let with_ext = if name == "bibliography" && !r.ends_with(".bib") {
                                format!("{r}.bib")
                            } else {
                                r.to_string()
                            };
                            scan.resources.push(with_ext);
                        }
                        i = end;
                    }
                }
                continue;
            }
            _ if !is_cite_command(name) => continue,
            _ => {}
        }
        let mut j = i;
        if b.get(j) == Some(&b'*') {
            j += 1;
        }
        let multi = name.ends_with("cites");
        if multi {
            // `\cites(pre)(post)[pre][post]{k1}[pre][post]{k2}…`
            for _ in 0..2 {
                let k = skip_space(b, j);
                if b.get(k) == Some(&b'(') {
                    match round.end(k) {
                        Some(e) => j = e,
                        None => break,
                    }
                }
            }
        }
        loop {
            j = skip_optional(b, &square, skip_space(b, j));
            let k = skip_space(b, j);
            if b.get(k) != Some(&b'{') {
                break;
            }
            j = key_list(&lists, &mut closes, k, out, &mut scan.cites_all);
            if !multi {
                break;
            }
        }
        i = j.max(i);
    }
}

/// The inclusion a command makes, if it is one.
fn include_command(name: &str) -> Option<IncludeKind> {
    Some(match name {
        "input" => IncludeKind::Input,
        "include" => IncludeKind::Include,
        "subfile" => IncludeKind::Subfile,
        "import" | "inputfrom" | "includefrom" => IncludeKind::Import,
        "subimport" | "subinputfrom" | "subincludefrom" => IncludeKind::Subimport,
        _ => return None,
    })
}

/// Reads the arguments of an inclusion command whose name ends at `i`; returns where
/// scanning goes on.
fn include(
    code: &str,
    curly: &Brackets,
    square: &Brackets,
    i: usize,
    name: &str,
    kind: IncludeKind,
    scan: &mut Scan,
) -> usize {
    let b = code.as_bytes();
    let mut j = i;
    if b.get(j) == Some(&b'*') {
        j += 1;
    }
    // One `{…}` argument, its text and span.
    let arg = |j: usize| -> Option<(usize, usize, usize)> {
        let k = skip_space(b, j);
        if b.get(k) != Some(&b'{') {
            return None;
        }
        let end = curly.end(k)?;
        let inner = &code[k + 1..end - 1];
        let lead = inner.len() - inner.trim_start().len();
        let s = k + 1 + lead;
        Some((s, s + inner.trim().len(), end))
    };
    let usable = |t: &str| !t.is_empty() && !t.contains(['#', '\\', '{', '}']);
    let is_include = matches!(name, "include" | "includefrom" | "subincludefrom");
    let (dir, file) = match kind {
        IncludeKind::Import | IncludeKind::Subimport => {
            let Some((ds, de, dend)) = arg(j) else {
                return j;
            };
            let Some(f) = arg(dend) else {
                return dend;
            };
            (Some(code[ds..de].to_string()), f)
        }
        IncludeKind::Input if b.get(skip_space(b, j)) != Some(&b'{') => {
            // `\input chapter1`: TeX's own syntax, the name up to a space.
            let k = skip_space(b, j);
            let n = b[k..]
                .iter()
                .take_while(|c| {
                    !c.is_ascii_whitespace() && !matches!(c, b'\\' | b'{' | b'}' | b'%')
                })
                .count();
            if k == j || n == 0 {
                return j;
            }
            (None, (k, k + n, k + n))
        }
        _ => {
            let Some(f) = arg(j) else {
                return j;
            };
            (None, f)
        }
    };
    let (s, e, end) = file;
    let path = &code[s..e];
    if usable(path) && dir.as_deref().is_none_or(|d| !d.contains(['#', '\\'])) {
        // `\include` and `\subfile` files are `.tex` files whatever they are named.
        let _ = square;
        scan.includes.push(Include {
            kind,
            dir,
            path: path.to_string(),
            is_include,
            span: Span::new(s, e),
            line: 0,
            column: 0,
        });
    }
    end
}

/// The environments whose text TeX typesets (or writes) as it is: a `\cite` in them is
/// not a citation.
const VERBATIM: &[&str] = &[
    "verbatim",
    "verbatim*",
    "Verbatim",
    "Verbatim*",
    "BVerbatim",
    "LVerbatim",
    "spverbatim",
    "lstlisting",
    "minted",
    "comment",
    "filecontents",
    "filecontents*",
];

/// The TeX source with what TeX does not read as commands blanked (every byte but line
/// breaks becomes a space, so offsets stay): `%` comments, the verbatim-like environments
/// ([`VERBATIM`]), `\verb|…|`, and the false branch of `\iffalse … \else … \fi` (nested
/// conditionals counted). Also gives the first `% !TEX root = …` comment's file. One
/// reading of the text.
fn tex_code(text: &str) -> (String, Option<String>) {
    let b = text.as_bytes();
    let mut code = b.to_vec();
    let blank = |code: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut code[from..to] {
            if !matches!(*c, b'\n' | b'\r') {
                *c = b' ';
            }
        }
    };
    let line_end = |i: usize| memchr::memchr2(b'\n', b'\r', &b[i..]).map_or(b.len(), |n| i + n);
    let name_at = |i: usize| {
        b[i..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count()
    };
    let mut root = None;
    // The start of the false branch being skipped, and the depth of conditionals in it.
    let mut skipping: Option<(usize, usize)> = None;
    let mut i = 0;
    while let Some(k) = memchr::memchr2(b'%', b'\\', &b[i..]) {
        let at = i + k;
        if b[at] == b'%' {
            let end = line_end(at);
            if root.is_none() && skipping.is_none() {
                root = magic_root(&text[at..end]);
            }
            blank(&mut code, at, end);
            i = end;
            continue;
        }
        let n = name_at(at + 1);
        let name = &text[at + 1..at + 1 + n];
        let after = at + 1 + n.max(1);
        let after = if n == 0 {
            // A control symbol: `\` and the one character after it.
            at + 1 + text[at + 1..].chars().next().map_or(0, char::len_utf8)
        } else {
            after
        };
        if let Some((from, depth)) = skipping {
            let depth = if name.starts_with("if") {
                depth + 1
            } else if name == "fi" {
                depth - 1
            } else if depth == 1 && matches!(name, "else" | "or") {
                0
            } else {
                depth
            };
            if depth == 0 {
                blank(&mut code, from, after);
                skipping = None;
            } else {
                skipping = Some((from, depth));
            }
            i = after;
            continue;
        }
        match name {
            "iffalse" => skipping = Some((at, 1)),
            "verb" => {
                let mut d = after;
                if b.get(d) == Some(&b'*') {
                    d += 1;
                }
                if let Some(&delim) = b.get(d).filter(|c| c.is_ascii_punctuation() && **c != b'{') {
                    let end = line_end(d + 1);
                    let close =
                        memchr::memchr(delim, &b[d + 1..end]).map_or(end, |c| d + 1 + c + 1);
                    blank(&mut code, at, close);
                    i = close;
                    continue;
                }
            }
            "begin" => {
                let k = after + b[after..].iter().take_while(|c| **c == b' ').count();
                if b.get(k) == Some(&b'{') {
                    if let Some(close) = memchr::memchr(b'}', &b[k..]).map(|c| k + c) {
                        let env = &text[k + 1..close];
                        if VERBATIM.contains(&env) {
                            let marker = format!("\\end{{{env}}}");
                            let body = close + 1;
                            let end = memchr::memmem::find(&b[body..], marker.as_bytes())
                                .map_or(b.len(), |e| body + e);
                            blank(&mut code, body, end);
                            i = (end + marker.len()).min(b.len());
                            continue;
                        }
                    }
                }
            }
            _ => {}
        }
        i = after;
    }
    if let Some((from, _)) = skipping {
        blank(&mut code, from, b.len());
    }
    // Only ASCII bytes were written, each over a whole character's bytes.
    let code = String::from_utf8(code)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (code, root)
}

/// The file of a `% !TEX root = file` comment (TeXShop's, TeXstudio's and VS Code's
/// LaTeX Workshop's convention; any case, spaces optional).
fn magic_root(comment: &str) -> Option<String> {
    let rest = comment.trim_start_matches('%').trim_start();
    let rest = rest.strip_prefix('!')?.trim_start();
    // `get`, not `split_at`: the third byte may be inside a character.
    let (word, rest) = (rest.get(..3)?, rest.get(3..)?);
    if !word.eq_ignore_ascii_case("tex") {
        return None;
    }
    let rest = rest.trim_start();
    let (word, rest) = rest.split_at(
        rest.find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len()),
    );
    if !word.eq_ignore_ascii_case("root") {
        return None;
    }
    let file = rest.trim_start().strip_prefix('=')?.trim();
    (!file.is_empty()).then(|| file.to_string())
}

/// Skips up to two `[…]` optional arguments.
fn skip_optional(b: &[u8], square: &Brackets, mut j: usize) -> usize {
    for _ in 0..2 {
        let k = skip_space(b, j);
        if b.get(k) != Some(&b'[') {
            break;
        }
        match square.end(k) {
            Some(e) => j = e,
            None => break,
        }
    }
    j
}

fn aux(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
    let b = text.as_bytes();
    let curly = Brackets::new(b, b'{', b'}');
    let lists = KeyLists::new(text);
    let mut closes = NextByte::new(b'}');
    // A list that opens inside an earlier one (never in a real `.aux`) is part of it, not a
    // list of its own: every key is read once, so the keys found never outnumber the bytes.
    let mut consumed = 0;
    for (at, _) in text.match_indices("\\citation{") {
        if at < consumed {
            continue;
        }
        let open = at + "\\citation".len();
        consumed = key_list(&lists, &mut closes, open, out, &mut scan.cites_all);
    }
    // biblatex: `\abx@aux@cite{refsection}{key}` (older versions: `\abx@aux@cite{key}`).
    // The lists after a group come in no particular order, but no two overlap (each group
    // ends with a `}`), so their searches for `}` read the text once in all.
    let mut closes_at_open = NextByte::new(b'}');
    let mut closes_after = NextByte::new(b'}');
    let mut consumed = 0;
    for (at, pat) in text.match_indices("\\abx@aux@cite{") {
        if at < consumed {
            continue;
        }
        let open = at + pat.len() - 1;
        let Some(end) = curly.end(open) else {
            continue;
        };
        consumed = if b.get(end) == Some(&b'{') {
            key_list(&lists, &mut closes_after, end, out, &mut scan.cites_all)
        } else {
            key_list(&lists, &mut closes_at_open, open, out, &mut scan.cites_all)
        };
    }
    // `\@input{chapter.aux}`: the `.aux` of an `\include`d file.
    let mut consumed = 0;
    for (at, pat) in text.match_indices("\\@input{") {
        if at < consumed {
            continue;
        }
        let open = at + pat.len() - 1;
        if let Some(end) = curly.end(open) {
            consumed = end;
            let inner = &text[open + 1..end - 1];
            let name = inner.trim();
            if !name.is_empty() && !name.contains(['\\', '{', '#']) {
                let s = open + 1 + (inner.len() - inner.trim_start().len());
                scan.includes.push(Include {
                    kind: IncludeKind::AuxInput,
                    dir: None,
                    path: name.to_string(),
                    is_include: false,
                    span: Span::new(s, s + name.len()),
                    line: 0,
                    column: 0,
                });
            }
        }
    }
    let mut consumed = 0;
    for (at, pat) in text.match_indices("\\bibdata{") {
        if at < consumed {
            continue;
        }
        let open = at + pat.len() - 1;
        if let Some(end) = curly.end(open) {
            consumed = end;
            for r in text[open + 1..end - 1].split(',') {
                let r = r.trim();
                if !r.is_empty() {
                    scan.resources.push(format!("{r}.bib"));
                }
            }
        }
    }
}

fn bcf(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
    // Each key's `<bcf:citekey`, `>`, key and `<` come one after the other, and the next
    // search starts at that `<`: one reading of the text.
    let mut i = 0;
    while let Some(p) = text[i..].find("<bcf:citekey") {
        let tag = i + p;
        let Some(gt) = text[tag..].find('>').map(|g| tag + g + 1) else {
            break;
        };
        let Some(lt) = text[gt..].find('<').map(|l| gt + l) else {
            break;
        };
        let key = text[gt..lt].trim();
        if key == "*" {
            scan.cites_all = true;
        } else if !key.is_empty() {
            out.push((
                key.to_string(),
                gt + (text[gt..lt].len() - text[gt..lt].trim_start().len()),
            ));
        }
        i = lt;
    }
    // Data sources that share a `>` (all but the last of them have none of their own)
    // share their name: it is trimmed once.
    let b = text.as_bytes();
    let mut gts = NextByte::new(b'>');
    let mut lts = NextByte::new(b'<');
    let mut last: Option<(usize, Option<(usize, usize)>)> = None;
    // A data source that opens inside the one before (before its `>`) is part of it.
    let mut consumed = 0;
    for (at, pat) in text.match_indices("<bcf:datasource") {
        if at < consumed {
            continue;
        }
        let Some(gt) = gts.find(b, at + pat.len()).map(|g| g + 1) else {
            continue;
        };
        consumed = gt;
        let name = match last {
            Some((g, name)) if g == gt => name,
            _ => {
                let name = lts.find(b, gt).map(|lt| {
                    let r = text[gt..lt].trim_start();
                    let s = lt - r.len();
                    (s, s + r.trim_end().len())
                });
                last = Some((gt, name));
                name
            }
        };
        if let Some((s, e)) = name {
            if s < e {
                scan.resources.push(text[s..e].to_string());
            }
        }
    }
}

/// pandoc's citation syntax: `@key` where `@` does not follow a letter or digit (so e-mail
/// addresses do not count), the key made of letters, digits, `_` and internal `:.#$%&-+?<>~/`;
/// or `@{key}`. Code spans and fenced code blocks are skipped. Reads from byte `start` on
/// (after the front matter).
fn markdown_from(text: &str, start: usize, out: &mut Vec<(String, usize)>) {
    let mut in_fence: Option<&str> = None;
    let mut offset = start;
    for line in text[start..].split_inclusive('\n') {
        let trimmed = line.trim_start();
        let fence = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f));
        match (in_fence, fence) {
            (None, Some(f)) => {
                in_fence = Some(f);
                offset += line.len();
                continue;
            }
            (Some(open), Some(f)) if open == f => {
                in_fence = None;
                offset += line.len();
                continue;
            }
            (Some(_), _) => {
                offset += line.len();
                continue;
            }
            _ => {}
        }
        markdown_line(line, offset, out);
        offset += line.len();
    }
}

fn markdown_line(line: &str, offset: usize, out: &mut Vec<(String, usize)>) {
    let b = line.as_bytes();
    // `@{` searches for `}` at increasing offsets.
    let mut closes = NextByte::new(b'}');
    let mut i = 0;
    let mut in_code = false;
    while i < b.len() {
        match b[i] {
            b'`' => in_code = !in_code,
            b'\\' => i += 1,
            b'@' if !in_code => {
                let prev_ok = i == 0 || {
                    let c = line[..i].chars().next_back().unwrap_or(' ');
                    !c.is_alphanumeric() && !matches!(c, '.' | '_' | '+')
                };
                if prev_ok {
                    if b.get(i + 1) == Some(&b'{') {
                        if let Some(close) = closes.find(b, i + 2) {
                            let key = &line[i + 2..close];
                            if !key.is_empty() {
                                out.push((key.to_string(), offset + i + 2));
                            }
                            i = close + 1;
                            continue;
                        }
                    }
                    let key_len = markdown_key_len(&line[i + 1..]);
                    if key_len > 0 {
                        out.push((line[i + 1..i + 1 + key_len].to_string(), offset + i + 1));
                        i += 1 + key_len;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// Reads a Markdown document's YAML front matter (a `---` line first, up to a `---` or
/// `...` line): its `bibliography` (a file or a list of files) and the keys of its
/// `nocite` (`@*` cites everything). Returns where the document's text starts.
fn front_matter(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) -> usize {
    let Some((body, end)) = front_matter_bounds(text) else {
        return 0;
    };
    let yaml = &text[body.0..body.1];
    scan.resources
        .extend(yaml_top_level_strings(yaml, "bibliography"));
    // `nocite:` and the lines indented under it, read as citations where they stand.
    let mut offset = body.0;
    let mut in_nocite = false;
    for line in yaml.split_inclusive('\n') {
        let top_level = !line.starts_with([' ', '\t']) && !line.trim().is_empty();
        if top_level {
            in_nocite = line.starts_with("nocite:");
        }
        if in_nocite {
            let from = if top_level { "nocite:".len() } else { 0 };
            if line[from..].contains("@*") {
                scan.cites_all = true;
            }
            markdown_line(&line[from..], offset + from, out);
        }
        offset += line.len();
    }
    end
}

/// The front matter of a Markdown text: the YAML's bounds, and where the text after it
/// starts.
fn front_matter_bounds(text: &str) -> Option<((usize, usize), usize)> {
    let first = text.split_inclusive('\n').next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let mut offset = first.len();
    for line in text[first.len()..].split_inclusive('\n') {
        if matches!(line.trim_end(), "---" | "...") {
            return Some(((first.len(), offset), offset + line.len()));
        }
        offset += line.len();
    }
    None
}

/// The strings a top-level `key` of a YAML mapping holds: its value when that is a string,
/// the strings of its list when it is one. Read from the parser's events (aliases are not
/// followed, nesting is not recursion), so any text costs linear time.
pub(crate) fn yaml_top_level_strings(yaml: &str, key: &str) -> Vec<String> {
    use yaml_rust2::Event;
    let mut parser = yaml_rust2::parser::Parser::new_from_str(yaml);
    let mut found = Vec::new();
    // Depth of collections; at depth 1 in the top-level mapping, whether the next scalar
    // is a key, and whether the value being read belongs to `key`.
    let mut depth = 0usize;
    let mut expect_key = true;
    let mut taking = false;
    let mut top_is_mapping = false;
    while let Ok((event, _)) = parser.next_token() {
        match event {
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if depth == 0 {
                    top_is_mapping = matches!(event, Event::MappingStart(..));
                } else if depth == 1 && !expect_key {
                    // A collection as a value: only a list of `key` is read.
                    taking &= matches!(event, Event::SequenceStart(..));
                }
                depth += 1;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    expect_key = true;
                    taking = false;
                }
            }
            Event::Scalar(value, ..) if top_is_mapping => match depth {
                1 if expect_key => {
                    taking = value == key;
                    expect_key = false;
                }
                1 => {
                    if taking && !value.trim().is_empty() {
                        found.push(value);
                    }
                    expect_key = true;
                    taking = false;
                }
                2 if taking && !value.trim().is_empty() => found.push(value),
                _ => {}
            },
            Event::Alias(_) if depth == 1 => expect_key = !expect_key,
            _ => {}
        }
    }
    found
}

/// Whether `c` may be in a Typst label (`<name>`, `@name`).
fn typst_label_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.')
}

/// The length of a Typst label at the start of `s` (a final `.` or `:` ends a sentence, not
/// the label).
fn typst_label_len(s: &str) -> usize {
    let mut end = 0;
    for (i, c) in s.char_indices() {
        if !typst_label_char(c) {
            break;
        }
        if c.is_alphanumeric() || c == '_' || c == '-' {
            end = i + c.len_utf8();
        }
    }
    end
}

/// Typst markup: `@key` (not after a letter or digit), `#cite(<key>, …)` and
/// `#cite(label("key"))`, `#bibliography("a.bib")` or `#bibliography(("a.bib", "b.bib"))`.
/// Comments (`//`, `/* */`), raw text (`` `…` ``, ```` ``` ````) and escapes (`\@`) are
/// skipped; `@name` is dropped where the document defines `<name>` (a reference to a
/// heading or figure). Each byte is read once: every skip jumps past what it skips.
fn typst(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
    let b = text.as_bytes();
    let mut refs: Vec<(String, usize)> = Vec::new();
    let mut labels: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'/' if b.get(i + 1) == Some(&b'/') && (i == 0 || b[i - 1] != b':') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |n| i + 2 + n + 2);
            }
            b'`' => {
                let run = b[i..].iter().take_while(|&&c| c == b'`').count();
                let marker = &b[i..i + run];
                // ``` `` ``` is empty raw text; a single one closes at the next.
                let close = if run == 2 {
                    Some(0)
                } else {
                    memchr::memmem::find(&b[i + run..], marker)
                };
                i = close.map_or(b.len(), |n| i + run + n + run);
            }
            b'@' => {
                let prev_ok = i == 0 || {
                    let c = text[..i].chars().next_back().unwrap_or(' ');
                    !c.is_alphanumeric() && c != '_'
                };
                let len = if prev_ok {
                    typst_label_len(&text[i + 1..])
                } else {
                    0
                };
                if len > 0 {
                    refs.push((text[i + 1..i + 1 + len].to_string(), i + 1));
                }
                i += 1 + len;
            }
            b'<' => {
                let len = typst_label_len(&text[i + 1..]);
                if len > 0 && b.get(i + 1 + len) == Some(&b'>') {
                    labels.insert(&text[i + 1..i + 1 + len]);
                    i += len + 2;
                } else {
                    i += 1;
                }
            }
            b'#' if text[i..].starts_with("#cite(") => {
                i = typst_args(text, i + "#cite(".len(), |arg, at| {
                    if let Some(key) = arg.strip_prefix('<').and_then(|a| a.strip_suffix('>')) {
                        if !key.is_empty() && key.chars().all(typst_label_char) {
                            out.push((key.to_string(), at + 1));
                        }
                    } else if let Some(inner) = arg
                        .strip_prefix("label(\"")
                        .and_then(|a| a.strip_suffix("\")"))
                    {
                        if !inner.is_empty() && !inner.contains(['"', '\\']) {
                            out.push((inner.to_string(), at + "label(\"".len()));
                        }
                    }
                });
            }
            b'#' if text[i..].starts_with("#bibliography(") => {
                i = typst_args(text, i + "#bibliography(".len(), |arg, _| {
                    let arg = arg.trim_start_matches('(').trim_end_matches(')');
                    for part in arg.split(',') {
                        let part = part.trim();
                        if let Some(p) = part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                            if !p.is_empty() {
                                scan.resources.push(p.to_string());
                            }
                        }
                    }
                });
            }
            _ => i += 1,
        }
    }
    out.extend(
        refs.into_iter()
            .filter(|(k, _)| !labels.contains(k.as_str())),
    );
}

/// Reads the arguments of a Typst call from byte `start` (after its `(`) to its `)`: each
/// top-level argument, trimmed, with where it starts, goes to `each`. Strings and nested
/// brackets are skipped over. Returns where reading stopped (after the `)`).
fn typst_args(text: &str, start: usize, mut each: impl FnMut(&str, usize)) -> usize {
    let b = text.as_bytes();
    let (mut depth, mut i, mut arg) = (0usize, start, start);
    let mut emit = |from: usize, to: usize| {
        let raw = &text[from..to];
        let trimmed = raw.trim_start();
        let at = from + (raw.len() - trimmed.len());
        let trimmed = trimmed.trim_end();
        if !trimmed.is_empty() {
            each(trimmed, at);
        }
    };
    while i < b.len() {
        match b[i] {
            b'"' => {
                // To the closing quote, past escapes.
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth > 0 => depth -= 1,
            b')' => {
                emit(arg, i);
                return i + 1;
            }
            b',' if depth == 0 => {
                emit(arg, i);
                arg = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// Whether `c` may be in an org-cite or org-ref key.
fn org_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.' | '/' | '+' | '?' | '!' | '\'')
}

/// The length of an Org key at the start of `s` (a final `.`, `:`, `?` or `!` is
/// punctuation).
fn org_key_len(s: &str) -> usize {
    let mut end = 0;
    for (i, c) in s.char_indices() {
        if !org_key_char(c) {
            break;
        }
        if !matches!(c, '.' | ':' | '?' | '!') {
            end = i + c.len_utf8();
        }
    }
    end
}

/// Org: `[cite:@a;@b]` and `[cite/style:prefix @a suffix]` (org-cite, `@*` cites
/// everything); org-ref links `cite:a,b` (version 2) and `citep:&a;&b` (version 3), plain
/// or in `[[…]]`; `#+bibliography: a.bib` and `bibliography:a.bib,b.bib`. Source and
/// example blocks and comment lines are skipped.
fn org(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
    let mut offset = 0;
    let mut in_block: Option<String> = None;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        let lower_head: String = trimmed.chars().take(32).collect::<String>().to_lowercase();
        if let Some(end) = &in_block {
            if lower_head.starts_with(end.as_str()) {
                in_block = None;
            }
            continue;
        }
        if let Some(kind) = lower_head.strip_prefix("#+begin_") {
            let kind: String = kind.chars().take_while(|c| c.is_alphanumeric()).collect();
            if matches!(kind.as_str(), "src" | "example" | "export" | "comment") {
                in_block = Some(format!("#+end_{kind}"));
                continue;
            }
        }
        if lower_head.starts_with("#+bibliography:") {
            let value = &trimmed["#+bibliography:".len()..];
            scan.resources
                .extend(value.split_whitespace().map(str::to_string));
            continue;
        }
        if trimmed.starts_with("# ") || trimmed.trim_end() == "#" {
            continue;
        }
        org_line(line, at, out, scan);
    }
}

fn org_line(line: &str, offset: usize, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // org-cite: `[cite` `/style`? `:` … `]`.
        if line[i..].starts_with("[cite") {
            // `[cite` then a style (`/t`, `/style/variant`), then `:`; the style is
            // short and read only while it can be one, so a line of `[cite` costs each
            // byte once.
            let after = i + "[cite".len();
            let style = if b.get(after) == Some(&b'/') {
                b[after..]
                    .iter()
                    .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'-' | b'_'))
                    .count()
            } else {
                0
            };
            let colon = after + style;
            if b.get(colon) == Some(&b':') {
                let close = line[colon..].find(']').map_or(b.len(), |n| colon + n);
                let body = &line[colon + 1..close];
                let mut j = 0;
                while let Some(n) = body[j..].find('@') {
                    let k = j + n + 1;
                    if body[k..].starts_with('*') {
                        scan.cites_all = true;
                    }
                    let len = org_key_len(&body[k..]);
                    if len > 0 {
                        out.push((body[k..k + len].to_string(), offset + colon + 1 + k));
                    }
                    j = k + len;
                }
                i = close + 1;
                continue;
            }
        }
        // org-ref: a word with `cite` in it, then `:`, not after a letter.
        if b[i].is_ascii_alphabetic() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let word_len = line[i..]
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(line.len() - i);
            let word = &line[i..i + word_len];
            let colon = i + word_len;
            if b.get(colon) == Some(&b':') {
                let lower = word.to_ascii_lowercase();
                let start = colon + 1;
                if lower == "bibliography" || lower == "addbibresource" {
                    let len = line[start..]
                        .find(|c: char| c.is_whitespace() || c == ']')
                        .unwrap_or(line.len() - start);
                    scan.resources.extend(
                        line[start..start + len]
                            .split(',')
                            .filter(|p| !p.is_empty())
                            .map(str::to_string),
                    );
                    i = start + len;
                    continue;
                }
                if lower.contains("cite") {
                    i = org_ref_keys(line, start, offset, out);
                    continue;
                }
            }
            i += word_len.max(1);
            continue;
        }
        i += line[i..].chars().next().map_or(1, char::len_utf8);
    }
}

/// The keys of an org-ref link from byte `start` (after `cite:`): `&a;&b` (version 3,
/// with optional prefix and suffix text) or `a,b` (version 2), to the end of the link.
fn org_ref_keys(line: &str, start: usize, offset: usize, out: &mut Vec<(String, usize)>) -> usize {
    let rest = &line[start..];
    if rest.starts_with('&') {
        // Version 3: to `]` or the end of the line (plain links end at white space, but
        // prefixes and suffixes may hold spaces only in bracketed ones).
        let end = rest.find([']', '\n']).unwrap_or(rest.len());
        let body = &rest[..end];
        let plain_end = body.find(char::is_whitespace).unwrap_or(body.len());
        let body = if line[..start].ends_with("[[cite:") || line[..start].contains("[[") {
            body
        } else {
            &body[..plain_end]
        };
        let mut j = 0;
        while let Some(n) = body[j..].find('&') {
            let k = j + n + 1;
            let len = org_key_len(&body[k..]);
            if len > 0 {
                out.push((body[k..k + len].to_string(), offset + start + k));
            }
            j = k + len;
        }
        return start + end;
    }
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ']')
        .unwrap_or(rest.len());
    let mut at = start;
    for part in rest[..end].split(',') {
        let len = org_key_len(part);
        if len > 0 {
            out.push((part[..len].to_string(), offset + at));
        }
        at += part.len() + 1;
    }
    start + end
}

/// The length of a pandoc citation key at the start of `s`: it starts with a letter, digit
/// or `_`; internal punctuation `:.#$%&-+?<>~/` counts only when a key character follows.
fn markdown_key_len(s: &str) -> usize {
    let mut end = 0;
    let mut chars = s.char_indices().peekable();
    match chars.peek() {
        Some((_, c)) if c.is_alphanumeric() || *c == '_' => {}
        _ => return 0,
    }
    while let Some((i, c)) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            end = i + c.len_utf8();
        } else if ":.#$%&-+?<>~/".contains(c) {
            match chars.peek() {
                Some((_, n)) if n.is_alphanumeric() || *n == '_' => {}
                _ => break,
            }
        } else {
            break;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str, kind: Kind) -> Vec<String> {
        scan(text, kind, None)
            .citations
            .into_iter()
            .map(|c| c.key)
            .collect()
    }

    #[test]
    fn tex_commands() {
        let t = r"\cite{a} \citep[see][p.~2]{b, c} \textcite{d} \autocite*{e}
\footcites(pre)(post)[1]{f}[2]{g} \Citeauthor{h} \nocite{i} \citestyle{x}
% \cite{commented}
50\% \cite{j} % \cite{k}
\bibliography{refs,more} \addbibresource[location=local]{extra.bib}";
        assert_eq!(
            keys(t, Kind::Tex),
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
        );
        let s = scan(t, Kind::Tex, None);
        assert_eq!(s.resources, ["refs.bib", "more.bib", "extra.bib"]);
        assert!(!s.cites_all);
    }

    #[test]
    fn aux_and_bcf() {
        let aux =
            "\\relax\n\\citation{a,b}\n\\abx@aux@cite{0}{c}\n\\citation{*}\n\\bibdata{refs}\n";
        assert_eq!(keys(aux, Kind::Aux), ["a", "b", "c"]);
        assert!(scan(aux, Kind::Aux, None).cites_all);
        let bcf = "<bcf:section number=\"0\">\n<bcf:citekey order=\"1\" intorder=\"1\">knuth</bcf:citekey>\n<bcf:citekey order=\"2\">*</bcf:citekey>\n<bcf:datasource type=\"file\" datatype=\"bibtex\">refs.bib</bcf:datasource>";
        assert_eq!(keys(bcf, Kind::Bcf), ["knuth"]);
        let s = scan(bcf, Kind::Bcf, None);
        assert!(s.cites_all);
        assert_eq!(s.resources, ["refs.bib"]);
    }

    #[test]
    fn verbatim_iffalse_and_comments_are_not_citations() {
        let tex = "\\cite{a}\n\\begin{verbatim}\n\\cite{v1} % \\end{verb}\n\\end{verbatim}\\cite{b}\n\
\\begin{lstlisting}[language=TeX]\\cite{v2}\\end{lstlisting}\n\\verb|\\cite{v3}| \\verb*+\\cite{v4}+ \\cite{c}\n\
\\iffalse \\cite{f1} \\ifx\\a\\b \\cite{f2} \\fi \\cite{f3} \\else \\cite{d} \\fi\n\
\\iffalse % \\fi\n\\cite{f4} \\fi \\cite{e}\n\\begin{comment}\\cite{v5}\\end{comment}\n% \\cite{old}";
        assert_eq!(keys(tex, Kind::Tex), ["a", "b", "c", "d", "e"]);
        // Unclosed, they hide the rest of the file (as TeX would).
        assert_eq!(
            keys("\\cite{a}\\begin{verbatim}\\cite{b}", Kind::Tex),
            ["a"]
        );
        assert_eq!(keys("\\cite{a}\\iffalse\\cite{b}", Kind::Tex), ["a"]);
        assert_eq!(keys("\\verb|x \\cite{a}\n\\cite{b}", Kind::Tex), ["b"]);
    }

    #[test]
    fn inclusions_are_found_in_order() {
        let tex = "\\includeonly{ch1, ch3.tex}\n\\input{front}\\include{ch1}\n\\input intro \\subfile{parts/p1}\n\
\\import{/abs/dir/}{a}\\subimport*{sec/}{b.tex}\\includefrom{x/}{y}\\subinputfrom{s/}{t}\n\
% \\input{commented}\n\\newcommand\\chap[1]{\\input{#1}}\\begin{verbatim}\\input{v}\\end{verbatim}";
        let s = scan(tex, Kind::Tex, None);
        let got: Vec<(IncludeKind, Option<&str>, &str, bool, u32)> = s
            .includes
            .iter()
            .map(|i| {
                (
                    i.kind,
                    i.dir.as_deref(),
                    i.path.as_str(),
                    i.is_include,
                    i.line,
                )
            })
            .collect();
        use IncludeKind::*;
        assert_eq!(
            got,
            [
                (Input, None, "front", false, 2),
                (Include, None, "ch1", true, 2),
                (Input, None, "intro", false, 3),
                (Subfile, None, "parts/p1", false, 3),
                (Import, Some("/abs/dir/"), "a", false, 4),
                (Subimport, Some("sec/"), "b.tex", false, 4),
                (Import, Some("x/"), "y", true, 4),
                (Subimport, Some("s/"), "t", false, 4),
            ]
        );
        assert_eq!(
            s.include_only,
            Some(vec!["ch1".to_string(), "ch3".to_string()])
        );
        let i = &s.includes[1];
        assert_eq!(&tex[i.span.start..i.span.end], "ch1");
        let aux = scan("\\relax\n\\@input{ch1.aux}\n", Kind::Aux, None);
        assert_eq!(aux.includes[0].path, "ch1.aux");
        assert_eq!(aux.includes[0].kind, AuxInput);
    }

    #[test]
    fn a_part_names_its_main_document() {
        for (tex, root) in [
            (
                "% !TEX root = ../thesis.tex\n\\chapter{x}",
                Some("../thesis.tex"),
            ),
            ("%!TeX root=main.tex\n", Some("main.tex")),
            (
                "\\documentclass[../main.tex]{subfiles}\n\\begin{document}",
                Some("../main.tex"),
            ),
            ("\\documentclass[a4paper]{article}", None),
            ("% TEX root = no.tex", None),
            ("%!\u{fffd}x", None),
            ("% !TE\u{e9} root = x", None),
        ] {
            assert_eq!(scan(tex, Kind::Tex, None).root.as_deref(), root, "{tex}");
        }
    }

    #[test]
    fn a_document_class_outside_comments_and_verbatim_makes_a_main_document() {
        for (tex, main) in [
            ("\\documentclass{book}\n", true),
            ("  \\documentclass [12pt] {article}", true),
            ("% \\documentclass{book}\n\\chapter{x}", false),
            (
                "\\begin{verbatim}\\documentclass{book}\\end{verbatim}",
                false,
            ),
            ("\\iffalse\\documentclass{book}\\fi", false),
            ("\\chapter{Intro}", false),
        ] {
            assert_eq!(scan(tex, Kind::Tex, None).has_document_class, main, "{tex}");
        }
    }

    #[test]
    fn front_matter_names_bibliographies_and_nocite_keys() {
        let md = "---\ntitle: \"On @fake\"\nbibliography:\n  - refs.bib\n  - \"more refs.bib\"\n\
nocite: |\n  @extra1, @extra2\nauthor: me@example.org\n---\nText [@a; -@b, p. 4] and @c.\n";
        let s = scan(md, Kind::Markdown, None);
        assert_eq!(s.resources, ["refs.bib", "more refs.bib"]);
        let k: Vec<&str> = s.citations.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(k, ["extra1", "extra2", "a", "b", "c"]);
        let c = &s.citations[0];
        assert_eq!(&md[c.span.start..c.span.end], "extra1");
        assert_eq!((c.line, c.column), (7, 4));
        let s = scan(
            "---\nbibliography: refs.bib\nnocite: \"@*\"\n...\n@x",
            Kind::Markdown,
            None,
        );
        assert_eq!(s.resources, ["refs.bib"]);
        assert!(s.cites_all);
        // Not front matter: no closing line, or not at the start.
        assert!(
            scan("---\nbibliography: a.bib\n", Kind::Markdown, None)
                .resources
                .is_empty()
        );
        assert!(
            scan("x\n---\nbibliography: a.bib\n---\n", Kind::Markdown, None)
                .resources
                .is_empty()
        );
    }

    #[test]
    fn hostile_front_matter_is_read_in_linear_time() {
        // Deep nesting, and aliases that would expand exponentially if followed.
        let deep = format!(
            "---\nbibliography: {}{}\n---\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(scan(&deep, Kind::Markdown, None).resources.is_empty());
        let mut laughs = String::from("---\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..30 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            laughs.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        laughs.push_str("bibliography: *l29\n---\n");
        assert!(scan(&laughs, Kind::Markdown, None).resources.is_empty());
    }

    #[test]
    fn markdown_citations() {
        let md = "As @knuth84 shows [see @lamport94, p. 3; -@ctan].\nMail me at a@b.org.\n`@notacite` and\n```\n@code\n```\n@{odd key} and @doe:2020.";
        assert_eq!(
            keys(md, Kind::Markdown),
            ["knuth84", "lamport94", "ctan", "odd key", "doe:2020"]
        );
    }

    /// `text` repeated until the result is at least `bytes` long.
    fn repeated(text: &str, bytes: usize) -> String {
        text.repeat(bytes.div_ceil(text.len()).max(1))
    }

    /// The size of the attack inputs below.
    const ATTACK: usize = 300_000;

    fn assert_same(text: &str, kind: Kind) {
        let got = scan(text, kind, None);
        let want = naive::scan(text, kind, None);
        assert_eq!(got.citations, want.citations, "{kind:?} {text:?}");
        assert_eq!(got.cites_all, want.cites_all, "{kind:?} {text:?}");
        assert_eq!(got.resources, want.resources, "{kind:?} {text:?}");
    }

    fn assert_nothing(text: &str, kind: Kind) {
        let s = scan(text, kind, None);
        assert!(s.citations.is_empty(), "{kind:?}: {:?}", &s.citations[..1]);
        assert!(s.resources.is_empty(), "{kind:?}: {:?}", &s.resources[..1]);
        assert!(!s.cites_all, "{kind:?}");
    }

    #[test]
    fn groups_that_never_close() {
        for frag in [
            "\\cite[",
            "\\bibliography{",
            "\\addbibresource{",
            "\\cite{",
            "\\cite{a,",
            "\\cites(",
            "\\bibliography[",
            "\\citep[x][",
        ] {
            assert_nothing(&repeated(frag, ATTACK), Kind::Tex);
        }
        for frag in [
            "\\citation{",
            "\\abx@aux@cite{",
            "\\bibdata{",
            "\\citation{a,",
        ] {
            assert_nothing(&repeated(frag, ATTACK), Kind::Aux);
        }
        assert_nothing(&repeated("<bcf:datasource", ATTACK), Kind::Bcf);
        assert_nothing(&repeated("<bcf:citekey", ATTACK), Kind::Bcf);
        assert_nothing(&repeated("@{", ATTACK), Kind::Markdown);
        assert_nothing(&repeated("@{`", ATTACK), Kind::Markdown);
    }

    #[test]
    fn groups_that_close_at_the_very_end() {
        let n = ATTACK / 6;
        let s = scan(&("\\cite[".repeat(n) + "]{k}"), Kind::Tex, None);
        assert_eq!(s.citations.len(), 1);
        assert_eq!(s.citations[0].key, "k");
        let s = scan(&("\\bibliography{".repeat(n) + "refs}"), Kind::Tex, None);
        assert!(s.citations.is_empty());
        assert_eq!(s.resources, ["refs.bib"]);
        // One list, running to the one `}`: the lists that open inside it are part of it,
        // so its first part (with commands in it) is no key and `l` is cited once.
        let aux = "\\citation{".repeat(n) + "k,l}";
        let s = scan(&aux, Kind::Aux, None);
        let keys: Vec<&str> = s.citations.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["l"]);
        assert_nothing(&("\\citation{".repeat(n) + "}"), Kind::Aux);
        assert_nothing(
            &("\\citation{".repeat(n) + &" ,".repeat(n) + "}"),
            Kind::Aux,
        );
        let s = scan(
            &("\\citation{".repeat(n) + &",*".repeat(n) + "}"),
            Kind::Aux,
            None,
        );
        assert!(s.citations.is_empty() && s.cites_all);
        // The nested lists are inside the first one, whose text (with commands) is no key.
        let nested = "\\abx@aux@cite{".repeat(n) + "k" + &"}".repeat(n);
        assert_nothing(&nested, Kind::Aux);
        // The data sources that open before the first one's `>` are part of it: one name.
        let s = scan(
            &("<bcf:datasource".repeat(n) + ">refs.bib<"),
            Kind::Bcf,
            None,
        );
        assert_eq!(s.resources, ["refs.bib"]);
        let blank = "<bcf:datasource".repeat(n) + ">" + &" ".repeat(ATTACK) + "<";
        assert_nothing(&blank, Kind::Bcf);
        let s = scan(&("<bcf:citekey>k".repeat(n)), Kind::Bcf, None);
        assert_eq!(s.citations.len(), n - 1);
        let md = "@{".repeat(n) + "}";
        let s = scan(&md, Kind::Markdown, None);
        assert_eq!(s.citations.len(), 1);
        assert_eq!(s.citations[0].key, &md[2..md.len() - 1]);
    }

    #[test]
    fn attacks_agree_with_the_plain_scan() {
        // The same inputs, small enough for the plain scanners.
        let tails = [
            "",
            "}",
            "]",
            ")",
            "k}",
            "k,l}",
            ">refs.bib<",
            "}}}}{x}",
            " ,*}",
        ];
        for frag in [
            "\\cite[",
            "\\bibliography{",
            "\\addbibresource{",
            "\\cite{",
            "\\cites(",
            "\\citation{",
            "\\abx@aux@cite{",
            "\\bibdata{",
            "<bcf:datasource",
            "<bcf:citekey>k",
            "@{",
        ] {
            for tail in tails {
                let text = repeated(frag, 600) + tail;
                for kind in [Kind::Tex, Kind::Aux, Kind::Bcf, Kind::Markdown] {
                    assert_same(&text, kind);
                }
            }
        }
    }

    /// Document-like pieces, so that random texts are full of commands, groups, lists,
    /// tags, comments and code spans.
    const FRAGMENTS: &[&str] = &[
        "\\cite",
        "\\citep",
        "\\cites",
        "\\footcites",
        "\\Textcite",
        "\\nocite",
        "\\citestyle",
        "\\bibliography",
        "\\addbibresource",
        "\\addglobalbib",
        "\\bibdata{",
        "\\citation{",
        "\\abx@aux@cite{",
        "\\abx@aux@cite{0}",
        "[",
        "]",
        "{",
        "}",
        "(",
        ")",
        "\\",
        "\\\\",
        "\\{",
        "\\[",
        "%",
        ",",
        "*",
        "#",
        " ",
        "\t",
        "\n",
        "\r\n",
        "k1",
        "a",
        "{k1,k2}",
        "{a, *}",
        ",k1",
        "doe:2020",
        "x.y",
        "refs.bib",
        "<bcf:citekey order=\"1\">",
        "</bcf:citekey>",
        "<bcf:citekey",
        "<bcf:datasource type=\"file\">",
        "<bcf:datasource",
        "<",
        ">",
        "@",
        "@{",
        "`",
        "```",
        "~~~",
        "a@b.org",
        "é",
        "中",
        "\u{a0}",
        "\u{2003}",
    ];

    fn document() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(FRAGMENTS), 0..80).prop_map(|v| v.concat())
    }

    /// Mostly brackets, to nest and interleave groups deeply.
    fn brackets() -> impl Strategy<Value = String> {
        let pieces: &[&str] = &[
            "\\cite",
            "\\cites",
            "\\bibliography",
            "\\citation{",
            "\\abx@aux@cite{",
            "\\bibdata{",
            "[",
            "]",
            "{",
            "}",
            "(",
            ")",
            "\\",
            ",",
            "*",
            " ",
            "k",
            "@{",
            "<bcf:datasource",
            ">",
            "<",
        ];
        prop::collection::vec(prop::sample::select(pieces), 0..120).prop_map(|v| v.concat())
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn same_as_the_plain_scan(text in document()) {
            for kind in [Kind::Tex, Kind::Aux, Kind::Bcf, Kind::Markdown] {
                assert_same(&text, kind);
            }
        }

        #[test]
        fn same_as_the_plain_scan_on_nested_groups(text in brackets()) {
            for kind in [Kind::Tex, Kind::Aux, Kind::Bcf, Kind::Markdown] {
                assert_same(&text, kind);
            }
        }

        /// From every bracket, escaped or not, the one pass answers as the scan from it.
        #[test]
        fn group_ends_match_scanning_from_each_bracket(
            text in prop::collection::vec(
                prop::sample::select(&[b'[', b']', b'{', b'}', b'(', b')', b'\\', b'x'][..]),
                0..200,
            )
        ) {
            for (open, close) in [(b'[', b']'), (b'{', b'}'), (b'(', b')')] {
                let brackets = Brackets::new(&text, open, close);
                for (i, _) in text.iter().enumerate().filter(|&(_, &c)| c == open) {
                    prop_assert_eq!(
                        brackets.end(i),
                        naive::group_end(&text, i, open, close),
                        "{} at {}", String::from_utf8_lossy(&text), i
                    );
                }
            }
        }

        /// The remembered search answers as a fresh one, in any order of questions.
        #[test]
        fn next_byte_in_any_order(
            text in prop::collection::vec(prop::sample::select(&[b'}', b'x'][..]), 0..60),
            queries in prop::collection::vec(0usize..64, 0..40),
        ) {
            let mut next = NextByte::new(b'}');
            for p in queries {
                let p = p.min(text.len());
                let want = text[p..].iter().position(|&c| c == b'}').map(|i| p + i);
                prop_assert_eq!(next.find(&text, p), want);
            }
        }
    }
}

/// The scanners as they were before they were made linear: the reference the tests hold
/// the others to.
#[cfg(test)]
mod naive {
    use std::sync::Arc;

    use super::{Citation, Kind, Scan};
    use crate::diagnostic::LineIndex;
    use crate::model::Span;

    /// Scans a document for the keys it cites.
    pub(super) fn scan(text: &str, kind: Kind, file: Option<Arc<str>>) -> Scan {
        let mut found: Vec<(String, usize)> = Vec::new();
        let mut scan = Scan::default();
        match kind {
            Kind::Tex => tex(text, &mut found, &mut scan),
            Kind::Aux => aux(text, &mut found, &mut scan),
            Kind::Bcf => bcf(text, &mut found, &mut scan),
            Kind::Markdown => {
                let body = super::front_matter(text, &mut found, &mut scan);
                let mut rest = Vec::new();
                markdown(&text[body..], &mut rest);
                found.extend(rest.into_iter().map(|(k, at)| (k, at + body)));
            }
            // Written linear from the start: they are their own reference.
            Kind::Typst => super::typst(text, &mut found, &mut scan),
            Kind::Org => super::org(text, &mut found, &mut scan),
        }
        found.sort_by_key(|(_, at)| *at);
        found.dedup_by_key(|(_, at)| *at);
        let lines = LineIndex::new(text);
        scan.citations = found
            .into_iter()
            .map(|(key, at)| {
                let (line, column) = lines.line_col(text, at);
                Citation {
                    span: Span::new(at, at + key.len()),
                    key,
                    file: file.clone(),
                    line,
                    column,
                }
            })
            .collect();
        scan
    }

    /// Whether a command name cites keys: natbib's and biblatex's citation commands (any name
    /// with `cite` in it, such as `citet`, `parencite`, `Textcites`, `footfullcite`), except
    /// the few that configure citations.
    fn is_cite_command(name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        lower.contains("cite")
            && !matches!(
                lower.as_str(),
                "citestyle" | "citesetup" | "citereset" | "citetrackerfalse" | "citetrackertrue"
            )
            && !lower.starts_with("citename")
            && !lower.starts_with("citelist")
            && !lower.starts_with("citefield")
            || matches!(lower.as_str(), "nocite" | "citeauthor" | "fullcite")
    }

    /// Keys of a `{k1, k2}` list starting at `open` (the `{`): each key and its offset.
    fn key_list(text: &str, open: usize, out: &mut Vec<(String, usize)>, all: &mut bool) -> usize {
        let Some(close) = text[open + 1..].find('}').map(|i| open + 1 + i) else {
            return text.len();
        };
        let mut start = open + 1;
        for part in text[open + 1..close].split(',') {
            let lead = part.len() - part.trim_start().len();
            let key = part.trim();
            if key == "*" {
                *all = true;
            } else if !key.is_empty()
                && !key.contains(['\\', '#', '{'])
                && !key.contains(char::is_whitespace)
            {
                out.push((key.to_string(), start + lead));
            }
            start += part.len() + 1;
        }
        close + 1
    }

    /// Skips spaces and one newline (LaTeX reads optional arguments across a line break).
    fn skip_space(b: &[u8], mut i: usize) -> usize {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    }

    /// The end of a group that opens at `i` with `open` and closes with `close`, nested.
    pub(super) fn group_end(b: &[u8], i: usize, open: u8, close: u8) -> Option<usize> {
        let mut depth = 0;
        let mut j = i;
        while j < b.len() {
            match b[j] {
                b'\\' => j += 1,
                c if c == open => depth += 1,
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j + 1);
                    }
                }
                _ => {}
            }
            j += 1;
        }
        None
    }

    fn tex(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
        // The same blanking as the scanner's.
        let (code, _) = super::tex_code(text);
        let b = code.as_bytes();
        let mut i = 0;
        while let Some(p) = code[i..].find('\\') {
            let start = i + p + 1;
            let n = b[start..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .count();
            let name = &code[start..start + n];
            // Past the command's name, or past the one character of a control symbol.
            i = start
                + if n > 0 {
                    n
                } else {
                    code[start..].chars().next().map_or(0, char::len_utf8)
                };
            if n == 0 {
                continue;
            }
            match name {
                "bibliography" | "addbibresource" | "addglobalbib" | "addsectionbib" => {
                    let j = skip_optional(b, skip_space(b, i));
                    if b.get(j) == Some(&b'{') {
                        if let Some(end) = group_end(b, j, b'{', b'}') {
                            for r in code[j + 1..end - 1].split(',') {
                                let r = r.trim();
                                if r.is_empty() {
                                    continue;
                                }
                                let with_ext = if name == "bibliography" && !r.ends_with(".bib") {
                                    format!("{r}.bib")
                                } else {
                                    r.to_string()
                                };
                                scan.resources.push(with_ext);
                            }
                            i = end;
                        }
                    }
                    continue;
                }
                _ if !is_cite_command(name) => continue,
                _ => {}
            }
            let mut j = i;
            if b.get(j) == Some(&b'*') {
                j += 1;
            }
            let multi = name.ends_with("cites");
            if multi {
                // `\cites(pre)(post)[pre][post]{k1}[pre][post]{k2}…`
                for _ in 0..2 {
                    let k = skip_space(b, j);
                    if b.get(k) == Some(&b'(') {
                        match group_end(b, k, b'(', b')') {
                            Some(e) => j = e,
                            None => break,
                        }
                    }
                }
            }
            loop {
                j = skip_optional(b, skip_space(b, j));
                let k = skip_space(b, j);
                if b.get(k) != Some(&b'{') {
                    break;
                }
                j = key_list(&code, k, out, &mut scan.cites_all);
                if !multi {
                    break;
                }
            }
            i = j.max(i);
        }
    }

    /// Skips up to two `[…]` optional arguments.
    fn skip_optional(b: &[u8], mut j: usize) -> usize {
        for _ in 0..2 {
            let k = skip_space(b, j);
            if b.get(k) != Some(&b'[') {
                break;
            }
            match group_end(b, k, b'[', b']') {
                Some(e) => j = e,
                None => break,
            }
        }
        j
    }

    fn aux(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
        let mut consumed = 0;
        for (at, _) in text.match_indices("\\citation{") {
            if at < consumed {
                continue;
            }
            consumed = key_list(text, at + "\\citation".len(), out, &mut scan.cites_all);
        }
        // biblatex: `\abx@aux@cite{refsection}{key}` (older versions: `\abx@aux@cite{key}`).
        let mut consumed = 0;
        for (at, pat) in text.match_indices("\\abx@aux@cite{") {
            if at < consumed {
                continue;
            }
            let open = at + pat.len() - 1;
            let b = text.as_bytes();
            let Some(end) = group_end(b, open, b'{', b'}') else {
                continue;
            };
            consumed = if b.get(end) == Some(&b'{') {
                key_list(text, end, out, &mut scan.cites_all)
            } else {
                key_list(text, open, out, &mut scan.cites_all)
            };
        }
        let mut consumed = 0;
        for (at, pat) in text.match_indices("\\bibdata{") {
            if at < consumed {
                continue;
            }
            let open = at + pat.len() - 1;
            if let Some(end) = group_end(text.as_bytes(), open, b'{', b'}') {
                consumed = end;
                for r in text[open + 1..end - 1].split(',') {
                    let r = r.trim();
                    if !r.is_empty() {
                        scan.resources.push(format!("{r}.bib"));
                    }
                }
            }
        }
    }

    fn bcf(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
        let mut i = 0;
        while let Some(p) = text[i..].find("<bcf:citekey") {
            let tag = i + p;
            let Some(gt) = text[tag..].find('>').map(|g| tag + g + 1) else {
                break;
            };
            let Some(lt) = text[gt..].find('<').map(|l| gt + l) else {
                break;
            };
            let key = text[gt..lt].trim();
            if key == "*" {
                scan.cites_all = true;
            } else if !key.is_empty() {
                out.push((
                    key.to_string(),
                    gt + (text[gt..lt].len() - text[gt..lt].trim_start().len()),
                ));
            }
            i = lt;
        }
        let mut consumed = 0;
        for (at, pat) in text.match_indices("<bcf:datasource") {
            if at < consumed {
                continue;
            }
            let Some(gt) = text[at + pat.len()..]
                .find('>')
                .map(|g| at + pat.len() + g + 1)
            else {
                continue;
            };
            consumed = gt;
            if let Some(lt) = text[gt..].find('<').map(|l| gt + l) {
                let r = text[gt..lt].trim();
                if !r.is_empty() {
                    scan.resources.push(r.to_string());
                }
            }
        }
    }

    /// pandoc's citation syntax: `@key` where `@` does not follow a letter or digit (so e-mail
    /// addresses do not count), the key made of letters, digits, `_` and internal `:.#$%&-+?<>~/`;
    /// or `@{key}`. Code spans and fenced code blocks are skipped.
    fn markdown(text: &str, out: &mut Vec<(String, usize)>) {
        let mut in_fence: Option<&str> = None;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_start();
            let fence = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f));
            match (in_fence, fence) {
                (None, Some(f)) => {
                    in_fence = Some(f);
                    offset += line.len();
                    continue;
                }
                (Some(open), Some(f)) if open == f => {
                    in_fence = None;
                    offset += line.len();
                    continue;
                }
                (Some(_), _) => {
                    offset += line.len();
                    continue;
                }
                _ => {}
            }
            markdown_line(line, offset, out);
            offset += line.len();
        }
    }

    fn markdown_line(line: &str, offset: usize, out: &mut Vec<(String, usize)>) {
        let b = line.as_bytes();
        let mut i = 0;
        let mut in_code = false;
        while i < b.len() {
            match b[i] {
                b'`' => in_code = !in_code,
                b'\\' => i += 1,
                b'@' if !in_code => {
                    let prev_ok = i == 0 || {
                        let c = line[..i].chars().next_back().unwrap_or(' ');
                        !c.is_alphanumeric() && !matches!(c, '.' | '_' | '+')
                    };
                    if prev_ok {
                        if b.get(i + 1) == Some(&b'{') {
                            if let Some(end) = line[i + 2..].find('}') {
                                let key = &line[i + 2..i + 2 + end];
                                if !key.is_empty() {
                                    out.push((key.to_string(), offset + i + 2));
                                }
                                i += 3 + end;
                                continue;
                            }
                        }
                        let key_len = markdown_key_len(&line[i + 1..]);
                        if key_len > 0 {
                            out.push((line[i + 1..i + 1 + key_len].to_string(), offset + i + 1));
                            i += 1 + key_len;
                            continue;
                        }
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// The length of a pandoc citation key at the start of `s`: it starts with a letter, digit
    /// or `_`; internal punctuation `:.#$%&-+?<>~/` counts only when a key character follows.
    fn markdown_key_len(s: &str) -> usize {
        let mut end = 0;
        let mut chars = s.char_indices().peekable();
        match chars.peek() {
            Some((_, c)) if c.is_alphanumeric() || *c == '_' => {}
            _ => return 0,
        }
        while let Some((i, c)) = chars.next() {
            if c.is_alphanumeric() || c == '_' {
                end = i + c.len_utf8();
            } else if ":.#$%&-+?<>~/".contains(c) {
                match chars.peek() {
                    Some((_, n)) if n.is_alphanumeric() || *n == '_' => {}
                    _ => break,
                }
            } else {
                break;
            }
        }
        end
    }
}
