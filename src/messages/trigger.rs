//! The trigger channel's own messages:
//! [`TriggerLifecycleRequests`](crate::TriggerLifecycleRequests) from the trigger runner, and what
//! only the triggerer sends back.
//!
//! Mirrors `messages.StartTriggerer`, `messages.TriggerStateChanges`, `messages.TriggerStateSync`,
//! `TriggerEventEntry` and `HITLDetailResponseResult` of `airflow.jobs.triggerer_job_runner`, and
//! the `RunTrigger` and `TaskInstanceDTO` workloads of `airflow.executors.workloads`. All of them
//! ignore unknown keys. These models are not part of the SDK's versioned schema.

#[allow(unused_imports)]
use super::prelude::*;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeTuple};
use serde::{Serialize, Serializer};

model! {
    /// The trigger runner's periodic report (about once a second) of what its triggers did since
    /// the last one. Answered with [`TriggerStateSync`]. Being regular, it
    /// also keeps the triggerer's runner health check satisfied. The `"type"` key comes first on
    /// the wire.
    pub struct TriggerStateChanges tag "TriggerStateChanges", extra = ignore {
        @type,
        /// Events the triggers fired; `None` when there are none.
        pub events: Option<Vec<TriggerEventEntry>> = None,
        /// Triggers that failed, each with its formatted traceback lines (`None` when no
        /// exception was caught); `None` when there are none.
        pub failures: Option<Vec<(i64, Option<Vec<String>>)>> = None,
        /// Ids of the triggers that stopped running; `None` when there are none.
        pub finished: Option<Vec<i64>> = None,
    }
}

model! {
    /// Tells a new trigger runner to start: the unsolicited first frame of the trigger channel,
    /// with id 0. The runner treats any other first frame as fatal.
    pub struct StartTriggerer tag "StartTriggerer", extra = ignore {
    }
}

model! {
    /// The deferred task instance of a [`RunTrigger`]: the Execution API
    /// server's task instance model plus executor fields. Unlike the SDK's
    /// [`TaskInstance`], `map_index` and `queue` are never null.
    pub struct TaskInstanceDTO, extra = ignore {
        /// The task instance's id (one per try).
        pub id: Uuid,
        /// The task.
        pub task_id: String,
        /// The DAG.
        pub dag_id: String,
        /// The run.
        pub run_id: String,
        /// The current try, from 1.
        pub try_number: i64,
        /// The version of the DAG the task instance runs with.
        pub dag_version_id: Uuid,
        /// Its map index; `-1` for an unmapped task.
        pub map_index: i64 = -1,
        /// The host it ran on, once known.
        pub hostname: Option<String> = None,
        /// OpenTelemetry trace context of the task instance.
        pub context_carrier: Option<AnyDict> = None,
        /// The queue the task was sent to.
        pub queue: String = "default".to_owned(),
        /// How many pool slots the task occupies.
        pub pool_slots: i64,
        /// The task's priority weight.
        pub priority_weight: i64,
        @not_dumped,
        /// The executor's own id for the task instance. Accepted on input, never written.
        pub external_executor_id: Option<String> = None,
        /// Executor-specific settings of the task. Accepted on input, never written.
        pub executor_config: Option<AnyDict> = None,
    }
}

model! {
    /// A trigger for the runner to start, in
    /// [`TriggerStateSync::to_create`].
    ///
    /// It carries a `"type"` key (written after `timeout_after`), but inside `to_create` the key is
    /// not needed to decode it.
    pub struct RunTrigger tag "RunTrigger", extra = ignore {
        /// The trigger's id.
        pub id: i64,
        /// Import path of the trigger class.
        pub classpath: String,
        /// The trigger's keyword arguments, serialized and encrypted with the deployment's
        /// Fernet key.
        pub encrypted_kwargs: String,
        /// The deferred task instance the trigger works for; `None` for a trigger not tied to a
        /// task (e.g. one watching assets).
        pub ti: Option<TaskInstanceDTO> = None,
        /// When the trigger times out; `None` for never. A naive value is taken as UTC.
        pub timeout_after: Option<NaiveOrAwareDateTime> = None,
        @type,
        /// The serialized DAG of the deferred task, for building its runtime context; `None` when
        /// not sent.
        pub dag_data: Option<AnyDict> = None,
        /// The deferred task's DAG run data, for the same purpose; `None` when not sent.
        pub dag_run_data: Option<AnyDict> = None,
        /// Asset name to URI, for an event trigger that watches assets; `None` otherwise.
        pub watched_assets: Option<IndexMap<String, String>> = None,
    }
}

model! {
    /// The triggerer's answer to [`TriggerStateChanges`]: which
    /// triggers to start and cancel. The `"type"` key comes first on the wire.
    pub struct TriggerStateSync tag "TriggerStateSync", extra = ignore {
        @type,
        /// Triggers assigned to this runner since the last sync.
        pub to_create: Vec<RunTrigger>,
        /// Ids of the triggers to cancel (a Python set, an array on the wire). An id is repeated
        /// in every sync until the runner reports the trigger finished.
        pub to_cancel: BTreeSet<i64>,
        /// The `persist_seq` numbers of the fired events the triggerer has stored since the last
        /// sync; `None` when there are none.
        pub events_persisted: Option<Vec<i64>> = None,
    }
}

model! {
    /// The answer side of a human-in-the-loop request: the triggerer's reply to
    /// [`GetHITLDetailResponse`] and
    /// [`UpdateHITLDetail`].
    pub struct HITLDetailResponseResult tag "HITLDetailResponseResult", extra = ignore {
        /// Whether a human has answered.
        pub response_received: bool,
        /// Who answered; `None` when unknown or not answered yet.
        pub responded_by_user: Option<HITLUser> = None,
        /// When the answer came; `None` when not answered yet.
        pub responded_at: Option<AwareDateTime>,
        /// The options chosen; `None` when not answered yet.
        pub chosen_options: Option<Vec<String>>,
        /// Values entered for the request's parameters.
        pub params_input: Option<AnyMap> = None,
    }
}

/// One fired trigger event in [`TriggerStateChanges::events`]: Python's `TriggerEventEntry`
/// named tuple, a three-element array on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerEventEntry {
    /// The trigger that fired.
    pub trigger_id: i64,
    /// What it fired.
    pub event: TriggerEvent,
    /// Sequence number of a shared-stream event whose broker advance waits for this event to be
    /// persisted; `None` otherwise.
    pub persist_seq: Option<i64>,
}

impl Serialize for TriggerEventEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(3)?;
        tuple.serialize_element(&self.trigger_id)?;
        tuple.serialize_element(&self.event)?;
        tuple.serialize_element(&self.persist_seq)?;
        tuple.end()
    }
}

impl<'de> Deserialize<'de> for TriggerEventEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = TriggerEventEntry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [trigger_id, event, persist_seq] array")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<TriggerEventEntry, A::Error> {
                let trigger_id = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let event = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let persist_seq = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(2, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(4, &self));
                }
                Ok(TriggerEventEntry {
                    trigger_id,
                    event,
                    persist_seq,
                })
            }
        }
        // A tuple struct by name, so that lax mode can read an object too (see `lax`).
        deserializer.deserialize_tuple_struct(
            crate::value::lax::TRIGGER_EVENT_ENTRY,
            3,
            EntryVisitor,
        )
    }
}

/// What a trigger fired (Airflow's discriminated `TriggerEvent` / `TaskSuccessEvent` /
/// `TaskFailedEvent` / `TaskSkippedEvent`). The presence of `task_instance_state` selects the
/// kind: without it the event resumes the deferred task with its payload; with it the event
/// ends the task in that state.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerEvent {
    /// Resume the deferred task with this payload (`{"payload": ...}`).
    Resume {
        /// What the trigger fired, as it fired it (Python types it `Any`): a `DateTimeTrigger`
        /// fires a date-time, SQL triggers fire rows that may hold date-times and bytes.
        payload: AnyValue,
    },
    /// End the task without resuming it (`{"task_instance_state": ..., "xcoms": ...}`).
    EndTask {
        /// The state to end the task in.
        task_instance_state: TaskEndState,
        /// XComs to push before ending: normally an object, or null. Airflow does not check
        /// the shape, so any JSON value is carried as is.
        xcoms: JsonValue,
    },
}

impl Serialize for TriggerEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Resume { payload } => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("payload", payload)?;
                map.end()
            }
            Self::EndTask {
                task_instance_state,
                xcoms,
            } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("task_instance_state", task_instance_state)?;
                map.serialize_entry("xcoms", xcoms)?;
                map.end()
            }
        }
    }
}

/// A key of a trigger event object. Python builds the event with the keys as keyword arguments,
/// so only a string will do: read as an identifier, which lax mode leaves as sent.
struct EventKey<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for EventKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = EventKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key (keyword arguments must be strings)")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<EventKey<'de>, E> {
                Ok(EventKey(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EventKey<'de>, E> {
                Ok(EventKey(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<EventKey<'de>, E> {
                Ok(EventKey(std::borrow::Cow::Owned(v)))
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for TriggerEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EventVisitor;
        impl<'de> Visitor<'de> for EventVisitor {
            type Value = TriggerEvent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a trigger event object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TriggerEvent, A::Error> {
                let mut payload: Option<AnyValue> = None;
                let mut state: Option<TaskInstanceState> = None;
                let mut xcoms: Option<JsonValue> = None;
                while let Some(EventKey(key)) = map.next_key()? {
                    match &*key {
                        "payload" => payload = Some(map.next_value()?),
                        "task_instance_state" => state = Some(map.next_value()?),
                        "xcoms" => xcoms = Some(map.next_value()?),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                let Some(state) = state else {
                    // Airflow's `TriggerEvent` constructor takes the payload as a required argument.
                    return payload
                        .map(|payload| TriggerEvent::Resume { payload })
                        .ok_or_else(|| de::Error::missing_field("payload"));
                };
                let task_instance_state = match state {
                    TaskInstanceState::Success => TaskEndState::Success,
                    TaskInstanceState::Failed => TaskEndState::Failed,
                    TaskInstanceState::Skipped => TaskEndState::Skipped,
                    other => {
                        return Err(de::Error::invalid_value(
                            de::Unexpected::Str(other.into()),
                            &"success, failed or skipped",
                        ));
                    }
                };
                if payload.is_some() {
                    // Task-end events take no payload: Airflow's constructor refuses one.
                    return Err(de::Error::custom("a task-end event takes no `payload`"));
                }
                Ok(TriggerEvent::EndTask {
                    task_instance_state,
                    xcoms: xcoms.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_map(EventVisitor)
    }
}
