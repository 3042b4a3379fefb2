//! Which coordinator runs a task: the entry of `[sdk] coordinators` that
//! `[sdk] queue_to_coordinator` maps the task's queue to (both options as [`Coordinators`] holds
//! them), built as Airflow's `CoordinatorManager` builds it.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use super::find::{Bundle, FindError, find_bundle};
use crate::config::{CoordinatorSpec, Coordinators, describe_json};

/// The classpath of Airflow's own Python coordinator (`_PythonCoordinator`), which runs the task
/// in a forked Python task runner. Naming it in `[sdk] coordinators` (with no kwargs) selects
/// [`Coordinator::Python`], as leaving the queue unmapped does.
pub const PYTHON_COORDINATOR_CLASSPATH: &str =
    "airflow.sdk.execution_time.coordinator._PythonCoordinator";

/// The classpaths that name Airflow's `ExecutableCoordinator`: the package re-exports the class,
/// so both import paths give the same class.
pub const EXECUTABLE_COORDINATOR_CLASSPATHS: [&str; 2] = [
    "airflow.sdk.coordinators.executable.ExecutableCoordinator",
    "airflow.sdk.coordinators.executable.coordinator.ExecutableCoordinator",
];

/// `task_startup_timeout` when the coordinator's kwargs do not give one: 10 seconds, the default
/// of Airflow's `SubprocessCoordinator`.
pub const DEFAULT_TASK_STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The queue Airflow looks up for a task whose queue is empty (`ti.queue or "default"`).
const DEFAULT_QUEUE: &str = "default";

/// The coordinator that runs a task.
#[derive(Debug, Clone, PartialEq)]
pub enum Coordinator {
    /// Airflow's default: the Python task runner, forked by the supervisor. Chosen for every queue
    /// that `[sdk] queue_to_coordinator` does not map.
    Python,
    /// A native executable bundle found under `executables_root` and launched with `--comm` and
    /// `--logs`.
    Executable(ExecutableCoordinator),
}

/// An `ExecutableCoordinator` entry of `[sdk] coordinators`, with its kwargs converted as Airflow
/// converts them.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutableCoordinator {
    /// The entry's key in `[sdk] coordinators` (the name `[sdk] queue_to_coordinator` maps to).
    pub key: String,
    /// `executables_root`: the files and directories searched for bundles, in order. Never empty.
    ///
    /// Each is the configured string as Python's `pathlib.Path(...).expanduser()` leaves it:
    /// repeated and trailing `/` and `.` components dropped (an empty string is `.`), and a
    /// leading `~` or `~user` replaced by that home directory. Relative paths stay relative (to the
    /// supervisor's working directory).
    pub executables_root: Vec<PathBuf>,
    /// `task_startup_timeout`: how long the launched bundle has to connect to both sockets, and
    /// how long a bundle that failed to start is given to exit after `SIGTERM` before `SIGKILL`.
    /// A zero or negative configured value is zero (the launch then fails at once, as in Airflow).
    pub task_startup_timeout: Duration,
}

impl ExecutableCoordinator {
    /// An `ExecutableCoordinator` with the default `task_startup_timeout`.
    pub fn new(key: impl Into<String>, executables_root: Vec<PathBuf>) -> Self {
        Self {
            key: key.into(),
            executables_root,
            task_startup_timeout: DEFAULT_TASK_STARTUP_TIMEOUT,
        }
    }

    /// The bundle that runs `dag_id`: see [`find_bundle`].
    pub fn find_bundle(&self, dag_id: &str) -> Result<Bundle, FindError> {
        find_bundle(&self.executables_root, dag_id)
    }
}

/// Why the coordinator of a task's queue cannot run it. Each names the entry of
/// `[sdk] coordinators` (and the kwarg) that is wrong.
///
/// Airflow meets these only for a queue mapped to the faulty entry, when it builds that entry's
/// coordinator; so does [`for_queue`]. What is wrong with the options themselves (not JSON, an
/// invalid entry, a queue mapped to no entry) is a
/// [`CoordinatorsError`](crate::config::CoordinatorsError), met when the
/// configuration is read ([`Coordinators::from_config`]), whatever the queue.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SelectionError {
    /// The queue's coordinator is neither the Python one nor `ExecutableCoordinator`: the native
    /// supervisor cannot run an arbitrary Python coordinator. (Airflow imports the classpath; a
    /// classpath it cannot import is its `InvalidCoordinatorError("Cannot import coordinator …")`.)
    #[error(
        "[sdk] coordinators: entry {key:?} has classpath {classpath:?}: the native supervisor runs only \
         the Python coordinator ({PYTHON_COORDINATOR_CLASSPATH}) and ExecutableCoordinator"
    )]
    Unsupported {
        /// The entry's key.
        key: String,
        /// Its classpath.
        classpath: String,
    },
    /// The entry's kwargs do not fit the coordinator's constructor: an unknown or missing keyword
    /// or a value of the wrong type (Airflow: `InvalidCoordinatorError("Cannot instantiate
    /// coordinator …")`, from a `TypeError`).
    #[error("[sdk] coordinators: entry {key:?} cannot be instantiated: {problem}")]
    CannotInstantiate {
        /// The entry's key.
        key: String,
        /// The keyword and what is wrong with it.
        problem: String,
    },
    /// A kwarg has the right type but an unusable value (Airflow: the `ValueError` of an empty
    /// `executables_root`, the `RuntimeError` of an unknown home directory; a
    /// `task_startup_timeout` that is not a number fails in Airflow only when the bundle is
    /// launched, with a `TypeError`).
    #[error("[sdk] coordinators: entry {key:?}: kwarg {kwarg} {problem}")]
    InvalidKwarg {
        /// The entry's key.
        key: String,
        /// `executables_root` or `task_startup_timeout`.
        kwarg: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// Chooses the coordinator for a task on `queue`, as Airflow's supervisor does
/// (`get_coordinator_manager().for_queue(ti.queue or "default")`): an empty `queue` is
/// `"default"`; a queue `[sdk] queue_to_coordinator` does not map is [`Coordinator::Python`]; a
/// mapped one is its entry's coordinator, built from the entry's kwargs.
///
/// `coordinators` is both options as the configuration gives them
/// ([`Settings::coordinators`](crate::config::Settings::coordinators), checked whole when it was
/// read); only the queue's entry is built here, so only its problems are errors.
pub fn for_queue(coordinators: &Coordinators, queue: &str) -> Result<Coordinator, SelectionError> {
    let queue = if queue.is_empty() {
        DEFAULT_QUEUE
    } else {
        queue
    };
    match coordinators.route(queue) {
        None => Ok(Coordinator::Python),
        Some((key, spec)) => build(key, spec),
    }
}

/// Builds the entry's coordinator from its kwargs, in the order Airflow's constructor meets
/// problems: unknown keywords, then a missing `executables_root`, then the conversion of
/// `executables_root`, then its length; `task_startup_timeout` last (Airflow meets a non-number
/// only at launch).
fn build(key: &str, spec: &CoordinatorSpec) -> Result<Coordinator, SelectionError> {
    let kwargs = &spec.kwargs;
    let cannot = |problem: String| SelectionError::CannotInstantiate {
        key: key.to_owned(),
        problem,
    };
    if spec.classpath == PYTHON_COORDINATOR_CLASSPATH {
        return match kwargs.keys().next() {
            None => Ok(Coordinator::Python),
            Some(name) => Err(cannot(format!(
                "the Python coordinator takes no kwargs, got {name:?}"
            ))),
        };
    }
    if !EXECUTABLE_COORDINATOR_CLASSPATHS.contains(&spec.classpath.as_str()) {
        return Err(SelectionError::Unsupported {
            key: key.to_owned(),
            classpath: spec.classpath.clone(),
        });
    }

    if let Some(name) = kwargs
        .keys()
        .find(|name| !matches!(name.as_str(), "executables_root" | "task_startup_timeout"))
    {
        return Err(cannot(format!(
            "ExecutableCoordinator has no keyword argument {name:?}"
        )));
    }
    let Some(roots) = kwargs.get("executables_root") else {
        return Err(cannot(
            "ExecutableCoordinator requires the keyword argument \"executables_root\"".into(),
        ));
    };
    let invalid_kwarg = |kwarg: &'static str, problem: String| SelectionError::InvalidKwarg {
        key: key.to_owned(),
        kwarg,
        problem,
    };
    // Converted one at a time, as Python's converter does: a bad item stops at the first.
    let mut converted = Vec::new();
    match roots {
        Value::Null => {}
        Value::String(text) => converted.push(convert_root(key, text)?),
        Value::Array(items) => {
            for item in items {
                let Value::String(text) = item else {
                    return Err(cannot(format!(
                        "executables_root holds {}, which is not a path",
                        describe_json(item)
                    )));
                };
                converted.push(convert_root(key, text)?);
            }
        }
        // Python iterates a dict's keys: a JSON object gives its keys, in order.
        Value::Object(map) => {
            for text in map.keys() {
                converted.push(convert_root(key, text)?);
            }
        }
        Value::Bool(_) | Value::Number(_) => {
            return Err(cannot(format!(
                "executables_root must be a path or a list of paths, not {}",
                describe_json(roots)
            )));
        }
    }
    let mut coordinator = ExecutableCoordinator::new(key, converted);
    if coordinator.executables_root.is_empty() {
        return Err(invalid_kwarg(
            "executables_root",
            "must name at least one path".into(),
        ));
    }
    if let Some(timeout) = kwargs.get("task_startup_timeout") {
        coordinator.task_startup_timeout = match timeout {
            Value::Bool(flag) => Duration::from_secs(u64::from(*flag)),
            Value::Number(number) => seconds(number.as_f64().unwrap_or(f64::INFINITY)),
            other => {
                return Err(invalid_kwarg(
                    "task_startup_timeout",
                    format!("must be a number of seconds, not {}", describe_json(other)),
                ));
            }
        };
    }
    Ok(Coordinator::Executable(coordinator))
}

/// One root as Airflow's converter makes it; an unknown home directory is an
/// [`SelectionError::InvalidKwarg`].
fn convert_root(key: &str, root: &str) -> Result<PathBuf, SelectionError> {
    expand_user(&pathlib_normal(root))
        .map(PathBuf::from)
        .ok_or_else(|| SelectionError::InvalidKwarg {
            key: key.to_owned(),
            kwarg: "executables_root",
            problem: format!("{root:?}: could not determine the home directory"),
        })
}

/// Seconds as a `Duration`: zero for zero, negative and NaN; the longest `Duration` for values
/// too large for one (Airflow's deadline is then, in effect, never).
fn seconds(value: f64) -> Duration {
    if value.is_nan() || value <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(value).unwrap_or(Duration::MAX)
}

/// A path string as `pathlib.PurePosixPath` spells it: empty and `.` components dropped, a root of
/// `/` (or exactly `//`, which POSIX lets mean something else) kept, and `.` for nothing at all.
pub(super) fn pathlib_normal(text: &str) -> String {
    let root = if text.starts_with("//") && !text.starts_with("///") {
        "//"
    } else if text.starts_with('/') {
        "/"
    } else {
        ""
    };
    let parts: Vec<&str> = text
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    if root.is_empty() && parts.is_empty() {
        return ".".into();
    }
    format!("{root}{}", parts.join("/"))
}

/// `pathlib.Path.expanduser` on a normalized relative or absolute path: a first component `~`
/// becomes `$HOME` (or, without `HOME`, the current user's home in `/etc/passwd`), `~name` that
/// user's home in `/etc/passwd`; `None` where Python raises "Could not determine home directory".
fn expand_user(path: &str) -> Option<String> {
    if !path.starts_with('~') {
        return Some(path.to_owned());
    }
    let (first, rest) = match path.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (path, None),
    };
    let name = &first[1..];
    let home = if name.is_empty() {
        match std::env::var("HOME") {
            Ok(home) => Some(home),
            Err(_) => passwd_home(|_, uid| uid == rustix::process::getuid().as_raw()),
        }
    } else {
        passwd_home(|user, _| user == name)
    }?;
    // os.path.expanduser: the home without trailing slashes, or `/` when that leaves nothing.
    let mut home = home.trim_end_matches('/').to_owned();
    if home.is_empty() {
        home.push('/');
    }
    if home.starts_with('~') {
        return None;
    }
    Some(match rest {
        // Joining as pathlib does: the normalized home, then the rest of the parts.
        Some(rest) => pathlib_normal(&format!("{home}/{rest}")),
        None => pathlib_normal(&home),
    })
}

/// The home directory of the first `/etc/passwd` entry `wanted(name, uid)` accepts. Only the file
/// is read (no NSS), which is what a container worker has.
fn passwd_home(wanted: impl Fn(&str, u32) -> bool) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        let [name, _, uid, _, _, home, ..] = fields.as_slice() else {
            return None;
        };
        let uid = uid.parse().ok()?;
        wanted(name, uid).then(|| (*home).to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_spelled_as_pathlib_spells_them() {
        for (given, expected) in [
            ("", "."),
            (".", "."),
            ("./a/./b/", "a/b"),
            ("a//b", "a/b"),
            ("/a/../b", "/a/../b"),
            ("//a", "//a"),
            ("///a", "/a"),
        ] {
            assert_eq!(pathlib_normal(given), expected, "{given:?}");
        }
    }

    #[test]
    fn timeouts_clamp_instead_of_panicking() {
        assert_eq!(seconds(-1.0), Duration::ZERO);
        assert_eq!(seconds(f64::NAN), Duration::ZERO);
        assert_eq!(seconds(1e300), Duration::MAX);
        assert_eq!(seconds(0.25), Duration::from_millis(250));
    }
}
