//! [`ReadRequests`](crate::ReadRequests): a child process reading connections, variables, XComs,
//! assets, state stores and run metadata through its supervisor.
//!
//! Mirrors the `Get*` request models of `airflow.sdk.execution_time.comms`. All of them ignore
//! unknown keys. The task channel accepts every one; the callback, trigger and DAG-processor
//! channels accept subsets (see [`channels`](crate::union::channels)). Each request that decodes gets
//! exactly one reply, named on the struct; a failed Execution API call turns into an
//! [`ErrorResponse`] with `API_SERVER_ERROR` in the frame's error slot
//! instead.

#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// Looks up an asset by its name. Answered with [`AssetResult`], or an
    /// `ErrorResponse` body with `ASSET_NOT_FOUND`.
    pub struct GetAssetByName tag "GetAssetByName", extra = ignore {
        /// The asset's name.
        pub name: String,
    }
}

model! {
    /// Looks up an asset by its URI. Answered with [`AssetResult`], or an
    /// `ErrorResponse` body with `ASSET_NOT_FOUND`.
    pub struct GetAssetByUri tag "GetAssetByUri", extra = ignore {
        /// The asset's URI.
        pub uri: String,
    }
}

model! {
    /// Lists the assets an asset alias currently resolves to. Answered with
    /// [`AssetsByAliasResult`].
    pub struct GetAssetsByAlias tag "GetAssetsByAlias", extra = ignore {
        /// The alias's name.
        pub alias_name: String,
    }
}

model! {
    /// Lists the events recorded for one asset, ordered by timestamp. Answered with
    /// [`AssetEventsResult`].
    ///
    /// At least one of `name` and `uri` must be set: with both `None` the Execution API refuses
    /// the query and the reply is an `API_SERVER_ERROR` in the error slot.
    pub struct GetAssetEventByAsset tag "GetAssetEventByAsset", extra = ignore {
        /// The asset's name; `None` to select by URI alone. Must be sent, even when `None`.
        pub name: Option<String>,
        /// The asset's URI; `None` to select by name alone. Must be sent, even when `None`.
        pub uri: Option<String>,
        /// Only events at or after this time; `None` means no lower bound.
        pub after: Option<AwareDateTime> = None,
        /// Only events at or before this time; `None` means no upper bound.
        pub before: Option<AwareDateTime> = None,
        /// At most this many events; `None` means all of them.
        pub limit: Option<i64> = None,
        /// Oldest first when `true`, newest first when `false`.
        pub ascending: bool = true,
    }
}

model! {
    /// Lists the events recorded through one asset alias, ordered by timestamp. Answered with
    /// [`AssetEventsResult`].
    pub struct GetAssetEventByAssetAlias tag "GetAssetEventByAssetAlias", extra = ignore {
        /// The alias's name.
        pub alias_name: String,
        /// Only events at or after this time; `None` means no lower bound.
        pub after: Option<AwareDateTime> = None,
        /// Only events at or before this time; `None` means no upper bound.
        pub before: Option<AwareDateTime> = None,
        /// At most this many events; `None` means all of them.
        pub limit: Option<i64> = None,
        /// Oldest first when `true`, newest first when `false`.
        pub ascending: bool = true,
    }
}

model! {
    /// Reads one key of an asset's state store, the asset named by its name. Answered with
    /// [`AssetStateStoreResult`], or an `ErrorResponse` body with
    /// `ASSET_STORE_NOT_FOUND` when the key is not set.
    pub struct GetAssetStateStoreByName tag "GetAssetStateStoreByName", extra = ignore {
        /// The asset's name.
        pub name: String,
        /// The key to read.
        pub key: String,
    }
}

model! {
    /// Reads one key of an asset's state store, the asset named by its URI. Answered with
    /// [`AssetStateStoreResult`], or an `ErrorResponse` body with
    /// `ASSET_STORE_NOT_FOUND` when the key is not set.
    pub struct GetAssetStateStoreByUri tag "GetAssetStateStoreByUri", extra = ignore {
        /// The asset's URI.
        pub uri: String,
        /// The key to read.
        pub key: String,
    }
}

model! {
    /// Fetches a connection. Answered with [`ConnectionResult`], or an
    /// `ErrorResponse` body with `CONNECTION_NOT_FOUND` (unknown id) or `PERMISSION_DENIED` (the
    /// API answered 401 or 403). The supervisor registers the password and extra with its secrets
    /// masker before replying.
    pub struct GetConnection tag "GetConnection", extra = ignore {
        /// The connection id.
        pub conn_id: String,
    }
}

model! {
    /// Fetches one DAG run in full. Answered with [`DagRunResult`].
    pub struct GetDagRun tag "GetDagRun", extra = ignore {
        /// The DAG the run belongs to.
        pub dag_id: String,
        /// The run's id.
        pub run_id: String,
    }
}

model! {
    /// Fetches only the state of one DAG run. Answered with
    /// [`DagRunStateResult`].
    pub struct GetDagRunState tag "GetDagRunState", extra = ignore {
        /// The DAG the run belongs to.
        pub dag_id: String,
        /// The run's id.
        pub run_id: String,
    }
}

model! {
    /// Counts the runs of a DAG that match every filter given. Answered with
    /// [`DRCount`].
    pub struct GetDRCount tag "GetDRCount", extra = ignore {
        /// The DAG whose runs are counted.
        pub dag_id: String,
        /// Only runs with one of these logical dates; `None` means any.
        pub logical_dates: Option<Vec<AwareDateTime>> = None,
        /// Only runs with one of these ids; `None` means any.
        pub run_ids: Option<Vec<String>> = None,
        /// Only runs in one of these DAG-run states (`"success"`, `"failed"`, ...); `None` means
        /// any.
        pub states: Option<Vec<String>> = None,
    }
}

model! {
    /// Fetches a DAG's metadata (paused flag, bundle, owners, tags, next run). Answered with
    /// [`DagResult`].
    pub struct GetDag tag "GetDag", extra = ignore {
        /// The DAG.
        pub dag_id: String,
    }
}

model! {
    /// Asks for the latest successful run of the task's DAG before the current run's logical
    /// date. Answered with [`PrevSuccessfulDagRunResult`],
    /// whose fields are all absent when there is none.
    pub struct GetPrevSuccessfulDagRun tag "GetPrevSuccessfulDagRun", extra = ignore {
        /// The asking task instance. The 3.3.2 supervisor ignores it and uses the id of the
        /// process it supervises.
        pub ti_id: Uuid,
    }
}

model! {
    /// Asks for the latest run of a DAG before a logical date. Answered with
    /// [`PreviousDagRunResult`], whose `dag_run` is `None` when
    /// there is none.
    pub struct GetPreviousDagRun tag "GetPreviousDagRun", extra = ignore {
        /// The DAG.
        pub dag_id: String,
        /// Only runs with a strictly earlier logical date are considered.
        pub logical_date: AwareDateTime,
        /// Only runs in this DAG-run state; `None` means any state.
        pub state: Option<String> = None,
    }
}

model! {
    /// Asks for the most recent instance of a task, by logical date of its run. Answered with
    /// [`PreviousTIResult`], whose `task_instance` is `None` when
    /// nothing matches.
    ///
    /// Also accepted on the trigger channel, but the 3.3.2 trigger runner cannot decode the
    /// reply (`PreviousTIResult` is not in its `ToTriggerRunner` union).
    pub struct GetPreviousTI tag "GetPreviousTI", extra = ignore {
        /// The DAG.
        pub dag_id: String,
        /// The task.
        pub task_id: String,
        /// Only runs with a strictly earlier logical date; `None` means no date bound.
        pub logical_date: Option<AwareDateTime> = None,
        /// The map index to match; `-1` for an unmapped task.
        pub map_index: i64 = -1,
        /// Only task instances in this state; `None` means any state.
        pub state: Option<TaskInstanceState> = None,
    }
}

model! {
    /// Asks when a task instance was first rescheduled (sensors in reschedule mode). Answered with
    /// [`TaskRescheduleStartDate`], whose `start_date` is `None`
    /// when the task instance has no reschedule.
    pub struct GetTaskRescheduleStartDate tag "GetTaskRescheduleStartDate", extra = ignore {
        /// The task instance.
        pub ti_id: Uuid,
        /// The try to ask about. The supervisor forwards it, but the 3.3.2 Execution API does not
        /// filter on it and answers with the earliest reschedule of the task instance.
        pub try_number: i64 = 1,
    }
}

model! {
    /// Reads one key of a task instance's state store. Answered with
    /// [`TaskStateStoreResult`], or an `ErrorResponse` body with
    /// `TASK_STORE_NOT_FOUND` when the key is not set.
    pub struct GetTaskStateStore tag "GetTaskStateStore", extra = ignore {
        /// The task instance whose store is read.
        pub ti_id: Uuid,
        /// The key to read.
        pub key: String,
    }
}

model! {
    /// Counts the task instances of a DAG that match every filter given. Answered with
    /// [`TICount`].
    pub struct GetTICount tag "GetTICount", extra = ignore {
        /// The DAG whose task instances are counted.
        pub dag_id: String,
        /// Only this map index; `None` (or a negative value, which the supervisor does not
        /// forward) means any.
        pub map_index: Option<i64> = None,
        /// Only these tasks; `None` means any.
        pub task_ids: Option<Vec<String>> = None,
        /// Only the tasks of this task group; `None` means no group filter.
        pub task_group_id: Option<String> = None,
        /// Only runs with one of these logical dates; `None` means any.
        pub logical_dates: Option<Vec<AwareDateTime>> = None,
        /// Only runs with one of these ids; `None` means any.
        pub run_ids: Option<Vec<String>> = None,
        /// Only task instances in one of these states; the string `"null"` matches task
        /// instances that have no state yet. `None` means any.
        pub states: Option<Vec<String>> = None,
    }
}

model! {
    /// Lists the task instances of a DAG run that have reached a terminal state. Answered with
    /// [`TaskBreadcrumbsResult`].
    pub struct GetTaskBreadcrumbs tag "GetTaskBreadcrumbs", extra = ignore {
        /// The DAG the run belongs to.
        pub dag_id: String,
        /// The run's id.
        pub run_id: String,
    }
}

model! {
    /// Fetches the states of the task instances of a DAG that match every filter given. Answered
    /// with [`TaskStatesResult`].
    pub struct GetTaskStates tag "GetTaskStates", extra = ignore {
        /// The DAG.
        pub dag_id: String,
        /// Only this map index; `None` (or a negative value, which the supervisor does not
        /// forward) means any.
        pub map_index: Option<i64> = None,
        /// Only these tasks; `None` means any.
        pub task_ids: Option<Vec<String>> = None,
        /// Only the tasks of this task group; `None` means no group filter.
        pub task_group_id: Option<String> = None,
        /// Only runs with one of these logical dates; `None` means any.
        pub logical_dates: Option<Vec<AwareDateTime>> = None,
        /// Only runs with one of these ids; `None` means any.
        pub run_ids: Option<Vec<String>> = None,
    }
}

model! {
    /// Fetches a variable. Answered with [`VariableResult`], or an
    /// `ErrorResponse` body with `VARIABLE_NOT_FOUND` (unknown key) or `PERMISSION_DENIED` (the
    /// API answered 401 or 403). The supervisor registers the value with its secrets masker
    /// before replying.
    pub struct GetVariable tag "GetVariable", extra = ignore {
        /// The variable's key.
        pub key: String,
    }
}

model! {
    /// Lists variable keys, sorted, one page at a time. Answered with
    /// [`VariableKeysResult`].
    pub struct GetVariableKeys tag "GetVariableKeys", extra = ignore {
        /// Only keys starting with this text; `None` means all keys.
        pub prefix: Option<String> = None,
        /// The page size; the Execution API accepts 1 to 10 000.
        pub limit: i64 = 1000,
        /// How many matching keys to skip before the page starts.
        pub offset: i64 = 0,
    }
}

model! {
    /// Reads one XCom value. Answered with [`XComResult`]; a value that does
    /// not exist is not an error but an `XComResult` whose `value` is null.
    pub struct GetXCom tag "GetXCom", extra = ignore {
        /// The XCom key.
        pub key: String,
        /// The DAG of the task that pushed the value.
        pub dag_id: String,
        /// The run of the task that pushed the value.
        pub run_id: String,
        /// The task that pushed the value.
        pub task_id: String,
        /// The map index of the pushing task instance; `None` (or a negative value) means the
        /// unmapped task (map index -1).
        pub map_index: Option<i64> = None,
        /// Also look at values pushed in runs with an earlier logical date.
        pub include_prior_dates: bool = false,
    }
}

model! {
    /// Counts the values stored under one XCom key across the map indexes of a task (the length
    /// of a mapped task's output). Answered with
    /// [`XComCountResponse`].
    pub struct GetXComCount tag "GetXComCount", extra = ignore {
        /// The XCom key.
        pub key: String,
        /// The DAG of the task that pushed the values.
        pub dag_id: String,
        /// The run of the task that pushed the values.
        pub run_id: String,
        /// The task that pushed the values.
        pub task_id: String,
    }
}

model! {
    /// Reads one element of a mapped task's XCom values, by position in map-index order.
    /// Answered with [`XComSequenceIndexResult`], or an
    /// `ErrorResponse` body with `XCOM_NOT_FOUND` when the position is out of range.
    pub struct GetXComSequenceItem tag "GetXComSequenceItem", extra = ignore {
        /// The XCom key.
        pub key: String,
        /// The DAG of the task that pushed the values.
        pub dag_id: String,
        /// The run of the task that pushed the values.
        pub run_id: String,
        /// The task that pushed the values.
        pub task_id: String,
        /// The position; negative values count from the end (`-1` is the last element).
        pub offset: i64,
    }
}

model! {
    /// Reads a slice of a mapped task's XCom values, in map-index order, with Python slice
    /// semantics. Answered with [`XComSequenceSliceResult`].
    pub struct GetXComSequenceSlice tag "GetXComSequenceSlice", extra = ignore {
        /// The XCom key.
        pub key: String,
        /// The DAG of the task that pushed the values.
        pub dag_id: String,
        /// The run of the task that pushed the values.
        pub run_id: String,
        /// The task that pushed the values.
        pub task_id: String,
        /// First position of the slice; `None` means from the start. Must be sent, even when
        /// `None`.
        pub start: Option<i64>,
        /// Position the slice stops before; `None` means to the end. Must be sent, even when
        /// `None`.
        pub stop: Option<i64>,
        /// Stride of the slice; `None` means 1. Must be sent, even when `None`.
        pub step: Option<i64>,
        /// Also include values pushed in runs with an earlier logical date.
        pub include_prior_dates: bool = false,
    }
}
