//! Finding where a glued title ends and its author list begins.
//!
//! A listing's second line is the title immediately followed by the authors, with no
//! separator: `Visualizing Data using t-SNELaurens van der Maaten, Geoffrey Hinton`.
//! [`split`] scores every candidate boundary and keeps the best one.
//!
//! # Candidates
//!
//! The title never ends in white space, so the boundary lies *inside* a space-delimited
//! token: a candidate is a position where a letter that can start a name (an uppercase
//! letter, in any script that has case) follows a character that is not white space
//! (`SNE|Laurens`, `Optimizations|S.`, `CNN|Ross`, `7B|Albert`). Word starts are candidates
//! too, but carry a large penalty, so that a title that was scraped with a trailing space
//! still splits.
//!
//! # Score
//!
//! Each candidate gets a penalty (lower is better): the author side is split into names
//! at `, ` and ` and `, and every name is judged by how name-like its tokens are:
//!
//! * a capitalised word (`Hurst`, `Barth-Maron`, `O'Neil`, `Fučkar`), an initial (`P.`,
//!   `Ch.`, `J.-P.`), a particle inside the name (`van`, `der`, `de`) or a trailing suffix
//!   (`Jr.`, `III`) costs nothing;
//! * a camel-case word costs a little when it begins with a common surname prefix (`LeCun`,
//!   `McDonald`, `DeWitt`), more otherwise (`VenkataKeerthy`), and more again as the first
//!   token of a name, where given names rarely have inner capitals;
//! * all-capital words, lowercase words that are not particles, and single letters without a
//!   dot at the end of a name cost more;
//! * tokens with digits or punctuation, or that start with two capitals and go on in
//!   lowercase (`NRoss`, `BAlbert` — the tail of an acronym glued to a name), cost most;
//! * names of two or three tokens are the norm; one token (a mononym) or four and more cost
//!   extra, growing with length.
//!
//! The title side costs extra when it ends in a hyphen (`Multi-Chip-|Modules`) or a comma, or when its
//! last word is itself camel-case (`TensorFlow`). The lowest total wins; ties go to the
//! later boundary.
//!
//! # Limits
//!
//! * A name that starts with a lowercase letter (`danah boyd`) or is written in a script
//!   without case (`张伟`) cannot be told from the title by case, so the split falls on the
//!   next capital or fails.
//! * A given name with an inner capital (`DeAndre`) competes with the split after its
//!   prefix (`…De|Andre`); the prefix rule usually picks the right one, but a title that
//!   really ends in `De` would be split wrongly.
//! * A title whose last word is a capitalised given-name-like word glued to an initial
//!   (`…Model XJ. Smith`) is split before the initial, which is right for initials but not
//!   for a title ending in a capital letter followed by a one-letter name.
//! * An organisation as the only author (`OpenAI`) is read as a one-token family name.

/// The result of [`split`]: the byte index where the authors start, and its penalty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Split {
    /// Byte index in the line where the author list begins.
    pub at: usize,
    /// The winning candidate's penalty (0 is a perfect name list).
    pub penalty: f64,
}

/// Common lowercase name particles, in the languages authors' names most often carry.
const PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "del", "della", "delle", "dei", "degli", "di", "da", "das", "dos",
    "du", "des", "la", "le", "lo", "von", "zu", "zur", "ter", "ten", "te", "het", "op", "bin",
    "binti", "ibn", "al", "el", "y", "e", "af", "av", "zum",
];

/// Surname prefixes that are often followed by a capital (`LeCun`, `McDonald`).
const CAMEL_PREFIXES: &[&str] = &[
    "Mc", "Mac", "De", "Di", "Da", "Du", "Le", "La", "Lo", "Van", "Von", "St", "Fitz", "Ten",
    "Ter", "Del", "Della", "Dos", "Das",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `Hurst`, `Barth-Maron`, `O'Neil`.
    Word,
    /// `P.`, `Ch.`, `J.-P.`, `A.B.`
    Initial,
    /// `A` (an initial without its dot).
    Letter,
    /// `LeCun`, `McDonald`.
    CamelPrefixed,
    /// `VenkataKeerthy`.
    Camel,
    /// `van`, `der`.
    Particle,
    /// `using`, `and`.
    Lower,
    /// `NASA`, `LI`.
    AllCaps,
    /// A word in a script without case.
    Uncased,
    /// Digits, punctuation, `NRoss`.
    Odd,
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// Classifies one part of a hyphenated token: `Word`, `Lower`, `AllCaps`, camel or odd.
fn part_shape(p: &str) -> Shape {
    let chars: Vec<char> = p.chars().collect();
    if chars.is_empty() {
        return Shape::Odd;
    }
    if chars
        .iter()
        .any(|&c| !(c.is_alphabetic() || is_apostrophe(c)))
    {
        return Shape::Odd;
    }
    let letters: Vec<char> = chars
        .iter()
        .copied()
        .filter(|c| c.is_alphabetic())
        .collect();
    if letters
        .iter()
        .all(|c| !c.is_uppercase() && !c.is_lowercase())
    {
        return Shape::Uncased;
    }
    if !chars[0].is_uppercase() {
        return if letters.iter().all(|c| !c.is_uppercase()) {
            Shape::Lower
        } else {
            Shape::Odd
        };
    }
    if letters.len() == 1 {
        return Shape::Letter;
    }
    if letters.iter().all(|c| c.is_uppercase()) {
        return Shape::AllCaps;
    }
    // Starts uppercase and has a lowercase letter somewhere.
    if chars.len() > 1 && chars[1].is_uppercase() && !is_apostrophe(chars[1]) {
        // Two capitals then lowercase: the tail of an acronym glued to a word.
        return Shape::Odd;
    }
    // Inner capitals after a lowercase letter make a camel-case word (`O'Neil` is not one).
    let inner_caps = chars
        .windows(2)
        .any(|w| w[1].is_uppercase() && w[0].is_lowercase());
    if !inner_caps {
        return Shape::Word;
    }
    if CAMEL_PREFIXES.iter().any(|pre| {
        p.starts_with(pre)
            && p[pre.len()..]
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
    }) {
        Shape::CamelPrefixed
    } else {
        Shape::Camel
    }
}

fn is_initial(t: &str) -> bool {
    // A., Ch., J.-P., A.B., Th.
    let t = t.trim_end_matches(',');
    if !t.ends_with('.') {
        return false;
    }
    t.split('-').all(|part| {
        part.split_terminator('.').all(|seg| {
            let mut cs = seg.chars();
            matches!(cs.next(), Some(c) if c.is_uppercase())
                && cs.clone().count() <= 2
                && cs.all(char::is_lowercase)
        }) && part.ends_with('.')
            && !part.is_empty()
    })
}

fn shape(token: &str) -> Shape {
    if is_initial(token) {
        return Shape::Initial;
    }
    if PARTICLES.contains(&token) {
        return Shape::Particle;
    }
    // Hyphenated and apostrophe'd compounds: judge the worst part.
    let parts: Vec<&str> = token.split('-').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Shape::Odd;
    }
    let shapes: Vec<Shape> = parts.iter().map(|p| part_shape(p)).collect();
    let rank = |s: Shape| match s {
        Shape::Word | Shape::Uncased => 0,
        Shape::Lower => 1, // `Jean-baptiste` style parts are rare but harmless
        Shape::Letter => 2,
        Shape::CamelPrefixed => 3,
        Shape::Camel => 4,
        Shape::AllCaps => 5,
        _ => 6,
    };
    let worst = shapes
        .iter()
        .copied()
        .max_by_key(|&s| rank(s))
        .unwrap_or(Shape::Odd);
    match (shapes[0], worst) {
        // A compound must start like a name.
        (Shape::Lower, _) if parts.len() > 1 => Shape::Odd,
        (_, Shape::Lower) if parts.len() > 1 => Shape::Word,
        (_, w) => w,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pos {
    First,
    Middle,
    Last,
    Only,
}

fn token_penalty(s: Shape, pos: Pos) -> f64 {
    use Pos::*;
    match (s, pos) {
        (Shape::Word, _) | (Shape::Uncased, _) => 0.0,
        (Shape::Initial, Last | Only) => 3.0,
        (Shape::Initial, _) => 0.0,
        (Shape::Letter, Middle) => 0.5,
        (Shape::Letter, First) => 1.0,
        (Shape::Letter, _) => 3.0,
        (Shape::CamelPrefixed, First | Only) => 0.8,
        (Shape::CamelPrefixed, _) => 0.3,
        (Shape::Camel, First | Only) => 2.5,
        (Shape::Camel, _) => 1.0,
        (Shape::Particle, Middle) => 0.0,
        (Shape::Particle, _) => 3.0,
        (Shape::Lower, Middle) => 2.5,
        (Shape::Lower, _) => 4.0,
        (Shape::AllCaps, _) => 2.5,
        (Shape::Odd, _) => 6.0,
    }
}

/// How un-name-like one given-first name is (0 = a perfectly ordinary name).
pub fn name_penalty(name: &str) -> f64 {
    let mut tokens: Vec<&str> = name.split_whitespace().collect();
    if tokens.is_empty() {
        return 20.0;
    }
    while tokens.len() > 1 && crate::name::is_suffix(tokens[tokens.len() - 1]) {
        tokens.pop();
    }
    let n = tokens.len();
    let mut penalty = 0.0;
    let mut core = 0;
    for (i, t) in tokens.iter().enumerate() {
        let pos = match (i == 0, i == n - 1) {
            (true, true) => Pos::Only,
            (true, false) => Pos::First,
            (false, true) => Pos::Last,
            (false, false) => Pos::Middle,
        };
        let s = shape(t);
        if s != Shape::Particle {
            core += 1;
        }
        penalty += token_penalty(s, pos);
    }
    penalty
        + match core {
            0 => 6.0,
            1 => 3.5,
            2 => 0.0,
            3 => 0.3,
            4 => 1.2,
            k => 1.2 + 2.0 * (k as f64 - 4.0),
        }
}

/// Splits an author list written as `A, B and C` (also `A, B, and C`) into names.
pub fn split_names(authors: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in authors.split(", ") {
        let part = part.strip_prefix("and ").unwrap_or(part);
        out.extend(part.split(" and ").map(str::trim).filter(|p| !p.is_empty()));
    }
    out
}

fn title_penalty(title: &str) -> Option<f64> {
    let t = title.trim_end();
    if t.is_empty() {
        return None;
    }
    let mut p = 0.0;
    if t.len() != title.len() {
        p += 6.0; // the boundary is at a word start
    }
    if t.ends_with('-') {
        p += 4.0;
    }
    if t.ends_with(',') {
        p += 3.0;
    }
    let last = t.rsplit(char::is_whitespace).next().unwrap_or(t);
    let chars: Vec<char> = last.chars().collect();
    if chars
        .windows(2)
        .any(|w| w[0].is_lowercase() && w[1].is_uppercase())
    {
        p += 1.0;
    }
    Some(p)
}

/// Every candidate boundary with its penalty, best last when sorted by penalty.
pub fn candidates(line: &str) -> Vec<Split> {
    line.char_indices()
        .filter(|&(i, c)| i > 0 && c.is_uppercase())
        .filter_map(|(i, _)| {
            let title = title_penalty(&line[..i])?;
            let names: f64 = split_names(&line[i..])
                .iter()
                .map(|n| name_penalty(n))
                .sum();
            Some(Split {
                at: i,
                penalty: title + names,
            })
        })
        .collect()
}

/// The best boundary between title and authors, or `None` when there is no candidate.
///
/// ```
/// use bibkit::formats::listing::split::split;
/// let line = "Fast R-CNNRoss Girshick";
/// let s = split(line).unwrap();
/// assert_eq!((&line[..s.at], &line[s.at..]), ("Fast R-CNN", "Ross Girshick"));
/// ```
pub fn split(line: &str) -> Option<Split> {
    candidates(line)
        .into_iter()
        .min_by(|a, b| a.penalty.total_cmp(&b.penalty).then(b.at.cmp(&a.at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(line: &str) -> (&str, &str) {
        let s = split(line).expect("a split");
        (&line[..s.at], &line[s.at..])
    }

    #[test]
    fn shapes() {
        assert_eq!(shape("Hurst"), Shape::Word);
        assert_eq!(shape("Barth-Maron"), Shape::Word);
        assert_eq!(shape("O'Neil"), Shape::Word);
        assert_eq!(shape("Fučkar"), Shape::Word);
        assert_eq!(shape("P."), Shape::Initial);
        assert_eq!(shape("J.-P."), Shape::Initial);
        assert_eq!(shape("Ch."), Shape::Initial);
        assert_eq!(shape("LeCun"), Shape::CamelPrefixed);
        assert_eq!(shape("McDonald"), Shape::CamelPrefixed);
        assert_eq!(shape("VenkataKeerthy"), Shape::Camel);
        assert_eq!(shape("van"), Shape::Particle);
        assert_eq!(shape("NASA"), Shape::AllCaps);
        assert_eq!(shape("NRoss"), Shape::Odd);
        assert_eq!(shape("PT-4o"), Shape::Odd);
        assert_eq!(shape("OptimizationsS."), Shape::Odd);
        assert_eq!(shape("张伟"), Shape::Uncased);
    }

    #[test]
    fn boundaries_from_the_shared_samples() {
        // corpus/listing/seed-listing.txt and tricky-listing.txt
        assert_eq!(
            parts("GPT-4o System CardAaron Hurst, Adam Lerer, Adam P. Goucher"),
            (
                "GPT-4o System Card",
                "Aaron Hurst, Adam Lerer, Adam P. Goucher"
            )
        );
        assert_eq!(
            parts(
                "The Next 700 ML-Enabled Compiler OptimizationsS. VenkataKeerthy, Siddharth Jain"
            ),
            (
                "The Next 700 ML-Enabled Compiler Optimizations",
                "S. VenkataKeerthy, Siddharth Jain"
            )
        );
        assert_eq!(
            parts("Deep learningYann LeCun, Yoshua Bengio, Geoffrey Hinton").0,
            "Deep learning"
        );
        assert_eq!(
            parts("Visualizing Data using t-SNELaurens van der Maaten, Geoffrey Hinton").0,
            "Visualizing Data using t-SNE"
        );
        assert_eq!(
            parts("Common Lisp the Language, 2nd EditionGuy L. Steele Jr.").0,
            "Common Lisp the Language, 2nd Edition"
        );
        assert_eq!(
            parts("YOLOv3: An Incremental ImprovementJoseph Redmon, Ali Farhadi").0,
            "YOLOv3: An Incremental Improvement"
        );
        assert_eq!(
            parts("A Transferable Approach for Partitioning Machine Learning Models on Multi-Chip-ModulesXinfeng Xie, Prakash Prabhu").0,
            "A Transferable Approach for Partitioning Machine Learning Models on Multi-Chip-Modules"
        );
        assert_eq!(
            parts("TensorFlow DistributionsJoshua V. Dillon, Ian Langmore, Dustin Tran").0,
            "TensorFlow Distributions"
        );
    }

    #[test]
    fn boundaries_not_in_the_samples() {
        assert_eq!(
            parts("Mistral 7BAlbert Q. Jiang, Alexandre Sablayrolles").0,
            "Mistral 7B"
        );
        assert_eq!(parts("Llama 2Hugo Touvron, Louis Martin").0, "Llama 2");
        assert_eq!(
            parts("Introducing TensorFlowJohn Smith").0,
            "Introducing TensorFlow"
        );
        assert_eq!(
            parts("Scaling Laws for LLMsJared Kaplan, Sam McCandlish").0,
            "Scaling Laws for LLMs"
        );
        assert_eq!(parts("What is it?Ada Lovelace").0, "What is it?");
        assert_eq!(
            parts("Attention Is All You NeedAshish Vaswani, Noam Shazeer").0,
            "Attention Is All You Need"
        );
        assert_eq!(parts("BERTJacob Devlin, Ming-Wei Chang").0, "BERT");
        assert_eq!(parts("On ÉtudesÉmile Zola").0, "On Études");
        assert_eq!(parts("Fast R-CNNR. Girshick").0, "Fast R-CNN");
        assert_eq!(
            parts("A Survey of NLPJ.-P. Dupont, Marie Curie").0,
            "A Survey of NLP"
        );
        assert_eq!(
            parts("Studies in ArithmeticCharles de la Vallée Poussin").0,
            "Studies in Arithmetic"
        );
        // A title scraped with a trailing space still splits at the right word.
        assert_eq!(
            parts("Deep Learning Ian Goodfellow, Yoshua Bengio").0,
            "Deep Learning "
        );
    }

    #[test]
    fn no_candidate() {
        assert_eq!(split("all lowercase text"), None);
        assert_eq!(split(""), None);
    }
}
