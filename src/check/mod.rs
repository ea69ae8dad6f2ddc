//! Checks for bibliographies and the documents that cite them: the engine behind
//! `bibkit check`.
//!
//! A [`Checker`] takes `.bib` texts and, optionally, what documents cite ([`cited`]), and
//! reports findings as [`Diagnostic`]s with stable rule ids, positions and the key
//! involved. Every rule is in [`RULES`], with its default [`Level`], a one-line summary and
//! an example that breaks it and one that keeps it. Correctness rules are on by default;
//! house-style rules (`title-case`, `unprotected-acronym`, `field-order`, `key-pattern`)
//! only when a [`Config`] turns them on. [`output`] prints findings as JSON, GitHub
//! workflow commands or SARIF.
//!
//! ```
//! use bibkit::check::{Checker, Config, cited};
//! let mut checker = Checker::new(Config::default());
//! checker.add_bib("refs.bib", "@article{knuth84, author = {Knuth, Donald E.},
//!   title = {Literate Programming}, journal = {The Computer Journal}, year = 1984,
//!   doi = {10.1093/comjnl/27.2.97}}\n@misc{unused, title = {U}}");
//! checker.add_cited(cited::scan("\\cite{knuth84} \\cite{lamport94}", cited::Kind::Tex, Some("paper.tex".into())));
//! let findings = checker.run();
//! let rules: Vec<&str> = findings.iter().map(|d| d.rule).collect();
//! assert_eq!(rules, ["undefined-citation", "unused-entry"]);
//! assert_eq!(findings[0].to_string(), "paper.tex:1:22: error[undefined-citation]: `lamport94` is cited but no bibliography defines it");
//! ```

pub mod cited;
mod config;
mod fields;
pub mod fix;
pub mod output;
mod rules;

use std::collections::HashMap;
use std::sync::Arc;

pub use config::{Config, ConfigError, DataModel};
pub use rules::{
    Example, FIXES, Level, MESSAGES, Message, RULES, Rule, RuleFix, explain, explain_id, fix_of,
    message, rule,
};

use crate::diagnostic::{Diagnostic, LineIndex, Severity};
use crate::formats::bibtex::{self, Lowering};
use crate::model::{Entry, Span, Value};
use cited::{Citation, Scan};
use config::Model;

/// One bibliography being checked: its text and a few bytes per entry for the checks
/// across entries (the entries themselves are checked as they are read, and dropped):
/// nine bytes for an entry that has no more than a key.
struct Bib {
    file: Option<Arc<str>>,
    text: String,
    /// Each entry's bytes (start, end).
    spans: Vec<(u32, u32)>,
    /// Each entry's flags ([`XDATA`], …).
    flags: Vec<u8>,
    /// (entry, what else the checks need), for the entries that have more, in order.
    extras: Vec<(u32, Extra)>,
    /// `[hash >> 32, hash, entry]` of the keys written in the file, sorted (the lowering's
    /// key index).
    keys: Vec<[u32; 3]>,
    /// Its invalid bytes, until they are reported one per entry.
    invalid: Vec<Diagnostic>,
}

/// A [`Bib`]'s spans, flags, extras and keys, as indexing gives them.
type BibParts = (Vec<(u32, u32)>, Vec<u8>, Vec<(u32, Extra)>, Vec<[u32; 3]>);

/// [`Bib::flags`]: an `@xdata` entry.
const XDATA: u8 = 1;
/// It has `related` or `entryset` (its relatives are different works on purpose).
const RELATED: u8 = 2;
/// Its key matches `ignore-keys`.
const IGNORED: u8 = 4;
/// It inherits (`crossref`, `xdata`).
const CHILD: u8 = 8;
/// It has a `doi` of its own.
const OWN_DOI: u8 = 16;

/// What the checks across entries need of an entry with more: a generated key, a DOI, what
/// duplicate detection compares, the entries it inherits from.
#[derive(Debug, Default, Clone)]
struct Extra {
    /// The key bibkit generated for an entry without one.
    key: Option<Box<str>>,
    doi: Option<Box<str>>,
    /// First author's family name (folded) and year.
    work: Option<(Box<str>, i64)>,
    /// What the duplicate finder compares ([`crate::dedupe`]), for entries with a work.
    record: Option<Box<crate::dedupe::Record>>,
    /// The title as compared (folded), for ordering large blocks.
    title: Box<str>,
    parents: Box<[Box<str>]>,
    /// Its other keys (`ids`), which biblatex resolves citations of to it.
    aliases: Box<[Box<str>]>,
}

impl Bib {
    fn key(&self, i: usize) -> &str {
        if let Some(k) = self.extra(i).and_then(|x| x.key.as_deref()) {
            return k;
        }
        crate::syntax::block_head(&self.text, self.spans[i].0 as usize)
            .map_or("", |(_, k)| &self.text[k.start..k.end])
    }

    fn extra(&self, i: usize) -> Option<&Extra> {
        let at = self
            .extras
            .binary_search_by_key(&(i as u32), |x| x.0)
            .ok()?;
        Some(&self.extras[at].1)
    }

    fn span(&self, i: usize) -> Span {
        let (s, e) = self.spans[i];
        Span::new(s as usize, e as usize)
    }

    fn len(&self) -> usize {
        self.spans.len()
    }
}

/// Gives every finding that has none its line and column, from the text of the file it
/// names (a finding without a file belongs to the only bibliography, when there is one).
fn locate_by_file(bibs: &[Bib], list: &mut [Diagnostic]) {
    let index: HashMap<&str, usize> = bibs
        .iter()
        .enumerate()
        .rev()
        .filter_map(|(i, b)| Some((b.file.as_deref()?, i)))
        .collect();
    let bib_of = |d: &Diagnostic| match d.file.as_deref() {
        Some(f) => index.get(f).copied(),
        None => (bibs.len() == 1).then_some(0),
    };
    let mut todo: Vec<(usize, usize, usize)> = list
        .iter()
        .enumerate()
        .filter(|(_, d)| d.line == 0)
        .filter_map(|(i, d)| Some((bib_of(d)?, d.span.start, i)))
        .collect();
    todo.sort_unstable();
    let mut cursor: Option<(usize, crate::diagnostic::Cursor<'_>)> = None;
    for (b, at, i) in todo {
        if cursor.as_ref().is_none_or(|(c, _)| *c != b) {
            cursor = Some((b, crate::diagnostic::Cursor::new(&bibs[b].text)));
        }
        let (_, c) = cursor.as_mut().expect("set above");
        let (line, column) = c.seek(at);
        let d = &mut list[i];
        d.line = line;
        d.column = column;
        if d.file.is_none() {
            d.file = bibs[b].file.clone();
        }
    }
}

/// Places the edits of fixes: lines and columns, file by file, in one pass over each.
fn locate_fixes(bibs: &[Bib], list: &mut [Diagnostic]) {
    let index: HashMap<&str, usize> = bibs
        .iter()
        .enumerate()
        .rev()
        .filter_map(|(i, b)| Some((b.file.as_deref()?, i)))
        .collect();
    // (file, offset, finding, edit, whether the end)
    let mut todo: Vec<(usize, usize, usize, usize, bool)> = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let Some(fix) = &d.fix else { continue };
        let b = match d.file.as_deref() {
            Some(f) => index.get(f).copied(),
            None => (bibs.len() == 1).then_some(0),
        };
        let Some(b) = b else { continue };
        for (k, e) in fix.edits.iter().enumerate() {
            todo.push((b, e.span.start, i, k, false));
            todo.push((b, e.span.end, i, k, true));
        }
    }
    todo.sort_unstable();
    let mut cursor: Option<(usize, crate::diagnostic::Cursor<'_>)> = None;
    for (b, at, i, k, end) in todo {
        if cursor.as_ref().is_none_or(|(c, _)| *c != b) {
            cursor = Some((b, crate::diagnostic::Cursor::new(&bibs[b].text)));
        }
        let (_, c) = cursor.as_mut().expect("set above");
        let (line, column) = c.seek(at);
        if let Some(e) = list[i].fix.as_mut().map(|f| &mut f.edits[k]) {
            if end {
                (e.end_line, e.end_column) = (line, column);
            } else {
                (e.line, e.column) = (line, column);
            }
        }
    }
}

/// The source of one file, for the rules about one entry.
pub(crate) struct Source<'a> {
    file: Option<Arc<str>>,
    text: &'a str,
}

/// Runs the checks. See the module docs.
pub struct Checker {
    config: Config,
    bibs: Vec<Bib>,
    /// How many of `bibs` have been read and checked entry by entry (all of them are read
    /// again together when one is added, as one bibliography).
    indexed: usize,
    cited: Vec<Scan>,
    /// Findings about the encoding of the files added.
    encoding: Vec<Diagnostic>,
    /// Findings of the files read: their reader diagnostics and the rules about one entry.
    found: Vec<Diagnostic>,
    /// What the rules about one entry found in an earlier run, when remembering.
    memo: Option<Memo>,
    /// How `duplicate-entry` finds duplicates, and the pairs it keeps apart.
    dedupe: crate::dedupe::DedupeConfig,
    /// The pairs the bibliographies' `% bibkit: not-duplicate` comments keep apart.
    apart: Vec<(String, String)>,
}

/// What the rules about single entries found in one run of a [`Checker`], kept so that
/// the next run over a slightly different text checks only the entries that changed
/// (after `check --fix`'s fixes, or as an editor types).
///
/// An entry is looked up by its bytes, its file's name and data model, and the text of
/// the `@string`s before it, under a hash keyed randomly per process; entries whose
/// reading depends on other entries (`crossref`, `xdata`, `xref`, generated keys) are
/// always checked again. The rules across entries (`duplicate-key`, `duplicate-entry`,
/// citations) always run on everything. A memo holds only the entries of the last run,
/// and is only used with the configuration it was made with.
///
/// ```
/// use bibkit::check::{Checker, Config, Memo};
/// let text = "@article{a, title = {One}, author = {A. Author}, journal = {J}, year = 2001, pages = {1-2}}\n\
///             @misc{b, title = {Two}, year = {2002}}\n";
/// let mut first = Checker::new(Config::default()).with_memo(Memo::default());
/// first.add_bib("refs.bib", text);
/// let before = first.run();
/// let memo = first.take_memo();
/// assert_eq!(memo.len(), 2);
///
/// // The second entry changes; the first is not read again, and its finding moves with it.
/// let edited = text.replace("@misc{b, title = {Two}", "@misc{b, title = {Two and}");
/// let mut again = Checker::new(Config::default()).with_memo(memo);
/// again.add_bib("refs.bib", &edited);
/// let after = again.run();
/// let mut fresh = Checker::new(Config::default());
/// fresh.add_bib("refs.bib", &edited);
/// assert_eq!(after, fresh.run());
/// assert_eq!(after[0].rule, before[0].rule);
/// ```
#[derive(Debug, Default)]
pub struct Memo {
    /// The configuration it was made with, as text.
    config: String,
    entries: HashMap<u64, Arc<Memoized>>,
}

impl Memo {
    /// How many entries it remembers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it remembers nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What the rules about one entry found: its summary and its findings, with spans from
/// the entry's first byte and no lines.
#[derive(Debug)]
struct Memoized {
    flags: u8,
    extra: Option<Extra>,
    found: Vec<Diagnostic>,
}

/// Entries lowered and checked per parallel task, and per batch.
const CHUNK: usize = 256;
const BATCH: usize = 4096;

impl Checker {
    /// A checker with this configuration.
    pub fn new(config: Config) -> Self {
        Checker {
            config,
            bibs: Vec::new(),
            indexed: 0,
            cited: Vec::new(),
            encoding: Vec::new(),
            found: Vec::new(),
            memo: None,
            dedupe: crate::dedupe::DedupeConfig::default(),
            apart: Vec::new(),
        }
    }

    /// Finds `duplicate-entry` findings with this profile and "not a duplicate" memory
    /// (the `[dedupe]` table of `bibkit.toml`); `% bibkit: not-duplicate KEY1 KEY2`
    /// comments in the bibliographies are respected either way.
    ///
    /// ```
    /// use bibkit::check::{Checker, Config};
    /// use bibkit::dedupe::DedupeConfig;
    /// let bib = "@article{a, author = {Doe, Jane}, title = {On Graphs and Trees}, year = 2001}\n@article{b, author = {Doe, J.}, title = {On graphs and trees}, year = 2001}";
    /// let dupes = |c: &mut Checker| c.run().iter().filter(|d| d.rule == "duplicate-entry").count();
    /// let mut c = Checker::new(Config::default());
    /// c.add_bib("r.bib", bib);
    /// assert_eq!(dupes(&mut c), 1);
    /// let apart = DedupeConfig::from_toml("[dedupe]\nnot-duplicate = [[\"a\", \"b\"]]").unwrap();
    /// let mut c = Checker::new(Config::default()).with_dedupe(apart);
    /// c.add_bib("r.bib", bib);
    /// assert_eq!(dupes(&mut c), 0);
    /// ```
    pub fn with_dedupe(mut self, dedupe: crate::dedupe::DedupeConfig) -> Self {
        self.dedupe = dedupe;
        self
    }

    /// Whether `a` and `b` are kept apart by the configuration or a comment.
    fn apart(&self, a: &str, b: &str) -> bool {
        self.dedupe.apart(a, b) || crate::dedupe::pair_listed(&self.apart, a, b)
    }

    /// Remembers what the rules about single entries find, and reuses what `memo` (from
    /// an earlier run with the same configuration) remembers: see [`Memo`].
    pub fn with_memo(mut self, mut memo: Memo) -> Self {
        let config = format!("{:?}", self.config);
        if memo.config != config {
            memo = Memo {
                config,
                entries: HashMap::new(),
            };
        }
        self.memo = Some(memo);
        self
    }

    /// What the last run remembered (empty unless [`Checker::with_memo`] was called):
    /// the entries of the bibliographies it checked.
    pub fn take_memo(&mut self) -> Memo {
        self.memo.take().unwrap_or_default()
    }

    /// Adds a bibliography. Bibliographies are read as one, in the order they are added,
    /// as BibTeX and biber read the files of `\bibliography{strings,refs}`: `@string`
    /// macros carry from a file to the files after it, `crossref`/`xdata`/`xref` resolve
    /// across files, and a key that an earlier file has is a `duplicate-key` finding.
    ///
    /// ```
    /// use bibkit::check::{Checker, Config};
    /// let mut checker = Checker::new(Config::default());
    /// checker.add_bib("strings.bib", "@string{acm = {ACM}}");
    /// checker.add_bib("refs.bib", "@book{b, title = {Book}, author = {A. Author}, publisher = acm, year = 2001}
    /// @book{c, title = {Other}, author = {B. Author}, publisher = ieee, year = 2002}");
    /// let found: Vec<String> = checker.run().iter().map(|d| d.to_string()).collect();
    /// assert_eq!(found, ["refs.bib:2:61: error[undefined-macro]: undefined macro `ieee`; its name is kept as the text"]);
    /// ```
    pub fn add_bib(&mut self, file: impl Into<Arc<str>>, text: &str) {
        self.add_text(Some(file.into()), text.to_string(), Vec::new());
    }

    /// Adds a bibliography from bytes: invalid UTF-8 is an `invalid-encoding` finding at
    /// its position (the entries around it are still checked).
    pub fn add_bib_bytes(&mut self, file: impl Into<Arc<str>>, bytes: &[u8]) {
        self.add_bib_owned(file, bytes.to_vec());
    }

    /// Like [`Checker::add_bib_bytes`], taking the bytes by value: valid UTF-8 is checked
    /// where it lies, without a copy.
    pub fn add_bib_owned(&mut self, file: impl Into<Arc<str>>, bytes: Vec<u8>) {
        let file = file.into();
        let decoded = crate::source::decode_utf8_owned(bytes);
        let invalid = crate::source::invalid_diagnostics(&decoded, Some(file.clone()), None);
        if decoded.unreadable() {
            // Not text that can be checked: only the error naming the encoding.
            self.push_encoding(invalid);
            return;
        }
        self.add_text(Some(file), decoded.text, invalid);
    }

    /// Adds a bibliography already decoded (from the encoding `encoding` names, for
    /// messages; `None` for UTF-8): bytes it could not decode are `invalid-encoding`
    /// findings, one per entry.
    ///
    /// ```
    /// use bibkit::check::{Checker, Config};
    /// let decoded = bibkit::source::decode(b"@misc{m, title = {Caf\xe9}}", Some("latin1")).unwrap();
    /// let mut checker = Checker::new(Config::default());
    /// checker.add_bib_decoded("m.bib", decoded, Some("windows-1252"));
    /// assert!(checker.run().is_empty());
    /// ```
    pub fn add_bib_decoded(
        &mut self,
        file: impl Into<Arc<str>>,
        decoded: crate::source::Decoded,
        encoding: Option<&str>,
    ) {
        let file = file.into();
        let invalid = crate::source::invalid_diagnostics(&decoded, Some(file.clone()), encoding);
        if decoded.unreadable() {
            self.push_encoding(invalid);
            return;
        }
        self.add_text(Some(file), decoded.text, invalid);
    }

    /// The text of a bibliography that was added (for printing findings with their lines).
    pub fn source(&self, file: &str) -> Option<&str> {
        self.bibs
            .iter()
            .find(|b| b.file.as_deref() == Some(file))
            .map(|b| b.text.as_str())
    }

    fn push_encoding(&mut self, diags: Vec<Diagnostic>) {
        let mut out = Findings {
            config: &self.config,
            list: Vec::new(),
        };
        for d in diags {
            out.push_diag(d, "invalid-encoding");
        }
        self.encoding.extend(out.list);
    }

    fn add_text(&mut self, file: Option<Arc<str>>, text: String, invalid: Vec<Diagnostic>) {
        self.bibs.push(Bib {
            file,
            text,
            spans: Vec::new(),
            flags: Vec::new(),
            extras: Vec::new(),
            keys: Vec::new(),
            invalid,
        });
    }

    /// Reads the bibliographies as one and checks their entries as they are lowered (in
    /// parallel batches), keeping only what the checks across entries need.
    fn index(&mut self) {
        if self.indexed == self.bibs.len() {
            return;
        }
        let mut bibs = std::mem::take(&mut self.bibs);
        let reader = bibtex::Reader::new().record_names(true);
        let mut memo = None;
        let invalids: Vec<Vec<Diagnostic>> = bibs
            .iter_mut()
            .map(|b| std::mem::take(&mut b.invalid))
            .collect();
        let (parts, mut found, invalid) = {
            let sources: Vec<Source<'_>> = bibs
                .iter()
                .map(|b| Source {
                    file: b.file.clone(),
                    text: &b.text,
                })
                .collect();
            let mut lowering =
                Lowering::from_sources(sources.iter().map(|s| (s.file.clone(), s.text)), reader);
            let (flags, mut extras, found) = self.check_all(&lowering, &sources, &mut memo);
            self.add_records(&lowering, &flags, &mut extras);
            // Invalid bytes: one finding per entry.
            let mut invalid = Vec::new();
            for (b, mine) in invalids.into_iter().enumerate() {
                invalid.extend(crate::source::merge_by_record(mine, |at| {
                    lowering.entry_at(b, at)
                }));
            }
            let ranges: Vec<std::ops::Range<usize>> =
                (0..bibs.len()).map(|b| lowering.entries_of(b)).collect();
            let spans = lowering.take_spans();
            let keys = lowering.take_key_index();
            // Everything by file, entries numbered within their file.
            let mut parts: Vec<BibParts> = ranges
                .iter()
                .map(|r| {
                    (
                        spans[r.clone()].to_vec(),
                        flags[r.clone()].to_vec(),
                        Vec::new(),
                        Vec::new(),
                    )
                })
                .collect();
            let file_of = |n: usize| ranges.partition_point(|r| r.start <= n).saturating_sub(1);
            for (n, x) in extras {
                let b = file_of(n as usize);
                parts[b].2.push((n - ranges[b].start as u32, x));
            }
            for k in keys {
                let b = file_of(k[2] as usize);
                parts[b].3.push([k[0], k[1], k[2] - ranges[b].start as u32]);
            }
            (parts, found, invalid)
        };
        self.push_encoding(invalid);
        for (bib, (spans, flags, extras, keys)) in bibs.iter_mut().zip(parts) {
            bib.spans = spans;
            bib.flags = flags;
            bib.extras = extras;
            bib.keys = keys;
        }
        locate_by_file(&bibs, &mut found);
        self.bibs = bibs;
        self.indexed = self.bibs.len();
        self.found = found;
        if memo.is_some() {
            self.memo = memo;
        }
    }

    /// What the duplicate finder compares, for the entries `duplicate-entry` compares:
    /// those that share their first author and year with another (lowered again, so that
    /// the few that need it do not make every entry cost more).
    fn add_records(&self, lowering: &Lowering<'_>, flags: &[u8], extras: &mut [(u32, Extra)]) {
        if self.config.level("duplicate-entry") == Level::Off {
            return;
        }
        let mut blocks: HashMap<(&str, i64), Vec<usize>> = HashMap::new();
        for (at, (n, x)) in extras.iter().enumerate() {
            let f = flags[*n as usize];
            if f & IGNORED != 0 || f & RELATED != 0 || f & OWN_DOI == 0 && f & CHILD != 0 {
                continue;
            }
            if let Some((family, year)) = &x.work {
                blocks.entry((family, *year)).or_default().push(at);
            }
        }
        let mut wanted: Vec<usize> = blocks
            .into_values()
            .filter(|m| m.len() > 1)
            .flatten()
            .collect();
        wanted.sort_unstable();
        let build = |&at: &usize| {
            let (e, _) = lowering.entry(extras[at].0 as usize);
            (at, Box::new(crate::dedupe::Record::from_entry(&e)))
        };
        #[cfg(feature = "parallel")]
        let records: Vec<(usize, Box<crate::dedupe::Record>)> = {
            use rayon::prelude::*;
            wanted.par_iter().map(build).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let records: Vec<(usize, Box<crate::dedupe::Record>)> = wanted.iter().map(build).collect();
        for (at, r) in records {
            extras[at].1.record = Some(r);
        }
    }

    /// The rules about one entry, over every entry of a lowering.
    fn check_all(
        &self,
        lowering: &Lowering<'_>,
        sources: &[Source<'_>],
        memo_out: &mut Option<Memo>,
    ) -> (Vec<u8>, Vec<(u32, Extra)>, Vec<Diagnostic>) {
        let mut out = Findings {
            config: &self.config,
            list: Vec::new(),
        };
        let mut remembered: Vec<(u64, Arc<Memoized>)> = Vec::new();
        self.reader_findings(lowering.diagnostics(), &mut out);
        let mut flags = Vec::with_capacity(lowering.len());
        let mut extras = Vec::new();
        // Each file's data model, from the types and field names the whole file uses.
        let models: Vec<Model> = (0..lowering.source_count())
            .map(|s| {
                let uses_biblatex = lowering.names(s).is_some_and(|n| {
                    config::uses_biblatex(
                        n.types.iter().map(|t| t.as_ref()),
                        n.fields.iter().map(|f| f.as_ref()),
                    )
                });
                self.config.model_for(uses_biblatex)
            })
            .collect();
        let mut start = 0;
        while start < lowering.len() {
            let end = (start + BATCH).min(lowering.len());
            let chunks: Vec<(usize, usize)> = (start..end)
                .step_by(CHUNK)
                .map(|s| (s, (s + CHUNK).min(end)))
                .collect();
            let work =
                |&(a, b): &(usize, usize)| self.check_chunk(lowering, sources, a..b, &models);
            #[cfg(feature = "parallel")]
            let results: Vec<Checked> = {
                use rayon::prelude::*;
                chunks.par_iter().map(work).collect()
            };
            #[cfg(not(feature = "parallel"))]
            let results: Vec<Checked> = chunks.iter().map(work).collect();
            for r in results {
                for (f, x) in r.entries {
                    if let Some(x) = x {
                        extras.push((flags.len() as u32, x));
                    }
                    flags.push(f);
                }
                out.list.extend(r.found);
                remembered.extend(r.remembered);
            }
            start = end;
        }
        if let Some(memo) = &self.memo {
            let entries = remembered.into_iter().collect();
            *memo_out = Some(Memo {
                config: memo.config.clone(),
                entries,
            });
        }
        (flags, extras, out.list)
    }

    /// Lowers and checks entries `range`.
    fn check_chunk(
        &self,
        lowering: &Lowering<'_>,
        sources: &[Source<'_>],
        range: std::ops::Range<usize>,
        models: &[Model],
    ) -> Checked {
        let mut out = Findings {
            config: &self.config,
            list: Vec::new(),
        };
        let mut checked = Checked::default();
        for n in range {
            let s = lowering.source_of(n);
            let (source, model) = (&sources[s], models[s]);
            let span = lowering.span(n);
            let memo_key = self.memo.as_ref().and_then(|_| {
                let context = lowering.context_of(n)?;
                let text = lowering.entry_text(n);
                Some(bibtex::keyed_hash((
                    context,
                    source.file.as_deref(),
                    model == Model::Biblatex,
                    text,
                )))
            });
            if let Some((key, m)) =
                memo_key.and_then(|k| Some((k, self.memo.as_ref()?.entries.get(&k)?)))
            {
                for d in &m.found {
                    let mut d = d.clone();
                    d.span = Span::new(d.span.start + span.start, d.span.end + span.start);
                    d.file = source.file.clone();
                    out.list.push(d);
                }
                checked.entries.push((m.flags, m.extra.clone()));
                checked.remembered.push((key, Arc::clone(m)));
                continue;
            }
            let from = out.list.len();
            let (e, diags) = lowering.entry(n);
            self.reader_findings(&diags, &mut out);
            let ignored = self.ignored(&e.key);
            if !ignored {
                fields::check_entry(source, &e, &mut out);
                fields::missing_fields(source, &e, model, &mut out);
            }
            let (flags, extra) = summarize(&e, span, ignored, source.text);
            if let Some(key) = memo_key {
                // Only what lies in the entry itself moves with it.
                let mine = &out.list[from..];
                if mine.iter().all(|d| {
                    d.file == source.file && d.span.start >= span.start && d.span.end <= span.end
                }) {
                    let found = mine
                        .iter()
                        .map(|d| {
                            let mut d = d.clone();
                            d.span = Span::new(d.span.start - span.start, d.span.end - span.start);
                            (d.line, d.column) = (0, 0);
                            d
                        })
                        .collect();
                    checked.remembered.push((
                        key,
                        Arc::new(Memoized {
                            flags,
                            extra: extra.clone(),
                            found,
                        }),
                    ));
                }
            }
            checked.entries.push((flags, extra));
        }
        checked.found = out.list;
        checked
    }

    /// A finding from outside the checker (the project layer's `missing-include`,
    /// `include-cycle`) at the level its rule has in this configuration; `None` when the
    /// rule is off.
    ///
    /// ```
    /// use bibkit::check::{Checker, Config, Level};
    /// use bibkit::diagnostic::{Diagnostic, Severity};
    /// let d = Diagnostic::new(Severity::Warning, "missing-include", "`ch9` is not there");
    /// let checker = Checker::new(Config::default().with_level("missing-include", Level::Error));
    /// assert_eq!(checker.level(d.clone()).unwrap().severity, Severity::Error);
    /// let off = Checker::new(Config::default().with_level("missing-include", Level::Off));
    /// assert!(off.level(d).is_none());
    /// ```
    pub fn level(&self, mut d: Diagnostic) -> Option<Diagnostic> {
        d.severity = self.config.level(d.rule).severity()?;
        Some(d)
    }

    /// The texts of the bibliographies added, by file name.
    pub fn into_sources(self) -> impl Iterator<Item = (Arc<str>, String)> {
        self.bibs
            .into_iter()
            .filter_map(|b| Some((b.file?, b.text)))
    }

    /// Adds what a document cites.
    pub fn add_cited(&mut self, scan: Scan) {
        self.cited.push(scan);
    }

    /// Runs every rule that is on and returns the findings, by file and position.
    pub fn run(&mut self) -> Vec<Diagnostic> {
        self.index();
        self.apart = self
            .bibs
            .iter()
            .flat_map(|b| crate::dedupe::not_duplicate_comments(&b.text))
            .collect();
        let mut out = Findings {
            config: &self.config,
            list: Vec::new(),
        };
        self.duplicate_keys(&mut out);
        self.duplicate_entries(&mut out);
        self.citations(&mut out);
        // Findings about entries (from spans) get their lines and columns file by file.
        locate_by_file(&self.bibs, &mut out.list);
        let mut list = self.encoding.clone();
        list.extend(self.found.iter().cloned());
        list.extend(out.list);
        for bib in &self.bibs {
            fix::attach(&bib.text, bib.file.as_deref(), &mut list, &bib.spans);
        }
        locate_fixes(&self.bibs, &mut list);
        list.sort_by(|a, b| {
            (a.file.as_deref(), a.line, a.column).cmp(&(b.file.as_deref(), b.line, b.column))
        });
        list.dedup();
        list
    }

    fn ignored(&self, key: &str) -> bool {
        self.config.ignores(key)
    }

    /// The reader's own diagnostics, under the rules that cover them.
    fn reader_findings(&self, diags: &[Diagnostic], out: &mut Findings<'_>) {
        for d in diags {
            if d.key.as_deref().is_some_and(|k| self.ignored(k)) {
                continue;
            }
            let rule = match d.rule {
                "syntax" => "syntax",
                "escaped-brace" => "escaped-brace",
                "missing-key" => "missing-key",
                "duplicate-field" => "duplicate-field",
                "undefined-macro" => "undefined-macro",
                "macro-too-large" => "macro-too-large",
                "entries-in-comment" => "entries-in-comment",
                "missing-crossref" => "missing-crossref",
                "crossref-cycle" => "crossref-cycle",
                "invalid-name" => "invalid-name",
                "journal-macro" => "journal-macro",
                "unknown-command" => "unknown-command",
                // Duplicate keys are found across all files, and dates by their own rules.
                _ => continue,
            };
            out.push_diag(d.clone(), rule);
        }
    }

    /// Every entry with a key an earlier entry (in any file) has, ignoring case: keys
    /// sorted by a randomly keyed hash, so the cost is `n log n` however keys are chosen.
    fn duplicate_keys(&self, out: &mut Findings<'_>) {
        // (hash, file, entry), sorted: one file's key index as it is; for several files, or
        // with generated keys (of entries that have none), all of them merged.
        let generated = self
            .bibs
            .iter()
            .any(|b| b.extras.iter().any(|(_, x)| x.key.is_some()));
        if let ([bib], false) = (self.bibs.as_slice(), generated) {
            let k = &bib.keys;
            self.report_duplicate_keys(k.len(), |i| [k[i][0], k[i][1], 0, k[i][2]], out);
            return;
        }
        let total: usize = self
            .bibs
            .iter()
            .map(|b| b.keys.len() + b.extras.len())
            .sum();
        let mut all: Vec<[u32; 4]> = Vec::with_capacity(total);
        for (b, bib) in self.bibs.iter().enumerate() {
            all.extend(bib.keys.iter().map(|k| [k[0], k[1], b as u32, k[2]]));
            for (i, x) in &bib.extras {
                if let Some(key) = x.key.as_deref() {
                    let h = caseless_key_hash(key);
                    all.push([(h >> 32) as u32, h as u32, b as u32, *i]);
                }
            }
        }
        all.sort_unstable();
        self.report_duplicate_keys(all.len(), |i| all[i], out);
    }

    /// Reports every key that an earlier one (in the order of `(file, entry)`) equals,
    /// ignoring case; `key(i)` gives sorted `[hash >> 32, hash, file, entry]`.
    fn report_duplicate_keys(
        &self,
        len: usize,
        key: impl Fn(usize) -> [u32; 4],
        out: &mut Findings<'_>,
    ) {
        let mut lines: HashMap<u32, LineIndex> = HashMap::new();
        let mut i = 0;
        while i < len {
            let mut j = i + 1;
            while j < len && key(j)[..2] == key(i)[..2] {
                j += 1;
            }
            for later in i + 1..j {
                let [_, _, lb, li] = key(later);
                let lbib = &self.bibs[lb as usize];
                if lbib.flags[li as usize] & IGNORED != 0 {
                    continue;
                }
                let lkey = lbib.key(li as usize);
                let first = (i..later).map(&key).find(|k| {
                    self.bibs[k[2] as usize].flags[k[3] as usize] & IGNORED == 0
                        && same_key(self.bibs[k[2] as usize].key(k[3] as usize), lkey)
                });
                let Some([_, _, fb, fi]) = first else {
                    continue;
                };
                let fbib = &self.bibs[fb as usize];
                let index = lines
                    .entry(fb)
                    .or_insert_with(|| LineIndex::new(&fbib.text));
                let (line, _) = index.line_col(&fbib.text, fbib.spans[fi as usize].0 as usize);
                let place = match &fbib.file {
                    Some(f) if fb != lb => format!("at {f}:{line}"),
                    _ => format!("on line {line}"),
                };
                let fkey = fbib.key(fi as usize);
                // At the key, as every command reports it.
                let at = lbib.spans[li as usize].0 as usize;
                let head = crate::syntax::block_head(&lbib.text, at);
                let span = head.map_or_else(|| lbib.span(li as usize), |(_, k)| k);
                let fhead =
                    crate::syntax::block_head(&fbib.text, fbib.spans[fi as usize].0 as usize);
                let kinds = fhead
                    .map(|(t, _)| &fbib.text[t.start..t.end])
                    .zip(head.map(|(t, _)| &lbib.text[t.start..t.end]));
                out.push(
                    "duplicate-key",
                    bibtex::duplicate_key_message(lkey, fkey, &place, kinds),
                    lbib.file.clone(),
                    span,
                    (0, 0),
                    Some(lkey),
                );
            }
            i = j;
        }
    }

    fn duplicate_entries(&self, out: &mut Findings<'_>) {
        if !out.on("duplicate-entry") {
            return;
        }
        let mut by_doi: HashMap<&str, (usize, usize)> = HashMap::new();
        // Works by first author and year, in file order.
        let mut blocks: HashMap<(&str, i64), Vec<(usize, usize)>> = HashMap::new();
        for (b, bib) in self.bibs.iter().enumerate() {
            for (i, x) in &bib.extras {
                let i = *i as usize;
                let flags = bib.flags[i];
                if flags & IGNORED != 0 || flags & OWN_DOI == 0 && flags & CHILD != 0 {
                    continue;
                }
                if let Some(doi) = x.doi.as_deref() {
                    if let Some(&(fb, fi)) = by_doi
                        .get(doi)
                        .filter(|&&(fb, fi)| !self.apart(self.bibs[fb].key(fi), bib.key(i)))
                    {
                        let key = bib.key(i);
                        out.push(
                            "duplicate-entry",
                            format!(
                                "`{key}` has the same DOI as `{}` ({doi})",
                                self.bibs[fb].key(fi)
                            ),
                            bib.file.clone(),
                            bib.span(i),
                            (0, 0),
                            Some(key),
                        );
                        continue;
                    }
                    by_doi.insert(doi, (b, i));
                }
                if flags & RELATED != 0 {
                    continue;
                }
                let Some((family, year)) = &x.work else {
                    continue;
                };
                if x.title.len() < 8 {
                    continue;
                }
                blocks.entry((family, *year)).or_default().push((b, i));
            }
        }
        let mut blocks: Vec<Vec<(usize, usize)>> = blocks.into_values().collect();
        blocks.sort_unstable();
        for members in blocks {
            for (later, first, verdict) in self.similar_in_block(&members) {
                let (lb, li) = members[later];
                let (fb, fi) = members[first];
                let lbib = &self.bibs[lb];
                let key = lbib.key(li);
                let reasons: Vec<String> = verdict.reasons.iter().map(|r| r.to_string()).collect();
                out.push(
                    "duplicate-entry",
                    format!(
                        "`{key}` looks like `{}` ({}); `bibkit dedupe --merge` merges them",
                        self.bibs[fb].key(fi),
                        reasons.join("; ")
                    ),
                    lbib.file.clone(),
                    lbib.span(li),
                    (0, 0),
                    Some(key),
                );
            }
        }
    }

    /// The pairs (later, earlier, verdict) of a block of entries by one first author and
    /// year that the duplicate finder ([`crate::dedupe`]) calls one work. Each entry is compared
    /// with the earlier ones that are not duplicates themselves: all of them in a small
    /// block; in a large one, those next to it when the block is sorted by title and by
    /// reversed title (a sorted neighbourhood), so that the comparisons stay a few per
    /// entry however large the block is.
    fn similar_in_block(
        &self,
        members: &[(usize, usize)],
    ) -> Vec<(usize, usize, crate::dedupe::Verdict)> {
        const SMALL: usize = 32;
        const WINDOW: usize = 8;
        // Looked up once: sorting compares each member many times.
        let extras: Vec<&Extra> = members
            .iter()
            .map(|&(b, i)| self.bibs[b].extra(i).expect("block members have extras"))
            .collect();
        let keys: Vec<&str> = members.iter().map(|&(b, i)| self.bibs[b].key(i)).collect();
        let extra = |m: usize| extras[m];
        let key = |m: usize| keys[m];
        let neighbours: Option<Vec<Vec<usize>>> = (members.len() > SMALL).then(|| {
            let mut near: Vec<Vec<usize>> = vec![Vec::new(); members.len()];
            let mut by_title: Vec<usize> = (0..members.len()).collect();
            by_title.sort_by(|&a, &b| extra(a).title.cmp(&extra(b).title));
            let reversed: Vec<String> = (0..members.len())
                .map(|m| extra(m).title.chars().rev().collect())
                .collect();
            let mut by_end: Vec<usize> = (0..members.len()).collect();
            by_end.sort_by(|&a, &b| reversed[a].cmp(&reversed[b]));
            for order in [&by_title, &by_end] {
                for (p, &m) in order.iter().enumerate() {
                    let lo = p.saturating_sub(WINDOW);
                    near[m].extend(order[lo..p].iter().copied());
                    near[m].extend(
                        order[p + 1..(p + 1 + WINDOW).min(order.len())]
                            .iter()
                            .copied(),
                    );
                }
            }
            for n in &mut near {
                n.sort_unstable();
                n.dedup();
            }
            near
        });
        let mut representative = vec![false; members.len()];
        let mut pairs = Vec::new();
        for m in 0..members.len() {
            let candidates: Box<dyn Iterator<Item = usize>> = match &neighbours {
                Some(near) => Box::new(near[m].iter().copied().filter(move |&o| o < m)),
                None => Box::new(0..m),
            };
            let found = candidates.filter(|&o| representative[o]).find_map(|o| {
                if key(o).eq_ignore_ascii_case(key(m)) || self.apart(key(o), key(m)) {
                    return None;
                }
                let (Some(a), Some(b)) = (&extra(o).record, &extra(m).record) else {
                    return None;
                };
                let v = crate::dedupe::judge_pair(a, b, &self.dedupe.profile());
                v.duplicate.then_some((o, v))
            });
            match found {
                Some((o, v)) => pairs.push((m, o, v)),
                None => representative[m] = true,
            }
        }
        pairs
    }

    fn citations(&self, out: &mut Findings<'_>) {
        if self.cited.is_empty() {
            return;
        }
        // Keys as written, and by lowercase.
        let mut exact: HashMap<&str, usize> = HashMap::new();
        let mut caseless: HashMap<String, &str> = HashMap::new();
        let mut entries: Vec<(&Bib, usize)> = Vec::new();
        for bib in &self.bibs {
            for i in 0..bib.len() {
                let key = bib.key(i);
                exact.entry(key).or_insert(entries.len());
                caseless.entry(key.to_lowercase()).or_insert(key);
                entries.push((bib, i));
            }
        }
        // Other keys of an entry (`ids = {old-key}`, what `bibkit dedupe --merge` leaves):
        // biblatex resolves their citations to it.
        for (n, &(bib, i)) in entries.iter().enumerate() {
            for alias in bib.extra(i).map(|x| &x.aliases[..]).unwrap_or_default() {
                exact.entry(alias).or_insert(n);
                caseless.entry(alias.to_lowercase()).or_insert(alias);
            }
        }
        let mut used = vec![false; entries.len()];
        let mut all = false;
        // A key that is not defined is reported once, at its first citation, with the
        // others counted: finding index, count, and a few more places.
        let mut reported: HashMap<&str, (usize, usize, Vec<String>)> = HashMap::new();
        for scan in &self.cited {
            all |= scan.cites_all;
            for c in &scan.citations {
                if self.ignored(&c.key) {
                    continue;
                }
                if let Some(&i) = exact.get(c.key.as_str()) {
                    used[i] = true;
                    continue;
                }
                if let Some((_, n, more)) = reported.get_mut(c.key.as_str()) {
                    *n += 1;
                    if more.len() < 3 {
                        let file = c.file.as_deref().unwrap_or("line");
                        more.push(format!("{file}:{}", c.line));
                    }
                    continue;
                }
                let before = out.list.len();
                match caseless.get(&c.key.to_lowercase()) {
                    Some(k) => {
                        if let Some(&i) = exact.get(k) {
                            used[i] = true;
                        }
                        out.push_citation(
                            "citation-case",
                            format!("`{}` is cited, but the key is written `{k}`", c.key),
                            c,
                        );
                    }
                    None => out.push_citation(
                        "undefined-citation",
                        format!("`{}` is cited but no bibliography defines it", c.key),
                        c,
                    ),
                }
                // `usize::MAX`: the rule is off, nothing was reported.
                let index = if out.list.len() > before {
                    before
                } else {
                    usize::MAX
                };
                reported.insert(&c.key, (index, 1, Vec::new()));
            }
        }
        for (index, n, more) in reported.into_values() {
            if n == 1 || index == usize::MAX {
                continue;
            }
            let d = &mut out.list[index];
            let others = if n - 1 > more.len() {
                format!("{}, …", more.join(", "))
            } else {
                more.join(", ")
            };
            d.message
                .push_str(&format!(" (cited {n} times; also at {others})"));
        }
        if all || !out.on("unused-entry") {
            return;
        }
        // Entries that a cited entry inherits from are used too (each marked once).
        let mut work: Vec<usize> = (0..entries.len()).filter(|&i| used[i]).collect();
        while let Some(i) = work.pop() {
            let (bib, e) = entries[i];
            let Some(x) = bib.extra(e) else { continue };
            for parent in &x.parents {
                let p = exact.get(parent.as_ref()).or_else(|| {
                    caseless
                        .get(&parent.to_lowercase())
                        .and_then(|k| exact.get(k))
                });
                if let Some(&p) = p {
                    if !used[p] {
                        used[p] = true;
                        work.push(p);
                    }
                }
            }
        }
        for (i, &(bib, e)) in entries.iter().enumerate() {
            let key = bib.key(e);
            if used[i] || key.is_empty() || bib.flags[e] & (IGNORED | XDATA) != 0 {
                continue;
            }
            out.push(
                "unused-entry",
                format!("`{key}` is not cited"),
                bib.file.clone(),
                bib.span(e),
                (0, 0),
                Some(key),
            );
        }
    }
}

/// What one task of [`Checker::check_chunk`] found.
#[derive(Default)]
struct Checked {
    entries: Vec<(u8, Option<Extra>)>,
    found: Vec<Diagnostic>,
    /// What to remember of the entries, when remembering.
    remembered: Vec<(u64, Arc<Memoized>)>,
}

/// The hash of a key compared ignoring case (as BibTeX and `duplicate-key` compare keys),
/// the one the lowering's key index uses.
fn caseless_key_hash(key: &str) -> u64 {
    bibtex::caseless_key_hash(key)
}

/// Whether two keys are equal ignoring case.
fn same_key(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// The summary (and, when there is more to know, the extra) of an entry. `text` is the
/// file's source.
fn summarize(e: &Entry, span: Span, ignored: bool, text: &str) -> (u8, Option<Extra>) {
    let own = |name: &str| e.fields.iter().any(|f| f.name == name && is_own(e, f));
    let mut flags = 0;
    if e.kind == "xdata" {
        flags |= XDATA;
    }
    if e.get("related").is_some() || e.get("entryset").is_some() {
        flags |= RELATED;
    }
    if ignored {
        flags |= IGNORED;
    }
    if fields::is_child(e) {
        flags |= CHILD;
    }
    if own("doi") {
        flags |= OWN_DOI;
    }
    let doi = match e.get("doi") {
        Some(Value::Verbatim(d)) => {
            let d = bibtex::normalize_doi(d).to_lowercase();
            (!d.is_empty()).then(|| d.into_boxed_str())
        }
        _ => None,
    };
    let work = fields::work_key(e).map(|(f, y)| (f.into_boxed_str(), y));
    let parents = fields::parents(e);
    // An entry without a key in the source has the one bibkit generated.
    let written_empty =
        crate::syntax::block_head(text, span.start).is_none_or(|(_, k)| k.is_empty());
    let generated = (written_empty && !e.key.is_empty()).then(|| e.key.clone().into_boxed_str());
    let aliases: Box<[Box<str>]> = e
        .get("ids")
        .map(|v| {
            crate::extract::linked_keys(&v.to_plain_string(), true)
                .into_iter()
                .map(Into::into)
                .collect()
        })
        .unwrap_or_default();
    if doi.is_none()
        && work.is_none()
        && parents.is_empty()
        && generated.is_none()
        && aliases.is_empty()
    {
        return (flags, None);
    }
    let title = fields::title_key(e).into_boxed_str();
    let work = work.filter(|_| title.len() >= 8);
    let extra = Extra {
        key: generated,
        doi,
        work,
        record: None,
        title,
        parents: parents.into_iter().map(String::into_boxed_str).collect(),
        aliases,
    };
    (flags, Some(extra))
}

/// Where findings collect, with their configured levels.
struct Findings<'c> {
    config: &'c Config,
    list: Vec<Diagnostic>,
}

impl Findings<'_> {
    fn on(&self, rule: &str) -> bool {
        self.config.level(rule) != Level::Off
    }

    /// Adds a finding of `rule` at its configured level (nothing when it is off). A
    /// position of (0, 0) is found from the span later.
    fn push(
        &mut self,
        rule: &'static str,
        message: String,
        file: Option<Arc<str>>,
        span: Span,
        (line, column): (u32, u32),
        key: Option<&str>,
    ) {
        let Some(severity) = self.config.level(rule).severity() else {
            return;
        };
        let mut d = Diagnostic::new(severity, rule, message).at_line_col(span, line, column);
        d.file = file;
        d.key = key.map(str::to_string);
        self.list.push(d);
    }

    /// Adds a reader diagnostic under `rule`, at the rule's level.
    fn push_diag(&mut self, mut d: Diagnostic, rule: &'static str) {
        let Some(severity) = self.config.level(rule).severity() else {
            return;
        };
        d.rule = rule;
        d.severity = severity;
        self.list.push(d);
    }

    fn push_citation(&mut self, rule: &'static str, message: String, c: &Citation) {
        self.push(
            rule,
            message,
            c.file.clone(),
            c.span,
            (c.line, c.column),
            Some(&c.key),
        );
    }
}

fn entry_span(e: &Entry) -> Span {
    e.origin.as_ref().map_or_else(Span::default, |o| o.span)
}

/// Whether a field is written in the entry itself (not inherited through `crossref` or
/// `xdata`).
fn is_own(e: &Entry, f: &crate::model::Field) -> bool {
    let span = entry_span(e);
    f.span
        .is_some_and(|s| s.start >= span.start && s.end <= span.end)
}

impl Source<'_> {
    /// The source text of a field's value (after `=`), and its span.
    fn value_source(&self, f: &crate::model::Field) -> Option<(&str, Span)> {
        let span = f.span?;
        let whole = self.text.get(span.start..span.end)?;
        let eq = whole.find('=')?;
        let value = &whole[eq + 1..];
        let lead = value.len() - value.trim_start().len();
        let start = span.start + eq + 1 + lead;
        Some((value.trim(), Span::new(start, start + value.trim().len())))
    }
}

/// Whether a finding at `severity` fails a build, given `--deny warnings`.
///
/// ```
/// use bibkit::check::fails;
/// use bibkit::diagnostic::Severity;
/// assert!(fails(Severity::Error, false));
/// assert!(!fails(Severity::Warning, false));
/// assert!(fails(Severity::Warning, true));
/// assert!(!fails(Severity::Info, true));
/// ```
pub fn fails(severity: Severity, deny_warnings: bool) -> bool {
    severity == Severity::Error || (deny_warnings && severity == Severity::Warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(ex: &Example, rule: &str) -> Vec<Diagnostic> {
        let config = Config::default().with_level(rule, Level::Warning);
        let mut c = Checker::new(config);
        c.add_bib("example.bib", ex.bib);
        let mut found = Vec::new();
        if let Some(tex) = ex.tex {
            // The document and the files it includes, as a project.
            let mut files = crate::project::Memory::new(ex.files.iter().copied());
            files.insert("example.tex", tex);
            let graph = crate::project::follow("example.tex".as_ref(), &files);
            found.extend(graph.findings.iter().filter_map(|d| c.level(d.clone())));
            for doc in graph.documents {
                c.add_cited(doc.scan);
            }
        }
        found.extend(c.run());
        found
    }

    #[test]
    fn every_bad_example_breaks_its_rule_and_every_good_one_keeps_it() {
        for r in RULES {
            if r.id == "invalid-encoding" {
                continue;
            }
            let bad = run(&r.bad, r.id);
            assert!(
                bad.iter().any(|d| d.rule == r.id),
                "{}: the bad example gives {:?}",
                r.id,
                bad.iter().map(|d| d.to_string()).collect::<Vec<_>>()
            );
            let good: Vec<Diagnostic> = run(&r.good, r.id)
                .into_iter()
                .filter(|d| d.rule == r.id)
                .collect();
            assert!(
                good.is_empty(),
                "{}: the good example gives {:?}",
                r.id,
                good.iter().map(|d| d.to_string()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn rule_docs_are_current() {
        // docs/check-rules.md is generated from RULES; BIBKIT_UPDATE_DOCS=1 rewrites it.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/check-rules.md");
        let mut text = String::from(
            "# `bibkit check` rules\n\nGenerated from `bibkit::check::RULES` (`bibkit check --explain RULE` prints one). Correctness rules are on by default; house-style rules only when `bibkit.toml` turns them on.\n\n",
        );
        for r in RULES {
            text.push_str(&explain(r));
        }
        if std::env::var_os("BIBKIT_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == text,
            "docs/check-rules.md is out of date: run with BIBKIT_UPDATE_DOCS=1"
        );
    }

    /// Runs over `files` remembering, after a run over `before`: what a fresh checker finds,
    /// and how many entries were remembered.
    fn remembered_after(before: &[(&str, &str)], files: &[(&str, &str)]) -> usize {
        let mut c = Checker::new(Config::default()).with_memo(Memo::default());
        for (f, t) in before {
            c.add_bib(*f, t);
        }
        c.run();
        let memo = c.take_memo();
        let mut again = Checker::new(Config::default()).with_memo(memo);
        let mut fresh = Checker::new(Config::default());
        for (f, t) in files {
            again.add_bib(*f, t);
            fresh.add_bib(*f, t);
        }
        assert_eq!(again.run(), fresh.run(), "{files:?}");
        again.take_memo().len()
    }

    #[test]
    fn remembering_follows_what_an_entry_is_read_with() {
        let child =
            "@inbook{c, crossref = {p}, title = {Chapter}, author = {A. Author}, pages = {1-2}}\n";
        let parent =
            "@book{p, title = {Book}, author = {B. Author}, publisher = {P}, year = 2001}\n";
        let parent_changed = "@book{p, title = {Book}, author = {B. Author}, year = 2001}\n";
        // The parent lost `publisher`: the child inherits no more of it.
        remembered_after(
            &[("a.bib", &format!("{child}{parent}"))],
            &[("a.bib", &format!("{child}{parent_changed}"))],
        );
        // A macro of another file changed: the entry using it is read again.
        let uses = "@misc{m, title = {T}, publisher = acm, year = 2001, month = feb}\n";
        remembered_after(
            &[("s.bib", "@string{acm = {ACM}}"), ("r.bib", uses)],
            &[
                ("s.bib", "@string{acm = {ACM}} @string{x = 1}"),
                ("r.bib", uses),
            ],
        );
        remembered_after(
            &[("s.bib", "@string{acm = {ACM}}"), ("r.bib", uses)],
            &[("s.bib", "@string{other = {ACM}}"), ("r.bib", uses)],
        );
        // The same bytes in a file of another name, or of another data model.
        remembered_after(&[("r.bib", uses)], &[("q.bib", uses)]);
        let biblatex =
            "@online{o, title = {O}, urldate = {2020-01-01}, url = {https://example.org}}\n";
        remembered_after(
            &[("r.bib", uses)],
            &[("r.bib", &format!("{uses}{biblatex}"))],
        );
        // A key generated from the others, and an edit elsewhere: still what a fresh check
        // finds; the unchanged entry is remembered.
        let keyless = "@misc{, title = {No Key}}\n";
        let n = remembered_after(
            &[("r.bib", &format!("{uses}{keyless}"))],
            &[("r.bib", &format!("{keyless}{uses}"))],
        );
        assert_eq!(n, 1);
    }

    #[test]
    fn a_memo_is_only_used_with_its_configuration() {
        let text = "@misc{m, title = {T}, year = 2001, pages = {1-2}}\n";
        let mut c = Checker::new(Config::default()).with_memo(Memo::default());
        c.add_bib("a.bib", text);
        assert_eq!(c.run().len(), 1);
        let memo = c.take_memo();
        assert_eq!(memo.len(), 1);
        let off = Config::default().with_level("page-range", Level::Off);
        let mut again = Checker::new(off).with_memo(memo);
        again.add_bib("a.bib", text);
        assert!(again.run().is_empty());
    }

    #[test]
    fn invalid_encoding() {
        let mut c = Checker::new(Config::default());
        c.add_bib_bytes(
            "x.bib",
            b"@misc{m, title = {Caf\xe9}}\n@misc{n, title = {T}}",
        );
        let f = c.run();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, "invalid-encoding");
        assert_eq!((f[0].line, f[0].column), (1, 22));
    }

    #[test]
    fn rules_are_unique_and_documented() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for r in RULES {
            assert!(
                r.summary.ends_with('.') || r.summary.ends_with(')'),
                "{}",
                r.id
            );
            assert_eq!(
                r.style,
                r.id == "title-case"
                    || r.id == "unprotected-acronym"
                    || r.id == "field-order"
                    || r.id == "key-pattern"
                    || r.id == "field-case"
            );
        }
    }
}
