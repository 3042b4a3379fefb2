//! `airflow-comms supervise`: run a command under a mock supervisor.
//!
//! The child's fd 0 is one end of a Unix socketpair, as under Airflow's supervisor; its stdout
//! and stderr pass through. Every request frame is answered: with the canned reply for its type,
//! with an empty reply, or, when the request is refused, with an error frame saying why. A frame
//! without a readable id (a frame of length 0 among them) cannot be answered: it is logged, and
//! the next frame is read. Only a broken stream (cut inside a frame, a length prefix over the
//! limit, a transport failure) ends the loop.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use airflow_comms::dispatch::refusal;
use airflow_comms::frame::{FrameReader, encode_response};
use airflow_comms::{ChannelName, ErrorResponse};
use serde_json::{Value, json};

use crate::Failure;

/// A canned answer: a reply body (canonical JSON) or an error.
enum Canned {
    Reply(String),
    Error(ErrorResponse),
}

/// Reads `--responses`, checking every reply against the channel's reply union up front.
fn load_canned(channel: ChannelName, path: &PathBuf) -> Result<HashMap<String, Canned>, Failure> {
    let replies = channel
        .replies()
        .expect("supervise takes request channels only");
    let text = std::fs::read_to_string(path).map_err(|err| {
        Failure::Usage(format!("cannot read --responses {}: {err}", path.display()))
    })?;
    let entries: serde_json::Map<String, Value> = serde_json::from_str(&text).map_err(|err| {
        Failure::Usage(format!(
            "--responses must be a JSON object of request type -> reply: {err}"
        ))
    })?;
    let mut canned = HashMap::new();
    for (request_type, value) in entries {
        if !channel.permitted_types().contains(&request_type.as_str()) {
            return Err(Failure::Usage(format!(
                "--responses has a reply for `{request_type}`, which the {channel} channel does not carry"
            )));
        }
        let answer = match value.as_object().and_then(|o| o.get("error").filter(|_| o.len() == 1)) {
            Some(error) => Canned::Error(serde_json::from_value(error.clone()).map_err(|err| {
                Failure::Usage(format!("--responses: the error for `{request_type}` is not an ErrorResponse: {err}"))
            })?),
            None => Canned::Reply(replies.canonicalize_json(&value.to_string()).map_err(|err| {
                Failure::Usage(format!("--responses: the reply for `{request_type}` is not a {replies} message: {err}"))
            })?),
        };
        canned.insert(request_type, answer);
    }
    Ok(canned)
}

pub fn run(
    channel: ChannelName,
    responses: Option<PathBuf>,
    log: Option<PathBuf>,
    limits: airflow_comms::Limits,
    command: Vec<String>,
) -> Result<ExitCode, Failure> {
    let canned = match &responses {
        Some(path) => load_canned(channel, path)?,
        None => HashMap::new(),
    };
    let mut log: Box<dyn Write> = match &log {
        Some(path) => Box::new(File::create(path).map_err(|err| {
            Failure::Usage(format!("cannot create --log {}: {err}", path.display()))
        })?),
        None => Box::new(io::stderr()),
    };
    let (ours, theirs) = UnixStream::pair()
        .map_err(|err| Failure::Io(format!("cannot create a socketpair: {err}")))?;
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .spawn()
        .map_err(|err| Failure::Usage(format!("cannot start `{}`: {err}", command[0])))?;
    let mut writer = ours
        .try_clone()
        .map_err(|err| Failure::Io(err.to_string()))?;
    let mut reader = FrameReader::new(ours).with_limits(limits);

    let mut problem = None;
    loop {
        let decoded = match reader.read_payload() {
            Ok(Some(payload)) => channel.decode_frame_within(&limits, payload),
            Ok(None) => break,
            Err(err) if err.is_stream_fatal() => {
                // The stream is broken; nothing more can be answered.
                let _ = writeln!(
                    log,
                    "{}",
                    json!({ "error": crate::output::frame_error(&err) })
                );
                problem = Some(err);
                break;
            }
            // A frame of length 0: logged below like any frame without an id, and the next
            // frame is read.
            Err(err) => Err(err),
        };
        let mut frame = Vec::new();
        let entry = match decoded {
            Ok(request) => {
                let body = request.body.expect("a request frame has a body");
                let (reply, error) = match canned.get(body.type_tag) {
                    Some(Canned::Reply(reply)) => (Some(reply.as_str()), None),
                    Some(Canned::Error(error)) => (None, Some(error.clone())),
                    None => (None, None),
                };
                channel
                    .encode_reply(request.id, reply, error.as_ref(), &mut frame)
                    .map_err(|err| {
                        Failure::Io(format!("cannot encode the reply to {}: {err}", request.id))
                    })?;
                let request_json: Value = serde_json::from_str(&body.json).unwrap_or(Value::Null);
                match (reply, error) {
                    (_, Some(error)) => {
                        json!({ "id": request.id, "request": request_json, "error": error })
                    }
                    (reply, None) => json!({
                        "id": request.id,
                        "request": request_json,
                        "response": reply.map_or(Value::Null, |r| serde_json::from_str(r).unwrap_or(Value::Null)),
                    }),
                }
            }
            Err(err) => {
                let Some(id) = err.frame_id() else {
                    let _ = writeln!(
                        log,
                        "{}",
                        json!({ "error": crate::output::frame_error(&err) })
                    );
                    continue;
                };
                let refused = refusal(&err).expect("an error with a frame id has an answer");
                encode_response(&refused, &mut frame).map_err(|err| {
                    Failure::Io(format!("cannot encode the refusal of {id}: {err}"))
                })?;
                json!({ "id": id, "refused": crate::output::frame_error(&err), "error": refused.error })
            }
        };
        if let Err(err) = writer.write_all(&frame) {
            let _ = writeln!(
                log,
                "{}",
                json!({ "error": { "kind": "io", "message": format!("cannot answer: {err}") } })
            );
            break;
        }
        let _ = writeln!(log, "{entry}");
    }
    let status = child
        .wait()
        .map_err(|err| Failure::Io(format!("waiting for the child: {err}")))?;
    if let Some(err) = problem {
        eprintln!("airflow-comms supervise: the request stream broke: {err}");
    }
    Ok(match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        // Killed by a signal: report failure, as a shell would (128 + signal is not portable here).
        None => ExitCode::FAILURE,
    })
}
