#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// TODO
    pub struct AssetResult tag "AssetResult", extra = ignore {
        pub name: String,
        pub uri: String,
        pub group: String,
        pub extra: Option<JsonMap> = None,
    }
}

model! {
    /// TODO
    pub struct AssetsByAliasResult tag "AssetsByAliasResult", extra = ignore {
        pub assets: Vec<AssetResult>,
    }
}

model! {
    /// TODO
    pub struct AssetEventsResult tag "AssetEventsResult", extra = ignore {
        pub asset_events: Vec<AssetEventResponse>,
    }
}

model! {
    /// TODO
    pub struct AssetStateStoreResult tag "AssetStateStoreResult", extra = forbid {
        pub value: JsonValue,
    }
}

model! {
    /// TODO
    pub struct ConnectionResult tag "ConnectionResult", extra = ignore {
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
    pub struct DagRunResult tag "DagRunResult", extra = forbid {
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
    pub struct DagRunStateResult tag "DagRunStateResult", extra = ignore {
        pub state: DagRunState,
    }
}

model! {
    /// TODO
    pub struct DRCount tag "DRCount", extra = ignore {
        pub count: i64,
    }
}

model! {
    /// TODO
    pub struct DagResult tag "DagResult", extra = ignore {
        pub dag_id: String,
        pub is_paused: bool,
        pub bundle_name: Option<String>,
        pub bundle_version: Option<String>,
        pub relative_fileloc: Option<String>,
        pub owners: Option<String>,
        pub tags: Vec<String>,
        pub next_dagrun: Option<AwareDateTime>,
    }
}

model! {
    /// TODO
    pub struct ErrorResponse tag "ErrorResponse", extra = ignore {
        pub error: ErrorType = ErrorType::GenericError,
        pub detail: Option<JsonMap> = None,
    }
}

model! {
    /// TODO
    pub struct PrevSuccessfulDagRunResult tag "PrevSuccessfulDagRunResult", extra = ignore {
        pub data_interval_start: Option<AwareDateTime> = None,
        pub data_interval_end: Option<AwareDateTime> = None,
        pub start_date: Option<AwareDateTime> = None,
        pub end_date: Option<AwareDateTime> = None,
    }
}

model! {
    /// TODO
    pub struct PreviousTIResult tag "PreviousTIResult", extra = ignore {
        pub task_instance: Option<PreviousTIResponse> = None,
    }
}

model! {
    /// TODO
    pub struct SentFDs tag "SentFDs", extra = ignore {
        @type,
        pub fds: Vec<i64>,
    }
}

model! {
    /// TODO
    pub struct StartupDetails tag "StartupDetails", extra = ignore {
        pub ti: TaskInstance,
        pub dag_rel_path: String,
        pub bundle_info: BundleInfo,
        pub start_date: NaiveOrAwareDateTime,
        pub ti_context: TIRunContext,
        pub sentry_integration: String,
    }
}

model! {
    /// TODO
    pub struct TaskRescheduleStartDate tag "TaskRescheduleStartDate", extra = ignore {
        pub start_date: Option<AwareDateTime>,
    }
}

model! {
    /// TODO
    pub struct TaskStateStoreResult tag "TaskStateStoreResult", extra = forbid {
        pub value: JsonValue,
    }
}

model! {
    /// TODO
    pub struct TICount tag "TICount", extra = ignore {
        pub count: i64,
    }
}

model! {
    /// TODO
    pub struct TaskBreadcrumbsResult tag "TaskBreadcrumbsResult", extra = ignore {
        pub breadcrumbs: Vec<JsonMap>,
    }
}

model! {
    /// TODO
    pub struct TaskStatesResult tag "TaskStatesResult", extra = ignore {
        pub task_states: JsonMap,
    }
}

model! {
    /// TODO
    pub struct VariableResult tag "VariableResult", extra = forbid {
        pub key: String,
        pub value: Option<String>,
    }
}

model! {
    /// TODO
    pub struct VariableKeysResult tag "VariableKeysResult", extra = ignore {
        pub keys: Vec<String>,
        pub total_entries: i64,
    }
}

model! {
    /// TODO
    pub struct XComCountResponse tag "XComCountResponse", extra = ignore {
        pub len: i64,
    }
}

model! {
    /// TODO
    pub struct XComResult tag "XComResult", extra = ignore {
        pub key: String,
        pub value: JsonValue,
    }
}

model! {
    /// TODO
    pub struct XComSequenceIndexResult tag "XComSequenceIndexResult", extra = ignore {
        pub root: JsonValue,
    }
}

model! {
    /// TODO
    pub struct XComSequenceSliceResult tag "XComSequenceSliceResult", extra = ignore {
        pub root: Vec<JsonValue>,
    }
}

model! {
    /// TODO
    pub struct InactiveAssetsResult tag "InactiveAssetsResult", extra = ignore {
        pub inactive_assets: Option<Vec<AssetProfile>> = None,
    }
}

model! {
    /// TODO
    pub struct HITLDetailRequestResult tag "HITLDetailRequestResult", extra = ignore {
        pub ti_id: Uuid,
        pub options: Vec<String>,
        pub subject: String,
        pub body: Option<String> = None,
        pub defaults: Option<Vec<String>> = None,
        pub multiple: Option<bool> = Some(false),
        pub params: Option<JsonMap> = None,
        pub assigned_users: Option<Vec<HITLUser>> = None,
    }
}

model! {
    /// TODO
    pub struct OKResponse tag "OKResponse", extra = ignore {
        pub ok: bool,
    }
}

model! {
    /// TODO
    pub struct PreviousDagRunResult tag "PreviousDagRunResult", extra = ignore {
        pub dag_run: Option<DagRun> = None,
    }
}
