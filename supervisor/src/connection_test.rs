//! Running a `TestConnection` workload: what Airflow's `supervise_connection_test` does.
//!
//! The supervisor fetches the connection under test from the Execution API
//! (`GET /connection-tests/{id}/connection`), has a fresh Python interpreter run the
//! connection's own `test_connection()` (the hook's code is Python) within the workload's
//! timeout, and reports the outcome (`PATCH /connection-tests/{id}`). The workload itself
//! succeeds whatever the test found; only the report carries the result.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::Method;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use uuid::Uuid;

use crate::api::models::{
    ConnectionTestConnectionResponse, ConnectionTestResultBody, ConnectionTestState,
};
use crate::api::{ApiClient, ApiError, Body};
use crate::logs::{Level, Record};

/// The marker that starts the line the child writes its result on.
const RESULT_MARKER: &str = "\u{1e}airflow-supervisor-connection-test-result ";

/// The Python the test's interpreter runs. It reads the connection and the timeout as JSON on
/// stdin, makes the connection visible to the hook as Airflow does (an `AIRFLOW_CONN_…`
/// variable, client process context), runs `test_connection()` under the SDK's timeout, and
/// writes the outcome as one marked JSON line on stdout.
pub const PYTHON_CONNECTION_TEST_MAIN: &str = r#"
import json, os, sys
spec = json.load(sys.stdin)
marker = sys.argv[1]
def report(**outcome):
    sys.stdout.write(marker + json.dumps(outcome) + "\n")
    sys.stdout.flush()
try:
    from airflow.sdk.definitions.connection import Connection
    from airflow.sdk.exceptions import AirflowTaskTimeout
    from airflow.sdk.execution_time.timeout import TimeoutPosix
    c = spec["connection"]
    conn = Connection(conn_id=c["conn_id"], conn_type=c["conn_type"], host=c.get("host"),
                      login=c.get("login"), password=c.get("password"), schema=c.get("schema"),
                      port=c.get("port"), extra=c.get("extra"))
    os.environ["AIRFLOW_CONN_" + c["conn_id"].upper()] = conn.get_uri()
    os.environ["_AIRFLOW_PROCESS_CONTEXT"] = "client"
    timeout = spec["timeout"]
    try:
        with TimeoutPosix(seconds=timeout, error_message=f"Connection test timed out after {timeout}s"):
            ok, message = conn.test_connection()
        report(outcome="done", success=bool(ok), message=message)
    except AirflowTaskTimeout:
        report(outcome="timeout")
except Exception as e:
    import traceback
    report(outcome="error", exception_type=type(e).__name__, traceback=traceback.format_exc())
"#;

/// What to test.
#[derive(Debug, Clone)]
pub struct ConnectionTestSpec {
    /// The connection test's id.
    pub connection_test_id: Uuid,
    /// The connection's id (for the logs).
    pub connection_id: String,
    /// Seconds the test may take.
    pub timeout: i64,
}

/// How the test went, as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// `success` or `failed`.
    pub state: ConnectionTestState,
    /// The message reported with it.
    pub message: Option<String>,
}

/// Why the result could not be reported.
#[derive(Debug, thiserror::Error)]
#[error("the connection test's result could not be reported: {0}")]
pub struct ReportError(#[source] pub ApiError);

/// The longest result message the server stores; the SDK cuts longer ones.
const MAX_MESSAGE_CHARS: usize = 2000;

/// Runs the test and reports it; the verdict reported.
pub async fn run(
    spec: ConnectionTestSpec,
    python: &Path,
    api: ApiClient,
    own: impl Fn(Record) + Send,
) -> Result<Verdict, ReportError> {
    let context = |record: Record| {
        record
            .with("connection_test_id", spec.connection_test_id.to_string())
            .with("connection_id", spec.connection_id.clone())
    };
    own(context(
        Record::now(Level::Info, "Starting connection test").with("timeout", spec.timeout),
    ));
    let start = Instant::now();
    let duration = |start: Instant| (start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    let verdict = match test(&spec, python, &api).await {
        Ok(Outcome::Done { success, message }) => {
            let state = if success {
                ConnectionTestState::Success
            } else {
                ConnectionTestState::Failed
            };
            own(context(
                Record::now(Level::Info, "Connection test finished")
                    .with("state", state.as_str())
                    .with("duration", duration(start)),
            ));
            Verdict { state, message }
        }
        Ok(Outcome::Timeout) => {
            own(context(
                Record::now(Level::Error, "Connection test timed out, marking failed")
                    .with("timeout", spec.timeout)
                    .with("duration", duration(start)),
            ));
            Verdict {
                state: ConnectionTestState::Failed,
                message: Some(format!("Connection test timed out after {}s", spec.timeout)),
            }
        }
        Ok(Outcome::Error { exception_type }) | Err(Unexpected { exception_type }) => {
            own(context(
                Record::now(Level::Error, "Connection test failed unexpectedly")
                    .with("duration", duration(start)),
            ));
            Verdict {
                state: ConnectionTestState::Failed,
                message: Some(format!(
                    "Connection test failed unexpectedly: {exception_type}"
                )),
            }
        }
    };
    let body = ConnectionTestResultBody {
        state: verdict.state,
        result_message: verdict
            .message
            .as_ref()
            .map(|m| m.chars().take(MAX_MESSAGE_CHARS).collect()),
    };
    let path = format!("/connection-tests/{}", spec.connection_test_id);
    api.call(Method::PATCH, &path, &[], Body::json(&body))
        .await
        .map_err(ReportError)?;
    Ok(verdict)
}

enum Outcome {
    Done {
        success: bool,
        message: Option<String>,
    },
    Timeout,
    Error {
        exception_type: String,
    },
}

/// A failure outside the hook: the API, or the interpreter.
struct Unexpected {
    exception_type: String,
}

async fn test(
    spec: &ConnectionTestSpec,
    python: &Path,
    api: &ApiClient,
) -> Result<Outcome, Unexpected> {
    let path = format!("/connection-tests/{}/connection", spec.connection_test_id);
    let answer = api
        .call(Method::GET, &path, &[], Body::None)
        .await
        .map_err(|e| Unexpected {
            exception_type: match e {
                ApiError::Status { .. } => "ServerResponseError",
                _ => "RequestError",
            }
            .to_owned(),
        })?;
    let connection: ConnectionTestConnectionResponse = serde_json::from_slice(&answer.body)
        .map_err(|_| Unexpected {
            exception_type: "ValidationError".to_owned(),
        })?;
    let input = serde_json::json!({ "connection": connection, "timeout": spec.timeout });
    let io_failure = |_| Unexpected {
        exception_type: "OSError".to_owned(),
    };
    let mut child = tokio::process::Command::new(python)
        .arg("-c")
        .arg(PYTHON_CONNECTION_TEST_MAIN)
        .arg(RESULT_MARKER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(io_failure)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.to_string().as_bytes())
            .await
            .map_err(io_failure)?;
    }
    let mut outcome = None;
    if let Some(stdout) = child.stdout.take() {
        let mut lines = BufReader::new(stdout).lines();
        // The hook's own output passes through to the supervisor's stdout.
        let read = async {
            while let Ok(Some(line)) = lines.next_line().await {
                match line.strip_prefix(RESULT_MARKER) {
                    Some(result) => {
                        outcome = serde_json::from_str::<serde_json::Value>(result).ok()
                    }
                    None => println!("{line}"),
                }
            }
        };
        // The SDK's timeout runs inside the child; this bound only catches an interpreter that
        // hangs before it arms it.
        let limit = Duration::from_secs(spec.timeout.max(0) as u64 + 60);
        if tokio::time::timeout(limit, read).await.is_err() {
            let _ = child.start_kill();
        }
    }
    let _ = child.wait().await;
    let Some(outcome) = outcome else {
        return Err(Unexpected {
            exception_type: "ChildProcessError".to_owned(),
        });
    };
    Ok(match outcome["outcome"].as_str() {
        Some("done") => Outcome::Done {
            success: outcome["success"].as_bool().unwrap_or(false),
            message: outcome["message"].as_str().map(str::to_owned),
        },
        Some("timeout") => Outcome::Timeout,
        _ => Outcome::Error {
            exception_type: outcome["exception_type"]
                .as_str()
                .unwrap_or("Exception")
                .to_owned(),
        },
    })
}
