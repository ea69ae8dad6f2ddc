//! Two-letter arXiv subject codes and the categories they map to.
//!
//! A listing gives a paper's primary arXiv category by its two-letter subclass only (`CL`,
//! `LG`, `CA`), without the archive. [`category`] restores the archive. Most codes exist in
//! one archive only; for the codes that exist in several, bibkit takes the first archive in
//! this order, chosen because listings of this kind come from computer-science and
//! machine-learning feeds:
//!
//! **cs, stat, eess, math, econ, q-bio, q-fin, astro-ph, nlin**
//!
//! | code | archives that have it | bibkit's choice |
//! |------|-----------------------|-----------------|
//! | `AP` | math, stat            | `stat.AP` |
//! | `CG` | cs, nlin              | `cs.CG` |
//! | `CO` | astro-ph, math, stat  | `stat.CO` |
//! | `CV` | cs, math              | `cs.CV` |
//! | `DS` | cs, math              | `cs.DS` |
//! | `GN` | econ, math, q-bio, q-fin | `math.GN` |
//! | `GR` | cs, math              | `cs.GR` |
//! | `GT` | cs, math              | `cs.GT` |
//! | `IT` | cs, math (aliases of one category) | `cs.IT` |
//! | `LO` | cs, math              | `cs.LO` |
//! | `NA` | cs, math (aliases of one category) | `cs.NA` |
//! | `OT` | q-bio, stat           | `stat.OT` |
//! | `PR` | math, q-fin           | `math.PR` |
//! | `SC` | cs, q-bio             | `cs.SC` |
//! | `SI` | cs, nlin              | `cs.SI` |
//! | `SP` | eess, math            | `eess.SP` |
//! | `ST` | math, q-fin           | `math.ST` |
//! | `SY` | cs, eess (aliases of one category) | `cs.SY` |
//! | `TH` | econ, stat            | `stat.TH` |
//!
//! Physics and condensed-matter subclasses (`physics.optics`, `cond-mat.mes-hall`) have no
//! two-letter code. A code that is in no archive is kept as written, with a warning.
//! [`ListingReader::subject`](super::ListingReader::subject) overrides the table.

/// Archives in the order used to resolve ambiguous codes, with their two-letter subclasses.
pub const ARCHIVES: &[(&str, &[&str])] = &[
    (
        "cs",
        &[
            "AI", "AR", "CC", "CE", "CG", "CL", "CR", "CV", "CY", "DB", "DC", "DL", "DM", "DS",
            "ET", "FL", "GL", "GR", "GT", "HC", "IR", "IT", "LG", "LO", "MA", "MM", "MS", "NA",
            "NE", "NI", "OH", "OS", "PF", "PL", "RO", "SC", "SD", "SE", "SI", "SY",
        ],
    ),
    ("stat", &["AP", "CO", "ME", "ML", "OT", "TH"]),
    ("eess", &["AS", "IV", "SP", "SY"]),
    (
        "math",
        &[
            "AC", "AG", "AP", "AT", "CA", "CO", "CT", "CV", "DG", "DS", "FA", "GM", "GN", "GR",
            "GT", "HO", "IT", "KT", "LO", "MG", "MP", "NA", "NT", "OA", "OC", "PR", "QA", "RA",
            "RT", "SG", "SP", "ST",
        ],
    ),
    ("econ", &["EM", "GN", "TH"]),
    (
        "q-bio",
        &["BM", "CB", "GN", "MN", "NC", "OT", "PE", "QM", "SC", "TO"],
    ),
    (
        "q-fin",
        &["CP", "EC", "GN", "MF", "PM", "PR", "RM", "ST", "TR"],
    ),
    ("astro-ph", &["CO", "EP", "GA", "HE", "IM", "SR"]),
    ("nlin", &["AO", "CD", "CG", "PS", "SI"]),
];

/// The arXiv category for a two-letter subject code, or `None` if no archive has it.
///
/// ```
/// use bibkit::formats::listing::subjects::category;
/// assert_eq!(category("CL").as_deref(), Some("cs.CL"));
/// assert_eq!(category("CA").as_deref(), Some("math.CA"));
/// assert_eq!(category("ML").as_deref(), Some("stat.ML"));
/// assert_eq!(category("ZZ"), None);
/// ```
pub fn category(code: &str) -> Option<String> {
    ARCHIVES
        .iter()
        .find(|(_, codes)| codes.contains(&code))
        .map(|(archive, _)| format!("{archive}.{code}"))
}

/// The archives that have `code`, in resolution order.
pub fn archives_with(code: &str) -> Vec<&'static str> {
    ARCHIVES
        .iter()
        .filter(|(_, codes)| codes.contains(&code))
        .map(|(a, _)| *a)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The documented table of ambiguous codes must match the data.
    #[test]
    fn ambiguous_codes_are_the_documented_ones() {
        let mut seen: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (archive, codes) in ARCHIVES {
            for c in *codes {
                seen.entry(c).or_default().push(archive);
            }
        }
        let ambiguous: Vec<&str> = seen
            .iter()
            .filter(|(_, a)| a.len() > 1)
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(
            ambiguous,
            [
                "AP", "CG", "CO", "CV", "DS", "GN", "GR", "GT", "IT", "LO", "NA", "OT", "PR", "SC",
                "SI", "SP", "ST", "SY", "TH"
            ]
        );
        let doc = include_str!("subjects.rs");
        for c in ambiguous {
            let row = format!("//! | `{c}` |");
            assert!(doc.contains(&row), "{c} is not documented");
            let chosen = category(c).unwrap();
            assert!(
                doc.lines()
                    .any(|l| l.starts_with(&row) && l.contains(&format!("`{chosen}`"))),
                "documented choice for {c} is not {chosen}"
            );
        }
    }

    #[test]
    fn codes_seen_in_the_shared_listings() {
        for (code, cat) in [
            ("CL", "cs.CL"),
            ("CA", "math.CA"),
            ("DB", "cs.DB"),
            ("PL", "cs.PL"),
            ("DC", "cs.DC"),
            ("LG", "cs.LG"),
            ("ML", "stat.ML"),
            ("CV", "cs.CV"),
            ("AI", "cs.AI"),
        ] {
            assert_eq!(category(code).as_deref(), Some(cat));
        }
    }
}
