//! `bibkit diff` and `bibkit merge-driver`: bibliographies compared and merged by entry
//! and field.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use bibkit::edit::Document;
use bibkit::io::{Limits, Snapshot};
use bibkit::merge::{diff, merge3};

use super::args::{DedupeFormat, DiffArgs, MergeDriverArgs};
use super::common::{EXIT_FINDINGS, EXIT_TROUBLE, shown, write_failed};

fn read(path: &Path) -> Result<(Snapshot, Document), ExitCode> {
    let snapshot = Snapshot::read(path, &Limits::default()).map_err(|e| {
        eprintln!("bibkit: {e}");
        ExitCode::from(EXIT_TROUBLE)
    })?;
    let doc = Document::from_bytes(snapshot.bytes(), None).map_err(|e| {
        eprintln!(
            "bibkit: {}: {}",
            shown(&path.display().to_string()),
            shown(&e.to_string())
        );
        ExitCode::from(EXIT_TROUBLE)
    })?;
    Ok((snapshot, doc))
}

pub(crate) fn run_diff(args: &DiffArgs) -> ExitCode {
    let (old, new) = match (read(&args.old), read(&args.new)) {
        (Ok(o), Ok(n)) => (o.1, n.1),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    for (d, p) in [(&old, &args.old), (&new, &args.new)] {
        if d.errors() > 0 {
            eprintln!(
                "bibkit: note: {} has syntax errors; the blocks that could not be read are not compared",
                shown(&p.display().to_string())
            );
        }
    }
    let d = diff(&old, &new);
    let mut out = std::io::stdout().lock();
    let text = match args.format {
        DedupeFormat::Json => {
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "added": d.added,
                "removed": d.removed,
                "rekeyed": d.rekeyed.iter().map(|(o, n)| serde_json::json!({"old": o, "new": n})).collect::<Vec<_>>(),
                "changed": d.changed,
            }))
            .unwrap_or_default();
            s.push('\n');
            s
        }
        DedupeFormat::Human => {
            let mut s = String::new();
            for k in &d.added {
                s.push_str(&format!("+ {}\n", shown(k)));
            }
            for k in &d.removed {
                s.push_str(&format!("- {}\n", shown(k)));
            }
            for (o, n) in &d.rekeyed {
                s.push_str(&format!("~ {} -> {} (re-keyed)\n", shown(o), shown(n)));
            }
            for c in &d.changed {
                s.push_str(&format!("~ {}\n", shown(&c.key)));
                for f in &c.fields {
                    match (&f.old, &f.new) {
                        (Some(o), Some(n)) => s.push_str(&format!(
                            "    {}: {} -> {}\n",
                            shown(&f.name),
                            shown(o),
                            shown(n)
                        )),
                        (None, Some(n)) => {
                            s.push_str(&format!("  + {} = {}\n", shown(&f.name), shown(n)))
                        }
                        (Some(o), None) => {
                            s.push_str(&format!("  - {} = {}\n", shown(&f.name), shown(o)))
                        }
                        (None, None) => {}
                    }
                }
            }
            s
        }
    };
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        return write_failed(&e);
    }
    if d.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    }
}

pub(crate) fn run_merge(args: &MergeDriverArgs) -> ExitCode {
    let (base, ours, theirs) = match (read(&args.base), read(&args.ours), read(&args.theirs)) {
        (Ok(b), Ok(o), Ok(t)) => (b, o, t),
        (Err(c), _, _) | (_, Err(c), _) | (_, _, Err(c)) => return c,
    };
    let merged = match merge3(&base.1, &ours.1, &theirs.1) {
        Ok(m) => m,
        Err(e) => {
            // git then keeps our version and reports a conflict.
            eprintln!(
                "bibkit: merge-driver: {}; merge the file by hand",
                shown(&e.to_string())
            );
            return ExitCode::from(EXIT_FINDINGS);
        }
    };
    let bytes = match ours.1.with_text(merged.text.clone()).to_bytes() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("bibkit: merge-driver: {}", shown(&e.to_string()));
            return ExitCode::from(EXIT_TROUBLE);
        }
    };
    if bytes != ours.0.bytes() {
        if let Err(e) = ours.0.replace(|w| w.write_all(&bytes)) {
            eprintln!("bibkit: {}", shown(&e.to_string()));
            return ExitCode::from(EXIT_TROUBLE);
        }
    }
    for c in &merged.conflicts {
        eprintln!(
            "bibkit: merge conflict in {}: {}",
            shown(&args.ours.display().to_string()),
            shown(c)
        );
    }
    if merged.conflicts.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    }
}
