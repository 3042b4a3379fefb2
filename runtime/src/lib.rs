//! Run Rust tasks under Apache Airflow 3.3's own supervisor.
//!
//! Airflow 3.3 runs tasks written in other languages through its `ExecutableCoordinator`: it
//! finds an *executable bundle* whose manifest lists the task's DAG, launches it with
//! `--comm=HOST:PORT --logs=HOST:PORT`, and then speaks the same protocol to it as to a Python
//! task runner. This crate is the Rust side of that path, built on
//! [`airflow_comms`]:
//!
//! - [`Runtime`] holds the binary's tasks by DAG, prints the bundle manifest
//!   (`--airflow-metadata`), and runs the task the supervisor names;
//! - [`TaskContext`] is what a task sees: its task instance and DAG run, connections, variables,
//!   XComs of any `serde` type, secret masking, and every other request the task channel permits,
//!   typed;
//! - the task log is a `tracing` layer (the `log` facade goes through it) writing the JSON lines
//!   the supervisor reads;
//! - outcomes: a returned value is pushed as the `return_value` XCom and the task succeeds; an
//!   error fails it (up for retry when Airflow allows a retry); [`TaskError::skip`] skips it; a
//!   panic is a failure with its message in the log. Exactly one terminal message is sent;
//! - SIGTERM raises the [`Cancellation`] the task can poll or await.
//!
//! ```no_run
//! use airflow_comms_runtime::{Runtime, TaskContext, TaskError};
//!
//! fn extract(ctx: &mut TaskContext) -> Result<Vec<u64>, TaskError> {
//!     let Some(conn) = ctx.connection("warehouse")? else {
//!         return Err(TaskError::fail("connection `warehouse` is not defined"));
//!     };
//!     tracing::info!(host = conn.host.as_deref(), "extracting");
//!     Ok(vec![1, 2, 3])
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     Runtime::new()
//!         .source("main.rs")
//!         .dag("etl", |dag| dag.task("extract", extract))
//!         .run()
//! }
//! ```
//!
//! Build the binary, pack it with `airflow-comms bundle pack`, and put the bundle where the
//! coordinator looks (README, "Run Rust tasks in Airflow 3.3").

#![warn(missing_docs)]

mod cancel;
mod context;
mod error;
mod launch;
mod logs;
mod runtime;

pub use cancel::{Cancellation, Cancelled};
pub use context::{RETURN_VALUE, TaskContext};
pub use error::{CommsError, TaskError};
pub use launch::{Launch, LaunchError};
pub use logs::{LevelFilter, TaskLog, TaskLogLayer};
pub use runtime::{Dag, Runtime};

/// The protocol crate this runtime speaks through, re-exported for its message types.
pub use airflow_comms;
