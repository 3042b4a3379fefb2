//! `[sdk] coordinators` and `[sdk] queue_to_coordinator`: the one place that reads them.
//!
//! [`Coordinators::from_config`] reads both options as `CoordinatorManager.from_config` in
//! `airflow/sdk/execution_time/coordinator.py` does, and refuses what it refuses: the whole of
//! both options is checked, whatever queue a task is on. What an entry builds (which class, with
//! which kwargs, and whether the native supervisor can run it) is not decided here:
//! [`coordinator::for_queue`](crate::coordinator::for_queue) takes the parsed form and does that,
//! for the one queue a task is on, as Airflow's `CoordinatorManager.for_queue` does.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::{Config, ConfigError};

const SECTION: &str = "sdk";
const COORDINATORS: &str = "coordinators";
const QUEUE_TO_COORDINATOR: &str = "queue_to_coordinator";

/// One entry of `[sdk] coordinators`, as `_CoordinatorSpec` in
/// `airflow/sdk/execution_time/coordinator.py` validates it (unknown keys ignored).
#[derive(Debug, Clone, PartialEq)]
pub struct CoordinatorSpec {
    /// Import path of the coordinator class.
    pub classpath: String,
    /// Keyword arguments for its constructor (empty when the entry has none).
    pub kwargs: Map<String, Value>,
    /// Metadata for other components, never passed to the constructor (`None` when absent or
    /// null).
    pub extra: Option<Map<String, Value>>,
}

/// `[sdk] coordinators` and `[sdk] queue_to_coordinator`, parsed and checked as
/// `CoordinatorManager.from_config` parses and checks them.
///
/// Every queue maps to a key of [`specs`](Self::specs): a value of this type is only made by
/// [`from_config`](Self::from_config) (or is the empty [`Default`]), which refuses anything else.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Coordinators {
    specs: IndexMap<String, CoordinatorSpec>,
    queue_to_coordinator: IndexMap<String, String>,
}

/// Why `[sdk] coordinators` or `[sdk] queue_to_coordinator` is refused. Each names the option,
/// and the entry or queue that is wrong; Airflow refuses the same configurations, for every
/// task whatever its queue (it reads both options whole before it looks a queue up).
///
/// A [`ConfigError::Coordinators`] when it comes from [`Coordinators::from_config`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CoordinatorsError {
    /// The option is not JSON (Airflow: `AirflowConfigException`, `Unable to parse [sdk] '…' as
    /// valid json`).
    #[error("[sdk] {option}: {value:?} is not valid JSON: {error}")]
    InvalidJson {
        /// `coordinators` or `queue_to_coordinator`.
        option: &'static str,
        /// The option's value.
        value: String,
        /// What the JSON parser said.
        error: String,
    },
    /// The option is JSON but not an object (Airflow: an `AttributeError` from `.items()` or
    /// `.values()`).
    #[error("[sdk] {option}: {value:?} is not a JSON object of {}: it is {found}", object_of(.option))]
    NotAnObject {
        /// `coordinators` or `queue_to_coordinator`.
        option: &'static str,
        /// The option's value.
        value: String,
        /// What the JSON is instead, e.g. "a list".
        found: String,
    },
    /// An entry of `[sdk] coordinators` is not `{"classpath": string, "kwargs": object,
    /// "extra": object or null}` (`kwargs` and `extra` optional; Airflow: pydantic's
    /// `ValidationError`).
    #[error(
        "[sdk] coordinators: entry {key:?} is not a valid coordinator: {problem} (the entry: {entry})"
    )]
    InvalidEntry {
        /// The entry's key.
        key: String,
        /// The first field that is wrong (in the order `classpath`, `kwargs`, `extra`), and how.
        problem: String,
        /// The entry, as JSON.
        entry: String,
    },
    /// `[sdk] queue_to_coordinator` maps a queue to something that is not a key of
    /// `[sdk] coordinators` (Airflow: "references invalid coordinator key", a `ValueError`; or a
    /// `TypeError` for a list or object, which cannot be a key).
    #[error(
        "[sdk] queue_to_coordinator: queue {queue:?} maps to {target}, which is not a key of [sdk] coordinators ({})",
        known_keys(.keys)
    )]
    UnknownCoordinator {
        /// The queue.
        queue: String,
        /// What it maps to, as JSON.
        target: String,
        /// The keys of `[sdk] coordinators`, in order.
        keys: Vec<String>,
    },
}

impl CoordinatorsError {
    /// The option the error is about: `coordinators` or `queue_to_coordinator` (of `[sdk]`).
    pub fn option(&self) -> &'static str {
        match self {
            CoordinatorsError::InvalidJson { option, .. }
            | CoordinatorsError::NotAnObject { option, .. } => option,
            CoordinatorsError::InvalidEntry { .. } => COORDINATORS,
            CoordinatorsError::UnknownCoordinator { .. } => QUEUE_TO_COORDINATOR,
        }
    }
}

/// What each option's JSON object maps, for [`CoordinatorsError::NotAnObject`].
fn object_of(option: &str) -> &'static str {
    if option == COORDINATORS {
        "coordinator name to coordinator"
    } else {
        "queue name to coordinator name"
    }
}

/// The keys a queue could have mapped to, for [`CoordinatorsError::UnknownCoordinator`].
fn known_keys(keys: &[String]) -> String {
    if keys.is_empty() {
        return "it has none".into();
    }
    let quoted: Vec<String> = keys.iter().map(|key| format!("{key:?}")).collect();
    format!("its keys: {}", quoted.join(", "))
}

impl Coordinators {
    /// Reads both options as `CoordinatorManager.from_config` does, in its order:
    /// `[sdk] coordinators` is read and every entry checked, then `[sdk] queue_to_coordinator` is
    /// read and every target checked. Each option is JSON, an unset or empty one standing for `{}`
    /// (`conf.getjson(…, fallback={})`); `coordinators` an object of entries with a string
    /// `classpath`, an object `kwargs` (default `{}`) and an object or null `extra` (other fields
    /// ignored); `queue_to_coordinator` an object whose values are keys of `coordinators`.
    ///
    /// A problem with the values is a [`ConfigError::Coordinators`].
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let specs = parse_specs(config.get(SECTION, COORDINATORS)?.as_deref())?;
        let queue_to_coordinator = parse_routes(
            &specs,
            config.get(SECTION, QUEUE_TO_COORDINATOR)?.as_deref(),
        )?;
        Ok(Coordinators {
            specs,
            queue_to_coordinator,
        })
    }

    /// The entries of `[sdk] coordinators` by key, in the order of the JSON object (a key given
    /// twice keeps its first place and its last value, as in Python).
    pub fn specs(&self) -> &IndexMap<String, CoordinatorSpec> {
        &self.specs
    }

    /// `[sdk] queue_to_coordinator`: queue name to a key of [`specs`](Self::specs).
    pub fn queue_to_coordinator(&self) -> &IndexMap<String, String> {
        &self.queue_to_coordinator
    }

    /// The entry `queue` is mapped to, with its key; `None` for a queue the option does not map
    /// (Airflow then runs the task with its Python coordinator). The queue is matched exactly:
    /// giving `"default"` for an empty queue is the caller's business.
    pub fn route(&self, queue: &str) -> Option<(&str, &CoordinatorSpec)> {
        let key = self.queue_to_coordinator.get(queue)?;
        // Always found: `from_config` refuses a target that is not a key.
        self.specs
            .get_key_value(key)
            .map(|(key, spec)| (key.as_str(), spec))
    }
}

/// `conf.getjson(SECTION, option, fallback={})` for an option that must be an object: an unset
/// or empty value is `{}`.
fn json_object(
    option: &'static str,
    text: Option<&str>,
) -> Result<Map<String, Value>, CoordinatorsError> {
    let Some(text) = text.filter(|text| !text.is_empty()) else {
        return Ok(Map::new());
    };
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(CoordinatorsError::NotAnObject {
            option,
            value: text.to_owned(),
            found: describe_json(&other),
        }),
        Err(error) => Err(CoordinatorsError::InvalidJson {
            option,
            value: text.to_owned(),
            error: error.to_string(),
        }),
    }
}

/// `[sdk] coordinators`, every entry validated as `_CoordinatorSpec.model_validate` validates it.
fn parse_specs(text: Option<&str>) -> Result<IndexMap<String, CoordinatorSpec>, CoordinatorsError> {
    json_object(COORDINATORS, text)?
        .into_iter()
        .map(|(key, entry)| match CoordinatorSpec::from_json(&entry) {
            Ok(spec) => Ok((key, spec)),
            Err(problem) => Err(CoordinatorsError::InvalidEntry {
                key,
                problem,
                entry: entry.to_string(),
            }),
        })
        .collect()
}

/// `[sdk] queue_to_coordinator`, every target checked to be a key of `specs`, whether or not a
/// task is on its queue.
fn parse_routes(
    specs: &IndexMap<String, CoordinatorSpec>,
    text: Option<&str>,
) -> Result<IndexMap<String, String>, CoordinatorsError> {
    json_object(QUEUE_TO_COORDINATOR, text)?
        .into_iter()
        .map(|(queue, target)| match target {
            Value::String(key) if specs.contains_key(&key) => Ok((queue, key)),
            other => Err(CoordinatorsError::UnknownCoordinator {
                queue,
                target: other.to_string(),
                keys: specs.keys().cloned().collect(),
            }),
        })
        .collect()
}

impl CoordinatorSpec {
    /// The entry as pydantic validates it; `Err` says which field is wrong and how.
    fn from_json(value: &Value) -> Result<Self, String> {
        let Value::Object(fields) = value else {
            return Err(format!(
                "it must be a JSON object, not {}",
                describe_json(value)
            ));
        };
        let classpath = match fields.get("classpath") {
            Some(Value::String(classpath)) => classpath.clone(),
            Some(other) => {
                return Err(format!(
                    "`classpath` must be a string, not {}",
                    describe_json(other)
                ));
            }
            None => return Err("`classpath` is missing".into()),
        };
        let kwargs = match fields.get("kwargs") {
            None => Map::new(),
            Some(Value::Object(kwargs)) => kwargs.clone(),
            Some(other) => {
                return Err(format!(
                    "`kwargs` must be a JSON object, not {}",
                    describe_json(other)
                ));
            }
        };
        let extra = match fields.get("extra") {
            None | Some(Value::Null) => None,
            Some(Value::Object(extra)) => Some(extra.clone()),
            Some(other) => {
                return Err(format!(
                    "`extra` must be a JSON object or null, not {}",
                    describe_json(other)
                ));
            }
        };
        Ok(CoordinatorSpec {
            classpath,
            kwargs,
            extra,
        })
    }
}

/// A JSON value's kind (and, for a scalar, the value), for error messages: "a list", "the
/// number 5", "the string \"x\"".
pub(crate) fn describe_json(value: &Value) -> String {
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

    fn parse(coordinators: &str, routes: &str) -> Result<Coordinators, CoordinatorsError> {
        let specs = parse_specs(Some(coordinators))?;
        let queue_to_coordinator = parse_routes(&specs, Some(routes))?;
        Ok(Coordinators {
            specs,
            queue_to_coordinator,
        })
    }

    #[test]
    fn errors_name_the_option_the_entry_and_the_field() {
        let err = parse(r#"{"go": {"classpath": 5}}"#, "").unwrap_err();
        assert_eq!(err.option(), "coordinators");
        assert_eq!(
            err.to_string(),
            r#"[sdk] coordinators: entry "go" is not a valid coordinator: `classpath` must be a string, not the number 5 (the entry: {"classpath":5})"#
        );
        let err = parse("[]", "").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"[sdk] coordinators: "[]" is not a JSON object of coordinator name to coordinator: it is a list"#
        );
        let err = parse(r#"{"go": {"classpath": "a.B"}}"#, "{").unwrap_err();
        assert_eq!(err.option(), "queue_to_coordinator");
        assert!(
            err.to_string()
                .starts_with(r#"[sdk] queue_to_coordinator: "{" is not valid JSON: "#),
            "{err}"
        );
        let err = parse(r#"{"go": {"classpath": "a.B"}}"#, r#"{"q": "og"}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"[sdk] queue_to_coordinator: queue "q" maps to "og", which is not a key of [sdk] coordinators (its keys: "go")"#
        );
    }

    #[test]
    fn routes_lead_to_their_entries() {
        let parsed = parse(
            r#"{"go": {"classpath": "a.B", "kwargs": {"x": 1}, "extra": null, "other": 1}}"#,
            r#"{"q": "go"}"#,
        )
        .unwrap();
        let (key, spec) = parsed.route("q").unwrap();
        assert_eq!(key, "go");
        assert_eq!(spec.classpath, "a.B");
        assert_eq!(spec.kwargs["x"], 1);
        assert_eq!(spec.extra, None);
        assert!(parsed.route("Q").is_none());
        assert_eq!(parse("", "").unwrap(), Coordinators::default());
    }
}
