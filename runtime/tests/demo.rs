//! The demo's tasks and the runtime's failure paths, each run as a launched process (this test
//! binary, re-run as a child) against a scripted peer built on `airflow_comms`: what the runtime
//! sends, in order, and what it logs. The same tasks under Airflow's real supervisor are
//! `tools/e2e/run_demo.py`'s part.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use airflow_comms::frame::{
    FrameReader, ReplyFrames, ResponseFrame, decode_response, encode_response,
};
use airflow_comms::request::{ConnectionReply, VariableReply};
use airflow_comms::*;
use airflow_comms_runtime::{Launch, Runtime, TaskContext, TaskError};
use serde_json::{Value, json};

#[path = "../examples/demo_tasks.rs"]
#[allow(dead_code)]
mod demo;

/// Set in a child: which runtime to run (`demo` or `extra`), then the launch arguments.
const CHILD: &str = "AIRFLOW_COMMS_RUNTIME_TEST_CHILD";

/// Tasks for the paths the demo does not take.
fn extra() -> Runtime {
    fn panics(_: &mut TaskContext) -> Result<(), TaskError> {
        panic!("index out of bounds on purpose");
    }
    fn waits_for_cancel(ctx: &mut TaskContext) -> Result<(), TaskError> {
        // Tells the peer it is about to wait (the SIGTERM handler is installed by now).
        ctx.variable("ready")?;
        if ctx.cancellation().wait_timeout(Duration::from_secs(60)) {
            return Err(TaskError::fail("cancelled"));
        }
        Ok(())
    }
    fn logs_through_log_crate(_: &mut TaskContext) -> Result<u8, TaskError> {
        log::info!(target: "my_crate::io", "through the log facade");
        Ok(7)
    }
    Runtime::new().dag("extra", |dag| {
        dag.task("panics", panics)
            .task("waits_for_cancel", waits_for_cancel)
            .task("logs_through_log_crate", logs_through_log_crate)
    })
}

/// Not a test of its own: the child process's entry point.
#[test]
fn child() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let mut words = spec.split(' ');
    let runtime = match words.next() {
        Some("demo") => demo::runtime(),
        _ => extra(),
    };
    let code = runtime.run_as(Launch::parse(words).unwrap());
    std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 });
}

/// What the peer serves.
#[derive(Default)]
struct World {
    variables: Vec<(&'static str, &'static str)>,
    connection: Option<ConnectionResult>,
    xcom: Option<Value>,
    should_retry: bool,
}

/// What a run sent and logged.
struct Run {
    requests: Vec<Value>,
    logs: Vec<Value>,
    exit: std::process::ExitStatus,
}

impl Run {
    fn types(&self) -> Vec<&str> {
        self.requests
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect()
    }
    fn terminal(&self) -> &Value {
        self.requests.last().unwrap()
    }
    fn logged(&self, level: &str, text: &str) -> bool {
        self.logs
            .iter()
            .any(|l| l["level"] == level && l["event"].as_str().unwrap().contains(text))
    }
}

fn startup(dag_id: &str, task_id: &str, should_retry: bool) -> StartupDetails {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/frames/to-task.jsonl");
    let line = std::fs::read_to_string(corpus)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["case"] == "StartupDetails/full")
        .unwrap();
    let bytes = hex::decode(line["frame"].as_str().unwrap()).unwrap();
    let frame = decode_response::<ToTask>(&bytes[4..]).unwrap();
    let Some(ToTask::StartupDetails(mut details)) = frame.body else {
        panic!("not StartupDetails")
    };
    details.ti.dag_id = dag_id.into();
    details.ti.task_id = task_id.into();
    details.ti.map_index = Some(-1);
    details.ti.try_number = 2;
    details.ti_context.should_retry = Some(should_retry);
    details
}

fn spawn(runtime: &str, comm: &TcpListener, logs: &TcpListener) -> Child {
    let spec = format!(
        "{runtime} --comm={} --logs={}",
        comm.local_addr().unwrap(),
        logs.local_addr().unwrap()
    );
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(CHILD, spec)
        .env("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Runs task `task_id` of `dag_id` and answers its requests from `world`.
fn run(runtime: &str, dag_id: &str, task_id: &str, world: World) -> Run {
    run_with(runtime, dag_id, task_id, world, |_, _| {})
}

fn run_with(
    runtime: &str,
    dag_id: &str,
    task_id: &str,
    world: World,
    mut after_reply: impl FnMut(&TaskToSupervisor, &Child),
) -> Run {
    let comm = TcpListener::bind("127.0.0.1:0").unwrap();
    let logs = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut child = spawn(runtime, &comm, &logs);
    let (log_stream, _) = logs.accept().unwrap();
    let (comm_stream, _) = comm.accept().unwrap();
    comm_stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let log_reader = std::thread::spawn(move || {
        BufReader::new(log_stream)
            .lines()
            .map(|l| serde_json::from_str::<Value>(&l.unwrap()).unwrap())
            .collect::<Vec<_>>()
    });
    let mut out = Vec::new();
    let details = startup(dag_id, task_id, world.should_retry);
    encode_response(&ResponseFrame::<ToTask>::reply(0, details), &mut out).unwrap();
    (&comm_stream).write_all(&out).unwrap();
    let mut reader = FrameReader::new(comm_stream.try_clone().unwrap());
    let mut requests = Vec::new();
    while let Some(frame) = reader.read_request::<TaskToSupervisor>().unwrap() {
        let id = frame.id;
        let body = frame.body;
        requests.push(serde_json::to_value(&body).unwrap());
        out.clear();
        match body.clone() {
            TaskToSupervisor::GetVariable(get) => {
                let reply = match world.variables.iter().find(|(k, _)| *k == get.key) {
                    Some((_, value)) => VariableReply::VariableResult(VariableResult {
                        key: get.key,
                        value: Some((*value).into()),
                    }),
                    None => VariableReply::ErrorResponse(ErrorResponse {
                        error: ErrorType::VariableNotFound,
                        detail: None,
                    }),
                };
                reply.write_response(id, &mut out).unwrap();
            }
            TaskToSupervisor::GetConnection(_) => {
                let reply = match &world.connection {
                    Some(conn) => ConnectionReply::ConnectionResult(conn.clone()),
                    None => ConnectionReply::ErrorResponse(ErrorResponse {
                        error: ErrorType::ConnectionNotFound,
                        detail: None,
                    }),
                };
                reply.write_response(id, &mut out).unwrap();
            }
            TaskToSupervisor::GetXCom(get) => {
                let value = world
                    .xcom
                    .as_ref()
                    .map_or(JsonValue::null(), |v| JsonValue::from_serialize(v).unwrap());
                XComResult {
                    key: get.key,
                    value,
                }
                .write_response(id, &mut out)
                .unwrap();
            }
            TaskToSupervisor::SetXCom(_) | TaskToSupervisor::MaskSecret(_) => {
                ().write_response(id, &mut out).unwrap()
            }
            TaskToSupervisor::SucceedTask(_)
            | TaskToSupervisor::RetryTask(_)
            | TaskToSupervisor::TaskState(_) => ().write_response(id, &mut out).unwrap(),
            other => panic!("unexpected request {other:?}"),
        }
        (&comm_stream).write_all(&out).unwrap();
        after_reply(&body, &child);
    }
    let exit = child.wait().unwrap();
    let logs = log_reader.join().unwrap();
    Run {
        requests,
        logs,
        exit,
    }
}

#[test]
fn greet_pushes_its_greeting_and_succeeds() {
    let world = World {
        variables: vec![("greeting_name", "Ada")],
        ..World::default()
    };
    let run = run("demo", "rust_demo", "greet", world);
    assert!(run.exit.success());
    assert_eq!(run.types(), ["GetVariable", "SetXCom", "SucceedTask"]);
    assert_eq!(run.requests[0]["key"], "greeting_name");
    assert_eq!(run.requests[1]["key"], "return_value");
    assert_eq!(
        run.requests[1]["value"],
        json!({"greeting": "Hello, Ada!", "try_number": 2})
    );
    assert_eq!(run.requests[1]["dag_id"], "rust_demo");
    assert_eq!(run.requests[1]["task_id"], "greet");
    assert!(run.logged("info", "Hello, Ada!"), "{:?}", run.logs);
    for line in &run.logs {
        for key in ["timestamp", "level", "event", "logger"] {
            assert!(line.get(key).is_some(), "{line} has no {key}");
        }
    }
}

#[test]
fn greet_without_its_variable_fails_or_retries_as_airflow_allows() {
    let run_once = |should_retry| {
        run(
            "demo",
            "rust_demo",
            "greet",
            World {
                should_retry,
                ..World::default()
            },
        )
    };
    let failed = run_once(false);
    assert!(failed.exit.success());
    assert_eq!(failed.types(), ["GetVariable", "TaskState"]);
    assert_eq!(failed.terminal()["state"], "failed");
    assert!(failed.logged("error", "greeting_name"), "{:?}", failed.logs);
    let retried = run_once(true);
    assert_eq!(retried.types(), ["GetVariable", "RetryTask"]);
    assert_eq!(retried.terminal()["state"], "up_for_retry");
}

#[test]
fn connect_masks_the_password_and_pushes_the_endpoint() {
    let connection = ConnectionResult {
        conn_id: "warehouse".into(),
        conn_type: "postgres".into(),
        host: Some("db.internal".into()),
        schema: None,
        login: Some("loader".into()),
        password: Some("s3cr3t-pw".into()),
        port: Some(5432),
        extra: None,
    };
    let done = run(
        "demo",
        "rust_demo",
        "connect",
        World {
            connection: Some(connection),
            ..World::default()
        },
    );
    assert_eq!(
        done.types(),
        ["GetConnection", "MaskSecret", "SetXCom", "SucceedTask"]
    );
    assert_eq!(done.requests[1]["value"], "s3cr3t-pw");
    assert_eq!(done.requests[1]["name"], Value::Null);
    assert_eq!(done.requests[2]["key"], "endpoint");
    assert_eq!(done.requests[2]["value"], "db.internal:5432");
    assert!(
        done.logged(
            "info",
            "connecting to db.internal:5432 as loader with password ***"
        ),
        "{:?}",
        done.logs
    );
    let all = serde_json::to_string(&done.logs).unwrap();
    assert!(!all.contains("s3cr3t-pw"), "{all}");

    let missing = run("demo", "rust_demo", "connect", World::default());
    assert_eq!(missing.types(), ["GetConnection", "TaskState"]);
    assert_eq!(missing.terminal()["state"], "failed");
}

#[test]
fn sum_upstream_sums_what_numbers_returned() {
    let numbers: Vec<i64> = (0..10_000).map(|n| n * 3 - 7).collect();
    let run = run(
        "demo",
        "rust_demo",
        "sum_upstream",
        World {
            xcom: Some(json!(numbers)),
            ..World::default()
        },
    );
    assert_eq!(run.types(), ["GetXCom", "SetXCom", "SucceedTask"]);
    assert_eq!(run.requests[0]["task_id"], "numbers");
    assert_eq!(run.requests[0]["key"], "return_value");
    let sum: i64 = numbers.iter().sum();
    assert_eq!(
        run.requests[1]["value"],
        json!({"sum": sum, "count": numbers.len()})
    );
}

#[test]
fn failing_skipping_and_unknown_tasks_end_in_one_terminal_message() {
    let failed = run("demo", "rust_demo", "always_fails", World::default());
    assert_eq!(failed.types(), ["TaskState"]);
    assert_eq!(failed.terminal()["state"], "failed");
    assert!(failed.logged("error", "failing on purpose"));

    let skipped = run("demo", "rust_demo", "skip_me", World::default());
    assert_eq!(skipped.types(), ["TaskState"]);
    assert_eq!(skipped.terminal()["state"], "skipped");

    // A task the binary does not hold fails without a retry: another try would not find it.
    let unknown = run(
        "demo",
        "rust_demo",
        "no_such_task",
        World {
            should_retry: true,
            ..World::default()
        },
    );
    assert_eq!(unknown.types(), ["TaskState"]);
    assert_eq!(unknown.terminal()["state"], "failed");
    assert!(
        unknown.logged("error", "no task \"no_such_task\""),
        "{:?}",
        unknown.logs
    );
    let other_dag = run("demo", "other_dag", "greet", World::default());
    assert!(other_dag.logged("error", "no DAG \"other_dag\""));
}

#[test]
fn a_panic_is_a_failure_with_its_message_in_the_log() {
    let run = run("extra", "extra", "panics", World::default());
    assert!(run.exit.success());
    assert_eq!(run.types(), ["TaskState"]);
    assert_eq!(run.terminal()["state"], "failed");
    let line = run
        .logs
        .iter()
        .find(|l| {
            l["event"]
                .as_str()
                .unwrap()
                .contains("index out of bounds on purpose")
        })
        .expect("the panic is logged");
    assert_eq!(line["level"], "error");
    assert!(line["location"].as_str().unwrap().contains("demo.rs"));
}

#[test]
fn the_log_facade_reaches_the_task_log_under_its_own_target() {
    let run = run("extra", "extra", "logs_through_log_crate", World::default());
    let line = run
        .logs
        .iter()
        .find(|l| l["event"] == "through the log facade")
        .expect("logged");
    assert_eq!(line["logger"], "my_crate.io");
    assert_eq!(line["level"], "info");
    assert_eq!(run.requests[0]["value"], 7);
}

#[test]
fn sigterm_cancels_the_task_and_the_process_ends() {
    let started = std::time::Instant::now();
    let run = run_with(
        "extra",
        "extra",
        "waits_for_cancel",
        World::default(),
        |request, child| {
            if matches!(request, TaskToSupervisor::GetVariable(get) if get.key == "ready") {
                let status = Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status()
                    .unwrap();
                assert!(status.success());
            }
        },
    );
    assert_eq!(run.types(), ["GetVariable", "TaskState"]);
    assert_eq!(run.terminal()["state"], "failed");
    assert!(run.logged("warning", "SIGTERM"), "{:?}", run.logs);
    assert!(run.logged("error", "cancelled"));
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn the_manifest_lists_every_demo_task_and_reads_back() {
    let manifest = demo::runtime().manifest();
    let yaml = manifest.to_yaml();
    let back = airflow_comms::bundle::Manifest::from_yaml(&yaml).unwrap();
    assert_eq!(back, manifest);
    assert_eq!(back.sdk.language, "rust");
    assert_eq!(
        back.sdk.supervisor_schema_version,
        airflow_comms::SUPERVISOR_SCHEMA_VERSION
    );
    assert_eq!(
        back.dags["rust_demo"].tasks,
        [
            "greet",
            "connect",
            "sum_upstream",
            "always_fails",
            "skip_me"
        ]
    );
    assert!(back.warnings().is_empty(), "{:?}", back.warnings());
}
