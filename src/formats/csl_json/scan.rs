//! The JSON structure of CSL-JSON text, found without building values: splitting the
//! top-level array into items, one pass over an item for the positions of its properties,
//! keys that occur twice and lone surrogate escapes, paths to values inside a property, and
//! line/column numbers for offsets that grow. Every function here is linear in the text it
//! looks at, so that hostile input (an item with thousands of properties, thousands of
//! broken items on one line, a minified file) costs linear time.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Span;

pub(super) fn skip_ws(text: &str, mut pos: usize) -> usize {
    let b = text.as_bytes();
    while pos < b.len() && matches!(b[pos], b' ' | b'\t' | b'\n' | b'\r') {
        pos += 1;
    }
    pos
}

/// The byte offset in `s` of serde_json's `line` (1-based) and `column` (1-based, in
/// bytes), found by walking only as far as that line.
fn offset_of(s: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    if line > 1 {
        match memchr::memchr_iter(b'\n', s.as_bytes()).nth(line - 2) {
            Some(nl) => start = nl + 1,
            None => return s.len(),
        }
    }
    let mut at = (start + column.saturating_sub(1)).min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One piece of the input: an item (its offset and text) or a problem between items.
#[derive(Debug)]
pub(super) enum Piece<'a> {
    Item(usize, &'a str),
    Problem(Diagnostic),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Start,
    /// In the array; whether an item was read yet.
    Array(bool),
    Done,
}

/// The items of a CSL-JSON text, in order: an array of items (or a single item). A syntax
/// error is reported and reading goes on at the next item that starts on a line of its own
/// at the same indentation (or after the next `},{`). Cloning it is cheap, and the clone
/// goes on from the same place.
#[derive(Debug, Clone)]
pub(super) struct Splitter<'a> {
    text: &'a str,
    pos: usize,
    state: State,
    /// A problem found after the item just returned.
    pending: Option<Diagnostic>,
}

fn error(at: usize, msg: &str) -> Diagnostic {
    Diagnostic::new(Severity::Error, "csl-syntax", msg).at_line_col(Span::new(at, at), 0, 0)
}

impl<'a> Splitter<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Splitter {
            text,
            pos: 0,
            state: State::Start,
            pending: None,
        }
    }
}

impl<'a> Iterator for Splitter<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        if let Some(d) = self.pending.take() {
            return Some(Piece::Problem(d));
        }
        let text = self.text;
        let b = text.as_bytes();
        loop {
            match self.state {
                State::Done => return None,
                State::Start => {
                    let pos = skip_ws(text, text.strip_prefix('\u{feff}').map_or(0, |_| 3));
                    self.pos = pos;
                    match b.get(pos) {
                        Some(b'[') => {
                            self.pos += 1;
                            self.state = State::Array(false);
                        }
                        Some(b'{') => {
                            // A single item.
                            self.state = State::Done;
                            return Some(match one_value(text, pos) {
                                Ok((raw, end)) => {
                                    let rest = skip_ws(text, end);
                                    if rest < text.len() {
                                        self.pending =
                                            Some(error(rest, "text after the item is ignored"));
                                    }
                                    Piece::Item(pos, raw)
                                }
                                Err(d) => Piece::Problem(d),
                            });
                        }
                        None => {
                            self.state = State::Done;
                            return Some(Piece::Problem(error(
                                pos,
                                "empty input: expected a JSON array of CSL items",
                            )));
                        }
                        Some(_) => {
                            self.state = State::Done;
                            return Some(Piece::Problem(error(
                                pos,
                                "expected a JSON array of CSL items (`[`)",
                            )));
                        }
                    }
                }
                State::Array(read_one) => {
                    let pos = skip_ws(text, self.pos);
                    self.pos = pos;
                    match b.get(pos) {
                        None => {
                            self.state = State::Done;
                            return Some(Piece::Problem(error(
                                pos,
                                "the array of items is not closed (`]` missing)",
                            )));
                        }
                        Some(b']') => {
                            self.state = State::Done;
                            let rest = skip_ws(text, pos + 1);
                            if rest < text.len() {
                                return Some(Piece::Problem(error(
                                    rest,
                                    "text after the array is ignored",
                                )));
                            }
                            return None;
                        }
                        Some(b',') if !read_one => {
                            self.pos += 1;
                            return Some(Piece::Problem(error(pos, "unexpected `,`")));
                        }
                        _ => {}
                    }
                    match one_value(text, pos) {
                        Ok((raw, end)) => {
                            self.state = State::Array(true);
                            let next = skip_ws(text, end);
                            self.pos = next;
                            match b.get(next) {
                                Some(b',') => self.pos += 1,
                                Some(b']') | None => {}
                                Some(_) => {
                                    self.pending =
                                        Some(error(next, "expected `,` or `]` after an item"));
                                    match resync(text, next, next) {
                                        Some(n) => self.pos = n,
                                        None => self.state = State::Done,
                                    }
                                }
                            }
                            return Some(Piece::Item(pos, raw));
                        }
                        Err(d) => {
                            match resync(text, pos, d.span.start) {
                                Some(n) => self.pos = n,
                                None => self.state = State::Done,
                            }
                            return Some(Piece::Problem(d));
                        }
                    }
                }
            }
        }
    }
}

/// Parses one JSON value at `pos`: its text and the offset after it.
fn one_value(text: &str, pos: usize) -> Result<(&str, usize), Diagnostic> {
    let rest = &text[pos..];
    let mut de = serde_json::Deserializer::from_str(rest);
    match <&RawValue>::deserialize(&mut de) {
        Ok(raw) => {
            let s = raw.get();
            let start = s.as_ptr() as usize - text.as_ptr() as usize;
            Ok((s, start + s.len()))
        }
        Err(e) => {
            let at = pos + offset_of(rest, e.line(), e.column());
            Err(Diagnostic::new(
                Severity::Error,
                "csl-syntax",
                format!("{}; the item is skipped", serde_message(&e)),
            )
            .at_line_col(Span::new(at, at), 0, 0))
        }
    }
}

/// serde_json's message without the " at line L column C" it appends (relative to the
/// item: the diagnostic carries the real position).
pub(super) fn serde_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    msg.rfind(" at line ")
        .map_or(msg.as_str(), |i| &msg[..i])
        .to_string()
}

/// The offset in an item's text of a serde_json error in it.
pub(super) fn error_offset(raw: &str, e: &serde_json::Error) -> usize {
    offset_of(raw, e.line(), e.column())
}

/// Where to go on after a broken item that started at `start`: the next line that opens an
/// object at the item's indentation, or the object after the next `},` + `{`. Looks back
/// only over the item's indentation, and forward only to the place it returns, so that
/// many broken items cost linear time.
fn resync(text: &str, start: usize, err: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut line_start = start;
    while line_start > 0 && matches!(b[line_start - 1], b' ' | b'\t') {
        line_start -= 1;
    }
    let own_line = line_start == 0 || b[line_start - 1] == b'\n';
    let indent = &text[line_start..start];
    let mut from = err.max(start + 1).min(text.len());
    while !text.is_char_boundary(from) {
        from += 1;
    }
    if own_line {
        // Lines that start after `from`.
        let mut at = if from != 0 && b[from - 1] != b'\n' {
            match memchr::memchr(b'\n', &b[from..]) {
                Some(i) => from + i + 1,
                None => return None,
            }
        } else {
            from
        };
        loop {
            let line = &text[at..];
            if let Some(rest) = line.strip_prefix(indent) {
                if rest.starts_with('{') {
                    return Some(at + indent.len());
                }
            }
            match memchr::memchr(b'\n', line.as_bytes()) {
                Some(i) => at += i + 1,
                None => return None,
            }
        }
    }
    let mut i = from;
    while let Some(j) = memchr::memchr(b'}', &b[i..]) {
        let k = skip_ws(text, i + j + 1);
        if b.get(k) == Some(&b',') {
            let m = skip_ws(text, k + 1);
            if b.get(m) == Some(&b'{') {
                return Some(m);
            }
        }
        i += j + 1;
    }
    None
}

/// A step from a JSON value to a value inside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Seg {
    Key(&'static str),
    Index(usize),
}

/// A top-level property of an item: its key, and where the key and the value start (in
/// the item's text).
#[derive(Debug)]
pub(super) struct Prop<'a> {
    pub key: Cow<'a, str>,
    pub at: usize,
    pub len: usize,
    pub value: usize,
}

/// A key that occurs again in one object.
#[derive(Debug)]
pub(super) struct Dup<'a> {
    pub key: Cow<'a, str>,
    /// Where the repeated key starts, and its length.
    pub at: usize,
    pub len: usize,
    /// The object it is in (`author[0]`); empty for the item itself.
    pub path: String,
}

/// What one pass over an item's text finds.
#[derive(Debug, Default)]
pub(super) struct Scan<'a> {
    /// Top-level properties, every occurrence, in order.
    pub props: Vec<Prop<'a>>,
    /// Keys that occur more than once in one object, at their later occurrences.
    pub dups: Vec<Dup<'a>>,
    /// Offsets of `\u` escapes of lone surrogates (a high one not followed by a low one,
    /// or a low one alone).
    pub surrogates: Vec<usize>,
}

/// An open object or array during a scan.
struct Frame {
    object: bool,
    /// Where this object's keys start in the shared list of keys.
    keys_from: usize,
    /// Keys by hash, for large objects (SipHash: the keys are untrusted).
    index: Option<HashMap<u64, usize>>,
    expect_key: bool,
    /// The current key (an index into the keys) or element.
    here: usize,
    /// How the parent reached this container: a key (index into the keys) or an element.
    entered: Option<(bool, usize)>,
}

/// Objects with more keys than this look keys up by hash.
const SMALL: usize = 8;

fn hash(k: &str, state: &std::collections::hash_map::RandomState) -> u64 {
    use std::hash::BuildHasher;
    state.hash_one(k)
}

/// The value of a four-digit hex escape body.
fn hex4(b: &[u8]) -> Option<u32> {
    if b.len() < 4 {
        return None;
    }
    let mut n = 0;
    for &c in &b[..4] {
        n = n * 16 + (c as char).to_digit(16)?;
    }
    Some(n)
}

/// The end (after the closing quote) of the string starting at `i`, and whether it has
/// escapes; lone surrogate escapes are added to `surrogates`.
fn string_end(b: &[u8], i: usize, surrogates: &mut Vec<usize>) -> (usize, bool) {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        match memchr::memchr2(b'"', b'\\', &b[j.min(b.len())..]) {
            None => return (b.len(), escaped),
            Some(k) => {
                j += k;
                if b[j] == b'"' {
                    return (j + 1, escaped);
                }
                escaped = true;
                if b.get(j + 1) != Some(&b'u') {
                    j += 2;
                    continue;
                }
                match hex4(&b[(j + 2).min(b.len())..]) {
                    Some(0xD800..=0xDBFF) => {
                        let low = b.get(j + 6..j + 8) == Some(b"\\u")
                            && matches!(hex4(&b[(j + 8).min(b.len())..]), Some(0xDC00..=0xDFFF));
                        if low {
                            j += 12;
                        } else {
                            surrogates.push(j);
                            j += 6;
                        }
                    }
                    Some(0xDC00..=0xDFFF) => {
                        surrogates.push(j);
                        j += 6;
                    }
                    _ => j += 6,
                }
            }
        }
    }
}

/// The text of the string literal `lit` (with its quotes); lone surrogates at `lone`
/// (offsets in `lit`) read as U+FFFD.
fn unescape<'a>(lit: &'a str, lone: &[usize]) -> Cow<'a, str> {
    let patched;
    let lit_ref = if lone.is_empty() {
        lit
    } else {
        patched = patch_surrogates(lit, lone);
        &patched
    };
    match serde_json::from_str::<String>(lit_ref) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(&lit[1..lit.len().saturating_sub(1).max(1)]),
    }
}

/// `text` with the lone surrogate escapes at `at` replaced by `\ufffd` (of the same
/// length, so every offset stays).
pub(super) fn patch_surrogates(text: &str, at: &[usize]) -> String {
    let mut s = text.to_string();
    for &i in at {
        s.replace_range(i + 2..i + 6, "fffd");
    }
    s
}

/// Scans an item's text (valid JSON).
pub(super) fn scan(raw: &str) -> Scan<'_> {
    let b = raw.as_bytes();
    let mut out = Scan::default();
    let mut frames: Vec<Frame> = Vec::new();
    let mut keys: Vec<Cow<'_, str>> = Vec::new();
    let mut state = None;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => {
                let entered = frames.last().map(|f| (f.object, f.here));
                frames.push(Frame {
                    object: b[i] == b'{',
                    keys_from: keys.len(),
                    index: None,
                    expect_key: true,
                    here: 0,
                    entered,
                });
                i += 1;
            }
            b'}' | b']' => {
                if let Some(f) = frames.pop() {
                    keys.truncate(f.keys_from);
                }
                i += 1;
            }
            b',' => {
                if let Some(f) = frames.last_mut() {
                    if f.object {
                        f.expect_key = true;
                    } else {
                        f.here += 1;
                    }
                }
                i += 1;
            }
            b':' => {
                i += 1;
                if frames.len() == 1 {
                    if let Some(p) = out.props.last_mut() {
                        p.value = skip_ws(raw, i);
                    }
                }
            }
            b'"' => {
                let lone_from = out.surrogates.len();
                let (end, escaped) = string_end(b, i, &mut out.surrogates);
                let is_key = frames.last().is_some_and(|f| f.object && f.expect_key);
                if is_key {
                    let key: Cow<'_, str> = if escaped {
                        let lone: Vec<usize> =
                            out.surrogates[lone_from..].iter().map(|s| s - i).collect();
                        unescape(&raw[i..end], &lone)
                    } else {
                        Cow::Borrowed(&raw[i + 1..end.saturating_sub(1).max(i + 1)])
                    };
                    let depth = frames.len();
                    let found = {
                        let f = frames.last_mut().expect("an open object");
                        f.expect_key = false;
                        find_key(f, &keys, &key, &mut state)
                    };
                    if depth == 1 {
                        out.props.push(Prop {
                            key: key.clone(),
                            at: i,
                            len: end - i,
                            value: end,
                        });
                    }
                    match found {
                        Some(k) => {
                            if let Some(f) = frames.last_mut() {
                                f.here = k;
                            }
                            let path = path_of(&frames, &keys);
                            out.dups.push(Dup {
                                key,
                                at: i,
                                len: end - i,
                                path,
                            });
                        }
                        None => {
                            let n = keys.len();
                            keys.push(key);
                            let f = frames.last_mut().expect("an open object");
                            f.here = n;
                            if f.index.is_none() && n + 1 - f.keys_from > SMALL {
                                let state = state.get_or_insert_with(Default::default);
                                f.index = Some(
                                    (f.keys_from..keys.len())
                                        .map(|k| (hash(&keys[k], state), k))
                                        .collect(),
                                );
                            }
                        }
                    }
                }
                i = end;
            }
            _ => {
                // White space, numbers and literals, up to the next byte that matters.
                i += 1;
                while i < b.len() && !STRUCTURAL[b[i] as usize] {
                    i += 1;
                }
            }
        }
    }
    out
}

/// The bytes [`scan`] acts on.
const STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    let bytes = *b"{}[],:\"";
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// The index (in `keys`) of an earlier occurrence of `key` in the object `f`; a new key is
/// entered in the object's hash index (at the index it is about to get).
fn find_key(
    f: &mut Frame,
    keys: &[Cow<'_, str>],
    key: &str,
    state: &mut Option<std::collections::hash_map::RandomState>,
) -> Option<usize> {
    let linear = || {
        keys[f.keys_from..]
            .iter()
            .position(|k| k == key)
            .map(|p| p + f.keys_from)
    };
    let Some(index) = &f.index else {
        return linear();
    };
    let h = hash(key, state.get_or_insert_with(Default::default));
    match index.get(&h) {
        Some(&k) if keys[k] == key => Some(k),
        Some(_) => linear(),
        None => {
            let n = keys.len();
            if let Some(index) = &mut f.index {
                index.insert(h, n);
            }
            None
        }
    }
}

/// The path of the innermost open container (`author[0]`), for messages.
fn path_of(frames: &[Frame], keys: &[Cow<'_, str>]) -> String {
    let mut s = String::new();
    for f in frames.iter().skip(1) {
        match f.entered {
            Some((true, k)) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(&keys[k]);
            }
            Some((false, n)) => s.push_str(&format!("[{n}]")),
            None => {}
        }
    }
    s
}

/// The offset after the JSON value that starts at `i` (valid JSON).
fn value_end(b: &[u8], i: usize) -> usize {
    let mut none = Vec::new();
    match b.get(i) {
        Some(b'"') => string_end(b, i, &mut none).0,
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    b'"' => {
                        j = string_end(b, j, &mut none).0;
                        continue;
                    }
                    _ => {}
                }
                j += 1;
            }
            b.len()
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                j += 1;
            }
            j
        }
    }
}

/// The start and end of the value reached from the value at `at` by `path` (the last
/// occurrence of a repeated key, as the reader uses it).
pub(super) fn walk(raw: &str, mut at: usize, path: &[Seg]) -> Option<(usize, usize)> {
    let b = raw.as_bytes();
    for seg in path {
        at = skip_ws(raw, at);
        let mut i = at + 1;
        let mut found = None;
        match (b.get(at), seg) {
            (Some(b'{'), Seg::Key(k)) => loop {
                i = skip_ws(raw, i);
                if b.get(i) != Some(&b'"') {
                    break;
                }
                let mut lone = Vec::new();
                let (end, escaped) = string_end(b, i, &mut lone);
                let lone: Vec<usize> = lone.iter().map(|s| s - i).collect();
                let same = if escaped {
                    unescape(&raw[i..end], &lone) == *k
                } else {
                    &raw[i + 1..end - 1] == *k
                };
                i = skip_ws(raw, end);
                if b.get(i) != Some(&b':') {
                    break;
                }
                i = skip_ws(raw, i + 1);
                if same {
                    found = Some(i);
                }
                i = skip_ws(raw, value_end(b, i));
                if b.get(i) != Some(&b',') {
                    break;
                }
                i += 1;
            },
            (Some(b'['), Seg::Index(n)) => {
                let mut k = 0;
                loop {
                    i = skip_ws(raw, i);
                    if matches!(b.get(i), None | Some(b']')) {
                        break;
                    }
                    if k == *n {
                        found = Some(i);
                        break;
                    }
                    i = skip_ws(raw, value_end(b, i));
                    if b.get(i) != Some(&b',') {
                        break;
                    }
                    i += 1;
                    k += 1;
                }
            }
            _ => {}
        }
        at = found?;
    }
    let at = skip_ws(raw, at);
    Some((at, value_end(b, at)))
}

/// The places of an item's properties, looked up by key (the last occurrence).
pub(super) struct Places<'a> {
    /// The item's offset in the input.
    pub start: usize,
    pub raw: &'a str,
    props: Vec<Prop<'a>>,
    /// Key → index into `props`, for items with many properties.
    index: Option<HashMap<Cow<'a, str>, usize>>,
}

impl<'a> Places<'a> {
    pub(super) fn new(start: usize, raw: &'a str, props: Vec<Prop<'a>>) -> Self {
        let index = (props.len() > 2 * SMALL).then(|| {
            props
                .iter()
                .enumerate()
                .map(|(n, p)| (p.key.clone(), n))
                .collect()
        });
        Places {
            start,
            raw,
            props,
            index,
        }
    }

    fn prop(&self, key: &str) -> Option<&Prop<'a>> {
        match &self.index {
            Some(index) => index.get(key).map(|&n| &self.props[n]),
            None => self.props.iter().rev().find(|p| p.key == key),
        }
    }

    /// The span of property `key`'s key (the item's first byte when there is none).
    pub(super) fn key(&self, key: &str) -> Span {
        match self.prop(key) {
            Some(p) => Span::new(self.start + p.at, self.start + p.at + p.len),
            None => Span::new(self.start, self.start + 1),
        }
    }

    /// The span of the value reached from property `key`'s value by `path` (the
    /// property's key when that value is not there).
    pub(super) fn value(&self, key: &str, path: &[Seg]) -> Span {
        let Some(p) = self.prop(key) else {
            return self.key(key);
        };
        if self.raw.is_empty() {
            // An item read from another syntax (CSL-YAML) has no JSON text to walk.
            return self.key(key);
        }
        match walk(self.raw, p.value, path) {
            Some((a, b)) => Span::new(self.start + a, self.start + b),
            None => self.key(key),
        }
    }
}

/// The keys a set of items takes: for each item's `id` and `citation-key` (the last
/// occurrence), its JSON value. Reads only those two values.
pub(super) fn ids(raw: &str) -> Vec<serde_json::Value> {
    let scan = scan(raw);
    let patched;
    let text = if scan.surrogates.is_empty() {
        raw
    } else {
        patched = patch_surrogates(raw, &scan.surrogates);
        &patched
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for p in scan.props.iter().rev() {
        if (p.key == "id" || p.key == "citation-key") && seen.insert(p.key.clone()) {
            let mut de = serde_json::Deserializer::from_str(&text[p.value..]);
            if let Ok(v) = serde_json::Value::deserialize(&mut de) {
                out.push(v);
            }
        }
    }
    out
}

/// Line and column numbers for offsets into one text, in linear total time when the
/// offsets grow (going back costs the distance gone back).
#[derive(Debug)]
pub(super) struct Locator<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
    line_start: usize,
    column: u32,
}

fn chars(s: &[u8]) -> u32 {
    s.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u32
}

impl<'a> Locator<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Locator {
            text,
            pos: 0,
            line: 1,
            line_start: 0,
            column: 1,
        }
    }

    /// The 1-based line and column (in characters) of byte `offset`.
    pub(super) fn at(&mut self, offset: usize) -> (u32, u32) {
        let text = self.text;
        let b = text.as_bytes();
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset >= self.pos {
            let seg = &b[self.pos..offset];
            let mut newlines = 0;
            let mut last = None;
            for nl in memchr::memchr_iter(b'\n', seg) {
                newlines += 1;
                last = Some(nl);
            }
            match last {
                Some(nl) => {
                    self.line += newlines;
                    self.line_start = self.pos + nl + 1;
                    self.column = chars(&b[self.line_start..offset]) + 1;
                }
                None => self.column += chars(seg),
            }
        } else if offset >= self.line_start {
            self.column -= chars(&b[offset..self.pos]);
        } else {
            self.line -= memchr::memchr_iter(b'\n', &b[offset..self.line_start]).count() as u32;
            self.line_start = memchr::memrchr(b'\n', &b[..offset]).map_or(0, |i| i + 1);
            self.column = chars(&b[self.line_start..offset]) + 1;
        }
        self.pos = offset;
        (self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_duplicates_and_surrogates() {
        let raw = r#"{"a": 1, "b": {"x": [{"f": 1, "f": 2}]}, "a": "\ud800\ud83d\ude00\udc00"}"#;
        let s = scan(raw);
        let keys: Vec<&str> = s.props.iter().map(|p| p.key.as_ref()).collect();
        assert_eq!(keys, ["a", "b", "a"]);
        let dups: Vec<(&str, &str)> = s
            .dups
            .iter()
            .map(|d| (d.key.as_ref(), d.path.as_str()))
            .collect();
        assert_eq!(dups, [("f", "b.x[0]"), ("a", "")]);
        assert_eq!(s.surrogates.len(), 2);
        assert_eq!(&raw[s.surrogates[0]..s.surrogates[0] + 6], "\\ud800");
        assert_eq!(&raw[s.surrogates[1]..s.surrogates[1] + 6], "\\udc00");
    }

    #[test]
    fn many_keys_use_the_index() {
        let mut raw = String::from("{");
        for i in 0..100 {
            raw.push_str(&format!("\"k{i}\": {i}, "));
        }
        raw.push_str("\"k7\": 0, \"k\\u0037\": 1}");
        let s = scan(&raw);
        assert_eq!(s.dups.len(), 2);
        assert!(s.dups.iter().all(|d| d.key == "k7"));
    }

    #[test]
    fn walk_reaches_values() {
        let raw = r#"{"issued": {"date-parts": [[2020, 13], [2021, 1, 99]], "season": "x"}}"#;
        let v = walk(raw, 0, &[Seg::Key("issued")]).unwrap();
        let at = |path: &[Seg]| {
            let (a, b) = walk(raw, v.0, path).unwrap();
            &raw[a..b]
        };
        assert_eq!(
            at(&[Seg::Key("date-parts"), Seg::Index(1), Seg::Index(2)]),
            "99"
        );
        assert_eq!(
            at(&[Seg::Key("date-parts"), Seg::Index(0), Seg::Index(1)]),
            "13"
        );
        assert_eq!(at(&[Seg::Key("season")]), "\"x\"");
        assert!(walk(raw, v.0, &[Seg::Key("date-parts"), Seg::Index(2)]).is_none());
    }

    #[test]
    fn locator_goes_both_ways() {
        let text = "ab\ncé d\n\nxyz";
        let mut loc = Locator::new(text);
        let idx = crate::diagnostic::LineIndex::new(text);
        for off in [0, 1, 3, 6, 7, 2, 9, 12, 4, 0, 11] {
            assert_eq!(loc.at(off), idx.line_col(text, off), "offset {off}");
        }
    }

    #[test]
    fn resync_stays_near() {
        let text = "[\n  {\"a\": x},\n  {\"b\": 1}\n]";
        let start = text.find('{').unwrap();
        assert_eq!(resync(text, start, start + 6), text.rfind('{'));
        let text = r#"[{"a": x},{"b": 1}]"#;
        assert_eq!(resync(text, 1, 7), Some(10));
    }
}
