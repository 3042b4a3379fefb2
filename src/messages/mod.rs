//! Every message and nested model of the protocol, as plain Rust structs.
//!
//! Requests a child process sends are grouped into one module per access group (the same
//! grouping as the [`groups`](crate::union::groups) enums); replies and commands from the supervisor
//! live in [`responses`], [`trigger`] and [`dag_processor`]; models nested in several messages in
//! [`nested`].
//!
//! Each struct mirrors one pydantic model of apache-airflow-task-sdk 1.3.2 / apache-airflow-core
//! 3.3.2 field for field: same wire keys, same required and optional fields, same defaults, same
//! policy for unknown keys.

/// What every message module needs in scope.
#[allow(unused_imports)]
mod prelude {
    pub(crate) use std::collections::BTreeSet;

    pub(crate) use indexmap::IndexMap;
    pub(crate) use uuid::Uuid;

    pub(crate) use super::dag_processor::*;
    pub(crate) use super::hitl::*;
    pub(crate) use super::lifecycle::*;
    pub(crate) use super::nested::*;
    pub(crate) use super::responses::*;
    pub(crate) use super::trigger::*;
    pub(crate) use crate::messages::enums::*;
    pub(crate) use crate::value::time::{
        AwareDateTime, NaiveOrAwareDateTime, TimeDelta, UtcDateTime,
    };
    pub(crate) use crate::value::{AnyDict, AnyMap, AnyValue, JsonMap, JsonValue};
}

#[macro_use]
pub mod model;
#[cfg(feature = "arbitrary")]
pub mod arb;
pub mod enums;
#[doc(hidden)]
pub mod schema;
#[macro_use]
pub mod union;

pub mod callback;
pub mod dag_processor;
pub mod hitl;
pub mod lifecycle;
pub mod logging;
pub mod metadata;
pub mod nested;
pub mod orchestration;
pub mod read;
pub mod responses;
pub mod trigger;
pub mod write;
