//! Decoding JSON and msgpack bodies into channels and groups, with typed errors.
//!
//! [`decode_json`] is the front door: it tells malformed input, an unknown type, a type the
//! channel does not permit and invalid fields apart, and never panics.
//!
//! Both codecs find the tag first and decode the one struct it names; neither buffers the body
//! as a tree. A JSON body's tag is read by a validating scan, which also splits the body into its
//! fields. A msgpack body is first decoded without a scan, as the member its guessed tag names
//! (the crate-internal `codec::speculate` module, whose header states the rule it keeps); if
//! that gives no answer, the body is scanned (checked, tag read) and decoded, which is where
//! every error is worded.

use std::fmt;

use serde::Deserializer as _;
use serde::Serialize;
use serde::de::{self, DeserializeOwned, MapAccess, Visitor};

use crate::codec::limits::Limits;
use crate::union::channels::{
    Channel, ChannelName, ChannelVisitor, RequestChannel, is_airflow_message_type,
};
use crate::union::{BodyDecoder, Union};

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not JSON, or not a JSON object.
    #[error("{channel}: malformed message: {reason}")]
    Malformed {
        /// The union that was decoding (`"CallbackToSupervisor"`).
        channel: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The `"type"` key is missing, is not a string, or names no Airflow message.
    #[error("{channel}: {tag}")]
    UnknownType {
        /// The union that was decoding.
        channel: &'static str,
        /// What the `"type"` key held.
        tag: UnknownTag,
    },
    /// An Airflow message type that this channel (or the policy narrowing it) does not permit.
    #[error("{channel} does not permit `{type_tag}` messages{}", policy.as_ref().map(|p| format!(" under the policy `{p}`")).unwrap_or_default())]
    NotPermitted {
        /// The union that was decoding.
        channel: &'static str,
        /// The refused type.
        type_tag: String,
        /// The [`ChannelPolicy`](crate::peer::policy::ChannelPolicy) that refused it, when the channel
        /// itself permits the type.
        policy: Option<String>,
    },
    /// A permitted type whose fields fail validation.
    #[error("{channel}: invalid `{type_tag}` at `{path}`: {message}")]
    Invalid {
        /// The union that was decoding.
        channel: &'static str,
        /// The message type.
        type_tag: String,
        /// Where in the message: `.` for the message itself, `task_outlets[0].uri` for a field.
        path: String,
        /// What was expected there.
        message: String,
    },
}

/// What was wrong with the `"type"` key of an [`DecodeError::UnknownType`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownTag {
    /// There is no `"type"` key.
    Missing,
    /// The `"type"` key holds something else than a string (shown as JSON).
    NotAString(String),
    /// A string that names no Airflow message.
    Unknown(String),
}

impl fmt::Display for UnknownTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("the message has no \"type\" key"),
            Self::NotAString(json) => write!(f, "the \"type\" key is not a string: {json}"),
            Self::Unknown(tag) => write!(f, "`{tag}` is not an Airflow message type"),
        }
    }
}

/// The four kinds of [`DecodeError`], for callers that only need to branch on the kind.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, strum::Display, strum::EnumString, strum::IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
#[non_exhaustive] // as `DecodeError` is: a later protocol may bring a new kind of refusal
pub enum DecodeErrorKind {
    /// See [`DecodeError::Malformed`].
    Malformed,
    /// See [`DecodeError::UnknownType`].
    UnknownType,
    /// See [`DecodeError::NotPermitted`].
    NotPermitted,
    /// See [`DecodeError::Invalid`].
    Invalid,
}

impl DecodeError {
    /// The kind of error.
    pub fn kind(&self) -> DecodeErrorKind {
        match self {
            Self::Malformed { .. } => DecodeErrorKind::Malformed,
            Self::UnknownType { .. } => DecodeErrorKind::UnknownType,
            Self::NotPermitted { .. } => DecodeErrorKind::NotPermitted,
            Self::Invalid { .. } => DecodeErrorKind::Invalid,
        }
    }

    /// The message's `"type"` tag, where it was a string.
    pub fn type_tag(&self) -> Option<&str> {
        match self {
            Self::Malformed { .. } => None,
            Self::UnknownType {
                tag: UnknownTag::Unknown(tag),
                ..
            } => Some(tag),
            Self::UnknownType { .. } => None,
            Self::NotPermitted { type_tag, .. } | Self::Invalid { type_tag, .. } => Some(type_tag),
        }
    }

    /// The union that was decoding.
    pub fn channel(&self) -> &'static str {
        match self {
            Self::Malformed { channel, .. }
            | Self::UnknownType { channel, .. }
            | Self::NotPermitted { channel, .. }
            | Self::Invalid { channel, .. } => channel,
        }
    }
}

/// A field-level failure from a [`BodyDecoder`]: where and why.
#[derive(Debug)]
pub struct FieldError {
    path: String,
    message: String,
}

impl FieldError {
    fn from_path_error<E: fmt::Display>(err: serde_path_to_error::Error<E>) -> Self {
        Self {
            path: err.path().to_string(),
            message: err.inner().to_string(),
        }
    }
}

/// Where the tag lookup ended: the `"type"` value, or why there is none.
enum Peeked<'a> {
    /// Borrowed from the input where it can be: no allocation on the success path.
    Tag(std::borrow::Cow<'a, str>),
    Missing,
    NotAString(String),
    NotAnObject(&'static str),
}

/// Walks JSON input within [`Limits`] without keeping it: the position is the number of arrays
/// and objects enclosing the value walked. Every string is decoded, so that text pydantic's
/// parser refuses (a lone UTF-16 surrogate escape) is refused here too; `IgnoredAny` would skip
/// strings unchecked. The recursion this walk does is what the depth limit bounds, so serde_json's
/// own limit (128) can be lifted for both passes.
#[derive(Clone, Copy)]
struct Walk<'l> {
    limits: &'l Limits,
    enclosing: usize,
}

impl<'l> Walk<'l> {
    /// The walk of the items of a container at this position.
    fn inside(self) -> Self {
        Self {
            enclosing: self.enclosing + 1,
            ..self
        }
    }

    /// Refuses a value enclosed by more containers than the limit. Checked when a value is
    /// actually there, so an empty container adds no level, as in pydantic's parser.
    /// Worded as the msgpack scanner words it (one wording for both codecs).
    fn check_depth<E: de::Error>(self) -> Result<(), E> {
        if self.enclosing > self.limits.max_depth() {
            return Err(E::custom(crate::codec::msgpack::ScanError::TooDeep(
                self.limits.max_depth(),
            )));
        }
        Ok(())
    }

    /// Refuses a string longer than the limit, worded as the msgpack scanner words it.
    fn string<E: de::Error>(self, len: usize) -> Result<(), E> {
        crate::codec::msgpack::check_string(len, self.limits).map_err(E::custom)
    }

    /// Refuses more items than the limit. (Worded apart from the msgpack scanner's refusal, which
    /// knows the declared count: the walk stops at the first item over the limit.)
    fn counted<E: de::Error>(self, items: usize) -> Result<(), E> {
        match self.limits.max_collection_len() {
            max if items > max => Err(E::custom(format_args!(
                "a collection of more than {max} items exceeds the limit"
            ))),
            _ => Ok(()),
        }
    }

    /// Walks the items of an array one level down.
    fn items<'de, A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.inside();
        let mut items = 0;
        while seq.next_element_seed(Checked(inner))?.is_some() {
            items += 1;
            self.counted(items)?;
        }
        Ok(())
    }

    /// Walks the entries of an object one level down.
    fn entries<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.inside();
        let mut items = 0;
        while map.next_key_seed(Checked(inner))?.is_some() {
            map.next_value_seed(Checked(inner))?;
            items += 1;
            self.counted(items)?;
        }
        Ok(())
    }
}

/// Checks one value with a [`Walk`].
struct Checked<'l>(Walk<'l>);

impl<'de> de::DeserializeSeed<'de> for Checked<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.0.check_depth()?;
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Checked<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.string(v.len())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.0.items(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.0.entries(map)
    }
}

/// Reads the value of the `"type"` key: the tag, or a short description of what is there instead.
struct TagValue<'l>(Walk<'l>);

impl<'de> de::DeserializeSeed<'de> for TagValue<'_> {
    type Value = Peeked<'de>;
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Peeked<'de>, D::Error> {
        self.0.check_depth()?;
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TagValue<'_> {
    type Value = Peeked<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a type tag")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Peeked<'de>, E> {
        self.0.string(v.len())?;
        Ok(Peeked::Tag(std::borrow::Cow::Owned(v.to_owned())))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Peeked<'de>, E> {
        self.0.string(v.len())?;
        Ok(Peeked::Tag(std::borrow::Cow::Borrowed(v)))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Peeked<'de>, E> {
        Ok(Peeked::NotAString(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Peeked<'de>, E> {
        Ok(Peeked::NotAString(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Peeked<'de>, E> {
        Ok(Peeked::NotAString(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Peeked<'de>, E> {
        Ok(Peeked::NotAString(
            serde_json::Number::from_f64(v).map_or("NaN".into(), |n| n.to_string()),
        ))
    }
    fn visit_unit<E>(self) -> Result<Peeked<'de>, E> {
        Ok(Peeked::NotAString("null".into()))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Peeked<'de>, A::Error> {
        self.0.items(seq)?;
        Ok(Peeked::NotAString("an array".into()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Peeked<'de>, A::Error> {
        self.0.entries(map)?;
        Ok(Peeked::NotAString("an object".into()))
    }
}

/// Reads only the `"type"` key of a JSON object, checking every other value (within the limits)
/// without building it.
struct TagPeek<'l>(&'l Limits);

impl<'de> Visitor<'de> for TagPeek<'_> {
    type Value = Peeked<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Peeked<'de>, A::Error> {
        let body = Walk {
            limits: self.0,
            enclosing: 0,
        };
        let inner = body.inside();
        let mut found = Peeked::Missing;
        let mut items = 0;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            inner.check_depth()?;
            inner.string(key.len())?;
            if key == "type" {
                found = map.next_value_seed(TagValue(inner))?;
            } else {
                map.next_value_seed(Checked(inner))?;
            }
            items += 1;
            body.counted(items)?;
        }
        Ok(found)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Peeked<'de>, A::Error> {
        let body = Walk {
            limits: self.0,
            enclosing: 0,
        };
        body.items(seq)?;
        Ok(Peeked::NotAnObject("an array"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Peeked<'de>, E> {
        Ok(Peeked::NotAnObject("a string"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Peeked<'de>, E> {
        Ok(Peeked::NotAnObject("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Peeked<'de>, E> {
        Ok(Peeked::NotAnObject("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Peeked<'de>, E> {
        Ok(Peeked::NotAnObject("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Peeked<'de>, E> {
        Ok(Peeked::NotAnObject("a number"))
    }
    fn visit_unit<E>(self) -> Result<Peeked<'de>, E> {
        Ok(Peeked::NotAnObject("null"))
    }
}

/// Reads the tag of a JSON body with serde_json, checking the whole text within `limits`: the
/// reference [`json_scan`](crate::codec::json_scan) must agree with, and the path for everything that
/// scan leaves open (errors above all, which this words).
fn walk_json<'a>(text: &'a str, limits: &Limits) -> Result<Peeked<'a>, serde_json::Error> {
    let mut deserializer = crate::value::checked_json(text);
    let peeked = deserializer.deserialize_any(TagPeek(limits))?;
    deserializer.end()?;
    Ok(peeked)
}

/// Deserializes `T`, in pydantic's lax mode when `lax` (see [`lax`](crate::value::lax)).
#[inline(always)]
pub(crate) fn deserialize_as<'de, T: de::Deserialize<'de>, D: de::Deserializer<'de>>(
    lax: bool,
    deserializer: D,
) -> Result<T, D::Error> {
    if lax {
        T::deserialize(crate::value::lax::Lax(deserializer))
    } else {
        T::deserialize(deserializer)
    }
}

/// [`deserialize_as`], tracking the path to the first error.
fn deserialize_tracked<'de, T: de::Deserialize<'de>, D: de::Deserializer<'de>>(
    lax: bool,
    deserializer: D,
) -> Result<T, serde_path_to_error::Error<D::Error>> {
    if lax {
        serde_path_to_error::deserialize(crate::value::lax::Lax(deserializer))
    } else {
        serde_path_to_error::deserialize(deserializer)
    }
}

/// Decodes a body from JSON text, in lax mode when `.1`.
struct JsonText<'a>(&'a str, bool);

impl BodyDecoder for JsonText<'_> {
    type Error = FieldError;
    fn decode<T: DeserializeOwned>(self) -> Result<T, FieldError> {
        // Path tracking costs on every field, so it is only paid for once decoding has failed.
        let mut deserializer = crate::value::checked_json(self.0);
        let plain = deserialize_as::<T, _>(self.1, &mut deserializer).and_then(|value| {
            deserializer.end()?;
            Ok(value)
        });
        plain.map_err(|plain| {
            let mut deserializer = crate::value::checked_json(self.0);
            match deserialize_tracked::<T, _>(self.1, &mut deserializer) {
                Err(err) => FieldError::from_path_error(err),
                Ok(_) => FieldError {
                    path: ".".into(),
                    message: plain.to_string(),
                },
            }
        })
    }
}

/// Decodes a body the JSON scan has split into its entries; a failure is decoded again from the
/// whole text, which words the error and gives its path.
struct JsonEntries<'a> {
    text: &'a str,
    entries: &'a [(&'a str, &'a str)],
    compact: bool,
    lax: bool,
}

impl BodyDecoder for JsonEntries<'_> {
    type Error = FieldError;
    fn decode<T: DeserializeOwned>(self) -> Result<T, FieldError> {
        crate::codec::json_entries::from_entries(self.entries, self.compact, self.lax)
            .or_else(|_| JsonText(self.text, self.lax).decode())
    }
}

/// Decodes a body from a parsed JSON value.
struct JsonTree(serde_json::Value);

impl BodyDecoder for JsonTree {
    type Error = FieldError;
    fn decode<T: DeserializeOwned>(self) -> Result<T, FieldError> {
        serde_path_to_error::deserialize(self.0).map_err(FieldError::from_path_error)
    }
}

/// Decodes a body from msgpack bytes the scanner has checked (`msgpack::split_body`).
struct MsgpackBytes<'a, 'l> {
    body: &'a [u8],
    limits: &'l Limits,
}

impl BodyDecoder for MsgpackBytes<'_, '_> {
    type Error = FieldError;
    #[inline]
    fn decode<T: DeserializeOwned>(self) -> Result<T, FieldError> {
        use crate::codec::msgpack_de::Deserializer;
        // Path tracking costs on every field, so it is only paid for once decoding has failed.
        let lax = self.limits.lax();
        let mut deserializer = Deserializer::new(self.body, self.limits);
        let plain = deserialize_as::<T, _>(lax, &mut deserializer).and_then(|value| {
            deserializer.end()?;
            Ok(value)
        });
        plain.map_err(|plain| {
            let mut deserializer = Deserializer::new(self.body, self.limits);
            match deserialize_tracked::<T, _>(lax, &mut deserializer) {
                Err(err) => FieldError::from_path_error(err),
                Ok(_) => FieldError {
                    path: ".".into(),
                    message: plain.to_string(),
                },
            }
        })
    }
}

/// Reads a msgpack body's tag with the scanner: no allocation, nothing decoded but the tag.
fn peek_msgpack<'a>(body: &'a [u8], limits: &Limits) -> Result<Peeked<'a>, String> {
    let scanned = crate::codec::msgpack::scan_body(body, limits).map_err(|err| err.to_string())?;
    Ok(peeked(scanned))
}

#[inline]
fn peeked(body: crate::codec::msgpack::Body<'_>) -> Peeked<'_> {
    use crate::codec::msgpack::{Body, Tag};
    match body {
        Body::Map(Tag::Str(tag)) => Peeked::Tag(std::borrow::Cow::Borrowed(tag)),
        Body::Map(Tag::Other(what)) => Peeked::NotAString(what.to_owned()),
        Body::Map(Tag::Missing) => Peeked::Missing,
        Body::NotAMap(what) => Peeked::NotAnObject(what),
    }
}

/// Decodes a msgpack body the frame reader has already scanned (see
/// [`split_body`](crate::codec::msgpack::split_body)): the scan is not repeated. The message goes to
/// `ok`, a failure to `err` (see [`Union::decode_member`] for why).
#[inline]
pub(crate) fn decode_scanned_msgpack<'a, U: Union, R>(
    body: &'a [u8],
    limits: &Limits,
    scanned: crate::codec::msgpack::Body<'a>,
    ok: impl FnOnce(U) -> R,
    err: impl FnOnce(DecodeError) -> R,
) -> R {
    dispatch_into(peeked(scanned), MsgpackBytes { body, limits }, ok, err)
}

/// Picks the member for `peeked` and decodes it with `body`.
#[inline]
fn dispatch<U: Union, B: BodyDecoder<Error = FieldError>>(
    peeked: Peeked<'_>,
    body: B,
) -> Result<U, DecodeError> {
    dispatch_into(peeked, body, Ok, Err)
}

/// [`dispatch`], handing the message to `ok` and a failure to `err`.
#[inline]
fn dispatch_into<U: Union, B: BodyDecoder<Error = FieldError>, R>(
    peeked: Peeked<'_>,
    body: B,
    ok: impl FnOnce(U) -> R,
    err: impl FnOnce(DecodeError) -> R,
) -> R {
    let channel = U::NAME;
    let tag = match peeked {
        Peeked::Tag(tag) => tag,
        Peeked::Missing => {
            return err(DecodeError::UnknownType {
                channel,
                tag: UnknownTag::Missing,
            });
        }
        Peeked::NotAString(json) => {
            return err(DecodeError::UnknownType {
                channel,
                tag: UnknownTag::NotAString(json),
            });
        }
        Peeked::NotAnObject(what) => {
            return err(DecodeError::Malformed {
                channel,
                reason: format!("expected a JSON object, found {what}"),
            });
        }
    };
    U::decode_member(&tag, body, ok, |failure| {
        err(member_error(channel, &tag, failure))
    })
}

/// Why the member for `tag` did not decode: its fields were wrong, or no member has the tag.
#[cold]
fn member_error(channel: &'static str, tag: &str, failure: Option<FieldError>) -> DecodeError {
    match failure {
        Some(FieldError { path, message }) => DecodeError::Invalid {
            channel,
            type_tag: tag.to_owned(),
            path,
            message,
        },
        None if is_airflow_message_type(tag) => DecodeError::NotPermitted {
            channel,
            type_tag: tag.to_owned(),
            policy: None,
        },
        None => DecodeError::UnknownType {
            channel,
            tag: UnknownTag::Unknown(tag.to_owned()),
        },
    }
}

/// Decodes one JSON message into a channel or group `U`, within [`Limits::DEFAULT`].
///
/// ```
/// use airflow_comms::{decode_json, CallbackToSupervisor, DecodeErrorKind};
///
/// let ok = decode_json::<CallbackToSupervisor>(r#"{"conn_id": "db", "type": "GetConnection"}"#);
/// assert!(matches!(ok, Ok(CallbackToSupervisor::GetConnection(_))));
///
/// let refused = decode_json::<CallbackToSupervisor>(
///     r#"{"end_date": "2026-01-01T00:00:00Z", "type": "SucceedTask"}"#,
/// );
/// assert_eq!(refused.unwrap_err().kind(), DecodeErrorKind::NotPermitted);
/// ```
pub fn decode_json<U: Union>(text: &str) -> Result<U, DecodeError> {
    Limits::DEFAULT.decode_json(text)
}

/// Decodes one msgpack message body (a map, as msgspec writes it) into a channel or group `U`,
/// within [`Limits::DEFAULT`].
///
/// The concrete struct is decoded from the bytes straight away when the tag can be guessed from
/// where msgspec writes it, else after a scan that reads the tag, as [`decode_json`] does for
/// JSON text; the result and any error are the same either way.
pub fn decode_msgpack<U: Union>(body: &[u8]) -> Result<U, DecodeError> {
    Limits::DEFAULT.decode_msgpack(body)
}

/// Decodes one msgpack message body as the single message type `M` (a reply whose type the
/// request determines), within [`Limits::DEFAULT`]: the `type` tag must be `M`'s.
pub fn decode_msgpack_message<M: crate::messages::model::Message>(
    body: &[u8],
) -> Result<M, DecodeError> {
    Limits::DEFAULT.decode_msgpack_message(body)
}

/// Reads the body of an `XComResult` reply (the answer to `GetXCom`) with its `value` decoded
/// straight into `T`, within [`Limits::DEFAULT`]; `None` when the value is nil (no such XCom).
///
/// [`XComResult`](crate::XComResult) keeps the value as JSON text, which a reader then parses
/// again; this reads the msgpack once, into the type the caller wants. Use it with
/// [`Client::send_with`](crate::peer::client::Client::send_with). Bin is refused in the value, as in a
/// `JsonValue`.
pub fn decode_xcom_value<T: DeserializeOwned>(
    body: Option<&[u8]>,
) -> Result<Option<T>, DecodeError> {
    Limits::DEFAULT.decode_xcom_value(body)
}

impl Limits {
    /// [`decode_xcom_value`] within these limits.
    pub fn decode_xcom_value<T: DeserializeOwned>(
        &self,
        body: Option<&[u8]>,
    ) -> Result<Option<T>, DecodeError> {
        const TYPE: &str = "XComResult";
        #[derive(serde::Deserialize)]
        struct Body<T> {
            #[serde(rename = "type")]
            tag: String,
            value: Option<T>,
        }
        let invalid = |path: String, message: String| DecodeError::Invalid {
            channel: TYPE,
            type_tag: TYPE.into(),
            path,
            message,
        };
        let body = body.ok_or_else(|| DecodeError::Malformed {
            channel: TYPE,
            reason: "expected a reply body, got an empty reply".into(),
        })?;
        // Path tracking costs about as much as the decode itself on a large value (bench
        // `runtime/benches/xcom.rs`), so the first pass runs without it. Decoding is a pure
        // function of the bytes, so a second pass that tracks the path fails at the same place
        // and only the error case pays for it.
        let mut deserializer = crate::codec::msgpack_de::Deserializer::new(body, self);
        let decoded = match <Body<T> as serde::Deserialize>::deserialize(&mut deserializer) {
            Ok(decoded) => decoded,
            Err(first) => {
                let mut again = crate::codec::msgpack_de::Deserializer::new(body, self);
                return Err(
                    match serde_path_to_error::deserialize::<_, Body<T>>(&mut again) {
                        Err(err) => invalid(err.path().to_string(), err.into_inner().to_string()),
                        // Cannot happen for a deterministic `T`; keep the first error if it does.
                        Ok(_) => invalid(".".into(), first.to_string()),
                    },
                );
            }
        };
        deserializer
            .end()
            .map_err(|err| invalid(".".into(), err.to_string()))?;
        if decoded.tag != TYPE {
            return Err(invalid(
                "type".into(),
                format!("expected an {TYPE} reply, got `{}`", decoded.tag),
            ));
        }
        Ok(decoded.value)
    }

    /// [`decode_json`] within these limits.
    pub fn decode_json<U: Union>(&self, text: &str) -> Result<U, DecodeError> {
        use crate::codec::json_scan::{Entries, Scanned, Tag, scan_object_entries};
        let mut entries = Entries::new();
        let (peeked, compact) = match scan_object_entries(text, self, Some(&mut entries)) {
            Some(Scanned { tag, compact }) => match tag {
                Tag::Str(tag) => (Peeked::Tag(std::borrow::Cow::Borrowed(tag)), compact),
                Tag::Missing => (Peeked::Missing, compact),
            },
            None => {
                let peeked = walk_json(text, self).map_err(|err| DecodeError::Malformed {
                    channel: U::NAME,
                    reason: err.to_string(),
                })?;
                (peeked, false)
            }
        };
        match entries.get() {
            // The body was scanned: fields are read from their slices (see `json_entries`).
            Some(entries) => dispatch(
                peeked,
                JsonEntries {
                    text,
                    entries,
                    compact,
                    lax: self.lax(),
                },
            ),
            // More entries than the scan keeps: serde_json reads the whole text, whose values
            // need no whitespace removed when the scan saw none (see `from_compact_text`).
            None if compact => {
                crate::value::from_compact_text(|| dispatch(peeked, JsonText(text, self.lax())))
            }
            None => dispatch(peeked, JsonText(text, self.lax())),
        }
    }

    /// [`decode_msgpack`] within these limits.
    pub fn decode_msgpack<U: Union>(&self, body: &[u8]) -> Result<U, DecodeError> {
        let message = crate::codec::speculate::speculate_msgpack(body, self, Ok, || {
            self.scan_then_decode_msgpack(body)
        });
        #[cfg(debug_assertions)]
        crate::codec::speculate::check_both_ways(body.len(), &message, || {
            self.scan_then_decode_msgpack(body)
        });
        message
    }

    /// [`decode_msgpack`](Self::decode_msgpack) the long way: the body is scanned (checked, its
    /// tag read), then decoded. Any body that does not decode without a scan comes here, so
    /// every error is worded here.
    pub(crate) fn scan_then_decode_msgpack<U: Union>(&self, body: &[u8]) -> Result<U, DecodeError> {
        let peeked = peek_msgpack(body, self).map_err(|reason| DecodeError::Malformed {
            channel: U::NAME,
            reason,
        })?;
        dispatch(peeked, MsgpackBytes { body, limits: self })
    }

    /// [`decode_msgpack_message`] within these limits.
    pub fn decode_msgpack_message<M: crate::messages::model::Message>(
        &self,
        body: &[u8],
    ) -> Result<M, DecodeError> {
        match crate::codec::speculate::speculate_msgpack_message::<M>(body, self) {
            Some(message) => Ok(message),
            None => self.scan_then_decode_msgpack_message(body),
        }
    }

    /// [`decode_msgpack_message`](Self::decode_msgpack_message) the long way (see
    /// [`scan_then_decode_msgpack`](Self::scan_then_decode_msgpack)).
    pub(crate) fn scan_then_decode_msgpack_message<M: crate::messages::model::Message>(
        &self,
        body: &[u8],
    ) -> Result<M, DecodeError> {
        let channel = M::NAME;
        let peeked = peek_msgpack(body, self)
            .map_err(|reason| DecodeError::Malformed { channel, reason })?;
        match peeked {
            Peeked::Tag(tag) if tag == M::TYPE => MsgpackBytes { body, limits: self }
                .decode::<M>()
                .map_err(|FieldError { path, message }| DecodeError::Invalid {
                    channel,
                    type_tag: tag.into_owned(),
                    path,
                    message,
                }),
            Peeked::Tag(tag) if is_airflow_message_type(&tag) => Err(DecodeError::NotPermitted {
                channel,
                type_tag: tag.into_owned(),
                policy: None,
            }),
            Peeked::Tag(tag) => Err(DecodeError::UnknownType {
                channel,
                tag: UnknownTag::Unknown(tag.into_owned()),
            }),
            Peeked::Missing => Err(DecodeError::UnknownType {
                channel,
                tag: UnknownTag::Missing,
            }),
            Peeked::NotAString(json) => Err(DecodeError::UnknownType {
                channel,
                tag: UnknownTag::NotAString(json),
            }),
            Peeked::NotAnObject(what) => Err(DecodeError::Malformed {
                channel,
                reason: format!("expected a map, found {what}"),
            }),
        }
    }
}

/// Decodes one message, already parsed into a [`serde_json::Value`], into `U`.
pub fn decode_value<U: Union>(value: serde_json::Value) -> Result<U, DecodeError> {
    let peeked = match &value {
        serde_json::Value::Object(map) => match map.get("type") {
            None => Peeked::Missing,
            Some(serde_json::Value::String(tag)) => Peeked::Tag(tag.clone().into()),
            Some(other) => Peeked::NotAString(other.to_string()),
        },
        serde_json::Value::Array(_) => Peeked::NotAnObject("an array"),
        serde_json::Value::String(_) => Peeked::NotAnObject("a string"),
        serde_json::Value::Number(_) => Peeked::NotAnObject("a number"),
        serde_json::Value::Bool(_) => Peeked::NotAnObject("a boolean"),
        serde_json::Value::Null => Peeked::NotAnObject("null"),
    };
    dispatch(peeked, JsonTree(value))
}

/// Canonical JSON text through a channel picked at run time (the CLI's `encode` and
/// `decode --output json`, the mock supervisor's canned replies).
impl ChannelName {
    /// Decodes one JSON message with this channel and writes it back as compact JSON text
    /// in canonical form (what `model_dump(mode="json", by_alias=True)` gives).
    pub fn canonicalize_json(self, text: &str) -> Result<String, DecodeError> {
        self.canonicalize_json_within(&Limits::DEFAULT, text)
    }

    /// [`canonicalize_json`](Self::canonicalize_json) within `limits` (which may ask for
    /// [lax mode](Limits::with_lax)).
    pub fn canonicalize_json_within(
        self,
        limits: &Limits,
        text: &str,
    ) -> Result<String, DecodeError> {
        struct Canonical<'a>(&'a Limits, &'a str);
        fn canonical<C: Channel + Serialize>(
            limits: &Limits,
            text: &str,
        ) -> Result<String, DecodeError> {
            let message = limits.decode_json::<C>(text)?;
            serde_json::to_string(&message).map_err(|err| DecodeError::Malformed {
                channel: C::NAME,
                reason: format!("the decoded message could not be written back: {err}"),
            })
        }
        impl ChannelVisitor for Canonical<'_> {
            type Output = Result<String, DecodeError>;
            fn requests<C: RequestChannel + Serialize>(self) -> Self::Output {
                canonical::<C>(self.0, self.1)
            }
            fn replies<U: Channel + Serialize>(self) -> Self::Output {
                canonical::<U>(self.0, self.1)
            }
        }
        self.visit(Canonical(limits, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::json_scan::{Tag, scan_object};

    /// Every JSON body of the conformance and differential corpora (written by the real SDK and
    /// mutated from it), plus truncations and characters that trip parsers spliced into them.
    fn bodies() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.extend(
            std::fs::read_dir(dir.join("differential"))
                .unwrap()
                .map(|e| e.unwrap().path()),
        );
        let mut bodies = Vec::new();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            if !name.ends_with(".jsonl") || name.ends_with(".msgpack.jsonl") {
                continue;
            }
            for line in std::fs::read_to_string(&file).unwrap().lines() {
                #[derive(serde::Deserialize)]
                struct Case {
                    input: Option<String>,
                }
                // Some cases nest deeper than serde_json's default limit.
                let case: Case =
                    serde::Deserialize::deserialize(&mut crate::value::checked_json(line)).unwrap();
                bodies.extend(case.input);
            }
        }
        assert!(
            bodies.len() > 7_000,
            "the corpus is missing: {}",
            bodies.len()
        );
        let splices = [
            "\"", "\\", "\\u", "\\ud800", "\t", "\u{1}", ",", "]", "}", "1e999", "-", " ", "é",
        ];
        let mut variants = Vec::new();
        for (i, body) in bodies.iter().enumerate() {
            let cuts: Vec<usize> = (0..=body.len())
                .filter(|&at| body.is_char_boundary(at))
                .collect();
            let at = cuts[i * 7919 % cuts.len()];
            variants.push(body[..at].to_owned());
            variants.push(format!(
                "{}{}{}",
                &body[..at],
                splices[i % splices.len()],
                &body[at..]
            ));
        }
        bodies.extend(variants);
        bodies
    }

    /// `decode_json` with the body read whole by serde_json, never from its scanned entries.
    fn decode_whole_text<U: Union>(text: &str) -> Result<U, DecodeError> {
        let peeked = walk_json(text, &Limits::DEFAULT).map_err(|err| DecodeError::Malformed {
            channel: U::NAME,
            reason: err.to_string(),
        })?;
        dispatch(peeked, JsonText(text, false))
    }

    /// Reading fields from the scanned entries (`json_entries`) gives what one serde_json pass
    /// over the whole body gives, message or error, for every corpus body and its variants.
    #[test]
    fn decoding_from_entries_agrees_with_decoding_the_whole_text() {
        fn agree<U: Union>(text: &str) -> bool {
            let (fast, whole) = (decode_json::<U>(text), decode_whole_text::<U>(text));
            assert_eq!(fast, whole, "{} on {text}", U::NAME);
            fast.is_ok()
        }
        let mut decoded = 0;
        for body in bodies() {
            decoded += usize::from(agree::<crate::union::channels::TaskToSupervisor>(&body));
            decoded += usize::from(agree::<crate::union::channels::CallbackToSupervisor>(&body));
            decoded += usize::from(agree::<crate::union::channels::TriggerToSupervisor>(&body));
            decoded += usize::from(agree::<crate::union::channels::DagProcessorToManager>(
                &body,
            ));
            decoded += usize::from(agree::<crate::union::channels::ToTask>(&body));
            decoded += usize::from(agree::<crate::union::channels::ToTriggerRunner>(&body));
            decoded += usize::from(agree::<crate::union::channels::ToDagProcessor>(&body));
        }
        // Most corpus bodies are accepted by some channel: the comparison saw real messages.
        assert!(decoded > 1000, "only {decoded} decodes succeeded");
    }

    /// Texts `{"a":` + a few random fragments + `}`: numbers, escapes, literals and punctuation in
    /// forms no corpus holds, well-formed or nearly. A fixed-seed generator keeps runs repeatable.
    fn json_like_texts() -> impl Iterator<Item = String> {
        const FRAGMENTS: &[&str] = &[
            "0",
            "-0",
            "7",
            "12",
            "0.5",
            "-1.25",
            "1e5",
            "1E+2",
            "2e-3",
            "1e400",
            "-1e400",
            "1e-400",
            "0e999999",
            "01",
            "1.",
            ".5",
            "-",
            "+1",
            "1e",
            "1.e3",
            "99999999999999999999",
            r#""x""#,
            r#""\u00e9""#,
            r#""\ud83d\ude80""#,
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\\""#,
            r#""\/""#,
            r#""\x""#,
            r#""\u00G0""#,
            "\"\t\"",
            "\"\u{7f}é\"",
            "true",
            "false",
            "null",
            "nul",
            "tru",
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            r#""k":"#,
            " ",
            "\n",
            "[]",
            "{}",
            "[1,2]",
            r#"{"k":1}"#,
            r#"{"k":}"#,
            "[1,]",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        (0..60_000).map(move |_| {
            let mut text = String::from("{\"a\":");
            for _ in 0..1 + next() % 4 {
                text.push_str(FRAGMENTS[next() % FRAGMENTS.len()]);
            }
            text.push('}');
            text
        })
    }

    #[test]
    fn the_json_scan_agrees_with_the_walk_on_random_texts() {
        let (mut accepted, mut answered) = (0, 0);
        for text in json_like_texts() {
            let walked = walk_json(&text, &Limits::DEFAULT);
            match scan_object(&text, &Limits::DEFAULT).map(|scanned| scanned.tag) {
                Some(Tag::Missing) => {
                    assert!(matches!(walked, Ok(Peeked::Missing)), "{text}");
                    answered += 1;
                }
                Some(tag) => panic!("{tag:?} for {text}"),
                None => {}
            }
            accepted += usize::from(walked.is_ok());
        }
        // The random texts must reach the interesting cases, and the scan must answer them.
        assert!(accepted > 2_000, "{accepted}");
        assert_eq!(answered, accepted);
    }

    #[test]
    fn the_json_scan_never_accepts_what_the_walk_refuses() {
        let limits = [
            Limits::DEFAULT,
            Limits::DEFAULT.with_max_depth(2),
            Limits::DEFAULT.with_max_string_len(8),
            Limits::DEFAULT.with_max_collection_len(3),
        ];
        let (mut answered, mut walk_accepted) = (0, 0);
        for body in bodies() {
            for (i, limits) in limits.iter().enumerate() {
                let scanned = scan_object(&body, limits).map(|scanned| scanned.tag);
                let walked = walk_json(&body, limits);
                match (scanned, &walked) {
                    (None, _) => {}
                    (Some(Tag::Str(tag)), Ok(Peeked::Tag(walked))) => {
                        assert_eq!(tag, walked, "{body}")
                    }
                    (Some(Tag::Missing), Ok(Peeked::Missing)) => {}
                    (Some(scanned), _) => {
                        panic!("scan {scanned:?}, walk {:?}: {body}", walked.map(|_| ()))
                    }
                }
                if i == 0 && matches!(walked, Ok(Peeked::Tag(_) | Peeked::Missing)) {
                    walk_accepted += 1;
                    answered += usize::from(scanned.is_some());
                }
            }
        }
        // The scan is the fast path: it must answer nearly every well-formed object by itself.
        assert!(
            answered * 100 >= walk_accepted * 99,
            "{answered} of {walk_accepted}"
        );
    }
}
