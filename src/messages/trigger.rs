#[allow(unused_imports)]
use super::prelude::*;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeTuple};
use serde::{Serialize, Serializer};

model! {
    /// TODO
    pub struct TriggerStateChanges tag "TriggerStateChanges", extra = ignore {
        @type,
        pub events: Option<Vec<TriggerEventEntry>> = None,
        pub failures: Option<Vec<(i64, Option<Vec<String>>)>> = None,
        pub finished: Option<Vec<i64>> = None,
    }
}

model! {
    /// TODO
    pub struct StartTriggerer tag "StartTriggerer", extra = ignore {
    }
}

model! {
    /// TODO
    pub struct TaskInstanceDTO, extra = ignore {
        pub id: Uuid,
        pub task_id: String,
        pub dag_id: String,
        pub run_id: String,
        pub try_number: i64,
        pub dag_version_id: Uuid,
        pub map_index: i64 = -1,
        pub hostname: Option<String> = None,
        pub context_carrier: Option<JsonMap> = None,
        pub queue: String = "default".to_owned(),
        pub pool_slots: i64,
        pub priority_weight: i64,
        @not_dumped,
        pub external_executor_id: Option<String> = None,
        pub executor_config: Option<JsonMap> = None,
    }
}

model! {
    /// TODO
    pub struct RunTrigger tag "RunTrigger", extra = ignore {
        pub id: i64,
        pub classpath: String,
        pub encrypted_kwargs: String,
        pub ti: Option<TaskInstanceDTO> = None,
        pub timeout_after: Option<NaiveOrAwareDateTime> = None,
        @type,
        pub dag_data: Option<JsonMap> = None,
        pub dag_run_data: Option<JsonMap> = None,
        pub watched_assets: Option<IndexMap<String, String>> = None,
    }
}

model! {
    /// TODO
    pub struct TriggerStateSync tag "TriggerStateSync", extra = ignore {
        @type,
        pub to_create: Vec<RunTrigger>,
        pub to_cancel: BTreeSet<i64>,
        pub events_persisted: Option<Vec<i64>> = None,
    }
}

model! {
    /// TODO
    pub struct HITLDetailResponseResult tag "HITLDetailResponseResult", extra = ignore {
        pub response_received: bool,
        pub responded_by_user: Option<HITLUser> = None,
        pub responded_at: Option<AwareDateTime>,
        pub chosen_options: Option<Vec<String>>,
        pub params_input: Option<JsonMap> = None,
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
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TriggerEventEntry, A::Error> {
                let trigger_id = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let event = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let persist_seq =
                    seq.next_element()?.ok_or_else(|| de::Error::invalid_length(2, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(4, &self));
                }
                Ok(TriggerEventEntry { trigger_id, event, persist_seq })
            }
        }
        deserializer.deserialize_seq(EntryVisitor)
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
        /// Any JSON value.
        payload: JsonValue,
    },
    /// End the task without resuming it (`{"task_instance_state": ..., "xcoms": ...}`).
    EndTask {
        /// The state to end the task in.
        task_instance_state: TaskEndState,
        /// XComs to push before ending.
        xcoms: Option<JsonMap>,
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
            Self::EndTask { task_instance_state, xcoms } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("task_instance_state", task_instance_state)?;
                map.serialize_entry("xcoms", xcoms)?;
                map.end()
            }
        }
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
                let mut payload: Option<JsonValue> = None;
                let mut state: Option<TaskInstanceState> = None;
                let mut xcoms: Option<Option<JsonMap>> = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
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
                    return Ok(TriggerEvent::Resume { payload: payload.unwrap_or_default() });
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
                Ok(TriggerEvent::EndTask { task_instance_state, xcoms: xcoms.flatten() })
            }
        }
        deserializer.deserialize_map(EventVisitor)
    }
}
