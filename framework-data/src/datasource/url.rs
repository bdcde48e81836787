//! DataSource URLs: which driver a scheme needs; masking of secrets is `framework_core::config::mask`.

use crate::driver::Dialect;

pub use framework_core::config::mask::mask_url;

/// Replaces every secret of `url` found in `text` with `***`.
pub(crate) fn scrub(text: &str, url: &str) -> String {
    framework_core::config::mask::scrub(text, url)
}

/// The scheme of a URL (`"postgres"` of `postgres://...`, `"sqlite"` of `sqlite::memory:`).
pub(crate) fn scheme(url: &str) -> &str {
    url.split_once(':').map(|(s, _)| s).unwrap_or("")
}

/// The dialect a scheme selects, or `None` for an unknown scheme.
pub(crate) fn dialect_of(url: &str) -> Option<Dialect> {
    match scheme(url).to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => Some(Dialect::Postgres),
        "mysql" | "mariadb" => Some(Dialect::MySql),
        "sqlite" => Some(Dialect::Sqlite),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_dialects() {
        assert_eq!(dialect_of("postgresql://x"), Some(Dialect::Postgres));
        assert_eq!(dialect_of("MariaDB://x"), Some(Dialect::MySql));
        assert_eq!(dialect_of("sqlite::memory:"), Some(Dialect::Sqlite));
        assert_eq!(dialect_of("oracle://x"), None);
    }
}
