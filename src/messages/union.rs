//! Tagged unions of messages: what groups and channels have in common.
//!
//! A union is an enum with one variant per message, named after it (`GetConnection(GetConnection)`),
//! discriminated on the wire by the `"type"` key. The codec finds the tag (reading it, or for
//! msgpack guessing it and confirming it while decoding), the union picks the member by tag, and
//! the member's struct is decoded from the same input. That keeps field paths in errors intact,
//! avoids buffering the whole body, and is where an unknown tag is told apart from a tag the
//! union does not permit.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Error as _, Visitor};
use serde_json::value::RawValue;
use smallvec::SmallVec;

use crate::value::ext;
use crate::value::lax::Lax;

/// Decodes one message body into a concrete model. Implemented by each codec (JSON text,
/// a parsed JSON value, msgpack bytes), so a union's dispatch is written once for all of them.
pub trait BodyDecoder {
    /// The error a failed decode gives: where in the body it failed and why.
    type Error;
    /// Decodes the body as `T`.
    fn decode<T: DeserializeOwned>(self) -> Result<T, Self::Error>;
}

/// A tagged union of messages: a group or a channel.
pub trait Union:
    Sized
    + Clone
    + std::fmt::Debug
    + PartialEq
    + serde::Serialize
    + serde::de::DeserializeOwned
    + schemars::JsonSchema
    + crate::messages::model::Sealed
{
    /// The Rust name of the union (`"CallbackToSupervisor"`, `"ReadRequests"`).
    const NAME: &'static str;
    /// The `"type"` tags of every member, in declaration order.
    const TYPES: &'static [&'static str];

    /// The `"type"` tag of this value.
    fn type_tag(&self) -> &'static str;

    /// Whether `tag` names a member of this union.
    fn permits(tag: &str) -> bool {
        Self::TYPES.contains(&tag)
    }

    /// Decodes `body` as the member named `tag` and hands the message to `ok`; hands `err` the
    /// member's decode error, or `None` when no member has that tag.
    ///
    /// Continuations rather than a returned `Result` let the caller build its own result (a
    /// whole frame) around the message where it is decoded: a union is as large as its largest
    /// member, and copying it out through each layer's `Result` costs more than decoding a small
    /// message.
    fn decode_member<B: BodyDecoder, R>(
        tag: &str,
        body: B,
        ok: impl FnOnce(Self) -> R,
        err: impl FnOnce(Option<B::Error>) -> R,
    ) -> R;
}

/// `Self` (a channel or group) carries message `M`. Implemented for exactly the members of each
/// union, so code that requires it (the typed client's `send`) does not compile for a message the
/// channel does not permit.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not permit `{M}` messages",
    label = "`{M}` cannot be sent on `{Self}`",
    note = "Airflow's union for this process does not contain `{M}`; see `airflow-comms permissions`"
)]
pub trait Permits<M>: crate::messages::model::Sealed {
    /// Wraps the message in the union.
    fn from_message(message: M) -> Self;
}

/// Something to do with each of a list of unions (see [`visit_groups`](crate::union::groups::visit_groups)).
pub trait UnionVisitor {
    /// Called once per union, with its type.
    fn visit<U: Union>(&mut self);
}

/// Deserializes a union from any serde deserializer, reading the input once.
///
/// The union announces itself with a newtype name (`lax::UNION_TOKEN`); what happens next depends on
/// who answers:
/// - The crate's own body decoders know where the `"type"` key is before they read the body, and
///   answer with serde's enum protocol: the tag as the variant, then the member's struct read in
///   place ([`visit_enum`](serde::de::Visitor::visit_enum)).
/// - Any other deserializer (serde_json, rmp-serde, ...) shows the object as a map. Entries are
///   read in order; once the `"type"` key is met, the member is known, the entries read before it
///   are replayed to the member's struct from a buffer and the rest are read in place. A value
///   read before the tag is buffered as its JSON text (a human-readable format) or its msgpack
///   bytes (a binary one), so it is read twice, and only it (a JSON string with no escape is
///   replayed as the text between its quotes, without a second parse): Python writes the tag
///   last, which makes this the whole body there, and is why [`decode_json`](crate::decode_json),
///   which sees the text and looks the tag up first, is the fast path (the `json_serde` bench
///   measures the gap).
/// - In lax mode ([`crate::value::lax`]) every entry is buffered and the member read from the
///   buffer in lax mode.
#[doc(hidden)]
pub fn deserialize_union<'de, U: Union, D: de::Deserializer<'de>>(
    deserializer: D,
) -> Result<U, D::Error> {
    deserializer
        .deserialize_newtype_struct(crate::value::lax::UNION_TOKEN, TagVisitor::<U>(PhantomData))
}

/// What a union's `"type"` key held, or why it has none, as a decode error's words.
fn tag_error<U: Union, E: de::Error>(tag: Option<&str>) -> E {
    match tag {
        None => E::custom(format_args!("{}: the message has no \"type\" key", U::NAME)),
        Some(tag) => E::custom(format_args!(
            "{} does not permit `{tag}` messages (it holds {})",
            U::NAME,
            U::TYPES.join(", ")
        )),
    }
}

/// Picks and reads the member of `U` named `tag` from `body`.
fn member<U: Union, B: BodyDecoder>(tag: &str, body: B) -> Result<U, B::Error>
where
    B::Error: de::Error,
{
    U::decode_member(tag, body, Ok, |error| {
        Err(error.unwrap_or_else(|| tag_error::<U, B::Error>(Some(tag))))
    })
}

struct TagVisitor<U>(PhantomData<U>);

impl<'de, U: Union> Visitor<'de> for TagVisitor<U> {
    type Value = U;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} message", U::NAME)
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<U, A::Error> {
        let (tag, variant) = data.variant::<Text<'de>>()?;
        member::<U, _>(&tag.0, Variant(variant, PhantomData))
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<U, D::Error> {
        let human_readable = d.is_human_readable();
        d.deserialize_map(Entries::<U> {
            lax: false,
            human_readable,
            union: PhantomData,
        })
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<U, D::Error> {
        let human_readable = d.is_human_readable();
        d.deserialize_map(Entries::<U> {
            lax: true,
            human_readable,
            union: PhantomData,
        })
    }
}

/// The member's struct read as the content of the variant the tag named.
struct Variant<'de, A>(A, PhantomData<&'de ()>);

impl<'de, A: de::VariantAccess<'de>> BodyDecoder for Variant<'de, A> {
    type Error = A::Error;
    fn decode<T: DeserializeOwned>(self) -> Result<T, A::Error> {
        self.0.newtype_variant::<T>()
    }
}

/// A key or a tag: borrowed from the input where the deserializer allows it.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

/// A map key, or the reason it is not a string key (a msgpack map may have any key; pydantic
/// then treats it as an unknown field).
enum Key<'de> {
    Text(Cow<'de, str>),
    Other(Buffered<'de>),
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Text(Cow::Owned(v)))
            }
        }
        if d.is_human_readable() {
            // JSON keys are strings.
            return d.deserialize_identifier(KeyVisitor);
        }
        // Any other key is kept as its bytes and replayed as it came.
        let mut bytes = Vec::new();
        de::DeserializeSeed::deserialize(ext::Capture(&mut bytes), d)?;
        let text = Buffered::Msgpack(bytes);
        if let Some(key) = text.as_text() {
            return Ok(Key::Text(Cow::Owned(key.into_owned())));
        }
        Ok(Key::Other(text))
    }
}

/// A value read before the tag, kept to be replayed once the member is known.
enum Buffered<'de> {
    /// From a human-readable format that lends its input: the JSON text, borrowed.
    Borrowed(&'de RawValue),
    /// From a human-readable format: its JSON text.
    Json(Box<RawValue>),
    /// From a binary format: its msgpack bytes.
    Msgpack(Vec<u8>),
}

impl<'de> Buffered<'de> {
    /// Reads the next value of `map`. `lends` says the deserializer lent the key from its input
    /// (serde_json over a `str` or a slice), so it can lend the value's text too.
    fn read<A: de::MapAccess<'de>>(
        map: &mut A,
        human_readable: bool,
        lends: bool,
    ) -> Result<Self, A::Error> {
        if human_readable && lends {
            return map.next_value::<&'de RawValue>().map(Buffered::Borrowed);
        }
        if human_readable {
            return map.next_value::<Box<RawValue>>().map(Buffered::Json);
        }
        let mut bytes = Vec::new();
        map.next_value_seed(ext::Capture(&mut bytes))?;
        Ok(Buffered::Msgpack(bytes))
    }

    /// A deserializer of the buffered value.
    fn deserializer(&self) -> ValueDe<'_> {
        match self {
            Buffered::Borrowed(raw) => ValueDe::Json(raw.get()),
            Buffered::Json(raw) => ValueDe::Json(raw.get()),
            Buffered::Msgpack(bytes) => ValueDe::Msgpack(bytes),
        }
    }

    /// The buffered value as a string, if it is one.
    fn as_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Buffered::Borrowed(raw) => serde_json::from_str::<Cow<'_, str>>(raw.get()).ok(),
            Buffered::Json(raw) => serde_json::from_str::<Cow<'_, str>>(raw.get()).ok(),
            Buffered::Msgpack(bytes) => {
                let mut input = bytes.as_slice();
                let len = rmp::decode::read_str_len(&mut input).ok()? as usize;
                (input.len() == len)
                    .then(|| std::str::from_utf8(input).ok().map(Cow::Borrowed))
                    .flatten()
            }
        }
    }

    /// The buffered value as JSON text, for an error message.
    fn describe(&self) -> String {
        match self {
            Buffered::Borrowed(raw) => raw.get().to_owned(),
            Buffered::Json(raw) => raw.get().to_owned(),
            Buffered::Msgpack(bytes) => format!("msgpack {}", hex::encode(bytes)),
        }
    }
}

/// The rest of a map whose tag came first: the member reads it in place.
struct Rest<'de, A>(A, PhantomData<&'de ()>);

impl<'de, A: de::MapAccess<'de>> de::Deserializer<'de> for Rest<'de, A> {
    type Error = A::Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.0)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

impl<'de, A: de::MapAccess<'de>> BodyDecoder for Rest<'de, A> {
    type Error = A::Error;
    fn decode<T: DeserializeOwned>(self) -> Result<T, A::Error> {
        T::deserialize(self)
    }
}

/// A map replayed from the buffer; `lax` reads it in lax mode.
struct Replay<'b, E> {
    entries: &'b [(Key<'b>, Buffered<'b>)],
    lax: bool,
    error: PhantomData<E>,
}

impl<E: de::Error> BodyDecoder for Replay<'_, E> {
    type Error = E;
    fn decode<T: DeserializeOwned>(self) -> Result<T, E> {
        let map = ReplayMap {
            entries: self.entries.iter(),
            value: None,
        };
        let result = match self.lax {
            true => T::deserialize(Lax(MapDe(map))),
            false => T::deserialize(MapDe(map)),
        };
        result.map_err(|ReplayError(message)| E::custom(message))
    }
}

/// The error of a replay: its words, carried to the caller's error type.
#[derive(Debug)]
struct ReplayError(String);

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReplayError {}

impl de::Error for ReplayError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

/// The buffered entries as a map.
struct MapDe<'b>(ReplayMap<'b>);

impl<'b> de::Deserializer<'b> for MapDe<'b> {
    type Error = ReplayError;
    fn deserialize_any<V: Visitor<'b>>(self, visitor: V) -> Result<V::Value, ReplayError> {
        visitor.visit_map(self.0)
    }
    fn is_human_readable(&self) -> bool {
        // The buffer holds one kind of value: the kind the input had.
        !matches!(
            self.0.entries.as_slice().first(),
            Some((_, Buffered::Msgpack(_)))
        )
    }
    serde::forward_to_deserialize_any! {
        <W: Visitor<'b>>
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

struct ReplayMap<'b> {
    entries: std::slice::Iter<'b, (Key<'b>, Buffered<'b>)>,
    value: Option<&'b Buffered<'b>>,
}

impl<'b> de::MapAccess<'b> for ReplayMap<'b> {
    type Error = ReplayError;
    fn next_key_seed<K: de::DeserializeSeed<'b>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ReplayError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        match key {
            Key::Text(text) => seed.deserialize(de::value::BorrowedStrDeserializer::new(text)),
            Key::Other(bytes) => seed.deserialize(bytes.deserializer()),
        }
        .map(Some)
    }
    fn next_value_seed<V: de::DeserializeSeed<'b>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ReplayError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| ReplayError("a value was asked for before its key".into()))?;
        seed.deserialize(value.deserializer())
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// One buffered value, read by the format it came in.
enum ValueDe<'b> {
    Json(&'b str),
    Msgpack(&'b [u8]),
}

/// Implements every `deserialize_*` method by running the format's own deserializer over the
/// buffered value and checking it read all of it; a JSON string with no escape, asked for as a
/// string (or an option of one), is handed over as it stands instead.
macro_rules! by_format {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'b>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, ReplayError> {
            match self {
                ValueDe::Json(text) => {
                    if let Some(content) = plain_string(text) {
                        // What serde_json does with a string for these methods, without a
                        // second parse (`plain_string` says why it is the same).
                        match stringify!($method) {
                            "deserialize_any" | "deserialize_str" | "deserialize_string"
                            | "deserialize_identifier" => return visitor.visit_borrowed_str(content),
                            "deserialize_option" => return visitor.visit_some(self),
                            _ => {}
                        }
                    }
                    let mut json = serde_json::Deserializer::from_str(text);
                    let value = de::Deserializer::$method(&mut json, $($arg,)* visitor)
                        .map_err(ReplayError::custom)?;
                    json.end().map_err(ReplayError::custom)?;
                    Ok(value)
                }
                ValueDe::Msgpack(bytes) => {
                    let mut msgpack = rmp_serde::Deserializer::from_read_ref(bytes);
                    de::Deserializer::$method(&mut msgpack, $($arg,)* visitor)
                        .map_err(ReplayError::custom)
                }
            }
        }
    )*};
}

/// The content of `text` when it is a JSON string with no escape: its bytes between the quotes
/// are then the string itself. `text` is one value serde_json has already read whole (a
/// `RawValue`), so when it starts with a quote it is one valid string literal: no quote inside
/// but escaped ones, no raw control character, and a backslash wherever there is an escape.
fn plain_string(text: &str) -> Option<&str> {
    let content = text.strip_prefix('"')?.strip_suffix('"')?;
    memchr::memchr(b'\\', content.as_bytes())
        .is_none()
        .then_some(content)
}

impl<'b> de::Deserializer<'b> for ValueDe<'b> {
    type Error = ReplayError;
    for_each_deserialize_method!(by_format);
    by_format! {
        deserialize_newtype_struct(name: &'static str);
        deserialize_ignored_any();
    }
    fn is_human_readable(&self) -> bool {
        matches!(self, ValueDe::Json(_))
    }
}

/// Reads a union's entries: in place once the tag is known, buffered before (see
/// [`deserialize_union`]).
struct Entries<U> {
    lax: bool,
    human_readable: bool,
    union: PhantomData<U>,
}

impl<'de, U: Union> Visitor<'de> for Entries<U> {
    type Value = U;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} message (an object)", U::NAME)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<U, A::Error> {
        // Python's messages hold a few fields each: they stay on the stack.
        let mut entries: SmallVec<[(Key<'de>, Buffered<'de>); 4]> = SmallVec::new();
        let mut tag: Option<Text<'de>> = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let is_tag = matches!(&key, Key::Text(k) if k == "type");
            if is_tag && !self.lax {
                // The last `"type"` key wins, as a JSON object's last duplicate does in Python.
                let text = map.next_value::<Text<'de>>()?;
                if entries.is_empty() && tag.is_none() {
                    // The tag came first: the member reads the rest of the map in place.
                    return member::<U, _>(&text.0, Rest(map, PhantomData));
                }
                tag = Some(text);
                continue;
            }
            let lends = matches!(&key, Key::Text(Cow::Borrowed(_)));
            let value = Buffered::read(&mut map, self.human_readable, lends)?;
            entries.push((key, value));
        }
        let tag = match tag {
            Some(Text(tag)) => tag,
            // In lax mode the entries were all kept; the last `"type"` among them is the tag.
            None => {
                let Some(at) = entries
                    .iter()
                    .rposition(|(key, _)| matches!(key, Key::Text(k) if k == "type"))
                else {
                    return Err(tag_error::<U, A::Error>(None));
                };
                let (_, tag) = entries.remove(at);
                match tag.as_text() {
                    Some(text) => Cow::Owned(text.into_owned()),
                    None => {
                        return Err(A::Error::custom(format_args!(
                            "{}: the \"type\" key is not a string: {}",
                            U::NAME,
                            tag.describe()
                        )));
                    }
                }
            }
        };
        member::<U, _>(
            &tag,
            Replay {
                entries: &entries,
                lax: self.lax,
                error: PhantomData,
            },
        )
    }
}

/// Defines a tagged-union enum over the listed messages: the enum, `From` each member,
/// [`Union`] and [`Permits`], and serde `Serialize` (the member's own) / `Deserialize`
/// ([`deserialize_union`]).
#[doc(hidden)]
macro_rules! tagged_union {
    ($(#[doc = $doc:literal])* pub enum $name:ident { $($member:ident),* $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq)]
        // Members stay unboxed: a decoded message is moved a few times at most, while a box
        // would cost an allocation per message (`ToTask` is large only for `StartupDetails`).
        #[allow(clippy::large_enum_variant)]
        pub enum $name {
            $( #[doc = concat!("A [`", stringify!($member), "`] message.")] $member($member), )*
        }

        // Private unions (the frame error slot) may not call it.
        #[allow(dead_code)]
        impl $name {
            /// The `"type"` tag of this message.
            pub fn type_tag(&self) -> &'static str {
                <Self as $crate::messages::union::Union>::type_tag(self)
            }
        }

        $( impl $crate::messages::union::Permits<$member> for $name {
            fn from_message(message: $member) -> Self {
                Self::$member(message)
            }
        } )*

        $( impl From<$member> for $name {
            fn from(message: $member) -> Self {
                Self::$member(message)
            }
        } )*

        impl $crate::messages::model::Sealed for $name {}

        impl $crate::messages::union::Union for $name {
            const NAME: &'static str = stringify!($name);
            const TYPES: &'static [&'static str] = &[$(<$member as $crate::messages::model::Message>::TYPE),*];

            fn type_tag(&self) -> &'static str {
                match self {
                    $( Self::$member(_) => <$member as $crate::messages::model::Message>::TYPE, )*
                }
            }

            #[allow(unreachable_patterns)]
            fn decode_member<B: $crate::messages::union::BodyDecoder, R>(
                tag: &str,
                body: B,
                ok: impl FnOnce(Self) -> R,
                err: impl FnOnce(Option<B::Error>) -> R,
            ) -> R {
                let error = match tag {
                    $( <$member as $crate::messages::model::Message>::TYPE => match body.decode::<$member>() {
                        Ok(message) => return ok(Self::$member(message)),
                        Err(error) => error,
                    }, )*
                    _ => return err(None),
                };
                err(Some(error))
            }
        }

        #[cfg(feature = "arbitrary")]
        impl<'a> ::arbitrary::Arbitrary<'a> for $name {
            /// A member chosen uniformly, then an arbitrary value of it.
            fn arbitrary(u: &mut ::arbitrary::Unstructured<'a>) -> ::arbitrary::Result<Self> {
                let makers: &[fn(&mut ::arbitrary::Unstructured<'a>) -> ::arbitrary::Result<$name>] = &[
                    $( |u| Ok($name::$member(::arbitrary::Arbitrary::arbitrary(u)?)), )*
                ];
                u.choose(makers)?(u)
            }
        }

        #[cfg(feature = "arbitrary")]
        impl $crate::messages::arb::ArbitraryField for $name {
            fn arbitrary_field(u: &mut ::arbitrary::Unstructured<'_>) -> ::arbitrary::Result<Self> {
                <Self as ::arbitrary::Arbitrary>::arbitrary(u)
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_id() -> std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }

            fn json_schema(generator: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                $crate::messages::schema::union_schema(
                    generator,
                    &[$($doc),*],
                    &[$((<$member as $crate::messages::model::Message>::TYPE, |g| g.subschema_for::<$member>()),)*],
                )
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( Self::$member(message) => message.serialize(serializer), )*
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::messages::union::deserialize_union(deserializer)
            }
        }
    };
}
