//! Channels: what each kind of process may send its supervisor, and what it is sent back.
//!
//! A channel is built from whole [groups](crate::groups) and single messages, and permits
//! exactly what Airflow's own union for that process permits. Sending a message the channel does
//! not permit is a compile error (there is no `From` impl) and, on the wire, a
//! [`DecodeError::NotPermitted`].

use crate::decode::{DecodeError, decode_json};
use crate::groups::*;
use crate::messages::dag_processor::{DagFileParseRequest, DagFileParsingResult};
use crate::messages::hitl::*;
use crate::messages::lifecycle::*;
use crate::messages::logging::*;
use crate::messages::metadata::*;
use crate::messages::orchestration::*;
use crate::messages::read::*;
use crate::messages::responses::*;
use crate::messages::trigger::*;
use crate::messages::write::*;
use crate::union::Union;

/// A channel: a union of messages one side of a process pair may send.
pub trait Channel: Union {
    /// The short name used on the command line and in the permission matrix (`"callback"`).
    const SHORT_NAME: &'static str;
    /// The Airflow union this channel mirrors (`"ToSupervisor"`).
    const AIRFLOW_UNION: &'static str;
}

/// Defines a channel from whole groups and single messages. The members of each group are
/// collected through the group's helper macro (see `group!`), one group at a time.
macro_rules! channel {
    (
        $(#[$attr:meta])*
        pub enum $name:ident ($short:literal, mirrors $airflow:literal) {
            groups: [$($group:ident),* $(,)?],
            messages: [$($message:ident),* $(,)?] $(,)?
        }
    ) => {
        channel!(@collect { [$(#[$attr])*] $name $short $airflow [$($group),*] } [$($group)*] [$($message,)*]);
    };
    (@collect $header:tt [$next:ident $($rest:ident)*] [$($acc:ident,)*]) => {
        $next! { channel { @collect $header [$($rest)*] } [$($acc,)*] }
    };
    (@collect { [$($attr:tt)*] $name:ident $short:literal $airflow:literal [$($group:ident),*] } [] [$($member:ident,)*]) => {
        $crate::tagged_union! { $($attr)* pub enum $name { $($member),* } }

        $( impl From<$group> for $name {
            fn from(group: $group) -> Self {
                group.into_union()
            }
        } )*

        impl Channel for $name {
            const SHORT_NAME: &'static str = $short;
            const AIRFLOW_UNION: &'static str = $airflow;
        }
    };
}

channel! {
    /// Requests a task runner sends its supervisor: Airflow's `ToSupervisor`, the seven task
    /// groups.
    pub enum TaskToSupervisor ("task", mirrors "airflow.sdk.execution_time.comms.ToSupervisor") {
        groups: [
            ReadRequests, WriteRequests, LoggingRequests, TaskLifecycleRequests,
            TaskMetadataRequests, OrchestrationRequests, HITLRequests,
        ],
        messages: [],
    }
}

channel! {
    /// Requests a callback process (a DAG or task callback run by an executor) sends its
    /// supervisor: Airflow's `CallbackToSupervisor`. Read-only access to connections and
    /// variables, plus secrets masking.
    pub enum CallbackToSupervisor ("callback", mirrors "airflow.sdk.execution_time.callback_supervisor.CallbackToSupervisor") {
        groups: [],
        messages: [GetConnection, GetVariable, GetVariableKeys, MaskSecret],
    }
}

channel! {
    /// Requests the trigger runner sends the triggerer: Airflow's `ToTriggerSupervisor`.
    pub enum TriggerToSupervisor ("trigger", mirrors "airflow.jobs.triggerer_job_runner.ToTriggerSupervisor") {
        groups: [TriggerLifecycleRequests],
        messages: [
            GetConnection, DeleteVariable, GetVariable, GetVariableKeys, PutVariable, DeleteXCom,
            GetXCom, SetXCom, GetTICount, GetTaskStates, ClearAssetStateStoreByName,
            ClearAssetStateStoreByUri, DeleteAssetStateStoreByName, DeleteAssetStateStoreByUri,
            GetAssetStateStoreByName, GetAssetStateStoreByUri, SetAssetStateStoreByName,
            SetAssetStateStoreByUri, GetDagRunState, GetDRCount, GetPreviousTI,
            GetHITLDetailResponse, UpdateHITLDetail, MaskSecret,
        ],
    }
}

channel! {
    /// Requests a DAG-file processor sends the DAG processor manager: Airflow's `ToManager`.
    pub enum DagProcessorToManager ("dag-processor", mirrors "airflow.dag_processing.processor.ToManager") {
        groups: [DagParsingRequests],
        messages: [
            GetConnection, GetVariable, GetVariableKeys, PutVariable, GetTaskStates, GetTICount,
            DeleteVariable, GetPrevSuccessfulDagRun, GetPreviousDagRun, GetPreviousTI, GetXCom,
            GetXComCount, GetXComSequenceItem, GetXComSequenceSlice, MaskSecret,
        ],
    }
}

channel! {
    /// What a supervisor sends a task runner or a callback process: Airflow's `ToTask`. Replies,
    /// plus the unsolicited [`StartupDetails`] that starts a task.
    pub enum ToTask ("to-task", mirrors "airflow.sdk.execution_time.comms.ToTask") {
        groups: [],
        messages: [
            AssetResult, AssetsByAliasResult, AssetEventsResult, AssetStateStoreResult,
            ConnectionResult, DagRunResult, DagRunStateResult, DRCount, DagResult, ErrorResponse,
            PrevSuccessfulDagRunResult, PreviousTIResult, SentFDs, StartupDetails,
            TaskRescheduleStartDate, TaskStateStoreResult, TICount, TaskBreadcrumbsResult,
            TaskStatesResult, VariableResult, VariableKeysResult, XComCountResponse, XComResult,
            XComSequenceIndexResult, XComSequenceSliceResult, InactiveAssetsResult,
            CreateHITLDetailPayload, HITLDetailRequestResult, OKResponse, PreviousDagRunResult,
        ],
    }
}

channel! {
    /// What the triggerer sends its trigger runner: Airflow's `ToTriggerRunner`.
    pub enum ToTriggerRunner ("to-trigger-runner", mirrors "airflow.jobs.triggerer_job_runner.ToTriggerRunner") {
        groups: [],
        messages: [
            StartTriggerer, TriggerStateSync, ConnectionResult, VariableResult, VariableKeysResult,
            XComResult, DagRunStateResult, DRCount, TICount, TaskStatesResult,
            AssetStateStoreResult, HITLDetailResponseResult, ErrorResponse, OKResponse,
        ],
    }
}

channel! {
    /// What the DAG processor manager sends a DAG-file processor: Airflow's `ToDagProcessor`.
    pub enum ToDagProcessor ("to-dag-processor", mirrors "airflow.dag_processing.processor.ToDagProcessor") {
        groups: [],
        messages: [
            DagFileParseRequest, ConnectionResult, VariableResult, VariableKeysResult,
            TaskStatesResult, PreviousDagRunResult, PreviousTIResult, PrevSuccessfulDagRunResult,
            ErrorResponse, OKResponse, XComCountResponse, XComResult, XComSequenceIndexResult,
            XComSequenceSliceResult,
        ],
    }
}

/// Lists the channels once: generates [`ChannelName`], [`CHANNELS`] and the by-name dispatch.
macro_rules! channel_registry {
    ($($channel:ident),* $(,)?) => {
        /// A channel chosen at run time, by its short name (`"callback"`) or Rust name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ChannelName {
            $( #[doc = concat!("[`", stringify!($channel), "`]")] $channel, )*
        }

        impl ChannelName {
            /// Every channel: the four request channels, then the three reply directions.
            pub const ALL: &'static [ChannelName] = &[$(Self::$channel),*];

            /// The short name (`"task"`, `"to-task"`, ...).
            pub fn short_name(self) -> &'static str {
                match self { $( Self::$channel => $channel::SHORT_NAME, )* }
            }

            /// The Rust type name (`"TaskToSupervisor"`).
            pub fn type_name(self) -> &'static str {
                match self { $( Self::$channel => $channel::NAME, )* }
            }

            /// The Airflow union the channel mirrors.
            pub fn airflow_union(self) -> &'static str {
                match self { $( Self::$channel => $channel::AIRFLOW_UNION, )* }
            }

            /// The type tags the channel permits.
            pub fn permitted_types(self) -> &'static [&'static str] {
                match self { $( Self::$channel => $channel::TYPES, )* }
            }

            /// Decodes one JSON message with this channel and writes it back as compact JSON text
            /// in canonical form (what `model_dump(mode="json", by_alias=True)` gives).
            pub fn canonicalize_json(self, text: &str) -> Result<String, DecodeError> {
                fn canonical<C: Channel + serde::Serialize>(text: &str) -> Result<String, DecodeError> {
                    let message = decode_json::<C>(text)?;
                    serde_json::to_string(&message).map_err(|err| DecodeError::Malformed {
                        channel: C::NAME,
                        reason: format!("the decoded message could not be written back: {err}"),
                    })
                }
                match self { $( Self::$channel => canonical::<$channel>(text), )* }
            }
        }

        /// Every channel as (short name, Rust name, permitted type tags).
        pub const CHANNELS: &[(&str, &str, &[&str])] = &[
            $( ($channel::SHORT_NAME, $channel::NAME, $channel::TYPES), )*
        ];
    };
}

channel_registry! {
    TaskToSupervisor, CallbackToSupervisor, TriggerToSupervisor, DagProcessorToManager,
    ToTask, ToTriggerRunner, ToDagProcessor,
}

impl std::fmt::Display for ChannelName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.short_name())
    }
}

/// The error of parsing a [`ChannelName`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownChannel(pub String);

impl std::fmt::Display for UnknownChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown channel `{}`; expected one of:", self.0)?;
        for (i, channel) in ChannelName::ALL.iter().enumerate() {
            write!(f, "{} {channel}", if i == 0 { "" } else { "," })?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownChannel {}

impl std::str::FromStr for ChannelName {
    type Err = UnknownChannel;
    /// Accepts the short name (`"dag-processor"`) or the Rust name (`"DagProcessorToManager"`).
    fn from_str(s: &str) -> Result<Self, UnknownChannel> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.short_name() == s || c.type_name() == s)
            .ok_or_else(|| UnknownChannel(s.to_owned()))
    }
}

/// Whether `type_tag` names a message of any channel, in either direction.
pub fn is_airflow_message_type(type_tag: &str) -> bool {
    CHANNELS
        .iter()
        .any(|(_, _, types)| types.contains(&type_tag))
}
