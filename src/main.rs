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
