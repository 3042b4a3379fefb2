//! A serde deserializer over a message body, within [`Limits`].
//!
//! It presents values to serde exactly as rmp-serde does (the same visitor calls, so the same
//! coercions and error messages), and adds what rmp-serde cannot give:
//! - it refuses everything the body scan ([`split_body`](crate::codec::msgpack::split_body)) refuses:
//!   nesting, strings and collections beyond the limits, strings that are not UTF-8 (skipped ones
//!   too), bin, malformed timestamps. So a body it decodes is one the scan accepts, and a frame
//!   can be decoded without scanning it first (see [`speculate`](crate::codec::speculate));
//! - it notes where the value of the body's last `"type"` key is, which the scan reads as the tag;
//! - a skipped value (an ignored field) is stepped over without a visitor per item;
//! - a [`JsonValue`] field is transcoded to JSON text straight from the input, in one pass, with
//!   no visitor per item;
//! - an [`AnyValue`](crate::AnyValue) field is built straight from the input without recursion;
//! - bin (raw bytes) is refused in every typed field (no message has a bytes field, and serde
//!   would read bin as text or a list of integers, which pydantic's strict reading refuses); it
//!   reaches only an `AnyValue`;
//! - a nested union is told its tag before its map is read (`UNION_TOKEN`), so its member is
//!   read in place.

use std::fmt;

use serde::de::value::{BorrowedBytesDeserializer, I8Deserializer};
use serde::de::{self, DeserializeSeed, Visitor};

use crate::codec::limits::Limits;
use crate::codec::msgpack::Scan;
use crate::value::{ANY_TOKEN, JsonValue, VALUE_TOKEN};

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

impl From<crate::codec::msgpack::ScanError> for Error {
    #[cold]
    fn from(err: crate::codec::msgpack::ScanError) -> Self {
        Self(err.to_string())
    }
}

use crate::codec::msgpack::refusal::{CUT_SHORT as TRUNCATED, NEVER_USED, NOT_UTF8};

/// Deserializes a message body from msgpack bytes, within limits.
pub(crate) struct Deserializer<'de, 'l> {
    input: &'de [u8],
    limits: &'l Limits,
    /// Non-empty arrays and maps open around the value being read (the scan counts levels so).
    depth: usize,
    /// The input from the value of the body map's last `"type"` key on.
    tag: Option<&'de [u8]>,
}

impl<'de, 'l> Deserializer<'de, 'l> {
    pub(crate) fn new(input: &'de [u8], limits: &'l Limits) -> Self {
        Self {
            input,
            limits,
            depth: 0,
            tag: None,
        }
    }

    /// What has not been read yet.
    pub(crate) fn rest(&self) -> &'de [u8] {
        self.input
    }

    /// Whether the body's tag, as the scan reads it (the value of the body map's last `"type"`
    /// key, if a string), is `guess`.
    #[inline]
    pub(crate) fn tag_is(&self, guess: crate::codec::speculate::Guess<'_>) -> bool {
        let Some(mut value) = self.tag else {
            return false;
        };
        // Where the guess was read (nearly always): no need to read it again.
        std::ptr::eq(value.as_ptr(), guess.value.as_ptr())
            || crate::codec::msgpack::read_str(&mut value).ok().flatten() == Some(guess.tag)
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
        crate::codec::msgpack::check_string(len, self.limits)?;
        crate::value::as_utf8(self.take(len)?).ok_or_else(|| Error(NOT_UTF8.into()))
    }

    /// Steps over one value without decoding it, checking it as the body scan does.
    fn skip(&mut self) -> Result<&'de [u8], Error> {
        Ok(crate::codec::msgpack::split_value(
            &mut self.input,
            Scan::Body,
            self.limits,
            self.depth,
        )?)
    }

    /// The tag of the union whose map starts here: the value of the map's last `"type"` key, if
    /// a string. `None` when there is none, or when the map is malformed, for the reading
    /// that follows to report.
    fn union_tag(&self) -> Option<&'de str> {
        use crate::codec::msgpack::{is_type_key, read_str, split_value};
        let mut input = self.input;
        let marker = *input.first()?;
        input = &input[1..];
        let entries = match marker {
            0x80..=0x8f => usize::from(marker & 0x0f),
            0xde => usize::from(u16::from_be_bytes(*input.split_first_chunk()?.0)),
            0xdf => u32::from_be_bytes(*input.split_first_chunk()?.0) as usize,
            _ => return None,
        };
        input = &input[match marker {
            0xde => 2,
            0xdf => 4,
            _ => 0,
        }..];
        let mut tag = None;
        for _ in 0..entries {
            let is_tag = is_type_key(input);
            split_value(&mut input, Scan::Structure, self.limits, self.depth + 1).ok()?;
            if is_tag {
                let mut value = input;
                tag = read_str(&mut value).ok().flatten();
            }
            split_value(&mut input, Scan::Structure, self.limits, self.depth + 1).ok()?;
        }
        tag
    }

    /// Opens an array or map of `items` items (entries for a map): a level when it is not
    /// empty.
    #[inline]
    fn open(&mut self, items: usize) -> Result<(), Error> {
        crate::codec::msgpack::check_collection(items, self.limits)?;
        if items > 0 {
            if self.depth >= self.limits.max_frame_depth() {
                return Err(crate::codec::msgpack::ScanError::TooDeep(
                    self.limits.max_frame_depth(),
                )
                .into());
            }
            self.depth += 1;
        }
        Ok(())
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
            // Lax mode reads bin as pydantic does (see `lax`): text where text is expected.
            0xc4..=0xc6 if self.limits.lax() => {
                let len = self.be(1 << (marker - 0xc4))? as usize;
                crate::codec::msgpack::check_string(len, self.limits)?;
                visitor.visit_borrowed_bytes(self.take(len)?)
            }
            0xc4..=0xc6 => Err(crate::codec::msgpack::BIN_IN_BODY.into()),
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
                crate::codec::msgpack::check_string(len, self.limits)?;
                self.ext(len, visitor)
            }
            0xc1 => Err(Error(NEVER_USED.into())),
        }
    }

    fn seq<V: Visitor<'de>>(&mut self, len: usize, visitor: V) -> Result<V::Value, Error> {
        self.open(len)?;
        let mut access = Items {
            de: self,
            left: len,
            body: false,
        };
        let value = visitor.visit_seq(&mut access)?;
        let left = access.left;
        self.depth -= usize::from(len > 0);
        match left {
            0 => Ok(value),
            _ => Err(de::Error::invalid_length(
                len,
                &"fewer elements in the array",
            )),
        }
    }

    fn map<V: Visitor<'de>>(&mut self, len: usize, visitor: V) -> Result<V::Value, Error> {
        // A map read outside any other is the body itself.
        let body = self.depth == 0;
        self.open(len)?;
        if self.limits.lax()
            && let Some(entries) = self.deduplicated(len)?
        {
            let value = visitor.visit_map(Replay {
                parent: self,
                entries: entries.into_iter(),
                value: None,
                body,
            });
            self.depth -= 1;
            return value;
        }
        let mut access = Items {
            de: self,
            left: len,
            body,
        };
        let value = visitor.visit_map(&mut access)?;
        let left = access.left;
        self.depth -= usize::from(len > 0);
        match left {
            0 => Ok(value),
            _ => Err(de::Error::invalid_length(len, &"fewer entries in the map")),
        }
    }

    /// The entries of a map of `len` entries (opened already) as msgspec builds its dict: a
    /// repeated key keeps its first place and takes its last value. `None` (nothing read) when
    /// no key repeats; otherwise the map is stepped over, each key and value checked as the
    /// body scan checks them.
    ///
    /// Lax mode reads maps so (`duplicate-key-last-wins`): pydantic validates the dict msgspec
    /// built, so an earlier duplicate is never validated. Strict mode validates each value as
    /// it is read (README, "Deliberate differences").
    fn deduplicated(&mut self, len: usize) -> Result<Option<Vec<Entry<'de>>>, Error> {
        let mut rest = self.input;
        let mut entries: Vec<Entry<'de>> = Vec::with_capacity(len.min(64));
        let mut repeated = false;
        for _ in 0..len {
            let key =
                crate::codec::msgpack::split_value(&mut rest, Scan::Body, self.limits, self.depth)?;
            let value =
                crate::codec::msgpack::split_value(&mut rest, Scan::Body, self.limits, self.depth)?;
            match entries.iter_mut().find(|(seen, _)| same_key(seen, key)) {
                Some(entry) => {
                    entry.1 = value;
                    repeated = true;
                }
                None => entries.push((key, value)),
            }
        }
        if !repeated {
            return Ok(None);
        }
        self.input = rest;
        Ok(Some(entries))
    }

    /// A named tuple read from a map of its fields, in any order (`namedtuple-from-object`,
    /// lax mode only): the fields' values, in field order, as the items of an array.
    fn named_tuple_from_map<V: Visitor<'de>>(
        &mut self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let marker = self.byte()?;
        let len = match marker {
            0x80..=0x8f => usize::from(marker & 0x0f),
            0xde => self.be(2)? as usize,
            _ => self.be(4)? as usize,
        };
        self.open(len)?;
        let mut values: Vec<Option<&'de [u8]>> = vec![None; fields.len()];
        for _ in 0..len {
            let key = self.skip()?;
            let value = self.skip()?;
            let name = crate::codec::msgpack::read_str(&mut &key[..])
                .ok()
                .flatten();
            match name.and_then(|name| fields.iter().position(|field| *field == name)) {
                // A repeated field takes its last value, as in the dict msgspec builds.
                Some(at) => values[at] = Some(value),
                None => {
                    return Err(de::Error::unknown_field(
                        name.unwrap_or("(not a string)"),
                        fields,
                    ));
                }
            }
        }
        let mut items = Vec::with_capacity(fields.len());
        for (field, value) in fields.iter().zip(values) {
            items.push(value.ok_or_else(|| <Error as de::Error>::missing_field(field))?);
        }
        let value = visitor.visit_seq(ReplayItems {
            parent: self,
            items: items.into_iter(),
        });
        self.depth -= usize::from(len > 0);
        value
    }

    /// A deserializer for `input`, a value taken from inside this one: same limits, depth and
    /// mode.
    fn inner(&self, input: &'de [u8]) -> Self {
        Self {
            input,
            limits: self.limits,
            depth: self.depth,
            tag: None,
        }
    }

    /// An extension value, presented as rmp-serde does: a newtype around `(type, bytes)`.
    fn ext<V: Visitor<'de>>(&mut self, len: usize, visitor: V) -> Result<V::Value, Error> {
        let ext = self.take(1 + len)?;
        crate::codec::msgpack::check_ext(ext)?;
        let (kind, data) = (ext[0] as i8, &ext[1..]);
        visitor.visit_newtype_struct(ExtDeserializer { kind, data })
    }
}

/// A nested union whose tag was found ahead: the tag as the variant, then the member's struct,
/// read from the map in place.
struct UnionMember<'a, 'de, 'l> {
    de: &'a mut Deserializer<'de, 'l>,
    tag: &'de str,
}

impl<'de> de::EnumAccess<'de> for UnionMember<'_, 'de, '_> {
    type Error = Error;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let tag = seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(self.tag))?;
        Ok((tag, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnionMember<'_, 'de, '_> {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        Err(Error("a union member is a struct".into()))
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(&mut *self.de)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, Error> {
        Err(Error("a union member is a struct".into()))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Error> {
        Err(Error("a union member is a struct".into()))
    }
}

/// The items of an array (one per element) or a map (key, value, key, value...).
struct Items<'a, 'de, 'l> {
    de: &'a mut Deserializer<'de, 'l>,
    left: usize,
    /// Whether this is the body map, whose `"type"` keys are noted.
    body: bool,
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de, '_> {
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

impl<'de> de::MapAccess<'de> for Items<'_, 'de, '_> {
    type Error = Error;
    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        if self.body && !matches!(self.de.input.first(), None | Some(0xa0..=0xbf | 0xd9..=0xdb)) {
            // The body's keys are strings, as the scan requires and msgspec requires of a
            // `dict[str, Any]`; a model deeper down reads any other key as an unknown one.
            return Err(crate::codec::msgpack::KEY_NOT_A_STRING.into());
        }
        let is_tag = self.body && crate::codec::msgpack::is_type_key(self.de.input);
        let key = seed.deserialize(&mut *self.de)?;
        if is_tag {
            self.de.tag = Some(self.de.input);
        }
        Ok(Some(key))
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.de)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// Values taken from a map, read as the items of an array (see
/// [`Deserializer::named_tuple_from_map`]).
struct ReplayItems<'a, 'de, 'l> {
    parent: &'a mut Deserializer<'de, 'l>,
    items: std::vec::IntoIter<&'de [u8]>,
}

impl<'de> de::SeqAccess<'de> for ReplayItems<'_, 'de, '_> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let mut de = self.parent.inner(item);
        seed.deserialize(&mut de).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// Whether two encoded map keys are the same key to Python: strings by their text (msgpack has
/// several encodings of one string), anything else by its bytes.
fn same_key(a: &[u8], b: &[u8]) -> bool {
    fn text(mut key: &[u8]) -> Option<&str> {
        crate::codec::msgpack::read_str(&mut key).ok().flatten()
    }
    match (text(a), text(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// A map entry as encoded: its key and its value.
type Entry<'de> = (&'de [u8], &'de [u8]);

/// The entries [`Deserializer::deduplicated`] kept, each read by a deserializer of its own.
struct Replay<'a, 'de, 'l> {
    parent: &'a mut Deserializer<'de, 'l>,
    entries: std::vec::IntoIter<Entry<'de>>,
    value: Option<&'de [u8]>,
    /// Whether this is the body map, whose `"type"` value is noted.
    body: bool,
}

impl<'de> de::MapAccess<'de> for Replay<'_, 'de, '_> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        if self.body && !matches!(key.first(), Some(0xa0..=0xbf | 0xd9..=0xdb)) {
            return Err(crate::codec::msgpack::KEY_NOT_A_STRING.into());
        }
        if self.body && crate::codec::msgpack::is_type_key(key) {
            self.parent.tag = Some(value);
        }
        self.value = Some(value);
        let mut de = self.parent.inner(key);
        seed.deserialize(&mut de).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| Error("a map value was asked for before its key".into()))?;
        let mut de = self.parent.inner(value);
        seed.deserialize(&mut de)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de, '_> {
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
            // A JsonValue: transcode it from here, in one pass (see `value::VALUE_TOKEN`). The
            // value reaches `visitor` through a thread-local slot that `hand_over_to` sets and
            // the visitor empties within this call (see there for what holds).
            let value = JsonValue::from_msgpack_prefix(&mut self.input, self.limits, self.depth)
                .map_err(|err| Error(err.to_string()))?;
            return crate::value::hand_over_to(value, visitor);
        }
        if name == ANY_TOKEN {
            // An AnyValue: built from here without recursion (see `value::ANY_TOKEN`), handed
            // over as a JsonValue is (see `value::hand_over_any_to`).
            let value = crate::value::AnyValue::from_msgpack_prefix(
                &mut self.input,
                self.limits,
                self.depth,
            )
            .map_err(|err| Error(err.to_string()))?;
            return crate::value::hand_over_any_to(value, visitor);
        }
        if name == crate::value::lax::UNION_TOKEN
            && let Some(tag) = self.union_tag()
        {
            // A nested union: its tag is known before its map is read, so the member reads the
            // map in place (see `messages::union::deserialize_union`).
            return visitor.visit_enum(UnionMember { de: self, tag });
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
        unit_struct seq tuple map struct identifier
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if self.limits.lax()
            && let Some(fields) = crate::value::lax::named_tuple_fields(name)
            && let Some(&marker) = self.input.first()
            && matches!(marker, 0x80..=0x8f | 0xde | 0xdf)
        {
            return self.named_tuple_from_map(fields, visitor);
        }
        self.any(visitor)
    }
}

/// An extension value: `(type, bytes)`, as [`crate::value::ext::Ext`] reads it.
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
        let mut de = Deserializer::new(bytes, &Limits::DEFAULT);
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
        let mut de = Deserializer::new(&[0x05], &Limits::DEFAULT);
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
    fn skips_without_a_stack_within_the_depth_limit() {
        let nested = |levels: usize| {
            let mut bytes = vec![0x91; levels];
            bytes.push(0xc0);
            bytes
        };
        let limits = Limits::DEFAULT;
        let within = nested(limits.max_frame_depth());
        let mut de = Deserializer::new(&within, &limits);
        assert_eq!(de.skip().unwrap().len(), within.len());
        de.end().unwrap();
        let beyond = nested(10_000);
        let err = Deserializer::new(&beyond, &limits).skip().unwrap_err();
        assert!(err.to_string().contains("nested more than"), "{err}");
    }
}
