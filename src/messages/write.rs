//! [`WriteRequests`](crate::WriteRequests): a child process changing XComs, variables and the
//! task and asset state stores through its supervisor.
//!
//! Mirrors the `Set*`, `Put*`, `Delete*` and `Clear*` request models of
//! `airflow.sdk.execution_time.comms`. All of them ignore unknown keys. The task channel accepts
//! every one; the trigger and DAG-processor channels accept subsets and the callback channel none
//! (see [`channels`](crate::union::channels)). On success a supervisor answers either with
//! [`OKResponse`] (`ok` true) or with an empty reply, as each struct says; a
//! failed Execution API call turns into an [`ErrorResponse`] with
//! `API_SERVER_ERROR` in the frame's error slot.

#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// Removes every key of an asset's state store, the asset named by its name. Answered with
    /// [`OKResponse`].
    pub struct ClearAssetStateStoreByName tag "ClearAssetStateStoreByName", extra = ignore {
        /// The asset's name.
        pub name: String,
    }
}

model! {
    /// Removes every key of an asset's state store, the asset named by its URI. Answered with
    /// [`OKResponse`].
    pub struct ClearAssetStateStoreByUri tag "ClearAssetStateStoreByUri", extra = ignore {
        /// The asset's URI.
        pub uri: String,
    }
}

model! {
    /// Removes every key of a task instance's state store. Answered with
    /// [`OKResponse`].
    pub struct ClearTaskStateStore tag "ClearTaskStateStore", extra = ignore {
        /// The task instance whose store is cleared.
        pub ti_id: Uuid,
    }
}

model! {
    /// Removes one key of an asset's state store, the asset named by its name. Answered with
    /// [`OKResponse`].
    pub struct DeleteAssetStateStoreByName tag "DeleteAssetStateStoreByName", extra = ignore {
        /// The asset's name.
        pub name: String,
        /// The key to remove.
        pub key: String,
    }
}

model! {
    /// Removes one key of an asset's state store, the asset named by its URI. Answered with
    /// [`OKResponse`].
    pub struct DeleteAssetStateStoreByUri tag "DeleteAssetStateStoreByUri", extra = ignore {
        /// The asset's URI.
        pub uri: String,
        /// The key to remove.
        pub key: String,
    }
}

model! {
    /// Removes one key of a task instance's state store. Answered with
    /// [`OKResponse`].
    pub struct DeleteTaskStateStore tag "DeleteTaskStateStore", extra = ignore {
        /// The task instance whose store is changed.
        pub ti_id: Uuid,
        /// The key to remove.
        pub key: String,
    }
}

model! {
    /// Deletes one XCom value. Answered with an empty reply.
    pub struct DeleteXCom tag "DeleteXCom", extra = ignore {
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
    }
}

model! {
    /// Creates or overwrites a variable. Answered with an empty reply.
    pub struct PutVariable tag "PutVariable", extra = ignore {
        /// The variable's key.
        pub key: String,
        /// The value to store. Must be sent, even when `None`.
        pub value: Option<String>,
        /// A description of the variable; `None` for none. Must be sent, even when `None`.
        pub description: Option<String>,
    }
}

model! {
    /// Stores a value under a key of an asset's state store, the asset named by its name.
    /// Answered with [`OKResponse`].
    pub struct SetAssetStateStoreByName tag "SetAssetStateStoreByName", extra = ignore {
        /// The asset's name.
        pub name: String,
        /// The key to write.
        pub key: String,
        /// The value to store; any JSON value.
        pub value: JsonValue,
    }
}

model! {
    /// Stores a value under a key of an asset's state store, the asset named by its URI.
    /// Answered with [`OKResponse`].
    pub struct SetAssetStateStoreByUri tag "SetAssetStateStoreByUri", extra = ignore {
        /// The asset's URI.
        pub uri: String,
        /// The key to write.
        pub key: String,
        /// The value to store; any JSON value.
        pub value: JsonValue,
    }
}

model! {
    /// Stores a value under a key of a task instance's state store. Answered with
    /// [`OKResponse`].
    ///
    /// The Execution API files the value under the task instance's DAG run, task and map index,
    /// so it stays visible to later tries of the same task instance.
    pub struct SetTaskStateStore tag "SetTaskStateStore", extra = ignore {
        /// The task instance whose store is written.
        pub ti_id: Uuid,
        /// The key to write.
        pub key: String,
        /// The value to store; any JSON value.
        pub value: JsonValue,
        /// When the value may be purged; `None` means it is kept until deleted. Must be sent,
        /// even when `None`.
        pub expires_at: Option<AwareDateTime>,
    }
}

model! {
    /// Pushes an XCom value. Answered with an empty reply.
    pub struct SetXCom tag "SetXCom", extra = ignore {
        /// The XCom key.
        pub key: String,
        /// The value, already serialized by the task runner: JSON types only, so no date-time
        /// or binary values.
        pub value: JsonValue,
        /// The DAG of the pushing task.
        pub dag_id: String,
        /// The run of the pushing task.
        pub run_id: String,
        /// The pushing task.
        pub task_id: String,
        /// The map index of the pushing task instance; `None` (or a negative value) means the
        /// unmapped task (map index -1).
        pub map_index: Option<i64> = None,
        /// Whether the pushing task is marked as returning the DAG run's result.
        pub dag_result: bool = false,
        /// For a value that downstream tasks map over: how many elements it expands into.
        /// `None` when the value is not mapped over.
        pub mapped_length: Option<i64> = None,
    }
}

model! {
    /// Deletes a variable. Answered with [`OKResponse`].
    pub struct DeleteVariable tag "DeleteVariable", extra = ignore {
        /// The variable's key.
        pub key: String,
    }
}
