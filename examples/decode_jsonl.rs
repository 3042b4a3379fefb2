//! Decodes JSON Lines messages with a chosen channel and prints one JSON line per message:
//! `{"ok": <canonical message>}` or `{"error": {"kind": ..., "type": ..., "message": ...}}`.
//!
//! ```sh
//! cargo run --example decode_jsonl -- --channel callback                 # embedded sample
//! cargo run --example decode_jsonl -- --channel task my-requests.jsonl
//! ```
//!
//! Without a file it reads `tests/data/<channel>-session.jsonl`, requests written by the real
//! Airflow SDK. Exits with 1 when any message was refused.

use std::path::PathBuf;
use std::process::ExitCode;

use airflow_comms::ChannelName;
use serde_json::json;

fn main() -> ExitCode {
    let mut channel = ChannelName::TaskToSupervisor;
    let mut file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--channel" => match args.next().map(|name| name.parse::<ChannelName>()) {
                Some(Ok(name)) => channel = name,
                Some(Err(err)) => return usage(&err.to_string()),
                None => return usage("--channel needs a value"),
            },
            "-h" | "--help" => return usage(""),
            path => file = Some(PathBuf::from(path)),
        }
    }
    let path = file.unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/data/{}-session.jsonl", channel.short_name()))
    });
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => return usage(&format!("cannot read {}: {err}", path.display())),
    };

    let mut refused = false;
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let out = match channel.canonicalize_json(line) {
            // The canonical text is spliced in as is, so big integers keep every digit.
            Ok(message) => format!("{{\"ok\":{message}}}"),
            Err(err) => {
                refused = true;
                json!({ "error": {
                    "kind": err.kind().to_string(),
                    "type": err.type_tag(),
                    "message": err.to_string(),
                }})
                .to_string()
            }
        };
        println!("{out}");
    }
    if refused {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn usage(problem: &str) -> ExitCode {
    if !problem.is_empty() {
        eprintln!("error: {problem}");
    }
    eprintln!(
        "usage: decode_jsonl [--channel task|callback|trigger|dag-processor|to-task|...] [FILE]"
    );
    ExitCode::from(2)
}
