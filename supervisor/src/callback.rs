//! Running an `ExecuteCallback` workload: what Airflow's `supervise_callback` does.
//!
//! The callback runs in a fresh Python interpreter, through the SDK's own child entry point and
//! its own `execute_callback`, with the callback channel (`CallbackToSupervisor`: connections,
//! variables, masking) served by the same [`Handler`] as a task's. There is no heartbeat and no
//! state to report: the workload fails when the callback process exits non-zero. A positive
//! `[callbacks] callback_execution_timeout` kills a callback that runs longer.

use std::path::Path;
use std::time::Duration;

use airflow_comms::{BundleInfo, CallbackToSupervisor, JsonValue};

use crate::api::ApiClient;
use crate::child;
use crate::logs::{Level, Record, TaskLog};
use crate::serve::Handler;
use crate::task::{
    Timings, cancellable, drain, exit_code_of, log_exit, read_output, serve_requests, signal_group,
};

/// The Python the callback's interpreter runs. It takes the callback's description as JSON in
/// `sys.argv[1]` and the log socket's descriptor number in `sys.argv[2]`, sets up the callback
/// channel, makes the DAG bundle importable when the workload names one, and calls the SDK's
/// `execute_callback`; a failed callback exits 1.
pub const PYTHON_CALLBACK_MAIN: &str = r#"
import json, sys
from socket import socket
from airflow.sdk.execution_time.supervisor import _fork_main

def run_callback():
    import structlog
    from airflow.sdk.execution_time import task_runner
    from airflow.sdk.execution_time.comms import CommsDecoder, ToTask
    from airflow.sdk.execution_time.callback_supervisor import CallbackToSupervisor, execute_callback

    spec = json.loads(sys.argv[1])
    log = structlog.get_logger(logger_name="callback_runner")
    task_runner.SUPERVISOR_COMMS = CommsDecoder[ToTask, CallbackToSupervisor](log=log)
    bundle_path = None
    bundle = spec.get("bundle_info") or {}
    if bundle.get("name"):
        try:
            from airflow.dag_processing.bundles.manager import DagBundlesManager
            found = DagBundlesManager().get_bundle(name=bundle["name"], version=bundle.get("version"))
            found.initialize()
            bundle_path = str(found.path)
            if bundle_path not in sys.path:
                sys.path.append(bundle_path)
        except Exception:
            log.warning("Failed to initialize DAG bundle for callback", bundle_name=bundle["name"], exc_info=True)
    ok, error = execute_callback(
        callback_path=spec["path"],
        callback_kwargs=spec["kwargs"],
        dag_rel_path=spec["dag_rel_path"],
        bundle_path=bundle_path,
        log=log,
    )
    if not ok:
        log.error("Callback failed", error=error)
        sys.exit(1)

_fork_main(socket(fileno=0), socket(fileno=1), socket(fileno=2), int(sys.argv[2]), run_callback)
"#;

/// What to run.
#[derive(Debug, Clone)]
pub struct CallbackSpec {
    /// The callback's import path (`data["path"]`).
    pub path: String,
    /// Its keyword arguments (`data["kwargs"]`), as JSON.
    pub kwargs: JsonValue,
    /// The DAG file, relative to the bundle's root.
    pub dag_rel_path: String,
    /// The DAG bundle, when the workload names one.
    pub bundle_info: Option<BundleInfo>,
}

/// Why a callback could not be carried through.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// The process could not be started.
    #[error("could not start the callback process: {0}")]
    Start(#[source] std::io::Error),
    /// The callback failed: its process exited non-zero.
    #[error("Callback subprocess exited with code {0}")]
    Failed(i32),
}

/// Runs the callback to its end; `Ok` with exit code 0 when it succeeded.
pub async fn run(
    spec: CallbackSpec,
    python: &Path,
    api: ApiClient,
    log: TaskLog,
    timings: Timings,
    execution_timeout: Option<Duration>,
) -> Result<i32, CallbackError> {
    let child::Started {
        mut process,
        pid,
        io:
            child::ChildIo {
                requests,
                replies,
                stdout,
                stderr,
                logs,
            },
    } = start(python, &spec).map_err(CallbackError::Start)?;
    let handler = Handler::for_callback(api, log.masker().clone(), Some(log.clone()));
    let (streams, cancel) = read_output(stdout, stderr, logs, &log);
    streams.spawn(cancellable(
        cancel.clone(),
        serve_requests::<CallbackToSupervisor>(
            requests,
            replies,
            handler,
            log.clone(),
            streams.clone(),
            cancel.clone(),
        ),
    ));

    let timeout = async {
        match execution_timeout {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
        }
    };
    let mut killed = None;
    let status = tokio::select! {
        status = process.wait() => status,
        () = timeout => {
            log.own(
                Record::now(Level::Warning, "Callback execution timeout exceeded; terminating subprocess")
                    .with("pid", pid)
                    .with("timeout_seconds", execution_timeout.map(|t| t.as_secs_f64()).unwrap_or(0.0)),
            )
            .await;
            killed = Some(rustix::process::Signal::TERM);
            signal_group(pid, rustix::process::Signal::TERM);
            tokio::select! {
                status = process.wait() => status,
                () = tokio::time::sleep(timings.kill_escalation) => {
                    killed = Some(rustix::process::Signal::KILL);
                    signal_group(pid, rustix::process::Signal::KILL);
                    process.wait().await
                }
            }
        }
    };
    let exit_code = exit_code_of(status);
    log_exit(&log, exit_code, killed).await;
    drain(&streams, &cancel, &timings, &log, pid, exit_code).await;
    if exit_code != 0 {
        return Err(CallbackError::Failed(exit_code));
    }
    Ok(exit_code)
}

/// Starts the callback's interpreter as the task runner is started ([`child::start_python`]),
/// but in the supervisor's process group, as Airflow starts a callback.
fn start(python: &Path, spec: &CallbackSpec) -> std::io::Result<child::Started> {
    let description = serde_json::json!({
        "path": spec.path,
        "kwargs": spec.kwargs.to_value(),
        "dag_rel_path": spec.dag_rel_path,
        "bundle_info": spec.bundle_info.as_ref().map(|b| serde_json::json!({"name": b.name, "version": b.version})),
    });
    child::start_python_code(
        python,
        PYTHON_CALLBACK_MAIN,
        &[description.to_string(), "LOG_FD".to_owned()],
        false,
    )
}
