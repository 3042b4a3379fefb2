//! [`HITLRequests`](crate::HITLRequests): human-in-the-loop requests, and the models they share
//! with their replies.
//!
//! Mirrors `CreateHITLDetailPayload`, `UpdateHITLDetail` and `GetHITLDetailResponse` of
//! `airflow.sdk.execution_time.comms`, and `HITLUser` of the Execution API models.

use std::fmt;
use std::ops::Deref;

use serde::de::{self, Deserialize, Deserializer};
use serde::{Serialize, Serializer};

#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// A user who may answer, or answered, a human-in-the-loop request.
    pub struct HITLUser, extra = ignore {
        /// The user's id.
        pub id: String,
        /// The user's display name.
        pub name: String,
    }
}

model! {
    /// Asks a human for input on behalf of the running task. Also sent back in `ToTask` (Airflow
    /// lists it there, although no supervisor ever replies with it).
    pub struct CreateHITLDetailPayload tag "CreateHITLDetailPayload", extra = ignore {
        /// The task instance waiting for the input.
        pub ti_id: Uuid,
        /// The choices offered; at least one.
        pub options: NonEmptyVec<String>,
        /// The question.
        pub subject: String,
        /// Longer text shown with the question.
        pub body: Option<String> = None,
        /// Options chosen when nobody answers in time.
        pub defaults: Option<Vec<String>> = None,
        /// Whether several options may be chosen.
        pub multiple: Option<bool> = Some(false),
        /// Parameters the human may fill in.
        pub params: Option<AnyMap> = None,
        /// Who may answer; anyone when absent.
        pub assigned_users: Option<Vec<HITLUser>> = None,
    }
}

model! {
    /// Records a human's answer to a request (served by the triggerer; the task supervisor of
    /// 3.3.2 answers it with an "Unhandled request" error).
    pub struct UpdateHITLDetail tag "UpdateHITLDetail", extra = ignore {
        /// The task instance the request belongs to.
        pub ti_id: Uuid,
        /// The chosen options; at least one.
        pub chosen_options: NonEmptyVec<String>,
        /// Values for the request's parameters.
        pub params_input: Option<AnyMap> = None,
    }
}

model! {
    /// Reads the answer to a request (served by the triggerer; the task supervisor of 3.3.2
    /// answers it with an "Unhandled request" error).
    pub struct GetHITLDetailResponse tag "GetHITLDetailResponse", extra = ignore {
        /// The task instance the request belongs to.
        pub ti_id: Uuid,
    }
}

/// A list with at least one element (pydantic `min_length=1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonEmptyVec<T>(Vec<T>);

/// The error of [`NonEmptyVec::new`] on an empty list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the list must have at least 1 item")]
pub struct EmptyListError;

impl<T> NonEmptyVec<T> {
    /// Wraps `items`, refusing an empty list.
    pub fn new(items: Vec<T>) -> Result<Self, EmptyListError> {
        if items.is_empty() {
            Err(EmptyListError)
        } else {
            Ok(Self(items))
        }
    }

    /// The items.
    pub fn into_inner(self) -> Vec<T> {
        self.0
    }
}

impl<T> Deref for NonEmptyVec<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> TryFrom<Vec<T>> for NonEmptyVec<T> {
    type Error = EmptyListError;
    fn try_from(items: Vec<T>) -> Result<Self, EmptyListError> {
        Self::new(items)
    }
}

impl<T: Serialize> Serialize for NonEmptyVec<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NonEmptyVec<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Expected;
        impl de::Expected for Expected {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list with at least 1 item")
            }
        }
        let items = Vec::<T>::deserialize(deserializer)?;
        Self::new(items).map_err(|_| de::Error::invalid_length(0, &Expected))
    }
}
