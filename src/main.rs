//! The `bibkit` command-line program: a thin layer over the library.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use bibkit::diagnostic::Severity;
use bibkit::formats::{Format, Parsed, bibtex, csl_json, listing};
use bibkit::keys::KeyGenerator;
use bibkit::model::Bibliography;
use bibkit::source;
use clap::{Parser, Subcommand, ValueEnum};

/// Read, normalise and write bibliographies.
#[derive(Debug, Parser)]
#[command(name = "bibkit", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert between formats: listing → BibTeX, BibLaTeX or CSL-JSON.
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InputFormat {
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

fn main() -> ExitCode {
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
    let mut trouble = false;
    let mut findings = false;
    let mut all = Bibliography::new();
    let mut keys = KeyGenerator::new();
    let mut stderr = std::io::stderr().lock();
    for path in &inputs {
        let name = display_name(path);
        let bytes = match read_input(path) {
            Ok(b) => b,
            Err(e) => {
                let _ = writeln!(stderr, "bibkit: cannot read {name}: {e}");
                trouble = true;
                continue;
            }
        };
        let decoded = source::decode_utf8(&bytes);
        let format = match args.from {
            Some(InputFormat::Listing) => Some(Format::Listing),
            None => Format::from_path(path).or_else(|| Format::sniff(&decoded.text)),
        };
        let mut parsed: Parsed = match format {
            Some(Format::Listing) => listing::ListingReader::new()
                .file(name.clone())
                .read_with_keys(&decoded.text, &mut keys),
            Some(other) => {
                let _ = writeln!(
                    stderr,
                    "bibkit: {name}: {other:?} input cannot be converted by this version; use --from listing if this is a listing"
                );
                trouble = true;
                continue;
            }
            None => {
                let _ = writeln!(
                    stderr,
                    "bibkit: {name}: cannot tell the input format; use --from listing"
                );
                trouble = true;
                continue;
            }
        };
        source::reject_invalid(&mut parsed, &decoded, Some(name.clone()));
        for d in &parsed.diagnostics {
            findings |= d.severity == Severity::Error;
            let _ = writeln!(stderr, "{}", d.render(Some(&decoded.text)));
        }
        all.entries.append(&mut parsed.bibliography.entries);
        all.preambles.append(&mut parsed.bibliography.preambles);
    }

    let text = match args.to {
        OutputFormat::CslJson => csl_json::to_string(&all),
        OutputFormat::Bibtex | OutputFormat::Biblatex => {
            let dialect = if args.to == OutputFormat::Bibtex {
                bibtex::Dialect::Bibtex
            } else {
                bibtex::Dialect::Biblatex
            };
            let opts = bibtex::WriteOptions::new()
                .dialect(dialect)
                .ascii(args.ascii)
                .protect_acronyms(true);
            bibtex::write(&all, &opts)
        }
    };
    let written = match &args.output {
        Some(out) => {
            std::fs::write(out, text.as_bytes()).map_err(|e| (out.display().to_string(), e))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| ("standard output".to_string(), e))
        }
    };
    if let Err((what, e)) = written {
        // A closed pipe (`bibkit convert … | head`) is not worth a message.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(stderr, "bibkit: cannot write {what}: {e}");
        }
        trouble = true;
    }
    if trouble {
        ExitCode::from(EXIT_TROUBLE)
    } else if findings {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}
