//! A minimal supervisor: starts a child process with fd 0 connected to one end of a Unix
//! socketpair, as Airflow's supervisor does, decodes each request frame with a chosen channel
//! and answers it.
//!
//! ```sh
//! cargo run --example supervisor -- --channel callback [--responses canned.json] -- python child.py
//! ```
//!
//! - A permitted request gets the canned reply for its type from `--responses` (a JSON object
//!   mapping a request type to a reply body, or to `{"error": {...ErrorResponse...}}`), or an
//!   empty reply when there is none.
//! - A request the channel does not permit, or one that fails to decode, gets an error frame
//!   saying why. (Airflow's Python supervisor only logs such a request and never answers, which
//!   leaves the child blocked forever.)
//! - A frame without a readable id (a frame of length 0 among them) cannot be answered: it is
//!   logged and the next frame is read. Only a stream cut inside a frame or a length prefix over
//!   the limit ends the loop.
//!
//! Every exchange is logged to stderr as a JSON line. The example exits with the child's status.

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Command, ExitCode, Stdio};

use airflow_comms::frame::{FrameReader, FrameWriter, ResponseFrame};
use airflow_comms::{
    CallbackToSupervisor, Channel, ChannelName, DagProcessorToManager, ErrorResponse,
    TaskToSupervisor, ToDagProcessor, ToTask, ToTriggerRunner, TriggerToSupervisor, Union,
    decode_json,
};
use serde::Serialize;
use serde_json::json;

/// A canned answer: a reply body or an error.
enum Canned<R> {
    Reply(R),
    Error(ErrorResponse),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(split) = args.iter().position(|a| a == "--") else {
        return usage("missing `-- CMD [ARGS...]`");
    };
    let (options, command) = (&args[..split], &args[split + 1..]);
    if command.is_empty() {
        return usage("missing the child command after `--`");
    }
    let mut channel = ChannelName::TaskToSupervisor;
    let mut responses = None;
    let mut options = options.iter();
    while let Some(option) = options.next() {
        match (option.as_str(), options.next()) {
            ("--channel", Some(name)) => match name.parse() {
                Ok(name) => channel = name,
                Err(err) => return usage(&err.to_string()),
            },
            ("--responses", Some(path)) => responses = Some(path.clone()),
            (other, _) => return usage(&format!("unknown option `{other}`")),
        }
    }
    let canned = match responses.map(std::fs::read_to_string).transpose() {
        Ok(text) => text,
        Err(err) => return usage(&format!("cannot read --responses: {err}")),
    };
    let result = match channel {
        ChannelName::TaskToSupervisor => supervise::<TaskToSupervisor, ToTask>(command, canned),
        ChannelName::CallbackToSupervisor => {
            supervise::<CallbackToSupervisor, ToTask>(command, canned)
        }
        ChannelName::TriggerToSupervisor => {
            supervise::<TriggerToSupervisor, ToTriggerRunner>(command, canned)
        }
        ChannelName::DagProcessorToManager => {
            supervise::<DagProcessorToManager, ToDagProcessor>(command, canned)
        }
        other => {
            return usage(&format!(
                "{other} is a reply direction, not a request channel"
            ));
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("supervisor: {err}");
            ExitCode::from(2)
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}");
    eprintln!(
        "usage: supervisor [--channel task|callback|trigger|dag-processor] [--responses FILE] -- CMD [ARGS...]"
    );
    ExitCode::from(2)
}

/// Parses the `--responses` object into typed replies, refusing anything `R` does not accept.
fn load_canned<R: Union>(text: &str) -> Result<HashMap<String, Canned<R>>, String> {
    let entries: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
        .map_err(|err| format!("--responses is not a JSON object: {err}"))?;
    entries
        .into_iter()
        .map(|(request_type, body)| {
            let canned =
                match body.get("error") {
                    Some(error) if body.as_object().is_some_and(|o| o.len() == 1) => {
                        Canned::Error(serde_json::from_value(error.clone()).map_err(|err| {
                            format!("--responses: bad error for {request_type}: {err}")
                        })?)
                    }
                    _ => Canned::Reply(decode_json::<R>(&body.to_string()).map_err(|err| {
                        format!("--responses: bad reply for {request_type}: {err}")
                    })?),
                };
            Ok((request_type, canned))
        })
        .collect()
}

fn supervise<C, R>(command: &[String], canned: Option<String>) -> Result<u8, String>
where
    C: Channel + Serialize,
    R: Union + Serialize + Clone,
{
    let canned: HashMap<String, Canned<R>> = match canned {
        Some(text) => load_canned(&text)?,
        None => HashMap::new(),
    };
    let (ours, theirs) = UnixStream::pair().map_err(|err| format!("socketpair: {err}"))?;
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .spawn()
        .map_err(|err| format!("cannot start {}: {err}", command[0]))?;
    let mut reader = FrameReader::new(ours.try_clone().map_err(|err| err.to_string())?);
    let mut writer = FrameWriter::new(ours);

    loop {
        let (id, request, reply) = match reader.read_request::<C>() {
            Ok(None) => break,
            Ok(Some(frame)) => {
                let request = serde_json::to_value(&frame.body).map_err(|err| err.to_string())?;
                let reply = match canned.get(frame.body.type_tag()) {
                    Some(Canned::Reply(body)) => ResponseFrame::<R>::reply(frame.id, body.clone()),
                    Some(Canned::Error(error)) => ResponseFrame::error(frame.id, error.clone()),
                    None => ResponseFrame::empty(frame.id),
                };
                (frame.id, request, reply)
            }
            Err(err) if err.is_stream_fatal() => {
                // Cut inside a frame, or a length over the limit: where the next frame starts is
                // unknown, so nothing more can be read.
                return Err(format!("reading a request: {err}"));
            }
            Err(err) => match airflow_comms::dispatch::refusal(&err) {
                // A refused body, or a malformed frame whose id was read: answer it.
                Some(refused) => {
                    let reply = ResponseFrame {
                        id: refused.id,
                        body: None,
                        error: refused.error,
                    };
                    (reply.id, json!({ "refused": err.to_string() }), reply)
                }
                // No id to answer (a frame of length 0, or no readable id): log it and read
                // the next frame.
                None => {
                    eprintln!("{}", json!({ "unanswerable": err.to_string() }));
                    continue;
                }
            },
        };
        writer
            .write_response(&reply)
            .map_err(|err| format!("writing reply {id}: {err}"))?;
        let logged = match (&reply.body, &reply.error) {
            (Some(body), _) => json!({ "id": id, "request": request, "response": body }),
            (None, Some(error)) => json!({ "id": id, "request": request, "error": error }),
            (None, None) => json!({ "id": id, "request": request, "response": null }),
        };
        eprintln!("{logged}");
    }
    let status = child
        .wait()
        .map_err(|err| format!("waiting for the child: {err}"))?;
    Ok(status.code().map_or(1, |code| code.clamp(0, 255) as u8))
}
