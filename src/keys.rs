//! Citation keys for generated entries: `familyYEARword`.
//!
//! The family name of the first author (or editor), the year, and the first word of the
//! title that is not a function word, all folded to lowercase ASCII:
//! `Aaron Hurst, 2024, "GPT-4o System Card"` → `hurst2024gpt4o`. Keys are unique within one
//! [`KeyGenerator`]: a key already taken gets `a`, `b`, … `z`, `aa`, … appended.
//!
//! ```
//! use bibkit::keys::KeyGenerator;
//! use bibkit::model::{Entry, Name, NameList, Person, Value, Date, DatePart};
//! let mut e = Entry::new("", "misc");
//! e.set("author", Value::Names(NameList {
//!     names: vec![Name::Person(Person::new("Aaron", "", "Hurst", ""))],
//!     truncated: true,
//! }));
//! e.set("title", Value::text("GPT-4o System Card"));
//! e.set("date", Value::date(Date::Single(DatePart::ymd(2024, 10, 25))));
//! let mut keys = KeyGenerator::new();
//! assert_eq!(keys.generate(&e), "hurst2024gpt4o");
//! assert_eq!(keys.generate(&e), "hurst2024gpt4oa");
//! ```

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

use crate::model::{Entry, Name};

/// Words skipped when choosing the title word of a key.
pub(crate) const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "on", "of", "in", "for", "to", "and", "or", "with", "by", "at", "from", "as",
    "is", "are", "via", "towards", "toward", "into", "about", "der", "die", "das", "le", "la",
    "les", "el", "los", "un", "une",
];

/// Folds text to lowercase ASCII letters and digits: accents are dropped (`Fučkar` →
/// `fuckar`), a few letters are spelt out (`ß` → `ss`, `ø` → `o`, `æ` → `ae`), anything else
/// is removed.
///
/// ```
/// assert_eq!(bibkit::keys::ascii_fold("Fučkar-Straße Ø"), "fuckarstrasseo");
/// ```
pub fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        let spelt = match c {
            'ß' => "ss",
            'ø' | 'Ø' => "o",
            'æ' | 'Æ' => "ae",
            'œ' | 'Œ' => "oe",
            'ł' | 'Ł' => "l",
            'đ' | 'Đ' | 'ð' | 'Ð' => "d",
            'þ' | 'Þ' => "th",
            'ı' => "i",
            'ŋ' | 'Ŋ' => "ng",
            _ => "",
        };
        if !spelt.is_empty() {
            out.push_str(spelt);
        } else if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// A 64-bit hash of a key compared case-insensitively, as BibTeX compares keys (SipHash
/// with a key chosen at random once per process: stable within a run, not across runs).
///
/// ```
/// use bibkit::keys::key_hash;
/// assert_eq!(key_hash("Knuth84"), key_hash("knuth84"));
/// assert_ne!(key_hash("knuth84"), key_hash("knuth85"));
/// ```
pub fn key_hash(key: &str) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    // Keyed with a random key per process, so that keys from an input cannot be chosen to
    // collide (which would make lookups slow, or two keys look like one).
    static STATE: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    let mut h = STATE
        .get_or_init(std::collections::hash_map::RandomState::new)
        .build_hasher();
    for c in key.chars().flat_map(char::to_lowercase) {
        c.hash(&mut h);
    }
    h.finish()
}

/// The year a key gives an entry: its `date`'s, else a four-digit `year`.
pub(crate) fn key_year(entry: &Entry) -> Option<String> {
    entry
        .date_in("date")
        .and_then(|d| d.start())
        .map(|d| d.year.to_string())
        .or_else(|| {
            entry
                .get("year")
                .map(|v| v.to_plain_string())
                .filter(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// Generates unique `familyYEARword` keys. Taken keys are remembered by [`key_hash`], so
/// reserving the keys of a large bibliography costs 8 bytes each.
#[derive(Debug, Clone, Default)]
pub struct KeyGenerator {
    used: HashSet<u64>,
    /// The next suffix to try for each base key, so that many entries with one base key
    /// cost linear time.
    next: std::collections::HashMap<String, usize>,
}

impl KeyGenerator {
    /// A generator with no key taken.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks `key` as taken (compared case-insensitively, as BibTeX does).
    pub fn reserve(&mut self, key: &str) {
        self.used.insert(key_hash(key));
    }

    /// Marks a key as taken by its [`key_hash`].
    pub fn reserve_hash(&mut self, hash: u64) {
        self.used.insert(hash);
    }

    /// Whether `key` is taken (compared case-insensitively).
    pub fn is_taken(&self, key: &str) -> bool {
        self.used.contains(&key_hash(key))
    }

    /// The key an entry would get before disambiguation.
    ///
    /// ```
    /// use bibkit::model::{Entry, Value};
    /// let mut e = Entry::new("", "misc");
    /// e.set("title", Value::text("The Art of Computer Programming"));
    /// assert_eq!(bibkit::keys::KeyGenerator::base_key(&e), "anonart");
    /// ```
    pub fn base_key(entry: &Entry) -> String {
        let family = ["author", "editor"]
            .iter()
            .filter_map(|f| entry.names(f))
            .flat_map(|l| l.names.first())
            .map(|n| match n {
                Name::Person(p) if !p.family.is_empty() => ascii_fold(&p.family),
                Name::Person(p) => ascii_fold(&p.given),
                // An organisation by its first word that is not a function word
                // (`The Unicode Consortium` → `unicode`).
                Name::Literal(s) => s
                    .split_whitespace()
                    .map(ascii_fold)
                    .find(|w| !w.is_empty() && !FUNCTION_WORDS.contains(&w.as_str()))
                    .unwrap_or_default(),
            })
            .find(|s| !s.is_empty())
            .unwrap_or_else(|| "anon".to_string());
        let year = key_year(entry).unwrap_or_default();
        let title = entry
            .get("title")
            .map(|v| v.to_plain_string())
            .unwrap_or_default();
        let word = title
            .split_whitespace()
            .map(ascii_fold)
            .find(|w| !w.is_empty() && !FUNCTION_WORDS.contains(&w.as_str()))
            .unwrap_or_default();
        format!("{family}{year}{word}")
    }

    /// A key for `entry` that no earlier call returned and no reserved key equals.
    pub fn generate(&mut self, entry: &Entry) -> String {
        self.generate_from(&Self::base_key(entry))
    }

    /// A key made of `base` and, when that is taken, a suffix `a`, `b`, … `z`, `aa`, …
    ///
    /// ```
    /// let mut keys = bibkit::keys::KeyGenerator::new();
    /// keys.reserve("knuth1984");
    /// assert_eq!(keys.generate_from("knuth1984"), "knuth1984a");
    /// assert_eq!(keys.generate_from("knuth1984"), "knuth1984b");
    /// ```
    pub fn generate_from(&mut self, base: &str) -> String {
        let mut n = self.next.get(base).copied().unwrap_or(0);
        loop {
            let key = if n == 0 {
                base.to_string()
            } else {
                format!("{base}{}", alpha_suffix(n))
            };
            n += 1;
            if !self.is_taken(&key) {
                self.reserve(&key);
                self.next.insert(base.to_string(), n);
                return key;
            }
        }
    }
}

/// `a`, `b`, … `z`, `aa`, `ab`, …
fn alpha_suffix(mut n: usize) -> String {
    let mut s = Vec::new();
    while n > 0 {
        n -= 1;
        s.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert_eq!(alpha_suffix(1), "a");
        assert_eq!(alpha_suffix(26), "z");
        assert_eq!(alpha_suffix(27), "aa");
    }

    #[test]
    fn reserved_keys_are_case_insensitive() {
        let mut g = KeyGenerator::new();
        g.reserve("Anon");
        let e = Entry::new("", "misc");
        assert_eq!(g.generate(&e), "anona");
    }
}
