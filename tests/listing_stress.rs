//! A stress set for the listing reader's title/author split, built at test time from the
//! real titles and author lists of the shared `.bib` corpus (`../shared/corpus/bib`),
//! where both sides are known.
//!
//! Every entry with a title and a list of person authors becomes several listing records,
//! its decoded title glued to its author list with no separator, in the styles scraped
//! listings show:
//!
//! * `as-written`: the names as the `.bib` file gives them (`Johan deKleer`, `V Yu
//!   Nazarenko`, `Ю В Назаренко`);
//! * `dotted`: given names cut to dotted initials (`K. M. D. C. Jayathileke`);
//! * `undotted`: initials without dots (`E E Perkovsky`);
//! * `glued`: initials without dots or spaces (`EE Perkovsky`; a first given name of more
//!   than one letter stays, as in `Amir AF Nassiraei`);
//! * `all-caps`: dotted initials and the family name in capitals (`O. SENDING`);
//! * `quoted`: the title's last word in closing quotes (`robot “KANTARO”`), names as
//!   written.
//!
//! Each record is read on its own; the title must come back exactly, and the author list
//! as the reader would read the true author side (so the score measures the boundary and
//! the name separation, not name parsing). Per-author F1 is reported too.
//!
//! Out of scope, and counted as such: entries whose first author starts with a letter that
//! has no uppercase form (`danah boyd`, `张伟`), which the reader documents it cannot split.
//!
//! `cargo test --test listing_stress -- --nocapture` shows the score; set
//! `BIBKIT_STRESS_SHOW=N` to print `N` failures.

mod common;

use std::collections::{BTreeMap, HashSet};

use bibkit::formats::{bibtex, listing};
use bibkit::latex::{self, DecodeOptions};
use bibkit::model::{Name, Person};
use unicode_normalization::UnicodeNormalization;

/// The author styles (see the module documentation).
const STYLES: &[&str] = &[
    "as-written",
    "dotted",
    "undotted",
    "glued",
    "all-caps",
    "quoted",
];

/// One real entry: its title and its author names, given first.
struct Source {
    title: String,
    authors: Vec<Person>,
    truncated: bool,
}

/// One generated record and what it must read back as.
struct Record {
    style: &'static str,
    line: String,
    title: String,
    authors: Vec<String>,
}

fn written(p: &Person) -> String {
    [&p.given, &p.particle, &p.family, &p.suffix]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first letter of each given name (`Jean-Paul` → `J`, `-P`), or `None` when a given
/// name does not start with a letter that has case.
fn initials(given: &str) -> Option<Vec<String>> {
    given
        .split_whitespace()
        .map(|g| {
            let parts: Option<Vec<char>> = g
                .split('-')
                .map(|p| p.chars().next().filter(|c| c.is_uppercase()))
                .collect();
            let parts = parts?;
            Some(
                parts
                    .iter()
                    .map(char::to_string)
                    .collect::<Vec<_>>()
                    .join("-"),
            )
        })
        .collect()
}

/// The author list of `src` in `style`, or `None` when the style does not apply.
fn render(src: &Source, style: &str) -> Option<Vec<String>> {
    src.authors
        .iter()
        .map(|p| {
            let with = |given: String, family: String| {
                let q = Person::new(given, p.particle.clone(), family, p.suffix.clone());
                written(&q)
            };
            let dotted = || -> Option<String> {
                Some(
                    initials(&p.given)?
                        .iter()
                        .map(|i| i.replace('-', ".-") + ".")
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            };
            Some(match style {
                "as-written" | "quoted" => written(p),
                "dotted" => with(dotted()?, p.family.clone()),
                "undotted" => with(initials(&p.given)?.join(" "), p.family.clone()),
                "glued" => {
                    // The first given name stays when there are several (`Amir AF`).
                    let words: Vec<&str> = p.given.split_whitespace().collect();
                    let init = initials(&p.given)?;
                    if words.len() > 1 && words[0].chars().count() > 1 {
                        with(
                            format!("{} {}", words[0], init[1..].concat().replace('-', "")),
                            p.family.clone(),
                        )
                    } else {
                        with(init.concat().replace('-', ""), p.family.clone())
                    }
                }
                "all-caps" => with(dotted()?, capitals(&p.family)),
                _ => unreachable!(),
            })
        })
        .collect()
}

/// A family name in capitals, but for a suffix it holds (`Fromhold Jr.` → `FROMHOLD Jr.`).
fn capitals(family: &str) -> String {
    family
        .split(' ')
        .map(|w| {
            if bibkit::name::is_suffix(w) {
                w.to_string()
            } else {
                w.to_uppercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The title as `style` writes it: `quoted` puts its last word in curly quotes.
fn title_in(title: &str, style: &str) -> String {
    if style != "quoted" {
        return title.to_string();
    }
    match title.rsplit_once(' ') {
        Some((head, last)) => format!("{head} “{last}”"),
        None => format!("“{title}”"),
    }
}

/// Text that the listing reader takes as it is: no LaTeX to decode, NFC, one line.
fn is_plain(s: &str) -> bool {
    let opts = DecodeOptions {
        ligatures: false,
        collapse_whitespace: true,
    };
    !s.is_empty()
        && s.nfc().eq(s.chars())
        && latex::decode(s, &opts).to_plain_string() == s
        && !s.contains(['\n', '\r', '\t', '·', '{', '}', '\\', '$', '%', '~'])
}

/// A name part that cannot be mistaken for a separator.
fn is_name_part(s: &str) -> bool {
    s.is_empty()
        || (is_plain(s)
            && !s.contains(',')
            && !s.split_whitespace().any(|w| w.eq_ignore_ascii_case("and")))
}

fn sources(corpus: &std::path::Path) -> (Vec<Source>, usize) {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut out_of_scope = 0;
    for row in common::manifest(corpus) {
        let bytes = std::fs::read(corpus.join("bib").join(&row.file)).unwrap();
        let text = bibkit::source::decode(&bytes, row.encoding())
            .unwrap_or_else(|| panic!("{}: unknown encoding", row.file))
            .text;
        for e in bibtex::read(&text).bibliography.entries {
            let (Some(title), Some(list)) = (e.get("title"), e.names("author")) else {
                continue;
            };
            let title: String = title
                .to_plain_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let lower = title.to_lowercase();
            if !is_plain(&title) || lower.ends_with(" et al.") || lower.ends_with(" et al") {
                continue;
            }
            let authors: Option<Vec<Person>> = list
                .names
                .iter()
                .map(|n| match n {
                    Name::Person(p)
                        if !p.given.is_empty()
                            && !p.family.is_empty()
                            && [&p.given, &p.particle, &p.family, &p.suffix]
                                .iter()
                                .all(|s| is_name_part(s)) =>
                    {
                        Some(p.clone())
                    }
                    _ => None,
                })
                .collect();
            let Some(authors) = authors.filter(|a| !a.is_empty()) else {
                continue;
            };
            let key = (
                title.clone(),
                authors.iter().map(written).collect::<Vec<_>>(),
            );
            if !seen.insert(key) {
                continue;
            }
            if !written(&authors[0])
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
            {
                out_of_scope += 1;
                continue;
            }
            out.push(Source {
                title,
                authors,
                truncated: list.truncated,
            });
        }
    }
    (out, out_of_scope)
}

fn records(sources: &[Source]) -> Vec<Record> {
    let mut out = Vec::new();
    for src in sources {
        for &style in STYLES {
            let Some(authors) = render(src, style) else {
                continue;
            };
            let title = title_in(&src.title, style);
            let mut line = format!("{title}{}", authors.join(", "));
            if src.truncated {
                line.push_str(" et al.");
            }
            out.push(Record {
                style,
                line,
                title,
                authors,
            });
        }
    }
    out
}

#[derive(Default, Clone, Copy)]
struct Tally {
    records: usize,
    titles: usize,
    authors: usize,
    both: usize,
    /// Authors found, expected, and found and expected (matched by position-free count).
    found: usize,
    expected: usize,
    matched: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.records += o.records;
        self.titles += o.titles;
        self.authors += o.authors;
        self.both += o.both;
        self.found += o.found;
        self.expected += o.expected;
        self.matched += o.matched;
    }
    fn pct(n: usize, d: usize) -> f64 {
        if d == 0 {
            0.0
        } else {
            100.0 * n as f64 / d as f64
        }
    }
    fn title_pct(&self) -> f64 {
        Self::pct(self.titles, self.records)
    }
    fn authors_pct(&self) -> f64 {
        Self::pct(self.authors, self.records)
    }
    fn f1(&self) -> f64 {
        let p = Self::pct(self.matched, self.found);
        let r = Self::pct(self.matched, self.expected);
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    fn line(&self, what: &str) -> String {
        format!(
            "{what:<11} {:>6} records  title {:>6.2}%  authors {:>6.2}%  both {:>6.2}%  author F1 {:>6.2}",
            self.records,
            self.title_pct(),
            self.authors_pct(),
            Self::pct(self.both, self.records),
            self.f1()
        )
    }
}

/// Reads one record and scores it, returning what was read when it is wrong.
fn score(r: &Record) -> (Tally, Option<String>) {
    let text = format!("CLJan 1, 2000\n{}\nAn abstract.\n", r.line);
    let parsed = listing::read(&text);
    let want: Vec<Name> = r
        .authors
        .iter()
        .map(|a| Name::Person(bibkit::name::parse_given_first(a)))
        .collect();
    let mut t = Tally {
        records: 1,
        expected: want.len(),
        ..Tally::default()
    };
    let Some(e) = parsed.bibliography.entries.first() else {
        return (t, Some("no record".into()));
    };
    let title = e
        .get("title")
        .map(|v| v.to_plain_string())
        .unwrap_or_default();
    let got = e
        .names("author")
        .map(|n| n.names.clone())
        .unwrap_or_default();
    t.found = got.len();
    let mut pool = want.clone();
    for g in &got {
        if let Some(i) = pool.iter().position(|w| w == g) {
            pool.swap_remove(i);
            t.matched += 1;
        }
    }
    let title_ok = title == r.title;
    let authors_ok = got == want;
    t.titles = usize::from(title_ok);
    t.authors = usize::from(authors_ok);
    t.both = usize::from(title_ok && authors_ok);
    let why = (!(title_ok && authors_ok)).then(|| {
        let names: Vec<String> = got.iter().map(Name::to_string).collect();
        format!("title {title:?} authors {:?}", names.join(", "))
    });
    (t, why)
}

/// The score the set must keep (percent of records), a little below what it reaches.
const MIN_TITLE_PCT: f64 = 99.3;
const MIN_AUTHORS_PCT: f64 = 99.3;

#[test]
fn real_titles_glued_to_real_names() {
    let Some(corpus) = common::corpus("real_titles_glued_to_real_names") else {
        return;
    };
    let (sources, out_of_scope) = sources(&corpus);
    let records = records(&sources);
    assert!(
        sources.len() > 1000,
        "only {} usable entries in the corpus",
        sources.len()
    );
    let show: usize = std::env::var("BIBKIT_STRESS_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut by_style: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    let mut shown = 0;
    // Written to the stderr handle directly, so that it shows without `--nocapture`.
    use std::io::Write;
    for r in &records {
        let (t, why) = score(r);
        by_style.entry(r.style).or_default().add(&t);
        total.add(&t);
        if let Some(why) = why {
            if shown < show {
                shown += 1;
                let _ = writeln!(
                    std::io::stderr(),
                    "[{}] {}\n    read as {why}",
                    r.style,
                    r.line
                );
            }
        }
    }
    let mut report = format!(
        "listing stress set: {} corpus entries ({} out of scope: first author not capitalised), {} records\n",
        sources.len(),
        out_of_scope,
        records.len()
    );
    for style in STYLES {
        if let Some(t) = by_style.get(style) {
            report.push_str(&t.line(style));
            report.push('\n');
        }
    }
    report.push_str(&total.line("all"));
    let _ = writeln!(std::io::stderr(), "{report}");
    assert!(
        total.title_pct() >= MIN_TITLE_PCT && total.authors_pct() >= MIN_AUTHORS_PCT,
        "the stress set scores below its floor ({MIN_TITLE_PCT}% titles, {MIN_AUTHORS_PCT}% authors):\n{report}"
    );
}
