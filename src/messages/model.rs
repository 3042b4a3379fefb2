//! The machinery every message and nested model is built with: the [`Model`] and [`Message`]
//! traits and the `model!` / `literal!` macros that implement them, with exact serde code.
//!
//! Why hand-made serde impls instead of `#[derive(Serialize, Deserialize)]`: pydantic's rules do
//! not map onto serde's attributes. A field may be required yet nullable (derive treats a missing
//! `Option` as `None`), the `type` tag sits at a model-specific position in the key order (which
//! matters for byte-identical msgpack), the tag of a standalone model is optional but must match
//! when present, and unknown keys are refused or ignored per model. `model!` writes those rules
//! once.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use serde::{Deserializer, Serialize};

/// What a model does with keys it does not know (pydantic's `model_config["extra"]`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, strum::Display, strum::IntoStaticStr, strum::EnumString,
)]
#[strum(serialize_all = "snake_case")]
pub enum ExtraFields {
    /// Unknown keys are dropped (pydantic's default).
    Ignore,
    /// Unknown keys make the model invalid (models derived from the Execution API's
    /// generated models with `extra="forbid"`).
    Forbid,
}

/// Seals the crate's traits whose implementations come from its own macros ([`Model`],
/// [`Message`], [`Union`](crate::messages::union::Union), `Permits`, `Request`, `Reply`): it is
/// public only inside this private module, so no other crate can name it, and so none can
/// implement those traits. What a type of the protocol is, is this crate's to say.
pub trait Sealed {}

/// A pydantic model mirrored in Rust: a message or a model nested in one.
///
/// Sealed: implemented by every message and nested model of this crate, and by nothing else.
pub trait Model: Serialize + DeserializeOwned + Sealed {
    /// The Rust (and Python) name of the model.
    const NAME: &'static str;
    /// How unknown keys are treated when decoding.
    const EXTRA: ExtraFields;
    /// The wire keys of the fields, in wire order (the `type` tag excluded).
    const FIELDS: &'static [&'static str];
    /// The wire keys of the fields a sender may leave out (they have a Python default).
    const OPTIONAL_FIELDS: &'static [&'static str];
}

/// A model with a `"type"` tag: every member of a channel, plus a few nested models
/// (e.g. [`RunTrigger`](crate::RunTrigger)) that carry one.
///
/// The struct is named exactly as its tag, so `GetConnection::TYPE == "GetConnection"`.
pub trait Message: Model {
    /// The value of the `"type"` key on the wire.
    const TYPE: &'static str;
}

/// Checks that a string value (a `"type"` tag or a single-value literal) equals the expected one.
#[doc(hidden)]
pub struct ExpectStr(pub &'static str);

impl<'de> DeserializeSeed<'de> for ExpectStr {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        // As an identifier: lax mode leaves it as sent, as pydantic reads no bytes as a literal.
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for ExpectStr {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if v == self.0 {
            Ok(())
        } else {
            Err(E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }
}

/// A value under a key the model does not read, stepped over but still checked: pydantic parses
/// the whole JSON text first, so an ignored string with a lone surrogate escape makes the message
/// invalid. serde_json's own `IgnoredAny` skips strings without decoding their escapes, so from
/// a human-readable format the value is visited item by item (strings are borrowed, not copied);
/// a binary format's skip already checks what msgspec checks.
#[doc(hidden)]
pub struct Skipped;

impl<'de> serde::Deserialize<'de> for Skipped {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Walk;
        impl<'de> Visitor<'de> for Walk {
            type Value = Skipped;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skipped, E> {
                Ok(Skipped)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skipped, E> {
                Ok(Skipped)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skipped, E> {
                Ok(Skipped)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skipped, E> {
                Ok(Skipped)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Skipped, E> {
                Ok(Skipped)
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Skipped, E> {
                Ok(Skipped)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Skipped, E> {
                Ok(Skipped)
            }
            fn visit_none<E: de::Error>(self) -> Result<Skipped, E> {
                Ok(Skipped)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skipped, D::Error> {
                <Skipped as serde::Deserialize>::deserialize(d)
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Skipped, D::Error> {
                <Skipped as serde::Deserialize>::deserialize(d)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Skipped, A::Error> {
                while seq.next_element::<Skipped>()?.is_some() {}
                Ok(Skipped)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Skipped, A::Error> {
                while map.next_entry::<Skipped, Skipped>()?.is_some() {}
                Ok(Skipped)
            }
        }
        if deserializer.is_human_readable() {
            deserializer.deserialize_any(Walk)
        } else {
            deserializer
                .deserialize_ignored_any(serde::de::IgnoredAny)
                .map(|_| Skipped)
        }
    }
}

/// A field on its way to the serializer; see [`UuidField`].
#[doc(hidden)]
pub struct FieldRef<'a, T>(pub &'a T);

/// Picks how a field is written, by its type (autoref specialization): a `Uuid` field is always
/// written as its hyphenated string, as msgspec writes it on the msgpack wire, where
/// `uuid::Uuid`'s own impl would write 16 raw bytes for a binary format. Every other field type
/// goes through its own `Serialize` ([`SerdeField`]).
#[doc(hidden)]
pub trait UuidField<'a> {
    fn wire(&self) -> UuidStr<'a>;
}

impl<'a> UuidField<'a> for FieldRef<'a, uuid::Uuid> {
    fn wire(&self) -> UuidStr<'a> {
        UuidStr(self.0)
    }
}

/// The fallback of [`UuidField`]: the field's own `Serialize`.
#[doc(hidden)]
pub trait SerdeField<'a, T> {
    fn wire(&self) -> &'a T;
}

impl<'a, T: Serialize> SerdeField<'a, T> for &FieldRef<'a, T> {
    fn wire(&self) -> &'a T {
        self.0
    }
}

/// A field on its way from the deserializer; see [`UuidSeedPick`].
#[doc(hidden)]
pub struct FieldSeed<T>(pub std::marker::PhantomData<T>);

/// The decoding side of [`UuidField`]: a `Uuid` field accepts the text form in every format
/// (msgspec writes UUIDs as text; `uuid::Uuid`'s own impl wants 16 raw bytes from a binary
/// format) and 16 raw bytes, which Python accepts too.
#[doc(hidden)]
pub trait UuidSeedPick {
    fn seed(&self) -> UuidSeed;
}

impl UuidSeedPick for FieldSeed<uuid::Uuid> {
    fn seed(&self) -> UuidSeed {
        UuidSeed
    }
}

/// The fallback of [`UuidSeedPick`]: the field type's own `Deserialize`.
#[doc(hidden)]
pub trait SerdeSeedPick<T> {
    fn seed(&self) -> std::marker::PhantomData<T>;
}

impl<T> SerdeSeedPick<T> for &FieldSeed<T> {
    fn seed(&self) -> std::marker::PhantomData<T> {
        std::marker::PhantomData
    }
}

/// Reads a UUID from text (any form `uuid` parses) or from 16 raw bytes.
#[doc(hidden)]
pub struct UuidSeed;

impl<'de> DeserializeSeed<'de> for UuidSeed {
    type Value = uuid::Uuid;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<uuid::Uuid, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for UuidSeed {
    type Value = uuid::Uuid;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a UUID")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<uuid::Uuid, E> {
        uuid::Uuid::try_parse(v).map_err(E::custom)
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<uuid::Uuid, E> {
        // Only lax mode hands bytes over (msgpack bin): 16 raw bytes, or text in any other
        // length, as pydantic reads them (`uuid-from-bin`).
        match std::str::from_utf8(v) {
            Ok(text) if v.len() != 16 => self.visit_str(text),
            _ => uuid::Uuid::from_slice(v).map_err(E::custom),
        }
    }
}

/// A UUID written as its hyphenated lower-case string in every format.
#[doc(hidden)]
pub struct UuidStr<'a>(&'a uuid::Uuid);

impl Serialize for UuidStr<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0.hyphenated())
    }
}

/// The wire key of a field: its explicit `as "key"` name, or the field's own name.
#[doc(hidden)]
macro_rules! __wire_key {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident $wire:literal) => {
        $wire
    };
}

/// The value of a field that was absent: its Python default, or a `missing field` error.
#[doc(hidden)]
macro_rules! __absent_field {
    ($wire:expr,) => {
        return Err(serde::de::Error::missing_field($wire))
    };
    ($wire:expr, $default:expr) => {
        $default
    };
}

/// Whether a field has a default, as a `bool` constant.
#[doc(hidden)]
macro_rules! __has_default {
    () => {
        false
    };
    ($default:expr) => {
        true
    };
}

/// Defines a model struct and its exact serde implementation.
///
/// ```text
/// model! {
///     /// Docs.
///     pub struct GetXCom tag "GetXCom", extra = ignore {
///         /// Docs.
///         pub key: String,                     // required
///         pub map_index: Option<i64> = None,   // optional, Python default None
///         pub schema as "schema": Option<String>,  // explicit wire key
///         pub value as "value" | "val": Option<String>,  // also read under "val", when "value" is absent
///         @type,                               // where "type" goes in the key order (default: last)
///         pub rendered_map_index: Option<String> = None,
///         @not_dumped,                         // validated on input, never written (Field(exclude=True))
///         pub executor_config: Option<JsonMap> = None,
///     }
/// }
/// ```
///
/// A field without `= default` is required even when its type is an `Option` (pydantic's
/// "required, nullable"). Fields are written in declaration order, with every field present, as
/// `model_dump(mode="json", by_alias=True)` writes them.
#[doc(hidden)]
macro_rules! model {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident $(tag $tag:literal)?, extra = $extra:ident {
            $( $(#[doc = $fdoc:literal])* pub $field:ident $(as $wire:literal $(| $alt:literal)*)? : $ty:ty $(= $default:expr)?, )*
            $( @type, $( $(#[doc = $fdoc2:literal])* pub $field2:ident $(as $wire2:literal $(| $alt2:literal)*)? : $ty2:ty $(= $default2:expr)?, )* )?
            $( @not_dumped, $( $(#[doc = $fdoc3:literal])* pub $field3:ident $(as $wire3:literal $(| $alt3:literal)*)? : $ty3:ty = $default3:expr, )* )?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[doc = $fdoc])* pub $field: $ty, )*
            $($( $(#[doc = $fdoc2])* pub $field2: $ty2, )*)?
            $($( $(#[doc = $fdoc3])* pub $field3: $ty3, )*)?
        }

        model!(@impl $name [$($tag)?] $extra [$($doc)*]
            fields [
                $( { $field [__wire_key!($field $($wire)?)] [$($($alt)*)?] $ty [$($default)?] [$($fdoc)*] } )*
                $($( { $field2 [__wire_key!($field2 $($wire2)?)] [$($($alt2)*)?] $ty2 [$($default2)?] [$($fdoc2)*] } )*)?
                $($( { $field3 [__wire_key!($field3 $($wire3)?)] [$($($alt3)*)?] $ty3 [$default3] [$($fdoc3)*] } )*)?
            ]
            before [ $( $field [__wire_key!($field $($wire)?)] )* ]
            after [ $($( $field2 [__wire_key!($field2 $($wire2)?)] )*)? ]
        );

        #[cfg(feature = "arbitrary")]
        impl<'a> ::arbitrary::Arbitrary<'a> for $name {
            #[allow(unused_variables)] // models without fields
            fn arbitrary(u: &mut ::arbitrary::Unstructured<'a>) -> ::arbitrary::Result<Self> {
                Ok($name {
                    $( $field: $crate::messages::arb::ArbitraryField::arbitrary_field(u)?, )*
                    $($( $field2: $crate::messages::arb::ArbitraryField::arbitrary_field(u)?, )*)?
                    // Never on the wire, so never generated.
                    $($( $field3: $default3, )*)?
                })
            }
        }

        #[cfg(feature = "arbitrary")]
        impl $crate::messages::arb::ArbitraryField for $name {
            fn arbitrary_field(u: &mut ::arbitrary::Unstructured<'_>) -> ::arbitrary::Result<Self> {
                <Self as ::arbitrary::Arbitrary>::arbitrary(u)
            }
        }
    };

    (@impl $name:ident [$($tag:literal)?] $extra:ident [$($doc:literal)*]
        fields [ $( { $field:ident [$wire:expr] [$($alt:literal)*] $ty:ty [$($default:expr)?] [$($fdoc:literal)*] } )* ]
        before [ $( $bfield:ident [$bwire:expr] )* ]
        after [ $( $afield:ident [$awire:expr] )* ]
    ) => {
        impl $crate::messages::model::Sealed for $name {}

        impl $crate::messages::model::Model for $name {
            const NAME: &'static str = stringify!($name);
            const EXTRA: $crate::messages::model::ExtraFields = model!(@extra $extra);
            const FIELDS: &'static [&'static str] = &[$($bwire,)* $($awire,)*];
            const OPTIONAL_FIELDS: &'static [&'static str] = {
                const ALL: &[(&str, bool)] = &[$(($wire, __has_default!($($default)?)),)*];
                const N: usize = {
                    let mut n = 0;
                    let mut i = 0;
                    while i < ALL.len() {
                        if ALL[i].1 { n += 1; }
                        i += 1;
                    }
                    n
                };
                const OUT: [&str; N] = {
                    let mut out = [""; N];
                    let (mut i, mut j) = (0, 0);
                    while i < ALL.len() {
                        if ALL[i].1 { out[j] = ALL[i].0; j += 1; }
                        i += 1;
                    }
                    out
                };
                &OUT
            };
        }

        $( impl $crate::messages::model::Message for $name {
            const TYPE: &'static str = $tag;
        } )?

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct as _;
                const LEN: usize = [$($bwire,)* $($tag,)? $($awire,)*].len();
                #[allow(unused_imports)]
                use $crate::messages::model::{SerdeField as _, UuidField as _};
                let mut state = serializer.serialize_struct(stringify!($name), LEN)?;
                $( state.serialize_field($bwire, &(&$crate::messages::model::FieldRef(&self.$bfield)).wire())?; )*
                $( state.serialize_field("type", $tag)?; )?
                $( state.serialize_field($awire, &(&$crate::messages::model::FieldRef(&self.$afield)).wire())?; )*
                state.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const TAG: Option<&str> = model!(@tag $($tag)?);
                const FORBID: bool =
                    matches!(model!(@extra $extra), $crate::messages::model::ExtraFields::Forbid);

                #[allow(non_camel_case_types)]
                // A field's key, with the alternative name it was given under, if any.
                enum Key { $($field(Option<&'static str>),)* Tag, Unknown(Option<String>) }

                struct KeyVisitor;
                impl<'de> serde::de::Visitor<'de> for KeyVisitor {
                    type Value = Key;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a field name")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key, E> {
                        $(
                            if v == $wire { return Ok(Key::$field(None)); }
                            $( if v == $alt { return Ok(Key::$field(Some($alt))); } )*
                        )*
                        if TAG.is_some() && v == "type" {
                            return Ok(Key::Tag);
                        }
                        Ok(Key::Unknown(FORBID.then(|| v.to_owned())))
                    }
                    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Key, E> {
                        // A msgpack bin key names no field (pydantic does not match it either):
                        // an unknown key, refused only where unknown keys are.
                        Ok(Key::Unknown(FORBID.then(|| format!("{:?}", String::from_utf8_lossy(v)))))
                    }
                    // So does any other key msgspec hands pydantic inside a message: an
                    // integer, a float, a boolean, nil, an array (a tuple there).
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Key, E> {
                        Ok(Key::Unknown(FORBID.then(|| v.to_string())))
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Key, E> {
                        Ok(Key::Unknown(FORBID.then(|| v.to_string())))
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Key, E> {
                        Ok(Key::Unknown(FORBID.then(|| v.to_string())))
                    }
                    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Key, E> {
                        Ok(Key::Unknown(FORBID.then(|| v.to_string())))
                    }
                    fn visit_unit<E: serde::de::Error>(self) -> Result<Key, E> {
                        Ok(Key::Unknown(FORBID.then(|| "None".to_owned())))
                    }
                    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Key, A::Error> {
                        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                        Ok(Key::Unknown(FORBID.then(|| "a tuple".to_owned())))
                    }
                }
                impl<'de> serde::Deserialize<'de> for Key {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
                        d.deserialize_identifier(KeyVisitor)
                    }
                }

                struct ModelVisitor;
                impl<'de> serde::de::Visitor<'de> for ModelVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("an object (", stringify!($name), ")"))
                    }
                    #[allow(unused_mut)]
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        #[allow(unused_imports)]
                        use $crate::messages::model::{SerdeSeedPick as _, UuidSeedPick as _};
                        // Each field's value under its wire key, and the last value seen under
                        // an alternative name, kept undecoded. As pydantic does with
                        // `populate_by_name`, an alternative name counts only when the wire key
                        // is absent; when both are there, the alternative is an unknown key
                        // (ignored, or refused where unknown keys are).
                        $( let mut $field: (Option<$ty>, Option<(&'static str, $crate::value::JsonValue)>) = (None, None); )*
                        while let Some(__key) = map.next_key::<Key>()? {
                            match __key {
                                $( Key::$field(None) => {
                                    if let (true, Some((name, _))) = (FORBID, &$field.1) {
                                        return Err(serde::de::Error::unknown_field(
                                            name,
                                            <$name as $crate::messages::model::Model>::FIELDS,
                                        ));
                                    }
                                    $field.0 = Some(map.next_value_seed(
                                        (&$crate::messages::model::FieldSeed::<$ty>(std::marker::PhantomData)).seed(),
                                    )?);
                                }
                                Key::$field(Some(name)) => {
                                    if $field.0.is_none() {
                                        $field.1 = Some((name, map.next_value()?));
                                    } else if FORBID {
                                        return Err(serde::de::Error::unknown_field(
                                            name,
                                            <$name as $crate::messages::model::Model>::FIELDS,
                                        ));
                                    } else {
                                        map.next_value::<$crate::messages::model::Skipped>()?;
                                    }
                                } )*
                                Key::Tag => {
                                    if let Some(tag) = TAG {
                                        map.next_value_seed($crate::messages::model::ExpectStr(tag))?;
                                    }
                                }
                                Key::Unknown(Some(name)) => {
                                    return Err(serde::de::Error::unknown_field(
                                        &name,
                                        <$name as $crate::messages::model::Model>::FIELDS,
                                    ));
                                }
                                Key::Unknown(None) => {
                                    map.next_value::<$crate::messages::model::Skipped>()?;
                                }
                            }
                        }
                        Ok($name {
                            $( $field: match $field {
                                (Some(value), _) => value,
                                (None, Some((_, given))) => {
                                    use serde::de::DeserializeSeed as _;
                                    (&$crate::messages::model::FieldSeed::<$ty>(std::marker::PhantomData))
                                        .seed()
                                        .deserialize(&mut $crate::value::checked_json(given.as_json_text()))
                                        .map_err(|err| serde::de::Error::custom(format_args!(
                                            "invalid `{}` (given under another name): {err}", $wire
                                        )))?
                                }
                                (None, None) => __absent_field!($wire, $($default)?),
                            }, )*
                        })
                    }
                }
                // A struct (not a map) by name, so that lax mode can tell a model from a dict:
                // only a model's duplicate keys are resolved before validation (see `lax`).
                deserializer.deserialize_struct(
                    stringify!($name),
                    <$name as $crate::messages::model::Model>::FIELDS,
                    ModelVisitor,
                )
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_id() -> std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }

            #[allow(unused_mut, unused_variables)]
            fn json_schema(generator: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let mut object = $crate::messages::schema::ObjectSchema::new(
                    generator,
                    &[$($doc),*],
                    model!(@tag $($tag)?),
                    matches!(model!(@extra $extra), $crate::messages::model::ExtraFields::Forbid),
                    <Self as $crate::messages::model::Model>::FIELDS,
                );
                $( object.field::<$ty>(
                    generator,
                    $wire,
                    &[$($alt),*],
                    &[$($fdoc),*],
                    model!(@default_json $ty, $($default)?),
                ); )*
                object.into_schema()
            }
        }
    };
    (@default_json $ty:ty,) => { None };
    (@default_json $ty:ty, $default:expr) => {{
        let default: $ty = $default;
        Some(serde_json::to_value(&default).expect("a default serializes"))
    }};

    (@extra ignore) => { $crate::messages::model::ExtraFields::Ignore };
    (@extra forbid) => { $crate::messages::model::ExtraFields::Forbid };
    (@tag) => { None };
    (@tag $tag:literal) => { Some($tag) };
}

/// Defines a zero-sized type for a single-value pydantic `Literal[...]` field: it writes the
/// value and accepts only that value.
#[doc(hidden)]
macro_rules! literal {
    ($(#[$attr:meta])* pub struct $name:ident = $value:literal;) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl $name {
            /// The only value this literal takes on the wire.
            pub const VALUE: &'static str = $value;
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($value)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                serde::de::DeserializeSeed::deserialize($crate::messages::model::ExpectStr($value), deserializer)
                    .map(|()| $name)
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({ "type": "string", "const": $value })
            }
        }

        #[cfg(feature = "arbitrary")]
        impl $crate::messages::arb::ArbitraryField for $name {
            fn arbitrary_field(_: &mut ::arbitrary::Unstructured<'_>) -> ::arbitrary::Result<Self> {
                Ok($name)
            }
        }
    };
}
