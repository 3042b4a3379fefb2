//! Typed, wire-exact messages of the protocol Apache Airflow's supervisor speaks with the
//! processes it runs: task runners, callbacks, the trigger runner and the DAG-file processor.
//!
//! The wire target is **apache-airflow-task-sdk 1.3.2 with apache-airflow-core 3.3.2**
//! (Airflow 3.3); the SDK declares supervisor schema version [`SUPERVISOR_SCHEMA_VERSION`].
//!
//! # What is where
//!
//! Messages, channels, groups, values and the decoders are at the root. The rest is grouped by
//! what it is for:
//!
//! | module | what it holds |
//! |---|---|
//! | [`channels`], [`groups`], [`request`] | per-process channels and the permission matrix, access groups, the reply type of every request |
//! | [`decode`], [`frame`] | JSON and msgpack decoding with typed errors; length-prefixed frames |
//! | [`client`], [`dispatch`], [`policy`] | the process side, the supervisor side (sync and async), run-time narrowing |
//! | [`fds`] (Unix) | the inherited fd 0 and `SCM_RIGHTS` descriptors |
//! | [`time`] | date-times and durations as pydantic writes them |
//! | [`schema`], [`bundle`] | JSON Schemas generated from the channel types; executable bundles (bundle-spec 1.0) |
//!
//! Inside, data flows one way through layers (values ← messages ← unions ← codecs ← peers);
//! `docs/architecture.md` draws them. The `airflow-comms` command line (the `cli/` package) and
//! the `airflow-comms-runtime` crate are built on this public API only. Features: `tokio` (async
//! codecs, client and `serve`), `arbitrary` (arbitrary values of every message, for property
//! tests and fuzzing).
//!
//! # Stability
//!
//! The public API is the list in `tests/public-api.txt`; CI fails when rustdoc shows anything
//! else. Messages, their enums and the channels mirror one Airflow release exactly and are
//! deliberately exhaustive: you build messages with struct literals and match channels without a
//! wildcard, so the compiler shows you what a new Airflow protocol version changes. Such a change
//! (a message, a field, a variant) comes in a new 0.x minor release, one per Airflow protocol
//! version; patch releases never change the message set. The same holds for
//! [`dispatch::Handle`]: a handler that misses a new request must stop compiling. The traits
//! whose implementations belong to the protocol ([`Message`], [`Union`], [`Permits`],
//! [`request::Request`], [`request::Reply`], ...) are sealed. The crate's own types are the
//! other way round: its errors and their kinds ([`DecodeError`], [`frame::FrameError`],
//! [`client::ClientError`], ...) are `#[non_exhaustive]`, so a new way to fail is not a breaking
//! change; the snapshot marks them.
//!
//! # Decoding a message from a callback process
//!
//! A channel permits exactly what Airflow's union for that process permits. A callback may read
//! connections and variables and mask secrets, nothing else:
//!
//! ```
//! use airflow_comms::{decode_json, CallbackToSupervisor, DecodeError, GetConnection};
//!
//! let request = decode_json::<CallbackToSupervisor>(r#"{"conn_id": "warehouse", "type": "GetConnection"}"#)?;
//! assert_eq!(
//!     request,
//!     CallbackToSupervisor::GetConnection(GetConnection { conn_id: "warehouse".into() })
//! );
//!
//! // A task-only message is refused with an error that names the channel and the type.
//! let err = decode_json::<CallbackToSupervisor>(
//!     r#"{"end_date": "2026-11-22T10:00:00Z", "type": "SucceedTask"}"#,
//! )
//! .unwrap_err();
//! assert!(matches!(err, DecodeError::NotPermitted { .. }));
//! assert_eq!(err.to_string(), "CallbackToSupervisor does not permit `SucceedTask` messages");
//! # Ok::<(), DecodeError>(())
//! ```
//!
//! In Rust the same refusal happens at compile time: `CallbackToSupervisor` has no
//! `From<SucceedTask>`.
//!
//! # Writing a message
//!
//! Serializing gives what the Python SDK's `model_dump(mode="json", by_alias=True)` gives: every
//! field present, defaults filled in, the `type` tag included.
//!
//! ```
//! use airflow_comms::{GetXCom, TaskToSupervisor};
//!
//! let request = TaskToSupervisor::from(GetXCom {
//!     key: "return_value".into(),
//!     dag_id: "etl".into(),
//!     run_id: "manual__2026-11-22T00:00:00+00:00".into(),
//!     task_id: "extract".into(),
//!     map_index: None,
//!     include_prior_dates: false,
//! });
//! assert_eq!(
//!     serde_json::to_string(&request)?,
//!     r#"{"key":"return_value","dag_id":"etl","run_id":"manual__2026-11-22T00:00:00+00:00","task_id":"extract","map_index":null,"include_prior_dates":false,"type":"GetXCom"}"#
//! );
//! # Ok::<(), serde_json::Error>(())
//! ```

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The layers, lowest first; each module uses only the ones above it in this list (and
// `tests/layers.rs` fails when one does not). `docs/architecture.md` draws them. They are
// private: the public API is the deliberate list below, so moving a file inside a layer breaks
// no user, and `tests/public-api.txt` (checked by `.ci/run`) records every public item.
#[macro_use]
mod value;
#[macro_use]
mod messages;
#[macro_use]
mod union;
mod codec;
mod peer;

pub mod bundle;
pub mod schema;

/// Hooks for the crate's own tests and fuzz targets, not part of the API: no stability promise.
/// They reach the scan-then-decode path alone, so that the speculative decoders can be compared
/// with it in release builds too (see the `codec::speculate` module's header), and the tables
/// the group and channel declarations expand into.
#[doc(hidden)]
pub mod __private {
    pub use crate::codec::frame::read_payload_into;
    pub use crate::codec::speculate::{
        decodes_msgpack_message_without_a_scan, decodes_msgpack_without_a_scan,
        decodes_request_without_a_scan, scan_then_decode_msgpack, scan_then_decode_msgpack_message,
        scan_then_decode_request,
    };
    pub use crate::union::channels::CHANNELS;
    pub use crate::union::groups::GROUPS;
}

pub mod frame {
    //! Length-prefixed msgpack frames, as the supervisor and the processes it runs exchange
    //! them: a 4-byte big-endian length, then a msgpack array `[id, body, ...]`.
    pub use crate::codec::frame::{
        ContextCarrier, DEFAULT_MAX_FRAME_LEN, FrameError, FrameId, FrameIdOutOfRange, FrameReader,
        FrameWriter, RawResponse, ReplyFrames, RequestFrame, ResponseFrame, decode_request,
        decode_response, encode_request, encode_response, split_response,
    };
}

pub mod decode {
    //! Decoding a message of a channel from JSON text, msgpack bytes or a parsed value, with
    //! typed errors that name the channel, the type tag and the field path.
    pub use crate::codec::decode::{
        DecodeError, DecodeErrorKind, UnknownTag, decode_json, decode_msgpack,
        decode_msgpack_message, decode_value, decode_xcom_value,
    };
}

pub mod client {
    //! The process side of a channel: send a request the channel permits, get its reply type.
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub use crate::peer::client::AsyncClient;
    pub use crate::peer::client::{Client, ClientError};
}

pub mod dispatch {
    //! The supervisor side of a channel: one handler per request type, checked at compile time.
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub use crate::peer::dispatch::serve;
    pub use crate::peer::dispatch::{AsyncDispatch, AsyncHandle, Dispatch, Handle, refusal};
}

pub mod request {
    //! Each request paired with the type of its reply.
    pub use crate::union::request::{
        AssetReply, AssetStateStoreReply, ConnectionReply, Reply, Request, TaskStateStoreReply,
        TriggerDagRunReply, VariableReply, XComSequenceItemReply, reply_types,
    };
}

pub mod channels {
    //! The per-process channels, each permitting exactly what Airflow's union for that process
    //! permits, and the permission matrix derived from them.
    pub use crate::union::channels::{
        CallbackToSupervisor, Channel, ChannelName, ChannelVisitor, DagProcessorToManager,
        Direction, PermissionRow, RequestChannel, TaskToSupervisor, ToDagProcessor, ToTask,
        ToTriggerRunner, TriggerToSupervisor, UnknownChannel, is_airflow_message_type,
        permission_matrix,
    };
}

pub mod groups {
    //! The access groups: each request in exactly one.
    pub use crate::union::groups::{
        DagParsingRequests, HITLRequests, LoggingRequests, OrchestrationRequests, ReadRequests,
        TaskLifecycleRequests, TaskMetadataRequests, TriggerLifecycleRequests, WriteRequests,
        group_of, visit_groups,
    };
}

pub mod policy {
    //! Narrowing a channel at run time to a set of groups or types.
    pub use crate::peer::policy::{ChannelPolicy, PolicyError, PolicyProblem, group_words};
}

#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub mod fds {
    //! Unix descriptors: the inherited fd 0 as a child's stream, and `SCM_RIGHTS` for
    //! `ResendLoggingFD` / `SentFDs`.
    pub use crate::peer::fds::{
        InheritedStreamError, ReceivedFds, inherited_stdin, read_frame_with_fds, send_sent_fds,
        send_some_with_fds, send_with_fds, sent_fds_frame,
    };
}

pub mod time {
    //! Date-times and durations, written and read the way Airflow's pydantic models write them.
    pub use crate::value::time::{
        AwareDateTime, NaiveDateTime, NaiveOrAwareDateTime, ParseTimeError, TimeDelta, UtcDateTime,
    };
}

pub use channels::{
    CallbackToSupervisor, Channel, ChannelName, DagProcessorToManager, Direction, RequestChannel,
    TaskToSupervisor, ToDagProcessor, ToTask, ToTriggerRunner, TriggerToSupervisor, UnknownChannel,
};
pub use codec::limits::Limits;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use codec::{ChildCodec, SupervisorCodec};
pub use decode::{
    DecodeError, DecodeErrorKind, UnknownTag, decode_json, decode_msgpack, decode_value,
    decode_xcom_value,
};
pub use frame::{FrameError, FrameId, FrameReader, FrameWriter, RequestFrame, ResponseFrame};
pub use groups::{
    DagParsingRequests, HITLRequests, LoggingRequests, OrchestrationRequests, ReadRequests,
    TaskLifecycleRequests, TaskMetadataRequests, TriggerLifecycleRequests, WriteRequests,
};
pub use messages::callback::*;
pub use messages::dag_processor::*;
pub use messages::enums::*;
pub use messages::hitl::*;
pub use messages::lifecycle::*;
pub use messages::logging::*;
pub use messages::metadata::*;
pub use messages::model::{ExtraFields, Message, Model};
pub use messages::nested::*;
pub use messages::orchestration::*;
pub use messages::read::*;
pub use messages::responses::*;
pub use messages::trigger::*;
pub use messages::write::*;
pub use peer::dynamic::{DecodedFrame, EncodeError, JsonMessage};
pub use peer::pipeline::{Pipeline, UnexpectedReply};
pub use time::{
    AwareDateTime, NaiveDateTime, NaiveOrAwareDateTime, ParseTimeError, TimeDelta, UtcDateTime,
};
pub use union::{Permits, Union, UnionVisitor};
pub use value::{AnyDict, AnyMap, AnyValue, JsonMap, JsonValue};

/// The supervisor schema version apache-airflow-task-sdk 1.3.2 declares
/// (`api_version` of `airflow/sdk/execution_time/schema/schema.json`).
pub const SUPERVISOR_SCHEMA_VERSION: &str = "2026-06-16";

/// The apache-airflow-task-sdk release this crate is wire-exact with.
pub const TASK_SDK_VERSION: &str = "1.3.2";

/// The apache-airflow-core release this crate is wire-exact with.
pub const AIRFLOW_CORE_VERSION: &str = "3.3.2";

// The README's Rust examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
