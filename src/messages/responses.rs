//! Replies a supervisor sends its child, plus the unsolicited
//! [`StartupDetails`] that starts a task.
//!
//! Mirrors the `*Result` models, `ErrorResponse`, `OKResponse`, `SentFDs`, `StartupDetails`,
//! `DRCount`, `TICount`, `XComCountResponse` and `TaskRescheduleStartDate` of
//! `airflow.sdk.execution_time.comms`. Most wrap an Execution API model of
//! `airflow.sdk.api.datamodels._generated` and add a `"type"` tag; those whose API model refuses
//! unknown keys (`VariableResult`, `DagRunResult`, `TaskStateStoreResult`,
//! `AssetStateStoreResult`) refuse them too, the rest ignore them.
//!
//! Several replies are written with `exclude_unset`, so keys holding their default may be absent;
//! decoding fills in the default. The task and callback channels receive these through
//! [`ToTask`](crate::ToTask); the trigger runner and the DAG processor receive subsets through
//! [`ToTriggerRunner`](crate::ToTriggerRunner) and [`ToDagProcessor`](crate::ToDagProcessor).

#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// An asset: the reply to [`GetAssetByName`](crate::GetAssetByName) and
    /// [`GetAssetByUri`](crate::GetAssetByUri), and the element of
    /// [`AssetsByAliasResult`] (where the tag may be left out).
    pub struct AssetResult tag "AssetResult", extra = ignore {
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
    /// The assets an alias resolves to: the reply to
    /// [`GetAssetsByAlias`](crate::GetAssetsByAlias).
    pub struct AssetsByAliasResult tag "AssetsByAliasResult", extra = ignore {
        /// The resolved assets; empty when the alias resolves to none.
        pub assets: Vec<AssetResult>,
    }
}

model! {
    /// Asset events: the reply to [`GetAssetEventByAsset`](crate::GetAssetEventByAsset) and
    /// [`GetAssetEventByAssetAlias`](crate::GetAssetEventByAssetAlias).
    pub struct AssetEventsResult tag "AssetEventsResult", extra = ignore {
        /// The matching events, in the order asked for.
        pub asset_events: Vec<AssetEventResponse>,
    }
}

model! {
    /// One value of an asset's state store: the reply to
    /// [`GetAssetStateStoreByName`](crate::GetAssetStateStoreByName) and
    /// [`GetAssetStateStoreByUri`](crate::GetAssetStateStoreByUri). Refuses unknown keys.
    pub struct AssetStateStoreResult tag "AssetStateStoreResult", extra = forbid {
        /// The stored value; any JSON value, null included.
        pub value: JsonValue,
    }
}

model! {
    /// A connection: the reply to [`GetConnection`](crate::GetConnection).
    ///
    /// On the wire the schema travels under the key `schema` (Python's attribute is `schema_`; a
    /// `schema_` key is refused as a missing `schema`). All eight fields must be present, `None`
    /// included.
    pub struct ConnectionResult tag "ConnectionResult", extra = ignore {
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
    /// A DAG run in full: the reply to [`GetDagRun`](crate::GetDagRun). Carries the fields of
    /// [`DagRun`] and, like it, refuses unknown keys.
    pub struct DagRunResult tag "DagRunResult", extra = forbid {
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
    /// The state of a DAG run: the reply to [`GetDagRunState`](crate::GetDagRunState).
    pub struct DagRunStateResult tag "DagRunStateResult", extra = ignore {
        /// The run's state.
        pub state: DagRunState,
    }
}

model! {
    /// A number of DAG runs: the reply to [`GetDRCount`](crate::GetDRCount).
    pub struct DRCount tag "DRCount", extra = ignore {
        /// How many runs matched.
        pub count: i64,
    }
}

model! {
    /// A DAG's metadata: the reply to [`GetDag`](crate::GetDag). Every field must be present,
    /// `None` included.
    pub struct DagResult tag "DagResult", extra = ignore {
        /// The DAG.
        pub dag_id: String,
        /// Whether the DAG is paused.
        pub is_paused: bool,
        /// The bundle the DAG comes from; `None` when unknown.
        pub bundle_name: Option<String>,
        /// The version of that bundle; `None` when unknown or unversioned.
        pub bundle_version: Option<String>,
        /// The DAG file's path relative to the bundle root; `None` when unknown.
        pub relative_fileloc: Option<String>,
        /// The DAG's owners as one string; `None` when unknown.
        pub owners: Option<String>,
        /// The DAG's tags, sorted.
        pub tags: Vec<String>,
        /// When the next run is due; `None` when none is scheduled.
        pub next_dagrun: Option<AwareDateTime>,
    }
}

model! {
    /// A failure or an expected negative outcome.
    ///
    /// It travels in one of two slots of the reply frame: in the body for outcomes the caller is
    /// meant to handle (`CONNECTION_NOT_FOUND`, `VARIABLE_NOT_FOUND`, `PERMISSION_DENIED`,
    /// `XCOM_NOT_FOUND`, `ASSET_NOT_FOUND`, `TASK_STORE_NOT_FOUND`, `ASSET_STORE_NOT_FOUND`,
    /// `DAGRUN_ALREADY_EXISTS`), and in the error slot when handling the request failed (the
    /// Python child raises it). The `"type"` tag is required in both.
    pub struct ErrorResponse tag "ErrorResponse", extra = ignore {
        /// What went wrong.
        pub error: ErrorType = ErrorType::GenericError,
        /// Context for the error, e.g. the missing key, or `status_code` and `message` of a
        /// failed API call; `None` when there is none.
        pub detail: Option<AnyDict> = None,
    }
}

model! {
    /// Dates of the previous successful run: the reply to
    /// [`GetPrevSuccessfulDagRun`](crate::GetPrevSuccessfulDagRun). Every field is `None` (and
    /// absent on the wire) when there is no such run.
    pub struct PrevSuccessfulDagRunResult tag "PrevSuccessfulDagRunResult", extra = ignore {
        /// Start of that run's data interval.
        pub data_interval_start: Option<AwareDateTime> = None,
        /// End of that run's data interval.
        pub data_interval_end: Option<AwareDateTime> = None,
        /// When that run started.
        pub start_date: Option<AwareDateTime> = None,
        /// When that run ended.
        pub end_date: Option<AwareDateTime> = None,
    }
}

model! {
    /// The previous task instance: the reply to [`GetPreviousTI`](crate::GetPreviousTI).
    ///
    /// Not a member of [`ToTriggerRunner`](crate::ToTriggerRunner), so the 3.3.2 trigger runner
    /// fails to decode it when it asks for a previous task instance.
    pub struct PreviousTIResult tag "PreviousTIResult", extra = ignore {
        /// The task instance found; `None` when nothing matched.
        pub task_instance: Option<PreviousTIResponse> = None,
    }
}

model! {
    /// A new structured-log socket: the reply to [`ResendLoggingFD`](crate::ResendLoggingFD).
    /// The descriptor itself travels as `SCM_RIGHTS` ancillary data with the first bytes of the
    /// frame. The `"type"` key comes first on the wire.
    pub struct SentFDs tag "SentFDs", extra = ignore {
        @type,
        /// Descriptor numbers. As sent they are valid only in the supervisor; the receiver
        /// replaces them with the descriptors it actually received.
        pub fds: Vec<i64>,
    }
}

model! {
    /// Everything a task runner needs to run its task: the supervisor sends it unasked as the
    /// first frame of the task channel, with id 0.
    pub struct StartupDetails tag "StartupDetails", extra = ignore {
        /// The task instance to run.
        pub ti: TaskInstance,
        /// Path of the DAG file, relative to the bundle root.
        pub dag_rel_path: String,
        /// The DAG bundle (and version) to load the DAG from.
        pub bundle_info: BundleInfo,
        /// When the task started: the original start when resuming from a deferral, otherwise
        /// the time the supervisor started it. A naive date-time is accepted here.
        pub start_date: NaiveOrAwareDateTime,
        /// The run context the Execution API returned when the task was marked running.
        pub ti_context: TIRunContext,
        /// Import path of a callable that sets up a Sentry integration; empty for none.
        pub sentry_integration: String,
    }
}

model! {
    /// When rescheduling began: the reply to
    /// [`GetTaskRescheduleStartDate`](crate::GetTaskRescheduleStartDate).
    pub struct TaskRescheduleStartDate tag "TaskRescheduleStartDate", extra = ignore {
        /// Start date of the first reschedule; `None` when the task instance has none.
        pub start_date: Option<AwareDateTime>,
    }
}

model! {
    /// One value of a task instance's state store: the reply to
    /// [`GetTaskStateStore`](crate::GetTaskStateStore). Refuses unknown keys.
    pub struct TaskStateStoreResult tag "TaskStateStoreResult", extra = forbid {
        /// The stored value; any JSON value, null included.
        pub value: JsonValue,
    }
}

model! {
    /// A number of task instances: the reply to [`GetTICount`](crate::GetTICount).
    pub struct TICount tag "TICount", extra = ignore {
        /// How many task instances matched.
        pub count: i64,
    }
}

model! {
    /// The finished task instances of a run: the reply to
    /// [`GetTaskBreadcrumbs`](crate::GetTaskBreadcrumbs).
    pub struct TaskBreadcrumbsResult tag "TaskBreadcrumbsResult", extra = ignore {
        /// One object per task instance in a terminal state, ordered by task id and map index,
        /// with the keys `task_id`, `map_index`, `state`, `operator` and `duration`.
        pub breadcrumbs: Vec<AnyMap>,
    }
}

model! {
    /// Task instance states: the reply to [`GetTaskStates`](crate::GetTaskStates).
    pub struct TaskStatesResult tag "TaskStatesResult", extra = ignore {
        /// Run id to an object of task key to state, where the task key is the task id, or
        /// `"<task_id>_<map_index>"` for a mapped task instance. A state may be null.
        pub task_states: AnyMap,
    }
}

model! {
    /// A variable: the reply to [`GetVariable`](crate::GetVariable). Refuses unknown keys.
    pub struct VariableResult tag "VariableResult", extra = forbid {
        /// The variable's key.
        pub key: String,
        /// The variable's value; `None` when it is stored without one.
        pub value: Option<String>,
    }
}

model! {
    /// A page of variable keys: the reply to [`GetVariableKeys`](crate::GetVariableKeys).
    pub struct VariableKeysResult tag "VariableKeysResult", extra = ignore {
        /// The keys on this page, sorted.
        pub keys: Vec<String>,
        /// How many keys match the prefix in total, across all pages.
        pub total_entries: i64,
    }
}

model! {
    /// A number of XCom values: the reply to [`GetXComCount`](crate::GetXComCount).
    pub struct XComCountResponse tag "XComCountResponse", extra = ignore {
        /// How many values are stored under the key, across map indexes.
        pub len: i64,
    }
}

model! {
    /// An XCom value: the reply to [`GetXCom`](crate::GetXCom).
    pub struct XComResult tag "XComResult", extra = ignore {
        /// The XCom key.
        pub key: String,
        /// The stored value; null when no value exists under the key (a missing XCom is not an
        /// error).
        pub value: JsonValue,
    }
}

model! {
    /// One element of a mapped task's XCom values: the reply to
    /// [`GetXComSequenceItem`](crate::GetXComSequenceItem).
    pub struct XComSequenceIndexResult tag "XComSequenceIndexResult", extra = ignore {
        /// The element (the wire key is literally `root`).
        pub root: JsonValue,
    }
}

model! {
    /// A slice of a mapped task's XCom values: the reply to
    /// [`GetXComSequenceSlice`](crate::GetXComSequenceSlice).
    pub struct XComSequenceSliceResult tag "XComSequenceSliceResult", extra = ignore {
        /// The elements, in slice order (the wire key is literally `root`).
        pub root: Vec<JsonValue>,
    }
}

model! {
    /// Inlets and outlets that point at inactive assets: the reply to
    /// [`ValidateInletsAndOutlets`](crate::ValidateInletsAndOutlets).
    pub struct InactiveAssetsResult tag "InactiveAssetsResult", extra = ignore {
        /// The inactive assets; empty when all are active. `None` only if the Execution API
        /// sent none.
        pub inactive_assets: Option<Vec<AssetProfile>> = None,
    }
}

model! {
    /// A human-in-the-loop request as the Execution API stored it: the reply to
    /// [`CreateHITLDetailPayload`].
    pub struct HITLDetailRequestResult tag "HITLDetailRequestResult", extra = ignore {
        /// The task instance waiting for the input.
        pub ti_id: Uuid,
        /// The choices offered.
        pub options: NonEmptyVec<String>,
        /// The question.
        pub subject: String,
        /// Longer text shown with the question.
        pub body: Option<String> = None,
        /// Options chosen when nobody answers in time.
        pub defaults: Option<Vec<String>> = None,
        /// Whether several options may be chosen.
        pub multiple: Option<bool> = Some(false),
        /// Parameters the human may fill in.
        pub params: Option<AnyMap> = None,
        /// Who may answer; anyone when absent.
        pub assigned_users: Option<Vec<HITLUser>> = None,
    }
}

model! {
    /// A request succeeded with nothing to return: the reply to the state-store writes,
    /// [`DeleteVariable`](crate::DeleteVariable) and [`TriggerDagRun`](crate::TriggerDagRun).
    pub struct OKResponse tag "OKResponse", extra = ignore {
        /// Whether it succeeded; the 3.3.2 supervisors always send `true`.
        pub ok: bool,
    }
}

model! {
    /// The previous DAG run: the reply to [`GetPreviousDagRun`](crate::GetPreviousDagRun).
    pub struct PreviousDagRunResult tag "PreviousDagRunResult", extra = ignore {
        /// The run found; `None` when there is none.
        pub dag_run: Option<DagRun> = None,
    }
}
