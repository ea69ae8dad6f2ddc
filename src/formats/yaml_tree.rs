//! A YAML document as a tree with positions, built from `yaml_rust2`'s parser events, for
//! the hayagriva and CSL-YAML readers.
//!
//! `yaml_rust2::YamlLoader` keeps no positions and copies an anchored node at every alias
//! (a few lines of aliases can ask for gigabytes), so the tree is built here: every node
//! has its byte offset, nesting deeper than [`MAX_DEPTH`] is cut off (the node reads as
//! [`Kind::Broken`]), and what anchors and aliases copy is counted against a budget
//! proportional to the input. A syntax error ends the document: the tree then holds what
//! was complete before it, the open collections marked `incomplete`.

use std::collections::HashMap;

use yaml_rust2::Event;
use yaml_rust2::parser::Parser;
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Collections nested deeper than this are not built.
pub(crate) const MAX_DEPTH: usize = 64;

/// A node of the tree.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    /// Byte offset of the node's start in the whole input.
    pub at: usize,
    /// Byte offset of its end (for collections, of their end event).
    pub end: usize,
    /// 1-based line of its start.
    pub line: u32,
    /// 1-based column (in characters) of its start.
    pub col: u32,
    /// A collection a syntax error cut short.
    pub incomplete: bool,
}

/// What a node holds.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A scalar's text, and whether it was plain (unquoted, no block style, no `!!str`):
    /// only plain scalars are `null`, booleans or numbers.
    Scalar(String, bool),
    Seq(Vec<Node>),
    /// Pairs in input order (a repeated key is kept twice).
    Map(Vec<(Node, Node)>),
    /// A node that is not built: nested too deep, an alias of an unknown anchor, or one
    /// whose copy would exceed the budget. The text says which.
    Broken(&'static str),
}

impl Node {
    /// The scalar's text, unless it is null.
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s, plain) if !(*plain && is_null(s)) => Some(s),
            _ => None,
        }
    }

    /// Whether the node is null (`~`, `null`, or nothing).
    pub(crate) fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar(s, true) if is_null(s))
    }

    pub(crate) fn map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value of `key` in a mapping (the first occurrence).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.map()?
            .iter()
            .find(|(k, _)| k.text() == Some(key))
            .map(|(_, v)| v)
    }

    /// The first broken or incomplete node in the tree, if any (depth is bounded, so the
    /// recursion is).
    pub(crate) fn broken(&self) -> Option<&Node> {
        if self.incomplete {
            return Some(self);
        }
        match &self.kind {
            Kind::Broken(_) => Some(self),
            Kind::Scalar(..) => None,
            Kind::Seq(v) => v.iter().find_map(Node::broken),
            Kind::Map(m) => m
                .iter()
                .find_map(|(k, v)| k.broken().or_else(|| v.broken())),
        }
    }

    /// What the node is, for messages.
    pub(crate) fn what(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar(..) if self.is_null() => "nothing",
            Kind::Scalar(..) => "a scalar",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
            Kind::Broken(_) => "a broken node",
        }
    }

    /// Bytes the node takes, roughly, for the copy budget.
    fn cost(&self) -> usize {
        48 + match &self.kind {
            Kind::Scalar(s, _) => s.len(),
            Kind::Seq(v) => v.iter().map(Node::cost).sum(),
            Kind::Map(m) => m.iter().map(|(k, v)| k.cost() + v.cost()).sum(),
            Kind::Broken(_) => 0,
        }
    }
}

/// YAML 1.2's null: `~`, `null` (three spellings) and the empty scalar.
pub(crate) fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// A syntax error.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub at: usize,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// The first document of a text (or of the slice of it that starts a line).
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The document's root node (`None` for an empty stream, or an error before it).
    pub root: Option<Node>,
    pub error: Option<Problem>,
}

/// Character offsets (the parser's) to byte offsets, moving forward cheaply.
struct Bytes<'a> {
    text: &'a str,
    ascii: bool,
    ch: usize,
    byte: usize,
}

impl Bytes<'_> {
    fn byte(&mut self, ch: usize) -> usize {
        if self.ascii {
            return ch.min(self.text.len());
        }
        if ch < self.ch {
            // Back (an end event's mark can lie before the last scalar's): as far as the
            // distance, not from the start.
            let back = self.ch - ch;
            self.byte = self.text[..self.byte]
                .char_indices()
                .rev()
                .nth(back - 1)
                .map_or(0, |(i, _)| i);
            self.ch = ch;
            return self.byte;
        }
        let mut it = self.text[self.byte..].char_indices();
        let want = ch - self.ch;
        let off = match it.nth(want) {
            Some((i, _)) => i,
            None => self.text.len() - self.byte,
        };
        self.byte += off;
        self.ch = ch;
        self.byte
    }
}

/// Where a slice starts in the whole input: its byte offset and the number of lines
/// before it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Base {
    pub byte: usize,
    pub lines: u32,
    /// The whole input is ASCII (found once: the loads after errors must not scan the
    /// rest of the input again each).
    pub ascii: bool,
}

/// An open collection.
struct Frame {
    node: Node,
    key: Option<Node>,
    anchor: usize,
}

/// Loads the first document of `text` (a slice of the input starting at `base`). `budget`
/// is what anchors and aliases may still copy, in bytes (shared by the loads of one
/// input).
pub(crate) fn load(text: &str, base: Base, budget: &mut usize) -> Loaded {
    let mut parser = Parser::new_from_str(text);
    let mut bytes = Bytes {
        text,
        ascii: base.ascii,
        ch: 0,
        byte: 0,
    };
    let mut place = |m: &Marker| -> (usize, u32, u32) {
        (
            base.byte + bytes.byte(m.index()),
            base.lines + m.line() as u32,
            m.col() as u32 + 1,
        )
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    // Collections not built (too deep): how many are open, and where the outermost began.
    let mut skipped = 0usize;
    let mut skipped_at = (0, 0, 0);
    let mut error = None;
    let leaf = |kind: Kind, (at, line, col): (usize, u32, u32)| Node {
        kind,
        at,
        end: at,
        line,
        col,
        incomplete: false,
    };
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(x) => x,
            Err(e) => {
                let (at, line, col) = place(e.marker());
                error = Some(Problem {
                    at,
                    line,
                    col,
                    message: e.info().to_string(),
                });
                break;
            }
        };
        let here = place(&mark);
        let done = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentStart => None,
            Event::DocumentEnd | Event::StreamEnd => break,
            _ if skipped > 0 => {
                match event {
                    Event::MappingStart(..) | Event::SequenceStart(..) => skipped += 1,
                    Event::MappingEnd | Event::SequenceEnd => skipped -= 1,
                    _ => {}
                }
                (skipped == 0).then(|| {
                    let mut n = leaf(Kind::Broken("nested too deep"), skipped_at);
                    n.end = here.0;
                    n
                })
            }
            Event::Alias(id) => Some(match anchors.get(&id) {
                Some(n) if n.cost() <= *budget => {
                    *budget -= n.cost();
                    let mut n = n.clone();
                    (n.at, n.line, n.col) = here;
                    n.end = here.0;
                    n
                }
                Some(_) => leaf(
                    Kind::Broken("aliases that copy more than the input holds"),
                    here,
                ),
                None => leaf(Kind::Broken("an alias of an unknown anchor"), here),
            }),
            Event::Scalar(value, style, anchor, tag) => {
                let plain = style == TScalarStyle::Plain
                    && !tag.is_some_and(|t| {
                        t.suffix == "str" && (t.handle == "tag:yaml.org,2002:" || t.handle == "!!")
                    });
                let mut n = leaf(Kind::Scalar(value, plain), here);
                n.end = here.0;
                if anchor > 0 {
                    anchor_node(&mut anchors, anchor, &n, budget);
                }
                Some(n)
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    skipped = 1;
                    skipped_at = here;
                } else {
                    let kind = if matches!(event, Event::MappingStart(..)) {
                        Kind::Map(Vec::new())
                    } else {
                        Kind::Seq(Vec::new())
                    };
                    stack.push(Frame {
                        node: leaf(kind, here),
                        key: None,
                        anchor,
                    });
                }
                None
            }
            Event::MappingEnd | Event::SequenceEnd => stack.pop().map(|f| {
                let mut n = f.node;
                n.end = here.0;
                if f.anchor > 0 {
                    anchor_node(&mut anchors, f.anchor, &n, budget);
                }
                n
            }),
        };
        if let Some(n) = done {
            attach(&mut stack, &mut root, n);
        }
    }
    // Close what a syntax error left open.
    while let Some(f) = stack.pop() {
        let mut n = f.node;
        n.incomplete = true;
        if let (Some(k), Kind::Map(m)) = (f.key, &mut n.kind) {
            // A key without its value.
            let mut v = leaf(Kind::Broken("cut short"), (k.end, k.line, k.col));
            v.incomplete = true;
            m.push((k, v));
        }
        attach(&mut stack, &mut root, n);
    }
    Loaded { root, error }
}

fn anchor_node(anchors: &mut HashMap<usize, Node>, id: usize, n: &Node, budget: &mut usize) {
    let cost = n.cost();
    if cost <= *budget {
        *budget -= cost;
        anchors.insert(id, n.clone());
    }
}

fn attach(stack: &mut [Frame], root: &mut Option<Node>, n: Node) {
    let Some(top) = stack.last_mut() else {
        if root.is_none() {
            *root = Some(n);
        }
        return;
    };
    match &mut top.node.kind {
        Kind::Seq(v) => v.push(n),
        Kind::Map(m) => match top.key.take() {
            None => top.key = Some(n),
            Some(k) => m.push((k, n)),
        },
        _ => {}
    }
}

/// The byte offset where the first line after `from` that starts at column 1 with
/// something that is not a comment, a list item or a document marker begins: where the
/// next top-level key of a mapping may be. `(from, line)`: an offset and its 1-based line.
pub(crate) fn next_top_level_line(text: &str, from: (usize, u32)) -> Option<(usize, u32)> {
    next_line_where(text, from, |l| {
        l.starts_with(|c: char| !c.is_whitespace() && !matches!(c, '#' | '-' | '.'))
            || (l.starts_with("-") && !l.starts_with("- ") && !l.starts_with("---") && l != "-")
    })
}

/// The next line after the one `from` is in (`(offset, 1-based line)`) for which `want`
/// holds (given the line without its line end): its byte offset, and how many lines precede
/// it in `text`.
pub(crate) fn next_line_where(
    text: &str,
    (from, line): (usize, u32),
    want: impl Fn(&str) -> bool,
) -> Option<(usize, u32)> {
    let from = from.min(text.len());
    let mut start = match memchr::memchr(b'\n', &text.as_bytes()[from..]) {
        Some(i) => from + i + 1,
        None => return None,
    };
    let mut lines = line;
    while start < text.len() {
        let end =
            memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
        let line = text[start..end].trim_end_matches('\r');
        if want(line) {
            return Some((start, lines));
        }
        start = end + 1;
        lines += 1;
    }
    None
}

/// A plain scalar as JSON: an integer when it is one as written (`007` stays text), `true`
/// and `false`, `null`; everything else a string. (Floats stay text: `1.10` is a version,
/// not 1.1.)
pub(crate) fn to_json(n: &Node) -> Result<serde_json::Value, &Node> {
    use serde_json::Value as Json;
    Ok(match &n.kind {
        Kind::Scalar(s, true) if is_null(s) => Json::Null,
        Kind::Scalar(s, true) => match s.as_str() {
            "true" | "True" | "TRUE" => Json::Bool(true),
            "false" | "False" | "FALSE" => Json::Bool(false),
            _ => match s.parse::<i64>() {
                Ok(i) if i.to_string() == *s => Json::from(i),
                _ => Json::String(s.clone()),
            },
        },
        Kind::Scalar(s, false) => Json::String(s.clone()),
        Kind::Seq(v) => Json::Array(v.iter().map(to_json).collect::<Result<_, _>>()?),
        Kind::Map(m) => {
            let mut o = serde_json::Map::new();
            for (k, v) in m {
                let key = match &k.kind {
                    Kind::Scalar(s, _) => s.clone(),
                    _ => return Err(k),
                };
                o.insert(key, to_json(v)?);
            }
            Json::Object(o)
        }
        Kind::Broken(_) => return Err(n),
    })
}

/// A JSON value as a YAML node for `yaml_rust2`'s emitter.
pub(crate) fn from_json(v: &serde_json::Value) -> yaml_rust2::Yaml {
    use serde_json::Value as Json;
    use yaml_rust2::Yaml;
    match v {
        Json::Null => Yaml::Null,
        Json::Bool(b) => Yaml::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Integer(i),
            None => Yaml::Real(n.to_string()),
        },
        Json::String(s) => Yaml::String(s.clone()),
        Json::Array(a) => Yaml::Array(a.iter().map(from_json).collect()),
        Json::Object(o) => {
            let mut h = yaml_rust2::yaml::Hash::new();
            for (k, v) in o {
                h.insert(Yaml::String(k.clone()), from_json(v));
            }
            Yaml::Hash(h)
        }
    }
}

/// YAML text for a node, by `yaml_rust2`'s emitter, without the `---` it starts with.
pub(crate) fn emit(y: &yaml_rust2::Yaml) -> String {
    let mut out = String::new();
    let mut em = yaml_rust2::YamlEmitter::new(&mut out);
    em.multiline_strings(true);
    // (Writing to a `String` cannot fail, and the nodes hold no aliases.)
    let _ = em.dump(y);
    match out.strip_prefix("---\n") {
        Some(rest) => rest.to_string(),
        None => out
            .strip_prefix("---")
            .unwrap_or(&out)
            .trim_start()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Loaded {
        load(text, Base::default(), &mut (text.len() * 4 + (1 << 20)))
    }

    #[test]
    fn positions() {
        let l = root("a:\n  b: [1, 2]\nc: é\nd: x\n");
        let r = l.root.unwrap();
        let m = r.map().unwrap();
        assert_eq!(m[1].0.line, 3);
        assert_eq!(m[2].1.at, "a:\n  b: [1, 2]\nc: é\nd: ".len());
        assert!(l.error.is_none());
    }

    #[test]
    fn errors_keep_what_came_before() {
        let l = root("a: 1\nb: [\nc: 2\n");
        assert!(l.error.is_some());
        let r = l.root.unwrap();
        assert!(r.incomplete);
        assert_eq!(r.map().unwrap()[0].1.text(), Some("1"));
    }

    #[test]
    fn deep_and_aliases() {
        let deep = format!("a: {}{}", "[".repeat(200), "]".repeat(200));
        let r = root(&deep).root.unwrap();
        assert!(r.broken().is_some());
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        let mut budget = bomb.len() * 4;
        let r = load(bomb, Base::default(), &mut budget).root.unwrap();
        assert!(r.broken().is_some());
    }

    #[test]
    fn json() {
        let r = root("a: 007\nb: 7\nc: '7'\nd: ~\ne: true\nf: 1.10\n")
            .root
            .unwrap();
        let j = to_json(&r).unwrap();
        assert_eq!(
            j,
            serde_json::json!({"a": "007", "b": 7, "c": "7", "d": null, "e": true, "f": "1.10"})
        );
    }
}
