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

/// The URL with its password (and any secret query parameter) replaced by `***`. The password
/// is found whatever it contains: an unencoded `/`, `?`, `#` or `@` in it does not make it
/// leak.
///
/// ```
/// use framework_core::config::mask::mask_url;
/// assert_eq!(mask_url("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
/// assert_eq!(mask_url("postgres://app:S3cr3t/Pw?x@db/x"), "postgres://app:***@db/x");
/// assert_eq!(mask_url("mysql://root@h/x?password=p"), "mysql://root@h/x?password=***");
/// assert_eq!(mask_url("sqlite://data/app.db?mode=rwc"), "sqlite://data/app.db?mode=rwc");
/// ```
pub fn mask_url(url: &str) -> String {
    let Some(parts) = UrlParts::of(url) else {
        return mask_query(url, None);
    };
    let mut out = String::with_capacity(url.len());
    out.push_str(&url[..parts.authority_start]);
    match parts.password {
        Some((start, end)) => {
            out.push_str(&url[parts.authority_start..start]);
            out.push_str("***");
            out.push_str(&url[end..parts.host_start]);
        }
        None => out.push_str(&url[parts.authority_start..parts.host_start]),
    }
    out.push_str(&mask_query(&url[parts.host_start..], None));
    out
}

/// Every URL-looking token (`scheme://...`) of `text` passed through [`mask_url`]: for messages
/// that quote a value that may be a URL (a parser's complaint about a configuration value).
///
/// ```
/// use framework_core::config::mask::mask_urls_in;
/// assert_eq!(
///     mask_urls_in("invalid URL postgres://u:S3/cr@h/db: bad port"),
///     "invalid URL postgres://u:***@h/db: bad port"
/// );
/// ```
pub fn mask_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        // The scheme: letters, digits, `+`, `-`, `.` before `://`.
        let start = rest[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map(|p| p + 1)
            .unwrap_or(0);
        let end = rest[i..]
            .find(|c: char| c.is_whitespace() || matches!(c, '`' | '"' | '\'' | '<' | '>'))
            .map(|p| i + p)
            .unwrap_or(rest.len());
        // A trailing `:` or `,` is the message's punctuation, not the URL's.
        let token = rest[start..end].trim_end_matches([':', ',', ';', ')']);
        out.push_str(&rest[..start]);
        out.push_str(&mask_url(token));
        rest = &rest[start + token.len()..];
    }
    out.push_str(rest);
    out
}

/// Masks the values of secret query parameters in `s` (from its first `?` on), or collects them
/// into `found`.
fn mask_query(s: &str, mut found: Option<&mut Vec<String>>) -> String {
    let Some((head, query)) = s.split_once('?') else {
        return s.to_owned();
    };
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => {
                if let Some(f) = found.as_deref_mut() {
                    f.push(v.to_owned());
                }
                format!("{k}=***")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}?{}", masked.join("&"))
}

/// Where the parts of `scheme://user:password@host/...` are, byte offsets into the URL.
struct UrlParts {
    /// After `://`.
    authority_start: usize,
    /// The password, when the URL has userinfo with one.
    password: Option<(usize, usize)>,
    /// After the userinfo's `@` (or `authority_start` without userinfo).
    host_start: usize,
}

impl UrlParts {
    fn of(url: &str) -> Option<UrlParts> {
        let authority_start = url.find("://")? + 3;
        let after = &url[authority_start..];
        // The userinfo ends at the last `@` that is followed by something that can be a host
        // (no `@`, `=` or `&` before the next `/`, `?` or the end): a password may contain any
        // character unencoded, a query value may contain `@` but is followed by `=`/`&` text.
        let at = after
            .char_indices()
            .filter(|(_, c)| *c == '@')
            .map(|(i, _)| i)
            .rfind(|&i| {
                let host = &after[i + 1..];
                let host = &host[..host.find(['/', '?']).unwrap_or(host.len())];
                !host.contains(['@', '=', '&'])
            });
        let Some(at) = at else {
            return Some(UrlParts {
                authority_start,
                password: None,
                host_start: authority_start,
            });
        };
        let userinfo = &after[..at];
        let password = userinfo
            .find(':')
            .map(|colon| (authority_start + colon + 1, authority_start + at));
        Some(UrlParts {
            authority_start,
            password,
            host_start: authority_start + at + 1,
        })
    }
}

/// The secrets in `url` (password, secret query values), raw and percent-decoded, so that they
/// can be scrubbed from driver messages.
pub fn secrets(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    let query_from = match UrlParts::of(url) {
        Some(parts) => {
            if let Some((start, end)) = parts.password {
                found.push(url[start..end].to_owned());
            }
            parts.host_start
        }
        None => 0,
    };
    mask_query(&url[query_from..], Some(&mut found));
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
    fn passwords_with_reserved_characters_are_masked() {
        for (url, masked) in [
            (
                "postgres://user:S3cr3t/Pw@db:5432/app",
                "postgres://user:***@db:5432/app",
            ),
            (
                "postgres://user:a?b@db/app?sslmode=disable",
                "postgres://user:***@db/app?sslmode=disable",
            ),
            ("mysql://root:p@ss#w@h:3306/x", "mysql://root:***@h:3306/x"),
            (
                "postgres://u@h/db?application_name=a@b",
                "postgres://u@h/db?application_name=a@b",
            ),
            ("postgres://h/db", "postgres://h/db"),
        ] {
            assert_eq!(mask_url(url), masked, "{url}");
        }
        assert_eq!(
            secrets("postgres://user:S3cr3t/Pw@db/app"),
            vec!["S3cr3t/Pw".to_owned()]
        );
        assert_eq!(
            mask_urls_in("bad `postgres://user:S3cr3t/Pw@db/app`, retry"),
            "bad `postgres://user:***@db/app`, retry"
        );
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
