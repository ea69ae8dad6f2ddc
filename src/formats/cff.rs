//! CITATION.cff (Citation File Format 1.2.0, and 1.3.0 where it differs): a reader and a
//! writer.
//!
//! A CFF file is one YAML mapping that describes one work, software by default
//! (`type: dataset` for data), with the work's preferred citation and the works it
//! references. The reader makes entries of it in this order:
//!
//! 1. the work itself, an entry of type `software` or `dataset` (its key from the
//!    [`KeyGenerator`], like every entry here);
//! 2. its `preferred-citation`, when there is one, as an entry of its own type; the
//!    work's entry names it in `related`;
//! 3. each of its `references`, one entry each, in order (not linked to the work: they
//!    are what the work cites, a relation BibLaTeX has no field for).
//!
//! A corpus that counts "one record per file" counts the first of these.
//!
//! The file is checked against the CFF schema of the version it declares (1.2.0 or
//! 1.3.0) as the reader goes: a missing required key, a value of the wrong type, a date,
//! DOI, ORCID, URL, e-mail, ISBN, ISSN, PMCID or SWHID that does not match the schema's
//! pattern, a type outside the schema's list and a key the schema does not allow are
//! `cff-invalid` errors with their line. The entries are still read (a value that cannot
//! be read is left out, and said so). Not checked: the SPDX licence list (any licence id
//! is taken), the country list (two capital letters pass), and that list items are unique.
//! An older `cff-version` (1.0.3, 1.1.0) is read by the same rules without the checks,
//! with a `cff-version` warning. A key with no place in the model is a `cff-dropped`
//! warning with its line (the required `message` and `cff-version` are not reported);
//! a type or date read by a guess is `cff-guessed`. Input that is not YAML, or whose
//! document is not a mapping, is a `cff-invalid` error and gives no entries.
//!
//! YAML aliases are resolved, but reading follows the schema's shape (never deeper than a
//! reference's person's affiliation) and stops resolving after a budget proportional to
//! the input's size, so "billion laughs" inputs cost linear time and memory.
//!
//! The model the reader fills: `title`, `author`, `editor`, `translator`, `date` (from
//! `date-released`, `date-published`, or `year` and `month`), `version`, `doi` (also from
//! `identifiers`), `url`, `repository` (`repository-code`, else `repository`), `license`
//! (a list joined by ` OR `), `commit`, `swhid`, `abstract`, `keywords`, `journaltitle`,
//! `booktitle` (`collection-title`), `volume`, `number` (`issue`, else `number`),
//! `pages` (`start`–`end`), `pagetotal` (`pages`), `publisher`, `institution`,
//! `location`, `eventtitle`, `venue` and `eventdate` (the `conference`), `edition`,
//! `isbn`, `issn`, `pmcid`, `urldate`, `note`, `language`, `type` (`thesis-type`),
//! `pubstate` (`status`), `shorttitle` (`abbreviation`), `volumes`, `origdate`,
//! `issuetitle`, `database`. Persons keep `orcid` (bare) and `affiliation` (1.3.0's
//! affiliation entities by their names, "; "-joined); entities (`name:`) are literal
//! names, and a person with only an `alias` is that alias. The root's
//! `repository-artifact` is its `url` when it has none. Reference types map to BibLaTeX
//! types (`conference-paper` → `inproceedings`, `edited-work` → `collection`, `pamphlet`
//! → `booklet`, …); a CFF type that shares its entry type with another (`slides`,
//! `database`, `software-code`, `magazine-article`) is kept in `entrysubtype`, so that it
//! is written back. A quoted value continued on lines no more indented than its key
//! (which PyYAML takes and yaml-rust2 does not; the CFF examples have one) is read as if
//! they were indented, with a `cff-guessed` note.
//!
//! ```
//! let parsed = bibkit::formats::cff::read(
//!     "cff-version: 1.2.0\nmessage: Please cite it.\ntitle: My Tool\nversion: 1.0.2\n\
//!      date-released: 2021-03-04\nauthors:\n  - family-names: Lovelace\n    given-names: Ada\n\
//!     \x20   orcid: https://orcid.org/0000-0002-1825-0097\n",
//! );
//! let e = &parsed.bibliography.entries[0];
//! assert_eq!(e.kind, "software");
//! assert_eq!(e.key, "lovelace2021my");
//! assert_eq!(e.get("version").unwrap().to_string(), "1.0.2");
//! assert_eq!(e.get("date").unwrap().to_string(), "2021-03-04");
//! assert!(parsed.diagnostics.is_empty());
//! let (cff, losses) = bibkit::formats::cff::write(&parsed.bibliography.entries);
//! assert!(cff.contains("orcid: \"https://orcid.org/0000-0002-1825-0097\""));
//! assert!(losses.is_empty());
//! ```
//!
//! Writing ([`write()`]): the output is a CFF 1.2.0 document. Its root is the first
//! `software` or `dataset` entry (one whose `related` names another entry is taken
//! first; that entry becomes the `preferred-citation`); every other entry is one item of
//! `references`. When no entry is software or a dataset, the root copies the first
//! entry's title, authors and version (as the CFF guide does for a paper that is the
//! work's citation), and that entry becomes the `preferred-citation`; an info diagnostic
//! says so. Values that would break the schema (a DOI, ORCID, URL, ISBN, ISSN, PMCID,
//! language or licence that does not match its pattern or list, a date the key cannot
//! hold) are not written, and each entry's loss report (`cff-not-written`) names them with
//! the fields CFF has no key for. Entries without authors get the anonymous author
//! `name: anonymous` the schema requires (read back as no author), entries without title
//! the title `Untitled`.

use super::shorten;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use regex::Regex;
use unicode_normalization::{UnicodeNormalization, is_nfc};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;
use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlEmitter};

use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::Parsed;
use crate::keys::KeyGenerator;
use crate::model::{
    Bibliography, Date, DatePart, Entry, Name, NameList, Origin, Person, RangeEnd, Span, Value,
};

/// CFF reference types and the entry types they become.
const TYPES: &[(&str, &str)] = &[
    ("art", "artwork"),
    ("article", "article"),
    ("audiovisual", "video"),
    ("bill", "legislation"),
    ("blog", "online"),
    ("book", "book"),
    ("catalogue", "misc"),
    ("conference-paper", "inproceedings"),
    ("conference", "proceedings"),
    ("data", "dataset"),
    ("database", "dataset"),
    ("dictionary", "reference"),
    ("edited-work", "collection"),
    ("encyclopedia", "reference"),
    ("film-broadcast", "video"),
    ("generic", "misc"),
    ("government-document", "report"),
    ("grant", "misc"),
    ("hearing", "misc"),
    ("historical-work", "misc"),
    ("legal-case", "jurisdiction"),
    ("legal-rule", "legal"),
    ("magazine-article", "article"),
    ("manual", "manual"),
    ("map", "misc"),
    ("multimedia", "misc"),
    ("music", "music"),
    ("newspaper-article", "article"),
    ("pamphlet", "booklet"),
    ("patent", "patent"),
    ("personal-communication", "letter"),
    ("proceedings", "proceedings"),
    ("report", "report"),
    ("serial", "periodical"),
    ("slides", "misc"),
    ("software-code", "software"),
    ("software-container", "software"),
    ("software-executable", "software"),
    ("software-virtual-machine", "software"),
    ("software", "software"),
    ("sound-recording", "audio"),
    ("standard", "standard"),
    ("statute", "legislation"),
    ("thesis", "thesis"),
    ("unpublished", "unpublished"),
    ("video", "video"),
    ("website", "online"),
];

/// Entry types and the CFF type they are written as (the inverse of [`TYPES`]; a CFF
/// type that is not the one here is kept in `entrysubtype`).
const KINDS: &[(&str, &str)] = &[
    ("artwork", "art"),
    ("article", "article"),
    ("video", "video"),
    ("movie", "film-broadcast"),
    ("legislation", "statute"),
    ("online", "website"),
    ("electronic", "website"),
    ("www", "website"),
    ("book", "book"),
    ("mvbook", "book"),
    ("inbook", "book"),
    ("bookinbook", "book"),
    ("inproceedings", "conference-paper"),
    ("conference", "conference-paper"),
    ("proceedings", "proceedings"),
    ("mvproceedings", "proceedings"),
    ("dataset", "data"),
    ("reference", "encyclopedia"),
    ("mvreference", "encyclopedia"),
    ("inreference", "encyclopedia"),
    ("collection", "edited-work"),
    ("mvcollection", "edited-work"),
    ("incollection", "generic"),
    ("misc", "generic"),
    ("jurisdiction", "legal-case"),
    ("legal", "legal-rule"),
    ("manual", "manual"),
    ("music", "music"),
    ("booklet", "pamphlet"),
    ("patent", "patent"),
    ("letter", "personal-communication"),
    ("report", "report"),
    ("techreport", "report"),
    ("periodical", "serial"),
    ("software", "software"),
    ("audio", "sound-recording"),
    ("standard", "standard"),
    ("thesis", "thesis"),
    ("phdthesis", "thesis"),
    ("mastersthesis", "thesis"),
    ("unpublished", "unpublished"),
];

/// BibTeX type names seen as CFF types (ruby-cff's fixtures), read by a guess.
const BIBTEX_TYPES: &[(&str, &str, &str)] = &[
    ("phdthesis", "thesis", "phdthesis"),
    ("mastersthesis", "thesis", "mathesis"),
    ("inproceedings", "inproceedings", ""),
    ("techreport", "report", ""),
    ("incollection", "incollection", ""),
    ("inbook", "inbook", ""),
    ("misc", "misc", ""),
    ("booklet", "booklet", ""),
    ("online", "online", ""),
];

/// CFF `status` values and the `pubstate` they become.
const STATUS: &[(&str, &str)] = &[
    ("abstract", "abstract"),
    ("advance-online", "advance-online"),
    ("in-preparation", "inpreparation"),
    ("in-press", "inpress"),
    ("preprint", "prepublished"),
    ("submitted", "submitted"),
];

/// SPDX licence ids the writer writes (all in the CFF 1.2.0 schema's list); others are
/// reported, since the schema allows only its list.
const LICENSES: &[&str] = &[
    "0BSD",
    "AFL-3.0",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.1",
    "Apache-2.0",
    "Artistic-2.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-4-Clause",
    "BSL-1.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "GPL-1.0-or-later",
    "GPL-2.0",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "ISC",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "LPPL-1.3c",
    "MIT",
    "MIT-0",
    "MPL-1.1",
    "MPL-2.0",
    "MS-PL",
    "NCSA",
    "ODbL-1.0",
    "OFL-1.1",
    "OSL-3.0",
    "PDDL-1.0",
    "PostgreSQL",
    "Python-2.0",
    "Unlicense",
    "UPL-1.0",
    "WTFPL",
    "Zlib",
];

/// The text of the `message` the writer writes.
const MESSAGE: &str = "If you use this software, please cite it using the metadata from this file.";

fn re(p: &str) -> Regex {
    Regex::new(p).expect("valid pattern")
}

static DATE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$"));
static DOI: LazyLock<Regex> =
    LazyLock::new(|| re(r"^10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-\.\(\)\[\]\\]+$"));
static URL_12: LazyLock<Regex> = LazyLock::new(|| re(r"^(https|http|ftp|sftp)://.+"));
static URL_13: LazyLock<Regex> = LazyLock::new(|| re(r"^(https|http|ftp|sftp)://\S+$"));
static ORCID_12: LazyLock<Regex> =
    LazyLock::new(|| re(r"https://orcid\.org/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]"));
static ORCID_13: LazyLock<Regex> =
    LazyLock::new(|| re(r"^https://orcid\.org/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$"));
static BARE_ORCID: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$"));
static SWH: LazyLock<Regex> =
    LazyLock::new(|| re(r"^swh:1:(snp|rel|rev|dir|cnt):[0-9a-fA-F]{40}$"));
static EMAIL: LazyLock<Regex> = LazyLock::new(|| re(r"^[\S]+@[\S]+\.[\S]{2,}$"));
static ISBN_12: LazyLock<Regex> = LazyLock::new(|| re(r"^[0-9\- ]{10,17}X?$"));
static ISBN_13: LazyLock<Regex> = LazyLock::new(|| re(r"^[-0-9 ]{9,17}X?$"));
static ISSN: LazyLock<Regex> = LazyLock::new(|| re(r"^\d{4}-\d{3}[\dxX]$"));
static PMCID_12: LazyLock<Regex> = LazyLock::new(|| re(r"^PMC[0-9]{7}$"));
static PMCID_13: LazyLock<Regex> = LazyLock::new(|| re(r"^PMC[0-9]{7,8}$"));
static LANGUAGE: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z]{2,3}$"));
static STRICTISH: LazyLock<Regex> = LazyLock::new(|| re(r"^(\S+)( \S+)*$"));
static ROR: LazyLock<Regex> = LazyLock::new(|| re(r"^https://ror.org/0[0-9|a-z]{8}$"));
static COUNTRY: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Z]{2}$"));

/// Whether `text` looks like a CITATION.cff file: a line `cff-version:` at the start
/// of a line near the top (a YAML mapping key; RIS, BibTeX, JSON and the other YAML
/// formats bibkit reads have none).
///
/// ```
/// assert!(bibkit::formats::cff::sniff("# comment\ncff-version: 1.2.0\ntitle: x\n"));
/// assert!(!bibkit::formats::cff::sniff("TY  - JOUR\nER  - \n"));
/// ```
pub fn sniff(text: &str) -> bool {
    let head = &text[..floor_boundary(text, 4096)];
    head.trim_start_matches('\u{feff}')
        .lines()
        .any(|l| l.starts_with("cff-version:") || l.starts_with("\"cff-version\":"))
}

/// `base` with the continuation lines of the quoted scalar that starts at `index`
/// indented past its key's line (`None` when no quoted scalar starts there).
fn reindent(base: &str, index: usize) -> Option<String> {
    let b = base.as_bytes();
    let q = *b.get(index)?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let line_start = base[..index].rfind('\n').map_or(0, |i| i + 1);
    let indent = b[line_start..].iter().take_while(|&&c| c == b' ').count();
    let mut i = index + 1;
    let mut end = None;
    while i < b.len() {
        match b[i] {
            b'\\' if q == b'"' => i += 2,
            c if c == q => {
                if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    end = Some(i);
                    break;
                }
            }
            _ => i += 1,
        }
    }
    let end = end.unwrap_or(b.len());
    let mut out = String::with_capacity(base.len() + 64);
    let mut last = 0;
    let mut changed = false;
    for nl in memchr::memchr_iter(b'\n', &b[index..end]) {
        let ls = index + nl + 1;
        let cur = b[ls..].iter().take_while(|&&c| c == b' ').count();
        if cur <= indent {
            out.push_str(&base[last..ls]);
            out.extend(std::iter::repeat_n(' ', indent + 1 - cur));
            last = ls;
            changed = true;
        }
    }
    out.push_str(&base[last..]);
    changed.then_some(out)
}

fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

// ---------------------------------------------------------------------------------------
// The YAML tree, with positions.

/// A scalar's type as YAML's core schema (and `yaml_rust2::YamlLoader`) resolves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sk {
    Str,
    Int,
    Real,
    Bool,
    Null,
}

#[derive(Debug)]
enum Kind {
    Scalar(String, Sk),
    Seq(Vec<usize>),
    Map(Vec<(usize, usize)>),
    /// An alias, and the node its anchor names.
    Alias(usize),
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    start: usize,
    end: usize,
    line: u32,
    col: u32,
}

static NULL_NODE: Node = Node {
    kind: Kind::Scalar(String::new(), Sk::Null),
    start: 0,
    end: 0,
    line: 0,
    col: 0,
};

struct Tree {
    nodes: Vec<Node>,
    root: usize,
    /// Where a second document starts, when there is one.
    more: Option<(usize, u32, u32)>,
}

struct YamlError {
    message: String,
    index: usize,
    line: u32,
    col: u32,
}

fn scalar_kind(value: &str, style: TScalarStyle, tag: Option<&yaml_rust2::parser::Tag>) -> Sk {
    if style != TScalarStyle::Plain {
        return Sk::Str;
    }
    if let Some(t) = tag {
        if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" {
            return match t.suffix.as_str() {
                "int" => Sk::Int,
                "float" => Sk::Real,
                "bool" => Sk::Bool,
                "null" => Sk::Null,
                _ => Sk::Str,
            };
        }
        return Sk::Str;
    }
    // Most values are text: only what starts like a number, a boolean or a null can be
    // one (the loader's `Yaml::from_str` decides those).
    let could = value.bytes().next().is_none_or(|b| {
        b.is_ascii_digit()
            || matches!(
                b,
                b'+' | b'-' | b'.' | b'~' | b'n' | b't' | b'T' | b'f' | b'F' | b'i' | b'I' | b'N'
            )
    });
    if !could {
        return Sk::Str;
    }
    match Yaml::from_str(value) {
        Yaml::Integer(_) => Sk::Int,
        Yaml::Real(_) => Sk::Real,
        Yaml::Boolean(_) => Sk::Bool,
        Yaml::Null => Sk::Null,
        _ => Sk::Str,
    }
}

/// Builds the tree of the first document from the parser's events (no recursion: a
/// stack of open collections).
fn build(text: &str) -> Result<Option<Tree>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut nodes: Vec<Node> = Vec::new();
    let mut anchors: HashMap<usize, usize> = HashMap::new();
    // Open collections: the node, and a key waiting for its value (mappings).
    let mut stack: Vec<(usize, Option<usize>)> = Vec::new();
    let mut root = None;
    let err = |e: yaml_rust2::ScanError| {
        let m = e.marker();
        YamlError {
            message: e.info().to_string(),
            index: m.index(),
            line: m.line() as u32,
            col: m.col() as u32 + 1,
        }
    };
    loop {
        let (event, mark) = parser.next_token().map_err(err)?;
        let (index, line, col) = (mark.index(), mark.line() as u32, mark.col() as u32 + 1);
        let new = |kind: Kind| Node {
            kind,
            start: index,
            end: index,
            line,
            col,
        };
        let (node, anchor, open) = match event {
            Event::StreamEnd => break,
            Event::DocumentStart if root.is_some() => {
                return Ok(root.map(|root| Tree {
                    nodes,
                    root,
                    more: Some((index, line, col)),
                }));
            }
            Event::Scalar(value, style, anchor, tag) => {
                let sk = scalar_kind(&value, style, tag.as_ref());
                let len = value.len();
                let mut n = new(Kind::Scalar(value, sk));
                n.end = (index + len).min(text.len());
                (n, anchor, false)
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(&target) => (new(Kind::Alias(target)), 0, false),
                None => {
                    return Err(YamlError {
                        message: "alias to an unknown anchor".into(),
                        index,
                        line,
                        col,
                    });
                }
            },
            Event::SequenceStart(anchor, _) => (new(Kind::Seq(Vec::new())), anchor, true),
            Event::MappingStart(anchor, _) => (new(Kind::Map(Vec::new())), anchor, true),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((n, _)) = stack.pop() {
                    nodes[n].end = index.max(nodes[n].start);
                }
                continue;
            }
            _ => continue,
        };
        let id = nodes.len();
        nodes.push(node);
        if anchor > 0 {
            anchors.insert(anchor, id);
        }
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some(id);
                }
            }
            Some((parent, key)) => {
                let parent = *parent;
                match &mut nodes[parent].kind {
                    Kind::Seq(items) => items.push(id),
                    Kind::Map(pairs) => match key.take() {
                        Some(k) => pairs.push((k, id)),
                        None => *key = Some(id),
                    },
                    _ => {}
                }
            }
        }
        if open {
            stack.push((id, None));
        }
    }
    Ok(root.map(|root| Tree {
        nodes,
        root,
        more: None,
    }))
}

// ---------------------------------------------------------------------------------------
// Reading.

/// The schema a file is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ver {
    V12,
    V13,
}

/// Reads CITATION.cff (see the module docs). Keys are generated.
#[derive(Debug, Clone, Default)]
pub struct CffReader {
    file: Option<Arc<str>>,
}

impl CffReader {
    /// A reader.
    pub fn new() -> Self {
        CffReader::default()
    }

    /// Names the file, for origins and diagnostics.
    pub fn file(mut self, name: impl Into<Arc<str>>) -> Self {
        self.file = Some(name.into());
        self
    }

    /// Reads `text`.
    pub fn read(&self, text: &str) -> Parsed {
        self.read_with_keys(text, &mut KeyGenerator::new())
    }

    /// Reads `text`, taking keys from `keys` (so that they differ from keys other
    /// inputs got).
    pub fn read_with_keys(&self, text: &str, keys: &mut KeyGenerator) -> Parsed {
        let mut out = Parsed::default();
        let diag = |sev: Severity, rule: &'static str, msg: String, at: (usize, u32, u32)| {
            let mut d = Diagnostic::new(sev, rule, msg).at_line_col(
                Span::new(at.0.min(text.len()), at.0.min(text.len())),
                at.1.max(1),
                at.2.max(1),
            );
            d.file = self.file.clone();
            d
        };
        let mut fixed = None;
        let mut built = build(text);
        // PyYAML takes the continuation lines of a quoted scalar at the indentation of
        // its key (the CFF examples have them); yaml-rust2 wants them indented further.
        // Read such a file as if they were, by indenting the lines it stops at.
        let mut tries = 0;
        while let Err(e) = &built {
            if e.message != "invalid indentation in quoted scalar"
                || tries >= 16
                || text.len() > 1 << 20
            {
                break;
            }
            let base = fixed.as_deref().unwrap_or(text);
            let Some(t) = reindent(base, e.index) else {
                break;
            };
            tries += 1;
            built = build(&t);
            fixed = Some(t);
        }
        if tries > 0 && built.is_ok() {
            out.diagnostics.push(diag(
                Severity::Info,
                "cff-guessed",
                format!(
                    "{tries} quoted value{} continued on lines less indented than YAML allows; read as if indented",
                    if tries == 1 { "" } else { "s" }
                ),
                (0, 1, 1),
            ));
        }
        let tree = match built {
            Ok(Some(t)) => t,
            Ok(None) => {
                out.diagnostics.push(diag(
                    Severity::Error,
                    "cff-invalid",
                    "no YAML document: a CITATION.cff file is one mapping of keys".into(),
                    (0, 1, 1),
                ));
                return out;
            }
            Err(e) => {
                out.diagnostics.push(diag(
                    Severity::Error,
                    "cff-invalid",
                    format!("not YAML: {}; nothing read", e.message),
                    (e.index, e.line, e.col),
                ));
                return out;
            }
        };
        if let Some(at) = tree.more {
            out.diagnostics.push(diag(
                Severity::Warning,
                "cff-dropped",
                "a second YAML document dropped: a CITATION.cff file is one document".into(),
                at,
            ));
        }
        let mut w = Walk {
            nodes: &tree.nodes,
            file: self.file.clone(),
            ver: None,
            diags: Vec::new(),
            visits: Cell::new(0),
            budget: 8 * tree.nodes.len() + 10_000,
            exhausted: Cell::new(false),
        };
        w.document(tree.root, keys, &mut out);
        if w.exhausted.get() {
            let root = &tree.nodes[tree.root];
            w.diags.push(w.diag_at(
                Severity::Error,
                "cff-invalid",
                "aliases expand beyond the reading budget; the rest of the file is not read".into(),
                root,
            ));
        }
        out.diagnostics.extend(w.diags);
        out.diagnostics.sort_by_key(|d| d.span.start);
        out
    }
}

/// Reads CITATION.cff text (see [`CffReader`]).
pub fn read(text: &str) -> Parsed {
    CffReader::new().read(text)
}

struct Walk<'a> {
    nodes: &'a [Node],
    file: Option<Arc<str>>,
    ver: Option<Ver>,
    diags: Vec<Diagnostic>,
    visits: Cell<usize>,
    budget: usize,
    exhausted: Cell<bool>,
}

/// What a scalar may be, as the schema says.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Num {
    /// A string only.
    No,
    /// A string or an integer.
    Int,
    /// A string or any number.
    Any,
}

/// An entry being read: its fields in order.
struct Draft {
    kind: String,
    fields: Vec<(&'static str, Value)>,
}

impl Draft {
    fn has(&self, f: &str) -> bool {
        self.fields.iter().any(|(n, _)| *n == f)
    }
    fn set(&mut self, f: &'static str, v: Value) {
        if let Some(slot) = self.fields.iter_mut().find(|(n, _)| *n == f) {
            slot.1 = v;
        } else {
            self.fields.push((f, v));
        }
    }
}

fn nfc(s: &str) -> String {
    if is_nfc(s) {
        s.to_string()
    } else {
        s.nfc().collect()
    }
}

fn describe(n: &Node) -> &'static str {
    match &n.kind {
        Kind::Scalar(_, Sk::Str) => "a string",
        Kind::Scalar(_, Sk::Int) => "an integer",
        Kind::Scalar(_, Sk::Real) => "a number",
        Kind::Scalar(_, Sk::Bool) => "a boolean",
        Kind::Scalar(_, Sk::Null) => "nothing",
        Kind::Seq(_) => "a list",
        Kind::Map(_) => "a mapping",
        Kind::Alias(_) => "an alias",
    }
}

impl<'a> Walk<'a> {
    /// The node `i` is, through an alias; counts against the budget.
    fn get(&self, i: usize) -> &'a Node {
        let v = self.visits.get() + 1;
        self.visits.set(v);
        if v > self.budget {
            self.exhausted.set(true);
            return &NULL_NODE;
        }
        match self.nodes[i].kind {
            Kind::Alias(t) => &self.nodes[t],
            _ => &self.nodes[i],
        }
    }

    fn diag_at(&self, sev: Severity, rule: &'static str, msg: String, n: &Node) -> Diagnostic {
        let mut d = Diagnostic::new(sev, rule, msg).at_line_col(
            Span::new(n.start, n.end.max(n.start)),
            n.line.max(1),
            n.col.max(1),
        );
        d.file = self.file.clone();
        d
    }

    /// A schema violation (an error when the file's version is checked).
    fn invalid(&mut self, n: &Node, msg: String) {
        if let Some(v) = self.ver {
            let v = match v {
                Ver::V12 => "1.2.0",
                Ver::V13 => "1.3.0",
            };
            let d = self.diag_at(
                Severity::Error,
                "cff-invalid",
                format!("{msg} (CFF {v} schema)"),
                n,
            );
            self.diags.push(d);
        }
    }

    /// A value that cannot be read: invalid, and dropped.
    fn unusable(&mut self, n: &Node, what: &str, expected: &str) {
        let msg = format!("`{what}` should be {expected}, not {}", describe(n));
        if self.ver.is_some() {
            self.invalid(n, format!("{msg}; dropped"));
        } else {
            let d = self.diag_at(
                Severity::Warning,
                "cff-dropped",
                format!("{msg}; dropped"),
                n,
            );
            self.diags.push(d);
        }
    }

    fn dropped(&mut self, n: &Node, msg: String) {
        let d = self.diag_at(Severity::Warning, "cff-dropped", msg, n);
        self.diags.push(d);
    }

    fn guessed(&mut self, n: &Node, msg: String) {
        let d = self.diag_at(Severity::Info, "cff-guessed", msg, n);
        self.diags.push(d);
    }

    /// A key the schema does not have here: dropped (and invalid).
    fn unknown(&mut self, n: &Node, key: &str, place: &str) {
        self.invalid(
            n,
            format!(
                "key `{key}` is not allowed in {place} (additional properties are not allowed)"
            ),
        );
        self.dropped(n, format!("unknown key `{key}` in {place}; dropped"));
    }

    /// A known key with no place in the model.
    fn no_place(&mut self, n: &Node, key: &str) {
        self.dropped(n, format!("`{key}` has no place in the model; dropped"));
    }

    /// A mapping's pairs as (key text, key node, value node); a repeated key keeps its
    /// last value (as YAML loaders do) and the earlier one is reported.
    fn pairs(&mut self, n: &'a Node) -> Vec<(&'a str, &'a Node, usize)> {
        let Kind::Map(pairs) = &n.kind else {
            return Vec::new();
        };
        let mut out: Vec<(&'a str, &'a Node, usize)> = Vec::with_capacity(pairs.len());
        // (Small mappings, nearly all of them, are searched; large ones hashed.)
        let mut seen: crate::fxhash::FxHashMap<&'a str, usize> = Default::default();
        let small = pairs.len() <= 24;
        for &(k, v) in pairs {
            let kn = self.get(k);
            let key = match &kn.kind {
                Kind::Scalar(s, _) => s.as_str(),
                _ => "",
            };
            let found = if small {
                out.iter().position(|(x, _, _)| *x == key)
            } else {
                seen.get(key).copied()
            };
            match found {
                Some(i) => {
                    self.dropped(
                        kn,
                        format!(
                            "key `{}` repeated; the earlier value dropped",
                            shorten(key, 40)
                        ),
                    );
                    out[i].2 = v;
                    out[i].1 = kn;
                }
                None => {
                    if !small {
                        seen.insert(key, out.len());
                    }
                    out.push((key, kn, v));
                }
            }
        }
        out
    }

    /// Text of a scalar the schema wants a string (or a number, as `num` says).
    fn text(&mut self, i: usize, what: &str, num: Num) -> Option<String> {
        let n = self.get(i);
        let Kind::Scalar(s, sk) = &n.kind else {
            let expected = if num == Num::No {
                "a string"
            } else {
                "a string or a number"
            };
            self.unusable(n, what, expected);
            return None;
        };
        match sk {
            Sk::Str => {
                if s.is_empty() {
                    self.invalid(n, format!("`{what}` is empty"));
                    return None;
                }
                if self.ver == Some(Ver::V13) && !STRICTISH.is_match(s) {
                    self.invalid(
                        n,
                        format!(
                            "`{what}` has leading, trailing, double spaces or line breaks: `{}`",
                            shorten(s, 40)
                        ),
                    );
                }
            }
            Sk::Null => {
                self.unusable(n, what, "a value");
                return None;
            }
            Sk::Int if num != Num::No => {}
            Sk::Real if num == Num::Any => {}
            _ => self.invalid(
                n,
                format!("`{what}` should be a string, not {}", describe(n)),
            ),
        }
        let t = s.trim();
        (!t.is_empty()).then(|| nfc(t))
    }

    /// A string matching `pattern`.
    fn pattern(&mut self, i: usize, what: &str, pattern: &Regex, name: &str) -> Option<String> {
        let s = self.text(i, what, Num::No)?;
        let n = self.get(i);
        let raw = match &n.kind {
            Kind::Scalar(s, _) => s.as_str(),
            _ => "",
        };
        if !pattern.is_match(raw) {
            self.invalid(n, format!("`{what}` is not {name}: `{}`", shorten(raw, 60)));
        }
        Some(s)
    }

    fn url(&mut self, i: usize, what: &str) -> Option<String> {
        let p = if self.ver == Some(Ver::V13) {
            &*URL_13
        } else {
            &*URL_12
        };
        let s = self.pattern(i, what, p, "a URL")?;
        if self.ver == Some(Ver::V12) && !is_uri(&s) {
            let n = self.get(i);
            self.invalid(
                n,
                format!(
                    "`{what}` has characters a URI may not have: `{}`",
                    shorten(&s, 60)
                ),
            );
        }
        Some(s)
    }

    fn doi(&mut self, i: usize, what: &str) -> Option<String> {
        let s = self.pattern(i, what, &DOI, "a DOI (`10.` and a suffix)")?;
        Some(bare_doi(&s).to_string())
    }

    /// A date `YYYY-MM-DD`; other forms are read by a guess.
    fn date(&mut self, i: usize, what: &str) -> Option<DatePart> {
        let n = self.get(i);
        let s = self.text(i, what, Num::No)?;
        if DATE.is_match(&s) {
            let (y, m, d) = (&s[..4], &s[5..7], &s[8..10]);
            if let Some(p) = crate::date::checked(y.parse().ok()?, m.parse().ok(), d.parse().ok()) {
                return Some(p);
            }
            self.invalid(n, format!("`{what}` is not a date: `{s}`"));
            return None;
        }
        self.invalid(
            n,
            format!("`{what}` is not a date (YYYY-MM-DD): `{}`", shorten(&s, 40)),
        );
        let head = s.split(['T', ' ']).next().unwrap_or("");
        match crate::date::parse(head) {
            Some(Date::Single(p)) => {
                self.guessed(n, format!("`{what}` `{}` read as {p}", shorten(&s, 40)));
                Some(p)
            }
            _ => {
                self.dropped(
                    n,
                    format!("`{what}` `{}` is not a date; dropped", shorten(&s, 40)),
                );
                None
            }
        }
    }

    fn list(&mut self, i: usize, what: &str) -> Option<&'a [usize]> {
        let n = self.get(i);
        match &n.kind {
            Kind::Seq(items) => {
                if items.is_empty() {
                    self.invalid(n, format!("`{what}` is an empty list"));
                }
                Some(items)
            }
            _ => {
                self.unusable(n, what, "a list");
                None
            }
        }
    }

    fn strings(&mut self, i: usize, what: &str) -> Vec<String> {
        let Some(items) = self.list(i, what) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|&j| self.text(j, what, Num::No))
            .collect()
    }

    fn names(&mut self, i: usize, what: &str) -> Option<NameList> {
        let items = self.list(i, what)?;
        let mut names = Vec::with_capacity(items.len());
        for &j in items {
            if let Some(n) = self.name(j, what) {
                names.push(n);
            }
        }
        // The anonymous author the writer writes for a work without one.
        if names.len() == 1 && names[0] == Name::Literal("anonymous".into()) {
            names.clear();
        }
        (!names.is_empty()).then_some(NameList {
            names,
            truncated: false,
        })
    }

    /// A person or an entity.
    fn name(&mut self, i: usize, what: &str) -> Option<Name> {
        let n = self.get(i);
        if !matches!(n.kind, Kind::Map(_)) {
            self.unusable(n, what, "a list of persons and entities");
            return None;
        }
        let pairs = self.pairs(n);
        let entity = pairs.iter().any(|(k, _, _)| *k == "name");
        let place = if entity { "an entity" } else { "a person" };
        let mut p = Person::default();
        let mut literal = None;
        let mut alias = None;
        let mut lost: Vec<&str> = Vec::new();
        let mut any = false;
        let v13 = self.ver == Some(Ver::V13);
        for (key, kn, v) in pairs {
            match key {
                "family-names" | "given-names" | "name-particle" | "name-suffix" if !entity => {
                    any = true;
                    let t = self.text(v, key, Num::No).unwrap_or_default();
                    match key {
                        "family-names" => p.family = t,
                        "given-names" => p.given = t,
                        "name-particle" => p.particle = t,
                        _ => p.suffix = t,
                    }
                }
                "name" if entity => literal = self.text(v, key, Num::No),
                "orcid" if !(entity && v13) => {
                    any = true;
                    let pat = if v13 { &*ORCID_13 } else { &*ORCID_12 };
                    if let Some(o) = self.pattern(v, key, pat, "an ORCID URL") {
                        p.orcid = bare_orcid(&o).to_string();
                    }
                }
                "affiliation" if !entity || v13 => p.affiliation = self.affiliation(v),
                "alias" => {
                    any = true;
                    alias = self.text(v, key, Num::No);
                }
                "email" => {
                    any = true;
                    self.pattern(v, key, &EMAIL, "an e-mail address");
                    lost.push(key);
                }
                "website" => {
                    self.url(v, key);
                    lost.push(key);
                }
                "country" => {
                    self.pattern(v, key, &COUNTRY, "a two-letter country code");
                    lost.push(key);
                }
                "ror" if entity && v13 => {
                    self.pattern(v, key, &ROR, "a ROR id");
                    lost.push(key);
                }
                "date-start" | "date-end" if entity => {
                    self.date(v, key);
                    lost.push(key);
                }
                "address" | "city" | "region" | "tel" | "fax" | "location" => {
                    self.text(v, key, Num::No);
                    lost.push(key);
                }
                "post-code" => {
                    self.text(v, key, Num::Any);
                    lost.push(key);
                }
                _ => self.unknown(kn, key, place),
            }
        }
        if v13 && !entity && !any {
            self.invalid(
                n,
                "a person needs one of `family-names`, `given-names`, `alias`, `email`, `orcid`"
                    .into(),
            );
        }
        let name = if let Some(l) = literal {
            if !p.affiliation.is_empty() {
                lost.push("affiliation");
            }
            Some(Name::Literal(l))
        } else if entity {
            None
        } else if p.family.is_empty() && p.given.is_empty() {
            match alias.take() {
                Some(a) => Some(Name::Literal(a)),
                None => {
                    if !p.orcid.is_empty() || !p.affiliation.is_empty() {
                        lost.push("orcid/affiliation (no name)");
                    }
                    None
                }
            }
        } else {
            Some(Name::Person(p))
        };
        if alias.is_some() {
            lost.push("alias");
        }
        if !lost.is_empty() {
            self.dropped(
                n,
                format!(
                    "{place}'s {} {} no place in the model; dropped",
                    lost.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if lost.len() == 1 { "has" } else { "have" }
                ),
            );
        }
        name
    }

    /// A person's affiliation: a string (1.3.0: also entities, or a list of both),
    /// "; "-joined.
    fn affiliation(&mut self, i: usize) -> String {
        let n = self.get(i);
        let v13 = self.ver == Some(Ver::V13);
        match &n.kind {
            Kind::Scalar(..) => self.text(i, "affiliation", Num::No).unwrap_or_default(),
            Kind::Map(_) if v13 => self.entity_name(i, "affiliation").unwrap_or_default(),
            Kind::Seq(items) if v13 => {
                let mut out = Vec::new();
                for &j in items {
                    let m = self.get(j);
                    let t = if matches!(m.kind, Kind::Map(_)) {
                        self.entity_name(j, "affiliation")
                    } else {
                        self.text(j, "affiliation", Num::No)
                    };
                    out.extend(t);
                }
                out.join("; ")
            }
            _ => {
                self.unusable(n, "affiliation", "a string");
                String::new()
            }
        }
    }

    /// An entity's name (its other keys checked and reported).
    fn entity_name(&mut self, i: usize, what: &str) -> Option<String> {
        let n = self.get(i);
        if !matches!(n.kind, Kind::Map(_)) {
            self.unusable(n, what, "an entity (a mapping with `name`)");
            return None;
        }
        if !self.pairs(n).iter().any(|(k, _, _)| *k == "name") {
            self.invalid(n, format!("`{what}` lacks its required `name`"));
        }
        match self.name(i, what) {
            Some(Name::Literal(l)) => Some(l),
            Some(Name::Person(p)) => Some(p.to_string()),
            None => None,
        }
    }

    /// The document: the root mapping, its preferred citation and its references.
    fn document(&mut self, root: usize, keys: &mut KeyGenerator, out: &mut Parsed) {
        let n = self.get(root);
        if !matches!(n.kind, Kind::Map(_)) {
            let d = self.diag_at(
                Severity::Error,
                "cff-invalid",
                format!(
                    "the document is {}, not a mapping of keys; nothing read",
                    describe(n)
                ),
                n,
            );
            self.diags.push(d);
            return;
        }
        let pairs = self.pairs(n);
        // The version first: it says which schema to check against.
        match pairs.iter().find(|(k, _, _)| *k == "cff-version") {
            Some(&(_, _, v)) => {
                let vn = self.get(v);
                let s = match &vn.kind {
                    Kind::Scalar(s, _) => s.as_str(),
                    _ => "",
                };
                self.ver = match s {
                    "1.2.0" => Some(Ver::V12),
                    "1.3.0" => Some(Ver::V13),
                    _ => None,
                };
                if self.ver.is_none() {
                    let d = self.diag_at(
                        Severity::Warning,
                        "cff-version",
                        format!(
                            "cff-version `{}` is not 1.2.0 or 1.3.0; read without checking against a schema",
                            shorten(s, 20)
                        ),
                        vn,
                    );
                    self.diags.push(d);
                } else if !matches!(vn.kind, Kind::Scalar(_, Sk::Str)) {
                    self.invalid(vn, "`cff-version` should be a string".into());
                }
            }
            None => {
                let d = self.diag_at(
                    Severity::Warning,
                    "cff-version",
                    "no `cff-version`; read without checking against a schema".into(),
                    n,
                );
                self.diags.push(d);
            }
        }
        for req in ["authors", "cff-version", "message", "title"] {
            if !pairs.iter().any(|(k, _, _)| *k == req) {
                self.invalid(n, format!("the required key `{req}` is missing"));
            }
        }
        let first_diag = self.diags.len();
        let mut work = Draft {
            kind: "software".into(),
            fields: Vec::new(),
        };
        let mut preferred = None;
        let mut references = Vec::new();
        let mut artifact = None;
        let mut repository = None;
        for &(key, kn, v) in &pairs {
            match key {
                "cff-version" => {}
                "message" => {
                    self.text(v, key, Num::No);
                }
                "type" => {
                    if let Some(t) = self.text(v, key, Num::No) {
                        match t.as_str() {
                            "software" | "dataset" => work.kind = t,
                            _ => {
                                let vn = self.get(v);
                                self.invalid(
                                    vn,
                                    format!("type `{t}` is not `software` or `dataset`"),
                                );
                                self.guessed(vn, format!("type `{t}` read as software"));
                            }
                        }
                    }
                }
                "date-released" => {
                    if let Some(p) = self.date(v, key) {
                        work.set("date", Value::date(Date::Single(p)));
                    }
                }
                "repository-artifact" => artifact = self.url(v, key).map(|u| (u, kn)),
                "repository" => repository = self.url(v, key).map(|u| (u, kn)),
                "license-url" => {
                    self.url(v, key);
                    self.no_place(kn, key);
                }
                "contact" => {
                    self.names(v, key);
                    self.no_place(kn, key);
                }
                "contributors" if self.ver != Some(Ver::V12) => {
                    self.names(v, key);
                    self.no_place(kn, key);
                }
                "preferred-citation" => {
                    if matches!(self.get(v).kind, Kind::Map(_)) {
                        let at = self.diags.len();
                        preferred = self
                            .reference(v, key)
                            .map(|(d, n)| (d, n, at..self.diags.len()));
                    } else {
                        let vn = self.get(v);
                        self.unusable(vn, key, "a reference (a mapping)");
                    }
                }
                "references" => {
                    if let Some(items) = self.list(v, key) {
                        for &j in items {
                            if matches!(self.get(j).kind, Kind::Map(_)) {
                                let at = self.diags.len();
                                let r = self.reference(j, key);
                                references.extend(r.map(|(d, n)| (d, n, at..self.diags.len())));
                            } else {
                                let jn = self.get(j);
                                self.unusable(jn, key, "a list of references");
                            }
                        }
                    }
                }
                _ => {
                    if !self.common(&mut work, key, kn, v) {
                        self.unknown(kn, key, "the root");
                    }
                }
            }
        }
        if let Some((r, kn)) = repository {
            if work.has("repository") {
                self.dropped(kn, "`repository` beside `repository-code` dropped".into());
            } else {
                work.set("repository", Value::Verbatim(r));
            }
        }
        if let Some((a, kn)) = artifact {
            if work.has("url") {
                self.dropped(kn, "`repository-artifact` beside `url` dropped".into());
            } else {
                work.set("url", Value::Verbatim(a));
            }
        }
        let mut work = self.finish(work, n, keys);
        let mut entries = Vec::new();
        if let Some((pref, node, range)) = preferred {
            let pref = self.finish(pref, node, keys);
            work.set("related", Value::Verbatim(pref.key.clone()));
            entries.push((pref, range));
        }
        for (r, node, range) in references {
            let e = self.finish(r, node, keys);
            entries.push((e, range));
        }
        // Each diagnostic names the entry it is about.
        for (e, range) in &entries {
            for d in &mut self.diags[range.clone()] {
                d.key = Some(e.key.clone());
            }
        }
        for d in &mut self.diags[first_diag..] {
            if d.key.is_none() {
                d.key = Some(work.key.clone());
            }
        }
        out.bibliography.entries.push(work);
        out.bibliography
            .entries
            .extend(entries.into_iter().map(|(e, _)| e));
    }

    fn finish(&mut self, d: Draft, n: &Node, keys: &mut KeyGenerator) -> Entry {
        let mut e = Entry::new(String::new(), d.kind);
        for (f, v) in d.fields {
            e.set(f, v);
        }
        e.origin = Some(Origin {
            file: self.file.clone(),
            span: Span::new(n.start, n.end.max(n.start)),
            line: n.line.max(1),
            column: n.col.max(1),
        });
        e.key = keys.generate(&e);
        e
    }

    /// A key the root and references share. False when `key` is not one.
    fn common(&mut self, e: &mut Draft, key: &str, kn: &'a Node, v: usize) -> bool {
        match key {
            "title" => {
                if let Some(t) = self.text(v, key, Num::No) {
                    e.set("title", Value::text(t));
                }
            }
            "authors" => {
                if let Some(l) = self.names(v, key) {
                    e.set("author", Value::Names(l));
                }
            }
            "version" => {
                if let Some(t) = self.text(v, key, Num::Any) {
                    e.set("version", Value::text(t));
                }
            }
            "doi" => {
                if let Some(d) = self.doi(v, key) {
                    e.set("doi", Value::Verbatim(d));
                }
            }
            "url" => {
                if let Some(u) = self.url(v, key) {
                    e.set("url", Value::Verbatim(u));
                }
            }
            "repository-code" => {
                if let Some(u) = self.url(v, key) {
                    e.set("repository", Value::Verbatim(u));
                }
            }
            "commit" => {
                if let Some(t) = self.text(v, key, Num::No) {
                    e.set("commit", Value::Verbatim(t));
                }
            }
            "abstract" => {
                if let Some(t) = self.text(v, key, Num::No) {
                    e.set("abstract", Value::text(paragraphs(&t)));
                }
            }
            "keywords" => {
                let k = self.strings(v, key);
                if !k.is_empty() {
                    e.set("keywords", Value::text(super::join_keywords(k)));
                }
            }
            "license" => {
                let n = self.get(v);
                let l = match &n.kind {
                    Kind::Seq(_) => self.strings(v, key).join(" OR "),
                    _ => self.text(v, key, Num::No).unwrap_or_default(),
                };
                if !l.is_empty() {
                    e.set("license", Value::text(l));
                }
            }
            "identifiers" => self.identifiers(e, v),
            _ => return false,
        }
        let _ = kn;
        true
    }

    fn identifiers(&mut self, e: &mut Draft, v: usize) {
        let Some(items) = self.list(v, "identifiers") else {
            return;
        };
        for &j in items {
            let n = self.get(j);
            if !matches!(n.kind, Kind::Map(_)) {
                self.unusable(n, "identifiers", "a list of identifiers");
                continue;
            }
            let pairs = self.pairs(n);
            let mut ty = None;
            let mut value = None;
            for &(key, kn, v) in &pairs {
                match key {
                    "type" => ty = self.text(v, key, Num::No),
                    "value" => value = Some(v),
                    "description" => {
                        self.text(v, key, Num::No);
                    }
                    "relation" if self.ver != Some(Ver::V12) => {
                        self.text(v, key, Num::No);
                    }
                    _ => self.unknown(kn, key, "an identifier"),
                }
            }
            let (Some(ty), Some(v)) = (ty, value) else {
                self.invalid(n, "an identifier needs its `type` and `value`".into());
                continue;
            };
            let (field, val) = match ty.as_str() {
                "doi" => ("doi", self.doi(v, "identifiers value")),
                "url" => ("url", self.url(v, "identifiers value")),
                "swh" => (
                    "swhid",
                    self.pattern(v, "identifiers value", &SWH, "a Software Heritage id"),
                ),
                "other" => ("", self.text(v, "identifiers value", Num::No)),
                _ => {
                    self.invalid(
                        n,
                        format!("identifier type `{ty}` is not doi, url, swh or other"),
                    );
                    ("", None)
                }
            };
            let Some(val) = val else { continue };
            if field.is_empty() {
                self.dropped(
                    n,
                    format!(
                        "identifier `{}` has no place in the model; dropped",
                        shorten(&val, 60)
                    ),
                );
            } else if e.has(field) {
                let same = e
                    .fields
                    .iter()
                    .any(|(f, x)| *f == field && x.to_plain_string() == val);
                if !same {
                    self.dropped(
                        n,
                        format!(
                            "a further {ty} identifier `{}` dropped (the entry has one)",
                            shorten(&val, 60)
                        ),
                    );
                }
            } else {
                e.set(field, Value::Verbatim(val));
            }
        }
    }

    /// A reference object.
    fn reference(&mut self, i: usize, what: &str) -> Option<(Draft, &'a Node)> {
        let n = self.get(i);
        let pairs = self.pairs(n);
        let v13 = self.ver == Some(Ver::V13);
        for req in ["title", "type"] {
            if !pairs.iter().any(|(k, _, _)| *k == req) {
                self.invalid(n, format!("the reference lacks its required `{req}`"));
            }
        }
        let has = |k: &str| pairs.iter().any(|(x, _, _)| *x == k);
        if v13 {
            if !has("authors") && !has("editors") {
                self.invalid(n, "the reference needs `authors` or `editors`".into());
            }
        } else if !has("authors") {
            self.invalid(n, "the reference lacks its required `authors`".into());
        }
        let mut e = Draft {
            kind: "misc".into(),
            fields: Vec::new(),
        };
        let mut cff_type = String::new();
        let mut year: Option<(String, &Node)> = None;
        let mut month: Option<(u8, &Node)> = None;
        let mut published = None;
        let mut released = None;
        let (mut start, mut end) = (None, None);
        let mut issue = None;
        let mut number = None;
        let mut repository = None;
        for &(key, kn, v) in &pairs {
            let text = |w: &mut Self, num: Num| w.text(v, key, num);
            match key {
                "type" => {
                    if let Some(t) = text(self, Num::No) {
                        cff_type = t;
                    }
                }
                "year" => year = text(self, Num::Int).map(|y| (y, self.get(v))),
                "month" => {
                    let mn = self.get(v);
                    match text(self, Num::Int).and_then(|m| m.parse::<u8>().ok()) {
                        Some(m) if (1..=12).contains(&m) => month = Some((m, mn)),
                        _ => {
                            self.invalid(mn, "`month` is not a month (1 to 12)".into());
                            self.dropped(mn, "`month` is not a month; dropped".into());
                        }
                    }
                }
                "date-published" => published = self.date(v, key),
                "date-released" => released = self.date(v, key),
                "date-accessed" => {
                    if let Some(p) = self.date(v, key) {
                        e.set("urldate", Value::date(Date::Single(p)));
                    }
                }
                "start" => start = text(self, Num::Int),
                "end" => end = text(self, Num::Int),
                "issue" => issue = text(self, Num::Any),
                "number" => number = text(self, Num::Any),
                "repository" => repository = self.url(v, key),
                "editors" | "translators" => {
                    if let Some(l) = self.names(v, key) {
                        e.set(
                            if key == "editors" {
                                "editor"
                            } else {
                                "translator"
                            },
                            Value::Names(l),
                        );
                    }
                }
                "journal" | "collection-title" | "edition" | "volume" | "pages"
                | "number-volumes" | "notes" | "thesis-type" | "abbreviation" | "issue-title"
                | "database" | "year-original" => {
                    let num = match key {
                        "volume" | "pages" | "number-volumes" | "year-original" => Num::Int,
                        _ => Num::No,
                    };
                    if let Some(t) = text(self, num) {
                        let f = match key {
                            "journal" => "journaltitle",
                            "collection-title" => "booktitle",
                            "pages" => "pagetotal",
                            "number-volumes" => "volumes",
                            "notes" => "note",
                            "thesis-type" => "type",
                            "abbreviation" => "shorttitle",
                            "issue-title" => "issuetitle",
                            "year-original" => "origdate",
                            k => match k {
                                "edition" => "edition",
                                "volume" => "volume",
                                _ => "database",
                            },
                        };
                        let val = if f == "origdate" {
                            match t.parse::<i64>() {
                                Ok(y) => Value::date(Date::Single(DatePart::year(y))),
                                Err(_) => Value::text(t),
                            }
                        } else {
                            Value::text(t)
                        };
                        e.set(f, val);
                    }
                }
                "publisher" | "institution" | "location" => {
                    let vn = self.get(v);
                    let city = if key == "publisher" && matches!(vn.kind, Kind::Map(_)) {
                        self.pairs(vn)
                            .iter()
                            .find(|(k, _, _)| *k == "city")
                            .map(|&(_, _, c)| c)
                    } else {
                        None
                    };
                    if let Some(name) = self.entity_name(v, key) {
                        let f = match key {
                            "publisher" => "publisher",
                            "institution" => "institution",
                            _ => "location",
                        };
                        e.set(f, Value::text(name));
                    }
                    if let Some(c) = city {
                        if let Some(c) = self.text(c, "city", Num::No) {
                            if !has("location") {
                                e.set("location", Value::text(c));
                            }
                        }
                    }
                }
                "conference" => self.conference(&mut e, v),
                "isbn" => {
                    let p = if v13 { &*ISBN_13 } else { &*ISBN_12 };
                    if let Some(t) = self.pattern(v, key, p, "an ISBN") {
                        e.set("isbn", Value::text(t));
                    }
                }
                "issn" => {
                    if let Some(t) = self.pattern(v, key, &ISSN, "an ISSN") {
                        e.set("issn", Value::text(t));
                    }
                }
                "pmcid" => {
                    let p = if v13 { &*PMCID_13 } else { &*PMCID_12 };
                    if let Some(t) = self.pattern(v, key, p, "a PMCID") {
                        e.set("pmcid", Value::Verbatim(t));
                    }
                }
                "languages" => {
                    let items = self.list(v, key).unwrap_or(&[]);
                    let mut langs = Vec::new();
                    for &j in items {
                        langs.extend(self.pattern(j, key, &LANGUAGE, "an ISO 639 code"));
                    }
                    if !langs.is_empty() {
                        e.set("language", Value::text(langs.join(", ")));
                    }
                }
                "status" => {
                    if let Some(t) = text(self, Num::No) {
                        match STATUS.iter().find(|(s, _)| *s == t) {
                            Some((_, p)) => e.set("pubstate", Value::text(*p)),
                            None => {
                                let vn = self.get(v);
                                self.invalid(vn, format!("status `{t}` is not a CFF status"));
                                e.set("pubstate", Value::text(t));
                            }
                        }
                    }
                }
                "license-url"
                | "repository-artifact"
                | "collection-doi"
                | "date-downloaded"
                | "filename"
                | "format"
                | "medium"
                | "entry"
                | "scope"
                | "section"
                | "term"
                | "department"
                | "copyright"
                | "data-type"
                | "issue-date"
                | "loc-start"
                | "loc-end"
                | "nihmsid"
                | "volume-title"
                | "collection-type" => {
                    match key {
                        "license-url" | "repository-artifact" => {
                            self.url(v, key);
                        }
                        "collection-doi" => {
                            self.doi(v, key);
                        }
                        "date-downloaded" => {
                            self.date(v, key);
                        }
                        "section" => {
                            text(self, Num::Any);
                        }
                        "loc-start" | "loc-end" => {
                            text(self, Num::Int);
                        }
                        _ => {
                            text(self, Num::No);
                        }
                    }
                    self.no_place(kn, key);
                }
                "contact" | "recipients" | "senders" | "editors-series" => {
                    self.names(v, key);
                    self.no_place(kn, key);
                }
                "database-provider" => {
                    self.entity_name(v, key);
                    self.no_place(kn, key);
                }
                "patent-states" => {
                    self.strings(v, key);
                    self.no_place(kn, key);
                }
                _ => {
                    if !self.common(&mut e, key, kn, v) {
                        self.unknown(kn, key, "a reference");
                    }
                }
            }
        }
        // The type.
        let tn = pairs
            .iter()
            .find(|(k, _, _)| *k == "type")
            .map_or(n, |&(_, _, v)| self.get(v));
        if let Some((_, k)) = TYPES.iter().find(|(t, _)| *t == cff_type) {
            e.kind = (*k).to_string();
            let canonical = KINDS.iter().find(|(k2, _)| k2 == k).map(|(_, t)| *t);
            match cff_type.as_str() {
                "magazine-article" => e.set("entrysubtype", Value::text("magazine")),
                "newspaper-article" => e.set("entrysubtype", Value::text("newspaper")),
                t if canonical != Some(t) => e.set("entrysubtype", Value::text(t)),
                _ => {}
            }
        } else if !cff_type.is_empty() {
            self.invalid(tn, format!("type `{cff_type}` is not a CFF reference type"));
            match BIBTEX_TYPES
                .iter()
                .find(|(t, _, _)| t.eq_ignore_ascii_case(&cff_type))
            {
                Some((_, k, sub)) => {
                    e.kind = (*k).to_string();
                    if !sub.is_empty() && !e.has("type") {
                        e.set("type", Value::text(*sub));
                    }
                    self.guessed(tn, format!("type `{cff_type}` read as `{k}`"));
                }
                None => self.guessed(tn, format!("unknown type `{cff_type}` read as misc")),
            }
        }
        // The date: a full date, else the year and month.
        let mut date = published.or(released);
        if let Some((y, yn)) = &year {
            match y.parse::<i64>() {
                Ok(y) => match &date {
                    Some(d) if d.year != y => {
                        self.dropped(yn, format!("`year` {y} differs from the date {d}; dropped"))
                    }
                    Some(_) => {}
                    None => {
                        date = Some(match month {
                            Some((m, _)) => DatePart::ym(y, m),
                            None => DatePart::year(y),
                        });
                        month = None;
                    }
                },
                Err(_) => match crate::date::parse(y) {
                    Some(Date::Single(p)) if date.is_none() => {
                        self.guessed(yn, format!("`year` `{}` read as {p}", shorten(y, 30)));
                        date = Some(p);
                    }
                    _ => self.dropped(yn, format!("`year` `{}` dropped", shorten(y, 30))),
                },
            }
        }
        if let Some((m, mn)) = month {
            if date.as_ref().is_some_and(|d| d.month != Some(m)) || date.is_none() {
                self.dropped(
                    mn,
                    "`month` without a year or beside another date; dropped".into(),
                );
            }
        }
        if let Some(d) = date {
            e.set("date", Value::date(Date::Single(d)));
        }
        match (start, end) {
            (Some(s), Some(t)) if s != t => e.set("pages", Value::text(format!("{s}–{t}"))),
            (Some(s), Some(_)) => e.set("pages", Value::text(s)),
            (Some(s), None) => e.set("pages", Value::text(s)),
            (None, Some(t)) => e.set("pages", Value::text(t)),
            _ => {}
        }
        if let Some(x) = issue.or(number) {
            e.set("number", Value::text(x));
        }
        if let Some(r) = repository {
            if !e.has("repository") {
                e.set("repository", Value::Verbatim(r));
            }
        }
        let _ = what;
        Some((e, n))
    }

    fn conference(&mut self, e: &mut Draft, i: usize) {
        let n = self.get(i);
        if !matches!(n.kind, Kind::Map(_)) {
            self.unusable(n, "conference", "an entity");
            return;
        }
        let pairs = self.pairs(n);
        let (mut s, mut t) = (None, None);
        let mut rest = false;
        for &(key, kn, v) in &pairs {
            match key {
                "name" => {
                    if let Some(x) = self.text(v, key, Num::No) {
                        e.set("eventtitle", Value::text(x));
                    }
                }
                "location" | "city" => {
                    if let Some(x) = self.text(v, key, Num::No) {
                        if key == "location" || !pairs.iter().any(|(k, _, _)| *k == "location") {
                            e.set("venue", Value::text(x));
                        }
                    }
                }
                "date-start" => s = self.date(v, key),
                "date-end" => t = self.date(v, key),
                "address" | "region" | "country" | "post-code" | "alias" | "email" | "tel"
                | "fax" | "website" => {
                    match key {
                        "country" => {
                            self.pattern(v, key, &COUNTRY, "a two-letter country code");
                        }
                        "email" => {
                            self.pattern(v, key, &EMAIL, "an e-mail address");
                        }
                        "website" => {
                            self.url(v, key);
                        }
                        "post-code" => {
                            self.text(v, key, Num::Any);
                        }
                        _ => {
                            self.text(v, key, Num::No);
                        }
                    }
                    rest = true;
                }
                "orcid" if self.ver != Some(Ver::V13) => {
                    self.pattern(v, key, &ORCID_12, "an ORCID URL");
                    rest = true;
                }
                "ror" | "affiliation" if self.ver == Some(Ver::V13) => {
                    if key == "ror" {
                        self.pattern(v, key, &ROR, "a ROR id");
                    } else {
                        self.affiliation(v);
                    }
                    rest = true;
                }
                _ => self.unknown(kn, key, "an entity"),
            }
        }
        if !pairs.iter().any(|(k, _, _)| *k == "name") {
            self.invalid(n, "`conference` lacks its required `name`".into());
        }
        if rest {
            self.dropped(
                n,
                "the conference's address details have no place in the model; dropped".into(),
            );
        }
        let d = match (s, t) {
            (Some(a), Some(b)) if a != b => {
                Some(Date::Range(RangeEnd::Known(a), RangeEnd::Known(b)))
            }
            (Some(a), _) | (None, Some(a)) => Some(Date::Single(a)),
            _ => None,
        };
        if let Some(d) = d {
            e.set("eventdate", Value::date(d));
        }
    }
}

/// An abstract's text: blank-line paragraphs kept, lines within them joined.
fn paragraphs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for para in s.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        let mut first = true;
        for line in para.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !first {
                out.push(' ');
            }
            out.push_str(line);
            first = false;
        }
    }
    out
}

fn bare_doi(s: &str) -> &str {
    let t = s.trim();
    for p in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "doi:",
    ] {
        if let Some(r) = t.strip_prefix(p) {
            return r;
        }
    }
    t
}

fn bare_orcid(s: &str) -> &str {
    let t = s.trim();
    for p in ["https://orcid.org/", "http://orcid.org/"] {
        if let Some(r) = t.strip_prefix(p) {
            return r.trim_end_matches('/');
        }
    }
    t
}

// ---------------------------------------------------------------------------------------
// Writing.

fn ys(s: impl Into<String>) -> Yaml {
    Yaml::String(s.into())
}

/// A mapping being written, with the fields it wrote or could not.
struct Out<'e> {
    map: Hash,
    e: &'e Entry,
    dropped: Vec<String>,
}

impl<'e> Out<'e> {
    fn put(&mut self, k: &str, v: Yaml) {
        self.map.insert(ys(k), v);
    }
    fn get(&self, f: &str) -> Option<&'e Value> {
        self.e.get(f)
    }
    fn text(&self, f: &str) -> Option<String> {
        self.get(f)
            .map(|v| v.to_plain_string().trim().to_string())
            .filter(|s| !s.is_empty())
    }
    fn lost(&mut self, what: impl Into<String>) {
        self.dropped.push(what.into());
    }
    /// Writes field `f` as key `k` when it is non-empty text.
    fn plain(&mut self, f: &str, k: &str) {
        if let Some(t) = self.text(f) {
            self.put(k, ys(t));
        }
    }
    /// Writes field `f` as key `k` when `ok` accepts it; else reports it.
    fn checked(&mut self, f: &str, k: &str, ok: impl Fn(&str) -> Option<String>) {
        if let Some(t) = self.text(f) {
            match ok(&t) {
                Some(t) => self.put(k, ys(t)),
                None => self.lost(format!(
                    "{f} (`{}` does not fit CFF's `{k}`)",
                    shorten(&t, 40)
                )),
            }
        }
    }
}

fn ok_url(u: &str) -> Option<String> {
    (URL_12.is_match(u) && URL_13.is_match(u) && is_uri(u) && url::Url::parse(u).is_ok())
        .then(|| u.to_string())
}

/// Whether `u` has only the characters an RFC 3986 URI may have (the schema's
/// `format: uri`).
fn is_uri(u: &str) -> bool {
    u.bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&c))
}

fn ok_doi(d: &str) -> Option<String> {
    let d = bare_doi(d);
    DOI.is_match(d).then(|| d.to_string())
}

fn ok_date(p: &DatePart) -> Option<String> {
    match (p.month, p.day) {
        (Some(m), Some(d))
            if (0..=9999).contains(&p.year)
                && p.season.is_none()
                && p.unspecified == 0
                && crate::date::checked(p.year, Some(m), Some(d)).is_some() =>
        {
            Some(format!("{:04}-{m:02}-{d:02}", p.year))
        }
        _ => None,
    }
}

/// A name list as CFF persons and entities (duplicates, which the schema forbids,
/// written once).
fn write_names(o: &mut Out<'_>, f: &str) -> Option<Yaml> {
    let list = match o.get(f) {
        Some(Value::Names(l)) => l.clone(),
        Some(other) => {
            let t = other.to_plain_string();
            if t.trim().is_empty() {
                return None;
            }
            NameList {
                names: vec![Name::Literal(t.trim().to_string())],
                truncated: false,
            }
        }
        None => return None,
    };
    if list.truncated {
        o.lost(format!("{f} (\"and others\")"));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut bad_orcid = false;
    for n in &list.names {
        let mut m = Hash::new();
        match n {
            Name::Literal(s) if !s.trim().is_empty() => {
                m.insert(ys("name"), ys(s.trim()));
            }
            Name::Literal(_) => continue,
            Name::Person(p) => {
                for (k, v) in [
                    ("family-names", &p.family),
                    ("given-names", &p.given),
                    ("name-particle", &p.particle),
                    ("name-suffix", &p.suffix),
                ] {
                    if !v.trim().is_empty() {
                        m.insert(ys(k), ys(v.trim()));
                    }
                }
                if m.is_empty() {
                    continue;
                }
                let orcid = bare_orcid(&p.orcid);
                if BARE_ORCID.is_match(orcid) {
                    m.insert(ys("orcid"), ys(format!("https://orcid.org/{orcid}")));
                } else if !orcid.is_empty() {
                    bad_orcid = true;
                }
                if !p.affiliation.trim().is_empty() {
                    m.insert(ys("affiliation"), ys(p.affiliation.trim()));
                }
            }
        }
        let y = Yaml::Hash(m);
        if seen.insert(y.clone()) {
            out.push(y);
        } else {
            o.lost(format!("{f} (a repeated name)"));
        }
    }
    if bad_orcid {
        o.lost(format!("{f} (an ORCID that is not one)"));
    }
    (!out.is_empty()).then_some(Yaml::Array(out))
}

fn anonymous() -> Yaml {
    let mut m = Hash::new();
    m.insert(ys("name"), ys("anonymous"));
    Yaml::Array(vec![Yaml::Hash(m)])
}

fn keywords(o: &mut Out<'_>) {
    if let Some(t) = o.text("keywords") {
        let mut seen = HashSet::new();
        let k: Vec<Yaml> = super::split_keywords(&t)
            .into_iter()
            .filter(|k| seen.insert(k.clone()))
            .map(ys)
            .collect();
        if !k.is_empty() {
            o.put("keywords", Yaml::Array(k));
        }
    }
}

fn license(o: &mut Out<'_>) {
    if let Some(t) = o.text("license") {
        let parts: Vec<&str> = t.split(" OR ").map(str::trim).collect();
        if parts.iter().all(|p| LICENSES.contains(p)) {
            let mut seen = HashSet::new();
            let ids: Vec<Yaml> = parts
                .into_iter()
                .filter(|p| seen.insert(*p))
                .map(ys)
                .collect();
            if ids.len() == 1 {
                o.put("license", ids.into_iter().next().unwrap_or(Yaml::Null));
            } else {
                o.put("license", Yaml::Array(ids));
            }
        } else {
            o.lost(format!(
                "license (`{}` is not an SPDX id bibkit knows)",
                shorten(&t, 40)
            ));
        }
    }
}

/// The fields the root or reference writers consume without a key of their own.
const SAID: &[&str] = &["entrysubtype", "related"];

/// The root of the document for `e` (without its references).
fn write_root(e: &Entry, copy_of: bool) -> (Hash, Vec<String>) {
    let mut o = Out {
        map: Hash::new(),
        e,
        dropped: Vec::new(),
    };
    o.put("cff-version", ys("1.2.0"));
    o.put("message", ys(MESSAGE));
    if e.kind == "dataset" && !copy_of {
        o.put("type", ys("dataset"));
    }
    o.put(
        "title",
        ys(o.text("title").unwrap_or_else(|| "Untitled".into())),
    );
    if o.text("title").is_none() {
        o.lost("title (none: written as `Untitled`)");
    }
    let authors = write_names(&mut o, "author").unwrap_or_else(anonymous);
    o.put("authors", authors);
    o.plain("version", "version");
    if copy_of {
        // The root only names the work; the entry itself is the preferred citation.
        return (o.map, Vec::new());
    }
    o.plain("abstract", "abstract");
    keywords(&mut o);
    if let Some(Value::Date(d)) = o.get("date") {
        match (&**d, d.start().and_then(ok_date)) {
            (Date::Single(_), Some(s)) => o.put("date-released", ys(s)),
            _ => o.lost(format!("date (`{d}`: CFF's `date-released` is a day)")),
        }
    } else if o.get("date").is_some() {
        o.lost("date");
    }
    o.checked("doi", "doi", ok_doi);
    if let Some(s) = o.text("swhid") {
        if SWH.is_match(&s) {
            let mut m = Hash::new();
            m.insert(ys("type"), ys("swh"));
            m.insert(ys("value"), ys(s));
            o.put("identifiers", Yaml::Array(vec![Yaml::Hash(m)]));
        } else {
            o.lost("swhid");
        }
    }
    o.checked("repository", "repository-code", ok_url);
    o.checked("url", "url", ok_url);
    license(&mut o);
    o.plain("commit", "commit");
    let done = [
        "title",
        "author",
        "version",
        "abstract",
        "keywords",
        "date",
        "doi",
        "swhid",
        "repository",
        "url",
        "license",
        "commit",
    ];
    for f in &e.fields {
        if !done.contains(&f.name.as_ref()) && !SAID.contains(&f.name.as_ref()) {
            o.lost(f.name.to_string());
        }
    }
    (o.map, o.dropped)
}

/// The CFF type an entry is written as.
fn cff_type(e: &Entry) -> &'static str {
    let sub = e.get("entrysubtype").map(|v| v.to_plain_string());
    if let Some(s) = sub.as_deref() {
        if e.kind == "article" {
            match s {
                "magazine" => return "magazine-article",
                "newspaper" => return "newspaper-article",
                _ => {}
            }
        }
        if let Some((t, _)) = TYPES
            .iter()
            .find(|(t, k)| *t == s && KINDS.iter().any(|(k2, _)| k2 == k && *k2 == e.kind))
        {
            return t;
        }
    }
    KINDS
        .iter()
        .find(|(k, _)| *k == e.kind)
        .map_or("generic", |(_, t)| *t)
}

/// A reference object for `e`.
fn write_reference(e: &Entry) -> (Hash, Vec<String>) {
    let mut o = Out {
        map: Hash::new(),
        e,
        dropped: Vec::new(),
    };
    let ty = cff_type(e);
    if !KINDS.iter().any(|(k, _)| *k == e.kind) {
        o.lost(format!("type (`{}` written as `generic`)", e.kind));
    }
    o.put("type", ys(ty));
    o.put(
        "title",
        ys(o.text("title").unwrap_or_else(|| "Untitled".into())),
    );
    if o.text("title").is_none() {
        o.lost("title (none: written as `Untitled`)");
    }
    let authors = write_names(&mut o, "author").unwrap_or_else(anonymous);
    o.put("authors", authors);
    for (f, k) in [("editor", "editors"), ("translator", "translators")] {
        if let Some(l) = write_names(&mut o, f) {
            o.put(k, l);
        }
    }
    o.plain("shorttitle", "abbreviation");
    o.plain("abstract", "abstract");
    keywords(&mut o);
    // Dates.
    let software = ty.starts_with("software") || ty == "data";
    if let Some(Value::Date(d)) = o.get("date") {
        match d.start() {
            Some(p) if matches!(**d, Date::Single(_)) => {
                if let Some(s) = ok_date(p) {
                    o.put(
                        if software {
                            "date-released"
                        } else {
                            "date-published"
                        },
                        ys(s),
                    );
                }
                o.put("year", Yaml::Integer(p.year));
                if let Some(m) = p.month.filter(|m| (1..=12).contains(m)) {
                    o.put("month", Yaml::Integer(i64::from(m)));
                }
                if p.season.is_some() || p.approximate || p.uncertain {
                    o.lost(format!(
                        "date (`{d}`: CFF has no season or uncertain dates)"
                    ));
                }
            }
            _ => o.lost(format!("date (`{d}`: CFF has no date ranges)")),
        }
    } else if let Some(t) = o.text("date") {
        o.put("year", ys(t));
    }
    if let Some(Value::Date(d)) = o.get("urldate") {
        match d.start().and_then(ok_date) {
            Some(s) if matches!(**d, Date::Single(_)) => o.put("date-accessed", ys(s)),
            _ => o.lost("urldate"),
        }
    } else if o.get("urldate").is_some() {
        o.lost("urldate");
    }
    if let Some(Value::Date(d)) = o.get("origdate") {
        match d.start() {
            Some(p) if matches!(**d, Date::Single(_)) && p.month.is_none() => {
                o.put("year-original", Yaml::Integer(p.year))
            }
            _ => o.lost("origdate"),
        }
    } else {
        o.plain("origdate", "year-original");
    }
    o.plain("journaltitle", "journal");
    o.plain("booktitle", "collection-title");
    o.plain("volume", "volume");
    o.plain("number", if ty == "article" { "issue" } else { "number" });
    o.plain("issuetitle", "issue-title");
    if let Some(p) = o.text("pages") {
        match split_pages(&p) {
            Some((a, b)) => {
                o.put("start", ys(a));
                o.put("end", ys(b));
            }
            None => o.put("start", ys(p)),
        }
    }
    o.plain("pagetotal", "pages");
    o.plain("volumes", "number-volumes");
    o.plain("edition", "edition");
    for (f, k) in [
        ("publisher", "publisher"),
        ("institution", "institution"),
        ("location", "location"),
    ] {
        if let Some(t) = o.text(f) {
            let mut m = Hash::new();
            m.insert(ys("name"), ys(t));
            o.put(k, Yaml::Hash(m));
        }
    }
    if o.text("eventtitle").is_some() {
        let mut m = Hash::new();
        m.insert(ys("name"), ys(o.text("eventtitle").unwrap_or_default()));
        if let Some(v) = o.text("venue") {
            m.insert(ys("location"), ys(v));
        }
        if let Some(Value::Date(d)) = o.get("eventdate") {
            let (a, b) = match &**d {
                Date::Single(p) => (ok_date(p), None),
                Date::Range(RangeEnd::Known(p), RangeEnd::Known(q)) => (ok_date(p), ok_date(q)),
                _ => (None, None),
            };
            match a {
                Some(a) => {
                    m.insert(ys("date-start"), ys(a.clone()));
                    m.insert(ys("date-end"), ys(b.unwrap_or(a)));
                }
                None => o.lost("eventdate"),
            }
        } else if o.get("eventdate").is_some() {
            o.lost("eventdate");
        }
        o.put("conference", Yaml::Hash(m));
    } else {
        for f in ["venue", "eventdate"] {
            if o.get(f).is_some() {
                o.lost(f);
            }
        }
    }
    o.checked("isbn", "isbn", |s| {
        if ISBN_12.is_match(s) && ISBN_13.is_match(s) {
            return Some(s.to_string());
        }
        // An ISBN-10 ending in X is too short for 1.2.0's pattern without its hyphens.
        let h = s
            .parse::<isbn::Isbn10>()
            .ok()?
            .hyphenate()
            .ok()?
            .to_string();
        (ISBN_12.is_match(&h) && ISBN_13.is_match(&h)).then_some(h)
    });
    o.checked("issn", "issn", |s| {
        let s = if s.len() == 8 && s.is_ascii() {
            format!("{}-{}", &s[..4], &s[4..])
        } else {
            s.to_string()
        };
        ISSN.is_match(&s).then_some(s)
    });
    o.checked("pmcid", "pmcid", |s| {
        (PMCID_12.is_match(s) && PMCID_13.is_match(s)).then(|| s.to_string())
    });
    o.checked("doi", "doi", ok_doi);
    o.checked("url", "url", ok_url);
    o.checked("repository", "repository-code", ok_url);
    if let Some(s) = o.text("swhid") {
        if SWH.is_match(&s) {
            let mut m = Hash::new();
            m.insert(ys("type"), ys("swh"));
            m.insert(ys("value"), ys(s));
            o.put("identifiers", Yaml::Array(vec![Yaml::Hash(m)]));
        } else {
            o.lost("swhid");
        }
    }
    if let Some(t) = o.text("language") {
        let parts: Vec<String> = t.split([',', ';']).map(|s| s.trim().to_string()).collect();
        if parts.iter().all(|p| LANGUAGE.is_match(p)) {
            let mut seen = HashSet::new();
            let l = parts.into_iter().filter(|p| seen.insert(p.clone())).map(ys);
            o.put("languages", Yaml::Array(l.collect()));
        } else {
            o.lost(format!(
                "language (`{}` is not an ISO 639 code)",
                shorten(&t, 30)
            ));
        }
    }
    if let Some(t) = o.text("pubstate") {
        match STATUS.iter().find(|(_, p)| *p == t) {
            Some((s, _)) => o.put("status", ys(*s)),
            None => o.lost(format!("pubstate (`{t}`)")),
        }
    }
    o.plain("type", "thesis-type");
    o.plain("note", "notes");
    o.plain("version", "version");
    o.plain("commit", "commit");
    o.plain("database", "database");
    license(&mut o);
    let done = [
        "title",
        "author",
        "editor",
        "translator",
        "shorttitle",
        "abstract",
        "keywords",
        "date",
        "urldate",
        "origdate",
        "journaltitle",
        "booktitle",
        "volume",
        "number",
        "issuetitle",
        "pages",
        "pagetotal",
        "volumes",
        "edition",
        "publisher",
        "institution",
        "location",
        "eventtitle",
        "venue",
        "eventdate",
        "isbn",
        "issn",
        "pmcid",
        "doi",
        "url",
        "repository",
        "swhid",
        "language",
        "pubstate",
        "type",
        "note",
        "version",
        "commit",
        "database",
        "license",
    ];
    for f in &e.fields {
        if !done.contains(&f.name.as_ref()) && !SAID.contains(&f.name.as_ref()) {
            o.lost(f.name.to_string());
        }
    }
    (o.map, o.dropped)
}

/// Pages as start and end, when they are one simple range.
fn split_pages(p: &str) -> Option<(String, String)> {
    let (a, b) = p
        .split_once(['–', '—'])
        .or_else(|| p.split_once("--"))
        .or_else(|| p.split_once('-'))?;
    let (a, b) = (a.trim(), b.trim().trim_start_matches('-').trim());
    let simple = |s: &str| !s.is_empty() && !s.contains([',', ' ', '-', '–', ';']);
    (simple(a) && simple(b)).then(|| (a.to_string(), b.to_string()))
}

/// Writes entries as one CITATION.cff document (see the module docs for which entry
/// becomes the root), with the loss report: per entry, one `cff-not-written` warning
/// naming the fields CFF has no key for or whose value it cannot hold.
///
/// ```
/// let bib = bibkit::formats::bibtex::read(
///     "@article{k, author = {Lovelace, Ada}, title = {Notes}, journal = {Memoirs}, year = 1843, volume = 3, pages = {666--731}}",
/// ).bibliography;
/// let (cff, losses) = bibkit::formats::cff::write(&bib.entries);
/// assert!(cff.contains("preferred-citation:\n  type: article\n"));
/// assert!(cff.contains("  start: \"666\"\n  end: \"731\"\n"));
/// assert_eq!(losses[0].rule, "cff-not-written");
/// ```
pub fn write(entries: &[Entry]) -> (String, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if entries.is_empty() {
        diags.push(Diagnostic::new(
            Severity::Warning,
            "cff-not-written",
            "no entries: a CITATION.cff file describes one work, so nothing is written",
        ));
        return (String::new(), diags);
    }
    let is_work = |e: &Entry| e.kind == "software" || e.kind == "dataset";
    let related = |e: &Entry| {
        e.get("related").and_then(|r| {
            let r = r.to_plain_string();
            let first = r.split(',').next().unwrap_or("").trim().to_string();
            entries
                .iter()
                .position(|x| x.key == first && !first.is_empty())
        })
    };
    let root_at = entries
        .iter()
        .position(|e| is_work(e) && related(e).is_some())
        .or_else(|| entries.iter().position(is_work));
    let (root, preferred, copy) = match root_at {
        Some(i) => {
            let p = related(&entries[i]).filter(|&p| p != i);
            (i, p, false)
        }
        None => (0, Some(0), true),
    };
    let (mut map, lost) = write_root(&entries[root], copy);
    let mut losses: Vec<(usize, Vec<String>)> = Vec::new();
    if !copy {
        losses.push((root, lost));
    } else {
        let d = Diagnostic::new(
            Severity::Info,
            "cff-not-written",
            format!(
                "no software or dataset entry: the CFF root copies the title and authors of `{}`, which is its preferred-citation",
                entries[0].key
            ),
        )
        .at_entry(&entries[0]);
        diags.push(d);
    }
    if let Some(p) = preferred {
        let (m, lost) = write_reference(&entries[p]);
        map.insert(ys("preferred-citation"), Yaml::Hash(m));
        losses.push((p, lost));
    }
    let mut refs = Vec::new();
    let mut seen = HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        if i == root || Some(i) == preferred {
            continue;
        }
        let (m, mut lost) = write_reference(e);
        let y = Yaml::Hash(m);
        if seen.insert(y.clone()) {
            refs.push(y);
        } else {
            lost = vec!["the whole entry (it repeats an earlier reference)".into()];
        }
        losses.push((i, lost));
    }
    if !refs.is_empty() {
        map.insert(ys("references"), Yaml::Array(refs));
    }
    losses.sort_by_key(|(i, _)| *i);
    for (i, lost) in losses {
        diags.extend(loss(&entries[i], &lost));
    }
    let mut out = String::new();
    {
        let mut em = YamlEmitter::new(&mut out);
        // (Writing to a String cannot fail.)
        let _ = em.dump(&Yaml::Hash(map));
    }
    let mut out = out.strip_prefix("---\n").map(str::to_string).unwrap_or(out);
    out.push('\n');
    (out, diags)
}

/// The loss report of one entry: a warning naming what was not written.
fn loss(e: &Entry, lost: &[String]) -> Option<Diagnostic> {
    if lost.is_empty() {
        return None;
    }
    let d = Diagnostic::new(
        Severity::Warning,
        "cff-not-written",
        format!(
            "CFF has no key for {}; not written",
            lost.iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .at_entry(e);
    Some(d)
}

/// Writes a whole bibliography as one CITATION.cff document (see [`write()`]).
pub fn to_string(bib: &Bibliography) -> String {
    write(&bib.entries).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_preferred_citation_and_references() {
        let p = read(
            "cff-version: 1.2.0\nmessage: m\ntitle: T\nauthors:\n  - name: ACME\npreferred-citation:\n  type: article\n  title: Paper\n  authors:\n    - family-names: Doe\n      given-names: Jane\n  journal: J\n  year: 2020\n  start: 1\n  end: 9\nreferences:\n  - type: book\n    title: B\n    authors: [{name: X}]\n",
        );
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        let e = &p.bibliography.entries;
        assert_eq!(e.len(), 3);
        assert_eq!(e[1].kind, "article");
        assert_eq!(e[0].get("related").unwrap().to_string(), e[1].key);
        assert_eq!(e[1].get("pages").unwrap().to_string(), "1–9");
        assert_eq!(e[2].kind, "book");
    }

    #[test]
    fn reports_invalid_with_lines() {
        let p = read("cff-version: 1.2.0\nmessage: m\ntitle: T\nauthors: []\ndoi: x\nfoo: 1\n");
        let lines: Vec<(u32, &str)> = p.diagnostics.iter().map(|d| (d.line, d.rule)).collect();
        assert!(lines.contains(&(4, "cff-invalid")), "{lines:?}");
        assert!(lines.contains(&(5, "cff-invalid")), "{lines:?}");
        assert!(lines.contains(&(6, "cff-dropped")), "{lines:?}");
    }

    #[test]
    fn not_yaml_is_an_error() {
        let p = read("cff-version: [1.2.0\n");
        assert!(p.has_errors());
        assert!(p.bibliography.is_empty());
        let p = read("- a\n- b\n");
        assert!(p.has_errors());
    }

    #[test]
    fn one_paper_becomes_the_preferred_citation_of_a_copied_root() {
        let bib = crate::formats::bibtex::read(
            "@article{k, author = {Doe, Jane and Roe, R.}, title = {A Paper}, journal = {J}, year = 2020, month = mar, doi = {10.1234/x}, eprint = {2001.1}}",
        )
        .bibliography;
        let (out, losses) = write(&bib.entries);
        assert!(out.starts_with("cff-version: 1.2.0\n"), "{out}");
        assert!(
            out.contains("title: A Paper\nauthors:\n  - family-names: Doe\n"),
            "{out}"
        );
        assert!(
            out.contains("preferred-citation:\n  type: article\n  title: A Paper\n"),
            "{out}"
        );
        assert!(
            out.contains("  year: 2020\n  month: 3\n  journal: J\n"),
            "{out}"
        );
        assert_eq!(losses.len(), 2, "{losses:?}");
        assert_eq!(losses[0].severity, Severity::Info);
        assert!(losses[1].message.contains("`eprint`"), "{losses:?}");
        // Read back: the root (software) and the paper.
        let back = read(&out);
        assert!(back.diagnostics.is_empty(), "{:?}", back.diagnostics);
        assert_eq!(back.bibliography.entries[1].kind, "article");
    }

    #[test]
    fn software_is_the_root_and_the_rest_are_references() {
        let bib = crate::formats::bibtex::read(
            "@book{b, author = {A, B}, title = {Book}, year = 1999, isbn = {not an isbn}}\n\
             @software{s, author = {Lab}, title = {Tool}, date = {2021-02-03}, version = {2.0}, url = {https://x.org}, license = {MIT}}\n\
             @misc{m, title = {No author}}",
        )
        .bibliography;
        let (out, losses) = write(&bib.entries);
        assert!(out.contains("title: Tool\n"), "{out}");
        assert!(out.contains("date-released: 2021-02-03\n"), "{out}");
        assert!(out.contains("references:\n  - type: book\n"), "{out}");
        assert!(out.contains("authors:\n      - name: anonymous\n"), "{out}");
        assert!(
            losses
                .iter()
                .any(|d| d.key.as_deref() == Some("b") && d.message.contains("isbn"))
        );
        let back = read(&out);
        assert!(back.diagnostics.is_empty(), "{:?}", back.diagnostics);
        assert_eq!(back.bibliography.len(), 3);
        assert!(back.bibliography.entries[2].get("author").is_none());
    }

    #[test]
    fn diagnostics_name_their_entry() {
        let p = read(
            "cff-version: 1.2.0\nmessage: m\ntitle: T\nauthors: [{name: A}]\nfoo: 1\nreferences:\n  - {type: book, title: B, authors: [{name: C}], bar: 2}\n",
        );
        let keys: Vec<_> = p
            .diagnostics
            .iter()
            .map(|d| d.key.clone().unwrap())
            .collect();
        let entries = &p.bibliography.entries;
        assert!(
            keys.contains(&entries[0].key) && keys.contains(&entries[1].key),
            "{keys:?}"
        );
    }

    #[test]
    fn underindented_quotes_and_deep_nesting_are_read() {
        let mut s = String::from(
            "cff-version: 1.2.0\nmessage: m\ntitle: T\nauthors:\n  - family-names: x\n    affiliation: \"a\n",
        );
        for i in 0..1000 {
            s.push_str(&format!("    line {i}\n"));
        }
        s.push_str("    end\"\n");
        let p = read(&s);
        assert!(!p.has_errors(), "{:?}", p.diagnostics);
        assert_eq!(p.diagnostics[0].rule, "cff-guessed");
        let deep = format!(
            "cff-version: 1.2.0\nmessage: m\ntitle: T\nauthors: [{{name: x}}]\nkeywords:\n  {}x\n",
            "- ".repeat(5000)
        );
        let p = read(&deep);
        assert_eq!(p.bibliography.len(), 1);
        assert!(p.has_errors());
    }

    #[test]
    fn aliases_are_budgeted() {
        let mut s = String::from("cff-version: 1.2.0\nmessage: m\ntitle: T\na0: &a0 {name: x}\n");
        s.push_str("p: &p [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\n");
        s.push_str("authors: *p\nreferences:\n");
        for _ in 0..2000 {
            s.push_str("  - &r {type: book, title: t, authors: *p}\n");
        }
        let p = read(&s);
        assert!(p.bibliography.len() > 1);
    }
}
