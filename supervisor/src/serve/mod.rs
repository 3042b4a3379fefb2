//! Answering the child's requests through the Execution API.
//!
//! [`Handler`] implements the library's [`AsyncHandle`] for every request of the task channel
//! (and so of the callback channel, whose requests are a subset): the library's dispatch decodes
//! each frame, calls the matching `handle`, and writes the typed reply. Each `handle` makes the
//! Execution API call Airflow's supervisor makes for that request and shapes its answer the same
//! way: a not-found read is a reply body (`ErrorResponse` or an empty result), any other API
//! failure goes in the frame's error slot as `API_SERVER_ERROR` with the status and detail.
//!
//! Requests that end the task (`SucceedTask`, `RetryTask`, `DeferTask`, `RescheduleTask`,
//! `AwaitInputTask`) are reported at once; `TaskState` is kept for after the exit
//! ([`RunState`]).

mod lifecycle;
mod reads;
mod tail;
mod writes;

use std::sync::{Arc, Mutex, RwLock};

use airflow_comms::{AnyDict, AnyValue, ErrorResponse, ErrorType};
use uuid::Uuid;

use crate::api::{ApiClient, ApiError};
use crate::logs::TaskLog;
use crate::mask::Masker;

pub(crate) use lifecycle::now_json;
pub use lifecycle::{PendingReport, RunState, Terminal};

/// Serves one child's requests.
#[derive(Debug, Clone)]
pub struct Handler {
    api: ApiClient,
    masker: Arc<RwLock<Masker>>,
    log: Option<TaskLog>,
    task: Option<TaskContext>,
}

/// What only a task's handler has: the task instance and its run's shared state.
#[derive(Debug, Clone)]
struct TaskContext {
    ti_id: Uuid,
    state: Arc<Mutex<RunState>>,
}

impl Handler {
    /// A handler for a task instance `ti_id`, recording the run's progress in `state`.
    pub fn for_task(
        api: ApiClient,
        masker: Arc<RwLock<Masker>>,
        log: TaskLog,
        ti_id: Uuid,
        state: Arc<Mutex<RunState>>,
    ) -> Handler {
        Handler {
            api,
            masker,
            log: Some(log),
            task: Some(TaskContext { ti_id, state }),
        }
    }

    /// A handler for a process that is not a task (a callback): only reads and masking.
    pub fn for_callback(
        api: ApiClient,
        masker: Arc<RwLock<Masker>>,
        log: Option<TaskLog>,
    ) -> Handler {
        Handler {
            api,
            masker,
            log,
            task: None,
        }
    }

    /// The task context. Requests that need one only arrive on the task channel, whose
    /// handlers are built by [`Handler::for_task`].
    fn task(&self) -> Result<&TaskContext, ErrorResponse> {
        self.task.as_ref().ok_or_else(|| ErrorResponse {
            error: ErrorType::PermissionDenied,
            detail: Some(dict([(
                "message",
                "only a task may send this request".into(),
            )])),
        })
    }

    fn mask(&self, secret: &serde_json::Value, name: Option<&str>) {
        if let Ok(mut masker) = self.masker.write() {
            masker.add(secret, name);
        }
    }
}

/// A `detail` dictionary.
fn dict<const N: usize>(entries: [(&str, AnyValue); N]) -> AnyDict {
    AnyDict(
        entries
            .into_iter()
            .map(|(k, v)| (AnyValue::from(k), v))
            .collect(),
    )
}

/// An API failure as the error the child receives: `API_SERVER_ERROR` with the status, a
/// message and the server's detail, as Airflow's supervisor sends it.
pub fn api_failure(error: &ApiError) -> ErrorResponse {
    let detail = match error {
        ApiError::Status { status, detail, .. } => dict([
            ("status_code", AnyValue::from(i64::from(status.as_u16()))),
            ("message", AnyValue::from(error.to_string())),
            ("detail", json_to_any(detail)),
        ]),
        ApiError::Transport { .. } | ApiError::Stalled { .. } | ApiError::Body { .. } => dict([
            ("status_code", AnyValue::Null),
            ("message", AnyValue::from(error.to_string())),
            (
                "exception_type",
                AnyValue::from(match error {
                    ApiError::Transport { .. } => "TransportError",
                    _ => "ValidationError",
                }),
            ),
        ]),
    };
    ErrorResponse {
        error: ErrorType::ApiServerError,
        detail: Some(detail),
    }
}

/// A JSON value as a free-form value.
pub(crate) fn json_to_any(value: &serde_json::Value) -> AnyValue {
    AnyValue::from(value)
}

/// Whether an API error is a 404.
fn is_not_found(error: &ApiError) -> bool {
    error.status() == Some(reqwest::StatusCode::NOT_FOUND)
}
