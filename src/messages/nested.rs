//! Models nested inside messages: task instances, DAG runs, assets and asset events, connection
//! and variable records, and the run context a task starts with.
//!
//! Mirrors Execution API models of `airflow.sdk.api.datamodels._generated` (the SDK's generated
//! client models). None of them carries a `"type"` tag; [`AssetProfile`]
//! has a `type` field of its own, which is data. The DAG processor's server-side variants live in
//! [`dag_processor`](crate::messages::dag_processor) as the `Core*` models.

use super::lifecycle::AnyMapOrString;
#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// A reference to an asset-like object among a task's inlets or outlets: an asset, a
    /// reference to one by name or by URI, or an asset alias. Refuses unknown keys.
    pub struct AssetProfile, extra = forbid {
        /// The name; set for `Asset`, `AssetNameRef` and `AssetAlias`.
        pub name: Option<String> = None,
        /// The URI; set for `Asset` and `AssetUriRef`.
        pub uri: Option<String> = None,
        /// What kind of object this is: `"Asset"`, `"AssetNameRef"`, `"AssetUriRef"` or
        /// `"AssetAlias"` (wire key `type`; not the user-declared asset type).
        pub asset_type as "type": String,
    }
}

model! {
    /// An asset as part of an [`AssetEventResponse`].
    pub struct AssetResponse, extra = ignore {
        /// The asset's name.
        pub name: String,
        /// The asset's URI.
        pub uri: String,
        /// The asset's group.
        pub group: String,
        /// Extra information attached to the asset; `None` when it has none.
        pub extra: Option<JsonMap> = None,
    }
}

model! {
    /// A DAG run created by an asset event, as listed in
    /// [`AssetEventResponse::created_dagruns`].
    /// Refuses unknown keys.
    pub struct DagRunAssetReference, extra = forbid {
        /// The run's id.
        pub run_id: String,
        /// The DAG the run belongs to.
        pub dag_id: String,
        /// The run's logical date; `None` for a run without one.
        pub logical_date: Option<AwareDateTime>,
        /// When the run started.
        pub start_date: AwareDateTime,
        /// When the run ended; `None` if it has not ended.
        pub end_date: Option<AwareDateTime>,
        /// The run's state, as text.
        pub state: String,
        /// Start of the run's data interval; `None` when it has none.
        pub data_interval_start: Option<AwareDateTime>,
        /// End of the run's data interval; `None` when it has none.
        pub data_interval_end: Option<AwareDateTime>,
        /// The partition the run is for; `None` for an unpartitioned run.
        pub partition_key: Option<String>,
    }
}

model! {
    /// One recorded asset event, as listed in
    /// [`AssetEventsResult`].
    pub struct AssetEventResponse, extra = ignore {
        /// The event's id.
        pub id: i64,
        /// When the event was recorded.
        pub timestamp: AwareDateTime,
        /// Extra information attached to the event.
        pub extra: Option<JsonMap> = None,
        /// The asset the event is about.
        pub asset: AssetResponse,
        /// The DAG runs the event caused.
        pub created_dagruns: Vec<DagRunAssetReference>,
        /// The task that emitted the event; `None` when no task did.
        pub source_task_id: Option<String> = None,
        /// The DAG of that task.
        pub source_dag_id: Option<String> = None,
        /// The run of that task.
        pub source_run_id: Option<String> = None,
        /// The map index of that task instance.
        pub source_map_index: Option<i64> = None,
        /// The partition the event is for; `None` when unpartitioned.
        pub partition_key: Option<String> = None,
    }
}

model! {
    /// The asset of an [`AssetEventDagRunReference`]. Refuses
    /// unknown keys.
    pub struct AssetReferenceAssetEventDagRun, extra = forbid {
        /// The asset's name.
        pub name: String,
        /// The asset's URI.
        pub uri: String,
        /// Extra information attached to the asset.
        pub extra: JsonMap,
    }
}

model! {
    /// An asset alias through which an
    /// [`AssetEventDagRunReference`] was emitted. Refuses
    /// unknown keys.
    pub struct AssetAliasReferenceAssetEventDagRun, extra = forbid {
        /// The alias's name.
        pub name: String,
    }
}

model! {
    /// An asset event consumed by a DAG run, as listed in
    /// [`DagRun::consumed_asset_events`]. Refuses unknown
    /// keys.
    pub struct AssetEventDagRunReference, extra = forbid {
        /// The asset the event is about.
        pub asset: AssetReferenceAssetEventDagRun,
        /// Extra information attached to the event.
        pub extra: JsonMap,
        /// The task that emitted the event; `None` when no task did.
        pub source_task_id: Option<String>,
        /// The DAG of that task.
        pub source_dag_id: Option<String>,
        /// The run of that task.
        pub source_run_id: Option<String>,
        /// The map index of that task instance.
        pub source_map_index: Option<i64>,
        /// The aliases the event was emitted through.
        pub source_aliases: Vec<AssetAliasReferenceAssetEventDagRun>,
        /// When the event was recorded.
        pub timestamp: AwareDateTime,
        /// The partition the event is for; `None` when unpartitioned.
        pub partition_key: Option<String> = None,
    }
}

model! {
    /// A task instance found by [`GetPreviousTI`](crate::GetPreviousTI), in
    /// [`PreviousTIResult`].
    pub struct PreviousTIResponse, extra = ignore {
        /// The task.
        pub task_id: String,
        /// The DAG.
        pub dag_id: String,
        /// The run the task instance belongs to.
        pub run_id: String,
        /// The logical date of that run.
        pub logical_date: Option<AwareDateTime> = None,
        /// When the task instance started; `None` if it never did.
        pub start_date: Option<AwareDateTime> = None,
        /// When the task instance ended; `None` if it has not ended.
        pub end_date: Option<AwareDateTime> = None,
        /// Its state, as text; `None` when it has none yet.
        pub state: Option<String> = None,
        /// Its latest try number.
        pub try_number: i64,
        /// Its map index; `-1` for an unmapped task.
        pub map_index: Option<i64> = Some(-1),
        /// How long it ran, in seconds.
        pub duration: Option<f64> = None,
    }
}

model! {
    /// The task instance a task runner is to run, in [`StartupDetails`].
    pub struct TaskInstance, extra = ignore {
        /// The task instance's id (one per try).
        pub id: Uuid,
        /// The task.
        pub task_id: String,
        /// The DAG.
        pub dag_id: String,
        /// The run.
        pub run_id: String,
        /// The try being run, from 1.
        pub try_number: i64,
        /// The version of the DAG to run it with.
        pub dag_version_id: Uuid,
        /// Its map index; `-1` for an unmapped task.
        pub map_index: Option<i64> = Some(-1),
        /// The host it runs on, once known.
        pub hostname: Option<String> = None,
        /// OpenTelemetry trace context to continue the task's trace from.
        pub context_carrier: Option<AnyMap> = None,
        /// The queue the task was sent to.
        pub queue: Option<String> = Some("default".to_owned()),
    }
}

model! {
    /// Which DAG bundle, at which version, a task is loaded from.
    pub struct BundleInfo, extra = ignore {
        /// The bundle's name.
        pub name: String,
        /// The bundle version; `None` when the bundle is not versioned.
        pub version: Option<String> = None,
    }
}

model! {
    /// A DAG run, as the Execution API describes it to the SDK: in
    /// [`TIRunContext`] and
    /// [`PreviousDagRunResult`]. Refuses unknown keys.
    /// [`CoreDagRun`] is the server-side variant.
    pub struct DagRun, extra = forbid {
        /// The DAG the run belongs to.
        pub dag_id: String,
        /// The run's id.
        pub run_id: String,
        /// The run's logical date; `None` for a run without one.
        pub logical_date: Option<AwareDateTime>,
        /// Start of the run's data interval; `None` when it has none.
        pub data_interval_start: Option<AwareDateTime>,
        /// End of the run's data interval; `None` when it has none.
        pub data_interval_end: Option<AwareDateTime>,
        /// The earliest time the run may be scheduled.
        pub run_after: AwareDateTime,
        /// When the run started; `None` if it has not started.
        pub start_date: Option<AwareDateTime>,
        /// When the run ended; `None` if it has not ended.
        pub end_date: Option<AwareDateTime>,
        /// How many times the run has been cleared.
        pub clear_number: Option<i64> = Some(0),
        /// How the run was created.
        pub run_type: DagRunType,
        /// The run's state.
        pub state: DagRunState,
        /// The run's configuration.
        pub conf: Option<AnyMap> = None,
        /// The user who triggered the run, if a user did.
        pub triggering_user_name: Option<String> = None,
        /// The asset events that led to the run.
        pub consumed_asset_events: Vec<AssetEventDagRunReference>,
        /// The partition the run is for; `None` for an unpartitioned run.
        pub partition_key: Option<String>,
        /// The date of the run's partition, if any.
        pub partition_date: Option<AwareDateTime> = None,
        /// A note attached to the run.
        pub note: Option<String> = None,
        /// The team the run belongs to, in multi-team deployments.
        pub team_name: Option<String> = None,
    }
}

model! {
    /// A variable in [`TIRunContext::variables`]. Refuses unknown
    /// keys.
    pub struct VariableResponse, extra = forbid {
        /// The variable's key.
        pub key: String,
        /// The variable's value; `None` when it is stored without one.
        pub value: Option<String>,
    }
}

model! {
    /// A connection in [`TIRunContext::connections`].
    ///
    /// The schema travels under the key `schema`, the only key Python accepts. (Python's own
    /// supervisor would write `schema_` here, which its child would refuse; the 3.3.2 server
    /// always sends an empty list, so this never shows.)
    pub struct ConnectionResponse, extra = ignore {
        /// The connection id.
        pub conn_id: String,
        /// The connection type (`"postgres"`, `"http"`, ...).
        pub conn_type: String,
        /// The host; `None` when not set.
        pub host: Option<String>,
        /// The connection's schema field (often a database name); `None` when not set.
        pub schema: Option<String>,
        /// The login; `None` when not set.
        pub login: Option<String>,
        /// The password; `None` when not set.
        pub password: Option<String>,
        /// The port; `None` when not set.
        pub port: Option<i64>,
        /// Extra parameters as JSON text; `None` when not set.
        pub extra: Option<String>,
    }
}

model! {
    /// What the Execution API tells a task when it is marked running, passed on in
    /// [`StartupDetails`]. [`CoreTIRunContext`]
    /// is the server-side variant.
    pub struct TIRunContext, extra = ignore {
        /// The run the task instance belongs to.
        pub dag_run: DagRun,
        /// How many times the task instance has been rescheduled.
        pub task_reschedule_count: Option<i64> = Some(0),
        /// Airflow's `max_tries` for the task instance: a failed try whose number is at most this
        /// is retried.
        pub max_tries: i64,
        /// Variables preloaded for the task (the 3.3.2 server sends an empty list).
        pub variables: Option<Vec<VariableResponse>> = None,
        /// Connections preloaded for the task (the 3.3.2 server sends an empty list).
        pub connections: Option<Vec<ConnectionResponse>> = None,
        /// The task method to resume with after a deferral; `None` for a fresh start.
        pub next_method: Option<String> = None,
        /// Keyword arguments for `next_method`: an object, or an encrypted string.
        pub next_kwargs: Option<AnyMapOrString> = None,
        /// XCom keys the runner must clear before the task runs.
        pub xcom_keys_to_clear: Option<Vec<String>> = None,
        /// Whether a failure now leads to a retry rather than a final failure.
        pub should_retry: Option<bool> = Some(false),
        /// The task's original start when it resumes from a deferral; `None` otherwise.
        pub start_date: Option<AwareDateTime> = None,
    }
}
