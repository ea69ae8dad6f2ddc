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
pub mod output;
mod rules;

use std::collections::HashMap;
use std::sync::Arc;

pub use config::{Config, ConfigError, DataModel};
pub use rules::{Example, Level, RULES, Rule, explain, rule};

use crate::diagnostic::{Diagnostic, LineIndex, Severity};
use crate::formats::bibtex;
use crate::model::{Entry, Span, Value};
use cited::{Citation, Scan};

/// One bibliography being checked.
struct Bib {
    file: Option<Arc<str>>,
    text: String,
    lines: LineIndex,
    entries: Vec<Entry>,
    reader: Vec<Diagnostic>,
}

/// Runs the checks. See the module docs.
pub struct Checker {
    config: Config,
    bibs: Vec<Bib>,
    cited: Vec<Scan>,
    extra: Vec<Diagnostic>,
}

impl Checker {
    /// A checker with this configuration.
    pub fn new(config: Config) -> Self {
        Checker {
            config,
            bibs: Vec::new(),
            cited: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// Adds a bibliography.
    pub fn add_bib(&mut self, file: impl Into<Arc<str>>, text: &str) {
        self.add_bib_text(Some(file.into()), text);
    }

    /// Adds a bibliography from bytes: invalid UTF-8 is an `invalid-encoding` finding at
    /// its position (the entries around it are still checked).
    pub fn add_bib_bytes(&mut self, file: impl Into<Arc<str>>, bytes: &[u8]) {
        let file = file.into();
        let decoded = crate::source::decode_utf8(bytes);
        self.extra.extend(crate::source::invalid_diagnostics(
            &decoded,
            Some(file.clone()),
            None,
        ));
        self.add_bib_text(Some(file), &decoded.text);
    }

    fn add_bib_text(&mut self, file: Option<Arc<str>>, text: &str) {
        let mut reader = bibtex::Reader::new();
        if let Some(f) = &file {
            reader = reader.file(f.clone());
        }
        let parsed = reader.read(text);
        self.bibs.push(Bib {
            file,
            text: text.to_string(),
            lines: LineIndex::new(text),
            entries: parsed.bibliography.entries,
            reader: parsed.diagnostics,
        });
    }

    /// Adds what a document cites.
    pub fn add_cited(&mut self, scan: Scan) {
        self.cited.push(scan);
    }

    /// Runs every rule that is on and returns the findings, by file and position.
    pub fn run(&self) -> Vec<Diagnostic> {
        let mut out = Findings {
            config: &self.config,
            list: Vec::new(),
        };
        for d in &self.extra {
            out.push_diag(d.clone(), "invalid-encoding");
        }
        for bib in &self.bibs {
            self.reader_findings(bib, &mut out);
            let model = self
                .config
                .model_for(config::uses_biblatex(&bib.entries, bib.field_names()));
            for e in &bib.entries {
                if self.ignored(&e.key) {
                    continue;
                }
                let own = own_fields(e);
                fields::check_entry(bib, e, &own, model, &mut out);
            }
        }
        self.duplicate_keys(&mut out);
        self.duplicate_entries(&mut out);
        self.citations(&mut out);
        let mut list = out.list;
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
    fn reader_findings(&self, bib: &Bib, out: &mut Findings<'_>) {
        for d in &bib.reader {
            if d.key.as_deref().is_some_and(|k| self.ignored(k)) {
                continue;
            }
            let rule = match d.rule {
                "syntax" => "syntax",
                "missing-key" => "missing-key",
                "duplicate-field" => "duplicate-field",
                "undefined-macro" => "undefined-macro",
                "macro-too-large" => "macro-too-large",
                "entries-in-comment" => "entries-in-comment",
                "crossref" => "missing-crossref",
                "name" => "invalid-name",
                // Duplicate keys are found across all files, and dates by their own rules.
                _ => continue,
            };
            out.push_diag(d.clone(), rule);
        }
    }

    fn duplicate_keys(&self, out: &mut Findings<'_>) {
        let mut seen: HashMap<String, (Option<Arc<str>>, u32)> = HashMap::new();
        for bib in &self.bibs {
            for e in &bib.entries {
                if e.key.is_empty() || self.ignored(&e.key) {
                    continue;
                }
                let (line, column) = e.origin.as_ref().map_or((0, 0), |o| (o.line, o.column));
                match seen.get(&e.key.to_lowercase()) {
                    Some((f, l)) => {
                        let place = match f {
                            Some(f) => format!("{f}:{l}"),
                            None => format!("line {l}"),
                        };
                        out.push(
                            "duplicate-key",
                            format!("duplicate key `{}`: already defined at {place}", e.key),
                            bib.file.clone(),
                            entry_span(e),
                            (line, column),
                            Some(&e.key),
                        );
                    }
                    None => {
                        seen.insert(e.key.to_lowercase(), (bib.file.clone(), line));
                    }
                }
            }
        }
    }

    fn duplicate_entries(&self, out: &mut Findings<'_>) {
        if !out.on("duplicate-entry") {
            return;
        }
        let mut by_doi: HashMap<String, &Entry> = HashMap::new();
        let mut by_work: HashMap<(String, i64), Vec<(&Entry, String)>> = HashMap::new();
        for bib in &self.bibs {
            for e in &bib.entries {
                if self.ignored(&e.key) || !own_fields(e).contains(&"doi") && fields::is_child(e) {
                    continue;
                }
                let pos = e.origin.as_ref().map_or((0, 0), |o| (o.line, o.column));
                if let Some(Value::Verbatim(doi)) = e.get("doi") {
                    let doi = bibtex::normalize_doi(doi).to_lowercase();
                    if !doi.is_empty() {
                        if let Some(first) = by_doi.get(&doi) {
                            out.push(
                                "duplicate-entry",
                                format!("`{}` has the same DOI as `{}` ({doi})", e.key, first.key),
                                bib.file.clone(),
                                entry_span(e),
                                pos,
                                Some(&e.key),
                            );
                            continue;
                        }
                        by_doi.insert(doi, e);
                    }
                }
                // Related entries (`related`, sets) are different works on purpose.
                if e.get("related").is_some() || e.get("entryset").is_some() {
                    continue;
                }
                let Some(work) = fields::work_key(e) else {
                    continue;
                };
                let title = fields::title_key(e);
                if title.len() < 8 {
                    continue;
                }
                let same = by_work.entry(work).or_default();
                if let Some((first, _)) = same.iter().find(|(other, t)| {
                    !other.key.eq_ignore_ascii_case(&e.key)
                        && fields::same_kind(e, other)
                        && fields::same_numbers(e, other)
                        && strsim::normalized_levenshtein(t, &title) >= 0.9
                }) {
                    out.push(
                        "duplicate-entry",
                        format!(
                            "`{}` looks like `{}`: the same first author, year and title",
                            e.key, first.key
                        ),
                        bib.file.clone(),
                        entry_span(e),
                        pos,
                        Some(&e.key),
                    );
                } else {
                    same.push((e, title));
                }
            }
        }
    }

    fn citations(&self, out: &mut Findings<'_>) {
        if self.cited.is_empty() {
            return;
        }
        // Keys as written, and by lowercase.
        let mut exact: HashMap<&str, usize> = HashMap::new();
        let mut caseless: HashMap<String, &str> = HashMap::new();
        let mut entries: Vec<(&Bib, &Entry)> = Vec::new();
        for bib in &self.bibs {
            for e in &bib.entries {
                exact.entry(e.key.as_str()).or_insert(entries.len());
                caseless.entry(e.key.to_lowercase()).or_insert(&e.key);
                entries.push((bib, e));
            }
        }
        let mut used = vec![false; entries.len()];
        let mut all = false;
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
            }
        }
        if all || !out.on("unused-entry") {
            return;
        }
        // Entries that a cited entry inherits from are used too.
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..entries.len() {
                if !used[i] {
                    continue;
                }
                for parent in fields::parents(entries[i].1) {
                    let p = exact.get(parent.as_str()).or_else(|| {
                        caseless
                            .get(&parent.to_lowercase())
                            .and_then(|k| exact.get(k))
                    });
                    if let Some(&p) = p {
                        if !used[p] {
                            used[p] = true;
                            changed = true;
                        }
                    }
                }
            }
        }
        for (i, (bib, e)) in entries.iter().enumerate() {
            if used[i] || e.key.is_empty() || self.ignored(&e.key) || e.kind == "xdata" {
                continue;
            }
            let pos = e.origin.as_ref().map_or((0, 0), |o| (o.line, o.column));
            out.push(
                "unused-entry",
                format!("`{}` is not cited", e.key),
                bib.file.clone(),
                entry_span(e),
                pos,
                Some(&e.key),
            );
        }
    }
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

    /// Adds a finding of `rule` at its configured level (nothing when it is off).
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

/// The fields written in the entry itself (not inherited through `crossref` or `xdata`).
fn own_fields(e: &Entry) -> Vec<&str> {
    let span = entry_span(e);
    e.fields
        .iter()
        .filter(|f| {
            f.span
                .is_some_and(|s| s.start >= span.start && s.end <= span.end)
        })
        .map(|f| f.name.as_ref())
        .collect()
}

impl Bib {
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

    /// The field names as written in the source.
    fn field_names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().flat_map(|e| {
            e.fields.iter().filter_map(|f| {
                let s = f.span?;
                let t = self.text.get(s.start..s.end)?;
                Some(
                    t.split(|c: char| c == '=' || c.is_whitespace())
                        .next()
                        .unwrap_or(""),
                )
            })
        })
    }

    fn line_col(&self, at: usize) -> (u32, u32) {
        self.lines.line_col(&self.text, at)
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
        if let Some(tex) = ex.tex {
            c.add_cited(cited::scan(
                tex,
                cited::Kind::Tex,
                Some("example.tex".into()),
            ));
        }
        c.run()
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
            );
        }
    }
}
