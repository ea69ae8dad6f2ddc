//! The `.bib` reader's grammar and lowering, one behaviour per test.

use bibkit::diagnostic::Severity;
use bibkit::formats::bibtex::{self, Reader};
use bibkit::model::{Name, Person, Value};

fn text(p: &bibkit::formats::Parsed, key: &str, field: &str) -> String {
    p.bibliography
        .get(key)
        .unwrap()
        .get(field)
        .unwrap()
        .to_plain_string()
}

/// The entry's `date`, as written in EDTF.
fn date(p: &bibkit::formats::Parsed, key: &str) -> String {
    p.bibliography
        .get(key)
        .unwrap()
        .date_in("date")
        .unwrap()
        .to_string()
}

#[test]
fn macros_are_case_insensitive_and_may_use_earlier_macros() {
    let p = bibtex::read(
        "@STRING{ACM = \"Assoc. Comp. Mach.\"}\n@string{acmp = acm # \" Press\"}\n@book{k, publisher = ACMP}",
    );
    assert_eq!(text(&p, "k", "publisher"), "Assoc. Comp. Mach. Press");
    assert!(p.diagnostics.is_empty());
}

#[test]
fn month_macros_are_predefined_and_can_be_redefined() {
    let p = bibtex::read(
        "@misc{a, year = 2001, month = aug}\n@string{aug = \"Augustus\"}\n@misc{b, note = aug}",
    );
    assert_eq!(date(&p, "a"), "2001-08");
    assert_eq!(text(&p, "b", "note"), "Augustus");
}

#[test]
fn concatenation_of_quoted_braced_numbers_and_macros() {
    let p = bibtex::read("@string{v = \"V\"}\n@misc{k, note = \"a\" # {b} # 12 # v}");
    assert_eq!(text(&p, "k", "note"), "ab12V");
}

#[test]
fn quoted_values_may_hold_braces_and_quotes_in_braces() {
    let p = bibtex::read("@misc{k, title = \"The {\"}Quote{\"} and {NASA}\"}");
    assert_eq!(text(&p, "k", "title"), "The \"Quote\" and NASA");
}

#[test]
fn parenthesised_entries_and_case_insensitive_types_and_fields() {
    let p = bibtex::read("@ARTICLE(k1, TITLE = {T}, Year = 1999)");
    let e = p.bibliography.get("k1").unwrap();
    assert_eq!(e.kind, "article");
    assert_eq!(e.get("title").unwrap().to_plain_string(), "T");
    assert_eq!(e.date_in("date").unwrap().to_string(), "1999");
}

#[test]
fn unknown_entry_types_are_kept() {
    // bib2gls glossary entries (corpus: texlive__bib2gls-bacteria.bib).
    let p =
        bibtex::read("@abbreviation{cbot, short = {C.~botulinum}, long = {Clostridium botulinum}}");
    let e = p.bibliography.get("cbot").unwrap();
    assert_eq!(e.kind, "abbreviation");
    assert_eq!(
        e.get("short").unwrap().to_plain_string(),
        "C.\u{a0}botulinum"
    );
}

#[test]
fn jabref_comment_blocks_and_text_between_entries_are_comments() {
    let p = bibtex::read(
        "Some text.\n@Comment{jabref-meta: databaseType:bibtex;}\n@misc{k}\n% trailing\n",
    );
    assert_eq!(p.bibliography.len(), 1);
    let texts: Vec<&str> = p
        .bibliography
        .comments
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "Some text.",
            "jabref-meta: databaseType:bibtex;",
            "trailing"
        ]
    );
    assert!(p.diagnostics.is_empty());
}

#[test]
fn empty_keys_get_generated_keys_with_a_warning() {
    // Citavi exports (corpus: jabref__CitaviXmlImporterTest2.bib).
    let p = bibtex::read("@article{, author = {Krause, Monika}, title = {Field}, year = 2014}");
    assert_eq!(p.bibliography.entries[0].key, "krause2014field");
    assert_eq!(p.diagnostics[0].rule, "missing-key");
    assert_eq!(p.diagnostics[0].severity, Severity::Warning);
}

#[test]
fn duplicate_fields_and_undefined_macros_warn_and_keep_everything() {
    let p = bibtex::read("@misc{k, note = {a}, NOTE = {b}, journal = jcp}");
    let rules: Vec<&str> = p.diagnostics.iter().map(|d| d.rule).collect();
    assert_eq!(rules, ["duplicate-field", "undefined-macro"]);
    let e = p.bibliography.get("k").unwrap();
    assert_eq!(e.fields.iter().filter(|f| f.name == "note").count(), 2);
    assert_eq!(e.get("journaltitle").unwrap().to_plain_string(), "jcp");
    assert!(
        p.diagnostics
            .iter()
            .all(|d| d.severity == Severity::Warning && d.key.as_deref() == Some("k"))
    );
}

#[test]
fn names_use_bibtex_rules_and_others_truncates() {
    let p = bibtex::read(
        r#"@misc{k, author = {van der Maaten, Laurens and Steele, Jr., Guy L. and {World Health Organization} and others}}"#,
    );
    let names = p.bibliography.get("k").unwrap().names("author").unwrap();
    assert_eq!(
        names.names,
        [
            Name::Person(Person::new("Laurens", "van der", "Maaten", "")),
            Name::Person(Person::new("Guy L.", "", "Steele", "Jr.")),
            Name::Literal("World Health Organization".into()),
        ]
    );
    assert!(names.truncated);
}

#[test]
fn verbatim_fields_are_not_decoded_and_dois_lose_their_prefix() {
    let p = bibtex::read(
        r"@misc{k, url = {http://x.org/a_b%20c~d}, doi = {https://doi.org/10.1000/x_y}, file = {C:\dir\f.pdf}}",
    );
    let e = p.bibliography.get("k").unwrap();
    assert_eq!(
        e.get("url"),
        Some(&Value::Verbatim("http://x.org/a_b%20c~d".into()))
    );
    assert_eq!(e.get("doi"), Some(&Value::Verbatim("10.1000/x_y".into())));
    assert_eq!(
        e.get("file"),
        Some(&Value::Verbatim(r"C:\dir\f.pdf".into()))
    );
}

#[test]
fn text_is_decoded_to_nfc_unicode() {
    let p = bibtex::read("@misc{k, title = {G{\\\"o}del, Fuc\u{30C}kar and \\v{Z}i\\v{z}ek}}");
    let t = text(&p, "k", "title");
    assert_eq!(t, "Gödel, Fučkar and Žižek");
    use unicode_normalization::UnicodeNormalization;
    assert_eq!(t.nfc().collect::<String>(), t);
}

#[test]
fn year_month_day_become_one_date_and_irregular_years_stay() {
    let p = bibtex::read(
        "@misc{a, year = 2020, month = {Sep--Oct}}\n@misc{b, year = {c1988}}\n@misc{c, year = 2001, month = 10, day = 25}",
    );
    assert_eq!(date(&p, "a"), "2020-09/2020-10");
    assert_eq!(text(&p, "b", "year"), "c1988");
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.rule == "invalid-date" && d.key.as_deref() == Some("b"))
    );
    assert_eq!(date(&p, "c"), "2001-10-25");
}

#[test]
fn crossref_inheritance_is_resolved_and_configurable() {
    // biblatex maps the parent's title to the child's booktitle.
    let src = "@inproceedings{a, title = {Paper}, crossref = {P}}\n@proceedings{p, title = {Proc}, publisher = {ACM}, year = 2001}";
    let p = Reader::new().read(src);
    let a = p.bibliography.get("a").unwrap();
    assert_eq!(a.get("booktitle").unwrap().to_plain_string(), "Proc");
    assert_eq!(a.get("title").unwrap().to_plain_string(), "Paper");
    assert_eq!(a.get("publisher").unwrap().to_plain_string(), "ACM");
    let raw = Reader::new().resolve_crossrefs(false).read(src);
    assert!(
        raw.bibliography
            .get("a")
            .unwrap()
            .get("publisher")
            .is_none()
    );
}

#[test]
fn xdata_fields_are_inherited_and_missing_targets_warn() {
    let p = bibtex::read(
        "@xdata{pub, publisher = {Springer}, location = {Berlin}}\n@book{b, xdata = {pub, gone}, title = {T}}",
    );
    let b = p.bibliography.get("b").unwrap();
    assert_eq!(b.get("publisher").unwrap().to_plain_string(), "Springer");
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.rule == "missing-crossref" && d.message.contains("`gone`"))
    );
}

#[test]
fn circular_crossrefs_terminate() {
    let p = bibtex::read("@misc{a, crossref = {b}}\n@misc{b, crossref = {a}, note = {n}}");
    assert_eq!(p.bibliography.len(), 2);
    assert_eq!(text(&p, "a", "note"), "n");
}

#[test]
fn a_broken_entry_is_junk_with_position_key_and_expectation() {
    let src = "@misc{ok1, title = {A}}\n@article{broken, title = {B} year = 2000}\n@misc{ok2, title = {C}}";
    let p = bibtex::read(src);
    let keys: Vec<&str> = p.bibliography.keys().collect();
    assert_eq!(keys, ["ok1", "ok2"]);
    let d = &p.diagnostics[0];
    assert_eq!(
        (d.severity, d.rule, d.line, d.column),
        (Severity::Error, "syntax", 2, 30)
    );
    assert_eq!(d.key.as_deref(), Some("broken"));
    assert!(d.message.contains("expected `,` or `}`"), "{}", d.message);
}

#[test]
fn a_hundred_thousand_nested_braces_do_not_overflow_the_stack() {
    let n = 100_000;
    let src = format!(
        "@misc{{k, note = {}deep{}}}\n@misc{{after}}",
        "{".repeat(n),
        "}".repeat(n)
    );
    let p = bibtex::read(&src);
    assert_eq!(text(&p, "k", "note"), "deep");
    assert!(p.bibliography.get("after").is_some());
    let unclosed = format!("@misc{{k, note = {}deep}}\n@misc{{after}}", "{".repeat(n));
    let p = bibtex::read(&unclosed);
    assert!(p.bibliography.get("after").is_some());
    assert_eq!(p.diagnostics.len(), 1);
}

/// Fuzzing found: `${C$r}` read `{C` as math, and the writer then produced unbalanced braces.
#[test]
fn regression_math_cannot_close_inside_a_brace_group() {
    let p = bibtex::read("@misc{k, title = {${C$r}}}");
    let out = bibtex::write(&p.bibliography, &bibtex::WriteOptions::new());
    assert!(
        bibkit::syntax::parse(&out).diagnostics().is_empty(),
        "{out}"
    );
    assert_eq!(
        bibtex::read(&out).bibliography,
        bibtex::Reader::new().read(&out).bibliography
    );
}

/// Fuzzing found: math spanning lines kept a line starting with `@article{`, which cut the
/// written value short when read again.
#[test]
fn regression_lines_starting_an_entry_inside_values_are_indented_on_output() {
    let p = bibtex::read("@misc{k, title = {$a\n@article{x, $}, url = {u\n@misc{y}}}");
    let out = bibtex::write(&p.bibliography, &bibtex::WriteOptions::new());
    let again = bibtex::read(&out);
    assert!(
        again.diagnostics.is_empty(),
        "{out}\n{:?}",
        again.diagnostics
    );
    assert_eq!(again.bibliography.len(), 1);
}

/// Fuzzing found: the DOI prefix check sliced a string inside a multi-byte character.
#[test]
fn regression_doi_prefix_check_respects_character_boundaries() {
    let p = bibtex::read("@misc{k, doi = {ab\u{fffd}\u{fffd}cdefghijklmnop}}");
    assert_eq!(
        p.bibliography
            .get("k")
            .unwrap()
            .get("doi")
            .unwrap()
            .to_plain_string(),
        "ab\u{fffd}\u{fffd}cdefghijklmnop"
    );
}
