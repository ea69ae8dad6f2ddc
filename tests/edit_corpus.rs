//! The document API over every corpus file with random edit sequences (fields set, added,
//! removed and renamed; value pieces set, added and removed; Unicode text in ASCII style;
//! entries inserted): only the edited spans change (every other byte is the file's), and
//! reading the result gives exactly the edited records — the others read as before.

mod common;

use bibkit::edit::{Change, Document, Value};

/// A small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Rebuilds the new text from the old one and the changes: it must be the document's.
fn splice(old: &str, changes: &[Change]) -> String {
    let mut out = String::new();
    let mut pos = 0;
    for c in changes {
        assert!(c.range.start >= pos, "changes in order and apart");
        out.push_str(&old[pos..c.range.start]);
        out.push_str(&c.text);
        pos = c.range.end;
    }
    out.push_str(&old[pos..]);
    out
}

#[test]
fn random_edits_change_only_what_they_edit() {
    let Some(corpus) = common::corpus("random_edits_change_only_what_they_edit") else {
        return;
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut files = 0;
    let mut edits = 0;
    // How many edits of each kind were made (set, set, remove, rename, insert a piece,
    // remove one, set in ASCII, insert an entry).
    let mut kinds = [0usize; 8];
    for row in common::manifest(&corpus) {
        if row.encoding().is_some() {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(corpus.join("bib").join(&row.file)) else {
            continue;
        };
        files += 1;
        let mut doc = Document::parse(text);
        let errors = doc.errors();
        for round in 0..3 {
            let entries: Vec<usize> = (0..doc.blocks().len())
                .filter(|&i| {
                    !doc.field_names(i).is_empty() && doc.key(i).is_some_and(|k| !k.is_empty())
                })
                .collect();
            if entries.is_empty() {
                break;
            }
            let old = doc.text().to_string();
            let count = doc.blocks().len();
            let before = doc.model();
            // Distinct entries, one edit each, with their field names.
            let mut picked: Vec<(usize, Vec<String>)> = Vec::new();
            for _ in 0..5 {
                let e = entries[rng.below(entries.len())];
                if !picked.iter().any(|(p, _)| *p == e) {
                    let names = doc.field_names(e).into_iter().map(str::to_string).collect();
                    picked.push((e, names));
                }
            }
            let picked_keys: Vec<String> = picked
                .iter()
                .filter_map(|(e, _)| doc.key(*e).map(str::to_ascii_lowercase))
                .collect();
            // The number of pieces of the first field of each picked entry.
            let pieces: Vec<usize> = picked
                .iter()
                .map(|(e, _)| doc.pieces(*e, 0).len())
                .collect();
            let mut batch = doc.batch();
            // (entry, field, its raw value after: `None` gone, empty: there once).
            let mut expect: Vec<(usize, String, Option<String>)> = Vec::new();
            // (entry, pieces its first field has after)
            let mut expect_pieces: Vec<(usize, usize)> = Vec::new();
            let mut inserted: Vec<String> = Vec::new();
            for (k, (e, names)) in picked.into_iter().enumerate() {
                let kind = rng.below(8);
                kinds[kind] += 1;
                match kind {
                    4 if pieces[k] > 0 => {
                        let at = rng.below(pieces[k] + 1);
                        batch
                            .insert_piece(e, 0, at, Value::text(format!(" (part {k})")))
                            .unwrap();
                        expect_pieces.push((e, pieces[k] + 1));
                    }
                    5 if pieces[k] > 1 => {
                        batch.remove_piece(e, 0, rng.below(pieces[k])).unwrap();
                        expect_pieces.push((e, pieces[k] - 1));
                    }
                    6 => {
                        let n = names[rng.below(names.len())].clone();
                        if names.iter().filter(|m| m.eq_ignore_ascii_case(&n)).count() == 1 {
                            batch.ascii(true).protect_case(false);
                            batch.set_field(e, &n, Value::text("Café Ødegård")).unwrap();
                            batch.ascii(false).protect_case(true);
                            expect.push((e, n, Some(r"{Caf{\'e} {\O}deg{\aa}rd}".into())));
                        }
                    }
                    7 => {
                        let key = format!("x-inserted-{round}-{k}");
                        let entry = format!("@misc{{{key},\n  note = {{Inserted}},\n}}");
                        if rng.below(2) == 0 {
                            batch.insert_before(e, &entry).unwrap();
                        } else {
                            batch.insert_after(e, &entry).unwrap();
                        }
                        inserted.push(key);
                    }
                    0 => {
                        let v = format!("Edited {} & co", rng.below(1000));
                        batch
                            .set_field(e, "x-edited", Value::text(v.clone()))
                            .unwrap();
                        expect.push((
                            e,
                            "x-edited".into(),
                            Some(format!("{{{}}}", v.replace('&', "\\&"))),
                        ));
                    }
                    1 => {
                        let n = &names[rng.below(names.len())];
                        batch.set_field(e, n, Value::raw("{Replaced}")).unwrap();
                        expect.push((e, n.clone(), Some("{Replaced}".into())));
                    }
                    2 if names.len() > 1 => {
                        let n = names[rng.below(names.len())].clone();
                        // Only a name the entry has once, so that it is gone after.
                        if names.iter().filter(|m| m.eq_ignore_ascii_case(&n)).count() == 1 {
                            batch.remove_field(e, &n).unwrap();
                            expect.push((e, n, None));
                        }
                    }
                    _ => {
                        let n = names[rng.below(names.len())].clone();
                        if names.iter().filter(|m| m.eq_ignore_ascii_case(&n)).count() == 1 {
                            let new = format!("x-renamed-{round}-{k}");
                            batch.rename_field(e, &n, &new).unwrap();
                            expect.push((e, new, Some(String::new())));
                        }
                    }
                }
                edits += 1;
            }
            let changes = batch.apply().unwrap();
            assert_eq!(splice(&old, &changes), doc.text(), "{}", row.file);
            assert_eq!(
                doc.blocks().len(),
                count + inserted.len(),
                "{}: blocks",
                row.file
            );
            for key in &inserted {
                assert_eq!(
                    doc.find(key).len(),
                    1,
                    "{}: `{key}` inserted once",
                    row.file
                );
            }
            // The records not edited read exactly as before, in the same order.
            let after = doc.model();
            let untouched = |m: &[(usize, bibkit::model::Entry)]| -> Vec<String> {
                m.iter()
                    .map(|(_, e)| e)
                    .filter(|e| {
                        let k = e.key.to_ascii_lowercase();
                        !picked_keys.contains(&k) && !inserted.contains(&e.key)
                    })
                    .map(|e| {
                        let fields: Vec<String> = e
                            .fields
                            .iter()
                            .map(|f| format!("{}={:?}", f.name, f.value))
                            .collect();
                        format!("{} {} {}", e.key, e.kind, fields.join(" "))
                    })
                    .collect()
            };
            assert_eq!(
                untouched(&before),
                untouched(&after),
                "{}: records not edited",
                row.file
            );
            assert_eq!(
                doc.errors(),
                errors,
                "{}: syntax errors\n{}",
                row.file,
                doc.text()
            );
            // Block `e` of the old text is block `shift(e)` now.
            let starts: Vec<usize> = inserted.iter().map(|k| doc.find(k)[0]).collect();
            let shift = |e: usize| {
                let mut i = e;
                let mut sorted = starts.clone();
                sorted.sort_unstable();
                for s in sorted {
                    if s <= i {
                        i += 1;
                    }
                }
                i
            };
            for (e, want) in expect_pieces {
                assert_eq!(doc.pieces(shift(e), 0).len(), want, "{}: pieces", row.file);
            }
            for (e, name, want) in expect {
                let e = shift(e);
                let got = doc.fields(e, &name);
                match want {
                    None => assert!(got.is_empty(), "{}: `{name}` still there", row.file),
                    Some(w) if w.is_empty() => assert_eq!(got.len(), 1, "{}: `{name}`", row.file),
                    // Braced or quoted, as the entry's other fields are.
                    Some(w) => assert_eq!(
                        got.first().map(|g| inner(g)),
                        Some(inner(&w)),
                        "{}: `{name}`",
                        row.file
                    ),
                }
            }
        }
    }
    assert!(files > 30, "{files} files");
    eprintln!("edit corpus: {edits} edits over {files} files, by kind {kinds:?}");
    assert!(
        kinds.iter().all(|&n| n > 20),
        "every kind of edit is tried: {kinds:?}"
    );
}

/// A value without its outer braces or quotes.
fn inner(v: &str) -> &str {
    v.strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))
        .or_else(|| v.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
        .unwrap_or(v)
}
