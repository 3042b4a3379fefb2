//! Transcoding a msgpack value straight to the JSON text a [`JsonValue`] keeps, in one pass,
//! byte for byte as serde_json writes the same value. The body decoder hands the result to the
//! value (`hand_over_to`).

use std::fmt;

use serde_json::value::RawValue;

use crate::codec::limits::Limits;
use crate::codec::msgpack::{ScanError, refusal};
use crate::value::refusal as value_refusal;
use crate::value::{JsonValue, SHORT, as_utf8, is_plain, write_escaped};

impl JsonValue {
    /// [`JsonValue::from_msgpack_prefix`] for an input that holds one msgpack value and nothing
    /// after it.
    #[cfg(test)]
    pub(crate) fn from_msgpack(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        let mut rest = bytes;
        let limits = Limits::DEFAULT
            .with_max_depth(Limits::MAX_DEPTH_CEILING)
            .with_max_value_depth(Limits::MAX_DEPTH_CEILING);
        let value = Self::from_msgpack_prefix(&mut rest, &limits, 0)?;
        if !rest.is_empty() {
            return Err(serde::ser::Error::custom("bytes trail the msgpack value"));
        }
        Ok(value)
    }

    /// Transcodes the msgpack value at the front of `input` to JSON text in a single pass, byte
    /// for byte as serde_json writes the same value (see [`write_msgpack_as_json`]), and steps
    /// `input` past it; the text is kept without being parsed again. Refused as pydantic's
    /// `JsonValue` refuses them: raw bytes, extension values (timestamps), NaN and infinities,
    /// non-string map keys. Refused beyond `limits`: the value sits inside `enclosing` arrays
    /// and maps, and its own non-empty ones may not take the nesting past
    /// [`Limits::max_frame_depth`] (as the body scan refuses it) nor number more than
    /// [`Limits::max_value_depth`] (as pydantic's recursion guard refuses it); no string or
    /// collection may be longer than allowed.
    pub(crate) fn from_msgpack_prefix(
        input: &mut &[u8],
        limits: &Limits,
        enclosing: usize,
    ) -> Result<Self, serde_json::Error> {
        // How many more non-empty arrays and maps may open, and the limit that says so.
        let frame_room = limits.max_frame_depth().saturating_sub(enclosing);
        let (room, depth_limit) = if limits.max_value_depth() < frame_room {
            (limits.max_value_depth(), limits.max_value_depth())
        } else {
            (frame_room, limits.max_frame_depth())
        };
        let bounds = Bounds {
            room,
            depth_limit,
            max_string: limits.max_string_len(),
            max_items: limits.max_collection_len(),
            bin_keys: limits.lax(),
        };
        let mut rest = *input;
        // The text is rarely shorter than the msgpack it comes from, but `rest` may hold much
        // more than this value: a capped first guess, grown as needed.
        let mut out = Vec::with_capacity(rest.len().min(TEXT_FIRST_CAPACITY));
        write_msgpack_as_json(&mut rest, &mut out, &bounds).map_err(serde::ser::Error::custom)?;
        // Checked although the writer copies only checked strings: cheap next to the transcode.
        let text = String::from_utf8(out).map_err(serde::ser::Error::custom)?;
        // Parsing the text again (`RawValue::from_string`) would cost more than writing it did.
        // SAFETY: `from_string_unchecked` asks for one well-formed JSON value without whitespace
        // around it. `write_msgpack_as_json` (below, in this module) returned `Ok`, and it writes
        // only JSON tokens with no whitespace: `null`, `true`, `false`, decimal integers, finite
        // floats formatted by serde_json, string literals quoted and escaped as serde_json
        // escapes them (`write_string`, `write_escaped`), and the brackets, commas and colons its
        // stack of open arrays and maps calls for; it returns `Ok` only when that stack is
        // empty, after exactly one complete value. (serde_json re-parses the text under a debug
        // assertion, so every debug-build test checks this too.)
        let raw = unsafe { RawValue::from_string_unchecked(text) };
        *input = rest;
        Ok(Self::from_raw(raw))
    }
}

/// The most [`JsonValue::from_msgpack_prefix`] reserves before it knows how long the text is.
const TEXT_FIRST_CAPACITY: usize = 64 << 10;

/// Why a msgpack value has no JSON text. Callers pass the message on (as a `serde_json::Error`);
/// the tests pin each one. The wording comes from the msgpack readers' table
/// ([`refusal`](crate::codec::msgpack::refusal)) and the `JsonValue` one
/// ([`value::refusal`](crate::value::refusal)), shared with the other readers.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    CutShort,
    NotUtf8,
    KeyNotString,
    Bytes,
    Extension,
    NotAValue,
    NotFinite(f64),
    /// Beyond a bound of the [`Limits`], worded as every msgpack reader words it.
    Limit(ScanError),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CutShort => f.write_str(refusal::CUT_SHORT),
            Self::NotUtf8 => f.write_str(refusal::NOT_UTF8),
            Self::KeyNotString => f.write_str("a key of a JSON object must be a string"),
            // serde's `invalid type` form, as `FromAny` words it.
            Self::Bytes => write!(
                f,
                "invalid type: byte array, expected {}",
                value_refusal::BYTES_EXPECTED
            ),
            Self::Extension => f.write_str(value_refusal::EXTENSION),
            Self::NotAValue => f.write_str(refusal::NEVER_USED),
            Self::Limit(limit) => limit.fmt(f),
            // serde's `invalid value` form, as `FromAny` words it.
            Self::NotFinite(v) => write!(
                f,
                "invalid value: floating point `{v}`, expected {}",
                value_refusal::FINITE_EXPECTED
            ),
        }
    }
}

/// What [`write_msgpack_as_json`] may accept: how many non-empty arrays and maps may open (and
/// the depth limit to name when one more would), and the longest string and collection (in
/// items).
struct Bounds {
    room: usize,
    depth_limit: usize,
    max_string: usize,
    max_items: usize,
    /// Lax mode: a map key that is bin holding UTF-8 is that text (`map-key-from-bytes`).
    bin_keys: bool,
}

/// An array or map [`write_msgpack_as_json`] has opened: how many of its items are not yet
/// complete (the one being written included), and whether they are the entries of a map.
struct Open {
    left: u32,
    map: bool,
}

/// Writes the msgpack value at the front of `input` as compact JSON text into `out`, exactly as
/// serde_json's compact serializer writes it, and steps `input` past it.
///
/// One loop with its own stack of open containers: no call per item, and nesting (bounded by
/// `bounds`, so by [`Limits::MAX_DEPTH_CEILING`]) costs no machine stack. A container's count is
/// not trusted for anything but the loop: items are read until it is met or the input runs out.
fn write_msgpack_as_json(
    input: &mut &[u8],
    out: &mut Vec<u8>,
    bounds: &Bounds,
) -> Result<(), Refusal> {
    let mut open: Vec<Open> = Vec::new();
    let available = input.len();
    // Below this much room, `reserve_for_rest` looks again (see there).
    let mut low_water = SLACK;
    loop {
        let marker = take_byte(input)?;
        match marker {
            0x00..=0x7f => write_integer(out, marker),
            0xe0..=0xff => write_integer(out, marker as i8),
            0xc0 => out.extend_from_slice(b"null"),
            0xc2 => out.extend_from_slice(b"false"),
            0xc3 => out.extend_from_slice(b"true"),
            0xcc => write_integer(out, u8::from_be_bytes(take_array(input)?)),
            0xcd => write_integer(out, u16::from_be_bytes(take_array(input)?)),
            0xce => write_integer(out, u32::from_be_bytes(take_array(input)?)),
            0xcf => write_integer(out, u64::from_be_bytes(take_array(input)?)),
            0xd0 => write_integer(out, i8::from_be_bytes(take_array(input)?)),
            0xd1 => write_integer(out, i16::from_be_bytes(take_array(input)?)),
            0xd2 => write_integer(out, i32::from_be_bytes(take_array(input)?)),
            0xd3 => write_integer(out, i64::from_be_bytes(take_array(input)?)),
            // A 32-bit float widens as msgspec widens it into a Python float.
            0xca => write_float(out, f32::from_be_bytes(take_array(input)?).into())?,
            0xcb => write_float(out, f64::from_be_bytes(take_array(input)?))?,
            0xa0..=0xbf => write_string(input, out, usize::from(marker & 0x1f), false, bounds)?,
            0xd9..=0xdb => {
                let len = take_len(input, marker - 0xd9)?;
                write_string(input, out, len, false, bounds)?;
            }
            0x90..=0x9f | 0xdc | 0xdd | 0x80..=0x8f | 0xde | 0xdf => {
                let (len, map) = match marker {
                    0x90..=0x9f => (usize::from(marker & 0x0f), false),
                    0x80..=0x8f => (usize::from(marker & 0x0f), true),
                    0xdc | 0xde => (take_len(input, 1)?, marker == 0xde),
                    _ => (take_len(input, 2)?, marker == 0xdf),
                };
                if len > bounds.max_items {
                    return Err(Refusal::Limit(ScanError::CollectionTooLong {
                        len,
                        max: bounds.max_items,
                    }));
                }
                if len == 0 {
                    out.extend_from_slice(if map { b"{}" } else { b"[]" });
                } else {
                    // Only a non-empty array or map is a level, as the body scan counts them.
                    if open.len() >= bounds.room {
                        return Err(Refusal::Limit(ScanError::TooDeep(bounds.depth_limit)));
                    }
                    out.push(if map { b'{' } else { b'[' });
                    if map {
                        write_key(input, out, bounds)?;
                    }
                    // At most `u32::MAX`: the widest count msgpack has is 32 bits.
                    open.push(Open {
                        left: len as u32,
                        map,
                    });
                    continue;
                }
            }
            0xc4..=0xc6 => return Err(Refusal::Bytes),
            0xc7..=0xc9 | 0xd4..=0xd8 => return Err(Refusal::Extension),
            0xc1 => return Err(Refusal::NotAValue),
        }
        // A value is complete: close the containers it completes, then start the next item.
        loop {
            let Some(level) = open.last_mut() else {
                return Ok(());
            };
            level.left -= 1;
            if level.left > 0 {
                // Checked between items only: no item is written into a full buffer but the
                // first of a container, or one bigger than the slack (then `Vec` doubles).
                if out.capacity() - out.len() < low_water {
                    low_water = reserve_for_rest(out, available - input.len(), input.len());
                }
                out.push(b',');
                if level.map {
                    write_key(input, out, bounds)?;
                }
                break;
            }
            out.push(if level.map { b'}' } else { b']' });
            open.pop();
        }
    }
}

/// How little room [`write_msgpack_as_json`] lets `out` run down to before it reserves more.
const SLACK: usize = 4 << 10;

/// Reserves room for the rest of a value from how its first part went: as many text bytes per
/// msgpack byte as so far, for each of the `left` input bytes (the value may end sooner), and a
/// sixteenth more. One reservation of about the final size, rather than doubling from a small
/// one, copies the text about once and does not hold twice its size at the end (a 16 MiB frame
/// peaked at 2.47 times its size with doubling, 1.33 times with this).
///
/// Returns the room below which to look again: [`SLACK`] after reserving the estimate and the
/// slack on top (only a short estimate runs it down again), none when the estimate fits in the
/// room there is (`Vec` doubles if it was short). At least a quarter of the capacity is added,
/// so a value whose later part writes more text per byte than its first is still reallocated
/// only a logarithmic number of times.
#[cold]
#[inline(never)]
fn reserve_for_rest(out: &mut Vec<u8>, read: usize, left: usize) -> usize {
    let per_read_byte = out.len() as f64 / read.max(1) as f64;
    // A float: the product of two lengths may not fit in `usize` (it saturates back to one).
    let estimate = (left as f64 * per_read_byte * (17.0 / 16.0)) as usize;
    if estimate <= out.capacity() - out.len() {
        return 0;
    }
    out.reserve_exact(estimate.max(out.capacity() / 4).saturating_add(SLACK));
    SLACK
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Result<&'a [u8], Refusal> {
    let (head, tail) = input.split_at_checked(n).ok_or(Refusal::CutShort)?;
    *input = tail;
    Ok(head)
}

fn take_byte(input: &mut &[u8]) -> Result<u8, Refusal> {
    let (&first, tail) = input.split_first().ok_or(Refusal::CutShort)?;
    *input = tail;
    Ok(first)
}

fn take_array<const N: usize>(input: &mut &[u8]) -> Result<[u8; N], Refusal> {
    let (head, tail) = input.split_first_chunk::<N>().ok_or(Refusal::CutShort)?;
    *input = tail;
    Ok(*head)
}

/// A big-endian length of 1, 2 or 4 bytes (`log_width` 0, 1 or 2).
fn take_len(input: &mut &[u8], log_width: u8) -> Result<usize, Refusal> {
    Ok(match log_width {
        0 => usize::from(u8::from_be_bytes(take_array(input)?)),
        1 => usize::from(u16::from_be_bytes(take_array(input)?)),
        _ => u32::from_be_bytes(take_array(input)?) as usize,
    })
}

/// `v` in decimal, as every JSON writer spells an integer.
#[inline(always)]
fn write_integer<T: itoa::Integer>(out: &mut Vec<u8>, v: T) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

fn write_float(out: &mut Vec<u8>, v: f64) -> Result<(), Refusal> {
    if !v.is_finite() {
        return Err(Refusal::NotFinite(v));
    }
    // serde_json's own formatting, so the digits match whichever algorithm its version uses.
    serde_json::to_writer(out, &v).expect("writing to a Vec cannot fail");
    Ok(())
}

/// An object key and its colon; the key must be a string.
#[inline(always)]
fn write_key(input: &mut &[u8], out: &mut Vec<u8>, bounds: &Bounds) -> Result<(), Refusal> {
    let marker = take_byte(input)?;
    let len = match marker {
        0xa0..=0xbf => usize::from(marker & 0x1f),
        0xd9..=0xdb => take_len(input, marker - 0xd9)?,
        0xc4..=0xc6 if bounds.bin_keys => take_len(input, marker - 0xc4)?,
        _ => return Err(Refusal::KeyNotString),
    };
    write_string(input, out, len, true, bounds)
}

/// A string of `len` bytes from `input`, which must be UTF-8, as a JSON string literal, and a
/// colon after it if it is a key.
#[inline(always)]
fn write_string(
    input: &mut &[u8],
    out: &mut Vec<u8>,
    len: usize,
    key: bool,
    bounds: &Bounds,
) -> Result<(), Refusal> {
    if len > bounds.max_string {
        return Err(Refusal::Limit(ScanError::StringTooLong {
            len,
            max: bounds.max_string,
        }));
    }
    // Most strings are short ASCII with nothing to escape: checked a word at a time and written
    // as one fixed-size block cut to length afterwards (no byte loop, no `memcpy` call, one
    // capacity check). The bytes after the string are read along, never written.
    if let Some(window) = input.first_chunk::<SHORT>()
        && is_plain(window, len)
    {
        let mut literal = [b'"'; SHORT + 3];
        literal[1..SHORT + 1].copy_from_slice(window);
        literal[len + 1] = b'"';
        literal[len + 2] = b':';
        write_cut(out, &literal, len + 2 + usize::from(key));
        *input = &input[len..];
        return Ok(());
    }
    write_any_string(take(input, len)?, out)?;
    if key {
        out.push(b':');
    }
    Ok(())
}

/// [`write_string`] for any string: checked, and escaped where it must be.
#[inline(never)]
fn write_any_string(bytes: &[u8], out: &mut Vec<u8>) -> Result<(), Refusal> {
    let text = as_utf8(bytes).ok_or(Refusal::NotUtf8)?;
    write_escaped(out, text.as_bytes());
    Ok(())
}

/// Appends the first `len` bytes of `block`: the whole fixed-size block is copied (a few vector
/// moves, where a copy of a variable length calls `memcpy`), then cut back.
#[inline(always)]
fn write_cut<const N: usize>(out: &mut Vec<u8>, block: &[u8; N], len: usize) {
    let end = out.len() + len;
    out.extend_from_slice(block);
    out.truncate(end);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[test]
    fn msgpack_round_trip_without_a_tree() {
        let text = r#"{"b":[1,-2,1.5,"x\"y",null,true],"a":{}}"#;
        let v = JsonValue::from_json_text(text).unwrap();
        let mut bytes = Vec::new();
        v.serialize(&mut rmp_serde::Serializer::new(&mut bytes))
            .unwrap();
        let back: JsonValue = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(back.as_json_text(), text);
        // Integers msgpack cannot carry are refused, not rounded into floats.
        let wide = JsonValue::from_json_text(r#"{"n":[18446744073709551616]}"#).unwrap();
        assert!(
            wide.serialize(&mut rmp_serde::Serializer::new(Vec::new()))
                .is_err()
        );
        let edge =
            JsonValue::from_json_text("[18446744073709551615,-9223372036854775808,1e300]").unwrap();
        assert!(
            edge.serialize(&mut rmp_serde::Serializer::new(Vec::new()))
                .is_ok()
        );
        // Raw bytes are not JSON.
        let bin = [0xc4, 0x01, 0x00];
        assert!(rmp_serde::from_slice::<JsonValue>(&bin).is_err());
    }

    /// The one-pass transcoder (the crate's body decoder) and the item-by-item one (any other
    /// binary deserializer, here rmp-serde) write the same text and refuse the same values.
    #[test]
    fn both_msgpack_transcoders_agree() {
        let values = [
            serde_json::json!({"b": [1, -1, 300, -300, 70000, -70000, 1.5, "x\"y\n\u{1}", null, true, false],
                "a": {}, "ü": [[], [[]]], "n": [u64::MAX, i64::MIN, 1e300, -0.0]}),
            serde_json::json!("plain"),
            serde_json::json!(12),
        ];
        for value in values {
            let bytes = rmp_serde::to_vec_named(&value).unwrap();
            let one_pass = JsonValue::from_msgpack(&bytes).unwrap();
            let item_by_item: JsonValue = rmp_serde::from_slice(&bytes).unwrap();
            assert_eq!(one_pass, item_by_item);
            assert_eq!(one_pass.to_value(), value);
        }
        // A 32-bit float widens as msgspec widens it.
        let f32_value = [0xca, 0x3f, 0x8c, 0xcc, 0xcd];
        assert_eq!(
            JsonValue::from_msgpack(&f32_value).unwrap(),
            rmp_serde::from_slice::<JsonValue>(&f32_value).unwrap()
        );
        let refused: [&[u8]; 6] = [
            &[0xc4, 0x01, 0x00],                   // bin
            &[0xd6, 0xff, 0, 0, 0, 0],             // timestamp
            &[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], // NaN
            &[0x81, 0x01, 0x02],                   // an integer key
            &[0x92, 0x01],                         // cut short
            &[0xa1, 0xff],                         // not UTF-8
        ];
        for bytes in refused {
            assert!(JsonValue::from_msgpack(bytes).is_err(), "{bytes:02x?}");
            assert!(
                rmp_serde::from_slice::<JsonValue>(bytes).is_err(),
                "{bytes:02x?}"
            );
        }
        // Trailing bytes after the value.
        assert!(JsonValue::from_msgpack(&[0x01, 0x02]).is_err());
        // Nesting beyond the ceiling is refused, not a stack overflow.
        let mut deep = vec![0x91; crate::codec::limits::Limits::MAX_DEPTH_CEILING + 1];
        deep.push(0xc0);
        let err = JsonValue::from_msgpack(&deep).unwrap_err().to_string();
        assert!(err.contains("nested more than 512 levels deep"), "{err}");
    }

    /// The transcoder refuses what the body scan refuses under the same limits, in the same
    /// words, so a value it accepts without a scan before it is one the scan would have let
    /// through.
    #[test]
    fn transcoder_keeps_to_the_limits_as_the_scan_does() {
        use crate::codec::msgpack::{Scan, split_value};
        let values = [
            serde_json::json!([[[]]]),
            serde_json::json!([[[1]]]),
            serde_json::json!({"a": {"b": {}}, "c": []}),
            serde_json::json!({"abcdef": "xyz", "k": [1, 2, 3, 4]}),
            serde_json::json!(["abcdefgh", {"abcdefgh": 1}]),
            serde_json::json!("a string of some length"),
        ];
        for value in values {
            let bytes = rmp_serde::to_vec_named(&value).unwrap();
            for depth in 1..5 {
                for max in [2, 3, 4, 8, usize::MAX] {
                    let limits = Limits::DEFAULT
                        .with_max_depth(depth)
                        .with_max_string_len(max)
                        .with_max_collection_len(max);
                    // A decoder never reads a value from deeper than the limit.
                    for enclosing in 0..=depth.min(3) {
                        let mut rest = &bytes[..];
                        let scanned = split_value(&mut rest, Scan::Body, &limits, enclosing);
                        let mut rest = &bytes[..];
                        let transcoded =
                            JsonValue::from_msgpack_prefix(&mut rest, &limits, enclosing);
                        // The same verdict, and the same words for a refusal.
                        assert_eq!(
                            scanned.map(drop).map_err(|err| err.to_string()),
                            transcoded.map(drop).map_err(|err| err.to_string()),
                            "{value} within {limits:?} inside {enclosing}"
                        );
                    }
                }
            }
        }
    }

    /// The JSON text serde_json writes for the msgpack value `bytes`, read by rmp-serde.
    fn serde_json_text(bytes: &[u8]) -> String {
        let value: serde_json::Value = rmp_serde::from_slice(bytes).unwrap();
        serde_json::to_string(&value).unwrap()
    }

    fn transcoded(bytes: &[u8]) -> String {
        JsonValue::from_msgpack(bytes)
            .unwrap_or_else(|err| panic!("{bytes:02x?}: {err}"))
            .as_json_text()
            .to_owned()
    }

    /// Strings that put every byte serde_json escapes, and some it does not, at every position of
    /// strings long and short (the escaper looks at eight bytes at a time).
    fn awkward_strings() -> Vec<String> {
        let mut specials: Vec<String> = (0u8..0x20).map(|b| char::from(b).to_string()).collect();
        specials.extend(["\"", "\\", "/", "\x7f", "é", "€", "😀", "'", " "].map(String::from));
        let mut strings = vec![String::new(), specials.concat()];
        for special in &specials {
            for len in [1, 7, 8, 9, 15, 16, 17, 40] {
                for at in 0..len {
                    let mut s: String = (0..len)
                        .map(|i| char::from(b'a' + (i % 26) as u8))
                        .collect();
                    s.replace_range(at..=at, special);
                    strings.push(s);
                }
            }
        }
        strings
    }

    /// A big value whose later parts write more text per msgpack byte than its first (plain
    /// strings, then strings of control characters, then floats), followed by bytes that are not
    /// part of it: the text is what serde_json writes, and the buffer ends well short of twice
    /// its size (doubling would leave it at 1.95 times here).
    #[test]
    fn transcoder_reserves_about_the_text_it_writes() {
        use rmp::encode as mp;
        let mut bytes = Vec::new();
        mp::write_array_len(&mut bytes, 3 * 20_000).unwrap();
        for i in 0..20_000 {
            mp::write_str(&mut bytes, &format!("plain-{i:05}")).unwrap();
        }
        for _ in 0..20_000 {
            mp::write_str(&mut bytes, "\u{1}\u{2}\u{3}\t").unwrap();
        }
        for i in 0..20_000 {
            mp::write_f64(&mut bytes, f64::from(i) / 7.0).unwrap();
        }
        let value_len = bytes.len();
        bytes.extend_from_slice(&[0xc0; 100_000]);

        let mut input = &bytes[..];
        let mut out = Vec::with_capacity(TEXT_FIRST_CAPACITY);
        let bounds = Bounds {
            room: 4,
            depth_limit: 4,
            max_string: usize::MAX,
            max_items: usize::MAX,
            bin_keys: false,
        };
        write_msgpack_as_json(&mut input, &mut out, &bounds).unwrap();
        assert_eq!(bytes.len() - input.len(), value_len);
        assert_eq!(out, serde_json_text(&bytes[..value_len]).into_bytes());
        let spare = out.capacity() - out.len();
        assert!(
            spare * 2 <= out.len(),
            "{spare} bytes spare after {} bytes of text",
            out.len()
        );
    }

    #[test]
    fn transcoder_writes_what_serde_json_writes() {
        use rmp::encode as mp;
        let mut cases: Vec<Vec<u8>> = Vec::new();
        let mut case = |write: &dyn Fn(&mut Vec<u8>)| {
            let mut bytes = Vec::new();
            write(&mut bytes);
            cases.push(bytes);
        };
        // Every integer marker, at its boundaries.
        for v in [0, 1, 127] {
            case(&|b| mp::write_pfix(b, v).unwrap());
        }
        for v in [-32, -1] {
            case(&|b| mp::write_nfix(b, v).unwrap());
        }
        for v in [0, 1, 127, 128, 255] {
            case(&|b| mp::write_u8(b, v).unwrap());
        }
        for v in [0, 255, 256, u16::MAX] {
            case(&|b| mp::write_u16(b, v).unwrap());
        }
        for v in [0, 65_536, u32::MAX] {
            case(&|b| mp::write_u32(b, v).unwrap());
        }
        for v in [0, 1 << 32, i64::MAX as u64, 1 << 63, u64::MAX] {
            case(&|b| mp::write_u64(b, v).unwrap());
        }
        for v in [i8::MIN, -33, -1, 0, i8::MAX] {
            case(&|b| mp::write_i8(b, v).unwrap());
        }
        for v in [i16::MIN, -129, -1, 0, i16::MAX] {
            case(&|b| mp::write_i16(b, v).unwrap());
        }
        for v in [i32::MIN, -32_769, 0, i32::MAX] {
            case(&|b| mp::write_i32(b, v).unwrap());
        }
        for v in [i64::MIN, i64::MIN + 1, -(1 << 32), -1, 0, i64::MAX] {
            case(&|b| mp::write_i64(b, v).unwrap());
        }
        // Floats, 32-bit ones widened.
        for v in [
            0.0,
            -0.0,
            0.1,
            1.1,
            16_777_216.0,
            f32::MIN_POSITIVE,
            1e-45,
            f32::MAX,
            f32::MIN,
        ] {
            case(&|b| mp::write_f32(b, v).unwrap());
        }
        for v in [
            0.0,
            -0.0,
            0.1,
            -12.5,
            100.0,
            1e300,
            -1e300,
            1e-300,
            5e-324,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            1e15,
            1e16,
            1e17,
            1e21,
            1e22,
            123_456_789_012_345_680.0,
            1e-6,
            1e-7,
            0.3,
            2.0 / 3.0,
            9_007_199_254_740_993.0,
        ] {
            case(&|b| mp::write_f64(b, v).unwrap());
        }
        case(&|b| mp::write_nil(b).unwrap());
        case(&|b| mp::write_bool(b, true).unwrap());
        case(&|b| mp::write_bool(b, false).unwrap());
        // Strings under every string marker, and as keys.
        for s in awkward_strings() {
            let len = s.len();
            case(&|b| mp::write_str(b, &s).unwrap());
            for head in [
                vec![0xd9, len as u8],
                vec![0xda, 0, len as u8],
                vec![0xdb, 0, 0, 0, len as u8],
            ] {
                case(&|b| {
                    b.extend_from_slice(&head);
                    b.extend_from_slice(s.as_bytes());
                });
                case(&|b| {
                    mp::write_map_len(b, 2).unwrap();
                    b.extend_from_slice(&head);
                    b.extend_from_slice(s.as_bytes());
                    mp::write_str(b, &s).unwrap();
                    mp::write_str(b, "k").unwrap();
                    mp::write_array_len(b, 1).unwrap();
                    b.extend_from_slice(&head);
                    b.extend_from_slice(s.as_bytes());
                });
            }
        }
        // Containers under every container marker, empty and nested.
        for (array, map) in [
            (vec![0x90], vec![0x80]),
            (vec![0xdc, 0, 0], vec![0xde, 0, 0]),
            (vec![0xdd, 0, 0, 0, 0], vec![0xdf, 0, 0, 0, 0]),
        ] {
            case(&|b| b.extend_from_slice(&array));
            case(&|b| b.extend_from_slice(&map));
            case(&|b| {
                mp::write_array_len(b, 3).unwrap();
                b.extend_from_slice(&array);
                b.extend_from_slice(&map);
                mp::write_map_len(b, 2).unwrap();
                mp::write_str(b, "").unwrap();
                b.extend_from_slice(&map);
                mp::write_str(b, "a").unwrap();
                b.extend_from_slice(&array);
            });
        }
        let tree = serde_json::json!({
            "rows": [{"id": 1, "name": "ünï \"x\"", "score": -0.875, "tags": ["a", "b\n"], "none": null},
                     {"id": -70000, "deep": [[[[{"k": [true, false, {}]}]]]], "big": u64::MAX}],
            "": [], "😀": {"": ""},
        });
        case(&|b| b.extend_from_slice(&rmp_serde::to_vec_named(&tree).unwrap()));
        for bytes in &cases {
            assert_eq!(transcoded(bytes), serde_json_text(bytes), "{bytes:02x?}");
        }
        // The value is stepped past, not what follows it.
        let mut input: &[u8] = &[0x92, 0x01, 0xa1, b'x', 0xc3];
        let value = JsonValue::from_msgpack_prefix(&mut input, &Limits::DEFAULT, 0).unwrap();
        assert_eq!((value.as_json_text(), input), (r#"[1,"x"]"#, &[0xc3][..]));
    }

    /// A `JsonValue` read by serde from any other deserializer (`value::FromAny`) words the
    /// refusals it shares with the transcoder as the transcoder does: both take their wording from
    /// `value::refusal`.
    #[test]
    fn the_serde_path_words_shared_refusals_as_the_transcoder_does() {
        use serde::Deserialize;
        use serde::de::value::{BytesDeserializer, Error, F64Deserializer};
        let transcoded = |bytes: &[u8]| JsonValue::from_msgpack(bytes).unwrap_err().to_string();
        let bytes = JsonValue::deserialize(BytesDeserializer::<Error>::new(&[0])).unwrap_err();
        assert_eq!(bytes.to_string(), transcoded(&[0xc4, 0x01, 0x00]));
        for (v, msgpack) in [
            (f64::NAN, [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]),
            (f64::INFINITY, [0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0]),
            (f64::NEG_INFINITY, [0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0]),
        ] {
            let err = JsonValue::deserialize(F64Deserializer::<Error>::new(v)).unwrap_err();
            assert_eq!(err.to_string(), transcoded(&msgpack), "{v}");
        }
    }

    #[test]
    fn transcoder_refusals_say_what_was_wrong() {
        const BYTES: &str =
            "invalid type: byte array, expected a JSON value (raw bytes are not JSON)";
        const EXT: &str =
            "expected a JSON value, found a msgpack extension value (such as a timestamp)";
        const SHORT: &str = "the msgpack value is cut short";
        const NOT_UTF8: &str = "a msgpack string is not UTF-8";
        const KEY: &str = "a key of a JSON object must be a string";
        let nan = "invalid value: floating point `NaN`, expected a finite number";
        let inf = "invalid value: floating point `inf`, expected a finite number";
        let minus_inf = "invalid value: floating point `-inf`, expected a finite number";
        let refused: &[(&[u8], &str)] = &[
            (&[0xc4, 0x01, 0x00], BYTES),
            (&[0xc5, 0x00, 0x01, 0x00], BYTES),
            (&[0x91, 0xc6, 0, 0, 0, 0x01, 0x00], BYTES),
            (&[0xd4, 0x01, 0x00], EXT),
            (&[0xd6, 0xff, 0, 0, 0, 0], EXT),
            (&[0xd8, 0x01], EXT),
            (&[0xc7, 0x01, 0x05, 0x00], EXT),
            (&[0x81, 0xa1, b'k', 0xc9], EXT),
            (&[0xc1], "0xc1 is not a msgpack value"),
            (&[0xa1, 0xff], NOT_UTF8),
            (&[0xd9, 0x02, 0xc3, 0x28], NOT_UTF8),
            (&[0x81, 0xa1, 0x80, 0xc0], NOT_UTF8),
            (&[0xa3, 0xed, 0xa0, 0x80], NOT_UTF8), // an encoded surrogate
            (&[0x81, 0x01, 0x02], KEY),
            (&[0x81, 0xc0, 0x02], KEY),
            (&[0x82, 0xa1, b'k', 0x01, 0x90, 0x02], KEY),
            (&[0x81, 0xc4, 0x01, 0x00, 0x02], KEY),
            (&[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], nan),
            (&[0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0], inf),
            (&[0x91, 0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0], minus_inf),
            (&[0xca, 0x7f, 0xc0, 0, 0], nan),
            (&[0xca, 0xff, 0x80, 0, 0], minus_inf),
            (&[], SHORT),
            (&[0xdb, 0xff, 0xff, 0xff, 0xff, b'a'], SHORT),
            (&[0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0], SHORT),
            (&[0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, b'k', 0xc0], SHORT),
            (&[0x81, 0xdb, 0xff, 0xff, 0xff, 0xff], SHORT),
        ];
        for &(bytes, expected) in refused {
            let err = JsonValue::from_msgpack(bytes).unwrap_err().to_string();
            assert_eq!(err, expected, "{bytes:02x?}");
        }
        // Every value cut anywhere is cut short.
        let whole = rmp_serde::to_vec_named(&serde_json::json!(
            {"a": [1, -300, 70000, u64::MAX, i64::MIN, 1.5, "x\"y", null, true], "é": {"k": []}}
        ))
        .unwrap();
        for end in 0..whole.len() {
            let err = JsonValue::from_msgpack(&whole[..end])
                .unwrap_err()
                .to_string();
            assert_eq!(err, SHORT, "cut at {end}");
        }
        let err = JsonValue::from_msgpack(&[0x01, 0x02])
            .unwrap_err()
            .to_string();
        assert_eq!(err, "bytes trail the msgpack value");
        // Nesting: up to the limit, not beyond, whatever the containers (an empty one is no
        // level, as the body scan counts them).
        // (Too deep for a serde_json::Value on a test thread's stack: the text is spelled out.)
        let ceiling = crate::codec::limits::Limits::MAX_DEPTH_CEILING;
        let kinds: [(u8, &[u8], &str, &str, &str); 3] = [
            (0x91, &[0xc0], "[", "null", "]"),
            (0x91, &[0x90], "[", "[]", "]"),
            (0x81, &[0x80], "{\"k\":", "{}", "}"),
        ];
        for (open, innermost, open_text, innermost_text, close_text) in kinds {
            // `levels` containers around the innermost value.
            let nested = |levels: usize| {
                let mut bytes = Vec::new();
                for _ in 0..levels {
                    bytes.push(open);
                    if open == 0x81 {
                        bytes.extend_from_slice(&[0xa1, b'k']);
                    }
                }
                bytes.extend_from_slice(innermost);
                bytes
            };
            let levels = ceiling;
            let text = [
                open_text.repeat(levels),
                innermost_text.into(),
                close_text.repeat(levels),
            ];
            assert_eq!(transcoded(&nested(levels)), text.concat());
            let err = JsonValue::from_msgpack(&nested(levels + 1))
                .unwrap_err()
                .to_string();
            assert_eq!(
                err,
                format!("the value is nested more than {ceiling} levels deep")
            );
        }
    }

    /// A JSON value of any shape, with awkward strings and numbers of every kind.
    fn any_json() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let text = prop::collection::vec(
            prop_oneof![
                any::<char>(),
                prop::char::range('\0', '\x7f'),
                Just('"'),
                Just('\\')
            ],
            0..24,
        )
        .prop_map(String::from_iter);
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<u64>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |v| v.is_finite())
                .prop_map(serde_json::Value::from),
            text.clone().prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(6, 64, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::from),
                prop::collection::vec((text.clone(), inner), 0..8)
                    .prop_map(|entries| serde_json::Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn transcodes_any_value_as_serde_json_writes_it(value in any_json()) {
            let bytes = rmp_serde::to_vec(&value).unwrap();
            proptest::prop_assert_eq!(transcoded(&bytes), serde_json::to_string(&value).unwrap());
        }

        /// Written as msgpack, a value's text gives the bytes rmp-serde writes for the parsed
        /// value, spaced out or not (every container's count comes from the text).
        #[test]
        fn writes_any_value_as_msgpack_as_rmp_serde_writes_it(value in any_json()) {
            let expected = rmp_serde::to_vec(&value).unwrap();
            let compact = JsonValue::from(&value);
            proptest::prop_assert_eq!(rmp_serde::to_vec(&compact).unwrap(), expected.clone());
            let spaced = serde_json::to_string_pretty(&value).unwrap();
            let spaced = JsonValue::from_json_text(spaced).unwrap();
            proptest::prop_assert_eq!(rmp_serde::to_vec(&spaced).unwrap(), expected);
        }

        #[test]
        fn hostile_bytes_are_refused_or_transcoded_as_rmp_serde_reads_them(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)
        ) {
            let mut rest = &bytes[..];
            if let Ok(value) = JsonValue::from_msgpack_prefix(&mut rest, &Limits::DEFAULT, 0) {
                let read = &bytes[..bytes.len() - rest.len()];
                proptest::prop_assert_eq!(value.as_json_text(), serde_json_text(read));
            }
        }
    }
}
