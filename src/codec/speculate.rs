//! Msgpack speculation: decoding a message body before it has been scanned.
//!
//! The reference way to decode a msgpack body is *scan-then-decode*: the scanner
//! ([`msgpack`](crate::codec::msgpack)) checks the whole body within the [`Limits`] and reads its
//! `"type"` tag, then serde decodes the one member the tag names; every error is worded on that
//! way. *Speculation* skips the scan: the tag is guessed from where the SDK writes it
//! ([`guess_tag`]) and the body is decoded at once as the member the guess names. Everything
//! about speculation lives in this module; `decode` and `frame` only call it.
//!
//! # The rule
//!
//! For every input, every [`Limits`] and every input size, decoding with speculation gives what
//! scan-then-decode gives: the same verdict (both accept, or both refuse with the same error)
//! and the same output (the same message, the same frame). Speculation keeps the rule by
//! answering only successes that scan-then-decode also gives:
//!
//! - Any failure here (no guess, a guess no member has, a field refused, a tag that is not the
//!   guess, bytes after the body) is no answer: the caller then scans and decodes, which decides
//!   and words every error. So a refusal is always scan-then-decode's own.
//! - The deserializer (`msgpack_de`) refuses everything the scan refuses, skipped fields
//!   included: nesting, strings and collections beyond the limits, strings that are not UTF-8,
//!   bin, malformed timestamps. So a body decoded here is one the scan accepts. A refusal added to
//!   the scan must be added to the deserializer in the same change.
//! - The guess is confirmed against the body's tag as the scan reads it (the value of the body
//!   map's last `"type"` key, `msgpack_de::Deserializer::tag_is`): the member decoded here is
//!   the one the scan would pick.
//! - A body that must fill its input has nothing after it. A body followed by more (a request
//!   frame's context carrier) ends where the scan ends it (the deserializer reads exactly one
//!   value), and what follows goes to the frame code the other way uses too, which words its
//!   errors the same either way.
//! - Both ways decode the member with the same deserializer over the same bytes and the same
//!   lax switch, and decoding is a pure function of them: the same message comes out.
//!
//! # Where the rule is checked
//!
//! - Debug builds make every msgpack decode of 64 KiB or less the long way too and compare
//!   (`check_both_ways`): every debug test run and every fuzz execution checks it.
//! - At every size and in release builds: the property tests of `tests/speculation.rs` (`cargo
//!   test --release --test speculation`) and the `frame_decode` fuzz target compare both ways
//!   through the hooks below, which the crate re-exports as `__private` (hidden, not part of the
//!   API).
//! - The unit tests of `frame` compare both ways on every corpus frame, mutations of them and
//!   hand-made bodies, within tight limits too.

use std::cell::Cell;
#[cfg(debug_assertions)]
use std::fmt;

use serde::de::DeserializeOwned;

use crate::codec::decode::DecodeError;
use crate::codec::frame::{FrameError, RequestFrame};
use crate::codec::limits::Limits;
use crate::messages::model::Message;
use crate::union::{BodyDecoder, Union};

/// Whether a body is first decoded without a scan: [`First`](Self::First) is what decoders do,
/// [`Never`](Self::Never) is scan-then-decode alone, for comparing both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Speculate {
    First,
    Never,
}

/// A guessed tag: the string, and the input from its marker on (where the value of the `"type"`
/// key would start).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Guess<'a> {
    pub(crate) tag: &'a str,
    pub(crate) value: &'a [u8],
}

/// A guess at the tag of the msgpack body `input`, without reading the body: msgspec writes a
/// model's keys in field order, and the SDK's models declare `type` last (a few first, a few just
/// before one more field). So `"type"` and a short string after it are looked for right after the
/// map's header, at the very end, then backwards through the last bytes, then through the first
/// ones. Only a guess: the decoder confirms it.
#[inline]
pub(crate) fn guess_tag(input: &[u8]) -> Option<Guess<'_>> {
    /// How far from either end the tag is looked for: past a field or two.
    const WINDOW: usize = 256;
    /// `"type"` and a short string at `at`.
    #[inline(always)]
    fn tag_at(input: &[u8], at: usize) -> Option<Guess<'_>> {
        match input.get(at..)? {
            [0xa4, b't', b'y', b'p', b'e', value @ ..] => match value {
                [marker @ 0xa0..=0xbf, rest @ ..] => Some(Guess {
                    tag: crate::value::as_utf8(rest.get(..usize::from(marker & 0x1f))?)?,
                    value,
                }),
                _ => None,
            },
            _ => None,
        }
    }
    if let [0x80..=0x8f, ..] = input
        && let Some(guess) = tag_at(input, 1)
    {
        return Some(guess);
    }
    // The tag as the last value. Tags are ASCII, so the string's marker is the last byte from
    // 0x80 up: found eight bytes at a time, then `"type"` must come before it.
    let end = input.len();
    let mut word_end = end;
    while word_end >= 8 && end - word_end < 32 {
        let word = u64::from_le_bytes(*input[word_end - 8..word_end].first_chunk()?);
        let high = word & 0x8080_8080_8080_8080;
        if high != 0 {
            let marker = word_end - 8 + (63 - high.leading_zeros() as usize) / 8;
            let len = end - marker - 1;
            if len < 32
                && input[marker] == 0xa0 | len as u8
                && let Some(guess) = marker.checked_sub(5).and_then(|at| tag_at(input, at))
            {
                return Some(guess);
            }
            break;
        }
        word_end -= 8;
    }
    // Backwards through the last bytes, at each 0xa4 (the marker of `"type"`), found eight
    // bytes at a time: the SWAR zero-byte test flags every 0xa4 (and maybe a byte above one,
    // which `tag_at` then turns down).
    const A4: u64 = u64::from_le_bytes([0xa4; 8]);
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let from = end.saturating_sub(WINDOW);
    let mut word_end = end;
    while word_end >= from + 8 {
        let x = u64::from_le_bytes(*input[word_end - 8..word_end].first_chunk()?) ^ A4;
        let mut hits = x.wrapping_sub(ONES) & !x & HIGHS;
        while hits != 0 {
            let bit = 63 - hits.leading_zeros();
            if let Some(guess) = tag_at(input, word_end - 8 + bit as usize / 8) {
                return Some(guess);
            }
            hits &= !(1 << bit);
        }
        word_end -= 8;
    }
    if let Some(guess) = (from..word_end).rev().find_map(|at| tag_at(input, at)) {
        return Some(guess);
    }
    // A long last field (a `TaskState`'s map index label): the tag is near the front.
    (0..from.min(WINDOW)).find_map(|at| tag_at(input, at))
}

/// Where the body of a request frame is decoded without a scan, given the frame array's length
/// `len` and the input after the id.
pub(crate) enum RequestBody<'a> {
    /// The body fills this input: `[id, body]`, or `[id, body, nil]` (the SDK without tracing)
    /// with the nil left out.
    Whole(&'a [u8]),
    /// The body starts this input, and a context carrier follows it (the SDK with tracing): the
    /// carrier is read once the body has been decoded and its end is known.
    Prefix(&'a [u8]),
    /// Anything else (four or more elements): scanned first.
    Scan,
}

/// Which [`RequestBody`] a request frame of `len` elements with `rest` after its id has.
#[inline]
pub(crate) fn request_body(len: u32, rest: &[u8]) -> RequestBody<'_> {
    match (len, rest) {
        (2, body) | (3, [body @ .., 0xc0]) => RequestBody::Whole(body),
        (3, _) => RequestBody::Prefix(rest),
        _ => RequestBody::Scan,
    }
}

/// Decodes a msgpack body that has not been scanned, from the front of `input`, as the member
/// its tag was guessed to name. The deserializer refuses whatever the scan would (see
/// [`msgpack_de`](crate::codec::msgpack_de)), and the body's tag, read as the scan reads it, must be
/// the guess: so a body decoded here is one the scan-then-decode path decodes to the same
/// message. Any failure is only a wrong guess: the caller then takes that path, which words the
/// error.
struct Unscanned<'a, 'c> {
    input: &'a [u8],
    limits: &'c Limits,
    guess: Guess<'a>,
    /// Where to note the input after the body, when more may follow it; `None` when the body
    /// must fill the input.
    after: Option<&'c Cell<&'a [u8]>>,
}

impl BodyDecoder for Unscanned<'_, '_> {
    type Error = ();
    #[inline]
    fn decode<T: DeserializeOwned>(self) -> Result<T, ()> {
        let mut deserializer = crate::codec::msgpack_de::Deserializer::new(self.input, self.limits);
        let value =
            crate::codec::decode::deserialize_as::<T, _>(self.limits.lax(), &mut deserializer)
                .map_err(drop)?;
        if !deserializer.tag_is(self.guess) {
            return Err(());
        }
        match self.after {
            Some(after) => after.set(deserializer.rest()),
            None if !deserializer.rest().is_empty() => return Err(()),
            None => {}
        }
        Ok(value)
    }
}

/// Decodes the msgpack body `body` into `U` without scanning it first, when its tag can be
/// guessed (see [`guess_tag`]), and hands `ok` the message. When the
/// guess or the decode failed, calls `otherwise`: the caller then scans and decodes, which
/// refuses or accepts exactly as this does when it succeeds. The scan is a third of a big
/// frame's decode, and a tenth of a small one's.
///
/// Continuations, as in [`Union::decode_member`]: the caller's result (a whole frame) is built
/// where the message is decoded.
#[inline]
pub(crate) fn speculate_msgpack<U: Union, R>(
    body: &[u8],
    limits: &Limits,
    ok: impl FnOnce(U) -> R,
    otherwise: impl FnOnce() -> R,
) -> R {
    speculate(body, limits, None, ok, otherwise)
}

/// [`speculate_msgpack`] for a body followed by more input: `after` is set to what follows the
/// body before `ok` is called.
#[inline]
pub(crate) fn speculate_msgpack_prefix<'a, U: Union, R>(
    input: &'a [u8],
    limits: &Limits,
    after: &Cell<&'a [u8]>,
    ok: impl FnOnce(U) -> R,
    otherwise: impl FnOnce() -> R,
) -> R {
    speculate(input, limits, Some(after), ok, otherwise)
}

#[inline(always)]
fn speculate<'a, U: Union, R>(
    input: &'a [u8],
    limits: &Limits,
    after: Option<&Cell<&'a [u8]>>,
    ok: impl FnOnce(U) -> R,
    otherwise: impl FnOnce() -> R,
) -> R {
    let Some(guess) = guess_tag(input) else {
        return otherwise();
    };
    let unscanned = Unscanned {
        input,
        limits,
        guess,
        after,
    };
    U::decode_member(guess.tag, unscanned, ok, |_| otherwise())
}

/// Debug builds decode msgpack input the long way too (scan, then decode) and check that the way
/// without a scan gave the same message or error, so that every test run and every fuzzing
/// execution checks it; as serde_json's debug builds re-parse raw values. Inputs over 64 KiB are
/// left out: holding two decodes of one would double the peak memory that tests measure.
#[cfg(debug_assertions)]
pub(crate) fn check_both_ways<T: PartialEq + fmt::Debug, E: fmt::Display>(
    len: usize,
    decoded: &Result<T, E>,
    the_long_way: impl FnOnce() -> Result<T, E>,
) {
    if len > 1 << 16 {
        return;
    }
    match (decoded, the_long_way()) {
        // (NaN is not equal to itself: the two are then compared as printed.)
        (Ok(a), Ok(b)) if *a == b || format!("{a:?}") == format!("{b:?}") => {}
        (Err(a), Err(b)) if a.to_string() == b.to_string() => {}
        (decoded, scanned) => panic!(
            "decoding without a scan gave {:?}, scanning first {:?}",
            decoded.as_ref().map_err(ToString::to_string),
            scanned.map_err(|err| err.to_string())
        ),
    }
}

/// Decodes a msgpack body as the single message type `M` without scanning it first, when its
/// tag is guessed to be `M`'s; `None` sends the caller down the scan-then-decode path.
#[inline]
pub(crate) fn speculate_msgpack_message<M: Message>(body: &[u8], limits: &Limits) -> Option<M> {
    let guess = guess_tag(body).filter(|g| g.tag == M::TYPE)?;
    let unscanned = Unscanned {
        input: body,
        limits,
        guess,
        after: None,
    };
    unscanned.decode::<M>().ok()
}

// ---------------------------------------------------------------------------------------------
// Both ways, for tests and fuzz targets (re-exported, hidden, as `crate::__private`)

/// [`Limits::decode_msgpack`] by scan-then-decode alone.
pub fn scan_then_decode_msgpack<U: Union>(limits: &Limits, body: &[u8]) -> Result<U, DecodeError> {
    limits.scan_then_decode_msgpack(body)
}

/// [`Limits::decode_msgpack_message`] by scan-then-decode alone.
pub fn scan_then_decode_msgpack_message<M: Message>(
    limits: &Limits,
    body: &[u8],
) -> Result<M, DecodeError> {
    limits.scan_then_decode_msgpack_message(body)
}

/// [`Limits::decode_request`] by scan-then-decode alone.
pub fn scan_then_decode_request<C: Union>(
    limits: &Limits,
    payload: &[u8],
) -> Result<RequestFrame<C>, FrameError> {
    limits.decode_request_as(payload, Speculate::Never)
}

/// Whether [`Limits::decode_msgpack`] decodes `body` without a scan (so that a test can tell
/// its comparison reached speculation's successes).
pub fn decodes_msgpack_without_a_scan<U: Union>(limits: &Limits, body: &[u8]) -> bool {
    speculate_msgpack::<U, _>(body, limits, |_| true, || false)
}

/// Whether [`Limits::decode_msgpack_message`] decodes `body` without a scan.
pub fn decodes_msgpack_message_without_a_scan<M: Message>(limits: &Limits, body: &[u8]) -> bool {
    speculate_msgpack_message::<M>(body, limits).is_some()
}

/// Whether [`Limits::decode_request`] decodes the body of the request frame `payload` without a
/// scan.
pub fn decodes_request_without_a_scan<C: Union>(limits: &Limits, payload: &[u8]) -> bool {
    limits.request_decodes_without_a_scan::<C>(payload)
}
