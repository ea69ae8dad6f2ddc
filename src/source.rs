//! Turning input bytes into text.
//!
//! [`decode_utf8`] strips a byte-order mark and replaces invalid UTF-8 with U+FFFD, keeping
//! where each invalid sequence was, so that a reader can report it with its line and column
//! and drop only the record that contains it. A UTF-16 byte-order mark is honoured (the text
//! is decoded from UTF-16), and bytes that look like UTF-16 without one (every other byte
//! zero) are flagged, so that they are reported rather than read as an empty bibliography.
//!
//! ```
//! use bibkit::source::decode_utf8;
//! let d = decode_utf8(b"\xEF\xBB\xBFok\nbad \xFF here\n");
//! assert_eq!(d.text, "ok\nbad \u{FFFD} here\n");
//! assert_eq!(d.invalid.len(), 1);
//! assert_eq!(&d.text[d.invalid[0].start..d.invalid[0].end], "\u{FFFD}");
//!
//! let utf16: Vec<u8> = "\u{feff}@misc{k}".encode_utf16().flat_map(u16::to_le_bytes).collect();
//! let d = decode_utf8(&utf16);
//! assert_eq!((d.text.as_str(), d.encoding), ("@misc{k}", Some("UTF-16LE")));
//!
//! let no_bom: Vec<u8> = "@misc{k}".encode_utf16().flat_map(u16::to_le_bytes).collect();
//! assert_eq!(decode_utf8(&no_bom).utf16_without_bom, Some("utf-16le"));
//! ```

use crate::model::Span;

/// Decoded text and the spans (in the text) of replaced invalid sequences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    /// Where invalid bytes were replaced with U+FFFD, in `text` offsets.
    pub invalid: Vec<Span>,
    /// The encoding the bytes were read in when it was not UTF-8: the one asked for, or
    /// UTF-16 that its byte-order mark announced.
    pub encoding: Option<&'static str>,
    /// Set when no encoding was given and the bytes look like UTF-16 without a
    /// byte-order mark (the label to pass, `utf-16le` or `utf-16be`); the text is then
    /// not what the file means, and [`invalid_diagnostics`] reports it.
    pub utf16_without_bom: Option<&'static str>,
    /// Set when no encoding was given and the bytes are not text: a NUL byte in the first
    /// 8 KiB (as git decides), and no UTF-16. Nothing is read from such a file, and
    /// [`invalid_diagnostics`] reports it once.
    pub binary: bool,
    /// Where bytes that are not UTF-8 were read as windows-1252 instead
    /// ([`decode_utf8_lossy`]), in `text` offsets, with each byte.
    pub salvaged: Vec<(Span, u8)>,
}

impl Decoded {
    /// Whether the text is not what the file means, so nothing may be read from it (UTF-16
    /// without a byte-order mark, or a binary file).
    ///
    /// ```
    /// use bibkit::source::decode_utf8;
    /// assert!(decode_utf8(b"\x7fELF\x02\x01\x01\0\0\0\0@misc{a}").unreadable());
    /// assert!(!decode_utf8(b"@misc{a}").unreadable());
    /// ```
    pub fn unreadable(&self) -> bool {
        self.utf16_without_bom.is_some() || self.binary
    }
}

/// The encoding a file declares on its first line, when it names one other than UTF-8:
/// a `.bib` file as JabRef writes it (`% Encoding: windows-1252`), an XML file in its
/// declaration (`<?xml version="1.0" encoding="ISO-8859-1"?>`, MODS and EndNote exports).
///
/// ```
/// use bibkit::source::declared_encoding;
/// assert_eq!(declared_encoding(b"% Encoding: windows-1252\r\n@misc{a}").map(|e| e.name()), Some("windows-1252"));
/// assert_eq!(declared_encoding(b"% Encoding: UTF-8\n"), None);
/// assert_eq!(declared_encoding(b"@misc{a}\n% Encoding: latin1"), None);
/// assert_eq!(declared_encoding(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<mods/>").map(|e| e.name()), Some("windows-1252"));
/// ```
pub fn declared_encoding(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"<?xml") {
        let label = crate::formats::mods::declared_encoding(bytes)?;
        return encoding_for_label(&label).filter(|e| *e != encoding_rs::UTF_8);
    }
    let end = memchr::memchr2(b'\n', b'\r', bytes)
        .unwrap_or(bytes.len())
        .min(200);
    let line = std::str::from_utf8(&bytes[..end]).ok()?;
    let rest = line.strip_prefix('%')?.trim_start();
    let label = rest
        .strip_prefix("Encoding:")
        .or_else(|| rest.strip_prefix("encoding:"))?
        .trim();
    encoding_for_label(label).filter(|e| *e != encoding_rs::UTF_8)
}

/// Whether bytes are binary rather than text: a NUL in the first 8 KiB, as git decides
/// (UTF-16 has NULs too, and is told apart before this is asked).
fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8 << 10)]).is_some()
}

/// The UTF-16 encoding a byte-order mark at the start of `bytes` announces.
///
/// ```
/// use bibkit::source::utf16_bom;
/// assert_eq!(utf16_bom(b"\xFF\xFE@\0"), Some(encoding_rs::UTF_16LE));
/// assert_eq!(utf16_bom(b"@misc"), None);
/// ```
pub fn utf16_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    if bytes.starts_with(b"\xFF\xFE") {
        Some(encoding_rs::UTF_16LE)
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// Whether `bytes` (without a byte-order mark) look like UTF-16 text: in the first bytes,
/// nearly every byte at odd positions (little-endian) or even positions (big-endian) is
/// zero while the others are not — ASCII written as UTF-16. Gives the label to decode them
/// with.
///
/// ```
/// use bibkit::source::utf16_without_bom;
/// let le: Vec<u8> = "@misc{k, title = {T}}".encode_utf16().flat_map(u16::to_le_bytes).collect();
/// assert_eq!(utf16_without_bom(&le), Some("utf-16le"));
/// assert_eq!(utf16_without_bom(b"@misc{k, title = {T}}"), None);
/// ```
pub fn utf16_without_bom(bytes: &[u8]) -> Option<&'static str> {
    if utf16_bom(bytes).is_some() {
        return None;
    }
    let head = &bytes[..bytes.len().min(1024) & !1];
    if head.len() < 8 {
        return None;
    }
    let pairs = head.len() / 2;
    let (mut even_zero, mut odd_zero) = (0, 0);
    for p in head.chunks_exact(2) {
        even_zero += usize::from(p[0] == 0);
        odd_zero += usize::from(p[1] == 0);
    }
    let most = |n: usize| n * 10 >= pairs * 9;
    let few = |n: usize| n * 10 <= pairs;
    if most(odd_zero) && few(even_zero) {
        Some("utf-16le")
    } else if most(even_zero) && few(odd_zero) {
        Some("utf-16be")
    } else {
        None
    }
}

/// Decodes UTF-8 from an owned buffer, without copying it when it is valid (see
/// [`decode_utf8`]).
///
/// ```
/// let d = bibkit::source::decode_utf8_owned(b"\xEF\xBB\xBFok".to_vec());
/// assert_eq!(d.text, "ok");
/// ```
pub fn decode_utf8_owned(mut bytes: Vec<u8>) -> Decoded {
    if let Some(enc) = utf16_bom(&bytes) {
        return decode_with(&bytes, enc.name()).unwrap_or_default();
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let utf16_without_bom = utf16_without_bom(&bytes);
    let binary = utf16_without_bom.is_none() && is_binary(&bytes);
    match String::from_utf8(bytes) {
        Ok(text) => Decoded {
            text,
            utf16_without_bom,
            binary,
            ..Decoded::default()
        },
        Err(e) => decode_utf8(e.as_bytes()),
    }
}

/// Decodes UTF-8, replacing invalid sequences (see the module docs); a UTF-16 byte-order
/// mark makes it decode UTF-16.
pub fn decode_utf8(bytes: &[u8]) -> Decoded {
    if let Some(enc) = utf16_bom(bytes) {
        return decode_with(bytes, enc.name()).unwrap_or_default();
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let utf16 = utf16_without_bom(bytes);
    let mut out = Decoded {
        text: String::with_capacity(bytes.len()),
        utf16_without_bom: utf16,
        binary: utf16.is_none() && is_binary(bytes),
        ..Decoded::default()
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

/// Decodes UTF-8, reading each byte that is not part of a valid UTF-8 sequence as
/// windows-1252 (the usual origin of a stray byte in a UTF-8 file: an `é` typed in a
/// Latin-1 editor), so that no record is lost. Where it did so is in
/// [`Decoded::salvaged`]; [`salvage_diagnostics`] turns that into warnings. A byte-order
/// mark, UTF-16 and binary files are handled as in [`decode_utf8`].
///
/// ```
/// use bibkit::source::decode_utf8_lossy;
/// let d = decode_utf8_lossy("@misc{a, title = {Caf\u{e9} ".as_bytes().iter().copied().chain(*b"cr\xe8me}}").collect::<Vec<u8>>().as_slice());
/// assert_eq!(d.text, "@misc{a, title = {Café crème}}");
/// assert!(d.invalid.is_empty());
/// assert_eq!(d.salvaged.len(), 1);
/// ```
pub fn decode_utf8_lossy(bytes: &[u8]) -> Decoded {
    let mut out = decode_utf8(bytes);
    if out.invalid.is_empty() || out.encoding.is_some() || out.unreadable() {
        return out;
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut text = String::with_capacity(bytes.len() + 16);
    let mut salvaged = Vec::new();
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                text.push_str(s);
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = e.error_len().unwrap_or(after.len()).max(1);
                for &b in &after[..bad] {
                    let start = text.len();
                    let one = [b];
                    let (c, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&one);
                    // The five bytes windows-1252 leaves undefined decode to C1 controls,
                    // which a terminal may act on: U+FFFD instead.
                    if c.chars().all(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
                        text.push('\u{FFFD}');
                    } else {
                        text.push_str(&c);
                    }
                    salvaged.push((Span::new(start, text.len()), b));
                }
                rest = &after[bad..];
            }
        }
    }
    out.text = text;
    out.invalid.clear();
    out.salvaged = salvaged;
    out
}

/// One warning (`lossy-byte`) per line where [`decode_utf8_lossy`] read bytes that are not
/// UTF-8 as windows-1252, naming the first byte and what it was read as.
///
/// ```
/// use bibkit::source::{decode_utf8_lossy, salvage_diagnostics};
/// let d = decode_utf8_lossy(b"@misc{a, title = {Caf\xe9 cr\xe8me}}\n");
/// let w = salvage_diagnostics(&d, None);
/// assert_eq!(w.len(), 1);
/// assert_eq!((w[0].rule, w[0].line, w[0].column), ("lossy-byte", 1, 22));
/// assert!(w[0].message.starts_with("byte 0xE9 is not UTF-8 (2 places in this line); read as `é`"), "{}", w[0].message);
/// ```
pub fn salvage_diagnostics(
    decoded: &Decoded,
    file: Option<std::sync::Arc<str>>,
) -> Vec<crate::diagnostic::Diagnostic> {
    use crate::diagnostic::{Diagnostic, Severity};
    let mut cursor = crate::diagnostic::Cursor::new(&decoded.text);
    let diags = decoded
        .salvaged
        .iter()
        .map(|&(span, byte)| {
            let (line, column) = cursor.seek(span.start);
            let c = &decoded.text[span.start..span.end];
            let mut d = Diagnostic::new(
                Severity::Warning,
                "lossy-byte",
                if c == "\u{FFFD}" {
                    format!(
                        "byte 0x{byte:02X} is not UTF-8, nor a windows-1252 character; read as U+FFFD (`--lossy`); if the file is in another encoding, pass `--encoding`"
                    )
                } else {
                    format!(
                        "byte 0x{byte:02X} is not UTF-8; read as `{}` as in windows-1252 (`--lossy`); if the file is in another encoding, pass `--encoding`",
                        crate::diagnostic::escape_control(c)
                    )
                },
            )
            .at_line_col(span, line, column);
            d.file = file.clone();
            d
        })
        .collect();
    merge_by_record(diags, |_| None)
}

/// The encoding a label names, for reading files: any WHATWG label except those of the
/// `replacement` encoding (which turns every input into one U+FFFD).
///
/// ```
/// use bibkit::source::encoding_for_label;
/// assert_eq!(encoding_for_label("latin1").map(|e| e.name()), Some("windows-1252"));
/// assert!(encoding_for_label("replacement").is_none());
/// assert!(encoding_for_label("klingon").is_none());
/// ```
pub fn encoding_for_label(label: &str) -> Option<&'static encoding_rs::Encoding> {
    encoding_rs::Encoding::for_label(label.trim().as_bytes())
        .filter(|e| *e != encoding_rs::REPLACEMENT)
}

/// Decodes `bytes` from a named encoding (`latin1`, `windows-1252`, `gbk`, `shift_jis`, … —
/// any WHATWG label), or as UTF-8 when `encoding` is `None` (see [`decode_utf8`]). Returns
/// `None` for an unknown label (and for `replacement`). Bytes the encoding cannot map
/// become U+FFFD and are listed in `invalid`.
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
    let enc = encoding_for_label(label)?;
    if enc == encoding_rs::UTF_8 {
        return Some(decode_utf8(bytes));
    }
    let mut decoder = enc.new_decoder_with_bom_removal();
    let mut out = Decoded {
        text: String::with_capacity(bytes.len() + bytes.len() / 2),
        encoding: Some(enc.name()),
        ..Decoded::default()
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

/// Where each stretch of a decoded text came from in the bytes: for writing a text back
/// in its encoding while copying, byte for byte, the stretches that were not changed.
#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    /// (text offset, byte offset) at every character that does not map one byte to one
    /// byte, and at the first character after it.
    marks: Vec<(usize, usize)>,
    bytes_len: usize,
}

impl OffsetMap {
    /// The byte offset of text offset `at` (a character boundary).
    pub fn byte(&self, at: usize) -> usize {
        let i = self.marks.partition_point(|&(t, _)| t <= at);
        match i {
            0 => at,
            _ => {
                let (t, b) = self.marks[i - 1];
                (b + (at - t)).min(self.bytes_len)
            }
        }
    }
}

/// [`decode`] for a named encoding, with the map from text offsets to byte offsets. `None`
/// for an unknown label. Costs a decoder call per byte: for the legacy encodings of small
/// files.
///
/// ```
/// use bibkit::source::decode_mapped;
/// let bytes = b"@misc{k, title = {\x93\xfa\x96\x7b}}"; // Shift_JIS
/// let (d, map) = decode_mapped(bytes, "shift_jis").unwrap();
/// assert_eq!(d.text, "@misc{k, title = {日本}}");
/// let title = d.text.find('日').unwrap();
/// assert_eq!(map.byte(title), 18);
/// assert_eq!(map.byte(d.text.len() - 2), bytes.len() - 2);
/// ```
pub fn decode_mapped(bytes: &[u8], label: &str) -> Option<(Decoded, OffsetMap)> {
    let enc = encoding_for_label(label)?;
    let mut decoder = enc.new_decoder_with_bom_removal();
    let mut out = Decoded {
        text: String::with_capacity(bytes.len() + bytes.len() / 2),
        encoding: Some(enc.name()),
        ..Decoded::default()
    };
    let mut map = OffsetMap {
        marks: Vec::new(),
        bytes_len: bytes.len(),
    };
    // The byte where the characters decoded next begin (after a byte-order mark, which
    // the decoder drops).
    let mut from = match encoding_rs::Encoding::for_bom(bytes) {
        Some((e, len)) if e == enc => len,
        _ => 0,
    };
    // Whether text and bytes have moved in step since the last mark.
    let mut in_step = false;
    let mut buf = String::new();
    for i in 0..=bytes.len() {
        let last = i == bytes.len();
        let input = if last { &[][..] } else { &bytes[i..i + 1] };
        buf.clear();
        buf.reserve(16);
        let mut rest = input;
        loop {
            let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut buf, last);
            rest = &rest[read..];
            match result {
                encoding_rs::DecoderResult::InputEmpty => break,
                encoding_rs::DecoderResult::OutputFull => buf.reserve(16),
                encoding_rs::DecoderResult::Malformed(_, _) => buf.push('\u{FFFD}'),
            }
        }
        if buf.is_empty() {
            continue;
        }
        let consumed = if last { bytes.len() } else { i + 1 };
        from = from.min(consumed);
        let one_to_one = buf.len() == consumed - from && buf.is_ascii();
        if !one_to_one || !in_step {
            map.marks.push((out.text.len(), from));
        }
        let start = out.text.len();
        out.text.push_str(&buf);
        for (k, c) in buf.char_indices() {
            if c == '\u{FFFD}' {
                out.invalid.push(Span::new(start + k, start + k + 3));
            }
        }
        in_step = one_to_one;
        if !one_to_one {
            map.marks.push((out.text.len(), consumed));
            in_step = true;
        }
        from = consumed;
    }
    Some((out, map))
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
    let mut diags = invalid_diagnostics(decoded, file, encoding);
    if diags.is_empty() {
        return;
    }
    diags.sort_by_key(|d| d.span.start);
    // Entries and invalid bytes both in source order: one walk pairs them.
    let mut order: Vec<usize> = (0..parsed.bibliography.entries.len()).collect();
    let start = |i: usize| {
        parsed.bibliography.entries[i]
            .origin
            .as_ref()
            .map_or((usize::MAX, usize::MAX), |o| (o.span.start, o.span.end))
    };
    order.sort_by_key(|&i| start(i));
    let mut drop = vec![false; parsed.bibliography.entries.len()];
    let mut next = 0;
    for d in &mut diags {
        let at = d.span.start;
        if d.span.end == at {
            continue; // about the whole file
        }
        while next < order.len() && start(order[next]).1 <= at {
            next += 1;
        }
        if let Some(&i) = order.get(next) {
            let (s, e) = start(i);
            if s <= at && at < e {
                drop[i] = true;
                d.key = Some(parsed.bibliography.entries[i].key.clone());
            }
        }
    }
    // One error per record.
    let spans: Vec<(usize, usize)> = order.iter().map(|&i| start(i)).collect();
    let diags = merge_by_record(diags, |at| {
        let k = spans.partition_point(|s| s.0 <= at);
        (k > 0 && at < spans[k - 1].1).then(|| k - 1)
    });
    let mut i = 0;
    parsed.bibliography.entries.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
    parsed.diagnostics.extend(diags);
    parsed.diagnostics.sort_by_key(|d| (d.line, d.column));
}

/// Merges the findings about invalid bytes (in text order) that fall in one record into
/// the first of them, which then says how many places the record has: one error per
/// record, not one per byte. `record(offset)` gives the record that holds a byte; findings
/// outside every record are merged by line.
///
/// ```
/// use bibkit::source::{decode_utf8, invalid_diagnostics, merge_by_record};
/// let d = decode_utf8(b"@misc{a, title = {Caf\xe9 cr\xe8me}}\n@misc{b, title = {\xfc}}\n");
/// let diags = invalid_diagnostics(&d, None, None);
/// assert_eq!(diags.len(), 3);
/// let merged = merge_by_record(diags, |at| Some(usize::from(at > 38)));
/// assert_eq!(merged.len(), 2);
/// assert!(merged[0].message.contains("2 places in this record"), "{}", merged[0].message);
/// ```
pub fn merge_by_record(
    diags: Vec<crate::diagnostic::Diagnostic>,
    record: impl Fn(usize) -> Option<usize>,
) -> Vec<crate::diagnostic::Diagnostic> {
    let mut out: Vec<(crate::diagnostic::Diagnostic, (Option<usize>, u32), usize)> = Vec::new();
    for d in diags {
        // Findings about the whole file (empty spans) stay as they are.
        let group = if d.span.start == d.span.end {
            (None, u32::MAX)
        } else {
            match record(d.span.start) {
                Some(r) => (Some(r), 0),
                None => (None, d.line),
            }
        };
        match out.last_mut() {
            Some((_, g, n)) if *g == group && group.1 != u32::MAX => *n += 1,
            _ => out.push((d, group, 1)),
        }
    }
    out.into_iter()
        .map(|(mut d, (r, _), n)| {
            if n > 1 {
                let place = if r.is_some() { "record" } else { "line" };
                d.message = match d.message.split_once("; ") {
                    Some((what, rest)) => format!("{what} ({n} places in this {place}); {rest}"),
                    None => format!("{} ({n} places in this {place})", d.message),
                };
            }
            d
        })
        .collect()
}

/// One error per invalid sequence in `decoded`, with its line and column; `encoding` is the
/// label the text was decoded with (`None` for UTF-8). Bytes that look like UTF-16 without
/// a byte-order mark are one error at the start.
pub fn invalid_diagnostics(
    decoded: &Decoded,
    file: Option<std::sync::Arc<str>>,
    encoding: Option<&str>,
) -> Vec<crate::diagnostic::Diagnostic> {
    use crate::diagnostic::{Diagnostic, Severity};
    let mut out = Vec::new();
    if let Some(label) = decoded.utf16_without_bom {
        let mut d = Diagnostic::new(
            Severity::Error,
            "invalid-encoding",
            format!(
                "the file looks like UTF-16 without a byte-order mark (every other byte is zero), which is not read as UTF-8; pass `--encoding {label}`"
            ),
        )
        .at_line_col(Span::new(0, 0), 1, 1);
        d.file = file.clone();
        out.push(d);
    }
    if decoded.binary {
        let mut d = Diagnostic::new(
            Severity::Error,
            "invalid-encoding",
            "this is a binary file (it has NUL bytes), not text; nothing is read from it",
        )
        .at_line_col(Span::new(0, 0), 1, 1);
        d.file = file.clone();
        out.push(d);
        return out;
    }
    if decoded.invalid.is_empty() {
        return out;
    }
    let message = match encoding {
        None => "invalid UTF-8; the record containing it was skipped (if the file uses another encoding, pass `--encoding`, e.g. `--encoding latin1`; `--lossy` reads stray bytes as windows-1252 and keeps the record)".to_string(),
        Some(e) => format!("bytes that are not valid {e}; the record containing them was skipped"),
    };
    let mut cursor = crate::diagnostic::Cursor::new(&decoded.text);
    out.extend(decoded.invalid.iter().map(|span| {
        let (line, column) = cursor.seek(span.start);
        let mut d = Diagnostic::new(Severity::Error, "invalid-encoding", message.clone())
            .at_line_col(*span, line, column);
        d.file = file.clone();
        d
    }));
    out
}
