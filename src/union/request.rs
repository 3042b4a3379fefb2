//! What each request is answered with: the [`Request`] trait, one response type per request.
//!
//! The pairing is what Airflow's supervisors actually answer (the task supervisor, the callback
//! supervisor, the triggerer and the DAG processor manager all agree per request type): e.g.
//! `GetConnection` gets a [`ConnectionResult`], or an [`ErrorResponse`] body when the connection
//! does not exist or access is denied ([`ConnectionReply`]); `SetXCom` gets an empty reply (`()`);
//! `TriggerStateChanges` gets a [`TriggerStateSync`]. A failure of the supervisor itself comes in
//! the frame's error slot, which the typed client turns into an error, whatever the request.
//!
//! ```
//! use airflow_comms::request::{ConnectionReply, Request};
//! use airflow_comms::{GetConnection, SetXCom, TriggerStateChanges, TriggerStateSync};
//!
//! fn reply_of<R: Request>() -> &'static [&'static str] {
//!     <R::Response as airflow_comms::request::Reply>::TYPES
//! }
//! assert_eq!(reply_of::<GetConnection>(), ["ConnectionResult", "ErrorResponse"]);
//! assert!(reply_of::<SetXCom>().is_empty()); // an empty reply
//! assert_eq!(reply_of::<TriggerStateChanges>(), ["TriggerStateSync"]);
//! # let _: Option<ConnectionReply> = None; let _: Option<TriggerStateSync> = None;
//! ```

use std::fmt;

use crate::messages::dag_processor::DagFileParsingResult;
use crate::messages::hitl::*;
use crate::messages::lifecycle::*;
use crate::messages::logging::*;
use crate::messages::metadata::*;
use crate::messages::model::Message;
use crate::messages::orchestration::*;
use crate::messages::read::*;
use crate::messages::responses::*;
use crate::messages::trigger::*;
use crate::messages::write::*;
use crate::union::Union;

/// A request, with the type of its reply.
pub trait Request: Message {
    /// What the supervisor answers with.
    type Response: Reply;
}

/// A reply body, typed by the request it answers: `()` for an empty reply, a message, or a
/// union of the messages a request may be answered with.
///
/// Reading and writing reply frames is the codecs' part: see
/// [`ReplyFrames`](crate::codec::frame::ReplyFrames), which every `Reply` implements.
pub trait Reply: Sized + fmt::Debug + Clone + PartialEq + crate::messages::model::Sealed {
    /// The message types the body may carry; empty for an empty reply.
    const TYPES: &'static [&'static str];

    /// What a response frame carrying this reply holds in its body slot.
    #[doc(hidden)]
    type Body: serde::Serialize;

    /// The body a response frame carries for this reply (`None` for an empty reply).
    #[doc(hidden)]
    fn body(&self) -> Option<&Self::Body>;

    /// Reads the reply from the body of a response frame (`None` for an empty body) with a
    /// codec's `reader`.
    #[doc(hidden)]
    fn read<R: ReplyReader>(body: Option<&[u8]>, reader: R) -> Result<Self, R::Error>;
}

/// What a [`Reply`] needs of a codec to read itself: decoding a body as one message or as a
/// union, and the errors for a body that is missing or should not be there. Implemented by the
/// codec layer, so that the pairing of requests and replies does not depend on it.
#[doc(hidden)]
pub trait ReplyReader: crate::messages::model::Sealed {
    /// The codec's decode error.
    type Error;
    /// Decodes `body` as message `M`.
    fn message<M: Message>(self, body: &[u8]) -> Result<M, Self::Error>;
    /// Decodes `body` as a member of union `U`.
    fn union<U: Union>(self, body: &[u8]) -> Result<U, Self::Error>;
    /// The error of an empty body where a reply of type `expected` was due.
    fn missing_body(self, expected: &'static str) -> Self::Error;
    /// The error of a body where an empty reply was due.
    fn unexpected_body(self) -> Self::Error;
}

impl crate::messages::model::Sealed for () {}

impl Reply for () {
    const TYPES: &'static [&'static str] = &[];
    type Body = ();

    fn body(&self) -> Option<&()> {
        None
    }

    fn read<R: ReplyReader>(body: Option<&[u8]>, reader: R) -> Result<Self, R::Error> {
        match body {
            None => Ok(()),
            Some(_) => Err(reader.unexpected_body()),
        }
    }
}

impl crate::messages::model::Sealed for Option<SentFDs> {}

impl Reply for Option<SentFDs> {
    const TYPES: &'static [&'static str] = &["SentFDs"];
    type Body = SentFDs;

    fn body(&self) -> Option<&SentFDs> {
        self.as_ref()
    }

    /// Empty on a platform without descriptor passing, as Airflow's supervisor answers there.
    fn read<R: ReplyReader>(body: Option<&[u8]>, reader: R) -> Result<Self, R::Error> {
        body.map(|body| reader.message::<SentFDs>(body)).transpose()
    }
}

/// Implements [`Reply`] for messages that are a whole reply.
macro_rules! message_reply {
    ($($message:ident),* $(,)?) => {$(
        impl Reply for $message {
            const TYPES: &'static [&'static str] = &[<$message as Message>::TYPE];

            type Body = Self;

            fn body(&self) -> Option<&Self> {
                Some(self)
            }

            fn read<R: ReplyReader>(body: Option<&[u8]>, reader: R) -> Result<Self, R::Error> {
                match body {
                    Some(body) => reader.message::<$message>(body),
                    None => Err(reader.missing_body(<$message as Message>::TYPE)),
                }
            }
        }
    )*};
}

message_reply! {
    OKResponse, HITLDetailRequestResult, HITLDetailResponseResult, AssetEventsResult,
    AssetsByAliasResult, DRCount, DagResult, DagRunResult, DagRunStateResult,
    PrevSuccessfulDagRunResult, PreviousDagRunResult, PreviousTIResult, TICount,
    TaskBreadcrumbsResult, TaskRescheduleStartDate, TaskStatesResult, VariableKeysResult,
    XComResult, XComCountResponse, XComSequenceSliceResult, InactiveAssetsResult,
    TriggerStateSync,
}

/// Defines a union of the messages a request may be answered with, and its [`Reply`].
macro_rules! reply_union {
    ($($(#[doc = $doc:literal])* pub enum $name:ident { $($member:ident),* $(,)? })*) => {$(
        tagged_union! { $(#[doc = $doc])* pub enum $name { $($member),* } }

        impl Reply for $name {
            const TYPES: &'static [&'static str] = <$name as Union>::TYPES;

            type Body = Self;

            fn body(&self) -> Option<&Self> {
                Some(self)
            }

            fn read<R: ReplyReader>(body: Option<&[u8]>, reader: R) -> Result<Self, R::Error> {
                match body {
                    Some(body) => reader.union::<$name>(body),
                    None => Err(reader.missing_body(stringify!($name))),
                }
            }
        }
    )*};
}

reply_union! {
    /// The reply to `GetConnection`: the connection, or an `ErrorResponse` body with
    /// `CONNECTION_NOT_FOUND` or `PERMISSION_DENIED`.
    pub enum ConnectionReply { ConnectionResult, ErrorResponse }

    /// The reply to `GetVariable`: the variable, or an `ErrorResponse` body with
    /// `VARIABLE_NOT_FOUND` or `PERMISSION_DENIED`.
    pub enum VariableReply { VariableResult, ErrorResponse }

    /// The reply to `GetAssetByName` / `GetAssetByUri`: the asset, or an `ErrorResponse` body with
    /// `ASSET_NOT_FOUND`.
    pub enum AssetReply { AssetResult, ErrorResponse }

    /// The reply to a read of the asset state store: the value, or an `ErrorResponse` body with
    /// `ASSET_STORE_NOT_FOUND`.
    pub enum AssetStateStoreReply { AssetStateStoreResult, ErrorResponse }

    /// The reply to `GetTaskStateStore`: the value, or an `ErrorResponse` body with
    /// `TASK_STORE_NOT_FOUND`.
    pub enum TaskStateStoreReply { TaskStateStoreResult, ErrorResponse }

    /// The reply to `GetXComSequenceItem`: the item, or an `ErrorResponse` body with
    /// `XCOM_NOT_FOUND`.
    pub enum XComSequenceItemReply { XComSequenceIndexResult, ErrorResponse }

    /// The reply to `TriggerDagRun`: `OKResponse`, or an `ErrorResponse` body with
    /// `DAGRUN_ALREADY_EXISTS`.
    pub enum TriggerDagRunReply { OKResponse, ErrorResponse }
}

/// Pairs each request with its reply: the one table of what a supervisor answers.
macro_rules! requests {
    ($($request:ident => $response:ty;)*) => {
        $( impl Request for $request {
            type Response = $response;
        } )*

        /// The message types that may answer request `type_tag` (empty for an empty reply), or
        /// `None` when `type_tag` is no request.
        pub fn reply_types(type_tag: &str) -> Option<&'static [&'static str]> {
            match type_tag {
                $( <$request as Message>::TYPE => Some(<$response as Reply>::TYPES), )*
                _ => None,
            }
        }
    };
}

requests! {
    // Reads.
    GetAssetByName => AssetReply;
    GetAssetByUri => AssetReply;
    GetAssetEventByAsset => AssetEventsResult;
    GetAssetEventByAssetAlias => AssetEventsResult;
    GetAssetStateStoreByName => AssetStateStoreReply;
    GetAssetStateStoreByUri => AssetStateStoreReply;
    GetAssetsByAlias => AssetsByAliasResult;
    GetConnection => ConnectionReply;
    GetDRCount => DRCount;
    GetDag => DagResult;
    GetDagRun => DagRunResult;
    GetDagRunState => DagRunStateResult;
    GetPrevSuccessfulDagRun => PrevSuccessfulDagRunResult;
    GetPreviousDagRun => PreviousDagRunResult;
    GetPreviousTI => PreviousTIResult;
    GetTICount => TICount;
    GetTaskBreadcrumbs => TaskBreadcrumbsResult;
    GetTaskRescheduleStartDate => TaskRescheduleStartDate;
    GetTaskStateStore => TaskStateStoreReply;
    GetTaskStates => TaskStatesResult;
    GetVariable => VariableReply;
    GetVariableKeys => VariableKeysResult;
    // A missing XCom is not an error: the value is null.
    GetXCom => XComResult;
    GetXComCount => XComCountResponse;
    GetXComSequenceItem => XComSequenceItemReply;
    GetXComSequenceSlice => XComSequenceSliceResult;
    // Writes.
    ClearAssetStateStoreByName => OKResponse;
    ClearAssetStateStoreByUri => OKResponse;
    ClearTaskStateStore => OKResponse;
    DeleteAssetStateStoreByName => OKResponse;
    DeleteAssetStateStoreByUri => OKResponse;
    DeleteTaskStateStore => OKResponse;
    DeleteVariable => OKResponse;
    DeleteXCom => ();
    PutVariable => ();
    SetAssetStateStoreByName => OKResponse;
    SetAssetStateStoreByUri => OKResponse;
    SetTaskStateStore => OKResponse;
    SetXCom => ();
    // Logging: `SentFDs` carries the new descriptor as `SCM_RIGHTS` ancillary data.
    MaskSecret => ();
    ResendLoggingFD => Option<SentFDs>;
    // The task's lifecycle and metadata.
    TaskState => ();
    SucceedTask => ();
    DeferTask => ();
    RetryTask => ();
    RescheduleTask => ();
    SkipDownstreamTasks => ();
    AwaitInputTask => ();
    SetRenderedFields => ();
    SetRenderedMapIndex => ();
    ValidateInletsAndOutlets => InactiveAssetsResult;
    TriggerDagRun => TriggerDagRunReply;
    // Human in the loop. The task supervisor of 3.3.2 answers the last two with an error.
    CreateHITLDetailPayload => HITLDetailRequestResult;
    UpdateHITLDetail => HITLDetailResponseResult;
    GetHITLDetailResponse => HITLDetailResponseResult;
    // The trigger runner and the DAG processor.
    TriggerStateChanges => TriggerStateSync;
    DagFileParsingResult => ();
}
