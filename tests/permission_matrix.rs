//! The complete static permission matrix: for every message type and every channel, the
//! compiler is asked whether the channel permits the type (`Permits<M>`, which the typed client
//! requires), and the answer must be exactly whether Airflow's own union for that channel
//! contains the type. The expected matrix comes from `tests/corpus/unions.json`, which the real
//! SDK generated, not from the crate.

use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;

use airflow_comms::Permits;
use airflow_comms::*;

mod common;

/// Asks the compiler whether `C: Permits<M>` (autoref specialization: the first trait applies
/// only when the bound holds, the second, one reference further, always does).
struct Probe<C, M>(PhantomData<(C, M)>);

trait Permitted {
    fn permitted(&self) -> bool {
        true
    }
}
impl<C: Permits<M>, M> Permitted for Probe<C, M> {}

trait NotPermitted {
    fn permitted(&self) -> bool {
        false
    }
}
impl<C, M> NotPermitted for &Probe<C, M> {}

/// Every message type of every channel, probed against every channel.
macro_rules! matrix {
    (channels: [$($channel:ident),*], types: $types:tt) => {{
        let mut matrix: BTreeMap<&'static str, BTreeSet<&'static str>> = BTreeMap::new();
        $( probe_channel!(matrix, $channel, $types); )*
        (matrix, type_names!($types))
    }};
}

macro_rules! probe_channel {
    ($matrix:ident, $channel:ident, [$($message:ident),* $(,)?]) => {
        $( if (&Probe::<$channel, $message>(PhantomData)).permitted() {
            $matrix.entry(<$channel as Union>::NAME).or_default().insert(stringify!($message));
        } )*
    };
}

macro_rules! type_names {
    ([$($message:ident),* $(,)?]) => {
        [$(stringify!($message)),*].into_iter().collect::<BTreeSet<&'static str>>()
    };
}

#[test]
fn the_compile_time_matrix_is_airflows() {
    let (matrix, probed) = matrix! {
        channels: [TaskToSupervisor, CallbackToSupervisor, TriggerToSupervisor, DagProcessorToManager, ToTask, ToTriggerRunner, ToDagProcessor],
        types: [
        AssetEventsResult, AssetResult, AssetStateStoreResult, AssetsByAliasResult, AwaitInputTask, ClearAssetStateStoreByName,
        ClearAssetStateStoreByUri, ClearTaskStateStore, ConnectionResult, CreateHITLDetailPayload, DRCount, DagFileParseRequest,
        DagFileParsingResult, DagResult, DagRunResult, DagRunStateResult, DeferTask, DeleteAssetStateStoreByName,
        DeleteAssetStateStoreByUri, DeleteTaskStateStore, DeleteVariable, DeleteXCom, ErrorResponse, GetAssetByName,
        GetAssetByUri, GetAssetEventByAsset, GetAssetEventByAssetAlias, GetAssetStateStoreByName, GetAssetStateStoreByUri, GetAssetsByAlias,
        GetConnection, GetDRCount, GetDag, GetDagRun, GetDagRunState, GetHITLDetailResponse,
        GetPrevSuccessfulDagRun, GetPreviousDagRun, GetPreviousTI, GetTICount, GetTaskBreadcrumbs, GetTaskRescheduleStartDate,
        GetTaskStateStore, GetTaskStates, GetVariable, GetVariableKeys, GetXCom, GetXComCount,
        GetXComSequenceItem, GetXComSequenceSlice, HITLDetailRequestResult, HITLDetailResponseResult, InactiveAssetsResult, MaskSecret,
        OKResponse, PrevSuccessfulDagRunResult, PreviousDagRunResult, PreviousTIResult, PutVariable, RescheduleTask,
        ResendLoggingFD, RetryTask, SentFDs, SetAssetStateStoreByName, SetAssetStateStoreByUri, SetRenderedFields,
        SetRenderedMapIndex, SetTaskStateStore, SetXCom, SkipDownstreamTasks, StartTriggerer, StartupDetails,
        SucceedTask, TICount, TaskBreadcrumbsResult, TaskRescheduleStartDate, TaskState, TaskStateStoreResult,
        TaskStatesResult, TriggerDagRun, TriggerStateChanges, TriggerStateSync, UpdateHITLDetail, ValidateInletsAndOutlets,
        VariableKeysResult, VariableResult, XComCountResponse, XComResult, XComSequenceIndexResult, XComSequenceSliceResult,
        ]
    };
    let unions = common::read_json("tests/corpus/unions.json");
    let all: BTreeSet<&str> = unions["all_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        probed, all,
        "the probe must cover every message type of every Airflow union"
    );

    let mut pairs = 0;
    for &channel in ChannelName::ALL {
        let expected: BTreeSet<&str> = unions["channels"][channel.short_name()]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let permitted = matrix.get(channel.type_name()).cloned().unwrap_or_default();
        assert_eq!(
            permitted, expected,
            "{channel}: compile-time permissions differ from Airflow's union"
        );
        pairs += all.len();
    }
    assert_eq!(pairs, 7 * 90);
}
