//! `airflow-comms schema`: print one channel's JSON Schema, or write every schema file.

use std::path::PathBuf;
use std::process::ExitCode;

use airflow_comms::ChannelName;
use airflow_comms::schema::schema_files;

use crate::Failure;

pub fn run(out: Option<PathBuf>, channel: Option<ChannelName>) -> Result<ExitCode, Failure> {
    let files = schema_files();
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir)
            .map_err(|err| Failure::Usage(format!("cannot create {}: {err}", dir.display())))?;
        for file in &files {
            let path = dir.join(&file.file_name);
            std::fs::write(&path, file.to_pretty_json())
                .map_err(|err| Failure::Io(format!("cannot write {}: {err}", path.display())))?;
        }
        eprintln!("wrote {} schema files to {}", files.len(), dir.display());
    }
    match channel {
        Some(channel) => {
            let name = format!("{}.json", channel.type_name());
            let file = files
                .iter()
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
