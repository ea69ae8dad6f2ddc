//! The rules `bibkit check` knows: ids, default levels, explanations and examples.

use serde::{Deserialize, Serialize};

use crate::diagnostic::Severity;

/// How a rule's findings are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not checked.
    Off,
    /// Reported as a note; never fails a build.
    Note,
    /// Reported as a warning; fails a build with `--deny warnings`.
    Warning,
    /// Reported as an error; fails the build.
    Error,
}

impl Level {
    /// The severity findings at this level carry (`None` for [`Level::Off`]).
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Note => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }

    /// Parses `off`, `note` (or `info`), `warning` (or `warn`), `error`.
    ///
    /// ```
    /// use bibkit::check::Level;
    /// assert_eq!(Level::parse("warn"), Some(Level::Warning));
    /// assert_eq!(Level::parse("loud"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "off" | "allow" | "none" => Level::Off,
            "note" | "info" => Level::Note,
            "warning" | "warn" => Level::Warning,
            "error" | "deny" => Level::Error,
            _ => return None,
        })
    }

    /// The name used in configuration and output.
    pub fn name(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// An example for a rule: a bibliography and, for citation rules, a LaTeX document.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// `.bib` text.
    pub bib: &'static str,
    /// LaTeX that cites from it, if the rule is about citations (`example.tex`, beside
    /// `example.bib`).
    pub tex: Option<&'static str>,
    /// Other files of the project, by path relative to `example.tex`.
    pub files: &'static [(&'static str, &'static str)],
}

/// A rule: its stable id, default level, what it finds, and an example that breaks it and
/// one that keeps it (each is tested to do so).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable id, as in `error[undefined-citation]`.
    pub id: &'static str,
    /// The level it has unless configured.
    pub level: Level,
    /// `true` for house-style rules: off unless configured.
    pub style: bool,
    /// What it finds, in one line.
    pub summary: &'static str,
    /// An input that breaks the rule.
    pub bad: Example,
    /// The same input, fixed.
    pub good: Example,
}

const fn ex(bib: &'static str) -> Example {
    Example {
        bib,
        tex: None,
        files: &[],
    }
}

const fn cite(bib: &'static str, tex: &'static str) -> Example {
    Example {
        bib,
        tex: Some(tex),
        files: &[],
    }
}

/// Every rule, in the order `--list-rules` prints them.
pub const RULES: &[Rule] = &[
    Rule {
        id: "syntax",
        level: Level::Error,
        style: false,
        summary: "The text is not valid BibTeX; the broken entry is skipped and later entries are still checked.",
        bad: ex("@article{knuth84, title = {Literate Programming} year = 1984}"),
        good: ex("@article{knuth84, title = {Literate Programming}, year = 1984}"),
    },
    Rule {
        id: "escaped-brace",
        level: Level::Warning,
        style: false,
        summary: "An entry parses only when `\\{` or `\\}` is a literal brace, as LaTeX reads it; BibTeX and biber count every brace, so for them the value does not close. bibkit reads it the LaTeX way.",
        bad: ex("@article{t93, author = {Sylvie Thi\\{'ebaux}, year = 1993}"),
        good: ex("@article{t93, author = {Sylvie Thi{\\'e}baux}, year = 1993}"),
    },
    Rule {
        id: "invalid-encoding",
        level: Level::Error,
        style: false,
        summary: "The file is not valid UTF-8 (say which encoding it is in with `--encoding`).",
        bad: ex("@misc{m, title = {Caf\u{fffd}}}"),
        good: ex("@misc{m, title = {Café}}"),
    },
    Rule {
        id: "missing-key",
        level: Level::Error,
        style: false,
        summary: "An entry has no citation key, so nothing can cite it.",
        bad: ex(
            "@book{, title = {The TeXbook}, author = {Knuth, Donald}, publisher = {Addison-Wesley}, year = 1984}",
        ),
        good: ex(
            "@book{knuth1984, title = {The TeXbook}, author = {Knuth, Donald}, publisher = {Addison-Wesley}, year = 1984}",
        ),
    },
    Rule {
        id: "duplicate-key",
        level: Level::Error,
        style: false,
        summary: "Two entries share a key (compared without case, as BibTeX does): citations of it are ambiguous.",
        bad: ex("@misc{doe, title = {One}}\n@misc{Doe, title = {Two}}"),
        good: ex("@misc{doe1, title = {One}}\n@misc{doe2, title = {Two}}"),
    },
    Rule {
        id: "duplicate-field",
        level: Level::Warning,
        style: false,
        summary: "A field appears twice in one entry; BibTeX uses the first, biber the last.",
        bad: ex("@misc{m, title = {A}, title = {B}}"),
        good: ex("@misc{m, title = {A}}"),
    },
    Rule {
        id: "duplicate-entry",
        level: Level::Warning,
        style: false,
        summary: "Two entries describe the same work: the same DOI, or the same first author and year and what `bibkit dedupe` calls one work (titles, authors, numbers).",
        bad: ex(
            "@article{a, author = {Doe, Jane}, title = {On Graphs}, journal = {J}, year = 2001}\n@article{b, author = {Doe, J.}, title = {On graphs.}, journal = {J}, year = 2001}",
        ),
        good: ex(
            "@article{a, author = {Doe, Jane}, title = {On Graphs}, journal = {J}, year = 2001}\n@article{b, author = {Doe, Jane}, title = {On Trees}, journal = {J}, year = 2001}",
        ),
    },
    Rule {
        id: "undefined-citation",
        level: Level::Error,
        style: false,
        summary: "A document cites a key that no bibliography defines (as a key, or among an entry's `ids`).",
        bad: cite("@misc{knuth84, title = {T}}", "\\cite{knuth85}"),
        good: cite("@misc{knuth84, title = {T}}", "\\cite{knuth84}"),
    },
    Rule {
        id: "citation-case",
        level: Level::Warning,
        style: false,
        summary: "A citation matches a key only when case is ignored; biber compares keys with case.",
        bad: cite("@misc{Knuth84, title = {T}}", "\\cite{knuth84}"),
        good: cite("@misc{Knuth84, title = {T}}", "\\cite{Knuth84}"),
    },
    Rule {
        id: "unused-entry",
        level: Level::Note,
        style: false,
        summary: "No document cites the entry (checked only with `--cited`; `\\nocite{*}` cites everything).",
        bad: cite("@misc{a, title = {A}}\n@misc{b, title = {B}}", "\\cite{a}"),
        good: cite(
            "@misc{a, title = {A}}\n@misc{b, title = {B}}",
            "\\cite{a,b}",
        ),
    },
    Rule {
        id: "missing-crossref",
        level: Level::Error,
        style: false,
        summary: "A `crossref` or `xdata` field names an entry that does not exist (or a chain of them is longer than 32 entries).",
        bad: ex(
            "@incollection{c, author = {Doe, Jane}, title = {C}, crossref = {proc}, pages = {1--2}}",
        ),
        good: ex(
            "@incollection{c, author = {Doe, Jane}, title = {C}, crossref = {proc}, pages = {1--2}}\n@book{proc, editor = {Roe, Rob}, title = {Proc}, booktitle = {Proc}, publisher = {P}, year = 2001}",
        ),
    },
    Rule {
        id: "crossref-cycle",
        level: Level::Error,
        style: false,
        summary: "`crossref`, `xdata` and `xref` references form a cycle, so no tool can resolve them; each entry inherits along it once.",
        bad: ex("@inbook{a, title = {A}, crossref = {b}}\n@book{b, title = {B}, crossref = {a}}"),
        good: ex("@inbook{a, title = {A}, crossref = {b}}\n@book{b, title = {B}}"),
    },
    Rule {
        id: "undefined-macro",
        level: Level::Error,
        style: false,
        summary: "A value uses an `@string` macro that is not defined; BibTeX leaves the value empty.",
        bad: ex("@article{a, author = {Doe, Jane}, title = {T}, journal = jacm, year = 2001}"),
        good: ex(
            "@string{jacm = {J. ACM}}\n@article{a, author = {Doe, Jane}, title = {T}, journal = jacm, year = 2001}",
        ),
    },
    Rule {
        id: "entries-in-comment",
        level: Level::Warning,
        style: false,
        summary: "A file has no entries, but something that looks like one was read as part of a comment (a `%` line or an `@comment`).",
        bad: ex("% @article{a, author = {Doe, Jane}, title = {T}, journal = {J}, year = 2001}"),
        good: ex("@article{a, author = {Doe, Jane}, title = {T}, journal = {J}, year = 2001}"),
    },
    Rule {
        id: "macro-too-large",
        level: Level::Error,
        style: false,
        summary: "An `@string` macro expands to more than 1 MiB (a doubling chain reaches gigabytes in a few lines); its uses keep the macro's name.",
        bad: ex(
            "@string{a = {aaaaaaaa}}\n@string{b = a # a # a # a # a # a # a # a}\n@string{c = b # b # b # b # b # b # b # b}\n@string{d = c # c # c # c # c # c # c # c}\n@string{e = d # d # d # d # d # d # d # d}\n@string{f = e # e # e # e # e # e # e # e}\n@string{g = f # f # f # f # f # f # f # f}\n@misc{k, title = g}",
        ),
        good: ex("@string{a = {aaaaaaaa}}\n@string{b = a # a}\n@misc{k, title = b}"),
    },
    Rule {
        id: "missing-include",
        level: Level::Warning,
        style: false,
        summary: "A document includes a file (`\\input`, `\\include`, `\\subfile`, `\\import`) that is not there, so its citations are not checked.",
        bad: Example {
            bib: "@misc{knuth84, title = {Literate Programming}}",
            tex: Some("\\input{chapters/intro}\n\\cite{knuth84}"),
            files: &[],
        },
        good: Example {
            bib: "@misc{knuth84, title = {Literate Programming}}",
            tex: Some("\\input{chapters/intro}\n\\cite{knuth84}"),
            files: &[("chapters/intro.tex", "\\section{Introduction}")],
        },
    },
    Rule {
        id: "include-cycle",
        level: Level::Warning,
        style: false,
        summary: "Documents include each other in a cycle (TeX would never finish); the file is not read again.",
        bad: Example {
            bib: "@misc{knuth84, title = {Literate Programming}}",
            tex: Some("\\input{part}\n\\cite{knuth84}"),
            files: &[("part.tex", "\\input{example}")],
        },
        good: Example {
            bib: "@misc{knuth84, title = {Literate Programming}}",
            tex: Some("\\input{part}\n\\cite{knuth84}"),
            files: &[("part.tex", "\\section{Part}")],
        },
    },
    Rule {
        id: "missing-field",
        level: Level::Warning,
        style: false,
        summary: "An entry lacks a field its type requires in the data model (BibTeX's or BibLaTeX's).",
        bad: ex("@article{a, author = {Doe, Jane}, title = {T}, year = 2001}"),
        good: ex("@article{a, author = {Doe, Jane}, title = {T}, journal = {J}, year = 2001}"),
    },
    Rule {
        id: "invalid-year",
        level: Level::Warning,
        style: false,
        summary: "`year` is not a year (`c1988`, `2001a`, `n.d.`).",
        bad: ex("@misc{m, title = {T}, year = {c1988}}"),
        good: ex("@misc{m, title = {T}, year = {1988}}"),
    },
    Rule {
        id: "invalid-month",
        level: Level::Warning,
        style: false,
        summary: "`month` is not a month (a macro, name, abbreviation or number).",
        bad: ex("@misc{m, title = {T}, year = 2001, month = {Smarch}}"),
        good: ex("@misc{m, title = {T}, year = 2001, month = jun}"),
    },
    Rule {
        id: "month-text",
        level: Level::Note,
        style: false,
        summary: "`month` is a month written as text (`{January}`) rather than the macro (`jan`), which styles abbreviate and translate and biber reads as a month.",
        bad: ex("@misc{m, title = {T}, year = 2001, month = {January}}"),
        good: ex("@misc{m, title = {T}, year = 2001, month = jan}"),
    },
    Rule {
        id: "invalid-date",
        level: Level::Warning,
        style: false,
        summary: "A date field (`date`, `urldate`, `eventdate`, `origdate`) is not an ISO 8601/EDTF date.",
        bad: ex("@online{o, title = {T}, url = {https://example.org}, date = {2024-13-01}}"),
        good: ex("@online{o, title = {T}, url = {https://example.org}, date = {2024-12-01}}"),
    },
    Rule {
        id: "invalid-pages",
        level: Level::Warning,
        style: false,
        summary: "`pages` is not a page, a range (`12--15`) or a list of them: a range that runs backwards, a dangling dash, or `pp.` in the value.",
        bad: ex("@misc{m, title = {T}, pages = {221--215}}"),
        good: ex("@misc{m, title = {T}, pages = {215--221}}"),
    },
    Rule {
        id: "page-range",
        level: Level::Note,
        style: false,
        summary: "A page range is written with one hyphen (`12-15`); BibTeX's range dash is `--`, which every style prints as an en dash.",
        bad: ex("@misc{m, title = {T}, pages = {12-15}}"),
        good: ex("@misc{m, title = {T}, pages = {12--15}}"),
    },
    Rule {
        id: "invalid-doi",
        level: Level::Warning,
        style: false,
        summary: "`doi` is not a DOI (`10.` followed by a registrant code, `/` and a suffix), or is a resolver address (`https://doi.org/10.…`, `doi:10.…`) rather than the DOI.",
        bad: ex("@misc{m, title = {T}, doi = {https://doi.org/1234/abc}}"),
        good: ex("@misc{m, title = {T}, doi = {10.1234/abc}}"),
    },
    Rule {
        id: "invalid-isbn",
        level: Level::Warning,
        style: false,
        summary: "`isbn` is not an ISBN-10 or ISBN-13 (wrong length or check digit), or is hyphenated other than as the ISBN agency's ranges say.",
        bad: ex("@misc{m, title = {T}, isbn = {978-0-201-13447-5}}"),
        good: ex("@misc{m, title = {T}, isbn = {978-0-201-13447-6}}"),
    },
    Rule {
        id: "invalid-issn",
        level: Level::Warning,
        style: false,
        summary: "`issn` is not an ISSN (eight digits, the last a check digit or X), or is not written `NNNN-NNNC`.",
        bad: ex("@misc{m, title = {T}, issn = {0004-5412}}"),
        good: ex("@misc{m, title = {T}, issn = {0004-5411}}"),
    },
    Rule {
        id: "invalid-url",
        level: Level::Warning,
        style: false,
        summary: "`url` is not an absolute URL (a scheme such as `https:` and a host; no spaces).",
        bad: ex("@online{o, title = {T}, url = {www.example.org/a page}, date = 2024}"),
        good: ex("@online{o, title = {T}, url = {https://www.example.org/a%20page}, date = 2024}"),
    },
    Rule {
        id: "escaped-url",
        level: Level::Warning,
        style: false,
        summary: "A `url`, `doi` or `eprint` has LaTeX escapes (`\\_`, `{\\_}`, `\\&`, `\\#`, `\\%`): biblatex reads these fields verbatim, so the backslash becomes part of the address (bibkit reads them without it).",
        bad: ex("@misc{m, title = {T}, doi = {10.1007/3-540-48749-2\\_2}}"),
        good: ex("@misc{m, title = {T}, doi = {10.1007/3-540-48749-2_2}}"),
    },
    Rule {
        id: "journal-macro",
        level: Level::Note,
        style: false,
        summary: "A field is an AASTeX journal macro (`\\apj`, `\\mnras`, `\\aap`, as ADS exports write them), which only AASTeX styles define; bibkit reads it as the journal's abbreviation (`ApJ`, `MNRAS`, `A&A`).",
        bad: ex("@article{a, author = {Doe, Jane}, title = {T}, journal = {\\apj}, year = 2001}"),
        good: ex("@article{a, author = {Doe, Jane}, title = {T}, journal = {ApJ}, year = 2001}"),
    },
    Rule {
        id: "unknown-command",
        level: Level::Warning,
        style: false,
        summary: "A text field has a LaTeX command bibkit does not know; it reaches every output as written (define it in the document, or write its text).",
        bad: ex("@misc{m, title = {The \\foo{} Method}}"),
        good: ex("@misc{m, title = {The Foo Method}}"),
    },
    Rule {
        id: "invalid-name",
        level: Level::Warning,
        style: false,
        summary: "A name is malformed: unbalanced braces, a trailing comma, or more than two commas (usually a missing `and`).",
        bad: ex("@misc{m, author = {Doe, Jane, Roe, Rob}, title = {T}}"),
        good: ex("@misc{m, author = {Doe, Jane and Roe, Rob}, title = {T}}"),
    },
    Rule {
        id: "literal-et-al",
        level: Level::Warning,
        style: false,
        summary: "A name list ends in a literal `et al.`; write `and others` so styles can shorten it.",
        bad: ex("@misc{m, author = {Doe, Jane et al.}, title = {T}}"),
        good: ex("@misc{m, author = {Doe, Jane and others}, title = {T}}"),
    },
    Rule {
        id: "non-nfc",
        level: Level::Warning,
        style: false,
        summary: "Text is not in Unicode NFC (a decomposed accent), so the same word sorts and compares differently.",
        bad: ex("@misc{m, author = {Mu\u{308}ller, Hans}, title = {T}}"),
        good: ex("@misc{m, author = {Müller, Hans}, title = {T}}"),
    },
    Rule {
        id: "unescaped-special",
        level: Level::Warning,
        style: false,
        summary: "A text field holds a bare `&` or `%`: LaTeX reads them as an alignment tab and a comment; write `\\&` and `\\%`.",
        bad: ex("@misc{m, title = {Research & Development}}"),
        good: ex("@misc{m, title = {Research \\& Development}}"),
    },
    Rule {
        id: "stray-whitespace",
        level: Level::Note,
        style: false,
        summary: "A text or name value has white space inside its braces at either end, or a run of spaces inside a line.",
        bad: ex("@misc{m, title = { Graphs  and Trees}}"),
        good: ex("@misc{m, title = {Graphs and Trees}}"),
    },
    Rule {
        id: "title-case",
        level: Level::Warning,
        style: true,
        summary: "A title is written all in capitals or all in lower case (house style).",
        bad: ex("@misc{m, title = {A STUDY OF GRAPHS}}"),
        good: ex("@misc{m, title = {A Study of Graphs}}"),
    },
    Rule {
        id: "unprotected-acronym",
        level: Level::Warning,
        style: true,
        summary: "A title word with capitals after its first letter (`NASA`, `TensorFlow`) is not braced, so a style may lowercase it (house style).",
        bad: ex("@misc{m, title = {The NASA Story}}"),
        good: ex("@misc{m, title = {The {NASA} Story}}"),
    },
    Rule {
        id: "field-order",
        level: Level::Warning,
        style: true,
        summary: "Fields are not in the documented order (house style; `bibkit fmt` can sort them).",
        bad: ex("@misc{m, year = 2001, title = {T}, author = {Doe, Jane}}"),
        good: ex("@misc{m, author = {Doe, Jane}, title = {T}, year = 2001}"),
    },
    Rule {
        id: "field-case",
        level: Level::Warning,
        style: true,
        summary: "A field name is not written in lower case (house style; BibTeX ignores case).",
        bad: ex("@misc{m, Title = {T}}"),
        good: ex("@misc{m, title = {T}}"),
    },
    Rule {
        id: "key-pattern",
        level: Level::Warning,
        style: true,
        summary: "A key does not match the configured pattern (default `familyYEARword`, as `bibkit convert --rekey` makes them) (house style).",
        bad: ex("@misc{Paper-1, author = {Doe, Jane}, title = {Graphs}, year = 2001}"),
        good: ex("@misc{doe2001graphs, author = {Doe, Jane}, title = {Graphs}, year = 2001}"),
    },
];

/// How a rule's findings are fixed by `bibkit check --fix`.
#[derive(Debug, Clone, Copy)]
pub struct RuleFix {
    /// The rule's id.
    pub id: &'static str,
    /// `safe`, `unsafe`, or `safe or unsafe` (depending on the finding).
    pub applicability: &'static str,
    /// What the fix does.
    pub how: &'static str,
}

/// The rules that fix, and how; every other rule's findings are left to the author.
pub const FIXES: &[RuleFix] = &[
    RuleFix {
        id: "duplicate-field",
        applicability: "safe or unsafe",
        how: "removes a repeated field with the same value (safe); one with another value, which BibTeX ignores, only with `--unsafe-fixes`. Repeated `keywords` and alias pairs (`journal` and `journaltitle`) are left alone.",
    },
    RuleFix {
        id: "invalid-year",
        applicability: "unsafe",
        how: "writes a year with a letter (`2020a`) as the year, and the letter in `extra`.",
    },
    RuleFix {
        id: "invalid-pages",
        applicability: "safe",
        how: "drops a page label (`pp. 12--15` → `12--15`).",
    },
    RuleFix {
        id: "page-range",
        applicability: "safe",
        how: "writes the range dash (`12-15` → `12--15`).",
    },
    RuleFix {
        id: "month-text",
        applicability: "safe",
        how: "writes the month macro (`{January}` → `jan`).",
    },
    RuleFix {
        id: "invalid-doi",
        applicability: "safe",
        how: "keeps the DOI of a resolver address (`https://doi.org/10.1/x` → `10.1/x`), without LaTeX escapes.",
    },
    RuleFix {
        id: "invalid-isbn",
        applicability: "safe",
        how: "hyphenates an ISBN as the ISBN agency's ranges do (`978-1492-067665` → `978-1-4920-6766-5`).",
    },
    RuleFix {
        id: "invalid-issn",
        applicability: "safe",
        how: "writes an ISSN as `NNNN-NNNC`.",
    },
    RuleFix {
        id: "invalid-url",
        applicability: "safe or unsafe",
        how: "takes the address out of `\\url{…}`, writes spaces as `%20` (safe); adds `https://` to an address that starts `www.` (unsafe).",
    },
    RuleFix {
        id: "escaped-url",
        applicability: "safe",
        how: "removes the LaTeX escapes (`\\_` → `_`).",
    },
    RuleFix {
        id: "invalid-name",
        applicability: "safe",
        how: "writes `and` between names separated by commas, when every part is a whole name (`Ada Lovelace, Charles Babbage, …`) or they alternate family names and initials (`Lovelace, A., Babbage, C.`).",
    },
    RuleFix {
        id: "literal-et-al",
        applicability: "safe",
        how: "writes `and others` for a trailing `et al.`.",
    },
    RuleFix {
        id: "non-nfc",
        applicability: "safe",
        how: "composes the value's characters (Unicode NFC).",
    },
    RuleFix {
        id: "unescaped-special",
        applicability: "safe",
        how: "escapes a bare `&` or `%` (`\\&`, `\\%`).",
    },
    RuleFix {
        id: "unprotected-acronym",
        applicability: "safe",
        how: "braces each such word on its own (`{SysML}`), never the whole title and never a word already in braces.",
    },
    RuleFix {
        id: "stray-whitespace",
        applicability: "safe",
        how: "removes the white space at the ends and makes runs of spaces one (continuation lines keep their indent).",
    },
    RuleFix {
        id: "field-case",
        applicability: "safe",
        how: "writes the field name in lower case.",
    },
];

/// How findings of rule `id` are fixed, if they are.
///
/// ```
/// assert_eq!(bibkit::check::fix_of("page-range").unwrap().applicability, "safe");
/// assert!(bibkit::check::fix_of("undefined-citation").is_none());
/// ```
pub fn fix_of(id: &str) -> Option<&'static RuleFix> {
    FIXES.iter().find(|f| f.id == id)
}

/// The rule with this id.
///
/// ```
/// let r = bibkit::check::rule("undefined-citation").unwrap();
/// assert_eq!(r.level, bibkit::check::Level::Error);
/// ```
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// A diagnostic another command prints (reading CSL-JSON or listings, converting,
/// formatting): not a `check` rule, but an id with the same meaning everywhere.
#[derive(Debug, Clone, Copy)]
pub struct Message {
    /// Stable id, as in `warning[csl-type]`.
    pub id: &'static str,
    /// The commands that print it.
    pub commands: &'static str,
    /// What it says.
    pub summary: &'static str,
}

/// Every id a command other than `check` prints that is not also a [`Rule`] (the reader's
/// `syntax`, `duplicate-key`, `invalid-date`, … are rules, under the same ids).
pub const MESSAGES: &[Message] = &[
    Message {
        id: "lossy-byte",
        commands: "convert, check (with `--lossy`)",
        summary: "A byte of a UTF-8 file is not UTF-8; with `--lossy` it is read as the windows-1252 character it would be (a stray `é` from a Latin-1 editor) and its record is kept, where without it the record is skipped.",
    },
    Message {
        id: "duplicate-id",
        commands: "convert",
        summary: "Two items would have one CSL-JSON `id`, which CSL processors do not allow (one of them silently wins); the later one is written with the id `id-2` (`-3`, … when taken), and its `citation-key` keeps the key.",
    },
    Message {
        id: "csl-syntax",
        commands: "convert",
        summary: "A CSL-JSON input is not valid JSON here; the item is skipped and the others are read.",
    },
    Message {
        id: "csl-item",
        commands: "convert",
        summary: "A CSL-JSON array element is not an object (an item); it is skipped.",
    },
    Message {
        id: "csl-duplicate",
        commands: "convert",
        summary: "A CSL-JSON item has the same variable twice; JSON readers keep one of them (bibkit the last) and the other is lost.",
    },
    Message {
        id: "csl-surrogate",
        commands: "convert",
        summary: "A CSL-JSON string holds a lone UTF-16 surrogate (`\\ud800`), which is not a character; it is read as U+FFFD.",
    },
    Message {
        id: "csl-key",
        commands: "convert",
        summary: "A CSL-JSON `id` cannot be a BibTeX key (spaces, braces, commas); it is written as a key that can.",
    },
    Message {
        id: "csl-type",
        commands: "convert",
        summary: "A CSL-JSON `type` is not one of CSL's item types; the nearest BibTeX type is used.",
    },
    Message {
        id: "csl-variable",
        commands: "convert",
        summary: "A CSL-JSON variable name cannot be a BibTeX field name; it is kept under a name that can.",
    },
    Message {
        id: "csl-custom",
        commands: "convert",
        summary: "A CSL-JSON `custom` object holds a value that is not text or a number; it is written as JSON text.",
    },
    Message {
        id: "ris-dropped",
        commands: "convert",
        summary: "A RIS tag the model has no place for, or a value kept in place of another, was not read (the message names the tag and the value).",
    },
    Message {
        id: "ris-guessed",
        commands: "convert",
        summary: "A RIS reference type or date was read by a guess (a type written out, a date in free text).",
    },
    Message {
        id: "ris-no-type",
        commands: "convert",
        summary: "A RIS record ended by `ER` has no `TY` line; it is skipped and the rest are read.",
    },
    Message {
        id: "ris-missing-end",
        commands: "convert",
        summary: "A RIS record has no `ER` line; it ends at the end of the input.",
    },
    Message {
        id: "ris-stray-end",
        commands: "convert",
        summary: "An `ER` line outside any RIS record.",
    },
    Message {
        id: "ris-outside-record",
        commands: "convert",
        summary: "Lines before or between RIS records (a database's header, record numbers) were skipped.",
    },
    Message {
        id: "ris-not-written",
        commands: "convert, extract",
        summary: "Fields RIS has no tag for, or a type it has no code for, in an entry written as RIS.",
    },
    Message {
        id: "medline-dropped",
        commands: "convert",
        summary: "MEDLINE tags the model has no place for (`OWN`, `STAT`, `PHST`, …) and values kept in place of others; one warning per record lists them with their lines.",
    },
    Message {
        id: "medline-guessed",
        commands: "convert",
        summary: "A MEDLINE publication type or date was read by a guess (an unknown `PT`, a `DP` date in numbers or free text).",
    },
    Message {
        id: "medline-no-record",
        commands: "convert",
        summary: "The input has text but no MEDLINE record (no line is a tag line such as `PMID- 123`).",
    },
    Message {
        id: "wos-dropped",
        commands: "convert",
        summary: "Web of Science tags the model has no place for (`CR`, `TC`, `WC`, ResearcherIDs, …), values kept in place of others and lines that are no tag lines; one warning per record lists them with their lines.",
    },
    Message {
        id: "wos-guessed",
        commands: "convert",
        summary: "A Web of Science publication type or date was read by a guess (a `PT` other than J, B, S, P; a `PD` month in numbers).",
    },
    Message {
        id: "wos-no-type",
        commands: "convert",
        summary: "A Web of Science record ended by `ER` has no `PT` line; it is skipped and the rest are read.",
    },
    Message {
        id: "wos-missing-end",
        commands: "convert",
        summary: "A Web of Science record has no `ER` line; it ends where the next `PT` or the input does.",
    },
    Message {
        id: "wos-truncated",
        commands: "convert",
        summary: "A Web of Science export has its `FN` header but no closing `EF` line: it was cut short, and records may be missing.",
    },
    Message {
        id: "endnote-dropped",
        commands: "convert",
        summary: "An EndNote tag the model has no place for, or a value kept in place of another, was not read (the message names the tag and the value).",
    },
    Message {
        id: "endnote-guessed",
        commands: "convert",
        summary: "An EndNote reference type, a date or a name list was read by a guess (a record without `%0`, a date in free text, several people on one line).",
    },
    Message {
        id: "endnote-empty-record",
        commands: "convert",
        summary: "An EndNote record has neither a type nor any field; it is skipped and the rest are read.",
    },
    Message {
        id: "endnote-xml-dropped",
        commands: "convert",
        summary: "An EndNote XML element the model has no place for, or a value kept in place of another, was not read (the message names the element and the value).",
    },
    Message {
        id: "endnote-xml-guessed",
        commands: "convert",
        summary: "An EndNote XML reference type or date was read by a guess (a record without `<ref-type>`, an unknown type name, a date in free text).",
    },
    Message {
        id: "endnote-xml-empty-record",
        commands: "convert",
        summary: "An EndNote XML `<record>` has neither a type nor any value; it is skipped and the rest are read.",
    },
    Message {
        id: "endnote-xml-syntax",
        commands: "convert",
        summary: "EndNote XML that is not well-formed (or ends inside a record): the record it is in is skipped, and reading goes on at the next `<record>`.",
    },
    Message {
        id: "endnote-xml-not-endnote",
        commands: "convert",
        summary: "An XML document whose root is not EndNote's `<xml>` (or `<records>`); nothing is read from it.",
    },
    Message {
        id: "endnote-xml-not-written",
        commands: "convert, extract",
        summary: "Fields EndNote XML has no element for, or a type it has no reference type for, in an entry written as EndNote XML.",
    },
    Message {
        id: "cff-invalid",
        commands: "convert",
        summary: "A CITATION.cff file breaks the CFF schema of the version it declares (a missing required key, a value of the wrong type, a date, DOI, ORCID or URL that does not match its pattern, a key the schema does not allow), or is not YAML or not a mapping; the line says where. What can be read is still read.",
    },
    Message {
        id: "cff-dropped",
        commands: "convert",
        summary: "A CITATION.cff key or value with no place in bibkit's model (an unknown key, `contact`, a person's e-mail, a further identifier), dropped; the line says where.",
    },
    Message {
        id: "cff-guessed",
        commands: "convert",
        summary: "A CITATION.cff value read by a guess: a type that is not a CFF type (`phdthesis`), a date not in `YYYY-MM-DD` form, a quoted value continued on lines less indented than YAML allows.",
    },
    Message {
        id: "cff-version",
        commands: "convert",
        summary: "A CITATION.cff file declares a `cff-version` other than 1.2.0 or 1.3.0 (or none); it is read by the same rules without checking it against a schema.",
    },
    Message {
        id: "cff-not-written",
        commands: "convert",
        summary: "Fields CITATION.cff has no key for, or values its schema cannot hold (a DOI, URL, ORCID, licence or date that does not fit), in an entry written as CFF; also says when the root of the document copies an entry that is not software.",
    },
    Message {
        id: "mods-dropped",
        commands: "convert",
        summary: "A MODS element or value with no place in the model (or one that gave way to another) was dropped; the line says which.",
    },
    Message {
        id: "mods-guessed",
        commands: "convert",
        summary: "A MODS record's entry type was guessed from its host item, issuance or type of resource, or its date read from free text.",
    },
    Message {
        id: "mods-syntax",
        commands: "convert",
        summary: "A MODS document is not well-formed XML, is truncated, or has another root: the record at the break is skipped, the records before it are kept.",
    },
    Message {
        id: "biblatexml-dropped",
        commands: "convert",
        summary: "A BibLaTeXML element or attribute with no place in the model (a script variant, a name option, a second value) was dropped.",
    },
    Message {
        id: "biblatexml-obsolete-dialect",
        commands: "convert",
        summary: "The input is in the 2009–2011 BibLaTeXML dialect (`bib:person`, `bib:first`/`bib:last`) biber no longer reads; it is read as well as it maps.",
    },
    Message {
        id: "biblatexml-no-id",
        commands: "convert",
        summary: "A BibLaTeXML entry has no `id`, or one an earlier entry has: it gets a generated key.",
    },
    Message {
        id: "biblatexml-no-type",
        commands: "convert",
        summary: "A BibLaTeXML entry has no `entrytype`; it is skipped.",
    },
    Message {
        id: "biblatexml-syntax",
        commands: "convert",
        summary: "A BibLaTeXML document is not well-formed XML, is truncated, or has another root: the entry at the break is skipped, the entries before it are kept.",
    },
    Message {
        id: "hayagriva-dropped",
        commands: "convert",
        summary: "A hayagriva field, sub-field or role with no place in the model, or a parent's field whose value the entry already has differently; dropped, at its line.",
    },
    Message {
        id: "hayagriva-guessed",
        commands: "convert",
        summary: "A hayagriva type that current hayagriva does not have, read by a fallback; a date that is not ISO 8601, read from free text; a key changed to be a BibTeX key.",
    },
    Message {
        id: "hayagriva-syntax",
        commands: "convert",
        summary: "A hayagriva file that is not YAML (the entries after the error are read from the next top-level key on), or not a mapping of keys to entries.",
    },
    Message {
        id: "hayagriva-entry",
        commands: "convert",
        summary: "A hayagriva entry that is not a mapping of fields, is cut short by a syntax error, or nests or aliases beyond the reader's limits; it is skipped.",
    },
    Message {
        id: "hayagriva-not-written",
        commands: "convert",
        summary: "Fields hayagriva has no place for, or a type it has none for, in an entry written as hayagriva.",
    },
    Message {
        id: "csl-yaml-syntax",
        commands: "convert",
        summary: "A CSL-YAML file that is not YAML (the items after the error are read from the next item of the list on), or has no `references:` list and is no list of items.",
    },
    Message {
        id: "csl-yaml-item",
        commands: "convert",
        summary: "A CSL-YAML item that is not a mapping, is cut short by a syntax error, or nests or aliases beyond the reader's limits; it is skipped.",
    },
    Message {
        id: "listing-header",
        commands: "convert",
        summary: "A publication listing's header line is not a year or a subject header bibkit knows.",
    },
    Message {
        id: "listing-incomplete",
        commands: "convert",
        summary: "A listing record has no title-and-authors line; it is skipped.",
    },
    Message {
        id: "listing-title",
        commands: "convert",
        summary: "bibkit cannot tell where a listing record's title ends and its authors begin.",
    },
    Message {
        id: "listing-split",
        commands: "convert",
        summary: "A listing record's title/author boundary is a guess between close candidates; check the authors.",
    },
    Message {
        id: "listing-date",
        commands: "convert",
        summary: "A listing record's date line is not a date bibkit can read; the record has no date.",
    },
    Message {
        id: "listing-subject",
        commands: "convert",
        summary: "A listing record's subject is not one bibkit knows; it is kept as a keyword.",
    },
    Message {
        id: "not-written",
        commands: "convert",
        summary: "Something the input holds has no place in the output format (comments and `@preamble`s in CSL-JSON, the ORCIDs and affiliations of persons in BibTeX); it is not written.",
    },
    Message {
        id: "format-detected",
        commands: "convert",
        summary: "An input's format was told from its content, not its file name (a `.txt` that is RIS, a `.ris` that is Web of Science tagged text); the note names it and the `--from` that says so.",
    },
    Message {
        id: "fmt-unsorted",
        commands: "fmt",
        summary: "`fmt` was asked to sort entries but keeps this file's order: moving entries would change what `@string`s, `crossref`s or comments mean.",
    },
];

/// The message with this id, if any.
pub fn message(id: &str) -> Option<&'static Message> {
    MESSAGES.iter().find(|m| m.id == id)
}

/// Any id a command prints explained in Markdown: a [`Rule`] with [`explain`], or a
/// [`Message`]; `None` for an id no command prints.
///
/// ```
/// assert!(bibkit::check::explain_id("invalid-date").unwrap().contains("Breaks it"));
/// assert!(bibkit::check::explain_id("csl-type").unwrap().starts_with("## `csl-type`"));
/// assert!(bibkit::check::explain_id("date").is_none());
/// ```
pub fn explain_id(id: &str) -> Option<String> {
    if let Some(r) = rule(id) {
        return Some(explain(r));
    }
    let m = message(id)?;
    Some(format!(
        "## `{}`\n\n{}\n\nPrinted by: `bibkit {}` (not a `check` rule).\n",
        m.id, m.summary, m.commands
    ))
}

/// A rule explained in Markdown: its id, default level, what it finds, and its examples.
///
/// ```
/// let text = bibkit::check::explain(bibkit::check::rule("invalid-isbn").unwrap());
/// assert!(text.starts_with("## `invalid-isbn`"));
/// assert!(text.contains("978-0-201-13447-5"));
/// ```
pub fn explain(r: &Rule) -> String {
    let level = if r.style {
        "off unless configured (house style)".to_string()
    } else {
        format!("{} by default", r.level.name())
    };
    let mut out = format!("## `{}`\n\n{}\n\nLevel: {level}.\n\n", r.id, r.summary);
    if let Some(f) = fix_of(r.id) {
        out.push_str(&format!(
            "Fix ({}, with `bibkit check --fix`): {}\n\n",
            f.applicability, f.how
        ));
    }
    let block = |out: &mut String, title: &str, ex: &Example| {
        out.push_str(&format!("{title}:\n\n```bibtex\n{}\n```\n", ex.bib));
        if let Some(t) = ex.tex {
            out.push_str(&format!("\ncited as\n\n```latex\n{t}\n```\n"));
        }
        out.push('\n');
    };
    block(&mut out, "Breaks it", &r.bad);
    block(&mut out, "Keeps it", &r.good);
    out
}
