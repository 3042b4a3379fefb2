//! The runtime: the tasks a binary holds, its bundle manifest, and one task run from launch to
//! exit.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::net::TcpStream;
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;
use std::time::Duration;

use airflow_comms::bundle::{self, Manifest, Sdk};
use airflow_comms::client::Client;
use airflow_comms::{
    JsonValue, RetryTask, StartupDetails, SucceedTask, SuccessState, TaskState, TaskStateOutcome,
    ToTask, UpForRetryState,
};
use serde::Serialize;
use tracing_subscriber::layer::SubscriberExt;

use crate::cancel::Cancellation;
use crate::context::{RETURN_VALUE, Stream, TaskContext};
use crate::error::TaskError;
use crate::launch::Launch;
use crate::logs::{LevelFilter, TaskLog};

/// How long a task may keep running after SIGTERM before the process exits without it.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// A task body: a function of the context, returning a value to push as the `return_value`
/// XCom (`()` or `None` pushes nothing) or a [`TaskError`].
type TaskFn = Box<dyn Fn(&mut TaskContext) -> Result<JsonValue, TaskError> + Send + Sync>;

/// The tasks of one DAG, in the order they were added.
#[derive(Default)]
pub struct Dag {
    tasks: Vec<(String, TaskFn)>,
}

impl fmt::Debug for Dag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.tasks.iter().map(|(id, _)| id))
            .finish()
    }
}

impl Dag {
    /// Adds task `task_id`, run by `body`. The value `body` returns is pushed as the task's
    /// `return_value` XCom, unless it serializes to `null`.
    ///
    /// # Panics
    /// When the DAG already has a task `task_id`: a binary's task table is fixed at build time.
    pub fn task<F, T>(mut self, task_id: &str, body: F) -> Self
    where
        F: Fn(&mut TaskContext) -> Result<T, TaskError> + Send + Sync + 'static,
        T: Serialize,
    {
        assert!(
            !self.tasks.iter().any(|(id, _)| id == task_id),
            "task {task_id:?} is added twice"
        );
        let body: TaskFn = Box::new(move |ctx| {
            let value = body(ctx)?;
            JsonValue::from_serialize(&value).map_err(|err| {
                TaskError::fail(format!(
                    "the return value cannot be written as JSON (XComs are JSON): {err}"
                ))
            })
        });
        self.tasks.push((task_id.to_owned(), body));
        self
    }

    fn find(&self, task_id: &str) -> Option<&TaskFn> {
        self.tasks
            .iter()
            .find(|(id, _)| id == task_id)
            .map(|(_, body)| body)
    }
}

/// The tasks a binary can run, by DAG, and what its bundle manifest says.
///
/// ```no_run
/// use airflow_comms_runtime::{Runtime, TaskContext, TaskError};
///
/// fn hello(ctx: &mut TaskContext) -> Result<String, TaskError> {
///     let name = ctx.variable("name")?.unwrap_or_else(|| "world".into());
///     tracing::info!("hello, {name}");
///     Ok(format!("hello, {name}")) // pushed as the `return_value` XCom
/// }
///
/// fn main() -> std::process::ExitCode {
///     Runtime::new()
///         .source("main.rs")
///         .dag("hello_dag", |dag| dag.task("hello", hello))
///         .run()
/// }
/// ```
#[derive(Debug, Default)]
pub struct Runtime {
    dags: BTreeMap<String, Dag>,
    source: Option<String>,
}

impl Runtime {
    /// A runtime with no tasks yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The file name of the DAG source the bundle embeds (the manifest's `source`, which the
    /// Airflow UI shows); the packer's `--source` supplies its content.
    pub fn source(mut self, file_name: &str) -> Self {
        self.source = Some(file_name.to_owned());
        self
    }

    /// Adds (or extends) DAG `dag_id` with the tasks `build` adds.
    pub fn dag(mut self, dag_id: &str, build: impl FnOnce(Dag) -> Dag) -> Self {
        let dag = self.dags.remove(dag_id).unwrap_or_default();
        self.dags.insert(dag_id.to_owned(), build(dag));
        self
    }

    /// The bundle manifest (`airflow-metadata.yaml`, bundle-spec 1.0) of these tasks: what
    /// `--airflow-metadata` prints, and what `airflow-comms bundle pack` embeds.
    pub fn manifest(&self) -> Manifest {
        let dags = self
            .dags
            .iter()
            .map(|(dag_id, dag)| {
                let tasks = dag.tasks.iter().map(|(id, _)| id.clone()).collect();
                (
                    dag_id.clone(),
                    bundle::Dag {
                        tasks,
                        ..bundle::Dag::default()
                    },
                )
            })
            .collect();
        Manifest::new(
            Sdk::rust(env!("CARGO_PKG_VERSION")),
            self.source.as_deref().unwrap_or("main.rs"),
            dags,
        )
    }

    /// Runs as the process's arguments say: prints the manifest (`--airflow-metadata`), or
    /// connects to the supervisor (`--comm=`, `--logs=`) and runs the task it names. Call it
    /// from `main` and return its exit code.
    pub fn run(self) -> ExitCode {
        match Launch::from_env() {
            Ok(launch) => self.run_as(launch),
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::from(2)
            }
        }
    }

    /// [`run`](Self::run) with the arguments already read.
    pub fn run_as(self, launch: Launch) -> ExitCode {
        match launch {
            Launch::PrintMetadata => {
                let mut out = std::io::stdout().lock();
                match out.write_all(self.manifest().to_yaml().as_bytes()) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(_) => ExitCode::FAILURE,
                }
            }
            Launch::Run { comm, logs } => self.run_task(&comm, &logs),
        }
    }

    fn run_task(self, comm: &str, logs: &str) -> ExitCode {
        let (filter, warnings) = LevelFilter::from_env();
        let log = TaskLog::new(filter);
        let installed = install(&log);
        for warning in warnings {
            tracing::warn!(target: "airflow_comms_runtime", "{warning}");
        }
        if let Err(reason) = installed {
            tracing::warn!(target: "airflow_comms_runtime", "{reason}");
        }
        match connect(logs).and_then(|socket| log.connect(socket)) {
            Ok(()) => {}
            Err(err) => {
                // Nowhere to log to but stderr, which the supervisor reads too.
                log.drain_to(&mut std::io::stderr());
                eprintln!("error: cannot connect to the logs socket {logs}: {err}");
                return ExitCode::FAILURE;
            }
        }
        let stream = match connect(comm) {
            Ok(stream) => stream,
            Err(err) => {
                tracing::error!(target: "airflow_comms_runtime", "cannot connect to the comms socket {comm}: {err}");
                return ExitCode::FAILURE;
            }
        };
        let cancellation = Cancellation::new();
        if let Err(err) = on_sigterm(cancellation.clone()) {
            tracing::warn!(target: "airflow_comms_runtime", "cannot watch for SIGTERM: {err}");
        }
        let mut client = Client::<airflow_comms::TaskToSupervisor, Box<dyn Stream>>::new(Box::new(
            stream,
        )
            as Box<dyn Stream>);
        let startup = match client.receive::<ToTask>() {
            Ok(Some(frame)) => match frame.body {
                Some(ToTask::StartupDetails(details)) => details,
                other => {
                    tracing::error!(target: "airflow_comms_runtime", "expected StartupDetails first, got {other:?}");
                    return ExitCode::FAILURE;
                }
            },
            Ok(None) => {
                tracing::error!(target: "airflow_comms_runtime", "the supervisor closed the comms socket before StartupDetails");
                return ExitCode::FAILURE;
            }
            Err(err) => {
                tracing::error!(target: "airflow_comms_runtime", "cannot read StartupDetails: {err}");
                return ExitCode::FAILURE;
            }
        };
        let mut ctx = TaskContext::new(client, startup, log, cancellation);
        let outcome = self.execute(&mut ctx);
        finish(&mut ctx, outcome)
    }

    /// Runs the task the startup names; a panic is a failure.
    fn execute(&self, ctx: &mut TaskContext) -> Outcome {
        let StartupDetails { ti, .. } = ctx.startup();
        let (dag_id, task_id) = (ti.dag_id.clone(), ti.task_id.clone());
        let Some(dag) = self.dags.get(&dag_id) else {
            tracing::error!(
                target: "airflow_comms_runtime",
                dag_id, task_id, known_dags = ?self.dags.keys().collect::<Vec<_>>(),
                "this binary has no DAG {dag_id:?}"
            );
            return Outcome::Unknown;
        };
        let Some(body) = dag.find(&task_id) else {
            tracing::error!(
                target: "airflow_comms_runtime",
                dag_id, task_id, known_tasks = ?dag.tasks.iter().map(|(id, _)| id).collect::<Vec<_>>(),
                "DAG {dag_id:?} in this binary has no task {task_id:?}"
            );
            return Outcome::Unknown;
        };
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| body(ctx)));
        match result {
            Ok(Ok(value)) => Outcome::Succeeded(value),
            Ok(Err(err)) if err.is_skip() => {
                tracing::info!(target: "airflow_comms_runtime", "{err}");
                Outcome::Skipped
            }
            Ok(Err(err)) => {
                tracing::error!(target: "airflow_comms_runtime", "task failed: {err}");
                Outcome::Failed
            }
            // The panic hook has logged the message and where it happened.
            Err(_) => Outcome::Failed,
        }
    }
}

/// How a task ended.
enum Outcome {
    /// The task returned this value; a non-null one is pushed as `return_value`.
    Succeeded(JsonValue),
    Skipped,
    Failed,
    /// The binary does not hold the task: a retry would not help.
    Unknown,
}

/// Pushes the return value and sends exactly one terminal message.
fn finish(ctx: &mut TaskContext, outcome: Outcome) -> ExitCode {
    let now = || airflow_comms::AwareDateTime::from(chrono::Utc::now());
    /// The terminal message to send.
    enum End {
        Success,
        Skipped,
        Failed { may_retry: bool },
    }
    let end = match outcome {
        Outcome::Succeeded(value) if value.is_null() => End::Success,
        // A value that cannot be pushed turns the success into a failure.
        Outcome::Succeeded(value) => match ctx.write(airflow_comms::SetXCom {
            key: RETURN_VALUE.into(),
            value,
            dag_id: ctx.dag_id().into(),
            run_id: ctx.run_id().into(),
            task_id: ctx.task_id().into(),
            map_index: ctx.ti().map_index,
            dag_result: false,
            mapped_length: None,
        }) {
            Ok(()) => End::Success,
            Err(err) => {
                tracing::error!(target: "airflow_comms_runtime", "cannot push the return value: {err}");
                End::Failed { may_retry: true }
            }
        },
        Outcome::Skipped => End::Skipped,
        Outcome::Failed => End::Failed { may_retry: true },
        Outcome::Unknown => End::Failed { may_retry: false },
    };
    let sent = match end {
        End::Success => ctx.request(SucceedTask {
            state: SuccessState,
            end_date: now(),
            task_outlets: Some(Vec::new()),
            outlet_events: Some(Vec::new()),
            rendered_map_index: None,
        }),
        End::Skipped => ctx.request(TaskState {
            state: TaskStateOutcome::Skipped,
            end_date: Some(now().into()),
            rendered_map_index: None,
        }),
        End::Failed { may_retry: true } if ctx.should_retry() => ctx.request(RetryTask {
            state: UpForRetryState,
            end_date: now(),
            rendered_map_index: None,
            retry_delay_seconds: None,
            retry_reason: None,
        }),
        End::Failed { .. } => ctx.request(TaskState {
            state: TaskStateOutcome::Failed,
            end_date: Some(now().into()),
            rendered_map_index: None,
        }),
    };
    match sent {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(target: "airflow_comms_runtime", "cannot report the task's end: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Installs the task log as the global `tracing` subscriber, the `log` facade through it, and a
/// panic hook that logs the panic.
fn install(log: &TaskLog) -> Result<(), String> {
    let subscriber = tracing_subscriber::registry().with(log.layer());
    let installed = tracing::subscriber::set_global_default(subscriber).map_err(|_| {
        "a global tracing subscriber is already set: task logs go to it, not to Airflow".to_owned()
    });
    // Fails only when a `log` logger is already set, which then keeps its records.
    let _ = tracing_log::LogTracer::init();
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        let thread = std::thread::current();
        tracing::error!(
            target: "airflow_comms_runtime",
            location,
            thread = thread.name().unwrap_or("unnamed"),
            "task panicked: {message}"
        );
    }));
    installed
}

fn connect(address: &str) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(address)?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Cancels on SIGTERM; exits the process if the task has not ended `CANCEL_GRACE` later.
fn on_sigterm(cancellation: Cancellation) -> std::io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGTERM])?;
    std::thread::Builder::new()
        .name("sigterm".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                tracing::warn!(target: "airflow_comms_runtime", "received SIGTERM: cancelling the task");
                cancellation.cancel();
                std::thread::sleep(CANCEL_GRACE);
                tracing::error!(
                    target: "airflow_comms_runtime",
                    "the task did not stop within {CANCEL_GRACE:?} of SIGTERM; exiting"
                );
                // 128 + SIGTERM, as a process killed by it reports.
                std::process::exit(143);
            }
        })?;
    Ok(())
}
