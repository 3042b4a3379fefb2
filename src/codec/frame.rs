//! Length-prefixed msgpack frames, byte-compatible with the Python SDK (msgspec).
//!
//! ```text
//! +----------------------+--------------------------------------------------+
//! | u32 big-endian N     | N bytes: a msgpack array                         |
//! +----------------------+--------------------------------------------------+
//! request  (child -> supervisor):  [id, body, context_carrier]
//! response (supervisor -> child):  [id, body, error]
//! ```
//!
//! The supervisor and its child talk over fd 0 of the child, a Unix socket, in these frames.
//! Bodies are maps written as the Python side writes them (`model_dump()` then msgspec): every
//! field present, date-times as msgpack timestamps (extension type -1, always UTC), durations as
//! msgspec's ISO 8601 text, UUIDs as text.
//!
//! Encoding writes what msgspec writes, byte for byte: always three elements, `nil` for an absent
//! body, error or carrier. Decoding accepts everything the SDK accepts: a response may stop after
//! the id or the body, and extra elements are ignored.
//!
//! A frame id is a [`FrameId`]: any msgpack integer, -2^63 to 2^64 - 1, as msgspec reads it.
//!
//! A frame whose body fails to decode is still read whole, so the next frame decodes: the error
//! ([`FrameError::Body`]) carries the frame id so that the sender can be answered. A malformed
//! frame, one of length 0 included, is consumed whole too; only [stream-fatal
//! errors](FrameError::is_stream_fatal) end a stream.

use std::io::{self, Read, Write};

use indexmap::IndexMap;
use serde::Serialize;

use crate::codec::decode::DecodeError;
pub use crate::codec::frame_id::{FrameId, FrameIdOutOfRange};
use crate::codec::limits::Limits;
use crate::codec::msgpack::Scan;
use crate::codec::speculate::{RequestBody, Speculate};
use crate::messages::model::Message;
use crate::messages::responses::ErrorResponse;
use crate::union::Union;
use crate::union::request::{Reply, ReplyReader};

/// The largest frame payload a [`FrameReader`] accepts unless told otherwise: 256 MiB.
///
/// Python sets no limit (it allocates whatever length is announced, up to 4 GiB); a reader
/// needs one so that a hostile length prefix cannot make it allocate gigabytes.
pub const DEFAULT_MAX_FRAME_LEN: u32 = 256 << 20;

/// Trace context of the sender's active span (`traceparent`, `tracestate`).
pub type ContextCarrier = IndexMap<String, String>;

/// A request frame: `[id, body, context_carrier]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestFrame<B> {
    /// Chosen by the sender and echoed in the response.
    pub id: FrameId,
    /// The message.
    pub body: B,
    /// The W3C trace context to run the request under, if any.
    pub context_carrier: Option<ContextCarrier>,
}

/// A response frame: `[id, body, error]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseFrame<B> {
    /// The id of the request this answers (0 for the supervisor's unsolicited first frame).
    pub id: FrameId,
    /// The reply, or `None` for an empty reply.
    pub body: Option<B>,
    /// Set when the request failed; the body is then `None`.
    pub error: Option<ErrorResponse>,
}

impl<B> RequestFrame<B> {
    /// A frame without trace context.
    pub fn new(id: impl Into<FrameId>, body: impl Into<B>) -> Self {
        Self {
            id: id.into(),
            body: body.into(),
            context_carrier: None,
        }
    }
}

impl<B> ResponseFrame<B> {
    /// A frame answering request `id` with `body`.
    pub fn reply(id: impl Into<FrameId>, body: impl Into<B>) -> Self {
        Self {
            id: id.into(),
            body: Some(body.into()),
            error: None,
        }
    }

    /// An empty answer to request `id`.
    pub fn empty(id: impl Into<FrameId>) -> Self {
        Self {
            id: id.into(),
            body: None,
            error: None,
        }
    }

    /// A failure answer to request `id`.
    pub fn error(id: impl Into<FrameId>, error: ErrorResponse) -> Self {
        Self {
            id: id.into(),
            body: None,
            error: Some(error),
        }
    }
}

/// Why a frame could not be read or written.
///
/// When reading a stream, three errors end it: [`Io`](Self::Io), [`Truncated`](Self::Truncated)
/// and [`TooLarge`](Self::TooLarge) (the reader cannot skip a frame it will not read); see
/// [`FrameError::is_stream_fatal`]. After any other error the whole frame has been consumed and
/// the next read returns the next frame: [`Malformed`](Self::Malformed) (a frame of length 0
/// included) and [`Body`](Self::Body) are about one frame only.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The transport failed.
    #[error("frame transport: {0}")]
    Io(#[from] io::Error),
    /// The stream ended inside a frame.
    #[error("the stream ended inside a frame: {got} of {expected} bytes")]
    Truncated {
        /// Bytes the frame needed (including the 4-byte prefix).
        expected: u64,
        /// Bytes that arrived.
        got: u64,
    },
    /// The length prefix announces more than the reader accepts; nothing was allocated.
    #[error("frame of {announced} bytes refused: the limit is {max} bytes")]
    TooLarge {
        /// The announced payload length.
        announced: u32,
        /// The reader's limit.
        max: u32,
    },
    /// The frame itself is not a valid `[id, body, ...]` array, or is empty (length 0). The
    /// stream stays in sync (the whole frame was consumed), but the frame cannot be answered
    /// unless `id` is known.
    #[error("malformed frame{}: {reason}", id.map(|id| format!(" {id}")).unwrap_or_default())]
    Malformed {
        /// The frame id, when it could be read.
        id: Option<FrameId>,
        /// What was wrong.
        reason: String,
    },
    /// The frame is well formed but its body (or error) is refused; answer frame `id`.
    #[error("frame {id}: {error}")]
    Body {
        /// The frame id.
        id: FrameId,
        /// Why the body was refused.
        error: DecodeError,
    },
    /// A body could not be written as msgpack.
    #[error("cannot encode frame {id}: {reason}")]
    Encode {
        /// The frame id.
        id: FrameId,
        /// What failed.
        reason: String,
    },
}

impl FrameError {
    /// The id of the frame the error is about, where it is known.
    pub fn frame_id(&self) -> Option<FrameId> {
        match self {
            Self::Malformed { id, .. } => *id,
            Self::Body { id, .. } | Self::Encode { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Whether a stream reader can go no further after this error: the transport failed
    /// ([`Io`](Self::Io)), the stream ended inside a frame ([`Truncated`](Self::Truncated)), or a
    /// length prefix announced more than the reader accepts ([`TooLarge`](Self::TooLarge): the
    /// frame is neither read nor skipped, so where the next one starts is unknown). Every other
    /// error is about one frame, which was consumed whole: the next read gets the next frame.
    pub fn is_stream_fatal(&self) -> bool {
        matches!(
            self,
            Self::Io(_) | Self::Truncated { .. } | Self::TooLarge { .. }
        )
    }

    /// The error for a frame whose length prefix is 0: well delimited, but without the
    /// `[id, body, ...]` array, so it cannot be answered.
    pub(crate) fn zero_length() -> Self {
        Self::malformed(
            None,
            "the frame is empty (length prefix 0): there is no [id, body, ...] array to read",
        )
    }

    fn malformed(id: Option<FrameId>, reason: impl ToString) -> Self {
        Self::Malformed {
            id,
            reason: reason.to_string(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

fn write_body<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    id: FrameId,
    value: &T,
) -> Result<(), FrameError> {
    let mut serializer = rmp_serde::Serializer::new(&mut *out).with_struct_map();
    value
        .serialize(&mut serializer)
        .map_err(|err| FrameError::Encode {
            id,
            reason: err.to_string(),
        })
}

fn write_nil(out: &mut Vec<u8>) {
    rmp::encode::write_nil(out).expect("writing to a Vec cannot fail");
}

/// Starts a frame in `out`: a length placeholder, the 3-element array header and the id.
fn begin(out: &mut Vec<u8>, id: FrameId) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    rmp::encode::write_array_len(out, 3).expect("writing to a Vec cannot fail");
    id.write(out);
    start
}

/// Fills in the length prefix of the frame that starts at `start`.
fn finish(out: &mut [u8], start: usize, id: FrameId) -> Result<(), FrameError> {
    let len = u32::try_from(out.len() - start - 4).map_err(|_| FrameError::Encode {
        id,
        reason: "the frame is 4 GiB or more, which the length prefix cannot announce".into(),
    })?;
    out[start..start + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

/// Appends a request frame, prefix included, to `out`.
pub fn encode_request<B: Serialize>(
    frame: &RequestFrame<B>,
    out: &mut Vec<u8>,
) -> Result<(), FrameError> {
    let start = begin(out, frame.id);
    write_body(out, frame.id, &frame.body)?;
    match &frame.context_carrier {
        Some(carrier) => write_body(out, frame.id, carrier)?,
        None => write_nil(out),
    }
    finish(out, start, frame.id)
}

/// Appends a response frame, prefix included, to `out`.
pub fn encode_response<B: Serialize>(
    frame: &ResponseFrame<B>,
    out: &mut Vec<u8>,
) -> Result<(), FrameError> {
    let start = begin(out, frame.id);
    match &frame.body {
        Some(body) => write_body(out, frame.id, body)?,
        None => write_nil(out),
    }
    match &frame.error {
        Some(error) => write_body(out, frame.id, error)?,
        None => write_nil(out),
    }
    finish(out, start, frame.id)
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// Reads the array header and the id of a frame payload; returns the element count. Inlined,
/// with everything but the common case out of line: a small request's decode is a few hundred
/// instructions, and a call's register saves were a tenth of that.
#[inline]
fn read_head(rest: &mut &[u8]) -> Result<(u32, FrameId), FrameError> {
    // What the SDK writes: a fixarray and an id below 2^32, read here without going through
    // rmp's generic readers (7% of a small request's decode).
    if let [array @ 0x91..=0x9f, after @ ..] = *rest {
        let id = match *after {
            [id @ 0x00..=0x7f, ref tail @ ..] => Some((u32::from(id), tail)),
            [0xcc, id, ref tail @ ..] => Some((u32::from(id), tail)),
            [0xcd, a, b, ref tail @ ..] => Some((u32::from(u16::from_be_bytes([a, b])), tail)),
            [0xce, a, b, c, d, ref tail @ ..] => Some((u32::from_be_bytes([a, b, c, d]), tail)),
            _ => None,
        };
        if let Some((id, tail)) = id {
            *rest = tail;
            return Ok((u32::from(array & 0x0f), FrameId::from(id)));
        }
    }
    read_head_any(rest)
}

/// [`read_head`] for every encoding msgpack allows.
#[cold]
#[inline(never)]
fn read_head_any(rest: &mut &[u8]) -> Result<(u32, FrameId), FrameError> {
    let len = rmp::decode::read_array_len(rest)
        .map_err(|err| FrameError::malformed(None, format!("expected a msgpack array: {err}")))?;
    if len == 0 {
        return Err(FrameError::malformed(None, "the frame array is empty"));
    }
    // Any msgpack integer, as msgspec reads an `int`: an i128 holds them all.
    let id = rmp::decode::read_int::<i128, _>(rest).map_err(|err| {
        FrameError::malformed(None, format!("the frame id is not an integer: {err}"))
    })?;
    let id = FrameId::try_from(id).expect("a msgpack integer is a frame id");
    Ok((len, id))
}

/// Splits off the next element of a frame array, checked as `scan` says: the body, the error
/// slot and the carrier are decoded (and their strings checked) afterwards, so only their
/// structure is checked here; extra elements are never decoded, so their strings are checked
/// here, as msgspec checks them.
fn next_value<'a>(
    rest: &mut &'a [u8],
    id: FrameId,
    what: &str,
    scan: Scan,
    limits: &Limits,
) -> Result<&'a [u8], FrameError> {
    crate::codec::msgpack::split_value(rest, scan, limits, 0).map_err(|err| {
        FrameError::malformed(Some(id), format!("the {what} is not valid msgpack: {err}"))
    })
}

fn is_nil(value: &[u8]) -> bool {
    value == [0xc0]
}

/// Skips elements past the third (msgspec ignores them) and checks nothing trails the array.
#[inline]
fn finish_read(rest: &mut &[u8], len: u32, id: FrameId, limits: &Limits) -> Result<(), FrameError> {
    if len > 3 || !rest.is_empty() {
        return finish_unusual_read(rest, len, id, limits);
    }
    Ok(())
}

/// [`finish_read`] for a frame with extra elements or trailing bytes.
#[cold]
#[inline(never)]
fn finish_unusual_read(
    rest: &mut &[u8],
    len: u32,
    id: FrameId,
    limits: &Limits,
) -> Result<(), FrameError> {
    for _ in 3..len {
        next_value(rest, id, "extra element", Scan::Strings, limits)?;
    }
    if !rest.is_empty() {
        return Err(FrameError::malformed(
            Some(id),
            format!("{} bytes trail the frame array", rest.len()),
        ));
    }
    Ok(())
}

/// Decodes a request frame payload (the bytes after the length prefix) with channel `C`, within
/// [`Limits::DEFAULT`].
pub fn decode_request<C: Union>(payload: &[u8]) -> Result<RequestFrame<C>, FrameError> {
    Limits::DEFAULT.decode_request(payload)
}

/// A response frame whose body is still msgpack: for callers that pick the body's type from the
/// request it answers (see [`crate::union::request::Reply`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RawResponse<'a> {
    /// The id of the request this answers.
    pub id: FrameId,
    /// The body's msgpack bytes; `None` for an empty reply, or when the error slot is set (the
    /// SDK then ignores the body).
    pub body: Option<&'a [u8]>,
    /// The error slot.
    pub error: Option<ErrorResponse>,
}

/// Splits a response frame payload into its id, raw body and decoded error slot, within
/// [`Limits::DEFAULT`].
pub fn split_response(payload: &[u8]) -> Result<RawResponse<'_>, FrameError> {
    Limits::DEFAULT.split_response(payload)
}

/// Decodes a response frame payload (the bytes after the length prefix) with reply union `U`,
/// within [`Limits::DEFAULT`].
pub fn decode_response<U: Union>(payload: &[u8]) -> Result<ResponseFrame<U>, FrameError> {
    Limits::DEFAULT.decode_response(payload)
}

impl Limits {
    /// [`decode_request`] within these limits.
    pub fn decode_request<C: Union>(&self, payload: &[u8]) -> Result<RequestFrame<C>, FrameError> {
        let frame = self.decode_request_as::<C>(payload, Speculate::First);
        #[cfg(debug_assertions)]
        crate::codec::speculate::check_both_ways(payload.len(), &frame, || {
            self.decode_request_as::<C>(payload, Speculate::Never)
        });
        frame
    }

    /// [`decode_request`](Self::decode_request), decoding the body without a scan first or not.
    #[inline]
    pub(crate) fn decode_request_as<C: Union>(
        &self,
        payload: &[u8],
        speculate: Speculate,
    ) -> Result<RequestFrame<C>, FrameError> {
        let mut rest = payload;
        let (len, id) = read_head(&mut rest)?;
        if len < 2 {
            return Err(FrameError::malformed(
                Some(id),
                "a request frame needs a body",
            ));
        }
        if speculate == Speculate::Never {
            return self.scan_then_decode_request(rest, len, id);
        }
        // Frames decode without a scan of the body first where they can; the others are scanned
        // (one pass splits the body off, checks it and reads its tag), then decoded.
        match crate::codec::speculate::request_body(len, rest) {
            RequestBody::Whole(body) => crate::codec::speculate::speculate_msgpack(
                body,
                self,
                |body| {
                    Ok(RequestFrame {
                        id,
                        body,
                        context_carrier: None,
                    })
                },
                || self.scan_then_decode_request(rest, len, id),
            ),
            RequestBody::Prefix(input) => {
                let after = std::cell::Cell::new(input);
                crate::codec::speculate::speculate_msgpack_prefix(
                    input,
                    self,
                    &after,
                    |body| match self.read_request_end(after.get(), len, id) {
                        Ok(context_carrier) => Ok(RequestFrame {
                            id,
                            body,
                            context_carrier,
                        }),
                        Err(err) => Err(err),
                    },
                    || self.scan_then_decode_request(rest, len, id),
                )
            }
            RequestBody::Scan => self.scan_then_decode_request(rest, len, id),
        }
    }

    /// Whether [`decode_request`](Self::decode_request) decodes the body of `payload` without a
    /// scan, going about it as [`decode_request_as`](Self::decode_request_as) does.
    pub(crate) fn request_decodes_without_a_scan<C: Union>(&self, payload: &[u8]) -> bool {
        let mut rest = payload;
        let Ok((len, _)) = read_head(&mut rest) else {
            return false;
        };
        match crate::codec::speculate::request_body(len, rest) {
            RequestBody::Whole(body) => {
                crate::codec::speculate::speculate_msgpack::<C, _>(body, self, |_| true, || false)
            }
            RequestBody::Prefix(input) => {
                let after = std::cell::Cell::new(input);
                crate::codec::speculate::speculate_msgpack_prefix::<C, _>(
                    input,
                    self,
                    &after,
                    |_| true,
                    || false,
                )
            }
            RequestBody::Scan => false,
        }
    }

    /// The rest of [`decode_request`](Self::decode_request) the long way: the body is scanned
    /// (split off, checked, its tag read), then decoded. Any frame whose body does not decode
    /// without a scan comes here, so every error is worded here.
    fn scan_then_decode_request<C: Union>(
        &self,
        mut rest: &[u8],
        len: u32,
        id: FrameId,
    ) -> Result<RequestFrame<C>, FrameError> {
        let (body, scanned) = match crate::codec::msgpack::split_body(&mut rest, self) {
            Ok(split) => split,
            Err(err) if err.is_in_content() => {
                let error = DecodeError::Malformed {
                    channel: C::NAME,
                    reason: err.to_string(),
                };
                return Err(FrameError::Body { id, error });
            }
            Err(err) => {
                let reason = format!("the body is not valid msgpack: {err}");
                return Err(FrameError::malformed(Some(id), reason));
            }
        };
        let context_carrier = self.read_request_end(rest, len, id)?;
        crate::codec::decode::decode_scanned_msgpack(
            body,
            self,
            scanned,
            |body| {
                Ok(RequestFrame {
                    id,
                    body,
                    context_carrier,
                })
            },
            |error| Err(FrameError::Body { id, error }),
        )
    }

    /// Reads what follows a request's body: the context carrier, if any, and the end of the
    /// frame.
    #[inline]
    fn read_request_end(
        &self,
        mut rest: &[u8],
        len: u32,
        id: FrameId,
    ) -> Result<Option<ContextCarrier>, FrameError> {
        let context_carrier = if len >= 3 {
            if let Some((0xc0, after)) = rest.split_first() {
                // What the SDK sends without tracing: no need to run a deserializer for it.
                rest = after;
                None
            } else {
                let carrier = next_value(&mut rest, id, "context carrier", Scan::Structure, self)?;
                rmp_serde::from_slice::<Option<ContextCarrier>>(carrier).map_err(|err| {
                    FrameError::malformed(
                        Some(id),
                        format!("the context carrier is not a map of strings: {err}"),
                    )
                })?
            }
        } else {
            None
        };
        finish_read(&mut rest, len, id, self)?;
        Ok(context_carrier)
    }

    /// [`split_response`] within these limits.
    pub fn split_response<'a>(&self, payload: &'a [u8]) -> Result<RawResponse<'a>, FrameError> {
        let mut rest = payload;
        let (len, id) = read_head(&mut rest)?;
        let body = if len >= 2 {
            Some(next_value(&mut rest, id, "body", Scan::Structure, self)?)
        } else {
            None
        };
        let error = if len >= 3 {
            Some(next_value(&mut rest, id, "error", Scan::Structure, self)?)
        } else {
            None
        };
        finish_read(&mut rest, len, id, self)?;
        let error = match error.filter(|bytes| !is_nil(bytes)) {
            Some(bytes) => Some(
                decode_error_slot(bytes, self).map_err(|error| FrameError::Body { id, error })?,
            ),
            None => None,
        };
        // With an error set, the SDK ignores the body without looking at it.
        let body = body.filter(|bytes| !is_nil(bytes) && error.is_none());
        Ok(RawResponse { id, body, error })
    }

    /// [`decode_response`] within these limits.
    pub fn decode_response<U: Union>(
        &self,
        payload: &[u8],
    ) -> Result<ResponseFrame<U>, FrameError> {
        let raw = self.split_response(payload)?;
        let id = raw.id;
        let body = raw
            .body
            .map(|body| self.decode_msgpack::<U>(body))
            .transpose()
            .map_err(|error| FrameError::Body { id, error })?;
        Ok(ResponseFrame {
            id,
            body,
            error: raw.error,
        })
    }
}

/// The error slot holds an `ErrorResponse`, tag included (Python validates it with `ToTask`).
fn decode_error_slot(bytes: &[u8], limits: &Limits) -> Result<ErrorResponse, DecodeError> {
    tagged_union! {
        /// The one type the error slot of a response frame carries.
        pub enum ErrorSlot { ErrorResponse }
    }
    limits
        .decode_msgpack::<ErrorSlot>(bytes)
        .map(|ErrorSlot::ErrorResponse(error)| error)
}

// ---------------------------------------------------------------------------------------------
// Streams

/// Reads frames from a byte stream (blocking).
///
/// An error about one frame (a [`FrameError::Malformed`] frame, a frame of length 0 among them,
/// or a refused [`FrameError::Body`]) leaves the reader at the next frame: keep reading. Only a
/// stream-fatal error ([`FrameError::is_stream_fatal`]: the transport failed, the stream ended
/// inside a frame, or a length prefix over the limit) means nothing more can be read.
///
/// ```
/// use airflow_comms::frame::{FrameReader, RequestFrame, encode_request};
/// use airflow_comms::{CallbackToSupervisor, FrameError, GetVariable};
///
/// let mut stream = vec![0, 0, 0, 0]; // a frame of length 0
/// let request = RequestFrame::<CallbackToSupervisor>::new(1, GetVariable { key: "k".into() });
/// encode_request(&request, &mut stream)?;
///
/// let mut reader = FrameReader::new(&stream[..]);
/// let err = reader.read_request::<CallbackToSupervisor>().unwrap_err();
/// assert!(matches!(err, FrameError::Malformed { id: None, .. }) && !err.is_stream_fatal());
/// assert_eq!(reader.read_request::<CallbackToSupervisor>()?, Some(request));
/// assert_eq!(reader.read_request::<CallbackToSupervisor>()?, None);
/// # Ok::<(), FrameError>(())
/// ```
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    limits: Limits,
    buffer: Vec<u8>,
}

impl<R: Read> FrameReader<R> {
    /// A reader within [`Limits::DEFAULT`].
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            limits: Limits::DEFAULT,
            buffer: Vec::new(),
        }
    }

    /// Sets the limits frames and bodies are read within.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the largest payload accepted; a larger announced length is refused before any
    /// allocation.
    pub fn with_max_frame_len(mut self, max: u32) -> Self {
        self.limits = self.limits.with_max_frame_len(max);
        self
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Reads the next frame's payload (without its prefix). `Ok(None)` at a clean end of stream.
    /// A frame of length 0 is [`FrameError::Malformed`] without an id, and the next call reads
    /// the frame after it.
    pub fn read_payload(&mut self) -> Result<Option<&[u8]>, FrameError> {
        let max = self.limits.max_frame_len();
        let more = read_payload_into(&mut self.inner, &mut self.buffer, max)?;
        Ok(more.then_some(self.buffer.as_slice()))
    }

    /// Reads and decodes the next request frame with channel `C`; `Ok(None)` at end of stream.
    pub fn read_request<C: Union>(&mut self) -> Result<Option<RequestFrame<C>>, FrameError> {
        let limits = self.limits;
        let payload = self.read_payload()?;
        payload.map(|p| limits.decode_request(p)).transpose()
    }

    /// Reads and decodes the next response frame with reply union `U`; `Ok(None)` at end of
    /// stream.
    pub fn read_response<U: Union>(&mut self) -> Result<Option<ResponseFrame<U>>, FrameError> {
        let limits = self.limits;
        let payload = self.read_payload()?;
        payload.map(|p| limits.decode_response(p)).transpose()
    }
}

/// Reads one frame payload from `reader` into `buffer` (replacing its content); `Ok(false)` at a
/// clean end of stream. A length over `max` is refused before anything is allocated for it
/// ([`FrameError::TooLarge`], stream-fatal). A frame of length 0 is [`FrameError::Malformed`]
/// without an id, with the stream left at the next frame.
pub fn read_payload_into<R: Read>(
    reader: &mut R,
    buffer: &mut Vec<u8>,
    max: u32,
) -> Result<bool, FrameError> {
    let mut prefix = [0u8; 4];
    let got = read_full(reader, &mut prefix)?;
    if got == 0 {
        return Ok(false);
    }
    if got < 4 {
        return Err(FrameError::Truncated {
            expected: 4,
            got: got as u64,
        });
    }
    let len = u32::from_be_bytes(prefix);
    if len > max {
        return Err(FrameError::TooLarge {
            announced: len,
            max,
        });
    }
    if len == 0 {
        // Well delimited, but nothing to decode: this frame's error, and the stream goes on.
        // (Python's senders never write one. Airflow's supervisor reader never gets past one:
        // it reads no further from the socket, neither the frames behind it nor the end of the
        // stream. The SDK's child reader raises msgspec's "truncated" error for it and reads the
        // next frame on its next call.)
        return Err(FrameError::zero_length());
    }
    buffer.clear();
    buffer.resize(len as usize, 0);
    let got = read_full(reader, buffer)?;
    if got < buffer.len() {
        return Err(FrameError::Truncated {
            expected: 4 + u64::from(len),
            got: 4 + got as u64,
        });
    }
    Ok(true)
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

/// Writes frames to a byte stream (blocking). Each frame goes out in one `write_all`.
#[derive(Debug)]
pub struct FrameWriter<W> {
    inner: W,
    buffer: Vec<u8>,
}

impl<W: Write> FrameWriter<W> {
    /// A writer over `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            buffer: Vec::new(),
        }
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Writes a request frame and flushes.
    pub fn write_request<B: Serialize>(
        &mut self,
        frame: &RequestFrame<B>,
    ) -> Result<(), FrameError> {
        self.buffer.clear();
        encode_request(frame, &mut self.buffer)?;
        self.flush_buffer()
    }

    /// Writes a response frame and flushes.
    pub fn write_response<B: Serialize>(
        &mut self,
        frame: &ResponseFrame<B>,
    ) -> Result<(), FrameError> {
        self.buffer.clear();
        encode_response(frame, &mut self.buffer)?;
        self.flush_buffer()
    }

    fn flush_buffer(&mut self) -> Result<(), FrameError> {
        self.inner.write_all(&self.buffer)?;
        self.inner.flush()?;
        Ok(())
    }
}

/// Reading and writing the response frames of a [`Reply`]: implemented for every reply type.
///
/// ```
/// use airflow_comms::frame::{FrameId, ReplyFrames};
/// use airflow_comms::request::VariableReply;
/// use airflow_comms::VariableResult;
///
/// let reply = VariableReply::VariableResult(VariableResult { key: "region".into(), value: None });
/// let mut frame = Vec::new();
/// reply.write_response(FrameId::from(3u32), &mut frame)?;
/// let raw = airflow_comms::frame::split_response(&frame[4..])?;
/// assert_eq!(VariableReply::from_body(raw.body)?, reply);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ReplyFrames: Reply {
    /// Decodes the body of a response frame (`None` for an empty body).
    fn from_body(body: Option<&[u8]>) -> Result<Self, DecodeError>;

    /// Appends a response frame answering request `id` with this reply.
    fn write_response(&self, id: FrameId, out: &mut Vec<u8>) -> Result<(), FrameError>;
}

impl<R: Reply> ReplyFrames for R {
    fn from_body(body: Option<&[u8]>) -> Result<Self, DecodeError> {
        R::read(body, ReadBody(&Limits::DEFAULT))
    }

    fn write_response(&self, id: FrameId, out: &mut Vec<u8>) -> Result<(), FrameError> {
        encode_response(
            &ResponseFrame {
                id,
                body: self.body(),
                error: None,
            },
            out,
        )
    }
}

/// Reads reply bodies as msgpack within the limits it holds.
struct ReadBody<'a>(&'a Limits);

impl crate::messages::model::Sealed for ReadBody<'_> {}

impl ReplyReader for ReadBody<'_> {
    type Error = DecodeError;

    fn message<M: Message>(self, body: &[u8]) -> Result<M, DecodeError> {
        self.0.decode_msgpack_message(body)
    }

    fn union<U: Union>(self, body: &[u8]) -> Result<U, DecodeError> {
        self.0.decode_msgpack(body)
    }

    fn missing_body(self, expected: &'static str) -> DecodeError {
        DecodeError::Malformed {
            channel: expected,
            reason: "expected a reply body, got an empty reply".into(),
        }
    }

    fn unexpected_body(self) -> DecodeError {
        DecodeError::Malformed {
            channel: "empty reply",
            reason: "expected an empty reply, got a body".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut reads what the general reader reads, for every id width and encoding
    /// (including the non-minimal ones msgpack permits), and leaves the same rest.
    #[test]
    fn read_head_shortcut_agrees_with_general_reader() {
        let ids: [i64; 12] = [
            0,
            1,
            127,
            128,
            255,
            256,
            65_535,
            65_536,
            u32::MAX as i64,
            u32::MAX as i64 + 1,
            -1,
            i64::MIN,
        ];
        let mut heads = Vec::new();
        for array_len in [1u32, 2, 3, 15, 16] {
            for id in ids {
                let mut minimal = Vec::new();
                rmp::encode::write_array_len(&mut minimal, array_len).unwrap();
                rmp::encode::write_sint(&mut minimal, id).unwrap();
                heads.push(minimal);
                if let Ok(id) = u32::try_from(id) {
                    for width in [0xcc, 0xcd, 0xce, 0xcf] {
                        let mut wide = Vec::new();
                        rmp::encode::write_array_len(&mut wide, array_len).unwrap();
                        match width {
                            0xcc if id <= 0xff => rmp::encode::write_u8(&mut wide, id as u8),
                            0xcd if id <= 0xffff => rmp::encode::write_u16(&mut wide, id as u16),
                            0xce => rmp::encode::write_u32(&mut wide, id),
                            0xcf => rmp::encode::write_u64(&mut wide, u64::from(id)),
                            _ => continue,
                        }
                        .unwrap();
                        heads.push(wide);
                    }
                }
            }
        }
        heads.push(vec![0x90]);
        heads.push(vec![0x93]);
        heads.push(vec![0x93, 0xcd, 0x01]);
        heads.push(vec![0x93, 0xc0]);
        heads.push(vec![0xc0]);
        for head in heads {
            for tail in [&[][..], &[0x80, 0xc0]] {
                let bytes = [&head[..], tail].concat();
                let (mut fast, mut general) = (&bytes[..], &bytes[..]);
                let fast_read = read_head(&mut fast).map_err(|e| e.to_string());
                let general_read = read_head_any(&mut general).map_err(|e| e.to_string());
                assert_eq!(fast_read, general_read, "head {head:02x?}");
                if fast_read.is_ok() {
                    assert_eq!(fast, general, "head {head:02x?}");
                }
            }
        }
    }
}

/// Decoding a body without scanning it first must give exactly what scanning it first gives.
#[cfg(test)]
mod speculation_tests {
    use super::*;
    use crate::union::channels::{Channel, ChannelName, ChannelVisitor, RequestChannel};

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The payloads (length prefix dropped) of a corpus file of frames the real SDK wrote.
    fn payloads(file: &str) -> Vec<Vec<u8>> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus/frames")
            .join(file);
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|line| {
                let case: serde_json::Value = serde_json::from_str(line).unwrap();
                unhex(case["frame"].as_str().unwrap())[4..].to_vec()
            })
            .collect()
    }

    /// The payload with one byte replaced, at positions spread over it and at each of its last
    /// bytes (where the tag is guessed), by bytes that change what a value is.
    fn mutations(payload: &[u8]) -> Vec<Vec<u8>> {
        let len = payload.len();
        let mut positions: Vec<usize> = (0..len).step_by(len / 12 + 1).collect();
        positions.extend(len.saturating_sub(16)..len);
        let mut mutated = Vec::new();
        for at in positions {
            for byte in [0xc0, 0xc4, 0xa4, 0x91, payload[at] ^ 0x01] {
                let mut copy = payload.to_vec();
                copy[at] = byte;
                mutated.push(copy);
            }
        }
        mutated.push(payload[..len - 1].to_vec());
        mutated
    }

    /// Limits that each refuse something in most corpus messages.
    fn tight_limits() -> [Limits; 5] {
        let d = Limits::DEFAULT;
        [
            d.with_max_depth(1),
            d.with_max_depth(2),
            d.with_max_depth(3),
            d.with_max_string_len(12),
            d.with_max_collection_len(3),
        ]
    }

    fn same<T: PartialEq + std::fmt::Debug, E: ToString>(
        fast: &Result<T, E>,
        scanned: &Result<T, E>,
    ) -> bool {
        match (fast, scanned) {
            // (NaN is not equal to itself: the two are then compared as printed.)
            (Ok(a), Ok(b)) => a == b || format!("{a:?}") == format!("{b:?}"),
            (Err(a), Err(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }

    /// Decodes `payload` as `C` both ways within `limits`; panics when they differ. Returns
    /// whether the body was decoded without a scan.
    fn both_ways<C: Union>(payload: &[u8], limits: &Limits) -> bool {
        let fast = limits.decode_request_as::<C>(payload, Speculate::First);
        let scanned = limits.decode_request_as::<C>(payload, Speculate::Never);
        assert!(
            same(&fast, &scanned),
            "{} {limits:?} {payload:02x?}:\n without a scan {fast:?}\n scanned first {scanned:?}",
            C::NAME
        );
        limits.request_decodes_without_a_scan::<C>(payload)
    }

    struct Check<'a> {
        payloads: &'a [Vec<u8>],
        /// Whether to check mutations of every `mutate`-th payload as well (0 for none).
        mutate: usize,
    }

    impl ChannelVisitor for Check<'_> {
        /// Accepted payloads, and how many of them decoded without a scan.
        type Output = (usize, usize);
        fn requests<C: RequestChannel>(self) -> (usize, usize) {
            let (mut accepted, mut unscanned) = (0, 0);
            for (i, payload) in self.payloads.iter().enumerate() {
                if Limits::DEFAULT.decode_request::<C>(payload).is_ok() {
                    accepted += 1;
                    unscanned += usize::from(both_ways::<C>(payload, &Limits::DEFAULT));
                }
                for limits in tight_limits() {
                    both_ways::<C>(payload, &limits);
                }
                if self.mutate > 0 && i % self.mutate == 0 {
                    for mutated in mutations(payload) {
                        both_ways::<C>(&mutated, &Limits::DEFAULT);
                        both_ways::<C>(&mutated, &Limits::DEFAULT.with_max_depth(3));
                    }
                }
            }
            (accepted, unscanned)
        }
        fn replies<U: Channel>(self) -> (usize, usize) {
            let (mut accepted, mut unscanned) = (0, 0);
            for (i, payload) in self.payloads.iter().enumerate() {
                let Ok(RawResponse {
                    body: Some(body), ..
                }) = Limits::DEFAULT.split_response(payload)
                else {
                    continue;
                };
                let mut bodies = vec![body.to_vec()];
                if self.mutate > 0 && i % self.mutate == 0 {
                    bodies.extend(mutations(body));
                }
                for (j, body) in bodies.iter().enumerate() {
                    for limits in std::iter::once(Limits::DEFAULT).chain(tight_limits()) {
                        let fast = limits.decode_msgpack::<U>(body);
                        let scanned = limits.scan_then_decode_msgpack::<U>(body);
                        assert!(
                            same(&fast, &scanned),
                            "{} {limits:?} {body:02x?}:\n without a scan {fast:?}\n scanned first {scanned:?}",
                            U::NAME
                        );
                        if j == 0 && limits == Limits::DEFAULT && fast.is_ok() {
                            accepted += 1;
                            let guessed = crate::codec::speculate::speculate_msgpack::<U, _>(
                                body,
                                &limits,
                                |_| true,
                                || false,
                            );
                            unscanned += usize::from(guessed);
                        }
                    }
                }
            }
            (accepted, unscanned)
        }
    }

    /// A map body of `entries` (key, msgpack value).
    fn body(entries: &[(&[u8], Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        rmp::encode::write_map_len(&mut out, entries.len() as u32).unwrap();
        for (key, value) in entries {
            out.extend_from_slice(key);
            out.extend_from_slice(value);
        }
        out
    }

    fn str(text: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        rmp::encode::write_str_len(&mut out, text.len() as u32).unwrap();
        out.extend_from_slice(text);
        out
    }

    /// Bodies made to trip a decoder that checks less than the scan, or trusts its guess: what
    /// only the scan would refuse sits in a skipped field or a JSON value, and `"type"` and a
    /// tag show up where they are no tag.
    #[test]
    fn hand_made_bodies_decode_the_same_both_ways() {
        let key = |k: &str| str(k.as_bytes());
        let conn_id = (b"\xa7conn_id".as_slice(), str(b"c"));
        let tag = |t: &str| (b"\xa4type".as_slice(), key(t));
        let nested = |levels: usize| [vec![0x91; levels], vec![0x01]].concat();
        let odd_values: Vec<Vec<u8>> = vec![
            vec![0xc4, 0x01, 0x00],                   // bin
            vec![0xa1, 0xff],                         // not UTF-8
            vec![0xd6, 0xff, 0xff, 0xff, 0xff, 0xff], // a timestamp msgspec refuses
            vec![0xd6, 0xff, 0, 0, 0, 1],             // a fine timestamp
            vec![0xc7, 0x03, 0x05, 1, 2, 3],          // another extension
            nested(1),
            nested(3),
            nested(6),
            vec![0x90],
            vec![0x91, 0x90],
            str(&[b'x'; 40]),
            [vec![0x94], vec![0x01; 4]].concat(),
            vec![0x81, 0x01, 0x02], // an integer key
            [vec![0xd7, 0x02], b"\xa4type\xadGetConnection".to_vec()].concat(),
            str("\u{a4}type\u{2d}GetConnection".as_bytes()),
        ];
        let mut bodies = vec![
            // `"type"` and a tag inside values, no tag key.
            body(&[
                (b"\xa7conn_id", key("type")),
                (b"\xadGetConnection", vec![0x01]),
            ]),
            body(std::slice::from_ref(&conn_id)),
            body(&[conn_id.clone(), tag("GetConnection"), tag("GetVariable")]),
            body(&[tag("GetVariable"), conn_id.clone(), tag("GetConnection")]),
            body(&[conn_id.clone(), (b"\xd9\x04type", key("GetConnection"))]),
            body(&[
                conn_id.clone(),
                (b"\xd9\x04type", key("GetVariable")),
                tag("GetConnection"),
            ]),
            body(&[
                tag("GetConnection"),
                conn_id.clone(),
                (b"\xd9\x04type", key("GetVariable")),
            ]),
            body(&[
                conn_id.clone(),
                (b"\xa4type", vec![0x01]),
                tag("GetConnection"),
            ]),
            body(&[
                conn_id.clone(),
                tag("GetConnection"),
                (b"\xa4type", vec![0x01]),
            ]),
        ];
        for value in &odd_values {
            // In a field skipped, ...
            bodies.push(body(&[
                conn_id.clone(),
                (b"\xa4junk", value.clone()),
                tag("GetConnection"),
            ]));
            // ... in a JSON value, ...
            bodies.push(body(&[
                (b"\xa3key", key("k")),
                (b"\xa5value", value.clone()),
                (b"\xa6dag_id", key("d")),
                (b"\xa6run_id", key("r")),
                (b"\xa7task_id", key("t")),
                tag("SetXCom"),
            ]));
            bodies.push(body(&[
                (b"\xa3key", key("k")),
                (
                    b"\xa5value",
                    [vec![0x81, 0xa1, b'k'], value.clone()].concat(),
                ),
                (b"\xa6dag_id", key("d")),
                (b"\xa6run_id", key("r")),
                (b"\xa7task_id", key("t")),
                tag("SetXCom"),
            ]));
            // ... in a field decoded (a date-time reads timestamps), and after the tag.
            bodies.push(body(&[
                (b"\xa7conn_id", value.clone()),
                tag("GetConnection"),
            ]));
            bodies.push(body(&[
                (b"\xa5state", key("failed")),
                (b"\xa8end_date", value.clone()),
                tag("TaskState"),
            ]));
            bodies.push(body(&[
                conn_id.clone(),
                tag("GetConnection"),
                (b"\xa1z", value.clone()),
            ]));
        }
        let carriers: [&[u8]; 5] = [
            &[0xc0],
            b"\x81\xabtraceparent\xa2tp",
            &[0x81, 0xa1, b'a', 0xc0],
            &[0x01],
            &[0x81, 0xa1, b'a', 0xc4, 0x00],
        ];
        let mut limits = vec![Limits::DEFAULT];
        limits.extend(tight_limits());
        limits.extend((4..8).map(|depth| Limits::DEFAULT.with_max_depth(depth)));
        for body in &bodies {
            for carrier in carriers {
                let mut frame = vec![0x93, 0x07];
                frame.extend_from_slice(body);
                frame.extend_from_slice(carrier);
                for limits in &limits {
                    both_ways::<crate::union::channels::TaskToSupervisor>(&frame, limits);
                    let fast =
                        limits.decode_msgpack::<crate::union::channels::TaskToSupervisor>(body);
                    let scanned = limits
                        .scan_then_decode_msgpack::<crate::union::channels::TaskToSupervisor>(body);
                    assert!(same(&fast, &scanned), "{body:02x?}: {fast:?} / {scanned:?}");
                }
            }
        }
    }

    /// Every frame of the corpus, and many mutations of each, decode to the same frame or fail
    /// with the same error both ways, within the default limits and within tight ones (which
    /// only the deserializer, not a scan, then enforces on the way without a scan). And the
    /// way without a scan is the one SDK frames take.
    #[test]
    fn decoding_without_a_scan_agrees_with_scanning_first() {
        let files = [
            ("task", "task.jsonl"),
            ("callback", "callback.jsonl"),
            ("trigger", "trigger.jsonl"),
            ("dag-processor", "dag-processor.jsonl"),
            ("task", "request-edges.jsonl"),
            ("to-task", "to-task.jsonl"),
            ("to-task", "to-task-sparse.jsonl"),
            ("to-task", "response-edges.jsonl"),
            ("to-trigger-runner", "to-trigger-runner.jsonl"),
            ("to-dag-processor", "to-dag-processor.jsonl"),
        ];
        for (channel, file) in files {
            let channel: ChannelName = channel.parse().unwrap();
            let payloads = payloads(file);
            let (accepted, unscanned) = channel.visit(Check {
                payloads: &payloads,
                mutate: 3,
            });
            assert!(accepted > 0, "{file}");
            // (Edge cases include frames of four or more elements, which are always scanned.)
            if !file.contains("edges") {
                assert_eq!(unscanned, accepted, "{file}: SDK frames that needed a scan");
            }
            // Every other channel refuses most of them: the refusals must agree too.
            for other in ChannelName::ALL.iter().filter(|other| **other != channel) {
                other.visit(Check {
                    payloads: &payloads,
                    mutate: 0,
                });
            }
        }
    }
}
