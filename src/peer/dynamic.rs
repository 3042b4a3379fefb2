//! Frames for a channel chosen at run time, with messages as canonical JSON text.
//!
//! Tools that pick the channel from user input (the `airflow-comms` command line, a proxy, a
//! recorder) use these instead of the typed API: the channel is a [`ChannelName`], messages go
//! in and come out as JSON text in canonical form (what `model_dump(mode="json", by_alias=True)`
//! gives), and all protocol decisions (which frame kind, which reply union) are made here.
//!
//! ```
//! use airflow_comms::ChannelName;
//!
//! let channel: ChannelName = "callback".parse().unwrap();
//! let mut frame = Vec::new();
//! channel.encode_json_frame(0, r#"{"key": "region", "type": "GetVariable"}"#, &mut frame).unwrap();
//! let decoded = channel.decode_frame(&frame[4..]).unwrap();
//! assert_eq!(decoded.body.unwrap().json, r#"{"key":"region","type":"GetVariable"}"#);
//! ```

use serde::Serialize;

use crate::codec::decode::{DecodeError, decode_json};
use crate::codec::frame::{
    ContextCarrier, FrameError, FrameId, RequestFrame, ResponseFrame, encode_request,
    encode_response,
};
use crate::messages::responses::ErrorResponse;
use crate::union::channels::{Channel, ChannelName, ChannelVisitor, Direction, RequestChannel};

/// A message as canonical JSON text, with its type tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonMessage {
    /// The message's `"type"` tag.
    pub type_tag: &'static str,
    /// The message in canonical form, compact.
    pub json: String,
}

/// A frame decoded with a channel chosen at run time.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedFrame {
    /// The frame id.
    pub id: FrameId,
    /// The body; `None` for an empty reply.
    pub body: Option<JsonMessage>,
    /// The error slot of a response frame.
    pub error: Option<ErrorResponse>,
    /// The trace context of a request frame.
    pub context_carrier: Option<ContextCarrier>,
}

/// The JSON form of a decoded message. It may have none, as in Python, where
/// `model_dump(mode="json")` fails on the same values: bytes that are not UTF-8, or a msgpack
/// extension value other than a timestamp, inside an `Any`-typed field.
fn to_json<T: Serialize + crate::union::Union>(
    id: FrameId,
    message: &T,
) -> Result<JsonMessage, FrameError> {
    match serde_json::to_string(message) {
        Ok(json) => Ok(JsonMessage {
            type_tag: message.type_tag(),
            json,
        }),
        Err(err) => Err(FrameError::Encode {
            id,
            reason: format!(
                "the `{}` message has no JSON form: {err}",
                message.type_tag()
            ),
        }),
    }
}

impl ChannelName {
    /// Decodes a frame payload (the bytes after the length prefix): a request frame for a request
    /// channel, a response frame for a reply direction.
    pub fn decode_frame(self, payload: &[u8]) -> Result<DecodedFrame, FrameError> {
        self.decode_frame_within(&crate::codec::limits::Limits::DEFAULT, payload)
    }

    /// [`decode_frame`](Self::decode_frame) within `limits` (which may ask for
    /// [lax mode](crate::codec::limits::Limits::with_lax)).
    pub fn decode_frame_within(
        self,
        limits: &crate::codec::limits::Limits,
        payload: &[u8],
    ) -> Result<DecodedFrame, FrameError> {
        struct Decode<'a>(&'a [u8], &'a crate::codec::limits::Limits);
        impl ChannelVisitor for Decode<'_> {
            type Output = Result<DecodedFrame, FrameError>;
            fn requests<C: RequestChannel + Serialize>(self) -> Self::Output {
                let frame = self.1.decode_request::<C>(self.0)?;
                Ok(DecodedFrame {
                    id: frame.id,
                    body: Some(to_json(frame.id, &frame.body)?),
                    error: None,
                    context_carrier: frame.context_carrier,
                })
            }
            fn replies<U: Channel + Serialize>(self) -> Self::Output {
                let frame = self.1.decode_response::<U>(self.0)?;
                if let Some(Err(err)) = frame.error.as_ref().map(serde_json::to_value) {
                    // Its `detail` holds what JSON cannot say: callers get the error as JSON.
                    return Err(FrameError::Encode {
                        id: frame.id,
                        reason: format!("the error slot has no JSON form: {err}"),
                    });
                }
                Ok(DecodedFrame {
                    id: frame.id,
                    body: frame
                        .body
                        .as_ref()
                        .map(|body| to_json(frame.id, body))
                        .transpose()?,
                    error: frame.error,
                    context_carrier: None,
                })
            }
        }
        self.visit(Decode(payload, limits))
    }

    /// Decodes the JSON message `json` with this channel and appends it to `out` as a frame with
    /// id `id`: a request frame for a request channel, a response frame (with a body) for a
    /// reply direction.
    pub fn encode_json_frame(
        self,
        id: impl Into<FrameId>,
        json: &str,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        struct Encode<'a>(FrameId, &'a str, &'a mut Vec<u8>);
        impl ChannelVisitor for Encode<'_> {
            type Output = Result<(), EncodeError>;
            fn requests<C: RequestChannel + Serialize>(self) -> Self::Output {
                let body = decode_json::<C>(self.1)?;
                Ok(encode_request(
                    &RequestFrame {
                        id: self.0,
                        body,
                        context_carrier: None,
                    },
                    self.2,
                )?)
            }
            fn replies<U: Channel + Serialize>(self) -> Self::Output {
                let body = decode_json::<U>(self.1)?;
                Ok(encode_response(
                    &ResponseFrame::<U>::reply(self.0, body),
                    self.2,
                )?)
            }
        }
        self.visit(Encode(id.into(), json, out))
    }

    /// Appends a response frame answering request `id` on a request channel: with the JSON
    /// reply `body` (decoded with the channel's reply union), with `error`, or empty.
    pub fn encode_reply(
        self,
        id: impl Into<FrameId>,
        body: Option<&str>,
        error: Option<&ErrorResponse>,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        struct Reply<'a>(
            FrameId,
            Option<&'a str>,
            Option<&'a ErrorResponse>,
            &'a mut Vec<u8>,
        );
        impl ChannelVisitor for Reply<'_> {
            type Output = Result<(), EncodeError>;
            fn requests<C: RequestChannel>(self) -> Self::Output {
                let body = self.1.map(decode_json::<C::Replies>).transpose()?;
                let frame = ResponseFrame {
                    id: self.0,
                    body,
                    error: self.2.cloned(),
                };
                Ok(encode_response(&frame, self.3)?)
            }
            fn replies<U: Channel>(self) -> Self::Output {
                Err(EncodeError::NotARequestChannel(U::SHORT_NAME))
            }
        }
        self.visit(Reply(id.into(), body, error, out))
    }

    /// Whether this is a request channel (a child's requests to its supervisor).
    pub fn is_request_channel(self) -> bool {
        self.direction() == Direction::ToSupervisor
    }
}

/// Why a message could not be written as a frame.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The JSON message is not one the channel accepts.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The message could not be written as msgpack.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// Replies are written for request channels only.
    #[error("`{0}` is a reply direction; replies answer a request channel")]
    NotARequestChannel(&'static str),
}
