//! Masking secrets: passwords in URLs and values of secret-looking keys, for messages, logs and
//! the actuator. Nothing the framework shows or logs should ever carry a password.

/// Whether a configuration key names a secret (`password`, `token`, `secret`, `key`,
/// `credential`, in any part of its name).
///
/// ```
/// use framework_core::config::mask::is_secret_key;
/// assert!(is_secret_key("management.token"));
/// assert!(is_secret_key("datasources.x.db_password"));
/// assert!(!is_secret_key("datasource.url"));
/// ```
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "pwd",
        "token",
        "secret",
        "key",
        "credential",
    ]
    .iter()
    .any(|s| k.rsplit('.').next().is_some_and(|last| last.contains(s)))
}

/// Query parameters whose values are secrets.
const SECRET_PARAMS: &[&str] = &["password", "pass", "pwd", "secret", "token", "sslpassword"];

/// The URL with its password (and any secret query parameter) replaced by `***`.
///
/// ```
/// use framework_core::config::mask::mask_url;
/// assert_eq!(mask_url("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
/// assert_eq!(mask_url("mysql://root@h/x?password=p"), "mysql://root@h/x?password=***");
/// assert_eq!(mask_url("sqlite://data/app.db?mode=rwc"), "sqlite://data/app.db?mode=rwc");
/// ```
pub fn mask_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let (before_query, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    match split_authority(before_query) {
        Some((scheme_sep, authority, rest)) => {
            out.push_str(scheme_sep);
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => {
                    match userinfo.split_once(':') {
                        Some((user, _)) => {
                            out.push_str(user);
                            out.push_str(":***");
                        }
                        None => out.push_str(userinfo),
                    }
                    out.push('@');
                    out.push_str(host);
                }
                None => out.push_str(authority),
            }
            out.push_str(rest);
        }
        None => out.push_str(before_query),
    }
    if let Some(q) = query {
        out.push('?');
        let masked: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => {
                    format!("{k}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push_str(&masked.join("&"));
    }
    out
}

/// The secrets in `url` (password, secret query values), raw and percent-decoded, so that they
/// can be scrubbed from driver messages.
pub fn secrets(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    let (before_query, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    if let Some((_, authority, _)) = split_authority(before_query)
        && let Some((userinfo, _)) = authority.rsplit_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
    {
        found.push(password.to_owned());
    }
    if let Some(q) = query {
        for pair in q.split('&') {
            if let Some((k, v)) = pair.split_once('=')
                && SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str())
            {
                found.push(v.to_owned());
            }
        }
    }
    let decoded: Vec<String> = found.iter().map(|s| percent_decode(s)).collect();
    found.extend(decoded);
    found.retain(|s| !s.is_empty());
    found.sort();
    found.dedup();
    found
}

/// Replaces every secret of `url` found in `text` with `***`.
pub fn scrub(text: &str, url: &str) -> String {
    let mut out = text.to_owned();
    for s in secrets(url) {
        out = out.replace(&s, "***");
    }
    out
}

/// `scheme://`, the authority, and the path that follows; `None` without `://`.
fn split_authority(s: &str) -> Option<(&str, &str, &str)> {
    let idx = s.find("://")? + 3;
    let (head, tail) = s.split_at(idx);
    let end = tail.find('/').unwrap_or(tail.len());
    let (authority, rest) = tail.split_at(end);
    Some((head, authority, rest))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_password_and_secret_params() {
        assert_eq!(
            mask_url("postgresql://u:p%40ss@h/db?sslmode=disable&password=x"),
            "postgresql://u:***@h/db?sslmode=disable&password=***"
        );
        assert_eq!(mask_url("postgres://h/db"), "postgres://h/db");
        assert_eq!(mask_url("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn secrets_include_decoded_forms() {
        let s = secrets("postgres://u:p%40ss@h/db");
        assert!(s.contains(&"p%40ss".to_owned()));
        assert!(s.contains(&"p@ss".to_owned()));
        assert_eq!(
            scrub("failed for p@ss", "postgres://u:p%40ss@h/db"),
            "failed for ***"
        );
    }
}
