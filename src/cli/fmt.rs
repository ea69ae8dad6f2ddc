//! `bibkit fmt`: the formatter on files, a unit at a time.
//!
//! Valid UTF-8 is formatted where it lies and streamed: to standard output, into the
//! temporary file that replaces the original (`--write`), or into a diff (`--check`), so a
//! file of any size costs about its own size in memory. Other encodings (named by
//! `--encoding`, or UTF-16 by its byte-order mark) are decoded, formatted and encoded back,
//! copying the file's own bytes for every stretch the formatter copies (values, keys,
//! comments), so bytes it did not touch stay as they were.

use std::borrow::Cow;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use bibkit::diagnostic::{Diagnostic, Severity};
use bibkit::fmt::{Copied, FmtOptions, FmtSink, format_with};
use bibkit::io::{Snapshot, WriteErrorKind};
use bibkit::model::Span;
use bibkit::source::{self, OffsetMap};

use super::args::FmtArgs;
use super::common::{
    EXIT_TROUBLE, display_name, encoding_arg, ensure_headroom, exit_status, input_limits,
    inputs_or_stdin, load_config, read_input, shown, write_failed,
};

/// Why a `--write` did not replace a file (carried out of the writer as an I/O error, so
/// that the temporary file is removed and the file left as it was).
const NOT_REWRITTEN: &str = "bibkit: not rewritten";

pub(crate) fn run(args: &FmtArgs) -> ExitCode {
    let opts = match load_config(
        args.config.as_deref(),
        FmtOptions::from_toml,
        FmtOptions::default,
    ) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let encoding = match encoding_arg(args.encoding.as_deref()) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let inputs = inputs_or_stdin(&args.inputs);
    if args.write && inputs.iter().any(|p| p.as_os_str() == "-") {
        eprintln!("bibkit: --write needs files, not standard input");
        return ExitCode::from(EXIT_TROUBLE);
    }
    let limits = match input_limits(args.config.as_deref()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (mut trouble, mut findings) = (false, false);
    for path in &inputs {
        let name = display_name(path);
        let outcome = if args.write {
            write_one(path, &name, encoding, &opts, &limits)
        } else {
            match read_input(path, &limits) {
                Ok(bytes) => {
                    if let Err(code) = ensure_headroom(bytes.len(), 2) {
                        return code;
                    }
                    let file = Prepared::new(&bytes, encoding, &name);
                    if args.check {
                        check_one(&file, &name, &opts)
                    } else {
                        print_one(&bytes, &file, &name, &opts)
                    }
                }
                Err(()) => Outcome::Trouble,
            }
        };
        match outcome {
            Outcome::Done => {}
            Outcome::Findings => findings = true,
            Outcome::Trouble => trouble = true,
            Outcome::Stop(e) => {
                return write_failed(&e);
            }
        }
    }
    if let Err(e) = std::io::stdout().flush() {
        return write_failed(&e);
    }
    exit_status(trouble, findings)
}

/// What formatting one file came to.
enum Outcome {
    Done,
    /// The file has errors, is not formatted (`--check`), or was not rewritten.
    Findings,
    /// It could not be read or written.
    Trouble,
    /// Writing standard output failed: stop.
    Stop(std::io::Error),
}

/// How the formatted text is written: in UTF-8, in UTF-16, or in another encoding with the
/// file's own bytes for what the formatter copies.
enum Encoder<'a> {
    Utf8,
    Utf16 {
        le: bool,
    },
    Legacy {
        enc: &'static encoding_rs::Encoding,
        map: OffsetMap,
        bytes: &'a [u8],
    },
}

/// A file ready for the formatter: its text, what goes before the formatted text (a
/// byte-order mark), how to encode it; or why it is left as it is.
struct Prepared<'a> {
    text: Cow<'a, str>,
    bom: &'static [u8],
    encoder: Encoder<'a>,
    /// Errors that keep the file as it is (undecodable bytes, UTF-16 without a mark).
    refused: Vec<Diagnostic>,
}

impl<'a> Prepared<'a> {
    fn new(
        bytes: &'a [u8],
        encoding: Option<&'static encoding_rs::Encoding>,
        name: &Arc<str>,
    ) -> Self {
        // A UTF-16 byte-order mark or JabRef's `% Encoding:` line says the encoding, and
        // the file is written back in it.
        let encoding = encoding
            .or_else(|| source::utf16_bom(bytes))
            .or_else(|| source::declared_encoding(bytes));
        let refuse = |text: String, diags: Vec<Diagnostic>| Prepared {
            text: Cow::Owned(text),
            bom: b"",
            encoder: Encoder::Utf8,
            refused: diags,
        };
        if let (None, Some(label)) = (encoding, source::utf16_without_bom(bytes)) {
            let d = Diagnostic::new(
                Severity::Error,
                "invalid-encoding",
                format!("the file looks like UTF-16 without a byte-order mark (every other byte is zero); it is left as it is (pass `--encoding {label}`)"),
            )
            .at_line_col(Span::new(0, 0), 1, 1)
            .in_file(name.clone());
            return refuse(String::from_utf8_lossy(bytes).into_owned(), vec![d]);
        }
        let utf8 = encoding.is_none_or(|e| e == encoding_rs::UTF_8);
        if utf8 {
            let bom = bytes.starts_with(b"\xEF\xBB\xBF");
            let body = if bom { &bytes[3..] } else { bytes };
            return match std::str::from_utf8(body) {
                Ok(text) => Prepared {
                    text: Cow::Borrowed(text),
                    bom: if bom { b"\xEF\xBB\xBF" } else { b"" },
                    encoder: Encoder::Utf8,
                    refused: Vec::new(),
                },
                Err(_) => {
                    // Formatting would replace the bytes it cannot read.
                    let d = source::decode_utf8(bytes);
                    let diags = source::invalid_diagnostics(&d, Some(name.clone()), None)
                        .into_iter()
                        .map(|mut x| {
                            x.message = "invalid UTF-8; the file is left as it is (if it uses another encoding, pass `--encoding`, e.g. `--encoding latin1`)".to_string();
                            x
                        })
                        .collect();
                    refuse(d.text, diags)
                }
            };
        }
        let Some(enc) = encoding else {
            unreachable!("not UTF-8, so an encoding")
        };
        let label = enc.name();
        let Some((decoded, map)) = source::decode_mapped(bytes, label) else {
            unreachable!("the encoding label was checked")
        };
        if !decoded.invalid.is_empty() {
            let diags = source::invalid_diagnostics(&decoded, Some(name.clone()), Some(label))
                .into_iter()
                .map(|mut x| {
                    x.message =
                        format!("bytes that are not valid {label}; the file is left as it is");
                    x
                })
                .collect();
            return refuse(decoded.text, diags);
        }
        let (bom, encoder): (&'static [u8], Encoder<'a>) =
            if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                // encoding_rs encodes only to ASCII-compatible encodings.
                let le = enc == encoding_rs::UTF_16LE;
                let mark: &'static [u8] = if le { b"\xFF\xFE" } else { b"\xFE\xFF" };
                (
                    if bytes.starts_with(mark) { mark } else { b"" },
                    Encoder::Utf16 { le },
                )
            } else {
                (b"", Encoder::Legacy { enc, map, bytes })
            };
        Prepared {
            text: Cow::Owned(decoded.text),
            bom,
            encoder,
            refused: Vec::new(),
        }
    }

    /// The whole formatted output in memory (for encodings other than UTF-8, whose
    /// characters might not all be writable), or the error that keeps the file as it is.
    fn encoded(
        &self,
        opts: &FmtOptions,
        name: &Arc<str>,
    ) -> (Result<Vec<u8>, Diagnostic>, Vec<Diagnostic>) {
        let mut sink = Bytes {
            encoder: &self.encoder,
            out: self.bom.to_vec(),
            unmappable: false,
        };
        let diags = format_with(&self.text, opts, &mut sink).unwrap_or_default();
        if sink.unmappable {
            let what = match &self.encoder {
                Encoder::Legacy { enc, .. } => enc.name(),
                _ => "the file's encoding",
            };
            let d = Diagnostic::new(
                Severity::Error,
                "invalid-encoding",
                format!("the file holds characters {what} cannot write back; it is left as it is"),
            )
            .in_file(name.clone());
            return (Err(d), diags);
        }
        (Ok(sink.out), diags)
    }
}

/// Collects encoded output.
struct Bytes<'e, 'a> {
    encoder: &'e Encoder<'a>,
    out: Vec<u8>,
    unmappable: bool,
}

impl FmtSink for Bytes<'_, '_> {
    fn unit(&mut self, _: Span, new: &str, copied: &[Copied]) -> std::io::Result<()> {
        match self.encoder {
            Encoder::Utf8 => self.out.extend_from_slice(new.as_bytes()),
            Encoder::Utf16 { le } => {
                for unit in new.encode_utf16() {
                    self.out.extend_from_slice(&if *le {
                        unit.to_le_bytes()
                    } else {
                        unit.to_be_bytes()
                    });
                }
            }
            Encoder::Legacy { enc, map, bytes } => {
                // ISO-2022-JP switches states with escapes: its bytes cannot be spliced.
                let splice = *enc != encoding_rs::ISO_2022_JP;
                let mut pos = 0;
                let mut encode = |s: &str, out: &mut Vec<u8>| {
                    let (b, _, unmappable) = enc.encode(s);
                    self.unmappable |= unmappable;
                    out.extend_from_slice(&b);
                };
                if splice {
                    for c in copied {
                        encode(&new[pos..c.at], &mut self.out);
                        let len = c.from.end - c.from.start;
                        let (a, b) = (map.byte(c.from.start), map.byte(c.from.end));
                        self.out.extend_from_slice(&bytes[a..b]);
                        pos = c.at + len;
                    }
                }
                encode(&new[pos..], &mut self.out);
            }
        }
        Ok(())
    }
}

/// Streams UTF-8 output to a writer, noting whether it equals the input.
struct Stream<'w, 'i> {
    w: &'w mut dyn Write,
    input: &'i [u8],
    pos: usize,
    same: bool,
}

impl Stream<'_, '_> {
    fn put(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.same = self.same && self.input.get(self.pos..self.pos + b.len()) == Some(b);
        self.pos += b.len();
        self.w.write_all(b)
    }

    fn unchanged(&self) -> bool {
        self.same && self.pos == self.input.len()
    }
}

impl FmtSink for Stream<'_, '_> {
    fn unit(&mut self, _: Span, new: &str, _: &[Copied]) -> std::io::Result<()> {
        self.put(new.as_bytes())
    }
}

fn print_diagnostics(diags: &[Diagnostic], text: &str, name: &Arc<str>) -> bool {
    for d in diags {
        if d.file.is_none() {
            eprintln!("{}", d.clone().in_file(name.clone()).render(Some(text)));
        } else {
            eprintln!("{}", d.render(Some(text)));
        }
    }
    diags.iter().any(|d| d.severity == Severity::Error)
}

/// `bibkit fmt FILE`: the formatted text on standard output (a file that cannot be
/// formatted is printed as it is).
fn print_one(bytes: &[u8], file: &Prepared<'_>, name: &Arc<str>, opts: &FmtOptions) -> Outcome {
    let mut stdout = std::io::stdout().lock();
    if !file.refused.is_empty() {
        print_diagnostics(&file.refused, &file.text, name);
        return match stdout.write_all(bytes) {
            Ok(()) => Outcome::Findings,
            Err(e) => Outcome::Stop(e),
        };
    }
    let (result, diags) = match file.encoder {
        Encoder::Utf8 => {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut stdout);
            let mut sink = Stream {
                w: &mut w,
                input: &[],
                pos: 0,
                same: false,
            };
            let r = sink
                .put(file.bom)
                .and_then(|()| format_with(&file.text, opts, &mut sink));
            match r.and_then(|d| w.flush().map(|()| d)) {
                Ok(d) => (Ok(()), d),
                Err(e) => (Err(e), Vec::new()),
            }
        }
        _ => match file.encoded(opts, name) {
            (Ok(out), d) => (stdout.write_all(&out), d),
            (Err(refusal), d) => {
                let mut all = d;
                all.push(refusal);
                (stdout.write_all(bytes), all)
            }
        },
    };
    let broken = print_diagnostics(&diags, &file.text, name);
    match result {
        Err(e) => Outcome::Stop(e),
        Ok(()) if broken => Outcome::Findings,
        Ok(()) => Outcome::Done,
    }
}

/// `bibkit fmt --check FILE`: a unified diff when the file is not formatted.
fn check_one(file: &Prepared<'_>, name: &Arc<str>, opts: &FmtOptions) -> Outcome {
    if !file.refused.is_empty() {
        print_diagnostics(&file.refused, &file.text, name);
        return Outcome::Findings;
    }
    let mut stdout = std::io::stdout().lock();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut stdout);
    let mut diff = Diff::new(&file.text, name, &mut w);
    let result = format_with(&file.text, opts, &mut diff)
        .and_then(|d| diff.finish().map(|changed| (d, changed)));
    let result = result.and_then(|r| w.flush().map(|()| r));
    match result {
        Err(e) => Outcome::Stop(e),
        Ok((diags, changed)) => {
            let broken = print_diagnostics(&diags, &file.text, name);
            if changed || broken {
                Outcome::Findings
            } else {
                Outcome::Done
            }
        }
    }
}

/// `bibkit fmt --write FILE`: the file replaced by its formatted text, through the atomic
/// writer, unless it has errors, is formatted already, or changed meanwhile.
fn write_one(
    path: &std::path::Path,
    name: &Arc<str>,
    encoding: Option<&'static encoding_rs::Encoding>,
    opts: &FmtOptions,
    limits: &bibkit::io::Limits,
) -> Outcome {
    // Refused before it is read: `/dev/stdin`, a FIFO, a read-only file, hard links.
    if let Err(e) = bibkit::io::check_replaceable(path) {
        eprintln!("bibkit: {e}");
        return match e.kind() {
            WriteErrorKind::Io => Outcome::Trouble,
            _ => Outcome::Findings,
        };
    }
    let snapshot = match Snapshot::read(path, limits) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bibkit: {e}");
            return Outcome::Trouble;
        }
    };
    let bytes = snapshot.bytes();
    if bibkit::io::headroom(bytes.len()).is_err() {
        eprintln!(
            "bibkit: there is not enough memory to format {}; not rewritten",
            shown(name)
        );
        return Outcome::Trouble;
    }
    let file = Prepared::new(bytes, encoding, name);
    if !file.refused.is_empty() {
        print_diagnostics(&file.refused, &file.text, name);
        eprintln!("bibkit: {} has errors; not rewritten", shown(name));
        return Outcome::Findings;
    }
    let mut diags = Vec::new();
    let mut why: Option<&str> = None;
    let result = snapshot.replace(|w| {
        let fail = || std::io::Error::other(NOT_REWRITTEN);
        match &file.encoder {
            Encoder::Utf8 => {
                let mut sink = Stream {
                    w,
                    input: bytes,
                    pos: 0,
                    same: true,
                };
                sink.put(file.bom)?;
                diags = format_with(&file.text, opts, &mut sink)?;
                if diags.iter().any(|d| d.severity == Severity::Error) {
                    why = Some("errors");
                    return Err(fail());
                }
                if sink.unchanged() {
                    why = Some("unchanged");
                    return Err(fail());
                }
            }
            _ => {
                let (out, d) = file.encoded(opts, name);
                diags = d;
                let out = match out {
                    Ok(o) => o,
                    Err(refusal) => {
                        diags.push(refusal);
                        why = Some("errors");
                        return Err(fail());
                    }
                };
                if diags.iter().any(|d| d.severity == Severity::Error) {
                    why = Some("errors");
                    return Err(fail());
                }
                if out == bytes {
                    why = Some("unchanged");
                    return Err(fail());
                }
                w.write_all(&out)?;
            }
        }
        Ok(())
    });
    let broken = print_diagnostics(&diags, &file.text, name);
    match (result, why) {
        (Ok(()), _) => {
            if broken {
                Outcome::Findings
            } else {
                Outcome::Done
            }
        }
        (Err(_), Some("unchanged")) => Outcome::Done,
        (Err(_), Some(_)) => {
            eprintln!("bibkit: {} has errors; not rewritten", shown(name));
            Outcome::Findings
        }
        (Err(e), None) => {
            eprintln!("bibkit: {e}");
            match e.kind() {
                WriteErrorKind::Io => Outcome::Trouble,
                _ => Outcome::Findings,
            }
        }
    }
}

/// A unified diff of a file and its formatted text, built a unit at a time: each stretch
/// that ends at a line break in both texts is diffed on its own (so the cost grows with
/// the file, never with the square of it), and hunks with three lines of context are made
/// from the stream of lines. Control characters in the lines are escaped: a diff goes to a
/// terminal or a CI log, where a line of the file must not become a workflow command or an
/// escape sequence.
struct Diff<'t, 'w> {
    old: &'t str,
    /// Not yet diffed: the old text from here, and the new text.
    pending_old: usize,
    pending_new: String,
    hunks: Hunks<'t>,
    /// Where the diff goes.
    w: &'w mut dyn Write,
}

/// Where the last line (ended by LF, as the diff reads lines) of `s` ends, if it has one.
fn after_last_line(s: &str) -> Option<usize> {
    memchr::memrchr(b'\n', s.as_bytes()).map(|i| i + 1)
}

impl<'t, 'w> Diff<'t, 'w> {
    fn new(old: &'t str, name: &str, w: &'w mut dyn Write) -> Self {
        let name = shown(name);
        Diff {
            old,
            pending_old: 0,
            pending_new: String::new(),
            hunks: Hunks {
                header: Some(format!("--- {name}\n+++ {name} (formatted)\n")),
                ..Hunks::default()
            },
            w,
        }
    }

    /// Diffs the old text up to `old_end` against `new`.
    fn flush(&mut self, old_end: usize, new: &str) -> std::io::Result<()> {
        let all: &'t str = self.old;
        let old = &all[self.pending_old..old_end];
        if old == new {
            for l in old.split_inclusive('\n') {
                self.hunks.line(' ', Cow::Borrowed(l), self.w)?;
            }
        } else if old.len() + new.len() > BIG_CHUNK {
            // A very large stretch (an entry of megabytes) is written as it is compared:
            // all its old lines out, all its new lines in, one hunk without context.
            self.hunks.whole(old, new, self.w)?;
        } else {
            // Lines of the old text are borrowed from it (found in order), new ones copied.
            let mut at = self.pending_old;
            let diff = similar::TextDiff::from_lines(old, new);
            for change in diff.iter_all_changes() {
                let (tag, text) = match change.tag() {
                    similar::ChangeTag::Equal | similar::ChangeTag::Delete => {
                        let len = change.value().len();
                        let line = Cow::Borrowed(&all[at..at + len]);
                        at += len;
                        let tag = if change.tag() == similar::ChangeTag::Equal {
                            ' '
                        } else {
                            '-'
                        };
                        (tag, line)
                    }
                    similar::ChangeTag::Insert => ('+', Cow::Owned(change.value().to_string())),
                };
                self.hunks.line(tag, text, self.w)?;
            }
        }
        self.pending_old = old_end;
        Ok(())
    }

    /// Diffs what is left and writes the last hunk; whether the file differs.
    fn finish(mut self) -> std::io::Result<bool> {
        let o = self.old.len();
        if self.pending_old < o || !self.pending_new.is_empty() {
            let new = std::mem::take(&mut self.pending_new);
            self.flush(o, &new)?;
        }
        self.hunks.close(false, self.w)?;
        Ok(self.hunks.any)
    }
}

impl FmtSink for Diff<'_, '_> {
    fn unit(&mut self, old: Span, new: &str, _: &[Copied]) -> std::io::Result<()> {
        // Both texts so far have whole lines: diff them up to the last of those (taking the
        // new text from where it is when nothing is pending, so a large unit is not copied).
        let cut_old = after_last_line(&self.old[self.pending_old..old.end]);
        if self.pending_new.is_empty() {
            if let (Some(o), Some(n)) = (cut_old, after_last_line(new)) {
                self.flush(self.pending_old + o, &new[..n])?;
                self.pending_new.push_str(&new[n..]);
                return Ok(());
            }
        }
        // A large unit gets room for itself and what usually follows it (a separator): a
        // string grown by doubling would hold twice it.
        if new.len() > 1 << 20 {
            self.pending_new
                .try_reserve_exact(new.len() + 4096)
                .map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::OutOfMemory,
                        "there is not enough memory for the diff",
                    )
                })?;
        }
        self.pending_new.push_str(new);
        if let (Some(o), Some(n)) = (cut_old, after_last_line(&self.pending_new)) {
            let rest = self.pending_new.split_off(n);
            let done = std::mem::replace(&mut self.pending_new, rest);
            self.flush(self.pending_old + o, &done)?;
        }
        Ok(())
    }
}

/// Hunks of a unified diff, from a stream of lines tagged ` `, `-` or `+`. A hunk is
/// closed after three unchanged lines past its last change; one that grows to
/// [`MAX_HUNK`] lines is cut there, and the hunks of such a run follow each other with no
/// context lines at all (`patch` takes a hunk whose leading and trailing context differ
/// for one at the start or end of the file), so that a file changed throughout is not held
/// as one hunk.
#[derive(Default)]
struct Hunks<'t> {
    /// The file names, written before the first hunk.
    header: Option<String>,
    /// Whether a hunk was written.
    any: bool,
    /// The last (up to three) unchanged lines before an open hunk.
    before: std::collections::VecDeque<Cow<'t, str>>,
    hunk: Option<Hunk<'t>>,
    /// Whether the next hunk continues a cut one (and so has no context).
    chained: bool,
    /// The next line's number in the old and the new text, from 0.
    old_line: usize,
    new_line: usize,
}

struct Hunk<'t> {
    old_start: usize,
    new_start: usize,
    old_len: usize,
    new_len: usize,
    lines: Vec<(char, Cow<'t, str>)>,
    /// Unchanged lines before the first change.
    lead: usize,
    /// Unchanged lines since the last change.
    trailing: usize,
    /// Part of a run of cut hunks: written without context.
    chained: bool,
}

const CONTEXT: usize = 3;
/// The most lines one hunk holds.
const MAX_HUNK: usize = 4096;
/// Stretches larger than this (bytes of old and new text) are not diffed line by line.
const BIG_CHUNK: usize = 4 << 20;

impl<'t> Hunks<'t> {
    fn line(&mut self, tag: char, text: Cow<'t, str>, w: &mut dyn Write) -> std::io::Result<()> {
        if tag == ' ' {
            self.old_line += 1;
            self.new_line += 1;
            match &mut self.hunk {
                Some(h) => {
                    h.lines.push((' ', text));
                    h.old_len += 1;
                    h.new_len += 1;
                    h.trailing += 1;
                    if h.trailing > 2 * CONTEXT {
                        self.close(false, w)?;
                    }
                }
                None => {
                    self.before.push_back(text);
                    if self.before.len() > CONTEXT {
                        self.before.pop_front();
                    }
                }
            }
            return Ok(());
        }
        if self
            .hunk
            .as_ref()
            .is_some_and(|h| h.lines.len() >= MAX_HUNK && h.trailing == 0)
        {
            self.close(true, w)?;
        }
        let chained = self.chained;
        let h = self.hunk.get_or_insert_with(|| {
            let lead: Vec<(char, Cow<'t, str>)> = if chained {
                Vec::new()
            } else {
                self.before.drain(..).map(|l| (' ', l)).collect()
            };
            let n = lead.len();
            Hunk {
                old_start: self.old_line - n,
                new_start: self.new_line - n,
                old_len: n,
                new_len: n,
                lines: lead,
                lead: n,
                trailing: 0,
                chained,
            }
        });
        self.before.clear();
        if tag == '-' {
            h.old_len += 1;
            self.old_line += 1;
        } else {
            h.new_len += 1;
            self.new_line += 1;
        }
        h.lines.push((tag, text));
        h.trailing = 0;
        Ok(())
    }

    /// Writes `old` replaced by `new` as one hunk of its own, without context (closing the
    /// open hunk, and making the next one follow without context too), copying nothing.
    fn whole(&mut self, old: &str, new: &str, w: &mut dyn Write) -> std::io::Result<()> {
        if self.hunk.is_some() {
            self.close(true, w)?;
        }
        let (o, n) = (
            old.split_inclusive('\n').count(),
            new.split_inclusive('\n').count(),
        );
        let h = Hunk {
            old_start: self.old_line,
            new_start: self.new_line,
            old_len: o,
            new_len: n,
            lines: old
                .split_inclusive('\n')
                .map(|l| ('-', Cow::Borrowed(l)))
                .chain(new.split_inclusive('\n').map(|l| ('+', Cow::Borrowed(l))))
                .collect(),
            lead: 0,
            trailing: 0,
            chained: true,
        };
        self.old_line += o;
        self.new_line += n;
        self.write_hunk(h, w)?;
        self.before.clear();
        self.chained = true;
        Ok(())
    }

    /// Writes the open hunk: with at most three lines of context after its last change (the
    /// unchanged lines past them are the context of the next hunk), or — when it is cut
    /// (`cut`) or part of a run of cut hunks — with none.
    fn close(&mut self, cut: bool, w: &mut dyn Write) -> std::io::Result<()> {
        let Some(mut h) = self.hunk.take() else {
            return Ok(());
        };
        let bare = cut || h.chained;
        let keep = if bare { 0 } else { CONTEXT.min(h.trailing) };
        let extra = h.trailing - keep;
        let rest: Vec<(char, Cow<'t, str>)> = h.lines.split_off(h.lines.len() - extra);
        h.old_len -= extra;
        h.new_len -= extra;
        if bare && h.lead > 0 {
            h.lines.drain(..h.lead);
            h.old_start += h.lead;
            h.new_start += h.lead;
            h.old_len -= h.lead;
            h.new_len -= h.lead;
        }
        self.chained = cut;
        self.before = rest
            .into_iter()
            .rev()
            .take(CONTEXT)
            .map(|(_, l)| l)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        self.write_hunk(h, w)
    }

    fn write_hunk(&mut self, h: Hunk<'_>, w: &mut dyn Write) -> std::io::Result<()> {
        let range = |start: usize, len: usize| match len {
            1 => format!("{}", start + 1),
            0 => format!("{start},0"),
            n => format!("{},{n}", start + 1),
        };
        if let Some(header) = self.header.take() {
            w.write_all(header.as_bytes())?;
        }
        self.any = true;
        writeln!(
            w,
            "@@ -{} +{} @@",
            range(h.old_start, h.old_len),
            range(h.new_start, h.new_len)
        )?;
        for (tag, text) in &h.lines {
            let (body, end) = match text.strip_suffix("\r\n") {
                Some(b) => (b, "\r\n"),
                None => match text.strip_suffix('\n') {
                    Some(b) => (b, "\n"),
                    None => (text.as_ref(), ""),
                },
            };
            write!(w, "{tag}{}", escape_keeping_tabs(body))?;
            if end.is_empty() {
                w.write_all(b"\n\\ No newline at end of file\n")?;
            } else {
                w.write_all(end.as_bytes())?;
            }
        }
        Ok(())
    }
}

/// Control characters escaped, tabs kept.
fn escape_keeping_tabs(s: &str) -> Cow<'_, str> {
    if !s.contains('\t') {
        return shown(s);
    }
    let parts: Vec<Cow<'_, str>> = s.split('\t').map(shown).collect();
    Cow::Owned(parts.join("\t"))
}
