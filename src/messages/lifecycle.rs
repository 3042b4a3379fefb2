//! [`TaskLifecycleRequests`](crate::TaskLifecycleRequests): a task runner reporting how its task
//! ended or paused. Only the task channel carries these.
//!
//! Mirrors `SucceedTask`, `DeferTask`, `RetryTask`, `RescheduleTask`, `SkipDownstreamTasks`,
//! `AwaitInputTask` and `TaskState` of `airflow.sdk.execution_time.comms`. All but `TaskState`
//! derive from Execution API payloads and refuse unknown keys.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::nested::AssetProfile;
#[allow(unused_imports)]
use super::prelude::*;

literal! {
    /// The fixed `state` of [`SucceedTask`]: `"success"`.
    pub struct SuccessState = "success";
}
literal! {
    /// The fixed `state` of [`DeferTask`]: `"deferred"`.
    pub struct DeferredState = "deferred";
}
literal! {
    /// The fixed `state` of [`RetryTask`]: `"up_for_retry"`.
    pub struct UpForRetryState = "up_for_retry";
}
literal! {
    /// The fixed `state` of [`RescheduleTask`]: `"up_for_reschedule"`.
    pub struct UpForRescheduleState = "up_for_reschedule";
}
literal! {
    /// The fixed `state` of [`AwaitInputTask`]: `"awaiting_input"`.
    pub struct AwaitingInputState = "awaiting_input";
}

model! {
    /// The task finished successfully; the supervisor reports it to the Execution API at once.
    pub struct SucceedTask tag "SucceedTask", extra = forbid {
        /// Always `"success"`.
        pub state: SuccessState = SuccessState,
        /// When the task finished.
        pub end_date: AwareDateTime,
        /// The assets the task produced. Send `Some(vec![])` when there are none, as the Python
        /// task runner does: the supervisor accepts `None`, but the Execution API server requires
        /// a list and refuses the state update, which leaves the task running.
        pub task_outlets: Option<Vec<AssetProfile>> = None,
        /// Asset events emitted for the outlets, as free-form objects; `Some(vec![])` when there
        /// are none, for the same reason.
        pub outlet_events: Option<Vec<AnyMap>> = None,
        /// The rendered map index label, for mapped tasks.
        pub rendered_map_index: Option<String> = None,
    }
}

model! {
    /// The task deferred itself to a trigger and stops running until the trigger fires.
    pub struct DeferTask tag "DeferTask", extra = forbid {
        /// Always `"deferred"`.
        pub state: DeferredState = DeferredState,
        /// Import path of the trigger class.
        pub classpath: String,
        /// Keyword arguments for the trigger: a JSON object, or an already serialized string.
        pub trigger_kwargs: Option<JsonMapOrString> = None,
        /// How long the trigger may wait before the task times out.
        pub trigger_timeout: Option<TimeDelta> = None,
        /// The triggerer queue to run the trigger on.
        pub queue: Option<String> = None,
        /// The task method to resume with when the trigger fires.
        pub next_method: String,
        /// Keyword arguments for `next_method`.
        pub next_kwargs: Option<JsonMap> = None,
        /// The rendered map index label, for mapped tasks.
        pub rendered_map_index: Option<String> = None,
    }
}

model! {
    /// The task failed and should be retried.
    pub struct RetryTask tag "RetryTask", extra = forbid {
        /// Always `"up_for_retry"`.
        pub state: UpForRetryState = UpForRetryState,
        /// When the attempt ended.
        pub end_date: AwareDateTime,
        /// The rendered map index label, for mapped tasks.
        pub rendered_map_index: Option<String> = None,
        /// A retry delay chosen by the task, overriding the configured one.
        pub retry_delay_seconds: Option<f64> = None,
        /// Why the task asks for a retry.
        pub retry_reason: Option<String> = None,
    }
}

model! {
    /// The task (a sensor in reschedule mode) asks to be run again later.
    pub struct RescheduleTask tag "RescheduleTask", extra = forbid {
        /// Always `"up_for_reschedule"`.
        pub state: UpForRescheduleState = UpForRescheduleState,
        /// When to run the task again.
        pub reschedule_date: AwareDateTime,
        /// When this attempt ended.
        pub end_date: AwareDateTime,
    }
}

model! {
    /// Skip the given downstream tasks (branching operators).
    pub struct SkipDownstreamTasks tag "SkipDownstreamTasks", extra = forbid {
        /// The tasks to skip: a task id, or a task id with a map index.
        pub tasks: Vec<TaskRef>,
    }
}

model! {
    /// The task waits for human input (human-in-the-loop operators).
    pub struct AwaitInputTask tag "AwaitInputTask", extra = forbid {
        /// Always `"awaiting_input"`.
        pub state: AwaitingInputState = AwaitingInputState,
        /// How long to wait for the input.
        pub timeout: Option<TimeDelta> = None,
        /// The task method to resume with once input arrived.
        pub next_method: String,
        /// Keyword arguments for `next_method`.
        pub next_kwargs: Option<JsonMap> = None,
        /// The rendered map index label, for mapped tasks.
        pub rendered_map_index: Option<String> = None,
    }
}

model! {
    /// Records a terminal state (failed, skipped, removed) that the supervisor reports once the
    /// task process has exited. No Execution API call is made on receipt.
    pub struct TaskState tag "TaskState", extra = ignore {
        /// The terminal state.
        pub state: TaskStateOutcome,
        /// When the task ended; a naive date-time is accepted here.
        pub end_date: Option<NaiveOrAwareDateTime> = None,
        @type,
        /// The rendered map index label, for mapped tasks.
        pub rendered_map_index: Option<String> = None,
    }
}

/// One task to skip in [`SkipDownstreamTasks`]: Python's `str | tuple[str, int]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TaskRef {
    /// A task id (`"task_id"`).
    TaskId(String),
    /// A task id with a map index (`["task_id", 3]`).
    Mapped(String, i64),
}

impl Serialize for TaskRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::TaskId(id) => serializer.serialize_str(id),
            Self::Mapped(id, index) => (id, index).serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for TaskRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TaskRefVisitor;
        impl<'de> Visitor<'de> for TaskRefVisitor {
            type Value = TaskRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a task id or a [task id, map index] pair")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TaskRef, E> {
                Ok(TaskRef::TaskId(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<TaskRef, E> {
                Ok(TaskRef::TaskId(v))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<TaskRef, E> {
                // Only lax mode hands bytes over (msgpack bin): text, as pydantic reads it.
                match std::str::from_utf8(v) {
                    Ok(text) => self.visit_str(text),
                    Err(_) => Err(E::invalid_type(de::Unexpected::Bytes(v), &self)),
                }
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<TaskRef, A::Error> {
                let (id, index) =
                    <(String, i64)>::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(TaskRef::Mapped(id, index))
            }
        }
        deserializer.deserialize_any(TaskRefVisitor)
    }
}

/// An object or a string, as trigger and resume kwargs are typed: Python
/// `dict[str, JsonValue | None] | str` ([`JsonMapOrString`]) or `dict[str, Any] | str`
/// ([`AnyMapOrString`]).
#[derive(Debug, Clone, PartialEq)]
pub enum MapOrString<V> {
    /// An object.
    Map(IndexMap<String, V>),
    /// A string.
    String(String),
}

/// A JSON object or a string (Python `dict[str, JsonValue | None] | str`).
pub type JsonMapOrString = MapOrString<JsonValue>;

/// A free-form object or a string (Python `dict[str, Any] | str`).
pub type AnyMapOrString = MapOrString<AnyValue>;

impl<V: Serialize> Serialize for MapOrString<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Map(map) => map.serialize(serializer),
            Self::String(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for MapOrString<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapOrStringVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapOrStringVisitor<V> {
            type Value = MapOrString<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object or a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MapOrString<V>, E> {
                Ok(MapOrString::String(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<MapOrString<V>, E> {
                Ok(MapOrString::String(v))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<MapOrString<V>, A::Error> {
                IndexMap::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(MapOrString::Map)
            }
        }
        deserializer.deserialize_any(MapOrStringVisitor(std::marker::PhantomData))
    }
}
