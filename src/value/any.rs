//! Values of the fields Airflow types as `Any`, a bare `dict` or `dict[str, Any]`: what msgspec
//! decodes from a frame is what such a field holds, with no check that it is JSON.
//!
//! Such a field carries more than JSON can say: a msgpack timestamp (a trigger event whose
//! payload is a `datetime`), raw bytes, map keys that are integers, booleans, nil or arrays, NaN
//! and infinities, and extension values of other types. An [`AnyValue`] keeps each of them in
//! the form it arrived in, so that:
//! - a frame re-encodes to the bytes the Python sender wrote (a timestamp stays a timestamp);
//! - JSON output is what pydantic's `model_dump(mode="json")` gives for the same value: a
//!   date-time as pydantic formats it, bytes as UTF-8 text, keys as strings, NaN and
//!   infinities as `null`;
//! - code can ask what a value is ([`AnyValue::as_datetime`], [`AnyValue::as_bytes`], ...).
//!
//! Maps follow Python's `dict`: keys that Python holds equal (`1`, `1.0` and `true`; two equal
//! strings; two equal instants) are one key, which keeps the first key's place and the last
//! value, as msgspec builds the dict.

use std::collections::HashMap;
use std::fmt;

use indexmap::IndexMap;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Error as _, Serialize, SerializeMap, SerializeSeq, Serializer};

use super::JsonValue;
use crate::value::ext;
use crate::value::time::UtcDateTime;

/// A `dict[str, Any]`: string keys, free-form values, in the sender's order.
pub type AnyMap = IndexMap<String, AnyValue>;

/// A value Python holds in an `Any`-typed field (`Any`, a bare `dict`, `dict[str, Any]`).
///
/// pydantic keeps whatever msgspec decoded from the frame there, with no check that it is JSON:
/// a msgpack timestamp (a `DateTimeTrigger` fires its moment as its event's payload), raw
/// bytes, map keys that are integers, booleans, nil or arrays, NaN and infinities, extension
/// values of other types. An `AnyValue` keeps each in the form it arrived in:
/// - a frame re-encodes to the bytes the Python sender wrote (a timestamp stays a timestamp);
/// - its JSON is what pydantic's `model_dump(mode="json")` writes: a date-time as pydantic
///   formats it, bytes as UTF-8 text, keys as text, NaN and infinities as `null` (bytes that
///   are not UTF-8 and extension values have no JSON form, in Python as here);
/// - code asks what it holds: [`as_datetime`](Self::as_datetime), [`as_bytes`](Self::as_bytes),
///   [`get`](Self::get), ...
///
/// ```
/// use airflow_comms::{AnyValue, decode_json, TriggerToSupervisor};
///
/// let moment: AnyValue = "2026-11-21T03:04:05Z".parse::<airflow_comms::UtcDateTime>()?.into();
/// assert!(moment.as_datetime().is_some());
/// assert_eq!(serde_json::to_string(&moment)?, r#""2026-11-21T03:04:05Z""#);
/// // From JSON, a date-time is a string, as it is for pydantic.
/// let text: AnyValue = serde_json::from_str(r#""2026-11-21T03:04:05Z""#)?;
/// assert_eq!(text.as_str(), Some("2026-11-21T03:04:05Z"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Equality is exact: floats compare by their bits (so NaN equals itself and `0.0` differs from
/// `-0.0`), maps and arrays item by item in order. Two equal values write the same bytes.
#[derive(Debug, Clone, Default)]
pub enum AnyValue {
    /// `None` (msgpack nil, JSON `null`).
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer within `i64`.
    Int(i64),
    /// An integer above `i64::MAX`, up to `u64::MAX`. Values within `i64` are always [`Int`].
    ///
    /// [`Int`]: AnyValue::Int
    UInt(u64),
    /// An integer beyond 64 bits, as its decimal digits (with a leading `-` when negative). Only
    /// JSON carries such integers: msgpack (and so msgspec) cannot write one.
    BigInt(String),
    /// A float, NaN and infinities included (msgpack carries them; JSON output writes `null`).
    Float(f64),
    /// A string.
    String(String),
    /// Raw bytes (msgpack bin). JSON output writes them as UTF-8 text, as pydantic does, and
    /// fails when they are not UTF-8.
    Bytes(Vec<u8>),
    /// An aware date-time in UTC (a msgpack timestamp: extension type -1), with microsecond
    /// precision as Python keeps it.
    DateTime(UtcDateTime),
    /// An array (a Python `list`; a `tuple` when it is a map key).
    Array(Vec<AnyValue>),
    /// A map (a Python `dict`) whose keys may be any value but a map or an extension.
    Map(AnyDict),
    /// A msgpack extension value of a type other than the timestamp, kept as it came. It has
    /// no JSON form: JSON output fails, as pydantic's does.
    Ext {
        /// The extension type.
        kind: i8,
        /// Its payload.
        data: Vec<u8>,
    },
}

/// A Python `dict` of free-form keys and values: the entries in order, no two keys equal as
/// Python compares them (`1`, `1.0` and `true` are one key). A bare `dict` field has this type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnyDict(pub Vec<(AnyValue, AnyValue)>);

impl AnyDict {
    /// The value of the string key `key`.
    pub fn get(&self, key: &str) -> Option<&AnyValue> {
        self.0
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&AnyValue, &AnyValue)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Builds a dict from entries, merging keys Python holds equal: the first key keeps its
    /// place and takes the last value.
    pub fn from_entries(entries: impl IntoIterator<Item = (AnyValue, AnyValue)>) -> Self {
        let mut out: Vec<(AnyValue, AnyValue)> = Vec::new();
        let mut seen: HashMap<PyKey<'_>, usize> = HashMap::new();
        let entries: Vec<_> = entries.into_iter().collect();
        // Positions are decided on borrowed keys first, then the entries are moved into place.
        let mut slots: Vec<Option<usize>> = Vec::with_capacity(entries.len());
        let mut kept = 0;
        for (key, _) in &entries {
            match py_key(key) {
                Some(pk) => match seen.get(&pk) {
                    Some(&at) => slots.push(Some(at)),
                    None => {
                        seen.insert(pk, kept);
                        slots.push(None);
                        kept += 1;
                    }
                },
                None => {
                    slots.push(None);
                    kept += 1;
                }
            }
        }
        drop(seen);
        for ((key, value), slot) in entries.into_iter().zip(slots) {
            match slot {
                Some(at) => out[at].1 = value,
                None => out.push((key, value)),
            }
        }
        Self(out)
    }
}

impl<K: Into<AnyValue>, V: Into<AnyValue>> FromIterator<(K, V)> for AnyDict {
    /// A dict of the entries, keys Python holds equal merged as [`AnyDict::from_entries`] does.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        Self::from_entries(entries.into_iter().map(|(k, v)| (k.into(), v.into())))
    }
}

impl AnyValue {
    /// Whether the value is `None`.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// The boolean, if the value is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if the value is one within `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The integer, if the value is one within `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Int(i) => u64::try_from(*i).ok(),
            Self::UInt(u) => Some(*u),
            _ => None,
        }
    }

    /// The float, if the value is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The string, if the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, if the value is msgpack bin.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The date-time, if the value is a msgpack timestamp. A string is never read as one, even
    /// when it spells a date-time: Python holds it as a string.
    pub fn as_datetime(&self) -> Option<&UtcDateTime> {
        match self {
            Self::DateTime(t) => Some(t),
            _ => None,
        }
    }

    /// The items, if the value is an array.
    pub fn as_array(&self) -> Option<&[AnyValue]> {
        match self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, if the value is a map.
    pub fn as_map(&self) -> Option<&AnyDict> {
        match self {
            Self::Map(map) => Some(map),
            _ => None,
        }
    }

    /// The value of string key `key`, if the value is a map that has it.
    pub fn get(&self, key: &str) -> Option<&AnyValue> {
        self.as_map()?.get(key)
    }

    /// An integer from its decimal digits, in the variant that holds it.
    fn integer(digits: &str) -> Self {
        if let Ok(i) = digits.parse::<i64>() {
            Self::Int(i)
        } else if let Ok(u) = digits.parse::<u64>() {
            Self::UInt(u)
        } else {
            Self::BigInt(digits.to_owned())
        }
    }
}

impl PartialEq for AnyValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Null, Self::Null) => true,
            (Self::Bool(a), Self::Bool(b)) => a == b,
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::UInt(a), Self::UInt(b)) => a == b,
            (Self::BigInt(a), Self::BigInt(b)) => a == b,
            (Self::Float(a), Self::Float(b)) => a.to_bits() == b.to_bits(),
            (Self::String(a), Self::String(b)) => a == b,
            (Self::Bytes(a), Self::Bytes(b)) => a == b,
            (Self::DateTime(a), Self::DateTime(b)) => a == b,
            (Self::Array(a), Self::Array(b)) => a == b,
            (Self::Map(a), Self::Map(b)) => a == b,
            (
                Self::Ext { kind, data },
                Self::Ext {
                    kind: other_kind,
                    data: other_data,
                },
            ) => kind == other_kind && data == other_data,
            _ => false,
        }
    }
}

macro_rules! from_scalar {
    ($($ty:ty => $variant:ident $(via $conv:ty)?),* $(,)?) => {$(
        impl From<$ty> for AnyValue {
            fn from(value: $ty) -> Self {
                Self::$variant((value $(as $conv)?).into())
            }
        }
    )*};
}

from_scalar!(
    bool => Bool,
    i32 => Int via i64,
    i64 => Int,
    f64 => Float,
    String => String,
    &str => String,
    Vec<u8> => Bytes,
    UtcDateTime => DateTime,
    Vec<AnyValue> => Array,
    AnyDict => Map,
);

impl From<u64> for AnyValue {
    fn from(value: u64) -> Self {
        match i64::try_from(value) {
            Ok(i) => Self::Int(i),
            Err(_) => Self::UInt(value),
        }
    }
}

impl From<&serde_json::Value> for AnyValue {
    fn from(value: &serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Self::Int(i),
                (None, Some(u), _) => Self::UInt(u),
                (None, None, Some(f)) => Self::Float(f),
                // Only with serde_json's `arbitrary_precision`: an integer beyond 64 bits.
                (None, None, None) => Self::integer(&n.to_string()),
            },
            Value::String(s) => Self::String(s.clone()),
            Value::Array(items) => Self::Array(items.iter().map(Self::from).collect()),
            Value::Object(map) => Self::Map(AnyDict::from_entries(
                map.iter()
                    .map(|(k, v)| (Self::String(k.clone()), Self::from(v))),
            )),
        }
    }
}

impl From<serde_json::Value> for AnyValue {
    fn from(value: serde_json::Value) -> Self {
        Self::from(&value)
    }
}

impl From<&JsonValue> for AnyValue {
    /// The same value: every JSON value is a value Python may hold; integers of any size keep
    /// their digits.
    fn from(value: &JsonValue) -> Self {
        let text = value.as_json_text();
        let mut parser = JsonTree {
            text: text.as_bytes(),
            at: 0,
        };
        // A `JsonValue` holds valid JSON, which the parser reads whole.
        parser.value().unwrap_or(Self::Null)
    }
}

impl From<JsonValue> for AnyValue {
    fn from(value: JsonValue) -> Self {
        Self::from(&value)
    }
}

// ---------------------------------------------------------------------------------------------
// Python's key equality

/// A map key as Python hashes and compares it: numbers by value across `bool`, `int` and
/// `float` (`True == 1 == 1.0`, `0 == -0.0`), strings and bytes by content (never equal to each
/// other), instants by value, tuples item by item. `None` for a key equal to nothing, not even
/// itself (NaN, whose every msgspec-decoded copy is a new object), or one Python cannot hash.
#[derive(PartialEq, Eq, Hash)]
enum PyKey<'a> {
    None,
    /// An integral number, whatever its type.
    Integral(i128),
    /// A float with a fraction, or an infinity, or one too large for `i128`: its bits.
    FloatBits(u64),
    Str(&'a str),
    Bytes(&'a [u8]),
    Instant(UtcDateTime),
    Tuple(Vec<PyKey<'a>>),
}

fn py_key(value: &AnyValue) -> Option<PyKey<'_>> {
    Some(match value {
        AnyValue::Null => PyKey::None,
        AnyValue::Bool(b) => PyKey::Integral(i128::from(*b)),
        AnyValue::Int(i) => PyKey::Integral(i128::from(*i)),
        AnyValue::UInt(u) => PyKey::Integral(i128::from(*u)),
        // Never a map key in practice (JSON keys are strings); equal digits, equal keys.
        AnyValue::BigInt(digits) => PyKey::Str(digits),
        AnyValue::Float(f) if f.is_nan() => return None,
        AnyValue::Float(f) if f.fract() == 0.0 && f.abs() < 2f64.powi(127) => {
            PyKey::Integral(*f as i128)
        }
        AnyValue::Float(f) => PyKey::FloatBits(f.to_bits()),
        AnyValue::String(s) => PyKey::Str(s),
        AnyValue::Bytes(b) => PyKey::Bytes(b),
        AnyValue::DateTime(t) => PyKey::Instant(*t),
        AnyValue::Array(items) => {
            PyKey::Tuple(items.iter().map(py_key).collect::<Option<Vec<_>>>()?)
        }
        AnyValue::Map(_) | AnyValue::Ext { .. } => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// JSON text to a tree

/// Reads valid JSON text into an [`AnyValue`], keeping integers of any size. Recursive: the
/// text comes from a [`JsonValue`], whose nesting the decoders bounded.
struct JsonTree<'a> {
    text: &'a [u8],
    at: usize,
}

impl JsonTree<'_> {
    fn skip_space(&mut self) {
        while matches!(self.text.get(self.at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.text.get(self.at) == Some(&byte);
        self.at += usize::from(found);
        found
    }

    fn value(&mut self) -> Option<AnyValue> {
        self.skip_space();
        let start = self.at;
        Some(match *self.text.get(start)? {
            b'n' => {
                self.at += 4;
                AnyValue::Null
            }
            b't' => {
                self.at += 4;
                AnyValue::Bool(true)
            }
            b'f' => {
                self.at += 5;
                AnyValue::Bool(false)
            }
            b'"' => AnyValue::String(self.string()?),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value()?);
                        if self.eat(b']') {
                            break;
                        }
                        self.eat(b',').then_some(())?;
                    }
                }
                AnyValue::Array(items)
            }
            b'{' => {
                self.at += 1;
                let mut entries = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.skip_space();
                        let key = self.string()?;
                        self.eat(b':').then_some(())?;
                        entries.push((AnyValue::String(key), self.value()?));
                        if self.eat(b'}') {
                            break;
                        }
                        self.eat(b',').then_some(())?;
                    }
                }
                AnyValue::Map(AnyDict::from_entries(entries))
            }
            _ => {
                let len = self.text[start..]
                    .iter()
                    .position(|b| !matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                    .unwrap_or(self.text.len() - start);
                self.at += len;
                let number = std::str::from_utf8(&self.text[start..self.at]).ok()?;
                if number.contains(['.', 'e', 'E']) {
                    AnyValue::Float(number.parse().ok()?)
                } else {
                    AnyValue::integer(number)
                }
            }
        })
    }

    /// A string literal at the cursor, unescaped.
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        let end = super::string_end(self.text, start + 1);
        self.at = end;
        let literal = std::str::from_utf8(self.text.get(start..end)?).ok()?;
        serde_json::from_str(literal).ok()
    }
}

/// Why a map key is refused: Python builds a dict, and such a key has no hash.
pub(crate) const UNHASHABLE_KEY: &str =
    "a map key is (or holds) a map or an extension value, which Python cannot hash";

impl Serialize for AnyValue {
    /// msgpack (a binary serializer): each value in its own msgpack form, as msgspec writes the
    /// Python value. JSON (a human-readable serializer): as pydantic's `model_dump(mode="json")`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let json = serializer.is_human_readable();
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Bool(b) => serializer.serialize_bool(*b),
            Self::Int(i) => serializer.serialize_i64(*i),
            Self::UInt(u) => serializer.serialize_u64(*u),
            Self::BigInt(digits) if json => {
                // Digits checked when the value was read (or built by `integer`).
                serde_json::value::RawValue::from_string(digits.clone())
                    .map_err(S::Error::custom)?
                    .serialize(serializer)
            }
            Self::BigInt(digits) => Err(S::Error::custom(format_args!(
                "the integer {digits} does not fit in 64 bits and cannot be written as msgpack"
            ))),
            // pydantic writes NaN and the infinities as `null` in JSON.
            Self::Float(f) if json && !f.is_finite() => serializer.serialize_unit(),
            Self::Float(f) => serializer.serialize_f64(*f),
            Self::String(s) => serializer.serialize_str(s),
            Self::Bytes(b) if json => serializer.serialize_str(bytes_as_text(b)?),
            Self::Bytes(b) => serializer.serialize_bytes(b),
            Self::DateTime(t) => t.serialize(serializer),
            Self::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Self::Map(map) => map.serialize(serializer),
            Self::Ext { kind, .. } if json => Err(S::Error::custom(format_args!(
                "a msgpack extension value of type {kind} has no JSON form"
            ))),
            Self::Ext { kind, data } => ext::serialize_ext(serializer, *kind, data),
        }
    }
}

/// Bytes as pydantic writes them in JSON: their UTF-8 text.
fn bytes_as_text<E: serde::ser::Error>(bytes: &[u8]) -> Result<&str, E> {
    std::str::from_utf8(bytes).map_err(|_| {
        E::custom(
            "bytes that are not UTF-8 have no JSON form (pydantic writes bytes as UTF-8 text)",
        )
    })
}

impl Serialize for AnyDict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !serializer.is_human_readable() || self.0.iter().all(|(k, _)| k.as_str().is_some()) {
            let mut map = serializer.serialize_map(Some(self.0.len()))?;
            for (key, value) in &self.0 {
                map.serialize_entry(key, value)?;
            }
            return map.end();
        }
        // JSON keys are strings: pydantic writes each key as text, and keys whose text is the
        // same become one, with the first one's place and the last value.
        let mut merged: IndexMap<String, &AnyValue> = IndexMap::with_capacity(self.0.len());
        for (key, value) in &self.0 {
            let mut text = String::new();
            key_text(key, &mut text)?;
            merged.insert(text, value);
        }
        let mut map = serializer.serialize_map(Some(merged.len()))?;
        for (key, value) in merged {
            map.serialize_entry(&key, value)?;
        }
        map.end()
    }
}

/// Appends the JSON text pydantic writes for a map key: `true`/`false`, `None` for nil, NaN and
/// the infinities, integers in decimal, floats as Python's `repr`, bytes as UTF-8, date-times
/// as in values, and a tuple's items written so, joined by commas.
fn key_text<E: serde::ser::Error>(key: &AnyValue, out: &mut String) -> Result<(), E> {
    use std::fmt::Write as _;
    match key {
        AnyValue::Null => out.push_str("None"),
        AnyValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        AnyValue::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        AnyValue::UInt(u) => out.push_str(itoa::Buffer::new().format(*u)),
        AnyValue::BigInt(digits) => out.push_str(digits),
        AnyValue::Float(f) if !f.is_finite() => out.push_str("None"),
        AnyValue::Float(f) => python_float_repr(*f, out),
        AnyValue::String(s) => out.push_str(s),
        AnyValue::Bytes(b) => out.push_str(bytes_as_text(b)?),
        AnyValue::DateTime(t) => {
            let _ = write!(out, "{t}");
        }
        AnyValue::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                key_text(item, out)?;
            }
        }
        AnyValue::Map(_) | AnyValue::Ext { .. } => {
            return Err(E::custom("a map or an extension value cannot be a map key"));
        }
    }
    Ok(())
}

/// Appends a finite float as Python's `repr` writes it: the shortest digits that read back to
/// the same float, in positional form for exponents from -4 to 15 (with `.0` when integral),
/// otherwise as `d.ddde+XX` / `de-XX` with at least two exponent digits.
fn python_float_repr(f: f64, out: &mut String) {
    // `{:e}` gives the shortest round-trip digits: `1.5e20`, `-1e-7`, `0e0`.
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    out.push_str(sign);
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-point) as usize));
            out.push_str(&digits);
        } else if point as usize >= digits.len() {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
            out.push_str(".0");
        } else {
            let (whole, fraction) = digits.split_at(point as usize);
            out.push_str(whole);
            out.push('.');
            out.push_str(fraction);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = std::fmt::Write::write_fmt(
            out,
            format_args!(
                "e{}{:02}",
                if exponent < 0 { '-' } else { '+' },
                exponent.abs()
            ),
        );
    }
}

impl<'de> Deserialize<'de> for AnyValue {
    /// From JSON (a human-readable deserializer), any JSON value, integers of any size included.
    /// From msgpack, any value msgspec decodes: bin, timestamps (checked as msgspec checks them),
    /// other extension values, maps with keys other than strings (but not maps or extension
    /// values, which Python cannot hash).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            return JsonValue::deserialize(deserializer).map(|json| Self::from(&json));
        }
        deserializer.deserialize_newtype_struct(ANY_TOKEN, Tree { wrapped: true })
    }
}

impl<'de> Deserialize<'de> for AnyDict {
    /// A map, read as [`AnyValue`] reads one; anything else is refused.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match AnyValue::deserialize(deserializer)? {
            AnyValue::Map(map) => Ok(map),
            other => Err(de::Error::custom(format_args!(
                "expected a map, found {}",
                other.kind_name()
            ))),
        }
    }
}

impl AnyValue {
    /// Whether Python can use the value as a dict key: not a map or an extension value, nor an
    /// array (a tuple there) holding one.
    pub(crate) fn is_hashable(&self) -> bool {
        match self {
            Self::Map(_) | Self::Ext { .. } => false,
            Self::Array(items) => items.iter().all(Self::is_hashable),
            _ => true,
        }
    }

    /// What kind of value this is, for error messages.
    fn kind_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "a boolean",
            Self::Int(_) | Self::UInt(_) | Self::BigInt(_) => "an integer",
            Self::Float(_) => "a float",
            Self::String(_) => "a string",
            Self::Bytes(_) => "bytes",
            Self::DateTime(_) => "a date-time",
            Self::Array(_) => "an array",
            Self::Map(_) => "a map",
            Self::Ext { .. } => "an extension value",
        }
    }
}

/// The newtype name under which an [`AnyValue`] asks a msgpack deserializer for its value. The
/// crate's body decoder (`msgpack_de`) answers it with the finished value, built from its input
/// without recursion ([`AnyValue::from_msgpack_prefix`]) and handed over with
/// [`hand_over_any_to`]; any other deserializer (rmp-serde) shows the newtype's content as usual,
/// and [`Tree`] builds the value from it.
pub(crate) const ANY_TOKEN: &str = "$airflow_comms::private::AnyValue";

thread_local! {
    /// The value a body decoder built for the [`AnyValue`] being deserialized on this thread:
    /// the one way to pass a finished value through serde's visitor calls (see [`ANY_TOKEN`]).
    /// Set only by [`hand_over_any_to`], taken only by `Tree::visit_map`; see there for why the
    /// value taken is always the one just set.
    static HANDED_OVER: std::cell::Cell<Option<AnyValue>> = const { std::cell::Cell::new(None) };
}

/// Hands `value` to `visitor` (an [`AnyValue`]'s, which asked with [`ANY_TOKEN`]).
///
/// What holds, as for a `JsonValue` (`value::hand_over_to`): the slot is set here and read within
/// `visitor.visit_map`, on the same thread, before this returns; the map shown
/// ([`TokenEntry`](super::TokenEntry)) yields only the token and a unit, so no other hand-over can
/// start in between; and the slot is empty again when this returns or unwinds, so a value the
/// visitor did not take is dropped, never left for a later reader.
pub(crate) fn hand_over_any_to<'de, V: Visitor<'de>, E: de::Error>(
    value: AnyValue,
    visitor: V,
) -> Result<V::Value, E> {
    super::hand_over(&HANDED_OVER, ANY_TOKEN, value, visitor)
}

/// Builds an [`AnyValue`] from what a msgpack deserializer presents, as rmp-serde presents it:
/// bin as bytes, an extension value as a newtype struct around `(type, bytes)`. `wrapped`: the
/// visitor was handed to `deserialize_newtype_struct(ANY_TOKEN, ..)`, so a newtype it visits
/// is that wrapper around the value, not an extension value.
struct Tree {
    wrapped: bool,
}

const CONTENT: Tree = Tree { wrapped: false };

impl<'de> Visitor<'de> for Tree {
    type Value = AnyValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<AnyValue, E> {
        Ok(AnyValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<AnyValue, E> {
        Ok(AnyValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<AnyValue, E> {
        Ok(AnyValue::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<AnyValue, E> {
        Ok(AnyValue::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<AnyValue, E> {
        Ok(AnyValue::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<AnyValue, E> {
        Ok(AnyValue::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<AnyValue, E> {
        Ok(AnyValue::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<AnyValue, E> {
        Ok(AnyValue::Bytes(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<AnyValue, E> {
        Ok(AnyValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<AnyValue, E> {
        Ok(AnyValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<AnyValue, D::Error> {
        AnyValue::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyValue, A::Error> {
        // The declared count is not trusted for the allocation.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(AnyValue::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyValue, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        if self.wrapped {
            // The crate's body decoder hands the finished value over as a one-entry map.
            let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
                return Ok(AnyValue::Map(AnyDict::default()));
            };
            if key == ANY_TOKEN {
                // Only `hand_over_any_to` shows this key with a value in the slot, within the
                // call that set it (see there): the value taken is the one handed over.
                map.next_value::<de::IgnoredAny>()?;
                return HANDED_OVER
                    .with(|slot| slot.take())
                    .ok_or_else(|| de::Error::custom("no value was handed over"));
            }
            // A map shown as the newtype's content: its first key was a string.
            entries.push((AnyValue::String(key.into_owned()), map.next_value()?));
        }
        while let Some(key) = map.next_key::<AnyValue>()? {
            if !key.is_hashable() {
                return Err(de::Error::custom(UNHASHABLE_KEY));
            }
            entries.push((key, map.next_value()?));
        }
        Ok(AnyValue::Map(AnyDict::from_entries(entries)))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<AnyValue, D::Error> {
        if self.wrapped {
            return d.deserialize_any(CONTENT);
        }
        let ext::Ext { kind, data } = ext::Ext::deserialize(d)?;
        if kind != ext::TIMESTAMP {
            return Ok(AnyValue::Ext { kind, data });
        }
        ext::decode_timestamp(&data)
            .and_then(|(secs, nanos)| ext::timestamp_to_utc(secs, nanos))
            .map(|utc| AnyValue::DateTime(UtcDateTime::from_chrono(utc)))
            .ok_or_else(|| {
                de::Error::custom("malformed msgpack timestamp, or one outside the years 1 to 9999")
            })
    }
}
