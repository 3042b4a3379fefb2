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
//! A frame whose body fails to decode is still read whole, so the next frame decodes: the error
//! ([`FrameError::Body`]) carries the frame id so that the sender can be answered.

use std::io::{self, Read, Write};

use indexmap::IndexMap;
use serde::Serialize;

use crate::decode::DecodeError;
use crate::limits::Limits;
use crate::messages::responses::ErrorResponse;
use crate::msgpack::Scan;
use crate::union::Union;

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
    pub id: i64,
    /// The message.
    pub body: B,
    /// The W3C trace context to run the request under, if any.
    pub context_carrier: Option<ContextCarrier>,
}

/// A response frame: `[id, body, error]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseFrame<B> {
    /// The id of the request this answers (0 for the supervisor's unsolicited first frame).
    pub id: i64,
    /// The reply, or `None` for an empty reply.
    pub body: Option<B>,
    /// Set when the request failed; the body is then `None`.
    pub error: Option<ErrorResponse>,
}

impl<B> RequestFrame<B> {
    /// A frame without trace context.
    pub fn new(id: i64, body: impl Into<B>) -> Self {
        Self {
            id,
            body: body.into(),
            context_carrier: None,
        }
    }
}

impl<B> ResponseFrame<B> {
    /// A frame answering request `id` with `body`.
    pub fn reply(id: i64, body: impl Into<B>) -> Self {
        Self {
            id,
            body: Some(body.into()),
            error: None,
        }
    }

    /// An empty answer to request `id`.
    pub fn empty(id: i64) -> Self {
        Self {
            id,
            body: None,
            error: None,
        }
    }

    /// A failure answer to request `id`.
    pub fn error(id: i64, error: ErrorResponse) -> Self {
        Self {
            id,
            body: None,
            error: Some(error),
        }
    }
}

/// Why a frame could not be read or written.
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
    /// The frame itself is not a valid `[id, body, ...]` array. The stream stays in sync (the
    /// whole frame was consumed), but the frame cannot be answered unless `id` is known.
    #[error("malformed frame{}: {reason}", id.map(|id| format!(" {id}")).unwrap_or_default())]
    Malformed {
        /// The frame id, when it could be read.
        id: Option<i64>,
        /// What was wrong.
        reason: String,
    },
    /// The frame is well formed but its body (or error) is refused; answer frame `id`.
    #[error("frame {id}: {error}")]
    Body {
        /// The frame id.
        id: i64,
        /// Why the body was refused.
        error: DecodeError,
    },
    /// A body could not be written as msgpack.
    #[error("cannot encode frame {id}: {reason}")]
    Encode {
        /// The frame id.
        id: i64,
        /// What failed.
        reason: String,
    },
}

impl FrameError {
    /// The id of the frame the error is about, where it is known.
    pub fn frame_id(&self) -> Option<i64> {
        match self {
            Self::Malformed { id, .. } => *id,
            Self::Body { id, .. } | Self::Encode { id, .. } => Some(*id),
            _ => None,
        }
    }

    fn malformed(id: Option<i64>, reason: impl ToString) -> Self {
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
    id: i64,
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
fn begin(out: &mut Vec<u8>, id: i64) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    rmp::encode::write_array_len(out, 3).expect("writing to a Vec cannot fail");
    rmp::encode::write_sint(out, id).expect("writing to a Vec cannot fail");
    start
}

/// Fills in the length prefix of the frame that starts at `start`.
fn finish(out: &mut [u8], start: usize, id: i64) -> Result<(), FrameError> {
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
fn read_head(rest: &mut &[u8]) -> Result<(u32, i64), FrameError> {
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
            return Ok((u32::from(array & 0x0f), i64::from(id)));
        }
    }
    read_head_any(rest)
}

/// [`read_head`] for every encoding msgpack allows.
#[cold]
#[inline(never)]
fn read_head_any(rest: &mut &[u8]) -> Result<(u32, i64), FrameError> {
    let len = rmp::decode::read_array_len(rest)
        .map_err(|err| FrameError::malformed(None, format!("expected a msgpack array: {err}")))?;
    if len == 0 {
        return Err(FrameError::malformed(None, "the frame array is empty"));
    }
    let id = rmp::decode::read_int::<i64, _>(rest).map_err(|err| {
        FrameError::malformed(None, format!("the frame id is not an integer: {err}"))
    })?;
    Ok((len, id))
}

/// Splits off the next element of a frame array, checked as `scan` says: the body, the error
/// slot and the carrier are decoded (and their strings checked) afterwards, so only their
/// structure is checked here; extra elements are never decoded, so their strings are checked
/// here, as msgspec checks them.
fn next_value<'a>(
    rest: &mut &'a [u8],
    id: i64,
    what: &str,
    scan: Scan,
    limits: &Limits,
) -> Result<&'a [u8], FrameError> {
    crate::msgpack::split_value(rest, scan, limits, 0).map_err(|err| {
        FrameError::malformed(Some(id), format!("the {what} is not valid msgpack: {err}"))
    })
}

fn is_nil(value: &[u8]) -> bool {
    value == [0xc0]
}

/// Skips elements past the third (msgspec ignores them) and checks nothing trails the array.
#[inline]
fn finish_read(rest: &mut &[u8], len: u32, id: i64, limits: &Limits) -> Result<(), FrameError> {
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
    id: i64,
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
/// request it answers (see [`crate::request::Reply`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RawResponse<'a> {
    /// The id of the request this answers.
    pub id: i64,
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
        let mut rest = payload;
        let (len, id) = read_head(&mut rest)?;
        if len < 2 {
            return Err(FrameError::malformed(
                Some(id),
                "a request frame needs a body",
            ));
        }
        // One pass splits the body off, checks it and reads its tag.
        let (body, scanned) = match crate::msgpack::split_body(&mut rest, self) {
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
        crate::decode::decode_scanned_msgpack(
            body,
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
    crate::tagged_union! {
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
/// clean end of stream. A length over `max` is refused before anything is allocated for it.
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
        // Python never sends one, and its reader wedges on it: refuse it loudly.
        return Err(FrameError::malformed(None, "a frame of length 0"));
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
