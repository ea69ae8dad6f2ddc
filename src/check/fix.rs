//! Fixes: the mechanical corrections of findings, worked out with the lossless
//! [`edit::Document`](crate::edit::Document), and applying them to a file's text.
//!
//! The checker attaches a [`Fix`] to every finding that has one (see
//! [`Diagnostic::fix`]). [`apply`] makes the fixes of one file that do not overlap, safe
//! ones only unless asked, and says how many it made; `bibkit check --fix` repeats that
//! with a fresh check until nothing more is fixed.
//!
//! ```
//! use bibkit::check::{Checker, Config, fix};
//! let src = "@article{k,\n  author = {Ada Lovelace},\n  title = {Notes},\n  journal = {J},\n  year = 1843,\n  pages = {12-15},\n}\n";
//! let mut checker = Checker::new(Config::default());
//! checker.add_bib("refs.bib", src);
//! let findings = checker.run();
//! let f = findings.iter().find(|d| d.rule == "page-range").unwrap();
//! assert_eq!(f.fix.as_ref().unwrap().message, "write `12--15`");
//! let fixed = fix::apply(src, &findings, false);
//! assert_eq!(fixed.fixed, 1);
//! assert!(fixed.text.contains("pages = {12--15}"));
//! ```

use crate::diagnostic::{Applicability, Diagnostic, Fix, TextEdit};
use crate::edit::{Change, Document, Shift, Value, splice};
use crate::formats::bibtex;
use crate::model::Span;

/// The fixes made to one file's text by [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The text with the fixes made.
    pub text: String,
    /// How many findings were fixed.
    pub fixed: usize,
    /// The replacements made, in the offsets of the text before.
    pub changes: Vec<Change>,
}

/// Makes the fixes of `findings` (about the file whose text is `text`; findings about
/// other files must be filtered out first) that do not overlap one another, in file
/// order: safe ones, and with `unsafe_fixes` also the unsafe ones. A fix whose edits
/// overlap an earlier one's is left for the next round (check again, apply again).
pub fn apply<'a>(
    text: &str,
    findings: impl IntoIterator<Item = &'a Diagnostic>,
    unsafe_fixes: bool,
) -> Applied {
    let mut fixes: Vec<&Fix> = findings
        .into_iter()
        .filter_map(|d| d.fix.as_deref())
        .filter(|f| unsafe_fixes || f.applicability == Applicability::Safe)
        .filter(|f| !f.edits.is_empty())
        .collect();
    fixes.sort_by_key(|f| (f.edits[0].span.start, f.edits[0].span.end));
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut edits: Vec<&TextEdit> = Vec::new();
    let mut fixed = 0;
    // The same edit twice (two findings about one value): made once.
    let mut made: std::collections::HashSet<(usize, usize, &str)> =
        std::collections::HashSet::new();
    // `taken` is sorted and its stretches do not overlap, so only the last one that starts
    // before `e` ends, and those that start where it ends, can overlap it.
    let overlaps = |taken: &[(usize, usize)], e: &TextEdit| {
        let (a, b) = (e.span.start, e.span.end);
        let p = taken.partition_point(|&(s, _)| s < b);
        taken[p.saturating_sub(1)..]
            .iter()
            .take_while(|&&(s, _)| s <= b)
            .any(|&(s, t)| {
                (a < t && s < b)
                    || (a == b && s < a && a < t)
                    || (s == t && a < s && s < b)
                    || (a, b) == (s, t)
            })
    };
    for f in fixes {
        if f.edits.iter().any(|e| {
            e.span.end > text.len()
                || !text.is_char_boundary(e.span.start)
                || !text.is_char_boundary(e.span.end)
                || overlaps(&taken, e)
        }) {
            continue;
        }
        // The same fix twice (two findings about one value): made once.
        if f.edits
            .iter()
            .all(|e| made.contains(&(e.span.start, e.span.end, e.text.as_str())))
        {
            continue;
        }
        for e in &f.edits {
            let st = (e.span.start, e.span.end);
            let at = taken.partition_point(|&x| x <= st);
            taken.insert(at, st);
            made.insert((e.span.start, e.span.end, e.text.as_str()));
        }
        edits.extend(f.edits.iter());
        fixed += 1;
    }
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let changes: Vec<Change> = edits
        .into_iter()
        .map(|e| Change {
            range: e.span.start..e.span.end,
            text: e.text.clone(),
        })
        .collect();
    Applied {
        text: splice(text, &changes),
        fixed,
        changes,
    }
}

/// Like [`apply`], and keeps records formatted: each record the fixes change that was
/// as `bibkit fmt` with `opts` prints it is printed so again (a removed field can leave
/// the others' `=` aligned to a name no longer there; an added one must line up), so a
/// file that passed `fmt --check` still does. Records the fixes did not change keep their
/// bytes, and so does a changed record that was not formatted.
///
/// ```
/// use bibkit::check::{Checker, Config, fix};
/// use bibkit::fmt::FmtOptions;
/// let src = "@misc{k,\n  title = {T},\n  year  = 2001,\n  note  = {N},\n  note  = {N},\n}\n";
/// let mut c = Checker::new(Config::default());
/// c.add_bib("a.bib", src);
/// let fixed = fix::apply_formatted(src, &c.run(), false, &FmtOptions::default());
/// assert_eq!(fixed.text, "@misc{k,\n  title = {T},\n  year  = 2001,\n  note  = {N},\n}\n");
/// ```
pub fn apply_formatted<'a>(
    text: &str,
    findings: impl IntoIterator<Item = &'a Diagnostic>,
    unsafe_fixes: bool,
    opts: &crate::fmt::FmtOptions,
) -> Applied {
    let applied = apply(text, findings, unsafe_fixes);
    if applied.fixed == 0 {
        return applied;
    }
    if opts.sort_entries != crate::fmt::SortEntries::None {
        // Sorting formats the file as a whole: so is the check.
        return formatted_whole(text, applied, opts);
    }
    let ranges: Vec<(usize, usize)> = applied
        .changes
        .iter()
        .map(|c| (c.range.start, c.range.end))
        .collect();
    let blocks = blocks_touching(text, &ranges, false);
    // The records reprinted, in the offsets of the fixed text.
    let mut reprinted: Vec<Change> = Vec::new();
    let mut changes: Vec<Change> = Vec::with_capacity(applied.changes.len());
    let mut pending = applied.changes.iter().peekable();
    let mut shift = Shift::new(&applied.changes);
    for (b, _) in blocks {
        let inside = |c: &&Change| b.start <= c.range.start && c.range.end <= b.end;
        // The changes before the block are kept as they are.
        while let Some(c) = pending.next_if(|c| c.range.end <= b.start && !inside(c)) {
            changes.push(c.clone());
        }
        let mine: Vec<&Change> = pending.clone().take_while(inside).collect();
        let straddles = pending
            .peek()
            .is_some_and(|c| c.range.start < b.end && !inside(c));
        if mine.is_empty() || straddles {
            continue;
        }
        for _ in 0..mine.len() {
            pending.next();
        }
        let (new_start, new_end) = (shift.at(b.start), shift.at(b.end));
        let old_block = &text[b.start..b.end];
        let new_block = &applied.text[new_start..new_end];
        let printed = match (format_block(old_block, opts), format_block(new_block, opts)) {
            (Some(was), Some(now)) if was == old_block => now,
            _ => {
                changes.extend(mine.into_iter().cloned());
                continue;
            }
        };
        reprinted.push(Change {
            range: new_start..new_end,
            text: printed.clone(),
        });
        changes.push(Change {
            range: b.start..b.end,
            text: printed,
        });
    }
    changes.extend(pending.cloned());
    if reprinted.is_empty() {
        return Applied { changes, ..applied };
    }
    Applied {
        text: splice(&applied.text, &reprinted),
        fixed: applied.fixed,
        changes,
    }
}

/// One block formatted on its own, as `bibkit fmt` prints it in a file (without the line
/// break after it); `None` when it does not parse.
fn format_block(block: &str, opts: &crate::fmt::FmtOptions) -> Option<String> {
    let f = crate::fmt::format(block, opts);
    if f.has_errors() {
        return None;
    }
    let mut t = f.text;
    if t.ends_with("\r\n") {
        t.truncate(t.len() - 2);
    } else if t.ends_with(['\n', '\r']) {
        t.truncate(t.len() - 1);
    }
    Some(t)
}

/// [`apply_formatted`] for a file formatted as a whole (entries sorted): when `text` is
/// formatted, the records the fixes changed are printed as the formatter prints them.
fn formatted_whole(text: &str, applied: Applied, opts: &crate::fmt::FmtOptions) -> Applied {
    let before = crate::fmt::format(text, opts);
    if before.has_errors() || before.text != text {
        return applied;
    }
    let after = crate::fmt::format(&applied.text, opts);
    if after.has_errors() {
        return applied;
    }
    let changes = one_change(text, &after.text);
    Applied {
        text: after.text,
        fixed: applied.fixed,
        changes,
    }
}

/// The spans of the blocks of `text` that `ranges` (sorted; an empty one counts for the
/// block it is in or next to) touch, in order, each with whether a range touches it (with
/// `strings`, every `@string` block is there too); only the stretches of the file around
/// them are parsed.
fn blocks_touching(text: &str, ranges: &[(usize, usize)], strings: bool) -> Vec<(Span, bool)> {
    use crate::syntax::{entry_line_after, entry_line_before, has_lone_cr, parse_range};
    let lone_cr = has_lone_cr(text);
    let mut points: Vec<(usize, usize, bool)> = ranges.iter().map(|&(x, y)| (x, y, true)).collect();
    if strings {
        points.extend(string_heads(text).into_iter().map(|at| (at, at, false)));
        points.sort_unstable();
    }
    // The stretches to parse, from a line that starts a block to the one after the point.
    let mut segments: Vec<(usize, usize)> = Vec::new();
    for &(x, y, _) in &points {
        if segments.last().is_some_and(|&(_, z)| y < z) {
            continue;
        }
        let a = entry_line_before(text, x, lone_cr);
        let z = entry_line_after(text, y, lone_cr).max(a);
        match segments.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(z),
            _ => segments.push((a, z)),
        }
    }
    let mut out: Vec<(Span, bool)> = Vec::new();
    let mut p = 0;
    for (a, z) in segments {
        let (tree, _) = parse_range(text, a, z, lone_cr);
        while p < points.len() && points[p].1 < a {
            p += 1;
        }
        let here = &points[p..];
        for b in tree.blocks() {
            let sp = b.span();
            let touched = here
                .iter()
                .take_while(|x| x.0 <= sp.end)
                .any(|&(x, y, range)| range && x <= sp.end && sp.start <= y);
            let string = strings && b.block_kind() == crate::syntax::BlockKind::String;
            if (touched || string) && out.last().is_none_or(|l| l.0.start < sp.start) {
                out.push((sp, touched));
            }
        }
    }
    out
}

/// The offsets of the `@` of every `@string` (any case, white space allowed after `@`).
fn string_heads(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    memchr::memchr_iter(b'@', b)
        .filter(|&at| {
            let rest = &b[at + 1..];
            let skip = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
            rest.len() >= skip + 6 && rest[skip..skip + 6].eq_ignore_ascii_case(b"string")
        })
        .collect()
}

/// How many times at most the records a fix changed are checked again.
const ROUNDS: usize = 8;

/// Makes the fixes of `findings` as [`apply_formatted`] does, then checks the records it
/// changed again — on their own, with the file's `@string` definitions before them, under
/// `config` — and fixes what that finds, until nothing more is fixed: two fixes of one
/// value (one had to wait for the other) and a fix that makes another possible are made
/// at once, without checking the whole file again. Findings that only the whole file has
/// (duplicates across entries) have no fixes, so a check of the result finds nothing
/// more to fix in the common case; `bibkit check --fix` checks again all the same.
///
/// ```
/// use bibkit::check::{Checker, Config, fix};
/// use bibkit::fmt::FmtOptions;
/// let src = "@misc{k,\n  title = {R&D  today},\n}\n";
/// let config = Config::default();
/// let mut c = Checker::new(config.clone());
/// c.add_bib("a.bib", src);
/// // The `&` and the double space are fixes of one value: the second waits for the first.
/// assert_eq!(fix::apply(src, &c.run(), false).fixed, 1);
/// let fixed = fix::converge(src, &c.run(), &config, false, &FmtOptions::default());
/// assert_eq!(fixed.fixed, 2);
/// assert_eq!(fixed.text, "@misc{k,\n  title = {R\\&D today},\n}\n");
/// ```
pub fn converge<'a>(
    text: &str,
    findings: impl IntoIterator<Item = &'a Diagnostic>,
    config: &super::Config,
    unsafe_fixes: bool,
    opts: &crate::fmt::FmtOptions,
) -> Applied {
    let first = apply_formatted(text, findings, unsafe_fixes, opts);
    if first.fixed == 0 {
        return first;
    }
    let mut fixed = first.fixed;
    let mut cur = first.text;
    // The stretches the last round changed, in `cur`.
    let mut stretches = new_stretches(&first.changes);
    for _ in 1..ROUNDS {
        let blocks = blocks_touching(&cur, &stretches, true);
        // The records to check: those changed, each after the `@string`s before it.
        let mut reduced = String::new();
        // (span in `cur`, span in `reduced`) of each record checked.
        let mut targets: Vec<(Span, Span)> = Vec::new();
        for &(b, touched) in &blocks {
            if !reduced.is_empty() {
                reduced.push_str("\n\n");
            }
            let at = reduced.len();
            reduced.push_str(&cur[b.start..b.end]);
            if touched {
                targets.push((b, Span::new(at, reduced.len())));
            }
        }
        if targets.is_empty() {
            break;
        }
        let mut checker = super::Checker::new(config.clone());
        checker.add_bib("-", &reduced);
        let found = checker.run();
        // Targets are in order: the one a finding is in is the last that starts before it.
        let in_target = |d: &&Diagnostic| {
            let at = d.span.start;
            let i = targets.partition_point(|(_, r)| r.start <= at);
            d.fix.is_some() && i > 0 && at < targets[i - 1].1.end
        };
        let again = apply_formatted(&reduced, found.iter().filter(in_target), unsafe_fixes, opts);
        if again.fixed == 0 {
            break;
        }
        fixed += again.fixed;
        // Each target's new text back into `cur`.
        let mut back: Vec<Change> = Vec::new();
        let mut shift = Shift::new(&again.changes);
        for (in_cur, in_reduced) in &targets {
            let (s, e) = (shift.at(in_reduced.start), shift.at(in_reduced.end));
            let new = &again.text[s..e];
            if new != &cur[in_cur.start..in_cur.end] {
                back.push(Change {
                    range: in_cur.start..in_cur.end,
                    text: new.to_string(),
                });
            }
        }
        cur = splice(&cur, &back);
        stretches = new_stretches(&back);
        if stretches.is_empty() {
            break;
        }
    }
    let changes = one_change(text, &cur);
    Applied {
        text: cur,
        fixed,
        changes,
    }
}

/// Where `changes` (sorted, in the old text's offsets) put their new text in the new text.
fn new_stretches(changes: &[Change]) -> Vec<(usize, usize)> {
    let mut delta: isize = 0;
    changes
        .iter()
        .map(|c| {
            let start = (c.range.start as isize + delta) as usize;
            delta += c.text.len() as isize - (c.range.end - c.range.start) as isize;
            (start, start + c.text.len())
        })
        .collect()
}

/// The stretch where `old` and `new` differ, as one change (none when they are equal).
fn one_change(old: &str, new: &str) -> Vec<Change> {
    if old == new {
        return Vec::new();
    }
    let mut start = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(start) || !new.is_char_boundary(start) {
        start -= 1;
    }
    let suffix = old[start..]
        .bytes()
        .rev()
        .zip(new[start..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (mut oe, mut ne) = (old.len() - suffix, new.len() - suffix);
    while !old.is_char_boundary(oe) || !new.is_char_boundary(ne) {
        oe += 1;
        ne += 1;
    }
    vec![Change {
        range: start..oe,
        text: new[start..ne].to_string(),
    }]
}

/// Attaches fixes to the findings about the file whose text is `text` (those whose
/// `file` is `file`); `entries` are the byte ranges of its entries, in order. Each
/// finding's entry is read on its own as a [`Document`], and the fix's edits placed in
/// the file.
pub(super) fn attach(
    text: &str,
    file: Option<&str>,
    list: &mut [Diagnostic],
    entries: &[(u32, u32)],
) {
    // One document per entry, for the findings about it (they come sorted by position
    // within a file only after the caller sorts; keep the last one read).
    let mut last: Option<(usize, Document)> = None;
    for d in list
        .iter_mut()
        .filter(|d| d.file.as_deref() == file && d.fix.is_none() && super::fix_of(d.rule).is_some())
    {
        let at = d.span.start;
        let i = entries.partition_point(|&(s, _)| s as usize <= at);
        let Some(&(start, end)) = i.checked_sub(1).map(|i| &entries[i]) else {
            continue;
        };
        let (start, end) = (start as usize, end as usize);
        if at >= end || end > text.len() {
            continue;
        }
        if last.as_ref().is_none_or(|(s, _)| *s != start) {
            last = Some((start, Document::parse(&text[start..end])));
        }
        let (_, doc) = last.as_mut().expect("set above");
        let mut local = d.clone();
        local.span = Span::new(at - start, d.span.end.saturating_sub(start));
        if let Some(mut fix) = fix_for(doc, &local) {
            for e in &mut fix.edits {
                e.span = Span::new(e.span.start + start, e.span.end + start);
            }
            d.fix = Some(Box::new(fix));
        }
    }
}

/// The fix for finding `d` (its span in `doc`'s text), if it has one.
fn fix_for(doc: &mut Document, d: &Diagnostic) -> Option<Fix> {
    let (i, k) = doc.field_at(d.span.start)?;
    let (name, raw) = doc
        .field(i, k)
        .map(|(n, r)| (n.to_string(), r.to_string()))?;
    let lower = name.to_ascii_lowercase();
    let safe = Applicability::Safe;
    match d.rule {
        "field-case" => {
            if name == lower {
                return None;
            }
            let mut b = doc.batch();
            b.rename_field_at(i, k, &lower).ok()?;
            fix_of(&b.changes().ok()?, safe, format!("write `{lower}`"))
        }
        "duplicate-field" => {
            let first = (0..k).find(|&j| {
                doc.field(i, j)
                    .is_some_and(|(n, _)| n.eq_ignore_ascii_case(&name))
            })?;
            let (_, first_raw) = doc.field(i, first)?;
            if lower == "keywords" {
                return None;
            }
            let same = inner_of(first_raw).trim() == inner_of(&raw).trim();
            let mut b = doc.batch();
            b.remove_field_at(i, k).ok()?;
            let changes = b.changes().ok()?;
            if same {
                fix_of(&changes, safe, format!("remove the repeated `{name}`"))
            } else {
                fix_of(
                    &changes,
                    Applicability::Unsafe,
                    format!("remove the second `{name}`, which BibTeX ignores"),
                )
            }
        }
        "invalid-year" => {
            // `2020a`: the letter that tells works of a year apart goes to `extra`.
            let (open, inner, close) = delimited(&raw)?;
            let t = inner.trim();
            let digits = t.trim_end_matches(|c: char| c.is_ascii_lowercase());
            let letter = &t[digits.len()..];
            let ok = digits.len() == 4
                && digits.bytes().all(|b| b.is_ascii_digit())
                && letter.len() == 1;
            if !ok || !doc.fields(i, "extra").is_empty() {
                return None;
            }
            let mut b = doc.batch();
            b.set_value_at(i, k, Value::raw(format!("{open}{digits}{close}")))
                .ok()?;
            b.set_field(i, "extra", Value::text(letter)).ok()?;
            fix_of(
                &b.changes().ok()?,
                Applicability::Unsafe,
                format!("write `{digits}` and move `{letter}` to `extra`"),
            )
        }
        _ => {
            let (new, app) = value_fix(d.rule, &lower, &raw)?;
            if new == raw {
                return None;
            }
            let shown = inner_of(&new).to_string();
            let mut b = doc.batch();
            b.set_value_at(i, k, Value::raw(new)).ok()?;
            let what = match d.rule {
                "unprotected-acronym" => "brace the words a style may lowercase".to_string(),
                "non-nfc" => "compose the characters (NFC)".to_string(),
                "stray-whitespace" => "remove the white space".to_string(),
                _ => format!("write `{}`", crate::diagnostic::escape_control(&shown)),
            };
            fix_of(&b.changes().ok()?, app, what)
        }
    }
}

fn fix_of(changes: &[Change], app: Applicability, message: String) -> Option<Fix> {
    (!changes.is_empty()).then(|| {
        Fix::new(
            app,
            message,
            changes
                .iter()
                .map(|c| TextEdit::new(Span::new(c.range.start, c.range.end), c.text.clone()))
                .collect(),
        )
    })
}

/// The new raw value for a finding about one value, and how safe it is.
fn value_fix(rule: &str, field: &str, raw: &str) -> Option<(String, Applicability)> {
    let safe = Applicability::Safe;
    if rule == "non-nfc" {
        use unicode_normalization::UnicodeNormalization;
        return Some((raw.nfc().collect(), safe));
    }
    if rule == "month-text" {
        let (_, inner, _) = delimited(raw)?;
        if raw.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return None;
        }
        let m = crate::date::month_from_name(inner.trim())?;
        const MACROS: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        return Some((MACROS[usize::from(m) - 1].to_string(), safe));
    }
    let (open, inner, close) = delimited(raw)?;
    // A bare value other than a number is a macro: its name is not the value.
    if open.is_empty() && !inner.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wrap = |s: String| format!("{open}{s}{close}");
    let fixed = match rule {
        "invalid-pages" | "page-range" => (fix_pages(inner)?, safe),
        "invalid-doi" => {
            let d = crate::latex::unescape_verbatim(inner.trim());
            let d = bibtex::normalize_doi(&d);
            let d = d
                .find("/10.")
                .map(|i| &d[i + 1..])
                .filter(|_| !d.starts_with("10."))
                .unwrap_or(d);
            (d.to_string(), safe)
        }
        "invalid-url" => {
            let u = crate::latex::unescape_verbatim(inner.trim()).into_owned();
            let u = strip_url_command(&u).unwrap_or(&u).trim().to_string();
            if u.starts_with("www.") {
                (format!("https://{u}"), Applicability::Unsafe)
            } else if u.contains(char::is_whitespace) && !u.trim().contains(' ') {
                return None;
            } else {
                (u.replace(' ', "%20"), safe)
            }
        }
        "escaped-url" => (crate::latex::unescape_verbatim(inner).into_owned(), safe),
        "invalid-issn" => (fix_issn(inner)?, safe),
        "invalid-isbn" => (fix_isbn(inner)?, safe),
        "invalid-name" => (fix_name_commas(inner)?, safe),
        "literal-et-al" => {
            let t = inner.trim_end();
            let lower = t.to_lowercase();
            let cut = ["et al.", "et al", "et~al.", "et~al"]
                .iter()
                .find(|s| lower.ends_with(*s))?;
            let head = t[..t.len() - cut.len()]
                .trim_end()
                .trim_end_matches(',')
                .trim_end();
            let head = head
                .strip_suffix(" and")
                .or_else(|| head.strip_suffix(" AND"))
                .unwrap_or(head)
                .trim_end();
            if head.is_empty() {
                return None;
            }
            (format!("{head} and others"), safe)
        }
        "unescaped-special" => (escape_specials(inner), safe),
        "unprotected-acronym" => (protect_words(inner)?, safe),
        "stray-whitespace" => (collapse_whitespace(inner), safe),
        _ => return None,
    };
    let _ = field;
    Some((wrap(fixed.0), fixed.1))
}

/// A value written as one piece: `{…}`, `"…"` or a bare word, split into its delimiters
/// and what is between them.
pub(super) fn delimited(raw: &str) -> Option<(&str, &str, &str)> {
    let r = raw.trim();
    let b = r.as_bytes();
    match b.first()? {
        b'{' => {
            let mut depth = 0usize;
            for (i, c) in b.iter().enumerate() {
                match c {
                    b'{' => depth += 1,
                    b'}' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return (i == b.len() - 1).then(|| ("{", &r[1..i], "}"));
                        }
                    }
                    _ => {}
                }
            }
            None
        }
        b'"' => {
            let mut depth = 0usize;
            for (i, c) in b.iter().enumerate().skip(1) {
                match c {
                    b'{' => depth += 1,
                    b'}' => depth = depth.checked_sub(1)?,
                    b'"' if depth == 0 => {
                        return (i == b.len() - 1).then(|| ("\"", &r[1..i], "\""));
                    }
                    _ => {}
                }
            }
            None
        }
        _ => r
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"_-.:+/'".contains(&c))
            .then_some(("", r, "")),
    }
}

/// What is between a value's delimiters (the value itself when it has none).
fn inner_of(raw: &str) -> &str {
    delimited(raw).map_or(raw.trim(), |(_, i, _)| i)
}

/// `pp. 12-15` → `12--15`: the label dropped, and a range of two numbers written with
/// one hyphen given BibTeX's range dash.
pub(super) fn fix_pages(inner: &str) -> Option<String> {
    let mut p = inner.trim();
    let lower = p.to_lowercase();
    for label in ["pp.", "pp", "p.", "s."] {
        if lower.starts_with(label) {
            let rest = p[label.len()..].trim_start();
            if rest.starts_with(|c: char| c.is_ascii_digit()) {
                p = rest;
                break;
            }
        }
    }
    let mut out = String::new();
    let mut item = String::new();
    let flush = |item: &mut String, out: &mut String| {
        out.push_str(&hyphen_range(item).unwrap_or_else(|| item.clone()));
        item.clear();
    };
    for c in p.chars() {
        if c == ',' || c == ';' {
            flush(&mut item, &mut out);
            out.push(c);
        } else {
            item.push(c);
        }
    }
    flush(&mut item, &mut out);
    (out != inner).then_some(out)
}

/// `12-15` (or `12 - 15`) as `12--15`; `None` when `item` is not two numbers joined by
/// one hyphen.
pub(super) fn hyphen_range(item: &str) -> Option<String> {
    let lead = &item[..item.len() - item.trim_start().len()];
    let t = item.trim();
    if t.contains("--") {
        return None;
    }
    let (a, b) = t.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let number = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    (number(a) && number(b)).then(|| format!("{lead}{a}--{b}"))
}

/// `\url{…}` or `\href{…}{…}` around an address: the address.
fn strip_url_command(u: &str) -> Option<&str> {
    let rest = u
        .strip_prefix("\\url{")
        .or_else(|| u.strip_prefix("\\href{"))?;
    let end = rest.find('}')?;
    let tail = &rest[end + 1..];
    let ok = tail.is_empty() || u.starts_with("\\href{") && tail.starts_with('{');
    ok.then(|| &rest[..end])
}

/// ISSNs written as `NNNN-NNNC`: the parts of the value that are eight valid digits in
/// another form rewritten.
pub(super) fn fix_issn(inner: &str) -> Option<String> {
    let mut out = String::new();
    let mut changed = false;
    let mut rest = inner;
    while !rest.is_empty() {
        let cut = rest.find([',', ';', '/']).map_or(rest.len(), |i| i + 1);
        let (part, tail) = rest.split_at(cut);
        let sep_len = usize::from(part.ends_with([',', ';', '/']));
        let body = &part[..part.len() - sep_len];
        match issn_form(body) {
            Some(f) if f != body.trim() => {
                let lead = &body[..body.len() - body.trim_start().len()];
                let trail = &body[body.trim_end().len()..];
                out.push_str(lead);
                out.push_str(&f);
                out.push_str(trail);
                changed = true;
            }
            _ => out.push_str(body),
        }
        out.push_str(&part[part.len() - sep_len..]);
        rest = tail;
    }
    changed.then_some(out)
}

/// An ISSN in its written form, when `s` is one with a valid check digit.
pub(super) fn issn_form(s: &str) -> Option<String> {
    let s = s.trim();
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x' | '-' | ' '))
    {
        return None;
    }
    let chars: Vec<char> = s
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x'))
        .collect();
    if chars.len() != 8 || chars[..7].iter().any(|c| !c.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = chars[..7]
        .iter()
        .enumerate()
        .map(|(i, c)| (8 - i as u32) * c.to_digit(10).unwrap_or(0))
        .sum();
    let check = (11 - sum % 11) % 11;
    let last = match chars[7] {
        'X' | 'x' => 10,
        c => c.to_digit(10)?,
    };
    if check != last {
        return None;
    }
    let d: String = chars.iter().map(|c| c.to_ascii_uppercase()).collect();
    Some(format!("{}-{}", &d[..4], &d[4..]))
}

/// ISBNs hyphenated as the ISBN agency's ranges say: the parts of the value that are a
/// valid ISBN with hyphens or spaces in the wrong places rewritten.
pub(super) fn fix_isbn(inner: &str) -> Option<String> {
    let mut out = String::new();
    let mut changed = false;
    let mut rest = inner;
    while !rest.is_empty() {
        let cut = rest.find([',', ';', '/']).map_or(rest.len(), |i| i + 1);
        let (part, tail) = rest.split_at(cut);
        let sep_len = usize::from(part.ends_with([',', ';', '/']));
        let body = &part[..part.len() - sep_len];
        match isbn_form(body) {
            Some((written, right)) if written != right => {
                out.push_str(&body.replacen(&written, &right, 1));
                changed = true;
            }
            _ => out.push_str(body),
        }
        out.push_str(&part[part.len() - sep_len..]);
        rest = tail;
    }
    changed.then_some(out)
}

/// The ISBN in `part` as written (digits with their hyphens or spaces) and as the ranges
/// hyphenate it, when it is written with separators; `None` for an ISBN written as bare
/// digits, one the ranges do not cover, or no ISBN.
pub(super) fn isbn_form(part: &str) -> Option<(String, String)> {
    let start = part.find(|c: char| c.is_ascii_digit())?;
    let len = part[start..]
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | ' ' | 'X' | 'x')))
        .unwrap_or(part.len() - start);
    let written = part[start..start + len].trim_end_matches([' ', '-']);
    if !written.contains(['-', ' ']) {
        return None;
    }
    let digits: String = written.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let right = match digits.len() {
        13 => digits
            .parse::<isbn::Isbn13>()
            .ok()?
            .hyphenate()
            .ok()?
            .to_string(),
        10 => digits
            .parse::<isbn::Isbn10>()
            .ok()?
            .hyphenate()
            .ok()?
            .to_string(),
        _ => return None,
    };
    Some((written.to_string(), right))
}

/// `A B, C D, E F` (whole names) or `B, A., D, C.` (family names and initials) with `and`
/// between the names; `None` when the commas could mean something else.
pub(super) fn fix_name_commas(inner: &str) -> Option<String> {
    if has_and(inner) || inner.contains(['{', '}', '\\']) {
        return None;
    }
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    if parts.len() < 3 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let suffix = |p: &str| {
        matches!(
            p.trim_end_matches('.').to_lowercase().as_str(),
            "jr" | "sr" | "ii" | "iii" | "iv"
        )
    };
    if parts.iter().any(|p| suffix(p)) {
        return None;
    }
    let initials = |p: &str| {
        p.split([' ', '.', '-'])
            .filter(|w| !w.is_empty())
            .all(|w| w.chars().count() <= 2 && w.chars().all(char::is_uppercase))
            && p.chars().any(char::is_uppercase)
    };
    let words = |p: &str| p.split_whitespace().count();
    if parts.iter().all(|p| words(p) >= 2 && !initials(p)) {
        return Some(parts.join(" and "));
    }
    if parts.len() % 2 == 0
        && parts
            .chunks(2)
            .all(|pair| !initials(pair[0]) && words(pair[0]) <= 2 && initials(pair[1]))
    {
        let names: Vec<String> = parts
            .chunks(2)
            .map(|pair| format!("{}, {}", pair[0], pair[1]))
            .collect();
        return Some(names.join(" and "));
    }
    None
}

fn has_and(s: &str) -> bool {
    s.split_whitespace().any(|w| w.eq_ignore_ascii_case("and"))
}

/// Bare `&` and `%` (outside math) escaped.
fn escape_specials(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len() + 4);
    let mut in_math = false;
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '$' => {
                in_math = !in_math;
                out.push(c);
            }
            '&' if !in_math => out.push_str("\\&"),
            '%' => out.push_str("\\%"),
            c => out.push(c),
        }
    }
    out
}

/// The words of a title that a style may lowercase (`SysML`, `t-SNE`) braced one by one:
/// only words outside braces, math and commands, never the whole title.
pub(crate) fn protect_words(inner: &str) -> Option<String> {
    let b = inner.as_bytes();
    let mut out = String::with_capacity(inner.len() + 8);
    let mut depth = 0usize;
    let mut in_math = false;
    let mut i = 0;
    let mut changed = false;
    let mut words = 0;
    // In a word with braces, math or a command: nothing in it is braced.
    let mut in_word = false;
    let special = |c: u8| matches!(c, b'\\' | b'{' | b'}' | b'$' | b'~') || c.is_ascii_whitespace();
    while i < b.len() {
        let c = b[i];
        if depth == 0 && !in_math && (c.is_ascii_whitespace() || c == b'~') {
            in_word = false;
        }
        if depth == 0 && !in_math && !in_word && !special(c) {
            // A word: up to white space or `~`.
            let end = inner[i..]
                .find(|ch: char| ch.is_whitespace() || ch == '~')
                .map_or(inner.len(), |e| i + e);
            let word = &inner[i..end];
            words += 1;
            if let Some(stop) = word.find(['{', '}', '$', '\\']) {
                out.push_str(&word[..stop]);
                i += stop;
                in_word = true;
                continue;
            }
            let core_start = word
                .find(|ch: char| ch.is_alphanumeric() || ch == '-')
                .unwrap_or(word.len());
            let core_end = word
                .rfind(|ch: char| ch.is_alphanumeric() || ch == '-')
                .map_or(core_start, |e| {
                    e + word[e..].chars().next().map_or(1, char::len_utf8)
                });
            let core = word.get(core_start..core_end.max(core_start)).unwrap_or("");
            let core_trimmed = core.trim_matches('-');
            if !core_trimmed.is_empty() && bibtex::needs_protection(core_trimmed) {
                let lead = core.len() - core.trim_start_matches('-').len();
                let (a, z) = (core_start + lead, core_start + lead + core_trimmed.len());
                out.push_str(&word[..a]);
                out.push('{');
                out.push_str(&word[a..z]);
                out.push('}');
                out.push_str(&word[z..]);
                changed = true;
            } else {
                out.push_str(word);
            }
            i = end;
            continue;
        }
        match c {
            b'\\' => {
                // A command and its name (or the one character it escapes).
                let start = i;
                i += 1;
                if i < b.len() && b[i].is_ascii_alphabetic() {
                    while i < b.len() && b[i].is_ascii_alphabetic() {
                        i += 1;
                    }
                } else if i < b.len() {
                    i += inner[i..].chars().next().map_or(1, char::len_utf8);
                }
                out.push_str(&inner[start..i]);
                continue;
            }
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'$' if depth == 0 => in_math = !in_math,
            _ => {}
        }
        let len = inner[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&inner[i..i + len]);
        i += len;
    }
    // One word braced is the whole title: that protects too much.
    (changed && words > 1).then_some(out)
}

/// White space at the ends removed, and runs of spaces inside a line made one.
pub(super) fn collapse_whitespace(inner: &str) -> String {
    let t = inner.trim();
    let mut out = String::with_capacity(t.len());
    let mut line_start = true;
    let mut prev_space = false;
    for c in t.chars() {
        match c {
            '\n' | '\r' => {
                // Continuation lines keep their indent.
                while out.ends_with([' ', '\t']) {
                    out.pop();
                }
                out.push(c);
                line_start = true;
                prev_space = false;
            }
            ' ' | '\t' if line_start => out.push(c),
            ' ' | '\t' => {
                if !prev_space {
                    out.push(' ');
                }
                prev_space = true;
            }
            c => {
                out.push(c);
                line_start = false;
                prev_space = false;
            }
        }
    }
    out
}

/// Whether a value has white space to tidy: at its ends, or a run of spaces inside a
/// line.
pub(super) fn has_stray_whitespace(inner: &str) -> bool {
    collapse_whitespace(inner) != inner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_fixes() {
        assert_eq!(fix_pages("12-15").as_deref(), Some("12--15"));
        assert_eq!(fix_pages("pp. 12--15").as_deref(), Some("12--15"));
        assert_eq!(fix_pages("3, 7-9").as_deref(), Some("3, 7--9"));
        assert_eq!(fix_pages("12 - 15").as_deref(), Some("12--15"));
        assert_eq!(fix_pages("12--15"), None);
        assert_eq!(fix_pages("C3-32--C3-35"), None);
        assert_eq!(fix_pages("S12-S15"), None);
    }

    #[test]
    fn identifier_fixes() {
        assert_eq!(fix_issn("00045411").as_deref(), Some("0004-5411"));
        assert_eq!(fix_issn("0004-5411"), None);
        assert_eq!(fix_issn("0004-5412"), None);
        assert_eq!(
            fix_issn("0004 5411, 2049-3630").as_deref(),
            Some("0004-5411, 2049-3630")
        );
        assert_eq!(
            fix_isbn("978-1492-067665").as_deref(),
            Some("978-1-4920-6766-5")
        );
        assert_eq!(fix_isbn("978-1-4920-6766-5"), None);
        assert_eq!(fix_isbn("9781492067665"), None);
    }

    #[test]
    fn name_fixes() {
        assert_eq!(
            fix_name_commas("Ada Lovelace, Charles Babbage, Mary Somerville").as_deref(),
            Some("Ada Lovelace and Charles Babbage and Mary Somerville")
        );
        assert_eq!(
            fix_name_commas("Lovelace, A., Babbage, C.").as_deref(),
            Some("Lovelace, A. and Babbage, C.")
        );
        assert_eq!(fix_name_commas("Lovelace, Ada, Babbage"), None);
        assert_eq!(fix_name_commas("King, Jr., Martin Luther"), None);
        assert_eq!(fix_name_commas("Lovelace, Ada and Babbage, Charles"), None);
    }

    #[test]
    fn word_protection() {
        assert_eq!(
            protect_words("Modelling with SysML and t-SNE").as_deref(),
            Some("Modelling with {SysML} and {t-SNE}")
        );
        assert_eq!(protect_words("Modelling with {SysML}"), None);
        assert_eq!(
            protect_words("A \\emph{new} look at GPUs: {CUDA} in $O(n)$ time").as_deref(),
            Some("A \\emph{new} look at {GPUs}: {CUDA} in $O(n)$ time")
        );
        assert_eq!(protect_words("SysML"), None);
        assert_eq!(
            protect_words("(TensorFlow), revisited").as_deref(),
            Some("({TensorFlow}), revisited")
        );
    }

    #[test]
    fn whitespace() {
        assert_eq!(collapse_whitespace(" A  title "), "A title");
        assert_eq!(
            collapse_whitespace("A long\n    abstract"),
            "A long\n    abstract"
        );
        assert!(!has_stray_whitespace("A long\n    abstract"));
        assert!(has_stray_whitespace("Title "));
    }

    #[test]
    fn delimiters() {
        assert_eq!(delimited("{a {b} c}"), Some(("{", "a {b} c", "}")));
        assert_eq!(delimited("\"a {\"} b\""), Some(("\"", "a {\"} b", "\"")));
        assert_eq!(delimited("{a} # {b}"), None);
        assert_eq!(delimited("jan"), Some(("", "jan", "")));
        assert_eq!(delimited("jan # { 1}"), None);
    }
}
