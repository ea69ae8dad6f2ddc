//! LaTeX ⇄ Unicode.
//!
//! [`decode`] turns the LaTeX found in bibliography fields into [`Text`]: accents in every
//! spelling (`\"o`, `\"{o}`, `{\"o}`, `\" o`, `\v c`), special letters (`\ss`, `\o`, `\l`,
//! `\i`), escapes (`\&`, `\%`, `\$`, `\_`, `\#`), text symbols (`\textendash`), and — when
//! [`DecodeOptions::ligatures`] is on — `--`, `---`, ``` `` ``` and `''`. Brace groups become
//! case-protected chunks, math (`$…$`) and commands bibkit does not know are kept verbatim.
//! A top-level brace group with commands inside (`{\bf Bold}`, `{Euro\TeX}`) is kept as
//! one raw chunk, so that its reach survives; [`render_raw`] and [`render_raw_csl`] read
//! it (font switches as CSL markup, protection as one `nocase` span).
//!
//! Math with a faithful text reads as it ([`math_text`]: `$\mu$` → `μ`, `H$_2$O` → `H₂O`,
//! `H<sub>2</sub>O` in CSL); the model keeps the math itself. The math symbols come from
//! the `unicodeit` crate's table (generated from the unicodeit project's list, which
//! follows `unicode-math`; MIT and LPPL-1.3c) rather than from a table of bibkit's own;
//! only `\langle`/`\rangle` are overridden (that table gives CJK brackets).
//! [`encode`] goes the other way, escaping what BibTeX needs escaped; with
//! [`EncodeOptions::ascii`] it writes LaTeX accents instead of UTF-8.
//!
//! ```
//! use bibkit::latex::{decode, encode, DecodeOptions, EncodeOptions};
//! let t = decode(r#"G{\"o}del's {NASA} and $O(n)$ at 50\%"#, &DecodeOptions::default());
//! assert_eq!(t.to_plain_string(), "Gödel's NASA and $O(n)$ at 50%");
//! assert_eq!(encode(&t, &EncodeOptions::default()), r#"Gödel's {NASA} and $O(n)$ at 50\%"#);
//! assert_eq!(
//!     encode(&t, &EncodeOptions { ascii: true }),
//!     r#"G{\"o}del's {NASA} and $O(n)$ at 50\%"#
//! );
//! ```
//!
//! Decoding never recurses on brace depth, so 100 000 nested braces cost no stack.

use unicode_normalization::UnicodeNormalization;

use crate::model::{Chunk, Text};

/// Options for [`decode`].
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    /// Turn `---`, `--`, ``` `` ``` and `''` into `—`, `–`, `“` and `”` (TeX's ligatures).
    /// On by default; off for text that is not meant as LaTeX source (scraped abstracts).
    pub ligatures: bool,
    /// Collapse runs of white space into one space and trim both ends. On by default.
    pub collapse_whitespace: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            ligatures: true,
            collapse_whitespace: true,
        }
    }
}

/// Options for [`encode`].
#[derive(Debug, Clone, Default)]
pub struct EncodeOptions {
    /// Write LaTeX commands (`{\"o}`, `--`) instead of non-ASCII characters where LaTeX has
    /// a spelling for them.
    pub ascii: bool,
}

/// The combining character for an accent command (`"` for `\"`, `v` for `\v`, …).
fn accent_mark(cmd: &str) -> Option<char> {
    Some(match cmd {
        "'" => '\u{301}',
        "`" => '\u{300}',
        "^" => '\u{302}',
        "\"" => '\u{308}',
        "~" => '\u{303}',
        "=" => '\u{304}',
        "." => '\u{307}',
        "u" => '\u{306}',
        "v" => '\u{30C}',
        "H" => '\u{30B}',
        "c" => '\u{327}',
        "k" => '\u{328}',
        "r" => '\u{30A}',
        "d" => '\u{323}',
        "b" => '\u{331}',
        "t" => '\u{361}',
        _ => return None,
    })
}

/// Commands that stand for one character or a short string.
fn symbol(cmd: &str) -> Option<&'static str> {
    Some(match cmd {
        "ss" => "ß",
        "SS" => "SS",
        "o" => "ø",
        "O" => "Ø",
        "l" => "ł",
        "L" => "Ł",
        "ae" => "æ",
        "AE" => "Æ",
        "oe" => "œ",
        "OE" => "Œ",
        "aa" => "å",
        "AA" => "Å",
        "i" => "ı",
        "j" => "ȷ",
        "dh" => "ð",
        "DH" => "Ð",
        "th" => "þ",
        "TH" => "Þ",
        "ng" => "ŋ",
        "NG" => "Ŋ",
        "dj" => "đ",
        "DJ" => "Đ",
        "textendash" => "–",
        "textemdash" => "—",
        "textquoteleft" => "‘",
        "textquoteright" => "’",
        "textquotedblleft" => "“",
        "textquotedblright" => "”",
        "textquotesingle" => "'",
        "textquotedbl" => "\"",
        "quotedblbase" => "„",
        "quotesinglbase" => "‚",
        "guillemotleft" | "guillemetleft" => "«",
        "guillemotright" | "guillemetright" => "»",
        "guilsinglleft" => "‹",
        "guilsinglright" => "›",
        "textasciitilde" => "~",
        "textasciicircum" => "^",
        "textbackslash" => "\\",
        "textbar" => "|",
        "textless" => "<",
        "textgreater" => ">",
        "textunderscore" => "_",
        "textbraceleft" => "{",
        "textbraceright" => "}",
        "textdollar" => "$",
        "textperiodcentered" => "·",
        "textbullet" => "•",
        "textdagger" | "dag" => "†",
        "textdaggerdbl" | "ddag" => "‡",
        "textsection" | "S" => "§",
        "textparagraph" | "P" => "¶",
        "copyright" | "textcopyright" => "©",
        "textregistered" => "®",
        "texttrademark" => "™",
        "pounds" | "textsterling" => "£",
        "euro" | "texteuro" => "€",
        "textyen" => "¥",
        "textcent" => "¢",
        "textdegree" => "°",
        "ldots" | "dots" | "textellipsis" => "…",
        "textexclamdown" => "¡",
        "textquestiondown" => "¿",
        "textordfeminine" => "ª",
        "textordmasculine" => "º",
        "textonehalf" => "½",
        "textonequarter" => "¼",
        "textthreequarters" => "¾",
        "texttimes" => "×",
        "textdiv" => "÷",
        "textpm" => "±",
        "textmu" => "µ",
        "textasciimacron" => "¯",
        "textnumero" => "№",
        _ => return None,
    })
}

/// What an accent sits on when its argument is a command: `\i` and `\j` are the dotless
/// letters an accent replaces the dot of, so they compose as `i` and `j`.
fn accent_base(cmd: &str) -> Option<String> {
    match cmd {
        "i" => Some("i".into()),
        "j" => Some("j".into()),
        _ => symbol(cmd)
            .filter(|s| s.chars().count() == 1)
            .map(str::to_string),
    }
}

/// Control symbols that are escapes for one character (`\&` → `&`) or produce nothing.
fn escape(c: char) -> Option<&'static str> {
    Some(match c {
        '&' => "&",
        '%' => "%",
        '$' => "$",
        '#' => "#",
        '_' => "_",
        '{' => "{",
        '}' => "}",
        ' ' | '\n' | '\t' | '\r' => " ",
        ',' | ';' | ':' => "\u{2009}",
        '-' | '/' | '@' => "",
        _ => return None,
    })
}

struct Decoder<'a> {
    src: &'a str,
    pos: usize,
    opts: &'a DecodeOptions,
    out: Text,
    /// One flag per open brace group: does it protect case? (Kept inline for the usual
    /// shallow nesting.)
    groups: smallvec::SmallVec<[bool; 16]>,
    protecting: usize,
    buf: String,
    buf_protected: bool,
    /// The last character emitted is a space (or nothing was emitted yet): with
    /// `collapse_whitespace`, a following space is dropped.
    prev_space: bool,
    table: &'static [Class; 256],
    /// The brace group open at the top level, while one is.
    top: Option<TopGroup>,
}

/// A brace group at the top level of a value: where it starts in the source and in the
/// output, and whether raw LaTeX was emitted inside it. Such a group becomes one raw chunk
/// of its source when it closes (`{Euro\TeX}`, `{\bf Bold}`), so that its braces, and with
/// them the case protection or the reach of a font switch, survive.
struct TopGroup {
    open: usize,
    mark: (usize, usize),
    raw: bool,
}

/// How the decoder treats a byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Copied as it is.
    Plain,
    /// Needs handling.
    Special,
    /// A space: special only next to other white space.
    Space,
}

/// The byte classes for a set of options, built at compile time.
const fn classes(ligatures: bool, collapse: bool) -> [Class; 256] {
    let mut t = [Class::Plain; 256];
    t[b'\\' as usize] = Class::Special;
    t[b'{' as usize] = Class::Special;
    t[b'}' as usize] = Class::Special;
    t[b'$' as usize] = Class::Special;
    t[b'~' as usize] = Class::Special;
    if ligatures {
        t[b'-' as usize] = Class::Special;
        t[b'`' as usize] = Class::Special;
        t[b'\'' as usize] = Class::Special;
    }
    if collapse {
        t[b'\t' as usize] = Class::Special;
        t[b'\n' as usize] = Class::Special;
        t[b'\r' as usize] = Class::Special;
        t[0x0b] = Class::Special;
        t[0x0c] = Class::Special;
        t[b' ' as usize] = Class::Space;
    }
    t
}

/// The class tables for each combination of (ligatures, collapse_whitespace).
static CLASSES: [[Class; 256]; 4] = [
    classes(false, false),
    classes(false, true),
    classes(true, false),
    classes(true, true),
];

/// Whether `text` needs NFC normalisation (ASCII and quick-checked NFC text do not).
fn needs_nfc(text: &str) -> bool {
    !text.is_ascii()
        && unicode_normalization::is_nfc_quick(text.chars())
            != unicode_normalization::IsNormalized::Yes
}

impl<'a> Decoder<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let mut s = std::mem::take(&mut self.buf);
        if needs_nfc(&s) {
            s = s.nfc().collect();
        }
        self.out.push(if self.buf_protected {
            Chunk::Protected(s)
        } else {
            Chunk::Plain(s)
        });
    }

    fn emit_str(&mut self, mut s: &str) {
        if self.opts.collapse_whitespace && self.prev_space {
            s = s.strip_prefix(' ').unwrap_or(s);
        }
        if s.is_empty() {
            return;
        }
        let protected = self.protecting > 0;
        if protected != self.buf_protected {
            self.flush();
            self.buf_protected = protected;
        }
        self.buf.push_str(s);
        self.prev_space = s.ends_with(' ');
    }

    fn emit_chunk(&mut self, mut c: Chunk) {
        self.flush();
        // Verbatim LaTeX is kept as written, in NFC like all text of the model.
        if let Chunk::Raw(s) | Chunk::Math(s) = &mut c {
            if needs_nfc(s) {
                *s = s.nfc().collect();
            }
        }
        self.prev_space = matches!(&c, Chunk::Raw(r) if r.ends_with(' '));
        if matches!(c, Chunk::Raw(_)) && !self.groups.is_empty() {
            if let Some(t) = &mut self.top {
                t.raw = true;
            }
        }
        self.out.push(c);
    }

    /// Makes the top-level group that just closed one raw chunk of its source, if raw
    /// LaTeX was emitted inside it. Only top-level groups are collapsed, so every byte is
    /// copied at most once more.
    fn close_top(&mut self) {
        let Some(t) = self.top.take() else { return };
        if !t.raw {
            return;
        }
        self.flush();
        self.out.truncate(t.mark);
        let src = &self.src[t.open..self.pos];
        self.emit_chunk(Chunk::Raw(src.to_string()));
    }

    /// Whether the byte at `i` needs more than copying.
    #[inline]
    fn special(&self, i: usize) -> bool {
        let b = self.src.as_bytes();
        match self.table[usize::from(b[i])] {
            Class::Plain => false,
            Class::Special => true,
            Class::Space => {
                self.prev_space_at(i) || b.get(i + 1).is_some_and(u8::is_ascii_whitespace)
            }
        }
    }

    /// A space at `i` that would follow an emitted space.
    fn prev_space_at(&self, i: usize) -> bool {
        self.prev_space && i == self.pos
    }

    /// Skips spaces after a control word (TeX eats them).
    fn skip_spaces(&mut self) {
        let rest = &self.src[self.pos..];
        let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        self.pos += rest.len() - trimmed.len();
    }

    /// If a balanced `{…}` group starts at the current position, returns its inner text
    /// and moves past it.
    fn take_group(&mut self) -> Option<&'a str> {
        let end = balanced_group_end(self.src, self.pos)?;
        let inner = &self.src[self.pos + 1..end - 1];
        self.pos = end;
        Some(inner)
    }

    /// Reads a control sequence name after a backslash at `self.pos - 1`.
    fn read_command(&mut self) -> &'a str {
        let rest = &self.src[self.pos..];
        let n = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        if n > 0 {
            self.pos += n;
            &rest[..n]
        } else if let Some(c) = rest.chars().next() {
            self.pos += c.len_utf8();
            &rest[..c.len_utf8()]
        } else {
            ""
        }
    }

    /// The argument of an accent command: a character, a group, or `\i`/`\j`.
    /// Returns `None` if it is not something an accent can sit on.
    fn accent_arg(&mut self, cmd_is_word: bool) -> Option<String> {
        let save = self.pos;
        if cmd_is_word || self.peek() == Some(' ') {
            self.skip_spaces();
        }
        // `\'{}\i`, an old spelling of `\'\i`: the accent goes on what follows.
        if self.src[self.pos..].starts_with("{}") {
            let after = &self.src[self.pos + 2..];
            if let Some(cmd) = after.strip_prefix('\\') {
                let n = cmd.bytes().take_while(u8::is_ascii_alphabetic).count();
                if let Some(base) = accent_base(&cmd[..n]) {
                    self.pos += 3 + n;
                    return Some(base);
                }
            }
        }
        let arg = match self.peek()? {
            '{' => {
                let inner = self.take_group()?;
                let inner = inner.trim();
                if let Some(cmd) = inner.strip_prefix('\\') {
                    match accent_base(cmd.trim()) {
                        Some(s) => s,
                        None => {
                            self.pos = save;
                            return None;
                        }
                    }
                } else if inner.chars().all(|c| c.is_alphabetic()) && !inner.is_empty() {
                    inner.to_string()
                } else {
                    self.pos = save;
                    return None;
                }
            }
            '\\' => {
                self.pos += 1;
                let cmd = self.read_command();
                match accent_base(cmd) {
                    Some(s) => {
                        if self.src[self.pos..].starts_with("{}") {
                            self.pos += 2;
                        }
                        s
                    }
                    _ => {
                        self.pos = save;
                        return None;
                    }
                }
            }
            c if c.is_alphanumeric() => {
                self.pos += c.len_utf8();
                c.to_string()
            }
            _ => {
                self.pos = save;
                return None;
            }
        };
        Some(arg)
    }

    fn command(&mut self, start: usize) {
        let cmd = self.read_command();
        if cmd.is_empty() {
            // A lone backslash at the end is a backslash.
            self.emit_str("\\");
            return;
        }
        let is_word = cmd.as_bytes()[0].is_ascii_alphabetic();
        if let Some(mark) = accent_mark(cmd) {
            if let Some(arg) = self.accent_arg(is_word) {
                // The letter with its accent, precomposed where Unicode has the character,
                // so the text is usually NFC already.
                let mut chars = arg.chars();
                if let Some(first) = chars.next() {
                    let mut buf = [0u8; 8];
                    let n = match unicode_normalization::char::compose(first, mark) {
                        Some(c) => c.encode_utf8(&mut buf).len(),
                        None => {
                            let a = first.encode_utf8(&mut buf).len();
                            a + mark.encode_utf8(&mut buf[a..]).len()
                        }
                    };
                    self.emit_str(std::str::from_utf8(&buf[..n]).unwrap_or_default());
                }
                self.emit_str(chars.as_str());
                return;
            }
            self.pos = start;
            self.raw_command();
            return;
        }
        if !is_word {
            let c = cmd.chars().next().unwrap_or(' ');
            if let Some(s) = escape(c) {
                self.emit_str(s);
            } else {
                // `\\`, `\!` and other control symbols: keep them.
                self.emit_chunk(Chunk::Raw(format!("\\{cmd}")));
            }
            return;
        }
        if let Some(s) = symbol(cmd) {
            // `\ss{}` and `\ss ` both end the control word.
            if self.src[self.pos..].starts_with("{}") {
                self.pos += 2;
            } else {
                self.skip_spaces();
            }
            self.emit_str(s);
            return;
        }
        self.pos = start;
        self.raw_command();
    }

    /// Keeps `\name` (or `\x`) and the argument groups that follow it verbatim.
    fn raw_command(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let cmd = self.read_command();
        let is_word = cmd.as_bytes().first().is_some_and(u8::is_ascii_alphabetic);
        // `\verb|…|`, `\path|…|`: the argument runs to the next delimiter, verbatim.
        if matches!(cmd, "verb" | "path" | "url" | "nolinkurl") {
            if let Some(d) = self.peek().filter(|c| {
                c.is_ascii_punctuation() && !matches!(c, '{' | '}' | '[' | ']' | '*' | '\\')
            }) {
                let body = self.pos + d.len_utf8();
                if let Some(k) = self.src[body..].find(d) {
                    self.pos = body + k + d.len_utf8();
                    self.emit_chunk(Chunk::Raw(self.src[start..self.pos].to_string()));
                    return;
                }
            }
        }
        // Known commands take their own number of arguments; others every group that
        // follows (their arity is unknown).
        let mut left = arity(cmd).unwrap_or(usize::MAX);
        if left == 0 && self.src[self.pos..].starts_with("{}") {
            self.pos += 2;
        }
        loop {
            let rest = &self.src[self.pos..];
            if rest.starts_with('{') && left > 0 {
                match balanced_group_end(self.src, self.pos) {
                    Some(end) => {
                        self.pos = end;
                        left -= 1;
                    }
                    None => break,
                }
            } else if rest.starts_with('[') {
                match bracket_end(rest) {
                    Some(i) => self.pos += i,
                    None => break,
                }
            } else {
                break;
            }
        }
        let mut raw = self.src[start..self.pos].to_string();
        // A control word swallows the spaces after it; keep one so words stay apart.
        if is_word && self.pos == start + 1 + cmd.len() {
            let before = self.pos;
            self.skip_spaces();
            if self.pos > before {
                raw.push(' ');
            }
        }
        self.emit_chunk(Chunk::Raw(raw));
    }

    fn run(mut self) -> Text {
        let len = self.src.len();
        while self.pos < len {
            let start = self.pos;
            if !self.special(start) {
                // The run of bytes to copy: plain bytes, and single spaces between them.
                let bytes = self.src.as_bytes();
                let table = self.table;
                let mut end = start + 1;
                loop {
                    while end < len && table[usize::from(bytes[end])] == Class::Plain {
                        end += 1;
                    }
                    if end + 1 < len
                        && table[usize::from(bytes[end])] == Class::Space
                        && !bytes[end + 1].is_ascii_whitespace()
                    {
                        end += 1;
                        continue;
                    }
                    break;
                }
                self.pos = end;
                self.emit_str(&self.src[start..end]);
                continue;
            }
            let c = self.src.as_bytes()[start];
            match c {
                b'\\' => {
                    self.pos += 1;
                    self.command(start);
                }
                b'{' => {
                    self.pos += 1;
                    if self.groups.is_empty() {
                        self.flush();
                        self.top = Some(TopGroup {
                            open: start,
                            mark: self.out.mark(),
                            raw: false,
                        });
                    }
                    // A group at the top level that starts with a command is a BibTeX
                    // "special character": it does not protect case.
                    let special = self.groups.is_empty() && self.peek() == Some('\\');
                    let protects = !special;
                    self.groups.push(protects);
                    if protects {
                        self.protecting += 1;
                    }
                }
                b'}' => {
                    self.pos += 1;
                    match self.groups.pop() {
                        Some(true) => self.protecting -= 1,
                        Some(false) => {}
                        None => self.emit_str("}"),
                    }
                    if self.groups.is_empty() {
                        self.close_top();
                    }
                }
                b'$' => {
                    let display = self.src[self.pos..].starts_with("$$");
                    let delim = if display { "$$" } else { "$" };
                    let body_start = self.pos + delim.len();
                    match find_math_end(&self.src[body_start..], delim) {
                        Some(n) => {
                            let body = &self.src[body_start..body_start + n];
                            self.pos = body_start + n + delim.len();
                            if display {
                                self.emit_chunk(Chunk::Raw(format!("$${body}$$")));
                            } else {
                                self.emit_chunk(Chunk::Math(body.to_string()));
                            }
                        }
                        None => {
                            self.pos += 1;
                            self.emit_str("$");
                        }
                    }
                }
                b'~' => {
                    self.pos += 1;
                    self.emit_str("\u{a0}");
                }
                b'-' => {
                    let n = self.src[self.pos..]
                        .bytes()
                        .take_while(|&b| b == b'-')
                        .count();
                    self.pos += n;
                    match n {
                        1 => self.emit_str("-"),
                        2 => self.emit_str("–"),
                        3 => self.emit_str("—"),
                        _ => self.emit_str(&"-".repeat(n)),
                    }
                }
                b'`' if self.src[self.pos..].starts_with("``") => {
                    self.pos += 2;
                    self.emit_str("“");
                }
                b'\'' if self.src[self.pos..].starts_with("''") => {
                    self.pos += 2;
                    self.emit_str("”");
                }
                b'`' | b'\'' => {
                    self.pos += 1;
                    self.emit_str(if c == b'`' { "`" } else { "'" });
                }
                _ => {
                    // White space: one space for the run.
                    let rest = &self.src[self.pos..];
                    let trimmed = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
                    self.pos += (rest.len() - trimmed.len()).max(1);
                    if !self.prev_space {
                        self.emit_str(" ");
                    }
                }
            }
        }
        self.flush();
        let mut out = self.out;
        if self.opts.collapse_whitespace {
            out.trim_end();
        }
        out
    }
}

/// The end (one past the closing brace) of the balanced group opening at `start`.
fn balanced_group_end(src: &str, start: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    debug_assert_eq!(bytes.get(start), Some(&b'{'));
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The end (one past `]`) of an optional argument `[…]` at the start of `s`: the `]` must
/// be outside braces, and no brace may close below the argument's own level.
fn bracket_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in s.bytes().enumerate().skip(1) {
        match b {
            b'{' => depth += 1,
            b'}' => depth = depth.checked_sub(1)?,
            b']' if depth == 0 => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Length of the math body before the closing `delim`, skipping escaped dollars.
/// The closing `delim` must be at the brace depth math started at, and no brace group may
/// close below it, so a math body always has balanced braces.
fn find_math_end(s: &str, delim: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            b'$' if depth == 0 && s[i..].starts_with(delim) => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Decodes LaTeX source into Unicode [`Text`] (NFC).
///
/// ```
/// use bibkit::latex::{decode, DecodeOptions};
/// let o = DecodeOptions::default();
/// assert_eq!(decode(r"Fu{\v{c}}kar", &o).to_plain_string(), "Fučkar");
/// assert_eq!(decode(r"\c c and \'{\i}", &o).to_plain_string(), "ç and í");
/// assert_eq!(decode("pages 1--2", &o).to_plain_string(), "pages 1–2");
/// let raw = DecodeOptions { ligatures: false, ..o };
/// assert_eq!(decode("1--2", &raw).to_plain_string(), "1--2");
/// ```
pub fn decode(src: &str, opts: &DecodeOptions) -> Text {
    Decoder {
        src,
        pos: 0,
        opts,
        out: Text::new(),
        groups: smallvec::SmallVec::new(),
        protecting: 0,
        buf: String::with_capacity(src.len()),
        buf_protected: false,
        prev_space: true,
        table: &CLASSES[usize::from(opts.ligatures) * 2 + usize::from(opts.collapse_whitespace)],
        top: None,
    }
    .run()
}

/// A URL, DOI or eprint identifier with the LaTeX escapes exporters put in verbatim fields
/// undone: `\_`, `{\_}`, `\&`, `\#`, `\%`, `\$` and `\~{}` (DBLP, Mendeley and others write
/// them, but biblatex reads these fields verbatim, so the backslash would be part of the
/// address). Anything else is kept as written; one pass, so the cost is linear.
///
/// ```
/// use bibkit::latex::unescape_verbatim;
/// assert_eq!(unescape_verbatim(r"10.1007/3-540-48749-2\_2"), "10.1007/3-540-48749-2_2");
/// assert_eq!(
///     unescape_verbatim(r"https://example.org/A{\_}B.PDF?a=1\&b=2\#x"),
///     "https://example.org/A_B.PDF?a=1&b=2#x"
/// );
/// assert_eq!(unescape_verbatim("https://example.org/~me"), "https://example.org/~me");
/// ```
pub fn unescape_verbatim(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\\') {
        return std::borrow::Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        // `{\_}`, `\_`, `\~{}`, `{\~{}}`: (start, length, replacement).
        let braced = b[i] == b'{' && b.get(i + 1) == Some(&b'\\');
        let at = if braced { i + 1 } else { i };
        if b[at] != b'\\' {
            i += 1;
            continue;
        }
        let (len, rep) = match b.get(at + 1) {
            Some(c @ (b'_' | b'&' | b'#' | b'%' | b'$')) => (2, *c as char),
            Some(b'~') if s[at + 2..].starts_with("{}") => (4, '~'),
            _ => {
                i = at + 1;
                continue;
            }
        };
        let end = at + len;
        let end = match braced {
            true if b.get(end) == Some(&b'}') => end + 1,
            // `{\_` without its closing brace: only the escape is undone.
            true => {
                out.push_str(&s[copied..at]);
                out.push(rep);
                copied = end;
                i = end;
                continue;
            }
            false => end,
        };
        out.push_str(&s[copied..i]);
        out.push(rep);
        copied = end;
        i = end;
    }
    out.push_str(&s[copied..]);
    std::borrow::Cow::Owned(out)
}

/// The Unicode character a math symbol command stands for (`alpha` → `α`, `leq` → `≤`),
/// from the symbol table of the `unicodeit` crate (generated from the unicodeit project's
/// list, which follows the `unicode-math` names), so that bibkit does not keep a table of
/// its own. `None` when the command has no Unicode form there.
fn math_symbol(cmd: &str) -> Option<String> {
    // The table maps `\langle`/`\rangle` to CJK angle brackets (U+3008, U+3009), which
    // are wide punctuation; unicode-math's mathematical ones are meant.
    match cmd {
        "langle" => return Some("⟨".into()),
        "rangle" => return Some("⟩".into()),
        _ => {}
    }
    let r = unicodeit::replace_optimized(&format!("\\{cmd}"));
    // A command without an entry stays; one whose name only starts with an entry's
    // (`\lequiv`) keeps letters.
    let whole = !r.is_empty() && !r.contains(|c: char| c.is_ascii_alphanumeric() || c == '\\');
    whole.then_some(r)
}

/// The Unicode superscript (`^`) or subscript (`_`) form of `c`, from the same table.
fn script_char(mark: char, c: char) -> Option<String> {
    let mut src = String::with_capacity(5);
    src.push(mark);
    src.push(c);
    let r = unicodeit::replace_optimized(&src);
    (r != src && r.chars().count() == 1).then_some(r)
}

/// The text of math that has a faithful one (`\mu` → `μ`, `\pm` → `±`, `_2` → `₂`, or
/// `<sub>2</sub>` when `csl`), or `None` when it has not: a Latin letter outside a
/// script or `\mathrm{…}` (a variable, set in italics), a command without a Unicode form,
/// or a structure (`\frac`, `&`) text cannot hold. Math keeps its spaces as one.
///
/// ```
/// use bibkit::latex::math_text;
/// assert_eq!(math_text(r"\mu", false).as_deref(), Some("μ"));
/// assert_eq!(math_text(r"\langle", false).as_deref(), Some("⟨"));
/// assert_eq!(math_text("_2", false).as_deref(), Some("₂"));
/// assert_eq!(math_text("_2", true).as_deref(), Some("<sub>2</sub>"));
/// assert_eq!(math_text(r"10^{-3}", false).as_deref(), Some("10⁻³"));
/// assert_eq!(math_text(r"\overline{1}", false).as_deref(), Some("1\u{305}"));
/// assert_eq!(math_text("O(n)", false), None);
/// assert_eq!(math_text(r"\frac{1}{2}", false), None);
/// ```
pub fn math_text(body: &str, csl: bool) -> Option<String> {
    let mut out = String::new();
    math_into(body, csl, false, 0, &mut out)?;
    Some(out.trim().to_string()).filter(|s| !s.is_empty())
}

/// Appends the text of math `src` (see [`math_text`]); `letters`: Latin letters are text
/// here (in a script or `\mathrm`). Each level reads its part once, and levels are bounded,
/// so the cost is linear.
fn math_into(src: &str, csl: bool, letters: bool, depth: usize, out: &mut String) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    let b = src.as_bytes();
    let mut i = 0;
    let mut space = false;
    let push = |out: &mut String, space: &mut bool, s: &str| {
        if std::mem::take(space) && !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(s);
    };
    while i < b.len() {
        let c = src[i..].chars().next()?;
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                space = true;
                i += 1;
            }
            '{' => {
                let end = balanced_group_end(src, i)?;
                let mut inner = String::new();
                math_into(&src[i + 1..end - 1], csl, letters, depth + 1, &mut inner)?;
                push(out, &mut space, &inner);
                i = end;
            }
            '^' | '_' => {
                // The script's argument: a group, a command or one character.
                let at = i + 1;
                let rest = src.get(at..)?;
                let (arg, end) = if rest.starts_with('{') {
                    let end = balanced_group_end(src, at)?;
                    (&src[at + 1..end - 1], end)
                } else if let Some(cmd) = rest.strip_prefix('\\') {
                    let n = cmd
                        .bytes()
                        .take_while(u8::is_ascii_alphabetic)
                        .count()
                        .max(1);
                    let n = cmd.get(..n).map_or(0, str::len);
                    (&src[at..at + 1 + n], at + 1 + n)
                } else {
                    let ch = rest.chars().next()?;
                    if matches!(ch, '^' | '_' | '}' | '$') {
                        return None;
                    }
                    (&src[at..at + ch.len_utf8()], at + ch.len_utf8())
                };
                let mut text = String::new();
                math_into(arg, csl, true, depth + 1, &mut text)?;
                let text = text.trim();
                if text.is_empty() {
                    return None;
                }
                let piece = if csl {
                    let tag = if c == '^' { "sup" } else { "sub" };
                    format!("<{tag}>{text}</{tag}>")
                } else {
                    // Unicode scripts where every character has one; plain text if not.
                    text.chars()
                        .map(|ch| script_char(c, ch))
                        .collect::<Option<String>>()
                        .unwrap_or_else(|| text.to_string())
                };
                push(out, &mut space, &piece);
                i = end;
            }
            '\\' => {
                let rest = &src[i + 1..];
                let n = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
                if n == 0 {
                    let ch = rest.chars().next()?;
                    let piece = match ch {
                        '{' | '}' | '%' | '#' | '$' | '_' | '&' => ch.to_string(),
                        ',' | ':' | ';' | ' ' => " ".to_string(),
                        '!' | '/' => String::new(),
                        _ => return None,
                    };
                    push(out, &mut space, &piece);
                    i += 1 + ch.len_utf8();
                    continue;
                }
                let cmd = &rest[..n];
                i += 1 + n;
                match cmd {
                    // Upright text: its letters are text.
                    "mathrm" | "text" | "textrm" | "mathup" | "rm" | "mbox" | "mathit"
                    | "textit" | "mathbf" | "textbf" => {
                        if src[i..].starts_with('{') {
                            let end = balanced_group_end(src, i)?;
                            let mut inner = String::new();
                            math_into(&src[i + 1..end - 1], csl, true, depth + 1, &mut inner)?;
                            push(out, &mut space, &inner);
                            i = end;
                        }
                    }
                    // An overline over each character (Miller indices: `\overline{1}`).
                    "overline" | "bar" => {
                        let (arg, end) = if src[i..].starts_with('{') {
                            let end = balanced_group_end(src, i)?;
                            (&src[i + 1..end - 1], end)
                        } else {
                            let n = src[i..].chars().next()?.len_utf8();
                            (&src[i..i + n], i + n)
                        };
                        let mut inner = String::new();
                        math_into(arg, csl, letters, depth + 1, &mut inner)?;
                        let lined: String = inner.chars().flat_map(|ch| [ch, '\u{305}']).collect();
                        push(out, &mut space, &lined);
                        i = end;
                    }
                    "left" | "right" | "big" | "Big" | "bigl" | "bigr" | "Bigl" | "Bigr" => {}
                    "slash" => push(out, &mut space, "/"),
                    _ => {
                        let sym = math_symbol(cmd)?;
                        push(out, &mut space, &sym);
                    }
                }
            }
            '&' | '#' | '$' | '}' | '~' | '%' => return None,
            '<' if csl => {
                push(out, &mut space, "&lt;");
                i += 1;
            }
            c if c.is_ascii_alphabetic() && !letters => return None,
            '\'' => {
                push(out, &mut space, "′");
                i += 1;
            }
            c => {
                let mut buf = [0u8; 4];
                push(out, &mut space, c.encode_utf8(&mut buf));
                i += c.len_utf8();
            }
        }
    }
    if space && !out.is_empty() {
        out.push(' ');
    }
    Some(())
}

/// The journal an AASTeX journal macro stands for (`\apj` → `ApJ`), as ADS and AASTeX
/// exports write them in `journal`: the abbreviations those journals use for themselves
/// (the list of the macros is AASTeX's; the abbreviations are the journals' standard ones).
///
/// ```
/// use bibkit::latex::aas_journal;
/// assert_eq!(aas_journal("apj"), Some("ApJ"));
/// assert_eq!(aas_journal("aap"), Some("A&A"));
/// assert_eq!(aas_journal("prd"), Some("Phys. Rev. D"));
/// assert_eq!(aas_journal("emph"), None);
/// ```
pub fn aas_journal(cmd: &str) -> Option<&'static str> {
    Some(match cmd {
        "aj" => "AJ",
        "actaa" => "Acta Astron.",
        "araa" => "ARA&A",
        "apj" => "ApJ",
        "apjl" | "apjlett" => "ApJL",
        "apjs" | "apjsupp" => "ApJS",
        "ao" | "applopt" => "Appl. Opt.",
        "apss" => "Ap&SS",
        "aap" | "astap" => "A&A",
        "aapr" => "A&A Rv",
        "aaps" => "A&AS",
        "azh" => "AZh",
        "baas" => "BAAS",
        "bac" => "Bull. Astron. Inst. Czechoslovakia",
        "caa" => "Chinese Astron. Astrophys.",
        "cjaa" => "Chinese J. Astron. Astrophys.",
        "icarus" => "Icarus",
        "jcap" => "J. Cosmology Astropart. Phys.",
        "jrasc" => "JRASC",
        "memras" => "MmRAS",
        "mnras" => "MNRAS",
        "na" => "New A",
        "nar" => "New A Rev.",
        "pra" => "Phys. Rev. A",
        "prb" => "Phys. Rev. B",
        "prc" => "Phys. Rev. C",
        "prd" => "Phys. Rev. D",
        "pre" => "Phys. Rev. E",
        "prl" => "Phys. Rev. Lett.",
        "pasa" => "PASA",
        "pasp" => "PASP",
        "pasj" => "PASJ",
        "psj" => "PSJ",
        "qjras" => "QJRAS",
        "rmxaa" => "Rev. Mexicana Astron. Astrofis.",
        "skytel" => "S&T",
        "solphys" => "Sol. Phys.",
        "sovast" => "Soviet Ast.",
        "ssr" => "Space Sci. Rev.",
        "zap" => "ZAp",
        "nat" => "Nature",
        "iaucirc" => "IAU Circ.",
        "aplett" => "Astrophys. Lett.",
        "apspr" => "Astrophys. Space Phys. Res.",
        "bain" => "Bull. Astron. Inst. Netherlands",
        "fcp" => "Fund. Cosmic Phys.",
        "gca" => "Geochim. Cosmochim. Acta",
        "grl" => "Geophys. Res. Lett.",
        "jcp" => "J. Chem. Phys.",
        "jgr" => "J. Geophys. Res.",
        "jqsrt" => "J. Quant. Spectrosc. Radiat. Transfer",
        "memsai" => "Mem. Soc. Astron. Italiana",
        "nphysa" => "Nucl. Phys. A",
        "physrep" => "Phys. Rep.",
        "physscr" => "Phys. Scr.",
        "planss" => "Planet. Space Sci.",
        "procspie" => "Proc. SPIE",
        _ => return None,
    })
}

/// The AASTeX journal macro a whole text is (`\apj`, also braced or followed by `{}`), with
/// the journal it stands for.
///
/// ```
/// use bibkit::latex::{decode, journal_macro, DecodeOptions};
/// let t = decode(r"\mnras", &DecodeOptions::default());
/// assert_eq!(journal_macro(&t), Some(("mnras", "MNRAS")));
/// assert_eq!(journal_macro(&decode("MNRAS", &DecodeOptions::default())), None);
/// ```
pub fn journal_macro(t: &Text) -> Option<(&str, &'static str)> {
    let [Chunk::Raw(r)] = t.chunks() else {
        return None;
    };
    let r = r.trim();
    let r = r
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(r)
        .trim();
    let name = raw_command_name(r)?;
    let rest = r[1 + name.len()..].trim_start_matches("{}");
    if !rest.trim().is_empty() {
        return None;
    }
    Some((name, aas_journal(name)?))
}

/// The commands of a text that bibkit does not know, in order and each once: they reach
/// the output as written. Control symbols (`\\`, `\!`) and commands inside math do not
/// count; raw groups are looked into (to a bounded depth).
///
/// ```
/// use bibkit::latex::{decode, unknown_commands, DecodeOptions};
/// let t = decode(r"The \foo{} and {\bar x} of \emph{y} $\alpha$ \foo", &DecodeOptions::default());
/// assert_eq!(unknown_commands(&t), vec!["foo", "bar"]);
/// ```
pub fn unknown_commands(t: &Text) -> Vec<String> {
    let mut out = Vec::new();
    unknown_in(t.chunks(), 0, &mut out);
    out
}

fn unknown_in(chunks: &[Chunk], depth: usize, out: &mut Vec<String>) {
    for c in chunks {
        let Chunk::Raw(r) = c else { continue };
        if let Some(inner) = r.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            if depth < MAX_DEPTH {
                unknown_in(
                    decode(inner, &DecodeOptions::default()).chunks(),
                    depth + 1,
                    out,
                );
            }
            continue;
        }
        let Some(name) = raw_command_name(r) else {
            continue;
        };
        let word = name.bytes().all(|b| b.is_ascii_alphabetic());
        let known = !word
            || arity(name).is_some()
            || accent_mark(name).is_some()
            || symbol(name).is_some()
            || aas_journal(name).is_some();
        if !known && out.len() < 8 && !out.iter().any(|o| o == name) {
            out.push(name.to_string());
        }
    }
}

/// Logos and commands whose plain-text reading is fixed.
fn logo(cmd: &str) -> Option<&'static str> {
    Some(match cmd {
        "TeX" => "TeX",
        "LaTeX" => "LaTeX",
        "LaTeXe" => "LaTeX2ε",
        "BibTeX" => "BibTeX",
        "XeTeX" => "XeTeX",
        "XeLaTeX" => "XeLaTeX",
        "LuaTeX" => "LuaTeX",
        "LuaLaTeX" => "LuaLaTeX",
        "pdfTeX" => "pdfTeX",
        "pdfLaTeX" => "pdfLaTeX",
        "eTeX" => "ε-TeX",
        "ConTeXt" => "ConTeXt",
        "AmS" | "AMS" => "AMS",
        "AmSTeX" => "AMS-TeX",
        "AmSLaTeX" => "AMS-LaTeX",
        "MF" => "METAFONT",
        "MP" => "METAPOST",
        "slash" => "/",
        "relax" | "noindent" | "protect" | "nobreak" | "unskip" | "hfill" | "hfil" | "/" => "",
        "par" | "newline" | "\\" | "linebreak" | "quad" | "qquad" | "space" => " ",
        _ => return None,
    })
}

/// How many braced arguments a command takes, for the commands bibkit knows.
fn arity(cmd: &str) -> Option<usize> {
    if logo(cmd).is_some() || font_switch(cmd, Style::default()).is_some() {
        return Some(0);
    }
    Some(match cmd {
        "href" | "textcolor" => 2,
        _ => {
            text_argument(cmd)?;
            1
        }
    })
}

/// How many arguments of a known command are its visible text (`\href{url}{text}` shows
/// its second), or `None` when the command is not one whose text is its argument.
fn text_argument(cmd: &str) -> Option<usize> {
    Some(match cmd {
        "emph" | "textit" | "textbf" | "textsc" | "textsl" | "textup" | "texttt" | "textrm"
        | "textsf" | "textmd" | "textnormal" | "mbox" | "hbox" | "text" | "mkbibemph"
        | "mkbibitalic" | "mkbibbold" | "textsuperscript" | "textsubscript"
        | "mkbibsuperscript" | "url" | "nolinkurl" | "path" | "verb" | "doi" | "rlap" | "llap"
        | "uppercase" | "lowercase" | "MakeUppercase" | "MakeLowercase" | "ensuremath"
        | "underline" | "textcolor" | "enquote" | "mkbibquote" | "citetitle" | "NoCaseChange"
        | "nocase" => 1,
        "href" => 2,
        "noopsort" | "sortname" | "nocite" | "index" | "label" | "footnote" => 0,
        _ => return None,
    })
}

/// The plain-text reading of a raw LaTeX chunk: logos by their names (`\TeX` → `TeX`),
/// formatting commands by their text (`\emph{x}` → `x`, `\href{u}{t}` → `t`), font switches
/// by nothing (`{\bf Bold}` → `Bold`), sorting tricks by nothing (`\noopsort{1973b}`); any
/// other command stays as written.
///
/// ```
/// use bibkit::latex::render_raw;
/// assert_eq!(render_raw(r"\TeX{}"), "TeX");
/// assert_eq!(render_raw(r#"\emph{Gr\"{o}\ss e}"#), "Größe");
/// assert_eq!(render_raw(r"\path|a~b|"), "a~b");
/// assert_eq!(render_raw(r"{\bf Bold}"), "Bold");
/// assert_eq!(render_raw(r"{Euro\TeX}"), "EuroTeX");
/// assert_eq!(render_raw(r"\cite{knuth}"), r"\cite{knuth}");
/// ```
pub fn render_raw(raw: &str) -> String {
    render_raw_at(raw, 0, Mode::PLAIN)
}

/// Like [`render_raw`], with the formatting CSL-JSON can hold kept as its markup: `<i>` for
/// `\emph`, `\textit`, `{\it …}` and `\itshape`, `<b>` for `\textbf`, `{\bf …}` and
/// `\bfseries`, small capitals for `\textsc`, `{\sc …}` and `\scshape`, `<sup>` and `<sub>`,
/// and a case-protecting group as `<span class="nocase">`.
///
/// ```
/// use bibkit::latex::render_raw_csl;
/// assert_eq!(render_raw_csl(r"\emph{Homo sapiens}"), "<i>Homo sapiens</i>");
/// assert_eq!(render_raw_csl(r"\textsc{Unix}"), r#"<span style="font-variant:small-caps;">Unix</span>"#);
/// assert_eq!(render_raw_csl(r"{\bf Bold}"), "<b>Bold</b>");
/// assert_eq!(render_raw_csl(r"{Euro\TeX}"), r#"<span class="nocase">EuroTeX</span>"#);
/// assert_eq!(render_raw_csl(r"\TeX"), "TeX");
/// ```
pub fn render_raw_csl(raw: &str) -> String {
    render_raw_at(raw, 0, Mode::CSL)
}

/// [`render_raw_csl`], with case-protected text as plain text unless `nocase` (CSL keeps
/// `nocase` spans only in titles).
pub(crate) fn render_raw_csl_with(raw: &str, nocase: bool) -> String {
    render_raw_at(raw, 0, Mode { csl: true, nocase })
}

/// How raw LaTeX is rendered: as plain text or as CSL markup (with or without `nocase`
/// spans for case-protected text).
#[derive(Clone, Copy)]
struct Mode {
    csl: bool,
    nocase: bool,
}

impl Mode {
    const PLAIN: Mode = Mode {
        csl: false,
        nocase: false,
    };
    const CSL: Mode = Mode {
        csl: true,
        nocase: true,
    };
}

/// How deep raw chunks inside raw chunks are rendered; deeper ones stay as written (each
/// level reads its text once more, so this bounds the cost at a constant times the size).
const MAX_DEPTH: usize = 16;

/// The font style CSL markup can express, as font switches set it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Style {
    bold: bool,
    italic: bool,
    smallcaps: bool,
}

impl Style {
    /// The CSL tags that open this style.
    pub(crate) fn open(self) -> String {
        let mut s = String::new();
        if self.bold {
            s.push_str("<b>");
        }
        if self.italic {
            s.push_str("<i>");
        }
        if self.smallcaps {
            s.push_str("<span style=\"font-variant:small-caps;\">");
        }
        s
    }

    /// The CSL tags that close this style (as [`Style::open`] opened it).
    pub(crate) fn close(self) -> String {
        let mut s = String::new();
        if self.smallcaps {
            s.push_str("</span>");
        }
        if self.italic {
            s.push_str("</i>");
        }
        if self.bold {
            s.push_str("</b>");
        }
        s
    }

    /// The style after the raw chunk `raw` when it is a font switch (`\bf `, `\itshape{}`).
    pub(crate) fn after(self, raw: &str) -> Option<Style> {
        let name = raw_command_name(raw)?;
        let rest = raw[1 + name.len()..].trim_start_matches("{}");
        if !rest.trim().is_empty() {
            return None;
        }
        font_switch(name, self)
    }
}

/// The style after font switch `cmd`: the old switches (`\bf`, `\it`, `\sc`, …) set the
/// whole style, as in LaTeX 2.09; the declarations (`\bfseries`, `\itshape`, …) one axis.
/// `\tt`, `\sf` and the family declarations have no CSL markup.
fn font_switch(cmd: &str, s: Style) -> Option<Style> {
    let plain = Style::default();
    Some(match cmd {
        "bf" => Style {
            bold: true,
            ..plain
        },
        "it" | "sl" => Style {
            italic: true,
            ..plain
        },
        "sc" => Style {
            smallcaps: true,
            ..plain
        },
        "rm" | "sf" | "tt" | "normalfont" => plain,
        "em" => Style {
            italic: !s.italic,
            ..s
        },
        "bfseries" => Style { bold: true, ..s },
        "mdseries" => Style { bold: false, ..s },
        "itshape" | "slshape" => Style {
            italic: true,
            smallcaps: false,
            ..s
        },
        "scshape" => Style {
            italic: false,
            smallcaps: true,
            ..s
        },
        "upshape" => Style {
            italic: false,
            smallcaps: false,
            ..s
        },
        "rmfamily" | "sffamily" | "ttfamily" => s,
        _ => return None,
    })
}

/// A brace group's text (without its braces), rendered: a group that does not start with a
/// command protects case (at the top level, where raw groups come from, one that does is
/// a BibTeX special character), and font switches inside it end with it.
fn render_group(inner: &str, depth: usize, mode: Mode) -> String {
    let protects = !inner.starts_with('\\');
    let nocase = mode.csl && mode.nocase && protects;
    let inside = Mode {
        nocase: mode.nocase && !nocase,
        ..mode
    };
    let mut out = String::new();
    if nocase {
        out.push_str("<span class=\"nocase\">");
    }
    // The spaces at the ends are kept (decoding trims them).
    if inner.starts_with(|c: char| c.is_ascii_whitespace()) {
        out.push(' ');
    }
    let body = render_chunks(
        decode(inner, &DecodeOptions::default()).chunks(),
        depth + 1,
        inside,
    );
    out.push_str(&body);
    if inner.ends_with(|c: char| c.is_ascii_whitespace()) && !inner.trim().is_empty() {
        out.push(' ');
    }
    if nocase {
        out.push_str("</span>");
    }
    out
}

/// Decoded chunks rendered in `mode`, font switches reaching to their end.
fn render_chunks(chunks: &[Chunk], depth: usize, mode: Mode) -> String {
    let mut out = String::new();
    // The style switched to, and the one whose tags are open (tags open only before text,
    // so `{\bf\it x}` is `<i>x</i>`).
    let mut style = Style::default();
    let mut shown = Style::default();
    for c in chunks {
        let piece = match c {
            Chunk::Raw(r) => match style.after(r) {
                Some(next) => {
                    style = next;
                    continue;
                }
                None => render_raw_at(r, depth, mode),
            },
            Chunk::Protected(s) if mode.csl && mode.nocase => {
                format!("<span class=\"nocase\">{s}</span>")
            }
            Chunk::Math(m) if mode.csl => math_text(m, true).unwrap_or_else(|| format!("${m}$")),
            c => c.to_plain_string(),
        };
        if piece.is_empty() {
            continue;
        }
        if mode.csl && shown != style {
            out.push_str(&shown.close());
            out.push_str(&style.open());
            shown = style;
        }
        out.push_str(&piece);
    }
    if mode.csl {
        out.push_str(&shown.close());
    }
    out
}

fn render_raw_at(raw: &str, depth: usize, mode: Mode) -> String {
    if let Some(inner) = raw.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        if depth > MAX_DEPTH {
            return raw.to_string();
        }
        return render_group(inner, depth, mode);
    }
    let Some(rest) = raw.strip_prefix('\\') else {
        return raw.to_string();
    };
    let n = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    let (cmd, mut args) = if n == 0 {
        rest.char_indices()
            .nth(1)
            .map_or((rest, ""), |(i, _)| (&rest[..i], &rest[i..]))
    } else {
        (&rest[..n], &rest[n..])
    };
    if font_switch(cmd, Style::default()).is_some() {
        // A switch prints nothing (its reach is the group it is in: see `render_chunks`);
        // TeX eats the spaces after it.
        return args.trim_start_matches("{}").trim_start().to_string();
    }
    if let Some(l) = logo(cmd) {
        // TeX eats the space after a control word: `\TeX hax` reads `TeXhax`.
        let tail = args.trim_start_matches("{}");
        let tail = match tail.trim().is_empty() {
            // The space kept after a control word (`\TeX macro`).
            true if tail.ends_with(' ') => " ",
            true => "",
            false => tail,
        };
        return format!("{l}{tail}");
    }
    let Some(keep) = text_argument(cmd) else {
        // `\DVI{}`: the empty group only ends the command's name.
        return raw
            .strip_suffix("{}")
            .filter(|_| args == "{}")
            .unwrap_or(raw)
            .to_string();
    };
    if depth > MAX_DEPTH {
        return raw.to_string();
    }
    // Delimited verbatim: `\path|…|`.
    if matches!(cmd, "verb" | "path" | "url" | "nolinkurl") && !args.starts_with('{') {
        let mut cs = args.chars();
        if let Some(d) = cs.next() {
            return cs
                .as_str()
                .strip_suffix(d)
                .unwrap_or(cs.as_str())
                .to_string();
        }
    }
    // Collect the braced arguments (skipping `[…]` options).
    let mut groups = Vec::new();
    loop {
        args = args.trim_start();
        if args.starts_with('[') {
            match bracket_end(args) {
                Some(i) => args = &args[i..],
                None => break,
            }
        } else if args.starts_with('{') {
            match balanced_group_end(args, 0) {
                Some(end) => {
                    groups.push(&args[1..end - 1]);
                    args = &args[end..];
                }
                None => break,
            }
        } else {
            break;
        }
    }
    let text = match keep {
        0 => String::new(),
        k => groups.get(k - 1).map_or_else(String::new, |g| {
            let verbatim = matches!(cmd, "url" | "nolinkurl" | "path" | "verb" | "doi");
            if verbatim {
                g.to_string()
            } else {
                render_chunks(
                    decode(g, &DecodeOptions::default()).chunks(),
                    depth + 1,
                    mode,
                )
            }
        }),
    };
    let csl = mode.csl;
    let text = match cmd {
        "emph" | "textit" | "mkbibemph" | "mkbibitalic" if csl => format!("<i>{text}</i>"),
        "textbf" | "mkbibbold" if csl => format!("<b>{text}</b>"),
        "textsc" if csl => format!("<span style=\"font-variant:small-caps;\">{text}</span>"),
        "textsuperscript" | "mkbibsuperscript" if csl => format!("<sup>{text}</sup>"),
        "textsubscript" if csl => format!("<sub>{text}</sub>"),
        "enquote" | "mkbibquote" => format!("“{text}”"),
        "uppercase" | "MakeUppercase" => text.to_uppercase(),
        "lowercase" | "MakeLowercase" => text.to_lowercase(),
        _ => text,
    };
    format!("{text}{args}")
}

/// LaTeX spellings for non-ASCII characters, used by [`encode`] in ASCII mode.
fn latex_for(c: char) -> Option<String> {
    let special = match c {
        'ß' => "\\ss",
        'ø' => "\\o",
        'Ø' => "\\O",
        'ł' => "\\l",
        'Ł' => "\\L",
        'æ' => "\\ae",
        'Æ' => "\\AE",
        'œ' => "\\oe",
        'Œ' => "\\OE",
        'å' => "\\aa",
        'Å' => "\\AA",
        'ı' => "\\i",
        'ȷ' => "\\j",
        'ð' => "\\dh",
        'Ð' => "\\DH",
        'þ' => "\\th",
        'Þ' => "\\TH",
        'ŋ' => "\\ng",
        'Ŋ' => "\\NG",
        'đ' => "\\dj",
        'Đ' => "\\DJ",
        _ => "",
    };
    if !special.is_empty() {
        return Some(format!("{{{special}}}"));
    }
    let text = match c {
        '–' => Some("--"),
        '—' => Some("---"),
        '“' => Some("``"),
        '”' => Some("''"),
        '‘' => Some("\\textquoteleft{}"),
        '’' => Some("\\textquoteright{}"),
        '\u{a0}' => Some("~"),
        '…' => Some("\\ldots{}"),
        '«' => Some("\\guillemotleft{}"),
        '»' => Some("\\guillemotright{}"),
        '§' => Some("\\S{}"),
        '¶' => Some("\\P{}"),
        '©' => Some("\\textcopyright{}"),
        '®' => Some("\\textregistered{}"),
        '™' => Some("\\texttrademark{}"),
        '£' => Some("\\pounds{}"),
        '€' => Some("\\texteuro{}"),
        '°' => Some("\\textdegree{}"),
        '†' => Some("\\dag{}"),
        '‡' => Some("\\ddag{}"),
        '\u{2009}' => Some("\\,"),
        _ => None,
    };
    if let Some(t) = text {
        return Some(t.to_string());
    }
    // Base letter plus one combining accent.
    let mut parts = std::iter::once(c).nfd();
    let base = parts.next()?;
    let mark = parts.next()?;
    if parts.next().is_some() || !base.is_ascii_alphabetic() && base != 'ı' {
        return None;
    }
    let cmd = match mark {
        '\u{301}' => "'",
        '\u{300}' => "`",
        '\u{302}' => "^",
        '\u{308}' => "\"",
        '\u{303}' => "~",
        '\u{304}' => "=",
        '\u{307}' => ".",
        '\u{306}' => "u",
        '\u{30C}' => "v",
        '\u{30B}' => "H",
        '\u{327}' => "c",
        '\u{328}' => "k",
        '\u{30A}' => "r",
        '\u{323}' => "d",
        '\u{331}' => "b",
        _ => return None,
    };
    let base = match base {
        'i' if mark != '\u{327}' && mark != '\u{328}' && mark != '\u{323}' => "\\i".to_string(),
        b => b.to_string(),
    };
    if cmd.as_bytes()[0].is_ascii_alphabetic() {
        Some(format!("{{\\{cmd}{{{base}}}}}"))
    } else {
        Some(format!("{{\\{cmd}{base}}}"))
    }
}

/// Escapes Unicode text for a BibTeX field value (inside braces).
///
/// Characters with a meaning in LaTeX are escaped; `--` and `''` that are meant literally
/// are broken with `{}` so TeX does not turn them into dashes and quotes.
///
/// ```
/// use bibkit::latex::{escape_str, EncodeOptions};
/// assert_eq!(escape_str("R&D 50% $5 #1 a_b", &EncodeOptions::default()), r"R\&D 50\% \$5 \#1 a\_b");
/// assert_eq!(escape_str("a -- b", &EncodeOptions::default()), "a -{}- b");
/// ```
pub fn escape_str(s: &str, opts: &EncodeOptions) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(s, opts, &mut out);
    out
}

/// [`escape_str`], appended to `out` (what `out` held before does not count for the
/// ligature breaks).
pub(crate) fn escape_into(s: &str, opts: &EncodeOptions, out: &mut String) {
    let mut last: Option<char> = None;
    for c in s.chars() {
        let mut buf = [0u8; 4];
        let latex;
        let piece: &str = match c {
            '\\' => "\\textbackslash{}",
            '{' => "\\{",
            '}' => "\\}",
            '&' => "\\&",
            '%' => "\\%",
            '$' => "\\$",
            '#' => "\\#",
            '_' => "\\_",
            '~' => "\\textasciitilde{}",
            '^' => "\\textasciicircum{}",
            '\u{a0}' => "~",
            // Dashes as TeX's ligatures, the way `.bib` files write them (`12--15`).
            '–' => "--",
            '—' => "---",
            c if opts.ascii && !c.is_ascii() => match latex_for(c) {
                Some(l) => {
                    latex = l;
                    &latex
                }
                None => c.encode_utf8(&mut buf),
            },
            c => c.encode_utf8(&mut buf),
        };
        // Keep literal `--`, `''` and ``` `` ``` from becoming ligatures on re-reading.
        if let (Some(l), Some(first)) = (last, piece.chars().next()) {
            if l == first && matches!(first, '-' | '\'' | '`') {
                out.push_str("{}");
            }
        }
        out.push_str(piece);
        last = piece.chars().last().or(last);
    }
}

/// Encodes [`Text`] as the inside of a BibTeX field value: protected chunks are braced,
/// math is written between `$`, raw LaTeX as it was read.
pub fn encode(t: &Text, opts: &EncodeOptions) -> String {
    let mut out = String::new();
    encode_into(t, opts, &mut out);
    out
}

/// [`encode`], appended to `out`: each chunk written where it goes, so a large text is not
/// copied on the way.
pub(crate) fn encode_into(t: &Text, opts: &EncodeOptions, out: &mut String) {
    let chunks = t.chunks();
    // How each chunk's text begins: a raw chunk is written to suit what follows it.
    let mut firsts: Vec<Option<char>> = vec![None; chunks.len() + 1];
    for (i, c) in chunks.iter().enumerate().rev() {
        firsts[i] = match c {
            Chunk::Plain(s) => s
                .chars()
                .next()
                .and_then(|c| escape_str(&s[..c.len_utf8()], opts).chars().next()),
            Chunk::Protected(_) => Some('{'),
            Chunk::Math(_) => Some('$'),
            Chunk::Raw(r) => raw_piece(r, firsts[i + 1]).chars().next(),
        };
    }
    out.reserve(
        chunks
            .iter()
            .map(|c| match c {
                Chunk::Plain(s) | Chunk::Protected(s) | Chunk::Math(s) | Chunk::Raw(s) => {
                    s.len() + 4
                }
            })
            .sum(),
    );
    for (i, c) in chunks.iter().enumerate() {
        match c {
            Chunk::Plain(s) => escape_into(s, opts, out),
            Chunk::Protected(s) => {
                let e = escape_str(s, opts);
                // `{\&}` would be a BibTeX special character, which protects nothing.
                if e.starts_with('\\') {
                    out.push_str("{{");
                    out.push_str(&e);
                    out.push_str("}}");
                } else {
                    out.push('{');
                    out.push_str(&e);
                    out.push('}');
                }
            }
            Chunk::Math(m) => {
                out.push('$');
                out.push_str(m);
                out.push('$');
            }
            Chunk::Raw(r) => out.push_str(&raw_piece(r, firsts[i + 1])),
        }
    }
}

/// The name of the command a raw chunk starts with (`textit` for `\textit{x}`, `\\` for
/// `\\`).
fn raw_command_name(r: &str) -> Option<&str> {
    let rest = r.strip_prefix('\\')?;
    let n = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    if n > 0 {
        Some(&rest[..n])
    } else {
        rest.chars().next().map(|c| &rest[..c.len_utf8()])
    }
}

/// A raw chunk as written before text that starts with `next`: braced when the text would
/// otherwise be read as more arguments of the command, followed by `{}` when it would be
/// read as more of the command's name.
fn raw_piece(r: &str, next: Option<char>) -> String {
    let name = raw_command_name(r);
    // An accent command without its letter (`{\"}`) stays braced, or it would take the
    // next letter as its argument.
    if let Some(n) = name.filter(|n| accent_mark(n).is_some()) {
        let bare = r.trim_end();
        if bare.len() == n.len() + 1 {
            let space = if bare.len() < r.len() { " " } else { "" };
            return format!("{{{bare}}}{space}");
        }
    }
    let greedy = name.is_some_and(|n| arity(n).is_none());
    let ends_word =
        name.is_some_and(|n| r.len() == n.len() + 1 && n.bytes().all(|b| b.is_ascii_alphabetic()));
    match next {
        Some('{' | '[') if (greedy || r.ends_with(']')) && !r.ends_with(' ') => {
            format!("{{{r}}}")
        }
        Some(c) if ends_word && (c.is_alphabetic() || c == '{') => format!("{r}{{}}"),
        _ => r.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> String {
        decode(s, &DecodeOptions::default()).to_plain_string()
    }

    #[test]
    fn accents_in_every_spelling() {
        for s in [
            r#"\"o"#,
            r#"\"{o}"#,
            r#"{\"o}"#,
            r#"\" o"#,
            r#"{\" o}"#,
            r#"\"{ o }"#,
        ] {
            assert_eq!(plain(s), "ö", "{s}");
        }
        assert_eq!(plain(r"\v c"), "č");
        assert_eq!(plain(r"\v{c}"), "č");
        assert_eq!(plain(r"\c{c}"), "ç");
        assert_eq!(plain(r"\H{o}"), "ő");
        assert_eq!(plain(r"\k{a}"), "ą");
        assert_eq!(plain(r"\r{a}"), "å");
        assert_eq!(plain(r"\u{a}"), "ă");
        assert_eq!(plain(r"\'\i"), "í");
        assert_eq!(plain(r"\'{\i}"), "í");
        assert_eq!(plain(r"\^{\j}"), "ĵ");
    }

    #[test]
    fn specials_and_escapes() {
        assert_eq!(plain(r"Stra\ss e"), "Straße");
        assert_eq!(plain(r"\o{}ne"), "øne");
        assert_eq!(plain(r"\L{}\'od\'z"), "Łódź");
        assert_eq!(plain(r"\& \% \$ \_ \#"), "& % $ _ #");
        assert_eq!(plain(r"a\textendash b"), "a–b");
    }

    #[test]
    fn math_and_unknown_commands_stay_verbatim() {
        let t = decode(r"$O(n^2)$ and \foo{bar} x", &DecodeOptions::default());
        assert_eq!(
            t.chunks(),
            &[
                Chunk::Math("O(n^2)".into()),
                Chunk::Plain(" and ".into()),
                Chunk::Raw(r"\foo{bar}".into()),
                Chunk::Plain(" x".into()),
            ]
        );
    }

    #[test]
    fn braces_protect_but_special_characters_do_not() {
        let t = decode(r#"The {NASA} {\"O}ffnung"#, &DecodeOptions::default());
        assert_eq!(
            t.chunks(),
            &[
                Chunk::Plain("The ".into()),
                Chunk::Protected("NASA".into()),
                Chunk::Plain(" Öffnung".into()),
            ]
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let n = 100_000;
        let s = format!("{}x{}", "{".repeat(n), "}".repeat(n));
        assert_eq!(plain(&s), "x");
        // Unbalanced: no panic, text kept.
        let s = format!("{}x", "{".repeat(n));
        assert_eq!(plain(&s), "x");
    }

    #[test]
    fn encode_round_trips_literal_dashes() {
        let t = Text::plain("a -- b --- c '' d");
        let e = encode(&t, &EncodeOptions::default());
        assert_eq!(plain(&e), "a -- b --- c '' d");
    }

    #[test]
    fn escaped_url_and_doi_are_decoded() {
        assert_eq!(unescape_verbatim(r"a\_b{\_}c\&d\#e\%f"), "a_b_c&d#e%f");
        assert_eq!(unescape_verbatim(r"x{\~{}}y\~{}z"), "x~y~z");
        // Other backslashes and braces stay, and a dangling one does not panic.
        assert_eq!(unescape_verbatim(r"a\b{c}\"), r"a\b{c}\");
        assert_eq!(unescape_verbatim(r"{\_"), "{_");
        assert_eq!(unescape_verbatim("{\\"), "{\\");
        let long = r"{\_".repeat(100_000);
        assert_eq!(unescape_verbatim(&long), "{_".repeat(100_000));
    }

    fn csl(s: &str) -> String {
        decode(s, &DecodeOptions::default())
            .chunks()
            .iter()
            .map(|c| match c {
                Chunk::Raw(r) => render_raw_csl(r),
                c => c.to_plain_string(),
            })
            .collect()
    }

    #[test]
    fn old_font_switches_become_markup() {
        let src =
            r"{\bf Bold} and {\it it} {\sc Small} {\em em} {\sl sl} {\tt tt} {\rm rm} {\sf sf}";
        assert_eq!(plain(src), "Bold and it Small em sl tt rm sf");
        assert_eq!(
            csl(src),
            "<b>Bold</b> and <i>it</i> <span style=\"font-variant:small-caps;\">Small</span> \
             <i>em</i> <i>sl</i> tt rm sf"
        );
        // The group is kept whole, so the switch still ends where it did.
        let t = decode(r"{\bf Bold} and", &DecodeOptions::default());
        assert_eq!(t.chunks()[0], Chunk::Raw(r"{\bf Bold}".into()));
        assert_eq!(encode(&t, &EncodeOptions::default()), r"{\bf Bold} and");
        // Declarations change one axis; the old switches set the whole style.
        assert_eq!(
            csl(r"{\bfseries a \itshape b \upshape c \mdseries d}"),
            "<b>a </b><b><i>b </i></b><b>c </b>d"
        );
        assert_eq!(csl(r"{\bf\it x}"), "<i>x</i>");
        assert_eq!(
            csl(r"{\scshape a \normalfont b}"),
            "<span style=\"font-variant:small-caps;\">a </span>b"
        );
        assert_eq!(plain(r"{\itshape Homo} sapiens"), "Homo sapiens");
        // Nested in a protecting group: markup inside the nocase span.
        assert_eq!(
            csl(r"{The {\bf Bold} Story}"),
            "<span class=\"nocase\">The <b>Bold</b> Story</span>"
        );
        // Never the literal command.
        for s in [r"\bf x", r"{\it x}", r"\itshape x", r"{\em x \em y}"] {
            assert!(!plain(s).contains('\\'), "{s}: {}", plain(s));
            assert!(!csl(s).contains('\\'), "{s}: {}", csl(s));
        }
    }

    #[test]
    fn case_protection_across_commands() {
        assert_eq!(plain(r"{Euro\TeX} 92"), "EuroTeX 92");
        assert_eq!(
            csl(r"{Euro\TeX} 92"),
            "<span class=\"nocase\">EuroTeX</span> 92"
        );
        assert_eq!(
            csl(r"{The \LaTeX\ Companion}"),
            "<span class=\"nocase\">The LaTeX Companion</span>"
        );
        // Written back as read, braces and all (not `{Euro}\TeX 92`).
        for s in [
            r"{Euro\TeX} 92",
            r"{The \LaTeX\ Companion} x",
            r"a {\it b} {c \emph{d}} e",
        ] {
            let t = decode(s, &DecodeOptions::default());
            assert_eq!(encode(&t, &EncodeOptions::default()), s);
            assert_eq!(
                decode(
                    &encode(&t, &EncodeOptions::default()),
                    &DecodeOptions::default()
                ),
                t
            );
        }
        // A group without commands is still a protected chunk.
        let t = decode("{NASA} x", &DecodeOptions::default());
        assert_eq!(t.chunks()[0], Chunk::Protected("NASA".into()));
    }

    #[test]
    fn hostile_groups_stay_linear() {
        let n = 20_000;
        // Unclosed switches: nothing collapses, nothing is rendered twice.
        let s = r"{\bf ".repeat(100_000);
        let t = decode(&s, &DecodeOptions::default());
        assert_eq!(t.to_plain_string(), "");
        // Deeply nested and closed: one raw group, rendered to a bounded depth.
        let s = format!("{}x\\TeX{}", r"{\bf ".repeat(n), "}".repeat(n));
        let t = decode(&s, &DecodeOptions::default());
        assert_eq!(t.chunks().len(), 1);
        let start = std::time::Instant::now();
        let _ = t.to_plain_string();
        let _ = csl(&s);
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
        // Many closed groups one after another.
        let s = r"{\bf x} ".repeat(n);
        assert_eq!(plain(&s).len(), 2 * n - 1);
    }

    #[test]
    fn aas_journal_macros_expand() {
        let o = DecodeOptions::default();
        for (src, cmd, journal) in [
            (r"\apj", "apj", "ApJ"),
            (r"{\aj}", "aj", "AJ"),
            (r"\mnras{}", "mnras", "MNRAS"),
            (r"\aap", "aap", "A&A"),
            (r"\apjs", "apjs", "ApJS"),
            (r"\apjl", "apjl", "ApJL"),
            (r"\pasp", "pasp", "PASP"),
            (r"\icarus", "icarus", "Icarus"),
            (r"\prd", "prd", "Phys. Rev. D"),
        ] {
            assert_eq!(
                journal_macro(&decode(src, &o)),
                Some((cmd, journal)),
                "{src}"
            );
        }
        // Only a whole value is a journal macro.
        assert_eq!(journal_macro(&decode(r"\apj Letters", &o)), None);
        assert_eq!(journal_macro(&decode(r"\foo", &o)), None);
        // Other unknown commands are found, also in groups; known ones are not.
        let t = decode(r"{\foo x} \bar{y} \emph{z} \TeX{} {\bf b} \\ \, $\qux$", &o);
        assert_eq!(unknown_commands(&t), vec!["foo", "bar"]);
        assert!(unknown_commands(&decode("plain {text}", &o)).is_empty());
    }

    #[test]
    fn math_with_a_unicode_form() {
        assert_eq!(
            plain(r"$\mu$m $\alpha$-Fe $\pm$0.1\% $\langle$111$\rangle$ H$_2$O x$^2$"),
            "μm α-Fe ±0.1% ⟨111⟩ H₂O x²"
        );
        assert_eq!(
            plain(r"$\alpha$ $\beta$ $\Omega$ $\times$ $\leq$ $\sim$ $\slash$ $\infty$"),
            "α β Ω × ≤ ∼ / ∞"
        );
        assert_eq!(
            plain(r"$10^{-3}$ $T_{\rm c}$ $\overline{1}10$"),
            "10⁻³ $T_{\\rm c}$ 1\u{305}10"
        );
        assert_eq!(plain(r"$_{\rm eff}$ \textasciimacron"), "eff ¯");
        assert_eq!(math_text("_2", true).as_deref(), Some("<sub>2</sub>"));
        assert_eq!(math_text("^{2+}", true).as_deref(), Some("<sup>2+</sup>"));
        assert_eq!(math_text("^{q}", false).as_deref(), Some("q"));
        assert_eq!(math_text("<", true).as_deref(), Some("&lt;"));
        // No faithful text: verbatim, as written.
        for m in [
            r"O(n)",
            r"\frac{1}{2}",
            r"x",
            r"\foo",
            r"^",
            r"^$",
            r"a & b",
            r"\lequiv",
            r"\\",
        ] {
            assert_eq!(math_text(m, false), None, "{m}");
            assert_eq!(math_text(m, true), None, "{m}");
        }
        // The model keeps the math; only its reading changes.
        let t = decode(r"H$_2$O", &DecodeOptions::default());
        assert_eq!(encode(&t, &EncodeOptions::default()), r"H$_2$O");
        // Hostile: linear, no panic.
        let s = "$^$^".repeat(50_000);
        let _ = plain(&s);
        let s = format!("${}1{}$", "{".repeat(50_000), "}".repeat(50_000));
        let _ = plain(&s);
        let s = format!("${}$", r"\mu_{2}^{x}".repeat(20_000));
        assert!(plain(&s).starts_with("μ₂ˣ"));
    }

    #[test]
    fn ascii_encoding_decodes_back() {
        let s = "Gödel Łódź Straße Fučkar naïve — “x”";
        let e = encode(&Text::plain(s), &EncodeOptions { ascii: true });
        assert!(e.is_ascii(), "{e}");
        assert_eq!(plain(&e), s);
    }
}
