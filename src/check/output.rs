//! Findings in the formats CI systems read: JSON, GitHub workflow commands and SARIF 2.1.0.
//! (The human format is [`Diagnostic::render`].)
//!
//! ```
//! use bibkit::check::output;
//! use bibkit::diagnostic::{Diagnostic, Severity};
//! let mut d = Diagnostic::new(Severity::Error, "undefined-citation", "`x` is cited but no bibliography defines it")
//!     .in_file("paper.tex")
//!     .with_key("x");
//! d.line = 3;
//! d.column = 7;
//! assert_eq!(output::github(&[d.clone()]),
//!     "::error file=paper.tex,line=3,col=7,title=undefined-citation::`x` is cited but no bibliography defines it\n");
//! let json: serde_json::Value = serde_json::from_str(&output::json(&[d.clone()])).unwrap();
//! assert_eq!(json[0]["rule"], "undefined-citation");
//! assert_eq!(json[0]["key"], "x");
//! let sarif: serde_json::Value = serde_json::from_str(&output::sarif(&[d])).unwrap();
//! assert_eq!(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 3);
//! ```

use serde_json::{Value as Json, json};

use super::rules::{Level, RULES};
use crate::diagnostic::{Diagnostic, Severity};

/// One JSON array of findings: `file`, `line`, `column`, `severity`, `rule`, `message`,
/// `key` where an entry or citation key is involved, and `fix` where the finding has one:
/// `applicability` (`safe` or `unsafe`), `message`, and `edits`, each with the byte range
/// replaced (`start`, `end`), its 1-based `line`/`column` and `end_line`/`end_column`
/// (columns in characters, the end exclusive), and the new `text`.
pub fn json(findings: &[Diagnostic]) -> String {
    let items: Vec<Json> = findings
        .iter()
        .map(|d| {
            let mut o = json!({
                "file": d.file.as_deref(),
                "line": d.line,
                "column": d.column,
                "severity": d.severity.to_string(),
                "rule": d.rule,
                "message": d.message,
            });
            if let Some(k) = &d.key {
                o["key"] = json!(k);
            }
            if let Some(f) = &d.fix {
                o["fix"] = json!({
                    "applicability": f.applicability.to_string(),
                    "message": f.message,
                    "edits": f.edits.iter().map(|e| json!({
                        "start": e.span.start,
                        "end": e.span.end,
                        "line": e.line,
                        "column": e.column,
                        "end_line": e.end_line,
                        "end_column": e.end_column,
                        "text": e.text,
                    })).collect::<Vec<_>>(),
                });
            }
            o
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// Escapes the text of a workflow command's message: `%`, CR and LF percent-encoded as
/// GitHub reads them, other control characters written as escapes.
fn gh_data(s: &str) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    // Other control characters (an escape sequence in a key) as in every other message.
    crate::diagnostic::escape_control(&s).into_owned()
}

/// Escapes a workflow command's property value.
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands, one line per finding
/// (`::error file=…,line=…,col=…,title=RULE::message`), which GitHub shows as annotations
/// on the lines they name.
pub fn github(findings: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in findings {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(f) = &d.file {
            props.push(format!("file={}", gh_property(f)));
        }
        if d.line > 0 {
            props.push(format!("line={}", d.line));
        }
        if d.column > 0 {
            props.push(format!("col={}", d.column));
        }
        props.push(format!("title={}", gh_property(d.rule)));
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            gh_data(&d.message)
        ));
    }
    out
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A file name as a SARIF artifact URI: forward slashes, spaces and `%` escaped.
fn uri(file: &str) -> String {
    file.replace('\\', "/")
        .replace('%', "%25")
        .replace(' ', "%20")
}

/// A SARIF 2.1.0 log (for GitHub code scanning and other tools): one run of `bibkit`, with
/// every rule described and one result per finding.
pub fn sarif(findings: &[Diagnostic]) -> String {
    let rules: Vec<Json> = RULES
        .iter()
        .map(|r| {
            let level = if r.style { Level::Off } else { r.level };
            let mut help = format!("{}\n\nBreaks the rule:\n{}", r.summary, r.bad.bib);
            if let Some(t) = r.bad.tex {
                help.push_str(&format!("\ncited as {t}"));
            }
            help.push_str(&format!("\n\nKeeps it:\n{}", r.good.bib));
            json!({
                "id": r.id,
                "shortDescription": {"text": r.summary},
                "help": {"text": help},
                "defaultConfiguration": {
                    "level": match level {
                        Level::Off => "none",
                        Level::Note => "note",
                        Level::Warning => "warning",
                        Level::Error => "error",
                    },
                    "enabled": level != Level::Off,
                },
            })
        })
        .collect();
    let results: Vec<Json> = findings
        .iter()
        .map(|d| {
            let mut r = json!({
                "ruleId": d.rule,
                "level": sarif_level(d.severity),
                "message": {"text": d.message},
            });
            if let Some(i) = RULES.iter().position(|x| x.id == d.rule) {
                r["ruleIndex"] = json!(i);
            }
            if let Some(f) = &d.file {
                let mut region = json!({});
                if d.line > 0 {
                    region["startLine"] = json!(d.line);
                    if d.column > 0 {
                        region["startColumn"] = json!(d.column);
                    }
                }
                let mut loc = json!({"artifactLocation": {"uri": uri(f)}});
                if d.line > 0 {
                    loc["region"] = region;
                }
                r["locations"] = json!([{"physicalLocation": loc}]);
            }
            if let Some(k) = &d.key {
                r["properties"] = json!({"key": k});
            }
            if let (Some(f), Some(file)) = (&d.fix, &d.file) {
                let replacements: Vec<Json> = f
                    .edits
                    .iter()
                    .map(|e| {
                        json!({
                            "deletedRegion": {
                                "startLine": e.line,
                                "startColumn": e.column,
                                "endLine": e.end_line,
                                "endColumn": e.end_column,
                            },
                            "insertedContent": {"text": e.text},
                        })
                    })
                    .collect();
                r["fixes"] = json!([{
                    "description": {"text": format!("{} ({})", f.message, f.applicability)},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": uri(file)},
                        "replacements": replacements,
                    }],
                }]);
            }
            r
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "bibkit",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/bibkit",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_carry_no_control_characters() {
        let mut d = Diagnostic::new(
            Severity::Error,
            "x",
            "key `k\u{1b}]0;t\u{7}`\r\n::add-mask::s 100%",
        )
        .in_file("a\n::warning::b.bib");
        d.line = 1;
        let out = github(&[d]);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(!out.contains(['\u{1b}', '\u{7}', '\r']), "{out:?}");
        assert!(
            out.contains("k\\u{1b}]0;t\\u{7}`%0D%0A::add-mask::s 100%25"),
            "{out}"
        );
        assert!(
            out.starts_with("::error file=a%0A%3A%3Awarning%3A%3Ab.bib,"),
            "{out}"
        );
    }
}
