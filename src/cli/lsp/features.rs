//! What the server answers: findings as protocol diagnostics, quick fixes, formatting,
//! citation completion, hover, definitions, references, renaming and symbols.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bibkit::check::cited::Kind;
use bibkit::diagnostic::{Applicability, Diagnostic, Severity};
use bibkit::model::Entry;
use lsp_types::{self as lsp, Url};

use super::Server;
use super::text::{self, Columns, Lines};
use super::workspace::{Bib, EntryInfo, is_bib};

/// A finding as the protocol has it.
pub(crate) fn to_lsp(d: &Diagnostic, text: &str, lines: &Lines, cols: Columns) -> lsp::Diagnostic {
    let range = if d.span.end > d.span.start || d.span.start > 0 || d.line <= 1 {
        lines.range(text, d.span.start, d.span.end, cols)
    } else {
        let p = lsp::Position::new(d.line.saturating_sub(1), d.column.saturating_sub(1));
        lsp::Range::new(p, p)
    };
    lsp::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        }),
        code: Some(lsp::NumberOrString::String(d.rule.to_string())),
        code_description: rule_doc(d.rule).map(|href| lsp::CodeDescription { href }),
        source: Some("bibkit".to_string()),
        message: match &d.fix {
            Some(f) => format!("{} (fix: {})", d.message, f.message),
            None => d.message.clone(),
        },
        ..Default::default()
    }
}

/// The explanation of a rule (`bibkit check --explain RULE`), as a file the editor can
/// open: written once per version under the user's cache directory.
fn rule_doc(rule: &str) -> Option<Url> {
    // (Once per rule: a file looked for at every finding would cost more than the check.)
    static WRITTEN: std::sync::Mutex<Option<HashMap<String, Option<Url>>>> =
        std::sync::Mutex::new(None);
    let mut written = WRITTEN.lock().unwrap_or_else(|e| e.into_inner());
    let written = written.get_or_insert_with(HashMap::new);
    if let Some(u) = written.get(rule) {
        return u.clone();
    }
    let u = write_rule_doc(rule);
    written.insert(rule.to_string(), u.clone());
    u
}

fn write_rule_doc(rule: &str) -> Option<Url> {
    let text = bibkit::check::explain_id(rule)?;
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let dir = base
        .join("bibkit")
        .join(env!("CARGO_PKG_VERSION"))
        .join("rules");
    let path = dir.join(format!("{rule}.md"));
    if !path.is_file() {
        std::fs::create_dir_all(&dir).ok()?;
        bibkit::io::write_file(&path, |w| w.write_all(text.as_bytes())).ok()?;
    }
    Url::from_file_path(&path).ok()
}

/// The path, text and line index of a document the request names.
fn document(s: &Server, uri: &Url) -> Option<(PathBuf, String, Lines)> {
    let path = super::path_of(uri)?;
    let text = s.ws.text(&path)?;
    let lines = Lines::new(&text);
    Some((path, text, lines))
}

/// Characters a key can hold when it is cited bare.
fn key_char(c: char) -> bool {
    c.is_alphanumeric() || "_-:./+'!?&$*^`|".contains(c)
}

/// Where the citation key being typed at `at` starts, when `at` is in a place a key is
/// cited: the braces of a LaTeX `\…cite…` command, after `@` in Markdown and Typst, in
/// `#cite(<…`, or after `cite:` in Org.
fn citing_at(text: &str, at: usize, kind: Kind) -> Option<usize> {
    let before = &text[..at];
    let start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| key_char(c) && c != '@' && c != '&')
        .last()
        .map_or(at, |(i, _)| i);
    let head = &text[..start];
    match kind {
        Kind::Tex => {
            // Back over other keys of the list to the `{`.
            let mut i = head.len();
            let bytes = head.as_bytes();
            let limit = i.saturating_sub(2000);
            while i > limit {
                let b = bytes[i - 1];
                if b == b'{' {
                    break;
                }
                if b == b'}' || b == b'\\' || b == b'%' {
                    return None;
                }
                i -= 1;
            }
            if i == limit || i == 0 {
                return None;
            }
            let mut j = i - 1;
            // Optional `[…]` arguments and a star.
            loop {
                let h = &head[..j];
                if let Some(h2) = h.strip_suffix(']') {
                    j = h2.rfind('[')?;
                } else if let Some(h2) = h.strip_suffix('*') {
                    j = h2.len();
                } else {
                    break;
                }
            }
            let h = &head[..j];
            let name_start = h
                .char_indices()
                .rev()
                .take_while(|(_, c)| c.is_ascii_alphabetic())
                .last()
                .map(|(i, _)| i)?;
            let name = &h[name_start..];
            (h[..name_start].ends_with('\\') && name.to_ascii_lowercase().contains("cite"))
                .then_some(start)
        }
        Kind::Markdown | Kind::Typst | Kind::Org => {
            let prev = head.chars().next_back()?;
            let ok = match prev {
                '@' => {
                    let p = head[..head.len() - 1].chars().next_back();
                    p.is_none_or(|c| !c.is_alphanumeric() && c != '\\')
                }
                '<' => kind == Kind::Typst && head.ends_with("cite(<"),
                '&' | ',' | ':' => {
                    kind == Kind::Org
                        && (head.ends_with("cite:")
                            || head[..head.len() - 1]
                                .rsplit(|c: char| c.is_whitespace() || c == '[')
                                .next()
                                .is_some_and(|w| w.contains("cite")))
                }
                _ => false,
            };
            ok.then_some(start)
        }
        Kind::Aux | Kind::Bcf => None,
    }
}

/// "Family, Family and Family (Year)".
fn byline(e: &Entry) -> String {
    let names = e.names("author").or_else(|| e.names("editor"));
    let mut s = String::new();
    if let Some(list) = names {
        let fam: Vec<String> = list
            .names
            .iter()
            .take(3)
            .map(|n| match n {
                bibkit::model::Name::Person(p) => p.family_with_particle(),
                bibkit::model::Name::Literal(l) => l.clone(),
            })
            .collect();
        s.push_str(&fam.join(", "));
        if list.names.len() > 3 || list.truncated {
            s.push_str(" et al.");
        }
    }
    if let Some(y) = year(e) {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("({y})"));
    }
    s
}

/// The year of `date` or `year`.
fn year(e: &Entry) -> Option<String> {
    let v = field(e, "date").or_else(|| field(e, "year"))?;
    let y: String = v.chars().take_while(|c| c.is_ascii_digit()).collect();
    (!y.is_empty()).then_some(y)
}

/// At most `max` characters of `s`, with `…` when cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn field(e: &Entry, name: &str) -> Option<String> {
    e.get(name)
        .map(|v| v.to_plain_string())
        .filter(|s| !s.is_empty())
}

/// The entry rendered as a line of text: byline, title, container.
fn rendered(e: &Entry, markdown: bool) -> String {
    let mut s = byline(e);
    if let Some(t) = field(e, "title") {
        if !s.is_empty() {
            s.push_str(". ");
        }
        s.push_str(&if markdown { format!("*{t}*") } else { t });
    }
    let container = ["journaltitle", "booktitle", "publisher", "institution"]
        .iter()
        .find_map(|f| field(e, f));
    if let Some(c) = container {
        s.push_str(&format!(". {c}"));
    }
    s.push('.');
    s
}

pub(crate) fn completion(s: &Server, p: &lsp::CompletionParams) -> Option<lsp::CompletionResponse> {
    let (path, text, lines) = document(s, &p.text_document_position.text_document.uri)?;
    let kind = Kind::from_path(&path)?;
    let at = lines.offset(&text, p.text_document_position.position, s.cols);
    let start = citing_at(&text, at, kind)?;
    let range = lines.range(&text, start, at, s.cols);
    let items: Vec<lsp::CompletionItem> =
        s.ws.entries_for(&path)
            .into_iter()
            .map(|(_, bib, e)| {
                let entry = bib.entry(e);
                let title = field(entry, "title").unwrap_or_default();
                let by = byline(entry);
                lsp::CompletionItem {
                    label: e.key.clone(),
                    kind: Some(lsp::CompletionItemKind::REFERENCE),
                    detail: Some(if by.is_empty() {
                        format!("@{}", e.kind)
                    } else {
                        by.clone()
                    }),
                    documentation: (!title.is_empty()).then(|| {
                        lsp::Documentation::MarkupContent(lsp::MarkupContent {
                            kind: markup(s.markdown_completion),
                            value: rendered(entry, s.markdown_completion),
                        })
                    }),
                    filter_text: Some(format!("{} {by} {title}", e.key)),
                    text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit::new(
                        range,
                        e.key.clone(),
                    ))),
                    ..Default::default()
                }
            })
            .collect();
    Some(lsp::CompletionResponse::List(lsp::CompletionList {
        is_incomplete: false,
        items,
    }))
}

/// What is at an offset: a citation in a document, an entry's key in a `.bib`, a key a
/// field names (`crossref`), or a `@string` name.
enum Target {
    /// A key, and where it is written.
    Key(String, usize, usize),
    /// A macro name, and where it is written.
    Macro(String, usize, usize),
}

fn target_at(s: &Server, path: &Path, text: &str, at: usize) -> Option<Target> {
    if is_bib(path) {
        let bib = s.ws.bibs.get(path)?;
        for e in bib.entries() {
            if e.key_span.start <= at && at <= e.key_span.end {
                return Some(Target::Key(e.key.clone(), e.key_span.start, e.key_span.end));
            }
        }
        for st in bib.strings() {
            if st.name_span.start <= at && at <= st.name_span.end {
                return Some(Target::Macro(
                    st.name.clone(),
                    st.name_span.start,
                    st.name_span.end,
                ));
            }
        }
        // A word in a value: a key a field names, or a macro.
        let is_word = |c: char| key_char(c) && c != ',';
        let from = text[..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_word(c))
            .last()
            .map_or(at, |(i, _)| i);
        let to = at
            + text[at..]
                .find(|c: char| !is_word(c))
                .unwrap_or(text.len() - at);
        if from == to {
            return None;
        }
        let word = &text[from..to];
        let (block, k) = bib.doc().field_at(at)?;
        let (name, _) = bib.doc().field(block, k)?;
        let name = name.to_ascii_lowercase();
        if ["crossref", "xref", "xdata", "related", "entryset", "ids"].contains(&name.as_str()) {
            return Some(Target::Key(word.to_string(), from, to));
        }
        if bib
            .strings()
            .iter()
            .any(|st| st.name.eq_ignore_ascii_case(word))
        {
            return Some(Target::Macro(word.to_string(), from, to));
        }
        return None;
    }
    let doc = s.ws.docs.get(path)?;
    doc.scan
        .citations
        .iter()
        .find(|c| c.span.start <= at && at <= c.span.end)
        .map(|c| Target::Key(c.key.clone(), c.span.start, c.span.end))
}

/// The entries of `path`'s units whose key is `key`.
fn entries_named<'a>(
    s: &'a Server,
    path: &Path,
    key: &str,
) -> Vec<(&'a Path, &'a Bib, &'a EntryInfo)> {
    let all = s.ws.entries_for(path);
    let exact = all.iter().filter(|(_, _, e)| e.key == key);
    // (BibTeX compares keys without case: those after the exact ones.)
    let caseless = all
        .iter()
        .filter(|(_, _, e)| e.key != key && e.key.eq_ignore_ascii_case(key));
    exact.chain(caseless).copied().collect()
}

fn location(s: &Server, path: &Path, from: usize, to: usize) -> Option<lsp::Location> {
    let text = s.ws.text(path)?;
    let lines = Lines::new(&text);
    Some(lsp::Location::new(
        Url::from_file_path(path).ok()?,
        lines.range(&text, from, to, s.cols),
    ))
}

/// The markup kind of text for a client that does (or does not) show Markdown.
fn markup(markdown: bool) -> lsp::MarkupKind {
    if markdown {
        lsp::MarkupKind::Markdown
    } else {
        lsp::MarkupKind::PlainText
    }
}

/// A code block in Markdown, the text itself in plain text.
fn code(text: &str, markdown: bool) -> String {
    if markdown {
        format!("```bibtex\n{}\n```", text.replace("```", "` ` `"))
    } else {
        text.to_string()
    }
}

pub(crate) fn hover(s: &Server, p: &lsp::HoverParams) -> Option<lsp::Hover> {
    let pos = &p.text_document_position_params;
    let (path, text, lines) = document(s, &pos.text_document.uri)?;
    let at = lines.offset(&text, pos.position, s.cols);
    let (value, from, to) = match target_at(s, &path, &text, at)? {
        Target::Key(key, from, to) => {
            let found = entries_named(s, &path, &key);
            let Some((bib, b, e)) = found.first() else {
                return Some(lsp::Hover {
                    contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                        kind: markup(s.markdown_hover),
                        value: format!(
                            "{key}: no entry has this key in the project's bibliographies"
                        ),
                    }),
                    range: Some(lines.range(&text, from, to, s.cols)),
                });
            };
            let source = &b.text[e.span.start..e.span.end];
            let source = shorten(source, 3000);
            let name = bib
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned());
            (
                format!(
                    "{} · @{} · {name}\n\n{}\n\n{}",
                    if s.markdown_hover {
                        format!("**{}**", e.key)
                    } else {
                        e.key.clone()
                    },
                    e.kind,
                    rendered(b.entry(e), s.markdown_hover),
                    code(&source, s.markdown_hover)
                ),
                from,
                to,
            )
        }
        Target::Macro(name, from, to) => {
            let def = s.ws.bibs_for(&path).into_iter().find_map(|b| {
                let bib = s.ws.bibs.get(b)?;
                bib.strings()
                    .iter()
                    .find(|st| st.name.eq_ignore_ascii_case(&name))
                    .map(|st| bib.text[st.span.start..st.span.end].to_string())
            })?;
            (code(&shorten(&def, 2000), s.markdown_hover), from, to)
        }
    };
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: markup(s.markdown_hover),
            value,
        }),
        range: Some(lines.range(&text, from, to, s.cols)),
    })
}

pub(crate) fn definition(
    s: &Server,
    p: &lsp::GotoDefinitionParams,
) -> Option<lsp::GotoDefinitionResponse> {
    let pos = &p.text_document_position_params;
    let (path, text, lines) = document(s, &pos.text_document.uri)?;
    let at = lines.offset(&text, pos.position, s.cols);
    let locations: Vec<lsp::Location> = match target_at(s, &path, &text, at)? {
        Target::Key(key, ..) => entries_named(s, &path, &key)
            .into_iter()
            .filter_map(|(b, _, e)| location(s, b, e.key_span.start, e.key_span.end))
            .collect(),
        Target::Macro(name, ..) => {
            s.ws.bibs_for(&path)
                .into_iter()
                .flat_map(|b| {
                    let strings = s.ws.bibs.get(b).map(|bib| bib.strings()).unwrap_or(&[]);
                    strings
                        .iter()
                        .filter(|st| st.name.eq_ignore_ascii_case(&name))
                        .filter_map(move |st| location(s, b, st.name_span.start, st.name_span.end))
                })
                .collect()
        }
    };
    (!locations.is_empty()).then_some(lsp::GotoDefinitionResponse::Array(locations))
}

/// Every citation of `key` in the documents of `path`'s units.
fn citations_of(s: &Server, path: &Path, key: &str) -> Vec<(PathBuf, usize, usize)> {
    let mut out = Vec::new();
    for d in s.ws.docs_for(path) {
        let Some(doc) = s.ws.docs.get(d) else {
            continue;
        };
        for c in &doc.scan.citations {
            if c.key == key {
                out.push((d.to_path_buf(), c.span.start, c.span.end));
            }
        }
    }
    out
}

pub(crate) fn references(s: &Server, p: &lsp::ReferenceParams) -> Option<Vec<lsp::Location>> {
    let pos = &p.text_document_position;
    let (path, text, lines) = document(s, &pos.text_document.uri)?;
    let at = lines.offset(&text, pos.position, s.cols);
    let Target::Key(key, ..) = target_at(s, &path, &text, at)? else {
        return None;
    };
    let mut out: Vec<lsp::Location> = Vec::new();
    if p.context.include_declaration {
        for (b, _, e) in entries_named(s, &path, &key) {
            out.extend(location(s, b, e.key_span.start, e.key_span.end));
        }
    }
    for (d, from, to) in citations_of(s, &path, &key) {
        out.extend(location(s, &d, from, to));
    }
    Some(out)
}

pub(crate) fn prepare_rename(
    s: &Server,
    p: &lsp::TextDocumentPositionParams,
) -> Option<lsp::PrepareRenameResponse> {
    let (path, text, lines) = document(s, &p.text_document.uri)?;
    let at = lines.offset(&text, p.position, s.cols);
    match target_at(s, &path, &text, at)? {
        Target::Key(key, from, to) if !entries_named(s, &path, &key).is_empty() => {
            Some(lsp::PrepareRenameResponse::RangeWithPlaceholder {
                range: lines.range(&text, from, to, s.cols),
                placeholder: key,
            })
        }
        _ => None,
    }
}

type Failure = (i32, String);

pub(crate) fn rename(
    s: &Server,
    p: &lsp::RenameParams,
) -> Result<Option<lsp::WorkspaceEdit>, Failure> {
    let invalid = |m: String| (lsp_server::ErrorCode::InvalidParams as i32, m);
    let pos = &p.text_document_position;
    let Some((path, text, lines)) = document(s, &pos.text_document.uri) else {
        return Ok(None);
    };
    let at = lines.offset(&text, pos.position, s.cols);
    let Some(Target::Key(old, ..)) = target_at(s, &path, &text, at) else {
        return Err(invalid("there is no citation key here to rename".into()));
    };
    let new = p.new_name.trim().to_string();
    if !bibkit::rekey::valid_key(&new) {
        return Err(invalid(format!(
            "`{new}` cannot be a key (letters, digits and _-:./+, starting with a letter or digit)"
        )));
    }
    let entries = entries_named(s, &path, &old);
    let Some((_, _, first)) = entries.first() else {
        return Err(invalid(format!("no entry has the key `{old}`")));
    };
    let old = first.key.clone();
    if !old.eq_ignore_ascii_case(&new) && !entries_named(s, &path, &new).is_empty() {
        return Err(invalid(format!("an entry has the key `{new}` already")));
    }
    rename_edit(s, &path, &old, &new).map(Some)
}

/// The edits that rename key `old` to `new` in every `.bib` and document of `path`'s units.
fn rename_edit(
    s: &Server,
    path: &Path,
    old: &str,
    new: &str,
) -> Result<lsp::WorkspaceEdit, Failure> {
    let (old, new) = (old.to_string(), new.to_string());
    let map = bibkit::rekey::Map::from_pairs([(old.clone(), new.clone())]);
    let mut changes: HashMap<Url, Vec<lsp::TextEdit>> = HashMap::new();
    let mut add = |file: &Path, text: &str, edits: Vec<bibkit::edit::Change>| {
        if edits.is_empty() {
            return;
        }
        let Ok(uri) = Url::from_file_path(file) else {
            return;
        };
        let lines = Lines::new(text);
        changes
            .entry(uri)
            .or_default()
            .extend(edits.into_iter().map(|c| {
                lsp::TextEdit::new(
                    lines.range(text, c.range.start, c.range.end, s.cols),
                    c.text,
                )
            }));
    };
    for b in s.ws.bibs_for(path) {
        let Some(bib) = s.ws.bibs.get(b) else {
            continue;
        };
        let renames: Vec<bibkit::rekey::Rename> = bib
            .doc()
            .find(&old)
            .into_iter()
            .map(|block| bibkit::rekey::Rename {
                bib: 0,
                block,
                old: old.clone(),
                new: new.clone(),
            })
            .collect();
        let mut doc = bib.doc().clone();
        let edits = bibkit::rekey::rewrite_bib(&mut doc, 0, &renames, &map, false)
            .map_err(|e| (lsp_server::ErrorCode::RequestFailed as i32, e.to_string()))?;
        add(b, &bib.text, edits);
    }
    for d in s.ws.docs_for(path) {
        let Some(doc) = s.ws.docs.get(d) else {
            continue;
        };
        let (_, edits) = bibkit::rekey::rewrite_citations(&doc.text, &doc.scan, doc.kind, &map);
        add(d, &doc.text, edits);
    }
    Ok(lsp::WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    })
}

#[allow(deprecated)]
pub(crate) fn document_symbols(
    s: &Server,
    p: &lsp::DocumentSymbolParams,
) -> Option<lsp::DocumentSymbolResponse> {
    let (path, text, lines) = document(s, &p.text_document.uri)?;
    let bib = s.ws.bibs.get(&path)?;
    let mut out = Vec::new();
    for e in bib.entries() {
        out.push(lsp::DocumentSymbol {
            name: e.key.clone(),
            detail: Some(match field(bib.entry(e), "title") {
                Some(t) => format!("@{} · {}", e.kind, shorten(&t, 80)),
                None => format!("@{}", e.kind),
            }),
            kind: lsp::SymbolKind::OBJECT,
            tags: None,
            deprecated: None,
            range: lines.range(&text, e.span.start, e.span.end, s.cols),
            selection_range: lines.range(&text, e.key_span.start, e.key_span.end, s.cols),
            children: None,
        });
    }
    for st in bib.strings() {
        out.push(lsp::DocumentSymbol {
            name: st.name.clone(),
            detail: Some("@string".to_string()),
            kind: lsp::SymbolKind::CONSTANT,
            tags: None,
            deprecated: None,
            range: lines.range(&text, st.span.start, st.span.end, s.cols),
            selection_range: lines.range(&text, st.name_span.start, st.name_span.end, s.cols),
            children: None,
        });
    }
    out.sort_by_key(|d| (d.range.start.line, d.range.start.character));
    Some(lsp::DocumentSymbolResponse::Nested(out))
}

#[allow(deprecated)]
pub(crate) fn workspace_symbols(
    s: &Server,
    p: &lsp::WorkspaceSymbolParams,
) -> Option<lsp::WorkspaceSymbolResponse> {
    let q = p.query.to_lowercase();
    let mut out = Vec::new();
    for (path, bib) in &s.ws.bibs {
        let Ok(uri) = Url::from_file_path(path) else {
            continue;
        };
        let lines = Lines::new(&bib.text);
        for e in bib.entries() {
            let entry = bib.entry(e);
            let title = field(entry, "title").unwrap_or_default();
            let hay = format!("{} {} {}", e.key, byline(entry), title).to_lowercase();
            if !q.split_whitespace().all(|w| hay.contains(w)) {
                continue;
            }
            out.push(lsp::SymbolInformation {
                name: e.key.clone(),
                kind: lsp::SymbolKind::OBJECT,
                tags: None,
                deprecated: None,
                location: lsp::Location::new(
                    uri.clone(),
                    lines.range(&bib.text, e.key_span.start, e.key_span.end, s.cols),
                ),
                container_name: Some(shorten(&title, 60).to_string()),
            });
            if out.len() >= 1000 {
                return Some(lsp::WorkspaceSymbolResponse::Flat(out));
            }
        }
    }
    Some(lsp::WorkspaceSymbolResponse::Flat(out))
}

/// The edits that turn `text` into `new`, only those touching `range` when one is given.
fn edits_to(
    text: &str,
    new: &str,
    range: Option<(usize, usize)>,
    cols: Columns,
) -> Vec<lsp::TextEdit> {
    let lines = Lines::new(text);
    text::line_edits(text, new)
        .into_iter()
        .filter(|(from, to, _)| range.is_none_or(|(a, b)| *from <= b && a <= *to))
        .map(|(from, to, t)| lsp::TextEdit::new(lines.range(text, from, to, cols), t))
        .collect()
}

pub(crate) fn formatting(
    s: &Server,
    uri: &Url,
    range: Option<lsp::Range>,
) -> Option<Vec<lsp::TextEdit>> {
    let (path, text, lines) = document(s, uri)?;
    if !is_bib(&path) {
        return None;
    }
    let out = bibkit::fmt::format(&text, &s.ws.settings.fmt);
    if out.has_errors() {
        // A file with syntax errors is not formatted (as `fmt --write` refuses it): the
        // findings say where.
        return None;
    }
    let range = range.map(|r| {
        (
            lines.offset(&text, r.start, s.cols),
            lines.offset(&text, r.end, s.cols),
        )
    });
    Some(edits_to(&text, &out.text, range, s.cols))
}

pub(crate) fn code_actions(
    s: &Server,
    p: &lsp::CodeActionParams,
) -> Option<lsp::CodeActionResponse> {
    let (path, text, lines) = document(s, &p.text_document.uri)?;
    let uri = p.text_document.uri.clone();
    let from = lines.offset(&text, p.range.start, s.cols);
    let to = lines.offset(&text, p.range.end, s.cols);
    let wanted = |k: &lsp::CodeActionKind| {
        p.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|o| {
                k.as_str() == o.as_str() || k.as_str().starts_with(&format!("{}.", o.as_str()))
            })
        })
    };
    let edit = |edits: Vec<lsp::TextEdit>| lsp::WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..Default::default()
    };
    let mut out: Vec<lsp::CodeActionOrCommand> = Vec::new();
    let findings = s.ws.findings.get(&path).map(Vec::as_slice).unwrap_or(&[]);
    if wanted(&lsp::CodeActionKind::QUICKFIX) {
        for d in findings {
            let Some(fix) = d.fix.as_deref() else {
                continue;
            };
            if fix.edits.is_empty() || d.span.end < from || d.span.start > to {
                continue;
            }
            let edits = fix
                .edits
                .iter()
                .map(|e| {
                    lsp::TextEdit::new(
                        lines.range(&text, e.span.start, e.span.end, s.cols),
                        e.text.clone(),
                    )
                })
                .collect();
            let safe = fix.applicability == Applicability::Safe;
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: if safe {
                    format!("Fix: {}", fix.message)
                } else {
                    format!("Fix (changes meaning, check it): {}", fix.message)
                },
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![to_lsp(d, &text, &lines, s.cols)]),
                edit: Some(edit(edits)),
                is_preferred: Some(safe),
                ..Default::default()
            }));
        }
    }
    let safe_fixes = findings.iter().filter(|d| {
        d.fix
            .as_deref()
            .is_some_and(|f| f.applicability == Applicability::Safe && !f.edits.is_empty())
    });
    if wanted(&lsp::CodeActionKind::new("source.fixAll.bibkit"))
        && safe_fixes.clone().next().is_some()
    {
        let applied = bibkit::check::fix::apply(&text, safe_fixes, false);
        let edits: Vec<lsp::TextEdit> = applied
            .changes
            .into_iter()
            .map(|c| {
                lsp::TextEdit::new(
                    lines.range(&text, c.range.start, c.range.end, s.cols),
                    c.text,
                )
            })
            .collect();
        if !edits.is_empty() {
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: format!("Fix all safe problems in this file ({})", applied.fixed),
                kind: Some(lsp::CodeActionKind::new("source.fixAll.bibkit")),
                edit: Some(edit(edits)),
                ..Default::default()
            }));
        }
    }
    if is_bib(&path) && wanted(&lsp::CodeActionKind::QUICKFIX) {
        for d in findings {
            if d.rule == "duplicate-entry" && d.span.start <= to && from <= d.span.end {
                out.extend(merge_action(s, &path, d, &text, &lines));
            }
        }
    }
    if is_bib(&path) && wanted(&lsp::CodeActionKind::new("refactor.rewrite.bibkit.rekey")) {
        out.extend(rekey_action(s, &path, from));
    }
    if is_bib(&path) && wanted(&lsp::CodeActionKind::new("source.organizeImports.bibkit")) {
        let mut opts = s.ws.settings.fmt.clone();
        if opts.sort_entries == bibkit::fmt::SortEntries::None {
            opts.sort_entries = bibkit::fmt::SortEntries::Key;
        }
        let out_sorted = bibkit::fmt::format(&text, &opts);
        if !out_sorted.has_errors() && out_sorted.text != text {
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: "Sort entries (and format)".to_string(),
                kind: Some(lsp::CodeActionKind::new("source.organizeImports.bibkit")),
                edit: Some(edit(edits_to(&text, &out_sorted.text, None, s.cols))),
                ..Default::default()
            }));
        }
    }
    Some(out)
}

/// "Re-key this entry": the key `bibkit rekey` gives the entry at `at` (by the pattern of
/// `bibkit.toml`'s `[rekey]` table, or the default), in every file.
fn rekey_action(s: &Server, path: &Path, at: usize) -> Option<lsp::CodeActionOrCommand> {
    let bib = s.ws.bibs.get(path)?;
    let e = bib
        .entries()
        .iter()
        .find(|e| e.span.start <= at && at <= e.span.end)?;
    let pattern =
        s.ws.settings
            .rekey
            .pattern
            .as_deref()
            .unwrap_or(bibkit::rekey::DEFAULT_PATTERN);
    let pattern = bibkit::rekey::Pattern::parse(pattern).ok()?;
    if s.ws.settings.rekey.pin.contains(&e.key) {
        return None;
    }
    let base = pattern.key_for(bib.entry(e));
    if base.is_empty() || base == e.key {
        return None;
    }
    // A letter after the key when another entry has it, as `bibkit rekey` does.
    let taken = |k: &str| !entries_named(s, path, k).is_empty();
    let new = std::iter::once(base.clone())
        .chain((b'a'..=b'z').map(|c| format!("{base}{}", c as char)))
        .find(|k| !taken(k) || k.eq_ignore_ascii_case(&e.key))?;
    if new == e.key {
        return None;
    }
    let edit = rename_edit(s, path, &e.key, &new).ok()?;
    Some(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
        title: format!("Re-key `{}` as `{new}` (and its citations)", e.key),
        kind: Some(lsp::CodeActionKind::new("refactor.rewrite.bibkit.rekey")),
        edit: Some(edit),
        ..Default::default()
    }))
}

/// "Merge these duplicates", for a `duplicate-entry` finding about two entries of this
/// file: as `bibkit dedupe --merge` does, the earlier entry gets the fields only the later
/// one has (its key added to `ids`), the later one becomes a comment with the values that
/// differed, and the documents' citations of it cite the earlier one.
fn merge_action(
    s: &Server,
    path: &Path,
    d: &Diagnostic,
    text: &str,
    lines: &Lines,
) -> Option<lsp::CodeActionOrCommand> {
    // The finding names the later entry, then the earlier one.
    let mut named = d.message.split('`').skip(1).step_by(2);
    let (later, earlier) = (named.next()?.to_string(), named.next()?.to_string());
    let bib = s.ws.bibs.get(path)?;
    let doc = bib.doc();
    let (keep, away) = (*doc.find(&earlier).first()?, *doc.find(&later).first()?);
    if keep == away {
        return None;
    }
    let fields = |b: usize| -> Vec<(String, String)> {
        (0..doc.blocks()[b].field_count())
            .filter_map(|k| doc.field(b, k))
            .map(|(n, r)| (n.to_ascii_lowercase(), r.to_string()))
            .collect()
    };
    let members = [
        (earlier.clone(), fields(keep)),
        (later.clone(), fields(away)),
    ];
    let plan = bibkit::dedupe::merge_fields(&members, 0);
    let mut doc = doc.clone();
    let away_span = doc.blocks()[away].span();
    let mut batch = doc.batch();
    for (name, value) in &plan.set {
        batch
            .set_field(keep, name, bibkit::edit::Value::raw(value.clone()))
            .ok()?;
    }
    if let Some(ids) = &plan.ids {
        batch
            .set_field(keep, "ids", bibkit::edit::Value::raw(ids.clone()))
            .ok()?;
    }
    batch
        .replace(bibkit::edit::Change {
            range: away_span.start..away_span.end,
            text: bibkit::dedupe::merged_comment(&later, &earlier, &plan.differing[1]),
        })
        .ok()?;
    let changes = batch.apply().ok()?;
    let mut edits: HashMap<Url, Vec<lsp::TextEdit>> = HashMap::new();
    edits.insert(
        Url::from_file_path(path).ok()?,
        changes
            .into_iter()
            .map(|c| {
                lsp::TextEdit::new(
                    lines.range(text, c.range.start, c.range.end, s.cols),
                    c.text,
                )
            })
            .collect(),
    );
    let map = bibkit::rekey::Map::from_pairs([(later.clone(), earlier.clone())]);
    for p in s.ws.docs_for(path) {
        let Some(doc) = s.ws.docs.get(p) else {
            continue;
        };
        let (_, changes) = bibkit::rekey::rewrite_citations(&doc.text, &doc.scan, doc.kind, &map);
        if changes.is_empty() {
            continue;
        }
        let Ok(uri) = Url::from_file_path(p) else {
            continue;
        };
        let dl = Lines::new(&doc.text);
        edits
            .entry(uri)
            .or_default()
            .extend(changes.into_iter().map(|c| {
                lsp::TextEdit::new(
                    dl.range(&doc.text, c.range.start, c.range.end, s.cols),
                    c.text,
                )
            }));
    }
    Some(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
        title: format!("Merge `{later}` into `{earlier}` (and cite `{earlier}`)"),
        kind: Some(lsp::CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![to_lsp(d, text, lines, s.cols)]),
        edit: Some(lsp::WorkspaceEdit {
            changes: Some(edits),
            ..Default::default()
        }),
        ..Default::default()
    }))
}
