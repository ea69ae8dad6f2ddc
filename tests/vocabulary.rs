//! One vocabulary: every diagnostic id any command prints is a `check` rule or a listed
//! message, so `bibkit check --explain ID` knows it, and no command invents its own name
//! for a problem `check` already names.

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
}

#[test]
fn every_id_a_command_prints_can_be_explained() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    // `Diagnostic::new(Severity::…, "id", …)` and the readers' helpers of the same shape.
    let new = regex::Regex::new(r#"\(\s*(?:[\w:]*::)?Severity::\w+,\s*"([a-z0-9-]+)""#).unwrap();
    let mut ids = Vec::new();
    for (file, text) in &files {
        // Doc examples and unit tests may use any id.
        let code = text.split("#[cfg(test)]").next().unwrap();
        for line_group in [code] {
            for c in new.captures_iter(line_group) {
                let id = c[1].to_string();
                let at = c.get(0).unwrap().start();
                let line_start = code[..at].rfind('\n').map_or(0, |i| i + 1);
                if code[line_start..at].trim_start().starts_with("//") {
                    continue;
                }
                ids.push((id, file.clone()));
            }
        }
    }
    assert!(ids.len() > 30, "{ids:?}");
    let unknown: Vec<_> = ids
        .iter()
        .filter(|(id, _)| bibkit::check::explain_id(id).is_none())
        .collect();
    assert!(unknown.is_empty(), "ids no `--explain` knows: {unknown:?}");
    // And the other way: every listed message is printed somewhere.
    for m in bibkit::check::MESSAGES {
        assert!(
            ids.iter().any(|(id, _)| id == m.id),
            "`{}` is listed but never printed",
            m.id
        );
    }
}

#[test]
fn explain_knows_messages_and_rules_from_the_command_line() {
    for id in [
        "invalid-date",
        "csl-type",
        "missing-include",
        "crossref-cycle",
    ] {
        let out = assert_cmd::Command::cargo_bin("bibkit")
            .unwrap()
            .args(["check", "--explain", id])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{id}");
        assert!(String::from_utf8_lossy(&out.stdout).contains(id));
    }
    let out = assert_cmd::Command::cargo_bin("bibkit")
        .unwrap()
        .args(["check", "--explain", "date"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
