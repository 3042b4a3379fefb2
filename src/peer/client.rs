//! The process side: a typed client that sends requests on a channel and returns typed replies.
//!
//! [`Client::send`] compiles only for a message the channel permits, and returns the reply type
//! the request is answered with ([`Request::Response`]). A Rust task runtime or callback uses it
//! over fd 0, exactly as the Python SDK's `CommsDecoder` does.
//!
//! ```
//! use std::os::unix::net::UnixStream;
//! use airflow_comms::client::Client;
//! use airflow_comms::dispatch::Handle;
//! use airflow_comms::frame::FrameReader;
//! use airflow_comms::*;
//!
//! # struct Supervisor;
//! # impl Handle<GetConnection> for Supervisor {
//! #     fn handle(&mut self, r: GetConnection) -> Result<request::ConnectionReply, ErrorResponse> { unreachable!() }
//! # }
//! # impl Handle<GetVariable> for Supervisor {
//! #     fn handle(&mut self, r: GetVariable) -> Result<request::VariableReply, ErrorResponse> {
//! #         Ok(request::VariableReply::VariableResult(VariableResult { key: r.key, value: Some("eu".into()) }))
//! #     }
//! # }
//! # impl Handle<GetVariableKeys> for Supervisor {
//! #     fn handle(&mut self, _: GetVariableKeys) -> Result<VariableKeysResult, ErrorResponse> { unreachable!() }
//! # }
//! # impl Handle<MaskSecret> for Supervisor {
//! #     fn handle(&mut self, _: MaskSecret) -> Result<(), ErrorResponse> { Ok(()) }
//! # }
//! let (child_end, supervisor_end) = UnixStream::pair()?;
//! // A supervisor thread (see `dispatch`) answers one request.
//! let supervisor = std::thread::spawn(move || {
//!     let mut reader = FrameReader::new(supervisor_end.try_clone().unwrap());
//!     let request = reader.read_request::<CallbackToSupervisor>().unwrap().unwrap();
//!     let mut reply = Vec::new();
//!     CallbackToSupervisor::dispatch(request, &mut Supervisor, &mut reply).unwrap();
//!     std::io::Write::write_all(&mut &supervisor_end, &reply).unwrap();
//! });
//!
//! let mut client = Client::<CallbackToSupervisor, _>::new(child_end);
//! let reply = client.send(GetVariable { key: "region".into() })?; // a `VariableReply`
//! assert!(matches!(reply, request::VariableReply::VariableResult(v) if v.value.as_deref() == Some("eu")));
//! supervisor.join().unwrap();
//! // client.send(SucceedTask { .. }) would not compile: the callback channel does not permit it.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashSet;
use std::io::{Read, Write};
use std::marker::PhantomData;

use crate::codec::decode::DecodeError;
use crate::codec::frame::ReplyFrames;
use crate::codec::frame::{
    ContextCarrier, DEFAULT_MAX_FRAME_LEN, FrameError, FrameId, RequestFrame, ResponseFrame,
    encode_request, read_payload_into, split_response,
};
use crate::messages::responses::ErrorResponse;
use crate::union::channels::Channel;
use crate::union::request::Request;
use crate::union::{Permits, Union};

/// Why a request got no usable reply.
///
/// After an error that is not stream-fatal ([`FrameError::is_stream_fatal`]) the client stays
/// usable. When the error came before the reply did (a frame of length 0, a frame without a
/// readable id, a reply for another request), the request is given up: should its reply arrive
/// later, the next [`Client::send`] skips it, so that every later request still gets its own
/// reply.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The frame could not be written or read.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The supervisor answered with an error (the frame's error slot): the request failed.
    #[error("request {id} failed: {error:?}")]
    Failed {
        /// The request id.
        id: FrameId,
        /// What the supervisor said.
        error: ErrorResponse,
    },
    /// The reply's body is not what the request is answered with.
    #[error("the reply to request {id} is not valid: {error}")]
    InvalidReply {
        /// The request id.
        id: FrameId,
        /// Why the body was refused.
        error: DecodeError,
    },
    /// A reply came for another request.
    #[error("expected the reply to request {expected}, got one for {got}")]
    UnexpectedReply {
        /// The id sent.
        expected: FrameId,
        /// The id received.
        got: FrameId,
    },
    /// The supervisor closed the connection before answering.
    #[error("the supervisor closed the connection before answering request {0}")]
    Closed(FrameId),
    /// The reply (`SentFDs`) announces a descriptor, but none came with it.
    #[error("the reply to request {0} announces a descriptor, but none came with it")]
    MissingDescriptor(FrameId),
    /// More descriptors came with the reply than the one expected; all were closed.
    #[error("more descriptors came with the reply to request {0} than the one expected")]
    ExtraDescriptors(FrameId),
}

/// What a frame read while waiting for the reply to request `id` means: `Some` result for the
/// caller, or `None` for a late reply to a request given up earlier (skipped; read on).
/// `read` is the frame's payload, or the error of reading it.
fn on_frame<R>(
    given_up: &mut HashSet<FrameId>,
    id: FrameId,
    read: Result<&[u8], FrameError>,
    decode: &mut Option<impl FnOnce(Option<&[u8]>) -> Result<R, DecodeError>>,
) -> Option<Result<R, ClientError>> {
    let raw = match read.and_then(split_response) {
        Ok(raw) => raw,
        Err(err) => {
            return match err.frame_id() {
                // A broken answer to this very request: it is answered, badly.
                Some(got) if got == id => Some(Err(err.into())),
                Some(got) if given_up.remove(&got) => None,
                _ => {
                    // No answer to this request yet (a frame of length 0, an unreadable id, or
                    // the stream broke): give it up.
                    if !err.is_stream_fatal() {
                        given_up.insert(id);
                    }
                    Some(Err(err.into()))
                }
            };
        }
    };
    if raw.id != id {
        if given_up.remove(&raw.id) {
            return None;
        }
        given_up.insert(id);
        return Some(Err(ClientError::UnexpectedReply {
            expected: id,
            got: raw.id,
        }));
    }
    if let Some(error) = raw.error {
        return Some(Err(ClientError::Failed { id, error }));
    }
    let decode = decode.take()?;
    Some(decode(raw.body).map_err(|error| ClientError::InvalidReply { id, error }))
}

/// A blocking client for channel `C` over a stream (fd 0 of a child process).
#[derive(Debug)]
pub struct Client<C, S> {
    stream: S,
    next_id: FrameId,
    given_up: HashSet<FrameId>,
    context_carrier: Option<ContextCarrier>,
    max_frame_len: u32,
    write_buffer: Vec<u8>,
    read_buffer: Vec<u8>,
    channel: PhantomData<fn() -> C>,
}

impl<C: Channel, S: Read + Write> Client<C, S> {
    /// A client whose first request id is 0, as Airflow's runners count.
    pub fn new(stream: S) -> Self {
        Self {
            stream,
            next_id: FrameId::from(0),
            given_up: HashSet::new(),
            context_carrier: None,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            write_buffer: Vec::new(),
            read_buffer: Vec::new(),
            channel: PhantomData,
        }
    }

    /// Sets the id of the next request; ids count up from it (after [`FrameId::MAX`] comes
    /// [`FrameId::MIN`]).
    pub fn with_next_id(mut self, id: impl Into<FrameId>) -> Self {
        self.next_id = id.into();
        self
    }

    /// Sets the trace context sent with every request (W3C `traceparent` / `tracestate`).
    pub fn with_context_carrier(mut self, carrier: Option<ContextCarrier>) -> Self {
        self.context_carrier = carrier;
        self
    }

    /// Sets the largest reply accepted.
    pub fn with_max_frame_len(mut self, max: u32) -> Self {
        self.max_frame_len = max;
        self
    }

    /// Sends `message` and waits for its reply. See [`ClientError`] for what happens to a
    /// request whose reply does not come next.
    pub fn send<M>(&mut self, message: M) -> Result<M::Response, ClientError>
    where
        M: Request,
        C: Permits<M>,
    {
        self.send_with(message, M::Response::from_body)
    }

    /// Sends `message` and reads its reply's body with `decode` instead of the request's own
    /// [`Reply`](crate::union::request::Reply) type: for a reply read another way, such as
    /// [`decode_xcom_value`](crate::codec::decode::decode_xcom_value), which reads an XCom straight
    /// into a Rust type.
    pub fn send_with<M, R>(
        &mut self,
        message: M,
        decode: impl FnOnce(Option<&[u8]>) -> Result<R, DecodeError>,
    ) -> Result<R, ClientError>
    where
        M: Request,
        C: Permits<M>,
    {
        let id = self.write_request(message)?;
        let mut decode = Some(decode);
        loop {
            let read = match read_payload_into(
                &mut self.stream,
                &mut self.read_buffer,
                self.max_frame_len,
            ) {
                Ok(true) => Ok(self.read_buffer.as_slice()),
                Ok(false) => return Err(ClientError::Closed(id)),
                Err(err) => Err(err),
            };
            if let Some(result) = on_frame(&mut self.given_up, id, read, &mut decode) {
                return result;
            }
        }
    }

    /// Sends `message` with the next request id; returns the id.
    fn write_request<M>(&mut self, message: M) -> Result<FrameId, FrameError>
    where
        M: Request,
        C: Permits<M>,
    {
        let id = self.next_id;
        self.next_id = id.wrapping_next();
        self.write_buffer.clear();
        let frame = RequestFrame {
            id,
            body: C::from_message(message),
            context_carrier: self.context_carrier.clone(),
        };
        encode_request(&frame, &mut self.write_buffer)?;
        self.stream.write_all(&self.write_buffer)?;
        self.stream.flush()?;
        Ok(id)
    }

    /// Reads a frame the supervisor sends unprompted, such as `StartupDetails` (id 0) on the task
    /// channel; `Ok(None)` when the connection is closed. After an error that is not
    /// stream-fatal, the next call reads the next frame.
    pub fn receive<U: Union>(&mut self) -> Result<Option<ResponseFrame<U>>, FrameError> {
        if !read_payload_into(&mut self.stream, &mut self.read_buffer, self.max_frame_len)? {
            return Ok(None);
        }
        crate::codec::frame::decode_response(&self.read_buffer).map(Some)
    }

    /// The underlying stream.
    pub fn into_inner(self) -> S {
        self.stream
    }
}

#[cfg(unix)]
impl<C: Channel, S: Read + Write + std::os::fd::AsFd> Client<C, S> {
    /// Sends `ResendLoggingFD` and returns the new structured-log socket the supervisor passes
    /// with its `SentFDs` reply (`SCM_RIGHTS`; see [`fds`](crate::fds)), as the SDK's
    /// `CommsDecoder` does. `Ok(None)` when the supervisor answers with an empty reply, as
    /// Airflow's does where it cannot pass descriptors.
    ///
    /// [`send`](Self::send) would read the same reply without the descriptor: the kernel closes a
    /// descriptor that arrives with bytes read by a plain `read`.
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn resend_logging_fd(&mut self) -> Result<Option<std::os::fd::OwnedFd>, ClientError>
    where
        C: Permits<crate::messages::logging::ResendLoggingFD>,
    {
        use crate::messages::responses::SentFDs;
        use crate::peer::fds::read_frame_with_fds;

        let id = self.write_request(crate::messages::logging::ResendLoggingFD {})?;
        let mut decode = Some(<Option<SentFDs>>::from_body);
        loop {
            // Room for one descriptor, as the SDK makes; a frame for a request given up earlier
            // is skipped, and its descriptors closed.
            let (read, fds) = match read_frame_with_fds(
                &self.stream,
                &mut self.read_buffer,
                self.max_frame_len,
                1,
            ) {
                Ok(Some(fds)) => (Ok(self.read_buffer.as_slice()), fds),
                Ok(None) => return Err(ClientError::Closed(id)),
                Err(err) => (Err(err), Default::default()),
            };
            let Some(result) = on_frame(&mut self.given_up, id, read, &mut decode) else {
                continue;
            };
            return match result? {
                None => Ok(None),
                Some(_) if fds.truncated || fds.fds.len() > 1 => {
                    Err(ClientError::ExtraDescriptors(id))
                }
                Some(_) => fds
                    .fds
                    .into_iter()
                    .next()
                    .map(Some)
                    .ok_or(ClientError::MissingDescriptor(id)),
            };
        }
    }
}

/// The async client (feature `tokio`).
#[cfg(feature = "tokio")]
pub use self::tokio_client::AsyncClient;

#[cfg(feature = "tokio")]
mod tokio_client {
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

    use super::*;

    /// An async client for channel `C` over a tokio stream; see [`Client`].
    #[derive(Debug)]
    pub struct AsyncClient<C, S> {
        stream: S,
        next_id: FrameId,
        given_up: HashSet<FrameId>,
        context_carrier: Option<ContextCarrier>,
        max_frame_len: u32,
        buffer: Vec<u8>,
        channel: PhantomData<fn() -> C>,
    }

    impl<C: Channel, S: AsyncRead + AsyncWrite + Unpin> AsyncClient<C, S> {
        /// A client whose first request id is 0.
        pub fn new(stream: S) -> Self {
            Self {
                stream,
                next_id: FrameId::from(0),
                given_up: HashSet::new(),
                context_carrier: None,
                max_frame_len: DEFAULT_MAX_FRAME_LEN,
                buffer: Vec::new(),
                channel: PhantomData,
            }
        }

        /// Sets the id of the next request; ids count up from it.
        pub fn with_next_id(mut self, id: impl Into<FrameId>) -> Self {
            self.next_id = id.into();
            self
        }

        /// Sets the largest reply accepted.
        pub fn with_max_frame_len(mut self, max: u32) -> Self {
            self.max_frame_len = max;
            self
        }

        /// Sets the trace context sent with every request (W3C `traceparent` / `tracestate`).
        pub fn with_context_carrier(mut self, carrier: Option<ContextCarrier>) -> Self {
            self.context_carrier = carrier;
            self
        }

        /// Sends `message` and waits for its reply; see [`Client::send`].
        pub async fn send<M>(&mut self, message: M) -> Result<M::Response, ClientError>
        where
            M: Request,
            C: Permits<M>,
        {
            self.send_with(message, M::Response::from_body).await
        }

        /// Sends `message` and reads its reply's body with `decode`; see
        /// [`Client::send_with`].
        pub async fn send_with<M, R>(
            &mut self,
            message: M,
            decode: impl FnOnce(Option<&[u8]>) -> Result<R, DecodeError>,
        ) -> Result<R, ClientError>
        where
            M: Request,
            C: Permits<M>,
        {
            let mut decode = Some(decode);
            let id = self.next_id;
            self.next_id = id.wrapping_next();
            self.buffer.clear();
            encode_request(
                &RequestFrame {
                    id,
                    body: C::from_message(message),
                    context_carrier: self.context_carrier.clone(),
                },
                &mut self.buffer,
            )?;
            self.stream
                .write_all(&self.buffer)
                .await
                .map_err(FrameError::from)?;
            self.stream.flush().await.map_err(FrameError::from)?;
            loop {
                let read = match self.read_payload().await {
                    Ok(true) => Ok(self.buffer.as_slice()),
                    Ok(false) => return Err(ClientError::Closed(id)),
                    Err(err) => Err(err),
                };
                if let Some(result) = on_frame(&mut self.given_up, id, read, &mut decode) {
                    return result;
                }
            }
        }

        /// Reads a frame the supervisor sends unprompted, such as `StartupDetails` (id 0) on
        /// the task channel; `Ok(None)` when the connection is closed. After an error that is
        /// not stream-fatal, the next call reads the next frame. See [`Client::receive`].
        pub async fn receive<U: Union>(&mut self) -> Result<Option<ResponseFrame<U>>, FrameError> {
            if !self.read_payload().await? {
                return Ok(None);
            }
            crate::codec::frame::decode_response(&self.buffer).map(Some)
        }

        /// The underlying stream.
        pub fn into_inner(self) -> S {
            self.stream
        }

        /// Reads one frame's payload into the buffer: `Ok(false)` at the end of the stream
        /// before a frame starts. A frame of length 0 is an error that is not stream-fatal.
        async fn read_payload(&mut self) -> Result<bool, FrameError> {
            let mut prefix = [0u8; 4];
            match self.stream.read_exact(&mut prefix).await {
                Ok(_) => {}
                Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
                Err(err) => return Err(FrameError::from(err)),
            }
            let len = u32::from_be_bytes(prefix);
            if len > self.max_frame_len {
                return Err(FrameError::TooLarge {
                    announced: len,
                    max: self.max_frame_len,
                });
            }
            if len == 0 {
                return Err(FrameError::zero_length());
            }
            self.buffer.clear();
            self.buffer.resize(len as usize, 0);
            self.stream
                .read_exact(&mut self.buffer)
                .await
                .map_err(|err| match err.kind() {
                    std::io::ErrorKind::UnexpectedEof => FrameError::Truncated {
                        expected: 4 + u64::from(len),
                        got: 4,
                    },
                    _ => FrameError::from(err),
                })?;
            Ok(true)
        }
    }
}
