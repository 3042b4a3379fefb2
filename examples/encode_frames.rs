//! Encodes JSON Lines messages as length-prefixed msgpack frames on stdout, with ids 0, 1, 2, ...
//! Request channels give request frames, reply directions (`to-*`) give response frames.
//!
//! ```sh
//! cargo run --example encode_frames -- --channel to-task replies.jsonl > replies.frames
//! ```

use std::io::Write;
use std::process::ExitCode;

use airflow_comms::frame::{RequestFrame, ResponseFrame, encode_request, encode_response};
use airflow_comms::{
    CallbackToSupervisor, ChannelName, DagProcessorToManager, DecodeError, TaskToSupervisor,
    ToDagProcessor, ToTask, ToTriggerRunner, TriggerToSupervisor, Union, decode_json,
};
use serde::Serialize;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (channel, path) = match args.as_slice() {
        [flag, name, path] if flag == "--channel" => match name.parse::<ChannelName>() {
            Ok(channel) => (channel, path),
            Err(err) => return fail(&err.to_string()),
        },
        _ => return fail("usage: encode_frames --channel CHANNEL FILE"),
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => return fail(&format!("cannot read {path}: {err}")),
    };
    let mut out = Vec::new();
    for (id, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let result = match channel {
            ChannelName::TaskToSupervisor => request::<TaskToSupervisor>(id, line, &mut out),
            ChannelName::CallbackToSupervisor => {
                request::<CallbackToSupervisor>(id, line, &mut out)
            }
            ChannelName::TriggerToSupervisor => request::<TriggerToSupervisor>(id, line, &mut out),
            ChannelName::DagProcessorToManager => {
                request::<DagProcessorToManager>(id, line, &mut out)
            }
            ChannelName::ToTask => response::<ToTask>(id, line, &mut out),
            ChannelName::ToTriggerRunner => response::<ToTriggerRunner>(id, line, &mut out),
            ChannelName::ToDagProcessor => response::<ToDagProcessor>(id, line, &mut out),
        };
        if let Err(err) = result {
            return fail(&format!("line {}: {err}", id + 1));
        }
    }
    match std::io::stdout().write_all(&out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&err.to_string()),
    }
}

fn request<C: Union + Serialize>(id: usize, line: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let body = decode_json::<C>(line).map_err(|e: DecodeError| e.to_string())?;
    let frame = RequestFrame {
        id: id as i64,
        body,
        context_carrier: None,
    };
    encode_request(&frame, out).map_err(|e| e.to_string())
}

fn response<U: Union + Serialize>(id: usize, line: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let body = decode_json::<U>(line).map_err(|e: DecodeError| e.to_string())?;
    encode_response(&ResponseFrame::<U>::reply(id as i64, body), out).map_err(|e| e.to_string())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
