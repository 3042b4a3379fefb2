//! Channels: what each kind of process may send its supervisor, and what it is sent back.
//!
//! A channel is built from whole [groups](crate::union::groups) and single messages, and permits
//! exactly what Airflow's own union for that process permits. Sending a message the channel does
//! not permit is a compile error (there is no `From` impl) and, on the wire, a
//! [`DecodeError::NotPermitted`](crate::codec::decode::DecodeError::NotPermitted).

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
use crate::union::groups::*;
use serde::Serialize;

use crate::union::Union;

/// A channel: a union of messages one side of a process pair may send.
pub trait Channel: Union {
    /// The short name used on the command line and in the permission matrix (`"callback"`).
    const SHORT_NAME: &'static str;
    /// The Airflow union this channel mirrors (`"ToSupervisor"`).
    const AIRFLOW_UNION: &'static str;
    /// Which way the channel's messages travel.
    const DIRECTION: Direction;
}

/// A channel of requests from a child process to its supervisor.
pub trait RequestChannel: Channel {
    /// What the supervisor answers with (and sends unprompted, such as `StartupDetails`).
    type Replies: Channel;
}

/// Which way a channel's messages travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Requests from a child process to its supervisor, in request frames.
    ToSupervisor,
    /// Replies and commands from a supervisor to its child, in response frames.
    FromSupervisor,
}

/// Defines a channel from whole groups and single messages. The members of each group are
/// collected through the group's helper macro (see `group!`), one group at a time.
macro_rules! channel {
    (
        $d:tt
        $(#[doc = $doc:literal])*
        pub enum $name:ident ($short:literal, mirrors $airflow:literal $(, replied with $replies:ident)?) {
            groups: [$($group:ident),* $(,)?],
            messages: [$($message:ident),* $(,)?] $(,)?
        }
    ) => {
        channel!(@collect { $d [$(#[doc = $doc])*] $name $short $airflow [$($replies)?] [$($group),*] } [$($group)*] [$($message,)*]);
    };
    (@collect $header:tt [$next:ident $($rest:ident)*] [$($acc:ident,)*]) => {
        $next! { channel { @collect $header [$($rest)*] } [$($acc,)*] }
    };
    (@collect { $d:tt [$($attr:tt)*] $name:ident $short:literal $airflow:literal [$($replies:ident)?] [$($group:ident),*] } [] [$($member:ident,)*]) => {
        tagged_union! { $($attr)* pub enum $name { $($member),* } }

        $( impl From<$group> for $name {
            fn from(group: $group) -> Self {
                group.into_union()
            }
        } )*

        impl Channel for $name {
            const SHORT_NAME: &'static str = $short;
            const AIRFLOW_UNION: &'static str = $airflow;
            const DIRECTION: Direction = channel!(@direction $($replies)?);
        }

        $( impl RequestChannel for $name {
            type Replies = $replies;
        } )?

        /// Hands the channel's name and members to `callback!` (used by `dispatch`).
        #[doc(hidden)]
        #[allow(unused_macros)]
        macro_rules! $name {
            ($d callback:ident) => {
                $d callback! { $name: $($member),* }
            };
        }
    };
    (@direction $replies:ident) => { Direction::ToSupervisor };
    (@direction) => { Direction::FromSupervisor };
}

channel! {$
    /// Requests a task runner sends its supervisor: Airflow's `ToSupervisor`, the seven task
    /// groups.
    pub enum TaskToSupervisor ("task", mirrors "airflow.sdk.execution_time.comms.ToSupervisor", replied with ToTask) {
        groups: [
            ReadRequests, WriteRequests, LoggingRequests, TaskLifecycleRequests,
            TaskMetadataRequests, OrchestrationRequests, HITLRequests,
        ],
        messages: [],
    }
}

channel! {$
    /// Requests a callback process (a DAG or task callback run by an executor) sends its
    /// supervisor: Airflow's `CallbackToSupervisor`. Read-only access to connections and
    /// variables, plus secrets masking.
    pub enum CallbackToSupervisor ("callback", mirrors "airflow.sdk.execution_time.callback_supervisor.CallbackToSupervisor", replied with ToTask) {
        groups: [],
        messages: [GetConnection, GetVariable, GetVariableKeys, MaskSecret],
    }
}

channel! {$
    /// Requests the trigger runner sends the triggerer: Airflow's `ToTriggerSupervisor`.
    pub enum TriggerToSupervisor ("trigger", mirrors "airflow.jobs.triggerer_job_runner.ToTriggerSupervisor", replied with ToTriggerRunner) {
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

channel! {$
    /// Requests a DAG-file processor sends the DAG processor manager: Airflow's `ToManager`.
    pub enum DagProcessorToManager ("dag-processor", mirrors "airflow.dag_processing.processor.ToManager", replied with ToDagProcessor) {
        groups: [DagParsingRequests],
        messages: [
            GetConnection, GetVariable, GetVariableKeys, PutVariable, GetTaskStates, GetTICount,
            DeleteVariable, GetPrevSuccessfulDagRun, GetPreviousDagRun, GetPreviousTI, GetXCom,
            GetXComCount, GetXComSequenceItem, GetXComSequenceSlice, MaskSecret,
        ],
    }
}

channel! {$
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

channel! {$
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

channel! {$
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

/// Something to do with a channel chosen at run time: [`ChannelName::visit`] calls the method
/// for the channel's direction with the channel's type.
pub trait ChannelVisitor {
    /// What the visit returns.
    type Output;
    /// Called for a request channel (`task`, `callback`, `trigger`, `dag-processor`).
    fn requests<C: RequestChannel + Serialize + Clone>(self) -> Self::Output;
    /// Called for a reply direction (`to-task`, `to-trigger-runner`, `to-dag-processor`).
    fn replies<U: Channel + Serialize + Clone>(self) -> Self::Output;
}

/// Lists the channels once: generates [`ChannelName`], [`CHANNELS`] and the by-name dispatch.
macro_rules! channel_registry {
    (requests: [$($request:ident),* $(,)?], replies: [$($reply:ident),* $(,)?] $(,)?) => {
        /// A channel chosen at run time, by its short name (`"callback"`) or Rust name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ChannelName {
            $( #[doc = concat!("[`", stringify!($request), "`]")] $request, )*
            $( #[doc = concat!("[`", stringify!($reply), "`]")] $reply, )*
        }

        impl ChannelName {
            /// Every channel: the four request channels, then the three reply directions.
            pub const ALL: &'static [ChannelName] = &[$(Self::$request,)* $(Self::$reply,)*];

            /// Calls `visitor` with this channel's type.
            pub fn visit<V: ChannelVisitor>(self, visitor: V) -> V::Output {
                match self {
                    $( Self::$request => visitor.requests::<$request>(), )*
                    $( Self::$reply => visitor.replies::<$reply>(), )*
                }
            }

            fn channel_const<T>(self, get: fn(&'static str, &'static str, &'static str, &'static [&'static str]) -> T) -> T {
                match self {
                    $( Self::$request => get($request::SHORT_NAME, $request::NAME, $request::AIRFLOW_UNION, $request::TYPES), )*
                    $( Self::$reply => get($reply::SHORT_NAME, $reply::NAME, $reply::AIRFLOW_UNION, $reply::TYPES), )*
                }
            }
        }

        /// Every channel as (short name, Rust name, permitted type tags).
        pub const CHANNELS: &[(&str, &str, &[&str])] = &[
            $( ($request::SHORT_NAME, $request::NAME, $request::TYPES), )*
            $( ($reply::SHORT_NAME, $reply::NAME, $reply::TYPES), )*
        ];
    };
}

channel_registry! {
    requests: [TaskToSupervisor, CallbackToSupervisor, TriggerToSupervisor, DagProcessorToManager],
    replies: [ToTask, ToTriggerRunner, ToDagProcessor],
}

impl ChannelName {
    /// The short name (`"task"`, `"to-task"`, ...).
    pub fn short_name(self) -> &'static str {
        self.channel_const(|short, _, _, _| short)
    }

    /// The Rust type name (`"TaskToSupervisor"`).
    pub fn type_name(self) -> &'static str {
        self.channel_const(|_, name, _, _| name)
    }

    /// The Airflow union the channel mirrors.
    pub fn airflow_union(self) -> &'static str {
        self.channel_const(|_, _, airflow, _| airflow)
    }

    /// The type tags the channel permits.
    pub fn permitted_types(self) -> &'static [&'static str] {
        self.channel_const(|_, _, _, types| types)
    }

    /// Which way the channel's messages travel.
    pub fn direction(self) -> Direction {
        struct Dir;
        impl ChannelVisitor for Dir {
            type Output = Direction;
            fn requests<C: RequestChannel>(self) -> Direction {
                C::DIRECTION
            }
            fn replies<U: Channel>(self) -> Direction {
                U::DIRECTION
            }
        }
        self.visit(Dir)
    }

    /// For a request channel, the reply direction its supervisor answers on.
    pub fn replies(self) -> Option<ChannelName> {
        struct Replies;
        impl ChannelVisitor for Replies {
            type Output = Option<ChannelName>;
            fn requests<C: RequestChannel>(self) -> Option<ChannelName> {
                <C::Replies as Union>::NAME.parse().ok()
            }
            fn replies<U: Channel>(self) -> Option<ChannelName> {
                None
            }
        }
        self.visit(Replies)
    }
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

/// One row of the permission matrix: a message type, its group, and the channels that carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionRow {
    /// The message type.
    pub type_tag: &'static str,
    /// Its group, for a request; `None` for a reply or command from a supervisor.
    pub group: Option<&'static str>,
    /// For each channel of [`ChannelName::ALL`], in that order, whether it carries the type.
    pub permitted: Vec<bool>,
}

/// The message type × channel matrix, derived from the channel and group definitions: requests
/// first, by group, then replies, each type once.
pub fn permission_matrix() -> Vec<PermissionRow> {
    let mut types: Vec<&'static str> = crate::union::groups::GROUPS
        .iter()
        .flat_map(|(_, types)| types.iter().copied())
        .collect();
    for (_, _, channel_types) in CHANNELS {
        for t in *channel_types {
            if !types.contains(t) {
                types.push(t);
            }
        }
    }
    types
        .into_iter()
        .map(|type_tag| PermissionRow {
            type_tag,
            group: crate::union::groups::group_of(type_tag),
            permitted: ChannelName::ALL
                .iter()
                .map(|c| c.permitted_types().contains(&type_tag))
                .collect(),
        })
        .collect()
}
