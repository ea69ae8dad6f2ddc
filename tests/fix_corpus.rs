//! `check --fix` over every corpus file and over generated entries: fixing converges and
//! is idempotent, the fixed findings are gone, records without a fixable finding are
//! byte-identical, the entries read back are the same ones, and a file that passed
//! `fmt --check` still does.

mod common;

use bibkit::check::{Checker, Config, Level, fix};
use bibkit::diagnostic::Diagnostic;
use bibkit::edit::Document;
use bibkit::fmt::{FmtOptions, format};
use proptest::prelude::*;

/// Every rule with a fix on, the house-style ones too.
fn config() -> Config {
    Config::default()
        .with_level("unprotected-acronym", Level::Warning)
        .with_level("field-case", Level::Warning)
}

fn check(text: &str) -> Vec<Diagnostic> {
    let mut c = Checker::new(config());
    c.add_bib("f.bib", text);
    c.run()
}

/// Fixes until nothing more is fixed (as `check --fix` does): the text, the rounds it
/// took, and the findings of the first round.
fn fix_all(text: &str, unsafe_fixes: bool) -> (String, usize, Vec<Diagnostic>) {
    let mut t = text.to_string();
    let first = check(text);
    let mut findings = first.clone();
    for round in 0..8 {
        // As `check --fix` does: the changed records are checked again on their own until
        // nothing more is fixed, then the whole text is checked again.
        let applied = fix::converge(
            &t,
            &findings,
            &config(),
            unsafe_fixes,
            &FmtOptions::default(),
        );
        if applied.fixed == 0 {
            return (t, round, first);
        }
        t = applied.text;
        findings = check(&t);
    }
    panic!("fixing did not converge in 8 rounds");
}

fn keys(text: &str) -> Vec<String> {
    let doc = Document::parse(text);
    (0..doc.blocks().len())
        .filter_map(|i| doc.key(i).map(str::to_string))
        .collect()
}

/// The assertions for one text; `what` names it in failures. Returns how many findings
/// the first round fixed.
fn assert_fixes_well(text: &str, what: &str, unsafe_fixes: bool) -> usize {
    let (fixed, _, first) = fix_all(text, unsafe_fixes);
    // The fixed findings are gone, and a second `--fix` changes nothing.
    let after = check(&fixed);
    let left: Vec<String> = after
        .iter()
        .filter(|d| {
            d.fix.as_ref().is_some_and(|f| {
                unsafe_fixes || f.applicability == bibkit::diagnostic::Applicability::Safe
            })
        })
        .map(|d| d.to_string())
        .collect();
    assert!(left.is_empty(), "{what}: fixable findings remain: {left:?}");
    assert_eq!(
        fix::apply(&fixed, &after, unsafe_fixes).fixed,
        0,
        "{what}: not idempotent"
    );
    // The same records, in the same order; the ones without a fixable finding as they
    // were, byte for byte, and so is everything between records.
    let (old, new) = (Document::parse(text), Document::parse(&fixed));
    assert_eq!(keys(text), keys(&fixed), "{what}: the records changed");
    assert_eq!(old.blocks().len(), new.blocks().len(), "{what}");
    let fixable: Vec<usize> = first
        .iter()
        .filter(|d| d.fix.is_some())
        .map(|d| d.span.start)
        .collect();
    let (ospans, nspans) = (block_spans(&old), block_spans(&new));
    let mut gap = (0, 0);
    for (i, (o, n)) in ospans.iter().zip(&nspans).enumerate() {
        assert_eq!(
            &text[gap.0..o.0],
            &fixed[gap.1..n.0],
            "{what}: text before block {i} changed"
        );
        let touched = fixable.iter().any(|&at| o.0 <= at && at < o.1);
        if !touched {
            assert_eq!(
                &text[o.0..o.1],
                &fixed[n.0..n.1],
                "{what}: block {i} has no fixable finding but changed"
            );
        }
        gap = (o.1, n.1);
    }
    assert_eq!(&text[gap.0..], &fixed[gap.1..], "{what}: the tail changed");
    // Still as many entries read, with no new syntax errors.
    assert_eq!(old.errors(), new.errors(), "{what}: syntax errors");
    first.iter().filter(|d| d.fix.is_some()).count()
}

/// Each block's byte range, from the documents' field positions (the first byte of its
/// first field's name is inside it; the block runs to the next block's start).
fn block_spans(doc: &Document) -> Vec<(usize, usize)> {
    let text = doc.text();
    // Blocks start at `@`; find them by parsing the syntax tree's block heads.
    let tree = bibkit::syntax::parse(text);
    tree.blocks()
        .map(|b| (b.span().start, b.span().end))
        .collect()
}

#[test]
fn fixing_the_corpus_converges_and_touches_only_findings() {
    let Some(corpus) = common::corpus("fixing_the_corpus_converges_and_touches_only_findings")
    else {
        return;
    };
    let (mut files, mut fixes, mut fmt_files) = (0, 0, 0);
    for row in common::manifest(&corpus) {
        if row.encoding().is_some() {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(corpus.join("bib").join(&row.file)) else {
            continue;
        };
        if Document::parse(text.as_str()).errors() > 0 {
            // `check --fix` leaves files with syntax errors alone (tested in fix_cli).
            continue;
        }
        files += 1;
        fixes += assert_fixes_well(&text, &row.file, false);
        assert_fixes_well(&text, &format!("{} (unsafe)", row.file), true);
        // A file that passes `fmt --check` still passes it after the fixes.
        let opts = FmtOptions::default();
        let formatted = format(&text, &opts);
        if formatted.has_errors() {
            continue;
        }
        let clean = formatted.text;
        assert_eq!(
            format(&clean, &opts).text,
            clean,
            "{}: fmt is stable",
            row.file
        );
        let (fixed, _, _) = fix_all(&clean, true);
        assert_eq!(
            format(&fixed, &opts).text,
            fixed,
            "{}: the fixes made `fmt --check` fail",
            row.file
        );
        fmt_files += 1;
    }
    eprintln!("{files} files, {fixes} fixable findings; {fmt_files} files formatted first");
    assert!(files >= 30, "{files}");
    assert!(fixes > 100, "{fixes}");
}

/// Values with the problems the fixes correct (and some they must leave alone).
fn value() -> impl Strategy<Value = (&'static str, String)> {
    prop_oneof![
        Just(("pages", "{12-15}".to_string())),
        Just(("pages", "{pp. 3--9}".to_string())),
        Just(("pages", "{C3-32--C3-35}".to_string())),
        Just(("month", "{March}".to_string())),
        Just(("month", "\"sep\"".to_string())),
        Just(("month", "oct".to_string())),
        Just(("doi", "{https://doi.org/10.1000/x\\_y}".to_string())),
        Just(("url", "{https://example.org/a\\_b}".to_string())),
        Just(("url", "{\\url{https://example.org}}".to_string())),
        Just(("issn", "{00045411}".to_string())),
        Just(("isbn", "{978-0201-134476}".to_string())),
        Just(("year", "{2020a}".to_string())),
        Just(("note", "{ spaced  out }".to_string())),
        Just(("title", "{Models in SysML and t-SNE}".to_string())),
        Just(("title", "{{SysML} Models}".to_string())),
        Just(("publisher", "{R&D Press}".to_string())),
        Just(("author", "{Doe, Jane and Roe, Rick et al.}".to_string())),
        Just((
            "author",
            "{Ada Lovelace, Charles Babbage, Mary Somerville, Alan Turing}".to_string()
        )),
        Just(("Title", "{Case}".to_string())),
        Just(("note", "{x} # { y}".to_string())),
        "[a-z]{1,8}".prop_map(|w| ("note", format!("{{{w}}}"))),
    ]
}

fn entry() -> impl Strategy<Value = String> {
    (
        "[a-z]{1,6}[0-9]{0,2}",
        prop::collection::vec(value(), 0..6),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(key, fields, repeat, aligned)| {
            let mut s = format!("@article{{{key},\n");
            let mut all = fields.clone();
            if repeat {
                if let Some(f) = fields.first() {
                    all.push(f.clone());
                }
            }
            for (name, v) in all {
                if aligned {
                    s.push_str(&format!("  {name:<9} = {v},\n"));
                } else {
                    s.push_str(&format!("  {name} = {v},\n"));
                }
            }
            s.push_str("}\n");
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn generated_entries_fix_well(
        entries in prop::collection::vec(entry(), 1..5),
        comment in "(% [a-z ]{0,12}\n)?",
        unsafe_fixes in any::<bool>(),
    ) {
        let text = format!("{comment}{}", entries.join("\n"));
        assert_fixes_well(&text, &text, unsafe_fixes);
        let opts = FmtOptions::default();
        let clean = format(&text, &opts).text;
        let (fixed, _, _) = fix_all(&clean, unsafe_fixes);
        prop_assert_eq!(format(&fixed, &opts).text, fixed);
    }
}
