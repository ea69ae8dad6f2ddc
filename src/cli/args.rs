//! The command line: what each command takes, apart from the work it does.

use std::path::PathBuf;

use bibkit::formats::Format;
use clap::{Parser, Subcommand, ValueEnum};

/// Read, normalise and write bibliographies.
#[derive(Debug, Parser)]
#[command(name = "bibkit", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Convert between formats: BibTeX/BibLaTeX, CSL-JSON or a listing → BibTeX, BibLaTeX or
    /// CSL-JSON.
    ///
    /// Records that cannot be read are reported on stderr as `file:line:col: error[...]`;
    /// all other records are still written, and the exit status is 1.
    Convert(ConvertArgs),
    /// Check bibliographies, and the citations of documents against them.
    ///
    /// Findings are printed as `file:line:col: severity[rule]: message`; the exit status is
    /// 1 when any is an error (or a warning, with `--deny warnings`). Rules and their levels
    /// are set in `bibkit.toml` (`[check]` table); `--list-rules` lists them.
    Check(CheckArgs),
    /// Format `.bib` files in one canonical style, keeping every comment, `@string`,
    /// `@preamble` and value exactly; only layout changes.
    ///
    /// Prints to standard output; `--write` rewrites the files (atomically, never a file
    /// with syntax errors); `--check` prints a diff for each file that is not formatted and
    /// exits 1. Options come from the `[fmt]` table of `bibkit.toml`.
    Fmt(FmtArgs),
    /// Write the entries that documents cite, with everything they need, as one `.bib`.
    ///
    /// The citations of each document's whole graph (chapters, `\nocite`, `\nocite{*}`,
    /// pandoc's `nocite`) choose the entries; their `crossref`/`xref`/`xdata` targets,
    /// `related`/`entryset` members, `ids` aliases, the `@string`s they use and every
    /// `@preamble` come with them. Each block is copied byte for byte. Undefined citations
    /// are reported as `bibkit check` reports them (exit status 1); the rest is still
    /// written. Works as a filter before biber: `bibkit extract main.bcf -o cited.bib`.
    Extract(ExtractArgs),
    /// Give entries keys made by a pattern, and (with `--rewrite`) change every citation.
    ///
    /// Prints the old → new keys; `--diff` prints every file's change, `--write` makes
    /// them (all files or none). Keys pinned in `bibkit.toml` (`[rekey] pin = [...]`) and
    /// keys that already match the pattern stay; equal keys get `a`, `b`, … in file order.
    /// Patterns: `[auth]`, `[authN]`, `[authors]`, `[authorsN]`, `[authEtAl]`, `[year]`,
    /// `[shortyear]`, `[title]`, `[shorttitle]`, `[veryshorttitle]`, any field
    /// (`[journal]`), with modifiers `:lower`, `:upper`, `:ascii`, `:abbr`, and literal
    /// text; the default is `[auth:ascii:lower][year][veryshorttitle:ascii:lower]`.
    Rekey(RekeyArgs),
    /// Rename one key in the bibliographies and (with `--rewrite`) in every document that
    /// cites it.
    Rename(RenameArgs),
    /// Find entries that describe the same work, with the reasons and a score.
    ///
    /// Identifiers first (DOI, arXiv id, PMID, ISBN-10/13, URL), then titles, authors and
    /// years. Prints each group of duplicates (exit status 1 when there are any);
    /// `--explain KEY1 KEY2` tells why two entries are or are not one work. Pairs listed
    /// under `[dedupe] not-duplicate` in `bibkit.toml`, or named in a
    /// `% bibkit: not-duplicate KEY1 KEY2` comment, are never joined.
    Dedupe(DedupeArgs),
    /// Compare two bibliographies by entry and field, ignoring layout and order.
    ///
    /// Prints the entries added, removed, re-keyed (the same fields under a new key) and
    /// changed field by field; exit status 1 when they differ, as `diff`.
    Diff(DiffArgs),
    /// git's merge driver for `.bib` files: a three-way merge by entry and field.
    ///
    /// `bibkit merge-driver %O %A %B` writes the result to %A (atomically) and exits 0
    /// when clean, 1 with conflicts, which are marked with git's markers inside the entry.
    /// Set up with `*.bib merge=bibkit` in `.gitattributes` and
    /// `git config merge.bibkit.driver "bibkit merge-driver %O %A %B"`.
    MergeDriver(MergeDriverArgs),
    /// The language server, on standard input and output: `check`'s findings as you type,
    /// its fixes as quick fixes, `fmt` as formatting, citation keys completed, shown on
    /// hover, followed to their entries and renamed everywhere.
    ///
    /// Editors start it as `bibkit lsp`; the project is the workspace folder, with its
    /// `bibkit.toml`.
    #[cfg(feature = "lsp")]
    Lsp,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    /// The old bibliography.
    pub(crate) old: PathBuf,
    /// The new bibliography.
    pub(crate) new: PathBuf,
    /// How to print the differences.
    #[arg(long, value_enum, default_value_t = DedupeFormat::Human)]
    pub(crate) format: DedupeFormat,
}

#[derive(Debug, clap::Args)]
pub(crate) struct MergeDriverArgs {
    /// The common ancestor (git's %O).
    pub(crate) base: PathBuf,
    /// Our version, where the result is written (git's %A).
    pub(crate) ours: PathBuf,
    /// Their version (git's %B).
    pub(crate) theirs: PathBuf,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DedupeArgs {
    /// Bibliographies, documents or a project directory (default: the project in the
    /// current directory).
    pub(crate) inputs: Vec<PathBuf>,
    /// How to print the groups.
    #[arg(long, value_enum, default_value_t = DedupeFormat::Human)]
    pub(crate) format: DedupeFormat,
    /// `lenient` (the default) or `strict` (identifiers or near-identical records only).
    #[arg(long, value_name = "PROFILE")]
    pub(crate) profile: Option<String>,
    /// Explain the decision about two entries, and exit.
    #[arg(long, num_args = 2, value_names = ["KEY1", "KEY2"])]
    pub(crate) explain: Vec<String>,
    /// Merge each group into one entry: fields missing from it are taken from the others,
    /// the longest title wins, the other keys become its `ids`; an entry merged away is
    /// left as a comment with the values that differed (see `--unsafe`).
    #[arg(long)]
    pub(crate) merge: bool,
    /// Which entry of a group stays: the first in file order, or the one with the most
    /// fields.
    #[arg(long, value_enum, default_value_t = KeepArg::First)]
    pub(crate) keep: KeepArg,
    /// With `--merge`: drop the entries merged away, values that differed too.
    #[arg(long = "unsafe")]
    pub(crate) drop_conflicts: bool,
    #[command(flatten)]
    pub(crate) out: WriteArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeepArg {
    /// The first in file order.
    First,
    /// The one with the most fields.
    MostFields,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DedupeFormat {
    /// One paragraph per group.
    Human,
    /// A JSON array of groups.
    Json,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ExtractArgs {
    /// The documents whose citations to take (`.tex`, `.aux`, `.bcf`, `.md`, `.qmd`,
    /// `.typ`, `.org`); a part of a larger document stands for its main document.
    #[arg(required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// The bibliographies to take entries from, in order (default: those the documents
    /// name).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub(crate) bib: Vec<PathBuf>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "OUT")]
    pub(crate) output: Option<PathBuf>,
    /// Write through bibkit's model as BibTeX, BibLaTeX or CSL-JSON instead of copying
    /// the blocks as written.
    #[arg(long, value_enum)]
    pub(crate) to: Option<OutputFormat>,
    /// The order of the entries: as in the sources, or as first cited (the entries only
    /// needed for `crossref` and the like come last).
    #[arg(long, value_enum, default_value_t = ExtractOrder::Source)]
    pub(crate) order: ExtractOrder,
    /// The configuration file (default: `bibkit.toml` in the current directory, if any).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The bibliographies' character encoding when it is not UTF-8 and they do not say.
    #[arg(long, value_name = "NAME")]
    pub(crate) encoding: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExtractOrder {
    /// File by file, in file order.
    Source,
    /// In the order the documents first cite them.
    Citation,
}

/// What `rekey` and `rename` write.
#[derive(Debug, clap::Args)]
pub(crate) struct WriteArgs {
    /// Also change the citations in every document of the project (`.tex`, Markdown,
    /// Typst, Org; `.aux` files are LaTeX's and are left alone).
    #[arg(long)]
    pub(crate) rewrite: bool,
    /// Keep each old key as an alias in the entry's `ids` field (biblatex), so documents
    /// not rewritten still build.
    #[arg(long)]
    pub(crate) keep_alias: bool,
    /// Make the changes: every file is checked, then all are written atomically (or none).
    #[arg(long, conflicts_with = "diff")]
    pub(crate) write: bool,
    /// Print each file's change as a unified diff instead.
    #[arg(long)]
    pub(crate) diff: bool,
    /// The configuration file (default: `bibkit.toml` in the current directory, if any).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RekeyArgs {
    /// Bibliographies, documents or a project directory (default: the project in the
    /// current directory).
    pub(crate) inputs: Vec<PathBuf>,
    /// The key pattern (default: `[rekey] pattern` in `bibkit.toml`, else
    /// `[auth:ascii:lower][year][veryshorttitle:ascii:lower]`).
    #[arg(long, value_name = "PATTERN")]
    pub(crate) pattern: Option<String>,
    /// Re-key only these entries.
    #[arg(long, value_name = "KEY", num_args = 1..)]
    pub(crate) only: Vec<String>,
    /// Write the old → new keys to this file as a JSON object.
    #[arg(long, value_name = "OUT.json")]
    pub(crate) map: Option<PathBuf>,
    /// Apply the old → new keys of this JSON object instead of a pattern.
    #[arg(long, value_name = "MAP.json", conflicts_with_all = ["pattern", "only"])]
    pub(crate) from_map: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) out: WriteArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RenameArgs {
    /// The key to rename.
    pub(crate) old: String,
    /// Its new key.
    pub(crate) new: String,
    /// Bibliographies, documents or a project directory (default: the project in the
    /// current directory).
    pub(crate) inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) out: WriteArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct FmtArgs {
    /// Files to format; `-` or none reads standard input.
    pub(crate) inputs: Vec<PathBuf>,
    /// Rewrite the files in place (atomically; files with syntax errors are left alone).
    #[arg(long, conflicts_with = "check")]
    pub(crate) write: bool,
    /// Print a unified diff for every file that is not formatted, and exit 1 if any.
    #[arg(long)]
    pub(crate) check: bool,
    /// The configuration file (default: `bibkit.toml` in the current directory, if any).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The files' character encoding when it is not UTF-8 (`latin1`, `windows-1252`, `gbk`,
    /// …); the formatted file is written in the same encoding.
    #[arg(long, value_name = "ENCODING")]
    pub(crate) encoding: Option<String>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Bibliographies (`.bib`), and documents whose citations to check (`.tex`, `.aux`,
    /// `.bcf`, `.md`). Given documents only, their `\bibliography{…}` and
    /// `\addbibresource{…}` are checked.
    pub(crate) inputs: Vec<PathBuf>,
    /// Documents whose citations to check (`.tex`, `.aux`, `.bcf`, Markdown).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub(crate) cited: Vec<PathBuf>,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub(crate) format: CheckFormat,
    /// The configuration file (default: `bibkit.toml` in the current directory, if any).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// `--deny warnings`: warnings fail the check too.
    #[arg(long, value_enum)]
    pub(crate) deny: Option<Deny>,
    /// Which data model's required fields to check (default: the configuration's, else
    /// `auto`: BibLaTeX's for files that use BibLaTeX's fields or types).
    #[arg(long, value_enum)]
    pub(crate) model: Option<ModelArg>,
    /// List the rules with their ids, default levels and what they find, and exit.
    #[arg(long)]
    pub(crate) list_rules: bool,
    /// Explain a rule (or any id a command prints), with an example that breaks it and one
    /// that keeps it, and exit.
    #[arg(long, value_name = "RULE")]
    pub(crate) explain: Option<String>,
    /// The bibliographies' character encoding when it is not UTF-8 and they do not say
    /// (JabRef's `% Encoding:` line, a byte-order mark): `latin1`, `windows-1252`, …
    #[arg(long, value_name = "NAME")]
    pub(crate) encoding: Option<String>,
    /// Read bytes of a UTF-8 file that are not UTF-8 as windows-1252 (a stray `é` from a
    /// Latin-1 editor), with a `lossy-byte` warning per line, instead of skipping the
    /// records that hold them.
    #[arg(long, conflicts_with = "encoding")]
    pub(crate) lossy: bool,
    /// Apply the safe fixes to the bibliographies, in place (each file written atomically,
    /// only the fixed bytes changed), then report what remains.
    #[arg(long)]
    pub(crate) fix: bool,
    /// With `--fix` or `--diff`: also apply the fixes that decide something (which of two
    /// conflicting values to keep, …).
    #[arg(long)]
    pub(crate) unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them.
    #[arg(long)]
    pub(crate) diff: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormat {
    /// `file:line:col: severity[rule]: message` with the source line (colour on a terminal,
    /// never with `NO_COLOR`).
    Human,
    /// One JSON array of findings.
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Deny {
    /// Warnings fail the check.
    Warnings,
    /// Only errors fail the check (the default).
    Errors,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModelArg {
    Auto,
    Bibtex,
    Biblatex,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ConvertArgs {
    /// Input files; `-` or none reads standard input.
    pub(crate) inputs: Vec<PathBuf>,
    /// Input format (detected from the extension or the content when not given).
    #[arg(long, value_enum)]
    pub(crate) from: Option<InputFormat>,
    /// Output format (default: from the `-o` file's extension, `.json` for CSL-JSON, else
    /// BibTeX).
    #[arg(long, value_enum)]
    pub(crate) to: Option<OutputFormat>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "OUT")]
    pub(crate) output: Option<PathBuf>,
    /// Write LaTeX accents instead of UTF-8 (BibTeX and BibLaTeX output).
    #[arg(long)]
    pub(crate) ascii: bool,
    /// Give every entry a generated `familyYEARword` key, unique in the output (references
    /// between entries follow).
    #[arg(long)]
    pub(crate) rekey: bool,
    /// The inputs' character encoding when it is not UTF-8: `latin1`, `windows-1252`,
    /// `gbk`, `shift_jis`, … (any WHATWG encoding label).
    #[arg(long, value_name = "NAME")]
    pub(crate) encoding: Option<String>,
    /// The configuration file (default: `bibkit.toml` in the current directory, if any);
    /// its `[input]` table sets `max-input-size`.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Read bytes of a UTF-8 file that are not UTF-8 as windows-1252 (a stray `é` from a
    /// Latin-1 editor), with a `lossy-byte` warning per line, instead of skipping the
    /// records that hold them.
    #[arg(long, conflicts_with = "encoding")]
    pub(crate) lossy: bool,
    /// How the report of what was dropped, guessed or not read goes to standard error:
    /// lines for people, or one JSON array of diagnostics for scripts.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub(crate) format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// `file:line:col: severity[id]: message`, with the source line.
    Human,
    /// A JSON array of diagnostics (`severity`, `rule`, `message`, `file`, `line`,
    /// `column`, `span`, `key`).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InputFormat {
    /// BibTeX (`.bib`).
    Bibtex,
    /// BibLaTeX (`.bib`; read the same way as BibTeX).
    Biblatex,
    /// CSL-JSON (an array of items; also `csljson`, `json`).
    #[value(alias = "csljson", alias = "json")]
    CslJson,
    /// A scraped publication listing (three lines per paper).
    Listing,
    /// RIS (`.ris`, and the dialects databases export).
    Ris,
    /// MEDLINE / PubMed (`.nbib`).
    #[value(alias = "nbib", alias = "pubmed")]
    Medline,
    /// Web of Science tagged text (`FN`, `PT J`, `AU`, `ER`).
    Wos,
    /// EndNote's tagged format (`.enw`; `%0`, `%A`, `%T`) and refer.
    #[value(alias = "enw", alias = "refer")]
    Endnote,
    /// EndNote XML (`<xml><records>`).
    EndnoteXml,
    /// CITATION.cff (Citation File Format 1.2.0, and 1.3.0).
    Cff,
    /// MODS XML (`<modsCollection>`, `<mods>`).
    Mods,
    /// BibLaTeXML (`<bltx:entries>`).
    Biblatexml,
    /// Typst's hayagriva YAML.
    Hayagriva,
    /// CSL-YAML (pandoc's `references:` list, also in Markdown front matter).
    CslYaml,
}

impl InputFormat {
    /// The format it names.
    pub(crate) fn format(self) -> Format {
        match self {
            InputFormat::Bibtex | InputFormat::Biblatex => Format::Bibtex,
            InputFormat::CslJson => Format::CslJson,
            InputFormat::Listing => Format::Listing,
            InputFormat::Ris => Format::Ris,
            InputFormat::Medline => Format::Medline,
            InputFormat::Wos => Format::Wos,
            InputFormat::Endnote => Format::Endnote,
            InputFormat::EndnoteXml => Format::EndnoteXml,
            InputFormat::Cff => Format::Cff,
            InputFormat::Mods => Format::Mods,
            InputFormat::Biblatexml => Format::Biblatexml,
            InputFormat::Hayagriva => Format::Hayagriva,
            InputFormat::CslYaml => Format::CslYaml,
        }
    }
}

/// The `--from` names, for messages (`bibtex, biblatex, …`).
pub(crate) fn input_format_names() -> String {
    InputFormat::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value())
        .map(|v| v.get_name().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl OutputFormat {
    /// The format it names.
    pub(crate) fn format(self) -> Format {
        match self {
            OutputFormat::Bibtex => Format::Bibtex,
            OutputFormat::Biblatex => Format::Biblatex,
            OutputFormat::CslJson => Format::CslJson,
            OutputFormat::Ris => Format::Ris,
            OutputFormat::EndnoteXml => Format::EndnoteXml,
            OutputFormat::Cff => Format::Cff,
            OutputFormat::Hayagriva => Format::Hayagriva,
            OutputFormat::CslYaml => Format::CslYaml,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// BibTeX (`year`/`month`, `journal`).
    Bibtex,
    /// BibLaTeX (`date`, `journaltitle`).
    Biblatex,
    /// CSL-JSON (also `csljson`, `json`).
    #[value(alias = "csljson", alias = "json")]
    CslJson,
    /// RIS.
    Ris,
    /// EndNote XML.
    EndnoteXml,
    /// CITATION.cff 1.2.0: the first software or dataset entry is the work, the others
    /// its `references` (the first entry its `preferred-citation` when none is software).
    Cff,
    /// Typst's hayagriva YAML (articles nested in their periodicals, chapters in books).
    Hayagriva,
    /// CSL-YAML (pandoc's `references:` list).
    CslYaml,
}
