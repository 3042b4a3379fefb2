//! The few Python string and number rules Airflow's configuration relies on: what `str.strip()`
//! removes, and what `int()`, `float()` and `int(s, 8)` accept.
//!
//! Only ASCII digits are read: Python's `int()` and `float()` also take other Unicode decimal
//! digits (`"٣"` is 3), which no configuration file in practice holds; such values are refused
//! here.

/// `str.isspace()`: Unicode white space plus the four ASCII separators `\x1c`..`\x1f` that Python
/// counts and Rust's `char::is_whitespace` does not.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `str.strip()` with no argument.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Removes the underscores Python allows in number literals (PEP 515): one at a time, each
/// between two digits. `None` when an underscore stands anywhere else.
fn without_underscores(s: &str, is_digit: impl Fn(char) -> bool) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            let before = i > 0 && is_digit(chars[i - 1]);
            let after = chars.get(i + 1).is_some_and(|&n| is_digit(n));
            if !(before && after) {
                return None;
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Python's `int(s)` (base 10), for values that fit an `i64`.
pub(crate) fn py_int(s: &str) -> Option<i64> {
    let s = py_strip(s);
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let digits = without_underscores(digits, |c| c.is_ascii_digit())?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude: i128 = digits.trim_start_matches('0').parse().unwrap_or(0);
    if digits.trim_start_matches('0').len() > 20 {
        return None;
    }
    let value = if neg { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// Python's `float(s)`.
pub(crate) fn py_float(s: &str) -> Option<f64> {
    let s = py_strip(s);
    let lower = s.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    // At most one sign, and the special names only in the spellings Python takes.
    if lower.len() - unsigned.len() > 1 {
        return None;
    }
    if matches!(unsigned, "inf" | "infinity" | "nan") {
        return lower.parse::<f64>().ok();
    }
    if !unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-' | b'_'))
    {
        return None;
    }
    let plain = without_underscores(&lower, |c| c.is_ascii_digit())?;
    plain.parse::<f64>().ok()
}

/// Python's `int(s, 8)`: an optional sign, an optional `0o` prefix, octal digits with PEP 515
/// underscores (one may follow the prefix).
pub(crate) fn py_int_octal(s: &str) -> Option<i64> {
    let s = py_strip(s);
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let is_oct = |c: char| matches!(c, '0'..='7');
    let digits = match rest.get(..2) {
        Some("0o" | "0O") => {
            let d = &rest[2..];
            d.strip_prefix('_').unwrap_or(d)
        }
        _ => rest,
    };
    if digits.is_empty() || !digits.starts_with(is_oct) {
        return None;
    }
    let digits = without_underscores(digits, is_oct)?;
    let value = i64::from_str_radix(&digits, 8).ok()?;
    Some(if neg { -value } else { value })
}

/// Python's `int(value)` after `float(value)`, as `conf.getint` falls back to: a float with no
/// fractional part (`"3.0"`, `"1e3"`) is that integer; infinities and NaN are refused.
pub(crate) fn py_int_via_float(s: &str) -> Option<i64> {
    let f = py_float(s)?;
    if !f.is_finite() || f.fract() != 0.0 {
        return None;
    }
    // i64::MAX as f64 rounds up to 2^63, which no i64 holds.
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        return None;
    }
    Some(f as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(py_int(" 1_000\n"), Some(1000));
        assert_eq!(py_int("-0"), Some(0));
        assert_eq!(py_int("1__0"), None);
        assert_eq!(py_int("_1"), None);
        assert_eq!(py_int("1.0"), None);
        assert_eq!(py_int_via_float("1.0"), Some(1));
        assert_eq!(py_int_via_float("1e3"), Some(1000));
        assert_eq!(py_int_via_float("1.5"), None);
        assert_eq!(py_int_via_float("inf"), None);
    }

    #[test]
    fn floats() {
        assert_eq!(py_float(" 1_0.5 "), Some(10.5));
        assert_eq!(py_float(".5"), Some(0.5));
        assert_eq!(py_float("5."), Some(5.0));
        assert_eq!(py_float("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(py_float("--1"), None);
        assert_eq!(py_float("0x10"), None);
        assert_eq!(py_float(""), None);
    }

    #[test]
    fn octal() {
        assert_eq!(py_int_octal("0o664"), Some(0o664));
        assert_eq!(py_int_octal("775"), Some(0o775));
        assert_eq!(py_int_octal("0o_7_5"), Some(0o75));
        assert_eq!(py_int_octal("0o8"), None);
    }
}
