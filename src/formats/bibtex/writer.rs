//! The BibTeX/BibLaTeX writer.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

use crate::latex::{self, EncodeOptions};
use crate::model::{
    Bibliography, Chunk, Comment, CommentKind, Date, DatePart, Entry, Name, NameList, Person,
    RangeEnd, Season, Text, Value,
};
use crate::syntax::balanced;

/// Which flavour of `.bib` to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Classic BibTeX: `year`/`month`, `journal`, `address`.
    #[default]
    Bibtex,
    /// BibLaTeX: `date`, `journaltitle`, `location`.
    Biblatex,
}

/// Options for [`write()`]. Defaults: BibTeX dialect, UTF-8, no added case protection.
///
/// ```
/// use bibkit::formats::bibtex::{Dialect, WriteOptions};
/// let opts = WriteOptions::new().dialect(Dialect::Biblatex).ascii(true);
/// assert_eq!(opts.get_dialect(), Dialect::Biblatex);
/// ```
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    dialect: Dialect,
    ascii: bool,
    protect_acronyms: bool,
}

impl WriteOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the dialect.
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// Writes LaTeX accents (`{\"o}`) instead of non-ASCII characters.
    pub fn ascii(mut self, yes: bool) -> Self {
        self.ascii = yes;
        self
    }

    /// Braces words with inner capitals in titles so styles keep their case (for generated
    /// entries, whose titles carry no braces of their own).
    pub fn protect_acronyms(mut self, yes: bool) -> Self {
        self.protect_acronyms = yes;
        self
    }

    /// The dialect.
    pub fn get_dialect(&self) -> Dialect {
        self.dialect
    }
}

const MONTH_MACROS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The macro for a month's English name (`July` → `jul`).
fn month_macro(s: &str) -> Option<&'static str> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    // Only the text a macro reads as (`July`), so that reading the macro gives it back.
    let s = s.trim();
    NAMES
        .iter()
        .position(|n| {
            let mut c = n.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                == Some(s.into())
        })
        .map(|i| MONTH_MACROS[i])
}

/// Fields whose case a style may change, and that therefore get acronym protection.
pub(crate) const TITLE_FIELDS: &[&str] = &[
    "title",
    "subtitle",
    "titleaddon",
    "booktitle",
    "booksubtitle",
    "maintitle",
    "mainsubtitle",
    "eventtitle",
    "shorttitle",
    "series",
];

/// Writes every entry of `bib`, with its `@preamble`s first and its comments where they
/// stood.
pub fn write(bib: &Bibliography, opts: &WriteOptions) -> String {
    let mut out = String::new();
    for p in &bib.preambles {
        write_preamble(&mut out, p);
    }
    let mut comments = bib.comments.iter().peekable();
    for (i, e) in bib.entries.iter().enumerate() {
        while let Some(c) = comments.next_if(|c| c.before <= i) {
            write_comment(&mut out, c);
        }
        if !out.is_empty() {
            out.push('\n');
        }
        write_entry(&mut out, e, opts);
    }
    for c in comments {
        write_comment(&mut out, c);
    }
    out
}

/// Appends `@preamble{…}` and a blank line.
pub fn write_preamble(out: &mut String, preamble: &str) {
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    let _ = writeln!(out, "@preamble{{{}}}", braced_or_quoted(preamble));
}

/// Indents lines that start with `@` by one space, so that no line inside a value looks like
/// the start of a new entry to a reader.
fn guard_entry_lines(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains("\n@") {
        std::borrow::Cow::Owned(s.replace("\n@", "\n @"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A value that keeps its braces balanced inside `{…}`, or `"…"` when it cannot.
fn braced_or_quoted(s: &str) -> String {
    let s = &guard_entry_lines(s);
    if balanced(s) {
        format!("{{{s}}}")
    } else {
        format!("\"{}\"", s.replace('"', "{\"}"))
    }
}

/// Appends a comment as it was written: `@comment{…}` for a block whose braces balance,
/// `%` lines otherwise.
pub fn write_comment(out: &mut String, c: &Comment) {
    // Each comment stands apart: `%` lines on consecutive lines read back as one comment.
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    if c.kind == CommentKind::Block
        && balanced(&c.text)
        && !c.text.contains("\n@")
        && !c.text.contains("\r@")
    {
        let _ = writeln!(out, "@comment{{{}}}", c.text);
    } else {
        if c.text.is_empty() {
            out.push_str("%\n");
        }
        // Lines end at LF, CRLF or a lone CR, as the reader ends `%` comments.
        for line in c.text.split('\n').flat_map(|l| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            l.split('\r')
        }) {
            let line = line.trim_end();
            if line.is_empty() {
                out.push_str("%\n");
            } else {
                let _ = writeln!(out, "% {line}");
            }
        }
    }
}

/// The entry type a dialect writes. BibTeX gets one of its own types (`@online` →
/// `@misc`, `@thesis` → `@phdthesis` or `@mastersthesis`, `@report` → `@techreport`, …),
/// with the `type` field it then needs; BibLaTeX keeps every type, since it knows BibTeX's
/// as aliases. Returns the type and, for BibTeX, how to write `type`: `None` to keep it,
/// `Some(None)` to drop it, `Some(Some(text))` to write `text`.
fn dialect_kind(entry: &Entry, dialect: Dialect) -> (&str, Option<Option<String>>) {
    let kind = entry.kind.as_str();
    if dialect == Dialect::Biblatex {
        return (kind, None);
    }
    let ty = entry.get("type").map(|t| t.to_plain_string());
    let key = ty
        .as_deref()
        .map(|t| crate::formats::csl_json::type_key_of(t).unwrap_or(""));
    // The `type` to write: dropped when it says what the BibTeX type implies, in English
    // when it is a BibLaTeX key (BibTeX prints it as it stands), else as written.
    let english = |implied: &str| -> Option<Option<String>> {
        let written = ty.as_deref().map(str::trim).unwrap_or_default();
        // Dropped only when it reads back the same: the key itself, or the text the
        // BibTeX type implies exactly as written (`Technical Report` is kept, not re-cased).
        let same = written.eq_ignore_ascii_case(implied)
            || crate::formats::csl_json::default_genre(kind) == Some(written)
            || crate::formats::csl_json::type_text(implied) == written;
        match key {
            Some(k) if !k.is_empty() && k == implied && same => Some(None),
            Some(k) if !k.is_empty() && written.eq_ignore_ascii_case(k) => {
                Some(Some(crate::formats::csl_json::type_text(k).to_string()))
            }
            _ => None,
        }
    };
    match kind {
        "thesis" if key == Some("mathesis") => ("mastersthesis", english("mathesis")),
        "thesis" => ("phdthesis", english("phdthesis")),
        "phdthesis" => (kind, english("phdthesis")),
        "mastersthesis" => (kind, english("mathesis")),
        "report" | "techreport" => ("techreport", english("techreport")),
        _ => (bibtex_fallback(kind).unwrap_or(kind), english("")),
    }
}

/// The BibTeX type written for a BibLaTeX type BibTeX does not have (`@online` →
/// `@misc`, `@mvbook` → `@book`, …); the entry then gets an `entrytype` field naming its
/// own type, which the reader restores it from.
///
/// ```
/// use bibkit::formats::bibtex::{self, Dialect, WriteOptions};
/// let bib = bibtex::read("@online{w, title = {Page}, url = {https://example.org}}").bibliography;
/// let out = bibtex::write(&bib, &WriteOptions::new().dialect(Dialect::Bibtex));
/// assert!(out.starts_with("@misc{w,") && out.contains("entrytype = {online}"));
/// assert_eq!(bibtex::read(&out).bibliography.entries[0].kind, "online");
/// ```
pub(crate) fn bibtex_fallback(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "online" | "electronic" | "www" | "dataset" | "software" | "periodical" | "artwork"
        | "audio" | "image" | "video" | "movie" | "music" | "performance" | "letter"
        | "standard" | "review" | "jurisdiction" | "legislation" | "legal" => "misc",
        "mvbook" | "collection" | "mvcollection" | "reference" | "mvreference" => "book",
        "bookinbook" | "suppbook" => "inbook",
        "suppcollection" | "inreference" => "incollection",
        "mvproceedings" => "proceedings",
        "suppperiodical" => "article",
        // Without a `type` (see `write_entry`).
        "thesis" => "phdthesis",
        "report" => "techreport",
        _ => return None,
    })
}

/// Appends one entry to `out`.
pub fn write_entry(out: &mut String, entry: &Entry, opts: &WriteOptions) {
    let enc = EncodeOptions { ascii: opts.ascii };
    let (kind, type_field) = dialect_kind(entry, opts.dialect);
    // A date with its own `year` or `month` beside it is written as `date`.
    let mut has_year = entry
        .fields
        .iter()
        .any(|f| !f.inherited && (f.name == "year" || f.name == "month"));
    // (name, whether it is the model's own name, value)
    let mut fields: Vec<(String, bool, Val<'_>)> = Vec::new();
    // Inherited fields stay with their parent: the `crossref`/`xdata` field carries them.
    for f in entry.fields.iter().filter(|f| !f.inherited) {
        let name = dialect_name(&f.name, kind, opts.dialect);
        let own = name == f.name;
        if f.name == "type" {
            match &type_field {
                Some(None) => continue,
                Some(Some(t)) => {
                    fields.push((
                        name,
                        own,
                        Val::Owned(format!("{{{}}}", latex::escape_str(t, &enc))),
                    ));
                    continue;
                }
                None => {}
            }
        }
        match &f.value {
            Value::Date(d) if f.name == "date" && opts.dialect == Dialect::Bibtex => {
                let mut parts = Vec::new();
                bibtex_date(d, &mut parts, has_year);
                fields.extend(parts.into_iter().map(|(n, v)| (n, true, Val::Owned(v))));
                // A second date (a duplicate field) is written as `date`.
                has_year = true;
            }
            Value::Date(d) => fields.push((name, own, Val::Owned(format!("{{{d}}}")))),
            Value::Names(n) => {
                let names = names_in(n, &enc, opts.dialect);
                let names = if balanced(&names) {
                    Cow::Borrowed(names.as_str())
                } else {
                    brace_commands(&names)
                };
                fields.push((
                    name,
                    own,
                    Val::Owned(format!("{{{}}}", guard_entry_lines(&names))),
                ))
            }
            Value::Text(t) => {
                // A month written out (`July`) as its macro.
                if f.name == "month" {
                    if let Some(m) = month_macro(&t.to_plain_string()) {
                        fields.push((name, own, Val::Owned(m.to_string())));
                        continue;
                    }
                }
                let t = if opts.protect_acronyms && TITLE_FIELDS.contains(&f.name.as_ref()) {
                    Cow::Owned(protect_acronyms(t))
                } else {
                    Cow::Borrowed(t)
                };
                // A literal date in BibTeX goes into `year`.
                let name = if f.name == "date" && opts.dialect == Dialect::Bibtex && !has_year {
                    "year".to_string()
                } else {
                    name
                };
                fields.push((name, own, Val::Text(t)));
            }
            Value::Verbatim(s) => fields.push((name, own, Val::Verbatim(s))),
        }
    }
    // A type BibTeX lacks: say which it was, so that reading the file restores it (a
    // `@thesis` or `@report` that no `type` makes a PhD thesis or a technical report too).
    let restorable = match entry.kind.as_str() {
        "thesis" | "report" => entry.get("type").is_none(),
        k => bibtex_fallback(k).is_some(),
    };
    if kind != entry.kind.as_str() && restorable && entry.get("entrytype").is_none() {
        fields.push((
            "entrytype".into(),
            true,
            Val::Owned(format!("{{{}}}", entry.kind)),
        ));
    }
    let fields = one_per_name(fields);
    let width = fields.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let _ = writeln!(out, "@{}{{{},", kind, entry.key);
    for (name, value) in fields {
        let _ = write!(out, "  {name:width$} = ");
        match value {
            Val::Owned(v) => out.push_str(&v),
            Val::Verbatim(s) => {
                let s = guard_entry_lines(s);
                out.push('{');
                out.push_str(&balanced_verbatim(&s));
                out.push('}');
            }
            Val::Text(t) => text_value(out, &t, &enc),
        }
        out.push_str(",\n");
    }
    out.push_str("}\n");
}

/// How a field's value is written: ready, or written straight into the output (so that
/// a large value is not copied on the way).
enum Val<'e> {
    Owned(String),
    Verbatim(&'e str),
    Text(Cow<'e, Text>),
}

/// `s` with each `\{` and `\}` (a brace after an odd number of backslashes) written as
/// `\textbraceleft{}` and `\textbraceright{}`: the same text to LaTeX, and no brace to
/// BibTeX, which counts `\{` as one.
///
/// ```
/// # use bibkit::formats::bibtex::write;
/// let bib = bibkit::formats::bibtex::read(r"@misc{a, title = {A lone \{ brace}}").bibliography;
/// let out = write(&bib, &Default::default());
/// assert!(out.contains(r"A lone \textbraceleft{} brace"), "{out}");
/// ```
fn brace_commands(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let escaped = |i: usize| b[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1;
    if !b
        .iter()
        .enumerate()
        .any(|(i, &c)| (c == b'{' || c == b'}') && i > 0 && b[i - 1] == b'\\' && escaped(i))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 32);
    let mut run = 0usize;
    for c in s.chars() {
        match c {
            '{' | '}' if run % 2 == 1 => {
                out.pop();
                out.push_str(if c == '{' {
                    "\\textbraceleft{}"
                } else {
                    "\\textbraceright{}"
                });
                run = 0;
            }
            '\\' => {
                run += 1;
                out.push(c);
            }
            _ => {
                run = 0;
                out.push(c);
            }
        }
    }
    Cow::Owned(out)
}

/// A text value in braces, encoded into `out` where it goes. Raw LaTeX or math that cannot
/// stand in a braced value makes it plain, escaped text instead, which always balances.
fn text_value(out: &mut String, t: &Text, enc: &EncodeOptions) {
    let start = out.len();
    out.push('{');
    latex::encode_into(t, enc, out);
    if out[start + 1..].contains("\n@") {
        let guarded = guard_entry_lines(&out[start + 1..]).into_owned();
        out.truncate(start + 1);
        out.push_str(&guarded);
    }
    if !balanced(&out[start + 1..]) {
        // BibTeX counts `\{` and `\}` as braces; as commands they balance.
        let safe = brace_commands(&out[start + 1..]);
        let safe = if balanced(&safe) {
            safe.into_owned()
        } else {
            brace_commands(&latex::escape_str(&t.to_plain_string(), enc)).into_owned()
        };
        out.truncate(start + 1);
        out.push_str(&safe);
    }
    out.push('}');
}

fn dialect_name(name: &str, kind: &str, dialect: Dialect) -> String {
    let mapped = match dialect {
        Dialect::Bibtex => match name {
            "journaltitle" => "journal",
            "location" => "address",
            "institution" if kind.ends_with("thesis") => "school",
            "annotation" => "annote",
            "eprinttype" => "archiveprefix",
            "eprintclass" => "primaryclass",
            n => n,
        },
        // A BibTeX name the model kept (`address` beside `location`) stays: biber maps it
        // only onto a field the entry lacks, so both are read, each under its name.
        Dialect::Biblatex => name,
    };
    mapped.to_string()
}

/// The fields with each name once. Two model fields that a dialect writes under one name
/// (`address` and `location` as BibTeX's `address`), or a field given twice: the one that
/// has the dialect's own name wins (BibTeX reads `address`, biber `location`), else the
/// first, as BibTeX reads it; `keywords` lists are joined instead. The reader reports
/// the values that disagree (`duplicate-field`).
fn one_per_name<'e>(fields: Vec<(String, bool, Val<'e>)>) -> Vec<(String, Val<'e>)> {
    let mut at: HashMap<String, usize> = HashMap::with_capacity(fields.len());
    let mut kept: Vec<(String, bool, Val<'e>)> = Vec::with_capacity(fields.len());
    for (name, own, value) in fields {
        let lower = name.to_ascii_lowercase();
        match at.get(&lower) {
            None => {
                at.insert(lower, kept.len());
                kept.push((name, own, value));
            }
            Some(&i) if lower == "keywords" => {
                let joined = join_keywords(&kept[i].2, &value);
                kept[i].2 = Val::Owned(joined);
            }
            Some(&i) if own && !kept[i].1 => kept[i] = (name, own, value),
            Some(_) => {}
        }
    }
    kept.into_iter().map(|(n, _, v)| (n, v)).collect()
}

/// Two `keywords` values as one braced list, each keyword once (compared ignoring case).
fn join_keywords(a: &Val<'_>, b: &Val<'_>) -> String {
    let text = |v: &Val<'_>| -> String {
        match v {
            Val::Owned(s) => s
                .strip_prefix('{')
                .and_then(|s| s.strip_suffix('}'))
                .unwrap_or(s)
                .to_string(),
            Val::Verbatim(s) => s.to_string(),
            Val::Text(t) => latex::encode(t, &EncodeOptions::default()),
        }
    };
    let (a, b) = (text(a), text(b));
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<&str> = Vec::new();
    for k in a.split([',', ';']).chain(b.split([',', ';'])) {
        let k = k.trim();
        if !k.is_empty() && !seen.iter().any(|s| s.eq_ignore_ascii_case(k)) {
            seen.push(k.to_string());
            out.push(k);
        }
    }
    format!("{{{}}}", out.join(", "))
}

/// `year`/`month`/`day` as BibTeX styles read them, when the date has that form: a plain
/// date; a season (`month = {Winter}`); a range within one year by months
/// (`month = oct # "--" # nov`), or of whole years (`year = {2001--2002}`). Otherwise
/// `year` plus an EDTF `date`. When the entry has a `year` of its own besides its date,
/// the date is written as `date`.
fn bibtex_date(d: &Date, fields: &mut Vec<(String, String)>, has_year: bool) {
    let plain = |p: &DatePart| {
        !p.approximate
            && !p.uncertain
            && p.unspecified == 0
            && p.time.is_none()
            && (0..=9999).contains(&p.year)
    };
    let month = |m: u8| MONTH_MACROS[usize::from(m.clamp(1, 12) - 1)];
    if !has_year {
        match d {
            Date::Single(p) if plain(p) => {
                fields.push(("year".into(), format!("{{{}}}", p.year)));
                if let Some(season) = p.season {
                    fields.push(("month".into(), format!("{{{}}}", season_name(season))));
                } else if let Some(m) = p.month {
                    fields.push(("month".into(), month(m).into()));
                    if let Some(day) = p.day {
                        fields.push(("day".into(), format!("{{{day}}}")));
                    }
                }
                return;
            }
            Date::Range(RangeEnd::Known(a), RangeEnd::Known(b))
                if plain(a)
                    && plain(b)
                    && a.season.is_none()
                    && b.season.is_none()
                    && a.day.is_none()
                    && b.day.is_none() =>
            {
                match (a.month, b.month) {
                    (None, None) if a.year < b.year => {
                        fields.push(("year".into(), format!("{{{}--{}}}", a.year, b.year)));
                        return;
                    }
                    (Some(m1), Some(m2)) if a.year == b.year && m1 < m2 => {
                        fields.push(("year".into(), format!("{{{}}}", a.year)));
                        fields.push((
                            "month".into(),
                            format!("{} # \"--\" # {}", month(m1), month(m2)),
                        ));
                        return;
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if let Some(start) = d.start().filter(|p| p.unspecified == 0 && !has_year) {
        fields.push(("year".into(), format!("{{{}}}", start.year)));
    }
    fields.push(("date".into(), format!("{{{d}}}")));
}

fn season_name(s: Season) -> &'static str {
    match s {
        Season::Spring => "Spring",
        Season::Summer => "Summer",
        Season::Autumn => "Autumn",
        Season::Winter => "Winter",
    }
}

/// A name list as BibTeX writes it (`Last, First and …`, UTF-8).
///
/// ```
/// use bibkit::name::parse_bibtex_names;
/// let (list, _) = parse_bibtex_names("Ludwig van Beethoven and {Wiener Philharmoniker} and others");
/// assert_eq!(bibkit::formats::bibtex::names_string(&list),
///     "van Beethoven, Ludwig and {Wiener Philharmoniker} and others");
/// ```
pub fn names_string(list: &NameList) -> String {
    names_in(list, &EncodeOptions::default(), Dialect::Biblatex)
}

fn names_in(list: &NameList, enc: &EncodeOptions, dialect: Dialect) -> String {
    let mut parts: Vec<String> = list.names.iter().map(|n| name(n, enc, dialect)).collect();
    if list.truncated {
        parts.push("others".into());
    }
    parts.join(" and ")
}

/// A name part is braced when BibTeX would otherwise split it wrongly.
fn part(s: &str, enc: &EncodeOptions) -> String {
    let escaped = latex::escape_str(s, enc);
    let ends_with = |suffix: &str| {
        let cut = s.len().saturating_sub(suffix.len());
        s.len() > suffix.len() && s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(suffix)
    };
    let needs_braces = s.contains(',')
        || s.split_whitespace()
            .any(|w| w.eq_ignore_ascii_case("and") || w == "others")
        // A trailing "et al." would read as the truncation flag.
        || ends_with(" et al.")
        || ends_with(" et al");
    if needs_braces {
        format!("{{{escaped}}}")
    } else {
        escaped
    }
}

fn name(n: &Name, enc: &EncodeOptions, dialect: Dialect) -> String {
    match n {
        Name::Literal(s) => format!("{{{}}}", latex::escape_str(s, enc)),
        Name::Person(p) => person(p, enc, dialect),
    }
}

/// Whether a person's name may read back differently from `von Last, Jr, First`: parts
/// with capitalised particles, several family words, braces, commas, or missing parts.
fn unusual(p: &Person) -> bool {
    let odd = |s: &str| {
        s.contains(['{', '}', '\\', ',', '~'])
            || s.split_whitespace()
                .any(|w| w.eq_ignore_ascii_case("and") || w == "others")
    };
    p.family.is_empty()
        || p.family.contains(char::is_whitespace)
        || (!p.particle.is_empty()
            && p.particle
                .split_whitespace()
                .any(|w| !crate::name::starts_lowercase(w)))
        || p.given
            .split_whitespace()
            .any(crate::name::starts_lowercase)
        || [&p.given, &p.particle, &p.family, &p.suffix]
            .iter()
            .any(|s| odd(s) || s.trim() != s.as_str())
}

fn person(p: &Person, enc: &EncodeOptions, dialect: Dialect) -> String {
    if p.given.is_empty() && p.particle.is_empty() && p.family.is_empty() && p.suffix.is_empty() {
        return "{}".to_string();
    }
    let plain = person_plain(p, enc);
    if !unusual(p) {
        return plain;
    }
    if let (Name::Person(back), _) = crate::name::parse_bibtex_name(&plain) {
        if back == *p {
            return plain;
        }
    }
    match dialect {
        // BibLaTeX's extended name format says every part exactly.
        Dialect::Biblatex => {
            let mut out = Vec::new();
            for (k, v) in [
                ("family", &p.family),
                ("given", &p.given),
                ("prefix", &p.particle),
                ("suffix", &p.suffix),
            ] {
                if !v.is_empty() {
                    out.push(format!("{k}={{{}}}", latex::escape_str(v, enc)));
                }
            }
            out.join(", ")
        }
        // BibTeX has no such format: a particle it would not read as one (`Freitasand`,
        // `and`) is written so that it does (`{F}reitasand`, `and~Last`), else the family
        // name (with its particle) is kept whole.
        Dialect::Bibtex => {
            if let Some(written) = bibtex_particle(&p.particle, enc) {
                let plain = person_with_particle(p, &written, enc);
                if crate::name::parse_bibtex_name(&plain).0 == Name::Person(p.clone()) {
                    return plain;
                }
            }
            let family = if p.particle.is_empty() {
                p.family.clone()
            } else {
                format!("{} {}", p.particle, p.family)
            };
            if !p.particle.is_empty() {
                // Written as it will read back, when that is possible.
                let merged = Person::new(p.given.clone(), "", family.clone(), p.suffix.clone());
                let plain = person_plain(&merged, enc);
                if crate::name::parse_bibtex_name(&plain).0 == Name::Person(merged) {
                    return plain;
                }
            }
            let mut out = format!("{{{}}}", latex::escape_str(&family, enc));
            push_jr_first(&mut out, p, enc);
            out
        }
    }
}

/// A particle as BibTeX reads one: each word's first letter outside braces in lower case
/// (`Freitasand` as `{F}reitasand`: BibTeX skips a brace group when it looks for it), and
/// `and` or `others` tied to the next word (`and~GaiaTools`) so that it does not separate
/// names. `None` when there is no particle or a word cannot be written so.
fn bibtex_particle(particle: &str, enc: &EncodeOptions) -> Option<String> {
    let words: Vec<&str> = particle.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        let mut chars = w.chars();
        let first = chars.next()?;
        let rest = chars.as_str();
        let word = if crate::name::starts_lowercase(w) {
            latex::escape_str(w, enc)
        } else if first.is_uppercase() && rest.chars().next().is_some_and(char::is_lowercase) {
            format!(
                "{{{}}}{}",
                latex::escape_str(&first.to_string(), enc),
                latex::escape_str(rest, enc)
            )
        } else {
            return None;
        };
        out.push_str(&word);
        let separator = w.eq_ignore_ascii_case("and") || *w == "others";
        if i + 1 < words.len() {
            out.push(if separator { '~' } else { ' ' });
        } else if separator {
            // Tied to the family name that follows.
            out.push('~');
        }
    }
    Some(out)
}

/// `particle Last, Jr, First` with the particle already written.
fn person_with_particle(p: &Person, particle: &str, enc: &EncodeOptions) -> String {
    let mut out = particle.to_string();
    if !out.ends_with('~') {
        out.push(' ');
    }
    out.push_str(&family_part(p, enc));
    push_jr_first(&mut out, p, enc);
    out
}

fn person_plain(p: &Person, enc: &EncodeOptions) -> String {
    let mut last = family_part(p, enc);
    if !p.particle.is_empty() {
        last = format!("{} {last}", part(&p.particle, enc));
    }
    let mut out = last;
    push_jr_first(&mut out, p, enc);
    out
}

/// The family name as the `Last` of BibTeX's comma forms, braced where BibTeX would
/// otherwise read a word of it as a particle.
fn family_part(p: &Person, enc: &EncodeOptions) -> String {
    let mut family = part(&p.family, enc);
    // A family name that starts lowercase would be read as a particle, unless it is one
    // word (the last word is always the family name): protect it.
    if crate::name::starts_lowercase(&p.family)
        && p.family.contains(char::is_whitespace)
        && !family.starts_with('{')
    {
        family = format!("{{{family}}}");
    }
    // A family name of several words in `Last, First` form is read whole by BibTeX, unless
    // a word starts lowercase (then it would join the particle): brace those names.
    if p.family.split_whitespace().count() > 1
        && p.family
            .split_whitespace()
            .any(crate::name::starts_lowercase)
        && !family.starts_with('{')
    {
        family = format!("{{{family}}}");
    }
    family
}

/// `, Jr, First` (or `, First`) after the family name, as BibTeX's comma forms read them.
fn push_jr_first(out: &mut String, p: &Person, enc: &EncodeOptions) {
    if !p.suffix.is_empty() {
        out.push_str(", ");
        out.push_str(&part(&p.suffix, enc));
    }
    if !p.given.is_empty() || !p.suffix.is_empty() {
        out.push_str(", ");
        out.push_str(&part(&p.given, enc));
    }
}

/// A verbatim value (URL, DOI) whose braces balance: if they do not, they (and a trailing
/// backslash) are percent-encoded, since URLs allow that and a `.bib` value cannot hold
/// them otherwise.
pub(crate) fn balanced_verbatim(s: &str) -> std::borrow::Cow<'_, str> {
    if balanced(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut t = s.replace('{', "%7B").replace('}', "%7D");
    if t.ends_with('\\') {
        t.pop();
        t.push_str("%5C");
    }
    std::borrow::Cow::Owned(t)
}

/// Whether a title word needs braces to keep its case: a part (between hyphens) with a
/// capital after its first character (`GPT`, `TensorFlow`, `7B`), or a lone capital letter
/// inside a hyphenated word (`R-CNN`, `X-ray`).
pub(crate) fn needs_protection(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    parts.iter().any(|p| {
        let mut cs = p.chars();
        let first = cs.next();
        cs.any(char::is_uppercase)
            || (parts.len() > 1 && p.chars().count() == 1 && first.is_some_and(char::is_uppercase))
    })
}

/// Braces the words of `t`'s plain chunks that need it: words with a capital after their
/// first character (`GPT`, `TensorFlow`, `7B`) or a lone capital inside a hyphenated word
/// (`R-CNN`, `X-ray`).
///
/// ```
/// use bibkit::formats::bibtex::protect_acronyms;
/// use bibkit::model::Text;
/// use bibkit::latex::{encode, EncodeOptions};
/// let t = protect_acronyms(&Text::plain("YOLOv3: An Incremental Improvement of t-SNE"));
/// assert_eq!(encode(&t, &EncodeOptions::default()), "{YOLOv3}: An Incremental Improvement of {t-SNE}");
/// ```
pub fn protect_acronyms(t: &Text) -> Text {
    let mut out = Text::new();
    for c in t.chunks() {
        let Chunk::Plain(s) = c else {
            out.push(c.clone());
            continue;
        };
        let mut rest = s.as_str();
        while !rest.is_empty() {
            let ws = rest.len() - rest.trim_start().len();
            if ws > 0 {
                out.push(Chunk::Plain(rest[..ws].to_string()));
                rest = &rest[ws..];
                continue;
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let token = &rest[..end];
            rest = &rest[end..];
            let is_edge = |c: char| !(c.is_alphanumeric() || c == '-' || c == '\'' || c == '’');
            let core_start = token.len() - token.trim_start_matches(is_edge).len();
            let core = token.trim_matches(is_edge);
            if core.is_empty() || !needs_protection(core) {
                out.push(Chunk::Plain(token.to_string()));
                continue;
            }
            let core_end = core_start + core.len();
            out.push(Chunk::Plain(token[..core_start].to_string()));
            out.push(Chunk::Protected(core.to_string()));
            out.push(Chunk::Plain(token[core_end..].to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc() -> EncodeOptions {
        EncodeOptions::default()
    }

    #[test]
    fn inherited_fields_stay_with_their_parent() {
        // A multi-volume parent becomes `@book` in BibTeX, where the child would inherit
        // `title` instead of `maintitle`: writing inherited fields and `crossref` both
        // would not be a fixed point.
        let src = "@mvbook{mv, title = {Collected Works}, date = 1934}\n@book{v2, volume = 2, crossref = {mv}}\n";
        let bib = crate::formats::bibtex::read(src).bibliography;
        assert!(
            bib.entries[1]
                .fields
                .iter()
                .any(|f| f.name == "maintitle" && f.inherited)
        );
        for dialect in [Dialect::Bibtex, Dialect::Biblatex] {
            let opts = WriteOptions::new().dialect(dialect);
            let once = write(&bib, &opts);
            assert!(!once.contains("maintitle"), "{once}");
            let twice = write(&crate::formats::bibtex::read(&once).bibliography, &opts);
            assert_eq!(once, twice);
        }
        let csl = crate::formats::csl_json::to_value(&bib);
        assert_eq!(csl[1]["container-title"], "Collected Works");
    }

    #[test]
    fn person_forms() {
        assert_eq!(
            person(
                &Person::new("Laurens", "van der", "Maaten", ""),
                &enc(),
                Dialect::Bibtex
            ),
            "van der Maaten, Laurens"
        );
        assert_eq!(
            person(
                &Person::new("Guy L.", "", "Steele", "Jr."),
                &enc(),
                Dialect::Bibtex
            ),
            "Steele, Jr., Guy L."
        );
        assert_eq!(
            person(&Person::new("", "", "Plato", ""), &enc(), Dialect::Bibtex),
            "Plato"
        );
        assert_eq!(
            person(
                &Person::new("bell", "", "hooks", ""),
                &enc(),
                Dialect::Bibtex
            ),
            "hooks, bell"
        );
        assert_eq!(
            name(
                &Name::Literal("Barnes and Noble".into()),
                &enc(),
                Dialect::Bibtex
            ),
            "{Barnes and Noble}"
        );
    }

    #[test]
    fn acronym_protection() {
        let p = |s: &str| latex::encode(&protect_acronyms(&Text::plain(s)), &enc());
        assert_eq!(p("GPT-4o System Card"), "{GPT-4o} System Card");
        assert_eq!(p("Fast R-CNN"), "Fast {R-CNN}");
        assert_eq!(
            p("TensorFlow: Large-Scale Machine Learning"),
            "{TensorFlow}: Large-Scale Machine Learning"
        );
        assert_eq!(p("Mistral 7B"), "Mistral {7B}");
        assert_eq!(
            p("A Transferable Approach on Multi-Chip-Modules (MCMs)"),
            "A Transferable Approach on Multi-Chip-Modules ({MCMs})"
        );
        assert_eq!(
            p("gpt-oss-120b & gpt-oss-20b"),
            "gpt-oss-120b \\& gpt-oss-20b"
        );
    }

    #[test]
    fn unbalanced_verbatim() {
        assert_eq!(balanced_verbatim("http://x/{a}"), "http://x/{a}");
        assert_eq!(balanced_verbatim("http://x/}a{"), "http://x/%7Da%7B");
    }
}
