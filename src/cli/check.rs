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

use bibkit::check::{Checker, Config, DataModel, Memo, cited};
use bibkit::diagnostic::{Applicability, Diagnostic, Severity};
use bibkit::io::Limits;
use bibkit::project::{self, Disk, Graph};

use super::args::{CheckArgs, CheckFormat, Deny, ModelArg};
use super::common::{
    EXIT_TROUBLE, display_name, encoding_arg, ensure_headroom, exit_status, human, input_limits,
    load_config, load_input, once_each, shown, write_failed,
};

/// One bibliography and the documents checked against it.
#[derive(Default, Clone)]
pub(super) struct Unit {
    pub(super) bibs: Vec<PathBuf>,
    /// Whether the bibliographies were named by documents (then they must be regular
    /// files).
    pub(super) named: bool,
    pub(super) graphs: Vec<Graph>,
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
    let units = match plan(
        &args.inputs,
        &args.cited,
        args.config.as_deref(),
        "checking",
    ) {
        Ok(u) => u,
        Err(code) => return code,
    };
    if args.fix || args.diff {
        return fix_and_report(args, &config, &limits, units);
    }
    let none = HashMap::new();
    let round = match check_round(args, &config, &limits, units, HashMap::new(), &none, None) {
        Ok(r) => r,
        Err(code) => return code,
    };
    report(args, &round, deny_warnings, None)
}

/// What one check of every unit found.
struct Round {
    findings: Vec<Diagnostic>,
    /// The text of every file read, by name.
    sources: HashMap<Arc<str>, String>,
    /// The bibliographies read: name, path, and the encoding they were read in.
    bibs: Vec<(Arc<str>, PathBuf, Option<&'static str>)>,
    trouble: bool,
}

/// Checks every unit; a bibliography in `overrides` (by path) is checked with that text
/// instead of what is on disk (the text after fixes), read from the encoding `encodings`
/// gives it; with `memos`, each unit's checker remembers what the last round found (see
/// [`Memo`]).
fn check_round(
    args: &CheckArgs,
    config: &Config,
    limits: &Limits,
    units: Vec<Unit>,
    mut overrides: HashMap<PathBuf, String>,
    encodings: &HashMap<PathBuf, Option<&'static str>>,
    mut memos: Option<&mut Vec<Memo>>,
) -> Result<Round, ExitCode> {
    let dedupe = load_config(
        args.config.as_deref(),
        bibkit::dedupe::DedupeConfig::from_toml,
        bibkit::dedupe::DedupeConfig::default,
    )?;
    let mut overridden: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let several = units.len() > 1;
    let mut findings: Vec<Diagnostic> = Vec::new();
    let mut trouble = false;
    let mut sources: HashMap<Arc<str>, String> = HashMap::new();
    let mut read: Vec<(Arc<str>, PathBuf, Option<&'static str>)> = Vec::new();
    let cwd = std::env::current_dir().ok();
    for (u, unit) in units.into_iter().enumerate() {
        let mut checker = Checker::new(config.clone()).with_dedupe(dedupe.clone());
        // What the last round found about the entries of this unit, to check only the
        // entries that changed.
        if let Some(memos) = memos.as_deref_mut() {
            if memos.len() <= u {
                memos.resize_with(u + 1, Memo::default);
            }
            checker = checker.with_memo(std::mem::take(&mut memos[u]));
        }
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
                ..*limits
            }
        } else {
            *limits
        };
        for bib in once_each(&unit.bibs) {
            let name = display_name(bib);
            // A fixed text is checked instead of the file; it moves into the checker (a
            // file that another unit reads too is copied from what the first one read).
            let fixed = match overrides.remove(bib) {
                Some(text) => Some(text),
                None if overridden.contains(bib) => sources.get(&name).cloned(),
                None => None,
            };
            if let Some(text) = fixed {
                overridden.insert(bib.clone());
                let enc = read
                    .iter()
                    .find(|(_, p, _)| p == bib)
                    .and_then(|(_, _, e)| *e)
                    .or_else(|| encodings.get(bib).copied().flatten());
                let decoded = bibkit::source::Decoded {
                    text,
                    ..Default::default()
                };
                if !read.iter().any(|(_, p, _)| p == bib) {
                    read.push((name.clone(), bib.clone(), enc));
                }
                checker.add_bib_decoded(name, decoded, enc);
                continue;
            }
            if unit.named && outside(bib, cwd.as_deref()) {
                eprintln!(
                    "bibkit: note: {} is outside the project directory; it is read as LaTeX would",
                    shown(&name)
                );
            }
            match load_input(bib, &bib_limits, args.encoding.as_deref(), args.lossy) {
                // The checker keeps the text (for the source lines of findings): no copy.
                Ok(source) => {
                    ensure_headroom(source.decoded.text.len(), 1)?;
                    findings.extend(bibkit::source::salvage_diagnostics(
                        &source.decoded,
                        Some(name.clone()),
                    ));
                    if !read.iter().any(|(_, p, _)| p == bib) {
                        read.push((name.clone(), bib.clone(), source.encoding));
                    }
                    checker.add_bib_decoded(name, source.decoded, source.encoding)
                }
                Err(()) => trouble = true,
            }
        }
        findings.extend(checker.run());
        if let Some(memos) = memos.as_deref_mut() {
            memos[u] = checker.take_memo();
        }
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
    Ok(Round {
        findings,
        sources,
        bibs: read,
        trouble,
    })
}

/// A fixed file as it was first read.
struct Original {
    name: Arc<str>,
    text: String,
    encoding: Option<&'static str>,
}

/// What `--fix` did, for the summary.
struct Fixed {
    fixes: usize,
    files: usize,
}

/// Prints the findings and the summary; the exit status.
fn report(args: &CheckArgs, round: &Round, deny_warnings: bool, fixed: Option<Fixed>) -> ExitCode {
    let findings = &round.findings;
    let mut out = anstream::stdout().lock();
    let written = match args.format {
        CheckFormat::Json => out.write_all(bibkit::check::output::json(findings).as_bytes()),
        CheckFormat::Github => out.write_all(bibkit::check::output::github(findings).as_bytes()),
        CheckFormat::Sarif => out.write_all(bibkit::check::output::sarif(findings).as_bytes()),
        CheckFormat::Human => {
            let mut r = Ok(());
            for d in findings {
                let src = d
                    .file
                    .as_deref()
                    .and_then(|f| round.sources.get(f))
                    .map(String::as_str);
                r = r.and_then(|()| writeln!(out, "{}", human(d, src)));
            }
            r
        }
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        return write_failed(&e);
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    if let Some(f) = &fixed {
        let verb = if args.diff { "would fix" } else { "fixed" };
        eprintln!(
            "bibkit: {verb} {} in {}; {} remain",
            plural(f.fixes, "finding"),
            plural(f.files, "file"),
            findings.len()
        );
    }
    if args.format == CheckFormat::Human && !findings.is_empty() {
        let count = |s: Severity| findings.iter().filter(|d| d.severity == s).count();
        let (e, w, n) = (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
        );
        let fixable = findings.iter().filter(|d| d.fix.is_some()).count();
        let hint = if fixable > 0 && fixed.is_none() {
            let safe = findings
                .iter()
                .filter(|d| {
                    d.fix
                        .as_ref()
                        .is_some_and(|f| f.applicability == Applicability::Safe)
                })
                .count();
            if safe == fixable {
                format!(" ({safe} fixable with `--fix`)")
            } else {
                format!(
                    " ({safe} fixable with `--fix`, {} more with `--fix --unsafe-fixes`)",
                    fixable - safe
                )
            }
        } else {
            String::new()
        };
        eprintln!(
            "bibkit: {}, {}, {}{hint}",
            plural(e, "error"),
            plural(w, "warning"),
            plural(n, "note")
        );
    }
    exit_status(
        round.trouble,
        findings
            .iter()
            .any(|d| bibkit::check::fails(d.severity, deny_warnings)),
    )
}

/// The rules whose findings mean a file is not read as written: it is never rewritten.
const UNSAFE_TO_WRITE: &[&str] = &["syntax", "invalid-encoding", "lossy-byte", "escaped-brace"];

/// How many rounds of fixing at most (a fix can make another possible: two findings
/// about one value are fixed one after the other).
const ROUNDS: usize = 8;

/// `--fix` and `--diff`: check, fix what can be fixed, check again, until nothing more
/// is fixed; then write the files (or print the diff) and report what remains.
fn fix_and_report(
    args: &CheckArgs,
    config: &Config,
    limits: &Limits,
    units: Vec<Unit>,
) -> ExitCode {
    // A file that `bibkit fmt` would leave alone stays so.
    let fmt_opts = match load_config(
        args.config.as_deref(),
        bibkit::fmt::FmtOptions::from_toml,
        bibkit::fmt::FmtOptions::default,
    ) {
        Ok(o) => o,
        Err(code) => return code,
    };
    // The fixed texts to check in the next round, by path.
    let mut overrides: HashMap<PathBuf, String> = HashMap::new();
    // The text each fixed file had when first read, by path.
    let mut originals: HashMap<PathBuf, Original> = HashMap::new();
    let mut encodings: HashMap<PathBuf, Option<&'static str>> = HashMap::new();
    let mut fixes = 0;
    let mut refused: Vec<Arc<str>> = Vec::new();
    let mut round = None;
    // Each round checks again only the entries the fixes changed (and every rule across
    // entries).
    let mut memos: Vec<Memo> = Vec::new();
    for _ in 0..ROUNDS {
        let mut r = match check_round(
            args,
            config,
            limits,
            units.clone(),
            std::mem::take(&mut overrides),
            &encodings,
            Some(&mut memos),
        ) {
            Ok(r) => r,
            Err(code) => return code,
        };
        let fixable = |d: &Diagnostic| {
            d.fix.as_ref().is_some_and(|f| {
                args.unsafe_fixes || f.applicability == bibkit::diagnostic::Applicability::Safe
            })
        };
        for (name, path, enc) in r.bibs.clone() {
            let mine = || {
                r.findings
                    .iter()
                    .filter(|d| d.file.as_deref() == Some(&*name))
            };
            if !mine().any(fixable) {
                continue;
            }
            if path.as_os_str() == "-" || mine().any(|d| UNSAFE_TO_WRITE.contains(&d.rule)) {
                if !refused.contains(&name) {
                    refused.push(name.clone());
                }
                continue;
            }
            let Some(text) = r.sources.get(&name) else {
                continue;
            };
            // The records the fixes change are checked again on their own and fixed until
            // nothing more is; the next round checks everything once more.
            let applied =
                bibkit::check::fix::converge(text, mine(), config, args.unsafe_fixes, &fmt_opts);
            if applied.fixed == 0 {
                continue;
            }
            fixes += applied.fixed;
            // This round is not the last: what it read moves (the first time, into what
            // the file was).
            if let Some(text) = r.sources.remove(&name) {
                originals.entry(path.clone()).or_insert(Original {
                    name: name.clone(),
                    text,
                    encoding: enc,
                });
            }
            encodings.entry(path.clone()).or_insert(enc);
            overrides.insert(path, applied.text);
        }
        let done = overrides.is_empty();
        round = Some(r);
        if done {
            break;
        }
    }
    let Some(mut round) = round else {
        return ExitCode::from(EXIT_TROUBLE);
    };
    for name in &refused {
        eprintln!(
            "bibkit: note: {} is not fixed: it has syntax or encoding errors, which come first",
            shown(name)
        );
    }
    // A fixed text with errors that make a file unsafe to write (a fix gone wrong) is
    // not written.
    let broken: Vec<&Arc<str>> = round
        .findings
        .iter()
        .filter(|d| UNSAFE_TO_WRITE.contains(&d.rule))
        .filter_map(|d| d.file.as_ref())
        .collect();
    // What was last checked is what is written (fixes made after the last round, when
    // every round fixed something, are not).
    let mut changed: Vec<(&PathBuf, &Original)> = Vec::new();
    for (p, o) in &originals {
        if round.sources.get(&o.name).is_none_or(|new| o.text == *new) {
            continue;
        }
        if broken.contains(&&o.name) {
            eprintln!(
                "bibkit: {}: not fixed: the fixes would give it syntax errors (please report this)",
                shown(&o.name)
            );
            round.trouble = true;
            continue;
        }
        changed.push((p, o));
    }
    changed.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    if args.diff {
        let mut out = std::io::stdout().lock();
        for (_, o) in &changed {
            let new = round.sources.get(&o.name).map_or("", String::as_str);
            if let Err(e) = write_diff(&mut out, &o.name, &o.text, new) {
                return write_failed(&e);
            }
        }
    } else {
        for (path, o) in &changed {
            // The text moves into the writer and back (the report prints from it).
            let Some(new) = round.sources.remove(&o.name) else {
                continue;
            };
            let (new, saved) = save_fixed(path, &o.text, new, o.encoding);
            round.sources.insert(o.name.clone(), new);
            if let Err(e) = saved {
                eprintln!("bibkit: {}: not fixed: {}", shown(&o.name), shown(&e));
                round.trouble = true;
            }
        }
    }
    let files = changed.len();
    let deny_warnings = config.deny_warnings();
    report(args, &round, deny_warnings, Some(Fixed { fixes, files }))
}

/// Writes the fixed text of `path` through the library's atomic writer: the file is read
/// again and must still be what was checked, and is written in its own encoding and with
/// its byte-order mark. Gives `new` back.
fn save_fixed(
    path: &Path,
    old: &str,
    new: String,
    enc: Option<&str>,
) -> (String, Result<(), String>) {
    let doc = match std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| bibkit::edit::Document::from_bytes(&b, enc).map_err(|e| e.to_string()))
    {
        Ok(doc) => doc,
        Err(e) => return (new, Err(e)),
    };
    if doc.text() != old {
        return (new, Err("it changed while it was checked".into()));
    }
    let doc = doc.with_text(new);
    let saved = doc.save(path).map_err(|e| e.to_string());
    (doc.into_text(), saved)
}

/// A unified diff of one file's fixes, with control characters escaped.
pub(super) fn write_diff(
    w: &mut dyn Write,
    name: &str,
    old: &str,
    new: &str,
) -> std::io::Result<()> {
    let diff = similar::TextDiff::from_lines(old, new);
    let name = shown(name);
    writeln!(w, "--- a/{name}")?;
    writeln!(w, "+++ b/{name}")?;
    for group in diff.grouped_ops(3) {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let (o0, o1) = (first.old_range().start, last.old_range().end);
        let (n0, n1) = (first.new_range().start, last.new_range().end);
        writeln!(w, "@@ -{},{} +{},{} @@", o0 + 1, o1 - o0, n0 + 1, n1 - n0)?;
        for op in &group {
            for change in diff.iter_changes(op) {
                let tag = match change.tag() {
                    similar::ChangeTag::Equal => ' ',
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                };
                let line = change.value();
                let body = line.trim_end_matches(['\n', '\r']);
                writeln!(w, "{tag}{}", escape_keeping_tabs(body))?;
                if change.missing_newline() {
                    writeln!(w, "\\ No newline at end of file")?;
                }
            }
        }
    }
    Ok(())
}

/// A line of a file, safe to print: control characters but tabs escaped.
fn escape_keeping_tabs(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\t') {
        return shown(s);
    }
    std::borrow::Cow::Owned(
        s.split('\t')
            .map(|p| shown(p).into_owned())
            .collect::<Vec<_>>()
            .join("\t"),
    )
}

/// What to check, from the inputs.
pub(super) fn plan(
    inputs: &[PathBuf],
    cited: &[PathBuf],
    config: Option<&Path>,
    doing: &str,
) -> Result<Vec<Unit>, ExitCode> {
    let mut bibs: Vec<PathBuf> = Vec::new();
    let mut docs: Vec<PathBuf> = cited.to_vec();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for p in inputs {
        if p.is_dir() {
            dirs.push(p.clone());
        } else if cited::Kind::from_path(p).is_some() {
            docs.push(p.clone());
        } else {
            bibs.push(p.clone());
        }
    }
    if inputs.is_empty() && cited.is_empty() {
        dirs.push(PathBuf::from("."));
    }
    let mut units = Vec::new();
    for dir in &dirs {
        units.extend(discover(dir, config)?);
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
                    "bibkit: note: {} is part of {}; {doing} that document",
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
        let fix = bibkit::check::fix_of(r.id).map_or("", |f| match f.applicability {
            "safe" => "fix",
            "unsafe" => "fix (unsafe)",
            _ => "fix (some unsafe)",
        });
        let _ = writeln!(out, "{:<20} {:<12} {:<17} {}", r.id, level, fix, r.summary);
    }
    ExitCode::SUCCESS
}
