//! How the SDK's client writes paths and query values, so that the native handler sends the
//! same bytes.
//!
//! The SDK builds most paths with f-strings that httpx then percent-encodes (`segment`), and a
//! few with `urllib.parse.quote(value, safe='')` (`quote_all`: task state store keys, DAG ids
//! of `GET /dags/{dag_id}`). Date-times in query strings are Python's `isoformat()`
//! (`isoformat`), not the `Z` spelling the JSON bodies use.

use std::fmt::Write as _;

use airflow_comms::AwareDateTime;

/// A path segment as httpx writes a value interpolated into a request path: RFC 3986's
/// unreserved characters, the sub-delimiters, `:`, `@`, `/`, `%`, `[`, `]` and `|` as they are;
/// anything else percent-encoded as UTF-8.
///
/// Departures from httpx, each deliberate: `?` and `#` (which httpx takes for the start of the
/// query or fragment, cutting the value and sending the request to another resource) and ASCII
/// control characters (which httpx refuses) are percent-encoded; `\` and `^` are
/// percent-encoded because the URL parser under reqwest would otherwise turn `\` into `/` and
/// always escapes `^` in a path (the server decodes `%5E` and `^` alike).
pub(crate) fn segment(text: &str) -> String {
    encode(text, |b| {
        b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%[]|".contains(&b)
    })
}

/// `urllib.parse.quote(text, safe='')`: everything but `A-Z a-z 0-9 _ . - ~` percent-encoded.
pub(crate) fn quote_all(text: &str) -> String {
    encode(text, |b| b.is_ascii_alphanumeric() || b"_.-~".contains(&b))
}

fn encode(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if keep(byte) {
            out.push(byte as char);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A date-time as Python's `datetime.isoformat()` writes it: microseconds only when not zero,
/// the offset as `+HH:MM` (`+00:00` for UTC, never `Z`), with seconds when it has some.
pub(crate) fn isoformat(value: &AwareDateTime) -> String {
    let at: chrono::DateTime<chrono::FixedOffset> = (*value).into();
    let mut out = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    let micros = at.timestamp_subsec_micros();
    if micros != 0 {
        let _ = write!(out, ".{micros:06}");
    }
    let offset = at.offset().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    let _ = write!(out, "{sign}{:02}:{:02}", offset / 3600, offset % 3600 / 60);
    if !offset.is_multiple_of(60) {
        let _ = write!(out, ":{:02}", offset % 60);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_keep_what_httpx_keeps() {
        assert_eq!(
            segment("a b/é:+@[x]|^%41\"{}`"),
            "a%20b/%C3%A9:+@[x]|%5E%41%22%7B%7D%60"
        );
        assert_eq!(segment("a?b#c\\d\t"), "a%3Fb%23c%5Cd%09");
        assert_eq!(quote_all("a b/c~d.e_f-g:h%"), "a%20b%2Fc~d.e_f-g%3Ah%25");
    }

    #[test]
    fn isoformat_writes_offsets_as_python_does() {
        let at = |s: &str| s.parse::<AwareDateTime>().unwrap();
        assert_eq!(
            isoformat(&at("2026-06-30T12:00:00Z")),
            "2026-06-30T12:00:00+00:00"
        );
        assert_eq!(
            isoformat(&at("2026-06-30T12:34:56.123456Z")),
            "2026-06-30T12:34:56.123456+00:00"
        );
        assert_eq!(
            isoformat(&at("2026-06-30T18:04:56-05:30")),
            "2026-06-30T18:04:56-05:30"
        );
    }
}
