//! Rich text: Unicode with the few pieces of structure bibliographies need.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smallvec::SmallVec;

/// A piece of [`Text`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "text", rename_all = "kebab-case")]
pub enum Chunk {
    /// Ordinary Unicode text.
    Plain(String),
    /// Case-protected Unicode text (a brace group in BibTeX, `nocase` in CSL): styles must
    /// not change its capitalisation.
    Protected(String),
    /// Math source without its `$` delimiters, kept verbatim.
    Math(String),
    /// LaTeX that bibkit does not interpret (an unknown command with its arguments), kept
    /// verbatim.
    Raw(String),
}

impl Chunk {
    /// The chunk's text as it reads to a person: math that has a faithful text reads as it
    /// ([`math_text`](crate::latex::math_text): `$\mu$` → `μ`), other math is wrapped in
    /// `$…$`; raw LaTeX reads
    /// as [`render_raw`](crate::latex::render_raw) gives it (logos and formatting commands
    /// by their text, other commands as written).
    pub fn to_plain_string(&self) -> String {
        match self {
            Chunk::Plain(s) | Chunk::Protected(s) => s.clone(),
            Chunk::Raw(s) => crate::latex::render_raw(s),
            Chunk::Math(s) => crate::latex::math_text(s, false).unwrap_or_else(|| format!("${s}$")),
        }
    }
}

/// A text value: a sequence of [`Chunk`]s. Adjacent chunks of the same kind are merged.
///
/// ```
/// use bibkit::model::{Chunk, Text};
/// let mut t = Text::plain("The ");
/// t.push(Chunk::Protected("NASA".into()));
/// t.push(Chunk::Plain(" story".into()));
/// assert_eq!(t.to_plain_string(), "The NASA story");
/// assert_eq!(t.chunks().len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    // Most texts are one chunk: keep it inline, without a second allocation.
    chunks: SmallVec<[Chunk; 1]>,
}

impl Text {
    /// An empty text.
    pub fn new() -> Self {
        Text::default()
    }

    /// A text of one plain chunk.
    pub fn plain(s: impl Into<String>) -> Self {
        let mut t = Text::new();
        t.push(Chunk::Plain(s.into()));
        t
    }

    /// The chunks.
    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// Appends a chunk, merging it with the last one when both have the same kind
    /// (math and raw chunks are never merged, so their boundaries survive).
    pub fn push(&mut self, chunk: Chunk) {
        let empty = match &chunk {
            Chunk::Plain(s) | Chunk::Protected(s) | Chunk::Raw(s) => s.is_empty(),
            Chunk::Math(_) => false,
        };
        if empty {
            return;
        }
        match (self.chunks.last_mut(), chunk) {
            (Some(Chunk::Plain(a)), Chunk::Plain(b)) => a.push_str(&b),
            (Some(Chunk::Protected(a)), Chunk::Protected(b)) => a.push_str(&b),
            (_, c) => {
                // A text that needs more than its one inline chunk usually needs several:
                // go to four at once rather than growing one by one.
                if self.chunks.len() == 1 && self.chunks.capacity() == 1 {
                    self.chunks.reserve_exact(3);
                }
                self.chunks.push(c)
            }
        }
    }

    /// Where the text ends: the number of chunks and the length of the last one, for
    /// [`Text::truncate`].
    pub(crate) fn mark(&self) -> (usize, usize) {
        let last = match self.chunks.last() {
            Some(Chunk::Plain(s) | Chunk::Protected(s) | Chunk::Math(s) | Chunk::Raw(s)) => s.len(),
            None => 0,
        };
        (self.chunks.len(), last)
    }

    /// Cuts the text back to a [`Text::mark`] taken earlier (the last chunk then may have
    /// grown by merging).
    pub(crate) fn truncate(&mut self, (n, last): (usize, usize)) {
        self.chunks.truncate(n);
        if let Some(Chunk::Plain(s) | Chunk::Protected(s)) = self.chunks.last_mut() {
            s.truncate(last);
        }
    }

    /// Appends plain text.
    pub fn push_str(&mut self, s: &str) {
        self.push(Chunk::Plain(s.to_string()));
    }

    /// Removes trailing spaces (of the last chunks that have text).
    pub fn trim_end(&mut self) {
        while let Some(last) = self.chunks.last_mut() {
            match last {
                Chunk::Plain(s) | Chunk::Protected(s) | Chunk::Raw(s) => {
                    let n = s.trim_end_matches(' ').len();
                    s.truncate(n);
                    if s.is_empty() {
                        self.chunks.pop();
                    } else {
                        return;
                    }
                }
                Chunk::Math(_) => return,
            }
        }
    }

    /// Whether the text has no content.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Whether the text reads as nothing but white space (as
    /// `to_plain_string().trim().is_empty()`, without making the string).
    ///
    /// ```
    /// use bibkit::model::Text;
    /// assert!(Text::plain("  ").is_blank());
    /// assert!(!Text::plain(" x ").is_blank());
    /// ```
    pub fn is_blank(&self) -> bool {
        self.chunks.iter().all(|c| match c {
            Chunk::Plain(s) | Chunk::Protected(s) => s.trim().is_empty(),
            Chunk::Math(_) => false,
            Chunk::Raw(_) => c.to_plain_string().trim().is_empty(),
        })
    }

    /// The text as a person reads it (see [`Chunk::to_plain_string`]), in NFC also where a
    /// chunk starts with a combining mark.
    pub fn to_plain_string(&self) -> String {
        let s: String = match self.chunks.as_slice() {
            [Chunk::Plain(s)] | [Chunk::Protected(s)] => return s.clone(),
            chunks => chunks.iter().map(Chunk::to_plain_string).collect(),
        };
        if s.is_ascii()
            || unicode_normalization::is_nfc_quick(s.chars())
                == unicode_normalization::IsNormalized::Yes
        {
            s
        } else {
            use unicode_normalization::UnicodeNormalization;
            s.nfc().collect()
        }
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.chunks.as_slice().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Chunk>::deserialize(d)?.into_iter().collect())
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::plain(s)
    }
}

impl FromIterator<Chunk> for Text {
    fn from_iter<I: IntoIterator<Item = Chunk>>(iter: I) -> Self {
        let mut t = Text::new();
        for c in iter {
            t.push(c);
        }
        t
    }
}
