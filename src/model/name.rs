//! Person and organisation names.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A person's name split into its parts. Empty strings mean "no such part".
///
/// The parts follow CSL's vocabulary: `particle` is the BibTeX "von" part (CSL's
/// non-dropping particle), `suffix` the "Jr" part.
///
/// ```
/// use bibkit::model::Person;
/// let p = Person::new("Laurens", "van der", "Maaten", "");
/// assert_eq!(p.to_string(), "Laurens van der Maaten");
/// assert_eq!(p.family_with_particle(), "van der Maaten");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Person {
    /// Given names and initials, in order (`Adam P.`).
    pub given: String,
    /// The particle (`van der`, `de`, `von`).
    pub particle: String,
    /// The family name (`Goucher`, `Barth-Maron`).
    pub family: String,
    /// A generational or other suffix (`Jr.`, `III`).
    pub suffix: String,
    /// The person's ORCID iD, as the bare `0000-0002-1825-0097` form (empty when not
    /// known). Read from CFF, MEDLINE, EndNote, MODS and hayagriva; BibTeX has no place
    /// for it, and writing it there is reported.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub orcid: String,
    /// The person's affiliations, joined with `; ` (empty when not known).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub affiliation: String,
}

impl Person {
    /// Creates a person from its four parts.
    pub fn new(
        given: impl Into<String>,
        particle: impl Into<String>,
        family: impl Into<String>,
        suffix: impl Into<String>,
    ) -> Self {
        Person {
            given: given.into(),
            particle: particle.into(),
            family: family.into(),
            suffix: suffix.into(),
            orcid: String::new(),
            affiliation: String::new(),
        }
    }

    /// Whether the person carries details beyond the name (an ORCID or affiliations).
    ///
    /// ```
    /// let mut p = bibkit::model::Person::new("Ada", "", "Lovelace", "");
    /// assert!(!p.has_details());
    /// p.orcid = "0000-0002-1825-0097".into();
    /// assert!(p.has_details());
    /// ```
    pub fn has_details(&self) -> bool {
        !self.orcid.is_empty() || !self.affiliation.is_empty()
    }

    /// The particle and family name joined (`van der Maaten`).
    pub fn family_with_particle(&self) -> String {
        join_nonempty(&[&self.particle, &self.family])
    }
}

impl fmt::Display for Person {
    /// Given-first order: `Guy L. Steele Jr.`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&join_nonempty(&[
            &self.given,
            &self.particle,
            &self.family,
            &self.suffix,
        ]))
    }
}

fn join_nonempty(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts.iter().filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(p);
    }
    out
}

/// One name in a name list: a person, or a name kept whole (an organisation such as
/// `World Health Organization`, or a name that must not be split).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Name {
    /// A person with split parts.
    Person(Person),
    /// A name kept as written.
    Literal(String),
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Name::Person(p) => p.fmt(f),
            Name::Literal(s) => f.write_str(s),
        }
    }
}

/// A list of names with a truncation flag.
///
/// "et al." and BibTeX's `and others` are never stored as a person: they set `truncated`.
///
/// ```
/// use bibkit::model::{Name, NameList, Person};
/// let list = NameList {
///     names: vec![Name::Person(Person::new("Aaron", "", "Hurst", ""))],
///     truncated: true,
/// };
/// assert_eq!(list.to_string(), "Aaron Hurst and others");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct NameList {
    /// The names, in order.
    pub names: Vec<Name>,
    /// The list is incomplete ("et al.", "and others").
    #[serde(default)]
    pub truncated: bool,
}

impl NameList {
    /// Whether the list has no name and is not truncated.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && !self.truncated
    }
}

impl fmt::Display for NameList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.names.iter().enumerate() {
            if i > 0 {
                f.write_str(" and ")?;
            }
            n.fmt(f)?;
        }
        if self.truncated {
            if !self.names.is_empty() {
                f.write_str(" and ")?;
            }
            f.write_str("others")?;
        }
        Ok(())
    }
}
