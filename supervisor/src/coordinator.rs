//! Coordinator selection and native-bundle launch: what Airflow 3.3's coordinator manager and its
//! `ExecutableCoordinator` do between reading a task's queue and the first `PATCH …/run`.
//!
//! Three steps, each its own function and error type:
//!
//! 1. [`for_queue`] picks [`Coordinator::Python`] (the default) or [`Coordinator::Executable`]
//!    for a task's queue, as the `CoordinatorManager` in
//!    `airflow/sdk/execution_time/coordinator.py` does, from `[sdk] coordinators` and
//!    `[sdk] queue_to_coordinator` as [`config::Coordinators`](crate::config::Coordinators)
//!    holds them (the configuration reads and checks both options, once), or says why the
//!    queue's entry is unusable ([`SelectionError`]).
//! 2. [`ExecutableCoordinator::find_bundle`] (or [`find_bundle`]) walks `executables_root` as
//!    `_Bundle.find` in `airflow/sdk/coordinators/executable/coordinator.py` does and returns the
//!    first bundle that declares the DAG ([`FindError`] otherwise).
//! 3. [`launch`] starts it as `_PopenActivitySubprocess.start` in
//!    `airflow/sdk/coordinators/_subprocess.py` does: two loopback listeners, the bundle run with
//!    `--comm=` and `--logs=`, stdout and stderr on socketpairs, and both connections accepted
//!    from the child's process tree within `task_startup_timeout` ([`LaunchError`] otherwise).
//!
//! Everything here happens, in Airflow, before the supervisor's `PATCH task-instances/{id}/run`:
//! a failure in any step leaves the task instance untouched on the server.

mod find;
mod launch;
mod owner;
mod pyyaml;
mod selection;

pub use find::{Bundle, FindError, SkippedFile, find_bundle};
pub use launch::{CapturedOutput, LaunchError, LaunchOptions, Launched, launch};
pub use selection::{
    Coordinator, DEFAULT_TASK_STARTUP_TIMEOUT, EXECUTABLE_COORDINATOR_CLASSPATHS,
    ExecutableCoordinator, PYTHON_COORDINATOR_CLASSPATH, SelectionError, for_queue,
};
