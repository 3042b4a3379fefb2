//! A serde deserializer over a JSON object body the scanner has already split into its
//! top-level entries ([`scan_object_entries`](crate::codec::json_scan::scan_object_entries)).
//!
//! Each field value is read from its own slice of the text by serde_json, so decoding sees the
//! same visitor calls as one serde_json pass over the whole body, with one exception that is the
//! point of this module: a [`JsonValue`] field takes its slice as it is, which the scan already
//! checked, instead of serde_json reading the value a second time to find where it ends. For a
//! big XCom value that second read was half of the decode.
//!
//! Only success is decided here: when decoding fails, the caller decodes again with serde_json
//! over the whole body, which words the error and gives its field path.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Visitor};

use crate::value::{JsonValue, VALUE_TOKEN};

/// Deserializes the object whose entries are `entries`; `compact` says the body held no
/// whitespace between tokens; `lax` reads it in pydantic's lax mode (see [`crate::value::lax`]).
pub(crate) fn from_entries<T: de::DeserializeOwned>(
    entries: &[(&str, &str)],
    compact: bool,
    lax: bool,
) -> Result<T, serde_json::Error> {
    let object = Object { entries, compact };
    if lax {
        T::deserialize(crate::value::lax::Lax(object))
    } else {
        T::deserialize(object)
    }
}

/// The body: a map of its entries.
struct Object<'a, 'de> {
    entries: &'a [(&'de str, &'de str)],
    compact: bool,
}

impl<'de> de::Deserializer<'de> for Object<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_map(Entries {
            rest: self.entries,
            value: None,
            compact: self.compact,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The entries still to visit.
struct Entries<'a, 'de> {
    rest: &'a [(&'de str, &'de str)],
    /// The text of the value whose key was just visited.
    value: Option<&'de str>,
    compact: bool,
}

impl<'de> de::MapAccess<'de> for Entries<'_, 'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some(((key, value), rest)) = self.rest.split_first() else {
            return Ok(None);
        };
        self.rest = rest;
        self.value = Some(value);
        // Keys were scanned as strings without escapes: their raw text is the key.
        seed.deserialize(BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let text = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value was asked for before its key"))?;
        seed.deserialize(Value {
            text,
            compact: self.compact,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.rest.len())
    }
}

/// One field value: the text of one well-formed JSON value.
struct Value<'de> {
    text: &'de str,
    compact: bool,
}

impl<'de> Value<'de> {
    /// A serde_json deserializer over the value alone, without serde_json's own nesting limit:
    /// the scan has checked the value's depth against the configured one.
    fn json(&self) -> serde_json::Deserializer<serde_json::de::StrRead<'de>> {
        crate::value::checked_json(self.text)
    }
}

/// Implements `deserialize_*` methods by running serde_json over the value's text, and checking
/// it read all of it.
macro_rules! by_serde_json {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Self::Error> {
            let mut json = self.json();
            let value = de::Deserializer::$method(&mut json, $($arg,)* visitor)?;
            json.end()?;
            Ok(value)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value<'de> {
    type Error = serde_json::Error;

    for_each_deserialize_method!(by_serde_json);

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if name == VALUE_TOKEN {
            // A JsonValue: its text is this slice, checked by the scan (see `value::VALUE_TOKEN`).
            // The value reaches `visitor` through a thread-local slot that `hand_over_to` sets
            // and the visitor empties within this call (see there for what holds).
            let value = JsonValue::from_scanned_text(self.text, self.compact)?;
            return crate::value::hand_over_to(value, visitor);
        }
        let mut json = self.json();
        let value = de::Deserializer::deserialize_newtype_struct(&mut json, name, visitor)?;
        json.end()?;
        Ok(value)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        // The scan checked the value; nothing in it is needed.
        visitor.visit_unit()
    }
}
