//! The DAG-processor channel's own messages: [`DagParsingRequests`](crate::DagParsingRequests)
//! from a DAG-file processor, the [`DagFileParseRequest`] that starts
//! it, and the callback requests that request carries.
//!
//! Mirrors `DagFileParseRequest` and `DagFileParsingResult` of `airflow.dag_processing.processor`,
//! `LazyDeserializedDAG` of `airflow.serialization.serialized_objects`, `DagCallbackRequest`,
//! `TaskCallbackRequest`, `EmailRequest` and `DagRunContext` of
//! `airflow.callbacks.callback_requests`, and the `TaskInstance`, `DagRun`,
//! `AssetEventDagRunReference` and `TIRunContext` models of
//! `airflow.api_fastapi.execution_api.datamodels` that the callbacks nest. Those last four are the
//! Execution API server's own variants, named `Core*` here to tell them from the SDK models in
//! [`nested`](crate::messages::nested): they normalise every date-time to UTC and several of
//! their fields cannot be null.

use super::lifecycle::AnyMapOrString;
use super::nested::{AssetAliasReferenceAssetEventDagRun, AssetReferenceAssetEventDagRun};
#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// One parsed DAG in serialized form, in
    /// [`DagFileParsingResult::serialized_dags`].
    pub struct LazyDeserializedDAG, extra = ignore {
        /// The DAG in Airflow's DAG serialization format.
        pub data: AnyDict,
        /// When the DAG was loaded from its file; a naive date-time is accepted here.
        pub last_loaded: Option<NaiveOrAwareDateTime> = None,
    }
}

model! {
    /// What a DAG-file processor found in the file it parsed, for the manager to store.
    /// Answered with an empty reply. Not sent when the processor only ran callbacks.
    pub struct DagFileParsingResult tag "DagFileParsingResult", extra = ignore {
        /// Path of the parsed file, as given in the request.
        pub fileloc: String,
        /// The DAGs the file defines, serialized.
        pub serialized_dags: Vec<LazyDeserializedDAG>,
        /// DAG warnings, as free-form values (objects with `dag_id`, `warning_type` and
        /// `message` in 3.3.2); `None` when not reported.
        pub warnings: Option<Vec<AnyValue>> = None,
        /// File path to error text (usually a traceback) for each file that failed to import or
        /// to serialize; `None` when not reported.
        pub import_errors: Option<IndexMap<String, String>> = None,
    }
}

model! {
    /// An asset event consumed by a DAG run, in
    /// [`CoreDagRun::consumed_asset_events`]: the
    /// Execution API server's variant of
    /// [`AssetEventDagRunReference`], whose `timestamp` is
    /// normalised to UTC. Refuses unknown keys.
    pub struct CoreAssetEventDagRunReference, extra = forbid {
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
        /// When the event was recorded, in UTC.
        pub timestamp: UtcDateTime,
        /// The partition the event is for; `None` when unpartitioned.
        pub partition_key: Option<String> = None,
    }
}

model! {
    /// A DAG run: the Execution API server's variant of [`DagRun`]. Every
    /// date-time is normalised to UTC, and `clear_number` cannot be null (default 0, where the
    /// SDK model allows null). Refuses unknown keys.
    pub struct CoreDagRun, extra = forbid {
        /// The DAG the run belongs to.
        pub dag_id: String,
        /// The run's id.
        pub run_id: String,
        /// The run's logical date; `None` for a run without one.
        pub logical_date: Option<UtcDateTime>,
        /// Start of the run's data interval; `None` when it has none.
        pub data_interval_start: Option<UtcDateTime>,
        /// End of the run's data interval; `None` when it has none.
        pub data_interval_end: Option<UtcDateTime>,
        /// The earliest time the run may be scheduled.
        pub run_after: UtcDateTime,
        /// When the run started; `None` if it has not started.
        pub start_date: Option<UtcDateTime>,
        /// When the run ended; `None` if it has not ended.
        pub end_date: Option<UtcDateTime>,
        /// How many times the run has been cleared.
        pub clear_number: i64 = 0,
        /// How the run was created.
        pub run_type: DagRunType,
        /// The run's state.
        pub state: DagRunState,
        /// The run's configuration.
        pub conf: Option<AnyMap> = None,
        /// The user who triggered the run, if a user did.
        pub triggering_user_name: Option<String> = None,
        /// The asset events that led to the run.
        pub consumed_asset_events: Vec<CoreAssetEventDagRunReference>,
        /// The partition the run is for; `None` for an unpartitioned run.
        pub partition_key: Option<String>,
        /// The date of the run's partition, if any.
        pub partition_date: Option<UtcDateTime> = None,
        /// A note attached to the run.
        pub note: Option<String> = None,
        /// The team the run belongs to, in multi-team deployments.
        pub team_name: Option<String> = None,
    }
}

model! {
    /// A task instance: the Execution API server's variant of
    /// [`TaskInstance`], where `map_index` (default -1) and `queue` (default
    /// `"default"`) cannot be null.
    pub struct CoreTaskInstance, extra = ignore {
        /// The task instance's id (one per try).
        pub id: Uuid,
        /// The task.
        pub task_id: String,
        /// The DAG.
        pub dag_id: String,
        /// The run.
        pub run_id: String,
        /// The current try, from 1.
        pub try_number: i64,
        /// The version of the DAG the task instance runs with.
        pub dag_version_id: Uuid,
        /// Its map index; `-1` for an unmapped task.
        pub map_index: i64 = -1,
        /// The host it ran on, once known.
        pub hostname: Option<String> = None,
        /// OpenTelemetry trace context of the task instance.
        pub context_carrier: Option<AnyDict> = None,
        /// The queue the task was sent to.
        pub queue: String = "default".to_owned(),
    }
}

model! {
    /// What the scheduler passes along for building a DAG callback's context, in
    /// [`DagCallbackRequest::context_from_server`].
    pub struct DagRunContext, extra = ignore {
        /// The run the callback is for; `None` when not provided.
        pub dag_run: Option<CoreDagRun> = None,
        /// The task instance that decided the run's outcome (e.g. the one that failed); `None`
        /// when there is none.
        pub last_ti: Option<CoreTaskInstance> = None,
    }
}

model! {
    /// Asks the DAG processor to run a DAG's success or failure callback for one run.
    pub struct DagCallbackRequest tag "DagCallbackRequest", extra = ignore {
        /// Path of the DAG file, relative to the bundle root.
        pub filepath: String,
        /// The bundle the file belongs to.
        pub bundle_name: String,
        /// The bundle version to load; `None` when the bundle is not versioned.
        pub bundle_version: Option<String>,
        /// Why the callback runs (e.g. `"success"`), for logging.
        pub msg: Option<String> = None,
        /// The DAG.
        pub dag_id: String,
        /// The run the callback is for.
        pub run_id: String,
        /// Run details for the callback's context; `None` when not provided.
        pub context_from_server: Option<DagRunContext> = None,
        /// `true` for the failure callback, `false` for the success callback.
        pub is_failure_callback: Option<bool> = Some(true),
    }
}

model! {
    /// A task instance's run context: the Execution API server's variant of
    /// [`TIRunContext`]. `task_reschedule_count`, `variables`,
    /// `connections`, `xcom_keys_to_clear` and `should_retry` cannot be null (defaults 0, empty,
    /// empty, empty, `false`), and date-times are normalised to UTC.
    pub struct CoreTIRunContext, extra = ignore {
        /// The run the task instance belongs to.
        pub dag_run: CoreDagRun,
        /// How many times the task instance has been rescheduled.
        pub task_reschedule_count: i64 = 0,
        /// Airflow's `max_tries` for the task instance: a failed try whose number is at most this
        /// is retried.
        pub max_tries: i64,
        /// Variables preloaded for the task.
        pub variables: Vec<CoreVariableResponse> = Vec::new(),
        /// Connections preloaded for the task.
        pub connections: Vec<CoreConnectionResponse> = Vec::new(),
        /// The task method to resume with after a deferral; `None` for a fresh start.
        pub next_method: Option<String> = None,
        /// Keyword arguments for `next_method`: an object, or an encrypted string.
        pub next_kwargs: Option<AnyMapOrString> = None,
        /// XCom keys to clear before the task runs.
        pub xcom_keys_to_clear: Vec<String> = Vec::new(),
        /// Whether a failure now leads to a retry rather than a final failure.
        pub should_retry: bool = false,
        /// The task's original start when it resumes from a deferral; `None` otherwise.
        pub start_date: Option<UtcDateTime> = None,
    }
}

model! {
    /// Asks the DAG processor to run a callback of a task instance, for cases where the task's
    /// own process could not run it (e.g. the process was killed).
    pub struct TaskCallbackRequest tag "TaskCallbackRequest", extra = ignore {
        /// Path of the DAG file, relative to the bundle root.
        pub filepath: String,
        /// The bundle the file belongs to.
        pub bundle_name: String,
        /// The bundle version to load; `None` when the bundle is not versioned.
        pub bundle_version: Option<String>,
        /// Why the callback runs, for logging.
        pub msg: Option<String> = None,
        /// The task instance the callback is for.
        pub ti: CoreTaskInstance,
        /// The state whose callback to run; `None` counts as a failure callback.
        pub task_callback_type: Option<TaskInstanceState> = None,
        /// The task's run context for the callback's context; `None` when not provided.
        pub context_from_server: Option<CoreTIRunContext> = None,
    }
}

model! {
    /// Asks the DAG processor to send a task's failure or retry notification email.
    pub struct EmailRequest tag "EmailRequest", extra = ignore {
        /// Path of the DAG file, relative to the bundle root.
        pub filepath: String,
        /// The bundle the file belongs to.
        pub bundle_name: String,
        /// The bundle version to load; `None` when the bundle is not versioned.
        pub bundle_version: Option<String>,
        /// Why the email is sent, for logging.
        pub msg: Option<String> = None,
        /// The task instance the email is about.
        pub ti: CoreTaskInstance,
        /// Which email to send.
        pub email_type: EmailType = EmailType::Failure,
        /// The task's run context for rendering the email.
        pub context_from_server: CoreTIRunContext,
    }
}

model! {
    /// Tells a DAG-file processor which file to parse: the manager sends it unasked as the first
    /// frame of the DAG-processor channel, with id 0.
    pub struct DagFileParseRequest tag "DagFileParseRequest", extra = ignore {
        /// Path of the DAG file to parse.
        pub file: String,
        /// Root directory of the bundle the file belongs to.
        pub bundle_path: PosixPath,
        /// The bundle's name.
        pub bundle_name: String,
        /// Callbacks to run. When there are any, the processor runs them instead of reporting
        /// the file's DAGs.
        pub callback_requests: Vec<CallbackRequest> = Vec::new(),
    }
}

tagged_union! {
    /// A callback the DAG processor runs after parsing a file (Airflow's `CallbackRequest`
    /// union, discriminated by `"type"`).
    pub enum CallbackRequest { DagCallbackRequest, TaskCallbackRequest, EmailRequest }
}

model! {
    /// A variable preloaded in a [`CoreTIRunContext`]: the server's variant of
    /// [`VariableResponse`]. The value is written under `value` but also
    /// read under the Python field name `val`, which is what the DAG processor manager sends.
    /// As in pydantic, `val` counts only when `value` is absent; both at once are refused (`val`
    /// is then an unknown key, which this model refuses).
    pub struct CoreVariableResponse, extra = forbid {
        /// The variable's key.
        pub key: String,
        /// The variable's value; `None` when it is stored without one.
        pub value as "value" | "val": Option<String>,
    }
}

model! {
    /// A connection preloaded in a [`CoreTIRunContext`]: the server's variant of
    /// [`ConnectionResponse`]. The schema is written under `schema`
    /// but also read under the Python field name `schema_`, which is what the DAG processor
    /// manager sends. As in pydantic, `schema_` counts only when `schema` is absent; beside it,
    /// it is an unknown key, ignored whatever it holds.
    pub struct CoreConnectionResponse, extra = ignore {
        /// The connection id.
        pub conn_id: String,
        /// The connection type (`"postgres"`, `"http"`, ...).
        pub conn_type: String,
        /// The host; `None` when not set.
        pub host: Option<String>,
        /// The connection's schema field (often a database name); `None` when not set.
        pub schema as "schema" | "schema_": Option<String>,
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

/// A filesystem path normalised as Python's `pathlib.PurePosixPath` prints it: repeated and
/// trailing slashes and `.` components dropped, `""` read as `"."`. `..` is kept as is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PosixPath(String);

impl PosixPath {
    /// Normalises `path`.
    pub fn new(path: &str) -> Self {
        // POSIX keeps exactly two leading slashes; one, or three and more, mean the root.
        let root = if path.starts_with("//") && !path.starts_with("///") {
            "//"
        } else if path.starts_with('/') {
            "/"
        } else {
            ""
        };
        let mut out = String::with_capacity(path.len());
        out.push_str(root);
        for (i, part) in path
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .enumerate()
        {
            if i > 0 {
                out.push('/');
            }
            out.push_str(part);
        }
        if out.is_empty() {
            out.push('.');
        }
        Self(out)
    }

    /// The normalised path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PosixPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for PosixPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for PosixPath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let path = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::new(&path))
    }
}

#[cfg(test)]
mod tests {
    use super::PosixPath;

    #[test]
    fn paths_normalise_like_pathlib() {
        for (input, want) in [
            ("", "."),
            ("/opt/airflow/dags/", "/opt/airflow/dags"),
            ("a//b/./c", "a/b/c"),
            ("//net/share", "//net/share"),
            ("///x", "/x"),
            ("../x/..", "../x/.."),
        ] {
            assert_eq!(PosixPath::new(input).as_str(), want, "{input:?}");
        }
    }
}
