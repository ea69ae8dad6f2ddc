//! What the commands share: reading inputs, configuration, exit statuses and messages.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bibkit::diagnostic::Severity;
use bibkit::io::Limits;
pub(crate) use bibkit::project::display_name;
use bibkit::project::{self, LoadError, Source};
use bibkit::source;

/// Exit statuses: 0 clean, 1 errors in the inputs (records not read, repeated keys), 2 usage
/// or I/O errors.
pub(crate) const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_TROUBLE: u8 = 2;

/// Reads one input under the limits, reporting why it could not be read.
pub(crate) fn read_input(path: &Path, limits: &Limits) -> Result<Vec<u8>, ()> {
    bibkit::io::read_input(path, limits).map_err(|e| eprintln!("bibkit: {e}"))
}

/// A name from the command line or a document, safe to print.
pub(crate) fn shown(name: &str) -> std::borrow::Cow<'_, str> {
    bibkit::diagnostic::escape_control(name)
}

/// The input limits (`[input]` in `bibkit.toml` or `--config FILE`).
pub(crate) fn input_limits(explicit: Option<&Path>) -> Result<Limits, ExitCode> {
    load_config(explicit, Limits::from_toml, Limits::default)
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

/// A finding as people read it, with the severity in colour (which `anstream` drops when
/// the output is not a terminal or `NO_COLOR` is set).
pub(crate) fn human(d: &bibkit::diagnostic::Diagnostic, source: Option<&str>) -> String {
    use anstyle::{AnsiColor, Style};
    let text = d.render(source);
    let style = match d.severity {
        Severity::Error => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        Severity::Warning => Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold(),
        Severity::Info => Style::new().fg_color(Some(AnsiColor::Cyan.into())).bold(),
    };
    let label = format!("{}[{}]", d.severity, d.rule);
    let mut text = text.replacen(&label, &format!("{style}{label}{style:#}"), 1);
    if let Some(f) = &d.fix {
        let how = match f.applicability {
            bibkit::diagnostic::Applicability::Safe => "`--fix`",
            bibkit::diagnostic::Applicability::Unsafe => "`--fix --unsafe-fixes`",
        };
        text.push_str(&format!("\n  = fix: {} ({how})", shown(&f.message)));
    }
    text
}

/// Reads and decodes one input (see [`bibkit::project::load`]), printing the notes on how
/// it was decoded, or why it could not be read.
pub(crate) fn load_input(
    path: &Path,
    limits: &Limits,
    encoding: Option<&str>,
    lossy: bool,
) -> Result<Source, ()> {
    match project::load_with(path, limits, encoding, lossy) {
        Ok(s) => {
            print_notes(&s);
            Ok(s)
        }
        Err(LoadError::Read(e)) => {
            eprintln!("bibkit: {e}");
            Err(())
        }
        Err(e @ LoadError::Encoding(_)) => {
            eprintln!("bibkit: {}", shown(&e.to_string()));
            Err(())
        }
    }
}

/// Prints how an input's encoding was chosen, when the file chose it.
pub(crate) fn print_notes(s: &Source) {
    for note in &s.notes {
        eprintln!("bibkit: note: {}: {note}", shown(&s.name));
    }
}
