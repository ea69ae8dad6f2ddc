//! `bibkit convert`: every input read first, then one conversion into the output.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use bibkit::convert::{BibInput, Converter, Target};
use bibkit::diagnostic::Severity;
use bibkit::formats::{Format, bibtex};
use bibkit::project::Source;

use super::args::{ConvertArgs, OutputFormat, ReportFormat};
use super::common::{
    EXIT_FINDINGS, EXIT_TROUBLE, encoding_arg, ensure_headroom, exit_status, input_limits,
    inputs_or_stdin, load_input, once_each, shown, write_failed,
};

pub(crate) fn run(args: &ConvertArgs) -> ExitCode {
    let inputs = inputs_or_stdin(&args.inputs);
    if let Err(code) = encoding_arg(args.encoding.as_deref()) {
        return code;
    }
    let limits = match input_limits(args.config.as_deref()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let target = target(args);
    // Every input is read before anything is written: an input that cannot be read leaves
    // the output as it was, and `-o` may name one of the inputs.
    let output = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let mut read = Vec::with_capacity(inputs.len());
    let mut trouble = false;
    let mut report = Report {
        json: args.format == ReportFormat::Json,
        held: Vec::new(),
    };
    for path in once_each(&inputs) {
        match load_input(path, &limits, args.encoding.as_deref(), args.lossy) {
            Ok(source) => {
                for d in
                    bibkit::source::salvage_diagnostics(&source.decoded, Some(source.name.clone()))
                {
                    report.say(d, Some(&source.decoded.text));
                }
                let is_output = output.is_some_and(|o| bibkit::io::same_file(path, o));
                // `--from`, else told once from the name and the content.
                let format = match args.from {
                    Some(f) => Some(f.format()),
                    None => {
                        let told = source.detect();
                        if let Some(d) = told.and_then(|t| detected(&source, t)) {
                            report.say(d, None);
                        }
                        told.map(|t| t.format)
                    }
                };
                read.push(Input {
                    source,
                    format,
                    is_output,
                });
            }
            Err(()) => trouble = true,
        }
    }
    if trouble {
        report.finish();
        if let Some(o) = output {
            eprintln!(
                "bibkit: {} is left as it was",
                shown(&o.display().to_string())
            );
        }
        return ExitCode::from(EXIT_TROUBLE);
    }
    let total: usize = read.iter().map(|i| i.source.decoded.text.len()).sum();
    if let Err(code) = ensure_headroom(total, 2) {
        return code;
    }
    let mut outcome = Outcome::default();
    let result = match output {
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            convert(args, target, &read, &mut out, &mut outcome, &mut report)
                .and_then(|()| out.flush())
        }
        Some(path) => write_output(path, |w| {
            convert(args, target, &read, w, &mut outcome, &mut report)?;
            Ok(!outcome.damaged_output)
        }),
    };
    report.finish();
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

/// The output format: `--to`, else from the `-o` file's extension, else BibTeX.
fn target(args: &ConvertArgs) -> Target {
    let to = args.to.map(OutputFormat::format).unwrap_or_else(|| {
        args.output
            .as_deref()
            .and_then(Format::from_path)
            .filter(|f| f.writable())
            .unwrap_or(Format::Bibtex)
    });
    match to {
        Format::Bibtex | Format::Biblatex => {
            let dialect = if to == Format::Biblatex {
                bibtex::Dialect::Biblatex
            } else {
                bibtex::Dialect::Bibtex
            };
            Target::Bib(
                bibtex::WriteOptions::new()
                    .dialect(dialect)
                    .ascii(args.ascii),
            )
        }
        f => Target::of(f).unwrap_or(Target::Bib(bibtex::WriteOptions::new())),
    }
}

/// The note saying which format an input was read as, when its content told it.
fn detected(
    source: &Source,
    d: bibkit::formats::Detected,
) -> Option<bibkit::diagnostic::Diagnostic> {
    use bibkit::formats::Told;
    let message = match d.told {
        Told::Extension => return None,
        Told::Content => format!(
            "read as {} (`--from {}`), told from its content",
            d.format.name(),
            d.format.id()
        ),
        Told::ContentNotExtension(by_name) => format!(
            "read as {} (`--from {}`), told from its content: its extension says {}",
            d.format.name(),
            d.format.id(),
            by_name.name()
        ),
    };
    let mut d = bibkit::diagnostic::Diagnostic::new(Severity::Info, "format-detected", message);
    d.file = Some(source.name.clone());
    Some(d)
}

/// Writes `path` atomically with what `body` writes; `body` says `false` to keep the
/// file as it was.
fn write_output(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<bool>,
) -> std::io::Result<()> {
    bibkit::io::write_file(path, |w| {
        if body(w)? {
            Ok(())
        } else {
            Err(std::io::Error::other(REFUSED))
        }
    })
    .map_err(|e| match e.io_error() {
        Some(io) if io.to_string() == REFUSED => std::io::Error::other(REFUSED),
        _ => std::io::Error::other(e.to_string()),
    })
}

const REFUSED: &str = "bibkit: output refused";

/// Where diagnostics go: to standard error as they come, or held for one JSON array.
struct Report {
    json: bool,
    held: Vec<bibkit::diagnostic::Diagnostic>,
}

impl Report {
    fn say(&mut self, d: bibkit::diagnostic::Diagnostic, text: Option<&str>) {
        if self.json {
            self.held.push(d);
        } else {
            let _ = writeln!(std::io::stderr().lock(), "{}", d.render(text));
        }
    }

    /// Prints the JSON array (empty when nothing was said).
    fn finish(&mut self) {
        if self.json {
            let held = std::mem::take(&mut self.held);
            let json = serde_json::to_string_pretty(&held).unwrap_or_else(|_| "[]".into());
            let _ = writeln!(std::io::stderr().lock(), "{json}");
            self.json = false;
        }
    }
}

/// One input, loaded.
struct Input {
    source: Source,
    format: Option<Format>,
    /// It is also the output file.
    is_output: bool,
}

#[derive(Default)]
struct Outcome {
    /// Some record could not be read.
    findings: bool,
    /// An input's format could not be told (a usage error).
    trouble: bool,
    /// A record of an input that is also the output could not be read.
    damaged_output: bool,
}

/// Converts the inputs into `sink`, printing their diagnostics. `.bib` inputs that follow
/// each other are read as one bibliography (macros and crossrefs carry across them, as in
/// BibTeX).
fn convert(
    args: &ConvertArgs,
    target: Target,
    inputs: &[Input],
    sink: &mut dyn Write,
    outcome: &mut Outcome,
    report: &mut Report,
) -> std::io::Result<()> {
    let mut conv = Converter::new(sink, target).rekey(args.rekey);
    let is_bib = |d: &Input| matches!(d.format, Some(Format::Bibtex | Format::Biblatex));
    let mut i = 0;
    while i < inputs.len() {
        let j = if is_bib(&inputs[i]) {
            i + inputs[i..].iter().take_while(|d| is_bib(d)).count()
        } else {
            i + 1
        };
        if j == inputs.len() {
            conv.last_input();
        }
        let group = &inputs[i..j];
        i = j;
        let first = &group[0].source;
        let diags = match group[0].format {
            Some(Format::Listing) => {
                conv.listing(&first.decoded, Some(first.name.clone()), first.encoding)?
            }
            Some(Format::Bibtex | Format::Biblatex) => {
                let files: Vec<BibInput<'_>> = group.iter().map(|d| d.source.bib_input()).collect();
                conv.bibtex_files(&files)?
            }
            Some(Format::CslJson) => {
                conv.csl_json(&first.decoded, Some(first.name.clone()), first.encoding)?
            }
            Some(format) => conv.records(
                format,
                &first.decoded,
                Some(first.name.clone()),
                first.encoding,
            )?,
            None => {
                eprintln!(
                    "bibkit: {}: cannot tell the input format; use --from with one of {}",
                    shown(&first.name),
                    super::args::input_format_names()
                );
                outcome.trouble = true;
                outcome.damaged_output |= group[0].is_output;
                continue;
            }
        };
        for d in diags {
            let input = match group {
                [one] => Some(one),
                _ => group
                    .iter()
                    .find(|g| d.file.as_ref() == Some(&g.source.name)),
            };
            if d.severity == Severity::Error {
                outcome.findings = true;
                // Both entries of a repeated key are written: nothing of the input is lost.
                if d.rule != "duplicate-key" {
                    outcome.damaged_output |= input.is_none_or(|g| g.is_output);
                }
            }
            let text = input.map(|g| g.source.decoded.text.as_str());
            report.say(d, text);
        }
    }
    let (_, losses) = conv.finish_report()?;
    for d in losses {
        let text = inputs
            .iter()
            .find(|g| d.file.as_ref() == Some(&g.source.name))
            .map(|g| g.source.decoded.text.as_str());
        report.say(d, text);
    }
    Ok(())
}
