//! A msgpack scanner: splits values off a buffer and finds a body's `type` tag without decoding
//! anything else, and without allocating. The frame codec uses it to find a body's extent and
//! the two-pass decoder to read the tag; serde then decodes the one struct the tag names.

use std::fmt;

/// What is wrong with msgpack input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanError(pub(crate) &'static str);

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

const TRUNCATED: ScanError = ScanError("the msgpack value is cut short");

fn take<'a>(input: &mut &'a [u8], n: usize) -> Result<&'a [u8], ScanError> {
    if input.len() < n {
        return Err(TRUNCATED);
    }
    let (head, tail) = input.split_at(n);
    *input = tail;
    Ok(head)
}

fn length(input: &mut &[u8], width: usize) -> Result<usize, ScanError> {
    let bytes = take(input, width)?;
    Ok(bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b)))
}

/// A string's bytes, checked to be UTF-8 (msgspec refuses anything else).
fn utf8<'a>(input: &mut &'a [u8], len: usize) -> Result<&'a str, ScanError> {
    std::str::from_utf8(take(input, len)?).map_err(|_| ScanError("a msgpack string is not UTF-8"))
}

/// The length of a string whose marker is `marker`, or `None` when it is no string marker.
fn str_len(marker: u8, input: &mut &[u8]) -> Result<Option<usize>, ScanError> {
    Ok(Some(match marker {
        0xa0..=0xbf => usize::from(marker & 0x1f),
        0xd9 => length(input, 1)?,
        0xda => length(input, 2)?,
        0xdb => length(input, 4)?,
        _ => return Ok(None),
    }))
}

/// The deepest nesting of arrays and maps accepted in a value: the same as serde_json's limit
/// for JSON text, so that both wire formats refuse the same documents (and no decoder that
/// recurses can be driven into a stack overflow).
pub(crate) const MAX_NESTING: usize = 128;

/// Splits one well-formed msgpack value off the front of `input`. Iterative, with nesting
/// limited to [`MAX_NESTING`]; a count larger than the bytes left is refused at once. Strings
/// are checked to be UTF-8 when `check_utf8` is set (a caller that decodes the value later may
/// leave it to that).
pub(crate) fn split_value<'a>(
    input: &mut &'a [u8],
    check_utf8: bool,
) -> Result<&'a [u8], ScanError> {
    let start = *input;
    // Items still to read at each open level; the outermost level holds the one value.
    let mut pending = [0usize; MAX_NESTING + 1];
    pending[0] = 1;
    let mut depth = 0;
    loop {
        while pending[depth] == 0 {
            if depth == 0 {
                return Ok(&start[..start.len() - input.len()]);
            }
            depth -= 1;
        }
        pending[depth] -= 1;
        let marker = take(input, 1)?[0];
        let nested = match marker {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => 0,
            0x80..=0x8f => 2 * usize::from(marker & 0x0f),
            0x90..=0x9f => usize::from(marker & 0x0f),
            0xa0..=0xbf | 0xd9..=0xdb => {
                let len = str_len(marker, input)?.expect("a string marker");
                if check_utf8 {
                    utf8(input, len)?;
                } else {
                    take(input, len)?;
                }
                0
            }
            0xc4..=0xc6 => {
                let len = length(input, 1 << (marker - 0xc4))?;
                take(input, len)?;
                0
            }
            0xc7..=0xc9 => {
                let len = length(input, 1 << (marker - 0xc7))?;
                take(input, 1 + len)?;
                0
            }
            0xca => take(input, 4).map(|_| 0)?,
            0xcb => take(input, 8).map(|_| 0)?,
            0xcc..=0xcf => take(input, 1 << (marker - 0xcc)).map(|_| 0)?,
            0xd0..=0xd3 => take(input, 1 << (marker - 0xd0)).map(|_| 0)?,
            0xd4..=0xd8 => take(input, 1 + (1 << (marker - 0xd4))).map(|_| 0)?,
            0xdc => length(input, 2)?,
            0xdd => length(input, 4)?,
            0xde => 2 * length(input, 2)?,
            0xdf => 2 * length(input, 4)?,
            0xc1 => return Err(ScanError("0xc1 is not a msgpack value")),
        };
        let is_container = matches!(marker, 0x80..=0x9f | 0xdc..=0xdf);
        if is_container {
            // Every value takes a byte at least: more values than bytes left cannot be.
            if nested > input.len() {
                return Err(TRUNCATED);
            }
            if depth == MAX_NESTING {
                return Err(ScanError(
                    "the msgpack value is nested more than 128 levels deep",
                ));
            }
            depth += 1;
            pending[depth] = nested;
        }
    }
}

/// What the `type` key of a body map holds.
pub(crate) enum Tag<'a> {
    /// A string.
    Str(&'a str),
    /// Something else, described.
    Other(&'static str),
    /// No `type` key.
    Missing,
}

/// What a body is: a map with its tag, or something else (described).
pub(crate) enum Body<'a> {
    Map(Tag<'a>),
    NotAMap(&'static str),
}

fn describe(marker: u8) -> &'static str {
    match marker {
        0x00..=0x7f | 0xe0..=0xff | 0xcc..=0xd3 => "an integer",
        0xc0 => "nil",
        0xc2 | 0xc3 => "a boolean",
        0xca | 0xcb => "a number",
        0xa0..=0xbf | 0xd9..=0xdb => "a string",
        0x90..=0x9f | 0xdc | 0xdd => "an array",
        0x80..=0x8f | 0xde | 0xdf => "a map",
        0xc4..=0xc6 => "bytes",
        _ => "a msgpack extension value",
    }
}

/// Reads a body's `type` tag and checks that the whole body is well-formed msgpack that fills
/// `body` exactly; keys of the top-level map must be strings, as msgspec requires.
pub(crate) fn scan_body(body: &[u8]) -> Result<Body<'_>, ScanError> {
    let mut input = body;
    let marker = *input.first().ok_or(TRUNCATED)?;
    let entries = match marker {
        0x80..=0x8f => {
            input = &input[1..];
            usize::from(marker & 0x0f)
        }
        0xde | 0xdf => {
            input = &input[1..];
            length(&mut input, if marker == 0xde { 2 } else { 4 })?
        }
        _ => {
            split_value(&mut input, true)?;
            return if input.is_empty() {
                Ok(Body::NotAMap(describe(marker)))
            } else {
                Err(TRAILING)
            };
        }
    };
    let mut tag = Tag::Missing;
    for _ in 0..entries {
        let key_marker = take(&mut input, 1)?[0];
        let key_len = str_len(key_marker, &mut input)?
            .ok_or(ScanError("a key of the message is not a string"))?;
        let key = utf8(&mut input, key_len)?;
        if key == "type" {
            let value = split_value(&mut input, true)?;
            let mut rest = &value[1..];
            tag = match str_len(value[0], &mut rest)? {
                Some(len) => Tag::Str(utf8(&mut rest, len)?),
                None => Tag::Other(describe(value[0])),
            };
        } else {
            split_value(&mut input, true)?;
        }
    }
    if input.is_empty() {
        Ok(Body::Map(tag))
    } else {
        Err(TRAILING)
    }
}

const TRAILING: ScanError = ScanError("bytes trail the message");

#[cfg(test)]
mod tests {
    use super::*;

    fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
        rmp_serde::to_vec_named(value).unwrap()
    }

    #[test]
    fn splits_values_of_every_kind() {
        let value =
            serde_json::json!({"a": [1, -1, 300, -300, 1.5, null, true, "x", {"b": []}], "c": "ü"});
        let mut bytes = encode(&value);
        bytes.extend([0xc0]);
        let mut input = &bytes[..];
        let first = split_value(&mut input, true).unwrap();
        assert_eq!(first.len(), bytes.len() - 1);
        assert_eq!(input, [0xc0]);
        assert!(
            split_value(&mut &[0x92, 0x01][..], true).is_err(),
            "cut short"
        );
        assert!(
            split_value(&mut &[0xdd, 0xff, 0xff, 0xff, 0xff][..], true).is_err(),
            "a hostile count"
        );
        assert!(
            split_value(&mut &[0xa1, 0xff][..], true).is_err(),
            "not UTF-8"
        );
    }

    #[test]
    fn finds_the_tag_anywhere_in_the_map() {
        let body = encode(&serde_json::json!({"conn_id": "db", "type": "GetConnection"}));
        assert!(matches!(
            scan_body(&body),
            Ok(Body::Map(Tag::Str("GetConnection")))
        ));
        let body = encode(&serde_json::json!({"type": 5}));
        assert!(matches!(
            scan_body(&body),
            Ok(Body::Map(Tag::Other("an integer")))
        ));
        let body = encode(&serde_json::json!([1]));
        assert!(matches!(scan_body(&body), Ok(Body::NotAMap("an array"))));
        assert!(matches!(
            scan_body(&encode(&serde_json::json!({}))),
            Ok(Body::Map(Tag::Missing))
        ));
    }
}
