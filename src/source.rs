//! Turning input bytes into text.
//!
//! [`decode_utf8`] strips a byte-order mark and replaces invalid UTF-8 with U+FFFD, keeping
//! where each invalid sequence was, so that a reader can report it with its line and column
//! and drop only the record that contains it.
//!
//! ```
//! use bibkit::source::decode_utf8;
//! let d = decode_utf8(b"\xEF\xBB\xBFok\nbad \xFF here\n");
//! assert_eq!(d.text, "ok\nbad \u{FFFD} here\n");
//! assert_eq!(d.invalid.len(), 1);
//! assert_eq!(&d.text[d.invalid[0].start..d.invalid[0].end], "\u{FFFD}");
//! ```

use crate::model::Span;

/// Decoded text and the spans (in the text) of replaced invalid sequences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    /// Where invalid bytes were replaced with U+FFFD, in `text` offsets.
    pub invalid: Vec<Span>,
}

/// Decodes UTF-8 from an owned buffer, without copying it when it is valid.
///
/// ```
/// let d = bibkit::source::decode_utf8_owned(b"\xEF\xBB\xBFok".to_vec());
/// assert_eq!(d.text, "ok");
/// ```
pub fn decode_utf8_owned(mut bytes: Vec<u8>) -> Decoded {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Decoded {
            text,
            invalid: Vec::new(),
        },
        Err(e) => decode_utf8(e.as_bytes()),
    }
}

/// Decodes UTF-8, replacing invalid sequences (see the module docs).
pub fn decode_utf8(bytes: &[u8]) -> Decoded {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = Decoded {
        text: String::with_capacity(bytes.len()),
        invalid: Vec::new(),
    };
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.text.push_str(s);
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                // `valid_up_to` guarantees this prefix is UTF-8.
                out.text
                    .push_str(std::str::from_utf8(valid).unwrap_or_default());
                let start = out.text.len();
                out.text.push('\u{FFFD}');
                out.invalid.push(Span::new(start, out.text.len()));
                let skip = e.error_len().unwrap_or(after.len());
                rest = &after[skip..];
            }
        }
    }
    out
}

/// Decodes `bytes` from a named encoding (`latin1`, `windows-1252`, `gbk`, `shift_jis`, … —
/// any WHATWG label), or as UTF-8 when `encoding` is `None`. Returns `None` for an unknown
/// label. Bytes the encoding cannot map become U+FFFD and are listed in `invalid`.
///
/// ```
/// use bibkit::source::decode;
/// let d = decode(b"Vo\xdf", Some("latin1")).unwrap();
/// assert_eq!(d.text, "Voß");
/// assert!(decode(b"x", Some("klingon")).is_none());
/// ```
pub fn decode(bytes: &[u8], encoding: Option<&str>) -> Option<Decoded> {
    let Some(label) = encoding else {
        return Some(decode_utf8(bytes));
    };
    decode_with(bytes, label)
}

/// Like [`decode`], taking the bytes by value so that valid UTF-8 is not copied.
pub fn decode_owned(bytes: Vec<u8>, encoding: Option<&str>) -> Option<Decoded> {
    match encoding {
        None => Some(decode_utf8_owned(bytes)),
        Some(label) => decode_with(&bytes, label),
    }
}

fn decode_with(bytes: &[u8], label: &str) -> Option<Decoded> {
    let enc = encoding_rs::Encoding::for_label(label.trim().as_bytes())?;
    if enc == encoding_rs::UTF_8 {
        return Some(decode_utf8(bytes));
    }
    let mut decoder = enc.new_decoder_with_bom_removal();
    let mut out = Decoded {
        text: String::with_capacity(bytes.len() + bytes.len() / 2),
        invalid: Vec::new(),
    };
    let mut rest = bytes;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(rest, &mut out.text, true);
        rest = &rest[read..];
        match result {
            encoding_rs::DecoderResult::InputEmpty => break,
            encoding_rs::DecoderResult::OutputFull => {
                out.text.reserve(rest.len() * 2 + 16);
            }
            encoding_rs::DecoderResult::Malformed(_, _) => {
                let start = out.text.len();
                out.text.push('\u{FFFD}');
                out.invalid.push(Span::new(start, out.text.len()));
            }
        }
    }
    Some(out)
}

/// Drops the records of `parsed` that contain invalid UTF-8 and reports every invalid
/// sequence as an error with its position (`decoded` is the decoded text; `encoding` the
/// label it was decoded with, `None` for UTF-8).
///
/// ```
/// use bibkit::source::{decode_utf8, reject_invalid};
/// use bibkit::formats::listing;
/// let bytes = b"CLOct 25, 2024\nA TitleAda Lovelace\nBad \xFF.\nLGJan 2, 2020\nB TitleAlan Turing\nGood.\n";
/// let d = decode_utf8(bytes);
/// let mut parsed = listing::read(&d.text);
/// reject_invalid(&mut parsed, &d, None, None);
/// assert_eq!(parsed.bibliography.entries.len(), 1);
/// assert_eq!((parsed.diagnostics[0].line, parsed.diagnostics[0].column), (3, 5));
/// ```
pub fn reject_invalid(
    parsed: &mut crate::formats::Parsed,
    decoded: &Decoded,
    file: Option<std::sync::Arc<str>>,
    encoding: Option<&str>,
) {
    let diags = invalid_diagnostics(decoded, file, encoding);
    for d in diags {
        let hit = parsed.bibliography.entries.iter().position(|e| {
            e.origin
                .as_ref()
                .is_some_and(|o| o.span.start <= d.span.start && d.span.start < o.span.end)
        });
        let d = match hit {
            Some(i) => {
                let e = parsed.bibliography.entries.remove(i);
                d.with_key(e.key)
            }
            None => d,
        };
        parsed.diagnostics.push(d);
    }
    parsed.diagnostics.sort_by_key(|d| (d.line, d.column));
}

/// One error per invalid sequence in `decoded`, with its line and column; `encoding` is the
/// label the text was decoded with (`None` for UTF-8).
pub fn invalid_diagnostics(
    decoded: &Decoded,
    file: Option<std::sync::Arc<str>>,
    encoding: Option<&str>,
) -> Vec<crate::diagnostic::Diagnostic> {
    use crate::diagnostic::{Diagnostic, Severity};
    if decoded.invalid.is_empty() {
        return Vec::new();
    }
    let message = match encoding {
        None => "invalid UTF-8; the record containing it was skipped (if the file uses another encoding, pass `--encoding`, e.g. `--encoding latin1`)".to_string(),
        Some(e) => format!("bytes that are not valid {e}; the record containing them was skipped"),
    };
    let index = crate::diagnostic::LineIndex::new(&decoded.text);
    decoded
        .invalid
        .iter()
        .map(|span| {
            let (line, column) = index.line_col(&decoded.text, span.start);
            let mut d = Diagnostic::new(Severity::Error, "invalid-encoding", message.clone())
                .at_line_col(*span, line, column);
            d.file = file.clone();
            d
        })
        .collect()
}
