//! The `bibkit` command-line program: a thin layer over the library.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use bibkit::convert::{BibInput, Converter, Target};
use bibkit::diagnostic::Severity;
use bibkit::formats::{Format, bibtex};
use bibkit::io::Limits;
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
    /// Format `.bib` files in one canonical style, keeping every comment, `@string`,
    /// `@preamble` and value exactly; only layout changes.
    ///
    /// Prints to standard output; `--write` rewrites the files (atomically, never a file
    /// with syntax errors); `--check` prints a diff for each file that is not formatted and
    /// exits 1. Options come from the `[fmt]` table of `bibkit.toml`.
    Fmt(FmtArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct FmtArgs {
    /// Files to format; `-` or none reads standard input.
    inputs: Vec<PathBuf>,
    /// Rewrite the files in place (atomically; files with syntax errors are left alone).
    #[arg(long, conflicts_with = "check")]
    write: bool,
    /// Print a unified diff for every file that is not formatted, and exit 1 if any.
    #[arg(long)]
    check: bool,
    /// The configuration file (default: `bibkit.toml` in the current directory, if any).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The files' character encoding when it is not UTF-8 (`latin1`, `windows-1252`, `gbk`,
    /// …); the formatted file is written in the same encoding.
    #[arg(long, value_name = "ENCODING")]
    encoding: Option<String>,
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
    /// Explain a rule (or any id a command prints), with an example that breaks it and one
    /// that keeps it, and exit.
    #[arg(long, value_name = "RULE")]
    explain: Option<String>,
    /// The bibliographies' character encoding when it is not UTF-8 and they do not say
    /// (JabRef's `% Encoding:` line, a byte-order mark): `latin1`, `windows-1252`, …
    #[arg(long, value_name = "NAME")]
    encoding: Option<String>,
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
    /// Output format (default: from the `-o` file's extension, `.json` for CSL-JSON, else
    /// BibTeX).
    #[arg(long, value_enum)]
    to: Option<OutputFormat>,
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
    /// The configuration file (default: `bibkit.toml` in the current directory, if any);
    /// its `[input]` table sets `max-input-size`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InputFormat {
    /// BibTeX (`.bib`).
    Bibtex,
    /// BibLaTeX (`.bib`; read the same way as BibTeX).
    Biblatex,
    /// CSL-JSON (an array of items; also `csljson`, `json`).
    #[value(alias = "csljson", alias = "json")]
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
    /// CSL-JSON (also `csljson`, `json`).
    #[value(alias = "csljson", alias = "json")]
    CslJson,
}

/// Exit statuses: 0 clean, 1 records not read, 2 usage or I/O errors.
const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_TROUBLE: u8 = 2;

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

/// On SIGINT, SIGTERM or SIGHUP: remove the temporary files being written, then die of the
/// signal as the default action would, so that an interrupted write leaves the old file
/// and nothing else.
fn handle_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            bibkit::io::remove_temporary_files();
            let _ = signal_hook::low_level::emulate_default_handler(sig);
            std::process::exit(128 + sig);
        }
    });
}

mod cli;

fn main() -> ExitCode {
    configure_allocator();
    handle_signals();
    let cli = Cli::parse();
    match cli.command {
        Command::Convert(args) => convert(&args),
        Command::Check(args) => cli::check::run(&args),
        Command::Fmt(args) => cli::fmt::run(&args),
    }
}

/// Reads one input under the limits, reporting why it could not be read.
pub(crate) fn read_input(path: &Path, limits: &Limits) -> Result<Vec<u8>, ()> {
    bibkit::io::read_input(path, limits).map_err(|e| eprintln!("bibkit: {e}"))
}

pub(crate) fn display_name(path: &Path) -> Arc<str> {
    if path.as_os_str() == "-" {
        Arc::from("<stdin>")
    } else {
        Arc::from(path.display().to_string())
    }
}

/// A name from the command line or a document, safe to print.
pub(crate) fn shown(name: &str) -> std::borrow::Cow<'_, str> {
    bibkit::diagnostic::escape_control(name)
}

/// The input limits (`[input]` in `bibkit.toml` or `--config FILE`).
pub(crate) fn input_limits(explicit: Option<&Path>) -> Result<Limits, ExitCode> {
    load_config(explicit, Limits::from_toml, Limits::default)
}

fn convert(args: &ConvertArgs) -> ExitCode {
    let inputs = inputs_or_stdin(&args.inputs);
    if let Err(code) = encoding_arg(args.encoding.as_deref()) {
        return code;
    }
    let limits = match input_limits(args.config.as_deref()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let to = args.to.unwrap_or_else(|| {
        let ext = args
            .output
            .as_deref()
            .and_then(|o| o.extension())
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("json") => OutputFormat::CslJson,
            _ => OutputFormat::Bibtex,
        }
    });
    let target = match to {
        OutputFormat::CslJson => Target::CslJson,
        OutputFormat::Bibtex | OutputFormat::Biblatex => {
            let dialect = if to == OutputFormat::Bibtex {
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
    // Every input is read before anything is written: an input that cannot be read leaves
    // the output as it was, and `-o` may name one of the inputs.
    let output = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let mut read = Vec::with_capacity(inputs.len());
    let mut trouble = false;
    let inputs = once_each(&inputs);
    for path in inputs {
        match read_input(path, &limits) {
            Ok(bytes) => {
                let is_output = output.is_some_and(|o| bibkit::io::same_file(path, o));
                read.push((path, bytes, is_output));
            }
            Err(()) => trouble = true,
        }
    }
    if trouble {
        if let Some(o) = output {
            eprintln!(
                "bibkit: {} is left as it was",
                shown(&o.display().to_string())
            );
        }
        return ExitCode::from(EXIT_TROUBLE);
    }
    let total: usize = read.iter().map(|(_, b, _)| b.len()).sum();
    if let Err(code) = ensure_headroom(total, 2) {
        return code;
    }
    let mut outcome = ConvertOutcome::default();
    let result = match output {
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            run_conversion(args, target, read, &mut out, &mut outcome).and_then(|()| out.flush())
        }
        Some(path) => bibkit::io::write_file(path, |w| {
            run_conversion(args, target, read, w, &mut outcome)?;
            if outcome.damaged_output {
                // An input that is also the output lost records: keep it as it was.
                return Err(std::io::Error::other(REFUSED));
            }
            Ok(())
        })
        .map_err(|e| match e.io_error() {
            Some(io) if io.to_string() == REFUSED => std::io::Error::other(REFUSED),
            _ => std::io::Error::other(e.to_string()),
        }),
    };
    match result {
        Ok(()) => exit_status(outcome.trouble, outcome.findings),
        Err(e) if e.to_string() == REFUSED => {
            eprintln!(
                "bibkit: {} is also an input and some of its records could not be read; it is left as it was",
                shown(&output.map(|p| p.display().to_string()).unwrap_or_default())
            );
            ExitCode::from(EXIT_FINDINGS)
        }
        Err(e) => write_failed(&e),
    }
}

const REFUSED: &str = "bibkit: output refused";

#[derive(Default)]
struct ConvertOutcome {
    /// Some record could not be read.
    findings: bool,
    /// An input's format could not be told (a usage error).
    trouble: bool,
    /// A record of an input that is also the output could not be read.
    damaged_output: bool,
}

/// One input of a conversion, decoded.
struct Decoded {
    name: Arc<str>,
    decoded: source::Decoded,
    /// The encoding it was read in, when not UTF-8.
    encoding: Option<&'static str>,
    format: Option<Format>,
    is_output: bool,
}

/// Converts the inputs (already read) into `sink`, printing their diagnostics. `.bib`
/// inputs that follow each other are read as one bibliography (macros and crossrefs carry
/// across them, as in BibTeX).
fn run_conversion(
    args: &ConvertArgs,
    target: Target,
    inputs: Vec<(&PathBuf, Vec<u8>, bool)>,
    sink: &mut dyn Write,
    outcome: &mut ConvertOutcome,
) -> std::io::Result<()> {
    let mut conv = Converter::new(sink, target).rekey(args.rekey);
    let mut all: Vec<Decoded> = Vec::with_capacity(inputs.len());
    for (path, bytes, is_output) in inputs {
        let (decoded, encoding) =
            decode_input(&display_name(path), bytes, args.encoding.as_deref());
        let format = match args.from {
            Some(InputFormat::Listing) => Some(Format::Listing),
            Some(InputFormat::CslJson) => Some(Format::CslJson),
            Some(InputFormat::Bibtex | InputFormat::Biblatex) => Some(Format::Bibtex),
            None => Format::from_path(path).or_else(|| Format::sniff(&decoded.text)),
        };
        all.push(Decoded {
            name: display_name(path),
            decoded,
            encoding,
            format,
            is_output,
        });
    }
    let is_bib = |d: &Decoded| matches!(d.format, Some(Format::Bibtex | Format::Biblatex));
    let mut i = 0;
    while i < all.len() {
        let j = if is_bib(&all[i]) {
            i + all[i..].iter().take_while(|d| is_bib(d)).count()
        } else {
            i + 1
        };
        if j == all.len() {
            conv.last_input();
        }
        let group = &all[i..j];
        let first = &group[0];
        let enc = |d: &Decoded| d.encoding;
        let diags = match first.format {
            Some(Format::Listing) => {
                conv.listing(&first.decoded, Some(first.name.clone()), enc(first))?
            }
            Some(Format::Bibtex | Format::Biblatex) => {
                let files: Vec<BibInput<'_>> = group
                    .iter()
                    .map(|d| BibInput {
                        decoded: &d.decoded,
                        file: Some(d.name.clone()),
                        encoding: enc(d),
                    })
                    .collect();
                conv.bibtex_files(&files)?
            }
            Some(Format::CslJson) => {
                conv.csl_json(&first.decoded, Some(first.name.clone()), enc(first))?
            }
            None => {
                eprintln!(
                    "bibkit: {}: cannot tell the input format; use --from bibtex, --from csl-json or --from listing",
                    shown(&first.name)
                );
                outcome.trouble = true;
                outcome.damaged_output |= first.is_output;
                i = j;
                continue;
            }
        };
        let mut stderr = std::io::stderr().lock();
        for d in &diags {
            let input = match group {
                [one] => Some(one),
                _ => group.iter().find(|g| d.file.as_ref() == Some(&g.name)),
            };
            if d.severity == Severity::Error {
                outcome.findings = true;
                outcome.damaged_output |= input.is_none_or(|g| g.is_output);
            }
            let text = input.map(|g| g.decoded.text.as_str());
            let _ = writeln!(stderr, "{}", d.render(text));
        }
        i = j;
    }
    conv.finish().map(|_| ())
}

/// The paths, each file once: a file named again (by any path to it) is read the first time
/// only, with a note.
pub(crate) fn once_each(paths: &[PathBuf]) -> Vec<&PathBuf> {
    let mut kept: Vec<&PathBuf> = Vec::with_capacity(paths.len());
    for p in paths {
        match kept
            .iter()
            .find(|k| k.as_os_str() == p.as_os_str() || bibkit::io::same_file(k, p))
        {
            Some(k) if p.as_os_str() != "-" => eprintln!(
                "bibkit: note: {} is {}, named before; it is read once",
                shown(&p.display().to_string()),
                shown(&k.display().to_string())
            ),
            _ => kept.push(p),
        }
    }
    kept
}

/// The files named, or standard input when there are none.
pub(crate) fn inputs_or_stdin(inputs: &[PathBuf]) -> Vec<PathBuf> {
    if inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        inputs.to_vec()
    }
}

/// The encoding `--encoding` names (`None` without the option); a usage error for an
/// unknown label.
pub(crate) fn encoding_arg(
    label: Option<&str>,
) -> Result<Option<&'static encoding_rs::Encoding>, ExitCode> {
    let Some(label) = label else {
        return Ok(None);
    };
    match source::encoding_for_label(label) {
        Some(e) => Ok(Some(e)),
        None if encoding_rs::Encoding::for_label(label.trim().as_bytes()).is_some() => {
            eprintln!(
                "bibkit: `{}` is not an encoding a file is written in (it reads every input as one U+FFFD); name the file's real encoding",
                shown(label)
            );
            Err(ExitCode::from(EXIT_TROUBLE))
        }
        None => {
            eprintln!(
                "bibkit: unknown encoding `{}` (try utf-8, latin1, windows-1252, gbk, shift_jis, utf-16le)",
                shown(label)
            );
            Err(ExitCode::from(EXIT_TROUBLE))
        }
    }
}

/// Decodes one input: from `--encoding` when given, else from what the file declares (a
/// UTF-16 byte-order mark, JabRef's `% Encoding:` line on a `.bib`), else UTF-8. Says which
/// encoding was used when it was not the one named or UTF-8. Gives the text and the label
/// of the encoding it was read in (`None` for UTF-8).
pub(crate) fn decode_input(
    name: &str,
    bytes: Vec<u8>,
    explicit: Option<&str>,
) -> (source::Decoded, Option<&'static str>) {
    if let Some(label) = explicit {
        let Some(decoded) = source::decode_owned(bytes, Some(label)) else {
            unreachable!("the encoding label was checked");
        };
        let name = source::encoding_for_label(label).map(|e| e.name());
        return (decoded, name.filter(|n| *n != "UTF-8"));
    }
    if let Some(enc) = source::declared_encoding(&bytes) {
        eprintln!(
            "bibkit: note: {}: read as {}, as its `% Encoding:` line says",
            shown(name),
            enc.name()
        );
        let Some(decoded) = source::decode_owned(bytes, Some(enc.name())) else {
            unreachable!("a known encoding");
        };
        return (decoded, Some(enc.name()));
    }
    let decoded = source::decode_utf8_owned(bytes);
    if let Some(enc) = decoded.encoding {
        eprintln!(
            "bibkit: note: {}: read as {enc}, as its byte-order mark says",
            shown(name)
        );
    }
    let enc = decoded.encoding;
    (decoded, enc)
}

/// Options from `--config FILE`, else `bibkit.toml` in the current directory, else the
/// defaults; an unreadable or invalid file is reported and gives exit status 2.
pub(crate) fn load_config<T, E: std::fmt::Display>(
    explicit: Option<&Path>,
    parse: impl FnOnce(&str) -> Result<T, E>,
    default: impl FnOnce() -> T,
) -> Result<T, ExitCode> {
    let path = explicit.map(Path::to_path_buf).or_else(|| {
        let p = PathBuf::from("bibkit.toml");
        p.is_file().then_some(p)
    });
    let Some(p) = path else {
        return Ok(default());
    };
    std::fs::read_to_string(&p)
        .map_err(|e| e.to_string())
        .and_then(|t| parse(&t).map_err(|e| e.to_string()))
        .map_err(|e| {
            eprintln!("bibkit: {}: {}", shown(&p.display().to_string()), shown(&e));
            ExitCode::from(EXIT_TROUBLE)
        })
}

/// 2 on I/O or usage trouble, else 1 on findings, else 0.
pub(crate) fn exit_status(trouble: bool, findings: bool) -> ExitCode {
    if trouble {
        ExitCode::from(EXIT_TROUBLE)
    } else if findings {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// The exit status after writing the output failed, with a message: 2, except for a
/// closed pipe (`bibkit convert … | head`), which ends quietly with 0, as `ripgrep` does.
pub(crate) fn write_failed(e: &std::io::Error) -> ExitCode {
    match e.kind() {
        std::io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        std::io::ErrorKind::OutOfMemory => eprintln!("bibkit: {}", shown(&e.to_string())),
        _ => eprintln!("bibkit: cannot write the output: {}", shown(&e.to_string())),
    }
    ExitCode::from(EXIT_TROUBLE)
}

/// Whether the memory a command needs beside its inputs (`factor` times their size) can
/// be had; else the message and exit status 2, before any work is done.
pub(crate) fn ensure_headroom(input: usize, factor: usize) -> Result<(), ExitCode> {
    bibkit::io::headroom(input.saturating_mul(factor)).map_err(|_| {
        eprintln!(
            "bibkit: there is not enough memory to work on {} MB of input (about {} MB more are needed)",
            input / 1_000_000,
            input.saturating_mul(factor) / 1_000_000
        );
        ExitCode::from(EXIT_TROUBLE)
    })
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
