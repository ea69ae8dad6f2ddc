//! BibTeX and BibLaTeX.
//!
//! [`write()`] prints a [`Bibliography`](crate::model::Bibliography) in one canonical style:
//!
//! ```text
//! @misc{hurst2024gpt4o,
//!   author   = {Hurst, Aaron and Lerer, Adam and others},
//!   title    = {{GPT-4o} System Card},
//!   year     = {2024},
//!   month    = oct,
//!   day      = {25},
//! }
//! ```
//!
//! * lowercase entry types and field names, two-space indent, `=` aligned within an entry,
//!   every value in braces except month macros, a trailing comma, one blank line between
//!   entries;
//! * fields in the model's order;
//! * names as `von Last, Jr, First`, organisations in braces, `and others` for a truncated
//!   list;
//! * the **BibTeX** dialect writes `year`, `month` (a macro) and `day` for a plain date, a
//!   season as `month = {Winter}`, a range of months in one year as
//!   `month = oct # "--" # nov`, a range of years as `year = {2001--2002}` (and keeps an
//!   EDTF `date` beside `year` for other ranges and qualified dates), `journal`, `address`,
//!   `school`, `annote`, `archiveprefix`/`primaryclass`, each field once (the one under
//!   BibTeX's name wins, else the first; `keywords` are joined), and BibTeX's own entry
//!   types: `@thesis` → `@phdthesis` or `@mastersthesis`, `@report` → `@techreport` (a
//!   BibLaTeX `type` key such as `resreport` in English; any other `type` as written),
//!   `@online`, `@dataset`, `@software` and other BibLaTeX-only types → `@misc`, `@mvbook`,
//!   `@collection`, `@reference` → `@book`, `@bookinbook` → `@inbook`, `@inreference` →
//!   `@incollection`, `@mvproceedings` → `@proceedings`, each with an `entrytype` field
//!   naming its own type (`entrytype = {online}`), which the reader restores the type
//!   from (BibTeX's styles ignore the field); the **BibLaTeX** dialect writes an
//!   EDTF `date`, `journaltitle` and `location`, and keeps every entry type (BibLaTeX knows
//!   BibTeX's as aliases);
//! * a name that BibTeX's rules would read back differently (a capitalised particle, a
//!   family name alone with several words) is written in BibLaTeX's extended format
//!   (`family={Lutz Birkhahn}`); the BibTeX dialect braces the family name whole instead.
//!
//! Text is escaped where BibTeX needs it (`&`, `%`, `$`, `#`, `_`, braces, `\\`), and
//! nowhere else; dashes are written `--` and `---`; case-protected parts stay braced; raw
//! LaTeX is braced where what follows would be read as its argument; `ascii` writes LaTeX
//! accents instead of UTF-8; `protect_acronyms` braces words with inner capitals
//! (`{GPT-4o}`, `{TensorFlow}`) in titles of generated entries.
//!
//! Reading the output gives the same model, so converting it again gives the same bytes
//! (tested on every corpus file and on generated bibliographies).
//!
//! ```
//! use bibkit::formats::bibtex::{self, WriteOptions};
//! use bibkit::formats::listing;
//! let parsed = listing::read("CVApr 30, 2015\nFast R-CNNRoss Girshick\nObject detection at 50\\% cost.\n");
//! let out = bibtex::write(&parsed.bibliography, &WriteOptions::new().protect_acronyms(true));
//! assert!(out.starts_with("@misc{girshick2015fast,\n"));
//! assert!(out.contains("  title    = {Fast {R-CNN}},\n"));
//! assert!(out.contains("  abstract = {Object detection at 50\\% cost.},\n"));
//! ```

mod reader;
mod writer;

pub(crate) use reader::duplicate_key_message;
pub(crate) use writer::{TITLE_FIELDS, balanced_verbatim, bibtex_fallback, needs_protection};

pub use reader::{
    FieldKind, Lowering, Names, Reader, canonical_field, field_kind, is_address, normalize_doi,
    read,
};
pub(crate) use reader::{caseless_key_hash, keyed_hash};
pub use writer::{
    Dialect, WriteOptions, names_string, protect_acronyms, write, write_comment, write_entry,
    write_preamble,
};
