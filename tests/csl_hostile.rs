//! The CSL-JSON reader on hostile input: every problem is reported at the line and column
//! of the offending key or value and the item is still read (duplicate keys, lone
//! surrogates, dates that are no dates); mis-nested markup converts idempotently to
//! schema-valid output; and inputs built to be slow (thousands of properties in one item,
//! thousands of broken items on one line, a long minified array) read correctly. Their time
//! is measured by `cargo bench --bench hostile`, not here.

mod common;

use std::fmt::Write as _;

use bibkit::convert::{Converter, Target};
use bibkit::diagnostic::{Diagnostic, Severity, line_col};
use bibkit::formats::csl_json;
use bibkit::model::Value;
use bibkit::source;
use proptest::prelude::*;
use serde_json::Value as Json;

/// The line and column of the `n`-th (0-based) occurrence of `needle` in `text`.
fn pos(text: &str, needle: &str, n: usize) -> (u32, u32) {
    let at = text
        .match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("`{needle}` #{n} in the text"))
        .0;
    line_col(text, at)
}

fn by_rule<'a>(ds: &'a [Diagnostic], rule: &str) -> Vec<&'a Diagnostic> {
    ds.iter().filter(|d| d.rule == rule).collect()
}

fn at(d: &Diagnostic) -> (u32, u32) {
    (d.line, d.column)
}

/// Converts CSL-JSON to CSL-JSON through the streaming converter.
fn csl_to_csl(text: &str) -> (String, Vec<Diagnostic>) {
    let decoded = source::decode_utf8(text.as_bytes());
    let mut conv = Converter::new(Vec::new(), Target::CslJson);
    let diags = conv.csl_json(&decoded, None, None).expect("memory");
    let out = String::from_utf8(conv.finish().expect("memory")).expect("UTF-8");
    (out, diags)
}

#[test]
fn duplicate_keys_are_reported_where_they_repeat() {
    let text = r#"[
  {
    "id": "a",
    "type": "book",
    "title": "First",
    "author": [{"family": "Doe", "given": "Jane", "family": "Roe"}],
    "issued": {"date-parts": [[2001]], "date-parts": [[2002]]},
    "title": "Second"
  }
]"#;
    let p = csl_json::read(text);
    assert_eq!(p.bibliography.entries.len(), 1);
    let e = &p.bibliography.entries[0];
    assert_eq!(e.get("title").unwrap().to_plain_string(), "Second");
    assert_eq!(e.names("author").unwrap().names[0].to_string(), "Jane Roe");
    assert_eq!(e.get("date").unwrap().to_plain_string(), "2002");
    let dups = by_rule(&p.diagnostics, "csl-duplicate");
    assert_eq!(dups.len(), 3, "{dups:?}");
    assert_eq!(at(dups[0]), pos(text, "\"family\"", 1));
    assert!(
        dups[0].message.contains("in `author[0]`"),
        "{}",
        dups[0].message
    );
    assert!(dups[0].message.contains("the last value is used"));
    assert_eq!(at(dups[1]), pos(text, "\"date-parts\"", 1));
    assert!(dups[1].message.contains("in `issued`"));
    assert_eq!(at(dups[2]), pos(text, "\"title\"", 1));
    assert!(dups.iter().all(|d| d.severity == Severity::Warning));
    assert!(dups.iter().all(|d| d.key.as_deref() == Some("a")));
    // Keys spelled with escapes are the same keys.
    let p = csl_json::read(r#"[{"id": "a", "type": "book", "note": "x", "n\u006fte": "y"}]"#);
    assert_eq!(by_rule(&p.diagnostics, "csl-duplicate").len(), 1);
    assert_eq!(
        p.bibliography.entries[0]
            .get("note")
            .unwrap()
            .to_plain_string(),
        "y"
    );
    // The same key in different objects is no duplicate.
    let p = csl_json::read(
        r#"[{"id": "a", "type": "book", "author": [{"family": "A"}, {"family": "B"}]}]"#,
    );
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
}

#[test]
fn duplicate_ids_reserve_the_value_that_is_used() {
    // The last `id` is the item's key, and a keyless item's generated key avoids it.
    let text = r#"[{"type": "book", "title": "Keyless"},
  {"id": "x", "id": "anonkeyless", "type": "book"}]"#;
    let p = csl_json::read(text);
    let keys: Vec<&str> = p.bibliography.keys().collect();
    assert_eq!(keys, ["anonkeylessa", "anonkeyless"]);
}

#[test]
fn lone_surrogates_read_as_replacement_characters() {
    let text = "[{\"id\": \"a\", \"type\": \"book\",\n  \"title\": \"A\\ud800B \\ud83d\\ude00 \\udc00 \\ud800\\ud800\\udc00 \\\\ud800\",\n  \"note\": \"\\ud800\"}]";
    let p = csl_json::read(text);
    assert_eq!(p.bibliography.entries.len(), 1, "{:?}", p.diagnostics);
    let e = &p.bibliography.entries[0];
    assert_eq!(
        e.get("title").unwrap().to_plain_string(),
        "A\u{fffd}B 😀 \u{fffd} \u{fffd}\u{10000} \\ud800"
    );
    assert_eq!(e.get("note").unwrap().to_plain_string(), "\u{fffd}");
    let warns = by_rule(&p.diagnostics, "csl-surrogate");
    assert_eq!(warns.len(), 4, "{warns:?}");
    assert_eq!(at(warns[0]), pos(text, "\\ud800", 0));
    assert_eq!(at(warns[1]), pos(text, "\\udc00", 0));
    assert_eq!(at(warns[2]), pos(text, "\\ud800", 1));
    assert_eq!(at(warns[3]), pos(text, "\\ud800", 4));
    assert!(warns[0].message.contains("U+FFFD"));
    assert!(warns.iter().all(|d| d.severity == Severity::Warning));
    // A lone surrogate in an id or a key, and in a single item.
    let p = csl_json::read(r#"{"id": "k\udbff", "type": "book", "x\udc00": 1}"#);
    assert_eq!(p.bibliography.entries[0].key, "k\u{fffd}");
    assert_eq!(by_rule(&p.diagnostics, "csl-surrogate").len(), 2);
    // The converter writes the replacement character.
    let (out, _) = csl_to_csl(text);
    let json: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["note"], "\u{fffd}");
}

/// Reads `issued` of a one-item array, with the diagnostics.
fn issued(date: &str) -> (String, Option<Value>, Vec<Diagnostic>) {
    let text = format!("[{{\"id\": \"a\", \"type\": \"book\",\n  \"issued\": {date}}}]");
    let p = csl_json::read(&text);
    assert_eq!(p.bibliography.entries.len(), 1, "{date}");
    let v = p.bibliography.entries[0].get("date").cloned();
    (text, v, p.diagnostics)
}

#[test]
fn dates_that_are_no_dates_are_kept_as_text_with_a_warning_at_the_value() {
    for (date, needle, text_value) in [
        (r#"{"date-parts": [[2020, 1, 99]]}"#, "99", "2020-1-99"),
        (r#"{"date-parts": [[2021, 2, 29]]}"#, "29", "2021-2-29"),
        (r#"{"date-parts": [[2020, 25]]}"#, "25", "2020-25"),
        (r#"{"date-parts": [[2020, 0]]}"#, "0]", "2020-0"),
        (r#"{"date-parts": [[2020, 14, 3]]}"#, "3]", "2020-14-3"),
        (r#"{"date-parts": [["20x0"]]}"#, "\"20x0\"", "20x0"),
        (r#"{"date-parts": [[2020.5]]}"#, "2020.5", "2020.5"),
        (r#"{"date-parts": [[0, 5]]}"#, "0,", "0-5"),
        (r#"{"date-parts": [[2020, 5, 1, 7]]}"#, "7", "2020-5-1-7"),
        (
            r#"{"date-parts": [[2020], [2021], [2022]]}"#,
            "[2022]",
            "2020/2021/2022",
        ),
        (
            r#"{"date-parts": [[2020, 1], [2020, 13, 40]]}"#,
            "40",
            "2020-1/2020-13-40",
        ),
        (
            r#"{"date-parts": [[2020]], "season": "Michaelmas"}"#,
            "\"Michaelmas\"",
            "Michaelmas 2020",
        ),
        (
            r#"{"date-parts": [[2020, 5]], "season": 2}"#,
            "2}",
            "2 2020-5",
        ),
        (
            r#"{"date-parts": [[2020, 1, 99]], "circa": true}"#,
            "99",
            "ca. 2020-1-99",
        ),
    ] {
        let (text, v, diags) = issued(date);
        let warns = by_rule(&diags, "invalid-date");
        assert_eq!(warns.len(), 1, "{date}: {diags:?}");
        let needle_at = text.find(date).unwrap() + date.find(needle).unwrap();
        assert_eq!(
            at(warns[0]),
            line_col(&text, needle_at),
            "{date}: {}",
            warns[0].message
        );
        assert!(
            warns[0].message.contains("kept as text"),
            "{}",
            warns[0].message
        );
        match v {
            Some(Value::Text(t)) => assert_eq!(t.to_plain_string(), text_value, "{date}"),
            other => panic!("{date}: {other:?}"),
        }
        // A round trip shows it, as a literal, and is stable.
        let (once, _) = csl_to_csl(&text);
        let json: Json = serde_json::from_str(&once).unwrap();
        assert_eq!(json[0]["issued"]["literal"], text_value, "{date}");
        assert_eq!(csl_to_csl(&once).0, once, "{date}");
    }
}

#[test]
fn seasons_in_date_parts() {
    // citeproc-js reads months 13–16 (and 17–20) as seasons; EDTF codes them 21–24.
    for (date, want) in [
        (r#"{"date-parts": [[2020, 13]]}"#, "2020-21"),
        (r#"{"date-parts": [[2020, 16]]}"#, "2020-24"),
        (r#"{"date-parts": [[2020, 18]]}"#, "2020-22"),
        (r#"{"date-parts": [[2020, 23]]}"#, "2020-23"),
        (
            r#"{"date-parts": [[2020, 13], [2020, 15]]}"#,
            "2020-21/2020-23",
        ),
        (r#"{"date-parts": [[2020]], "season": "winter"}"#, "2020-24"),
        (r#"{"date-parts": [[2020]], "season": 3}"#, "2020-23"),
        (r#"{"date-parts": [[2020, 14]], "season": 2}"#, "2020-22"),
        (r#"{"date-parts": [[2020, "", ""]]}"#, "2020"),
        (r#"{"date-parts": [[2020]], "season": ""}"#, "2020"),
    ] {
        let (_, v, diags) = issued(date);
        assert!(diags.is_empty(), "{date}: {diags:?}");
        assert_eq!(v.unwrap().to_plain_string(), want, "{date}");
    }
    // Written back as months 13–16 in a range, `season` otherwise.
    let (once, _) = csl_to_csl(
        r#"[{"id": "a", "type": "book", "issued": {"date-parts": [[2020, 23], [2021, 13]]}}]"#,
    );
    let json: Json = serde_json::from_str(&once).unwrap();
    assert_eq!(
        json[0]["issued"]["date-parts"],
        serde_json::json!([[2020, 15], [2021, 13]])
    );
}

#[test]
fn property_positions_are_those_of_the_property() {
    // The key is found where it is a key, not inside an earlier value.
    let text = r#"[{"id": "a", "custom": {"type": "x"}, "note": "the \"type\" is odd",
  "type": "bogus", "flavour": 1}]"#;
    let p = csl_json::read(text);
    let ty = by_rule(&p.diagnostics, "csl-type");
    assert_eq!(at(ty[0]), pos(text, "\"type\"", 1));
    let var = by_rule(&p.diagnostics, "csl-variable");
    assert_eq!(at(var[0]), pos(text, "\"flavour\"", 0));
}

fn markup_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z]{1,3}( )?",
        1 => prop::sample::select(vec![
            "<i>", "</i>", "<b>", "</b>", "<sup>", "</sup>", "<sub>", "</sub>",
            "<span class=\"nocase\">", "<span style=\"font-variant:small-caps;\">", "</span>",
            "<span class='nocase'>", "< i >", "<I>", "<br/>", "<", ">", "&lt;", "&amp;",
            "{", "}", "\\", "$", "&", "%", "~", "^", "_", "#", "--", "\u{a0}", "–", "“", "﷐",
        ])
        .prop_map(str::to_string),
    ]
}

fn markup() -> impl Strategy<Value = String> {
    prop::collection::vec(markup_piece(), 1..12).prop_map(|p| p.concat())
}

fn items(titles: &[String]) -> String {
    let mut s = String::from("[");
    for (i, t) in titles.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let t = serde_json::to_string(t).unwrap();
        let _ = write!(
            s,
            r#"{{"id": "k{i}", "type": "chapter", "title": {t}, "container-title": {t}, "note": {t}, "publisher": {t}, "custom": {{"x": {t}}}}}"#
        );
    }
    s.push(']');
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn mis_nested_markup_converts_idempotently(titles in prop::collection::vec(markup(), 1..4)) {
        let input = items(&titles);
        let (once, _) = csl_to_csl(&input);
        let (twice, _) = csl_to_csl(&once);
        prop_assert_eq!(&once, &twice, "input: {}", input);
        // And through the whole-model reader and writer.
        let model = csl_json::to_string(&csl_json::read(&once).bibliography);
        prop_assert_eq!(&once, &model);
        if let Some(corpus) = common::corpus("mis_nested_markup_converts_idempotently") {
            let validator = schema(&corpus);
            let json: Json = serde_json::from_str(&once).unwrap();
            common::assert_valid_csl(validator, &json, &input);
        }
    }
}

fn schema(corpus: &std::path::Path) -> &'static jsonschema::Validator {
    static V: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    V.get_or_init(|| common::csl_validator(corpus))
}

#[test]
fn markup_examples_convert_idempotently() {
    for t in [
        "<i>a<b>b</i>c</b>",
        "<i>unclosed",
        "stray</b> x",
        "<span class=\"nocase\">a<i>b</span>c</i>",
        "<i><span class=\"nocase\">DNA</span></i> x",
        "<sup>x<sub>y</sup></sub>",
        "<span style=\"font-variant:small-caps;\">A<b>B</span></b>",
        "<b><b>x</b></b> <i></i>",
        "<i>a &lt; b</i> </span>",
    ] {
        let input = items(&[t.to_string()]);
        let (once, _) = csl_to_csl(&input);
        assert_eq!(csl_to_csl(&once).0, once, "{t}");
    }
    // Text that looks like a closing tag inside italics stays text.
    let (once, _) = csl_to_csl(&items(&["<i>a<b>b</i>c</b>".to_string()]));
    let json: Json = serde_json::from_str(&once).unwrap();
    assert_eq!(json[0]["title"], "<i>a<b>b&lt;/i>c</b></i>");
}

#[test]
fn an_item_with_many_properties() {
    let n = 20_000;
    let mut text = String::from("[{\"id\": \"big\", \"type\": \"book\",\n");
    for i in 0..n {
        let _ = writeln!(text, "  \"p{i}\": \"v{i}\",");
    }
    text.push_str("  \"custom\": {");
    for i in 0..n {
        let _ = write!(text, "\"c{i}\": \"w{i}\", ");
    }
    text.push_str("\"c0\": \"again\"},\n  \"p0\": \"last\", \"title\": \"T\"}]");
    let p = csl_json::read(&text);
    let e = &p.bibliography.entries[0];
    assert_eq!(e.fields.len(), 2 * n + 1);
    assert_eq!(e.get("p0").unwrap().to_plain_string(), "last");
    assert_eq!(e.get("c0").unwrap().to_plain_string(), "again");
    assert_eq!(
        e.get(&format!("p{}", n - 1)).unwrap().to_plain_string(),
        format!("v{}", n - 1)
    );
    // One note per unknown property, at its key.
    let notes = by_rule(&p.diagnostics, "csl-variable");
    assert_eq!(notes.len(), n);
    assert_eq!(at(notes[n - 2]), pos(&text, &format!("\"p{}\"", n - 1), 0));
    // A repeated property is reported where the value used is.
    assert_eq!(at(notes[n - 1]), pos(&text, "\"p0\"", 1));
    let dups = by_rule(&p.diagnostics, "csl-duplicate");
    assert_eq!(dups.len(), 2);
    assert_eq!(at(dups[0]), pos(&text, "\"c0\"", 1));
    assert_eq!(at(dups[1]), pos(&text, "\"p0\"", 1));
}

#[test]
fn many_broken_items_on_one_line() {
    let n = 20_000;
    let mut text = String::from("[");
    for i in 0..n {
        let _ = write!(
            text,
            r#"{{"id": "ok{i}", "type": "book"}},{{"id": "bad{i}" "type": "book"}},"#
        );
    }
    text.push_str(r#"{"id": "end", "type": "book"}]"#);
    let p = csl_json::read(&text);
    assert_eq!(p.bibliography.entries.len(), n + 1);
    assert_eq!(p.bibliography.entries[n].key, "end");
    let errors: Vec<&Diagnostic> = p
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), n);
    let last = text.rfind("\"bad").unwrap() + format!("\"bad{}\" ", n - 1).len();
    assert_eq!(at(errors[n - 1]), line_col(&text, last));
    // Broken items each on a line of their own.
    let mut text = String::from("[\n");
    for i in 0..n {
        let _ = writeln!(text, "  {{\"id\": \"bad{i}\", \"type\": book}},");
        let _ = writeln!(text, "  {{\"id\": \"ok{i}\", \"type\": \"book\"}},");
    }
    text.push_str("  {\"id\": \"end\"}\n]\n");
    let p = csl_json::read(&text);
    assert_eq!(p.bibliography.entries.len(), n + 1);
    assert_eq!(p.diagnostics.len(), n + 1, "errors and the missing type");
    let last_bad = text.rfind("book}").unwrap();
    assert_eq!(at(&p.diagnostics[n - 1]), line_col(&text, last_bad));
}

#[test]
fn a_long_minified_array() {
    let n = 50_000;
    let mut text = String::from("[");
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        let id = if i % 1000 == 7 {
            String::new()
        } else {
            format!("\"id\":\"k{i}\",")
        };
        let _ = write!(
            text,
            r#"{{{id}"type":"book","title":"Title {i}","issued":{{"date-parts":[[2000,1,{}]]}}}}"#,
            if i == n - 1 { 99 } else { 1 }
        );
    }
    text.push(']');
    let p = csl_json::read(&text);
    assert_eq!(p.bibliography.entries.len(), n);
    let last = p.bibliography.entries.last().unwrap();
    let origin = last.origin.as_ref().unwrap();
    assert_eq!(
        (origin.line, origin.column),
        line_col(&text, text.rfind("{\"id\"").unwrap())
    );
    let missing = by_rule(&p.diagnostics, "missing-key");
    assert_eq!(missing.len(), n / 1000);
    let date = by_rule(&p.diagnostics, "invalid-date");
    assert_eq!(date.len(), 1);
    assert_eq!(at(date[0]), line_col(&text, text.rfind("99").unwrap()));
    // Generated keys are unique, and the converter writes every item.
    let mut keys: Vec<&str> = p.bibliography.keys().collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), n);
    let (out, _) = csl_to_csl(&text);
    let json: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(json.as_array().unwrap().len(), n);
}

#[test]
fn streaming_converter_keeps_keys_unique_and_rekeys() {
    let a = r#"[{"id": "dup", "type": "book", "title": "A"},
  {"type": "book", "author": [{"family": "Knuth"}], "issued": {"date-parts": [[1984]]}, "title": "The TeXbook"},
  {"id": "knuth1984texbook", "type": "book", "custom": {"related": "dup"}}]"#;
    let b = r#"[{"id": "dup", "type": "book", "title": "B"}]"#;
    let run = |rekey: bool| {
        let mut conv = Converter::new(Vec::new(), Target::CslJson).rekey(rekey);
        let da = conv
            .csl_json(
                &source::decode_utf8(a.as_bytes()),
                Some("a.json".into()),
                None,
            )
            .unwrap();
        let db = conv
            .csl_json(
                &source::decode_utf8(b.as_bytes()),
                Some("b.json".into()),
                None,
            )
            .unwrap();
        let out: Json =
            serde_json::from_str(&String::from_utf8(conv.finish().unwrap()).unwrap()).unwrap();
        (out, da, db)
    };
    let (out, da, db) = run(false);
    let keys: Vec<&str> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["citation-key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["dup", "knuth1984texbooka", "knuth1984texbook", "dup"]
    );
    assert_eq!(by_rule(&da, "missing-key").len(), 1);
    let dup = by_rule(&db, "duplicate-key");
    assert_eq!(dup.len(), 1);
    assert!(dup[0].message.contains("a.json:1"), "{}", dup[0].message);
    // Rekeyed: new keys, unique across inputs, and references follow.
    let (out, da, db) = run(true);
    let items = out.as_array().unwrap();
    let keys: Vec<&str> = items
        .iter()
        .map(|i| i["citation-key"].as_str().unwrap())
        .collect();
    let mut unique = keys.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 4, "{keys:?}");
    assert_eq!(items[2]["custom"]["related"], keys[0]);
    assert_eq!(by_rule(&da, "missing-key").len(), 1, "{da:?}");
    assert_eq!(by_rule(&db, "duplicate-key").len(), 1);
}

#[test]
fn items_with_undecodable_bytes_are_skipped_while_streaming() {
    let bytes = b"[{\"id\": \"a\", \"type\": \"book\"},\n {\"id\": \"b\", \"title\": \"\xff\"},\n {\"id\": \"c\", \"type\": \"book\"}]";
    let decoded = source::decode_utf8(bytes);
    let mut conv = Converter::new(Vec::new(), Target::CslJson);
    let diags = conv.csl_json(&decoded, None, None).unwrap();
    let out: Json =
        serde_json::from_str(&String::from_utf8(conv.finish().unwrap()).unwrap()).unwrap();
    assert_eq!(out.as_array().unwrap().len(), 2);
    let bad = by_rule(&diags, "invalid-encoding");
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].key.as_deref(), Some("b"));
    let text = String::from_utf8_lossy(bytes);
    assert_eq!(at(bad[0]), line_col(&text, text.find('\u{fffd}').unwrap()));
}
