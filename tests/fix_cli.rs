//! `bibkit check --fix`, `--unsafe-fixes` and `--diff`, run as a user runs them: one
//! snapshot per fix (the file before and after), and what the command promises — only
//! the fixed bytes change, the encoding and line endings stay, broken files are left
//! alone, a second run changes nothing, and the exit status is the check's after fixing.

mod common;

use std::path::Path;

use common::bibkit;

/// A `bibkit.toml` that turns on the house-style rules that fix.
const STYLE: &str = "[check.rules]\nunprotected-acronym = \"warning\"\nfield-case = \"warning\"\n";

/// Runs `check --fix` (and `extra` arguments) on `bib` in a fresh directory: the file
/// after, stdout, stderr and the exit code.
fn fixed(bib: &str, extra: &[&str]) -> (String, String, String, i32) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bibkit.toml"), STYLE).unwrap();
    std::fs::write(dir.path().join("refs.bib"), bib).unwrap();
    let mut args = vec!["check", "--fix", "refs.bib"];
    args.extend_from_slice(extra);
    let (out, err, code) = bibkit(dir.path(), &args);
    let after = std::fs::read_to_string(dir.path().join("refs.bib")).unwrap();
    (after, out, err, code)
}

/// One case per fix: the entry before, and after `check --fix --unsafe-fixes`.
const CASES: &[(&str, &str, &str)] = &[
    (
        "page-range",
        "@misc{m,\n  title = {T},\n  pages = {12-15},\n}\n",
        "@misc{m,\n  title = {T},\n  pages = {12--15},\n}\n",
    ),
    (
        "invalid-pages",
        "@misc{m, title = {T}, pages = \"pp. 12--15\"}\n",
        "@misc{m, title = {T}, pages = \"12--15\"}\n",
    ),
    (
        "month-text",
        "@misc{m, title = {T}, year = 2001, month = {January}}\n",
        "@misc{m, title = {T}, year = 2001, month = jan}\n",
    ),
    (
        "invalid-doi",
        "@misc{m, title = {T}, doi = {https://doi.org/10.1000/a\\_b}}\n",
        "@misc{m, title = {T}, doi = {10.1000/a_b}}\n",
    ),
    (
        "escaped-url",
        "@misc{m, title = {T}, url = {https://example.org/a\\_b\\%20c}}\n",
        "@misc{m, title = {T}, url = {https://example.org/a_b%20c}}\n",
    ),
    (
        "invalid-url",
        "@misc{m, title = {T}, url = {\\url{https://example.org/x}}}\n",
        "@misc{m, title = {T}, url = {https://example.org/x}}\n",
    ),
    (
        "invalid-url (www, unsafe)",
        "@misc{m, title = {T}, url = {www.example.org}}\n",
        "@misc{m, title = {T}, url = {https://www.example.org}}\n",
    ),
    (
        "duplicate-field (same value)",
        "@misc{m,\n  title = {T},\n  note  = {N},\n  note  = {N},\n}\n",
        "@misc{m,\n  title = {T},\n  note  = {N},\n}\n",
    ),
    (
        "duplicate-field (another value, unsafe)",
        "@misc{m,\n  title = {T},\n  note  = {N},\n  note  = {M},\n}\n",
        "@misc{m,\n  title = {T},\n  note  = {N},\n}\n",
    ),
    (
        "stray-whitespace",
        "@misc{m, title = { Graphs  and Trees }}\n",
        "@misc{m, title = {Graphs and Trees}}\n",
    ),
    (
        "invalid-name (whole names)",
        "@misc{m, title = {T}, author = {Ada Lovelace, Charles Babbage, Mary Somerville, Alan Turing}}\n",
        "@misc{m, title = {T}, author = {Ada Lovelace and Charles Babbage and Mary Somerville and Alan Turing}}\n",
    ),
    (
        "invalid-name (family names and initials)",
        "@misc{m, title = {T}, author = {Lovelace, A., Babbage, C.}}\n",
        "@misc{m, title = {T}, author = {Lovelace, A. and Babbage, C.}}\n",
    ),
    (
        "literal-et-al",
        "@misc{m, title = {T}, author = {Doe, Jane and Roe, Rick et al.}}\n",
        "@misc{m, title = {T}, author = {Doe, Jane and Roe, Rick and others}}\n",
    ),
    (
        "unprotected-acronym",
        "@misc{m, title = {Modelling in SysML, with {CUDA} and t-SNE}}\n",
        "@misc{m, title = {Modelling in {SysML}, with {CUDA} and {t-SNE}}}\n",
    ),
    (
        "field-case",
        "@misc{m, Title = {T}, YEAR = 2001}\n",
        "@misc{m, title = {T}, year = 2001}\n",
    ),
    (
        "invalid-isbn",
        "@book{b, title = {T}, isbn = {978-1492-067665}}\n",
        "@book{b, title = {T}, isbn = {978-1-4920-6766-5}}\n",
    ),
    (
        "invalid-issn",
        "@misc{m, title = {T}, issn = {00045411}}\n",
        "@misc{m, title = {T}, issn = {0004-5411}}\n",
    ),
    (
        "invalid-year (unsafe)",
        "@misc{m,\n  title = {T},\n  year  = {2020a},\n}\n",
        "@misc{m,\n  title = {T},\n  year  = {2020},\n  extra = {a},\n}\n",
    ),
    (
        "non-nfc",
        "@misc{m, title = {Cafe\u{301}}}\n",
        "@misc{m, title = {Caf\u{e9}}}\n",
    ),
    (
        "unescaped-special",
        "@misc{m, title = {R&D at 50%}}\n",
        "@misc{m, title = {R\\&D at 50\\%}}\n",
    ),
];

#[test]
fn each_fix_gives_what_it_says() {
    let mut report = String::new();
    for (what, before, after) in CASES {
        let (got, out, err, _) = fixed(before, &["--unsafe-fixes"]);
        assert_eq!(&got, after, "{what}\nstdout: {out}\nstderr: {err}");
        report.push_str(&format!("## {what}\n{before}=>\n{got}\n"));
        // The rule the case is about no longer fires.
        let rule = what.split(' ').next().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bibkit.toml"), STYLE).unwrap();
        std::fs::write(dir.path().join("refs.bib"), &got).unwrap();
        let (json, _, _) = bibkit(dir.path(), &["check", "--format", "json", "refs.bib"]);
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(
            json.as_array()
                .unwrap()
                .iter()
                .all(|d| d["rule"] != rule || d["fix"].is_null()),
            "{what}: still {json}"
        );
    }
    insta::assert_snapshot!("each_fix", report);
}

#[test]
fn every_fixing_rule_has_a_case() {
    for f in bibkit::check::FIXES {
        assert!(
            CASES
                .iter()
                .any(|(what, _, _)| what.split(' ').next() == Some(f.id)),
            "no case for {}",
            f.id
        );
    }
}

#[test]
fn unsafe_fixes_wait_for_the_flag() {
    let src = "@misc{m,\n  title = {T},\n  note  = {N},\n  note  = {M},\n  pages = {1-2},\n}\n";
    let (after, _, err, code) = fixed(src, &[]);
    assert_eq!(
        after,
        "@misc{m,\n  title = {T},\n  note  = {N},\n  note  = {M},\n  pages = {1--2},\n}\n"
    );
    assert!(err.contains("fixed 1 finding in 1 file; 1 remain"), "{err}");
    // The warning remains, and says how to fix it; warnings do not fail without --deny.
    assert_eq!(code, 0, "{err}");
    let (after, _, err, _) = fixed(src, &["--unsafe-fixes", "--deny", "warnings"]);
    assert!(!after.contains("{M}"), "{after}");
    assert!(
        err.contains("fixed 2 findings in 1 file; 0 remain"),
        "{err}"
    );
}

#[test]
fn diff_prints_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = "% refs\n@misc{m,\n  title = {T},\n  pages = {12-15},\n}\n";
    std::fs::write(dir.path().join("refs.bib"), src).unwrap();
    let (out, err, code) = bibkit(dir.path(), &["check", "--diff", "refs.bib"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("refs.bib")).unwrap(),
        src
    );
    insta::assert_snapshot!("diff", out);
    assert!(
        err.contains("would fix 1 finding in 1 file; 0 remain"),
        "{err}"
    );
}

#[test]
fn only_fixed_bytes_change_and_a_second_run_changes_nothing() {
    // CRLF line ends, a comment, an entry without findings in odd style, a @string.
    let src = "% keep me  \r\n@string{acm = {ACM}}\r\n\r\n@Misc{ a ,Title={T}  ,  publisher = acm}\r\n\r\n@misc{b,\r\n  title = {B},\r\n  pages = {3-4},\r\n}\r\n";
    let (after, _, err, code) = fixed(src, &[]);
    assert_eq!(code, 0, "{err}");
    // field-case fixes `Title` in `a`; `b`'s range; nothing else.
    assert_eq!(
        after,
        src.replace("Title=", "title=").replace("{3-4}", "{3--4}")
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bibkit.toml"), STYLE).unwrap();
    std::fs::write(dir.path().join("refs.bib"), &after).unwrap();
    let before = std::fs::metadata(dir.path().join("refs.bib"))
        .unwrap()
        .modified()
        .unwrap();
    let (_, err, _) = bibkit(dir.path(), &["check", "--fix", "refs.bib"]);
    assert!(err.contains("fixed 0 findings in 0 files"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("refs.bib")).unwrap(),
        after
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("refs.bib"))
            .unwrap()
            .modified()
            .unwrap(),
        before,
        "a file with nothing to fix is not rewritten"
    );
}

#[test]
fn a_file_keeps_its_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"% Encoding: windows-1252\n@misc{m, title = {Caf\xe9}, pages = {1-2}}\n";
    std::fs::write(dir.path().join("refs.bib"), bytes).unwrap();
    let (_, err, code) = bibkit(dir.path(), &["check", "--fix", "refs.bib"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(dir.path().join("refs.bib")).unwrap(),
        b"% Encoding: windows-1252\n@misc{m, title = {Caf\xe9}, pages = {1--2}}\n"
    );
    // And a UTF-8 file its byte-order mark.
    let bytes = "\u{feff}@misc{m, title = {Ça}, pages = {1-2}}\n";
    std::fs::write(dir.path().join("refs.bib"), bytes).unwrap();
    bibkit(dir.path(), &["check", "--fix", "refs.bib"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("refs.bib")).unwrap(),
        "\u{feff}@misc{m, title = {Ça}, pages = {1--2}}\n"
    );
}

#[test]
fn broken_files_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let src = "@misc{m, title = {T}, pages = {1-2}}\n@misc{n, title = {T} year = 2001}\n";
    std::fs::write(dir.path().join("refs.bib"), src).unwrap();
    let (_, err, code) = bibkit(dir.path(), &["check", "--fix", "refs.bib"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("refs.bib is not fixed"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("refs.bib")).unwrap(),
        src
    );
}

#[test]
fn fixes_of_several_files_and_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("a.bib"), "@misc{a, title = {A}, pages = {1-2}}\n").unwrap();
    std::fs::write(
        p.join("b.bib"),
        "@misc{b, title = {B}, month = {May}, year = 2001}\n",
    )
    .unwrap();
    std::fs::write(p.join("paper.tex"), "\\cite{a,b}\\bibliography{a,b}\n").unwrap();
    let (_, err, code) = bibkit(p, &["check", "--fix", "paper.tex"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("fixed 2 findings in 2 files"), "{err}");
    assert!(
        std::fs::read_to_string(p.join("a.bib"))
            .unwrap()
            .contains("{1--2}")
    );
    assert!(
        std::fs::read_to_string(p.join("b.bib"))
            .unwrap()
            .contains("month = may")
    );
    let tex = std::fs::read_to_string(p.join("paper.tex")).unwrap();
    assert_eq!(tex, "\\cite{a,b}\\bibliography{a,b}\n");
}

#[test]
fn fixes_in_json_and_sarif() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("refs.bib"),
        "@misc{m,\n  title = {T},\n  pages = {12-15},\n}\n",
    )
    .unwrap();
    let (json, _, _) = bibkit(dir.path(), &["check", "--format", "json", "refs.bib"]);
    insta::assert_snapshot!("fix_json", json);
    let (sarif, _, _) = bibkit(dir.path(), &["check", "--format", "sarif", "refs.bib"]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let fix = &sarif["runs"][0]["results"][0]["fixes"][0];
    assert_eq!(fix["description"]["text"], "write `12--15` (safe)");
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "refs.bib");
    let r = &change["replacements"][0];
    assert_eq!(r["deletedRegion"]["startLine"], 3);
    assert_eq!(r["deletedRegion"]["startColumn"], 11);
    assert_eq!(r["deletedRegion"]["endColumn"], 18);
    assert_eq!(r["insertedContent"]["text"], "{12--15}");
}

#[test]
fn list_rules_and_explain_say_how_a_rule_fixes() {
    let (out, _, _) = bibkit(Path::new("."), &["check", "--list-rules"]);
    let line = out.lines().find(|l| l.starts_with("page-range")).unwrap();
    assert!(line.contains("fix"), "{line}");
    let line = out.lines().find(|l| l.starts_with("invalid-year")).unwrap();
    assert!(line.contains("fix (unsafe)"), "{line}");
    let (out, _, _) = bibkit(Path::new("."), &["check", "--explain", "month-text"]);
    assert!(
        out.contains("Fix (safe, with `bibkit check --fix`)"),
        "{out}"
    );
}
