//! The command line: the same contract as `python -m airflow.sdk.execution_time.execute_workload`.
//!
//! ```text
//! airflow-supervisor [PYTHON -m airflow.sdk.execution_time.execute_workload] (--json-string JSON | --json-path FILE)
//! ```
//!
//! A KubernetesExecutor pod whose container `command` is `airflow-supervisor` receives the
//! executor's `args` (`python -m airflow.sdk.execution_time.execute_workload --json-string …`)
//! unchanged: the leading interpreter-and-module words are accepted, and PYTHON is then the
//! interpreter Python tasks run with.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use clap::Parser;

use crate::api::{ApiClient, RetryPolicy};
use crate::logs::{Level, LogTargets, Record, TaskLog};
use crate::mask::Masker;
use crate::task::{self, Identity, Launch, TaskSpec, Timings};

/// The module whose command line this binary takes the place of.
pub const EXECUTE_WORKLOAD_MODULE: &str = "airflow.sdk.execution_time.execute_workload";

/// The arguments.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "airflow-supervisor",
    version,
    about = "Runs an Airflow 3.3 workload (ExecuteTask, ExecuteCallback, TestConnection) as execute_workload does, without the Python supervisor"
)]
pub struct Args {
    /// The Python interpreter for Python tasks, as a KubernetesExecutor pod's args give it
    /// (`python -m airflow.sdk.execution_time.execute_workload …`). Default: `$AIRFLOW_SUPERVISOR_PYTHON`,
    /// else `python3` on PATH.
    #[arg(value_name = "PYTHON")]
    pub python: Option<PathBuf>,
    /// The module execute_workload is run as; accepted only as that module's name.
    #[arg(short = 'm', value_name = "MODULE", requires = "python")]
    pub module: Option<String>,
    /// The workload as JSON text.
    #[arg(
        long,
        value_name = "JSON",
        conflicts_with = "json_path",
        required_unless_present = "json_path"
    )]
    pub json_string: Option<String>,
    /// A file holding the workload as JSON.
    #[arg(long, value_name = "FILE")]
    pub json_path: Option<PathBuf>,
}

/// Runs the workload the arguments name and returns the process's exit code: 0 when the
/// workload ran (whatever the task's own outcome, as execute_workload), 1 when the workload or
/// the configuration is bad or the run could not be carried through.
pub async fn run_main(args: Args) -> u8 {
    match run(args).await {
        Ok(()) => 0,
        Err(message) => {
            own_line(Level::Error, &message);
            1
        }
    }
}

/// Writes one line of the supervisor's own log to stdout, in the JSON form the task log uses.
fn own_line(level: Level, event: &str) {
    println!("{}", Record::now(level, event).render(&Masker::default()));
}

async fn run(args: Args) -> Result<(), String> {
    if let Some(module) = &args.module
        && module != EXECUTE_WORKLOAD_MODULE
    {
        return Err(format!(
            "-m {module}: only `-m {EXECUTE_WORKLOAD_MODULE}` is accepted (the words a KubernetesExecutor pod's args begin with)"
        ));
    }
    let text = match (&args.json_string, &args.json_path) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|e| format!("Failed to read file {}: {e}", path.display()))?,
        (None, None) => return Err("one of --json-string and --json-path is required".into()),
    };
    let workload: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("Failed to parse input JSON string: {e}"))?;
    let python = args
        .python
        .or_else(|| std::env::var_os("AIRFLOW_SUPERVISOR_PYTHON").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("python3"));

    let get = |section: &str, key: &str| {
        std::env::var(format!(
            "AIRFLOW__{}__{}",
            section.to_uppercase(),
            key.to_uppercase()
        ))
        .ok()
    };
    let server = get("core", "execution_api_server_url")
        .unwrap_or_else(|| "http://localhost:8080/execution/".into());
    let secs = |section: &str, key: &str, default: f64| {
        get(section, key)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(default)
    };
    let timings = Timings {
        heartbeat_interval: std::time::Duration::from_secs_f64(secs(
            "workers",
            "min_heartbeat_interval",
            5.0,
        )),
        max_failed_heartbeats: secs("workers", "max_failed_heartbeats", 3.0) as u32,
        success_overtime: std::time::Duration::from_secs_f64(secs(
            "core",
            "task_success_overtime",
            20.0,
        )),
        socket_cleanup_timeout: std::time::Duration::from_secs_f64(secs(
            "workers",
            "socket_cleanup_timeout",
            60.0,
        )),
        kill_escalation: std::time::Duration::from_secs(5),
    };
    let base_log_folder = get("logging", "base_log_folder").unwrap_or_else(|| "logs".into());

    let ti: airflow_comms::TaskInstance =
        serde_json::from_value(workload["ti"].clone()).map_err(|e| format!("ti: {e}"))?;
    let spec = TaskSpec {
        ti_id: ti.id,
        ti,
        dag_rel_path: workload["dag_rel_path"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        bundle_info: serde_json::from_value(workload["bundle_info"].clone())
            .map_err(|e| format!("bundle_info: {e}"))?,
        sentry_integration: workload["sentry_integration"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };
    let token = workload["token"].as_str().unwrap_or_default();
    let api = ApiClient::new(&server, token, RetryPolicy::default())
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let masker = Arc::new(RwLock::new(Masker::default()));
    let file = workload["log_path"]
        .as_str()
        .map(|p| PathBuf::from(&base_log_folder).join(p));
    let (log, writer) = TaskLog::open(
        LogTargets {
            file,
            stdout: true,
            default_logger: "task",
        },
        masker,
    )
    .map_err(|e| format!("cannot open the task log: {e}"))?;
    let identity = Identity {
        hostname: crate::host::hostname(),
        unixname: crate::host::unixname(),
    };
    let outcome = task::run(
        spec,
        Launch::Python(python),
        api,
        log.clone(),
        timings,
        identity,
    )
    .await;
    match &outcome {
        Ok(outcome) => {
            log.own(
                Record::now(Level::Info, "Workload finished")
                    .with("workload_type", "ExecuteTask")
                    .with("exit_code", outcome.exit_code)
                    .with("final_state", outcome.final_state.as_str()),
            )
            .await
        }
        Err(e) => log.own(Record::now(Level::Error, e.to_string())).await,
    }
    drop(log);
    let _ = writer.await;
    outcome.map(drop).map_err(|e| e.to_string())
}
