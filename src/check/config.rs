//! Configuration of `bibkit check`: `bibkit.toml`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::rules::{Level, rule};

/// Which data model says which fields an entry type requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataModel {
    /// BibLaTeX's when the file uses BibLaTeX's fields or types (`date`, `journaltitle`,
    /// `@online`, …), BibTeX's otherwise.
    #[default]
    Auto,
    /// Classic BibTeX's (`btxdoc`).
    Bibtex,
    /// BibLaTeX's (its manual, section 2.1).
    Biblatex,
}

/// The model actually used for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Model {
    Bibtex,
    Biblatex,
}

/// What a configuration file could not say.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not TOML, or a key of the wrong type.
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    /// A rule id that `bibkit check --list-rules` does not list.
    #[error("unknown rule `{0}` (see `bibkit check --list-rules`)")]
    UnknownRule(String),
    /// A level other than `off`, `note`, `warning`, `error`.
    #[error("`{level}` for rule `{rule}` is not a level (off, note, warning, error)")]
    Level {
        /// The rule.
        rule: String,
        /// What was written.
        level: String,
    },
    /// A data model other than `auto`, `bibtex`, `biblatex`.
    #[error("`{0}` is not a data model (auto, bibtex, biblatex)")]
    Model(String),
    /// A `deny` other than `warnings` or `errors`.
    #[error("`deny = \"{0}\"`: write `warnings` (or `errors`, the default)")]
    Deny(String),
    /// A key pattern that is not a regular expression.
    #[error("key-pattern: {0}")]
    Pattern(#[from] regex::Error),
}

/// The `[check]` table of `bibkit.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CheckTable {
    model: Option<String>,
    deny: Option<String>,
    ignore_keys: Option<Vec<String>>,
    key_pattern: Option<String>,
    rules: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
struct File {
    check: Option<CheckTable>,
    // Other tools' tables (`[fmt]`) are theirs.
    #[serde(flatten)]
    _rest: BTreeMap<String, toml::Value>,
}

/// The default key pattern: `familyYEARword`, as `bibkit convert --rekey` makes keys.
const DEFAULT_KEY_PATTERN: &str = r"^[a-z]+[0-9]{4}[a-z0-9]*$";

/// How `bibkit check` checks: levels of rules, the data model, keys to leave alone.
///
/// ```
/// use bibkit::check::{Config, Level};
/// let c = Config::from_toml(r#"
/// [check]
/// model = "biblatex"
/// deny = "warnings"
/// ignore-keys = ["draft-*"]
/// [check.rules]
/// unused-entry = "off"
/// title-case = "warning"
/// "#).unwrap();
/// assert_eq!(c.level("unused-entry"), Level::Off);
/// assert_eq!(c.level("title-case"), Level::Warning);
/// assert_eq!(c.level("undefined-citation"), Level::Error);
/// assert!(c.deny_warnings());
/// assert!(c.ignores("draft-2024"));
/// assert!(Config::from_toml("[check.rules]\nno-such-rule = \"off\"").is_err());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Config {
    model: DataModel,
    levels: BTreeMap<String, Level>,
    ignore: Vec<String>,
    key_pattern: Option<regex::Regex>,
    deny_warnings: bool,
}

impl Config {
    /// Reads the `[check]` table of a `bibkit.toml` (other tables are ignored).
    ///
    /// # Errors
    /// [`ConfigError`] for TOML errors (with their line and column), unknown rules,
    /// levels, models, and key patterns that are not regular expressions.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let file: File = toml::from_str(text)?;
        let t = file.check.unwrap_or_default();
        let mut c = Config::default();
        if let Some(m) = t.model {
            c.model = match m.as_str() {
                "auto" => DataModel::Auto,
                "bibtex" => DataModel::Bibtex,
                "biblatex" => DataModel::Biblatex,
                _ => return Err(ConfigError::Model(m)),
            };
        }
        match t.deny.as_deref() {
            None | Some("errors") => {}
            Some("warnings") => c.deny_warnings = true,
            Some(other) => return Err(ConfigError::Deny(other.to_string())),
        }
        c.ignore = t.ignore_keys.unwrap_or_default();
        if let Some(p) = t.key_pattern {
            c.key_pattern = Some(regex::Regex::new(&p)?);
        }
        for (r, l) in t.rules.unwrap_or_default() {
            if rule(&r).is_none() {
                return Err(ConfigError::UnknownRule(r));
            }
            let level = Level::parse(&l).ok_or_else(|| ConfigError::Level {
                rule: r.clone(),
                level: l.clone(),
            })?;
            c.levels.insert(r, level);
        }
        Ok(c)
    }

    /// Sets a rule's level.
    pub fn with_level(mut self, rule: &str, level: Level) -> Self {
        self.levels.insert(rule.to_string(), level);
        self
    }

    /// Sets the data model.
    pub fn with_model(mut self, model: DataModel) -> Self {
        self.model = model;
        self
    }

    /// Makes warnings fail the build (`--deny warnings`).
    pub fn with_deny_warnings(mut self, yes: bool) -> Self {
        self.deny_warnings = yes;
        self
    }

    /// Adds keys to leave alone (`*` at the end matches any rest).
    pub fn with_ignored_keys(mut self, keys: impl IntoIterator<Item = String>) -> Self {
        self.ignore.extend(keys);
        self
    }

    /// A rule's level: as configured, else its default (house-style rules are off).
    pub fn level(&self, id: &str) -> Level {
        if let Some(l) = self.levels.get(id) {
            return *l;
        }
        match rule(id) {
            Some(r) if r.style => Level::Off,
            Some(r) => r.level,
            None => Level::Off,
        }
    }

    /// Whether warnings fail the build.
    pub fn deny_warnings(&self) -> bool {
        self.deny_warnings
    }

    /// The data model setting.
    pub fn model(&self) -> DataModel {
        self.model
    }

    /// Whether `key` is one to leave alone.
    pub fn ignores(&self, key: &str) -> bool {
        self.ignore.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => key.starts_with(prefix),
            None => p == key,
        })
    }

    pub(crate) fn key_matches(&self, key: &str) -> bool {
        match &self.key_pattern {
            Some(r) => r.is_match(key),
            None => default_key_pattern().is_match(key),
        }
    }

    pub(crate) fn key_pattern_text(&self) -> &str {
        self.key_pattern
            .as_ref()
            .map_or(DEFAULT_KEY_PATTERN, |r| r.as_str())
    }

    /// The model for a file, given whether it uses BibLaTeX's types or fields.
    pub(crate) fn model_for(&self, uses_biblatex: bool) -> Model {
        match self.model {
            DataModel::Bibtex => Model::Bibtex,
            DataModel::Biblatex => Model::Biblatex,
            DataModel::Auto if uses_biblatex => Model::Biblatex,
            DataModel::Auto => Model::Bibtex,
        }
    }
}

/// Whether entries use BibLaTeX-only types, or fields whose names (as written, in
/// `written`) only BibLaTeX knows.
pub(crate) fn uses_biblatex<'a>(
    types: impl IntoIterator<Item = &'a str>,
    written: impl IntoIterator<Item = &'a str>,
) -> bool {
    let types = types.into_iter().any(|kind| {
        matches!(
            kind,
            "online"
                | "thesis"
                | "report"
                | "mvbook"
                | "bookinbook"
                | "collection"
                | "mvcollection"
                | "reference"
                | "mvreference"
                | "inreference"
                | "periodical"
                | "suppbook"
                | "suppcollection"
                | "dataset"
                | "software"
                | "mvproceedings"
                | "xdata"
                | "set"
        )
    });
    types
        || written.into_iter().any(|n| {
            matches!(
                n.to_ascii_lowercase().as_str(),
                "date"
                    | "journaltitle"
                    | "location"
                    | "urldate"
                    | "eventdate"
                    | "origdate"
                    | "eprinttype"
                    | "eprintclass"
                    | "langid"
                    | "shortjournal"
                    | "maintitle"
                    | "subtitle"
                    | "titleaddon"
                    | "pubstate"
                    | "bookauthor"
                    | "entrysubtype"
                    | "related"
                    | "xdata"
            )
        })
}

fn default_key_pattern() -> &'static regex::Regex {
    use std::sync::OnceLock;
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(DEFAULT_KEY_PATTERN).expect("a valid pattern"))
}
