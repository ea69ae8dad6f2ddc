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

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let bin = binary();
    let runs = env_num("BIBKIT_HOSTILE_RUNS", 3);
    let timeout = Duration::from_secs(env_num("BIBKIT_HOSTILE_TIMEOUT", 60));
    let selected = |id: &str| filter.is_empty() || filter.iter().any(|f| id.contains(f.as_str()));
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
    yaml_attacks(&selected, runs);
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
