//! Finding the keys a document cites: LaTeX sources, `.aux` and `.bcf` files, and
//! Markdown for pandoc.
//!
//! ```
//! use bibkit::check::cited::{scan, Kind};
//! let tex = "As \\citet[p.~3]{knuth84} and \\parencites(see)()[12]{lamport94}{ctan}\n% \\cite{old}\n\\nocite{*}";
//! let s = scan(tex, Kind::Tex, None);
//! let keys: Vec<&str> = s.citations.iter().map(|c| c.key.as_str()).collect();
//! assert_eq!(keys, ["knuth84", "lamport94", "ctan"]);
//! assert!(s.cites_all);
//! assert_eq!((s.citations[0].line, s.citations[0].column), (1, 17));
//! ```

use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::LineIndex;
use crate::model::Span;

/// One cited key and where it is cited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The key as written.
    pub key: String,
    /// The file it is cited in.
    pub file: Option<Arc<str>>,
    /// Byte span of the key.
    pub span: Span,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// What a document cites.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Every citation, in document order.
    pub citations: Vec<Citation>,
    /// Whether the document cites everything (`\nocite{*}`).
    pub cites_all: bool,
    /// Bibliographies the document names (`\bibliography{a,b}` as `a.bib`, `b.bib`;
    /// `\addbibresource{refs.bib}`), as written.
    pub resources: Vec<String>,
}

/// The kinds of documents [`scan`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// LaTeX source: natbib's and biblatex's `\cite` commands.
    Tex,
    /// A LaTeX `.aux` file (`\citation{…}`, biblatex's `\abx@aux@cite{…}{…}`).
    Aux,
    /// A biblatex control file (`<bcf:citekey>`).
    Bcf,
    /// Markdown for pandoc (`[@key]`, `@key`).
    Markdown,
}

impl Kind {
    /// The kind a file name's extension implies (`.tex`, `.ltx`, `.aux`, `.bcf`, `.md`,
    /// `.markdown`, `.qmd`, `.rmd`).
    ///
    /// ```
    /// use bibkit::check::cited::Kind;
    /// assert_eq!(Kind::from_path("paper.tex".as_ref()), Some(Kind::Tex));
    /// assert_eq!(Kind::from_path("notes.md".as_ref()), Some(Kind::Markdown));
    /// assert_eq!(Kind::from_path("refs.bib".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "tex" | "ltx" | "sty" | "cls" => Kind::Tex,
            "aux" => Kind::Aux,
            "bcf" => Kind::Bcf,
            "md" | "markdown" | "qmd" | "rmd" | "pandoc" => Kind::Markdown,
            _ => return None,
        })
    }
}

/// Scans a document for the keys it cites.
pub fn scan(text: &str, kind: Kind, file: Option<Arc<str>>) -> Scan {
    let mut found: Vec<(String, usize)> = Vec::new();
    let mut scan = Scan::default();
    match kind {
        Kind::Tex => tex(text, &mut found, &mut scan),
        Kind::Aux => aux(text, &mut found, &mut scan),
        Kind::Bcf => bcf(text, &mut found, &mut scan),
        Kind::Markdown => markdown(text, &mut found),
    }
    let lines = LineIndex::new(text);
    scan.citations = found
        .into_iter()
        .map(|(key, at)| {
            let (line, column) = lines.line_col(text, at);
            Citation {
                span: Span::new(at, at + key.len()),
                key,
                file: file.clone(),
                line,
                column,
            }
        })
        .collect();
    scan
}

/// Byte offsets of the text that is not a `%` comment, line by line: the end of the code
/// part of each line.
fn code_end(line: &str) -> usize {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'%' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

/// Whether a command name cites keys: natbib's and biblatex's citation commands (any name
/// with `cite` in it, such as `citet`, `parencite`, `Textcites`, `footfullcite`), except
/// the few that configure citations.
fn is_cite_command(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("cite")
        && !matches!(
            lower.as_str(),
            "citestyle" | "citesetup" | "citereset" | "citetrackerfalse" | "citetrackertrue"
        )
        && !lower.starts_with("citename")
        && !lower.starts_with("citelist")
        && !lower.starts_with("citefield")
        || matches!(lower.as_str(), "nocite" | "citeauthor" | "fullcite")
}

/// Keys of a `{k1, k2}` list starting at `open` (the `{`): each key and its offset.
fn key_list(text: &str, open: usize, out: &mut Vec<(String, usize)>, all: &mut bool) -> usize {
    let Some(close) = text[open + 1..].find('}').map(|i| open + 1 + i) else {
        return text.len();
    };
    let mut start = open + 1;
    for part in text[open + 1..close].split(',') {
        let lead = part.len() - part.trim_start().len();
        let key = part.trim();
        if key == "*" {
            *all = true;
        } else if !key.is_empty()
            && !key.contains(['\\', '#', '{'])
            && !key.contains(char::is_whitespace)
        {
            out.push((key.to_string(), start + lead));
        }
        start += part.len() + 1;
    }
    close + 1
}

/// Skips spaces and one newline (LaTeX reads optional arguments across a line break).
fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The end of a group that opens at `i` with `open` and closes with `close`, nested.
fn group_end(b: &[u8], i: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0;
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

fn tex(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
    // Comments blanked (keeping offsets), so that commented-out citations do not count.
    let mut code = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let end = code_end(line);
        code.push_str(&line[..end]);
        for c in line[end..].chars() {
            code.push(if c == '\n' { '\n' } else { ' ' });
            for _ in 1..c.len_utf8() {
                code.push(' ');
            }
        }
    }
    let b = code.as_bytes();
    let mut i = 0;
    while let Some(p) = code[i..].find('\\') {
        let start = i + p + 1;
        let n = b[start..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let name = &code[start..start + n];
        // Past the command's name, or past the one character of a control symbol.
        i = start
            + if n > 0 {
                n
            } else {
                code[start..].chars().next().map_or(0, char::len_utf8)
            };
        if n == 0 {
            continue;
        }
        match name {
            "bibliography" | "addbibresource" | "addglobalbib" | "addsectionbib" => {
                let j = skip_optional(b, skip_space(b, i));
                if b.get(j) == Some(&b'{') {
                    if let Some(end) = group_end(b, j, b'{', b'}') {
                        for r in code[j + 1..end - 1].split(',') {
                            let r = r.trim();
                            if r.is_empty() {
                                continue;
                            }
                            let with_ext = if name == "bibliography" && !r.ends_with(".bib") {
                                format!("{r}.bib")
                            } else {
                                r.to_string()
                            };
                            scan.resources.push(with_ext);
                        }
                        i = end;
                    }
                }
                continue;
            }
            _ if !is_cite_command(name) => continue,
            _ => {}
        }
        let mut j = i;
        if b.get(j) == Some(&b'*') {
            j += 1;
        }
        let multi = name.ends_with("cites");
        if multi {
            // `\cites(pre)(post)[pre][post]{k1}[pre][post]{k2}…`
            for _ in 0..2 {
                let k = skip_space(b, j);
                if b.get(k) == Some(&b'(') {
                    match group_end(b, k, b'(', b')') {
                        Some(e) => j = e,
                        None => break,
                    }
                }
            }
        }
        loop {
            j = skip_optional(b, skip_space(b, j));
            let k = skip_space(b, j);
            if b.get(k) != Some(&b'{') {
                break;
            }
            j = key_list(&code, k, out, &mut scan.cites_all);
            if !multi {
                break;
            }
        }
        i = j.max(i);
    }
}

/// Skips up to two `[…]` optional arguments.
fn skip_optional(b: &[u8], mut j: usize) -> usize {
    for _ in 0..2 {
        let k = skip_space(b, j);
        if b.get(k) != Some(&b'[') {
            break;
        }
        match group_end(b, k, b'[', b']') {
            Some(e) => j = e,
            None => break,
        }
    }
    j
}

fn aux(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
    for (at, _) in text.match_indices("\\citation{") {
        key_list(text, at + "\\citation".len(), out, &mut scan.cites_all);
    }
    // biblatex: `\abx@aux@cite{refsection}{key}` (older versions: `\abx@aux@cite{key}`).
    for (at, pat) in text.match_indices("\\abx@aux@cite{") {
        let open = at + pat.len() - 1;
        let b = text.as_bytes();
        let Some(end) = group_end(b, open, b'{', b'}') else {
            continue;
        };
        if b.get(end) == Some(&b'{') {
            key_list(text, end, out, &mut scan.cites_all);
        } else {
            key_list(text, open, out, &mut scan.cites_all);
        }
    }
    for (at, pat) in text.match_indices("\\bibdata{") {
        let open = at + pat.len() - 1;
        if let Some(end) = group_end(text.as_bytes(), open, b'{', b'}') {
            for r in text[open + 1..end - 1].split(',') {
                let r = r.trim();
                if !r.is_empty() {
                    scan.resources.push(format!("{r}.bib"));
                }
            }
        }
    }
}

fn bcf(text: &str, out: &mut Vec<(String, usize)>, scan: &mut Scan) {
    let mut i = 0;
    while let Some(p) = text[i..].find("<bcf:citekey") {
        let tag = i + p;
        let Some(gt) = text[tag..].find('>').map(|g| tag + g + 1) else {
            break;
        };
        let Some(lt) = text[gt..].find('<').map(|l| gt + l) else {
            break;
        };
        let key = text[gt..lt].trim();
        if key == "*" {
            scan.cites_all = true;
        } else if !key.is_empty() {
            out.push((
                key.to_string(),
                gt + (text[gt..lt].len() - text[gt..lt].trim_start().len()),
            ));
        }
        i = lt;
    }
    for (at, pat) in text.match_indices("<bcf:datasource") {
        let Some(gt) = text[at + pat.len()..]
            .find('>')
            .map(|g| at + pat.len() + g + 1)
        else {
            continue;
        };
        if let Some(lt) = text[gt..].find('<').map(|l| gt + l) {
            let r = text[gt..lt].trim();
            if !r.is_empty() {
                scan.resources.push(r.to_string());
            }
        }
    }
}

/// pandoc's citation syntax: `@key` where `@` does not follow a letter or digit (so e-mail
/// addresses do not count), the key made of letters, digits, `_` and internal `:.#$%&-+?<>~/`;
/// or `@{key}`. Code spans and fenced code blocks are skipped.
fn markdown(text: &str, out: &mut Vec<(String, usize)>) {
    let mut in_fence: Option<&str> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let fence = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f));
        match (in_fence, fence) {
            (None, Some(f)) => {
                in_fence = Some(f);
                offset += line.len();
                continue;
            }
            (Some(open), Some(f)) if open == f => {
                in_fence = None;
                offset += line.len();
                continue;
            }
            (Some(_), _) => {
                offset += line.len();
                continue;
            }
            _ => {}
        }
        markdown_line(line, offset, out);
        offset += line.len();
    }
}

fn markdown_line(line: &str, offset: usize, out: &mut Vec<(String, usize)>) {
    let b = line.as_bytes();
    let mut i = 0;
    let mut in_code = false;
    while i < b.len() {
        match b[i] {
            b'`' => in_code = !in_code,
            b'\\' => i += 1,
            b'@' if !in_code => {
                let prev_ok = i == 0 || {
                    let c = line[..i].chars().next_back().unwrap_or(' ');
                    !c.is_alphanumeric() && !matches!(c, '.' | '_' | '+')
                };
                if prev_ok {
                    if b.get(i + 1) == Some(&b'{') {
                        if let Some(end) = line[i + 2..].find('}') {
                            let key = &line[i + 2..i + 2 + end];
                            if !key.is_empty() {
                                out.push((key.to_string(), offset + i + 2));
                            }
                            i += 3 + end;
                            continue;
                        }
                    }
                    let key_len = markdown_key_len(&line[i + 1..]);
                    if key_len > 0 {
                        out.push((line[i + 1..i + 1 + key_len].to_string(), offset + i + 1));
                        i += 1 + key_len;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// The length of a pandoc citation key at the start of `s`: it starts with a letter, digit
/// or `_`; internal punctuation `:.#$%&-+?<>~/` counts only when a key character follows.
fn markdown_key_len(s: &str) -> usize {
    let mut end = 0;
    let mut chars = s.char_indices().peekable();
    match chars.peek() {
        Some((_, c)) if c.is_alphanumeric() || *c == '_' => {}
        _ => return 0,
    }
    while let Some((i, c)) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            end = i + c.len_utf8();
        } else if ":.#$%&-+?<>~/".contains(c) {
            match chars.peek() {
                Some((_, n)) if n.is_alphanumeric() || *n == '_' => {}
                _ => break,
            }
        } else {
            break;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str, kind: Kind) -> Vec<String> {
        scan(text, kind, None)
            .citations
            .into_iter()
            .map(|c| c.key)
            .collect()
    }

    #[test]
    fn tex_commands() {
        let t = r"\cite{a} \citep[see][p.~2]{b, c} \textcite{d} \autocite*{e}
\footcites(pre)(post)[1]{f}[2]{g} \Citeauthor{h} \nocite{i} \citestyle{x}
% \cite{commented}
50\% \cite{j} % \cite{k}
\bibliography{refs,more} \addbibresource[location=local]{extra.bib}";
        assert_eq!(
            keys(t, Kind::Tex),
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
        );
        let s = scan(t, Kind::Tex, None);
        assert_eq!(s.resources, ["refs.bib", "more.bib", "extra.bib"]);
        assert!(!s.cites_all);
    }

    #[test]
    fn aux_and_bcf() {
        let aux =
            "\\relax\n\\citation{a,b}\n\\abx@aux@cite{0}{c}\n\\citation{*}\n\\bibdata{refs}\n";
        assert_eq!(keys(aux, Kind::Aux), ["a", "b", "c"]);
        assert!(scan(aux, Kind::Aux, None).cites_all);
        let bcf = "<bcf:section number=\"0\">\n<bcf:citekey order=\"1\" intorder=\"1\">knuth</bcf:citekey>\n<bcf:citekey order=\"2\">*</bcf:citekey>\n<bcf:datasource type=\"file\" datatype=\"bibtex\">refs.bib</bcf:datasource>";
        assert_eq!(keys(bcf, Kind::Bcf), ["knuth"]);
        let s = scan(bcf, Kind::Bcf, None);
        assert!(s.cites_all);
        assert_eq!(s.resources, ["refs.bib"]);
    }

    #[test]
    fn markdown_citations() {
        let md = "As @knuth84 shows [see @lamport94, p. 3; -@ctan].\nMail me at a@b.org.\n`@notacite` and\n```\n@code\n```\n@{odd key} and @doe:2020.";
        assert_eq!(
            keys(md, Kind::Markdown),
            ["knuth84", "lamport94", "ctan", "odd key", "doe:2020"]
        );
    }
}
