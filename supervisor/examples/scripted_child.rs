//! A task runtime that misbehaves on purpose, for `tests/hostile.rs`.
//!
//! The tests pack this binary as an executable bundle (bundle-spec 1.0) and route a task to it,
//! so the real `airflow-supervisor` launches it as Airflow's `ExecutableCoordinator` would:
//! `scripted_child --comm=127.0.0.1:P1 --logs=127.0.0.1:P2`. It connects to both sockets, reads
//! `StartupDetails`, and then does what `$SCRIPTED_CHILD` says:
//!
//! | script                 | what it does                                                         |
//! |------------------------|----------------------------------------------------------------------|
//! | `succeed`              | `SucceedTask`, exit 0                                                |
//! | `garbage-then-succeed` | four broken request frames, then `GetVariable`, then `SucceedTask`   |
//! | `print`                | `$SCRIPTED_CHILD_LINES` lines of `$SCRIPTED_CHILD_LINE_LEN` bytes to stdout, then `SucceedTask` |
//! | `sleep`                | sleeps (60 s at most) with SIGTERM's default action: a kill ends it  |
//! | `sleep-until-sigterm`  | sleeps until SIGTERM (60 s at most), records it, exits 143           |
//! | `sleep-ignoring-sigterm` | sleeps (60 s at most), recording each SIGTERM and going on: only SIGKILL ends it |
//! | `succeed-then-hang`    | `SucceedTask`, then sleeps (60 s at most, whatever the answer) with SIGTERM's default action |
//!
//! What it saw goes to `$SCRIPTED_CHILD_OUT`, one JSON object per line, written and flushed as
//! it happens, so a test can wait for a step (`{"event":"sleeping"}`) and check the child's side
//! of the exchange afterwards. The first line is always `{"event":"pid","pid":N}`, written
//! before anything else, so a test can check that the process is gone once the supervisor is.
//!
//! Every sleep is bounded: a supervisor that fails to end the child leaves no process behind
//! for longer than a minute.

use std::io::{BufWriter, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use airflow_comms::channels::DagProcessorToManager;
use airflow_comms::client::Client;
use airflow_comms::frame::{FrameReader, RequestFrame, encode_request, split_response};
use airflow_comms::request::VariableReply;
use airflow_comms::{
    AwareDateTime, DagFileParsingResult, GetVariable, SucceedTask, SuccessState, TaskToSupervisor,
    ToTask,
};
use serde_json::{Value, json};

/// The longest any script waits: past this the child exits by itself.
const MAX_SLEEP: Duration = Duration::from_secs(60);

fn main() -> ExitCode {
    let mut report = Report::open();
    report.event(json!({"event": "pid", "pid": std::process::id()}));
    match run(&mut report) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            report.event(json!({"event": "error", "error": error}));
            eprintln!("scripted_child: {error}");
            ExitCode::from(3)
        }
    }
}

fn run(report: &mut Report) -> Result<u8, String> {
    let script = std::env::var("SCRIPTED_CHILD").map_err(|_| "SCRIPTED_CHILD is not set")?;
    let (comm, logs) = addresses()?;
    let mut logs = TcpStream::connect(&logs).map_err(|e| format!("--logs={logs}: {e}"))?;
    let comm = TcpStream::connect(&comm).map_err(|e| format!("--comm={comm}: {e}"))?;
    let raw = comm.try_clone().map_err(|e| e.to_string())?;
    let mut client = Client::<TaskToSupervisor, TcpStream>::new(comm);

    let startup = match client.receive::<ToTask>() {
        Ok(Some(frame)) => match frame.body {
            Some(ToTask::StartupDetails(details)) => details,
            other => return Err(format!("expected StartupDetails, got {other:?}")),
        },
        Ok(None) => return Err("the supervisor closed --comm before StartupDetails".into()),
        Err(error) => return Err(format!("cannot read StartupDetails: {error}")),
    };
    report.event(json!({
        "event": "startup",
        "ti_id": startup.ti.id.to_string(),
        "dag_id": startup.ti.dag_id,
        "task_id": startup.ti.task_id,
    }));
    log_line(&mut logs, &format!("scripted child runs {script}"))?;

    match script.as_str() {
        "succeed" => {
            succeed(&mut client)?;
            report.event(json!({"event": "succeeded"}));
            Ok(0)
        }
        "garbage-then-succeed" => {
            garbage(&raw, report)?;
            // The stream is still in step: ids go on after the broken frames' (1, 2, 3).
            let mut client =
                Client::<TaskToSupervisor, TcpStream>::new(client.into_inner()).with_next_id(4u32);
            let reply = client
                .send(GetVariable {
                    key: "region".into(),
                })
                .map_err(|e| format!("GetVariable: {e}"))?;
            let value = match reply {
                VariableReply::VariableResult(result) => json!({"value": result.value}),
                other => json!({"other": format!("{other:?}")}),
            };
            report.event(json!({"event": "variable", "reply": value}));
            succeed(&mut client)?;
            report.event(json!({"event": "succeeded"}));
            Ok(0)
        }
        "print" => {
            let lines: usize = number("SCRIPTED_CHILD_LINES")?;
            let len: usize = number("SCRIPTED_CHILD_LINE_LEN")?;
            print_lines(lines, len)?;
            report.event(json!({"event": "printed", "lines": lines, "len": len}));
            succeed(&mut client)?;
            report.event(json!({"event": "succeeded"}));
            Ok(0)
        }
        "sleep" => {
            report.event(json!({"event": "sleeping"}));
            std::thread::sleep(MAX_SLEEP);
            report.event(json!({"event": "woke"}));
            Ok(0)
        }
        "sleep-until-sigterm" => sleep_until_sigterm(report),
        "sleep-ignoring-sigterm" => sleep_ignoring_sigterm(report),
        "succeed-then-hang" => {
            // Hangs whatever the answer: a refused report must not spare the child its end.
            match succeed(&mut client) {
                Ok(()) => report.event(json!({"event": "succeeded"})),
                Err(error) => report.event(json!({"event": "succeed-refused", "error": error})),
            }
            std::thread::sleep(MAX_SLEEP);
            report.event(json!({"event": "woke"}));
            Ok(0)
        }
        other => Err(format!("unknown script {other:?}")),
    }
}

/// `--comm=` and `--logs=`, as the coordinator passes them.
fn addresses() -> Result<(String, String), String> {
    let mut comm = None;
    let mut logs = None;
    for arg in std::env::args().skip(1) {
        if let Some(value) = arg.strip_prefix("--comm=") {
            comm = Some(value.to_owned());
        } else if let Some(value) = arg.strip_prefix("--logs=") {
            logs = Some(value.to_owned());
        }
    }
    Ok((
        comm.ok_or("no --comm= argument")?,
        logs.ok_or("no --logs= argument")?,
    ))
}

fn number(name: &str) -> Result<usize, String> {
    std::env::var(name)
        .map_err(|_| format!("{name} is not set"))?
        .parse()
        .map_err(|e| format!("{name}: {e}"))
}

/// One structured log line on the `--logs` socket.
fn log_line(logs: &mut TcpStream, event: &str) -> Result<(), String> {
    let line = json!({"event": event, "level": "info", "logger": "scripted_child"});
    writeln!(logs, "{line}").map_err(|e| format!("--logs: {e}"))
}

fn succeed(client: &mut Client<TaskToSupervisor, TcpStream>) -> Result<(), String> {
    client
        .send(SucceedTask {
            state: SuccessState,
            end_date: AwareDateTime::from(chrono::Utc::now()),
            task_outlets: Some(Vec::new()),
            outlet_events: Some(Vec::new()),
            rendered_map_index: None,
        })
        .map_err(|e| format!("SucceedTask: {e}"))
}

/// Sends four request frames the supervisor cannot serve and records each answer:
///
/// 1. id 1: `[1, <0xc1>, nil]`, a body that is not msgpack at all (0xc1 is the one byte msgpack
///    never uses) behind a readable id;
/// 2. id 2: `[2, {"type": "NoSuchRequest"}, nil]`, an unknown type;
/// 3. id 3: a `DagFileParsingResult`, valid on the DAG processor's channel, not on a task's;
/// 4. `"garbage"` as a whole frame: not even an array, so there is no id to answer.
///
/// Frames 1 to 3 must each be answered with their own id; frame 4 cannot be, and must not
/// derail the stream.
fn garbage(stream: &TcpStream, report: &mut Report) -> Result<(), String> {
    let mut writer = stream;
    let framed = |payload: &[u8]| {
        let mut frame = (payload.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(payload);
        frame
    };
    let not_msgpack = framed(&[0x93, 0x01, 0xc1, 0xc0]);
    let mut unknown = vec![0x93, 0x02, 0x81, 0xa4];
    unknown.extend_from_slice(b"type");
    unknown.push(0xa0 | 13);
    unknown.extend_from_slice(b"NoSuchRequest");
    unknown.push(0xc0);
    let unknown = framed(&unknown);
    let mut not_permitted = Vec::new();
    encode_request(
        &RequestFrame {
            id: 3u32.into(),
            body: DagProcessorToManager::DagFileParsingResult(DagFileParsingResult {
                fileloc: "/dags/etl.py".into(),
                serialized_dags: Vec::new(),
                warnings: None,
                import_errors: None,
            }),
            context_carrier: None,
        },
        &mut not_permitted,
    )
    .map_err(|e| format!("encoding DagFileParsingResult: {e}"))?;
    let no_id = framed(b"garbage");

    let mut reader = FrameReader::new(stream);
    for (name, frame) in [
        ("not-msgpack", not_msgpack),
        ("unknown-type", unknown),
        ("not-permitted", not_permitted),
    ] {
        writer
            .write_all(&frame)
            .map_err(|e| format!("{name}: {e}"))?;
        let payload = reader
            .read_payload()
            .map_err(|e| format!("{name}: reading the answer: {e}"))?
            .ok_or_else(|| format!("{name}: the supervisor closed --comm"))?;
        let answer = split_response(payload).map_err(|e| format!("{name}: the answer: {e}"))?;
        report.event(json!({
            "event": "answer",
            "frame": name,
            "id": i64::try_from(answer.id).ok(),
            "has_body": answer.body.is_some_and(|b| b != [0xc0]),
            "error": answer.error.map(|e| serde_json::to_value(e).unwrap_or(Value::Null)),
        }));
    }
    writer
        .write_all(&no_id)
        .map_err(|e| format!("no-id: {e}"))?;
    report.event(json!({"event": "sent", "frame": "no-id"}));
    Ok(())
}

/// `lines` lines of `len` bytes each (the newline included) on stdout, each starting with its
/// number, so that a test can count them and see that none was lost or cut.
fn print_lines(lines: usize, len: usize) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = vec![b'x'; len.max(10)];
    let last = line.len() - 1;
    line[last] = b'\n';
    for n in 0..lines {
        let number = format!("{n:09}");
        line[..9].copy_from_slice(number.as_bytes());
        out.write_all(&line).map_err(|e| format!("stdout: {e}"))?;
    }
    out.flush().map_err(|e| format!("stdout: {e}"))
}

/// Waits for SIGTERM (at most [`MAX_SLEEP`]), records it and exits with 143, the code a shell
/// gives a process ended by SIGTERM, so the supervisor sees a failure caused by the signal.
fn sleep_until_sigterm(report: &mut Report) -> Result<u8, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let got = runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| e.to_string())?;
        report.event(json!({"event": "sleeping"}));
        tokio::select! {
            _ = term.recv() => Ok::<bool, String>(true),
            () = tokio::time::sleep(MAX_SLEEP) => Ok(false),
        }
    })?;
    if got {
        report.event(json!({"event": "signal", "signal": "SIGTERM"}));
        Ok(143)
    } else {
        report.event(json!({"event": "woke"}));
        Ok(0)
    }
}

/// Sleeps through SIGTERM (at most [`MAX_SLEEP`]), recording each one: a supervisor has to
/// escalate to SIGKILL to end it.
fn sleep_ignoring_sigterm(report: &mut Report) -> Result<u8, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| e.to_string())?;
        report.event(json!({"event": "sleeping"}));
        let end = tokio::time::sleep(MAX_SLEEP);
        tokio::pin!(end);
        loop {
            tokio::select! {
                _ = term.recv() => report.event(json!({"event": "signal", "signal": "SIGTERM"})),
                () = &mut end => break,
            }
        }
        report.event(json!({"event": "woke"}));
        Ok(0)
    })
}

/// `$SCRIPTED_CHILD_OUT`, appended to one flushed JSON line at a time; nowhere when unset.
struct Report(Option<std::fs::File>);

impl Report {
    fn open() -> Report {
        Report(std::env::var_os("SCRIPTED_CHILD_OUT").and_then(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .ok()
        }))
    }

    fn event(&mut self, event: Value) {
        if let Some(file) = self.0.as_mut() {
            // One write per line: a reader polling the file never sees half a line.
            let _ = file.write_all(format!("{event}\n").as_bytes());
            let _ = file.flush();
        }
    }
}
