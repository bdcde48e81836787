//! Named parameters (`:name`) in hand-written SQL: one parser for `#[query("...")]`, which the
//! macro runs at compile time, and for `ctx.sql("...")`, which runs it at run time. The macro
//! crate compiles this very file (`#[path]`), so the two can never disagree; it therefore uses
//! nothing but `std`.

/// A piece of the SQL text: literal text, or a named parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Text(String),
    Param(String),
}

/// Splits `sql` at its `:name` parameters. Quoted text (`'...'`, `"..."`, `` `...` ``) and
/// PostgreSQL casts (`::type`) are left alone.
pub(crate) fn segments(sql: &str) -> Vec<Segment> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' | '`' => {
                // Copy the quoted run through its closing quote (doubled quotes stay inside).
                text.push(c);
                i += 1;
                while i < chars.len() {
                    text.push(chars[i]);
                    if chars[i] == c {
                        if chars.get(i + 1) == Some(&c) {
                            text.push(c);
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&':') => {
                text.push_str("::");
                i += 2;
            }
            ':' if chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '_') =>
            {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && (chars[end].is_ascii_alphanumeric() || chars[end] == '_')
                {
                    end += 1;
                }
                if !text.is_empty() {
                    out.push(Segment::Text(std::mem::take(&mut text)));
                }
                out.push(Segment::Param(chars[start..end].iter().collect()));
                i = end;
            }
            _ => {
                text.push(c);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        out.push(Segment::Text(text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_parameters_and_skips_quotes_and_casts() {
        let s = segments(
            "SELECT * FROM t WHERE a = :lo AND b::text = ':nope' AND c BETWEEN :lo AND :hi_2",
        );
        let params: Vec<_> = s
            .iter()
            .filter_map(|x| match x {
                Segment::Param(p) => Some(p.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(params, ["lo", "lo", "hi_2"]);
        assert!(matches!(&s[0], Segment::Text(t) if t == "SELECT * FROM t WHERE a = "));
        let joined: String = s
            .iter()
            .map(|x| match x {
                Segment::Text(t) => t.clone(),
                Segment::Param(_) => "?".into(),
            })
            .collect();
        assert_eq!(
            joined,
            "SELECT * FROM t WHERE a = ? AND b::text = ':nope' AND c BETWEEN ? AND ?"
        );
    }
}
