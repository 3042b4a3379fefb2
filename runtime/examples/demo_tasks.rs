//! The demo DAG `rust_demo`: five tasks that exercise what a Rust task meets in Airflow.
//!
//! Build, pack and deploy it as README.md, "Run Rust tasks in Airflow 3.3", shows:
//!
//! ```text
//! cargo build --release -p airflow-comms-runtime --example demo_tasks
//! airflow-comms bundle pack target/release/examples/demo_tasks \
//!     --source runtime/examples/demo_tasks.rs --out bundles/rust_demo
//! ```

use std::process::ExitCode;

use airflow_comms_runtime::{Runtime, TaskContext, TaskError};
use serde::Serialize;

#[derive(Serialize)]
struct Greeting {
    greeting: String,
    try_number: i64,
}

/// Greets the name in Variable `greeting_name`.
fn greet(ctx: &mut TaskContext) -> Result<Greeting, TaskError> {
    let Some(name) = ctx.variable("greeting_name")? else {
        tracing::error!("Variable greeting_name is not set");
        return Err(TaskError::fail("Variable greeting_name is not set"));
    };
    let greeting = format!("Hello, {name}!");
    tracing::info!("{greeting}");
    Ok(Greeting {
        greeting,
        try_number: ctx.try_number(),
    })
}

/// Reads Connection `warehouse` and pushes its endpoint; its password never shows in the log.
fn connect(ctx: &mut TaskContext) -> Result<(), TaskError> {
    let Some(conn) = ctx.connection("warehouse")? else {
        return Err(TaskError::fail("Connection warehouse is not defined"));
    };
    let password = conn.password.unwrap_or_default();
    ctx.mask_secret(&password)?;
    let host = conn.host.unwrap_or_default();
    let port = conn.port.map(|p| p.to_string()).unwrap_or_default();
    let login = conn.login.unwrap_or_default();
    tracing::info!("connecting to {host}:{port} as {login} with password {password}");
    ctx.xcom_push("endpoint", &format!("{host}:{port}"))?;
    Ok(())
}

/// A sum that stays exact while every number is an integer, as Python's `sum` does.
#[derive(Serialize)]
#[serde(untagged)]
enum Sum {
    Int(i128),
    Float(f64),
}

#[derive(Serialize)]
struct Total {
    sum: Sum,
    count: usize,
}

/// Sums the list task `numbers` returned.
fn sum_upstream(ctx: &mut TaskContext) -> Result<Total, TaskError> {
    let Some(numbers) = ctx.xcom_pull_return::<Vec<serde_json::Number>>("numbers")? else {
        return Err(TaskError::fail("task numbers returned nothing"));
    };
    let mut sum = Sum::Int(0);
    for number in &numbers {
        sum = match (sum, number.as_i64()) {
            (Sum::Int(total), Some(n)) => Sum::Int(total + i128::from(n)),
            (Sum::Int(total), None) => Sum::Float(total as f64 + number_f64(number)?),
            (Sum::Float(total), _) => Sum::Float(total + number_f64(number)?),
        };
    }
    tracing::info!(count = numbers.len(), "summed the numbers of task numbers");
    Ok(Total {
        sum,
        count: numbers.len(),
    })
}

fn number_f64(number: &serde_json::Number) -> Result<f64, TaskError> {
    number
        .as_f64()
        .ok_or_else(|| TaskError::fail(format!("{number} is not a number this task can add")))
}

/// Always fails.
fn always_fails(_: &mut TaskContext) -> Result<(), TaskError> {
    tracing::error!("failing on purpose");
    Err(TaskError::fail("failing on purpose"))
}

/// Always skips.
fn skip_me(_: &mut TaskContext) -> Result<(), TaskError> {
    Err(TaskError::skip("skip_me always skips"))
}

/// The demo's tasks (the runtime's tests run this very table).
pub fn runtime() -> Runtime {
    Runtime::new()
        .source("demo_tasks.rs")
        .dag("rust_demo", |dag| {
            dag.task("greet", greet)
                .task("connect", connect)
                .task("sum_upstream", sum_upstream)
                .task("always_fails", always_fails)
                .task("skip_me", skip_me)
        })
}

fn main() -> ExitCode {
    runtime().run()
}
