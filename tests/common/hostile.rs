//! Hostile inputs: generators for the attacks `bibkit` must withstand (untrusted input in
//! CI). Shared by the attack tests (`tests/hostile.rs`, which assert behaviour and output)
//! and the growth bench (`benches/hostile.rs`, which times each attack at n and 4n and
//! measures peak memory).
//!
//! Each [`Attack`] writes its files into a directory for a size `n` and returns the
//! command line to run. Sizes are in the attack's own unit (bytes, entries, levels…); the
//! `quoted` size is the one the attack was first reported at.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One attack: a generator and the command that runs it.
pub struct Attack {
    /// A stable id, `input/command`.
    pub id: &'static str,
    /// What it does, in a few words.
    pub about: &'static str,
    /// The size the attack was reported at (the bench's 4n), in `unit`.
    pub quoted: usize,
    /// What `n` counts.
    pub unit: &'static str,
    /// Writes the input files into the directory and returns the arguments.
    pub build: fn(usize, &Path) -> Vec<String>,
}

fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write attack input");
    p.display().to_string()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A small, deterministic pseudo-random sequence (xorshift), so inputs are the same on
/// every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A lowercase word of 3 to 9 letters.
    pub fn word(&mut self) -> String {
        let len = 3 + (self.next() % 7) as usize;
        (0..len)
            .map(|_| (b'a' + (self.next() % 26) as u8) as char)
            .collect()
    }
}

/// Entries on one line, `bytes` long in all.
pub fn one_line_bib(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 64);
    let mut i = 0;
    while s.len() < bytes {
        let _ = write!(s, "@misc{{k{i}, title = {{Title {i}}}, year = 2000}} ");
        i += 1;
    }
    s
}

/// Minified CSL-JSON (one line), `bytes` long.
pub fn minified_csl(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 128);
    s.push('[');
    let mut i = 0;
    while s.len() < bytes {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"id":"k{i}","type":"book","title":"Title {i}","issued":{{"date-parts":[[2000]]}}}}"#
        );
        i += 1;
    }
    s.push(']');
    s
}

/// `entries` entries, one per line, keyed `k0`, `k1`, …
pub fn plain_bib(entries: usize) -> String {
    let mut s = String::new();
    for i in 0..entries {
        let _ = writeln!(s, "@misc{{k{i}, title = {{Title {i}}}, year = 2000}}");
    }
    s
}

/// `n` entries that each parse only when `\{` is a literal brace (as LaTeX reads it),
/// so that each is read twice.
pub fn escaped_braces(n: usize) -> String {
    (0..n)
        .map(|i| format!("@misc{{e{i}, author = {{Thi\\{{'ebaux}}, title = {{T}}}}\n"))
        .collect()
}

/// `text` repeated until the result is at least `bytes` long.
pub fn repeated(text: &str, bytes: usize) -> String {
    text.repeat(bytes.div_ceil(text.len()).max(1))
}

/// One entry whose title is `open` nested until the title is `bytes` long, then closed
/// (`{\bf {\bf … x}}`), and the same again with the groups one after another.
pub fn nested_title(open: &str, bytes: usize) -> String {
    let n = bytes.div_ceil(open.len()).max(1);
    let mut s = format!(
        "@misc{{a, title = {{{}x\\TeX{}}}}}\n",
        open.repeat(n),
        "}".repeat(n)
    );
    let _ = writeln!(
        s,
        "@misc{{b, title = {{{}}}}}",
        format!("{open}x}} ").repeat(n)
    );
    s
}

/// One entry whose title is `text` repeated until it is `bytes` long.
pub fn long_title(text: &str, bytes: usize) -> String {
    format!("@misc{{a, title = {{{}}}}}\n", repeated(text, bytes))
}

/// One `\cite{k0,k1,…}` of `bytes` bytes.
pub fn long_cite(bytes: usize) -> (String, usize) {
    let mut s = String::from("\\cite{");
    let mut i = 0;
    while s.len() < bytes {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "k{i}");
        i += 1;
    }
    s.push_str("}\n");
    (s, i)
}

/// One entry with `fields` fields, every other one a `journal`.
pub fn many_fields(fields: usize) -> String {
    let mut s = String::from("@article{k,\n");
    for i in 0..fields {
        if i % 2 == 0 {
            let _ = writeln!(s, "  f{i} = {{value {i}}},");
        } else {
            s.push_str("  journal = {J},\n");
        }
    }
    s.push_str("}\n");
    s
}

/// `entries` entries each holding one byte that is not UTF-8.
pub fn invalid_bytes(entries: usize) -> Vec<u8> {
    let mut s = Vec::new();
    for i in 0..entries {
        s.extend_from_slice(format!("@misc{{k{i}, title = {{Caf").as_bytes());
        s.push(0xE9);
        s.extend_from_slice(b"}}\n");
    }
    s
}

/// `entries` entries by one author in one year, with titles that share nothing.
pub fn same_author_year(entries: usize) -> String {
    let mut rng = Rng::new(7);
    let mut s = String::new();
    for i in 0..entries {
        let title: Vec<String> = (0..6).map(|_| rng.word()).collect();
        let _ = writeln!(
            s,
            "@article{{k{i}, author = {{Doe, Jane}}, title = {{{}}}, journal = {{J}}, year = 2000}}",
            title.join(" ")
        );
    }
    s
}

/// A listing record whose author list has `authors` names.
pub fn listing_many_authors(authors: usize) -> String {
    let mut rng = Rng::new(11);
    let mut s = String::from("CLOct 10, 2023\nA Study of Things");
    for i in 0..authors {
        if i > 0 {
            s.push_str(", ");
        }
        let (g, f) = (rng.word(), rng.word());
        let cap = |w: &str| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        };
        let _ = write!(s, "{} {}", cap(&g), cap(&f));
    }
    s.push_str("\nAn abstract.\n");
    s
}

/// A listing record whose title line is `bytes` of capitalised words (each a candidate
/// boundary) with one author at the end.
pub fn listing_long_title(bytes: usize) -> String {
    let mut rng = Rng::new(13);
    let mut s = String::from("CLOct 10, 2023\n");
    while s.len() < bytes {
        let w = rng.word();
        s.push_str(&w[..1].to_ascii_uppercase());
        s.push_str(&w[1..]);
        s.push(' ');
    }
    s.push_str("TitleAda Lovelace\nAn abstract.\n");
    s
}

/// A listing record whose title is `bytes` of words that end in capitals and initials
/// (`lightJ.J.`, `CuOT`, `UHV-TEMM`: each a candidate boundary that the title side has to
/// judge), followed by authors written with undotted initials and family names in capitals.
pub fn listing_initials_and_capitals(bytes: usize) -> String {
    let mut rng = Rng::new(17);
    let mut s = String::from("CLOct 10, 2023\n");
    let tails = ["J.J.", "OT", "-TEMM", "V.", "Ю", "ABAB", "”A."];
    while s.len() < bytes {
        s.push_str(&rng.word());
        s.push_str(tails[(rng.next() % tails.len() as u64) as usize]);
        s.push(' ');
    }
    s.push_str("TitleO. SENDING, I. V. E. R. NEUMANN, EE Perkovsky, Johan deKleer\nAn abstract.\n");
    s
}

/// `entries` entries whose keys `ref0000000000000` … differ only in their last bytes,
/// which a multiply-rotate hash over eight-byte words maps to one bucket.
pub fn colliding_keys(entries: usize) -> String {
    let mut s = String::new();
    for i in 0..entries {
        let _ = writeln!(s, "@misc{{ref{i:013}, title = {{T}}}}");
    }
    s
}

/// Two `@xdata` entries naming each other `fanout` times, and an entry using them.
pub fn xdata_fanout(fanout: usize) -> String {
    let list = |k: &str| vec![k; fanout].join(",");
    format!(
        "@xdata{{a, xdata = {{{}}}}}\n@xdata{{b, xdata = {{{}}}}}\n@book{{c, xdata = {{a}}, title = {{T}}}}\n",
        list("b"),
        list("a")
    )
}

/// `@string` macros that double `levels` times, and one entry that does not use them.
pub fn string_bomb(levels: usize, used: bool) -> String {
    let mut s = String::from("@string{s0 = \"xx\"}\n");
    for i in 1..=levels {
        let _ = writeln!(s, "@string{{s{i} = s{} # s{}}}", i - 1, i - 1);
    }
    if used {
        let _ = writeln!(s, "@misc{{k, title = s{levels}}}");
    }
    s.push_str("@misc{ok, title = {Fine}}\n");
    s
}

/// CSL-JSON pretty-printed, `items` items.
pub fn pretty_csl(items: usize) -> String {
    let mut s = String::from("[\n");
    for i in 0..items {
        if i > 0 {
            s.push_str(",\n");
        }
        let _ = write!(
            s,
            "  {{\n    \"id\": \"k{i}\",\n    \"type\": \"article-journal\",\n    \"title\": \"Title {i}\",\n    \"author\": [\n      {{\n        \"family\": \"Doe\",\n        \"given\": \"Jane\"\n      }}\n    ],\n    \"issued\": {{\n      \"date-parts\": [\n        [\n          2000\n        ]\n      ]\n    }}\n  }}"
        );
    }
    s.push_str("\n]\n");
    s
}

/// Tiny entries, one per line: `@misc{kN,}`.
pub fn tiny_entries(entries: usize) -> String {
    let mut s = String::with_capacity(entries * 16);
    for i in 0..entries {
        let _ = writeln!(s, "@misc{{k{i},}}");
    }
    s
}

/// One entry with a field of `bytes` bytes.
pub fn huge_field(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 64);
    s.push_str("@misc{k, note = {");
    let word = "lorem ipsum dolor sit amet ";
    while s.len() < bytes {
        s.push_str(word);
    }
    s.push_str("}}\n");
    s
}

fn bib_cmd(cmd: &str) -> fn(&str) -> Vec<String> {
    match cmd {
        "check" => |p| args(&["check", p]),
        "fmt" => |p| args(&["fmt", p]),
        "convert-csl" => |p| args(&["convert", p, "--to", "csl-json"]),
        _ => |p| args(&["convert", p]),
    }
}

/// A tiny bibliography for attacks on documents.
fn tiny_refs(dir: &Path) -> String {
    write(dir, "refs.bib", "@misc{k0, title = {T}}\n")
}

macro_rules! attack {
    ($id:expr, $about:expr, $quoted:expr, $unit:expr, $build:expr) => {
        Attack {
            id: $id,
            about: $about,
            quoted: $quoted,
            unit: $unit,
            build: $build,
        }
    };
}

/// Every attack on time: each must grow linearly.
pub fn time_attacks() -> Vec<Attack> {
    vec![
        attack!(
            "one-line-bib/convert",
            "entries on one line",
            16_800_000,
            "bytes",
            |n, d| { bib_cmd("convert")(&write(d, "a.bib", one_line_bib(n))) }
        ),
        attack!(
            "one-line-bib/check",
            "entries on one line",
            16_800_000,
            "bytes",
            |n, d| { bib_cmd("check")(&write(d, "a.bib", one_line_bib(n))) }
        ),
        attack!(
            "one-line-bib/fmt",
            "entries on one line",
            16_800_000,
            "bytes",
            |n, d| { bib_cmd("fmt")(&write(d, "a.bib", one_line_bib(n))) }
        ),
        attack!(
            "minified-csl/convert",
            "CSL-JSON on one line",
            16_800_000,
            "bytes",
            |n, d| { bib_cmd("convert")(&write(d, "a.json", minified_csl(n))) }
        ),
        attack!(
            "cite-list/check",
            "one \\cite{} with every key",
            8_000_000,
            "bytes",
            |n, d| {
                let (tex, keys) = long_cite(n);
                let tex = write(d, "a.tex", tex);
                let bib = write(d, "a.bib", plain_bib(keys / 2));
                args(&["check", &bib, "--cited", &tex])
            }
        ),
        attack!(
            "tex-unclosed-optional/check",
            "\\cite[ never closed",
            4_000_000,
            "bytes",
            |n, d| {
                let tex = write(d, "a.tex", repeated("\\cite[", n));
                args(&["check", &tiny_refs(d), "--cited", &tex])
            }
        ),
        attack!(
            "tex-unclosed-bibliography/check",
            "\\bibliography{ never closed",
            4_000_000,
            "bytes",
            |n, d| {
                let tex = write(d, "a.tex", repeated("\\bibliography{", n));
                args(&["check", &tiny_refs(d), "--cited", &tex])
            }
        ),
        attack!(
            "tex-unclosed-addbibresource/check",
            "\\addbibresource{ never closed",
            4_000_000,
            "bytes",
            |n, d| {
                let tex = write(d, "a.tex", repeated("\\addbibresource{", n));
                args(&["check", &tiny_refs(d), "--cited", &tex])
            }
        ),
        attack!(
            "tex-unclosed-cite/check",
            "\\cite{ never closed",
            4_000_000,
            "bytes",
            |n, d| {
                let tex = write(d, "a.tex", repeated("\\cite{", n));
                args(&["check", &tiny_refs(d), "--cited", &tex])
            }
        ),
        attack!(
            "aux-unclosed-citation/check",
            "\\citation{ never closed",
            4_000_000,
            "bytes",
            |n, d| {
                let aux = write(d, "a.aux", repeated("\\citation{", n));
                args(&["check", &tiny_refs(d), "--cited", &aux])
            }
        ),
        attack!(
            "aux-unclosed-abx/check",
            "\\abx@aux@cite{ never closed",
            4_000_000,
            "bytes",
            |n, d| {
                let aux = write(d, "a.aux", repeated("\\abx@aux@cite{", n));
                args(&["check", &tiny_refs(d), "--cited", &aux])
            }
        ),
        attack!(
            "bcf-unclosed-datasource/check",
            "<bcf:datasource never closed",
            4_000_000,
            "bytes",
            |n, d| {
                let bcf = write(d, "a.bcf", repeated("<bcf:datasource", n));
                args(&["check", &tiny_refs(d), "--cited", &bcf])
            }
        ),
        attack!(
            "bcf-unclosed-citekey/check",
            "<bcf:citekey> never closed",
            4_000_000,
            "bytes",
            |n, d| {
                let bcf = write(d, "a.bcf", repeated("<bcf:citekey>k", n));
                args(&["check", &tiny_refs(d), "--cited", &bcf])
            }
        ),
        attack!(
            "md-unclosed-brace/check",
            "@{ never closed, one line",
            4_000_000,
            "bytes",
            |n, d| {
                let md = write(d, "a.md", repeated("@{", n));
                args(&["check", &tiny_refs(d), "--cited", &md])
            }
        ),
        attack!(
            "md-citations/check",
            "@key citations on one line",
            8_000_000,
            "bytes",
            |n, d| {
                let md = write(d, "a.md", repeated("@k1 ", n));
                args(&["check", &tiny_refs(d), "--cited", &md])
            }
        ),
        attack!(
            "typ-unclosed-cite/check",
            "#cite(<k>, never closed",
            4_000_000,
            "bytes",
            |n, d| {
                let typ = write(d, "a.typ", repeated("#cite(<k0>, \"", n));
                args(&["check", &tiny_refs(d), "--cited", &typ])
            }
        ),
        attack!(
            "typ-labels-and-refs/check",
            "<label> @ref pairs on one line",
            8_000_000,
            "bytes",
            |n, d| {
                let typ = write(d, "a.typ", repeated("<k1> @k1 @k0 /* ", n));
                args(&["check", &tiny_refs(d), "--cited", &typ])
            }
        ),
        attack!(
            "org-unclosed-cite/check",
            "[cite/t:@k never closed, one line",
            4_000_000,
            "bytes",
            |n, d| {
                let org = write(d, "a.org", repeated("[cite/t[cite:@k0 ", n));
                args(&["check", &tiny_refs(d), "--cited", &org])
            }
        ),
        attack!(
            "org-ref-links/check",
            "cite:&k;&k links on one line",
            8_000_000,
            "bytes",
            |n, d| {
                let org = write(d, "a.org", repeated("citep:&k0;&k0 cite:k0,k0 ", n));
                args(&["check", &tiny_refs(d), "--cited", &org])
            }
        ),
        attack!(
            "rekey-many-equal-keys/rekey",
            "entries that all get one key",
            200_000,
            "entries",
            |n, d| {
                let mut bib = String::new();
                for i in 0..n {
                    let _ = writeln!(
                        bib,
                        "@misc{{e{i}, author = {{Same, A.}}, title = {{Same}}, year = 2000}}"
                    );
                }
                args(&["rekey", &write(d, "a.bib", bib)])
            }
        ),
        attack!(
            "dedupe-one-author-one-word/dedupe",
            "entries sharing a first author and title words",
            100_000,
            "entries",
            |n, d| {
                let mut bib = String::new();
                for i in 0..n {
                    let _ = writeln!(
                        bib,
                        "@misc{{e{i}, author = {{Same, A. and Other{}, B.}}, title = {{Common words study number {i} of {}}}, year = {}}}",
                        i % 97,
                        i % 13,
                        2000 + i % 3
                    );
                }
                args(&["dedupe", &write(d, "a.bib", bib)])
            }
        ),
        attack!(
            "dedupe-long-title-words/dedupe",
            "near-identical titles of 64 long words, named before a colon",
            2_000_000,
            "bytes",
            |n, d| {
                let mut bib = String::new();
                let len = (n / (40 * 64)).max(1);
                for i in 0..40 {
                    let words: Vec<String> = (0..64)
                        .map(|w| format!("{}{}", "x".repeat(len), (w * 7 + i) % 64))
                        .collect();
                    let _ = writeln!(
                        bib,
                        "@misc{{e{i}, author = {{Same, A.}}, title = {{Name{}: {}}}, year = 2000}}",
                        i % 3,
                        words.join(" ")
                    );
                }
                args(&["dedupe", &write(d, "a.bib", bib)])
            }
        ),
        attack!(
            "ris-one-long-record/convert",
            "one RIS record of continuation lines and repeated tags, never ended",
            2_000_000,
            "bytes",
            |n, d| {
                let mut ris = String::from("TY  - JOUR\n");
                let mut i = 0;
                while ris.len() < n {
                    let _ = match i % 4 {
                        0 => writeln!(ris, "KW  - keyword {i}"),
                        1 => writeln!(ris, "continued keyword {i}"),
                        2 => writeln!(ris, "AU  - Family{i}, Given"),
                        _ => writeln!(ris, "TI  - Title {i}"),
                    };
                    i += 1;
                }
                args(&["convert", &write(d, "a.ris", ris), "--to", "ris"])
            }
        ),
        attack!(
            "ris-many-records/convert",
            "RIS records whose tags each drop or guess something",
            50_000,
            "entries",
            |n, d| {
                let mut ris = String::new();
                for i in 0..n {
                    let _ = writeln!(
                        ris,
                        "1.\nTY  - Journal Article\nAU  - Same, A.\nTI  - Same title\nPY  - spring {}\nDB  - db\nSN  - x{i}\nUR  - a b c\nER  - {i}\n",
                        1900 + i % 100
                    );
                }
                args(&["convert", &write(d, "a.ris", ris), "--to", "biblatex"])
            }
        ),
        attack!(
            "endnote-many-records/convert",
            "EndNote tagged records whose tags each drop or guess something, and empty ones",
            50_000,
            "entries",
            |n, d| {
                let mut enw = String::new();
                for i in 0..n {
                    let _ = writeln!(
                        enw,
                        "%0 Nope\n%A Same, A. and Other{i}, B.; Org,\n%T Same title\n%D spring\n%8 x {}\n%K a\nb; c\n%L call {i}\n\n%0\n",
                        1900 + i % 100
                    );
                }
                args(&["convert", &write(d, "a.enw", enw), "--to", "biblatex"])
            }
        ),
        attack!(
            "endnote-xml-deep-nesting/convert",
            "one EndNote XML record with a title of nested styles and an unknown element nested as deep",
            2_000_000,
            "bytes",
            |n, d| {
                let k = n / 16;
                let xml = format!(
                    "<xml><records><record><titles><title>{}x{}</title></titles><custom1>{}y{}</custom1></record></records></xml>",
                    "<style>".repeat(k / 2),
                    "</style>".repeat(k / 2),
                    "<a>".repeat(k),
                    "</a>".repeat(k)
                );
                args(&["convert", &write(d, "a.xml", xml), "--to", "biblatex"])
            }
        ),
        attack!(
            "endnote-xml-one-huge-record/convert",
            "one EndNote XML record of keywords, authors and dropped elements",
            2_000_000,
            "bytes",
            |n, d| {
                let mut xml = String::from("<xml><records><record><ref-type>17</ref-type>");
                let mut i = 0;
                while xml.len() < n {
                    let _ = write!(
                        xml,
                        "<keywords><keyword><style>k{i}</style></keyword></keywords><contributors><authors><author>Family{i}, G.</author></authors></contributors><custom1>c{i}</custom1>"
                    );
                    i += 1;
                }
                xml.push_str("</record></records></xml>");
                args(&["convert", &write(d, "a.xml", xml), "--to", "biblatex"])
            }
        ),
        attack!(
            "endnote-xml-broken-records/convert",
            "EndNote XML records, every other one not well-formed (each error read past)",
            50_000,
            "entries",
            |n, d| {
                let mut xml = String::from("<xml><records>\n");
                for i in 0..n {
                    if i % 2 == 0 {
                        let _ = writeln!(
                            xml,
                            "<record><ref-type name=\"Nope\">99</ref-type><titles><title>T {i}</title></titles><dates><year>spring</year></dates></record>"
                        );
                    } else {
                        xml.push_str("<record><titles><title>T</titels></record>\n");
                    }
                }
                xml.push_str("</records></xml>\n");
                args(&["convert", &write(d, "a.xml", xml), "--to", "biblatex"])
            }
        ),
        attack!(
            "dedupe-scraped-citations/dedupe",
            "titles inside citations, cut at their commas, by long author lists",
            2_000_000,
            "bytes",
            |n, d| {
                let mut bib = String::new();
                let names = (n / (40 * 40)).max(1);
                for i in 0..40 {
                    // Given names that are the other entries' family names, and titles
                    // with as many cuts as are tried.
                    let authors: Vec<String> = (0..names)
                        .map(|k| format!("Family{} Given{}", (k + i) % names, k))
                        .collect();
                    let _ = writeln!(
                        bib,
                        "@misc{{e{i}, author = {{Same, A. and {}}}, title = {{Given{i}, Family{i}. Study, part {}. Scraped citations of records}}, year = 2000}}",
                        authors.join(" and "),
                        i % 3
                    );
                }
                args(&["dedupe", &write(d, "a.bib", bib)])
            }
        ),
        attack!(
            "merge-driver-both-add/merge-driver",
            "both sides add many entries to one base",
            20_000,
            "entries",
            |n, d| {
                let entry = |tag: &str, i: usize| {
                    format!(
                        "@article{{{tag}{i}, title = {{A study of things number {i} by {tag}}}, author = {{Writer{}, Ann}}, year = {}}}\n\n",
                        i % 50,
                        2000 + i % 20
                    )
                };
                let base: String = (0..n / 2).map(|i| entry("base", i)).collect();
                let ours: String =
                    base.clone() + &(0..n / 4).map(|i| entry("ours", i)).collect::<String>();
                let theirs: String =
                    base.clone() + &(0..n / 4).map(|i| entry("theirs", i)).collect::<String>();
                let (o, a, b) = (
                    write(d, "o.bib", base),
                    write(d, "a.bib", ours),
                    write(d, "b.bib", theirs),
                );
                args(&["merge-driver", &o, &a, &b])
            }
        ),
        attack!(
            "extract-long-crossref-chain/extract",
            "a crossref chain through every entry",
            200_000,
            "entries",
            |n, d| {
                let mut bib = String::new();
                for i in 0..n {
                    let _ = writeln!(bib, "@misc{{e{i}, crossref = {{e{}}}}}", i + 1);
                }
                let tex = write(d, "a.tex", "\\cite{e0}");
                args(&["extract", &tex, "--bib", &write(d, "a.bib", bib)])
            }
        ),
        attack!(
            "font-switch-groups/convert",
            "{\\bf nested deep, and one after another",
            2_000_000,
            "bytes",
            |n, d| { bib_cmd("convert-csl")(&write(d, "a.bib", nested_title("{\\bf ", n))) }
        ),
        attack!(
            "font-switch-groups/check",
            "{\\bf nested deep, and one after another",
            2_000_000,
            "bytes",
            |n, d| { bib_cmd("check")(&write(d, "a.bib", nested_title("{\\bf ", n))) }
        ),
        attack!(
            "math-scripts/convert",
            "$^$^ and $\\mu_{2}^{x} in one title",
            2_000_000,
            "bytes",
            |n, d| {
                let bib = long_title("$^$^", n / 2) + &long_title("$\\mu_{2}^{x}", n / 2);
                bib_cmd("convert-csl")(&write(d, "a.bib", bib))
            }
        ),
        attack!(
            "many-fields/convert",
            "one entry, many fields",
            200_000,
            "fields",
            |n, d| { bib_cmd("convert")(&write(d, "a.bib", many_fields(n))) }
        ),
        attack!(
            "many-fields/check",
            "one entry, many fields",
            200_000,
            "fields",
            |n, d| { bib_cmd("check")(&write(d, "a.bib", many_fields(n))) }
        ),
        attack!(
            "invalid-bytes/convert",
            "an invalid byte in every entry",
            200_000,
            "entries",
            |n, d| { bib_cmd("convert")(&write(d, "a.bib", invalid_bytes(n))) }
        ),
        attack!(
            "invalid-bytes/check",
            "an invalid byte in every entry",
            200_000,
            "entries",
            |n, d| { bib_cmd("check")(&write(d, "a.bib", invalid_bytes(n))) }
        ),
        attack!(
            "invalid-bytes/lossy",
            "an invalid byte in every entry, read with --lossy",
            200_000,
            "entries",
            |n, d| { args(&["convert", &write(d, "a.bib", invalid_bytes(n)), "--lossy"]) }
        ),
        attack!(
            "escaped-brace/convert",
            "every entry parses only with \\{ as a literal brace",
            200_000,
            "entries",
            |n, d| { bib_cmd("convert")(&write(d, "a.bib", escaped_braces(n))) }
        ),
        attack!(
            "escaped-brace/fmt",
            "every entry parses only with \\{ as a literal brace",
            200_000,
            "entries",
            |n, d| { bib_cmd("fmt")(&write(d, "a.bib", escaped_braces(n))) }
        ),
        attack!(
            "backslash-runs/convert",
            "long runs of backslashes before braces, in a value that does not close",
            2_000_000,
            "bytes",
            |n, d| {
                let body = repeated(&format!("{}{{", "\\".repeat(63)), n);
                bib_cmd("convert")(&write(
                    d,
                    "a.bib",
                    format!("@misc{{a, title = {{{body}\n@misc{{b}}\n"),
                ))
            }
        ),
        attack!(
            "invalid-bytes/fmt",
            "an invalid byte in every entry",
            200_000,
            "entries",
            |n, d| { bib_cmd("fmt")(&write(d, "a.bib", invalid_bytes(n))) }
        ),
        attack!(
            "same-author-year/check",
            "duplicate-entry candidates in one block",
            40_000,
            "entries",
            |n, d| { bib_cmd("check")(&write(d, "a.bib", same_author_year(n))) }
        ),
        attack!(
            "listing-authors/convert",
            "a listing record with many authors",
            20_000,
            "authors",
            |n, d| { bib_cmd("convert")(&write(d, "a.listing", listing_many_authors(n))) }
        ),
        attack!(
            "listing-long-title/convert",
            "a listing title line of many words",
            1_000_000,
            "bytes",
            |n, d| { bib_cmd("convert")(&write(d, "a.listing", listing_long_title(n))) }
        ),
        attack!(
            "listing-initials/convert",
            "a listing title line of words ending in capitals and initials",
            1_000_000,
            "bytes",
            |n, d| { bib_cmd("convert")(&write(d, "a.listing", listing_initials_and_capitals(n))) }
        ),
        attack!(
            "colliding-keys/check",
            "keys that collide in a word hash",
            65_536,
            "entries",
            |n, d| { bib_cmd("check")(&write(d, "a.bib", colliding_keys(n))) }
        ),
        attack!(
            "colliding-keys/convert",
            "keys that collide in a word hash",
            65_536,
            "entries",
            |n, d| { bib_cmd("convert-csl")(&write(d, "a.bib", colliding_keys(n))) }
        ),
        attack!(
            "xdata-fanout/check",
            "two @xdata naming each other n times",
            12,
            "names",
            |n, d| { bib_cmd("check")(&write(d, "a.bib", xdata_fanout(n))) }
        ),
        attack!(
            "xdata-fanout/convert",
            "two @xdata naming each other n times",
            12,
            "names",
            |n, d| { bib_cmd("convert-csl")(&write(d, "a.bib", xdata_fanout(n))) }
        ),
        attack!(
            "string-bomb/check",
            "@string doubling, unused",
            60,
            "levels",
            |n, d| { bib_cmd("check")(&write(d, "a.bib", string_bomb(n, false))) }
        ),
        attack!(
            "string-bomb/convert",
            "@string doubling, used",
            60,
            "levels",
            |n, d| { bib_cmd("convert")(&write(d, "a.bib", string_bomb(n, true))) }
        ),
    ]
}

/// Attacks on memory (peak RSS against the input size); the 100 MB file is added by the
/// bench when it exists.
pub fn memory_attacks() -> Vec<Attack> {
    vec![
        attack!(
            "tiny-entries/check",
            "1M tiny entries",
            1_000_000,
            "entries",
            |n, d| { bib_cmd("check")(&write(d, "a.bib", tiny_entries(n))) }
        ),
        attack!(
            "tiny-entries/convert",
            "1M tiny entries",
            1_000_000,
            "entries",
            |n, d| { bib_cmd("convert-csl")(&write(d, "a.bib", tiny_entries(n))) }
        ),
        attack!(
            "tiny-entries/fmt",
            "1M tiny entries",
            1_000_000,
            "entries",
            |n, d| { bib_cmd("fmt")(&write(d, "a.bib", tiny_entries(n))) }
        ),
        attack!(
            "huge-field/check",
            "one 200 MB field",
            200_000_000,
            "bytes",
            |n, d| { bib_cmd("check")(&write(d, "a.bib", huge_field(n))) }
        ),
        attack!(
            "huge-field/convert",
            "one 200 MB field",
            200_000_000,
            "bytes",
            |n, d| { bib_cmd("convert-csl")(&write(d, "a.bib", huge_field(n))) }
        ),
        attack!(
            "huge-field/fmt",
            "one 200 MB field",
            200_000_000,
            "bytes",
            |n, d| { bib_cmd("fmt")(&write(d, "a.bib", huge_field(n))) }
        ),
        attack!(
            "pretty-csl/convert",
            "pretty-printed CSL-JSON",
            400_000,
            "items",
            |n, d| { bib_cmd("convert")(&write(d, "a.json", pretty_csl(n))) }
        ),
    ]
}

/// The input files an attack wrote (for their total size).
pub fn input_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// A fresh empty directory under `target/`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/hostile")
        .join(name.replace('/', "-"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}
