//! The supervisor's side: answer each request of a channel with a reply typed by the request.
//!
//! Implement [`Handle<M>`] for every request `M` the channel permits; then
//! `<Channel>::dispatch(request, &mut handler, &mut out)` turns a request frame into its response
//! frame (and [`Dispatch`] is implemented for the handler, for generic code). Leaving one request
//! out is a compile error that names it.
//!
//! A supervisor that awaits (the Execution API, a database) implements [`AsyncHandle<M>`]
//! instead and calls `<Channel>::dispatch_async`, or, with feature `tokio`, runs [`serve`] over
//! the child's stream. Both ways make the same decisions: the reply type is the request's own
//! ([`Request::Response`]), and an `Err` goes in the frame's error slot.
//!
//! [`Handle<M>`] and [`AsyncHandle<M>`] are deliberately exhaustive: when an Airflow release adds
//! a request to a channel, every handler of that channel stops compiling until it answers the new
//! request. A supervisor that silently ignores a request leaves the child waiting forever, so
//! this is the one place where growth is a breaking change on purpose.
//!
//! ```
//! use airflow_comms::dispatch::Handle;
//! use airflow_comms::frame::{RequestFrame, split_response};
//! use airflow_comms::request::{ConnectionReply, VariableReply};
//! use airflow_comms::*;
//!
//! /// Serves a callback process from two in-memory tables.
//! struct Secrets;
//!
//! impl Handle<GetConnection> for Secrets {
//!     fn handle(&mut self, request: GetConnection) -> Result<ConnectionReply, ErrorResponse> {
//!         Ok(ConnectionReply::ErrorResponse(ErrorResponse {
//!             error: ErrorType::ConnectionNotFound,
//!             detail: Some([("conn_id", request.conn_id)].into_iter().collect()),
//!         }))
//!     }
//! }
//! impl Handle<GetVariable> for Secrets {
//!     fn handle(&mut self, request: GetVariable) -> Result<VariableReply, ErrorResponse> {
//!         Ok(VariableReply::VariableResult(VariableResult { key: request.key, value: Some("eu".into()) }))
//!     }
//! }
//! impl Handle<GetVariableKeys> for Secrets {
//!     fn handle(&mut self, _: GetVariableKeys) -> Result<VariableKeysResult, ErrorResponse> {
//!         Ok(VariableKeysResult { keys: vec!["region".into()], total_entries: 1 })
//!     }
//! }
//! impl Handle<MaskSecret> for Secrets {
//!     fn handle(&mut self, _: MaskSecret) -> Result<(), ErrorResponse> {
//!         Ok(()) // an empty reply
//!     }
//! }
//!
//! let request = RequestFrame::<CallbackToSupervisor>::new(7, GetVariable { key: "region".into() });
//! let mut frame = Vec::new();
//! CallbackToSupervisor::dispatch(request, &mut Secrets, &mut frame).unwrap();
//! let reply = split_response(&frame[4..]).unwrap();
//! assert_eq!(reply.id, 7);
//! assert!(reply.body.is_some());
//! ```

use crate::codec::decode::DecodeErrorKind;
use crate::codec::frame::{FrameError, FrameId, RequestFrame, ResponseFrame, encode_response};
use crate::messages::enums::ErrorType;
use crate::union::channels::{
    CallbackToSupervisor, DagProcessorToManager, TaskToSupervisor, TriggerToSupervisor,
};
// The channels' members, named by the channel macros.
use crate::codec::frame::ReplyFrames;
use crate::messages::dag_processor::DagFileParsingResult;
use crate::messages::hitl::*;
use crate::messages::lifecycle::*;
use crate::messages::logging::*;
use crate::messages::metadata::*;
use crate::messages::orchestration::*;
use crate::messages::read::*;
use crate::messages::responses::ErrorResponse;
use crate::messages::trigger::TriggerStateChanges;
use crate::messages::write::*;
use crate::union::request::Request;
#[cfg(feature = "tokio")]
use crate::{codec::SupervisorCodec, codec::limits::Limits, union::Union};

/// Answers requests of type `M`.
///
/// Deliberately exhaustive: a channel's handler implements it for every request the channel
/// permits, and a request added by a later Airflow release is a compile error until handled.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not handle `{M}` requests",
    label = "implement `Handle<{M}>` for `{Self}`",
    note = "a handler must answer every request its channel permits"
)]
pub trait Handle<M: Request> {
    /// The reply, or the error to send in the frame's error slot.
    fn handle(&mut self, request: M) -> Result<M::Response, ErrorResponse>;
}

/// Answers requests of type `M`, awaiting what the answer needs: the async twin of [`Handle<M>`],
/// exhaustive in the same way.
///
/// The returned future must be `Send`, so that a supervisor can serve each child on its own
/// task; an implementation may be written as `async fn handle(&mut self, request: M) -> ...`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not handle `{M}` requests asynchronously",
    label = "implement `AsyncHandle<{M}>` for `{Self}`",
    note = "a handler must answer every request its channel permits"
)]
pub trait AsyncHandle<M: Request> {
    /// The reply, or the error to send in the frame's error slot.
    fn handle(
        &mut self,
        request: M,
    ) -> impl Future<Output = Result<M::Response, ErrorResponse>> + Send;
}

/// Answers every request of channel `C`. Implemented for any type that handles each of the
/// channel's requests.
pub trait Dispatch<C> {
    /// Handles the request and appends the response frame (same id) to `out`.
    fn dispatch(&mut self, request: RequestFrame<C>, out: &mut Vec<u8>) -> Result<(), FrameError>;
}

/// Answers every request of channel `C`, awaiting the handler. Implemented for any type that
/// handles each of the channel's requests with [`AsyncHandle`].
pub trait AsyncDispatch<C> {
    /// Handles the request and appends the response frame (same id) to `out`.
    fn dispatch(
        &mut self,
        request: RequestFrame<C>,
        out: &mut Vec<u8>,
    ) -> impl Future<Output = Result<(), FrameError>> + Send;
}

/// Appends the response frame answering request `id` with what a handler returned: the typed
/// reply in the body slot, or the error in the error slot. The one decision both dispatches
/// share.
fn write_answer<R: ReplyFrames>(
    id: FrameId,
    answer: Result<R, ErrorResponse>,
    out: &mut Vec<u8>,
) -> Result<(), FrameError> {
    match answer {
        Ok(reply) => reply.write_response(id, out),
        Err(error) => encode_response(&ResponseFrame::<()>::error(id, error), out),
    }
}

/// The answer to a request frame that was refused: an error frame with `PERMISSION_DENIED` for a
/// message the channel (or a policy narrowing it) does not permit, `GENERIC_ERROR` for anything
/// else, and the reason under `detail.message`. `None` when the frame's id could not be read, so
/// there is nothing to answer.
///
/// Airflow's Python supervisor answers such requests with nothing at all, which leaves the child
/// waiting forever; answering is what a supervisor built on this crate should do.
pub fn refusal(error: &FrameError) -> Option<ResponseFrame<()>> {
    let id = error.frame_id()?;
    let kind = match error {
        FrameError::Body { error, .. } if error.kind() == DecodeErrorKind::NotPermitted => {
            ErrorType::PermissionDenied
        }
        _ => ErrorType::GenericError,
    };
    let detail = [("message", error.to_string())].into_iter().collect();
    Some(ResponseFrame::error(
        id,
        ErrorResponse {
            error: kind,
            detail: Some(detail),
        },
    ))
}

/// Implements [`Dispatch`] for a channel, given its members (from the channel's own macro).
macro_rules! dispatch_impl {
    ($channel:ident: $($member:ident),*) => {
        impl $channel {
            /// Handles `request` with `handler` and appends the response frame (same id) to
            /// `out`: the entry point of a supervisor loop. A handler that misses one of the
            /// channel's requests does not compile here, and the error names the request.
            pub fn dispatch<H>(request: RequestFrame<Self>, handler: &mut H, out: &mut Vec<u8>) -> Result<(), FrameError>
            where
                $( H: Handle<$member>, )*
            {
                let id = request.id;
                match request.body {
                    $( $channel::$member(message) => {
                        write_answer(id, <H as Handle<$member>>::handle(handler, message), out)
                    } )*
                }
            }

            /// Handles `request` with the async `handler` and appends the response frame (same
            /// id) to `out`: [`dispatch`](Self::dispatch) for a handler that awaits. A handler
            /// that misses one of the channel's requests does not compile here.
            pub async fn dispatch_async<H>(request: RequestFrame<Self>, handler: &mut H, out: &mut Vec<u8>) -> Result<(), FrameError>
            where
                H: Send,
                $( H: AsyncHandle<$member>, )*
            {
                let id = request.id;
                match request.body {
                    $( $channel::$member(message) => {
                        write_answer(id, <H as AsyncHandle<$member>>::handle(handler, message).await, out)
                    } )*
                }
            }
        }

        impl<H> AsyncDispatch<$channel> for H
        where
            H: Send,
            $( H: AsyncHandle<$member>, )*
        {
            fn dispatch(&mut self, request: RequestFrame<$channel>, out: &mut Vec<u8>) -> impl Future<Output = Result<(), FrameError>> + Send {
                $channel::dispatch_async(request, self, out)
            }
        }

        impl<H> Dispatch<$channel> for H
        where
            $( H: Handle<$member>, )*
        {
            fn dispatch(&mut self, request: RequestFrame<$channel>, out: &mut Vec<u8>) -> Result<(), FrameError> {
                $channel::dispatch(request, self, out)
            }
        }
    };
}

TaskToSupervisor!(dispatch_impl);
CallbackToSupervisor!(dispatch_impl);
TriggerToSupervisor!(dispatch_impl);
DagProcessorToManager!(dispatch_impl);

/// Serves one child (feature `tokio`): reads request frames of channel `C` from `stream` within
/// `limits`, answers each with `handler`, and returns `Ok(())` when the child closes the stream.
///
/// Each frame gets exactly one answer, as [`dispatch`](crate::dispatch) decides it: the
/// handler's typed reply or error, or, for a frame that was refused (not permitted, malformed
/// body) or whose reply could not be encoded, the [`refusal`] error frame. A frame without a
/// readable id cannot be answered and is skipped. A stream-fatal error
/// ([`FrameError::is_stream_fatal`]) ends the loop as `Err`.
///
/// `serve` passes no descriptors: the handler's reply to `ResendLoggingFD` goes out as a plain
/// frame. The SDK's task runner (which asks for a log socket after a fork + exec start, or after
/// re-executing as another user) fails on a reply without the descriptor, so a supervisor whose
/// children ask reads the frames itself, answers that request on the Unix socket (with
/// [`sent_fds_frame`](crate::peer::fds::sent_fds_frame) and
/// [`send_some_with_fds`](crate::peer::fds::send_some_with_fds)) and hands the others to
/// [`AsyncDispatch::dispatch`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use airflow_comms::client::AsyncClient;
/// use airflow_comms::dispatch::{AsyncHandle, serve};
/// use airflow_comms::request::{ConnectionReply, VariableReply};
/// use airflow_comms::*;
///
/// /// Looks variables up in a store that must be awaited.
/// struct Secrets;
///
/// impl AsyncHandle<GetVariable> for Secrets {
///     async fn handle(&mut self, request: GetVariable) -> Result<VariableReply, ErrorResponse> {
///         tokio::task::yield_now().await; // an Execution API call, say
///         Ok(VariableReply::VariableResult(VariableResult { key: request.key, value: Some("eu".into()) }))
///     }
/// }
/// impl AsyncHandle<GetConnection> for Secrets {
///     async fn handle(&mut self, request: GetConnection) -> Result<ConnectionReply, ErrorResponse> {
///         Err(ErrorResponse { error: ErrorType::ApiServerError, detail: None })
///     }
/// }
/// impl AsyncHandle<GetVariableKeys> for Secrets {
///     async fn handle(&mut self, _: GetVariableKeys) -> Result<VariableKeysResult, ErrorResponse> {
///         Ok(VariableKeysResult { keys: vec![], total_entries: 0 })
///     }
/// }
/// impl AsyncHandle<MaskSecret> for Secrets {
///     async fn handle(&mut self, _: MaskSecret) -> Result<(), ErrorResponse> {
///         Ok(())
///     }
/// }
///
/// let (child_end, supervisor_end) = tokio::io::duplex(4096);
/// let supervisor = tokio::spawn(async move {
///     serve::<CallbackToSupervisor, _, _>(supervisor_end, &mut Secrets, Limits::DEFAULT).await
/// });
/// let mut client = AsyncClient::<CallbackToSupervisor, _>::new(child_end);
/// let reply = client.send(GetVariable { key: "region".into() }).await?;
/// assert!(matches!(reply, VariableReply::VariableResult(v) if v.value.as_deref() == Some("eu")));
/// drop(client); // the child goes away: the supervisor's loop ends
/// supervisor.await??;
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub async fn serve<C, H, S>(stream: S, handler: &mut H, limits: Limits) -> Result<(), FrameError>
where
    C: Union,
    H: AsyncDispatch<C>,
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_util::codec::Decoder;

    let (reader, writer) = tokio::io::split(stream);
    let (mut reader, mut writer) = (std::pin::pin!(reader), std::pin::pin!(writer));
    let mut codec = SupervisorCodec::<C>::new().with_limits(limits);
    let mut input = bytes::BytesMut::new();
    let mut out = Vec::new();
    loop {
        let item = match codec.decode(&mut input)? {
            Some(item) => item,
            None => {
                if reader.read_buf(&mut input).await? > 0 {
                    continue;
                }
                match codec.decode_eof(&mut input)? {
                    Some(item) => item,
                    None => return Ok(()),
                }
            }
        };
        out.clear();
        let answered = match item {
            Ok(request) => handler.dispatch(request, &mut out).await,
            Err(error) => Err(error),
        };
        if let Err(error) = answered {
            out.clear();
            match refusal(&error) {
                Some(frame) => encode_response(&frame, &mut out)?,
                None => continue,
            }
        }
        writer.write_all(&out).await?;
        writer.flush().await?;
    }
}
