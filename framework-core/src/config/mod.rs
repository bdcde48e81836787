//! Layered, profile-aware configuration.
//!
//! Sources, later ones winning key by key:
//!
//! 1. `application.toml` in the configuration directory (optional);
//! 2. `application-{profile}.toml` for each active profile, in the order given (each must exist);
//! 3. environment variables `APP_<KEY>`, with `__` between levels (`APP_DATASOURCE__URL`);
//! 4. values set on the builder with [`ConfigLoader::set`].
//!
//! Active profiles come from the builder, else from `APP_PROFILES_ACTIVE` (comma-separated), else
//! from the builder's default profiles.
//!
//! ```
//! use framework_core::config::ConfigLoader;
//! # let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("application.toml"), "[management]\nenabled = false\n").unwrap();
//! let config = ConfigLoader::new()
//!     .config_dir(dir.path())
//!     .environment(Vec::<(String, String)>::new())
//!     .set("management.address", "127.0.0.1:9000")
//!     .load()
//!     .unwrap();
//! let management: framework_core::config::ManagementConfig = config.section_or_default("management").unwrap();
//! assert!(!management.enabled);
//! assert_eq!(management.address, "127.0.0.1:9000");
//! ```

mod env;
mod error;
mod management;
pub mod mask;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use error::{ConfigError, ConfigSource};
pub use management::ManagementConfig;

use env::EnvVar;

/// Prefix of every configuration environment variable.
pub const ENV_PREFIX: &str = "APP_";
/// Separator between key levels in environment variable names.
pub const ENV_SEPARATOR: &str = "__";
/// The variable that lists the active profiles.
pub const PROFILES_ENV: &str = "APP_PROFILES_ACTIVE";
/// The default configuration directory, relative to the working directory.
pub const DEFAULT_CONFIG_DIR: &str = "config";

/// Builds a [`Config`] from files, profiles, environment and explicit overrides.
#[derive(Default)]
pub struct ConfigLoader {
    dir: Option<PathBuf>,
    profiles: Option<Vec<String>>,
    default_profiles: Vec<String>,
    environment: Option<Vec<(String, String)>>,
    overrides: Vec<Serialized<figment::value::Value>>,
    override_errors: Vec<ConfigError>,
}

impl ConfigLoader {
    /// A loader with no sources yet.
    ///
    /// ```
    /// let config = framework_core::config::ConfigLoader::new()
    ///     .environment(Vec::<(String, String)>::new())
    ///     .load()
    ///     .unwrap();
    /// assert!(config.profiles().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `application*.toml` from `dir`, which must exist. Without this call the loader reads
    /// `./config` when that directory exists and uses no files otherwise.
    pub fn config_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Activates these profiles, in this order, ignoring `APP_PROFILES_ACTIVE`.
    pub fn profiles<I, S>(mut self, profiles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.profiles = Some(profiles.into_iter().map(Into::into).collect());
        self
    }

    /// Profiles to activate when neither the builder nor `APP_PROFILES_ACTIVE` names any
    /// (Spring's `spring.profiles.default`).
    pub fn default_profiles<I, S>(mut self, profiles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.default_profiles = profiles.into_iter().map(Into::into).collect();
        self
    }

    /// Reads environment variables from `vars` instead of the process environment
    /// (for tests and for embedding).
    pub fn environment<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.environment = Some(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Overrides one dotted key (`"datasource.pool.max_connections"`); wins over every other
    /// source.
    #[track_caller]
    pub fn set<T: Serialize>(mut self, key: &str, value: T) -> Self {
        match figment::value::Value::serialize(value) {
            Ok(v) => self.overrides.push(Serialized::default(key, v)),
            Err(e) => self.override_errors.push(ConfigError::InvalidValue {
                source_name: ConfigSource::Builder,
                key: key.to_owned(),
                problem: e.to_string(),
            }),
        }
        self
    }

    /// Reads every source and merges them.
    pub fn load(self) -> Result<Config, ConfigError> {
        if let Some(err) = self.override_errors.into_iter().next() {
            return Err(err);
        }
        let env: Vec<(String, String)> = match self.environment {
            Some(vars) => vars,
            None => std::env::vars().collect(),
        };
        let profiles = match self.profiles {
            Some(p) => p,
            None => {
                let from_env = env
                    .iter()
                    .find(|(k, _)| k == PROFILES_ENV)
                    .map(|(_, v)| parse_profiles(v))
                    .unwrap_or_default();
                if from_env.is_empty() {
                    self.default_profiles
                } else {
                    from_env
                }
            }
        };

        // The directory is optional: a missing one holds no files (a profile file it should
        // hold is still reported missing, with its path).
        let dir = match self.dir {
            Some(dir) => {
                if !dir.is_dir() {
                    tracing::debug!(dir = %dir.display(), "configuration directory not found; no configuration files");
                }
                Some(dir)
            }
            None => Some(PathBuf::from(DEFAULT_CONFIG_DIR)).filter(|d| d.is_dir()),
        };

        let mut figment = Figment::new();
        let mut files = Vec::new();
        if let Some(dir) = &dir {
            let base = dir.join("application.toml");
            if base.is_file() {
                figment = figment.merge(Toml::file_exact(&base));
                files.push(base);
            }
        }
        for profile in &profiles {
            let path = profile_file(dir.as_deref(), profile);
            if !path.is_file() {
                return Err(ConfigError::MissingProfileFile {
                    profile: profile.clone(),
                    path,
                });
            }
            figment = figment.merge(Toml::file_exact(&path));
            files.push(path);
        }
        for var in EnvVar::collect(env) {
            figment = figment.merge(var);
        }
        for o in self.overrides {
            figment = figment.merge(o);
        }

        // Surface parse errors of the files now, not at the first section read.
        if let Err(e) = figment.extract::<figment::value::Dict>() {
            return Err(ConfigError::from_figment(&figment, e));
        }
        Ok(Config {
            figment,
            profiles,
            files,
            dir,
        })
    }
}

fn parse_profiles(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn profile_file(dir: Option<&Path>, profile: &str) -> PathBuf {
    let name = format!("application-{profile}.toml");
    match dir {
        Some(d) => d.join(name),
        None => PathBuf::from(DEFAULT_CONFIG_DIR).join(name),
    }
}

/// figment's `extract_inner` appends the section's key after the inner path; put it first.
fn key_first(mut e: figment::Error, key: &str) -> figment::Error {
    let parts: Vec<String> = key.split('.').map(str::to_owned).collect();
    if e.path.ends_with(&parts) {
        let inner = e.path[..e.path.len() - parts.len()].to_vec();
        e.path = parts.into_iter().chain(inner).collect();
    }
    e
}

/// The merged configuration. Subsystems read their own typed section from it.
#[derive(Debug, Clone)]
pub struct Config {
    figment: Figment,
    profiles: Vec<String>,
    files: Vec<PathBuf>,
    dir: Option<PathBuf>,
}

impl Config {
    /// The active profiles, in order.
    pub fn profiles(&self) -> &[String] {
        &self.profiles
    }

    /// Whether `profile` is active.
    pub fn is_active(&self, profile: &str) -> bool {
        self.profiles.iter().any(|p| p == profile)
    }

    /// The configuration directory, when one was used. Other files an application ships (such
    /// as migrations) are looked up beside it.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_deref()
    }

    /// The whole merged configuration as JSON (for the actuator; mask secrets before showing
    /// it).
    pub fn to_json(&self) -> serde_json::Value {
        self.figment
            .extract::<serde_json::Value>()
            .unwrap_or(serde_json::Value::Null)
    }

    /// The files that were read, in merge order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Reads a typed section; `Ok(None)` when no source sets it.
    ///
    /// ```
    /// # use framework_core::config::*;
    /// let config = ConfigLoader::new()
    ///     .environment([("APP_MANAGEMENT__ENABLED", "false")])
    ///     .load()
    ///     .unwrap();
    /// let m: Option<ManagementConfig> = config.section("management").unwrap();
    /// assert!(!m.unwrap().enabled);
    /// ```
    pub fn section<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ConfigError> {
        if !self.contains(key) {
            return Ok(None);
        }
        self.figment
            .extract_inner::<T>(key)
            .map(Some)
            .map_err(|e| ConfigError::from_figment(&self.figment, key_first(e, key)))
    }

    /// Reads a typed section, or its `Default` when no source sets it.
    pub fn section_or_default<T: DeserializeOwned + Default>(
        &self,
        key: &str,
    ) -> Result<T, ConfigError> {
        Ok(self.section(key)?.unwrap_or_default())
    }

    /// Whether any source sets `key` (dotted).
    pub fn contains(&self, key: &str) -> bool {
        self.figment.contains(key)
    }

    /// Which source set `key` (the last one to set it wins).
    pub fn source_of(&self, key: &str) -> ConfigSource {
        self.figment
            .find_metadata(key)
            .map(error::source_of)
            .unwrap_or(ConfigSource::Default)
    }

    /// The keys of a table (`""` for the top level).
    pub fn keys(&self, key: &str) -> Vec<String> {
        let dict = if key.is_empty() {
            self.figment.extract::<figment::value::Dict>().ok()
        } else {
            self.figment
                .find_value(key)
                .ok()
                .and_then(|v| v.into_dict())
        };
        dict.map(|d| d.into_keys().collect()).unwrap_or_default()
    }

    /// Fails with [`ConfigError::UnknownKey`] for the first top-level key not in `known`.
    pub fn check_known_sections<'a>(
        &self,
        known: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), ConfigError> {
        let known: BTreeSet<&str> = known.into_iter().collect();
        for key in self.keys("") {
            if !known.contains(key.as_str()) {
                let source_name = self
                    .figment
                    .find_metadata(&key)
                    .map(error::source_of)
                    .unwrap_or(ConfigSource::Default);
                return Err(ConfigError::UnknownKey {
                    source_name,
                    key,
                    hint: format!(
                        " (known sections: {}; a section read by a crate that is not linked in, such as a starter, is unknown too)",
                        known.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
        Ok(())
    }
}
