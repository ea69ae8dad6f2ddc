//! Streaming conversion: read inputs one after another and write one output, in batches.
//!
//! A [`Converter`] writes entries as it lowers them, a batch at a time, so converting a
//! large `.bib` file holds the source, its syntax tree and one batch of entries in memory —
//! never the whole model and the whole output at once. Entries of a batch are lowered and
//! printed in parallel (with the default `parallel` feature).
//!
//! ```
//! use bibkit::convert::{Converter, Target};
//! use bibkit::source::decode_utf8;
//! let mut conv = Converter::new(Vec::new(), Target::CslJson);
//! let diags = conv.bibtex(&decode_utf8(b"@book{k, title = {T}, year = 2001}"), None, None).unwrap();
//! assert!(diags.is_empty());
//! let out = String::from_utf8(conv.finish().unwrap()).unwrap();
//! let json: serde_json::Value = serde_json::from_str(&out).unwrap();
//! assert_eq!(json[0]["issued"]["date-parts"][0][0], 2001);
//! ```

use std::collections::BTreeMap;

use crate::fxhash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::io::{self, Write};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::formats::bibtex::{self, Lowering, Reader};
use crate::formats::{csl_json, listing, ris};
use crate::keys::{KeyGenerator, key_hash};
use crate::model::{Comment, Entry};
use crate::source::{self, Decoded};

/// What to write.
#[derive(Debug, Clone)]
pub enum Target {
    /// BibTeX or BibLaTeX, with these options. Entries read from listings get acronym
    /// protection in their titles whatever the options say.
    Bib(bibtex::WriteOptions),
    /// CSL-JSON.
    CslJson,
    /// RIS (what it has no tag for is reported, see [`crate::formats::ris`]).
    Ris,
    /// A format written as one document once every entry is known (see
    /// [`crate::formats::write_document`] for the formats that can be): entries are
    /// held until [`Converter::finish_report`] writes them and reports what the format
    /// had no place for.
    Document(crate::formats::Format),
}

impl Target {
    /// The target that writes `format`, if bibkit writes it.
    ///
    /// ```
    /// use bibkit::convert::Target;
    /// use bibkit::formats::Format;
    /// assert!(matches!(Target::of(Format::Ris), Some(Target::Ris)));
    /// assert!(Target::of(Format::Listing).is_none());
    /// ```
    pub fn of(format: crate::formats::Format) -> Option<Target> {
        use crate::formats::Format;
        match format {
            Format::Bibtex => Some(Target::Bib(bibtex::WriteOptions::new())),
            Format::Biblatex => Some(Target::Bib(
                bibtex::WriteOptions::new().dialect(bibtex::Dialect::Biblatex),
            )),
            Format::CslJson => Some(Target::CslJson),
            Format::Ris => Some(Target::Ris),
            f if f.writable() => Some(Target::Document(f)),
            _ => None,
        }
    }

    /// The name of the format written, for messages.
    fn name(&self) -> &'static str {
        match self {
            Target::Bib(o) => match o.get_dialect() {
                bibtex::Dialect::Biblatex => "BibLaTeX",
                _ => "BibTeX",
            },
            Target::CslJson => "CSL-JSON",
            Target::Ris => "RIS",
            Target::Document(f) => f.name(),
        }
    }
}

/// One `.bib` input of [`Converter::bibtex_files`].
#[derive(Debug, Clone)]
pub struct BibInput<'a> {
    /// Its text.
    pub decoded: &'a Decoded,
    /// Its name, for origins and diagnostics.
    pub file: Option<Arc<str>>,
    /// The label of the encoding it was decoded with (for messages).
    pub encoding: Option<&'a str>,
}

/// Where a key was first defined.
#[derive(Debug, Clone, Copy)]
struct Place {
    file: u16,
    kind: u16,
    line: u32,
}

/// What one parallel task printed: the text, its diagnostics, how many entries, and
/// (for [`Target::Document`]) the entries held instead of printed.
type Printed = (String, Vec<Diagnostic>, usize, Vec<Entry>);

/// Entries lowered and printed per parallel task.
const CHUNK: usize = 256;
/// Entries per batch written before the next is lowered.
const BATCH: usize = 4096;

/// Converts inputs of any readable format into one output. See the module docs.
#[derive(Debug)]
pub struct Converter<W: Write> {
    out: W,
    target: Target,
    keys: KeyGenerator,
    /// Keys written so far (by [`key_hash`]) → where they were defined (an index into
    /// `places`).
    seen: HashMap<u64, u32>,
    places: Vec<Place>,
    /// Files and entry types seen (few distinct ones, so stored once).
    files: Vec<Option<Arc<str>>>,
    kinds: Vec<String>,
    /// Whether keys are remembered for inputs that follow (see [`Converter::last_input`]).
    remember_keys: bool,
    written: usize,
    /// Whether anything was written (the first chunk drops its leading separator).
    started: bool,
    /// Whether every entry gets a generated key.
    rekey: bool,
    /// CSL-JSON ids written so far: each item gets one no earlier item has.
    csl_ids: HashSet<String>,
    /// For [`Target::Document`]: the entries to write at the end.
    held: Vec<Entry>,
}

impl<W: Write> Converter<W> {
    /// A converter writing to `out`.
    pub fn new(out: W, target: Target) -> Self {
        Converter {
            out,
            target,
            keys: KeyGenerator::new(),
            seen: HashMap::default(),
            places: Vec::new(),
            files: Vec::new(),
            kinds: Vec::new(),
            remember_keys: true,
            written: 0,
            started: false,
            rekey: false,
            csl_ids: HashSet::default(),
            held: Vec::new(),
        }
    }

    /// Gives every entry a generated `familyYEARword` key, unique in the output, and
    /// updates the references between entries of one input (`crossref`, `xref`, `xdata`,
    /// `related`, `entryset`) to match. Entries read from listings always get generated
    /// keys.
    ///
    /// ```
    /// use bibkit::convert::{Converter, Target};
    /// use bibkit::source::decode_utf8;
    /// let bib = decode_utf8(b"@book{b1, author = {Knuth, Donald}, title = {The TeXbook}, year = 1984}
    /// @inbook{c1, crossref = {b1}, title = {Glue}}");
    /// let mut conv = Converter::new(Vec::new(), Target::Bib(Default::default())).rekey(true);
    /// conv.bibtex(&bib, None, None).unwrap();
    /// let out = String::from_utf8(conv.finish().unwrap()).unwrap();
    /// assert!(out.contains("@book{knuth1984texbook,"));
    /// assert!(out.contains("crossref = {knuth1984texbook}"));
    /// ```
    pub fn rekey(mut self, yes: bool) -> Self {
        self.rekey = yes;
        self
    }

    /// Says that the next input is the last one: its keys need not be remembered to find
    /// duplicates in inputs after it (nor to keep generated keys apart from them), which
    /// saves some 40 bytes an entry on very large inputs.
    ///
    /// ```
    /// use bibkit::convert::{Converter, Target};
    /// use bibkit::source::decode_utf8;
    /// let mut conv = Converter::new(Vec::new(), Target::CslJson);
    /// conv.bibtex(&decode_utf8(b"@misc{a}"), None, None).unwrap();
    /// conv.last_input();
    /// let diags = conv.bibtex(&decode_utf8(b"@misc{a}"), None, None).unwrap();
    /// assert_eq!(diags[0].rule, "duplicate-key"); // still checked against the first input
    /// ```
    pub fn last_input(&mut self) {
        self.remember_keys = false;
    }

    /// Holds entries for a [`Target::Document`] (they are counted as written).
    fn hold(&mut self, entries: Vec<Entry>) {
        self.written += entries.len();
        self.held.extend(entries);
    }

    /// How many entries were written.
    pub fn written(&self) -> usize {
        self.written
    }

    fn csl(&self) -> bool {
        matches!(self.target, Target::CslJson)
    }

    fn document(&self) -> bool {
        matches!(self.target, Target::Document(_))
    }

    /// Writes one chunk of printed entries; each entry in `s` starts with a separator
    /// (`",\n"` for CSL-JSON, `"\n"` for `.bib`) that the first entry of the output drops.
    fn emit(&mut self, s: &str, count: usize) -> io::Result<()> {
        if s.is_empty() || self.document() {
            return Ok(());
        }
        if self.started {
            self.out.write_all(s.as_bytes())?;
        } else {
            if self.csl() {
                self.out.write_all(b"[")?;
            }
            self.out.write_all(&s.as_bytes()[1..])?;
            self.started = true;
        }
        self.written += count;
        Ok(())
    }
}

/// New keys for the entries of one input, and the old keys they replace.
#[derive(Debug, Default)]
struct Rekeyed {
    /// The new key of entry *n*.
    keys: Vec<String>,
    /// Old key (lowercase) → new key.
    map: std::collections::HashMap<String, String>,
}

impl Rekeyed {
    fn add(&mut self, old: &str, new: String) {
        self.map
            .entry(old.to_lowercase())
            .or_insert_with(|| new.clone());
        self.keys.push(new);
    }

    /// Gives entry `n` its new key and points its references to entries at their new keys.
    fn apply(&self, n: usize, e: &mut Entry) {
        if let Some(k) = self.keys.get(n) {
            e.key = k.clone();
        }
        for f in &mut e.fields {
            if !matches!(
                f.name.as_ref(),
                "crossref" | "xref" | "xdata" | "related" | "entryset"
            ) {
                continue;
            }
            let old = f.value.to_plain_string();
            let new: Vec<String> = old
                .split(',')
                .map(|k| {
                    let k = k.trim();
                    self.map
                        .get(&k.to_lowercase())
                        .cloned()
                        .unwrap_or_else(|| k.to_string())
                })
                .collect();
            f.value = crate::model::Value::Verbatim(new.join(","));
        }
    }
}

/// The errors for undecodable bytes of one input, handed out in input order.
struct Invalid {
    list: Vec<Diagnostic>,
    next: usize,
}

impl Invalid {
    /// Hands out (into `diags`, when `keep`) the errors before the end of `span` (all of
    /// them for `None`), with `key` on those inside `span`; says whether one was inside.
    fn take(
        &mut self,
        span: Option<crate::model::Span>,
        key: Option<&str>,
        diags: &mut Vec<Diagnostic>,
        keep: bool,
    ) -> bool {
        let end = span.map_or(usize::MAX, |s| s.end);
        let mut hit = false;
        while let Some(d) = self.list.get(self.next).filter(|d| d.span.start < end) {
            let inside = span.is_some_and(|s| s.start <= d.span.start);
            hit |= inside;
            if keep {
                let d = d.clone();
                diags.push(match (inside, key) {
                    (true, Some(k)) => d.with_key(k),
                    _ => d,
                });
            }
            self.next += 1;
        }
        hit
    }
}

/// Prints one entry (with the comments that precede it) with its leading separator;
/// what the target has no place for goes into `losses`.
fn print(
    target: &Target,
    out: &mut String,
    e: &Entry,
    comments: &[&Comment],
    generated: bool,
    losses: &mut Vec<Diagnostic>,
) {
    match target {
        Target::Document(_) => {}
        Target::Ris => {
            out.push('\n');
            let (dropped, less) = ris::write_entry(out, e);
            losses.extend(ris::losses(e, &dropped, less));
        }
        Target::CslJson => {
            out.push_str(",\n");
            csl_json::write_item(out, e, "  ");
            losses.extend(crate::formats::person_details_lost(e, "CSL-JSON"));
        }
        Target::Bib(opts) => {
            let mut s = String::new();
            for c in comments {
                bibtex::write_comment(&mut s, c);
            }
            if !s.is_empty() {
                out.push('\n');
                out.push_str(&s);
            }
            out.push('\n');
            let opts = opts.clone().protect_acronyms(generated);
            bibtex::write_entry(out, e, &opts);
            let format = match opts.get_dialect() {
                bibtex::Dialect::Biblatex => "BibLaTeX",
                _ => "BibTeX",
            };
            losses.extend(crate::formats::person_details_lost(e, format));
        }
    }
}

impl<W: Write> Converter<W> {
    /// Reports a key that an earlier input already used.
    fn check_key(
        &self,
        (key, hash): (&str, u64),
        kind: &str,
        file: &Option<Arc<str>>,
        (line, span): (u32, crate::model::Span),
        diags: &mut Vec<Diagnostic>,
    ) {
        if let Some(&p) = self.seen.get(&hash) {
            let p = self.places[p as usize];
            let (f, l) = (&self.files[usize::from(p.file)], p.line);
            let k = self
                .kinds
                .get(usize::from(p.kind))
                .map_or("", String::as_str);
            let place = match f {
                Some(f) if Some(&**f) != file.as_deref() => format!("at {f}:{l}"),
                _ => format!("on line {l}"),
            };
            let message =
                crate::formats::bibtex::duplicate_key_message(key, key, &place, Some((k, kind)));
            let mut d = Diagnostic::new(Severity::Error, "duplicate-key", message).with_key(key);
            d.file = file.clone();
            d.line = line;
            d.column = 1;
            d.span = span;
            diags.push(d);
        }
    }

    fn remember(&mut self, hash: u64, kind: &str, file: &Option<Arc<str>>, line: u32) {
        if !self.remember_keys || self.seen.contains_key(&hash) {
            return;
        }
        if !self.rekey {
            self.keys.reserve_hash(hash);
        }
        let kind = kind.to_ascii_lowercase();
        let k = match self.kinds.iter().position(|x| *x == kind) {
            Some(i) => i,
            None => {
                self.kinds.push(kind);
                self.kinds.len() - 1
            }
        };
        let f = match self.files.iter().position(|x| x == file) {
            Some(i) => i,
            None => {
                self.files.push(file.clone());
                self.files.len() - 1
            }
        };
        self.seen.insert(hash, self.places.len() as u32);
        self.places.push(Place {
            file: u16::try_from(f).unwrap_or(u16::MAX),
            kind: u16::try_from(k).unwrap_or(u16::MAX),
            line,
        });
    }

    /// Converts one `.bib` input. `encoding` is the label it was decoded with (for
    /// messages). Returns its diagnostics, in input order.
    pub fn bibtex(
        &mut self,
        decoded: &Decoded,
        file: Option<Arc<str>>,
        encoding: Option<&str>,
    ) -> io::Result<Vec<Diagnostic>> {
        self.bibtex_files(&[BibInput {
            decoded,
            file,
            encoding,
        }])
    }

    /// Converts several `.bib` inputs read as one bibliography, in order, as BibTeX reads
    /// the files of `\bibliography{strings,refs}`: `@string` macros carry from a file to
    /// the files after it, and `crossref`/`xdata`/`xref` resolve across files (see
    /// [`Lowering::from_sources`]). Returns their diagnostics, file by file.
    ///
    /// ```
    /// use bibkit::convert::{BibInput, Converter, Target};
    /// use bibkit::source::decode_utf8;
    /// let (strings, refs) = (decode_utf8(b"@string{acm = {ACM}}"), decode_utf8(b"@book{b, publisher = acm}"));
    /// let mut conv = Converter::new(Vec::new(), Target::Bib(Default::default()));
    /// let diags = conv.bibtex_files(&[
    ///     BibInput { decoded: &strings, file: Some("strings.bib".into()), encoding: None },
    ///     BibInput { decoded: &refs, file: Some("refs.bib".into()), encoding: None },
    /// ]).unwrap();
    /// assert!(diags.is_empty());
    /// let out = String::from_utf8(conv.finish().unwrap()).unwrap();
    /// assert!(out.contains("publisher = {ACM}"));
    /// ```
    pub fn bibtex_files(&mut self, inputs: &[BibInput<'_>]) -> io::Result<Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut readable: Vec<&BibInput<'_>> = Vec::with_capacity(inputs.len());
        for input in inputs {
            if input.decoded.unreadable() {
                // Not text bibkit can read: only the error saying which encoding to name.
                diags.extend(source::invalid_diagnostics(
                    input.decoded,
                    input.file.clone(),
                    input.encoding,
                ));
            } else {
                readable.push(input);
            }
        }
        // Formats without cross-references get what an entry inherits written into it.
        let reader = Reader::new().resolve_crossrefs(!matches!(self.target, Target::Bib(_)));
        // Indexed a segment at a time, each entry lowered from its own bytes: the whole
        // syntax tree is never held.
        let lowering = Lowering::from_sources(
            readable
                .iter()
                .map(|i| (i.file.clone(), i.decoded.text.as_str())),
            reader,
        );
        diags.extend(lowering.diagnostics().iter().cloned());

        // Entries that hold undecodable bytes are skipped.
        let mut skip = HashSet::default();
        for (s, input) in readable.iter().enumerate() {
            // Invalid bytes and entries are both in source order: one walk pairs them.
            let entries = lowering.entries_of(s);
            let mut next = entries.start;
            let invalid =
                source::invalid_diagnostics(input.decoded, input.file.clone(), input.encoding);
            // One error per entry.
            let invalid = source::merge_by_record(invalid, |at| lowering.entry_at(s, at));
            for mut d in invalid {
                let at = d.span.start;
                if d.span.end > at {
                    while next < entries.end && lowering.span(next).end <= at {
                        next += 1;
                    }
                    if next < entries.end && lowering.span(next).start <= at {
                        skip.insert(next);
                        d = d.with_key(lowering.key(next));
                    }
                }
                diags.push(d);
            }
        }
        if !self.seen.is_empty() {
            for n in (0..lowering.len()).filter(|n| !skip.contains(n)) {
                let at = (lowering.position(n).0, lowering.span(n));
                let key = (lowering.key(n), key_hash(lowering.key(n)));
                self.check_key(key, lowering.kind(n), &lowering.file(n), at, &mut diags);
            }
        }
        if self.remember_keys {
            for n in (0..lowering.len()).filter(|n| !skip.contains(n)) {
                let line = lowering.position(n).0;
                let file = lowering.file(n);
                self.remember(key_hash(lowering.key(n)), lowering.kind(n), &file, line);
            }
        }
        let file: Option<Arc<str>> = match readable.as_slice() {
            [one] => one.file.clone(),
            _ => None,
        };

        let comments = lowering.comments();
        let preambles = lowering.preambles();
        let mut by_entry: BTreeMap<usize, Vec<&Comment>> = BTreeMap::new();
        for c in &comments {
            by_entry.entry(c.before).or_default().push(c);
        }
        match &self.target {
            Target::Bib(_) => {
                let mut s = String::new();
                for p in &preambles {
                    let mut one = String::new();
                    bibtex::write_preamble(&mut one, p);
                    s.push('\n');
                    s.push_str(&one);
                }
                self.emit(&s, 0)?;
            }
            Target::CslJson | Target::Ris | Target::Document(_) => {
                if !comments.is_empty() || !preambles.is_empty() {
                    let mut d = Diagnostic::new(
                        Severity::Info,
                        "not-written",
                        format!(
                            "{} comment(s) and {} @preamble(s) have no place in {} and are not written",
                            comments.len(),
                            preambles.len(),
                            self.target.name()
                        ),
                    );
                    d.file = file.clone();
                    diags.push(d);
                }
            }
        }

        let new_keys = if self.rekey {
            let work = |n: usize| KeyGenerator::base_key(&lowering.entry(n).0);
            #[cfg(feature = "parallel")]
            let bases: Vec<String> = {
                use rayon::prelude::*;
                (0..lowering.len()).into_par_iter().map(work).collect()
            };
            #[cfg(not(feature = "parallel"))]
            let bases: Vec<String> = (0..lowering.len()).map(work).collect();
            let mut renamed = Rekeyed::default();
            for (n, base) in bases.iter().enumerate() {
                if !skip.contains(&n) {
                    let key = self.keys.generate_from(base);
                    renamed.add(lowering.key(n), key);
                } else {
                    renamed.keys.push(String::new());
                }
            }
            Some(renamed)
        } else {
            None
        };
        // CSL-JSON ids: an entry whose key an earlier item has as its id is written with
        // one of its own.
        let mut csl_ids: HashMap<usize, String> = HashMap::default();
        if self.csl() {
            for n in (0..lowering.len()).filter(|n| !skip.contains(n)) {
                let key = match &new_keys {
                    Some(_) => continue,
                    None => lowering.key(n).to_string(),
                };
                let span = lowering.span(n);
                let file = lowering.file(n);
                if let Some((new, d)) = self.unique_csl_id(&key, (&file, 0, span), &key) {
                    diags.push(d);
                    csl_ids.insert(n, new);
                }
            }
        }
        let no_comments: Vec<&Comment> = Vec::new();
        let mut start = 0;
        while start < lowering.len() {
            let end = (start + BATCH).min(lowering.len());
            let chunks: Vec<(usize, usize)> = (start..end)
                .step_by(CHUNK)
                .map(|s| (s, (s + CHUNK).min(end)))
                .collect();
            let target = &self.target;
            let document = self.document();
            let work = |&(a, b): &(usize, usize)| -> io::Result<Printed> {
                let mut s = String::new();
                let mut ds = Vec::new();
                let mut count = 0;
                let mut held = Vec::new();
                for n in a..b {
                    if skip.contains(&n) {
                        continue;
                    }
                    let (mut e, d) = lowering.entry(n);
                    if let Some(r) = &new_keys {
                        r.apply(n, &mut e);
                    }
                    if let Some(id) = csl_ids.get(&n) {
                        e.set("id", crate::model::Value::text(id.clone()));
                    }
                    ds.extend(d);
                    if document {
                        held.push(e);
                        count += 1;
                        continue;
                    }
                    // Room for about the entry's own size, once it is lowered: a string grown
                    // by doubling holds up to three times a large entry's text while it
                    // copies.
                    let bytes = lowering.span(n).end - lowering.span(n).start;
                    s.try_reserve(bytes + bytes / 16 + 256)
                        .map_err(|_| crate::io::out_of_memory(bytes))?;
                    let cs = by_entry.get(&n).unwrap_or(&no_comments);
                    print(target, &mut s, &e, cs, false, &mut ds);
                    count += 1;
                }
                Ok((s, ds, count, held))
            };
            #[cfg(feature = "parallel")]
            let results: Vec<Printed> = {
                use rayon::prelude::*;
                chunks.par_iter().map(work).collect::<io::Result<_>>()?
            };
            #[cfg(not(feature = "parallel"))]
            let results: Vec<Printed> = chunks.iter().map(work).collect::<io::Result<_>>()?;
            for (s, ds, count, held) in results {
                self.emit(&s, count)?;
                self.hold(held);
                diags.extend(ds);
            }
            start = end;
        }
        if let Target::Bib(_) = self.target {
            if let Some(rest) = by_entry.range(lowering.len()..).next() {
                let mut s = String::new();
                for c in rest.1 {
                    let mut one = String::new();
                    bibtex::write_comment(&mut one, c);
                    s.push('\n');
                    s.push_str(&one);
                }
                self.emit(&s, 0)?;
            }
        }
        lowering.finish_diagnostics(&mut diags);
        Ok(diags)
    }

    /// Converts one publication listing; its entries get generated keys unique across
    /// everything written so far.
    pub fn listing(
        &mut self,
        decoded: &Decoded,
        file: Option<Arc<str>>,
        encoding: Option<&str>,
    ) -> io::Result<Vec<Diagnostic>> {
        if decoded.unreadable() {
            // Not text bibkit can read: only the error saying which encoding to name.
            return Ok(source::invalid_diagnostics(decoded, file, encoding));
        }
        let mut reader = listing::ListingReader::new();
        if let Some(f) = &file {
            reader = reader.file(f.clone());
        }
        let mut parsed = reader.read_with_keys(&decoded.text, &mut self.keys);
        source::reject_invalid(&mut parsed, decoded, file.clone(), encoding);
        self.generated(parsed, &file)
    }

    /// Writes entries a reader gave generated keys, and returns the reader's diagnostics
    /// with the losses of writing them, in input order.
    fn generated(
        &mut self,
        parsed: crate::formats::Parsed,
        file: &Option<Arc<str>>,
    ) -> io::Result<Vec<Diagnostic>> {
        let losses = self.entries(&parsed.bibliography.entries, true)?;
        for e in &parsed.bibliography.entries {
            let line = e.origin.as_ref().map_or(0, |o| o.line);
            self.remember(key_hash(&e.key), &e.kind, file, line);
        }
        let mut diags = parsed.diagnostics;
        diags.extend(losses);
        diags.sort_by_key(|d| d.span.start);
        Ok(diags)
    }

    /// Converts one RIS input; its entries get generated keys unique across everything
    /// written so far.
    ///
    /// ```
    /// use bibkit::convert::{Converter, Target};
    /// use bibkit::source::decode_utf8;
    /// let ris = decode_utf8(b"TY  - JOUR\nAU  - Lovelace, Ada\nTI  - Notes\nPY  - 1843\nDB  - Some database\nER  - \n");
    /// let mut conv = Converter::new(Vec::new(), Target::Bib(Default::default()));
    /// let diags = conv.ris(&ris, Some("a.ris".into()), None).unwrap();
    /// assert_eq!(diags[0].rule, "ris-dropped");
    /// let out = String::from_utf8(conv.finish().unwrap()).unwrap();
    /// assert!(out.starts_with("@article{lovelace1843notes,"));
    /// ```
    pub fn ris(
        &mut self,
        decoded: &Decoded,
        file: Option<Arc<str>>,
        encoding: Option<&str>,
    ) -> io::Result<Vec<Diagnostic>> {
        if decoded.unreadable() {
            return Ok(source::invalid_diagnostics(decoded, file, encoding));
        }
        self.records(crate::formats::Format::Ris, decoded, file, encoding)
    }

    /// Converts one input of any format but BibTeX and CSL-JSON (which have their own
    /// streaming paths, [`Converter::bibtex_files`] and [`Converter::csl_json`]): it is
    /// read whole (see [`crate::formats::read_text`]), then written. Entries of formats
    /// without keys get generated keys unique across everything written so far; keys an
    /// input gives are kept (or replaced, with [`Converter::rekey`]) and checked against
    /// the keys of earlier inputs. Returns the reader's diagnostics with the losses of
    /// writing, in input order.
    ///
    /// ```
    /// use bibkit::convert::{Converter, Target};
    /// use bibkit::formats::Format;
    /// use bibkit::source::decode_utf8;
    /// let ris = decode_utf8(b"TY  - BOOK\nTI  - Notes\nPY  - 1843\nER  - \n");
    /// let mut conv = Converter::new(Vec::new(), Target::CslJson);
    /// let diags = conv.records(Format::Ris, &ris, None, None).unwrap();
    /// assert!(diags.is_empty());
    /// let out = String::from_utf8(conv.finish().unwrap()).unwrap();
    /// assert!(out.contains(r#""type": "book""#));
    /// ```
    pub fn records(
        &mut self,
        format: crate::formats::Format,
        decoded: &Decoded,
        file: Option<Arc<str>>,
        encoding: Option<&str>,
    ) -> io::Result<Vec<Diagnostic>> {
        use crate::formats::Format;
        match format {
            Format::Bibtex | Format::Biblatex => return self.bibtex(decoded, file, encoding),
            Format::CslJson => return self.csl_json(decoded, file, encoding),
            _ => {}
        }
        if decoded.unreadable() {
            return Ok(source::invalid_diagnostics(decoded, file, encoding));
        }
        let mut parsed =
            crate::formats::read_text(format, file.clone(), &decoded.text, &mut self.keys);
        source::reject_invalid(&mut parsed, decoded, file.clone(), encoding);
        // Written in the order `.bib` files list fields, not the order of the input's tags.
        for e in &mut parsed.bibliography.entries {
            crate::fmt::sort_entry_fields(e);
        }
        if format.has_keys() {
            let mut diags = Vec::new();
            if self.rekey {
                let mut renamed = Rekeyed::default();
                for e in &parsed.bibliography.entries {
                    renamed.add(&e.key, self.keys.generate(e));
                }
                for (n, e) in parsed.bibliography.entries.iter_mut().enumerate() {
                    renamed.apply(n, e);
                }
            } else {
                // Read whole anyway: its keys are remembered even as the last input, so
                // that two records of it with one key are reported.
                let keep = std::mem::replace(&mut self.remember_keys, true);
                for e in &parsed.bibliography.entries {
                    self.check_and_remember(e, &file, &mut diags);
                }
                self.remember_keys = keep;
            }
            parsed.diagnostics.extend(diags);
        }
        self.generated(parsed, &file)
    }

    /// Converts one CSL-JSON input, writing entries as they are read: one item is held at a
    /// time, never the whole input's model. With [`Converter::rekey`] the input is read
    /// twice (first for the new keys, so that references to later entries can be updated).
    /// Items that hold undecodable bytes are skipped. Returns its diagnostics, in input
    /// order.
    ///
    /// ```
    /// use bibkit::convert::{Converter, Target};
    /// use bibkit::source::decode_utf8;
    /// let json = decode_utf8(br#"[{"id": "a", "type": "book", "title": "T", "title": "U"}]"#);
    /// let mut conv = Converter::new(Vec::new(), Target::Bib(Default::default()));
    /// let diags = conv.csl_json(&json, Some("a.json".into()), None).unwrap();
    /// assert_eq!(diags[0].rule, "csl-duplicate");
    /// let out = String::from_utf8(conv.finish().unwrap()).unwrap();
    /// assert!(out.contains("title = {U}"));
    /// ```
    pub fn csl_json(
        &mut self,
        decoded: &Decoded,
        file: Option<Arc<str>>,
        encoding: Option<&str>,
    ) -> io::Result<Vec<Diagnostic>> {
        if decoded.unreadable() {
            // Not text bibkit can read: only the error saying which encoding to name.
            return Ok(source::invalid_diagnostics(decoded, file, encoding));
        }
        let mut reader = csl_json::CslReader::new();
        if let Some(f) = &file {
            reader = reader.file(f.clone());
        }
        let text = &decoded.text;
        // Errors for undecodable bytes, in input order; an item that holds one is skipped.
        let invalid = source::invalid_diagnostics(decoded, file.clone(), encoding);
        let mut invalid = Invalid {
            list: invalid,
            next: 0,
        };
        let mut diags = Vec::new();
        let renamed = if self.rekey {
            // First pass: every entry's new key.
            let mut renamed = Rekeyed::default();
            reader.read_each(text, |entry, ds| {
                diags.extend(ds);
                let Some(e) = entry else { return Ok(()) };
                let span = e.origin.as_ref().map(|o| o.span);
                if invalid.take(span, Some(&e.key), &mut diags, true) {
                    return Ok(());
                }
                self.check_and_remember(&e, &file, &mut diags);
                let key = self.keys.generate(&e);
                renamed.add(&e.key, key);
                Ok::<(), io::Error>(())
            })?;
            invalid.take(None, None, &mut diags, true);
            invalid.next = 0;
            Some(renamed)
        } else {
            None
        };
        let mut out = String::new();
        let mut count = 0;
        let mut n = 0;
        // This input's ids (exact, as CSL compares them) → where and of what type.
        let mut ids_here: HashMap<String, (u32, String)> = HashMap::default();
        reader.read_each(text, |entry, ds| {
            let Some(mut e) = entry else {
                if renamed.is_none() {
                    diags.extend(ds);
                }
                return Ok::<(), io::Error>(());
            };
            let span = e.origin.as_ref().map(|o| o.span);
            let first_pass = renamed.is_none();
            if first_pass {
                diags.extend(ds);
            }
            if invalid.take(span, Some(&e.key), &mut diags, first_pass) {
                return Ok(());
            }
            match &renamed {
                Some(r) => r.apply(n, &mut e),
                None => self.check_and_remember(&e, &file, &mut diags),
            }
            if renamed.is_none() {
                if let Some(&(line, ref kind)) = ids_here.get(&e.key) {
                    let place = format!("on line {line}");
                    let mut d = Diagnostic::new(
                        Severity::Error,
                        "duplicate-key",
                        bibtex::duplicate_key_message(
                            &e.key,
                            &e.key,
                            &place,
                            Some((kind, &e.kind)),
                        ),
                    )
                    .with_key(&e.key);
                    d = d.at_line_col(span.unwrap_or_default(), 0, 0);
                    d.file = file.clone();
                    diags.push(d);
                } else {
                    ids_here.insert(
                        e.key.clone(),
                        (e.origin.as_ref().map_or(0, |o| o.line), e.kind.clone()),
                    );
                }
                self.give_unique_id(&mut e, &file, &mut diags);
            }
            n += 1;
            if self.document() {
                self.hold(vec![e]);
                return Ok(());
            }
            print(&self.target, &mut out, &e, &[], false, &mut diags);
            count += 1;
            if count >= BATCH || out.len() >= 1 << 20 {
                self.emit(&out, count)?;
                out.clear();
                count = 0;
            }
            Ok(())
        })?;
        self.emit(&out, count)?;
        if renamed.is_none() {
            invalid.take(None, None, &mut diags, true);
        }
        // The key checks above give offsets only.
        crate::diagnostic::locate(&decoded.text, &mut diags);
        diags.sort_by_key(|d| (d.line, d.column));
        Ok(diags)
    }

    /// For CSL-JSON output: the id to write for an entry whose id is `id`, when an
    /// earlier item has it (`id-2`, `id-3`, …, the first that none has), with the warning
    /// that says so. CSL processors keep one item per id; the renamed item keeps its key
    /// in `citation-key`.
    fn unique_csl_id(
        &mut self,
        id: &str,
        at: (&Option<Arc<str>>, u32, crate::model::Span),
        key: &str,
    ) -> Option<(String, Diagnostic)> {
        if !self.csl() || self.csl_ids.insert(id.to_string()) {
            return None;
        }
        let new = (2..)
            .map(|n| format!("{id}-{n}"))
            .find(|c| !self.csl_ids.contains(c))?;
        self.csl_ids.insert(new.clone());
        let mut d = Diagnostic::new(
            Severity::Warning,
            "duplicate-id",
            format!(
                "an earlier item has the id `{id}`; CSL processors keep one item per id, so this one is written with the id `{new}` (its `citation-key` stays `{key}`)"
            ),
        )
        .with_key(key);
        d = d.at_line_col(at.2, 0, 0);
        d.file = at.0.clone();
        Some((new, d))
    }

    /// Gives `e` a CSL-JSON id no earlier item has (see [`Converter::unique_csl_id`]).
    fn give_unique_id(
        &mut self,
        e: &mut Entry,
        file: &Option<Arc<str>>,
        diags: &mut Vec<Diagnostic>,
    ) {
        if !self.csl() {
            return;
        }
        let id = e
            .get("id")
            .map_or_else(|| e.key.clone(), |v| v.to_plain_string());
        let line = e.origin.as_ref().map_or(0, |o| o.line);
        let span = e.origin.as_ref().map_or_else(Default::default, |o| o.span);
        if let Some((new, d)) = self.unique_csl_id(&id, (file, line, span), &e.key.clone()) {
            e.set("id", crate::model::Value::text(new));
            diags.push(d);
        }
    }

    /// Reports an entry whose key an earlier entry has, and remembers its key.
    fn check_and_remember(
        &mut self,
        e: &Entry,
        file: &Option<Arc<str>>,
        diags: &mut Vec<Diagnostic>,
    ) {
        let line = e.origin.as_ref().map_or(0, |o| o.line);
        let span = e.origin.as_ref().map_or_else(Default::default, |o| o.span);
        let hash = key_hash(&e.key);
        self.check_key((&e.key, hash), &e.kind, file, (line, span), diags);
        self.remember(hash, &e.kind, file, line);
    }

    /// Writes entries that are already in the model; `generated` marks entries bibkit made
    /// up (their titles get acronym protection in `.bib` output).
    ///
    /// Returns what the target has no place for (see [`Target::Ris`]).
    pub fn entries(&mut self, entries: &[Entry], generated: bool) -> io::Result<Vec<Diagnostic>> {
        if self.document() {
            self.hold(entries.to_vec());
            return Ok(Vec::new());
        }
        let mut s = String::new();
        let mut ignored = Vec::new();
        let mut losses = Vec::new();
        for e in entries {
            if self.csl() {
                let mut e = e.clone();
                self.give_unique_id(&mut e, &None, &mut ignored);
                print(&self.target, &mut s, &e, &[], generated, &mut losses);
            } else {
                print(&self.target, &mut s, e, &[], generated, &mut losses);
            }
        }
        self.emit(&s, entries.len())?;
        Ok(losses)
    }

    /// Closes the output and returns the writer. For a [`Target::Document`], what the
    /// format had no place for is lost here: use [`Converter::finish_report`].
    pub fn finish(self) -> io::Result<W> {
        self.finish_report().map(|(w, _)| w)
    }

    /// Closes the output and returns the writer with the loss report of writing a
    /// [`Target::Document`] (empty for the other targets, whose losses come with each
    /// input's diagnostics).
    ///
    /// ```
    /// use bibkit::convert::{Converter, Target};
    /// use bibkit::formats::Format;
    /// use bibkit::source::decode_utf8;
    /// let mut conv = Converter::new(Vec::new(), Target::Document(Format::Ris));
    /// conv.bibtex(&decode_utf8(b"@book{k, title = {T}, year = 2001}"), None, None).unwrap();
    /// let (out, losses) = conv.finish_report().unwrap();
    /// assert!(String::from_utf8(out).unwrap().starts_with("TY  - BOOK"));
    /// assert!(losses.is_empty());
    /// ```
    pub fn finish_report(mut self) -> io::Result<(W, Vec<Diagnostic>)> {
        let mut losses = Vec::new();
        if let Target::Document(format) = self.target {
            let held = std::mem::take(&mut self.held);
            let Some((text, l)) = crate::formats::write_document(format, &held) else {
                return Err(io::Error::other(format!(
                    "bibkit does not write {}",
                    format.name()
                )));
            };
            self.out.write_all(text.as_bytes())?;
            losses = l;
        }
        if self.csl() {
            self.out
                .write_all(if self.started { b"\n]\n" } else { b"[]\n" })?;
        }
        self.out.flush()?;
        Ok((self.out, losses))
    }
}
