//! `bibkit dedupe`: the entries of a project's bibliographies that describe one work.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use bibkit::dedupe::{DedupeConfig, Profile, Record, compare, find, not_duplicate_comments};
use bibkit::edit::Document;

use super::args::{DedupeArgs, DedupeFormat};
use super::check::plan as plan_units;
use super::common::{
    EXIT_FINDINGS, EXIT_TROUBLE, display_name, input_limits, load_config, load_input, shown,
    write_failed,
};

/// One entry, where it is.
struct Place {
    file: Arc<str>,
    line: u32,
    key: String,
    /// Its bibliography and block.
    bib: usize,
    block: usize,
}

pub(crate) fn run(args: &DedupeArgs) -> ExitCode {
    let config = match load_config(
        args.out.config.as_deref(),
        DedupeConfig::from_toml,
        DedupeConfig::default,
    ) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let profile = match &args.profile {
        None => config.profile(),
        Some(name) => match Profile::named(name) {
            Some(p) => p,
            None => {
                eprintln!("bibkit: --profile {}: not lenient or strict", shown(name));
                return ExitCode::from(EXIT_TROUBLE);
            }
        },
    };
    let limits = match input_limits(args.out.config.as_deref()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let units = match plan_units(
        &args.inputs,
        &[],
        args.out.config.as_deref(),
        "deduplicating",
    ) {
        Ok(u) => u,
        Err(code) => return code,
    };
    // With `--merge`, the files are read to be rewritten (whole, or not at all).
    let project = if args.merge {
        match super::rekey::read_project(&args.inputs, &args.out) {
            Ok(p) => Some(p),
            Err(code) => return code,
        }
    } else {
        None
    };
    let mut docs: Vec<(Arc<str>, Document)> = Vec::new();
    match &project {
        Some(p) => {
            for b in &p.bibs {
                docs.push((b.name.clone(), b.doc.clone()));
            }
        }
        None => {
            let mut paths: Vec<std::path::PathBuf> = Vec::new();
            for u in &units {
                for b in &u.bibs {
                    if !paths.iter().any(|p| p == b || bibkit::io::same_file(p, b)) {
                        paths.push(b.clone());
                    }
                }
            }
            // Every bibliography of the project, read as one.
            for p in &paths {
                match load_input(p, &limits, None, false) {
                    Ok(s) => docs.push((display_name(p), Document::parse(s.decoded.text))),
                    Err(()) => return ExitCode::from(EXIT_TROUBLE),
                }
            }
        }
    }
    let refs: Vec<(Arc<str>, &Document)> = docs.iter().map(|(n, d)| (n.clone(), d)).collect();
    let mut places: Vec<Place> = Vec::new();
    let mut records: Vec<Record> = Vec::new();
    let lines: Vec<bibkit::diagnostic::LineIndex> = docs
        .iter()
        .map(|(_, d)| bibkit::diagnostic::LineIndex::new(d.text()))
        .collect();
    for (b, i, e) in bibkit::rekey::entries(&refs) {
        let (name, doc) = (&docs[b].0, &docs[b].1);
        let start = doc.blocks()[i].span().start;
        places.push(Place {
            file: name.clone(),
            line: lines[b].line_col(doc.text(), start).0,
            key: doc.key(i).unwrap_or("").to_string(),
            bib: b,
            block: i,
        });
        records.push(Record::from_entry(&e));
    }
    let comments: Vec<(String, String)> = docs
        .iter()
        .flat_map(|(_, d)| not_duplicate_comments(d.text()))
        .collect();
    let apart =
        |a: &str, b: &str| config.apart(a, b) || bibkit::dedupe::pair_listed(&comments, a, b);
    let mut out = std::io::stdout().lock();
    if let [k1, k2] = args.explain.as_slice() {
        let at = |k: &str| places.iter().position(|p| p.key.eq_ignore_ascii_case(k));
        let (Some(i), Some(j)) = (at(k1), at(k2)) else {
            eprintln!(
                "bibkit: --explain: no entry `{}`",
                shown(if at(k1).is_none() { k1 } else { k2 })
            );
            return ExitCode::from(EXIT_TROUBLE);
        };
        let v = compare(&records[i], &records[j], &profile);
        let verdict = if apart(k1, k2) {
            "not duplicates: marked `not-duplicate` (in bibkit.toml or a `% bibkit: not-duplicate` comment)".to_string()
        } else if v.duplicate {
            format!(
                "duplicates (score {:.2} ≥ {:.2})",
                v.score, profile.threshold
            )
        } else if v.versions {
            format!(
                "two versions of one work (score {:.2} ≥ {:.2}): reported, not merged",
                v.score, profile.threshold
            )
        } else {
            format!(
                "not duplicates (score {:.2} < {:.2})",
                v.score, profile.threshold
            )
        };
        let reasons: Vec<String> = v.reasons.iter().map(|r| r.to_string()).collect();
        let text = format!(
            "`{}` ({}:{}) and `{}` ({}:{}): {verdict}\n  {}\n",
            shown(&places[i].key),
            shown(&places[i].file),
            places[i].line,
            shown(&places[j].key),
            shown(&places[j].file),
            places[j].line,
            shown(&reasons.join("; "))
        );
        return match out.write_all(text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => write_failed(&e),
        };
    }
    let groups = find(&records, &profile, |i, j| {
        apart(&places[i].key, &places[j].key)
    });
    if let Some(project) = &project {
        return merge(project, &docs, &places, &groups, args);
    }
    let written = match args.format {
        DedupeFormat::Json => {
            let list: Vec<serde_json::Value> = groups
                .iter()
                .map(|g| {
                    serde_json::json!({
                        "keys": g.members.iter().map(|&m| places[m].key.clone()).collect::<Vec<_>>(),
                        "relation": if g.versions { "versions" } else { "duplicates" },
                        "score": (g.score() * 1000.0).round() / 1000.0,
                        "pairs": g.pairs.iter().map(|(a, b, v)| serde_json::json!({
                            "a": places[*a].key,
                            "b": places[*b].key,
                            "score": (v.score * 1000.0).round() / 1000.0,
                            "reasons": v.reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".into());
            s.push('\n');
            out.write_all(s.as_bytes())
        }
        DedupeFormat::Human => {
            let mut r = Ok(());
            for g in &groups {
                let first = &places[g.members[0]];
                let mut text = format!(
                    "{}:{}: {} look like {} (score {:.2})\n",
                    shown(&first.file),
                    first.line,
                    g.members
                        .iter()
                        .map(|&m| format!("`{}`", shown(&places[m].key)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if g.versions {
                        "two versions of one work, not merged"
                    } else {
                        "one work"
                    },
                    g.score()
                );
                for (a, b, v) in &g.pairs {
                    let reasons: Vec<String> = v.reasons.iter().map(|x| x.to_string()).collect();
                    text.push_str(&format!(
                        "  `{}` ({}:{}) ~ `{}` ({}:{}): {}\n",
                        shown(&places[*a].key),
                        shown(&places[*a].file),
                        places[*a].line,
                        shown(&places[*b].key),
                        shown(&places[*b].file),
                        places[*b].line,
                        shown(&reasons.join("; "))
                    ));
                }
                r = r.and_then(|()| out.write_all(text.as_bytes()));
            }
            r
        }
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        return write_failed(&e);
    }
    let same: Vec<&bibkit::dedupe::Group> = groups.iter().filter(|g| !g.versions).collect();
    let versions = groups.len() - same.len();
    let dupes: usize = same.iter().map(|g| g.members.len() - 1).sum();
    eprintln!(
        "bibkit: {} group{} of duplicates ({} entr{} to merge){} among {} entries",
        same.len(),
        if same.len() == 1 { "" } else { "s" },
        dupes,
        if dupes == 1 { "y" } else { "ies" },
        match versions {
            0 => String::new(),
            1 => ", 1 pair of versions of one work".to_string(),
            n => format!(", {n} pairs of versions of one work"),
        },
        records.len()
    );
    // Versions are worth knowing, not an error.
    if same.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    }
}

/// `--merge`: each group becomes its kept entry, with the fields of the others; the
/// others become comments with what differed (or go, with `--unsafe`), and with
/// `--rewrite` their citations cite the kept key.
fn merge(
    project: &super::rekey::Project,
    docs: &[(Arc<str>, Document)],
    places: &[Place],
    groups: &[bibkit::dedupe::Group],
    args: &DedupeArgs,
) -> ExitCode {
    use bibkit::edit::{Change, Value};
    // Per bibliography: the fields to set on kept entries, and the blocks merged away with
    // what replaces them.
    let mut sets: Vec<Vec<(usize, String, String)>> = vec![Vec::new(); docs.len()];
    let mut gone: Vec<Vec<(usize, String)>> = vec![Vec::new(); docs.len()];
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    let versions = groups.iter().filter(|g| g.versions).count();
    if versions > 0 {
        eprintln!(
            "bibkit: {versions} pair{} of versions of one work (a preprint and its article, a paper and its journal version) not merged; `bibkit dedupe` lists {}",
            if versions == 1 { "" } else { "s" },
            if versions == 1 { "it" } else { "them" }
        );
    }
    let groups: Vec<&bibkit::dedupe::Group> = groups.iter().filter(|g| !g.versions).collect();
    for g in &groups {
        let members: Vec<(String, Vec<(String, String)>)> = g
            .members
            .iter()
            .map(|&m| {
                let p = &places[m];
                let doc = &docs[p.bib].1;
                let fields = (0..doc.blocks()[p.block].field_count())
                    .filter_map(|k| doc.field(p.block, k))
                    .map(|(n, r)| (n.to_ascii_lowercase(), r.to_string()))
                    .collect();
                (p.key.clone(), fields)
            })
            .collect();
        let keep = match args.keep {
            super::args::KeepArg::First => 0,
            super::args::KeepArg::MostFields => {
                let most = members.iter().map(|m| m.1.len()).max().unwrap_or(0);
                members.iter().position(|m| m.1.len() == most).unwrap_or(0)
            }
        };
        let plan = bibkit::dedupe::merge_fields(&members, keep);
        let kept = &places[g.members[keep]];
        for (name, value) in &plan.set {
            sets[kept.bib].push((kept.block, name.clone(), value.clone()));
        }
        if let Some(ids) = &plan.ids {
            sets[kept.bib].push((kept.block, "ids".into(), ids.clone()));
        }
        let mut merged_away = Vec::new();
        for (n, &m) in g.members.iter().enumerate() {
            if n == keep {
                continue;
            }
            let p = &places[m];
            merged_away.push(format!("`{}`", shown(&p.key)));
            pairs.push((p.key.clone(), kept.key.clone()));
            let lost = &plan.differing[n];
            let text = if args.drop_conflicts {
                String::new()
            } else {
                bibkit::dedupe::merged_comment(&p.key, &kept.key, lost)
            };
            gone[p.bib].push((p.block, text));
        }
        lines.push(format!(
            "{} <- {}",
            shown(&kept.key),
            merged_away.join(", ")
        ));
    }
    let map = bibkit::rekey::Map::from_pairs(pairs);
    let edit = |b: usize, doc: &mut Document| -> Result<(), bibkit::edit::EditError> {
        let mut batch = doc.batch();
        for (block, name, value) in &sets[b] {
            batch.set_field(*block, name, Value::raw(value.clone()))?;
        }
        batch.apply()?;
        // The entries merged away: a comment in their place, or nothing.
        let spans: Vec<bibkit::model::Span> = gone[b]
            .iter()
            .map(|(block, _)| doc.blocks()[*block].span())
            .collect();
        let mut batch = doc.batch();
        for ((block, text), s) in gone[b].iter().zip(spans) {
            if text.is_empty() {
                batch.remove_block(*block)?;
            } else {
                batch.replace(Change {
                    range: s.start..s.end,
                    text: text.clone(),
                })?;
            }
        }
        batch.apply()?;
        Ok(())
    };
    let merged: usize = groups.iter().map(|g| g.members.len() - 1).sum();
    let what = format!(
        "{merged} entr{} merged into {}",
        if merged == 1 { "y" } else { "ies" },
        groups.len()
    );
    super::rekey::apply_project(project, &edit, &map, &args.out, &what, &lines)
}
