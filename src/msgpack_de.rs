//! A serde deserializer over a message body the scanner has already checked
//! ([`split_body`](crate::msgpack::split_body)): well-formed, within the limits, every string UTF-8,
//! no bin.
//!
//! It presents values to serde exactly as rmp-serde does (the same visitor calls, so the same
//! coercions and error messages), and adds two things rmp-serde cannot give:
//! - a skipped value (an ignored field) is stepped over without decoding its strings again;
//! - a [`JsonValue`] field is transcoded to JSON text straight from the input, in one pass, with
//!   no visitor per item.

use std::fmt;

use serde::de::value::{BorrowedBytesDeserializer, I8Deserializer};
use serde::de::{self, DeserializeSeed, Visitor};

use crate::limits::Limits;
use crate::msgpack::Scan;
use crate::value::{JsonValue, VALUE_TOKEN};

/// Why a body did not decode into the requested type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

const TRUNCATED: &str = "the msgpack value is cut short";

/// Deserializes from a scanned body. Strings are checked again where they are decoded (safe code
/// cannot take the scanner's word for it), but not where they are skipped.
pub(crate) struct Deserializer<'de> {
    input: &'de [u8],
}

impl<'de> Deserializer<'de> {
    pub(crate) fn new(input: &'de [u8]) -> Self {
        Self { input }
    }

    /// Refuses bytes left after the value.
    pub(crate) fn end(&self) -> Result<(), Error> {
        if self.input.is_empty() {
            Ok(())
        } else {
            Err(Error("bytes trail the message".into()))
        }
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'de [u8], Error> {
        if self.input.len() < n {
            return Err(Error(TRUNCATED.into()));
        }
        let (head, tail) = self.input.split_at(n);
        self.input = tail;
        Ok(head)
    }

    #[inline]
    fn byte(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }

    /// A big-endian unsigned integer of `width` bytes.
    #[inline]
    fn be(&mut self, width: usize) -> Result<u64, Error> {
        Ok(self
            .take(width)?
            .iter()
            .fold(0u64, |n, &b| (n << 8) | u64::from(b)))
    }

    #[inline]
    fn str(&mut self, len: usize) -> Result<&'de str, Error> {
        crate::value::as_utf8(self.take(len)?)
            .ok_or_else(|| Error("a msgpack string is not UTF-8".into()))
    }

    /// Steps over one value without decoding it.
    fn skip(&mut self) -> Result<&'de [u8], Error> {
        let start = self.input;
        // Counting the values still to step over needs no stack: a container adds its items.
        let mut pending = 1usize;
        while pending > 0 {
            pending -= 1;
            let nested = crate::msgpack::item(&mut self.input, Scan::Structure, &Limits::DEFAULT)
                .map_err(|err| Error(err.to_string()))?;
            pending += nested;
        }
        Ok(&start[..start.len() - self.input.len()])
    }

    fn any<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let marker = self.byte()?;
        match marker {
            0x00..=0x7f => visitor.visit_u8(marker),
            0xe0..=0xff => visitor.visit_i8(marker as i8),
            0xc0 => visitor.visit_unit(),
            0xc2 => visitor.visit_bool(false),
            0xc3 => visitor.visit_bool(true),
            0xcc => visitor.visit_u8(self.be(1)? as u8),
            0xcd => visitor.visit_u16(self.be(2)? as u16),
            0xce => visitor.visit_u32(self.be(4)? as u32),
            0xcf => visitor.visit_u64(self.be(8)?),
            0xd0 => visitor.visit_i8(self.be(1)? as u8 as i8),
            0xd1 => visitor.visit_i16(self.be(2)? as u16 as i16),
            0xd2 => visitor.visit_i32(self.be(4)? as u32 as i32),
            0xd3 => visitor.visit_i64(self.be(8)? as i64),
            0xca => visitor.visit_f32(f32::from_bits(self.be(4)? as u32)),
            0xcb => visitor.visit_f64(f64::from_bits(self.be(8)?)),
            0xa0..=0xbf => {
                let s = self.str(usize::from(marker & 0x1f))?;
                visitor.visit_borrowed_str(s)
            }
            0xd9..=0xdb => {
                let len = self.be(1 << (marker - 0xd9))? as usize;
                visitor.visit_borrowed_str(self.str(len)?)
            }
            0xc4..=0xc6 => {
                let len = self.be(1 << (marker - 0xc4))? as usize;
                visitor.visit_borrowed_bytes(self.take(len)?)
            }
            0x90..=0x9f => self.seq(usize::from(marker & 0x0f), visitor),
            0xdc | 0xdd => {
                let len = self.be(if marker == 0xdc { 2 } else { 4 })? as usize;
                self.seq(len, visitor)
            }
            0x80..=0x8f => self.map(usize::from(marker & 0x0f), visitor),
            0xde | 0xdf => {
                let len = self.be(if marker == 0xde { 2 } else { 4 })? as usize;
                self.map(len, visitor)
            }
            0xd4..=0xd8 => {
                let len = 1 << (marker - 0xd4);
                self.ext(len, visitor)
            }
            0xc7..=0xc9 => {
                let len = self.be(1 << (marker - 0xc7))? as usize;
                self.ext(len, visitor)
            }
            0xc1 => Err(Error("0xc1 is not a msgpack value".into())),
        }
    }

    fn seq<V: Visitor<'de>>(&mut self, len: usize, visitor: V) -> Result<V::Value, Error> {
        let mut access = Items {
            de: self,
            left: len,
        };
        let value = visitor.visit_seq(&mut access)?;
        match access.left {
            0 => Ok(value),
            _ => Err(de::Error::invalid_length(
                len,
                &"fewer elements in the array",
            )),
        }
    }

    fn map<V: Visitor<'de>>(&mut self, len: usize, visitor: V) -> Result<V::Value, Error> {
        let mut access = Items {
            de: self,
            left: len,
        };
        let value = visitor.visit_map(&mut access)?;
        match access.left {
            0 => Ok(value),
            _ => Err(de::Error::invalid_length(len, &"fewer entries in the map")),
        }
    }

    /// An extension value, presented as rmp-serde does: a newtype around `(type, bytes)`.
    fn ext<V: Visitor<'de>>(&mut self, len: usize, visitor: V) -> Result<V::Value, Error> {
        let kind = self.byte()? as i8;
        let data = self.take(len)?;
        visitor.visit_newtype_struct(ExtDeserializer { kind, data })
    }
}

/// The items of an array (one per element) or a map (key, value, key, value...).
struct Items<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> de::MapAccess<'de> for Items<'_, 'de> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.de)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.input.first() == Some(&0xc0) {
            self.input = &self.input[1..];
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == VALUE_TOKEN {
            // A JsonValue: transcode it from here, in one pass (see `value::VALUE_TOKEN`).
            let value = JsonValue::from_msgpack_prefix(&mut self.input)
                .map_err(|err| Error(err.to_string()))?;
            return crate::value::hand_over_to(value, visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        // No protocol type is a serde enum (string enums read a string).
        Err(Error(format!(
            "{name}: serde enums are not read from msgpack here"
        )))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.skip()?;
        visitor.visit_unit()
    }

    fn is_human_readable(&self) -> bool {
        false
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// An extension value: `(type, bytes)`, as [`crate::ext::Ext`] reads it.
struct ExtDeserializer<'de> {
    kind: i8,
    data: &'de [u8],
}

impl<'de> de::Deserializer<'de> for ExtDeserializer<'de> {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(ExtParts { ext: self, next: 0 })
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

struct ExtParts<'de> {
    ext: ExtDeserializer<'de>,
    next: u8,
}

impl<'de> de::SeqAccess<'de> for ExtParts<'de> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.next += 1;
        match self.next {
            1 => seed
                .deserialize(I8Deserializer::new(self.ext.kind))
                .map(Some),
            2 => seed
                .deserialize(BorrowedBytesDeserializer::new(self.ext.data))
                .map(Some),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// Decodes `bytes` with this deserializer and with rmp-serde: they must agree.
    fn both<T: for<'de> Deserialize<'de> + PartialEq + fmt::Debug>(bytes: &[u8]) -> Option<T> {
        let mut de = Deserializer::new(bytes);
        let ours = T::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
        let theirs = rmp_serde::from_slice::<T>(bytes);
        assert_eq!(ours.as_ref().ok(), theirs.as_ref().ok(), "{bytes:02x?}");
        ours.ok()
    }

    #[test]
    fn agrees_with_rmp_serde() {
        let value = serde_json::json!({"a": [1, -1, 300, -300, 70000, -70000, 1.5, null, true, "x"],
            "b": {"c": u64::MAX, "d": i64::MIN}, "e": ""});
        let bytes = rmp_serde::to_vec_named(&value).unwrap();
        assert_eq!(both::<serde_json::Value>(&bytes), Some(value));
        assert_eq!(both::<Option<u8>>(&[0xc0]), Some(None));
        assert_eq!(both::<Option<u8>>(&[0x05]), Some(Some(5)));
        assert_eq!(both::<f64>(&[0x05]), Some(5.0));
        both::<u8>(&[0xcd, 0x01, 0x00]);
        both::<String>(&[0x05]);
        // Type errors come from the same visitor calls, so they read the same.
        let mut de = Deserializer::new(&[0x05]);
        assert_eq!(
            String::deserialize(&mut de).unwrap_err().to_string(),
            rmp_serde::from_slice::<String>(&[0x05])
                .unwrap_err()
                .to_string()
        );
        both::<Vec<u8>>(&[0x92, 0x01]);
        both::<(u8,)>(&[0x92, 0x01, 0x02]);
    }

    #[test]
    fn skips_without_a_stack() {
        let mut bytes = vec![0x91; 10_000];
        bytes.push(0xc0);
        let mut de = Deserializer::new(&bytes);
        assert_eq!(de.skip().unwrap().len(), bytes.len());
        de.end().unwrap();
    }
}
