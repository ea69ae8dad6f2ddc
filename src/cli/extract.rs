//! `bibkit extract`: the entries documents cite, with their closure, as one `.bib`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use bibkit::check::cited::Scan;
use bibkit::convert::{Converter, Target};
use bibkit::edit::Document;
use bibkit::extract::{Order, extract};

use bibkit::project::{self, Disk};

use super::args::{ExtractArgs, ExtractOrder};
use super::common::{
    EXIT_TROUBLE, display_name, encoding_arg, exit_status, human, input_limits, load_input,
    once_each, shown, write_failed,
};

pub(crate) fn run(args: &ExtractArgs) -> ExitCode {
    if let Err(code) = encoding_arg(args.encoding.as_deref()) {
        return code;
    }
    let limits = match input_limits(args.config.as_deref()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let disk = Disk::default();
    let mut graphs = Vec::new();
    let mut trouble = false;
    for doc in &args.inputs {
        if !doc.is_file() {
            eprintln!(
                "bibkit: {}: no such document",
                shown(&doc.display().to_string())
            );
            trouble = true;
            continue;
        }
        let main = match project::root_of(doc, &disk) {
            Some(root) if !bibkit::io::same_file(&root, doc) => root,
            _ => doc.clone(),
        };
        let graph = project::follow(&main, &disk);
        // A part that does not name its main document (a chapter `\include`d by the
        // book): the main document of the project in the current directory that reads it.
        let graph = if graph.bibliographies.is_empty() {
            including(doc).unwrap_or(graph)
        } else {
            graph
        };
        graphs.push(graph);
    }
    if trouble {
        return ExitCode::from(EXIT_TROUBLE);
    }
    for g in &graphs {
        for d in &g.findings {
            anstream::eprintln!("{}", human(d, None));
        }
    }
    let mut bibs: Vec<PathBuf> = args.bib.clone();
    if bibs.is_empty() {
        for g in &graphs {
            for b in &g.bibliographies {
                if !bibs.contains(b) {
                    bibs.push(b.clone());
                }
            }
        }
    }
    if bibs.is_empty() {
        eprintln!("bibkit: the documents name no bibliography (give them with --bib FILE…)");
        return ExitCode::from(EXIT_TROUBLE);
    }
    // Every bibliography is read before anything is written.
    let mut docs: Vec<(Arc<str>, Document)> = Vec::new();
    for path in once_each(&bibs) {
        match load_input(path, &limits, args.encoding.as_deref(), false) {
            Ok(source) => {
                let name = display_name(path);
                let doc = Document::parse(source.decoded.text);
                if doc.errors() > 0 {
                    eprintln!(
                        "bibkit: note: {} has syntax errors; only the blocks that could be read are copied (see `bibkit check`)",
                        shown(&name)
                    );
                }
                docs.push((name, doc));
            }
            Err(()) => trouble = true,
        }
    }
    if trouble {
        if let Some(o) = &args.output {
            eprintln!(
                "bibkit: {} is left as it was",
                shown(&o.display().to_string())
            );
        }
        return ExitCode::from(EXIT_TROUBLE);
    }
    let scans: Vec<&Scan> = graphs.iter().flat_map(|g| g.scans()).collect();
    let refs: Vec<(Arc<str>, &Document)> = docs.iter().map(|(n, d)| (n.clone(), d)).collect();
    let order = match args.order {
        ExtractOrder::Source => Order::Source,
        ExtractOrder::Citation => Order::Citation,
    };
    let out = extract(&refs, &scans, order);
    let findings = out.findings();
    for d in &findings {
        let src = graphs
            .iter()
            .flat_map(|g| &g.documents)
            .find(|doc| Some(&doc.name) == d.file.as_ref())
            .map(|doc| doc.text.as_str());
        anstream::eprintln!("{}", human(d, src));
    }
    let body: Vec<u8> = match args.to {
        None => out.text.into_bytes(),
        Some(to) => {
            let target = Target::of(to.format()).unwrap_or(Target::CslJson);
            let mut conv = Converter::new(Vec::new(), target);
            conv.last_input();
            let decoded = bibkit::source::decode_utf8(out.text.as_bytes());
            // (What the target has no place for is said, as `convert` says it.)
            match conv
                .bibtex(&decoded, Some("extracted".into()), None)
                .and_then(|mut diags| {
                    conv.finish_report().map(|(bytes, losses)| {
                        diags.extend(losses);
                        (bytes, diags)
                    })
                }) {
                Ok((bytes, diags)) => {
                    for d in diags.iter().filter(|d| d.rule.ends_with("not-written")) {
                        anstream::eprintln!("{}", human(d, Some(&decoded.text)));
                    }
                    bytes
                }
                Err(e) => return write_failed(&e),
            }
        }
    };
    let written = match &args.output {
        Some(path) if path.as_os_str() != "-" => {
            bibkit::io::write_file(path, |w| w.write_all(&body)).map_err(|e| {
                eprintln!("bibkit: {}", shown(&e.to_string()));
            })
        }
        _ => {
            let mut o = std::io::stdout().lock();
            if let Err(e) = o.write_all(&body).and_then(|()| o.flush()) {
                return write_failed(&e);
            }
            Ok(())
        }
    };
    if written.is_err() {
        return ExitCode::from(EXIT_TROUBLE);
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    eprintln!(
        "bibkit: extracted {} ({} for crossref, xdata and the like), {}, {} from {}{}",
        plural(out.entries, "entry").replace("entrys", "entries"),
        out.closure,
        plural(out.strings, "@string"),
        plural(out.preambles, "@preamble"),
        plural(docs.len(), "file"),
        if findings.is_empty() {
            String::new()
        } else {
            format!("; {}", plural(findings.len(), "undefined citation"))
        }
    );
    exit_status(false, !findings.is_empty())
}

/// The graph of the first main document of the project in the current directory that
/// reads `part`, if any.
fn including(part: &std::path::Path) -> Option<project::Graph> {
    let disk = Disk::default();
    let found = project::discover(std::path::Path::new("."), &[]);
    found.mains.iter().find_map(|main| {
        if bibkit::io::same_file(main, part) {
            return None;
        }
        let g = project::follow(main, &disk);
        let reads = g
            .documents
            .iter()
            .any(|d| bibkit::io::same_file(&d.path, part));
        reads.then(|| {
            eprintln!(
                "bibkit: note: {} is part of {}; extracting for that document",
                shown(&part.display().to_string()),
                shown(&display_name(main))
            );
            g
        })
    })
}
