//! Async frame codecs for tokio (feature `tokio`), as tokio-util `Decoder` / `Encoder` impls.
//!
//! The codecs are named by the side that uses them:
//!
//! - [`SupervisorCodec<C>`] decodes request frames of channel `C` and encodes response frames;
//! - [`ChildCodec<U>`] decodes response frames of reply union `U` and encodes request frames.
//!
//! A frame whose body is refused does not end the stream: the decoder yields
//! `Ok(Some(Err(FrameError::Body { id, .. })))` so the request can be answered, and the next frame
//! decodes. A malformed frame, a frame of length 0 among them, is yielded the same way as
//! `Ok(Some(Err(FrameError::Malformed { .. })))`. Only transport failures, an over-limit length
//! prefix (refused before any allocation) and a stream that ends inside a frame are errors of the
//! stream itself ([`FrameError::is_stream_fatal`]): the decoder returns them as `Err`, and a
//! `Framed` stream ends after them.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), airflow_comms::FrameError> {
//! use airflow_comms::{ChildCodec, SupervisorCodec};
//! use airflow_comms::frame::{RequestFrame, ResponseFrame};
//! use airflow_comms::{CallbackToSupervisor, GetVariable, ToTask, VariableResult};
//! use futures_util::{SinkExt, StreamExt};
//! use tokio_util::codec::Framed;
//!
//! let (child_end, supervisor_end) = tokio::io::duplex(4096);
//! let mut child = Framed::new(child_end, ChildCodec::<ToTask>::new());
//! let mut supervisor = Framed::new(supervisor_end, SupervisorCodec::<CallbackToSupervisor>::new());
//!
//! child.send(RequestFrame::<CallbackToSupervisor>::new(0, GetVariable { key: "region".into() })).await?;
//! let request = supervisor.next().await.unwrap()??;
//! assert_eq!(request.body.type_tag(), "GetVariable");
//!
//! let reply = VariableResult { key: "region".into(), value: Some("eu".into()) };
//! supervisor.send(ResponseFrame::<ToTask>::reply(request.id, reply)).await?;
//! let response = child.next().await.unwrap()??;
//! assert!(matches!(response.body, Some(ToTask::VariableResult(_))));
//! # Ok(())
//! # }
//! ```

use std::marker::PhantomData;

use bytes::{Buf, BufMut, BytesMut};
use serde::Serialize;
use tokio_util::codec::{Decoder, Encoder};

use crate::codec::frame::{
    FrameError, RequestFrame, ResponseFrame, encode_request, encode_response,
};
use crate::codec::limits::Limits;
use crate::union::Union;

/// Splits off the next whole frame payload, if one has arrived. A frame of length 0 is consumed
/// and reported as that frame's error (`Some(Err(FrameError::Malformed { id: None, .. }))`): the
/// stream goes on, as with [`FrameReader`](crate::codec::frame::FrameReader).
///
/// Not tokio-util's `LengthDelimitedCodec`, though the framing is the same (a u32 big-endian
/// length, then the body): its errors would lose what [`FrameError`] reports. It refuses an
/// over-long prefix with an opaque `io::Error` that does not carry the announced length
/// (`TooLarge { announced, .. }`), and once it has read a prefix it keeps the length in private
/// state and drops the prefix from the buffer, so a stream cut inside that frame could no longer
/// say how many bytes the frame needed (`Truncated { expected, .. }`) without tracking the
/// prefix here as well, which is all of what it would replace. The encoders write whole frames,
/// prefix included, through the same functions as [`FrameWriter`](crate::codec::frame::FrameWriter),
/// so its encoder has no part to play either.
fn next_payload(
    src: &mut BytesMut,
    max: u32,
) -> Result<Option<Result<BytesMut, FrameError>>, FrameError> {
    let Some(prefix) = src.get(..4) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes(prefix.try_into().expect("four bytes"));
    if len > max {
        return Err(FrameError::TooLarge {
            announced: len,
            max,
        });
    }
    if len == 0 {
        src.advance(4);
        return Ok(Some(Err(FrameError::zero_length())));
    }
    let total = 4 + len as usize;
    if src.len() < total {
        // Ask for the rest of this frame only: the length was checked against the limit.
        src.reserve(total - src.len());
        return Ok(None);
    }
    src.advance(4);
    Ok(Some(Ok(src.split_to(len as usize))))
}

/// The last frame at the end of the stream: what is left must be whole frames, else the stream
/// was cut inside one.
fn decode_at_eof<D: Decoder<Error = FrameError>>(
    codec: &mut D,
    src: &mut BytesMut,
) -> Result<Option<D::Item>, FrameError> {
    match codec.decode(src)? {
        Some(item) => Ok(Some(item)),
        None => at_eof(src).map(|()| None),
    }
}

fn at_eof(src: &mut BytesMut) -> Result<(), FrameError> {
    if src.is_empty() {
        return Ok(());
    }
    let expected = match src.get(..4) {
        Some(prefix) => 4 + u64::from(u32::from_be_bytes(prefix.try_into().expect("four bytes"))),
        None => 4,
    };
    Err(FrameError::Truncated {
        expected,
        got: src.len() as u64,
    })
}

fn write_frame(
    dst: &mut BytesMut,
    encode: impl FnOnce(&mut Vec<u8>) -> Result<(), FrameError>,
) -> Result<(), FrameError> {
    let mut buffer = Vec::new();
    encode(&mut buffer)?;
    dst.put_slice(&buffer);
    Ok(())
}

/// The supervisor's side: decodes request frames of channel `C`, encodes response frames.
///
/// An error about one frame (malformed, of length 0, or with a refused body) is an item,
/// `Some(Err(..))`, and the next frame follows; only a stream-fatal error
/// ([`FrameError::is_stream_fatal`]) is the decoder's own `Err`.
#[derive(Debug)]
pub struct SupervisorCodec<C> {
    limits: Limits,
    channel: PhantomData<fn() -> C>,
}

/// The child's side: decodes response frames of reply union `U`, encodes request frames.
///
/// Errors are reported as by [`SupervisorCodec`]: one frame's error is an item, a stream-fatal
/// one ends the stream.
#[derive(Debug)]
pub struct ChildCodec<U> {
    limits: Limits,
    replies: PhantomData<fn() -> U>,
}

macro_rules! codec_common {
    ($codec:ident, $marker:ident) => {
        impl<T> $codec<T> {
            /// A codec within [`Limits::DEFAULT`].
            pub fn new() -> Self {
                Self {
                    limits: Limits::DEFAULT,
                    $marker: PhantomData,
                }
            }

            /// Sets the limits frames and bodies are decoded within.
            pub fn with_limits(mut self, limits: Limits) -> Self {
                self.limits = limits;
                self
            }

            /// Sets the largest payload accepted; a larger announced length is refused before
            /// any allocation.
            pub fn with_max_frame_len(mut self, max: u32) -> Self {
                self.limits = self.limits.with_max_frame_len(max);
                self
            }
        }

        impl<T> Default for $codec<T> {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

codec_common!(SupervisorCodec, channel);
codec_common!(ChildCodec, replies);

impl<C: Union> Decoder for SupervisorCodec<C> {
    type Item = Result<RequestFrame<C>, FrameError>;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, FrameError> {
        let limits = self.limits;
        Ok(next_payload(src, limits.max_frame_len())?
            .map(|payload| payload.and_then(|payload| limits.decode_request(&payload))))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, FrameError> {
        decode_at_eof(self, src)
    }
}

impl<C, B: Serialize> Encoder<ResponseFrame<B>> for SupervisorCodec<C> {
    type Error = FrameError;

    fn encode(&mut self, frame: ResponseFrame<B>, dst: &mut BytesMut) -> Result<(), FrameError> {
        write_frame(dst, |buffer| encode_response(&frame, buffer))
    }
}

impl<U: Union> Decoder for ChildCodec<U> {
    type Item = Result<ResponseFrame<U>, FrameError>;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, FrameError> {
        let limits = self.limits;
        Ok(next_payload(src, limits.max_frame_len())?
            .map(|payload| payload.and_then(|payload| limits.decode_response(&payload))))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, FrameError> {
        decode_at_eof(self, src)
    }
}

impl<U, B: Serialize> Encoder<RequestFrame<B>> for ChildCodec<U> {
    type Error = FrameError;

    fn encode(&mut self, frame: RequestFrame<B>, dst: &mut BytesMut) -> Result<(), FrameError> {
        write_frame(dst, |buffer| encode_request(&frame, buffer))
    }
}
