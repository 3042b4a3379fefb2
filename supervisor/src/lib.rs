//! A native supervisor for Apache Airflow 3.3 workloads.
//!
//! `airflow-supervisor` takes the place of `python -m airflow.sdk.execution_time.execute_workload`:
//! it reads the same workload JSON, talks to the same Execution API, starts the same task runner
//! (or a native bundle directly), and reports the same final state.

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
pub mod serve;
pub mod task;
pub mod workload;
