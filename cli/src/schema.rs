//! `airflow-comms schema`.

use std::path::PathBuf;
use std::process::ExitCode;

use airflow_comms::ChannelName;

use crate::Failure;

pub fn run(_out: Option<PathBuf>, _channel: Option<ChannelName>) -> Result<ExitCode, Failure> {
    Err(Failure::Usage("JSON Schemas are not generated yet".into()))
}
