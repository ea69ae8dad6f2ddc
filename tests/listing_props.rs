//! Properties of the listing reader: it never panics, and it recovers titles and authors
//! generated from realistic vocabularies.

use bibkit::formats::listing;
use bibkit::model::{Name, Person};
use proptest::prelude::*;

const TITLE_WORDS: &[&str] = &[
    "Deep",
    "Learning",
    "for",
    "Neural",
    "Machine",
    "Translation",
    "TensorFlow",
    "GPT-4",
    "Models",
    "of",
    "the",
    "Large-Scale",
    "R-CNN",
    "7B",
    "BERT",
    "t-SNE",
    "Graph",
    "Networks",
    "via",
    "Attention",
    "LLMs",
    "PyTorch",
    "A",
    "Survey",
    "on",
    "Efficient",
    "Inference",
    "2nd",
    "Edition",
    "Transformers",
    "Are",
    "RNNs",
    "YOLOv3:",
    "Mixture-of-Experts",
    "Reinforcement",
    "with",
    "Human",
    "Feedback",
    "Zero-Shot",
    "ImageNet",
    "Vision",
    "3D",
    "Scaling",
    "Laws",
    "in",
    "Practice",
    "Data",
    "Sets",
    "Training",
    "Agents",
];
const GIVEN: &[&str] = &[
    "Ada",
    "Alan",
    "Yann",
    "Geoffrey",
    "Émile",
    "Łukasz",
    "Jürgen",
    "Fei-Fei",
    "Noam",
    "Ilya",
    "Oriol",
    "Quoc",
    "Ruslan",
    "Kyunghyun",
    "Demis",
    "Percy",
    "Christopher",
    "Zoubin",
    "Samy",
    "Aäron",
    "Jean-Baptiste",
    "Sébastien",
    "Ming-Wei",
    "Andrej",
];
const INITIALS: &[&str] = &["A.", "P.", "J.", "Q.", "V."];
const PARTICLES: &[&str] = &["van der", "van den", "de", "von", "di", "da"];
const FAMILY: &[&str] = &[
    "Lovelace",
    "Turing",
    "LeCun",
    "Hinton",
    "Zola",
    "Kaiser",
    "Schmidhuber",
    "Li",
    "Shazeer",
    "Sutskever",
    "Vinyals",
    "Le",
    "Salakhutdinov",
    "Cho",
    "Hassabis",
    "Liang",
    "Manning",
    "Ghahramani",
    "Bengio",
    "Oord",
    "Co-Reyes",
    "Barth-Maron",
    "McCandlish",
    "O'Neil",
    "Karpathy",
    "Bubeck",
    "Fučkar",
    "Chang",
];

fn person() -> impl Strategy<Value = Person> {
    (
        prop::sample::select(GIVEN),
        prop::option::weighted(0.3, prop::sample::select(INITIALS)),
        prop::option::weighted(0.15, prop::sample::select(PARTICLES)),
        prop::sample::select(FAMILY),
        prop::option::weighted(0.05, prop::sample::select(&["Jr.", "III"][..])),
    )
        .prop_map(|(g, i, p, f, s)| {
            let given = match i {
                Some(i) => format!("{g} {i}"),
                None => g.to_string(),
            };
            Person::new(given, p.unwrap_or(""), f, s.unwrap_or(""))
        })
}

fn title() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TITLE_WORDS), 1..9).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_records_are_recovered(
        title in title(),
        people in prop::collection::vec(person(), 1..5),
        truncated in any::<bool>(),
        org in prop::option::of("[a-z]{2,8}"),
    ) {
        let authors: Vec<String> = people.iter().map(|p| p.to_string()).collect();
        let mut line2 = format!("{title}{}", authors.join(", "));
        if truncated { line2.push_str(" et al."); }
        if let Some(o) = &org { line2.push_str(&format!(" · {o}")); }
        let text = format!("LGMar 3, 2021\n{line2}\nAbstract.\n");
        let parsed = listing::read(&text);
        prop_assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
        let e = &parsed.bibliography.entries[0];
        prop_assert_eq!(e.get("title").unwrap().to_plain_string(), title);
        let got = e.names("author").unwrap();
        let want: Vec<Name> = people.into_iter().map(Name::Person).collect();
        prop_assert_eq!(&got.names, &want);
        prop_assert_eq!(got.truncated, truncated);
        prop_assert_eq!(e.get("organization").map(|v| v.to_plain_string()), org);
    }

    #[test]
    fn arbitrary_input_never_panics(s in "(\\PC|\n|\r){0,400}") {
        let parsed = listing::read(&s);
        for d in &parsed.diagnostics {
            prop_assert!(d.line >= 1);
        }
    }

    #[test]
    fn line_noise_between_records_is_reported_not_lost(noise in "[A-Za-z ,.]{1,40}") {
        let text = format!("CLJun 12, 2017\nA TitleAda Lovelace\nAbs.\n{noise}\nLGDec 22, 2014\nB TitleAlan Turing\nAbs.\n");
        let parsed = listing::read(&text);
        prop_assert_eq!(parsed.bibliography.len(), 2);
        if !noise.trim().is_empty() {
            prop_assert!(parsed.has_errors());
            prop_assert_eq!(parsed.diagnostics[0].line, 4);
        }
    }
}
