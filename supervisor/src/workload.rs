//! The workloads `execute_workload` accepts: `airflow.executors.workloads.All` of
//! apache-airflow-core 3.3.2, a union of [`ExecuteTask`], [`ExecuteCallback`], [`TestConnection`]
//! and [`RunTrigger`] told apart by their `"type"` key.
//!
//! # Reading
//!
//! [`Workload::from_json`] judges a workload as `TypeAdapter(All).validate_json` does:
//!
//! - every model ignores keys it does not know (pydantic's default);
//! - a field without a Python default must be present, even when it may be `null` (`log_path`);
//! - integers are read in pydantic's lax JSON mode: a JSON integer, a float with no fractional
//!   part (`3.0`), a boolean (`true` is 1), or a string holding a decimal integer (`"3"`,
//!   `" 3 "`, `"1_000"`, `"3.0"`); other values are refused;
//! - strings, objects and UUIDs are strict: a number is not a string, and a UUID is a string in
//!   one of the forms the `uuid` crate parses (hyphenated, simple, braced, `urn:uuid:`);
//! - `dag_rel_path` is normalised as Python's `PurePosixPath` does it (`""` becomes `"."`,
//!   `"a//b/./c/"` becomes `"a/b/c"`);
//! - a key that appears twice keeps its last value.
//!
//! A refusal is a [`WorkloadError`] naming the JSON path of the bad field (`ti.try_number`),
//! for a missing field too (`log_path`); a missing or unknown `"type"` names `type`.
//!
//! Integers beyond `i64` (Python has no limit) and date-times given as numbers (pydantic reads
//! them as Unix timestamps) are refused; neither is ever written by an executor.
//!
//! # Writing
//!
//! Serializing a workload gives what `model_dump(mode="json")` gives: every field, in the
//! model's order, with `type` where Python puts it, defaults filled in, and the two fields
//! Python never writes (`ti.external_executor_id`, `ti.executor_config`) left out.

use std::fmt;

use airflow_comms::time::NaiveOrAwareDateTime;
use airflow_comms::{AnyMap, BundleInfo as CommsBundleInfo, TaskInstance as CommsTaskInstance};
use serde::de::{self, Deserializer, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Why a workload was refused: the JSON path of the offending field (empty for the document
/// itself) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct WorkloadError {
    path: String,
    message: String,
}

impl WorkloadError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        WorkloadError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The dotted JSON path of the bad field (`ti.try_number`; list items by index, `a.0.b`),
    /// empty when the document as a whole is wrong.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Any workload `execute_workload` runs, told apart by its `"type"`.
#[derive(Debug, Clone, PartialEq)]
pub enum Workload {
    /// Run a task instance (`"type": "ExecuteTask"`).
    ExecuteTask(ExecuteTask),
    /// Run an executor callback, e.g. a deadline callback (`"type": "ExecuteCallback"`).
    ExecuteCallback(ExecuteCallback),
    /// Test a connection on a worker (`"type": "TestConnection"`).
    TestConnection(TestConnection),
    /// Run a trigger (`"type": "RunTrigger"`). In the union Python validates against, though
    /// `BaseExecutor.run_workload` has no branch for it and refuses it.
    RunTrigger(RunTrigger),
}

impl Workload {
    /// The `"type"` tags of the union, in Python's order.
    pub const TYPES: [&'static str; 4] = [
        "ExecuteTask",
        "ExecuteCallback",
        "RunTrigger",
        "TestConnection",
    ];

    /// Reads a workload from JSON text, as `execute_workload --json-string` does.
    pub fn from_json(text: &str) -> Result<Workload, WorkloadError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| WorkloadError::new("", format!("invalid JSON: {e}")))?;
        Self::from_value(value)
    }

    /// Reads a workload from a file, as `execute_workload --json-path` does.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Workload, WorkloadError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| WorkloadError::new("", format!("cannot read {}: {e}", path.display())))?;
        Self::from_json(&text)
    }

    /// Reads a workload from a parsed JSON value.
    pub fn from_value(value: Value) -> Result<Workload, WorkloadError> {
        let Value::Object(ref fields) = value else {
            return Err(WorkloadError::new("", "a workload must be a JSON object"));
        };
        let tag = match fields.get("type") {
            None => {
                return Err(WorkloadError::new(
                    "type",
                    "missing: every workload names its type",
                ));
            }
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        match tag.as_str() {
            "ExecuteTask" => tracked(value).map(Workload::ExecuteTask),
            "ExecuteCallback" => tracked(value).map(Workload::ExecuteCallback),
            "TestConnection" => tracked(value).map(Workload::TestConnection),
            "RunTrigger" => tracked(value).map(Workload::RunTrigger),
            other => Err(WorkloadError::new(
                "type",
                format!(
                    "unknown workload type {other:?}; expected one of {}",
                    Self::TYPES.join(", ")
                ),
            )),
        }
    }

    /// The JSON Python's `model_dump(mode="json")` writes for this workload.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("workloads always serialize")
    }

    /// The workload's `"type"` tag.
    pub fn type_name(&self) -> &'static str {
        match self {
            Workload::ExecuteTask(_) => "ExecuteTask",
            Workload::ExecuteCallback(_) => "ExecuteCallback",
            Workload::TestConnection(_) => "TestConnection",
            Workload::RunTrigger(_) => "RunTrigger",
        }
    }
}

impl Serialize for Workload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Workload::ExecuteTask(w) => w.serialize(serializer),
            Workload::ExecuteCallback(w) => w.serialize(serializer),
            Workload::TestConnection(w) => w.serialize(serializer),
            Workload::RunTrigger(w) => w.serialize(serializer),
        }
    }
}

/// Deserializes `T` from `value`, turning serde's error into a [`WorkloadError`] with the path.
fn tracked<T: de::DeserializeOwned>(value: Value) -> Result<T, WorkloadError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut path = e.path().to_string();
        if path == "." {
            path.clear();
        }
        let message = e.into_inner().to_string();
        // serde reports a missing field at its parent: name the field itself.
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            let full = if path.is_empty() {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            };
            return WorkloadError::new(full, "missing: the field is required");
        }
        WorkloadError::new(path, message)
    })
}

/// Which bundle, at which version, the DAG is loaded from (`workloads.BundleInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleInfo {
    /// The bundle's name.
    #[serde(deserialize_with = "strict_string")]
    pub name: String,
    /// The bundle version; `None` when the bundle is not versioned.
    #[serde(default, deserialize_with = "strict_opt_string")]
    pub version: Option<String>,
}

impl From<&BundleInfo> for CommsBundleInfo {
    fn from(b: &BundleInfo) -> Self {
        CommsBundleInfo {
            name: b.name.clone(),
            version: b.version.clone(),
        }
    }
}

/// The task instance of an [`ExecuteTask`] (`workloads.TaskInstanceDTO`): the Execution API's
/// `TaskInstance` plus the executor's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskInstanceDTO {
    /// The task instance's id (one per try).
    #[serde(deserialize_with = "strict_uuid")]
    pub id: Uuid,
    /// The task.
    #[serde(deserialize_with = "strict_string")]
    pub task_id: String,
    /// The DAG.
    #[serde(deserialize_with = "strict_string")]
    pub dag_id: String,
    /// The run.
    #[serde(deserialize_with = "strict_string")]
    pub run_id: String,
    /// The try being run, from 1.
    #[serde(deserialize_with = "lax_int")]
    pub try_number: i64,
    /// The DAG version to run it with.
    #[serde(deserialize_with = "strict_uuid")]
    pub dag_version_id: Uuid,
    /// Its map index; `-1` (the default) for an unmapped task. Never null.
    #[serde(default = "minus_one", deserialize_with = "lax_int")]
    pub map_index: i64,
    /// The host it runs on, once known.
    #[serde(default, deserialize_with = "strict_opt_string")]
    pub hostname: Option<String>,
    /// OpenTelemetry trace context to continue the task's trace from.
    #[serde(default, deserialize_with = "opt_object_any")]
    pub context_carrier: Option<AnyMap>,
    /// The queue the task was sent to (default `"default"`); picks the coordinator. Never null.
    #[serde(default = "default_queue", deserialize_with = "strict_string")]
    pub queue: String,
    /// How many pool slots the task occupies.
    #[serde(deserialize_with = "lax_int")]
    pub pool_slots: i64,
    /// The task's priority weight.
    #[serde(deserialize_with = "lax_int")]
    pub priority_weight: i64,
    /// The executor's own id for the task instance. Read, never written.
    #[serde(default, skip_serializing, deserialize_with = "strict_opt_string")]
    pub external_executor_id: Option<String>,
    /// Executor-specific settings of the task. Read, never written.
    #[serde(default, skip_serializing, deserialize_with = "opt_object")]
    pub executor_config: Option<Map<String, Value>>,
}

fn minus_one() -> i64 {
    -1
}

fn default_queue() -> String {
    "default".to_owned()
}

/// Run a task instance.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExecuteTask {
    /// The workload's identity token for the Execution API (a JWT; empty when the executor has
    /// no token generator).
    #[serde(deserialize_with = "strict_string")]
    pub token: String,
    /// Path of the DAG file, relative to the bundle root, normalised as `PurePosixPath`.
    #[serde(deserialize_with = "pure_posix_path")]
    pub dag_rel_path: String,
    /// The bundle the DAG comes from.
    pub bundle_info: BundleInfo,
    /// Where the task's log goes, relative to `[logging] base_log_folder`; `None`: no log
    /// file. Required, though it may be null.
    #[serde(deserialize_with = "strict_opt_string")]
    pub log_path: Option<String>,
    /// The task instance to run.
    pub ti: TaskInstanceDTO,
    /// Sentry integration settings passed on to the task runner (default empty).
    #[serde(default, deserialize_with = "strict_string")]
    pub sentry_integration: String,
}

impl ExecuteTask {
    /// The `ti` of the `StartupDetails` the Python supervisor sends for this workload.
    ///
    /// Python builds `StartupDetails` with `model_construct(ti=workload.ti, ...)`, so the
    /// workload's task instance goes in unconverted; dumping it through the SDK's
    /// `TaskInstance` field writes exactly that model's fields: the executor-only
    /// `pool_slots`, `priority_weight`, `external_executor_id` and `executor_config` are not
    /// sent, and `map_index` and `queue` always carry a value.
    pub fn startup_ti(&self) -> CommsTaskInstance {
        let ti = &self.ti;
        CommsTaskInstance {
            id: ti.id,
            task_id: ti.task_id.clone(),
            dag_id: ti.dag_id.clone(),
            run_id: ti.run_id.clone(),
            try_number: ti.try_number,
            dag_version_id: ti.dag_version_id,
            map_index: Some(ti.map_index),
            hostname: ti.hostname.clone(),
            context_carrier: ti.context_carrier.clone(),
            queue: Some(ti.queue.clone()),
        }
    }

    /// The `bundle_info` of that `StartupDetails` (the same two fields).
    pub fn startup_bundle_info(&self) -> CommsBundleInfo {
        (&self.bundle_info).into()
    }

    /// The `dag_rel_path` of that `StartupDetails`: `os.fspath` of the normalised path.
    pub fn startup_dag_rel_path(&self) -> &str {
        &self.dag_rel_path
    }
}

impl Serialize for ExecuteTask {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("ExecuteTask", 7)?;
        s.serialize_field("token", &self.token)?;
        s.serialize_field("dag_rel_path", &self.dag_rel_path)?;
        s.serialize_field("bundle_info", &self.bundle_info)?;
        s.serialize_field("log_path", &self.log_path)?;
        s.serialize_field("ti", &self.ti)?;
        s.serialize_field("sentry_integration", &self.sentry_integration)?;
        s.serialize_field("type", "ExecuteTask")?;
        s.end()
    }
}

/// How an [`ExecuteCallback`]'s callback is found (`CallbackFetchMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallbackFetchMethod {
    /// An attribute of the DAG (`"dag_attribute"`; reserved by Airflow for later use).
    #[serde(rename = "dag_attribute")]
    DagAttribute,
    /// An import path (`"import_path"`), as deadline callbacks use.
    #[serde(rename = "import_path")]
    ImportPath,
}

/// The callback of an [`ExecuteCallback`] (`CallbackDTO`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackDTO {
    /// The callback's id (a UUID, kept as the string sent).
    #[serde(deserialize_with = "strict_string")]
    pub id: String,
    /// How the callback is found.
    pub fetch_method: CallbackFetchMethod,
    /// What the callback needs: `path` (its import path) and `kwargs`, for an import-path
    /// callback.
    #[serde(deserialize_with = "object")]
    pub data: Map<String, Value>,
}

/// Run a callback.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExecuteCallback {
    /// The workload's identity token for the Execution API.
    #[serde(deserialize_with = "strict_string")]
    pub token: String,
    /// Path of the DAG file, relative to the bundle root, normalised as `PurePosixPath`.
    #[serde(deserialize_with = "pure_posix_path")]
    pub dag_rel_path: String,
    /// The bundle the DAG comes from.
    pub bundle_info: BundleInfo,
    /// Where the callback's log goes; `None`: no log file. Required, though it may be null.
    #[serde(deserialize_with = "strict_opt_string")]
    pub log_path: Option<String>,
    /// The callback to run.
    pub callback: CallbackDTO,
}

impl Serialize for ExecuteCallback {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("ExecuteCallback", 6)?;
        s.serialize_field("token", &self.token)?;
        s.serialize_field("dag_rel_path", &self.dag_rel_path)?;
        s.serialize_field("bundle_info", &self.bundle_info)?;
        s.serialize_field("log_path", &self.log_path)?;
        s.serialize_field("callback", &self.callback)?;
        s.serialize_field("type", "ExecuteCallback")?;
        s.end()
    }
}

/// Test a connection on a worker.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TestConnection {
    /// The workload's identity token for the Execution API.
    #[serde(deserialize_with = "strict_string")]
    pub token: String,
    /// The test's id.
    #[serde(deserialize_with = "strict_uuid")]
    pub connection_test_id: Uuid,
    /// The connection to test.
    #[serde(deserialize_with = "strict_string")]
    pub connection_id: String,
    /// How long the test may take, in seconds.
    #[serde(deserialize_with = "lax_int")]
    pub timeout: i64,
    /// The queue the test was sent to; `None` for the default.
    #[serde(default, deserialize_with = "strict_opt_string")]
    pub queue: Option<String>,
}

impl Serialize for TestConnection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("TestConnection", 6)?;
        s.serialize_field("token", &self.token)?;
        s.serialize_field("connection_test_id", &self.connection_test_id)?;
        s.serialize_field("connection_id", &self.connection_id)?;
        s.serialize_field("timeout", &self.timeout)?;
        s.serialize_field("queue", &self.queue)?;
        s.serialize_field("type", "TestConnection")?;
        s.end()
    }
}

/// Run a trigger (`workloads.RunTrigger`, the model the trigger channel's `RunTrigger` mirrors).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RunTrigger {
    /// The trigger's id.
    #[serde(deserialize_with = "lax_int")]
    pub id: i64,
    /// Import path of the trigger class.
    #[serde(deserialize_with = "strict_string")]
    pub classpath: String,
    /// The trigger's keyword arguments, serialized and encrypted.
    #[serde(deserialize_with = "strict_string")]
    pub encrypted_kwargs: String,
    /// The deferred task instance; `None` for a trigger not tied to a task.
    #[serde(default)]
    pub ti: Option<TaskInstanceDTO>,
    /// When the trigger times out; `None` for never.
    #[serde(default)]
    pub timeout_after: Option<NaiveOrAwareDateTime>,
    /// The serialized DAG of the deferred task; `None` when not sent.
    #[serde(default, deserialize_with = "opt_object")]
    pub dag_data: Option<Map<String, Value>>,
    /// The deferred task's DAG run data; `None` when not sent.
    #[serde(default, deserialize_with = "opt_object")]
    pub dag_run_data: Option<Map<String, Value>>,
    /// Asset name to URI, for an event trigger watching assets; `None` otherwise.
    #[serde(default, deserialize_with = "opt_string_map")]
    pub watched_assets: Option<indexmap::IndexMap<String, String>>,
}

impl Serialize for RunTrigger {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("RunTrigger", 9)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("classpath", &self.classpath)?;
        s.serialize_field("encrypted_kwargs", &self.encrypted_kwargs)?;
        s.serialize_field("ti", &self.ti)?;
        s.serialize_field("timeout_after", &self.timeout_after)?;
        s.serialize_field("type", "RunTrigger")?;
        s.serialize_field("dag_data", &self.dag_data)?;
        s.serialize_field("dag_run_data", &self.dag_run_data)?;
        s.serialize_field("watched_assets", &self.watched_assets)?;
        s.end()
    }
}

// ---------------------------------------------------------------------------------------------
// Field readers: pydantic's JSON-mode rules for each kind of field.

/// A JSON string, nothing else (pydantic's `str` in JSON mode).
fn strict_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
    }
    d.deserialize_string(V)
}

/// `null` or a string.
fn strict_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            strict_string(d).map(Some)
        }
    }
    d.deserialize_option(V)
}

/// A UUID string in a form the `uuid` crate parses (as pydantic-core does).
fn strict_uuid<'de, D: Deserializer<'de>>(d: D) -> Result<Uuid, D::Error> {
    let s =
        strict_string(d).map_err(|_| de::Error::custom("invalid type: expected a UUID string"))?;
    Uuid::parse_str(&s).map_err(|e| de::Error::custom(format!("invalid UUID {s:?}: {e}")))
}

/// pydantic's lax JSON integer (see the module docs).
fn lax_int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<i64, E> {
            Ok(i64::from(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom(format!("integer {v} is out of range")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
            // 2^63 is the first float no i64 holds.
            if v.is_finite() && v.fract() == 0.0 && v.abs() < 9_223_372_036_854_775_808.0 {
                Ok(v as i64)
            } else {
                Err(E::custom(format!("{v} is not an integer")))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
            lax_int_from_str(v).ok_or_else(|| E::custom(format!("{v:?} is not an integer")))
        }
    }
    d.deserialize_any(V)
}

/// pydantic-core's reading of an integer in a string: white space around it, an optional
/// sign, digits with single underscores between them, and an optional `.` followed by zeros.
fn lax_int_from_str(s: &str) -> Option<i64> {
    let s = s.trim();
    let (s, neg) = match s.as_bytes().first() {
        Some(b'-') => (&s[1..], true),
        Some(b'+') => (&s[1..], false),
        _ => (s, false),
    };
    let (whole, fraction) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    if fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b == b'0')) {
        return None;
    }
    if whole.is_empty() || whole.starts_with('_') || whole.ends_with('_') || whole.contains("__") {
        return None;
    }
    let digits: String = whole.chars().filter(|c| *c != '_').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i128 = digits.parse().ok()?;
    i64::try_from(if neg { -n } else { n }).ok()
}

/// A JSON object (pydantic's `dict`).
fn object<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    match Value::deserialize(d)? {
        Value::Object(m) => Ok(m),
        other => Err(de::Error::custom(format!(
            "invalid type: {}, expected an object",
            kind(&other)
        ))),
    }
}

/// `null` or a JSON object.
fn opt_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Map<String, Value>>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m)),
        other => Err(de::Error::custom(format!(
            "invalid type: {}, expected an object or null",
            kind(&other)
        ))),
    }
}

/// `null` or a JSON object, as the comms library's `AnyMap`.
fn opt_object_any<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AnyMap>, D::Error> {
    match opt_object(d)? {
        None => Ok(None),
        Some(m) => serde_json::from_value(Value::Object(m))
            .map(Some)
            .map_err(de::Error::custom),
    }
}

/// A string read by [`strict_string`], as a type of its own so that maps of them are read
/// entry by entry (and an error names the entry's key in its path).
struct StrictString(String);

impl<'de> Deserialize<'de> for StrictString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        strict_string(d).map(StrictString)
    }
}

/// `null` or an object of strings (`dict[str, str] | None`).
fn opt_string_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<indexmap::IndexMap<String, String>>, D::Error> {
    let map: Option<indexmap::IndexMap<String, StrictString>> = Option::deserialize(d)?;
    Ok(map.map(|m| m.into_iter().map(|(k, v)| (k, v.0)).collect()))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A string, normalised as Python's `str(PurePosixPath(s))`: empty and `.` parts dropped,
/// repeated slashes collapsed, exactly two leading slashes kept, `"."` for nothing.
fn pure_posix_path<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s =
        strict_string(d).map_err(|_| de::Error::custom("invalid type: expected a path string"))?;
    Ok(normalize_posix_path(&s))
}

/// `str(PurePosixPath(s))`.
pub(crate) fn normalize_posix_path(s: &str) -> String {
    let (root, rest) = if s.starts_with("//") && !s.starts_with("///") {
        ("//", &s[2..])
    } else if s.starts_with('/') {
        ("/", s.trim_start_matches('/'))
    } else {
        ("", s)
    };
    let parts: Vec<&str> = rest
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = format!("{root}{}", parts.join("/"));
    if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_paths() {
        for (given, want) in [
            ("", "."),
            (".", "."),
            ("a//b/./c/", "a/b/c"),
            ("//a", "//a"),
            ("///a", "/a"),
            ("./../x", "../x"),
        ] {
            assert_eq!(normalize_posix_path(given), want, "{given:?}");
        }
    }

    #[test]
    fn lax_ints() {
        assert_eq!(lax_int_from_str(" +3 "), Some(3));
        assert_eq!(lax_int_from_str("1_000"), Some(1000));
        assert_eq!(lax_int_from_str("3.00"), Some(3));
        assert_eq!(lax_int_from_str("3.5"), None);
        assert_eq!(lax_int_from_str("3."), None);
        assert_eq!(lax_int_from_str("0x3"), None);
        assert_eq!(lax_int_from_str(""), None);
    }
}
