//! Conversions between bibkit's model and the types of the `biblatex` crate (typst's),
//! with the `biblatex` feature.
//!
//! * bibkit → `biblatex`: each field becomes chunks — plain text as normal chunks,
//!   case-protected text as verbatim chunks, math as math; names as `Last, First` parts
//!   joined by `and` (organisations as verbatim chunks, so the crate keeps them whole);
//!   dates as EDTF. The crate has no place for formatting commands (`\emph`, `\textsc`) or
//!   other raw LaTeX: they are given as their text.
//! * `biblatex` → bibkit: each field's chunks are printed as BibLaTeX source (the crate's
//!   own printer) and read by bibkit's `.bib` reader, so names, dates, LaTeX and
//!   `year`/`month` are normalised exactly as when reading a file. The crate keeps fields
//!   in alphabetical order, so that is the order they come back in.
//!
//! ```
//! use bibkit::model::Bibliography;
//! let bib = Bibliography::from_bibtex(r"@article{k, author = {van der Maaten, Laurens and {WHO}},
//!   title = {Visualizing {t-SNE}}, journal = {JMLR}, year = 2008, month = nov}").unwrap();
//! let theirs = biblatex::Bibliography::from(&bib);
//! let entry = theirs.get("k").unwrap();
//! assert_eq!(entry.author().unwrap()[0].name, "Maaten");
//! assert_eq!(entry.author().unwrap()[0].prefix, "van der");
//! assert_eq!(entry.author().unwrap()[1].name, "WHO");
//!
//! let back = Bibliography::from(&theirs);
//! assert_eq!(back.to_csl_json(), bib.to_csl_json());
//! ```

use biblatex::{Chunk as TheirChunk, Spanned};

use crate::formats::bibtex;
use crate::latex;
use crate::model::{Bibliography, Chunk, Entry, Name, Value};

/// A chunk with a span over its own text. The crate's detached spans (`usize::MAX`) overflow
/// when it splits a token list such as `ids = {a, b}`, so each chunk gets `0..len` instead.
fn chunk(c: TheirChunk) -> Spanned<TheirChunk> {
    let len = match &c {
        TheirChunk::Normal(s) | TheirChunk::Verbatim(s) | TheirChunk::Math(s) => s.len(),
    };
    Spanned::new(c, 0..len)
}

/// A bibkit value as the crate's chunks.
fn chunks(v: &Value) -> Vec<Spanned<TheirChunk>> {
    match v {
        Value::Text(t) => t
            .chunks()
            .iter()
            .map(|c| {
                chunk(match c {
                    Chunk::Plain(s) => TheirChunk::Normal(s.clone()),
                    Chunk::Protected(s) => TheirChunk::Verbatim(s.clone()),
                    Chunk::Math(s) => TheirChunk::Math(s.clone()),
                    Chunk::Raw(r) => TheirChunk::Normal(latex::render_raw(r)),
                })
            })
            .collect(),
        Value::Names(list) => {
            let mut out = Vec::new();
            let mut sep = false;
            for n in &list.names {
                if std::mem::replace(&mut sep, true) {
                    out.push(chunk(TheirChunk::Normal(" and ".into())));
                }
                match n {
                    Name::Literal(s) => out.push(chunk(TheirChunk::Verbatim(s.clone()))),
                    Name::Person(p) => {
                        // Parts that a name parser would split (several family words, a
                        // comma, an `and`) are verbatim chunks.
                        let part = |s: &str, whole: bool| {
                            let split = s.contains(',')
                                || (whole && s.contains(char::is_whitespace))
                                || s.split_whitespace()
                                    .any(|w| w.eq_ignore_ascii_case("and") || w == "others");
                            chunk(if split {
                                TheirChunk::Verbatim(s.to_string())
                            } else {
                                TheirChunk::Normal(s.to_string())
                            })
                        };
                        if *p == crate::model::Person::default() {
                            // No name at all: an empty group, as bibkit writes it.
                            out.push(chunk(TheirChunk::Verbatim(String::new())));
                            continue;
                        }
                        if !p.particle.is_empty() {
                            out.push(part(&p.particle, false));
                            out.push(chunk(TheirChunk::Normal(" ".into())));
                        }
                        out.push(part(&p.family, true));
                        if !p.suffix.is_empty() {
                            out.push(chunk(TheirChunk::Normal(", ".into())));
                            out.push(part(&p.suffix, false));
                        }
                        if !p.given.is_empty() || !p.suffix.is_empty() {
                            out.push(chunk(TheirChunk::Normal(", ".into())));
                            out.push(part(&p.given, false));
                        }
                    }
                }
            }
            if list.truncated {
                out.push(chunk(TheirChunk::Normal(" and others".into())));
            }
            out
        }
        Value::Date(d) => vec![chunk(TheirChunk::Normal(d.to_string()))],
        Value::Verbatim(s) => vec![chunk(TheirChunk::Normal(s.clone()))],
    }
}

impl From<&Entry> for biblatex::Entry {
    fn from(e: &Entry) -> Self {
        let mut out = biblatex::Entry::new(e.key.clone(), biblatex::EntryType::new(&e.kind));
        for f in &e.fields {
            // The crate holds one value per field: the first, as BibTeX uses it.
            if !out.fields.contains_key(f.name.as_ref()) {
                out.set(&f.name, chunks(&f.value));
            }
        }
        out
    }
}

impl From<&Bibliography> for biblatex::Bibliography {
    fn from(bib: &Bibliography) -> Self {
        let mut out = biblatex::Bibliography::new();
        for e in &bib.entries {
            out.insert(biblatex::Entry::from(e));
        }
        out
    }
}

/// The crate's entry as BibLaTeX source bibkit's reader can read: normal chunks escaped,
/// verbatim chunks braced, math between `$`; verbatim fields (URLs, DOIs) as they are.
fn source(e: &biblatex::Entry) -> String {
    let kind = match &e.entry_type {
        biblatex::EntryType::Unknown(name) => name.clone(),
        t => t.to_string(),
    };
    let enc = latex::EncodeOptions::default();
    let mut out = format!("@{kind}{{{},\n", e.key);
    for (name, value) in &e.fields {
        let verbatim = bibtex::field_kind(name) == bibtex::FieldKind::Verbatim;
        let mut v = String::new();
        for c in value {
            match &c.v {
                TheirChunk::Normal(s) | TheirChunk::Verbatim(s) if verbatim => v.push_str(s),
                TheirChunk::Normal(s) => v.push_str(&latex::escape_str(s, &enc)),
                TheirChunk::Verbatim(s) => {
                    v.push('{');
                    v.push_str(&latex::escape_str(s, &enc));
                    v.push('}');
                }
                TheirChunk::Math(s) => {
                    v.push('$');
                    v.push_str(s);
                    v.push('$');
                }
            }
        }
        let v = if verbatim {
            bibtex::balanced_verbatim(&v).into_owned()
        } else {
            v
        };
        out.push_str(&format!("  {name} = {{{v}}},\n"));
    }
    out.push_str("}\n");
    out
}

impl From<&biblatex::Entry> for Entry {
    fn from(e: &biblatex::Entry) -> Self {
        let parsed = bibtex::Reader::new()
            .resolve_crossrefs(false)
            .read(&source(e));
        parsed
            .bibliography
            .entries
            .into_iter()
            .next()
            .unwrap_or_else(|| Entry::new(e.key.clone(), e.entry_type.to_string()))
    }
}

impl From<&biblatex::Bibliography> for Bibliography {
    fn from(bib: &biblatex::Bibliography) -> Self {
        let text: String = bib.iter().map(source).collect::<Vec<_>>().join("\n");
        bibtex::Reader::new()
            .resolve_crossrefs(false)
            .read(&text)
            .bibliography
    }
}
