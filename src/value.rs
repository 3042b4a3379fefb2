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
            let mut out = TextOut::default();
            JsonText(&mut out).deserialize(deserializer)?;
            // Everything written came from checked strings and the JSON writer: valid UTF-8.
            let text = String::from_utf8(out.buf).map_err(serde::de::Error::custom)?;
            // Within serde_json's own nesting limit, `from_string` keeps the buffer instead of
            // copying it: for a big value that halves the memory the decode needs.
            let kept = if out.deepest < 120 {
                RawValue::from_string(text).map(Self)
            } else {
                raw_from_checked(text)
            };
            return kept.map_err(serde::de::Error::custom);
        }
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        // Keep the canonical compact form, as Python writes it, whatever spacing came in.
        Ok(match minified(raw.get()) {
            Some(compact) => raw_from_checked(compact).map_err(serde::de::Error::custom)?,
            None => Self(raw),
        })
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
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.open(b'{');
        let mut first = true;
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

/// `json` without the whitespace between tokens, or `None` when it has none.
fn minified(json: &str) -> Option<String> {
    let is_space = |b: u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    let spaces: Vec<usize> = outside_strings(json)
        .filter(|&(_, b)| is_space(b))
        .map(|(i, _)| i)
        .collect();
    if spaces.is_empty() {
        return None;
    }
    // Whitespace is ASCII, so cutting around it keeps every UTF-8 sequence whole.
    let mut out = String::with_capacity(json.len() - spaces.len());
    let mut from = 0;
    for at in spaces {
        out.push_str(&json[from..at]);
        from = at + 1;
    }
    out.push_str(&json[from..]);
    Some(out)
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
