//! Round-trip properties on generated bibliographies (entries of every type with text full
//! of LaTeX specials, case-protected words, formatting commands, names with particles and
//! suffixes, organisations, dates, ranges, seasons, identifiers and unknown fields).
//!
//! A generated model is first normalised by one trip through BibLaTeX (`m1`); then:
//! * BibTeX and BibLaTeX output converted again gives the same bytes;
//! * bib → BibLaTeX → CSL-JSON equals bib → CSL-JSON;
//! * CSL-JSON read and written again gives the same bytes;
//! * CSL-JSON → BibLaTeX → CSL-JSON gives the same bytes (every variable kept).

use bibkit::formats::bibtex::{self, Dialect, WriteOptions};
use bibkit::formats::csl_json;
use bibkit::model::{
    Bibliography, Chunk, Date, DatePart, Entry, Field, Name, NameList, Person, RangeEnd, Season,
    Text, Value,
};
use proptest::prelude::*;

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z]{1,8}",
        1 => "[A-Z]{2,5}",
        1 => prop::sample::select(vec![
            "Gödel", "Łódź", "naïve", "Ærø", "Straße", "café", "Ångström", "Dvořák", "Šešelj",
            "x–y", "R&D", "50%", "$5", "#1", "a_b", "~", "^", "don't", "“quoted”", "{", "}",
            "\\", "--", "a/b", "中文", "Ὀδυσσεύς", "e.g.", "2024", "7B", "GPT-4o",
        ])
        .prop_map(str::to_string),
    ]
}

fn words(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 1..=max).prop_map(|w| w.join(" "))
}

fn chunk() -> impl Strategy<Value = Chunk> {
    prop_oneof![
        6 => words(4).prop_map(|w| Chunk::Plain(format!("{w} "))),
        2 => words(2).prop_map(Chunk::Protected),
        1 => (prop::sample::select(vec!["emph", "textbf", "textsc", "textsuperscript", "mkbibquote"]), "[A-Za-z]{1,6}")
            .prop_map(|(c, a)| Chunk::Raw(format!("\\{c}{{{a}}}"))),
        1 => prop::sample::select(vec!["\\TeX", "\\LaTeX{}", "\\foo{bar}", "\\url{https://x.org/a}", "\\relax"])
            .prop_map(|s| Chunk::Raw(s.to_string())),
        1 => "[a-z]{1,3}\\^[0-9]".prop_map(Chunk::Math),
    ]
}

fn text() -> impl Strategy<Value = Text> {
    prop::collection::vec(chunk(), 1..5).prop_map(|cs| cs.into_iter().collect())
}

fn person() -> impl Strategy<Value = Name> {
    let part = |p: &'static str| proptest::string::string_regex(p).unwrap();
    prop_oneof![
        6 => (
            prop_oneof![part("[A-Z][a-z]{1,7}( [A-Z]\\.)?"), Just(String::new()), part("[A-Z]\\. [A-Z]\\.")],
            prop::sample::select(vec!["", "", "", "van", "van der", "de la", "von", "De", "d'"]),
            prop_oneof![part("[A-Z][a-z]{1,9}"), part("[A-Z][a-z]{1,5}-[A-Z][a-z]{1,5}"),
                prop::sample::select(vec!["Müller", "O'Connor", "hooks", "Le Pen", "Ng"]).prop_map(str::to_string)],
            prop::sample::select(vec!["", "", "", "Jr.", "III"]),
        )
            .prop_map(|(g, p, f, s)| Name::Person(Person::new(g, p, f, s))),
        1 => words(3).prop_map(Name::Literal),
    ]
}

fn names() -> impl Strategy<Value = NameList> {
    (prop::collection::vec(person(), 1..4), any::<bool>())
        .prop_map(|(names, truncated)| NameList { names, truncated })
}

fn date_part() -> impl Strategy<Value = DatePart> {
    (1000i64..2100, 0u8..=12, 0u8..=28, any::<bool>(), 0u8..6).prop_map(
        |(y, m, d, approx, season)| {
            let mut p = match (m, d) {
                (0, _) => DatePart::year(y),
                (m, 0) => DatePart::ym(y, m),
                (m, d) => DatePart::ymd(y, m, d),
            };
            if m == 0 && season > 1 {
                p.season = Season::from_code(season - 1);
            }
            p.approximate = approx && season == 0;
            p
        },
    )
}

fn date() -> impl Strategy<Value = Date> {
    prop_oneof![
        3 => date_part().prop_map(Date::Single),
        1 => (date_part(), 0i64..5).prop_map(|(a, n)| {
            let mut b = a.clone();
            b.year += n + 1;
            Date::Range(RangeEnd::Known(a), RangeEnd::Known(b))
        }),
        1 => date_part().prop_map(|a| Date::Range(RangeEnd::Known(a), RangeEnd::Open)),
    ]
}

const KINDS: &[&str] = &[
    "article",
    "book",
    "mvbook",
    "inbook",
    "incollection",
    "inproceedings",
    "proceedings",
    "thesis",
    "phdthesis",
    "mastersthesis",
    "report",
    "techreport",
    "manual",
    "misc",
    "online",
    "unpublished",
    "booklet",
    "patent",
    "dataset",
    "software",
    "inreference",
    "periodical",
    "frobnicate",
];

const TEXT_FIELDS: &[&str] = &[
    "title",
    "subtitle",
    "booktitle",
    "journaltitle",
    "maintitle",
    "series",
    "publisher",
    "institution",
    "organization",
    "location",
    "note",
    "volume",
    "number",
    "pages",
    "edition",
    "type",
    "keywords",
    "howpublished",
    "shorttitle",
    "addendum",
    "x-notes",
    "language",
    "entrysubtype",
    "issue",
    "chapter",
    "eventtitle",
    "venue",
    "pubstate",
];

fn field() -> impl Strategy<Value = Field> {
    let f = |name: &'static str, v: Value| Field {
        name: name.into(),
        value: v,
        span: None,
        inherited: false,
    };
    prop_oneof![
        6 => (prop::sample::select(TEXT_FIELDS), text()).prop_map(move |(n, t)| f(n, Value::Text(t))),
        2 => (prop::sample::select(vec!["author", "editor", "translator", "bookauthor", "director"]), names())
            .prop_map(move |(n, l)| f(n, Value::Names(l))),
        2 => (prop::sample::select(vec!["date", "urldate", "eventdate", "origdate"]), date())
            .prop_map(move |(n, d)| f(n, Value::date(d))),
        1 => "10\\.[0-9]{4}/[a-z0-9.]{1,8}".prop_map(move |d| f("doi", Value::Verbatim(d))),
        1 => "https://[a-z]{1,8}\\.org/[a-z0-9_%~]{0,8}".prop_map(move |u| f("url", Value::Verbatim(u))),
        1 => "[0-9]{4}\\.[0-9]{5}".prop_map(move |e| f("eprint", Value::Verbatim(e))),
        1 => Just(f("eprinttype", Value::text("arXiv"))),
        1 => "[0-9-]{10,13}".prop_map(move |i| f("isbn", Value::text(i))),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        "[a-z][a-z0-9:_-]{0,10}",
        prop::sample::select(KINDS),
        prop::collection::vec(field(), 0..10),
    )
        .prop_map(|(key, kind, fields)| {
            let mut e = Entry::new(key, kind);
            for f in fields {
                if e.get(&f.name).is_none() {
                    e.fields.push(f);
                }
            }
            e
        })
}

fn bibliography() -> impl Strategy<Value = Bibliography> {
    prop::collection::vec(entry(), 1..4).prop_map(|mut entries| {
        for (i, e) in entries.iter_mut().enumerate() {
            e.key = format!("{}{i}", e.key);
        }
        Bibliography {
            entries,
            ..Default::default()
        }
    })
}

fn write(bib: &Bibliography, dialect: Dialect) -> String {
    bibtex::write(bib, &WriteOptions::new().dialect(dialect))
}

fn read(text: &str) -> Bibliography {
    bibtex::Reader::new()
        .resolve_crossrefs(false)
        .read(text)
        .bibliography
}

fn read_csl(text: &str) -> Bibliography {
    csl_json::read(text).bibliography
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn conversions_round_trip(bib in bibliography()) {
        let m1 = read(&write(&bib, Dialect::Biblatex));
        for dialect in [Dialect::Bibtex, Dialect::Biblatex] {
            let once = write(&m1, dialect);
            let twice = write(&read(&once), dialect);
            prop_assert_eq!(&once, &twice, "{:?} output is not idempotent", dialect);
        }
        let csl = csl_json::to_string(&m1);
        let via_biblatex = csl_json::to_string(&read(&write(&m1, Dialect::Biblatex)));
        prop_assert_eq!(&csl, &via_biblatex, "bib → biblatex → csl differs from bib → csl");
        let again = csl_json::to_string(&read_csl(&csl));
        prop_assert_eq!(&csl, &again, "csl → csl is not the identity");
        let through = csl_json::to_string(&read(&write(&read_csl(&csl), Dialect::Biblatex)));
        prop_assert_eq!(&csl, &through, "csl → biblatex → csl lost something");
    }
}
