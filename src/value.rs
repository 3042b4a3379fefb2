//! Free-form JSON carried inside messages (XCom values, rendered fields, trigger kwargs, ...).
//!
//! Airflow types these fields as pydantic `JsonValue`, `Any` or a bare `dict`. Every one of them is
//! a [`JsonValue`] here, so that the representation can change without touching the messages.
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
        } else if let Some(wide) = integer_beyond_64_bits(self.0.get()) {
            // msgspec refuses these too (OverflowError); writing a float would change the value.
            Err(serde::ser::Error::custom(format_args!(
                "the integer {wide} does not fit in 64 bits and cannot be written as msgpack"
            )))
        } else {
            serde_transcode::transcode(&mut checked_json(self.0.get()), serializer)
        }
    }
}

impl<'de> Deserialize<'de> for JsonValue {
    /// From JSON the text is kept (and compacted); from a binary format (msgpack) the value is
    /// written out as JSON text as it is read. Extension values (timestamps) and raw bytes are
    /// refused: they are not JSON, and pydantic's `JsonValue` refuses them too.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if !deserializer.is_human_readable() {
            // The crate's own body decoder answers this with the value's msgpack bytes; any other
            // binary deserializer (rmp-serde) visits the value item by item.
            return deserializer.deserialize_newtype_struct(MSGPACK_VALUE_TOKEN, FromBinary);
        }
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        if COMPACT_SOURCE.get() {
            return Ok(Self(raw));
        }
        // Keep the canonical compact form, as Python writes it, whatever spacing came in.
        Ok(match minified(raw.get()) {
            Some(compact) => raw_from_checked(compact).map_err(serde::de::Error::custom)?,
            None => Self(raw),
        })
    }
}

thread_local! {
    /// Set while the JSON text being decoded on this thread is known to hold no whitespace
    /// between tokens (see [`from_compact_text`]).
    static COMPACT_SOURCE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `decode` telling the [`JsonValue`]s it deserializes from JSON text that the text holds no
/// whitespace between tokens (the body scan saw none), so they need not look for any to remove:
/// for a big value that search cost a fifth of the decode. A serde `Deserialize` impl has no
/// other way to learn about its input.
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

/// The newtype name under which a [`JsonValue`] asks a binary deserializer to transcode the value
/// itself. The crate's body decoder (`msgpack_de`) does so straight from its input with
/// [`JsonValue::from_msgpack_prefix`], hands the result over with [`hand_over`] and answers with
/// a one-entry map whose key is this token. A deserializer that does not know the token visits
/// the value item by item instead. serde offers no other way to pass a finished value through a
/// `Deserializer`; serde_json's `RawValue` uses a private token the same way.
pub(crate) const MSGPACK_VALUE_TOKEN: &str = "$airflow_comms::private::MsgpackJsonValue";

thread_local! {
    /// The value `msgpack_de` transcoded for the [`JsonValue`] being deserialized on this thread.
    static HANDED_OVER: std::cell::Cell<Option<JsonValue>> = const { std::cell::Cell::new(None) };
}

/// Hands a transcoded value to the [`JsonValue`] visitor about to see [`MSGPACK_VALUE_TOKEN`].
pub(crate) fn hand_over(value: JsonValue) {
    HANDED_OVER.with(|slot| slot.set(Some(value)));
}

/// Builds a [`JsonValue`] from whatever a binary deserializer presents.
struct FromBinary;

impl FromBinary {
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

impl<'de> Visitor<'de> for FromBinary {
    type Value = JsonValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<JsonValue, D::Error> {
        Self::text(|out| out.deserialize(d))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<JsonValue, A::Error> {
        let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
            return JsonValue::from_json_text("{}").map_err(de::Error::custom);
        };
        if key == MSGPACK_VALUE_TOKEN {
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

impl JsonValue {
    /// Transcodes one msgpack value to JSON text in a single pass, written by serde_json's own
    /// serializer (so the text needs no second validation). Refused as pydantic's `JsonValue`
    /// refuses them: raw bytes, extension values (timestamps), NaN and infinities, non-string
    /// map keys; and nesting beyond [`Limits::MAX_DEPTH_CEILING`](crate::Limits).
    #[cfg(test)]
    pub(crate) fn from_msgpack(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        let mut rest = bytes;
        let value = Self::from_msgpack_prefix(&mut rest)?;
        if !rest.is_empty() {
            return Err(serde::ser::Error::custom("bytes trail the msgpack value"));
        }
        Ok(value)
    }

    /// [`JsonValue::from_msgpack`] for the value at the front of `input`, which it steps past.
    pub(crate) fn from_msgpack_prefix(input: &mut &[u8]) -> Result<Self, serde_json::Error> {
        let source = MsgpackAsJson {
            rest: std::cell::Cell::new(*input),
            depth: std::cell::Cell::new(0),
        };
        let raw = serde_json::value::to_raw_value(&source)?;
        *input = source.rest.get();
        Ok(Self(raw))
    }
}

/// `bytes` as text, if they are UTF-8. Nearly every string on the wire is short ASCII, which
/// `is_ascii` checks in a fraction of the time full validation takes (a call per string of
/// `str::from_utf8` was a sixth of a small message's decode).
#[inline]
pub(crate) fn as_utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: every ASCII byte sequence is valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        std::str::from_utf8(bytes).ok()
    }
}

/// msgpack bytes read as they are serialized (see [`JsonValue::from_msgpack`]).
struct MsgpackAsJson<'a> {
    rest: std::cell::Cell<&'a [u8]>,
    depth: std::cell::Cell<usize>,
}

/// The next value of a [`MsgpackAsJson`], as an item of the array or map being written.
struct NextValue<'s, 'a>(&'s MsgpackAsJson<'a>);

/// The next value of a [`MsgpackAsJson`] as an object key: it must be a string.
struct NextKey<'s, 'a>(&'s MsgpackAsJson<'a>);

impl MsgpackAsJson<'_> {
    fn take<E: serde::ser::Error>(&self, n: usize) -> Result<&[u8], E> {
        let rest = self.rest.get();
        if rest.len() < n {
            return Err(E::custom("the msgpack value is cut short"));
        }
        let (head, tail) = rest.split_at(n);
        self.rest.set(tail);
        Ok(head)
    }

    fn be<E: serde::ser::Error>(&self, width: usize) -> Result<u64, E> {
        Ok(self
            .take(width)?
            .iter()
            .fold(0u64, |n, &b| (n << 8) | u64::from(b)))
    }

    fn str<E: serde::ser::Error>(&self, len: usize) -> Result<&str, E> {
        as_utf8(self.take(len)?).ok_or_else(|| E::custom("a msgpack string is not UTF-8"))
    }

    fn finite<E: serde::ser::Error>(v: f64) -> Result<f64, E> {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(E::custom(format_args!(
                "invalid value: floating point `{v}`, expected a finite number"
            )))
        }
    }

    fn write_value<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap, SerializeSeq};
        let marker = self.take::<S::Error>(1)?[0];
        match marker {
            0x00..=0x7f => s.serialize_u64(u64::from(marker)),
            0xe0..=0xff => s.serialize_i64(i64::from(marker as i8)),
            0xc0 => s.serialize_unit(),
            0xc2 => s.serialize_bool(false),
            0xc3 => s.serialize_bool(true),
            0xcc..=0xcf => s.serialize_u64(self.be(1 << (marker - 0xcc))?),
            0xd0 => s.serialize_i64(i64::from(self.be::<S::Error>(1)? as u8 as i8)),
            0xd1 => s.serialize_i64(i64::from(self.be::<S::Error>(2)? as u16 as i16)),
            0xd2 => s.serialize_i64(i64::from(self.be::<S::Error>(4)? as u32 as i32)),
            0xd3 => s.serialize_i64(self.be::<S::Error>(8)? as i64),
            // A 32-bit float widens as msgspec widens it into a Python float.
            0xca => s.serialize_f64(Self::finite(f64::from(f32::from_bits(
                self.be::<S::Error>(4)? as u32,
            )))?),
            0xcb => s.serialize_f64(Self::finite(f64::from_bits(self.be(8)?))?),
            0xa0..=0xbf => s.serialize_str(self.str(usize::from(marker & 0x1f))?),
            0xd9..=0xdb => {
                let len = self.be::<S::Error>(1 << (marker - 0xd9))? as usize;
                s.serialize_str(self.str(len)?)
            }
            0x90..=0x9f | 0xdc | 0xdd | 0x80..=0x8f | 0xde | 0xdf => {
                let (len, is_map) = match marker {
                    0x90..=0x9f => (usize::from(marker & 0x0f), false),
                    0x80..=0x8f => (usize::from(marker & 0x0f), true),
                    0xdc | 0xde => (self.be::<S::Error>(2)? as usize, marker == 0xde),
                    _ => (self.be::<S::Error>(4)? as usize, marker == 0xdf),
                };
                let depth = self.depth.get() + 1;
                if depth > crate::limits::Limits::MAX_DEPTH_CEILING {
                    return Err(S::Error::custom("the value is nested too deeply"));
                }
                self.depth.set(depth);
                let written = if is_map {
                    let mut map = s.serialize_map(Some(len))?;
                    for _ in 0..len {
                        map.serialize_key(&NextKey(self))?;
                        map.serialize_value(&NextValue(self))?;
                    }
                    map.end()
                } else {
                    let mut seq = s.serialize_seq(Some(len))?;
                    for _ in 0..len {
                        seq.serialize_element(&NextValue(self))?;
                    }
                    seq.end()
                };
                self.depth.set(depth - 1);
                written
            }
            0xc4..=0xc6 => Err(S::Error::custom(
                "invalid type: byte array, expected a JSON value (raw bytes are not JSON)",
            )),
            0xc7..=0xc9 | 0xd4..=0xd8 => Err(S::Error::custom(
                "expected a JSON value, found a msgpack extension value (such as a timestamp)",
            )),
            0xc1 => Err(S::Error::custom("0xc1 is not a msgpack value")),
        }
    }
}

impl Serialize for MsgpackAsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.write_value(s)
    }
}

impl Serialize for NextValue<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.write_value(s)
    }
}

impl Serialize for NextKey<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let marker = self.0.take::<S::Error>(1)?[0];
        let len = match marker {
            0xa0..=0xbf => usize::from(marker & 0x1f),
            0xd9..=0xdb => self.0.be::<S::Error>(1 << (marker - 0xd9))? as usize,
            _ => {
                return Err(serde::ser::Error::custom(
                    "a key of a JSON object must be a string",
                ));
            }
        };
        s.serialize_str(self.0.str(len)?)
    }
}

/// A JSON deserializer without serde_json's nesting limit (128), for text whose nesting a decoder
/// already bounded: [`Limits`](crate::Limits) allows deeper values than serde_json's default, and
/// a value decoded within them must stay usable.
fn checked_json(text: &str) -> serde_json::Deserializer<serde_json::de::StrRead<'_>> {
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
                &"a finite number",
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
            &"a JSON value (raw bytes are not JSON)",
        ))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
        Err(de::Error::custom(
            "expected a JSON value, found a msgpack extension value (such as a timestamp)",
        ))
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

/// The bytes of JSON text that lie outside string literals, with their positions. Both scans
/// below need to know where strings are: whitespace and digits inside them mean nothing.
fn outside_strings(json: &str) -> impl Iterator<Item = (usize, u8)> + '_ {
    let (mut in_string, mut escaped) = (false, false);
    json.bytes().enumerate().filter(move |&(_, b)| {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            false
        } else {
            in_string = b == b'"';
            !in_string
        }
    })
}

/// The first integer literal of `json` outside the range msgpack can carry
/// (`-2^63 ..= 2^64 - 1`), if any.
fn integer_beyond_64_bits(json: &str) -> Option<&str> {
    let is_number_byte = |b: u8| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9');
    let wide = |token: &str| {
        !token.contains(['.', 'e', 'E'])
            && token.parse::<i64>().is_err()
            && token.parse::<u64>().is_err()
    };
    let mut start = None;
    for (i, b) in outside_strings(json) {
        match (start, is_number_byte(b)) {
            (None, true) => start = Some(i),
            (Some(from), false) => {
                if wide(&json[from..i]) {
                    return Some(&json[from..i]);
                }
                start = None;
            }
            _ => {}
        }
    }
    start.map(|from| &json[from..]).filter(|token| wide(token))
}

/// `json` (valid JSON text) without the whitespace between tokens, or `None` when it has none.
/// String literals are stepped over with `memchr`: this runs on every JSON value decoded, and a
/// byte-by-byte state machine cost more than parsing the value did.
fn minified(json: &str) -> Option<String> {
    let bytes = json.as_bytes();
    let (mut out, mut copied_from, mut at) = (None::<Vec<u8>>, 0, 0);
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                // To the closing quote: the next quote that no backslash escapes.
                at += 1;
                while let Some(found) = bytes
                    .get(at..)
                    .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
                {
                    at += found;
                    if bytes[at] == b'"' {
                        break;
                    }
                    at += 2;
                }
                at += 1;
            }
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
        let mut deep = vec![0x91; crate::limits::Limits::MAX_DEPTH_CEILING + 1];
        deep.push(0xc0);
        let err = JsonValue::from_msgpack(&deep).unwrap_err().to_string();
        assert!(err.contains("nested too deeply"), "{err}");
    }

    #[test]
    fn finds_integers_msgpack_cannot_carry_outside_strings_only() {
        assert_eq!(
            integer_beyond_64_bits("18446744073709551616"),
            Some("18446744073709551616")
        );
        assert_eq!(
            integer_beyond_64_bits(r#"{"a":-9223372036854775809}"#),
            Some("-9223372036854775809")
        );
        assert_eq!(
            integer_beyond_64_bits(r#"{"99999999999999999999":"99999999999999999999"}"#),
            None
        );
        assert_eq!(integer_beyond_64_bits("[1e400,18446744073709551615]"), None);
    }

    #[test]
    fn null_and_conversions() {
        assert!(JsonValue::null().is_null());
        let v = JsonValue::from(serde_json::json!({"k": [1, "x"]}));
        assert_eq!(v.to_value(), serde_json::json!({"k": [1, "x"]}));
        assert!(JsonValue::from_json_text("{").is_err());
    }
}
