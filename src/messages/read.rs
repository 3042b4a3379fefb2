#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// TODO
    pub struct GetAssetByName tag "GetAssetByName", extra = ignore {
        pub name: String,
    }
}

model! {
    /// TODO
    pub struct GetAssetByUri tag "GetAssetByUri", extra = ignore {
        pub uri: String,
    }
}

model! {
    /// TODO
    pub struct GetAssetsByAlias tag "GetAssetsByAlias", extra = ignore {
        pub alias_name: String,
    }
}

model! {
    /// TODO
    pub struct GetAssetEventByAsset tag "GetAssetEventByAsset", extra = ignore {
        pub name: Option<String>,
        pub uri: Option<String>,
        pub after: Option<AwareDateTime> = None,
        pub before: Option<AwareDateTime> = None,
        pub limit: Option<i64> = None,
        pub ascending: bool = true,
    }
}

model! {
    /// TODO
    pub struct GetAssetEventByAssetAlias tag "GetAssetEventByAssetAlias", extra = ignore {
        pub alias_name: String,
        pub after: Option<AwareDateTime> = None,
        pub before: Option<AwareDateTime> = None,
        pub limit: Option<i64> = None,
        pub ascending: bool = true,
    }
}

model! {
    /// TODO
    pub struct GetAssetStateStoreByName tag "GetAssetStateStoreByName", extra = ignore {
        pub name: String,
        pub key: String,
    }
}

model! {
    /// TODO
    pub struct GetAssetStateStoreByUri tag "GetAssetStateStoreByUri", extra = ignore {
        pub uri: String,
        pub key: String,
    }
}

model! {
    /// TODO
    pub struct GetConnection tag "GetConnection", extra = ignore {
        pub conn_id: String,
    }
}

model! {
    /// TODO
    pub struct GetDagRun tag "GetDagRun", extra = ignore {
        pub dag_id: String,
        pub run_id: String,
    }
}

model! {
    /// TODO
    pub struct GetDagRunState tag "GetDagRunState", extra = ignore {
        pub dag_id: String,
        pub run_id: String,
    }
}

model! {
    /// TODO
    pub struct GetDRCount tag "GetDRCount", extra = ignore {
        pub dag_id: String,
        pub logical_dates: Option<Vec<AwareDateTime>> = None,
        pub run_ids: Option<Vec<String>> = None,
        pub states: Option<Vec<String>> = None,
    }
}

model! {
    /// TODO
    pub struct GetDag tag "GetDag", extra = ignore {
        pub dag_id: String,
    }
}

model! {
    /// TODO
    pub struct GetPrevSuccessfulDagRun tag "GetPrevSuccessfulDagRun", extra = ignore {
        pub ti_id: Uuid,
    }
}

model! {
    /// TODO
    pub struct GetPreviousDagRun tag "GetPreviousDagRun", extra = ignore {
        pub dag_id: String,
        pub logical_date: AwareDateTime,
        pub state: Option<String> = None,
    }
}

model! {
    /// TODO
    pub struct GetPreviousTI tag "GetPreviousTI", extra = ignore {
        pub dag_id: String,
        pub task_id: String,
        pub logical_date: Option<AwareDateTime> = None,
        pub map_index: i64 = -1,
        pub state: Option<TaskInstanceState> = None,
    }
}

model! {
    /// TODO
    pub struct GetTaskRescheduleStartDate tag "GetTaskRescheduleStartDate", extra = ignore {
        pub ti_id: Uuid,
        pub try_number: i64 = 1,
    }
}

model! {
    /// TODO
    pub struct GetTaskStateStore tag "GetTaskStateStore", extra = ignore {
        pub ti_id: Uuid,
        pub key: String,
    }
}

model! {
    /// TODO
    pub struct GetTICount tag "GetTICount", extra = ignore {
        pub dag_id: String,
        pub map_index: Option<i64> = None,
        pub task_ids: Option<Vec<String>> = None,
        pub task_group_id: Option<String> = None,
        pub logical_dates: Option<Vec<AwareDateTime>> = None,
        pub run_ids: Option<Vec<String>> = None,
        pub states: Option<Vec<String>> = None,
    }
}

model! {
    /// TODO
    pub struct GetTaskBreadcrumbs tag "GetTaskBreadcrumbs", extra = ignore {
        pub dag_id: String,
        pub run_id: String,
    }
}

model! {
    /// TODO
    pub struct GetTaskStates tag "GetTaskStates", extra = ignore {
        pub dag_id: String,
        pub map_index: Option<i64> = None,
        pub task_ids: Option<Vec<String>> = None,
        pub task_group_id: Option<String> = None,
        pub logical_dates: Option<Vec<AwareDateTime>> = None,
        pub run_ids: Option<Vec<String>> = None,
    }
}

model! {
    /// TODO
    pub struct GetVariable tag "GetVariable", extra = ignore {
        pub key: String,
    }
}

model! {
    /// TODO
    pub struct GetVariableKeys tag "GetVariableKeys", extra = ignore {
        pub prefix: Option<String> = None,
        pub limit: i64 = 1000,
        pub offset: i64 = 0,
    }
}

model! {
    /// TODO
    pub struct GetXCom tag "GetXCom", extra = ignore {
        pub key: String,
        pub dag_id: String,
        pub run_id: String,
        pub task_id: String,
        pub map_index: Option<i64> = None,
        pub include_prior_dates: bool = false,
    }
}

model! {
    /// TODO
    pub struct GetXComCount tag "GetXComCount", extra = ignore {
        pub key: String,
        pub dag_id: String,
        pub run_id: String,
        pub task_id: String,
    }
}

model! {
    /// TODO
    pub struct GetXComSequenceItem tag "GetXComSequenceItem", extra = ignore {
        pub key: String,
        pub dag_id: String,
        pub run_id: String,
        pub task_id: String,
        pub offset: i64,
    }
}

model! {
    /// TODO
    pub struct GetXComSequenceSlice tag "GetXComSequenceSlice", extra = ignore {
        pub key: String,
        pub dag_id: String,
        pub run_id: String,
        pub task_id: String,
        pub start: Option<i64>,
        pub stop: Option<i64>,
        pub step: Option<i64>,
        pub include_prior_dates: bool = false,
    }
}
