//! `bibkit check`: the project's bibliographies and the citations of its documents.
//!
//! The inputs decide what is checked:
//! - no inputs, or a directory: the project found there ([`bibkit::project::discover`]);
//!   each main document with the bibliographies it names, and every other `.bib` file
//!   on its own;
//! - documents: each with the files it includes (a part that names its main document
//!   with `% !TEX root` or `subfiles` is checked as part of it), against the
//!   bibliographies they name, or those given;
//! - `.bib` files: one bibliography, in the order given.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use bibkit::check::{Checker, Config, DataModel, cited};
use bibkit::diagnostic::{Diagnostic, Severity};
use bibkit::io::Limits;
use bibkit::project::{self, Disk, Graph};

use super::args::{CheckArgs, CheckFormat, Deny, ModelArg};
use super::common::{
    EXIT_TROUBLE, display_name, encoding_arg, ensure_headroom, exit_status, human, input_limits,
    load_config, load_input, once_each, shown, write_failed,
};

/// One bibliography and the documents checked against it.
#[derive(Default)]
struct Unit {
    bibs: Vec<PathBuf>,
    /// Whether the bibliographies were named by documents (then they must be regular
    /// files).
    named: bool,
    graphs: Vec<Graph>,
}

pub(crate) fn run(args: &CheckArgs) -> ExitCode {
    if args.list_rules {
        return list_rules();
    }
    if let Some(id) = &args.explain {
        return match bibkit::check::explain_id(id) {
            Some(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!(
                    "bibkit: no rule `{}` (see `bibkit check --list-rules`)",
                    shown(id)
                );
                ExitCode::from(EXIT_TROUBLE)
            }
        };
    }
    let mut config = match load_config(args.config.as_deref(), Config::from_toml, Config::default) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Some(d) = args.deny {
        config = config.with_deny_warnings(d == Deny::Warnings);
    }
    if let Some(m) = args.model {
        config = config.with_model(match m {
            ModelArg::Auto => DataModel::Auto,
            ModelArg::Bibtex => DataModel::Bibtex,
            ModelArg::Biblatex => DataModel::Biblatex,
        });
    }
    let deny_warnings = config.deny_warnings();
    if let Err(code) = encoding_arg(args.encoding.as_deref()) {
        return code;
    }
    let limits = match input_limits(args.config.as_deref()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let units = match plan(args) {
        Ok(u) => u,
        Err(code) => return code,
    };

    let several = units.len() > 1;
    let mut findings: Vec<Diagnostic> = Vec::new();
    let mut trouble = false;
    let mut sources: HashMap<Arc<str>, String> = HashMap::new();
    let cwd = std::env::current_dir().ok();
    for unit in units {
        let mut checker = Checker::new(config.clone());
        for g in &unit.graphs {
            for d in &g.findings {
                if let Some(d) = checker.level(d.clone()) {
                    findings.push(d);
                }
            }
        }
        let mut cites = false;
        for g in unit.graphs {
            for doc in g.documents {
                cites |= !doc.scan.citations.is_empty() || doc.scan.cites_all;
                checker.add_cited(doc.scan);
                sources.insert(doc.name, doc.text);
            }
        }
        if unit.bibs.is_empty() {
            if cites {
                eprintln!(
                    "bibkit: the documents cite keys but name no bibliography (give the .bib files, or check the main document; a part can name it with `% !TEX root = main.tex`)"
                );
                trouble = true;
            }
            continue;
        }
        let bib_limits = if unit.named {
            Limits {
                regular_only: true,
                ..limits
            }
        } else {
            limits
        };
        for bib in once_each(&unit.bibs) {
            let name = display_name(bib);
            if unit.named && outside(bib, cwd.as_deref()) {
                eprintln!(
                    "bibkit: note: {} is outside the project directory; it is read as LaTeX would",
                    shown(&name)
                );
            }
            match load_input(bib, &bib_limits, args.encoding.as_deref(), args.lossy) {
                // The checker keeps the text (for the source lines of findings): no copy.
                Ok(source) => {
                    if let Err(code) = ensure_headroom(source.decoded.text.len(), 1) {
                        return code;
                    }
                    findings.extend(bibkit::source::salvage_diagnostics(
                        &source.decoded,
                        Some(name.clone()),
                    ));
                    checker.add_bib_decoded(name, source.decoded, source.encoding)
                }
                Err(()) => trouble = true,
            }
        }
        findings.extend(checker.run());
        for (name, text) in checker.into_sources() {
            sources.entry(name).or_insert(text);
        }
    }
    findings.sort_by(|a, b| {
        (a.file.as_deref(), a.line, a.column).cmp(&(b.file.as_deref(), b.line, b.column))
    });
    // A file two main documents name is checked with each: the same finding once.
    if several {
        let mut seen = std::collections::HashSet::new();
        findings.retain(|d| seen.insert(d.to_string()));
    }

    let mut out = anstream::stdout().lock();
    let written = match args.format {
        CheckFormat::Json => out.write_all(bibkit::check::output::json(&findings).as_bytes()),
        CheckFormat::Github => out.write_all(bibkit::check::output::github(&findings).as_bytes()),
        CheckFormat::Sarif => out.write_all(bibkit::check::output::sarif(&findings).as_bytes()),
        CheckFormat::Human => {
            let mut r = Ok(());
            for d in &findings {
                let src = d
                    .file
                    .as_deref()
                    .and_then(|f| sources.get(f))
                    .map(String::as_str);
                r = r.and_then(|()| writeln!(out, "{}", human(d, src)));
            }
            r
        }
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        return write_failed(&e);
    }
    if args.format == CheckFormat::Human && !findings.is_empty() {
        let count = |s: Severity| findings.iter().filter(|d| d.severity == s).count();
        let (e, w, n) = (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
        );
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        eprintln!(
            "bibkit: {}, {}, {}",
            plural(e, "error"),
            plural(w, "warning"),
            plural(n, "note")
        );
    }
    exit_status(
        trouble,
        findings
            .iter()
            .any(|d| bibkit::check::fails(d.severity, deny_warnings)),
    )
}

/// What to check, from the inputs.
fn plan(args: &CheckArgs) -> Result<Vec<Unit>, ExitCode> {
    let mut bibs: Vec<PathBuf> = Vec::new();
    let mut docs: Vec<PathBuf> = args.cited.clone();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for p in &args.inputs {
        if p.is_dir() {
            dirs.push(p.clone());
        } else if cited::Kind::from_path(p).is_some() {
            docs.push(p.clone());
        } else {
            bibs.push(p.clone());
        }
    }
    if args.inputs.is_empty() && args.cited.is_empty() {
        dirs.push(PathBuf::from("."));
    }
    let mut units = Vec::new();
    for dir in &dirs {
        units.extend(discover(dir, args.config.as_deref())?);
    }
    if docs.is_empty() && bibs.is_empty() {
        return Ok(units);
    }
    let disk = Disk::default();
    let mut graphs = Vec::new();
    for doc in &docs {
        let main = match project::root_of(doc, &disk) {
            Some(root) if !bibkit::io::same_file(&root, doc) => {
                eprintln!(
                    "bibkit: note: {} is part of {}; checking that document",
                    shown(&doc.display().to_string()),
                    shown(&root.display().to_string())
                );
                root
            }
            _ => doc.clone(),
        };
        graphs.push(project::follow(&main, &disk));
    }
    let named = bibs.is_empty();
    if named {
        for g in &graphs {
            for b in &g.bibliographies {
                if !bibs.contains(b) {
                    bibs.push(b.clone());
                }
            }
        }
    }
    units.push(Unit {
        bibs,
        named,
        graphs,
    });
    Ok(units)
}

/// The project in `dir`: each main document with its bibliographies, and every `.bib` file
/// that no main document names, on its own.
fn discover(dir: &Path, config: Option<&Path>) -> Result<Vec<Unit>, ExitCode> {
    let default_config = dir.join("bibkit.toml");
    let config_path =
        config.or_else(|| default_config.is_file().then_some(default_config.as_path()));
    let project_config = match config_path {
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|t| project::ProjectConfig::from_toml(&t))
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("bibkit: {}: {}", shown(&p.display().to_string()), shown(&e));
                return Err(ExitCode::from(EXIT_TROUBLE));
            }
        },
        None => project::ProjectConfig::default(),
    };
    let found = project::discover(dir, &project_config.main);
    let disk = Disk::default();
    let mut units = Vec::new();
    let mut named: Vec<PathBuf> = Vec::new();
    for main in &found.mains {
        let graph = project::follow(main, &disk);
        for b in &graph.bibliographies {
            if let Ok(id) = std::fs::canonicalize(b) {
                named.push(id);
            }
        }
        // Documents with the same bibliographies (the chapters of a Quarto book, papers
        // that share a `.bib`) are checked together: an entry one of them cites is used.
        let mut key = graph.bibliographies.clone();
        key.sort();
        match units.iter_mut().find(|u: &&mut Unit| {
            let mut k = u.bibs.clone();
            k.sort();
            k == key && !key.is_empty()
        }) {
            Some(u) => u.graphs.push(graph),
            None => units.push(Unit {
                bibs: graph.bibliographies.clone(),
                named: true,
                graphs: vec![graph],
            }),
        }
    }
    for bib in found.bibliographies {
        let id = std::fs::canonicalize(&bib).ok();
        if id.is_some_and(|id| named.contains(&id)) {
            continue;
        }
        units.push(Unit {
            bibs: vec![strip_dot(&bib)],
            named: false,
            graphs: Vec::new(),
        });
    }
    Ok(units)
}

/// `./refs.bib` as `refs.bib`.
fn strip_dot(p: &Path) -> PathBuf {
    p.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

/// Whether `path` lies outside the current directory.
fn outside(path: &Path, cwd: Option<&Path>) -> bool {
    let Ok(p) = std::fs::canonicalize(path) else {
        return false;
    };
    !cwd.and_then(|d| std::fs::canonicalize(d).ok())
        .is_some_and(|d| p.starts_with(d))
}

fn list_rules() -> ExitCode {
    let mut out = std::io::stdout().lock();
    for r in bibkit::check::RULES {
        let level = if r.style {
            "off (style)".to_string()
        } else {
            r.level.name().to_string()
        };
        let _ = writeln!(out, "{:<20} {:<12} {}", r.id, level, r.summary);
    }
    ExitCode::SUCCESS
}
