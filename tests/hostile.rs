//! Hostile and unusual input, end to end: every attack of `tests/common/hostile.rs` (at
//! sizes small enough for a debug build) keeps an exit status of 0, 1 or 2 and gives the
//! output it should; files are never lost or half written; nothing a file holds reaches a
//! terminal or a CI log as a control character. How each attack's time grows is measured
//! by `benches/hostile.rs`, not here.

#[path = "common/hostile.rs"]
mod hostile;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_bibkit"))
}

/// Runs bibkit, failing the test if it does not finish within a minute (a hang).
fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bibkit");
    if let Some(data) = stdin {
        let mut w = child.stdin.take().unwrap();
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = w.write_all(&data);
        });
    }
    // Read the pipes while waiting, so a large output cannot block the child.
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let (o, e) = (read(Box::new(out)), read(Box::new(err)));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("bibkit {args:?} did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: o.join().unwrap(),
        stderr: e.join().unwrap(),
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    run_in(dir, args, None)
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or_else(|| panic!("killed: {o:?}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// The names in a directory.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------- every attack, small

#[test]
fn every_attack_keeps_its_exit_status_in_0_1_2() {
    for a in hostile::time_attacks() {
        let dir = tmp();
        // Small sizes: the debug build is slow, and growth is the bench's business.
        let n = match a.unit {
            "bytes" => 200_000,
            "entries" => 2_000,
            "fields" => 2_000,
            "authors" => 1_000,
            "names" => 500,
            "levels" => 200,
            _ => 1_000,
        };
        let args = (a.build)(n, dir.path());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(dir.path(), &args);
        let c = code(&o);
        assert!(
            (0..=2).contains(&c),
            "{}: exit {c}\n{}",
            a.id,
            text(&o.stderr)
        );
        // Nothing a file holds becomes a control character in what is printed.
        let err = text(&o.stderr);
        assert!(
            !err.contains(['\u{1b}', '\r']),
            "{}: control characters in stderr",
            a.id
        );
    }
}

#[test]
fn one_line_of_entries_is_read_whole() {
    let dir = tmp();
    let bib = hostile::one_line_bib(100_000);
    let count = bib.matches("@misc").count();
    std::fs::write(dir.path().join("a.bib"), &bib).unwrap();
    let o = run(dir.path(), &["convert", "a.bib", "--to", "csl-json"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), count);
    // A finding at the end of the long line shows a window of it, not the line.
    std::fs::write(
        dir.path().join("b.bib"),
        format!("{}@misc{{x, date = {{nope}}}}", bib),
    )
    .unwrap();
    let o = run(dir.path(), &["check", "b.bib"]);
    let out = text(&o.stdout);
    let snippet = out.lines().find(|l| l.starts_with("1 |")).unwrap();
    assert!(snippet.chars().count() < 140, "{snippet}");
    assert!(
        out.contains(&format!("b.bib:1:{}:", bib.chars().count() + 17)),
        "{out}"
    );
}

#[test]
fn unclosed_groups_in_documents_cite_nothing() {
    let dir = tmp();
    std::fs::write(dir.path().join("refs.bib"), "@misc{k0, title = {T}}\n").unwrap();
    for (name, body) in [
        ("a.tex", hostile::repeated("\\cite[", 50_000)),
        ("b.tex", hostile::repeated("\\bibliography{", 50_000)),
        ("c.aux", hostile::repeated("\\citation{", 50_000)),
        ("d.bcf", hostile::repeated("<bcf:datasource", 50_000)),
        ("e.md", hostile::repeated("@{", 50_000)),
    ] {
        std::fs::write(dir.path().join(name), body).unwrap();
        let o = run(dir.path(), &["check", "refs.bib", "--cited", name]);
        assert_eq!(code(&o), 0, "{name}: {}", text(&o.stderr));
        assert!(!text(&o.stdout).contains("undefined-citation"), "{name}");
    }
}

#[test]
fn a_long_citation_list_reports_each_undefined_key() {
    let dir = tmp();
    let (tex, keys) = hostile::long_cite(20_000);
    std::fs::write(dir.path().join("a.tex"), tex).unwrap();
    std::fs::write(dir.path().join("a.bib"), hostile::plain_bib(keys / 2)).unwrap();
    let o = run(
        dir.path(),
        &["check", "a.bib", "--cited", "a.tex", "--format", "json"],
    );
    assert_eq!(code(&o), 1);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let undefined = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "undefined-citation")
        .count();
    assert_eq!(undefined, keys - keys / 2);
}

#[test]
fn colliding_keys_and_many_fields_are_read() {
    let dir = tmp();
    std::fs::write(dir.path().join("a.bib"), hostile::colliding_keys(5_000)).unwrap();
    let o = run(dir.path(), &["convert", "a.bib", "--to", "csl-json"]);
    assert_eq!(code(&o), 0);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 5_000);
    std::fs::write(dir.path().join("b.bib"), hostile::many_fields(5_000)).unwrap();
    let o = run(dir.path(), &["check", "b.bib", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let dups = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "duplicate-field")
        .count();
    assert_eq!(dups, 2_500 - 1, "every repeated `journal`");
}

#[test]
fn invalid_bytes_skip_only_their_entries() {
    let dir = tmp();
    let mut bytes = hostile::invalid_bytes(3_000);
    bytes.extend_from_slice(b"@misc{fine, title = {Fine}}\n");
    std::fs::write(dir.path().join("a.bib"), bytes).unwrap();
    let o = run(dir.path(), &["convert", "a.bib", "--to", "csl-json"]);
    assert_eq!(code(&o), 1);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(
        text(&o.stderr).matches("error[invalid-encoding]").count(),
        3_000
    );
}

#[test]
fn duplicate_detection_in_a_large_block_still_finds_the_copy() {
    let dir = tmp();
    let mut bib = hostile::same_author_year(2_000);
    bib.push_str(
        "@article{copy, author = {Doe, Jane}, title = {The one copied title of this file}, journal = {J}, year = 2000}\n",
    );
    bib.push_str(
        "@article{copy2, author = {Doe, Jane}, title = {The one copied title of this file}, journal = {J}, year = 2000}\n",
    );
    std::fs::write(dir.path().join("a.bib"), bib).unwrap();
    let o = run(dir.path(), &["check", "a.bib", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let found: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "duplicate-entry")
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["copy2"]);
}

#[test]
fn a_listing_with_thousands_of_authors_is_split() {
    let dir = tmp();
    std::fs::write(
        dir.path().join("a.listing"),
        hostile::listing_many_authors(3_000),
    )
    .unwrap();
    let o = run(dir.path(), &["convert", "a.listing", "--to", "csl-json"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json[0]["title"], "A Study of Things");
    assert_eq!(json[0]["author"].as_array().unwrap().len(), 3_000);
}

#[test]
fn a_listing_title_of_capitals_and_initials_is_split() {
    let dir = tmp();
    std::fs::write(
        dir.path().join("a.listing"),
        hostile::listing_initials_and_capitals(200_000),
    )
    .unwrap();
    let o = run(dir.path(), &["convert", "a.listing", "--to", "csl-json"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(json[0]["title"].as_str().unwrap().ends_with(" Title"));
    let families: Vec<&str> = json[0]["author"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["family"].as_str().unwrap())
        .collect();
    assert_eq!(families, ["SENDING", "NEUMANN", "Perkovsky", "deKleer"]);
}

// ---------------------------------------------------------------- explosions

#[test]
fn xdata_that_names_itself_back_is_a_cycle_not_a_hang() {
    let dir = tmp();
    std::fs::write(dir.path().join("a.bib"), hostile::xdata_fanout(12)).unwrap();
    let o = run(dir.path(), &["check", "a.bib"]);
    assert_eq!(code(&o), 1);
    let out = text(&o.stdout);
    assert!(
        out.contains("error[crossref-cycle]: `a`, `b` name each other in a cycle"),
        "{out}"
    );
    let o = run(dir.path(), &["convert", "a.bib", "--to", "csl-json"]);
    assert_eq!(code(&o), 0);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json[2]["title"], "T");
    // A chain longer than the limit is followed to the limit, with a warning.
    let mut chain = String::new();
    for i in 0..40 {
        chain.push_str(&format!("@book{{c{i}, crossref = {{c{}}}}}\n", i + 1));
    }
    chain.push_str("@book{c40, publisher = {P}}\n");
    std::fs::write(dir.path().join("b.bib"), chain).unwrap();
    let o = run(dir.path(), &["convert", "b.bib", "--to", "csl-json"]);
    assert!(
        text(&o.stderr).contains("is more than 32 entries long"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_doubling_string_bomb_is_refused_where_it_grows() {
    let dir = tmp();
    std::fs::write(
        dir.path().join("unused.bib"),
        hostile::string_bomb(60, false),
    )
    .unwrap();
    let o = run(dir.path(), &["check", "unused.bib"]);
    assert_eq!(code(&o), 1);
    let out = text(&o.stdout);
    assert!(
        out.contains(
            "unused.bib:21:9: error[macro-too-large]: `@string` `s20` expands to more than 1 MiB"
        ),
        "{out}"
    );
    std::fs::write(dir.path().join("used.bib"), hostile::string_bomb(60, true)).unwrap();
    let o = run(dir.path(), &["convert", "used.bib", "--to", "csl-json"]);
    assert_eq!(code(&o), 1);
    let err = text(&o.stderr);
    assert!(
        err.contains("used.bib:62:18: error[macro-too-large]: `s60` expands to more than 1 MiB"),
        "{err}"
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json[0]["title"], "s60");
    assert_eq!(json[1]["title"], "Fine");
}

#[test]
fn files_a_document_names_must_be_regular_and_small_enough() {
    let dir = tmp();
    let fifo = dir.path().join("pipe.bib");
    let made = Command::new("mkfifo").arg(&fifo).status();
    let mut names = vec!["/dev/zero", "/proc/self/status"];
    if made.is_ok_and(|s| s.success()) {
        names.push("pipe.bib");
    }
    for n in names {
        std::fs::write(
            dir.path().join("p.tex"),
            format!("\\addbibresource{{{n}}}\n"),
        )
        .unwrap();
        let o = run(dir.path(), &["check", "p.tex"]);
        assert_eq!(code(&o), 2, "{n}");
        let err = text(&o.stderr);
        assert!(
            err.contains("not a regular file") || err.contains("file of the system"),
            "{n}: {err}"
        );
    }
    // The size cap is configurable.
    std::fs::write(dir.path().join("big.bib"), hostile::plain_bib(100)).unwrap();
    std::fs::write(
        dir.path().join("bibkit.toml"),
        "[input]\nmax-input-size = \"1 kB\"\n",
    )
    .unwrap();
    let o = run(dir.path(), &["convert", "big.bib"]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("is larger than the input limit"),
        "{}",
        text(&o.stderr)
    );
    // The user may name a pipe or /dev/stdin: only the cap applies.
    std::fs::remove_file(dir.path().join("bibkit.toml")).unwrap();
    let o = run_in(
        dir.path(),
        &["convert", "/dev/stdin"],
        Some(b"@misc{k, title = {T}}"),
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
}

#[test]
fn running_out_of_memory_is_exit_2() {
    // An address-space limit below what the input needs.
    if !Path::new("/bin/sh").exists() {
        return;
    }
    let dir = tmp();
    std::fs::write(
        dir.path().join("huge.bib"),
        hostile::huge_field(120_000_000),
    )
    .unwrap();
    let o = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 300000 && exec {} convert huge.bib --to csl-json > /dev/null",
            bin().display()
        ))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("not enough memory"),
        "{}",
        text(&o.stderr)
    );
}

// ---------------------------------------------------------------- no data loss

#[test]
fn convert_into_its_own_input_or_through_a_link() {
    let dir = tmp();
    let p = dir.path();
    std::fs::write(
        p.join("r.bib"),
        "@MISC{a, title = {A}}\n@misc{b, title = {B}}\n",
    )
    .unwrap();
    let o = run(p, &["convert", "r.bib", "-o", "r.bib"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let after = std::fs::read_to_string(p.join("r.bib")).unwrap();
    assert!(
        after.contains("@misc{a,") && after.contains("@misc{b,"),
        "{after}"
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("r.bib", p.join("l.bib")).unwrap();
        let o = run(p, &["convert", "l.bib", "-o", "l.bib", "--to", "biblatex"]);
        assert_eq!(code(&o), 0);
        assert!(
            std::fs::symlink_metadata(p.join("l.bib"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::read_to_string(p.join("r.bib"))
                .unwrap()
                .contains("@misc{b,")
        );
    }
    // A broken input that is also the output is left as it was.
    let broken = "@misc{a, title = {A}\n@misc{b, title = {B}}\n";
    std::fs::write(p.join("broken.bib"), broken).unwrap();
    let o = run(p, &["convert", "broken.bib", "-o", "broken.bib"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        std::fs::read_to_string(p.join("broken.bib")).unwrap(),
        broken
    );
    assert!(text(&o.stderr).contains("is also an input"));
    assert!(
        names(p).iter().all(|n| !n.ends_with(".tmp")),
        "{:?}",
        names(p)
    );
}

#[test]
fn an_unreadable_input_or_a_full_disk_leaves_the_output_alone() {
    let dir = tmp();
    let p = dir.path();
    std::fs::write(p.join("old.json"), "old").unwrap();
    std::fs::write(p.join("a.bib"), "@misc{a}").unwrap();
    let o = run(p, &["convert", "a.bib", "missing.bib", "-o", "old.json"]);
    assert_eq!(code(&o), 2);
    assert_eq!(std::fs::read_to_string(p.join("old.json")).unwrap(), "old");
    #[cfg(target_os = "linux")]
    {
        let o = run(p, &["convert", "a.bib", "-o", "/dev/full"]);
        assert_eq!(code(&o), 2);
    }
    assert_eq!(names(p), ["a.bib", "old.json"]);
    // `-o -` is standard output.
    let o = run(p, &["convert", "a.bib", "-o", "-"]);
    assert!(text(&o.stdout).contains("@misc{a,"));
}

#[cfg(unix)]
#[test]
fn a_signal_while_writing_leaves_the_old_file_and_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tmp();
    let p = dir.path();
    std::fs::write(p.join("big.bib"), hostile::plain_bib(300_000)).unwrap();
    std::fs::write(p.join("out.json"), "old").unwrap();
    let mut child = Command::new(bin())
        .args(["convert", "big.bib", "--to", "csl-json", "-o", "out.json"])
        .current_dir(p)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the temporary file, then interrupt.
    let start = Instant::now();
    let mut seen = false;
    while start.elapsed() < Duration::from_secs(60) {
        if names(p).iter().any(|n| n.starts_with(".out.json.bibkit-")) {
            seen = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(
        seen,
        "the conversion finished before its temporary file was seen"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert_eq!(std::fs::read_to_string(p.join("out.json")).unwrap(), "old");
    assert!(
        names(p).iter().all(|n| !n.ends_with(".tmp")),
        "{:?}",
        names(p)
    );
}

#[test]
fn a_temporary_file_left_by_a_killed_run_is_cleaned_up() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let dir = tmp();
    let p = dir.path();
    std::fs::write(p.join("a.bib"), "@misc{a}").unwrap();
    // A process that no longer runs (above the kernel's largest pid).
    std::fs::write(p.join(".out.bib.bibkit-4999999-0.tmp"), "half").unwrap();
    let o = run(p, &["convert", "a.bib", "-o", "out.bib"]);
    assert_eq!(code(&o), 0);
    assert_eq!(names(p), ["a.bib", "out.bib"]);
}

#[test]
fn fmt_write_refuses_what_it_could_not_replace_safely() {
    let dir = tmp();
    let p = dir.path();
    let messy = "@MISC{x,title={T}}\n";
    // Read-only.
    std::fs::write(p.join("ro.bib"), messy).unwrap();
    let mut perm = std::fs::metadata(p.join("ro.bib")).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(p.join("ro.bib"), perm).unwrap();
    let o = run(p, &["fmt", "--write", "ro.bib"]);
    assert_eq!(code(&o), 1);
    assert!(text(&o.stderr).contains("is read-only"));
    assert_eq!(std::fs::read_to_string(p.join("ro.bib")).unwrap(), messy);
    // Hard links.
    std::fs::write(p.join("h.bib"), messy).unwrap();
    std::fs::hard_link(p.join("h.bib"), p.join("h2.bib")).unwrap();
    let o = run(p, &["fmt", "--write", "h.bib"]);
    assert_eq!(code(&o), 1);
    assert!(text(&o.stderr).contains("hard links"));
    assert_eq!(std::fs::read_to_string(p.join("h2.bib")).unwrap(), messy);
    // Standard input and other files that are not regular.
    let o = run_in(p, &["fmt", "--write", "/dev/stdin"], Some(messy.as_bytes()));
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("not a regular file"));
    std::fs::create_dir(p.join("dir.bib")).unwrap();
    let o = run(p, &["fmt", "--write", "dir.bib"]);
    assert_eq!(code(&o), 1);
    assert!(names(p).iter().all(|n| !n.ends_with(".tmp")));
}

#[cfg(unix)]
#[test]
fn fmt_write_keeps_the_owner() {
    use std::os::unix::fs::MetadataExt;
    let dir = tmp();
    let p = dir.path().join("o.bib");
    std::fs::write(&p, "@MISC{x,title={T}}\n").unwrap();
    // Only root can give a file away; elsewhere the owner is the user, which is kept too.
    let _ = std::os::unix::fs::chown(&p, Some(4321), Some(4321));
    let before = std::fs::metadata(&p).unwrap();
    let o = run(dir.path(), &["fmt", "--write", "o.bib"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let after = std::fs::metadata(&p).unwrap();
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    assert!(std::fs::read_to_string(&p).unwrap().starts_with("@misc{x,"));
}

#[test]
fn shift_jis_bytes_the_formatter_did_not_touch_stay() {
    let dir = tmp();
    // 0xED40 (NEC's copy of an IBM character) decodes to a character whose Shift_JIS
    // encoding is 0xFA5C: encoding the text again would change it.
    let src = b"@MISC{k,TITLE={\xed\x40\x93\xfa},Note=\"\xed\x40\"}\n";
    std::fs::write(dir.path().join("sj.bib"), src).unwrap();
    let o = run(
        dir.path(),
        &["fmt", "--write", "--encoding", "shift_jis", "sj.bib"],
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let after = std::fs::read(dir.path().join("sj.bib")).unwrap();
    assert_eq!(
        after,
        b"@misc{k,\n  title = {\xed\x40\x93\xfa},\n  note  = {\xed\x40},\n}\n"
    );
}

#[test]
fn cr_only_files_and_utf16() {
    let dir = tmp();
    let p = dir.path();
    std::fs::write(
        p.join("cr.bib"),
        "% old Mac file\r@misc{a, title = {A}}\r@misc{b}\r",
    )
    .unwrap();
    let o = run(p, &["convert", "cr.bib", "--to", "csl-json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    // With a byte-order mark UTF-16 is read (and fmt writes it back in UTF-16).
    let bom: Vec<u8> = "\u{feff}@MISC{a, title = {Ä}}\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(p.join("u16.bib"), &bom).unwrap();
    let o = run(p, &["convert", "u16.bib", "--to", "csl-json"]);
    assert_eq!(code(&o), 0);
    assert!(text(&o.stdout).contains("\"title\": \"Ä\""));
    let o = run(p, &["fmt", "--write", "u16.bib"]);
    assert_eq!(code(&o), 0);
    let written = std::fs::read(p.join("u16.bib")).unwrap();
    let expect: Vec<u8> = "\u{feff}@misc{a,\n  title = {Ä},\n}\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!(written, expect);
    // Without one, it is an error that names the encoding to pass, and nothing is read.
    let plain: Vec<u8> = "@misc{a, title = {A}}\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(p.join("u16n.bib"), &plain).unwrap();
    for args in [
        vec!["convert", "u16n.bib"],
        vec!["check", "u16n.bib"],
        vec!["fmt", "--write", "u16n.bib"],
    ] {
        let o = run(p, &args);
        assert_eq!(code(&o), 1, "{args:?}");
        let all = text(&o.stderr) + &text(&o.stdout);
        assert!(all.contains("--encoding utf-16le"), "{args:?}: {all}");
    }
    assert_eq!(std::fs::read(p.join("u16n.bib")).unwrap(), plain);
    // Only entries in comments: a warning.
    std::fs::write(p.join("c.bib"), "% @article{a, title = {A}}\n").unwrap();
    let o = run(p, &["check", "c.bib"]);
    assert!(text(&o.stdout).contains("warning[entries-in-comment]"));
    // The replacement encoding reads everything as U+FFFD: refused.
    let o = run(p, &["convert", "c.bib", "--encoding", "replacement"]);
    assert_eq!(code(&o), 2);
}

// ---------------------------------------------------------------- injection

#[test]
fn nothing_in_a_file_becomes_a_workflow_command_or_an_escape() {
    let dir = tmp();
    let p = dir.path();
    let bib = "@misc{k\u{1b}]0;owned\u{7}, date = {x\n::error file=a::injected}, title = {T\r::add-mask::secret}}\n@misc{k\u{1b}]0;owned\u{7}, title = {again}}\n";
    std::fs::write(p.join("a.bib"), bib).unwrap();
    std::fs::write(
        p.join("a.tex"),
        "\\cite{x\u{1b}[2J} \\addbibresource{a.bib}\n\\addbibresource{new\u{85}::stop-commands::x}\n",
    )
    .unwrap();
    for format in ["human", "github"] {
        let o = run(
            p,
            &[
                "check", "a.tex", "a.bib", "--format", format, "--cited", "a.tex",
            ],
        );
        let all = text(&o.stdout) + &text(&o.stderr);
        assert!(
            !all.contains(['\u{1b}', '\r', '\u{7}', '\u{85}']),
            "{format}: {all:?}"
        );
        for line in all.lines() {
            if format == "github" && line.starts_with("::") {
                assert!(
                    ["::error ", "::warning ", "::notice "]
                        .iter()
                        .any(|c| line.starts_with(c)),
                    "{line}"
                );
                assert!(
                    !line.contains("::add-mask::") || line.starts_with("::"),
                    "{line}"
                );
            } else {
                assert!(!line.starts_with("::"), "{format}: {line}");
            }
        }
    }
    for args in [vec!["convert", "a.bib"], vec!["fmt", "--check", "a.bib"]] {
        let o = run(p, &args);
        let err = text(&o.stderr);
        assert!(
            !err.contains(['\u{1b}', '\r', '\u{7}']),
            "{args:?}: {err:?}"
        );
        assert!(err.lines().all(|l| !l.starts_with("::")), "{args:?}: {err}");
    }
    let o = run(p, &["fmt", "--check", "a.bib"]);
    let diff = text(&o.stdout);
    assert!(!diff.contains(['\u{1b}', '\u{7}']), "{diff:?}");
    assert!(diff.lines().all(|l| !l.starts_with("::")), "{diff}");
}
