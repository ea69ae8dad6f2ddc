//! `bibkit fmt`, end to end: standard output, `--check`, `--write` (atomic, permissions and
//! links kept, broken files refused), encodings and the configuration file.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn bibkit() -> Command {
    Command::cargo_bin("bibkit").unwrap()
}

const MESSY: &str = "% My references\n@Article{Knuth84,\n  Author=\"Donald E. Knuth\",Title={Literate {P}rogramming},\n  journal = cj,YEAR=1984, month=may}\n@STRING{cj = \"The Computer Journal\"}\n";

const TIDY: &str = "% My references\n@article{Knuth84,\n  author  = {Donald E. Knuth},\n  title   = {Literate {P}rogramming},\n  journal = cj,\n  year    = 1984,\n  month   = may,\n}\n\n@string{cj = {The Computer Journal}}\n";

fn file(dir: &Path, name: &str, text: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn prints_the_canonical_style() {
    let dir = tempfile::tempdir().unwrap();
    let p = file(dir.path(), "refs.bib", MESSY.as_bytes());
    bibkit()
        .arg("fmt")
        .arg(&p)
        .assert()
        .success()
        .stderr("")
        .stdout(TIDY);
    // The file itself is untouched without --write.
    assert_eq!(std::fs::read_to_string(&p).unwrap(), MESSY);
}

#[test]
fn reads_standard_input() {
    for args in [vec!["fmt"], vec!["fmt", "-"]] {
        bibkit()
            .args(&args)
            .write_stdin(MESSY)
            .assert()
            .success()
            .stdout(TIDY);
    }
}

#[test]
fn check_prints_a_unified_diff_and_fails_only_when_unformatted() {
    let dir = tempfile::tempdir().unwrap();
    let messy = file(dir.path(), "messy.bib", MESSY.as_bytes());
    let tidy = file(dir.path(), "tidy.bib", TIDY.as_bytes());
    bibkit()
        .args(["fmt", "--check"])
        .arg(&messy)
        .arg(&tidy)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "--- {}\n+++ {} (formatted)\n",
            messy.display(),
            messy.display()
        )))
        .stdout(predicate::str::contains(
            "-@STRING{cj = \"The Computer Journal\"}",
        ))
        .stdout(predicate::str::contains(
            "+@string{cj = {The Computer Journal}}",
        ))
        .stdout(predicate::str::contains("@@ -1,"))
        .stdout(predicate::str::contains("tidy.bib").not());
    bibkit()
        .args(["fmt", "--check"])
        .arg(&tidy)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    // --check never writes.
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), MESSY);
}

#[test]
fn write_rewrites_in_place_keeping_permissions_and_links() {
    let dir = tempfile::tempdir().unwrap();
    let p = file(dir.path(), "refs.bib", MESSY.as_bytes());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        std::os::unix::fs::symlink("refs.bib", dir.path().join("link.bib")).unwrap();
    }
    let target = if cfg!(unix) {
        dir.path().join("link.bib")
    } else {
        p.clone()
    };
    bibkit()
        .args(["fmt", "--write"])
        .arg(&target)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), TIDY);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        let link = std::fs::symlink_metadata(dir.path().join("link.bib")).unwrap();
        assert!(link.file_type().is_symlink(), "the link was replaced");
    }
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".bibkit-fmt-")),
        "{names:?}"
    );
    // A formatted file is a fixed point.
    bibkit().args(["fmt", "--check"]).arg(&p).assert().success();
}

#[test]
fn write_refuses_a_file_with_syntax_errors() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "@Article{a, title={Unclosed}\n@Book{b,Title={Fine}}\n";
    let p = file(dir.path(), "broken.bib", broken.as_bytes());
    let ok = file(dir.path(), "ok.bib", MESSY.as_bytes());
    bibkit()
        .args(["fmt", "--write"])
        .arg(&p)
        .arg(&ok)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("broken.bib:2:1: error[syntax]:"))
        .stderr(predicate::str::contains("in entry `a`"))
        .stderr(predicate::str::contains("has errors; not rewritten"));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), broken);
    // The other file is still formatted.
    assert_eq!(std::fs::read_to_string(&ok).unwrap(), TIDY);
    // On standard output the broken entry is printed as written, the rest formatted.
    bibkit()
        .arg("fmt")
        .arg(&p)
        .assert()
        .code(1)
        .stdout("@Article{a, title={Unclosed}\n@book{b,\n  title = {Fine},\n}\n");
}

#[test]
fn invalid_utf8_is_left_as_it_is_and_encodings_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let latin1 = b"@Book{x,Title={\xc9t\xe9}}\n";
    let p = file(dir.path(), "latin1.bib", latin1);
    // Without --encoding: an error with its position, the bytes printed unchanged.
    bibkit()
        .arg("fmt")
        .arg(&p)
        .assert()
        .code(1)
        .stdout(predicate::eq(&latin1[..]))
        .stderr(predicate::str::contains(
            "latin1.bib:1:16: error[invalid-encoding]: invalid UTF-8; the file is left as it is",
        ));
    bibkit().args(["fmt", "--write"]).arg(&p).assert().code(1);
    assert_eq!(std::fs::read(&p).unwrap(), latin1);
    // With it: formatted and written back in Latin-1.
    bibkit()
        .args(["fmt", "--write", "--encoding", "latin1"])
        .arg(&p)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&p).unwrap(),
        b"@book{x,\n  title = {\xc9t\xe9},\n}\n"
    );
}

#[test]
fn byte_order_mark_and_crlf_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = file(
        dir.path(),
        "win.bib",
        b"\xEF\xBB\xBF% notes\r\n@Book{x,Title={A},\r\n note={two\r\nlines}}\r\n",
    );
    bibkit().args(["fmt", "--write"]).arg(&p).assert().success();
    assert_eq!(
        std::fs::read(&p).unwrap(),
        b"\xEF\xBB\xBF% notes\r\n@book{x,\r\n  title = {A},\r\n  note  = {two\r\nlines},\r\n}\r\n"
    );
}

#[test]
fn options_come_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    file(
        dir.path(),
        "refs.bib",
        b"@misc{zeta, year = 2001, title = {Z}, author = {A}}\n@misc{alpha, title = {A}}\n",
    );
    file(
        dir.path(),
        "bibkit.toml",
        b"[fmt]\nindent = 4\nalign = false\nsort-entries = \"key\"\nsort-fields = true\n",
    );
    bibkit()
        .current_dir(dir.path())
        .args(["fmt", "refs.bib"])
        .assert()
        .success()
        .stdout("@misc{alpha,\n    title = {A},\n}\n\n@misc{zeta,\n    author = {A},\n    title = {Z},\n    year = 2001,\n}\n");
    file(
        dir.path(),
        "bad.toml",
        b"[fmt]\nsort-entries = \"colour\"\n",
    );
    bibkit()
        .current_dir(dir.path())
        .args(["fmt", "--config", "bad.toml", "refs.bib"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("write none, key, year or type"));
}

#[test]
fn usage_errors_exit_2() {
    bibkit()
        .args(["fmt", "--write"])
        .write_stdin(MESSY)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--write needs files"));
    bibkit()
        .args(["fmt", "--check", "--write", "x.bib"])
        .assert()
        .code(2);
    bibkit()
        .args(["fmt", "no-such-file.bib"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read no-such-file.bib"));
    bibkit()
        .args(["fmt", "--encoding", "klingon", "x.bib"])
        .assert()
        .code(2);
}

#[test]
fn the_readme_style_example_is_formatted() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("## Formatting").expect("fmt section")..];
    let start = section.find("```bibtex\n").expect("a bibtex example") + "```bibtex\n".len();
    let example = &section[start..start + section[start..].find("```").unwrap()];
    bibkit()
        .args(["fmt", "--check"])
        .write_stdin(example)
        .assert()
        .success()
        .stdout("");
}
