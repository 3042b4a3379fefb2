//! Answering the child's requests through the Execution API.
//!
//! [`Handler`] implements the library's [`AsyncHandle`](airflow_comms::dispatch::AsyncHandle)
//! for every request of the task channel (and so of the callback channel, whose requests are a
//! subset): the library's dispatch decodes each frame, calls the matching `handle`, and writes
//! the typed reply. Each `handle` makes the HTTP call Airflow's task supervisor
//! (`ActivitySubprocess._handle_request` with the SDK's `Client`) makes for that request, with
//! the same method, path encoding, query parameters and body, and shapes the answer the same
//! way:
//!
//! - bodies are the generated request types of [`crate::api::models`], answers are read into
//!   the generated response types, then recast into the comms reply;
//! - the not-found (and, for connections and variables, not-allowed) answers the SDK turns into
//!   a reply body (`ErrorResponse`, an empty XCom) are turned into the same body;
//! - any other failure goes in the frame's error slot as `API_SERVER_ERROR` ([`api_failure`]),
//!   with the status and the server's body, or, where the SDK would fail before or after the
//!   call (a bad argument, an answer it cannot read), without a status and with the name of the
//!   Python exception it would raise.
//!
//! Requests that end the task (`SucceedTask`, `RetryTask`, `DeferTask`, `RescheduleTask`,
//! `AwaitInputTask`) are reported at once; `TaskState` is kept for after the exit
//! ([`RunState`]).

mod assets;
mod dag_runs;
mod hitl;
mod lifecycle;
mod reads;
mod stores;
mod task_instances;
mod writes;
mod xcoms;

use std::sync::{Arc, Mutex, RwLock};

use airflow_comms::{AnyDict, AnyValue, ErrorResponse, ErrorType};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::api::{Answer, ApiClient, ApiError, Body};
use crate::logs::TaskLog;
use crate::mask::Masker;

pub(crate) use lifecycle::now_json;
pub use lifecycle::{PendingReport, RunState, Terminal};

/// Serves one child's requests.
#[derive(Debug, Clone)]
pub struct Handler {
    api: ApiClient,
    masker: Arc<RwLock<Masker>>,
    /// The task log; kept so that clones of the handler keep the log writer open while requests
    /// are in flight.
    _log: Option<TaskLog>,
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
            _log: Some(log),
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
            _log: log,
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

    /// Registers `secret` with the masker as the SDK's `mask_secret(secret, name)` does. The
    /// SDK treats an empty name as no name (the value is registered whatever it is).
    fn mask(&self, secret: &serde_json::Value, name: Option<&str>) {
        if let Ok(mut masker) = self.masker.write() {
            masker.add(secret, name.filter(|n| !n.is_empty()));
        }
    }

    /// One call; a failure becomes the frame's error.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body,
    ) -> Result<Answer, ErrorResponse> {
        self.api
            .call(method, path, query, body)
            .await
            .map_err(|e| api_failure(&e))
    }

    /// A call whose answer is read as `T`; any failure becomes the frame's error.
    async fn read<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ErrorResponse> {
        self.api
            .call_json(method, path, query, Body::None)
            .await
            .map_err(|e| api_failure(&e))
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

/// An API failure as the error the child receives, as the SDK's request loop shapes it:
/// `API_SERVER_ERROR` with the status, a message and the server's whole JSON body for an error
/// answer the SDK reads as a server error (one whose body is JSON); for anything else (a
/// transport failure, an error answer that is not JSON, a success answer that is not the
/// documented type) no status, a message and the Python exception the SDK would raise.
pub fn api_failure(error: &ApiError) -> ErrorResponse {
    match error {
        ApiError::Status { status, detail, .. } if !detail.is_null() => ErrorResponse {
            error: ErrorType::ApiServerError,
            detail: Some(dict([
                ("status_code", AnyValue::from(i64::from(status.as_u16()))),
                ("message", AnyValue::from(error.to_string())),
                ("detail", AnyValue::from(detail)),
            ])),
        },
        ApiError::Status { .. } => exception("HTTPStatusError", error.to_string()),
        // The httpx exception the SDK would have raised, as near as reqwest tells.
        ApiError::Transport { source, .. } => exception(
            if source.is_connect() {
                "ConnectError"
            } else if source.is_timeout() {
                "ConnectTimeout"
            } else if source.is_body() || source.is_decode() {
                "ReadError"
            } else {
                "TransportError"
            },
            error.to_string(),
        ),
        ApiError::Stalled { .. } => exception("ReadTimeout", error.to_string()),
        ApiError::Body { .. } => exception("ValidationError", error.to_string()),
    }
}

/// The error the SDK's request loop sends for an exception that is not a server error: no
/// status, the message, and the exception's type name.
fn exception(kind: &str, message: impl Into<String>) -> ErrorResponse {
    ErrorResponse {
        error: ErrorType::ApiServerError,
        detail: Some(dict([
            ("status_code", AnyValue::Null),
            ("message", AnyValue::from(message.into())),
            ("exception_type", AnyValue::from(kind)),
        ])),
    }
}

/// The status of an error answer the SDK reads as a server error (`ServerResponseError`: its
/// body is JSON). The SDK's special cases (404 → not found, 401/403 → denied, 409, 410) only
/// apply to those; any other error answer fails the request.
fn server_status(error: &ApiError) -> Option<StatusCode> {
    match error {
        ApiError::Status { status, detail, .. } if !detail.is_null() => Some(*status),
        _ => None,
    }
}

/// `value` (a generated API type, or a comms message) as the type `T` with the same JSON shape
/// (a comms reply, or an API body), through its JSON text: the two crates' types share the
/// wire format but not the Rust type. With `tag`, the JSON object gains `"type": tag` first,
/// as the comms replies carry it.
fn recast<A: Serialize + ?Sized, T: DeserializeOwned>(
    value: &A,
    tag: Option<&'static str>,
) -> Result<T, ErrorResponse> {
    let fail = |e: serde_json::Error| {
        exception(
            "ValidationError",
            format!(
                "cannot read {} as {}: {e}",
                std::any::type_name::<A>(),
                std::any::type_name::<T>()
            ),
        )
    };
    let text = serde_json::to_string(value).map_err(fail)?;
    let text = match (tag, text.strip_prefix('{')) {
        (Some(tag), Some(rest)) => {
            let sep = if rest.trim_start() == "}" { "" } else { "," };
            format!("{{\"type\":{}{sep}{rest}", serde_json::Value::from(tag))
        }
        _ => text,
    };
    serde_json::from_str(&text).map_err(fail)
}

/// `value` as a JSON object without the members whose value equals `defaults`' (pydantic's
/// `model_dump_json(exclude_defaults=True)` over a generated type).
fn without_defaults<T: Serialize>(value: &T, defaults: &T) -> serde_json::Value {
    let mut value = serde_json::to_value(value).unwrap_or_default();
    let defaults = serde_json::to_value(defaults).unwrap_or_default();
    if let serde_json::Value::Object(map) = &mut value {
        map.retain(|key, v| defaults.get(key) != Some(v));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recast_adds_the_tag_first() {
        let reply: airflow_comms::OKResponse =
            recast(&serde_json::json!({"ok": true}), Some("OKResponse")).unwrap();
        assert!(reply.ok);
        let empty: airflow_comms::PrevSuccessfulDagRunResult =
            recast(&serde_json::json!({}), Some("PrevSuccessfulDagRunResult")).unwrap();
        assert_eq!(empty.start_date, None);
    }

    #[test]
    fn a_non_json_error_answer_has_no_status() {
        let error = ApiError::Status {
            method: Method::GET,
            path: "/x".into(),
            status: StatusCode::BAD_GATEWAY,
            detail: serde_json::Value::Null,
        };
        let reply = api_failure(&error);
        let detail = reply.detail.unwrap();
        assert_eq!(detail.get("status_code"), Some(&AnyValue::Null));
        assert_eq!(
            detail.get("exception_type"),
            Some(&AnyValue::from("HTTPStatusError"))
        );
    }
}
