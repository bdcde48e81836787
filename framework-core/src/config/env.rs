//! Environment variables as a configuration source, one figment provider per variable so that
//! an error can name the exact variable that set a bad value.

use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider, Source};

use super::{ENV_PREFIX, ENV_SEPARATOR, PROFILES_ENV};

/// Metadata name that marks a value as coming from the environment.
pub(crate) const ENV_METADATA_NAME: &str = "environment variable";

/// One `APP_...` variable, already mapped to its dotted key.
pub(crate) struct EnvVar {
    name: String,
    key: String,
    value: String,
}

impl EnvVar {
    /// Picks the framework's variables out of `vars`: `APP_A__B=v` becomes key `a.b`.
    /// `APP_PROFILES_ACTIVE` selects profiles and is not a configuration key.
    pub(crate) fn collect(vars: impl IntoIterator<Item = (String, String)>) -> Vec<EnvVar> {
        let mut out: Vec<EnvVar> = vars
            .into_iter()
            .filter(|(name, _)| name.starts_with(ENV_PREFIX) && name != PROFILES_ENV)
            .filter_map(|(name, value)| {
                let rest = &name[ENV_PREFIX.len()..];
                if rest.is_empty() {
                    return None;
                }
                let key = rest
                    .split(ENV_SEPARATOR)
                    .map(str::to_ascii_lowercase)
                    .collect::<Vec<_>>()
                    .join(".");
                Some(EnvVar { name, key, value })
            })
            .collect();
        // Deterministic order: the process environment has none.
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

impl Provider for EnvVar {
    fn metadata(&self) -> Metadata {
        Metadata::named(ENV_METADATA_NAME).source(Source::Custom(self.name.clone()))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        // Values parse like TOML scalars ("10" is a number, "true" a bool), as figment's Env does,
        // except for secrets, which are strings whatever they look like (a numeric token).
        let value: Value = if super::mask::is_secret_key(&self.key) {
            Value::from(self.value.clone())
        } else {
            self.value
                .parse()
                .unwrap_or_else(|_| Value::from(self.value.clone()))
        };
        let dict = figment::util::nest(&self.key, value)
            .into_dict()
            .ok_or_else(|| Error::from(format!("{} does not name a key", self.name)))?;
        Ok(Profile::Default.collect(dict))
    }
}
