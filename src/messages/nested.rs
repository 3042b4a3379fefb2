#[allow(unused_imports)]
use super::prelude::*;
use super::lifecycle::JsonMapOrString;

model! {
    /// TODO
    pub struct AssetProfile, extra = forbid {
        pub name: Option<String> = None,
        pub uri: Option<String> = None,
        pub asset_type as "type": String,
    }
}

model! {
    /// TODO
    pub struct AssetResponse, extra = ignore {
        pub name: String,
        pub uri: String,
        pub group: String,
        pub extra: Option<JsonMap> = None,
    }
}

model! {
    /// TODO
    pub struct DagRunAssetReference, extra = forbid {
        pub run_id: String,
        pub dag_id: String,
        pub logical_date: Option<AwareDateTime>,
        pub start_date: AwareDateTime,
        pub end_date: Option<AwareDateTime>,
        pub state: String,
        pub data_interval_start: Option<AwareDateTime>,
        pub data_interval_end: Option<AwareDateTime>,
        pub partition_key: Option<String>,
    }
}

model! {
    /// TODO
    pub struct AssetEventResponse, extra = ignore {
        pub id: i64,
        pub timestamp: AwareDateTime,
        pub extra: Option<JsonMap> = None,
        pub asset: AssetResponse,
        pub created_dagruns: Vec<DagRunAssetReference>,
        pub source_task_id: Option<String> = None,
        pub source_dag_id: Option<String> = None,
        pub source_run_id: Option<String> = None,
        pub source_map_index: Option<i64> = None,
        pub partition_key: Option<String> = None,
    }
}

model! {
    /// TODO
    pub struct AssetReferenceAssetEventDagRun, extra = forbid {
        pub name: String,
        pub uri: String,
        pub extra: JsonMap,
    }
}

model! {
    /// TODO
    pub struct AssetAliasReferenceAssetEventDagRun, extra = forbid {
        pub name: String,
    }
}

model! {
    /// TODO
    pub struct AssetEventDagRunReference, extra = forbid {
        pub asset: AssetReferenceAssetEventDagRun,
        pub extra: JsonMap,
        pub source_task_id: Option<String>,
        pub source_dag_id: Option<String>,
        pub source_run_id: Option<String>,
        pub source_map_index: Option<i64>,
        pub source_aliases: Vec<AssetAliasReferenceAssetEventDagRun>,
        pub timestamp: AwareDateTime,
        pub partition_key: Option<String> = None,
    }
}

model! {
    /// TODO
    pub struct PreviousTIResponse, extra = ignore {
        pub task_id: String,
        pub dag_id: String,
        pub run_id: String,
        pub logical_date: Option<AwareDateTime> = None,
        pub start_date: Option<AwareDateTime> = None,
        pub end_date: Option<AwareDateTime> = None,
        pub state: Option<String> = None,
        pub try_number: i64,
        pub map_index: Option<i64> = Some(-1),
        pub duration: Option<f64> = None,
    }
}

model! {
    /// TODO
    pub struct TaskInstance, extra = ignore {
        pub id: Uuid,
        pub task_id: String,
        pub dag_id: String,
        pub run_id: String,
        pub try_number: i64,
        pub dag_version_id: Uuid,
        pub map_index: Option<i64> = Some(-1),
        pub hostname: Option<String> = None,
        pub context_carrier: Option<JsonMap> = None,
        pub queue: Option<String> = Some("default".to_owned()),
    }
}

model! {
    /// TODO
    pub struct BundleInfo, extra = ignore {
        pub name: String,
        pub version: Option<String> = None,
    }
}

model! {
    /// TODO
    pub struct DagRun, extra = forbid {
        pub dag_id: String,
        pub run_id: String,
        pub logical_date: Option<AwareDateTime>,
        pub data_interval_start: Option<AwareDateTime>,
        pub data_interval_end: Option<AwareDateTime>,
        pub run_after: AwareDateTime,
        pub start_date: Option<AwareDateTime>,
        pub end_date: Option<AwareDateTime>,
        pub clear_number: Option<i64> = Some(0),
        pub run_type: DagRunType,
        pub state: DagRunState,
        pub conf: Option<JsonMap> = None,
        pub triggering_user_name: Option<String> = None,
        pub consumed_asset_events: Vec<AssetEventDagRunReference>,
        pub partition_key: Option<String>,
        pub partition_date: Option<AwareDateTime> = None,
        pub note: Option<String> = None,
        pub team_name: Option<String> = None,
    }
}

model! {
    /// TODO
    pub struct VariableResponse, extra = forbid {
        pub key: String,
        pub value: Option<String>,
    }
}

model! {
    /// TODO
    pub struct ConnectionResponse, extra = ignore {
        pub conn_id: String,
        pub conn_type: String,
        pub host: Option<String>,
        pub schema: Option<String>,
        pub login: Option<String>,
        pub password: Option<String>,
        pub port: Option<i64>,
        pub extra: Option<String>,
    }
}

model! {
    /// TODO
    pub struct TIRunContext, extra = ignore {
        pub dag_run: DagRun,
        pub task_reschedule_count: Option<i64> = Some(0),
        pub max_tries: i64,
        pub variables: Option<Vec<VariableResponse>> = None,
        pub connections: Option<Vec<ConnectionResponse>> = None,
        pub next_method: Option<String> = None,
        pub next_kwargs: Option<JsonMapOrString> = None,
        pub xcom_keys_to_clear: Option<Vec<String>> = None,
        pub should_retry: Option<bool> = Some(false),
        pub start_date: Option<AwareDateTime> = None,
    }
}
