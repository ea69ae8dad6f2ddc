//! New citation keys from a pattern, and renaming keys everywhere they are used.
//!
//! A [`Pattern`] says how a key is made from an entry: literal text and `[…]` parts, each
//! a selector followed by modifiers (`[auth:lower]`):
//!
//! | selector | gives |
//! |---|---|
//! | `auth` | the first author's family name (the first editor's when there is no author; an organisation's first word that is not a function word; `Anon` when there is neither) |
//! | `authN` | its first N letters (`auth3`) |
//! | `authors` | every author's family name |
//! | `authorsN` | the first N, then `EtAl` when there are more (or the list ends in "and others") |
//! | `authEtAl` | one author: the name; two: both; more: the first and `EtAl` |
//! | `year` | the year (of `date`, or a four-digit `year`) |
//! | `shortyear` | its last two digits |
//! | `title` | every word of the title, each capitalised |
//! | `shorttitle` | the first three words that are not function words (`a`, `the`, `of`, `on`, …), capitalised |
//! | `veryshorttitle` | the first such word, capitalised |
//! | any field name | that field's words (`[journal]`, `[number]`), BibTeX and BibLaTeX names alike |
//!
//! Words keep only their letters and digits (`GPT-4o` → `GPT4o`, `O'Brien` → `OBrien`).
//! Modifiers apply in order (so `:ascii:lower`, not `:lower:ascii`, gives lowercase keys
//! for every script): `:lower`, `:upper`, `:ascii` (transliterated to ASCII letters
//! and digits: `Müller` → `Muller`, `Чайковский` → `Chaykovskiy`, `王` → `Wang`, `ひらがな`
//! → `hiragana`, by the `any_ascii` tables), `:abbr` (each word's first letter:
//! `[journal:abbr]` of "Journal of the ACM" is `JotA`). Characters a key cannot hold
//! (white space, `{}(),=#%"'~\`) are dropped from the result.
//!
//! The default, [`DEFAULT_PATTERN`], is `[auth:ascii:lower][year][veryshorttitle:ascii:lower]`:
//! `knuth1984literate`, the keys [`crate::keys::KeyGenerator`] gives.
//!
//! [`plan`] gives every entry of a set of bibliographies its key by a pattern: entries
//! whose key already matches (the pattern's key, or it with a letter suffix), pinned
//! keys and `@xdata` containers (named by entries, never cited) are left alone; keys that come out equal get `a`, `b`, … in file order (the
//! bibliographies in the order given, entries in file order), the first keeping the bare
//! key, and never a key another entry keeps. [`rewrite_bib`] and [`rewrite_citations`]
//! apply a [`Map`] of old to new keys to a bibliography (keys, and the `crossref`, `xref`,
//! `xdata`, `related` and `entryset` fields that name them) and to a document's citations,
//! changing nothing else.
//!
//! ```
//! use bibkit::edit::Document;
//! use bibkit::rekey::{plan, Map, Options, Pattern, rewrite_bib};
//! let mut doc = Document::parse(
//!     "@book{k1, author = {Knuth, Donald E.}, title = {The Art of Computer Programming}, year = 1968}\n\n\
//!      @book{k2, author = {Donald Knuth}, title = {Art of Computer Programming, Volume 2}, year = 1968}\n\n\
//!      @inbook{c, crossref = {k2}, title = {Chapter}, author = {A. Author}, year = 1968}\n",
//! );
//! let options = Options::new(Pattern::parse("[auth:lower][year]").unwrap()).pin(["c"]);
//! let renames = plan(&[("refs.bib".into(), &doc)], &options);
//! let map = Map::from_renames(&renames);
//! assert_eq!(map.get("k1"), Some("knuth1968"));
//! assert_eq!(map.get("K2"), Some("knuth1968a"));
//! rewrite_bib(&mut doc, 0, &renames, &map, false).unwrap();
//! assert!(doc.text().starts_with("@book{knuth1968, author"));
//! assert!(doc.text().contains("@inbook{c, crossref = {knuth1968a}"));
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use crate::check::cited::{Kind, Scan};
use crate::edit::{BlockKind, Change, Document, EditError, Value};
use crate::extract::{LINKS, keys_in};
use crate::formats::bibtex::{Lowering, Reader};
// The words `shorttitle`, `veryshorttitle` and organisation names skip: those the
// generated keys skip.
use crate::keys::{FUNCTION_WORDS, KeyGenerator};
use crate::model::{Entry, Name};

/// The pattern `bibkit rekey` uses when none is given: today's generated keys.
pub const DEFAULT_PATTERN: &str = "[auth:ascii:lower][year][veryshorttitle:ascii:lower]";

/// A key pattern; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Field(Selector, Vec<Modifier>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Selector {
    Auth,
    AuthN(usize),
    Authors,
    AuthorsN(usize),
    AuthEtAl,
    Year,
    ShortYear,
    Title,
    ShortTitle,
    VeryShortTitle,
    Field(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Modifier {
    Lower,
    Upper,
    Ascii,
    Abbr,
}

/// Why a pattern could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// A `[` without its `]`.
    #[error("`[` at byte {0} is not closed")]
    Unclosed(usize),
    /// `[]` or a selector that is not a name.
    #[error("`[{0}]` is not a selector")]
    BadSelector(String),
    /// A modifier that is not `lower`, `upper`, `ascii` or `abbr`.
    #[error("`:{0}` is not a modifier (lower, upper, ascii, abbr)")]
    BadModifier(String),
}

impl Pattern {
    /// Reads a pattern.
    ///
    /// ```
    /// use bibkit::rekey::Pattern;
    /// assert!(Pattern::parse("[auth:lower]-[year]").is_ok());
    /// assert_eq!(Pattern::parse("[auth").unwrap_err().to_string(), "`[` at byte 0 is not closed");
    /// assert!(Pattern::parse("[auth:shout]").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut at = 0;
        while !rest.is_empty() {
            match rest.find('[') {
                Some(0) => {
                    let close = rest.find(']').ok_or(PatternError::Unclosed(at))?;
                    let body = &rest[1..close];
                    let mut items = body.split(':');
                    let name = items.next().unwrap_or("").trim();
                    let selector = selector(name)
                        .ok_or_else(|| PatternError::BadSelector(body.to_string()))?;
                    let mods = items
                        .map(|m| match m.trim() {
                            "lower" => Ok(Modifier::Lower),
                            "upper" => Ok(Modifier::Upper),
                            "ascii" => Ok(Modifier::Ascii),
                            "abbr" => Ok(Modifier::Abbr),
                            other => Err(PatternError::BadModifier(other.to_string())),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    parts.push(Part::Field(selector, mods));
                    at += close + 1;
                    rest = &rest[close + 1..];
                }
                found => {
                    let end = found.unwrap_or(rest.len());
                    parts.push(Part::Literal(rest[..end].to_string()));
                    at += end;
                    rest = &rest[end..];
                }
            }
        }
        Ok(Pattern { parts })
    }

    /// The key the pattern makes of `entry`, before disambiguation.
    ///
    /// ```
    /// use bibkit::edit::Document;
    /// use bibkit::rekey::Pattern;
    /// let doc = Document::parse("@article{x, author = {Jean-Paul Sartre and Simone de Beauvoir and Albert Camus},
    ///   title = {On the Nature of Things}, journal = {Journal of the ACM}, year = 1943}");
    /// let e = doc.to_model(0).unwrap();
    /// let key = |p: &str| Pattern::parse(p).unwrap().key_for(&e);
    /// assert_eq!(key("[auth][year]"), "Sartre1943");
    /// assert_eq!(key("[authors2]"), "SartreBeauvoirEtAl");
    /// assert_eq!(key("[authEtAl:lower]_[shortyear]"), "sartreetal_43");
    /// assert_eq!(key("[shorttitle]"), "NatureThings");
    /// assert_eq!(key("[auth3:upper][journal:abbr]"), "SARJotA");
    /// ```
    pub fn key_for(&self, entry: &Entry) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(t) => out.push_str(t),
                Part::Field(sel, mods) => {
                    let mut words = select(sel, entry);
                    for m in mods {
                        words = match m {
                            Modifier::Lower => words.iter().map(|w| w.to_lowercase()).collect(),
                            Modifier::Upper => words.iter().map(|w| w.to_uppercase()).collect(),
                            Modifier::Ascii => words.iter().map(|w| to_ascii(w)).collect(),
                            Modifier::Abbr => words
                                .iter()
                                .filter_map(|w| w.chars().next().map(String::from))
                                .collect(),
                        };
                    }
                    out.extend(words);
                }
            }
        }
        out.chars().filter(|&c| key_char(c)).collect()
    }
}

impl Default for Pattern {
    fn default() -> Self {
        Pattern::parse(DEFAULT_PATTERN).expect("the default pattern is valid")
    }
}

/// Whether `c` may be in a key `bibkit rekey` writes.
fn key_char(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !"{}(),=#%\"'~\\".contains(c)
}

/// Whether `key` can be written as a key in a `.bib` file and cited bare from LaTeX,
/// Markdown, Typst and Org: letters, digits and `_-:./+`, starting with a letter or digit.
pub fn valid_key(key: &str) -> bool {
    key.chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || "_-:./+".contains(c))
}

/// ASCII letters and digits for `s` (transliterated by `any_ascii`).
fn to_ascii(s: &str) -> String {
    any_ascii::any_ascii(s)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn selector(name: &str) -> Option<Selector> {
    let number = |prefix: &str| {
        name.strip_prefix(prefix)
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n > 0)
    };
    Some(match name {
        "" => return None,
        "auth" => Selector::Auth,
        "authors" => Selector::Authors,
        "authEtAl" | "authetal" => Selector::AuthEtAl,
        "year" => Selector::Year,
        "shortyear" => Selector::ShortYear,
        "title" => Selector::Title,
        "shorttitle" => Selector::ShortTitle,
        "veryshorttitle" => Selector::VeryShortTitle,
        _ => {
            if let Some(n) = number("authors") {
                Selector::AuthorsN(n)
            } else if let Some(n) = number("auth") {
                Selector::AuthN(n)
            } else if name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                Selector::Field(name.to_ascii_lowercase())
            } else {
                return None;
            }
        }
    })
}

/// Letters and digits only.
fn alnum(w: &str) -> String {
    w.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn is_function_word(w: &str) -> bool {
    FUNCTION_WORDS.contains(&crate::keys::ascii_fold(w).as_str())
}

fn capitalised(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The family names of the authors (editors when there are none), and whether the list
/// goes on ("and others").
fn families(entry: &Entry) -> (Vec<String>, bool) {
    for field in ["author", "editor"] {
        let Some(list) = entry.names(field) else {
            continue;
        };
        let names: Vec<String> = list
            .names
            .iter()
            .map(|n| match n {
                Name::Person(p) if !alnum(&p.family).is_empty() => alnum(&p.family),
                Name::Person(p) => alnum(&p.given),
                Name::Literal(s) => s
                    .split_whitespace()
                    .find(|w| !alnum(w).is_empty() && !is_function_word(w))
                    .map(alnum)
                    .unwrap_or_default(),
            })
            .filter(|s| !s.is_empty())
            .collect();
        if !names.is_empty() {
            return (names, list.truncated);
        }
    }
    (Vec::new(), false)
}

fn year_of(entry: &Entry) -> Option<String> {
    crate::keys::key_year(entry)
}

fn title_words(entry: &Entry) -> Vec<String> {
    entry
        .get("title")
        .map(|v| v.to_plain_string())
        .unwrap_or_default()
        .split_whitespace()
        .map(|w| (w.to_string(), alnum(w)))
        .filter(|(_, a)| !a.is_empty())
        .map(|(w, a)| {
            if is_function_word(&w) {
                format!("\0{a}")
            } else {
                a
            }
        })
        .collect()
}

fn select(sel: &Selector, entry: &Entry) -> Vec<String> {
    let (names, more) = families(entry);
    let first = || names.first().cloned().unwrap_or_else(|| "Anon".to_string());
    let content = |words: Vec<String>, n: usize| -> Vec<String> {
        words
            .into_iter()
            .filter(|w| !w.starts_with('\0'))
            .take(n)
            .map(|w| capitalised(&w))
            .collect()
    };
    match sel {
        Selector::Auth => vec![first()],
        Selector::AuthN(n) => vec![first().chars().take(*n).collect()],
        Selector::Authors => names,
        Selector::AuthorsN(n) => {
            let mut out: Vec<String> = names.iter().take(*n).cloned().collect();
            if names.len() > *n || (more && !names.is_empty()) {
                out.push("EtAl".to_string());
            }
            out
        }
        Selector::AuthEtAl => match (names.len(), more) {
            (0, _) => vec![first()],
            (1, false) => names,
            (2, false) => names,
            _ => vec![first(), "EtAl".to_string()],
        },
        Selector::Year => year_of(entry).into_iter().collect(),
        Selector::ShortYear => year_of(entry)
            .map(|y| y[y.len().saturating_sub(2)..].to_string())
            .into_iter()
            .collect(),
        Selector::Title => title_words(entry)
            .into_iter()
            .map(|w| capitalised(w.trim_start_matches('\0')))
            .collect(),
        Selector::ShortTitle => content(title_words(entry), 3),
        Selector::VeryShortTitle => content(title_words(entry), 1),
        Selector::Field(name) => entry
            .get(name)
            .map(|v| v.to_plain_string())
            .unwrap_or_default()
            .split_whitespace()
            .map(alnum)
            .filter(|w| !w.is_empty())
            .collect(),
    }
}

/// The `[rekey]` table of `bibkit.toml`: the pattern, and keys that never change.
///
/// ```
/// use bibkit::rekey::RekeyConfig;
/// let c = RekeyConfig::from_toml("[rekey]\npattern = \"[auth:lower][year]\"\npin = [\"knuth84\"]\n").unwrap();
/// assert_eq!(c.pattern.as_deref(), Some("[auth:lower][year]"));
/// assert_eq!(c.pin, ["knuth84"]);
/// assert!(RekeyConfig::from_toml("[rekey]\npins = []\n").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RekeyConfig {
    /// The pattern.
    pub pattern: Option<String>,
    /// Keys that never change.
    pub pin: Vec<String>,
}

impl RekeyConfig {
    /// Reads the `[rekey]` table (other tables are other commands').
    ///
    /// # Errors
    /// The TOML error, or an unknown key in the table.
    pub fn from_toml(text: &str) -> Result<RekeyConfig, String> {
        #[derive(Default, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            pattern: Option<String>,
            #[serde(default)]
            pin: Vec<String>,
        }
        #[derive(Default, serde::Deserialize)]
        struct File {
            rekey: Option<Table>,
            #[serde(flatten)]
            _rest: std::collections::BTreeMap<String, toml::Value>,
        }
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let t = file.rekey.unwrap_or_default();
        if let Some(p) = &t.pattern {
            Pattern::parse(p).map_err(|e| format!("[rekey] pattern: {e}"))?;
        }
        Ok(RekeyConfig {
            pattern: t.pattern,
            pin: t.pin,
        })
    }
}

/// What [`plan`] re-keys and keeps.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The pattern.
    pub pattern: Pattern,
    /// Keys that never change (compared ignoring case).
    pub pinned: Vec<String>,
    /// When not empty, only these entries are re-keyed (compared ignoring case).
    pub only: Vec<String>,
}

impl Options {
    /// Re-key every entry by `pattern`.
    pub fn new(pattern: Pattern) -> Options {
        Options {
            pattern,
            ..Options::default()
        }
    }

    /// Never change these keys.
    pub fn pin<S: Into<String>>(mut self, keys: impl IntoIterator<Item = S>) -> Options {
        self.pinned.extend(keys.into_iter().map(Into::into));
        self
    }

    /// Re-key only these entries.
    pub fn only<S: Into<String>>(mut self, keys: impl IntoIterator<Item = S>) -> Options {
        self.only.extend(keys.into_iter().map(Into::into));
        self
    }
}

/// One entry's new key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// The bibliography (its index in what [`plan`] was given).
    pub bib: usize,
    /// The entry's block in that bibliography's [`Document`].
    pub block: usize,
    /// Its key now.
    pub old: String,
    /// Its new key.
    pub new: String,
}

/// Whether `key` is what the pattern gives (`base`), or that with a letter suffix.
fn matches(key: &str, base: &str) -> bool {
    key == base
        || key.strip_prefix(base).is_some_and(|rest| {
            !rest.is_empty() && rest.len() <= 3 && rest.bytes().all(|b| b.is_ascii_lowercase())
        })
}

/// The entries of `bibs` as the model reads them, all files as one bibliography (macros
/// of one file known in the next): (bibliography, block, entry).
pub fn entries(bibs: &[(Arc<str>, &Document)]) -> Vec<(usize, usize, Entry)> {
    let mut out = Vec::new();
    each_entry(bibs, |b, i, e| out.push((b, i, e)));
    out
}

/// Calls `f` with each entry of `bibs` in order, as [`entries`] gives them, one at a
/// time (a large bibliography is never held as a model).
fn each_entry(bibs: &[(Arc<str>, &Document)], mut f: impl FnMut(usize, usize, Entry)) {
    let lowering = Lowering::from_sources(
        bibs.iter().map(|(n, d)| (Some(n.clone()), d.text())),
        Reader::new(),
    );
    let starts: Vec<HashMap<usize, usize>> = bibs
        .iter()
        .map(|(_, d)| {
            d.blocks()
                .iter()
                .enumerate()
                .filter(|(_, b)| b.kind() == BlockKind::Entry)
                .map(|(i, b)| (b.span().start, i))
                .collect()
        })
        .collect();
    for n in 0..lowering.len() {
        let s = lowering.source_of(n);
        if let Some(&block) = starts[s].get(&lowering.span(n).start) {
            f(s, block, lowering.entry(n).0);
        }
    }
}

/// New keys for the entries of `bibs` by `options`; see the module docs. The renames come
/// in file order.
pub fn plan(bibs: &[(Arc<str>, &Document)], options: &Options) -> Vec<Rename> {
    let lower = |v: &[String]| -> Vec<String> { v.iter().map(|k| k.to_lowercase()).collect() };
    let (pinned, only) = (lower(&options.pinned), lower(&options.only));
    let mut keep = KeyGenerator::new();
    let mut todo: Vec<(usize, usize, String, String)> = Vec::new();
    each_entry(bibs, |b, i, e| {
        let old = bibs[b].1.key(i).unwrap_or("").to_string();
        // `@xdata` containers are not works: their keys are only named, never cited.
        if e.kind == "xdata" {
            keep.reserve(&old);
            return;
        }
        let base = options.pattern.key_for(&e);
        let lower_old = old.to_lowercase();
        let chosen = only.is_empty() || only.contains(&lower_old);
        if !chosen || pinned.contains(&lower_old) || matches(&old, &base) {
            keep.reserve(&old);
        } else {
            todo.push((b, i, old, base));
        }
    });
    let mut renames = Vec::new();
    for (bib, block, old, base) in todo {
        let base = if base.is_empty() {
            "anon".to_string()
        } else {
            base
        };
        let new = keep.generate_from(&base);
        if new != old {
            renames.push(Rename {
                bib,
                block,
                old,
                new,
            });
        }
    }
    renames
}

/// Old keys to new ones, compared ignoring case (as BibTeX finds keys).
#[derive(Debug, Clone, Default)]
pub struct Map {
    by_old: HashMap<String, String>,
    /// In the order given.
    pairs: Vec<(String, String)>,
}

impl Map {
    /// The map of `renames`: the first entry with a key gives its new key (a later
    /// duplicate of a key is never what a citation finds).
    pub fn from_renames(renames: &[Rename]) -> Map {
        Map::from_pairs(renames.iter().map(|r| (r.old.clone(), r.new.clone())))
    }

    /// A map from (old, new) pairs; the first pair for a key counts. Empty old keys are
    /// left out.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Map {
        let mut m = Map::default();
        for (old, new) in pairs {
            if old.is_empty() {
                continue;
            }
            let k = old.to_lowercase();
            if m.by_old.contains_key(&k) {
                continue;
            }
            m.by_old.insert(k, new.clone());
            m.pairs.push((old, new));
        }
        m
    }

    /// The new key of `old`, if it changes.
    pub fn get(&self, old: &str) -> Option<&str> {
        self.by_old.get(&old.to_lowercase()).map(String::as_str)
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// Applies `map` to bibliography `bib` of a [`plan`]: the renamed entries get their new
/// keys (with `keep_alias`, the old key is added to their `ids`), and every `crossref`,
/// `xref`, `xdata`, `related` and `entryset` that names a renamed key names the new one.
/// Gives the changes made.
///
/// # Errors
/// An [`EditError`] when an edit is refused; the document is then unchanged.
pub fn rewrite_bib(
    doc: &mut Document,
    bib: usize,
    renames: &[Rename],
    map: &Map,
    keep_alias: bool,
) -> Result<Vec<Change>, EditError> {
    // The value edits first (they are read from the document as it is).
    let mut replaced: Vec<Change> = Vec::new();
    for (i, block) in doc.blocks().iter().enumerate() {
        if block.kind() != BlockKind::Entry {
            continue;
        }
        for k in 0..block.field_count() {
            let Some((name, raw)) = doc.field(i, k) else {
                continue;
            };
            let Some(&(_, list)) = LINKS.iter().find(|(f, _)| name.eq_ignore_ascii_case(f)) else {
                continue;
            };
            let Some(span) = doc.value_span(i, k) else {
                continue;
            };
            for (off, key) in keys_in(raw, list) {
                if let Some(new) = map.get(key) {
                    let start = span.start + off;
                    replaced.push(Change {
                        range: start..start + key.len(),
                        text: new.to_string(),
                    });
                }
            }
        }
    }
    let mut batch = doc.batch();
    for c in replaced {
        batch.replace(c)?;
    }
    for r in renames.iter().filter(|r| r.bib == bib) {
        batch.set_key(r.block, &r.new)?;
    }
    let mut changes = batch.apply()?;
    if keep_alias {
        let mut sets: Vec<(usize, String)> = Vec::new();
        for r in renames.iter().filter(|r| r.bib == bib && !r.old.is_empty()) {
            let ids = doc.fields(r.block, "ids");
            let value = match ids.first() {
                Some(raw) => {
                    let mut keys: Vec<&str> = keys_in(raw, true).into_iter().map(|x| x.1).collect();
                    if keys.iter().any(|k| k.eq_ignore_ascii_case(&r.old)) {
                        continue;
                    }
                    keys.push(&r.old);
                    format!("{{{}}}", keys.join(", "))
                }
                None => format!("{{{}}}", r.old),
            };
            sets.push((r.block, value));
        }
        let mut batch = doc.batch();
        for (block, value) in sets {
            batch.set_field(block, "ids", Value::raw(value))?;
        }
        changes.extend(batch.apply()?);
    }
    Ok(changes)
}

/// The document's text with every citation of a key in `map` citing the new key, and the
/// changes (in the old text's offsets). `.aux` and `.bcf` files are not rewritten (LaTeX
/// writes them): their text comes back as it is.
///
/// ```
/// use bibkit::check::cited::{scan, Kind};
/// use bibkit::rekey::{Map, rewrite_citations};
/// let map = Map::from_pairs([("knuth84".to_string(), "knuth1984literate".to_string())]);
/// let tex = "See \\citet[p.~3]{Knuth84, lamport94}.";
/// let (text, changes) = rewrite_citations(tex, &scan(tex, Kind::Tex, None), Kind::Tex, &map);
/// assert_eq!(text, "See \\citet[p.~3]{knuth1984literate, lamport94}.");
/// assert_eq!(changes.len(), 1);
/// ```
pub fn rewrite_citations(text: &str, scan: &Scan, kind: Kind, map: &Map) -> (String, Vec<Change>) {
    if matches!(kind, Kind::Aux | Kind::Bcf) {
        return (text.to_string(), Vec::new());
    }
    let mut changes: Vec<Change> = Vec::new();
    for c in &scan.citations {
        let Some(new) = map.get(&c.key) else {
            continue;
        };
        if c.span.end > text.len() || text[c.span.start..c.span.end] != c.key {
            continue;
        }
        // A pandoc key that cannot be written bare is written `@{key}`.
        let bare =
            kind == Kind::Markdown && text[..c.span.start].ends_with('@') && !pandoc_bare(new);
        changes.push(Change {
            range: c.span.start..c.span.end,
            text: if bare {
                format!("{{{new}}}")
            } else {
                new.to_string()
            },
        });
    }
    changes.sort_by_key(|c| c.range.start);
    changes.dedup_by_key(|c| c.range.start);
    (crate::edit::splice(text, &changes), changes)
}

/// Whether pandoc reads `key` whole after a bare `@`.
fn pandoc_bare(key: &str) -> bool {
    key.chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pattern: &str, bib: &str) -> String {
        let doc = Document::parse(bib);
        Pattern::parse(pattern)
            .unwrap()
            .key_for(&doc.to_model(0).unwrap())
    }

    #[test]
    fn transliteration_per_script() {
        let cases = [
            ("{Müller, Jürgen}", "muller"),
            ("{Чайковский, Пётр}", "chaykovskiy"),
            ("{Παπαδόπουλος, Γιώργος}", "papadopoylos"),
            ("{王, 小明}", "wang"),
            ("{ひらがな, 太郎}", "hiragana"),
            ("{محمد, علي}", "mhmd"),
            ("{Nguyễn, Văn}", "nguyen"),
            ("{Łukasiewicz, Jan}", "lukasiewicz"),
        ];
        let got: Vec<(&str, String)> = cases
            .iter()
            .map(|(author, _)| {
                let bib = format!("@misc{{x, author = {author}, title = {{T}}}}");
                (*author, key("[auth:ascii:lower]", &bib))
            })
            .collect();
        let want: Vec<(&str, String)> = cases.iter().map(|(a, w)| (*a, w.to_string())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn the_default_is_the_generated_key() {
        let bibs = [
            "@article{x, author = {Knuth, Donald E.}, title = {Literate Programming}, year = 1984}",
            "@misc{x, author = {{The Unicode Consortium}}, title = {The Unicode Standard}, year = 2023}",
            "@misc{x, title = {The Art of Programming}}",
            "@misc{x, author = {Aaron Hurst and others}, title = {GPT-4o System Card}, date = {2024-10-25}}",
            "@misc{x, author = {Fučkar, Neven}, title = {Ëmphasis on Straße}, year = 2001}",
        ];
        for bib in bibs {
            let doc = Document::parse(bib);
            let e = doc.to_model(0).unwrap();
            assert_eq!(
                Pattern::default().key_for(&e),
                KeyGenerator::base_key(&e),
                "{bib}"
            );
        }
    }

    #[test]
    fn disambiguation_is_in_file_order_and_keeps_matching_and_pinned_keys() {
        let a = Document::parse(
            "@misc{smith2020, author = {Smith, A.}, year = 2020}\n\n\
             @misc{s2, author = {Smith, B.}, year = 2020}\n\n\
             @misc{pinned, author = {Smith, C.}, year = 2020}\n",
        );
        let b = Document::parse(
            "@misc{s4, author = {Smith, D.}, year = 2020}\n\n@misc{smith2020b, author = {Smith, E.}, year = 2020}\n",
        );
        let options = Options::new(Pattern::parse("[auth:lower][year]").unwrap()).pin(["PINNED"]);
        let renames = plan(&[("a.bib".into(), &a), ("b.bib".into(), &b)], &options);
        let pairs: Vec<(&str, &str)> = renames
            .iter()
            .map(|r| (r.old.as_str(), r.new.as_str()))
            .collect();
        assert_eq!(pairs, [("s2", "smith2020a"), ("s4", "smith2020c")]);
        let only = Options::new(Pattern::parse("[auth:lower][year]").unwrap()).only(["s4"]);
        let renames = plan(&[("a.bib".into(), &a), ("b.bib".into(), &b)], &only);
        assert_eq!(renames.len(), 1);
        assert_eq!(renames[0].new, "smith2020a");
    }

    #[test]
    fn links_and_aliases_follow() {
        let mut doc = Document::parse(
            "@misc{old, title = {T}}\n\n@misc{c, xdata = {x, Old}, related = {old}, ids = {}}\n\n\
             @misc{d, ids = {first}}\n",
        );
        let renames = vec![
            Rename {
                bib: 0,
                block: 0,
                old: "old".into(),
                new: "new".into(),
            },
            Rename {
                bib: 0,
                block: 2,
                old: "d".into(),
                new: "e".into(),
            },
        ];
        let map = Map::from_renames(&renames);
        rewrite_bib(&mut doc, 0, &renames, &map, true).unwrap();
        assert_eq!(
            doc.text(),
            "@misc{new, title = {T}, ids = {old}}\n\n@misc{c, xdata = {x, new}, related = {new}, ids = {}}\n\n\
             @misc{e, ids = {first, d}}\n"
        );
    }

    #[test]
    fn citations_in_every_kind_of_document() {
        let map = Map::from_pairs([("a".to_string(), "b2020x".to_string())]);
        let cases = [
            (
                Kind::Markdown,
                "---\nnocite: |\n  @a\n---\nAs [@a, p. 3] and @A.\n",
                "---\nnocite: |\n  @b2020x\n---\nAs [@b2020x, p. 3] and @b2020x.\n",
            ),
            (
                Kind::Typst,
                "#cite(<a>) and @a, see @fig.\n<fig>\n",
                "#cite(<b2020x>) and @b2020x, see @fig.\n<fig>\n",
            ),
            (
                Kind::Org,
                "[cite:@a;@z] and cite:a,z\n",
                "[cite:@b2020x;@z] and cite:b2020x,z\n",
            ),
            (
                Kind::Tex,
                "\\cite{z,a}\\nocite{a}",
                "\\cite{z,b2020x}\\nocite{b2020x}",
            ),
        ];
        for (kind, before, after) in cases {
            let s = crate::check::cited::scan(before, kind, None);
            assert_eq!(
                rewrite_citations(before, &s, kind, &map).0,
                after,
                "{kind:?}"
            );
        }
        let aux = "\\citation{a}";
        let s = crate::check::cited::scan(aux, Kind::Aux, None);
        assert_eq!(rewrite_citations(aux, &s, Kind::Aux, &map).0, aux);
        let odd = Map::from_pairs([("a".to_string(), "b.".to_string())]);
        let md = "As @a said.";
        let s = crate::check::cited::scan(md, Kind::Markdown, None);
        assert_eq!(
            rewrite_citations(md, &s, Kind::Markdown, &odd).0,
            "As @{b.} said."
        );
    }
}
