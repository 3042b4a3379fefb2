//! A msgpack scanner: splits values off a buffer and finds a body's `type` tag without decoding
//! anything else, and without allocating. The frame codec uses it to find the extent of frame
//! elements, and the decoder to read a body's tag when the body did not decode without a scan
//! ([`speculate`](crate::codec::speculate)); serde then decodes the one struct the tag names. Its
//! checks are the reference the deserializer (`msgpack_de`) keeps to.

use std::fmt;

use crate::codec::limits::Limits;

/// What is wrong with msgpack input. Built without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// Not well-formed msgpack (or not what msgspec accepts), described.
    Invalid(&'static str),
    /// Arrays and maps nest deeper than the limit.
    TooDeep(usize),
    /// A string longer than the limit.
    StringTooLong { len: usize, max: usize },
    /// An array or map with more items than the limit.
    CollectionTooLong { len: usize, max: usize },
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(what) => f.write_str(what),
            Self::TooDeep(max) => write!(f, "the value is nested more than {max} levels deep"),
            Self::StringTooLong { len, max } => {
                write!(
                    f,
                    "a string of {len} bytes exceeds the limit of {max} bytes"
                )
            }
            Self::CollectionTooLong { len, max } => {
                write!(
                    f,
                    "a collection of {len} items exceeds the limit of {max} items"
                )
            }
        }
    }
}

/// The refusals every msgpack reader of the crate makes, with their one wording: the scanner
/// (here), the body deserializer (`msgpack_de`), the `JsonValue` transcoder (`msgpack_json`) and
/// the `AnyValue` reader (`msgpack_any`). Each reader tests for them in its own loop (the hot
/// paths differ), and each words them from this table, so a refusal reads the same whichever
/// reader met it, and its wording is one edit.
pub(crate) mod refusal {
    /// The input ends inside a value.
    pub(crate) const CUT_SHORT: &str = "the msgpack value is cut short";
    /// A string whose bytes are not UTF-8 (msgspec refuses it).
    pub(crate) const NOT_UTF8: &str = "a msgpack string is not UTF-8";
    /// The one marker byte msgpack never uses.
    pub(crate) const NEVER_USED: &str = "0xc1 is not a msgpack value";
    /// A timestamp extension value msgspec refuses.
    pub(crate) const BAD_TIMESTAMP: &str =
        "a msgpack timestamp outside the years 1 to 9999, or malformed";
}

const TRUNCATED: ScanError = ScanError::Invalid(refusal::CUT_SHORT);
pub(crate) const KEY_NOT_A_STRING: ScanError =
    ScanError::Invalid("a key of the message is not a string");

impl ScanError {
    /// Whether the error is in the body's content (a string that is not UTF-8, a key that is not
    /// a string) rather than in the msgpack structure or a limit: such a body is refused as a
    /// message, while the frame around it stays readable.
    pub(crate) fn is_in_content(&self) -> bool {
        *self == NOT_UTF8 || *self == KEY_NOT_A_STRING || *self == BIN_IN_BODY
    }
}

#[inline]
fn take<'a>(input: &mut &'a [u8], n: usize) -> Result<&'a [u8], ScanError> {
    if input.len() < n {
        return Err(TRUNCATED);
    }
    let (head, tail) = input.split_at(n);
    *input = tail;
    Ok(head)
}

#[inline]
fn length(input: &mut &[u8], width: usize) -> Result<usize, ScanError> {
    let bytes = take(input, width)?;
    Ok(bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b)))
}

const NOT_UTF8: ScanError = ScanError::Invalid(refusal::NOT_UTF8);

/// A string's bytes, checked to be UTF-8 (msgspec refuses anything else).
#[inline(always)]
fn utf8<'a>(input: &mut &'a [u8], len: usize) -> Result<&'a str, ScanError> {
    crate::value::as_utf8(take(input, len)?).ok_or(NOT_UTF8)
}

/// Skips a string's bytes, checking they are UTF-8.
#[inline]
fn skip_utf8(input: &mut &[u8], len: usize) -> Result<(), ScanError> {
    utf8(input, len).map(drop)
}

/// Refuses a string (or bin, or extension data) longer than the limit.
#[inline]
pub(crate) fn check_string(len: usize, limits: &Limits) -> Result<(), ScanError> {
    match limits.max_string_len() {
        max if len > max => Err(ScanError::StringTooLong { len, max }),
        _ => Ok(()),
    }
}

/// The length of a string whose marker is `marker`, or `None` when it is no string marker.
#[inline(always)]
fn str_len(marker: u8, input: &mut &[u8]) -> Result<Option<usize>, ScanError> {
    Ok(Some(match marker {
        0xa0..=0xbf => usize::from(marker & 0x1f),
        0xd9 => length(input, 1)?,
        0xda => length(input, 2)?,
        0xdb => length(input, 4)?,
        _ => return Ok(None),
    }))
}

/// Refuses an array or map of more items (entries for a map) than the limit.
#[inline]
pub(crate) fn check_collection(items: usize, limits: &Limits) -> Result<(), ScanError> {
    match limits.max_collection_len() {
        max if items > max => Err(ScanError::CollectionTooLong { len: items, max }),
        _ => Ok(()),
    }
}

/// Reads a string at the front of `input`, checked to be UTF-8; `None` (nothing read) when
/// `input` does not start with a string.
pub(crate) fn read_str<'a>(input: &mut &'a [u8]) -> Result<Option<&'a str>, ScanError> {
    let mut rest = *input;
    let Some(&marker) = rest.first() else {
        return Err(TRUNCATED);
    };
    rest = &rest[1..];
    let Some(len) = str_len(marker, &mut rest)? else {
        return Ok(None);
    };
    let text = utf8(&mut rest, len)?;
    *input = rest;
    Ok(Some(text))
}

/// Whether `input` starts with the string `"type"`, in any of msgpack's string encodings.
#[inline]
pub(crate) fn is_type_key(input: &[u8]) -> bool {
    match input {
        [0xa4, rest @ ..] => rest.starts_with(b"type"),
        [0xd9..=0xdb, ..] => {
            let mut rest = input;
            matches!(read_str(&mut rest), Ok(Some("type")))
        }
        _ => false,
    }
}

/// How much [`split_value`] checks besides the structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan {
    /// Only the structure: the value is decoded (and its strings checked) later.
    Structure,
    /// Strings must be UTF-8, as msgspec requires.
    Strings,
    /// Strings must be UTF-8, inside a message body. Bin (raw bytes) passes: an `Any`-typed
    /// field or an ignored one may hold it; the body decoder refuses it in typed fields.
    Body,
}

/// The body decoder's refusal of bin in a typed field.
pub(crate) const BIN_IN_BODY: ScanError =
    ScanError::Invalid("msgpack bin (raw bytes) where no bytes are allowed");

/// Splits one well-formed msgpack value off the front of `input`. Iterative, within `limits`:
/// `enclosing` arrays and maps already hold the value (0 for a message body), and nesting may
/// not go deeper than [`Limits::max_frame_depth`]; a count larger than the bytes left is refused at
/// once. An empty array or map adds no level (pydantic counts levels the same way). Strings are
/// checked as `scan` says.
pub(crate) fn split_value<'a>(
    input: &mut &'a [u8],
    scan: Scan,
    limits: &Limits,
    enclosing: usize,
) -> Result<&'a [u8], ScanError> {
    let start = *input;
    if enclosing > limits.max_frame_depth() {
        return Err(ScanError::TooDeep(limits.max_frame_depth()));
    }
    let nested = item(input, scan, limits)?;
    if nested == 0 {
        // A scalar or an empty container, the common case: no level bookkeeping.
        return Ok(&start[..start.len() - input.len()]);
    }
    // How many levels may open below `enclosing`: the items of a level at `depth` sit inside
    // `enclosing + depth` arrays and maps. Checked when a level opens, just before its first
    // item is read, so the refusal comes at the same byte as a check before every item would.
    let room = limits.max_frame_depth() - enclosing;
    if room == 0 {
        return Err(ScanError::TooDeep(limits.max_frame_depth()));
    }
    // Items still to read: `left` at the innermost open level (kept in a register), the counts
    // of the levels around it in `outer`, touched only when a level opens or closes.
    let mut left = nested;
    let mut outer = Levels::new();
    let mut depth = 1;
    loop {
        left -= 1;
        let nested = item(input, scan, limits)?;
        if nested > 0 {
            if depth == room {
                return Err(ScanError::TooDeep(limits.max_frame_depth()));
            }
            outer.set(depth, left);
            depth += 1;
            left = nested;
            continue;
        }
        while left == 0 {
            if depth == 1 {
                return Ok(&start[..start.len() - input.len()]);
            }
            depth -= 1;
            left = outer.get(depth);
        }
    }
}

/// Reads one item's marker and skips its payload; returns how many values it contains (keys
/// and values of a map both count), 0 for a scalar.
#[inline(always)]
pub(crate) fn item(input: &mut &[u8], scan: Scan, limits: &Limits) -> Result<usize, ScanError> {
    let marker = take(input, 1)?[0];
    let nested = match marker {
        0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => return Ok(0),
        0x80..=0x8f => 2 * usize::from(marker & 0x0f),
        0x90..=0x9f => usize::from(marker & 0x0f),
        0xa0..=0xbf | 0xd9..=0xdb => {
            let len = str_len(marker, input)?.expect("a string marker");
            check_string(len, limits)?;
            if scan != Scan::Structure {
                skip_utf8(input, len)?;
            } else {
                take(input, len)?;
            }
            return Ok(0);
        }
        0xc4..=0xc6 => {
            let len = length(input, 1 << (marker - 0xc4))?;
            check_string(len, limits)?;
            take(input, len)?;
            return Ok(0);
        }
        0xc7..=0xc9 => {
            let len = length(input, 1 << (marker - 0xc7))?;
            check_string(len, limits)?;
            return take(input, 1 + len).and_then(check_ext).map(|()| 0);
        }
        0xca => return take(input, 4).map(|_| 0),
        0xcb => return take(input, 8).map(|_| 0),
        0xcc..=0xcf => return take(input, 1 << (marker - 0xcc)).map(|_| 0),
        0xd0..=0xd3 => return take(input, 1 << (marker - 0xd0)).map(|_| 0),
        0xd4..=0xd8 => {
            return take(input, 1 + (1 << (marker - 0xd4)))
                .and_then(check_ext)
                .map(|()| 0);
        }
        0xdc => length(input, 2)?,
        0xdd => length(input, 4)?,
        0xde => 2 * length(input, 2)?,
        0xdf => 2 * length(input, 4)?,
        0xc1 => return Err(ScanError::Invalid(refusal::NEVER_USED)),
    };
    // A container. Every value takes a byte at least: more values than bytes left cannot be.
    if nested > input.len() {
        return Err(TRUNCATED);
    }
    let items = if marker & 0xf0 == 0x80 || marker >= 0xde {
        nested / 2
    } else {
        nested
    };
    check_collection(items, limits)?;
    Ok(nested)
}

/// Checks an extension value (type byte, then data): a timestamp (type -1) must be one msgspec
/// can decode, wherever it is, as msgspec refuses the whole frame otherwise.
#[inline]
pub(crate) fn check_ext(ext: &[u8]) -> Result<(), ScanError> {
    match ext.split_first() {
        Some((0xff, data)) if crate::value::ext::decode_timestamp(data).is_none() => {
            Err(ScanError::Invalid(refusal::BAD_TIMESTAMP))
        }
        _ => Ok(()),
    }
}

/// The item counts [`split_value`] keeps for the levels around the innermost one: a few levels
/// inline (most values nest a little), deeper ones on the heap. A stack array sized for the
/// deepest nesting allowed would have to be zeroed on every call, which cost more than the scan
/// itself.
struct Levels {
    inline: [usize; Self::INLINE],
    deeper: Vec<usize>,
}

impl Levels {
    const INLINE: usize = 16;

    fn new() -> Self {
        Self {
            inline: [0; Self::INLINE],
            deeper: Vec::new(),
        }
    }

    fn get(&self, depth: usize) -> usize {
        match depth.checked_sub(Self::INLINE) {
            None => self.inline[depth],
            Some(i) => self.deeper[i],
        }
    }

    /// Sets the count of level `depth`, at most one below the deepest level set so far.
    fn set(&mut self, depth: usize, items: usize) {
        match depth.checked_sub(Self::INLINE) {
            None => self.inline[depth] = items,
            Some(i) if i < self.deeper.len() => self.deeper[i] = items,
            Some(_) => self.deeper.push(items),
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
/// `body` exactly, within `limits`; keys of the top-level map must be strings, as msgspec
/// requires.
pub(crate) fn scan_body<'a>(body: &'a [u8], limits: &Limits) -> Result<Body<'a>, ScanError> {
    let mut input = body;
    let (_, scanned) = split_body(&mut input, limits)?;
    if input.is_empty() {
        Ok(scanned)
    } else {
        Err(TRAILING)
    }
}

/// Splits a body off the front of `input` as [`scan_body`] checks it: one pass that finds the
/// body's extent, checks it (strings UTF-8, within `limits`) and reads its tag.
#[inline]
pub(crate) fn split_body<'a>(
    input: &mut &'a [u8],
    limits: &Limits,
) -> Result<(&'a [u8], Body<'a>), ScanError> {
    let start = *input;
    let marker = *input.first().ok_or(TRUNCATED)?;
    let entries = match marker {
        0x80..=0x8f => {
            *input = &input[1..];
            usize::from(marker & 0x0f)
        }
        0xde | 0xdf => {
            *input = &input[1..];
            length(input, if marker == 0xde { 2 } else { 4 })?
        }
        _ => {
            let value = split_value(input, Scan::Body, limits, 0)?;
            return Ok((value, Body::NotAMap(describe(marker))));
        }
    };
    check_collection(entries, limits)?;
    if limits.max_frame_depth() == 0 {
        return Err(ScanError::TooDeep(0));
    }
    let mut tag = Tag::Missing;
    for _ in 0..entries {
        let key_marker = take(input, 1)?[0];
        let key_len = str_len(key_marker, input)?.ok_or(KEY_NOT_A_STRING)?;
        check_string(key_len, limits)?;
        let key = take(input, key_len)?;
        if key == b"type" {
            if let Some(&marker @ 0xa0..=0xbf) = input.first() {
                // The tag is a short string: read it here.
                *input = &input[1..];
                let len = usize::from(marker & 0x1f);
                check_string(len, limits)?;
                tag = Tag::Str(utf8(input, len)?);
                continue;
            }
            let value = split_value(input, Scan::Body, limits, 1)?;
            tag = match read_str(&mut &value[..])? {
                Some(text) => Tag::Str(text),
                None => Tag::Other(describe(value[0])),
            };
        } else {
            crate::value::as_utf8(key).ok_or(NOT_UTF8)?;
            // Most fields hold a scalar or a short string: step over those right here.
            match input.first().copied() {
                Some(0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3) => *input = &input[1..],
                Some(marker @ 0xa0..=0xbf) => {
                    *input = &input[1..];
                    let len = usize::from(marker & 0x1f);
                    check_string(len, limits)?;
                    skip_utf8(input, len)?;
                }
                _ => {
                    split_value(input, Scan::Body, limits, 1)?;
                }
            }
        }
    }
    Ok((&start[..start.len() - input.len()], Body::Map(tag)))
}

const TRAILING: ScanError = ScanError::Invalid("bytes trail the message");

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
        let first = split_value(&mut input, Scan::Strings, &Limits::DEFAULT, 0).unwrap();
        assert_eq!(first.len(), bytes.len() - 1);
        assert_eq!(input, [0xc0]);
        assert!(
            split_value(&mut &[0x92, 0x01][..], Scan::Strings, &Limits::DEFAULT, 0).is_err(),
            "cut short"
        );
        assert!(
            split_value(
                &mut &[0xdd, 0xff, 0xff, 0xff, 0xff][..],
                Scan::Strings,
                &Limits::DEFAULT,
                0
            )
            .is_err(),
            "a hostile count"
        );
        assert!(
            split_value(&mut &[0xa1, 0xff][..], Scan::Strings, &Limits::DEFAULT, 0).is_err(),
            "not UTF-8"
        );
    }

    #[test]
    fn finds_the_tag_anywhere_in_the_map() {
        let body = encode(&serde_json::json!({"conn_id": "db", "type": "GetConnection"}));
        assert!(matches!(
            scan_body(&body, &Limits::DEFAULT),
            Ok(Body::Map(Tag::Str("GetConnection")))
        ));
        let body = encode(&serde_json::json!({"type": 5}));
        assert!(matches!(
            scan_body(&body, &Limits::DEFAULT),
            Ok(Body::Map(Tag::Other("an integer")))
        ));
        let body = encode(&serde_json::json!([1]));
        assert!(matches!(
            scan_body(&body, &Limits::DEFAULT),
            Ok(Body::NotAMap("an array"))
        ));
        assert!(matches!(
            scan_body(&encode(&serde_json::json!({})), &Limits::DEFAULT),
            Ok(Body::Map(Tag::Missing))
        ));
    }
}
