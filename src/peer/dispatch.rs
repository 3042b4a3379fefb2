//! The supervisor's side: answer each request of a channel with a reply typed by the request.
//!
//! Implement [`Handle<M>`] for every request `M` the channel permits; then
//! `<Channel>::dispatch(request, &mut handler, &mut out)` turns a request frame into its response
//! frame (and [`Dispatch`] is implemented for the handler, for generic code). Leaving one request
//! out is a compile error that names it.
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
use crate::codec::frame::{FrameError, RequestFrame, ResponseFrame, encode_response};
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

/// Answers requests of type `M`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not handle `{M}` requests",
    label = "implement `Handle<{M}>` for `{Self}`",
    note = "a handler must answer every request its channel permits"
)]
pub trait Handle<M: Request> {
    /// The reply, or the error to send in the frame's error slot.
    fn handle(&mut self, request: M) -> Result<M::Response, ErrorResponse>;
}

/// Answers every request of channel `C`. Implemented for any type that handles each of the
/// channel's requests.
pub trait Dispatch<C> {
    /// Handles the request and appends the response frame (same id) to `out`.
    fn dispatch(&mut self, request: RequestFrame<C>, out: &mut Vec<u8>) -> Result<(), FrameError>;
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
                    $( $channel::$member(message) => match <H as Handle<$member>>::handle(handler, message) {
                        Ok(reply) => reply.write_response(id, out),
                        Err(error) => encode_response(&ResponseFrame::<()>::error(id, error), out),
                    }, )*
                }
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
