//! Finding the entries that describe the same work, with the reasons.
//!
//! [`compare`] decides about two [`Record`]s (read from model entries with
//! [`Record::from_entry`]), in order:
//!
//! 1. **Identifiers.** The same DOI (normalised: no resolver prefix, case folded), arXiv
//!    id (with or without its version), PMID, or — for two whole books — ISBN (ISBN-10 and
//!    ISBN-13 are equal when they name one book) makes a duplicate; two different DOIs,
//!    arXiv ids or PMIDs make two works. The same URL only adds to the score (the articles
//!    of one issue often share its address).
//! 2. **A score** from the fields: the titles (LaTeX decoded, case and accents folded,
//!    punctuation dropped) by character trigrams, or by the words of the shorter one found
//!    in the longer (a title with a subtitle, or one that swallowed its author list); the
//!    author lists by family names, order-tolerant and tolerant of misspelt or truncated
//!    lists; a year one apart or further apart lowers it; a title marked as an erratum,
//!    reply or comment that the other is not lowers it, and so do titles with different
//!    numbers (`Part 1`, `Part 2`) and different `volume`, `number`, `pages`, `edition`,
//!    `chapter` or `part` fields; a short, generic title (`Editorial`, `Keynote address`)
//!    needs the authors to agree. Words of either record's author names are left out
//!    when titles are compared word by word (a scraped title that swallowed the end of
//!    its author list), and so is what is left of punctuation read in the wrong
//!    encoding (`â€™`); titles whose words ran together are also compared without
//!    their spaces (equal, one inside the other, or alike). A label a source puts on a
//!    title (`Tutorial: …`, `… (experience paper)`, `…, demo`) is not compared; a
//!    title inside a scraped citation (`H. Ward, “Dynamic query evaluation plans”`) is
//!    also compared cut at its punctuation (full stops, commas, semicolons, closing
//!    brackets and quotes), when what is cut off looks like a citation's (a name of
//!    either record's authors, an initial, a year, `et al.`, a venue's or a genre's
//!    words), the cut title is at least 80 % alike, and the authors, if both have them,
//!    share someone. A shorter title found in a longer one takes 0.1 off when the longer
//!    starts with words of its own (`An investigation into …`, not a citation's `… and
//!    J. Widom. View maintenance …`) or has words among the shorter's (`Mining
//!    [generalized] association rules`), and so does a title named before a colon
//!    (`MiniCon: …`) against one without the name, unless the rest is the other title.
//!    A name whose family part is only punctuation (a misread ellipsis) is read by its
//!    last word, and a family name left over that the other record has among the
//!    particles of an all-lowercase name (`a labrinidis andn`) counts as matched.
//! 3. **Versions.** When the titles and most authors agree and only the year, or a
//!    preprint (or a report) against a published record, tells the two apart, they are
//!    two versions of one work ([`Verdict::versions`]): a preprint and its article, a
//!    conference paper and its journal version. They are reported as such, never as
//!    duplicates, and never merged.
//!
//! Every [`Verdict`] carries its score and its [`Reason`]s, for people (`same DOI`,
//! `titles equal after normalisation`, `2 of 3 authors match`, `years differ by 1`).
//! [`Profile::lenient`] (the default) and [`Profile::strict`] (systematic reviews:
//! identifiers or near-identical records only) set the threshold. [`find`] groups the
//! duplicates of a list of records, comparing only candidates that share a title word
//! or a first author, so that its cost stays near-linear.
//!
//! ```
//! use bibkit::dedupe::{compare, Profile, Record};
//! use bibkit::edit::Document;
//! let doc = Document::parse(
//!     "@inproceedings{a, title = {Query Optimization by Predicate Move-Around},
//!        author = {Inderpal Singh Mumick and Alon Y. Levy and Yehoshua Sagiv}, booktitle = {VLDB}, year = 1994}
//!      @inproceedings{b, title = {Query optimization by predicate move-around},
//!        author = {I. S. Mumick and A. Levy and Y. Sagiv}, booktitle = {Very Large Data Bases}, year = 1994}
//!      @article{c, title = {Query Optimization by Predicate Move-Around}, author = {Mumick, I. S. and Levy, A.},
//!        journal = {VLDB J.}, year = 1996}",
//! );
//! let r: Vec<Record> = doc.model().iter().map(|(_, e)| Record::from_entry(e)).collect();
//! let same = compare(&r[0], &r[1], &Profile::lenient());
//! assert!(same.duplicate);
//! let reasons: Vec<String> = same.reasons.iter().map(|x| x.to_string()).collect();
//! assert_eq!(reasons, ["titles equal after normalisation", "3 of 3 authors match"]);
//! // The journal version two years later is another record of the same work.
//! let later = compare(&r[0], &r[2], &Profile::lenient());
//! assert!(!later.duplicate && later.versions);
//! assert!(later.reasons.iter().any(|x| x.to_string() == "years differ by 2"));
//! ```

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use crate::model::{Entry, Name, Value};

/// Words that carry no meaning for matching titles.
const STOP: &[&str] = &[
    "a", "an", "the", "on", "of", "in", "for", "to", "and", "or", "with", "by", "at", "from", "as",
    "is", "are", "via",
];

/// Words that make a record about another one (an erratum of a paper is not the paper).
const MARKERS: &[&str] = &[
    "erratum",
    "errata",
    "corrigendum",
    "retraction",
    "retracted",
    "reply",
    "response",
    "comment",
    "comments",
    "addendum",
    "correction",
];

/// The `[dedupe]` table of `bibkit.toml`: the profile, its threshold, and pairs of keys
/// that are never one work.
///
/// ```
/// use bibkit::dedupe::DedupeConfig;
/// let c = DedupeConfig::from_toml("[dedupe]\nprofile = \"strict\"\nthreshold = 0.9\nnot-duplicate = [[\"a\", \"b\"]]\n").unwrap();
/// assert_eq!(c.profile().threshold, 0.9);
/// assert!(c.apart("B", "a"));
/// assert!(DedupeConfig::from_toml("[dedupe]\nprofile = \"eager\"\n").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DedupeConfig {
    profile: Profile,
    not_duplicate: Vec<(String, String)>,
}

impl DedupeConfig {
    /// Reads the `[dedupe]` table (other tables are other commands').
    ///
    /// # Errors
    /// The TOML error, an unknown key or profile, or a threshold outside 0–1.
    pub fn from_toml(text: &str) -> Result<DedupeConfig, String> {
        #[derive(Default, serde::Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "kebab-case")]
        struct Table {
            profile: Option<String>,
            threshold: Option<f64>,
            #[serde(default)]
            not_duplicate: Vec<(String, String)>,
        }
        #[derive(Default, serde::Deserialize)]
        struct File {
            dedupe: Option<Table>,
            #[serde(flatten)]
            _rest: std::collections::BTreeMap<String, toml::Value>,
        }
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let t = file.dedupe.unwrap_or_default();
        let mut profile = match t.profile.as_deref() {
            None => Profile::lenient(),
            Some(name) => Profile::named(name)
                .ok_or_else(|| format!("[dedupe] profile `{name}`: not lenient or strict"))?,
        };
        if let Some(th) = t.threshold {
            if !(0.0..=1.0).contains(&th) {
                return Err(format!("[dedupe] threshold {th}: not between 0 and 1"));
            }
            profile.threshold = th;
        }
        Ok(DedupeConfig {
            profile,
            not_duplicate: t.not_duplicate,
        })
    }

    /// The profile it sets.
    pub fn profile(&self) -> Profile {
        self.profile.clone()
    }

    /// Whether the configuration says `a` and `b` are two works (keys compared ignoring
    /// case, in either order).
    pub fn apart(&self, a: &str, b: &str) -> bool {
        pair_listed(&self.not_duplicate, a, b)
    }
}

/// Whether `pairs` lists `a` and `b` together (keys compared ignoring case, in either
/// order).
///
/// ```
/// let pairs = [("a".to_string(), "B".to_string())];
/// assert!(bibkit::dedupe::pair_listed(&pairs, "b", "A"));
/// assert!(!bibkit::dedupe::pair_listed(&pairs, "a", "c"));
/// ```
pub fn pair_listed(pairs: &[(String, String)], a: &str, b: &str) -> bool {
    pairs.iter().any(|(x, y)| {
        (x.eq_ignore_ascii_case(a) && y.eq_ignore_ascii_case(b))
            || (x.eq_ignore_ascii_case(b) && y.eq_ignore_ascii_case(a))
    })
}

/// The pairs of keys a bibliography's `% bibkit: not-duplicate KEY1 KEY2 …` comments keep
/// apart (every two keys of one comment).
///
/// ```
/// let pairs = bibkit::dedupe::not_duplicate_comments("% bibkit: not-duplicate a b\n@misc{a}\n");
/// assert_eq!(pairs, [("a".to_string(), "b".to_string())]);
/// ```
pub fn not_duplicate_comments(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line
            .trim_start()
            .strip_prefix('%')
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix("bibkit:"))
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix("not-duplicate"))
        else {
            continue;
        };
        let keys: Vec<&str> = rest
            .split([' ', ',', '\t'])
            .filter(|k| !k.is_empty())
            .collect();
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                out.push((a.to_string(), b.to_string()));
            }
        }
    }
    out
}

/// The DOI prefix of arXiv's preprints.
const ARXIV_DOI: &str = "10.48550/arxiv.";

/// What a preprint server's name has in it.
const PREPRINT_VENUES: &[&str] = &[
    "arxiv",
    "corr",
    "biorxiv",
    "medrxiv",
    "chemrxiv",
    "techrxiv",
    "psyarxiv",
    "ssrn",
    "preprint",
    "preprints",
    "researchsquare",
];

/// The fields whose values tell parts of one work apart (volume 1 and volume 2).
const NUMBER_FIELDS: [&str; 7] = [
    "volume", "number", "issue", "pages", "edition", "chapter", "part",
];

/// How eager [`compare`] is.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The score from which two records are one work.
    pub threshold: f64,
    /// How much of the score the title gives (the authors give the rest).
    pub title_weight: f64,
    /// What a year one apart takes off the score, and a year further apart.
    pub year_one: f64,
    /// See [`Profile::year_one`].
    pub year_more: f64,
}

impl Profile {
    /// For finding duplicates in a bibliography (`bibkit dedupe`, `check`): tuned on the
    /// DBLP–ACM and DBLP–Scholar training pairs.
    pub fn lenient() -> Profile {
        Profile {
            threshold: 0.75,
            title_weight: 0.8,
            year_one: 0.3,
            year_more: 0.4,
        }
    }

    /// For systematic reviews: identifiers, or records whose titles, authors and years
    /// agree.
    pub fn strict() -> Profile {
        Profile {
            threshold: 0.93,
            ..Profile::lenient()
        }
    }

    /// The profile a name gives (`lenient`, `strict`).
    pub fn named(name: &str) -> Option<Profile> {
        match name {
            "lenient" => Some(Profile::lenient()),
            "strict" => Some(Profile::strict()),
            _ => None,
        }
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::lenient()
    }
}

/// What [`compare`] reads of an entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// A hash of the title's words, folded (equal titles, once folded, have equal ones).
    title_hash: u64,
    /// Whether the title has words at all, and how many that are not stop words.
    has_title: bool,
    content_count: u32,
    /// The title's words but stop words, sorted, each once.
    content_set: Vec<String>,
    /// The same, in title order and as often as they come.
    content: Vec<String>,
    /// For each of those, whether punctuation that ends a sentence or clause comes before
    /// it ([`breaks`]).
    content_breaks: Vec<bool>,
    /// The index of each content word among all the title's words (`words`).
    content_at: Vec<u16>,
    /// Every word of the title, in order.
    words: Vec<String>,
    /// The title cut at its punctuation ([`breaks`]: full stops, commas, semicolons,
    /// closing brackets, quotes…; see [`Record::from_entry`]), for titles inside scraped
    /// citations.
    pieces: Vec<Piece>,
    /// The title's words run together (for titles whose spaces were lost), and whether
    /// one of them is long enough to be several.
    squashed: Box<str>,
    long_word: bool,
    /// Every word of the title, sorted, each once.
    word_set: Vec<String>,
    /// A name the title starts with (`MiniCon: a scalable algorithm …`): its words,
    /// and the trigrams of the rest.
    head: Option<Box<Head>>,
    /// The title's markers (`erratum`, `reply` …) and numbers, sorted, each once.
    markers: Vec<&'static str>,
    title_numbers: Vec<String>,
    /// The number after `Part`, `Vol.` in the title (`II` read as 2).
    title_part: Option<u32>,
    /// Character trigrams of the folded title, sorted, with counts.
    grams: Vec<(u32, u16)>,
    /// Family names of the authors (editors when there are none), folded to letters.
    families: Vec<String>,
    /// Their character bigrams, sorted.
    family_grams: Vec<Vec<(char, char)>>,
    /// The words of four letters or more of the particles of the names `families` comes
    /// from (the first 64): where a name read all in lowercase puts its family name.
    given_words: Vec<String>,
    year: Option<i64>,
    /// `volume`, `number`, `issue`, `pages`, `edition`, `chapter`, `part`, as written
    /// (white space folded).
    numbers: Vec<(&'static str, String)>,
    doi: Option<String>,
    arxiv: Option<String>,
    pmid: Option<String>,
    isbn: Option<String>,
    url: Option<String>,
    /// Whether the entry is a whole book (its ISBN is its own, not its book's).
    whole_book: bool,
    /// Whether it is a part of something (an article, a chapter, a paper in proceedings).
    part: bool,
    /// Whether it is a preprint or a report (not yet, or not, published), or a published
    /// article, paper, chapter or book.
    preprint: bool,
    published: bool,
}

/// A title cut at its punctuation ([`Record::pieces`]): the trigrams of what is kept, and
/// the words cut off.
#[derive(Debug, Clone, PartialEq)]
struct Piece {
    grams: Vec<(u32, u16)>,
    cut: Vec<String>,
}

/// Words of a citation's venue, cut off a title inside one (`…, ACM SIGMOD Int. Conf.`).
const VENUE_WORDS: &[&str] = &[
    "proc",
    "proceedings",
    "conf",
    "conference",
    "int",
    "intl",
    "international",
    "acm",
    "ieee",
    "journal",
    "vol",
    "pp",
    "workshop",
    "symposium",
    "sigmod",
    "vldb",
    "trans",
];

/// Whether the words cut off a title are what a scraped citation puts around it: a
/// name of either record's authors, an initial, a year, `and` or `et al.`, words of a
/// venue, or a genre (`…, Guest Editors' Foreword`); not `…, revisited`, not a title of
/// its own.
fn citation_like(cut: &[String], a: &Record, b: &Record) -> bool {
    cut.iter().any(|w| {
        let w = w.as_str();
        w.chars().count() == 1
            || (w.len() == 4 && w.bytes().all(|c| c.is_ascii_digit()))
            || matches!(w, "and" | "und" | "et" | "al" | "etal")
            || VENUE_WORDS.contains(&w)
            || GENRES.contains(&w)
            || [a, b].iter().any(|r| {
                // (A family name may have its initial run into it: `narasayyav`.)
                r.families.iter().any(|f| {
                    f == w || (f.len() >= 4 && w.starts_with(f.as_str()) && w.len() <= f.len() + 2)
                }) || r.given_words.iter().any(|g| g == w)
            })
    })
}

/// Whether the `â` at the start of `rest` is what is left of a punctuation mark whose
/// UTF-8 bytes were read as Latin-1 or Windows-1252 (`â€™`, `â ??`).
fn mojibake(rest: &str) -> bool {
    let mut after = rest.chars().skip(1).skip_while(|c| *c == ' ');
    matches!(after.next(), Some('€' | '?' | '\u{80}'..='\u{9f}') | None)
}

/// Lowercase letters and digits, accents dropped, as words.
fn fold_words(s: &str) -> Vec<String> {
    fold_words_marked(s).0
}

/// Whether `c` ends a sentence or a clause, or is what is left of punctuation whose
/// bytes were misread: what separates a scraped citation's authors and year from its
/// title (`… Widom. View maintenance …`, `(2002) Continuously …`). Colons and dashes
/// join a title to its subtitle and are not.
fn breaks(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ')' | ']' | '?' | '!' | '"' | '“' | '”' | '„' | '«' | '»' | '¦' | '¬'
    )
}

/// [`fold_words`], and for each word whether a [`breaks`] character comes between it
/// and the word before.
fn fold_words_marked(s: &str) -> (Vec<String>, Vec<bool>) {
    let mut out = Vec::new();
    let mut marks = Vec::new();
    let mut broken = false;
    let mut cur = String::new();
    let repaired: String;
    let s = if s.contains('â') {
        repaired = s
            .char_indices()
            .map(|(i, c)| {
                if c == 'â' && mojibake(&s[i..]) {
                    '¦'
                } else {
                    c
                }
            })
            .collect();
        repaired.as_str()
    } else {
        s
    };
    for c in s.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if cur.is_empty() {
                marks.push(std::mem::take(&mut broken));
            }
            cur.extend(c.to_lowercase());
        } else {
            broken |= breaks(c);
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    (out, marks)
}

fn trigrams<S: AsRef<str>>(words: &[S]) -> Vec<(u32, u16)> {
    let mut text: Vec<char> = vec![' '];
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        text.extend(w.as_ref().chars());
    }
    text.push(' ');
    let mut hashes: Vec<u32> = text
        .windows(3)
        .map(|w| {
            (w[0] as u32).wrapping_mul(0x9E37_79B1)
                ^ (w[1] as u32).wrapping_mul(0x85EB_CA77).rotate_left(11)
                ^ (w[2] as u32).wrapping_mul(0xC2B2_AE3D).rotate_left(22)
        })
        .collect();
    hashes.sort_unstable();
    let mut v: Vec<(u32, u16)> = Vec::with_capacity(hashes.len());
    for h in hashes {
        match v.last_mut() {
            Some((last, n)) if *last == h => *n = n.saturating_add(1),
            _ => v.push((h, 1)),
        }
    }
    v.shrink_to_fit();
    v
}

/// How many items two sorted lists have in common (an item twice in both counts twice).
fn common<T: Ord>(x: &[T], y: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Dice similarity of two sorted gram lists.
fn dice(a: &[(u32, u16)], b: &[(u32, u16)]) -> f64 {
    let (total_a, total_b): (u32, u32) = (
        a.iter().map(|x| x.1 as u32).sum(),
        b.iter().map(|x| x.1 as u32).sum(),
    );
    if total_a == 0 || total_b == 0 {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0u32);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += a[i].1.min(b[j].1) as u32;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (total_a + total_b) as f64
}

/// A word's character bigrams (with a space at each end), sorted.
fn bigrams(s: &str) -> Vec<(char, char)> {
    let c: Vec<char> = format!(" {s} ").chars().collect();
    let mut v: Vec<(char, char)> = c.windows(2).map(|w| (w[0], w[1])).collect();
    v.sort_unstable();
    v
}

/// Dice similarity of two short words by their character bigrams (for misspelt names).
fn name_similarity(x: &[(char, char)], y: &[(char, char)]) -> f64 {
    2.0 * common(x, y) as f64 / (x.len() + y.len()) as f64
}

fn plain(e: &Entry, field: &str) -> Option<String> {
    e.get(field)
        .map(Value::to_plain_string)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// A DOI without its resolver, lowercase.
fn doi_key(s: &str) -> Option<String> {
    let s = s.trim();
    let lower = s.to_lowercase();
    let at = lower.find("10.")?;
    let d = lower[at..].trim_end_matches(['.', ',', ';']).to_string();
    (d.len() > 3).then_some(d)
}

/// An arXiv id without its version (`2101.00001v2` → `2101.00001`; `hep-th/9901001`).
fn arxiv_key(s: &str) -> Option<String> {
    let s = s.trim().to_lowercase();
    let s = s
        .trim_start_matches("https://arxiv.org/abs/")
        .trim_start_matches("http://arxiv.org/abs/")
        .trim_start_matches("arxiv:");
    let base = match s.rfind('v') {
        Some(v) if v > 0 && s[v + 1..].bytes().all(|b| b.is_ascii_digit()) && v + 1 < s.len() => {
            &s[..v]
        }
        _ => s,
    };
    (!base.is_empty()).then(|| base.to_string())
}

/// A part's number: digits, a Roman numeral up to 20, or a number word up to ten.
fn part_number(w: &str) -> Option<u32> {
    if let Ok(n) = w.parse::<u32>() {
        return Some(n);
    }
    const ROMAN: [&str; 20] = [
        "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv",
        "xv", "xvi", "xvii", "xviii", "xix", "xx",
    ];
    const WORDS: [&str; 10] = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    ROMAN
        .iter()
        .position(|r| *r == w)
        .or_else(|| WORDS.iter().position(|r| *r == w))
        .map(|i| i as u32 + 1)
}

/// An ISBN as ISBN-13 digits (an ISBN-10 converted), when it is one.
fn isbn_key(s: &str) -> Option<String> {
    let d: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
        .collect();
    match d.len() {
        13 => Some(d),
        10 => {
            let body = format!("978{}", &d[..9]);
            let sum: u32 = body
                .bytes()
                .enumerate()
                .map(|(i, b)| (b - b'0') as u32 * if i % 2 == 0 { 1 } else { 3 })
                .sum();
            Some(format!("{body}{}", (10 - sum % 10) % 10))
        }
        _ => None,
    }
}

/// Words that say what kind of text a title is, not which work (`Tutorial: …`).
const GENRES: &[&str] = &[
    "tutorial",
    "demo",
    "demonstration",
    "panel",
    "keynote",
    "invited",
    "talk",
    "editorial",
    "review",
    "introduction",
    "poster",
    "abstract",
    "extended",
    "preface",
    "foreword",
    "report",
    "survey",
    "overview",
    "position",
    "paper",
    "short",
    "erratum",
    "correction",
    "book",
];

/// Words of a label a source puts on a title (`Tutorial: …`, `… (experience paper)`,
/// `…, demo`): what kind of item it is, not which work.
const LABELS: &[&str] = &[
    "tutorial",
    "demo",
    "demonstration",
    "panel",
    "keynote",
    "invited",
    "talk",
    "editorial",
    "poster",
    "abstract",
    "extended",
    "paper",
    "short",
    "experience",
    "position",
    "industrial",
    "track",
];

/// `title` without a label of [`LABELS`] words: before its first colon, and then in
/// parentheses at its end or else after its last comma. A label is not stripped when
/// nothing would be left (`Tutorial`).
fn strip_labels(title: &str) -> &str {
    let label = |s: &str| {
        let w = fold_words(s);
        !w.is_empty()
            && w.iter().any(|w| LABELS.contains(&w.as_str()))
            && w.iter()
                .all(|w| LABELS.contains(&w.as_str()) || STOP.contains(&w.as_str()))
    };
    let mut t = title.trim();
    if let Some(colon) = t.find(':') {
        if label(&t[..colon]) && !t[colon + 1..].trim().is_empty() {
            t = t[colon + 1..].trim_start();
        }
    }
    let end = t.trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    if let Some(inner) = end.strip_suffix(')') {
        if let Some(open) = inner.rfind('(') {
            if label(&inner[open + 1..]) && !inner[..open].trim().is_empty() {
                return inner[..open].trim_end();
            }
        }
    }
    if let Some(comma) = end.rfind(',') {
        if label(&end[comma + 1..]) && !end[..comma].trim().is_empty() {
            return end[..comma].trim_end();
        }
    }
    t
}

/// A title's name (its words) and the trigrams of the rest, see [`title_head`].
type Head = (Vec<String>, Vec<(u32, u16)>);

/// The name a title starts with, before a colon (`MiniCon: …`, `The HB-tree: …`): one
/// to three words that are not a genre (`Tutorial:`), a year, initials or the end of an
/// author list; with the trigrams of the rest of the title.
fn title_head(title: &str) -> Option<Box<Head>> {
    let colon = title.find(':')?;
    let (before, after) = (&title[..colon], &title[colon + 1..]);
    if before.trim().is_empty() || before.len() > 40 || !after.starts_with(char::is_whitespace) {
        return None;
    }
    let raw = fold_words(before);
    let words: Vec<String> = raw
        .iter()
        .filter(|w| !STOP.contains(&w.as_str()))
        .cloned()
        .collect();
    let year = |w: &str| {
        w.len() == 4
            && (w.starts_with("19") || w.starts_with("20"))
            && w.bytes().all(|b| b.is_ascii_digit())
    };
    let junk = words.is_empty()
        || words.len() > 3
        || raw
            .iter()
            .any(|w| w == "and" || w.chars().count() == 1 || year(w))
        || words.iter().all(|w| GENRES.contains(&w.as_str()));
    (!junk).then(|| Box::new((words, trigrams(&fold_words(after)))))
}

/// Whether two title words are one, misspelt, abbreviated or run into another word
/// (`optimisation` and `optimization`, `algo` and `algorithms`, `anefficientdata`
/// and `efficient`).
fn alike(w: &str, o: &str) -> bool {
    if w == o {
        return true;
    }
    let (lw, lo) = (w.chars().count(), o.chars().count());
    // (Words longer than any real run of words are compared only as they are.)
    if lw.max(lo) > 256 {
        return false;
    }
    if (lw >= 6 && o.contains(w)) || (lo >= 6 && w.contains(o)) {
        return true;
    }
    if lw < 4 || lo < 4 {
        return false;
    }
    if w.starts_with(o) || o.starts_with(w) {
        return true;
    }
    // Dice similarity of their character bigrams (a space at each end), of at least
    // 0.7: at most so many bigrams can differ.
    let (nw, no) = (lw + 1, lo + 1);
    if 10 * 2 * nw.min(no) < 7 * (nw + no) || nw > 48 || no > 48 {
        return false;
    }
    let grams = |s: &str, out: &mut [(char, char); 48]| {
        let mut prev = ' ';
        let mut n = 0;
        for c in s.chars().chain(std::iter::once(' ')) {
            out[n] = (prev, c);
            n += 1;
            prev = c;
        }
        out[..n].sort_unstable();
        n
    };
    let (mut x, mut y) = ([(' ', ' '); 48], [(' ', ' '); 48]);
    let (n, m) = (grams(w, &mut x), grams(o, &mut y));
    10 * 2 * common(&x[..n], &y[..m]) >= 7 * (n + m)
}

/// The words of `long` outside the alignment of `short` with it (in order, each word
/// matched once, [`alike`]): those before the first matched word, and those between
/// the first and the last, and where the first matched word is. Numbers and words of
/// one or two letters are not counted.
fn unaligned<'a>(short: &[&String], long: &[&'a String]) -> (Vec<&'a str>, Vec<&'a str>, usize) {
    let (n, m) = (short.len().min(64), long.len().min(64));
    // Longest common subsequence, by `alike`.
    let same: Vec<Vec<bool>> = (0..n)
        .map(|i| (0..m).map(|j| alike(short[i], long[j])).collect())
        .collect();
    let mut table = vec![vec![0u8; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if same[i][j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let mut matched = vec![false; m];
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if same[i][j] && table[i][j] == table[i + 1][j + 1] + 1 {
            matched[j] = true;
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    let (Some(first), Some(last)) = (
        matched.iter().position(|&x| x),
        matched.iter().rposition(|&x| x),
    ) else {
        return (Vec::new(), Vec::new(), 0);
    };
    let counted = |w: &str| !w.bytes().all(|b| b.is_ascii_digit()) && w.chars().count() > 2;
    let before = long[..first]
        .iter()
        .map(|w| w.as_str())
        .filter(|w| counted(w))
        .collect();
    let inside = (first..=last)
        .filter(|&k| !matched[k] && counted(long[k]))
        .map(|k| long[k].as_str())
        .collect();
    (before, inside, first)
}

impl Record {
    /// What [`compare`] reads of `e`.
    pub fn from_entry(e: &Entry) -> Record {
        let full_title = plain(e, "title").unwrap_or_default();
        let title = strip_labels(&full_title);
        let (words, marks) = fold_words_marked(title);
        // Stop words and lone letters (the `s` of `editor 's`, initials) say nothing.
        // (A break before a word left out goes to the next one.)
        let mut content: Vec<String> = Vec::new();
        let mut content_breaks: Vec<bool> = Vec::new();
        let mut broken = false;
        for (w, &m) in words.iter().zip(&marks) {
            broken |= m;
            let mut c = w.chars();
            let kept = !STOP.contains(&w.as_str())
                && (c.next().is_some_and(|c| c.is_ascii_digit()) || c.next().is_some());
            if kept {
                content.push(w.clone());
                content_breaks.push(std::mem::take(&mut broken));
            }
        }
        // Where each content word is among all the words (for what comes before it).
        let content_at: Vec<u16> = {
            let mut at = Vec::with_capacity(content.len());
            let mut k = 0;
            for (i, w) in words.iter().enumerate() {
                if content.get(k) == Some(w) && k < content.len() {
                    at.push(u16::try_from(i).unwrap_or(u16::MAX));
                    k += 1;
                }
            }
            at
        };
        let markers: Vec<&'static str> = MARKERS
            .iter()
            .copied()
            .filter(|m| words.iter().any(|w| w == m))
            .collect();
        let mut title_numbers: Vec<String> = words
            .iter()
            .filter(|w| w.bytes().all(|b| b.is_ascii_digit()))
            .cloned()
            .collect();
        // `Part 2`, `Part II`, `Vol. 3`: which part of a work the record is.
        let title_part = words.windows(2).find_map(|w| {
            matches!(w[0].as_str(), "part" | "vol" | "volume")
                .then(|| part_number(&w[1]))
                .flatten()
        });
        title_numbers.sort_unstable();
        title_numbers.dedup();
        let title_hash = {
            use std::hash::{BuildHasher, BuildHasherDefault};
            BuildHasherDefault::<crate::fxhash::FxHasher>::default().hash_one(&words)
        };
        let families = ["author", "editor"]
            .iter()
            .filter_map(|f| e.names(f))
            .map(|list| {
                list.names
                    .iter()
                    .filter_map(|n| match n {
                        Name::Person(p) => {
                            // A family part of punctuation only (`Gatziu …`, its
                            // ellipsis misread as `â ? ¦`): the name's last word.
                            let mut f = fold_words(&p.family).concat();
                            if f.is_empty() {
                                f = fold_words(&format!("{} {}", p.given, p.particle))
                                    .pop()
                                    .unwrap_or_default();
                            }
                            (!f.is_empty()).then_some(f)
                        }
                        Name::Literal(s) => {
                            let f = fold_words(s).concat();
                            (!f.is_empty()).then_some(f)
                        }
                    })
                    .collect::<Vec<String>>()
            })
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        // Words of four letters or more among the particles of the same names (a name
        // read all in lowercase, `a labrinidis andn`, puts its family name there).
        let given_words: Vec<String> = ["author", "editor"]
            .iter()
            .filter_map(|f| e.names(f))
            .find(|list| !list.names.is_empty())
            .map(|list| {
                list.names
                    .iter()
                    .filter_map(|n| match n {
                        Name::Person(p) => Some(fold_words(&p.particle)),
                        _ => None,
                    })
                    .flatten()
                    .filter(|w| w.chars().count() >= 4)
                    .take(64)
                    .collect()
            })
            .unwrap_or_default();
        let year = e
            .date_in("date")
            .and_then(|d| d.start())
            .map(|d| d.year)
            .or_else(|| plain(e, "year").and_then(|y| y.parse().ok()));
        let eprint_arxiv = ["eprinttype", "archiveprefix"]
            .iter()
            .any(|f| plain(e, f).is_some_and(|t| t.eq_ignore_ascii_case("arxiv")))
            .then(|| plain(e, "eprint"))
            .flatten();
        // arXiv's own DOIs name the preprint: they are its arXiv id.
        let doi = plain(e, "doi").and_then(|d| doi_key(&d));
        let arxiv_doi = doi
            .as_deref()
            .and_then(|d| d.strip_prefix(ARXIV_DOI))
            .and_then(arxiv_key);
        let venue: Vec<String> = ["journal", "journaltitle", "howpublished", "publisher"]
            .iter()
            .filter_map(|f| plain(e, f))
            .flat_map(|v| {
                let w = fold_words(&v);
                let joined = w.concat();
                w.into_iter().chain(std::iter::once(joined))
            })
            .collect();
        // A preprint: unpublished, a report, or an online record or an article of a
        // preprint server (an article that merely links its arXiv version is published).
        let on_server = venue.iter().any(|w| PREPRINT_VENUES.contains(&w.as_str()));
        let preprint = matches!(e.kind.as_str(), "unpublished" | "techreport" | "report")
            || (matches!(e.kind.as_str(), "misc" | "online" | "electronic")
                && (eprint_arxiv.is_some() || arxiv_doi.is_some() || on_server))
            || (e.kind == "article" && on_server);
        let content_count = content.len() as u32;
        let mut content_set = content.clone();
        content_set.sort_unstable();
        content_set.dedup();
        // The title cut at its punctuation ([`breaks`]), for a title inside a scraped
        // citation: with at most three cuts and five words cut off either end, and
        // not for titles too long to be one.
        let mut pieces = Vec::new();
        let cuts: Vec<usize> = (1..words.len()).filter(|&i| marks[i]).collect();
        if (1..=3).contains(&cuts.len()) && words.len() <= 64 && title.len() <= 1024 {
            let starts = std::iter::once(0).chain(cuts.iter().copied());
            for st in starts.filter(|&st| st <= 5) {
                let ends = cuts.iter().copied().chain(std::iter::once(words.len()));
                for en in ends.filter(|&en| en > st + 1 && words.len() - en <= 5) {
                    if st > 0 || en < words.len() {
                        let cut: Vec<String> =
                            words[..st].iter().chain(&words[en..]).cloned().collect();
                        pieces.push(Piece {
                            grams: trigrams(&words[st..en]),
                            cut,
                        });
                    }
                }
            }
        }
        let mut word_set = words.clone();
        word_set.sort_unstable();
        word_set.dedup();
        let long_word = words.iter().any(|w| w.chars().count() >= 12);
        let squashed = words.concat().into_boxed_str();
        let head = title_head(title);
        let numbers = NUMBER_FIELDS
            .iter()
            .filter_map(|&f| {
                plain(e, f).map(|v| (f, v.split_whitespace().collect::<Vec<_>>().join(" ")))
            })
            .collect();
        Record {
            title_part,
            numbers,
            content_set,
            content,
            content_breaks,
            content_at,
            pieces,
            squashed,
            long_word,
            word_set,
            head,
            grams: trigrams(&words),
            title_hash,
            has_title: !words.is_empty(),
            words,
            content_count,
            markers,
            title_numbers,
            family_grams: families.iter().map(|f| bigrams(f)).collect(),
            families,
            given_words,
            year,
            preprint,
            published: !preprint
                && matches!(
                    e.kind.as_str(),
                    "article"
                        | "inproceedings"
                        | "conference"
                        | "incollection"
                        | "inbook"
                        | "book"
                        | "mvbook"
                        | "phdthesis"
                        | "thesis"
                ),
            doi: doi.filter(|d| !d.starts_with(ARXIV_DOI)),
            arxiv: eprint_arxiv
                .or_else(|| plain(e, "arxiv"))
                .and_then(|a| arxiv_key(&a))
                .or(arxiv_doi),
            pmid: plain(e, "pmid").filter(|p| p.bytes().all(|b| b.is_ascii_digit())),
            isbn: plain(e, "isbn").and_then(|i| isbn_key(&i)),
            url: plain(e, "url").map(|u| u.trim_end_matches('/').to_lowercase()),
            whole_book: matches!(
                e.kind.as_str(),
                "book"
                    | "mvbook"
                    | "manual"
                    | "proceedings"
                    | "mvproceedings"
                    | "collection"
                    | "mvcollection"
                    | "reference"
                    | "mvreference"
                    | "booklet"
            ),
            part: matches!(
                e.kind.as_str(),
                "article"
                    | "inbook"
                    | "incollection"
                    | "inproceedings"
                    | "conference"
                    | "inreference"
                    | "suppbook"
                    | "suppcollection"
                    | "suppperiodical"
            ),
        }
    }

    /// The title's words without stop words, sorted, each once (what [`find`] blocks on).
    pub fn title_words(&self) -> &[String] {
        &self.content_set
    }

    /// The first author's family name, folded.
    pub fn first_family(&self) -> Option<&str> {
        self.families.first().map(String::as_str)
    }
}

/// Why [`compare`] decided as it did.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The same identifier (`DOI`, `arXiv id`, `PMID`, `ISBN`, `URL`).
    SameIdentifier(&'static str),
    /// Two different identifiers of one kind.
    DifferentIdentifier(&'static str),
    /// The titles are equal once folded.
    TitlesEqual,
    /// The titles are this alike (character trigrams, 0–1).
    TitlesSimilar(f64),
    /// The words of the shorter title are in the longer one (this share).
    TitleContained(f64),
    /// So many of the authors match (of the shorter list).
    AuthorsMatch(usize, usize),
    /// The years differ by this much.
    YearsDiffer(i64),
    /// One title says it is an erratum, a reply … and the other does not.
    Marked(String),
    /// A short title and no agreeing authors.
    GenericTitle,
    /// The titles have different numbers (`Part 1`, `Part 2`).
    NumbersDiffer,
    /// Both have these fields, with different values (`volume`, `pages` …).
    FieldsDiffer(Vec<&'static str>),
    /// One is a book or proceedings, the other a part of one.
    WholeAndPart,
    /// One is a preprint or a report, the other published.
    PreprintAndPublished,
    /// The titles are this alike once their spaces are ignored (words run together).
    TitlesAlikeWithoutSpaces(f64),
    /// The shorter title is inside the other once their spaces are ignored.
    TitleInsideWithoutSpaces,
    /// The titles are this alike once one is cut at its punctuation, where what is cut
    /// off is a scraped citation's authors, year or venue around the title.
    TitlesAlikeCut(f64),
    /// The longer title starts with these words, which the shorter one lacks.
    WordsBefore(String),
    /// The longer title has these words among the shorter one's.
    WordsInside(String),
    /// One title starts with this name (before a colon); the other lacks it.
    NameMissing(String),
    /// Everything but the year or the stage of publication agrees: two versions of one
    /// work (a preprint and the article, a conference paper and its journal version).
    Versions,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::SameIdentifier(k) => write!(f, "same {k}"),
            Reason::DifferentIdentifier(k) => write!(f, "different {k}s"),
            Reason::TitlesEqual => f.write_str("titles equal after normalisation"),
            Reason::TitlesSimilar(s) => write!(f, "titles {:.0} % alike", s * 100.0),
            Reason::TitleContained(s) => write!(
                f,
                "{:.0} % of the shorter title's words are in the other",
                s * 100.0
            ),
            Reason::AuthorsMatch(m, n) => write!(f, "{m} of {n} authors match"),
            Reason::YearsDiffer(d) => write!(f, "years differ by {d}"),
            Reason::Marked(w) => write!(f, "only one title is marked `{w}`"),
            Reason::GenericTitle => f.write_str("a short title, and the authors do not agree"),
            Reason::NumbersDiffer => f.write_str("the titles have different numbers"),
            Reason::FieldsDiffer(fields) => write!(f, "{} differ", fields.join(", ")),
            Reason::WholeAndPart => {
                f.write_str("one is a book or proceedings, the other a part of one")
            }
            Reason::PreprintAndPublished => {
                f.write_str("one is a preprint or a report, the other published")
            }
            Reason::Versions => f.write_str("probably two versions of one work"),
            Reason::TitlesAlikeWithoutSpaces(x) => {
                write!(f, "titles {:.0} % alike without their spaces", x * 100.0)
            }
            Reason::TitleInsideWithoutSpaces => {
                f.write_str("the shorter title is inside the other without their spaces")
            }
            Reason::TitlesAlikeCut(x) => write!(
                f,
                "titles {:.0} % alike once one is cut at a full stop or comma (a citation around it)",
                x * 100.0
            ),
            Reason::WordsBefore(w) => write!(f, "only one title starts with `{w}`"),
            Reason::WordsInside(w) => write!(f, "only one title has `{w}` among the words"),
            Reason::NameMissing(w) => write!(f, "only one title is named `{w}`"),
        }
    }
}

/// What [`compare`] decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Whether the two are one record of one work.
    pub duplicate: bool,
    /// Whether they are two versions of one work — a preprint and its published version,
    /// a paper and its journal version years later: reported as such, never merged
    /// silently. Never true with [`Verdict::duplicate`].
    pub versions: bool,
    /// The score (1 for the same identifier, 0 for different ones).
    pub score: f64,
    /// Why, in the order weighed.
    pub reasons: Vec<Reason>,
}

/// Authors matched one to one by family name (misspellings tolerated), and a family name
/// left over that the other record has among the particles of its names (a name read all
/// in lowercase and split in the wrong place), counted once: (matched, the shorter
/// list's length, the longer's).
fn authors(a: &Record, b: &Record) -> Option<(usize, usize, usize)> {
    if a.families.is_empty() || b.families.is_empty() {
        return None;
    }
    let mut used = vec![false; b.families.len()];
    let mut used_a = vec![false; a.families.len()];
    let mut matched = 0;
    for (i, (x, xg)) in a.families.iter().zip(&a.family_grams).enumerate().take(64) {
        let mut best: Option<(f64, usize)> = None;
        for (j, (y, yg)) in b.families.iter().zip(&b.family_grams).enumerate().take(64) {
            if used[j] {
                continue;
            }
            let s = if x == y { 1.0 } else { name_similarity(xg, yg) };
            if s > 0.55 && best.is_none_or(|(bs, _)| s > bs) {
                best = Some((s, j));
                if s == 1.0 {
                    break;
                }
            }
        }
        if let Some((_, j)) = best {
            used[j] = true;
            used_a[i] = true;
            matched += 1;
        }
    }
    // A name split in the wrong place (`a labrinidis andn`, read with `labrinidis`
    // among the given names): a family name left over that the other record has
    // among its given names.
    let unmatched_a = a
        .families
        .iter()
        .take(64)
        .zip(&used_a)
        .filter(|(f, u)| !**u && b.given_words.contains(*f))
        .count();
    let unmatched_b = b
        .families
        .iter()
        .take(64)
        .zip(&used)
        .filter(|(f, u)| !**u && a.given_words.contains(*f))
        .count();
    // (One way or the other: a name split wrongly is counted once.)
    matched = (matched + unmatched_a.max(unmatched_b)).min(a.families.len().min(b.families.len()));
    let (short, long) = (
        a.families.len().min(b.families.len()),
        a.families.len().max(b.families.len()),
    );
    Some((matched, short, long))
}

/// Which comparison of two titles gave their similarity (see [`judge`]).
#[derive(Clone, Copy)]
enum Found {
    /// The titles' trigrams, as they are.
    Grams,
    /// The titles without their spaces.
    Squashed,
    /// One title cut at its punctuation.
    Cut,
}

/// [`compare`] as the rules across entries of `check` use it: `full` reads every field
/// even when the titles alone rule a duplicate out.
pub(crate) fn judge_pair(a: &Record, b: &Record, profile: &Profile) -> Verdict {
    judge(a, b, profile, false)
}

/// Decides whether `a` and `b` are one work; see the module docs.
pub fn compare(a: &Record, b: &Record, profile: &Profile) -> Verdict {
    judge(a, b, profile, true)
}

/// [`compare`]; without `full`, a pair whose titles are too far apart for any author
/// agreement to make it a duplicate is decided without reading the authors.
fn judge<'r>(a: &'r Record, b: &'r Record, profile: &Profile, full: bool) -> Verdict {
    // An ISBN decides for two whole books only (the chapters of a book carry its ISBN);
    // a URL never does (the articles of one issue share its address), it only adds.
    let books = a.whole_book && b.whole_book;
    let none = None;
    let ids: [(&'static str, &Option<String>, &Option<String>, bool); 4] = [
        ("DOI", &a.doi, &b.doi, true),
        ("arXiv id", &a.arxiv, &b.arxiv, true),
        ("PMID", &a.pmid, &b.pmid, true),
        ("ISBN", if books { &a.isbn } else { &none }, &b.isbn, false),
    ];
    for (kind, x, y, exclusive) in ids {
        match (x, y) {
            (Some(x), Some(y)) if x == y => {
                return Verdict {
                    duplicate: true,
                    versions: false,
                    score: 1.0,
                    reasons: vec![Reason::SameIdentifier(kind)],
                };
            }
            (Some(_), Some(_)) if exclusive => {
                return Verdict {
                    duplicate: false,
                    versions: false,
                    score: 0.0,
                    reasons: vec![Reason::DifferentIdentifier(kind)],
                };
            }
            _ => {}
        }
    }
    let mut reasons = Vec::new();
    let mut title = dice(&a.grams, &b.grams);
    let mut penalties: Vec<Reason> = Vec::new();
    // Where the title's similarity came from, when not from the titles as they are.
    let mut found = Found::Grams;
    let mut contained_in = false;
    if a.has_title && a.title_hash == b.title_hash && a.grams == b.grams {
        title = 1.0;
        reasons.push(Reason::TitlesEqual);
    } else {
        // Words run together (`onviews andxml`, `integratingcontentsandstructures`): the
        // titles without their spaces, equal, one inside the other, or alike.
        let (ss, sl) = if a.squashed.len() <= b.squashed.len() {
            (&*a.squashed, &*b.squashed)
        } else {
            (&*b.squashed, &*a.squashed)
        };
        let mut inside_squashed = false;
        if !ss.is_empty() && ss == sl {
            title = 1.0;
            found = Found::Squashed;
        } else {
            inside_squashed = ss.len() >= 15
                && a.content_count.min(b.content_count) >= 3
                && sl.len() <= 1024
                && sl.contains(ss);
            if (a.long_word || b.long_word) && sl.len() <= 1024 {
                let squashed = dice(&trigrams(&[ss]), &trigrams(&[sl]));
                if squashed > title + 0.1 {
                    title = squashed;
                    found = Found::Squashed;
                }
            }
        }
        // A title inside a scraped citation (`H. Ward, “Dynamic query evaluation
        // plans”`, `… environment, ACM SIGMOD Int`): each title cut at its punctuation
        // ([`Record::pieces`]). Cutting is a guess: it counts when what is cut off looks
        // like a citation's ([`citation_like`]), the cut title is at least 80 % alike and
        // the authors, if both have them, share one.
        if title < 0.9 && (!a.pieces.is_empty() || !b.pieces.is_empty()) {
            let best = a
                .pieces
                .iter()
                .filter(|p| citation_like(&p.cut, a, b))
                .map(|p| dice(&p.grams, &b.grams))
                .chain(
                    b.pieces
                        .iter()
                        .filter(|p| citation_like(&p.cut, a, b))
                        .map(|p| dice(&a.grams, &p.grams)),
                )
                .fold(0.0_f64, f64::max);
            if best >= 0.8 && best > title + 0.05 && authors(a, b).is_none_or(|(m, _, _)| m > 0) {
                title = best;
                found = Found::Cut;
            }
        }
        let contained = if a.content_count >= 3 && b.content_count >= 3 {
            // A scraped title may have swallowed the end of its author list (`Suresha,
            // and K. Ramamritham. Proxy-based acceleration …`): the authors' names in
            // either title are left out of both.
            let name = |w: &String| a.families.contains(w) || b.families.contains(w);
            let x: Vec<&String> = a.content_set.iter().filter(|w| !name(w)).collect();
            let y: Vec<&String> = b.content_set.iter().filter(|w| !name(w)).collect();
            if x.len().min(y.len()) >= 3 {
                common(&x, &y) as f64 / x.len().min(y.len()) as f64
            } else {
                0.0
            }
        } else {
            0.0
        };
        if 0.9 * contained > title && (contained >= 1.0 || !inside_squashed) {
            title = 0.9 * contained;
            contained_in = true;
            reasons.push(Reason::TitleContained(contained));
        } else if inside_squashed && 0.9 > title {
            title = 0.9;
            contained_in = true;
            reasons.push(Reason::TitleInsideWithoutSpaces);
        } else {
            reasons.push(match found {
                Found::Grams => Reason::TitlesSimilar(title),
                Found::Squashed => Reason::TitlesAlikeWithoutSpaces(title),
                Found::Cut => Reason::TitlesAlikeCut(title),
            });
        }
    }
    let mut score = title;
    if !full && profile.title_weight * title + (1.0 - profile.title_weight) < profile.threshold {
        return Verdict {
            duplicate: false,
            versions: false,
            score: profile.title_weight * title,
            reasons,
        };
    }
    if contained_in {
        // A shorter title inside a longer one is the same work with a subtitle, a
        // source's additions or a cut; not when the longer one starts with words of its
        // own (`An investigation into …`, `Fast algorithms for …`) or puts words among
        // the other's (`Mining [generalized] association rules`).
        // Words before that end in a full stop or a comma are what a scraped citation
        // put before its title (`… and J. Widom. View maintenance …`).
        let name = |w: &String| a.families.contains(w) || b.families.contains(w);
        let kept = |r: &'r Record| {
            let (mut words, mut marks, mut at, mut broken) =
                (Vec::new(), Vec::new(), Vec::new(), false);
            for ((w, &m), &i) in r.content.iter().zip(&r.content_breaks).zip(&r.content_at) {
                broken |= m;
                if !name(w) {
                    words.push(w);
                    marks.push(std::mem::take(&mut broken));
                    at.push(usize::from(i));
                }
            }
            (words, marks, at, r)
        };
        let (x, y) = (kept(a), kept(b));
        let (short, long) = if x.0.len() <= y.0.len() {
            (x, y)
        } else {
            (y, x)
        };
        let (before, inside, first) = unaligned(&short.0, &long.0);
        // (Only when what comes before looks like a citation's: `citation_like`.)
        let cited = long.1.get(first).copied().unwrap_or(false)
            && long
                .2
                .get(first)
                .is_some_and(|&i| citation_like(&long.3.words[..i.min(long.3.words.len())], a, b));
        if !before.is_empty() && !cited {
            penalties.push(Reason::WordsBefore(before.join(" ")));
        }
        if !inside.is_empty() {
            penalties.push(Reason::WordsInside(inside.join(" ")));
        }
    }
    // A title named by its first words (`MiniCon: …`) against one without the name is
    // another work, unless the rest is the other title.
    for (x, y) in [(a, b), (b, a)] {
        let Some(head) = x.head.as_deref() else {
            continue;
        };
        let named = head
            .0
            .iter()
            .any(|w| y.word_set.iter().any(|o| alike(w, o)) || y.families.contains(w));
        // (Once: the name may be the words the longer title starts with.)
        let counted = penalties.iter().any(|p| match p {
            Reason::WordsBefore(w) => head.0.iter().all(|h| w.split(' ').any(|x| x == h)),
            _ => false,
        });
        if !named && !counted && dice(&head.1, &y.grams) < 0.9 {
            penalties.push(Reason::NameMissing(head.0.join(" ")));
        }
    }
    let au = authors(a, b);
    let mut agree = 0.0;
    if let Some((m, short, long)) = au {
        agree = 0.7 * m as f64 / short as f64 + 0.3 * m as f64 / long as f64;
        score = profile.title_weight * title + (1.0 - profile.title_weight) * agree;
        reasons.push(Reason::AuthorsMatch(m, short));
    }
    if a.content_count.min(b.content_count) < 4 && (au.is_none() || agree < 0.5) {
        score -= 0.3;
        reasons.push(Reason::GenericTitle);
    }
    // What only tells two versions of one work apart: their years and whether one is a
    // preprint.
    let mut version_gap = 0.0;
    if let (Some(x), Some(y)) = (a.year, b.year) {
        let d = (x - y).abs();
        if d > 0 {
            version_gap = if d == 1 {
                profile.year_one
            } else {
                profile.year_more
            };
            reasons.push(Reason::YearsDiffer(d));
        }
    }
    let stages_differ = (a.preprint && b.published) || (a.published && b.preprint);
    if stages_differ {
        reasons.push(Reason::PreprintAndPublished);
    }
    // Versions need the title and most authors to agree.
    let strong = title >= 0.9 && au.is_some_and(|(m, short, _)| m > 0 && m * 4 >= short * 3);
    score -= version_gap;
    // `Part 1` and `Part 2`, `… 2019` and `… 2020`: two works however alike the rest.
    // (A number only one has is often a year or a count one source added.)
    let (na, nb) = (&a.title_numbers, &b.title_numbers);
    let subset = |x: &[String], y: &[String]| x.iter().all(|n| y.contains(n));
    if (!na.is_empty() && !nb.is_empty() && !subset(na, nb) && !subset(nb, na))
        || matches!((a.title_part, b.title_part), (Some(x), Some(y)) if x != y)
    {
        score -= 0.3;
        reasons.push(Reason::NumbersDiffer);
    }
    // Volume 1 and volume 2 of one series, two chapters of one book.
    let differ: Vec<&'static str> = a
        .numbers
        .iter()
        .filter(|(f, v)| b.numbers.iter().any(|(g, w)| g == f && w != v))
        .map(|(f, _)| *f)
        .collect();
    if !differ.is_empty() {
        score -= 0.5;
        reasons.push(Reason::FieldsDiffer(differ));
    }
    let (ma, mb) = (&a.markers, &b.markers);
    if ma != mb {
        let w = ma
            .iter()
            .chain(mb.iter())
            .find(|w| !(ma.contains(w) && mb.contains(w)));
        score -= 0.3;
        reasons.push(Reason::Marked(w.map_or("", |w| w).to_string()));
    }
    // Each of these takes 0.1 off: words only the longer title has, a name only one
    // has.
    for p in penalties {
        score -= 0.1;
        reasons.push(p);
    }
    if (a.whole_book && b.part) || (a.part && b.whole_book) {
        score -= 0.5;
        reasons.push(Reason::WholeAndPart);
    }
    if a.url.is_some() && a.url == b.url {
        score += 0.1;
        reasons.push(Reason::SameIdentifier("URL"));
    }
    let score = score.clamp(0.0, 1.0);
    let as_versions = (score + version_gap).clamp(0.0, 1.0);
    if (stages_differ && score >= profile.threshold)
        || (version_gap > 0.0 && strong && as_versions >= profile.threshold)
    {
        reasons.push(Reason::Versions);
        return Verdict {
            duplicate: false,
            versions: true,
            score: as_versions,
            reasons,
        };
    }
    Verdict {
        duplicate: score >= profile.threshold,
        versions: false,
        score,
        reasons,
    }
}

/// One group of duplicates found by [`find`].
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The records, by index, in order.
    pub members: Vec<usize>,
    /// Whether they are two versions of one work ([`Verdict::versions`]) rather than
    /// duplicates: reported, never merged.
    pub versions: bool,
    /// The pairs that joined them (one per member but the first, not every pair): (earlier,
    /// later, verdict).
    pub pairs: Vec<(usize, usize, Verdict)>,
}

impl Group {
    /// The lowest score of its pairs.
    pub fn score(&self) -> f64 {
        self.pairs.iter().map(|p| p.2.score).fold(1.0_f64, f64::min)
    }
}

/// How many records one blocking word may gather before it is too common to block on.
const BLOCK_CAP: usize = 64;

/// The groups of duplicates among `records`: candidates share one of the two rarest
/// words of their titles (of those another title has too), an identifier, or their
/// first author's family name, and are compared once each; `keep_apart` says which
/// pairs must never be joined (a "not a duplicate" memory). Two versions of one work
/// ([`Verdict::versions`]) are a group of their own, with [`Group::versions`] set, one
/// for each two groups (or entries) they link.
///
/// ```
/// use bibkit::dedupe::{find, Profile, Record};
/// use bibkit::edit::Document;
/// let doc = Document::parse("@misc{a, title = {Deep Graph Hashing}, author = {Li, Hua}, year = 2019}
///   @misc{b, title = {Other Work}, author = {Roe, R.}, year = 2019}
///   @misc{c, title = {Deep graph hashing}, author = {H. Li}, year = 2019}");
/// let r: Vec<Record> = doc.model().iter().map(|(_, e)| Record::from_entry(e)).collect();
/// let groups = find(&r, &Profile::lenient(), |_, _| false);
/// assert_eq!(groups.len(), 1);
/// assert_eq!(groups[0].members, [0, 2]);
/// ```
pub fn find(
    records: &[Record],
    profile: &Profile,
    keep_apart: impl Fn(usize, usize) -> bool,
) -> Vec<Group> {
    // Document frequency of title words, to block on the rarest.
    let mut df: crate::fxhash::FxHashMap<&str, usize> = Default::default();
    for r in records {
        for w in &r.content_set {
            *df.entry(w.as_str()).or_insert(0) += 1;
        }
    }
    // Blocks by (what, word): 0 a title word, 1 a first author, 2 an identifier.
    let mut blocks: crate::fxhash::FxHashMap<(u8, &str), Vec<usize>> = Default::default();
    for (i, r) in records.iter().enumerate() {
        // A word no other title has pairs with nothing: the rarest of the others.
        let mut words: Vec<&str> = r
            .content_set
            .iter()
            .map(String::as_str)
            .filter(|w| df.get(w).copied().unwrap_or(0) > 1)
            .collect();
        words.sort_unstable_by_key(|w| (df.get(w).copied().unwrap_or(0), *w));
        for w in words.iter().take(2) {
            blocks.entry((0, w)).or_default().push(i);
        }
        if let Some(f) = r.first_family() {
            blocks.entry((1, f)).or_default().push(i);
        }
        for id in [&r.doi, &r.arxiv, &r.pmid, &r.isbn, &r.url]
            .into_iter()
            .flatten()
        {
            blocks.entry((2, id.as_str())).or_default().push(i);
        }
    }
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    for members in blocks.values() {
        if members.len() < 2 {
            continue;
        }
        // A word or a name that gathers too many records is compared among neighbours
        // only (the records around each one in file order).
        let window = if members.len() > BLOCK_CAP {
            8
        } else {
            members.len()
        };
        for (k, &i) in members.iter().enumerate() {
            for &j in members[k + 1..].iter().take(window) {
                candidates.push((i, j));
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    // Union of the duplicate pairs, in order.
    let mut parent: Vec<usize> = (0..records.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    candidates.retain(|&(i, j)| !keep_apart(i, j));
    // The pairs judged on all cores, a batch at a time; a pair already in one group is
    // not judged (the pairs that joined it say why).
    let mut found: Vec<(usize, usize, Verdict)> = Vec::new();
    let mut versions: Vec<(usize, usize, Verdict)> = Vec::new();
    for batch in candidates.chunks(1 << 14) {
        let todo: Vec<(usize, usize)> = batch
            .iter()
            .copied()
            .filter(|&(i, j)| root(&mut parent, i) != root(&mut parent, j))
            .collect();
        let judged = |&(i, j): &(usize, usize)| {
            let v = judge(&records[i], &records[j], profile, false);
            (v.duplicate || v.versions).then_some((i, j, v))
        };
        #[cfg(feature = "parallel")]
        let verdicts: Vec<(usize, usize, Verdict)> = {
            use rayon::prelude::*;
            todo.par_iter().filter_map(judged).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let verdicts: Vec<(usize, usize, Verdict)> = todo.iter().filter_map(judged).collect();
        for (i, j, v) in verdicts {
            if v.versions {
                versions.push((i, j, v));
                continue;
            }
            let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
            if ri != rj {
                parent[ri.max(rj)] = ri.min(rj);
                found.push((i, j, v));
            }
        }
    }
    let mut groups: HashMap<usize, Group> = HashMap::new();
    for (i, j, v) in found {
        let r = root(&mut parent, i);
        groups
            .entry(r)
            .or_insert_with(|| Group {
                members: Vec::new(),
                versions: false,
                pairs: Vec::new(),
            })
            .pairs
            .push((i, j, v));
    }
    let mut out: Vec<Group> = groups
        .into_values()
        .map(|mut g| {
            let mut m: Vec<usize> = g.pairs.iter().flat_map(|p| [p.0, p.1]).collect();
            m.sort_unstable();
            m.dedup();
            g.members = m;
            g
        })
        .collect();
    // Versions: one pair for two groups (or entries), reported on their own.
    let mut seen: std::collections::HashSet<(usize, usize)> = Default::default();
    for (i, j, v) in versions {
        let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
        if ri != rj && seen.insert((ri.min(rj), ri.max(rj))) {
            out.push(Group {
                members: vec![i, j],
                versions: true,
                pairs: vec![(i, j, v)],
            });
        }
    }
    out.sort_by_key(|g| (g.members[0], g.versions, g.members.get(1).copied()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(bib: &str) -> Record {
        Record::from_entry(&crate::edit::Document::parse(bib).to_model(0).unwrap())
    }

    #[test]
    fn identifiers_decide_first() {
        let p = Profile::lenient();
        let a = rec("@misc{a, title = {One}, doi = {https://doi.org/10.1000/ABC}}");
        let b = rec("@misc{b, title = {Completely Different}, doi = {10.1000/abc}}");
        assert_eq!(compare(&a, &b, &p).reasons, [Reason::SameIdentifier("DOI")]);
        let c = rec("@misc{c, title = {One}, doi = {10.1000/xyz}}");
        assert!(!compare(&a, &c, &p).duplicate);
        let x = rec("@misc{x, title = {T}, eprinttype = {arxiv}, eprint = {2101.00001v2}}");
        let y = rec("@misc{y, title = {U}, eprinttype = {arXiv}, eprint = {2101.00001}}");
        assert!(compare(&x, &y, &p).duplicate);
        let i10 = rec("@book{i, title = {A}, isbn = {0-201-13447-0}}");
        let i13 = rec("@book{j, title = {B}, isbn = {978-0-201-13447-6}}");
        assert_eq!(
            compare(&i10, &i13, &p).reasons,
            [Reason::SameIdentifier("ISBN")]
        );
    }

    #[test]
    fn versions_are_reported_apart_from_duplicates() {
        let p = Profile::lenient();
        let pre = rec(
            "@misc{a, title = {Learning to Cite}, author = {Okafor, N. and Lind, P.}, eprinttype = {arXiv}, eprint = {2403.01234}, year = 2024}",
        );
        let same_year = rec(
            "@article{b, title = {Learning to cite}, author = {Okafor, Ngozi and Lind, Per}, journal = {J. Doc.}, year = 2024}",
        );
        let v = compare(&pre, &same_year, &p);
        assert!(v.versions && !v.duplicate, "{v:?}");
        assert!(v.reasons.contains(&Reason::PreprintAndPublished));
        // arXiv's own DOI is the preprint's arXiv id, not a DOI that differs.
        let doi = rec(
            "@misc{c, title = {Learning to Cite}, author = {Okafor, N.}, doi = {10.48550/arXiv.2403.01234}}",
        );
        assert_eq!(
            compare(&pre, &doi, &p).reasons,
            [Reason::SameIdentifier("arXiv id")]
        );
        // An article that links its arXiv version, or of a journal whose name has
        // `corr` in a word, is published.
        for bib in [
            "@article{d, title = {Learning to Cite}, author = {Okafor, N. and Lind, P.}, journal = {Corrosion Science}, year = 2024}",
            "@article{d, title = {Learning to Cite}, author = {Okafor, N. and Lind, P.}, journal = {J. Doc.}, eprinttype = {arXiv}, eprint = {2403.01234}, year = 2024}",
        ] {
            let v = compare(&same_year, &rec(bib), &p);
            assert!(v.duplicate, "{bib}: {v:?}");
        }
        // Years apart with a title that only half agrees: neither.
        let other = rec(
            "@article{e, title = {Learning to Cite Code in Papers}, author = {Okafor, N. and Lind, P.}, journal = {J. Doc.}, year = 2026}",
        );
        let v = compare(&same_year, &other, &p);
        assert!(!v.versions && !v.duplicate, "{v:?}");
    }

    #[test]
    fn parts_numbers_names_and_mojibake_in_titles() {
        let p = Profile::lenient();
        let t = |title: &str, author: &str| {
            rec(&format!(
                "@inproceedings{{x, title = {{{title}}}, author = {{{author}}}, year = 2002}}"
            ))
        };
        let part1 = t(
            "Database Tuning: Principles and Techniques (Part I)",
            "Shasha, D.",
        );
        let part2 = t(
            "Database tuning: principles and techniques (part II)",
            "Shasha, D.",
        );
        let v = compare(&part1, &part2, &p);
        assert!(
            !v.duplicate && v.reasons.contains(&Reason::NumbersDiffer),
            "{v:?}"
        );
        // A number only one title has (a version, a year) is not a different number.
        let sql = t(
            "SQL:1999, formerly known as SQL 3",
            "Eisenberg, A. and Melton, J.",
        );
        let sql3 = t(
            "SQL:1999, formerly known as SQL3",
            "Eisenberg, A. and Melton, J.",
        );
        assert!(compare(&sql, &sql3, &p).duplicate);
        // A title that swallowed its author list, and a quote read as Latin-1.
        let clean = t(
            "Proxy-Based Acceleration of Dynamically Generated Content",
            "Datta, A. and Ramamritham, K.",
        );
        let scraped = t(
            "Suresha, and K. Ramamritham. Proxy-based acceleration of dynamically generated contentâ€™",
            "Datta, A.",
        );
        let v = compare(&clean, &scraped, &p);
        assert!(v.duplicate, "{v:?}");
        assert_eq!(fold_words("streamsâ ?? a new"), ["streams", "a", "new"]);
        assert_eq!(fold_words("pâté"), ["pate"]);
    }

    #[test]
    fn words_the_other_title_lacks() {
        let p = Profile::lenient();
        let t = |title: &str| {
            rec(&format!(
                "@inproceedings{{x, title = {{{title}}}, author = {{Haas, L. and Kossmann, D. and Ursu, I.}}, year = 1999}}"
            ))
        };
        let base = t("Loading a Cache with Query Results");
        let reason = |x: &Record, y: &Record| {
            compare(x, y, &p)
                .reasons
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
        };
        // A subtitle or a cut is the same work; words before or among are not.
        assert!(
            compare(
                &base,
                &t("Loading a cache with query results: an evaluation"),
                &p
            )
            .duplicate
        );
        let before = t("An Investigation into Loading a Cache with Query Results");
        assert!(
            reason(&base, &before)
                .contains(&"only one title starts with `investigation into`".to_string())
        );
        let inside = t("Loading a Semantic Cache with Query Results");
        assert!(
            reason(&base, &inside)
                .contains(&"only one title has `semantic` among the words".to_string())
        );
        // A title named before a colon, against one without the name.
        let named = t("MiniCon: Loading Caches with Query Results");
        let v = compare(
            &named,
            &t("Loading caches with query results in parallel"),
            &p,
        );
        assert!(
            v.reasons.contains(&Reason::NameMissing("minicon".into())),
            "{v:?}"
        );
        // A name dropped by the source, the rest unchanged, is the same work; so is a
        // genre label (`Tutorial:`).
        assert!(compare(&named, &t("Loading caches with query results"), &p).duplicate);
        let tutorial = t("Tutorial: Loading a Cache with Query Results");
        assert!(!reason(&base, &tutorial).iter().any(|r| r.contains("named")));
        // Words run together.
        let run = t("Loadingacache withqueryresults");
        let v = compare(&base, &run, &p);
        assert!(v.duplicate, "{v:?}");
        assert!(matches!(v.reasons[0], Reason::TitlesAlikeWithoutSpaces(_)));
    }

    #[test]
    fn titles_inside_scraped_citations() {
        let p = Profile::lenient();
        let t = |title: &str, author: &str| {
            rec(&format!(
                "@inproceedings{{x, title = {{{title}}}, author = {{{author}}}}}"
            ))
        };
        let says = |v: &Verdict, what: &str| v.reasons.iter().any(|r| r.to_string().contains(what));
        // Words before the title that end at a full stop are the citation's authors; the
        // same words joined to the title are a title of its own.
        let base = t(
            "Loading a Cache with Query Results",
            "Haas, L. and Kossmann, D.",
        );
        let cited = t(
            "A. Smith, B. Jones, and D. Kossmann. Loading a cache with query results",
            "Haas, L. and Kossmann, D.",
        );
        let v = compare(&base, &cited, &p);
        assert!(v.duplicate && !says(&v, "starts with"), "{v:?}");
        let own = t(
            "Optimization Loading a Cache with Query Results",
            "Haas, L. and Kossmann, D.",
        );
        let v = compare(&base, &own, &p);
        assert!(says(&v, "starts with `optimization`"), "{v:?}");
        // A short title inside a citation, cut at its punctuation: counted when the
        // authors share someone, not when they all differ.
        let garlic = t("The Garlic Project", "Roth, M. and Schwarz, P.");
        let scraped = t(
            "Thomas II and E. Wimmers: “The Garlic Project”",
            "Schwarz, J.",
        );
        let v = compare(&garlic, &scraped, &p);
        assert!(
            v.duplicate && says(&v, "cut at a full stop or comma"),
            "{v:?}"
        );
        let strangers = t(
            "Thomas II and E. Wimmers: “The Garlic Project”",
            "Okafor, N.",
        );
        assert!(!compare(&garlic, &strangers, &p).duplicate);
        // Cut off at a comma or full stop, a title of its own or a word such as
        // `revisited` is not a citation's: the penalty stands, nothing is cut.
        let indexing = t(
            "Indexing, query optimization for object databases",
            "Smith, John and Jones, Mary",
        );
        let query = t(
            "Query optimization for object databases",
            "Smith, John and Brown, Alan",
        );
        assert!(!compare(&indexing, &query, &p).duplicate);
        let dotted = t(
            "Query optimization. Indexing for object databases",
            "Smith, John and Jones, Mary",
        );
        let plain = t(
            "Indexing for object databases",
            "Smith, John and Brown, Alan",
        );
        assert!(!compare(&dotted, &plain, &p).duplicate);
        let strict = Profile::strict();
        let revisited = t("Consensus protocols, revisited", "Okafor, N.");
        let original = t("Consensus protocols", "Okafor, N.");
        assert!(!compare(&revisited, &original, &strict).duplicate);
        // Titles whose spaces were lost: equal, or one inside the other.
        let views = t("On Views and XML", "Abiteboul, S.");
        let v = compare(&views, &t("Onviews andxml", "Abiteboul, S."), &p);
        assert!(v.duplicate && says(&v, "without their spaces"), "{v:?}");
        let reopt = t(
            "Efficient Mid-Query Re-Optimization of Sub-Optimal Query Execution Plans",
            "Kabra, N. and DeWitt, D.",
        );
        let v = compare(
            &reopt,
            &t(
                "Efficient mid-query reoptimization",
                "Kabra, N. and DeWitt, J.",
            ),
            &p,
        );
        assert!(v.duplicate, "{v:?}");
        assert!(
            v.reasons.contains(&Reason::TitleInsideWithoutSpaces),
            "{v:?}"
        );
    }

    #[test]
    fn labels_and_broken_names() {
        let p = Profile::lenient();
        let t = |title: &str, author: &str| {
            rec(&format!(
                "@inproceedings{{x, title = {{{title}}}, author = {{{author}}}}}"
            ))
        };
        // A label a source adds (`Editorial:`, `(experience paper)`, `, tutorial`) says
        // what kind of item it is, not which work; a marker (`Erratum:`) still does.
        assert_eq!(
            strip_labels("Editorial: Charter and Scope"),
            "Charter and Scope"
        );
        assert_eq!(
            strip_labels("STARTS: Stanford Proposal (Experience Paper)"),
            "STARTS: Stanford Proposal"
        );
        assert_eq!(
            strip_labels("Repository Systems Engineering, Tutorial"),
            "Repository Systems Engineering"
        );
        assert_eq!(strip_labels("Tutorial"), "Tutorial");
        assert_eq!(
            strip_labels("Mining, Tutorials and More"),
            "Mining, Tutorials and More"
        );
        let charter = t("Charter and Scope", "Kim, W.");
        let v = compare(&charter, &t("Editorial: Charter and Scope", "Kim, W."), &p);
        assert!(v.duplicate && v.reasons[0] == Reason::TitlesEqual, "{v:?}");
        assert!(!compare(&charter, &t("Erratum: Charter and Scope", "Kim, W."), &p).duplicate);
        // A family name that is punctuation only (an ellipsis misread) is read by the
        // name's last word; a name split in the wrong place by its given names.
        let unbundling = t(
            "Unbundling Active Functionality",
            "Gatziu, S. and Koschel, A.",
        );
        let v = compare(
            &unbundling,
            &t("1998. Unbundling active functionality", "s gatziuâ ? ¦"),
            &p,
        );
        assert!(v.reasons.contains(&Reason::AuthorsMatch(1, 1)), "{v:?}");
        let split = t(
            "Update Propagation Strategies",
            "Labrinidis, A. and Roussopoulos, N.",
        );
        let v = compare(
            &split,
            &t("Update propagation strategies", "a labrinidis andn"),
            &p,
        );
        assert!(v.reasons.contains(&Reason::AuthorsMatch(1, 1)), "{v:?}");
        // A family name that is someone's given name in a clean list is not a match.
        let title = "An Introduction to Machine Learning";
        let v = compare(&t(title, "Scott, David"), &t(title, "Lee, Scott"), &p);
        assert!(v.reasons.contains(&Reason::AuthorsMatch(0, 1)), "{v:?}");
        let v = compare(
            &t(title, "Thomas, James and Smith, John"),
            &t(title, "James, Thomas and Brown, Alan"),
            &p,
        );
        assert!(v.reasons.contains(&Reason::AuthorsMatch(0, 2)), "{v:?}");
        let other = t("Update propagation strategies", "a smith andn");
        assert!(
            compare(&split, &other, &p)
                .reasons
                .contains(&Reason::AuthorsMatch(0, 1))
        );
    }

    #[test]
    fn errata_and_generic_titles_are_not_the_paper() {
        let p = Profile::lenient();
        let a = rec(
            "@article{a, title = {A Database Model for Object Dynamics}, author = {Papazoglou, M. and Krämer, B.}, year = 1997}",
        );
        let b = rec(
            "@article{b, title = {Erratum: A Database Model for Object Dynamics}, author = {Papazoglou, M. and Kraemer, B.}, year = 1997}",
        );
        let v = compare(&a, &b, &p);
        assert!(!v.duplicate, "{v:?}");
        assert!(v.reasons.contains(&Reason::Marked("erratum".into())));
        let e1 = rec("@article{e, title = {Editorial}, author = {Snodgrass, R.}, year = 2001}");
        let e2 = rec("@article{f, title = {Editorial}, author = {Ceri, S.}, year = 2001}");
        assert!(!compare(&e1, &e2, &p).duplicate);
    }
}

/// How [`merge_fields`] combines a group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merge {
    /// Fields to set on the kept entry: (name, raw value).
    pub set: Vec<(String, String)>,
    /// Its `ids` after the merge (its own aliases, the other keys and their aliases), or
    /// `None` when it needs none.
    pub ids: Option<String>,
    /// For each member, the values it had that the merged entry does not (name, raw):
    /// what merging it away would lose.
    pub differing: Vec<Vec<(String, String)>>,
}

/// The comment that takes the place of entry `away` merged into `kept`: the values it
/// had that the merged entry does not (`lost`, as [`Merge::differing`] gives them), so
/// that nothing is lost without a trace; empty when there are none.
///
/// ```
/// let c = bibkit::dedupe::merged_comment("b", "a", &[("year".into(), "2020".into())]);
/// assert_eq!(c, "% bibkit: `b` was merged into `a`; its values that differed:\n%   year = 2020");
/// assert_eq!(bibkit::dedupe::merged_comment("b", "a", &[]), "");
/// ```
pub fn merged_comment(away: &str, kept: &str, lost: &[(String, String)]) -> String {
    if lost.is_empty() {
        return String::new();
    }
    let mut t = format!("% bibkit: `{away}` was merged into `{kept}`; its values that differed:");
    for (name, raw) in lost {
        t.push_str(&format!("\n%   {name} = {}", raw.replace('\n', " ")));
    }
    t
}

fn normal_value(raw: &str) -> String {
    crate::merge::normal(raw).to_lowercase()
}

/// Combines the fields of a group's members (key, fields as (lowercase name, raw value),
/// in file order) into member `keep`, field by field: a field the kept entry lacks is
/// taken from the first member that has it; the longest title wins; identifiers (DOI,
/// URL, eprint, ISBN, ISSN, PMID …) and every other field keep the kept entry's value;
/// the other keys (and their `ids`) become the kept entry's `ids`. What the others had
/// and the merged entry does not is in [`Merge::differing`].
///
/// ```
/// use bibkit::dedupe::merge_fields;
/// let f = |v: &[(&str, &str)]| v.iter().map(|(n, r)| (n.to_string(), r.to_string())).collect::<Vec<_>>();
/// let m = merge_fields(&[
///     ("a".into(), f(&[("title", "{Graph Hashing}"), ("year", "2019")])),
///     ("b".into(), f(&[("title", "{Graph Hashing: A Survey}"), ("doi", "{10.1/x}"), ("year", "2020")])),
/// ], 0);
/// assert_eq!(m.set, [("title".to_string(), "{Graph Hashing: A Survey}".to_string()), ("doi".to_string(), "{10.1/x}".to_string())]);
/// assert_eq!(m.ids.as_deref(), Some("{b}"));
/// assert_eq!(m.differing[1], [("year".to_string(), "2020".to_string())]);
/// ```
pub fn merge_fields(members: &[(String, Vec<(String, String)>)], keep: usize) -> Merge {
    let kept = &members[keep].1;
    let get = |fields: &[(String, String)], name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.clone())
    };
    // The merged value of every field, in the order they first appear (kept first).
    let mut order: Vec<&str> = kept.iter().map(|(n, _)| n.as_str()).collect();
    for (_, fields) in members {
        for (n, _) in fields {
            if !order.contains(&n.as_str()) {
                order.push(n);
            }
        }
    }
    let mut merged: Vec<(String, String)> = Vec::new();
    let mut set = Vec::new();
    for name in order {
        if name == "ids" {
            continue;
        }
        let mine = get(kept, name);
        let value = match (&mine, name) {
            (Some(v), "title") => {
                // The longest title (the one with its subtitle).
                let mut best = v.clone();
                for (_, fields) in members {
                    if let Some(t) = get(fields, "title") {
                        if normal_value(&t).len() > normal_value(&best).len() {
                            best = t;
                        }
                    }
                }
                best
            }
            (Some(v), _) => v.clone(),
            (None, _) => members
                .iter()
                .find_map(|(_, fields)| get(fields, name))
                .unwrap_or_default(),
        };
        if mine.as_ref() != Some(&value) {
            set.push((name.to_string(), value.clone()));
        }
        merged.push((name.to_string(), value));
    }
    let mut ids: Vec<String> = get(kept, "ids")
        .map(|r| {
            crate::extract::linked_keys(&r, true)
                .into_iter()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    for (i, (key, fields)) in members.iter().enumerate() {
        if i == keep {
            continue;
        }
        let mut more = vec![key.clone()];
        if let Some(r) = get(fields, "ids") {
            more.extend(
                crate::extract::linked_keys(&r, true)
                    .into_iter()
                    .map(str::to_string),
            );
        }
        for k in more {
            if !k.is_empty()
                && !k.eq_ignore_ascii_case(&members[keep].0)
                && !ids.iter().any(|x| x.eq_ignore_ascii_case(&k))
            {
                ids.push(k);
            }
        }
    }
    let differing = members
        .iter()
        .map(|(_, fields)| {
            fields
                .iter()
                .filter(|(n, _)| n != "ids")
                .filter(|(n, r)| {
                    merged
                        .iter()
                        .find(|(m, _)| m == n)
                        .is_none_or(|(_, v)| normal_value(v) != normal_value(r))
                })
                .cloned()
                .collect()
        })
        .collect();
    Merge {
        set,
        ids: (!ids.is_empty()).then(|| format!("{{{}}}", ids.join(", "))),
        differing,
    }
}
