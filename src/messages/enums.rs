//! Closed string sets of the protocol. Each is closed in Airflow too: a value outside the set
//! makes the message invalid.
//!
//! Every enum converts to and from its wire string with strum (`Display`, `FromStr`,
//! `IntoStaticStr`) and lists its values with `strum::IntoEnumIterator`.

use serde::Serialize;

/// Defines a closed string enum whose serde and strum spellings are the given wire strings.
/// `python: StrEnum`, `Enum` or `Literal` says what the Python side types it as: pydantic's lax
/// mode reads msgpack bin holding text as a member of an enum that subclasses `str`, never as a
/// plain `Enum` member or a `Literal` value.
macro_rules! string_enum {
    (
        python: $python:ident,
        $(#[doc = $doc:literal])*
        pub enum $name:ident {
            $( $(#[doc = $vdoc:literal])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize,
            strum::Display, strum::EnumString, strum::EnumIter, strum::IntoStaticStr, strum::AsRefStr,
        )]
        pub enum $name {
            $( $(#[doc = $vdoc])* #[serde(rename = $wire)] #[strum(serialize = $wire)] $variant, )*
        }

        impl $name {
            /// Every wire value, in Airflow's declaration order.
            pub const VALUES: &'static [&'static str] = &[$($wire),*];
        }

        /// From the wire value only: serde's derived impl would also take a variant index
        /// (an integer in msgpack), which pydantic refuses.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct WireValue;
                impl serde::de::Visitor<'_> for WireValue {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "one of {:?}", $name::VALUES)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(|_| E::unknown_variant(v, $name::VALUES))
                    }
                }
                // An identifier is left as sent by lax mode; a `str` may be bin read as text.
                match stringify!($python) {
                    "StrEnum" => deserializer.deserialize_str(WireValue),
                    _ => deserializer.deserialize_identifier(WireValue),
                }
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({
                    "type": "string",
                    "enum": [$($wire),*],
                    "description": $crate::messages::schema::description(&[$($doc),*]),
                })
            }
        }

        #[cfg(feature = "arbitrary")]
        impl<'a> ::arbitrary::Arbitrary<'a> for $name {
            fn arbitrary(u: &mut ::arbitrary::Unstructured<'a>) -> ::arbitrary::Result<Self> {
                Ok(*u.choose(&[$(Self::$variant),*])?)
            }
        }

        #[cfg(feature = "arbitrary")]
        impl $crate::messages::arb::ArbitraryField for $name {
            fn arbitrary_field(u: &mut ::arbitrary::Unstructured<'_>) -> ::arbitrary::Result<Self> {
                <Self as ::arbitrary::Arbitrary>::arbitrary(u)
            }
        }
    };
}

string_enum! {
    python: StrEnum,
    /// Every state a task instance can be in (`TaskInstanceState`, the same in the SDK and core).
    pub enum TaskInstanceState {
        /// The task vanished from the DAG.
        Removed = "removed",
        /// Scheduled, waiting for a free slot.
        Scheduled = "scheduled",
        /// Handed to an executor.
        Queued = "queued",
        /// Running.
        Running = "running",
        /// Finished successfully.
        Success = "success",
        /// Asked to restart while running.
        Restarting = "restarting",
        /// Finished with a failure.
        Failed = "failed",
        /// Failed and will be retried.
        UpForRetry = "up_for_retry",
        /// Waiting to be rescheduled (sensors in reschedule mode).
        UpForReschedule = "up_for_reschedule",
        /// An upstream task failed.
        UpstreamFailed = "upstream_failed",
        /// Skipped.
        Skipped = "skipped",
        /// Deferred to the triggerer.
        Deferred = "deferred",
        /// Waiting for human input.
        AwaitingInput = "awaiting_input",
    }
}

string_enum! {
    python: Literal,
    /// The states a [`TaskState`](crate::TaskState) message may report: the terminal states that
    /// do not go through a dedicated message.
    pub enum TaskStateOutcome {
        /// Finished with a failure.
        Failed = "failed",
        /// Skipped.
        Skipped = "skipped",
        /// The task vanished from the DAG.
        Removed = "removed",
    }
}

impl From<TaskStateOutcome> for TaskInstanceState {
    fn from(value: TaskStateOutcome) -> Self {
        match value {
            TaskStateOutcome::Failed => Self::Failed,
            TaskStateOutcome::Skipped => Self::Skipped,
            TaskStateOutcome::Removed => Self::Removed,
        }
    }
}

string_enum! {
    python: StrEnum,
    /// The state a trigger's task-end event ends its task in.
    pub enum TaskEndState {
        /// `TaskSuccessEvent`.
        Success = "success",
        /// `TaskFailedEvent`.
        Failed = "failed",
        /// `TaskSkippedEvent`.
        Skipped = "skipped",
    }
}

string_enum! {
    python: StrEnum,
    /// The state of a DAG run (`DagRunState`).
    pub enum DagRunState {
        /// Waiting to start.
        Queued = "queued",
        /// Running.
        Running = "running",
        /// Finished successfully.
        Success = "success",
        /// Finished with a failure.
        Failed = "failed",
    }
}

string_enum! {
    python: StrEnum,
    /// What created a DAG run (`DagRunType`).
    pub enum DagRunType {
        /// A backfill.
        Backfill = "backfill",
        /// The DAG's schedule.
        Scheduled = "scheduled",
        /// A user, through the UI, the API or the CLI.
        Manual = "manual",
        /// An operator (e.g. `TriggerDagRunOperator`).
        OperatorTriggered = "operator_triggered",
        /// An asset event.
        AssetTriggered = "asset_triggered",
        /// An asset materialization request.
        AssetMaterialization = "asset_materialization",
    }
}

string_enum! {
    python: Enum,
    /// The kind of failure an [`ErrorResponse`](crate::ErrorResponse) reports (`ErrorType`).
    pub enum ErrorType {
        /// The requested connection does not exist.
        ConnectionNotFound = "CONNECTION_NOT_FOUND",
        /// The requested variable does not exist.
        VariableNotFound = "VARIABLE_NOT_FOUND",
        /// The requested XCom does not exist.
        XComNotFound = "XCOM_NOT_FOUND",
        /// The requested asset does not exist.
        AssetNotFound = "ASSET_NOT_FOUND",
        /// The requested task state-store key does not exist.
        TaskStoreNotFound = "TASK_STORE_NOT_FOUND",
        /// The requested asset state-store key does not exist.
        AssetStoreNotFound = "ASSET_STORE_NOT_FOUND",
        /// A DAG run with that id already exists.
        DagRunAlreadyExists = "DAGRUN_ALREADY_EXISTS",
        /// The Execution API refused access (HTTP 401/403).
        PermissionDenied = "PERMISSION_DENIED",
        /// Any other error (the default).
        GenericError = "GENERIC_ERROR",
        /// The Execution API call failed.
        ApiServerError = "API_SERVER_ERROR",
    }
}

impl Default for ErrorType {
    /// `GENERIC_ERROR`, the Python default.
    fn default() -> Self {
        Self::GenericError
    }
}

string_enum! {
    python: Literal,
    /// Which notification an [`EmailRequest`](crate::EmailRequest) asks for.
    pub enum EmailType {
        /// The task failed.
        Failure = "failure",
        /// The task is up for retry.
        Retry = "retry",
    }
}

impl Default for EmailType {
    /// `failure`, the Python default.
    fn default() -> Self {
        Self::Failure
    }
}

string_enum! {
    python: Enum,
    /// The terminal state a callback reports (`CallbackTerminalState`).
    pub enum CallbackTerminalState {
        /// The callback ran to completion.
        Success = "success",
        /// The callback raised or could not run.
        Failed = "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn wire_strings_agree_between_serde_and_strum() {
        for state in TaskInstanceState::iter() {
            let wire = serde_json::to_value(state).unwrap();
            assert_eq!(wire, serde_json::Value::from(state.to_string()));
            assert_eq!(
                state.to_string().parse::<TaskInstanceState>().unwrap(),
                state
            );
        }
        assert_eq!(ErrorType::VALUES.len(), ErrorType::iter().count());
        assert!(serde_json::from_str::<DagRunState>("\"paused\"").is_err());
    }
}
