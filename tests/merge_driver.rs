//! `bibkit merge-driver` in a real git repository (two branches merged through the
//! driver, as `.gitattributes` and `git config` set it up), and `bibkit diff`.

mod common;

use std::path::Path;
use std::process::Command;

use common::bibkit;

fn git(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.org")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.org")
        .output()
        .expect("git runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

const BASE: &str = "@article{a,
  title  = {Graph Hashing},
  author = {Li, Hua},
  year   = 2019,
}

@book{b,
  title     = {The Art of Typesetting},
  publisher = {Press},
  year      = 2001,
}

@misc{c,
  title = {To Be Removed},
}
";

/// A repository with `refs.bib` at `BASE` on `main` and the driver configured.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(git(d, &["init", "-q", "-b", "main"]).0);
    let bin = assert_cmd::cargo::cargo_bin("bibkit");
    let driver = format!("{} merge-driver %O %A %B", bin.display());
    assert!(git(d, &["config", "merge.bibkit.name", "bibkit"]).0);
    assert!(git(d, &["config", "merge.bibkit.driver", &driver]).0);
    std::fs::write(d.join(".gitattributes"), "*.bib merge=bibkit\n").unwrap();
    std::fs::write(d.join("refs.bib"), BASE).unwrap();
    assert!(git(d, &["add", "."]).0);
    assert!(git(d, &["commit", "-q", "-m", "base"]).0);
    dir
}

fn commit_on(d: &Path, branch: &str, text: &str) {
    let (ok, out) = git(d, &["checkout", "-q", "-B", branch]);
    assert!(ok, "{out}");
    std::fs::write(d.join("refs.bib"), text).unwrap();
    let (ok, out) = git(d, &["commit", "-q", "-am", branch]);
    assert!(ok, "{out}");
}

#[test]
fn changes_to_different_entries_and_fields_merge_cleanly() {
    let dir = repo();
    let d = dir.path();
    // Theirs: a new title for `a`, a new entry.
    let theirs = BASE.replace("{Graph Hashing}", "{Deep Graph Hashing}")
        + "\n@misc{d,\n  title = {Added by Them},\n}\n";
    commit_on(d, "theirs", &theirs);
    // Ours (from the base): `b`'s year, `c` removed.
    assert!(git(d, &["checkout", "-q", "main"]).0);
    let ours = BASE
        .replace("year      = 2001", "year      = 2002")
        .replace("\n@misc{c,\n  title = {To Be Removed},\n}\n", "");
    commit_on(d, "main", &ours);
    let (ok, out) = git(d, &["merge", "-q", "--no-edit", "theirs"]);
    assert!(ok, "{out}");
    let merged = std::fs::read_to_string(d.join("refs.bib")).unwrap();
    assert_eq!(
        merged,
        "@article{a,
  title  = {Deep Graph Hashing},
  author = {Li, Hua},
  year   = 2019,
}

@book{b,
  title     = {The Art of Typesetting},
  publisher = {Press},
  year      = 2002,
}

@misc{d,
  title = {Added by Them},
}
"
    );
}

#[test]
fn one_field_changed_on_both_sides_is_a_conflict_inside_the_entry() {
    let dir = repo();
    let d = dir.path();
    commit_on(d, "theirs", &BASE.replace("year   = 2019", "year   = 2020"));
    assert!(git(d, &["checkout", "-q", "main"]).0);
    commit_on(d, "main", &BASE.replace("year   = 2019", "year   = 2018"));
    let (ok, out) = git(d, &["merge", "--no-edit", "theirs"]);
    assert!(!ok, "{out}");
    assert!(out.contains("CONFLICT"), "{out}");
    let merged = std::fs::read_to_string(d.join("refs.bib")).unwrap();
    assert!(
        merged.starts_with(
            "@article{a,\n  title  = {Graph Hashing},\n  author = {Li, Hua},\n<<<<<<< ours\n  year = 2018,\n=======\n  year = 2020,\n>>>>>>> theirs\n}\n"
        ),
        "{merged}"
    );
    // The rest is as it was, and `bibkit check` points at the conflict.
    assert!(merged.ends_with(&BASE[BASE.find("\n@book{b").unwrap()..]));
    let (out, _, code) = bibkit(d, &["check", "refs.bib"]);
    assert_eq!(code, 1);
    assert!(out.contains("refs.bib:4:"), "{out}");
}

#[test]
fn one_side_running_fmt_merges_with_the_others_change() {
    let dir = repo();
    let d = dir.path();
    // Theirs writes the file another way (one line per entry) and changes nothing else.
    let squashed = "@article{a, title = {Graph Hashing}, author = {Li, Hua}, year = 2019}\n\n\
                    @book{b, title = \"The Art of Typesetting\", publisher = {Press}, year = 2001}\n\n\
                    @misc{c, title = {To Be Removed}}\n";
    commit_on(d, "theirs", squashed);
    assert!(git(d, &["checkout", "-q", "main"]).0);
    let ours = BASE.replace("{Press}", "{Big Press}");
    commit_on(d, "main", &ours);
    let (ok, out) = git(d, &["merge", "-q", "--no-edit", "theirs"]);
    assert!(ok, "{out}");
    assert_eq!(std::fs::read_to_string(d.join("refs.bib")).unwrap(), ours);
    // And the other way round: our side formatted, theirs changed a field.
    let dir = repo();
    let d = dir.path();
    commit_on(d, "theirs", &BASE.replace("{Press}", "{Big Press}"));
    assert!(git(d, &["checkout", "-q", "main"]).0);
    commit_on(d, "main", squashed);
    let (ok, out) = git(d, &["merge", "-q", "--no-edit", "theirs"]);
    assert!(ok, "{out}");
    assert_eq!(
        std::fs::read_to_string(d.join("refs.bib")).unwrap(),
        squashed.replace("{Press}", "{Big Press}")
    );
}

#[test]
fn diff_ignores_layout_and_says_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("old.bib"), BASE).unwrap();
    let new = "@article{a, title = {Graph Hashing}, author = {Li, Hua}, year = 2020, note = {N}}\n\n\
               @book{typesetting, title = \"The Art of Typesetting\", publisher = {Press}, year = 2001}\n\n\
               @misc{e, title = {New}}\n";
    std::fs::write(d.join("new.bib"), new).unwrap();
    let (out, _, code) = bibkit(d, &["diff", "old.bib", "new.bib"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "+ e\n- c\n~ b -> typesetting (re-keyed)\n~ a\n    year: 2019 -> 2020\n  + note = {N}\n"
    );
    let (json, _, _) = bibkit(d, &["diff", "old.bib", "new.bib", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["rekeyed"][0]["new"], "typesetting");
    assert_eq!(v["changed"][0]["fields"][0]["name"], "year");
    // The same bibliography written another way: no difference.
    let squashed = "@article{a, title = {Graph Hashing}, author = {Li, Hua}, year = 2019}\n\
                    @misc{c, title = {To Be Removed}}\n\
                    @book{b, title = \"The Art of Typesetting\", publisher = {Press}, year = 2001}\n";
    std::fs::write(d.join("same.bib"), squashed).unwrap();
    let (out, _, code) = bibkit(d, &["diff", "old.bib", "same.bib"]);
    assert_eq!((out.as_str(), code), ("", 0));
}
