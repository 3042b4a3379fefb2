//! Free-form values carried inside messages (XCom values, rendered fields, trigger payloads, ...).
//!
//! Airflow types these fields in two ways, and pydantic checks them differently:
//! - pydantic `JsonValue` (XCom values, rendered fields, asset extras, ...): JSON only. Such a
//!   field is a [`JsonValue`] here, and a msgpack timestamp, bin or a non-string key in it is
//!   refused, as pydantic refuses them.
//! - `Any`, a bare `dict` or `dict[str, Any]` (trigger event payloads, DAG-run `conf`, trigger
//!   workloads, ...): whatever msgspec decodes. Such a field is an [`AnyValue`] (or an
//!   [`AnyMap`], an [`AnyDict`]), which keeps timestamps, bytes, non-string keys and NaN as
//!   they came.
//!
//! A [`JsonValue`] keeps the JSON text it was decoded from (validated once, never built into a
//! tree). That keeps big payloads cheap to forward, keeps integers beyond 64 bits and the key order
//! of objects exactly as the sender wrote them, and still gives a parsed [`serde_json::Value`] on
//! demand through [`JsonValue::to_value`].

use std::fmt;

use indexmap::IndexMap;
use serde::de::{self, DeserializeSeed, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Calls `$each!` with every `deserialize_*` method of serde's `Deserializer` that takes a
/// visitor and forwards as is, with its extra arguments: `deserialize_any(); ...
/// deserialize_struct(name: &'static str, fields: &'static [&'static str]); ...`. Deserializers
/// that run another format's deserializer over a stored value (`json_entries`, a union's
/// replay) write each method once this way; `deserialize_newtype_struct` and
/// `deserialize_ignored_any` are left to them, as each treats those two in its own way.
macro_rules! for_each_deserialize_method {
    ($each:ident) => {
        $each! {
            deserialize_any();
            deserialize_bool();
            deserialize_i8();
            deserialize_i16();
            deserialize_i32();
            deserialize_i64();
            deserialize_i128();
            deserialize_u8();
            deserialize_u16();
            deserialize_u32();
            deserialize_u64();
            deserialize_u128();
            deserialize_f32();
            deserialize_f64();
            deserialize_char();
            deserialize_str();
            deserialize_string();
            deserialize_bytes();
            deserialize_byte_buf();
            deserialize_option();
            deserialize_unit();
            deserialize_unit_struct(name: &'static str);
            deserialize_seq();
            deserialize_tuple(len: usize);
            deserialize_tuple_struct(name: &'static str, len: usize);
            deserialize_map();
            deserialize_struct(name: &'static str, fields: &'static [&'static str]);
            deserialize_enum(name: &'static str, variants: &'static [&'static str]);
            deserialize_identifier();
        }
    };
}

mod any;
mod binary;
pub(crate) mod ext;
pub(crate) mod lax;
pub mod time;

pub(crate) use any::{ANY_TOKEN, UNHASHABLE_KEY, hand_over_any_to};
pub use any::{AnyDict, AnyMap, AnyValue};

/// A JSON object whose values are free-form JSON, in the sender's key order
/// (Python `dict[str, JsonValue]`, `dict[str, Any]`, `dict`).
pub type JsonMap = IndexMap<String, JsonValue>;

/// Any JSON value: null, a boolean, a number, a string, an array or an object.
///
/// The value is held as its (valid) JSON text. Equality compares that text, so two values that
/// differ only in whitespace or number spelling are not equal; compare [`JsonValue::to_value`]
/// results for semantic equality.
#[derive(Clone)]
pub struct JsonValue(Box<RawValue>);

impl JsonValue {
    /// JSON `null`.
    pub fn null() -> Self {
        Self::from_json_text("null").expect("`null` is valid JSON")
    }

    /// Checks `text` is one valid JSON value and keeps it as is.
    pub fn from_json_text(text: impl Into<String>) -> Result<Self, serde_json::Error> {
        RawValue::from_string(text.into()).map(Self)
    }

    /// Serializes any serializable Rust value to a JSON value.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(Self)
    }

    /// The JSON text of this value.
    pub fn as_json_text(&self) -> &str {
        self.0.get()
    }

    /// Parses the value into a [`serde_json::Value`] tree.
    pub fn to_value(&self) -> serde_json::Value {
        // The text was validated when this value was made, so parsing cannot fail.
        serde_json::Value::deserialize(&mut checked_json(self.0.get()))
            .unwrap_or(serde_json::Value::Null)
    }

    /// Whether the value is JSON `null`.
    pub fn is_null(&self) -> bool {
        self.0.get().trim() == "null"
    }
}

impl JsonValue {
    /// Wraps JSON text whose validity the caller established: the codecs' msgpack transcoder.
    pub(crate) fn from_raw(raw: Box<RawValue>) -> Self {
        Self(raw)
    }
}

impl Default for JsonValue {
    fn default() -> Self {
        Self::null()
    }
}

impl PartialEq for JsonValue {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl fmt::Debug for JsonValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonValue({})", self.0.get())
    }
}

impl fmt::Display for JsonValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.get())
    }
}

impl From<serde_json::Value> for JsonValue {
    fn from(value: serde_json::Value) -> Self {
        Self::from(&value)
    }
}

impl From<&serde_json::Value> for JsonValue {
    fn from(value: &serde_json::Value) -> Self {
        // A `serde_json::Value` always serializes to valid JSON.
        Self::from_serialize(value).expect("a serde_json::Value serializes to JSON")
    }
}

impl Serialize for JsonValue {
    /// JSON text as is for JSON; for a binary format (msgpack) the text is transcoded value by
    /// value, without building a tree.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            self.0.serialize(serializer)
        } else {
            match binary::shape(self.0.get()) {
                // msgspec refuses these too (OverflowError); a float would change the value.
                Err(wide) => Err(serde::ser::Error::custom(format_args!(
                    "the integer {wide} does not fit in 64 bits and cannot be written as msgpack"
                ))),
                Ok(counts) => binary::transcode(self.0.get(), &counts, serializer),
            }
        }
    }
}

impl<'de> Deserialize<'de> for JsonValue {
    /// From JSON the text is kept (and compacted); from a binary format (msgpack) the value is
    /// written out as JSON text as it is read. Extension values (timestamps) and raw bytes are
    /// refused: they are not JSON, and pydantic's `JsonValue` refuses them too.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The crate's own body decoders answer the token with the finished value (see
        // `VALUE_TOKEN`); any other deserializer shows the value to `FromAny`.
        let human_readable = deserializer.is_human_readable();
        deserializer.deserialize_newtype_struct(VALUE_TOKEN, FromAny { human_readable })
    }
}

impl JsonValue {
    /// The text of one JSON value that [`scan_object_entries`](crate::codec::json_scan::scan_object_entries)
    /// cut from a body it accepted; `compact` says the body held no whitespace between tokens.
    pub(crate) fn from_scanned_text(text: &str, compact: bool) -> Result<Self, serde_json::Error> {
        let text = match compact {
            true => text.to_owned(),
            false => minified(text).unwrap_or_else(|| text.to_owned()),
        };
        // SAFETY: `from_string_unchecked` asks for one well-formed JSON value without whitespace
        // around it. `text` is the slice the body scan (`json_scan::Scanner::value`, which also
        // skips the whitespace between tokens before and after it) read as exactly one value, or
        // that slice with whitespace outside strings removed (`minified`). The scan accepts a
        // subset of JSON: objects and arrays with commas and colons where JSON puts them,
        // `true`/`false`/`null`, numbers of JSON's grammar within a double's range, and strings
        // without control characters whose escapes are JSON's (`\u` surrogates paired); it
        // answers `None` for anything else, and then no entry is used. (The test in `decode`
        // checks the scan never accepts what serde_json refuses, and serde_json re-parses the text
        // under a debug assertion.)
        let raw = unsafe { RawValue::from_string_unchecked(text) };
        Ok(Self(raw))
    }
}

thread_local! {
    /// Set while the JSON text being decoded on this thread is known to hold no whitespace
    /// between tokens: set only by [`from_compact_text`], read only by `FromAny` (a
    /// [`JsonValue`] deserialized from JSON text), which then keeps the text without looking
    /// for whitespace to remove. See [`from_compact_text`] for why that is right.
    static COMPACT_SOURCE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `decode` telling the [`JsonValue`]s it deserializes from JSON text that the text holds no
/// whitespace between tokens (the body scan saw none), so they need not look for any to remove:
/// for a big value that search is a large part of the decode. A serde `Deserialize` impl has no
/// other way to learn about its input.
///
/// What holds, so that no `JsonValue` keeps whitespace it should have removed:
/// - The caller (`decode`, for a scanned body with more top-level entries than the scan keeps)
///   passes the whole body text, which the scan saw without whitespace between tokens.
/// - `decode` runs synchronously on this thread, so every `JsonValue` read from JSON text while
///   the flag is set is read from that body: a slice of it, or the text of a nested union or an
///   aliased field cut from it (`messages::union`, `model!`), itself a slice or a `JsonValue`
///   kept compact. Such a nested decode may set the flag again (re-entrancy): each call puts back
///   what it found, so the flag is never cleared under an outer call.
/// - The flag is put back as it was when `decode` returns or unwinds (the guard below), so it
///   never outlives the call: a later decode on this thread starts from `false`.
///
/// The path is rare (no protocol message has that many fields; unknown keys, which pydantic
/// ignores, bring a body there), which is why it is a flag and not a parameter threaded through
/// serde_json. Removing it would make every `JsonValue` of such a body search for whitespace, with
/// no change in output but a measured loss on a big value: `cargo bench --bench comms --
/// json_decode_many_entries` times that body, and `benches/README.md` has the figures.
pub(crate) fn from_compact_text<T>(decode: impl FnOnce() -> T) -> T {
    /// Puts the flag back as it was, even if `decode` unwinds.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            COMPACT_SOURCE.set(self.0);
        }
    }
    let _restore = Restore(COMPACT_SOURCE.replace(true));
    decode()
}

/// The newtype name under which a [`JsonValue`] asks the deserializer to build the value itself.
/// The crate's body decoders know it: `msgpack_de` transcodes the value straight from its input
/// ([`JsonValue::from_msgpack_prefix`]), `json_entries` keeps the text the body scan checked
/// ([`JsonValue::from_scanned_text`]); each hands the result over with [`hand_over_to`], as a
/// one-entry map whose key is this token. A deserializer that does not know the token (serde_json,
/// rmp-serde) visits the value as usual. serde offers no other way to pass a finished value
/// through a `Deserializer`; serde_json's `RawValue` uses a private token the same way.
pub(crate) const VALUE_TOKEN: &str = "$airflow_comms::private::JsonValue";

thread_local! {
    /// The value a body decoder built for the [`JsonValue`] being deserialized on this thread:
    /// the one way to pass a finished value through serde's visitor calls (see [`VALUE_TOKEN`]).
    /// Set only by [`hand_over_to`], taken only by `FromAny::visit_map`; see there for why the
    /// value taken is always the one just set.
    static HANDED_OVER: std::cell::Cell<Option<JsonValue>> = const { std::cell::Cell::new(None) };
}

/// Hands `value` to `visitor` (a [`JsonValue`]'s, which asked with [`VALUE_TOKEN`]).
///
/// What holds, so that the value the visitor takes is this one:
/// - The slot is set here and read within `visitor.visit_map`, on the same thread, before this
///   returns: decoding is synchronous, so nothing else runs on the thread in between.
/// - No other hand-over can start in between (no re-entrancy): the map the visitor is shown
///   ([`TokenEntry`]) yields only the token as a borrowed string and a unit, so the visitor
///   deserializes no other value from it. The visitor is `FromAny`, possibly wrapped by one that
///   forwards `visit_map` (lax mode's, `serde_path_to_error`'s).
/// - The slot is empty again when this returns or unwinds (the guard below): a value the visitor
///   did not take (it failed first) is dropped, never left for a later reader.
pub(crate) fn hand_over_to<'de, V: de::Visitor<'de>, E: de::Error>(
    value: JsonValue,
    visitor: V,
) -> Result<V::Value, E> {
    hand_over(&HANDED_OVER, VALUE_TOKEN, value, visitor)
}

/// The one hand-over mechanism behind [`hand_over_to`] and `any::hand_over_any_to`: puts `value`
/// in `slot`, shows `visitor` the one-entry map of `token`, and empties the slot when the visit
/// returns or unwinds (what each caller's docs rely on).
pub(crate) fn hand_over<'de, T: 'static, V: de::Visitor<'de>, E: de::Error>(
    slot: &'static std::thread::LocalKey<std::cell::Cell<Option<T>>>,
    token: &'static str,
    value: T,
    visitor: V,
) -> Result<V::Value, E> {
    /// Empties the slot when the hand-over ends, even by unwinding.
    struct Clear<T: 'static>(&'static std::thread::LocalKey<std::cell::Cell<Option<T>>>);
    impl<T: 'static> Drop for Clear<T> {
        fn drop(&mut self) {
            self.0.with(|slot| slot.take());
        }
    }
    slot.with(|slot| slot.set(Some(value)));
    let _clear = Clear(slot);
    visitor.visit_map(TokenEntry::new(token))
}

/// The one-entry map a value type receives once its value is handed over: the token it asked
/// with, then nothing (a unit).
pub(crate) struct TokenEntry<E> {
    token: &'static str,
    pending: bool,
    error: std::marker::PhantomData<E>,
}

impl<E> TokenEntry<E> {
    pub(crate) fn new(token: &'static str) -> Self {
        Self {
            token,
            pending: true,
            error: std::marker::PhantomData,
        }
    }
}

impl<'de, E: de::Error> de::MapAccess<'de> for TokenEntry<E> {
    type Error = E;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, E> {
        if !self.pending {
            return Ok(None);
        }
        self.pending = false;
        seed.deserialize(de::value::BorrowedStrDeserializer::new(self.token))
            .map(Some)
    }
    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, E> {
        seed.deserialize(de::value::UnitDeserializer::new())
    }
}

/// Builds a [`JsonValue`] from whatever a deserializer that does not know [`VALUE_TOKEN`]
/// presents: from JSON (`human_readable`), a newtype is the text to keep; otherwise the value is
/// written out as JSON text item by item.
struct FromAny {
    human_readable: bool,
}

impl FromAny {
    /// Runs the item-by-item transcoder [`JsonText`] and keeps what it wrote.
    fn text<E: de::Error>(
        write: impl FnOnce(JsonText<'_>) -> Result<(), E>,
    ) -> Result<JsonValue, E> {
        let mut out = TextOut::default();
        write(JsonText(&mut out))?;
        // Everything written came from checked strings and the JSON writer: valid UTF-8.
        let text = String::from_utf8(out.buf).map_err(E::custom)?;
        // Within serde_json's own nesting limit, `from_string` keeps the buffer instead of
        // copying it: for a big value that halves the memory the decode needs.
        let kept = if out.deepest < 120 {
            RawValue::from_string(text).map(JsonValue)
        } else {
            raw_from_checked(text)
        };
        kept.map_err(E::custom)
    }
}

impl<'de> Visitor<'de> for FromAny {
    type Value = JsonValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<JsonValue, D::Error> {
        if !self.human_readable {
            return Self::text(|out| out.deserialize(d));
        }
        let raw = Box::<RawValue>::deserialize(d)?;
        // Set only while a body the scan saw without whitespace is decoded, and this text is
        // part of it (see `from_compact_text`): nothing to remove.
        if COMPACT_SOURCE.get() {
            return Ok(JsonValue(raw));
        }
        // Keep the canonical compact form, as Python writes it, whatever spacing came in.
        Ok(match minified(raw.get()) {
            Some(compact) => raw_from_checked(compact).map_err(serde::de::Error::custom)?,
            None => JsonValue(raw),
        })
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<JsonValue, A::Error> {
        let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
            return JsonValue::from_json_text("{}").map_err(de::Error::custom);
        };
        if key == VALUE_TOKEN {
            // Only `hand_over_to` shows this key with a value in the slot, within the call that
            // set it (see there): the value taken is the one handed over for this `JsonValue`.
            map.next_value::<de::IgnoredAny>()?;
            return HANDED_OVER
                .with(|slot| slot.take())
                .ok_or_else(|| de::Error::custom("no transcoded value was handed over"));
        }
        // A real map, from a deserializer that visits newtypes as their content.
        Self::text(|out| out.write_map(Some(&key), map))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<JsonValue, E> {
        Self::text(|out| out.visit_bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonValue, E> {
        Self::text(|out| out.visit_i64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonValue, E> {
        Self::text(|out| out.visit_u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonValue, E> {
        Self::text(|out| out.visit_f64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonValue, E> {
        Self::text(|out| out.visit_str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<JsonValue, E> {
        Self::text(|out| out.visit_unit())
    }
    fn visit_none<E: de::Error>(self) -> Result<JsonValue, E> {
        Self::text(|out| out.visit_none())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<JsonValue, D::Error> {
        Self::text(|out| out.deserialize(d))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<JsonValue, A::Error> {
        Self::text(|out| out.visit_seq(seq))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<JsonValue, E> {
        Self::text(|out| out.visit_bytes(v))
    }
}

/// What a [`JsonValue`] refuses that JSON cannot hold, worded once for its two readers: the
/// serde path here (`FromAny`, for any deserializer, with serde's own `invalid type` and `invalid
/// value` forms) and the codecs' msgpack transcoder (`msgpack_json`), which writes the very text
/// serde's forms give.
pub(crate) mod refusal {
    /// What is expected instead of raw bytes (msgpack bin).
    pub(crate) const BYTES_EXPECTED: &str = "a JSON value (raw bytes are not JSON)";
    /// An extension value (a msgpack timestamp) where a JSON value was expected.
    pub(crate) const EXTENSION: &str =
        "expected a JSON value, found a msgpack extension value (such as a timestamp)";
    /// What is expected instead of NaN or an infinity.
    pub(crate) const FINITE_EXPECTED: &str = "a finite number";
}

/// `bytes` as text, if they are UTF-8. Nearly every string on the wire is short ASCII, which
/// `is_ascii` checks in a fraction of the time full validation takes (a call per string of
/// `str::from_utf8` was a sixth of a small message's decode).
#[inline(always)]
pub(crate) fn as_utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.len() <= SHORT_STR && is_short_ascii(bytes) {
        // SAFETY: every ASCII byte sequence is valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        longer_as_utf8(bytes)
    }
}

/// [`as_utf8`] for all but short ASCII: out of line, to keep its inlined part small.
#[inline(never)]
fn longer_as_utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: every ASCII byte sequence is valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        std::str::from_utf8(bytes).ok()
    }
}

/// The longest string [`as_utf8`] checks inline.
const SHORT_STR: usize = 32;

/// Whether `bytes`, at most [`SHORT_STR`] of them, are ASCII: a few loads that may overlap cover them
/// all, with no loop (most keys, ids and short values on the wire are this size).
#[inline(always)]
fn is_short_ascii(bytes: &[u8]) -> bool {
    let n = bytes.len();
    let word = |at: usize| match bytes.get(at..at + 8) {
        Some(&[a, b, c, d, e, f, g, h]) => u64::from_le_bytes([a, b, c, d, e, f, g, h]),
        _ => 0,
    };
    let half = |at: usize| match bytes.get(at..at + 4) {
        Some(&[a, b, c, d]) => u64::from(u32::from_le_bytes([a, b, c, d])),
        _ => 0,
    };
    let byte = |at: usize| bytes.get(at).map_or(0, |&b| u64::from(b));
    let seen = match n {
        16.. => word(0) | word(8) | word(n - 16) | word(n - 8),
        8..=15 => word(0) | word(n - 8),
        4..=7 => half(0) | half(n - 4),
        1..=3 => byte(0) | byte(n / 2) | byte(n - 1),
        0 => 0,
    };
    seen & HIGHS == 0
}

/// The longest string [`write_string`] copies as a block.
pub(crate) const SHORT: usize = 16;

const ONES: u64 = u64::from_ne_bytes([1; 8]);
const HIGHS: u64 = ONES << 7;

/// Flags, by their high bit, the bytes of `word` (eight, first byte lowest) at which a JSON
/// string literal cannot simply go on: `"`, `\` and control characters, the bytes serde_json
/// escapes and a JSON scanner must stop at. These are the classic "has a byte less than" tricks:
/// subtracting borrows into a byte's high bit where it is below the bound. A flag can be wrong
/// only above a right one (a borrow carries upwards), so the lowest flag is exact, and so is "no
/// flag in the first n bytes". Shared by the transcoder here and the JSON tag scanner.
#[inline(always)]
pub(crate) fn string_stops(word: u64) -> u64 {
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n));
    let borrowed =
        below(word, 0x20) | below(word ^ (ONES * 0x22), 1) | below(word ^ (ONES * 0x5c), 1);
    // A byte at 0x80 or above borrows nothing of its own; what it flags came from below it.
    borrowed & !word & HIGHS
}

/// [`string_stops`], and with `non_ascii` the bytes from 0x80 up too.
#[inline(always)]
fn flags(w: u64, non_ascii: bool) -> u64 {
    if non_ascii {
        string_stops(w) | (w & HIGHS)
    } else {
        string_stops(w)
    }
}

/// Whether the first `len` bytes of `window` are ASCII that needs no escaping.
#[inline(always)]
pub(crate) fn is_plain(window: &[u8; SHORT], len: usize) -> bool {
    let w = u128::from_le_bytes(*window);
    // The first `n` (1 to 8) bytes of `w`.
    let plain = |w: u64, n: usize| flags(w, true) & (u64::MAX >> (64 - 8 * n)) == 0;
    match len {
        0 => true,
        1..=8 => plain(w as u64, len),
        9..=SHORT => plain(w as u64, 8) && plain((w >> 64) as u64, len - 8),
        _ => false,
    }
}

/// How serde_json escapes each byte in a string literal: 0 for none, `u` for `\u00XX`, else the
/// letter after the backslash. Bytes of multi-byte UTF-8 sequences (0x80 and up) are never
/// escaped, so runs of unescaped bytes cut at escaped ones are whole UTF-8.
static ESCAPE: [u8; 256] = {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// `text` as a JSON string literal: runs that need no escaping are copied whole.
pub(crate) fn write_escaped(out: &mut Vec<u8>, text: &[u8]) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    let mut copied = 0;
    let mut from = 0;
    while let Some(at) = next_to_escape(text, from) {
        out.extend_from_slice(&text[copied..at]);
        let byte = text[at];
        match ESCAPE[usize::from(byte)] {
            b'u' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0x0f)]);
            }
            letter => out.extend_from_slice(&[b'\\', letter]),
        }
        copied = at + 1;
        from = at + 1;
    }
    out.extend_from_slice(&text[copied..]);
    out.push(b'"');
}

/// The position of the first byte at or after `from` that [`ESCAPE`] escapes, found eight bytes
/// at a time.
fn next_to_escape(text: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some((word, _)) = text
        .get(at..)
        .and_then(|rest| rest.split_first_chunk::<8>())
    {
        let to_escape = flags(u64::from_le_bytes(*word), false);
        if to_escape != 0 {
            return Some(at + to_escape.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = text.get(at..)?;
    tail.iter()
        .position(|&b| ESCAPE[usize::from(b)] != 0)
        .map(|i| at + i)
}

/// A JSON deserializer without serde_json's nesting limit (128), for text whose nesting a decoder
/// already bounded: [`Limits`](crate::Limits) allows deeper values than serde_json's default, and
/// a value decoded within them must stay usable.
pub(crate) fn checked_json(text: &str) -> serde_json::Deserializer<serde_json::de::StrRead<'_>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    deserializer
}

/// A [`JsonValue`] from text that was produced or checked by a decoder (see [`checked_json`]).
fn raw_from_checked(text: String) -> Result<JsonValue, serde_json::Error> {
    Box::<RawValue>::deserialize(&mut checked_json(&text)).map(JsonValue)
}

/// JSON text written by [`JsonText`], and how deeply it nests.
#[derive(Default)]
struct TextOut {
    buf: Vec<u8>,
    depth: usize,
    deepest: usize,
}

impl TextOut {
    fn open(&mut self, bracket: u8) {
        self.buf.push(bracket);
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
    }

    fn close(&mut self, bracket: u8) {
        self.buf.push(bracket);
        self.depth -= 1;
    }
}

/// Writes the value it reads as compact JSON text into the buffer, without building a tree.
struct JsonText<'a>(&'a mut TextOut);

/// Writes `v` as a JSON string literal (escaped) into `out`.
fn write_json_str(out: &mut Vec<u8>, v: &str) {
    // Writing into a Vec cannot fail.
    serde_json::to_writer(out, v).expect("writing to a Vec");
}

impl<'de> DeserializeSeed<'de> for JsonText<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonText<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0
            .buf
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        serde_json::to_writer(&mut self.0.buf, &v).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        serde_json::to_writer(&mut self.0.buf, &v).map_err(E::custom)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        if !v.is_finite() {
            return Err(E::invalid_value(
                de::Unexpected::Float(v),
                &refusal::FINITE_EXPECTED,
            ));
        }
        serde_json::to_writer(&mut self.0.buf, &v).map_err(E::custom)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        write_json_str(&mut self.0.buf, v);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.buf.extend_from_slice(b"null");
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.open(b'[');
        let mut first = true;
        loop {
            let comma = self.0.buf.len();
            if !first {
                self.0.buf.push(b',');
            }
            if seq.next_element_seed(JsonText(self.0))?.is_none() {
                self.0.buf.truncate(comma);
                break;
            }
            first = false;
        }
        self.0.close(b']');
        Ok(())
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.write_map(None, map)
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<(), E> {
        Err(E::invalid_type(
            de::Unexpected::Bytes(v),
            &refusal::BYTES_EXPECTED,
        ))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
        Err(de::Error::custom(refusal::EXTENSION))
    }
}

impl JsonText<'_> {
    /// Writes a map as a JSON object; `first_key` is a key the caller has already read.
    fn write_map<'de, A: de::MapAccess<'de>>(
        self,
        first_key: Option<&str>,
        mut map: A,
    ) -> Result<(), A::Error> {
        self.0.open(b'{');
        let mut first = true;
        if let Some(key) = first_key {
            write_json_str(&mut self.0.buf, key);
            self.0.buf.push(b':');
            map.next_value_seed(JsonText(self.0))?;
            first = false;
        }
        loop {
            let comma = self.0.buf.len();
            if !first {
                self.0.buf.push(b',');
            }
            if map.next_key_seed(JsonKey(&mut self.0.buf))?.is_none() {
                self.0.buf.truncate(comma);
                break;
            }
            self.0.buf.push(b':');
            map.next_value_seed(JsonText(self.0))?;
            first = false;
        }
        self.0.close(b'}');
        Ok(())
    }
}

/// Writes an object key, which must be a string, as a JSON string literal.
struct JsonKey<'a>(&'a mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for JsonKey<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for JsonKey<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        write_json_str(self.0, v);
        Ok(())
    }
}

/// The position after the closing quote of the JSON string literal whose content starts at `at`:
/// the next quote that no backslash escapes, found with `memchr`.
fn string_end(bytes: &[u8], mut at: usize) -> usize {
    while let Some(found) = bytes
        .get(at..)
        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
    {
        at += found;
        if bytes[at] == b'"' {
            return at + 1;
        }
        // A backslash escapes the byte after it.
        at += 2;
    }
    bytes.len()
}

/// `json` (valid JSON text) without the whitespace between tokens, or `None` when it has none.
/// String literals are stepped over with `memchr`: this runs on every JSON value decoded, and a
/// byte-by-byte state machine cost more than parsing the value did.
fn minified(json: &str) -> Option<String> {
    let bytes = json.as_bytes();
    let (mut out, mut copied_from, mut at) = (None::<Vec<u8>>, 0, 0);
    while at < bytes.len() {
        match bytes[at] {
            b'"' => at = string_end(bytes, at + 1),
            b' ' | b'\n' | b'\r' | b'\t' => {
                let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
                out.extend_from_slice(&bytes[copied_from..at]);
                at += 1;
                copied_from = at;
            }
            _ => at += 1,
        }
    }
    let mut out = out?;
    out.extend_from_slice(&bytes[copied_from.min(bytes.len())..]);
    // Whitespace is ASCII, so cutting around it keeps every UTF-8 sequence whole.
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ascii_check_sees_every_byte() {
        for len in 0..=SHORT_STR + 4 {
            let ascii = vec![b'a'; len];
            assert!(as_utf8(&ascii).is_some(), "{len}");
            for at in 0..len {
                for high in [0x80, 0xc3, 0xff] {
                    let mut bytes = ascii.clone();
                    bytes[at] = high;
                    if len <= SHORT_STR {
                        assert!(!is_short_ascii(&bytes), "{len} {at} {high:#x}");
                    }
                    assert_eq!(as_utf8(&bytes), None, "{len} {at} {high:#x}");
                }
            }
        }
        assert_eq!(as_utf8("é€😀".as_bytes()), Some("é€😀"));
    }

    #[test]
    fn keeps_big_integers_and_key_order() {
        let text = r#"{"z":1,"a":[123456789012345678901234567890,null]}"#;
        let v: JsonValue = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), text);
    }

    #[test]
    fn minifies_around_escapes() {
        let text = "{ \"a \\\\\" : [ \"x \\\" \\\\ y\" , 1 ],\n\t\"b\":\"\\\\\" }";
        let compact = minified(text).unwrap();
        assert_eq!(compact, "{\"a \\\\\":[\"x \\\" \\\\ y\",1],\"b\":\"\\\\\"}");
        assert_eq!(minified(&compact), None);
    }

    #[test]
    fn drops_insignificant_whitespace_only() {
        let v: JsonValue = serde_json::from_str(" { \"a b\" : [1, \"x \\\" y\"] }\n").unwrap();
        assert_eq!(v.as_json_text(), r#"{"a b":[1,"x \" y"]}"#);
    }

    #[test]
    fn null_and_conversions() {
        assert!(JsonValue::null().is_null());
        let v = JsonValue::from(serde_json::json!({"k": [1, "x"]}));
        assert_eq!(v.to_value(), serde_json::json!({"k": [1, "x"]}));
        assert!(JsonValue::from_json_text("{").is_err());
    }
}
