//! Groups: every request a child process can send, sorted by access level. Each message is in
//! exactly one group, and this file is the one place that says which.
//!
//! The seven task groups together are exactly Airflow's `ToSupervisor` union. The other
//! processes get the trigger and DAG-processor groups, and channels built from whole groups and
//! single messages ([`channels`](crate::union::channels)).

use crate::messages::dag_processor::DagFileParsingResult;
use crate::messages::hitl::{CreateHITLDetailPayload, GetHITLDetailResponse, UpdateHITLDetail};
use crate::messages::lifecycle::{
    AwaitInputTask, DeferTask, RescheduleTask, RetryTask, SkipDownstreamTasks, SucceedTask,
    TaskState,
};
use crate::messages::logging::{MaskSecret, ResendLoggingFD};
use crate::messages::metadata::{SetRenderedFields, SetRenderedMapIndex, ValidateInletsAndOutlets};
use crate::messages::orchestration::TriggerDagRun;
use crate::messages::read::*;
use crate::messages::trigger::TriggerStateChanges;
use crate::messages::write::*;
use crate::union::{Union, UnionVisitor};

/// Defines a group: a [`tagged_union!`](crate::tagged_union) of its members, a conversion into
/// any union that permits all of them, and a same-named helper macro that hands the member list
/// to [`channel!`](crate::union::channels) (so a channel built from whole groups never lists their
/// members again). The leading `$` is passed in so the helper macro can have metavariables.
macro_rules! group {
    ($d:tt $(#[doc = $doc:literal])* pub enum $name:ident { $($member:ident),* $(,)? }) => {
        tagged_union! { $(#[doc = $doc])* pub enum $name { $($member),* } }

        impl $name {
            /// Converts this message into any union (a channel) that permits every member.
            pub fn into_union<U>(self) -> U
            where
                $($member: Into<U>,)*
            {
                match self {
                    $( Self::$member(message) => message.into(), )*
                }
            }
        }

        #[doc(hidden)]
        #[allow(unused_macros)]
        macro_rules! $name {
            ($d callback:ident { $d ($d args:tt)* } [$d ($d acc:ident,)*]) => {
                $d callback! { $d ($d args)* [$d ($d acc,)* $($member,)*] }
            };
        }
    };
}

group! {$
    /// Reads: connections, variables, XComs, assets and their events, DAG runs, task instances,
    /// state stores. Every `Get*` request except `GetHITLDetailResponse`.
    pub enum ReadRequests {
        GetAssetByName, GetAssetByUri, GetAssetEventByAsset, GetAssetEventByAssetAlias,
        GetAssetStateStoreByName, GetAssetStateStoreByUri, GetAssetsByAlias, GetConnection,
        GetDRCount, GetDag, GetDagRun, GetDagRunState, GetPrevSuccessfulDagRun, GetPreviousDagRun,
        GetPreviousTI, GetTICount, GetTaskBreadcrumbs, GetTaskRescheduleStartDate,
        GetTaskStateStore, GetTaskStates, GetVariable, GetVariableKeys, GetXCom, GetXComCount,
        GetXComSequenceItem, GetXComSequenceSlice,
    }
}

group! {$
    /// Writes: XComs, variables, and the task and asset state stores.
    pub enum WriteRequests {
        ClearAssetStateStoreByName, ClearAssetStateStoreByUri, ClearTaskStateStore,
        DeleteAssetStateStoreByName, DeleteAssetStateStoreByUri, DeleteTaskStateStore,
        DeleteVariable, DeleteXCom, PutVariable, SetAssetStateStoreByName,
        SetAssetStateStoreByUri, SetTaskStateStore, SetXCom,
    }
}

group! {$
    /// Logging: secrets masking and the structured-log socket.
    pub enum LoggingRequests { MaskSecret, ResendLoggingFD }
}

group! {$
    /// The task's own lifecycle: how it ended, deferred or paused.
    pub enum TaskLifecycleRequests {
        TaskState, SucceedTask, DeferTask, RetryTask, RescheduleTask, SkipDownstreamTasks,
        AwaitInputTask,
    }
}

group! {$
    /// Metadata the task records about itself.
    pub enum TaskMetadataRequests { SetRenderedFields, SetRenderedMapIndex, ValidateInletsAndOutlets }
}

group! {$
    /// Starting other DAG runs.
    pub enum OrchestrationRequests { TriggerDagRun }
}

group! {$
    /// Human-in-the-loop: creating, answering and reading requests for human input.
    pub enum HITLRequests { CreateHITLDetailPayload, UpdateHITLDetail, GetHITLDetailResponse }
}

group! {$
    /// The trigger runner's periodic report of fired events, failures and finished triggers.
    pub enum TriggerLifecycleRequests { TriggerStateChanges }
}

group! {$
    /// The DAG processor's result of parsing one DAG file.
    pub enum DagParsingRequests { DagFileParsingResult }
}

/// Lists the groups once: generates [`GROUPS`] and [`visit_groups`].
macro_rules! group_registry {
    ($($group:ident),* $(,)?) => {
        /// Every group, by name, with its members' type tags: the data behind the permission
        /// matrix.
        pub const GROUPS: &[(&str, &[&str])] = &[$(($group::NAME, $group::TYPES)),*];

        /// Calls `visitor` with every group type, in the order of [`GROUPS`].
        pub fn visit_groups(visitor: &mut impl UnionVisitor) {
            $( visitor.visit::<$group>(); )*
        }
    };
}

group_registry! {
    ReadRequests, WriteRequests, LoggingRequests, TaskLifecycleRequests, TaskMetadataRequests,
    OrchestrationRequests, HITLRequests, TriggerLifecycleRequests, DagParsingRequests,
}

/// The name of the group a request type belongs to, or `None` for a type that is no request.
pub fn group_of(type_tag: &str) -> Option<&'static str> {
    GROUPS
        .iter()
        .find(|(_, types)| types.contains(&type_tag))
        .map(|(name, _)| *name)
}
