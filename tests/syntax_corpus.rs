//! The syntax layer on every corpus file: printing the tree gives back the input byte for
//! byte, the top-level items tile the input, and every token of every block is accounted for.

mod common;

use bibkit::syntax::{self, BlockKind, Item};

fn decode(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    let enc = if name.contains(".latin1.") {
        encoding_rs::WINDOWS_1252
    } else if name.contains(".gbk.") {
        encoding_rs::GBK
    } else {
        encoding_rs::UTF_8
    };
    let (text, _, bad) = enc.decode(&bytes);
    assert!(!bad, "{name} does not decode");
    text.into_owned()
}

#[test]
fn every_corpus_file_round_trips_byte_for_byte() {
    let Some(corpus) = common::corpus("every_corpus_file_round_trips_byte_for_byte") else {
        return;
    };
    let mut files = 0;
    for entry in std::fs::read_dir(corpus.join("bib")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "bib") {
            continue;
        }
        let text = decode(&path);
        let tree = syntax::parse(&text);
        assert_eq!(tree.to_string(), text, "{}", path.display());
        let mut pos = 0;
        for item in tree.items() {
            assert_eq!(item.span().start, pos, "{}: gap or overlap", path.display());
            pos = item.span().end;
            if let Item::Block(b) = item {
                let mut p = b.span().start;
                for (_, s) in tree.tokens(b) {
                    assert_eq!(s.start, p, "{}: token gap", path.display());
                    p = s.end;
                }
                assert_eq!(p, b.span().end);
            }
        }
        assert_eq!(pos, text.len());
        files += 1;
    }
    assert!(files >= 50, "only {files} corpus files");
}

/// Survey printed with `--nocapture`: entries and syntax errors per file.
#[test]
fn survey() {
    let Some(corpus) = common::corpus("survey") else {
        return;
    };
    let mut names: Vec<_> = std::fs::read_dir(corpus.join("bib"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bib"))
        .collect();
    names.sort();
    for path in names {
        let text = decode(&path);
        let tree = syntax::parse(&text);
        let entries = tree
            .blocks()
            .filter(|b| b.block_kind() == BlockKind::Entry)
            .count();
        println!(
            "{:50} entries={entries:5} errors={}",
            path.file_name().unwrap().to_string_lossy(),
            tree.diagnostics().len()
        );
        for d in tree.diagnostics() {
            println!("    {d}");
        }
    }
}
