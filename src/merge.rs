//! Comparing and merging bibliographies by entry and field, not by line.
//!
//! A value is compared by what it says: outer braces or quotes, runs of white space and
//! the case of field names and types do not count, nor does the order of fields or
//! entries — so a file that `bibkit fmt` rewrote is the same bibliography.
//!
//! [`diff`] gives the entries added, removed, re-keyed (the same fields under a new key)
//! and changed field by field. [`merge3`] is a three-way merge for git: starting from
//! our side's text (untouched entries stay byte for byte), it makes their side's changes
//! since the base — entries added, removed, and fields set, added or removed — and marks a
//! conflict only where both sides changed the same field (or one changed an entry the
//! other removed) differently, with git's markers inside the entry, so that `bibkit check`
//! points at it.
//!
//! ```
//! use bibkit::edit::Document;
//! use bibkit::merge::merge3;
//! let base = Document::parse("@misc{a, title = {T}, year = 2000}\n\n@misc{b, title = {B}}\n");
//! let ours = Document::parse("@misc{a, title = {T}, year = 2001}\n\n@misc{b, title = {B}}\n");
//! let theirs = Document::parse("@misc{a,\n  title = {T},\n  year  = 2000,\n  note  = {N},\n}\n\n@misc{c, title = {C}}\n");
//! let m = merge3(&base, &ours, &theirs).unwrap();
//! assert!(m.conflicts.is_empty());
//! assert_eq!(m.text, "@misc{a, title = {T}, year = 2001, note = {N}}\n\n@misc{c, title = {C}}\n");
//! ```

use std::collections::HashMap;

use crate::edit::{BlockKind, Change, Document, EditError, Value};

/// A value as compared: no outer delimiters, white space runs as one space.
pub(crate) fn normal(raw: &str) -> String {
    let t = raw.trim();
    let inner = if (t.starts_with('{') && t.ends_with('}')
        || t.starts_with('"') && t.ends_with('"'))
        && t.len() >= 2
    {
        &t[1..t.len() - 1]
    } else {
        t
    };
    inner.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One entry of a document: its block, type and fields (lowercase name → (normal value,
/// raw value, field index)), the first of each name.
#[derive(Debug, Clone)]
struct Item {
    block: usize,
    key: String,
    kind: String,
    fields: Vec<(String, String, String, usize)>,
}

impl Item {
    fn get(&self, name: &str) -> Option<&(String, String, String, usize)> {
        self.fields.iter().find(|f| f.0 == name)
    }

    /// Whether two entries say the same (type and fields, in any order).
    fn same(&self, other: &Item) -> bool {
        if self.kind != other.kind || self.fields.len() != other.fields.len() {
            return false;
        }
        self.fields
            .iter()
            .all(|f| other.get(&f.0).is_some_and(|g| g.1 == f.1))
    }
}

/// The entries of a document by lowercase key (the first of each key), in order.
fn items(doc: &Document) -> (Vec<Item>, HashMap<String, usize>) {
    let mut list = Vec::new();
    let mut by_key = HashMap::new();
    for (i, b) in doc.blocks().iter().enumerate() {
        if b.kind() != BlockKind::Entry {
            continue;
        }
        let key = doc.key(i).unwrap_or("").to_string();
        let lower = key.to_lowercase();
        if by_key.contains_key(&lower) {
            continue;
        }
        let mut fields: Vec<(String, String, String, usize)> = Vec::new();
        for k in 0..b.field_count() {
            let Some((name, raw)) = doc.field(i, k) else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            if fields.iter().any(|f| f.0 == name) {
                continue;
            }
            fields.push((name, normal(raw), raw.to_string(), k));
        }
        by_key.insert(lower, list.len());
        list.push(Item {
            block: i,
            key,
            kind: doc.entry_type(i).unwrap_or("").to_ascii_lowercase(),
            fields,
        });
    }
    (list, by_key)
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldChange {
    /// The field's name (lowercase).
    pub name: String,
    /// Its value before (as written), if it had one.
    pub old: Option<String>,
    /// Its value after, if it has one.
    pub new: Option<String>,
}

/// An entry whose fields changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EntryChange {
    /// Its key.
    pub key: String,
    /// What changed (the type shows as a field named `@type`).
    pub fields: Vec<FieldChange>,
}

/// What [`diff`] finds.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Diff {
    /// Keys of entries only the new file has.
    pub added: Vec<String>,
    /// Keys of entries only the old file has.
    pub removed: Vec<String>,
    /// (old key, new key) of entries that say the same under another key.
    pub rekeyed: Vec<(String, String)>,
    /// Entries whose fields changed.
    pub changed: Vec<EntryChange>,
}

impl Diff {
    /// Whether the two files say the same.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.rekeyed.is_empty()
            && self.changed.is_empty()
    }
}

/// The field changes from `old` to `new`.
fn field_changes(old: &Item, new: &Item) -> Vec<FieldChange> {
    let mut out = Vec::new();
    if old.kind != new.kind {
        out.push(FieldChange {
            name: "@type".into(),
            old: Some(old.kind.clone()),
            new: Some(new.kind.clone()),
        });
    }
    for f in &old.fields {
        match new.get(&f.0) {
            Some(g) if g.1 == f.1 => {}
            g => out.push(FieldChange {
                name: f.0.clone(),
                old: Some(f.2.clone()),
                new: g.map(|g| g.2.clone()),
            }),
        }
    }
    for g in &new.fields {
        if old.get(&g.0).is_none() {
            out.push(FieldChange {
                name: g.0.clone(),
                old: None,
                new: Some(g.2.clone()),
            });
        }
    }
    out
}

/// The differences between two bibliographies; see the module docs.
///
/// ```
/// use bibkit::edit::Document;
/// let old = Document::parse("@misc{a, title = {T}}\n@misc{b, title = {B}}\n@misc{gone}\n");
/// let new = Document::parse("@misc{a,\n  title = {T2},\n}\n@misc{b2, title = \"B\"}\n@misc{new}\n");
/// let d = bibkit::merge::diff(&old, &new);
/// assert_eq!(d.added, ["new"]);
/// assert_eq!(d.removed, ["gone"]);
/// assert_eq!(d.rekeyed, [("b".to_string(), "b2".to_string())]);
/// assert_eq!(d.changed[0].fields[0].new.as_deref(), Some("{T2}"));
/// ```
pub fn diff(old: &Document, new: &Document) -> Diff {
    let (o, ok) = items(old);
    let (n, nk) = (items(new).0, items(new).1);
    let mut d = Diff::default();
    let mut removed: Vec<&Item> = Vec::new();
    for e in &o {
        match nk.get(&e.key.to_lowercase()) {
            Some(&j) => {
                let fields = field_changes(e, &n[j]);
                if !fields.is_empty() {
                    d.changed.push(EntryChange {
                        key: n[j].key.clone(),
                        fields,
                    });
                }
            }
            None => removed.push(e),
        }
    }
    let mut added: Vec<&Item> = n
        .iter()
        .filter(|e| !ok.contains_key(&e.key.to_lowercase()))
        .collect();
    for r in removed {
        // An entry with no fields says nothing to recognise it by.
        match added.iter().position(|a| !r.fields.is_empty() && a.same(r)) {
            Some(p) => {
                d.rekeyed.push((r.key.clone(), added[p].key.clone()));
                added.remove(p);
            }
            None => d.removed.push(r.key.clone()),
        }
    }
    d.added = added.into_iter().map(|a| a.key.clone()).collect();
    d
}

/// What [`merge3`] gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The merged text (with conflict markers where there are conflicts).
    pub text: String,
    /// One line per conflict (`` `key`: both changed `title` ``).
    pub conflicts: Vec<String>,
}

/// Why a merge could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// A side has syntax errors: merging by entry could lose what it holds.
    #[error("the {0} version has syntax errors")]
    Syntax(&'static str),
    /// An edit was refused.
    #[error(transparent)]
    Edit(#[from] EditError),
}

/// A conflict to mark once the clean edits are made.
enum Mark {
    /// Field `name` of entry `key`: ours (raw, or absent) against theirs.
    Field {
        key: String,
        name: String,
        ours: Option<String>,
        theirs: Option<String>,
    },
    /// An entry one side changed and the other removed: its text on each side.
    Entry {
        key: String,
        ours: Option<String>,
        theirs: Option<String>,
    },
}

/// The three-way merge of `ours` and `theirs` from `base`; see the module docs.
///
/// # Errors
/// [`MergeError::Syntax`] when a side does not parse whole.
pub fn merge3(base: &Document, ours: &Document, theirs: &Document) -> Result<Merged, MergeError> {
    for (doc, side) in [(base, "base"), (ours, "our"), (theirs, "their")] {
        if doc.errors() > 0 {
            return Err(MergeError::Syntax(side));
        }
    }
    let (o, ok) = items(base);
    let (a, ak) = items(ours);
    let (b, bk) = items(theirs);
    let mut doc = ours.clone();
    let mut marks: Vec<Mark> = Vec::new();
    let mut conflicts: Vec<String> = Vec::new();
    let mut batch = doc.batch();
    let block_text = |d: &Document, i: usize| {
        let s = d.blocks()[i].span();
        d.text()[s.start..s.end].to_string()
    };
    // Entries both still have, or only theirs changed or removed.
    for e in &o {
        let k = e.key.to_lowercase();
        match (ak.get(&k).map(|&i| &a[i]), bk.get(&k).map(|&i| &b[i])) {
            (Some(x), Some(y)) => {
                if x.kind != y.kind && x.kind == e.kind {
                    batch.set_entry_type(x.block, theirs.entry_type(y.block).unwrap_or(&y.kind))?;
                } else if x.kind != y.kind && y.kind != e.kind {
                    conflicts.push(format!("`{}`: both changed its type", x.key));
                }
                let mut names: Vec<&str> = Vec::new();
                for f in e.fields.iter().chain(&x.fields).chain(&y.fields) {
                    if !names.contains(&f.0.as_str()) {
                        names.push(&f.0);
                    }
                }
                for name in names {
                    let (fo, fa, fb) = (e.get(name), x.get(name), y.get(name));
                    let norm = |f: Option<&(String, String, String, usize)>| f.map(|f| f.1.clone());
                    if norm(fa) == norm(fb) || norm(fb) == norm(fo) {
                        continue;
                    }
                    if norm(fa) == norm(fo) {
                        match fb {
                            Some(f) => batch.set_field(x.block, name, Value::raw(f.2.clone()))?,
                            None => batch.remove_field(x.block, name)?,
                        }
                        continue;
                    }
                    conflicts.push(format!("`{}`: both changed `{name}`", x.key));
                    marks.push(Mark::Field {
                        key: x.key.clone(),
                        name: name.to_string(),
                        ours: fa.map(|f| f.2.clone()),
                        theirs: fb.map(|f| f.2.clone()),
                    });
                }
            }
            (Some(x), None) => {
                if x.same(e) {
                    batch.remove_block(x.block)?;
                } else {
                    conflicts.push(format!("`{}`: we changed it, they removed it", x.key));
                    marks.push(Mark::Entry {
                        key: x.key.clone(),
                        ours: Some(block_text(ours, x.block)),
                        theirs: None,
                    });
                }
            }
            (None, Some(y)) => {
                if !y.same(e) {
                    conflicts.push(format!("`{}`: we removed it, they changed it", y.key));
                    marks.push(Mark::Entry {
                        key: y.key.clone(),
                        ours: None,
                        theirs: Some(block_text(theirs, y.block)),
                    });
                }
            }
            (None, None) => {}
        }
    }
    // Entries theirs added: new to ours, the same as one ours added, or both added the
    // key with different fields.
    let ours_added: Vec<&Item> = a
        .iter()
        .filter(|x| !ok.contains_key(&x.key.to_lowercase()))
        .collect();
    // Each side's model is read once, and only when something was added.
    let model_of = |doc: &Document| -> std::collections::HashMap<usize, crate::model::Entry> {
        doc.model().into_iter().collect()
    };
    let ours_model = if ours_added.is_empty() {
        Default::default()
    } else {
        model_of(ours)
    };
    let records: Vec<(&Item, crate::dedupe::Record)> = ours_added
        .iter()
        .filter_map(|x| {
            Some((
                *x,
                crate::dedupe::Record::from_entry(ours_model.get(&x.block)?),
            ))
        })
        .collect();
    let theirs_added = b.iter().any(|y| {
        !ok.contains_key(&y.key.to_lowercase()) && !ak.contains_key(&y.key.to_lowercase())
    });
    let theirs_model = if theirs_added && !records.is_empty() {
        model_of(theirs)
    } else {
        Default::default()
    };
    for y in b.iter().filter(|y| !ok.contains_key(&y.key.to_lowercase())) {
        match ak.get(&y.key.to_lowercase()).map(|&i| &a[i]) {
            Some(x) => {
                for f in &y.fields {
                    match x.get(&f.0) {
                        Some(g) if g.1 == f.1 => {}
                        None => batch.set_field(x.block, &f.0, Value::raw(f.2.clone()))?,
                        Some(g) => {
                            conflicts
                                .push(format!("`{}`: both added it, `{}` differs", x.key, f.0));
                            marks.push(Mark::Field {
                                key: x.key.clone(),
                                name: f.0.clone(),
                                ours: Some(g.2.clone()),
                                theirs: Some(f.2.clone()),
                            });
                        }
                    }
                }
            }
            None => {
                // The same work added under another key on our side: one entry.
                let theirs_record = theirs_model
                    .get(&y.block)
                    .map(crate::dedupe::Record::from_entry);
                let duplicate = theirs_record.is_some_and(|r| {
                    records.iter().any(|(_, mine)| {
                        crate::dedupe::compare(mine, &r, &crate::dedupe::Profile::strict())
                            .duplicate
                    })
                });
                if !duplicate {
                    batch.push_entry(&block_text(theirs, y.block))?;
                }
            }
        }
    }
    batch.apply()?;
    let _ = bk;
    // The conflicts, marked in the merged text.
    let mut changes: Vec<Change> = Vec::new();
    let mut tail = String::new();
    for m in marks {
        match m {
            Mark::Field {
                key,
                name,
                ours: mine,
                theirs: other,
            } => {
                let Some(&i) = doc.find(&key).first() else {
                    continue;
                };
                let line = |v: &Option<String>| {
                    v.as_ref()
                        .map(|v| format!("  {name} = {v},\n"))
                        .unwrap_or_default()
                };
                let marked = format!(
                    "\n<<<<<<< ours\n{}=======\n{}>>>>>>> theirs\n",
                    line(&mine),
                    line(&other)
                );
                let k = (0..doc.blocks()[i].field_count()).find(|&k| {
                    doc.field(i, k)
                        .is_some_and(|(n, _)| n.eq_ignore_ascii_case(&name))
                });
                match k.and_then(|k| doc.field_extent(i, k)) {
                    Some(s) => {
                        // The field's own lines become the marked ones.
                        let t = doc.text();
                        let line_start = t[..s.start].rfind('\n').map_or(0, |p| p + 1);
                        let own_line = t[line_start..s.start].trim().is_empty();
                        let rest = &t[s.end..];
                        let line_end = rest.find('\n').map(|p| s.end + p + 1);
                        let (start, end, text) = match line_end {
                            Some(e) if own_line && t[s.end..e].trim().is_empty() => {
                                (line_start, e, marked[1..].to_string())
                            }
                            _ => (s.start, s.end, marked),
                        };
                        changes.push(Change {
                            range: start..end,
                            text,
                        })
                    }
                    None => {
                        let end = doc.blocks()[i].span().end - 1;
                        changes.push(Change {
                            range: end..end,
                            text: marked,
                        });
                    }
                }
            }
            Mark::Entry {
                key,
                ours: mine,
                theirs: other,
            } => {
                let text = format!(
                    "<<<<<<< ours\n{}=======\n{}>>>>>>> theirs\n",
                    mine.map(|t| format!("{t}\n")).unwrap_or_default(),
                    other.map(|t| format!("{t}\n")).unwrap_or_default()
                );
                // Ours kept it: the entry becomes the marked pair; else at the end.
                match doc.find(&key).first() {
                    Some(&i) => {
                        let s = doc.blocks()[i].span();
                        changes.push(Change {
                            range: s.start..s.end,
                            text: text.trim_end().to_string(),
                        });
                    }
                    None => {
                        tail.push('\n');
                        tail.push_str(&text);
                    }
                }
            }
        }
    }
    changes.sort_by_key(|c| c.range.start);
    let mut text = crate::edit::splice(doc.text(), &changes);
    if !tail.is_empty() {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&tail);
    }
    Ok(Merged { text, conflicts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(o: &str, a: &str, b: &str) -> Merged {
        merge3(
            &Document::parse(o),
            &Document::parse(a),
            &Document::parse(b),
        )
        .unwrap()
    }

    #[test]
    fn different_fields_of_one_entry_merge() {
        let o = "@misc{a,\n  title = {T},\n  year  = 2000,\n}\n";
        let a = "@misc{a,\n  title = {T2},\n  year  = 2000,\n}\n";
        let b = "@misc{a,\n  title = {T},\n  year  = 2001,\n}\n";
        let r = m(o, a, b);
        assert!(r.conflicts.is_empty());
        assert_eq!(r.text, "@misc{a,\n  title = {T2},\n  year  = 2001,\n}\n");
    }

    #[test]
    fn one_field_changed_both_ways_is_marked_in_the_entry() {
        let o = "@misc{a,\n  title = {T},\n  year  = 2000,\n}\n";
        let a = "@misc{a,\n  title = {Ours},\n  year  = 2000,\n}\n";
        let b = "@misc{a,\n  title = {Theirs},\n  year  = 2000,\n}\n";
        let r = m(o, a, b);
        assert_eq!(r.conflicts, ["`a`: both changed `title`"]);
        assert_eq!(
            r.text,
            "@misc{a,\n<<<<<<< ours\n  title = {Ours},\n=======\n  title = {Theirs},\n>>>>>>> theirs\n  year  = 2000,\n}\n"
        );
        // `bibkit check` points at it.
        assert!(Document::parse(r.text.as_str()).errors() > 0);
    }

    #[test]
    fn removals_and_additions() {
        let o = "@misc{a, title = {A}}\n\n@misc{b, title = {B}}\n";
        // Ours removes a; theirs changes b and adds c.
        let a = "@misc{b, title = {B}}\n";
        let b = "@misc{a, title = {A}}\n\n@misc{b, title = {B2}}\n\n@misc{c, title = {C}}\n";
        let r = m(o, a, b);
        assert!(r.conflicts.is_empty(), "{:?}", r.conflicts);
        assert_eq!(r.text, "@misc{b, title = {B2}}\n\n@misc{c, title = {C}}\n");
        // Theirs removes what ours changed: a conflict with both sides.
        let r = m(
            o,
            "@misc{a, title = {A2}}\n\n@misc{b, title = {B}}\n",
            "@misc{b, title = {B}}\n",
        );
        assert_eq!(r.conflicts, ["`a`: we changed it, they removed it"]);
        assert!(
            r.text
                .starts_with("<<<<<<< ours\n@misc{a, title = {A2}}\n=======\n>>>>>>> theirs")
        );
    }

    #[test]
    fn both_adding_one_work_gives_one_entry() {
        let o = "@misc{x, title = {X}}\n";
        let a = "@misc{x, title = {X}}\n\n@article{knuth84, title = {Literate Programming}, author = {Knuth, Donald E.}, year = 1984, doi = {10.1093/comjnl/27.2.97}}\n";
        let b = "@misc{x, title = {X}}\n\n@article{Knuth:1984, title = {Literate programming}, author = {D. E. Knuth}, year = 1984, doi = {10.1093/COMJNL/27.2.97}}\n";
        let r = m(o, a, b);
        assert_eq!(r.text, a);
        // The same key added on both sides with a field each: merged.
        let a = "@misc{x, title = {X}}\n\n@misc{n, title = {N}}\n";
        let b = "@misc{x, title = {X}}\n\n@misc{n,\n  title = {N},\n  year  = 2020,\n}\n";
        assert_eq!(
            m(o, a, b).text,
            "@misc{x, title = {X}}\n\n@misc{n, title = {N}, year = 2020}\n"
        );
    }

    #[test]
    fn a_reformatted_side_changes_nothing() {
        let o = "@misc{a, title = {T}, year = 2000}\n";
        let fmt = "@misc{a,\n  title = {T},\n  year  = 2000,\n}\n";
        let changed = "@misc{a, title = {T}, year = 2001}\n";
        // Theirs ran fmt, ours changed a field: ours.
        assert_eq!(m(o, changed, fmt).text, changed);
        // Ours ran fmt, theirs changed a field: the change, in our layout.
        assert_eq!(
            m(o, fmt, changed).text,
            "@misc{a,\n  title = {T},\n  year  = 2001,\n}\n"
        );
        // Both re-formatted differently: no conflict.
        let other = "@misc{a,\n    title=\"T\",\n    year=2000\n}\n";
        let r = m(o, fmt, other);
        assert!(r.conflicts.is_empty());
        assert_eq!(r.text, fmt);
    }
}
