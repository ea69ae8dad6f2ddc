//! # bibkit
//!
//! Read bibliographic records, normalise them, and write them again — without losing data
//! and with errors that point at the line and column.
//!
//! ```text
//! bytes ─decode─▶ text ─reader─▶ model ─writer─▶ BibTeX / BibLaTeX / CSL-JSON
//! ```
//!
//! * [`model`]: the format-neutral data model — [`Bibliography`](model::Bibliography),
//!   [`Entry`](model::Entry), person names split into given / particle / family / suffix
//!   with a truncation flag for "et al.", typed dates.
//! * [`formats`]: readers and writers, one module per format.
//! * [`latex`]: LaTeX ⇄ Unicode; [`name`] and [`date`]: the normalisers.
//! * [`diagnostic`]: what readers report, as `file:line:col: severity[rule]: message`.
//! * [`io`]: reading inputs under limits, and the one atomic writer every file goes through.
//! * [`syntax`]: the lossless `.bib` syntax tree; [`fmt`] prints it in one canonical style
//!   (`bibkit fmt`); [`check`] finds problems in bibliographies and citations
//!   (`bibkit check`).
//!
//! ## One call each way
//!
//! ```
//! use bibkit::model::Bibliography;
//!
//! let bib = Bibliography::from_bibtex(r"@phdthesis{shannon1940,
//!   author = {Shannon, Claude Elwood}, title = {An Algebra for Theoretical Genetics},
//!   school = {MIT}, year = 1940, advisor = {Burks, Barbara}}")?;
//! let csl = bib.to_csl_json(); // `thesis`, genre `PhD thesis`, `advisor` in `custom`
//! let back = Bibliography::from_csl_json(&csl)?;
//! assert_eq!(back.to_csl_json(), csl);
//! assert!(back.to_biblatex().contains("  advisor     = {Burks, Barbara},"));
//! # Ok::<(), bibkit::ReadError>(())
//! ```
//!
//! [`formats`] has the readers with all their diagnostics and the writers with their
//! options; [`convert`] streams large files.
//!
//! ## From a publication listing to BibTeX and CSL-JSON
//!
//! ```
//! use bibkit::formats::{bibtex, csl_json, listing};
//!
//! let text = "\
//! CVApr 8, 2018
//! YOLOv3: An Incremental ImprovementJoseph Redmon, Ali Farhadi
//! Small design changes that make a real-time detector better.
//! ";
//! let parsed = listing::read(text);
//! assert!(parsed.diagnostics.is_empty());
//!
//! let bib = bibtex::write(&parsed.bibliography, &bibtex::WriteOptions::new().protect_acronyms(true));
//! assert!(bib.contains("@misc{redmon2018yolov3,"));
//! assert!(bib.contains("{Redmon, Joseph and Farhadi, Ali}"));
//! assert!(bib.contains("{{YOLOv3}: An Incremental Improvement}"));
//!
//! let csl = csl_json::to_value(&parsed.bibliography);
//! assert_eq!(csl[0]["keyword"], "cs.CV");
//! assert_eq!(csl[0]["issued"]["date-parts"][0], serde_json::json!([2018, 4, 8]));
//! ```
//!
//! ## Reading and writing files safely
//!
//! [`io::read_input`] reads a file under a size limit, with memory reserved up front (and,
//! for files a document names, regular files only); every file bibkit writes goes through
//! one atomic writer, [`io::write_file`] or [`io::Snapshot::replace`], which leaves the old
//! file as it was on any error and refuses to replace a file that changed after it was
//! read:
//!
//! ```
//! use bibkit::io::{Limits, Snapshot};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("refs.bib");
//! std::fs::write(&path, "@MISC{k,title={T}}\n")?;
//! let snap = Snapshot::read(&path, &Limits::default())?;
//! let text = std::str::from_utf8(snap.bytes())?;
//! let formatted = bibkit::fmt::format(text, &Default::default());
//! snap.replace(|w| w.write_all(formatted.text.as_bytes()))?;
//! assert_eq!(std::fs::read_to_string(&path)?, "@misc{k,\n  title = {T},\n}\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Editing a `.bib` file
//!
//! [`edit::Document`] changes a file the way a person would: one field, one key, one
//! entry, with every other byte (comments, `@string`s, layout, tricks like `\noopsort`)
//! left as it was. Edits are collected in a batch and applied together, and each batch
//! says what it replaced:
//!
//! ```
//! use bibkit::edit::{Document, Value};
//! let mut doc = Document::parse("@string{tcs = {Theor. Comput. Sci.}}\n\n@article{x,\n  journal = tcs,\n  title   = {On {\\noopsort{b}}Trees},\n}\n");
//! let x = doc.find("x")[0];
//! let mut batch = doc.batch();
//! batch.set_field(x, "doi", Value::text("10.1016/0304-3975(75)90017-7"))?;
//! batch.set_key(x, "knuth75")?;
//! let changes = batch.apply()?;
//! assert_eq!(changes.len(), 2);
//! assert_eq!(doc.text(), "@string{tcs = {Theor. Comput. Sci.}}\n\n@article{knuth75,\n  journal = tcs,\n  title   = {On {\\noopsort{b}}Trees},\n  doi     = {10.1016/0304-3975(75)90017-7},\n}\n");
//! # Ok::<(), bibkit::edit::EditError>(())
//! ```
//!
//! Code that works on the model can edit a file too: [`edit::Document::to_model`] gives an
//! entry as the model reads it, and [`edit::Batch::apply_model`] turns the fields changed
//! in it back into edits of the fields the file has (`journal` for `journaltitle`, `year`
//! and `month` for a `date`):
//!
//! ```
//! use bibkit::edit::Document;
//! use bibkit::model::Value;
//! let mut doc = Document::parse("@book{k,\n  title = {Old},\n  year  = 1999, % first edition\n}\n");
//! let mut entry = doc.to_model(0).unwrap();
//! entry.set("title", Value::text("New"));
//! let mut batch = doc.batch();
//! batch.apply_model(0, &entry)?;
//! batch.apply()?;
//! assert_eq!(doc.text(), "@book{k,\n  title = {New},\n  year  = 1999, % first edition\n}\n");
//! # Ok::<(), bibkit::edit::EditError>(())
//! ```
//!
//! A value can be edited a piece at a time (`macro # {text}`), Unicode text written in
//! ASCII with LaTeX commands when the file is kept that way, and a file read from bytes is
//! saved in its own encoding, through the atomic writer:
//!
//! ```
//! use bibkit::edit::{Document, Value};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("refs.bib");
//! std::fs::write(&path, b"% Encoding: windows-1252\n@book{b,\n  publisher = acm # { Press},\n}\n")?;
//! let mut doc = Document::from_bytes(&std::fs::read(&path)?, None)?;
//! let b = doc.find("b")[0];
//! assert_eq!(doc.pieces(b, 0).len(), 2);
//! let mut batch = doc.batch();
//! batch.set_piece(b, 0, 1, Value::text(" Books"))?;
//! batch.ascii(true).set_field(b, "address", Value::text("Zürich"))?;
//! batch.insert_before(b, "@string{acm = {ACM}}")?;
//! batch.apply()?;
//! doc.save(&path)?;
//! assert_eq!(std::fs::read(&path)?, b"% Encoding: windows-1252\n@string{acm = {ACM}}\n\n@book{b,\n  publisher = acm # { Books},\n  address = {Z{\\\"u}rich},\n}\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Fixing what `check` finds
//!
//! Findings with one obvious mechanical correction carry a [`diagnostic::Fix`] (safe, or
//! unsafe when it changes meaning). [`check::fix::converge`] makes the fixes of one file —
//! and those that become possible once they are made — keeping formatted records
//! formatted; check the result again for what remains, as `bibkit check --fix` does:
//!
//! ```
//! use bibkit::check::{Checker, Config, fix};
//! let src = "@article{k,\n  author  = {Lovelace, Ada},\n  title   = {Notes},\n  journal = {J},\n  year    = 1843,\n  pages   = {12-15},\n  month   = {January},\n}\n";
//! let config = Config::default();
//! let mut checker = Checker::new(config.clone());
//! checker.add_bib("refs.bib", src);
//! let found = checker.run();
//! let fixed = fix::converge(src, &found, &config, false, &Default::default());
//! assert_eq!(fixed.fixed, 2);
//! assert!(fixed.text.contains("  pages   = {12--15},\n  month   = jan,\n"));
//! let mut again = Checker::new(config);
//! again.add_bib("refs.bib", &fixed.text);
//! assert!(again.run().iter().all(|d| d.fix.is_none()));
//! ```
//!
//! Every reader costs time in proportion to its input and holds the source plus a few
//! dozen bytes per entry ([`formats::bibtex::Lowering::from_source`]); `@string` macros
//! are expanded lazily with a limit, `crossref`/`xdata` chains are followed once per
//! ancestor, and messages escape control characters ([`diagnostic::escape_control`]), so
//! that untrusted files (a pull request in CI) can neither hang bibkit nor write into a CI
//! log.
//!
//! ## Extracting and re-keying
//!
//! [`extract`] gives the entries documents cite with everything they need (`crossref`
//! parents, `@string`s, `@preamble`s), copied as written; [`rekey`] makes keys by a
//! pattern and renames them in the bibliographies and in the documents:
//!
//! ```
//! use bibkit::check::cited::{scan, Kind};
//! use bibkit::edit::Document;
//! use bibkit::rekey::{Map, Options, Pattern, plan, rewrite_bib, rewrite_citations};
//! let mut refs = Document::parse("@article{k84, author = {Knuth, Donald E.}, title = {Literate Programming}, year = 1984}\n\n@misc{other}\n");
//! let tex = "As \\cite{k84} shows.";
//! let cited = bibkit::extract::extract(&[("refs.bib".into(), &refs)], &[&scan(tex, Kind::Tex, None)], Default::default());
//! assert_eq!(cited.text, "@article{k84, author = {Knuth, Donald E.}, title = {Literate Programming}, year = 1984}\n");
//!
//! let renames = plan(&[("refs.bib".into(), &refs)], &Options::new(Pattern::default()).only(["k84"]));
//! let map = Map::from_renames(&renames);
//! rewrite_bib(&mut refs, 0, &renames, &map, false)?;
//! let (tex, _) = rewrite_citations(tex, &scan(tex, Kind::Tex, None), Kind::Tex, &map);
//! assert_eq!(tex, "As \\cite{knuth1984literate} shows.");
//! assert!(refs.text().starts_with("@article{knuth1984literate,"));
//! # Ok::<(), bibkit::edit::EditError>(())
//! ```
//!
//! ## Limitations
//!
//! * The listing reader finds the title/author boundary by scoring how name-like the
//!   author side is; names that start lowercase or are written in a script without case
//!   cannot be found that way (see [`formats::listing::split`]).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use api::ReadError;

mod api;
pub mod check;
pub mod convert;
pub mod date;
pub mod dedupe;
pub mod diagnostic;
pub mod edit;
pub mod extract;
pub mod fmt;
pub mod formats;
mod fxhash;
#[cfg(feature = "biblatex")]
pub mod interop;
pub mod io;
pub mod keys;
pub mod latex;
pub mod merge;
pub mod model;
pub mod name;
pub mod project;
pub mod rekey;
pub mod source;
pub mod syntax;
