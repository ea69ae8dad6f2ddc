//! Growth of every hostile-input attack: the release binary runs each attack of
//! `tests/common/hostile.rs` at n and 4n, and this prints the wall time of both, the growth
//! exponent `log4(t(4n) / t(n))` (1 is linear; the goal is at most 1.15), the time at the
//! size the attack was reported at, the peak resident memory at 4n against the input size,
//! and the exit status (always 0, 1 or 2).
//!
//! ```sh
//! cargo bench --bench hostile                    # every attack
//! cargo bench --bench hostile -- string-bomb     # attacks whose id contains a word
//! BIBKIT_BIN=/path/to/bibkit cargo bench --bench hostile   # another build, for comparison
//! ```
//!
//! Each run is repeated (`BIBKIT_HOSTILE_RUNS`, default 3) and the fastest kept; a run is
//! stopped after `BIBKIT_HOSTILE_TIMEOUT` seconds (default 60). With `BIBKIT_BIG_BIB` (or
//! `target/big.bib`, built by `../shared/bench/make-big-bib.sh 100 target/big.bib`) the
//! memory table also has every command on that file.
#![allow(unsafe_code)]

mod common;
#[path = "../tests/common/hostile.rs"]
mod hostile;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hostile::Attack;

/// What one run gave.
#[derive(Debug, Clone, Copy)]
struct Measured {
    secs: f64,
    /// Peak resident set, bytes.
    peak: u64,
    /// Exit status, or `None` when killed (by a signal or the timeout).
    status: Option<i32>,
    timed_out: bool,
}

fn binary() -> PathBuf {
    std::env::var_os("BIBKIT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_bibkit")))
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Gives the memory this process freed back to the system. A child's peak resident memory
/// (`ru_maxrss`) counts the image it was forked from until its `exec` (a copy of this
/// process), so the bench must not hold the inputs it generated when it starts one.
fn release_memory() {
    // SAFETY: glibc's malloc_trim only returns free heap pages; no pointers change.
    #[cfg(target_env = "gnu")]
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Runs the binary once, reaping it with `wait4` for its peak memory.
#[allow(clippy::zombie_processes)] // reaped by `wait4` below
fn run_once(bin: &Path, args: &[String], timeout: Duration) -> Measured {
    release_memory();
    let start = Instant::now();
    let mut command = Command::new(bin);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // A `pre_exec` hook makes the standard library fork instead of vfork: a vforked child
    // shares this process's memory until its `exec`, and its peak then counts this
    // process's own highest peak.
    // SAFETY: the hook does nothing, so it is async-signal-safe.
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(|| Ok(()));
    }
    let mut child = command.spawn().expect("start bibkit");
    let pid = child.id() as libc::pid_t;
    let mut timed_out = false;
    loop {
        let mut status = 0;
        // SAFETY: `rusage` is plain data that wait4 fills in; `pid` is our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            let secs = start.elapsed().as_secs_f64();
            let exited = libc::WIFEXITED(status);
            return Measured {
                secs,
                peak: usage.ru_maxrss as u64 * 1024,
                status: exited.then(|| libc::WEXITSTATUS(status)),
                timed_out,
            };
        }
        if r < 0 {
            panic!("wait4 failed: {}", std::io::Error::last_os_error());
        }
        if !timed_out && start.elapsed() > timeout {
            let _ = child.kill();
            timed_out = true;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// The fastest of `runs` runs (stopping early after a timeout).
fn run(bin: &Path, args: &[String], runs: u64, timeout: Duration) -> Measured {
    let mut best: Option<Measured> = None;
    for _ in 0..runs {
        let m = run_once(bin, args, timeout);
        let done = m.timed_out;
        best = Some(match best {
            Some(b) if b.secs <= m.secs => Measured {
                peak: b.peak.max(m.peak),
                ..b
            },
            _ => m,
        });
        if done {
            break;
        }
    }
    best.expect("at least one run")
}

fn status(m: &Measured) -> String {
    match (m.timed_out, m.status) {
        (true, _) => "timeout".to_string(),
        (false, Some(s)) => s.to_string(),
        (false, None) => "signal".to_string(),
    }
}

fn time(m: &Measured) -> String {
    if m.timed_out {
        format!(">{:.0} s", m.secs)
    } else if m.secs < 1.0 {
        format!("{:.0} ms", m.secs * 1000.0)
    } else {
        format!("{:.2} s", m.secs)
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The size n for the growth measurement: a quarter of the quoted size, but large enough
/// that a run takes more than process start-up.
fn growth_n(a: &Attack) -> usize {
    match a.unit {
        // Fan-outs and doublings are quoted at sizes too small to time; their growth is
        // measured on larger ones.
        "names" => 20_000,
        "levels" => 25_000,
        _ => a.quoted / 4,
    }
}

/// Hostile inputs for the readers the command line does not reach yet (MEDLINE, Web of
/// Science), timed in this process: an id, what it does, and a generator for n bytes.
type ReaderAttack = (
    &'static str,
    &'static str,
    fn(usize) -> String,
    fn(&str) -> usize,
);

fn reader_attacks() -> Vec<ReaderAttack> {
    fn medline(s: &str) -> usize {
        bibkit::formats::medline::read(s).bibliography.len()
    }
    fn wos(s: &str) -> usize {
        bibkit::formats::wos::read(s).bibliography.len()
    }
    vec![
        (
            "medline-one-long-record/read",
            "one MEDLINE record of continuation lines, authors with affiliations and repeated tags",
            |n| {
                let mut s = String::from("PMID- 1\n");
                let mut i = 0;
                while s.len() < n {
                    let _ = match i % 4 {
                        0 => writeln!(s, "FAU - Family{i}, Given\nAU  - Family{i} G"),
                        1 => writeln!(s, "AD  - Place {i}\n      continued {i}"),
                        2 => writeln!(s, "XX{} - dropped {i}", i % 10),
                        _ => writeln!(s, "TI  - Title {i}"),
                    };
                    i += 1;
                }
                s
            },
            medline,
        ),
        (
            "medline-many-records/read",
            "MEDLINE records whose tags each drop or guess something",
            |n| {
                let mut s = String::new();
                let mut i = 0;
                while s.len() < n {
                    let _ = writeln!(
                        s,
                        "PMID- {i}\nPT  - Odd\nDP  - 20{:02} 06 10\nIS  - 1234-5678 (Print)\nIS  - 9999-000{} (Electronic)\nAD  - nobody\nAID - x{i} [pii]\n",
                        i % 100,
                        i % 10
                    );
                    i += 1;
                }
                s
            },
            medline,
        ),
        (
            "wos-many-authors/read",
            "WoS records of many authors named in addresses and ORCID lists",
            |n| {
                let mut s = String::from("FN x\nVR 1.0\n");
                let mut i = 0;
                while s.len() < n {
                    s.push_str("PT J\nAF ");
                    for j in 0..200 {
                        let _ = write!(s, "Family{j}, Given\n   ");
                    }
                    let _ = writeln!(
                        s,
                        "\nC1 [Family0, Given; Family199, Given] Place {i}\nOI Family7, Given/0000-0002-1825-0097\nTI T\nER"
                    );
                    i += 1;
                }
                s.push_str("EF\n");
                s
            },
            wos,
        ),
        (
            "wos-broken-records/read",
            "WoS records without `ER`, with broken tag lines and stray lines",
            |n| {
                let mut s = String::new();
                let mut i = 0;
                while s.len() < n {
                    let _ = writeln!(
                        s,
                        "PT K\nAUGilles, H\nPD 9 {}\nPY 2006\nCR a\n   b\nAU stray\nER\nTI no type\nER",
                        i % 28 + 1
                    );
                    i += 1;
                }
                s
            },
            wos,
        ),
    ]
}

/// Times each reader attack at n and 4n bytes in this process (n = `BIBKIT_READER_N`,
/// default 5,000,000) and prints the growth.
fn readers(selected: &dyn Fn(&str) -> bool) {
    let time = |read: fn(&str) -> usize, s: &str| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(read(s));
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    };
    let mut header = false;
    for (id, about, make, read) in reader_attacks() {
        if !selected(id) {
            continue;
        }
        if !header {
            println!();
            println!("| reader attack (in process) | n | t(n) | t(4n) | exponent |");
            println!("|---|---|---|---|---|");
            header = true;
        }
        let n = env_num("BIBKIT_READER_N", 5_000_000) as usize;
        let (small, big) = (make(n), make(4 * n));
        let (a, b) = (time(read, &small), time(read, &big));
        println!(
            "| `{id}` ({about}) | {n} bytes | {:.3} s | {:.3} s | {:.2} |",
            a,
            b,
            (b / a.max(1e-6)).ln() / 4f64.ln()
        );
    }
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let bin = binary();
    let runs = env_num("BIBKIT_HOSTILE_RUNS", 3);
    let timeout = Duration::from_secs(env_num("BIBKIT_HOSTILE_TIMEOUT", 60));
    let selected = |id: &str| filter.is_empty() || filter.iter().any(|f| id.contains(f.as_str()));
    readers(&selected);
    println!("binary: {}", bin.display());
    println!();
    println!(
        "| attack | n | t(n) | t(4n) | exponent | at the quoted size | time | peak / input | exit |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for a in hostile::time_attacks() {
        if !selected(a.id) {
            continue;
        }
        let n = growth_n(&a);
        let dir = hostile::scratch(a.id);
        let small = run(&bin, &(a.build)(n, &dir), runs, timeout);
        let big_args = (a.build)(4 * n, &dir);
        let big_input = hostile::input_bytes(&dir);
        let big = run(&bin, &big_args, runs, timeout);
        let exponent = if small.timed_out || big.timed_out {
            "—".to_string()
        } else {
            format!("{:.2}", (big.secs / small.secs.max(1e-4)).ln() / 4f64.ln())
        };
        let (quoted, quoted_input) = if 4 * n == a.quoted {
            (big, big_input)
        } else {
            let q = (a.build)(a.quoted, &dir);
            let input = hostile::input_bytes(&dir);
            (run(&bin, &q, runs, timeout), input)
        };
        println!(
            "| `{}` | {} {} | {} | {} | {} | {} {} | {} | {:.1}× of {} | {} |",
            a.id,
            n,
            a.unit,
            time(&small),
            time(&big),
            exponent,
            a.quoted,
            a.unit,
            time(&quoted),
            quoted.peak as f64 / quoted_input.max(1) as f64,
            mb(quoted_input),
            status(&quoted),
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    cff_attacks(&selected, runs);
    xml_attacks(&selected);
    yaml_attacks(&selected, runs);
    println!();
    println!("| input | command | time | peak | peak / input | exit |");
    println!("|---|---|---|---|---|---|");
    for a in hostile::memory_attacks() {
        if !selected(a.id) {
            continue;
        }
        let dir = hostile::scratch(a.id);
        let args = (a.build)(a.quoted, &dir);
        let input = hostile::input_bytes(&dir);
        let m = run(&bin, &args, runs.min(2), timeout);
        println!(
            "| {} ({}) | `{}` | {} | {} | {:.2}× | {} |",
            a.about,
            mb(input),
            a.id,
            time(&m),
            mb(m.peak),
            m.peak as f64 / input.max(1) as f64,
            status(&m)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    let big = common::big_bib();
    if big.is_file() && selected("big") {
        let input = std::fs::metadata(&big).map(|m| m.len()).unwrap_or(1);
        let p = big.display().to_string();
        let dir = hostile::scratch("big");
        let out = dir.join("out").display().to_string();
        let json = dir.join("big.json").display().to_string();
        let _ = Command::new(&bin)
            .args(["convert", &p, "--to", "csl-json", "-o", &json])
            .status();
        let cases: Vec<(&str, Vec<String>)> = vec![
            ("check", vec!["check".into(), p.clone()]),
            ("convert", vec!["convert".into(), p.clone()]),
            (
                "convert --to csl-json -o",
                vec![
                    "convert".into(),
                    p.clone(),
                    "--to".into(),
                    "csl-json".into(),
                    "-o".into(),
                    out.clone(),
                ],
            ),
            ("fmt", vec!["fmt".into(), p.clone()]),
            (
                "fmt --check",
                vec!["fmt".into(), "--check".into(), p.clone()],
            ),
            (
                "convert (its CSL-JSON)",
                vec!["convert".into(), json.clone()],
            ),
        ];
        for (what, args) in cases {
            let m = run(&bin, &args, runs.min(2), timeout);
            let size = if what.contains("CSL-JSON") {
                std::fs::metadata(&json).map(|m| m.len()).unwrap_or(input)
            } else {
                input
            };
            println!(
                "| 100 MB `.bib` ({}) | `{what}` | {} | {} | {:.2}× | {} |",
                mb(size),
                time(&m),
                mb(m.peak),
                m.peak as f64 / size.max(1) as f64,
                status(&m)
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A hostile CITATION.cff of size `n` for each attack on the CFF reader.
fn cff_attack(id: &str, n: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::from("cff-version: 1.2.0\nmessage: m\ntitle: T\n");
    match id {
        // n references by alias, each with the same n authors by alias: n² names
        // without the reader's budget.
        "cff-alias-fanout" => {
            s.push_str("authors: &a [");
            for i in 0..n {
                let _ = write!(s, "{{name: n{i}}}, ");
            }
            s.push_str("]\nreferences:\n  - &r {type: book, title: t, authors: *a}\n");
            for _ in 0..n {
                s.push_str("  - *r\n");
            }
        }
        // Lists of ten aliases to the list before, n levels of them at the end.
        "cff-alias-bomb" => {
            s.push_str("l0: &l0 [{name: x}]\n");
            for i in 1..=n {
                let prev = format!("*l{}", i - 1);
                let _ = writeln!(s, "l{i}: &l{i} [{}]", [prev.as_str(); 10].join(", "));
            }
            let _ = writeln!(s, "authors: *l{n}\nkeywords: *l{n}");
        }
        "cff-many-authors" => {
            s.push_str("authors:\n");
            for i in 0..n {
                let _ = writeln!(
                    s,
                    "  - family-names: F{i}\n    given-names: G\n    orcid: https://orcid.org/0000-0002-1825-0097\n    email: x@y"
                );
            }
        }
        // Quoted values continued on under-indented lines (read by re-indenting).
        "cff-underindented-quotes" => {
            s.push_str("authors:\n  - family-names: x\n    affiliation: \"a\n");
            for i in 0..n {
                let _ = writeln!(s, "    line {i}");
            }
            s.push_str("    end\"\n");
        }
        _ => {
            // Block sequences nested n deep on one line (`- - - … x`).
            s.push_str("authors: [{name: x}]\nkeywords:\n  ");
            for _ in 0..n {
                s.push_str("- ");
            }
            s.push_str("x\n");
        }
    }
    s
}

/// The CFF reader's attacks, run in process (the reader is not yet behind `convert`):
/// the growth exponent of reading each at n and 4n.
fn cff_attacks(selected: &dyn Fn(&str) -> bool, runs: u64) {
    for (id, n) in [
        ("cff-alias-fanout", 5_000),
        ("cff-alias-bomb", 2_000),
        ("cff-many-authors", 20_000),
        // (Under the 1 MiB up to which the reader re-indents.)
        ("cff-underindented-quotes", 10_000),
        ("cff-deep-nesting", 20_000),
    ] {
        if !selected(id) {
            continue;
        }
        let time = |n: usize| {
            let text = cff_attack(id, n);
            let mut best = f64::MAX;
            for _ in 0..runs.max(1) {
                let t = Instant::now();
                let parsed = bibkit::formats::cff::read(&text);
                std::hint::black_box(&parsed);
                best = best.min(t.elapsed().as_secs_f64());
            }
            (best, text.len())
        };
        let (small, _) = time(n);
        let (big, bytes) = time(4 * n);
        println!(
            "| `{id}/read` (in process) | {n} items | {:.3} s | {:.3} s | {:.2} | 4n = {} | {:.3} s | — | — |",
            small,
            big,
            (big / small.max(1e-4)).ln() / 4f64.ln(),
            mb(bytes as u64),
            big,
        );
    }
}

/// The XML readers' attacks, timed in this process (the readers are not yet behind a
/// command): (id, unit, n, generator, reader).
type XmlAttack = (
    &'static str,
    &'static str,
    usize,
    fn(usize) -> String,
    fn(&str) -> bibkit::formats::Parsed,
);

fn xml_attacks(selected: &dyn Fn(&str) -> bool) {
    use bibkit::formats::{biblatexml, mods};
    const BLTX: &str = "http://biblatex-biber.sourceforge.net/biblatexml";
    let attacks: Vec<XmlAttack> = vec![
        (
            "mods-nested-related-items",
            "levels",
            50_000,
            |n| {
                format!(
                    "<mods><titleInfo><title>T</title></titleInfo>{}{}</mods>",
                    "<relatedItem type=\"host\"><titleInfo><title>H</title></titleInfo>".repeat(n),
                    "</relatedItem>".repeat(n)
                )
            },
            mods::read,
        ),
        (
            "mods-nested-markup-in-a-title",
            "levels",
            50_000,
            |n| {
                format!(
                    "<mods><titleInfo><title>{}x{}</title></titleInfo></mods>",
                    "<i>a ".repeat(n),
                    "</i>".repeat(n)
                )
            },
            mods::read,
        ),
        (
            "mods-entity-bomb",
            "references",
            100_000,
            |n| {
                let mut s = String::from("<!DOCTYPE mods [<!ENTITY a \"aaaaaaaaaa\">");
                for i in 1..10 {
                    s.push_str(&format!(
                        "<!ENTITY a{i} \"{}\">",
                        format!("&a{};", i - 1).repeat(10)
                    ));
                }
                s.push_str("]><mods><titleInfo><title>");
                s.push_str(&"&a9;".repeat(n));
                s.push_str("</title></titleInfo></mods>");
                s
            },
            mods::read,
        ),
        (
            "mods-many-dropped-elements",
            "elements",
            100_000,
            |n| {
                let mut s = String::from("<modsCollection><mods>");
                for i in 0..n {
                    s.push_str(&format!("<classification>c{i}</classification><identifier type=\"local\">{i}</identifier>"));
                }
                s.push_str("</mods></modsCollection>");
                s
            },
            mods::read,
        ),
        (
            "mods-many-names-and-subjects",
            "names",
            50_000,
            |n| {
                let mut s = String::from("<mods>");
                for i in 0..n {
                    s.push_str(&format!("<name type=\"personal\"><namePart>Family{i}, Given</namePart></name><subject><topic>k{}</topic></subject>", i % 100));
                }
                s.push_str("</mods>");
                s
            },
            mods::read,
        ),
        (
            "biblatexml-nested-nameparts",
            "levels",
            50_000,
            |n| {
                format!(
                    "<bltx:entries xmlns:bltx=\"{BLTX}\"><bltx:entry id=\"a\" entrytype=\"book\"><bltx:names type=\"author\"><bltx:name><bltx:namepart type=\"given\">{}x{}</bltx:namepart></bltx:name></bltx:names></bltx:entry></bltx:entries>",
                    "<bltx:namepart>".repeat(n),
                    "</bltx:namepart>".repeat(n)
                )
            },
            biblatexml::read,
        ),
        (
            "biblatexml-many-annotations",
            "annotations",
            50_000,
            |n| {
                let mut s = format!(
                    "<bltx:entries xmlns:bltx=\"{BLTX}\"><bltx:entry id=\"a\" entrytype=\"book\">"
                );
                for i in 0..n {
                    s.push_str(&format!(
                        "<bltx:annotation field=\"f{}\" item=\"{i}\">v</bltx:annotation>",
                        i % 50
                    ));
                }
                s.push_str("</bltx:entry></bltx:entries>");
                s
            },
            biblatexml::read,
        ),
        (
            "biblatexml-duplicate-ids",
            "entries",
            20_000,
            |n| {
                let mut s = format!("<bltx:entries xmlns:bltx=\"{BLTX}\">");
                for _ in 0..n {
                    s.push_str("<bltx:entry id=\"same\" entrytype=\"misc\"><bltx:title>T</bltx:title></bltx:entry>");
                }
                s.push_str("</bltx:entries>");
                s
            },
            biblatexml::read,
        ),
        (
            "xml-many-attributes",
            "attributes",
            50_000,
            |n| {
                let a: String = (0..n).map(|i| format!(" a{i}=\"v&amp;\"")).collect();
                format!("<mods{a}><titleInfo><title>T</title></titleInfo></mods>")
            },
            mods::read,
        ),
    ];
    let best = |text: &str, read: fn(&str) -> bibkit::formats::Parsed| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(read(text));
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    };
    println!();
    println!("| XML attack (in process) | n | t(n) | t(4n) | exponent | input at 4n |");
    println!("|---|---|---|---|---|---|");
    for (id, unit, n, make, read) in attacks {
        if !selected(id) {
            continue;
        }
        let (small, big) = (make(n), make(4 * n));
        let (a, b) = (best(&small, read), best(&big, read));
        println!(
            "| `{id}` | {n} {unit} | {:.1} ms | {:.1} ms | {:.2} | {} |",
            a * 1e3,
            b * 1e3,
            (b / a.max(1e-6)).ln() / 4f64.ln(),
            mb(big.len() as u64)
        );
    }
}

/// Hostile YAML for the hayagriva and CSL-YAML readers, `n` bytes of it.
type YamlAttack = (
    &'static str,
    &'static str,
    fn(usize) -> String,
    fn(&str) -> usize,
);

fn yaml_hostile() -> Vec<YamlAttack> {
    fn hayagriva(t: &str) -> usize {
        bibkit::formats::hayagriva::read(t).bibliography.len()
    }
    fn csl_yaml(t: &str) -> usize {
        bibkit::formats::csl_yaml::read(t).bibliography.len()
    }
    vec![
        (
            "hayagriva-deep-parents/read",
            "entries with 60 nested parents each",
            |n| {
                let mut one = String::from("k:\n  type: article\n  title: T\n");
                for i in 0..60 {
                    one.push_str(&" ".repeat(2 * i + 2));
                    one.push_str("parent:\n");
                    one.push_str(&" ".repeat(2 * i + 4));
                    one.push_str("title: Périodique\n");
                }
                let mut out = String::new();
                let mut i = 0;
                while out.len() < n {
                    out.push_str(&one.replacen("k:", &format!("k{i}:"), 1));
                    i += 1;
                }
                out
            },
            hayagriva,
        ),
        (
            "hayagriva-unclosed-brackets/read",
            "every entry's title an unclosed flow sequence (each error re-reads what follows)",
            |n| {
                let mut out = String::new();
                let mut i = 0;
                while out.len() < n {
                    out.push_str(&format!("k{i}:\n  type: book\n  title: [x\n"));
                    i += 1;
                }
                out
            },
            hayagriva,
        ),
        (
            "hayagriva-one-line-flow/read",
            "all entries in one flow mapping on one line, with accents",
            |n| {
                let mut out = String::from("{");
                let mut i = 0;
                while out.len() < n {
                    out.push_str(&format!(
                        "k{i}: {{type: book, title: Élan {i}, author: [\"Dœ, J\"]}}, "
                    ));
                    i += 1;
                }
                out.push('}');
                out
            },
            hayagriva,
        ),
        (
            "csl-yaml-unclosed-items/read",
            "every item's title an unclosed flow sequence",
            |n| {
                let mut out = String::from("references:\n");
                let mut i = 0;
                while out.len() < n {
                    out.push_str(&format!("- id: k{i}\n  type: book\n  title: [x\n"));
                    i += 1;
                }
                out
            },
            csl_yaml,
        ),
        (
            "csl-yaml-alias-fanout/read",
            "one anchored item body, aliased by every item",
            |n| {
                let mut out = String::from(
                    "references:\n- &a {id: a, type: book, title: T, author: [{family: Doe, given: J}]}\n",
                );
                while out.len() < n {
                    out.push_str("- *a\n");
                }
                out
            },
            csl_yaml,
        ),
    ]
}

/// The YAML readers are not reached by the binary's commands yet: their attacks run in
/// this process (fastest of `runs` at n and 4n bytes).
fn yaml_attacks(selected: &dyn Fn(&str) -> bool, runs: u64) {
    println!();
    println!("| in-process attack | n | t(n) | t(4n) | exponent | entries at 4n |");
    println!("|---|---|---|---|---|---|");
    for (id, about, build, read) in yaml_hostile() {
        if !selected(id) {
            continue;
        }
        let n = 2_000_000;
        let time = |size: usize| {
            let text = build(size);
            let mut best = f64::MAX;
            let mut got = 0;
            for _ in 0..runs.max(1) {
                let t = Instant::now();
                got = read(&text);
                best = best.min(t.elapsed().as_secs_f64());
            }
            (best, got)
        };
        let (small, _) = time(n);
        let (big, got) = time(4 * n);
        println!(
            "| `{id}` ({about}) | {} MB | {small:.3} s | {big:.3} s | {:.2} | {got} |",
            n / 1_000_000,
            (big / small.max(1e-4)).ln() / 4f64.ln()
        );
    }
}
