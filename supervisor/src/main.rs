//! `airflow-supervisor`: see the crate documentation.

use std::process::ExitCode;

use airflow_comms_supervisor::cli::{Args, run_main};
use clap::Parser;

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("airflow-supervisor: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run_main(args));
    ExitCode::from(code)
}
