//! Splitting names into given / particle / family / suffix.
//!
//! [`parse_bibtex_names`] reads a BibTeX name list (`author = {…}`) with BibTeX's own
//! algorithm, as *Tame the BeaST* describes it: names are separated by `and` outside braces,
//! a trailing `and others` truncates the list, and each name is read in one of three forms —
//! `First von Last`, `von Last, First`, `von Last, Jr, First`. Tokens are separated by white
//! space and `~` outside braces; a token belongs to the "von" part when its first letter
//! outside braces is lowercase (a brace group that starts with a command, such as `{\"O}`,
//! counts by its letter; other brace groups have no case). A name that is one brace group
//! (`{World Health Organization}`) is kept whole, and biblatex's extended name format
//! (`family=Smith, given=John, prefix=van, useprefix=true`) is read by its keys.
//!
//! [`parse_given_first`] reads free-form names written given-name first, as listings and
//! CSL `literal`-less input give them: `Laurens van der Maaten`, `Guy L. Steele Jr.`.
//! It uses BibTeX's "First von Last" rule: the particle runs from the first to the last
//! token that starts with a lowercase letter (never the first or last token), the family
//! name is everything after it, or the last token when there is no particle.
//!
//! ```
//! use bibkit::name::parse_given_first;
//! use bibkit::model::Person;
//! assert_eq!(
//!     parse_given_first("Guy L. Steele Jr."),
//!     Person::new("Guy L.", "", "Steele", "Jr.")
//! );
//! assert_eq!(
//!     parse_given_first("Charles de la Vallée Poussin"),
//!     Person::new("Charles", "de la", "Vallée Poussin", "")
//! );
//! ```

use smallvec::SmallVec;

use crate::latex::{self, DecodeOptions};
use crate::model::{Name, NameList, Person};

/// Whether `token` is a generational or similar suffix (`Jr.`, `Sr`, `II`, `III`, `IV`).
///
/// ```
/// assert!(bibkit::name::is_suffix("Jr."));
/// assert!(bibkit::name::is_suffix("III"));
/// assert!(!bibkit::name::is_suffix("V."));
/// ```
pub fn is_suffix(token: &str) -> bool {
    matches!(
        token.trim_end_matches(','),
        "Jr" | "Jr."
            | "jr"
            | "jr."
            | "Sr"
            | "Sr."
            | "sr."
            | "II"
            | "III"
            | "IV"
            | "VI"
            | "VII"
            | "VIII"
            | "2nd"
            | "3rd"
            | "4th"
    )
}

/// Whether a token starts with a lowercase letter (ignoring leading punctuation), which makes
/// it a particle candidate in BibTeX's rules.
pub fn starts_lowercase(token: &str) -> bool {
    token
        .chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(char::is_lowercase)
}

/// Splits a given-first name (`Adam P. Goucher`, `Laurens van der Maaten`,
/// `Guy L. Steele Jr.`). White space and `~` separate tokens.
pub fn parse_given_first(name: &str) -> Person {
    let mut tokens: Vec<&str> = name
        .split(|c: char| c.is_whitespace() || c == '~')
        .filter(|t| !t.is_empty())
        .collect();
    let mut suffix = Vec::new();
    while tokens.len() > 2 && is_suffix(tokens[tokens.len() - 1]) {
        suffix.insert(0, tokens.pop().unwrap_or_default().trim_end_matches(','));
    }
    // "Steele, Jr." inside one name: drop the comma that sets the suffix off.
    if let Some(last) = tokens.last_mut() {
        if !suffix.is_empty() {
            *last = last.trim_end_matches(',');
        }
    }
    let n = tokens.len();
    if n == 0 {
        return Person::default();
    }
    if n == 1 {
        return Person::new("", "", tokens[0], suffix.join(" "));
    }
    let lower: Vec<usize> = (1..n - 1)
        .filter(|&i| starts_lowercase(tokens[i]))
        .collect();
    let (given, particle, family) = match (lower.first(), lower.last()) {
        (Some(&f), Some(&l)) => (&tokens[..f], &tokens[f..=l], &tokens[l + 1..]),
        _ => (&tokens[..n - 1], &tokens[..0], &tokens[n - 1..]),
    };
    Person::new(
        given.join(" "),
        particle.join(" "),
        family.join(" "),
        suffix.join(" "),
    )
}

/// The case of a token as BibTeX sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Upper,
    Lower,
    /// No letter outside braces.
    None,
}

/// Control sequences that are letters in their own right, with their case.
fn foreign_letter(cmd: &str) -> Option<Case> {
    match cmd {
        "i" | "j" | "oe" | "ae" | "aa" | "o" | "l" | "ss" => Some(Case::Lower),
        "OE" | "AE" | "AA" | "O" | "L" => Some(Case::Upper),
        _ => None,
    }
}

/// BibTeX's `von_token_found`: the case of the first letter at brace depth 0; a group that
/// starts with a backslash (a special character) counts by its letter, other groups are
/// skipped.
fn token_case(tok: &str) -> Case {
    let b = tok.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'{' {
            if b.get(i + 1) == Some(&b'\\') {
                // A special character: look at the control sequence, then its letter.
                let cmd_start = i + 2;
                let mut j = cmd_start;
                while j < b.len() && b[j].is_ascii_alphabetic() {
                    j += 1;
                }
                if let Some(case) = foreign_letter(&tok[cmd_start..j]) {
                    return case;
                }
                // After a control symbol (`\"`, `\'`), skip the symbol itself.
                let skip = if j == cmd_start {
                    tok[cmd_start..].chars().next().map_or(0, char::len_utf8)
                } else {
                    0
                };
                let start = (j + skip).min(tok.len());
                let mut depth = 1;
                let mut end = tok.len();
                for (off, ch) in tok[start..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = start + off + 1;
                                break;
                            }
                        }
                        c if c.is_alphabetic() => {
                            return if c.is_lowercase() {
                                Case::Lower
                            } else {
                                Case::Upper
                            };
                        }
                        _ => {}
                    }
                }
                i = end;
            } else {
                // Skip a group that has no case.
                let mut depth = 0;
                while i < b.len() {
                    match b[i] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
            }
            continue;
        }
        if let Some(ch) = tok[i..].chars().next() {
            if ch.is_alphabetic() {
                if ch.is_lowercase() {
                    return Case::Lower;
                }
                if ch.is_uppercase() {
                    return Case::Upper;
                }
            }
            i += ch.len_utf8();
        } else {
            i += 1;
        }
    }
    Case::None
}

/// The tokens of one comma-separated part of a name (few: kept inline).
type Tokens<'a> = SmallVec<[&'a str; 6]>;

/// One name split into raw (still LaTeX) tokens per comma-separated part, and whether its
/// braces balance.
fn tokenize(name: &str) -> (SmallVec<[Tokens<'_>; 3]>, bool) {
    let mut parts: SmallVec<[Tokens<'_>; 3]> = smallvec::smallvec![Tokens::new()];
    let mut depth: i64 = 0;
    let mut balanced = true;
    let mut start: Option<usize> = None;
    let b = name.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        // `~` is a tie unless it is the accent command `\~`.
        let escaped = i > 0 && b[i - 1] == b'\\';
        let sep = depth == 0 && (c.is_ascii_whitespace() || (c == b'~' && !escaped) || c == b',');
        if sep {
            if let Some(s) = start.take() {
                if let Some(last) = parts.last_mut() {
                    last.push(&name[s..i]);
                }
            }
            if c == b',' {
                parts.push(Tokens::new());
            }
            continue;
        }
        match c {
            b'{' if i == 0 || b[i - 1] != b'\\' => depth += 1,
            b'}' if i == 0 || b[i - 1] != b'\\' => {
                depth -= 1;
                if depth < 0 {
                    balanced = false;
                    depth = 0;
                }
            }
            _ => {}
        }
        if start.is_none() {
            start = Some(i);
        }
    }
    if let (Some(s), Some(last)) = (start, parts.last_mut()) {
        last.push(&name[s..]);
    }
    (parts, balanced && depth == 0)
}

/// How many tokens of a comma form's "von Last" part are the von part: from the start to
/// the last lowercase token before the final one.
fn von_len(tokens: &[&str]) -> usize {
    let n = tokens.len();
    if n == 0 {
        return 0;
    }
    (0..n - 1)
        .rev()
        .find(|&i| token_case(tokens[i]) == Case::Lower)
        .map_or(0, |j| j + 1)
}

fn decode_part(tokens: &[&str]) -> String {
    if tokens.is_empty() {
        return String::new();
    }
    let joined = tokens.join(" ");
    // Most name parts have nothing for the LaTeX decoder to do.
    let plain = joined
        .bytes()
        .all(|b| !matches!(b, b'\\' | b'{' | b'}' | b'$' | b'~' | b'-' | b'`' | b'\''));
    if plain && joined.is_ascii() {
        return collapse(&joined);
    }
    collapse(&latex::decode(&joined, &DecodeOptions::default()).to_plain_string())
}

/// Runs of white space (any kind, including what `~` and `\\` read as) as one space,
/// none at the ends.
fn collapse(s: &str) -> String {
    let clean = !s.starts_with(char::is_whitespace)
        && !s.ends_with(char::is_whitespace)
        && !s.contains("  ")
        && !s.chars().any(|c| c.is_whitespace() && c != ' ');
    if clean {
        s.to_string()
    } else {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// Whether `s` is one brace group from its first to its last character.
fn is_single_group(s: &str) -> bool {
    if !s.starts_with('{') || !s.ends_with('}') {
        return false;
    }
    let mut depth = 0i64;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if std::mem::take(&mut escaped) {
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i == s.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

const EXTENDED_KEYS: &[&str] = &[
    "family",
    "given",
    "prefix",
    "suffix",
    "useprefix",
    "id",
    "sortingnamekeytemplatename",
    "given-i",
    "family-i",
    "prefix-i",
    "suffix-i",
];

/// biblatex's extended name format, if `name` is written in it.
fn parse_extended(name: &str) -> Option<Person> {
    if !name.contains('=') {
        return None;
    }
    let (parts, _) = tokenize(name);
    let first = parts.first()?.first()?;
    let key = first.split('=').next()?.trim();
    if !first.contains('=') || !EXTENDED_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
        return None;
    }
    let mut p = Person::default();
    // Re-split on commas at depth 0, keeping spaces inside values.
    let mut depth = 0i64;
    let mut start = 0;
    let mut fields = Vec::new();
    let mut escaped = false;
    for (i, c) in name.char_indices() {
        if std::mem::take(&mut escaped) {
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                fields.push(&name[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(&name[start..]);
    for f in fields {
        let Some((k, v)) = f.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = if is_single_group(v) {
            &v[1..v.len() - 1]
        } else {
            v
        };
        let decoded = collapse(&latex::decode(v, &DecodeOptions::default()).to_plain_string());
        match k.trim().to_ascii_lowercase().as_str() {
            "family" => p.family = decoded,
            "given" => p.given = decoded,
            "prefix" => p.particle = decoded,
            "suffix" => p.suffix = decoded,
            _ => {}
        }
    }
    Some(p)
}

/// Parses one BibTeX name (LaTeX source) and returns it with a warning when the name is
/// malformed (unbalanced braces, too many commas, a trailing comma) and was read on a
/// best-effort basis.
///
/// ```
/// use bibkit::name::parse_bibtex_name;
/// use bibkit::model::{Name, Person};
/// let (n, warning) = parse_bibtex_name(r"de la Vall{\'e}e Poussin, Jean Charles");
/// assert_eq!(n, Name::Person(Person::new("Jean Charles", "de la", "Vallée Poussin", "")));
/// assert!(warning.is_none());
/// let (n, _) = parse_bibtex_name("{World Health Organization}");
/// assert_eq!(n, Name::Literal("World Health Organization".into()));
/// let (n, _) = parse_bibtex_name("family=Smith, given=John, prefix=van");
/// assert_eq!(n, Name::Person(Person::new("John", "van", "Smith", "")));
/// ```
pub fn parse_bibtex_name(name: &str) -> (Name, Option<String>) {
    let trimmed = name.trim();
    if is_single_group(trimmed) {
        let inner = &trimmed[1..trimmed.len() - 1];
        let text = collapse(&latex::decode(inner, &DecodeOptions::default()).to_plain_string());
        return (Name::Literal(text), None);
    }
    if let Some(p) = parse_extended(trimmed) {
        return (Name::Person(p), None);
    }
    let (mut parts, balanced) = tokenize(trimmed);
    let mut warning = (!balanced).then(|| format!("unbalanced braces in the name `{trimmed}`"));
    let commas = parts.len() - 1;
    if commas > 0 && parts.last().is_some_and(|p| p.is_empty()) && parts.len() == 2 {
        warning.get_or_insert_with(|| format!("trailing comma in the name `{trimmed}`"));
    }
    let person = match commas {
        0 => {
            let t = &parts[0];
            let n = t.len();
            if n == 0 {
                Person::default()
            } else {
                let first = (0..n - 1).find(|&i| token_case(t[i]) == Case::Lower);
                let last =
                    first.and_then(|f| (f..n - 1).rev().find(|&i| token_case(t[i]) == Case::Lower));
                match (first, last) {
                    (Some(f), Some(l)) => Person::new(
                        decode_part(&t[..f]),
                        decode_part(&t[f..=l]),
                        decode_part(&t[l + 1..]),
                        "",
                    ),
                    _ => Person::new(decode_part(&t[..n - 1]), "", decode_part(&t[n - 1..]), ""),
                }
            }
        }
        1 => {
            let v = von_len(&parts[0]);
            Person::new(
                decode_part(&parts[1]),
                decode_part(&parts[0][..v]),
                decode_part(&parts[0][v..]),
                "",
            )
        }
        _ => {
            if commas > 2 {
                warning.get_or_insert_with(|| {
                    format!("too many commas in the name `{trimmed}` (is an `and` missing?)")
                });
            }
            let rest: Tokens<'_> = parts.drain(2..).flatten().collect();
            let v = von_len(&parts[0]);
            Person::new(
                decode_part(&rest),
                decode_part(&parts[0][..v]),
                decode_part(&parts[0][v..]),
                decode_part(&parts[1]),
            )
        }
    };
    (Name::Person(person), warning)
}

/// Splits a BibTeX name list at `and` (outside braces, any case); a final `others` (or an
/// `et al.` after the last name) sets the truncation flag.
///
/// ```
/// let (names, truncated) = bibkit::name::split_bibtex_list("A. Smith and {Barnes and Noble} AND others");
/// assert_eq!(names, ["A. Smith", "{Barnes and Noble}"]);
/// assert!(truncated);
/// assert_eq!(bibkit::name::split_bibtex_list("Born, L. et al."), (vec!["Born, L."], true));
/// ```
pub fn split_bibtex_list(list: &str) -> (Vec<&str>, bool) {
    let b = list.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0i64;
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            // `\{` and `\}` are characters, not groups.
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => depth -= 1,
            // ` and ` with white space on both sides.
            c if depth == 0
                && c.is_ascii_whitespace()
                && i + 4 < b.len()
                && b[i + 1..i + 4].eq_ignore_ascii_case(b"and")
                && b[i + 4].is_ascii_whitespace() =>
            {
                out.push(list[start..i].trim());
                i += 4;
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(list[start..].trim());
    out.retain(|s| !s.is_empty());
    let mut truncated = out
        .last()
        .is_some_and(|s| s.eq_ignore_ascii_case("others") || *s == "et al." || *s == "et al");
    if truncated {
        out.pop();
    } else if let Some(last) = out.last_mut() {
        // `Born, L. et al.`: a trailing "et al." on the last name is the flag too.
        for suffix in ["et al.", "et al", "et~al.", "et~al"] {
            let cut = last.len().saturating_sub(suffix.len());
            if cut > 0
                && last.is_char_boundary(cut)
                && last[cut..].eq_ignore_ascii_case(suffix)
                && last[..cut].ends_with([' ', ',', '~'])
            {
                *last = last[..cut].trim_end_matches([' ', ',', '~']).trim();
                truncated = true;
                break;
            }
        }
        if last.is_empty() {
            out.pop();
        }
    }
    (out, truncated)
}

/// Parses a BibTeX name list into a [`NameList`], with a warning for each malformed name.
///
/// ```
/// use bibkit::name::parse_bibtex_names;
/// let (list, warnings) = parse_bibtex_names(r"Knuth, Donald E. and L{\'a}szl{\'o} Lov{\'a}sz and others");
/// assert_eq!(list.names.len(), 2);
/// assert!(list.truncated);
/// assert_eq!(list.names[1].to_string(), "László Lovász");
/// assert!(warnings.is_empty());
/// ```
pub fn parse_bibtex_names(list: &str) -> (NameList, Vec<String>) {
    let (raw, truncated) = split_bibtex_list(list);
    let mut warnings = Vec::new();
    let names = raw
        .into_iter()
        .map(|n| {
            let (name, w) = parse_bibtex_name(n);
            warnings.extend(w);
            name
        })
        .collect();
    (NameList { names, truncated }, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(g: &str, v: &str, f: &str, s: &str) -> Person {
        Person::new(g, v, f, s)
    }

    #[test]
    fn given_first_names_from_the_listing_samples() {
        // corpus/listing/seed-listing.txt and tricky-listing.txt authors.
        assert_eq!(
            parse_given_first("Adam P. Goucher"),
            p("Adam P.", "", "Goucher", "")
        );
        assert_eq!(
            parse_given_first("Neven S. Fučkar"),
            p("Neven S.", "", "Fučkar", "")
        );
        assert_eq!(
            parse_given_first("S. VenkataKeerthy"),
            p("S.", "", "VenkataKeerthy", "")
        );
        assert_eq!(
            parse_given_first("John D. Co-Reyes"),
            p("John D.", "", "Co-Reyes", "")
        );
        assert_eq!(parse_given_first("Yann LeCun"), p("Yann", "", "LeCun", ""));
        assert_eq!(
            parse_given_first("Laurens van der Maaten"),
            p("Laurens", "van der", "Maaten", "")
        );
        assert_eq!(
            parse_given_first("Guy L. Steele Jr."),
            p("Guy L.", "", "Steele", "Jr.")
        );
    }

    #[test]
    fn bibtex_forms() {
        let n = |s: &str| parse_bibtex_name(s).0;
        let pp = |g: &str, v: &str, f: &str, j: &str| Name::Person(Person::new(g, v, f, j));
        // names.tsv (python-bibtexparser / pybtex) vectors.
        assert_eq!(n("AA bb CC dd EE"), pp("AA", "bb CC dd", "EE", ""));
        assert_eq!(n("AA {b}B cc dd"), pp("AA bB", "cc", "dd", ""));
        assert_eq!(n("AA {B}b cc dd"), pp("AA", "Bb cc", "dd", ""));
        assert_eq!(n("bb CC dd EE, AA"), pp("AA", "bb CC dd", "EE", ""));
        assert_eq!(n("Brinch Hansen, Per"), pp("Per", "", "Brinch Hansen", ""));
        assert_eq!(
            n(r#"Anne Br{\"u}ggemann-Klein"#),
            pp("Anne", "", "Brüggemann-Klein", "")
        );
        assert_eq!(n("al- Hakim, Tawfik"), pp("Tawfik", "al-", "Hakim", ""));
        assert_eq!(n("AA, BB, CC, DD"), pp("CC DD", "", "AA", "BB"));
        assert_eq!(n("Tom {de Geus}"), pp("Tom", "", "de Geus", ""));
        assert_eq!(n(r"{\'E}mile Zola"), pp("Émile", "", "Zola", ""));
        assert_eq!(n("Steele, Jr., Guy L."), pp("Guy L.", "", "Steele", "Jr."));
    }

    /// pybtex's `Brand\~{a}o, F` (names.tsv): `\~` is an accent, not a tie.
    #[test]
    fn escaped_tilde_is_an_accent_not_a_tie() {
        assert_eq!(
            parse_bibtex_name(r"Brand\~{a}o, F").0,
            Name::Person(Person::new("F", "", "Brandão", ""))
        );
    }

    #[test]
    fn malformed_names_warn() {
        assert!(parse_bibtex_name("AA, BB, CC, DD").1.is_some());
        assert!(parse_bibtex_name("BB, ").1.is_some());
        assert!(parse_bibtex_name("AA BB CC}}}").1.is_some());
    }

    #[test]
    fn edge_cases() {
        assert_eq!(parse_given_first("Plato"), p("", "", "Plato", ""));
        assert_eq!(parse_given_first("  "), Person::default());
        assert_eq!(
            parse_given_first("Martin Luther King Jr."),
            p("Martin Luther", "", "King", "Jr.")
        );
        assert_eq!(
            parse_given_first("John Smith III"),
            p("John", "", "Smith", "III")
        );
        assert_eq!(
            parse_given_first("Guy Steele, Jr."),
            p("Guy", "", "Steele", "Jr.")
        );
        // A two-token name never loses its family name to a suffix test.
        assert_eq!(parse_given_first("Henry II"), p("Henry", "", "II", ""));
        assert_eq!(
            parse_given_first("Ludwig~van Beethoven"),
            p("Ludwig", "van", "Beethoven", "")
        );
    }
}
