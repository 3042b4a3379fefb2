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
use std::time::Duration;

use airflow_comms::JsonValue;
use clap::Parser;

use crate::api::{ApiClient, RetryPolicy, Tls};
use crate::callback::{self, CallbackSpec};
use crate::child::{ChildIo, ReplyWriter, Started};
use crate::config::{Config, HostnameCallable, Settings, check_api_server_url};
use crate::connection_test::{self, ConnectionTestSpec};
use crate::coordinator::{self, Coordinator, LaunchOptions};
use crate::logs::{Level, LogTargets, Record, TaskLog};
use crate::mask::Masker;
use crate::remote_log::{RemoteLog, RemoteLogSettings};
use crate::task::{self, Identity, Launch, TaskSpec, Timings};
use crate::workload::Workload;

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

/// Runs the workload the arguments name and returns the process's exit code, as
/// execute_workload's: 0 when the workload ran (whatever the task's own outcome), 1 when the
/// workload or the configuration is bad (before any API call), when a callback failed, or when
/// the run could not be carried through.
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
    own_record(Record::now(level, event));
}

/// Writes `record` to stdout as a line of the supervisor's own log. Only once the task log's
/// writer has finished, so that the two never interleave mid-line.
fn own_record(record: Record) {
    println!(
        "{}",
        record.with("logger", OWN_LOGGER).render(&Masker::default())
    );
}

/// The logger name of the supervisor's own lines.
pub const OWN_LOGGER: &str = "airflow_supervisor";

async fn run(args: Args) -> Result<(), String> {
    if let Some(module) = &args.module
        && module != EXECUTE_WORKLOAD_MODULE
    {
        return Err(format!(
            "-m {module}: only `-m {EXECUTE_WORKLOAD_MODULE}` is accepted (the words a KubernetesExecutor pod's args begin with)"
        ));
    }
    let workload = match (&args.json_string, &args.json_path) {
        (Some(text), _) => Workload::from_json(text)
            .map_err(|e| format!("Failed to parse input JSON string: {e}"))?,
        (None, Some(path)) => Workload::from_file(path)
            .map_err(|e| format!("Failed to read file {}: {e}", path.display()))?,
        (None, None) => return Err("one of --json-string and --json-path is required".into()),
    };
    let config = Config::load().map_err(|e| format!("configuration: {e}"))?;
    let settings = Settings::from_config(&config).map_err(|e| format!("configuration: {e}"))?;
    check_api_server_url(&settings.execution_api_server_url)
        .map_err(|e| format!("[core] execution_api_server_url: {e}"))?;
    let remote_log_settings = RemoteLogSettings::from_config(&config, &settings.logging)
        .map_err(|e| format!("configuration: {e}"))?;
    let python = args
        .python
        .or_else(|| std::env::var_os("AIRFLOW_SUPERVISOR_PYTHON").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("python3"));
    let masker = masker(&config)?;
    let timings = Timings {
        heartbeat_interval: settings.min_heartbeat_interval,
        max_failed_heartbeats: settings.max_failed_heartbeats.min(u64::from(u32::MAX)) as u32,
        success_overtime: settings.task_success_overtime,
        socket_cleanup_timeout: settings.socket_cleanup_timeout,
        kill_escalation: Duration::from_secs(5),
    };
    let retry = RetryPolicy {
        attempts: settings.api.retries.clamp(1, u64::from(u32::MAX)) as u32,
        wait_min: settings.api.retry_wait_min,
        wait_max: settings.api.retry_wait_max,
        timeout: settings.api.timeout,
    };
    let tls = Tls {
        ca_files: [&settings.api.ssl_ca_file, &settings.api.ssl_cert]
            .into_iter()
            .flatten()
            .map(PathBuf::from)
            .collect(),
        public_roots: settings.api.use_public_certs,
        client_identity: settings
            .api
            .client_cert_and_key
            .as_ref()
            .map(|(cert, key)| (PathBuf::from(cert), PathBuf::from(key))),
    };
    // The certificates are read once, before anything runs: a bad file fails the workload
    // here, naming it.
    ApiClient::new(&settings.execution_api_server_url, "", retry.clone(), &tls)
        .map_err(|e| format!("[api] TLS settings: {e}"))?;
    let client = |token: &str| {
        ApiClient::new(
            &settings.execution_api_server_url,
            token,
            retry.clone(),
            &tls,
        )
        .map_err(|e| format!("[api] TLS settings: {e}"))
    };
    let log_file = |log_path: &Option<String>| {
        log_path
            .as_ref()
            .map(|p| PathBuf::from(&settings.logging.base_log_folder).join(p))
    };
    // Remote logging is set up before the task starts, as the Python supervisor sets it up
    // (its connection is fetched then), and the log is uploaded once it is complete.
    let remote_log = |api: &ApiClient| {
        let settings = remote_log_settings.clone();
        let config = &config;
        let api = api.clone();
        async move {
            match settings {
                None => Ok(None),
                Some(settings) => RemoteLog::setup(settings, config, &api)
                    .await
                    .map(Some)
                    .map_err(|e| format!("remote logging: {e}")),
            }
        }
    };

    match workload {
        Workload::ExecuteTask(task) => {
            let queue = task.ti.queue.clone();
            let coordinator = coordinator::for_queue(&settings.coordinators, &queue)
                .map_err(|e| format!("Failed to initialize coordinator for task (queue {queue:?}): {e}"))?;
            let spec = TaskSpec {
                ti_id: task.ti.id,
                ti: task.startup_ti(),
                dag_rel_path: task.startup_dag_rel_path().to_owned(),
                bundle_info: task.startup_bundle_info(),
                sentry_integration: task.sentry_integration.clone(),
            };
            let api = client(&task.token)?;
            let remote = remote_log(&api).await?;
            let (log, writer) = TaskLog::open(
                LogTargets {
                    file: log_file(&task.log_path),
                    stdout: true,
                    default_logger: "task",
                },
                Arc::new(RwLock::new(masker)),
            )
            .map_err(|e| format!("cannot open the task log: {e}"))?;
            let launch = match coordinator {
                Coordinator::Python => Launch::Python(python),
                Coordinator::Executable(executable) => {
                    let bundle = executable
                        .find_bundle(&task.ti.dag_id)
                        .map_err(|e| e.to_string())?;
                    let options = LaunchOptions {
                        startup_timeout: executable.task_startup_timeout,
                        logging_level: settings.logging.logging_level.clone(),
                        namespace_levels: settings.logging.namespace_levels.clone().unwrap_or_default(),
                        ..LaunchOptions::default()
                    };
                    let launched = coordinator::launch(&bundle.path, &options)
                        .await
                        .map_err(|e| e.to_string())?;
                    Launch::Started(Box::new(started_bundle(launched)))
                }
            };
            let identity = Identity {
                hostname: hostname(&settings.hostname_callable),
                unixname: crate::host::unixname(),
            };
            let start = std::time::Instant::now();
            let outcome = task::run(spec, launch, api, log.clone(), timings, identity).await;
            // The log is complete once every handle is gone and the writer is done; only then
            // is it uploaded, and the upload counts in the workload's duration as in Python.
            drop(log);
            let _ = writer.await;
            upload_log(remote.as_ref(), &log_file(&task.log_path), &task.log_path).await;
            match &outcome {
                Ok(outcome) => own_record(
                    Record::now(Level::Info, "Workload finished")
                        .with("workload_type", "ExecuteTask")
                        .with("workload_id", task.ti.id.to_string())
                        .with("exit_code", outcome.exit_code)
                        .with("duration", start.elapsed().as_secs_f64())
                        .with("final_state", outcome.final_state.as_str()),
                ),
                Err(e) => own_line(Level::Error, &e.to_string()),
            }
            outcome.map(drop).map_err(|e| e.to_string())
        }
        Workload::ExecuteCallback(work) => {
            let api = client(&work.token)?;
            let remote = remote_log(&api).await?;
            let (log, writer) = TaskLog::open(
                LogTargets {
                    file: log_file(&work.log_path),
                    stdout: true,
                    default_logger: "callback",
                },
                Arc::new(RwLock::new(masker)),
            )
            .map_err(|e| format!("cannot open the callback log: {e}"))?;
            let data = &work.callback.data;
            let spec = CallbackSpec {
                path: data
                    .get("path")
                    .and_then(|p| p.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                kwargs: JsonValue::from_serialize(
                    &data.get("kwargs").cloned().unwrap_or_else(|| serde_json::json!({})),
                )
                .map_err(|e| format!("callback.data.kwargs: {e}"))?,
                dag_rel_path: work.dag_rel_path.clone(),
                bundle_info: Some(airflow_comms::BundleInfo {
                    name: work.bundle_info.name.clone(),
                    version: work.bundle_info.version.clone(),
                }),
            };
            let timeout = (!settings.callback_execution_timeout.is_zero())
                .then_some(settings.callback_execution_timeout);
            let start = std::time::Instant::now();
            let result = callback::run(spec, &python, api, log.clone(), timings, timeout).await;
            let exit_code = match &result {
                Ok(code) => *code,
                Err(callback::CallbackError::Failed(code)) => *code,
                Err(_) => 1,
            };
            drop(log);
            let _ = writer.await;
            upload_log(remote.as_ref(), &log_file(&work.log_path), &work.log_path).await;
            own_record(
                Record::now(Level::Info, "Workload finished")
                    .with("workload_type", "ExecutorCallback")
                    .with("workload_id", work.callback.id.to_string())
                    .with("exit_code", exit_code)
                    .with("duration", start.elapsed().as_secs_f64()),
            );
            result.map(drop).map_err(|e| e.to_string())
        }
        Workload::TestConnection(test) => {
            let api = client(&test.token)?;
            let spec = ConnectionTestSpec {
                connection_test_id: test.connection_test_id,
                connection_id: test.connection_id.clone(),
                timeout: test.timeout,
            };
            let own = |record: Record| {
                println!(
                    "{}",
                    record
                        .with("logger", "connection_test_supervisor")
                        .render(&Masker::default())
                )
            };
            connection_test::run(spec, &python, api, own)
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        }
        Workload::RunTrigger(_) => {
            Err("Unknown workload type: RunTrigger (triggers run in the triggerer, not in a worker's supervisor)".into())
        }
    }
}

/// Uploads the finished log when remote logging is on. A failed upload is reported on stdout
/// (the pod's log) and leaves the local file as it was; the workload's outcome stands, as it
/// does for the Python supervisor.
async fn upload_log(remote: Option<&RemoteLog>, file: &Option<PathBuf>, relative: &Option<String>) {
    let (Some(remote), Some(file), Some(relative)) = (remote, file, relative) else {
        return;
    };
    if let Err(e) = remote.upload(file, relative).await {
        own_line(
            Level::Error,
            &format!(
                "Failed to upload remote logs: {e}; the log stays at {}",
                file.display()
            ),
        );
    }
}

/// The masker as the configuration sets it up: `[core] hide_sensitive_var_conn_fields`,
/// `[core] sensitive_var_conn_names`, `[logging] min_length_masked_secret`.
fn masker(config: &Config) -> Result<Masker, String> {
    let bad = |e: crate::config::ConfigError| format!("configuration: {e}");
    let hide = config
        .get_bool("core", "hide_sensitive_var_conn_fields")
        .map_err(bad)?;
    let names: Vec<String> = config
        .get("core", "sensitive_var_conn_names")
        .map_err(bad)?
        .unwrap_or_default()
        .split(',')
        .map(str::to_owned)
        .collect();
    let min_length = config
        .get_int("logging", "min_length_masked_secret")
        .map_err(bad)?
        .max(0) as usize;
    Ok(Masker::new(hide, &names, min_length))
}

/// The host name `[core] hostname_callable` asks for. The supervisor cannot call Python, so
/// every callable gives the kernel's node name, which is what the default (`getfqdn`) gives on
/// a host without a domain, as in a Kubernetes pod.
fn hostname(_callable: &HostnameCallable) -> String {
    crate::host::hostname()
}

/// A launched bundle as the task's child: frames on the TCP `--comm` connection, JSON log lines
/// on `--logs`, stdout and stderr as captured.
fn started_bundle(launched: coordinator::Launched) -> Started {
    let coordinator::Launched {
        child,
        pid,
        comm,
        logs,
        stdout,
        stderr,
    } = launched;
    let (read, write) = comm.into_split();
    Started {
        process: child,
        pid,
        io: ChildIo {
            requests: Box::new(read),
            replies: ReplyWriter::Tcp(write),
            stdout: Box::new(stdout.into_reader()),
            stderr: Box::new(stderr.into_reader()),
            logs: vec![Box::new(logs)],
        },
    }
}
