//! The entries a document cites, and everything they need, as a `.bib` of their own.
//!
//! [`extract`] takes the bibliographies (as [`Document`]s, in the order BibTeX reads them)
//! and what the documents cite ([`Scan`]s), and gives the cited entries plus their
//! closure:
//!
//! - the entries they name: `crossref`, `xref` and `xdata` targets, `related` and
//!   `entryset` members (and what those name in turn);
//! - entries cited by an alias in their `ids` field (biblatex);
//! - the `@string` macros the chosen entries use, and the macros those use;
//! - every `@preamble`.
//!
//! Each block's text is copied byte for byte from its file, so the result reads as the
//! sources read and `bibkit fmt --check` accepts it when it accepted them. Blocks come in
//! the order of the sources ([`Order::Source`]), or the cited entries in the order they are
//! first cited ([`Order::Citation`]; the entries only the closure brings come after
//! them, so that a `crossref` parent still follows its children as BibTeX needs).
//! `\nocite{*}` (`@*` in pandoc's `nocite`) cites every entry.
//!
//! ```
//! use bibkit::check::cited::{scan, Kind};
//! use bibkit::edit::Document;
//! use bibkit::extract::{extract, Order};
//! let strings = Document::parse("@string{acm = {ACM}}\n\n@string{ieee = {IEEE}}\n");
//! let refs = Document::parse(
//!     "@inproceedings{a, title = {A}, crossref = {proc}}\n\n\
//!      @misc{unused, title = {U}}\n\n\
//!      @proceedings{proc, title = {Proc}, publisher = acm}\n",
//! );
//! let tex = scan("\\cite{a} \\cite{missing}", Kind::Tex, Some("paper.tex".into()));
//! let out = extract(&[("strings.bib".into(), &strings), ("refs.bib".into(), &refs)], &[&tex], Order::Source);
//! assert_eq!(
//!     out.text,
//!     "@string{acm = {ACM}}\n\n@inproceedings{a, title = {A}, crossref = {proc}}\n\n\
//!      @proceedings{proc, title = {Proc}, publisher = acm}\n"
//! );
//! assert_eq!(out.undefined[0].key, "missing");
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::check::cited::{Citation, Scan};
use crate::diagnostic::{Diagnostic, Severity};
use crate::edit::{BlockKind, Document, PieceKind};

/// The order of the entries written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// As in the sources: file by file, in file order.
    #[default]
    Source,
    /// The cited entries in the order they are first cited, then those the closure
    /// brings, in source order. `@string`s and `@preamble`s come first.
    Citation,
}

/// What [`extract`] gives.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    /// The `.bib` text: the blocks chosen, each as written, one blank line apart.
    pub text: String,
    /// The blocks chosen, in the order written: (bibliography, block index).
    pub blocks: Vec<(usize, usize)>,
    /// How many entries were chosen, how many of them only for the closure, and how many
    /// `@string`s and `@preamble`s.
    pub entries: usize,
    /// See [`Extracted::entries`].
    pub closure: usize,
    /// See [`Extracted::entries`].
    pub strings: usize,
    /// See [`Extracted::entries`].
    pub preambles: usize,
    /// The first citation of each key that no bibliography defines (nor has as an alias).
    pub undefined: Vec<Citation>,
}

impl Extracted {
    /// The undefined citations as `undefined-citation` findings, worded as `bibkit check`
    /// words them.
    pub fn findings(&self) -> Vec<Diagnostic> {
        self.undefined
            .iter()
            .map(|c| {
                let mut d = Diagnostic::new(
                    Severity::Error,
                    "undefined-citation",
                    format!("`{}` is cited but no bibliography defines it", c.key),
                )
                .at_line_col(c.span, c.line, c.column);
                d.file = c.file.clone();
                d.key = Some(c.key.clone());
                d
            })
            .collect()
    }
}

/// The fields whose values name other entries, and whether they hold a list.
pub(crate) const LINKS: [(&str, bool); 5] = [
    ("crossref", false),
    ("xref", false),
    ("xdata", true),
    ("related", true),
    ("entryset", true),
];

/// The keys inside a raw value (within its braces or quotes, split at commas when it is a
/// list), with their byte offsets in `raw`.
pub(crate) fn keys_in(raw: &str, list: bool) -> Vec<(usize, &str)> {
    let (start, inner) = match raw.as_bytes().first() {
        Some(b'{') | Some(b'"') if raw.len() >= 2 => (1, &raw[1..raw.len() - 1]),
        _ => (0, raw),
    };
    let mut out = Vec::new();
    let mut at = start;
    let parts: Vec<&str> = if list {
        inner.split(',').collect()
    } else {
        vec![inner]
    };
    for part in parts {
        let lead = part.len() - part.trim_start().len();
        let key = part.trim();
        if !key.is_empty() {
            out.push((at + lead, key));
        }
        at += part.len() + 1;
    }
    out
}

/// A field value's keys (see [`keys_in`]).
pub(crate) fn linked_keys(raw: &str, list: bool) -> Vec<&str> {
    keys_in(raw, list).into_iter().map(|(_, k)| k).collect()
}

/// Extracts what `scans` cite from `bibs`; see the module docs.
pub fn extract(bibs: &[(Arc<str>, &Document)], scans: &[&Scan], order: Order) -> Extracted {
    // Entries by key, ignoring case; the first definition counts (as BibTeX reads).
    let mut by_key: HashMap<String, (usize, usize)> = HashMap::new();
    let mut aliases: HashMap<String, (usize, usize)> = HashMap::new();
    let mut entries: Vec<(usize, usize)> = Vec::new();
    for (b, (_, doc)) in bibs.iter().enumerate() {
        for (i, block) in doc.blocks().iter().enumerate() {
            if block.kind() != BlockKind::Entry {
                continue;
            }
            entries.push((b, i));
            if let Some(k) = doc.key(i).filter(|k| !k.is_empty()) {
                by_key.entry(k.to_lowercase()).or_insert((b, i));
            }
            for raw in doc.fields(i, "ids") {
                for alias in linked_keys(raw, true) {
                    aliases.entry(alias.to_lowercase()).or_insert((b, i));
                }
            }
        }
    }
    let find = |key: &str| {
        let k = key.to_lowercase();
        by_key.get(&k).or_else(|| aliases.get(&k)).copied()
    };
    let mut chosen: HashSet<(usize, usize)> = HashSet::new();
    let mut cited_order: Vec<(usize, usize)> = Vec::new();
    let mut undefined: Vec<Citation> = Vec::new();
    let mut missing: HashSet<String> = HashSet::new();
    let all = scans.iter().any(|s| s.cites_all);
    if all {
        for &e in &entries {
            if chosen.insert(e) {
                cited_order.push(e);
            }
        }
    }
    for s in scans {
        for c in &s.citations {
            match find(&c.key) {
                Some(e) => {
                    if chosen.insert(e) {
                        cited_order.push(e);
                    }
                }
                None => {
                    if missing.insert(c.key.clone()) {
                        undefined.push(c.clone());
                    }
                }
            }
        }
    }
    let cited = chosen.len();
    // The closure over the links.
    let mut todo: Vec<(usize, usize)> = cited_order.clone();
    while let Some((b, i)) = todo.pop() {
        let doc = bibs[b].1;
        for (field, list) in LINKS {
            for raw in doc.fields(i, field) {
                for k in linked_keys(raw, list) {
                    if let Some(e) = find(k) {
                        if chosen.insert(e) {
                            todo.push(e);
                        }
                    }
                }
            }
        }
    }
    // The macros they use, and the macros those use: every `@string` that defines one.
    let mut strings_of: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    for (b, (_, doc)) in bibs.iter().enumerate() {
        for (i, block) in doc.blocks().iter().enumerate() {
            if block.kind() == BlockKind::String {
                for k in 0..block.field_count() {
                    if let Some((name, _)) = doc.field(i, k) {
                        strings_of
                            .entry(name.to_lowercase())
                            .or_default()
                            .push((b, i));
                    }
                }
            }
        }
    }
    let macros_of = |b: usize, i: usize| -> Vec<String> {
        let doc = bibs[b].1;
        (0..doc.blocks()[i].field_count())
            .flat_map(|k| doc.pieces(i, k))
            .filter(|p| p.kind == PieceKind::Macro)
            .map(|p| p.text.to_lowercase())
            .collect()
    };
    let mut strings: HashSet<(usize, usize)> = HashSet::new();
    let mut names: Vec<String> = chosen.iter().flat_map(|&(b, i)| macros_of(b, i)).collect();
    let mut seen_names: HashSet<String> = HashSet::new();
    while let Some(name) = names.pop() {
        if !seen_names.insert(name.clone()) {
            continue;
        }
        for &(b, i) in strings_of.get(&name).map_or(&[][..], Vec::as_slice) {
            if strings.insert((b, i)) {
                names.extend(macros_of(b, i));
            }
        }
    }
    // What is written, in order.
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let mut preambles = 0;
    for (b, (_, doc)) in bibs.iter().enumerate() {
        for (i, block) in doc.blocks().iter().enumerate() {
            let take = match block.kind() {
                BlockKind::Entry => order == Order::Source && chosen.contains(&(b, i)),
                BlockKind::String => strings.contains(&(b, i)),
                BlockKind::Preamble => {
                    preambles += 1;
                    true
                }
                BlockKind::Comment => false,
            };
            if take {
                blocks.push((b, i));
            }
        }
    }
    if order == Order::Citation {
        let mut heads: Vec<(usize, usize)> = std::mem::take(&mut blocks);
        heads.extend(cited_order.iter().copied());
        let cited_set: HashSet<(usize, usize)> = cited_order.iter().copied().collect();
        heads.extend(
            entries
                .iter()
                .copied()
                .filter(|e| chosen.contains(e) && !cited_set.contains(e)),
        );
        blocks = heads;
    }
    // Each file's line ending, looked for once.
    let endings: Vec<&str> = bibs
        .iter()
        .map(|(_, d)| {
            if memchr::memmem::find(d.text().as_bytes(), b"\r\n").is_some() {
                "\r\n"
            } else {
                "\n"
            }
        })
        .collect();
    let mut text = String::new();
    for &(b, i) in &blocks {
        let doc = bibs[b].1;
        let nl = endings[b];
        if !text.is_empty() {
            text.push_str(nl);
        }
        let span = doc.blocks()[i].span();
        text.push_str(&doc.text()[span.start..span.end]);
        text.push_str(nl);
    }
    Extracted {
        text,
        blocks,
        entries: chosen.len(),
        closure: chosen.len() - cited,
        strings: strings.len(),
        preambles,
        undefined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::cited::{Kind, scan};

    fn run(bibs: &[(&str, &str)], doc: &str, kind: Kind, order: Order) -> Extracted {
        let docs: Vec<(Arc<str>, Document)> = bibs
            .iter()
            .map(|(n, t)| (Arc::from(*n), Document::parse(*t)))
            .collect();
        let refs: Vec<(Arc<str>, &Document)> = docs.iter().map(|(n, d)| (n.clone(), d)).collect();
        let s = scan(doc, kind, Some("doc".into()));
        extract(&refs, &[&s], order)
    }

    #[test]
    fn the_closure_follows_links_aliases_and_macros() {
        let bib = "@preamble{\"\\newcommand{\\noop}[1]{}\"}\n\n\
                   @string{j = {J}}\n\n@string{jj = j # { Journal}}\n\n@string{other = {O}}\n\n\
                   @article{a, journal = jj, related = {r1, r2}, xdata = {x}}\n\n\
                   @misc{r1, title = {R1}}\n\n@misc{r2, title = {R2}, crossref = {p}}\n\n\
                   @xdata{x, publisher = {P}}\n\n@misc{b, ids = {oldb}}\n\n@misc{unused}\n\n\
                   @book{p, title = {P}}\n";
        let out = run(
            &[("r.bib", bib)],
            "\\cite{oldb,A}",
            Kind::Tex,
            Order::Source,
        );
        let keys: Vec<&str> = out
            .text
            .lines()
            .filter(|l| l.starts_with('@'))
            .map(|l| &l[..l.find([',', '}']).unwrap_or(l.len())])
            .collect();
        assert_eq!(
            keys,
            [
                "@preamble{\"\\newcommand{\\noop",
                "@string{j = {J",
                "@string{jj = j # { Journal",
                "@article{a",
                "@misc{r1",
                "@misc{r2",
                "@xdata{x",
                "@misc{b",
                "@book{p"
            ]
        );
        assert_eq!(
            (out.entries, out.closure, out.strings, out.preambles),
            (6, 4, 2, 1)
        );
        assert!(out.undefined.is_empty());
    }

    #[test]
    fn citation_order_puts_the_closure_last() {
        let bib = "@misc{a, crossref = {p}}\n\n@misc{b}\n\n@book{p}\n";
        let out = run(
            &[("r.bib", bib)],
            "@b and @a",
            Kind::Markdown,
            Order::Citation,
        );
        assert_eq!(
            out.text,
            "@misc{b}\n\n@misc{a, crossref = {p}}\n\n@book{p}\n"
        );
    }

    #[test]
    fn nocite_star_takes_everything_and_undefined_keys_are_reported_once() {
        let bib = "@misc{a}\n\n@comment{x}\n\n@misc{b}\n";
        let out = run(
            &[("r.bib", bib)],
            "\\nocite{*}\\cite{zz}\\cite{zz}",
            Kind::Tex,
            Order::Source,
        );
        assert_eq!(out.text, "@misc{a}\n\n@misc{b}\n");
        assert_eq!(out.undefined.len(), 1);
        let d = &out.findings()[0];
        assert_eq!(
            d.to_string(),
            "doc:1:17: error[undefined-citation]: `zz` is cited but no bibliography defines it"
        );
    }

    #[test]
    fn crlf_files_keep_their_line_endings() {
        let bib = "@misc{a}\r\n\r\n@misc{b}\r\n";
        let out = run(&[("r.bib", bib)], "\\cite{b}", Kind::Tex, Order::Source);
        assert_eq!(out.text, "@misc{b}\r\n");
    }
}
