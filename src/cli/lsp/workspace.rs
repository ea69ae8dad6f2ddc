//! The language server's view of a project: the files open in the editor over the disk,
//! the project's units (main documents with their bibliographies, lone `.bib` files), what
//! each bibliography holds and each document cites, and the findings of `check`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bibkit::check::cited::{self, Kind, Scan};
use bibkit::check::{Checker, Config, Memo};
use bibkit::diagnostic::Diagnostic;
use bibkit::edit::{BlockKind, Document};
use bibkit::fmt::FmtOptions;
use bibkit::model::{Entry, Span};
use bibkit::project::{self, Disk, FileError, Files, ProjectConfig};

/// A file open in the editor.
#[derive(Debug, Clone)]
pub(crate) struct Open {
    pub text: String,
    pub version: i32,
}

/// Files as the editor has them: the open ones, else the disk.
pub(crate) struct Overlay<'a> {
    pub open: &'a HashMap<PathBuf, Open>,
    pub disk: Disk,
}

impl Files for Overlay<'_> {
    fn read(&self, path: &Path) -> Result<Vec<u8>, FileError> {
        match self.open.get(&identity_of(path)) {
            Some(o) => Ok(o.text.clone().into_bytes()),
            None => self.disk.read(path),
        }
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        let id = identity_of(path);
        if self.open.contains_key(&id) {
            return Some(id);
        }
        self.disk.identity(path)
    }
}

/// One name for a path: the canonical path when the file exists, else the path made
/// absolute and normal (a new file not saved yet).
pub(crate) fn identity_of(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(path)
        };
        project::normalize(&abs)
    })
}

/// An entry of a bibliography, as the editor features need it.
#[derive(Debug, Clone)]
pub(crate) struct EntryInfo {
    pub key: String,
    pub kind: String,
    /// The entry's block.
    pub span: Span,
    /// Its key.
    pub key_span: Span,
    /// Its block in the document.
    pub block: usize,
    /// The entry with its key and type only (when the model has no such entry).
    bare: Entry,
}

/// A `@string` definition.
#[derive(Debug, Clone)]
pub(crate) struct StringInfo {
    pub name: String,
    pub span: Span,
    pub name_span: Span,
}

/// What one bibliography holds.
#[derive(Debug)]
pub(crate) struct Bib {
    pub text: String,
    /// The document, its entries and `@string`s: read when first asked for (the findings
    /// of an edit need only the text, which the checker reads).
    parsed: std::sync::OnceLock<Parsed>,
    /// The entries as the model reads them, by block: made when first asked for (only
    /// hover and completion need them).
    models: std::sync::OnceLock<HashMap<usize, Entry>>,
}

/// A bibliography read as a document.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub doc: Document,
    pub entries: Vec<EntryInfo>,
    pub strings: Vec<StringInfo>,
}

impl Bib {
    pub(crate) fn read(text: String) -> Bib {
        Bib {
            text,
            parsed: std::sync::OnceLock::new(),
            models: std::sync::OnceLock::new(),
        }
    }

    fn parsed(&self) -> &Parsed {
        self.parsed.get_or_init(|| Parsed::read(&self.text))
    }

    pub(crate) fn doc(&self) -> &Document {
        &self.parsed().doc
    }

    pub(crate) fn entries(&self) -> &[EntryInfo] {
        &self.parsed().entries
    }

    pub(crate) fn strings(&self) -> &[StringInfo] {
        &self.parsed().strings
    }

    /// Entry `e` (one of [`Bib::entries`]) as the model reads it.
    pub(crate) fn entry<'a>(&'a self, e: &'a EntryInfo) -> &'a Entry {
        self.models
            .get_or_init(|| self.doc().model().into_iter().collect())
            .get(&e.block)
            .unwrap_or(&e.bare)
    }
}

impl Parsed {
    fn read(text: &str) -> Parsed {
        let doc = Document::parse(text.to_string());
        let mut entries = Vec::new();
        let mut strings = Vec::new();
        for (i, b) in doc.blocks().iter().enumerate() {
            match b.kind() {
                BlockKind::Entry => {
                    let (Some(key), Some(key_span)) = (doc.key(i), b.key_span()) else {
                        continue;
                    };
                    entries.push(EntryInfo {
                        key: key.to_string(),
                        kind: doc.entry_type(i).unwrap_or("").to_ascii_lowercase(),
                        span: b.span(),
                        key_span,
                        block: i,
                        bare: Entry::new(key, doc.entry_type(i).unwrap_or("misc")),
                    });
                }
                BlockKind::String => {
                    for k in 0..b.field_count() {
                        if let (Some((name, _)), Some(ext)) =
                            (doc.field(i, k), doc.field_extent(i, k))
                        {
                            strings.push(StringInfo {
                                name: name.to_string(),
                                span: b.span(),
                                name_span: Span::new(ext.start, ext.start + name.len()),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        Parsed {
            doc,
            entries,
            strings,
        }
    }
}

/// A document of the project and what it cites.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    /// How its citations name it.
    pub name: Arc<str>,
    pub kind: Kind,
    pub text: String,
    pub scan: Scan,
}

/// Main documents checked together, with the bibliographies they name; or a `.bib` file no
/// document names.
#[derive(Debug, Clone, Default)]
pub(crate) struct Unit {
    pub bibs: Vec<PathBuf>,
    pub docs: Vec<PathBuf>,
    /// Findings about the documents' inclusions.
    pub findings: Vec<Diagnostic>,
}

/// The settings of the project's `bibkit.toml`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub check: Config,
    pub fmt: FmtOptions,
    pub project: ProjectConfig,
    pub rekey: bibkit::rekey::RekeyConfig,
    /// What was wrong with `bibkit.toml`, if anything.
    pub error: Option<String>,
}

impl Settings {
    pub(crate) fn load(root: Option<&Path>) -> Settings {
        let mut s = Settings::default();
        let Some(path) = root.map(|r| r.join("bibkit.toml")).filter(|p| p.is_file()) else {
            return s;
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                s.error = Some(format!("{}: {e}", path.display()));
                return s;
            }
        };
        let mut errors = Vec::new();
        match Config::from_toml(&text) {
            Ok(c) => s.check = c,
            Err(e) => errors.push(e.to_string()),
        }
        match FmtOptions::from_toml(&text) {
            Ok(f) => s.fmt = f,
            Err(e) => errors.push(e.to_string()),
        }
        match bibkit::rekey::RekeyConfig::from_toml(&text) {
            Ok(r) => s.rekey = r,
            Err(e) => errors.push(e),
        }
        match ProjectConfig::from_toml(&text) {
            Ok(p) => {
                s.project = p;
                // Main documents relative to the project's directory.
                if let Some(root) = root {
                    for m in &mut s.project.main {
                        if m.is_relative() {
                            *m = root.join(&*m);
                        }
                    }
                }
            }
            Err(e) => errors.push(e),
        }
        if !errors.is_empty() {
            s.error = Some(format!("{}: {}", path.display(), errors.join("; ")));
        }
        s
    }
}

/// The whole state.
#[derive(Default)]
pub(crate) struct Workspace {
    pub root: Option<PathBuf>,
    pub settings: Settings,
    pub open: HashMap<PathBuf, Open>,
    pub units: Vec<Unit>,
    memos: Vec<Memo>,
    pub bibs: BTreeMap<PathBuf, Bib>,
    pub docs: BTreeMap<PathBuf, Doc>,
    /// The project's `.bib` files and main documents on disk (found once, and again when
    /// files are created or deleted).
    found: Option<project::Discovered>,
    /// The findings of the last check, by file.
    pub findings: HashMap<PathBuf, Vec<Diagnostic>>,
}

impl Workspace {
    pub(crate) fn new(root: Option<PathBuf>) -> Workspace {
        let root = root.map(|r| identity_of(&r));
        Workspace {
            settings: Settings::load(root.as_deref()),
            root,
            ..Workspace::default()
        }
    }

    fn overlay(&self) -> Overlay<'_> {
        Overlay {
            open: &self.open,
            disk: Disk::default(),
        }
    }

    /// The text of `path` as the editor has it.
    pub(crate) fn text(&self, path: &Path) -> Option<String> {
        if let Some(o) = self.open.get(path) {
            return Some(o.text.clone());
        }
        let bytes = self.overlay().read(path).ok()?;
        Some(bibkit::source::decode_utf8_owned(bytes).text)
    }

    /// Files were created, deleted or renamed: look for the project's files again.
    pub(crate) fn rediscover(&mut self) {
        self.found = None;
    }

    /// Builds the units again from the main documents and the bibliographies, and reads
    /// every file they name (open files from the editor).
    pub(crate) fn rebuild(&mut self) {
        if self.found.is_none() {
            self.found = Some(match &self.root {
                Some(root) => project::discover(root, &self.settings.project.main),
                None => project::Discovered::default(),
            });
        }
        let found = self.found.clone().unwrap_or_default();
        let mut mains: Vec<PathBuf> = found.mains.iter().map(|p| identity_of(p)).collect();
        let mut bibs: Vec<PathBuf> = found
            .bibliographies
            .iter()
            .map(|p| identity_of(p))
            .collect();
        // Open files outside what was found: a document stands for its main document.
        for p in self.open.keys() {
            if Kind::from_path(p).is_some() {
                let main =
                    project::root_of(p, &self.overlay()).map_or(p.clone(), |m| identity_of(&m));
                if !mains.contains(&main)
                    && !self.units.iter().any(|u| u.docs.contains(p))
                    && !self.docs.contains_key(p)
                {
                    mains.push(main);
                }
            } else if is_bib(p) && !bibs.contains(p) {
                bibs.push(p.clone());
            }
        }
        let mut units: Vec<Unit> = Vec::new();
        let mut docs: BTreeMap<PathBuf, Doc> = BTreeMap::new();
        let mut named: HashSet<PathBuf> = HashSet::new();
        for main in &mains {
            let graph = project::follow(main, &self.overlay());
            let mut unit_bibs: Vec<PathBuf> = graph
                .bibliographies
                .iter()
                .map(|b| identity_of(b))
                .collect();
            unit_bibs.dedup();
            named.extend(unit_bibs.iter().cloned());
            let mut unit_docs = Vec::new();
            for d in graph.documents {
                let id = identity_of(&d.path);
                unit_docs.push(id.clone());
                docs.insert(
                    id,
                    Doc {
                        name: d.name,
                        kind: d.kind,
                        text: d.text,
                        scan: d.scan,
                    },
                );
            }
            let mut key = unit_bibs.clone();
            key.sort();
            match units.iter_mut().find(|u| {
                let mut k = u.bibs.clone();
                k.sort();
                k == key && !key.is_empty()
            }) {
                Some(u) => {
                    u.docs.extend(unit_docs);
                    u.findings.extend(graph.findings);
                }
                None => units.push(Unit {
                    bibs: unit_bibs,
                    docs: unit_docs,
                    findings: graph.findings,
                }),
            }
        }
        for b in bibs {
            if !named.contains(&b) {
                units.push(Unit {
                    bibs: vec![b],
                    ..Unit::default()
                });
            }
        }
        // Bibliographies read again only when their text changed.
        let mut kept = BTreeMap::new();
        for u in &units {
            for b in &u.bibs {
                if kept.contains_key(b) {
                    continue;
                }
                let Some(text) = self.text(b) else { continue };
                let bib = match self.bibs.remove(b) {
                    Some(old) if old.text == text => old,
                    _ => Bib::read(text),
                };
                kept.insert(b.clone(), bib);
            }
        }
        self.bibs = kept;
        self.docs = docs;
        if self.units.len() != units.len() {
            self.memos.clear();
        }
        self.units = units;
    }

    /// `path` changed in the editor: read it again (a document: its unit's structure too).
    pub(crate) fn changed(&mut self, path: &Path) {
        if is_bib(path) && self.bibs.contains_key(path) {
            if let Some(text) = self.text(path) {
                if self.bibs.get(path).is_none_or(|b| b.text != text) {
                    self.bibs.insert(path.to_path_buf(), Bib::read(text));
                }
            }
            return;
        }
        if let (Some(kind), Some(text)) = (Kind::from_path(path), self.text(path)) {
            if let Some(d) = self.docs.get_mut(path) {
                let old_includes = (d.scan.includes.len(), d.scan.resources.clone());
                d.scan = cited::scan(&text, kind, Some(d.name.clone()));
                d.text = text;
                // Inclusions or bibliographies changed: the units are built again.
                if (d.scan.includes.len(), d.scan.resources.clone()) == old_includes {
                    return;
                }
            }
        }
        self.rebuild();
    }

    /// The units that read `path`.
    pub(crate) fn units_of(&self, path: &Path) -> Vec<usize> {
        self.units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.bibs.iter().any(|b| b == path) || u.docs.iter().any(|d| d == path))
            .map(|(i, _)| i)
            .collect()
    }

    /// Checks unit `u` (only the entries that changed since its last check), keeping the
    /// findings by file; gives the files of the unit.
    pub(crate) fn check(&mut self, u: usize) -> Vec<PathBuf> {
        let Some(unit) = self.units.get(u) else {
            return Vec::new();
        };
        if self.memos.len() < self.units.len() {
            self.memos.resize_with(self.units.len(), Memo::default);
        }
        let mut checker =
            Checker::new(self.settings.check.clone()).with_memo(std::mem::take(&mut self.memos[u]));
        let mut by_name: HashMap<Arc<str>, PathBuf> = HashMap::new();
        let mut found: Vec<Diagnostic> = unit
            .findings
            .iter()
            .filter_map(|d| checker.level(d.clone()))
            .collect();
        for d in &unit.docs {
            if let Some(doc) = self.docs.get(d) {
                by_name.insert(doc.name.clone(), d.clone());
                checker.add_cited(doc.scan.clone());
            }
        }
        for b in &unit.bibs {
            let name = name_of(b);
            by_name.insert(name.clone(), b.clone());
            if let Some(bib) = self.bibs.get(b) {
                checker.add_bib(name, &bib.text);
            }
        }
        found.extend(checker.run());
        self.memos[u] = checker.take_memo();
        // `check` reports a key cited but not defined once, at its first citation; an
        // editor shows it at every citation, in every file.
        let citations: Vec<&cited::Citation> = unit
            .docs
            .iter()
            .filter_map(|d| self.docs.get(d))
            .flat_map(|d| &d.scan.citations)
            .collect();
        let mut more = Vec::new();
        for d in &found {
            if d.rule != "undefined-citation" && d.rule != "citation-case" {
                continue;
            }
            let Some(first) = citations
                .iter()
                .find(|c| c.file == d.file && c.span.start == d.span.start)
            else {
                continue;
            };
            for c in &citations {
                if c.key == first.key && !(c.file == d.file && c.span.start == d.span.start) {
                    let mut again = d.clone();
                    again.file = c.file.clone();
                    again.span = c.span;
                    again.line = c.line;
                    again.column = c.column;
                    more.push(again);
                }
            }
        }
        found.extend(more);
        let mut files: Vec<PathBuf> = unit.bibs.iter().chain(&unit.docs).cloned().collect();
        files.sort();
        files.dedup();
        for f in &files {
            self.findings.insert(f.clone(), Vec::new());
        }
        for d in found {
            let Some(path) = d.file.as_ref().and_then(|f| by_name.get(f)) else {
                continue;
            };
            self.findings.entry(path.clone()).or_default().push(d);
        }
        files
    }

    /// The entries the documents of `path`'s units can cite (for a `.bib`, its own units'),
    /// with the bibliography each is in.
    pub(crate) fn entries_for(&self, path: &Path) -> Vec<(&Path, &Bib, &EntryInfo)> {
        let mut bibs: Vec<&PathBuf> = self
            .units_of(path)
            .into_iter()
            .flat_map(|u| self.units[u].bibs.iter())
            .collect();
        bibs.dedup();
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for b in bibs {
            if let Some(bib) = self.bibs.get(b) {
                for e in bib.entries() {
                    if seen.insert((b.as_path(), e.key.as_str())) {
                        out.push((b.as_path(), bib, e));
                    }
                }
            }
        }
        out
    }

    /// The documents that can cite the entries of `path` (a `.bib`), or that share its
    /// units (a document).
    pub(crate) fn docs_for(&self, path: &Path) -> Vec<&Path> {
        self.of_units(path, |u| &u.docs)
    }

    /// The `.bib` files of the units of `path`.
    pub(crate) fn bibs_for(&self, path: &Path) -> Vec<&Path> {
        self.of_units(path, |u| &u.bibs)
    }

    /// The files `pick` takes from each unit of `path`, each once, in unit order.
    fn of_units<'a>(
        &'a self,
        path: &Path,
        pick: impl Fn(&'a Unit) -> &'a Vec<PathBuf>,
    ) -> Vec<&'a Path> {
        let mut out: Vec<&Path> = Vec::new();
        for u in self.units_of(path) {
            for f in pick(&self.units[u]) {
                if !out.contains(&f.as_path()) {
                    out.push(f);
                }
            }
        }
        out
    }
}

/// How findings and citations name a file: its path.
pub(crate) fn name_of(path: &Path) -> Arc<str> {
    Arc::from(path.to_string_lossy().as_ref())
}

pub(crate) fn is_bib(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("bib") || e.eq_ignore_ascii_case("bibtex"))
}
