//! Typed, wire-exact messages of the protocol Apache Airflow's supervisor speaks with the
//! processes it runs: task runners, callbacks, the trigger runner and the DAG-file processor.
//!
//! The wire target is **apache-airflow-task-sdk 1.3.2 with apache-airflow-core 3.3.2**
//! (Airflow 3.3); the SDK declares supervisor schema version [`SUPERVISOR_SCHEMA_VERSION`].
//!
//! # Layout
//!
//! Data flows one way through the layers, lowest first; a module uses its own layer and the
//! ones below it, never one above (`tests/layers.rs` checks every file; `docs/architecture.md`
//! draws the layers).
//!
//! | layer | modules | what it holds |
//! |---|---|---|
//! | values | [`value`] ([`time`]) | free-form values (`JsonValue`, `AnyValue`), date-times, durations |
//! | messages | [`messages`] ([`model`], [`enums`]) | one plain struct per message, named after its `type` tag; the union machinery |
//! | unions | [`union`] ([`groups`], [`channels`], [`request`]) | each request in exactly one access group, per-process channels, the reply type of every request |
//! | codecs | [`codec`] ([`decode`], [`frame`], [`limits`]) | JSON and msgpack frames, typed errors, resource bounds, the tokio adapter (feature `tokio`) |
//! | peers | [`peer`] ([`client`], [`dispatch`], [`policy`], [`dynamic`], [`pipeline`]) | the process side, the supervisor side, run-time narrowing, channels chosen by name |
//! | products | [`schema`], [`bundle`] | JSON Schemas generated from the channel types; executable bundles (bundle-spec 1.0) |
//!
//! The `airflow-comms` command line (the `cli/` package) is built on the public API only.
//! Features: `tokio` (async codecs and client), `arbitrary` (arbitrary values of every message,
//! for property tests and fuzzing).
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
// `tests/layers.rs` fails when one does not). `docs/architecture.md` draws them.
pub mod value;
#[macro_use]
pub mod messages;
#[macro_use]
pub mod union;
pub mod bundle;
pub mod codec;
pub mod peer;
pub mod schema;

pub use codec::{decode, frame, limits};

/// Hooks for the crate's own tests and fuzz targets, not part of the API: no stability promise.
/// They reach the scan-then-decode path alone, so that the speculative decoders can be compared
/// with it in release builds too (see the `codec::speculate` module's header).
#[doc(hidden)]
pub mod __private {
    pub use crate::codec::speculate::{
        decodes_msgpack_message_without_a_scan, decodes_msgpack_without_a_scan,
        decodes_request_without_a_scan, scan_then_decode_msgpack, scan_then_decode_msgpack_message,
        scan_then_decode_request,
    };
}
pub use messages::{enums, model};
pub use peer::{client, dispatch, dynamic, pipeline, policy};
pub use union::{channels, groups, request};
pub use value::time;

pub use channels::{
    CallbackToSupervisor, Channel, ChannelName, DagProcessorToManager, Direction, RequestChannel,
    TaskToSupervisor, ToDagProcessor, ToTask, ToTriggerRunner, TriggerToSupervisor, UnknownChannel,
};
pub use decode::{
    DecodeError, DecodeErrorKind, UnknownTag, decode_json, decode_msgpack, decode_value,
};
pub use dynamic::{DecodedFrame, EncodeError, JsonMessage};
pub use enums::*;
pub use frame::{FrameError, FrameId, FrameReader, FrameWriter, RequestFrame, ResponseFrame};
pub use groups::{
    DagParsingRequests, HITLRequests, LoggingRequests, OrchestrationRequests, ReadRequests,
    TaskLifecycleRequests, TaskMetadataRequests, TriggerLifecycleRequests, WriteRequests,
};
pub use limits::Limits;
pub use messages::callback::*;
pub use messages::dag_processor::*;
pub use messages::hitl::*;
pub use messages::lifecycle::*;
pub use messages::logging::*;
pub use messages::metadata::*;
pub use messages::nested::*;
pub use messages::orchestration::*;
pub use messages::read::*;
pub use messages::responses::*;
pub use messages::trigger::*;
pub use messages::write::*;
pub use model::{ExtraFields, Message, Model};
pub use time::{
    AwareDateTime, NaiveDateTime, NaiveOrAwareDateTime, ParseTimeError, TimeDelta, UtcDateTime,
};
pub use union::Union;
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
