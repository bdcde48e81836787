//! Configuration errors that name the source, the key and the problem.

use std::fmt;
use std::path::PathBuf;

use figment::Figment;
use figment::error::Kind;

/// Where a configuration value came from.
///
/// ```
/// use framework_core::config::ConfigSource;
/// let src = ConfigSource::Env("APP_DATASOURCE__URL".into());
/// assert_eq!(src.to_string(), "environment variable APP_DATASOURCE__URL");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A TOML file.
    File(PathBuf),
    /// One environment variable, by its full name.
    Env(String),
    /// A value set with `ApplicationContextBuilder::set`.
    Builder,
    /// A built-in default, or a source that could not be identified.
    Default,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::File(p) => write!(f, "file {}", p.display()),
            ConfigSource::Env(name) => write!(f, "environment variable {name}"),
            ConfigSource::Builder => f.write_str("ApplicationContext builder override"),
            ConfigSource::Default => f.write_str("defaults"),
        }
    }
}

/// A configuration problem found while loading or reading a section.
///
/// Every variant names where the problem is, so that an operator can fix it without reading code.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A profile is active but its file is missing.
    #[error("profile `{profile}` is active but {} does not exist", path.display())]
    MissingProfileFile {
        /// The active profile.
        profile: String,
        /// The file that was expected.
        path: PathBuf,
    },
    /// A file could not be read or parsed.
    #[error("{source_name}: {problem}")]
    Unreadable {
        /// Where the problem is.
        source_name: ConfigSource,
        /// What is wrong, as the parser says it.
        problem: String,
    },
    /// A key that no part of the application understands.
    #[error("{source_name}: unknown key `{key}`{hint}")]
    UnknownKey {
        /// Where the key was set.
        source_name: ConfigSource,
        /// The full dotted key.
        key: String,
        /// Known keys at that level, when any.
        hint: String,
    },
    /// A value of the wrong type or an unparsable value (durations, numbers, ...).
    #[error("{source_name}: key `{key}`: {problem}")]
    InvalidValue {
        /// Where the value was set.
        source_name: ConfigSource,
        /// The full dotted key.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A required key is missing.
    #[error("missing key `{key}` (set it in application.toml or as {env})")]
    MissingKey {
        /// The full dotted key.
        key: String,
        /// The environment variable that can set it.
        env: String,
    },
}

impl ConfigError {
    /// The dotted key the error is about, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::UnknownKey { key, .. }
            | ConfigError::InvalidValue { key, .. }
            | ConfigError::MissingKey { key, .. } => Some(key),
            _ => None,
        }
    }

    /// Where the problem is, when it is known.
    pub fn source_name(&self) -> Option<&ConfigSource> {
        match self {
            ConfigError::UnknownKey { source_name, .. }
            | ConfigError::InvalidValue { source_name, .. }
            | ConfigError::Unreadable { source_name, .. } => Some(source_name),
            _ => None,
        }
    }

    /// Turns figment's error into ours, looking up the source of the failing key in `figment`.
    pub(crate) fn from_figment(figment: &Figment, error: figment::Error) -> Self {
        let mut path = error.path.clone();
        let (problem, unknown) = match &error.kind {
            Kind::UnknownField(field, expected) => {
                if path.last() != Some(field) {
                    path.push(field.clone());
                }
                let hint = if expected.is_empty() {
                    String::new()
                } else {
                    format!(" (known keys here: {})", expected.join(", "))
                };
                (hint, true)
            }
            Kind::MissingField(field) => {
                path.push(field.to_string());
                let key = path.join(".");
                let env = env_name(&key);
                return ConfigError::MissingKey { key, env };
            }
            other => (other.to_string(), false),
        };
        let key = path.join(".");
        // Never echo a secret's value; mask any URL a message quotes.
        let problem = if !unknown && super::mask::is_secret_key(&key) {
            secret_problem(&error.kind)
        } else {
            super::mask::mask_urls_in(&problem)
        };
        let source_name = figment
            .find_metadata(&key)
            .map(source_of)
            .or_else(|| error.metadata.as_ref().map(source_of))
            .unwrap_or(ConfigSource::Default);
        if key.is_empty() {
            return ConfigError::Unreadable {
                source_name,
                problem,
            };
        }
        if unknown {
            ConfigError::UnknownKey {
                source_name,
                key,
                hint: problem,
            }
        } else {
            ConfigError::InvalidValue {
                source_name,
                key,
                problem,
            }
        }
    }
}

/// What is wrong with a secret's value, without the value.
fn secret_problem(kind: &Kind) -> String {
    match kind {
        Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => format!(
            "invalid {} (value not shown: the key holds a secret), expected {expected}",
            kind_of(actual)
        ),
        _ => "invalid value (not shown: the key holds a secret)".to_owned(),
    }
}

/// The kind of a value figment found, without the value.
fn kind_of(actual: &figment::error::Actual) -> &'static str {
    use figment::error::Actual;
    match actual {
        Actual::Bool(_) => "boolean",
        Actual::Unsigned(_) | Actual::Signed(_) => "integer",
        Actual::Float(_) => "float",
        Actual::Char(_) | Actual::Str(_) => "string",
        Actual::Bytes(_) => "bytes",
        Actual::Unit => "unit",
        Actual::Option => "option",
        Actual::NewtypeStruct => "newtype",
        Actual::Seq => "sequence",
        Actual::Map => "map",
        _ => "value",
    }
}

/// The environment variable that sets a dotted key: `datasource.pool.max_connections` ->
/// `APP_DATASOURCE__POOL__MAX_CONNECTIONS`.
pub(crate) fn env_name(key: &str) -> String {
    format!(
        "{}{}",
        super::ENV_PREFIX,
        key.split('.')
            .map(str::to_ascii_uppercase)
            .collect::<Vec<_>>()
            .join(super::ENV_SEPARATOR)
    )
}

pub(crate) fn source_of(md: &figment::Metadata) -> ConfigSource {
    use figment::Source;
    match &md.source {
        Some(Source::File(p)) => ConfigSource::File(p.clone()),
        Some(Source::Custom(s)) if md.name == super::env::ENV_METADATA_NAME => {
            ConfigSource::Env(s.clone())
        }
        Some(Source::Code(_)) => ConfigSource::Builder,
        _ => ConfigSource::Default,
    }
}
