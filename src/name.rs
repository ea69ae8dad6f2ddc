//! Splitting names into given / particle / family / suffix.
//!
//! [`parse_given_first`] reads free-form names written given-name first, as listings and
//! CSL `literal`-less input give them: `Laurens van der Maaten`, `Guy L. Steele Jr.`.
//! It uses BibTeX's "First von Last" rule: the particle runs from the first to the last
//! token that starts with a lowercase letter (never the first or last token), the family
//! name is everything after it, or the last token when there is no particle.
//!
//! ```
//! use bibkit::name::parse_given_first;
//! use bibkit::model::Person;
//! assert_eq!(
//!     parse_given_first("Guy L. Steele Jr."),
//!     Person::new("Guy L.", "", "Steele", "Jr.")
//! );
//! assert_eq!(
//!     parse_given_first("Charles de la Vallée Poussin"),
//!     Person::new("Charles", "de la", "Vallée Poussin", "")
//! );
//! ```

use crate::model::Person;

/// Whether `token` is a generational or similar suffix (`Jr.`, `Sr`, `II`, `III`, `IV`).
///
/// ```
/// assert!(bibkit::name::is_suffix("Jr."));
/// assert!(bibkit::name::is_suffix("III"));
/// assert!(!bibkit::name::is_suffix("V."));
/// ```
pub fn is_suffix(token: &str) -> bool {
    matches!(
        token.trim_end_matches(','),
        "Jr" | "Jr."
            | "jr"
            | "jr."
            | "Sr"
            | "Sr."
            | "sr."
            | "II"
            | "III"
            | "IV"
            | "VI"
            | "VII"
            | "VIII"
            | "2nd"
            | "3rd"
            | "4th"
    )
}

/// Whether a token starts with a lowercase letter (ignoring leading punctuation), which makes
/// it a particle candidate in BibTeX's rules.
pub fn starts_lowercase(token: &str) -> bool {
    token
        .chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(char::is_lowercase)
}

/// Splits a given-first name (`Adam P. Goucher`, `Laurens van der Maaten`,
/// `Guy L. Steele Jr.`). White space and `~` separate tokens.
pub fn parse_given_first(name: &str) -> Person {
    let mut tokens: Vec<&str> = name
        .split(|c: char| c.is_whitespace() || c == '~')
        .filter(|t| !t.is_empty())
        .collect();
    let mut suffix = Vec::new();
    while tokens.len() > 2 && is_suffix(tokens[tokens.len() - 1]) {
        suffix.insert(0, tokens.pop().unwrap_or_default().trim_end_matches(','));
    }
    // "Steele, Jr." inside one name: drop the comma that sets the suffix off.
    if let Some(last) = tokens.last_mut() {
        if !suffix.is_empty() {
            *last = last.trim_end_matches(',');
        }
    }
    let n = tokens.len();
    if n == 0 {
        return Person::default();
    }
    if n == 1 {
        return Person::new("", "", tokens[0], suffix.join(" "));
    }
    let lower: Vec<usize> = (1..n - 1)
        .filter(|&i| starts_lowercase(tokens[i]))
        .collect();
    let (given, particle, family) = match (lower.first(), lower.last()) {
        (Some(&f), Some(&l)) => (&tokens[..f], &tokens[f..=l], &tokens[l + 1..]),
        _ => (&tokens[..n - 1], &tokens[..0], &tokens[n - 1..]),
    };
    Person::new(
        given.join(" "),
        particle.join(" "),
        family.join(" "),
        suffix.join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(g: &str, v: &str, f: &str, s: &str) -> Person {
        Person::new(g, v, f, s)
    }

    #[test]
    fn given_first_names_from_the_listing_samples() {
        // corpus/listing/seed-listing.txt and tricky-listing.txt authors.
        assert_eq!(
            parse_given_first("Adam P. Goucher"),
            p("Adam P.", "", "Goucher", "")
        );
        assert_eq!(
            parse_given_first("Neven S. Fučkar"),
            p("Neven S.", "", "Fučkar", "")
        );
        assert_eq!(
            parse_given_first("S. VenkataKeerthy"),
            p("S.", "", "VenkataKeerthy", "")
        );
        assert_eq!(
            parse_given_first("John D. Co-Reyes"),
            p("John D.", "", "Co-Reyes", "")
        );
        assert_eq!(parse_given_first("Yann LeCun"), p("Yann", "", "LeCun", ""));
        assert_eq!(
            parse_given_first("Laurens van der Maaten"),
            p("Laurens", "van der", "Maaten", "")
        );
        assert_eq!(
            parse_given_first("Guy L. Steele Jr."),
            p("Guy L.", "", "Steele", "Jr.")
        );
    }

    #[test]
    fn edge_cases() {
        assert_eq!(parse_given_first("Plato"), p("", "", "Plato", ""));
        assert_eq!(parse_given_first("  "), Person::default());
        assert_eq!(
            parse_given_first("Martin Luther King Jr."),
            p("Martin Luther", "", "King", "Jr.")
        );
        assert_eq!(
            parse_given_first("John Smith III"),
            p("John", "", "Smith", "III")
        );
        assert_eq!(
            parse_given_first("Guy Steele, Jr."),
            p("Guy", "", "Steele", "Jr.")
        );
        // A two-token name never loses its family name to a suffix test.
        assert_eq!(parse_given_first("Henry II"), p("Henry", "", "II", ""));
        assert_eq!(
            parse_given_first("Ludwig~van Beethoven"),
            p("Ludwig", "van", "Beethoven", "")
        );
    }
}
