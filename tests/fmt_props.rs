//! `bibkit fmt` on generated `.bib` files written in every layout BibTeX accepts: entry
//! types and field names in any case, `{}` and `()` delimiters, braced, quoted, numeric and
//! macro values with `#` concatenation, white space and line breaks anywhere, `%` comments
//! between and inside entries, `@string`, `@preamble`, `@comment` (closed or not), text
//! between entries, duplicate fields and keys, and broken entries. Formatting must be
//! idempotent and lossless (`check_fmt` in `fuzz/common/checks.rs`), with and without
//! sorting.

#[path = "../fuzz/common/checks.rs"]
#[allow(dead_code)]
mod checks;

use proptest::prelude::*;

/// White space as people write it.
fn ws() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", " ", "  ", "\n", "\n  ", "\t", " \n\n ", "\r\n"])
        .prop_map(str::to_string)
}

fn case(word: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(word.to_string()),
        Just(word.to_uppercase()),
        Just({
            let mut c = word.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }),
    ]
}

/// Inner text of a braced value: balanced braces, escapes, math, accents, line breaks.
fn inner() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[A-Za-z0-9 .,:;'-]{1,12}",
            1 => prop::sample::select(vec![
                "{NASA}", "{\\\"o}", "\\&", "\\%", "$x^2$", "\\emph{new}", "--", "~",
                "\n  continued", "{{double}}", "\\{", "\\}", "\"", "@", "Gödel", "%",
                "\\url{http://x.org/a%20b}", "  ",
            ])
            .prop_map(str::to_string),
        ],
        0..6,
    )
    .prop_map(|v| v.concat())
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => inner().prop_map(|t| format!("{{{t}}}")),
        2 => inner()
            .prop_filter("no bare quote", |t| !t.contains('"') && bibkit_balanced(t))
            .prop_map(|t| format!("\"{t}\"")),
        // A quoted value whose braces do not balance keeps its quotes.
        1 => Just("\"a } b {\"".to_string()),
        2 => (1u32..3000).prop_map(|n| n.to_string()),
        2 => prop::sample::select(vec!["jan", "Feb", "acm", "s1", "undefinedmacro"])
            .prop_map(str::to_string),
    ]
}

fn bibkit_balanced(t: &str) -> bool {
    let mut depth = 0i32;
    for c in t.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

fn value() -> impl Strategy<Value = String> {
    (prop::collection::vec(piece(), 1..4), ws()).prop_map(|(p, w)| p.join(&format!("{w}#{w}")))
}

fn field() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            case("title"),
            case("author"),
            case("year"),
            case("journal"),
            case("month"),
            case("note"),
            case("crossref"),
            case("x-custom_field"),
        ],
        ws(),
        value(),
        ws(),
        prop::option::of(Just("% inside\n".to_string())),
    )
        .prop_map(|(name, w1, v, w2, c)| {
            format!("{w1}{name}{w1}={w2}{v}{w2},{}", c.unwrap_or_default())
        })
}

fn entry() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            case("article"),
            case("book"),
            case("misc"),
            case("customtype")
        ],
        "[a-z]{1,3}[0-9]{0,2}",
        prop::collection::vec(field(), 0..5),
        any::<bool>(),
        ws(),
        any::<bool>(),
    )
        .prop_map(|(kind, key, fields, parens, w, trailing_comma)| {
            let (open, close) = if parens { ('(', ')') } else { ('{', '}') };
            let mut body = fields.concat();
            if !trailing_comma {
                body = body
                    .trim_end_matches(|c: char| c == ',' || c.is_whitespace())
                    .to_string();
                if body.ends_with("inside") {
                    body.push('\n');
                }
            }
            format!("@{kind}{open}{key},{w}{body}{w}{close}")
        })
}

fn item() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => entry(),
        2 => (case("string"), "[a-z][0-9]?", value()).prop_map(|(k, n, v)| format!("@{k}{{{n} = {v}}}")),
        1 => (case("preamble"), value()).prop_map(|(k, v)| format!("@{k}{{{v}}}")),
        1 => (case("comment"), inner()).prop_map(|(k, t)| format!("@{k}{{{t}}}")),
        1 => Just("@comment{unclosed {\n".to_string()),
        2 => "% [A-Za-z @{}=]{0,20}".prop_map(|c| c.to_string()),
        1 => "[A-Za-z ,.]{1,20}".prop_map(|t| t.to_string()),
        // Broken: a missing closing brace, a missing comma, a bad key.
        1 => Just("@misc{broken, title = {never closed}\n".to_string()),
        1 => Just("@misc{nocomma title = {x}}".to_string()),
    ]
}

fn file() -> impl Strategy<Value = String> {
    prop::collection::vec((item(), ws()), 0..8).prop_map(|items| {
        items
            .into_iter()
            .map(|(i, w)| format!("{i}\n{w}"))
            .collect::<String>()
    })
}

proptest! {
    // 2000 cases by default; `PROPTEST_CASES` asks for more.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn fmt_is_idempotent_and_lossless(text in file()) {
        checks::check_fmt(&text, "generated");
    }
}
