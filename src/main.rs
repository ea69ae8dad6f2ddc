//! The `bibkit` command-line program: a thin layer over the library.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use bibkit::convert::{Converter, Target};
use bibkit::diagnostic::Severity;
use bibkit::formats::{Format, bibtex};
use bibkit::source;
use clap::{Parser, Subcommand, ValueEnum};

// glibc's per-thread arenas grow a page range at a time with mprotect, which costs about
// as much as lowering itself on large inputs; mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Read, normalise and write bibliographies.
#[derive(Debug, Parser)]
#[command(name = "bibkit", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert between formats: BibTeX/BibLaTeX, CSL-JSON or a listing → BibTeX, BibLaTeX or
    /// CSL-JSON.
    ///
    /// Records that cannot be read are reported on stderr as `file:line:col: error[...]`;
    /// all other records are still written, and the exit status is 1.
    Convert(ConvertArgs),
    /// Check bibliographies, and the citations of documents against them.
    ///
    /// Findings are printed as `file:line:col: severity[rule]: message`; the exit status is
    /// 1 when any is an error (or a warning, with `--deny warnings`). Rules and their levels
    /// are set in `bibkit.toml` (`[check]` table); `--list-rules` lists them.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Bibliographies (`.bib`), and documents whose citations to check (`.tex`, `.aux`,
    /// `.bcf`, `.md`). Given documents only, their `\bibliography{…}` and
    /// `\addbibresource{…}` are checked.
    inputs: Vec<PathBuf>,
    /// Documents whose citations to check (`.tex`, `.aux`, `.bcf`, Markdown).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    cited: Vec<PathBuf>,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// The configuration file (default: `bibkit.toml` in the current directory, if any).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// `--deny warnings`: warnings fail the check too.
    #[arg(long, value_enum)]
    deny: Option<Deny>,
    /// Which data model's required fields to check (default: the configuration's, else
    /// `auto`: BibLaTeX's for files that use BibLaTeX's fields or types).
    #[arg(long, value_enum)]
    model: Option<ModelArg>,
    /// List the rules with their ids, default levels and what they find, and exit.
    #[arg(long)]
    list_rules: bool,
    /// Explain a rule, with an example that breaks it and one that keeps it, and exit.
    #[arg(long, value_name = "RULE")]
    explain: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    /// `file:line:col: severity[rule]: message` with the source line (colour on a terminal,
    /// never with `NO_COLOR`).
    Human,
    /// One JSON array of findings.
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Deny {
    /// Warnings fail the check.
    Warnings,
    /// Only errors fail the check (the default).
    Errors,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModelArg {
    Auto,
    Bibtex,
    Biblatex,
}

#[derive(Debug, clap::Args)]
struct ConvertArgs {
    /// Input files; `-` or none reads standard input.
    inputs: Vec<PathBuf>,
    /// Input format (detected from the extension or the content when not given).
    #[arg(long, value_enum)]
    from: Option<InputFormat>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Bibtex)]
    to: OutputFormat,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// Write LaTeX accents instead of UTF-8 (BibTeX and BibLaTeX output).
    #[arg(long)]
    ascii: bool,
    /// Give every entry a generated `familyYEARword` key, unique in the output (references
    /// between entries follow).
    #[arg(long)]
    rekey: bool,
    /// The inputs' character encoding when it is not UTF-8: `latin1`, `windows-1252`,
    /// `gbk`, `shift_jis`, … (any WHATWG encoding label).
    #[arg(long, value_name = "NAME")]
    encoding: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InputFormat {
    /// BibTeX (`.bib`).
    Bibtex,
    /// BibLaTeX (`.bib`; read the same way as BibTeX).
    Biblatex,
    /// CSL-JSON (an array of items).
    CslJson,
    /// A scraped publication listing (three lines per paper).
    Listing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// BibTeX (`year`/`month`, `journal`).
    Bibtex,
    /// BibLaTeX (`date`, `journaltitle`).
    Biblatex,
    /// CSL-JSON.
    CslJson,
}

/// Exit statuses: 0 clean, 1 records not read, 2 usage or I/O errors.
const EXIT_FINDINGS: u8 = 1;
const EXIT_TROUBLE: u8 = 2;

/// Makes mimalloc give freed memory back after 10 ms (long enough for one batch of a
/// conversion to reuse the pages of the one before) and commit arena memory only as it is
/// used, so a large conversion's peak memory stays near what is live (about 2.4× the input
/// for a 100 MB `.bib` to CSL-JSON, instead of 3.5× with mimalloc's defaults).
#[allow(unsafe_code)]
fn configure_allocator() {
    use libmimalloc_sys::{mi_option_set, mi_option_t};
    // mimalloc 2's `mi_option_e` (include/mimalloc.h); the sys crate names only some of them.
    const MI_OPTION_ARENA_EAGER_COMMIT: mi_option_t = 4;
    const MI_OPTION_PURGE_DELAY: mi_option_t = 15;
    // SAFETY: setting options is thread-safe in mimalloc and these take plain integers; it
    // runs first thing in `main`, before any thread starts.
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, 10);
        mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
    }
}

fn main() -> ExitCode {
    configure_allocator();
    let cli = Cli::parse();
    match cli.command {
        Command::Convert(args) => convert(&args),
        Command::Check(args) => check(&args),
    }
}

fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(path)
    }
}

fn display_name(path: &Path) -> Arc<str> {
    if path.as_os_str() == "-" {
        Arc::from("<stdin>")
    } else {
        Arc::from(path.display().to_string())
    }
}

fn convert(args: &ConvertArgs) -> ExitCode {
    let inputs = if args.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.inputs.clone()
    };
    if let Some(label) = &args.encoding {
        if encoding_rs::Encoding::for_label(label.as_bytes()).is_none() {
            eprintln!(
                "bibkit: unknown encoding `{label}` (try utf-8, latin1, windows-1252, gbk, shift_jis)"
            );
            return ExitCode::from(EXIT_TROUBLE);
        }
    }
    let target = match args.to {
        OutputFormat::CslJson => Target::CslJson,
        OutputFormat::Bibtex | OutputFormat::Biblatex => {
            let dialect = if args.to == OutputFormat::Bibtex {
                bibtex::Dialect::Bibtex
            } else {
                bibtex::Dialect::Biblatex
            };
            Target::Bib(
                bibtex::WriteOptions::new()
                    .dialect(dialect)
                    .ascii(args.ascii),
            )
        }
    };
    let sink: Box<dyn Write> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::with_capacity(1 << 20, f)),
            Err(e) => {
                eprintln!("bibkit: cannot write {}: {e}", path.display());
                return ExitCode::from(EXIT_TROUBLE);
            }
        },
        None => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::io::stdout().lock(),
        )),
    };
    let mut conv = Converter::new(sink, target).rekey(args.rekey);
    let mut trouble = false;
    let mut findings = false;
    for path in &inputs {
        let name = display_name(path);
        let bytes = match read_input(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("bibkit: cannot read {name}: {e}");
                trouble = true;
                continue;
            }
        };
        let Some(decoded) = source::decode_owned(bytes, args.encoding.as_deref()) else {
            unreachable!("the encoding label was checked");
        };
        let format = match args.from {
            Some(InputFormat::Listing) => Some(Format::Listing),
            Some(InputFormat::CslJson) => Some(Format::CslJson),
            Some(InputFormat::Bibtex | InputFormat::Biblatex) => Some(Format::Bibtex),
            None => Format::from_path(path).or_else(|| Format::sniff(&decoded.text)),
        };
        let enc = args.encoding.as_deref();
        let result = match format {
            Some(Format::Listing) => conv.listing(&decoded, Some(name.clone()), enc),
            Some(Format::Bibtex | Format::Biblatex) => {
                conv.bibtex(&decoded, Some(name.clone()), enc)
            }
            Some(Format::CslJson) => conv.csl_json(&decoded, Some(name.clone()), enc),
            None => {
                eprintln!(
                    "bibkit: {name}: cannot tell the input format; use --from bibtex, --from csl-json or --from listing"
                );
                trouble = true;
                continue;
            }
        };
        match result {
            Ok(diags) => {
                let mut stderr = std::io::stderr().lock();
                for d in &diags {
                    findings |= d.severity == Severity::Error;
                    let _ = writeln!(stderr, "{}", d.render(Some(&decoded.text)));
                }
            }
            Err(e) => {
                report_write_error(&e);
                return ExitCode::from(EXIT_TROUBLE);
            }
        }
    }
    if let Err(e) = conv.finish() {
        report_write_error(&e);
        return ExitCode::from(EXIT_TROUBLE);
    }
    if trouble {
        ExitCode::from(EXIT_TROUBLE)
    } else if findings {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

fn report_write_error(e: &std::io::Error) {
    // A closed pipe (`bibkit convert … | head`) is not worth a message.
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        eprintln!("bibkit: cannot write the output: {e}");
    }
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

fn check(args: &CheckArgs) -> ExitCode {
    use bibkit::check::{Checker, Config, DataModel, cited};
    if args.list_rules {
        return list_rules();
    }
    if let Some(id) = &args.explain {
        return match bibkit::check::rule(id) {
            Some(r) => {
                print!("{}", bibkit::check::explain(r));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("bibkit: no rule `{id}` (see `bibkit check --list-rules`)");
                ExitCode::from(EXIT_TROUBLE)
            }
        };
    }
    let config_path = args.config.clone().or_else(|| {
        let p = PathBuf::from("bibkit.toml");
        p.is_file().then_some(p)
    });
    let mut config = match &config_path {
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|t| Config::from_toml(&t).map_err(|e| e.to_string()))
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("bibkit: {}: {e}", p.display());
                return ExitCode::from(EXIT_TROUBLE);
            }
        },
        None => Config::default(),
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
    if args.inputs.is_empty() && args.cited.is_empty() {
        eprintln!("bibkit: check needs a .bib file or a document (see `bibkit check --help`)");
        return ExitCode::from(EXIT_TROUBLE);
    }

    let mut bibs: Vec<PathBuf> = Vec::new();
    let mut docs: Vec<PathBuf> = args.cited.clone();
    for p in &args.inputs {
        if cited::Kind::from_path(p).is_some() {
            docs.push(p.clone());
        } else {
            bibs.push(p.clone());
        }
    }
    let mut checker = Checker::new(config);
    let mut sources: std::collections::HashMap<Arc<str>, String> = Default::default();
    let mut trouble = false;
    let mut named: Vec<PathBuf> = Vec::new();
    for doc in &docs {
        let name = display_name(doc);
        let text = match read_input(doc) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                eprintln!("bibkit: cannot read {name}: {e}");
                trouble = true;
                continue;
            }
        };
        let kind = cited::Kind::from_path(doc).unwrap_or(cited::Kind::Tex);
        let scan = cited::scan(&text, kind, Some(name.clone()));
        let dir = doc.parent().map(Path::to_path_buf).unwrap_or_default();
        for r in &scan.resources {
            let p = dir.join(r);
            if !named.contains(&p) {
                named.push(p);
            }
        }
        checker.add_cited(scan);
        sources.insert(name, text);
    }
    if bibs.is_empty() {
        if named.is_empty() {
            eprintln!("bibkit: no bibliography given, and the documents name none");
            return ExitCode::from(EXIT_TROUBLE);
        }
        bibs = named;
    }
    for bib in &bibs {
        let name = display_name(bib);
        match read_input(bib) {
            Ok(bytes) => {
                checker.add_bib_bytes(name.clone(), &bytes);
                sources.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
            Err(e) => {
                eprintln!("bibkit: cannot read {name}: {e}");
                trouble = true;
            }
        }
    }
    let findings = checker.run();
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
                    .as_ref()
                    .and_then(|f| sources.get(f))
                    .map(String::as_str);
                r = r.and_then(|()| writeln!(out, "{}", human(d, src)));
            }
            r
        }
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        report_write_error(&e);
        return ExitCode::from(EXIT_TROUBLE);
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
    if trouble {
        ExitCode::from(EXIT_TROUBLE)
    } else if findings
        .iter()
        .any(|d| bibkit::check::fails(d.severity, deny_warnings))
    {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// A finding as people read it, with the severity in colour (which `anstream` drops when
/// the output is not a terminal or `NO_COLOR` is set).
fn human(d: &bibkit::diagnostic::Diagnostic, source: Option<&str>) -> String {
    use anstyle::{AnsiColor, Style};
    let text = d.render(source);
    let style = match d.severity {
        Severity::Error => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        Severity::Warning => Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold(),
        Severity::Info => Style::new().fg_color(Some(AnsiColor::Cyan.into())).bold(),
    };
    let label = format!("{}[{}]", d.severity, d.rule);
    text.replacen(&label, &format!("{style}{label}{style:#}"), 1)
}
