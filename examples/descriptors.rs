//! Both Unix sides of `ResendLoggingFD`: the child's stream on fd 0 and a log socket passed as
//! `SCM_RIGHTS` (`airflow_comms::peer::fds`). `tools/interop/descriptors.py` runs each side
//! against the real Python SDK.
//!
//! ```sh
//! # A Rust child: takes fd 0, asks for a log socket, writes one JSON log line through it.
//! descriptors child "the log message"
//! # A Rust supervisor: starts CMD with fd 0 on a socketpair, answers each `ResendLoggingFD` with a
//! # fresh log socket, and prints what arrives on the log sockets as one JSON object on stdout.
//! descriptors supervise -- CMD [ARGS...]
//! ```

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::{Command, ExitCode, Stdio};

use airflow_comms::TaskToSupervisor;
use airflow_comms::client::Client;
use airflow_comms::fds::{inherited_stdin, send_sent_fds};
use airflow_comms::frame::{FrameReader, FrameWriter, ResponseFrame};
use serde_json::json;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("child") if args.len() == 2 => child(&args[1]),
        Some("supervise") if args.get(1).is_some_and(|a| a == "--") && args.len() > 2 => {
            supervise(&args[2..])
        }
        _ => {
            Err("usage: descriptors child MESSAGE | descriptors supervise -- CMD [ARGS...]".into())
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("descriptors: {err}");
            ExitCode::from(2)
        }
    }
}

/// The task's side: fd 0 is the comms socket; the log socket comes with `SentFDs`.
fn child(message: &str) -> Result<u8, String> {
    let stream = inherited_stdin().map_err(|err| err.to_string())?;
    let mut client = Client::<TaskToSupervisor, _>::new(stream);
    let logs = client
        .resend_logging_fd()
        .map_err(|err| format!("ResendLoggingFD: {err}"))?
        .ok_or("the supervisor answered ResendLoggingFD without a descriptor")?;
    // One structured log line, as the SDK's JSON log output writes them.
    let line = json!({
        "event": message,
        "level": "info",
        "logger": "airflow_comms.example",
        "timestamp": "2026-12-03T10:00:00.000000Z",
    });
    let mut logs = std::fs::File::from(logs);
    writeln!(logs, "{line}").map_err(|err| format!("writing to the log socket: {err}"))?;
    Ok(0)
}

/// The supervisor's side: answers `ResendLoggingFD` with a new log socket, anything else with an
/// empty reply, and collects the log lines.
fn supervise(command: &[String]) -> Result<u8, String> {
    let (ours, theirs) = UnixStream::pair().map_err(|err| format!("socketpair: {err}"))?;
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .spawn()
        .map_err(|err| format!("cannot start {}: {err}", command[0]))?;
    let mut reader = FrameReader::new(&ours);
    let mut requests = Vec::new();
    let mut log_readers = Vec::new();
    while let Some(frame) = reader
        .read_request::<TaskToSupervisor>()
        .map_err(|err| format!("reading a request: {err}"))?
    {
        requests.push(frame.body.type_tag());
        if let TaskToSupervisor::ResendLoggingFD(_) = frame.body {
            let (logs, child_logs) =
                UnixStream::pair().map_err(|err| format!("socketpair: {err}"))?;
            send_sent_fds(&ours, frame.id, &[child_logs.as_fd()])
                .map_err(|err| format!("sending SentFDs: {err}"))?;
            // The child holds its own copy now; ours would keep the socket open after it exits.
            drop(child_logs);
            log_readers.push(std::thread::spawn(move || {
                BufReader::new(logs)
                    .lines()
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|err| err.to_string())
            }));
        } else {
            FrameWriter::new(&ours)
                .write_response(&ResponseFrame::<()>::empty(frame.id))
                .map_err(|err| format!("writing reply {}: {err}", frame.id))?;
        }
    }
    let status = child
        .wait()
        .map_err(|err| format!("waiting for the child: {err}"))?;
    let mut log_lines = Vec::new();
    for reader in log_readers {
        log_lines.extend(reader.join().map_err(|_| "a log reader panicked")??);
    }
    println!(
        "{}",
        json!({ "requests": requests, "log_lines": log_lines })
    );
    Ok(status.code().map_or(1, |code| code.clamp(0, 255) as u8))
}
