//! [`OrchestrationRequests`](crate::OrchestrationRequests): a task starting other DAG runs.
//!
//! Mirrors `TriggerDagRun` of `airflow.sdk.execution_time.comms` (an Execution API payload: unknown
//! keys are refused).

#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// Creates a run of another DAG (`TriggerDagRunOperator`). Answered with
    /// [`OKResponse`], or an `ErrorResponse` body with `DAGRUN_ALREADY_EXISTS`.
    pub struct TriggerDagRun tag "TriggerDagRun", extra = forbid {
        /// The logical date of the new run.
        pub logical_date: Option<AwareDateTime> = None,
        /// The earliest time the run may start.
        pub run_after: Option<AwareDateTime> = None,
        /// The run's configuration.
        pub conf: Option<AnyMap> = None,
        /// Clear and rerun an existing run with the same id instead of failing.
        pub reset_dag_run: Option<bool> = Some(false),
        /// The partition the run is for.
        pub partition_key: Option<String> = None,
        /// A note attached to the run.
        pub note: Option<String> = None,
        /// The DAG to run.
        pub dag_id: String,
        /// The id of the new run.
        pub run_id: String,
    }
}
