//! Which coordinator runs a task: `[sdk] coordinators`, `[sdk] queue_to_coordinator` and the
//! task's queue, read as Airflow's `CoordinatorManager` reads them.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::find::{Bundle, FindError, find_bundle};

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

const COORDINATORS: &str = "coordinators";
const QUEUE_TO_COORDINATOR: &str = "queue_to_coordinator";

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

/// Why no coordinator could be chosen. Each names the setting (and the entry) that is wrong.
///
/// Airflow raises the first three, and [`UnknownCoordinatorKey`](Self::UnknownCoordinatorKey),
/// whatever the task's queue is (it loads the whole configuration first); the others only for a
/// queue mapped to the faulty entry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SelectionError {
    /// The setting is not JSON (Airflow: `AirflowConfigException`).
    #[error("[sdk] {setting} is not valid JSON: {error}")]
    InvalidJson {
        /// `coordinators` or `queue_to_coordinator`.
        setting: &'static str,
        /// What the JSON parser said.
        error: String,
    },
    /// The setting is JSON but not an object (Airflow fails on `.items()` / `.values()`).
    #[error("[sdk] {setting} must be a JSON object, not {found}")]
    NotAnObject {
        /// `coordinators` or `queue_to_coordinator`.
        setting: &'static str,
        /// What it is instead.
        found: String,
    },
    /// An entry of `[sdk] coordinators` is not `{"classpath": str, "kwargs": object, "extra":
    /// object|null}` (Airflow: pydantic's `ValidationError`).
    #[error("[sdk] coordinators entry {key:?} is invalid: {problem}")]
    InvalidEntry {
        /// The entry's key.
        key: String,
        /// The first field that is wrong, and how.
        problem: String,
    },
    /// `[sdk] queue_to_coordinator` maps a queue to something that is not a key of
    /// `[sdk] coordinators`.
    #[error(
        "[sdk] queue_to_coordinator maps queue {queue:?} to {target}, which is not a key of [sdk] coordinators"
    )]
    UnknownCoordinatorKey {
        /// The queue.
        queue: String,
        /// What it maps to, as JSON.
        target: String,
    },
    /// The queue's coordinator is neither the Python one nor `ExecutableCoordinator`: the native
    /// supervisor cannot run an arbitrary Python coordinator. (Airflow imports the classpath; a
    /// classpath it cannot import is its `InvalidCoordinatorError("Cannot import coordinator …")`.)
    #[error(
        "[sdk] coordinators entry {key:?} has classpath {classpath:?}: the native supervisor runs only \
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
    #[error("[sdk] coordinators entry {key:?} cannot be instantiated: {problem}")]
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
    #[error("[sdk] coordinators entry {key:?}: kwarg {kwarg} {problem}")]
    InvalidKwarg {
        /// The entry's key.
        key: String,
        /// `executables_root` or `task_startup_timeout`.
        kwarg: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// One validated entry of `[sdk] coordinators`.
struct Spec<'a> {
    classpath: &'a str,
    kwargs: Option<&'a Map<String, Value>>,
}

/// Chooses the coordinator for a task on `queue`, as Airflow's supervisor does
/// (`get_coordinator_manager().for_queue(ti.queue or "default")`).
///
/// `coordinators` and `queue_to_coordinator` are the option values as Airflow's config gives
/// them; an unset option (the default for both) is the empty string, which reads as `{}`. An empty
/// `queue` is `"default"`.
///
/// Every entry of `[sdk] coordinators` is checked, and every target of
/// `[sdk] queue_to_coordinator` must be one of its keys, whatever the queue; then an unmapped queue
/// is [`Coordinator::Python`], and a mapped one is its entry, built from the entry's kwargs.
pub fn for_queue(
    coordinators: &str,
    queue_to_coordinator: &str,
    queue: &str,
) -> Result<Coordinator, SelectionError> {
    let coordinators = parse_object(COORDINATORS, coordinators)?;
    let mut specs = Vec::with_capacity(coordinators.len());
    for (key, value) in &coordinators {
        specs.push((key.as_str(), parse_spec(key, value)?));
    }
    let routes = parse_object(QUEUE_TO_COORDINATOR, queue_to_coordinator)?;
    for (route_queue, target) in &routes {
        let known = target
            .as_str()
            .is_some_and(|target| coordinators.contains_key(target));
        if !known {
            return Err(SelectionError::UnknownCoordinatorKey {
                queue: route_queue.clone(),
                target: target.to_string(),
            });
        }
    }

    let queue = if queue.is_empty() {
        DEFAULT_QUEUE
    } else {
        queue
    };
    let Some(target) = routes.get(queue).and_then(Value::as_str) else {
        return Ok(Coordinator::Python);
    };
    // Checked above: every target is a key with a parsed spec.
    let Some((key, spec)) = specs.iter().find(|(key, _)| *key == target) else {
        return Ok(Coordinator::Python);
    };
    build(key, spec)
}

/// An option's JSON object; the empty string is `{}`, as Airflow's `conf.getjson(…, fallback={})`
/// gives for an unset or empty option.
fn parse_object(setting: &'static str, text: &str) -> Result<Map<String, Value>, SelectionError> {
    if text.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(SelectionError::NotAnObject {
            setting,
            found: describe(&other),
        }),
        Err(err) => Err(SelectionError::InvalidJson {
            setting,
            error: err.to_string(),
        }),
    }
}

/// An entry as Airflow's `_CoordinatorSpec` validates it: `classpath` a string, `kwargs` an object
/// when present, `extra` an object or null when present; other fields are ignored.
fn parse_spec<'a>(key: &str, value: &'a Value) -> Result<Spec<'a>, SelectionError> {
    let invalid = |problem: String| SelectionError::InvalidEntry {
        key: key.to_owned(),
        problem,
    };
    let Value::Object(entry) = value else {
        return Err(invalid(format!(
            "it must be an object, not {}",
            describe(value)
        )));
    };
    let classpath = match entry.get("classpath") {
        Some(Value::String(classpath)) => classpath.as_str(),
        Some(other) => {
            return Err(invalid(format!(
                "classpath must be a string, not {}",
                describe(other)
            )));
        }
        None => return Err(invalid("classpath is missing".into())),
    };
    let kwargs = match entry.get("kwargs") {
        None => None,
        Some(Value::Object(kwargs)) => Some(kwargs),
        Some(other) => {
            return Err(invalid(format!(
                "kwargs must be an object, not {}",
                describe(other)
            )));
        }
    };
    match entry.get("extra") {
        None | Some(Value::Null | Value::Object(_)) => {}
        Some(other) => {
            return Err(invalid(format!(
                "extra must be an object or null, not {}",
                describe(other)
            )));
        }
    }
    Ok(Spec { classpath, kwargs })
}

/// Builds the entry's coordinator from its kwargs, in the order Airflow's constructor meets
/// problems: unknown keywords, then a missing `executables_root`, then the conversion of
/// `executables_root`, then its length; `task_startup_timeout` last (Airflow meets a non-number
/// only at launch).
fn build(key: &str, spec: &Spec<'_>) -> Result<Coordinator, SelectionError> {
    let empty = Map::new();
    let kwargs = spec.kwargs.unwrap_or(&empty);
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
    if !EXECUTABLE_COORDINATOR_CLASSPATHS.contains(&spec.classpath) {
        return Err(SelectionError::Unsupported {
            key: key.to_owned(),
            classpath: spec.classpath.to_owned(),
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
                        describe(item)
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
                describe(roots)
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
                    format!("must be a number of seconds, not {}", describe(other)),
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

/// A JSON value's kind, for error messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(flag) => format!("the boolean {flag}"),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) => format!("the string {text:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
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
