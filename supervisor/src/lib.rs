//! A native supervisor for Apache Airflow 3.3 workloads.
//!
//! `airflow-supervisor` takes the place of `python -m airflow.sdk.execution_time.execute_workload`:
//! it reads the same workload JSON and configuration, makes the same Execution API calls,
//! starts the same task runner (or a native bundle directly, with no Python at all), serves the
//! task's requests, heartbeats, writes the task log the UI reads, and reports the same final
//! state. The README's "Run the native supervisor" section is the user's guide; this crate is
//! also a library, for a supervisor of one's own.
//!
//! The modules, from the command line down:
//!
//! | module | what it holds |
//! |---|---|
//! | [`cli`] | the `execute_workload` contract: arguments, workload, configuration, exit code |
//! | [`task`], [`callback`], [`connection_test`] | one workload each, start to end |
//! | [`serve`] | [`serve::Handler`]: the library's `AsyncHandle` for every request, through the Execution API |
//! | [`child`], [`coordinator`] | starting the task process; choosing, finding and launching native bundles |
//! | [`logs`], [`mask`] | the task log (JSON lines, bounded memory) and secrets masking |
//! | [`remote_log`] | the finished log uploaded to `s3://` as Airflow's S3 handler puts it |
//! | [`api`] | the Execution API client, and its bodies generated from the API's OpenAPI document |
//! | [`config`], [`workload`], [`host`] | Airflow's configuration, the workloads, host and user names |
//!
//! The comms protocol itself (messages, channels, frames, dispatch) is the `airflow-comms`
//! library's: requests are decoded and answered through `TaskToSupervisor::dispatch_async`, so a
//! request a new Airflow adds is a compile error in [`serve`] until it is served.

pub mod api;
pub mod callback;
pub mod child;
pub mod cli;
pub mod config;
pub mod connection_test;
pub mod coordinator;
pub mod host;
pub mod logs;
pub mod mask;
pub mod remote_log;
pub mod serve;
pub mod task;
pub mod workload;
