//! Projects end to end: a thesis with an abbreviations file, three bibliographies and
//! chapters through every inclusion command; a pandoc paper with front matter; a Quarto
//! book; the pre-commit hook on a commit that touches only a README.

use std::path::{Path, PathBuf};

mod common;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/project")
}

/// Runs bibkit in `dir`; gives stdout, stderr and the exit code.
fn bibkit(dir: &Path, args: &[&str]) -> (String, String, i32) {
    common::bibkit(dir, args)
}

/// Findings as `file:line:col: severity[rule]: message` lines, without the source lines.
fn findings(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('|') && !l.trim().is_empty())
        .filter(|l| !l.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .collect()
}

#[test]
fn thesis_checks_every_chapter_against_every_bibliography() {
    let dir = fixtures().join("thesis");
    let (out, err, code) = bibkit(&dir, &["check", "main.tex"]);
    insta::assert_snapshot!("thesis_check", out);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err, "bibkit: 2 errors, 2 warnings, 1 note\n");
    let f = findings(&out);
    // Not citations: verbatim, \iffalse, comments, a chapter \includeonly leaves out.
    for hidden in [
        "in-verbatim",
        "in-iffalse",
        "in-comment",
        "skipped-but-undefined",
    ] {
        assert!(!out.contains(hidden), "{hidden}: {out}");
    }
    // Macros from IEEEabrv.bib and the crossref into more.bib resolve: no false findings.
    assert!(
        f.iter()
            .all(|l| !l.contains("undefined-macro") && !l.contains("missing-crossref")),
        "{f:?}"
    );
    // Entries cited only in the subfile's and the imported part's own inclusions are used.
    assert!(!out.contains("`turing36` is not cited") && !out.contains("`dijkstra68` is not cited"));
}

#[test]
fn a_chapter_is_checked_as_part_of_its_main_document() {
    let dir = fixtures().join("thesis");
    let (whole, _, code) = bibkit(&dir, &["check", "main.tex"]);
    let (part, err, part_code) = bibkit(&dir, &["check", "chapters/results.tex"]);
    assert_eq!((part.as_str(), part_code), (whole.as_str(), code));
    assert!(
        err.starts_with(
            "bibkit: note: chapters/results.tex is part of main.tex; checking that document\n"
        ),
        "{err}"
    );
    // A part that names no main document, and no bibliography: it says what is missing.
    let (_, err, code) = bibkit(&dir, &["check", "chapters/methods.tex"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cite keys but name no bibliography") && err.contains("% !TEX root"),
        "{err}"
    );
}

#[test]
fn thesis_as_a_directory_and_in_json() {
    let dir = fixtures().join("thesis");
    let (out, _, code) = bibkit(&dir, &["check"]);
    let (by_file, _, _) = bibkit(&dir, &["check", "main.tex"]);
    assert_eq!((out, code), (by_file, 1));
    let (json, _, _) = bibkit(&dir, &["check", "main.tex", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rules: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "include-cycle",
            "undefined-citation",
            "missing-include",
            "unused-entry",
            "duplicate-key"
        ]
    );
    assert_eq!(v[3]["severity"], "note");
}

#[test]
fn thesis_bibliographies_convert_as_one() {
    let dir = fixtures().join("thesis");
    let (out, err, code) = bibkit(
        &dir,
        &[
            "convert",
            "IEEEabrv.bib",
            "refs.bib",
            "more.bib",
            "--to",
            "biblatex",
        ],
    );
    // The repeated key `Knuth84` is an error, as in `check`; both entries are written.
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("thesis_convert", out);
    insta::assert_snapshot!("thesis_convert_stderr", err);
    assert!(out.contains("journaltitle = {Commun. {ACM}}"), "{out}");
    // One vocabulary: `check` says the same about the repeated key, in the same words.
    let (check, _, _) = bibkit(&dir, &["check", "IEEEabrv.bib", "refs.bib", "more.bib"]);
    let line = err.lines().next().unwrap();
    assert!(check.lines().any(|l| l == line), "{line}\n{check}");
}

#[test]
fn pandoc_paper_reads_its_front_matter() {
    let dir = fixtures().join("pandoc");
    let (out, err, code) = bibkit(&dir, &["check", "paper.md"]);
    insta::assert_snapshot!("pandoc_check", out);
    assert_eq!(code, 1, "{err}");
    // `nocite` cites hoare69; e-mail addresses and code are not citations.
    assert!(
        !out.contains("hoare69") && !out.contains("notakey") && !out.contains("example"),
        "{out}"
    );
}

#[test]
fn quarto_book_is_one_project() {
    let dir = fixtures().join("quarto");
    let (out, err, code) = bibkit(&dir, &["check"]);
    insta::assert_snapshot!("quarto_check", out);
    assert_eq!(code, 1, "{err}");
    // Both chapters count: each cites one of the two entries.
    assert!(!out.contains("unused-entry"), "{out}");
}

/// The `bibkit-check` hook of `.pre-commit-hooks.yaml`, run as pre-commit runs it: its
/// entry, plus the staged files that match `files` unless `pass_filenames` is false.
fn run_hook(repo: &Path, staged: &[&str]) -> (String, String, i32) {
    let hooks = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let hook = hooks
        .split("- id: ")
        .find(|h| h.starts_with("bibkit-check"))
        .unwrap();
    let field = |name: &str| {
        hook.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")))
            .map(str::to_string)
    };
    let entry = field("entry").unwrap();
    let files = regex::Regex::new(&field("files").unwrap()).unwrap();
    let pass = field("pass_filenames").is_none_or(|v| v != "false");
    let matching: Vec<&str> = staged
        .iter()
        .copied()
        .filter(|f| files.is_match(f))
        .collect();
    assert!(!matching.is_empty(), "the hook runs on {staged:?}");
    let mut args: Vec<&str> = entry.split_whitespace().skip(1).collect();
    if pass {
        args.extend(matching);
    }
    bibkit(repo, &args)
}

#[test]
fn the_pre_commit_hook_passes_a_commit_that_touches_only_a_readme_or_a_chapter() {
    let repo = tempfile::tempdir().unwrap();
    let copy = |from: &Path, to: &Path| {
        for e in walk(from) {
            let rel = e.strip_prefix(from).unwrap();
            let dest = to.join(rel);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(&e, &dest).unwrap();
        }
    };
    copy(&fixtures().join("pandoc"), repo.path());
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .current_dir(repo.path())
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.org")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.org")
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    // A clean project: the undefined citation of the fixture removed.
    let paper = std::fs::read_to_string(repo.path().join("paper.md")).unwrap();
    std::fs::write(
        repo.path().join("paper.md"),
        paper.replace("; so does [-@nosuchkey]", ""),
    )
    .unwrap();
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "paper"]);
    std::fs::write(
        repo.path().join("README.md"),
        "# Notes\n\nWrite to ada@example.org.\n",
    )
    .unwrap();
    git(&["add", "README.md"]);
    let (out, err, code) = run_hook(repo.path(), &["README.md"]);
    assert_eq!(code, 0, "{out}{err}");
    // A chapter of a LaTeX project, alone in a commit.
    std::fs::create_dir(repo.path().join("thesis")).unwrap();
    copy(&fixtures().join("thesis"), &repo.path().join("thesis"));
    let (out, _, code) = run_hook(repo.path(), &["thesis/chapters/results.tex"]);
    // The thesis fixture has findings of its own: the hook reports the project's, never
    // "no bibliography" for the chapter.
    assert_eq!(code, 1);
    assert!(
        out.contains("thesis/chapters/methods.tex:3:10: error[undefined-citation]"),
        "{out}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_document_without_citations_or_bibliography_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("README.md"),
        "# Hello\n\nMail me@example.org.\n",
    )
    .unwrap();
    let (out, err, code) = bibkit(dir.path(), &["check", "README.md"]);
    assert_eq!((out.as_str(), err.as_str(), code), ("", "", 0));
}

#[test]
fn build_files_name_the_bibliographies_and_the_citations() {
    // LaTeX's `.aux` (with `\@input` for an `\include`d chapter and `\bibdata` naming
    // three files, one twice by another path) and biblatex's `.bcf` (three datasources):
    // the macros of `abbrev.bib` and the crossref into `proceedings.bib` resolve, and the
    // one citation no file defines is found where it is cited.
    let dir = fixtures().join("built");
    let (aux, err, code) = bibkit(&dir, &["check", "main.aux"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        findings(&aux),
        [
            "chapters/rpc.aux:4:11: error[undefined-citation]: `nelson81` is cited but no bibliography defines it"
        ]
    );
    assert_eq!(err, "bibkit: 1 error, 0 warnings, 0 notes\n");
    let (bcf, err, code) = bibkit(&dir, &["check", "main.bcf"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        findings(&bcf),
        [
            "main.bcf:18:41: error[undefined-citation]: `nelson81` is cited but no bibliography defines it"
        ]
    );
    // As a pre-filter: the same bibliographies given by hand find the same problem.
    let (by_hand, _, code) = bibkit(
        &dir,
        &[
            "check",
            "abbrev.bib",
            "refs.bib",
            "proceedings.bib",
            "--cited",
            "main.bcf",
        ],
    );
    assert_eq!((findings(&by_hand), code), (findings(&bcf), 1));
}
