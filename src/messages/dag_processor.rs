#[allow(unused_imports)]
use super::prelude::*;
use super::lifecycle::JsonMapOrString;
use super::nested::{AssetAliasReferenceAssetEventDagRun, AssetReferenceAssetEventDagRun, ConnectionResponse, VariableResponse};

model! {
    /// TODO
    pub struct LazyDeserializedDAG, extra = ignore {
        pub data: JsonMap,
        pub last_loaded: Option<NaiveOrAwareDateTime> = None,
    }
}

model! {
    /// TODO
    pub struct DagFileParsingResult tag "DagFileParsingResult", extra = ignore {
        pub fileloc: String,
        pub serialized_dags: Vec<LazyDeserializedDAG>,
        pub warnings: Option<Vec<JsonValue>> = None,
        pub import_errors: Option<IndexMap<String, String>> = None,
    }
}

model! {
    /// TODO
    pub struct CoreAssetEventDagRunReference, extra = forbid {
        pub asset: AssetReferenceAssetEventDagRun,
        pub extra: JsonMap,
        pub source_task_id: Option<String>,
        pub source_dag_id: Option<String>,
        pub source_run_id: Option<String>,
        pub source_map_index: Option<i64>,
        pub source_aliases: Vec<AssetAliasReferenceAssetEventDagRun>,
        pub timestamp: UtcDateTime,
        pub partition_key: Option<String> = None,
    }
}

model! {
    /// TODO
    pub struct CoreDagRun, extra = forbid {
        pub dag_id: String,
        pub run_id: String,
        pub logical_date: Option<UtcDateTime>,
        pub data_interval_start: Option<UtcDateTime>,
        pub data_interval_end: Option<UtcDateTime>,
        pub run_after: UtcDateTime,
        pub start_date: Option<UtcDateTime>,
        pub end_date: Option<UtcDateTime>,
        pub clear_number: i64 = 0,
        pub run_type: DagRunType,
        pub state: DagRunState,
        pub conf: Option<JsonMap> = None,
        pub triggering_user_name: Option<String> = None,
        pub consumed_asset_events: Vec<CoreAssetEventDagRunReference>,
        pub partition_key: Option<String>,
        pub partition_date: Option<UtcDateTime> = None,
        pub note: Option<String> = None,
        pub team_name: Option<String> = None,
    }
}

model! {
    /// TODO
    pub struct CoreTaskInstance, extra = ignore {
        pub id: Uuid,
        pub task_id: String,
        pub dag_id: String,
        pub run_id: String,
        pub try_number: i64,
        pub dag_version_id: Uuid,
        pub map_index: i64 = -1,
        pub hostname: Option<String> = None,
        pub context_carrier: Option<JsonMap> = None,
        pub queue: String = "default".to_owned(),
    }
}

model! {
    /// TODO
    pub struct DagRunContext, extra = ignore {
        pub dag_run: Option<CoreDagRun> = None,
        pub last_ti: Option<CoreTaskInstance> = None,
    }
}

model! {
    /// TODO
    pub struct DagCallbackRequest tag "DagCallbackRequest", extra = ignore {
        pub filepath: String,
        pub bundle_name: String,
        pub bundle_version: Option<String>,
        pub msg: Option<String> = None,
        pub dag_id: String,
        pub run_id: String,
        pub context_from_server: Option<DagRunContext> = None,
        pub is_failure_callback: Option<bool> = Some(true),
    }
}

model! {
    /// TODO
    pub struct CoreTIRunContext, extra = ignore {
        pub dag_run: CoreDagRun,
        pub task_reschedule_count: i64 = 0,
        pub max_tries: i64,
        pub variables: Vec<VariableResponse> = Vec::new(),
        pub connections: Vec<ConnectionResponse> = Vec::new(),
        pub next_method: Option<String> = None,
        pub next_kwargs: Option<JsonMapOrString> = None,
        pub xcom_keys_to_clear: Vec<String> = Vec::new(),
        pub should_retry: bool = false,
        pub start_date: Option<UtcDateTime> = None,
    }
}

model! {
    /// TODO
    pub struct TaskCallbackRequest tag "TaskCallbackRequest", extra = ignore {
        pub filepath: String,
        pub bundle_name: String,
        pub bundle_version: Option<String>,
        pub msg: Option<String> = None,
        pub ti: CoreTaskInstance,
        pub task_callback_type: Option<TaskInstanceState> = None,
        pub context_from_server: Option<CoreTIRunContext> = None,
    }
}

model! {
    /// TODO
    pub struct EmailRequest tag "EmailRequest", extra = ignore {
        pub filepath: String,
        pub bundle_name: String,
        pub bundle_version: Option<String>,
        pub msg: Option<String> = None,
        pub ti: CoreTaskInstance,
        pub email_type: EmailType = EmailType::Failure,
        pub context_from_server: CoreTIRunContext,
    }
}

model! {
    /// TODO
    pub struct DagFileParseRequest tag "DagFileParseRequest", extra = ignore {
        pub file: String,
        pub bundle_path: String,
        pub bundle_name: String,
        pub callback_requests: Vec<CallbackRequest> = Vec::new(),
    }
}

crate::tagged_union! {
    /// A callback the DAG processor runs after parsing a file (Airflow's `CallbackRequest`
    /// union, discriminated by `"type"`).
    pub enum CallbackRequest { DagCallbackRequest, TaskCallbackRequest, EmailRequest }
}
