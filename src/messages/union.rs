//! Tagged unions of messages: what groups and channels have in common.
//!
//! A union is an enum with one variant per message, named after it (`GetConnection(GetConnection)`),
//! discriminated on the wire by the `"type"` key. The codec finds the tag (reading it, or for
//! msgpack guessing it and confirming it while decoding), the union picks the member by tag, and
//! the member's struct is decoded from the same input. That keeps field paths in errors intact,
//! avoids buffering the whole body, and is where an unknown tag is told apart from a tag the
//! union does not permit.

use serde::de::DeserializeOwned;

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
pub trait Permits<M> {
    /// Wraps the message in the union.
    fn from_message(message: M) -> Self;
}

/// Something to do with each of a list of unions (see [`visit_groups`](crate::union::groups::visit_groups)).
pub trait UnionVisitor {
    /// Called once per union, with its type.
    fn visit<U: Union>(&mut self);
}

/// Deserializes a union from any serde deserializer, two-pass: the value is buffered (as JSON
/// text from a human-readable format, as msgpack bytes from a binary one), then decoded with
/// [`decode_json`](crate::decode_json) or [`decode_msgpack`](crate::decode_msgpack). Nested
/// unions (such as a list of callback requests) decode this way.
#[doc(hidden)]
pub fn deserialize_buffered<'de, U: Union, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<U, D::Error> {
    // Announced by name, so that a union inside a body read in lax mode is read in lax mode
    // too (see `lax::UNION_TOKEN`).
    struct Buffered<U>(std::marker::PhantomData<U>);
    impl<'de, U: Union> serde::de::Visitor<'de> for Buffered<U> {
        type Value = U;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a {} message", U::NAME)
        }
        fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<U, D::Error> {
            buffered(d, &crate::codec::limits::Limits::DEFAULT)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<U, D::Error> {
            buffered(d, &crate::codec::limits::Limits::LAX)
        }
    }
    deserializer.deserialize_newtype_struct(
        crate::value::lax::UNION_TOKEN,
        Buffered(std::marker::PhantomData),
    )
}

fn buffered<'de, U: Union, D: serde::Deserializer<'de>>(
    deserializer: D,
    limits: &crate::codec::limits::Limits,
) -> Result<U, D::Error> {
    use serde::de::Error;
    if deserializer.is_human_readable() {
        let raw =
            <Box<serde_json::value::RawValue> as serde::Deserialize>::deserialize(deserializer)?;
        limits.decode_json::<U>(raw.get()).map_err(D::Error::custom)
    } else {
        let mut buffer = Vec::new();
        deserializer.deserialize_newtype_struct(
            crate::value::ext::CAPTURE_TOKEN,
            crate::value::ext::CaptureAll(&mut buffer),
        )?;
        limits
            .decode_msgpack::<U>(&buffer)
            .map_err(D::Error::custom)
    }
}

/// Defines a tagged-union enum over the listed messages: the enum, `From` each member,
/// [`Union`], and serde `Serialize` (the member's own) / `Deserialize` (two-pass, via
/// [`decode_value`](crate::codec::decode::decode_value)).
#[doc(hidden)]
#[macro_export]
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
                $crate::messages::union::deserialize_buffered(deserializer)
            }
        }
    };
}
