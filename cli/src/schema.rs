//! `airflow-comms schema`: print one channel's JSON Schema, or write every schema file.

use std::path::PathBuf;
use std::process::ExitCode;

use airflow_comms::ChannelName;
use airflow_comms::schema::{SchemaMode, schema_files};

use crate::Failure;

/// The mode of a printed schema when none is asked for: validation, pydantic's default, whose
/// schema accepts every message the SDK accepts (what it writes included).
const PRINTED_BY_DEFAULT: SchemaMode = SchemaMode::Validation;

pub fn run(
    mode: Option<SchemaMode>,
    out: Option<PathBuf>,
    channel: Option<ChannelName>,
) -> Result<ExitCode, Failure> {
    if let Some(dir) = &out {
        let modes: Vec<SchemaMode> = mode.map_or(SchemaMode::ALL.to_vec(), |mode| vec![mode]);
        let mut written = 0;
        for mode in modes {
            let folder = dir.join(mode.name());
            std::fs::create_dir_all(&folder).map_err(|err| {
                Failure::Usage(format!("cannot create {}: {err}", folder.display()))
            })?;
            for file in schema_files(mode) {
                let path = dir.join(file.path());
                std::fs::write(&path, file.to_pretty_json()).map_err(|err| {
                    Failure::Io(format!("cannot write {}: {err}", path.display()))
                })?;
                written += 1;
            }
        }
        eprintln!("wrote {written} schema files to {}", dir.display());
    }
    match channel {
        Some(channel) => {
            let name = format!("{}.json", channel.type_name());
            let file = schema_files(mode.unwrap_or(PRINTED_BY_DEFAULT))
                .into_iter()
                .find(|f| f.file_name == name)
                .expect("every channel has a schema file");
            print!("{}", file.to_pretty_json());
        }
        None if out.is_none() => {
            return Err(Failure::Usage(
                "give a channel to print its schema (e.g. `schema callback`), or --out DIR to write every schema file".into(),
            ));
        }
        None => {}
    }
    Ok(ExitCode::SUCCESS)
}
