//! `airflow-comms`: decode, encode and inspect Apache Airflow's supervisor comms protocol, run a
//! process under a mock supervisor, and pack executable bundles.
//!
//! Every protocol decision is the `airflow-comms` library's; this crate parses arguments, reads
//! and writes files, and formats output.

mod bundle;
mod decode;
mod encode;
mod output;
mod permissions;
mod schema;
mod supervise;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use airflow_comms::ChannelName;
use clap::{Parser, Subcommand, ValueEnum};

/// Decode, encode and inspect the messages Apache Airflow's supervisor exchanges with its task,
/// callback, trigger and DAG-processor processes (wire target: apache-airflow-task-sdk 1.3.2,
/// apache-airflow-core 3.3.2).
#[derive(Debug, Parser)]
#[command(name = "airflow-comms", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode messages (JSON Lines or frames) and print one JSON line per message.
    Decode {
        /// The channel: task, callback, trigger, dag-processor, to-task, to-trigger-runner,
        /// to-dag-processor.
        #[arg(long, value_parser = parse_channel)]
        channel: ChannelName,
        /// The input format.
        #[arg(long, value_enum, default_value_t = InputFormat::Json)]
        input: InputFormat,
        /// Indent the output for reading.
        #[arg(long)]
        pretty: bool,
        /// Decode in pydantic's lax mode: also accept the forms pydantic coerces (`"3"` for an
        /// integer, a unix timestamp for a date-time, ...), as the Python supervisor does.
        #[arg(long)]
        lax: bool,
        /// The input file; standard input when absent.
        file: Option<PathBuf>,
    },
    /// Encode JSON Lines messages as frames or as canonical JSON Lines.
    Encode {
        /// The channel (see `decode`).
        #[arg(long, value_parser = parse_channel)]
        channel: ChannelName,
        /// The output format.
        #[arg(long, value_enum)]
        output: OutputFormat,
        /// The input file; standard input when absent.
        file: Option<PathBuf>,
    },
    /// Print the message type × channel matrix, with each type's group.
    Permissions {
        /// The output format.
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Print one channel's JSON Schema, or write every schema file.
    Schema {
        /// Which schema: `validation` (what the SDK accepts: fields with a default may be left
        /// out) or `serialization` (what the SDK writes: every field present). A printed schema
        /// is the validation one unless this says otherwise: it is pydantic's default mode, and
        /// the schema that accepts every message the SDK accepts, written ones included. With
        /// `--out` and no `--mode`, both are written.
        #[arg(long, value_enum)]
        mode: Option<Mode>,
        /// Write every schema file into DIR/validation/ and DIR/serialization/ (the same files as
        /// `schemas/`).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The channel whose schema to print.
        #[arg(value_parser = parse_channel)]
        channel: Option<ChannelName>,
    },
    /// Run a command under a mock supervisor that answers its requests.
    Supervise {
        /// The request channel the child speaks: task, callback, trigger or dag-processor.
        #[arg(long, value_parser = parse_request_channel)]
        channel: ChannelName,
        /// Canned replies: a JSON object mapping a request type to a reply body, or to
        /// `{"error": {...ErrorResponse...}}`. Requests without one get an empty reply.
        #[arg(long)]
        responses: Option<PathBuf>,
        /// Where to write the exchanges as JSON Lines; standard error when absent.
        #[arg(long)]
        log: Option<PathBuf>,
        /// Decode the child's requests in pydantic's lax mode (see `decode --lax`).
        #[arg(long)]
        lax: bool,
        /// The command to run, with fd 0 connected to the supervisor.
        #[arg(last = true, required = true, num_args = 1..)]
        command: Vec<String>,
    },
    /// Pack and inspect executable bundles, the files Airflow 3.3's ExecutableCoordinator runs
    /// native tasks from (bundle-spec 1.0).
    Bundle {
        #[command(subcommand)]
        command: BundleCommand,
    },
}

#[derive(Debug, Subcommand)]
enum BundleCommand {
    /// Append the DAG source, the manifest and the trailer to an executable. The manifest is what
    /// `BINARY --airflow-metadata` prints, rewritten with sorted keys, quoted strings and
    /// `digests`. The same inputs give the same bytes.
    Pack {
        /// The executable (a runtime that answers `--airflow-metadata`).
        binary: PathBuf,
        /// Where to write the bundle (mode 0755; an existing file is replaced atomically).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The DAG source file to embed; the manifest's `source` becomes its file name.
        #[arg(long, value_name = "FILE")]
        source: Option<PathBuf>,
        /// Seconds `BINARY --airflow-metadata` may take.
        #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
        timeout: f64,
    },
    /// Check a bundle as Airflow does (trailer, region bounds, SHA-256, manifest) and print its
    /// trailer, manifest and source as JSON.
    Inspect {
        /// Indent the output for reading.
        #[arg(long)]
        pretty: bool,
        /// The bundle.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InputFormat {
    /// One JSON message object per line.
    Json,
    /// Length-prefixed msgpack frames, as on the wire.
    Frames,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// Length-prefixed msgpack frames, ids 0, 1, 2, ...
    Frames,
    /// Canonical JSON Lines.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// What the SDK accepts on input (pydantic's `mode="validation"`).
    Validation,
    /// What the SDK writes (pydantic's `mode="serialization"`, by alias, every field present).
    Serialization,
}

impl From<Mode> for airflow_comms::schema::SchemaMode {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Validation => Self::Validation,
            Mode::Serialization => Self::Serialization,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TableFormat {
    /// An aligned text table.
    Table,
    /// JSON.
    Json,
    /// A Markdown table.
    Markdown,
}

fn parse_channel(name: &str) -> Result<ChannelName, String> {
    name.parse()
        .map_err(|err: airflow_comms::UnknownChannel| err.to_string())
}

fn parse_request_channel(name: &str) -> Result<ChannelName, String> {
    let channel = parse_channel(name)?;
    if channel.is_request_channel() {
        Ok(channel)
    } else {
        Err(format!(
            "`{name}` is a reply direction; supervise a request channel: task, callback, trigger or dag-processor"
        ))
    }
}

/// A failure that ends the command: a usage problem (exit 2) or an I/O failure (exit 1).
#[derive(Debug)]
enum Failure {
    Usage(String),
    Io(String),
}

/// The decoding limits: the defaults, in lax mode when asked.
fn limits(lax: bool) -> airflow_comms::Limits {
    airflow_comms::Limits::DEFAULT.with_lax(lax)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode {
            channel,
            input,
            pretty,
            lax,
            file,
        } => decode::run(channel, input, pretty, limits(lax), file),
        Command::Encode {
            channel,
            output,
            file,
        } => encode::run(channel, output, file),
        Command::Permissions { format } => permissions::run(format),
        Command::Schema { mode, out, channel } => schema::run(mode.map(Into::into), out, channel),
        Command::Supervise {
            channel,
            responses,
            log,
            lax,
            command,
        } => supervise::run(channel, responses, log, limits(lax), command),
        Command::Bundle { command } => match command {
            BundleCommand::Pack {
                binary,
                out,
                source,
                timeout,
            } => Duration::try_from_secs_f64(timeout)
                .map_err(|_| Failure::Usage(format!("--timeout {timeout} is not a duration")))
                .and_then(|timeout| bundle::pack(binary, out, source, timeout)),
            BundleCommand::Inspect { pretty, file } => bundle::inspect(file, pretty),
        },
    };
    match result {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Io(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
