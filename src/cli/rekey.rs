//! `bibkit rekey` and `bibkit rename`: new keys in the bibliographies, and (with
//! `--rewrite`) in every document that cites them, all files changed together.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use bibkit::check::cited::Kind;
use bibkit::edit::Document;
use bibkit::io::Snapshot;
use bibkit::rekey::{Map, Options, Pattern, RekeyConfig, Rename, plan, rewrite_bib};

use super::args::{RekeyArgs, RenameArgs, WriteArgs};
use super::check::{plan as plan_units, write_diff};
use super::common::{EXIT_TROUBLE, display_name, input_limits, load_config, shown, write_failed};

/// What a project is made of, for re-keying: its bibliographies (read, in order) and
/// its documents.
pub(super) struct Project {
    pub(super) bibs: Vec<Bib>,
    docs: Vec<Doc>,
}

pub(super) struct Bib {
    pub(super) name: Arc<str>,
    snapshot: Snapshot,
    pub(super) doc: Document,
}

pub(super) struct Doc {
    name: Arc<str>,
    path: PathBuf,
    kind: Kind,
}

pub(crate) fn run_rekey(args: &RekeyArgs) -> ExitCode {
    let config = match load_config(
        args.out.config.as_deref(),
        RekeyConfig::from_toml,
        RekeyConfig::default,
    ) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let project = match read_project(&args.inputs, &args.out) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let bibs: Vec<(Arc<str>, &Document)> = project
        .bibs
        .iter()
        .map(|b| (b.name.clone(), &b.doc))
        .collect();
    let renames = if let Some(path) = &args.from_map {
        let pairs = match read_map(path) {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "bibkit: {}: {}",
                    shown(&path.display().to_string()),
                    shown(&e)
                );
                return ExitCode::from(EXIT_TROUBLE);
            }
        };
        match renames_of(&bibs, &pairs) {
            Ok(r) => r,
            Err(code) => return code,
        }
    } else {
        let text = args
            .pattern
            .clone()
            .or(config.pattern.clone())
            .unwrap_or_else(|| bibkit::rekey::DEFAULT_PATTERN.to_string());
        let pattern = match Pattern::parse(&text) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("bibkit: --pattern: {}", shown(&e.to_string()));
                return ExitCode::from(EXIT_TROUBLE);
            }
        };
        let options = Options::new(pattern)
            .pin(config.pin.iter().cloned())
            .only(args.only.iter().cloned());
        plan(&bibs, &options)
    };
    finish(&project, &renames, &args.out, args.map.as_ref())
}

pub(crate) fn run_rename(args: &RenameArgs) -> ExitCode {
    let project = match read_project(&args.inputs, &args.out) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let bibs: Vec<(Arc<str>, &Document)> = project
        .bibs
        .iter()
        .map(|b| (b.name.clone(), &b.doc))
        .collect();
    let renames = match renames_of(&bibs, &[(args.old.clone(), args.new.clone())]) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if renames.is_empty() {
        eprintln!(
            "bibkit: no bibliography has an entry `{}`",
            shown(&args.old)
        );
        return ExitCode::from(EXIT_TROUBLE);
    }
    finish(&project, &renames, &args.out, None)
}

/// The bibliographies and documents of the inputs (as `bibkit check` finds them).
pub(super) fn read_project(inputs: &[PathBuf], out: &WriteArgs) -> Result<Project, ExitCode> {
    let limits = input_limits(out.config.as_deref())?;
    let units = plan_units(inputs, &[], out.config.as_deref(), "re-keying")?;
    let mut bib_paths: Vec<PathBuf> = Vec::new();
    let mut docs: Vec<Doc> = Vec::new();
    for u in &units {
        for b in &u.bibs {
            if !bib_paths
                .iter()
                .any(|p| bibkit::io::same_file(p, b) || p == b)
            {
                bib_paths.push(b.clone());
            }
        }
        for g in &u.graphs {
            for d in &g.documents {
                if !docs.iter().any(|x| x.path == d.path) {
                    docs.push(Doc {
                        name: d.name.clone(),
                        path: d.path.clone(),
                        kind: d.kind,
                    });
                }
            }
        }
    }
    if out.rewrite && docs.is_empty() {
        eprintln!(
            "bibkit: note: --rewrite: no documents were found (give them, or the project directory)"
        );
    }
    let mut bibs = Vec::new();
    let mut trouble = false;
    for path in bib_paths {
        let name = display_name(&path);
        let snapshot = match Snapshot::read(&path, &limits) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("bibkit: {e}");
                trouble = true;
                continue;
            }
        };
        let doc = match Document::from_bytes(snapshot.bytes(), None) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("bibkit: {}: {}", shown(&name), shown(&e.to_string()));
                trouble = true;
                continue;
            }
        };
        // A file that is not read whole is never rewritten.
        if doc.errors() > 0 {
            eprintln!(
                "bibkit: {}: has syntax errors (see `bibkit check`); no key is changed",
                shown(&name)
            );
            trouble = true;
            continue;
        }
        bibs.push(Bib {
            name,
            snapshot,
            doc,
        });
    }
    if trouble {
        return Err(ExitCode::from(EXIT_TROUBLE));
    }
    Ok(Project { bibs, docs })
}

/// A JSON object of old → new keys, in order.
fn read_map(path: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(o) = value else {
        return Err("not a JSON object of old → new keys".into());
    };
    o.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k, s)),
            _ => Err(format!("`{k}`: the new key is not a string")),
        })
        .collect()
}

/// The renames a list of (old, new) keys makes: each old key's first entry (the one
/// citations find). New keys must be keys and must not be taken by an entry that keeps
/// its key.
fn renames_of(
    bibs: &[(Arc<str>, &Document)],
    pairs: &[(String, String)],
) -> Result<Vec<Rename>, ExitCode> {
    let mut renames = Vec::new();
    for (old, new) in pairs {
        if old == new {
            continue;
        }
        if !bibkit::rekey::valid_key(new) {
            eprintln!(
                "bibkit: `{}` is not a key bibkit writes (letters, digits and `_-:./+`)",
                shown(new)
            );
            return Err(ExitCode::from(EXIT_TROUBLE));
        }
        let found = bibs
            .iter()
            .enumerate()
            .find_map(|(b, (_, d))| d.find(old).first().map(|&i| (b, i)));
        if let Some((bib, block)) = found {
            renames.push(Rename {
                bib,
                block,
                old: bibs[bib].1.key(block).unwrap_or(old).to_string(),
                new: new.clone(),
            });
        }
    }
    // A new key no other entry keeps.
    let renamed: std::collections::HashSet<(usize, usize)> =
        renames.iter().map(|r| (r.bib, r.block)).collect();
    for r in &renames {
        for (b, (name, d)) in bibs.iter().enumerate() {
            for i in d.find(&r.new) {
                if !renamed.contains(&(b, i)) {
                    eprintln!(
                        "bibkit: `{}` is already the key of an entry in {}; nothing is renamed",
                        shown(&r.new),
                        shown(name)
                    );
                    return Err(ExitCode::from(EXIT_TROUBLE));
                }
            }
        }
    }
    let mut news: Vec<String> = renames.iter().map(|r| r.new.to_lowercase()).collect();
    news.sort();
    if news.windows(2).any(|w| w[0] == w[1]) {
        eprintln!("bibkit: two entries would get the same key; nothing is renamed");
        return Err(ExitCode::from(EXIT_TROUBLE));
    }
    Ok(renames)
}

/// One file's new bytes.
struct Changed {
    name: Arc<str>,
    snapshot: Snapshot,
    old: String,
    new: String,
    bytes: Vec<u8>,
}

/// Applies the renames, then prints, diffs or writes.
fn finish(
    project: &Project,
    renames: &[Rename],
    out: &WriteArgs,
    map_out: Option<&PathBuf>,
) -> ExitCode {
    let map = Map::from_renames(renames);
    if let Some(path) = map_out {
        let object: serde_json::Map<String, serde_json::Value> = map
            .pairs()
            .iter()
            .map(|(o, n)| (o.clone(), serde_json::Value::String(n.clone())))
            .collect();
        let mut json = serde_json::to_string_pretty(&serde_json::Value::Object(object))
            .unwrap_or_else(|_| "{}".into());
        json.push('\n');
        if let Err(e) = bibkit::io::write_file(path, |w| w.write_all(json.as_bytes())) {
            eprintln!("bibkit: {}", shown(&e.to_string()));
            return ExitCode::from(EXIT_TROUBLE);
        }
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let lines: Vec<String> = renames
        .iter()
        .map(|r| {
            let old = if r.old.is_empty() { "(no key)" } else { &r.old };
            format!("{} -> {}", shown(old), shown(&r.new))
        })
        .collect();
    apply_project(
        project,
        &|b, doc| rewrite_bib(doc, b, renames, &map, out.keep_alias).map(|_| ()),
        &map,
        out,
        &plural(renames.len(), "key"),
        &lines,
    )
}

/// Edits the project's bibliographies with `edit_bib` (bibliography index, document)
/// and, with `--rewrite`, the citations of its documents by `map`; then prints `lines`
/// (without `--diff` or `--write`), the diffs, or writes every changed file together.
/// `what` says what changes (`3 keys`).
pub(super) fn apply_project(
    project: &Project,
    edit_bib: &dyn Fn(usize, &mut Document) -> Result<(), bibkit::edit::EditError>,
    map: &Map,
    out: &WriteArgs,
    what: &str,
    lines: &[String],
) -> ExitCode {
    let mut changed: Vec<Changed> = Vec::new();
    for (b, bib) in project.bibs.iter().enumerate() {
        let mut doc = bib.doc.clone();
        if let Err(e) = edit_bib(b, &mut doc) {
            eprintln!("bibkit: {}: {}", shown(&bib.name), shown(&e.to_string()));
            return ExitCode::from(EXIT_TROUBLE);
        }
        if doc.text() == bib.doc.text() {
            continue;
        }
        let bytes = match doc.to_bytes() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("bibkit: {}: {}", shown(&bib.name), shown(&e.to_string()));
                return ExitCode::from(EXIT_TROUBLE);
            }
        };
        let snapshot = match Snapshot::read(bib.snapshot.path(), &bibkit::io::Limits::default()) {
            Ok(s) if s.bytes() == bib.snapshot.bytes() => s,
            _ => {
                eprintln!(
                    "bibkit: {}: changed while it was read; nothing is changed",
                    shown(&bib.name)
                );
                return ExitCode::from(EXIT_TROUBLE);
            }
        };
        changed.push(Changed {
            name: bib.name.clone(),
            snapshot,
            old: bib.doc.text().to_string(),
            new: doc.into_text(),
            bytes,
        });
    }
    let mut citations = 0;
    if out.rewrite {
        for d in &project.docs {
            if matches!(d.kind, Kind::Aux | Kind::Bcf) {
                continue;
            }
            let Ok(snapshot) = Snapshot::read(&d.path, &bibkit::io::Limits::default()) else {
                eprintln!(
                    "bibkit: {}: cannot be read again; not rewritten",
                    shown(&d.name)
                );
                return ExitCode::from(EXIT_TROUBLE);
            };
            let Ok(text) = std::str::from_utf8(snapshot.bytes()) else {
                eprintln!(
                    "bibkit: note: {} is not UTF-8; its citations are not rewritten",
                    shown(&d.name)
                );
                continue;
            };
            // Scanned again in the bytes that are replaced.
            let scan = bibkit::check::cited::scan(text, d.kind, Some(d.name.clone()));
            let (new, edits) = bibkit::rekey::rewrite_citations(text, &scan, d.kind, map);
            if edits.is_empty() {
                continue;
            }
            citations += edits.len();
            changed.push(Changed {
                name: d.name.clone(),
                old: text.to_string(),
                bytes: new.clone().into_bytes(),
                new,
                snapshot,
            });
        }
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let summary = format!(
        "{what}{} in {}",
        if out.rewrite {
            format!(" and {}", plural(citations, "citation"))
        } else {
            String::new()
        },
        plural(changed.len(), "file"),
    );
    if out.diff {
        let mut o = std::io::stdout().lock();
        for c in &changed {
            if let Err(e) = write_diff(&mut o, &c.name, &c.old, &c.new) {
                return write_failed(&e);
            }
        }
        eprintln!("bibkit: would change {summary}");
        return ExitCode::SUCCESS;
    }
    if out.write {
        let files: Vec<(&Snapshot, &[u8])> = changed
            .iter()
            .map(|c| (&c.snapshot, c.bytes.as_slice()))
            .collect();
        if let Err(e) = bibkit::io::replace_all(&files) {
            eprintln!("bibkit: {}; no file was changed", shown(&e.to_string()));
            return ExitCode::from(EXIT_TROUBLE);
        }
        eprintln!("bibkit: changed {summary}");
        return ExitCode::SUCCESS;
    }
    let mut o = std::io::stdout().lock();
    for l in lines {
        if let Err(e) = writeln!(o, "{l}") {
            return write_failed(&e);
        }
    }
    eprintln!("bibkit: would change {summary} (--diff shows it, --write makes it)");
    ExitCode::SUCCESS
}
