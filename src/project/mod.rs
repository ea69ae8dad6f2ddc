//! Projects: the documents of a multi-file work and the bibliographies they name.
//!
//! People do not keep one `.bib` and one `.tex`: a thesis has chapters pulled in with
//! `\input`, `\include`, `\subfile` and `\import`, an abbreviations file and several
//! bibliographies; a pandoc or Quarto paper names its bibliographies in its front matter.
//! [`follow`] reads a main document and every file it includes, the way TeX finds them,
//! and gives the [`Graph`]: the documents in the order TeX reads them (each with what it
//! cites), the bibliographies they name in order (each file once), and findings about
//! inclusions that are missing or that form a cycle. Files come from a [`Files`]: the disk
//! ([`Disk`]) or text held in memory ([`Memory`], for tests and editors).
//!
//! ```
//! use bibkit::project::{follow, Memory};
//! let files = Memory::new([
//!     ("thesis/main.tex", "\\includeonly{chapters/ch1}\n\\include{chapters/ch1}\n\\include{chapters/ch2}\n\\bibliography{strings,refs}"),
//!     ("thesis/chapters/ch1.tex", "\\cite{knuth84} \\input{chapters/table}"),
//!     ("thesis/chapters/table.tex", "\\begin{verbatim}\\cite{not-a-citation}\\end{verbatim}"),
//! ]);
//! let graph = follow("thesis/main.tex".as_ref(), &files);
//! let names: Vec<&str> = graph.documents.iter().map(|d| d.name.as_ref()).collect();
//! assert_eq!(names, ["thesis/main.tex", "thesis/chapters/ch1.tex", "thesis/chapters/table.tex"]);
//! let cited: Vec<&str> = graph.documents.iter().flat_map(|d| &d.scan.citations).map(|c| c.key.as_str()).collect();
//! assert_eq!(cited, ["knuth84"]);
//! assert_eq!(graph.bibliographies, ["thesis/strings.bib", "thesis/refs.bib"].map(std::path::PathBuf::from));
//! assert!(graph.findings.is_empty());
//! ```

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

mod load;

pub use load::{LoadError, Source, display_name, load, load_with};

use crate::check::cited::{self, Include, IncludeKind, Kind, Scan};
use crate::diagnostic::{Diagnostic, Severity};
use crate::io::Limits;

/// Where a project's files come from.
pub trait Files {
    /// The bytes of the file at `path`, or why it cannot be read.
    fn read(&self, path: &Path) -> Result<Vec<u8>, FileError>;

    /// One name for every path to a file (on disk, the canonical path), so that a file
    /// named twice is read once; `None` when the file does not exist.
    fn identity(&self, path: &Path) -> Option<PathBuf>;

    /// Whether a file exists at `path`.
    fn exists(&self, path: &Path) -> bool {
        self.identity(path).is_some()
    }
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// There is no such file.
    Missing,
    /// It exists but could not be read (too large, not a regular file, …): the reason.
    Unreadable(String),
}

/// The files on disk, read through [`crate::io::read_input`] with these limits (files a
/// document names are read only when they are regular files).
#[derive(Debug, Clone)]
pub struct Disk {
    /// The limits every read gets.
    pub limits: Limits,
}

impl Default for Disk {
    fn default() -> Self {
        Disk {
            limits: Limits::named_by_document(),
        }
    }
}

impl Files for Disk {
    fn read(&self, path: &Path) -> Result<Vec<u8>, FileError> {
        if !path.exists() {
            return Err(FileError::Missing);
        }
        crate::io::read_input(path, &self.limits).map_err(|e| FileError::Unreadable(e.to_string()))
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }
}

/// Files held in memory, by path (compared after removing `.` and resolving `..`).
#[derive(Debug, Clone, Default)]
pub struct Memory {
    files: HashMap<PathBuf, Vec<u8>>,
}

impl Memory {
    /// Files from (path, text) pairs.
    pub fn new<P: AsRef<Path>, T: AsRef<[u8]>>(files: impl IntoIterator<Item = (P, T)>) -> Self {
        let mut m = Memory::default();
        for (p, t) in files {
            m.insert(p, t);
        }
        m
    }

    /// Adds or replaces a file.
    pub fn insert(&mut self, path: impl AsRef<Path>, text: impl AsRef<[u8]>) {
        self.files
            .insert(normalize(path.as_ref()), text.as_ref().to_vec());
    }
}

impl Files for Memory {
    fn read(&self, path: &Path) -> Result<Vec<u8>, FileError> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or(FileError::Missing)
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        let p = normalize(path);
        self.files.contains_key(&p).then_some(p)
    }
}

/// `path` with `.` removed and `..` resolved against the components before it (as far as
/// they go), without asking the file system.
///
/// ```
/// use bibkit::project::normalize;
/// assert_eq!(normalize("./thesis/chapters/../main.tex".as_ref()), std::path::PathBuf::from("thesis/main.tex"));
/// assert_eq!(normalize("../a/./b".as_ref()), std::path::PathBuf::from("../a/b"));
/// ```
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    out.iter().collect()
}

/// One document of a project.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its path (as named, joined to the directory it was named from).
    pub path: PathBuf,
    /// Its name in findings.
    pub name: Arc<str>,
    /// How it is read.
    pub kind: Kind,
    /// Its text.
    pub text: String,
    /// What it cites, names and includes.
    pub scan: Scan,
}

/// A main document and everything it reads; see the module docs.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The documents, in the order TeX reads them (the main document first), each once.
    pub documents: Vec<Document>,
    /// The bibliographies the documents name, in order, each file once (relative to the
    /// main document's directory for LaTeX, as BibTeX and biber find them; to the document
    /// for Markdown).
    pub bibliographies: Vec<PathBuf>,
    /// Inclusions that are missing (`missing-include`) or that form a cycle
    /// (`include-cycle`), and documents that could not be read.
    pub findings: Vec<Diagnostic>,
}

impl Graph {
    /// What the documents cite, one [`Scan`] per document.
    pub fn scans(&self) -> impl Iterator<Item = &Scan> {
        self.documents.iter().map(|d| &d.scan)
    }
}

/// How deep inclusions are followed.
const MAX_DEPTH: usize = 64;

/// Reads the document at `main` and every file it includes; see the module docs.
///
/// Paths are resolved as TeX resolves them: relative to the main document's directory
/// (where TeX runs), `.tex` tried first when the name has no extension (`\include` always
/// adds it). `\import{dir}{file}` reads `dir/file` and resolves the file's own inclusions
/// in `dir`; `\subimport{dir}{file}` and `\subfile{file}` do the same relative to the
/// including file's directory. `\includeonly` limits the `\include`s followed. An `.aux`
/// file's `\@input` is read relative to the main `.aux`. A Markdown document's
/// bibliographies are relative to it, and a Quarto project's `_quarto.yml` (in its
/// directory or above) adds its own.
pub fn follow(main: &Path, files: &dyn Files) -> Graph {
    let kind = Kind::from_path(main).unwrap_or(Kind::Tex);
    let mut g = Walk {
        files,
        graph: Graph::default(),
        seen: HashMap::new(),
        stack: Vec::new(),
        bib_seen: Vec::new(),
        main_dir: parent(main),
        include_only: None,
    };
    g.visit(main, kind, &parent(main), None);
    if kind == Kind::Markdown {
        g.quarto(main);
    }
    g.graph
}

/// The main document a part names (`% !TEX root = …`, `\documentclass[…]{subfiles}`),
/// resolved against the part's directory, when it names one that exists.
///
/// ```
/// use bibkit::project::{root_of, Memory};
/// let files = Memory::new([("t/main.tex", ""), ("t/ch/one.tex", "% !TEX root = ../main.tex\n")]);
/// assert_eq!(root_of("t/ch/one.tex".as_ref(), &files), Some("t/main.tex".into()));
/// ```
pub fn root_of(part: &Path, files: &dyn Files) -> Option<PathBuf> {
    let bytes = files.read(part).ok()?;
    let text = crate::source::decode_utf8_owned(bytes).text;
    let root = cited::scan(&text, Kind::Tex, None).root?;
    let base = parent(part);
    let candidates = [base.join(&root), base.join(format!("{root}.tex"))];
    candidates
        .into_iter()
        .map(|p| normalize(&p))
        .find(|p| files.exists(p))
}

fn parent(p: &Path) -> PathBuf {
    p.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A path as findings show it: without a leading `./`.
fn display(p: &Path) -> Arc<str> {
    let s = normalize(p).display().to_string();
    Arc::from(if s.is_empty() { "." } else { s.as_str() })
}

struct Walk<'f> {
    files: &'f dyn Files,
    graph: Graph,
    /// Documents read (by identity) → their index.
    seen: HashMap<PathBuf, usize>,
    /// The identities of the documents being read, outermost first.
    stack: Vec<PathBuf>,
    bib_seen: Vec<PathBuf>,
    main_dir: PathBuf,
    include_only: Option<Vec<String>>,
}

impl Walk<'_> {
    /// Reads the document at `path` (named at `from`, a document index and inclusion) and
    /// follows its inclusions; `base` is the directory its own inclusions are relative to.
    fn visit(&mut self, path: &Path, kind: Kind, base: &Path, from: Option<(usize, &Include)>) {
        let path = normalize(path);
        let Some(id) = self.files.identity(&path) else {
            self.missing(&path, from, None);
            return;
        };
        if let Some(at) = self.stack.iter().position(|s| *s == id) {
            if let Some((doc, inc)) = from {
                let chain: Vec<String> = self.stack[at..]
                    .iter()
                    .filter_map(|s| self.seen.get(s))
                    .map(|&i| format!("`{}`", self.graph.documents[i].name))
                    .collect();
                let d = at_include(
                    &self.graph.documents[doc],
                    inc,
                    "include-cycle",
                    format!(
                        "`{}` is already being read ({} → here); it is not read again",
                        inc.path,
                        chain.join(" → ")
                    ),
                );
                self.graph.findings.push(d);
            }
            return;
        }
        if self.seen.contains_key(&id) {
            // Read before, not in a cycle: its citations are counted once.
            return;
        }
        if self.stack.len() >= MAX_DEPTH {
            if let Some((doc, inc)) = from {
                let d = at_include(
                    &self.graph.documents[doc],
                    inc,
                    "include-cycle",
                    format!(
                        "inclusions nest more than {MAX_DEPTH} deep here; `{}` is not read",
                        inc.path
                    ),
                );
                self.graph.findings.push(d);
            }
            return;
        }
        let bytes = match self.files.read(&path) {
            Ok(b) => b,
            Err(FileError::Missing) => {
                self.missing(&path, from, None);
                return;
            }
            Err(FileError::Unreadable(why)) => {
                self.missing(&path, from, Some(why));
                return;
            }
        };
        let name = display(&path);
        let text = crate::source::decode_utf8_owned(bytes).text;
        let scan = cited::scan(&text, kind, Some(name.clone()));
        let index = self.graph.documents.len();
        if index == 0 && kind == Kind::Tex {
            self.include_only = scan.include_only.clone();
        }
        // Bibliographies: LaTeX's relative to where TeX runs; Markdown's, Typst's and
        // Org's to the document.
        let bib_dir = match kind {
            Kind::Markdown | Kind::Typst | Kind::Org => parent(&path),
            _ => self.main_dir.clone(),
        };
        for r in &scan.resources {
            self.add_bib(&bib_dir.join(r));
        }
        let includes = scan.includes.clone();
        self.graph.documents.push(Document {
            path: path.clone(),
            name,
            kind,
            text,
            scan,
        });
        self.seen.insert(id.clone(), index);
        self.stack.push(id);
        for inc in &includes {
            self.include(index, inc, kind, base);
        }
        self.stack.pop();
    }

    fn add_bib(&mut self, p: &Path) {
        let p = normalize(p);
        let id = self.files.identity(&p).unwrap_or_else(|| p.clone());
        if !self.bib_seen.contains(&id) {
            self.bib_seen.push(id);
            self.graph.bibliographies.push(p);
        }
    }

    /// Follows one inclusion of document `doc`.
    fn include(&mut self, doc: usize, inc: &Include, kind: Kind, base: &Path) {
        if inc.is_include {
            if let Some(only) = &self.include_only {
                let name = inc.path.trim_end_matches(".tex");
                let full = match &inc.dir {
                    Some(d) => format!("{}{name}", with_slash(d)),
                    None => name.to_string(),
                };
                if !only.iter().any(|o| *o == name || *o == full) {
                    return;
                }
            }
        }
        let (dir, next_base) = match inc.kind {
            IncludeKind::Input | IncludeKind::Include => (base.to_path_buf(), base.to_path_buf()),
            IncludeKind::AuxInput => (self.main_dir.clone(), base.to_path_buf()),
            IncludeKind::Subfile => {
                let file = base.join(&inc.path);
                (base.to_path_buf(), parent(&file))
            }
            IncludeKind::Import => {
                let d = self.main_dir.join(inc.dir.as_deref().unwrap_or(""));
                (d.clone(), d)
            }
            IncludeKind::Subimport => {
                let d = base.join(inc.dir.as_deref().unwrap_or(""));
                (d.clone(), d)
            }
        };
        let named = dir.join(&inc.path);
        let candidates: Vec<PathBuf> = match inc.kind {
            IncludeKind::AuxInput => vec![named],
            _ if inc.is_include => vec![with_tex(&named)],
            _ if has_tex_extension(&inc.path) => vec![named],
            _ => vec![with_tex(&named), named],
        };
        let found = candidates
            .iter()
            .find(|c| self.files.exists(&normalize(c)))
            .cloned();
        match found {
            Some(p) => {
                let kind = match inc.kind {
                    IncludeKind::AuxInput => Kind::Aux,
                    _ => kind,
                };
                self.visit(&p, kind, &next_base, Some((doc, inc)));
            }
            None => {
                let tried: Vec<String> =
                    candidates.iter().map(|c| display(c).to_string()).collect();
                let d = at_include(
                    &self.graph.documents[doc],
                    inc,
                    "missing-include",
                    format!(
                        "`{}` is not there (looked for {}); its citations are not checked",
                        inc.path,
                        tried.join(", ")
                    ),
                );
                self.graph.findings.push(d);
            }
        }
    }

    fn missing(&mut self, path: &Path, from: Option<(usize, &Include)>, why: Option<String>) {
        let message = match &why {
            Some(w) => format!("`{}` could not be read: {w}", display(path)),
            None => format!("`{}` is not there", display(path)),
        };
        let d = match from {
            Some((doc, inc)) => {
                at_include(&self.graph.documents[doc], inc, "missing-include", message)
            }
            None => {
                let mut d = Diagnostic::new(Severity::Error, "missing-include", message);
                d.file = Some(display(path));
                d
            }
        };
        self.graph.findings.push(d);
    }

    /// A Quarto project's `_quarto.yml` adds its `bibliography`, relative to itself.
    fn quarto(&mut self, doc: &Path) {
        if let Some((dir, bibs)) = quarto_bibliographies(doc, self.files) {
            for b in bibs {
                self.add_bib(&dir.join(b));
            }
        }
    }
}

/// The Quarto project a document belongs to: the directory of the nearest `_quarto.yml`
/// (in the document's directory or above it), with the bibliographies it names.
fn quarto_bibliographies(doc: &Path, files: &dyn Files) -> Option<(PathBuf, Vec<String>)> {
    let mut dir = parent(doc);
    for _ in 0..32 {
        if let Ok(bytes) = files.read(&dir.join("_quarto.yml")) {
            let text = crate::source::decode_utf8_owned(bytes).text;
            return Some((dir, cited::yaml_top_level_strings(&text, "bibliography")));
        }
        match dir.parent() {
            Some(p) if !dir.as_os_str().is_empty() => dir = p.to_path_buf(),
            _ => return None,
        }
    }
    None
}

fn with_slash(d: &str) -> String {
    if d.ends_with('/') {
        d.to_string()
    } else {
        format!("{d}/")
    }
}

fn has_tex_extension(p: &str) -> bool {
    Path::new(p)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tex"))
}

fn with_tex(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(".tex");
    PathBuf::from(s)
}

/// A finding at an inclusion's file name.
fn at_include(doc: &Document, inc: &Include, rule: &'static str, message: String) -> Diagnostic {
    let mut d = Diagnostic::new(Severity::Warning, rule, message)
        .at_line_col(inc.span, inc.line, inc.column);
    d.file = Some(doc.name.clone());
    d
}

/// The `[project]` table of `bibkit.toml`: which documents are the main ones (relative to
/// the file's directory), when finding them is not enough.
///
/// ```
/// use bibkit::project::ProjectConfig;
/// let c = ProjectConfig::from_toml("[project]\nmain = [\"thesis.tex\", \"paper/paper.md\"]\n").unwrap();
/// assert_eq!(c.main, ["thesis.tex", "paper/paper.md"].map(std::path::PathBuf::from));
/// assert!(ProjectConfig::from_toml("[project]\nmains = []\n").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectConfig {
    /// The main documents.
    pub main: Vec<PathBuf>,
}

impl ProjectConfig {
    /// Reads the `[project]` table (other tables are other commands').
    pub fn from_toml(text: &str) -> Result<ProjectConfig, String> {
        #[derive(Default, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            #[serde(default)]
            main: Vec<PathBuf>,
        }
        #[derive(Default, serde::Deserialize)]
        struct File {
            project: Option<Table>,
            #[serde(flatten)]
            _rest: std::collections::BTreeMap<String, toml::Value>,
        }
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        Ok(ProjectConfig {
            main: file.project.map(|t| t.main).unwrap_or_default(),
        })
    }
}

/// What [`discover`] finds in a directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// The main documents: LaTeX files with a `\documentclass` other than `subfiles`,
    /// Markdown files (`.md`, `.qmd`, `.Rmd`) whose front matter names a bibliography or
    /// that belong to a Quarto project with one, and Typst (`.typ`) and Org (`.org`) files
    /// that name a bibliography; or those `bibkit.toml` names.
    pub mains: Vec<PathBuf>,
    /// Every `.bib` file.
    pub bibliographies: Vec<PathBuf>,
}

/// Finds the documents and bibliographies of the project in `dir`, honouring `.gitignore`,
/// `.ignore` and hidden files as git does (also outside a git repository), in path order.
/// `mains`, when not empty, are the main documents instead of those found.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// std::fs::create_dir(dir.path().join("chapters"))?;
/// std::fs::write(dir.path().join("main.tex"), "\\documentclass{book}\\begin{document}\\include{chapters/one}\\end{document}")?;
/// std::fs::write(dir.path().join("chapters/one.tex"), "\\cite{a}")?;
/// std::fs::write(dir.path().join("refs.bib"), "@misc{a}")?;
/// std::fs::write(dir.path().join("old.bib"), "@misc{b}")?;
/// std::fs::write(dir.path().join(".gitignore"), "old.bib\n")?;
/// std::fs::write(dir.path().join("README.md"), "# Notes\nmail me@example.org")?;
/// let found = bibkit::project::discover(dir.path(), &[]);
/// assert_eq!(found.mains, [dir.path().join("main.tex")]);
/// assert_eq!(found.bibliographies, [dir.path().join("refs.bib")]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[cfg(feature = "walk")]
pub fn discover(dir: &Path, mains: &[PathBuf]) -> Discovered {
    let mut found = Discovered::default();
    let mut docs: Vec<PathBuf> = Vec::new();
    let walk = ignore::WalkBuilder::new(dir)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walk.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.into_path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("bib") => found.bibliographies.push(path),
            Some("tex" | "ltx" | "md" | "markdown" | "qmd" | "rmd" | "typ" | "org") => {
                docs.push(path)
            }
            _ => {}
        }
    }
    if !mains.is_empty() {
        found.mains = mains.iter().map(|m| dir.join(m)).collect();
        return found;
    }
    let disk = Disk::default();
    for doc in docs {
        let Ok(bytes) = disk.read(&doc) else {
            continue;
        };
        let text = crate::source::decode_utf8_owned(bytes).text;
        let kind = Kind::from_path(&doc).unwrap_or(Kind::Tex);
        let scan = cited::scan(&text, kind, None);
        let main = match kind {
            Kind::Markdown => {
                !scan.resources.is_empty()
                    || quarto_bibliographies(&doc, &disk).is_some_and(|(_, b)| !b.is_empty())
            }
            // Typst and Org documents that name a bibliography.
            Kind::Typst | Kind::Org => !scan.resources.is_empty(),
            // A `\documentclass`, and not a part of another document (`subfiles`).
            _ => scan.has_document_class && scan.root.is_none(),
        };
        if main {
            found.mains.push(doc);
        }
    }
    found
}
