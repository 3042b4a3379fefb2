//! `airflow-comms decode`: one JSON line per input message, in input order.

use std::path::PathBuf;
use std::process::ExitCode;

use airflow_comms::frame::FrameReader;
use airflow_comms::{ChannelName, DecodeError, Limits};
use serde_json::{Value, json};

use crate::output::{Lines, decode_error, frame_error, read_input};
use crate::{Failure, InputFormat};

pub fn run(
    channel: ChannelName,
    input: InputFormat,
    pretty: bool,
    limits: Limits,
    file: Option<PathBuf>,
) -> Result<ExitCode, Failure> {
    let bytes = read_input(file.as_ref())?;
    let mut lines = Lines::new(pretty);
    let all_ok = match input {
        InputFormat::Json => json_lines(channel, &limits, &bytes, &mut lines)?,
        InputFormat::Frames => frames(channel, &limits, &bytes, &mut lines)?,
    };
    lines.finish()?;
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn json_lines(
    channel: ChannelName,
    limits: &Limits,
    bytes: &[u8],
    lines: &mut Lines,
) -> Result<bool, Failure> {
    let mut all_ok = true;
    for line in bytes.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let result = match std::str::from_utf8(line) {
            Ok(text) => channel.canonicalize_json_within(limits, text),
            Err(err) => Err(DecodeError::Malformed {
                channel: channel.type_name(),
                reason: format!("the line is not UTF-8: {err}"),
            }),
        };
        match result {
            Ok(message) => lines.ok(&[], Some(&message), &[])?,
            Err(err) => {
                all_ok = false;
                lines.value(&json!({ "error": decode_error(&err) }))?;
            }
        }
    }
    Ok(all_ok)
}

fn frames(
    channel: ChannelName,
    limits: &Limits,
    bytes: &[u8],
    lines: &mut Lines,
) -> Result<bool, Failure> {
    let mut reader = FrameReader::new(bytes).with_limits(*limits);
    let mut all_ok = true;
    loop {
        let decoded = match reader.read_payload() {
            Ok(Some(payload)) => channel.decode_frame_within(limits, payload),
            Ok(None) => break,
            Err(err) if err.is_stream_fatal() => {
                // The stream itself is broken (cut short, or a length over the limit): nothing
                // after this point can be found, so stop here.
                lines.value(&json!({ "error": frame_error(&err) }))?;
                return Ok(false);
            }
            // A frame of length 0: its own error, and the next frame follows.
            Err(err) => Err(err),
        };
        match decoded {
            Ok(frame) => {
                let id = ("id", json!(frame.id));
                let body = frame.body.as_ref().map(|message| message.json.as_str());
                match frame.error {
                    Some(error) => {
                        let error_body = serde_json::to_value(&error)
                            .map_err(|err| Failure::Io(err.to_string()))?;
                        lines.ok(&[id], body, &[("error_body", error_body)])?
                    }
                    None => lines.ok(&[id], body, &[])?,
                }
            }
            Err(err) => {
                all_ok = false;
                let mut line = serde_json::Map::new();
                if let Some(id) = err.frame_id() {
                    line.insert("id".into(), json!(id));
                }
                line.insert("error".into(), frame_error(&err));
                // The frame was read whole, so the next one decodes.
                lines.value(&Value::Object(line))?;
            }
        }
    }
    Ok(all_ok)
}
