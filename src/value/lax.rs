//! pydantic's lax mode, for decoders built with [`Limits::with_lax`](crate::Limits::with_lax).
//!
//! Strict decoding (the default) accepts what the SDK itself writes. Lax decoding also accepts
//! what pydantic's lax mode coerces, with pydantic's result: `"3"` or `3.0` for an integer,
//! `"yes"` or `1` for a boolean, unix timestamps and plain dates for date-times, `"01:00:00"` for
//! a duration, msgpack bin holding text where text is expected, and so on (README.md,
//! "Deliberate differences", lists every class).
//!
//! How: [`Lax`] wraps the format's deserializer (the same one strict decoding uses, so limits,
//! error wording and the fast paths below a field are shared) and, in the typed `deserialize_*`
//! methods serde's impls call (`deserialize_i64` for an `i64`, ...), reads whatever value is on
//! the wire and converts it as pydantic would before the type's own visitor sees it. A value
//! pydantic refuses is handed over unchanged, so the refusal and its wording are strict mode's.
//! Date-times and durations read any value (`deserialize_any`), so they announce themselves
//! with a newtype name ([`DATETIME_TOKEN`], [`DURATION_TOKEN`]) that strict deserializers pass
//! through and [`Lax`] recognises.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

/// The newtype name a date-time's `Deserialize` announces itself with (see the module docs).
pub(crate) const DATETIME_TOKEN: &str = "$airflow_comms::lax::DateTime";
/// The newtype name a duration's `Deserialize` announces itself with.
pub(crate) const DURATION_TOKEN: &str = "$airflow_comms::lax::Duration";
/// The newtype name a union announces itself with: strict deserializers that do not know it call
/// `visit_newtype_struct`, the crate's body decoders call `visit_enum` with the tag they found,
/// and [`Lax`] passes the question on, turning `visit_newtype_struct` into `visit_some` and
/// reading an enum's content in lax mode, so the union is decoded in the body's mode.
pub(crate) const UNION_TOKEN: &str = "$airflow_comms::lax::Union";
/// The tuple-struct name of a named tuple that lax mode also reads from an object.
pub(crate) const TRIGGER_EVENT_ENTRY: &str = "TriggerEventEntry";
/// The fields of that named tuple, in order.
const TRIGGER_EVENT_ENTRY_FIELDS: &[&str] = &["trigger_id", "event", "persist_seq"];

/// The fields, in order, of the named tuple that a tuple struct called `name` mirrors, which
/// lax mode also reads from an object of those fields (`namedtuple-from-object`).
pub(crate) fn named_tuple_fields(name: &str) -> Option<&'static [&'static str]> {
    (name == TRIGGER_EVENT_ENTRY).then_some(TRIGGER_EVENT_ENTRY_FIELDS)
}

/// Forwards the listed `visit_*` methods of a wrapping visitor to the wrapped one, `self.0`.
macro_rules! forward_visits {
    ($($kind:ident)*) => {$( forward_visits!(@one $kind); )*};
    (@one bool) => { fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> { self.0.visit_bool(v) } };
    (@one i64) => { fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> { self.0.visit_i64(v) } };
    (@one u64) => { fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> { self.0.visit_u64(v) } };
    (@one i128) => { fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> { self.0.visit_i128(v) } };
    (@one u128) => { fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> { self.0.visit_u128(v) } };
    (@one f64) => { fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> { self.0.visit_f64(v) } };
    (@one str) => { fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> { self.0.visit_str(v) } };
    (@one borrowed_str) => { fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> { self.0.visit_borrowed_str(v) } };
    (@one string) => { fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> { self.0.visit_string(v) } };
    (@one bytes) => { fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> { self.0.visit_bytes(v) } };
    (@one borrowed_bytes) => { fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> { self.0.visit_borrowed_bytes(v) } };
    (@one byte_buf) => { fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> { self.0.visit_byte_buf(v) } };
    (@one none) => { fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> { self.0.visit_none() } };
    (@one some) => { fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> { self.0.visit_some(d) } };
    (@one unit) => { fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> { self.0.visit_unit() } };
    (@one newtype_struct) => { fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> { self.0.visit_newtype_struct(d) } };
    (@one seq) => { fn visit_seq<A: de::SeqAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> { self.0.visit_seq(a) } };
    (@one map) => { fn visit_map<A: de::MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> { self.0.visit_map(a) } };
    (@one enum) => { fn visit_enum<A: de::EnumAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> { self.0.visit_enum(a) } };
    // Containers and optional values: what is inside is read in lax mode too.
    (@one lax_some) => { fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> { self.0.visit_some(Lax(d)) } };
    (@one lax_newtype_struct) => { fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> { self.0.visit_newtype_struct(Lax(d)) } };
    (@one lax_seq) => { fn visit_seq<A: de::SeqAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> { self.0.visit_seq(Access(a)) } };
    (@one lax_map) => { fn visit_map<A: de::MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> { self.0.visit_map(Access(a)) } };
}

/// Reads a date-time or duration announced by `token`: strict deserializers call
/// `visit_newtype_struct` with themselves, which reads the value with `visitor`.
pub(crate) fn deserialize_announced<'de, D: Deserializer<'de>, V: Visitor<'de>>(
    deserializer: D,
    token: &'static str,
    visitor: V,
) -> Result<V::Value, D::Error> {
    deserializer.deserialize_newtype_struct(token, Announced(visitor))
}

/// See [`deserialize_announced`].
struct Announced<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for Announced<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        d.deserialize_any(self.0)
    }
    forward_visits!(bool i64 u64 i128 u128 f64 str borrowed_str string bytes borrowed_bytes
        byte_buf none some unit seq map enum);
}

/// A deserializer read in pydantic's lax mode; see the [module docs](self).
pub(crate) struct Lax<D>(pub(crate) D);

/// Implements typed `deserialize_*` methods by reading any value through a converting visitor.
macro_rules! converted {
    ($($method:ident => $convert:ident;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.deserialize_any($convert(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Lax<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(Within(visitor))
    }

    converted! {
        deserialize_bool => ToBool;
        deserialize_i8 => ToInt;
        deserialize_i16 => ToInt;
        deserialize_i32 => ToInt;
        deserialize_i64 => ToInt;
        deserialize_u8 => ToInt;
        deserialize_u16 => ToInt;
        deserialize_u32 => ToInt;
        deserialize_u64 => ToInt;
        deserialize_f32 => ToFloat;
        deserialize_f64 => ToFloat;
        deserialize_char => ToStr;
        deserialize_str => ToStr;
        deserialize_string => ToStr;
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_i128(Within(visitor))
    }
    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_u128(Within(visitor))
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_bytes(Within(visitor))
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_byte_buf(Within(visitor))
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_option(Within(visitor))
    }
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit(Within(visitor))
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Within(visitor))
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        match name {
            DATETIME_TOKEN => visitor.visit_newtype_struct(DateTimeDe(self.0)),
            DURATION_TOKEN => visitor.visit_newtype_struct(DurationDe(self.0)),
            UNION_TOKEN => self.0.deserialize_newtype_struct(name, LaxUnion(visitor)),
            // Free-form values (`JsonValue`, `AnyValue`) keep what was sent, as in pydantic.
            crate::value::VALUE_TOKEN | crate::value::ANY_TOKEN => {
                self.0.deserialize_newtype_struct(name, visitor)
            }
            _ => self.0.deserialize_newtype_struct(name, Within(visitor)),
        }
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_seq(Within(visitor))
    }
    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Within(visitor))
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        if let Some(fields) = named_tuple_fields(name)
            && self.0.is_human_readable()
        {
            // pydantic reads a named tuple from an object of its fields too. The msgpack
            // deserializer does so itself in lax mode (it can step over values unread).
            return self.0.deserialize_any(NamedTuple { visitor, fields });
        }
        self.0.deserialize_tuple_struct(name, len, Within(visitor))
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(Within(visitor))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        if self.0.is_human_readable() {
            // JSON: a model's duplicate keys are resolved first, the last one winning, as
            // pydantic looks fields up (`duplicate-key-last-wins`); a dict's are not.
            return self.0.deserialize_map(LastWins(visitor));
        }
        self.0.deserialize_struct(name, fields, Within(visitor))
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        // Field names are matched as sent, as pydantic matches them.
        self.0.deserialize_identifier(visitor)
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_ignored_any(visitor)
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A visitor whose containers and optional values are read in lax mode.
struct Within<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for Within<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    forward_visits!(bool i64 u64 i128 u128 f64 str borrowed_str string bytes borrowed_bytes
        byte_buf none unit enum lax_some lax_newtype_struct lax_seq lax_map);
}

/// A union's visitor, told that it is read in lax mode (see [`UNION_TOKEN`]).
struct LaxUnion<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for LaxUnion<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(d)
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Access(data))
    }
}

impl<'de, A: de::EnumAccess<'de>> de::EnumAccess<'de> for Access<A> {
    type Error = A::Error;
    type Variant = Access<A::Variant>;
    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Access<A::Variant>), A::Error> {
        let (tag, variant) = self.0.variant_seed(seed)?;
        Ok((tag, Access(variant)))
    }
}

/// A union's member, read in lax mode: the content of the variant its tag named.
impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for Access<A> {
    type Error = A::Error;
    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }
    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Within(visitor))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Within(visitor))
    }
}

/// The items of an array or the entries of a map, read in lax mode.
struct Access<A>(A);

/// A seed that reads its value in lax mode.
struct Seed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Lax(d))
    }
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Access<A> {
    type Error = A::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Access<A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed))
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// msgpack bin holding UTF-8 text is read as that text (`str-from-bin` and its kin), as
/// pydantic reads the `bytes` msgspec hands it.
macro_rules! bytes_as_text {
    () => {
        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            match std::str::from_utf8(v) {
                Ok(text) => self.visit_str(text),
                Err(_) => self.0.visit_bytes(v),
            }
        }
        fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
            match std::str::from_utf8(v) {
                Ok(text) => self.visit_borrowed_str(text),
                Err(_) => self.0.visit_borrowed_bytes(v),
            }
        }
        fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
            self.visit_bytes(&v)
        }
    };
}

/// Text for a `str`: msgpack bin holding UTF-8 (`str-from-bin`). pydantic's lax mode turns
/// nothing else into text.
struct ToStr<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for ToStr<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    bytes_as_text!();
    forward_visits!(bool i64 u64 i128 u128 f64 str borrowed_str string none unit enum lax_some
        lax_newtype_struct lax_seq lax_map);
}

/// An integer: from a boolean (`int-from-bool`), an integral float (`int-from-float`), or text
/// (`int-from-string`, `int-from-bin`).
struct ToInt<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for ToInt<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.0.visit_i64(i64::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        match int_from_float(v) {
            Some(n) => self.0.visit_i64(n),
            None => self.0.visit_f64(v),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        match int_from_str(v) {
            Some(n) => visit_int(self.0, n),
            None => self.0.visit_str(v),
        }
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        match int_from_str(v) {
            Some(n) => visit_int(self.0, n),
            None => self.0.visit_borrowed_str(v),
        }
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.visit_str(&v)
    }
    bytes_as_text!();
    forward_visits!(i64 u64 i128 u128 none unit enum lax_some lax_newtype_struct lax_seq lax_map);
}

fn visit_int<'de, V: Visitor<'de>, E: de::Error>(visitor: V, n: i128) -> Result<V::Value, E> {
    match (i64::try_from(n), u64::try_from(n)) {
        (Ok(n), _) => visitor.visit_i64(n),
        (_, Ok(n)) => visitor.visit_u64(n),
        _ => visitor.visit_i128(n),
    }
}

/// A float pydantic reads as an integer: finite, integral, and within 64 bits (its bound for
/// floats, exclusive at both ends).
fn int_from_float(v: f64) -> Option<i64> {
    const BOUND: f64 = 9_223_372_036_854_775_808.0; // 2^63
    (v.is_finite() && v.fract() == 0.0 && v > -BOUND && v < BOUND).then_some(v as i64)
}

/// Text pydantic reads as an integer: surrounding whitespace, a sign, `_` between digits, and a
/// fraction of zeros only (`" 1_000.00 "`). `None` if it is not one, or has more than 38
/// digits (beyond every integer field here either way).
fn int_from_str(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    if fraction.is_some_and(|f| f.is_empty() || f.bytes().any(|b| b != b'0')) {
        return None;
    }
    let digits = without_underscores(whole)?;
    if digits.len() > 38 {
        return None;
    }
    let magnitude: i128 = digits.parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// `text` without the `_` it may hold between two ASCII digits; `None` if it is not ASCII
/// digits so separated (or is empty).
fn without_underscores(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    let mut digits = String::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' => digits.push(char::from(b)),
            b'_' if i > 0
                && bytes[i - 1].is_ascii_digit()
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {}
            _ => return None,
        }
    }
    Some(digits)
}

/// A float: from a boolean (`float-from-bool`) or text (`float-from-string`).
struct ToFloat<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for ToFloat<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.0.visit_f64(if v { 1.0 } else { 0.0 })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        match float_from_str(v) {
            Some(n) => self.0.visit_f64(n),
            None => self.0.visit_str(v),
        }
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        match float_from_str(v) {
            Some(n) => self.0.visit_f64(n),
            None => self.0.visit_borrowed_str(v),
        }
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.visit_str(&v)
    }
    bytes_as_text!();
    forward_visits!(i64 u64 i128 u128 f64 none unit enum lax_some lax_newtype_struct lax_seq
        lax_map);
}

/// Text pydantic reads as a float: surrounding whitespace, then a decimal number (`_` allowed
/// between digits), or `inf`, `infinity`, `nan` in any case, signed or not.
fn float_from_str(text: &str) -> Option<f64> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let mut plain = String::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'_' if i > 0
                && bytes[i - 1].is_ascii_digit()
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {}
            b'_' => return None,
            _ => plain.push(char::from(b)),
        }
        if !b.is_ascii() {
            return None;
        }
    }
    // Rust's parser reads exactly these spellings (and `infinity`, `nan` in any case).
    plain.parse().ok()
}

/// A boolean: from `0` / `1` (`bool-from-int`), `0.0` / `1.0` (`bool-from-float`), or one of
/// pydantic's words in any case (`bool-from-string`).
struct ToBool<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for ToBool<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        match v {
            0 | 1 => self.0.visit_bool(v == 1),
            _ => self.0.visit_i64(v),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        match v {
            0 | 1 => self.0.visit_bool(v == 1),
            _ => self.0.visit_u64(v),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        if v == 0.0 || v == 1.0 {
            self.0.visit_bool(v == 1.0)
        } else {
            self.0.visit_f64(v)
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        match bool_from_str(v) {
            Some(b) => self.0.visit_bool(b),
            None => self.0.visit_str(v),
        }
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.visit_str(v)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.visit_str(&v)
    }
    bytes_as_text!();
    forward_visits!(bool i128 u128 none unit enum lax_some lax_newtype_struct lax_seq lax_map);
}

/// pydantic's words for a boolean, in any case and without surrounding whitespace.
fn bool_from_str(text: &str) -> Option<bool> {
    const TRUE: &[&str] = &["1", "on", "t", "true", "y", "yes"];
    const FALSE: &[&str] = &["0", "off", "f", "false", "n", "no"];
    if TRUE.iter().any(|w| w.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if FALSE.iter().any(|w| w.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

/// The deserializer a date-time or duration reads its value from in lax mode: the wrapped
/// one, through a converting visitor.
macro_rules! converting {
    ($name:ident, $convert:ident) => {
        struct $name<D>(D);

        impl<'de, D: Deserializer<'de>> Deserializer<'de> for $name<D> {
            type Error = D::Error;
            fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.0.deserialize_any($convert(visitor))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct
                enum identifier ignored_any
            }
            fn is_human_readable(&self) -> bool {
                self.0.is_human_readable()
            }
        }
    };
}

converting!(DateTimeDe, ToDateTime);

/// A duration, read as [`ToDuration`] converts it; on a frame (`validate_python`) a boolean is
/// also a number of seconds, as Python's `bool` is an `int`, while JSON refuses it.
struct DurationDe<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for DurationDe<D> {
    type Error = D::Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let frame = !self.0.is_human_readable();
        self.0.deserialize_any(ToDuration(visitor, frame))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        enum identifier ignored_any
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// How pydantic reads unix timestamps: seconds, or milliseconds beyond 2e10 in magnitude, in
/// UTC.
fn timestamp_config() -> speedate::DateTimeConfig {
    speedate::DateTimeConfig {
        timestamp_unit: speedate::TimestampUnit::Infer,
        time_config: speedate::TimeConfig {
            unix_timestamp_offset: Some(0),
            ..speedate::TimeConfig::default()
        },
    }
}

/// A speedate date-time as ISO 8601 text the strict parser reads back to the same value;
/// `None` for an offset with seconds, which no date-time field here holds.
fn datetime_text(dt: &speedate::DateTime) -> Option<String> {
    let (d, t) = (&dt.date, &dt.time);
    let mut text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
        d.year, d.month, d.day, t.hour, t.minute, t.second, t.microsecond
    );
    match t.tz_offset {
        None => {}
        Some(0) => text.push('Z'),
        Some(secs) if secs % 60 == 0 => {
            let sign = if secs < 0 { '-' } else { '+' };
            let minutes = secs.unsigned_abs() / 60;
            text += &format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60);
        }
        Some(_) => return None,
    }
    Some(text)
}

/// Text pydantic's lax mode reads as a date-time that the strict parser refuses: a unix
/// timestamp in digits (`datetime-from-unix-seconds-string`) or a plain date, read as its
/// midnight without an offset (`datetime-date-only`).
fn lax_datetime_text(text: &str) -> Option<String> {
    match speedate::DateTime::parse_bytes_with_config(text.as_bytes(), &timestamp_config()) {
        Ok(dt) => datetime_text(&dt),
        Err(_) => {
            let date = speedate::Date::parse_str(text).ok()?;
            Some(format!(
                "{:04}-{:02}-{:02}T00:00:00",
                date.year, date.month, date.day
            ))
        }
    }
}

/// A date-time: from a unix timestamp (`datetime-from-unix-seconds`), in digits too, or a plain
/// date; what pydantic accepts is handed to the date-time's own visitor as ISO 8601 text, so
/// the field's own rules (an offset required, ...) still apply.
struct ToDateTime<V>(V);

impl<V> ToDateTime<V> {
    fn timestamp<'de, E: de::Error>(
        self,
        parsed: Result<speedate::DateTime, speedate::ParseError>,
    ) -> Result<V::Value, E>
    where
        V: Visitor<'de>,
    {
        let dt = parsed.map_err(|err| {
            E::custom(format_args!(
                "the unix timestamp is not a valid date-time: {err}"
            ))
        })?;
        let text = datetime_text(&dt)
            .ok_or_else(|| E::custom("the unix timestamp is not a valid date-time"))?;
        self.0.visit_str(&text)
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for ToDateTime<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        let parsed = speedate::DateTime::from_timestamp_with_config(v, 0, &timestamp_config());
        self.timestamp(parsed)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => self.0.visit_u64(v),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        if !v.is_finite() {
            return self.0.visit_f64(v);
        }
        let parsed = speedate::DateTime::from_float_with_config(v, &timestamp_config());
        self.timestamp(parsed)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        if v.parse::<crate::value::time::NaiveOrAwareDateTime>()
            .is_err()
            && let Some(text) = lax_datetime_text(v)
        {
            return self.0.visit_str(&text);
        }
        self.0.visit_str(v)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.visit_str(v)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.visit_str(&v)
    }
    bytes_as_text!();
    forward_visits!(bool i128 u128 none unit enum some newtype_struct seq map);
}

/// A duration: also from pydantic's other spellings, `"01:00:00"`, `"1 day, 01:00:00"`, `"1d"`
/// (`duration-clock-string`), handed to the duration's own visitor as ISO 8601 text.
/// `.1`: the value came on a frame, where pydantic reads Python objects.
struct ToDuration<V>(V, bool);

impl<'de, V: Visitor<'de>> Visitor<'de> for ToDuration<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        if v.parse::<crate::value::time::TimeDelta>().is_err()
            && let Ok(d) = speedate::Duration::parse_str(v)
        {
            let sign = if d.positive { "" } else { "-" };
            let text = format!("{sign}P{}DT{}.{:06}S", d.day, d.second, d.microsecond);
            return self.0.visit_str(&text);
        }
        self.0.visit_str(v)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.visit_str(v)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.visit_str(&v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        match self.1 {
            true => self.0.visit_u64(u64::from(v)),
            false => self.0.visit_bool(v),
        }
    }
    bytes_as_text!();
    forward_visits!(i64 u64 i128 u128 f64 none unit enum some newtype_struct seq map);
}

/// A named tuple, from a JSON array or (as pydantic also reads it) from a JSON object holding
/// exactly its fields, in any order (`namedtuple-from-object`; a repeated field takes its last
/// value). The object's values are kept as text until every key is known, then read in field
/// order.
struct NamedTuple<V> {
    visitor: V,
    fields: &'static [&'static str],
}

impl<'de, V: Visitor<'de>> Visitor<'de> for NamedTuple<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(Access(seq))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<V::Value, A::Error> {
        let mut values: Vec<Option<&'de serde_json::value::RawValue>> =
            vec![None; self.fields.len()];
        while let Some(key) = map.next_key::<String>()? {
            match self.fields.iter().position(|field| *field == key) {
                Some(at) => values[at] = Some(map.next_value()?),
                None => return Err(de::Error::unknown_field(&key, self.fields)),
            }
        }
        let mut items = Vec::with_capacity(values.len());
        for (field, value) in self.fields.iter().zip(values) {
            items.push(value.ok_or_else(|| de::Error::missing_field(field))?);
        }
        self.visitor.visit_seq(RawItems {
            items: items.into_iter(),
            error: std::marker::PhantomData,
        })
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.visitor.visit_bool(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.visitor.visit_i64(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.visitor.visit_u64(v)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.visitor.visit_f64(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.visitor.visit_str(v)
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        self.visitor.visit_bytes(v)
    }
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(d)
    }
}

/// JSON values kept as text, read in lax mode as the items of an array.
struct RawItems<'de, E> {
    items: std::vec::IntoIter<&'de serde_json::value::RawValue>,
    error: std::marker::PhantomData<E>,
}

impl<'de, E: de::Error> de::SeqAccess<'de> for RawItems<'de, E> {
    type Error = E;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, E> {
        match self.items.next() {
            Some(raw) => read_raw(raw, seed).map(Some),
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// Reads a JSON value kept as text with `seed`, in lax mode.
fn read_raw<'de, T: DeserializeSeed<'de>, E: de::Error>(
    raw: &'de serde_json::value::RawValue,
    seed: T,
) -> Result<T::Value, E> {
    // The whole body was checked against the limits before any field was decoded, so the
    // value may be read without serde_json's own nesting limit.
    let mut json = crate::value::checked_json(raw.get());
    Seed(seed)
        .deserialize(&mut json)
        .and_then(|value| json.end().map(|()| value))
        .map_err(E::custom)
}

/// Reads a JSON object's entries as text, keeps the last value of each key, and hands the
/// entries left to the model's visitor, each value read in lax mode.
struct LastWins<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for LastWins<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<V::Value, A::Error> {
        let mut entries: Vec<(String, &'de serde_json::value::RawValue)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value()?;
            match entries.iter_mut().find(|(seen, _)| *seen == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
        }
        self.0.visit_map(Buffered {
            entries: entries.into_iter(),
            value: None,
            error: std::marker::PhantomData,
        })
    }
    forward_visits!(bool i64 u64 i128 u128 f64 str borrowed_str string bytes borrowed_bytes
        byte_buf none unit enum lax_some lax_newtype_struct lax_seq);
}

/// The entries [`LastWins`] kept.
struct Buffered<'de, E> {
    entries: std::vec::IntoIter<(String, &'de serde_json::value::RawValue)>,
    value: Option<&'de serde_json::value::RawValue>,
    error: std::marker::PhantomData<E>,
}

impl<'de, E: de::Error> de::MapAccess<'de> for Buffered<'de, E> {
    type Error = E;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, E> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(de::value::StringDeserializer::<E>::new(key))
            .map(Some)
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, E> {
        let raw = self
            .value
            .take()
            .ok_or_else(|| E::custom("a value was asked for before its key"))?;
        read_raw(raw, seed)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
