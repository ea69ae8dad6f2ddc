//! Positions as the protocol counts them (lines, and columns in UTF-16 or UTF-8 code units)
//! and byte offsets as bibkit counts them, and the edits of incremental text sync.

use lsp_types::{Position, Range};

/// How the client counts columns: UTF-16 code units (the protocol's default) or bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Columns {
    Utf16,
    Utf8,
}

/// Where each line of a text starts.
#[derive(Debug, Clone)]
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { starts }
    }

    /// The byte offset of `pos` in `text` (clamped to the line's end and the text's end,
    /// and moved back to a character boundary, as the protocol asks of positions past the
    /// end).
    pub(crate) fn offset(&self, text: &str, pos: Position, cols: Columns) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |&e| e);
        let line = &text[start..end];
        let line = line
            .strip_suffix('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .unwrap_or(line);
        let want = pos.character as usize;
        match cols {
            Columns::Utf8 => {
                let mut at = want.min(line.len());
                while !line.is_char_boundary(at) {
                    at -= 1;
                }
                start + at
            }
            Columns::Utf16 => {
                let mut units = 0;
                for (i, c) in line.char_indices() {
                    if units >= want {
                        return start + i;
                    }
                    units += c.len_utf16();
                }
                start + line.len()
            }
        }
    }

    /// The position of byte offset `at` in `text`.
    pub(crate) fn position(&self, text: &str, at: usize, cols: Columns) -> Position {
        let mut at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= at) - 1;
        let start = self.starts[line];
        let character = match cols {
            Columns::Utf8 => at - start,
            Columns::Utf16 => text[start..at].chars().map(char::len_utf16).sum(),
        };
        Position::new(line as u32, character as u32)
    }

    pub(crate) fn range(&self, text: &str, from: usize, to: usize, cols: Columns) -> Range {
        Range::new(
            self.position(text, from, cols),
            self.position(text, to.max(from), cols),
        )
    }
}

/// Applies one change of `textDocument/didChange` to `text`: a range replaced, or the whole
/// text when the change has no range.
pub(crate) fn apply_change(text: &mut String, range: Option<Range>, new: &str, cols: Columns) {
    match range {
        None => {
            text.clear();
            text.push_str(new);
        }
        Some(r) => {
            let lines = Lines::new(text);
            let from = lines.offset(text, r.start, cols);
            let to = lines.offset(text, r.end, cols).max(from);
            text.replace_range(from..to, new);
        }
    }
}

/// The edits that turn `old` into `new`, line by line (only the lines that differ), each
/// as a byte range of `old` and its replacement.
pub(crate) fn line_edits(old: &str, new: &str) -> Vec<(usize, usize, String)> {
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(std::time::Duration::from_secs(2))
        .diff_lines(old, new);
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let mut starts = Vec::with_capacity(old_lines.len() + 1);
    let mut at = 0;
    for l in &old_lines {
        starts.push(at);
        at += l.len();
    }
    starts.push(at);
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for op in diff.ops() {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            continue;
        }
        let from = starts[old_range.start.min(old_lines.len())];
        let to = starts[old_range.end.min(old_lines.len())];
        let text: String = diff.new_slices()[new_range].concat();
        match edits.last_mut() {
            // Adjacent changes as one edit.
            Some(last) if last.1 == from => {
                last.1 = to;
                last.2.push_str(&text);
            }
            _ => edits.push((from, to, text)),
        }
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_in_both_encodings() {
        let text = "ab\n\u{e9}\u{1f600}x\r\nend";
        let lines = Lines::new(text);
        // `x` is after é (2 bytes, 1 unit) and 😀 (4 bytes, 2 units).
        let x = text.find('x').unwrap();
        assert_eq!(lines.position(text, x, Columns::Utf16), Position::new(1, 3));
        assert_eq!(lines.position(text, x, Columns::Utf8), Position::new(1, 6));
        assert_eq!(lines.offset(text, Position::new(1, 3), Columns::Utf16), x);
        assert_eq!(lines.offset(text, Position::new(1, 6), Columns::Utf8), x);
        // Inside a character, past a line's end, past the text's end.
        assert_eq!(lines.offset(text, Position::new(1, 4), Columns::Utf8), 5);
        assert_eq!(lines.offset(text, Position::new(0, 99), Columns::Utf16), 2);
        assert_eq!(
            lines.offset(text, Position::new(1, 99), Columns::Utf16),
            x + 1
        );
        assert_eq!(
            lines.offset(text, Position::new(9, 0), Columns::Utf16),
            text.len()
        );
    }

    #[test]
    fn incremental_changes() {
        let mut t = String::from("one\ntwo\nthree\n");
        apply_change(
            &mut t,
            Some(Range::new(Position::new(1, 0), Position::new(2, 2))),
            "2\nth",
            Columns::Utf16,
        );
        assert_eq!(t, "one\n2\nthree\n");
        apply_change(&mut t, None, "all", Columns::Utf16);
        assert_eq!(t, "all");
    }

    #[test]
    fn edits_touch_only_changed_lines() {
        let old = "a\nb\nc\nd\n";
        let new = "a\nB\nc\nd\ne\n";
        let edits = line_edits(old, new);
        assert_eq!(
            edits,
            [(2, 4, "B\n".to_string()), (8, 8, "e\n".to_string())]
        );
        let mut t = old.to_string();
        for (from, to, s) in edits.iter().rev() {
            t.replace_range(*from..*to, s);
        }
        assert_eq!(t, new);
    }
}
