//! Airflow's `expand_env_var`: Python's `os.path.expandvars` then `os.path.expanduser`, repeated
//! until the value stops changing. Every value Airflow's configuration returns (from the
//! environment, the file or the defaults) goes through it.

use std::collections::BTreeMap;

/// How many rounds of expansion are allowed before giving up. Python loops without a bound (a
/// variable that names itself inside a longer value, `A=x$A`, never settles); the crate refuses
/// such a value instead.
const MAX_ROUNDS: usize = 64;

/// `os.path.expandvars` (POSIX): `$name` and `${name}`, `name` of ASCII letters, digits and `_`;
/// a variable that is not set is left as written.
fn expandvars(value: &str, env: &BTreeMap<String, String>) -> String {
    if !value.contains('$') {
        return value.to_owned();
    }
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            // `\$(\w+|\{[^}]*\})`
            let (name, end) = if bytes.get(i + 1) == Some(&b'{') {
                match value[i + 2..].find('}') {
                    Some(close) => (&value[i + 2..i + 2 + close], i + 2 + close + 1),
                    None => ("", i),
                }
            } else {
                let len = bytes[i + 1..].iter().take_while(|b| word(**b)).count();
                (&value[i + 1..i + 1 + len], i + 1 + len)
            };
            if end > i + 1
                && let Some(v) = env.get(name)
            {
                out.push_str(v);
                i = end;
                continue;
            }
            if end > i + 1 {
                // Not set: keep the reference as written and go on after it.
                out.push_str(&value[i..end]);
                i = end;
                continue;
            }
        }
        let ch = value[i..].chars().next().expect("i is on a char boundary");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// `os.path.expanduser` (POSIX): a leading `~` becomes `$HOME`, trailing slashes of it dropped.
///
/// `~user` and a `~` with `HOME` unset would need the password database, which Python reads
/// (`pwd`); the crate leaves those values as written.
fn expanduser(value: &str, env: &BTreeMap<String, String>) -> String {
    let Some(rest) = value.strip_prefix('~') else {
        return value.to_owned();
    };
    let slash = rest.find('/').unwrap_or(rest.len());
    if slash != 0 {
        return value.to_owned();
    }
    let Some(home) = env.get("HOME") else {
        return value.to_owned();
    };
    let joined = format!("{}{}", home.trim_end_matches('/'), rest);
    if joined.is_empty() {
        "/".to_owned()
    } else {
        joined
    }
}

/// `expand_env_var`; `None` when the value never settles.
pub(crate) fn expand_env_var(value: &str, env: &BTreeMap<String, String>) -> Option<String> {
    let mut current = value.to_owned();
    for _ in 0..MAX_ROUNDS {
        let next = expanduser(&expandvars(&current, env), env);
        if next == current {
            return Some(next);
        }
        current = next;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> BTreeMap<String, String> {
        [("HOME", "/home/u/"), ("A", "$B"), ("B", "b"), ("L", "x$L")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn expansion() {
        let e = env();
        assert_eq!(
            expand_env_var("~/x/$A/${B}/$NOPE/${}", &e).unwrap(),
            "/home/u/x/b/b/$NOPE/${}"
        );
        assert_eq!(expand_env_var("~other/x", &e).unwrap(), "~other/x");
        assert_eq!(expand_env_var("$", &e).unwrap(), "$");
        assert_eq!(expand_env_var("${B", &e).unwrap(), "${B");
        assert!(expand_env_var("$L", &e).is_none());
    }
}
