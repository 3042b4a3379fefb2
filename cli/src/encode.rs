//! `airflow-comms encode`: JSON Lines in, frames or canonical JSON Lines out.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use airflow_comms::ChannelName;

use crate::output::read_input;
use crate::{Failure, OutputFormat};

pub fn run(
    channel: ChannelName,
    output: OutputFormat,
    file: Option<PathBuf>,
) -> Result<ExitCode, Failure> {
    if output == OutputFormat::Frames && std::io::stdout().is_terminal() {
        return Err(Failure::Usage(
            "frames are binary: redirect the output to a file or a pipe (e.g. `> requests.frames`)"
                .into(),
        ));
    }
    let bytes = read_input(file.as_ref())?;
    let text = String::from_utf8(bytes)
        .map_err(|err| Failure::Usage(format!("the input is not UTF-8: {err}")))?;
    let mut out = Vec::new();
    let mut next_id = 0;
    let mut all_ok = true;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let result = match output {
            OutputFormat::Frames => channel
                .encode_json_frame(next_id, line, &mut out)
                .map_err(|err| err.to_string()),
            OutputFormat::Json => channel
                .canonicalize_json(line)
                .map(|json| {
                    out.extend_from_slice(json.as_bytes());
                    out.push(b'\n');
                })
                .map_err(|err| err.to_string()),
        };
        match result {
            Ok(()) => next_id += 1,
            Err(message) => {
                all_ok = false;
                eprintln!("line {}: {message}", index + 1);
            }
        }
    }
    std::io::stdout()
        .write_all(&out)
        .and_then(|()| std::io::stdout().flush())
        .map_err(|err| Failure::Io(format!("cannot write the output: {err}")))?;
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
