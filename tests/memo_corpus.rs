//! A checker that remembers (`Checker::with_memo`) finds exactly what a fresh one finds:
//! over every corpus file, after edits of every kind — fixes, entries added, removed and
//! copied, fields added, `@string`s changed, a file cut short — chained, each run reusing
//! what the one before it remembered.

mod common;

use bibkit::check::{Checker, Config, Level, Memo, fix};
use bibkit::diagnostic::Diagnostic;
use bibkit::fmt::FmtOptions;

/// The default rules and the house-style ones with fixes.
fn configs() -> [Config; 2] {
    [
        Config::default(),
        Config::default()
            .with_level("unprotected-acronym", Level::Warning)
            .with_level("field-case", Level::Warning)
            .with_level("title-case", Level::Warning),
    ]
}

fn fresh(config: &Config, text: &str) -> Vec<Diagnostic> {
    let mut c = Checker::new(config.clone());
    c.add_bib("f.bib", text);
    c.run()
}

fn remembering(config: &Config, text: &str, memo: Memo) -> (Vec<Diagnostic>, Memo) {
    let mut c = Checker::new(config.clone()).with_memo(memo);
    c.add_bib("f.bib", text);
    let found = c.run();
    (found, c.take_memo())
}

/// The blocks of `text` (entries, `@string`s, …) as byte ranges.
fn blocks(text: &str) -> Vec<(usize, usize)> {
    bibkit::syntax::parse(text)
        .blocks()
        .map(|b| (b.span().start, b.span().end))
        .collect()
}

/// A small deterministic generator (the same edits in every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// The next text: one edit of kind `kind` to `text`.
fn edit(text: &str, kind: usize, rng: &mut Lcg, config: &Config) -> String {
    let bs = blocks(text);
    let pick = |rng: &mut Lcg| bs.get(rng.below(bs.len())).copied();
    match kind {
        // What `check --fix` does.
        0 => {
            fix::converge(
                text,
                &fresh(config, text),
                config,
                true,
                &FmtOptions::default(),
            )
            .text
        }
        // An entry at the start: every offset and line after it moves.
        1 => format!("@misc{{memo-new,\n  title = {{A New Entry}},\n  year = 2020a,\n}}\n\n{text}"),
        // A block removed.
        2 => match pick(rng) {
            Some((s, e)) => format!("{}{}", &text[..s], &text[e..]),
            None => text.to_string(),
        },
        // A block copied after itself: a duplicate key, a duplicate entry.
        3 => match pick(rng) {
            Some((s, e)) => format!("{}\n{}{}", &text[..e], &text[s..e], &text[e..]),
            None => text.to_string(),
        },
        // A field added after the key.
        4 => match pick(rng) {
            Some((s, e)) => match text[s..e].find(',') {
                Some(c) => format!(
                    "{} note = {{Memo edit 12-15}},{}",
                    &text[..s + c + 1],
                    &text[s + c + 1..]
                ),
                None => text.to_string(),
            },
            None => text.to_string(),
        },
        // A `@string` changed (every entry after it may read differently).
        5 => {
            let strings: Vec<(usize, usize)> = bs
                .iter()
                .copied()
                .filter(|&(s, _)| text[s..].to_ascii_lowercase().starts_with("@string"))
                .collect();
            match strings.get(rng.below(strings.len())) {
                Some(&(s, e)) => match text[s..e].rfind('}') {
                    Some(c) if c > 0 => {
                        format!("{} edited{}", &text[..s + c], &text[s + c..])
                    }
                    _ => text.to_string(),
                },
                None => text.to_string(),
            }
        }
        // The file cut in the middle of a block.
        _ => match pick(rng) {
            Some((s, e)) => {
                let mut cut = s + (e - s) / 2;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text[..cut].to_string()
            }
            None => text.to_string(),
        },
    }
}

#[test]
fn a_remembering_checker_finds_what_a_fresh_one_finds() {
    let Some(corpus) = common::corpus("a_remembering_checker_finds_what_a_fresh_one_finds") else {
        return;
    };
    let (mut files, mut runs, mut reused) = (0, 0, 0usize);
    for row in common::manifest(&corpus) {
        if row.encoding().is_some() {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(corpus.join("bib").join(&row.file)) else {
            continue;
        };
        files += 1;
        for (c, config) in configs().iter().enumerate() {
            let mut rng = Lcg(files as u64 * 31 + c as u64);
            let (first, mut memo) = remembering(config, &text, Memo::default());
            assert_eq!(first, fresh(config, &text), "{}: the first run", row.file);
            let mut cur = text.clone();
            // Every kind once, in an order of the file's own, the cut last.
            let mut kinds: Vec<usize> = (0..6).collect();
            for i in (1..kinds.len()).rev() {
                kinds.swap(i, rng.below(i + 1));
            }
            kinds.push(6);
            for kind in kinds {
                cur = edit(&cur, kind, &mut rng, config);
                let before = memo.len();
                let (found, next) = remembering(config, &cur, memo);
                let want = fresh(config, &cur);
                assert_eq!(
                    found.len(),
                    want.len(),
                    "{}: after edit {kind}: {:?}",
                    row.file,
                    found
                        .iter()
                        .zip(&want)
                        .find(|(a, b)| a != b)
                        .map(|(a, b)| (a.to_string(), b.to_string()))
                );
                for (a, b) in found.iter().zip(&want) {
                    assert_eq!(a, b, "{}: after edit {kind}", row.file);
                }
                reused += before.min(next.len());
                memo = next;
                runs += 1;
            }
        }
    }
    eprintln!("{files} files, {runs} remembering runs, {reused} entries remembered");
    assert!(files >= 30, "{files}");
    assert!(reused > 10_000, "{reused}");
}
